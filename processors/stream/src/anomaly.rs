//! The anomaly processor: each `dte.ingest` record becomes one
//! [`AnomalyHalf`] per DTE on `dte.anomaly`, scored against its issuer's
//! history.
//!
//! Issuer profiles live in the scorer, bounded, and are mirrored to the
//! compacted `dte.anomaly.profiles` changelog: after each batch, the profile
//! of every issuer it touched goes to the changelog partition of the input
//! partition the issuer's documents arrive on, in the same transaction.
//! Input the validator cannot attribute to a document yields nothing here
//! (the validator dead-letters it); a DTE whose fields cannot be read gets a
//! half without a score, saying why, so its verdict is not held up.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use veredicto_anomaly::{IssuerProfile, Model, Scorer};
use veredicto_runtime::processor::{InputRecord, LoopStats, OutputRecord, Transform};
use veredicto_validator::Source;
use veredicto_xml::Limits;

use crate::Topics;
use crate::events::AnomalyHalf;
use crate::validator::source_of;

/// Scores each ingested record.
#[derive(Debug)]
pub struct AnomalyTransform {
    model: Arc<Model>,
    scorer: Scorer,
    limits: Limits,
    topics: Topics,
    changelog: String,
    /// Issuers whose profile changed in the batch, with their partition.
    dirty: BTreeMap<String, i32>,
    stats: Arc<LoopStats>,
}

impl AnomalyTransform {
    pub fn new(model: Arc<Model>, topics: Topics, changelog: String) -> Self {
        Self {
            scorer: Scorer::new(Arc::clone(&model)),
            model,
            limits: Limits::default(),
            topics,
            changelog,
            dirty: BTreeMap::new(),
            stats: Arc::default(),
        }
    }
}

impl Transform for AnomalyTransform {
    fn attach(&mut self, stats: Arc<LoopStats>) {
        self.stats = stats;
    }

    fn transform(&mut self, record: &InputRecord<'_>, out: &mut Vec<OutputRecord>) {
        let payload = record.payload.unwrap_or_default();
        let source = source_of(record);
        for scoring in veredicto_validator::anomaly::score(&mut self.scorer, payload, &self.limits)
        {
            if scoring.anomaly.as_ref().is_some_and(|a| a.flagged) {
                self.stats.anomalies_flagged.fetch_add(1, Ordering::Relaxed);
            }
            let rut = &scoring.document.rut_emisor;
            if !rut.is_empty() {
                self.dirty.insert(rut.clone(), record.partition);
            }
            let key = match record.key {
                Some(key) if !key.is_empty() => key.to_vec(),
                _ => rut.clone().into_bytes(),
            };
            let half = AnomalyHalf {
                document: scoring.document,
                source: Source {
                    file: source.clone(),
                    index: scoring.index,
                    ingested_ms: record.timestamp_ms,
                },
                anomaly: scoring.anomaly,
                note: scoring.note,
            };
            out.push(OutputRecord {
                topic: self.topics.anomaly.clone(),
                key,
                payload: Some(serde_json::to_vec(&half).unwrap_or_default()),
                headers: vec![("content-type".into(), b"application/json".to_vec())],
                partition: None,
            });
        }
    }

    fn changelog(&self) -> Option<&str> {
        Some(&self.changelog)
    }

    fn reset(&mut self) {
        self.scorer = Scorer::new(Arc::clone(&self.model));
        self.dirty.clear();
    }

    fn restore(&mut self, _partition: i32, key: &[u8], payload: Option<&[u8]>) {
        let Some(payload) = payload else {
            return;
        };
        let rut = String::from_utf8_lossy(key);
        match serde_json::from_slice::<IssuerProfile>(payload) {
            Ok(profile) => self.scorer.restore(&rut, profile),
            Err(error) => {
                tracing::warn!(%rut, %error, "unreadable issuer profile in the changelog; skipped");
            }
        }
    }

    fn flush(&mut self, out: &mut Vec<OutputRecord>) {
        for (rut, partition) in std::mem::take(&mut self.dirty) {
            let Some(profile) = self.scorer.profile(&rut) else {
                continue;
            };
            out.push(OutputRecord {
                topic: self.changelog.clone(),
                key: rut.into_bytes(),
                payload: Some(serde_json::to_vec(profile).unwrap_or_default()),
                headers: Vec::new(),
                partition: Some(partition),
            });
        }
    }
}
