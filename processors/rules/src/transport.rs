//! Guías de despacho (52): why the goods travel.
//!
//! Facts from DOMAIN.md, "Guías (52)": `IndTraslado` 1..9 is mandatory, and
//! `CdgTraslado` is expected when IndTraslado is 8 or 9. DTE_v10.xsd documents
//! IndTraslado 1 to 7 (1 sale, 2 sale to be made, 3 consignment, 4 free
//! delivery, 5 internal transfer, 6 other transfers that are not sales, 7
//! return) and lists 8 and 9 without documentation; it places `CdgTraslado`,
//! "código emisor traslado excepcional", in `Emisor/GuiaExport`, optional.

use crate::document::{Dte, child_code, trimmed};
use crate::finding::{Findings, Rule, Severity};

/// A guía de despacho without `IndTraslado`, or with a value outside 1..9.
///
/// DOMAIN.md calls it mandatory on type 52; a mandatory header field that is
/// missing is a rejection (DOMAIN.md, "Severity"), and a value outside the
/// schema's enumeration is a schema error.
pub const IND_TRASLADO: Rule = Rule {
    code: "TRN-INDTRASLADO",
    sii_code: None,
    severity: Severity::Rechazo,
    summary: "a guía de despacho (52) lacks IndTraslado 1..9",
};

/// A guía with IndTraslado 8 or 9 has no `Emisor/GuiaExport/CdgTraslado`.
///
/// DOMAIN.md asks for it; the schema makes it optional and names it for an
/// exceptional issuer, so its absence may be legitimate. We report it as an
/// aviso for a person to look at.
pub const CDG_TRASLADO: Rule = Rule {
    code: "TRN-CDGTRASLADO",
    sii_code: None,
    severity: Severity::Aviso,
    summary: "a guía with IndTraslado 8 or 9 has no CdgTraslado",
};

pub(crate) fn check(dte: &Dte<'_>, findings: &mut Findings) {
    if dte.known_tipo() != Some(52) {
        return;
    }
    let Some(id_doc) = dte.id_doc else {
        return; // its mandatory fields are reported missing by identity
    };

    let Some(element) = id_doc.child("IndTraslado") else {
        findings.push(IND_TRASLADO.missing(
            id_doc,
            "IndTraslado",
            "IndTraslado is mandatory on a guía de despacho (52): it says why the goods travel \
             (1 sale, 2 sale to be made, 3 consignment, 4 free delivery, 5 internal transfer, 6 \
             other non-sale transfer, 7 return, 8 or 9 export)"
                .to_owned(),
        ));
        return;
    };
    let code = child_code(id_doc, "IndTraslado");
    let Some(code @ 1..=9) = code else {
        let text = trimmed(element.text());
        findings.push(IND_TRASLADO.at(
            element,
            format!("IndTraslado is {text:?}; expected a code from 1 to 9"),
        ));
        return;
    };

    if matches!(code, 8 | 9) {
        let cdg = dte
            .emisor
            .and_then(|e| e.child("GuiaExport"))
            .and_then(|e| e.child("CdgTraslado"));
        if cdg.is_none() {
            let message = format!(
                "IndTraslado is {code} (export) but Emisor/GuiaExport/CdgTraslado is absent; it \
                 says who moves the goods when that is not the exporter"
            );
            findings.push(match dte.emisor {
                Some(emisor) => CDG_TRASLADO.missing(emisor, "GuiaExport/CdgTraslado", message),
                None => CDG_TRASLADO.at(element, message),
            });
        }
    }
}
