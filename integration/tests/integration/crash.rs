//! Exactly once through crashes: the validator binary is killed with SIGKILL
//! at random moments while it works through a backlog, and restarted. A
//! `read_committed` reader of its output still sees one result per input
//! document, none lost and none twice.

use std::collections::BTreeSet;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rdkafka::Message;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use veredicto_validator::Verdict;

use crate::pipeline::binary;
use crate::util::{create_topic, kafka, next, unique};

fn start(suffix: &str) -> Child {
    Command::new(binary())
        .args([
            "run",
            "validator",
            "--topic-suffix",
            suffix,
            "--max-batch",
            "40",
        ])
        .env("VEREDICTO_KAFKA_BOOTSTRAP", kafka().bootstrap_servers)
        .env(
            "VEREDICTO_SCHEMAS",
            veredicto_testkit::workspace().join("schemas/sii"),
        )
        .env("VEREDICTO_GROUP", format!("group-{suffix}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn sigkill_and_restart_lose_and_duplicate_nothing() {
    let suffix = unique("crash");
    let ingest = format!("{}-{suffix}", veredicto_topics::INGEST);
    let validation = format!("{}-{suffix}", veredicto_topics::VALIDATION);
    create_topic(&ingest, 3).await;
    create_topic(&validation, 3).await;
    create_topic(&format!("{}-{suffix}", veredicto_topics::DLQ), 1).await;

    // A backlog of real documents, each a DTE of its own.
    let samples: Vec<(String, Vec<u8>)> = veredicto_testkit::corpus_files("real/dte")
        .into_iter()
        .filter(|p| p.to_string_lossy().ends_with("--cleaned.xml"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (
                name.split("--").nth(1).unwrap().to_owned(),
                std::fs::read(p).unwrap(),
            )
        })
        .collect();
    const DOCUMENTS: usize = 6_000;
    let topic = ingest.clone();
    tokio::task::spawn_blocking(move || {
        let producer: ThreadedProducer<DefaultProducerContext> =
            kafka().producer().create().unwrap();
        for i in 0..DOCUMENTS {
            let (key, bytes) = &samples[i % samples.len()];
            loop {
                match producer.send(BaseRecord::to(&topic).key(key).payload(bytes)) {
                    Ok(()) => break,
                    Err((KafkaError::MessageProduction(_), _)) => {
                        std::thread::sleep(Duration::from_millis(5));
                    }
                    Err((error, _)) => panic!("{error}"),
                }
            }
        }
        producer.flush(Duration::from_secs(60)).unwrap();
    })
    .await
    .unwrap();

    // Kill it four times at random moments, restarting each time.
    let mut seed = 0x00c0_ffee_u64;
    let mut child = start(&suffix);
    for _ in 0..4 {
        let wait = 600 + next(&mut seed) % 1_400;
        tokio::time::sleep(Duration::from_millis(wait)).await;
        child.kill().unwrap();
        child.wait().unwrap();
        child = start(&suffix);
    }

    let topic = validation.clone();
    let results = tokio::task::spawn_blocking(move || {
        let consumer: BaseConsumer = kafka().consumer(&unique("crash_read")).create().unwrap();
        consumer.subscribe(&[&topic]).unwrap();
        let mut sources = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(180);
        let mut last_growth = Instant::now();
        while Instant::now() < deadline {
            match consumer.poll(Duration::from_millis(200)) {
                Some(Ok(message)) => {
                    let verdict: Verdict =
                        serde_json::from_slice(message.payload().unwrap()).unwrap();
                    sources.push(verdict.source.file);
                    last_growth = Instant::now();
                }
                Some(Err(KafkaError::PartitionEOF(_))) | None => {
                    if sources.len() >= DOCUMENTS && last_growth.elapsed() > Duration::from_secs(5)
                    {
                        break;
                    }
                }
                Some(Err(error)) => panic!("{error}"),
            }
        }
        sources
    })
    .await
    .unwrap();

    // A clean stop after the kills: SIGTERM, and the process exits by itself.
    let pid = child.id().to_string();
    Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "{status}");

    let unique_sources: BTreeSet<&String> = results.iter().collect();
    assert_eq!(unique_sources.len(), DOCUMENTS, "lost results");
    assert_eq!(results.len(), DOCUMENTS, "duplicated results");
}
