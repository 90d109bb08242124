//! The validator processor on the real broker: every ingested record ends as
//! exactly one validation result per DTE (as `veredicto check` gives it) or
//! one dead letter, for a `read_committed` reader.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use rdkafka::Message;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::message::Headers;
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use veredicto_runtime::processor::{LoopConfig, LoopStats};
use veredicto_schema::Generation;
use veredicto_stream::Topics;
use veredicto_stream::validator::ValidatorTransform;
use veredicto_validator::{Validator, Verdict};

use crate::util::{create_topic, kafka, unique};

fn validator() -> Validator {
    Validator::new(Generation::load(&veredicto_testkit::schema_generation("2026")).unwrap())
}

/// The inputs: every real sample keyed by its issuer, the attack files and
/// bytes that are not XML.
fn inputs() -> Vec<(String, Vec<u8>)> {
    let mut inputs = Vec::new();
    for folder in ["real/dte", "attacks"] {
        for path in veredicto_testkit::corpus_files(folder) {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let key = name.split("--").nth(1).unwrap_or("unknown").to_owned();
            inputs.push((key, std::fs::read(&path).unwrap()));
        }
    }
    inputs.push(("76354771-K".into(), b"\x00\x01 not xml".to_vec()));
    inputs.push((
        "wrong-key".into(),
        std::fs::read(
            veredicto_testkit::corpus().join("real/dte/DTE--76354771-K--33--170--cleaned.xml"),
        )
        .unwrap(),
    ));
    inputs
}

/// Key, value and headers of a record read back.
type Record = (Vec<u8>, Vec<u8>, Vec<(String, Vec<u8>)>);

fn read_all(topic: &str, expected: usize) -> Vec<Record> {
    let consumer: BaseConsumer = kafka().consumer(&unique("it_read")).create().unwrap();
    consumer.subscribe(&[topic]).unwrap();
    let mut records = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    // Read until the expected count arrived, then a little longer to catch
    // any duplicate.
    let mut quiet_until = None;
    loop {
        if Instant::now() > deadline {
            break;
        }
        if let Some(at) = quiet_until
            && Instant::now() > at
        {
            break;
        }
        match consumer.poll(Duration::from_millis(100)) {
            Some(Ok(message)) => {
                let headers = message
                    .headers()
                    .map(|h| {
                        h.iter()
                            .map(|h| (h.key.to_owned(), h.value.unwrap_or_default().to_vec()))
                            .collect()
                    })
                    .unwrap_or_default();
                records.push((
                    message.key().unwrap_or_default().to_vec(),
                    message.payload().unwrap_or_default().to_vec(),
                    headers,
                ));
                if records.len() >= expected && quiet_until.is_none() {
                    quiet_until = Some(Instant::now() + Duration::from_secs(3));
                }
            }
            Some(Err(KafkaError::PartitionEOF(_))) | None => {}
            Some(Err(error)) => panic!("{error}"),
        }
    }
    records
}

#[tokio::test(flavor = "multi_thread")]
async fn each_record_gives_one_result_per_dte_or_one_dead_letter() {
    let run = unique("it_validator");
    let topics = Topics {
        ingest: format!("{run}-ingest"),
        validation: format!("{run}-validation"),
        anomaly: format!("{run}-anomaly"),
        verdicts: format!("{run}-verdicts"),
        dlq: format!("{run}-dlq"),
    };
    create_topic(&topics.ingest, 3).await;
    create_topic(&topics.validation, 3).await;
    create_topic(&topics.dlq, 1).await;

    let inputs = inputs();
    let offline = validator();
    let mut expected_results = 0;
    let mut expected_dead = 0;
    for (_, bytes) in &inputs {
        let verdicts = offline.check(bytes, "offline");
        if verdicts.iter().all(|v| v.document.is_none()) {
            expected_dead += 1;
        } else {
            expected_results += verdicts.iter().filter(|v| v.document.is_some()).count();
        }
    }

    let ingest = topics.ingest.clone();
    let produced = inputs.clone();
    tokio::task::spawn_blocking(move || {
        let producer: ThreadedProducer<DefaultProducerContext> =
            kafka().producer().create().unwrap();
        for (key, bytes) in &produced {
            producer
                .send(BaseRecord::to(&ingest).key(key).payload(bytes))
                .map_err(|(e, _)| e)
                .unwrap();
        }
        producer.flush(Duration::from_secs(30)).unwrap();
    })
    .await
    .unwrap();

    let shutdown = Arc::new(AtomicBool::new(false));
    let stats = Arc::new(LoopStats::default());
    let config = LoopConfig {
        group_id: format!("{run}-validator"),
        transactional_id: format!("{run}-validator-0"),
        inputs: vec![topics.ingest.clone()],
        max_batch: 7,
        max_wait: Duration::from_millis(50),
        call_timeout: Duration::from_secs(30),
    };
    let worker = {
        let (shutdown, stats, topics) = (Arc::clone(&shutdown), Arc::clone(&stats), topics.clone());
        std::thread::spawn(move || {
            let mut transform = ValidatorTransform::new(validator(), topics);
            veredicto_runtime::processor::run(&kafka(), &config, &mut transform, &shutdown, stats)
        })
    };

    let validation_topic = topics.validation.clone();
    let results =
        tokio::task::spawn_blocking(move || read_all(&validation_topic, expected_results))
            .await
            .unwrap();
    let dlq_topic = topics.dlq.clone();
    let dead = tokio::task::spawn_blocking(move || read_all(&dlq_topic, expected_dead))
        .await
        .unwrap();
    shutdown.store(true, Ordering::SeqCst);
    worker.join().unwrap().unwrap();

    assert_eq!(results.len(), expected_results);
    assert_eq!(dead.len(), expected_dead);
    assert!(
        stats.committed.load(Ordering::Relaxed) >= 2,
        "batches of 7 make several transactions"
    );

    // One result per source record and DTE index, equal to the offline check.
    let mut seen = BTreeMap::new();
    for (key, payload, _) in &results {
        let verdict: Verdict = serde_json::from_slice(payload).unwrap();
        assert!(verdict.partial);
        let source = (verdict.source.file.clone(), verdict.source.index);
        assert!(
            seen.insert(source.clone(), ()).is_none(),
            "duplicate result for {source:?}"
        );
        let offset: i64 = verdict
            .source
            .file
            .rsplit('/')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let partition: i32 = verdict
            .source
            .file
            .rsplit('/')
            .nth(1)
            .unwrap()
            .parse()
            .unwrap();
        assert!(offset >= 0 && partition >= 0);
        // The same verdict `veredicto check` gives the same bytes, but for
        // where it came from, its partial flag and the key check.
        let mut streamed = verdict.clone();
        streamed.findings.retain(|f| f.code != "KEY-MISMATCH");
        let twin = inputs
            .iter()
            .flat_map(|(_, bytes)| offline.check(bytes, "offline"))
            .find(|v| v.document == verdict.document && v.source.index == verdict.source.index)
            .unwrap_or_else(|| panic!("no offline twin for {source:?}"));
        streamed.source = twin.source.clone();
        streamed.partial = false;
        assert_eq!(streamed, twin);
        let mismatch = verdict.findings.iter().any(|f| f.code == "KEY-MISMATCH");
        assert_eq!(mismatch, key.as_slice() == b"wrong-key", "{source:?}");
    }
    for (_, _, headers) in &dead {
        let names: Vec<&str> = headers.iter().map(|(k, _)| k.as_str()).collect();
        for required in [
            "dlq-source-topic",
            "dlq-source-partition",
            "dlq-source-offset",
            "dlq-error-kind",
            "dlq-processor",
        ] {
            assert!(names.contains(&required), "{names:?}");
        }
    }
}
