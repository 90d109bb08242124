//! The SII's rules for DTEs, as a pure library.
//!
//! A DTE that is well-formed XML (see `veredicto-xml`) is checked here for what
//! the schema cannot say: check digits, dates, arithmetic, references and the
//! counts the SII enforces. Each rule has a stable code of our own, a severity
//! that says what the SII does with it (see [`Severity`]) and, where one is
//! known, the SII's own detail code.
//!
//! # Layout
//!
//! - [`finding`]: [`Finding`], [`Severity`] and [`Rule`], the vocabulary every
//!   family shares.
//! - One module per rule family, each listing its rules as constants:
//!   [`rut`] (format and check digit of every RUT field), [`identity`] (document
//!   type, folio, dates, mandatory header fields), [`amounts`] (line amounts,
//!   MntNeto, MntExe, IVA, MntTotal, boletas, exempt and export documents),
//!   [`references`] (what notes must reference), [`transport`] (guías de
//!   despacho), [`limits`] (counts and text lengths) and [`envelope`] (the
//!   `Caratula` of an `EnvioDTE` or `EnvioBOLETA`).
//! - [`date`]: the calendar dates the rules compare.
//! - `decimal` and `document` (private): exact decimal arithmetic and the view
//!   of a DTE that every family reads.
//!
//! # Use
//!
//! ```
//! use veredicto_rules::{Context, Severity, check_dte};
//! use veredicto_xml::{Limits, parse};
//!
//! let xml = r#"<DTE version="1.0"><Documento ID="F170">
//!   <Encabezado>
//!     <IdDoc><TipoDTE>33</TipoDTE><Folio>170</Folio><FchEmis>2024-05-02</FchEmis></IdDoc>
//!     <Emisor><RUTEmisor>76354771-K</RUTEmisor></Emisor>
//!     <Receptor><RUTRecep>96790240-3</RUTRecep></Receptor>
//!     <Totales><MntNeto>8943</MntNeto><TasaIVA>19</TasaIVA><IVA>1700</IVA>
//!       <MntTotal>10643</MntTotal></Totales>
//!   </Encabezado>
//!   <Detalle><NroLinDet>1</NroLinDet><NmbItem>Dominio</NmbItem>
//!     <QtyItem>1</QtyItem><PrcItem>8942.86</PrcItem><MontoItem>8943</MontoItem></Detalle>
//!   <TmstFirma>2024-05-02T10:15:00</TmstFirma>
//! </Documento></DTE>"#;
//! let (doc, _) = parse(xml.as_bytes(), &Limits::default()).expect("well-formed");
//! let findings = check_dte(doc.root(), &Context::default());
//!
//! // 8943 × 19% = 1699.17, which rounds to 1699, not 1700.
//! assert_eq!(findings.len(), 1);
//! assert_eq!(findings[0].code, "AMT-IVA");
//! assert_eq!(findings[0].severity, Severity::Reparo);
//! assert_eq!(findings[0].path, "/DTE/Documento/Encabezado/Totales/IVA");
//! assert_eq!(findings[0].line, Some(6));
//! ```
//!
//! For an envelope, [`check_envelope`] checks its `Caratula` and
//! [`check_envelope_dtes`] each of its DTEs.
//!
//! # Input that breaks the schema
//!
//! The rules run on documents the schema validator may reject. A field that is
//! missing or unreadable is left to the schema, except for the mandatory header
//! fields, which get one finding each (see [`identity::MISSING`]); a rule whose
//! inputs cannot be read says nothing. No input makes a rule panic.

pub mod amounts;
pub mod date;
pub mod envelope;
pub mod finding;
pub mod identity;
pub mod limits;
pub mod references;
pub mod rut;
pub mod transport;

mod decimal;
mod document;

use veredicto_xml::Element;

pub use date::Date;
pub use envelope::{check_envelope, check_envelope_dtes, envelope_dtes};
pub use finding::{Finding, Rule, Severity};

use crate::document::Dte;
use crate::finding::{Findings, LineCounter};

/// What the rules need from outside the document.
///
/// The signing time is inside the document (`TmstFirma`); only the date the
/// check runs on comes from outside.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Context {
    /// The date the check runs on, for [`identity::FCHEMIS_FUTURE`]. `None`
    /// skips that rule, which keeps results reproducible in tests and replays.
    pub today: Option<Date>,
}

/// Every rule of the catalogue, grouped by family in module order.
pub const CATALOGUE: &[&Rule] = &[
    &rut::FORMAT,
    &rut::DV_EMISOR,
    &rut::DV,
    &identity::DOCUMENTO,
    &identity::MISSING,
    &identity::TIPO_DTE,
    &identity::FOLIO,
    &identity::FCHEMIS,
    &identity::FCHEMIS_FIRMA,
    &identity::FCHEMIS_FUTURE,
    &identity::FCHVENC,
    &amounts::NEGATIVE,
    &amounts::LINE,
    &amounts::LINE_ZERO,
    &amounts::NETO,
    &amounts::EXE,
    &amounts::IVA,
    &amounts::TOTAL,
    &amounts::EXENTA,
    &references::MISSING,
    &references::SINGLE,
    &references::TEXT_AMOUNT,
    &references::FOLIO_ZERO,
    &references::RUTOTR_TYPE,
    &references::RUTOTR_EMISOR,
    &references::COUNT,
    &transport::IND_TRASLADO,
    &transport::CDG_TRASLADO,
    &limits::DETALLE,
    &limits::DSC_RCG,
    &limits::IMPTO_RETEN,
    &limits::ACTECO,
    &limits::RZN_SOC,
    &limits::GIRO_EMIS,
    &limits::RAZON_REF,
    &envelope::CARATULA,
    &envelope::MISSING,
    &envelope::SUBTOT,
    &envelope::RUT_EMISOR,
    &envelope::DTE_COUNT,
];

/// Checks one DTE against every rule family.
///
/// `dte` is a `<DTE>` element, standing alone or inside an envelope; a bare
/// `Documento`, `Liquidacion` or `Exportaciones` is accepted too. Findings come
/// in family order ([`rut`], [`identity`], [`amounts`], [`references`],
/// [`transport`], [`limits`]) and, within a family, in document order.
///
/// Line numbers are counted from the start of the text, so a finding in the
/// last DTE of a large envelope reads the envelope up to it; for all the DTEs
/// of an envelope, [`check_envelope_dtes`] counts lines once.
pub fn check_dte(dte: Element<'_>, ctx: &Context) -> Vec<Finding> {
    let mut lines = LineCounter::new(dte.document().text());
    check_dte_counting(dte, ctx, &mut lines)
}

/// [`check_dte`] with a line counter shared across the DTEs of a document.
pub(crate) fn check_dte_counting(
    dte: Element<'_>,
    ctx: &Context,
    lines: &mut LineCounter<'_>,
) -> Vec<Finding> {
    let mut findings = Findings::default();
    let Some(view) = Dte::new(dte) else {
        findings.push(identity::DOCUMENTO.at(
            dte,
            format!(
                "<{}> holds no Documento, Liquidacion or Exportaciones element, so it carries no \
                 document to check",
                dte.local_name()
            ),
        ));
        return findings.finish(lines);
    };

    rut::check(&view, &mut findings);
    identity::check(&view, ctx, &mut findings);
    amounts::check(&view, &mut findings);
    references::check(&view, &mut findings);
    transport::check(&view, &mut findings);
    limits::check(&view, &mut findings);
    findings.finish(lines)
}
