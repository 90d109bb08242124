//! References (`Referencia`): what a credit or debit note must say about the
//! document it modifies, and what any reference may carry.
//!
//! Facts from DOMAIN.md, "Rules / References": types 56, 61, 111 and 112 need a
//! `Referencia` with `CodRef` (1 annuls, 2 corrects text, 3 corrects amounts);
//! CodRef 1 and 2 allow exactly one reference; a text correction carries amount
//! 0; `FolioRef` "0" only with `IndGlobal` = 1; `RUTOtr` only on 46, 56 and 61
//! and never equal to RUTEmisor; at most 40 references.
//!
//! "An annulment carries the amount of the annulled document" needs the
//! annulled document, which the SII compares with its records (`REF-2-780`);
//! it cannot be checked from one document and is not here.

use veredicto_xml::Element;

use crate::document::{Dte, child_code, integer, trimmed};
use crate::finding::{Findings, Rule, Severity};
use crate::rut::same_rut;

/// A note (56, 61, 111, 112) has no `Referencia` with a `CodRef`: it does not
/// say which document it modifies nor how. The SII rejects it with the
/// observed detail code `REF-3-415`, missing required reference (DOMAIN.md,
/// "Severity").
pub const MISSING: Rule = Rule {
    code: "REF-MISSING",
    sii_code: Some("REF-3-415"),
    severity: Severity::Rechazo,
    summary: "a credit or debit note has no Referencia with CodRef",
};

/// A reference that annuls (CodRef 1) or corrects text (CodRef 2) is not the
/// only reference with a CodRef: such a note modifies exactly one document.
/// Reparo: DOMAIN.md states the rule but no rejection.
pub const SINGLE: Rule = Rule {
    code: "REF-SINGLE",
    sii_code: None,
    severity: Severity::Reparo,
    summary: "a note that annuls or corrects text references more than one document",
};

/// A text correction (CodRef 2) declares a MntTotal other than 0. Reparo.
pub const TEXT_AMOUNT: Rule = Rule {
    code: "REF-TEXT-AMOUNT",
    sii_code: None,
    severity: Severity::Reparo,
    summary: "a text correction (CodRef 2) has a MntTotal other than 0",
};

/// `FolioRef` is 0 without `IndGlobal` = 1: folio 0 stands for "many
/// documents" and is only meaningful in a global reference. Reparo.
pub const FOLIO_ZERO: Rule = Rule {
    code: "REF-FOLIO-ZERO",
    sii_code: None,
    severity: Severity::Reparo,
    summary: "FolioRef is 0 without IndGlobal 1",
};

/// `RUTOtr` (the other taxpayer of a referenced document) on a type other
/// than 46, 56 or 61. Reparo.
pub const RUTOTR_TYPE: Rule = Rule {
    code: "REF-RUTOTR-TYPE",
    sii_code: None,
    severity: Severity::Reparo,
    summary: "RUTOtr on a document type other than 46, 56 or 61",
};

/// `RUTOtr` equals `RUTEmisor`: the other taxpayer cannot be the issuer.
/// Reparo.
pub const RUTOTR_EMISOR: Rule = Rule {
    code: "REF-RUTOTR-EMISOR",
    sii_code: None,
    severity: Severity::Reparo,
    summary: "RUTOtr equals RUTEmisor",
};

/// More than 40 `Referencia` elements: the schema's `maxOccurs`, so the SII
/// rejects the document.
pub const COUNT: Rule = Rule {
    code: "REF-COUNT",
    sii_code: None,
    severity: Severity::Rechazo,
    summary: "more than 40 Referencia elements",
};

/// Most references a DTE may carry.
const MAX_REFERENCES: usize = 40;

pub(crate) fn check(dte: &Dte<'_>, findings: &mut Findings) {
    let tipo = dte.known_tipo();
    let mut count = 0;
    let mut with_cod_ref = 0;
    // The first reference that annuls or corrects text, and its CodRef.
    let mut single: Option<(Element<'_>, u32)> = None;

    for reference in dte.children_named("Referencia") {
        count += 1;
        if count == MAX_REFERENCES + 1 {
            findings.push(COUNT.at(
                reference,
                format!("more than {MAX_REFERENCES} Referencia elements: this is number 41"),
            ));
        }

        let cod_ref = reference.child("CodRef");
        if cod_ref.is_some_and(|e| !e.text().trim_ascii().is_empty()) {
            with_cod_ref += 1;
        }
        let code = child_code(reference, "CodRef");
        if let Some(code @ (1 | 2)) = code {
            if single.is_none() {
                single = Some((reference, code));
            }
            if code == 2 {
                check_text_amount(dte, reference, findings);
            }
        }

        check_folio_zero(reference, findings);
        if let Some(tipo) = tipo {
            check_rut_otr(dte, tipo, reference, findings);
        }
    }

    if let Some((reference, code)) = single.filter(|_| with_cod_ref > 1) {
        let what = if code == 1 {
            "annuls"
        } else {
            "corrects the text of"
        };
        findings.push(SINGLE.at(
            reference,
            format!(
                "this reference has CodRef {code} (the note {what} a document), but the \
                 document has {with_cod_ref} references with CodRef; such a note references \
                 exactly one document"
            ),
        ));
    }

    if let Some(tipo @ (56 | 61 | 111 | 112)) = tipo {
        if with_cod_ref == 0 {
            let found = if count == 0 {
                "has no Referencia".to_owned()
            } else {
                format!("has {count} Referencia without CodRef")
            };
            findings.push(MISSING.missing(
                dte.doc,
                "Referencia",
                format!(
                    "a {} ({tipo}) must reference the document it modifies with a CodRef (1 \
                     annuls, 2 corrects text, 3 corrects amounts); this one {found}",
                    note_name(tipo)
                ),
            ));
        }
    }
}

fn note_name(tipo: u16) -> &'static str {
    match tipo {
        56 => "nota de débito",
        61 => "nota de crédito",
        111 => "nota de débito de exportación",
        _ => "nota de crédito de exportación",
    }
}

fn check_text_amount(dte: &Dte<'_>, reference: Element<'_>, findings: &mut Findings) {
    let Some(total) = dte.total("MntTotal") else {
        return;
    };
    // Exports write decimals; a text correction's 0 may be "0.00".
    let value = crate::decimal::Decimal::parse(&total.text());
    if let Some(value) = value.filter(|v| !v.is_zero()) {
        let number = reference.child("NroLinRef").map(|e| trimmed(e.text()));
        let number = number.as_deref().unwrap_or("?");
        findings.push(TEXT_AMOUNT.at(
            total,
            format!(
                "MntTotal is {value}, but reference {number} has CodRef 2: a note that only \
                 corrects text carries amount 0"
            ),
        ));
    }
}

fn check_folio_zero(reference: Element<'_>, findings: &mut Findings) {
    let Some(folio) = reference.child("FolioRef") else {
        return;
    };
    let text = trimmed(folio.text());
    let zero = !text.is_empty() && text.bytes().all(|b| b == b'0');
    let global = reference.child("IndGlobal").and_then(integer) == Some(1);
    if zero && !global {
        findings.push(FOLIO_ZERO.at(
            folio,
            format!(
                "FolioRef is {text:?} without IndGlobal 1: folio 0 is only for a global \
                 reference to many documents"
            ),
        ));
    }
}

fn check_rut_otr(dte: &Dte<'_>, tipo: u16, reference: Element<'_>, findings: &mut Findings) {
    let Some(rut_otr) = reference.child("RUTOtr") else {
        return;
    };
    let text = trimmed(rut_otr.text());
    if !matches!(tipo, 46 | 56 | 61) {
        findings.push(RUTOTR_TYPE.at(
            rut_otr,
            format!(
                "RUTOtr {text} on a document of type {tipo}: only types 46, 56 and 61 may name \
                 another taxpayer in a reference"
            ),
        ));
    }
    if let Some(emisor) = dte.rut_emisor() {
        if !text.is_empty() && same_rut(&text, &emisor) {
            findings.push(RUTOTR_EMISOR.at(
                rut_otr,
                format!(
                    "RUTOtr {text} is the issuer's own RUT (RUTEmisor {emisor}); it must name \
                     another taxpayer"
                ),
            ));
        }
    }
}
