//! The verdict: what veredicto says about one document, as JSON.
//!
//! `veredicto check` prints these, the joiner publishes them, and the
//! database stores them, so offline and streaming results are the same
//! objects. `schemas/events/verdict.v1.json` describes the JSON.

use serde::{Deserialize, Serialize};

pub use veredicto_rules::Severity;

/// The document a verdict is about; `None` in a verdict when the input could
/// not be read far enough to say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentId {
    pub rut_emisor: String,
    pub tipo_dte: String,
    pub folio: String,
    /// SHA-256 (hex) of the DTE element's text as issued, decoded to UTF-8:
    /// the same document in another envelope or encoding has the same digest.
    pub digest: String,
}

impl DocumentId {
    /// `RUTEmisor/TipoDTE/Folio`, the id the SII knows the document by.
    pub fn id(&self) -> String {
        format!("{}/{}/{}", self.rut_emisor, self.tipo_dte, self.folio)
    }
}

/// Where the document came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    /// File name, or `topic/partition/offset` for a Kafka record.
    pub file: String,
    /// Position of the DTE in its envelope (0 for a lone DTE).
    pub index: usize,
    /// When the record was published, in milliseconds since the epoch (a
    /// Kafka record's timestamp); absent for files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingested_ms: Option<i64>,
}

/// The decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Accepted,
    AcceptedWithObjections,
    Rejected,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Accepted => "accepted",
            Status::AcceptedWithObjections => "accepted_with_objections",
            Status::Rejected => "rejected",
        }
    }
}

/// One schema violation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemaError {
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// The schema check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemaOutcome {
    pub valid: bool,
    /// Which generation of the SII schemas judged the document.
    pub generation: String,
    pub errors: Vec<SchemaError>,
}

/// Outcome of the document's XML signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum XmldsigStatus {
    Valid,
    InvalidDigest,
    InvalidSignature,
    Absent,
}

/// Outcome of the timbre (TED).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TedStatus {
    Valid,
    Invalid,
    Absent,
}

/// Outcome of the CAF inside the TED.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CafStatus {
    Valid,
    Invalid,
    /// No trusted SII certificate for the CAF's key id.
    Untrusted,
    Absent,
}

/// The three signature checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignatureOutcome {
    pub xmldsig: XmldsigStatus,
    pub ted: TedStatus,
    pub caf: CafStatus,
}

/// A finding: a broken rule, a signature problem, an unreadable input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The project's stable code, e.g. `AMT-IVA`.
    pub code: String,
    /// The SII's detail code where one is known, e.g. `DTE-3-505`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sii_code: Option<String>,
    pub severity: Severity,
    pub path: String,
    pub message: String,
}

impl From<veredicto_rules::Finding> for Finding {
    fn from(f: veredicto_rules::Finding) -> Self {
        Self {
            code: f.code.to_owned(),
            sii_code: f.sii_code.map(str::to_owned),
            severity: f.severity,
            path: f.path,
            message: f.message,
        }
    }
}

/// The anomaly half of a verdict, filled by the anomaly scorer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnomalyOutcome {
    /// How unusual the document is for its issuer, calibrated to [0, 1].
    pub score: f64,
    /// Whether the score reached the threshold: the document asks for review.
    pub flagged: bool,
    pub threshold: f64,
    /// `name/version` of the model that scored it.
    pub model: String,
    /// What drove the score, strongest first.
    pub reasons: Vec<AnomalyReason>,
}

/// One feature behind an anomaly score, with the issuer's usual value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnomalyReason {
    pub feature: String,
    pub value: f64,
    /// The issuer's baseline for the feature, when it has one.
    pub baseline: Option<f64>,
    /// The reason in words, for the accountant reviewing the document.
    pub message: String,
}

impl From<&veredicto_anomaly::Outcome> for AnomalyOutcome {
    fn from(outcome: &veredicto_anomaly::Outcome) -> Self {
        Self {
            score: outcome.score,
            flagged: outcome.flagged,
            threshold: outcome.threshold,
            model: outcome.model.clone(),
            reasons: outcome
                .reasons
                .iter()
                .map(|r| AnomalyReason {
                    feature: r.feature.clone(),
                    value: r.value,
                    baseline: r.baseline,
                    message: r.message.clone(),
                })
                .collect(),
        }
    }
}

/// What veredicto says about one document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub document: Option<DocumentId>,
    pub source: Source,
    pub status: Status,
    /// `None` when the input was not XML that could be checked at all.
    pub schema: Option<SchemaOutcome>,
    pub signature: Option<SignatureOutcome>,
    pub findings: Vec<Finding>,
    pub anomaly: Option<AnomalyOutcome>,
    /// Grows each time the verdict of the same document is issued again.
    pub revision: u32,
    /// Whether a half (validation or anomaly) is missing.
    pub partial: bool,
    /// When the joiner decided this revision, in milliseconds since the
    /// epoch; absent from offline checks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_ms: Option<i64>,
}

impl Verdict {
    /// The status the findings, schema and signatures call for.
    pub fn decide(
        schema: Option<&SchemaOutcome>,
        signature: Option<&SignatureOutcome>,
        findings: &[Finding],
    ) -> Status {
        let signature_bad = signature.is_some_and(|s| {
            s.xmldsig != XmldsigStatus::Valid
                || s.ted != TedStatus::Valid
                || s.caf == CafStatus::Invalid
                || s.caf == CafStatus::Absent
        });
        let schema_bad = schema.is_none_or(|s| !s.valid);
        if schema_bad || signature_bad || findings.iter().any(|f| f.severity == Severity::Rechazo) {
            Status::Rejected
        } else if findings.iter().any(|f| f.severity == Severity::Reparo) {
            Status::AcceptedWithObjections
        } else {
            Status::Accepted
        }
    }
}
