//! Labelled defects: each kind turns a valid document into one that the
//! schema, the SII rules or the signature checks must flag, and says which.
//!
//! A defect acts at one stage of forging, the stage where a real mistake or
//! attack would happen: in the content before stamping (a wrong IVA), in the
//! CAF or the stamp (a folio outside the range), in the signature (a wrong
//! value), or after signing (an amount changed in transit, the wrong
//! encoding). [`Defect::expectation`] is what a checker must report; tests
//! hold the project's checks to it.

use std::fmt;
use std::str::FromStr;

use crate::decimal::Dec;
use crate::model::Document;
use crate::rng::Rng;
use crate::rut::Rut;
use crate::tipo::TipoDte;
use crate::totals;

/// A kind of defect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Defect {
    /// IVA is not round(MntNeto × 19%); MntTotal adds up with the wrong IVA.
    WrongIva,
    /// MntNeto is not the sum of the taxed lines; IVA and MntTotal follow it.
    WrongMntNeto,
    /// MntTotal does not add up from its components.
    WrongMntTotal,
    /// One line's MontoItem is not round(PrcItem × QtyItem) − discount; the
    /// totals follow the wrong line.
    WrongLineAmount,
    /// The receiver's RUT has a wrong check digit (in the document and the TED).
    BadRutCheckDigit,
    /// The folio lies outside the CAF's range.
    FolioOutsideCaf,
    /// The CAF, genuinely signed, was issued for another document type.
    CafForOtherType,
    /// The CAF was more than six months old at signing (33, 43, 46, 56, 61).
    ExpiredCaf,
    /// The CAF's `FRMA` was not made by the SII's key.
    ForgedCafSignature,
    /// The TED's `FRMT` does not verify over `DD`.
    FrmtMismatch,
    /// `DD/MNT` differs from MntTotal (the stamp itself is properly signed).
    DdMismatch,
    /// `SignatureValue` does not verify over `SignedInfo`.
    WrongSignatureValue,
    /// `KeyValue` carries another key than the certificate (the signature
    /// verifies with the certificate's).
    KeyInfoMismatch,
    /// After signing, a line's unit price and quantity were rewritten (their
    /// product and every total unchanged): only the digest can tell.
    TamperedAfterSigning,
    /// `RUTRecep`, a mandatory header field, is missing.
    MissingHeaderField,
    /// `FchEmis` is a day that does not exist.
    BadDate,
    /// `RznSoc` is longer than the schema's 100 characters.
    LongRznSoc,
    /// More than 60 `Detalle` lines.
    TooManyLines,
    /// A credit or debit note without `Referencia`.
    NoteWithoutReferencia,
    /// A guía de despacho without `IndTraslado`.
    GuiaWithoutIndTraslado,
    /// `FchEmis` is later than the date of `TmstFirma`.
    FchEmisAfterFirma,
    /// The bytes are UTF-8 under the ISO-8859-1 declaration.
    Utf8UnderLatin1,
}

/// When a defect acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// On the content, before the CAF, the TED and the signature.
    Content,
    /// On the choice of folio and CAF.
    Caf,
    /// On the TED.
    Stamp,
    /// On the XML signature.
    Signature,
    /// After signing, on the written document.
    AfterSigning,
}

/// What the checks must report for a defect. Codes are the rule codes of
/// `veredicto-rules` and the finding codes of `veredicto-signature`; each must
/// be among the findings, others may come with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expectation {
    /// Whether the document is valid against the schema; `None` when it
    /// depends on the document.
    pub schema_valid: Option<bool>,
    /// Codes that must be reported.
    pub codes: &'static [&'static str],
}

impl Defect {
    /// Every kind, in declaration order.
    pub const ALL: [Defect; 22] = [
        Defect::WrongIva,
        Defect::WrongMntNeto,
        Defect::WrongMntTotal,
        Defect::WrongLineAmount,
        Defect::BadRutCheckDigit,
        Defect::FolioOutsideCaf,
        Defect::CafForOtherType,
        Defect::ExpiredCaf,
        Defect::ForgedCafSignature,
        Defect::FrmtMismatch,
        Defect::DdMismatch,
        Defect::WrongSignatureValue,
        Defect::KeyInfoMismatch,
        Defect::TamperedAfterSigning,
        Defect::MissingHeaderField,
        Defect::BadDate,
        Defect::LongRznSoc,
        Defect::TooManyLines,
        Defect::NoteWithoutReferencia,
        Defect::GuiaWithoutIndTraslado,
        Defect::FchEmisAfterFirma,
        Defect::Utf8UnderLatin1,
    ];

    /// The label written in `labels.csv`.
    pub fn name(self) -> &'static str {
        match self {
            Defect::WrongIva => "wrong-iva",
            Defect::WrongMntNeto => "wrong-mnt-neto",
            Defect::WrongMntTotal => "wrong-mnt-total",
            Defect::WrongLineAmount => "wrong-line-amount",
            Defect::BadRutCheckDigit => "bad-rut-check-digit",
            Defect::FolioOutsideCaf => "folio-outside-caf",
            Defect::CafForOtherType => "caf-for-other-type",
            Defect::ExpiredCaf => "expired-caf",
            Defect::ForgedCafSignature => "forged-caf-signature",
            Defect::FrmtMismatch => "frmt-mismatch",
            Defect::DdMismatch => "dd-mismatch",
            Defect::WrongSignatureValue => "wrong-signature-value",
            Defect::KeyInfoMismatch => "keyinfo-mismatch",
            Defect::TamperedAfterSigning => "tampered-after-signing",
            Defect::MissingHeaderField => "missing-header-field",
            Defect::BadDate => "bad-date",
            Defect::LongRznSoc => "long-rznsoc",
            Defect::TooManyLines => "too-many-lines",
            Defect::NoteWithoutReferencia => "note-without-referencia",
            Defect::GuiaWithoutIndTraslado => "guia-without-indtraslado",
            Defect::FchEmisAfterFirma => "fchemis-after-firma",
            Defect::Utf8UnderLatin1 => "utf8-under-latin1",
        }
    }

    /// When the defect acts.
    pub fn stage(self) -> Stage {
        match self {
            Defect::FolioOutsideCaf
            | Defect::CafForOtherType
            | Defect::ExpiredCaf
            | Defect::ForgedCafSignature => Stage::Caf,
            Defect::FrmtMismatch | Defect::DdMismatch => Stage::Stamp,
            Defect::WrongSignatureValue | Defect::KeyInfoMismatch => Stage::Signature,
            Defect::TamperedAfterSigning | Defect::Utf8UnderLatin1 => Stage::AfterSigning,
            _ => Stage::Content,
        }
    }

    /// What the checks must report.
    pub fn expectation(self) -> Expectation {
        let (schema_valid, codes): (Option<bool>, &'static [&'static str]) = match self {
            Defect::WrongIva => (Some(true), &["AMT-IVA"]),
            Defect::WrongMntNeto => (Some(true), &["AMT-NETO"]),
            Defect::WrongMntTotal => (Some(true), &["AMT-TOTAL"]),
            Defect::WrongLineAmount => (Some(true), &["AMT-LINE"]),
            Defect::BadRutCheckDigit => (Some(true), &["RUT-DV"]),
            Defect::FolioOutsideCaf => (Some(true), &["CAF-FOLIO-RANGE"]),
            Defect::CafForOtherType => (Some(true), &["CAF-MISMATCH-TD"]),
            Defect::ExpiredCaf => (Some(true), &["CAF-EXPIRED"]),
            Defect::ForgedCafSignature => (Some(true), &["CAF-FRMA"]),
            Defect::FrmtMismatch => (Some(true), &["TED-FRMT"]),
            Defect::DdMismatch => (Some(true), &["TED-MISMATCH-MNT"]),
            Defect::WrongSignatureValue => (Some(true), &["SIG-VALUE"]),
            Defect::KeyInfoMismatch => (Some(true), &["SIG-KEY-MISMATCH"]),
            Defect::TamperedAfterSigning => (Some(true), &["SIG-DIGEST"]),
            Defect::MissingHeaderField => (Some(false), &["ID-MISSING", "TED-MISMATCH-RR"]),
            Defect::BadDate => (Some(false), &["ID-FCHEMIS"]),
            Defect::LongRznSoc => (Some(false), &["LIM-RZNSOC"]),
            Defect::TooManyLines => (Some(false), &["LIM-DETALLE"]),
            Defect::NoteWithoutReferencia => (Some(true), &["REF-MISSING"]),
            Defect::GuiaWithoutIndTraslado => (Some(true), &["TRN-INDTRASLADO"]),
            Defect::FchEmisAfterFirma => (Some(true), &["ID-FCHEMIS-FIRMA"]),
            // Read as declared, accents turn into two characters each: the
            // digest breaks, and a long name may outgrow its schema length.
            Defect::Utf8UnderLatin1 => (None, &["ENC-UTF8-AS-LATIN1", "SIG-DIGEST"]),
        };
        Expectation {
            schema_valid,
            codes,
        }
    }

    /// Whether the defect can be applied to `doc` as generated.
    pub(crate) fn applies_to(self, doc: &Document) -> bool {
        let tipo = doc.tipo;
        let t = &doc.totals;
        match self {
            Defect::WrongIva => t.iva.is_some_and(|iva| !iva.is_zero()),
            Defect::WrongMntNeto => {
                !tipo.is_boleta() && t.neto.is_some_and(|n| !n.is_zero()) && t.total.units() > 0
            }
            Defect::WrongMntTotal => true,
            Defect::WrongLineAmount => doc.lines.iter().any(|l| l.price.is_some()),
            Defect::CafForOtherType => tipo.sibling().is_some(),
            Defect::ExpiredCaf => tipo.has_short_lived_caf(),
            Defect::TamperedAfterSigning => doc.lines.iter().any(retaggable),
            Defect::TooManyLines => !tipo.is_boleta(),
            Defect::NoteWithoutReferencia => tipo.is_note(),
            Defect::GuiaWithoutIndTraslado => tipo == TipoDte::Guia,
            Defect::Utf8UnderLatin1 => {
                // The digest only breaks where the document holds a
                // character outside ASCII.
                let text = [&doc.emisor.name, &doc.emisor.giro, &doc.receptor.name];
                text.iter().any(|s| !s.is_ascii()) || doc.lines.iter().any(|l| !l.name.is_ascii())
            }
            _ => true,
        }
    }

    /// Applies a [`Stage::Content`] defect to `doc`, whose totals were
    /// computed. Other stages are applied where they act.
    pub(crate) fn bend_content(self, doc: &mut Document, rng: &mut Rng) {
        let export = doc.tipo.is_export();
        let step = |rng: &mut Rng| {
            let n = rng.between(1, 9) as i64;
            if export {
                Dec::new(i128::from(n), 2)
            } else {
                Dec::int(n)
            }
        };
        match self {
            Defect::WrongIva => {
                let delta = step(rng);
                if let Some(iva) = doc.totals.iva.as_mut() {
                    *iva = iva.add(delta);
                }
                // A boleta's total is the sum of its lines; anything else
                // adds up from its components, the wrong IVA included.
                if !doc.tipo.is_boleta() {
                    doc.totals.total = totals::sum_total(&doc.totals);
                }
            }
            Defect::WrongMntNeto => {
                let delta = step(rng);
                if let Some(neto) = doc.totals.neto.as_mut() {
                    *neto = neto.add(delta);
                }
                // IVA and MntTotal are recomputed from the declared MntNeto,
                // so the one wrong figure is the only one reported.
                if let Some(neto) = doc.totals.neto {
                    let iva = Dec::int(neto.percent(totals::TASA_IVA).round_int());
                    doc.totals.iva = Some(iva);
                    if let Some((code, rate, _)) = doc.totals.retained {
                        doc.totals.retained = Some((code, rate, iva));
                    }
                }
                doc.totals.total = totals::sum_total(&doc.totals);
            }
            Defect::WrongMntTotal => {
                doc.totals.total = doc.totals.total.add(step(rng));
            }
            Defect::WrongLineAmount => {
                let priced: Vec<usize> = (0..doc.lines.len())
                    .filter(|&i| doc.lines[i].price.is_some())
                    .collect();
                let at = *rng.pick(&priced);
                let delta = step(rng);
                let line = &mut doc.lines[at];
                line.amount = line.amount.add(delta);
                totals::compute(doc);
            }
            Defect::BadRutCheckDigit => {
                if let Some((body, _)) = doc.receptor.rut.split_once('-') {
                    if let Ok(body) = body.parse::<u32>() {
                        doc.receptor.rut = Rut::new(body).with_wrong_check_digit(rng).to_string();
                    }
                }
            }
            Defect::MissingHeaderField => doc.omit.rut_recep = true,
            Defect::BadDate => {
                // The 31st of a 30-day month, or February 30th: well-formed,
                // but no such day.
                let year = doc.issued.year();
                let (month, day) = *rng.pick(&[(2, 30), (4, 31), (6, 31), (9, 31), (11, 31)]);
                doc.fch_emis = format!("{year:04}-{month:02}-{day:02}");
            }
            Defect::LongRznSoc => {
                let mut name = doc.emisor.name.clone();
                let filler = [
                    " Importación, Exportación y Distribución",
                    " de Productos y Servicios Generales",
                    " del Norte, Centro y Sur de Chile",
                ];
                let mut i = 0;
                while name.chars().count() <= 100 {
                    name.push_str(filler[i % filler.len()]);
                    i += 1;
                }
                doc.emisor.name = name;
            }
            Defect::TooManyLines => {
                let target = rng.between(61, 70) as usize;
                let mut i = 0;
                while doc.lines.len() < target {
                    let copy = doc.lines[i % doc.lines.len()].clone();
                    doc.lines.push(copy);
                    i += 1;
                }
                totals::compute(doc);
            }
            Defect::NoteWithoutReferencia => doc.references.clear(),
            Defect::GuiaWithoutIndTraslado => doc.ind_traslado = None,
            Defect::FchEmisAfterFirma => {
                let issued = doc.signed_at.date().plus_days(rng.between(1, 3) as i64);
                doc.issued = issued;
                doc.fch_emis = issued.to_string();
                // Keep the due date after the new issue date, so the only
                // finding is the one this defect is about.
                if let Some(venc) = doc.fch_venc {
                    if venc < issued {
                        doc.fch_venc = Some(issued.plus_days(30));
                    }
                }
            }
            _ => {}
        }
    }
}

/// A line whose quantity and unit price can be rewritten to 1 and the exact
/// product without changing its amount: the product fits the schema's six
/// decimals.
pub(crate) fn retaggable(line: &crate::model::Line) -> bool {
    match (line.price, line.qty) {
        (Some(price), Some(qty)) => {
            !qty.same_value(Dec::int(1)) && price.mul(qty).trimmed().scale() <= 6
        }
        _ => false,
    }
}

/// Rewrites one retaggable line: quantity 1 at the whole product as unit
/// price. Amounts, and so the totals, do not change.
pub(crate) fn retag(doc: &mut Document) {
    if let Some(line) = doc.lines.iter_mut().find(|l| retaggable(l)) {
        if let (Some(price), Some(qty)) = (line.price, line.qty) {
            line.price = Some(price.mul(qty).trimmed());
            line.qty = Some(Dec::int(1));
            // A percentage discount is of the same product; a fixed one
            // stays; MontoItem stays.
        }
    }
}

impl fmt::Display for Defect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A defect name that is not known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a defect kind; known kinds: {known}", known = known())]
pub struct UnknownDefect(pub String);

fn known() -> String {
    Defect::ALL
        .iter()
        .map(|d| d.name())
        .collect::<Vec<_>>()
        .join(", ")
}

impl FromStr for Defect {
    type Err = UnknownDefect;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Defect::ALL
            .into_iter()
            .find(|d| d.name() == s.trim())
            .ok_or_else(|| UnknownDefect(s.to_owned()))
    }
}
