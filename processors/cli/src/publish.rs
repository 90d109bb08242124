//! `veredicto publish FILE|DIR...`: puts documents on `dte.ingest` the way an
//! ERP does: the bytes as issued, keyed by RUTEmisor, with the headers the
//! design names, in file order. For demonstrations, load tests and
//! re-sending documents by hand.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use veredicto_runtime::kafka::{DEFAULT_BOOTSTRAP, KafkaSettings};
use veredicto_xml::Limits;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files or folders (their `.xml` files, in lexical order of path).
    #[arg(required = true)]
    inputs: Vec<PathBuf>,

    /// Kafka brokers, `host:port[,host:port...]`.
    #[arg(long, env = "VEREDICTO_KAFKA_BOOTSTRAP", default_value = DEFAULT_BOOTSTRAP)]
    bootstrap: String,

    /// A suffix appended to the topic name, as the processors' `--topic-suffix`.
    #[arg(long, env = "VEREDICTO_TOPIC_SUFFIX")]
    topic_suffix: Option<String>,

    /// Documents per second; as fast as possible when absent.
    #[arg(long)]
    rate: Option<f64>,

    /// The `source` header: which system and database publish.
    #[arg(long, default_value = "veredicto-publish")]
    source: String,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let topic = veredicto_stream::suffixed(veredicto_topics::INGEST, args.topic_suffix.as_deref());
    let mut files = Vec::new();
    for input in &args.inputs {
        crate::check::expand(input, &mut files)?;
    }
    let producer: ThreadedProducer<DefaultProducerContext> = KafkaSettings::new(&args.bootstrap)
        .producer()
        .set("message.max.bytes", "33554432")
        .set("linger.ms", "5")
        .create()
        .context("creating the producer")?;

    let started = Instant::now();
    let limits = Limits::default();
    let mut unkeyed = 0usize;
    for (i, path) in files.iter().enumerate() {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        let key = issuer(&bytes, &limits);
        unkeyed += usize::from(key.is_none());
        let name = path.display().to_string();
        let headers = OwnedHeaders::new()
            .insert(Header {
                key: "content-type",
                value: Some("application/xml"),
            })
            .insert(Header {
                key: "source",
                value: Some(args.source.as_str()),
            })
            .insert(Header {
                key: "source-ref",
                value: Some(name.as_str()),
            });
        let key = key.unwrap_or_default();
        let mut record = BaseRecord::to(&topic)
            .key(key.as_str())
            .payload(bytes.as_slice())
            .headers(headers);
        loop {
            match producer.send(record) {
                Ok(()) => break,
                Err((_, back)) => {
                    record = back;
                    producer.poll(Duration::from_millis(10));
                }
            }
        }
        if let Some(rate) = args.rate.filter(|r| *r > 0.0) {
            let due = Duration::from_secs_f64((i + 1) as f64 / rate);
            if let Some(wait) = due.checked_sub(started.elapsed()) {
                std::thread::sleep(wait);
            }
        }
    }
    producer
        .flush(Duration::from_secs(60))
        .context("waiting for the broker to take every document")?;
    eprintln!(
        "published {} files to {topic} in {:.1} s{}",
        files.len(),
        started.elapsed().as_secs_f64(),
        if unkeyed > 0 {
            format!(" ({unkeyed} without a readable RUTEmisor, published without a key)")
        } else {
            String::new()
        }
    );
    Ok(ExitCode::SUCCESS)
}

/// The RUTEmisor of the first DTE, the key an ERP publishes under.
fn issuer(bytes: &[u8], limits: &Limits) -> Option<String> {
    let (document, _) = veredicto_xml::parse(bytes, limits).ok()?;
    let dte = veredicto_validator::dtes_of(document.root())
        .into_iter()
        .next()?;
    veredicto_validator::document_id(dte).map(|id| id.rut_emisor)
}
