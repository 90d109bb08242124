//! Envelopes (`EnvioDTE`, `EnvioBOLETA`): the `Caratula` against the DTEs the
//! envelope actually holds.
//!
//! Facts from DOMAIN.md, "Document types and where they live": an `EnvioDTE`
//! carries up to 2,000 DTEs in a `SetDTE` with a `Caratula`; EnvioBOLETA_v11.xsd
//! allows 500. The `Caratula` names the issuer (`RutEmisor`), the person who
//! sends (`RutEnvia`), the receiver (`RutReceptor`, 60803000-K when sending to
//! the SII) and counts the DTEs per type (`SubTotDTE`: `TpoDTE`, `NroDTE`).
//!
//! Severity: DOMAIN.md does not cover envelopes. The SII checks the `Caratula`
//! when an envelope arrives and rejects the whole envelope when it is
//! incomplete or does not match its content (a rejection for a carátula error
//! is one of the states of an upload), so these rules are rejections.
//!
//! [`check_envelope`] checks the envelope only; [`check_envelope_dtes`] runs
//! [`crate::check_dte`] on each of its DTEs ([`envelope_dtes`]).

use veredicto_xml::Element;

use crate::Context;
use crate::document::{Dte, trimmed};
use crate::finding::{Finding, Findings, LineCounter, Rule, Severity};
use crate::rut::{check_field, same_rut};

/// The envelope has no `SetDTE` or no `Caratula`.
pub const CARATULA: Rule = Rule {
    code: "ENV-CARATULA",
    sii_code: None,
    severity: Severity::Rechazo,
    summary: "the envelope has no SetDTE or no Caratula",
};

/// `RutEmisor`, `RutEnvia` or `RutReceptor` is missing or empty in the
/// `Caratula`.
pub const MISSING: Rule = Rule {
    code: "ENV-MISSING",
    sii_code: None,
    severity: Severity::Rechazo,
    summary: "RutEmisor, RutEnvia or RutReceptor is missing from the Caratula",
};

/// `SubTotDTE` does not count the DTEs present: a declared `NroDTE` differs
/// from the number of DTEs of that `TpoDTE`, or a type present is not declared.
pub const SUBTOT: Rule = Rule {
    code: "ENV-SUBTOT",
    sii_code: None,
    severity: Severity::Rechazo,
    summary: "SubTotDTE does not match the DTEs in the envelope",
};

/// A DTE's `RUTEmisor` differs from the `Caratula`'s `RutEmisor`: an envelope
/// carries the documents of one issuer.
pub const RUT_EMISOR: Rule = Rule {
    code: "ENV-RUTEMISOR",
    sii_code: None,
    severity: Severity::Rechazo,
    summary: "a DTE's RUTEmisor differs from the Caratula's RutEmisor",
};

/// More DTEs than the envelope allows: 2,000 in an `EnvioDTE`, 500 in an
/// `EnvioBOLETA` (the schemas' `maxOccurs`).
pub const DTE_COUNT: Rule = Rule {
    code: "ENV-DTE-COUNT",
    sii_code: None,
    severity: Severity::Rechazo,
    summary: "more DTEs than the envelope allows (2,000, or 500 boletas)",
};

/// The DTEs of an envelope, in order: the `DTE` children of its `SetDTE`.
pub fn envelope_dtes<'d>(envelope: Element<'d>) -> impl Iterator<Item = Element<'d>> + 'd {
    envelope
        .child("SetDTE")
        .into_iter()
        .flat_map(|set| set.elements())
        .filter(|e| e.local_name() == "DTE")
}

/// Checks every DTE of an envelope with [`crate::check_dte`], in order, and
/// returns each with its findings. Lines are counted once for the whole
/// envelope rather than once per DTE.
pub fn check_envelope_dtes<'d>(
    envelope: Element<'d>,
    ctx: &Context,
) -> Vec<(Element<'d>, Vec<Finding>)> {
    let mut lines = LineCounter::new(envelope.document().text());
    envelope_dtes(envelope)
        .map(|dte| (dte, crate::check_dte_counting(dte, ctx, &mut lines)))
        .collect()
}

/// Checks an envelope's `Caratula`: its RUT fields, its counts per type, and
/// its issuer against each DTE's.
///
/// Only `EnvioDTE` and `EnvioBOLETA` are envelopes; any other element (a lone
/// DTE, a bare `Documento`, an AEC) gives no finding here.
pub fn check_envelope(envelope: Element<'_>) -> Vec<Finding> {
    if !matches!(envelope.local_name(), "EnvioDTE" | "EnvioBOLETA") {
        return Vec::new();
    }
    let mut findings = Findings::default();
    let mut lines = LineCounter::new(envelope.document().text());
    check_caratula(envelope, &mut findings);
    findings.finish(&mut lines)
}

fn check_caratula(envelope: Element<'_>, findings: &mut Findings) {
    let Some(set) = envelope.child("SetDTE") else {
        findings.push(CARATULA.missing(
            envelope,
            "SetDTE",
            format!(
                "<{}> has no SetDTE, so it carries no documents",
                envelope.local_name()
            ),
        ));
        return;
    };
    let Some(caratula) = set.child("Caratula") else {
        findings.push(CARATULA.missing(
            set,
            "Caratula",
            "SetDTE has no Caratula: the envelope does not say who sends what".to_owned(),
        ));
        return;
    };

    for (name, what) in [
        ("RutEmisor", "the issuer of the documents"),
        ("RutEnvia", "the person who sends them"),
        ("RutReceptor", "who receives them (60803000-K for the SII)"),
    ] {
        match caratula.child(name) {
            Some(e) if !e.text().trim_ascii().is_empty() => {
                check_field(e, name == "RutEmisor", findings);
            }
            Some(e) => findings.push(MISSING.at(
                e,
                format!("{name} ({what}) is mandatory in the Caratula and is empty"),
            )),
            None => findings.push(MISSING.missing(
                caratula,
                name,
                format!("{name} ({what}) is mandatory in the Caratula and is missing"),
            )),
        }
    }

    let issuer = caratula.child("RutEmisor").map(|e| trimmed(e.text()));
    let boleta = envelope.local_name() == "EnvioBOLETA";
    let max = if boleta { 500 } else { 2_000 };

    // Counts per TipoDTE; `None` for a DTE whose type cannot be read. An
    // envelope holds a few types, so a vector beats a map.
    let mut present: Vec<(Option<u16>, usize, Element<'_>)> = Vec::new();
    let mut total = 0;
    for dte in envelope_dtes(envelope) {
        total += 1;
        if total == max + 1 {
            findings.push(DTE_COUNT.at(
                dte,
                format!(
                    "<{}> allows at most {max} DTEs; this is number {total}",
                    envelope.local_name()
                ),
            ));
        }
        let view = Dte::new(dte);
        let tipo = view.and_then(|v| v.tipo);
        match present.iter_mut().find(|(t, _, _)| *t == tipo) {
            Some((_, n, _)) => *n += 1,
            None => present.push((tipo, 1, dte)),
        }

        let rut = view.and_then(|v| {
            let element = v.emisor?.child("RUTEmisor")?;
            Some((element, trimmed(element.text())))
        });
        if let (Some(issuer), Some((element, rut))) = (&issuer, rut) {
            if !issuer.is_empty() && !rut.is_empty() && !same_rut(issuer, &rut) {
                findings.push(RUT_EMISOR.at(
                    element,
                    format!(
                        "RUTEmisor {rut} differs from the Caratula's RutEmisor {issuer}: an \
                         envelope carries the documents of one issuer"
                    ),
                ));
            }
        }
    }

    check_subtotals(caratula, &present, findings);
}

fn check_subtotals(
    caratula: Element<'_>,
    present: &[(Option<u16>, usize, Element<'_>)],
    findings: &mut Findings,
) {
    let mut declared_types: Vec<u16> = Vec::new();
    for subtotal in caratula
        .elements()
        .filter(|e| e.local_name() == "SubTotDTE")
    {
        let tipo = subtotal
            .child("TpoDTE")
            .and_then(|e| e.text().trim_ascii().parse::<u16>().ok());
        let count_element = subtotal.child("NroDTE");
        let declared = count_element.and_then(|e| e.text().trim_ascii().parse::<usize>().ok());
        let (Some(tipo), Some(declared), Some(count_element)) = (tipo, declared, count_element)
        else {
            continue; // unreadable: the schema's business
        };
        if declared_types.contains(&tipo) {
            findings.push(SUBTOT.at(
                subtotal,
                format!("TpoDTE {tipo} has more than one SubTotDTE; each type is counted once"),
            ));
            continue;
        }
        declared_types.push(tipo);

        let actual = present
            .iter()
            .find(|(t, _, _)| *t == Some(tipo))
            .map_or(0, |(_, n, _)| *n);
        if actual != declared {
            findings.push(SUBTOT.at(
                count_element,
                format!(
                    "SubTotDTE declares {declared} DTEs of type {tipo}, but the envelope holds \
                     {actual}"
                ),
            ));
        }
    }

    for (tipo, actual, first) in present {
        let Some(tipo) = tipo else {
            continue; // a DTE without a readable type is reported by its own checks
        };
        if !declared_types.contains(tipo) {
            findings.push(SUBTOT.missing(
                caratula,
                "SubTotDTE",
                format!(
                    "the envelope holds {actual} DTEs of type {tipo} (the first on line {}) but \
                     the Caratula has no SubTotDTE for that type",
                    first.position().0
                ),
            ));
        }
    }
}
