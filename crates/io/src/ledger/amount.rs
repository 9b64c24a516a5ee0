//! The amount of a ledger line, exactly in öre, from text or from a spreadsheet number.

use domain::money::{Money, MoneyError, Unit, parse_decimal_str, parse_sek};

use super::value::Value;
use crate::problem::LineProblemCode;

/// Beyond this many öre (100 billion kr) a spreadsheet number is only accepted when its decimal
/// form is already whole öre: the f64 is too coarse there to tell noise from a real fraction.
const NOISE_LIMIT_ORE: f64 = 1e13;

pub(crate) fn amount_of(value: &Value<'_>, unit: Unit) -> Result<Money, LineProblemCode> {
    match value {
        Value::Empty => Err(LineProblemCode::MissingValue),
        Value::Text(text) => parse_sek("", text, unit).map_err(code_of),
        Value::Number(number) => money_from_spreadsheet_number(*number, unit),
        Value::Integer(number) => {
            number.checked_mul(unit.ore()).and_then(|ore| Money::try_from(ore).ok()).ok_or(LineProblemCode::OutOfRange)
        }
        Value::Date { .. } | Value::Other(_) => Err(LineProblemCode::NotANumber),
    }
}

/// A numeric cell, which reaches us as an `f64`, in whole öre.
///
/// 1. The shortest decimal text that reads back as the same `f64` is what the file holds for a
///    typed number (Excel writes "1234.5", not a binary fraction), so it is parsed exactly.
/// 2. If that text has a fraction of an öre, the cell is usually a formula whose binary result
///    carries noise (=0,1+0,2 is 0.30000000000000004). The amount is rounded to the nearest öre
///    only when it lies within 1e-6 öre of it — widened to 1e-15 of the amount for large
///    amounts, where one f64 step is itself larger than 1e-6 öre. Anything further away is a real
///    fraction of an öre ("1,005" kr) and a problem, never rounded.
pub(crate) fn money_from_spreadsheet_number(number: f64, unit: Unit) -> Result<Money, LineProblemCode> {
    if !number.is_finite() {
        return Err(LineProblemCode::NotANumber);
    }
    // `{:e}` is the shortest round-trip form, and short even for 1e-300.
    match parse_decimal_str("", &format!("{number:e}"), unit) {
        Ok(money) => return Ok(money),
        Err(MoneyError::FractionOfOre { .. }) => {}
        Err(error) => return Err(code_of(error)),
    }
    let ore = number * unit.ore() as f64;
    let nearest = ore.round();
    let tolerance = (ore.abs() * 1e-15).max(1e-6);
    if ore.abs() <= NOISE_LIMIT_ORE && (ore - nearest).abs() <= tolerance {
        // Within ±1e13, so the cast is exact.
        Ok(Money::from_ore(nearest as i64))
    } else {
        Err(LineProblemCode::FractionOfOre)
    }
}

fn code_of(error: MoneyError) -> LineProblemCode {
    match error {
        MoneyError::Empty { .. } => LineProblemCode::MissingValue,
        MoneyError::AmbiguousDecimalPoint { .. } => LineProblemCode::AmbiguousDecimalPoint,
        MoneyError::MisplacedSeparator { .. } => LineProblemCode::MisplacedSeparator,
        MoneyError::FractionOfOre { .. } => LineProblemCode::FractionOfOre,
        MoneyError::Overflow { .. } => LineProblemCode::OutOfRange,
        MoneyError::NotANumber { .. } | MoneyError::TooLong { .. } | MoneyError::NoWeight { .. } => {
            LineProblemCode::NotANumber
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kr(number: f64) -> Result<i64, LineProblemCode> {
        money_from_spreadsheet_number(number, Unit::Kr).map(Money::as_ore)
    }

    #[test]
    fn typed_numbers_are_exact() {
        assert_eq!(kr(1234.5), Ok(123_450));
        assert_eq!(kr(-0.01), Ok(-1));
        assert_eq!(kr(0.0), Ok(0));
        assert_eq!(kr(-0.0), Ok(0));
        // Beyond 2^53 öre the f64 cannot hold every öre, but a whole-kronor amount is still exact.
        assert_eq!(kr(900_000_000_000_000.0), Ok(90_000_000_000_000_000));
        assert_eq!(money_from_spreadsheet_number(221.4, Unit::Tkr).map(Money::as_ore), Ok(22_140_000));
        assert_eq!(money_from_spreadsheet_number(0.00001, Unit::Tkr).map(Money::as_ore), Ok(1));
    }

    #[test]
    fn formula_noise_is_rounded_away() {
        assert_eq!(kr(0.1 + 0.2), Ok(30));
        assert_eq!(kr(1_000_000.0 + 0.01 - 1_000_000.0), Ok(1));
        assert_eq!(kr(-(0.1 + 0.2)), Ok(-30));
        assert_eq!(kr(123_456_789.01 * 3.0), Ok(37_037_036_703));
    }

    #[test]
    fn real_fractions_of_an_ore_are_problems() {
        assert_eq!(kr(1.005), Err(LineProblemCode::FractionOfOre));
        assert_eq!(kr(0.001), Err(LineProblemCode::FractionOfOre));
        assert_eq!(kr(1e-7), Err(LineProblemCode::FractionOfOre));
        assert_eq!(kr(1e300), Err(LineProblemCode::OutOfRange));
        assert_eq!(kr(f64::NAN), Err(LineProblemCode::NotANumber));
        assert_eq!(kr(f64::INFINITY), Err(LineProblemCode::NotANumber));
    }

    #[test]
    fn text_amounts_use_swedish_parsing() {
        let text = |t| amount_of(&Value::Text(t), Unit::Kr).map(Money::as_ore);
        assert_eq!(text("1 234,50"), Ok(123_450));
        assert_eq!(text("\u{2212}1\u{a0}234,50"), Ok(-123_450));
        assert_eq!(text("-1234,5"), Ok(-123_450));
        assert_eq!(text("1.234"), Err(LineProblemCode::AmbiguousDecimalPoint));
        assert_eq!(text("12 34,5"), Err(LineProblemCode::MisplacedSeparator));
        assert_eq!(text("tolv"), Err(LineProblemCode::NotANumber));
        assert_eq!(text(""), Err(LineProblemCode::MissingValue));
        assert_eq!(amount_of(&Value::Text("1,5"), Unit::Tkr).map(Money::as_ore), Ok(150_000));
        assert_eq!(amount_of(&Value::Integer(i64::MAX), Unit::Kr), Err(LineProblemCode::OutOfRange));
        assert_eq!(amount_of(&Value::Other("#DIV/0!".into()), Unit::Kr), Err(LineProblemCode::NotANumber));
    }
}
