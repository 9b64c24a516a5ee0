//! `/units/{key}/budget/outcome?month=2020-08`: budget versus actual versus forecast for a unit
//! and its subtree, per account category, for the month, the year to date and the full year,
//! in tkr or mkr; the sub-units' results beside it; the same tables as XLSX
//! (`/units/{key}/budget/outcome.xlsx`). `/units/{key}/budget/forecast`: the full-year
//! forecast typed in per category.

use super::error_page_for;
use super::layout::{Layout, render};
use crate::AppState;
use crate::api::budget_outcomes::parse_scope;
use crate::auth::PageCtx;
use crate::error::field_message;
use crate::i18n::Lang;
use app::budget_outcomes::{ForecastForm, OutcomeScope, OutcomeView};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use domain::budget::{Figures, YearMonth};
use domain::money::{Money, Unit, format_en, format_sv, parse_sek};
use domain::validate::ValidationError;
use fileio::{Cell, Sheet, write_workbook};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/units/{key}/budget/outcome", get(outcome_page))
        .route("/units/{key}/budget/outcome.xlsx", get(outcome_xlsx))
        .route("/units/{key}/budget/forecast", get(forecast_page).post(save_forecast))
}

#[derive(Deserialize, Default)]
struct OutcomeQuery {
    /// Without a month: the last month with actuals of this year.
    year: Option<i32>,
    month: Option<String>,
    scope: Option<String>,
    amounts: Option<String>,
    notice: Option<String>,
}

/// tkr with one decimal (the default), or mkr with one decimal.
fn amount_unit(text: Option<&str>) -> Unit {
    if text == Some("mkr") { Unit::Mkr } else { Unit::Tkr }
}

fn fmt(lang: Lang, unit: Unit, m: Money) -> String {
    match lang {
        Lang::Sv => format_sv(m, unit, 1),
        Lang::En => format_en(m, unit, 1),
    }
}

/// The month asked for, or the last month that has ended (December of last year in January).
fn month_of(state: &AppState, text: Option<&str>) -> Result<YearMonth, ValidationError> {
    if let Some(text) = text.filter(|t| !t.trim().is_empty()) {
        return YearMonth::parse("month", text);
    }
    let today = state.app.today();
    let (year, month) = (today.year(), u8::from(today.month()));
    let last = if month == 1 { YearMonth::new(year - 1, 12) } else { YearMonth::new(year, month - 1) };
    Ok(last.unwrap_or_else(|| YearMonth::new(2020, 1).expect("a valid month")))
}

/// One row's nine figures, formatted, with the variances' signs marked for the eye.
struct FigureCells {
    cells: Vec<String>,
    /// Per cell: "neg" for a variance worse than budget, "" otherwise.
    classes: Vec<&'static str>,
}

fn figure_cells(lang: Lang, unit: Unit, f: &Figures) -> FigureCells {
    let values = [
        (f.budget_month, false),
        (f.actual_month, false),
        (f.variance_month, true),
        (f.budget_ytd, false),
        (f.actual_ytd, false),
        (f.variance_ytd, true),
        (f.budget_year, false),
        (f.forecast_year, false),
        (f.variance_year, true),
    ];
    FigureCells {
        cells: values.iter().map(|(m, _)| fmt(lang, unit, *m)).collect(),
        classes: values.iter().map(|(m, variance)| if *variance && m.is_negative() { "neg" } else { "" }).collect(),
    }
}

struct OutcomeRow {
    name: String,
    depth: usize,
    heading: bool,
    figures: FigureCells,
}

struct ChildRow {
    key: String,
    name: String,
    figures: FigureCells,
}

#[derive(Template)]
#[template(path = "budget_outcome.html")]
struct OutcomePage {
    layout: Layout,
    unit_key: String,
    unit_name: String,
    month: String,
    year: i32,
    month_number: u8,
    months: Vec<(u8, String)>,
    subtree: bool,
    mkr: bool,
    budget_text: String,
    rows: Vec<OutcomeRow>,
    income: FigureCells,
    costs: FigureCells,
    result: FigureCells,
    children: Vec<ChildRow>,
    children_hidden: Option<String>,
    forecasts_missing: Option<String>,
    caption: String,
    unmapped: Vec<String>,
    query: String,
    may_import: bool,
    may_edit_forecast: bool,
}

fn month_names(lang: Lang) -> Vec<(u8, String)> {
    (1..=12).map(|m| (m, lang.t(&format!("outcome-month-{m}")))).collect()
}

fn budget_text(lang: Lang, view: &OutcomeView) -> String {
    match (&view.chapter, &view.administration) {
        (Some(c), Some(admin)) => lang.t_args(
            if c.decided { "outcome-budget-decided" } else { "outcome-budget-draft" },
            &[("name", admin.name.clone()), ("number", c.number.to_string())],
        ),
        _ => lang.t("outcome-budget-none"),
    }
}

fn category_name(lang: Lang, view: &OutcomeView, code: &str) -> String {
    view.categories.get(code).map(|c| if lang == Lang::En { c.name_en.clone() } else { c.name_sv.clone() }).unwrap_or_else(|| code.to_owned())
}

async fn outcome_page(State(state): State<AppState>, ctx: PageCtx, Path(key): Path<String>, Query(q): Query<OutcomeQuery>) -> Response {
    let lang = ctx.lang;
    if let (Some(year), None) = (q.year, q.month.as_deref().filter(|m| !m.trim().is_empty())) {
        return match state.app.outcome_month(&ctx.actor, &key, year).await {
            Ok(month) => {
                // Only known values go back into the address.
                let scope = if q.scope.as_deref() == Some("unit") { "unit" } else { "subtree" };
                let amounts = if q.amounts.as_deref() == Some("mkr") { "mkr" } else { "tkr" };
                Redirect::to(&format!("/units/{key}/budget/outcome?month={month}&scope={scope}&amounts={amounts}")).into_response()
            }
            Err(e) => error_page_for(e, lang),
        };
    }
    let month = match month_of(&state, q.month.as_deref()) {
        Ok(m) => m,
        Err(e) => return super::error_page(lang, StatusCode::BAD_REQUEST, &field_message(&e, lang)),
    };
    let scope = match parse_scope(q.scope.as_deref()) {
        Ok(s) => s,
        Err(e) => return super::error_page(lang, StatusCode::BAD_REQUEST, &field_message(&e, lang)),
    };
    let view = match state.app.outcome_view(&ctx.actor, &key, month, scope).await {
        Ok(v) => v,
        Err(e) => return error_page_for(e, lang),
    };
    let unit = amount_unit(q.amounts.as_deref());
    let rows = view
        .comparison
        .rows
        .iter()
        .map(|r| OutcomeRow { name: category_name(lang, &view, &r.code), depth: r.depth, heading: r.depth == 0, figures: figure_cells(lang, unit, &r.figures) })
        .collect();
    let has_figures = |f: &Figures| f.budget_year != Money::ZERO || f.actual_ytd != Money::ZERO || f.forecast_year != Money::ZERO;
    let hidden_children = view.children.iter().filter(|c| !has_figures(&c.result)).count();
    let children = view
        .children
        .iter()
        .filter(|c| has_figures(&c.result))
        .map(|c| ChildRow { key: c.unit.key.clone(), name: c.unit.name.clone(), figures: figure_cells(lang, unit, &c.result) })
        .collect();
    let unmapped = view
        .unmapped
        .iter()
        .map(|(code, s)| {
            let ore = i64::try_from(s.actual_ytd).ok().and_then(|o| Money::try_from(o).ok()).unwrap_or(Money::ZERO);
            format!("{code}: {}", fmt(lang, unit, ore))
        })
        .collect();
    let unit_label = unit.label_sv().to_owned();
    let caption_unit = unit_label.clone();
    let query = format!("month={month}&scope={}&amounts={unit_label}", if scope == OutcomeScope::Unit { "unit" } else { "subtree" });
    let title = lang.t_args("outcome-title", &[("name", view.unit.name.clone())]);
    let page = OutcomePage {
        layout: Layout::new(&ctx, "org", title).with_notice(q.notice.as_deref()),
        unit_key: view.unit.key.clone(),
        unit_name: view.unit.name.clone(),
        month: month.to_string(),
        year: month.year(),
        month_number: month.month(),
        months: month_names(lang),
        subtree: scope == OutcomeScope::Subtree,
        mkr: unit == Unit::Mkr,
        budget_text: budget_text(lang, &view),
        rows,
        income: figure_cells(lang, unit, &view.comparison.income),
        costs: figure_cells(lang, unit, &view.comparison.costs),
        result: figure_cells(lang, unit, &view.comparison.result),
        children,
        children_hidden: (hidden_children > 0).then(|| lang.t_args("outcome-units-hidden", &[("n", hidden_children.to_string())])),
        forecasts_missing: (view.comparison.forecasts_missing > 0)
            .then(|| lang.t_args("outcome-forecasts-missing", &[("n", view.comparison.forecasts_missing.to_string())])),
        caption: lang.t_args("outcome-caption", &[("name", caption_unit)]),
        unmapped,
        query,
        may_import: view.may_import,
        may_edit_forecast: view.may_edit_forecast,
    };
    render(&page, StatusCode::OK)
}

/// The header row of the nine figures, with the sign convention in the variance columns.
fn figure_headers(lang: Lang, unit_label: &str) -> Vec<String> {
    [
        "outcome-col-budget-month",
        "outcome-col-actual-month",
        "outcome-col-variance-month",
        "outcome-col-budget-ytd",
        "outcome-col-actual-ytd",
        "outcome-col-variance-ytd",
        "outcome-col-budget-year",
        "outcome-col-forecast-year",
        "outcome-col-variance-year",
    ]
    .iter()
    .map(|k| format!("{} ({unit_label})", lang.t(k)))
    .collect()
}

fn figure_row(first: Vec<Cell>, f: &Figures, unit: Unit) -> Vec<Cell> {
    let mut row = first;
    for m in [f.budget_month, f.actual_month, f.variance_month, f.budget_ytd, f.actual_ytd, f.variance_ytd, f.budget_year, f.forecast_year, f.variance_year] {
        row.push(Cell::money(m, unit, 1));
    }
    row
}

/// The workbook of the outcome page: the category table and the sub-units' results.
fn outcome_workbook(lang: Lang, view: &OutcomeView, unit: Unit) -> Result<Vec<u8>, fileio::WriteError> {
    let unit_label = unit.label_sv();
    let mut header = vec![lang.t("outcome-col-category")];
    header.extend(figure_headers(lang, unit_label));
    let mut rows: Vec<Vec<Cell>> = view
        .comparison
        .rows
        .iter()
        .map(|r| figure_row(vec![Cell::text(format!("{}{}", "  ".repeat(r.depth), category_name(lang, view, &r.code)))], &r.figures, unit))
        .collect();
    rows.push(figure_row(vec![Cell::text(lang.t("outcome-income"))], &view.comparison.income, unit));
    rows.push(figure_row(vec![Cell::text(lang.t("outcome-costs"))], &view.comparison.costs, unit));
    rows.push(figure_row(vec![Cell::text(lang.t("outcome-result"))], &view.comparison.result, unit));
    let caption = format!("{} {} · {} · {}", lang.t("outcome-heading"), view.unit.name, view.month, lang.t("outcome-sign-note"));
    let mut sheets = vec![Sheet { name: lang.t("outcome-sheet-categories"), caption: Some(caption), header: vec![header], rows }];
    if !view.children.is_empty() {
        let mut header = vec![lang.t("outcome-col-unit")];
        header.extend(figure_headers(lang, unit_label));
        let rows = view.children.iter().map(|c| figure_row(vec![Cell::text(c.unit.name.clone())], &c.result, unit)).collect();
        sheets.push(Sheet { name: lang.t("outcome-sheet-units"), caption: Some(lang.t("outcome-units-caption")), header: vec![header], rows });
    }
    write_workbook(&sheets)
}

async fn outcome_xlsx(State(state): State<AppState>, ctx: PageCtx, Path(key): Path<String>, Query(q): Query<OutcomeQuery>) -> Response {
    let lang = ctx.lang;
    let (month, scope) = match (month_of(&state, q.month.as_deref()), parse_scope(q.scope.as_deref())) {
        (Ok(m), Ok(s)) => (m, s),
        (Err(e), _) | (_, Err(e)) => return super::error_page(lang, StatusCode::BAD_REQUEST, &field_message(&e, lang)),
    };
    let view = match state.app.outcome_view(&ctx.actor, &key, month, scope).await {
        Ok(v) => v,
        Err(e) => return error_page_for(e, lang),
    };
    let file_name = format!("budget-utfall-{}-{month}.xlsx", view.unit.key);
    super::budget_export::xlsx_download(lang, &file_name, outcome_workbook(lang, &view, amount_unit(q.amounts.as_deref())))
}

struct ForecastRow {
    code: String,
    name: String,
    depth: usize,
    leaf: bool,
    budget_year: String,
    actual_ytd: String,
    current: String,
    value: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "budget_forecast.html")]
struct ForecastPage {
    layout: Layout,
    unit_key: String,
    unit_name: String,
    month: String,
    intro: String,
    rows: Vec<ForecastRow>,
    errors: Vec<String>,
}

fn forecast_rows(lang: Lang, form: &ForecastForm, typed: Option<&[(String, String)]>, errors: &[ValidationError]) -> Vec<ForecastRow> {
    let mut leaf_index = 0usize;
    form.categories
        .rows()
        .map(|(c, depth)| {
            let leaf = form.categories.is_leaf(&c.code).unwrap_or(false);
            let figures = form.comparison.row(&c.code).map(|r| r.figures).unwrap_or_default();
            let current = form.current.get(&c.code).map(|f| f.full_year);
            let value = match typed {
                Some(typed) => typed.iter().find(|(code, _)| *code == c.code).map(|(_, v)| v.clone()).unwrap_or_default(),
                None => current.map(|m| fmt(lang, Unit::Tkr, m)).unwrap_or_default(),
            };
            let error = if leaf {
                let field = format!("forecasts[{leaf_index}].amount");
                leaf_index += 1;
                errors.iter().find(|e| e.field == field).map(|e| field_message(&ValidationError::new("amount", e.code), lang))
            } else {
                None
            };
            ForecastRow {
                code: c.code.clone(),
                name: if lang == Lang::En { c.name_en.clone() } else { c.name_sv.clone() },
                depth,
                leaf,
                budget_year: fmt(lang, Unit::Tkr, figures.budget_year),
                actual_ytd: fmt(lang, Unit::Tkr, figures.actual_ytd),
                current: current.map(|m| fmt(lang, Unit::Tkr, m)).unwrap_or_else(|| "–".into()),
                value,
                error,
            }
        })
        .collect()
}

/// A problem of the forecast form named by its category ("Personalkostnader: …"), since the
/// app names it by the row's index.
fn forecast_error(lang: Lang, form: &ForecastForm, e: &ValidationError) -> String {
    let row = e.field.strip_prefix("forecasts[").and_then(|rest| rest.split(']').next()).and_then(|n| n.parse::<usize>().ok());
    let leaf = row.and_then(|i| form.categories.rows().filter(|(c, _)| form.categories.is_leaf(&c.code).unwrap_or(false)).nth(i));
    match leaf {
        Some((category, _)) => {
            let name = if lang == Lang::En { &category.name_en } else { &category.name_sv };
            format!("{name}: {}", field_message(&ValidationError::new("amount", e.code), lang))
        }
        None => field_message(e, lang),
    }
}

async fn forecast_page(State(state): State<AppState>, ctx: PageCtx, Path(key): Path<String>, Query(q): Query<OutcomeQuery>) -> Response {
    let lang = ctx.lang;
    let month = match month_of(&state, q.month.as_deref()) {
        Ok(m) => m,
        Err(e) => return super::error_page(lang, StatusCode::BAD_REQUEST, &field_message(&e, lang)),
    };
    match state.app.forecast_form(&ctx.actor, &key, month).await {
        Ok(form) => render_forecast(&ctx, &form, None, &[], StatusCode::OK),
        Err(e) => error_page_for(e, lang),
    }
}

fn render_forecast(ctx: &PageCtx, form: &ForecastForm, typed: Option<&[(String, String)]>, errors: &[ValidationError], status: StatusCode) -> Response {
    let lang = ctx.lang;
    let title = lang.t_args("forecast-title", &[("name", form.unit.name.clone())]);
    let page = ForecastPage {
        layout: Layout::new(ctx, "org", title),
        unit_key: form.unit.key.clone(),
        unit_name: form.unit.name.clone(),
        month: form.made_in.to_string(),
        intro: lang.t_args("forecast-intro", &[("date", form.made_in.to_string())]),
        rows: forecast_rows(lang, form, typed, errors),
        errors: errors.iter().map(|e| forecast_error(lang, form, e)).collect(),
    };
    render(&page, status)
}

/// The form's fields: `csrf`, `month`, and `f.<code>` per category.
async fn save_forecast(State(state): State<AppState>, ctx: PageCtx, Path(key): Path<String>, axum::Form(fields): axum::Form<Vec<(String, String)>>) -> Response {
    let lang = ctx.lang;
    let field = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or_default();
    if let Err(r) = ctx.verify_csrf(field("csrf")) {
        return r;
    }
    let month = match YearMonth::parse("month", field("month")) {
        Ok(m) => m,
        Err(e) => return super::error_page(lang, StatusCode::BAD_REQUEST, &field_message(&e, lang)),
    };
    let form = match state.app.forecast_form(&ctx.actor, &key, month).await {
        Ok(form) => form,
        Err(e) => return error_page_for(e, lang),
    };
    let typed: Vec<(String, String)> = fields.iter().filter_map(|(k, v)| k.strip_prefix("f.").map(|code| (code.to_owned(), v.clone()))).collect();
    // Leaves in display order are the form's rows; an empty field keeps no forecast this month.
    let mut amounts = Vec::new();
    // The leaf row each amount came from: the app names problems by the amount's index.
    let mut row_of_amount = Vec::new();
    let mut errors = Vec::new();
    let leaves = form.categories.rows().filter(|(c, _)| form.categories.is_leaf(&c.code).unwrap_or(false));
    for (i, (category, _)) in leaves.enumerate() {
        let text = typed.iter().find(|(code, _)| *code == category.code).map(|(_, v)| v.trim()).unwrap_or_default();
        if text.is_empty() {
            continue;
        }
        match parse_sek(&format!("forecasts[{i}].amount"), text, Unit::Tkr) {
            Ok(m) => {
                amounts.push((category.code.clone(), m));
                row_of_amount.push(i);
            }
            Err(e) => errors.push(ValidationError::from(e)),
        }
    }
    if errors.is_empty() {
        match state.app.save_forecast(&ctx.actor, &key, month, &amounts).await {
            Ok(()) => {
                return Redirect::to(&format!("/units/{}/budget/outcome?month={month}&notice=forecast-saved", form.unit.key)).into_response();
            }
            Err(app::AppError::Validation(problems)) => {
                errors = problems
                    .into_iter()
                    .map(|mut p| {
                        for (j, row) in row_of_amount.iter().enumerate() {
                            if let Some(rest) = p.field.strip_prefix(&format!("forecasts[{j}]")) {
                                p.field = format!("forecasts[{row}]{rest}");
                                break;
                            }
                        }
                        p
                    })
                    .collect();
            }
            Err(e) => return error_page_for(e, lang),
        }
    }
    render_forecast(&ctx, &form, Some(&typed), &errors, StatusCode::UNPROCESSABLE_ENTITY)
}
