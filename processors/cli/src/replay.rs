//! `veredicto replay --from TIME [--to TIME] [--model DIR]`: re-judges a time
//! range of `dte.ingest` in a new consumer group and issues new verdict
//! revisions stamped with the model used, with a progress bar.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::{Message, Offset, TopicPartitionList};
use veredicto_anomaly::Scorer;
use veredicto_forge::calendar::Date;
use veredicto_runtime::cql::{DEFAULT_CONTACT_POINT, DEFAULT_KEYSPACE};
use veredicto_runtime::kafka::{DEFAULT_BOOTSTRAP, KafkaSettings};
use veredicto_runtime::processor::{GRACE, LoopConfig, LoopStats, hung_call};
use veredicto_stream::Topics;
use veredicto_stream::replay::{Range, ReplayTransform};
use veredicto_stream::store::VerdictStore;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Start of the range: `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SS`, UTC, by
    /// the ingest records' timestamps.
    #[arg(long, value_parser = parse_time)]
    from: i64,

    /// End of the range (inclusive); the end of the topic when the replay
    /// starts by default.
    #[arg(long, value_parser = parse_time)]
    to: Option<i64>,

    /// Days before `--from` read only to rebuild issuers' history.
    #[arg(long, default_value_t = 30)]
    warmup_days: i64,

    /// Anomaly model folder (`models/<name>/<version>`); the newest shipped
    /// one by default.
    #[arg(long, env = "VEREDICTO_MODEL")]
    model: Option<PathBuf>,

    /// Folder of trusted SII certificates for CAFs (`<IDK>.cer`).
    #[arg(long, env = "VEREDICTO_TRUST")]
    trust: Option<PathBuf>,

    /// Folder of SII schema generations.
    #[arg(long, env = "VEREDICTO_SCHEMAS")]
    schemas: Option<PathBuf>,

    /// Kafka brokers, `host:port[,host:port...]`.
    #[arg(long, env = "VEREDICTO_KAFKA_BOOTSTRAP", default_value = DEFAULT_BOOTSTRAP)]
    bootstrap: String,

    /// A suffix appended to every topic name, as the processors' `--topic-suffix`.
    #[arg(long, env = "VEREDICTO_TOPIC_SUFFIX")]
    topic_suffix: Option<String>,

    /// CQL contact points, `host:port[,host:port...]`.
    #[arg(long, env = "VEREDICTO_CQL", default_value = DEFAULT_CONTACT_POINT)]
    cql: String,

    /// The keyspace `veredicto db apply` created.
    #[arg(long, env = "VEREDICTO_KEYSPACE", default_value = DEFAULT_KEYSPACE)]
    keyspace: String,
}

/// `YYYY-MM-DD[THH:MM[:SS]]` as milliseconds since the epoch, UTC.
fn parse_time(text: &str) -> Result<i64, String> {
    let (date, time) = text.split_once('T').unwrap_or((text, "00:00:00"));
    let date = Date::parse(date).ok_or_else(|| format!("{text}: not a YYYY-MM-DD date"))?;
    let mut parts = time.trim_end_matches('Z').split(':');
    let mut seconds = 0i64;
    for (scale, part) in [3600, 60, 1].into_iter().zip(&mut parts) {
        let value: i64 = part
            .parse()
            .map_err(|_| format!("{text}: not a time HH:MM:SS"))?;
        seconds += scale * value;
    }
    if parts.next().is_some() || !(0..86_400).contains(&seconds) {
        return Err(format!("{text}: not a time HH:MM:SS"));
    }
    Ok((date.days_since(Date::from_civil(1970, 1, 1)) * 86_400 + seconds) * 1000)
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let topics = Topics::with_suffix(args.topic_suffix.as_deref());
    if args.to.is_some_and(|to| to < args.from) {
        bail!("--to is before --from");
    }

    let validator = crate::setup::validator(args.schemas.as_deref(), None, args.trust.as_deref())?;
    let model = crate::model::load(args.model.as_deref())?;
    let started_s = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    let range = Range {
        from_ms: args.from,
        to_ms: args.to,
        revision: u32::try_from(started_s).context("the clock is past 2106")?,
    };
    let store = VerdictStore::connect(&args.cql, &args.keyspace)?;
    let model_version = model.version().to_owned();
    let mut transform = ReplayTransform::new(validator, Scorer::new(model), topics.clone(), range)
        .with_sink(Box::new(store));
    let progress = transform.progress();

    // A group of its own, starting where the warm-up starts.
    let settings = KafkaSettings::new(&args.bootstrap);
    let group = format!("veredicto-replay-{started_s}");
    let warmup_from = args.from - args.warmup_days.max(0) * 86_400_000;
    let ends = position_group(&settings, &group, &topics.ingest, warmup_from, args.to)?;
    let total: i64 = ends.iter().map(|(_, start, end)| end - start).sum();
    eprintln!(
        "replaying {total} records of {} with {model_version} as revision {} (group {group})",
        topics.ingest, range.revision
    );
    if total == 0 {
        return Ok(ExitCode::SUCCESS);
    }

    let config = LoopConfig {
        group_id: group.clone(),
        transactional_id: group.clone(),
        inputs: vec![topics.ingest.clone()],
        max_batch: 500,
        max_wait: Duration::from_millis(50),
        call_timeout: Duration::from_secs(60),
    };
    let hung_after = config.call_timeout + GRACE;
    let shutdown = Arc::new(AtomicBool::new(false));
    let stats = Arc::new(LoopStats::default());
    let worker = {
        let (shutdown, stats) = (Arc::clone(&shutdown), Arc::clone(&stats));
        std::thread::spawn(move || {
            veredicto_runtime::processor::run(&settings, &config, &mut transform, &shutdown, stats)
        })
    };

    let started = Instant::now();
    let mut stderr = std::io::stderr();
    let probe: BaseConsumer = KafkaSettings::new(&args.bootstrap)
        .consumer(&format!("{group}-probe"))
        .set("enable.partition.eof", "true")
        .create()?;
    let mut still = (0, Instant::now());
    loop {
        std::thread::sleep(Duration::from_millis(250));
        let (records, verdicts, pending) = match progress.lock() {
            Ok(p) => (
                p.records,
                p.verdicts,
                ends.iter()
                    .filter_map(|&(partition, start, end)| {
                        let next = p.offsets.get(&partition).map_or(start, |o| o + 1);
                        (next < end).then_some((partition, next, end))
                    })
                    .collect::<Vec<_>>(),
            ),
            Err(_) => bail!("the replay loop failed"),
        };
        if records != still.0 {
            still = (records, Instant::now());
        }
        // Offsets short of the end may be transaction markers, not records:
        // once the loop has been idle for a second, look.
        let done = pending.is_empty()
            || (still.1.elapsed() > Duration::from_secs(1)
                && nothing_left(&probe, &topics.ingest, &pending)?);
        let share = records as f64 / total as f64;
        let filled = (share * 30.0).round() as usize;
        let _ = write!(
            stderr,
            "\r[{}{}] {records}/{total} records, {verdicts} verdicts, {:.0} s",
            "#".repeat(filled.min(30)),
            " ".repeat(30 - filled.min(30)),
            started.elapsed().as_secs_f64()
        );
        if done || worker.is_finished() {
            break;
        }
        // A transaction call that never returns (the broker restarted under
        // it) cannot be taken back; the replay is given up, not left hanging.
        if let Some(running) = hung_call(&stats, hung_after) {
            bail!(
                "a transaction call went unanswered for {} s; replay again (a new replay's \
                 revision supersedes this one's)",
                running.as_secs()
            );
        }
    }
    // The batch in hand is committed before the loop stops.
    shutdown.store(true, Ordering::SeqCst);
    let result = worker
        .join()
        .map_err(|_| anyhow::anyhow!("the replay loop panicked"))?;
    let _ = writeln!(stderr);
    result.context("the replay loop stopped")?;
    let aborted = stats.aborted.load(Ordering::Relaxed);
    if aborted > 0 {
        bail!(
            "{aborted} transactions were aborted, so some issuers' history may count records \
             twice; replay again (a new replay's revision supersedes this one's)"
        );
    }
    let p = progress
        .lock()
        .map_err(|_| anyhow::anyhow!("progress lost"))?;
    eprintln!(
        "replayed {} records into {} verdicts with {model_version} in {:.1} s",
        p.records,
        p.verdicts,
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

/// Whether no record is left before the end of any pending partition
/// (`(partition, next offset, end)`): the next record a `read_committed`
/// reader finds is at or past the end, or there is none. Offsets between
/// can be taken by transaction markers, which carry no record.
fn nothing_left(
    probe: &BaseConsumer,
    topic: &str,
    pending: &[(i32, i64, i64)],
) -> anyhow::Result<bool> {
    let mut list = TopicPartitionList::new();
    for &(partition, next, _) in pending {
        list.add_partition_offset(topic, partition, Offset::Offset(next))?;
    }
    probe.assign(&list)?;
    let mut open: BTreeMap<i32, i64> = pending.iter().map(|&(p, _, end)| (p, end)).collect();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !open.is_empty() && Instant::now() < deadline {
        match probe.poll(Duration::from_millis(200)) {
            Some(Ok(message)) => {
                let end = open.get(&message.partition()).copied();
                if end.is_some_and(|end| message.offset() < end) {
                    return Ok(false);
                }
                open.remove(&message.partition());
            }
            Some(Err(KafkaError::PartitionEOF(partition))) => {
                open.remove(&partition);
            }
            Some(Err(_)) | None => {}
        }
    }
    Ok(open.is_empty())
}

/// Commits the group's starting offsets (the first record at or after
/// `from_ms` in each partition) and returns, per partition, the start and
/// the end offset the replay must reach.
fn position_group(
    settings: &KafkaSettings,
    group: &str,
    topic: &str,
    from_ms: i64,
    to_ms: Option<i64>,
) -> anyhow::Result<Vec<(i32, i64, i64)>> {
    let timeout = Duration::from_secs(15);
    let consumer: BaseConsumer = settings.consumer(group).create()?;
    let metadata = consumer.fetch_metadata(Some(topic), timeout)?;
    let partitions: Vec<i32> = metadata
        .topics()
        .iter()
        .flat_map(|t| t.partitions().iter().map(|p| p.id()))
        .collect();
    if partitions.is_empty() {
        bail!("{topic} has no partitions (does it exist?)");
    }
    let at = |ms: i64| -> anyhow::Result<TopicPartitionList> {
        let mut list = TopicPartitionList::new();
        for &p in &partitions {
            list.add_partition_offset(topic, p, Offset::Offset(ms))?;
        }
        Ok(consumer.offsets_for_times(list, timeout)?)
    };
    let starts = at(from_ms)?;
    let ends = match to_ms {
        Some(to) => Some(at(to + 1)?),
        None => None,
    };
    let mut result = Vec::new();
    let mut commit = TopicPartitionList::new();
    for &p in &partitions {
        let (_, high) = consumer.fetch_watermarks(topic, p, timeout)?;
        let offset_of =
            |list: &TopicPartitionList| match list.find_partition(topic, p).map(|e| e.offset()) {
                Some(Offset::Offset(o)) => o,
                _ => high,
            };
        let start = offset_of(&starts);
        let end = ends.as_ref().map_or(high, offset_of).min(high);
        commit.add_partition_offset(topic, p, Offset::Offset(start))?;
        result.push((p, start, end.max(start)));
    }
    consumer.assign(&commit)?;
    consumer.commit(&commit, CommitMode::Sync)?;
    Ok(result)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn times_are_read_as_utc() {
        assert_eq!(parse_time("1970-01-02").unwrap(), 86_400_000);
        assert_eq!(
            parse_time("2026-12-04T10:30:00").unwrap(),
            1_796_380_200_000
        );
        assert_eq!(parse_time("2026-12-04T10:30").unwrap(), 1_796_380_200_000);
        assert!(parse_time("2026-13-01").is_err());
        assert!(parse_time("2026-12-04T25:00:00").is_err());
        assert!(parse_time("yesterday").is_err());
    }
}
