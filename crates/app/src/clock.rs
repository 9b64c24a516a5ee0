//! Injected time, so deadlines, sessions and audit stamps are testable.

use std::sync::atomic::{AtomicI64, Ordering};
use time::{Date, OffsetDateTime};

pub trait Clock: Send + Sync {
    /// Now, as unix milliseconds (UTC).
    fn now_ms(&self) -> i64;

    /// Today's date in Sweden. Swedish offices work in local time; the offset is taken as
    /// +01:00, and +02:00 in the EU summer-time window.
    fn today(&self) -> Date {
        let now = OffsetDateTime::from_unix_timestamp_nanos(self.now_ms() as i128 * 1_000_000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        let offset = if is_eu_summer_time(now) { 2 } else { 1 };
        (now + time::Duration::hours(offset)).date()
    }
}

/// True if the instant (unix ms) falls in EU summer time.
pub(crate) fn is_summer_time_ms(ms: i64) -> bool {
    OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000).is_ok_and(is_eu_summer_time)
}

/// Swedish local time's offset from UTC at an instant: 1 hour (CET) or 2 (CEST).
pub fn swedish_offset_hours(ms: i64) -> i64 {
    if is_summer_time_ms(ms) { 2 } else { 1 }
}

/// EU summer time: from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of
/// October.
fn is_eu_summer_time(now: OffsetDateTime) -> bool {
    let year = now.year();
    let last_sunday = |month: time::Month| {
        let mut day = Date::from_calendar_date(year, month, time::util::days_in_month(month, year))
            .expect("valid last day of month");
        while day.weekday() != time::Weekday::Sunday {
            day = day.previous_day().expect("not the first day");
        }
        day.with_hms(1, 0, 0).expect("valid time").assume_utc()
    };
    now >= last_sunday(time::Month::March) && now < last_sunday(time::Month::October)
}

/// The real clock.
#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        (OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
    }
}

/// A clock that stands still until moved; for tests.
#[derive(Debug)]
pub struct FixedClock(AtomicI64);

impl FixedClock {
    pub fn at_ms(ms: i64) -> Self {
        Self(AtomicI64::new(ms))
    }

    pub fn advance_ms(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for FixedClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn today_follows_swedish_local_time() {
        // 2026-06-30 22:30 UTC is already 1 July in Stockholm (UTC+2).
        let clock = FixedClock::at_ms(1_782_858_600_000);
        assert_eq!(clock.today().to_string(), "2026-07-01");
        // 2026-01-31 23:30 UTC is 1 February in Stockholm (UTC+1).
        let clock = FixedClock::at_ms(1_769_902_200_000);
        assert_eq!(clock.today().to_string(), "2026-02-01");
    }
}
