//! Income-financed activities (intäktsfinansierade verksamheter, seed 004 §5.2): price change
//! in per cent and in money, volume change, and the total estimated income of each activity.

use serde::{Deserialize, Serialize};

use super::amounts::{Sign, check_amount};
use super::checks::Problems;
use crate::money::Money;
use crate::validate::{self, ValidationCode, ValidationError, field_path};

pub const NAME_MAX: usize = 200;

/// A percentage with one decimal, as integer tenths of a per cent: 3,0 % is 30, −1,5 % is −15.
/// Exact and comparable, unlike a float. Within ±1 000,0 %.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "i32", into = "i32")]
pub struct PercentTenths(i32);

impl PercentTenths {
    pub const MAX_TENTHS: i32 = 10_000;

    pub fn from_tenths(tenths: i32) -> Option<Self> {
        (tenths.abs() <= Self::MAX_TENTHS).then_some(Self(tenths))
    }

    pub fn tenths(self) -> i32 {
        self.0
    }

    /// Parses "3,0", "2.3", "0", "−1,5", "2,3 %" (decimal comma or point, at most one decimal).
    pub fn parse(field: &str, text: &str) -> Result<Self, ValidationError> {
        let error = |code| ValidationError::new(field, code);
        let text = text.trim().trim_end_matches('%').trim_end();
        if text.is_empty() {
            return Err(error(ValidationCode::Required));
        }
        let (negative, body) = match text.chars().next() {
            Some('-' | '\u{2212}' | '\u{2013}') => (true, &text[text.chars().next().map_or(0, char::len_utf8)..]),
            Some('+') => (false, &text[1..]),
            _ => (false, text),
        };
        let (whole, decimals) = body.split_once([',', '.']).unwrap_or((body, ""));
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !digits(whole) || !digits(decimals) || (body.len() > whole.len() && decimals.is_empty()) {
            return Err(error(ValidationCode::NotANumber));
        }
        let decimals = decimals.trim_end_matches('0');
        if decimals.len() > 1 {
            return Err(error(ValidationCode::TooManyDecimals));
        }
        let whole: i64 = whole.parse().map_err(|_| error(ValidationCode::OutOfRange))?;
        let tenth = decimals.parse::<i64>().unwrap_or(0);
        let tenths = whole.checked_mul(10).and_then(|w| w.checked_add(tenth)).ok_or_else(|| error(ValidationCode::OutOfRange))?;
        let tenths = if negative { -tenths } else { tenths };
        i32::try_from(tenths).ok().and_then(Self::from_tenths).ok_or_else(|| error(ValidationCode::OutOfRange))
    }
}

impl From<PercentTenths> for i32 {
    fn from(p: PercentTenths) -> Self {
        p.0
    }
}

impl TryFrom<i32> for PercentTenths {
    type Error = ValidationError;

    fn try_from(tenths: i32) -> Result<Self, Self::Error> {
        Self::from_tenths(tenths).ok_or_else(|| ValidationError::new("percent", ValidationCode::OutOfRange))
    }
}

/// One row of table 5.2.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncomeFinancedActivity {
    /// "Ekonomistöd".
    pub name: String,
    /// "Prisförändring i procent"; may be zero.
    pub price_change_pct: PercentTenths,
    /// "Prisförändring i mkr".
    pub price_change: Money,
    /// "Volymförändring i mkr".
    pub volume_change: Money,
    /// "Total beräknad intäkt i mkr"; income, so never negative.
    pub total_income: Money,
}

/// Unchecked [`IncomeFinancedActivity`]: the percentage as typed, amounts already parsed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncomeFinancedInput {
    pub name: String,
    pub price_change_pct: String,
    pub price_change: Money,
    pub volume_change: Money,
    pub total_income: Money,
}

/// Checks one row at `prefix`, naming every problem.
pub fn check_income_financed(prefix: &str, input: &IncomeFinancedInput) -> Result<IncomeFinancedActivity, Vec<ValidationError>> {
    let f = |name: &str| field_path(prefix, name);
    let mut p = Problems::default();
    let name = p.ok(validate::required_text(&f("name"), &input.name, NAME_MAX));
    let pct = p.ok(PercentTenths::parse(&f("price_change_pct"), &input.price_change_pct));
    p.ok(check_amount(&f("price_change"), input.price_change, Sign::Any));
    p.ok(check_amount(&f("volume_change"), input.volume_change, Sign::Any));
    p.ok(check_amount(&f("total_income"), input.total_income, Sign::NonNegative));
    p.finish(|| IncomeFinancedActivity {
        name: name.unwrap_or_default(),
        price_change_pct: pct.unwrap_or_default(),
        price_change: input.price_change,
        volume_change: input.volume_change,
        total_income: input.total_income,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_parse_exactly() {
        let p = |t| PercentTenths::parse("pct", t).map(PercentTenths::tenths);
        assert_eq!(p("3,0"), Ok(30));
        assert_eq!(p("2.3"), Ok(23));
        assert_eq!(p("0"), Ok(0));
        assert_eq!(p(" −1,5 % "), Ok(-15));
        assert_eq!(p("+2,50"), Ok(25), "trailing zeros are not decimals");
        assert_eq!(p("1000,0"), Ok(10_000));
        let code = |t| PercentTenths::parse("pct", t).unwrap_err().code;
        assert_eq!(code("2,35"), ValidationCode::TooManyDecimals);
        assert_eq!(code("1000,1"), ValidationCode::OutOfRange);
        assert_eq!(code("99999999999999999999"), ValidationCode::OutOfRange);
        assert_eq!(code(""), ValidationCode::Required);
        for bad in ["3,", ",5", "3,0,0", "tre", "3 0", "--3", "3e1"] {
            assert_eq!(code(bad), ValidationCode::NotANumber, "{bad}");
        }
        assert_eq!(serde_json::to_string(&PercentTenths(23)).unwrap(), "23");
        assert!(serde_json::from_str::<PercentTenths>("10001").is_err());
    }

    #[test]
    fn rows_are_checked() {
        let input = IncomeFinancedInput {
            name: "Lärcentrum".into(),
            price_change_pct: "0".into(),
            price_change: Money::ZERO,
            volume_change: Money::from_ore(40_000_000),
            total_income: Money::from_ore(1_360_000_000),
        };
        assert_eq!(check_income_financed("", &input).unwrap().price_change_pct, PercentTenths(0));
        let bad = IncomeFinancedInput { name: String::new(), price_change_pct: "x".into(), total_income: Money::from_ore(-1), ..input };
        let fields: Vec<String> = check_income_financed("rows[2]", &bad).unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["rows[2].name", "rows[2].price_change_pct", "rows[2].total_income"]);
    }
}
