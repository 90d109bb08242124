//! Every defect kind makes the checks report what its label says: the
//! project's validator (rules and signatures) and, for the schema, both it
//! and libxml2.

use std::collections::BTreeMap;

use veredicto_forge::{Defect, ForgeConfig, ForgeError, TipoDte};
use veredicto_validator::Status;

use crate::support::{self, check, codes, scratch, write, xmllint};

/// Each kind on each type it applies to: the expected codes are among the
/// findings, the schema verdict is the expected one (and libxml2 agrees),
/// and the document is not accepted as it is.
#[test]
fn every_defect_is_reported_as_labelled() {
    let dir = scratch("defects");
    let mut forge = support::forge(ForgeConfig::default());
    let mut applied: BTreeMap<Defect, usize> = BTreeMap::new();
    let mut lint: Vec<(std::path::PathBuf, bool)> = Vec::new();

    for defect in Defect::ALL {
        let expectation = defect.expectation();
        for tipo in TipoDte::ALL {
            let dte = match forge.forge(tipo, Some(defect)) {
                Ok(dte) => dte,
                Err(ForgeError::DefectNotApplicable { .. }) => continue,
                Err(e) => panic!("{defect} on {tipo}: {e}"),
            };
            assert_eq!(dte.defect, Some(defect));
            *applied.entry(defect).or_default() += 1;

            let name = format!("{defect}-{tipo}.xml");
            let verdicts = check(&dte.to_bytes().unwrap(), &name);
            assert_eq!(verdicts.len(), 1, "{name}");
            let verdict = &verdicts[0];
            let found = codes(verdict);
            for code in expectation.codes {
                assert!(
                    found.iter().any(|c| c == code),
                    "{name}: {code} not in {found:?}"
                );
            }
            assert_ne!(verdict.status, Status::Accepted, "{name}");
            let schema_valid = verdict.schema.as_ref().unwrap().valid;
            if let Some(expected) = expectation.schema_valid {
                assert_eq!(schema_valid, expected, "{name}: {:?}", verdict.schema);
            }
            // Lone boletas have no schema of their own for xmllint; the
            // UTF-8 defect is read differently by design.
            if !tipo.is_boleta() && defect != Defect::Utf8UnderLatin1 {
                lint.push((write(&dir, &name, &dte), schema_valid));
            }
        }
    }

    // Every kind applies somewhere; most apply to every type.
    for defect in Defect::ALL {
        let count = applied.get(&defect).copied().unwrap_or(0);
        assert!(count >= 1, "{defect} applied to no type");
    }
    assert!(applied.values().sum::<usize>() > 200);

    // libxml2 agrees with the project's schema verdict on every file.
    let files: Vec<_> = lint.iter().map(|(p, _)| p.clone()).collect();
    let failing = xmllint("EnvioDTE_v10.xsd", &files);
    for (path, valid) in &lint {
        let failed = failing.iter().any(|(p, _)| p == path);
        assert_eq!(
            !failed,
            *valid,
            "{}: xmllint and the validator disagree",
            path.display()
        );
    }
}

/// A defect that cannot apply to a type is refused, not silently dropped.
#[test]
fn defects_that_cannot_apply_are_refused() {
    let mut forge = support::forge(ForgeConfig::default());
    for (tipo, defect) in [
        (TipoDte::Factura, Defect::NoteWithoutReferencia),
        (TipoDte::NotaCredito, Defect::GuiaWithoutIndTraslado),
        (TipoDte::FacturaExenta, Defect::WrongIva),
        (TipoDte::Guia, Defect::ExpiredCaf),
        (TipoDte::Liquidacion, Defect::CafForOtherType),
        (TipoDte::Boleta, Defect::TooManyLines),
    ] {
        match forge.forge(tipo, Some(defect)) {
            Err(ForgeError::DefectNotApplicable { defect: d, tipo: t }) => {
                assert_eq!((d, t), (defect, tipo));
            }
            other => panic!("{defect} on {tipo}: {other:?}"),
        }
    }
}

/// At a rate of 0.25 about a quarter of the documents carry a defect, and
/// only of the kinds asked for; the labels say which.
#[test]
fn the_defect_rate_and_kinds_are_honoured() {
    let kinds = [
        Defect::WrongIva,
        Defect::BadRutCheckDigit,
        Defect::DdMismatch,
    ];
    let mut forge = support::forge(ForgeConfig {
        defect_rate: 0.25,
        defects: kinds.to_vec(),
        types: vec![TipoDte::Factura, TipoDte::NotaCredito, TipoDte::Boleta],
        ..ForgeConfig::default()
    });
    let mut defective = 0;
    for _ in 0..400 {
        let dte = forge.next_dte().unwrap();
        if let Some(defect) = dte.defect {
            assert!(kinds.contains(&defect), "{defect}");
            defective += 1;
        }
    }
    assert!((60..=140).contains(&defective), "{defective} of 400");
}

/// Labels round-trip through their names, as `labels.csv` and the command
/// line write them.
#[test]
fn defect_names_round_trip() {
    for defect in Defect::ALL {
        assert_eq!(defect.name().parse::<Defect>().unwrap(), defect);
        assert!(!defect.expectation().codes.is_empty());
    }
    assert!("no-such-defect".parse::<Defect>().is_err());
    assert_eq!("61".parse::<TipoDte>().unwrap(), TipoDte::NotaCredito);
    assert!("62".parse::<TipoDte>().is_err());
}
