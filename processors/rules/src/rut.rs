//! RUT fields: their format and their check digit.
//!
//! Facts from DOMAIN.md, "Rules / RUT": a RUT is written `body-DV`, the body in
//! digits without dots and the DV a digit or `K`, 3 to 10 characters in all
//! (the XSD's `RUTType`: pattern `[0-9]+-([0-9]|K)`). The check digit walks the
//! body right to left with weights 2, 3, 4, 5, 6, 7, 2, 3, ...; with `s` the sum
//! of the products, `r = 11 - (s mod 11)`, and `r = 11` is written `0`,
//! `r = 10` is written `K`.
//!
//! Every RUT field of a DTE is checked, wherever it sits: [`DTE_FIELDS`]. The
//! envelope's `Caratula` fields are checked by [`crate::envelope`] with the same
//! rules.

use veredicto_xml::Element;

use crate::document::Dte;
use crate::finding::{Findings, Rule, Severity};

/// A RUT field that is not written as the schema requires.
///
/// The schema validator reports the same field; this finding says what is
/// wrong in RUT terms. The SII rejects schema errors (DOMAIN.md, "Severity").
pub const FORMAT: Rule = Rule {
    code: "RUT-FORMAT",
    sii_code: None,
    severity: Severity::Rechazo,
    summary: "a RUT field is not digits, a hyphen and a check digit 0-9 or K (3 to 10 characters)",
};

/// The issuer's RUT (`RUTEmisor`, or the `Caratula`'s `RutEmisor`) has a wrong
/// check digit.
///
/// The SII rejects a document whose issuer RUT is invalid: it cannot belong to
/// any authorised taxpayer (DOMAIN.md, "Severity": RUT check digit errors of
/// the issuer are a rejection).
pub const DV_EMISOR: Rule = Rule {
    code: "RUT-DV-EMISOR",
    sii_code: None,
    severity: Severity::Rechazo,
    summary: "the issuer's RUT has a wrong check digit",
};

/// Any other RUT field (receiver, requester, carrier, driver, referenced
/// third party, principal, supplier, sender) has a wrong check digit.
///
/// DOMAIN.md names only the issuer's check digit as a cause of rejection; for
/// the other fields we report a content error (reparo): the document names a
/// taxpayer that cannot exist.
pub const DV: Rule = Rule {
    code: "RUT-DV",
    sii_code: None,
    severity: Severity::Reparo,
    summary: "a RUT field other than the issuer's has a wrong check digit",
};

/// Local names of the RUT fields of a DTE, in any of its three document
/// elements, from DTE_v10.xsd and EnvioBOLETA_v11.xsd. `RUTEmisor` is the issuer.
/// The TED's `RE` and `RR` repeat `RUTEmisor` and `RUTRecep` and are left to the
/// TED check.
pub const DTE_FIELDS: [&str; 10] = [
    "RUTEmisor",
    "RUTRecep",
    "RUTSolicita",
    "RUTTrans",
    "RUTChofer",
    "RUTCiaTransp",
    "RUTOtr",
    "RUTMandante",
    "RUTProveedor",
    "RUTProvSW",
];

/// Why a RUT string is not valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RutError {
    #[error("not digits, a hyphen and a check digit 0-9 or K, 3 to 10 characters")]
    Format,
    #[error("check digit {found}, but the body gives {expected}")]
    CheckDigit { found: char, expected: char },
}

/// The check digit of a RUT body (digits only, no dots), `None` when the body
/// is empty or holds anything but ASCII digits.
pub fn check_digit(body: &str) -> Option<char> {
    if body.is_empty() {
        return None;
    }
    let mut sum: u64 = 0;
    for (i, b) in body.bytes().rev().enumerate() {
        if !b.is_ascii_digit() {
            return None;
        }
        let weight = 2 + (i % 6) as u64;
        sum += u64::from(b - b'0') * weight;
    }
    Some(match 11 - sum % 11 {
        11 => '0',
        10 => 'K',
        r => char::from(b'0' + r as u8),
    })
}

/// Checks a RUT as the schema writes it (`76354771-K`): format, then check
/// digit. The text is taken as it is: no trimming, no dots, uppercase `K` only.
///
/// # Errors
///
/// [`RutError::Format`] when the text is not `digits-DV` of 3 to 10
/// characters; [`RutError::CheckDigit`] when the check digit does not match.
pub fn validate(rut: &str) -> Result<(), RutError> {
    let (body, dv) = split(rut).ok_or(RutError::Format)?;
    let expected = check_digit(body).ok_or(RutError::Format)?;
    if dv == expected {
        Ok(())
    } else {
        Err(RutError::CheckDigit {
            found: dv,
            expected,
        })
    }
}

/// The body and check digit of a well-formed RUT.
fn split(rut: &str) -> Option<(&str, char)> {
    if !(3..=10).contains(&rut.len()) {
        return None;
    }
    let (body, dv) = rut.split_once('-')?;
    let dv = match dv.as_bytes() {
        [d] if d.is_ascii_digit() || *d == b'K' => char::from(*d),
        _ => return None,
    };
    (!body.is_empty() && body.bytes().all(|b| b.is_ascii_digit())).then_some((body, dv))
}

/// Whether two RUTs name the same taxpayer: equal once trimmed, with leading
/// zeros of the body and the case of `K` ignored.
pub(crate) fn same_rut(a: &str, b: &str) -> bool {
    fn canonical(rut: &str) -> (&str, Option<u8>) {
        let rut = rut.trim_ascii();
        match rut.rsplit_once('-') {
            Some((body, dv)) => (
                body.trim_start_matches('0'),
                dv.bytes().next().map(|b| b.to_ascii_uppercase()),
            ),
            None => (rut, None),
        }
    }
    canonical(a) == canonical(b)
}

pub(crate) fn check(dte: &Dte<'_>, findings: &mut Findings) {
    for element in dte.doc.descendants() {
        let name = element.local_name();
        if DTE_FIELDS.contains(&name) {
            check_field(element, name == "RUTEmisor", findings);
        }
    }
}

/// Checks one RUT field. `issuer` selects [`DV_EMISOR`] over [`DV`].
pub(crate) fn check_field(element: Element<'_>, issuer: bool, findings: &mut Findings) {
    let text = element.text();
    // Surrounding whitespace is the schema's business; the RUT inside is ours.
    let rut = text.trim_ascii();
    let name = element.local_name();
    match validate(rut) {
        Ok(()) => {}
        Err(RutError::Format) => {
            let hint = if rut.contains('.') {
                " (write it without dots)"
            } else if rut.ends_with('k') {
                " (the check digit K must be uppercase)"
            } else {
                ""
            };
            findings.push(FORMAT.at(
                element,
                format!(
                    "{name} {rut:?} is not a RUT as the SII writes it: digits, a hyphen and a \
                     check digit 0-9 or K, 3 to 10 characters{hint}"
                ),
            ));
        }
        Err(RutError::CheckDigit { found, expected }) => {
            let rule = if issuer { DV_EMISOR } else { DV };
            let body = rut.split_once('-').map_or(rut, |(b, _)| b);
            findings.push(rule.at(
                element,
                format!(
                    "{name} {rut} has check digit {found}, but the body {body} gives {expected} \
                     ({body}-{expected})"
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_known_ruts_validate() {
        for rut in [
            "60803000-K",
            "55555555-5",
            "66666666-6",
            "76354771-K",
            "60910000-1",
            "96670340-7",
        ] {
            assert_eq!(validate(rut), Ok(()), "{rut}");
        }
        assert_eq!(check_digit("76354771"), Some('K'));
        assert_eq!(check_digit("1"), Some('9'));
    }

    #[test]
    fn format_and_check_digit_errors_are_told_apart() {
        assert_eq!(
            validate("76354771-1"),
            Err(RutError::CheckDigit {
                found: '1',
                expected: 'K'
            })
        );
        for bad in [
            "76354771-k",
            "76.354.771-K",
            "76354771K",
            "-K",
            "1-",
            "12345678901-K",
            "1-KK",
        ] {
            assert_eq!(validate(bad), Err(RutError::Format), "{bad}");
        }
    }

    #[test]
    fn same_rut_ignores_leading_zeros_and_case() {
        assert!(same_rut("076354771-k", "76354771-K"));
        assert!(!same_rut("76354771-K", "76354772-K"));
    }
}
