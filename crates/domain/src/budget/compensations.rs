//! Decided compensations from the executive board's appropriation (seed 004 §5.3: "Post doc
//! -tjänster (somatik) 1,6 mkr") and result-regulation notes (§5.4: how a surplus is settled).

use serde::{Deserialize, Serialize};

use super::amounts::{Sign, check_amount};
use super::checks::Problems;
use crate::money::Money;
use crate::validate::{self, ValidationCode, ValidationError, field_path};

pub const TEXT_MAX: usize = 500;
pub const NOTE_MAX: usize = 20_000;

/// One compensation the administration budgets from the board's appropriation (RS-anslag).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoardCompensation {
    pub text: String,
    /// Received, so never negative.
    pub amount: Money,
}

/// Unchecked [`BoardCompensation`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoardCompensationInput {
    pub text: String,
    pub amount: Money,
}

pub fn check_board_compensation(prefix: &str, input: &BoardCompensationInput) -> Result<BoardCompensation, Vec<ValidationError>> {
    let mut p = Problems::default();
    let text = p.ok(validate::required_text(&field_path(prefix, "text"), &input.text, TEXT_MAX));
    p.ok(check_amount(&field_path(prefix, "amount"), input.amount, Sign::NonNegative));
    p.finish(|| BoardCompensation { text: text.unwrap_or_default(), amount: input.amount })
}

/// A free-text note on result regulation (resultatreglering): which surplus or deficit is carried
/// over, and how.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultRegulationNote {
    pub text: String,
}

/// A note is a paragraph: line breaks and tabs are allowed, other control characters are not.
pub fn check_result_regulation(field: &str, text: &str) -> Result<ResultRegulationNote, ValidationError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(ValidationError::new(field, ValidationCode::Required));
    }
    if text.chars().count() > NOTE_MAX {
        return Err(ValidationError::new(field, ValidationCode::TooLong));
    }
    if text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        return Err(ValidationError::new(field, ValidationCode::InvalidCharacters));
    }
    Ok(ResultRegulationNote { text: text.to_owned() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compensations_and_notes_are_checked() {
        let ok = BoardCompensationInput { text: " Personalpolitiska medel ".into(), amount: Money::from_ore(400_000_000) };
        assert_eq!(check_board_compensation("c[0]", &ok).unwrap().text, "Personalpolitiska medel");
        let bad = BoardCompensationInput { text: "".into(), amount: Money::from_ore(-1) };
        let errors = check_board_compensation("c[1]", &bad).unwrap_err();
        assert_eq!(errors.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["c[1].text", "c[1].amount"]);
        assert_eq!(errors[1].code, ValidationCode::WrongSign);

        assert_eq!(check_result_regulation("note", "Rad ett.\nRad två.").unwrap().text, "Rad ett.\nRad två.");
        assert_eq!(check_result_regulation("note", " \n ").unwrap_err().code, ValidationCode::Required);
        assert_eq!(check_result_regulation("note", "a\u{7}").unwrap_err().code, ValidationCode::InvalidCharacters);
    }
}
