//! The detailed budget (detaljbudget): one line per unit, category and year, with twelve monthly
//! amounts, entered either per month or as an annual amount and a phasing rule. Income is
//! positive and costs negative; a line of the wrong sign for its category is refused, naming
//! the field, because a sign slip would silently turn a cost into income in every total.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::amounts::Sign;
use super::categories::CategoryTree;
use super::checks::Problems;
use super::phasing::{MonthlyAmounts, PhasingRule};
use crate::ids::OrgUnitId;
use crate::money::Money;
use crate::validate::{ValidationCode, ValidationError, field_path};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetLine {
    pub unit: OrgUnitId,
    /// A code of the category tree.
    pub category: String,
    pub year: i32,
    pub months: MonthlyAmounts,
}

impl BudgetLine {
    /// The annual amount.
    pub fn total(&self) -> Money {
        self.months.total()
    }
}

/// How a line's amounts were entered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "entry", rename_all = "snake_case")]
pub enum LineAmounts {
    /// An annual amount, phased over the months by the rule.
    Annual { amount: Money, phasing: PhasingRule },
    /// January to December as entered.
    Monthly { months: [Money; 12] },
}

/// Unchecked [`BudgetLine`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetLineInput {
    pub unit: OrgUnitId,
    pub category: String,
    pub year: i32,
    pub amounts: LineAmounts,
}

/// Checks one line at `prefix`: a known category (`category`: `required` / `invalid_choice`),
/// the budget's year (`year`: `invalid_period`), and every amount within the cap and of the
/// category's sign (`amount` or `months[i]`: `out_of_range` / `wrong_sign`).
pub fn check_budget_line(prefix: &str, input: &BudgetLineInput, categories: &CategoryTree, budget_year: i32) -> Result<BudgetLine, Vec<ValidationError>> {
    let f = |name: &str| field_path(prefix, name);
    let mut p = Problems::default();
    let code = input.category.trim();
    let kind = if code.is_empty() {
        p.push(f("category"), ValidationCode::Required);
        None
    } else {
        let kind = categories.kind_of(code);
        if kind.is_none() {
            p.push(f("category"), ValidationCode::InvalidChoice);
        }
        kind
    };
    if input.year != budget_year {
        p.push(f("year"), ValidationCode::InvalidPeriod);
    }
    // With an unknown category only the cap can be checked; the sign waits for a valid code.
    let sign = kind.map_or(Sign::Any, |k| k.sign());
    let months = match input.amounts {
        LineAmounts::Annual { amount, phasing } => p.ok(phasing.phase(&f("amount"), amount, input.year, sign)),
        LineAmounts::Monthly { months } => p.all(MonthlyAmounts::new(&f("months"), months, sign)),
    };
    p.finish(|| BudgetLine { unit: input.unit, category: code.to_owned(), year: input.year, months: months.unwrap_or_default() })
}

/// Checks every line at `prefix[i]`, and that no unit has two lines for one category
/// (`prefix[i].category`: `duplicate`, on the later line).
pub fn check_budget_lines(prefix: &str, inputs: &[BudgetLineInput], categories: &CategoryTree, budget_year: i32) -> Result<Vec<BudgetLine>, Vec<ValidationError>> {
    let mut p = Problems::default();
    let mut lines = Vec::with_capacity(inputs.len());
    let mut seen: HashMap<(OrgUnitId, &str), usize> = HashMap::new();
    for (i, input) in inputs.iter().enumerate() {
        let at = format!("{prefix}[{i}]");
        if let Some(line) = p.all(check_budget_line(&at, input, categories, budget_year)) {
            lines.push(line);
        }
        if seen.insert((input.unit, input.category.trim()), i).is_some() {
            p.push(field_path(&at, "category"), ValidationCode::Duplicate);
        }
    }
    p.finish(|| lines)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::budget::categories::default_categories;

    fn annual(unit: OrgUnitId, category: &str, ore: i64) -> BudgetLineInput {
        BudgetLineInput {
            unit,
            category: category.into(),
            year: 2020,
            amounts: LineAmounts::Annual { amount: Money::from_ore(ore), phasing: PhasingRule::Even },
        }
    }

    #[test]
    fn lines_are_phased_and_signed() {
        let tree = default_categories();
        let unit = OrgUnitId::new();
        let line = check_budget_line("", &annual(unit, " 40 ", -1_200), &tree, 2020).unwrap();
        assert_eq!((line.category.as_str(), line.total()), ("40", Money::from_ore(-1_200)));
        assert_eq!(line.months.month(1), Money::from_ore(-100));

        let wrong = check_budget_line("lines[4]", &annual(unit, "40", 1_200), &tree, 2020).unwrap_err();
        assert_eq!((wrong[0].field.as_str(), wrong[0].code), ("lines[4].amount", ValidationCode::WrongSign));

        let mut months = [Money::from_ore(10); 12];
        months[5] = Money::from_ore(-1);
        let monthly = BudgetLineInput { amounts: LineAmounts::Monthly { months }, ..annual(unit, "34", 0) };
        let wrong = check_budget_line("lines[0]", &monthly, &tree, 2020).unwrap_err();
        assert_eq!((wrong[0].field.as_str(), wrong[0].code), ("lines[0].months[5]", ValidationCode::WrongSign));

        let unknown = BudgetLineInput { year: 2021, ..annual(unit, "9999", 5) };
        let found: Vec<(String, ValidationCode)> =
            check_budget_line("l", &unknown, &tree, 2020).unwrap_err().into_iter().map(|e| (e.field, e.code)).collect();
        assert_eq!(found, [("l.category".into(), ValidationCode::InvalidChoice), ("l.year".into(), ValidationCode::InvalidPeriod)]);
        assert_eq!(check_budget_line("l", &annual(unit, " ", 5), &tree, 2020).unwrap_err()[0].code, ValidationCode::Required);
    }

    #[test]
    fn a_unit_has_one_line_per_category() {
        let tree = default_categories();
        let unit = OrgUnitId::new();
        let inputs = [annual(unit, "34", 5), annual(OrgUnitId::new(), "34", 5), annual(unit, "34 ", 7)];
        let errors = check_budget_lines("lines", &inputs, &tree, 2020).unwrap_err();
        assert_eq!((errors[0].field.as_str(), errors[0].code), ("lines[2].category", ValidationCode::Duplicate));
        assert_eq!(check_budget_lines("lines", &inputs[..2], &tree, 2020).unwrap().len(), 2);
    }

    #[test]
    fn lines_serialize_with_their_entry_form() {
        let input = annual(OrgUnitId::new(), "34", 5);
        let json = serde_json::to_value(&input).unwrap();
        assert_eq!(json["amounts"], serde_json::json!({"entry": "annual", "amount": 5, "phasing": {"rule": "even"}}));
        assert_eq!(serde_json::from_value::<BudgetLineInput>(json).unwrap(), input);
    }
}
