//! Differential check against libxml2: what the forge writes as valid is
//! valid for `xmllint --schema` with the 2026 SII schemas.

use veredicto_forge::{ForgeConfig, TipoDte, corpus};

use crate::support::{self, scratch, write, xmllint};

/// Every type but the boletas, alone and with up to 60 lines, validates
/// against EnvioDTE_v10.xsd (which includes DTE_v10.xsd).
#[test]
fn every_dte_alone_validates_with_xmllint() {
    let dir = scratch("xmllint-alone");
    let mut forge = support::forge(ForgeConfig {
        lines: (1, 60),
        ..ForgeConfig::default()
    });
    let mut files = Vec::new();
    for tipo in TipoDte::ALL.into_iter().filter(|t| !t.is_boleta()) {
        for i in 0..4 {
            let dte = forge.forge(tipo, None).unwrap();
            files.push(write(&dir, &format!("{tipo}-{i}.xml"), &dte));
        }
    }
    assert_eq!(xmllint("EnvioDTE_v10.xsd", &files), Vec::new());
}

/// An EnvioDTE holding every non-boleta type and an EnvioBOLETA holding 39
/// and 41 validate against their own schemas.
#[test]
fn envelopes_validate_with_xmllint() {
    let dir = scratch("xmllint-envelopes");
    let mut forge = support::forge(ForgeConfig {
        issuers: 1,
        ..ForgeConfig::default()
    });
    let mut dtes = Vec::new();
    for tipo in TipoDte::ALL.into_iter().filter(|t| !t.is_boleta()) {
        dtes.push(forge.forge(tipo, None).unwrap());
        dtes.push(forge.forge(tipo, None).unwrap());
    }
    let envio = forge.seal(dtes).unwrap();
    let mut boletas = Vec::new();
    for _ in 0..5 {
        boletas.push(forge.forge(TipoDte::Boleta, None).unwrap());
        boletas.push(forge.forge(TipoDte::BoletaExenta, None).unwrap());
    }
    let envio_boleta = forge.seal(boletas).unwrap();

    let envio_path = dir.join("envio-dte.xml");
    std::fs::write(&envio_path, &envio.bytes).unwrap();
    let boleta_path = dir.join("envio-boleta.xml");
    std::fs::write(&boleta_path, &envio_boleta.bytes).unwrap();
    assert_eq!(xmllint("EnvioDTE_v10.xsd", &[envio_path]), Vec::new());
    assert_eq!(xmllint("EnvioBOLETA_v11.xsd", &[boleta_path]), Vec::new());
}

/// A corpus of every type in envelopes of seven, without defects, validates
/// file by file.
#[test]
fn a_corpus_in_envelopes_validates_with_xmllint() {
    let dir = scratch("xmllint-corpus");
    let config = ForgeConfig {
        seed: 41,
        per_envelope: 7,
        issuers: 3,
        ..ForgeConfig::default()
    };
    let summary = corpus::write(&dir, config, 150).unwrap();
    assert_eq!(summary.documents, 150);

    let mut envio_dte = Vec::new();
    let mut envio_boleta = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.contains("-EnvioBOLETA-") {
            envio_boleta.push(path);
        } else if name.contains("-EnvioDTE-") {
            envio_dte.push(path);
        }
    }
    assert!(!envio_dte.is_empty() && !envio_boleta.is_empty());
    assert_eq!(xmllint("EnvioDTE_v10.xsd", &envio_dte), Vec::new());
    assert_eq!(xmllint("EnvioBOLETA_v11.xsd", &envio_boleta), Vec::new());
}
