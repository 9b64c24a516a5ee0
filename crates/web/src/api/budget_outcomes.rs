//! Actuals and forecasts: `POST /api/v1/budgets/imports` takes a ledger file (CSV or XLSX) as
//! the request body and checks it (`dry_run=true`) or checks and writes it, all or nothing;
//! a checked import is committed later with `POST …/imports/{id}/commit`.
//! `GET /api/v1/budgets/outcomes/{unit}?month=2020-08` compares budget, actuals and forecasts.

use super::{ApiErrors, PageOf};
use super::budgets::AmountJson;
use super::extract::{ApiPath, ApiQuery};
use crate::AppState;
use crate::auth::ApiCtx;
use crate::error::{ApiError, ApiResultExt};
use crate::i18n::{Lang, format_time};
use app::budget_outcomes::{ImportIssue, ImportReport, ImportRequest, OutcomeScope, OutcomeView};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::budget::{Figures, ImportState, OutcomeKind, YearMonth};
use domain::money::Unit;
use domain::validate::{ValidationCode, ValidationError};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(post_import).layer(DefaultBodyLimit::max(app::budget_outcomes::MAX_FILE_BYTES)))
        .routes(routes!(list_imports))
        .routes(routes!(get_import))
        .routes(routes!(commit_import))
        .routes(routes!(get_outcome))
}

/// One problem of a file, where to find it, in words.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ImportIssueJson {
    /// 1-based line (CSV) or row (XLSX) as the user sees it; 0 for the whole file.
    pub line: u32,
    /// The column as the file's header names it, or `unit`, `account`, `month`, `amount`.
    pub column: Option<String>,
    /// Stable: `unknown_unit`, `unknown_category`, `month_outside_year`, `duplicate_line`,
    /// `not_a_number`, `fraction_of_ore`, `invalid_encoding`, `missing_column` …
    pub code: String,
    pub message: String,
    /// The value as written.
    pub value: Option<String>,
    /// For a duplicate: the line it repeats.
    pub first_line: Option<u32>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct MonthSummaryJson {
    /// `YYYY-MM`
    pub month: String,
    pub records: usize,
    pub total: AmountJson,
}

/// An import: what the file held, its state, and every problem found.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ImportJson {
    pub id: String,
    /// `actuals` or `forecasts`
    pub kind: String,
    pub year: i32,
    /// `kr` or `tkr`
    pub amount_unit: String,
    pub file_name: String,
    pub encoding: Option<String>,
    /// `checked` (may be committed), `rejected` (nothing written) or `committed`.
    pub state: String,
    pub lines: i64,
    /// Amounts to write (lines of one unit, category and month are summed).
    pub records: i64,
    pub units: i64,
    pub total: AmountJson,
    pub created_by: String,
    /// Local time `YYYY-MM-DD HH:MM`.
    pub created_at: String,
    pub committed_at: Option<String>,
    pub issues: Vec<ImportIssueJson>,
    /// Units the caller lacks business support on: the whole file is refused.
    pub forbidden_units: Vec<String>,
    pub months: Vec<MonthSummaryJson>,
}

/// The sentence for a problem of a file, in the user's language.
pub fn issue_message(issue: &ImportIssue, lang: Lang) -> String {
    let key = format!("import-issue-{}", issue.code.replace('_', "-"));
    let args = [
        ("value", issue.value.clone().unwrap_or_default()),
        ("column", issue.column.clone().unwrap_or_default()),
        ("n", issue.first_line.map(|n| n.to_string()).unwrap_or_default()),
    ];
    let text = lang.t_args(&key, &args);
    if text == key { lang.t_args("import-issue-other", &[("code", issue.code.clone())]) } else { text }
}

pub fn import_json(report: &ImportReport, lang: Lang) -> ImportJson {
    let i = &report.import;
    ImportJson {
        id: i.id.clone(),
        kind: i.kind.as_str().to_owned(),
        year: i.year,
        amount_unit: i.amount_unit.clone(),
        file_name: i.file_name.clone(),
        encoding: i.encoding.clone(),
        state: i.state.as_str().to_owned(),
        lines: i.line_count,
        records: i.record_count,
        units: i.unit_count,
        total: i.total.into(),
        created_by: i.created_by_name.clone(),
        created_at: format_time(i.created_at),
        committed_at: i.committed_at.map(format_time),
        issues: report
            .findings
            .issues
            .iter()
            .map(|issue| ImportIssueJson {
                line: issue.line,
                column: issue.column.clone(),
                code: issue.code.clone(),
                message: issue_message(issue, lang),
                value: issue.value.clone(),
                first_line: issue.first_line,
            })
            .collect(),
        forbidden_units: report.findings.forbidden_units.clone(),
        months: report.findings.months.iter().map(|m| MonthSummaryJson { month: m.month.clone(), records: m.records, total: m.total.into() }).collect(),
    }
}

/// 200 with the import; for a rejected file 422 `import_rejected`, with the import (its
/// `issues` and `forbidden_units`) as the error's `details`.
fn import_response(report: &ImportReport, lang: Lang) -> Response {
    let json = import_json(report, lang);
    if report.import.state == ImportState::Rejected {
        let mut error = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "import_rejected", lang.t("error-import-rejected"));
        error.body.details = serde_json::to_value(&json).unwrap_or_default();
        error.into_response()
    } else {
        Json(json).into_response()
    }
}

#[derive(Clone, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// `actuals` (default) or `forecasts`.
    #[param(pattern = "^(actuals|forecasts)$")]
    pub kind: Option<String>,
    /// The budget year the file belongs to.
    #[param(minimum = 1900, maximum = 2200)]
    pub year: i32,
    /// What the file's amounts are in: `kr` (default, as ledgers write them) or `tkr`.
    #[param(pattern = "^(kr|tkr)$")]
    pub amount_unit: Option<String>,
    /// The file's name, for the import history.
    #[param(max_length = 200, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub file_name: Option<String>,
    /// The worksheet of an XLSX file (default: the first).
    #[param(max_length = 100, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub sheet: Option<String>,
    /// Check only: nothing is written, and a clean file is kept to be committed.
    pub dry_run: Option<bool>,
}

fn parse_query(q: ImportQuery, bytes: Vec<u8>) -> Result<ImportRequest, app::AppError> {
    let kind = match q.kind.as_deref() {
        None => OutcomeKind::Actuals,
        Some(text) => OutcomeKind::parse("kind", text)?,
    };
    let amount_unit = match q.amount_unit.as_deref() {
        None | Some("kr") => Unit::Kr,
        Some("tkr") => Unit::Tkr,
        Some(_) => return Err(ValidationError::new("amount_unit", ValidationCode::InvalidChoice).into()),
    };
    let file_name = q.file_name.filter(|n| !n.trim().is_empty()).unwrap_or_else(|| format!("{}-{}", kind.as_str(), q.year));
    Ok(ImportRequest { kind, year: q.year, amount_unit, file_name, bytes, sheet: q.sheet.filter(|s| !s.trim().is_empty()) })
}

/// Imports actuals or forecasts from a ledger file sent as the body (CSV: `;`-separated, decimal
/// comma, UTF-8 or Windows-1252; or XLSX). The header names the columns: unit key (`enhet`),
/// account or category code (`konto`), month (`månad`, `2020-03`) and amount (`belopp`). Each
/// (unit, month) in the file replaces what was stored for it. Every problem is listed with its
/// line number and nothing is written unless the whole file passes (otherwise 422
/// `import_rejected` with the import, its issues and refused units, as `details`). Needs business support on every unit the file names.
#[utoipa::path(post, path = "/api/v1/budgets/imports", tag = "budgets", params(ImportQuery),
    request_body(content = Vec<u8>, content_type = "text/csv", description = "The ledger file (CSV or XLSX bytes)"),
    responses((status = 200, body = ImportJson), (status = 422, body = crate::error::ErrorBody, description = "`import_rejected`: the file was rejected and nothing written; `details` is the import, whose `issues` and `forbidden_units` say why"), ApiErrors))]
async fn post_import(State(state): State<AppState>, ctx: ApiCtx, ApiQuery(q): ApiQuery<ImportQuery>, body: Bytes) -> Result<Response, ApiError> {
    let dry_run = q.dry_run.unwrap_or(false);
    let request = parse_query(q, body.to_vec()).api(ctx.lang)?;
    let report = if dry_run {
        state.app.preview_outcome_import(&ctx.actor, request).await
    } else {
        state.app.import_outcomes(&ctx.actor, request).await
    }
    .api(ctx.lang)?;
    Ok(import_response(&report, ctx.lang))
}

#[derive(Clone, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// How many items (default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(format = Uuid)]
    pub cursor: Option<String>,
}

/// Imports, newest first (without their problem lists; read one import for its report).
#[utoipa::path(get, path = "/api/v1/budgets/imports", tag = "budgets", params(ListQuery),
    responses((status = 200, body = PageOf<ImportJson>), ApiErrors))]
async fn list_imports(State(state): State<AppState>, ctx: ApiCtx, ApiQuery(q): ApiQuery<ListQuery>) -> Result<Json<PageOf<ImportJson>>, ApiError> {
    let limit = super::page_limit(q.limit, q.cursor.as_deref(), super::CursorKind::Id).api(ctx.lang)?;
    let page = state.app.outcome_imports(&ctx.actor, q.cursor.as_deref(), limit).await.api(ctx.lang)?;
    let items = page.items.into_iter().map(|import| import_json(&ImportReport { import, findings: Default::default() }, ctx.lang)).collect();
    Ok(Json(PageOf { items, next_cursor: page.next_cursor }))
}

/// One import with its report.
#[utoipa::path(get, path = "/api/v1/budgets/imports/{id}", tag = "budgets",
    params(("id" = String, Path, format = "uuid", description = "The import's id")),
    responses((status = 200, body = ImportJson), ApiErrors))]
async fn get_import(State(state): State<AppState>, ctx: ApiCtx, ApiPath(id): ApiPath<uuid::Uuid>) -> Result<Json<ImportJson>, ApiError> {
    let report = state.app.outcome_import(&ctx.actor, &id.to_string()).await.api(ctx.lang)?;
    Ok(Json(import_json(&report, ctx.lang)))
}

/// Writes a checked import (made with `dry_run=true`), after checking it again: all of it, or
/// nothing and 422 with the new report. 409 `conflict_import_not_checkable` if it was committed
/// or rejected already.
#[utoipa::path(post, path = "/api/v1/budgets/imports/{id}/commit", tag = "budgets",
    params(("id" = String, Path, format = "uuid", description = "The import's id")),
    responses((status = 200, body = ImportJson), (status = 422, body = crate::error::ErrorBody, description = "`import_rejected`: the file no longer passes; nothing was written; `details` is the import"), ApiErrors))]
async fn commit_import(State(state): State<AppState>, ctx: ApiCtx, ApiPath(id): ApiPath<uuid::Uuid>) -> Result<Response, ApiError> {
    let report = state.app.commit_outcome_import(&ctx.actor, &id.to_string()).await.api(ctx.lang)?;
    Ok(import_response(&report, ctx.lang))
}

/// Budget, actual and forecast, and the variance (positive = better than budget).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct FiguresJson {
    pub budget_month: AmountJson,
    pub actual_month: AmountJson,
    pub variance_month: AmountJson,
    pub budget_ytd: AmountJson,
    pub actual_ytd: AmountJson,
    pub variance_ytd: AmountJson,
    pub budget_year: AmountJson,
    pub forecast_year: AmountJson,
    pub variance_year: AmountJson,
}

impl From<&Figures> for FiguresJson {
    fn from(f: &Figures) -> Self {
        Self {
            budget_month: f.budget_month.into(),
            actual_month: f.actual_month.into(),
            variance_month: f.variance_month.into(),
            budget_ytd: f.budget_ytd.into(),
            actual_ytd: f.actual_ytd.into(),
            variance_ytd: f.variance_ytd.into(),
            budget_year: f.budget_year.into(),
            forecast_year: f.forecast_year.into(),
            variance_year: f.variance_year.into(),
        }
    }
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct OutcomeRowJson {
    pub code: String,
    pub name: String,
    /// `income` or `cost`
    pub kind: String,
    pub depth: usize,
    pub figures: FiguresJson,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ChildResultJson {
    pub unit: String,
    pub name: String,
    pub result: FiguresJson,
}

/// The comparison of a unit (or its subtree) for a month of a year.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct OutcomeJson {
    pub unit: String,
    pub month: String,
    /// `subtree` or `unit`
    pub scope: String,
    /// The administration whose budget is compared with, and its version.
    pub budget_unit: Option<String>,
    pub budget_version: Option<u32>,
    pub budget_decided: bool,
    /// Sign convention: a positive variance is better than budget (income above, or costs
    /// below, budget).
    pub rows: Vec<OutcomeRowJson>,
    pub income: FiguresJson,
    pub costs: FiguresJson,
    pub result: FiguresJson,
    /// Budget lines without a forecast in force (their budget counts as the forecast).
    pub forecasts_missing: usize,
    pub children: Vec<ChildResultJson>,
}

pub fn outcome_json(view: &OutcomeView, lang: Lang) -> OutcomeJson {
    let name = |code: &str| {
        view.categories
            .get(code)
            .map(|c| if lang == Lang::En { c.name_en.clone() } else { c.name_sv.clone() })
            .unwrap_or_default()
    };
    OutcomeJson {
        unit: view.unit.key.clone(),
        month: view.month.to_string(),
        scope: if view.scope == OutcomeScope::Unit { "unit".into() } else { "subtree".into() },
        budget_unit: view.administration.as_ref().map(|u| u.key.clone()),
        budget_version: view.chapter.as_ref().map(|c| c.number),
        budget_decided: view.chapter.as_ref().is_some_and(|c| c.decided),
        rows: view
            .comparison
            .rows
            .iter()
            .map(|r| OutcomeRowJson { code: r.code.clone(), name: name(&r.code), kind: r.kind.as_str().into(), depth: r.depth, figures: (&r.figures).into() })
            .collect(),
        income: (&view.comparison.income).into(),
        costs: (&view.comparison.costs).into(),
        result: (&view.comparison.result).into(),
        forecasts_missing: view.comparison.forecasts_missing,
        children: view.children.iter().map(|c| ChildResultJson { unit: c.unit.key.clone(), name: c.unit.name.clone(), result: (&c.result).into() }).collect(),
    }
}

#[derive(Clone, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutcomeQuery {
    /// `YYYY-MM`: the month, and January to it for the year to date.
    #[param(pattern = "^[0-9]{4}-(0[1-9]|1[0-2])$")]
    pub month: String,
    /// `subtree` (default: the unit and everything below it) or `unit` (the unit alone).
    #[param(pattern = "^(subtree|unit)$")]
    pub scope: Option<String>,
}

pub fn parse_scope(text: Option<&str>) -> Result<OutcomeScope, ValidationError> {
    match text {
        None | Some("subtree") => Ok(OutcomeScope::Subtree),
        Some("unit") => Ok(OutcomeScope::Unit),
        Some(_) => Err(ValidationError::new("scope", ValidationCode::InvalidChoice)),
    }
}

/// Budget versus actual versus forecast of a unit (and its subtree) per account category, for
/// the month, the year to date and the full year; the sub-units' results beside it.
#[utoipa::path(get, path = "/api/v1/budgets/outcomes/{unit}", tag = "budgets",
    params(("unit" = String, Path, pattern = "^[A-Za-z0-9._-]{1,64}$", description = "The unit's key (or id)"), OutcomeQuery),
    responses((status = 200, body = OutcomeJson), ApiErrors))]
async fn get_outcome(State(state): State<AppState>, ctx: ApiCtx, ApiPath(unit): ApiPath<String>, ApiQuery(q): ApiQuery<OutcomeQuery>) -> Result<Json<OutcomeJson>, ApiError> {
    let month = YearMonth::parse("month", &q.month).map_err(app::AppError::from).api(ctx.lang)?;
    let scope = parse_scope(q.scope.as_deref()).map_err(app::AppError::from).api(ctx.lang)?;
    let view = state.app.outcome_view(&ctx.actor, &unit, month, scope).await.api(ctx.lang)?;
    Ok(Json(outcome_json(&view, ctx.lang)))
}
