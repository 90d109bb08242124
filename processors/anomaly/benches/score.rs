//! Scoring speed and issuer memory, without criterion: forges a stream, fits
//! a model on its warm-up, then times feature extraction and scoring of the
//! test phase one document per call and in batches of 1,000 (parsing
//! excluded), and reports bytes per issuer. Prints one JSON object; with
//! `VEREDICTO_BENCH_FEATURES=PATH` also writes the feature matrix as CSV for
//! `bench/anomaly.py`.
#![allow(clippy::unwrap_used)]

use std::io::Write as _;
use std::sync::Arc;
use std::time::Instant;

use veredicto_anomaly::training::{self, ForestOptions};
use veredicto_anomaly::{Feature, IssuerProfile, Model, Scorer};
use veredicto_forge::{StreamConfig, write_stream};
use veredicto_xml::{Document, Limits, parse};

fn main() {
    let issuers: usize = std::env::var("BENCH_ISSUERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let dir = std::env::temp_dir().join(format!("veredicto-anomaly-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let config = StreamConfig {
        seed: 5,
        issuers,
        days: 60,
        warmup_days: 30,
        ..StreamConfig::default()
    };
    write_stream(&dir, &config).unwrap();
    let labels = std::fs::read_to_string(dir.join("labels.csv")).unwrap();
    let docs: Vec<(bool, Document)> = labels
        .lines()
        .skip(1)
        .map(|line| {
            let cols: Vec<&str> = line.split(',').collect();
            let bytes = std::fs::read(dir.join(cols[1])).unwrap();
            (
                cols[2] == "test",
                parse(&bytes, &Limits::default()).unwrap().0,
            )
        })
        .collect();
    let _ = std::fs::remove_dir_all(&dir);

    // Fit on the warm-up, timing the fit.
    let fit_started = Instant::now();
    let mut model = Model::untrained("bench", "0");
    let mut scorer = Scorer::new(Arc::new(model.clone()));
    let rows: Vec<_> = docs
        .iter()
        .filter(|d| !d.0)
        .flat_map(|d| scorer.features(&d.1).into_iter().flatten())
        .collect();
    model.priors = training::learn_priors(&rows, scorer.issuers().profiles());
    let values: Vec<_> = rows.iter().map(|r| r.values).collect();
    training::fit(&mut model, &values, ForestOptions::default());
    let fit_seconds = fit_started.elapsed().as_secs_f64();
    let model = Arc::new(model);

    if let Ok(path) = std::env::var("VEREDICTO_BENCH_FEATURES") {
        let mut w = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
        let names: Vec<&str> = Feature::ALL.iter().map(|f| f.name()).collect();
        writeln!(w, "phase,{}", names.join(",")).unwrap();
        let mut probe = Scorer::new(Arc::clone(&model));
        for (test, doc) in &docs {
            for row in probe.features(doc).into_iter().flatten() {
                let v: Vec<String> = row.values.iter().map(|x| format!("{x:.6}")).collect();
                writeln!(
                    w,
                    "{},{}",
                    if *test { "test" } else { "warmup" },
                    v.join(",")
                )
                .unwrap();
            }
        }
    }

    // One document per call: warm-up builds state, the test phase is timed.
    let mut scorer = Scorer::new(Arc::clone(&model));
    for (_, doc) in docs.iter().filter(|d| !d.0) {
        scorer.score(doc);
    }
    let state = scorer.clone();
    let test: Vec<&Document> = docs.iter().filter(|d| d.0).map(|d| &d.1).collect();
    let mut latencies = Vec::with_capacity(test.len());
    for doc in &test {
        let t = Instant::now();
        std::hint::black_box(scorer.score(doc));
        latencies.push(t.elapsed().as_nanos() as f64 / 1000.0);
    }
    latencies.sort_by(f64::total_cmp);
    let pct = |p: f64| latencies[((latencies.len() as f64 - 1.0) * p) as usize];
    let single_rate = latencies.len() as f64 / (latencies.iter().sum::<f64>() / 1e6);

    // Batches of 1,000 from the same state.
    let mut scorer = state;
    let started = Instant::now();
    for chunk in test.chunks(1000) {
        for doc in chunk {
            std::hint::black_box(scorer.score(doc));
        }
    }
    let batch_rate = test.len() as f64 / started.elapsed().as_secs_f64();

    // Memory per issuer: a store of 200,000 profiles.
    let mut big = Scorer::with_capacity(Arc::clone(&model), 200_000);
    let profile = IssuerProfile::default();
    for i in 0..200_000u64 {
        big.restore(&format!("{}-1", 1_000_000 + i), profile.clone());
    }
    let per_issuer = big.issuers().bytes() as f64 / 200_000.0;

    println!(
        "{{\"documents\": {}, \"fit_seconds\": {fit_seconds:.3}, \
         \"single_per_second\": {single_rate:.0}, \
         \"p50_us\": {:.2}, \"p99_us\": {:.2}, \"max_us\": {:.2}, \
         \"batch_per_second\": {batch_rate:.0}, \
         \"profile_bytes\": {}, \"bytes_per_issuer\": {per_issuer:.0}, \
         \"million_issuers_mib\": {:.0}}}",
        test.len(),
        pct(0.5),
        pct(0.99),
        latencies[latencies.len() - 1],
        IssuerProfile::BYTES,
        per_issuer * 1e6 / (1024.0 * 1024.0)
    );
}
