//! Reconciliation checks: a stated (printed) figure against what its parts add up to. A check
//! reports the difference; it never refuses or corrects the stated figure.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::money::Money;
use crate::validate::{ValidationCode, ValidationError};

/// What a [`TotalCheck`] compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckCode {
    /// The printed total of a frame distribution against the sum of its unit rows.
    DistributionTotal,
    /// The sum of the units' frames against the administration's decided frame.
    DistributionMatchesFrame,
    /// frame(year) against frame(year − 1) + the frame changes of the year.
    FrameChain,
    /// The printed sum of a year's frame changes against the sum of its lines.
    FrameChangeTotal,
    /// A printed budget total (income, costs or result) against the sum of the budget lines.
    BudgetTotal,
    /// Balanced budget: the result (income + costs) against zero.
    Balanced,
}

impl CheckCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::DistributionTotal => "distribution_total",
            Self::DistributionMatchesFrame => "distribution_matches_frame",
            Self::FrameChain => "frame_chain",
            Self::FrameChangeTotal => "frame_change_total",
            Self::BudgetTotal => "budget_total",
            Self::Balanced => "balanced",
        }
    }
}

/// The outcome of one check. `difference = computed − stated`: what the parts add up to minus
/// the figure as entered (for [`CheckCode::Balanced`], stated is zero and the difference is the
/// result). Zero means the figures agree; anything else is a warning to show, with this amount.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TotalCheck {
    pub code: CheckCode,
    /// What was checked, as a field path (`frame_distribution.stated_previous_total`).
    pub field: String,
    pub year: Option<i32>,
    pub stated: Money,
    pub computed: Money,
    pub difference: Money,
}

impl TotalCheck {
    pub fn new(code: CheckCode, field: &str, year: Option<i32>, stated: Money, computed: Money) -> Result<Self, ValidationError> {
        let difference = computed.checked_sub(stated).ok_or_else(|| out_of_range(field))?;
        Ok(Self { code, field: field.to_owned(), year, stated, computed, difference })
    }

    /// The figures agree exactly.
    pub fn is_exact(&self) -> bool {
        self.difference.is_zero()
    }
}

/// The checks that did not add up: the warnings to show.
pub fn warnings(checks: &[TotalCheck]) -> impl Iterator<Item = &TotalCheck> {
    checks.iter().filter(|c| !c.is_exact())
}

/// Every problem of an input that failed to check, for `serde(try_from)` and `?` in callers that
/// want one error value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct InvalidInput(pub Vec<ValidationError>);

impl fmt::Display for InvalidInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&parts.join("; "))
    }
}

impl std::error::Error for InvalidInput {}

impl From<Vec<ValidationError>> for InvalidInput {
    fn from(errors: Vec<ValidationError>) -> Self {
        Self(errors)
    }
}

pub(crate) fn out_of_range(field: &str) -> ValidationError {
    ValidationError::new(field, ValidationCode::OutOfRange)
}

/// An `i128` running total as `Money`, or `out_of_range` naming `field`. Sums run in `i128` so
/// that no intermediate step can overflow, whatever the order of the amounts.
pub(crate) fn to_money(field: &str, ore: i128) -> Result<Money, ValidationError> {
    i64::try_from(ore).ok().and_then(|o| Money::try_from(o).ok()).ok_or_else(|| out_of_range(field))
}

/// The exact sum of `amounts`, or `out_of_range` naming `field`.
pub(crate) fn sum(field: &str, amounts: impl IntoIterator<Item = Money>) -> Result<Money, ValidationError> {
    to_money(field, amounts.into_iter().map(|m| i128::from(m.as_ore())).sum())
}

/// Collects problems while checking an input, so that every problem is reported, not only the
/// first.
#[derive(Default)]
pub(crate) struct Problems(pub Vec<ValidationError>);

impl Problems {
    pub fn ok<T>(&mut self, result: Result<T, ValidationError>) -> Option<T> {
        result.map_err(|e| self.0.push(e)).ok()
    }

    pub fn all<T>(&mut self, result: Result<T, Vec<ValidationError>>) -> Option<T> {
        result.map_err(|e| self.0.extend(e)).ok()
    }

    pub fn push(&mut self, field: String, code: ValidationCode) {
        self.0.push(ValidationError::new(field, code));
    }

    /// `value` if nothing was found, else every problem.
    pub fn finish<T>(self, value: impl FnOnce() -> T) -> Result<T, Vec<ValidationError>> {
        if self.0.is_empty() { Ok(value()) } else { Err(self.0) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn difference_is_computed_minus_stated() {
        let check = TotalCheck::new(CheckCode::FrameChain, "frames", Some(2021), Money::from_ore(10), Money::from_ore(7)).unwrap();
        assert_eq!(check.difference, Money::from_ore(-3));
        assert!(!check.is_exact());
        assert_eq!(warnings(std::slice::from_ref(&check)).count(), 1);
        assert_eq!(
            TotalCheck::new(CheckCode::Balanced, "result", None, Money::MIN, Money::MAX).unwrap_err().code,
            ValidationCode::OutOfRange
        );
    }

    #[test]
    fn sums_are_exact_or_out_of_range() {
        assert_eq!(sum("x", [Money::MAX, Money::MAX, -Money::MAX]), Ok(Money::MAX), "no intermediate overflow");
        assert_eq!(sum("x", [Money::MAX, Money::from_ore(1)]).unwrap_err().field, "x");
    }
}
