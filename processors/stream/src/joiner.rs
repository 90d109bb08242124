//! The joiner: pairs the validation and anomaly halves of each document into
//! its verdict on `dte.verdicts`, and upserts the verdict into the database.
//!
//! Halves wait in a pending table mirrored to a compacted changelog (one
//! record per pending document, a tombstone once it is done), restored on
//! every assignment. A document whose halves meet within one batch never
//! reaches the changelog at all. When one half has not come after the deadline, a
//! partial verdict (revision 1) is issued; if the missing half arrives while
//! the entry is still kept, the complete verdict follows as revision 2. A
//! document whose halves meet in time gets one verdict, revision 1.
//!
//! Both input topics are keyed by RUTEmisor and co-partitioned, so both
//! halves of a document reach the same joiner, and the changelog partition
//! of an entry is the partition its halves came from.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use veredicto_runtime::processor::{InputRecord, LoopStats, OutputRecord, Transform};
use veredicto_validator::{Finding, Severity, Status, Verdict};

use crate::Topics;
use crate::events::{AnomalyHalf, join_key, verdict_record};
use crate::validator::{dead_letter, source_of};

/// Where verdicts go besides Kafka: the database.
pub trait VerdictSink: std::fmt::Debug {
    /// Upserts the verdicts, idempotently: the same verdict written twice
    /// changes nothing, and an older revision never replaces a newer one.
    ///
    /// # Errors
    ///
    /// When the verdicts could not all be written (after any retries).
    fn write(&mut self, verdicts: &[Verdict]) -> Result<(), String>;
}

/// How long halves wait for each other.
#[derive(Debug, Clone, Copy)]
pub struct Deadlines {
    /// After this, a lone half is issued as a partial verdict.
    pub partial_after: Duration,
    /// After this, the entry of a partial verdict is dropped; a half arriving
    /// later starts over.
    pub keep_for: Duration,
}

impl Default for Deadlines {
    fn default() -> Self {
        Self {
            partial_after: Duration::from_secs(30),
            keep_for: Duration::from_secs(3600),
        }
    }
}

/// One document waiting for its other half.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Pending {
    /// The partition its halves came from, and its changelog's.
    partition: i32,
    /// When the first half arrived, by the joiner's clock (ms since epoch).
    since_ms: i64,
    validation: Option<Verdict>,
    anomaly: Option<AnomalyHalf>,
    /// Whether a partial verdict was issued for it.
    partial_issued: bool,
    /// Whether the changelog holds it, so that its end needs a tombstone.
    /// Entries read back from the changelog are there by definition.
    #[serde(skip, default = "in_changelog")]
    logged: bool,
}

fn in_changelog() -> bool {
    true
}

/// Pairs halves; see the module docs.
#[derive(Debug)]
pub struct JoinerTransform {
    topics: Topics,
    changelog: String,
    deadlines: Deadlines,
    pending: HashMap<String, Pending>,
    /// Keys whose pending entry changed in the batch, with their partition.
    dirty: BTreeMap<String, i32>,
    /// Verdicts of the batch, for the sink.
    issued: Vec<Verdict>,
    sink: Option<Box<dyn VerdictSink + Send>>,
    clock: fn() -> i64,
    stats: Arc<LoopStats>,
}

impl JoinerTransform {
    pub fn new(topics: Topics, changelog: String, deadlines: Deadlines) -> Self {
        Self {
            topics,
            changelog,
            deadlines,
            pending: HashMap::new(),
            dirty: BTreeMap::new(),
            issued: Vec::new(),
            sink: None,
            clock: now_ms,
            stats: Arc::default(),
        }
    }

    /// Also writes every verdict to `sink` before it is committed.
    #[must_use]
    pub fn with_sink(mut self, sink: Box<dyn VerdictSink + Send>) -> Self {
        self.sink = Some(sink);
        self
    }

    /// Documents waiting for a half.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    fn accept(&mut self, partition: i32, key: String, half: Half, out: &mut Vec<OutputRecord>) {
        let now = (self.clock)();
        let entry = self.pending.entry(key.clone()).or_insert_with(|| Pending {
            partition,
            since_ms: now,
            validation: None,
            anomaly: None,
            partial_issued: false,
            logged: false,
        });
        match half {
            Half::Validation(verdict) => entry.validation = Some(*verdict),
            Half::Anomaly(anomaly) => entry.anomaly = Some(*anomaly),
        }
        if entry.validation.is_some() && entry.anomaly.is_some() {
            if let Some(entry) = self.pending.remove(&key) {
                self.forget(key, partition, entry.logged);
                let revision = if entry.partial_issued { 2 } else { 1 };
                if let (Some(validation), Some(anomaly)) = (entry.validation, entry.anomaly) {
                    let verdict = complete(validation, anomaly, revision, now);
                    self.issue(verdict, out);
                }
            }
        } else {
            self.dirty.insert(key, partition);
        }
    }

    /// After an entry is removed: the changelog gets a tombstone if it holds
    /// the entry; an entry that never left memory leaves no trace.
    fn forget(&mut self, key: String, partition: i32, logged: bool) {
        if logged {
            self.dirty.insert(key, partition);
        } else {
            self.dirty.remove(&key);
        }
    }

    fn issue(&mut self, verdict: Verdict, out: &mut Vec<OutputRecord>) {
        if verdict.anomaly.as_ref().is_some_and(|a| a.flagged) {
            self.stats.anomalies_flagged.fetch_add(1, Ordering::Relaxed);
        }
        out.push(verdict_record(&self.topics.verdicts, &verdict));
        self.issued.push(verdict);
    }
}

enum Half {
    Validation(Box<Verdict>),
    Anomaly(Box<AnomalyHalf>),
}

/// The verdict of a document whose halves both came.
fn complete(mut validation: Verdict, half: AnomalyHalf, revision: u32, now: i64) -> Verdict {
    validation.anomaly = half.anomaly;
    validation.partial = false;
    validation.revision = revision;
    validation.decided_ms = Some(now);
    validation
}

/// The verdict of a document with one half, issued at the deadline.
fn partial(entry: &Pending, waited: Duration, now: i64) -> Option<Verdict> {
    let mut verdict = match (&entry.validation, &entry.anomaly) {
        (Some(validation), _) => validation.clone(),
        (None, Some(half)) => {
            let findings = vec![Finding {
                code: "VERDICT-NO-VALIDATION".into(),
                sii_code: None,
                severity: Severity::Rechazo,
                path: "/".into(),
                message: format!(
                    "the document has not been validated after {}s: it is rejected until \
                     its validation arrives and a new revision of this verdict replaces it",
                    waited.as_secs()
                ),
            }];
            Verdict {
                document: Some(half.document.clone()),
                source: half.source.clone(),
                status: Status::Rejected,
                schema: None,
                signature: None,
                findings,
                anomaly: half.anomaly.clone(),
                revision: 1,
                partial: true,
                decided_ms: None,
            }
        }
        (None, None) => return None,
    };
    verdict.partial = true;
    verdict.revision = 1;
    verdict.decided_ms = Some(now);
    Some(verdict)
}

impl Transform for JoinerTransform {
    fn attach(&mut self, stats: Arc<LoopStats>) {
        self.stats = stats;
    }

    fn transform(&mut self, record: &InputRecord<'_>, out: &mut Vec<OutputRecord>) {
        let payload = record.payload.unwrap_or_default();
        let half = if record.topic == self.topics.validation {
            serde_json::from_slice::<Verdict>(payload)
                .map_err(|e| e.to_string())
                .and_then(|v| match v.document {
                    Some(_) => Ok((join_key(&v.source), Half::Validation(Box::new(v)))),
                    None => Err("a validation result without a document".into()),
                })
        } else {
            serde_json::from_slice::<AnomalyHalf>(payload)
                .map(|h| (join_key(&h.source), Half::Anomaly(Box::new(h))))
                .map_err(|e| e.to_string())
        };
        match half {
            Ok((key, half)) => self.accept(record.partition, key, half, out),
            Err(error) => {
                tracing::warn!(source = %source_of(record), %error, "not a half: dead-lettered");
                out.push(dead_letter(
                    record,
                    "JOIN-UNREADABLE-HALF",
                    &error,
                    &self.topics.dlq,
                ));
                self.stats.dead_letters.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    fn changelog(&self) -> Option<&str> {
        Some(&self.changelog)
    }

    fn reset(&mut self) {
        self.pending.clear();
        self.dirty.clear();
        self.issued.clear();
    }

    fn restore(&mut self, _partition: i32, key: &[u8], payload: Option<&[u8]>) {
        let key = String::from_utf8_lossy(key).into_owned();
        match payload.map(serde_json::from_slice::<Pending>) {
            Some(Ok(entry)) => {
                self.pending.insert(key, entry);
            }
            Some(Err(error)) => {
                tracing::warn!(%key, %error, "unreadable pending entry in the changelog; dropped");
                self.pending.remove(&key);
            }
            None => {
                self.pending.remove(&key);
            }
        }
    }

    fn tick(&mut self, now_ms: i64, out: &mut Vec<OutputRecord>) {
        let partial_after = duration_ms(self.deadlines.partial_after);
        let keep_for = duration_ms(self.deadlines.keep_for);
        let mut due: Vec<&String> = self
            .pending
            .iter()
            .filter(|(_, p)| {
                let waited = now_ms - p.since_ms;
                (!p.partial_issued && waited >= partial_after) || waited >= keep_for
            })
            .map(|(k, _)| k)
            .collect();
        if due.is_empty() {
            return;
        }
        due.sort_unstable();
        let due: Vec<String> = due.into_iter().cloned().collect();
        for key in due {
            let Some(entry) = self.pending.get_mut(&key) else {
                continue;
            };
            let partition = entry.partition;
            if entry.partial_issued || now_ms - entry.since_ms >= keep_for {
                let logged = entry.logged;
                self.pending.remove(&key);
                self.forget(key, partition, logged);
            } else {
                entry.partial_issued = true;
                let waited =
                    Duration::from_millis(u64::try_from(now_ms - entry.since_ms).unwrap_or(0));
                let verdict = partial(entry, waited, now_ms);
                if let Some(verdict) = verdict {
                    self.issue(verdict, out);
                }
                self.dirty.insert(key, partition);
            }
        }
    }

    fn flush(&mut self, out: &mut Vec<OutputRecord>) {
        self.stats
            .pending
            .store(self.pending.len() as u64, Ordering::Relaxed);
        for (key, partition) in std::mem::take(&mut self.dirty) {
            let payload = self.pending.get_mut(&key).map(|entry| {
                entry.logged = true;
                serde_json::to_vec(entry).unwrap_or_default()
            });
            out.push(OutputRecord {
                topic: self.changelog.clone(),
                key: key.into_bytes(),
                payload,
                headers: Vec::new(),
                partition: Some(partition),
            });
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

fn duration_ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// Milliseconds since the epoch, by this machine's clock.
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests;
