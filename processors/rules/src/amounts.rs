//! Amounts: each line, then MntNeto, MntExe, IVA and MntTotal.
//!
//! Facts from DOMAIN.md, "Rules / Amounts". All amounts are whole pesos except
//! on export documents, which carry the currency of `TpoMoneda` with up to four
//! decimals. Arithmetic is exact (the crate's own fixed-point decimals) and
//! rounding is half up. The SII recomputes integer pesos exactly, so there is
//! no tolerance.
//!
//! A line's amount is `round(PrcItem × QtyItem) − DescuentoMonto + RecargoMonto`,
//! where a percentage is `round(PrcItem × QtyItem × Pct / 100)`. Lines are
//! grouped by `IndExe`: none is taxed, 1 exempt, 3 the deposit guarantee
//! (`GrntDep`); 2 and 6 are not billable and 4 and 5 are not a sale, so they
//! stay out of the totals. On 34, 41 and exports every line is exempt. Global
//! discounts and surcharges (`DscRcgGlobal`) apply to the taxed lines, or with
//! `IndExeDR` 1 to the exempt ones (2: to the non-billable, so to no total).
//!
//! Where DOMAIN.md leaves a choice open, the choice made here:
//! - A line is recomputed only when both `PrcItem` and `QtyItem` are present;
//!   a line with a price alone may be a service whose quantity is implied.
//! - A percentage `DscRcgGlobal` applies to the sum of the lines it concerns,
//!   not to the result of earlier globals; a `$` value with cents is rounded.
//! - With `MntBruto` = 1 the taxed lines are gross: MntNeto is
//!   `round(gross / (1 + TasaIVA/100))` on their sum, not line by line.
//! - IVA and MntTotal are recomputed from the amounts the document declares,
//!   so a wrong MntNeto is reported once, as MntNeto, not again as IVA.
//! - An `ImptoReten` whose `TipoImp` the schema does not document as an added
//!   tax or a retained IVA (14, 46 to 55, the three-digit codes other than 271)
//!   makes MntTotal unknowable: it is then not checked.
//! - A guía de despacho (52) that is not a sale (`IndTraslado` other than 1)
//!   and declares MntTotal 0 may list priced lines for information; its
//!   totals are not compared with its lines.
//! - On exports, an amount matches when the exact value rounded half up to the
//!   decimals the document wrote equals it.
//! - TasaIVA defaults to 19 when absent; boletas carry none and use 19.

use std::borrow::Cow;
use std::fmt::{self, Write as _};

use veredicto_xml::Element;

use crate::decimal::Decimal;
use crate::document::{
    Dte, child_code, child_decimal, decimal, is_boleta, is_exempt_only, is_export,
};
use crate::finding::{Findings, Rule, Severity};

/// An amount, price or quantity is negative outside a liquidación-factura
/// (43). DOMAIN.md, "Amounts": amounts are never negative except on type 43 and
/// a few `Valor` fields; the XSD's `MontoType` and `Dec12_6Type` exclude
/// negatives, so the SII rejects them as schema errors.
pub const NEGATIVE: Rule = Rule {
    code: "AMT-NEGATIVE",
    sii_code: None,
    severity: Severity::Rechazo,
    summary: "an amount, price or quantity is negative on a type other than 43",
};

/// `MontoItem` differs from `round(PrcItem × QtyItem) − discount + surcharge`,
/// or `DescuentoMonto`/`RecargoMonto` differ from their percentage. Arithmetic:
/// the SII accepts with objection (reparo).
pub const LINE: Rule = Rule {
    code: "AMT-LINE",
    sii_code: None,
    severity: Severity::Reparo,
    summary: "a line's MontoItem is not round(PrcItem × QtyItem) − discount + surcharge",
};

/// A line with `IndExe` 4 (not a sale) or 5 (item to deduct) has a `MontoItem`
/// other than 0 (DOMAIN.md, "Amounts"). Reparo.
pub const LINE_ZERO: Rule = Rule {
    code: "AMT-LINE-ZERO",
    sii_code: None,
    severity: Severity::Reparo,
    summary: "a line with IndExe 4 or 5 has a MontoItem other than 0",
};

/// `MntNeto` is not the sum of the taxed lines adjusted by taxed global
/// discounts and surcharges (net of IVA when lines are gross; for boletas,
/// `round((MntTotal − MntExe) / 1.19)`). Reparo.
pub const NETO: Rule = Rule {
    code: "AMT-NETO",
    sii_code: None,
    severity: Severity::Reparo,
    summary: "MntNeto is not the sum of the taxed lines and taxed global adjustments",
};

/// `MntExe` is not the sum of the exempt lines adjusted by exempt global
/// discounts and surcharges. Reparo.
pub const EXE: Rule = Rule {
    code: "AMT-EXE",
    sii_code: None,
    severity: Severity::Reparo,
    summary: "MntExe is not the sum of the exempt lines and exempt global adjustments",
};

/// `IVA` is not `round(MntNeto × TasaIVA / 100)` (for boletas,
/// `MntTotal − MntExe − MntNeto`). The canonical content error of DOMAIN.md,
/// "Severity": reparo.
pub const IVA: Rule = Rule {
    code: "AMT-IVA",
    sii_code: None,
    severity: Severity::Reparo,
    summary: "IVA is not round(MntNeto × TasaIVA / 100)",
};

/// `MntTotal` is not MntNeto + MntExe + IVA + added taxes − retained IVA +
/// GrntDep − CredEC − commissions (for boletas and exports, the sum of their
/// lines). Reparo.
pub const TOTAL: Rule = Rule {
    code: "AMT-TOTAL",
    sii_code: None,
    severity: Severity::Reparo,
    summary: "MntTotal does not add up from its components",
};

/// An exempt document (34 factura exenta, 41 boleta exenta) declares a taxed
/// amount (`MntNeto`, `IVA` other than 0, or `TasaIVA`), or a 34 lacks `MntExe`
/// (DOMAIN.md, "Amounts"). Reparo.
pub const EXENTA: Rule = Rule {
    code: "AMT-EXENTA",
    sii_code: None,
    severity: Severity::Reparo,
    summary: "an exempt document declares taxed amounts, or a 34 lacks MntExe",
};

/// What a line or a global adjustment counts towards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Group {
    Taxed,
    Exempt,
    /// IndExe 3: garantía de depósito por envases.
    Deposit,
    /// IndExe 2 and 6, IndExeDR 2: not billable, in no total checked here.
    NonBillable,
    /// IndExe 4 and 5: not a sale; MontoItem must be 0.
    NotSale,
}

/// Sums of the lines and global adjustments per group, and whether every input
/// could be read (if not, the totals are not compared with the lines).
#[derive(Debug, Clone, Copy)]
struct Sums {
    taxed_lines: Decimal,
    exempt_lines: Decimal,
    taxed: Decimal,
    exempt: Decimal,
    complete: bool,
}

/// How an additional tax or retention enters MntTotal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TaxKind {
    Added,
    Retained,
}

/// `ImptoReten/TipoImp` codes by how they enter MntTotal, as the XSD's
/// `ImpAdicDTEType` documents them (SiiTypes_v10.xsd): "IVA Retenido ..." is
/// retained; "Impuesto ..." and "IVA Anticipado ..." are added.
fn tax_kind(code: &str) -> Option<TaxKind> {
    match code.trim_ascii() {
        "15" | "16" | "30" | "31" | "32" | "33" | "34" | "36" | "37" | "38" | "39" | "40"
        | "41" => Some(TaxKind::Retained),
        "17" | "18" | "19" | "23" | "24" | "25" | "26" | "27" | "28" | "35" | "44" | "45"
        | "271" => Some(TaxKind::Added),
        _ => None,
    }
}

const HUNDRED: Decimal = Decimal::from_int(100);
const DEFAULT_TASA_IVA: Decimal = Decimal::from_int(19);

pub(crate) fn check(dte: &Dte<'_>, findings: &mut Findings) {
    let Some(tipo) = dte.known_tipo() else {
        return;
    };
    let export = is_export(tipo);

    if tipo != 43 {
        check_negatives(dte, export, findings);
    }
    let sums = check_lines(dte, tipo, export, findings);

    if export {
        check_export_totals(dte, &sums, findings);
    } else if is_boleta(tipo) && !net_boleta(dte) {
        check_boleta_totals(dte, tipo, &sums, findings);
    } else {
        check_totals(dte, tipo, &sums, findings);
    }
}

/// A boleta whose `IndMntNeto` is 2 carries net lines and adds up like an
/// invoice (EnvioBOLETA_v11.xsd).
fn net_boleta(dte: &Dte<'_>) -> bool {
    dte.id_doc.and_then(|e| child_code(e, "IndMntNeto")) == Some(2)
}

fn check_negatives(dte: &Dte<'_>, export: bool, findings: &mut Findings) {
    const TOTALS: [&str; 9] = [
        "MntNeto", "MntExe", "MntBase", "IVA", "IVAProp", "IVATerc", "MntTotal", "CredEC",
        "GrntDep",
    ];
    const LINE_FIELDS: [&str; 5] = [
        "MontoItem",
        "PrcItem",
        "QtyItem",
        "DescuentoMonto",
        "RecargoMonto",
    ];

    let totals = dte.totales.into_iter().flat_map(|t| t.elements());
    let totals = totals.filter(|e| TOTALS.contains(&e.local_name()));
    let lines = dte.children_named("Detalle").flat_map(|d| d.elements());
    let lines = lines.filter(|e| LINE_FIELDS.contains(&e.local_name()));
    let globals = dte
        .children_named("DscRcgGlobal")
        .filter_map(|d| d.child("ValorDR"));

    for element in totals.chain(lines).chain(globals) {
        if let Some(value) = decimal(element).filter(|v| v.is_negative()) {
            let name = element.local_name();
            let unit = if export { "" } else { " pesos" };
            findings.push(NEGATIVE.at(
                element,
                format!(
                    "{name} is {value}{unit}; it cannot be negative except on a \
                     liquidación-factura (43)"
                ),
            ));
        }
    }
}

/// An amount in the document's money: whole pesos, or decimals on exports.
fn amount(element: Element<'_>, export: bool) -> Option<Decimal> {
    if export {
        decimal(element)
    } else {
        Decimal::parse_integer(&element.text()).map(Decimal::from_int)
    }
}

fn line_group(tipo: u16, ind_exe: Option<u32>) -> Option<Group> {
    match ind_exe {
        None if is_exempt_only(tipo) => Some(Group::Exempt),
        None => Some(Group::Taxed),
        Some(1) => Some(Group::Exempt),
        Some(2 | 6) => Some(Group::NonBillable),
        Some(3) => Some(Group::Deposit),
        Some(4 | 5) => Some(Group::NotSale),
        Some(_) => None,
    }
}

fn check_lines(dte: &Dte<'_>, tipo: u16, export: bool, findings: &mut Findings) -> Sums {
    let mut sums = Sums {
        taxed_lines: Decimal::ZERO,
        exempt_lines: Decimal::ZERO,
        taxed: Decimal::ZERO,
        exempt: Decimal::ZERO,
        complete: true,
    };

    for line in dte.children_named("Detalle") {
        let ind_exe = line
            .child("IndExe")
            .map(|e| e.text().trim_ascii().parse::<u32>().ok());
        let group = match ind_exe {
            None => line_group(tipo, None),
            Some(Some(code)) => line_group(tipo, Some(code)),
            Some(None) => None,
        };
        let monto_element = line.child("MontoItem");
        let monto = monto_element.and_then(|e| amount(e, export));
        let (Some(group), Some(monto_element), Some(monto)) = (group, monto_element, monto) else {
            sums.complete = false;
            continue;
        };

        if group == Group::NotSale {
            if !monto.is_zero() {
                findings.push(LINE_ZERO.at(
                    monto_element,
                    format!(
                        "MontoItem is {monto} on a line with IndExe {}: a line that is not a \
                         sale or is to be deducted carries MontoItem 0",
                        ind_exe.flatten().unwrap_or_default()
                    ),
                ));
            }
            continue;
        }
        check_line(line, monto_element, monto, export, findings);

        let total = match group {
            Group::Taxed => &mut sums.taxed_lines,
            Group::Exempt => &mut sums.exempt_lines,
            Group::Deposit | Group::NonBillable | Group::NotSale => continue,
        };
        match total.checked_add(monto) {
            Some(sum) => *total = sum,
            None => sums.complete = false,
        }
    }

    sums.taxed = sums.taxed_lines;
    sums.exempt = sums.exempt_lines;
    for global in dte.children_named("DscRcgGlobal") {
        if !apply_global(global, tipo, export, &mut sums) {
            sums.complete = false;
        }
    }
    sums
}

/// The two adjustments of a line: (percentage field, amount field, what it
/// is, sign).
const ADJUSTMENTS: [(&str, &str, &str, i128); 2] = [
    ("DescuentoPct", "DescuentoMonto", "discount", -1),
    ("RecargoPct", "RecargoMonto", "surcharge", 1),
];

/// Recomputes one line's MontoItem from its price, quantity, discount and
/// surcharge. Messages are written only when something is wrong.
fn check_line(
    line: Element<'_>,
    monto_element: Element<'_>,
    monto: Decimal,
    export: bool,
    findings: &mut Findings,
) {
    let (Some(price), Some(quantity)) = (
        child_decimal(line, "PrcItem"),
        child_decimal(line, "QtyItem"),
    ) else {
        return;
    };
    let Some(exact) = price.checked_mul(quantity) else {
        return;
    };
    // Pesos are rounded once, on the product; exports keep the exact value
    // until it is compared at the decimals the document wrote.
    let round = |value: Decimal| {
        if export {
            Some(value)
        } else {
            value.round_to_integer().map(Decimal::from_int)
        }
    };
    let Some(gross) = round(exact) else {
        return;
    };

    let mut expected = gross;
    let mut applied = [None, None];
    for (slot, (pct_name, monto_name, what, sign)) in applied.iter_mut().zip(ADJUSTMENTS) {
        let pct = child_decimal(line, pct_name);
        let from_pct = pct.and_then(|p| percent(exact, p)).and_then(round);
        let written = line.child(monto_name).map(|e| (e, amount(e, export)));

        let value = match (written, from_pct) {
            (Some((_, None)), _) => return, // unreadable: the schema's business
            (Some((element, Some(value))), Some(from_pct)) => {
                if value.same_value(from_pct) == Some(false) {
                    let pct = pct.unwrap_or(Decimal::ZERO);
                    findings.push(LINE.at(
                        element,
                        format!(
                            "{monto_name} is {value} but the {what} of {pct}% on {exact} \
                             (PrcItem × QtyItem) is {from_pct}"
                        ),
                    ));
                }
                value
            }
            (Some((_, Some(value))), None) => value,
            (None, Some(from_pct)) => from_pct,
            (None, None) => continue,
        };
        let signed = value.checked_mul(Decimal::from_int(sign));
        let Some(next) = signed.and_then(|v| expected.checked_add(v)) else {
            return;
        };
        expected = next;
        *slot = Some(value);
    }

    let matches = if export {
        expected
            .round(monto.scale())
            .and_then(|e| e.same_value(monto))
    } else {
        expected.same_value(monto)
    };
    if matches != Some(false) {
        return;
    }

    let mut explain = format!("PrcItem {price} × QtyItem {quantity} = {exact}");
    if !export && exact.same_value(gross) == Some(false) {
        let _ = write!(explain, ", rounded {gross}");
    }
    for (value, (_, _, what, sign)) in applied.iter().zip(ADJUSTMENTS) {
        if let Some(value) = value {
            let op = if sign < 0 { '−' } else { '+' };
            let _ = write!(explain, " {op} {what} {value}");
        }
    }
    findings.push(LINE.at(
        monto_element,
        format!("MontoItem is {monto}, expected {expected}: {explain}"),
    ));
}

/// `value × pct / 100`, exact.
fn percent(value: Decimal, pct: Decimal) -> Option<Decimal> {
    value.checked_mul(pct)?.checked_mul(Decimal::CENT)
}

/// Adds one `DscRcgGlobal` to the sums. `false` when it cannot be read.
fn apply_global(global: Element<'_>, tipo: u16, export: bool, sums: &mut Sums) -> bool {
    let text = |name| global.child(name).map(|e| e.text());
    let sign = match text("TpoMov").as_deref().map(str::trim_ascii) {
        Some("D") => Decimal::from_int(-1),
        Some("R") => Decimal::from_int(1),
        _ => return false,
    };
    let Some(value) = child_decimal(global, "ValorDR") else {
        return false;
    };
    let group = match global
        .child("IndExeDR")
        .map(|e| e.text().trim_ascii().parse::<u32>())
    {
        None if is_exempt_only(tipo) => Group::Exempt,
        None => Group::Taxed,
        Some(Ok(1)) => Group::Exempt,
        Some(Ok(2)) => return true,
        Some(_) => return false,
    };
    let (base, total) = match group {
        Group::Taxed => (sums.taxed_lines, &mut sums.taxed),
        _ => (sums.exempt_lines, &mut sums.exempt),
    };
    let amount = match text("TpoValor").as_deref().map(str::trim_ascii) {
        Some("$") => Some(value),
        Some("%") => percent(base, value),
        _ => return false,
    };
    let amount = if export {
        amount
    } else {
        amount
            .and_then(Decimal::round_to_integer)
            .map(Decimal::from_int)
    };
    match amount
        .and_then(|a| a.checked_mul(sign))
        .and_then(|a| total.checked_add(a))
    {
        Some(sum) => {
            *total = sum;
            true
        }
        None => false,
    }
}

/// A declared total: absent, present and readable, or present and unreadable.
#[derive(Debug, Clone, Copy)]
struct Declared<'d> {
    element: Option<Element<'d>>,
    value: Option<Decimal>,
}

impl<'d> Declared<'d> {
    fn read(dte: &Dte<'d>, name: &str, export: bool) -> Declared<'d> {
        let element = dte.total(name);
        Declared {
            element,
            value: element.and_then(|e| amount(e, export)),
        }
    }

    /// The value, 0 when absent, `None` when unreadable.
    fn or_zero(self) -> Option<Decimal> {
        match self.element {
            None => Some(Decimal::ZERO),
            Some(_) => self.value,
        }
    }

    fn is_nonzero(self) -> bool {
        self.value.is_some_and(|v| !v.is_zero())
    }
}

/// Reports `name` when its declared value differs from `expected`.
fn compare(
    rule: &Rule,
    totales: Element<'_>,
    declared: Declared<'_>,
    name: &str,
    expected: Decimal,
    explain: impl FnOnce() -> String,
    findings: &mut Findings,
) {
    let Some(value) = declared.or_zero() else {
        return;
    };
    if value.same_value(expected) != Some(false) {
        return;
    }
    let explain = explain();
    match declared.element {
        Some(element) => findings.push(rule.at(
            element,
            format!("{name} is {value}, expected {expected}: {explain}"),
        )),
        None => findings.push(rule.missing(
            totales,
            name,
            format!("{name} is missing (taken as 0), expected {expected}: {explain}"),
        )),
    }
}

/// Whether a guía de despacho declares itself outside the sums: not a sale
/// and MntTotal 0.
fn guia_without_sale(dte: &Dte<'_>, tipo: u16) -> bool {
    let sale = dte.id_doc.and_then(|e| child_code(e, "IndTraslado")) == Some(1);
    let total = Declared::read(dte, "MntTotal", false).value;
    tipo == 52 && !sale && total.is_some_and(Decimal::is_zero)
}

/// Facturas, notes, liquidaciones, guías and net boletas.
fn check_totals(dte: &Dte<'_>, tipo: u16, sums: &Sums, findings: &mut Findings) {
    let Some(totales) = dte.totales else {
        return;
    };
    let neto = Declared::read(dte, "MntNeto", false);
    let exe = Declared::read(dte, "MntExe", false);
    let iva = Declared::read(dte, "IVA", false);
    let tasa_element = dte.total("TasaIVA");
    let tasa = match tasa_element {
        None => DEFAULT_TASA_IVA,
        Some(e) => match decimal(e) {
            Some(t) => t,
            None => return,
        },
    };

    if is_exempt_only(tipo) {
        check_exempt_fields(dte, tipo, totales, neto, iva, tasa_element, findings);
    }

    let compare_lines = sums.complete && !guia_without_sale(dte, tipo);
    if compare_lines && !is_exempt_only(tipo) {
        let bruto = dte.id_doc.and_then(|e| child_code(e, "MntBruto")) == Some(1);
        if bruto {
            // Gross lines: the net amount is the gross sum without its IVA.
            let divisor = HUNDRED.checked_add(tasa);
            let expected = sums
                .taxed
                .checked_mul(HUNDRED)
                .zip(divisor)
                .and_then(|(n, d)| n.checked_div_round(d, 0));
            if let Some(expected) = expected {
                let explain = || {
                    let gross = sums.taxed;
                    format!(
                        "the gross taxed lines and adjustments {gross} (MntBruto 1) without IVA \
                         at {tasa}%, rounded half up"
                    )
                };
                compare(&NETO, totales, neto, "MntNeto", expected, explain, findings);
            }
        } else {
            let explain = || describe_sum("taxed", sums.taxed_lines, sums.taxed);
            compare(
                &NETO, totales, neto, "MntNeto", sums.taxed, explain, findings,
            );
        }
    }
    // A 34 without MntExe is already reported by check_exempt_fields.
    let exe_reported = tipo == 34 && exe.element.is_none();
    if compare_lines && !exe_reported {
        let explain = || describe_sum("exempt", sums.exempt_lines, sums.exempt);
        compare(&EXE, totales, exe, "MntExe", sums.exempt, explain, findings);
    }

    // IVA from the declared MntNeto, so one wrong figure gives one finding.
    if !is_exempt_only(tipo) && (neto.is_nonzero() || iva.element.is_some()) {
        if let Some(neto_value) = neto.or_zero() {
            let exact = percent(neto_value, tasa);
            if let Some(exact) = exact {
                if let Some(expected) = exact.round_to_integer().map(Decimal::from_int) {
                    let explain = || {
                        format!("MntNeto {neto_value} × TasaIVA {tasa}% = {exact}, rounded half up")
                    };
                    compare(&IVA, totales, iva, "IVA", expected, explain, findings);
                }
            }
        }
    }

    check_mnt_total(dte, totales, neto, exe, iva, findings);
}

/// MntTotal from the declared components (DOMAIN.md, "Amounts").
fn check_mnt_total(
    dte: &Dte<'_>,
    totales: Element<'_>,
    neto: Declared<'_>,
    exe: Declared<'_>,
    iva: Declared<'_>,
    findings: &mut Findings,
) {
    let Some(total_element) = totales.child("MntTotal") else {
        return;
    };
    let Some(declared_total) = amount(total_element, false) else {
        return;
    };

    let mut terms: Vec<(char, Label<'_>, Decimal)> = Vec::with_capacity(8);
    for (name, declared) in [("MntNeto", neto), ("MntExe", exe), ("IVA", iva)] {
        let Some(value) = declared.or_zero() else {
            return;
        };
        terms.push(('+', Label::Field(name), value));
    }
    for imp in totales
        .elements()
        .filter(|e| e.local_name() == "ImptoReten")
    {
        let code = imp.child("TipoImp").map(|e| e.text()).unwrap_or_default();
        let (Some(kind), Some(value)) = (
            tax_kind(&code),
            imp.child("MontoImp").and_then(|e| amount(e, false)),
        ) else {
            return; // a tax of unknown kind: MntTotal cannot be recomputed
        };
        let op = if kind == TaxKind::Added { '+' } else { '−' };
        terms.push((op, Label::Tax(kind, code), value));
    }
    let others = [("GrntDep", '+'), ("CredEC", '−')];
    for (name, op) in others {
        let Some(value) = Declared::read(dte, name, false).or_zero() else {
            return;
        };
        terms.push((op, Label::Field(name), value));
    }
    if let Some(comisiones) = totales.child("Comisiones") {
        for name in ["ValComNeto", "ValComExe", "ValComIVA"] {
            let Some(element) = comisiones.child(name) else {
                continue;
            };
            let Some(value) = amount(element, false) else {
                return;
            };
            terms.push(('−', Label::Field(name), value));
        }
    }

    let mut expected = Decimal::ZERO;
    for (op, _, value) in &terms {
        let next = if *op == '+' {
            expected.checked_add(*value)
        } else {
            expected.checked_sub(*value)
        };
        let Some(next) = next else {
            return;
        };
        expected = next;
    }
    if declared_total.same_value(expected) != Some(false) {
        return;
    }

    let mut explain = String::new();
    for (op, name, value) in terms.iter().filter(|(_, _, v)| !v.is_zero()) {
        if explain.is_empty() && *op == '+' {
            let _ = write!(explain, "{name} {value}");
        } else {
            let _ = write!(explain, " {op} {name} {value}");
        }
    }
    if explain.is_empty() {
        explain.push_str("the components");
    }
    findings.push(TOTAL.at(
        total_element,
        format!(
            "MntTotal is {declared_total}, expected {expected}: {}",
            explain.trim_start()
        ),
    ));
}

/// How a term of MntTotal is named in a message.
#[derive(Debug)]
enum Label<'d> {
    Field(&'static str),
    Tax(TaxKind, Cow<'d, str>),
}

impl fmt::Display for Label<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Label::Field(name) => f.write_str(name),
            Label::Tax(TaxKind::Added, code) => {
                write!(f, "ImptoReten (TipoImp {})", code.trim_ascii())
            }
            Label::Tax(TaxKind::Retained, code) => {
                write!(f, "retained IVA (TipoImp {})", code.trim_ascii())
            }
        }
    }
}

/// 34 and 41 carry no taxed amount; 34 needs MntExe.
fn check_exempt_fields(
    dte: &Dte<'_>,
    tipo: u16,
    totales: Element<'_>,
    neto: Declared<'_>,
    iva: Declared<'_>,
    tasa: Option<Element<'_>>,
    findings: &mut Findings,
) {
    let kind = if tipo == 41 {
        "a boleta exenta (41)"
    } else {
        "a factura exenta (34)"
    };
    for (name, declared) in [("MntNeto", neto), ("IVA", iva)] {
        if let (Some(element), true) = (declared.element, declared.is_nonzero()) {
            let value = declared.value.unwrap_or(Decimal::ZERO);
            findings.push(EXENTA.at(
                element,
                format!("{name} is {value} on {kind}, which has no taxed amount"),
            ));
        }
    }
    if let Some(element) = tasa.filter(|_| tipo == 34) {
        findings.push(EXENTA.at(
            element,
            format!("TasaIVA is present on {kind}, which has no IVA"),
        ));
    }
    if tipo == 34 && dte.total("MntExe").is_none() {
        findings.push(EXENTA.missing(
            totales,
            "MntExe",
            format!("MntExe is missing on {kind}: its amount is exempt and must be declared"),
        ));
    }
}

/// Boletas with gross lines (DOMAIN.md: MntNeto = round((MntTotal − MntExe) /
/// 1.19), IVA = (MntTotal − MntExe) − MntNeto).
fn check_boleta_totals(dte: &Dte<'_>, tipo: u16, sums: &Sums, findings: &mut Findings) {
    let Some(totales) = dte.totales else {
        return;
    };
    let neto = Declared::read(dte, "MntNeto", false);
    let exe = Declared::read(dte, "MntExe", false);
    let iva = Declared::read(dte, "IVA", false);
    let total = Declared::read(dte, "MntTotal", false);

    if tipo == 41 {
        check_exempt_fields(dte, tipo, totales, neto, iva, None, findings);
    }
    if sums.complete {
        let explain = || describe_sum("exempt", sums.exempt_lines, sums.exempt);
        compare(&EXE, totales, exe, "MntExe", sums.exempt, explain, findings);
        if let Some(expected) = sums.taxed.checked_add(sums.exempt) {
            let explain = || {
                format!(
                    "the gross taxed lines and adjustments {} + the exempt ones {}",
                    sums.taxed, sums.exempt
                )
            };
            compare(
                &TOTAL, totales, total, "MntTotal", expected, explain, findings,
            );
        }
    }

    if tipo != 39 {
        return;
    }
    let (Some(total_value), Some(exe_value)) = (total.value, exe.or_zero()) else {
        return;
    };
    let Some(gross) = total_value.checked_sub(exe_value) else {
        return;
    };
    let divisor = HUNDRED.checked_add(DEFAULT_TASA_IVA);
    let Some(expected_neto) = gross
        .checked_mul(HUNDRED)
        .zip(divisor)
        .and_then(|(n, d)| n.checked_div_round(d, 0))
    else {
        return;
    };
    if neto.element.is_some() {
        let explain =
            || format!("(MntTotal {total_value} − MntExe {exe_value}) / 1.19, rounded half up");
        compare(
            &NETO,
            totales,
            neto,
            "MntNeto",
            expected_neto,
            explain,
            findings,
        );
    }
    if iva.element.is_some() {
        let neto_value = neto.value.unwrap_or(expected_neto);
        if let Some(expected) = gross.checked_sub(neto_value) {
            let explain =
                || format!("MntTotal {total_value} − MntExe {exe_value} − MntNeto {neto_value}");
            compare(&IVA, totales, iva, "IVA", expected, explain, findings);
        }
    }
}

/// Exports: every line exempt, in the currency of `TpoMoneda`; MntTotal is
/// MntExe.
fn check_export_totals(dte: &Dte<'_>, sums: &Sums, findings: &mut Findings) {
    let exe = Declared::read(dte, "MntExe", true);
    let total = Declared::read(dte, "MntTotal", true);

    if let (true, Some(element), Some(value)) = (sums.complete, exe.element, exe.value) {
        let rounded = sums.exempt.round(value.scale());
        if rounded.and_then(|r| r.same_value(value)) == Some(false) {
            let explain = describe_sum("exempt", sums.exempt_lines, sums.exempt);
            let exact = sums.exempt;
            let scale = value.scale();
            findings.push(EXE.at(
                element,
                format!(
                    "MntExe is {value}, expected {exact} (to {scale} decimals as written): \
                     {explain}"
                ),
            ));
        }
    }
    if let (Some(element), Some(exe_value), Some(total_value)) =
        (total.element, exe.value, total.value)
    {
        if total_value.same_value(exe_value) == Some(false) {
            findings.push(TOTAL.at(
                element,
                format!(
                    "MntTotal is {total_value}, expected {exe_value}: an export document is \
                     exempt, so MntTotal equals MntExe"
                ),
            ));
        }
    }
}

/// "the sum of the taxed lines", or with the global adjustments, for messages.
fn describe_sum(what: &str, lines: Decimal, adjusted: Decimal) -> String {
    if lines.same_value(adjusted) == Some(true) {
        format!("the sum of the {what} lines")
    } else {
        format!("the {what} lines {lines} with global discounts and surcharges")
    }
}
