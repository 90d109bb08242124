//! Reasons in words an accountant reads: what was unusual, its value, and
//! the issuer's usual against which it was judged.

use serde::{Deserialize, Serialize};

use crate::features::{Feature, Observation};
use crate::time;

/// Why a document scored as it did: one feature, its value, the issuer's
/// baseline when there is one, and a sentence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    /// Feature name (see [`Feature::name`]), or `forest` for the
    /// multivariate layer.
    pub feature: String,
    /// The document's value (an amount, a count, a number of days...).
    pub value: f64,
    /// The issuer's usual value, when the feature compares with one.
    pub baseline: Option<f64>,
    /// The reason in English.
    pub message: String,
}

/// The SII's name of a document type, for messages.
pub fn tipo_name(tipo: u16) -> &'static str {
    match tipo {
        33 => "factura",
        34 => "factura exenta",
        39 => "boleta",
        41 => "boleta exenta",
        43 => "liquidación-factura",
        46 => "factura de compra",
        52 => "guía de despacho",
        56 => "nota de débito",
        61 => "nota de crédito",
        110 => "factura de exportación",
        111 => "nota de débito de exportación",
        112 => "nota de crédito de exportación",
        _ => "document",
    }
}

/// An amount with thousands separators: `48,300,000`, or two decimals when
/// it has cents (exports).
pub fn amount(value: f64) -> String {
    let negative = value < 0.0;
    let value = value.abs();
    let whole = value.trunc() as u64;
    let digits = whole.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 4);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    let cents = ((value - value.trunc()) * 100.0).round() as u64;
    if cents > 0 && cents < 100 {
        out.push_str(&format!(".{cents:02}"));
    }
    if negative {
        out.insert(0, '-');
    }
    out
}

fn ratio(value: f64, baseline: f64) -> String {
    let r = value / baseline.max(1.0);
    if r >= 10.0 {
        format!("{r:.0}×")
    } else {
        format!("{r:.1}×")
    }
}

fn percent(share: f64) -> String {
    let p = share * 100.0;
    if p < 1.0 {
        format!("{p:.1}%")
    } else {
        format!("{p:.0}%")
    }
}

/// The reason for `feature` in an observation.
pub(crate) fn explain(feature: Feature, o: &Observation) -> Reason {
    let f = &o.fields;
    let c = &o.context;
    let kind = format!("{} ({})", tipo_name(f.tipo), f.tipo);
    let (value, baseline, message) = match feature {
        Feature::AmountHigh | Feature::AmountLow => {
            let usual = c.usual_amount.unwrap_or(0.0);
            let relation = if f.total >= usual {
                format!("{} this issuer's usual", ratio(f.total, usual))
            } else {
                format!("1/{} of this issuer's usual", ratio(usual, f.total))
            };
            (
                f.total,
                c.usual_amount,
                format!(
                    "total {} is {relation} {} for {kind}",
                    amount(f.total),
                    amount(usual)
                ),
            )
        }
        Feature::IvaMismatch => {
            let iva = f.iva.unwrap_or(0.0);
            let expected = c.expected_iva.unwrap_or(0.0);
            (
                iva,
                c.expected_iva,
                format!(
                    "IVA {} is not {}% of MntNeto {} ({}), a difference of {}",
                    amount(iva),
                    f.tasa_iva.unwrap_or(19.0),
                    amount(f.neto.unwrap_or(0.0)),
                    amount(expected),
                    amount((iva - expected).abs())
                ),
            )
        }
        Feature::Arithmetic => (
            c.arithmetic.len() as f64,
            None,
            format!("the amounts do not add up: {}", c.arithmetic.join("; ")),
        ),
        Feature::FolioDuplicate => (
            f.folio as f64,
            c.folio.max.map(|m| m as f64),
            format!(
                "folio {} of {kind} was already used by this issuer",
                f.folio
            ),
        ),
        Feature::FolioBehind => {
            let max = c.folio.max.unwrap_or(0);
            (
                f.folio as f64,
                Some(max as f64),
                format!(
                    "folio {} of {kind} is {} below this issuer's latest, {}",
                    f.folio,
                    amount(c.folio.behind as f64),
                    max
                ),
            )
        }
        Feature::FolioJump => {
            let max = c.folio.max.unwrap_or(0);
            (
                c.folio.gap as f64,
                Some(c.usual_gap),
                format!(
                    "folio {} of {kind} skips {} folios after this issuer's latest, {}",
                    f.folio,
                    amount(c.folio.gap as f64),
                    max
                ),
            )
        }
        Feature::CounterpartNew | Feature::CounterpartNewAmount => {
            let usual = c.usual_amount.unwrap_or(0.0);
            let size = match c.usual_amount {
                Some(u) if f.total > u => format!(
                    ", for {}, {} this issuer's usual {}",
                    amount(f.total),
                    ratio(f.total, u),
                    amount(usual)
                ),
                _ => format!(", for {}", amount(f.total)),
            };
            (
                f.total,
                c.usual_amount,
                format!(
                    "first document to receiver {}{size}; {} of this issuer's documents go to a \
                     new receiver",
                    f.rut_recep.as_deref().unwrap_or("?"),
                    percent(c.novelty)
                ),
            )
        }
        Feature::Burst => (
            f64::from(c.within_hour + 1),
            Some(c.hourly + 1.0),
            format!(
                "{} documents signed within an hour, where this issuer usually has {:.1}",
                c.within_hour + 1,
                c.hourly + 1.0
            ),
        ),
        Feature::Hour => (
            c.hour as f64,
            Some(c.hour_share),
            format!(
                "signed at {:02}:{:02}, an hour in which this issuer signs {} of its documents",
                c.hour,
                f.signed.rem_euclid(3600) / 60,
                percent(c.hour_share)
            ),
        ),
        Feature::Weekday => (
            c.weekday as f64,
            Some(c.weekday_share),
            format!(
                "signed on a {}, a day on which this issuer signs {} of its documents",
                time::weekday_name(c.weekday),
                percent(c.weekday_share)
            ),
        ),
        Feature::Lag => (
            c.lag_days as f64,
            c.usual_lag,
            format!(
                "signed {} days after its FchEmis; this issuer usually signs {:.0} days after",
                c.lag_days,
                c.usual_lag.unwrap_or(0.0)
            ),
        ),
        Feature::LagNegative => (
            c.lag_days as f64,
            None,
            format!(
                "FchEmis is {} days after the signature (TmstFirma)",
                -c.lag_days
            ),
        ),
        Feature::Lines => (
            f64::from(f.lines),
            c.usual_lines,
            format!(
                "{} lines, against this issuer's usual {:.0}",
                f.lines,
                c.usual_lines.unwrap_or(0.0)
            ),
        ),
        Feature::Round => (
            f.total,
            Some(c.round_share),
            format!(
                "round amount ({} trailing zeros in MntNeto or MntTotal {}); {} of this issuer's \
                 documents are round",
                f.round_zeros,
                amount(f.total),
                percent(c.round_share)
            ),
        ),
        Feature::CreditRate => (
            f.total,
            Some(c.credit_share),
            format!(
                "a {kind} for {}; only {} of this issuer's documents are credit notes",
                amount(f.total),
                percent(c.credit_share)
            ),
        ),
        Feature::CreditSize => {
            let usual = c.usual_sale.unwrap_or(0.0);
            (
                f.total,
                c.usual_sale,
                format!(
                    "{kind} for {} is {} this issuer's usual sale of {}",
                    amount(f.total),
                    ratio(f.total, usual),
                    amount(usual)
                ),
            )
        }
        Feature::DigitsRepeat => (
            f64::from(f.repeat_run),
            Some(c.repeat_habit),
            format!(
                "total {} ends in {} repeated digits, as {} of this issuer's previous {} \
                 documents do, against a habit of {}",
                amount(f.total),
                f.repeat_run,
                c.repeat_window.0,
                c.repeat_window.1,
                percent(c.repeat_habit)
            ),
        ),
        Feature::DigitsLeading => (
            o.values[Feature::DigitsLeading as usize],
            None,
            format!(
                "the leading digits of this issuer's last totals fit made-up, evenly spread \
                 digits better than its own usual pattern (log-likelihood ratio {:.1})",
                o.values[Feature::DigitsLeading as usize]
            ),
        ),
    };
    Reason {
        feature: feature.name().to_owned(),
        value,
        baseline,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_like_an_invoice() {
        assert_eq!(amount(48_300_000.0), "48,300,000");
        assert_eq!(amount(930.0), "930");
        assert_eq!(amount(1234.5), "1,234.50");
        assert_eq!(ratio(48_300_000.0, 930_000.0), "52×");
    }
}
