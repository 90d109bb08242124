//! The document types the forge writes (`TipoDTE`) and what each implies:
//! its element, its envelope, whether it carries IVA, whether it modifies
//! another document.

use std::fmt;
use std::str::FromStr;

/// A DTE type the forge can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TipoDte {
    /// 33, factura electrónica.
    Factura,
    /// 34, factura no afecta o exenta.
    FacturaExenta,
    /// 39, boleta electrónica.
    Boleta,
    /// 41, boleta exenta.
    BoletaExenta,
    /// 43, liquidación-factura.
    Liquidacion,
    /// 46, factura de compra, issued by the buyer.
    FacturaCompra,
    /// 52, guía de despacho.
    Guia,
    /// 56, nota de débito.
    NotaDebito,
    /// 61, nota de crédito.
    NotaCredito,
    /// 110, factura de exportación.
    FacturaExportacion,
    /// 111, nota de débito de exportación.
    NotaDebitoExportacion,
    /// 112, nota de crédito de exportación.
    NotaCreditoExportacion,
}

/// The element a `DTE` wraps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Documento,
    Liquidacion,
    Exportaciones,
}

impl Family {
    /// The element's local name.
    pub fn element(self) -> &'static str {
        match self {
            Family::Documento => "Documento",
            Family::Liquidacion => "Liquidacion",
            Family::Exportaciones => "Exportaciones",
        }
    }
}

impl TipoDte {
    /// Every type, in code order.
    pub const ALL: [TipoDte; 12] = [
        TipoDte::Factura,
        TipoDte::FacturaExenta,
        TipoDte::Boleta,
        TipoDte::BoletaExenta,
        TipoDte::Liquidacion,
        TipoDte::FacturaCompra,
        TipoDte::Guia,
        TipoDte::NotaDebito,
        TipoDte::NotaCredito,
        TipoDte::FacturaExportacion,
        TipoDte::NotaDebitoExportacion,
        TipoDte::NotaCreditoExportacion,
    ];

    /// The SII's code.
    pub fn code(self) -> u16 {
        match self {
            TipoDte::Factura => 33,
            TipoDte::FacturaExenta => 34,
            TipoDte::Boleta => 39,
            TipoDte::BoletaExenta => 41,
            TipoDte::Liquidacion => 43,
            TipoDte::FacturaCompra => 46,
            TipoDte::Guia => 52,
            TipoDte::NotaDebito => 56,
            TipoDte::NotaCredito => 61,
            TipoDte::FacturaExportacion => 110,
            TipoDte::NotaDebitoExportacion => 111,
            TipoDte::NotaCreditoExportacion => 112,
        }
    }

    /// The type with the SII's code `code`, if the forge writes it.
    pub fn from_code(code: u16) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.code() == code)
    }

    /// The element a `DTE` of this type wraps.
    pub fn family(self) -> Family {
        match self {
            TipoDte::Liquidacion => Family::Liquidacion,
            TipoDte::FacturaExportacion
            | TipoDte::NotaDebitoExportacion
            | TipoDte::NotaCreditoExportacion => Family::Exportaciones,
            _ => Family::Documento,
        }
    }

    /// Boletas travel in `EnvioBOLETA` and follow EnvioBOLETA_v11.xsd.
    pub fn is_boleta(self) -> bool {
        matches!(self, TipoDte::Boleta | TipoDte::BoletaExenta)
    }

    /// Exports (110, 111, 112): amounts in a foreign currency.
    pub fn is_export(self) -> bool {
        self.family() == Family::Exportaciones
    }

    /// Every line exempt: no MntNeto, TasaIVA or IVA.
    pub fn is_exempt_only(self) -> bool {
        matches!(self, TipoDte::FacturaExenta | TipoDte::BoletaExenta) || self.is_export()
    }

    /// Notes modify an earlier document and must reference it with CodRef.
    pub fn is_note(self) -> bool {
        matches!(
            self,
            TipoDte::NotaDebito
                | TipoDte::NotaCredito
                | TipoDte::NotaDebitoExportacion
                | TipoDte::NotaCreditoExportacion
        )
    }

    /// Types whose CAF the SII rejects after six months (DOMAIN.md, "CAF").
    pub fn has_short_lived_caf(self) -> bool {
        matches!(
            self,
            TipoDte::Factura
                | TipoDte::Liquidacion
                | TipoDte::FacturaCompra
                | TipoDte::NotaDebito
                | TipoDte::NotaCredito
        )
    }

    /// A type whose CAF would be schema-valid in this type's document (the
    /// schema's `TD` enumerations differ per element), for a CAF issued for
    /// the wrong type. The liquidación-factura has none.
    pub fn sibling(self) -> Option<TipoDte> {
        Some(match self {
            TipoDte::Factura => TipoDte::FacturaExenta,
            TipoDte::FacturaExenta => TipoDte::Factura,
            TipoDte::Boleta => TipoDte::BoletaExenta,
            TipoDte::BoletaExenta => TipoDte::Boleta,
            TipoDte::Liquidacion => return None,
            TipoDte::FacturaCompra => TipoDte::Factura,
            TipoDte::Guia => TipoDte::Factura,
            TipoDte::NotaDebito => TipoDte::NotaCredito,
            TipoDte::NotaCredito => TipoDte::NotaDebito,
            TipoDte::FacturaExportacion => TipoDte::NotaCreditoExportacion,
            TipoDte::NotaDebitoExportacion => TipoDte::FacturaExportacion,
            TipoDte::NotaCreditoExportacion => TipoDte::FacturaExportacion,
        })
    }
}

impl fmt::Display for TipoDte {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code())
    }
}

/// A type code that is not one the forge writes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} is not a DTE type the forge writes (33, 34, 39, 41, 43, 46, 52, 56, 61, 110, 111, 112)"
)]
pub struct UnknownTipo(pub String);

impl FromStr for TipoDte {
    type Err = UnknownTipo;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.trim()
            .parse::<u16>()
            .ok()
            .and_then(TipoDte::from_code)
            .ok_or_else(|| UnknownTipo(s.to_owned()))
    }
}
