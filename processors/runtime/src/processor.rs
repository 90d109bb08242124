//! The consume-transform-produce loop every processor runs, exactly once.
//!
//! Records are read in small batches. Each batch is handled inside one Kafka
//! transaction: its outputs and the input offsets that follow it commit
//! together, so a `read_committed` reader downstream sees each input's
//! outputs once, whatever crashes in between. The loop runs on a thread of
//! its own because every transaction call blocks.
//!
//! Rebalances: a rebalance callback runs inside `poll`, between batches or
//! while one is being collected, never while a transaction is open. Records
//! polled before a rebalance in the same batch are dropped (the new owner of
//! their partition reads them again from the committed offset). If the group
//! moved on anyway, committing fails the generation check, the transaction is
//! aborted, and the consumer rewinds to the committed offsets.
//!
//! State: a stateful transform mirrors its state to a compacted changelog
//! topic, partition for partition with its inputs, in the same transactions
//! as its outputs. After every rebalance and every abort its state is
//! dropped and rebuilt from the committed changelog of the partitions it now
//! owns, so memory never holds what Kafka did not commit.
//!
//! Hung calls: the Kafka client can leave a transaction call unanswered
//! past its own timeout (a coordinator lookup that is never retried after a
//! broker restart), and no thread can take a blocked call back. The loop
//! records when each transaction call starts in [`LoopStats`]; [`hung_call`]
//! tells the process when one has outlived its timeout, so it can start
//! over as a new process, whose `init_transactions` fences the old producer.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext, Rebalance};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header, Headers, Message, OwnedHeaders, OwnedMessage};
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use rdkafka::{ClientContext, Offset, Statistics, TopicPartitionList};

use crate::kafka::KafkaSettings;
use crate::metrics::{Histogram, LabelledCounter};

/// One input record, as a transform sees it.
#[derive(Debug)]
pub struct InputRecord<'a> {
    pub topic: &'a str,
    pub partition: i32,
    pub offset: i64,
    pub key: Option<&'a [u8]>,
    pub payload: Option<&'a [u8]>,
    pub headers: Vec<(&'a str, &'a [u8])>,
    /// Milliseconds since the epoch, as the producer or broker stamped it.
    pub timestamp_ms: Option<i64>,
}

/// One record a transform asks to produce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputRecord {
    pub topic: String,
    pub key: Vec<u8>,
    /// `None` is a tombstone: it deletes the key from a compacted topic.
    pub payload: Option<Vec<u8>>,
    pub headers: Vec<(String, Vec<u8>)>,
    /// A fixed partition (changelogs follow their input partition); `None`
    /// lets the murmur2 partitioner place the record by key.
    pub partition: Option<i32>,
}

/// What a processor does with each record. Deterministic failures (a bad
/// document) become outputs; a transform never fails. The other methods
/// have stateless defaults.
pub trait Transform {
    fn transform(&mut self, record: &InputRecord<'_>, out: &mut Vec<OutputRecord>);

    /// Gives the transform the loop's counters, to count what it issues.
    fn attach(&mut self, _stats: Arc<LoopStats>) {}

    /// The compacted topic this transform mirrors its state to, partition
    /// for partition with its inputs; `None` for a stateless transform.
    fn changelog(&self) -> Option<&str> {
        None
    }

    /// Drops all state, before it is restored.
    fn reset(&mut self) {}

    /// Applies one committed changelog record of `partition`, oldest first;
    /// a `None` payload deletes the key.
    fn restore(&mut self, _partition: i32, _key: &[u8], _payload: Option<&[u8]>) {}

    /// After the records of a batch: outputs that sum it up, such as the
    /// changelog records of the state it changed.
    fn flush(&mut self, _out: &mut Vec<OutputRecord>) {}

    /// Outputs due by the clock alone (deadlines), asked between batches.
    fn tick(&mut self, _now_ms: i64, _out: &mut Vec<OutputRecord>) {}

    /// Effects outside Kafka of the outputs about to be committed (a
    /// database), done before the transaction and therefore idempotent. An
    /// error aborts the batch, which is read and handled again.
    ///
    /// # Errors
    ///
    /// When the effects could not be made; the message is logged.
    fn settle(&mut self, _outputs: &[OutputRecord]) -> Result<(), String> {
        Ok(())
    }
}

/// How a loop reads and commits.
#[derive(Debug, Clone)]
pub struct LoopConfig {
    pub group_id: String,
    /// Stable per instance: a restarted instance fences its predecessor's
    /// transaction, and (as the static group member id) takes its partitions
    /// back at once instead of waiting out its session.
    pub transactional_id: String,
    pub inputs: Vec<String>,
    /// Most records in one transaction.
    pub max_batch: usize,
    /// Longest a batch stays open once its first record arrived. A batch
    /// also closes as soon as no further record is waiting, so under light
    /// load each record is committed at once, and under heavy load batches
    /// grow with what arrives while the previous one commits.
    pub max_wait: Duration,
    /// Longest a blocking transaction call may take.
    pub call_timeout: Duration,
}

/// Counters a loop and its transform keep, read by metrics and tests.
#[derive(Debug, Default)]
pub struct LoopStats {
    pub consumed: AtomicU64,
    pub produced: AtomicU64,
    pub committed: AtomicU64,
    pub aborted: AtomicU64,
    pub dropped_after_rebalance: AtomicU64,
    /// Changelog records applied while restoring state.
    pub restored: AtomicU64,
    /// Times the loop failed and was started again with new clients.
    pub restarts: AtomicU64,
    /// When the transaction call in progress began (ms since the epoch); 0
    /// between calls. See [`hung_call`].
    pub call_started_ms: AtomicI64,
    /// Whether partitions are currently assigned.
    pub assigned: AtomicBool,
    /// Whether partitions are assigned and their state restored.
    pub ready: AtomicBool,
    /// Records behind the end of the assigned input partitions.
    pub lag: AtomicU64,
    /// Kept by transforms: dead letters, flagged anomalies, pending joins,
    /// findings by code.
    pub dead_letters: AtomicU64,
    pub anomalies_flagged: AtomicU64,
    pub pending: AtomicU64,
    pub findings: LabelledCounter,
    /// Time per batch: transforming, settling outside Kafka, committing.
    pub transform_latency: Histogram,
    pub settle_latency: Histogram,
    pub commit_latency: Histogram,
}

/// Why a loop stopped before it was asked to.
#[derive(Debug, thiserror::Error)]
pub enum LoopError {
    #[error("kafka client: {0}")]
    Client(#[from] KafkaError),
    #[error("this instance was fenced by another with the same transactional id: {0}")]
    Fenced(KafkaError),
    /// The consumer or producer hit an error it cannot recover from (a
    /// static member fenced after the broker lost track of it, say); new
    /// clients are needed.
    #[error("fatal client error: {0:?}: {1}")]
    Fatal(RDKafkaErrorCode, String),
    /// Transactions kept failing although each was aborted cleanly; clients
    /// that cannot get a transaction through are replaced.
    #[error("{0} transactions in a row failed")]
    Stuck(u32),
}

/// How much longer than its own timeout a transaction call may take before
/// it counts as unanswered.
pub const GRACE: Duration = Duration::from_secs(10);

/// Runs a transaction call, its start recorded for [`hung_call`].
fn watched<T>(stats: &LoopStats, work: impl FnOnce() -> T) -> T {
    stats.call_started_ms.store(now_ms(), Ordering::SeqCst);
    let result = work();
    stats.call_started_ms.store(0, Ordering::SeqCst);
    result
}

/// How long the transaction call in progress has run, when that is longer
/// than `limit`: the call is not coming back, and only new clients (in
/// practice, a new process) get the loop going again.
pub fn hung_call(stats: &LoopStats, limit: Duration) -> Option<Duration> {
    let started = stats.call_started_ms.load(Ordering::SeqCst);
    if started == 0 {
        return None;
    }
    let running = Duration::from_millis(u64::try_from(now_ms() - started).unwrap_or(0));
    (running > limit).then_some(running)
}

/// Transactions that may fail one after another, each aborted and its input
/// read again, before the clients are replaced.
const MAX_FAILED_IN_A_ROW: u32 = 5;

/// Why one transaction did not commit.
#[derive(Debug, thiserror::Error)]
enum StepError {
    #[error("kafka: {0}")]
    Kafka(KafkaError),
    #[error("settling outputs: {0}")]
    Settle(String),
}

impl From<KafkaError> for StepError {
    fn from(error: KafkaError) -> Self {
        StepError::Kafka(error)
    }
}

/// Counts rebalances, so records polled before one can be told apart.
struct RebalanceContext {
    generation: AtomicU64,
    stats: Arc<LoopStats>,
}

impl ClientContext for RebalanceContext {
    /// The consumer's lag, from the statistics it reports every few seconds
    /// (asking the broker for watermarks would stall the loop).
    fn stats(&self, statistics: Statistics) {
        let lag: i64 = statistics
            .topics
            .values()
            .flat_map(|topic| topic.partitions.values())
            .filter(|p| p.partition >= 0 && p.fetch_state == "active")
            .map(|p| p.consumer_lag.max(0))
            .sum();
        self.stats
            .lag
            .store(u64::try_from(lag).unwrap_or(0), Ordering::Relaxed);
    }
}

impl ConsumerContext for RebalanceContext {
    fn post_rebalance(&self, _consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        let assigned = matches!(rebalance, Rebalance::Assign(tpl) if tpl.count() > 0);
        self.stats.assigned.store(assigned, Ordering::SeqCst);
        self.stats.ready.store(false, Ordering::SeqCst);
        tracing::info!(?assigned, "partitions rebalanced");
    }
}

/// Runs `transform` over the inputs until `shutdown` is set; the batch in
/// hand is committed first.
///
/// # Errors
///
/// When the clients cannot be created, the instance is fenced, or the
/// transaction state is fatally broken: the caller restarts the processor.
pub fn run(
    settings: &KafkaSettings,
    config: &LoopConfig,
    transform: &mut dyn Transform,
    shutdown: &AtomicBool,
    stats: Arc<LoopStats>,
) -> Result<(), LoopError> {
    let context = RebalanceContext {
        generation: AtomicU64::new(0),
        stats: Arc::clone(&stats),
    };
    let consumer: BaseConsumer<RebalanceContext> = settings
        .consumer(&config.group_id)
        .set("group.instance.id", &config.transactional_id)
        // Partition n of every input goes to the same member: the halves of
        // a document meet, and a changelog partition follows its inputs.
        .set("partition.assignment.strategy", "range")
        // Statistics (for the lag metric) every 5 s.
        .set("statistics.interval.ms", "5000")
        .create_with_context(context)?;
    let producer: ThreadedProducer<DefaultProducerContext> = settings
        .transactional_producer(&config.transactional_id)
        .create()?;
    watched(&stats, || producer.init_transactions(config.call_timeout))?;
    let inputs: Vec<&str> = config.inputs.iter().map(String::as_str).collect();
    consumer.subscribe(&inputs)?;
    transform.attach(Arc::clone(&stats));

    let mut outputs = Vec::new();
    // The rebalance generation whose partitions' state is in memory.
    let mut restored_generation = None;
    // Kafka-side transaction failures since the last commit.
    let mut failed_in_a_row = 0;
    while !shutdown.load(Ordering::SeqCst) {
        let batch = collect(&consumer, config, &stats);
        if let Some((code, reason)) = consumer
            .client()
            .fatal_error()
            .or_else(|| producer.client().fatal_error())
        {
            return Err(LoopError::Fatal(code, reason));
        }
        let generation = consumer.context().generation.load(Ordering::SeqCst);
        if restored_generation != Some(generation) {
            let assignment = consumer.assignment()?;
            if assignment.count() == 0 {
                continue;
            }
            if let Some(changelog) = transform.changelog() {
                let changelog = changelog.to_owned();
                transform.reset();
                let applied = restore(settings, &changelog, &assignment, transform, shutdown)?;
                stats.restored.fetch_add(applied, Ordering::Relaxed);
                tracing::info!(%changelog, applied, "state restored");
            }
            restored_generation = Some(generation);
            stats.ready.store(true, Ordering::SeqCst);
        }
        if !batch.is_empty() {
            stats
                .consumed
                .fetch_add(batch.len() as u64, Ordering::Relaxed);
        }
        outputs.clear();
        let started = Instant::now();
        let step = if batch.is_empty() {
            transform.tick(now_ms(), &mut outputs);
            if outputs.is_empty() {
                continue;
            }
            commit(
                None,
                &producer,
                config,
                transform,
                &[],
                &mut outputs,
                &stats,
            )
        } else {
            for message in &batch {
                handle(transform, message, &mut outputs);
            }
            transform.tick(now_ms(), &mut outputs);
            stats.transform_latency.observe(started.elapsed());
            commit(
                Some(&consumer),
                &producer,
                config,
                transform,
                &batch,
                &mut outputs,
                &stats,
            )
        };
        match step {
            Ok(produced) => {
                failed_in_a_row = 0;
                stats.produced.fetch_add(produced, Ordering::Relaxed);
                stats.committed.fetch_add(1, Ordering::Relaxed);
            }
            Err(StepError::Kafka(KafkaError::Transaction(error))) if error.is_fatal() => {
                return Err(LoopError::Fenced(KafkaError::Transaction(error)));
            }
            Err(error) => {
                tracing::warn!(%error, records = batch.len(), "transaction aborted; rewinding");
                stats.aborted.fetch_add(1, Ordering::Relaxed);
                // A failed settle comes before the transaction begins: there
                // is nothing to abort.
                if let StepError::Kafka(_) = error {
                    failed_in_a_row += 1;
                    let abort = watched(&stats, || producer.abort_transaction(config.call_timeout));
                    if let Err(abort) = abort {
                        if matches!(&abort, KafkaError::Transaction(e) if e.is_fatal()) {
                            return Err(LoopError::Fenced(abort));
                        }
                        // A transaction that can be neither committed nor
                        // aborted leaves the producer unusable: new clients
                        // take over, fencing whatever this one left open.
                        return Err(LoopError::Client(abort));
                    }
                    if failed_in_a_row >= MAX_FAILED_IN_A_ROW {
                        return Err(LoopError::Stuck(failed_in_a_row));
                    }
                }
                rewind(&consumer, &batch, config.call_timeout);
                // Memory may hold what was not committed: rebuild it.
                restored_generation = None;
                stats.ready.store(false, Ordering::SeqCst);
            }
        }
    }
    tracing::info!("stopping: no transaction open");
    Ok(())
}

/// How long a batch in collection waits for one more record before it
/// closes: long enough for records already on their way from the consumer's
/// fetcher thread, far shorter than a transaction.
const LINGER: Duration = Duration::from_millis(1);

/// Polls up to a batch of records. Records polled before a rebalance that
/// happened during collection are dropped.
fn collect(
    consumer: &BaseConsumer<RebalanceContext>,
    config: &LoopConfig,
    stats: &LoopStats,
) -> Vec<OwnedMessage> {
    let mut batch: Vec<(u64, OwnedMessage)> = Vec::new();
    let mut deadline = None;
    while batch.len() < config.max_batch {
        let wait = match deadline {
            None => Duration::from_millis(100),
            Some(at) => match Instant::checked_duration_since(&at, Instant::now()) {
                Some(left) if !left.is_zero() => left.min(LINGER),
                _ => break,
            },
        };
        let polled = consumer.poll(wait);
        let generation = consumer.context().generation.load(Ordering::SeqCst);
        match polled {
            // Nothing came in the first wait, or nothing more is waiting.
            None => break,
            Some(Ok(message)) => {
                deadline.get_or_insert_with(|| Instant::now() + config.max_wait);
                batch.push((generation, message.detach()));
            }
            Some(Err(KafkaError::PartitionEOF(_))) => {}
            Some(Err(error)) => {
                // librdkafka retries broker faults itself; these are reports.
                tracing::warn!(%error, "consumer error");
                break;
            }
        }
    }
    let current = consumer.context().generation.load(Ordering::SeqCst);
    let before = batch.len();
    let kept: Vec<OwnedMessage> = batch
        .into_iter()
        .filter(|(generation, _)| *generation == current)
        .map(|(_, message)| message)
        .collect();
    let dropped = (before - kept.len()) as u64;
    if dropped > 0 {
        stats
            .dropped_after_rebalance
            .fetch_add(dropped, Ordering::Relaxed);
    }
    kept
}

/// Hands one record to the transform.
fn handle(transform: &mut dyn Transform, message: &OwnedMessage, outputs: &mut Vec<OutputRecord>) {
    let headers: Vec<(&str, &[u8])> = message
        .headers()
        .map(|h| {
            h.iter()
                .filter_map(|Header { key, value }| Some((key, value?)))
                .collect()
        })
        .unwrap_or_default();
    let record = InputRecord {
        topic: message.topic(),
        partition: message.partition(),
        offset: message.offset(),
        key: message.key(),
        payload: message.payload(),
        headers,
        timestamp_ms: message.timestamp().to_millis(),
    };
    // One span per record: whatever the transform logs names the record.
    let span = tracing::debug_span!(
        "record",
        topic = record.topic,
        partition = record.partition,
        offset = record.offset
    );
    span.in_scope(|| transform.transform(&record, outputs));
}

/// One transaction: the batch's outputs, settled outside Kafka first, then
/// the offsets after its records (when the consumer is given).
fn commit(
    consumer: Option<&BaseConsumer<RebalanceContext>>,
    producer: &ThreadedProducer<DefaultProducerContext>,
    config: &LoopConfig,
    transform: &mut dyn Transform,
    batch: &[OwnedMessage],
    outputs: &mut Vec<OutputRecord>,
    stats: &LoopStats,
) -> Result<u64, StepError> {
    transform.flush(outputs);
    let started = Instant::now();
    transform.settle(outputs).map_err(StepError::Settle)?;
    stats.settle_latency.observe(started.elapsed());

    let started = Instant::now();
    producer.begin_transaction()?;
    let produced = outputs.len() as u64;
    for output in outputs.drain(..) {
        send(producer, output, config.call_timeout)?;
    }
    if let Some(consumer) = consumer {
        let mut next_offsets: BTreeMap<(&str, i32), i64> = BTreeMap::new();
        for message in batch {
            next_offsets.insert((message.topic(), message.partition()), message.offset() + 1);
        }
        let mut offsets = TopicPartitionList::new();
        for ((topic, partition), offset) in &next_offsets {
            offsets.add_partition_offset(topic, *partition, Offset::Offset(*offset))?;
        }
        // Without group metadata the offsets cannot be fenced by generation.
        let metadata = consumer
            .group_metadata()
            .ok_or(KafkaError::Rebalance(RDKafkaErrorCode::State))?;
        watched(stats, || {
            producer.send_offsets_to_transaction(&offsets, &metadata, config.call_timeout)
        })?;
    }
    settle_deliveries(producer, config.call_timeout);
    watched(stats, || producer.commit_transaction(config.call_timeout))?;
    stats.commit_latency.observe(started.elapsed());
    Ok(produced)
}

/// Waits until every record sent in the transaction is acknowledged.
///
/// `commit_transaction` flushes first, and while records are in flight the
/// client's flush polls the producer's event queue for up to 100 ms at a
/// time; with a threaded producer that queue is drained by its own thread,
/// so each commit would sit out the whole 100 ms. Waiting here in short
/// steps lets the commit find nothing left to flush.
fn settle_deliveries(producer: &ThreadedProducer<DefaultProducerContext>, timeout: Duration) {
    // A zero-timeout flush sends lingering batches at once.
    let _ = producer.flush(Duration::ZERO);
    let deadline = Instant::now() + timeout;
    while producer.in_flight_count() > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Milliseconds since the epoch, by this machine's clock.
fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Rebuilds a transform's state from the committed changelog of the
/// partitions in `assignment`; returns how many records were applied.
fn restore(
    settings: &KafkaSettings,
    changelog: &str,
    assignment: &TopicPartitionList,
    transform: &mut dyn Transform,
    shutdown: &AtomicBool,
) -> Result<u64, KafkaError> {
    let mut partitions: Vec<i32> = assignment
        .elements()
        .iter()
        .map(|e| e.partition())
        .collect();
    partitions.sort_unstable();
    partitions.dedup();

    let reader: BaseConsumer = settings
        .consumer("veredicto-restore")
        .set("enable.partition.eof", "true")
        .create()?;
    let mut list = TopicPartitionList::new();
    let mut open = std::collections::BTreeSet::new();
    for &partition in &partitions {
        let (low, high) = reader.fetch_watermarks(changelog, partition, Duration::from_secs(30))?;
        if high > low {
            list.add_partition_offset(changelog, partition, Offset::Beginning)?;
            open.insert(partition);
        }
    }
    if open.is_empty() {
        return Ok(0);
    }
    reader.assign(&list)?;
    let mut applied = 0u64;
    // An end of partition is reported at the last stable offset under
    // read_committed: everything committed has been read.
    while !open.is_empty() && !shutdown.load(Ordering::SeqCst) {
        match reader.poll(Duration::from_millis(500)) {
            None => {}
            Some(Ok(message)) => {
                transform.restore(
                    message.partition(),
                    message.key().unwrap_or_default(),
                    message.payload(),
                );
                applied += 1;
            }
            Some(Err(KafkaError::PartitionEOF(partition))) => {
                open.remove(&partition);
            }
            Some(Err(error)) => tracing::warn!(%error, "while restoring state"),
        }
    }
    Ok(applied)
}

/// Produces one record, waiting while the local queue is full.
fn send(
    producer: &ThreadedProducer<DefaultProducerContext>,
    output: OutputRecord,
    timeout: Duration,
) -> Result<(), KafkaError> {
    let mut headers = OwnedHeaders::new_with_capacity(output.headers.len());
    for (key, value) in &output.headers {
        headers = headers.insert(Header {
            key,
            value: Some(value),
        });
    }
    let mut record: BaseRecord<'_, [u8], [u8]> = BaseRecord::to(&output.topic)
        .key(output.key.as_slice())
        .headers(headers);
    if let Some(payload) = &output.payload {
        record = record.payload(payload.as_slice());
    }
    if let Some(partition) = output.partition {
        record = record.partition(partition);
    }
    let deadline = Instant::now() + timeout;
    loop {
        match producer.send(record) {
            Ok(()) => return Ok(()),
            Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back))
                if Instant::now() < deadline =>
            {
                record = back;
                std::thread::sleep(Duration::from_millis(5));
            }
            Err((error, _)) => return Err(error),
        }
    }
}

/// After an abort: every partition of the batch goes back to its committed
/// offset, so its records are read and handled again.
fn rewind(consumer: &BaseConsumer<RebalanceContext>, batch: &[OwnedMessage], timeout: Duration) {
    let mut partitions = TopicPartitionList::new();
    for message in batch {
        if partitions
            .find_partition(message.topic(), message.partition())
            .is_none()
        {
            partitions.add_partition(message.topic(), message.partition());
        }
    }
    let committed = match consumer.committed_offsets(partitions, timeout) {
        Ok(committed) => committed,
        Err(error) => {
            tracing::warn!(%error, "cannot read committed offsets to rewind");
            return;
        }
    };
    for element in committed.elements() {
        let offset = match element.offset() {
            Offset::Offset(o) => Offset::Offset(o),
            _ => Offset::Beginning,
        };
        if let Err(error) = consumer.seek(element.topic(), element.partition(), offset, timeout) {
            // Not ours any more: its new owner starts from the committed offset.
            let (topic, partition) = (element.topic(), element.partition());
            tracing::info!(%error, topic, partition, "not rewound");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_in_progress_counts_as_hung_only_past_the_limit() {
        let stats = LoopStats::default();
        let limit = Duration::from_secs(70);
        assert_eq!(hung_call(&stats, limit), None, "no call");
        let answer = watched(&stats, || {
            assert_eq!(hung_call(&stats, limit), None, "a call just begun");
            42
        });
        assert_eq!(answer, 42);
        assert_eq!(hung_call(&stats, limit), None, "the call returned");

        stats
            .call_started_ms
            .store(now_ms() - 71_000, Ordering::SeqCst);
        let running = hung_call(&stats, limit).expect("a call running for 71 s");
        assert!(running >= Duration::from_secs(71), "{running:?}");
    }
}
