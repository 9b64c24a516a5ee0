//! The JSON API `/api/v1`, documented as OpenAPI 3.1 at `/api-docs/openapi.json`.

mod audit_events;
mod extract;
mod me;
mod org_units;
mod role_assignments;
mod users;

use crate::AppState;
use crate::error::{ErrorBody, FieldProblem};
use serde::{Deserialize, Serialize};
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
        (name = "audit-events", description = "The event history (read-only)")
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
        .split_for_parts()
}

/// Paging parameters shared by every list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// How many items (1–500, default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// Where to continue: `next_cursor` of the previous page.
    #[param(max_length = 200)]
    pub cursor: Option<String>,
}

impl PageParams {
    pub fn limit(&self) -> Result<i64, app::AppError> {
        match self.limit {
            None => Ok(100),
            Some(n @ 1..=500) => Ok(n),
            Some(_) => Err(domain::ValidationError::new("limit", domain::validate::ValidationCode::InvalidChoice).into()),
        }
    }
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
