//! Envelopes: the Caratula against the DTEs inside.

use veredicto_rules::{
    Context, Severity, check_dte, check_envelope, check_envelope_dtes, envelope_dtes,
};
use veredicto_xml::{Limits, parse};

use crate::fixtures::{EMISOR, Fixture, codes, only};

const ENVIA: &str = "13185095-6";

/// An EnvioDTE with `caratula_fields` (inner XML after the RUTs) and `dtes`.
fn envelope(ruts: [&str; 3], subtotals: &[(u16, usize)], dtes: &[String]) -> String {
    let mut xml = String::from(
        "<EnvioDTE xmlns=\"http://www.sii.cl/SiiDte\" version=\"1.0\">\n<SetDTE ID=\"SetDoc\">\n\
         <Caratula version=\"1.0\">",
    );
    for (name, value) in ["RutEmisor", "RutEnvia", "RutReceptor"].iter().zip(ruts) {
        if !value.is_empty() {
            xml.push_str(&format!("<{name}>{value}</{name}>"));
        }
    }
    xml.push_str("<FchResol>2014-08-22</FchResol><NroResol>80</NroResol>");
    xml.push_str("<TmstFirmaEnv>2024-05-02T10:20:00</TmstFirmaEnv>");
    for (tipo, count) in subtotals {
        xml.push_str(&format!(
            "<SubTotDTE><TpoDTE>{tipo}</TpoDTE><NroDTE>{count}</NroDTE></SubTotDTE>"
        ));
    }
    xml.push_str("</Caratula>\n");
    for dte in dtes {
        xml.push_str(dte);
    }
    xml.push_str("</SetDTE>\n</EnvioDTE>\n");
    xml
}

fn check(xml: &str) -> Vec<veredicto_rules::Finding> {
    let (doc, _) = parse(xml.as_bytes(), &Limits::default()).unwrap();
    check_envelope(doc.root())
}

fn three_dtes() -> Vec<String> {
    vec![
        Fixture::new(33).build(),
        Fixture::new(33).id_doc("Folio", "171").build(),
        Fixture::new(61).build(),
    ]
}

#[test]
fn a_matching_caratula_passes_and_its_dtes_are_reachable() {
    let xml = envelope(
        [EMISOR, ENVIA, "60803000-K"],
        &[(33, 2), (61, 1)],
        &three_dtes(),
    );
    assert!(check(&xml).is_empty(), "{:#?}", check(&xml));

    let (doc, _) = parse(xml.as_bytes(), &Limits::default()).unwrap();
    let dtes: Vec<_> = envelope_dtes(doc.root()).collect();
    assert_eq!(dtes.len(), 3);
    for dte in dtes {
        assert!(check_dte(dte, &Context::default()).is_empty());
    }
}

#[test]
fn subtotals_must_count_the_dtes() {
    let wrong_count = envelope(
        [EMISOR, ENVIA, "60803000-K"],
        &[(33, 3), (61, 1)],
        &three_dtes(),
    );
    let findings = check(&wrong_count);
    assert_eq!(codes(&findings), ["ENV-SUBTOT"]);
    assert_eq!(findings[0].severity, Severity::Rechazo);
    assert_eq!(
        findings[0].path,
        "/EnvioDTE/SetDTE/Caratula/SubTotDTE[1]/NroDTE"
    );
    assert!(
        findings[0]
            .message
            .contains("declares 3 DTEs of type 33, but the envelope holds 2")
    );

    let undeclared = envelope([EMISOR, ENVIA, "60803000-K"], &[(33, 2)], &three_dtes());
    let findings = check(&undeclared);
    assert_eq!(codes(&findings), ["ENV-SUBTOT"]);
    assert!(findings[0].message.contains("1 DTEs of type 61"));

    let absent = envelope(
        [EMISOR, ENVIA, "60803000-K"],
        &[(33, 2), (61, 1), (56, 1)],
        &three_dtes(),
    );
    assert_eq!(codes(&check(&absent)), ["ENV-SUBTOT"]);
}

#[test]
fn every_dte_comes_from_the_caratulas_issuer() {
    let mut dtes = three_dtes();
    dtes.push(Fixture::new(33).emisor("RUTEmisor", "60910000-1").build());
    let xml = envelope([EMISOR, ENVIA, "60803000-K"], &[(33, 3), (61, 1)], &dtes);
    let findings = check(&xml);
    assert_eq!(codes(&findings), ["ENV-RUTEMISOR"]);
    assert_eq!(
        findings[0].path,
        "/EnvioDTE/SetDTE/DTE[4]/Documento/Encabezado/Emisor/RUTEmisor"
    );
}

#[test]
fn caratula_ruts_are_present_and_valid() {
    let missing = envelope([EMISOR, ENVIA, ""], &[(33, 2), (61, 1)], &three_dtes());
    let findings = check(&missing);
    assert_eq!(codes(&findings), ["ENV-MISSING"]);
    assert_eq!(findings[0].path, "/EnvioDTE/SetDTE/Caratula/RutReceptor");

    let bad_envia = envelope(
        [EMISOR, "13.185.095-6", "60803000-K"],
        &[(33, 2), (61, 1)],
        &three_dtes(),
    );
    assert_eq!(codes(&check(&bad_envia)), ["RUT-FORMAT"]);

    let bad_receptor = envelope(
        [EMISOR, ENVIA, "60803000-1"],
        &[(33, 2), (61, 1)],
        &three_dtes(),
    );
    assert_eq!(codes(&check(&bad_receptor)), ["RUT-DV"]);

    // A wrong issuer check digit in the Caratula: rejected, and each DTE's
    // RUTEmisor no longer matches it.
    let bad_emisor = envelope(
        ["76354771-1", ENVIA, "60803000-K"],
        &[(33, 2), (61, 1)],
        &three_dtes(),
    );
    let findings = check(&bad_emisor);
    assert_eq!(only(&findings, "RUT-DV-EMISOR").severity, Severity::Rechazo);
    assert_eq!(findings.len(), 4);
}

#[test]
fn an_envelope_without_caratula_or_set() {
    let findings = check("<EnvioDTE version=\"1.0\"><SetDTE ID=\"S\"></SetDTE></EnvioDTE>");
    assert_eq!(codes(&findings), ["ENV-CARATULA"]);
    assert_eq!(findings[0].path, "/EnvioDTE/SetDTE/Caratula");
    let findings = check("<EnvioDTE version=\"1.0\"/>");
    assert_eq!(codes(&findings), ["ENV-CARATULA"]);
    // Not an envelope at all: nothing to say about a Caratula.
    assert!(check(&Fixture::new(33).build()).is_empty());
    assert!(check("<Documento ID=\"x\"/>").is_empty());
}

#[test]
fn at_most_five_hundred_boletas() {
    let boleta = |n: usize| {
        let mut xml = String::from(
            "<EnvioBOLETA version=\"1.0\"><SetDTE ID=\"S\"><Caratula version=\"1.0\">",
        );
        xml.push_str(&format!(
            "<RutEmisor>{EMISOR}</RutEmisor><RutEnvia>{ENVIA}</RutEnvia>"
        ));
        xml.push_str("<RutReceptor>60803000-K</RutReceptor>");
        xml.push_str(&format!(
            "<SubTotDTE><TpoDTE>39</TpoDTE><NroDTE>{n}</NroDTE></SubTotDTE></Caratula>"
        ));
        let dte = "<DTE version=\"1.0\"><Documento ID=\"B\"><Encabezado><IdDoc>\
                   <TipoDTE>39</TipoDTE></IdDoc></Encabezado></Documento></DTE>";
        for _ in 0..n {
            xml.push_str(dte);
        }
        xml.push_str("</SetDTE></EnvioBOLETA>");
        xml
    };
    assert!(check(&boleta(500)).is_empty());
    let findings = check(&boleta(501));
    assert_eq!(codes(&findings), ["ENV-DTE-COUNT"]);
    assert_eq!(findings[0].path, "/EnvioBOLETA/SetDTE/DTE[501]");
}

#[test]
fn checking_all_dtes_counts_lines_across_the_envelope() {
    let mut dtes = three_dtes();
    dtes.push(
        Fixture::new(33)
            .total("IVA", "381")
            .total("MntTotal", "2381")
            .build(),
    );
    let xml = envelope([EMISOR, ENVIA, "60803000-K"], &[(33, 3), (61, 1)], &dtes);
    let (doc, _) = parse(xml.as_bytes(), &Limits::default()).unwrap();

    let results = check_envelope_dtes(doc.root(), &Context::default());
    assert_eq!(results.len(), 4);
    assert!(results[..3].iter().all(|(_, findings)| findings.is_empty()));
    let (dte, findings) = &results[3];
    assert_eq!(codes(findings), ["AMT-IVA"]);
    let iva = xml.rfind("<IVA>").unwrap();
    assert_eq!(
        findings[0].line,
        Some(veredicto_xml::line_column(&xml, iva).0)
    );
    // The same as checking that DTE alone.
    assert_eq!(&check_dte(*dte, &Context::default()), findings);
}
