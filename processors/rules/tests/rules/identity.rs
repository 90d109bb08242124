//! Identity: document element, mandatory header fields, type, folio, dates.

use veredicto_rules::{Context, Date, Severity};

use crate::fixtures::{Fixture, assert_clean, assert_codes, check, check_with, codes, only};

#[test]
fn every_type_builds_a_clean_document() {
    for tipo in [33, 34, 39, 41, 43, 46, 52, 56, 61, 110, 111, 112] {
        assert_clean(&Fixture::new(tipo).build());
    }
}

#[test]
fn a_dte_without_a_document_element() {
    let findings = check("<DTE version=\"1.0\"><Signature/></DTE>");
    assert_eq!(codes(&findings), ["ID-DOCUMENTO"]);
    assert_eq!(findings[0].severity, Severity::Rechazo);
    assert_eq!(findings[0].path, "/DTE");
}

#[test]
fn each_mandatory_header_field_missing_is_one_rejection() {
    let cases = [
        (
            Fixture::new(33).without_id_doc("Folio"),
            "/Encabezado/IdDoc/Folio",
        ),
        (
            Fixture::new(33).without_id_doc("FchEmis"),
            "/Encabezado/IdDoc/FchEmis",
        ),
        (
            Fixture::new(33).without_emisor("RUTEmisor"),
            "/Encabezado/Emisor/RUTEmisor",
        ),
        (
            Fixture::new(33).without_receptor("RUTRecep"),
            "/Encabezado/Receptor/RUTRecep",
        ),
        (
            Fixture::new(39).without_id_doc("IndServicio"),
            "/Encabezado/IdDoc/IndServicio",
        ),
        (
            Fixture::new(110).without_total("TpoMoneda"),
            "/Encabezado/Totales/TpoMoneda",
        ),
    ];
    for (fixture, path) in cases {
        let findings = assert_codes(&fixture.build(), &["ID-MISSING"]);
        let finding = only(&findings, "ID-MISSING");
        assert_eq!(finding.severity, Severity::Rechazo);
        assert!(finding.path.ends_with(path), "{} vs {path}", finding.path);
    }
}

#[test]
fn a_missing_mntotal_is_reported_once() {
    let findings = check(&Fixture::new(33).without_total("MntTotal").build());
    assert_eq!(codes(&findings), ["ID-MISSING"]);
    assert_eq!(
        findings[0].path,
        "/DTE/Documento/Encabezado/Totales/MntTotal"
    );
}

#[test]
fn an_empty_folio_and_a_missing_tipo_dte() {
    assert_codes(
        &Fixture::new(33).id_doc("Folio", " ").build(),
        &["ID-MISSING"],
    );
    // Without a type, only the type-independent rules run.
    assert_codes(
        &Fixture::new(33).without_id_doc("TipoDTE").build(),
        &["ID-MISSING"],
    );
}

#[test]
fn a_missing_encabezado_names_each_field() {
    let xml =
        "<DTE><Documento ID=\"x\"><Detalle><MontoItem>1</MontoItem></Detalle></Documento></DTE>";
    let findings = check(xml);
    assert_eq!(codes(&findings), ["ID-MISSING"; 6]);
    assert_eq!(findings[0].path, "/DTE/Documento/Encabezado/IdDoc/TipoDTE");
    assert!(findings[0].message.contains("Encabezado itself is missing"));
}

#[test]
fn tipo_dte_must_be_known_and_in_its_element() {
    let findings = assert_codes(
        &Fixture::new(33).id_doc("TipoDTE", "35").build(),
        &["ID-TIPODTE"],
    );
    assert!(only(&findings, "ID-TIPODTE").message.contains("33, 34, 39"));
    // A liquidación-factura written as a Documento.
    let xml = Fixture::new(33).id_doc("TipoDTE", "43").build();
    let findings = assert_codes(&xml, &["ID-TIPODTE"]);
    assert!(
        only(&findings, "ID-TIPODTE")
            .message
            .contains("<Liquidacion>")
    );
    assert_codes(
        &Fixture::new(33).id_doc("TipoDTE", "factura").build(),
        &["ID-TIPODTE"],
    );
}

#[test]
fn folio_is_a_positive_integer_of_at_most_ten_digits() {
    for good in ["1", "9999999999", "0000000170"] {
        assert_clean(&Fixture::new(33).id_doc("Folio", good).build());
    }
    for bad in ["0", "12345678901", "17a", "-5", "1.5"] {
        let findings = assert_codes(
            &Fixture::new(33).id_doc("Folio", bad).build(),
            &["ID-FOLIO"],
        );
        assert_eq!(only(&findings, "ID-FOLIO").severity, Severity::Rechazo);
    }
}

#[test]
fn fchemis_within_the_sii_range() {
    let fixture = |date: &str| {
        Fixture::new(33)
            .id_doc("FchEmis", date)
            .tmst_firma("2051-06-01T00:00:00")
    };
    assert_clean(&fixture("2003-04-01").build());
    assert_clean(&fixture("2050-12-31").build());
    for bad in [
        "2003-03-31",
        "2051-01-01",
        "2019-02-30",
        "01-08-2019",
        "2019-08-08T10:00:00",
    ] {
        assert_codes(&fixture(bad).build(), &["ID-FCHEMIS"]);
    }
}

#[test]
fn fchemis_after_the_signing_date() {
    let signed_before = Fixture::new(33)
        .id_doc("FchEmis", "2024-05-03")
        .tmst_firma("2024-05-02T23:59:59");
    let findings = assert_codes(&signed_before.build(), &["ID-FCHEMIS-FIRMA"]);
    assert_eq!(
        only(&findings, "ID-FCHEMIS-FIRMA").severity,
        Severity::Reparo
    );
    // Same day, or signed later, is fine.
    assert_clean(&Fixture::new(33).tmst_firma("2024-05-02T00:00:00").build());
    assert_clean(&Fixture::new(33).tmst_firma("2024-06-30T08:00:00").build());
}

#[test]
fn fchemis_in_the_future_only_with_a_clock() {
    let xml = Fixture::new(33)
        .id_doc("FchEmis", "2024-05-10")
        .tmst_firma("2024-05-10T09:00:00")
        .build();
    let yesterday = Context {
        today: Date::from_ymd(2024, 5, 9),
    };
    let findings = check_with(&xml, &yesterday);
    assert_eq!(codes(&findings), ["ID-FCHEMIS-FUTURE"]);
    assert_eq!(findings[0].severity, Severity::Aviso);
    let same_day = Context {
        today: Date::from_ymd(2024, 5, 10),
    };
    assert!(check_with(&xml, &same_day).is_empty());
    assert!(check_with(&xml, &Context::default()).is_empty());
}

#[test]
fn fchvenc_not_before_fchemis() {
    assert_clean(&Fixture::new(33).id_doc("FchVenc", "2024-05-02").build());
    let findings = assert_codes(
        &Fixture::new(33).id_doc("FchVenc", "2024-05-01").build(),
        &["ID-FCHVENC"],
    );
    assert!(only(&findings, "ID-FCHVENC").message.contains("2024-05-01"));
}
