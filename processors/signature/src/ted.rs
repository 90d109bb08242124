//! The TED (timbre electrónico): `FRMT` verified with the CAF's key, and the
//! `DD` fields compared with the document they stamp.

use std::borrow::Cow;

use veredicto_xml::Element;

use crate::crypto::{KeyCache, RawKey};
use crate::finding::Finding;
use crate::stamp::{self, StampError};

/// The result of checking a TED's signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TedOutcome {
    /// `FRMT` verifies over `DD` with the key of the CAF inside it. This says the
    /// stamp is what the CAF holder made; whether the CAF is the SII's is
    /// [`crate::CafOutcome`]'s question, whether `DD` matches the document is
    /// reported as findings.
    Valid,
    Invalid(StampError),
    Absent,
}

impl TedOutcome {
    pub fn is_valid(&self) -> bool {
        matches!(self, TedOutcome::Valid)
    }
}

/// A field of `TED/DD` that repeats the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DdField {
    /// Issuer's RUT.
    Re,
    /// Document type.
    Td,
    /// Folio.
    F,
    /// Issue date.
    Fe,
    /// Receiver's RUT.
    Rr,
    /// Receiver's name, first 40 characters.
    Rsr,
    /// Total amount.
    Mnt,
    /// First item's name, first 40 characters.
    It1,
}

/// How a field is compared.
#[derive(Clone, Copy)]
enum Compare {
    Exact,
    /// RUTs: the check digit `K` may be written in either case.
    Rut,
    Number,
    /// The TED holds the first 40 characters of the document's value.
    First40,
}

impl DdField {
    pub const ALL: [DdField; 8] = [
        DdField::Re,
        DdField::Td,
        DdField::F,
        DdField::Fe,
        DdField::Rr,
        DdField::Rsr,
        DdField::Mnt,
        DdField::It1,
    ];

    /// The element name inside `DD`.
    pub fn name(self) -> &'static str {
        match self {
            DdField::Re => "RE",
            DdField::Td => "TD",
            DdField::F => "F",
            DdField::Fe => "FE",
            DdField::Rr => "RR",
            DdField::Rsr => "RSR",
            DdField::Mnt => "MNT",
            DdField::It1 => "IT1",
        }
    }

    /// Where the document holds the value, relative to the document element.
    pub fn document_path(self) -> &'static [&'static str] {
        match self {
            DdField::Re => &["Encabezado", "Emisor", "RUTEmisor"],
            DdField::Td => &["Encabezado", "IdDoc", "TipoDTE"],
            DdField::F => &["Encabezado", "IdDoc", "Folio"],
            DdField::Fe => &["Encabezado", "IdDoc", "FchEmis"],
            DdField::Rr => &["Encabezado", "Receptor", "RUTRecep"],
            DdField::Rsr => &["Encabezado", "Receptor", "RznSocRecep"],
            DdField::Mnt => &["Encabezado", "Totales", "MntTotal"],
            DdField::It1 => &["Detalle", "NmbItem"],
        }
    }

    /// The document field's name, for messages.
    pub fn document_field(self) -> &'static str {
        self.document_path().last().copied().unwrap_or_default()
    }

    /// Whether the field identifies the document (issuer, type, folio, date,
    /// receiver, amount) rather than describing it (names).
    pub fn identifies_document(self) -> bool {
        !matches!(self, DdField::Rsr | DdField::It1)
    }

    pub(crate) fn mismatch_code(self) -> &'static str {
        match self {
            DdField::Re => "TED-MISMATCH-RE",
            DdField::Td => "TED-MISMATCH-TD",
            DdField::F => "TED-MISMATCH-F",
            DdField::Fe => "TED-MISMATCH-FE",
            DdField::Rr => "TED-MISMATCH-RR",
            DdField::Rsr => "TED-MISMATCH-RSR",
            DdField::Mnt => "TED-MISMATCH-MNT",
            DdField::It1 => "TED-MISMATCH-IT1",
        }
    }

    fn compare(self) -> Compare {
        match self {
            DdField::Re | DdField::Rr => Compare::Rut,
            DdField::Td | DdField::F | DdField::Mnt => Compare::Number,
            DdField::Fe => Compare::Exact,
            DdField::Rsr | DdField::It1 => Compare::First40,
        }
    }
}

/// Checks the TED of `document` (a `Documento`, `Liquidacion` or
/// `Exportaciones`). Returns the outcome and the `DD` element, which the CAF
/// check reads next.
pub(crate) fn check<'d>(
    document: Element<'d>,
    keys: &mut KeyCache,
    findings: &mut Vec<Finding>,
) -> (TedOutcome, Option<Element<'d>>) {
    let Some(ted) = document.child("TED") else {
        findings.push(Finding::TedAbsent);
        return (TedOutcome::Absent, None);
    };
    let Some(dd) = ted.child("DD") else {
        let outcome = TedOutcome::Invalid(StampError::Missing("TED/DD"));
        findings.push(Finding::TedSignature(StampError::Missing("TED/DD")));
        return (outcome, None);
    };

    let outcome = match verify_frmt(ted, dd, keys) {
        Ok(()) => TedOutcome::Valid,
        Err(error) => {
            findings.push(Finding::TedSignature(error.clone()));
            TedOutcome::Invalid(error)
        }
    };
    compare_fields(document, dd, findings);
    (outcome, Some(dd))
}

fn verify_frmt(ted: Element<'_>, dd: Element<'_>, keys: &mut KeyCache) -> Result<(), StampError> {
    let frmt = ted.child("FRMT").ok_or(StampError::Missing("TED/FRMT"))?;
    let rsapk = dd
        .find(&["CAF", "DA", "RSAPK"])
        .ok_or(StampError::Missing("DD/CAF/DA/RSAPK"))?;
    let modulus = rsapk.find_text(&["M"]).unwrap_or_default();
    let exponent = rsapk.find_text(&["E"]).unwrap_or_default();
    let raw = RawKey::from_base64(&modulus, &exponent).map_err(StampError::Key)?;
    let key = raw.prepare(keys).map_err(StampError::Key)?;
    stamp::verify(dd, "DD", frmt, "FRMT", key, None)
}

fn compare_fields(document: Element<'_>, dd: Element<'_>, findings: &mut Vec<Finding>) {
    for field in DdField::ALL {
        let ted = dd.find_text(&[field.name()]).unwrap_or_default();
        let in_document = document
            .find_text(field.document_path())
            .unwrap_or_default();
        if !agrees(field.compare(), &ted, &in_document) {
            findings.push(Finding::TedMismatch {
                field,
                ted: ted.into_owned(),
                document: in_document.into_owned(),
            });
        }
    }
}

fn agrees(compare: Compare, ted: &str, document: &str) -> bool {
    let (ted, document) = (ted.trim(), document.trim());
    match compare {
        Compare::Exact => ted == document,
        Compare::Rut => ted.eq_ignore_ascii_case(document),
        Compare::Number => normalise_number(ted) == normalise_number(document),
        Compare::First40 => {
            let prefix = match document.char_indices().nth(40) {
                Some((at, _)) => &document[..at],
                None => document,
            };
            ted == prefix.trim_end()
        }
    }
}

/// A decimal number written without leading zeros or trailing fractional
/// zeros, so `0170`, `170` and `170.00` compare equal. Anything that is not a
/// plain decimal comes back as it was.
fn normalise_number(text: &str) -> Cow<'_, str> {
    let (integer, fraction) = text.split_once('.').unwrap_or((text, ""));
    let plain = !integer.is_empty()
        && integer.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit());
    if !plain {
        return Cow::Borrowed(text);
    }
    let integer = integer.trim_start_matches('0');
    let integer = if integer.is_empty() { "0" } else { integer };
    let fraction = fraction.trim_end_matches('0');
    if fraction.is_empty() {
        Cow::Borrowed(integer)
    } else {
        Cow::Owned(format!("{integer}.{fraction}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_compare_by_value() {
        assert!(agrees(Compare::Number, "170", "0170"));
        assert!(agrees(Compare::Number, "2996301", "2996301.00"));
        assert!(!agrees(Compare::Number, "2996301", "2995230"));
        assert!(agrees(Compare::Number, "-5", "-5"));
        assert!(!agrees(Compare::Number, "1.5", "15"));
    }

    #[test]
    fn names_compare_on_the_first_40_characters() {
        let long = "EMPRESA DE SERVICIOS INTEGRALES DEL NORTE Y DEL SUR LIMITADA";
        assert!(agrees(Compare::First40, &long[..40], long));
        assert!(agrees(Compare::First40, "MUÑOZ", "MUÑOZ"));
        let accented = "ÁÉÍÓÚ".repeat(10);
        let first: String = accented.chars().take(40).collect();
        assert!(agrees(Compare::First40, &first, &accented));
        assert!(!agrees(Compare::First40, "OTRA", long));
        // Truncation may leave a trailing space the generator trimmed.
        assert!(agrees(
            Compare::First40,
            "A",
            "A                                        B"
        ));
    }

    #[test]
    fn ruts_ignore_the_case_of_k() {
        assert!(agrees(Compare::Rut, "76354771-k", "76354771-K"));
        assert!(!agrees(Compare::Rut, "76354771-K", "76354771-0"));
    }
}
