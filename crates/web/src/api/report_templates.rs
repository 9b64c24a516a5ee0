//! Report templates: `/api/v1/reports/templates`. Everyone signed in reads them; module owners
//! make and change them (the same checks as the template pages).

use super::extract::{ApiJson, ApiPath};
use super::ApiErrors;
use crate::{AppState, TEMPLATE_BODY_LIMIT};
use crate::auth::ApiCtx;
use crate::error::{ApiError, ApiResultExt};
use app::AppError;
use app::report_templates::TemplateView;
use axum::Json;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use domain::report::{Part, ReportTemplate, TemplateKind, TemplateSection};
use domain::validate::{ValidationCode, ValidationError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_templates, create_template).layer(DefaultBodyLimit::max(TEMPLATE_BODY_LIMIT)))
        .routes(routes!(get_template, put_template).layer(DefaultBodyLimit::max(TEMPLATE_BODY_LIMIT)))
}

/// A report template: its sections with headings, instructions and live parts.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ReportTemplateJson {
    pub id: String,
    pub key: String,
    pub name_sv: String,
    pub name_en: String,
    /// `plan`, `interim`, `annual` or `monthly`
    pub kind: String,
    /// Send back with a change.
    pub version: i64,
    /// The caller may change the template (configures every module its parts read).
    pub may_edit: bool,
    /// The sections in order; numbers ("5.1.1") follow from their levels.
    pub sections: Vec<TemplateSectionJson>,
}

/// One section of a template, as read and as sent back.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateSectionJson {
    /// Stable within the template: reports' texts are stored under it.
    #[schema(min_length = 1, max_length = 60, pattern = "^[A-Za-z0-9_-]+$")]
    pub key: String,
    /// 1 chapter, 2 section, 3 subsection; at most one deeper than the section before.
    #[schema(minimum = 1, maximum = 3)]
    pub level: u8,
    #[schema(min_length = 1, max_length = 200, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub heading_sv: String,
    #[serde(default)]
    #[schema(max_length = 200, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub heading_en: String,
    /// The instruction (anvisning) reporters read; never printed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 2000, pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$")]
    pub instruction_sv: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 2000, pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$")]
    pub instruction_en: Option<String>,
    /// The unit writes text in this section.
    #[serde(default)]
    pub text: bool,
    /// Live parts printed after the text, each `{"type": …}` with its fields: module parts
    /// (`goals_and_assignments`, `actions`, `indicator_targets`, `internal_control`,
    /// `text_follow_up`, `indicator_follow_up`, `indicator_charts`, `activity_follow_up`,
    /// `unit_values`) name `module` and levels;
    /// `unit_texts` names `section`; budget parts, `decision_reference` and `signatures` name
    /// nothing else.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<Object>, max_items = 20)]
    pub parts: Vec<serde_json::Value>,
    /// Units may add sections of their own under this one, in their reports.
    #[serde(default)]
    pub units_may_add: bool,
}

fn section_json(section: &TemplateSection) -> TemplateSectionJson {
    TemplateSectionJson {
        key: section.key.clone(),
        level: section.level,
        heading_sv: section.heading_sv.clone(),
        heading_en: section.heading_en.clone(),
        instruction_sv: section.instruction_sv.clone(),
        instruction_en: section.instruction_en.clone(),
        text: section.text,
        parts: section.parts.iter().map(|p| serde_json::to_value(p).unwrap_or_default()).collect(),
        units_may_add: section.units_may_add,
    }
}

fn template_json(view: &TemplateView) -> ReportTemplateJson {
    let t = &view.stored.template;
    ReportTemplateJson {
        id: view.stored.id.to_string(),
        key: t.key.clone(),
        name_sv: t.name_sv.clone(),
        name_en: t.name_en.clone(),
        kind: t.kind.as_str().to_owned(),
        version: view.stored.version,
        may_edit: view.may_edit,
        sections: t.sections.iter().map(section_json).collect(),
    }
}

/// The sections as sent, each part read as the template's JSON names it; problems name
/// `sections[i].parts[j]`.
fn sections_from(sections: Vec<TemplateSectionJson>) -> Result<Vec<TemplateSection>, AppError> {
    let mut problems = Vec::new();
    let mut out = Vec::with_capacity(sections.len());
    for (i, s) in sections.into_iter().enumerate() {
        let mut parts = Vec::with_capacity(s.parts.len());
        for (j, value) in s.parts.into_iter().enumerate() {
            match serde_json::from_value::<Part>(value) {
                Ok(part) => parts.push(part),
                Err(_) => problems.push(ValidationError::new(format!("sections[{i}].parts[{j}]"), ValidationCode::InvalidChoice)),
            }
        }
        out.push(TemplateSection {
            key: s.key,
            level: s.level,
            heading_sv: s.heading_sv,
            heading_en: s.heading_en,
            instruction_sv: s.instruction_sv,
            instruction_en: s.instruction_en,
            text: s.text,
            parts,
            units_may_add: s.units_may_add,
        });
    }
    if problems.is_empty() { Ok(out) } else { Err(AppError::Validation(problems)) }
}

/// Every report template, with whether the caller may change it.
#[utoipa::path(get, path = "/api/v1/reports/templates", tag = "reports",
    responses((status = 200, body = Vec<ReportTemplateJson>), ApiErrors))]
async fn list_templates(State(state): State<AppState>, ctx: ApiCtx) -> Result<Json<Vec<ReportTemplateJson>>, ApiError> {
    let views = state.app.report_template_views(&ctx.actor).await.api(ctx.lang)?;
    Ok(Json(views.iter().map(template_json).collect()))
}

/// One template by key.
#[utoipa::path(get, path = "/api/v1/reports/templates/{key}", tag = "reports",
    params(("key" = String, Path, pattern = "^[A-Za-z0-9_-]{1,60}$", description = "The template's key")),
    responses((status = 200, body = ReportTemplateJson), ApiErrors))]
async fn get_template(State(state): State<AppState>, ctx: ApiCtx, ApiPath(key): ApiPath<String>) -> Result<Json<ReportTemplateJson>, ApiError> {
    let view = state.app.report_template(&ctx.actor, &key).await.api(ctx.lang)?;
    Ok(Json(template_json(&view)))
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateChangeJson {
    #[schema(min_length = 1, max_length = 200, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub name_sv: String,
    #[serde(default)]
    #[schema(max_length = 200, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub name_en: String,
    /// The template's `version` as read.
    pub version: i64,
    /// Every section, in order: the template becomes exactly these.
    #[schema(max_items = 200)]
    pub sections: Vec<TemplateSectionJson>,
}

/// Replaces a template's names and sections (its key and kind stay). Needs the right to
/// configure every module its parts read, before and after. 409 `conflict_stale` if it changed
/// since it was read, `conflict_template_part_broken` if a part names a module or level that
/// does not exist, `conflict_template_section_written` if a removed section holds text in a
/// report not yet completed. Reports under way follow the change; completed reports keep what
/// they froze. Audited as `report-template`.
#[utoipa::path(put, path = "/api/v1/reports/templates/{key}", tag = "reports",
    params(("key" = String, Path, pattern = "^[A-Za-z0-9_-]{1,60}$", description = "The template's key")),
    request_body = TemplateChangeJson,
    responses((status = 200, body = ReportTemplateJson), ApiErrors))]
async fn put_template(State(state): State<AppState>, ctx: ApiCtx, ApiPath(key): ApiPath<String>, ApiJson(body): ApiJson<TemplateChangeJson>) -> Result<Json<ReportTemplateJson>, ApiError> {
    let current = state.app.report_template(&ctx.actor, &key).await.api(ctx.lang)?.stored.template;
    let sections = sections_from(body.sections).api(ctx.lang)?;
    let template = ReportTemplate { name_sv: body.name_sv, name_en: body.name_en, sections, ..current };
    let stored = state.app.save_report_template(&ctx.actor, &key, template, body.version).await.api(ctx.lang)?;
    // Saving needed the right to change the template as it now is.
    Ok(Json(template_json(&TemplateView { stored, may_edit: true })))
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTemplateJson {
    /// The new template's key, used by the CLI and the API.
    #[schema(min_length = 1, max_length = 60, pattern = "^[A-Za-z0-9_-]+$")]
    pub key: String,
    #[schema(min_length = 1, max_length = 200, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub name_sv: String,
    #[serde(default)]
    #[schema(max_length = 200, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub name_en: String,
    /// Copy the sections and kind of this template; then `kind` and `sections` are left out.
    #[schema(min_length = 1, max_length = 60, pattern = "^[A-Za-z0-9_-]+$")]
    pub copy_of: Option<String>,
    /// `plan`, `interim`, `annual` or `monthly`; required unless `copy_of` is given.
    #[schema(pattern = "^(plan|interim|annual|monthly)$")]
    pub kind: Option<String>,
    #[schema(max_items = 200)]
    pub sections: Option<Vec<TemplateSectionJson>>,
}

/// Makes a template, new or as a copy of another (`copy_of`). 409 `conflict_duplicate` if the
/// key is taken. Audited as `report-template`.
#[utoipa::path(post, path = "/api/v1/reports/templates", tag = "reports",
    request_body = NewTemplateJson,
    responses((status = 201, body = ReportTemplateJson), ApiErrors))]
async fn create_template(State(state): State<AppState>, ctx: ApiCtx, ApiJson(body): ApiJson<NewTemplateJson>) -> Result<(StatusCode, Json<ReportTemplateJson>), ApiError> {
    let stored = match body.copy_of {
        Some(from) => {
            let extra = if body.kind.is_some() { Some("kind") } else if body.sections.is_some() { Some("sections") } else { None };
            if let Some(field) = extra {
                return Err(AppError::from(ValidationError::new(field, ValidationCode::NotForKind))).api(ctx.lang);
            }
            state.app.copy_report_template(&ctx.actor, &from, &body.key, &body.name_sv, &body.name_en).await.api(ctx.lang)?
        }
        None => {
            let kind = body.kind.as_deref().ok_or_else(|| ValidationError::new("kind", ValidationCode::Required));
            let kind = kind.and_then(|k| TemplateKind::parse(k).ok_or_else(|| ValidationError::new("kind", ValidationCode::InvalidChoice)));
            let kind = kind.map_err(AppError::from).api(ctx.lang)?;
            let sections = sections_from(body.sections.unwrap_or_default()).api(ctx.lang)?;
            let template = ReportTemplate { key: body.key, name_sv: body.name_sv, name_en: body.name_en, kind, sections };
            state.app.create_report_template(&ctx.actor, template).await.api(ctx.lang)?
        }
    };
    // Making it needed the right to change it.
    Ok((StatusCode::CREATED, Json(template_json(&TemplateView { stored, may_edit: true }))))
}
