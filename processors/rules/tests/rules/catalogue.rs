//! The catalogue itself: stable, unique codes, each exercised by these tests.

use veredicto_rules::{CATALOGUE, Severity};

/// The sources of this test binary, where every code must appear.
const TEST_SOURCES: [&str; 8] = [
    include_str!("rut.rs"),
    include_str!("identity.rs"),
    include_str!("amounts.rs"),
    include_str!("references.rs"),
    include_str!("transport.rs"),
    include_str!("limits.rs"),
    include_str!("envelope.rs"),
    include_str!("corpus.rs"),
];

#[test]
fn codes_are_unique_and_named_after_their_family() {
    let mut codes: Vec<_> = CATALOGUE.iter().map(|r| r.code).collect();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), CATALOGUE.len(), "a code is used twice");
    for rule in CATALOGUE {
        let family = rule.code.split('-').next().unwrap();
        assert!(
            ["RUT", "ID", "AMT", "REF", "TRN", "LIM", "ENV"].contains(&family),
            "{}",
            rule.code
        );
        assert!(!rule.summary.is_empty());
    }
}

#[test]
fn every_rule_is_tested() {
    for rule in CATALOGUE {
        let quoted = format!("\"{}\"", rule.code);
        assert!(
            TEST_SOURCES.iter().any(|source| source.contains(&quoted)),
            "no test names {}",
            rule.code
        );
    }
}

/// Arithmetic is never a rejection (DOMAIN.md, "Severity"); the only SII code
/// recorded is the missing reference.
#[test]
fn severities_follow_the_domain() {
    for rule in CATALOGUE {
        let arithmetic = [
            "AMT-LINE",
            "AMT-LINE-ZERO",
            "AMT-NETO",
            "AMT-EXE",
            "AMT-IVA",
            "AMT-TOTAL",
        ];
        if arithmetic.contains(&rule.code) {
            assert_eq!(rule.severity, Severity::Reparo, "{}", rule.code);
        }
    }
    let with_sii: Vec<_> = CATALOGUE.iter().filter_map(|r| r.sii_code).collect();
    assert_eq!(with_sii, ["REF-3-415"]);
}
