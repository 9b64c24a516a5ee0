//! Errors as the caller sees them: a stable JSON body for the API, a friendly page for people.
//! Internal errors are logged with the request id and never shown.

use crate::i18n::Lang;
use app::{AppError, ConflictKind};
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::ValidationError;
use serde::Serialize;
use utoipa::ToSchema;

/// The error body of every `/api/v1` response that is not a success.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable, machine-readable: `validation_failed`, `not_found`, `forbidden`, `unauthenticated`,
    /// `conflict_stale`, `conflict_duplicate`, `conflict_cycle`, …, `invalid_body`, `internal`.
    pub code: String,
    /// A sentence for people, in the caller's language.
    pub message: String,
    /// For `validation_failed`: a list with one entry per problem (see `FieldProblem`), naming
    /// the field. Otherwise null or an object with more facts (e.g. `{"field": "key"}`).
    pub details: serde_json::Value,
}

/// One problem with one field.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldProblem {
    pub field: String,
    pub code: String,
    pub message: String,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: ErrorBody,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: String) -> Self {
        Self { status, body: ErrorBody { code: code.to_owned(), message, details: serde_json::Value::Null } }
    }

    pub fn from_app(err: AppError, lang: Lang) -> Self {
        let (status, code, details) = classify(&err, lang);
        let message = match &err {
            AppError::Internal(_) => lang.t("error-internal"),
            AppError::Conflict(ConflictKind::SectionsNotReady { sections }) => {
                lang.t_args("error-conflict-sections-not-ready", &[("sections", sections.join(", "))])
            }
            AppError::Conflict(ConflictKind::TemplatePartBroken { section, reference }) => lang.t_args(
                "error-conflict-template-part-broken",
                &[("section", section.clone()), ("reference", reference.clone())],
            ),
            AppError::Conflict(ConflictKind::SectionHasText { section }) => {
                lang.t_args("error-conflict-section-has-text", &[("section", section.clone())])
            }
            AppError::Conflict(ConflictKind::TemplateSectionWritten { section, reports }) => lang.t_args(
                "error-conflict-template-section-written",
                &[("section", section.clone()), ("n", reports.to_string())],
            ),
            _ => lang.t(&format!("error-{}", code.replace('_', "-"))),
        };
        if let AppError::Internal(source) = &err {
            tracing::error!(error = %source, "internal error");
        }
        Self { status, body: ErrorBody { code: code.to_owned(), message, details } }
    }

    pub fn unauthenticated(lang: Lang) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthenticated", lang.t("error-unauthenticated"))
    }
}

/// Status, stable code and details of an application error.
pub fn classify(err: &AppError, lang: Lang) -> (StatusCode, &'static str, serde_json::Value) {
    match err {
        AppError::Validation(problems) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            serde_json::to_value(problems.iter().map(|p| field_problem(p, lang)).collect::<Vec<_>>())
                .unwrap_or_default(),
        ),
        AppError::NotFound => (StatusCode::NOT_FOUND, "not_found", serde_json::Value::Null),
        AppError::Forbidden => (StatusCode::FORBIDDEN, "forbidden", serde_json::Value::Null),
        AppError::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthenticated", serde_json::Value::Null),
        AppError::RateLimited => (StatusCode::TOO_MANY_REQUESTS, "rate_limited", serde_json::Value::Null),
        AppError::Conflict(kind) => {
            let (code, details) = match kind {
                ConflictKind::Stale => ("conflict_stale", serde_json::Value::Null),
                ConflictKind::Duplicate { field } => ("conflict_duplicate", serde_json::json!({ "field": field })),
                ConflictKind::Cycle => ("conflict_cycle", serde_json::Value::Null),
                ConflictKind::ParentClosed => ("conflict_parent_closed", serde_json::Value::Null),
                ConflictKind::HasOpenChildren => ("conflict_open_children", serde_json::Value::Null),
                ConflictKind::UnitClosed => ("conflict_unit_closed", serde_json::Value::Null),
                ConflictKind::AlreadyGranted => ("conflict_already_granted", serde_json::Value::Null),
                ConflictKind::AlreadyRevoked => ("conflict_already_revoked", serde_json::Value::Null),
                ConflictKind::LastSystemAdmin => ("conflict_last_system_admin", serde_json::Value::Null),
                ConflictKind::HasDependants => ("conflict_has_dependants", serde_json::Value::Null),
                ConflictKind::HasFollowUps => ("conflict_has_follow_ups", serde_json::Value::Null),
                ConflictKind::IsACopy => ("conflict_is_a_copy", serde_json::Value::Null),
                ConflictKind::LevelInUse => ("conflict_level_in_use", serde_json::Value::Null),
                ConflictKind::BudgetDecided => ("conflict_budget_decided", serde_json::Value::Null),
                ConflictKind::BudgetNotDecided => ("conflict_budget_not_decided", serde_json::Value::Null),
                ConflictKind::ImportNotCheckable => ("conflict_import_not_checkable", serde_json::Value::Null),
                ConflictKind::ReportClosed => ("conflict_report_closed", serde_json::Value::Null),
                ConflictKind::ReportStepNotAllowed => ("conflict_report_step_not_allowed", serde_json::Value::Null),
                ConflictKind::SectionsNotReady { sections } => ("conflict_sections_not_ready", serde_json::json!({ "sections": sections })),
                ConflictKind::TemplatePartBroken { section, reference } => {
                    ("conflict_template_part_broken", serde_json::json!({ "section": section, "reference": reference }))
                }
                ConflictKind::SectionHasText { section } => ("conflict_section_has_text", serde_json::json!({ "section": section })),
                ConflictKind::TemplateSectionWritten { section, reports } => {
                    ("conflict_template_section_written", serde_json::json!({ "section": section, "reports": reports }))
                }
            };
            (StatusCode::CONFLICT, code, details)
        }
        AppError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal", serde_json::Value::Null),
    }
}

/// "The field “Name” must be filled in." in the caller's language.
pub fn field_message(p: &ValidationError, lang: Lang) -> String {
    let label = field_label(&p.field, lang);
    lang.t_args(&format!("validation-{}", p.code.as_str().replace('_', "-")), &[("field", label)])
}

/// A field's name for people. Paths read as their parts: `levels[2].key` is "Level 3: Key",
/// `objects[3].targets[0].value` "Object 4: Target 1: Value", `reported[1]` "Reported 2".
pub fn field_label(field: &str, lang: Lang) -> String {
    let name = |f: &str| f.replace('_', "-");
    field
        .split('.')
        .map(|part| match part.split_once('[') {
            Some((list, rest)) => {
                let n = rest.trim_end_matches(']').parse::<usize>().map(|i| i + 1).unwrap_or(0);
                let key = format!("field-{}-item", name(list));
                let item = lang.t_args(&key, &[("n", n.to_string())]);
                if item == key { format!("{} {n}", lang.t(&format!("field-{}", name(list)))) } else { item }
            }
            None if part == "$" => lang.t("field-document"),
            None => lang.t(&format!("field-{}", name(part))),
        })
        .collect::<Vec<_>>()
        .join(": ")
}

fn field_problem(p: &ValidationError, lang: Lang) -> FieldProblem {
    FieldProblem { field: p.field.clone(), code: p.code.as_str().to_owned(), message: field_message(p, lang) }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// `.api(lang)` turns an application result into an API result.
pub trait ApiResultExt<T> {
    fn api(self, lang: Lang) -> Result<T, ApiError>;
}

impl<T> ApiResultExt<T> for Result<T, AppError> {
    fn api(self, lang: Lang) -> Result<T, ApiError> {
        self.map_err(|e| ApiError::from_app(e, lang))
    }
}

/// Unknown paths: JSON under `/api/`, a page elsewhere.
pub async fn not_found_fallback(request: axum::extract::Request) -> Response {
    let lang = request.extensions().get::<crate::middleware::LangChoice>().map(|c| c.lang).unwrap_or_default();
    if request.uri().path().starts_with("/api/") {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", lang.t("error-not-found")).into_response()
    } else {
        crate::views::error_page(lang, StatusCode::NOT_FOUND, &lang.t("error-not-found"))
    }
}
