//! Held-out anomaly kinds: plausible fraud and error patterns that are kept
//! out of the detector's design on purpose, so that a stream can tell how a
//! detector does on kinds nobody tuned it for. They are labelled with
//! `held_out=true` in `labels.csv` and reported separately in `STREAM.md`;
//! this file and `STREAM.md` are the only places that describe them.
//!
//! - `dormant_reactivation`: an issuer that worked regularly falls silent
//!   for three to six weeks, then comes back with a handful of documents far
//!   larger than it ever issued, half of them to counterparts it never had.
//!   The silence itself is not labelled; the documents after it are.
//! - `threshold_splitting`: one sale split into three to seven facturas to
//!   the same receiver within minutes, each just under a round threshold
//!   well above the issuer's usual amounts.
//! - `type_mix_shift`: an issuer that only ever issued facturas afectas
//!   starts, from some day on, to issue most of them as facturas exentas
//!   (no IVA) for the same kind of sales; each exenta from then is labelled.

use crate::calendar::Date;
use crate::tipo::TipoDte;

use super::Anomaly;
use super::plan::{Amount, Draft, drift_start};
use super::profile::{lognormal, uniform};

/// A kind kept out of the detector's design.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HeldOut {
    DormantReactivation,
    ThresholdSplitting,
    TypeMixShift,
}

impl HeldOut {
    /// Every held-out kind.
    pub const ALL: [HeldOut; 3] = [
        HeldOut::DormantReactivation,
        HeldOut::ThresholdSplitting,
        HeldOut::TypeMixShift,
    ];

    /// The snake_case name `labels.csv` writes.
    pub fn name(self) -> &'static str {
        match self {
            HeldOut::DormantReactivation => "dormant_reactivation",
            HeldOut::ThresholdSplitting => "threshold_splitting",
            HeldOut::TypeMixShift => "type_mix_shift",
        }
    }

    /// One line on what the kind is, for `STREAM.md`.
    pub fn describe(self) -> &'static str {
        match self {
            HeldOut::DormantReactivation => {
                "silent 3-6 weeks, then 3-8 documents 8-30x the median (each labelled)"
            }
            HeldOut::ThresholdSplitting => {
                "3-7 facturas to one receiver within minutes, each just under a round threshold"
            }
            HeldOut::TypeMixShift => {
                "an issuer of facturas afectas turns most of them into exentas from some day"
            }
        }
    }
}

/// Injects the held-out kinds into `draft`.
pub(crate) fn inject(draft: &mut Draft<'_>) {
    dormant_reactivation(draft);
    threshold_splitting(draft);
    type_mix_shift(draft);
}

const DORMANT: Anomaly = Anomaly::HeldOut(HeldOut::DormantReactivation);
const SPLITTING: Anomaly = Anomaly::HeldOut(HeldOut::ThresholdSplitting);
const SHIFT: Anomaly = Anomaly::HeldOut(HeldOut::TypeMixShift);

fn dormant_reactivation(draft: &mut Draft<'_>) {
    let target = draft.target();
    let mut count = 0;
    let mut k = 0;
    while count < target && k < 2_000 {
        let warmup = draft.warmup(k);
        k += 1;
        let Some((i, _)) = draft.pick(warmup, |p, _, i| {
            i >= 10 && (0.4..=6.0).contains(&p.rate) && p.closed.is_none()
        }) else {
            continue;
        };
        let silence = draft.rng.between(21, 45) as i64;
        let start = draft.config.start;
        let test = draft.config.test_start();
        let end = draft.end();
        // The silence ends in the chosen phase, with room for a comeback.
        let (low, high) = if warmup {
            (start.plus_days(10), test.plus_days(-silence - 3))
        } else {
            (test.plus_days(-silence + 1), end.plus_days(-silence - 7))
        };
        if high <= low {
            continue;
        }
        let from = low.plus_days(draft.rng.between(0, high.days_since(low) as u64) as i64);
        let until = from.plus_days(silence);
        let active_before = draft.docs[i]
            .iter()
            .filter(|d| d.signed.date() < from)
            .count();
        let busy = draft.docs[i].iter().any(|d| {
            d.anomaly.is_some() && d.signed.date() >= from && d.signed.date() < until.plus_days(30)
        });
        if active_before < 10 || busy {
            continue;
        }
        let comeback = draft.rng.between(3, 8) as usize;
        let mut order: Vec<usize> = (0..draft.docs[i].len()).collect();
        order.sort_by_key(|&j| draft.docs[i][j].signed);
        let mut back = 0;
        for j in order {
            let date = draft.docs[i][j].signed.date();
            if draft.docs[i][j].anomaly.is_some() {
                continue;
            }
            if date >= from && date < until {
                draft.docs[i][j].dropped = true;
            } else if date >= until && back < comeback {
                let tipo = draft.docs[i][j].tipo;
                let tipo = if matches!(tipo, TipoDte::Factura | TipoDte::FacturaExenta) {
                    tipo
                } else {
                    TipoDte::Factura
                };
                let median = draft.median(i, tipo, date);
                let factor = uniform(&mut draft.rng, 8.0, 30.0);
                let receptor = if draft.rng.chance(0.5) {
                    Some(draft.fresh_receptor())
                } else {
                    None
                };
                let doc = &mut draft.docs[i][j];
                doc.tipo = tipo;
                doc.amount = Amount::Approx((median * factor).round() as i64);
                doc.receptor = receptor.unwrap_or(doc.receptor);
                doc.anomaly = Some(DORMANT);
                back += 1;
            }
        }
        count += back;
    }
}

fn threshold_splitting(draft: &mut Draft<'_>) {
    let target = draft.target();
    let mut count = 0;
    let mut k = 0;
    while count < target && k < 10_000 {
        let warmup = draft.warmup(k);
        k += 1;
        let Some((i, j)) = draft.pick(warmup, |_, d, i| i >= 8 && d.tipo == TipoDte::Factura)
        else {
            continue;
        };
        let first = draft.docs[i][j].signed;
        let receptor = draft.docs[i][j].receptor;
        let median = draft.median(i, TipoDte::Factura, first.date());
        let threshold = threshold_above(4.0 * median);
        let parts = draft.rng.between(3, 7) as usize;
        let mut at = first;
        for part in 0..parts {
            let total = threshold as f64 * uniform(&mut draft.rng, 0.93, 0.995);
            let base = (total / 1.19).floor() as i64;
            if part == 0 {
                let doc = &mut draft.docs[i][j];
                doc.amount = Amount::Base(base);
                doc.anomaly = Some(SPLITTING);
                doc.issued = at.date();
            } else {
                at = at.plus_seconds(draft.rng.between(90, 900) as i64);
                let mut doc = draft.new_doc(i, TipoDte::Factura, at);
                doc.receptor = receptor;
                doc.amount = Amount::Base(base);
                doc.anomaly = Some(SPLITTING);
                draft.docs[i].push(doc);
            }
        }
        count += parts;
    }
}

/// The smallest of 1, 2 and 5 times a power of ten at or above `amount`.
fn threshold_above(amount: f64) -> i64 {
    let magnitude = 10f64.powf(amount.max(1_000.0).log10().floor()) as i64;
    [1, 2, 5, 10]
        .iter()
        .map(|c| c * magnitude)
        .find(|&t| t as f64 >= amount)
        .unwrap_or(10 * magnitude)
}

fn type_mix_shift(draft: &mut Draft<'_>) {
    let target = draft.target();
    let mut count = 0;
    let mut used = Vec::new();
    let mut k = 0;
    while count < target && k < 2_000 {
        let warmup = draft.warmup(k);
        k += 1;
        // Issuers that never issue exentas.
        let Some((i, _)) = draft.pick(warmup, |p, _, i| {
            i >= 10 && (0.8..=8.0).contains(&p.rate) && p.mix[1] - p.mix[0] < 1e-9
        }) else {
            continue;
        };
        if used.contains(&i) {
            continue;
        }
        used.push(i);
        let from: Date = drift_start(draft, warmup);
        let share = uniform(&mut draft.rng, 0.6, 0.9);
        for j in 0..draft.docs[i].len() {
            let doc = &draft.docs[i][j];
            if doc.anomaly.is_some()
                || doc.dropped
                || doc.tipo != TipoDte::Factura
                || doc.signed.date() < from
                || !draft.rng.chance(share)
            {
                continue;
            }
            let amount = match doc.amount {
                Amount::Approx(total) => {
                    Amount::Approx((total as f64 * lognormal(&mut draft.rng, 0.1)) as i64)
                }
                other => other,
            };
            let doc = &mut draft.docs[i][j];
            doc.tipo = TipoDte::FacturaExenta;
            doc.amount = amount;
            doc.anomaly = Some(SHIFT);
            count += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_are_round_and_above() {
        assert_eq!(threshold_above(3_400_000.0), 5_000_000);
        assert_eq!(threshold_above(1_000_000.0), 1_000_000);
        assert_eq!(threshold_above(6_000_000.0), 10_000_000);
        assert_eq!(threshold_above(12.0), 1_000);
    }
}
