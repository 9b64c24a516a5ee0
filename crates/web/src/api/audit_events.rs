//! `/api/v1/audit-events`: the event history, read-only.

use super::extract::ApiQuery;
use super::{ApiErrors, CursorKind, PageOf, page_limit, refuse_blank};
use crate::AppState;
use crate::auth::ApiCtx;
use crate::error::{ApiError, ApiResultExt};
use app::audit_log::AuditQuery;
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// One recorded change.
#[derive(Serialize, ToSchema)]
pub struct AuditEventJson {
    pub id: String,
    /// RFC 3339, UTC.
    #[schema(format = DateTime)]
    pub occurred_at: String,
    pub actor_id: Option<String>,
    pub actor_name: String,
    /// `created`, `updated`, `moved`, `closed`, `reopened`, `granted`, `revoked`, `password-changed`.
    pub action: String,
    /// `org-unit`, `user`, `role-assignment`, `api-token`.
    pub object_type: String,
    pub object_id: String,
    pub object_label: String,
    pub unit_id: Option<String>,
    /// The object's fields before the change (null for a creation).
    pub before: Option<serde_json::Value>,
    /// The object's fields after the change (null for a removal).
    pub after: Option<serde_json::Value>,
    pub request_id: Option<String>,
}

impl From<domain::audit::AuditEvent> for AuditEventJson {
    fn from(e: domain::audit::AuditEvent) -> Self {
        let at = time::OffsetDateTime::from_unix_timestamp_nanos(e.occurred_at as i128 * 1_000_000)
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
        Self {
            id: e.id.to_string(),
            occurred_at: at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
            actor_id: e.actor_id.map(|a| a.to_string()),
            actor_name: e.actor_name,
            action: e.action.as_str().to_owned(),
            object_type: e.object_type.as_str().to_owned(),
            object_id: e.object_id,
            object_label: e.object_label,
            unit_id: e.unit_id.map(|u| u.to_string()),
            before: e.before,
            after: e.after,
            request_id: e.request_id,
        }
    }
}

#[derive(Deserialize)]
struct ListQuery {
    from: Option<String>,
    to: Option<String>,
    actor: Option<String>,
    unit: Option<String>,
    object_type: Option<String>,
    object_id: Option<String>,
    limit: Option<i64>,
    cursor: Option<String>,
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list))
}

/// Events the caller may read, newest first.
#[utoipa::path(get, path = "/api/v1/audit-events", tag = "audit-events",
    params(
        ("from" = Option<String>, Query, format = Date, description = "First day (Swedish time), inclusive"),
        ("to" = Option<String>, Query, format = Date, description = "Last day (Swedish time), inclusive"),
        ("actor" = Option<String>, Query, min_length = 1, max_length = 254, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$", description = "Who made the change (user id or e-mail)"),
        ("unit" = Option<String>, Query, pattern = "^[A-Za-z0-9._-]{1,64}$", description = "Events of this unit's subtree (key)"),
        ("object_type" = Option<String>, Query, pattern = "^(org-unit|user|role-assignment|api-token|governance-model|plan-object|follow-up|budget|budget-import|report-template|report|job)$", description = "org-unit, user, role-assignment, api-token, governance-model, plan-object, follow-up, budget, budget-import, report-template, report or job"),
        ("object_id" = Option<String>, Query, min_length = 1, max_length = 100, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$", description = "One object's history"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 500, description = "How many items (default 100)"),
        ("cursor" = Option<String>, Query, format = Uuid, description = "`next_cursor` of the previous page")),
    responses((status = 200, body = PageOf<AuditEventJson>), ApiErrors))]
async fn list(
    State(state): State<AppState>,
    ctx: ApiCtx,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<PageOf<AuditEventJson>>, ApiError> {
    let limit = page_limit(q.limit, q.cursor.as_deref(), CursorKind::Id).api(ctx.lang)?;
    refuse_blank(&[
        ("from", q.from.as_deref()),
        ("to", q.to.as_deref()),
        ("actor", q.actor.as_deref()),
        ("unit", q.unit.as_deref()),
        ("object_type", q.object_type.as_deref()),
        ("object_id", q.object_id.as_deref()),
    ])
    .api(ctx.lang)?;
    if q.object_id.as_deref().is_some_and(|s| s.chars().count() > 100 || s.chars().any(char::is_control)) {
        return Err(ApiError::from_app(
            domain::ValidationError::new("object_id", domain::validate::ValidationCode::InvalidCharacters).into(),
            ctx.lang,
        ));
    }
    let query = AuditQuery {
        from: q.from,
        to: q.to,
        actor: q.actor,
        unit: q.unit,
        object_type: q.object_type,
        object_id: q.object_id,
    };
    let page = state.app.audit_events(&ctx.actor, &query, q.cursor.as_deref(), limit).await.api(ctx.lang)?;
    Ok(Json(PageOf { items: page.items.into_iter().map(Into::into).collect(), next_cursor: page.next_cursor }))
}
