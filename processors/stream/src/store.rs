//! Verdicts in the CQL database (ScyllaDB in production).
//!
//! Each verdict is upserted into `verdicts_by_document` and
//! `verdicts_by_day` (see `schemas/cql/`) with prepared, idempotent
//! statements whose write timestamp is the verdict's revision: writing the
//! same verdict again changes nothing, and an older revision never replaces
//! a newer one. While the database is away, writes are retried with
//! back-off; the joiner's batch waits, and nothing is committed to Kafka
//! before its verdicts are stored.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use scylla::client::session::Session;
use scylla::statement::prepared::PreparedStatement;
use scylla::value::{CqlDate, CqlTimestamp};
use veredicto_validator::Verdict;

use crate::joiner::VerdictSink;

/// Buckets per day in `verdicts_by_day`.
pub const BUCKETS: i16 = 16;

/// Writes at a time.
const CONCURRENCY: usize = 64;

/// Upserts verdicts; see the module docs.
#[derive(Debug)]
pub struct VerdictStore {
    runtime: tokio::runtime::Runtime,
    session: Arc<Session>,
    by_document: PreparedStatement,
    by_day: PreparedStatement,
    /// How long to keep retrying before the batch is given up (and read again).
    pub give_up_after: Duration,
}

/// Why the store could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Connect(#[from] Box<veredicto_runtime::cql::ConnectError>),
    #[error("preparing the verdict upserts (has `veredicto db apply` run?): {0}")]
    Prepare(#[from] Box<scylla::errors::PrepareError>),
    #[error("starting the database client: {0}")]
    Runtime(#[from] std::io::Error),
}

impl VerdictStore {
    /// Connects and prepares the upserts for the tables of `keyspace`.
    ///
    /// # Errors
    ///
    /// When the database does not answer or the tables do not exist.
    pub fn connect(contact_points: &str, keyspace: &str) -> Result<Self, StoreError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("cql")
            .enable_all()
            .build()?;
        let (session, by_document, by_day) = runtime.block_on(async {
            let session = veredicto_runtime::cql::connect(contact_points, Duration::from_secs(10))
                .await
                .map_err(Box::new)?;
            let mut by_document = session
                .prepare(format!(
                    "INSERT INTO {keyspace}.verdicts_by_document (rut_emisor, tipo_dte, folio, \
                     digest, status, partial, revision, flagged, score, model, source, \
                     ingested_at, decided_at, verdict) \
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) USING TIMESTAMP ?"
                ))
                .await
                .map_err(Box::new)?;
            by_document.set_is_idempotent(true);
            let mut by_day = session
                .prepare(format!(
                    "INSERT INTO {keyspace}.verdicts_by_day (day, bucket, rut_emisor, tipo_dte, \
                     folio, digest, status, partial, revision, flagged, score) \
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) USING TIMESTAMP ?"
                ))
                .await
                .map_err(Box::new)?;
            by_day.set_is_idempotent(true);
            Ok::<_, StoreError>((session, by_document, by_day))
        })?;
        Ok(Self {
            runtime,
            session: Arc::new(session),
            by_document,
            by_day,
            give_up_after: Duration::from_secs(120),
        })
    }

    /// Upserts each verdict once; the first error of any.
    async fn write_once(&self, verdicts: &[Verdict]) -> Result<(), String> {
        let writes = verdicts.iter().filter_map(|verdict| {
            let document = verdict.document.as_ref()?;
            Some(async move {
                let revision = i64::from(verdict.revision);
                let anomaly = verdict.anomaly.as_ref();
                let published = verdict.source.ingested_ms.or(verdict.decided_ms);
                let json = serde_json::to_string(verdict).map_err(|e| e.to_string())?;
                let by_document = self.session.execute_unpaged(
                    &self.by_document,
                    (
                        &document.rut_emisor,
                        &document.tipo_dte,
                        &document.folio,
                        &document.digest,
                        verdict.status.as_str(),
                        verdict.partial,
                        revision,
                        anomaly.map(|a| a.flagged),
                        anomaly.map(|a| a.score),
                        anomaly.map(|a| a.model.as_str()),
                        format!("{}#{}", verdict.source.file, verdict.source.index),
                        verdict.source.ingested_ms.map(CqlTimestamp),
                        verdict.decided_ms.map(CqlTimestamp),
                        json,
                        revision,
                    ),
                );
                // Both tables at once: neither write depends on the other.
                let by_day = async {
                    let Some(ms) = published else {
                        return Ok(());
                    };
                    self.session
                        .execute_unpaged(
                            &self.by_day,
                            (
                                day_of(ms),
                                bucket_of(&document.id()),
                                &document.rut_emisor,
                                &document.tipo_dte,
                                &document.folio,
                                &document.digest,
                                verdict.status.as_str(),
                                verdict.partial,
                                revision,
                                anomaly.map(|a| a.flagged),
                                anomaly.map(|a| a.score),
                                revision,
                            ),
                        )
                        .await
                        .map(|_| ())
                };
                let (by_document, by_day) = futures::join!(by_document, by_day);
                by_document.map_err(|e| e.to_string())?;
                by_day.map_err(|e| e.to_string())?;
                Ok::<(), String>(())
            })
        });
        let mut results = futures::stream::iter(writes).buffer_unordered(CONCURRENCY);
        while let Some(result) = results.next().await {
            result?;
        }
        Ok(())
    }
}

impl VerdictSink for VerdictStore {
    fn write(&mut self, verdicts: &[Verdict]) -> Result<(), String> {
        let started = Instant::now();
        let mut pause = Duration::from_millis(100);
        loop {
            match self.runtime.block_on(self.write_once(verdicts)) {
                Ok(()) => return Ok(()),
                Err(error) if started.elapsed() < self.give_up_after => {
                    let retry_in_ms = pause.as_millis();
                    tracing::warn!(%error, retry_in_ms, "database write failed");
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_secs(5));
                }
                Err(error) => {
                    return Err(format!(
                        "database writes failing for {:?}: {error}",
                        started.elapsed()
                    ));
                }
            }
        }
    }
}

/// The CQL date of a moment in ms since the epoch (UTC).
fn day_of(ms: i64) -> CqlDate {
    let days = ms.div_euclid(86_400_000);
    // CQL dates count days from 2^31 before the epoch.
    CqlDate(u32::try_from(days + (1_i64 << 31)).unwrap_or(u32::MAX))
}

/// The bucket of a document id: FNV-1a, stable across versions and machines.
pub fn bucket_of(id: &str) -> i16 {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in id.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    i16::try_from(hash % u32::try_from(BUCKETS).unwrap_or(16)).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_count_from_the_cql_origin() {
        assert_eq!(day_of(0), CqlDate(1 << 31));
        assert_eq!(day_of(86_400_000 * 2 + 5), CqlDate((1 << 31) + 2));
        assert_eq!(day_of(-1), CqlDate((1 << 31) - 1));
    }

    #[test]
    fn buckets_are_stable_and_in_range() {
        let a = bucket_of("76354771-K/33/170");
        assert_eq!(a, bucket_of("76354771-K/33/170"));
        assert!((0..BUCKETS).contains(&a));
        let spread: std::collections::BTreeSet<i16> = (0..200)
            .map(|i| bucket_of(&format!("1-9/33/{i}")))
            .collect();
        assert_eq!(spread.len(), usize::try_from(BUCKETS).unwrap_or(16));
    }
}
