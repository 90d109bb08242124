//! The `veredicto` command: one binary, a subcommand per job.
//!
//! Each subcommand parses its flags here and hands over to a library; no
//! checking, scoring or Kafka logic lives in this crate.

mod check;
mod forge;
mod run;
mod topics;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

#[derive(Debug, Parser)]
#[command(name = "veredicto", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check DTE and envelope files against the SII schemas, rules and
    /// signatures, printing one verdict per document.
    Check(check::Args),
    /// Run a streaming processor on Kafka until SIGTERM.
    Run(run::Args),
    /// Write a corpus of forged, signed DTEs with labels, deterministic from a seed.
    Forge(forge::Args),
    /// Create, update and describe the Kafka topics declared in topics/topics.toml.
    Topics(topics::Args),
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_env("VEREDICTO_LOG").unwrap_or_else(|_| "warn".into()))
        .with_writer(std::io::stderr)
        .init();

    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => check::run(args),
        Command::Run(args) => run::run(args),
        Command::Forge(args) => forge::run(args),
        Command::Topics(args) => topics::run(args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}
