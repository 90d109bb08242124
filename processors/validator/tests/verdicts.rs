//! Verdicts on real documents and hostile input, checked against the JSON
//! Schema that describes them.

#![allow(clippy::unwrap_used)]

use veredicto_schema::Generation;
use veredicto_testkit::{corpus, corpus_files, schema_generation, workspace};
use veredicto_validator::{Status, Validator, Verdict};

fn validator() -> Validator {
    Validator::new(Generation::load(&schema_generation("2026")).unwrap())
}

fn json_schema() -> jsonschema::Validator {
    let text = std::fs::read_to_string(workspace().join("schemas/events/verdict.v1.json")).unwrap();
    jsonschema::validator_for(&serde_json::from_str(&text).unwrap()).unwrap()
}

fn assert_described(schema: &jsonschema::Validator, verdict: &Verdict) {
    let value = serde_json::to_value(verdict).unwrap();
    let errors: Vec<String> = schema.iter_errors(&value).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?} in {value}");
}

#[test]
fn real_documents_get_described_verdicts() {
    let validator = validator();
    let schema = json_schema();
    for file in corpus_files("real/dte") {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let verdicts = validator.check(&std::fs::read(&file).unwrap(), &name);
        for verdict in &verdicts {
            assert_described(&schema, verdict);
        }
        if name.ends_with("--cleaned.xml") {
            let verdict = &verdicts[0];
            let document = verdict.document.as_ref().unwrap();
            assert!(
                name.contains(&format!("--{}--", document.rut_emisor)),
                "{name}"
            );
            assert!(name.contains(&format!("--{}--{}", document.tipo_dte, document.folio)));
            assert!(
                verdict.schema.as_ref().unwrap().valid,
                "{name}: {verdict:?}"
            );
        }
        if name.contains("mod-removed-signature") {
            assert_eq!(verdicts[0].status, Status::Rejected);
        }
    }
}

#[test]
fn attacks_and_garbage_are_rejected_with_a_reason() {
    let validator = validator();
    let schema = json_schema();
    let mut inputs: Vec<(String, Vec<u8>)> = corpus_files("attacks")
        .into_iter()
        .map(|path| (path.display().to_string(), std::fs::read(path).unwrap()))
        .collect();
    assert!(inputs.len() >= 4);
    inputs.push((
        "random".into(),
        (0..4096u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect(),
    ));
    inputs.push(("empty".into(), Vec::new()));
    inputs.push((
        "not-a-dte".into(),
        b"<?xml version='1.0'?><Factura/>".to_vec(),
    ));
    inputs.push(("deep".into(), "<a>".repeat(10_000).into_bytes()));
    for (name, bytes) in inputs {
        let verdicts = validator.check(&bytes, &name);
        assert_eq!(verdicts.len(), 1, "{name}");
        let verdict = &verdicts[0];
        assert_eq!(verdict.status, Status::Rejected, "{name}");
        assert!(verdict.document.is_none(), "{name}");
        assert!(!verdict.findings.is_empty(), "{name}");
        assert_described(&schema, verdict);
    }
}

#[test]
fn an_envelope_gives_one_verdict_per_dte() {
    let validator = validator();
    // The file is ISO-8859-1; read it as such to splice it.
    let bytes =
        std::fs::read(corpus().join("real/dte/DTE--76354771-K--33--170--cleaned.xml")).unwrap();
    let text: String = bytes.iter().map(|&b| char::from(b)).collect();
    let body = &text[text.find("<DTE").unwrap()..];
    let envelope = format!(
        "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<EnvioDTE xmlns=\"http://www.sii.cl/SiiDte\" \
         version=\"1.0\"><SetDTE ID=\"SetDoc\">{body}{body}</SetDTE></EnvioDTE>"
    );
    let latin1: Vec<u8> = envelope.chars().map(|c| c as u8).collect();
    let verdicts = validator.check(&latin1, "envelope.xml");
    assert_eq!(verdicts.len(), 2);
    assert_eq!(verdicts[0].source.index, 0);
    assert_eq!(verdicts[1].source.index, 1);
    assert_eq!(verdicts[0].document, verdicts[1].document);
    // The envelope lacks its Caratula and signature: every DTE hears of it.
    for verdict in &verdicts {
        assert_eq!(verdict.status, Status::Rejected);
        assert!(!verdict.schema.as_ref().unwrap().valid);
    }
}

/// The signature outcomes the independent check of the corpus found, with the
/// SII's certificates trusted.
#[test]
fn signatures_of_real_documents_agree_with_the_independent_check() {
    use veredicto_validator::{CafStatus, TedStatus, XmldsigStatus};

    let trust = veredicto_signature::TrustStore::from_dir(corpus().join("sii-certs")).unwrap();
    let trusting = validator().with_trust(trust);
    let dir = corpus().join("real/dte");
    let outcome = |file: &str| {
        let verdicts = trusting.check(&std::fs::read(dir.join(file)).unwrap(), file);
        let verdict = verdicts.into_iter().next().unwrap();
        (verdict.status, verdict.signature.unwrap())
    };
    let stem = "DTE--76354771-K--33--170--cleaned";

    let (status, signature) = outcome(&format!("{stem}.xml"));
    assert_eq!(status, Status::Accepted);
    assert_eq!(
        (signature.xmldsig, signature.ted, signature.caf),
        (XmldsigStatus::Valid, TedStatus::Valid, CafStatus::Valid)
    );
    let (_, signature) = outcome(&format!("{stem}-mod-changed-monto.xml"));
    assert_eq!(signature.xmldsig, XmldsigStatus::InvalidDigest);
    assert_eq!(signature.ted, TedStatus::Invalid);
    let (status, signature) = outcome(&format!("{stem}-mod-replaced-cert.xml"));
    assert_eq!(
        (status, signature.xmldsig),
        (Status::Rejected, XmldsigStatus::InvalidSignature)
    );
    let (_, signature) = outcome(&format!("{stem}-mod-removed-signature.xml"));
    assert_eq!(signature.xmldsig, XmldsigStatus::Absent);
    let (status, signature) = outcome("DTE--76399752-9--33--25568--cleaned.xml");
    assert_eq!(signature.xmldsig, XmldsigStatus::Valid);
    assert_eq!(
        status,
        Status::AcceptedWithObjections,
        "FchEmis is after TmstFirma"
    );

    // Every CAF verifies with the SII's IDK 300 certificate.
    for file in corpus_files("real/dte") {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let verdicts = trusting.check(&std::fs::read(&file).unwrap(), &name);
        if let Some(signature) = verdicts[0].signature {
            assert_eq!(signature.caf, CafStatus::Valid, "{name}");
        }
    }

    // Without trusted certificates the CAF is untrusted, which alone rejects nothing.
    let (status, signature) = {
        let plain = validator();
        let verdicts = plain.check(
            &std::fs::read(dir.join(format!("{stem}.xml"))).unwrap(),
            "f",
        );
        let verdict = verdicts.into_iter().next().unwrap();
        (verdict.status, verdict.signature.unwrap())
    };
    assert_eq!(signature.caf, CafStatus::Untrusted);
    assert_eq!(status, Status::Accepted);
}
