//! The project's own validator (`veredicto check`'s library) accepts what
//! the forge writes as valid: schema valid, no finding, signatures valid.

use veredicto_forge::{ForgeConfig, TipoDte};
use veredicto_validator::{CafStatus, Status, TedStatus, Verdict, XmldsigStatus};

use crate::support::{self, check, codes};

fn assert_clean(verdict: &Verdict) {
    let schema = verdict.schema.as_ref().unwrap();
    assert!(schema.valid, "{}: {:?}", verdict.source.file, schema.errors);
    assert_eq!(
        codes(verdict),
        Vec::<String>::new(),
        "{}: {:?}",
        verdict.source.file,
        verdict.findings
    );
    let signature = verdict.signature.unwrap();
    assert_eq!(signature.xmldsig, XmldsigStatus::Valid);
    assert_eq!(signature.ted, TedStatus::Valid);
    assert_eq!(signature.caf, CafStatus::Valid);
    assert_eq!(verdict.status, Status::Accepted);
}

/// Ten documents of every type, with 1 to 60 lines, each alone: accepted
/// with no finding.
#[test]
fn valid_documents_of_every_type_are_accepted() {
    let mut forge = support::forge(ForgeConfig {
        lines: (1, 60),
        ..ForgeConfig::default()
    });
    for tipo in TipoDte::ALL {
        for i in 0..10 {
            let dte = forge.forge(tipo, None).unwrap();
            let verdicts = check(&dte.to_bytes().unwrap(), &format!("{tipo}-{i}"));
            assert_eq!(verdicts.len(), 1);
            assert_clean(&verdicts[0]);
            let id = verdicts[0].document.as_ref().unwrap();
            assert_eq!(id.tipo_dte, tipo.code().to_string());
            assert_eq!(id.folio, dte.folio.to_string());
            assert_eq!(id.rut_emisor, dte.rut_emisor);
        }
    }
}

/// A run filed in envelopes of five: every DTE in every envelope accepted,
/// the envelope's own checks included.
#[test]
fn valid_envelopes_are_accepted() {
    let mut forge = support::forge(ForgeConfig {
        per_envelope: 5,
        issuers: 2,
        ..ForgeConfig::default()
    });
    let mut seen = 0;
    while let Some(file) = forge.next_file(120).unwrap() {
        let verdicts = check(&file.bytes, &file.name);
        assert_eq!(verdicts.len(), file.labels.len(), "{}", file.name);
        for verdict in &verdicts {
            assert_clean(verdict);
        }
        seen += verdicts.len();
    }
    assert_eq!(seen, 120);
}
