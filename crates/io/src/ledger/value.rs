//! One cell of a ledger line as its source holds it: CSV gives text, a workbook typed cells.
//! Keeping the type lets amounts from a workbook be read from the number itself, not from
//! whatever text Excel would show.

use std::borrow::Cow;

use calamine::Data;

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Value<'a> {
    Empty,
    Text(&'a str),
    Number(f64),
    Integer(i64),
    Date {
        year: i32,
        month: u8,
        day: u8,
    },
    /// Anything else (an error cell such as `#DIV/0!`, a boolean, a duration), as text.
    Other(String),
}

impl<'a> Value<'a> {
    pub fn from_cell(cell: &'a Data) -> Self {
        match cell {
            Data::Empty => Value::Empty,
            Data::String(text) => Value::Text(text),
            Data::Float(number) => Value::Number(*number),
            Data::Int(number) => Value::Integer(*number),
            Data::DateTime(date) if date.is_datetime() => {
                let (year, month, day, ..) = date.to_ymd_hms_milli();
                Value::Date { year: i32::from(year), month, day }
            }
            Data::DateTime(duration) => Value::Other(duration.as_f64().to_string()),
            Data::DateTimeIso(text) => iso_date(text).unwrap_or_else(|| Value::Other(text.clone())),
            Data::DurationIso(text) => Value::Other(text.clone()),
            Data::Bool(flag) => Value::Other(flag.to_string().to_uppercase()),
            Data::Error(error) => Value::Other(error.to_string()),
        }
    }

    pub fn is_blank(&self) -> bool {
        match self {
            Value::Empty => true,
            Value::Text(text) => text.trim().is_empty(),
            _ => false,
        }
    }

    /// The value as the user would recognise it: text trimmed, numbers in their shortest form
    /// (4010, not 4010.0), dates as `2020-03-31`.
    pub fn display(&self) -> Cow<'a, str> {
        match self {
            Value::Empty => Cow::Borrowed(""),
            Value::Text(text) => Cow::Borrowed(text.trim()),
            Value::Number(number) => Cow::Owned(number.to_string()),
            Value::Integer(number) => Cow::Owned(number.to_string()),
            Value::Date { year, month, day } => Cow::Owned(format!("{year:04}-{month:02}-{day:02}")),
            Value::Other(text) => Cow::Owned(text.clone()),
        }
    }
}

/// `2020-03-31` or `2020-03-31T00:00:00` (how OpenDocument writes dates).
fn iso_date(text: &str) -> Option<Value<'static>> {
    let date = text.split('T').next()?;
    let mut parts = date.split('-');
    let year = parts.next()?.parse().ok()?;
    let month = parts.next()?.parse().ok()?;
    let day = parts.next()?.parse().ok()?;
    parts.next().is_none().then_some(Value::Date { year, month, day })
}

#[cfg(test)]
mod tests {
    use calamine::{CellErrorType, ExcelDateTime, ExcelDateTimeType};

    use super::*;

    #[test]
    fn cells_keep_their_type() {
        assert_eq!(Value::from_cell(&Data::Float(4010.0)).display(), "4010");
        assert_eq!(Value::from_cell(&Data::String(" Åby ".into())).display(), "Åby");
        assert_eq!(Value::from_cell(&Data::Error(CellErrorType::Div0)).display(), "#DIV/0!");
        // 43921 is 2020-03-31 in Excel's 1900 date system.
        let date = Data::DateTime(ExcelDateTime::new(43921.0, ExcelDateTimeType::DateTime, false));
        assert_eq!(Value::from_cell(&date), Value::Date { year: 2020, month: 3, day: 31 });
        let iso = Data::DateTimeIso("2020-03-31T00:00:00".into());
        assert_eq!(Value::from_cell(&iso), Value::Date { year: 2020, month: 3, day: 31 });
        assert!(Value::from_cell(&Data::Empty).is_blank());
        assert!(Value::Text(" \u{a0}").is_blank());
    }
}
