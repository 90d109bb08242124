//! `veredicto train STREAM_DIR --out models/<name>/<version>/`: fits an
//! anomaly model on the warm-up phase of a labelled forge stream and writes
//! `model.json` and a model card, `MODEL.md`. The fitting lives in
//! `veredicto-anomaly`; this file reads the stream and writes the files.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use veredicto_anomaly::training::{self, ForestOptions, Labelled};
use veredicto_anomaly::{Feature, FeatureRow, Model, Scorer, judge_row};
use veredicto_xml::{Limits, parse};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The stream folder (`labels.csv`, `warmup/`, `test/`), as `veredicto
    /// forge --stream` writes it.
    stream: PathBuf,

    /// Folder to write `model.json` and `MODEL.md` into, named
    /// `models/<name>/<version>/`.
    #[arg(long)]
    out: PathBuf,

    /// Model name; the parent folder's name by default.
    #[arg(long)]
    name: Option<String>,

    /// Model version; the folder's name by default.
    #[arg(long = "model-version")]
    model_version: Option<String>,

    /// Trees in the isolation forest (0 for none).
    #[arg(long, default_value_t = 50)]
    trees: usize,

    /// Score threshold of the operating point. The score is calibrated on
    /// the warm-up, so 0.98 flags what fewer than 2% of warm-up documents
    /// reach. Chosen without labels.
    #[arg(long, default_value_t = 0.98)]
    threshold: f64,

    /// Place thresholds instead from the warm-up's labelled design-kind
    /// anomalies: the lowest score reaching this precision, per type where
    /// a type has 20 of them. The warm-up holds far fewer anomalies than a
    /// test period, so this is stricter than it looks.
    #[arg(long)]
    label_precision: Option<f64>,
}

/// One row of a stream's `labels.csv`.
#[derive(Debug, Clone)]
pub struct LabelRow {
    pub seq: u64,
    pub file: String,
    pub test: bool,
    pub tipo: String,
    pub kind: String,
    pub held_out: bool,
}

/// Reads `labels.csv` of a stream, in `seq` order.
pub fn read_labels(stream: &Path) -> anyhow::Result<Vec<LabelRow>> {
    let path = stream.join("labels.csv");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let mut lines = text.lines();
    let header = lines.next().unwrap_or_default();
    if header != "seq,file,phase,arrival,rut_emisor,tipo_dte,folio,kind,held_out" {
        bail!("{}: unexpected header {header:?}", path.display());
    }
    let mut rows = Vec::new();
    for (n, line) in lines.enumerate() {
        let cols: Vec<&str> = line.split(',').collect();
        if cols.len() != 9 {
            bail!(
                "{}: line {} has {} columns",
                path.display(),
                n + 2,
                cols.len()
            );
        }
        rows.push(LabelRow {
            seq: cols[0]
                .parse()
                .with_context(|| format!("{}: line {}: seq", path.display(), n + 2))?,
            file: cols[1].to_owned(),
            test: cols[2] == "test",
            tipo: cols[5].to_owned(),
            kind: cols[7].to_owned(),
            held_out: cols[8] == "true",
        });
    }
    rows.sort_by_key(|r| r.seq);
    Ok(rows)
}

/// Reads and parses one stream file; `None` (with a warning) when it is not
/// XML, which a stream should never hold.
pub fn read_document(stream: &Path, file: &str) -> anyhow::Result<Option<veredicto_xml::Document>> {
    let path = stream.join(file);
    let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
    match parse(&bytes, &Limits::default()) {
        Ok((document, _)) => Ok(Some(document)),
        Err(error) => {
            eprintln!("warning: {}: {error}", path.display());
            Ok(None)
        }
    }
}

/// The warm-up's feature rows through a scorer, with the label of each.
fn warmup_rows(
    stream: &Path,
    labels: &[LabelRow],
    model: Model,
) -> anyhow::Result<(Vec<(FeatureRow, usize)>, Scorer)> {
    let mut scorer = Scorer::new(Arc::new(model));
    let mut rows = Vec::new();
    for (i, label) in labels.iter().enumerate().filter(|(_, l)| !l.test) {
        let Some(document) = read_document(stream, &label.file)? else {
            continue;
        };
        rows.extend(
            scorer
                .features(&document)
                .into_iter()
                .flatten()
                .map(|r| (r, i)),
        );
    }
    Ok((rows, scorer))
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let started = std::time::Instant::now();
    let folder_name = |p: Option<&Path>| {
        p.and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
    };
    let version = args
        .model_version
        .clone()
        .or_else(|| folder_name(Some(&args.out)))
        .unwrap_or_else(|| "0.0.0".into());
    let name = args
        .name
        .clone()
        .or_else(|| folder_name(args.out.parent()))
        .unwrap_or_else(|| "veredicto-anomaly".into());
    let labels = read_labels(&args.stream)?;
    let warmup = labels.iter().filter(|l| !l.test).count();
    if warmup == 0 {
        bail!("{}: no warm-up documents", args.stream.display());
    }

    // Pass 1: default priors, to learn the population's priors.
    let mut model = Model::untrained(&name, &version);
    let (first, scorer) = warmup_rows(&args.stream, &labels, model.clone())?;
    let first_rows: Vec<FeatureRow> = first.into_iter().map(|(r, _)| r).collect();
    model.priors = training::learn_priors(&first_rows, scorer.issuers().profiles());
    let issuers = scorer.issuers().len();

    // Pass 2: learned priors; fit on the later two thirds of the warm-up,
    // where issuers have some history.
    let (rows, _) = warmup_rows(&args.stream, &labels, model.clone())?;
    let fit_from = warmup / 3;
    let fit: Vec<[f64; veredicto_anomaly::NF]> = rows
        .iter()
        .filter(|(_, i)| *i >= fit_from)
        .map(|(r, _)| r.values)
        .collect();
    let options = ForestOptions {
        trees: args.trees,
        ..ForestOptions::default()
    };
    training::fit(&mut model, &fit, options);

    // Thresholds from the later warm-up's labels (design kinds only).
    let labelled: Vec<Labelled> = rows
        .iter()
        .filter(|(_, i)| *i >= fit_from)
        .map(|(r, i)| {
            let label = &labels[*i];
            Labelled {
                tipo: r.tipo,
                score: judge_row(&model, &r.values).0,
                anomaly: if label.held_out {
                    None
                } else {
                    Some(!label.kind.is_empty())
                },
            }
        })
        .collect();
    let positives = labelled.iter().filter(|l| l.anomaly == Some(true)).count();
    let (default, per_tipo) = match args.label_precision {
        Some(precision) if positives > 0 => {
            training::choose_thresholds(&labelled, precision, 20, args.threshold)
        }
        _ => (args.threshold, Default::default()),
    };
    model.thresholds.default = default;
    model.thresholds.per_tipo = per_tipo;
    model.training = veredicto_anomaly::Training {
        stream: args.stream.display().to_string(),
        documents: warmup as u64,
        fitted_on: fit.len() as u64,
        issuers: issuers as u64,
        thresholds: match args.label_precision {
            Some(precision) if positives > 0 => format!(
                "lowest score reaching precision {precision} on the {positives} design-kind \
                 anomalies labelled in the later warm-up (per type with at least 20)"
            ),
            _ => format!(
                "unsupervised: score {} for every type (the score is calibrated on the \
                 warm-up, so about {:.1}% of warm-up documents reach it); no labels read",
                args.threshold,
                (1.0 - args.threshold) * 100.0
            ),
        },
    };

    model
        .save(&args.out)
        .with_context(|| format!("writing {}", args.out.display()))?;
    std::fs::write(args.out.join("MODEL.md"), card(&model))
        .with_context(|| format!("writing {}/MODEL.md", args.out.display()))?;
    println!(
        "trained {} on {} warm-up documents ({} fitted, {} issuers) in {:.1} s; threshold {:.6}",
        model.version(),
        warmup,
        fit.len(),
        issuers,
        started.elapsed().as_secs_f64(),
        default
    );
    Ok(ExitCode::SUCCESS)
}

/// The model card: what trained it, what it reads, how it decides. The
/// evaluation figures are added by whoever evaluates it (`veredicto
/// evaluate --format markdown`).
fn card(model: &Model) -> String {
    let mut out = String::new();
    let t = &model.training;
    let _ = writeln!(out, "# {}\n", model.version());
    let _ = writeln!(
        out,
        "Anomaly model for DTEs, fitted by `veredicto train` (crate `veredicto-anomaly`).\n"
    );
    let _ = writeln!(out, "## Training data\n");
    let _ = writeln!(
        out,
        "- Stream: `{}` (warm-up phase only), {} documents from {} issuers.",
        t.stream, t.documents, t.issuers
    );
    let _ = writeln!(
        out,
        "- Priors learned on the whole warm-up; tails, forest and evidence calibration fitted \
         on the features of its later two thirds ({} documents), computed online in arrival \
         order. No labels are used for fitting.",
        t.fitted_on
    );
    let _ = writeln!(out, "- Thresholds: {}.\n", t.thresholds);
    let _ = writeln!(out, "## Features\n");
    let _ = writeln!(out, "| feature | kind |\n|---|---|");
    for f in Feature::ALL {
        let kind = if f.is_fact() {
            "fact"
        } else if f.is_context() {
            "context (forest only)"
        } else {
            "calibrated"
        };
        let _ = writeln!(out, "| `{}` | {kind} |", f.name());
    }
    let _ = writeln!(out, "\n## Priors\n");
    let p = &model.priors;
    let _ = writeln!(
        out,
        "amount scale {:.3}, lines scale {:.3}, lag scale {:.3}, earlier documents per hour \
         {:.3}, new-receiver share {:.3}, round share {:.4}, credit-note share {:.4}, prior \
         weight {} documents.\n",
        p.amount_scale,
        p.lines_scale,
        p.lag_scale,
        p.hourly,
        p.novelty,
        p.round,
        p.credit,
        p.strength
    );
    let _ = writeln!(out, "## Thresholds\n");
    let _ = writeln!(out, "- default: {:.6}", model.thresholds.default);
    for (tipo, t) in &model.thresholds.per_tipo {
        let _ = writeln!(out, "- TipoDTE {tipo}: {t:.6}");
    }
    if let Some(forest) = &model.forest {
        let _ = writeln!(
            out,
            "\n## Isolation forest\n\n{} nodes, {} rows per tree.",
            forest.nodes(),
            forest.sample
        );
    }
    out
}
