#![allow(clippy::unwrap_used)]

//! The pipeline through outages of the services themselves: the broker is
//! restarted mid-run, then the database is stopped for thirty seconds.
//! These tests stop the stack's services, so they run on their own, after
//! the other integration tests (`make test-integration`), one at a time.

// Shared with the other integration tests, which use more of them.
#[allow(dead_code)]
#[path = "../integration/pipeline.rs"]
mod pipeline;
#[allow(dead_code)]
#[path = "../integration/util.rs"]
mod util;

use std::process::Command;
use std::time::{Duration, Instant};

use pipeline::{Pipeline, by_key, check, forge};

/// Runs the stack script, as `make up` and `make down` do.
fn stack(args: &[&str]) {
    let script = veredicto_testkit::workspace().join("integration/stack/stack.sh");
    let status = Command::new("bash")
        .arg(script)
        .args(args)
        .status()
        .unwrap();
    assert!(status.success(), "stack.sh {args:?}: {status}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_broker_restart_and_a_database_outage_lose_and_duplicate_nothing() {
    const DOCUMENTS: u64 = 30_000;
    let corpus = forge(DOCUMENTS, 13);
    let trust = corpus.dir.join("trust");
    let mut pipeline = Pipeline::new(3, &trust);
    let records = corpus.records();

    pipeline.start_all();
    // Published at 400 documents a second, so the outages fall mid-run.
    let publish = {
        let suffix = pipeline.suffix.clone();
        tokio::task::spawn_blocking(move || pipeline::publish_paced(&suffix, &records, 400))
    };
    let started = Instant::now();

    tokio::time::sleep(Duration::from_secs(8)).await;
    tokio::task::block_in_place(|| {
        stack(&["down", "kafka"]);
        stack(&["up", "kafka"]);
    });
    eprintln!("broker restarted at {:?}", started.elapsed());

    tokio::time::sleep(Duration::from_secs(5)).await;
    tokio::task::block_in_place(|| stack(&["down", "cassandra"]));
    let stopped = Instant::now();
    tokio::time::sleep(Duration::from_secs(30)).await;
    tokio::task::block_in_place(|| stack(&["up", "cassandra"]));
    eprintln!(
        "database away for {:?}, back at {:?}",
        stopped.elapsed(),
        started.elapsed()
    );

    publish.await.unwrap();
    let verdicts = tokio::task::block_in_place(|| {
        pipeline.verdicts(DOCUMENTS as usize, Duration::from_secs(600))
    });
    pipeline.stop_all();

    pipeline::assert_each_once(&verdicts, DOCUMENTS as usize);
    assert_eq!(by_key(&verdicts), by_key(&check(&corpus, &trust)));

    // Once the database is back, nothing is missing from it.
    let (rows, by_day) = pipeline.rows().await;
    assert_eq!(rows.len(), DOCUMENTS as usize, "database rows");
    assert_eq!(by_day, DOCUMENTS as usize, "rows by day");
    std::fs::remove_dir_all(&corpus.dir).ok();
}
