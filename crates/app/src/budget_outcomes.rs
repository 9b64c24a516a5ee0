//! Actuals and forecasts: the ledger import (check, preview, commit all or nothing), forecasts
//! typed in a form, and the budget-versus-actual-versus-forecast view of a unit or a subtree.
//!
//! An import file names units by their key (external id) and accounts by code. Each unit's
//! accounts are resolved in the category tree of the budget it is followed up against (the
//! chapter of its nearest administration for the year, [`store::budget_outcomes::chapter_for`]);
//! a unit without one uses the default tree. Writing needs
//! [`Action::ImportOutcomes`] (business support) on every unit the file touches: otherwise the
//! whole file is refused and the units are named.

use crate::audit_log::Change;
use crate::budget_indicators::Affected;
use domain::budget_source::FigureBasis;
use crate::error::{AppError, ConflictKind};
use crate::org::unit_by_key_or_id;
use crate::{Actor, App};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use domain::audit::{AuditAction, ObjectType};
use domain::budget::{
    self, CategorySums, CategoryTree, Comparison, Figures, Forecast, ImportLine, ImportProblem, ImportState, OutcomeKind,
    YearMonth, default_categories,
};
use domain::money::{Money, Unit, format_sv};
use domain::org::OrgUnit;
use domain::policy::{Action, Target};
use domain::validate::{ValidationCode, ValidationError};
use domain::OrgUnitId;
use fileio::{LedgerFile, LedgerOptions, read_ledger};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use store::Tx;
pub use store::budget_outcomes::{ChapterRef, ImportRecord};

/// Largest file accepted (bytes): a year of a large region's ledger, with room to spare.
pub const MAX_FILE_BYTES: usize = 200 * 1024 * 1024;
/// Largest file kept between preview and commit.
pub const MAX_STAGED_BYTES: usize = 50 * 1024 * 1024;
pub const FILE_NAME_MAX: usize = 200;
/// Longest worksheet name (Excel allows 31; a longer one cannot name a sheet).
pub const SHEET_NAME_MAX: usize = 100;

/// A file to import, as uploaded.
#[derive(Clone, Debug)]
pub struct ImportRequest {
    pub kind: OutcomeKind,
    pub year: i32,
    /// What the file's amounts are in: kr or tkr.
    pub amount_unit: Unit,
    pub file_name: String,
    pub bytes: Vec<u8>,
    /// The worksheet of an XLSX file; None: the first.
    pub sheet: Option<String>,
}

/// One thing wrong with a file: from reading it (`line` 0: the whole file) or from checking its
/// lines against the organisation. `code` is stable (`unknown_unit`, `not_a_number` …).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportIssue {
    pub line: u32,
    /// The column as the file's header names it, or the stable name (`unit`, `account`, `month`,
    /// `amount`) when the check is ours.
    pub column: Option<String>,
    pub code: String,
    /// The value as written, or for a duplicate the line it repeats.
    pub value: Option<String>,
    pub first_line: Option<u32>,
}

/// The lines and sum of one month of a file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthSummary {
    pub month: String,
    pub records: usize,
    pub total: Money,
}

/// What a check found: shown as the preview, stored with the import.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportFindings {
    pub issues: Vec<ImportIssue>,
    /// Unit keys the importer lacks business support on: the whole file is refused.
    pub forbidden_units: Vec<String>,
    pub months: Vec<MonthSummary>,
}

/// An import and what its check found.
#[derive(Clone, Debug)]
pub struct ImportReport {
    pub import: ImportRecord,
    pub findings: ImportFindings,
}

impl ImportReport {
    pub fn is_rejected(&self) -> bool {
        self.import.state == ImportState::Rejected
    }
}

/// A checked file: what to write, or what is wrong.
struct Checked {
    /// The lowest unit above (or at) every unit of the file: the import's place in the event log.
    common_unit: Option<OrgUnitId>,
    encoding: Option<&'static str>,
    line_count: i64,
    actuals: Vec<budget::ActualRecord>,
    forecasts: Vec<Forecast>,
    findings: ImportFindings,
    units: usize,
    total: Money,
}

impl Checked {
    fn ok(&self) -> bool {
        self.findings.issues.is_empty() && self.findings.forbidden_units.is_empty()
    }

    fn record_count(&self) -> usize {
        self.actuals.len() + self.forecasts.len()
    }
}

fn problem_issue(p: ImportProblem) -> ImportIssue {
    ImportIssue {
        line: u32::try_from(p.line).unwrap_or(u32::MAX),
        column: Some(p.field),
        code: match p.detail {
            Some(detail) => detail.as_str().to_owned(),
            None => p.code.as_str().to_owned(),
        },
        value: None,
        first_line: p.first_line.and_then(|n| u32::try_from(n).ok()),
    }
}

fn validation(field: &str, code: ValidationCode) -> AppError {
    AppError::Validation(vec![ValidationError::new(field, code)])
}

/// The category tree each unit's accounts resolve in: its nearest administration's (`paths`
/// run from the root down to each unit).
async fn trees_for(
    tx: &mut Tx,
    units: &[OrgUnitId],
    paths: &HashMap<OrgUnitId, Vec<OrgUnitId>>,
    year: i32,
) -> Result<(Vec<CategoryTree>, HashMap<OrgUnitId, usize>), AppError> {
    let chapters = store::budget_outcomes::chapters_of_year(tx, year).await?;
    let mut trees = vec![default_categories()];
    let mut tree_of_admin: HashMap<OrgUnitId, usize> = HashMap::new();
    for chapter in &chapters {
        trees.push(store::budget_outcomes::categories(tx, chapter).await?);
        tree_of_admin.insert(chapter.administration, trees.len() - 1);
    }
    let tree_of_unit = units
        .iter()
        .map(|unit| {
            // The nearest administration is the last on the path.
            let nearest = paths.get(unit).and_then(|path| path.iter().rev().find_map(|a| tree_of_admin.get(a).copied()));
            (*unit, nearest.unwrap_or(0))
        })
        .collect();
    Ok((trees, tree_of_unit))
}

/// The budget `unit` is followed up against in `year` (see
/// [`store::budget_outcomes::chapter_for`]) and its category tree; the default tree without one.
pub(crate) async fn chapter_and_tree(tx: &mut Tx, unit: OrgUnitId, year: i32) -> Result<(Option<ChapterRef>, CategoryTree), AppError> {
    let chapter = store::budget_outcomes::chapter_for(tx, unit, year).await?;
    let tree = match &chapter {
        Some(c) => store::budget_outcomes::categories(tx, c).await?,
        None => default_categories(),
    };
    Ok((chapter, tree))
}

/// Reads the request's file. Done before the transaction begins: a large file takes a while to
/// parse and needs nothing from the database.
fn read_file(request: &ImportRequest) -> LedgerFile {
    let options = LedgerOptions { amount_unit: request.amount_unit, sheet: request.sheet.clone(), ..LedgerOptions::default() };
    read_ledger(&request.bytes, &options)
}

/// The deepest unit on every path (paths run from the root down).
fn common_ancestor<'a>(mut paths: impl Iterator<Item = &'a Vec<OrgUnitId>>) -> Option<OrgUnitId> {
    let mut common: Vec<OrgUnitId> = paths.next()?.clone();
    for path in paths {
        let shared = common.iter().zip(path).take_while(|(a, b)| a == b).count();
        common.truncate(shared);
    }
    common.last().copied()
}

impl App {
    /// Reads and checks a file against the organisation, as the actor.
    /// `file` is the request's bytes as read (see [`read_file`]).
    async fn check_file(&self, tx: &mut Tx, actor: &Actor, request: &ImportRequest, file: LedgerFile) -> Result<Checked, AppError> {
        let mut issues: Vec<ImportIssue> = file
            .problems
            .iter()
            .map(|p| ImportIssue {
                line: p.line,
                column: p.column.clone(),
                code: p.code.as_str().to_owned(),
                value: Some(p.value.clone()).filter(|v| !v.is_empty()),
                first_line: None,
            })
            .collect();
        let problem_lines: BTreeSet<u32> = file.problems.iter().filter(|p| !p.is_whole_file()).map(|p| p.line).collect();
        let line_count = (file.rows.len() + problem_lines.len()) as i64;

        let mut lines = Vec::with_capacity(file.rows.len());
        for row in &file.rows {
            let Some(month) = YearMonth::new(row.month.0, row.month.1) else {
                issues.push(ImportIssue { line: row.line, column: Some("month".into()), code: "invalid_month".into(), value: None, first_line: None });
                continue;
            };
            lines.push(ImportLine { line: row.line as usize, unit: row.unit.clone(), category: row.account.clone(), month, amount: row.amount });
        }

        let all_units = store::org_units::list_all(tx).await?;
        let by_key: HashMap<String, OrgUnitId> = all_units.iter().map(|u| (u.key.clone(), u.id)).collect();
        let key_of: HashMap<OrgUnitId, &str> = all_units.iter().map(|u| (u.id, u.key.as_str())).collect();
        let mut named: Vec<OrgUnitId> = lines.iter().filter_map(|l| by_key.get(l.unit.trim()).copied()).collect();
        named.sort();
        named.dedup();
        let paths = store::org_units::paths(tx, &named).await?;
        let (trees, tree_of_unit) = trees_for(tx, &named, &paths, request.year).await?;
        let tree_of = |unit: OrgUnitId| &trees[tree_of_unit.get(&unit).copied().unwrap_or(0)];
        let category_of = |unit: OrgUnitId, account: &str| tree_of(unit).resolve_account(account);

        let (mut actuals, mut forecasts) = (Vec::new(), Vec::new());
        let checked = match request.kind {
            OutcomeKind::Actuals => budget::check_actuals(&lines, &by_key, category_of, request.year).map(|r| actuals = r),
            OutcomeKind::Forecasts => {
                let sign_of = |unit: OrgUnitId, code: &str| tree_of(unit).kind_of(code).map_or(budget::Sign::Any, |k| k.sign());
                budget::check_forecasts(&lines, &by_key, category_of, sign_of, request.year).map(|f| forecasts = f)
            }
        };
        if let Err(problems) = checked {
            let by_line: HashMap<usize, &ImportLine> = lines.iter().map(|l| (l.line, l)).collect();
            issues.extend(problems.into_iter().map(|p| {
                // Echo what the file says, so the user recognises the misspelt unit or account.
                let value = by_line.get(&p.line).and_then(|l| match p.field.as_str() {
                    "unit" => Some(l.unit.clone()),
                    "category" => Some(l.category.clone()),
                    "month" => Some(l.month.to_string()),
                    _ => None,
                });
                ImportIssue { value, ..problem_issue(p) }
            }));
        }
        issues.sort_by_key(|i| i.line);

        let common_unit = common_ancestor(named.iter().filter_map(|u| paths.get(u)));
        let forbidden_units: Vec<String> = named
            .iter()
            .filter(|unit| {
                let path = paths.get(unit).cloned().unwrap_or_else(|| vec![**unit]);
                !actor.may(Action::ImportOutcomes, &Target::unit(&path))
            })
            .map(|unit| key_of.get(unit).copied().unwrap_or_default().to_owned())
            .collect();

        let mut months: BTreeMap<YearMonth, (usize, i128)> = BTreeMap::new();
        let amounts = actuals.iter().map(|a| (a.month, a.amount)).chain(forecasts.iter().map(|f| (f.made_in, f.full_year)));
        for (month, amount) in amounts {
            let slot = months.entry(month).or_default();
            slot.0 += 1;
            slot.1 += i128::from(amount.as_ore());
        }
        let to_money = |sum: i128| i64::try_from(sum).ok().and_then(|ore| Money::try_from(ore).ok()).unwrap_or(Money::ZERO);
        let total = to_money(months.values().map(|(_, s)| s).sum());
        let months = months.into_iter().map(|(m, (records, sum))| MonthSummary { month: m.to_string(), records, total: to_money(sum) }).collect();
        Ok(Checked {
            common_unit,
            encoding: file.encoding,
            line_count,
            actuals,
            forecasts,
            findings: ImportFindings { issues, forbidden_units, months },
            units: named.len(),
            total,
        })
    }

    fn check_request(actor: &Actor, request: &ImportRequest) -> Result<(), AppError> {
        budget::check_year("year", request.year).map_err(|e| AppError::Validation(vec![e]))?;
        // Ledgers write kr; budgets are often handed over in tkr. Nothing else is stored.
        if !matches!(request.amount_unit, Unit::Kr | Unit::Tkr) {
            return Err(validation("amount_unit", ValidationCode::InvalidChoice));
        }
        if request.file_name.chars().count() > FILE_NAME_MAX {
            return Err(validation("file", ValidationCode::TooLong));
        }
        if request.file_name.chars().any(char::is_control) {
            return Err(validation("file_name", ValidationCode::InvalidCharacters));
        }
        if let Some(sheet) = &request.sheet {
            if sheet.chars().count() > SHEET_NAME_MAX {
                return Err(validation("sheet", ValidationCode::TooLong));
            }
            if sheet.chars().any(char::is_control) {
                return Err(validation("sheet", ValidationCode::InvalidCharacters));
            }
        }
        if request.bytes.len() > MAX_FILE_BYTES {
            return Err(validation("file", ValidationCode::TooLong));
        }
        // Somebody who may import nowhere learns nothing about the units of the file.
        require_importer(actor)
    }

    fn new_record(&self, actor: &Actor, request: &ImportRequest, checked: &Checked, state: ImportState) -> ImportRecord {
        ImportRecord {
            id: uuid::Uuid::now_v7().to_string(),
            kind: request.kind,
            year: request.year,
            amount_unit: request.amount_unit.label_sv().to_owned(),
            file_name: request.file_name.trim().to_owned(),
            sheet: request.sheet.clone(),
            encoding: checked.encoding.map(str::to_owned),
            state,
            line_count: checked.line_count,
            record_count: checked.record_count() as i64,
            unit_count: checked.units as i64,
            total: checked.total,
            report: serde_json::to_value(&checked.findings).ok(),
            created_by: actor.user_id(),
            created_by_name: actor.display_name(),
            created_at: self.clock.now_ms(),
            committed_at: None,
        }
    }

    /// Writes a checked file's records and the audit event, in the caller's transaction.
    async fn write_checked(&self, tx: &mut Tx, actor: &Actor, import: &ImportRecord, checked: &Checked) -> Result<(), AppError> {
        match import.kind {
            OutcomeKind::Actuals => store::budget_outcomes::replace_actuals(tx, Some(&import.id), &checked.actuals).await?,
            OutcomeKind::Forecasts => store::budget_outcomes::replace_forecasts(tx, Some(&import.id), &checked.forecasts).await?,
        }
        let label = format!("{} {}: {}", if import.kind == OutcomeKind::Actuals { "Utfall" } else { "Prognos" }, import.year, import.file_name);
        let after = serde_json::json!({
            "kind": import.kind.as_str(),
            "year": import.year,
            "file": import.file_name,
            "lines": import.line_count,
            "records": checked.record_count(),
            "units": checked.units,
            "total": format!("{} kr", format_sv(checked.total, Unit::Kr, 2)),
        });
        let change = Change {
            action: AuditAction::Created,
            object_type: ObjectType::BudgetImport,
            object_id: import.id.clone(),
            label: &label,
            unit: checked.common_unit,
            before: None,
            after: Some(after),
        };
        self.record(tx, actor, change).await?;
        // Indicators that take their values from the budget follow, in this transaction.
        let mut units: Vec<OrgUnitId> = checked.actuals.iter().map(|a| a.unit).chain(checked.forecasts.iter().map(|f| f.unit)).collect();
        units.sort();
        units.dedup();
        let basis = if import.kind == OutcomeKind::Actuals { FigureBasis::Actuals } else { FigureBasis::Forecasts };
        self.sync_budget_indicators(tx, actor, import.year, Affected::AtOrAbove(&units, basis)).await?;
        Ok(())
    }

    /// Checks a file without writing any amount: the preview. A clean file is kept (unless it
    /// is larger than [`MAX_STAGED_BYTES`]) so that [`App::commit_outcome_import`] writes exactly
    /// what was previewed; a rejected one is recorded with its report.
    pub async fn preview_outcome_import(&self, actor: &Actor, request: ImportRequest) -> Result<ImportReport, AppError> {
        Self::check_request(actor, &request)?;
        let file = read_file(&request);
        let mut tx = self.store.begin_write().await?;
        let checked = self.check_file(&mut tx, actor, &request, file).await?;
        let state = if checked.ok() { ImportState::Checked } else { ImportState::Rejected };
        let import = self.new_record(actor, &request, &checked, state);
        let content = (state == ImportState::Checked && request.bytes.len() <= MAX_STAGED_BYTES).then(|| BASE64.encode(&request.bytes));
        store::budget_outcomes::insert_import(&mut tx, &import, content.as_deref()).await?;
        tx.commit().await?;
        Ok(ImportReport { import, findings: checked.findings })
    }

    /// Checks and writes a file in one go (the API without `dry_run`, the command line): all of
    /// it, or nothing and the report.
    pub async fn import_outcomes(&self, actor: &Actor, request: ImportRequest) -> Result<ImportReport, AppError> {
        Self::check_request(actor, &request)?;
        let file = read_file(&request);
        let mut tx = self.store.begin_write().await?;
        let checked = self.check_file(&mut tx, actor, &request, file).await?;
        let ok = checked.ok();
        let mut import = self.new_record(actor, &request, &checked, if ok { ImportState::Committed } else { ImportState::Rejected });
        if ok {
            import.committed_at = Some(import.created_at);
            self.write_checked(&mut tx, actor, &import, &checked).await?;
        }
        store::budget_outcomes::insert_import(&mut tx, &import, None).await?;
        tx.commit().await?;
        Ok(ImportReport { import, findings: checked.findings })
    }

    /// Writes a previewed file. It is checked again (units or budgets may have changed since);
    /// if it no longer passes, nothing is written and the new report is returned.
    pub async fn commit_outcome_import(&self, actor: &Actor, id: &str) -> Result<ImportReport, AppError> {
        let mut tx = self.store.begin_write().await?;
        let import = store::budget_outcomes::get_import(&mut tx, id).await?.ok_or(AppError::NotFound)?;
        if import.state != ImportState::Checked {
            return Err(AppError::Conflict(ConflictKind::ImportNotCheckable));
        }
        let content = store::budget_outcomes::import_content(&mut tx, id).await?.ok_or(AppError::Conflict(ConflictKind::ImportNotCheckable))?;
        let bytes = BASE64.decode(content).map_err(|e| AppError::Internal(store::StoreError::Corrupt(format!("stored import {id}: {e}"))))?;
        let amount_unit = Unit::from_label(&import.amount_unit).unwrap_or(Unit::Kr);
        let request = ImportRequest {
            kind: import.kind,
            year: import.year,
            amount_unit,
            file_name: import.file_name.clone(),
            bytes,
            sheet: import.sheet.clone(),
        };
        Self::check_request(actor, &request)?;
        let checked = self.check_file(&mut tx, actor, &request, read_file(&request)).await?;
        if !checked.ok() {
            drop(tx);
            return Ok(ImportReport { import: ImportRecord { state: ImportState::Rejected, ..import }, findings: checked.findings });
        }
        self.write_checked(&mut tx, actor, &import, &checked).await?;
        let now = self.clock.now_ms();
        store::budget_outcomes::mark_committed(&mut tx, id, checked.record_count() as i64, now).await.map_err(|e| match e {
            store::StoreError::Stale => AppError::Conflict(ConflictKind::ImportNotCheckable),
            other => other.into(),
        })?;
        tx.commit().await?;
        let committed = ImportRecord { state: ImportState::Committed, committed_at: Some(now), record_count: checked.record_count() as i64, ..import };
        Ok(ImportReport { import: committed, findings: checked.findings })
    }

    /// One import and its report. Imports are seen by whoever may import somewhere.
    pub async fn outcome_import(&self, actor: &Actor, id: &str) -> Result<ImportReport, AppError> {
        require_importer(actor)?;
        let mut tx = self.store.begin_read().await?;
        let import = store::budget_outcomes::get_import(&mut tx, id).await?.ok_or(AppError::NotFound)?;
        let findings = import.report.clone().and_then(|r| serde_json::from_value(r).ok()).unwrap_or_default();
        Ok(ImportReport { import, findings })
    }

    /// Imports, newest first, a page at a time (`cursor`: the last id of the previous page).
    pub async fn outcome_imports(&self, actor: &Actor, cursor: Option<&str>, limit: i64) -> Result<store::Page<ImportRecord>, AppError> {
        require_importer(actor)?;
        let mut tx = self.store.begin_read().await?;
        Ok(store::budget_outcomes::list_imports(&mut tx, cursor, limit.clamp(1, 500)).await?)
    }

}

/// Imports are for those who may import somewhere (business support, super user, system
/// administrator).
fn require_importer(actor: &Actor) -> Result<(), AppError> {
    let anywhere = actor.is_system_admin()
        || actor.grants.iter().any(|g| actor.may(Action::ImportOutcomes, &Target::unit(std::slice::from_ref(&g.unit))));
    if anywhere { Ok(()) } else { Err(AppError::Forbidden) }
}

/// Whether a view covers the unit alone or the unit and everything below it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum OutcomeScope {
    Unit,
    #[default]
    Subtree,
}

/// One sub-unit's result line in a subtree view.
#[derive(Clone, Debug)]
pub struct ChildResult {
    pub unit: OrgUnit,
    pub result: Figures,
}

/// Budget versus actual versus forecast for a unit, a month of a year.
#[derive(Clone, Debug)]
pub struct OutcomeView {
    pub unit: OrgUnit,
    pub month: YearMonth,
    pub scope: OutcomeScope,
    /// The budget compared with; None when no administration at or above the unit has one.
    pub chapter: Option<ChapterRef>,
    pub administration: Option<OrgUnit>,
    pub categories: CategoryTree,
    pub comparison: Comparison,
    /// The direct sub-units' results (subtree scope only), in name order.
    pub children: Vec<ChildResult>,
    /// Amounts on codes outside the tree (the tree changed after they were imported).
    pub unmapped: Vec<(String, CategorySums)>,
    pub may_import: bool,
    pub may_edit_forecast: bool,
}

impl App {
    pub(crate) async fn outcome_sums(
        &self,
        tx: &mut Tx,
        unit: OrgUnitId,
        scope: OutcomeScope,
        chapter: Option<&ChapterRef>,
        month: YearMonth,
        tree: &CategoryTree,
    ) -> Result<(Comparison, Vec<(String, CategorySums)>), AppError> {
        let raw = match scope {
            OutcomeScope::Subtree => subtree_sums(tx, unit, chapter, month).await?.0,
            OutcomeScope::Unit => store::budget_outcomes::outcome_sums_of_unit(tx, unit, chapter, month).await?,
        };
        compare_raw(raw, tree, month)
    }

    /// The month a view of `year` opens on: the last with actuals in the unit's subtree, or
    /// December when nothing is booked yet.
    pub async fn outcome_month(&self, actor: &Actor, unit_key: &str, year: i32) -> Result<YearMonth, AppError> {
        budget::check_year("year", year)?;
        let mut tx = self.store.begin_read().await?;
        let unit = unit_by_key_or_id(&mut tx, unit_key).await?.ok_or(AppError::NotFound)?;
        let path = store::org_units::path(&mut tx, unit.id).await?;
        actor.require(Action::Read, &Target::unit(&path))?;
        let (last, _) = store::budget_outcomes::last_months(&mut tx, unit.id, year).await?;
        Ok(last.unwrap_or_else(|| YearMonth::new(year, 12).expect("a checked year")))
    }

    /// Budget, actuals and forecasts of `unit_key` (and its subtree) for `month`: per category,
    /// for the month, the year to date and the full year, with the variance (positive = better
    /// than budget). Anyone who reads the unit reads this.
    pub async fn outcome_view(&self, actor: &Actor, unit_key: &str, month: YearMonth, scope: OutcomeScope) -> Result<OutcomeView, AppError> {
        let mut tx = self.store.begin_read().await?;
        let unit = unit_by_key_or_id(&mut tx, unit_key).await?.ok_or(AppError::NotFound)?;
        let path = store::org_units::path(&mut tx, unit.id).await?;
        actor.require(Action::Read, &Target::unit(&path))?;
        let (chapter, categories) = chapter_and_tree(&mut tx, unit.id, month.year()).await?;
        let administration = match &chapter {
            Some(c) => store::org_units::get(&mut tx, c.administration).await?,
            None => None,
        };
        let ((comparison, unmapped), mut children) = match scope {
            OutcomeScope::Unit => {
                let raw = store::budget_outcomes::outcome_sums_of_unit(&mut tx, unit.id, chapter.as_ref(), month).await?;
                (compare_raw(raw, &categories, month)?, Vec::new())
            }
            OutcomeScope::Subtree => {
                let (total, below) = subtree_sums(&mut tx, unit.id, chapter.as_ref(), month).await?;
                let mut children = Vec::with_capacity(below.len());
                for (child, raw) in below {
                    children.push(ChildResult { unit: child, result: compare_raw(raw, &categories, month)?.0.result });
                }
                (compare_raw(total, &categories, month)?, children)
            }
        };
        children.sort_by(|a, b| a.unit.name.cmp(&b.unit.name));
        let may_import = actor.may(Action::ImportOutcomes, &Target::unit(&path));
        let may_edit_forecast = actor.may(Action::EditBudget, &Target::unit(&path));
        Ok(OutcomeView { unit, month, scope, chapter, administration, categories, comparison, children, unmapped, may_import, may_edit_forecast })
    }
}

use store::budget_outcomes::RawSums;

/// The sums of the subtree under `unit`, and of each direct child's subtree: the unit's own
/// rows plus its children's, so every row of the subtree is read once.
async fn subtree_sums(tx: &mut Tx, unit: OrgUnitId, chapter: Option<&ChapterRef>, month: YearMonth) -> Result<(RawSums, Vec<(OrgUnit, RawSums)>), AppError> {
    let mut total: BTreeMap<String, CategorySums> = BTreeMap::new();
    let (own, mut missing) = store::budget_outcomes::outcome_sums_of_unit(tx, unit, chapter, month).await?;
    add_sums(&mut total, &own);
    let below = store::org_units::children(tx, unit).await?;
    let ids: Vec<OrgUnitId> = below.iter().map(|c| c.id).collect();
    let mut by_child: HashMap<OrgUnitId, RawSums> =
        store::budget_outcomes::outcome_sums_by_child(tx, unit, &ids, chapter, month).await?.into_iter().collect();
    let mut children = Vec::new();
    for child in below {
        let (sums, child_missing) = by_child.remove(&child.id).unwrap_or_default();
        add_sums(&mut total, &sums);
        missing += child_missing;
        children.push((child, (sums, child_missing)));
    }
    Ok(((total.into_iter().collect(), missing), children))
}

fn add_sums(total: &mut BTreeMap<String, CategorySums>, sums: &[(String, CategorySums)]) {
    for (code, s) in sums {
        let t = total.entry(code.clone()).or_default();
        t.budget_month += s.budget_month;
        t.budget_ytd += s.budget_ytd;
        t.budget_year += s.budget_year;
        t.actual_month += s.actual_month;
        t.actual_ytd += s.actual_ytd;
        t.forecast_year += s.forecast_year;
    }
}

/// The comparison of raw sums in `tree`; amounts on codes outside it are returned apart.
fn compare_raw((sums, missing): RawSums, tree: &CategoryTree, month: YearMonth) -> Result<(Comparison, Vec<(String, CategorySums)>), AppError> {
    let (known, unmapped): (Vec<_>, Vec<_>) = sums.into_iter().partition(|(code, _)| tree.contains(code));
    let known: Vec<(&str, CategorySums)> = known.iter().map(|(c, s)| (c.as_str(), *s)).collect();
    Ok((budget::compare_sums(month, &known, tree, missing)?, unmapped))
}

/// A forecast form's content: the unit's own budget and actuals per category beside the
/// forecast in force.
#[derive(Clone, Debug)]
pub struct ForecastForm {
    pub unit: OrgUnit,
    pub made_in: YearMonth,
    pub categories: CategoryTree,
    /// The unit's own figures (not its subtree's) per category.
    pub comparison: Comparison,
    /// The forecast in force per category code, as made (None: none yet this year).
    pub current: HashMap<String, Forecast>,
}

impl App {
    /// Today in Swedish local time, for views that default to the last month ended.
    pub fn today(&self) -> time::Date {
        self.clock.today()
    }

    /// What the forecast form of `unit_key` shows for a forecast made in `made_in`.
    pub async fn forecast_form(&self, actor: &Actor, unit_key: &str, made_in: YearMonth) -> Result<ForecastForm, AppError> {
        let mut tx = self.store.begin_read().await?;
        let unit = unit_by_key_or_id(&mut tx, unit_key).await?.ok_or(AppError::NotFound)?;
        let path = store::org_units::path(&mut tx, unit.id).await?;
        actor.require(Action::EditBudget, &Target::unit(&path))?;
        let (chapter, categories) = chapter_and_tree(&mut tx, unit.id, made_in.year()).await?;
        let (comparison, _) = self.outcome_sums(&mut tx, unit.id, OutcomeScope::Unit, chapter.as_ref(), made_in, &categories).await?;
        let forecasts = store::budget_outcomes::forecasts_of(&mut tx, unit.id, made_in.year()).await?;
        let mut current: HashMap<String, Forecast> = HashMap::new();
        for f in forecasts.into_iter().filter(|f| f.made_in <= made_in) {
            current.insert(f.category.clone(), f);
        }
        Ok(ForecastForm { unit, made_in, categories, comparison, current })
    }

    /// Saves the full-year forecast of `unit_key` made in `made_in`: one amount per category
    /// (a leaf of the unit's tree, signed as the budget: income +, costs −). It replaces a
    /// forecast made earlier in the same month; earlier months are kept as history.
    pub async fn save_forecast(&self, actor: &Actor, unit_key: &str, made_in: YearMonth, amounts: &[(String, Money)]) -> Result<(), AppError> {
        let mut tx = self.store.begin_write().await?;
        let unit = unit_by_key_or_id(&mut tx, unit_key).await?.ok_or(AppError::NotFound)?;
        let path = store::org_units::path(&mut tx, unit.id).await?;
        actor.require(Action::EditBudget, &Target::unit(&path))?;
        let (_, categories) = chapter_and_tree(&mut tx, unit.id, made_in.year()).await?;
        let mut problems = Vec::new();
        let mut forecasts = Vec::with_capacity(amounts.len());
        for (i, (code, amount)) in amounts.iter().enumerate() {
            let field = format!("forecasts[{i}]");
            match categories.kind_of(code) {
                None => problems.push(ValidationError::new(format!("{field}.category"), ValidationCode::InvalidChoice)),
                Some(kind) => match budget::check_amount(&format!("{field}.amount"), *amount, kind.sign()) {
                    Ok(amount) => forecasts.push(Forecast { unit: unit.id, category: code.clone(), made_in, full_year: amount }),
                    Err(e) => problems.push(e),
                },
            }
        }
        if !problems.is_empty() {
            return Err(AppError::Validation(problems));
        }
        let before = store::budget_outcomes::forecasts_of(&mut tx, unit.id, made_in.year()).await?;
        let previous: Vec<&Forecast> = before.iter().filter(|f| f.made_in == made_in).collect();
        store::budget_outcomes::replace_forecasts(&mut tx, None, &forecasts).await?;
        if forecasts.is_empty() {
            // An empty form clears the month's forecast.
            store::budget_outcomes::delete_forecasts(&mut tx, unit.id, made_in).await?;
        }
        let show = |list: &mut dyn Iterator<Item = (&String, &Money)>| -> serde_json::Value {
            list.map(|(code, m)| (code.clone(), serde_json::Value::String(format!("{} tkr", format_sv(*m, Unit::Tkr, 1))))).collect::<serde_json::Map<_, _>>().into()
        };
        let change = Change {
            action: if previous.is_empty() { AuditAction::Created } else { AuditAction::Updated },
            object_type: ObjectType::Budget,
            object_id: format!("{}/forecast/{made_in}", unit.id),
            label: &format!("{}: prognos {made_in}", unit.name),
            unit: Some(unit.id),
            before: (!previous.is_empty()).then(|| show(&mut previous.iter().map(|f| (&f.category, &f.full_year)))),
            after: Some(show(&mut forecasts.iter().map(|f| (&f.category, &f.full_year)))),
        };
        self.record(&mut tx, actor, change).await?;
        self.sync_budget_indicators(&mut tx, actor, made_in.year(), Affected::AtOrAbove(&[unit.id], FigureBasis::Forecasts)).await?;
        tx.commit().await?;
        Ok(())
    }
}
