//! A corpus folder: files in emission order, `labels.csv` that describes
//! them, and certificates that other tools read.

use std::process::Command;

use veredicto_forge::{ForgeConfig, LABELS_HEADER, corpus};

use crate::support::{parse, scratch};

/// Every row of `labels.csv` names a DTE that is in its file at its index,
/// with that type, folio and issuer; every DTE has a row; files sort in the
/// order they were signed.
#[test]
fn labels_describe_the_files_in_emission_order() {
    let dir = scratch("labels");
    let config = ForgeConfig {
        seed: 77,
        per_envelope: 5,
        defect_rate: 0.15,
        issuers: 4,
        ..ForgeConfig::default()
    };
    let summary = corpus::write(&dir, config, 200).unwrap();
    assert_eq!(summary.documents, 200);
    assert!(summary.defective > 10 && summary.envelopes > 10);

    let labels = std::fs::read_to_string(dir.join("labels.csv")).unwrap();
    let mut rows = labels.lines();
    assert_eq!(rows.next(), Some(LABELS_HEADER));
    let rows: Vec<Vec<&str>> = rows.map(|r| r.split(',').collect()).collect();
    assert_eq!(rows.len(), 200);
    assert_eq!(
        rows.iter().filter(|r| r[5] != "none").count(),
        summary.defective
    );

    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".xml"))
        .collect();
    names.sort();
    assert_eq!(names.len(), summary.files);

    let mut row = 0;
    let mut last_signed = String::new();
    for name in &names {
        let doc = parse(&std::fs::read(dir.join(name)).unwrap());
        let root = doc.root();
        let dtes: Vec<_> = match root.local_name() {
            "DTE" => vec![root],
            _ => root
                .child("SetDTE")
                .unwrap()
                .elements()
                .filter(|e| e.local_name() == "DTE")
                .collect(),
        };
        for (index, dte) in dtes.iter().enumerate() {
            let body = dte.elements().next().unwrap();
            let field = |path: &[&str]| body.find_text(path).unwrap().into_owned();
            let r = &rows[row];
            assert_eq!(r[0], name);
            assert_eq!(r[1], index.to_string());
            assert_eq!(r[2], field(&["Encabezado", "IdDoc", "TipoDTE"]));
            assert_eq!(r[3], field(&["Encabezado", "IdDoc", "Folio"]));
            assert_eq!(r[4], field(&["Encabezado", "Emisor", "RUTEmisor"]));
            row += 1;
        }
        // Files come in the order their last signature was made.
        let signed = match root.local_name() {
            "DTE" => root.find_text(&[root.elements().next().unwrap().local_name(), "TmstFirma"]),
            _ => root.find_text(&["SetDTE", "Caratula", "TmstFirmaEnv"]),
        }
        .unwrap()
        .into_owned();
        assert!(
            signed >= last_signed,
            "{name} signed {signed}, before {last_signed}"
        );
        last_signed = signed;
    }
    assert_eq!(row, 200);
}

/// A folder that already holds a corpus is refused rather than mixed.
#[test]
fn a_folder_that_holds_a_corpus_is_refused() {
    let dir = scratch("refused");
    corpus::write(&dir, ForgeConfig::default(), 3).unwrap();
    let error = corpus::write(&dir, ForgeConfig::default(), 3).unwrap_err();
    assert!(error.to_string().contains("already holds"), "{error}");
}

/// OpenSSL reads the test SII's certificate and checks its self-signature,
/// and reads a signer's certificate out of a DTE: the DER is well formed.
#[test]
fn openssl_reads_the_certificates() {
    let dir = scratch("openssl");
    corpus::write(&dir, ForgeConfig::default(), 1).unwrap();
    let sii = dir.join("trust/100.cer");
    let pem = dir.join("sii.pem");
    let status = Command::new("openssl")
        .args(["x509", "-inform", "DER", "-in"])
        .arg(&sii)
        .arg("-out")
        .arg(&pem)
        .status()
        .expect("openssl is installed");
    assert!(status.success());
    let verify = Command::new("openssl")
        .arg("verify")
        .arg("-CAfile")
        .arg(&pem)
        .arg(&pem)
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );

    let name = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "xml"))
        .unwrap();
    let doc = parse(&std::fs::read(name).unwrap());
    let base64 = doc
        .root()
        .descendants()
        .find(|e| e.local_name() == "X509Certificate")
        .unwrap()
        .text()
        .into_owned();
    let signer_pem = dir.join("signer.pem");
    let body: String = base64.split_whitespace().collect();
    let wrapped: Vec<String> = body
        .as_bytes()
        .chunks(64)
        .map(|c| String::from_utf8(c.to_vec()).unwrap())
        .collect();
    std::fs::write(
        &signer_pem,
        format!(
            "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
            wrapped.join("\n")
        ),
    )
    .unwrap();
    let text = Command::new("openssl")
        .args(["x509", "-noout", "-text", "-in"])
        .arg(&signer_pem)
        .output()
        .unwrap();
    assert!(
        text.status.success(),
        "{}",
        String::from_utf8_lossy(&text.stderr)
    );
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("Version: 3"), "{text}");
    assert!(text.contains("sha256WithRSAEncryption"), "{text}");
    assert!(
        text.contains("Digital Signature, Non Repudiation"),
        "{text}"
    );
}
