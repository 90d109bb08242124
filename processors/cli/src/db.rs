//! `veredicto db apply`: the keyspace and tables of `schemas/cql/`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::Subcommand;
use veredicto_runtime::cql::{DEFAULT_CONTACT_POINT, DEFAULT_KEYSPACE};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// CQL contact points, `host:port[,host:port...]`.
    #[arg(long, env = "VEREDICTO_CQL", default_value = DEFAULT_CONTACT_POINT, global = true)]
    cql: String,

    /// The keyspace to create the tables in.
    #[arg(long, env = "VEREDICTO_KEYSPACE", default_value = DEFAULT_KEYSPACE, global = true)]
    keyspace: String,

    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, Subcommand)]
enum Action {
    /// Create the keyspace and tables if missing (every statement is
    /// idempotent).
    Apply {
        /// Folder of `.cql` files, run in name order.
        #[arg(long, default_value_os_t = default_cql_dir())]
        dir: PathBuf,
    },
}

/// `schemas/cql` of the checkout the command runs in.
fn default_cql_dir() -> PathBuf {
    let start = std::env::current_dir().unwrap_or_default();
    start
        .ancestors()
        .map(|a| a.join("schemas").join("cql"))
        .find(|p| p.is_dir())
        .unwrap_or_else(|| PathBuf::from("schemas/cql"))
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let Action::Apply { dir } = args.action;
    let runtime = tokio::runtime::Runtime::new()?;
    let applied = runtime.block_on(async {
        let session = veredicto_runtime::cql::connect(&args.cql, Duration::from_secs(10)).await?;
        veredicto_runtime::cql::apply(&session, &dir, &args.keyspace)
            .await
            .with_context(|| format!("applying {}", dir.display()))
    })?;
    for file in applied {
        println!("applied {file} to keyspace {}", args.keyspace);
    }
    Ok(ExitCode::SUCCESS)
}
