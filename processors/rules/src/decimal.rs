//! Exact decimal arithmetic for amounts, prices and quantities.
//!
//! A value is an `i128` count of units of `10^-scale`. DTE amounts have at most
//! 18 digits and prices and quantities at most 6 decimals, so products of two
//! written values fit with room to spare; every operation is checked anyway
//! and gives `None` on overflow, which the rules treat as "cannot say".
//!
//! Rounding is half up on the magnitude (a half goes away from zero), the
//! commercial rounding the SII uses. Banker's rounding never appears here.

use std::cmp::Ordering;
use std::fmt;

/// Most decimals a parsed value may carry: the schema allows 6 (`Dec12_6Type`),
/// some generators write more.
const MAX_SCALE: u32 = 18;

/// Largest scale an intermediate result may reach.
const MAX_WORKING_SCALE: u32 = 36;

#[derive(Debug, Clone, Copy)]
pub(crate) struct Decimal {
    units: i128,
    scale: u32,
}

impl Decimal {
    pub(crate) const ZERO: Decimal = Decimal { units: 0, scale: 0 };

    /// 0.01, to take a percentage exactly.
    pub(crate) const CENT: Decimal = Decimal { units: 1, scale: 2 };

    pub(crate) const fn from_int(value: i128) -> Decimal {
        Decimal {
            units: value,
            scale: 0,
        }
    }

    /// Reads an XSD decimal: optional sign, digits, optional point and digits,
    /// surrounding whitespace allowed (the schema collapses it). No exponents.
    pub(crate) fn parse(text: &str) -> Option<Decimal> {
        let text = text.trim_ascii();
        let (negative, digits) = match text.as_bytes().first()? {
            b'-' => (true, &text[1..]),
            b'+' => (false, &text[1..]),
            _ => (false, text),
        };
        let (whole, fraction) = match digits.split_once('.') {
            Some((w, f)) => (w, f),
            None => (digits, ""),
        };
        if whole.is_empty() && fraction.is_empty() {
            return None;
        }
        let scale = u32::try_from(fraction.len()).ok()?;
        if scale > MAX_SCALE {
            return None;
        }

        let mut units: i128 = 0;
        for b in whole.bytes().chain(fraction.bytes()) {
            if !b.is_ascii_digit() {
                return None;
            }
            units = units.checked_mul(10)?.checked_add(i128::from(b - b'0'))?;
        }
        Some(Decimal {
            units: if negative { -units } else { units },
            scale,
        })
    }

    /// Reads a whole number of pesos. `"100"` and `"100.00"` are 100;
    /// `"100.5"` is not a whole number and gives `None`.
    pub(crate) fn parse_integer(text: &str) -> Option<i128> {
        let value = Decimal::parse(text)?;
        let factor = pow10(value.scale)?;
        (value.units % factor == 0).then(|| value.units / factor)
    }

    /// Decimals as written (or as computed).
    pub(crate) fn scale(self) -> u32 {
        self.scale
    }

    pub(crate) fn is_negative(self) -> bool {
        self.units < 0
    }

    pub(crate) fn is_zero(self) -> bool {
        self.units == 0
    }

    pub(crate) fn checked_add(self, other: Decimal) -> Option<Decimal> {
        let (a, b, scale) = align(self, other)?;
        Some(Decimal {
            units: a.checked_add(b)?,
            scale,
        })
    }

    pub(crate) fn checked_sub(self, other: Decimal) -> Option<Decimal> {
        let (a, b, scale) = align(self, other)?;
        Some(Decimal {
            units: a.checked_sub(b)?,
            scale,
        })
    }

    pub(crate) fn checked_mul(self, other: Decimal) -> Option<Decimal> {
        let scale = self.scale + other.scale;
        if scale > MAX_WORKING_SCALE {
            return None;
        }
        Some(Decimal {
            units: self.units.checked_mul(other.units)?,
            scale,
        })
    }

    /// `self / other`, rounded half up to `scale` decimals. `None` when `other`
    /// is zero or on overflow.
    pub(crate) fn checked_div_round(self, other: Decimal, scale: u32) -> Option<Decimal> {
        // self/other = (a / 10^sa) / (b / 10^sb); scaled by 10^k that is
        // a * 10^(sb + k) / (b * 10^sa).
        let numerator = self.units.checked_mul(pow10(other.scale + scale)?)?;
        let denominator = other.units.checked_mul(pow10(self.scale)?)?;
        Some(Decimal {
            units: div_round_half_up(numerator, denominator)?,
            scale,
        })
    }

    /// Rounded half up to `scale` decimals. A value with fewer decimals is
    /// returned as it is.
    pub(crate) fn round(self, scale: u32) -> Option<Decimal> {
        if scale >= self.scale {
            return Some(self);
        }
        let units = div_round_half_up(self.units, pow10(self.scale - scale)?)?;
        Some(Decimal { units, scale })
    }

    /// Rounded half up to whole units.
    pub(crate) fn round_to_integer(self) -> Option<i128> {
        self.round(0).map(|d| d.units)
    }

    /// Compares values, whatever their scales. `None` only on overflow while
    /// aligning, which cannot happen for parsed values.
    pub(crate) fn compare(self, other: Decimal) -> Option<Ordering> {
        let (a, b, _) = align(self, other)?;
        Some(a.cmp(&b))
    }

    pub(crate) fn same_value(self, other: Decimal) -> Option<bool> {
        self.compare(other).map(Ordering::is_eq)
    }
}

/// Prints the value without trailing zeros: `8942.86`, `2517900`, `-0.5`.
impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut units = self.units.unsigned_abs();
        let mut scale = self.scale;
        while scale > 0 && units % 10 == 0 {
            units /= 10;
            scale -= 1;
        }
        let sign = if self.units < 0 { "-" } else { "" };
        if scale == 0 {
            return write!(f, "{sign}{units}");
        }
        let digits = units.to_string();
        let scale = scale as usize;
        if digits.len() > scale {
            let (whole, fraction) = digits.split_at(digits.len() - scale);
            write!(f, "{sign}{whole}.{fraction}")
        } else {
            write!(f, "{sign}0.{digits:0>scale$}")
        }
    }
}

fn pow10(exponent: u32) -> Option<i128> {
    10i128.checked_pow(exponent)
}

/// Both values as units of the finer scale.
fn align(a: Decimal, b: Decimal) -> Option<(i128, i128, u32)> {
    match a.scale.cmp(&b.scale) {
        Ordering::Equal => Some((a.units, b.units, a.scale)),
        Ordering::Less => Some((
            a.units.checked_mul(pow10(b.scale - a.scale)?)?,
            b.units,
            b.scale,
        )),
        Ordering::Greater => Some((
            a.units,
            b.units.checked_mul(pow10(a.scale - b.scale)?)?,
            a.scale,
        )),
    }
}

/// `n / d` rounded to the nearest integer, halves away from zero.
fn div_round_half_up(n: i128, d: i128) -> Option<i128> {
    if d == 0 {
        return None;
    }
    let quotient = n.checked_div(d)?;
    let remainder = n.checked_rem(d)?;
    // |2r| >= |d| means the fraction is a half or more.
    let twice = remainder.unsigned_abs().checked_mul(2)?;
    if twice >= d.unsigned_abs() {
        let away = if (n < 0) == (d < 0) { 1 } else { -1 };
        quotient.checked_add(away)
    } else {
        Some(quotient)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn d(text: &str) -> Decimal {
        Decimal::parse(text).unwrap()
    }

    #[test]
    fn parses_xsd_decimals_and_refuses_the_rest() {
        assert_eq!(d("8942.86").to_string(), "8942.86");
        assert_eq!(d(" 1258950.00\n").to_string(), "1258950");
        assert_eq!(d("+.5").to_string(), "0.5");
        assert_eq!(d("-0.05").to_string(), "-0.05");
        assert_eq!(d("7.").to_string(), "7");
        for bad in [
            "",
            "-",
            ".",
            "1e3",
            "1,5",
            "12a",
            "--1",
            "1.2.3",
            "0.1234567890123456789",
        ] {
            assert!(Decimal::parse(bad).is_none(), "{bad:?} was read");
        }
        assert!(Decimal::parse(&"9".repeat(60)).is_none());
    }

    #[test]
    fn integers_must_be_whole() {
        assert_eq!(Decimal::parse_integer("100"), Some(100));
        assert_eq!(Decimal::parse_integer("100.00"), Some(100));
        assert_eq!(Decimal::parse_integer("-7"), Some(-7));
        assert_eq!(Decimal::parse_integer("100.5"), None);
        assert_eq!(Decimal::parse_integer("abc"), None);
    }

    #[test]
    fn rounds_half_up_never_to_even() {
        assert_eq!(d("0.5").round_to_integer(), Some(1));
        assert_eq!(d("1.5").round_to_integer(), Some(2));
        assert_eq!(d("2.5").round_to_integer(), Some(3));
        assert_eq!(d("2.4999").round_to_integer(), Some(2));
        assert_eq!(d("-2.5").round_to_integer(), Some(-3));
        assert_eq!(d("-2.4").round_to_integer(), Some(-2));
        assert_eq!(d("1.005").round(2).unwrap().to_string(), "1.01");
        // 8943 * 19 / 100 = 1699.17
        let iva = d("8943").checked_mul(d("19")).unwrap();
        let iva = iva.checked_div_round(d("100"), 0).unwrap();
        assert_eq!(iva.to_string(), "1699");
    }

    #[test]
    fn exact_products_and_sums() {
        let product = d("1258950.00").checked_mul(d("2.00")).unwrap();
        assert_eq!(product.to_string(), "2517900");
        let sum = d("0.1").checked_add(d("0.2")).unwrap();
        assert_eq!(sum.same_value(d("0.3")), Some(true));
        assert_eq!(d("1.10").same_value(d("1.1")), Some(true));
        assert_eq!(d("3").checked_sub(d("3.5")).unwrap().to_string(), "-0.5");
    }

    #[test]
    fn division_rounds_half_up() {
        // 11900 / 1.19 = 10000 exactly; 100 / 1.19 = 84.03...
        assert_eq!(
            d("11900")
                .checked_div_round(d("1.19"), 0)
                .unwrap()
                .to_string(),
            "10000"
        );
        assert_eq!(
            d("100")
                .checked_div_round(d("1.19"), 0)
                .unwrap()
                .to_string(),
            "84"
        );
        assert_eq!(
            d("1").checked_div_round(d("2"), 0).unwrap().to_string(),
            "1"
        );
        assert!(d("1").checked_div_round(Decimal::ZERO, 0).is_none());
    }

    proptest! {
        /// Rounding an integer plus a fraction below one half keeps the
        /// integer; a fraction of one half or more adds one.
        #[test]
        fn round_half_up_matches_its_definition(
            whole in -1_000_000i64..1_000_000,
            cents in 0u32..100,
        ) {
            let sign = if whole < 0 { "-" } else { "" };
            let text = format!("{sign}{}.{cents:02}", whole.unsigned_abs());
            let rounded = d(&text).round_to_integer().unwrap();
            let magnitude = i128::from(whole.unsigned_abs()) + i128::from(cents >= 50);
            prop_assert_eq!(rounded, if whole < 0 { -magnitude } else { magnitude });
        }

        /// Display and parse agree on the value.
        #[test]
        fn display_round_trips(units in any::<i64>(), scale in 0u32..7) {
            let value = Decimal { units: i128::from(units), scale };
            prop_assert_eq!(d(&value.to_string()).same_value(value), Some(true));
        }
    }
}
