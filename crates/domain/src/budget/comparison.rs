//! Budget versus actual versus forecast, per category (rolled up the tree) for a unit or a
//! subtree of units, for one month, the year to date and the full year.
//!
//! Variance = outcome − budget on signed amounts ([`money::variance`]): positive is better than
//! budget on income and cost rows alike. For the month and the year to date the outcome is the
//! actual; for the full year it is the forecast. A budget line (unit and category) without a
//! forecast in force counts its annual budget as its forecast (no deviation reported), and is
//! counted in [`Comparison::forecasts_missing`] so a view can say how complete the forecast is.
//!
//! [`compare`] works from the records; [`compare_sums`] from sums per category that the store
//! has already aggregated in SQL (the same rules, for large subtrees).

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::actuals::{ActualRecord, Forecast};
use super::calendar::YearMonth;
use super::categories::{CategoryKind, CategoryTree};
use super::checks::{out_of_range, to_money};
use super::lines::BudgetLine;
use super::totals::{Sums, roll_up};
use crate::ids::OrgUnitId;
use crate::money::{self, Money};
use crate::validate::{ValidationCode, ValidationError};

/// The figures of one row.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figures {
    pub budget_month: Money,
    pub budget_ytd: Money,
    pub budget_year: Money,
    pub actual_month: Money,
    pub actual_ytd: Money,
    /// Full-year forecast.
    pub forecast_year: Money,
    /// actual − budget for the month.
    pub variance_month: Money,
    /// actual − budget, January to the month.
    pub variance_ytd: Money,
    /// forecast − budget for the full year.
    pub variance_year: Money,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComparisonRow {
    pub code: String,
    pub depth: usize,
    pub kind: CategoryKind,
    pub figures: Figures,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comparison {
    pub month: YearMonth,
    /// Every category in display order.
    pub rows: Vec<ComparisonRow>,
    pub income: Figures,
    pub costs: Figures,
    /// income + costs.
    pub result: Figures,
    /// Budget lines (units and categories) without a forecast in force.
    pub forecasts_missing: usize,
}

const BUDGET_MONTH: usize = 0;
const BUDGET_YTD: usize = 1;
const BUDGET_YEAR: usize = 2;
const ACTUAL_MONTH: usize = 3;
const ACTUAL_YTD: usize = 4;
const FORECAST_YEAR: usize = 5;
const FIGURES: usize = 6;

fn category_index(categories: &CategoryTree, list: &str, n: usize, code: &str) -> Result<usize, ValidationError> {
    categories.index_of(code).ok_or_else(|| ValidationError::new(format!("{list}[{n}].category"), ValidationCode::InvalidChoice))
}

/// Compares the budget lines, actuals and forecasts of `month`'s year on `units` (all units when
/// `None`). Records of other years or units are left out; a record naming a category outside the
/// tree is an error (`lines[i].category`, `actuals[i].category`, `forecasts[i].category`).
pub fn compare(
    month: YearMonth,
    lines: &[BudgetLine],
    actuals: &[ActualRecord],
    forecasts: &[Forecast],
    categories: &CategoryTree,
    units: Option<&HashSet<OrgUnitId>>,
) -> Result<Comparison, ValidationError> {
    let year = month.year();
    let in_scope = |unit: &OrgUnitId| units.is_none_or(|u| u.contains(unit));
    let mut sums: Vec<Sums<FIGURES>> = vec![[0; FIGURES]; categories.len()];
    // Per unit and category: the annual budget.
    let mut pairs: HashMap<(OrgUnitId, usize), i128> = HashMap::new();

    for (n, line) in lines.iter().enumerate().filter(|(_, l)| l.year == year && in_scope(&l.unit)) {
        let i = category_index(categories, "lines", n, &line.category)?;
        let figures = &mut sums[i];
        figures[BUDGET_MONTH] += i128::from(line.months.month(month.month()).as_ore());
        figures[BUDGET_YTD] += i128::from(line.months.through(month.month()).as_ore());
        figures[BUDGET_YEAR] += i128::from(line.total().as_ore());
        *pairs.entry((line.unit, i)).or_default() += i128::from(line.total().as_ore());
    }
    for (n, actual) in actuals.iter().enumerate().filter(|(_, a)| a.month.year() == year && in_scope(&a.unit)) {
        let i = category_index(categories, "actuals", n, &actual.category)?;
        if actual.month <= month {
            let ore = i128::from(actual.amount.as_ore());
            sums[i][ACTUAL_YTD] += ore;
            if actual.month == month {
                sums[i][ACTUAL_MONTH] += ore;
            }
        }
    }
    let mut in_force: HashMap<(OrgUnitId, usize), &Forecast> = HashMap::new();
    for (n, forecast) in forecasts.iter().enumerate() {
        if forecast.made_in.year() != year || forecast.made_in > month || !in_scope(&forecast.unit) {
            continue;
        }
        let i = category_index(categories, "forecasts", n, &forecast.category)?;
        let slot = in_force.entry((forecast.unit, i)).or_insert(forecast);
        if forecast.made_in > slot.made_in {
            *slot = forecast;
        }
    }
    let mut forecasts_missing = 0;
    for (&(unit, i), &budget_year) in &pairs {
        sums[i][FORECAST_YEAR] += match in_force.get(&(unit, i)) {
            Some(forecast) => i128::from(forecast.full_year.as_ore()),
            None => {
                forecasts_missing += 1;
                budget_year
            }
        };
    }
    for (&(unit, i), forecast) in &in_force {
        if !pairs.contains_key(&(unit, i)) {
            sums[i][FORECAST_YEAR] += i128::from(forecast.full_year.as_ore());
        }
    }

    finish(month, categories, sums, forecasts_missing)
}

/// One category's own sums (not rolled up), as the store aggregates them: the budget of the
/// month, January to the month and the year; the actuals of the month and January to the month;
/// the forecasts in force plus the annual budget of lines without one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CategorySums {
    pub budget_month: i128,
    pub budget_ytd: i128,
    pub budget_year: i128,
    pub actual_month: i128,
    pub actual_ytd: i128,
    pub forecast_year: i128,
}

/// [`compare`] from sums per category code. A code outside the tree is an error at
/// `sums[i].category`; the caller decides what to do with such amounts before.
pub fn compare_sums(
    month: YearMonth,
    sums: &[(&str, CategorySums)],
    categories: &CategoryTree,
    forecasts_missing: usize,
) -> Result<Comparison, ValidationError> {
    let mut own: Vec<Sums<FIGURES>> = vec![[0; FIGURES]; categories.len()];
    for (n, (code, s)) in sums.iter().enumerate() {
        let i = category_index(categories, "sums", n, code)?;
        let figures = &mut own[i];
        figures[BUDGET_MONTH] += s.budget_month;
        figures[BUDGET_YTD] += s.budget_ytd;
        figures[BUDGET_YEAR] += s.budget_year;
        figures[ACTUAL_MONTH] += s.actual_month;
        figures[ACTUAL_YTD] += s.actual_ytd;
        figures[FORECAST_YEAR] += s.forecast_year;
    }
    finish(month, categories, own, forecasts_missing)
}

/// Income, costs and result from the categories' own sums, then the roll-up of the tree.
fn finish(month: YearMonth, categories: &CategoryTree, mut sums: Vec<Sums<FIGURES>>, forecasts_missing: usize) -> Result<Comparison, ValidationError> {
    let mut by_kind = [[0i128; FIGURES]; 2];
    for (i, figures) in sums.iter().enumerate() {
        let slot = usize::from(categories.kind_at(i) == CategoryKind::Cost);
        for (total, value) in by_kind[slot].iter_mut().zip(figures) {
            *total += value;
        }
    }
    let mut result = [0i128; FIGURES];
    for (k, total) in result.iter_mut().enumerate() {
        *total = by_kind[0][k] + by_kind[1][k];
    }
    roll_up(categories, &mut sums);
    let rows = categories
        .preorder()
        .iter()
        .map(|&(i, depth)| {
            let category = &categories.categories()[i];
            Ok(ComparisonRow { code: category.code.clone(), depth, kind: category.kind, figures: figures("comparison", &sums[i])? })
        })
        .collect::<Result<_, ValidationError>>()?;
    Ok(Comparison {
        month,
        rows,
        income: figures("comparison.income", &by_kind[0])?,
        costs: figures("comparison.costs", &by_kind[1])?,
        result: figures("comparison.result", &result)?,
        forecasts_missing,
    })
}

fn figures(field: &str, sums: &Sums<FIGURES>) -> Result<Figures, ValidationError> {
    let m = |k: usize| to_money(field, sums[k]);
    let (budget_month, budget_ytd, budget_year) = (m(BUDGET_MONTH)?, m(BUDGET_YTD)?, m(BUDGET_YEAR)?);
    let (actual_month, actual_ytd, forecast_year) = (m(ACTUAL_MONTH)?, m(ACTUAL_YTD)?, m(FORECAST_YEAR)?);
    let variance = |outcome, budget| money::variance(outcome, budget).ok_or_else(|| out_of_range(field));
    Ok(Figures {
        budget_month,
        budget_ytd,
        budget_year,
        actual_month,
        actual_ytd,
        forecast_year,
        variance_month: variance(actual_month, budget_month)?,
        variance_ytd: variance(actual_ytd, budget_ytd)?,
        variance_year: variance(forecast_year, budget_year)?,
    })
}

impl Comparison {
    /// The row of category `code`, if the code is in the tree.
    pub fn row(&self, code: &str) -> Option<&ComparisonRow> {
        self.rows.iter().find(|r| r.code == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::budget::amounts::Sign;
    use crate::budget::categories::default_categories;
    use crate::budget::phasing::PhasingRule;

    fn ym(text: &str) -> YearMonth {
        YearMonth::parse("m", text).unwrap()
    }

    fn line(unit: OrgUnitId, category: &str, ore: i64) -> BudgetLine {
        BudgetLine { unit, category: category.into(), year: 2020, months: PhasingRule::Even.phase("", Money::from_ore(ore), 2020, Sign::Any).unwrap() }
    }

    fn actual(unit: OrgUnitId, category: &str, month: &str, ore: i64) -> ActualRecord {
        ActualRecord { unit, category: category.into(), month: ym(month), amount: Money::from_ore(ore) }
    }

    #[test]
    fn variance_is_positive_when_better_than_budget() {
        let tree = default_categories();
        let (ce, ck) = (OrgUnitId::new(), OrgUnitId::new());
        let lines = [line(ce, "34", 12_000), line(ce, "40", -24_000), line(ck, "40", -12_000)];
        let actuals = [
            actual(ce, "34", "2020-01", 900),   // income below budget: −100
            actual(ce, "34", "2020-02", 1_000),
            actual(ce, "40", "2020-01", -1_800), // cost below budget: +200
            actual(ce, "40", "2020-02", -2_100), // cost above budget: −100
            actual(ce, "40", "2020-03", -9_999), // after the month: not counted yet
            actual(ck, "40", "2020-02", -1_000),
        ];
        let forecasts = [
            Forecast { unit: ce, category: "40".into(), made_in: ym("2020-01"), full_year: Money::from_ore(-25_000) },
            Forecast { unit: ce, category: "40".into(), made_in: ym("2020-02"), full_year: Money::from_ore(-24_500) },
            Forecast { unit: ce, category: "40".into(), made_in: ym("2020-03"), full_year: Money::from_ore(-1) },
        ];
        let ce_only = HashSet::from([ce]);
        let c = compare(ym("2020-02"), &lines, &actuals, &forecasts, &tree, Some(&ce_only)).unwrap();
        let income = c.row("34").unwrap().figures;
        assert_eq!((income.budget_ytd, income.actual_ytd, income.variance_ytd), (Money::from_ore(2_000), Money::from_ore(1_900), Money::from_ore(-100)));
        assert_eq!(income.forecast_year, Money::from_ore(12_000), "no forecast: the budget counts");
        let staff = c.row("40").unwrap().figures;
        assert_eq!((staff.budget_month, staff.actual_month, staff.variance_month), (Money::from_ore(-2_000), Money::from_ore(-2_100), Money::from_ore(-100)));
        assert_eq!(staff.variance_ytd, Money::from_ore(100));
        assert_eq!((staff.forecast_year, staff.variance_year), (Money::from_ore(-24_500), Money::from_ore(-500)));
        assert_eq!(c.forecasts_missing, 1);
        assert_eq!(c.row("4-7").unwrap().figures, staff, "the only cost line rolls up unchanged");
        assert_eq!(c.result.variance_ytd, Money::ZERO, "−100 on income, +100 on costs");
        assert_eq!(c.result.budget_year, Money::from_ore(-12_000));

        let all = compare(ym("2020-02"), &lines, &actuals, &forecasts, &tree, None).unwrap();
        assert_eq!(all.row("40").unwrap().figures.actual_ytd, Money::from_ore(-4_900));
        assert_eq!(all.row("40").unwrap().figures.forecast_year, Money::from_ore(-36_500));

        // The same figures from sums per category, as the store aggregates them.
        let own = |code: &'static str, b_m, b_ytd, b_y, a_m, a_ytd, f_y| (code, CategorySums { budget_month: b_m, budget_ytd: b_ytd, budget_year: b_y, actual_month: a_m, actual_ytd: a_ytd, forecast_year: f_y });
        let sums = [own("34", 1_000, 2_000, 12_000, 1_000, 1_900, 12_000), own("40", -2_000, -4_000, -24_000, -2_100, -3_900, -24_500)];
        assert_eq!(compare_sums(ym("2020-02"), &sums, &tree, 1).unwrap(), c);
        assert_eq!(compare_sums(ym("2020-02"), &[own("xx", 0, 0, 0, 0, 0, 0)], &tree, 0).unwrap_err().field, "sums[0].category");

        let stray = [actual(ce, "xx", "2020-01", 1)];
        assert_eq!(compare(ym("2020-02"), &lines, &stray, &[], &tree, None).unwrap_err().field, "actuals[0].category");
    }
}
