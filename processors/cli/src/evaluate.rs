//! `veredicto evaluate STREAM_DIR --model DIR`: streams the warm-up and then
//! the test phase of a labelled forge stream through the scorer (the warm-up
//! only builds issuer state) and reports how the test phase was judged.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::ValueEnum;
use veredicto_anomaly::metrics::{self, Judged, KindRecall, Report, Summary};
use veredicto_anomaly::{Feature, Model, Scorer};

use crate::train::{read_document, read_labels};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// Tables (Markdown).
    Text,
    /// The report as one JSON object.
    Json,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The stream folder (`labels.csv`, `warmup/`, `test/`).
    stream: PathBuf,

    /// The model folder (holding `model.json`).
    #[arg(long)]
    model: PathBuf,

    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,

    /// Also write every scored document's features, phase, label and score
    /// as CSV (for benchmarks and analysis).
    #[arg(long)]
    features: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let model = Arc::new(
        Model::load(&args.model)
            .with_context(|| format!("loading the model in {}", args.model.display()))?,
    );
    let labels = read_labels(&args.stream)?;
    let mut scorer = Scorer::new(Arc::clone(&model));
    let mut judged = Vec::new();
    let mut not_scorable = 0;
    let mut csv = match &args.features {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("creating {}", path.display()))?;
            let mut w = std::io::BufWriter::new(file);
            let names: Vec<&str> = Feature::ALL.iter().map(|f| f.name()).collect();
            writeln!(
                w,
                "seq,phase,tipo_dte,kind,held_out,history,sign_hour,sign_weekday,score,\
                 evidence,strongest,{}",
                names.join(",")
            )?;
            Some(w)
        }
        None => None,
    };

    for label in &labels {
        let Some(document) = read_document(&args.stream, &label.file)? else {
            not_scorable += usize::from(label.test);
            continue;
        };
        if let Some(w) = csv.as_mut() {
            // Features first, on a copy of the state, so the scorer's state
            // advances exactly once.
            let mut probe = scorer.clone();
            for row in probe.features(&document).into_iter().flatten() {
                let (score, evidence, strongest) =
                    veredicto_anomaly::judge_row(&model, &row.values);
                let values: Vec<String> = row.values.iter().map(|v| format!("{v:.6}")).collect();
                writeln!(
                    w,
                    "{},{},{},{},{},{},{},{},{score:.12},{evidence:.4},{strongest},{}",
                    label.seq,
                    if label.test { "test" } else { "warmup" },
                    label.tipo,
                    label.kind,
                    label.held_out,
                    row.history,
                    row.hour,
                    row.weekday,
                    values.join(",")
                )?;
            }
        }
        for scored in scorer.score(&document) {
            if !label.test {
                continue;
            }
            match scored.outcome {
                Ok(outcome) => judged.push(Judged {
                    tipo: scored.tipo_dte,
                    score: outcome.score,
                    flagged: outcome.flagged,
                    kind: label.kind.clone(),
                    held_out: label.held_out,
                }),
                Err(_) => not_scorable += 1,
            }
        }
    }
    if let Some(mut w) = csv {
        w.flush()?;
    }

    let report = metrics::report(
        model.version(),
        &args.stream.display().to_string(),
        &judged,
        not_scorable,
    );
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        Format::Text => print!("{}", tables(&report)),
    }
    Ok(ExitCode::SUCCESS)
}

fn summary_row(out: &mut String, name: &str, s: &Summary) {
    let _ = writeln!(
        out,
        "| {name} | {} | {} | {:.3} | {:.3} | {:.3} | {:.3} |",
        s.documents, s.anomalies, s.pr_auc, s.precision, s.recall, s.recall_at_precision_90
    );
}

fn kind_table(
    out: &mut String,
    title: &str,
    kinds: &std::collections::BTreeMap<String, KindRecall>,
) {
    let _ = writeln!(out, "\n{title}\n");
    let _ = writeln!(
        out,
        "| kind | documents | flagged | recall | PR-AUC vs normal |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|");
    for (kind, k) in kinds {
        let _ = writeln!(
            out,
            "| {kind} | {} | {} | {:.3} | {:.3} |",
            k.documents, k.flagged, k.recall, k.pr_auc
        );
    }
}

/// The report as Markdown tables.
fn tables(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Model {} on {}\n", report.model, report.stream);
    let _ = writeln!(
        out,
        "| set | documents | anomalies | PR-AUC | precision | recall | recall at precision 0.9 |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|");
    summary_row(&mut out, "all kinds", &report.overall);
    summary_row(&mut out, "design kinds", &report.design);
    summary_row(&mut out, "held-out kinds", &report.held_out);
    kind_table(&mut out, "Design kinds:", &report.design_kinds);
    kind_table(
        &mut out,
        "Held-out kinds (never used in design):",
        &report.held_out_kinds,
    );
    let _ = writeln!(out, "\nPer document type (all kinds):\n");
    let _ = writeln!(
        out,
        "| TipoDTE | documents | anomalies | flagged | precision | recall |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|");
    for (tipo, t) in &report.per_tipo {
        let _ = writeln!(
            out,
            "| {tipo} | {} | {} | {} | {:.3} | {:.3} |",
            t.documents, t.anomalies, t.flagged, t.precision, t.recall
        );
    }
    let _ = writeln!(out, "\nNot scorable: {}", report.not_scorable);
    out
}
