//! `veredicto forge --out DIR`: writes a corpus of forged, fully signed DTEs,
//! valid or with labelled defects, with `trust/100.cer` to verify their CAFs
//! and `labels.csv`. `veredicto forge --stream --out DIR` writes instead a
//! time-ordered stream of many issuers' DTEs with labelled anomalies, split
//! into a warm-up and a test period. Everything but the flags lives in
//! `veredicto-forge`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use veredicto_forge::calendar::Date;
use veredicto_forge::{Defect, ForgeConfig, StreamConfig, TipoDte, corpus, write_stream};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Folder to write the documents, `trust/100.cer` and `labels.csv` into;
    /// created if missing, refused if it already holds a corpus.
    #[arg(long)]
    out: PathBuf,

    /// Seed: the same seed and flags write the same bytes.
    #[arg(long, default_value_t = 1)]
    seed: u64,

    /// How many DTEs to forge.
    #[arg(long, default_value_t = 100)]
    count: u64,

    /// Document types to draw from, comma separated (e.g. 33,61,110); all by
    /// default.
    #[arg(long, value_delimiter = ',')]
    types: Vec<TipoDte>,

    /// DTEs per envelope (EnvioDTE, or EnvioBOLETA for boletas), at most 500;
    /// 0 writes each DTE as a file of its own.
    #[arg(long, default_value_t = 0)]
    envelopes: usize,

    /// Share of DTEs that carry a labelled defect, from 0 to 1.
    #[arg(long, default_value_t = 0.0)]
    defect_rate: f64,

    /// Defect kinds to draw from, comma separated (e.g. wrong-iva,bad-date);
    /// all by default.
    #[arg(long, value_delimiter = ',')]
    defects: Vec<Defect>,

    /// Number of Detalle lines per document, as MIN..MAX within 1..60.
    #[arg(long, default_value = "1..10", value_parser = parse_lines)]
    lines: (usize, usize),

    /// Write a time-ordered stream of many issuers' DTEs with labelled
    /// anomalies (`STREAM.md`, `labels.csv`, `warmup/`, `test/`) instead of
    /// a corpus; --count, --types, --envelopes, --defect-rate, --defects and
    /// --lines do not apply.
    #[arg(long)]
    stream: bool,

    /// How many businesses issue documents: 1000 by default in a stream,
    /// 12 in a corpus.
    #[arg(long)]
    issuers: Option<usize>,

    /// Length of the stream in days, warm-up included.
    #[arg(long, default_value_t = 120, requires = "stream")]
    days: u32,

    /// The stream's first days, for a detector to learn from; the rest is
    /// the test period.
    #[arg(long, default_value_t = 60, requires = "stream")]
    warmup_days: u32,

    /// The stream's first day, YYYY-MM-DD.
    #[arg(long, default_value = "2026-01-05", value_parser = parse_date, requires = "stream")]
    start: Date,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if args.stream {
        return stream(&args);
    }
    let config = ForgeConfig {
        seed: args.seed,
        types: if args.types.is_empty() {
            TipoDte::ALL.to_vec()
        } else {
            args.types
        },
        lines: args.lines,
        per_envelope: args.envelopes,
        defect_rate: args.defect_rate,
        defects: args.defects,
        issuers: args.issuers.unwrap_or(ForgeConfig::default().issuers),
        ..ForgeConfig::default()
    };
    let summary = corpus::write(&args.out, config, args.count)
        .with_context(|| format!("forging into {}", args.out.display()))?;
    println!(
        "forged {} DTEs ({} with defects) in {} files ({} envelopes) under {} in {:.2} s, {:.0} \
         documents/s",
        summary.documents,
        summary.defective,
        summary.files,
        summary.envelopes,
        args.out.display(),
        summary.elapsed.as_secs_f64(),
        summary.rate()
    );
    Ok(ExitCode::SUCCESS)
}

fn stream(args: &Args) -> anyhow::Result<ExitCode> {
    let config = StreamConfig {
        seed: args.seed,
        issuers: args.issuers.unwrap_or(StreamConfig::default().issuers),
        days: args.days,
        warmup_days: args.warmup_days,
        start: args.start,
    };
    let summary = write_stream(&args.out, &config)
        .with_context(|| format!("writing a stream into {}", args.out.display()))?;
    println!(
        "forged a stream of {} DTEs ({} warm-up, {} test; {} labelled anomalous) from {} issuers \
         under {} in {:.2} s, {:.1} MB",
        summary.total(),
        summary.documents.0,
        summary.documents.1,
        summary.anomalous(),
        config.issuers,
        args.out.display(),
        summary.elapsed.as_secs_f64(),
        summary.bytes as f64 / 1e6
    );
    Ok(ExitCode::SUCCESS)
}

fn parse_date(text: &str) -> Result<Date, String> {
    Date::parse(text).ok_or_else(|| format!("{text:?} is not a date written YYYY-MM-DD"))
}

/// `MIN..MAX`, or a single number for both.
fn parse_lines(text: &str) -> Result<(usize, usize), String> {
    let number = |s: &str| {
        s.trim()
            .parse::<usize>()
            .map_err(|_| format!("{s:?} is not a number of lines"))
    };
    match text.split_once("..") {
        Some((min, max)) => Ok((number(min)?, number(max.trim_start_matches('='))?)),
        None => number(text).map(|n| (n, n)),
    }
}
