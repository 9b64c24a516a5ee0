//! `/api/v1/org-units`: the organisation tree. Units are addressed by key (or id).

use super::extract::{ApiJson, ApiPath, ApiQuery};
use super::{ApiErrors, CursorKind, PageOf, page_limit, refuse_blank};
use crate::AppState;
use crate::auth::ApiCtx;
use crate::error::{ApiError, ApiResultExt};
use app::org::{NewUnit, UnitPatch, UnitRecord};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use domain::validate::format_date;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// An organisation unit.
#[derive(Serialize, ToSchema)]
pub struct OrgUnitJson {
    pub id: String,
    /// External id (HSA-id, directory id, cost centre).
    pub key: String,
    pub name: String,
    pub short_name: Option<String>,
    /// The parent's key; null for the root.
    pub parent: Option<String>,
    /// The manager's e-mail.
    pub manager: Option<String>,
    #[schema(format = Date)]
    pub valid_from: String,
    /// Last day the unit is open; null while open.
    #[schema(format = Date)]
    pub valid_to: Option<String>,
    /// Pass back in a PATCH to refuse the change if someone else changed the unit meanwhile.
    pub version: i64,
}

impl From<UnitRecord> for OrgUnitJson {
    fn from(r: UnitRecord) -> Self {
        Self {
            id: r.unit.id.to_string(),
            key: r.unit.key,
            name: r.unit.name,
            short_name: r.unit.short_name,
            parent: r.parent_key,
            manager: r.manager_email,
            valid_from: format_date(r.unit.valid_from),
            valid_to: r.unit.valid_to.map(format_date),
            version: r.unit.version,
        }
    }
}

/// A new unit.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrgUnit {
    #[schema(pattern = "^[A-Za-z0-9._-]{1,64}$")]
    pub key: String,
    #[schema(min_length = 1, max_length = 200, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub name: String,
    /// The parent's key; null or absent creates a new root (system administrators only).
    #[schema(pattern = "^[A-Za-z0-9._-]{1,64}$")]
    pub parent: Option<String>,
    #[schema(max_length = 40, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub short_name: Option<String>,
    /// Default: today.
    #[schema(format = Date)]
    pub valid_from: Option<String>,
    /// The manager's e-mail.
    #[schema(format = Email)]
    pub manager: Option<String>,
}


/// A change; absent fields stay as they are. Setting `parent` moves the unit with its subtree;
/// setting `valid_to` closes it, null reopens it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchOrgUnit {
    #[schema(pattern = "^[A-Za-z0-9._-]{1,64}$")]
    pub key: Option<String>,
    #[schema(min_length = 1, max_length = 200, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "super::double_option")]
    #[schema(max_length = 40, nullable = true, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub short_name: Option<Option<String>>,
    #[schema(pattern = "^[A-Za-z0-9._-]{1,64}$")]
    pub parent: Option<String>,
    #[serde(default, deserialize_with = "super::double_option")]
    #[schema(format = Email, nullable = true)]
    pub manager: Option<Option<String>>,
    #[schema(format = Date)]
    pub valid_from: Option<String>,
    #[serde(default, deserialize_with = "super::double_option")]
    #[schema(format = Date, nullable = true)]
    pub valid_to: Option<Option<String>>,
    /// The version the change is based on.
    pub version: Option<i64>,
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list, create)).routes(routes!(get_one, patch))
}

/// Units ordered by key, optionally one subtree.
#[utoipa::path(get, path = "/api/v1/org-units", tag = "org-units",
    params(("root" = Option<String>, Query, pattern = "^[A-Za-z0-9._-]{1,64}$", description = "Only this unit's subtree (a key)"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 500, description = "How many items (default 100)"),
        ("cursor" = Option<String>, Query, pattern = "^[A-Za-z0-9._-]{1,64}$", description = "`next_cursor` of the previous page (a unit key)")),
    responses((status = 200, body = PageOf<OrgUnitJson>), ApiErrors))]
async fn list(
    State(state): State<AppState>,
    ctx: ApiCtx,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<PageOf<OrgUnitJson>>, ApiError> {
    let limit = page_limit(q.limit, q.cursor.as_deref(), CursorKind::Key).api(ctx.lang)?;
    let page = state.app.list_units(&ctx.actor, q.root.as_deref(), q.cursor.as_deref(), limit).await.api(ctx.lang)?;
    let items = state.app.describe_units(page.items).await.api(ctx.lang)?;
    Ok(Json(PageOf { items: items.into_iter().map(Into::into).collect(), next_cursor: page.next_cursor }))
}

#[derive(Deserialize)]
pub struct ListQuery {
    root: Option<String>,
    limit: Option<i64>,
    cursor: Option<String>,
}

/// Creates a unit under `parent`.
#[utoipa::path(post, path = "/api/v1/org-units", tag = "org-units", request_body = CreateOrgUnit,
    responses((status = 201, body = OrgUnitJson), ApiErrors))]
async fn create(
    State(state): State<AppState>,
    ctx: ApiCtx,
    ApiJson(body): ApiJson<CreateOrgUnit>,
) -> Result<(StatusCode, Json<OrgUnitJson>), ApiError> {
    refuse_blank(&[
        ("parent", body.parent.as_deref()),
        ("valid_from", body.valid_from.as_deref()),
        ("manager", body.manager.as_deref()),
    ])
    .api(ctx.lang)?;
    let input = NewUnit {
        key: body.key,
        name: body.name,
        short_name: body.short_name,
        parent: body.parent,
        valid_from: body.valid_from,
        manager: body.manager,
    };
    let unit = state.app.create_unit(&ctx.actor, input).await.api(ctx.lang)?;
    let record = state.app.describe_units(vec![unit]).await.api(ctx.lang)?.remove(0);
    Ok((StatusCode::CREATED, Json(record.into())))
}

/// One unit, by key or id.
#[utoipa::path(get, path = "/api/v1/org-units/{key}", tag = "org-units",
    params(("key" = String, Path, pattern = "^[A-Za-z0-9._-]{1,64}$", description = "The unit's key (or id)")),
    responses((status = 200, body = OrgUnitJson), ApiErrors))]
async fn get_one(
    State(state): State<AppState>,
    ctx: ApiCtx,
    ApiPath(key): ApiPath<String>,
) -> Result<Json<OrgUnitJson>, ApiError> {
    let unit = state.app.unit_by_key_or_id(&ctx.actor, &key).await.api(ctx.lang)?;
    let record = state.app.describe_units(vec![unit]).await.api(ctx.lang)?.remove(0);
    Ok(Json(record.into()))
}

/// Renames, re-keys, moves, closes or reopens a unit.
#[utoipa::path(patch, path = "/api/v1/org-units/{key}", tag = "org-units", request_body = PatchOrgUnit,
    params(("key" = String, Path, pattern = "^[A-Za-z0-9._-]{1,64}$", description = "The unit's key (or id)")),
    responses((status = 200, body = OrgUnitJson), ApiErrors))]
async fn patch(
    State(state): State<AppState>,
    ctx: ApiCtx,
    ApiPath(key): ApiPath<String>,
    ApiJson(body): ApiJson<PatchOrgUnit>,
) -> Result<Json<OrgUnitJson>, ApiError> {
    refuse_blank(&[
        ("parent", body.parent.as_deref()),
        ("valid_from", body.valid_from.as_deref()),
        ("valid_to", body.valid_to.clone().flatten().as_deref()),
        ("manager", body.manager.clone().flatten().as_deref()),
    ])
    .api(ctx.lang)?;
    let current = state.app.unit_by_key_or_id(&ctx.actor, &key).await.api(ctx.lang)?;
    let patch = UnitPatch {
        key: body.key,
        name: body.name,
        short_name: body.short_name,
        manager: body.manager,
        valid_from: body.valid_from,
        parent: body.parent,
        valid_to: body.valid_to,
        version: body.version,
    };
    let unit = state.app.update_unit(&ctx.actor, &current.key, patch).await.api(ctx.lang)?;
    let record = state.app.describe_units(vec![unit]).await.api(ctx.lang)?.remove(0);
    Ok(Json(record.into()))
}
