//! `veredicto run validator`: a streaming processor on Kafka.
//!
//! The transactional loop runs on a thread of its own (every transaction call
//! blocks); the main thread waits for SIGTERM or SIGINT, then asks the loop to
//! stop after the batch in hand, which it commits first.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context;
use clap::Subcommand;
use veredicto_runtime::kafka::{DEFAULT_BOOTSTRAP, KafkaSettings};
use veredicto_runtime::processor::{LoopConfig, LoopStats};
use veredicto_schema::Generation;
use veredicto_signature::TrustStore;
use veredicto_stream::Topics;
use veredicto_stream::validator::ValidatorTransform;
use veredicto_validator::Validator;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    processor: Processor,

    /// Kafka brokers, `host:port[,host:port...]`.
    #[arg(long, env = "VEREDICTO_KAFKA_BOOTSTRAP", default_value = DEFAULT_BOOTSTRAP, global = true)]
    bootstrap: String,

    /// This instance's name, stable across restarts: it makes the
    /// transactional id, so a restarted instance fences its predecessor.
    #[arg(long, env = "VEREDICTO_INSTANCE", default_value = "0", global = true)]
    instance: String,

    /// Consumer group; instances of one processor share it.
    #[arg(long, env = "VEREDICTO_GROUP", global = true)]
    group: Option<String>,

    /// Most records in one transaction.
    #[arg(
        long,
        env = "VEREDICTO_MAX_BATCH",
        default_value_t = 200,
        global = true
    )]
    max_batch: usize,

    /// A suffix appended to every topic name (`dte.ingest` becomes
    /// `dte.ingest-SUFFIX`), to run beside another deployment or in tests.
    #[arg(long, env = "VEREDICTO_TOPIC_SUFFIX", global = true)]
    topic_suffix: Option<String>,
}

#[derive(Debug, Subcommand)]
enum Processor {
    /// Check each document on dte.ingest; write results to dte.validation.
    Validator {
        /// Folder of trusted SII certificates for CAFs (`<IDK>.cer`).
        #[arg(long, env = "VEREDICTO_TRUST")]
        trust: Option<PathBuf>,
        /// Folder of SII schema generations.
        #[arg(long, env = "VEREDICTO_SCHEMAS")]
        schemas: Option<PathBuf>,
    },
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let topics = match &args.topic_suffix {
        None => Topics::default(),
        Some(suffix) => {
            let base = Topics::default();
            Topics {
                ingest: format!("{}-{suffix}", base.ingest),
                validation: format!("{}-{suffix}", base.validation),
                anomaly: format!("{}-{suffix}", base.anomaly),
                verdicts: format!("{}-{suffix}", base.verdicts),
                dlq: format!("{}-{suffix}", base.dlq),
            }
        }
    };
    let mut settings = KafkaSettings::new(&args.bootstrap);
    // Room for oversize documents on their way to the dead-letter topic.
    settings
        .librdkafka
        .insert("message.max.bytes".into(), "33554432".into());

    let (name, mut transform, inputs) = match args.processor {
        Processor::Validator { trust, schemas } => {
            let schemas = schemas.unwrap_or_else(veredicto_schema::default_schema_dir);
            let newest = veredicto_schema::newest_generation(&schemas).with_context(|| {
                format!(
                    "no SII schemas under {} (run `make schemas`)",
                    schemas.display()
                )
            })?;
            let trust = match trust {
                Some(dir) => TrustStore::from_dir(&dir).with_context(|| {
                    format!("loading trusted certificates from {}", dir.display())
                })?,
                None => TrustStore::empty(),
            };
            let validator = Validator::new(Generation::load(&newest)?).with_trust(trust);
            let inputs = vec![topics.ingest.clone()];
            (
                "validator",
                ValidatorTransform::new(validator, topics),
                inputs,
            )
        }
    };

    let config = LoopConfig {
        group_id: args.group.unwrap_or_else(|| format!("veredicto-{name}")),
        transactional_id: format!("veredicto-{name}-{}", args.instance),
        inputs,
        max_batch: args.max_batch,
        max_wait: Duration::from_millis(20),
        call_timeout: Duration::from_secs(60),
    };
    tracing::info!(processor = name, group = %config.group_id, transactional_id = %config.transactional_id, "starting");

    let shutdown = Arc::new(AtomicBool::new(false));
    let stats = Arc::new(LoopStats::default());
    let worker = {
        let (shutdown, stats) = (Arc::clone(&shutdown), Arc::clone(&stats));
        std::thread::Builder::new()
            .name(format!("{name}-loop"))
            .spawn(move || {
                veredicto_runtime::processor::run(
                    &settings,
                    &config,
                    &mut transform,
                    &shutdown,
                    stats,
                )
            })?
    };

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        loop {
            tokio::select! {
                _ = terminate.recv() => break,
                _ = tokio::signal::ctrl_c() => break,
                () = tokio::time::sleep(Duration::from_millis(200)) => {
                    if worker.is_finished() {
                        break;
                    }
                }
            }
        }
        anyhow::Ok(())
    })?;
    shutdown.store(true, Ordering::SeqCst);
    let result = worker
        .join()
        .map_err(|_| anyhow::anyhow!("the {name} loop panicked"))?;
    tracing::info!(
        consumed = stats.consumed.load(Ordering::Relaxed),
        produced = stats.produced.load(Ordering::Relaxed),
        committed = stats.committed.load(Ordering::Relaxed),
        aborted = stats.aborted.load(Ordering::Relaxed),
        "stopped"
    );
    result.context("the processing loop stopped")?;
    Ok(ExitCode::SUCCESS)
}
