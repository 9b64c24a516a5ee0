//! Frames (ramar): the administration's decided frame per year, paid as regional compensation
//! per month, and its distribution over the administration's units (seed 004 §5.1, §5.1.1).

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::amounts::{Sign, YearAmount, amount_in, check_amount, check_year_amounts};
use super::calendar::check_year;
use super::checks::{CheckCode, Problems, TotalCheck, sum};
use super::phasing::{MonthlyAmounts, PhasingRule};
use crate::ids::OrgUnitId;
use crate::money::{self, Money};
use crate::validate::{ValidationCode, ValidationError, field_path};

/// How many plan years may follow the budget year. The Local Government Act asks for at least
/// two; investment plans often run five; ten leaves room without inviting typos like 2202.
pub const MAX_PLAN_YEARS: i32 = 10;

/// The frame fullmäktige decided for one administration: one amount per year, the budget year
/// first, then the plan years (seed 004: 221,0 / 218,4 / 222,4 mkr for 2020–2022).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdministrationFrames {
    pub administration: OrgUnitId,
    pub budget_year: i32,
    /// Sorted by year, one per year, none negative; always includes the budget year.
    pub frames: Vec<YearAmount>,
    /// How the frame is paid out as regional compensation per month.
    pub phasing: PhasingRule,
}

/// Unchecked [`AdministrationFrames`], as entered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FramesInput {
    pub administration: OrgUnitId,
    pub budget_year: i32,
    pub frames: Vec<YearAmount>,
    #[serde(default)]
    pub phasing: PhasingRule,
}

/// Checks frames at `prefix`: the budget year in range and among the frames
/// (`frames`: `required`), every year from the budget year to [`MAX_PLAN_YEARS`] after it
/// (`frames[i].year`: `invalid_period`), no year twice, no negative frame (`wrong_sign`).
pub fn check_frames(prefix: &str, input: &FramesInput) -> Result<AdministrationFrames, Vec<ValidationError>> {
    let f = |name: &str| field_path(prefix, name);
    let mut p = Problems::default();
    let budget_year = p.ok(check_year(&f("budget_year"), input.budget_year));
    let frames = p.all(check_year_amounts(&f("frames"), &input.frames, Sign::NonNegative));
    if let Some(year) = budget_year {
        for (i, frame) in input.frames.iter().enumerate() {
            let plan_period = year..=year.saturating_add(MAX_PLAN_YEARS);
            // A year outside the calendar is already reported by check_year_amounts.
            if check_year("", frame.year).is_ok() && !plan_period.contains(&frame.year) {
                p.push(field_path(&format!("{}[{i}]", f("frames")), "year"), ValidationCode::InvalidPeriod);
            }
        }
        if !input.frames.iter().any(|fr| fr.year == year) {
            p.push(f("frames"), ValidationCode::Required);
        }
    }
    p.finish(|| AdministrationFrames {
        administration: input.administration,
        budget_year: input.budget_year,
        frames: frames.unwrap_or_default(),
        phasing: input.phasing,
    })
}

impl AdministrationFrames {
    /// The frame of `year`, if decided.
    pub fn frame(&self, year: i32) -> Option<Money> {
        amount_in(&self.frames, year)
    }

    /// The regional compensation of each month of `year`: the frame phased by the rule. The
    /// months sum to the frame exactly.
    pub fn monthly_compensation(&self, year: i32) -> Option<MonthlyAmounts> {
        let frame = self.frame(year)?;
        self.phasing.phase("frames", frame, year, Sign::NonNegative).ok()
    }
}

/// One unit's frame in a distribution, with the previous year's frame beside it (table 5.1.1:
/// "Ram 2019", "Ram 2020").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitFrame {
    pub unit: OrgUnitId,
    pub frame: Money,
    pub previous_frame: Option<Money>,
}

/// How an administration distributes its frame of `year` over its units. The printed totals
/// are kept as entered, beside the rows, so that a check can report if they disagree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrameDistribution {
    pub administration: OrgUnitId,
    pub year: i32,
    /// In the order entered (the order of the printed table); one row per unit.
    pub units: Vec<UnitFrame>,
    /// The total as printed under the year's column, if one was printed.
    pub stated_total: Option<Money>,
    /// The total as printed under the previous year's column.
    pub stated_previous_total: Option<Money>,
}

/// Unchecked [`FrameDistribution`], as entered.
pub type DistributionInput = FrameDistribution;

/// Checks a distribution at `prefix`: the year in range, each unit once (`units[i].unit`:
/// `duplicate`), no negative frame or total (`wrong_sign`), every amount within the cap.
pub fn check_distribution_input(prefix: &str, input: &DistributionInput) -> Result<FrameDistribution, Vec<ValidationError>> {
    let f = |name: &str| field_path(prefix, name);
    let mut p = Problems::default();
    p.ok(check_year(&f("year"), input.year));
    let mut seen = HashSet::new();
    for (i, row) in input.units.iter().enumerate() {
        let at = format!("{}[{i}]", f("units"));
        if !seen.insert(row.unit) {
            p.push(field_path(&at, "unit"), ValidationCode::Duplicate);
        }
        p.ok(check_amount(&field_path(&at, "frame"), row.frame, Sign::NonNegative));
        if let Some(previous) = row.previous_frame {
            p.ok(check_amount(&field_path(&at, "previous_frame"), previous, Sign::NonNegative));
        }
    }
    for (name, stated) in [("stated_total", input.stated_total), ("stated_previous_total", input.stated_previous_total)] {
        if let Some(amount) = stated {
            p.ok(check_amount(&f(name), amount, Sign::NonNegative));
        }
    }
    p.finish(|| input.clone())
}

impl FrameDistribution {
    /// The sum of the units' frames.
    pub fn total(&self) -> Result<Money, ValidationError> {
        sum("frame_distribution.total", self.units.iter().map(|u| u.frame))
    }

    /// The sum of the units' previous-year frames; `None` if no row has one.
    pub fn previous_total(&self) -> Result<Option<Money>, ValidationError> {
        if self.units.iter().all(|u| u.previous_frame.is_none()) {
            return Ok(None);
        }
        sum("frame_distribution.previous_total", self.units.iter().filter_map(|u| u.previous_frame)).map(Some)
    }

    /// The previous year's frame of the whole administration: the printed total if there is
    /// one (it is what the document states), else the sum of the rows.
    pub fn previous_year_frame(&self) -> Result<Option<YearAmount>, ValidationError> {
        let amount = match self.stated_previous_total {
            Some(stated) => Some(stated),
            None => self.previous_total()?,
        };
        Ok(amount.map(|a| YearAmount::new(self.year - 1, a)))
    }
}

/// The checks of a distribution: each printed total against its column's sum, and the units'
/// frames against the administration's frame of the year (when known). All checks are
/// returned, exact ones too, so a view can show that a total was verified.
pub fn check_distribution(distribution: &FrameDistribution, administration_frame: Option<Money>) -> Result<Vec<TotalCheck>, ValidationError> {
    let year = distribution.year;
    let total = distribution.total()?;
    let mut checks = Vec::new();
    if let Some(stated) = distribution.stated_total {
        checks.push(TotalCheck::new(CheckCode::DistributionTotal, "frame_distribution.stated_total", Some(year), stated, total)?);
    }
    if let (Some(stated), Some(previous)) = (distribution.stated_previous_total, distribution.previous_total()?) {
        let field = "frame_distribution.stated_previous_total";
        checks.push(TotalCheck::new(CheckCode::DistributionTotal, field, Some(year - 1), stated, previous)?);
    }
    if let Some(frame) = administration_frame {
        checks.push(TotalCheck::new(CheckCode::DistributionMatchesFrame, "frame_distribution.units", Some(year), frame, total)?);
    }
    Ok(checks)
}

/// Spreads `frame` over units in proportion to a key (head count, last year's frame …); the
/// parts sum to the frame exactly. `None` if every weight is zero.
pub fn allocate_frame(frame: Money, keys: &[(OrgUnitId, u64)], previous: impl Fn(OrgUnitId) -> Option<Money>) -> Option<Vec<UnitFrame>> {
    let weights: Vec<u64> = keys.iter().map(|(_, w)| *w).collect();
    let parts = money::distribute(frame, &weights)?;
    Some(
        keys.iter()
            .zip(parts)
            .map(|(&(unit, _), frame)| UnitFrame { unit, frame, previous_frame: previous(unit) })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mkr(text: &str) -> Money {
        money::parse_sek("x", text, money::Unit::Mkr).unwrap()
    }

    #[test]
    fn frames_are_checked_and_phased() {
        let admin = OrgUnitId::new();
        let input = FramesInput {
            administration: admin,
            budget_year: 2020,
            frames: vec![YearAmount::new(2022, mkr("222,4")), YearAmount::new(2020, mkr("221,0")), YearAmount::new(2021, mkr("218,4"))],
            phasing: PhasingRule::Even,
        };
        let frames = check_frames("", &input).unwrap();
        assert_eq!(frames.frames.iter().map(|f| f.year).collect::<Vec<_>>(), [2020, 2021, 2022]);
        assert_eq!(frames.frame(2021), Some(mkr("218,4")));
        assert_eq!(frames.monthly_compensation(2020).unwrap().total(), mkr("221,0"));
        assert_eq!(frames.monthly_compensation(2023), None);

        let bad = FramesInput {
            frames: vec![YearAmount::new(2019, mkr("1")), YearAmount::new(2021, mkr("-1")), YearAmount::new(2021, mkr("1"))],
            ..input
        };
        let errors = check_frames("budget", &bad).unwrap_err();
        let found: Vec<(&str, ValidationCode)> = errors.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(
            found,
            [
                ("budget.frames[1].amount", ValidationCode::WrongSign),
                ("budget.frames[2].year", ValidationCode::Duplicate),
                ("budget.frames[0].year", ValidationCode::InvalidPeriod),
                ("budget.frames", ValidationCode::Required),
            ]
        );
    }

    #[test]
    fn distribution_checks_report_differences() {
        let (a, b) = (OrgUnitId::new(), OrgUnitId::new());
        let distribution = FrameDistribution {
            administration: OrgUnitId::new(),
            year: 2020,
            units: vec![
                UnitFrame { unit: a, frame: mkr("10,0"), previous_frame: Some(mkr("9,0")) },
                UnitFrame { unit: b, frame: mkr("5,0"), previous_frame: Some(mkr("6,0")) },
            ],
            stated_total: Some(mkr("15,0")),
            stated_previous_total: Some(mkr("14,0")),
        };
        let checks = check_distribution(&distribution, Some(mkr("15,5"))).unwrap();
        let differences: Vec<(CheckCode, Option<i32>, Money)> = checks.iter().map(|c| (c.code, c.year, c.difference)).collect();
        assert_eq!(
            differences,
            [
                (CheckCode::DistributionTotal, Some(2020), Money::ZERO),
                (CheckCode::DistributionTotal, Some(2019), mkr("1,0")),
                (CheckCode::DistributionMatchesFrame, Some(2020), mkr("-0,5")),
            ]
        );
        assert_eq!(distribution.previous_year_frame().unwrap(), Some(YearAmount::new(2019, mkr("14,0"))));

        let twice = FrameDistribution { units: vec![distribution.units[0], distribution.units[0]], ..distribution.clone() };
        let errors = check_distribution_input("d", &twice).unwrap_err();
        assert_eq!((errors[0].field.as_str(), errors[0].code), ("d.units[1].unit", ValidationCode::Duplicate));
        assert!(check_distribution_input("d", &distribution).is_ok());
    }

    #[test]
    fn allocation_by_key_is_exact() {
        let units = [(OrgUnitId::new(), 3), (OrgUnitId::new(), 1), (OrgUnitId::new(), 0)];
        let parts = allocate_frame(Money::from_ore(10), &units, |_| None).unwrap();
        assert_eq!(parts.iter().map(|p| p.frame.as_ore()).collect::<Vec<_>>(), [8, 2, 0]);
        assert!(allocate_frame(Money::from_ore(10), &[(OrgUnitId::new(), 0)], |_| None).is_none());
    }
}
