//! Simple types: the built-in types the SII's schemas use, and the facets
//! that restrict them, checked in value space (`033` equals `33`, `1.0`
//! equals `1`), as XML Schema 1.0 defines them.

use std::cmp::Ordering;

use regex::Regex;

/// The built-in types supported. Anything else in a schema is a compile error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Builtin {
    AnySimpleType,
    String,
    NormalizedString,
    Token,
    Decimal,
    Integer,
    PositiveInteger,
    NonNegativeInteger,
    NegativeInteger,
    NonPositiveInteger,
    Long,
    Int,
    UnsignedLong,
    UnsignedInt,
    Boolean,
    Date,
    DateTime,
    Time,
    GYearMonth,
    GYear,
    Base64Binary,
    AnyUri,
    Id,
    NcName,
}

impl Builtin {
    /// The built-in type with this local name in the XML Schema namespace.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "anySimpleType" | "anyType" => Builtin::AnySimpleType,
            "string" => Builtin::String,
            "normalizedString" => Builtin::NormalizedString,
            "token" => Builtin::Token,
            "decimal" => Builtin::Decimal,
            "integer" => Builtin::Integer,
            "positiveInteger" => Builtin::PositiveInteger,
            "nonNegativeInteger" => Builtin::NonNegativeInteger,
            "negativeInteger" => Builtin::NegativeInteger,
            "nonPositiveInteger" => Builtin::NonPositiveInteger,
            "long" => Builtin::Long,
            "int" => Builtin::Int,
            "unsignedLong" => Builtin::UnsignedLong,
            "unsignedInt" => Builtin::UnsignedInt,
            "boolean" => Builtin::Boolean,
            "date" => Builtin::Date,
            "dateTime" => Builtin::DateTime,
            "time" => Builtin::Time,
            "gYearMonth" => Builtin::GYearMonth,
            "gYear" => Builtin::GYear,
            "base64Binary" => Builtin::Base64Binary,
            "anyURI" => Builtin::AnyUri,
            "ID" => Builtin::Id,
            "NCName" => Builtin::NcName,
            _ => return None,
        })
    }

    fn is_numeric(self) -> bool {
        matches!(
            self,
            Builtin::Decimal
                | Builtin::Integer
                | Builtin::PositiveInteger
                | Builtin::NonNegativeInteger
                | Builtin::NegativeInteger
                | Builtin::NonPositiveInteger
                | Builtin::Long
                | Builtin::Int
                | Builtin::UnsignedLong
                | Builtin::UnsignedInt
        )
    }

    /// Whitespace handling: strings keep theirs, everything else is collapsed.
    fn preserves_whitespace(self) -> bool {
        matches!(self, Builtin::String | Builtin::AnySimpleType)
    }
}

/// The facets of one derivation step. A value must satisfy every step.
#[derive(Debug, Clone, Default)]
pub struct Facets {
    pub length: Option<usize>,
    pub min_length: Option<usize>,
    pub max_length: Option<usize>,
    pub total_digits: Option<usize>,
    pub fraction_digits: Option<usize>,
    pub min_inclusive: Option<String>,
    pub max_inclusive: Option<String>,
    pub min_exclusive: Option<String>,
    pub max_exclusive: Option<String>,
    /// Values as written in the schema; compared in value space.
    pub enumeration: Vec<String>,
    /// Any one of a step's patterns must match.
    pub patterns: Vec<Regex>,
}

/// A simple type: a built-in base and the facets of each restriction on it.
#[derive(Debug, Clone)]
pub struct SimpleType {
    pub builtin: Builtin,
    pub steps: Vec<Facets>,
    /// A readable name for messages (`SiiDte:MontoType`, or the base's).
    pub label: String,
}

/// A parsed value, borrowed from the (whitespace-processed) text.
#[derive(Debug, Clone, Copy)]
enum Value<'a> {
    Text(&'a str),
    Number(Decimal<'a>),
    /// Date and time fields, comparable in order; time zones are ignored.
    Temporal([i64; 7]),
    Octets(usize),
}

/// An exact decimal: sign, integer digits without leading zeros, fraction
/// digits without trailing zeros. Zero is never negative.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Decimal<'a> {
    negative: bool,
    int: &'a str,
    frac: &'a str,
}

impl<'a> Decimal<'a> {
    fn parse(text: &'a str) -> Option<Self> {
        let (negative, digits) = match text.as_bytes().first()? {
            b'-' => (true, &text[1..]),
            b'+' => (false, &text[1..]),
            _ => (false, text),
        };
        let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
        if int.is_empty() && frac.is_empty()
            || !int.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let int = int.trim_start_matches('0');
        let frac = frac.trim_end_matches('0');
        let zero = int.is_empty() && frac.is_empty();
        Some(Decimal {
            negative: negative && !zero,
            int,
            frac,
        })
    }

    fn is_zero(&self) -> bool {
        self.int.is_empty() && self.frac.is_empty()
    }

    fn magnitude_cmp(&self, other: &Self) -> Ordering {
        self.int
            .len()
            .cmp(&other.int.len())
            .then_with(|| self.int.cmp(other.int))
            .then_with(|| self.frac.cmp(other.frac))
    }
}

impl Ord for Decimal<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self.negative, other.negative) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (false, false) => self.magnitude_cmp(other),
            (true, true) => other.magnitude_cmp(self),
        }
    }
}

impl PartialOrd for Decimal<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// XSD's `collapse`: trim, and turn each run of whitespace into one space.
/// Borrows when there is nothing to change, which is the usual case.
fn collapse(text: &str) -> std::borrow::Cow<'_, str> {
    let trimmed = text.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r'));
    let needs_work = trimmed.contains(['\t', '\n', '\r']) || trimmed.contains("  ");
    if !needs_work {
        return std::borrow::Cow::Borrowed(trimmed);
    }
    let mut out = String::with_capacity(trimmed.len());
    let mut in_space = false;
    for c in trimmed.chars() {
        if matches!(c, ' ' | '\t' | '\n' | '\r') {
            if !in_space {
                out.push(' ');
            }
            in_space = true;
        } else {
            out.push(c);
            in_space = false;
        }
    }
    std::borrow::Cow::Owned(out)
}

impl SimpleType {
    /// A built-in type with no restriction.
    pub fn builtin(builtin: Builtin, label: &str) -> Self {
        Self {
            builtin,
            steps: Vec::new(),
            label: label.to_owned(),
        }
    }

    /// Whether `text` is a valid value; the error says why it is not.
    ///
    /// # Errors
    ///
    /// A message naming the rule the value breaks.
    pub fn check(&self, text: &str) -> Result<(), String> {
        let processed = self.whitespace(text);
        let value = self.parse(&processed)?;
        for step in &self.steps {
            self.check_step(step, &processed, value)?;
        }
        Ok(())
    }

    /// Whitespace processing, as libxml2 does it (the test oracle), which is
    /// narrower than XSD's `collapse` for every non-string type: the value is
    /// collapsed only when a pattern or an enumeration applies; otherwise the
    /// numeric types, `anyURI` and `ID` ignore blanks at either end, and the
    /// date and time types, `long` and `unsignedLong` accept none.
    fn whitespace<'t>(&self, text: &'t str) -> std::borrow::Cow<'t, str> {
        if self.builtin.preserves_whitespace() {
            return std::borrow::Cow::Borrowed(text);
        }
        if self
            .steps
            .iter()
            .any(|s| !s.patterns.is_empty() || !s.enumeration.is_empty())
        {
            return collapse(text);
        }
        let blank = |c: char| matches!(c, ' ' | '\t' | '\n' | '\r');
        match self.builtin {
            Builtin::Decimal
            | Builtin::Integer
            | Builtin::PositiveInteger
            | Builtin::NonNegativeInteger
            | Builtin::NegativeInteger
            | Builtin::NonPositiveInteger
            | Builtin::AnyUri
            | Builtin::Id
            | Builtin::NcName => std::borrow::Cow::Borrowed(text.trim_matches(blank)),
            _ => std::borrow::Cow::Borrowed(text),
        }
    }

    fn parse<'a>(&self, text: &'a str) -> Result<Value<'a>, String> {
        let invalid = || {
            format!(
                "'{text}' is not a valid value of the atomic type '{}'",
                self.label
            )
        };
        let number = |text: &'a str| Decimal::parse(text).ok_or_else(invalid);
        let integer = |text: &'a str| {
            let d = number(text)?;
            if text.contains('.') {
                return Err(invalid());
            }
            Ok(d)
        };
        Ok(match self.builtin {
            Builtin::AnySimpleType | Builtin::String | Builtin::AnyUri => Value::Text(text),
            Builtin::NormalizedString | Builtin::Token => Value::Text(text),
            Builtin::Id | Builtin::NcName => {
                if !is_ncname(text) {
                    return Err(invalid());
                }
                Value::Text(text)
            }
            Builtin::Boolean => {
                if !matches!(text, "true" | "false" | "1" | "0") {
                    return Err(invalid());
                }
                Value::Text(text)
            }
            Builtin::Decimal => Value::Number(number(text)?),
            Builtin::Integer => Value::Number(integer(text)?),
            Builtin::PositiveInteger => {
                let d = integer(text)?;
                if d.negative || d.is_zero() {
                    return Err(invalid());
                }
                Value::Number(d)
            }
            Builtin::NonNegativeInteger | Builtin::UnsignedLong | Builtin::UnsignedInt => {
                let d = integer(text)?;
                let limit = match self.builtin {
                    Builtin::UnsignedLong => Some("18446744073709551615"),
                    Builtin::UnsignedInt => Some("4294967295"),
                    _ => None,
                };
                if d.negative
                    || limit.is_some_and(|l| {
                        d.magnitude_cmp(&Decimal::parse(l).unwrap_or(d)) == Ordering::Greater
                    })
                {
                    return Err(invalid());
                }
                Value::Number(d)
            }
            Builtin::NegativeInteger => {
                let d = integer(text)?;
                if !d.negative {
                    return Err(invalid());
                }
                Value::Number(d)
            }
            Builtin::NonPositiveInteger => {
                let d = integer(text)?;
                if !d.negative && !d.is_zero() {
                    return Err(invalid());
                }
                Value::Number(d)
            }
            Builtin::Long | Builtin::Int => {
                let d = integer(text)?;
                let (low, high) = if self.builtin == Builtin::Long {
                    ("-9223372036854775808", "9223372036854775807")
                } else {
                    ("-2147483648", "2147483647")
                };
                let in_range = Decimal::parse(low).is_some_and(|l| d >= l)
                    && Decimal::parse(high).is_some_and(|h| d <= h);
                if !in_range {
                    return Err(invalid());
                }
                Value::Number(d)
            }
            Builtin::Date => Value::Temporal(parse_date(text).ok_or_else(invalid)?),
            Builtin::DateTime => Value::Temporal(parse_date_time(text).ok_or_else(invalid)?),
            Builtin::Time => Value::Temporal(parse_time(text).ok_or_else(invalid)?),
            Builtin::GYearMonth => Value::Temporal(parse_year_month(text).ok_or_else(invalid)?),
            Builtin::GYear => Value::Temporal(parse_year(text).ok_or_else(invalid)?),
            Builtin::Base64Binary => Value::Octets(base64_octets(text).ok_or_else(invalid)?),
        })
    }

    fn check_step(&self, facets: &Facets, text: &str, value: Value<'_>) -> Result<(), String> {
        let label = &self.label;
        let length = match value {
            Value::Text(t) => Some(t.chars().count()),
            Value::Octets(n) => Some(n),
            _ => None,
        };
        if let Some(length) = length {
            if let Some(want) = facets.length
                && length != want
            {
                return Err(format!(
                    "'{text}' has length {length}; '{label}' requires {want}"
                ));
            }
            if let Some(min) = facets.min_length
                && length < min
            {
                return Err(format!(
                    "'{text}' has length {length}; '{label}' requires at least {min}"
                ));
            }
            if let Some(max) = facets.max_length
                && length > max
            {
                return Err(format!(
                    "'{text}' has length {length}; '{label}' allows at most {max}"
                ));
            }
        }
        if let Value::Number(d) = value {
            let digits = (d.int.len() + d.frac.len()).max(1);
            if let Some(total) = facets.total_digits
                && digits > total
            {
                return Err(format!(
                    "'{text}' has {digits} digits; '{label}' allows at most {total}"
                ));
            }
            if let Some(fraction) = facets.fraction_digits
                && d.frac.len() > fraction
            {
                return Err(format!(
                    "'{text}' has {} fraction digits; '{label}' allows at most {fraction}",
                    d.frac.len()
                ));
            }
        }
        let bounds = [
            (
                &facets.min_inclusive,
                [Ordering::Greater, Ordering::Equal],
                "at least",
            ),
            (
                &facets.max_inclusive,
                [Ordering::Less, Ordering::Equal],
                "at most",
            ),
            (
                &facets.min_exclusive,
                [Ordering::Greater, Ordering::Greater],
                "more than",
            ),
            (
                &facets.max_exclusive,
                [Ordering::Less, Ordering::Less],
                "less than",
            ),
        ];
        for (bound, allowed, words) in bounds {
            if let Some(bound) = bound {
                let order = self.compare(value, bound);
                if !order.is_some_and(|o| allowed.contains(&o)) {
                    return Err(format!(
                        "'{text}' is not {words} {bound}, as '{label}' requires"
                    ));
                }
            }
        }
        if !facets.enumeration.is_empty()
            && !facets
                .enumeration
                .iter()
                .any(|e| self.compare(value, e) == Some(Ordering::Equal))
        {
            let shown: Vec<&str> = facets
                .enumeration
                .iter()
                .take(12)
                .map(String::as_str)
                .collect();
            let more = if facets.enumeration.len() > 12 {
                ", ..."
            } else {
                ""
            };
            return Err(format!(
                "'{text}' is not one of the values of '{label}': {}{more}",
                shown.join(", ")
            ));
        }
        if !facets.patterns.is_empty() && !facets.patterns.iter().any(|p| p.is_match(text)) {
            let shown: Vec<&str> = facets.patterns.iter().map(Regex::as_str).collect();
            return Err(format!(
                "'{text}' does not match the pattern of '{label}': {}",
                shown.join(" | ")
            ));
        }
        Ok(())
    }

    /// Compares a value with a facet value written in the schema.
    fn compare(&self, value: Value<'_>, facet: &str) -> Option<Ordering> {
        match value {
            Value::Number(d) => Decimal::parse(facet.trim()).map(|f| d.cmp(&f)),
            Value::Temporal(t) => {
                let facet = collapse(facet);
                let other = match self.builtin {
                    Builtin::Date => parse_date(&facet),
                    Builtin::DateTime => parse_date_time(&facet),
                    Builtin::Time => parse_time(&facet),
                    Builtin::GYearMonth => parse_year_month(&facet),
                    Builtin::GYear => parse_year(&facet),
                    _ => None,
                }?;
                Some(t.cmp(&other))
            }
            Value::Text(t) => Some(t.cmp(facet)),
            Value::Octets(_) => None,
        }
    }

    /// Whether this type's values are numbers (for fixed-value comparison).
    pub fn is_numeric(&self) -> bool {
        self.builtin.is_numeric()
    }

    /// Whether `a` and `b` are the same value of this type (for `fixed`).
    pub fn same_value(&self, a: &str, b: &str) -> bool {
        if self.builtin.is_numeric() {
            let a = collapse(a);
            let b = collapse(b);
            return match (Decimal::parse(&a), Decimal::parse(&b)) {
                (Some(x), Some(y)) => x == y,
                _ => a == b,
            };
        }
        if self.builtin.preserves_whitespace() {
            a == b
        } else {
            collapse(a) == collapse(b)
        }
    }
}

fn is_ncname(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_') || !c.is_ascii())
}

/// Number of octets a base64 value decodes to, or `None` when it is not base64.
///
/// Follows libxml2, the test oracle: characters outside the base64 alphabet
/// (line breaks of wrapped values, but also any other) are skipped; what is
/// left must be whole quanta, padding last, with the unused bits zero.
fn base64_octets(text: &str) -> Option<usize> {
    let mut symbols = 0usize;
    let mut padding = 0usize;
    let mut last_data = 0u8;
    for b in text.bytes() {
        match b {
            b'=' => padding += 1,
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'+' | b'/' => {
                if padding > 0 {
                    return None;
                }
                symbols += 1;
                last_data = b;
            }
            _ => {}
        }
    }
    let whole = match padding {
        0 => symbols % 4 == 0,
        1 => symbols % 4 == 3,
        2 => symbols % 4 == 2,
        _ => false,
    };
    if !whole {
        return None;
    }
    // The bits that padding leaves unused must be zero.
    let index = match last_data {
        b'A'..=b'Z' => last_data - b'A',
        b'a'..=b'z' => last_data - b'a' + 26,
        b'0'..=b'9' => last_data - b'0' + 52,
        b'+' => 62,
        _ => 63,
    };
    let unused_ok = match padding {
        1 => index & 0b11 == 0,
        2 => index & 0b1111 == 0,
        _ => true,
    };
    unused_ok.then_some(symbols / 4 * 3 + [0, 2, 1][padding])
}

fn digits(text: &str, n: usize) -> Option<i64> {
    (text.len() == n && text.bytes().all(|b| b.is_ascii_digit())).then(|| text.parse().ok())?
}

/// Splits an optional time zone (`Z`, `+hh:mm`, `-hh:mm`) off the end.
fn strip_zone(text: &str) -> Option<&str> {
    if let Some(rest) = text.strip_suffix('Z') {
        return Some(rest);
    }
    if text.len() > 6 {
        let (rest, zone) = text.split_at(text.len() - 6);
        let bytes = zone.as_bytes();
        if (bytes[0] == b'+' || bytes[0] == b'-') && bytes[3] == b':' {
            let hours = digits(&zone[1..3], 2)?;
            let minutes = digits(&zone[4..6], 2)?;
            return (hours < 14 || hours == 14 && minutes == 0)
                .then_some(minutes < 60)
                .filter(|ok| *ok)
                .map(|_| rest);
        }
    }
    Some(text)
}

fn parse_year(text: &str) -> Option<[i64; 7]> {
    let text = strip_zone(text)?;
    let (negative, body) = match text.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, text),
    };
    if body.len() < 4
        || !body.bytes().all(|b| b.is_ascii_digit())
        || body.len() > 4 && body.starts_with('0')
    {
        return None;
    }
    let year: i64 = body.parse().ok()?;
    if year == 0 {
        return None;
    }
    Some([if negative { -year } else { year }, 0, 0, 0, 0, 0, 0])
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        _ => 31,
    }
}

fn parse_date_fields(text: &str) -> Option<[i64; 7]> {
    let (year_part, rest) = text.rsplit_once('-').and_then(|(a, day)| {
        let (year, month) = a.rsplit_once('-')?;
        Some((year, (month, day)))
    })?;
    let mut fields = parse_year(year_part)?;
    let month = digits(rest.0, 2)?;
    let day = digits(rest.1, 2)?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(fields[0], month) {
        return None;
    }
    fields[1] = month;
    fields[2] = day;
    Some(fields)
}

fn parse_date(text: &str) -> Option<[i64; 7]> {
    parse_date_fields(strip_zone(text)?)
}

fn parse_year_month(text: &str) -> Option<[i64; 7]> {
    let text = strip_zone(text)?;
    let (year, month) = text.rsplit_once('-')?;
    let mut fields = parse_year(year)?;
    let month = digits(month, 2)?;
    if !(1..=12).contains(&month) {
        return None;
    }
    fields[1] = month;
    Some(fields)
}

/// `hh:mm:ss(.s+)?` into hours, minutes, seconds and nanoseconds.
fn parse_clock(text: &str) -> Option<[i64; 4]> {
    let (clock, fraction) = text.split_once('.').unwrap_or((text, ""));
    let mut parts = clock.split(':');
    let hours = digits(parts.next()?, 2)?;
    let minutes = digits(parts.next()?, 2)?;
    let seconds = digits(parts.next()?, 2)?;
    if parts.next().is_some()
        || text.contains('.')
            && (fraction.is_empty() || !fraction.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let nanos: i64 = format!("{:0<9}", &fraction[..fraction.len().min(9)])
        .parse()
        .ok()?;
    let end_of_day = hours == 24 && minutes == 0 && seconds == 0 && nanos == 0;
    if !(hours < 24 && minutes < 60 && seconds < 60 || end_of_day) {
        return None;
    }
    Some([hours, minutes, seconds, nanos])
}

fn parse_time(text: &str) -> Option<[i64; 7]> {
    let [h, m, s, n] = parse_clock(strip_zone(text)?)?;
    Some([0, 0, 0, h, m, s, n])
}

fn parse_date_time(text: &str) -> Option<[i64; 7]> {
    let (date, clock) = strip_zone(text)?.split_once('T')?;
    let [y, mo, d, ..] = parse_date_fields(date)?;
    let [h, m, s, n] = parse_clock(clock)?;
    Some([y, mo, d, h, m, s, n])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn restricted(builtin: Builtin, facets: Facets) -> SimpleType {
        SimpleType {
            builtin,
            steps: vec![facets],
            label: "T".into(),
        }
    }

    #[test]
    fn decimals_compare_in_value_space() {
        let d = |s| Decimal::parse(s).unwrap();
        assert_eq!(d("033"), d("33"));
        assert_eq!(d("1.0"), d("1"));
        assert_eq!(d("-0.0"), d("0"));
        assert!(d("-2") < d("-1.5"));
        assert!(d("10") > d("9.999"));
        assert!(Decimal::parse("1.2.3").is_none());
        assert!(Decimal::parse("12 34").is_none());
        assert!(Decimal::parse("").is_none());
    }

    #[test]
    fn integer_types_and_digits() {
        let folio = restricted(
            Builtin::PositiveInteger,
            Facets {
                total_digits: Some(10),
                ..Facets::default()
            },
        );
        assert!(folio.check("  12 ").is_ok());
        let stamp = SimpleType::builtin(Builtin::Date, "xs:date");
        assert!(
            stamp.check(" 2019-04-01").is_err(),
            "libxml2 takes no blanks around dates"
        );
        assert!(folio.check("0").is_err());
        assert!(folio.check("1.0").is_err());
        assert!(folio.check("12 34").is_err());
        assert!(
            folio.check("00000000001").is_ok(),
            "leading zeros are not significant"
        );
        assert!(folio.check("12345678901").is_err());
        let tipo = restricted(
            Builtin::PositiveInteger,
            Facets {
                enumeration: vec!["33".into(), "61".into()],
                ..Facets::default()
            },
        );
        assert!(tipo.check("033").is_ok());
        assert!(tipo.check("34").is_err());
    }

    #[test]
    fn strings_count_characters_and_keep_whitespace() {
        let name = restricted(
            Builtin::String,
            Facets {
                max_length: Some(4),
                min_length: Some(1),
                ..Facets::default()
            },
        );
        assert!(name.check("Peña").is_ok());
        assert!(name.check(" Peña").is_err());
        assert!(name.check("").is_err());
    }

    #[test]
    fn patterns_apply_to_the_whole_value() {
        let rut = restricted(
            Builtin::String,
            Facets {
                patterns: vec![Regex::new("^(?:[0-9]+-([0-9]|K))$").unwrap()],
                ..Facets::default()
            },
        );
        assert!(rut.check("76354771-K").is_ok());
        assert!(rut.check("76354771-k").is_err());
        assert!(rut.check("x76354771-K").is_err());
    }

    #[test]
    fn dates_are_real_dates_with_bounds() {
        let fecha = restricted(
            Builtin::Date,
            Facets {
                min_inclusive: Some("2000-01-01".into()),
                max_inclusive: Some("2050-12-31".into()),
                ..Facets::default()
            },
        );
        assert!(fecha.check("2024-02-29").is_ok());
        assert!(fecha.check("2023-02-29").is_err());
        assert!(fecha.check("2019-13-01").is_err());
        assert!(fecha.check("1999-12-31").is_err());
        assert!(fecha.check("2024-1-01").is_err());
        let stamp = SimpleType::builtin(Builtin::DateTime, "xs:dateTime");
        assert!(stamp.check("2019-04-01T01:02:03").is_ok());
        assert!(stamp.check("2019-04-01T01:02:03.5-03:00").is_ok());
        assert!(stamp.check("2019-04-01 01:02:03").is_err());
        assert!(stamp.check("2019-04-01T25:02:03").is_err());
    }

    #[test]
    fn base64_allows_wrapped_lines_and_checks_padding() {
        let b64 = SimpleType::builtin(Builtin::Base64Binary, "xs:base64Binary");
        assert!(b64.check("QUJD\nREVG\n").is_ok());
        assert!(b64.check("QUI=").is_ok());
        assert!(b64.check("QUJ=").is_err(), "unused bits must be zero");
        assert!(b64.check("QUJ").is_err());
        assert!(
            b64.check("QU*D").is_err(),
            "three symbols are not a whole quantum"
        );
        assert!(
            b64.check("QU*JD").is_ok(),
            "libxml2 skips characters outside the alphabet"
        );
        assert!(b64.check("QUI=QUJD").is_err(), "data after padding");
        assert_eq!(base64_octets("QUJD REVG"), Some(6));
    }

    #[test]
    fn fixed_values_compare_by_type() {
        let version = SimpleType::builtin(Builtin::Decimal, "xs:decimal");
        assert!(version.same_value("1", "1.0"));
        let untyped = SimpleType::builtin(Builtin::AnySimpleType, "xs:anySimpleType");
        assert!(!untyped.same_value("1", "1.0"));
    }
}
