//! Reports: `/api/v1/reports` (a unit's reports made from templates, their section texts and
//! details), and documents as DOCX, PDF or XLSX; templates are in `report_templates`.

use super::extract::{ApiJson, ApiPath, ApiQuery};
use super::{ApiErrors, PageOf};
use crate::AppState;
use crate::auth::ApiCtx;
use crate::documents::{ExportError, Format};
use crate::error::{ApiError, ApiResultExt};
use crate::i18n::Lang;
use app::AppError;
use app::reports::{NewReport, ReportDetails, ReportView};
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::report::{DecisionReference, Signing, SigningParty};
use domain::validate::{ValidationCode, ValidationError};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_reports, create_report))
        .routes(routes!(get_report, put_report))
        .routes(routes!(put_section))
        .routes(routes!(post_step))
        .routes(routes!(post_copy))
        .routes(routes!(post_distribution))
        .routes(routes!(put_reporters))
        .routes(routes!(report_document))
        .routes(routes!(template_document))
}

/// One section of a report: where it stands in the document, what reporters are told, and what
/// was written.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ReportSectionJson {
    pub key: String,
    /// "5.1.1"
    pub number: String,
    pub level: u8,
    pub heading: String,
    /// Instructions for reporters (never printed).
    pub instruction: Option<String>,
    /// Whether the unit writes text here.
    pub takes_text: bool,
    pub text: String,
    /// The reporter marked the section ready for approval.
    pub ready: bool,
    /// Send back with the next text (0 before anything was written).
    pub text_version: i64,
    /// The live parts printed after the text (`goals_and_assignments`, `budget_detail` …).
    pub parts: Vec<String>,
    /// A section the unit added (`/own-sections`).
    pub own: bool,
    /// The unit may add sections of its own under this one.
    pub units_may_add: bool,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct ReportDecisionJson {
    /// "RS", "Regionfullmäktige" …
    #[schema(max_length = 200, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub decided_by: Option<String>,
    /// `YYYY-MM-DD`
    #[schema(format = Date)]
    pub date: Option<String>,
    /// "§ 123"
    #[schema(max_length = 200, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub paragraph: Option<String>,
    /// Diarienummer
    #[schema(max_length = 200, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub case_number: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct SigningPartyJson {
    #[schema(max_length = 200, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub party: String,
    #[serde(default)]
    #[schema(max_length = 200, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub name: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct ReportSigningJson {
    #[schema(max_length = 200, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub place: Option<String>,
    #[schema(format = Date)]
    pub date: Option<String>,
    /// At most six.
    #[serde(default)]
    #[schema(max_items = 6)]
    pub parties: Vec<SigningPartyJson>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ReportJson {
    pub id: String,
    pub title: String,
    /// The template's key.
    pub template: String,
    /// The unit's key.
    pub unit: String,
    pub year: i32,
    pub period: String,
    /// `draft`, `active`, `approved`, `completed` or `archived`
    pub state: String,
    /// When the texts are due (`YYYY-MM-DD`), set on activation.
    #[schema(format = Date)]
    pub deadline: Option<String>,
    /// Why the manager sent the report back, until it is approved.
    pub returned_comment: Option<String>,
    /// Who may read it before it is completed: `unit` or `writers`.
    pub readable_by: String,
    /// The steps the caller may take now: `activate`, `approve`, `send_back`, `complete`,
    /// `archive`, `reopen`.
    pub steps: Vec<String>,
    /// Who writes the report (e-mail addresses), chosen when it is activated: the unit's
    /// manager and the people with the user or manager role on the unit itself.
    pub reporters: Vec<String>,
    pub version: i64,
    pub decision: ReportDecisionJson,
    pub signing: ReportSigningJson,
    pub sections: Vec<ReportSectionJson>,
}

pub(super) fn report_json(view: &ReportView, lang: Lang) -> ReportJson {
    let r = &view.report;
    let sections = view
        .template
        .template
        .sections
        .iter()
        .zip(&view.numbers)
        .map(|(s, number)| {
            let text = view.texts.get(&s.key);
            let (heading, instruction) =
                if lang == Lang::En { (&s.heading_en, &s.instruction_en) } else { (&s.heading_sv, &s.instruction_sv) };
            ReportSectionJson {
                key: s.key.clone(),
                number: number.clone(),
                level: s.level,
                heading: heading.clone(),
                instruction: instruction.clone(),
                takes_text: s.text,
                text: text.map(|t| t.body.clone()).unwrap_or_default(),
                ready: text.is_some_and(|t| t.ready),
                text_version: text.map_or(0, |t| t.version),
                parts: s.parts.iter().map(|p| p.type_name().to_owned()).collect(),
                own: r.own_sections.iter().any(|o| o.key == s.key),
                units_may_add: s.units_may_add,
            }
        })
        .collect();
    ReportJson {
        id: r.id.to_string(),
        title: r.title.clone(),
        template: view.template.template.key.clone(),
        unit: view.unit.key.clone(),
        reporters: view.reporters.iter().map(|u| u.email.clone()).collect(),
        readable_by: r.readability.as_str().to_owned(),
        year: r.year,
        period: r.period.clone(),
        state: r.state.as_str().to_owned(),
        deadline: r.deadline.map(domain::validate::format_date),
        returned_comment: r.returned_comment.clone(),
        steps: view.steps.iter().map(|s| s.as_str().to_owned()).collect(),
        version: r.version,
        decision: ReportDecisionJson {
            decided_by: r.decision.decided_by.clone(),
            date: r.decision.date.map(domain::validate::format_date),
            paragraph: r.decision.paragraph.clone(),
            case_number: r.decision.case_number.clone(),
        },
        signing: ReportSigningJson {
            place: r.signing.place.clone(),
            date: r.signing.date.map(domain::validate::format_date),
            parties: r.signing.parties.iter().map(|p| SigningPartyJson { party: p.party.clone(), name: p.name.clone() }).collect(),
        },
        sections,
    }
}


#[derive(Clone, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportListQuery {
    /// The unit's key (or id).
    #[param(min_length = 1, max_length = 100, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub unit: String,
    /// How many items (default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(format = Uuid)]
    pub cursor: Option<String>,
}

/// A unit's reports, in the order they were made.
#[utoipa::path(get, path = "/api/v1/reports", tag = "reports", params(ReportListQuery),
    responses((status = 200, body = PageOf<ReportJson>), ApiErrors))]
async fn list_reports(State(state): State<AppState>, ctx: ApiCtx, ApiQuery(q): ApiQuery<ReportListQuery>) -> Result<Json<PageOf<ReportJson>>, ApiError> {
    let limit = super::page_limit(q.limit, q.cursor.as_deref(), super::CursorKind::Id).api(ctx.lang)?;
    let (_, mut reports) = state.app.reports_of_unit(&ctx.actor, &q.unit).await.api(ctx.lang)?;
    // Ids are time-ordered: creation order, and a stable cursor.
    reports.sort_by_key(|r| r.id);
    let after = q.cursor.as_deref().and_then(|c| c.parse::<domain::ReportId>().ok());
    let mut page: Vec<_> = reports.into_iter().filter(|r| after.is_none_or(|a| r.id > a)).take(limit as usize + 1).collect();
    let next_cursor = if page.len() > limit as usize {
        page.truncate(limit as usize);
        page.last().map(|r| r.id.to_string())
    } else {
        None
    };
    let mut items = Vec::with_capacity(page.len());
    for r in page {
        let view = state.app.report(&ctx.actor, &r.id.to_string()).await.api(ctx.lang)?;
        items.push(report_json(&view, ctx.lang));
    }
    Ok(Json(PageOf { items, next_cursor }))
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReportJson {
    /// The template's key (`forvaltningsplan`).
    #[schema(min_length = 1, max_length = 100, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub template: String,
    /// The unit's key.
    #[schema(min_length = 1, max_length = 100, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub unit: String,
    #[schema(minimum = 1900, maximum = 2200)]
    pub year: i32,
    /// The period reported on: default the year (plans, annual reports); an interim report
    /// names its tertial or half-year ("2020-T1"), a monthly report its month.
    #[schema(max_length = 10, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub period: Option<String>,
    /// Default: the template's name and the year ("Förvaltningsplan 2020").
    #[schema(max_length = 200, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub title: Option<String>,
}

/// Makes a unit's report from a template for a year (one per template, unit and year). Needs
/// the right to edit the unit's plan.
#[utoipa::path(post, path = "/api/v1/reports", tag = "reports", request_body = NewReportJson,
    responses((status = 201, body = ReportJson), ApiErrors))]
async fn create_report(State(state): State<AppState>, ctx: ApiCtx, ApiJson(body): ApiJson<NewReportJson>) -> Result<Response, ApiError> {
    let input = NewReport { template: body.template, unit: body.unit, year: body.year, period: body.period, title: body.title };
    let view = state.app.create_report(&ctx.actor, input).await.api(ctx.lang)?;
    Ok((StatusCode::CREATED, Json(report_json(&view, ctx.lang))).into_response())
}

/// A report with its sections and what was written in them.
#[utoipa::path(get, path = "/api/v1/reports/{id}", tag = "reports",
    params(("id" = String, Path, format = "uuid", description = "The report's id")),
    responses((status = 200, body = ReportJson), ApiErrors))]
async fn get_report(State(state): State<AppState>, ctx: ApiCtx, ApiPath(id): ApiPath<uuid::Uuid>) -> Result<Json<ReportJson>, ApiError> {
    let view = state.app.report(&ctx.actor, &id.to_string()).await.api(ctx.lang)?;
    Ok(Json(report_json(&view, ctx.lang)))
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportDetailsJson {
    #[schema(min_length = 1, max_length = 200, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub title: String,
    #[serde(default)]
    pub decision: ReportDecisionJson,
    #[serde(default)]
    pub signing: ReportSigningJson,
    /// Who may read the report before it is completed: `unit` (everyone who may read the unit)
    /// or `writers` (who may write, edit or approve it). Absent: as it is.
    #[schema(pattern = "^(unit|writers)$")]
    pub readable_by: Option<String>,
    /// The report's `version` as read.
    pub version: i64,
}

/// A date the schema declares as `format: date`: absent or null is none, anything else must be a
/// date (an empty string too is refused, as the schema says).
fn optional_date(field: &str, text: Option<&str>) -> Result<Option<time::Date>, ValidationError> {
    text.map(|t| schema_date(field, t)).transpose()
}

/// A `format: date` field: `YYYY-MM-DD` exactly, no spaces around it.
fn schema_date(field: &str, text: &str) -> Result<time::Date, ValidationError> {
    if text.trim() == text { domain::validate::date(field, text) } else { Err(ValidationError::new(field, ValidationCode::InvalidDate)) }
}

fn non_blank(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}

fn details_input(body: ReportDetailsJson) -> Result<ReportDetails, AppError> {
    let mut problems = Vec::new();
    let decision_date = optional_date("decision.date", body.decision.date.as_deref()).map_err(|e| problems.push(e)).ok().flatten();
    let signing_date = optional_date("signing.date", body.signing.date.as_deref()).map_err(|e| problems.push(e)).ok().flatten();
    let readability = match body.readable_by.as_deref() {
        None => None,
        Some(text) => {
            let parsed = domain::report::Readability::parse(text);
            if parsed.is_none() {
                problems.push(ValidationError::new("readable_by", ValidationCode::InvalidChoice));
            }
            parsed
        }
    };
    if !problems.is_empty() {
        return Err(AppError::Validation(problems));
    }
    Ok(ReportDetails {
        title: body.title,
        decision: DecisionReference {
            decided_by: non_blank(body.decision.decided_by),
            date: decision_date,
            paragraph: non_blank(body.decision.paragraph),
            case_number: non_blank(body.decision.case_number),
        },
        signing: Signing {
            place: non_blank(body.signing.place),
            date: signing_date,
            parties: body.signing.parties.into_iter().map(|p| SigningParty { party: p.party.trim().to_owned(), name: p.name.trim().to_owned() }).collect(),
        },
        readability,
        version: body.version,
    })
}

/// Changes a report's title, decision reference (printed under "Intern referens") and signing
/// parties. 409 `conflict_stale` if the report changed since it was read, 409
/// `conflict_report_closed` once it is completed.
#[utoipa::path(put, path = "/api/v1/reports/{id}", tag = "reports",
    params(("id" = String, Path, format = "uuid", description = "The report's id")),
    request_body = ReportDetailsJson,
    responses((status = 200, body = ReportJson), ApiErrors))]
async fn put_report(State(state): State<AppState>, ctx: ApiCtx, ApiPath(id): ApiPath<uuid::Uuid>, ApiJson(body): ApiJson<ReportDetailsJson>) -> Result<Json<ReportJson>, ApiError> {
    let details = details_input(body).api(ctx.lang)?;
    let view = state.app.save_report_details(&ctx.actor, &id.to_string(), details).await.api(ctx.lang)?;
    Ok(Json(report_json(&view, ctx.lang)))
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SectionTextJson {
    /// The text; blank lines separate paragraphs, lines starting with "• " or "- " are a list.
    #[schema(max_length = 40000, pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$")]
    pub text: String,
    /// The section's `text_version` as read (0 if nothing was written).
    #[schema(minimum = 0)]
    pub version: i64,
    /// Mark the section ready for approval (default: not ready).
    #[serde(default)]
    pub ready: bool,
}

/// Writes the text of one section. Needs the right to report for the unit. 409
/// `conflict_stale` if someone saved the section since it was read.
#[utoipa::path(put, path = "/api/v1/reports/{id}/sections/{section}", tag = "reports",
    params(("id" = String, Path, format = "uuid", description = "The report's id"),
           ("section" = String, Path, description = "The section's key")),
    request_body = SectionTextJson,
    responses((status = 200, body = ReportJson), ApiErrors))]
async fn put_section(
    State(state): State<AppState>,
    ctx: ApiCtx,
    ApiPath((id, section)): ApiPath<(uuid::Uuid, String)>,
    ApiJson(body): ApiJson<SectionTextJson>,
) -> Result<Json<ReportJson>, ApiError> {
    if body.version < 0 {
        return Err(AppError::from(ValidationError::new("version", ValidationCode::OutOfRange))).api(ctx.lang);
    }
    let view = state.app.save_report_text(&ctx.actor, &id.to_string(), &section, &body.text, body.ready, body.version).await.api(ctx.lang)?;
    Ok(Json(report_json(&view, ctx.lang)))
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportStepJson {
    /// `activate`, `approve`, `send_back`, `complete`, `archive` or `reopen`.
    #[schema(pattern = "^(activate|approve|send_back|complete|archive|reopen)$")]
    pub step: String,
    /// For `activate`: when the texts are due, `YYYY-MM-DD`.
    #[schema(format = Date)]
    pub deadline: Option<String>,
    /// For `send_back`: what to change.
    #[schema(max_length = 2000, pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$")]
    pub comment: Option<String>,
    /// The report's `version` as read.
    pub version: i64,
}

/// Takes the report one step: `activate` (needs `deadline`; edit plan), `approve` (the unit's
/// manager; every section with text must be ready, else 409 `conflict_sections_not_ready`
/// naming them), `send_back` (needs `comment`), `complete` (freezes the document as it reads
/// now: later exports print it), `archive`, `reopen` (an administrator). 409
/// `conflict_report_step_not_allowed` for a step that does not apply in the report's state.
#[utoipa::path(post, path = "/api/v1/reports/{id}/steps", tag = "reports",
    params(("id" = String, Path, format = "uuid", description = "The report's id")),
    request_body = ReportStepJson,
    responses((status = 200, body = ReportJson), ApiErrors))]
async fn post_step(State(state): State<AppState>, ctx: ApiCtx, ApiPath(id): ApiPath<uuid::Uuid>, ApiJson(body): ApiJson<ReportStepJson>) -> Result<Json<ReportJson>, ApiError> {
    let step = domain::report::ReportStep::parse(&body.step)
        .ok_or_else(|| AppError::from(ValidationError::new("step", ValidationCode::InvalidChoice)))
        .api(ctx.lang)?;
    let deadline = optional_date("deadline", body.deadline.as_deref()).map_err(AppError::from).api(ctx.lang)?;
    let input = app::reports::StepInput { deadline, comment: body.comment, version: body.version };
    let view = state.app.report_step(&ctx.actor, &id.to_string(), step, input, &crate::documents::freeze).await.api(ctx.lang)?;
    Ok(Json(report_json(&view, ctx.lang)))
}

/// Makes the report of the next period (the next tertial, or the next year) from this one: the
/// same template and unit, a draft with these texts (none marked ready) and signing parties, no
/// decision. Needs the right to edit the unit's plan; 409 `conflict_duplicate` if the next
/// period's report exists.
#[utoipa::path(post, path = "/api/v1/reports/{id}/copies", tag = "reports",
    params(("id" = String, Path, format = "uuid", description = "The report to copy")),
    responses((status = 201, body = ReportJson), ApiErrors))]
async fn post_copy(State(state): State<AppState>, ctx: ApiCtx, ApiPath(id): ApiPath<uuid::Uuid>) -> Result<Response, ApiError> {
    let view = state.app.copy_report_to_next_period(&ctx.actor, &id.to_string()).await.api(ctx.lang)?;
    Ok((StatusCode::CREATED, Json(report_json(&view, ctx.lang))).into_response())
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportersJson {
    /// The reporters' e-mail addresses: active users who may report for the unit.
    #[schema(max_items = 100)]
    pub reporters: Vec<ReporterEmailJson>,
    /// The report's `version` as read.
    pub version: i64,
}

/// A reporter's e-mail address.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(transparent)]
#[schema(value_type = String, min_length = 3, max_length = 254, pattern = "^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$")]
pub struct ReporterEmailJson(String);

/// Chooses who writes the report (they get it on their to-do list and in their reminders).
/// Each must be an active user who may report for the unit; problems name `reporters[i]`.
/// Needs the right to edit the unit's plan; 409 `conflict_report_closed` once approved.
#[utoipa::path(put, path = "/api/v1/reports/{id}/reporters", tag = "reports",
    params(("id" = String, Path, format = "uuid", description = "The report's id")),
    request_body = ReportersJson,
    responses((status = 200, body = ReportJson), ApiErrors))]
async fn put_reporters(State(state): State<AppState>, ctx: ApiCtx, ApiPath(id): ApiPath<uuid::Uuid>, ApiJson(body): ApiJson<ReportersJson>) -> Result<Json<ReportJson>, ApiError> {
    let emails: Vec<String> = body.reporters.into_iter().map(|e| e.0).collect();
    let view = state.app.set_report_reporters(&ctx.actor, &id.to_string(), &emails, body.version).await.api(ctx.lang)?;
    Ok(Json(report_json(&view, ctx.lang)))
}

/// A unit's key, as a distribution names it.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(transparent)]
#[schema(value_type = String, min_length = 1, max_length = 100, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
pub struct DistributionUnitJson(String);

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DistributionJson {
    /// The template's key (`delarsrapport`).
    #[schema(min_length = 1, max_length = 100, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub template: String,
    #[schema(minimum = 1900, maximum = 2200)]
    pub year: i32,
    /// A follow-up report's period ("2020-T2"); plans and annual reports are for the year.
    #[schema(max_length = 10, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub period: Option<String>,
    /// When the texts are due, `YYYY-MM-DD`; not before the period starts.
    #[schema(format = Date)]
    pub deadline: String,
    /// The reporting units' keys.
    #[schema(min_items = 1, max_items = 2000)]
    pub units: Vec<DistributionUnitJson>,
}

/// What a distribution did, by unit name.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct DistributedJson {
    /// Units whose report was made and activated.
    pub created: Vec<String>,
    /// Units whose draft was activated.
    pub activated: Vec<String>,
    /// Units whose report was already under way, left as it was.
    pub untouched: Vec<String>,
    /// Units not open during the period: they get no report.
    pub not_open: Vec<String>,
}

/// Sends a template out to reporting units for a period: each unit gets its report, active
/// with the deadline and its own manager and users as reporters; a draft is activated, a report
/// under way is left as it is. Needs the right to edit the plan of every unit; all or nothing.
#[utoipa::path(post, path = "/api/v1/reports/distributions", tag = "reports", request_body = DistributionJson,
    responses((status = 200, body = DistributedJson), ApiErrors))]
async fn post_distribution(State(state): State<AppState>, ctx: ApiCtx, ApiJson(body): ApiJson<DistributionJson>) -> Result<Json<DistributedJson>, ApiError> {
    let deadline = schema_date("deadline", &body.deadline).map_err(AppError::from).api(ctx.lang)?;
    let distribution = app::report_units::Distribution {
        template: body.template,
        year: body.year,
        period: body.period,
        deadline,
        units: body.units.into_iter().map(|u| u.0).collect(),
    };
    let done = state.app.distribute_report(&ctx.actor, distribution).await.api(ctx.lang)?;
    Ok(Json(DistributedJson { created: done.created, activated: done.activated, untouched: done.untouched, not_open: done.not_open }))
}

#[derive(Clone, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DocumentFormatQuery {
    /// `docx`, `pdf` or `xlsx` (every table of the document, one sheet each).
    #[param(pattern = "^(docx|pdf|xlsx)$")]
    pub format: String,
}

/// The report as a document file: its texts, and the plan, budget and decision as they are now.
#[utoipa::path(get, path = "/api/v1/reports/{id}/document", tag = "reports",
    params(("id" = String, Path, format = "uuid", description = "The report's id"), DocumentFormatQuery),
    responses((status = 200, description = "The file", content(
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (Vec<u8> = "application/pdf"),
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))), ApiErrors))]
async fn report_document(State(state): State<AppState>, ctx: ApiCtx, ApiPath(id): ApiPath<uuid::Uuid>, ApiQuery(q): ApiQuery<DocumentFormatQuery>) -> Result<Response, ApiError> {
    let format = parse_format(&q.format).api(ctx.lang)?;
    let view = state.app.report(&ctx.actor, &id.to_string()).await.api(ctx.lang)?;
    download(&state, &ctx, &view.unit.key, view.report.year, Some(&view.report.period), &view.template.template.key, format).await
}

#[derive(Clone, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TemplateDocumentQuery {
    /// The unit's key.
    #[param(min_length = 1, max_length = 100, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub unit: String,
    #[param(minimum = 1900, maximum = 2200)]
    pub year: i32,
    /// `docx`, `pdf` or `xlsx`.
    #[param(pattern = "^(docx|pdf|xlsx)$")]
    pub format: String,
    /// A follow-up report's period within the year ("2020-T1"); plans and annual reports are
    /// for the year.
    #[param(max_length = 10, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub period: Option<String>,
}

/// A document from a template for a unit and year (the same as `styrbord export document`):
/// the unit's report texts for that year if it has a report, and the live parts from the data.
/// 409 `conflict_template_part_broken` if a part names a module or level that does not exist.
#[utoipa::path(get, path = "/api/v1/reports/templates/{key}/document", tag = "reports",
    params(("key" = String, Path, description = "The template's key"), TemplateDocumentQuery),
    responses((status = 200, description = "The file", content(
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (Vec<u8> = "application/pdf"),
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))), ApiErrors))]
async fn template_document(State(state): State<AppState>, ctx: ApiCtx, ApiPath(key): ApiPath<String>, ApiQuery(q): ApiQuery<TemplateDocumentQuery>) -> Result<Response, ApiError> {
    let format = parse_format(&q.format).api(ctx.lang)?;
    download(&state, &ctx, &q.unit, q.year, q.period.as_deref(), &key, format).await
}

fn parse_format(text: &str) -> Result<Format, AppError> {
    Format::parse(text).ok_or_else(|| ValidationError::new("format", ValidationCode::InvalidChoice).into())
}

async fn download(state: &AppState, ctx: &ApiCtx, unit: &str, year: i32, period: Option<&str>, template: &str, format: Format) -> Result<Response, ApiError> {
    match crate::documents::export(&state.app, &ctx.actor, unit, year, period, template, format, ctx.lang).await {
        Ok(file) => Ok(file_response(file)),
        Err(ExportError::App(e)) => Err(ApiError::from_app(e, ctx.lang)),
        Err(e) => {
            tracing::error!(error = %e, "document export");
            Err(ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", ctx.lang.t("error-internal")))
        }
    }
}

/// A file as a download.
pub fn file_response(file: crate::documents::ExportedFile) -> Response {
    let disposition = format!("attachment; filename=\"{}\"", file.file_name);
    ([(header::CONTENT_TYPE, file.content_type.to_owned()), (header::CONTENT_DISPOSITION, disposition)], file.bytes).into_response()
}
