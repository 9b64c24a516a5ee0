//! Totals of the detailed budget: per category rolled up the category tree, for all units or a
//! subtree of units; income, costs, and result = income + costs; and the balanced-budget check.
//! Sums run in `i128` in one pass over the lines and one over the tree.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::categories::{CategoryKind, CategoryTree};
use super::checks::{CheckCode, TotalCheck, to_money};
use super::lines::BudgetLine;
use crate::ids::OrgUnitId;
use crate::money::Money;
use crate::validate::{ValidationCode, ValidationError};

/// The units of the subtree under `root`, `root` included, given each unit's parent. Units on a
/// cycle of parents are reached at most once.
pub fn subtree(root: OrgUnitId, parent_of: &HashMap<OrgUnitId, Option<OrgUnitId>>) -> HashSet<OrgUnitId> {
    let mut children: HashMap<OrgUnitId, Vec<OrgUnitId>> = HashMap::new();
    for (&unit, &parent) in parent_of {
        if let Some(parent) = parent {
            children.entry(parent).or_default().push(unit);
        }
    }
    let mut found = HashSet::from([root]);
    let mut stack = vec![root];
    while let Some(unit) = stack.pop() {
        for &child in children.get(&unit).into_iter().flatten() {
            if found.insert(child) {
                stack.push(child);
            }
        }
    }
    found
}

/// Twelve months and their sum.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhasedTotal {
    pub months: [Money; 12],
    pub year: Money,
}

/// One category's total: its own lines and everything below it in the tree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryTotal {
    pub code: String,
    /// 0 for a root, for indenting the row.
    pub depth: usize,
    pub kind: CategoryKind,
    pub total: PhasedTotal,
}

/// The totals of a detailed budget for one year.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetTotals {
    pub year: i32,
    /// Every category of the tree in display order, zero where nothing is budgeted.
    pub categories: Vec<CategoryTotal>,
    /// "Summa intäkter": positive.
    pub income: PhasedTotal,
    /// "Summa kostnader": negative.
    pub costs: PhasedTotal,
    /// "Resultat" = income + costs; zero when the budget balances.
    pub result: PhasedTotal,
}

/// `N` running sums per category (twelve months, or more figures side by side).
pub(crate) type Sums<const N: usize> = [i128; N];

/// Adds every category's sums into its ancestors' (children come first, so one pass does it).
pub(crate) fn roll_up<const N: usize>(tree: &CategoryTree, sums: &mut [Sums<N>]) {
    for i in tree.children_first() {
        if let Some(parent) = tree.parent_index(i) {
            let child = sums[i];
            for (total, value) in sums[parent].iter_mut().zip(child) {
                *total += value;
            }
        }
    }
}

pub(crate) fn phased(field: &str, months: &[i128]) -> Result<PhasedTotal, ValidationError> {
    let mut out = PhasedTotal::default();
    for (slot, &ore) in out.months.iter_mut().zip(months) {
        *slot = to_money(field, ore)?;
    }
    out.year = to_money(field, months.iter().take(12).sum())?;
    Ok(out)
}

/// The totals of the lines of `year` on `units` (all units when `None`). A line naming a
/// category outside the tree is an error (`lines[i].category`: `invalid_choice`), never skipped.
pub fn budget_totals(lines: &[BudgetLine], categories: &CategoryTree, year: i32, units: Option<&HashSet<OrgUnitId>>) -> Result<BudgetTotals, ValidationError> {
    let mut own: Vec<Sums<12>> = vec![[0; 12]; categories.len()];
    for (n, line) in lines.iter().enumerate() {
        if line.year != year || units.is_some_and(|u| !u.contains(&line.unit)) {
            continue;
        }
        let i = categories
            .index_of(&line.category)
            .ok_or_else(|| ValidationError::new(format!("lines[{n}].category"), ValidationCode::InvalidChoice))?;
        for (sum, amount) in own[i].iter_mut().zip(line.months.months()) {
            *sum += i128::from(amount.as_ore());
        }
    }
    let mut by_kind = [[0i128; 12]; 2];
    for (i, sums) in own.iter().enumerate() {
        let slot = match categories.kind_at(i) {
            CategoryKind::Income => 0,
            CategoryKind::Cost => 1,
        };
        for (total, value) in by_kind[slot].iter_mut().zip(sums) {
            *total += value;
        }
    }
    let result: Vec<i128> = by_kind[0].iter().zip(&by_kind[1]).map(|(i, c)| i + c).collect();
    roll_up(categories, &mut own);
    let rows = categories
        .preorder()
        .iter()
        .map(|&(i, depth)| {
            let category = &categories.categories()[i];
            Ok(CategoryTotal { code: category.code.clone(), depth, kind: category.kind, total: phased("totals", &own[i])? })
        })
        .collect::<Result<_, ValidationError>>()?;
    Ok(BudgetTotals {
        year,
        categories: rows,
        income: phased("totals.income", &by_kind[0])?,
        costs: phased("totals.costs", &by_kind[1])?,
        result: phased("totals.result", &result)?,
    })
}

impl BudgetTotals {
    /// The total of category `code` (its subtree), if the code is in the tree.
    pub fn category(&self, code: &str) -> Option<&PhasedTotal> {
        self.categories.iter().find(|c| c.code == code).map(|c| &c.total)
    }
}

/// Balanced budget (balanskrav): the result against zero. The difference is the result itself,
/// so a warning can show "−1,2 mkr" directly.
pub fn check_balance(totals: &BudgetTotals) -> Result<TotalCheck, ValidationError> {
    TotalCheck::new(CheckCode::Balanced, "budget.result", Some(totals.year), Money::ZERO, totals.result.year)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::budget::categories::default_categories;
    use crate::budget::amounts::Sign;
    use crate::budget::phasing::PhasingRule;

    fn line(unit: OrgUnitId, category: &str, ore: i64) -> BudgetLine {
        let months = PhasingRule::Even.phase("", Money::from_ore(ore), 2020, Sign::Any).unwrap();
        BudgetLine { unit, category: category.into(), year: 2020, months }
    }

    #[test]
    fn totals_roll_up_and_balance() {
        let tree = default_categories();
        let (a, b) = (OrgUnitId::new(), OrgUnitId::new());
        let lines = [line(a, "34", 1_200), line(b, "381", 2_400), line(a, "40", -3_000), line(b, "69", -1_200)];
        let all = budget_totals(&lines, &tree, 2020, None).unwrap();
        assert_eq!(all.income.year, Money::from_ore(3_600));
        assert_eq!(all.costs.year, Money::from_ore(-4_200));
        assert_eq!(all.result.year, Money::from_ore(-600));
        assert_eq!(all.result.months[0], Money::from_ore(-50));
        assert_eq!(all.category("3").unwrap().year, Money::from_ore(3_600));
        assert_eq!(all.category("47").unwrap().year, Money::ZERO);
        let balance = check_balance(&all).unwrap();
        assert_eq!((balance.code, balance.difference), (CheckCode::Balanced, Money::from_ore(-600)));

        let only_a = budget_totals(&lines, &tree, 2020, Some(&HashSet::from([a]))).unwrap();
        assert_eq!(only_a.result.year, Money::from_ore(-1_800));
        assert!(budget_totals(&lines, &tree, 2021, None).unwrap().result.year.is_zero(), "other years do not count");

        let stray = [BudgetLine { category: "nope".into(), ..line(a, "34", 1) }];
        assert_eq!(budget_totals(&stray, &tree, 2020, None).unwrap_err().field, "lines[0].category");
    }

    #[test]
    fn subtree_follows_parents() {
        let (root, child, grandchild, other) = (OrgUnitId::new(), OrgUnitId::new(), OrgUnitId::new(), OrgUnitId::new());
        let parents = HashMap::from([(root, None), (child, Some(root)), (grandchild, Some(child)), (other, None)]);
        assert_eq!(subtree(root, &parents), HashSet::from([root, child, grandchild]));
        assert_eq!(subtree(grandchild, &parents), HashSet::from([grandchild]));
        let looped = HashMap::from([(root, Some(child)), (child, Some(root))]);
        assert_eq!(subtree(root, &looped).len(), 2);
    }
}
