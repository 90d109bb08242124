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

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext, Rebalance};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header, Headers, Message, OwnedHeaders, OwnedMessage};
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use rdkafka::{ClientContext, Offset, TopicPartitionList};

use crate::kafka::KafkaSettings;

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
    pub payload: Vec<u8>,
    pub headers: Vec<(String, Vec<u8>)>,
    /// A fixed partition (changelogs follow their input partition); `None`
    /// lets the murmur2 partitioner place the record by key.
    pub partition: Option<i32>,
}

/// What a processor does with each record. Deterministic failures (a bad
/// document) become outputs; a transform never fails.
pub trait Transform {
    fn transform(&mut self, record: &InputRecord<'_>, out: &mut Vec<OutputRecord>);
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
    /// Longest wait to fill a batch once its first record arrived.
    pub max_wait: Duration,
    /// Longest a blocking transaction call may take.
    pub call_timeout: Duration,
}

/// Counters a loop keeps, read by metrics and tests.
#[derive(Debug, Default)]
pub struct LoopStats {
    pub consumed: AtomicU64,
    pub produced: AtomicU64,
    pub committed: AtomicU64,
    pub aborted: AtomicU64,
    pub dropped_after_rebalance: AtomicU64,
    /// Whether partitions are currently assigned.
    pub assigned: AtomicBool,
}

/// Why a loop stopped before it was asked to.
#[derive(Debug, thiserror::Error)]
pub enum LoopError {
    #[error("kafka client: {0}")]
    Client(#[from] KafkaError),
    #[error("this instance was fenced by another with the same transactional id: {0}")]
    Fenced(KafkaError),
}

/// Counts rebalances, so records polled before one can be told apart.
struct RebalanceContext {
    generation: AtomicU64,
    stats: Arc<LoopStats>,
}

impl ClientContext for RebalanceContext {}

impl ConsumerContext for RebalanceContext {
    fn post_rebalance(&self, _consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        let assigned = matches!(rebalance, Rebalance::Assign(tpl) if tpl.count() > 0);
        self.stats.assigned.store(assigned, Ordering::SeqCst);
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
        .create_with_context(context)?;
    let producer: ThreadedProducer<DefaultProducerContext> = settings
        .transactional_producer(&config.transactional_id)
        .create()?;
    producer.init_transactions(config.call_timeout)?;
    let inputs: Vec<&str> = config.inputs.iter().map(String::as_str).collect();
    consumer.subscribe(&inputs)?;

    let mut outputs = Vec::new();
    while !shutdown.load(Ordering::SeqCst) {
        let batch = collect(&consumer, config, &stats);
        if batch.is_empty() {
            continue;
        }
        stats
            .consumed
            .fetch_add(batch.len() as u64, Ordering::Relaxed);

        match process(
            &consumer,
            &producer,
            config,
            transform,
            &batch,
            &mut outputs,
        ) {
            Ok(produced) => {
                stats.produced.fetch_add(produced, Ordering::Relaxed);
                stats.committed.fetch_add(1, Ordering::Relaxed);
            }
            Err(KafkaError::Transaction(error)) if error.is_fatal() => {
                return Err(LoopError::Fenced(KafkaError::Transaction(error)));
            }
            Err(error) => {
                tracing::warn!(%error, records = batch.len(), "transaction aborted; rewinding");
                stats.aborted.fetch_add(1, Ordering::Relaxed);
                if let Err(abort) = producer.abort_transaction(config.call_timeout) {
                    if matches!(&abort, KafkaError::Transaction(e) if e.is_fatal()) {
                        return Err(LoopError::Fenced(abort));
                    }
                    tracing::warn!(%abort, "abort failed");
                }
                rewind(&consumer, &batch, config.call_timeout);
            }
        }
    }
    tracing::info!("stopping: no transaction open");
    Ok(())
}

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
                Some(left) if !left.is_zero() => left,
                _ => break,
            },
        };
        let polled = consumer.poll(wait);
        let generation = consumer.context().generation.load(Ordering::SeqCst);
        match polled {
            None => {
                if deadline.is_none() {
                    break;
                }
            }
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

/// One transaction: outputs of every record, then the offsets after them.
fn process(
    consumer: &BaseConsumer<RebalanceContext>,
    producer: &ThreadedProducer<DefaultProducerContext>,
    config: &LoopConfig,
    transform: &mut dyn Transform,
    batch: &[OwnedMessage],
    outputs: &mut Vec<OutputRecord>,
) -> Result<u64, KafkaError> {
    producer.begin_transaction()?;
    let mut produced = 0u64;
    let mut next_offsets: BTreeMap<(String, i32), i64> = BTreeMap::new();
    for message in batch {
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
        outputs.clear();
        transform.transform(&record, outputs);
        for output in outputs.drain(..) {
            send(producer, output, config.call_timeout)?;
            produced += 1;
        }
        next_offsets.insert(
            (message.topic().to_owned(), message.partition()),
            message.offset() + 1,
        );
    }

    let mut offsets = TopicPartitionList::new();
    for ((topic, partition), offset) in &next_offsets {
        offsets.add_partition_offset(topic, *partition, Offset::Offset(*offset))?;
    }
    // Without group metadata the offsets cannot be fenced by generation.
    let metadata = consumer
        .group_metadata()
        .ok_or(KafkaError::Rebalance(RDKafkaErrorCode::State))?;
    producer.send_offsets_to_transaction(&offsets, &metadata, config.call_timeout)?;
    producer.commit_transaction(config.call_timeout)?;
    Ok(produced)
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
    let mut record = BaseRecord::to(&output.topic)
        .key(&output.key)
        .payload(&output.payload)
        .headers(headers);
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
            tracing::info!(%error, topic = element.topic(), partition = element.partition(), "not rewound");
        }
    }
}
