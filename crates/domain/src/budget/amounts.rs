//! Entered amounts: the cap on one amount, the sign rule of a field, and amounts per year.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::calendar::check_year;
use super::checks::Problems;
use crate::money::{self, Money, Unit};
use crate::validate::{ValidationCode, ValidationError, field_path};

/// The largest amount one field may hold: 10^15 öre, ten million mkr, far beyond any region's
/// whole budget. The cap keeps twelve months of a line, and their total, well inside `Money`.
pub const MAX_AMOUNT: Money = Money::from_ore(1_000_000_000_000_000);

/// Which sign an amount may have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sign {
    /// Changes and variances: either sign.
    Any,
    /// Frames, income, investment frames: zero or positive.
    NonNegative,
    /// Costs: zero or negative.
    NonPositive,
}

impl Sign {
    pub fn allows(self, amount: Money) -> bool {
        match self {
            Self::Any => true,
            Self::NonNegative => !amount.is_negative(),
            Self::NonPositive => !amount.is_positive(),
        }
    }
}

/// An amount for one year: a frame, the frame changes of a year, an investment frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct YearAmount {
    pub year: i32,
    pub amount: Money,
}

impl YearAmount {
    pub const fn new(year: i32, amount: Money) -> Self {
        Self { year, amount }
    }
}

/// Checks one entered amount: within [`MAX_AMOUNT`] (`out_of_range`) and of the allowed sign
/// (`wrong_sign`).
pub fn check_amount(field: &str, amount: Money, sign: Sign) -> Result<Money, ValidationError> {
    if amount.abs() > MAX_AMOUNT {
        return Err(ValidationError::new(field, ValidationCode::OutOfRange));
    }
    if !sign.allows(amount) {
        return Err(ValidationError::new(field, ValidationCode::WrongSign));
    }
    Ok(amount)
}

/// Parses an amount as people write it ("−2 155,5" in mkr), naming `field` on failure.
pub fn parse_amount(field: &str, text: &str, unit: Unit) -> Result<Money, ValidationError> {
    money::parse_sek(field, text, unit).map_err(ValidationError::from)
}

/// Checks amounts per year at `prefix` (`frame_changes[3].amounts`): every year in range, no
/// year twice, every amount within the cap and of the allowed sign. Sorted by year.
pub fn check_year_amounts(prefix: &str, amounts: &[YearAmount], sign: Sign) -> Result<Vec<YearAmount>, Vec<ValidationError>> {
    let mut p = Problems::default();
    let mut seen = HashSet::new();
    for (i, entry) in amounts.iter().enumerate() {
        let at = format!("{prefix}[{i}]");
        if p.ok(check_year(&field_path(&at, "year"), entry.year)).is_some() && !seen.insert(entry.year) {
            p.push(field_path(&at, "year"), ValidationCode::Duplicate);
        }
        p.ok(check_amount(&field_path(&at, "amount"), entry.amount, sign));
    }
    p.finish(|| {
        let mut sorted = amounts.to_vec();
        sorted.sort_by_key(|a| a.year);
        sorted
    })
}

/// The amount for `year`, if any.
pub(crate) fn amount_in(amounts: &[YearAmount], year: i32) -> Option<Money> {
    amounts.iter().find(|a| a.year == year).map(|a| a.amount)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_capped_and_signed() {
        assert_eq!(check_amount("a", MAX_AMOUNT, Sign::NonNegative), Ok(MAX_AMOUNT));
        let over = MAX_AMOUNT.checked_add(Money::from_ore(1)).unwrap();
        assert_eq!(check_amount("a", -over, Sign::Any).unwrap_err().code, ValidationCode::OutOfRange);
        assert_eq!(check_amount("a", Money::from_ore(-1), Sign::NonNegative).unwrap_err().code, ValidationCode::WrongSign);
        assert_eq!(check_amount("a", Money::from_ore(1), Sign::NonPositive).unwrap_err().code, ValidationCode::WrongSign);
        assert!(check_amount("a", Money::ZERO, Sign::NonPositive).is_ok());
        assert_eq!(parse_amount("belopp", "−2 155,5", Unit::Mkr), Ok(Money::from_ore(-215_550_000_000)));
        assert_eq!(parse_amount("belopp", "abc", Unit::Mkr).unwrap_err().field, "belopp");
    }

    #[test]
    fn year_amounts_name_every_problem() {
        let m = Money::from_ore(100);
        let input = [YearAmount::new(2021, m), YearAmount::new(2020, -m), YearAmount::new(2021, m), YearAmount::new(99_999, m)];
        let errors = check_year_amounts("x.amounts", &input, Sign::NonNegative).unwrap_err();
        let found: Vec<(&str, ValidationCode)> = errors.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(
            found,
            [
                ("x.amounts[1].amount", ValidationCode::WrongSign),
                ("x.amounts[2].year", ValidationCode::Duplicate),
                ("x.amounts[3].year", ValidationCode::InvalidPeriod),
            ]
        );
        let sorted = check_year_amounts("x", &input[..2], Sign::Any).unwrap();
        assert_eq!(sorted.iter().map(|a| a.year).collect::<Vec<_>>(), [2020, 2021]);
    }
}
