//! Parsing of user input into domain values, with errors that name the field.

use serde::Serialize;
use time::Date;

/// A problem with one input field. `field` is the name the user typed into (form field or JSON
/// property); `code` is stable for programs, the message is built from it by the caller's locale.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{field}: {}", code.as_str())]
pub struct ValidationError {
    pub field: String,
    pub code: ValidationCode,
}

/// Machine-readable reasons. The web layer turns each into a sentence in the user's language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ValidationCode {
    Required,
    TooLong,
    InvalidCharacters,
    InvalidEmail,
    InvalidDate,
    InvalidChoice,
    DateOrder,
    PasswordTooShort,
    /// A key shaped like an internal id would make addressing by key or id ambiguous.
    LooksLikeId,
    /// The same value appears twice where each must be unique (two targets for one period).
    Duplicate,
    /// Not a number (`4,5`, `-12`, `78` are numbers).
    NotANumber,
    /// More decimals than the indicator is configured for.
    TooManyDecimals,
    /// A number outside the allowed range.
    OutOfRange,
    /// The field does not apply to this kind of object (a target on a goal, dates on an indicator).
    NotForKind,
    /// Not a period (`2020`, `2020-T1`, `2020-05` …) or one the object is not followed up in.
    InvalidPeriod,
    /// An amount of the wrong sign for its field (budgeted income is positive, costs negative).
    WrongSign,
}

impl ValidationCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Required => "required",
            Self::TooLong => "too_long",
            Self::InvalidCharacters => "invalid_characters",
            Self::InvalidEmail => "invalid_email",
            Self::InvalidDate => "invalid_date",
            Self::InvalidChoice => "invalid_choice",
            Self::DateOrder => "date_order",
            Self::PasswordTooShort => "password_too_short",
            Self::LooksLikeId => "looks_like_id",
            Self::Duplicate => "duplicate",
            Self::NotANumber => "not_a_number",
            Self::TooManyDecimals => "too_many_decimals",
            Self::OutOfRange => "out_of_range",
            Self::NotForKind => "not_for_kind",
            Self::InvalidPeriod => "invalid_period",
            Self::WrongSign => "wrong_sign",
        }
    }
}

impl ValidationError {
    pub fn new(field: impl Into<String>, code: ValidationCode) -> Self {
        Self { field: field.into(), code }
    }
}

/// The name of a field inside a larger input: `name` itself at the top, `objects[3].name` in
/// the fourth object of a plan file (`prefix` = `objects[3]`).
pub fn field_path(prefix: &str, name: &str) -> String {
    if prefix.is_empty() { name.to_owned() } else { format!("{prefix}.{name}") }
}

/// Trims and checks a required single-line text of at most `max` characters.
pub fn required_text(field: &str, value: &str, max: usize) -> Result<String, ValidationError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(ValidationError::new(field, ValidationCode::Required));
    }
    if trimmed.chars().count() > max {
        return Err(ValidationError::new(field, ValidationCode::TooLong));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(ValidationError::new(field, ValidationCode::InvalidCharacters));
    }
    Ok(trimmed.to_owned())
}

/// Like [`required_text`], but an empty value means "none".
pub fn optional_text(
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>, ValidationError> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => required_text(field, v, max).map(Some),
    }
}

/// Parses an ISO date `YYYY-MM-DD`.
pub fn date(field: &str, value: &str) -> Result<Date, ValidationError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(value.trim(), &format).map_err(|_| ValidationError::new(field, ValidationCode::InvalidDate))
}

/// Parses an optional ISO date; empty means none.
pub fn optional_date(field: &str, value: Option<&str>) -> Result<Option<Date>, ValidationError> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => date(field, v).map(Some),
    }
}

/// Formats a date as `YYYY-MM-DD`, the one date format in storage and the API.
pub fn format_date(date: Date) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    date.format(&format).expect("a calendar date always formats")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_text_trims_and_names_the_field() {
        assert_eq!(required_text("name", "  Ekonomi ", 10).unwrap(), "Ekonomi");
        let err = required_text("name", "   ", 10).unwrap_err();
        assert_eq!(err.field, "name");
        assert_eq!(err.code, ValidationCode::Required);
        assert_eq!(required_text("name", "åäöåäöåäöåä", 10).unwrap_err().code, ValidationCode::TooLong);
        assert_eq!(
            required_text("name", "a\u{0}b", 10).unwrap_err().code,
            ValidationCode::InvalidCharacters
        );
    }

    #[test]
    fn dates_round_trip_and_reject_nonsense() {
        let d = date("valid_from", "2020-02-29").unwrap();
        assert_eq!(format_date(d), "2020-02-29");
        assert_eq!(date("valid_from", "2019-02-29").unwrap_err().code, ValidationCode::InvalidDate);
        assert_eq!(date("valid_from", "29/2 2020").unwrap_err().field, "valid_from");
        assert_eq!(optional_date("valid_to", Some("")).unwrap(), None);
    }
}

/// Dates as `YYYY-MM-DD` text, the one date format of storage and the API (serde `with`).
pub mod date_text {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};
    use time::Date;

    pub fn serialize<S: Serializer>(date: &Date, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&super::format_date(*date))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Date, D::Error> {
        let text = String::deserialize(deserializer)?;
        super::date("date", &text).map_err(D::Error::custom)
    }
}

/// An optional [`date_text`]: absent or null is None.
pub mod opt_date_text {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};
    use time::Date;

    pub fn serialize<S: Serializer>(date: &Option<Date>, serializer: S) -> Result<S::Ok, S::Error> {
        match date {
            Some(date) => serializer.serialize_str(&super::format_date(*date)),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Date>, D::Error> {
        match Option::<String>::deserialize(deserializer)? {
            Some(text) if !text.trim().is_empty() => super::date("date", text.trim()).map(Some).map_err(D::Error::custom),
            _ => Ok(None),
        }
    }
}
