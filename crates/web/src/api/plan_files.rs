//! `/api/v1/plan-files`: the plan file `styrbord-plan/1` (CONTRACT.md §4) over HTTP, the same
//! import and export as `styrbord import plan` / `export plan`.

use super::ApiErrors;
use super::extract::{ApiJson, ApiQuery};
use crate::AppState;
use crate::auth::ApiCtx;
use crate::error::{ApiError, ApiResultExt};
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(Deserialize)]
struct ExportQuery {
    unit: String,
    year: i64,
    module: Option<String>,
}

/// What an import did. Importing the same file twice reports zeros the second time.
#[derive(Serialize, ToSchema)]
pub struct ImportSummaryJson {
    pub units_created: usize,
    pub objects_created: usize,
    pub objects_updated: usize,
    pub follow_ups_saved: usize,
    /// Budget frames (administrations' frames and distribution rows) created or changed.
    pub budget_frames_saved: usize,
    /// Budget lines created or changed.
    pub budget_lines_saved: usize,
    /// Fields of the file that were not imported, by path (`budget.frames[0].comment`).
    pub ignored: Vec<String>,
}

/// Exports the plan of a unit and its subtree for a year as a plan file.
#[utoipa::path(get, path = "/api/v1/plan-files", tag = "plan-files",
    params(
        ("unit" = String, Query, pattern = "^[A-Za-z0-9._-]{1,64}$", description = "The unit's key (or id)"),
        ("year" = i64, Query, minimum = 1900, maximum = 2200, description = "The plan year"),
        ("module" = Option<String>, Query, pattern = "^[A-Za-z0-9._-]{1,64}$", description = "Only this module")),
    responses((status = 200, description = "A `styrbord-plan/1` document", body = Object), ApiErrors))]
async fn export_plan(
    State(state): State<AppState>,
    ctx: ApiCtx,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let doc = state.app.export_plan(&ctx.actor, &q.unit, q.year, q.module.as_deref()).await.api(ctx.lang)?;
    Ok(Json(doc))
}

/// Imports a plan file: creates or updates units, objects, follow-ups and budget by key, all or
/// nothing. A refused file lists every problem by JSON path (`objects[3].targets[0].value`).
#[utoipa::path(post, path = "/api/v1/plan-files", tag = "plan-files",
    request_body(content = Object, description = "A `styrbord-plan/1` document"),
    responses((status = 200, body = ImportSummaryJson), ApiErrors))]
async fn import_plan(
    State(state): State<AppState>,
    ctx: ApiCtx,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<Json<ImportSummaryJson>, ApiError> {
    let s = state.app.import_plan(&ctx.actor, &body.to_string()).await.api(ctx.lang)?;
    Ok(Json(ImportSummaryJson {
        units_created: s.units_created,
        objects_created: s.objects_created,
        objects_updated: s.objects_updated,
        follow_ups_saved: s.follow_ups_saved,
        budget_frames_saved: s.budget_frames_saved,
        budget_lines_saved: s.budget_lines_saved,
        ignored: s.ignored,
    }))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(export_plan, import_plan))
}
