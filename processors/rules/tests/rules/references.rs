//! References: what notes must reference, and what any reference may carry.

use veredicto_rules::Severity;

use crate::fixtures::{EMISOR, Fixture, Line, assert_clean, assert_codes, only};

const ANNULS: [(&str, &str); 5] = [
    ("TpoDocRef", "33"),
    ("FolioRef", "150"),
    ("FchRef", "2024-04-30"),
    ("CodRef", "1"),
    ("RazonRef", "Anula factura"),
];

#[test]
fn notes_need_a_reference_with_codref() {
    for tipo in [56, 61, 111, 112] {
        assert_clean(&Fixture::new(tipo).build());
        let findings = assert_codes(
            &Fixture::new(tipo).without_references().build(),
            &["REF-MISSING"],
        );
        let finding = only(&findings, "REF-MISSING");
        assert_eq!(finding.severity, Severity::Rechazo);
        assert_eq!(finding.sii_code, Some("REF-3-415"));
        assert!(finding.path.ends_with("/Referencia"));
    }
    // A reference without CodRef (a purchase order) does not say what changes.
    let orden = Fixture::new(61).without_references().reference(&[
        ("TpoDocRef", "801"),
        ("FolioRef", "4510083633"),
        ("FchRef", "2024-04-22"),
    ]);
    let findings = assert_codes(&orden.build(), &["REF-MISSING"]);
    assert!(
        only(&findings, "REF-MISSING")
            .message
            .contains("1 Referencia without CodRef")
    );
    // Invoices need none.
    assert_clean(&Fixture::new(33).build());
}

#[test]
fn annulments_and_text_corrections_reference_one_document() {
    let annul = Fixture::new(61).without_references().reference(&ANNULS);
    assert_clean(&annul.build());
    // A purchase order reference alongside is fine: it has no CodRef.
    let with_order = annul.clone().reference(&[
        ("TpoDocRef", "801"),
        ("FolioRef", "45"),
        ("FchRef", "2024-04-22"),
    ]);
    assert_clean(&with_order.build());

    let two = annul.reference(&[
        ("TpoDocRef", "33"),
        ("FolioRef", "151"),
        ("FchRef", "2024-04-30"),
        ("CodRef", "3"),
    ]);
    let findings = assert_codes(&two.build(), &["REF-SINGLE"]);
    assert_eq!(
        only(&findings, "REF-SINGLE").path,
        "/DTE/Documento/Referencia[1]"
    );
}

#[test]
fn text_corrections_carry_amount_zero() {
    let correccion = Fixture::new(61).without_references().reference(&[
        ("TpoDocRef", "33"),
        ("FolioRef", "150"),
        ("FchRef", "2024-04-30"),
        ("CodRef", "2"),
        ("RazonRef", "Corrige giro del receptor"),
    ]);
    let zero = correccion
        .clone()
        .lines(vec![Line::amount("Corrige giro", "0")])
        .total("MntNeto", "0")
        .total("IVA", "0")
        .total("MntTotal", "0");
    assert_clean(&zero.build());
    let findings = assert_codes(&correccion.build(), &["REF-TEXT-AMOUNT"]);
    let finding = only(&findings, "REF-TEXT-AMOUNT");
    assert!(finding.path.ends_with("/Totales/MntTotal"));
    assert!(finding.message.contains("MntTotal is 2380"));
}

#[test]
fn folio_zero_only_in_a_global_reference() {
    let global = Fixture::new(61).without_references().reference(&[
        ("TpoDocRef", "33"),
        ("IndGlobal", "1"),
        ("FolioRef", "0"),
        ("FchRef", "2024-04-30"),
        ("CodRef", "3"),
        ("RazonRef", "Descuento por volumen de abril"),
    ]);
    assert_clean(&global.build());
    let not_global = Fixture::new(61).without_references().reference(&[
        ("TpoDocRef", "33"),
        ("FolioRef", "0"),
        ("FchRef", "2024-04-30"),
        ("CodRef", "3"),
    ]);
    let findings = assert_codes(&not_global.build(), &["REF-FOLIO-ZERO"]);
    assert_eq!(only(&findings, "REF-FOLIO-ZERO").severity, Severity::Reparo);
}

#[test]
fn rut_otr_only_on_46_56_61_and_never_the_issuer() {
    let third = [
        ("TpoDocRef", "33"),
        ("FolioRef", "9"),
        ("RUTOtr", "60803000-K"),
        ("FchRef", "2024-04-30"),
        ("CodRef", "3"),
    ];
    assert_clean(
        &Fixture::new(61)
            .without_references()
            .reference(&third)
            .build(),
    );
    assert_clean(&Fixture::new(46).reference(&third).build());
    assert_codes(
        &Fixture::new(33).reference(&third).build(),
        &["REF-RUTOTR-TYPE"],
    );

    let own = [
        ("TpoDocRef", "33"),
        ("FolioRef", "9"),
        ("RUTOtr", EMISOR),
        ("FchRef", "2024-04-30"),
        ("CodRef", "3"),
    ];
    let findings = assert_codes(
        &Fixture::new(61)
            .without_references()
            .reference(&own)
            .build(),
        &["REF-RUTOTR-EMISOR"],
    );
    assert!(
        only(&findings, "REF-RUTOTR-EMISOR")
            .message
            .contains(EMISOR)
    );
}

#[test]
fn at_most_forty_references() {
    let order = [
        ("TpoDocRef", "801"),
        ("FolioRef", "1"),
        ("FchRef", "2024-04-22"),
    ];
    let mut forty = Fixture::new(33);
    for _ in 0..40 {
        forty = forty.reference(&order);
    }
    assert_clean(&forty.build());
    let findings = assert_codes(&forty.reference(&order).build(), &["REF-COUNT"]);
    let finding = only(&findings, "REF-COUNT");
    assert_eq!(finding.severity, Severity::Rechazo);
    assert_eq!(finding.path, "/DTE/Documento/Referencia[41]");
}
