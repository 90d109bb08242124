//! Calendar arithmetic for the dates and timestamps inside a DTE (`FchEmis`,
//! `TmstFirma`, the TED's `TSTED`). The SII's timestamps carry no zone; they
//! are read as local time and counted from 1970-01-01.

/// Seconds in a day.
pub(crate) const DAY: i64 = 86_400;

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub(crate) fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn digits(text: &str) -> Option<i64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// Reads `YYYY-MM-DD` as days since 1970-01-01.
pub(crate) fn parse_date(text: &str) -> Option<i64> {
    let text = text.trim_ascii();
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let year = digits(&text[0..4])?;
    let month = digits(&text[5..7])?;
    let day = digits(&text[8..10])?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    Some(days_from_civil(year, month, day))
}

/// Reads `YYYY-MM-DDTHH:MM:SS` as seconds since 1970-01-01T00:00:00.
pub(crate) fn parse_timestamp(text: &str) -> Option<i64> {
    let text = text.trim_ascii();
    let (date, time) = text.split_once('T')?;
    let days = parse_date(date)?;
    let mut parts = time.split(':');
    let hour = digits(parts.next()?)?;
    let minute = digits(parts.next()?)?;
    let second = parts.next().map_or(Some(0), |s| digits(s.get(..2)?))?;
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    Some(days * DAY + hour * 3600 + minute * 60 + second)
}

/// Hour of the day, 0 to 23.
pub(crate) fn hour(seconds: i64) -> usize {
    (seconds.rem_euclid(DAY) / 3600) as usize
}

/// Day of the week, 0 = Monday to 6 = Sunday.
pub(crate) fn weekday(seconds: i64) -> usize {
    (seconds.div_euclid(DAY) + 3).rem_euclid(7) as usize
}

/// English name of a weekday from [`weekday`].
pub(crate) fn weekday_name(day: usize) -> &'static str {
    [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ][day.min(6)]
}

/// Minutes since 2000-01-01, which fit in a `u32` until the 2100s; 0 before.
pub(crate) fn minutes_since_2000(seconds: i64) -> u32 {
    const EPOCH_2000: i64 = 10_957 * DAY;
    ((seconds - EPOCH_2000).max(0) / 60).min(i64::from(u32::MAX)) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_count_from_1970() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(parse_date("2024-02-29"), Some(days_from_civil(2024, 2, 29)));
        assert_eq!(parse_date("2024-2-29"), None);
    }

    #[test]
    fn timestamps_give_hour_and_weekday() {
        let t = parse_timestamp("2025-03-03T08:01:34").unwrap_or_default();
        assert_eq!(hour(t), 8);
        // 2025-03-03 was a Monday.
        assert_eq!(weekday(t), 0);
        assert_eq!(parse_timestamp("2025-03-03 08:01:34"), None);
        assert_eq!(parse_timestamp("2025-03-03T25:01:34"), None);
    }
}
