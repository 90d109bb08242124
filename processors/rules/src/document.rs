//! The view of a DTE that every rule family reads: which document element it
//! carries, its type, and the header parts, found once.
//!
//! Document types and where they live come from DOMAIN.md, "Document types and
//! where they live".

use std::borrow::Cow;

use veredicto_xml::Element;

use crate::decimal::Decimal;

/// The element that carries the document inside `<DTE>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Container {
    Documento,
    Liquidacion,
    Exportaciones,
}

impl Container {
    fn of(name: &str) -> Option<Container> {
        match name {
            "Documento" => Some(Container::Documento),
            "Liquidacion" => Some(Container::Liquidacion),
            "Exportaciones" => Some(Container::Exportaciones),
            _ => None,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Container::Documento => "Documento",
            Container::Liquidacion => "Liquidacion",
            Container::Exportaciones => "Exportaciones",
        }
    }
}

/// Every TipoDTE the SII issues electronically.
pub(crate) const KNOWN_TYPES: [u16; 12] = [33, 34, 39, 41, 43, 46, 52, 56, 61, 110, 111, 112];

/// Where a document of type `tipo` lives.
pub(crate) fn container_for(tipo: u16) -> Container {
    match tipo {
        43 => Container::Liquidacion,
        110..=112 => Container::Exportaciones,
        _ => Container::Documento,
    }
}

pub(crate) fn is_boleta(tipo: u16) -> bool {
    matches!(tipo, 39 | 41)
}

pub(crate) fn is_export(tipo: u16) -> bool {
    matches!(tipo, 110..=112)
}

/// Types whose every line is exempt: 34 factura exenta, 41 boleta exenta and
/// the export documents.
pub(crate) fn is_exempt_only(tipo: u16) -> bool {
    matches!(tipo, 34 | 41 | 110..=112)
}

/// A DTE, its document element and the header parts, each `None` when absent.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dte<'d> {
    /// The document element: `Documento`, `Liquidacion` or `Exportaciones`.
    pub doc: Element<'d>,
    pub container: Container,
    pub id_doc: Option<Element<'d>>,
    pub emisor: Option<Element<'d>>,
    pub totales: Option<Element<'d>>,
    /// `TipoDTE` when it reads as a number (known or not).
    pub tipo: Option<u16>,
}

impl<'d> Dte<'d> {
    /// The view of `element`, a `<DTE>` or a bare document element. `None` when
    /// there is no document element.
    pub(crate) fn new(element: Element<'d>) -> Option<Dte<'d>> {
        let (doc, container) = match Container::of(element.local_name()) {
            Some(container) => (element, container),
            None => element
                .elements()
                .find_map(|e| Container::of(e.local_name()).map(|c| (e, c)))?,
        };
        let encabezado = doc.child("Encabezado");
        let part = |name| encabezado.and_then(|e| e.child(name));
        let id_doc = part("IdDoc");
        let tipo = id_doc
            .and_then(|e| e.child("TipoDTE"))
            .and_then(|e| e.text().trim_ascii().parse().ok());
        Some(Dte {
            doc,
            container,
            id_doc,
            emisor: part("Emisor"),
            totales: part("Totales"),
            tipo,
        })
    }

    /// The type, when it is one the SII issues and sits in its container.
    /// Type-dependent rules run only then.
    pub(crate) fn known_tipo(&self) -> Option<u16> {
        self.tipo
            .filter(|t| KNOWN_TYPES.contains(t) && container_for(*t) == self.container)
    }

    /// `Encabezado/Emisor/RUTEmisor`, trimmed.
    pub(crate) fn rut_emisor(&self) -> Option<Cow<'d, str>> {
        self.emisor
            .and_then(|e| e.child("RUTEmisor"))
            .map(|e| trimmed(e.text()))
    }

    /// A child of `Totales`.
    pub(crate) fn total(&self, name: &str) -> Option<Element<'d>> {
        self.totales.and_then(|t| t.child(name))
    }

    /// Child elements of the document element named `name`.
    pub(crate) fn children_named(
        &self,
        name: &'static str,
    ) -> impl Iterator<Item = Element<'d>> + 'd {
        self.doc.elements().filter(move |e| e.local_name() == name)
    }
}

/// The text without surrounding whitespace, still borrowed when it was.
pub(crate) fn trimmed(text: Cow<'_, str>) -> Cow<'_, str> {
    match text {
        Cow::Borrowed(s) => Cow::Borrowed(s.trim_ascii()),
        Cow::Owned(s) => Cow::Owned(s.trim_ascii().to_owned()),
    }
}

/// The decimal value of an element's text.
pub(crate) fn decimal(element: Element<'_>) -> Option<Decimal> {
    Decimal::parse(&element.text())
}

/// The decimal value of the child `name`, if present and readable.
pub(crate) fn child_decimal(parent: Element<'_>, name: &str) -> Option<Decimal> {
    parent.child(name).and_then(decimal)
}

/// The whole-number value of an element's text.
pub(crate) fn integer(element: Element<'_>) -> Option<i128> {
    Decimal::parse_integer(&element.text())
}

/// The value of the child `name` as a small code (`IndExe`, `CodRef`, ...).
pub(crate) fn child_code(parent: Element<'_>, name: &str) -> Option<u32> {
    parent
        .child(name)
        .and_then(|e| e.text().trim_ascii().parse().ok())
}
