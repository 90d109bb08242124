#![allow(clippy::unwrap_used)]

//! End-to-end throughput and latency of the three processors on the real
//! broker and database, at fixed offered loads.
//!
//! Forged documents are published to `dte.ingest` at 100, 1,000 and 5,000
//! DTE/s for 60 s each (set `VEREDICTO_BENCH_LOADS` and
//! `VEREDICTO_BENCH_SECONDS` to change them); a `read_committed`
//! reader of `dte.verdicts` takes the time each verdict arrives. Latency is
//! arrival minus the ingest record's timestamp (both on this machine's
//! clock); throughput is verdicts per second over each load's window.
//! Before the first load, a warm-up at 500 DTE/s (`VEREDICTO_BENCH_WARMUP`
//! seconds, 60 by default) lets the broker's and the database's JVMs compile
//! their hot paths; it is not reported. The report goes to standard output
//! as Markdown. `make bench-pipeline` runs
//! it with release binaries on the stack of `make up`.

// Shared with the integration tests, which use more of them.
#[allow(dead_code)]
#[path = "../tests/integration/pipeline.rs"]
mod pipeline;
#[allow(dead_code)]
#[path = "../tests/integration/util.rs"]
mod util;

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rdkafka::Message;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use veredicto_validator::Verdict;

use pipeline::{Kind, Pipeline, forge};
use util::{kafka, unique};

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// The ERP's side: one long-lived idempotent producer for every load, as a
/// connector would keep one, so no load pays for a producer's start.
type Publisher = Arc<ThreadedProducer<DefaultProducerContext>>;

/// What one load gave.
struct Outcome {
    offered: usize,
    published: usize,
    received: usize,
    seconds: f64,
    /// Each processor's loop, from its own metrics.
    loops: Vec<String>,
    latencies_ms: Vec<i64>,
    /// Where the time went, per verdict: ingest to the joiner's decision
    /// (both halves committed and read), decision to the verdict record
    /// (the database upserts), record to a reader (the joiner's commit).
    stages_ms: [Vec<i64>; 3],
}

/// A processor's metrics: series (name with labels) and values.
type Series = std::collections::BTreeMap<String, f64>;

fn scrape(pipeline: &Pipeline) -> Vec<(Kind, Series)> {
    Kind::ALL
        .iter()
        .map(|&kind| (kind, pipeline.metrics(kind).unwrap_or_default()))
        .collect()
}

/// What each processor's own counters say about a load: transactions per
/// second, records per transaction, and each stage's p50 and p99 (as the
/// upper bound of the histogram bucket they fall in).
fn loop_report(kind: Kind, before: &Series, after: &Series, seconds: f64) -> String {
    let delta = |name: &str| after.get(name).unwrap_or(&0.0) - before.get(name).unwrap_or(&0.0);
    let processor = kind.name();
    let label = format!("{{processor=\"{processor}\"}}");
    let committed = delta(&format!("veredicto_transactions_committed_total{label}"));
    let consumed = delta(&format!("veredicto_records_consumed_total{label}"));
    let mut row = format!(
        "| {processor} | {:.0} | {:.1} |",
        committed / seconds.max(1.0),
        consumed / committed.max(1.0)
    );
    for stage in ["transform", "settle", "commit"] {
        let prefix = format!(
            "veredicto_stage_seconds_bucket{{processor=\"{processor}\",stage=\"{stage}\",le="
        );
        let buckets: Vec<(String, f64)> = after
            .keys()
            .filter(|name| name.starts_with(&prefix))
            .map(|name| {
                let bound = name[prefix.len()..].trim_matches(|c| c == '"' || c == '}');
                (bound.to_owned(), delta(name))
            })
            .collect();
        let total = buckets
            .iter()
            .find(|(b, _)| b == "+Inf")
            .map_or(0.0, |(_, n)| *n);
        let mut bounds: Vec<(f64, f64)> = buckets
            .iter()
            .filter_map(|(b, n)| Some((b.parse::<f64>().ok()?, *n)))
            .collect();
        bounds.sort_by(|a, b| a.0.total_cmp(&b.0));
        let quantile = |q: f64| {
            bounds
                .iter()
                .find(|(_, n)| total > 0.0 && *n >= q * total)
                .map_or_else(|| "-".to_owned(), |(b, _)| format!("{}", b * 1000.0))
        };
        row.push_str(&format!(" {} / {} |", quantile(0.5), quantile(0.99)));
    }
    row
}

/// The value at `p` of sorted `values`, or -1 when there are none.
fn percentile(values: &[i64], p: f64) -> i64 {
    if values.is_empty() {
        return -1;
    }
    values[((values.len() - 1) as f64 * p).round() as usize]
}

impl Outcome {
    fn percentile(&self, p: f64) -> i64 {
        percentile(&self.latencies_ms, p)
    }
}

/// Publishes at `rate` for `seconds` from the records (cycled), while a
/// reader takes the verdicts' arrival times.
fn run_load(
    pipeline: &Pipeline,
    producer: &Publisher,
    records: &[(String, Vec<u8>)],
    rate: usize,
    seconds: u64,
) -> Outcome {
    let suffix = &pipeline.suffix;
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
    let before = scrape(pipeline);
    let started = Instant::now();
    let publisher = {
        let records = records.to_vec();
        let producer = Arc::clone(producer);
        std::thread::spawn(move || {
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
    let mut stages: [Vec<i64>; 3] = Default::default();
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
                if let (Some(decided), Some(produced)) =
                    (verdict.decided_ms, message.timestamp().to_millis())
                {
                    stages[0].push(decided - ingested);
                    stages[1].push(produced - decided);
                    stages[2].push(arrived - produced);
                }
                first.get_or_insert_with(Instant::now);
                last = Instant::now();
            }
        }
    }
    let published = publisher.join().unwrap();
    let elapsed = started.elapsed().as_secs_f64();
    let loops = before
        .iter()
        .zip(scrape(pipeline))
        .map(|((kind, before), (_, after))| loop_report(*kind, before, &after, elapsed))
        .collect();
    latencies.sort_unstable();
    for stage in &mut stages {
        stage.sort_unstable();
    }
    let seconds = first.map_or(0.0, |f| last.duration_since(f).as_secs_f64());
    Outcome {
        offered: rate,
        published,
        received: latencies.len(),
        seconds,
        loops,
        latencies_ms: latencies,
        stages_ms: stages,
    }
}

fn main() {
    let loads: Vec<usize> = std::env::var("VEREDICTO_BENCH_LOADS")
        .unwrap_or_else(|_| "100,1000,5000".into())
        .split(',')
        .map(|s| s.trim().parse().unwrap())
        .collect();
    let seconds: u64 = std::env::var("VEREDICTO_BENCH_SECONDS").map_or(60, |s| s.parse().unwrap());
    let warmup: u64 = std::env::var("VEREDICTO_BENCH_WARMUP").map_or(60, |s| s.parse().unwrap());
    let documents: u64 =
        std::env::var("VEREDICTO_BENCH_DOCUMENTS").map_or(20_000, |s| s.parse().unwrap());

    eprintln!("forging {documents} documents");
    let corpus = forge(documents, 99);
    let records = corpus.records();
    let average = records.iter().map(|(_, b)| b.len()).sum::<usize>() / records.len();
    let mut pipeline = Pipeline::new(6, &corpus.dir.join("trust"));
    pipeline.max_batch = 1000;
    pipeline.serve_metrics();
    pipeline.start_all();
    let producer: Publisher = Arc::new(kafka().producer().set("linger.ms", "1").create().unwrap());
    // Let the processors join their groups.
    std::thread::sleep(Duration::from_secs(8));

    if warmup > 0 {
        eprintln!("warming up at 500 DTE/s for {warmup} s");
        run_load(&pipeline, &producer, &records, 500, warmup);
        std::thread::sleep(Duration::from_secs(5));
    }
    let mut outcomes = Vec::new();
    for &rate in &loads {
        eprintln!("offering {rate} DTE/s for {seconds} s");
        let outcome = run_load(&pipeline, &producer, &records, rate, seconds);
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
         RUTEmisor at a fixed rate for {seconds} s per load, after {warmup} s of warm-up \
         at 500 DTE/s. Latency: a read_committed \
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
    println!(
        "\nWhere the time goes (p50 / p99 ms): from ingest to the joiner's decision (both \
         halves transformed, committed and read), from the decision to the verdict record \
         (the database upserts), from the record to a reader (the joiner's commit).\n"
    );
    println!("| offered DTE/s | ingest to decision | decision to record | record to reader |");
    println!("|---:|---:|---:|---:|");
    for o in &outcomes {
        let [join, store, commit] = &o.stages_ms;
        println!(
            "| {} | {} / {} | {} / {} | {} / {} |",
            o.offered,
            percentile(join, 0.5),
            percentile(join, 0.99),
            percentile(store, 0.5),
            percentile(store, 0.99),
            percentile(commit, 0.5),
            percentile(commit, 0.99),
        );
    }
    println!(
        "\nEach processor's loop, from its own metrics over each load: transactions per \
         second, records per transaction, and the p50 / p99 of each stage of a batch in ms \
         (the upper bound of the histogram bucket they fall in): transform, settle (the \
         joiner's database upserts), commit (produce, offsets, commit).\n"
    );
    println!(
        "| offered DTE/s | processor | transactions/s | records per transaction \
         | transform | settle | commit |"
    );
    println!("|---:|---|---:|---:|---:|---:|---:|");
    for o in &outcomes {
        for row in &o.loops {
            println!("| {} {row}", o.offered);
        }
    }
}
