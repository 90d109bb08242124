//! Validation throughput on one core: schema only, and the full check.
//!
//! Reads every `.xml` file under `VEREDICTO_BENCH_CORPUS` into memory, then
//! runs each measurement in rounds for at least `VEREDICTO_BENCH_SECONDS`
//! (default 3) of CPU time on this thread, and prints one JSON object: the
//! median documents per CPU-second of each measurement, peak memory, and the
//! files each judged invalid (so another engine's decisions can be compared).
//! `VEREDICTO_BENCH_TRUST` names a folder of trusted CAF certificates.
//! `make bench-validate` runs it beside libxml2 and xmlschema.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use veredicto_schema::Generation;
use veredicto_validator::{Status, Validator};
use veredicto_xml::Limits;

/// CPU time this thread has used, from the kernel's scheduler statistics.
fn thread_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap();
    let nanos: u64 = stat.split_whitespace().next().unwrap().parse().unwrap();
    Duration::from_nanos(nanos)
}

fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(&path, out);
        } else if path.extension().is_some_and(|e| e == "xml") {
            out.push(path);
        }
    }
}

/// Runs `work` over all documents in rounds of at least a quarter second of
/// CPU time (the kernel's accounting is coarser than one pass over a small
/// corpus); returns the median rate and the indexes of the documents judged
/// invalid.
fn measure(
    documents: &[Vec<u8>],
    budget: Duration,
    mut work: impl FnMut(&[u8]) -> bool,
) -> (f64, Vec<usize>) {
    const ROUND: Duration = Duration::from_millis(250);
    let mut rates = Vec::new();
    let mut invalid = Vec::new();
    let started = thread_cpu();
    while rates.len() < 3 || thread_cpu() - started < budget {
        let before = thread_cpu();
        let mut passes = 0usize;
        while passes == 0 || thread_cpu() - before < ROUND {
            invalid.clear();
            for (i, document) in documents.iter().enumerate() {
                if !work(document) {
                    invalid.push(i);
                }
            }
            passes += 1;
        }
        let spent = (thread_cpu() - before).as_secs_f64();
        rates.push((passes * documents.len()) as f64 / spent);
    }
    rates.sort_by(f64::total_cmp);
    (rates[rates.len() / 2], invalid)
}

fn main() {
    let corpus =
        PathBuf::from(std::env::var("VEREDICTO_BENCH_CORPUS").expect("VEREDICTO_BENCH_CORPUS"));
    let schemas = std::env::var("VEREDICTO_BENCH_SCHEMAS").map_or_else(
        |_| veredicto_schema::newest_generation(&veredicto_schema::default_schema_dir()).unwrap(),
        PathBuf::from,
    );
    let seconds: f64 = std::env::var("VEREDICTO_BENCH_SECONDS").map_or(3.0, |s| s.parse().unwrap());
    let budget = Duration::from_secs_f64(seconds);

    let mut files = Vec::new();
    walk(&corpus, &mut files);
    files.sort();
    let documents: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).unwrap()).collect();
    let bytes: usize = documents.iter().map(Vec::len).sum();

    let compile_started = thread_cpu();
    let generation = Generation::load(&schemas).unwrap();
    let compile_ms = (thread_cpu() - compile_started).as_secs_f64() * 1e3;
    let limits = Limits::default();

    let (schema_rate, schema_invalid) = measure(&documents, budget, |bytes| {
        match veredicto_xml::parse(bytes, &limits) {
            Ok((document, _)) => generation.validate(&document).is_valid(),
            Err(_) => false,
        }
    });
    let (parse_rate, _) = measure(&documents, budget, |bytes| {
        veredicto_xml::parse(bytes, &limits).is_ok()
    });

    let trust = match std::env::var_os("VEREDICTO_BENCH_TRUST") {
        Some(dir) => veredicto_signature::TrustStore::from_dir(dir).unwrap(),
        None => veredicto_signature::TrustStore::empty(),
    };
    let validator = Validator::new(Generation::load(&schemas).unwrap()).with_trust(trust);
    let (full_rate, full_rejected) = measure(&documents, budget, |bytes| {
        validator
            .check(bytes, "bench")
            .iter()
            .all(|v| v.status != Status::Rejected)
    });

    let name = |i: &usize| files[*i].display().to_string();
    let report = serde_json::json!({
        "documents": documents.len(),
        "bytes": bytes,
        "schema_generation": generation.name(),
        "schema_compile_ms": compile_ms,
        "parse_docs_per_cpu_second": parse_rate,
        "schema_docs_per_cpu_second": schema_rate,
        "full_docs_per_cpu_second": full_rate,
        "peak_rss_kib": peak_rss_kib(),
        "schema_invalid": schema_invalid.iter().map(name).collect::<Vec<_>>(),
        "full_rejected": full_rejected.len(),
    });
    println!("{report}");
}
