#![allow(clippy::unwrap_used)]

//! End-to-end throughput and latency of the three processors on the real
//! broker and database, at fixed offered loads.
//!
//! Forged documents are published to `dte.ingest` at 100, 1,000 and 5,000
//! DTE/s (set `VEREDICTO_BENCH_LOADS` to change them); a `read_committed`
//! reader of `dte.verdicts` takes the time each verdict arrives. Latency is
//! arrival minus the ingest record's timestamp (both on this machine's
//! clock); throughput is verdicts per second over each load's window. The
//! report goes to standard output as Markdown. `make bench-pipeline` runs
//! it with release binaries on the stack of `make up`.

// Shared with the integration tests, which use more of them.
#[allow(dead_code)]
#[path = "../tests/integration/pipeline.rs"]
mod pipeline;
#[allow(dead_code)]
#[path = "../tests/integration/util.rs"]
mod util;

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rdkafka::Message;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use veredicto_validator::Verdict;

use pipeline::{Pipeline, forge};
use util::{kafka, unique};

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// What one load gave.
struct Outcome {
    offered: usize,
    published: usize,
    received: usize,
    seconds: f64,
    latencies_ms: Vec<i64>,
}

impl Outcome {
    fn percentile(&self, p: f64) -> i64 {
        if self.latencies_ms.is_empty() {
            return -1;
        }
        let i = ((self.latencies_ms.len() - 1) as f64 * p).round() as usize;
        self.latencies_ms[i]
    }
}

/// Publishes at `rate` for `seconds` from the records (cycled), while a
/// reader takes the verdicts' arrival times.
fn run_load(suffix: &str, records: &[(String, Vec<u8>)], rate: usize, seconds: u64) -> Outcome {
    let verdicts = format!("{}-{suffix}", veredicto_topics::VERDICTS);
    let reader: BaseConsumer = kafka()
        .consumer(&unique("bench_read"))
        .set("auto.offset.reset", "latest")
        .set("fetch.wait.max.ms", "5")
        .create()
        .unwrap();
    reader.subscribe(&[&verdicts]).unwrap();
    // Wait for the assignment before publishing, so nothing is missed.
    let ready = Instant::now();
    while reader.assignment().map_or(0, |a| a.count()) == 0
        && ready.elapsed() < Duration::from_secs(30)
    {
        reader.poll(Duration::from_millis(100));
    }
    for _ in 0..10 {
        reader.poll(Duration::from_millis(100));
    }

    let topic = format!("{}-{suffix}", veredicto_topics::INGEST);
    let total = rate * seconds as usize;
    let publisher = {
        let records = records.to_vec();
        std::thread::spawn(move || {
            let producer: ThreadedProducer<DefaultProducerContext> =
                kafka().producer().set("linger.ms", "1").create().unwrap();
            let started = Instant::now();
            let tick = Duration::from_millis(10);
            let per_tick = (rate / 100).max(1);
            let mut sent = 0;
            let mut ticks = 0u32;
            while sent < total {
                for _ in 0..per_tick.min(total - sent) {
                    let (key, bytes) = &records[sent % records.len()];
                    while producer
                        .send(BaseRecord::to(&topic).key(key).payload(bytes))
                        .is_err()
                    {
                        std::thread::sleep(Duration::from_millis(1));
                    }
                    sent += 1;
                }
                ticks += 1;
                if let Some(wait) = (tick * ticks).checked_sub(started.elapsed()) {
                    std::thread::sleep(wait);
                }
            }
            producer.flush(Duration::from_secs(60)).unwrap();
            sent
        })
    };

    let mut latencies = Vec::with_capacity(total);
    let mut first = None;
    let mut last = Instant::now();
    let deadline = Instant::now() + Duration::from_secs(seconds + 120);
    while latencies.len() < total && Instant::now() < deadline {
        if let Some(Ok(message)) = reader.poll(Duration::from_millis(50)) {
            let arrived = now_ms();
            let Ok(verdict) =
                serde_json::from_slice::<Verdict>(message.payload().unwrap_or_default())
            else {
                continue;
            };
            if let Some(ingested) = verdict.source.ingested_ms {
                latencies.push(arrived - ingested);
                first.get_or_insert_with(Instant::now);
                last = Instant::now();
            }
        }
    }
    let published = publisher.join().unwrap();
    latencies.sort_unstable();
    let seconds = first.map_or(0.0, |f| last.duration_since(f).as_secs_f64());
    Outcome {
        offered: rate,
        published,
        received: latencies.len(),
        seconds,
        latencies_ms: latencies,
    }
}

fn main() {
    let loads: Vec<usize> = std::env::var("VEREDICTO_BENCH_LOADS")
        .unwrap_or_else(|_| "100,1000,5000".into())
        .split(',')
        .map(|s| s.trim().parse().unwrap())
        .collect();
    let seconds: u64 = std::env::var("VEREDICTO_BENCH_SECONDS").map_or(20, |s| s.parse().unwrap());
    let documents: u64 =
        std::env::var("VEREDICTO_BENCH_DOCUMENTS").map_or(20_000, |s| s.parse().unwrap());

    eprintln!("forging {documents} documents");
    let corpus = forge(documents, 99);
    let records = corpus.records();
    let average = records.iter().map(|(_, b)| b.len()).sum::<usize>() / records.len();
    let mut pipeline = Pipeline::new(6, &corpus.dir.join("trust"));
    pipeline.max_batch = 1000;
    pipeline.start_all();
    // Let the processors join their groups.
    std::thread::sleep(Duration::from_secs(8));

    let mut outcomes = Vec::new();
    for &rate in &loads {
        eprintln!("offering {rate} DTE/s for {seconds} s");
        let outcome = run_load(&pipeline.suffix, &records, rate, seconds);
        eprintln!(
            "  received {} of {}, p50 {} ms, p99 {} ms",
            outcome.received,
            outcome.published,
            outcome.percentile(0.5),
            outcome.percentile(0.99)
        );
        outcomes.push(outcome);
        // Drain before the next load.
        std::thread::sleep(Duration::from_secs(5));
    }
    pipeline.stop_all();
    std::fs::remove_dir_all(&corpus.dir).ok();

    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!("# Pipeline benchmark\n");
    println!(
        "The validator, anomaly scorer and joiner (release build, one instance each, 6 \
         partitions, up to 1,000 records a transaction) on the local stack (Kafka and \
         Cassandra on the same machine), \
         {cores} cores. Forged documents of {:.1} KiB on average, published keyed by \
         RUTEmisor at a fixed rate for {seconds} s per load. Latency: a read_committed \
         reader's arrival time of each verdict minus its ingest record's timestamp.\n",
        average as f64 / 1024.0
    );
    println!(
        "| offered DTE/s | published | verdicts | sustained verdicts/s \
         | p50 ms | p90 ms | p99 ms | max ms |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|");
    for o in &outcomes {
        let sustained = if o.seconds > 0.0 {
            o.received as f64 / o.seconds
        } else {
            0.0
        };
        println!(
            "| {} | {} | {} | {:.0} | {} | {} | {} | {} |",
            o.offered,
            o.published,
            o.received,
            sustained,
            o.percentile(0.5),
            o.percentile(0.9),
            o.percentile(0.99),
            o.latencies_ms.last().copied().unwrap_or(-1)
        );
    }
}
