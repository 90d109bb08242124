//! `veredicto topics apply|describe|list`.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::Subcommand;
use veredicto_runtime::kafka::{DEFAULT_BOOTSTRAP, KafkaSettings};
use veredicto_runtime::topics::{Applied, TopicAdmin};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Kafka brokers, `host:port[,host:port...]`.
    #[arg(
        long,
        env = "VEREDICTO_KAFKA_BOOTSTRAP",
        default_value = DEFAULT_BOOTSTRAP,
        global = true
    )]
    bootstrap: String,

    /// Partitions for every topic, overriding the declarations (co-partitioned
    /// topics must all have the same count, so one number serves all).
    #[arg(long, global = true)]
    partitions: Option<i32>,

    /// A suffix appended to every topic name, as the processors' own
    /// `--topic-suffix` does.
    #[arg(long, env = "VEREDICTO_TOPIC_SUFFIX", global = true)]
    topic_suffix: Option<String>,

    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, Subcommand)]
enum Action {
    /// Create missing topics and bring drifted settings back to the declarations.
    Apply,
    /// Show what the broker has for every declared topic, and where it differs.
    Describe,
    /// Print the declarations: name, partitions, policy, owner, key and value.
    List,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let declared = veredicto_topics::declared()?;
    let mut specs = match args.partitions {
        Some(n) => veredicto_topics::with_partitions(&declared, n),
        None => declared,
    };
    for spec in &mut specs {
        spec.name = veredicto_stream::suffixed(&spec.name, args.topic_suffix.as_deref());
    }
    if let Action::List = args.action {
        for spec in &specs {
            println!(
                "{:<22} {:>3} partitions  {:<8} owner: {}",
                spec.name,
                spec.partitions,
                spec.cleanup_policy.as_kafka(),
                spec.owner
            );
            println!("{:<22} key:   {}", "", spec.key);
            println!("{:<22} value: {}", "", spec.value);
        }
        return Ok(ExitCode::SUCCESS);
    }

    let runtime = tokio::runtime::Runtime::new()?;
    let admin = TopicAdmin::new(
        &KafkaSettings::new(&args.bootstrap),
        Duration::from_secs(15),
    )?;
    runtime.block_on(async {
        match args.action {
            Action::Apply => apply(&admin, &specs).await,
            Action::Describe => describe(&admin, &specs).await,
            Action::List => unreachable!("handled above"),
        }
    })
}

async fn apply(
    admin: &TopicAdmin,
    specs: &[veredicto_topics::TopicSpec],
) -> anyhow::Result<ExitCode> {
    let report = admin
        .apply(specs)
        .await
        .context("applying topic declarations")?;
    let mut drift = false;
    for (name, applied) in report {
        match applied {
            Applied::Created => println!("{name:<22} created"),
            Applied::Unchanged => println!("{name:<22} unchanged"),
            Applied::Updated(changes) => {
                for (key, from, to) in changes {
                    let from = from.as_deref().unwrap_or("(broker default)");
                    println!("{name:<22} updated {key}: {from} -> {to}");
                }
            }
            Applied::PartitionsDiffer { declared, actual } => {
                drift = true;
                println!(
                    "{name:<22} has {actual} partitions, declared {declared}: left as it is \
                     (changing it would move keys to other partitions)"
                );
            }
        }
    }
    Ok(if drift {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

async fn describe(
    admin: &TopicAdmin,
    specs: &[veredicto_topics::TopicSpec],
) -> anyhow::Result<ExitCode> {
    let names: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
    let described = admin.describe(&names).await.context("describing topics")?;
    let mut differs = false;
    for spec in specs {
        let Some(found) = described.iter().find(|d| d.name == spec.name) else {
            differs = true;
            println!("{:<22} missing (run `veredicto topics apply`)", spec.name);
            continue;
        };
        let mut notes = Vec::new();
        if found.partitions != spec.partitions {
            notes.push(format!("declared {} partitions", spec.partitions));
        }
        for (key, value) in spec.configs() {
            if found.configs.get(key) != Some(&value) {
                notes.push(format!("declared {key}={value}"));
            }
        }
        differs |= !notes.is_empty();
        let configs: Vec<String> = found
            .configs
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        println!(
            "{:<22} {:>3} partitions x{} replicas  {}",
            found.name,
            found.partitions,
            found.replication_factor,
            configs.join(" ")
        );
        if !notes.is_empty() {
            println!("{:<22} differs: {}", "", notes.join(", "));
        }
    }
    Ok(if differs {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
