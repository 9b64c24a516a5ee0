//! Plan objects (*noder*): perspectives, goals, assignments, indicators, activities. One generic
//! shape for every module; what a level's objects carry depends on the level's [`ObjectKind`].
//! See docs/planning-engine.md.

use crate::budget_source::{BudgetSource, BudgetSourceInput, check_budget_source};
use crate::consolidation::{Decimal, DecimalError, Formula, MissingPolicy, stable_ids};
use crate::evaluation::{self, ActivityStatus, Assessment, Direction, EvaluationRule, ManualStatus, Scale};
use crate::governance::ObjectKind;
use crate::ids::{FollowUpId, ObjectId, OrgUnitId, UserId};
use crate::period::{MAX_YEAR, MIN_YEAR, PeriodKey, Periodicity};
use crate::validate::{self, ValidationCode, ValidationError};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use time::Date;

pub const TITLE_MAX: usize = 500;
pub const DESCRIPTION_MAX: usize = 20_000;
pub const COMMENT_MAX: usize = 20_000;
pub const SHORT_TEXT_MAX: usize = 100;
pub const MAX_DECIMALS: u8 = 6;
pub const MAX_TARGETS: usize = 60;

/// Who issued a goal or an assignment. Shown as Regionfullmäktige / Regionstyrelse / Nämnd /
/// Internt; plan files may use either the id or the Swedish name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IssuedBy {
    Council,
    ExecutiveBoard,
    Committee,
    Internal,
}

stable_ids!(IssuedBy, "issuer", {
    Council => "council",
    ExecutiveBoard => "executive-board",
    Committee => "committee",
    Internal => "internal",
});

impl IssuedBy {
    /// The names the seed documents use, for reading plan files written by people.
    fn swedish_names(self) -> &'static [&'static str] {
        match self {
            IssuedBy::Council => &["regionfullmäktige", "fullmäktige", "kommunfullmäktige", "rf", "kf"],
            IssuedBy::ExecutiveBoard => &["regionstyrelse", "regionstyrelsen", "kommunstyrelse", "kommunstyrelsen", "rs", "ks"],
            IssuedBy::Committee => &["nämnd", "nämnden"],
            IssuedBy::Internal => &["internt", "intern", "förvaltningen"],
        }
    }

    pub fn parse(field: &str, value: &str) -> Result<Self, ValidationError> {
        let wanted = value.trim().to_lowercase();
        IssuedBy::ALL
            .iter()
            .copied()
            .find(|i| i.as_str() == wanted || i.swedish_names().contains(&wanted.as_str()))
            .ok_or_else(|| ValidationError::new(field, ValidationCode::InvalidChoice))
    }
}

/// How an object reaches the units below its owner.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reach {
    /// Only the owning unit.
    #[default]
    Own,
    /// Shown to the whole subtree (read-only below; sub-units may comment).
    Visible,
    /// Linked copies per chosen sub-unit, each reported by its unit and rolled up.
    Distributed,
}

stable_ids!(Reach, "reach", {
    Own => "own",
    Visible => "visible",
    Distributed => "distributed",
});

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Priority {
    Low,
    Normal,
    High,
}

stable_ids!(Priority, "priority", {
    Low => "low",
    Normal => "normal",
    High => "high",
});

/// A value for a period: a target, a baseline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct PeriodValue {
    pub period: PeriodKey,
    pub value: Decimal,
}

/// Where a decision was taken (beslutsreferens).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Decision {
    pub date: Option<Date>,
    pub paragraph: Option<String>,
    pub case_number: Option<String>,
}

/// What an indicator carries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Measure {
    /// `%`, `mkr`, `antal` … (free text, shown after values).
    pub unit: Option<String>,
    pub decimals: u8,
    pub higher_is_better: bool,
    /// The periodicities values are reported in ("Redovisas M, D, Å"); empty = the level's.
    pub reported: Vec<Periodicity>,
    pub formula: Formula,
    pub missing: MissingPolicy,
    pub baseline: Option<PeriodValue>,
    /// Sorted by period, at most one per period.
    pub targets: Vec<PeriodValue>,
    /// Where the outcomes come from when they are not typed by hand: a figure of the budget
    /// follow-up of the indicator's unit ([`crate::budget_source`]). None: typed as usual.
    pub budget_source: Option<BudgetSource>,
}

/// What an activity carries.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Activity {
    pub start: Option<Date>,
    pub end: Option<Date>,
    pub responsible_user: Option<UserId>,
    /// A unit code or words ("CE", "Respektive CD och VC"), as plan documents write it.
    pub responsible_text: Option<String>,
    pub manual_status: Option<ManualStatus>,
    pub progress: Option<u8>,
    pub priority: Option<Priority>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PlanObject {
    pub id: ObjectId,
    /// Stable external key (plan files); unique.
    pub key: String,
    pub module: String,
    pub level: String,
    pub kind: ObjectKind,
    pub unit: OrgUnitId,
    pub year: i32,
    pub parent: Option<ObjectId>,
    pub position: i64,
    pub title: String,
    pub description: Option<String>,
    pub issued_by: Option<IssuedBy>,
    pub decision: Decision,
    pub due: Option<Date>,
    pub internal_assignment: bool,
    pub measure: Option<Measure>,
    pub activity: Option<Activity>,
    pub reach: Reach,
    /// For a distributed copy: the object it was copied from.
    pub distributed_from: Option<ObjectId>,
    /// On a distributed origin: units created later under a receiving unit get a copy too.
    pub auto_copy: bool,
    /// Plan-file fields this version does not know, kept so a round trip loses nothing.
    pub extra: Option<serde_json::Value>,
    pub version: i64,
}

impl PlanObject {
    /// A new object with no fields of its kind filled in yet (version 1, own reach, at the top
    /// of its unit's plan).
    pub fn new(id: ObjectId, key: String, module: String, level: String, kind: ObjectKind, unit: OrgUnitId, year: i32) -> Self {
        Self {
            id,
            key,
            module,
            level,
            kind,
            unit,
            year,
            parent: None,
            position: 0,
            title: String::new(),
            description: None,
            issued_by: None,
            decision: Decision::default(),
            due: None,
            internal_assignment: false,
            measure: None,
            activity: None,
            reach: Reach::Own,
            distributed_from: None,
            auto_copy: false,
            extra: None,
            version: 1,
        }
    }

    /// The periodicities this object is followed up in.
    pub fn followed_in(&self, level_periodicity: Periodicity) -> Vec<Periodicity> {
        match &self.measure {
            Some(m) if !m.reported.is_empty() => m.reported.clone(),
            _ => vec![level_periodicity],
        }
    }

    /// The period of this object that a view of `period` shows: `period` itself if the object is
    /// followed up in its periodicity; else the shortest of its own periods containing it (a
    /// yearly indicator in a tertial view shows the year); else, when all of its periods are
    /// shorter, the last of them within `period` (a monthly indicator in a year view shows
    /// December).
    pub fn period_shown(&self, level_periodicity: Periodicity, period: PeriodKey) -> PeriodKey {
        let followed = self.followed_in(level_periodicity);
        if followed.contains(&period.periodicity()) {
            return period;
        }
        let len = period.periodicity().length_in_months();
        let containing = followed.iter().filter(|p| p.length_in_months() > len).max_by_key(|p| std::cmp::Reverse(p.length_in_months()));
        if let Some(p) = containing.and_then(|p| period.enclosing(*p)) {
            return p;
        }
        followed
            .iter()
            .max_by_key(|p| p.length_in_months())
            .and_then(|p| PeriodKey::period_containing(period.end(), *p))
            .unwrap_or(period)
    }

    /// The target of a period: the period's own, else the target of its year.
    pub fn target_for(&self, period: PeriodKey) -> Option<Decimal> {
        let m = self.measure.as_ref()?;
        let exact = m.targets.iter().find(|t| t.period == period);
        let yearly = || period.enclosing(Periodicity::Year).and_then(|y| m.targets.iter().find(|t| t.period == y));
        exact.or_else(yearly).map(|t| t.value)
    }

    pub fn evaluation_rule(&self) -> Option<EvaluationRule> {
        self.measure.as_ref().map(|m| EvaluationRule::new(Direction::from_higher_is_better(m.higher_is_better)))
    }

    /// An activity's status on `today` (None for other kinds).
    pub fn status(&self, today: Date) -> Option<ActivityStatus> {
        let a = self.activity.as_ref()?;
        Some(evaluation::activity_status(a.start, a.end, today, a.manual_status, evaluation::DEFAULT_SOON_DAYS))
    }

    /// The budget figure this indicator's outcomes come from, if they are not typed by hand.
    pub fn budget_source(&self) -> Option<&BudgetSource> {
        self.measure.as_ref().and_then(|m| m.budget_source.as_ref())
    }

    /// Is the outcome of `period` read from the budget rather than typed? The plan year and
    /// later; earlier years ("nuläge 2019") are history, typed as for any indicator.
    pub fn outcome_from_budget(&self, period: PeriodKey) -> bool {
        self.budget_source().is_some() && period.year() >= self.year
    }

    /// Is a follow-up for `period` one this object takes? Its own periodicities from its plan year
    /// on, and earlier years as history ("nuläge 2019" for a 2020 indicator).
    pub fn check_period(&self, field: &str, level_periodicity: Periodicity, period: PeriodKey) -> Result<(), ValidationError> {
        let followed = self.followed_in(level_periodicity);
        let history = self.measure.is_some() && period.periodicity() == Periodicity::Year && period.year() < self.year;
        let in_plan = period.year() >= self.year && followed.contains(&period.periodicity());
        if history || in_plan { Ok(()) } else { Err(ValidationError::new(field, ValidationCode::InvalidPeriod)) }
    }
}

/// A target as typed.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct PeriodValueInput {
    pub period: String,
    pub value: String,
}

/// An object's own fields as typed in a form or sent to the API, before checking. Which fields
/// may be filled depends on the kind; the rest must be empty.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ObjectInput {
    pub title: String,
    pub description: Option<String>,
    pub issued_by: Option<String>,
    pub decision_date: Option<String>,
    pub decision_paragraph: Option<String>,
    pub case_number: Option<String>,
    pub due: Option<String>,
    pub internal_assignment: bool,
    pub measure_unit: Option<String>,
    pub decimals: Option<String>,
    pub higher_is_better: Option<bool>,
    /// Periodicity ids or Stratsys letters (`M`, `D`, `Å`).
    pub reported: Vec<String>,
    pub formula: Option<String>,
    pub missing_policy: Option<String>,
    pub baseline_period: Option<String>,
    pub baseline_value: Option<String>,
    pub targets: Vec<PeriodValueInput>,
    /// Indicators: take the outcomes from the budget (None or blank: typed by hand).
    pub budget_source: Option<BudgetSourceInput>,
    pub start: Option<String>,
    pub end: Option<String>,
    pub responsible_text: Option<String>,
    pub manual_status: Option<String>,
    pub progress: Option<String>,
    pub priority: Option<String>,
    pub reach: Option<String>,
    pub auto_copy: bool,
}

/// The checked own fields of an object (references to other rows are resolved by `app`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedFields {
    pub title: String,
    pub description: Option<String>,
    pub issued_by: Option<IssuedBy>,
    pub decision: Decision,
    pub due: Option<Date>,
    pub internal_assignment: bool,
    pub measure: Option<Measure>,
    pub activity: Option<Activity>,
    pub reach: Reach,
    pub auto_copy: bool,
}

impl CheckedFields {
    /// Writes the checked fields onto an object (references and identity stay as they are).
    pub fn apply_to(self, object: &mut PlanObject) {
        object.title = self.title;
        object.description = self.description;
        object.issued_by = self.issued_by;
        object.decision = self.decision;
        object.due = self.due;
        object.internal_assignment = self.internal_assignment;
        object.measure = self.measure;
        object.activity = self.activity;
        object.reach = self.reach;
        object.auto_copy = self.auto_copy;
    }
}

/// Collects every problem of a whole input instead of stopping at the first.
#[derive(Default)]
struct Problems(Vec<ValidationError>);

impl Problems {
    fn ok<T>(&mut self, result: Result<T, ValidationError>) -> Option<T> {
        result.map_err(|e| self.0.push(e)).ok()
    }

    fn push(&mut self, problem: ValidationError) {
        self.0.push(problem);
    }
}

fn blank(value: &Option<String>) -> bool {
    value.as_deref().is_none_or(|v| v.trim().is_empty())
}

/// A number as people type it: `4,5`, `-12`, `78`, `1 234,5` (spaces are thousands separators).
pub fn parse_number(field: &str, value: &str) -> Result<Decimal, ValidationError> {
    let cleaned: String = value.chars().filter(|c| !c.is_whitespace() && *c != '\u{a0}' && *c != '\u{202f}').collect();
    let cleaned = cleaned.replace('\u{2212}', "-");
    cleaned.parse::<Decimal>().map_err(|e| {
        let code = match e {
            DecimalError::Invalid => ValidationCode::NotANumber,
            DecimalError::TooManyDecimals => ValidationCode::TooManyDecimals,
            DecimalError::OutOfRange => ValidationCode::OutOfRange,
        };
        ValidationError::new(field, code)
    })
}

/// A value for an indicator with `decimals` decimals.
pub fn parse_value(field: &str, value: &str, decimals: u8) -> Result<Decimal, ValidationError> {
    parse_number(field, value)?
        .check_decimals(decimals)
        .map_err(|_| ValidationError::new(field, ValidationCode::TooManyDecimals))
}

/// Parses a period in the contract notation (`2020`, `2020-T1`, `2020-05` …).
pub fn parse_period(field: &str, value: &str) -> Result<PeriodKey, ValidationError> {
    PeriodKey::parse(field, value.trim()).map_err(|_| ValidationError::new(field, ValidationCode::InvalidPeriod))
}

/// A plan year.
pub fn check_year(field: &str, year: i64) -> Result<i32, ValidationError> {
    if (i64::from(MIN_YEAR)..=i64::from(MAX_YEAR)).contains(&year) {
        Ok(year as i32)
    } else {
        Err(ValidationError::new(field, ValidationCode::OutOfRange))
    }
}

/// A reporting frequency: a periodicity id or a Stratsys letter.
pub fn parse_reported(field: &str, value: &str) -> Result<Periodicity, ValidationError> {
    let value = value.trim();
    Periodicity::from_stratsys_letter(field, value).or_else(|_| Periodicity::parse(field, value))
}

/// Checks an object's own fields for its kind, naming every problem (`prefix` is put before
/// field names, e.g. `objects[3]` for a plan file).
pub fn check_fields(kind: ObjectKind, year: i32, input: &ObjectInput, prefix: &str) -> Result<CheckedFields, Vec<ValidationError>> {
    let f = |name: &str| crate::validate::field_path(prefix, name);
    let mut p = Problems::default();

    let title = p.ok(validate::required_text(&f("title"), &input.title, TITLE_MAX));
    let description = p.ok(long_text(&f("description"), input.description.as_deref(), DESCRIPTION_MAX)).flatten();
    let reach = match input.reach.as_deref().map(str::trim) {
        None | Some("") => Some(Reach::Own),
        Some(r) => p.ok(r.parse::<Reach>().map_err(|_| ValidationError::new(f("reach"), ValidationCode::InvalidChoice))),
    };

    // Fields that belong to another kind must be empty.
    let text_only = [
        ("issued_by", !blank(&input.issued_by)),
        ("decision_date", !blank(&input.decision_date)),
        ("decision_paragraph", !blank(&input.decision_paragraph)),
        ("case_number", !blank(&input.case_number)),
        ("due", !blank(&input.due)),
        ("internal_assignment", input.internal_assignment),
    ];
    let measure_only = [
        ("measure_unit", !blank(&input.measure_unit)),
        ("decimals", !blank(&input.decimals)),
        ("higher_is_better", input.higher_is_better.is_some()),
        ("reported", !input.reported.is_empty()),
        ("formula", !blank(&input.formula)),
        ("missing_policy", !blank(&input.missing_policy)),
        ("baseline_period", !blank(&input.baseline_period)),
        ("baseline_value", !blank(&input.baseline_value)),
        ("targets", !input.targets.is_empty()),
        ("budget_source", input.budget_source.as_ref().is_some_and(|b| !b.is_blank())),
    ];
    let activity_only = [
        ("start", !blank(&input.start)),
        ("end", !blank(&input.end)),
        ("responsible_text", !blank(&input.responsible_text)),
        ("manual_status", !blank(&input.manual_status)),
        ("progress", !blank(&input.progress)),
        ("priority", !blank(&input.priority)),
    ];
    let foreign: Vec<&str> = match kind {
        ObjectKind::Text => measure_only.iter().chain(&activity_only).filter(|(_, set)| *set).map(|(n, _)| *n).collect(),
        ObjectKind::Measure => text_only.iter().chain(&activity_only).filter(|(_, set)| *set).map(|(n, _)| *n).collect(),
        ObjectKind::Activity => text_only.iter().chain(&measure_only).filter(|(_, set)| *set).map(|(n, _)| *n).collect(),
    };
    for name in foreign {
        p.push(ValidationError::new(f(name), ValidationCode::NotForKind));
    }

    let mut text = (None, Decision::default(), None);
    if kind == ObjectKind::Text {
        let issued_by = match input.issued_by.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(v) => p.ok(IssuedBy::parse(&f("issued_by"), v)),
        };
        let date = p.ok(validate::optional_date(&f("decision_date"), input.decision_date.as_deref())).flatten();
        let paragraph = p.ok(validate::optional_text(&f("decision_paragraph"), input.decision_paragraph.as_deref(), SHORT_TEXT_MAX)).flatten();
        let case_number = p.ok(validate::optional_text(&f("case_number"), input.case_number.as_deref(), SHORT_TEXT_MAX)).flatten();
        let due = p.ok(validate::optional_date(&f("due"), input.due.as_deref())).flatten();
        text = (issued_by, Decision { date, paragraph, case_number }, due);
    }

    let measure = if kind == ObjectKind::Measure {
        let unit = p.ok(validate::optional_text(&f("measure_unit"), input.measure_unit.as_deref(), 20)).flatten();
        let decimals = match input.decimals.as_deref().map(str::trim) {
            None | Some("") => Some(1),
            Some(v) => p.ok(v
                .parse::<u8>()
                .ok()
                .filter(|d| *d <= MAX_DECIMALS)
                .ok_or_else(|| ValidationError::new(f("decimals"), ValidationCode::OutOfRange))),
        };
        let mut reported = Vec::new();
        for (i, r) in input.reported.iter().enumerate() {
            if let Some(p) = p.ok(parse_reported(&f(&format!("reported[{i}]")), r))
                && !reported.contains(&p)
            {
                reported.push(p);
            }
        }
        reported.sort();
        let formula = match input.formula.as_deref().map(str::trim) {
            None | Some("") => Some(Formula::None),
            Some(v) => p.ok(v.parse::<Formula>().map_err(|_| ValidationError::new(f("formula"), ValidationCode::InvalidChoice))),
        };
        let missing = match input.missing_policy.as_deref().map(str::trim) {
            None | Some("") => Some(MissingPolicy::Skip),
            Some(v) => p.ok(v
                .parse::<MissingPolicy>()
                .map_err(|_| ValidationError::new(f("missing_policy"), ValidationCode::InvalidChoice))),
        };
        let places = decimals.unwrap_or(MAX_DECIMALS);
        let baseline = match (blank(&input.baseline_period), blank(&input.baseline_value)) {
            (true, true) => None,
            (false, false) => {
                let period = p.ok(parse_period(&f("baseline_period"), input.baseline_period.as_deref().unwrap_or_default()));
                let value = p.ok(parse_value(&f("baseline_value"), input.baseline_value.as_deref().unwrap_or_default(), places));
                period.zip(value).map(|(period, value)| PeriodValue { period, value })
            }
            (true, false) => {
                p.push(ValidationError::new(f("baseline_period"), ValidationCode::Required));
                None
            }
            (false, true) => {
                p.push(ValidationError::new(f("baseline_value"), ValidationCode::Required));
                None
            }
        };
        if input.targets.len() > MAX_TARGETS {
            p.push(ValidationError::new(f("targets"), ValidationCode::TooLong));
        }
        let mut targets: Vec<PeriodValue> = Vec::new();
        let mut seen = HashSet::new();
        for (i, t) in input.targets.iter().enumerate() {
            let pf = f(&format!("targets[{i}].period"));
            let period = p.ok(parse_period(&pf, &t.period));
            if let Some(at) = period
                && at.year() < year
            {
                p.push(ValidationError::new(pf.clone(), ValidationCode::InvalidPeriod));
            }
            if let Some(at) = period
                && !seen.insert(at)
            {
                p.push(ValidationError::new(pf, ValidationCode::Duplicate));
            }
            let value = p.ok(parse_value(&f(&format!("targets[{i}].value")), &t.value, places));
            if let (Some(period), Some(value)) = (period, value) {
                targets.push(PeriodValue { period, value });
            }
        }
        targets.sort_by_key(|t| t.period);
        let budget_source = match &input.budget_source {
            None => Some(None),
            Some(b) => match check_budget_source(&f("budget_source"), b) {
                Ok(source) => Some(source),
                Err(problems) => {
                    problems.into_iter().for_each(|e| p.push(e));
                    None
                }
            },
        };
        match (decimals, formula, missing, budget_source) {
            (Some(decimals), Some(formula), Some(missing), Some(budget_source)) => Some(Measure {
                unit,
                decimals,
                higher_is_better: input.higher_is_better.unwrap_or(true),
                reported,
                formula,
                missing,
                baseline,
                targets,
                budget_source,
            }),
            _ => None,
        }
    } else {
        None
    };

    let activity = if kind == ObjectKind::Activity {
        let start = p.ok(validate::optional_date(&f("start"), input.start.as_deref())).flatten();
        let end = p.ok(validate::optional_date(&f("end"), input.end.as_deref())).flatten();
        if let (Some(s), Some(e)) = (start, end)
            && e < s
        {
            p.push(ValidationError::new(f("end"), ValidationCode::DateOrder));
        }
        let responsible_text = p.ok(validate::optional_text(&f("responsible_text"), input.responsible_text.as_deref(), 200)).flatten();
        let manual_status = match input.manual_status.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(v) => p.ok(v
                .parse::<ManualStatus>()
                .map_err(|_| ValidationError::new(f("manual_status"), ValidationCode::InvalidChoice))),
        };
        let progress = match input.progress.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(v) => p.ok(v
                .trim_end_matches('%')
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= 100)
                .ok_or_else(|| ValidationError::new(f("progress"), ValidationCode::OutOfRange))),
        };
        let priority = match input.priority.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(v) => p.ok(v.parse::<Priority>().map_err(|_| ValidationError::new(f("priority"), ValidationCode::InvalidChoice))),
        };
        Some(Activity { start, end, responsible_user: None, responsible_text, manual_status, progress, priority })
    } else {
        None
    };

    if input.auto_copy && reach != Some(Reach::Distributed) {
        p.push(ValidationError::new(f("auto_copy"), ValidationCode::InvalidChoice));
    }
    if !p.0.is_empty() {
        return Err(p.0);
    }
    let (issued_by, decision, due) = text;
    Ok(CheckedFields {
        title: title.unwrap_or_default(),
        description,
        issued_by,
        decision,
        due,
        internal_assignment: kind == ObjectKind::Text && input.internal_assignment,
        measure,
        activity,
        reach: reach.unwrap_or_default(),
        auto_copy: input.auto_copy,
    })
}

/// Multi-line text (descriptions, comments): line breaks and tabs allowed, other control
/// characters not; empty means none.
pub fn long_text(field: &str, value: Option<&str>, max: usize) -> Result<Option<String>, ValidationError> {
    let Some(value) = value.map(|v| v.trim().replace("\r\n", "\n")) else { return Ok(None) };
    if value.is_empty() {
        return Ok(None);
    }
    if value.chars().count() > max {
        return Err(ValidationError::new(field, ValidationCode::TooLong));
    }
    if value.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(ValidationError::new(field, ValidationCode::InvalidCharacters));
    }
    Ok(Some(value))
}

/// What one unit reported on one object for one period. Stored as typed; never overwritten by
/// anything computed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FollowUp {
    pub id: FollowUpId,
    pub object: ObjectId,
    pub unit: OrgUnitId,
    pub period: PeriodKey,
    pub outcome: Option<Decimal>,
    /// A person's assessment, the id of a level on the module's scale: for goals and activities
    /// the assessment itself, for indicators an override of the automatic one (then `reason`
    /// is required).
    pub assessment: Option<String>,
    pub reason: Option<String>,
    pub comment: Option<String>,
    pub version: i64,
    pub updated_by: Option<UserId>,
    pub updated_at: i64,
}

impl FollowUp {
    /// The assessment shown (a level id): the manual one if set, else (indicators) the
    /// automatic one.
    pub fn effective_assessment(&self, object: &PlanObject, consolidated_outcome: Option<Decimal>) -> String {
        match &self.assessment {
            Some(a) => a.clone(),
            None => automatic_assessment(object, self.period, consolidated_outcome.or(self.outcome)).as_str().to_owned(),
        }
    }
}

/// An indicator's automatic assessment for a period from an outcome; other kinds are not
/// assessed automatically.
pub fn automatic_assessment(object: &PlanObject, period: PeriodKey, outcome: Option<Decimal>) -> Assessment {
    match object.evaluation_rule() {
        Some(rule) => rule.evaluate(outcome, object.target_for(period)),
        None => Assessment::NotAssessed,
    }
}

/// A follow-up as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FollowUpInput {
    pub outcome: Option<String>,
    pub assessment: Option<String>,
    pub reason: Option<String>,
    pub comment: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedFollowUp {
    pub outcome: Option<Decimal>,
    /// A level id on the module's scale.
    pub assessment: Option<String>,
    pub reason: Option<String>,
    pub comment: Option<String>,
}

/// Checks a follow-up for an object: outcomes only on indicators and with the indicator's
/// decimals; an assessment on the module's `scale`; an override of an indicator's automatic
/// assessment needs a reason.
pub fn check_follow_up(
    object: &PlanObject,
    input: &FollowUpInput,
    prefix: &str,
    scale: &Scale,
) -> Result<CheckedFollowUp, Vec<ValidationError>> {
    let f = |name: &str| crate::validate::field_path(prefix, name);
    let mut p = Problems::default();
    let outcome = match (&object.measure, input.outcome.as_deref().map(str::trim)) {
        (_, None | Some("")) => None,
        (Some(m), Some(v)) => p.ok(parse_value(&f("outcome"), v, m.decimals)),
        (None, Some(_)) => p.ok(Err(ValidationError::new(f("outcome"), ValidationCode::NotForKind))),
    };
    let assessment = match input.assessment.as_deref().map(str::trim) {
        None | Some("") | Some("auto") => None,
        Some(v) => p.ok(scale.parse_level(&f("assessment"), v).map(|l| l.id.clone())),
    };
    let reason = p.ok(long_text(&f("reason"), input.reason.as_deref(), evaluation::REASON_MAX)).flatten();
    if object.measure.is_some() && assessment.is_some() && reason.is_none() {
        p.push(ValidationError::new(f("reason"), ValidationCode::Required));
    }
    let comment = p.ok(long_text(&f("comment"), input.comment.as_deref(), COMMENT_MAX)).flatten();
    if !p.0.is_empty() {
        return Err(p.0);
    }
    // A reason without an override has nothing to explain.
    let reason = if assessment.is_some() { reason } else { None };
    Ok(CheckedFollowUp { outcome, assessment, reason, comment })
}

/// Would the red-thread link `from → to` close a cycle among `links` (pairs from → to)? True if
/// `from` can already be reached from `to`, or they are the same object.
pub fn link_would_cycle(links: &[(ObjectId, ObjectId)], from: ObjectId, to: ObjectId) -> bool {
    if from == to {
        return true;
    }
    let mut next: HashMap<ObjectId, Vec<ObjectId>> = HashMap::new();
    for (a, b) in links {
        next.entry(*a).or_default().push(*b);
    }
    let mut seen = HashSet::new();
    let mut stack = vec![to];
    while let Some(at) = stack.pop() {
        if at == from {
            return true;
        }
        if seen.insert(at) {
            stack.extend(next.get(&at).into_iter().flatten().copied());
        }
    }
    false
}

/// The key of a distributed copy: the origin's key and the receiving unit's key.
pub fn copy_key(origin_key: &str, unit_key: &str) -> String {
    format!("{origin_key}.{unit_key}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn indicator_input() -> ObjectInput {
        ObjectInput {
            title: "Sjukfrånvaro".into(),
            measure_unit: Some("%".into()),
            decimals: Some("1".into()),
            higher_is_better: Some(false),
            reported: vec!["M".into(), "D".into(), "Å".into()],
            baseline_period: Some("2019".into()),
            baseline_value: Some("4,5".into()),
            targets: vec![PeriodValueInput { period: "2020".into(), value: "4,0".into() }],
            ..Default::default()
        }
    }

    fn object(fields: CheckedFields, kind: ObjectKind) -> PlanObject {
        let mut o = PlanObject::new(ObjectId::new(), "i-sjuk".into(), "vgpu".into(), "indicator".into(), kind, OrgUnitId::new(), 2020);
        fields.apply_to(&mut o);
        o
    }

    #[test]
    fn seed_004_sick_leave_indicator_is_held_and_evaluated_lower_is_better() {
        let fields = check_fields(ObjectKind::Measure, 2020, &indicator_input(), "").unwrap();
        let m = fields.measure.clone().unwrap();
        assert_eq!(m.reported, vec![Periodicity::Year, Periodicity::Tertial, Periodicity::Month]);
        assert_eq!(m.baseline.unwrap().value.to_string(), "4.5");
        let o = object(fields, ObjectKind::Measure);
        let t1: PeriodKey = "2020-T1".parse().unwrap();
        // The yearly target applies to the tertial.
        assert_eq!(o.target_for(t1).unwrap().to_string(), "4.0");
        let eval = |v: &str| automatic_assessment(&o, t1, Some(v.parse().unwrap()));
        assert_eq!(eval("3.9"), Assessment::Green);
        assert_eq!(eval("4.4"), Assessment::Yellow);
        assert_eq!(eval("4.5"), Assessment::Red);
        assert!(o.check_period("period", Periodicity::Tertial, t1).is_ok());
        assert!(o.check_period("period", Periodicity::Tertial, "2019".parse().unwrap()).is_ok(), "history");
        let quarter = o.check_period("period", Periodicity::Tertial, "2020-Q1".parse().unwrap()).unwrap_err();
        assert_eq!(quarter.code, ValidationCode::InvalidPeriod);
    }

    #[test]
    fn views_show_the_period_each_object_is_followed_in() {
        let mut o = object(check_fields(ObjectKind::Measure, 2020, &indicator_input(), "").unwrap(), ObjectKind::Measure);
        let p = |s: &str| s.parse::<PeriodKey>().unwrap();
        assert_eq!(o.period_shown(Periodicity::Tertial, p("2020-T1")), p("2020-T1"));
        o.measure.as_mut().unwrap().reported = vec![Periodicity::Year];
        assert_eq!(o.period_shown(Periodicity::Tertial, p("2020-T1")), p("2020"));
        o.measure.as_mut().unwrap().reported = vec![Periodicity::Month];
        assert_eq!(o.period_shown(Periodicity::Tertial, p("2020")), p("2020-12"));
        assert_eq!(o.period_shown(Periodicity::Tertial, p("2020-T2")), p("2020-08"));
    }

    #[test]
    fn fields_of_another_kind_and_bad_values_are_named() {
        let input = ObjectInput {
            title: " ".into(),
            start: Some("2020-01-01".into()),
            targets: vec![
                PeriodValueInput { period: "2020-T4".into(), value: "1".into() },
                PeriodValueInput { period: "2020".into(), value: "4,55".into() },
                PeriodValueInput { period: "2020".into(), value: "x".into() },
            ],
            decimals: Some("1".into()),
            ..Default::default()
        };
        let problems = check_fields(ObjectKind::Measure, 2020, &input, "objects[2]").unwrap_err();
        let got: Vec<(&str, ValidationCode)> = problems.iter().map(|p| (p.field.as_str(), p.code)).collect();
        for want in [
            ("objects[2].title", ValidationCode::Required),
            ("objects[2].start", ValidationCode::NotForKind),
            ("objects[2].targets[0].period", ValidationCode::InvalidPeriod),
            ("objects[2].targets[1].value", ValidationCode::TooManyDecimals),
            ("objects[2].targets[2].period", ValidationCode::Duplicate),
            ("objects[2].targets[2].value", ValidationCode::NotANumber),
        ] {
            assert!(got.contains(&want), "{want:?} missing from {got:?}");
        }
        let goal = ObjectInput { title: "Mål".into(), targets: indicator_input().targets, ..Default::default() };
        let problems = check_fields(ObjectKind::Text, 2020, &goal, "").unwrap_err();
        assert_eq!((problems[0].field.as_str(), problems[0].code), ("targets", ValidationCode::NotForKind));
    }

    #[test]
    fn only_indicators_take_their_values_from_the_budget() {
        let source = |figure: &str| Some(BudgetSourceInput { figure: figure.into(), category: None });
        let input = ObjectInput { budget_source: source("forecast_year"), ..indicator_input() };
        let o = object(check_fields(ObjectKind::Measure, 2020, &input, "").unwrap(), ObjectKind::Measure);
        assert_eq!(o.budget_source().map(|s| s.figure), Some(crate::budget_source::BudgetFigure::ForecastYear));
        assert!(o.outcome_from_budget("2020-T1".parse().unwrap()));
        assert!(!o.outcome_from_budget("2019".parse().unwrap()), "history years are typed");
        let bad = ObjectInput { budget_source: source("prognos"), ..indicator_input() };
        let err = check_fields(ObjectKind::Measure, 2020, &bad, "objects[1]").unwrap_err();
        assert_eq!((err[0].field.as_str(), err[0].code), ("objects[1].budget_source.figure", ValidationCode::InvalidChoice));
        let goal = ObjectInput { title: "Mål".into(), budget_source: source("actual_ytd"), ..Default::default() };
        let err = check_fields(ObjectKind::Text, 2020, &goal, "").unwrap_err();
        assert_eq!((err[0].field.as_str(), err[0].code), ("budget_source", ValidationCode::NotForKind));
        // A blank choice (the form's "typed by hand") is no source, on any kind.
        let blank = ObjectInput { title: "Mål".into(), budget_source: source(" "), ..Default::default() };
        assert!(check_fields(ObjectKind::Text, 2020, &blank, "").is_ok());
    }

    #[test]
    fn activities_check_dates_and_status() {
        let input = ObjectInput {
            title: "Utreda samlad analys".into(),
            start: Some("2020-06-30".into()),
            end: Some("2020-01-01".into()),
            progress: Some("101".into()),
            manual_status: Some("started".into()),
            ..Default::default()
        };
        let got: Vec<String> = check_fields(ObjectKind::Activity, 2020, &input, "").unwrap_err().iter().map(|p| p.field.clone()).collect();
        assert_eq!(got, vec!["end", "manual_status", "progress"]);
        let input = ObjectInput { end: Some("2020-06-30".into()), start: Some("2020-01-01".into()), ..input };
        let input = ObjectInput { progress: Some("40 %".into()), manual_status: None, ..input };
        let o = object(check_fields(ObjectKind::Activity, 2020, &input, "").unwrap(), ObjectKind::Activity);
        assert_eq!(o.status(date!(2020 - 05 - 01)), Some(ActivityStatus::Ongoing));
        assert_eq!(o.status(date!(2020 - 07 - 01)), Some(ActivityStatus::Late));
        assert_eq!(o.activity.unwrap().progress, Some(40));
    }

    #[test]
    fn issuers_read_the_names_of_the_seed() {
        assert_eq!(IssuedBy::parse("issued_by", "Regionfullmäktige").unwrap(), IssuedBy::Council);
        assert_eq!(IssuedBy::parse("issued_by", "Regionstyrelse").unwrap(), IssuedBy::ExecutiveBoard);
        assert_eq!(IssuedBy::parse("issued_by", "executive-board").unwrap(), IssuedBy::ExecutiveBoard);
        assert!(IssuedBy::parse("issued_by", "Kungen").is_err());
    }

    #[test]
    fn follow_ups_check_decimals_kind_and_override_reason() {
        let o = object(check_fields(ObjectKind::Measure, 2020, &indicator_input(), "").unwrap(), ObjectKind::Measure);
        let input = FollowUpInput { outcome: Some("4,25".into()), assessment: Some("green".into()), ..Default::default() };
        let got: Vec<(String, ValidationCode)> =
            check_follow_up(&o, &input, "", &Scale::default()).unwrap_err().into_iter().map(|p| (p.field, p.code)).collect();
        assert_eq!(got, vec![("outcome".into(), ValidationCode::TooManyDecimals), ("reason".into(), ValidationCode::Required)]);
        let ok = check_follow_up(&o, &FollowUpInput { outcome: Some("4,2".into()), reason: Some("x".into()), ..Default::default() }, "", &Scale::default()).unwrap();
        assert_eq!(ok.outcome.unwrap().to_string(), "4.2");
        assert_eq!(ok.reason, None, "a reason without an override is dropped");
        let goal = object(check_fields(ObjectKind::Text, 2020, &ObjectInput { title: "Mål".into(), ..Default::default() }, "").unwrap(), ObjectKind::Text);
        let err = check_follow_up(&goal, &FollowUpInput { outcome: Some("1".into()), ..Default::default() }, "", &Scale::default()).unwrap_err();
        assert_eq!(err[0].code, ValidationCode::NotForKind);
        assert!(check_follow_up(&goal, &FollowUpInput { assessment: Some("yellow".into()), ..Default::default() }, "", &Scale::default()).is_ok());
        // A module's own level is a valid assessment there, and only there.
        let mut levels = Scale::default().levels().to_vec();
        levels.push(evaluation::Level { id: "exceeded".into(), label_sv: "Överträffat".into(), label_en: "Exceeded".into(), colour: "#1565c0".into(), rank: 4 });
        let scale = Scale::for_module("scale", levels).unwrap();
        let exceeded = FollowUpInput { assessment: Some("exceeded".into()), ..Default::default() };
        assert_eq!(check_follow_up(&goal, &exceeded, "", &scale).unwrap().assessment.as_deref(), Some("exceeded"));
        let err = check_follow_up(&goal, &exceeded, "follow_ups[0]", &Scale::default()).unwrap_err();
        assert_eq!((err[0].field.as_str(), err[0].code), ("follow_ups[0].assessment", ValidationCode::InvalidChoice));
    }

    #[test]
    fn numbers_are_read_as_people_type_them() {
        assert_eq!(parse_number("v", "1 234,5").unwrap().to_string(), "1234.5");
        assert_eq!(parse_number("v", "\u{2212}2,7").unwrap().to_string(), "-2.7");
        assert_eq!(parse_number("v", "4.0%").unwrap_err().code, ValidationCode::NotANumber);
    }

    proptest! {
        /// Property: links accepted one by one by `link_would_cycle` never form a cycle.
        #[test]
        fn accepted_links_stay_acyclic(pairs in proptest::collection::vec((0usize..8, 0usize..8), 0..40)) {
            let ids: Vec<ObjectId> = (0..8).map(|_| ObjectId::new()).collect();
            let mut links = Vec::new();
            for (a, b) in pairs {
                if !link_would_cycle(&links, ids[a], ids[b]) {
                    links.push((ids[a], ids[b]));
                }
            }
            // Kahn's algorithm consumes every node only if there is no cycle.
            let mut indegree: HashMap<ObjectId, usize> = ids.iter().map(|i| (*i, 0)).collect();
            for (_, b) in &links { *indegree.get_mut(b).unwrap() += 1; }
            let mut ready: Vec<ObjectId> = ids.iter().copied().filter(|i| indegree[i] == 0).collect();
            let mut consumed = 0;
            while let Some(n) = ready.pop() {
                consumed += 1;
                for (a, b) in &links {
                    if *a == n {
                        let d = indegree.get_mut(b).unwrap();
                        *d -= 1;
                        if *d == 0 { ready.push(*b); }
                    }
                }
            }
            prop_assert_eq!(consumed, ids.len());
        }
    }
}
