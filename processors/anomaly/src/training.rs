//! Fitting a model on the warm-up: population priors from the issuers'
//! profiles, a tail per feature, the isolation forest and its tail, the
//! calibration of the combined evidence, and the thresholds.
//!
//! Everything here is unsupervised except [`choose_thresholds`], which may
//! read labels of the warm-up (never of the test phase, never of held-out
//! kinds) to place the operating point.

use std::collections::BTreeMap;

use crate::features::{Feature, NF, Priors};
use crate::forest::Forest;
use crate::model::Model;
use crate::profile::IssuerProfile;
use crate::scorer::{FeatureRow, judge_row, matrix};
use crate::stats::{SplitMix, Tail};

/// How the forest is grown.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ForestOptions {
    /// Trees; 0 fits no forest.
    pub trees: usize,
    /// Rows per tree.
    pub sample: usize,
    /// Seed of the subsampling and the splits.
    pub seed: u64,
}

impl Default for ForestOptions {
    fn default() -> Self {
        ForestOptions {
            trees: 50,
            sample: 256,
            seed: 20_260_101,
        }
    }
}

fn median(mut values: Vec<f64>, fallback: f64) -> f64 {
    if values.is_empty() {
        return fallback;
    }
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Population priors from the feature rows of a first pass and the profiles
/// it left behind.
pub fn learn_priors<'a>(
    rows: &[FeatureRow],
    profiles: impl Iterator<Item = &'a IssuerProfile>,
) -> Priors {
    let mut priors = Priors::default();
    let mut hours = [1.0; 24];
    let mut weekdays = [1.0; 7];
    for row in rows {
        hours[row.hour] += 1.0;
        weekdays[row.weekday] += 1.0;
    }
    let total: f64 = hours.iter().sum();
    priors.hours = hours.iter().map(|h| h / total).collect();
    let total: f64 = weekdays.iter().sum();
    priors.weekdays = weekdays.iter().map(|d| d / total).collect();

    let (mut amount, mut lines, mut lag, mut hourly) = (vec![], vec![], vec![], vec![]);
    let (mut documents, mut novel, mut round, mut credit) = (0.0, 0.0, 0.0, 0.0);
    for p in profiles {
        let spread = |ring: &crate::stats::Ring| {
            (ring.len() >= 8)
                .then(|| ring.median_mad().map(|(_, mad)| 1.4826 * mad))
                .flatten()
        };
        amount.extend(p.types.iter().map(|t| &t.amounts).filter_map(spread));
        lines.extend(spread(&p.lines));
        lag.extend(spread(&p.lags));
        if p.documents >= 20 {
            hourly.push(f64::from(p.hourly));
        }
        documents += f64::from(p.documents);
        novel += f64::from(p.new_counterparts);
        round += f64::from(p.round);
        credit += f64::from(p.credit_notes);
    }
    priors.amount_scale = median(amount, priors.amount_scale).max(0.1);
    priors.lines_scale = median(lines, priors.lines_scale).max(0.2);
    priors.lag_scale = median(lag, priors.lag_scale).max(0.2);
    priors.hourly = median(hourly, priors.hourly).max(0.05);
    if documents > 0.0 {
        priors.novelty = (novel / documents).clamp(0.001, 0.999);
        priors.round = (round / documents).clamp(0.001, 0.999);
        priors.credit = (credit / documents).clamp(0.001, 0.999);
    }
    priors
}

/// Fits the tails, the forest and the evidence calibration on feature rows
/// of normal-looking traffic (the later warm-up).
pub fn fit(model: &mut Model, rows: &[[f64; NF]], options: ForestOptions) {
    for feature in Feature::ALL {
        let i = feature as usize;
        let mut column: Vec<f64> = rows.iter().map(|r| r[i]).collect();
        model.tails[i] = if feature.is_fact() {
            Tail::default()
        } else {
            Tail::fit(&mut column)
        };
    }

    model.forest = None;
    if options.trees > 0 && rows.len() >= 2 {
        let data = matrix(rows);
        let forest = Forest::fit(data.view(), options.trees, options.sample, options.seed);
        // The forest's tail, on a deterministic subsample to bound the cost.
        let mut rng = SplitMix::new(options.seed ^ 0x5eed);
        let take = rows.len().min(50_000);
        let mut scores: Vec<f64> = (0..take)
            .map(|i| {
                let r = if take == rows.len() {
                    i
                } else {
                    rng.below(rows.len())
                };
                forest.score(data.row(r))
            })
            .collect();
        model.forest_tail = Tail::fit(&mut scores);
        model.forest = Some(forest);
    }

    let mut evidence: Vec<f64> = rows.iter().map(|r| judge_row(model, r).1).collect();
    model.evidence_tail = Tail::fit(&mut evidence);
}

/// One scored warm-up document for placing thresholds: its type, its score,
/// and whether it carries a design-kind label (`None` for held-out kinds,
/// which are never used).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Labelled {
    /// TipoDTE.
    pub tipo: u16,
    /// Score under the fitted model.
    pub score: f64,
    /// `Some(true)` for a design-kind anomaly, `Some(false)` for a normal
    /// document, `None` to leave out.
    pub anomaly: Option<bool>,
}

/// The lowest score threshold whose precision on `rows` is at least
/// `precision`, and the recall there; `None` without positives.
pub fn threshold_at_precision(rows: &[(f64, bool)], precision: f64) -> Option<(f64, f64)> {
    let positives = rows.iter().filter(|r| r.1).count();
    if positives == 0 {
        return None;
    }
    let mut sorted: Vec<(f64, bool)> = rows.to_vec();
    sorted.sort_by(|a, b| b.0.total_cmp(&a.0));
    let (mut tp, mut fp) = (0usize, 0usize);
    let mut best: Option<(f64, f64)> = None;
    let mut i = 0;
    while i < sorted.len() {
        // Documents with equal scores are flagged together.
        let score = sorted[i].0;
        while i < sorted.len() && sorted[i].0 == score {
            if sorted[i].1 {
                tp += 1;
            } else {
                fp += 1;
            }
            i += 1;
        }
        if tp as f64 / (tp + fp) as f64 >= precision {
            best = Some((score, tp as f64 / positives as f64));
        }
    }
    best
}

/// Thresholds from the warm-up: per type with at least `min_positives`
/// design-kind anomalies, the lowest score at which precision reaches
/// `precision`; the same over all types for the default; `fallback` when
/// there are no labels at all. Returns the default and the per-type map.
pub fn choose_thresholds(
    rows: &[Labelled],
    precision: f64,
    min_positives: usize,
    fallback: f64,
) -> (f64, BTreeMap<String, f64>) {
    let usable: Vec<(u16, f64, bool)> = rows
        .iter()
        .filter_map(|r| r.anomaly.map(|a| (r.tipo, r.score, a)))
        .collect();
    let all: Vec<(f64, bool)> = usable.iter().map(|r| (r.1, r.2)).collect();
    let default = threshold_at_precision(&all, precision).map_or(fallback, |(t, _)| t);
    let mut per_tipo = BTreeMap::new();
    let mut tipos: Vec<u16> = usable.iter().map(|r| r.0).collect();
    tipos.sort_unstable();
    tipos.dedup();
    for tipo in tipos {
        let of_tipo: Vec<(f64, bool)> = usable
            .iter()
            .filter(|r| r.0 == tipo)
            .map(|r| (r.1, r.2))
            .collect();
        if of_tipo.iter().filter(|r| r.1).count() < min_positives {
            continue;
        }
        if let Some((t, _)) = threshold_at_precision(&of_tipo, precision) {
            per_tipo.insert(tipo.to_string(), t);
        }
    }
    (default, per_tipo)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_keep_precision() {
        let rows = [
            (0.99, true),
            (0.98, true),
            (0.97, false),
            (0.96, true),
            (0.5, false),
            (0.4, true),
        ];
        // At 0.96: 3 of 4 flagged are anomalies.
        assert_eq!(threshold_at_precision(&rows, 0.75), Some((0.96, 0.75)));
        assert_eq!(threshold_at_precision(&rows, 1.0), Some((0.98, 0.5)));
        assert_eq!(threshold_at_precision(&[(0.3, false)], 0.9), None);
    }
}
