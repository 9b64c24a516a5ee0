//! `/budget/imports`: importing actuals and forecasts from the ledger. The user uploads a file;
//! it is checked without writing anything and `/budget/imports/{id}` shows the preview (every
//! rejected line with its number and reason, or the months and sums to be written); a clean
//! file is then committed with one button, all or nothing. The page also lists recent imports.

use super::error_page_for;
use super::layout::{Layout, render};
use crate::AppState;
use crate::api::budget_outcomes::issue_message;
use crate::auth::PageCtx;
use crate::i18n::{Lang, format_time};
use app::budget_outcomes::{ImportReport, ImportRequest, MAX_FILE_BYTES};
use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::budget::{ImportState, OutcomeKind};
use domain::money::{Money, Unit, format_en, format_sv};
use serde::Deserialize;
use app::budget_outcomes::ImportRecord;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/budget/imports", get(imports_page).post(upload).layer(DefaultBodyLimit::max(MAX_FILE_BYTES)))
        .route("/budget/imports/{id}", get(import_page))
        .route("/budget/imports/{id}/commit", post(commit))
}

fn kr(lang: Lang, m: Money) -> String {
    match lang {
        Lang::Sv => format_sv(m, Unit::Kr, 2),
        Lang::En => format_en(m, Unit::Kr, 2),
    }
}

fn kind_text(lang: Lang, kind: OutcomeKind) -> String {
    lang.t(match kind {
        OutcomeKind::Actuals => "import-kind-actuals",
        OutcomeKind::Forecasts => "import-kind-forecasts",
    })
}

fn state_text(lang: Lang, state: ImportState) -> String {
    lang.t(match state {
        ImportState::Checked => "import-state-checked",
        ImportState::Rejected => "import-state-rejected",
        ImportState::Committed => "import-state-committed",
    })
}

struct HistoryRow {
    id: String,
    when: String,
    file_name: String,
    kind: String,
    year: i32,
    state: String,
    lines: i64,
    total: String,
    by: String,
}

fn history_row(lang: Lang, i: &ImportRecord) -> HistoryRow {
    HistoryRow {
        id: i.id.clone(),
        when: format_time(i.created_at),
        file_name: i.file_name.clone(),
        kind: kind_text(lang, i.kind),
        year: i.year,
        state: state_text(lang, i.state),
        lines: i.line_count,
        total: kr(lang, i.total),
        by: i.created_by_name.clone(),
    }
}

#[derive(Template)]
#[template(path = "budget_imports.html")]
struct ImportsPage {
    layout: Layout,
    year: i32,
    error: Option<String>,
    history: Vec<HistoryRow>,
}

#[derive(Deserialize, Default)]
struct ImportsQuery {
    year: Option<i32>,
}

async fn imports_page(State(state): State<AppState>, ctx: PageCtx, Query(q): Query<ImportsQuery>) -> Response {
    let year = q.year.unwrap_or_else(|| state.app.today().year());
    render_imports(&state, &ctx, year, None, StatusCode::OK).await
}

async fn render_imports(state: &AppState, ctx: &PageCtx, year: i32, error: Option<String>, status: StatusCode) -> Response {
    let lang = ctx.lang;
    let history = match state.app.outcome_imports(&ctx.actor, None, 20).await {
        Ok(page) => page.items.iter().map(|i| history_row(lang, i)).collect(),
        Err(e) => return error_page_for(e, lang),
    };
    let page = ImportsPage { layout: Layout::new(ctx, "org", lang.t("import-title")), year, error, history };
    render(&page, status)
}

/// The multipart form: `csrf`, `kind`, `year`, `amount_unit`, `sheet`, `file`.
async fn upload(State(state): State<AppState>, ctx: PageCtx, mut multipart: Multipart) -> Response {
    let lang = ctx.lang;
    let (mut csrf, mut kind, mut year, mut unit, mut sheet) = (String::new(), String::new(), String::new(), String::new(), String::new());
    let mut file: Option<(String, Vec<u8>)> = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(_) => return super::error_page(lang, StatusCode::BAD_REQUEST, &lang.t("import-error-upload")),
        };
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            let file_name = field.file_name().unwrap_or_default().to_owned();
            match field.bytes().await {
                Ok(bytes) => file = Some((file_name, bytes.to_vec())),
                Err(_) => return super::error_page(lang, StatusCode::PAYLOAD_TOO_LARGE, &lang.t("error-payload-too-large")),
            }
            continue;
        }
        let Ok(text) = field.text().await else {
            return super::error_page(lang, StatusCode::BAD_REQUEST, &lang.t("import-error-upload"));
        };
        match name.as_str() {
            "csrf" => csrf = text,
            "kind" => kind = text,
            "year" => year = text,
            "amount_unit" => unit = text,
            "sheet" => sheet = text,
            _ => {}
        }
    }
    if let Err(r) = ctx.verify_csrf(&csrf) {
        return r;
    }
    let year_value = year.trim().parse::<i32>().ok();
    let shown_year = year_value.unwrap_or_else(|| state.app.today().year());
    let Some((file_name, bytes)) = file.filter(|(name, bytes)| !name.is_empty() || !bytes.is_empty()) else {
        return render_imports(&state, &ctx, shown_year, Some(lang.t("import-error-no-file")), StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let Some(year) = year_value else {
        return render_imports(&state, &ctx, shown_year, Some(lang.t("import-error-year")), StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let kind = if kind == "forecasts" { OutcomeKind::Forecasts } else { OutcomeKind::Actuals };
    let amount_unit = if unit == "tkr" { Unit::Tkr } else { Unit::Kr };
    let request = ImportRequest { kind, year, amount_unit, file_name, bytes, sheet: Some(sheet).filter(|s| !s.trim().is_empty()) };
    match state.app.preview_outcome_import(&ctx.actor, request).await {
        Ok(report) => Redirect::to(&format!("/budget/imports/{}", report.import.id)).into_response(),
        Err(app::AppError::Validation(problems)) => {
            let text = problems.iter().map(|p| crate::error::field_message(p, lang)).collect::<Vec<_>>().join(" ");
            render_imports(&state, &ctx, shown_year, Some(text), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => error_page_for(e, lang),
    }
}

struct IssueRow {
    line: String,
    column: String,
    message: String,
    value: String,
}

struct MonthRow {
    month: String,
    records: usize,
    total: String,
}

#[derive(Template)]
#[template(path = "budget_import.html")]
struct ImportPage {
    layout: Layout,
    id: String,
    file_name: String,
    summary: String,
    state: String,
    checked: bool,
    committed: bool,
    rejected: bool,
    forbidden: Option<String>,
    issues: Vec<IssueRow>,
    months: Vec<MonthRow>,
    total: String,
    year: i32,
}

#[derive(Deserialize, Default)]
struct NoticeQuery {
    notice: Option<String>,
}

async fn import_page(State(state): State<AppState>, ctx: PageCtx, Path(id): Path<uuid::Uuid>, Query(q): Query<NoticeQuery>) -> Response {
    match state.app.outcome_import(&ctx.actor, &id.to_string()).await {
        Ok(report) => render_import(&ctx, &report, q.notice.as_deref(), StatusCode::OK),
        Err(e) => error_page_for(e, ctx.lang),
    }
}

fn render_import(ctx: &PageCtx, report: &ImportReport, notice: Option<&str>, status: StatusCode) -> Response {
    let lang = ctx.lang;
    let i = &report.import;
    let f = &report.findings;
    let summary = lang.t_args(
        "import-summary",
        &[
            ("kind", kind_text(lang, i.kind)),
            ("year", i.year.to_string()),
            ("n", i.line_count.to_string()),
            ("name", i.unit_count.to_string()),
            ("values", i.encoding.clone().unwrap_or_else(|| "XLSX".into())),
        ],
    );
    let issues = f
        .issues
        .iter()
        .map(|issue| IssueRow {
            line: if issue.line == 0 { lang.t("import-whole-file") } else { issue.line.to_string() },
            column: issue.column.clone().unwrap_or_default(),
            message: issue_message(issue, lang),
            value: issue.value.clone().unwrap_or_default(),
        })
        .collect();
    let months = f.months.iter().map(|m| MonthRow { month: m.month.clone(), records: m.records, total: kr(lang, m.total) }).collect();
    let title = lang.t_args("import-page-title", &[("name", i.file_name.clone())]);
    let page = ImportPage {
        layout: Layout::new(ctx, "org", title).with_notice(notice),
        id: i.id.clone(),
        file_name: i.file_name.clone(),
        summary,
        state: state_text(lang, i.state),
        checked: i.state == ImportState::Checked,
        committed: i.state == ImportState::Committed,
        rejected: i.state == ImportState::Rejected,
        forbidden: (!f.forbidden_units.is_empty()).then(|| lang.t_args("import-forbidden", &[("values", f.forbidden_units.join(", "))])),
        issues,
        months,
        total: kr(lang, i.total),
        year: i.year,
    };
    render(&page, status)
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: String,
}

async fn commit(State(state): State<AppState>, ctx: PageCtx, Path(id): Path<uuid::Uuid>, axum::Form(form): axum::Form<CsrfForm>) -> Response {
    if let Err(r) = ctx.verify_csrf(&form.csrf) {
        return r;
    }
    match state.app.commit_outcome_import(&ctx.actor, &id.to_string()).await {
        Ok(report) if report.is_rejected() => render_import(&ctx, &report, None, StatusCode::UNPROCESSABLE_ENTITY),
        Ok(_) => Redirect::to(&format!("/budget/imports/{id}?notice=import-committed")).into_response(),
        Err(e) => error_page_for(e, ctx.lang),
    }
}
