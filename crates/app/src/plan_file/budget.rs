//! The plan file's `budget` (docs/budget.md): the frames and budget lines of the
//! administrations' economy chapters, in tkr. Reading the entries and placing them in chapters
//! is pure; merging them into the stored chapter, checking and saving run in the import's
//! transaction through the budget use case's own checks and write path, so a file can do
//! nothing the budget form cannot.

use super::Reader;
use crate::budget::{ChapterInput, LineInput, UnitFrameInput, administration_scope, check_chapter};
use crate::error::AppError;
use crate::{Actor, App};
use domain::OrgUnitId;
use domain::budget::{
    AccountCategory, CategoryTree, EconomyChapter, LineAmounts, MAX_PLAN_YEARS, PhasingRule,
    YearAmount, default_categories,
};
use domain::money::{self, Money, MoneyError, Unit};
use domain::org::OrgUnit;
use domain::policy::{Action, Target};
use domain::validate::{ValidationCode, ValidationError, field_path};
use serde_json::{Map, Value, json};
use std::collections::{HashMap, HashSet};
use store::Tx;

pub const CURRENCY: &str = "SEK";

/// The fields the importer reads; anything else is named in the summary as not imported.
const BUDGET_FIELDS: &[&str] = &["currency", "frames", "lines"];
const FRAME_FIELDS: &[&str] = &["unit", "year", "amount_tkr", "previous_amount_tkr"];
const LINE_FIELDS: &[&str] = &["unit", "year", "category", "amount_tkr", "months_tkr"];

/// What `previous_amount_tkr` says: absent keeps the stored figure, `null` removes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Previous {
    Keep,
    Clear,
    Set(Money),
}

impl Previous {
    fn apply(self, stored: Option<Money>) -> Option<Money> {
        match self {
            Self::Keep => stored,
            Self::Clear => None,
            Self::Set(amount) => Some(amount),
        }
    }
}

/// A frame entry of the file, read.
#[derive(Clone, Debug, PartialEq, Eq)]
struct FrameEntry {
    path: String,
    unit: String,
    year: i32,
    amount: Money,
    previous: Previous,
    /// Read without a problem; only such an entry can be said to change a decided version.
    sound: bool,
}

/// How a line's amounts were written: the annual amount (phased by the chapter's rule) or the
/// twelve months.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Amounts {
    Annual(Money),
    Monthly([Money; 12]),
}

impl Amounts {
    fn months(self, phasing: &PhasingRule, year: i32) -> [Money; 12] {
        match self {
            Self::Annual(amount) => phasing.phase_raw(amount, year),
            Self::Monthly(months) => months,
        }
    }

    fn as_input(self, phasing: PhasingRule) -> LineAmounts {
        match self {
            Self::Annual(amount) => LineAmounts::Annual { amount, phasing },
            Self::Monthly(months) => LineAmounts::Monthly { months },
        }
    }
}

/// A line entry of the file, read.
#[derive(Clone, Debug, PartialEq, Eq)]
struct LineEntry {
    path: String,
    unit: String,
    year: i32,
    category: String,
    amounts: Amounts,
    sound: bool,
}

/// The file's `budget`, read.
#[derive(Debug, Default)]
pub(super) struct BudgetEntries {
    frames: Vec<FrameEntry>,
    lines: Vec<LineEntry>,
    /// Fields the importer does not read, by path (`budget.frames[0].note`).
    pub(super) unread: Vec<String>,
}

/// How many entries an import changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct BudgetSaved {
    pub frames: usize,
    pub lines: usize,
}

// ---------------------------------------------------------------------------------------------
// Reading

/// Reads the file's `budget`, adding every problem to `problems` by path. An amount that does
/// not read stands in as zero so the remaining checks still run; the file is refused anyway.
pub(super) fn read_budget(
    value: Option<&Value>,
    file_year: i32,
    problems: &mut Vec<ValidationError>,
) -> BudgetEntries {
    let mut entries = BudgetEntries::default();
    let map = match value {
        None | Some(Value::Null) => return entries,
        Some(Value::Object(map)) => map,
        Some(_) => {
            problems.push(ValidationError::new(
                "budget",
                ValidationCode::InvalidChoice,
            ));
            return entries;
        }
    };
    entries.unread = unread_fields(map, "budget", BUDGET_FIELDS);
    let mut r = Reader {
        map,
        path: "budget".into(),
        problems,
    };
    if r.text("currency").is_some_and(|c| c.trim() != CURRENCY) {
        r.wrong("currency");
    }
    let (frames, lines) = (r.list("frames"), r.list("lines"));
    for (i, item) in frames.iter().enumerate() {
        let path = format!("budget.frames[{i}]");
        if let Some(map) = entry_map(item, &path, problems) {
            entries
                .unread
                .extend(unread_fields(map, &path, FRAME_FIELDS));
            entries
                .frames
                .push(read_frame(map, path, file_year, problems));
        }
    }
    for (i, item) in lines.iter().enumerate() {
        let path = format!("budget.lines[{i}]");
        if let Some(map) = entry_map(item, &path, problems) {
            entries
                .unread
                .extend(unread_fields(map, &path, LINE_FIELDS));
            entries
                .lines
                .push(read_line(map, path, file_year, problems));
        }
    }
    entries
}

fn entry_map<'v>(
    item: &'v Value,
    path: &str,
    problems: &mut Vec<ValidationError>,
) -> Option<&'v Map<String, Value>> {
    let map = item.as_object();
    if map.is_none() {
        problems.push(ValidationError::new(path, ValidationCode::InvalidChoice));
    }
    map
}

fn unread_fields(map: &Map<String, Value>, path: &str, known: &[&str]) -> Vec<String> {
    map.keys()
        .filter(|k| !known.contains(&k.as_str()))
        .map(|k| field_path(path, k))
        .collect()
}

fn read_frame(
    map: &Map<String, Value>,
    path: String,
    file_year: i32,
    problems: &mut Vec<ValidationError>,
) -> FrameEntry {
    let before = problems.len();
    let amount = tkr_field(map, &path, "amount_tkr", problems).unwrap_or_else(|| {
        problems.push(ValidationError::new(
            field_path(&path, "amount_tkr"),
            ValidationCode::Required,
        ));
        Money::ZERO
    });
    let previous = match map.get("previous_amount_tkr") {
        None => Previous::Keep,
        Some(Value::Null) => Previous::Clear,
        Some(_) => tkr_field(map, &path, "previous_amount_tkr", problems)
            .map_or(Previous::Keep, Previous::Set),
    };
    let mut r = Reader {
        map,
        path: path.clone(),
        problems,
    };
    let unit = r.required("unit");
    let year = entry_year(&mut r, file_year);
    let sound = problems.len() == before;
    FrameEntry {
        path,
        unit,
        year,
        amount,
        previous,
        sound,
    }
}

fn read_line(
    map: &Map<String, Value>,
    path: String,
    file_year: i32,
    problems: &mut Vec<ValidationError>,
) -> LineEntry {
    let before = problems.len();
    let amount = tkr_field(map, &path, "amount_tkr", problems);
    let months = months_field(map, &path, problems);
    let amounts = match (amount, months) {
        (Some(amount), None) => Amounts::Annual(amount),
        (amount, Some(months)) => {
            // Both given (as export writes a line whose months are its own): they must agree.
            let agree = amount.is_none_or(|a| Money::checked_sum(months) == Some(a));
            if !agree && problems.len() == before {
                problems.push(ValidationError::new(
                    field_path(&path, "amount_tkr"),
                    ValidationCode::InvalidChoice,
                ));
            }
            Amounts::Monthly(months)
        }
        (None, None) => {
            problems.push(ValidationError::new(
                field_path(&path, "amount_tkr"),
                ValidationCode::Required,
            ));
            Amounts::Annual(Money::ZERO)
        }
    };
    let mut r = Reader {
        map,
        path: path.clone(),
        problems,
    };
    let unit = r.required("unit");
    let category = r.required("category");
    let year = entry_year(&mut r, file_year);
    let sound = problems.len() == before;
    LineEntry {
        path,
        unit,
        year,
        category,
        amounts,
        sound,
    }
}

/// `year` of an entry; the file's year when absent.
fn entry_year(r: &mut Reader<'_>, file_year: i32) -> i32 {
    let value = match r.map.get("year") {
        None | Some(Value::Null) => return file_year,
        Some(v) => v,
    };
    let year = value
        .as_i64()
        .or_else(|| value.as_str().and_then(|s| s.trim().parse().ok()));
    match year.and_then(|y| i32::try_from(y).ok()) {
        Some(year) => year,
        None => {
            let field = r.field("year");
            r.problems
                .push(ValidationError::new(field, ValidationCode::InvalidPeriod));
            file_year
        }
    }
}

/// An amount field in tkr; None when absent or null. An unreadable amount is reported and
/// stands in as zero.
fn tkr_field(
    map: &Map<String, Value>,
    path: &str,
    name: &str,
    problems: &mut Vec<ValidationError>,
) -> Option<Money> {
    let value = map.get(name).filter(|v| !v.is_null())?;
    Some(tkr(value, &field_path(path, name)).unwrap_or_else(|e| {
        problems.push(e);
        Money::ZERO
    }))
}

/// `months_tkr`: twelve amounts, January first.
fn months_field(
    map: &Map<String, Value>,
    path: &str,
    problems: &mut Vec<ValidationError>,
) -> Option<[Money; 12]> {
    let value = map.get("months_tkr").filter(|v| !v.is_null())?;
    let field = field_path(path, "months_tkr");
    let mut months = [Money::ZERO; 12];
    match value.as_array() {
        Some(items) if items.len() == 12 => {
            for (i, (slot, item)) in months.iter_mut().zip(items).enumerate() {
                *slot = tkr(item, &format!("{field}[{i}]")).unwrap_or_else(|e| {
                    problems.push(e);
                    Money::ZERO
                });
            }
        }
        _ => problems.push(ValidationError::new(field, ValidationCode::InvalidChoice)),
    }
    Some(months)
}

/// An amount in tkr, exactly: a JSON number (or its text), never rounded to the öre.
fn tkr(value: &Value, field: &str) -> Result<Money, ValidationError> {
    let parsed = match value {
        Value::Number(n) => money::parse_json_number(field, n, Unit::Tkr),
        Value::String(s) => money::parse_decimal_str(field, s.trim(), Unit::Tkr),
        _ => return Err(ValidationError::new(field, ValidationCode::NotANumber)),
    };
    parsed.map_err(amount_problem)
}

/// Says what is wrong with an amount: a fraction of an öre is too many decimals, a huge amount
/// out of range (the general conversion words both as "too long").
fn amount_problem(err: MoneyError) -> ValidationError {
    let code = match &err {
        MoneyError::FractionOfOre { .. } => ValidationCode::TooManyDecimals,
        MoneyError::Overflow { .. } | MoneyError::TooLong { .. } => ValidationCode::OutOfRange,
        MoneyError::Empty { .. } => ValidationCode::Required,
        _ => ValidationCode::NotANumber,
    };
    ValidationError::new(err.field(), code)
}

// ---------------------------------------------------------------------------------------------
// Placing entries in chapters

/// Which units hold a chapter of the year: a unit with frame entries and no unit above it that
/// has frame entries or a stored chapter; and every unit with a stored chapter.
struct Administrations<'a> {
    framed: &'a HashSet<OrgUnitId>,
    chaptered: &'a HashSet<OrgUnitId>,
}

/// Where a frame entry goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FramePlace {
    /// The administration's own frame (fullmäktige's) in its own chapter.
    Own,
    /// A row of the frame distribution in this administration's chapter.
    Row(OrgUnitId),
}

impl Administrations<'_> {
    fn any_above(&self, above: &[OrgUnitId]) -> bool {
        above
            .iter()
            .any(|a| self.framed.contains(a) || self.chaptered.contains(a))
    }

    /// Whether the last unit of `path` (root first) holds a chapter.
    fn holds_chapter(&self, path: &[OrgUnitId]) -> bool {
        let Some((unit, above)) = path.split_last() else {
            return false;
        };
        self.chaptered.contains(unit) || (self.framed.contains(unit) && !self.any_above(above))
    }

    /// The nearest unit of `path`, the last one included, that holds a chapter.
    fn nearest(&self, path: &[OrgUnitId]) -> Option<OrgUnitId> {
        (1..=path.len())
            .rev()
            .find(|&n| self.holds_chapter(&path[..n]))
            .map(|n| path[n - 1])
    }

    /// The chapter a frame entry for the last unit of `path` belongs to.
    fn frame_place(&self, path: &[OrgUnitId]) -> Option<FramePlace> {
        let (_, above) = path.split_last()?;
        if self.any_above(above) {
            self.nearest(above).map(FramePlace::Row)
        } else {
            Some(FramePlace::Own)
        }
    }
}

/// A unit the entries name, with its path from the root.
struct NamedUnit {
    unit: OrgUnit,
    path: Vec<OrgUnitId>,
}

/// The entries of one chapter.
struct ChapterPlan<'e> {
    administration: OrgUnitId,
    own: Vec<&'e FrameEntry>,
    rows: Vec<(&'e FrameEntry, &'e OrgUnit)>,
    lines: Vec<(&'e LineEntry, &'e OrgUnit)>,
}

/// Sorts the entries into chapters, in the order the file first mentions them. An entry in the
/// wrong year for its place, or without an administration above it, is a problem at its path.
fn place<'e>(
    entries: &'e BudgetEntries,
    units: &'e HashMap<String, NamedUnit>,
    administrations: &Administrations<'_>,
    year: i32,
    problems: &mut Vec<ValidationError>,
) -> Vec<ChapterPlan<'e>> {
    let mut plans: Vec<ChapterPlan<'e>> = Vec::new();
    fn plan_of<'p, 'e>(
        plans: &'p mut Vec<ChapterPlan<'e>>,
        administration: OrgUnitId,
    ) -> &'p mut ChapterPlan<'e> {
        let at = plans
            .iter()
            .position(|p| p.administration == administration)
            .unwrap_or_else(|| {
                plans.push(ChapterPlan {
                    administration,
                    own: Vec::new(),
                    rows: Vec::new(),
                    lines: Vec::new(),
                });
                plans.len() - 1
            });
        &mut plans[at]
    }
    let wrong_year =
        |path: &str| ValidationError::new(field_path(path, "year"), ValidationCode::InvalidPeriod);
    for frame in &entries.frames {
        let Some(named) = units.get(frame.unit.trim()) else {
            continue;
        };
        match administrations.frame_place(&named.path) {
            Some(FramePlace::Own)
                if (year..=year.saturating_add(MAX_PLAN_YEARS)).contains(&frame.year) =>
            {
                plan_of(&mut plans, named.unit.id).own.push(frame);
            }
            Some(FramePlace::Row(administration)) if frame.year == year => {
                plan_of(&mut plans, administration)
                    .rows
                    .push((frame, &named.unit));
            }
            Some(_) => problems.push(wrong_year(&frame.path)),
            None => problems.push(ValidationError::new(
                field_path(&frame.path, "unit"),
                ValidationCode::InvalidChoice,
            )),
        }
    }
    for line in &entries.lines {
        let Some(named) = units.get(line.unit.trim()) else {
            continue;
        };
        match administrations.nearest(&named.path) {
            None => problems.push(ValidationError::new(
                field_path(&line.path, "unit"),
                ValidationCode::InvalidChoice,
            )),
            Some(_) if line.year != year => problems.push(wrong_year(&line.path)),
            Some(administration) => plan_of(&mut plans, administration)
                .lines
                .push((line, &named.unit)),
        }
    }
    plans
}

/// A category by its code or its name (Swedish, then English; case does not matter), if that
/// names exactly one category of `tree`.
fn category_code(tree: &CategoryTree, text: &str) -> Option<String> {
    let text = text.trim();
    if tree.contains(text) {
        return Some(text.to_owned());
    }
    let wanted = text.to_lowercase();
    let by_name = |name: fn(&AccountCategory) -> &str| {
        only(
            tree.categories()
                .iter()
                .filter(|c| name(c).to_lowercase() == wanted),
        )
    };
    by_name(|c| &c.name_sv)
        .or_else(|| by_name(|c| &c.name_en))
        .map(|c| c.code.clone())
}

/// The one item, if there is exactly one.
fn only<T>(mut items: impl Iterator<Item = T>) -> Option<T> {
    match (items.next(), items.next()) {
        (Some(one), None) => Some(one),
        _ => None,
    }
}

/// How export names a category: its Swedish name when that reads back as the same category,
/// else its code.
fn category_label(tree: &CategoryTree, code: &str) -> String {
    match tree.get(code) {
        Some(c) if category_code(tree, &c.name_sv).as_deref() == Some(code) => c.name_sv.clone(),
        _ => code.to_owned(),
    }
}

// ---------------------------------------------------------------------------------------------
// Merging into a chapter

/// Where each row of a chapter input came from: the file entry's path, or None for a row kept
/// from the stored chapter. Translates the chapter checks' field paths into the file's.
#[derive(Debug, Default)]
struct Origins {
    frames: Vec<Option<String>>,
    rows: Vec<Option<String>>,
    lines: Vec<Option<String>>,
}

/// A list of the chapter input: its path, the origins of its rows, and the file's names of
/// the fields whose names differ (`previous_frame` is `previous_amount_tkr`).
type Section<'a> = (
    &'static str,
    &'a [Option<String>],
    &'static [(&'static str, &'static str)],
);

impl Origins {
    fn kept(input: &ChapterInput) -> Self {
        Self {
            frames: vec![None; input.frames.len()],
            rows: vec![None; input.distribution.len()],
            lines: vec![None; input.budget_lines.len()],
        }
    }

    /// `budget_lines[3].amount` → `budget.lines[7].amount_tkr` for a row from the file; other
    /// paths are named under `budget`.
    fn translate(&self, problem: ValidationError) -> ValidationError {
        let sections: [Section<'_>; 3] = [
            ("frames", &self.frames, &[("amount", "amount_tkr")]),
            (
                "distribution.units",
                &self.rows,
                &[
                    ("frame", "amount_tkr"),
                    ("previous_frame", "previous_amount_tkr"),
                ],
            ),
            (
                "budget_lines",
                &self.lines,
                &[("amount", "amount_tkr"), ("months", "months_tkr")],
            ),
        ];
        for (prefix, origins, renames) in sections {
            if let Some((index, rest)) = indexed(&problem.field, prefix)
                && let Some(Some(path)) = origins.get(index)
            {
                return ValidationError::new(
                    format!("{path}{}", renamed(rest, renames)),
                    problem.code,
                );
            }
        }
        let field = if problem.field.starts_with("budget.") {
            problem.field
        } else {
            field_path("budget", &problem.field)
        };
        ValidationError::new(field, problem.code)
    }
}

/// `frames[3].amount` with prefix `frames` → (3, ".amount").
fn indexed<'f>(field: &'f str, prefix: &str) -> Option<(usize, &'f str)> {
    let rest = field.strip_prefix(prefix)?.strip_prefix('[')?;
    let (index, rest) = rest.split_once(']')?;
    Some((index.parse().ok()?, rest))
}

/// `.months[5]` → `.months_tkr[5]` by the chapter-to-file names.
fn renamed(rest: &str, renames: &[(&str, &str)]) -> String {
    for (from, to) in renames {
        if let Some(tail) = rest.strip_prefix('.').and_then(|r| r.strip_prefix(from))
            && (tail.is_empty() || tail.starts_with(['[', '.']))
        {
            return format!(".{to}{tail}");
        }
    }
    rest.to_owned()
}

/// Updates the row `matches` finds, or adds one, recording the entry at `path` as its origin.
/// A second entry for one row is a duplicate at `path.duplicate_field`.
fn upsert<T>(
    rows: &mut Vec<T>,
    origins: &mut Vec<Option<String>>,
    path: &str,
    matches: impl Fn(&T) -> bool,
    make: impl FnOnce(Option<&T>) -> T,
    duplicate_field: &str,
    problems: &mut Vec<ValidationError>,
) {
    match rows.iter().position(matches) {
        Some(k) if origins[k].is_some() => problems.push(ValidationError::new(
            field_path(path, duplicate_field),
            ValidationCode::Duplicate,
        )),
        Some(k) => {
            rows[k] = make(Some(&rows[k]));
            origins[k] = Some(path.to_owned());
        }
        None => {
            rows.push(make(None));
            origins.push(Some(path.to_owned()));
        }
    }
}

/// The stored chapter (or an empty one) with the plan's entries merged in by key: frames by
/// year, distribution rows by unit, lines by unit and category. Everything else is kept.
fn merge(
    plan: &ChapterPlan<'_>,
    codes: &[Option<String>],
    stored: Option<&EconomyChapter>,
    units: &HashMap<OrgUnitId, OrgUnit>,
    problems: &mut Vec<ValidationError>,
) -> (ChapterInput, Origins) {
    let key_of = |id: OrgUnitId| {
        units
            .get(&id)
            .map_or_else(|| id.to_string(), |u| u.key.clone())
    };
    let mut input = stored
        .map(|c| ChapterInput::from_chapter(c, key_of))
        .unwrap_or_default();
    let mut origins = Origins::kept(&input);
    for frame in &plan.own {
        let make = |_: Option<&YearAmount>| YearAmount::new(frame.year, frame.amount);
        upsert(
            &mut input.frames,
            &mut origins.frames,
            &frame.path,
            |f| f.year == frame.year,
            make,
            "year",
            problems,
        );
    }
    for (frame, unit) in &plan.rows {
        let make = |old: Option<&UnitFrameInput>| UnitFrameInput {
            unit: unit.key.clone(),
            frame: frame.amount,
            previous_frame: frame.previous.apply(old.and_then(|o| o.previous_frame)),
        };
        upsert(
            &mut input.distribution,
            &mut origins.rows,
            &frame.path,
            |r| r.unit == unit.key,
            make,
            "year",
            problems,
        );
    }
    let phasing = input.phasing;
    for ((line, unit), code) in plan.lines.iter().zip(codes) {
        let Some(code) = code else { continue };
        let make = |_: Option<&LineInput>| LineInput {
            unit: unit.key.clone(),
            category: code.clone(),
            year: Some(line.year),
            amounts: line.amounts.as_input(phasing),
        };
        let matches = |l: &LineInput| l.unit == unit.key && l.category == *code;
        upsert(
            &mut input.budget_lines,
            &mut origins.lines,
            &line.path,
            matches,
            make,
            "category",
            problems,
        );
    }
    (input, origins)
}

/// The category code of each line, or None with a problem at its `category`.
fn resolve_categories(
    plan: &ChapterPlan<'_>,
    tree: &CategoryTree,
    problems: &mut Vec<ValidationError>,
) -> Vec<Option<String>> {
    let mut resolve = |line: &LineEntry| {
        let code = category_code(tree, &line.category);
        // An empty category is already reported as required.
        if code.is_none() && !line.category.trim().is_empty() {
            problems.push(ValidationError::new(
                field_path(&line.path, "category"),
                ValidationCode::InvalidChoice,
            ));
        }
        code
    };
    plan.lines.iter().map(|(line, _)| resolve(line)).collect()
}

/// The sound entries whose figures differ from the stored chapter's (every entry of a new
/// chapter), as (path, is a frame).
fn changed_entries(
    plan: &ChapterPlan<'_>,
    codes: &[Option<String>],
    stored: Option<&EconomyChapter>,
) -> Vec<(String, bool)> {
    let Some(stored) = stored else {
        let frames = plan
            .own
            .iter()
            .copied()
            .chain(plan.rows.iter().map(|(f, _)| *f))
            .map(|f| (f.path.clone(), true));
        return frames
            .chain(plan.lines.iter().map(|(l, _)| (l.path.clone(), false)))
            .collect();
    };
    let mut changed = Vec::new();
    for frame in plan.own.iter().filter(|f| f.sound) {
        if stored.frames.frame(frame.year) != Some(frame.amount) {
            changed.push((frame.path.clone(), true));
        }
    }
    for (frame, unit) in plan.rows.iter().filter(|(f, _)| f.sound) {
        let row = stored.distribution.units.iter().find(|r| r.unit == unit.id);
        let wanted = (
            frame.amount,
            frame.previous.apply(row.and_then(|r| r.previous_frame)),
        );
        if row.map(|r| (r.frame, r.previous_frame)) != Some(wanted) {
            changed.push((frame.path.clone(), true));
        }
    }
    for ((line, unit), code) in plan.lines.iter().zip(codes).filter(|((l, _), _)| l.sound) {
        let Some(code) = code else { continue };
        let months = line.amounts.months(&stored.frames.phasing, line.year);
        let current = stored
            .budget_lines
            .iter()
            .find(|l| l.unit == unit.id && l.category == *code);
        if current.map(|l| *l.months.months()) != Some(months) {
            changed.push((line.path.clone(), false));
        }
    }
    changed
}

// ---------------------------------------------------------------------------------------------
// Import

impl App {
    /// Merges the entries into the chapters of `year` in the import's transaction, adding every
    /// problem to `problems`. Nothing is written for a chapter the entries do not change.
    pub(super) async fn import_budget(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        entries: &BudgetEntries,
        year: i32,
        problems: &mut Vec<ValidationError>,
    ) -> Result<BudgetSaved, AppError> {
        let units = named_units(tx, entries, problems).await?;
        let framed: HashSet<OrgUnitId> = entries
            .frames
            .iter()
            .filter_map(|f| units.get(f.unit.trim()))
            .map(|n| n.unit.id)
            .collect();
        let chaptered = chaptered_units(tx, &units, year).await?;
        let administrations = Administrations {
            framed: &framed,
            chaptered: &chaptered,
        };
        let mut saved = BudgetSaved::default();
        for plan in place(entries, &units, &administrations, year, problems) {
            let chapter = self
                .import_chapter(tx, actor, &plan, year, problems)
                .await?;
            saved.frames += chapter.frames;
            saved.lines += chapter.lines;
        }
        Ok(saved)
    }

    /// One chapter: merge, check, refuse changes to a decided version, write one draft.
    async fn import_chapter(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        plan: &ChapterPlan<'_>,
        year: i32,
        problems: &mut Vec<ValidationError>,
    ) -> Result<BudgetSaved, AppError> {
        let unit = store::org_units::get(tx, plan.administration)
            .await?
            .ok_or(AppError::NotFound)?;
        let (path, units) = administration_scope(tx, &unit).await?;
        actor.require(Action::EditBudget, &Target::unit(&path))?;
        let current = store::budget::load_latest(tx, unit.id, year).await?;
        let stored = current.as_ref().map(|(_, chapter)| chapter);
        let tree = stored.map_or_else(default_categories, |c| c.categories.clone());
        let codes = resolve_categories(plan, &tree, problems);
        let (input, origins) = merge(plan, &codes, stored, &units, problems);
        let changed = changed_entries(plan, &codes, stored);
        if stored.is_some() && changed.is_empty() {
            return Ok(BudgetSaved::default());
        }
        if stored.is_none() && !plan.own.iter().any(|f| f.year == year) {
            // A new chapter starts from fullmäktige's frame of the budget year.
            let at = plan.own.first().map_or_else(
                || "budget.frames".to_owned(),
                |f| field_path(&f.path, "year"),
            );
            problems.push(ValidationError::new(at, ValidationCode::InvalidPeriod));
        }
        let checked = match check_chapter(&unit, year, &units, &input) {
            Ok(chapter) => Some(chapter),
            Err(AppError::Validation(found)) => {
                problems.extend(found.into_iter().map(|p| origins.translate(p)));
                None
            }
            Err(other) => return Err(other),
        };
        if current
            .as_ref()
            .is_some_and(|(v, _)| v.version.is_decided())
        {
            // A decided version never changes: name each entry that would change it.
            problems.extend(changed.iter().map(|(path, _)| {
                ValidationError::new(path.clone(), ValidationCode::InvalidChoice)
            }));
            return Ok(BudgetSaved::default());
        }
        let Some(chapter) = checked else {
            return Ok(BudgetSaved::default());
        };
        self.write_chapter(tx, actor, &unit, &units, current.as_ref(), &chapter, None)
            .await?;
        let frames = changed.iter().filter(|(_, is_frame)| *is_frame).count();
        Ok(BudgetSaved {
            frames,
            lines: changed.len() - frames,
        })
    }
}

/// The units the entries name, each with its path. An unknown unit is a problem at every entry
/// that names it.
async fn named_units(
    tx: &mut Tx,
    entries: &BudgetEntries,
    problems: &mut Vec<ValidationError>,
) -> Result<HashMap<String, NamedUnit>, AppError> {
    let mut found: HashMap<String, NamedUnit> = HashMap::new();
    let mut unknown: HashSet<String> = HashSet::new();
    let named = entries
        .frames
        .iter()
        .map(|f| (&f.path, &f.unit))
        .chain(entries.lines.iter().map(|l| (&l.path, &l.unit)));
    for (path, text) in named {
        let text = text.trim();
        // An empty unit is already reported as required.
        if text.is_empty() {
            continue;
        }
        if !found.contains_key(text) && !unknown.contains(text) {
            match crate::org::unit_by_key_or_id(tx, text).await? {
                Some(unit) => {
                    let unit_path = store::org_units::path(tx, unit.id).await?;
                    found.insert(
                        text.to_owned(),
                        NamedUnit {
                            unit,
                            path: unit_path,
                        },
                    );
                }
                None => {
                    unknown.insert(text.to_owned());
                }
            }
        }
        if unknown.contains(text) {
            problems.push(ValidationError::new(
                field_path(path, "unit"),
                ValidationCode::InvalidChoice,
            ));
        }
    }
    Ok(found)
}

/// The units on the named units' paths that hold a stored chapter of `year`.
async fn chaptered_units(
    tx: &mut Tx,
    units: &HashMap<String, NamedUnit>,
    year: i32,
) -> Result<HashSet<OrgUnitId>, AppError> {
    let on_paths: HashSet<OrgUnitId> = units
        .values()
        .flat_map(|n| n.path.iter().copied())
        .collect();
    let mut chaptered = HashSet::new();
    for id in on_paths {
        if !store::budget::versions(tx, id, year).await?.is_empty() {
            chaptered.insert(id);
        }
    }
    Ok(chaptered)
}

// ---------------------------------------------------------------------------------------------
// Export

/// The `budget` of an export: every chapter of `year` held by one of `units` (parents first),
/// or None when there is none.
pub(super) async fn export_budget(
    tx: &mut Tx,
    units: &[OrgUnit],
    year: i32,
) -> Result<Option<Value>, AppError> {
    let keys: HashMap<OrgUnitId, &str> = units.iter().map(|u| (u.id, u.key.as_str())).collect();
    let key_of = |id: OrgUnitId| {
        keys.get(&id)
            .map_or_else(|| id.to_string(), |k| (*k).to_owned())
    };
    let (mut frames, mut lines) = (Vec::new(), Vec::new());
    for unit in units {
        let Some((_, chapter)) = store::budget::load_latest(tx, unit.id, year).await? else {
            continue;
        };
        frames.extend(frames_json(&chapter, &unit.key, key_of));
        lines.extend(lines_json(&chapter, key_of));
    }
    if frames.is_empty() && lines.is_empty() {
        return Ok(None);
    }
    Ok(Some(
        json!({"currency": CURRENCY, "frames": frames, "lines": lines}),
    ))
}

/// An amount in tkr as a JSON number that reads back exactly (as text in the rare case no
/// number does).
fn tkr_json(amount: Money) -> Value {
    amount.to_json_number(Unit::Tkr).map_or_else(
        || Value::String(amount.to_decimal_string(Unit::Tkr)),
        Value::Number,
    )
}

/// The administration's own frames by year, then the distribution's rows as entered.
fn frames_json(
    chapter: &EconomyChapter,
    administration: &str,
    key_of: impl Fn(OrgUnitId) -> String,
) -> Vec<Value> {
    let own =
        chapter.frames.frames.iter().map(
            |f| json!({"unit": administration, "year": f.year, "amount_tkr": tkr_json(f.amount)}),
        );
    let distribution = &chapter.distribution;
    let rows = distribution.units.iter().map(|row| {
        let mut entry = json!({"unit": key_of(row.unit), "year": distribution.year, "amount_tkr": tkr_json(row.frame)});
        if let Some(previous) = row.previous_frame {
            entry["previous_amount_tkr"] = tkr_json(previous);
        }
        entry
    });
    own.chain(rows).collect()
}

/// The lines as entered; `months_tkr` only where the months are not the chapter's phasing of
/// the annual amount.
fn lines_json(chapter: &EconomyChapter, key_of: impl Fn(OrgUnitId) -> String) -> Vec<Value> {
    let phasing = &chapter.frames.phasing;
    let line_json = |line: &domain::budget::BudgetLine| {
        let total = line.total();
        let mut entry = json!({
            "unit": key_of(line.unit),
            "year": line.year,
            "category": category_label(&chapter.categories, &line.category),
            "amount_tkr": tkr_json(total),
        });
        if *line.months.months() != phasing.phase_raw(total, line.year) {
            entry["months_tkr"] = line.months.months().iter().map(|m| tkr_json(*m)).collect();
        }
        entry
    };
    chapter.budget_lines.iter().map(line_json).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(budget: Value) -> (BudgetEntries, Vec<(String, ValidationCode)>) {
        let mut problems = Vec::new();
        let entries = read_budget(Some(&budget), 2020, &mut problems);
        (
            entries,
            problems.into_iter().map(|p| (p.field, p.code)).collect(),
        )
    }

    fn tkr_text(text: &str) -> Money {
        money::parse_decimal_str("t", text, Unit::Tkr).unwrap()
    }

    #[test]
    fn amounts_are_read_exactly_in_tkr() {
        let (entries, problems) = read(json!({
            "currency": "SEK",
            "frames": [{"unit": "RK", "year": 2021, "amount_tkr": 221000.0, "previous_amount_tkr": 0.00001}],
            "lines": [{"unit": "RK", "category": "Personalkostnader", "amount_tkr": -215400.12345}],
        }));
        assert_eq!(problems, []);
        let frame = &entries.frames[0];
        assert_eq!(
            (frame.year, frame.amount.as_ore(), frame.previous),
            (2021, 22_100_000_000, Previous::Set(Money::from_ore(1)))
        );
        let line = &entries.lines[0];
        assert_eq!(
            (line.year, line.amounts),
            (2020, Amounts::Annual(Money::from_ore(-21_540_012_345))),
            "the year defaults to the file's"
        );
    }

    #[test]
    fn every_reading_problem_is_named_by_path() {
        let (entries, problems) = read(json!({
            "currency": "EUR",
            "note": "x",
            "frames": [
                {"unit": "RK", "amount_tkr": 1.000001},
                {"unit": "RK", "year": "tjugotjugo", "amount_tkr": "12 tkr", "comment": "y"},
                {"year": 2020},
                7
            ],
            "lines": [
                {"unit": "RK", "category": "40"},
                {"unit": "RK", "category": "40", "months_tkr": [1, 2, 3]},
                {"unit": "RK", "category": "34", "amount_tkr": 13.0, "months_tkr": [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]}
            ]
        }));
        let expected = [
            ("budget.currency", ValidationCode::InvalidChoice),
            (
                "budget.frames[0].amount_tkr",
                ValidationCode::TooManyDecimals,
            ),
            ("budget.frames[1].amount_tkr", ValidationCode::NotANumber),
            ("budget.frames[1].year", ValidationCode::InvalidPeriod),
            ("budget.frames[2].amount_tkr", ValidationCode::Required),
            ("budget.frames[2].unit", ValidationCode::Required),
            ("budget.frames[3]", ValidationCode::InvalidChoice),
            ("budget.lines[0].amount_tkr", ValidationCode::Required),
            ("budget.lines[1].months_tkr", ValidationCode::InvalidChoice),
            ("budget.lines[2].amount_tkr", ValidationCode::InvalidChoice),
        ];
        assert_eq!(problems, expected.map(|(f, c)| (f.to_owned(), c)));
        assert_eq!(entries.unread, ["budget.note", "budget.frames[1].comment"]);
        assert_eq!(
            entries.frames.len(),
            3,
            "a frame that is not an object is not read"
        );
        assert_eq!(
            entries.lines[2].amounts,
            Amounts::Monthly([tkr_text("1"); 12])
        );
    }

    #[test]
    fn months_that_agree_with_the_amount_are_taken() {
        let months: Vec<f64> = (0..12)
            .map(|m| if m == 11 { -1000.0 } else { 0.0 })
            .collect();
        let (entries, problems) = read(
            json!({"lines": [{"unit": "RK", "category": "78", "amount_tkr": -1000.0, "months_tkr": months}]}),
        );
        assert_eq!(problems, []);
        let Amounts::Monthly(read_months) = entries.lines[0].amounts else {
            panic!("monthly")
        };
        assert_eq!(
            (read_months[0], read_months[11]),
            (Money::ZERO, tkr_text("-1000"))
        );
    }

    /// Region → administration → centre → unit, by id.
    fn tree() -> [OrgUnitId; 4] {
        [
            OrgUnitId::new(),
            OrgUnitId::new(),
            OrgUnitId::new(),
            OrgUnitId::new(),
        ]
    }

    #[test]
    fn the_topmost_framed_unit_holds_the_chapter() {
        let [region, admin, centre, unit] = tree();
        let framed = HashSet::from([admin, centre]);
        let none = HashSet::new();
        let a = Administrations {
            framed: &framed,
            chaptered: &none,
        };
        assert_eq!(a.frame_place(&[region, admin]), Some(FramePlace::Own));
        assert_eq!(
            a.frame_place(&[region, admin, centre]),
            Some(FramePlace::Row(admin))
        );
        assert_eq!(
            a.nearest(&[region, admin, centre, unit]),
            Some(admin),
            "a line goes to the nearest administration"
        );
        assert_eq!(
            a.nearest(&[region]),
            None,
            "nothing above the region holds a chapter"
        );
    }

    #[test]
    fn a_stored_chapter_holds_the_frames_below_it() {
        let [region, admin, centre, unit] = tree();
        let (framed, chaptered) = (HashSet::from([centre]), HashSet::from([admin]));
        let a = Administrations {
            framed: &framed,
            chaptered: &chaptered,
        };
        assert_eq!(
            a.frame_place(&[region, admin, centre]),
            Some(FramePlace::Row(admin))
        );
        assert_eq!(a.nearest(&[region, admin, centre, unit]), Some(admin));
        // A unit framed below a framed centre is still a row of the administration's chapter.
        let framed = HashSet::from([centre, unit]);
        let a = Administrations {
            framed: &framed,
            chaptered: &chaptered,
        };
        assert_eq!(
            a.frame_place(&[region, admin, centre, unit]),
            Some(FramePlace::Row(admin))
        );
    }

    #[test]
    fn categories_are_named_by_code_or_name() {
        let tree = default_categories();
        assert_eq!(category_code(&tree, " 40 ").as_deref(), Some("40"));
        assert_eq!(
            category_code(&tree, "Personalkostnader").as_deref(),
            Some("40")
        );
        assert_eq!(
            category_code(&tree, "personalkostnader").as_deref(),
            Some("40")
        );
        assert_eq!(category_code(&tree, "Staff costs").as_deref(), Some("40"));
        assert_eq!(category_code(&tree, "Fika"), None);
        assert_eq!(category_label(&tree, "40"), "Personalkostnader");
        assert_eq!(category_label(&tree, "9999"), "9999");
    }

    #[test]
    fn chapter_paths_become_file_paths() {
        let origins = Origins {
            frames: vec![None, Some("budget.frames[4]".into())],
            rows: vec![Some("budget.frames[6]".into())],
            lines: vec![None, Some("budget.lines[2]".into())],
        };
        let at = |field: &str| {
            origins
                .translate(ValidationError::new(field, ValidationCode::WrongSign))
                .field
        };
        assert_eq!(at("frames[1].amount"), "budget.frames[4].amount_tkr");
        assert_eq!(
            at("distribution.units[0].previous_frame"),
            "budget.frames[6].previous_amount_tkr"
        );
        assert_eq!(at("distribution.units[0].unit"), "budget.frames[6].unit");
        assert_eq!(
            at("budget_lines[1].months[5]"),
            "budget.lines[2].months_tkr[5]"
        );
        assert_eq!(at("budget_lines[1].amount"), "budget.lines[2].amount_tkr");
        assert_eq!(
            at("budget_lines[0].category"),
            "budget.budget_lines[0].category",
            "a stored row is named under budget"
        );
        assert_eq!(at("budget.result"), "budget.result");
    }

    #[test]
    fn export_writes_months_only_when_they_are_not_the_phasing() {
        let mut ids: HashMap<String, OrgUnitId> = HashMap::new();
        let mut chapter = domain::budget::seed_004(|key| *ids.entry(key.to_owned()).or_default());
        let keys: HashMap<OrgUnitId, String> = ids.iter().map(|(k, id)| (*id, k.clone())).collect();
        let key_of = |id: OrgUnitId| keys[&id].clone();
        // One öre moved from December to January: the same annual amount, other months.
        let mut months = *chapter.budget_lines[1].months.months();
        months[0] = months[0].checked_add(Money::from_ore(1)).unwrap();
        months[11] = months[11].checked_sub(Money::from_ore(1)).unwrap();
        chapter.budget_lines[1].months =
            domain::budget::MonthlyAmounts::new("m", months, domain::budget::Sign::Any).unwrap();
        let lines = lines_json(&chapter, key_of);
        assert_eq!(
            lines[0],
            json!({"unit": "RK", "year": 2020, "category": "Försäljning av tjänster", "amount_tkr": 119700})
        );
        assert!(lines[1].get("months_tkr").is_some(), "{}", lines[1]);
        let frames = frames_json(&chapter, "RK", key_of);
        assert_eq!(
            frames[0],
            json!({"unit": "RK", "year": 2020, "amount_tkr": 221000})
        );
        assert_eq!(
            frames[5],
            json!({"unit": "CE", "year": 2020, "amount_tkr": 26900, "previous_amount_tkr": 23200})
        );
    }
}
