//! A unit's own sections in its report: `/api/v1/reports/{id}/own-sections`.

use super::ApiErrors;
use super::extract::{ApiJson, ApiPath, ApiQuery};
use super::reports::{ReportJson, report_json};
use crate::AppState;
use crate::auth::ApiCtx;
use crate::error::{ApiError, ApiResultExt};
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(post_own_section)).routes(routes!(delete_own_section))
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OwnSectionJson {
    /// The key of the template section it goes under; the template must allow it there
    /// (`units_may_add`).
    #[schema(min_length = 1, max_length = 60, pattern = "^[A-Za-z0-9_-]+$")]
    pub under: String,
    #[schema(min_length = 1, max_length = 200, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub heading_sv: String,
    #[serde(default)]
    #[schema(max_length = 200, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub heading_en: String,
    /// The report's `version` as read.
    pub version: i64,
}

/// Adds a section of the unit's own, last under the template section `under`; its key is in
/// the answer's `sections` (`own: true`). Needs the right to report for the unit, while the
/// report is a draft or active (409 `conflict_report_closed` after). At most 20 per report.
#[utoipa::path(post, path = "/api/v1/reports/{id}/own-sections", tag = "reports",
    params(("id" = String, Path, format = "uuid", description = "The report's id")),
    request_body = OwnSectionJson,
    responses((status = 200, body = ReportJson), ApiErrors))]
async fn post_own_section(State(state): State<AppState>, ctx: ApiCtx, ApiPath(id): ApiPath<uuid::Uuid>, ApiJson(body): ApiJson<OwnSectionJson>) -> Result<Json<ReportJson>, ApiError> {
    let view = state
        .app
        .add_own_section(&ctx.actor, &id.to_string(), &body.under, &body.heading_sv, &body.heading_en, body.version)
        .await
        .api(ctx.lang)?;
    Ok(Json(report_json(&view, ctx.lang)))
}

#[derive(Clone, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VersionQuery {
    /// The report's `version` as read.
    pub version: i64,
}

/// Removes a section the unit added. 409 `conflict_section_has_text` while it holds text.
#[utoipa::path(delete, path = "/api/v1/reports/{id}/own-sections/{key}", tag = "reports",
    params(("id" = String, Path, format = "uuid", description = "The report's id"),
           ("key" = String, Path, pattern = "^[A-Za-z0-9_-]{1,60}$", description = "The own section's key"), VersionQuery),
    responses((status = 200, body = ReportJson), ApiErrors))]
async fn delete_own_section(
    State(state): State<AppState>,
    ctx: ApiCtx,
    ApiPath((id, key)): ApiPath<(uuid::Uuid, String)>,
    ApiQuery(q): ApiQuery<VersionQuery>,
) -> Result<Json<ReportJson>, ApiError> {
    let view = state.app.remove_own_section(&ctx.actor, &id.to_string(), &key, q.version).await.api(ctx.lang)?;
    Ok(Json(report_json(&view, ctx.lang)))
}
