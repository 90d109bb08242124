//! Time-ordered, labelled streams of DTEs from many issuers, for training
//! and judging anomaly detection.
//!
//! Each issuer gets its own behaviour from the seed ([`profile`]): how many
//! documents it issues and when (heavy-tailed rates, weekdays, working hours,
//! month ends, summer holidays, slow drift), of which types, for how much (a
//! log-normal per issuer and type, a second kind of sale, occasional big but
//! legitimate ones, round amounts for some), to which counterparts (Zipf-like,
//! with new ones now and then), with how many lines, signed how late after
//! FchEmis and published how late after signing. Folios run strictly in
//! sequence per issuer and type.
//!
//! Anomalies are then injected at rates between 0.1% and 2% of the documents
//! per kind, mostly in the test period and a few in the warm-up, and
//! labelled: the design kinds of [`Anomaly`] and a few held-out kinds kept
//! apart from the detector's design. Every document, anomalous or not, is a
//! schema-valid, correctly stamped and signed DTE; only `iva_mismatch` breaks
//! an amount rule and `duplicate_folio` the uniqueness of a folio, as those
//! kinds must.
//!
//! # Output
//!
//! ```text
//! OUT/STREAM.md              seed, sizes, warm-up/test split, counts and rates per kind
//! OUT/labels.csv             seq,file,phase,arrival,rut_emisor,tipo_dte,folio,kind,held_out
//! OUT/trust/100.cer          the test SII's certificate
//! OUT/warmup/NNNNNNNN.xml    one signed DTE per file, in arrival order
//! OUT/test/NNNNNNNN.xml      the sequence continues across phases
//! ```
//!
//! The same configuration gives the same bytes.

mod amounts;
mod holdout;
mod plan;
mod profile;
mod render;

use std::fmt::{self, Write as _};
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::calendar::Date;
use crate::error::ForgeError;
use crate::keys::IDK_CERTIFICATION;

pub use holdout::HeldOut;
pub use plan::{Plan, Planned};

/// The header of a stream's `labels.csv`.
pub const STREAM_LABELS_HEADER: &str =
    "seq,file,phase,arrival,rut_emisor,tipo_dte,folio,kind,held_out";

/// What stream to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamConfig {
    /// Everything follows from the seed.
    pub seed: u64,
    /// How many businesses issue documents.
    pub issuers: usize,
    /// Length of the whole stream in days, warm-up included.
    pub days: u32,
    /// The first days, for a detector to learn what is usual.
    pub warmup_days: u32,
    /// The first day of the stream.
    pub start: Date,
}

impl Default for StreamConfig {
    fn default() -> Self {
        Self {
            seed: 1,
            issuers: 1000,
            days: 120,
            warmup_days: 60,
            start: Date::from_civil(2026, 1, 5),
        }
    }
}

impl StreamConfig {
    fn validate(&self) -> Result<(), ForgeError> {
        let problem = if self.issuers == 0 || self.issuers > 100_000 {
            Some(format!("{} issuers is not within 1..100000", self.issuers))
        } else if self.days < 2 || self.days > 3_650 {
            Some(format!("{} days is not within 2..3650", self.days))
        } else if self.warmup_days == 0 || self.warmup_days >= self.days {
            Some(format!(
                "the warm-up ({} days) must be at least a day and shorter than the stream ({} \
                 days)",
                self.warmup_days, self.days
            ))
        } else if self.start.year() < 2004
            || self.start.plus_days(i64::from(self.days)).year() > 2049
        {
            Some("the stream must lie between 2004 and 2049".to_owned())
        } else {
            None
        };
        match problem {
            Some(problem) => Err(ForgeError::Config(problem)),
            None => Ok(()),
        }
    }

    /// The first day of the test period.
    pub fn test_start(&self) -> Date {
        self.start.plus_days(i64::from(self.warmup_days))
    }
}

/// A kind of anomaly a stream injects and labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Anomaly {
    /// MntTotal 20 to 100 times the issuer's usual for the type.
    AmountSpike,
    /// IVA is not round(MntNeto × 19%); MntTotal adds up with it.
    IvaMismatch,
    /// A second, different document with a folio the issuer already used
    /// for the type.
    DuplicateFolio,
    /// The folio jumps ahead by hundreds to thousands; the sequence goes on
    /// from there.
    FolioJump,
    /// A never-seen receiver with an amount well above usual.
    NewCounterpartLarge,
    /// 10 to 50 documents within an hour, far above the issuer's rate.
    Burst,
    /// Signed between 01:00 and 05:00, or on a Sunday, by an office-hours
    /// issuer.
    OddHour,
    /// FchEmis 20 to 300 days before TmstFirma.
    Backdated,
    /// Many more Detalle lines than the issuer writes.
    LineCount,
    /// An exact round MntTotal from an issuer that never rounds.
    RoundAmount,
    /// A nota de crédito from an issuer that rarely issues them, or larger
    /// than anything it credits.
    CreditNoteUnusual,
    /// From some day on, the issuer's amounts look made up: leading digits
    /// uniform, or trailing digits repeated.
    DigitDrift,
    /// A kind kept out of the detector's design.
    HeldOut(HeldOut),
}

impl Anomaly {
    /// The design kinds.
    pub const DESIGN: [Anomaly; 12] = [
        Anomaly::AmountSpike,
        Anomaly::IvaMismatch,
        Anomaly::DuplicateFolio,
        Anomaly::FolioJump,
        Anomaly::NewCounterpartLarge,
        Anomaly::Burst,
        Anomaly::OddHour,
        Anomaly::Backdated,
        Anomaly::LineCount,
        Anomaly::RoundAmount,
        Anomaly::CreditNoteUnusual,
        Anomaly::DigitDrift,
    ];

    /// Every kind: the design kinds, then the held-out ones.
    pub fn all() -> Vec<Anomaly> {
        let mut all = Self::DESIGN.to_vec();
        all.extend(HeldOut::ALL.iter().map(|&h| Anomaly::HeldOut(h)));
        all
    }

    /// The snake_case name `labels.csv` writes.
    pub fn name(self) -> &'static str {
        match self {
            Anomaly::AmountSpike => "amount_spike",
            Anomaly::IvaMismatch => "iva_mismatch",
            Anomaly::DuplicateFolio => "duplicate_folio",
            Anomaly::FolioJump => "folio_jump",
            Anomaly::NewCounterpartLarge => "new_counterpart_large",
            Anomaly::Burst => "burst",
            Anomaly::OddHour => "odd_hour",
            Anomaly::Backdated => "backdated",
            Anomaly::LineCount => "line_count",
            Anomaly::RoundAmount => "round_amount",
            Anomaly::CreditNoteUnusual => "credit_note_unusual",
            Anomaly::DigitDrift => "digit_drift",
            Anomaly::HeldOut(h) => h.name(),
        }
    }

    /// Whether the kind is held out of the detector's design.
    pub fn held_out(self) -> bool {
        matches!(self, Anomaly::HeldOut(_))
    }

    /// The kind named `name`, as [`Anomaly::name`] writes it.
    pub fn from_name(name: &str) -> Option<Anomaly> {
        Self::all().into_iter().find(|a| a.name() == name)
    }

    /// One line on what the kind is, for `STREAM.md`.
    fn describe(self) -> &'static str {
        match self {
            Anomaly::AmountSpike => "MntTotal 20-100x the issuer's median for the type",
            Anomaly::IvaMismatch => "IVA off round(MntNeto x 19%); MntTotal adds up with it",
            Anomaly::DuplicateFolio => "a different document reusing an issued folio",
            Anomaly::FolioJump => "the folio jumps ahead by hundreds to thousands",
            Anomaly::NewCounterpartLarge => "a never-seen receiver, 6-30x the median",
            Anomaly::Burst => "10-50 documents within an hour (each labelled)",
            Anomaly::OddHour => "signed 01:00-05:00 or on a Sunday by an office issuer",
            Anomaly::Backdated => "FchEmis 20-300 days before TmstFirma",
            Anomaly::LineCount => "far more Detalle lines than usual (up to 60)",
            Anomaly::RoundAmount => "an exact round MntTotal from an issuer that never rounds",
            Anomaly::CreditNoteUnusual => {
                "a nota de crédito from a rare creditor, or 3-10x a usual factura"
            }
            Anomaly::DigitDrift => "from some day on, made-up digits (each document labelled)",
            Anomaly::HeldOut(h) => h.describe(),
        }
    }
}

impl fmt::Display for Anomaly {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The two periods of a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Phase {
    Warmup,
    Test,
}

impl Phase {
    /// `warmup` or `test`: the folder and the label.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Warmup => "warmup",
            Phase::Test => "test",
        }
    }
}

/// What a stream run wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamSummary {
    /// Documents per phase: warm-up, test.
    pub documents: (usize, usize),
    /// Labelled documents per kind and phase, in [`Anomaly::all`]'s order.
    pub kinds: Vec<(Anomaly, usize, usize)>,
    /// Bytes of the DTE files.
    pub bytes: u64,
    /// Wall time of the whole run.
    pub elapsed: Duration,
}

impl StreamSummary {
    /// Every document written.
    pub fn total(&self) -> usize {
        self.documents.0 + self.documents.1
    }

    /// Every labelled document.
    pub fn anomalous(&self) -> usize {
        self.kinds.iter().map(|(_, w, t)| w + t).sum()
    }
}

/// Writes the stream of `config` into `dir` (created if missing).
///
/// # Errors
///
/// [`ForgeError::Config`] for a bad configuration or a folder that already
/// holds a stream or corpus, [`ForgeError::Io`] when a file cannot be
/// written; the others only on a bug in the forge.
pub fn write_stream(dir: &Path, config: &StreamConfig) -> Result<StreamSummary, ForgeError> {
    let started = Instant::now();
    let io = |path: PathBuf| move |source| ForgeError::Io { path, source };
    let plan = Plan::new(config)?;
    if dir.join("labels.csv").exists() || dir.join("warmup").exists() || dir.join("test").exists() {
        return Err(ForgeError::Config(format!(
            "{} already holds a stream or corpus; write into an empty folder",
            dir.display()
        )));
    }
    let mut renderer = render::Renderer::new(&plan)?;

    for folder in ["trust", "warmup", "test"] {
        let path = dir.join(folder);
        fs::create_dir_all(&path).map_err(io(path.clone()))?;
    }
    let certificate = dir.join(format!("trust/{IDK_CERTIFICATION}.cer"));
    fs::write(&certificate, renderer.trust_certificate()).map_err(io(certificate.clone()))?;

    let mut labels = String::with_capacity(96 * (plan.len() + 1));
    labels.push_str(STREAM_LABELS_HEADER);
    labels.push('\n');
    let mut summary = StreamSummary {
        documents: (0, 0),
        kinds: Anomaly::all().into_iter().map(|a| (a, 0, 0)).collect(),
        bytes: 0,
        elapsed: Duration::ZERO,
    };
    for (index, planned) in plan.documents().iter().enumerate() {
        let seq = index + 1;
        let phase = plan.phase(planned);
        let file = format!("{}/{seq:08}.xml", phase.name());
        let (bytes, rut) = renderer.render(planned)?;
        let path = dir.join(&file);
        fs::write(&path, &bytes).map_err(io(path.clone()))?;
        summary.bytes += bytes.len() as u64;
        match phase {
            Phase::Warmup => summary.documents.0 += 1,
            Phase::Test => summary.documents.1 += 1,
        }
        if let Some(kind) = planned.anomaly {
            if let Some(entry) = summary.kinds.iter_mut().find(|(a, _, _)| *a == kind) {
                match phase {
                    Phase::Warmup => entry.1 += 1,
                    Phase::Test => entry.2 += 1,
                }
            }
        }
        let _ = writeln!(
            labels,
            "{seq},{file},{},{},{rut},{},{},{},{}",
            phase.name(),
            planned.arrival,
            planned.tipo.code(),
            planned.folio,
            planned.anomaly.map_or("", Anomaly::name),
            planned.anomaly.is_some_and(Anomaly::held_out)
        );
    }
    let path = dir.join("labels.csv");
    fs::write(&path, labels).map_err(io(path.clone()))?;
    summary.elapsed = started.elapsed();
    let path = dir.join("STREAM.md");
    fs::write(&path, report(config, &plan, &summary)).map_err(io(path.clone()))?;
    Ok(summary)
}

/// `STREAM.md`: what the stream is, and its counts.
fn report(config: &StreamConfig, plan: &Plan, summary: &StreamSummary) -> String {
    let mut out = String::new();
    let total = summary.total().max(1) as f64;
    let end = config.start.plus_days(i64::from(config.days) - 1);
    let _ = writeln!(out, "# Forged DTE stream\n");
    let _ = writeln!(
        out,
        "Written by `veredicto forge --stream --seed {} --issuers {} --days {} --warmup-days {} \
         --start {}`; the same flags write the same bytes.\n",
        config.seed, config.issuers, config.days, config.warmup_days, config.start
    );
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ = writeln!(out, "| seed | {} |", config.seed);
    let _ = writeln!(out, "| issuers | {} |", config.issuers);
    let _ = writeln!(
        out,
        "| days | {} ({} to {}) |",
        config.days, config.start, end
    );
    let _ = writeln!(
        out,
        "| warm-up | {} days, arrivals before {}: {} documents |",
        config.warmup_days,
        config.test_start(),
        summary.documents.0
    );
    let _ = writeln!(
        out,
        "| test | {} days, arrivals from {}: {} documents |",
        config.days - config.warmup_days,
        config.test_start(),
        summary.documents.1
    );
    let _ = writeln!(
        out,
        "| documents | {} ({} labelled anomalous, {:.2}%) |",
        summary.total(),
        summary.anomalous(),
        100.0 * summary.anomalous() as f64 / total
    );
    let _ = writeln!(
        out,
        "| types | {} |",
        plan.type_counts()
            .iter()
            .map(|(t, n)| format!("{}: {n}", t.code()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(out, "| DTE bytes | {} |\n", summary.bytes);

    for (title, held_out) in [("Design kinds", false), ("Held-out kinds", true)] {
        let _ = writeln!(out, "## {title}\n");
        if held_out {
            let _ = writeln!(
                out,
                "Kept out of the detector's design; labelled `held_out=true` and reported \
                 apart.\n"
            );
        }
        let _ = writeln!(
            out,
            "| kind | warm-up | test | total | rate | what |\n|---|---:|---:|---:|---:|---|"
        );
        for (kind, warmup, test) in summary.kinds.iter().filter(|k| k.0.held_out() == held_out) {
            let _ = writeln!(
                out,
                "| `{}` | {warmup} | {test} | {} | {:.2}% | {} |",
                kind.name(),
                warmup + test,
                100.0 * (warmup + test) as f64 / total,
                kind.describe()
            );
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "`arrival` in `labels.csv` is when the ERP published the document, a little after \
         TmstFirma; files are numbered in arrival order across issuers. Phases split by \
         arrival. Generated in {:.1} s.",
        summary.elapsed.as_secs_f64()
    );
    out
}
