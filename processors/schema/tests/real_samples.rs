//! The compiled SII schemas judge the real published samples as libxml2 does
//! (see `../shared/corpus/README.md`).

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use veredicto_schema::Generation;
use veredicto_xml::Limits;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn corpus() -> PathBuf {
    let dir = std::env::var_os("VEREDICTO_CORPUS")
        .map_or_else(|| workspace().join("../shared/corpus"), PathBuf::from);
    assert!(
        dir.is_dir(),
        "the shared corpus is missing at {}",
        dir.display()
    );
    dir
}

fn generation(name: &str) -> Generation {
    let dir = workspace().join("schemas/sii").join(name);
    assert!(
        dir.is_dir(),
        "{} is missing: run `make schemas`",
        dir.display()
    );
    Generation::load(&dir).unwrap()
}

/// Files the independent check found invalid, by a part of their name.
const INVALID: [&str; 5] = [
    "mod-bad-cert-no-base64",
    "mod-empty-emails",
    "mod-removed-signature",
    "cleaned-signed_data",
    "cleaned-signed_xml",
];

#[test]
fn real_samples_are_judged_as_libxml2_judges_them() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus().join("real/dte"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 15);
    for name in ["2017", "2026"] {
        let generation = generation(name);
        for file in &files {
            let file_name = file.file_name().unwrap().to_string_lossy();
            let bytes = std::fs::read(file).unwrap();
            let (document, _) = veredicto_xml::parse(&bytes, &Limits::default()).unwrap();
            let report = generation.validate(&document);
            let expected_valid = file_name.contains("--cleaned")
                && !INVALID.iter().any(|bad| file_name.contains(bad));
            assert_eq!(
                report.is_valid(),
                expected_valid,
                "{name} {file_name}: {:#?}",
                report.violations
            );
        }
    }
}
