//! Counts and text lengths the SII enforces.
//!
//! Facts from DOMAIN.md, "Limits" and "Amounts": at most 60 `Detalle` lines
//! (1,000 in a boleta), 20 `DscRcgGlobal`, 20 `ImptoReten`, 4 `Acteco`;
//! `RznSoc` 100 characters, `GiroEmis` 80, `RazonRef` 90. They are the
//! schema's `maxOccurs` and `maxLength`, so the SII rejects a document that
//! passes them. Lengths count characters, not bytes: "ñ" is one.
//!
//! The references' count (40) is checked with the references
//! ([`crate::references::COUNT`]).

use veredicto_xml::Element;

use crate::document::{Dte, is_boleta};
use crate::finding::{Findings, Rule, Severity};

/// More `Detalle` lines than the type allows: 60, or 1,000 in a boleta.
pub const DETALLE: Rule = Rule {
    code: "LIM-DETALLE",
    sii_code: None,
    severity: Severity::Rechazo,
    summary: "more than 60 Detalle lines (1,000 in a boleta)",
};

/// More than 20 global discounts and surcharges.
pub const DSC_RCG: Rule = Rule {
    code: "LIM-DSCRCG",
    sii_code: None,
    severity: Severity::Rechazo,
    summary: "more than 20 DscRcgGlobal",
};

/// More than 20 additional taxes and retentions.
pub const IMPTO_RETEN: Rule = Rule {
    code: "LIM-IMPTORETEN",
    sii_code: None,
    severity: Severity::Rechazo,
    summary: "more than 20 ImptoReten",
};

/// More than 4 economic activity codes for the issuer.
pub const ACTECO: Rule = Rule {
    code: "LIM-ACTECO",
    sii_code: None,
    severity: Severity::Rechazo,
    summary: "more than 4 Acteco",
};

/// The issuer's name (`RznSoc`, `RznSocEmisor` in boletas) is longer than 100
/// characters.
pub const RZN_SOC: Rule = Rule {
    code: "LIM-RZNSOC",
    sii_code: None,
    severity: Severity::Rechazo,
    summary: "RznSoc longer than 100 characters",
};

/// The issuer's line of business (`GiroEmis`, `GiroEmisor` in boletas) is
/// longer than 80 characters.
pub const GIRO_EMIS: Rule = Rule {
    code: "LIM-GIROEMIS",
    sii_code: None,
    severity: Severity::Rechazo,
    summary: "GiroEmis longer than 80 characters",
};

/// A reference's reason (`RazonRef`) is longer than 90 characters.
pub const RAZON_REF: Rule = Rule {
    code: "LIM-RAZONREF",
    sii_code: None,
    severity: Severity::Rechazo,
    summary: "RazonRef longer than 90 characters",
};

pub(crate) fn check(dte: &Dte<'_>, findings: &mut Findings) {
    // An unknown type gets the larger limit: it is already rejected as such.
    let boleta = dte.known_tipo().is_none_or(is_boleta);
    let max_lines = if boleta { 1_000 } else { 60 };
    let kind = if boleta {
        "a boleta"
    } else {
        "this document type"
    };
    count(
        &DETALLE,
        dte.children_named("Detalle"),
        max_lines,
        "Detalle lines",
        kind,
        findings,
    );
    let globals = dte.children_named("DscRcgGlobal");
    count(&DSC_RCG, globals, 20, "DscRcgGlobal", "a DTE", findings);

    let taxes = dte.totales.into_iter().flat_map(|t| t.elements());
    let taxes = taxes.filter(|e| e.local_name() == "ImptoReten");
    count(&IMPTO_RETEN, taxes, 20, "ImptoReten", "a DTE", findings);

    if let Some(emisor) = dte.emisor {
        let actecos = emisor.elements().filter(|e| e.local_name() == "Acteco");
        count(&ACTECO, actecos, 4, "Acteco", "an issuer", findings);
        for name in ["RznSoc", "RznSocEmisor"] {
            length(&RZN_SOC, emisor.child(name), 100, findings);
        }
        for name in ["GiroEmis", "GiroEmisor"] {
            length(&GIRO_EMIS, emisor.child(name), 80, findings);
        }
    }
    for reference in dte.children_named("Referencia") {
        length(&RAZON_REF, reference.child("RazonRef"), 90, findings);
    }
}

/// Reports the first element past `max`, with the total count.
fn count<'d>(
    rule: &Rule,
    elements: impl Iterator<Item = Element<'d>>,
    max: usize,
    what: &str,
    who: &str,
    findings: &mut Findings,
) {
    let mut first_extra = None;
    let mut total = 0;
    for element in elements {
        total += 1;
        if total == max + 1 {
            first_extra = Some(element);
        }
    }
    if let Some(element) = first_extra {
        findings.push(rule.at(
            element,
            format!("{total} {what}, but {who} allows at most {max}; this is the first extra one"),
        ));
    }
}

fn length(rule: &Rule, element: Option<Element<'_>>, max: usize, findings: &mut Findings) {
    let Some(element) = element else {
        return;
    };
    let text = element.text();
    // Cheap test first: a text of at most `max` bytes has at most `max` characters.
    if text.len() <= max {
        return;
    }
    let characters = text.chars().count();
    if characters > max {
        let name = element.local_name();
        findings.push(rule.at(
            element,
            format!("{name} has {characters} characters; at most {max} are allowed"),
        ));
    }
}
