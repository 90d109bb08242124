//! Replay: re-judges a time range of `dte.ingest` in a consumer group of its
//! own, typically with a new anomaly model, and issues new revisions of the
//! verdicts straight to `dte.verdicts` and the database.
//!
//! A replay validates and scores each record itself, as `veredicto check`
//! does, so it needs neither the validator nor the anomaly processor
//! running. Records from before the range (the warm-up) only feed issuer
//! history; records inside it get verdicts; records after it are passed
//! over. Its verdicts carry one revision for the whole replay, the time it
//! started in seconds since the epoch: above the live revisions (1 and 2),
//! and above any earlier replay's, so the database keeps the newest.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use veredicto_anomaly::Scorer;
use veredicto_runtime::processor::{InputRecord, OutputRecord, Transform};
use veredicto_validator::{Validator, Verdict};
use veredicto_xml::Limits;

use crate::Topics;
use crate::events::verdict_record;
use crate::joiner::VerdictSink;
use crate::validator::{key_mismatch, source_of};

/// The time range and revision of a replay.
#[derive(Debug, Clone, Copy)]
pub struct Range {
    /// Records before this (ms since the epoch) only build issuer history.
    pub from_ms: i64,
    /// Records after this are passed over.
    pub to_ms: Option<i64>,
    /// The revision every verdict of this replay carries.
    pub revision: u32,
}

/// How far a replay got: the last offset seen per partition, and counts.
#[derive(Debug, Default)]
pub struct Progress {
    pub offsets: BTreeMap<i32, i64>,
    pub records: u64,
    pub verdicts: u64,
}

/// Re-judges each record; see the module docs.
#[derive(Debug)]
pub struct ReplayTransform {
    validator: Validator,
    scorer: Scorer,
    limits: Limits,
    topics: Topics,
    range: Range,
    issued: Vec<Verdict>,
    sink: Option<Box<dyn VerdictSink + Send>>,
    progress: Arc<Mutex<Progress>>,
}

impl ReplayTransform {
    pub fn new(validator: Validator, scorer: Scorer, topics: Topics, range: Range) -> Self {
        Self {
            validator,
            scorer,
            limits: Limits::default(),
            topics,
            range,
            issued: Vec::new(),
            sink: None,
            progress: Arc::default(),
        }
    }

    /// Also writes every verdict to `sink` before it is committed.
    #[must_use]
    pub fn with_sink(mut self, sink: Box<dyn VerdictSink + Send>) -> Self {
        self.sink = Some(sink);
        self
    }

    /// Shared view of the progress, for a progress bar and to know when to stop.
    pub fn progress(&self) -> Arc<Mutex<Progress>> {
        Arc::clone(&self.progress)
    }

    fn judge(&mut self, record: &InputRecord<'_>, out: &mut Vec<OutputRecord>) {
        let payload = record.payload.unwrap_or_default();
        let timestamp = record.timestamp_ms.unwrap_or(i64::MIN);
        if self.range.to_ms.is_some_and(|to| timestamp > to) {
            return;
        }
        // Issuer history grows with every record of the range and before it.
        let scorings = veredicto_validator::anomaly::score(&mut self.scorer, payload, &self.limits);
        if timestamp < self.range.from_ms {
            return;
        }
        let key = record.key.unwrap_or_default();
        for mut verdict in self.validator.check(payload, &source_of(record)) {
            // What cannot be attributed to a document was dead-lettered the
            // first time; a replay issues no verdict for it.
            let Some(document) = &verdict.document else {
                continue;
            };
            if key != document.rut_emisor.as_bytes() {
                verdict
                    .findings
                    .push(key_mismatch(key, &document.rut_emisor));
            }
            verdict.anomaly = scorings
                .iter()
                .find(|s| s.index == verdict.source.index)
                .and_then(|s| s.anomaly.clone());
            verdict.source.ingested_ms = record.timestamp_ms;
            verdict.revision = self.range.revision;
            verdict.partial = false;
            verdict.decided_ms = Some(crate::joiner::now_ms());
            out.push(verdict_record(&self.topics.verdicts, &verdict));
            self.issued.push(verdict);
        }
    }
}

impl Transform for ReplayTransform {
    fn transform(&mut self, record: &InputRecord<'_>, out: &mut Vec<OutputRecord>) {
        let before = out.len();
        self.judge(record, out);
        if let Ok(mut progress) = self.progress.lock() {
            progress.offsets.insert(record.partition, record.offset);
            progress.records += 1;
            progress.verdicts += (out.len() - before) as u64;
        }
    }

    fn settle(&mut self, _outputs: &[OutputRecord]) -> Result<(), String> {
        let issued = std::mem::take(&mut self.issued);
        match &mut self.sink {
            Some(sink) if !issued.is_empty() => sink.write(&issued),
            _ => Ok(()),
        }
    }
}
