//! `/api/v1/me`: who the caller is and which roles they hold.

use super::ApiErrors;
use super::role_assignments::RoleAssignmentJson;
use crate::AppState;
use crate::auth::ApiCtx;
use crate::error::{ApiError, ApiResultExt};
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(Serialize, ToSchema)]
pub struct MeResponse {
    pub id: String,
    pub email: String,
    pub name: String,
    /// Home unit key.
    pub home_unit: Option<String>,
    /// `full`, `report-only` or `read-only`.
    pub licence: String,
    pub locale: Option<String>,
    pub roles: Vec<RoleAssignmentJson>,
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(me))
}

/// The caller.
#[utoipa::path(get, path = "/api/v1/me", tag = "me", responses((status = 200, body = MeResponse), ApiErrors))]
async fn me(State(state): State<AppState>, ctx: ApiCtx) -> Result<Json<MeResponse>, ApiError> {
    let user = ctx.actor.user.clone().ok_or_else(|| ApiError::unauthenticated(ctx.lang))?;
    let view = state.app.user_view(&ctx.actor, user.id).await.api(ctx.lang)?;
    Ok(Json(MeResponse {
        id: user.id.to_string(),
        email: user.email,
        name: user.name,
        home_unit: view.home_unit.map(|u| u.key),
        licence: user.licence.as_str().to_owned(),
        locale: user.locale,
        roles: view.roles.into_iter().map(RoleAssignmentJson::from).collect(),
    }))
}
