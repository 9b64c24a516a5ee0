//! Reminders: when a person's digest of report deadlines is due, what it lists, and the key that
//! makes every digest go out once however many servers schedule it.
//!
//! A digest is due at 07:00 Swedish time, every day or every Monday as the person chose. It lists
//! the active reports the person writes or approves whose deadline is near or passed; a person
//! with nothing to do gets no e-mail.

use serde::{Deserialize, Serialize};
use time::{Date, Duration, PrimitiveDateTime, Time, Weekday};

/// The hour (Swedish time) a digest is sent: before the working day starts.
pub const SEND_HOUR: u8 = 7;

/// How often a person gets the digest.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DigestFrequency {
    #[default]
    Daily,
    /// Mondays.
    Weekly,
    Off,
}

impl DigestFrequency {
    pub const ALL: [DigestFrequency; 3] = [
        DigestFrequency::Daily,
        DigestFrequency::Weekly,
        DigestFrequency::Off,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DigestFrequency::Daily => "daily",
            DigestFrequency::Weekly => "weekly",
            DigestFrequency::Off => "off",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == value)
    }

    /// How far ahead a digest looks: a weekly one covers the days until the next one and a week
    /// more, so no deadline falls between two digests unannounced.
    pub fn horizon_days(self) -> i64 {
        match self {
            DigestFrequency::Daily => 7,
            DigestFrequency::Weekly | DigestFrequency::Off => 14,
        }
    }
}

/// One sending of a digest: the day it belongs to and the key that names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slot {
    /// The day the digest was due (Swedish date): its deadlines are counted from it.
    pub day: Date,
    /// `2026-11-24` for a daily digest, `2026-W48` for a weekly one.
    pub key: String,
}

/// The latest digest due at `local` (Swedish time): today's (or this Monday's) from 07:00, else
/// the one before. None if the person chose no reminders. A server that was down sends the
/// latest missed digest when it starts again, not every one it missed.
pub fn current_slot(frequency: DigestFrequency, local: PrimitiveDateTime) -> Option<Slot> {
    let send = Time::from_hms(SEND_HOUR, 0, 0).expect("a valid hour");
    let mut day = if local.time() >= send {
        local.date()
    } else {
        local.date() - Duration::days(1)
    };
    match frequency {
        DigestFrequency::Off => None,
        DigestFrequency::Daily => Some(Slot {
            day,
            key: day.to_string(),
        }),
        DigestFrequency::Weekly => {
            while day.weekday() != Weekday::Monday {
                day = day - Duration::days(1);
            }
            let (year, week, _) = day.to_iso_week_date();
            Some(Slot {
                day,
                key: format!("{year}-W{week:02}"),
            })
        }
    }
}

/// The idempotency key of a person's digest for a slot: enqueueing it twice does nothing.
pub fn digest_key(user: crate::UserId, frequency: DigestFrequency, slot: &Slot) -> String {
    format!("reminder-digest:{user}:{}:{}", frequency.as_str(), slot.key)
}

/// What a person must do with a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Task {
    /// Write: `ready` of `sections` sections are marked ready.
    Write { ready: usize, sections: usize },
    /// Every section is ready: the manager approves or sends the report back.
    Approve,
}

/// A report in a digest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigestItem {
    pub report_id: String,
    pub title: String,
    pub unit_name: String,
    pub deadline: Date,
    pub task: Task,
}

impl DigestItem {
    /// Days from `today` to the deadline; negative once it has passed.
    pub fn days_left(&self, today: Date) -> i64 {
        (self.deadline - today).whole_days()
    }
}

/// Whether a deadline belongs in a digest of `day`: passed, or within the horizon.
pub fn is_due_soon(deadline: Date, day: Date, frequency: DigestFrequency) -> bool {
    (deadline - day).whole_days() <= frequency.horizon_days()
}

/// The items in the order a reader wants them: the most overdue first, then by deadline, then
/// by title.
pub fn sort_items(items: &mut [DigestItem]) {
    items.sort_by(|a, b| {
        a.deadline
            .cmp(&b.deadline)
            .then_with(|| a.title.cmp(&b.title))
            .then_with(|| a.unit_name.cmp(&b.unit_name))
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn a_daily_digest_belongs_to_the_day_from_seven() {
        let before = current_slot(DigestFrequency::Daily, datetime!(2026-11-24 06:59)).unwrap();
        assert_eq!(before.key, "2026-11-23");
        let at = current_slot(DigestFrequency::Daily, datetime!(2026-11-24 07:00)).unwrap();
        assert_eq!(at.key, "2026-11-24");
        assert_eq!(
            current_slot(DigestFrequency::Off, datetime!(2026-11-24 12:00)),
            None
        );
    }

    #[test]
    fn a_weekly_digest_belongs_to_monday_from_seven() {
        // 2026-11-23 is a Monday, in ISO week 48.
        let monday = current_slot(DigestFrequency::Weekly, datetime!(2026-11-23 07:00)).unwrap();
        assert_eq!(
            (monday.day.to_string().as_str(), monday.key.as_str()),
            ("2026-11-23", "2026-W48")
        );
        let sunday = current_slot(DigestFrequency::Weekly, datetime!(2026-11-29 23:00)).unwrap();
        assert_eq!(sunday.key, "2026-W48");
        let early_monday =
            current_slot(DigestFrequency::Weekly, datetime!(2026-11-23 06:00)).unwrap();
        assert_eq!(early_monday.key, "2026-W47");
        // The ISO year differs from the calendar year at the turn of the year.
        let new_year = current_slot(DigestFrequency::Weekly, datetime!(2027-01-01 12:00)).unwrap();
        assert_eq!(new_year.key, "2026-W53");
    }

    #[test]
    fn the_horizon_covers_the_days_until_the_next_digest() {
        let day = time::macros::date!(2026 - 11 - 24);
        assert!(is_due_soon(
            time::macros::date!(2026 - 12 - 01),
            day,
            DigestFrequency::Daily
        ));
        assert!(!is_due_soon(
            time::macros::date!(2026 - 12 - 02),
            day,
            DigestFrequency::Daily
        ));
        assert!(is_due_soon(
            time::macros::date!(2026 - 12 - 08),
            day,
            DigestFrequency::Weekly
        ));
        assert!(
            is_due_soon(
                time::macros::date!(2020 - 05 - 15),
                day,
                DigestFrequency::Daily
            ),
            "overdue"
        );
    }
}
