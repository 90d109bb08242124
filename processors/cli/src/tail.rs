//! `veredicto tail`: follows `dte.verdicts` and prints each verdict as a
//! readable line (or as JSON), as a `read_committed` subscriber sees them.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rdkafka::Message;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError;
use veredicto_runtime::kafka::{DEFAULT_BOOTSTRAP, KafkaSettings};
use veredicto_validator::Verdict;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Kafka brokers, `host:port[,host:port...]`.
    #[arg(long, env = "VEREDICTO_KAFKA_BOOTSTRAP", default_value = DEFAULT_BOOTSTRAP)]
    bootstrap: String,

    /// A suffix appended to the topic name, as the processors' `--topic-suffix`.
    #[arg(long, env = "VEREDICTO_TOPIC_SUFFIX")]
    topic_suffix: Option<String>,

    /// Start from the oldest verdict kept instead of new ones only.
    #[arg(long)]
    from_beginning: bool,

    /// Only verdicts that are rejected or flagged as anomalous.
    #[arg(long)]
    attention: bool,

    /// Print the verdicts as JSON lines.
    #[arg(long)]
    json: bool,

    /// Stop after this many verdicts.
    #[arg(long)]
    limit: Option<u64>,

    /// Instead of a line per verdict, a summary redrawn every second:
    /// documents per status, top findings, anomalies flagged, and
    /// ingest-to-verdict latency.
    #[arg(long)]
    summary: bool,
}

/// What `--summary` shows.
#[derive(Debug, Default)]
struct Summary {
    statuses: std::collections::BTreeMap<String, u64>,
    findings: std::collections::BTreeMap<String, u64>,
    flagged: u64,
    partial: u64,
    latencies_ms: Vec<i64>,
}

impl Summary {
    fn add(&mut self, verdict: &Verdict, arrived_ms: i64) {
        *self
            .statuses
            .entry(verdict.status.as_str().to_owned())
            .or_default() += 1;
        for finding in &verdict.findings {
            *self.findings.entry(finding.code.clone()).or_default() += 1;
        }
        self.flagged += u64::from(verdict.anomaly.as_ref().is_some_and(|a| a.flagged));
        self.partial += u64::from(verdict.partial);
        if let Some(ingested) = verdict.source.ingested_ms {
            self.latencies_ms.push(arrived_ms - ingested);
        }
    }

    fn render(&mut self, out: &mut impl Write) -> std::io::Result<()> {
        let total: u64 = self.statuses.values().sum();
        self.latencies_ms.sort_unstable();
        let percentile = |p: f64| -> String {
            if self.latencies_ms.is_empty() {
                return "-".into();
            }
            let i = ((self.latencies_ms.len() - 1) as f64 * p).round() as usize;
            format!("{} ms", self.latencies_ms[i])
        };
        // Clear the screen and draw from the top.
        write!(out, "\x1b[2J\x1b[H")?;
        writeln!(out, "verdicts: {total}   (partial: {})", self.partial)?;
        for (status, n) in &self.statuses {
            writeln!(out, "  {status:<26} {n:>8}")?;
        }
        writeln!(out, "flagged as anomalous:        {:>8}", self.flagged)?;
        writeln!(
            out,
            "ingest to verdict:           p50 {}   p99 {}",
            percentile(0.5),
            percentile(0.99)
        )?;
        let mut top: Vec<(&String, &u64)> = self.findings.iter().collect();
        top.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        writeln!(out, "top findings:")?;
        for (code, n) in top.into_iter().take(10) {
            writeln!(out, "  {code:<32} {n:>8}")?;
        }
        out.flush()
    }
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let topic =
        veredicto_stream::suffixed(veredicto_topics::VERDICTS, args.topic_suffix.as_deref());
    let group = format!("veredicto-tail-{}", std::process::id());
    let consumer: BaseConsumer = KafkaSettings::new(&args.bootstrap)
        .consumer(&group)
        .set(
            "auto.offset.reset",
            if args.from_beginning {
                "earliest"
            } else {
                "latest"
            },
        )
        .create()?;
    consumer.subscribe(&[&topic])?;

    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            if let Ok(runtime) = runtime {
                runtime.block_on(async {
                    let _ = tokio::signal::ctrl_c().await;
                });
            }
            stop.store(true, Ordering::SeqCst);
        });
    }

    eprintln!("following {topic} (Ctrl-C to stop)");
    let mut out = std::io::stdout().lock();
    let mut shown = 0u64;
    let mut summary = Summary::default();
    let mut drawn = std::time::Instant::now();
    while !stop.load(Ordering::SeqCst) && args.limit.is_none_or(|l| shown < l) {
        if args.summary && drawn.elapsed() >= Duration::from_secs(1) {
            summary.render(&mut out)?;
            drawn = std::time::Instant::now();
        }
        let message = match consumer.poll(Duration::from_millis(200)) {
            None | Some(Err(KafkaError::PartitionEOF(_))) => continue,
            Some(Err(error)) => {
                eprintln!("warning: {error}");
                continue;
            }
            Some(Ok(message)) => message,
        };
        let Some(payload) = message.payload() else {
            continue;
        };
        let verdict: Verdict = match serde_json::from_slice(payload) {
            Ok(verdict) => verdict,
            Err(error) => {
                eprintln!(
                    "warning: not a verdict at offset {}: {error}",
                    message.offset()
                );
                continue;
            }
        };
        let flagged = verdict.anomaly.as_ref().is_some_and(|a| a.flagged);
        if args.attention && !flagged && verdict.status != veredicto_validator::Status::Rejected {
            continue;
        }
        if args.summary {
            summary.add(&verdict, now_ms());
        } else if args.json {
            serde_json::to_writer(&mut out, &verdict)?;
            writeln!(out)?;
        } else {
            writeln!(out, "{}", line(&verdict))?;
        }
        out.flush()?;
        shown += 1;
    }
    if args.summary {
        summary.render(&mut out)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// One verdict in a line: document, status, anomaly and findings.
fn line(verdict: &Verdict) -> String {
    let document = verdict
        .document
        .as_ref()
        .map_or_else(|| "-".to_owned(), |d| d.id());
    let mut status = verdict.status.as_str().to_owned();
    if verdict.partial {
        status.push_str(" (partial)");
    }
    let anomaly = match &verdict.anomaly {
        Some(a) if a.flagged => format!(
            "ANOMALY {:.2}: {}",
            a.score,
            a.reasons.first().map_or("", |r| r.message.as_str())
        ),
        Some(a) => format!("score {:.2}", a.score),
        None => "not scored".to_owned(),
    };
    let findings: Vec<&str> = verdict.findings.iter().map(|f| f.code.as_str()).collect();
    format!(
        "{document:<28} r{:<2} {status:<26} {anomaly}{}{}",
        verdict.revision,
        if findings.is_empty() {
            ""
        } else {
            "  findings: "
        },
        findings.join(", ")
    )
}
