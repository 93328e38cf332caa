//! Dates: any of a file's formats to ISO, a timestamp as its day, a birth date no calendar
//! has as written, a birth date given in part.

/// Parse a date in any of the listed chrono formats to ISO `YYYY-MM-DD`.
pub fn date(raw: &str, formats: &[String]) -> Option<String> {
    let raw = raw.trim();
    // Fast path for ISO dates, the common case, without chrono's format parser.
    let b = raw.as_bytes();
    if b.len() == 10 && b[4] == b'-' && b[7] == b'-' && formats.iter().any(|f| f == "%Y-%m-%d") {
        let num = |s: &str| s.parse::<u32>().ok();
        if let (Some(y), Some(m), Some(d)) = (num(&raw[0..4]), num(&raw[5..7]), num(&raw[8..10]))
            && chrono::NaiveDate::from_ymd_opt(y as i32, m, d).is_some()
        {
            return Some(raw.to_string());
        }
    }
    read_date(raw, formats).map(|(d, _)| d.format("%Y-%m-%d").to_string())
}

/// `raw` read by `formats`, or, a timestamp as databases and APIs export one ("2024-05-01
/// 13:45:00", "2024-05-01T13:45:00Z", "5/1/2024 1:45 PM"), its date before the time of day.
pub(super) fn read_date<'f>(
    raw: &str,
    formats: &'f [String],
) -> Option<(chrono::NaiveDate, &'f str)> {
    read_by(raw, formats).or_else(|| read_by(without_time_of_day(raw)?, formats))
}

/// The text before a time of day: a space or a "T" followed by one or two digits and ":".
pub(super) fn without_time_of_day(raw: &str) -> Option<&str> {
    raw.char_indices()
        .filter(|&(i, c)| i > 0 && (c == ' ' || c == 'T'))
        .find_map(|(i, _)| {
            let rest = raw[i + 1..].trim_start();
            let hours = rest.bytes().take_while(u8::is_ascii_digit).count();
            ((1..=2).contains(&hours) && rest.as_bytes().get(hours) == Some(&b':'))
                .then(|| raw[..i].trim_end())
        })
}

/// The date the first of `formats` that reads `raw` gives, and that format. A year read
/// from fewer than four digits under `%Y` is no reading: `%Y` takes "45" as the year 45,
/// where a later `%y` would read 1945 or 2045 ("0650", written so, is the year 650).
pub(super) fn read_by<'f>(
    raw: &str,
    formats: &'f [String],
) -> Option<(chrono::NaiveDate, &'f str)> {
    use chrono::Datelike;
    formats.iter().find_map(|f| {
        chrono::NaiveDate::parse_from_str(raw, f)
            .ok()
            .filter(|d| {
                !f.contains("%Y") || d.year() >= 1000 || raw.contains(&format!("{:04}", d.year()))
            })
            .map(|d| (d, f.as_str()))
    })
}

/// A date of birth as `date` reads it, but a two-digit year (a format's `%y`: "03/02/45",
/// which chrono reads as 2045) in the century that puts it on or before `today`: nobody
/// is born in the future.
pub fn birth_date(raw: &str, formats: &[String], today: chrono::NaiveDate) -> Option<String> {
    use chrono::Datelike;
    let read = date(raw, formats)?;
    match read_date(raw.trim(), formats) {
        Some((born, format)) if format.contains("%y") && born > today => Some(
            born.with_year(born.year() - 100)
                .map_or(read, |d| d.format("%Y-%m-%d").to_string()),
        ),
        _ => Some(read),
    }
}

/// A date no calendar has, read by one of the formats as its year, month and day
/// ("1950 2 30" under "%Y %m %d" -> "1950-02-30"), for matching alone: one mistyped digit
/// ("1950-02-20") or a day and month the wrong way round make such dates, and they still
/// say which person wrote them. Read only where the year is a year and exactly one of the
/// month and day is out of range, so placeholders ("9999-99-99", "0000-00-00") stay
/// unread; formats with anything but `%Y`, `%m`, `%d` and literal characters are skipped.
pub fn date_as_written(raw: &str, formats: &[String]) -> Option<String> {
    let raw = raw.trim();
    formats.iter().find_map(|format| {
        let (year, month, day) = match read_date_parts(raw, format)? {
            (Some(year), Some(month), Some(day)) => (year, month, day),
            _ => return None,
        };
        let month_in_range = (1..=12).contains(&month);
        let day_in_range = (1..=31).contains(&day)
            && (!month_in_range
                || chrono::NaiveDate::from_ymd_opt(year as i32, month, day).is_some());
        (PLAUSIBLE_YEARS.contains(&year) && month_in_range != day_in_range)
            .then(|| format!("{year:04}-{month:02}-{day:02}"))
    })
}

/// The numbers `%Y` (four digits), `%m` and `%d` (one or two) read from `raw` in the
/// format's layout, every other character of the format matched as written (a space as
/// any run of spaces); a part the format does not hold is `None`.
type DateParts = (Option<u32>, Option<u32>, Option<u32>);
pub(super) fn read_date_parts(raw: &str, format: &str) -> Option<DateParts> {
    let (mut year, mut month, mut day) = (None, None, None);
    let mut rest = raw.as_bytes();
    let mut spec = format.as_bytes();
    while let Some((&c, after)) = spec.split_first() {
        if c == b'%' {
            let (&kind, after) = after.split_first()?;
            let (min, max, slot) = match kind {
                b'Y' => (4, 4, &mut year),
                b'm' => (1, 2, &mut month),
                b'd' => (1, 2, &mut day),
                _ => return None,
            };
            let digits = rest
                .iter()
                .take(max)
                .take_while(|b| b.is_ascii_digit())
                .count();
            if digits < min {
                return None;
            }
            let number = rest[..digits]
                .iter()
                .fold(0, |n, b| n * 10 + u32::from(b - b'0'));
            *slot = Some(number);
            rest = &rest[digits..];
            spec = after;
        } else if c == b' ' {
            let spaces = rest.iter().take_while(|b| b.is_ascii_whitespace()).count();
            if spaces == 0 {
                return None;
            }
            rest = &rest[spaces..];
            spec = after;
        } else {
            rest = rest.strip_prefix(&[c])?;
            spec = after;
        }
    }
    rest.is_empty().then_some(())?;
    Some((year, month, day))
}

/// A birth date a file gives only in part, as matching compares it: a year ("1985" ->
/// "1985"), or a year and month under a configured format without a day ("03/1985" under
/// "%m/%Y" -> "1985-03"). A bare four-digit year is read whatever the formats: it can be
/// nothing else. Compared as far as it goes (the year, or the year and month), never
/// shown as a date.
pub fn partial_date(raw: &str, formats: &[String]) -> Option<String> {
    let raw = raw.trim();
    let year_only = String::from("%Y");
    std::iter::once(&year_only)
        .chain(formats.iter().filter(|f| !f.contains("%d")))
        .find_map(|format| match read_date_parts(raw, format)? {
            (Some(year), None, None) if PLAUSIBLE_YEARS.contains(&year) => {
                Some(format!("{year:04}"))
            }
            (Some(year), Some(month), None)
                if PLAUSIBLE_YEARS.contains(&year) && (1..=12).contains(&month) =>
            {
                Some(format!("{year:04}-{month:02}"))
            }
            _ => None,
        })
}

/// Years a date of birth can be written with (as `date_as_written` reads them too).
pub(super) const PLAUSIBLE_YEARS: std::ops::RangeInclusive<u32> = 1000..=2999;
