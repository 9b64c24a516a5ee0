//! Actuals (utfall) from the ledger and full-year forecasts (helårsprognos), and the checks of
//! one import batch. The io layer parses the file (encoding, `;`, decimal comma) into
//! [`ImportLine`]s; here each line is resolved against the known units and categories. Every
//! problem of every line is listed with its 1-based line number, so a dry run can show the whole
//! report and the commit can be all or nothing.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use serde::{Deserialize, Serialize};

use super::amounts::{Sign, check_amount};
use super::calendar::YearMonth;
use super::categories::CategoryTree;
use crate::ids::OrgUnitId;
use crate::money::Money;
use crate::validate::{ValidationCode, ValidationError};

/// One booked amount: unit, category, month. Signed as in the budget (income +, costs −);
/// either sign is valid, since the ledger holds corrections and credit notes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActualRecord {
    pub unit: OrgUnitId,
    pub category: String,
    pub month: YearMonth,
    pub amount: Money,
}

/// A full-year forecast for one unit and category, as made in month `made_in`. A later forecast
/// of the same year replaces an earlier one; the earlier ones are kept as history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Forecast {
    pub unit: OrgUnitId,
    pub category: String,
    pub made_in: YearMonth,
    pub full_year: Money,
}

/// What an import file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeKind {
    /// Booked amounts per month (utfall).
    Actuals,
    /// Full-year forecasts, per the month they were made in (helårsprognos).
    Forecasts,
}

impl OutcomeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Actuals => "actuals",
            Self::Forecasts => "forecasts",
        }
    }

    pub fn parse(field: &str, text: &str) -> Result<Self, ValidationError> {
        match text.trim() {
            "actuals" => Ok(Self::Actuals),
            "forecasts" => Ok(Self::Forecasts),
            "" => Err(ValidationError::new(field, ValidationCode::Required)),
            _ => Err(ValidationError::new(field, ValidationCode::InvalidChoice)),
        }
    }
}

/// Where an import stands: checked (a dry run found nothing wrong; it can be committed),
/// rejected (the report lists why; nothing was written) or committed (written, all of it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportState {
    Checked,
    Rejected,
    Committed,
}

impl ImportState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Checked => "checked",
            Self::Rejected => "rejected",
            Self::Committed => "committed",
        }
    }

    pub fn from_storage(text: &str) -> Option<Self> {
        [Self::Checked, Self::Rejected, Self::Committed].into_iter().find(|s| s.as_str() == text)
    }
}

/// One parsed line of an import file. `line` is the 1-based line number in the file (the io
/// layer counts the header), `unit` the unit's external id (HSA-id, cost centre code), `month`
/// the booking month for actuals or the month a forecast was made.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportLine {
    pub line: usize,
    pub unit: String,
    pub category: String,
    pub month: YearMonth,
    pub amount: Money,
}

/// Why a line is rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportCode {
    UnknownUnit,
    UnknownCategory,
    MonthOutsideYear,
    /// The same unit, category and month as an earlier line (`first_line`).
    DuplicateLine,
    /// A value that did not parse or is out of range; `detail` says how.
    Invalid,
}

impl ImportCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UnknownUnit => "unknown_unit",
            Self::UnknownCategory => "unknown_category",
            Self::MonthOutsideYear => "month_outside_year",
            Self::DuplicateLine => "duplicate_line",
            Self::Invalid => "invalid",
        }
    }
}

/// One rejected line and why. Sorted by line, a report reads top to bottom like the file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ImportProblem {
    pub line: usize,
    /// The column: `unit`, `category`, `month`, `amount`, or `line` for a duplicate.
    pub field: String,
    pub code: ImportCode,
    /// For [`ImportCode::Invalid`]: the validation code of the value.
    pub detail: Option<ValidationCode>,
    /// For [`ImportCode::DuplicateLine`]: the line it repeats.
    pub first_line: Option<usize>,
}

impl ImportProblem {
    pub fn new(line: usize, field: &str, code: ImportCode) -> Self {
        Self { line, field: field.to_owned(), code, detail: None, first_line: None }
    }

    /// A value the io layer could not parse (`amount` "12,3,4"), in the same report.
    pub fn invalid(line: usize, error: ValidationError) -> Self {
        Self { line, field: error.field, code: ImportCode::Invalid, detail: Some(error.code), first_line: None }
    }
}

/// Resolves every line, or lists every problem of every line. `category_of` maps a unit and an
/// account as written in the file to a category code (see [`CategoryTree::resolve_account`]);
/// lines that book to the same unit, category and month are summed, since a ledger lists each
/// account of a category on a line of its own. The same unit, account and month twice is a
/// duplicate.
/// `sign_of` gives the sign each unit's category must have once its accounts are summed
/// (`Sign::Any` for actuals, where credit notes and corrections go either way).
/// A resolved line: unit, category code, month and amount.
type Resolved<'t> = (OrgUnitId, &'t str, YearMonth, Money);

fn resolve<'t>(
    lines: &[ImportLine],
    units: &HashMap<String, OrgUnitId>,
    category_of: impl Fn(OrgUnitId, &str) -> Option<&'t str>,
    sign_of: impl Fn(OrgUnitId, &str) -> Sign,
    year: i32,
) -> Result<Vec<Resolved<'t>>, Vec<ImportProblem>> {
    let mut problems = Vec::new();
    let mut sums: HashMap<(OrgUnitId, &'t str, YearMonth), i128> = HashMap::with_capacity(lines.len());
    let mut order: Vec<(OrgUnitId, &'t str, YearMonth)> = Vec::with_capacity(lines.len());
    let mut first_seen: HashMap<(OrgUnitId, &str, YearMonth), usize> = HashMap::with_capacity(lines.len());
    for line in lines {
        let n = line.line;
        let unit = units.get(line.unit.trim()).copied();
        if unit.is_none() {
            problems.push(ImportProblem::new(n, "unit", ImportCode::UnknownUnit));
        }
        let account = line.category.trim();
        // Without a known unit the category cannot be judged (each unit's budget has its tree).
        let category = unit.and_then(|u| category_of(u, account));
        if unit.is_some() && category.is_none() {
            problems.push(ImportProblem::new(n, "category", ImportCode::UnknownCategory));
        }
        let in_year = line.month.year() == year;
        if !in_year {
            problems.push(ImportProblem::new(n, "month", ImportCode::MonthOutsideYear));
        }
        let amount_ok = match check_amount("amount", line.amount, Sign::Any) {
            Ok(_) => true,
            Err(error) => {
                problems.push(ImportProblem::invalid(n, error));
                false
            }
        };
        // Duplicates are looked for among lines whose unit and category resolve, so that one
        // misspelt unit does not also show up as a duplicate.
        let (Some(unit), Some(category)) = (unit, category) else { continue };
        match first_seen.entry((unit, account, line.month)) {
            Entry::Occupied(first) => {
                problems.push(ImportProblem { first_line: Some(*first.get()), ..ImportProblem::new(n, "line", ImportCode::DuplicateLine) });
            }
            Entry::Vacant(slot) => {
                slot.insert(n);
                if in_year && amount_ok && problems.is_empty() {
                    let key = (unit, category, line.month);
                    let sum = sums.entry(key).or_insert_with(|| {
                        order.push(key);
                        0
                    });
                    *sum += i128::from(line.amount.as_ore());
                }
            }
        }
    }
    if !problems.is_empty() {
        problems.sort_by_key(|p| p.line);
        return Err(problems);
    }
    let mut resolved = Vec::with_capacity(order.len());
    for key in order {
        // A sum out of range or of the wrong sign is reported at the first line that adds to it.
        let first_line = || {
            lines
                .iter()
                .find(|l| units.get(l.unit.trim()) == Some(&key.0) && l.month == key.2 && category_of(key.0, l.category.trim()) == Some(key.1))
                .map_or(0, |l| l.line)
        };
        let Some(amount) = i64::try_from(sums[&key]).ok().map(Money::from_ore) else {
            problems.push(ImportProblem::invalid(first_line(), ValidationError::new("amount", ValidationCode::OutOfRange)));
            continue;
        };
        match check_amount("amount", amount, sign_of(key.0, key.1)) {
            Ok(amount) => resolved.push((key.0, key.1, key.2, amount)),
            Err(error) => problems.push(ImportProblem::invalid(first_line(), error)),
        }
    }
    if problems.is_empty() {
        Ok(resolved)
    } else {
        problems.sort_by_key(|p| p.line);
        Err(problems)
    }
}

/// Checks a batch of actuals for budget year `year` against the units' external ids and each
/// unit's categories: the records to write, or every problem (nothing is to be written then).
pub fn check_actuals<'t>(
    lines: &[ImportLine],
    units: &HashMap<String, OrgUnitId>,
    category_of: impl Fn(OrgUnitId, &str) -> Option<&'t str>,
    year: i32,
) -> Result<Vec<ActualRecord>, Vec<ImportProblem>> {
    let resolved = resolve(lines, units, category_of, |_, _| Sign::Any, year)?;
    Ok(resolved
        .into_iter()
        .map(|(unit, category, month, amount)| ActualRecord { unit, category: category.to_owned(), month, amount })
        .collect())
}

/// Checks a batch of forecasts: as [`check_actuals`], with `month` the month the forecast was
/// made and `amount` the full-year forecast, which must have its category's sign (`sign_of`:
/// income positive, costs negative, as in the budget and the forecast form).
pub fn check_forecasts<'t>(
    lines: &[ImportLine],
    units: &HashMap<String, OrgUnitId>,
    category_of: impl Fn(OrgUnitId, &str) -> Option<&'t str>,
    sign_of: impl Fn(OrgUnitId, &str) -> Sign,
    year: i32,
) -> Result<Vec<Forecast>, Vec<ImportProblem>> {
    let resolved = resolve(lines, units, category_of, sign_of, year)?;
    Ok(resolved
        .into_iter()
        .map(|(unit, category, made_in, full_year)| Forecast { unit, category: category.to_owned(), made_in, full_year })
        .collect())
}

/// A resolver for [`check_actuals`] when every unit uses the same tree.
pub fn by_tree<'t>(tree: &'t CategoryTree) -> impl Fn(OrgUnitId, &str) -> Option<&'t str> {
    move |_, account: &str| tree.resolve_account(account)
}

/// The forecast in force for `unit` and `category` at `as_of`: the latest one made in the same
/// year, no later than `as_of`.
pub fn latest_forecast<'a>(forecasts: &'a [Forecast], unit: OrgUnitId, category: &str, as_of: YearMonth) -> Option<&'a Forecast> {
    forecasts
        .iter()
        .filter(|f| f.unit == unit && f.category == category && f.made_in.year() == as_of.year() && f.made_in <= as_of)
        .max_by_key(|f| f.made_in)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::budget::categories::default_categories;

    fn month(text: &str) -> YearMonth {
        YearMonth::parse("month", text).unwrap()
    }

    fn line(n: usize, unit: &str, category: &str, m: &str, ore: i64) -> ImportLine {
        ImportLine { line: n, unit: unit.into(), category: category.into(), month: month(m), amount: Money::from_ore(ore) }
    }

    #[test]
    fn a_good_batch_resolves() {
        let ce = OrgUnitId::new();
        let units = HashMap::from([("CE".to_owned(), ce)]);
        let tree = default_categories();
        let lines = [line(2, "CE", "40", "2020-01", -100), line(3, " CE ", " 34 ", "2020-01", 250)];
        let records = check_actuals(&lines, &units, by_tree(&tree), 2020).unwrap();
        assert_eq!(records[1], ActualRecord { unit: ce, category: "34".into(), month: month("2020-01"), amount: Money::from_ore(250) });
    }

    /// A file full of realistic mistakes: every problem is listed, in line order.
    #[test]
    fn every_problem_is_listed_with_its_line() {
        let tree = default_categories();
        let units = HashMap::from([("CE".to_owned(), OrgUnitId::new()), ("CK".to_owned(), OrgUnitId::new())]);
        let lines = [
            line(2, "CE", "40", "2020-01", -100),
            line(3, "CX", "40", "2020-01", -100),          // misspelt unit
            line(4, "CE", "4O", "2020-01", -100),          // letter O for zero
            line(5, "CE", "40", "2019-12", -100),          // last year's December
            line(6, "CE", "40", "2020-01", -5),            // same key as line 2
            line(7, "ck", "99", "2021-01", 1),             // unknown unit (so its account is not judged), wrong year
            line(8, "CK", "34", "2020-02", i64::MAX / 2),  // absurd amount
            line(9, "CE", "40", "2020-01", -7),            // line 2 again
        ];
        let problems = check_actuals(&lines, &units, by_tree(&tree), 2020).unwrap_err();
        let found: Vec<(usize, &str, ImportCode, Option<usize>)> =
            problems.iter().map(|p| (p.line, p.field.as_str(), p.code, p.first_line)).collect();
        assert_eq!(
            found,
            [
                (3, "unit", ImportCode::UnknownUnit, None),
                (4, "category", ImportCode::UnknownCategory, None),
                (5, "month", ImportCode::MonthOutsideYear, None),
                (6, "line", ImportCode::DuplicateLine, Some(2)),
                (7, "unit", ImportCode::UnknownUnit, None),
                (7, "month", ImportCode::MonthOutsideYear, None),
                (8, "amount", ImportCode::Invalid, None),
                (9, "line", ImportCode::DuplicateLine, Some(2)),
            ]
        );
        assert_eq!(problems[6].detail, Some(ValidationCode::OutOfRange));
        let parse_error = ImportProblem::invalid(10, ValidationError::new("amount", ValidationCode::NotANumber));
        assert_eq!((parse_error.code.as_str(), parse_error.detail), ("invalid", Some(ValidationCode::NotANumber)));
    }

    /// A ledger lists each account of a category on a line of its own: they are summed.
    #[test]
    fn accounts_of_one_category_are_summed() {
        let tree = default_categories();
        let ce = OrgUnitId::new();
        let units = HashMap::from([("CE".to_owned(), ce)]);
        let lines = [
            line(2, "CE", "4011", "2020-01", -100),
            line(3, "CE", "4012", "2020-01", -250),
            line(4, "CE", "40", "2020-01", -1),
            line(5, "CE", "4011", "2020-02", -7),
        ];
        let records = check_actuals(&lines, &units, by_tree(&tree), 2020).unwrap();
        let found: Vec<(&str, String, i64)> = records.iter().map(|r| (r.category.as_str(), r.month.to_string(), r.amount.as_ore())).collect();
        assert_eq!(found, [("40", "2020-01".to_owned(), -351), ("40", "2020-02".to_owned(), -7)]);
        let twice = [line(2, "CE", "4011", "2020-01", -100), line(3, "CE", "4011", "2020-01", -100)];
        let problems = check_actuals(&twice, &units, by_tree(&tree), 2020).unwrap_err();
        assert_eq!((problems[0].line, problems[0].code, problems[0].first_line), (3, ImportCode::DuplicateLine, Some(2)));
    }

    /// A full-year forecast has its category's sign: a positive staff cost is a typing error.
    #[test]
    fn forecasts_have_their_categorys_sign() {
        let tree = default_categories();
        let units = HashMap::from([("CE".to_owned(), OrgUnitId::new())]);
        let sign_of = |_: OrgUnitId, code: &str| tree.kind_of(code).map_or(Sign::Any, |k| k.sign());
        let lines = [line(2, "CE", "4011", "2020-03", 1_000), line(3, "CE", "34", "2020-03", 500), line(4, "CE", "341", "2020-03", -900)];
        let problems = check_forecasts(&lines, &units, by_tree(&tree), sign_of, 2020).unwrap_err();
        let found: Vec<(usize, Option<ValidationCode>)> = problems.iter().map(|p| (p.line, p.detail)).collect();
        assert_eq!(found, [(2, Some(ValidationCode::WrongSign)), (3, Some(ValidationCode::WrongSign))], "34 and 341 sum to −400");
        assert!(check_actuals(&lines, &units, by_tree(&tree), 2020).is_ok(), "actuals go either way");
    }

    #[test]
    fn the_latest_forecast_is_in_force() {
        let ce = OrgUnitId::new();
        let units = HashMap::from([("CE".to_owned(), ce)]);
        let tree = default_categories();
        let lines = [line(2, "CE", "40", "2020-03", -1_000), line(3, "CE", "40", "2020-05", -1_100)];
        let forecasts = check_forecasts(&lines, &units, by_tree(&tree), |_, code| tree.kind_of(code).map_or(Sign::Any, |k| k.sign()), 2020).unwrap();
        assert_eq!(latest_forecast(&forecasts, ce, "40", month("2020-04")).unwrap().full_year, Money::from_ore(-1_000));
        assert_eq!(latest_forecast(&forecasts, ce, "40", month("2020-12")).unwrap().full_year, Money::from_ore(-1_100));
        assert!(latest_forecast(&forecasts, ce, "40", month("2020-02")).is_none());
        assert!(latest_forecast(&forecasts, ce, "34", month("2020-12")).is_none());
    }
}
