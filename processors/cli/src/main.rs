//! The `veredicto` command: one binary, a subcommand per job.
//!
//! Each subcommand parses its flags here and hands over to a library; no
//! checking, scoring or Kafka logic lives in this crate.

mod check;
mod config;
mod db;
mod evaluate;
mod forge;
mod model;
mod publish;
mod replay;
mod run;
mod setup;
mod tail;
mod topics;
mod train;

use std::io::IsTerminal;
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
    /// Write a corpus of forged, signed DTEs with labels, or a labelled stream of
    /// many issuers' DTEs, deterministic from a seed.
    Forge(forge::Args),
    /// Create, update and describe the Kafka topics declared in topics/topics.toml.
    Topics(topics::Args),
    /// Create the database keyspace and tables from schemas/cql/.
    Db(db::Args),
    /// Follow the verdicts on dte.verdicts, one readable line each.
    Tail(tail::Args),
    /// Publish DTE files to dte.ingest as an ERP does, keyed by RUTEmisor.
    Publish(publish::Args),
    /// Re-judge a time range of dte.ingest with another model, issuing new
    /// verdict revisions.
    Replay(replay::Args),
    /// Fit an anomaly model on the warm-up of a labelled forge stream.
    Train(train::Args),
    /// Score a labelled forge stream with a model and report precision and recall.
    Evaluate(evaluate::Args),
}

fn main() -> ExitCode {
    // Logs go to standard error: `VEREDICTO_LOG` filters them (`info`,
    // `veredicto_runtime=debug`), `VEREDICTO_LOG_FORMAT=json` makes them
    // one JSON object a line, with the span of the record in hand.
    let filter = EnvFilter::try_from_env("VEREDICTO_LOG").unwrap_or_else(|_| "warn".into());
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        // Colours only for a terminal, not for a log file or a collector.
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    if std::env::var("VEREDICTO_LOG_FORMAT").is_ok_and(|f| f == "json") {
        logs.json().with_current_span(true).init();
    } else {
        logs.init();
    }

    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => check::run(args),
        Command::Run(args) => run::run(args),
        Command::Forge(args) => forge::run(args),
        Command::Topics(args) => topics::run(args),
        Command::Db(args) => db::run(args),
        Command::Tail(args) => tail::run(args),
        Command::Publish(args) => publish::run(args),
        Command::Replay(args) => replay::run(args),
        Command::Train(args) => train::run(args),
        Command::Evaluate(args) => evaluate::run(args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}
