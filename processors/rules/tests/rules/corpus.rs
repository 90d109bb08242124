//! The real, signed DTEs of the shared corpus (`real/dte/`, from cl-sii) and the
//! DTEs embedded in its AEC files.
//!
//! The corpus lives outside the repository: `../../../shared/corpus` from this
//! crate, or the folder named by `VEREDICTO_CORPUS`. A missing corpus fails
//! the tests rather than skipping them, so a broken checkout cannot pass.

use std::path::{Path, PathBuf};

use veredicto_rules::{Context, Finding, Severity, check_dte};
use veredicto_xml::{Limits, parse};

use crate::fixtures::codes;

fn corpus_dir() -> PathBuf {
    match std::env::var_os("VEREDICTO_CORPUS") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"),
    }
}

/// The XML files of a corpus folder, sorted; panics when the folder is absent.
fn files(folder: &str) -> Vec<PathBuf> {
    let dir = corpus_dir().join(folder);
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| {
        panic!(
            "corpus folder {} is missing ({e}); set VEREDICTO_CORPUS",
            dir.display()
        )
    });
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no XML files in {}", dir.display());
    files
}

fn check_file(path: &Path) -> Option<Vec<Finding>> {
    let bytes = std::fs::read(path).unwrap();
    let (doc, _) = parse(&bytes, &Limits::default()).unwrap();
    let root = doc.root();
    // Two files are a bare Signature: no document to check.
    matches!(root.local_name(), "DTE" | "Documento").then(|| check_dte(root, &Context::default()))
}

/// What each real sample gives, by file name fragment; files not listed give
/// nothing. Every entry is genuine: see the comments.
const EXPECTED: &[(&str, &[&str])] = &[
    // FchEmis 2019-03-29 but TmstFirma 2019-03-28T13:59:52: signed the day
    // before the date it states. The SII accepted it, hence a reparo.
    ("76399752-9--33--25568", &["ID-FCHEMIS-FIRMA"]),
];

fn expected_for(name: &str) -> &'static [&'static str] {
    EXPECTED
        .iter()
        .find(|(fragment, _)| name.contains(fragment))
        .map_or(&[], |(_, codes)| codes)
}

/// Every real DTE gives exactly the findings listed in `EXPECTED`, and none is
/// a rejection. `mod-changed-monto` changes PrcItem, MontoItem, MntNeto, IVA and
/// MntTotal together and consistently (1258500 × 2 = 2517000, IVA 478230,
/// total 2995230), so the sums agree; only the signature and the TED can tell.
#[test]
fn real_samples_give_only_the_known_findings() {
    let mut checked = 0;
    for path in files("real/dte") {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let Some(findings) = check_file(&path) else {
            continue;
        };
        checked += 1;
        assert_eq!(
            codes(&findings),
            expected_for(&name),
            "{name}: {findings:#?}"
        );
        assert!(
            findings.iter().all(|f| f.severity != Severity::Rechazo),
            "{name}: {findings:#?}"
        );
    }
    // 4 documents, each cleaned and raw, plus the tampered and fragment copies.
    assert!(checked >= 13, "only {checked} real DTEs checked");
}

/// The `--cleaned.xml` samples one by one, with the finding's details.
#[test]
fn cleaned_samples_point_at_the_field() {
    let dir = corpus_dir().join("real/dte");
    let path = dir.join("DTE--76399752-9--33--25568--cleaned.xml");
    let findings = check_file(&path).unwrap();
    let finding = &findings[0];
    assert_eq!(finding.path, "/DTE/Documento/Encabezado/IdDoc/FchEmis");
    assert_eq!(finding.line, Some(9));
    assert_eq!(finding.severity, Severity::Reparo);
    assert!(finding.message.contains("2019-03-29") && finding.message.contains("2019-03-28"));

    for name in [
        "DTE--60910000-1--33--2336600--cleaned.xml",
        "DTE--76354771-K--33--170--cleaned.xml",
        "DTE--96670340-7--61--110616--cleaned.xml",
        "DTE--76354771-K--33--170--cleaned-mod-changed-monto.xml",
    ] {
        let findings = check_file(&dir.join(name)).unwrap();
        assert!(findings.is_empty(), "{name}: {findings:#?}");
    }
}

/// The DTEs inside the real AEC files (cesiones) check like the standalone ones.
#[test]
fn dtes_inside_aec_files() {
    for path in files("real/aec") {
        let bytes = std::fs::read(&path).unwrap();
        let (doc, _) = parse(&bytes, &Limits::default()).unwrap();
        let dtes: Vec<_> = doc
            .root()
            .descendants()
            .filter(|e| e.local_name() == "DTE")
            .collect();
        assert!(!dtes.is_empty(), "{}", path.display());
        for dte in dtes {
            let findings = check_dte(dte, &Context::default());
            let name = path.file_name().unwrap().to_string_lossy();
            assert_eq!(
                codes(&findings),
                expected_for(&name),
                "{name}: {findings:#?}"
            );
        }
    }
}
