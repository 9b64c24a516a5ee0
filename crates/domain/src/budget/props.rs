//! Property tests of the budget rules: phasing and allocation are exact, and every total is the
//! sum of what it is made of, whatever the tree and the lines.

use std::collections::{HashMap, HashSet};

use proptest::prelude::*;

use super::amounts::{MAX_AMOUNT, Sign};
use super::categories::{AccountCategory, CategoryKind, CategoryTree};
use super::frames::allocate_frame;
use super::lines::BudgetLine;
use super::phasing::{MonthlyAmounts, PhasingProfile, PhasingRule};
use super::totals::{budget_totals, subtree};
use crate::ids::OrgUnitId;
use crate::money::Money;

fn amount() -> impl Strategy<Value = Money> {
    prop_oneof![
        (-1_000_000_000i64..=1_000_000_000).prop_map(Money::from_ore),
        (-MAX_AMOUNT.as_ore()..=MAX_AMOUNT.as_ore()).prop_map(Money::from_ore),
    ]
}

fn rule() -> impl Strategy<Value = PhasingRule> {
    prop_oneof![
        Just(PhasingRule::Even),
        Just(PhasingRule::DayCount),
        prop::array::uniform12(0u32..1_000)
            .prop_filter_map("a profile needs a weight", |w| PhasingProfile::new("w", w).ok())
            .prop_map(|weights| PhasingRule::Profile { weights }),
    ]
}

/// A forest of `n` nodes: node i's parent is an earlier node or none.
fn forest(max: usize) -> impl Strategy<Value = Vec<Option<usize>>> {
    (1..max).prop_flat_map(|n| {
        (0..n).map(|i| if i == 0 { Just(None).boxed() } else { prop::option::of(0..i).boxed() }).collect::<Vec<_>>()
    })
}

/// A category tree on a forest; each root's kind is inherited by its subtree.
fn category_tree(parents: &[Option<usize>], root_kinds: &[bool]) -> CategoryTree {
    let mut kinds = Vec::with_capacity(parents.len());
    for (i, parent) in parents.iter().enumerate() {
        let kind = match parent {
            Some(p) => kinds[*p],
            None if root_kinds[i % root_kinds.len()] => CategoryKind::Income,
            None => CategoryKind::Cost,
        };
        kinds.push(kind);
    }
    let categories = parents
        .iter()
        .enumerate()
        .map(|(i, parent)| AccountCategory {
            code: format!("k{i}"),
            name_sv: format!("k{i}"),
            name_en: format!("k{i}"),
            parent: parent.map(|p| format!("k{p}")),
            kind: kinds[i],
        })
        .collect();
    CategoryTree::new(categories).expect("a generated forest is a valid tree")
}

/// A line of the category's sign, so it would pass the input checks.
fn line(unit: OrgUnitId, category: &AccountCategory, magnitude: i64) -> BudgetLine {
    let amount = Money::from_ore(if category.kind == CategoryKind::Income { magnitude } else { -magnitude });
    let months = PhasingRule::Even.phase("", amount, 2020, category.kind.sign()).unwrap();
    BudgetLine { unit, category: category.code.clone(), year: 2020, months }
}

proptest! {
    #[test]
    fn phasing_sums_back_exactly(amount in amount(), rule in rule(), year in 1900i32..=2200) {
        let months: MonthlyAmounts = rule.phase("amount", amount, year, Sign::Any).unwrap();
        prop_assert_eq!(months.total(), amount);
        prop_assert!(months.months().iter().all(|m| m.abs() <= amount.abs()));
        prop_assert_eq!(months.through(12), months.total());
    }

    #[test]
    fn allocation_sums_to_the_frame(frame in amount(), weights in prop::collection::vec(0u64..10_000, 1..30)) {
        let keys: Vec<(OrgUnitId, u64)> = weights.iter().map(|&w| (OrgUnitId::new(), w)).collect();
        match allocate_frame(frame, &keys, |_| None) {
            Some(parts) => {
                prop_assert_eq!(parts.len(), keys.len());
                prop_assert_eq!(parts.iter().map(|p| p.frame).sum::<Option<Money>>(), Some(frame));
            }
            None => prop_assert!(weights.iter().all(|&w| w == 0)),
        }
    }

    /// A subtree's total is the unit's own lines plus its children's subtree totals, and the
    /// whole tree's total is the sum of all lines: subtree sums equal the sum of the leaves'
    /// (and inner units') lines.
    #[test]
    fn subtree_sums_equal_the_sum_of_their_units(
        unit_parents in forest(12),
        line_specs in prop::collection::vec((0usize..100, 0usize..17, 0i64..1_000_000_000), 0..40),
    ) {
        let tree = super::categories::default_categories();
        let units: Vec<OrgUnitId> = unit_parents.iter().map(|_| OrgUnitId::new()).collect();
        let parent_of: HashMap<OrgUnitId, Option<OrgUnitId>> =
            unit_parents.iter().enumerate().map(|(i, p)| (units[i], p.map(|p| units[p]))).collect();
        let lines: Vec<BudgetLine> = line_specs
            .iter()
            .map(|&(u, c, m)| line(units[u % units.len()], &tree.categories()[c], m))
            .collect();
        let result_of = |scope: &HashSet<OrgUnitId>| budget_totals(&lines, &tree, 2020, Some(scope)).unwrap().result.year;
        for (i, &unit) in units.iter().enumerate() {
            let whole = result_of(&subtree(unit, &parent_of));
            let own = result_of(&HashSet::from([unit]));
            let children: Vec<Money> = (0..units.len())
                .filter(|&c| unit_parents[c] == Some(i))
                .map(|c| result_of(&subtree(units[c], &parent_of)))
                .collect();
            prop_assert_eq!(Some(whole), std::iter::once(own).chain(children).sum::<Option<Money>>());
        }
        let all: HashSet<OrgUnitId> = units.iter().copied().collect();
        prop_assert_eq!(Some(result_of(&all)), lines.iter().map(BudgetLine::total).sum::<Option<Money>>());
    }

    /// A category's total is the sum of the lines on it and below it; income, costs and the
    /// result follow from the lines by kind.
    #[test]
    fn category_roll_up_equals_the_sum_of_its_lines(
        parents in forest(15),
        root_kinds in prop::collection::vec(any::<bool>(), 1..4),
        line_specs in prop::collection::vec((0usize..100, 0i64..1_000_000_000), 0..40),
    ) {
        let tree = category_tree(&parents, &root_kinds);
        let unit = OrgUnitId::new();
        let lines: Vec<BudgetLine> = line_specs
            .iter()
            .map(|&(c, m)| line(unit, &tree.categories()[c % tree.len()], m))
            .collect();
        let totals = budget_totals(&lines, &tree, 2020, None).unwrap();
        for category in tree.categories() {
            let below: HashSet<&str> = tree.subtree_codes(&category.code).into_iter().collect();
            let expected = lines.iter().filter(|l| below.contains(l.category.as_str())).map(BudgetLine::total).sum::<Option<Money>>();
            prop_assert_eq!(Some(totals.category(&category.code).unwrap().year), expected);
        }
        let of_kind = |kind| lines.iter().filter(|l| tree.kind_of(&l.category) == Some(kind)).map(BudgetLine::total).sum::<Option<Money>>();
        prop_assert_eq!(Some(totals.income.year), of_kind(CategoryKind::Income));
        prop_assert_eq!(Some(totals.costs.year), of_kind(CategoryKind::Cost));
        prop_assert_eq!(totals.income.year.checked_add(totals.costs.year), Some(totals.result.year));
        prop_assert!(!totals.income.year.is_negative() && !totals.costs.year.is_positive());
        for m in 0..12 {
            prop_assert_eq!(totals.income.months[m].checked_add(totals.costs.months[m]), Some(totals.result.months[m]));
        }
    }
}
