//! `/api/v1/users`: people.

use super::extract::{ApiJson, ApiPath, ApiQuery};
use super::{ApiErrors, CursorKind, PageOf, page_limit, refuse_blank};
use crate::AppState;
use crate::auth::ApiCtx;
use crate::error::{ApiError, ApiResultExt};
use app::users::{NewUser, UserPatch};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use domain::UserId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// A person.
#[derive(Serialize, ToSchema)]
pub struct UserJson {
    pub id: String,
    pub email: String,
    pub name: String,
    /// Home unit key.
    #[schema(pattern = "^[A-Za-z0-9._-]{1,64}$")]
    pub home_unit: Option<String>,
    pub active: bool,
    /// `full`, `report-only` or `read-only`.
    pub licence: String,
    /// `sv` or `en`.
    pub locale: Option<String>,
    pub version: i64,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    #[schema(format = Email, max_length = 254)]
    pub email: String,
    #[schema(min_length = 1, max_length = 200, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub name: String,
    /// Home unit key.
    #[schema(pattern = "^[A-Za-z0-9._-]{1,64}$")]
    pub home_unit: Option<String>,
    #[schema(pattern = "^(full|report-only|read-only)$")]
    pub licence: Option<String>,
    #[schema(pattern = "^(sv|en)$")]
    pub locale: Option<String>,
    /// Optional initial password (at least 10 characters). People who sign in via SSO have none.
    #[schema(min_length = 10, max_length = 1000, format = Password, pattern = "^[^\\u0000]*$")]
    pub password: Option<String>,
}


#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchUser {
    #[schema(format = Email, max_length = 254)]
    pub email: Option<String>,
    #[schema(min_length = 1, max_length = 200, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "super::double_option")]
    #[schema(nullable = true, pattern = "^[A-Za-z0-9._-]{1,64}$")]
    pub home_unit: Option<Option<String>>,
    #[schema(pattern = "^(full|report-only|read-only)$")]
    pub licence: Option<String>,
    #[serde(default, deserialize_with = "super::double_option")]
    #[schema(pattern = "^(sv|en)$", nullable = true)]
    pub locale: Option<Option<String>>,
    /// false deactivates the person (and ends their sessions).
    pub active: Option<bool>,
    pub version: Option<i64>,
}

#[derive(Deserialize)]
struct ListQuery {
    search: Option<String>,
    limit: Option<i64>,
    cursor: Option<String>,
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list, create)).routes(routes!(get_one, patch))
}

async fn to_json(state: &AppState, users: Vec<domain::user::User>) -> Result<Vec<UserJson>, app::AppError> {
    let home_ids: Vec<domain::OrgUnitId> = users.iter().filter_map(|u| u.home_unit_id).collect();
    let keys = state.app.unit_keys(&home_ids).await?;
    Ok(users
        .into_iter()
        .map(|u| UserJson {
            id: u.id.to_string(),
            home_unit: u.home_unit_id.and_then(|h| keys.get(&h).cloned()),
            email: u.email,
            name: u.name,
            active: u.active,
            licence: u.licence.as_str().to_owned(),
            locale: u.locale,
            version: u.version,
        })
        .collect())
}

/// People the caller may see, ordered by e-mail.
#[utoipa::path(get, path = "/api/v1/users", tag = "users",
    params(("search" = Option<String>, Query, max_length = 200, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$", description = "Part of a name or e-mail"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 500, description = "How many items (default 100)"),
        ("cursor" = Option<String>, Query, format = Email, description = "`next_cursor` of the previous page (an e-mail address)")),
    responses((status = 200, body = PageOf<UserJson>), ApiErrors))]
async fn list(
    State(state): State<AppState>,
    ctx: ApiCtx,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<PageOf<UserJson>>, ApiError> {
    let limit = page_limit(q.limit, q.cursor.as_deref(), CursorKind::Email).api(ctx.lang)?;
    if q.search.as_deref().is_some_and(|s| s.chars().count() > 200 || s.chars().any(char::is_control)) {
        return Err(ApiError::from_app(
            domain::ValidationError::new("search", domain::validate::ValidationCode::TooLong).into(),
            ctx.lang,
        ));
    }
    let page = state.app.list_users(&ctx.actor, q.search.as_deref(), q.cursor.as_deref(), limit).await.api(ctx.lang)?;
    let items = to_json(&state, page.items).await.api(ctx.lang)?;
    Ok(Json(PageOf { items, next_cursor: page.next_cursor }))
}

/// Creates a person.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = CreateUser,
    responses((status = 201, body = UserJson), ApiErrors))]
async fn create(
    State(state): State<AppState>,
    ctx: ApiCtx,
    ApiJson(body): ApiJson<CreateUser>,
) -> Result<(StatusCode, Json<UserJson>), ApiError> {
    refuse_blank(&[
        ("locale", body.locale.as_deref()),
        ("licence", body.licence.as_deref()),
        ("home_unit", body.home_unit.as_deref()),
        ("password", body.password.as_deref()),
    ])
    .api(ctx.lang)?;
    let input = NewUser {
        email: body.email,
        name: body.name,
        home_unit: body.home_unit,
        licence: body.licence,
        locale: body.locale,
        password: body.password,
    };
    let user = state.app.create_user(&ctx.actor, input).await.api(ctx.lang)?;
    let json = to_json(&state, vec![user]).await.api(ctx.lang)?.remove(0);
    Ok((StatusCode::CREATED, Json(json)))
}

/// One person.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users",
    params(("id" = String, Path, format = Uuid, description = "The user's id")),
    responses((status = 200, body = UserJson), ApiErrors))]
async fn get_one(State(state): State<AppState>, ctx: ApiCtx, ApiPath(id): ApiPath<String>) -> Result<Json<UserJson>, ApiError> {
    let id: UserId = super::path_id(&id, ctx.lang)?;
    let view = state.app.user_view(&ctx.actor, id).await.api(ctx.lang)?;
    let json = to_json(&state, vec![view.user]).await.api(ctx.lang)?.remove(0);
    Ok(Json(json))
}

/// Changes a person; `active: false` deactivates.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", request_body = PatchUser,
    params(("id" = String, Path, format = Uuid, description = "The user's id")),
    responses((status = 200, body = UserJson), ApiErrors))]
async fn patch(
    State(state): State<AppState>,
    ctx: ApiCtx,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<PatchUser>,
) -> Result<Json<UserJson>, ApiError> {
    let id: UserId = super::path_id(&id, ctx.lang)?;
    refuse_blank(&[
        ("locale", body.locale.clone().flatten().as_deref()),
        ("licence", body.licence.as_deref()),
        ("home_unit", body.home_unit.clone().flatten().as_deref()),
        ("email", body.email.as_deref()),
    ])
    .api(ctx.lang)?;
    let patch = UserPatch {
        email: body.email,
        name: body.name,
        home_unit: body.home_unit,
        licence: body.licence,
        locale: body.locale,
        active: body.active,
        version: body.version,
    };
    let user = state.app.update_user(&ctx.actor, id, patch).await.api(ctx.lang)?;
    let json = to_json(&state, vec![user]).await.api(ctx.lang)?.remove(0);
    Ok(Json(json))
}
