//! Identity of a document: its type, folio and dates, and the header fields
//! without which the SII cannot file it.
//!
//! Facts from DOMAIN.md: "Document types and where they live" (which TipoDTE
//! goes in which element), "Severity" (the mandatory header fields, whose
//! absence is a rejection) and "Rules / Identity and dates" (folio, date range,
//! emission not after signing).

use veredicto_xml::Element;

use crate::Context;
use crate::date::Date;
use crate::document::{Dte, KNOWN_TYPES, container_for, is_boleta, is_export, trimmed};
use crate::finding::{Findings, Rule, Severity};

/// `<DTE>` holds no `Documento`, `Liquidacion` or `Exportaciones`: there is no
/// document to file. A schema error, which the SII rejects.
pub const DOCUMENTO: Rule = Rule {
    code: "ID-DOCUMENTO",
    sii_code: None,
    severity: Severity::Rechazo,
    summary: "the DTE holds no Documento, Liquidacion or Exportaciones",
};

/// A mandatory header field is missing or empty.
///
/// DOMAIN.md, "Severity", lists TipoDTE, Folio, FchEmis, RUTEmisor, RUTRecep
/// and MntTotal as mandatory header fields whose absence the SII rejects. Per
/// document type the schemas add `IndServicio` on boletas (EnvioBOLETA_v11) and
/// `Totales/TpoMoneda` on export documents (DTE_v10), without which their
/// amounts cannot be read. The other type-specific requirements live with
/// their family: `IndTraslado` in [`crate::transport`], the reference of a note
/// in [`crate::references`], `MntExe` of an exempt invoice in
/// [`crate::amounts`].
pub const MISSING: Rule = Rule {
    code: "ID-MISSING",
    sii_code: None,
    severity: Severity::Rechazo,
    summary: "a mandatory header field is missing or empty",
};

/// `TipoDTE` is not a type the SII issues electronically, or sits in the wrong
/// document element (43 in `Liquidacion`, 110 to 112 in `Exportaciones`, the
/// rest in `Documento`). The schema's type enumerations reject both.
pub const TIPO_DTE: Rule = Rule {
    code: "ID-TIPODTE",
    sii_code: None,
    severity: Severity::Rechazo,
    summary: "TipoDTE is unknown or does not match its document element",
};

/// `Folio` is not a positive integer of at most 10 digits (DOMAIN.md,
/// "Identity and dates"; the XSD's `FolioType`). A schema error: rejected.
pub const FOLIO: Rule = Rule {
    code: "ID-FOLIO",
    sii_code: None,
    severity: Severity::Rechazo,
    summary: "Folio is not a positive integer of at most 10 digits",
};

/// `FchEmis` is not a date, or falls outside 2003-04-01 to 2050-12-31
/// (DOMAIN.md, "Identity and dates"; the XSD's `FechaType` bounds). A schema
/// error: rejected.
pub const FCHEMIS: Rule = Rule {
    code: "ID-FCHEMIS",
    sii_code: None,
    severity: Severity::Rechazo,
    summary: "FchEmis is not a date between 2003-04-01 and 2050-12-31",
};

/// `FchEmis` is later than the date of `TmstFirma`: the document was signed
/// before the date it says it was issued.
///
/// DOMAIN.md, "Identity and dates", states the rule without a severity. Real
/// production documents break it and were accepted (one of the published
/// samples is signed the day before its FchEmis), so it is not a rejection; we
/// report it as a reparo.
pub const FCHEMIS_FIRMA: Rule = Rule {
    code: "ID-FCHEMIS-FIRMA",
    sii_code: None,
    severity: Severity::Reparo,
    summary: "FchEmis is after the date of TmstFirma",
};

/// `FchEmis` is later than the date the check runs on ([`Context::today`]).
/// Only informative: it depends on our clock, not on the document.
pub const FCHEMIS_FUTURE: Rule = Rule {
    code: "ID-FCHEMIS-FUTURE",
    sii_code: None,
    severity: Severity::Aviso,
    summary: "FchEmis is after the date of the check",
};

/// `FchVenc` (due date) is before `FchEmis`. A content error: reparo.
pub const FCHVENC: Rule = Rule {
    code: "ID-FCHVENC",
    sii_code: None,
    severity: Severity::Reparo,
    summary: "FchVenc is before FchEmis",
};

const FIRST_DATE: Date = match Date::const_ymd(2003, 4, 1) {
    Some(d) => d,
    None => panic!("2003-04-01 is a date"),
};

const LAST_DATE: Date = match Date::const_ymd(2050, 12, 31) {
    Some(d) => d,
    None => panic!("2050-12-31 is a date"),
};

pub(crate) fn check(dte: &Dte<'_>, ctx: &Context, findings: &mut Findings) {
    check_mandatory(dte, findings);
    check_tipo(dte, findings);
    check_folio(dte, findings);
    check_dates(dte, ctx, findings);
}

/// The mandatory header fields, each as (path below the document element,
/// description for the message).
const MANDATORY: [(&[&str], &str); 6] = [
    (&["Encabezado", "IdDoc", "TipoDTE"], "the document type"),
    (&["Encabezado", "IdDoc", "Folio"], "the folio"),
    (&["Encabezado", "IdDoc", "FchEmis"], "the emission date"),
    (&["Encabezado", "Emisor", "RUTEmisor"], "the issuer's RUT"),
    (
        &["Encabezado", "Receptor", "RUTRecep"],
        "the receiver's RUT",
    ),
    (&["Encabezado", "Totales", "MntTotal"], "the total amount"),
];

fn check_mandatory(dte: &Dte<'_>, findings: &mut Findings) {
    for (path, what) in MANDATORY {
        require(dte.doc, path, what, "every DTE", findings);
    }

    let tipo = dte.known_tipo();
    if tipo.is_some_and(is_boleta) {
        let what = "the kind of service sold";
        require(
            dte.doc,
            &["Encabezado", "IdDoc", "IndServicio"],
            what,
            "a boleta",
            findings,
        );
    }
    if tipo.is_some_and(is_export) {
        let what = "the currency the amounts are in";
        let path = ["Encabezado", "Totales", "TpoMoneda"];
        require(dte.doc, &path, what, "an export document", findings);
    }
}

/// Reports `path` below `doc` when it is missing or empty.
fn require(doc: Element<'_>, path: &[&str], what: &str, who: &str, findings: &mut Findings) {
    // Walk as far as the path exists, to point at the deepest element present.
    let mut at = doc;
    for (depth, name) in path.iter().enumerate() {
        match at.child(name) {
            Some(next) => at = next,
            None => {
                let rest = path[depth..].join("/");
                let field = path.last().copied().unwrap_or_default();
                let gone = if depth + 1 < path.len() {
                    format!(" ({name} itself is missing)")
                } else {
                    String::new()
                };
                findings.push(MISSING.missing(
                    at,
                    &rest,
                    format!("{field} ({what}) is mandatory in {who} and is missing{gone}"),
                ));
                return;
            }
        }
    }
    if at.text().trim_ascii().is_empty() {
        let field = at.local_name();
        findings.push(MISSING.at(
            at,
            format!("{field} ({what}) is mandatory in {who} and is empty"),
        ));
    }
}

fn check_tipo(dte: &Dte<'_>, findings: &mut Findings) {
    let Some(element) = dte.id_doc.and_then(|e| e.child("TipoDTE")) else {
        return;
    };
    let text = trimmed(element.text());
    if text.is_empty() {
        return; // reported as missing
    }
    let message = match dte.tipo {
        Some(tipo) if KNOWN_TYPES.contains(&tipo) => {
            let home = container_for(tipo);
            if home == dte.container {
                return;
            }
            format!(
                "TipoDTE {tipo} belongs in <{}>, but this document is a <{}>",
                home.name(),
                dte.container.name()
            )
        }
        _ => {
            let known = KNOWN_TYPES.map(|t| t.to_string()).join(", ");
            format!("TipoDTE {text:?} is not a type the SII issues; expected one of {known}")
        }
    };
    findings.push(TIPO_DTE.at(element, message));
}

fn check_folio(dte: &Dte<'_>, findings: &mut Findings) {
    let Some(element) = dte.id_doc.and_then(|e| e.child("Folio")) else {
        return;
    };
    let text = trimmed(element.text());
    if text.is_empty() {
        return; // reported as missing
    }
    let digits = text.trim_start_matches('0');
    let all_digits = text.bytes().all(|b| b.is_ascii_digit());
    let problem = if !all_digits {
        "is not a whole number"
    } else if digits.is_empty() {
        "is zero"
    } else if digits.len() > 10 {
        "has more than 10 digits"
    } else {
        return;
    };
    findings.push(FOLIO.at(
        element,
        format!("Folio {text:?} {problem}: a folio is a positive integer of at most 10 digits"),
    ));
}

fn check_dates(dte: &Dte<'_>, ctx: &Context, findings: &mut Findings) {
    let Some(fch_emis) = dte.id_doc.and_then(|e| e.child("FchEmis")) else {
        return;
    };
    let text = trimmed(fch_emis.text());
    if text.is_empty() {
        return; // reported as missing
    }
    let Some(emitted) = Date::parse(&text) else {
        findings.push(FCHEMIS.at(
            fch_emis,
            format!("FchEmis {text:?} is not a calendar date written YYYY-MM-DD"),
        ));
        return;
    };
    if !(FIRST_DATE..=LAST_DATE).contains(&emitted) {
        findings.push(FCHEMIS.at(
            fch_emis,
            format!(
                "FchEmis {emitted} is outside the dates the SII accepts, {FIRST_DATE} to \
                 {LAST_DATE}"
            ),
        ));
    }

    let signed = dte
        .doc
        .child("TmstFirma")
        .and_then(|e| Date::parse_date_time(&e.text()));
    if let Some(signed) = signed.filter(|&signed| emitted > signed) {
        findings.push(FCHEMIS_FIRMA.at(
            fch_emis,
            format!(
                "FchEmis {emitted} is after the signing date {signed} (TmstFirma): the document \
                 was signed before the date it says it was issued"
            ),
        ));
    }

    if let Some(today) = ctx.today.filter(|&today| emitted > today) {
        findings.push(FCHEMIS_FUTURE.at(
            fch_emis,
            format!("FchEmis {emitted} is in the future: the check ran on {today}"),
        ));
    }

    let due = dte.id_doc.and_then(|e| e.child("FchVenc"));
    let due = due.and_then(|e| Some((e, Date::parse(&e.text())?)));
    if let Some((element, due)) = due.filter(|&(_, due)| due < emitted) {
        findings.push(FCHVENC.at(
            element,
            format!(
                "FchVenc {due} is before FchEmis {emitted}: a document cannot fall due before \
                 it is issued"
            ),
        ));
    }
}
