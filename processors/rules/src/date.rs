//! Calendar dates as DTEs write them (`2019-08-08`), for the date rules.
//!
//! Only what the rules need: reading `xs:date` and the date part of
//! `xs:dateTime`, comparing, and building today's date from the clock.

use std::fmt;

/// A proleptic Gregorian date. Ordered by time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: i32,
    month: u8,
    day: u8,
}

impl Date {
    /// A date, if it exists in the calendar.
    pub fn from_ymd(year: i32, month: u8, day: u8) -> Option<Date> {
        Date::const_ymd(year, month, day)
    }

    /// [`Date::from_ymd`] for constants.
    pub(crate) const fn const_ymd(year: i32, month: u8, day: u8) -> Option<Date> {
        if month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date { year, month, day })
    }

    /// Reads `YYYY-MM-DD` (surrounding whitespace allowed). A time zone suffix
    /// is not accepted: the SII's `FechaType` has none.
    pub fn parse(text: &str) -> Option<Date> {
        let bytes = text.trim_ascii().as_bytes();
        if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
            return None;
        }
        let year = digits(&bytes[0..4])?;
        let month = digits(&bytes[5..7])?;
        let day = digits(&bytes[8..10])?;
        Date::from_ymd(
            i32::try_from(year).ok()?,
            u8::try_from(month).ok()?,
            u8::try_from(day).ok()?,
        )
    }

    /// The date part of an `xs:dateTime` such as `TmstFirma`
    /// (`2019-08-09T09:41:09`).
    pub fn parse_date_time(text: &str) -> Option<Date> {
        let text = text.trim_ascii();
        let (date, time) = text.split_once('T')?;
        (!time.is_empty()).then_some(())?;
        Date::parse(date)
    }

    /// The UTC date of a Unix timestamp in seconds, e.g. from
    /// `SystemTime::now()`. Chile's offset is at most four hours, so the UTC
    /// date is the local one or the next.
    pub fn from_unix_seconds(seconds: i64) -> Date {
        civil_from_days(seconds.div_euclid(86_400))
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn month(self) -> u8 {
        self.month
    }

    pub fn day(self) -> u8 {
        self.day
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn digits(bytes: &[u8]) -> Option<u32> {
    bytes.iter().try_fold(0u32, |acc, &b| {
        b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
    })
}

const fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

const fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 to a date. Counts in 400-year eras of 146,097 days,
/// with years starting on 1 March so the leap day falls at the end of a year.
fn civil_from_days(days: i64) -> Date {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    Date {
        year: i32::try_from(year).unwrap_or(i32::MAX),
        month: u8::try_from(month).unwrap_or(1),
        day: u8::try_from(day).unwrap_or(1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_dates_and_refuses_impossible_ones() {
        let date = Date::parse("2019-08-08").unwrap();
        assert_eq!((date.year(), date.month(), date.day()), (2019, 8, 8));
        assert_eq!(Date::parse(" 2020-02-29 "), Date::from_ymd(2020, 2, 29));
        for bad in [
            "2019-02-29",
            "2019-13-01",
            "2019-00-10",
            "2019-8-8",
            "20190808",
            "2019-08-08Z",
        ] {
            assert_eq!(Date::parse(bad), None, "{bad:?} was read");
        }
        assert_eq!(
            Date::parse_date_time("2019-08-09T09:41:09"),
            Date::from_ymd(2019, 8, 9)
        );
        assert_eq!(Date::parse_date_time("2019-08-09"), None);
    }

    #[test]
    fn unix_days_to_dates() {
        assert_eq!(Date::from_unix_seconds(0).to_string(), "1970-01-01");
        assert_eq!(
            Date::from_unix_seconds(951_782_400).to_string(),
            "2000-02-29"
        );
        assert_eq!(
            Date::from_unix_seconds(1_565_343_669).to_string(),
            "2019-08-09"
        );
        assert_eq!(Date::from_unix_seconds(-1).to_string(), "1969-12-31");
    }
}
