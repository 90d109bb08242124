//! `veredicto run validator|anomaly|joiner`: the streaming processors.
//!
//! The transactional loop runs on a thread of its own (every transaction call
//! blocks); the main thread serves `/metrics`, `/healthz` and `/readyz`,
//! waits for SIGTERM or SIGINT, then asks the loop to stop after the batch
//! in hand, which it commits first.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context;
use clap::Subcommand;
use veredicto_runtime::kafka::KafkaSettings;
use veredicto_runtime::processor::{GRACE, LoopConfig, LoopStats, Transform, hung_call};
use veredicto_stream::Topics;
use veredicto_stream::anomaly::AnomalyTransform;
use veredicto_stream::joiner::{Deadlines, JoinerTransform};
use veredicto_stream::store::VerdictStore;
use veredicto_stream::validator::ValidatorTransform;

use crate::config::Config;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    processor: Processor,

    /// A TOML configuration file; the environment and flags override it.
    #[arg(long, env = "VEREDICTO_CONFIG", global = true)]
    config: Option<PathBuf>,

    /// Kafka brokers, `host:port[,host:port...]`.
    #[arg(long, env = "VEREDICTO_KAFKA_BOOTSTRAP", global = true)]
    bootstrap: Option<String>,

    /// This instance's name, stable across restarts: it makes the
    /// transactional id, so a restarted instance fences its predecessor.
    #[arg(long, env = "VEREDICTO_INSTANCE", global = true)]
    instance: Option<String>,

    /// Consumer group; instances of one processor share it.
    #[arg(long, env = "VEREDICTO_GROUP", global = true)]
    group: Option<String>,

    /// Most records in one transaction.
    #[arg(long, env = "VEREDICTO_MAX_BATCH", global = true)]
    max_batch: Option<usize>,

    /// Longest a batch stays open once its first record arrived, in ms (it
    /// closes sooner when no further record is waiting).
    #[arg(long, env = "VEREDICTO_MAX_WAIT_MS", global = true)]
    max_wait_ms: Option<u64>,

    /// A suffix appended to every topic name (`dte.ingest` becomes
    /// `dte.ingest-SUFFIX`), to run beside another deployment or in tests.
    #[arg(long, env = "VEREDICTO_TOPIC_SUFFIX", global = true)]
    topic_suffix: Option<String>,

    /// Where `/metrics`, `/healthz` and `/readyz` listen (`host:port`; empty
    /// turns them off).
    #[arg(long, env = "VEREDICTO_HTTP_LISTEN", global = true)]
    http: Option<String>,
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
    /// Score each document on dte.ingest against its issuer's history;
    /// write results to dte.anomaly.
    Anomaly {
        /// Model folder (`models/<name>/<version>`); the newest shipped one
        /// by default.
        #[arg(long, env = "VEREDICTO_MODEL")]
        model: Option<PathBuf>,
    },
    /// Join dte.validation and dte.anomaly into verdicts on dte.verdicts and
    /// in the database.
    Joiner {
        /// CQL contact points, `host:port[,host:port...]`.
        #[arg(long, env = "VEREDICTO_CQL")]
        cql: Option<String>,
        /// The keyspace `veredicto db apply` created.
        #[arg(long, env = "VEREDICTO_KEYSPACE")]
        keyspace: Option<String>,
        /// Seconds a lone half waits before a partial verdict is issued.
        #[arg(long, env = "VEREDICTO_PARTIAL_AFTER")]
        partial_after: Option<u64>,
    },
}

/// The configuration file, then the environment and flags over it.
fn configure(args: &Args) -> anyhow::Result<Config> {
    let mut config = match &args.config {
        Some(path) => Config::from_file(path)?,
        None => Config::default(),
    }
    .with_environment(std::env::vars());
    if let Some(v) = &args.bootstrap {
        config.kafka.bootstrap.clone_from(v);
    }
    if let Some(v) = &args.topic_suffix {
        config.kafka.topic_suffix = Some(v.clone());
    }
    if let Some(v) = &args.instance {
        config.processor.instance.clone_from(v);
    }
    if let Some(v) = &args.group {
        config.processor.group = Some(v.clone());
    }
    if let Some(v) = args.max_batch {
        config.processor.max_batch = v;
    }
    if let Some(v) = args.max_wait_ms {
        config.processor.max_wait_ms = v;
    }
    if let Some(v) = &args.http {
        config.http.listen = Some(v.clone());
    }
    match &args.processor {
        Processor::Validator { trust, schemas } => {
            if trust.is_some() {
                config.validator.trust.clone_from(trust);
            }
            if schemas.is_some() {
                config.validator.schemas.clone_from(schemas);
            }
        }
        Processor::Anomaly { model } => {
            if model.is_some() {
                config.anomaly.model.clone_from(model);
            }
        }
        Processor::Joiner {
            cql,
            keyspace,
            partial_after,
        } => {
            if let Some(v) = cql {
                config.cql.contact_points.clone_from(v);
            }
            if let Some(v) = keyspace {
                config.cql.keyspace.clone_from(v);
            }
            if let Some(v) = partial_after {
                config.joiner.partial_after_secs = *v;
            }
        }
    }
    Ok(config)
}

fn validator(config: &Config, topics: Topics) -> anyhow::Result<ValidatorTransform> {
    let validator = crate::setup::validator(
        config.validator.schemas.as_deref(),
        None,
        config.validator.trust.as_deref(),
    )?;
    Ok(ValidatorTransform::new(validator, topics))
}

fn joiner(config: &Config, topics: Topics) -> anyhow::Result<JoinerTransform> {
    let store = VerdictStore::connect(&config.cql.contact_points, &config.cql.keyspace)?;
    let deadlines = Deadlines {
        partial_after: Duration::from_secs(config.joiner.partial_after_secs),
        keep_for: Duration::from_secs(config.joiner.keep_for_secs),
    };
    let changelog = config.topic(veredicto_topics::JOINER_PENDING);
    Ok(JoinerTransform::new(topics, changelog, deadlines).with_sink(Box::new(store)))
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let config = configure(&args)?;
    let topics = Topics::with_suffix(config.kafka.topic_suffix.as_deref());
    let mut settings = KafkaSettings::new(&config.kafka.bootstrap);
    // Room for oversize documents on their way to the dead-letter topic.
    settings
        .librdkafka
        .insert("message.max.bytes".into(), "33554432".into());
    settings.librdkafka.extend(config.kafka.librdkafka.clone());

    let (name, transform, inputs): (&str, Box<dyn Transform + Send>, Vec<String>) =
        match args.processor {
            Processor::Validator { .. } => {
                let inputs = vec![topics.ingest.clone()];
                ("validator", Box::new(validator(&config, topics)?), inputs)
            }
            Processor::Anomaly { .. } => {
                let inputs = vec![topics.ingest.clone()];
                let model = crate::model::load(config.anomaly.model.as_deref())?;
                tracing::info!(model = model.version(), "anomaly model loaded");
                let changelog = config.topic(veredicto_topics::ANOMALY_PROFILES);
                (
                    "anomaly",
                    Box::new(AnomalyTransform::new(model, topics, changelog)),
                    inputs,
                )
            }
            Processor::Joiner { .. } => {
                let inputs = vec![topics.validation.clone(), topics.anomaly.clone()];
                ("joiner", Box::new(joiner(&config, topics)?), inputs)
            }
        };

    let loop_config = LoopConfig {
        group_id: config.group(name),
        transactional_id: config.transactional_id(name),
        inputs,
        max_batch: config.processor.max_batch,
        max_wait: Duration::from_millis(config.processor.max_wait_ms),
        call_timeout: Duration::from_secs(60),
    };
    tracing::info!(processor = name, ?config, "starting");
    serve(name, config, loop_config, settings, transform)
}

/// Runs the loop, starting it again with new clients when it fails (a
/// transaction the broker lost across its restart, say) until asked to stop.
/// The transform's state is rebuilt from its changelog on the new start.
fn supervise(
    name: &str,
    settings: &KafkaSettings,
    config: &LoopConfig,
    transform: &mut dyn Transform,
    shutdown: &AtomicBool,
    stats: &Arc<LoopStats>,
) -> anyhow::Result<()> {
    let mut pause = Duration::from_secs(1);
    loop {
        let started = std::time::Instant::now();
        match veredicto_runtime::processor::run(
            settings,
            config,
            transform,
            shutdown,
            Arc::clone(stats),
        ) {
            Ok(()) => return Ok(()),
            Err(error) if shutdown.load(Ordering::SeqCst) => return Err(error.into()),
            Err(error) => {
                stats.restarts.fetch_add(1, Ordering::Relaxed);
                if started.elapsed() > Duration::from_secs(60) {
                    pause = Duration::from_secs(1);
                }
                let retry_in_s = pause.as_secs();
                tracing::error!(processor = name, %error, retry_in_s, "loop failed; restarting");
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_secs(30));
            }
        }
    }
}

/// Replaces this process with a new one of the same command line and
/// environment: the only way out of a client call that is never coming back.
/// The new process has the same static member id and transactional id, so
/// it takes the partitions back and fences the old transaction. Returns only
/// when that fails.
fn start_again() -> anyhow::Error {
    use std::os::unix::process::CommandExt;
    let error = match std::env::current_exe() {
        Ok(exe) => std::process::Command::new(exe)
            .args(std::env::args_os().skip(1))
            .exec(),
        Err(error) => error,
    };
    anyhow::anyhow!("starting the process again failed: {error}")
}

/// Runs the loop on its thread and the endpoints and signals on this one.
fn serve(
    name: &'static str,
    config: Config,
    loop_config: LoopConfig,
    settings: KafkaSettings,
    mut transform: Box<dyn Transform + Send>,
) -> anyhow::Result<ExitCode> {
    let shutdown = Arc::new(AtomicBool::new(false));
    let live = Arc::new(AtomicBool::new(true));
    let stats = Arc::new(LoopStats::default());
    let hung_after = loop_config.call_timeout + GRACE;
    let worker = {
        let (shutdown, stats, live) =
            (Arc::clone(&shutdown), Arc::clone(&stats), Arc::clone(&live));
        std::thread::Builder::new()
            .name(format!("{name}-loop"))
            .spawn(move || {
                let result = supervise(
                    name,
                    &settings,
                    &loop_config,
                    transform.as_mut(),
                    &shutdown,
                    &stats,
                );
                live.store(false, Ordering::SeqCst);
                result
            })?
    };

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let listen = config.http.listen.clone().unwrap_or_else(|| {
        let port = match name {
            "validator" => 9464,
            "anomaly" => 9465,
            _ => 9466,
        };
        format!("127.0.0.1:{port}")
    });
    runtime.block_on(async {
        if !listen.is_empty() {
            // A second instance on one host finds the port taken: it runs on
            // without endpoints rather than not at all.
            match tokio::net::TcpListener::bind(&listen).await {
                Ok(listener) => {
                    tracing::info!(%listen, "metrics and health endpoints");
                    tokio::spawn(veredicto_runtime::metrics::serve(
                        listener,
                        name.to_owned(),
                        Arc::clone(&stats),
                        Arc::clone(&live),
                    ));
                }
                Err(error) => {
                    tracing::warn!(%listen, %error, "no metrics or health endpoints");
                }
            }
        }
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
                    if let Some(running) = hung_call(&stats, hung_after) {
                        tracing::error!(
                            processor = name,
                            ?running,
                            "a transaction call went unanswered; starting the process again"
                        );
                        return Err(start_again());
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
