//! End-to-end checks on DTEs the test kit signs: every outcome and finding the
//! crate can produce, without any file from outside.

use veredicto_xml::{Element, Limits};

use crate::testkit::{self, Fixture, KEYS, Signing};
use crate::{
    CafField, CafOutcome, DdField, Finding, KeySource, MismatchHint, Severity, SignatureReport,
    StampError, TedOutcome, TrustStore, Verifier, XmldsigError, XmldsigOutcome, verify_dte,
    verify_envelope_signature,
};

fn report(text: &str) -> SignatureReport {
    let doc = testkit::parse(text);
    verify_dte(doc.root(), &testkit::trust())
}

fn codes(report: &SignatureReport) -> Vec<&'static str> {
    report.findings.iter().map(Finding::code).collect()
}

fn dtes<'d>(root: Element<'d>) -> impl Iterator<Item = Element<'d>> + 'd {
    root.descendants().filter(|e| e.local_name() == "DTE")
}

#[test]
fn a_well_signed_dte_is_valid_throughout() {
    let report = report(&Fixture::default().dte());
    assert_eq!(report.xmldsig, XmldsigOutcome::Valid);
    assert_eq!(report.ted, TedOutcome::Valid);
    assert_eq!(report.caf, CafOutcome::Valid);
    assert!(report.findings.is_empty(), "{:?}", report.findings);
}

#[test]
fn rsa_sha256_is_accepted_when_declared() {
    let fixture = Fixture {
        sha256: true,
        ..Fixture::default()
    };
    let text = fixture.dte();
    assert!(text.contains("xmlenc#sha256"));
    let report = report(&text);
    assert_eq!(report.xmldsig, XmldsigOutcome::Valid);
    let tampered = report_of_changed(&text);
    assert!(matches!(tampered, XmldsigOutcome::InvalidDigest(_)));
}

fn report_of_changed(text: &str) -> XmldsigOutcome {
    report(&text.replace("<RznSoc>EMPRESA", "<RznSoc>EMPRESAS")).xmldsig
}

#[test]
fn latin1_bytes_verify_like_the_text() {
    // The fixture has accented names in the TED; read from ISO-8859-1 bytes the
    // tree is the same and so are all three results.
    let text = Fixture::default().dte();
    let bytes: Vec<u8> = text.chars().map(|c| c as u8).collect();
    let (doc, _) = veredicto_xml::parse(&bytes, &Limits::default()).unwrap();
    let report = verify_dte(doc.root(), &testkit::trust());
    assert!(report.findings.is_empty(), "{:?}", report.findings);
}

#[test]
fn a_changed_byte_in_the_document_breaks_the_digest() {
    let text = Fixture::default().dte().replace(
        "<RznSoc>EMPRESA DE PRUEBA</RznSoc>",
        "<RznSoc>EMPRESA DE PRUEBO</RznSoc>",
    );
    let report = report(&text);
    assert!(matches!(
        report.xmldsig,
        XmldsigOutcome::InvalidDigest(XmldsigError::DigestMismatch { hint: None, .. })
    ));
    assert_eq!(codes(&report), ["SIG-DIGEST"]);
    assert_eq!(report.findings[0].sii_code(), Some("DTE-3-505"));
    assert_eq!(report.findings[0].severity(), Severity::Rechazo);
    // The TED does not cover RznSoc: it still verifies.
    assert_eq!(report.ted, TedOutcome::Valid);
}

#[test]
fn a_changed_signature_value_breaks_the_signature() {
    let text = Fixture::default().dte();
    let start = text.find("<SignatureValue>").unwrap() + "<SignatureValue>\n".len();
    let mut bytes = text.into_bytes();
    bytes[start + 10] = if bytes[start + 10] == b'A' {
        b'B'
    } else {
        b'A'
    };
    let report = report(&String::from_utf8(bytes).unwrap());
    assert_eq!(
        report.xmldsig,
        XmldsigOutcome::InvalidSignature(XmldsigError::ValueMismatch {
            key: KeySource::Certificate,
            hint: None
        })
    );
    assert_eq!(codes(&report), ["SIG-VALUE"]);
}

#[test]
fn a_changed_amount_breaks_digest_and_stamp_alike() {
    // MntTotal and MNT changed together, as a forger would.
    let text = Fixture::default()
        .dte()
        .replace("<MntTotal>119000</MntTotal>", "<MntTotal>11900</MntTotal>")
        .replace("<MNT>119000</MNT>", "<MNT>11900</MNT>");
    let report = report(&text);
    assert!(matches!(report.xmldsig, XmldsigOutcome::InvalidDigest(_)));
    assert_eq!(report.ted, TedOutcome::Invalid(StampError::Mismatch));
    assert_eq!(report.caf, CafOutcome::Valid);
    assert_eq!(codes(&report), ["SIG-DIGEST", "TED-FRMT"]);
}

#[test]
fn a_stamp_for_other_content_is_reported_field_by_field() {
    // The TED was signed over other values: it verifies, but disagrees.
    let fixture = Fixture {
        dd_edit: Some(|dd| {
            dd.replace("<MNT>119000</MNT>", "<MNT>100</MNT>")
                .replace("<RSR>Servicio", "<RSR>Otro")
        }),
        ..Fixture::default()
    };
    let report = report(&fixture.dte());
    assert_eq!(report.ted, TedOutcome::Valid);
    assert_eq!(codes(&report), ["TED-MISMATCH-RSR", "TED-MISMATCH-MNT"]);
    let Finding::TedMismatch {
        field,
        ted,
        document,
    } = &report.findings[1]
    else {
        panic!("{:?}", report.findings);
    };
    assert_eq!(
        (*field, ted.as_str(), document.as_str()),
        (DdField::Mnt, "100", "119000")
    );
    assert_eq!(report.findings[0].severity(), Severity::Reparo);
    assert_eq!(report.findings[1].severity(), Severity::Rechazo);
}

#[test]
fn a_stamp_outside_latin1_cannot_verify() {
    let fixture = Fixture {
        item: "Servicio de 10 €".into(),
        ..Fixture::default()
    };
    // The test kit cannot sign it either, so sign a Latin-1 item and swap.
    let text = Fixture {
        item: "Servicio de 10 E".into(),
        ..fixture.clone()
    }
    .dte()
    .replace("Servicio de 10 E</IT1>", "Servicio de 10 €</IT1>");
    let report = report(&text);
    assert_eq!(
        report.ted,
        TedOutcome::Invalid(StampError::NotLatin1 {
            element: "DD",
            character: '€'
        })
    );
}

#[test]
fn without_the_sii_key_the_caf_is_untrusted() {
    let doc = testkit::parse(&Fixture::default().dte());
    let report = verify_dte(doc.root(), &TrustStore::empty());
    assert_eq!(report.caf, CafOutcome::Untrusted { idk: "300".into() });
    assert_eq!(report.ted, TedOutcome::Valid);
    assert_eq!(codes(&report), ["CAF-UNTRUSTED"]);
    assert_eq!(report.findings[0].severity(), Severity::Aviso);
}

#[test]
fn a_caf_signed_by_another_key_is_invalid() {
    let mut trust = TrustStore::empty();
    trust.insert_key("300", testkit::public(&KEYS.signer));
    let doc = testkit::parse(&Fixture::default().dte());
    let report = verify_dte(doc.root(), &trust);
    assert_eq!(report.caf, CafOutcome::Invalid(StampError::Mismatch));
    assert_eq!(codes(&report), ["CAF-FRMA"]);
}

#[test]
fn the_caf_must_cover_the_folio_issuer_and_type() {
    let fixture = Fixture {
        folio: 170,
        caf_re: "11111111-1".into(),
        ..Fixture::default()
    };
    let report = report(&fixture.dte());
    assert_eq!(report.caf, CafOutcome::Valid);
    assert_eq!(codes(&report), ["CAF-MISMATCH-RE", "CAF-FOLIO-RANGE"]);
    assert_eq!(
        report.findings[1],
        Finding::CafFolioOutOfRange {
            folio: 170,
            from: 1,
            to: 100
        }
    );
    assert!(matches!(
        report.findings[0],
        Finding::CafMismatch {
            field: CafField::Re,
            ..
        }
    ));
}

#[test]
fn an_old_caf_is_rejected_for_invoices_and_objected_to_for_the_rest() {
    // Signed 2024-09-01 with a CAF of 2024-01-15: over six months.
    let late = Fixture {
        tmst: "2024-09-01T08:00:00".into(),
        ..Fixture::default()
    };
    let report = report(&late.dte());
    assert_eq!(codes(&report), ["CAF-EXPIRED"]);
    assert_eq!(report.findings[0].sii_code(), Some("CAF-3-517"));
    assert_eq!(report.findings[0].severity(), Severity::Rechazo);

    // A guía (52) may use it for two years, then draws a reparo.
    let guia = Fixture {
        tipo: 52,
        ..late.clone()
    };
    assert!(report_codes(&guia).is_empty());
    let much_later = Fixture {
        tmst: "2026-01-16T08:00:00".into(),
        ..guia
    };
    assert_eq!(report_codes(&much_later), ["CAF-OLD"]);

    // Exactly six months is still allowed.
    let on_the_day = Fixture {
        tmst: "2024-07-15T23:59:59".into(),
        ..Fixture::default()
    };
    assert!(report_codes(&on_the_day).is_empty());
}

fn report_codes(fixture: &Fixture) -> Vec<&'static str> {
    codes(&report(&fixture.dte()))
}

#[test]
fn missing_parts_are_reported_as_absent() {
    let text = Fixture::default().dte();
    let start = text.find("<Signature").unwrap();
    let end = text.find("</Signature>").unwrap() + "</Signature>".len();
    let unsigned = format!("{}{}", &text[..start], &text[end..]);
    let report = report(&unsigned);
    assert_eq!(report.xmldsig, XmldsigOutcome::Absent);
    assert_eq!(codes(&report), ["SIG-ABSENT"]);

    let no_ted = "<DTE xmlns=\"http://www.sii.cl/SiiDte\"><Documento ID=\"x\"/></DTE>";
    let report = self::report(no_ted);
    assert_eq!(report.ted, TedOutcome::Absent);
    assert_eq!(report.caf, CafOutcome::Absent);
    assert_eq!(codes(&report), ["SIG-ABSENT", "TED-ABSENT"]);
}

#[test]
fn a_reference_to_an_element_elsewhere_is_refused() {
    // The signature is moved under another element: its reference no longer
    // names a sibling, whatever the digest says.
    let text = Fixture::default().dte();
    let start = text.find("<Signature").unwrap();
    let end = text.find("</Signature>").unwrap() + "</Signature>".len();
    let signature = &text[start..end];
    let moved = format!(
        "{}<Extra>{}</Extra>{}",
        &text[..start],
        signature,
        &text[end..]
    );
    let doc = testkit::parse(&moved);
    let dte = doc.root();
    let extra = dte.child("Extra").unwrap();
    let mut findings = Vec::new();
    let request = crate::xmldsig::Request {
        signature: extra.child("Signature").unwrap(),
        owner: dte,
        assumed_namespace: None,
    };
    let outcome = crate::xmldsig::verify(&request, &mut Default::default(), &mut findings);
    assert_eq!(
        outcome,
        XmldsigOutcome::InvalidDigest(XmldsigError::ReferenceElsewhere("#F17T33".into()))
    );
}

#[test]
fn duplicate_ids_and_unknown_references_are_refused() {
    let text = Fixture::default().dte();
    let duplicated = text.replace("<TmstFirma>", "<X ID=\"F17T33\"/><TmstFirma>");
    assert_eq!(
        report(&duplicated).xmldsig,
        XmldsigOutcome::InvalidDigest(XmldsigError::DuplicateId("F17T33".into()))
    );
    let unknown = text.replace("URI=\"#F17T33\"", "URI=\"#nowhere\"");
    // SignedInfo changed too, so the value fails first.
    assert!(matches!(
        report(&unknown).xmldsig,
        XmldsigOutcome::InvalidSignature(_)
    ));
}

#[test]
fn unsupported_algorithms_are_named() {
    let text = Fixture::default().dte().replace(
        "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
        "http://www.w3.org/2000/09/xmldsig#dsa-sha1",
    );
    let XmldsigOutcome::InvalidSignature(reason) = report(&text).xmldsig else {
        panic!("expected an invalid signature");
    };
    assert!(reason.to_string().contains("dsa-sha1"), "{reason}");
}

#[test]
fn keyvalue_and_certificate_are_held_against_each_other() {
    // KeyValue names another key than the certificate: reported, and the
    // certificate's key decides.
    let fixture = Fixture {
        key_value: Some(&KEYS.sii),
        ..Fixture::default()
    };
    let report = report(&fixture.dte());
    assert_eq!(report.xmldsig, XmldsigOutcome::Valid);
    assert_eq!(codes(&report), ["SIG-KEY-MISMATCH"]);

    // Without a certificate KeyValue is all there is.
    let fixture = Fixture {
        with_certificate: false,
        ..Fixture::default()
    };
    assert!(self::report(&fixture.dte()).findings.is_empty());

    // An unreadable certificate leaves KeyValue, with a finding.
    let text = Fixture::default().dte();
    let start = text.find("<X509Certificate>").unwrap() + "<X509Certificate>".len();
    let end = text.find("</X509Certificate>").unwrap();
    let broken = format!("{}\nMIIB\n{}", &text[..start], &text[end..]);
    let report = self::report(&broken);
    assert_eq!(report.xmldsig, XmldsigOutcome::Valid);
    assert_eq!(codes(&report), ["SIG-KEY-UNREADABLE"]);
}

#[test]
fn a_dte_in_an_envelope_verifies_as_signed_alone() {
    let fixtures = [
        Fixture::default(),
        Fixture {
            id: "F18T33".into(),
            folio: 18,
            ..Fixture::default()
        },
    ];
    let text = testkit::envelope(&fixtures, Signing::Alone);
    let doc = testkit::parse(&text);
    let root = doc.root();
    assert_eq!(verify_envelope_signature(root), XmldsigOutcome::Valid);
    let mut verifier = Verifier::new();
    let trust = testkit::trust();
    let mut count = 0;
    for dte in dtes(root) {
        let report = verifier.verify_dte(dte, &trust);
        assert!(report.findings.is_empty(), "{:?}", report.findings);
        count += 1;
    }
    assert_eq!(count, 2);
}

#[test]
fn a_dte_signed_inside_its_envelope_is_told_apart() {
    let text = testkit::envelope(&[Fixture::default()], Signing::InPlace);
    let doc = testkit::parse(&text);
    let root = doc.root();
    assert_eq!(verify_envelope_signature(root), XmldsigOutcome::Valid);
    let dte = dtes(root).next().unwrap();
    let report = verify_dte(dte, &testkit::trust());
    // The envelope's xmlns:xsi was in the signed forms of both SignedInfo and
    // Documento: not what the SII reads.
    assert_eq!(
        report.xmldsig,
        XmldsigOutcome::InvalidSignature(XmldsigError::ValueMismatch {
            key: KeySource::Certificate,
            hint: Some(MismatchHint::SignedInsideEnvelope),
        })
    );
}

#[test]
fn a_dte_cut_out_of_its_envelope_gets_its_namespace_back() {
    let text = testkit::envelope(&[Fixture::default()], Signing::Alone);
    let doc = testkit::parse(&text);
    let dte = dtes(doc.root()).next().unwrap();
    let cut = doc.text()[dte.span()].replace(" xmlns=\"http://www.sii.cl/SiiDte\"", "");
    let report = report(&cut);
    assert_eq!(report.xmldsig, XmldsigOutcome::Valid);
    assert_eq!(codes(&report), ["SIG-NAMESPACE-ASSUMED"]);
    assert_eq!(report.findings[0].severity(), Severity::Aviso);
}

#[test]
fn a_tampered_envelope_fails_its_own_signature() {
    let text = testkit::envelope(&[Fixture::default()], Signing::Alone).replace(
        "<RutEmisor>76192083-9</RutEmisor>",
        "<RutEmisor>76192083-8</RutEmisor>",
    );
    let doc = testkit::parse(&text);
    assert!(matches!(
        verify_envelope_signature(doc.root()),
        XmldsigOutcome::InvalidDigest(_)
    ));
}

#[test]
fn messages_name_what_to_check() {
    let report = report(
        &Fixture {
            tmst: "2024-09-01T08:00:00".into(),
            ..Fixture::default()
        }
        .dte(),
    );
    assert_eq!(
        report.findings[0].to_string(),
        "the CAF authorised on 2024-01-15 was more than 6 months old when the document was \
         signed on 2024-09-01"
    );
}

#[test]
fn remembered_caf_signatures_never_vouch_for_another_key_or_content() {
    let mut verifier = Verifier::new();
    let text = Fixture::default().dte();
    let doc = testkit::parse(&text);
    let trust = testkit::trust();
    assert_eq!(
        verifier.verify_dte(doc.root(), &trust).caf,
        CafOutcome::Valid
    );

    // The same CAF against another key.
    let mut wrong = TrustStore::empty();
    wrong.insert_key("300", testkit::public(&KEYS.signer));
    assert_eq!(
        verifier.verify_dte(doc.root(), &wrong).caf,
        CafOutcome::Invalid(StampError::Mismatch)
    );

    // The same FRMA over an edited DA.
    let edited = testkit::parse(&text.replace("<H>100</H>", "<H>900</H>"));
    assert_eq!(
        verifier.verify_dte(edited.root(), &trust).caf,
        CafOutcome::Invalid(StampError::Mismatch)
    );
    assert_eq!(
        verifier.verify_dte(doc.root(), &trust).caf,
        CafOutcome::Valid
    );
}
