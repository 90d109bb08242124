//! The CAF (Código de Autorización de Folios) inside the TED: `FRMA` verified
//! with the SII's certificate for the CAF's key id, and the CAF held against the
//! document it authorises (issuer, type, folio range, age).

use std::fmt;

use veredicto_xml::Element;

use crate::finding::Finding;
use crate::stamp::{self, StampError, Verified};
use crate::trust::TrustStore;

/// Document types whose CAFs the SII rejects after six months.
const SHORT_LIVED_TYPES: [u32; 5] = [33, 43, 46, 56, 61];
const SHORT_LIFE_MONTHS: u32 = 6;
/// Past this age any CAF draws a reparo.
const LONG_LIFE_MONTHS: u32 = 24;

/// The result of checking a CAF's signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CafOutcome {
    /// `FRMA` verifies with the SII's certificate for the CAF's `IDK`.
    Valid,
    Invalid(StampError),
    /// No certificate is known for this `IDK`, so `FRMA` could not be checked.
    Untrusted {
        idk: String,
    },
    Absent,
}

impl CafOutcome {
    pub fn is_valid(&self) -> bool {
        matches!(self, CafOutcome::Valid)
    }
}

/// A CAF field that must agree with the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CafField {
    /// The issuer's RUT.
    Re,
    /// The document type.
    Td,
}

impl CafField {
    pub fn name(self) -> &'static str {
        match self {
            CafField::Re => "RE",
            CafField::Td => "TD",
        }
    }

    pub fn document_field(self) -> &'static str {
        match self {
            CafField::Re => "RUTEmisor",
            CafField::Td => "TipoDTE",
        }
    }

    pub(crate) fn mismatch_code(self) -> &'static str {
        match self {
            CafField::Re => "CAF-MISMATCH-RE",
            CafField::Td => "CAF-MISMATCH-TD",
        }
    }
}

/// A calendar date, as the CAF's `FA` and the document's timestamps carry it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl Date {
    /// Reads `YYYY-MM-DD` at the start of `text`; a time may follow, as in
    /// `TmstFirma`.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let bytes = text.as_bytes();
        if bytes.len() < 10 || bytes[4] != b'-' || bytes[7] != b'-' {
            return None;
        }
        let number = |range: std::ops::Range<usize>| -> Option<u16> {
            let part = text.get(range)?;
            if part.bytes().all(|b| b.is_ascii_digit()) {
                part.parse().ok()
            } else {
                None
            }
        };
        let year = number(0..4)?;
        let month = u8::try_from(number(5..7)?).ok()?;
        let day = u8::try_from(number(8..10)?).ok()?;
        let date = Self { year, month, day };
        ((1..=12).contains(&month) && (1..=days_in_month(year, month)).contains(&day))
            .then_some(date)
    }

    /// The same day `months` later, or the month's last day when it is shorter.
    pub fn add_months(self, months: u32) -> Self {
        let index = u32::from(self.year) * 12 + u32::from(self.month) - 1 + months;
        let year = u16::try_from(index / 12).unwrap_or(u16::MAX);
        let month = (index % 12) as u8 + 1;
        Self {
            year,
            month,
            day: self.day.min(days_in_month(year, month)),
        }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Checks the CAF inside `dd` against the SII's keys in `trust` and against
/// `document`.
pub(crate) fn check(
    document: Element<'_>,
    dd: Element<'_>,
    trust: &TrustStore,
    verified: &mut Verified,
    findings: &mut Vec<Finding>,
) -> CafOutcome {
    let Some(caf) = dd.child("CAF") else {
        findings.push(Finding::CafAbsent);
        return CafOutcome::Absent;
    };
    let Some(da) = caf.child("DA") else {
        return invalid(StampError::Missing("CAF/DA"), findings);
    };

    compare_with_document(document, da, findings);
    check_age(document, dd, da, findings);

    let Some(frma) = caf.child("FRMA") else {
        return invalid(StampError::Missing("CAF/FRMA"), findings);
    };
    let idk = da.find_text(&["IDK"]).unwrap_or_default();
    let idk = idk.trim();
    let Some(key) = trust.key(idk) else {
        findings.push(Finding::CafUntrusted {
            idk: idk.to_owned(),
        });
        return CafOutcome::Untrusted {
            idk: idk.to_owned(),
        };
    };
    match stamp::verify(da, "DA", frma, "FRMA", key, Some(verified)) {
        Ok(()) => CafOutcome::Valid,
        Err(error) => invalid(error, findings),
    }
}

fn invalid(error: StampError, findings: &mut Vec<Finding>) -> CafOutcome {
    findings.push(Finding::CafSignature(error.clone()));
    CafOutcome::Invalid(error)
}

/// Issuer, type and folio range.
fn compare_with_document(document: Element<'_>, da: Element<'_>, findings: &mut Vec<Finding>) {
    let header = document.child("Encabezado");
    let in_document = |path: &[&str]| header.and_then(|h| h.find_text(path)).unwrap_or_default();

    let issuer = in_document(&["Emisor", "RUTEmisor"]);
    let caf_issuer = da.find_text(&["RE"]).unwrap_or_default();
    if !caf_issuer.trim().eq_ignore_ascii_case(issuer.trim()) {
        findings.push(Finding::CafMismatch {
            field: CafField::Re,
            caf: caf_issuer.into_owned(),
            document: issuer.into_owned(),
        });
    }

    let kind = in_document(&["IdDoc", "TipoDTE"]);
    let caf_kind = da.find_text(&["TD"]).unwrap_or_default();
    if number(&caf_kind).is_none() || number(&caf_kind) != number(&kind) {
        findings.push(Finding::CafMismatch {
            field: CafField::Td,
            caf: caf_kind.into_owned(),
            document: kind.into_owned(),
        });
    }

    let folio = number(&in_document(&["IdDoc", "Folio"]));
    let from = da.find_text(&["RNG", "D"]).and_then(|t| number(&t));
    let to = da.find_text(&["RNG", "H"]).and_then(|t| number(&t));
    if let (Some(folio), Some(from), Some(to)) = (folio, from, to) {
        if !(from..=to).contains(&folio) {
            findings.push(Finding::CafFolioOutOfRange { folio, from, to });
        }
    }
}

/// The CAF's age when the document was signed. The signing date is
/// `TmstFirma`'s, or the TED's `TSTED` when the document has none.
fn check_age(document: Element<'_>, dd: Element<'_>, da: Element<'_>, findings: &mut Vec<Finding>) {
    let Some(authorised) = da.find_text(&["FA"]).and_then(|t| Date::parse(&t)) else {
        return;
    };
    let signed = document
        .find_text(&["TmstFirma"])
        .and_then(|t| Date::parse(&t))
        .or_else(|| dd.find_text(&["TSTED"]).and_then(|t| Date::parse(&t)));
    let Some(signed) = signed else {
        return;
    };

    if signed < authorised {
        findings.push(Finding::CafNotYetAuthorised { authorised, signed });
        return;
    }
    let kind = document
        .find_text(&["Encabezado", "IdDoc", "TipoDTE"])
        .and_then(|t| number(&t));
    let short_lived = kind.is_some_and(|k| SHORT_LIVED_TYPES.iter().any(|&t| u64::from(t) == k));
    if short_lived && signed > authorised.add_months(SHORT_LIFE_MONTHS) {
        findings.push(Finding::CafExpired {
            authorised,
            signed,
            months: SHORT_LIFE_MONTHS,
        });
    } else if signed > authorised.add_months(LONG_LIFE_MONTHS) {
        findings.push(Finding::CafOld {
            authorised,
            signed,
            months: LONG_LIFE_MONTHS,
        });
    }
}

fn number(text: &str) -> Option<u64> {
    text.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> Date {
        Date::parse(text).unwrap()
    }

    #[test]
    fn dates_parse_with_or_without_time() {
        assert_eq!(date("2019-04-01").to_string(), "2019-04-01");
        assert_eq!(date("2019-04-01T01:36:40"), date("2019-04-01"));
        for bad in ["2019-4-01", "2019-02-30", "2019-13-01", "20x9-01-01", ""] {
            assert!(Date::parse(bad).is_none(), "{bad}");
        }
        assert!(Date::parse("2020-02-29").is_some());
    }

    #[test]
    fn months_are_added_on_the_calendar() {
        assert_eq!(date("2019-08-31").add_months(6), date("2020-02-29"));
        assert_eq!(date("2019-07-26").add_months(6), date("2020-01-26"));
        assert_eq!(date("2019-12-15").add_months(24), date("2021-12-15"));
    }
}
