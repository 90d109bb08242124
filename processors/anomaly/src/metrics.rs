//! Evaluation against labels: PR-AUC (average precision), precision and
//! recall at the operating point, recall at a precision, recall per anomaly
//! kind and precision per document type.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::training::threshold_at_precision;

/// One scored, labelled test document.
#[derive(Debug, Clone, PartialEq)]
pub struct Judged {
    /// TipoDTE.
    pub tipo: String,
    /// Score.
    pub score: f64,
    /// Flagged at the model's threshold.
    pub flagged: bool,
    /// Anomaly kind; empty for a normal document.
    pub kind: String,
    /// The kind was held out of design.
    pub held_out: bool,
}

/// Recall of one anomaly kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KindRecall {
    /// Documents of this kind.
    pub documents: usize,
    /// Flagged at the operating point.
    pub flagged: usize,
    /// `flagged / documents`.
    pub recall: f64,
    /// Average precision of this kind alone against the normal documents.
    pub pr_auc: f64,
}

/// Precision on one document type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TipoPrecision {
    /// Documents of this type.
    pub documents: usize,
    /// Anomalies of this type.
    pub anomalies: usize,
    /// Flagged documents.
    pub flagged: usize,
    /// Flagged anomalies over flagged documents (1 when none flagged).
    pub precision: f64,
    /// Flagged anomalies over anomalies.
    pub recall: f64,
}

/// Headline figures over a set of documents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Documents.
    pub documents: usize,
    /// Anomalies among them.
    pub anomalies: usize,
    /// Average precision of the score.
    pub pr_auc: f64,
    /// Precision at the model's thresholds.
    pub precision: f64,
    /// Recall at the model's thresholds.
    pub recall: f64,
    /// Best recall at precision ≥ 0.9 (any single threshold).
    pub recall_at_precision_90: f64,
}

/// A full evaluation report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The model evaluated.
    pub model: String,
    /// The stream.
    pub stream: String,
    /// Every test document, design and held-out kinds both counted as
    /// anomalies.
    pub overall: Summary,
    /// Held-out anomalies left out: the design kinds against normal traffic.
    pub design: Summary,
    /// Design kinds left out: the held-out kinds against normal traffic.
    pub held_out: Summary,
    /// Recall per design kind.
    pub design_kinds: BTreeMap<String, KindRecall>,
    /// Recall per held-out kind.
    pub held_out_kinds: BTreeMap<String, KindRecall>,
    /// Precision per document type (all anomalies counted).
    pub per_tipo: BTreeMap<String, TipoPrecision>,
    /// Test documents that could not be scored.
    pub not_scorable: usize,
}

/// Average precision: the mean of the precision at each anomaly's rank, with
/// tied scores ranked together.
pub fn average_precision(rows: &[(f64, bool)]) -> f64 {
    let positives = rows.iter().filter(|r| r.1).count();
    if positives == 0 {
        return 0.0;
    }
    let mut sorted = rows.to_vec();
    sorted.sort_by(|a, b| b.0.total_cmp(&a.0));
    let (mut tp, mut seen, mut ap) = (0usize, 0usize, 0.0);
    let mut i = 0;
    while i < sorted.len() {
        let score = sorted[i].0;
        let mut new_tp = 0;
        while i < sorted.len() && sorted[i].0 == score {
            new_tp += usize::from(sorted[i].1);
            seen += 1;
            i += 1;
        }
        tp += new_tp;
        ap += new_tp as f64 * tp as f64 / seen as f64;
    }
    ap / positives as f64
}

fn summary(rows: &[&Judged]) -> Summary {
    let pairs: Vec<(f64, bool)> = rows.iter().map(|r| (r.score, !r.kind.is_empty())).collect();
    let anomalies = pairs.iter().filter(|p| p.1).count();
    let flagged = rows.iter().filter(|r| r.flagged).count();
    let hits = rows
        .iter()
        .filter(|r| r.flagged && !r.kind.is_empty())
        .count();
    Summary {
        documents: rows.len(),
        anomalies,
        pr_auc: average_precision(&pairs),
        precision: if flagged == 0 {
            1.0
        } else {
            hits as f64 / flagged as f64
        },
        recall: if anomalies == 0 {
            0.0
        } else {
            hits as f64 / anomalies as f64
        },
        recall_at_precision_90: threshold_at_precision(&pairs, 0.9).map_or(0.0, |(_, r)| r),
    }
}

fn kinds(rows: &[Judged], held_out: bool) -> BTreeMap<String, KindRecall> {
    let normal: Vec<(f64, bool)> = rows
        .iter()
        .filter(|r| r.kind.is_empty())
        .map(|r| (r.score, false))
        .collect();
    let mut out = BTreeMap::new();
    let mut names: Vec<&str> = rows
        .iter()
        .filter(|r| !r.kind.is_empty() && r.held_out == held_out)
        .map(|r| r.kind.as_str())
        .collect();
    names.sort_unstable();
    names.dedup();
    for name in names {
        let of_kind: Vec<&Judged> = rows.iter().filter(|r| r.kind == name).collect();
        let flagged = of_kind.iter().filter(|r| r.flagged).count();
        let mut pairs = normal.clone();
        pairs.extend(of_kind.iter().map(|r| (r.score, true)));
        out.insert(
            name.to_owned(),
            KindRecall {
                documents: of_kind.len(),
                flagged,
                recall: flagged as f64 / of_kind.len() as f64,
                pr_auc: average_precision(&pairs),
            },
        );
    }
    out
}

/// Evaluates scored test documents.
pub fn report(model: &str, stream: &str, rows: &[Judged], not_scorable: usize) -> Report {
    let all: Vec<&Judged> = rows.iter().collect();
    let design: Vec<&Judged> = rows.iter().filter(|r| !r.held_out).collect();
    let held: Vec<&Judged> = rows
        .iter()
        .filter(|r| r.kind.is_empty() || r.held_out)
        .collect();
    let mut per_tipo: BTreeMap<String, TipoPrecision> = BTreeMap::new();
    for r in rows {
        let t = per_tipo.entry(r.tipo.clone()).or_insert(TipoPrecision {
            documents: 0,
            anomalies: 0,
            flagged: 0,
            precision: 0.0,
            recall: 0.0,
        });
        t.documents += 1;
        t.anomalies += usize::from(!r.kind.is_empty());
        t.flagged += usize::from(r.flagged);
        // Flagged anomalies go in `precision` for now, divided below.
        t.precision += f64::from(u8::from(r.flagged && !r.kind.is_empty()));
    }
    for t in per_tipo.values_mut() {
        let hits = t.precision;
        t.precision = if t.flagged == 0 {
            1.0
        } else {
            hits / t.flagged as f64
        };
        t.recall = if t.anomalies == 0 {
            0.0
        } else {
            hits / t.anomalies as f64
        };
    }
    Report {
        model: model.to_owned(),
        stream: stream.to_owned(),
        overall: summary(&all),
        design: summary(&design),
        held_out: summary(&held),
        design_kinds: kinds(rows, false),
        held_out_kinds: kinds(rows, true),
        per_tipo,
        not_scorable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn average_precision_of_a_perfect_and_a_mixed_ranking() {
        assert_eq!(
            average_precision(&[(0.9, true), (0.8, true), (0.1, false)]),
            1.0
        );
        // Ranks: +, -, +: (1/1 + 2/3) / 2.
        let ap = average_precision(&[(0.9, true), (0.8, false), (0.7, true)]);
        assert!((ap - (1.0 + 2.0 / 3.0) / 2.0).abs() < 1e-12);
    }
}
