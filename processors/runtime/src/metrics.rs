//! Prometheus metrics and health endpoints of a processor.
//!
//! The loop and the transform count into one [`LoopStats`]; [`render`]
//! writes them in the Prometheus text format, and [`serve`] answers
//! `GET /metrics`, `/healthz` (the loop is running) and `/readyz`
//! (partitions assigned and state restored) on a small HTTP/1.1 listener.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::processor::LoopStats;

/// Upper bounds of the latency buckets, in seconds.
const BOUNDS: [f64; 12] = [
    0.000_1, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0,
];

/// A latency histogram with fixed buckets, safe to share.
#[derive(Debug, Default)]
pub struct Histogram {
    buckets: [AtomicU64; BOUNDS.len()],
    count: AtomicU64,
    /// Sum in microseconds.
    sum_micros: AtomicU64,
}

impl Histogram {
    pub fn observe(&self, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        if let Some(i) = BOUNDS.iter().position(|&b| seconds <= b) {
            self.buckets[i].fetch_add(1, Ordering::Relaxed);
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        self.sum_micros.fetch_add(micros, Ordering::Relaxed);
    }

    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let mut cumulative = 0;
        for (bound, bucket) in BOUNDS.iter().zip(&self.buckets) {
            cumulative += bucket.load(Ordering::Relaxed);
            let _ = writeln!(out, "{name}_bucket{{{labels},le=\"{bound}\"}} {cumulative}");
        }
        let count = self.count.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{{labels},le=\"+Inf\"}} {count}");
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_sum{{{labels}}} {sum}");
        let _ = writeln!(out, "{name}_count{{{labels}}} {count}");
    }
}

/// Counters by a label value (findings by code), safe to share.
#[derive(Debug, Default)]
pub struct LabelledCounter {
    values: Mutex<BTreeMap<String, u64>>,
}

impl LabelledCounter {
    pub fn add(&self, label: &str, n: u64) {
        if let Ok(mut values) = self.values.lock() {
            *values.entry(label.to_owned()).or_default() += n;
        }
    }

    fn snapshot(&self) -> BTreeMap<String, u64> {
        self.values.lock().map(|v| v.clone()).unwrap_or_default()
    }
}

/// The Prometheus text of a processor's counters.
pub fn render(processor: &str, stats: &LoopStats) -> String {
    let mut out = String::new();
    let label = format!("processor=\"{processor}\"");
    let counters: [(&str, &str, &AtomicU64); 9] = [
        (
            "veredicto_loop_restarts_total",
            "Times the loop failed and started again with new clients.",
            &stats.restarts,
        ),
        (
            "veredicto_records_consumed_total",
            "Input records read.",
            &stats.consumed,
        ),
        (
            "veredicto_records_produced_total",
            "Records produced in committed transactions.",
            &stats.produced,
        ),
        (
            "veredicto_transactions_committed_total",
            "Transactions committed.",
            &stats.committed,
        ),
        (
            "veredicto_transactions_aborted_total",
            "Transactions aborted (their input is read again).",
            &stats.aborted,
        ),
        (
            "veredicto_dead_letters_total",
            "Records sent to the dead-letter topic.",
            &stats.dead_letters,
        ),
        (
            "veredicto_anomalies_flagged_total",
            "Documents whose anomaly score reached the threshold.",
            &stats.anomalies_flagged,
        ),
        (
            "veredicto_state_records_restored_total",
            "Changelog records applied while restoring state.",
            &stats.restored,
        ),
        (
            "veredicto_records_dropped_after_rebalance_total",
            "Records polled before a rebalance and left to their new owner.",
            &stats.dropped_after_rebalance,
        ),
    ];
    for (name, help, value) in counters {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
        let _ = writeln!(out, "{name}{{{label}}} {}", value.load(Ordering::Relaxed));
    }
    let gauges: [(&str, &str, u64); 4] = [
        (
            "veredicto_consumer_lag",
            "Records behind the end of the assigned input partitions.",
            stats.lag.load(Ordering::Relaxed),
        ),
        (
            "veredicto_pending_joins",
            "Documents waiting for their other half.",
            stats.pending.load(Ordering::Relaxed),
        ),
        (
            "veredicto_ready",
            "1 when partitions are assigned and state restored.",
            u64::from(stats.ready.load(Ordering::Relaxed)),
        ),
        (
            "veredicto_partitions_assigned",
            "1 when the group gave this instance partitions.",
            u64::from(stats.assigned.load(Ordering::Relaxed)),
        ),
    ];
    for (name, help, value) in gauges {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge");
        let _ = writeln!(out, "{name}{{{label}}} {value}");
    }
    let name = "veredicto_findings_total";
    let _ = writeln!(
        out,
        "# HELP {name} Findings in issued results, by code.\n# TYPE {name} counter"
    );
    for (code, n) in stats.findings.snapshot() {
        let _ = writeln!(out, "{name}{{{label},code=\"{code}\"}} {n}");
    }
    let name = "veredicto_stage_seconds";
    let _ = writeln!(
        out,
        "# HELP {name} Time per batch in each stage of the loop.\n# TYPE {name} histogram"
    );
    for (stage, histogram) in [
        ("transform", &stats.transform_latency),
        ("settle", &stats.settle_latency),
        ("commit", &stats.commit_latency),
    ] {
        histogram.render(&mut out, name, &format!("{label},stage=\"{stage}\""));
    }
    out
}

/// Serves the endpoints until the process ends. `live` says whether the
/// loop is still running.
///
/// # Errors
///
/// When the listener fails.
pub async fn serve(
    listener: TcpListener,
    processor: String,
    stats: Arc<LoopStats>,
    live: Arc<AtomicBool>,
) -> std::io::Result<()> {
    loop {
        let (mut stream, _) = listener.accept().await?;
        let (processor, stats, live) = (processor.clone(), Arc::clone(&stats), Arc::clone(&live));
        tokio::spawn(async move {
            let mut request = [0u8; 1024];
            let Ok(Ok(n)) =
                tokio::time::timeout(Duration::from_secs(5), stream.read(&mut request)).await
            else {
                return;
            };
            let line = String::from_utf8_lossy(&request[..n]);
            let path = line.split_whitespace().nth(1).unwrap_or("/");
            let (status, body) = match path {
                "/metrics" => ("200 OK", render(&processor, &stats)),
                "/healthz" if live.load(Ordering::SeqCst) => ("200 OK", "ok\n".to_owned()),
                "/healthz" => (
                    "503 Service Unavailable",
                    "the loop has stopped\n".to_owned(),
                ),
                "/readyz" if stats.ready.load(Ordering::SeqCst) => ("200 OK", "ready\n".to_owned()),
                "/readyz" => (
                    "503 Service Unavailable",
                    "no partitions assigned, or state still restoring\n".to_owned(),
                ),
                _ => (
                    "404 Not Found",
                    "try /metrics, /healthz or /readyz\n".to_owned(),
                ),
            };
            let response = format!(
                "HTTP/1.1 {status}\r\ncontent-type: text/plain; version=0.0.4\r\n\
                 content-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(response.as_bytes()).await;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_are_cumulative() {
        let h = Histogram::default();
        h.observe(Duration::from_micros(50));
        h.observe(Duration::from_millis(3));
        h.observe(Duration::from_secs(9));
        let mut out = String::new();
        h.render(&mut out, "x", "p=\"v\"");
        assert!(out.contains("x_bucket{p=\"v\",le=\"0.0001\"} 1\n"), "{out}");
        assert!(out.contains("x_bucket{p=\"v\",le=\"0.005\"} 2\n"), "{out}");
        assert!(out.contains("x_bucket{p=\"v\",le=\"5\"} 2\n"), "{out}");
        assert!(out.contains("x_bucket{p=\"v\",le=\"+Inf\"} 3\n"), "{out}");
        assert!(out.contains("x_count{p=\"v\"} 3\n"), "{out}");
    }

    #[test]
    fn the_text_names_every_family() {
        let stats = LoopStats::default();
        stats.consumed.fetch_add(7, Ordering::Relaxed);
        stats.findings.add("RUT-DV", 2);
        let text = render("validator", &stats);
        assert!(text.contains("veredicto_records_consumed_total{processor=\"validator\"} 7"));
        assert!(
            text.contains("veredicto_findings_total{processor=\"validator\",code=\"RUT-DV\"} 2")
        );
        for family in [
            "veredicto_consumer_lag",
            "veredicto_pending_joins",
            "veredicto_dead_letters_total",
            "veredicto_stage_seconds_bucket",
        ] {
            assert!(text.contains(family), "{family} missing");
        }
    }
}
