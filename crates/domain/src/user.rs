//! People who use the system.

use crate::ids::{OrgUnitId, UserId};
use crate::validate::{self, ValidationCode, ValidationError};
use serde::{Deserialize, Serialize};

pub const EMAIL_MAX: usize = 254;
pub const PASSWORD_MIN: usize = 10;

/// What a person may do at most, whatever their roles: a full licence writes plans, a
/// report-only licence reports follow-up, a read-only licence reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Licence {
    Full,
    ReportOnly,
    ReadOnly,
}

impl Licence {
    pub const ALL: [Licence; 3] = [Licence::Full, Licence::ReportOnly, Licence::ReadOnly];

    pub fn as_str(self) -> &'static str {
        match self {
            Licence::Full => "full",
            Licence::ReportOnly => "report-only",
            Licence::ReadOnly => "read-only",
        }
    }

    pub fn parse(field: &str, value: &str) -> Result<Self, ValidationError> {
        Self::ALL
            .into_iter()
            .find(|l| l.as_str() == value.trim())
            .ok_or_else(|| ValidationError::new(field, ValidationCode::InvalidChoice))
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: UserId,
    /// Always lower case; the login name.
    pub email: String,
    pub name: String,
    pub home_unit_id: Option<OrgUnitId>,
    pub active: bool,
    pub licence: Licence,
    /// Preferred UI language (`sv` or `en`); None = Swedish.
    pub locale: Option<String>,
    pub version: i64,
}

/// Parses an e-mail address into its stored (lower-case) form. Deliberately simple: one `@`,
/// something on both sides, a dot in the domain, no spaces.
pub fn parse_email(field: &str, value: &str) -> Result<String, ValidationError> {
    let email = validate::required_text(field, value, EMAIL_MAX)?.to_lowercase();
    let valid = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
                && !email.chars().any(char::is_whitespace)
        }
        None => false,
    };
    if valid { Ok(email) } else { Err(ValidationError::new(field, ValidationCode::InvalidEmail)) }
}

pub fn parse_user_name(field: &str, value: &str) -> Result<String, ValidationError> {
    validate::required_text(field, value, 200)
}

/// Checks a new password. Length is what matters (NIST SP 800-63B); no composition rules.
pub fn check_password(field: &str, value: &str) -> Result<(), ValidationError> {
    let n = value.chars().count();
    if n < PASSWORD_MIN {
        Err(ValidationError::new(field, ValidationCode::PasswordTooShort))
    } else if n > 1000 {
        Err(ValidationError::new(field, ValidationCode::TooLong))
    } else {
        Ok(())
    }
}

pub fn parse_locale(field: &str, value: Option<&str>) -> Result<Option<String>, ValidationError> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(l @ ("sv" | "en")) => Ok(Some(l.to_owned())),
        Some(_) => Err(ValidationError::new(field, ValidationCode::InvalidChoice)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(parse_email("email", " Anna.Svensson@Regionvastmanland.SE ").unwrap(), "anna.svensson@regionvastmanland.se");
        for bad in ["", "anna", "anna@", "@x.se", "anna@x", "an na@x.se", "a@b@c.se", "a@.se"] {
            assert_eq!(parse_email("email", bad).unwrap_err().field, "email", "{bad}");
        }
    }

    #[test]
    fn passwords_need_length_not_tricks() {
        assert!(check_password("password", "kort").is_err());
        assert!(check_password("password", "en lång mening som lösenord").is_ok());
    }

    #[test]
    fn licences_parse() {
        assert_eq!(Licence::parse("licence", "report-only").unwrap(), Licence::ReportOnly);
        assert!(Licence::parse("licence", "gold").is_err());
    }
}
