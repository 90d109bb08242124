//! The layers put together: facts decide outright; every other feature is
//! turned into its tail probability under normal traffic; the isolation
//! forest adds one more; the smallest probability, corrected for how many
//! were looked at, is the evidence; the evidence is calibrated on the
//! warm-up into a score in [0, 1].

use ndarray::ArrayView1;

use crate::features::{Feature, NF, Observation};
use crate::model::Model;
use crate::reasons::{self, Reason};

/// Reasons quote features whose corrected tail probability is at most this.
const REASON_P: f64 = 0.01;

/// Most reasons per document.
const MAX_REASONS: usize = 3;

/// What the layers make of one observation.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Judgement {
    /// Tail probability of each feature (0 for a fact that holds).
    pub p: [f64; NF],
    /// Forest score and its tail probability, when a forest is fitted.
    pub forest: Option<(f64, f64)>,
    /// `-ln` of the smallest corrected probability.
    pub evidence: f64,
    /// A fact holds.
    pub fact: bool,
    /// The calibrated score.
    pub score: f64,
}

/// How many probabilities the evidence takes the minimum of.
fn tests(model: &Model) -> f64 {
    let calibrated = Feature::ALL
        .iter()
        .filter(|f| !f.is_fact() && !f.is_context())
        .count();
    (calibrated + usize::from(model.forest.is_some())) as f64
}

/// Judges one observation.
pub(crate) fn judge(model: &Model, values: &[f64; NF]) -> Judgement {
    let mut p = [1.0; NF];
    let mut fact = false;
    let mut smallest = 1.0f64;
    for feature in Feature::ALL {
        let i = feature as usize;
        if feature.is_fact() {
            if values[i] > 0.0 {
                fact = true;
                p[i] = 0.0;
            }
        } else {
            p[i] = model.tails[i].p(values[i]);
            if !feature.is_context() {
                smallest = smallest.min(p[i]);
            }
        }
    }
    let forest = model.forest.as_ref().map(|forest| {
        let s = forest.score(ArrayView1::from(&values[..]));
        (s, model.forest_tail.p(s))
    });
    if let Some((_, fp)) = forest {
        smallest = smallest.min(fp);
    }
    let corrected = (smallest * tests(model)).clamp(1e-300, 1.0);
    let evidence = -corrected.ln();
    // Facts score 1. Otherwise one minus the calibrated tail probability,
    // kept just below 1 and still rising with the evidence where the
    // probability underflows, so the strongest documents stay ranked.
    let score = if fact {
        1.0
    } else {
        1.0 - model
            .evidence_tail
            .p(evidence)
            .max(1e-12 / (1.0 + evidence))
    };
    Judgement {
        p,
        forest,
        evidence,
        fact,
        score,
    }
}

/// The reasons behind a judgement: facts first, then the features with the
/// smallest tail probabilities. A flagged document always gets at least one.
pub(crate) fn reasons(model: &Model, o: &Observation, j: &Judgement, flagged: bool) -> Vec<Reason> {
    let m = tests(model);
    let mut ranked: Vec<(f64, Option<Feature>)> = Feature::ALL
        .iter()
        .filter(|f| !f.is_context() && j.p[**f as usize] * m <= REASON_P)
        .map(|f| (j.p[*f as usize], Some(*f)))
        .collect();
    if let Some((s, fp)) = j.forest {
        if fp * m <= REASON_P {
            ranked.push((fp.max(f64::MIN_POSITIVE), None));
        }
        if flagged && ranked.is_empty() {
            ranked.push((fp, None));
        }
        let _ = s;
    }
    if flagged && ranked.iter().all(|(_, f)| f.is_none()) {
        let best = Feature::ALL
            .iter()
            .filter(|f| !f.is_fact() && !f.is_context())
            .min_by(|a, b| j.p[**a as usize].total_cmp(&j.p[**b as usize]));
        if let Some(best) = best {
            ranked.push((j.p[*best as usize], Some(*best)));
        }
    }
    ranked.sort_by(|a, b| a.0.total_cmp(&b.0));
    ranked.truncate(MAX_REASONS);

    // The amount features explain the same thing twice; keep the first.
    let mut out: Vec<Reason> = Vec::with_capacity(ranked.len());
    for (_, feature) in ranked {
        let reason = match feature {
            Some(f) => reasons::explain(f, o),
            None => {
                let (s, _) = j.forest.unwrap_or((0.0, 1.0));
                Reason {
                    feature: "forest".to_owned(),
                    value: s,
                    baseline: Some(0.5),
                    message: format!(
                        "an unusual combination of features for this issuer (isolation score \
                         {s:.2}, ordinary documents score about 0.45)"
                    ),
                }
            }
        };
        if !out.iter().any(|r| r.message == reason.message) {
            out.push(reason);
        }
    }
    out
}
