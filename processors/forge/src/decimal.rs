//! Exact decimals for prices, quantities and amounts, with the SII's rounding:
//! half up (away from zero on a tie), never banker's rounding.
//!
//! A value is an integer count of `10^-scale` units. Products are exact (the
//! scales add), so a line amount is rounded once, on `PrcItem × QtyItem`, the
//! way the SII recomputes it.

use std::fmt;

/// An exact decimal number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Dec {
    units: i128,
    scale: u32,
}

const fn pow10(n: u32) -> i128 {
    let mut p = 1i128;
    let mut i = 0;
    while i < n {
        p *= 10;
        i += 1;
    }
    p
}

impl Dec {
    pub const ZERO: Dec = Dec { units: 0, scale: 0 };

    /// `units × 10^-scale`.
    pub const fn new(units: i128, scale: u32) -> Self {
        Self { units, scale }
    }

    /// A whole number.
    pub const fn int(value: i64) -> Self {
        Self {
            units: value as i128,
            scale: 0,
        }
    }

    /// The value in units of `10^-scale`.
    pub fn units(self) -> i128 {
        self.units
    }

    /// How many decimals the value is written with.
    pub fn scale(self) -> u32 {
        self.scale
    }

    /// Whether the value is zero, at any scale.
    pub fn is_zero(self) -> bool {
        self.units == 0
    }

    /// The same value written with `scale` decimals; `scale` must not be
    /// smaller than the current one (use [`Dec::round`] for that).
    fn widen(self, scale: u32) -> Self {
        if scale <= self.scale {
            return self;
        }
        Self {
            units: self.units * pow10(scale - self.scale),
            scale,
        }
    }

    /// The exact sum.
    pub fn add(self, other: Dec) -> Dec {
        let scale = self.scale.max(other.scale);
        Dec {
            units: self.widen(scale).units + other.widen(scale).units,
            scale,
        }
    }

    /// The exact difference.
    pub fn sub(self, other: Dec) -> Dec {
        self.add(other.neg())
    }

    /// The value with the opposite sign.
    pub fn neg(self) -> Dec {
        Dec {
            units: -self.units,
            scale: self.scale,
        }
    }

    /// The exact product.
    pub fn mul(self, other: Dec) -> Dec {
        Dec {
            units: self.units * other.units,
            scale: self.scale + other.scale,
        }
    }

    /// `self × pct / 100`, exact.
    pub fn percent(self, pct: Dec) -> Dec {
        Dec {
            units: self.units * pct.units,
            scale: self.scale + pct.scale + 2,
        }
    }

    /// Rounded half up to `scale` decimals.
    pub fn round(self, scale: u32) -> Dec {
        if scale >= self.scale {
            return self.widen(scale);
        }
        let divisor = pow10(self.scale - scale);
        Dec {
            units: div_round_half_up(self.units, divisor),
            scale,
        }
    }

    /// Rounded half up to a whole number.
    pub fn round_int(self) -> i64 {
        self.round(0).units as i64
    }

    /// `self / divisor` rounded half up to `scale` decimals.
    pub fn div_round(self, divisor: Dec, scale: u32) -> Dec {
        // self / divisor = (a / 10^sa) / (b / 10^sb); scaled to 10^scale:
        // a × 10^(scale + sb) / (b × 10^sa).
        let numerator = self.units * pow10(scale + divisor.scale);
        let denominator = divisor.units * pow10(self.scale);
        Dec {
            units: div_round_half_up(numerator, denominator),
            scale,
        }
    }

    /// Written with exactly `decimals` fraction digits (rounding half up when
    /// that is fewer than it has).
    pub fn fixed(self, decimals: u32) -> String {
        self.round(decimals).to_string_with_scale()
    }

    fn to_string_with_scale(self) -> String {
        let negative = self.units < 0;
        let digits = self.units.unsigned_abs().to_string();
        let scale = self.scale as usize;
        let mut out = String::with_capacity(digits.len() + 3);
        if negative {
            out.push('-');
        }
        if scale == 0 {
            out.push_str(&digits);
        } else if digits.len() > scale {
            let (whole, fraction) = digits.split_at(digits.len() - scale);
            out.push_str(whole);
            out.push('.');
            out.push_str(fraction);
        } else {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', scale - digits.len()));
            out.push_str(&digits);
        }
        out
    }

    /// Without trailing fraction zeros, as most generators write prices and
    /// quantities (`1`, `1.5`, `8942.86`).
    pub fn trimmed(self) -> Dec {
        let mut d = self;
        while d.scale > 0 && d.units % 10 == 0 {
            d.units /= 10;
            d.scale -= 1;
        }
        d
    }

    /// Whether both are the same number, whatever their scales.
    pub fn same_value(self, other: Dec) -> bool {
        let scale = self.scale.max(other.scale);
        self.widen(scale).units == other.widen(scale).units
    }
}

/// `n / d` rounded half away from zero; `d` is positive.
fn div_round_half_up(n: i128, d: i128) -> i128 {
    let q = n / d;
    let r = n % d;
    if 2 * r.abs() >= d.abs() {
        if (n < 0) != (d < 0) { q - 1 } else { q + 1 }
    } else {
        q
    }
}

impl fmt::Display for Dec {
    /// The value as written: trailing zeros kept, since the scale is part of
    /// how an amount was written.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_string_with_scale())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_is_half_up_not_to_even() {
        assert_eq!(Dec::new(25, 1).round_int(), 3);
        assert_eq!(Dec::new(35, 1).round_int(), 4);
        assert_eq!(Dec::new(-25, 1).round_int(), -3);
        assert_eq!(Dec::new(249, 2).round(1), Dec::new(25, 1));
        assert_eq!(Dec::new(894286, 2).round_int(), 8943);
    }

    #[test]
    fn products_are_exact_and_percentages_round_once() {
        let price = Dec::new(894286, 2);
        let qty = Dec::new(15, 1);
        assert_eq!(price.mul(qty), Dec::new(13414290, 3));
        // 8943 × 19 / 100 = 1699.17
        assert_eq!(Dec::int(8943).percent(Dec::int(19)).round_int(), 1699);
    }

    #[test]
    fn division_rounds_half_up() {
        // A boleta of 1190 gross is 1000 net; 1000 gross is 840.336 -> 840.
        let hundred_nineteen = Dec::new(119, 2);
        assert_eq!(
            Dec::int(1190).div_round(hundred_nineteen, 0),
            Dec::int(1000)
        );
        assert_eq!(Dec::int(1000).div_round(hundred_nineteen, 0), Dec::int(840));
        assert_eq!(Dec::int(1).div_round(Dec::int(2), 0), Dec::int(1));
    }

    #[test]
    fn writing_keeps_or_trims_the_scale_as_asked() {
        assert_eq!(Dec::new(1230, 2).to_string(), "12.30");
        assert_eq!(Dec::new(1230, 2).trimmed().to_string(), "12.3");
        assert_eq!(Dec::new(5, 3).to_string(), "0.005");
        assert_eq!(Dec::new(-5, 3).to_string(), "-0.005");
        assert_eq!(Dec::new(12345, 3).fixed(2), "12.35");
        assert_eq!(Dec::int(7).fixed(2), "7.00");
        assert!(Dec::new(70, 1).same_value(Dec::int(7)));
    }
}
