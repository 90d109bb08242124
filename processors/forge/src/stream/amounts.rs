//! Bringing a generated document to the amount its plan asks for, by
//! rescaling its prices (and quantities) and, for an exact amount, settling
//! the difference on its last line. The arithmetic stays the SII's:
//! [`totals::price_line`] and [`totals::compute`] run again afterwards.

use crate::decimal::Dec;
use crate::model::Document;
use crate::totals;

/// The IVA of `neto` at 19%, rounded half up.
fn iva(neto: i64) -> i64 {
    (neto * 19 + 50) / 100
}

/// The MntNeto whose MntTotal (with IVA) is exactly `total`, if there is
/// one: about one total in five falls between two netos.
pub fn neto_for_total(total: i64) -> Option<i64> {
    let guess = (total as f64 / 1.19).floor() as i64;
    (guess - 3..=guess + 3).find(|&n| n > 0 && n + iva(n) == total)
}

/// `total`, or the nearest multiple of `step` around it that a MntNeto
/// reaches when `taxed`.
pub fn round_total(total: i64, step: i64, taxed: bool) -> i64 {
    if !taxed {
        return total.max(step);
    }
    for k in 0..1_000 {
        for candidate in [total + k * step, total - k * step] {
            if candidate > 0 && neto_for_total(candidate).is_some() {
                return candidate;
            }
        }
    }
    total
}

/// Whether the lines of `doc` are taxed (a factura exenta's are exempt).
fn taxed(doc: &Document) -> bool {
    !doc.tipo.is_exempt_only()
}

/// The sum of the priced lines' amounts.
fn line_sum(doc: &Document) -> f64 {
    doc.lines
        .iter()
        .filter(|l| l.price.is_some())
        .map(|l| l.amount.units() as f64 / 10f64.powi(l.amount.scale() as i32))
        .sum()
}

fn to_f64(d: Dec) -> f64 {
    d.units() as f64 / 10f64.powi(d.scale() as i32)
}

/// Rescales prices (and, going down, whole quantities) so that the lines
/// add up to about `target` pesos before IVA.
fn scale_lines(doc: &mut Document, target: f64) {
    let tipo = doc.tipo;
    for line in &mut doc.lines {
        totals::price_line(tipo, line);
    }
    let current = line_sum(doc);
    if current <= 0.0 || target <= 0.0 {
        return;
    }
    let factor = target / current;
    for line in &mut doc.lines {
        let (Some(price), Some(qty)) = (line.price, line.qty) else {
            continue;
        };
        let mut price_factor = factor;
        if factor < 1.0 && qty.scale() == 0 && qty.units() > 1 {
            let units = qty.units() as f64;
            let new_qty = (units * factor).round().max(1.0);
            line.qty = Some(Dec::int(new_qty as i64));
            price_factor = factor * units / new_qty;
        }
        let scaled = to_f64(price) * price_factor;
        line.price = Some(if price.scale() >= 2 {
            Dec::new(((scaled * 100.0).round() as i128).max(1), 2)
        } else {
            Dec::int((scaled.round() as i64).max(1))
        });
        if line.discount_pct.is_none() {
            line.discount = line
                .discount
                .map(|d| Dec::int((to_f64(d) * price_factor).round() as i64))
                .filter(|d| d.units() >= 1);
        }
        totals::price_line(tipo, line);
        // A discount the smaller price rounds to nothing is not written
        // (DescuentoMonto is at least 1), and none may swallow the line.
        if line.amount.units() <= 0 || line.discount.is_some_and(|d| d.units() <= 0) {
            line.discount = None;
            line.discount_pct = None;
            totals::price_line(tipo, line);
        }
    }
    for global in &mut doc.globals {
        if !global.percent {
            let value = (to_f64(global.value) * factor / 100.0).round() as i64 * 100;
            global.value = Dec::int(value.max(100));
        }
    }
}

/// Brings `doc` to about MntTotal `total`.
pub fn approximate(doc: &mut Document, total: i64) {
    let target = if taxed(doc) {
        total as f64 / 1.19
    } else {
        total as f64
    };
    scale_lines(doc, target);
    // A fixed global discount larger than what it discounts is dropped.
    let sum = line_sum(doc);
    doc.globals
        .retain(|g| g.percent || to_f64(g.value) < sum / 2.0);
    totals::compute(doc);
}

/// Brings `doc` to MntNeto `base` exactly (MntExe on a factura exenta):
/// every line taxed, no global discount, the last priced line settling the
/// difference. Documents without priced lines are left as they are.
pub fn exact_base(doc: &mut Document, base: i64) {
    if !doc.lines.iter().any(|l| l.price.is_some()) {
        totals::compute(doc);
        return;
    }
    doc.globals.clear();
    for line in &mut doc.lines {
        line.ind_exe = None;
    }
    scale_lines(doc, base as f64);
    let tipo = doc.tipo;
    let rest: i64 = doc
        .lines
        .iter()
        .filter(|l| l.price.is_some())
        .map(|l| l.amount.round_int())
        .sum();
    let last = doc.lines.iter().rposition(|l| l.price.is_some());
    if let Some(last) = last {
        let own = doc.lines[last].amount.round_int();
        let wanted = own + base - rest;
        if wanted >= 1 {
            let line = &mut doc.lines[last];
            line.qty = Some(Dec::int(1));
            line.price = Some(Dec::int(wanted));
            line.discount = None;
            line.discount_pct = None;
            line.surcharge = None;
            totals::price_line(tipo, line);
        } else {
            // The other lines already exceed it: one line carries it all.
            let mut line = doc.lines[last].clone();
            line.qty = Some(Dec::int(1));
            line.price = Some(Dec::int(base.max(1)));
            line.discount = None;
            line.discount_pct = None;
            line.surcharge = None;
            totals::price_line(tipo, &mut line);
            doc.lines = vec![line];
        }
    }
    totals::compute(doc);
}

/// Brings `doc` to MntTotal `total` exactly; a taxed total no MntNeto
/// reaches is approached as closely as one does.
pub fn exact_total(doc: &mut Document, total: i64) {
    let base = if taxed(doc) {
        neto_for_total(total).unwrap_or_else(|| (total as f64 / 1.19).round() as i64)
    } else {
        total
    };
    exact_base(doc, base);
}

/// Makes IVA differ from round(MntNeto × 19%) by more than rounding: a
/// wrong rate, a share of it, or a few pesos to a few hundred; MntTotal
/// adds up with the wrong IVA.
pub fn wrong_iva(doc: &mut Document, rng: &mut crate::rng::Rng) {
    let Some(neto) = doc.totals.neto else {
        return;
    };
    let neto = neto.round_int();
    let right = iva(neto);
    let wrong = match rng.between(0, 2) {
        0 => {
            let rate = *rng.pick(&[18i64, 20, 10, 16, 9]);
            (neto * rate + 50) / 100
        }
        1 => {
            let permille = rng.between(5, 50) as i64 * if rng.chance(0.5) { 1 } else { -1 };
            right + right * permille / 1_000
        }
        _ => right + rng.between(2, 300) as i64 * if rng.chance(0.5) { 1 } else { -1 },
    };
    let wrong = if (wrong - right).abs() < 2 {
        right + 2 + rng.between(0, 20) as i64
    } else {
        wrong
    }
    .max(0);
    doc.totals.iva = Some(Dec::int(wrong));
    doc.totals.total = totals::sum_total(&doc.totals);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn netos_reach_most_totals_exactly() {
        assert_eq!(neto_for_total(5_000_000), Some(4_201_681));
        let reached = (1_000..2_000)
            .filter(|t| neto_for_total(*t).is_some())
            .count();
        assert!((780..=860).contains(&reached), "{reached}");
        for t in [1_000_000, 2_000_000, 3_000_000] {
            let r = round_total(t, 1_000_000, true);
            let n = neto_for_total(r).unwrap_or(0);
            assert_eq!(n + iva(n), r);
        }
    }
}
