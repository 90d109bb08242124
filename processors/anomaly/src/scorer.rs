//! The scorer: reads the issuer's state, computes the features, judges them,
//! then records the document in the state, one DTE at a time in arrival
//! order, exactly as a streaming consumer sees them.

use std::sync::Arc;

use ndarray::Array2;
use serde::{Deserialize, Serialize};
use veredicto_rules::{Context, Severity, check_dte, envelope_dtes};
use veredicto_xml::{Document, Element};

use crate::detector::{self, Judgement};
use crate::extract::{self, NotScorable};
use crate::features::{self, NF, Observation};
use crate::model::Model;
use crate::profile::IssuerProfile;
use crate::reasons::Reason;
use crate::state::{Issuers, issuer_key};

/// The score of one DTE, or why it has none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scored {
    /// `RUTEmisor`, as read (empty when unreadable).
    pub rut_emisor: String,
    /// `TipoDTE`, as read.
    pub tipo_dte: String,
    /// `Folio`, as read.
    pub folio: String,
    /// Position of the DTE in its envelope (0 for a lone DTE).
    pub index: usize,
    /// The score, or why the document cannot be scored.
    pub outcome: Result<Outcome, NotScorable>,
}

/// A score and what it means.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// Calibrated anomaly score in [0, 1]: one minus the share of normal
    /// warm-up documents that were at least this unusual.
    pub score: f64,
    /// `score >= threshold`.
    pub flagged: bool,
    /// The threshold of the document's type.
    pub threshold: f64,
    /// The model that scored, `<name>/<version>`.
    pub model: String,
    /// What drove the score, most telling first.
    pub reasons: Vec<Reason>,
}

/// The features of one DTE with everything the trainer and the evaluator
/// need: who, what, and the raw vector.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureRow {
    /// `RUTEmisor`.
    pub rut_emisor: String,
    /// `TipoDTE`.
    pub tipo: u16,
    /// `Folio`.
    pub folio: u64,
    /// Documents the issuer had before this one.
    pub history: u32,
    /// Signature hour and weekday (for population priors).
    pub hour: usize,
    /// Weekday, Monday = 0.
    pub weekday: usize,
    /// The feature vector, in [`crate::Feature::ALL`] order.
    pub values: [f64; NF],
}

/// Scores DTEs against their issuers' histories. Holds at most the model's
/// `capacity` issuers; the least recently seen is forgotten first.
#[derive(Debug, Clone)]
pub struct Scorer {
    model: Arc<Model>,
    issuers: Issuers,
    rules: Context,
}

impl Scorer {
    /// A scorer with no history, holding at most `model.capacity` issuers.
    pub fn new(model: Arc<Model>) -> Scorer {
        let capacity = model.capacity;
        Scorer::with_capacity(model, capacity)
    }

    /// A scorer holding at most `capacity` issuers.
    pub fn with_capacity(model: Arc<Model>, capacity: usize) -> Scorer {
        Scorer {
            model,
            issuers: Issuers::new(capacity),
            rules: Context::default(),
        }
    }

    /// The model scoring.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The issuer store (size, evictions, memory).
    pub fn issuers(&self) -> &Issuers {
        &self.issuers
    }

    /// Scores every DTE of a document (a lone `DTE`, a bare document element,
    /// or an `EnvioDTE`/`EnvioBOLETA`), in order, and records each in its
    /// issuer's state.
    pub fn score(&mut self, document: &Document) -> Vec<Scored> {
        dtes(document)
            .into_iter()
            .enumerate()
            .map(|(index, dte)| self.score_dte(dte, index))
            .collect()
    }

    /// Scores one DTE element and records it.
    pub fn score_dte(&mut self, dte: Element<'_>, index: usize) -> Scored {
        let outcome = self.observe_dte(dte).map(|o| {
            let j = detector::judge(&self.model, &o.values);
            self.outcome(&o, &j)
        });
        let (rut_emisor, tipo_dte, folio) = extract::identity(dte);
        Scored {
            rut_emisor,
            tipo_dte,
            folio,
            index,
            outcome,
        }
    }

    /// The features of every DTE of a document, recording each in its
    /// issuer's state, without judging them: what training reads.
    pub fn features(&mut self, document: &Document) -> Vec<Result<FeatureRow, NotScorable>> {
        dtes(document)
            .into_iter()
            .map(|dte| {
                let history = |s: &Self, rut: &str| s.issuers.get(rut).map_or(0, |p| p.documents);
                self.observe_dte(dte).map(|o| FeatureRow {
                    history: history(self, &o.fields.rut_emisor).saturating_sub(1),
                    rut_emisor: o.fields.rut_emisor,
                    tipo: o.fields.tipo,
                    folio: o.fields.folio,
                    hour: o.context.hour,
                    weekday: o.context.weekday,
                    values: o.values,
                })
            })
            .collect()
    }

    /// The profile of an issuer, for a changelog.
    pub fn profile(&self, rut_emisor: &str) -> Option<&IssuerProfile> {
        self.issuers.get(rut_emisor)
    }

    /// Puts back an issuer's profile (from a changelog).
    pub fn restore(&mut self, rut_emisor: &str, profile: IssuerProfile) {
        self.issuers.restore(issuer_key(rut_emisor), profile);
    }

    fn observe_dte(&mut self, dte: Element<'_>) -> Result<Observation, NotScorable> {
        let fields = extract::fields(dte)?;
        let arithmetic = check_dte(dte, &self.rules)
            .into_iter()
            .filter(|f| {
                f.severity == Severity::Reparo && f.code.starts_with("AMT-") && f.code != "AMT-IVA"
            })
            .map(|f| f.message)
            .collect();
        let key = issuer_key(&fields.rut_emisor);
        let observation = features::compute(
            fields,
            self.issuers.get_key(key),
            &self.model.priors,
            arithmetic,
        );
        features::update(self.issuers.touch(key), &observation);
        Ok(observation)
    }

    fn outcome(&self, o: &Observation, j: &Judgement) -> Outcome {
        let threshold = self.model.thresholds.of(&o.fields.tipo.to_string());
        let flagged = j.score >= threshold;
        Outcome {
            score: j.score,
            flagged,
            threshold,
            model: self.model.version().to_owned(),
            reasons: detector::reasons(&self.model, o, j, flagged),
        }
    }
}

/// Judges a feature row with a model: the score, the evidence before
/// calibration, and the name of the feature with the smallest tail
/// probability (`forest` for the forest). For training and evaluation,
/// which keep rows in memory.
pub fn judge_row(model: &Model, values: &[f64; NF]) -> (f64, f64, &'static str) {
    let j = detector::judge(model, values);
    let mut strongest = ("none", 1.0f64);
    for f in crate::Feature::ALL {
        if j.p[f as usize] < strongest.1 {
            strongest = (f.name(), j.p[f as usize]);
        }
    }
    if let Some((_, fp)) = j.forest {
        if fp < strongest.1 {
            strongest = ("forest", fp);
        }
    }
    (j.score, j.evidence, strongest.0)
}

/// The rows as a matrix, for the forest and for export.
pub fn matrix(rows: &[[f64; NF]]) -> Array2<f64> {
    Array2::from_shape_fn((rows.len(), NF), |(r, c)| rows[r][c])
}

/// The DTEs of a document.
fn dtes(document: &Document) -> Vec<Element<'_>> {
    let root = document.root();
    match root.local_name() {
        "EnvioDTE" | "EnvioBOLETA" => envelope_dtes(root).collect(),
        _ => vec![root],
    }
}
