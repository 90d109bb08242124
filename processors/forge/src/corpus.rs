//! A corpus on disk: the forged files in emission order, `trust/100.cer` to
//! verify their CAFs with, and `labels.csv` saying what each DTE is.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::error::ForgeError;
use crate::forge::{Forge, ForgeConfig, Label};
use crate::keys::IDK_CERTIFICATION;

/// The header of `labels.csv`.
pub const LABELS_HEADER: &str = "file,index,tipo_dte,folio,rut_emisor,defect";

/// What a corpus run wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// DTEs written.
    pub documents: usize,
    /// Files written, envelopes included.
    pub files: usize,
    /// DTEs with a defect.
    pub defective: usize,
    /// Files that are envelopes.
    pub envelopes: usize,
    /// Wall time of the whole run, key generation and disk included.
    pub elapsed: Duration,
}

impl Summary {
    /// Documents forged per second of the run.
    pub fn rate(&self) -> f64 {
        let seconds = self.elapsed.as_secs_f64();
        if seconds > 0.0 {
            self.documents as f64 / seconds
        } else {
            0.0
        }
    }
}

/// Forges `count` DTEs with `config` into `dir` (created if missing).
///
/// A folder that already holds `labels.csv` or XML files is refused: a
/// second corpus would interleave with the first in lexical order and its
/// labels would not describe the folder.
///
/// # Errors
///
/// [`ForgeError::Config`] for such a folder, [`ForgeError::Io`] when a file
/// cannot be written, and the errors of [`Forge::new`] and
/// [`Forge::next_file`].
pub fn write(dir: &Path, config: ForgeConfig, count: u64) -> Result<Summary, ForgeError> {
    let started = Instant::now();
    let io = |path: PathBuf| move |source| ForgeError::Io { path, source };

    let mut forge = Forge::new(config)?;
    if holds_corpus(dir) {
        return Err(ForgeError::Config(format!(
            "{} already holds XML files or labels.csv; forge into an empty folder",
            dir.display()
        )));
    }
    let trust = dir.join("trust");
    fs::create_dir_all(&trust).map_err(io(trust.clone()))?;
    let certificate = trust.join(format!("{IDK_CERTIFICATION}.cer"));
    fs::write(&certificate, forge.trust_certificate()).map_err(io(certificate.clone()))?;

    let mut labels: Vec<Label> = Vec::with_capacity(count as usize);
    let mut summary = Summary {
        documents: 0,
        files: 0,
        defective: 0,
        envelopes: 0,
        elapsed: Duration::ZERO,
    };
    while let Some(file) = forge.next_file(count)? {
        let path = dir.join(&file.name);
        fs::write(&path, &file.bytes).map_err(io(path.clone()))?;
        summary.files += 1;
        summary.envelopes += usize::from(file.kind != crate::forge::FileKind::Dte);
        summary.documents += file.labels.len();
        summary.defective += file.labels.iter().filter(|l| l.defect.is_some()).count();
        labels.extend(file.labels);
    }

    let path = dir.join("labels.csv");
    fs::write(&path, labels_csv(&labels)).map_err(io(path.clone()))?;
    summary.elapsed = started.elapsed();
    Ok(summary)
}

fn holds_corpus(dir: &Path) -> bool {
    let Ok(entries) = fs::read_dir(dir) else {
        return false;
    };
    entries.flatten().any(|entry| {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        name == "labels.csv" || name.ends_with(".xml")
    })
}

/// `labels.csv`: a header and a row per DTE, in emission order. No field
/// needs quoting: names, RUTs, numbers and defect labels have no commas.
pub fn labels_csv(labels: &[Label]) -> String {
    let mut out = String::with_capacity(64 * (labels.len() + 1));
    out.push_str(LABELS_HEADER);
    out.push('\n');
    for l in labels {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{}",
            l.file,
            l.index,
            l.tipo.code(),
            l.folio,
            l.rut_emisor,
            l.defect.map_or("none", |d| d.name())
        );
    }
    out
}
