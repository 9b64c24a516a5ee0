//! Budget years and months. The fiscal year is the calendar year (LKBR 1:5), so a month is a
//! year and a month number, nothing more.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::period::{MAX_YEAR, MIN_YEAR};
use crate::validate::{ValidationCode, ValidationError};

/// Checks that `year` is one the system handles (the same range as plan periods).
pub fn check_year(field: &str, year: i32) -> Result<i32, ValidationError> {
    if (MIN_YEAR..=MAX_YEAR).contains(&year) {
        Ok(year)
    } else {
        Err(ValidationError::new(field, ValidationCode::InvalidPeriod))
    }
}

/// One calendar month: `2020-05`. Always valid. Orders chronologically; serialized as the text
/// `YYYY-MM`, the way storage and the API write months.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct YearMonth {
    year: i32,
    month: u8,
}

impl YearMonth {
    /// `None` unless the year is in range and the month is 1–12.
    pub fn new(year: i32, month: u8) -> Option<Self> {
        ((MIN_YEAR..=MAX_YEAR).contains(&year) && (1..=12).contains(&month)).then_some(Self { year, month })
    }

    /// Parses `2020-05` or the ledger form `202005`, naming `field` on failure.
    pub fn parse(field: &str, text: &str) -> Result<Self, ValidationError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(ValidationError::new(field, ValidationCode::Required));
        }
        let digits: Option<(&str, &str)> = match text.len() {
            7 if text.as_bytes()[4] == b'-' => Some((&text[..4], &text[5..])),
            6 => text.split_at_checked(4),
            _ => None,
        };
        digits
            .filter(|(y, m)| y.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()))
            .and_then(|(y, m)| Self::new(y.parse().ok()?, m.parse().ok()?))
            .ok_or_else(|| ValidationError::new(field, ValidationCode::InvalidPeriod))
    }

    pub fn year(self) -> i32 {
        self.year
    }

    /// 1–12.
    pub fn month(self) -> u8 {
        self.month
    }

    /// 0–11, for indexing twelve monthly amounts.
    pub fn index(self) -> usize {
        usize::from(self.month - 1)
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl From<YearMonth> for String {
    fn from(month: YearMonth) -> Self {
        month.to_string()
    }
}

impl TryFrom<String> for YearMonth {
    type Error = ValidationError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse("month", &text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_parse_print_and_order() {
        let may = YearMonth::parse("month", "2020-05").unwrap();
        assert_eq!((may.year(), may.month(), may.index()), (2020, 5, 4));
        assert_eq!(YearMonth::parse("month", " 202005 ").unwrap(), may);
        assert_eq!(may.to_string(), "2020-05");
        assert!(YearMonth::new(2019, 12).unwrap() < may);
        for bad in ["2020-13", "2020-00", "2020-5", "20-05-01", "abcd-ef", "2020+05", "1800-01"] {
            let err = YearMonth::parse("rows[2].month", bad).unwrap_err();
            assert_eq!((err.field.as_str(), err.code), ("rows[2].month", ValidationCode::InvalidPeriod), "{bad}");
        }
        assert_eq!(YearMonth::parse("m", " ").unwrap_err().code, ValidationCode::Required);
        assert_eq!(serde_json::to_string(&may).unwrap(), "\"2020-05\"");
        assert_eq!(serde_json::from_str::<YearMonth>("\"2020-05\"").unwrap(), may);
        assert!(serde_json::from_str::<YearMonth>("\"2020-13\"").is_err());
        assert_eq!(check_year("year", 2020), Ok(2020));
        assert_eq!(check_year("year", 12_020).unwrap_err().code, ValidationCode::InvalidPeriod);
    }
}
