//! Calendar dates and intervals as the trust repo writes them (`2026-08-01`, `90d`).
//!
//! Dates are civil days with no time zone: SOC 2 evidence is judged by the day.
//! Both types parse from text and serialise back to the same text, so JSON output
//! and the files a user writes use one spelling.

use crate::Error;
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};
use std::fmt;
use std::str::FromStr;

/// A calendar day, written `YYYY-MM-DD`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(jiff::civil::Date);

impl Date {
    /// The earliest day the calendar knows.
    pub const MIN: Date = Date(jiff::civil::Date::MIN);

    pub fn new(year: i16, month: i8, day: i8) -> Option<Date> {
        jiff::civil::Date::new(year, month, day).ok().map(Date)
    }

    /// The day `days` after this one (negative goes back); saturates at the calendar's ends.
    pub fn add_days(self, days: i64) -> Date {
        let span = jiff::Span::new().days(days.clamp(-7_000_000, 7_000_000));
        Date(self.0.checked_add(span).unwrap_or(if days < 0 {
            jiff::civil::Date::MIN
        } else {
            jiff::civil::Date::MAX
        }))
    }

    /// Whole days from `self` to `later` (negative when `later` is earlier).
    pub fn days_until(self, later: Date) -> i64 {
        // Civil dates span at most ±10,000 years, so whole days always fit.
        later
            .0
            .since((jiff::Unit::Day, self.0))
            .map_or(0, |span| i64::from(span.get_days()))
    }

    pub fn year(self) -> i16 {
        self.0.year()
    }

    pub fn month(self) -> i8 {
        self.0.month()
    }

    pub fn day(self) -> i8 {
        self.0.day()
    }

    /// Days since the Monday of this day's week (Monday 0, Sunday 6).
    pub fn days_from_monday(self) -> i64 {
        i64::from(self.0.weekday().to_monday_zero_offset())
    }

    /// The ISO 8601 week this day falls in: (week-numbering year, week 1..=53).
    pub fn iso_week(self) -> (i16, i8) {
        let w = self.0.iso_week_date();
        (w.year(), w.week())
    }

    /// The first day of this day's month.
    pub fn first_of_month(self) -> Date {
        Date(self.0.first_of_month())
    }

    /// The first day of the month `months` after this day's month (negative goes back).
    pub fn first_of_month_plus(self, months: i32) -> Date {
        let index = i32::from(self.year()) * 12 + i32::from(self.month()) - 1 + months;
        let (year, month) = (index.div_euclid(12), index.rem_euclid(12) + 1);
        Date::new(year as i16, month as i8, 1).unwrap_or(self)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl FromStr for Date {
    type Err = Error;

    fn from_str(s: &str) -> Result<Date, Error> {
        let t = s.trim();
        let well_formed = t.len() == 10
            && t.bytes().enumerate().all(|(i, b)| {
                if i == 4 || i == 7 {
                    b == b'-'
                } else {
                    b.is_ascii_digit()
                }
            });
        if !well_formed {
            return Err(Error::NotADate(t.into()));
        }
        t.parse::<jiff::civil::Date>()
            .map(Date)
            .map_err(|_| Error::NoSuchDay(t.into()))
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        d.deserialize_any(TextVisitor::<Date>::new("a date written YYYY-MM-DD"))
    }
}

/// A moment in UTC to the second, written `2026-11-23T10:15:00Z` (RFC 3339): when
/// evidence was collected, and the "as of" moment status is judged at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(jiff::Timestamp);

/// 1970-01-01, day zero of Unix time.
const EPOCH: Date = Date(jiff::civil::date(1970, 1, 1));

impl Instant {
    /// Seconds since 1970-01-01T00:00:00Z; `None` outside the calendar's range.
    pub fn from_unix(seconds: i64) -> Option<Instant> {
        jiff::Timestamp::from_second(seconds).ok().map(Instant)
    }

    pub fn unix(self) -> i64 {
        self.0.as_second()
    }

    /// The first second of `day`.
    pub fn start_of(day: Date) -> Instant {
        let days = EPOCH.days_until(day);
        Instant::from_unix(days * 86_400).unwrap_or(Instant(jiff::Timestamp::MIN))
    }

    /// The last second of `day`: "as of 2026-11-23" sees everything recorded that day.
    pub fn end_of(day: Date) -> Instant {
        Instant::from_unix(Instant::start_of(day).unix() + 86_399).unwrap_or(Instant::start_of(day))
    }

    /// The calendar day (UTC) this instant falls on.
    pub fn date(self) -> Date {
        EPOCH.add_days(self.unix().div_euclid(86_400))
    }

    /// Whole seconds from `earlier` to `self` (negative when `earlier` is later).
    pub fn seconds_since(self, earlier: Instant) -> i64 {
        self.unix() - earlier.unix()
    }

    /// The instant `seconds` later, saturating at the calendar's end.
    pub fn plus(self, seconds: u64) -> Instant {
        let s = self
            .unix()
            .saturating_add(i64::try_from(seconds).unwrap_or(i64::MAX));
        Instant::from_unix(s).unwrap_or(Instant(jiff::Timestamp::MAX))
    }
}

impl fmt::Display for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.strftime("%Y-%m-%dT%H:%M:%SZ"))
    }
}

impl FromStr for Instant {
    type Err = Error;

    fn from_str(s: &str) -> Result<Instant, Error> {
        s.trim()
            .parse::<jiff::Timestamp>()
            .map(Instant)
            .map_err(|_| Error::NotAMoment(s.into()))
    }
}

impl Serialize for Instant {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A length of time written as a number and a unit: `30s`, `5m`, `12h`, `30d`,
/// `2w`, `1y` (365 days).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Interval {
    secs: u64,
}

const HOUR: u64 = 3600;

impl Interval {
    pub fn days(days: u32) -> Interval {
        Interval {
            secs: u64::from(days) * 24 * HOUR,
        }
    }

    pub fn seconds(self) -> u64 {
        self.secs
    }

    pub fn hours(self) -> u32 {
        (self.secs / HOUR) as u32
    }

    /// Whole days, rounding up: an interval of 12h still needs fresh evidence every day.
    pub fn whole_days(self) -> i64 {
        self.secs.div_ceil(24 * HOUR) as i64
    }
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.secs;
        if !s.is_multiple_of(60) {
            return write!(f, "{s}s");
        }
        if !s.is_multiple_of(HOUR) {
            return write!(f, "{}m", s / 60);
        }
        let h = s / HOUR;
        if !h.is_multiple_of(24) {
            write!(f, "{h}h")
        } else if h.is_multiple_of(24 * 365) {
            write!(f, "{}y", h / (24 * 365))
        } else if h.is_multiple_of(24 * 7) {
            write!(f, "{}w", h / (24 * 7))
        } else {
            write!(f, "{}d", h / 24)
        }
    }
}

impl FromStr for Interval {
    type Err = Error;

    fn from_str(s: &str) -> Result<Interval, Error> {
        let t = s.trim();
        let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
        let (num, unit) = t.split_at(split);
        let n: u64 = num.parse().map_err(|_| Error::NotAnInterval(t.into()))?;
        let per = match unit {
            "s" => 1,
            "m" => 60,
            "h" => HOUR,
            "d" => 24 * HOUR,
            "w" => 24 * 7 * HOUR,
            "y" => 24 * 365 * HOUR,
            _ => return Err(Error::NoUnit(t.into())),
        };
        if n == 0 {
            return Err(Error::ZeroInterval(t.into()));
        }
        let secs = n
            .checked_mul(per)
            .filter(|s| *s <= 24 * 365 * 100 * HOUR)
            .ok_or_else(|| Error::TooLong(t.into()))?;
        Ok(Interval { secs })
    }
}

impl Serialize for Interval {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Interval {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Interval, D::Error> {
        d.deserialize_any(TextVisitor::<Interval>::new("an interval such as 30d"))
    }
}

/// Accepts a value written as text. TOML hands native dates (`last = 2026-08-01`)
/// to serde as a one-entry map, so that shape is read too.
struct TextVisitor<T> {
    expecting: &'static str,
    _t: std::marker::PhantomData<T>,
}

impl<T> TextVisitor<T> {
    fn new(expecting: &'static str) -> Self {
        TextVisitor {
            expecting,
            _t: std::marker::PhantomData,
        }
    }
}

impl<'de, T: FromStr<Err = Error>> de::Visitor<'de> for TextVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.expecting)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        v.parse().map_err(E::custom)
    }

    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        match map.next_entry::<String, String>()? {
            Some((_, text)) => text.parse().map_err(de::Error::custom),
            None => Err(de::Error::custom(format!("expected {}", self.expecting))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_print_and_count() {
        let d: Date = "2026-08-01".parse().unwrap();
        assert_eq!(d.to_string(), "2026-08-01");
        assert_eq!(d.add_days(31).to_string(), "2026-09-01");
        assert_eq!(d.days_until("2026-11-23".parse().unwrap()), 114);
        assert!("2026-02-30".parse::<Date>().is_err());
        assert!("2026-8-1".parse::<Date>().is_err());
        assert!("tomorrow".parse::<Date>().is_err());
    }

    #[test]
    fn instants_parse_print_and_bound_days() {
        let t: Instant = "2026-11-23T10:15:00Z".parse().unwrap();
        assert_eq!(t.to_string(), "2026-11-23T10:15:00Z");
        let day: Date = "2026-11-23".parse().unwrap();
        assert_eq!(t.date(), day);
        assert_eq!(Instant::start_of(day).to_string(), "2026-11-23T00:00:00Z");
        assert_eq!(Instant::end_of(day).to_string(), "2026-11-23T23:59:59Z");
        assert_eq!(t.seconds_since(Instant::start_of(day)), 36_900);
        assert_eq!(t.plus(3600).to_string(), "2026-11-23T11:15:00Z");
        assert!("2026-11-23".parse::<Instant>().is_err());
    }

    #[test]
    fn intervals_round_trip() {
        for (text, hours) in [("12h", 12), ("30d", 720), ("2w", 336), ("1y", 8760)] {
            let i: Interval = text.parse().unwrap();
            assert_eq!(i.hours(), hours);
            assert_eq!(i.to_string(), text);
        }
        assert_eq!("14d".parse::<Interval>().unwrap().to_string(), "2w");
        assert_eq!("36h".parse::<Interval>().unwrap().whole_days(), 2);
        for (text, secs) in [("30s", 30), ("5m", 300), ("90s", 90)] {
            let i: Interval = text.parse().unwrap();
            assert_eq!(i.seconds(), secs);
            assert_eq!(i.to_string(), text);
        }
        for bad in ["", "d", "30", "30x", "-3d", "0d", "999999y"] {
            assert!(bad.parse::<Interval>().is_err(), "{bad} should not parse");
        }
    }
}
