//! The budget of an administration for a year: its economy chapter (seed 004 §5) read with
//! every reconciliation check, saved whole after the domain's checks, decided and revised. Units
//! are named by key in the input; every problem is reported with its field path, and nothing is
//! written unless everything passes. A decided version never changes ([`transition`]).

use crate::audit_log::Change;
use crate::budget_indicators::Affected;
use crate::error::{AppError, ConflictKind};
use crate::org::unit_by_key_or_id;
use crate::{Actor, App};
use domain::audit::{AuditAction, ObjectType};
use domain::budget::{
    self, BoardCompensationInput, BudgetLineInput, BudgetTotals, BudgetVersion, CategoryInput, CategoryTree,
    DistributionInput, EconomyChapter, FrameChangeInput, FramesInput, IncomeFinancedInput, InvestmentFrameInput,
    LineAmounts, PhasingRule, Sign, StatedBudgetTotals, SummaryLabels, TotalCheck, UnitFrame, VersionAction,
    VersionError, YearAmount, transition,
};
use domain::money::{Money, Unit, format_sv};
use domain::org::OrgUnit;
use domain::policy::{Action, Target};
use domain::validate::{self, ValidationCode, ValidationError, field_path};
use domain::OrgUnitId;
use std::collections::HashMap;
use store::Tx;
use store::budget::StoredVersion;

pub const HEADING_MAX: usize = 200;
pub const LABEL_MAX: usize = 100;

/// A unit's frame as typed: the unit by key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnitFrameInput {
    pub unit: String,
    pub frame: Money,
    pub previous_frame: Option<Money>,
}

/// A budget line as typed: the unit by key; the year defaults to the chapter's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineInput {
    pub unit: String,
    pub category: String,
    pub year: Option<i32>,
    pub amounts: LineAmounts,
}

/// A whole economy chapter as typed. Field names are the field paths of the problems reported
/// (`distribution.units[3].unit`, `budget_lines[4].amount` …).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChapterInput {
    pub frames: Vec<YearAmount>,
    pub phasing: PhasingRule,
    pub distribution: Vec<UnitFrameInput>,
    pub stated_total: Option<Money>,
    pub stated_previous_total: Option<Money>,
    pub frame_changes: Vec<FrameChangeInput>,
    pub stated_change_totals: Vec<YearAmount>,
    pub income_financed: Vec<IncomeFinancedInput>,
    pub board_compensations: Vec<BoardCompensationInput>,
    pub result_regulation: Vec<String>,
    pub investments: Vec<InvestmentFrameInput>,
    /// None: the default tree (seed 004 §5.6).
    pub categories: Option<Vec<CategoryInput>>,
    pub labels: Option<SummaryLabels>,
    pub budget_heading: Option<String>,
    pub budget_lines: Vec<LineInput>,
    pub stated_budget_totals: Option<StatedBudgetTotals>,
    /// The row version the edit started from; None overwrites whatever is stored.
    pub version: Option<i64>,
}

impl ChapterInput {
    /// A stored or seeded chapter as input again (units by key from `key_of`), for the demo,
    /// plan files and forms that start from what is there.
    pub fn from_chapter(c: &EconomyChapter, key_of: impl Fn(OrgUnitId) -> String) -> Self {
        let pct = |tenths: i32| format!("{}{}.{}", if tenths < 0 { "-" } else { "" }, tenths.abs() / 10, tenths.abs() % 10);
        Self {
            frames: c.frames.frames.clone(),
            phasing: c.frames.phasing,
            distribution: c
                .distribution
                .units
                .iter()
                .map(|u| UnitFrameInput { unit: key_of(u.unit), frame: u.frame, previous_frame: u.previous_frame })
                .collect(),
            stated_total: c.distribution.stated_total,
            stated_previous_total: c.distribution.stated_previous_total,
            frame_changes: c.frame_changes.iter().map(|f| FrameChangeInput { reason: f.reason.clone(), amounts: f.amounts.clone() }).collect(),
            stated_change_totals: c.stated_change_totals.clone(),
            income_financed: c
                .income_financed
                .iter()
                .map(|a| IncomeFinancedInput {
                    name: a.name.clone(),
                    price_change_pct: pct(a.price_change_pct.tenths()),
                    price_change: a.price_change,
                    volume_change: a.volume_change,
                    total_income: a.total_income,
                })
                .collect(),
            board_compensations: c.board_compensations.iter().map(|b| BoardCompensationInput { text: b.text.clone(), amount: b.amount }).collect(),
            result_regulation: c.result_regulation.iter().map(|n| n.text.clone()).collect(),
            investments: c.investments.iter().map(|i| InvestmentFrameInput { text: i.text.clone(), amounts: i.amounts.clone() }).collect(),
            categories: Some(
                c.categories
                    .categories()
                    .iter()
                    .map(|k| CategoryInput {
                        code: k.code.clone(),
                        name_sv: k.name_sv.clone(),
                        name_en: k.name_en.clone(),
                        parent: k.parent.clone(),
                        kind: k.kind.as_str().to_owned(),
                    })
                    .collect(),
            ),
            labels: Some(c.labels.clone()),
            budget_heading: c.budget_heading.clone(),
            budget_lines: c
                .budget_lines
                .iter()
                .map(|l| LineInput {
                    unit: key_of(l.unit),
                    category: l.category.clone(),
                    year: Some(l.year),
                    amounts: LineAmounts::Monthly { months: *l.months.months() },
                })
                .collect(),
            stated_budget_totals: c.stated_budget_totals,
            version: None,
        }
    }
}

/// A stored chapter with everything a reader needs beside it.
#[derive(Clone, Debug)]
pub struct ChapterContent {
    pub version: StoredVersion,
    /// Every version of the year, oldest first.
    pub versions: Vec<BudgetVersion>,
    pub chapter: EconomyChapter,
    /// Every reconciliation, exact ones included, in the order of the document.
    pub checks: Vec<TotalCheck>,
    pub totals: BudgetTotals,
}

/// The budget of a unit for a year, as a reader sees it.
#[derive(Clone, Debug)]
pub struct BudgetView {
    pub unit: OrgUnit,
    pub year: i32,
    /// None when the unit has no budget for the year.
    pub content: Option<ChapterContent>,
    /// The years the unit has a budget for.
    pub years: Vec<i32>,
    /// The units the chapter names (the unit's subtree), by id.
    pub units: HashMap<OrgUnitId, OrgUnit>,
    pub may_edit: bool,
}

fn invalid(field: impl Into<String>, code: ValidationCode) -> ValidationError {
    ValidationError::new(field, code)
}

fn version_conflict(err: VersionError) -> AppError {
    AppError::Conflict(match err {
        VersionError::Decided => ConflictKind::BudgetDecided,
        VersionError::NotDecided => ConflictKind::BudgetNotDecided,
        VersionError::NumberNotNew => ConflictKind::Stale,
    })
}

/// The budget's audit id: the administration and the year.
fn object_id(unit: &OrgUnit, year: i32) -> String {
    format!("{}/{year}", unit.id)
}

fn mkr(m: Money) -> String {
    format!("{} mkr", format_sv(m, Unit::Mkr, 1))
}

/// What the event log shows of a chapter: the figures a controller checks, in mkr.
fn snapshot(version: &BudgetVersion, c: &EconomyChapter, units: &HashMap<OrgUnitId, OrgUnit>) -> serde_json::Value {
    let years = |amounts: &[YearAmount]| amounts.iter().map(|a| format!("{}: {}", a.year, mkr(a.amount))).collect::<Vec<_>>().join(", ");
    let key = |id: OrgUnitId| units.get(&id).map(|u| u.key.clone()).unwrap_or_else(|| id.to_string());
    let distribution: Vec<String> = c.distribution.units.iter().map(|u| format!("{}: {}", key(u.unit), mkr(u.frame))).collect();
    let totals = c.budget_totals().ok();
    let state = if version.is_decided() { "decided" } else { "draft" };
    serde_json::json!({
        "version": version.number,
        "state": state,
        "frames": years(&c.frames.frames),
        "distribution": distribution.join(", "),
        "frame_changes": c.frame_changes.len(),
        "frame_change_totals": years(&budget::change_totals(&c.frame_changes).unwrap_or_default()),
        "income_financed": c.income_financed.len(),
        "board_compensations": c.board_compensations.len(),
        "investments": c.investments.len(),
        "categories": c.categories.len(),
        "budget_lines": c.budget_lines.len(),
        "income": totals.as_ref().map(|t| mkr(t.income.year)),
        "costs": totals.as_ref().map(|t| mkr(t.costs.year)),
        "result": totals.as_ref().map(|t| mkr(t.result.year)),
    })
}

impl App {
    /// The unit, its path, and the units of its subtree by id.
    async fn budget_unit(&self, tx: &mut Tx, unit_key: &str) -> Result<(OrgUnit, Vec<OrgUnitId>, HashMap<OrgUnitId, OrgUnit>), AppError> {
        let unit = unit_by_key_or_id(tx, unit_key).await?.ok_or(AppError::NotFound)?;
        let (path, units) = administration_scope(tx, &unit).await?;
        Ok((unit, path, units))
    }

    /// The economy chapter of `unit_key` for `year` (the latest version, or `number`), with its
    /// checks and totals. Anyone who reads the unit reads its budget.
    pub async fn budget_view(&self, actor: &Actor, unit_key: &str, year: i32, number: Option<u32>) -> Result<BudgetView, AppError> {
        validate_year(year)?;
        let mut tx = self.store.begin_read().await?;
        let (unit, path, units) = self.budget_unit(&mut tx, unit_key).await?;
        actor.require(Action::Read, &Target::unit(&path))?;
        let may_edit = actor.may(Action::EditBudget, &Target::unit(&path));
        let years = store::budget::years(&mut tx, unit.id).await?;
        let content = match store::budget::load_version(&mut tx, unit.id, year, number).await? {
            None => None,
            Some((version, chapter)) => {
                let versions = store::budget::versions(&mut tx, unit.id, year).await?.into_iter().map(|v| v.version).collect();
                let checks = chapter.checks()?;
                let totals = chapter.budget_totals()?;
                Some(ChapterContent { version, versions, chapter, checks, totals })
            }
        };
        Ok(BudgetView { unit, year, content, years, units, may_edit })
    }

    /// Saves the whole chapter of `unit_key` for `year` as its current draft (the first draft if
    /// there is none). Every problem is listed by field path; a decided version is refused
    /// (revise it first); a stale `version` is a conflict. One transaction, one audit event.
    pub async fn save_budget(&self, actor: &Actor, unit_key: &str, year: i32, input: ChapterInput) -> Result<BudgetView, AppError> {
        validate_year(year)?;
        {
            let mut tx = self.store.begin_write().await?;
            let (unit, path, units) = self.budget_unit(&mut tx, unit_key).await?;
            actor.require(Action::EditBudget, &Target::unit(&path))?;
            let current = store::budget::load_latest(&mut tx, unit.id, year).await?;
            // A decided budget is refused before the input is checked: no edit can pass.
            next_draft(&unit, year, current.as_ref())?;
            let chapter = check_chapter(&unit, year, &units, &input)?;
            self.write_chapter(&mut tx, actor, &unit, &units, current.as_ref(), &chapter, input.version).await?;
            tx.commit().await?;
        }
        self.budget_view(actor, unit_key, year, None).await
    }

    /// Writes `chapter` as the current draft of `unit`'s budget (the first draft when `current`
    /// is None) with one audit event, in the caller's transaction: the one write path of
    /// [`App::save_budget`] and the plan-file import. A decided `current` is refused; the caller
    /// has checked the chapter and the actor's right to edit it.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn write_chapter(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        unit: &OrgUnit,
        units: &HashMap<OrgUnitId, OrgUnit>,
        current: Option<&(StoredVersion, EconomyChapter)>,
        chapter: &EconomyChapter,
        expected_version: Option<i64>,
    ) -> Result<StoredVersion, AppError> {
        let year = chapter.budget_year();
        let version = next_draft(unit, year, current)?;
        let saved = store::budget::save(tx, &version, chapter, expected_version, self.clock.now_ms()).await?;
        let change = Change {
            action: if current.is_some() { AuditAction::Updated } else { AuditAction::Created },
            object_type: ObjectType::Budget,
            object_id: object_id(unit, year),
            label: &format!("{} {year}", unit.name),
            unit: Some(unit.id),
            before: current.map(|(v, c)| snapshot(&v.version, c, units)),
            after: Some(snapshot(&saved.version, chapter, units)),
        };
        self.record(tx, actor, change).await?;
        // Indicators that take their values from the budget follow, in this transaction.
        self.sync_budget_indicators(tx, actor, year, Affected::All).await?;
        Ok(saved)
    }

    /// Records the decision of the current draft: from now on it never changes.
    pub async fn decide_budget(
        &self,
        actor: &Actor,
        unit_key: &str,
        year: i32,
        reference: &str,
        date: &str,
        expected_version: Option<i64>,
    ) -> Result<BudgetView, AppError> {
        validate_year(year)?;
        {
            let mut tx = self.store.begin_write().await?;
            let (unit, path, units) = self.budget_unit(&mut tx, unit_key).await?;
            actor.require(Action::EditBudget, &Target::unit(&path))?;
            let (stored, chapter) = store::budget::load_latest(&mut tx, unit.id, year).await?.ok_or(AppError::NotFound)?;
            let decision = budget::check_decision("decision", reference, date).map_err(AppError::Validation)?;
            let decided = transition(&stored.version, &VersionAction::Decide { decision }).map_err(version_conflict)?;
            let expected = expected_version.unwrap_or(stored.row_version);
            store::budget::set_state(&mut tx, &decided, expected, self.clock.now_ms()).await?;
            let change = Change {
                action: AuditAction::Updated,
                object_type: ObjectType::Budget,
                object_id: object_id(&unit, year),
                label: &format!("{} {year}", unit.name),
                unit: Some(unit.id),
                before: Some(snapshot(&stored.version, &chapter, &units)),
                after: Some(snapshot(&decided, &chapter, &units)),
            };
            self.record(&mut tx, actor, change).await?;
            // A decided revision replaces the budget followed up against.
            self.sync_budget_indicators(&mut tx, actor, year, Affected::All).await?;
            tx.commit().await?;
        }
        self.budget_view(actor, unit_key, year, None).await
    }

    /// Starts a revision of the decided budget: a new draft with the decided content, numbered
    /// after it. The decided version stays as it was.
    pub async fn revise_budget(&self, actor: &Actor, unit_key: &str, year: i32) -> Result<BudgetView, AppError> {
        validate_year(year)?;
        {
            let mut tx = self.store.begin_write().await?;
            let (unit, path, units) = self.budget_unit(&mut tx, unit_key).await?;
            actor.require(Action::EditBudget, &Target::unit(&path))?;
            let (stored, chapter) = store::budget::load_latest(&mut tx, unit.id, year).await?.ok_or(AppError::NotFound)?;
            let revision = transition(&stored.version, &VersionAction::Revise { number: stored.version.number + 1 })
                .map_err(version_conflict)?;
            store::budget::save(&mut tx, &revision, &chapter, None, self.clock.now_ms()).await?;
            let change = Change {
                action: AuditAction::Created,
                object_type: ObjectType::Budget,
                object_id: object_id(&unit, year),
                label: &format!("{} {year}", unit.name),
                unit: Some(unit.id),
                before: Some(snapshot(&stored.version, &chapter, &units)),
                after: Some(snapshot(&revision, &chapter, &units)),
            };
            self.record(&mut tx, actor, change).await?;
            tx.commit().await?;
        }
        self.budget_view(actor, unit_key, year, None).await
    }
}

/// The version an edit writes: the current draft, or the first draft of a new budget. A decided
/// version is a conflict (revise it first).
fn next_draft(unit: &OrgUnit, year: i32, current: Option<&(StoredVersion, EconomyChapter)>) -> Result<BudgetVersion, AppError> {
    match current {
        Some((stored, _)) => transition(&stored.version, &VersionAction::Edit).map_err(version_conflict),
        None => Ok(BudgetVersion::first_draft(unit.id, year)),
    }
}

/// An administration's path from the root and the units of its subtree by id: what a chapter
/// may name, and what its rights are checked on.
pub(crate) async fn administration_scope(tx: &mut Tx, unit: &OrgUnit) -> Result<(Vec<OrgUnitId>, HashMap<OrgUnitId, OrgUnit>), AppError> {
    let path = store::org_units::path(tx, unit.id).await?;
    let ids = store::org_units::subtree_ids(tx, unit.id).await?;
    let units = store::org_units::get_many(tx, &ids).await?.into_iter().map(|u| (u.id, u)).collect();
    Ok((path, units))
}

pub(crate) fn validate_year(year: i32) -> Result<(), AppError> {
    budget::check_year("year", year).map(|_| ()).map_err(|e| AppError::Validation(vec![e]))
}

/// A unit of the administration's subtree by key (or id), or `invalid_choice` at `field`.
fn resolve_unit(units: &HashMap<OrgUnitId, OrgUnit>, by_key: &HashMap<&str, OrgUnitId>, field: &str, text: &str, problems: &mut Vec<ValidationError>) -> Option<OrgUnitId> {
    let text = text.trim();
    let found = by_key.get(text).copied().or_else(|| text.parse::<OrgUnitId>().ok().filter(|id| units.contains_key(id)));
    if found.is_none() {
        problems.push(invalid(field, if text.is_empty() { ValidationCode::Required } else { ValidationCode::InvalidChoice }));
    }
    found
}

/// The value of a check, or None with its problems added to `problems`.
fn all<T>(result: Result<T, Vec<ValidationError>>, problems: &mut Vec<ValidationError>) -> Option<T> {
    result.map_err(|e| problems.extend(e)).ok()
}

/// Every check of the domain over the typed chapter, collecting all problems, then the
/// reconciliation checks (which may only fail on sums out of range).
pub(crate) fn check_chapter(unit: &OrgUnit, year: i32, units: &HashMap<OrgUnitId, OrgUnit>, input: &ChapterInput) -> Result<EconomyChapter, AppError> {
    let by_key: HashMap<&str, OrgUnitId> = units.values().map(|u| (u.key.as_str(), u.id)).collect();
    let mut problems: Vec<ValidationError> = Vec::new();

    let frames = all(
        budget::check_frames("", &FramesInput { administration: unit.id, budget_year: year, frames: input.frames.clone(), phasing: input.phasing }),
        &mut problems,
    );

    let mut unit_frames = Vec::with_capacity(input.distribution.len());
    for (i, row) in input.distribution.iter().enumerate() {
        let field = format!("distribution.units[{i}].unit");
        // An unknown unit still gets its amounts checked, under an id of its own.
        let id = resolve_unit(units, &by_key, &field, &row.unit, &mut problems).unwrap_or_default();
        unit_frames.push(UnitFrame { unit: id, frame: row.frame, previous_frame: row.previous_frame });
    }
    let distribution = all(
        budget::check_distribution_input(
            "distribution",
            &DistributionInput {
                administration: unit.id,
                year,
                units: unit_frames,
                stated_total: input.stated_total,
                stated_previous_total: input.stated_previous_total,
            },
        ),
        &mut problems,
    );
    let frame_changes = all(budget::check_frame_changes("frame_changes", &input.frame_changes), &mut problems);
    let stated_change_totals = all(budget::check_year_amounts("stated_change_totals", &input.stated_change_totals, Sign::Any), &mut problems);
    let income_financed: Vec<_> = input
        .income_financed
        .iter()
        .enumerate()
        .filter_map(|(i, a)| all(budget::check_income_financed(&format!("income_financed[{i}]"), a), &mut problems))
        .collect();
    let board_compensations: Vec<_> = input
        .board_compensations
        .iter()
        .enumerate()
        .filter_map(|(i, b)| all(budget::check_board_compensation(&format!("board_compensations[{i}]"), b), &mut problems))
        .collect();
    let result_regulation: Vec<_> = input
        .result_regulation
        .iter()
        .enumerate()
        .filter_map(|(i, n)| budget::check_result_regulation(&format!("result_regulation[{i}]"), n).map_err(|e| problems.push(e)).ok())
        .collect();
    let investments: Vec<_> = input
        .investments
        .iter()
        .enumerate()
        .filter_map(|(i, v)| all(budget::check_investment_frame(&format!("investments[{i}]"), v), &mut problems))
        .collect();
    let categories: Option<CategoryTree> = match &input.categories {
        None => Some(budget::default_categories()),
        Some(list) => all(budget::check_categories("categories", list), &mut problems),
    };
    let labels = match &input.labels {
        None => SummaryLabels::default(),
        Some(l) => {
            let mut text = |name: &str, value: &str| {
                validate::required_text(&field_path("labels", name), value, LABEL_MAX).map_err(|e| problems.push(e)).unwrap_or_default()
            };
            SummaryLabels {
                income_total_sv: text("income_total_sv", &l.income_total_sv),
                income_total_en: text("income_total_en", &l.income_total_en),
                cost_total_sv: text("cost_total_sv", &l.cost_total_sv),
                cost_total_en: text("cost_total_en", &l.cost_total_en),
                result_sv: text("result_sv", &l.result_sv),
                result_en: text("result_en", &l.result_en),
            }
        }
    };
    let budget_heading = match input.budget_heading.as_deref() {
        None => None,
        Some(h) => validate::optional_text("budget_heading", Some(h), HEADING_MAX).map_err(|e| problems.push(e)).ok().flatten(),
    };
    if let Some(stated) = input.stated_budget_totals {
        for (name, amount, sign) in [
            ("income", stated.income, Sign::NonNegative),
            ("costs", stated.costs, Sign::NonPositive),
            ("result", stated.result, Sign::Any),
        ] {
            if let Err(e) = budget::check_amount(&field_path("stated_budget_totals", name), amount, sign) {
                problems.push(e);
            }
        }
    }

    let mut line_inputs = Vec::with_capacity(input.budget_lines.len());
    for (i, line) in input.budget_lines.iter().enumerate() {
        let field = format!("budget_lines[{i}].unit");
        let id = resolve_unit(units, &by_key, &field, &line.unit, &mut problems).unwrap_or_default();
        line_inputs.push(BudgetLineInput { unit: id, category: line.category.clone(), year: line.year.unwrap_or(year), amounts: line.amounts });
    }
    // Lines are checked against the tree; without a valid tree only their units are known bad.
    let budget_lines = match &categories {
        Some(tree) => all(budget::check_budget_lines("budget_lines", &line_inputs, tree, year), &mut problems),
        None => None,
    };

    if !problems.is_empty() {
        return Err(AppError::Validation(problems));
    }
    let (Some(frames), Some(distribution), Some(frame_changes), Some(stated_change_totals), Some(categories), Some(budget_lines)) =
        (frames, distribution, frame_changes, stated_change_totals, categories, budget_lines)
    else {
        unreachable!("a section that failed its check reported a problem");
    };
    let chapter = EconomyChapter {
        frames,
        distribution,
        frame_changes,
        stated_change_totals,
        income_financed,
        board_compensations,
        result_regulation,
        investments,
        categories,
        labels,
        budget_heading,
        budget_lines,
        stated_budget_totals: input.stated_budget_totals,
    };
    // Sums beyond the range of money are input errors too.
    chapter.checks()?;
    Ok(chapter)
}
