//! The forged document before it is written: parties, lines, totals,
//! references, in the SII's vocabulary. Generation fills it, defects bend it,
//! rendering writes it.

use crate::calendar::{Date, Timestamp};
use crate::decimal::Dec;
use crate::tipo::TipoDte;

/// An issuer or a receiver.
#[derive(Debug, Clone)]
pub struct Party {
    /// The RUT as written (a defect may break its check digit).
    pub rut: String,
    pub name: String,
    /// `GiroEmis` (80 characters) for an issuer, `GiroRecep` (40) for a
    /// receiver.
    pub giro: String,
    pub acteco: Option<u32>,
    pub address: String,
    pub comuna: String,
    pub city: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub contact: Option<String>,
    /// Branch name and its SII code.
    pub branch: Option<(String, u32)>,
    /// A foreign buyer's tax id and country code.
    pub foreign: Option<(String, u32)>,
}

/// One `Detalle` line.
#[derive(Debug, Clone)]
pub struct Line {
    /// `IndExe`: 1 for an exempt line on a taxed document.
    pub ind_exe: Option<u8>,
    /// `CdgItem` with `TpoCodigo` INT1.
    pub code: Option<String>,
    /// `TpoDocLiq`, on a liquidación-factura: the type of the liquidated
    /// document.
    pub tpo_doc_liq: Option<&'static str>,
    pub name: String,
    pub description: Option<String>,
    pub qty: Option<Dec>,
    pub unit: Option<&'static str>,
    pub price: Option<Dec>,
    pub discount_pct: Option<Dec>,
    /// `DescuentoMonto`; left out where the schema forbids decimals
    /// (exports), where only the percentage is written.
    pub discount: Option<Dec>,
    pub surcharge: Option<Dec>,
    /// `MontoItem`.
    pub amount: Dec,
}

/// A global discount or surcharge (`DscRcgGlobal`) on the taxed lines.
#[derive(Debug, Clone)]
pub struct Global {
    pub surcharge: bool,
    pub percent: bool,
    pub value: Dec,
    pub glosa: String,
}

/// A `Referencia`.
#[derive(Debug, Clone)]
pub struct Reference {
    pub tpo_doc_ref: String,
    pub folio_ref: String,
    pub fch_ref: Date,
    pub cod_ref: Option<u8>,
    pub razon: Option<String>,
}

/// A commission line of a liquidación-factura (`Comisiones`).
#[derive(Debug, Clone)]
pub struct Commission {
    pub glosa: String,
    pub rate: Dec,
    pub neto: Dec,
    pub exe: Dec,
    pub iva: Dec,
}

/// `Transporte` of a guía de despacho or an export.
#[derive(Debug, Clone)]
pub struct Transport {
    pub plate: Option<String>,
    pub carrier_rut: Option<String>,
    pub driver: Option<(String, String)>,
    pub destination: Option<(String, String, String)>,
    pub customs: Option<Customs>,
}

/// `Transporte/Aduana` of an export.
#[derive(Debug, Clone)]
pub struct Customs {
    pub sale_mode: u32,
    pub sale_clause: u32,
    pub clause_total: Dec,
    pub via: u32,
    pub carrier: String,
    pub port_out: u32,
    pub port_in: u32,
    pub country_receiver: u32,
    pub country_destination: u32,
}

/// `Totales`, in pesos, or in the export currency on exports.
#[derive(Debug, Clone, Default)]
pub struct Totals {
    pub neto: Option<Dec>,
    pub exe: Option<Dec>,
    pub tasa_iva: Option<Dec>,
    pub iva: Option<Dec>,
    /// `ImptoReten`: tax code, rate and amount (retained IVA on type 46).
    pub retained: Option<(&'static str, Dec, Dec)>,
    /// `Totales/Comisiones` of a liquidación-factura: net, exempt, IVA.
    pub commissions: Option<(Dec, Dec, Dec)>,
    pub total: Dec,
    /// `TpoMoneda` of an export.
    pub currency: Option<&'static str>,
    /// `OtraMoneda` of an export: the totals in pesos and the exchange rate.
    pub pesos: Option<(Dec, Dec)>,
}

/// Header fields a defect leaves out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Omissions {
    pub rut_recep: bool,
}

/// A whole document.
#[derive(Debug, Clone)]
pub struct Document {
    pub tipo: TipoDte,
    pub folio: u64,
    /// `FchEmis` as written; a defect may make it an impossible date.
    pub fch_emis: String,
    pub issued: Date,
    pub fch_venc: Option<Date>,
    pub fma_pago: Option<u8>,
    pub ind_traslado: Option<u8>,
    pub ind_servicio: Option<u8>,
    pub emisor: Party,
    pub receptor: Party,
    pub transport: Option<Transport>,
    pub lines: Vec<Line>,
    pub globals: Vec<Global>,
    pub references: Vec<Reference>,
    pub commissions: Vec<Commission>,
    pub totals: Totals,
    pub signed_at: Timestamp,
    pub omit: Omissions,
}

impl Document {
    /// The `ID` of the document element.
    pub fn id(&self) -> String {
        format!("DTE-{}-{}", self.tipo.code(), self.folio)
    }

    /// `MntTotal` as written, which the TED's `MNT` repeats.
    pub fn total_text(&self) -> String {
        money(self.tipo, self.totals.total)
    }

    /// The CodRef of the first reference that has one.
    pub fn cod_ref(&self) -> Option<u8> {
        self.references.iter().find_map(|r| r.cod_ref)
    }
}

/// An amount as written: whole pesos, or two decimals in an export currency.
pub fn money(tipo: TipoDte, value: Dec) -> String {
    if tipo.is_export() {
        value.fixed(2)
    } else {
        value.fixed(0)
    }
}
