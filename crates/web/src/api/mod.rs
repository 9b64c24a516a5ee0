//! The JSON API `/api/v1`, documented as OpenAPI 3.1 at `/api-docs/openapi.json`.

mod audit_events;
pub(crate) mod budget_outcomes;
mod budgets;
mod extract;
mod governance;
mod me;
mod objects;
mod org_units;
mod periods;
mod plan_files;
mod report_own_sections;
mod report_templates;
mod reports;

pub(crate) use reports::file_response;
mod role_assignments;
mod users;

use crate::AppState;
use crate::error::{ErrorBody, FieldProblem};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Styrbord API",
        description = "Verksamhets- och målstyrning. Every response that is not a success has the body `{code, message, details}` with a stable `code`. Lists are paginated with `limit` and `cursor` and return only what the caller may see.",
        license(name = "AGPL-3.0-or-later")
    ),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    components(schemas(ErrorBody, FieldProblem)),
    tags(
        (name = "me", description = "The caller"),
        (name = "org-units", description = "The organisation tree"),
        (name = "users", description = "People"),
        (name = "role-assignments", description = "Roles on unit subtrees"),
        (name = "audit-events", description = "The event history (read-only)"),
        (name = "governance", description = "Modules and their governance models (styrmodeller)"),
        (name = "periods", description = "Periods of follow-up (years, half-years, tertials, quarters, months)"),
        (name = "objects", description = "Plan objects (goals, assignments, indicators, activities …) and their follow-ups"),
        (name = "plan-files", description = "The plan file `styrbord-plan/1`: import and export"),
        (name = "budgets", description = "Budgets: an administration's economy chapter per year (frames, frame changes, detailed budget) with its reconciliation checks"),
        (name = "reports", description = "Reports and documents: templates, a unit's reports with their texts, and documents as DOCX, PDF or XLSX")
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme(
                "bearer",
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .description(Some("An API token from `styrbord token create` or the settings page"))
                        .build(),
                ),
            );
        }
    }
}

/// The API routes and their OpenAPI document.
pub fn router() -> (axum::Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(me::router())
        .merge(org_units::router())
        .merge(users::router())
        .merge(role_assignments::router())
        .merge(audit_events::router())
        .merge(governance::router())
        .merge(periods::router())
        .merge(objects::router())
        .merge(plan_files::router())
        .merge(budgets::router())
        .merge(budget_outcomes::router())
        .merge(reports::router())
        .merge(report_templates::router())
        .merge(report_own_sections::router())
        .split_for_parts()
}

/// What a list's cursor looks like (it is the sort key of the last item of the previous page).
#[derive(Clone, Copy, Debug)]
pub enum CursorKind {
    /// A unit key.
    Key,
    /// An e-mail address.
    Email,
    /// A UUID.
    Id,
}

/// Checks the paging parameters of a list: `limit` 1–500 (default 100), and a cursor of the
/// documented shape. Anything else is refused with the field named, not silently ignored.
pub fn page_limit(limit: Option<i64>, cursor: Option<&str>, kind: CursorKind) -> Result<i64, app::AppError> {
    use domain::validate::ValidationCode;
    let mut problems = Vec::new();
    let limit = match limit {
        None => 100,
        Some(n @ 1..=500) => n,
        Some(_) => {
            problems.push(domain::ValidationError::new("limit", ValidationCode::InvalidChoice));
            0
        }
    };
    if let Some(c) = cursor {
        let ok = match kind {
            CursorKind::Key => domain::org::parse_key("cursor", c).is_ok_and(|k| k == c),
            CursorKind::Email => domain::user::parse_email("cursor", c).is_ok_and(|e| e == c),
            CursorKind::Id => uuid::Uuid::parse_str(c).is_ok(),
        };
        if !ok {
            problems.push(domain::ValidationError::new("cursor", ValidationCode::InvalidChoice));
        }
    }
    if problems.is_empty() { Ok(limit) } else { Err(app::AppError::Validation(problems)) }
}

/// A page of results.
#[derive(Debug, Serialize, ToSchema)]
pub struct PageOf<T: ToSchema> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// Every error an endpoint can answer, for the OpenAPI document.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum ApiErrors {
    /// Malformed request (syntax, wrong types, bad query or path)
    #[response(status = 400)]
    BadRequest(ErrorBody),
    /// No or invalid bearer token
    #[response(status = 401)]
    Unauthenticated(ErrorBody),
    /// Signed in, but not allowed
    #[response(status = 403)]
    Forbidden(ErrorBody),
    /// No such object, or not visible to the caller
    #[response(status = 404)]
    NotFound(ErrorBody),
    /// Clashes with stored data (stale version, duplicate key, cycle …)
    #[response(status = 409)]
    Conflict(ErrorBody),
    /// Body larger than the limit
    #[response(status = 413)]
    TooLarge(ErrorBody),
    /// Body is not JSON
    #[response(status = 415)]
    UnsupportedMediaType(ErrorBody),
    /// Well-formed but invalid input; `details` names each field
    #[response(status = 422)]
    Unprocessable(ErrorBody),
}

/// The JSON API is stricter than HTML forms: there, an empty field means "no value"; here,
/// `null` (or leaving the field out) does, and `""` is refused where a date, an e-mail or a
/// fixed choice is expected.
pub fn refuse_blank(fields: &[(&str, Option<&str>)]) -> Result<(), app::AppError> {
    let problems: Vec<_> = fields
        .iter()
        .filter(|(_, v)| v.is_some_and(|v| v.trim().is_empty()))
        .map(|(f, _)| domain::ValidationError::new(*f, domain::validate::ValidationCode::Required))
        .collect();
    if problems.is_empty() { Ok(()) } else { Err(app::AppError::Validation(problems)) }
}

/// For PATCH bodies: a field given as `null` is `Some(None)` (clear it), an absent one `None`
/// (leave it). Use with `#[serde(default, deserialize_with = "double_option")]`.
pub fn double_option<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// An id from the path. One that does not parse names nothing, so it is a 404 like an unknown id.
pub fn path_id<T: std::str::FromStr>(id: &str, lang: crate::Lang) -> Result<T, crate::error::ApiError> {
    id.parse().map_err(|_| {
        crate::error::ApiError::new(axum::http::StatusCode::NOT_FOUND, "not_found", lang.t("error-not-found"))
    })
}
