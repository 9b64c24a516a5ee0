//! Twelve monthly amounts and the rules that phase an annual amount over them (periodisering).
//! The arithmetic is [`crate::money`]'s: the months always sum to the annual amount exactly.

use serde::{Deserialize, Serialize};

use super::amounts::{MAX_AMOUNT, Sign, check_amount};
use super::checks::Problems;
use crate::money::{self, Money};
use crate::validate::{ValidationCode, ValidationError};

/// January to December of one year. Every month is within [`MAX_AMOUNT`], so the total always
/// fits; serialized as an array of twelve öre amounts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "[Money; 12]", into = "[Money; 12]")]
pub struct MonthlyAmounts([Money; 12]);

impl MonthlyAmounts {
    pub const ZERO: MonthlyAmounts = MonthlyAmounts([Money::ZERO; 12]);

    /// Checks each month at `field[0]` … `field[11]` against the cap and `sign`.
    pub fn new(field: &str, months: [Money; 12], sign: Sign) -> Result<Self, Vec<ValidationError>> {
        let mut p = Problems::default();
        for (i, &amount) in months.iter().enumerate() {
            p.ok(check_amount(&format!("{field}[{i}]"), amount, sign));
        }
        p.finish(|| Self(months))
    }

    pub fn months(&self) -> &[Money; 12] {
        &self.0
    }

    /// The amount of calendar month `month` (1–12); zero outside that range.
    pub fn month(&self, month: u8) -> Money {
        usize::from(month).checked_sub(1).and_then(|i| self.0.get(i).copied()).unwrap_or(Money::ZERO)
    }

    /// The whole year. Cannot overflow: twelve capped amounts fit in `Money`.
    pub fn total(&self) -> Money {
        self.through(12)
    }

    /// January up to and including `month` (year to date).
    pub fn through(&self, month: u8) -> Money {
        let ore: i64 = self.0.iter().take(usize::from(month)).map(|m| m.as_ore()).sum();
        Money::from_ore(ore)
    }
}

impl From<MonthlyAmounts> for [Money; 12] {
    fn from(months: MonthlyAmounts) -> Self {
        months.0
    }
}

impl TryFrom<[Money; 12]> for MonthlyAmounts {
    type Error = super::checks::InvalidInput;

    fn try_from(months: [Money; 12]) -> Result<Self, Self::Error> {
        Self::new("months", months, Sign::Any).map_err(Into::into)
    }
}

/// Twelve relative weights, not all zero (a seasonal profile: no cost in July, double in
/// December …).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "[u32; 12]", into = "[u32; 12]")]
pub struct PhasingProfile([u32; 12]);

impl PhasingProfile {
    /// `invalid_choice` at `field` if every weight is zero (nothing to phase by).
    pub fn new(field: &str, weights: [u32; 12]) -> Result<Self, ValidationError> {
        if weights.iter().all(|&w| w == 0) {
            Err(ValidationError::new(field, ValidationCode::InvalidChoice))
        } else {
            Ok(Self(weights))
        }
    }

    pub fn weights(&self) -> &[u32; 12] {
        &self.0
    }
}

impl From<PhasingProfile> for [u32; 12] {
    fn from(profile: PhasingProfile) -> Self {
        profile.0
    }
}

impl TryFrom<[u32; 12]> for PhasingProfile {
    type Error = ValidationError;

    fn try_from(weights: [u32; 12]) -> Result<Self, Self::Error> {
        Self::new("weights", weights)
    }
}

/// How an annual amount is spread over the months. Seed 004: "regionersättning med 1/12 per
/// månad" is [`PhasingRule::Even`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum PhasingRule {
    /// One twelfth per month.
    #[default]
    Even,
    /// In proportion to twelve weights.
    Profile { weights: PhasingProfile },
    /// In proportion to the days of each month of the year (29 February counts in leap years).
    DayCount,
}

impl PhasingRule {
    /// The twelve months of `amount` in `year`; they sum to `amount` exactly.
    pub fn phase_raw(&self, amount: Money, year: i32) -> [Money; 12] {
        match self {
            Self::Even => money::phase_even(amount),
            Self::Profile { weights } => {
                money::phase_by_profile("weights", amount, weights.weights()).expect("a profile has a non-zero weight")
            }
            Self::DayCount => money::phase_by_days(amount, year),
        }
    }

    /// Phases an entered annual amount, checking it at `field` against the cap and `sign` first.
    /// Each month then lies between zero and the amount, so it passes the same checks.
    pub fn phase(&self, field: &str, amount: Money, year: i32, sign: Sign) -> Result<MonthlyAmounts, ValidationError> {
        check_amount(field, amount, sign)?;
        debug_assert!(amount.abs() <= MAX_AMOUNT);
        Ok(MonthlyAmounts(self.phase_raw(amount, year)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_total_and_year_to_date() {
        let months = MonthlyAmounts::new("m", [Money::from_ore(100); 12], Sign::NonNegative).unwrap();
        assert_eq!(months.total(), Money::from_ore(1200));
        assert_eq!(months.through(3), Money::from_ore(300));
        assert_eq!(months.month(12), Money::from_ore(100));
        assert_eq!(months.month(0), Money::ZERO);
        let mut wrong = [Money::from_ore(-5); 12];
        wrong[0] = Money::ZERO;
        let errors = MonthlyAmounts::new("lines[0].months", wrong, Sign::NonNegative).unwrap_err();
        assert_eq!(errors.len(), 11);
        assert_eq!(errors[0].field, "lines[0].months[1]");
        assert_eq!(errors[0].code, ValidationCode::WrongSign);
    }

    #[test]
    fn rules_phase_exactly_and_serialize_readably() {
        let frame = Money::from_ore(22_100_000_000);
        let even = PhasingRule::Even.phase("frame", frame, 2020, Sign::NonNegative).unwrap();
        assert_eq!(even.total(), frame);
        assert_eq!(even.month(1), Money::from_ore(1_841_666_667), "the 8 spare öre go to January–August");
        assert_eq!(even.month(12), Money::from_ore(1_841_666_666));

        let summer = PhasingProfile::new("weights", [2, 2, 2, 2, 2, 1, 0, 1, 2, 2, 2, 2]).unwrap();
        let rule = PhasingRule::Profile { weights: summer };
        let phased = rule.phase("amount", -frame, 2020, Sign::NonPositive).unwrap();
        assert_eq!(phased.total(), -frame);
        assert!(phased.month(7).is_zero());
        assert_eq!(PhasingRule::DayCount.phase("a", Money::from_ore(366), 2020, Sign::Any).unwrap().month(2), Money::from_ore(29));
        assert_eq!(
            PhasingRule::Even.phase("amount", -frame, 2020, Sign::NonNegative).unwrap_err().code,
            ValidationCode::WrongSign
        );

        assert_eq!(PhasingProfile::new("p", [0; 12]).unwrap_err().code, ValidationCode::InvalidChoice);
        assert_eq!(serde_json::to_string(&PhasingRule::Even).unwrap(), r#"{"rule":"even"}"#);
        let json = serde_json::to_string(&rule).unwrap();
        assert_eq!(json, r#"{"rule":"profile","weights":[2,2,2,2,2,1,0,1,2,2,2,2]}"#);
        assert_eq!(serde_json::from_str::<PhasingRule>(&json).unwrap(), rule);
        assert!(serde_json::from_str::<PhasingRule>(r#"{"rule":"profile","weights":[0,0,0,0,0,0,0,0,0,0,0,0]}"#).is_err());
        assert!(serde_json::from_str::<MonthlyAmounts>(&format!("[{}]", ["1"; 12].join(","))).is_ok());
    }
}
