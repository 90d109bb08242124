//! The validator processor: each `dte.ingest` record becomes one validation
//! result per DTE on `dte.validation`, or a dead letter when nothing in it
//! can be attributed to a document.
//!
//! Results are [`Verdict`]s with `partial: true`: the anomaly half is the
//! joiner's to add. They are keyed like the input (the issuer's RUT), so both
//! halves of a document meet in the same joiner. A key that disagrees with
//! the document's own RUTEmisor is reported as a finding.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use veredicto_runtime::processor::{InputRecord, LoopStats, OutputRecord, Transform};
use veredicto_validator::{Finding, Severity, Validator};

use crate::{PROCESSOR_VERSION, Topics};

/// Checks each ingested record.
#[derive(Debug)]
pub struct ValidatorTransform {
    validator: Validator,
    topics: Topics,
    stats: Arc<LoopStats>,
}

impl ValidatorTransform {
    pub fn new(validator: Validator, topics: Topics) -> Self {
        Self {
            validator,
            topics,
            stats: Arc::default(),
        }
    }
}

/// Where a record came from, as verdicts name it: `topic/partition/offset`.
pub fn source_of(record: &InputRecord<'_>) -> String {
    format!("{}/{}/{}", record.topic, record.partition, record.offset)
}

impl Transform for ValidatorTransform {
    fn attach(&mut self, stats: Arc<LoopStats>) {
        self.stats = stats;
    }

    fn transform(&mut self, record: &InputRecord<'_>, out: &mut Vec<OutputRecord>) {
        let payload = record.payload.unwrap_or_default();
        let verdicts = self.validator.check(payload, &source_of(record));
        let key = record.key.unwrap_or_default();

        if verdicts.iter().all(|v| v.document.is_none()) {
            let finding = verdicts.iter().flat_map(|v| v.findings.first()).next();
            let kind = finding.map_or("unknown", |f| f.code.as_str());
            let why = finding.map_or("no verdict", |f| f.message.as_str());
            out.push(dead_letter(record, kind, why, &self.topics.dlq));
            self.stats.dead_letters.fetch_add(1, Ordering::Relaxed);
            return;
        }
        for mut verdict in verdicts {
            let Some(document) = &verdict.document else {
                continue;
            };
            if key != document.rut_emisor.as_bytes() {
                verdict
                    .findings
                    .push(key_mismatch(key, &document.rut_emisor));
            }
            verdict.partial = true;
            verdict.source.ingested_ms = record.timestamp_ms;
            for finding in &verdict.findings {
                self.stats.findings.add(&finding.code, 1);
            }
            out.push(OutputRecord {
                topic: self.topics.validation.clone(),
                key: if key.is_empty() {
                    document.rut_emisor.clone().into_bytes()
                } else {
                    key.to_vec()
                },
                payload: Some(serde_json::to_vec(&verdict).unwrap_or_default()),
                headers: vec![("content-type".into(), b"application/json".to_vec())],
                partition: None,
            });
        }
    }
}

/// The finding for a record keyed by another RUT than its document's.
pub(crate) fn key_mismatch(key: &[u8], rut_emisor: &str) -> Finding {
    Finding {
        code: "KEY-MISMATCH".into(),
        sii_code: None,
        severity: Severity::Aviso,
        path: "/".into(),
        message: format!(
            "the record's key is '{}' but the document's RUTEmisor is '{rut_emisor}': the \
             producer should key each DTE by its issuer, or per-issuer order is lost",
            String::from_utf8_lossy(key)
        ),
    }
}

/// The original record with headers saying where it came from and why it is here.
pub(crate) fn dead_letter(
    record: &InputRecord<'_>,
    kind: &str,
    why: &str,
    topic: &str,
) -> OutputRecord {
    let mut headers: Vec<(String, Vec<u8>)> = record
        .headers
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.to_vec()))
        .collect();
    headers.extend([
        (
            "dlq-source-topic".to_owned(),
            record.topic.as_bytes().to_vec(),
        ),
        (
            "dlq-source-partition".to_owned(),
            record.partition.to_string().into_bytes(),
        ),
        (
            "dlq-source-offset".to_owned(),
            record.offset.to_string().into_bytes(),
        ),
        ("dlq-error-kind".to_owned(), kind.as_bytes().to_vec()),
        ("dlq-error".to_owned(), why.as_bytes().to_vec()),
        (
            "dlq-processor".to_owned(),
            PROCESSOR_VERSION.as_bytes().to_vec(),
        ),
    ]);
    OutputRecord {
        topic: topic.to_owned(),
        key: record.key.unwrap_or_default().to_vec(),
        payload: record.payload.map(<[u8]>::to_vec),
        headers,
        partition: None,
    }
}
