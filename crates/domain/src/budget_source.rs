//! Indicators that take their values from the budget (seed 004 §7: "Prognos/ekonomiskt
//! resultat", target 0 mkr), so the economy goal is followed up without retyping.
//!
//! An indicator's [`BudgetSource`] names a [`BudgetFigure`] of the budget-versus-outcome
//! comparison ([`Comparison`]) of its unit and everything below it, and the row it is read from:
//! the result (income + costs) or one account category (rolled up the tree). The value for a
//! follow-up period is that figure at the period's last month (a month itself, a tertial its
//! fourth month, a year December), see [`period_month`] and [`BudgetSource::value`].
//!
//! Rules, all here so the app, the views and the tests agree:
//!
//! * **Unit.** Amounts are converted to the indicator's unit of measure when it is `mkr`, `tkr`
//!   or `kr` (any case); any other unit (or none) reads kronor.
//! * **Rounding.** Exact öre are converted exactly, then rounded once to the indicator's
//!   decimals, **half away from zero** (−4,45 mkr → −4,5 with one decimal), the rule of printed
//!   financial reports and of [`crate::money::format_sv`], so the indicator shows what the
//!   budget pages print.
//! * **Sign.** The budget's signs are kept (income +, costs −, result = income + costs; a
//!   variance is outcome − budget, positive = better than budget), except that a *cost*
//!   category read as an amount (not a variance) is shown as a positive amount: "Kostnader för
//!   personal 215,4 mkr", not −215,4. A cost variance keeps its sign.
//! * **Months.** Actuals (and their variance) exist up to the last month with booked actuals;
//!   forecasts (and their variance) up to the last month a forecast was made in; the annual
//!   budget for every month of a year that has a budget ([`BudgetFigure::basis`]).

use crate::budget::{CategoryKind, Comparison, Figures, YearMonth};
use crate::consolidation::{Decimal, stable_ids};
use crate::money::{Money, Unit};
use crate::period::PeriodKey;
use crate::validate::{ValidationCode, ValidationError};
use serde::{Deserialize, Serialize};

/// Which figure of the comparison an indicator takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BudgetFigure {
    /// The month's actual (utfall månad).
    ActualMonth,
    /// Actuals from January to the month (ackumulerat utfall, periodresultat).
    ActualYtd,
    /// The full-year forecast in force at the month (helårsprognos).
    ForecastYear,
    /// Actuals minus budget, January to the month.
    VarianceYtd,
    /// Forecast minus budget for the full year (prognos jämfört med budget).
    VarianceYear,
    /// The annual budget.
    BudgetYear,
}

stable_ids!(BudgetFigure, "budget figure", {
    ActualMonth => "actual_month",
    ActualYtd => "actual_ytd",
    ForecastYear => "forecast_year",
    VarianceYtd => "variance_ytd",
    VarianceYear => "variance_year",
    BudgetYear => "budget_year",
});

/// What a figure is made from, and so which months it exists for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FigureBasis {
    /// Up to the last month with booked actuals.
    Actuals,
    /// Up to the last month a forecast was made in.
    Forecasts,
    /// Every month of a year with a budget.
    Budget,
}

impl BudgetFigure {
    pub fn parse(field: &str, value: &str) -> Result<Self, ValidationError> {
        value.trim().parse().map_err(|_| ValidationError::new(field, ValidationCode::InvalidChoice))
    }

    pub fn is_variance(self) -> bool {
        matches!(self, Self::VarianceYtd | Self::VarianceYear)
    }

    pub fn basis(self) -> FigureBasis {
        match self {
            Self::ActualMonth | Self::ActualYtd | Self::VarianceYtd => FigureBasis::Actuals,
            Self::ForecastYear | Self::VarianceYear => FigureBasis::Forecasts,
            Self::BudgetYear => FigureBasis::Budget,
        }
    }

    /// The figure of one row.
    pub fn of(self, f: &Figures) -> Money {
        match self {
            Self::ActualMonth => f.actual_month,
            Self::ActualYtd => f.actual_ytd,
            Self::ForecastYear => f.forecast_year,
            Self::VarianceYtd => f.variance_ytd,
            Self::VarianceYear => f.variance_year,
            Self::BudgetYear => f.budget_year,
        }
    }

    /// The last month of `year` the figure has a value for: `last_actual` is the last month with
    /// booked actuals, `last_forecast` the last month a forecast was made in (both of `year`),
    /// `has_budget` whether the year has a budget to compare with.
    pub fn last_month(self, year: i32, last_actual: Option<YearMonth>, last_forecast: Option<YearMonth>, has_budget: bool) -> Option<YearMonth> {
        let in_year = |m: Option<YearMonth>| m.filter(|m| m.year() == year);
        match self.basis() {
            FigureBasis::Actuals => in_year(last_actual),
            FigureBasis::Forecasts => in_year(last_forecast),
            FigureBasis::Budget => has_budget.then(|| YearMonth::new(year, 12)).flatten(),
        }
    }
}

/// Where an indicator's values come from: a figure of the result (`category` None) or of one
/// account category of the unit's budget tree. Stored as JSON on the object.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BudgetSource {
    pub figure: BudgetFigure,
    #[serde(default)]
    pub category: Option<String>,
}

/// A budget source as typed: the figure's id (empty = none) and a category code (empty = the
/// result).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetSourceInput {
    pub figure: String,
    pub category: Option<String>,
}

impl BudgetSourceInput {
    pub fn is_blank(&self) -> bool {
        self.figure.trim().is_empty() && self.category.as_deref().is_none_or(|c| c.trim().is_empty())
    }
}

/// The longest category code accepted (codes are keys, see `org::parse_key`).
pub const CATEGORY_MAX: usize = 64;

/// Checks a typed source at `field` (`budget_source`): a known figure (`field.figure`) and a
/// category code shaped like one (`field.category`); whether the code is in the unit's tree is
/// the caller's check, it knows the tree. A blank input is no source.
pub fn check_budget_source(field: &str, input: &BudgetSourceInput) -> Result<Option<BudgetSource>, Vec<ValidationError>> {
    if input.is_blank() {
        return Ok(None);
    }
    let mut problems = Vec::new();
    let figure_field = format!("{field}.figure");
    let figure = match input.figure.trim() {
        "" => {
            problems.push(ValidationError::new(figure_field, ValidationCode::Required));
            None
        }
        v => BudgetFigure::parse(&figure_field, v).map_err(|e| problems.push(e)).ok(),
    };
    let category = match input.category.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(code) => {
            let ok = code.chars().count() <= CATEGORY_MAX && code.chars().all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'));
            if !ok {
                problems.push(ValidationError::new(format!("{field}.category"), ValidationCode::InvalidChoice));
            }
            Some(code.to_owned())
        }
    };
    match figure {
        Some(figure) if problems.is_empty() => Ok(Some(BudgetSource { figure, category })),
        _ => Err(problems),
    }
}

/// The month whose figures a follow-up period shows: its last month (a tertial its fourth, a
/// year December).
pub fn period_month(period: PeriodKey) -> YearMonth {
    YearMonth::new(period.year(), u8::from(period.end().month())).expect("a period's year is in range")
}

/// How many decimals of the indicator's unit of measure are whole öre: mkr 8, tkr 5, anything
/// else is read as kr (2).
fn ore_scale(measure_unit: Option<&str>) -> u8 {
    let unit = measure_unit.and_then(Unit::from_label).unwrap_or(Unit::Kr);
    u8::try_from(unit.decimals()).expect("at most 8 decimals")
}

/// An amount in the indicator's unit of measure (see the module's rules), rounded half away from
/// zero to `decimals`. None only if the amount does not fit a value (it always does for money).
pub fn amount_value(amount: Money, measure_unit: Option<&str>, decimals: u8) -> Option<Decimal> {
    Decimal::new(i128::from(amount.as_ore()), ore_scale(measure_unit)).ok().map(|d| d.round(decimals))
}

impl BudgetSource {
    /// The row the figure is read from and whether it is a cost row: the result, or the
    /// category's row. None when the category is not in the comparison's tree.
    fn row<'a>(&self, comparison: &'a Comparison) -> Option<(&'a Figures, bool)> {
        match &self.category {
            None => Some((&comparison.result, false)),
            Some(code) => comparison.row(code).map(|r| (&r.figures, r.kind == CategoryKind::Cost)),
        }
    }

    /// The indicator's value for the comparison of one month: the figure in the unit of measure,
    /// costs as positive amounts (not variances), rounded to `decimals`. None when the category
    /// is not in the tree.
    pub fn value(&self, comparison: &Comparison, measure_unit: Option<&str>, decimals: u8) -> Option<Decimal> {
        let (figures, cost) = self.row(comparison)?;
        let amount = self.figure.of(figures);
        let amount = if cost && !self.figure.is_variance() { -amount } else { amount };
        amount_value(amount, measure_unit, decimals)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::budget::{CategorySums, compare_sums, default_categories};

    fn ym(s: &str) -> YearMonth {
        YearMonth::parse("m", s).unwrap()
    }

    /// Staff costs 215,4 mkr budgeted (17,95 a month), 17,0 booked a month; income 423,8 mkr
    /// budgeted, 30,0 booked a month; a forecast of −219,5 mkr for staff.
    fn march() -> Comparison {
        let staff = CategorySums {
            budget_month: -1_795_000_000,
            budget_ytd: -5_385_000_000,
            budget_year: -21_540_000_000,
            actual_month: -1_700_000_000,
            actual_ytd: -5_100_000_000,
            forecast_year: -21_950_000_000,
        };
        let income = CategorySums {
            budget_month: 3_531_666_667,
            budget_ytd: 10_595_000_000,
            budget_year: 42_380_000_000,
            actual_month: 3_000_000_000,
            actual_ytd: 9_000_000_000,
            forecast_year: 42_380_000_000,
        };
        compare_sums(ym("2020-03"), &[("40", staff), ("381", income)], &default_categories(), 0).unwrap()
    }

    fn value(figure: BudgetFigure, category: Option<&str>, unit: &str, decimals: u8) -> Option<String> {
        let source = BudgetSource { figure, category: category.map(Into::into) };
        source.value(&march(), Some(unit), decimals).map(|d| d.to_string())
    }

    #[test]
    fn figures_read_in_the_unit_of_measure_with_the_seeds_signs() {
        // Result: income 423,8 − costs 219,5 = 204,3 mkr forecast.
        assert_eq!(value(BudgetFigure::ForecastYear, None, "mkr", 1).as_deref(), Some("204.3"));
        // Costs read as positive amounts; their variances keep the sign (over budget: negative).
        assert_eq!(value(BudgetFigure::BudgetYear, Some("40"), "mkr", 1).as_deref(), Some("215.4"));
        assert_eq!(value(BudgetFigure::ActualYtd, Some("4-7"), "mkr", 1).as_deref(), Some("51.0"));
        assert_eq!(value(BudgetFigure::VarianceYear, Some("40"), "mkr", 1).as_deref(), Some("-4.1"));
        assert_eq!(value(BudgetFigure::VarianceYtd, Some("40"), "tkr", 0).as_deref(), Some("2850"));
        assert_eq!(value(BudgetFigure::ActualMonth, Some("40"), "kr", 2).as_deref(), Some("17000000.00"));
        // Income keeps its sign; anything but mkr/tkr/kr reads kronor.
        assert_eq!(value(BudgetFigure::ActualMonth, Some("381"), "Mkr", 2).as_deref(), Some("30.00"));
        assert_eq!(value(BudgetFigure::ActualMonth, Some("381"), "%", 0).as_deref(), Some("30000000"));
        // A category outside the tree has no value.
        assert_eq!(value(BudgetFigure::ActualMonth, Some("99"), "mkr", 1), None);
    }

    #[test]
    fn values_round_half_away_from_zero() {
        let v = |ore: i64, unit: &str, decimals: u8| amount_value(Money::from_ore(ore), Some(unit), decimals).unwrap().to_string();
        assert_eq!(v(-445_000_000, "mkr", 1), "-4.5");
        assert_eq!(v(445_000_000, "mkr", 1), "4.5");
        assert_eq!(v(-444_999_999, "mkr", 1), "-4.4");
        assert_eq!(v(-4_999_999, "mkr", 0), "0");
        assert_eq!(v(150, "kr", 0), "2");
        assert_eq!(v(-150, "kr", 0), "-2");
        assert_eq!(v(123_456, "tkr", 3), "1.235");
    }

    #[test]
    fn periods_read_their_last_month_and_figures_their_months() {
        let p = |s: &str| period_month(s.parse().unwrap()).to_string();
        assert_eq!((p("2020-05"), p("2020-T1"), p("2020-T2"), p("2020-Q1"), p("2020-H1"), p("2020")), (
            "2020-05".into(),
            "2020-04".into(),
            "2020-08".into(),
            "2020-03".into(),
            "2020-06".into(),
            "2020-12".into()
        ));
        let (actual, forecast) = (Some(ym("2020-08")), Some(ym("2020-04")));
        assert_eq!(BudgetFigure::ActualYtd.last_month(2020, actual, forecast, true), actual);
        assert_eq!(BudgetFigure::VarianceYear.last_month(2020, actual, forecast, true), forecast);
        assert_eq!(BudgetFigure::BudgetYear.last_month(2020, None, None, true), Some(ym("2020-12")));
        assert_eq!(BudgetFigure::BudgetYear.last_month(2020, actual, forecast, false), None);
        assert_eq!(BudgetFigure::ForecastYear.last_month(2021, actual, forecast, true), None, "another year's months");
    }

    #[test]
    fn typed_sources_are_checked() {
        let input = |figure: &str, category: Option<&str>| BudgetSourceInput { figure: figure.into(), category: category.map(Into::into) };
        assert_eq!(check_budget_source("budget_source", &input("", None)).unwrap(), None);
        assert_eq!(check_budget_source("budget_source", &input(" ", Some(""))).unwrap(), None);
        assert_eq!(
            check_budget_source("budget_source", &input("forecast_year", Some(" 40 "))).unwrap(),
            Some(BudgetSource { figure: BudgetFigure::ForecastYear, category: Some("40".into()) })
        );
        let err = |figure: &str, category: Option<&str>| -> Vec<(String, ValidationCode)> {
            check_budget_source("objects[2].budget_source", &input(figure, category)).unwrap_err().into_iter().map(|e| (e.field, e.code)).collect()
        };
        assert_eq!(err("prognos", None), [("objects[2].budget_source.figure".into(), ValidationCode::InvalidChoice)]);
        assert_eq!(err("", Some("40")), [("objects[2].budget_source.figure".into(), ValidationCode::Required)]);
        assert_eq!(err("actual_ytd", Some("4 0")), [("objects[2].budget_source.category".into(), ValidationCode::InvalidChoice)]);
        assert_eq!(BudgetFigure::ALL.iter().map(|f| f.as_str()).collect::<Vec<_>>(), [
            "actual_month",
            "actual_ytd",
            "forecast_year",
            "variance_ytd",
            "variance_year",
            "budget_year"
        ]);
    }

    #[test]
    fn sources_serialize_as_the_plan_file_writes_them() {
        let s = BudgetSource { figure: BudgetFigure::ForecastYear, category: None };
        assert_eq!(serde_json::to_string(&s).unwrap(), r#"{"figure":"forecast_year","category":null}"#);
        let back: BudgetSource = serde_json::from_str(r#"{"figure":"actual_ytd","category":"40"}"#).unwrap();
        assert_eq!(back, BudgetSource { figure: BudgetFigure::ActualYtd, category: Some("40".into()) });
        let bare: BudgetSource = serde_json::from_str(r#"{"figure":"budget_year"}"#).unwrap();
        assert_eq!(bare.category, None);
    }
}
