//! The budget: frames (ramar), frame changes, the detailed budget by account category, monthly
//! phasing, budget versions, actuals, forecasts and the budget-versus-outcome comparison. Pure
//! types and rules only; the store and the web layer put persistence and text on top.
//!
//! # Design choices
//!
//! * **Money is [`Money`](crate::money::Money)** (integer öre) everywhere; percentages are integer
//!   tenths ([`PercentTenths`]). Phasing and allocation use the largest-remainder functions of
//!   [`crate::money`], so parts always add up to the whole to the öre.
//! * **Printed figures are data.** A plan document states totals ("Summa Regionkontoret 2 547,4")
//!   that need not equal the sum of their rows. We store the stated figure beside the rows and
//!   *report* any difference as a [`TotalCheck`] with the exact amount; nothing is refused or
//!   corrected, because the document is what was decided.
//! * **Sign convention** (domain-sweden.md §4.7): income positive, costs negative, in the budget,
//!   in actuals and in forecasts; result = income + costs; variance = outcome − budget, so a
//!   positive variance is better than budget on every row. A budget line with the wrong sign for
//!   its category is an input error ([`ValidationCode::WrongSign`](crate::validate::ValidationCode)).
//! * **Errors are codes with field paths**, never sentences: [`ValidationError`](crate::ValidationError)
//!   for input, [`ImportProblem`] (with the 1-based line number) for a batch of ledger lines,
//!   [`VersionError`] for a refused state change. Every check collects *all* problems.
//! * **Categories are identified by their code** (a Region-Bas style account group such as `34`),
//!   units by [`OrgUnitId`](crate::OrgUnitId). The category tree is configuration
//!   ([`CategoryTree`]); the default is the one of seed 004 §5.6.
//! * **Sums never overflow silently**: aggregation runs in `i128` and a total that does not fit a
//!   `Money` is an `out_of_range` error; a single entered amount is capped at [`MAX_AMOUNT`].
//! * **Decided versions never change**: [`transition`] is the one gate every edit passes.

mod actuals;
mod amounts;
mod calendar;
mod categories;
mod chapter;
mod checks;
mod comparison;
mod compensations;
mod frame_changes;
mod frames;
mod income_financed;
mod investments;
mod lines;
mod phasing;
mod seed004;
mod totals;
mod versions;

#[cfg(test)]
mod props;

pub use actuals::{
    ActualRecord, Forecast, ImportCode, ImportLine, ImportProblem, ImportState, OutcomeKind, by_tree, check_actuals,
    check_forecasts, latest_forecast,
};
pub use amounts::{MAX_AMOUNT, Sign, YearAmount, check_amount, check_year_amounts, parse_amount};
pub use calendar::{YearMonth, check_year};
pub use categories::{
    AccountCategory, CategoryInput, CategoryKind, CategoryTree, SummaryLabels, check_categories, default_categories,
};
pub use chapter::{EconomyChapter, StatedBudgetTotals};
pub use checks::{CheckCode, InvalidInput, TotalCheck, warnings};
pub use comparison::{CategorySums, Comparison, ComparisonRow, Figures, compare, compare_sums};
pub use compensations::{
    BoardCompensation, BoardCompensationInput, ResultRegulationNote, check_board_compensation, check_result_regulation,
};
pub use frame_changes::{
    FrameChange, FrameChangeInput, change_totals, check_change_totals, check_frame_chain, check_frame_changes,
};
pub use frames::{
    AdministrationFrames, DistributionInput, FrameDistribution, FramesInput, MAX_PLAN_YEARS, UnitFrame,
    allocate_frame, check_distribution, check_distribution_input, check_frames,
};
pub use income_financed::{IncomeFinancedActivity, IncomeFinancedInput, PercentTenths, check_income_financed};
pub use investments::{InvestmentFrame, InvestmentFrameInput, check_investment_frame};
pub use lines::{BudgetLine, BudgetLineInput, LineAmounts, check_budget_line, check_budget_lines};
pub use phasing::{MonthlyAmounts, PhasingProfile, PhasingRule};
pub use seed004::{SEED_004_UNITS, seed_004};
pub use totals::{BudgetTotals, CategoryTotal, PhasedTotal, budget_totals, check_balance, subtree};
pub use versions::{BudgetVersion, DecisionRef, VersionAction, VersionError, VersionState, check_decision, transition};
