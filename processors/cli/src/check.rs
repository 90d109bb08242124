//! `veredicto check FILE|DIR|-`: the embedded mode. Runs the same validation
//! as the streaming validator over files, in order, without Kafka.

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::ValueEnum;
use veredicto_anomaly::Scorer;
use veredicto_validator::{Status, Verdict};
use veredicto_xml::Limits;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// One verdict per line, as JSON.
    Json,
    /// A readable table with a summary.
    Table,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files, folders (walked in lexical order of path, `.xml` files only) or
    /// `-` for standard input.
    #[arg(required = true)]
    inputs: Vec<String>,

    /// Output format; a table on a terminal, JSON lines otherwise.
    #[arg(long, value_enum)]
    format: Option<Format>,

    /// Folder of SII schema generations (as `make schemas` lays them out).
    #[arg(long, env = "VEREDICTO_SCHEMAS")]
    schemas: Option<PathBuf>,

    /// Schema generation to judge with (a folder name under --schemas); the
    /// newest by default.
    #[arg(long)]
    generation: Option<String>,

    /// Folder of trusted SII certificates for CAFs, named `<IDK>.cer` (DER or
    /// PEM). Without it, CAF signatures are reported as untrusted.
    #[arg(long, env = "VEREDICTO_TRUST")]
    trust: Option<PathBuf>,

    /// Anomaly model folder (`models/<name>/<version>`); the newest shipped
    /// one by default. Issuer history is kept across all inputs of the run,
    /// in order, so earlier files are the later ones' baseline.
    #[arg(long, env = "VEREDICTO_MODEL")]
    model: Option<PathBuf>,

    /// Validate only; leave the anomaly part of each verdict empty.
    #[arg(long)]
    no_anomaly: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let validator = crate::setup::validator(
        args.schemas.as_deref(),
        args.generation.as_deref(),
        args.trust.as_deref(),
    )?;
    let mut scorer = if args.no_anomaly {
        None
    } else {
        Some(Scorer::new(crate::model::load(args.model.as_deref())?))
    };
    let limits = Limits::default();

    let files = collect(&args.inputs)?;
    let format = args.format.unwrap_or(if std::io::stdout().is_terminal() {
        Format::Table
    } else {
        Format::Json
    });

    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut counts = [0usize; 3];
    let mut flagged = 0usize;
    if format == Format::Table {
        writeln!(
            out,
            "{:<48} {:<28} {:<26} findings",
            "source", "document", "status"
        )?;
    }
    for input in &files {
        let (name, bytes) = read(input)?;
        let mut verdicts = validator.check(&bytes, &name);
        if let Some(scorer) = &mut scorer {
            let scorings = veredicto_validator::anomaly::score(scorer, &bytes, &limits);
            for verdict in &mut verdicts {
                verdict.anomaly = scorings
                    .iter()
                    .find(|s| s.index == verdict.source.index && verdict.document.is_some())
                    .and_then(|s| s.anomaly.clone());
            }
        }
        for verdict in verdicts {
            counts[verdict.status as usize] += 1;
            flagged += usize::from(verdict.anomaly.as_ref().is_some_and(|a| a.flagged));
            match format {
                Format::Json => {
                    serde_json::to_writer(&mut out, &verdict)?;
                    writeln!(out)?;
                }
                Format::Table => table_row(&mut out, &verdict)?,
            }
        }
    }
    if format == Format::Table {
        let [accepted, objections, rejected] = counts;
        writeln!(
            out,
            "\n{} documents: {accepted} accepted, {objections} accepted with objections, \
             {rejected} rejected; {flagged} flagged as anomalous for review",
            accepted + objections + rejected
        )?;
    }
    out.flush()?;
    Ok(if counts[Status::Rejected as usize] > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

enum Input {
    Stdin,
    File(PathBuf),
}

/// Expands folders into their `.xml` files, in lexical order of path.
fn collect(inputs: &[String]) -> anyhow::Result<Vec<Input>> {
    let mut files = Vec::new();
    for input in inputs {
        if input == "-" {
            files.push(Input::Stdin);
            continue;
        }
        let mut found = Vec::new();
        expand(Path::new(input), &mut found)?;
        files.extend(found.into_iter().map(Input::File));
    }
    Ok(files)
}

/// A file as it is, or a folder's `.xml` files in lexical order of path.
pub fn expand(path: &Path, files: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    if path.is_dir() {
        let mut found = Vec::new();
        walk(path, &mut found)?;
        found.sort();
        files.extend(found);
    } else if path.exists() {
        files.push(path.to_path_buf());
    } else {
        bail!("{}: no such file or folder", path.display());
    }
    Ok(())
}

fn walk(dir: &Path, found: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, found)?;
        } else if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("xml"))
        {
            found.push(path);
        }
    }
    Ok(())
}

fn read(input: &Input) -> anyhow::Result<(String, Vec<u8>)> {
    match input {
        Input::Stdin => {
            let mut bytes = Vec::new();
            std::io::stdin().read_to_end(&mut bytes)?;
            Ok(("-".into(), bytes))
        }
        Input::File(path) => {
            let bytes =
                std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            Ok((path.display().to_string(), bytes))
        }
    }
}

fn table_row(out: &mut impl Write, verdict: &Verdict) -> std::io::Result<()> {
    let mut source = verdict.source.file.clone();
    if verdict.source.index > 0 {
        source.push_str(&format!("#{}", verdict.source.index));
    }
    if source.chars().count() > 48 {
        let tail: String = source
            .chars()
            .rev()
            .take(47)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        source = format!("…{tail}");
    }
    let document = verdict
        .document
        .as_ref()
        .map_or_else(|| "-".to_owned(), |d| d.id());
    let mut notes: Vec<String> = Vec::new();
    if let Some(schema) = &verdict.schema
        && !schema.valid
    {
        notes.push(format!("schema ({} errors)", schema.errors.len()));
    }
    if let Some(anomaly) = verdict.anomaly.as_ref().filter(|a| a.flagged) {
        notes.push(format!("ANOMALY {:.2}", anomaly.score));
    }
    notes.extend(verdict.findings.iter().take(4).map(|f| f.code.clone()));
    if verdict.findings.len() > 4 {
        notes.push(format!("+{}", verdict.findings.len() - 4));
    }
    writeln!(
        out,
        "{source:<48} {document:<28} {:<26} {}",
        verdict.status.as_str(),
        notes.join(", ")
    )
}
