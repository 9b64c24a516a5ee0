//! The month of a ledger line: `2020-03`, `202003`, or a date such as `2020-03-31`.

use domain::money::days_in_months;

use super::value::Value;
use crate::problem::LineProblemCode;

/// The (year, month) of a cell: text in one of the accepted forms, a whole number such as 202003,
/// or a date cell (Excel turns a typed "2020-03" into the date 2020-03-01).
pub(crate) fn month_of(value: &Value<'_>) -> Result<(i32, u8), LineProblemCode> {
    let parsed = match value {
        Value::Empty => return Err(LineProblemCode::MissingValue),
        Value::Text(text) if text.trim().is_empty() => return Err(LineProblemCode::MissingValue),
        Value::Text(text) => parse_month(text.trim()),
        Value::Date { year, month, day } => valid_date(*year, *month, *day).then_some((*year, *month)),
        Value::Integer(number) => parse_month(&number.to_string()),
        Value::Number(number) if number.fract() == 0.0 && number.abs() < 1e9 => parse_month(&number.to_string()),
        Value::Number(_) | Value::Other(_) => None,
    };
    parsed.ok_or(LineProblemCode::InvalidMonth)
}

/// `YYYY-MM` (month also as one digit), `YYYYMM`, or a valid date `YYYY-MM-DD`. Years have four
/// digits; whether the year is the one being imported is for the caller to judge.
pub(crate) fn parse_month(text: &str) -> Option<(i32, u8)> {
    let digits = |s: &str, lengths: &[usize]| lengths.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    let (year, month, day) = match text.split('-').collect::<Vec<_>>()[..] {
        [compact] if digits(compact, &[6]) => (&compact[..4], &compact[4..], None),
        [year, month] if digits(year, &[4]) && digits(month, &[1, 2]) => (year, month, None),
        [year, month, day] if digits(year, &[4]) && digits(month, &[2]) && digits(day, &[2]) => {
            (year, month, Some(day))
        }
        _ => return None,
    };
    let year: i32 = year.parse().ok()?;
    let month: u8 = month.parse().ok()?;
    if !(1..=12).contains(&month) {
        return None;
    }
    match day {
        Some(day) => valid_date(year, month, day.parse().ok()?).then_some((year, month)),
        None => Some((year, month)),
    }
}

fn valid_date(year: i32, month: u8, day: u8) -> bool {
    let days = match usize::from(month).checked_sub(1) {
        Some(index) if index < 12 => days_in_months(year)[index],
        _ => return false,
    };
    day >= 1 && u64::from(day) <= days
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_forms() {
        for text in ["2020-03", "2020-3", "202003", "2020-03-31", "2020-03-01"] {
            assert_eq!(parse_month(text), Some((2020, 3)), "{text}");
        }
        assert_eq!(parse_month("2020-02-29"), Some((2020, 2)), "leap day");
    }

    #[test]
    fn refused_forms() {
        for text in [
            "2020-13",
            "202013",
            "2020-00",
            "2020-02-30",
            "2021-02-29",
            "20-03",
            "2020/03",
            "mars 2020",
            "2020-03-1",
            "2020-003",
            "2020",
        ] {
            assert_eq!(parse_month(text), None, "{text}");
        }
    }

    #[test]
    fn cells_of_every_kind() {
        assert_eq!(month_of(&Value::Number(202003.0)), Ok((2020, 3)));
        assert_eq!(month_of(&Value::Integer(202012)), Ok((2020, 12)));
        assert_eq!(month_of(&Value::Date { year: 2020, month: 3, day: 1 }), Ok((2020, 3)));
        assert_eq!(month_of(&Value::Number(2020.5)), Err(LineProblemCode::InvalidMonth));
        assert_eq!(month_of(&Value::Text(" ")), Err(LineProblemCode::MissingValue));
        assert_eq!(month_of(&Value::Empty), Err(LineProblemCode::MissingValue));
    }
}
