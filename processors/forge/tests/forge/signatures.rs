//! The signature crate verifies what the forge signs: the XML signature of
//! every DTE and envelope, the TED's `FRMT`, and the CAF's `FRMA` with the
//! trust folder the forge writes.

use veredicto_forge::{Defect, ForgeConfig, TipoDte, corpus};
use veredicto_signature::{CafOutcome, TedOutcome, TrustStore, XmldsigOutcome};

use crate::support::{self, parse, scratch, trust};

/// Five documents of every type: XML signature, TED and CAF valid, no
/// finding.
#[test]
fn every_type_verifies_its_signature_ted_and_caf() {
    let mut forge = support::forge(ForgeConfig {
        lines: (1, 60),
        ..ForgeConfig::default()
    });
    for tipo in TipoDte::ALL {
        for _ in 0..5 {
            let dte = forge.forge(tipo, None).unwrap();
            let doc = parse(&dte.to_bytes().unwrap());
            let report = veredicto_signature::verify_dte(doc.root(), trust());
            assert_eq!(report.xmldsig, XmldsigOutcome::Valid, "{tipo}");
            assert_eq!(report.ted, TedOutcome::Valid, "{tipo}");
            assert_eq!(report.caf, CafOutcome::Valid, "{tipo}");
            assert!(report.findings.is_empty(), "{tipo}: {:?}", report.findings);
        }
    }
}

/// Without the test SII's certificate the CAF cannot be checked; with the
/// real SII's certification certificate it does not verify either.
#[test]
fn cafs_need_the_forges_own_trust_certificate() {
    let mut forge = support::forge(ForgeConfig::default());
    let dte = forge.forge(TipoDte::Factura, None).unwrap();
    let doc = parse(&dte.to_bytes().unwrap());
    let report = veredicto_signature::verify_dte(doc.root(), &TrustStore::empty());
    assert!(matches!(report.caf, CafOutcome::Untrusted { .. }));
    assert_eq!(report.xmldsig, XmldsigOutcome::Valid);

    let real =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/sii-certs");
    if let Ok(store) = TrustStore::from_dir(&real) {
        if store.key("100").is_some() {
            let report = veredicto_signature::verify_dte(doc.root(), &store);
            assert!(matches!(report.caf, CafOutcome::Invalid(_)));
        }
    }
}

/// An envelope's signature over `#SetDoc` verifies, and so does every DTE
/// inside it, read as the document it was signed as.
#[test]
fn envelope_signatures_verify_over_setdoc() {
    let mut forge = support::forge(ForgeConfig {
        per_envelope: 6,
        issuers: 2,
        ..ForgeConfig::default()
    });
    let mut envelopes = 0;
    while let Some(file) = forge.next_file(60).unwrap() {
        let doc = parse(&file.bytes);
        let root = doc.root();
        assert!(matches!(root.local_name(), "EnvioDTE" | "EnvioBOLETA"));
        assert_eq!(
            veredicto_signature::verify_envelope_signature(root),
            XmldsigOutcome::Valid,
            "{}",
            file.name
        );
        let set = root.child("SetDTE").unwrap();
        let dtes: Vec<_> = set.elements().filter(|e| e.local_name() == "DTE").collect();
        assert_eq!(dtes.len(), file.labels.len());
        for dte in dtes {
            let report = veredicto_signature::verify_dte(dte, trust());
            assert!(
                report.findings.is_empty(),
                "{}: {:?}",
                file.name,
                report.findings
            );
        }
        envelopes += 1;
    }
    assert!(envelopes >= 10);
}

/// Each signature defect gives the outcome its label names, and leaves the
/// other two signatures valid.
#[test]
fn signature_defects_give_their_outcomes() {
    let mut forge = support::forge(ForgeConfig::default());
    for tipo in [
        TipoDte::Factura,
        TipoDte::Boleta,
        TipoDte::FacturaExportacion,
    ] {
        let mut report = |defect| {
            let dte = forge.forge(tipo, Some(defect)).unwrap();
            let doc = parse(&dte.to_bytes().unwrap());
            veredicto_signature::verify_dte(doc.root(), trust())
        };

        let r = report(Defect::WrongSignatureValue);
        assert!(matches!(r.xmldsig, XmldsigOutcome::InvalidSignature(_)));
        assert_eq!((r.ted, r.caf), (TedOutcome::Valid, CafOutcome::Valid));

        let r = report(Defect::TamperedAfterSigning);
        assert!(matches!(r.xmldsig, XmldsigOutcome::InvalidDigest(_)));
        assert_eq!((r.ted, r.caf), (TedOutcome::Valid, CafOutcome::Valid));

        let r = report(Defect::FrmtMismatch);
        assert!(matches!(r.ted, TedOutcome::Invalid(_)));
        assert_eq!(
            (r.xmldsig, r.caf),
            (XmldsigOutcome::Valid, CafOutcome::Valid)
        );

        let r = report(Defect::ForgedCafSignature);
        assert!(matches!(r.caf, CafOutcome::Invalid(_)));
        assert_eq!(
            (r.xmldsig, r.ted),
            (XmldsigOutcome::Valid, TedOutcome::Valid)
        );

        let r = report(Defect::KeyInfoMismatch);
        assert_eq!(r.xmldsig, XmldsigOutcome::Valid);
        let codes: Vec<_> = r.findings.iter().map(|f| f.code()).collect();
        assert_eq!(codes, ["SIG-KEY-MISMATCH"]);
    }
}

/// The trust folder of a corpus is what `--trust` reads: one certificate,
/// for IDK 100, that verifies the corpus's CAFs.
#[test]
fn the_corpus_trust_folder_verifies_its_cafs() {
    let dir = scratch("trust-folder");
    corpus::write(&dir, ForgeConfig::default(), 12).unwrap();
    let store = TrustStore::from_dir(dir.join("trust")).unwrap();
    assert_eq!(store.len(), 1);
    assert!(store.key("100").is_some());

    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 12);
    for path in files {
        let doc = parse(&std::fs::read(&path).unwrap());
        let report = veredicto_signature::verify_dte(doc.root(), &store);
        assert_eq!(report.caf, CafOutcome::Valid, "{}", path.display());
    }
}
