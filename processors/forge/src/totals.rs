//! The arithmetic of a document, exactly as DOMAIN.md's amount rules state
//! it: each line from price, quantity, discount and surcharge; MntNeto, MntExe,
//! IVA and MntTotal from the lines; half-up rounding throughout.
//!
//! A forged valid document is valid because its figures come from here; a
//! defect that breaks one figure does so after these functions ran.

use crate::decimal::Dec;
use crate::model::{Document, Line, Totals};
use crate::tipo::TipoDte;

/// IVA's rate, percent.
pub const TASA_IVA: Dec = Dec::int(19);
/// Retained IVA, total (`ImptoReten/TipoImp` 15), on a factura de compra.
const IVA_RETENIDO_TOTAL: &str = "15";

/// `PrcItem × QtyItem`, exact.
fn exact(line: &Line) -> Option<Dec> {
    Some(line.price?.mul(line.qty?))
}

/// Sets a line's discount amount (from its percentage) and `MontoItem`.
///
/// In pesos, the rounded product less the rounded discount plus the
/// surcharge: `round(PrcItem × QtyItem) − round(PrcItem × QtyItem × pct /
/// 100) + RecargoMonto`. On exports the line is kept exact and rounded once,
/// to the two decimals written, and only the percentage is written.
pub fn price_line(tipo: TipoDte, line: &mut Line) {
    let Some(exact) = exact(line) else {
        return;
    };
    if tipo.is_export() {
        let discount = line.discount_pct.map_or(Dec::ZERO, |p| exact.percent(p));
        line.discount = None;
        line.amount = exact.sub(discount).round(2);
        return;
    }
    let gross = Dec::int(exact.round_int());
    if let Some(pct) = line.discount_pct {
        line.discount = Some(Dec::int(exact.percent(pct).round_int()));
    }
    let discount = line.discount.unwrap_or(Dec::ZERO);
    let surcharge = line.surcharge.unwrap_or(Dec::ZERO);
    line.amount = gross.sub(discount).add(surcharge);
}

/// Whether a line counts as exempt on this type.
pub fn is_exempt_line(tipo: TipoDte, line: &Line) -> bool {
    tipo.is_exempt_only() || line.ind_exe == Some(1)
}

/// Fills `doc.totals` from its lines, global adjustments and commissions.
/// Rendering options the generator chose (currency, exchange rate) are kept.
pub fn compute(doc: &mut Document) {
    let tipo = doc.tipo;
    let mut taxed = Dec::ZERO;
    let mut exempt = Dec::ZERO;
    for line in &doc.lines {
        if is_exempt_line(tipo, line) {
            exempt = exempt.add(line.amount);
        } else {
            taxed = taxed.add(line.amount);
        }
    }

    let currency = doc.totals.currency;
    let pesos_rate = doc.totals.pesos.map(|(_, rate)| rate);
    let mut totals = Totals {
        currency,
        ..Totals::default()
    };

    if tipo.is_export() {
        let exe = exempt.round(2);
        totals.exe = Some(exe);
        totals.total = exe;
        if let Some(rate) = pesos_rate {
            totals.pesos = Some((Dec::int(exe.mul(rate).round_int()), rate));
        }
        doc.totals = totals;
        return;
    }

    if tipo.is_boleta() {
        // Gross lines: MntNeto = round((MntTotal − MntExe) / 1.19) and IVA is
        // what is left of the taxed part.
        let total = taxed.add(exempt);
        totals.total = total;
        if !exempt.is_zero() {
            totals.exe = Some(exempt);
        }
        if tipo == TipoDte::Boleta && !taxed.is_zero() {
            let neto = taxed.div_round(Dec::new(119, 2), 0);
            totals.neto = Some(neto);
            totals.iva = Some(taxed.sub(neto));
        }
        doc.totals = totals;
        return;
    }

    // Global discounts and surcharges apply to the taxed lines; a percentage
    // is of the lines' sum, rounded half up.
    let mut neto = taxed;
    for global in &doc.globals {
        let value = if global.percent {
            Dec::int(taxed.percent(global.value).round_int())
        } else {
            global.value
        };
        neto = if global.surcharge {
            neto.add(value)
        } else {
            neto.sub(value)
        };
    }

    let guia_without_sale = tipo == TipoDte::Guia && doc.ind_traslado != Some(1);
    let text_correction = doc.cod_ref() == Some(2);
    if guia_without_sale || text_correction {
        // Nothing is sold: the guía's prices are for information and a text
        // correction carries amount 0.
        totals.total = Dec::ZERO;
        doc.totals = totals;
        return;
    }

    if tipo == TipoDte::FacturaExenta {
        totals.exe = Some(exempt);
        totals.total = exempt;
        doc.totals = totals;
        return;
    }

    if !neto.is_zero() || exempt.is_zero() {
        totals.neto = Some(neto);
        totals.tasa_iva = Some(TASA_IVA);
        totals.iva = Some(Dec::int(neto.percent(TASA_IVA).round_int()));
    }
    if !exempt.is_zero() {
        totals.exe = Some(exempt);
    }
    if tipo == TipoDte::FacturaCompra {
        // The buyer retains the whole IVA and pays it to the SII itself.
        let iva = totals.iva.unwrap_or(Dec::ZERO);
        totals.retained = Some((IVA_RETENIDO_TOTAL, TASA_IVA, iva));
    }
    if !doc.commissions.is_empty() {
        let mut sums = (Dec::ZERO, Dec::ZERO, Dec::ZERO);
        for c in &doc.commissions {
            sums = (sums.0.add(c.neto), sums.1.add(c.exe), sums.2.add(c.iva));
        }
        totals.commissions = Some(sums);
    }
    totals.total = sum_total(&totals);
    doc.totals = totals;
}

/// MntTotal from the declared components: MntNeto + MntExe + IVA − retained
/// IVA − commissions.
pub fn sum_total(totals: &Totals) -> Dec {
    let mut total = Dec::ZERO;
    for part in [totals.neto, totals.exe, totals.iva].into_iter().flatten() {
        total = total.add(part);
    }
    if let Some((_, _, retained)) = totals.retained {
        total = total.sub(retained);
    }
    if let Some((neto, exe, iva)) = totals.commissions {
        total = total.sub(neto).sub(exe).sub(iva);
    }
    total
}

/// The commission of a liquidación-factura: `rate`% of the net amount, and
/// its IVA.
pub fn commission(neto: Dec, rate: Dec) -> (Dec, Dec) {
    let value = Dec::int(neto.percent(rate).round_int());
    let iva = Dec::int(value.percent(TASA_IVA).round_int());
    (value, iva)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(price: Dec, qty: Dec, pct: Option<Dec>) -> Line {
        Line {
            ind_exe: None,
            code: None,
            tpo_doc_liq: None,
            name: "x".into(),
            description: None,
            qty: Some(qty),
            unit: None,
            price: Some(price),
            discount_pct: pct,
            discount: None,
            surcharge: None,
            amount: Dec::ZERO,
        }
    }

    #[test]
    fn a_line_rounds_its_product_and_its_discount_once() {
        // 8942.86 × 1.5 = 13414.29 -> 13414; 10% of 13414.29 = 1341.429 -> 1341.
        let mut l = line(Dec::new(894_286, 2), Dec::new(15, 1), Some(Dec::int(10)));
        price_line(TipoDte::Factura, &mut l);
        assert_eq!(l.discount, Some(Dec::int(1341)));
        assert_eq!(l.amount, Dec::int(12_073));

        let mut e = line(Dec::new(1235, 2), Dec::int(3), Some(Dec::new(25, 1)));
        price_line(TipoDte::FacturaExportacion, &mut e);
        // 37.05 − 2.5% = 36.12375 -> 36.12
        assert_eq!(e.amount.to_string(), "36.12");
        assert_eq!(e.discount, None);
    }

    #[test]
    fn a_boleta_splits_its_gross_total() {
        let mut l = line(Dec::int(1000), Dec::int(1), None);
        price_line(TipoDte::Boleta, &mut l);
        assert_eq!(l.amount, Dec::int(1000));
        // 1000 / 1.19 = 840.34 -> 840; IVA 160.
        let neto = l.amount.div_round(Dec::new(119, 2), 0);
        assert_eq!(neto, Dec::int(840));
    }

    #[test]
    fn a_liquidacion_commission_and_its_iva_round_half_up() {
        assert_eq!(
            commission(Dec::int(1_234_567), Dec::new(85, 1)),
            (Dec::int(104_938), Dec::int(19_938))
        );
    }
}
