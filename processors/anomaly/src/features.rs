//! The features of one document against its issuer's history, and the
//! update of that history once the document is scored.
//!
//! Every feature is a non-negative surprise: 0 for the unremarkable, larger
//! for the rarer. Some are facts (a folio used twice, an IVA that is not 19%
//! of MntNeto): any positive value of a fact is an anomaly by itself. The
//! others are calibrated on the warm-up (see `detector`).
//!
//! The update learns the issuer's habits, but not at once from what is far
//! outside them: a signature at an hour or on a day the issuer practically
//! never signs, or a crowd of documents far beyond its rate, is kept out of
//! its histograms and rates until such events recur (a new shift, a batch
//! routine), so that one episode does not make the next one look usual.

use serde::{Deserialize, Serialize};

use crate::extract::Fields;
use crate::profile::{self, FolioFacts, IssuerProfile, RECENT, WINDOW, is_credit_note};
use crate::stats::robust_z;
use crate::time;

/// One feature: where it sits in the vector and whether a fact decides it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feature {
    /// MntTotal far above the issuer's usual for the document's class.
    AmountHigh,
    /// MntTotal far below the issuer's usual.
    AmountLow,
    /// IVA differs from round(MntNeto × TasaIVA) by more than a peso (fact).
    IvaMismatch,
    /// Other arithmetic the SII rules check: lines against MntNeto, MntTotal
    /// against its parts (fact).
    Arithmetic,
    /// The folio was already used for this type (fact).
    FolioDuplicate,
    /// The folio is below the issuer's sequence.
    FolioBehind,
    /// The folio skips ahead of the issuer's sequence.
    FolioJump,
    /// The receiver was never seen, for an issuer that seldom has new ones.
    CounterpartNew,
    /// A new receiver with an amount above the issuer's usual.
    CounterpartNewAmount,
    /// More documents in the last hour than the issuer's rate makes likely.
    Burst,
    /// Signed at an hour the issuer seldom signs.
    Hour,
    /// Signed on a weekday the issuer seldom signs.
    Weekday,
    /// Signed long after FchEmis, for this issuer.
    Lag,
    /// FchEmis after the signature date (fact).
    LagNegative,
    /// Far more lines than the issuer's usual.
    Lines,
    /// A round amount from an issuer whose amounts seldom are.
    Round,
    /// A credit note from an issuer that seldom issues them.
    CreditRate,
    /// A credit note large against the issuer's sales.
    CreditSize,
    /// MntTotal ends in repeated digits, as more of the issuer's last
    /// documents do than its history before them makes likely (binomial).
    DigitsRepeat,
    /// MntTotal's leading digits, over the issuer's last documents, fit
    /// made-up evenly spread digits better than its own history (a
    /// log-likelihood ratio; context only).
    /// issuer's own pattern.
    DigitsLeading,
}

/// Number of features.
pub const NF: usize = 20;

impl Feature {
    /// Every feature, in vector order.
    pub const ALL: [Feature; NF] = [
        Feature::AmountHigh,
        Feature::AmountLow,
        Feature::IvaMismatch,
        Feature::Arithmetic,
        Feature::FolioDuplicate,
        Feature::FolioBehind,
        Feature::FolioJump,
        Feature::CounterpartNew,
        Feature::CounterpartNewAmount,
        Feature::Burst,
        Feature::Hour,
        Feature::Weekday,
        Feature::Lag,
        Feature::LagNegative,
        Feature::Lines,
        Feature::Round,
        Feature::CreditRate,
        Feature::CreditSize,
        Feature::DigitsRepeat,
        Feature::DigitsLeading,
    ];

    /// The name used in reasons, the model and exported matrices.
    pub fn name(self) -> &'static str {
        match self {
            Feature::AmountHigh => "amount_high",
            Feature::AmountLow => "amount_low",
            Feature::IvaMismatch => "iva_mismatch",
            Feature::Arithmetic => "arithmetic",
            Feature::FolioDuplicate => "folio_duplicate",
            Feature::FolioBehind => "folio_behind",
            Feature::FolioJump => "folio_jump",
            Feature::CounterpartNew => "counterpart_new",
            Feature::CounterpartNewAmount => "counterpart_new_amount",
            Feature::Burst => "burst",
            Feature::Hour => "hour",
            Feature::Weekday => "weekday",
            Feature::Lag => "lag",
            Feature::LagNegative => "lag_negative",
            Feature::Lines => "lines",
            Feature::Round => "round",
            Feature::CreditRate => "credit_rate",
            Feature::CreditSize => "credit_size",
            Feature::DigitsRepeat => "digits_repeat",
            Feature::DigitsLeading => "digits_leading",
        }
    }

    /// True for context features: too common in normal traffic to flag on
    /// their own, so only the forest reads them.
    pub fn is_context(self) -> bool {
        matches!(self, Feature::CounterpartNew | Feature::DigitsLeading)
    }

    /// True when a positive value is an anomaly by itself.
    pub fn is_fact(self) -> bool {
        matches!(
            self,
            Feature::IvaMismatch
                | Feature::Arithmetic
                | Feature::FolioDuplicate
                | Feature::LagNegative
        )
    }
}

/// Population priors: what an issuer with little history is assumed to be
/// like. Learned from the warm-up by `train`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Priors {
    /// Share of documents signed in each hour.
    pub hours: Vec<f64>,
    /// Share of documents signed on each weekday (Monday first).
    pub weekdays: Vec<f64>,
    /// Typical within-issuer spread (1.4826·MAD) of ln(MntTotal).
    pub amount_scale: f64,
    /// Typical within-issuer spread of ln(lines).
    pub lines_scale: f64,
    /// Typical within-issuer spread of ln(1 + lag in days).
    pub lag_scale: f64,
    /// Earlier documents in the hour before a document.
    pub hourly: f64,
    /// Share of documents to a receiver new to the issuer.
    pub novelty: f64,
    /// Share of documents with a round MntNeto or MntTotal.
    pub round: f64,
    /// Share of credit notes.
    pub credit: f64,
    /// Weight of the prior, in documents, against the issuer's own history.
    pub strength: f64,
}

impl Default for Priors {
    fn default() -> Self {
        let mut hours = vec![0.002; 24];
        for share in &mut hours[8..20] {
            *share = 0.08;
        }
        Priors {
            hours: normalised(hours),
            weekdays: normalised(vec![0.19, 0.19, 0.19, 0.19, 0.19, 0.04, 0.01]),
            amount_scale: 0.8,
            lines_scale: 0.5,
            lag_scale: 0.3,
            hourly: 0.3,
            novelty: 0.2,
            round: 0.02,
            credit: 0.05,
            strength: 5.0,
        }
    }
}

fn normalised(mut v: Vec<f64>) -> Vec<f64> {
    let sum: f64 = v.iter().sum();
    if sum > 0.0 {
        v.iter_mut().for_each(|x| *x /= sum);
    }
    v
}

/// Benford's leading-digit shares (index 1 to 9).
fn benford(d: usize) -> f64 {
    (1.0 + 1.0 / d as f64).log10()
}

/// The baselines the reasons quote, found while computing the features.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Context {
    pub usual_amount: Option<f64>,
    pub expected_iva: Option<f64>,
    pub arithmetic: Vec<String>,
    pub folio: FolioFacts,
    pub usual_gap: f64,
    pub new_counterpart: bool,
    pub novelty: f64,
    pub within_hour: u32,
    pub hourly: f64,
    pub hour: usize,
    pub hour_share: f64,
    pub weekday: usize,
    pub weekday_share: f64,
    pub lag_days: i64,
    pub usual_lag: Option<f64>,
    pub usual_lines: Option<f64>,
    pub round_share: f64,
    pub credit_share: f64,
    pub usual_sale: Option<f64>,
    pub repeat_habit: f64,
    pub repeat_window: (u32, u32),
    pub leading: Option<f64>,
    pub tenth: f64,
    pub within_ten: u32,
}

/// One DTE's features and what they were measured against.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Observation {
    pub fields: Fields,
    pub values: [f64; NF],
    pub context: Context,
}

fn poisson_surprise(k: u32, lambda: f64) -> f64 {
    // -ln P(X ≥ k), summed upwards in log space so small tails stay exact.
    if k == 0 {
        return 0.0;
    }
    let lambda = lambda.max(1e-3);
    let mut ln_pmf = -lambda + f64::from(k) * lambda.ln() - ln_factorial(k);
    let mut total = 0.0f64;
    for i in k..k + 60 {
        total += ln_pmf.exp();
        ln_pmf += lambda.ln() - f64::from(i + 1).ln();
    }
    -total.clamp(f64::MIN_POSITIVE, 1.0).ln()
}

/// `-ln P(X ≥ k)` for `X ~ Binomial(n, p)`.
fn binomial_surprise(k: u32, n: u32, p: f64) -> f64 {
    if k == 0 {
        return 0.0;
    }
    let p = p.clamp(1e-6, 1.0 - 1e-6);
    let total: f64 = (k..=n)
        .map(|i| {
            let ln_choose = ln_factorial(n) - ln_factorial(i) - ln_factorial(n - i);
            (ln_choose + f64::from(i) * p.ln() + f64::from(n - i) * (1.0 - p).ln()).exp()
        })
        .sum();
    -total.clamp(f64::MIN_POSITIVE, 1.0).ln()
}

/// Share of documents whose MntTotal ends in three identical non-zero
/// digits when the last digits are unremarkable: 9 in 1,000.
const REPEAT_PRIOR: f64 = 0.009;

/// Weight of [`REPEAT_PRIOR`], in documents, against the issuer's own
/// share of repeated endings.
const REPEAT_WEIGHT: f64 = 100.0;

/// The smallest spread of log amounts an issuer is credited with, as a
/// share of the population's typical spread: an issuer whose recent totals
/// happen to be close together is not taken to be so precise that a big
/// but ordinary sale looks like a spike.
const AMOUNT_FLOOR: f64 = 1.4;

/// Documents an issuer needs before a rare signing time is kept out of its
/// hour and weekday histograms.
const RARE_TIME_HISTORY: u32 = 30;

/// An hour or weekday share below this is a rare signing time.
const RARE_TIME_SHARE: f64 = 0.002;

/// Rare signing times kept out of the histograms before they are learned.
const RARE_TIME_LEARN: u8 = 12;

/// A burst surprise (`-ln P`) above this is a crowd the issuer's rate does
/// not learn from at once.
const CROWDED: f64 = 6.0;

/// Every this many documents, one remembered rare signing time and one
/// remembered crowd are forgotten, so that rare events stay rare.
const FORGET_ODD: u32 = 64;

/// Totals needed before an issuer's own leading digits are judged.
const LEADING_HISTORY: f64 = 30.0;

/// Weight of Benford's shares, in documents, in the issuer's own
/// leading-digit shares.
const LEADING_PRIOR: f64 = 5.0;

fn ln_factorial(k: u32) -> f64 {
    (2..=k).map(|i| f64::from(i).ln()).sum()
}

/// The count of hour `h`, with its neighbours' counts at half and a quarter
/// weight, normalised back: an office that signs from 9 to 18 finds 08:00
/// less strange than 03:00.
fn near(hours: &[u16; 24], h: usize) -> f64 {
    let at = |d: usize| f64::from(hours[(h + d) % 24]);
    (at(0) + 0.5 * (at(1) + at(23)) + 0.25 * (at(2) + at(22))) / 2.5
}

/// Share of `count` in `bins` with `total` observations, smoothed towards
/// `prior` with weight `alpha`.
fn smoothed(count: f64, total: f64, prior: f64, alpha: f64) -> f64 {
    (count + alpha * prior) / (total + alpha)
}

/// Computes the features of a document against the issuer's history
/// (`None` for an issuer never seen). `arithmetic` holds the messages of the
/// SII amount rules that failed, other than IVA.
pub(crate) fn compute(
    fields: Fields,
    profile: Option<&IssuerProfile>,
    priors: &Priors,
    arithmetic: Vec<String>,
) -> Observation {
    let empty = IssuerProfile::default();
    let p = profile.unwrap_or(&empty);
    let mut v = [0.0; NF];
    let mut c = Context {
        arithmetic,
        ..Context::default()
    };
    let n = f64::from(p.documents);
    let k = priors.strength;
    let set = |v: &mut [f64; NF], f: Feature, x: f64| v[f as usize] = x.max(0.0);

    // Amount against the issuer's usual for this type.
    let slot = p.slot(fields.tipo);
    let ln_total = fields.total.max(0.0).ln_1p();
    let amount_z = slot.filter(|_| fields.total > 0.0).and_then(|s| {
        robust_z(
            &s.amounts,
            ln_total,
            priors.amount_scale,
            k,
            3,
            AMOUNT_FLOOR,
        )
    });
    if let Some((z, median)) = amount_z {
        set(&mut v, Feature::AmountHigh, z);
        set(&mut v, Feature::AmountLow, -z);
        c.usual_amount = Some(median.exp_m1());
    }

    // IVA against the rate applied to MntNeto, beyond rounding.
    if let (Some(neto), Some(iva)) = (fields.neto, fields.iva) {
        let rate = fields.tasa_iva.unwrap_or(19.0);
        let expected = (neto * rate / 100.0).round();
        c.expected_iva = Some(expected);
        let deviation = (iva - expected).abs();
        if deviation > 1.0 {
            set(&mut v, Feature::IvaMismatch, deviation.ln_1p());
        }
    }
    set(&mut v, Feature::Arithmetic, c.arithmetic.len() as f64);

    // Folio sequence of this type.
    if let Some(slot) = slot.filter(|s| s.max > 0) {
        let facts = slot.facts(fields.folio);
        if facts.duplicate {
            set(&mut v, Feature::FolioDuplicate, 1.0);
        } else if facts.behind >= profile::FOLIO_WINDOW {
            // Within the window and unseen is a late arrival, which is
            // normal; only a folio older than the window is strange.
            set(&mut v, Feature::FolioBehind, (facts.behind as f64).ln_1p());
        }
        c.usual_gap = f64::from(p.folio_gap).exp_m1();
        if facts.gap > 0 {
            let excess = (facts.gap as f64).ln_1p() - f64::from(p.folio_gap);
            set(&mut v, Feature::FolioJump, excess);
        }
        c.folio = facts;
    }

    // Counterpart: new to this issuer, and how much for.
    if let Some(receptor) = fields.receptor {
        if p.documents > 0 && !p.counterparts.contains(receptor) {
            c.new_counterpart = true;
            c.novelty = smoothed(f64::from(p.new_counterparts), n, priors.novelty, k);
            set(&mut v, Feature::CounterpartNew, -c.novelty.ln());
            if let Some((z, _)) = amount_z {
                set(&mut v, Feature::CounterpartNewAmount, z);
            }
        }
    }

    // Velocity: earlier documents in the last hour against the issuer's rate.
    let minute = time::minutes_since_2000(fields.signed);
    c.within_hour = p.within(minute, 60);
    c.within_ten = p.within(minute, 10);
    let weight = n.min(50.0);
    c.hourly = (weight * f64::from(p.hourly) + k * priors.hourly) / (weight + k);
    c.tenth = (weight * f64::from(p.tenth) + k * priors.hourly / 4.0) / (weight + k);
    set(
        &mut v,
        Feature::Burst,
        poisson_surprise(c.within_hour, c.hourly).max(poisson_surprise(c.within_ten, c.tenth)),
    );

    // Hour and weekday against the issuer's profile.
    c.hour = time::hour(fields.signed);
    c.weekday = time::weekday(fields.signed);
    let hours_total: f64 = p.hours.iter().map(|&h| f64::from(h)).sum();
    let days_total: f64 = p.weekdays.iter().map(|&h| f64::from(h)).sum();
    c.hour_share = smoothed(
        near(&p.hours, c.hour),
        hours_total,
        priors.hours.get(c.hour).copied().unwrap_or(1.0 / 24.0),
        2.0 * k,
    );
    c.weekday_share = smoothed(
        f64::from(p.weekdays[c.weekday]),
        days_total,
        priors.weekdays.get(c.weekday).copied().unwrap_or(1.0 / 7.0),
        2.0 * k,
    );
    // Rare for the population too counts: 03:00 is stranger than 21:00 for
    // an office that has signed at neither.
    let population = |shares: &[f64], i: usize| {
        let share = shares.get(i).copied().unwrap_or(0.0) * shares.len() as f64;
        -share.clamp(1e-3, 1.0).ln()
    };
    set(
        &mut v,
        Feature::Hour,
        -c.hour_share.ln() + population(&priors.hours, c.hour),
    );
    set(
        &mut v,
        Feature::Weekday,
        -c.weekday_share.ln() + population(&priors.weekdays, c.weekday),
    );

    // Lag from FchEmis to the signature.
    if let Some(emis) = fields.fch_emis {
        c.lag_days = fields.signed.div_euclid(time::DAY) - emis;
        if c.lag_days < 0 {
            set(&mut v, Feature::LagNegative, (-c.lag_days) as f64);
        } else if let Some((z, median)) = robust_z(
            &p.lags,
            (c.lag_days as f64).ln_1p(),
            priors.lag_scale,
            k,
            3,
            1.0,
        ) {
            set(&mut v, Feature::Lag, z);
            c.usual_lag = Some(median.exp_m1());
        }
    }

    // Line count against the issuer's usual.
    if fields.lines > 0 {
        let ln_lines = f64::from(fields.lines).ln();
        if let Some((z, median)) = robust_z(&p.lines, ln_lines, priors.lines_scale, k, 3, 1.0) {
            set(&mut v, Feature::Lines, z);
            c.usual_lines = Some(median.exp());
        }
    }

    // Round amounts against the issuer's habit.
    c.round_share = smoothed(f64::from(p.round), n, priors.round, k);
    if fields.round_zeros >= 3 {
        let extra = f64::from(fields.round_zeros - 3) * std::f64::consts::LN_10 * 0.5;
        set(&mut v, Feature::Round, -c.round_share.ln() + extra);
    }

    // Credit notes: how often, and how large against the issuer's sales.
    c.credit_share = smoothed(f64::from(p.credit_notes), n, priors.credit, k);
    if is_credit_note(fields.tipo) {
        set(&mut v, Feature::CreditRate, -c.credit_share.ln());
        let sales = if fields.tipo == 112 {
            [110, 110]
        } else {
            [33, 34]
        };
        let sales = p.slot(sales[0]).or_else(|| p.slot(sales[1]));
        if let Some((z, median)) = sales.and_then(|s| {
            robust_z(
                &s.amounts,
                ln_total,
                priors.amount_scale,
                k,
                3,
                AMOUNT_FLOOR,
            )
        }) {
            set(&mut v, Feature::CreditSize, z);
            c.usual_sale = Some(median.exp_m1());
        }
    }

    // Digits: over the last WINDOW documents and this one, repeated endings
    // and leading digits against the issuer's history before that window.
    let window_n = (p.documents as usize).min(WINDOW);
    let window_mask = (1u16 << WINDOW) - 1;
    let window_repeats = (p.repeat_window & window_mask).count_ones();
    let before = f64::from(p.repeats.saturating_sub(window_repeats));
    let docs_before = (n - window_n as f64).max(0.0);
    c.repeat_habit = (before + REPEAT_WEIGHT * REPEAT_PRIOR) / (docs_before + REPEAT_WEIGHT);
    c.repeat_window = (window_repeats, window_n as u32);
    if fields.repeat_run >= 3 {
        let extra = 0.5 * f64::from(fields.repeat_run - 3);
        let k = window_repeats + 1;
        let trials = window_n as u32 + 1;
        set(
            &mut v,
            Feature::DigitsRepeat,
            binomial_surprise(k, trials, c.repeat_habit) - binomial_surprise(1, 1, REPEAT_PRIOR)
                + extra,
        );
    }
    if let Some(d) = fields.total_first {
        let mut own = p.first_digits;
        for &w in &p.digits_window {
            if w > 0 {
                own[usize::from(w)] = own[usize::from(w)].saturating_sub(1);
            }
        }
        let own_total: f64 = own[1..].iter().map(|&c| f64::from(c)).sum();
        if own_total >= LEADING_HISTORY {
            let llr = |d: usize| {
                let share = smoothed(f64::from(own[d]), own_total, benford(d), LEADING_PRIOR);
                (1.0 / 9.0 / share).ln()
            };
            let leading = p
                .digits_window
                .iter()
                .filter(|&&w| w > 0)
                .map(|&w| llr(usize::from(w)))
                .sum::<f64>()
                + llr(d);
            c.leading = Some(leading);
            set(&mut v, Feature::DigitsLeading, leading);
        }
    }

    Observation {
        fields,
        values: v,
        context: c,
    }
}

/// Records a scored document in its issuer's profile.
pub(crate) fn update(p: &mut IssuerProfile, o: &Observation) {
    let f = &o.fields;
    if f.lines > 0 {
        p.lines.push(f64::from(f.lines).ln());
    }
    if o.context.lag_days >= 0 && f.fch_emis.is_some() {
        p.lags.push((o.context.lag_days as f64).ln_1p());
    }

    let gap = o.context.folio.gap;
    let slot = p.slot_mut(f.tipo);
    if f.total > 0.0 {
        slot.amounts.push(f.total.ln_1p());
    }
    let tracked = slot.max > 0;
    slot.record(f.folio);
    if tracked {
        p.folio_gap = 0.95 * p.folio_gap + 0.05 * (gap as f64).ln_1p() as f32;
    }

    if let Some(receptor) = f.receptor {
        if o.context.new_counterpart || p.documents == 0 {
            p.new_counterparts = p.new_counterparts.saturating_add(1);
        }
        p.counterparts.insert(receptor);
    }

    let minute = time::minutes_since_2000(f.signed);
    // A burst must not teach the issuer's rate that bursts are usual: a
    // document far more crowded than the rate expects leaves the rate alone,
    // until such crowds recur (a batch routine) and are learned.
    let crowded = o.values[Feature::Burst as usize] > CROWDED && p.documents >= RARE_TIME_HISTORY;
    if crowded && p.odd_bursts < RARE_TIME_LEARN {
        p.odd_bursts += 1;
    } else {
        p.hourly = 0.95 * p.hourly + 0.05 * o.context.within_hour as f32;
        p.tenth = 0.95 * p.tenth + 0.05 * o.context.within_ten as f32;
    }
    if p.documents % FORGET_ODD == 0 {
        p.odd_bursts = p.odd_bursts.saturating_sub(1);
        p.odd_times = p.odd_times.saturating_sub(1);
    }
    p.recent[usize::from(p.recent_next)] = minute;
    p.recent_next = ((usize::from(p.recent_next) + 1) % RECENT) as u8;

    // A time the issuer practically never signs at is not learned from one
    // document: a few signatures at 03:00 must not make 03:00 usual. Once
    // such times recur (a new shift, weekend work), they are learned.
    let established = p.documents >= RARE_TIME_HISTORY;
    let rare_hour = established && o.context.hour_share < RARE_TIME_SHARE;
    let rare_day = established && o.context.weekday_share < RARE_TIME_SHARE;
    if (rare_hour || rare_day) && p.odd_times < RARE_TIME_LEARN {
        p.odd_times += 1;
    } else {
        profile::bump(&mut p.hours, o.context.hour);
        profile::bump(&mut p.weekdays, o.context.weekday);
    }
    if f.round_zeros >= 3 {
        p.round = p.round.saturating_add(1);
    }
    if is_credit_note(f.tipo) {
        p.credit_notes = p.credit_notes.saturating_add(1);
    }
    let repeated = f.repeat_run >= 3;
    p.repeat_window = (p.repeat_window << 1) | u16::from(repeated);
    if repeated {
        p.repeats = p.repeats.saturating_add(1);
    }
    let digit = f.total_first.unwrap_or(0);
    if digit > 0 {
        profile::bump(&mut p.first_digits, digit);
    }
    p.digits_window.rotate_left(1);
    p.digits_window[WINDOW - 1] = digit as u8;
    p.last_signed = f.signed;
    p.documents = p.documents.saturating_add(1);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(total: f64, signed: i64) -> Fields {
        Fields {
            rut_emisor: "76000000-0".into(),
            tipo: 33,
            folio: 1,
            signed,
            time_source: crate::extract::TimeSource::TmstFirma,
            fch_emis: Some(signed.div_euclid(time::DAY)),
            receptor: Some(1),
            rut_recep: None,
            neto: None,
            iva: None,
            tasa_iva: None,
            total,
            lines: 1,
            first_digits: [0; 10],
            repeat_run: crate::extract::tests_repeat_run(total),
            total_first: Some(total.to_string().as_bytes()[0].saturating_sub(b'0') as usize),
            round_zeros: 0,
        }
    }

    /// Feeds `count` documents, one a day at 11:00, with totals from `total`.
    fn history(count: usize, total: impl Fn(usize) -> f64) -> IssuerProfile {
        let priors = Priors::default();
        let mut p = IssuerProfile::default();
        let monday = 1_767_571_200; // 2026-01-05, a Monday.
        for i in 0..count {
            let day = monday + (i as i64 / 5 * 7 + i as i64 % 5) * time::DAY;
            let o = compute(fields(total(i), day + 11 * 3600), Some(&p), &priors, vec![]);
            update(&mut p, &o);
        }
        p
    }

    #[test]
    fn binomial_surprise_is_the_tail_of_the_count() {
        assert_eq!(binomial_surprise(0, 5, 0.1), 0.0);
        assert!((binomial_surprise(1, 1, 0.01) - 100f64.ln()).abs() < 1e-9);
        assert!((binomial_surprise(2, 2, 0.1) - 100f64.ln()).abs() < 1e-9);
        assert!(binomial_surprise(5, 9, 0.01) > binomial_surprise(2, 9, 0.01) + 10.0);
    }

    #[test]
    fn repeated_endings_in_a_row_outweigh_a_single_one() {
        let mut p = history(60, |i| 45_000.0 + 137.0 * i as f64);
        let priors = Priors::default();
        let at = p.last_signed + time::DAY;
        let first = compute(fields(45_777.0, at), Some(&p), &priors, vec![]);
        let single = first.values[Feature::DigitsRepeat as usize];
        update(&mut p, &first);
        for k in 1..5 {
            let o = compute(fields(46_111.0, at + k * 600), Some(&p), &priors, vec![]);
            update(&mut p, &o);
        }
        let o = compute(fields(47_333.0, at + 3_600), Some(&p), &priors, vec![]);
        assert!(o.values[Feature::DigitsRepeat as usize] > single + 10.0);
    }

    #[test]
    fn a_rare_signing_hour_is_not_learned_from_one_document() {
        let mut p = history(60, |_| 45_000.0);
        let priors = Priors::default();
        let night = p.last_signed - 11 * 3600 + time::DAY + 3 * 3600;
        let first = compute(fields(45_000.0, night), Some(&p), &priors, vec![]);
        update(&mut p, &first);
        assert_eq!(p.hours[3], 0);
        assert_eq!(p.odd_times, 1);
        let again = compute(
            fields(45_000.0, night + time::DAY),
            Some(&p),
            &priors,
            vec![],
        );
        let (a, b) = (Feature::Hour as usize, first.values[Feature::Hour as usize]);
        assert!((again.values[a] - b).abs() < 0.1, "{} {b}", again.values[a]);
    }

    #[test]
    fn poisson_surprise_grows_with_the_count() {
        assert_eq!(poisson_surprise(0, 0.3), 0.0);
        let one = poisson_surprise(1, 0.3);
        let ten = poisson_surprise(10, 0.3);
        // P(X ≥ 1) = 1 - e^-0.3.
        assert!((one - -(1.0 - (-0.3f64).exp()).ln()).abs() < 1e-9, "{one}");
        assert!(ten > 15.0, "{ten}");
    }
}
