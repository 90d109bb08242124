//! Forged files look like real signed DTEs: the encoding, the line-wrapped
//! base64, the TED's parts, and what each type must carry.

use veredicto_forge::{ForgeConfig, TipoDte};
use veredicto_xml::Element;

use crate::support::{self, parse};

fn body<'d>(root: Element<'d>) -> Element<'d> {
    root.elements().next().unwrap()
}

fn text(element: Element<'_>, path: &[&str]) -> Option<String> {
    element.find_text(path).map(|t| t.into_owned())
}

/// ISO-8859-1 declared and written (accents as single bytes), signatures
/// and certificates in base64 lines of 76, the TED with DD, CAF and FRMT.
#[test]
fn files_are_latin1_with_wrapped_base64_and_a_full_ted() {
    let mut forge = support::forge(ForgeConfig::default());
    let mut accented = 0;
    for tipo in TipoDte::ALL {
        let bytes = forge.forge(tipo, None).unwrap().to_bytes().unwrap();
        assert!(bytes.starts_with(b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<DTE "));
        if bytes.iter().any(|&b| b >= 0x80) {
            accented += 1;
            assert!(
                std::str::from_utf8(&bytes).is_err(),
                "{tipo}: written as UTF-8"
            );
        }

        let text_of = String::from_utf8_lossy(&bytes);
        for block in ["SignatureValue", "Modulus", "X509Certificate"] {
            let start = text_of.find(&format!("<{block}>\n")).unwrap() + block.len() + 3;
            let end = text_of[start..].find(&format!("</{block}>")).unwrap() + start;
            let lines: Vec<&str> = text_of[start..end].lines().collect();
            assert!(lines.len() > 1, "{tipo} {block}");
            assert!(
                lines[..lines.len() - 1].iter().all(|l| l.len() == 76),
                "{tipo} {block}"
            );
            assert!(lines.last().unwrap().len() <= 76);
        }

        let doc = parse(&bytes);
        let document = body(doc.root());
        let ted = document.child("TED").unwrap();
        let dd = ted.child("DD").unwrap();
        for field in ["RE", "TD", "F", "FE", "RR", "RSR", "MNT", "IT1", "TSTED"] {
            assert!(dd.child(field).is_some(), "{tipo}: DD/{field}");
        }
        assert!(text(dd, &["RSR"]).unwrap().chars().count() <= 40);
        assert!(text(dd, &["IT1"]).unwrap().chars().count() <= 40);
        let da = dd.find(&["CAF", "DA"]).unwrap();
        let from: u64 = text(da, &["RNG", "D"]).unwrap().parse().unwrap();
        let to: u64 = text(da, &["RNG", "H"]).unwrap().parse().unwrap();
        let folio: u64 = text(document, &["Encabezado", "IdDoc", "Folio"])
            .unwrap()
            .parse()
            .unwrap();
        assert!((from..=to).contains(&folio));
        assert_eq!(text(da, &["IDK"]).as_deref(), Some("100"));
        assert_eq!(text(da, &["RSAPK", "E"]).as_deref(), Some("Aw=="));
        assert!(ted.child("FRMT").is_some());
        assert_eq!(
            document.attribute("ID").unwrap(),
            format!("DTE-{}-{folio}", tipo.code())
        );
    }
    assert!(
        accented >= 10,
        "only {accented} of 12 documents have accents"
    );
}

/// What each type needs: IndTraslado on guías, references with CodRef on
/// notes, the currency on exports, retained IVA on facturas de compra,
/// commissions on liquidaciones, IndServicio on boletas; every RUT with a
/// valid check digit.
#[test]
fn documents_carry_what_their_type_needs() {
    let mut forge = support::forge(ForgeConfig::default());
    for tipo in TipoDte::ALL {
        for _ in 0..8 {
            let dte = forge.forge(tipo, None).unwrap();
            let doc = parse(&dte.to_bytes().unwrap());
            let document = body(doc.root());
            assert_eq!(document.local_name(), tipo.family().element());
            let header = document.child("Encabezado").unwrap();
            let id_doc = header.child("IdDoc").unwrap();
            match tipo {
                TipoDte::Guia => {
                    let ind: u8 = text(id_doc, &["IndTraslado"]).unwrap().parse().unwrap();
                    assert!((1..=7).contains(&ind));
                    assert!(header.child("Transporte").is_some());
                }
                TipoDte::FacturaCompra => {
                    assert_eq!(
                        text(header, &["Totales", "ImptoReten", "TipoImp"]).as_deref(),
                        Some("15")
                    );
                }
                TipoDte::Liquidacion => {
                    assert!(document.child("Comisiones").is_some());
                    assert!(text(document, &["Detalle", "TpoDocLiq"]).is_some());
                }
                TipoDte::Boleta | TipoDte::BoletaExenta => {
                    assert_eq!(text(id_doc, &["IndServicio"]).as_deref(), Some("3"));
                }
                _ => {}
            }
            if tipo.is_note() {
                let reference = document.child("Referencia").unwrap();
                let cod: u8 = text(reference, &["CodRef"]).unwrap().parse().unwrap();
                assert!((1..=3).contains(&cod));
            }
            if tipo.is_export() {
                assert!(text(header, &["Totales", "TpoMoneda"]).is_some());
                assert_eq!(
                    text(header, &["OtraMoneda", "TpoMoneda"]).as_deref(),
                    Some("PESO CL")
                );
                assert_eq!(
                    text(header, &["Receptor", "RUTRecep"]).as_deref(),
                    Some("55555555-5")
                );
            }
            for rut in document.descendants().filter(|e| {
                matches!(
                    e.local_name(),
                    "RUTEmisor" | "RUTRecep" | "RUTTrans" | "RUTChofer" | "RE" | "RR"
                )
            }) {
                let value = rut.text();
                assert!(
                    veredicto_rules::rut::validate(&value).is_ok(),
                    "{tipo}: {value}"
                );
            }
        }
    }
}

/// Line counts stay within the configured range, up to the schema's 60.
#[test]
fn line_counts_follow_the_configuration() {
    let mut forge = support::forge(ForgeConfig {
        lines: (55, 60),
        types: vec![
            TipoDte::Factura,
            TipoDte::Boleta,
            TipoDte::FacturaExportacion,
        ],
        ..ForgeConfig::default()
    });
    for _ in 0..9 {
        let dte = forge.next_dte().unwrap();
        let doc = parse(&dte.to_bytes().unwrap());
        let lines = body(doc.root())
            .elements()
            .filter(|e| e.local_name() == "Detalle")
            .count();
        assert!((55..=60).contains(&lines), "{lines}");
    }
    let mut small = support::forge(ForgeConfig {
        lines: (1, 1),
        types: vec![TipoDte::FacturaExenta],
        ..ForgeConfig::default()
    });
    let dte = small.next_dte().unwrap();
    let doc = parse(&dte.to_bytes().unwrap());
    assert_eq!(
        body(doc.root())
            .elements()
            .filter(|e| e.local_name() == "Detalle")
            .count(),
        1
    );
}

/// Configurations that cannot be met are refused with a reason.
#[test]
fn impossible_configurations_are_refused() {
    for config in [
        ForgeConfig {
            types: Vec::new(),
            ..ForgeConfig::default()
        },
        ForgeConfig {
            lines: (0, 3),
            ..ForgeConfig::default()
        },
        ForgeConfig {
            lines: (5, 61),
            ..ForgeConfig::default()
        },
        ForgeConfig {
            defect_rate: 1.5,
            ..ForgeConfig::default()
        },
        ForgeConfig {
            per_envelope: 501,
            ..ForgeConfig::default()
        },
    ] {
        assert!(veredicto_forge::Forge::new(config).is_err());
    }
}
