//! The records the processors exchange on Kafka, besides verdicts.
//!
//! `dte.validation` carries [`Verdict`]s with `partial: true` and no anomaly
//! half; `dte.anomaly` carries [`AnomalyHalf`]s. Both name the ingest
//! record they came from (`Source`), which is what the joiner pairs them by:
//! the same bytes published twice are two documents to judge, each once.
//! `schemas/events/anomaly.v1.json` describes the JSON.

use serde::{Deserialize, Serialize};
use veredicto_runtime::processor::OutputRecord;
use veredicto_validator::{AnomalyOutcome, DocumentId, Source, Verdict};

/// The anomaly scorer's result for one DTE of an ingest record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnomalyHalf {
    pub document: DocumentId,
    pub source: Source,
    /// `None` when the document's fields could not be read well enough to
    /// score it; `note` says why.
    pub anomaly: Option<AnomalyOutcome>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// What the joiner pairs halves by: the ingest record and the DTE's place
/// in it.
pub fn join_key(source: &Source) -> String {
    format!("{}#{}", source.file, source.index)
}

/// The key of a verdict on `dte.verdicts`: the document id with its
/// content digest, so a second, different document under a used folio can
/// never overwrite the first one's verdict.
pub fn verdict_key(document: &DocumentId) -> String {
    format!("{}/{}", document.id(), document.digest)
}

/// A verdict as a record of `topic` (`dte.verdicts`), under its key.
pub fn verdict_record(topic: &str, verdict: &Verdict) -> OutputRecord {
    OutputRecord {
        topic: topic.to_owned(),
        key: key_of(verdict).into_bytes(),
        payload: Some(serde_json::to_vec(verdict).unwrap_or_default()),
        headers: vec![("content-type".into(), b"application/json".to_vec())],
        partition: None,
    }
}

/// The key of a verdict record; verdicts without a document never reach
/// the joiner, but are keyed by their source if they do.
pub fn key_of(verdict: &Verdict) -> String {
    verdict
        .document
        .as_ref()
        .map_or_else(|| join_key(&verdict.source), verdict_key)
}
