//! Frame changes (ramförändringar, seed 004 §5.1.2): lines with a reason and an amount per
//! year, and the rule that ties the years together: frame(year) = frame(year − 1) + Σ changes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::amounts::{Sign, YearAmount, amount_in, check_year_amounts};
use super::checks::{CheckCode, Problems, TotalCheck, to_money};
use crate::validate::{self, ValidationError, field_path};

pub const REASON_MAX: usize = 500;

/// One line of the frame-change table: why, and by how much in each year it applies to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrameChange {
    /// "Reducering ram till följd av EIB".
    pub reason: String,
    /// Sorted by year, one per year; a year without an amount has no entry (an empty cell).
    pub amounts: Vec<YearAmount>,
}

/// Unchecked [`FrameChange`], as entered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrameChangeInput {
    pub reason: String,
    pub amounts: Vec<YearAmount>,
}

/// Checks every line at `prefix[i]` (`frame_changes[3].reason`, `frame_changes[3].amounts[0].year`)
/// and returns all problems of all lines.
pub fn check_frame_changes(prefix: &str, inputs: &[FrameChangeInput]) -> Result<Vec<FrameChange>, Vec<ValidationError>> {
    let mut p = Problems::default();
    let mut changes = Vec::with_capacity(inputs.len());
    for (i, input) in inputs.iter().enumerate() {
        let at = format!("{prefix}[{i}]");
        let reason = p.ok(validate::required_text(&field_path(&at, "reason"), &input.reason, REASON_MAX));
        let amounts = p.all(check_year_amounts(&field_path(&at, "amounts"), &input.amounts, Sign::Any));
        if let (Some(reason), Some(amounts)) = (reason, amounts) {
            changes.push(FrameChange { reason, amounts });
        }
    }
    p.finish(|| changes)
}

/// The sum of the changes of each year, sorted by year ("Summa Regionkontoret −2 326,2 / −2,7 / 4,0").
pub fn change_totals(changes: &[FrameChange]) -> Result<Vec<YearAmount>, ValidationError> {
    let mut by_year: BTreeMap<i32, i128> = BTreeMap::new();
    for amount in changes.iter().flat_map(|c| &c.amounts) {
        *by_year.entry(amount.year).or_default() += i128::from(amount.amount.as_ore());
    }
    by_year.into_iter().map(|(year, ore)| Ok(YearAmount::new(year, to_money("frame_changes.total", ore)?))).collect()
}

/// Each printed yearly sum of the changes against the sum of the lines. A year printed but
/// without lines sums to zero.
pub fn check_change_totals(changes: &[FrameChange], stated: &[YearAmount]) -> Result<Vec<TotalCheck>, ValidationError> {
    let totals = change_totals(changes)?;
    stated
        .iter()
        .map(|s| {
            let computed = amount_in(&totals, s.year).unwrap_or_default();
            TotalCheck::new(CheckCode::FrameChangeTotal, "frame_changes.stated_totals", Some(s.year), s.amount, computed)
        })
        .collect()
}

/// For every year whose frame and previous year's frame are both known: the frame as stated
/// against the previous frame plus the year's changes. A year without changes must repeat the
/// previous frame. `frames` may hold any years in any order (one amount per year).
pub fn check_frame_chain(frames: &[YearAmount], changes: &[FrameChange]) -> Result<Vec<TotalCheck>, ValidationError> {
    let totals = change_totals(changes)?;
    let mut sorted = frames.to_vec();
    sorted.sort_by_key(|f| f.year);
    let mut checks = Vec::new();
    for frame in &sorted {
        let Some(previous) = amount_in(&sorted, frame.year - 1) else { continue };
        let change = amount_in(&totals, frame.year).unwrap_or_default();
        let computed = to_money("frames", i128::from(previous.as_ore()) + i128::from(change.as_ore()))?;
        checks.push(TotalCheck::new(CheckCode::FrameChain, "frames", Some(frame.year), frame.amount, computed)?);
    }
    Ok(checks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::{Money, Unit, parse_sek};
    use crate::validate::ValidationCode;

    fn mkr(text: &str) -> Money {
        parse_sek("x", text, Unit::Mkr).unwrap()
    }

    #[test]
    fn lines_are_checked_with_paths() {
        let inputs = [
            FrameChangeInput { reason: "  Ökad ram innovation från CRU ".into(), amounts: vec![YearAmount::new(2020, mkr("2,0"))] },
            FrameChangeInput { reason: " ".into(), amounts: vec![YearAmount::new(2020, mkr("1")), YearAmount::new(2020, mkr("1"))] },
        ];
        let errors = check_frame_changes("frame_changes", &inputs).unwrap_err();
        let found: Vec<(&str, ValidationCode)> = errors.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(
            found,
            [("frame_changes[1].reason", ValidationCode::Required), ("frame_changes[1].amounts[1].year", ValidationCode::Duplicate)]
        );
        let ok = check_frame_changes("frame_changes", &inputs[..1]).unwrap();
        assert_eq!(ok[0].reason, "Ökad ram innovation från CRU");
    }

    #[test]
    fn chain_reports_each_year() {
        let changes = [
            FrameChange { reason: "a".into(), amounts: vec![YearAmount::new(2021, mkr("-2,7")), YearAmount::new(2022, mkr("-1,2"))] },
            FrameChange { reason: "b".into(), amounts: vec![YearAmount::new(2022, mkr("5,2"))] },
        ];
        assert_eq!(change_totals(&changes).unwrap(), [YearAmount::new(2021, mkr("-2,7")), YearAmount::new(2022, mkr("4,0"))]);
        let frames = [YearAmount::new(2022, mkr("222,4")), YearAmount::new(2020, mkr("221,0")), YearAmount::new(2021, mkr("218,4"))];
        let checks = check_frame_chain(&frames, &changes).unwrap();
        assert_eq!(checks.len(), 2, "2020 has no previous frame to check against");
        assert_eq!((checks[0].year, checks[0].computed, checks[0].difference), (Some(2021), mkr("218,3"), mkr("-0,1")));
        assert!(checks[1].is_exact());

        let stated = [YearAmount::new(2021, mkr("-2,7")), YearAmount::new(2023, mkr("1,0"))];
        let checks = check_change_totals(&changes, &stated).unwrap();
        assert!(checks[0].is_exact());
        assert_eq!(checks[1].difference, mkr("-1,0"), "printed, but no lines");
    }
}
