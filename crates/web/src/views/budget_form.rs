//! The rows of the budget edit form as typed: built from a stored chapter or from a post, turned
//! into the use case's `ChapterInput`, and the use case's problems traced back to the cells they
//! came from. No HTTP and no language here; `budget_edit` renders it.
//!
//! Form field names are paths the error messages name: `frame_rows[2].frame_tkr` reads
//! "Ramfördelning, rad 3: Ram (tkr)" (see `crate::error::field_label`). Year cells are
//! `frame_2021` and `change_rows[0].amount_2021`.

use app::budget::{ChapterInput, LineInput, UnitFrameInput};
use domain::OrgUnitId;
use domain::budget::{
    BudgetLine, EconomyChapter, FrameChangeInput, LineAmounts, PhasingRule, YearAmount,
};
use domain::money::{Money, MoneyError, NumberStyle, Unit, format_with, parse_sek};
use domain::validate::{ValidationCode, ValidationError};
use std::collections::{BTreeSet, HashMap};

/// Empty rows offered under the filled ones in each table.
pub const BLANK_ROWS: usize = 3;
/// Rows added by "more rows".
pub const MORE_ROWS: usize = 5;
/// A post with more rows than this in a table is cut off there (no table is anywhere near it).
const MAX_ROWS: usize = 500;

pub const PHASING_EVEN: &str = "even";
pub const PHASING_DAY_COUNT: &str = "day_count";
/// The stored chapter's own profile; the form cannot type one, only keep it.
pub const PHASING_PROFILE: &str = "profile";

/// The three tables of rows, by the name their fields start with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Table {
    Frames,
    Changes,
    Lines,
}

impl Table {
    pub const fn name(self) -> &'static str {
        match self {
            Self::Frames => "frame_rows",
            Self::Changes => "change_rows",
            Self::Lines => "line_rows",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        [Self::Frames, Self::Changes, Self::Lines]
            .into_iter()
            .find(|t| t.name() == name)
    }
}

/// One unit's row of the frame distribution.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FrameRow {
    pub unit: String,
    pub frame: String,
    pub previous: String,
    pub remove: bool,
}

/// One frame change: its reason and an amount per year column ("" for an empty cell).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChangeRow {
    pub reason: String,
    pub amounts: Vec<String>,
    pub remove: bool,
}

/// One line of the detailed budget, by its annual amount.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LineRow {
    pub unit: String,
    pub category: String,
    pub amount: String,
    /// The stored line this row shows (its index), whose months an unchanged amount keeps.
    pub source: Option<usize>,
    /// The stored months are not the chapter's phasing of the annual amount.
    pub own_months: bool,
    pub remove: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BudgetForm {
    /// The year columns of the frames and frame changes.
    pub years: Vec<i32>,
    /// One per year column.
    pub frames: Vec<String>,
    pub phasing: String,
    pub frame_rows: Vec<FrameRow>,
    pub change_rows: Vec<ChangeRow>,
    pub line_rows: Vec<LineRow>,
}

/// The year columns: the budget year and two plan years, and any other year the stored chapter
/// has a frame or a frame change for (so that nothing stored falls out of the form).
pub fn year_columns(year: i32, stored: Option<&EconomyChapter>) -> Vec<i32> {
    let mut years: BTreeSet<i32> = (year..=year.saturating_add(2)).collect();
    if let Some(c) = stored {
        years.extend(c.frames.frames.iter().map(|f| f.year));
        years.extend(
            c.frame_changes
                .iter()
                .flat_map(|f| f.amounts.iter().map(|a| a.year)),
        );
    }
    years.into_iter().collect()
}

/// An amount as the form shows it: tkr in Swedish notation with as many decimals as it needs
/// (at least one), so that sending it back unchanged gives the same öre.
pub fn tkr_text(m: Money) -> String {
    let ore = m.as_ore().unsigned_abs();
    let decimals = (1..=Unit::Tkr.decimals())
        .find(|d| ore.is_multiple_of(10u64.pow(Unit::Tkr.decimals() - d)))
        .unwrap_or(5);
    // A plain space groups the thousands: easier to edit than a no-break space.
    format_with(
        m,
        Unit::Tkr,
        decimals,
        &NumberStyle {
            group: Some(' '),
            ..NumberStyle::SV
        },
    )
}

fn phasing_name(rule: &PhasingRule) -> &'static str {
    match rule {
        PhasingRule::Even => PHASING_EVEN,
        PhasingRule::DayCount => PHASING_DAY_COUNT,
        PhasingRule::Profile { .. } => PHASING_PROFILE,
    }
}

/// The line's months differ from what `rule` makes of its annual amount.
fn has_own_months(line: &BudgetLine, rule: &PhasingRule) -> bool {
    rule.phase_raw(line.total(), line.year) != *line.months.months()
}

fn amount_in(amounts: &[YearAmount], year: i32) -> Option<Money> {
    amounts.iter().find(|a| a.year == year).map(|a| a.amount)
}

/// How many rows of `table` were posted: every row sends its `first` field.
fn row_count(fields: &HashMap<String, String>, table: Table, first: &str) -> usize {
    (0..MAX_ROWS)
        .take_while(|r| fields.contains_key(&format!("{}[{r}].{first}", table.name())))
        .count()
}

fn blank(text: &str) -> bool {
    text.trim().is_empty()
}

impl BudgetForm {
    /// The form of a stored chapter, or an empty one for a budget not yet written (its lines
    /// default to the administration `default_unit`).
    pub fn from_chapter(
        year: i32,
        stored: Option<&EconomyChapter>,
        key_of: impl Fn(OrgUnitId) -> String,
    ) -> Self {
        let years = year_columns(year, stored);
        let Some(c) = stored else {
            return Self {
                frames: vec![String::new(); years.len()],
                years,
                phasing: PHASING_EVEN.into(),
                ..Self::default()
            };
        };
        let cell = |amounts: &[YearAmount], y: &i32| {
            amount_in(amounts, *y).map(tkr_text).unwrap_or_default()
        };
        Self {
            frames: years.iter().map(|y| cell(&c.frames.frames, y)).collect(),
            phasing: phasing_name(&c.frames.phasing).into(),
            frame_rows: c
                .distribution
                .units
                .iter()
                .map(|u| FrameRow {
                    unit: key_of(u.unit),
                    frame: tkr_text(u.frame),
                    previous: u.previous_frame.map(tkr_text).unwrap_or_default(),
                    remove: false,
                })
                .collect(),
            change_rows: c
                .frame_changes
                .iter()
                .map(|f| ChangeRow {
                    reason: f.reason.clone(),
                    amounts: years.iter().map(|y| cell(&f.amounts, y)).collect(),
                    remove: false,
                })
                .collect(),
            line_rows: c
                .budget_lines
                .iter()
                .enumerate()
                .map(|(i, l)| LineRow {
                    unit: key_of(l.unit),
                    category: l.category.clone(),
                    amount: tkr_text(l.total()),
                    source: Some(i),
                    own_months: has_own_months(l, &c.frames.phasing),
                    remove: false,
                })
                .collect(),
            years,
        }
    }

    /// The form as posted. Rows are read in order until the first index without fields.
    pub fn from_post(
        fields: &HashMap<String, String>,
        years: Vec<i32>,
        stored: Option<&EconomyChapter>,
    ) -> Self {
        let get = |name: String| fields.get(&name).cloned().unwrap_or_default();
        let on = |name: String| fields.get(&name).is_some_and(|v| !v.is_empty());
        let rows = |table: Table, first: &str| 0..row_count(fields, table, first);
        let frame_rows = rows(Table::Frames, "unit")
            .map(|r| FrameRow {
                unit: get(format!("frame_rows[{r}].unit")),
                frame: get(format!("frame_rows[{r}].frame_tkr")),
                previous: get(format!("frame_rows[{r}].previous_frame_tkr")),
                remove: on(format!("frame_rows[{r}].remove")),
            })
            .collect();
        let change_rows = rows(Table::Changes, "change_reason")
            .map(|r| ChangeRow {
                // The box wraps; a line break typed in it is a space.
                reason: get(format!("change_rows[{r}].change_reason"))
                    .replace("\r\n", " ")
                    .replace('\n', " "),
                amounts: years
                    .iter()
                    .map(|y| get(format!("change_rows[{r}].amount_{y}")))
                    .collect(),
                remove: on(format!("change_rows[{r}].remove")),
            })
            .collect();
        let line_rows = rows(Table::Lines, "category")
            .map(|r| {
                let source = get(format!("line_rows[{r}].source")).parse::<usize>().ok();
                let line =
                    stored.and_then(|c| source.and_then(|i| c.budget_lines.get(i)).map(|l| (l, c)));
                LineRow {
                    unit: get(format!("line_rows[{r}].unit")),
                    category: get(format!("line_rows[{r}].category")),
                    amount: get(format!("line_rows[{r}].amount_tkr")),
                    source: line.and(source),
                    own_months: line.is_some_and(|(l, c)| has_own_months(l, &c.frames.phasing)),
                    remove: on(format!("line_rows[{r}].remove")),
                }
            })
            .collect();
        Self {
            frames: years.iter().map(|y| get(format!("frame_{y}"))).collect(),
            phasing: get("phasing".into()),
            years,
            frame_rows,
            change_rows,
            line_rows,
        }
    }

    /// Adds `n` empty rows to `table`; new budget lines start on `default_unit`.
    pub fn add_rows(&mut self, table: Table, n: usize, default_unit: &str) {
        for _ in 0..n {
            match table {
                Table::Frames => self.frame_rows.push(FrameRow::default()),
                Table::Changes => self.change_rows.push(ChangeRow {
                    amounts: vec![String::new(); self.years.len()],
                    ..ChangeRow::default()
                }),
                Table::Lines => self.line_rows.push(LineRow {
                    unit: default_unit.into(),
                    ..LineRow::default()
                }),
            }
        }
    }

    /// The chapter to save: `base` (the stored chapter as input, which keeps every section the
    /// form does not edit) with the frames, phasing, distribution, frame changes and lines
    /// replaced by the form's. Removed and empty rows are left out. Any amount that is not an
    /// exact amount in tkr is an error at its cell, and then nothing else is checked.
    pub fn to_input(
        &self,
        mut base: ChapterInput,
        stored: Option<&EconomyChapter>,
    ) -> Result<(ChapterInput, RowMap), Vec<ValidationError>> {
        let mut problems = Vec::new();
        let old_rule = stored.map(|c| c.frames.phasing).unwrap_or_default();
        let phasing = match self.phasing.as_str() {
            PHASING_EVEN => PhasingRule::Even,
            PHASING_DAY_COUNT => PhasingRule::DayCount,
            PHASING_PROFILE if matches!(old_rule, PhasingRule::Profile { .. }) => old_rule,
            _ => {
                problems.push(ValidationError::new(
                    "phasing",
                    ValidationCode::InvalidChoice,
                ));
                old_rule
            }
        };

        let mut amount = |field: String, text: &str| -> Money {
            parse_tkr(&field, text).unwrap_or_else(|e| {
                problems.push(e);
                Money::ZERO
            })
        };
        let mut map = RowMap::default();

        let mut frames = Vec::new();
        for (year, text) in self
            .years
            .iter()
            .zip(&self.frames)
            .filter(|(_, t)| !blank(t))
        {
            frames.push(YearAmount::new(
                *year,
                amount(format!("frame_{year}"), text),
            ));
            map.frame_years.push(*year);
        }
        map.budget_year_field = self
            .years
            .first()
            .map(|y| format!("frame_{y}"))
            .unwrap_or_default();

        let mut distribution = Vec::new();
        for (r, row) in self.frame_rows.iter().enumerate() {
            if row.remove || (blank(&row.unit) && blank(&row.frame) && blank(&row.previous)) {
                continue;
            }
            let frame = amount(format!("frame_rows[{r}].frame_tkr"), &row.frame);
            let previous_frame = (!blank(&row.previous))
                .then(|| amount(format!("frame_rows[{r}].previous_frame_tkr"), &row.previous));
            distribution.push(UnitFrameInput {
                unit: row.unit.trim().to_owned(),
                frame,
                previous_frame,
            });
            map.frame_rows.push(r);
        }

        let mut frame_changes = Vec::new();
        for (r, row) in self.change_rows.iter().enumerate() {
            if row.remove || (blank(&row.reason) && row.amounts.iter().all(|a| blank(a))) {
                continue;
            }
            let mut years = Vec::new();
            let mut amounts = Vec::new();
            for (year, text) in self
                .years
                .iter()
                .zip(&row.amounts)
                .filter(|(_, t)| !blank(t))
            {
                amounts.push(YearAmount::new(
                    *year,
                    amount(format!("change_rows[{r}].amount_{year}"), text),
                ));
                years.push(*year);
            }
            frame_changes.push(FrameChangeInput {
                reason: row.reason.clone(),
                amounts,
            });
            map.change_rows.push((r, years));
        }

        let mut budget_lines = Vec::new();
        for (r, row) in self.line_rows.iter().enumerate() {
            if row.remove || (blank(&row.category) && blank(&row.amount)) {
                continue;
            }
            let annual = amount(format!("line_rows[{r}].amount_tkr"), &row.amount);
            let stored_line = row
                .source
                .and_then(|i| stored.and_then(|c| c.budget_lines.get(i)));
            // Months of the controller's own keep as long as the annual amount does; anything
            // else is phased by the chapter's (possibly new) rule.
            let amounts = match stored_line {
                Some(line) if line.total() == annual && has_own_months(line, &old_rule) => {
                    LineAmounts::Monthly {
                        months: *line.months.months(),
                    }
                }
                _ => LineAmounts::Annual {
                    amount: annual,
                    phasing,
                },
            };
            budget_lines.push(LineInput {
                unit: row.unit.trim().to_owned(),
                category: row.category.trim().to_owned(),
                year: None,
                amounts,
            });
            map.line_rows.push(r);
        }

        if !problems.is_empty() {
            return Err(problems);
        }
        base.frames = frames;
        base.phasing = phasing;
        base.distribution = distribution;
        base.frame_changes = frame_changes;
        base.budget_lines = budget_lines;
        Ok((base, map))
    }
}

/// An amount typed in tkr, exactly, or the problem at `field`: not a number, a point that may be
/// a thousands separator, or more decimals than whole öre (never rounded).
pub fn parse_tkr(field: &str, text: &str) -> Result<Money, ValidationError> {
    parse_sek(field, text, Unit::Tkr).map_err(|e| {
        let code = match e {
            MoneyError::Empty { .. } => ValidationCode::Required,
            MoneyError::AmbiguousDecimalPoint { .. } => ValidationCode::InvalidCharacters,
            MoneyError::FractionOfOre { .. } => ValidationCode::TooManyDecimals,
            MoneyError::Overflow { .. } | MoneyError::TooLong { .. } => ValidationCode::OutOfRange,
            MoneyError::NotANumber { .. }
            | MoneyError::MisplacedSeparator { .. }
            | MoneyError::NoWeight { .. } => ValidationCode::NotANumber,
        };
        ValidationError::new(field, code)
    })
}

/// Which form row each entry of the saved input came from (empty and removed rows are not
/// sent), to put the use case's problems (`budget_lines[4].amount`) beside their cells.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RowMap {
    budget_year_field: String,
    frame_years: Vec<i32>,
    frame_rows: Vec<usize>,
    /// The row and the year of each of its amounts.
    change_rows: Vec<(usize, Vec<i32>)>,
    line_rows: Vec<usize>,
}

/// `list[7].rest` → (7, "rest") for the given `list`.
fn indexed<'a>(path: &'a str, list: &str) -> Option<(usize, &'a str)> {
    let rest = path.strip_prefix(list)?.strip_prefix('[')?;
    let (index, rest) = rest.split_once(']')?;
    Some((index.parse().ok()?, rest.strip_prefix('.').unwrap_or(rest)))
}

impl RowMap {
    /// The form field of a problem the use case reported, or None if the form has no cell for
    /// it (a section kept as stored).
    pub fn form_field(&self, path: &str) -> Option<String> {
        if path == "frames" {
            return Some(self.budget_year_field.clone());
        }
        if path.starts_with("phasing") {
            return Some("phasing".into());
        }
        if let Some((i, _)) = indexed(path, "frames") {
            return self.frame_years.get(i).map(|y| format!("frame_{y}"));
        }
        if let Some((i, rest)) = indexed(path, "distribution.units") {
            let r = self.frame_rows.get(i)?;
            let column = match rest {
                "frame" => "frame_tkr",
                "previous_frame" => "previous_frame_tkr",
                _ => "unit",
            };
            return Some(format!("frame_rows[{r}].{column}"));
        }
        if let Some((i, rest)) = indexed(path, "frame_changes") {
            let (r, years) = self.change_rows.get(i)?;
            return Some(
                match indexed(rest, "amounts").and_then(|(j, _)| years.get(j)) {
                    Some(year) => format!("change_rows[{r}].amount_{year}"),
                    None => format!("change_rows[{r}].change_reason"),
                },
            );
        }
        if let Some((i, rest)) = indexed(path, "budget_lines") {
            let r = self.line_rows.get(i)?;
            let column = match rest {
                "unit" => "unit",
                "category" => "category",
                _ => "amount_tkr",
            };
            return Some(format!("line_rows[{r}].{column}"));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::budget::seed_004;

    fn seed() -> (EconomyChapter, HashMap<OrgUnitId, String>) {
        let mut keys = HashMap::new();
        let chapter = seed_004(|key| {
            let id = OrgUnitId::new();
            keys.insert(id, key.to_owned());
            id
        });
        // seed_004 asks for each unit once per use; map every id it handed out.
        (chapter, keys)
    }

    fn posted(form: &BudgetForm) -> HashMap<String, String> {
        let mut f = HashMap::new();
        for (y, v) in form.years.iter().zip(&form.frames) {
            f.insert(format!("frame_{y}"), v.clone());
        }
        f.insert("phasing".into(), form.phasing.clone());
        for (r, row) in form.frame_rows.iter().enumerate() {
            f.insert(format!("frame_rows[{r}].unit"), row.unit.clone());
            f.insert(format!("frame_rows[{r}].frame_tkr"), row.frame.clone());
            f.insert(
                format!("frame_rows[{r}].previous_frame_tkr"),
                row.previous.clone(),
            );
        }
        for (r, row) in form.change_rows.iter().enumerate() {
            f.insert(
                format!("change_rows[{r}].change_reason"),
                row.reason.clone(),
            );
            for (y, v) in form.years.iter().zip(&row.amounts) {
                f.insert(format!("change_rows[{r}].amount_{y}"), v.clone());
            }
        }
        for (r, row) in form.line_rows.iter().enumerate() {
            f.insert(format!("line_rows[{r}].unit"), row.unit.clone());
            f.insert(format!("line_rows[{r}].category"), row.category.clone());
            f.insert(format!("line_rows[{r}].amount_tkr"), row.amount.clone());
            if let Some(s) = row.source {
                f.insert(format!("line_rows[{r}].source"), s.to_string());
            }
        }
        f
    }

    #[test]
    fn amounts_show_in_tkr_with_the_decimals_they_need() {
        assert_eq!(tkr_text(Money::from_ore(6_060_000_000)), "60 600,0");
        assert_eq!(
            tkr_text(Money::from_ore(-232_620_000_000)),
            "\u{2212}2 326 200,0"
        );
        assert_eq!(tkr_text(Money::from_ore(1_234_500)), "12,345");
        assert_eq!(tkr_text(Money::from_ore(1)), "0,00001");
        assert_eq!(tkr_text(Money::ZERO), "0,0");
        for ore in [1, -7, 1_234_500, 99_999, 6_060_000_000, -232_620_000_000] {
            assert_eq!(
                parse_tkr("x", &tkr_text(Money::from_ore(ore))),
                Ok(Money::from_ore(ore))
            );
        }
    }

    #[test]
    fn bad_amounts_are_named_and_never_rounded() {
        let code = |text: &str| parse_tkr("f", text).unwrap_err().code;
        assert_eq!(code("12,3456789"), ValidationCode::TooManyDecimals);
        assert_eq!(code("12.345"), ValidationCode::InvalidCharacters);
        assert_eq!(code("12 34,5"), ValidationCode::NotANumber);
        assert_eq!(code("tolv"), ValidationCode::NotANumber);
        assert_eq!(code(" "), ValidationCode::Required);
        assert_eq!(
            parse_tkr("f", "\u{2212}2 326,2"),
            Ok(Money::from_ore(-232_620_000))
        );
    }

    #[test]
    fn the_stored_chapter_comes_back_unchanged() {
        let (chapter, keys) = seed();
        let key_of = |id: OrgUnitId| keys[&id].clone();
        let form = BudgetForm::from_chapter(2020, Some(&chapter), key_of);
        assert_eq!(form.years, [2020, 2021, 2022]);
        assert_eq!(form.frames, ["221 000,0", "218 400,0", "222 400,0"]);
        assert_eq!(form.frame_rows[6].previous, "2 227 600,0");
        assert_eq!(
            form.change_rows[10].amounts,
            ["\u{2212}9 600,0", "\u{2212}2 700,0", "\u{2212}1 200,0"]
        );
        assert!(form.line_rows.iter().all(|l| !l.own_months));

        let again = BudgetForm::from_post(&posted(&form), form.years.clone(), Some(&chapter));
        assert_eq!(again, form);
        let base = ChapterInput::from_chapter(&chapter, key_of);
        let (input, _) = again.to_input(base.clone(), Some(&chapter)).unwrap();
        // Lines come back as annual amounts phased evenly: the same months as stored.
        let phased: Vec<[Money; 12]> = input
            .budget_lines
            .iter()
            .map(|l| match l.amounts {
                LineAmounts::Annual { amount, phasing } => phasing.phase_raw(amount, 2020),
                LineAmounts::Monthly { months } => months,
            })
            .collect();
        let expected: Vec<[Money; 12]> = base
            .budget_lines
            .iter()
            .map(|l| match l.amounts {
                LineAmounts::Monthly { months } => months,
                LineAmounts::Annual { .. } => unreachable!("from_chapter gives months"),
            })
            .collect();
        assert_eq!(phased, expected);
        assert_eq!(
            (input.frames, input.distribution, input.frame_changes),
            (base.frames, base.distribution, base.frame_changes)
        );
        assert_eq!(
            (input.income_financed, input.investments, input.categories),
            (base.income_financed, base.investments, base.categories)
        );
    }

    #[test]
    fn own_months_stay_until_the_annual_amount_changes() {
        let (mut chapter, keys) = seed();
        let mut months = [Money::ZERO; 12];
        months[11] = chapter.budget_lines[6].total();
        chapter.budget_lines[6].months =
            domain::budget::MonthlyAmounts::new("m", months, domain::budget::Sign::Any).unwrap();
        let key_of = |id: OrgUnitId| keys[&id].clone();
        let mut form = BudgetForm::from_chapter(2020, Some(&chapter), key_of);
        assert!(form.line_rows[6].own_months && !form.line_rows[5].own_months);
        let base = ChapterInput::from_chapter(&chapter, key_of);
        let (input, _) = form.to_input(base.clone(), Some(&chapter)).unwrap();
        assert_eq!(
            input.budget_lines[6].amounts,
            LineAmounts::Monthly { months }
        );

        form.line_rows[6].amount = "\u{2212}1 200,0".into();
        form.phasing = PHASING_DAY_COUNT.into();
        let (input, _) = form.to_input(base, Some(&chapter)).unwrap();
        let changed = LineAmounts::Annual {
            amount: Money::from_ore(-120_000_000),
            phasing: PhasingRule::DayCount,
        };
        assert_eq!(input.budget_lines[6].amounts, changed);
        assert_eq!(input.phasing, PhasingRule::DayCount);
    }

    #[test]
    fn empty_and_removed_rows_are_left_out_and_problems_find_their_cells() {
        let (chapter, keys) = seed();
        let key_of = |id: OrgUnitId| keys[&id].clone();
        let mut form = BudgetForm::from_chapter(2020, Some(&chapter), key_of);
        form.add_rows(Table::Lines, 2, "RK");
        form.add_rows(Table::Changes, 1, "RK");
        form.frame_rows[0].remove = true;
        form.change_rows[14] = ChangeRow {
            reason: "Ny".into(),
            amounts: vec![String::new(), "1,5".into(), String::new()],
            remove: false,
        };
        form.line_rows[16].category = "40".into();
        form.line_rows[16].amount = "12,3456789".into();
        let base = ChapterInput::from_chapter(&chapter, key_of);
        let problems = form.to_input(base.clone(), Some(&chapter)).unwrap_err();
        assert_eq!(
            problems
                .iter()
                .map(|p| (p.field.as_str(), p.code))
                .collect::<Vec<_>>(),
            [("line_rows[16].amount_tkr", ValidationCode::TooManyDecimals)]
        );

        form.line_rows[16].amount = "12,345".into();
        let (input, map) = form.to_input(base, Some(&chapter)).unwrap();
        assert_eq!(
            (
                input.distribution.len(),
                input.frame_changes.len(),
                input.budget_lines.len()
            ),
            (8, 15, 16)
        );
        assert_eq!(
            input.frame_changes[14].amounts,
            [YearAmount::new(2021, Money::from_ore(150_000))]
        );
        assert_eq!(
            map.form_field("distribution.units[0].frame").as_deref(),
            Some("frame_rows[1].frame_tkr")
        );
        assert_eq!(
            map.form_field("frame_changes[14].amounts[0].amount")
                .as_deref(),
            Some("change_rows[14].amount_2021")
        );
        assert_eq!(
            map.form_field("frame_changes[3].reason").as_deref(),
            Some("change_rows[3].change_reason")
        );
        assert_eq!(
            map.form_field("budget_lines[15].category").as_deref(),
            Some("line_rows[16].category")
        );
        assert_eq!(
            map.form_field("budget_lines[2].months[4]").as_deref(),
            Some("line_rows[2].amount_tkr")
        );
        assert_eq!(
            map.form_field("frames[1].amount").as_deref(),
            Some("frame_2021")
        );
        assert_eq!(map.form_field("frames").as_deref(), Some("frame_2020"));
        assert_eq!(map.form_field("investments[0].amounts[0].amount"), None);
    }
}
