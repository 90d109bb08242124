//! Counts and text lengths.

use veredicto_rules::Severity;

use crate::fixtures::{Fixture, Line, assert_clean, assert_codes, only};

fn lines(n: usize) -> Vec<Line> {
    (0..n)
        .map(|i| Line::new(&format!("Item {i}"), "1", "100"))
        .collect()
}

#[test]
fn at_most_sixty_lines_or_a_thousand_in_a_boleta() {
    assert_clean(&Fixture::new(33).lines(lines(60)).build());
    let findings = assert_codes(&Fixture::new(33).lines(lines(61)).build(), &["LIM-DETALLE"]);
    let finding = only(&findings, "LIM-DETALLE");
    assert_eq!(finding.severity, Severity::Rechazo);
    assert_eq!(finding.path, "/DTE/Documento/Detalle[61]");
    assert!(finding.message.starts_with("61 Detalle lines"));

    assert_clean(&Fixture::new(39).lines(lines(1_000)).build());
    assert_codes(
        &Fixture::new(39).lines(lines(1_001)).build(),
        &["LIM-DETALLE"],
    );
}

#[test]
fn at_most_twenty_global_adjustments() {
    let mut fixture = Fixture::new(33);
    for _ in 0..20 {
        fixture = fixture.global(&[("TpoMov", "R"), ("TpoValor", "$"), ("ValorDR", "1")]);
    }
    assert_clean(&fixture.build());
    let fixture = fixture.global(&[("TpoMov", "R"), ("TpoValor", "$"), ("ValorDR", "1")]);
    assert_codes(&fixture.build(), &["LIM-DSCRCG"]);
}

#[test]
fn at_most_twenty_additional_taxes() {
    let tax = "<TipoImp>27</TipoImp><TasaImp>10</TasaImp><MontoImp>1</MontoImp>";
    let mut fixture = Fixture::new(33);
    for _ in 0..20 {
        fixture = fixture.total_xml("ImptoReten", tax);
    }
    assert_clean(&fixture.clone().total("MntTotal", "2400").build());
    let fixture = fixture
        .total_xml("ImptoReten", tax)
        .total("MntTotal", "2401");
    assert_codes(&fixture.build(), &["LIM-IMPTORETEN"]);
}

#[test]
fn at_most_four_acteco() {
    let mut fixture = Fixture::new(33);
    for code in ["421001", "421002", "421003"] {
        fixture = fixture.push_emisor("Acteco", code);
    }
    assert_clean(&fixture.build());
    assert_codes(
        &fixture.push_emisor("Acteco", "421004").build(),
        &["LIM-ACTECO"],
    );
}

#[test]
fn lengths_count_characters_not_bytes() {
    // "ñ" is two bytes in UTF-8 and one character.
    assert_clean(&Fixture::new(33).emisor("RznSoc", &"ñ".repeat(100)).build());
    let findings = assert_codes(
        &Fixture::new(33).emisor("RznSoc", &"ñ".repeat(101)).build(),
        &["LIM-RZNSOC"],
    );
    assert!(
        only(&findings, "LIM-RZNSOC")
            .message
            .contains("101 characters")
    );
    assert_codes(
        &Fixture::new(39)
            .emisor("RznSocEmisor", &"a".repeat(101))
            .build(),
        &["LIM-RZNSOC"],
    );

    assert_clean(&Fixture::new(33).emisor("GiroEmis", &"é".repeat(80)).build());
    assert_codes(
        &Fixture::new(33).emisor("GiroEmis", &"é".repeat(81)).build(),
        &["LIM-GIROEMIS"],
    );

    let reason = |n: usize| {
        Fixture::new(61).without_references().reference(&[
            ("TpoDocRef", "33"),
            ("FolioRef", "150"),
            ("FchRef", "2024-04-30"),
            ("CodRef", "3"),
            ("RazonRef", &"á".repeat(n)),
        ])
    };
    assert_clean(&reason(90).build());
    assert_codes(&reason(91).build(), &["LIM-RAZONREF"]);
}
