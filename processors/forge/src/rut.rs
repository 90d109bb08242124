//! RUTs (Rol Único Tributario): the check digit and plausible numbers for
//! companies and people.

use std::fmt;

use crate::rng::Rng;

/// A RUT as the SII writes it: body, hyphen, check digit (`76354771-K`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Rut {
    body: u32,
    dv: char,
}

/// The SII itself: the `RutReceptor` of every envelope sent to it.
pub const SII: &str = "60803000-K";
/// The receiver of an export: a foreign buyer has no RUT.
pub const FOREIGN_RECEIVER: &str = "55555555-5";
/// The receiver of a boleta sold to an unnamed consumer.
pub const GENERIC_BOLETA_RECEIVER: &str = "66666666-6";

/// The check digit of a RUT body: weights 2, 3, 4, 5, 6, 7, 2, 3, ... from
/// the right; `11 - sum mod 11`, where 11 is written `0` and 10 `K`.
pub fn check_digit(body: u32) -> char {
    let mut sum = 0u32;
    let mut rest = body;
    let mut weight = 2;
    while rest > 0 {
        sum += (rest % 10) * weight;
        rest /= 10;
        weight = if weight == 7 { 2 } else { weight + 1 };
    }
    match 11 - sum % 11 {
        11 => '0',
        10 => 'K',
        r => char::from_digit(r, 10).unwrap_or('0'),
    }
}

impl Rut {
    /// The RUT with this body and its correct check digit.
    pub fn new(body: u32) -> Self {
        Self {
            body,
            dv: check_digit(body),
        }
    }

    /// A company's RUT: companies registered since the 1990s have bodies in
    /// the 76 to 77 millions, older ones in the 96 millions.
    pub fn company(rng: &mut Rng) -> Self {
        let body = if rng.chance(0.8) {
            rng.between(76_000_000, 77_999_999)
        } else {
            rng.between(96_500_000, 99_599_999)
        };
        Self::new(body as u32)
    }

    /// A person's RUT (bodies below 26 millions).
    pub fn person(rng: &mut Rng) -> Self {
        Self::new(rng.between(5_000_000, 25_999_999) as u32)
    }

    /// The number before the check digit.
    pub fn body(&self) -> u32 {
        self.body
    }

    /// The same body with a check digit that is not the right one.
    pub fn with_wrong_check_digit(&self, rng: &mut Rng) -> Self {
        const DIGITS: [char; 11] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'K'];
        let mut dv = *rng.pick(&DIGITS);
        if dv == self.dv {
            let at = DIGITS.iter().position(|&d| d == dv).unwrap_or(0);
            dv = DIGITS[(at + 1) % DIGITS.len()];
        }
        Self {
            body: self.body,
            dv,
        }
    }
}

impl fmt::Display for Rut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.body, self.dv)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digits_of_known_ruts() {
        for (body, dv) in [
            (60_803_000, 'K'),
            (76_354_771, 'K'),
            (60_910_000, '1'),
            (96_670_340, '7'),
            (55_555_555, '5'),
            (66_666_666, '6'),
            (81_675_600, '6'),
        ] {
            assert_eq!(check_digit(body), dv, "{body}");
        }
        assert_eq!(Rut::new(76_354_771).to_string(), "76354771-K");
    }

    #[test]
    fn a_wrong_check_digit_is_always_wrong() {
        let mut rng = Rng::new(3);
        for _ in 0..100 {
            let rut = Rut::company(&mut rng);
            let bad = rut.with_wrong_check_digit(&mut rng);
            assert_ne!(bad, rut);
            assert_eq!(bad.body(), rut.body());
        }
    }
}
