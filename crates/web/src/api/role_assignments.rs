//! `/api/v1/role-assignments`: roles on unit subtrees.

use super::extract::{ApiJson, ApiPath, ApiQuery};
use super::{ApiErrors, CursorKind, PageOf, page_limit};
use crate::AppState;
use crate::auth::ApiCtx;
use crate::error::{ApiError, ApiResultExt};
use app::roles::NewGrant;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use domain::{AssignmentId, UserId};
use serde::{Deserialize, Serialize};
use app::roles::RoleAssignment;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// A role held by a person on a unit and its subtree.
#[derive(Serialize, ToSchema)]
pub struct RoleAssignmentJson {
    pub id: String,
    pub user: String,
    pub user_email: String,
    pub user_name: String,
    /// `view`, `user`, `manager`, `business-support`, `module-owner`, `super-user`, `local-admin`, `system-admin`.
    pub role: String,
    /// The unit's key.
    pub unit: String,
    pub unit_name: String,
    /// A module key, or `*` for all modules.
    pub module: String,
    /// `manual` or `directory` (directory sync never removes manual grants).
    pub source: String,
}

impl From<RoleAssignment> for RoleAssignmentJson {
    fn from(a: RoleAssignment) -> Self {
        Self {
            id: a.id.to_string(),
            user: a.user_id.to_string(),
            user_email: a.user_email,
            user_name: a.user_name,
            role: a.role.as_str().to_owned(),
            unit: a.unit_key,
            unit_name: a.unit_name,
            module: a.module.as_storage().to_owned(),
            source: a.source.as_str().to_owned(),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRoleAssignment {
    /// The user's id or e-mail.
    #[schema(min_length = 1, max_length = 254, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub user: String,
    #[schema(pattern = "^(view|user|manager|business-support|module-owner|super-user|local-admin|system-admin)$")]
    pub role: String,
    /// The unit's key.
    #[schema(pattern = "^[A-Za-z0-9._-]{1,64}$")]
    pub unit: String,
    /// A module key; absent or `*` = all modules.
    #[schema(pattern = "^(\\*|[a-z0-9-]{1,40})$")]
    pub module: Option<String>,
}

#[derive(Deserialize)]
struct ListQuery {
    user: Option<String>,
    unit: Option<String>,
    limit: Option<i64>,
    cursor: Option<String>,
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list, create)).routes(routes!(get_one, revoke))
}

/// Grants the caller may see, optionally for one user or one unit.
#[utoipa::path(get, path = "/api/v1/role-assignments", tag = "role-assignments",
    params(
        ("user" = Option<String>, Query, format = Uuid, description = "Only this user's grants (id)"),
        ("unit" = Option<String>, Query, pattern = "^[A-Za-z0-9._-]{1,64}$", description = "Only grants on this unit (key)"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 500, description = "How many items (default 100)"),
        ("cursor" = Option<String>, Query, format = Uuid, description = "`next_cursor` of the previous page")),
    responses((status = 200, body = PageOf<RoleAssignmentJson>), ApiErrors))]
async fn list(
    State(state): State<AppState>,
    ctx: ApiCtx,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<PageOf<RoleAssignmentJson>>, ApiError> {
    let limit = page_limit(q.limit, q.cursor.as_deref(), CursorKind::Id).api(ctx.lang)?;
    let user = match q.user.as_deref() {
        Some(u) => Some(u.parse::<UserId>().map_err(|_| {
            ApiError::from_app(
                domain::ValidationError::new("user", domain::validate::ValidationCode::InvalidChoice).into(),
                ctx.lang,
            )
        })?),
        None => None,
    };
    let page = state
        .app
        .list_role_assignments(&ctx.actor, user, q.unit.as_deref(), q.cursor.as_deref(), limit)
        .await
        .api(ctx.lang)?;
    Ok(Json(PageOf { items: page.items.into_iter().map(Into::into).collect(), next_cursor: page.next_cursor }))
}

/// Grants a role.
#[utoipa::path(post, path = "/api/v1/role-assignments", tag = "role-assignments", request_body = CreateRoleAssignment,
    responses((status = 201, body = RoleAssignmentJson), ApiErrors))]
async fn create(
    State(state): State<AppState>,
    ctx: ApiCtx,
    ApiJson(body): ApiJson<CreateRoleAssignment>,
) -> Result<(StatusCode, Json<RoleAssignmentJson>), ApiError> {
    let grant = NewGrant { user: body.user, role: body.role, unit: body.unit, module: body.module };
    let created = state.app.grant_role(&ctx.actor, grant).await.api(ctx.lang)?;
    Ok((StatusCode::CREATED, Json(created.into())))
}

/// One grant.
#[utoipa::path(get, path = "/api/v1/role-assignments/{id}", tag = "role-assignments",
    params(("id" = String, Path, format = Uuid, description = "The grant's id")),
    responses((status = 200, body = RoleAssignmentJson), ApiErrors))]
async fn get_one(
    State(state): State<AppState>,
    ctx: ApiCtx,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<RoleAssignmentJson>, ApiError> {
    let id: AssignmentId = super::path_id(&id, ctx.lang)?;
    let found = state.app.get_role_assignment(&ctx.actor, id).await.api(ctx.lang)?;
    Ok(Json(found.into()))
}

/// Revokes a grant.
#[utoipa::path(delete, path = "/api/v1/role-assignments/{id}", tag = "role-assignments",
    params(("id" = String, Path, format = Uuid, description = "The grant's id")),
    responses((status = 204, description = "Revoked"), ApiErrors))]
async fn revoke(State(state): State<AppState>, ctx: ApiCtx, ApiPath(id): ApiPath<String>) -> Result<StatusCode, ApiError> {
    let id: AssignmentId = super::path_id(&id, ctx.lang)?;
    state.app.revoke_role(&ctx.actor, id).await.api(ctx.lang)?;
    Ok(StatusCode::NO_CONTENT)
}
