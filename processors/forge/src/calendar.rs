//! Dates and timestamps the forge writes (`FchEmis`, `TmstFirma`, the CAF's
//! `FA`), counted in days and seconds so the forge's clock can move forward
//! by plain addition.

use std::fmt;

/// A calendar date, as days since 1970-01-01.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(i64);

/// A local time of day to the second, as seconds since 1970-01-01T00:00:00.
/// The SII's timestamps carry no zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Date {
    /// The date `year-month-day`, or `None` when there is no such day.
    pub fn ymd(year: i32, month: u32, day: u32) -> Option<Self> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Self(days_from_civil(year, month, day)))
    }

    /// The date `year-month-day`, which the caller knows exists; for
    /// constants.
    pub const fn from_civil(year: i32, month: u32, day: u32) -> Self {
        Self(days_from_civil(year, month, day))
    }

    /// Reads `YYYY-MM-DD`.
    pub fn parse(text: &str) -> Option<Self> {
        let mut parts = text.split('-');
        let year = parts.next()?.parse().ok()?;
        let month = parts.next()?.parse().ok()?;
        let day = parts.next()?.parse().ok()?;
        if parts.next().is_some() {
            return None;
        }
        Self::ymd(year, month, day)
    }

    /// The date `days` later (earlier when negative).
    pub fn plus_days(self, days: i64) -> Self {
        Self(self.0 + days)
    }

    /// Days from `earlier` to `self`.
    pub fn days_since(self, earlier: Date) -> i64 {
        self.0 - earlier.0
    }

    /// The same day `months` earlier, or that month's last day when it is
    /// shorter.
    pub fn minus_months(self, months: u32) -> Self {
        let (year, month, day) = civil_from_days(self.0);
        let index = i64::from(year) * 12 + i64::from(month) - 1 - i64::from(months);
        let year = index.div_euclid(12) as i32;
        let month = index.rem_euclid(12) as u32 + 1;
        let day = day.min(days_in_month(year, month));
        Self(days_from_civil(year, month, day))
    }

    /// The moment `seconds_of_day` after this date's midnight.
    pub fn at(self, seconds_of_day: i64) -> Timestamp {
        Timestamp(self.0 * 86_400 + seconds_of_day)
    }

    /// The year of the date.
    pub fn year(self) -> i32 {
        civil_from_days(self.0).0
    }

    /// Year, month (1..=12) and day of the month.
    pub fn civil(self) -> (i32, u32, u32) {
        civil_from_days(self.0)
    }

    /// The day of the week, 0 for Monday to 6 for Sunday.
    pub fn weekday(self) -> u32 {
        // 1970-01-01 was a Thursday.
        (self.0 + 3).rem_euclid(7) as u32
    }
}

impl Timestamp {
    /// The day the moment falls on.
    pub fn date(self) -> Date {
        Date(self.0.div_euclid(86_400))
    }

    /// The moment `seconds` later.
    pub fn plus_seconds(self, seconds: i64) -> Self {
        Self(self.0 + seconds)
    }

    /// Seconds since the day's midnight.
    pub fn seconds_of_day(self) -> i64 {
        self.0.rem_euclid(86_400)
    }

    /// Seconds from `earlier` to `self`.
    pub fn seconds_since(self, earlier: Timestamp) -> i64 {
        self.0 - earlier.0
    }

    /// `YYMMDDhhmmssZ`, the UTCTime of X.509 validity dates.
    pub fn utc_time(self) -> String {
        let (year, month, day) = civil_from_days(self.date().0);
        let s = self.0.rem_euclid(86_400);
        format!(
            "{:02}{:02}{:02}{:02}{:02}{:02}Z",
            year.rem_euclid(100),
            month,
            day,
            s / 3600,
            s / 60 % 60,
            s % 60
        )
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (year, month, day) = civil_from_days(self.0);
        write!(f, "{year:04}-{month:02}-{day:02}")
    }
}

impl fmt::Display for Timestamp {
    /// `YYYY-MM-DDThh:mm:ss`, the SII's `FechaHoraType`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0.rem_euclid(86_400);
        write!(
            f,
            "{}T{:02}:{:02}:{:02}",
            self.date(),
            s / 3600,
            s / 60 % 60,
            s % 60
        )
    }
}

fn is_leap(year: i32) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date, counting in 400-year
/// eras that start on March 1st so February's length falls at the end.
const fn days_from_civil(year: i32, month: u32, day: u32) -> i64 {
    let y = year as i64 - if month <= 2 { 1 } else { 0 };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = month as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(days: i64) -> (i32, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_through_day_counts() {
        for text in [
            "1970-01-01",
            "2000-02-29",
            "2019-08-08",
            "2024-12-31",
            "2050-12-31",
        ] {
            assert_eq!(
                Date::parse(text).map(|d| d.to_string()).as_deref(),
                Some(text)
            );
        }
        assert!(Date::parse("2023-02-29").is_none());
        let d = Date::ymd(2019, 8, 31).unwrap_or(Date(0));
        assert_eq!(d.minus_months(6).to_string(), "2019-02-28");
        assert_eq!(d.plus_days(1).to_string(), "2019-09-01");
        assert_eq!(Date::from_civil(2026, 1, 5).weekday(), 0);
        assert_eq!(Date::from_civil(2026, 1, 4).weekday(), 6);
        assert_eq!(d.civil(), (2019, 8, 31));
    }

    #[test]
    fn timestamps_write_as_the_sii_does() {
        let t = Date::ymd(2019, 8, 9)
            .unwrap_or(Date(0))
            .at(9 * 3600 + 41 * 60 + 9);
        assert_eq!(t.to_string(), "2019-08-09T09:41:09");
        assert_eq!(t.utc_time(), "190809094109Z");
        assert_eq!(t.plus_seconds(86_400).date().to_string(), "2019-08-10");
    }
}
