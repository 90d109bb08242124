//! The broker behaves as the processors rely on: transactions hide aborted
//! records from `read_committed` consumers, and a consumer group hands
//! partitions over at committed offsets.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use rdkafka::Message;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use rdkafka::types::RDKafkaErrorCode;

use crate::util::{create_topic, kafka, unique};

const TIMEOUT: Duration = Duration::from_secs(30);

/// Reads a topic to its end and returns the values seen, in order per partition.
fn drain(consumer: &BaseConsumer, partitions: usize) -> Vec<String> {
    let mut values = Vec::new();
    let mut at_end = BTreeSet::new();
    let deadline = Instant::now() + TIMEOUT;
    while at_end.len() < partitions {
        assert!(
            Instant::now() < deadline,
            "topic not drained in {TIMEOUT:?}"
        );
        match consumer.poll(Duration::from_millis(100)) {
            None => {}
            Some(Ok(message)) => {
                values.push(String::from_utf8(message.payload().unwrap().to_vec()).unwrap());
            }
            Some(Err(KafkaError::PartitionEOF(partition))) => {
                at_end.insert(partition);
            }
            Some(Err(error)) => panic!("consumer error: {error}"),
        }
    }
    values
}

fn consumer(group: &str, isolation: &str) -> BaseConsumer {
    kafka()
        .consumer(group)
        .set("isolation.level", isolation)
        .set("enable.partition.eof", "true")
        .create()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn read_committed_consumers_see_only_committed_transactions() {
    let topic = unique("it_tx");
    create_topic(&topic, 3).await;

    let topic_for_producer = topic.clone();
    tokio::task::spawn_blocking(move || {
        let producer: ThreadedProducer<DefaultProducerContext> = kafka()
            .transactional_producer(&unique("it_tx_id"))
            .create()
            .unwrap();
        producer.init_transactions(TIMEOUT).unwrap();

        producer.begin_transaction().unwrap();
        for i in 0..10 {
            let key = format!("issuer-{}", i % 4);
            let value = format!("aborted-{i}");
            producer
                .send(
                    BaseRecord::to(&topic_for_producer)
                        .key(&key)
                        .payload(&value),
                )
                .map_err(|(e, _)| e)
                .unwrap();
        }
        producer.flush(TIMEOUT).unwrap();
        producer.abort_transaction(TIMEOUT).unwrap();

        producer.begin_transaction().unwrap();
        for i in 0..10 {
            let key = format!("issuer-{}", i % 4);
            let value = format!("committed-{i}");
            producer
                .send(
                    BaseRecord::to(&topic_for_producer)
                        .key(&key)
                        .payload(&value),
                )
                .map_err(|(e, _)| e)
                .unwrap();
        }
        producer.commit_transaction(TIMEOUT).unwrap();
    })
    .await
    .unwrap();

    let committed = consumer(&unique("it_tx_rc"), "read_committed");
    committed.subscribe(&[&topic]).unwrap();
    let mut seen = drain(&committed, 3);
    seen.sort();
    let mut expected: Vec<String> = (0..10).map(|i| format!("committed-{i}")).collect();
    expected.sort();
    assert_eq!(seen, expected);

    // The aborted batch really reached the log: an uncommitted reader sees it.
    let uncommitted = consumer(&unique("it_tx_ru"), "read_uncommitted");
    uncommitted.subscribe(&[&topic]).unwrap();
    let everything = drain(&uncommitted, 3);
    assert_eq!(everything.len(), 20);
    assert_eq!(
        everything
            .iter()
            .filter(|v| v.starts_with("aborted-"))
            .count(),
        10
    );
}

/// Polls a member once; records what it consumed and commits each record
/// before the next poll, as a processor that finished it would.
fn poll_and_commit(
    member: &BaseConsumer,
    seen: &mut BTreeMap<(i32, i64), usize>,
    who: usize,
) -> bool {
    match member.poll(Duration::from_millis(50)) {
        Some(Ok(message)) => {
            let previous = seen.insert((message.partition(), message.offset()), who);
            assert!(
                previous.is_none(),
                "record {}/{} consumed twice (by {previous:?} then {who})",
                message.partition(),
                message.offset()
            );
            member.commit_message(&message, CommitMode::Sync).unwrap();
            true
        }
        Some(Err(KafkaError::PartitionEOF(_))) | None => false,
        Some(Err(error)) => panic!("member {who}: {error}"),
    }
}

fn produce(topic: &str, range: std::ops::Range<u32>) {
    let producer: ThreadedProducer<DefaultProducerContext> = kafka().producer().create().unwrap();
    for i in range {
        let key = format!("issuer-{}", i % 17);
        let value = format!("doc-{i}");
        loop {
            match producer.send(BaseRecord::to(topic).key(&key).payload(&value)) {
                Ok(()) => break,
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), _)) => {
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err((error, _)) => panic!("produce: {error}"),
            }
        }
    }
    producer.flush(TIMEOUT).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_group_rebalances_and_resumes_from_committed_offsets() {
    let topic = unique("it_group");
    create_topic(&topic, 4).await;
    let group = unique("it_group");

    tokio::task::spawn_blocking(move || {
        produce(&topic, 0..100);
        let mut seen = BTreeMap::new();

        // The first member alone takes every partition and works through part
        // of the backlog.
        let first = consumer(&group, "read_committed");
        first.subscribe(&[&topic]).unwrap();
        let deadline = Instant::now() + TIMEOUT;
        while seen.len() < 60 {
            assert!(
                Instant::now() < deadline,
                "first member consumed {}",
                seen.len()
            );
            poll_and_commit(&first, &mut seen, 1);
        }

        // A second member joins: the group rebalances and both share the rest.
        // Partitions that move start at the offsets the first one committed.
        // The rest of the backlog is produced once the rebalance is done, so
        // a slow join cannot leave the first member all of it.
        let second = consumer(&group, "read_committed");
        second.subscribe(&[&topic]).unwrap();
        let deadline = Instant::now() + TIMEOUT;
        while second.assignment().unwrap().count() == 0 {
            assert!(
                Instant::now() < deadline,
                "the second member got no partitions"
            );
            poll_and_commit(&first, &mut seen, 1);
            poll_and_commit(&second, &mut seen, 2);
        }
        produce(&topic, 100..200);
        let deadline = Instant::now() + TIMEOUT;
        while seen.len() < 200 {
            assert!(
                Instant::now() < deadline,
                "both members consumed {}",
                seen.len()
            );
            poll_and_commit(&first, &mut seen, 1);
            poll_and_commit(&second, &mut seen, 2);
        }
        let first_assigned = first.assignment().unwrap().count();
        let second_assigned = second.assignment().unwrap().count();
        assert_eq!(first_assigned + second_assigned, 4);
        assert!(
            first_assigned > 0 && second_assigned > 0,
            "{first_assigned} + {second_assigned}"
        );
        assert!(
            seen.values().any(|&who| who == 2),
            "the second member consumed nothing"
        );
        drop(first);
        drop(second);

        // A later member of the same group starts where the group left off:
        // it sees only what is produced after.
        produce(&topic, 200..230);
        let third = consumer(&group, "read_committed");
        third.subscribe(&[&topic]).unwrap();
        let mut later = drain(&third, 4);
        later.sort();
        let mut expected: Vec<String> = (200..230).map(|i| format!("doc-{i}")).collect();
        expected.sort();
        assert_eq!(later, expected);
    })
    .await
    .unwrap();
}
