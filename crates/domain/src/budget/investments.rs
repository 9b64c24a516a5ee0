//! Investment frames (seed 004 §5.5: "planeringsramar för inventarier och utrustning uppgår till
//! 0,7 miljoner kronor år 2020"): a description and an amount per year.

use serde::{Deserialize, Serialize};

use super::amounts::{Sign, YearAmount, check_year_amounts};
use super::checks::Problems;
use crate::validate::{self, ValidationCode, ValidationError, field_path};

pub const TEXT_MAX: usize = 500;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvestmentFrame {
    /// "Inventarier och utrustning".
    pub text: String,
    /// Sorted by year, at least one, none negative.
    pub amounts: Vec<YearAmount>,
}

/// Unchecked [`InvestmentFrame`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvestmentFrameInput {
    pub text: String,
    pub amounts: Vec<YearAmount>,
}

pub fn check_investment_frame(prefix: &str, input: &InvestmentFrameInput) -> Result<InvestmentFrame, Vec<ValidationError>> {
    let mut p = Problems::default();
    let text = p.ok(validate::required_text(&field_path(prefix, "text"), &input.text, TEXT_MAX));
    if input.amounts.is_empty() {
        p.push(field_path(prefix, "amounts"), ValidationCode::Required);
    }
    let amounts = p.all(check_year_amounts(&field_path(prefix, "amounts"), &input.amounts, Sign::NonNegative));
    p.finish(|| InvestmentFrame { text: text.unwrap_or_default(), amounts: amounts.unwrap_or_default() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Money;

    #[test]
    fn investment_frames_need_a_text_and_a_year() {
        let input = InvestmentFrameInput {
            text: "Inventarier och utrustning".into(),
            amounts: vec![YearAmount::new(2020, Money::from_ore(70_000_000))],
        };
        assert_eq!(check_investment_frame("", &input).unwrap().amounts.len(), 1);
        let errors = check_investment_frame("investments[0]", &InvestmentFrameInput { text: "x".into(), amounts: vec![] }).unwrap_err();
        assert_eq!((errors[0].field.as_str(), errors[0].code), ("investments[0].amounts", ValidationCode::Required));
    }
}
