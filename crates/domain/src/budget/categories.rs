//! Account categories (kostnadsslag / intäktsslag): a configurable tree of codes with Swedish and
//! English names, each income or cost. Budget lines, actuals and forecasts name a category by
//! its code, and totals roll up this tree.
//!
//! The default tree is the detailed budget of seed 004 §5.6, numbered in the style of SKR's
//! Region-Bas chart of accounts (domain-sweden.md §4.6): income in class 3, personnel costs in
//! class 4 (Region-Bas puts them there; Kommun-Bas uses class 5), other operating costs in
//! classes 5–7, depreciation in group 78. The codes are plausible account groups, not a copy of
//! the SKR file; an organisation maps its own ledger by replacing the tree.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use super::amounts::Sign;
use super::checks::{InvalidInput, Problems};
use crate::org;
use crate::validate::{self, ValidationCode, ValidationError, field_path};

pub const NAME_MAX: usize = 200;

/// Income (intäkt, positive amounts) or cost (kostnad, negative amounts).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CategoryKind {
    Income,
    Cost,
}

impl CategoryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Income => "income",
            Self::Cost => "cost",
        }
    }

    /// `income` / `cost`, or the Swedish words a configuration file may use.
    pub fn parse(field: &str, text: &str) -> Result<Self, ValidationError> {
        match text.trim().to_lowercase().as_str() {
            "income" | "intäkt" | "intäkter" => Ok(Self::Income),
            "cost" | "kostnad" | "kostnader" => Ok(Self::Cost),
            "" => Err(ValidationError::new(field, ValidationCode::Required)),
            _ => Err(ValidationError::new(field, ValidationCode::InvalidChoice)),
        }
    }

    /// The sign budgeted amounts of this kind must have.
    pub fn sign(self) -> Sign {
        match self {
            Self::Income => Sign::NonNegative,
            Self::Cost => Sign::NonPositive,
        }
    }
}

impl fmt::Display for CategoryKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One category of the tree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountCategory {
    /// Unique, stable; the key in ledgers and import files ("34", "641").
    pub code: String,
    pub name_sv: String,
    pub name_en: String,
    pub parent: Option<String>,
    pub kind: CategoryKind,
}

/// Unchecked [`AccountCategory`], as typed in a form or configuration file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryInput {
    pub code: String,
    pub name_sv: String,
    pub name_en: String,
    #[serde(default)]
    pub parent: Option<String>,
    pub kind: String,
}

/// The headings of the summary rows under the tree (data, so an organisation can rename them).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SummaryLabels {
    pub income_total_sv: String,
    pub income_total_en: String,
    pub cost_total_sv: String,
    pub cost_total_en: String,
    pub result_sv: String,
    pub result_en: String,
}

impl Default for SummaryLabels {
    /// As seed 004 prints them.
    fn default() -> Self {
        Self {
            income_total_sv: "Summa intäkter".into(),
            income_total_en: "Total income".into(),
            cost_total_sv: "Summa kostnader".into(),
            cost_total_en: "Total costs".into(),
            result_sv: "Resultat".into(),
            result_en: "Result".into(),
        }
    }
}

/// A validated category forest: unique codes, every parent present, no cycle, every child of
/// its parent's kind. Keeps the order categories were given in (the order of the printed
/// table) for display. Serialized as the list of categories.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(try_from = "Vec<AccountCategory>", into = "Vec<AccountCategory>")]
pub struct CategoryTree {
    categories: Vec<AccountCategory>,
    index: HashMap<String, usize>,
    parent: Vec<Option<usize>>,
    children: Vec<Vec<usize>>,
    /// Depth-first, parents before children, siblings in the given order: (index, depth).
    preorder: Vec<(usize, usize)>,
}

/// Checks typed categories at `prefix[i]`: each code a key (`org::parse_key` rules), both names
/// present, a known kind; then the tree rules of [`CategoryTree::new`].
pub fn check_categories(prefix: &str, inputs: &[CategoryInput]) -> Result<CategoryTree, Vec<ValidationError>> {
    let mut p = Problems::default();
    let mut categories = Vec::with_capacity(inputs.len());
    for (i, input) in inputs.iter().enumerate() {
        let at = format!("{prefix}[{i}]");
        let f = |name: &str| field_path(&at, name);
        let code = p.ok(org::parse_key(&f("code"), &input.code));
        let name_sv = p.ok(validate::required_text(&f("name_sv"), &input.name_sv, NAME_MAX));
        let name_en = p.ok(validate::required_text(&f("name_en"), &input.name_en, NAME_MAX));
        let kind = p.ok(CategoryKind::parse(&f("kind"), &input.kind));
        let parent = match input.parent.as_deref().map(str::trim) {
            None | Some("") => Some(None),
            Some(parent) => p.ok(org::parse_key(&f("parent"), parent)).map(Some),
        };
        if let (Some(code), Some(name_sv), Some(name_en), Some(kind), Some(parent)) = (code, name_sv, name_en, kind, parent) {
            categories.push(AccountCategory { code, name_sv, name_en, parent, kind });
        }
    }
    if !p.0.is_empty() {
        return Err(p.0);
    }
    CategoryTree::build(prefix, categories)
}

impl CategoryTree {
    /// Builds the tree from categories in display order, naming problems at `categories[i]`:
    /// a code twice (`.code`: `duplicate`), an unknown parent or a parent on a cycle
    /// (`.parent`: `invalid_choice`), a kind other than the parent's (`.kind`: `not_for_kind`).
    pub fn new(categories: Vec<AccountCategory>) -> Result<Self, Vec<ValidationError>> {
        Self::build("categories", categories)
    }

    fn build(prefix: &str, categories: Vec<AccountCategory>) -> Result<Self, Vec<ValidationError>> {
        let at = |i: usize, name: &str| field_path(&format!("{prefix}[{i}]"), name);
        let mut p = Problems::default();
        let mut index = HashMap::with_capacity(categories.len());
        for (i, c) in categories.iter().enumerate() {
            match index.entry(c.code.clone()) {
                Entry::Occupied(_) => p.push(at(i, "code"), ValidationCode::Duplicate),
                Entry::Vacant(slot) => {
                    slot.insert(i);
                }
            }
        }
        let mut parent = vec![None; categories.len()];
        let mut children = vec![Vec::new(); categories.len()];
        for (i, c) in categories.iter().enumerate() {
            let Some(code) = &c.parent else { continue };
            match index.get(code) {
                None => p.push(at(i, "parent"), ValidationCode::InvalidChoice),
                Some(&pi) => {
                    parent[i] = Some(pi);
                    children[pi].push(i);
                    if categories[pi].kind != c.kind {
                        p.push(at(i, "kind"), ValidationCode::NotForKind);
                    }
                }
            }
        }
        let preorder = preorder(&parent, &children);
        if preorder.len() < categories.len() {
            let reached: HashSet<usize> = preorder.iter().map(|(i, _)| *i).collect();
            for i in (0..categories.len()).filter(|i| !reached.contains(i)) {
                if on_cycle(i, &parent) {
                    p.push(at(i, "parent"), ValidationCode::InvalidChoice);
                }
            }
        }
        p.finish(|| Self { categories, index, parent, children, preorder })
    }

    /// In the order given.
    pub fn categories(&self) -> &[AccountCategory] {
        &self.categories
    }

    pub fn get(&self, code: &str) -> Option<&AccountCategory> {
        self.index_of(code).map(|i| &self.categories[i])
    }

    pub fn contains(&self, code: &str) -> bool {
        self.index.contains_key(code)
    }

    /// The category a ledger account books to: the category with exactly this code, or else the
    /// one whose code is the longest prefix of the account (account `4011` → category `40`), the
    /// way account groups of a Region-Bas style chart nest.
    pub fn resolve_account(&self, account: &str) -> Option<&str> {
        let account = account.trim();
        if let Some(i) = self.index_of(account) {
            return Some(self.categories[i].code.as_str());
        }
        (1..account.len())
            .rev()
            .filter(|&end| account.is_char_boundary(end))
            .find_map(|end| self.index_of(&account[..end]))
            .map(|i| self.categories[i].code.as_str())
    }

    pub fn kind_of(&self, code: &str) -> Option<CategoryKind> {
        self.get(code).map(|c| c.kind)
    }

    pub fn children(&self, code: &str) -> Vec<&AccountCategory> {
        self.index_of(code).map(|i| self.children[i].iter().map(|&c| &self.categories[c]).collect()).unwrap_or_default()
    }

    pub fn is_leaf(&self, code: &str) -> Option<bool> {
        self.index_of(code).map(|i| self.children[i].is_empty())
    }

    /// The category and everything below it; empty for an unknown code.
    pub fn subtree_codes(&self, code: &str) -> Vec<&str> {
        let mut out = Vec::new();
        let mut stack: Vec<usize> = self.index_of(code).into_iter().collect();
        while let Some(i) = stack.pop() {
            out.push(self.categories[i].code.as_str());
            stack.extend(self.children[i].iter().rev());
        }
        out
    }

    /// Display order: depth first, parents before children, siblings in the given order, with
    /// each category's depth (0 for a root).
    pub fn rows(&self) -> impl Iterator<Item = (&AccountCategory, usize)> {
        self.preorder.iter().map(|&(i, depth)| (&self.categories[i], depth))
    }

    pub fn len(&self) -> usize {
        self.categories.len()
    }

    pub fn is_empty(&self) -> bool {
        self.categories.is_empty()
    }

    pub(crate) fn index_of(&self, code: &str) -> Option<usize> {
        self.index.get(code).copied()
    }

    pub(crate) fn parent_index(&self, i: usize) -> Option<usize> {
        self.parent[i]
    }

    pub(crate) fn kind_at(&self, i: usize) -> CategoryKind {
        self.categories[i].kind
    }

    /// Indices with every category after all of its descendants, for one-pass roll-ups.
    pub(crate) fn children_first(&self) -> impl Iterator<Item = usize> + '_ {
        self.preorder.iter().rev().map(|&(i, _)| i)
    }

    pub(crate) fn preorder(&self) -> &[(usize, usize)] {
        &self.preorder
    }
}

impl PartialEq for CategoryTree {
    fn eq(&self, other: &Self) -> bool {
        self.categories == other.categories
    }
}

impl Eq for CategoryTree {}

impl From<CategoryTree> for Vec<AccountCategory> {
    fn from(tree: CategoryTree) -> Self {
        tree.categories
    }
}

impl TryFrom<Vec<AccountCategory>> for CategoryTree {
    type Error = InvalidInput;

    fn try_from(categories: Vec<AccountCategory>) -> Result<Self, Self::Error> {
        Self::new(categories).map_err(InvalidInput)
    }
}

fn preorder(parent: &[Option<usize>], children: &[Vec<usize>]) -> Vec<(usize, usize)> {
    let mut order = Vec::with_capacity(parent.len());
    let mut stack: Vec<(usize, usize)> = (0..parent.len()).filter(|&i| parent[i].is_none()).rev().map(|i| (i, 0)).collect();
    while let Some((i, depth)) = stack.pop() {
        order.push((i, depth));
        stack.extend(children[i].iter().rev().map(|&c| (c, depth + 1)));
    }
    order
}

/// Following parents from `start` comes back to `start`.
fn on_cycle(start: usize, parent: &[Option<usize>]) -> bool {
    let mut at = parent[start];
    for _ in 0..parent.len() {
        match at {
            Some(i) if i == start => return true,
            Some(i) => at = parent[i],
            None => return false,
        }
    }
    false
}

/// The income and cost categories of seed 004 §5.6, names exactly as printed, in printed order.
/// See the module documentation for the numbering.
pub fn default_categories() -> CategoryTree {
    use CategoryKind::{Cost, Income};
    const ROWS: &[(&str, &str, &str, Option<&str>, CategoryKind)] = &[
        ("3", "Intäkter", "Income", None, Income),
        ("34", "Försäljning av tjänster", "Sales of services", Some("3"), Income),
        ("381", "Regionersättning", "Regional compensation", Some("3"), Income),
        ("382", "RS anslag", "Executive board appropriation", Some("3"), Income),
        ("35", "Erhållna bidrag", "Grants received", Some("3"), Income),
        ("39", "Övriga intäkter", "Other income", Some("3"), Income),
        ("4-7", "Kostnader", "Costs", None, Cost),
        ("40", "Personalkostnader", "Staff costs", Some("4-7"), Cost),
        ("47", "Inhyrd personal", "Hired staff", Some("4-7"), Cost),
        ("55", "Lämnade bidrag", "Grants paid", Some("4-7"), Cost),
        ("61", "Lokal och fastighetskostnader", "Premises and property costs", Some("4-7"), Cost),
        ("641", "IT-konsulttjänster", "IT consultancy services", Some("4-7"), Cost),
        ("642", "IT-drift", "IT operations", Some("4-7"), Cost),
        ("65", "Tele och post", "Telephone and postage", Some("4-7"), Cost),
        ("66", "Konsultarvoden", "Consultancy fees", Some("4-7"), Cost),
        ("78", "Avskrivningar", "Depreciation", Some("4-7"), Cost),
        ("69", "Övriga verksamhetskostnader", "Other operating costs", Some("4-7"), Cost),
    ];
    let categories = ROWS
        .iter()
        .map(|&(code, sv, en, parent, kind)| AccountCategory {
            code: code.into(),
            name_sv: sv.into(),
            name_en: en.into(),
            parent: parent.map(Into::into),
            kind,
        })
        .collect();
    CategoryTree::new(categories).expect("the default tree is valid")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(code: &str, parent: Option<&str>, kind: &str) -> CategoryInput {
        CategoryInput { code: code.into(), name_sv: code.into(), name_en: code.into(), parent: parent.map(Into::into), kind: kind.into() }
    }

    fn problems(result: Result<CategoryTree, Vec<ValidationError>>) -> Vec<(String, ValidationCode)> {
        result.unwrap_err().into_iter().map(|e| (e.field, e.code)).collect()
    }

    #[test]
    fn default_tree_follows_the_seed() {
        let tree = default_categories();
        assert_eq!(tree.len(), 17);
        assert_eq!(tree.kind_of("381"), Some(CategoryKind::Income));
        assert_eq!(tree.get("78").unwrap().name_sv, "Avskrivningar");
        assert_eq!(tree.children("3").len(), 5);
        assert_eq!(tree.children("4-7").len(), 10);
        let rows: Vec<(&str, usize)> = tree.rows().map(|(c, d)| (c.name_sv.as_str(), d)).take(3).collect();
        assert_eq!(rows, [("Intäkter", 0), ("Försäljning av tjänster", 1), ("Regionersättning", 1)]);
        assert_eq!(tree.rows().last().unwrap().0.name_sv, "Övriga verksamhetskostnader");
        let json = serde_json::to_string(&tree).unwrap();
        assert_eq!(serde_json::from_str::<CategoryTree>(&json).unwrap(), tree);
        assert_eq!(SummaryLabels::default().result_sv, "Resultat");
    }

    #[test]
    fn tree_rules_are_named_by_path() {
        let dup = [input("3", None, "income"), input("3", None, "income")];
        assert_eq!(problems(check_categories("c", &dup)), [("c[1].code".into(), ValidationCode::Duplicate)]);

        let orphan = [input("3", None, "income"), input("34", Some("30"), "income")];
        assert_eq!(problems(check_categories("c", &orphan)), [("c[1].parent".into(), ValidationCode::InvalidChoice)]);

        let mixed = [input("3", None, "intäkter"), input("40", Some("3"), "kostnad")];
        assert_eq!(problems(check_categories("c", &mixed)), [("c[1].kind".into(), ValidationCode::NotForKind)]);

        // 1 → 2 → 1 is a cycle; 3 hangs below it and is reported only through the cycle.
        let cycle = [input("1", Some("2"), "cost"), input("2", Some("1"), "cost"), input("3", Some("1"), "cost"), input("4", None, "cost")];
        assert_eq!(
            problems(check_categories("c", &cycle)),
            [("c[0].parent".into(), ValidationCode::InvalidChoice), ("c[1].parent".into(), ValidationCode::InvalidChoice)]
        );
        let own_parent = [input("1", Some("1"), "cost")];
        assert_eq!(problems(check_categories("c", &own_parent)), [("c[0].parent".into(), ValidationCode::InvalidChoice)]);

        let fields = [CategoryInput { code: "a b".into(), name_sv: "".into(), name_en: "x".into(), parent: Some(" ".into()), kind: "skatt".into() }];
        assert_eq!(
            problems(check_categories("c", &fields)),
            [
                ("c[0].code".into(), ValidationCode::InvalidCharacters),
                ("c[0].name_sv".into(), ValidationCode::Required),
                ("c[0].kind".into(), ValidationCode::InvalidChoice),
            ]
        );
    }

    #[test]
    fn accounts_book_to_the_longest_matching_category() {
        let tree = default_categories();
        assert_eq!(tree.resolve_account("40"), Some("40"));
        assert_eq!(tree.resolve_account("4011"), Some("40"));
        assert_eq!(tree.resolve_account("3811"), Some("381"));
        assert_eq!(tree.resolve_account("3999"), Some("39"));
        assert_eq!(tree.resolve_account("3000"), Some("3"), "an account of the class books to the class");
        assert_eq!(tree.resolve_account("8010"), None);
        assert_eq!(tree.resolve_account(""), None);
        assert_eq!(tree.resolve_account("4-7"), Some("4-7"));
    }

    #[test]
    fn subtrees_and_leaves() {
        let tree = check_categories(
            "c",
            &[input("4", None, "cost"), input("40", Some("4"), "cost"), input("401", Some("40"), "cost"), input("41", Some("4"), "cost")],
        )
        .unwrap();
        assert_eq!(tree.subtree_codes("4"), ["4", "40", "401", "41"]);
        assert_eq!(tree.subtree_codes("40"), ["40", "401"]);
        assert!(tree.subtree_codes("x").is_empty());
        assert_eq!(tree.is_leaf("401"), Some(true));
        assert_eq!(tree.is_leaf("40"), Some(false));
        let order: Vec<usize> = tree.children_first().collect();
        assert_eq!(order.last(), Some(&0), "the root comes after its descendants");
    }
}
