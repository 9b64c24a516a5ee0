//! Periods of follow-up: years, half-years, tertials, quarters and months of the calendar year
//! (the fiscal year is the calendar year, LKBR 1 kap. 5 §), written as in the plan file:
//! `2020`, `2020-H1`, `2020-T1`…`2020-T3`, `2020-Q1`…`2020-Q4`, `2020-01`…`2020-12`.
//!
//! A [`PeriodKey`] is the calendar period itself, never a cumulative span: `2020-T2` is May–August.
//! Swedish reports are often cumulative (the delårsrapport "T2" covers January–August); that span is
//! [`PeriodKey::year_to_date`], so the same key serves both point-in-time and year-to-date figures.

use crate::validate::{ValidationCode, ValidationError};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::fmt;
use std::ops::RangeInclusive;
use std::str::FromStr;
use time::{Date, Duration, Month};

/// Earliest year a period may lie in: older data is not planning data, and a bound keeps
/// arithmetic on dates far from the calendar's limits.
pub const MIN_YEAR: i32 = 1900;
/// Latest year a period may lie in.
pub const MAX_YEAR: i32 = 2200;

/// How often something is followed up. The order is longest first, the order in which a
/// report lists a year and then its breakdowns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Periodicity {
    Year,
    HalfYear,
    /// Four months: T1 = January–April, T2 = May–August, T3 = September–December.
    Tertial,
    Quarter,
    Month,
}

impl Periodicity {
    pub const ALL: [Periodicity; 5] = [Self::Year, Self::HalfYear, Self::Tertial, Self::Quarter, Self::Month];

    /// Stable id for storage and the API; also the serde form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Year => "year",
            Self::HalfYear => "half-year",
            Self::Tertial => "tertial",
            Self::Quarter => "quarter",
            Self::Month => "month",
        }
    }

    /// Parses the stable id exactly (no trimming, lower case), naming `field` on failure.
    pub fn parse(field: &str, value: &str) -> Result<Self, ValidationError> {
        if value.is_empty() {
            return Err(ValidationError::new(field, ValidationCode::Required));
        }
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == value)
            .ok_or_else(|| ValidationError::new(field, ValidationCode::InvalidChoice))
    }

    /// Parses one reporting-frequency letter of Swedish plan documents ("Redovisas: M, D, Å"):
    /// `M` månad → month, `D` delårsrapport → tertial, `Å` år/årsredovisning → year.
    ///
    /// `D` is a tertial because regions report delår at the end of April and August ("Delår 1, 2
    /// och År", "delårsrapport april och augusti" in the seed documents; Region Västerbotten's
    /// delårsrapport 1 and 2 end 30 April and 31 August); the third tertial coincides with the
    /// year-end report, which the documents list separately as `Å`. The letter must be exactly one
    /// of these (callers split "M, D, Å" on commas and trim).
    pub fn from_stratsys_letter(field: &str, letter: &str) -> Result<Self, ValidationError> {
        match letter {
            "" => Err(ValidationError::new(field, ValidationCode::Required)),
            "M" => Ok(Self::Month),
            "D" => Ok(Self::Tertial),
            "Å" => Ok(Self::Year),
            _ => Err(ValidationError::new(field, ValidationCode::InvalidChoice)),
        }
    }

    /// The letter [`Self::from_stratsys_letter`] reads; half-years and quarters have none.
    pub fn stratsys_letter(self) -> Option<&'static str> {
        match self {
            Self::Month => Some("M"),
            Self::Tertial => Some("D"),
            Self::Year => Some("Å"),
            Self::HalfYear | Self::Quarter => None,
        }
    }

    /// Length of one period: 12, 6, 4, 3 or 1 months.
    pub fn length_in_months(self) -> u8 {
        match self {
            Self::Year => 12,
            Self::HalfYear => 6,
            Self::Tertial => 4,
            Self::Quarter => 3,
            Self::Month => 1,
        }
    }

    /// 1, 2, 3, 4 or 12.
    pub fn periods_per_year(self) -> u8 {
        12 / self.length_in_months()
    }
}

impl fmt::Display for Periodicity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Periodicity {
    type Err = ValidationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse("periodicity", s)
    }
}

/// One period of follow-up, e.g. `2020-T2`. Always valid: the year is within
/// [`MIN_YEAR`]..=[`MAX_YEAR`] and the index within the year's periods.
///
/// Ordering is chronological by start date; periods that start on the same day sort longest
/// first, so a year comes before its first half-year, tertial, quarter and month
/// (`2020`, `2020-H1`, `2020-T1`, `2020-Q1`, `2020-01`, `2020-02`, …): a container precedes what
/// it contains, as in a report's outline. For keys of one periodicity this is plain date order.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PeriodKey {
    year: i32,
    periodicity: Periodicity,
    /// 1-based position within the year (1 for a year).
    index: u8,
}

impl PeriodKey {
    /// The `index`-th (1-based) period of `periodicity` in `year`; `None` if either is out of range.
    pub fn new(year: i32, periodicity: Periodicity, index: u8) -> Option<Self> {
        ((MIN_YEAR..=MAX_YEAR).contains(&year) && (1..=periodicity.periods_per_year()).contains(&index))
            .then_some(Self { year, periodicity, index })
    }

    /// Parses the plan-file notation exactly (no whitespace, upper-case `H`/`T`/`Q`, two-digit
    /// months), naming `field` on failure. Stored and exchanged keys must compare equal as strings,
    /// hence no leniency.
    pub fn parse(field: &str, value: &str) -> Result<Self, ValidationError> {
        let invalid = || ValidationError::new(field, ValidationCode::InvalidDate);
        let bytes = value.as_bytes();
        if bytes.is_empty() {
            return Err(ValidationError::new(field, ValidationCode::Required));
        }
        let (year_digits, rest) = bytes.split_at_checked(4).ok_or_else(invalid)?;
        if !year_digits.iter().all(u8::is_ascii_digit) {
            return Err(invalid());
        }
        let year = year_digits.iter().fold(0i32, |acc, d| acc * 10 + i32::from(d - b'0'));
        let (periodicity, index) = match rest {
            [] => (Periodicity::Year, 1),
            [b'-', b'H', d] => (Periodicity::HalfYear, digit(*d)),
            [b'-', b'T', d] => (Periodicity::Tertial, digit(*d)),
            [b'-', b'Q', d] => (Periodicity::Quarter, digit(*d)),
            [b'-', tens @ b'0'..=b'9', ones @ b'0'..=b'9'] => (Periodicity::Month, digit(*tens) * 10 + digit(*ones)),
            _ => return Err(invalid()),
        };
        Self::new(year, periodicity, index).ok_or_else(invalid)
    }

    pub fn periodicity(self) -> Periodicity {
        self.periodicity
    }

    pub fn year(self) -> i32 {
        self.year
    }

    /// 1-based position within the year: the `2` of `2020-T2`, the `5` of `2020-05`, 1 for a year.
    pub fn index(self) -> u8 {
        self.index
    }

    /// Calendar month (1–12) the period starts in.
    fn first_month(self) -> u8 {
        (self.index - 1) * self.periodicity.length_in_months() + 1
    }

    fn last_month(self) -> u8 {
        self.index * self.periodicity.length_in_months()
    }

    /// First day of the period.
    pub fn start(self) -> Date {
        Date::from_calendar_date(self.year, month(self.first_month()), 1).expect("a period's year is in range")
    }

    /// Last day of the period (inclusive).
    pub fn end(self) -> Date {
        let last = month(self.last_month());
        Date::from_calendar_date(self.year, last, last.length(self.year)).expect("a period's year is in range")
    }

    /// From 1 January of the period's year to its end: the span of cumulative (year-to-date)
    /// reports, e.g. the delårsrapport for `2020-T2` covers January–August.
    pub fn year_to_date(self) -> RangeInclusive<Date> {
        Self::whole_year(self.year).start()..=self.end()
    }

    pub fn contains(self, date: Date) -> bool {
        self.start() <= date && date <= self.end()
    }

    /// Whether every day of `other` lies in `self` (a period contains itself).
    pub fn contains_period(self, other: PeriodKey) -> bool {
        self.start() <= other.start() && other.end() <= self.end()
    }

    /// The months the period covers, in order.
    pub fn months(self) -> impl Iterator<Item = PeriodKey> {
        let year = self.year;
        (self.first_month()..=self.last_month()).map(move |m| PeriodKey {
            year,
            periodicity: Periodicity::Month,
            index: m,
        })
    }

    /// The following period of the same periodicity (`2020-T3` → `2021-T1`); `None` after
    /// [`MAX_YEAR`].
    pub fn next(self) -> Option<PeriodKey> {
        if self.index < self.periodicity.periods_per_year() {
            Self::new(self.year, self.periodicity, self.index + 1)
        } else {
            Self::new(self.year + 1, self.periodicity, 1)
        }
    }

    /// The preceding period of the same periodicity (`2020-T1` → `2019-T3`); `None` before
    /// [`MIN_YEAR`].
    pub fn previous(self) -> Option<PeriodKey> {
        if self.index > 1 {
            Self::new(self.year, self.periodicity, self.index - 1)
        } else {
            Self::new(self.year - 1, self.periodicity, self.periodicity.periods_per_year())
        }
    }

    /// The periods of `periodicity` in `year`, in order; empty for a year out of range.
    pub fn periods_of(year: i32, periodicity: Periodicity) -> impl Iterator<Item = PeriodKey> {
        (1..=periodicity.periods_per_year()).filter_map(move |index| Self::new(year, periodicity, index))
    }

    /// The period of `periodicity` that `date` falls in; this is how a dated value (a KPI import
    /// row carries "any date inside the period") finds its bucket. `None` for a year out of range.
    pub fn period_containing(date: Date, periodicity: Periodicity) -> Option<PeriodKey> {
        let index = (u8::from(date.month()) - 1) / periodicity.length_in_months() + 1;
        Self::new(date.year(), periodicity, index)
    }

    /// The period of `periodicity` that contains `self` (`2020-05` in tertials → `2020-T2`).
    /// `None` when periods do not nest: a quarter straddles tertials, a tertial straddles
    /// half-years, and a longer period never fits in a shorter one.
    pub fn enclosing(self, periodicity: Periodicity) -> Option<PeriodKey> {
        Self::period_containing(self.start(), periodicity).filter(|p| p.contains_period(self))
    }

    fn whole_year(year: i32) -> PeriodKey {
        PeriodKey { year, periodicity: Periodicity::Year, index: 1 }
    }
}

/// Value of an ASCII digit, or 0 (never a valid index) for anything else.
fn digit(byte: u8) -> u8 {
    if byte.is_ascii_digit() { byte - b'0' } else { 0 }
}

fn month(number: u8) -> Month {
    Month::try_from(number).expect("month numbers of periods are 1..=12")
}

impl Ord for PeriodKey {
    fn cmp(&self, other: &Self) -> Ordering {
        // Same start month and same length means the same key, so this is a total order that
        // agrees with Eq.
        (self.year, self.first_month())
            .cmp(&(other.year, other.first_month()))
            .then_with(|| other.periodicity.length_in_months().cmp(&self.periodicity.length_in_months()))
    }
}

impl PartialOrd for PeriodKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for PeriodKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.periodicity {
            Periodicity::Year => write!(f, "{}", self.year),
            Periodicity::HalfYear => write!(f, "{}-H{}", self.year, self.index),
            Periodicity::Tertial => write!(f, "{}-T{}", self.year, self.index),
            Periodicity::Quarter => write!(f, "{}-Q{}", self.year, self.index),
            Periodicity::Month => write!(f, "{}-{:02}", self.year, self.index),
        }
    }
}

impl fmt::Debug for PeriodKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PeriodKey({self})")
    }
}

impl FromStr for PeriodKey {
    type Err = ValidationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse("period", s)
    }
}

impl Serialize for PeriodKey {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PeriodKey {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        PeriodKey::parse("period", &text).map_err(|_| {
            serde::de::Error::invalid_value(
                serde::de::Unexpected::Str(&text),
                &"a period such as 2020, 2020-H1, 2020-T2, 2020-Q3 or 2020-04",
            )
        })
    }
}

/// Deadlines postponed per organisation level, as in Stratsys: the deepest level (the leaves of
/// the tree) reports by `base`, and each level above gets `days_per_level_above_leaf` more days to
/// compile what its sub-units reported. Typically `base` is a period's end plus a deferral, e.g.
/// `2020-T1`'s end + 14 days.
///
/// Levels are counted by depth in the tree (root = 0), not by each unit's own subtree: every unit
/// on one level shares a deadline, as Stratsys configures it per level. Deeper units therefore
/// never have a later deadline than the units above them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeadlineRule {
    base: Date,
    days_per_level_above_leaf: i64,
}

/// More days than the calendar has, so that absurd postponements saturate instead of overflowing.
const MAX_POSTPONEMENT_DAYS: i64 = 10_000_000;

impl DeadlineRule {
    /// Refuses a negative postponement (with [`ValidationCode::DateOrder`] on `field`): parents
    /// would be due before the sub-units whose reports they compile.
    pub fn new(field: &str, base: Date, days_per_level_above_leaf: i64) -> Result<Self, ValidationError> {
        if days_per_level_above_leaf < 0 {
            return Err(ValidationError::new(field, ValidationCode::DateOrder));
        }
        Ok(Self { base, days_per_level_above_leaf })
    }

    /// The deadline of the deepest level.
    pub fn base(&self) -> Date {
        self.base
    }

    pub fn days_per_level_above_leaf(&self) -> i64 {
        self.days_per_level_above_leaf
    }

    /// Deadline for a unit `levels` levels above the leaf level: `base + levels × days`.
    /// Saturates at the end of the calendar rather than failing.
    pub fn deadline_at_level(&self, levels_above_leaf: u32) -> Date {
        let days =
            self.days_per_level_above_leaf.saturating_mul(i64::from(levels_above_leaf)).min(MAX_POSTPONEMENT_DAYS);
        self.base.saturating_add(Duration::days(days))
    }

    /// Deadline for a unit at `depth` (root = 0) in a tree whose deepest unit is at `tree_depth`.
    /// A `depth` greater than `tree_depth` (an inconsistent caller) counts as the leaf level: the
    /// earliest deadline, never a missed one.
    pub fn deadline(&self, depth: u32, tree_depth: u32) -> Date {
        self.deadline_at_level(tree_depth.saturating_sub(depth))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate;
    use proptest::prelude::*;

    fn d(s: &str) -> Date {
        validate::date("d", s).unwrap()
    }

    fn p(s: &str) -> PeriodKey {
        PeriodKey::parse("period", s).unwrap()
    }

    #[test]
    fn every_notation_parses_with_its_dates() {
        let cases = [
            ("2020", Periodicity::Year, 1, "2020-01-01", "2020-12-31"),
            ("2020-H1", Periodicity::HalfYear, 1, "2020-01-01", "2020-06-30"),
            ("2020-H2", Periodicity::HalfYear, 2, "2020-07-01", "2020-12-31"),
            ("2020-T1", Periodicity::Tertial, 1, "2020-01-01", "2020-04-30"),
            ("2020-T2", Periodicity::Tertial, 2, "2020-05-01", "2020-08-31"),
            ("2020-T3", Periodicity::Tertial, 3, "2020-09-01", "2020-12-31"),
            ("2020-Q1", Periodicity::Quarter, 1, "2020-01-01", "2020-03-31"),
            ("2020-Q2", Periodicity::Quarter, 2, "2020-04-01", "2020-06-30"),
            ("2020-Q3", Periodicity::Quarter, 3, "2020-07-01", "2020-09-30"),
            ("2020-Q4", Periodicity::Quarter, 4, "2020-10-01", "2020-12-31"),
            ("2020-01", Periodicity::Month, 1, "2020-01-01", "2020-01-31"),
            ("2020-02", Periodicity::Month, 2, "2020-02-01", "2020-02-29"),
            ("2020-04", Periodicity::Month, 4, "2020-04-01", "2020-04-30"),
            ("2020-12", Periodicity::Month, 12, "2020-12-01", "2020-12-31"),
            ("1900", Periodicity::Year, 1, "1900-01-01", "1900-12-31"),
            ("2200-12", Periodicity::Month, 12, "2200-12-01", "2200-12-31"),
        ];
        for (text, periodicity, index, start, end) in cases {
            let key = p(text);
            assert_eq!(key.periodicity(), periodicity, "{text}");
            assert_eq!(key.index(), index, "{text}");
            assert_eq!(key.year(), text[..4].parse::<i32>().unwrap(), "{text}");
            assert_eq!((key.start(), key.end()), (d(start), d(end)), "{text}");
            assert_eq!(key.to_string(), text);
            assert_eq!(text.parse::<PeriodKey>().unwrap(), key);
        }
    }

    #[test]
    fn malformed_periods_are_refused_naming_the_field() {
        for text in [
            "2020-T4",
            "2020-T0",
            "2020-13",
            "2020-00",
            "2020-1",
            "2020-001",
            " 2020",
            "2020 ",
            "2020-H3",
            "2020-H0",
            "2020-Q5",
            "2020-Q0",
            "2020-t1",
            "2020-q1",
            "2020-h1",
            "2020-",
            "2020-M1",
            "2020-W01",
            "2020-01-01",
            "2020T1",
            "2020/01",
            "20",
            "202",
            "+2020",
            "-2020",
            "20201",
            "1899",
            "2201",
            "0000",
            "9999-01",
            "1899-12",
            "2201-T1",
            "２０２０",
            "2020-０1",
        ] {
            let err = PeriodKey::parse("follow_ups[0].period", text).unwrap_err();
            assert_eq!(err.field, "follow_ups[0].period", "{text:?}");
            assert_eq!(err.code, ValidationCode::InvalidDate, "{text:?}");
        }
        assert_eq!(PeriodKey::parse("period", "").unwrap_err().code, ValidationCode::Required);
        assert_eq!("2020-T4".parse::<PeriodKey>().unwrap_err().field, "period");
    }

    #[test]
    fn february_follows_the_leap_years() {
        assert_eq!(p("2020-02").end(), d("2020-02-29"));
        assert_eq!(p("2019-02").end(), d("2019-02-28"));
        assert_eq!(p("2000-02").end(), d("2000-02-29"));
        assert_eq!(p("1900-02").end(), d("1900-02-28"));
        assert_eq!(p("2200-02").end(), d("2200-02-28"));
        assert_eq!(p("2020-H1").end(), d("2020-06-30"));
        assert_eq!(p("2020-Q1").end(), d("2020-03-31"));
        assert_eq!(p("2020-T1").end(), d("2020-04-30"));
    }

    #[test]
    fn tertials_are_four_months_and_roll_over_the_year() {
        let months = |s: &str| p(s).months().map(|m| m.to_string()).collect::<Vec<_>>();
        assert_eq!(months("2020-T1"), ["2020-01", "2020-02", "2020-03", "2020-04"]);
        assert_eq!(months("2020-T2"), ["2020-05", "2020-06", "2020-07", "2020-08"]);
        assert_eq!(months("2020-T3"), ["2020-09", "2020-10", "2020-11", "2020-12"]);
        assert_eq!(p("2020-T3").next(), Some(p("2021-T1")));
        assert_eq!(p("2020-T1").previous(), Some(p("2019-T3")));
        assert_eq!(p("2020-12").next(), Some(p("2021-01")));
        assert_eq!(p("2020-H1").next(), Some(p("2020-H2")));
        assert_eq!(p("2020").next(), Some(p("2021")));
        assert_eq!(p("2200-12").next(), None);
        assert_eq!(p("2200").next(), None);
        assert_eq!(p("1900-Q1").previous(), None);
        assert_eq!(p("1900").previous(), None);
    }

    #[test]
    fn containment_and_enclosing_periods() {
        assert!(p("2020-T1").contains_period(p("2020-03")));
        assert!(!p("2020-T1").contains_period(p("2020-05")));
        assert!(p("2020").contains_period(p("2020-Q4")));
        assert!(p("2020").contains_period(p("2020")));
        assert!(!p("2020").contains_period(p("2021-01")));
        assert!(!p("2020-T1").contains_period(p("2020-Q2")));
        assert!(!p("2020-H1").contains_period(p("2020-T2")));
        assert!(!p("2020-03").contains_period(p("2020-T1")));
        assert!(p("2020-T2").contains(d("2020-05-01")) && p("2020-T2").contains(d("2020-08-31")));
        assert!(!p("2020-T2").contains(d("2020-04-30")) && !p("2020-T2").contains(d("2020-09-01")));

        assert_eq!(p("2020-05").enclosing(Periodicity::Tertial), Some(p("2020-T2")));
        assert_eq!(p("2020-05").enclosing(Periodicity::Quarter), Some(p("2020-Q2")));
        assert_eq!(p("2020-Q2").enclosing(Periodicity::HalfYear), Some(p("2020-H1")));
        assert_eq!(p("2020-Q2").enclosing(Periodicity::Tertial), None);
        assert_eq!(p("2020-T2").enclosing(Periodicity::HalfYear), None);
        assert_eq!(p("2020-T3").enclosing(Periodicity::Year), Some(p("2020")));
        assert_eq!(p("2020").enclosing(Periodicity::Month), None);
        assert_eq!(p("2020-T2").enclosing(Periodicity::Tertial), Some(p("2020-T2")));
    }

    #[test]
    fn dated_values_find_their_bucket() {
        let date = d("2021-01-15");
        assert_eq!(PeriodKey::period_containing(date, Periodicity::Month), Some(p("2021-01")));
        assert_eq!(PeriodKey::period_containing(date, Periodicity::Quarter), Some(p("2021-Q1")));
        assert_eq!(PeriodKey::period_containing(date, Periodicity::Year), Some(p("2021")));
        assert_eq!(PeriodKey::period_containing(d("2020-08-31"), Periodicity::Tertial), Some(p("2020-T2")));
        assert_eq!(PeriodKey::period_containing(d("2020-09-01"), Periodicity::Tertial), Some(p("2020-T3")));
        assert_eq!(PeriodKey::period_containing(d("1899-12-31"), Periodicity::Month), None);
        assert_eq!(PeriodKey::period_containing(d("2201-01-01"), Periodicity::Year), None);
    }

    #[test]
    fn periods_of_a_year_in_order() {
        let names =
            |y, per| PeriodKey::periods_of(y, per).map(|k: PeriodKey| k.to_string()).collect::<Vec<_>>().join(" ");
        assert_eq!(names(2020, Periodicity::Year), "2020");
        assert_eq!(names(2020, Periodicity::HalfYear), "2020-H1 2020-H2");
        assert_eq!(names(2020, Periodicity::Tertial), "2020-T1 2020-T2 2020-T3");
        assert_eq!(names(2020, Periodicity::Quarter), "2020-Q1 2020-Q2 2020-Q3 2020-Q4");
        assert_eq!(PeriodKey::periods_of(2020, Periodicity::Month).count(), 12);
        assert_eq!(PeriodKey::periods_of(1899, Periodicity::Month).count(), 0);
        assert_eq!(PeriodKey::periods_of(2201, Periodicity::Year).count(), 0);
    }

    #[test]
    fn a_year_sorts_before_what_it_contains() {
        let mut keys: Vec<PeriodKey> =
            ["2020-02", "2021", "2020-Q1", "2020-T2", "2020-01", "2020", "2020-H1", "2020-T1", "2019-12", "2020-05"]
                .map(p)
                .into();
        keys.sort();
        let sorted: Vec<String> = keys.iter().map(ToString::to_string).collect();
        assert_eq!(
            sorted,
            ["2019-12", "2020", "2020-H1", "2020-T1", "2020-Q1", "2020-01", "2020-02", "2020-T2", "2020-05", "2021"]
        );
    }

    #[test]
    fn year_to_date_spans_the_cumulative_report() {
        assert_eq!(p("2020-T2").year_to_date(), d("2020-01-01")..=d("2020-08-31"));
        assert_eq!(p("2020-01").year_to_date(), d("2020-01-01")..=d("2020-01-31"));
        assert_eq!(p("2020").year_to_date(), d("2020-01-01")..=d("2020-12-31"));
    }

    #[test]
    fn serde_uses_the_notation() {
        assert_eq!(serde_json::to_string(&p("2020-T2")).unwrap(), r#""2020-T2""#);
        assert_eq!(serde_json::from_str::<PeriodKey>(r#""2020-05""#).unwrap(), p("2020-05"));
        let err = serde_json::from_str::<PeriodKey>(r#""2020-T4""#).unwrap_err().to_string();
        assert!(err.contains("2020-T4"), "{err}");
        assert!(serde_json::from_str::<PeriodKey>("2020").is_err(), "a number is not a period");
        assert_eq!(serde_json::to_string(&Periodicity::HalfYear).unwrap(), r#""half-year""#);
        assert_eq!(serde_json::from_str::<Periodicity>(r#""month""#).unwrap(), Periodicity::Month);
    }

    #[test]
    fn periodicity_ids_round_trip() {
        for periodicity in Periodicity::ALL {
            assert_eq!(Periodicity::parse("periodicity", periodicity.as_str()), Ok(periodicity));
            assert_eq!(periodicity.to_string().parse::<Periodicity>(), Ok(periodicity));
            assert_eq!(serde_json::to_value(periodicity).unwrap(), periodicity.as_str());
            assert_eq!(12 % periodicity.length_in_months(), 0);
        }
        for bad in ["Month", "half_year", "halfyear", " year", "weekly"] {
            let err = Periodicity::parse("objects[3].periodicity", bad).unwrap_err();
            assert_eq!((err.field.as_str(), err.code), ("objects[3].periodicity", ValidationCode::InvalidChoice));
        }
        assert_eq!(Periodicity::parse("periodicity", "").unwrap_err().code, ValidationCode::Required);
    }

    #[test]
    fn stratsys_letters() {
        let letter = |s| Periodicity::from_stratsys_letter("reported[0]", s);
        assert_eq!(letter("M"), Ok(Periodicity::Month));
        assert_eq!(letter("D"), Ok(Periodicity::Tertial));
        assert_eq!(letter("Å"), Ok(Periodicity::Year));
        for bad in ["A", "m", "å", "Q", " M", "MD"] {
            let err = letter(bad).unwrap_err();
            assert_eq!((err.field.as_str(), err.code), ("reported[0]", ValidationCode::InvalidChoice), "{bad:?}");
        }
        assert_eq!(letter("").unwrap_err().code, ValidationCode::Required);
        for periodicity in Periodicity::ALL {
            if let Some(l) = periodicity.stratsys_letter() {
                assert_eq!(letter(l), Ok(periodicity));
            }
        }
        assert_eq!(Periodicity::Quarter.stratsys_letter(), None);
    }

    #[test]
    fn deadlines_are_postponed_per_level_above_the_leaves() {
        // Monthly period, leaves report 14 days after month end, each level above 5 days later.
        let base = p("2020-02").end() + Duration::days(14);
        let rule = DeadlineRule::new("postponement_days", base, 5).unwrap();
        assert_eq!(rule.deadline(3, 3), d("2020-03-14"));
        assert_eq!(rule.deadline(2, 3), d("2020-03-19"));
        assert_eq!(rule.deadline(0, 3), d("2020-03-29"));
        assert_eq!(rule.deadline(4, 3), d("2020-03-14"), "deeper than the tree counts as a leaf");
        assert_eq!(rule.deadline_at_level(1), d("2020-03-19"));
        assert_eq!(rule.base(), base);
        assert_eq!(rule.days_per_level_above_leaf(), 5);

        let flat = DeadlineRule::new("postponement_days", base, 0).unwrap();
        assert_eq!(flat.deadline(0, 5), base);

        let err = DeadlineRule::new("postponement_days", base, -1).unwrap_err();
        assert_eq!((err.field.as_str(), err.code), ("postponement_days", ValidationCode::DateOrder));

        let huge = DeadlineRule::new("postponement_days", base, i64::MAX).unwrap();
        assert_eq!(huge.deadline(0, u32::MAX), Date::MAX);
    }

    fn any_periodicity() -> impl Strategy<Value = Periodicity> {
        proptest::sample::select(Periodicity::ALL.to_vec())
    }

    fn any_key() -> impl Strategy<Value = PeriodKey> {
        (MIN_YEAR..=MAX_YEAR, any_periodicity(), 0u8..12).prop_map(|(year, periodicity, i)| {
            PeriodKey::new(year, periodicity, i % periodicity.periods_per_year() + 1).unwrap()
        })
    }

    fn any_date() -> impl Strategy<Value = Date> {
        let first = Date::from_calendar_date(MIN_YEAR, Month::January, 1).unwrap().to_julian_day();
        let last = Date::from_calendar_date(MAX_YEAR, Month::December, 31).unwrap().to_julian_day();
        (first..=last).prop_map(|day| Date::from_julian_day(day).unwrap())
    }

    /// A key near `key`: the bucket of a date within a few months of it, so that containment
    /// and overlap actually occur in the samples.
    fn key_near(key: PeriodKey) -> impl Strategy<Value = PeriodKey> {
        (-60i64..430, any_periodicity()).prop_filter_map("out of range", move |(offset, periodicity)| {
            PeriodKey::period_containing(key.start() + Duration::days(offset), periodicity)
        })
    }

    proptest! {
        #[test]
        fn notation_round_trips(key in any_key()) {
            prop_assert_eq!(PeriodKey::parse("period", &key.to_string()), Ok(key));
            let json = serde_json::to_string(&key).unwrap();
            prop_assert_eq!(serde_json::from_str::<PeriodKey>(&json).unwrap(), key);
        }

        #[test]
        fn every_date_is_in_exactly_one_period_of_each_periodicity(date in any_date()) {
            for periodicity in Periodicity::ALL {
                let holders: Vec<PeriodKey> = (date.year() - 1..=date.year() + 1)
                    .flat_map(|y| PeriodKey::periods_of(y, periodicity))
                    .filter(|k| k.contains(date))
                    .collect();
                prop_assert_eq!(holders.len(), 1);
                prop_assert_eq!(PeriodKey::period_containing(date, periodicity), Some(holders[0]));
            }
        }

        #[test]
        fn months_partition_a_period(key in any_key()) {
            let months: Vec<PeriodKey> = key.months().collect();
            prop_assert_eq!(months.len(), usize::from(key.periodicity().length_in_months()));
            prop_assert_eq!(months[0].start(), key.start());
            prop_assert_eq!(months[months.len() - 1].end(), key.end());
            for pair in months.windows(2) {
                prop_assert_eq!(pair[1].start(), pair[0].end() + Duration::days(1));
                prop_assert_eq!(pair[0].next(), Some(pair[1]));
            }
            for m in &months {
                prop_assert_eq!(m.periodicity(), Periodicity::Month);
                prop_assert!(key.contains_period(*m));
                prop_assert_eq!(m.enclosing(key.periodicity()), Some(key));
            }
        }

        #[test]
        fn next_starts_the_day_after_the_end(key in any_key()) {
            match key.next() {
                Some(next) => {
                    prop_assert_eq!(next.start(), key.end() + Duration::days(1));
                    prop_assert_eq!(next.periodicity(), key.periodicity());
                    prop_assert_eq!(next.previous(), Some(key));
                    prop_assert!(key < next);
                }
                None => prop_assert_eq!(key.end().year(), MAX_YEAR),
            }
            match key.previous() {
                Some(previous) => prop_assert_eq!(previous.end() + Duration::days(1), key.start()),
                None => prop_assert_eq!(key.start().year(), MIN_YEAR),
            }
        }

        #[test]
        fn containment_agrees_with_dates((a, b) in any_key().prop_flat_map(|a| (Just(a), key_near(a)))) {
            let by_dates = a.start() <= b.start() && b.end() <= a.end();
            prop_assert_eq!(a.contains_period(b), by_dates);
            prop_assert_eq!(a.contains_period(b), a.contains(b.start()) && a.contains(b.end()));
            prop_assert_eq!(a.contains_period(b), b.months().all(|m| a.months().any(|n| n == m)));
            prop_assert_eq!(b.enclosing(a.periodicity()) == Some(a), a.contains_period(b));
            if a.contains_period(b) && b.contains_period(a) {
                prop_assert_eq!(a, b);
            }
        }

        #[test]
        fn ordering_is_by_start_then_longest_first(a in any_key(), b in any_key()) {
            let expected = a.start().cmp(&b.start()).then_with(|| b.end().cmp(&a.end()));
            prop_assert_eq!(a.cmp(&b), expected);
            prop_assert_eq!(a.cmp(&b) == Ordering::Equal, a == b);
        }

        #[test]
        fn ordering_of_one_periodicity_is_date_order(
            (a, b) in any_key().prop_flat_map(|a| (Just(a), (MIN_YEAR..=MAX_YEAR, 0u8..12).prop_map(move |(y, i)| {
                let per = a.periodicity();
                PeriodKey::new(y, per, i % per.periods_per_year() + 1).unwrap()
            }))),
        ) {
            prop_assert_eq!(a.cmp(&b), a.start().cmp(&b.start()));
            prop_assert_eq!(a.cmp(&b), a.end().cmp(&b.end()));
        }

        #[test]
        fn deeper_units_are_never_due_later(days in 0i64..60, tree_depth in 0u32..8, depth in 0u32..8) {
            let rule = DeadlineRule::new("days", Date::from_calendar_date(2020, Month::May, 14).unwrap(), days).unwrap();
            prop_assert!(rule.deadline(depth + 1, tree_depth) <= rule.deadline(depth, tree_depth));
            prop_assert!(rule.deadline(depth, tree_depth) >= rule.base());
        }
    }
}
