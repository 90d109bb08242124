//! The compiled SII schemas judge the real published samples as libxml2 does
//! (see `../shared/corpus/README.md`).

#![allow(clippy::unwrap_used)]

use veredicto_schema::Generation;
use veredicto_testkit::{corpus_files, schema_generation};
use veredicto_xml::Limits;

fn generation(name: &str) -> Generation {
    Generation::load(&schema_generation(name)).unwrap()
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
    let files = corpus_files("real/dte");
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
