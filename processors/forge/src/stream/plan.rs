//! The plan of a stream: every document's issuer, type, times, folio, size,
//! counterpart and label, decided before any XML is written. Usual documents
//! come from each issuer's [`Profile`]; the design anomalies are injected
//! here and the held-out ones in `holdout`; folios and arrival times are
//! assigned last, so that they run in order whatever was injected.

use crate::calendar::{Date, Timestamp};
use crate::error::ForgeError;
use crate::rng::Rng;
use crate::tipo::TipoDte;

use super::amounts::{neto_for_total, round_total};
use super::holdout;
use super::profile::{self, Profile, Rounding, TYPES, lognormal, uniform};
use super::{Anomaly, Phase, StreamConfig};

/// What a document's amounts should come to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Amount {
    /// As generation makes them (notes, which follow what they modify).
    Keep,
    /// About this MntTotal.
    Approx(i64),
    /// Exactly this MntNeto (MntExe on a factura exenta).
    Base(i64),
    /// Exactly this MntTotal.
    Total(i64),
}

/// One planned document.
#[derive(Debug, Clone)]
pub struct Planned {
    /// Index of the issuer.
    pub issuer: usize,
    pub tipo: TipoDte,
    /// `TmstFirma`.
    pub signed: Timestamp,
    /// `FchEmis`.
    pub issued: Date,
    /// When the document reaches the stream.
    pub arrival: Timestamp,
    /// `Folio`.
    pub folio: u64,
    /// Number of `Detalle` lines asked for (notes may differ).
    pub lines: usize,
    /// The label; `None` for a usual document.
    pub anomaly: Option<Anomaly>,
    pub(crate) amount: Amount,
    /// Index of the receiver among the stream's receivers.
    pub(crate) receptor: usize,
    /// Reuses a folio issued before instead of taking the next.
    pub(crate) reuse: bool,
    /// Folios skipped before this one.
    pub(crate) jump: u64,
    /// Removed from the stream (an issuer fell silent).
    pub(crate) dropped: bool,
}

/// A whole stream, planned.
#[derive(Debug, Clone)]
pub struct Plan {
    config: StreamConfig,
    pub(crate) profiles: Vec<Profile>,
    docs: Vec<Planned>,
    /// How many receivers the documents name.
    pub(crate) receivers: usize,
}

/// Size of the pool of receivers that issuers' regular counterparts come
/// from, per issuer; new counterparts are added beyond it.
const RECEIVERS_PER_ISSUER: usize = 3;

impl Plan {
    /// Plans the stream of `config`.
    ///
    /// # Errors
    ///
    /// [`ForgeError::Config`] when the configuration cannot be met.
    pub fn new(config: &StreamConfig) -> Result<Self, ForgeError> {
        config.validate()?;
        let pool = config.issuers * RECEIVERS_PER_ISSUER + 200;
        let mut rng = Rng::fork(config.seed, "stream-profiles");
        let mut profiles: Vec<Profile> = (0..config.issuers)
            .map(|i| Profile::draw(&mut rng, i, config.start, config.days, pool))
            .collect();

        let mut rng = Rng::fork(config.seed, "stream-usual");
        let mut fresh = pool;
        let mut docs = Vec::with_capacity(config.issuers);
        for profile in &mut profiles {
            docs.push(usual(&mut rng, profile, config, &mut fresh));
        }

        let mut draft = Draft::new(config, profiles, docs, fresh);
        inject(&mut draft);
        holdout::inject(&mut draft);
        Ok(draft.finish())
    }

    /// The configuration planned.
    pub fn config(&self) -> &StreamConfig {
        &self.config
    }

    /// The documents in arrival order.
    pub fn documents(&self) -> &[Planned] {
        &self.docs
    }

    /// How many documents.
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    /// Whether the plan has no documents.
    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// The phase a document falls in, by its arrival.
    pub fn phase(&self, doc: &Planned) -> Phase {
        if doc.arrival < self.config.test_start().at(0) {
            Phase::Warmup
        } else {
            Phase::Test
        }
    }

    /// Documents per type, in code order.
    pub fn type_counts(&self) -> Vec<(TipoDte, usize)> {
        TYPES
            .iter()
            .map(|&t| (t, self.docs.iter().filter(|d| d.tipo == t).count()))
            .collect()
    }

    /// Labelled documents of `kind`.
    pub fn count(&self, kind: Anomaly) -> usize {
        self.docs.iter().filter(|d| d.anomaly == Some(kind)).count()
    }

    /// The usual median MntTotal of `tipo` for issuer `issuer` at `date`.
    pub fn median(&self, issuer: usize, tipo: TipoDte, date: Date) -> f64 {
        let day = date.days_since(self.config.start).max(0) as u32;
        self.profiles[issuer].median(tipo, day)
    }

    /// Whether issuer `issuer` keeps office hours.
    pub fn office(&self, issuer: usize) -> bool {
        self.profiles[issuer].office()
    }
}

/// An issuer's usual documents over the whole stream, in signing order.
fn usual(
    rng: &mut Rng,
    profile: &mut Profile,
    config: &StreamConfig,
    fresh: &mut usize,
) -> Vec<Planned> {
    let mut docs = Vec::new();
    for day in 0..config.days {
        let date = config.start.plus_days(i64::from(day));
        let expected = profile.expected(date, day);
        if expected <= 0.0 {
            continue;
        }
        // Days differ more than a Poisson count alone says.
        let noisy = expected * lognormal(rng, 0.35);
        let count = profile::poisson(rng, noisy);
        for _ in 0..count {
            let tipo = profile.tipo(rng);
            let signed = date.at(profile.time_of_day(rng, date));
            docs.push(usual_doc(rng, profile, tipo, signed, day, fresh));
        }
    }
    docs.sort_by_key(|d| d.signed);
    docs
}

/// A usual document of `tipo` signed at `signed`.
fn usual_doc(
    rng: &mut Rng,
    profile: &mut Profile,
    tipo: TipoDte,
    signed: Timestamp,
    day: u32,
    fresh: &mut usize,
) -> Planned {
    let date = signed.date();
    let issued = if rng.chance(profile.next_day) {
        date.plus_days(-1)
    } else if rng.chance(0.003) {
        date.plus_days(-(rng.between(2, 4) as i64))
    } else {
        date
    };
    let amount = match tipo {
        TipoDte::NotaCredito | TipoDte::NotaDebito => Amount::Keep,
        _ => rounded(profile, tipo, profile.amount(rng, tipo, day)),
    };
    Planned {
        issuer: 0,
        tipo,
        signed,
        issued,
        arrival: signed,
        folio: 0,
        lines: profile.lines(rng),
        anomaly: None,
        amount,
        receptor: profile.counterpart(rng, fresh),
        reuse: false,
        jump: 0,
        dropped: false,
    }
}

/// An amount as the issuer writes it: rounded if it rounds.
fn rounded(profile: &Profile, tipo: TipoDte, total: f64) -> Amount {
    let taxed = tipo != TipoDte::FacturaExenta;
    match profile.rounding {
        Rounding::None => Amount::Approx(total.round() as i64),
        Rounding::Neto(step) => {
            let base = if taxed { total / 1.19 } else { total };
            let steps = (base / step as f64).round().max(1.0) as i64;
            Amount::Base(steps * step)
        }
        Rounding::Total(step) => {
            let steps = (total / step as f64).round().max(1.0) as i64;
            Amount::Total(round_total(steps * step, step, taxed))
        }
    }
}

/// The plan while anomalies are injected: documents per issuer, in no
/// particular order until [`Draft::finish`] sorts them.
#[derive(Debug)]
pub(crate) struct Draft<'c> {
    pub config: &'c StreamConfig,
    pub profiles: Vec<Profile>,
    pub docs: Vec<Vec<Planned>>,
    /// The next receiver index never used.
    pub fresh: usize,
    pub rng: Rng,
    /// Usual documents, as (issuer, index), to pick from.
    pool: Vec<(usize, usize)>,
    /// How many usual documents were planned.
    pub usual: usize,
}

impl<'c> Draft<'c> {
    fn new(
        config: &'c StreamConfig,
        profiles: Vec<Profile>,
        mut docs: Vec<Vec<Planned>>,
        fresh: usize,
    ) -> Self {
        let mut pool = Vec::new();
        for (issuer, list) in docs.iter_mut().enumerate() {
            for (index, doc) in list.iter_mut().enumerate() {
                doc.issuer = issuer;
                pool.push((issuer, index));
            }
        }
        Self {
            config,
            profiles,
            usual: pool.len(),
            docs,
            fresh,
            rng: Rng::fork(config.seed, "stream-anomalies"),
            pool,
        }
    }

    /// Day number of `date` in the stream.
    pub fn day(&self, date: Date) -> u32 {
        date.days_since(self.config.start).max(0) as u32
    }

    /// The last day of the stream, exclusive.
    pub fn end(&self) -> Date {
        self.config.start.plus_days(i64::from(self.config.days))
    }

    /// How many documents a kind labels: 0.3% to 0.8% of the usual ones.
    pub fn target(&mut self) -> usize {
        ((self.usual as f64 * uniform(&mut self.rng, 0.003, 0.008)).round() as usize).max(1)
    }

    /// Whether the `k`th injection of a kind goes into the warm-up: the
    /// first does, and about one in twelve after it.
    pub fn warmup(&mut self, k: usize) -> bool {
        k == 0 || self.rng.chance(0.08)
    }

    /// Whether `t` falls in the warm-up (`true`) or the test period.
    pub fn in_phase(&self, warmup: bool, t: Timestamp) -> bool {
        (t.date() < self.config.test_start()) == warmup
    }

    /// A random usual, unlabelled document of the phase for which `ok`
    /// holds, given its issuer's profile, the document and its position
    /// among the issuer's documents.
    pub fn pick(
        &mut self,
        warmup: bool,
        ok: impl Fn(&Profile, &Planned, usize) -> bool,
    ) -> Option<(usize, usize)> {
        for _ in 0..4_000 {
            let (issuer, index) = *self.rng.pick(&self.pool);
            let doc = &self.docs[issuer][index];
            if doc.anomaly.is_none()
                && !doc.dropped
                && self.in_phase(warmup, doc.signed)
                && ok(&self.profiles[issuer], doc, index)
            {
                return Some((issuer, index));
            }
        }
        None
    }

    /// A new usual document of issuer `issuer`, signed at `signed`.
    pub fn new_doc(&mut self, issuer: usize, tipo: TipoDte, signed: Timestamp) -> Planned {
        let day = self.day(signed.date());
        let mut doc = usual_doc(
            &mut self.rng,
            &mut self.profiles[issuer],
            tipo,
            signed,
            day,
            &mut self.fresh,
        );
        doc.issuer = issuer;
        doc.issued = signed.date();
        doc
    }

    /// The median MntTotal of `tipo` for `issuer` at `date`.
    pub fn median(&self, issuer: usize, tipo: TipoDte, date: Date) -> f64 {
        self.profiles[issuer].median(tipo, self.day(date))
    }

    /// A receiver never seen before.
    pub fn fresh_receptor(&mut self) -> usize {
        self.fresh += 1;
        self.fresh - 1
    }

    /// Sorts each issuer's documents by signing time, numbers the folios of
    /// each type in that order, sets arrival times and merges the issuers
    /// in arrival order.
    fn finish(self) -> Plan {
        let mut rng = Rng::fork(self.config.seed, "stream-folios");
        let mut all = Vec::with_capacity(self.usual + self.usual / 10);
        for (issuer, mut docs) in self.docs.into_iter().enumerate() {
            docs.retain(|d| !d.dropped);
            docs.sort_by_key(|d| d.signed);
            let profile = &self.profiles[issuer];
            let mut next = profile.first_folio;
            let mut issued: [Vec<u64>; 5] = Default::default();
            let mut last_arrival: Option<Timestamp> = None;
            for mut doc in docs {
                let t = TYPES.iter().position(|&x| x == doc.tipo).unwrap_or(0);
                if doc.reuse && issued[t].is_empty() {
                    // Nothing to reuse yet: a usual document after all.
                    doc.reuse = false;
                    doc.anomaly = None;
                }
                if doc.reuse {
                    let back = rng.between(1, issued[t].len().min(40) as u64) as usize;
                    doc.folio = issued[t][issued[t].len() - back];
                } else {
                    next[t] += doc.jump;
                    doc.folio = next[t];
                    next[t] += 1;
                    issued[t].push(doc.folio);
                }
                // An ERP publishes in the order it signs.
                let arrival = profile.arrival(&mut rng, doc.signed);
                doc.arrival = match last_arrival {
                    Some(last) if arrival <= last => last.plus_seconds(1),
                    _ => arrival,
                };
                last_arrival = Some(doc.arrival);
                all.push(doc);
            }
        }
        all.sort_by_key(|d| (d.arrival, d.issuer));
        Plan {
            config: self.config.clone(),
            profiles: self.profiles,
            docs: all,
            receivers: self.fresh,
        }
    }
}

/// Injects the design kinds.
fn inject(draft: &mut Draft<'_>) {
    amount_spike(draft);
    simple(draft, Anomaly::IvaMismatch, |_, d, i| {
        i >= 8 && d.tipo == TipoDte::Factura
    });
    simple(draft, Anomaly::DuplicateFolio, |_, d, i| {
        i >= 8 && d.tipo == TipoDte::Factura
    });
    folio_jump(draft);
    new_counterpart_large(draft);
    burst(draft);
    odd_hour(draft);
    backdated(draft);
    line_count(draft);
    round_amount(draft);
    credit_note_unusual(draft);
    digit_drift(draft);
}

/// Whether a document carries its own amount (a factura or an exenta).
fn sale(doc: &Planned) -> bool {
    matches!(doc.tipo, TipoDte::Factura | TipoDte::FacturaExenta)
}

/// Labels `target` picked documents with `kind`, changing nothing else
/// (render does the rest), and returns them.
fn simple(
    draft: &mut Draft<'_>,
    kind: Anomaly,
    ok: impl Fn(&Profile, &Planned, usize) -> bool,
) -> Vec<(usize, usize)> {
    let target = draft.target();
    let mut picked = Vec::with_capacity(target);
    for k in 0..target {
        let warmup = draft.warmup(k);
        if let Some((i, j)) = draft.pick(warmup, &ok) {
            let doc = &mut draft.docs[i][j];
            doc.anomaly = Some(kind);
            if kind == Anomaly::DuplicateFolio {
                doc.reuse = true;
            }
            picked.push((i, j));
        }
    }
    picked
}

fn amount_spike(draft: &mut Draft<'_>) {
    for (i, j) in simple(draft, Anomaly::AmountSpike, |_, d, i| i >= 8 && sale(d)) {
        let doc = &draft.docs[i][j];
        let median = draft.median(i, doc.tipo, doc.signed.date());
        let factor = uniform(&mut draft.rng, 20.0, 100.0);
        draft.docs[i][j].amount = Amount::Approx((median * factor).round() as i64);
    }
}

fn folio_jump(draft: &mut Draft<'_>) {
    for (i, j) in simple(draft, Anomaly::FolioJump, |_, d, i| {
        i >= 3 && d.tipo == TipoDte::Factura
    }) {
        let jump = 10f64.powf(uniform(&mut draft.rng, 2.3, 3.7)).round() as u64;
        draft.docs[i][j].jump = jump;
    }
}

fn new_counterpart_large(draft: &mut Draft<'_>) {
    for (i, j) in simple(draft, Anomaly::NewCounterpartLarge, |_, d, i| {
        i >= 8 && sale(d)
    }) {
        let doc = &draft.docs[i][j];
        let median = draft.median(i, doc.tipo, doc.signed.date());
        let factor = uniform(&mut draft.rng, 6.0, 30.0);
        let receptor = draft.fresh_receptor();
        let doc = &mut draft.docs[i][j];
        doc.amount = Amount::Approx((median * factor).round() as i64);
        doc.receptor = receptor;
    }
}

/// Bursts of 10 to 50 documents within an hour from issuers that issue at
/// most a few a day.
fn burst(draft: &mut Draft<'_>) {
    let target = draft.target();
    let mut added = 0;
    let mut k = 0;
    while added < target && k < 10_000 {
        let warmup = draft.warmup(k);
        k += 1;
        let Some((i, j)) = draft.pick(warmup, |p, _, i| i >= 5 && p.rate <= 3.0) else {
            continue;
        };
        let start = draft.docs[i][j].signed;
        let count = (draft.rng.between(10, 50) as usize).min((target - added).max(10));
        let mut offsets: Vec<i64> = (0..count)
            .map(|_| draft.rng.between(0, 3_540) as i64)
            .collect();
        offsets.sort_unstable();
        for offset in offsets {
            let tipo = if draft.rng.chance(0.9) {
                TipoDte::Factura
            } else {
                draft.profiles[i].tipo(&mut draft.rng)
            };
            let mut doc = draft.new_doc(i, tipo, start.plus_seconds(offset));
            doc.anomaly = Some(Anomaly::Burst);
            draft.docs[i].push(doc);
        }
        added += count;
    }
}

fn odd_hour(draft: &mut Draft<'_>) {
    let end = draft.end();
    let start = draft.config.start;
    for (i, j) in simple(draft, Anomaly::OddHour, |p, _, i| i >= 8 && p.office()) {
        let date = draft.docs[i][j].signed.date();
        let sunday = date.plus_days(6 - i64::from(date.weekday()));
        let signed = if draft.rng.chance(0.3) && sunday < end && sunday >= start {
            sunday.at(draft.rng.between(9 * 3600, 18 * 3600) as i64)
        } else {
            date.at(draft.rng.between(3600, 5 * 3600 - 1) as i64)
        };
        let doc = &mut draft.docs[i][j];
        doc.signed = signed;
        doc.issued = signed.date();
    }
}

fn backdated(draft: &mut Draft<'_>) {
    for (i, j) in simple(draft, Anomaly::Backdated, |_, d, i| i >= 8 && sale(d)) {
        let days = draft.rng.between(20, 300) as i64;
        let doc = &mut draft.docs[i][j];
        doc.issued = doc.signed.date().plus_days(-days);
    }
}

fn line_count(draft: &mut Draft<'_>) {
    for (i, j) in simple(draft, Anomaly::LineCount, |_, d, i| {
        i >= 8 && (sale(d) || d.tipo == TipoDte::Guia)
    }) {
        let profile = &draft.profiles[i];
        let low = (profile.lines_cap * 2).clamp(25, 50) as u64;
        let lines = draft.rng.between(low, 60) as usize;
        let growth = (lines as f64 / profile.lines_mean).powf(0.5);
        let doc = &draft.docs[i][j];
        let median = draft.median(i, doc.tipo, doc.signed.date());
        let amount = median * growth * lognormal(&mut draft.rng, 0.3);
        let doc = &mut draft.docs[i][j];
        doc.lines = lines;
        doc.amount = Amount::Approx(amount.round() as i64);
    }
}

fn round_amount(draft: &mut Draft<'_>) {
    for (i, j) in simple(draft, Anomaly::RoundAmount, |p, d, i| {
        i >= 8 && sale(d) && p.rounding == Rounding::None
    }) {
        let doc = &draft.docs[i][j];
        let taxed = doc.tipo == TipoDte::Factura;
        let wanted =
            draft.median(i, doc.tipo, doc.signed.date()) * uniform(&mut draft.rng, 1.0, 6.0);
        let magnitude = 10f64.powf(wanted.log10().floor()).max(1_000.0) as i64;
        let mut candidates: Vec<i64> = [1, 2, 3, 5, 10]
            .iter()
            .map(|c| c * magnitude)
            .filter(|&t| !taxed || neto_for_total(t).is_some())
            .collect();
        candidates.sort_by_key(|&t| (t as f64 - wanted).abs() as i64);
        let total = candidates
            .first()
            .copied()
            .unwrap_or_else(|| round_total(10 * magnitude, magnitude, taxed));
        draft.docs[i][j].amount = Amount::Total(total);
    }
}

fn credit_note_unusual(draft: &mut Draft<'_>) {
    let target = draft.target();
    for k in 0..target {
        let warmup = draft.warmup(k);
        let rare = draft.rng.chance(0.5);
        let picked = if rare {
            draft.pick(warmup, |p, d, i| {
                i >= 8 && d.tipo == TipoDte::Factura && p.credit_share < 0.003
            })
        } else {
            draft.pick(warmup, |_, d, i| i >= 8 && d.tipo == TipoDte::Factura)
        };
        let Some((i, j)) = picked else {
            continue;
        };
        let median = draft.median(i, TipoDte::Factura, draft.docs[i][j].signed.date());
        let amount = if rare {
            Amount::Keep
        } else {
            Amount::Approx((median * uniform(&mut draft.rng, 3.0, 10.0)).round() as i64)
        };
        let doc = &mut draft.docs[i][j];
        doc.tipo = TipoDte::NotaCredito;
        doc.amount = amount;
        doc.anomaly = Some(Anomaly::CreditNoteUnusual);
    }
}

/// Issuers whose amounts turn made-up from some day on: every factura and
/// exenta from that day is labelled.
fn digit_drift(draft: &mut Draft<'_>) {
    let target = draft.target();
    let mut labelled = 0;
    let mut used = Vec::new();
    let mut k = 0;
    while labelled < target && k < 2_000 {
        let warmup = draft.warmup(k);
        k += 1;
        let Some((i, _)) = draft.pick(warmup, |p, _, i| {
            i >= 10 && (0.8..=8.0).contains(&p.rate) && p.rounding == Rounding::None
        }) else {
            continue;
        };
        if used.contains(&i) {
            continue;
        }
        used.push(i);
        let from = drift_start(draft, warmup);
        let leading = draft.rng.chance(0.5);
        for j in 0..draft.docs[i].len() {
            let doc = &draft.docs[i][j];
            if doc.anomaly.is_some() || doc.signed.date() < from || !sale(doc) {
                continue;
            }
            let tipo = doc.tipo;
            let day = draft.day(doc.signed.date());
            let usual = draft.profiles[i].amount(&mut draft.rng, tipo, day);
            let total = made_up(&mut draft.rng, usual, leading, tipo == TipoDte::Factura);
            let doc = &mut draft.docs[i][j];
            doc.amount = Amount::Total(total);
            doc.anomaly = Some(Anomaly::DigitDrift);
            labelled += 1;
        }
    }
}

/// The day a change starts: a few days before the test period for one in
/// the warm-up, else in the first half of the test period.
pub(crate) fn drift_start(draft: &mut Draft<'_>, warmup: bool) -> Date {
    let test = draft.config.test_start();
    let test_days = u64::from(draft.config.days - draft.config.warmup_days);
    if warmup {
        let back = draft
            .rng
            .between(3, 8)
            .min(u64::from(draft.config.warmup_days));
        test.plus_days(-(back as i64))
    } else {
        test.plus_days(draft.rng.between(0, test_days / 2) as i64)
    }
}

/// A made-up MntTotal of about the size of `usual`: a uniform leading digit
/// and uniform digits after it, or the usual amount with its last three or
/// four digits one digit repeated. Taxed totals are ones a MntNeto reaches.
fn made_up(rng: &mut Rng, usual: f64, leading: bool, taxed: bool) -> i64 {
    let magnitude = 10f64.powf(usual.log10().floor()).max(1_000.0) as i64;
    for _ in 0..50 {
        let total = if leading {
            rng.between(1, 9) as i64 * magnitude + rng.between(0, magnitude as u64 - 1) as i64
        } else {
            let width = rng.between(3, 4) as u32;
            let unit = 10i64.pow(width);
            let digit = rng.between(1, 9) as i64;
            let repeated = digit * (unit - 1) / 9;
            ((usual as i64) / unit).max(1) * unit + repeated
        };
        if !taxed || neto_for_total(total).is_some() {
            return total;
        }
    }
    round_total(magnitude, magnitude, taxed)
}
