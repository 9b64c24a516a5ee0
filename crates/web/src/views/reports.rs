//! Reports in HTML: `/units/{key}/reports` lists a unit's reports and makes new ones from a
//! template; `/reports/{id}` is the writing page (each section's heading, instruction and text,
//! with what its live parts print from the data); downloads as PDF, Word and Excel.

use super::layout::{Layout, render};
use super::plan::Choice;
use super::{FieldErrors, error_page, error_page_for};
use crate::AppState;
use crate::auth::{PageCtx, urlencode};
use crate::documents::{ExportError, Format, live_blocks};
use crate::i18n::Lang;
use app::AppError;
use app::reports::{DocumentData, NewReport, ReportDetails, ReportView};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::document::{Block, Row};
use domain::report::{DecisionReference, ReportStep, Signing, SigningParty};
use domain::validate::format_date;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/units/{key}/reports", get(unit_reports).post(create_report))
        .route("/units/{key}/reports/distribution", post(distribute))
        .route("/reports/{id}", get(report_page))
        .route("/reports/{id}/sections/{section}", post(save_text))
        .route("/reports/{id}/details", post(save_details))
        .route("/reports/{id}/steps", post(take_step))
        .route("/reports/{id}/copy", post(copy_report))
        .route("/reports/{id}/reporters", post(save_reporters))
        .route("/reports/{id}/document", get(report_document))
}

#[derive(Template)]
#[template(path = "reports.html")]
struct ReportsPage {
    layout: Layout,
    unit_key: String,
    unit_name: String,
    reports: Vec<ReportLine>,
    may_create: bool,
    templates: Vec<Choice>,
    year: String,
    create_error: Option<String>,
    /// The reports of the units below, with their progress.
    below: Vec<BelowLine>,
    /// The units a report can be sent out to (empty: no form).
    units_below: Vec<UnitChoice>,
    distribution: DistributionForm,
}

struct BelowLine {
    id: String,
    unit: String,
    title: String,
    state: String,
    progress: String,
    deadline: String,
}

struct UnitChoice {
    key: String,
    name: String,
    /// 1 = directly below; drawn as indentation.
    depth: usize,
    checked: bool,
}

/// The distribution form as sent, and what became of it.
#[derive(Default)]
struct DistributionForm {
    template: String,
    year: String,
    period: String,
    deadline: String,
    /// Keys of the units ticked; None = the form was not sent (all ticked).
    units: Option<Vec<String>>,
    error: Option<String>,
    done: Option<String>,
}

struct ReportLine {
    id: String,
    title: String,
    period: String,
    state: String,
}

fn state_label(lang: Lang, state: domain::report::ReportState) -> String {
    lang.t(&format!("report-state-{}", state.as_str()))
}

async fn unit_reports(State(state): State<AppState>, ctx: PageCtx, Path(key): Path<String>) -> Response {
    render_unit_reports(&state, &ctx, &key, None, None).await
}

async fn render_unit_reports(state: &AppState, ctx: &PageCtx, key: &str, year: Option<String>, create_error: Option<String>) -> Response {
    let status = if create_error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    draw_unit_reports(state, ctx, key, year, create_error, DistributionForm::default(), status).await
}

async fn draw_unit_reports(
    state: &AppState,
    ctx: &PageCtx,
    key: &str,
    year: Option<String>,
    create_error: Option<String>,
    distribution: DistributionForm,
    status: StatusCode,
) -> Response {
    let lang = ctx.lang;
    let (unit, reports) = match state.app.reports_of_unit(&ctx.actor, key).await {
        Ok(found) => found,
        Err(e) => return error_page_for(e, lang),
    };
    let templates = match state.app.report_templates(&ctx.actor).await {
        Ok(t) => t,
        Err(e) => return error_page_for(e, lang),
    };
    let may_create = state.app.may_create_report(&ctx.actor, &unit.key).await;
    let below = match state.app.reports_below(&ctx.actor, &unit.key).await {
        Ok(found) => found,
        Err(e) => return error_page_for(e, lang),
    };
    let units_below = match state.app.units_below(&ctx.actor, &unit.key).await {
        Ok(found) => found,
        Err(e) => return error_page_for(e, lang),
    };
    let page = ReportsPage {
        layout: Layout::new(ctx, "org", lang.t_args("reports-title", &[("name", unit.name.clone())])),
        unit_key: unit.key.clone(),
        unit_name: unit.name.clone(),
        reports: reports
            .iter()
            .map(|r| ReportLine { id: r.id.to_string(), title: r.title.clone(), period: r.period.clone(), state: state_label(lang, r.state) })
            .collect(),
        may_create,
        templates: templates
            .iter()
            .map(|t| Choice { value: t.template.key.clone(), label: if lang == Lang::En { t.template.name_en.clone() } else { t.template.name_sv.clone() } })
            .collect(),
        year: year.unwrap_or_else(|| (state.app.today().year() + 1).to_string()),
        create_error: create_error.clone(),
        below: below
            .iter()
            .map(|b| BelowLine {
                id: b.report.id.to_string(),
                unit: b.unit.name.clone(),
                title: b.report.title.clone(),
                state: state_label(lang, b.report.state),
                progress: lang.t_args("reports-progress", &[("ready", b.ready.to_string()), ("sections", b.sections.to_string())]),
                deadline: b.report.deadline.map(format_date).unwrap_or_default(),
            })
            .collect(),
        units_below: units_below
            .iter()
            .map(|u| UnitChoice {
                checked: distribution.units.as_ref().is_none_or(|keys| keys.contains(&u.unit.key)),
                key: u.unit.key.clone(),
                name: u.unit.name.clone(),
                depth: u.depth.min(8),
            })
            .collect(),
        distribution,
    };
    render(&page, status)
}

/// Sends a template out to the ticked units below.
async fn distribute(State(state): State<AppState>, ctx: PageCtx, Path(key): Path<String>, axum::Form(fields): axum::Form<Vec<(String, String)>>) -> Response {
    let field = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim().to_owned()).unwrap_or_default();
    if let Err(r) = ctx.verify_csrf(&field("csrf")) {
        return r;
    }
    let lang = ctx.lang;
    let units: Vec<String> = fields.iter().filter(|(k, _)| k == "units").map(|(_, v)| v.clone()).collect();
    let mut form = DistributionForm {
        template: field("template"),
        year: field("year"),
        period: field("period"),
        deadline: field("deadline"),
        units: Some(units.clone()),
        ..Default::default()
    };
    let parsed = match (form.year.parse::<i32>(), domain::validate::date("deadline", &form.deadline)) {
        (Err(_), _) => Err(AppError::Validation(vec![domain::ValidationError::new("year", domain::validate::ValidationCode::NotANumber)])),
        (_, Err(e)) => Err(AppError::Validation(vec![e])),
        (Ok(year), Ok(deadline)) => Ok((year, deadline)),
    };
    let result = match parsed {
        Ok((year, deadline)) => {
            let distribution = app::report_units::Distribution {
                template: form.template.clone(),
                year,
                period: Some(form.period.clone()).filter(|p| !p.is_empty()),
                deadline,
                units,
            };
            state.app.distribute_report(&ctx.actor, distribution).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(done) => {
            let mut parts = vec![lang.t_args("reports-distributed-created", &[("n", done.created.len().to_string())])];
            if !done.activated.is_empty() {
                parts.push(lang.t_args("reports-distributed-activated", &[("n", done.activated.len().to_string())]));
            }
            if !done.untouched.is_empty() {
                parts.push(lang.t_args("reports-distributed-untouched", &[("n", done.untouched.len().to_string()), ("units", done.untouched.join(", "))]));
            }
            if !done.not_open.is_empty() {
                parts.push(lang.t_args("reports-distributed-not-open", &[("n", done.not_open.len().to_string()), ("units", done.not_open.join(", "))]));
            }
            form.done = Some(parts.join(" "));
            form.units = None;
            draw_unit_reports(&state, &ctx, &key, None, None, form, StatusCode::OK).await
        }
        Err(AppError::Validation(problems)) => {
            form.error = Some(problems_text(&problems, lang));
            draw_unit_reports(&state, &ctx, &key, None, None, form, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => error_page_for(e, lang),
    }
}

#[derive(Deserialize)]
struct CreatePost {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    template: String,
    #[serde(default)]
    year: String,
    /// An interim report's period ("2020-T1"); empty for a plan or annual report.
    #[serde(default)]
    period: String,
}

async fn create_report(State(state): State<AppState>, ctx: PageCtx, Path(key): Path<String>, axum::Form(f): axum::Form<CreatePost>) -> Response {
    if let Err(r) = ctx.verify_csrf(&f.csrf) {
        return r;
    }
    let lang = ctx.lang;
    let Ok(year) = f.year.trim().parse::<i32>() else {
        let message = crate::error::field_message(&domain::ValidationError::new("year", domain::validate::ValidationCode::NotANumber), lang);
        return render_unit_reports(&state, &ctx, &key, Some(f.year), Some(message)).await;
    };
    let input = NewReport { template: f.template, unit: key.clone(), year, period: Some(f.period.clone()).filter(|p| !p.trim().is_empty()), title: None };
    match state.app.create_report(&ctx.actor, input).await {
        Ok(view) => Redirect::to(&format!("/reports/{}", view.report.id)).into_response(),
        Err(AppError::Validation(problems)) => {
            let message = problems_text(&problems, lang);
            render_unit_reports(&state, &ctx, &key, Some(f.year), Some(message)).await
        }
        Err(AppError::Conflict(app::ConflictKind::Duplicate { .. })) => {
            render_unit_reports(&state, &ctx, &key, Some(f.year), Some(lang.t("reports-exists"))).await
        }
        Err(e) => error_page_for(e, lang),
    }
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    layout: Layout,
    id: String,
    unit_key: String,
    unit_name: String,
    summary: String,
    failure: Option<String>,
    failure_heading: String,
    details: Option<DetailsForm>,
    may_write: bool,
    /// Offer "copy to the next period".
    may_copy: bool,
    sections: Vec<SectionView>,
    version: i64,
    deadline: Option<String>,
    /// Who writes the report, by name.
    reporters: Vec<String>,
    /// The reporters form (for who may edit the report): the addresses, one per line.
    reporters_form: Option<String>,
    returned_comment: Option<String>,
    steps: Vec<StepButton>,
    /// Today, as the deadline field's suggestion.
    today: String,
}

/// A step the viewer may take, as a form.
struct StepButton {
    step: &'static str,
    label: String,
    /// Activate asks for a deadline, send back for a comment.
    needs_deadline: bool,
    needs_comment: bool,
}

struct DetailsForm {
    open: bool,
    version: i64,
    title: String,
    decided_by: String,
    decision_date: String,
    paragraph: String,
    case_number: String,
    place: String,
    signing_date: String,
    /// (party, signer); one empty pair more than stored, to add a party.
    parties: Vec<(String, String)>,
    /// `unit` or `writers`.
    readable_by: String,
    errors: FieldErrors,
}

struct SectionView {
    key: String,
    number: String,
    level: u8,
    heading: String,
    instruction: Option<String>,
    takes_text: bool,
    text: String,
    ready: bool,
    version: i64,
    rows: usize,
    live: Vec<LiveBlock>,
    /// A section the unit added (it may remove it).
    own: bool,
    /// The template lets the unit add sections under this one.
    may_add_own: bool,
}

struct LiveBlock {
    /// A heading inside the part (a unit's name in a compiled report).
    subheading: Option<String>,
    paragraph: Option<String>,
    bullets: Vec<String>,
    table: Option<LiveTable>,
    figure: Option<LiveFigure>,
}

/// A chart as the document prints it: our own SVG (its text escaped), its caption and its
/// alternative text.
struct LiveFigure {
    svg: String,
    caption: String,
    alt: String,
}

struct LiveTable {
    label: String,
    /// (header, whether the column holds numbers: its header aligns with them).
    headers: Vec<(String, bool)>,
    rows: Vec<LiveRow>,
}

struct LiveRow {
    group: Option<String>,
    total: bool,
    cells: Vec<LiveCell>,
}

struct LiveCell {
    text: String,
    numeric: bool,
}

fn live_block(block: Block, heading: &str, lang: Lang) -> Option<LiveBlock> {
    let none = LiveBlock { subheading: None, paragraph: None, bullets: Vec::new(), table: None, figure: None };
    Some(match block {
        Block::Heading { text, .. } => LiveBlock { subheading: Some(text), ..none },
        Block::Paragraph { text } => LiveBlock { paragraph: Some(text), ..none },
        Block::Bullets { items } => LiveBlock { bullets: items, ..none },
        Block::Chart(chart) => LiveBlock { figure: Some(LiveFigure { svg: chart.svg(), caption: chart.caption, alt: chart.alt }), ..none },
        Block::Signatures { parties } => {
            LiveBlock { bullets: parties.into_iter().map(|p| format!("{} – {} {}", p.place_and_date, p.party, p.name).trim().to_owned()).collect(), ..none }
        }
        Block::Table(table) => {
            let width = table.columns.len();
            let rows: Vec<LiveRow> = table
                .rows
                .into_iter()
                .map(|row| match row {
                    Row::Group { text } => LiveRow { group: Some(text), total: false, cells: Vec::new() },
                    Row::Body { mut cells } => {
                        cells.resize(width, Default::default());
                        LiveRow { group: None, total: false, cells: cells.iter().map(|c| LiveCell { text: c.display(lang.code()), numeric: c.is_numeric() }).collect() }
                    }
                    Row::Total { mut cells } => {
                        cells.resize(width, Default::default());
                        LiveRow { group: None, total: true, cells: cells.iter().map(|c| LiveCell { text: c.display(lang.code()), numeric: c.is_numeric() }).collect() }
                    }
                })
                .collect();
            let label = table.caption.unwrap_or_else(|| heading.to_owned());
            let rows: Vec<LiveRow> = rows;
            let numeric = |i: usize| rows.iter().any(|r| r.cells.get(i).is_some_and(|c| c.numeric));
            let headers = table.columns.into_iter().enumerate().map(|(i, c)| (c.header, numeric(i))).collect();
            LiveBlock { table: Some(LiveTable { label, headers, rows }), ..none }
        }
    })
}

fn details_form(view: &ReportView) -> DetailsForm {
    let r = &view.report;
    let mut parties: Vec<(String, String)> = r.signing.parties.iter().map(|p| (p.party.clone(), p.name.clone())).collect();
    parties.push((String::new(), String::new()));
    DetailsForm {
        open: false,
        version: r.version,
        title: r.title.clone(),
        decided_by: r.decision.decided_by.clone().unwrap_or_default(),
        decision_date: r.decision.date.map(format_date).unwrap_or_default(),
        paragraph: r.decision.paragraph.clone().unwrap_or_default(),
        case_number: r.decision.case_number.clone().unwrap_or_default(),
        place: r.signing.place.clone().unwrap_or_default(),
        signing_date: r.signing.date.map(format_date).unwrap_or_default(),
        parties,
        readable_by: r.readability.as_str().to_owned(),
        errors: FieldErrors::default(),
    }
}

/// What the page shows when it is drawn again after a refused save: the words typed stay.
#[derive(Default)]
pub(super) struct Retry {
    failure: Option<String>,
    /// The heading over the failure (default: the form has errors).
    failure_heading: Option<String>,
    details: Option<DetailsForm>,
    text: Option<(String, String)>,
    /// The reporters' addresses as typed, one per line.
    reporters: Option<String>,
}

impl Retry {
    /// The page with a refusal over it, under its own heading.
    pub(super) fn refused(failure: String, heading: String) -> Retry {
        Retry { failure: Some(failure), failure_heading: Some(heading), ..Default::default() }
    }
}

async fn report_page(State(state): State<AppState>, ctx: PageCtx, Path(id): Path<String>) -> Response {
    draw_report(&state, &ctx, &id, Retry::default(), StatusCode::OK).await
}

pub(super) async fn draw_report(state: &AppState, ctx: &PageCtx, id: &str, retry: Retry, status: StatusCode) -> Response {
    let lang = ctx.lang;
    let view = match state.app.report(&ctx.actor, id).await {
        Ok(v) => v,
        Err(e) => return error_page_for(e, lang),
    };
    let data = match state.app.document_data(&ctx.actor, &view.unit.key, view.report.year, Some(&view.report.period), &view.template.template.key).await {
        Ok(d) => d,
        Err(e) => return error_page_for(e, lang),
    };
    let mut layout = Layout::new(ctx, "org", view.report.title.clone());
    layout.notice = None;
    let sections = sections(&view, &data, retry.text.as_ref(), lang);
    let template_name = if lang == Lang::En { &view.template.template.name_en } else { &view.template.template.name_sv };
    let summary = lang.t_args(
        "report-summary",
        &[("name", template_name.clone()), ("unit", view.unit.name.clone()), ("value", view.report.period.clone()), ("kind", state_label(lang, view.report.state))],
    );
    let details = if view.may_edit { Some(retry.details.unwrap_or_else(|| details_form(&view))) } else { None };
    let page = ReportPage {
        layout,
        id: view.report.id.to_string(),
        unit_key: view.unit.key.clone(),
        unit_name: view.unit.name.clone(),
        summary,
        failure: retry.failure,
        failure_heading: retry.failure_heading.unwrap_or_else(|| lang.t("form-has-errors")),
        details,
        may_write: view.may_write,
        may_copy: view.may_copy,
        sections,
        version: view.report.version,
        deadline: view.report.deadline.map(format_date),
        reporters: view.reporters.iter().map(|u| u.name.clone()).collect(),
        reporters_form: view.may_edit.then(|| retry.reporters.unwrap_or_else(|| view.reporters.iter().map(|u| u.email.clone()).collect::<Vec<_>>().join("\n"))),
        returned_comment: view.report.returned_comment.clone(),
        steps: view
            .steps
            .iter()
            .map(|s| StepButton {
                step: s.as_str(),
                label: lang.t(&format!("report-step-{}", s.as_str().replace('_', "-"))),
                needs_deadline: *s == ReportStep::Activate,
                needs_comment: *s == ReportStep::SendBack,
            })
            .collect(),
        today: format_date(state.app.today()),
    };
    render(&page, status)
}

fn sections(view: &ReportView, data: &DocumentData, typed: Option<&(String, String)>, lang: Lang) -> Vec<SectionView> {
    view.template
        .template
        .sections
        .iter()
        .zip(&view.numbers)
        .enumerate()
        .map(|(index, (s, number))| {
            let stored = view.texts.get(&s.key);
            let text = match typed {
                Some((key, text)) if *key == s.key => text.clone(),
                _ => stored.map(|t| t.body.clone()).unwrap_or_default(),
            };
            let heading = if lang == Lang::En { s.heading_en.clone() } else { s.heading_sv.clone() };
            let instruction = if lang == Lang::En { s.instruction_en.clone() } else { s.instruction_sv.clone() };
            let live = live_blocks(data, index, lang).into_iter().filter_map(|b| live_block(b, &format!("{number} {heading}"), lang)).collect();
            SectionView {
                key: s.key.clone(),
                number: number.clone(),
                level: s.level,
                // About as many rows as the text needs at the box's width, within reason.
                rows: (text.lines().map(|l| l.chars().count() / 85 + 1).sum::<usize>() + 1).clamp(4, 20),
                heading,
                instruction,
                takes_text: s.text,
                text,
                ready: stored.is_some_and(|t| t.ready),
                version: stored.map_or(0, |t| t.version),
                live,
                own: view.report.own_sections.iter().any(|o| o.key == s.key),
                may_add_own: s.units_may_add,
            }
        })
        .collect()
}

#[derive(Deserialize)]
struct TextPost {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    text: String,
    /// The checkbox "Klart för godkännande": present when ticked.
    ready: Option<String>,
}

async fn save_text(State(state): State<AppState>, ctx: PageCtx, Path((id, section)): Path<(String, String)>, axum::Form(f): axum::Form<TextPost>) -> Response {
    if let Err(r) = ctx.verify_csrf(&f.csrf) {
        return r;
    }
    let lang = ctx.lang;
    let version = f.version.trim().parse::<i64>().unwrap_or(0);
    match state.app.save_report_text(&ctx.actor, &id, &section, &f.text, f.ready.is_some(), version).await {
        Ok(_) => Redirect::to(&format!("/reports/{}#h-{}", urlencode(&id), urlencode(&section))).into_response(),
        Err(e) => {
            let failure = match e {
                AppError::Conflict(app::ConflictKind::Stale) => lang.t("report-text-stale"),
                AppError::Validation(problems) => problems_text(&problems, lang),
                other => return error_page_for(other, lang),
            };
            let retry = Retry { failure: Some(failure), failure_heading: Some(lang.t("report-text-not-saved")), text: Some((section, f.text)), ..Default::default() };
            draw_report(&state, &ctx, &id, retry, StatusCode::CONFLICT).await
        }
    }
}

/// The details form: repeated `party` and `signer` fields pair up in order.
async fn save_details(State(state): State<AppState>, ctx: PageCtx, Path(id): Path<String>, axum::Form(fields): axum::Form<Vec<(String, String)>>) -> Response {
    let field = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim().to_owned()).unwrap_or_default();
    if let Err(r) = ctx.verify_csrf(&field("csrf")) {
        return r;
    }
    let lang = ctx.lang;
    let all = |name: &str| fields.iter().filter(|(k, _)| k == name).map(|(_, v)| v.trim().to_owned()).collect::<Vec<_>>();
    let parties: Vec<(String, String)> =
        all("party").into_iter().zip(all("signer").into_iter().chain(std::iter::repeat(String::new()))).filter(|(p, s)| !p.is_empty() || !s.is_empty()).collect();
    let optional = |text: String| if text.is_empty() { None } else { Some(text) };
    let mut problems = Vec::new();
    let mut date = |name: &str, path: &str| match field(name).as_str() {
        "" => None,
        text => domain::validate::date(path, text).map_err(|e| problems.push(e)).ok(),
    };
    let decision_date = date("decision_date", "decision.date");
    let signing_date = date("signing_date", "signing.date");
    let form = DetailsForm {
        open: true,
        version: field("version").parse().unwrap_or(0),
        title: field("title"),
        decided_by: field("decided_by"),
        decision_date: field("decision_date"),
        paragraph: field("paragraph"),
        case_number: field("case_number"),
        place: field("place"),
        signing_date: field("signing_date"),
        parties: parties.iter().cloned().chain(std::iter::once((String::new(), String::new()))).collect(),
        readable_by: field("readable_by"),
        errors: FieldErrors::default(),
    };
    let result = if problems.is_empty() {
        let details = ReportDetails {
            title: form.title.clone(),
            decision: DecisionReference {
                decided_by: optional(form.decided_by.clone()),
                date: decision_date,
                paragraph: optional(form.paragraph.clone()),
                case_number: optional(form.case_number.clone()),
            },
            signing: Signing { place: optional(form.place.clone()), date: signing_date, parties: parties.iter().map(|(p, s)| SigningParty { party: p.clone(), name: s.clone() }).collect() },
            readability: domain::report::Readability::parse(&form.readable_by),
            version: form.version,
        };
        state.app.save_report_details(&ctx.actor, &id, details).await.map(|_| ())
    } else {
        Err(AppError::Validation(problems))
    };
    match result {
        Ok(()) => Redirect::to(&format!("/reports/{}", urlencode(&id))).into_response(),
        Err(AppError::Validation(problems)) => {
            let errors = FieldErrors::from_validation(&problems, lang);
            let failure = problems_text(&problems, lang);
            let retry = Retry { failure: Some(failure), details: Some(DetailsForm { errors, ..form }), ..Default::default() };
            draw_report(&state, &ctx, &id, retry, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(AppError::Conflict(app::ConflictKind::Stale)) => {
            let retry = Retry { failure: Some(lang.t("report-details-stale")), ..Default::default() };
            draw_report(&state, &ctx, &id, retry, StatusCode::CONFLICT).await
        }
        Err(e) => error_page_for(e, lang),
    }
}

#[derive(Deserialize)]
struct StepPost {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    step: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    deadline: String,
    #[serde(default)]
    comment: String,
}

async fn take_step(State(state): State<AppState>, ctx: PageCtx, Path(id): Path<String>, axum::Form(f): axum::Form<StepPost>) -> Response {
    if let Err(r) = ctx.verify_csrf(&f.csrf) {
        return r;
    }
    let lang = ctx.lang;
    let Some(step) = ReportStep::parse(f.step.trim()) else {
        return error_page(lang, StatusCode::BAD_REQUEST, &lang.t("report-unknown-step"));
    };
    let result = match f.deadline.trim() {
        "" => Ok(None),
        text => domain::validate::date("deadline", text).map(Some),
    };
    let result = match result {
        Ok(deadline) => {
            let comment = Some(f.comment.clone()).filter(|c| !c.trim().is_empty());
            let input = app::reports::StepInput { deadline, comment, version: f.version.trim().parse().unwrap_or(0) };
            state.app.report_step(&ctx.actor, &id, step, input, &crate::documents::freeze).await.map(|_| ())
        }
        Err(e) => Err(AppError::Validation(vec![e])),
    };
    match result {
        Ok(()) => Redirect::to(&format!("/reports/{}", urlencode(&id))).into_response(),
        Err(e @ (AppError::Validation(_) | AppError::Conflict(_))) => {
            let message = refusal(e, lang);
            let retry = Retry { failure: Some(message), failure_heading: Some(lang.t("report-step-refused")), ..Default::default() };
            draw_report(&state, &ctx, &id, retry, StatusCode::CONFLICT).await
        }
        Err(e) => error_page_for(e, lang),
    }
}

#[derive(Deserialize)]
struct ReportersPost {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reporters: String,
    #[serde(default)]
    version: String,
}

/// Chooses the reporters: one e-mail address per line.
async fn save_reporters(State(state): State<AppState>, ctx: PageCtx, Path(id): Path<String>, axum::Form(f): axum::Form<ReportersPost>) -> Response {
    if let Err(r) = ctx.verify_csrf(&f.csrf) {
        return r;
    }
    let lang = ctx.lang;
    let emails: Vec<String> = f.reporters.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect();
    match state.app.set_report_reporters(&ctx.actor, &id, &emails, f.version.trim().parse().unwrap_or(0)).await {
        Ok(_) => Redirect::to(&format!("/reports/{}", urlencode(&id))).into_response(),
        Err(e @ (AppError::Validation(_) | AppError::Conflict(_))) => {
            let message = refusal(e, lang);
            let retry = Retry { failure: Some(message), failure_heading: Some(lang.t("report-reporters-refused")), reporters: Some(f.reporters), ..Default::default() };
            draw_report(&state, &ctx, &id, retry, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => error_page_for(e, lang),
    }
}

#[derive(Deserialize)]
struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

/// Makes the next period's report from this one and opens it.
async fn copy_report(State(state): State<AppState>, ctx: PageCtx, Path(id): Path<String>, axum::Form(f): axum::Form<CsrfOnly>) -> Response {
    if let Err(r) = ctx.verify_csrf(&f.csrf) {
        return r;
    }
    let lang = ctx.lang;
    match state.app.copy_report_to_next_period(&ctx.actor, &id).await {
        Ok(copy) => Redirect::to(&format!("/reports/{}", copy.report.id)).into_response(),
        Err(e @ (AppError::Validation(_) | AppError::Conflict(_))) => {
            let retry = Retry {
                failure: Some(refusal(e, lang)),
                failure_heading: Some(lang.t("report-copy-refused")),
                ..Default::default()
            };
            draw_report(&state, &ctx, &id, retry, StatusCode::CONFLICT).await
        }
        Err(e) => error_page_for(e, lang),
    }
}

#[derive(Deserialize)]
struct FormatQuery {
    #[serde(default)]
    format: String,
}

async fn report_document(State(state): State<AppState>, ctx: PageCtx, Path(id): Path<String>, Query(q): Query<FormatQuery>) -> Response {
    let lang = ctx.lang;
    let Some(format) = Format::parse(&q.format) else {
        return error_page(lang, StatusCode::BAD_REQUEST, &lang.t("report-unknown-format"));
    };
    let view = match state.app.report(&ctx.actor, &id).await {
        Ok(v) => v,
        Err(e) => return error_page_for(e, lang),
    };
    match crate::documents::export(&state.app, &ctx.actor, &view.unit.key, view.report.year, Some(&view.report.period), &view.template.template.key, format, lang).await {
        Ok(file) => crate::api::file_response(file),
        Err(ExportError::App(e)) => error_page_for(e, lang),
        Err(e) => {
            tracing::error!(error = %e, "document export");
            error_page(lang, StatusCode::INTERNAL_SERVER_ERROR, &lang.t("error-internal"))
        }
    }
}

/// Every field's problem, in the reader's language, as one line.
fn problems_text(problems: &[domain::ValidationError], lang: Lang) -> String {
    problems.iter().map(|p| crate::error::field_message(p, lang)).collect::<Vec<_>>().join(" ")
}

/// What a refused change says over the report page: the fields' problems, or the conflict.
pub(super) fn refusal(e: AppError, lang: Lang) -> String {
    match e {
        AppError::Validation(problems) => problems_text(&problems, lang),
        other => crate::error::ApiError::from_app(other, lang).body.message,
    }
}
