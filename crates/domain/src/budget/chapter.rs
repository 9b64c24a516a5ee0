//! The economy chapter of a plan document (seed 004 §5, "Ekonomiska förutsättningar") as one
//! value: frames, distribution, frame changes, income-financed activities, compensations, result
//! regulation, investments and the detailed budget, with the totals as printed — and every
//! reconciliation check over them in one call.

use serde::{Deserialize, Serialize};

use super::amounts::{YearAmount, amount_in};
use super::categories::{CategoryTree, SummaryLabels};
use super::checks::{CheckCode, TotalCheck};
use super::compensations::{BoardCompensation, ResultRegulationNote};
use super::frame_changes::{FrameChange, check_change_totals, check_frame_chain};
use super::frames::{AdministrationFrames, FrameDistribution, check_distribution};
use super::income_financed::IncomeFinancedActivity;
use super::investments::InvestmentFrame;
use super::lines::BudgetLine;
use super::totals::{BudgetTotals, budget_totals, check_balance};
use crate::money::Money;
use crate::validate::ValidationError;

/// The budget totals as printed under the table ("Summa intäkter", "Summa kostnader", "Resultat").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatedBudgetTotals {
    pub income: Money,
    pub costs: Money,
    pub result: Money,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EconomyChapter {
    /// Fullmäktige's frames (§5.1).
    pub frames: AdministrationFrames,
    /// The distribution over units (§5.1.1).
    pub distribution: FrameDistribution,
    /// Frame changes (§5.1.2) and their yearly sums as printed.
    pub frame_changes: Vec<FrameChange>,
    pub stated_change_totals: Vec<YearAmount>,
    /// §5.2.
    pub income_financed: Vec<IncomeFinancedActivity>,
    /// §5.3.
    pub board_compensations: Vec<BoardCompensation>,
    /// §5.4.
    pub result_regulation: Vec<ResultRegulationNote>,
    /// §5.5.
    pub investments: Vec<InvestmentFrame>,
    /// §5.6: the detailed budget of `frames.budget_year`, by category.
    pub categories: CategoryTree,
    pub labels: SummaryLabels,
    /// The table's heading as printed, which need not name the budget year.
    pub budget_heading: Option<String>,
    pub budget_lines: Vec<BudgetLine>,
    pub stated_budget_totals: Option<StatedBudgetTotals>,
}

impl EconomyChapter {
    pub fn budget_year(&self) -> i32 {
        self.frames.budget_year
    }

    /// The totals of the detailed budget, all units.
    pub fn budget_totals(&self) -> Result<BudgetTotals, ValidationError> {
        budget_totals(&self.budget_lines, &self.categories, self.budget_year(), None)
    }

    /// The frames of every year known to the chapter: the decided ones, and the previous year's
    /// frame as printed beside the distribution (the starting point of the frame changes).
    pub fn known_frames(&self) -> Result<Vec<YearAmount>, ValidationError> {
        let mut frames = self.frames.frames.clone();
        if let Some(previous) = self.distribution.previous_year_frame()?
            && amount_in(&frames, previous.year).is_none()
        {
            frames.push(previous);
        }
        frames.sort_by_key(|f| f.year);
        Ok(frames)
    }

    /// Every reconciliation of the chapter, exact ones included, in the order of the document:
    /// the distribution's printed totals and its match with the frame, the frame chain, the
    /// printed sums of the frame changes, the printed budget totals, and the balanced budget.
    pub fn checks(&self) -> Result<Vec<TotalCheck>, ValidationError> {
        let distribution = &self.distribution;
        let mut checks = check_distribution(distribution, self.frames.frame(distribution.year))?;
        checks.extend(check_frame_chain(&self.known_frames()?, &self.frame_changes)?);
        checks.extend(check_change_totals(&self.frame_changes, &self.stated_change_totals)?);
        let totals = self.budget_totals()?;
        let year = Some(self.budget_year());
        if let Some(stated) = self.stated_budget_totals {
            for (field, stated, computed) in [
                ("budget.stated_income", stated.income, totals.income.year),
                ("budget.stated_costs", stated.costs, totals.costs.year),
                ("budget.stated_result", stated.result, totals.result.year),
            ] {
                checks.push(TotalCheck::new(CheckCode::BudgetTotal, field, year, stated, computed)?);
            }
        }
        checks.push(check_balance(&totals)?);
        Ok(checks)
    }
}
