//! The event history: who changed what, when, before → after; filters; per-object history.

use super::layout::{Layout, render};
use super::{FieldErrors, form_failure};
use crate::AppState;
use crate::auth::PageCtx;
use crate::i18n::{Lang, format_time};
use app::audit_log::AuditQuery;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use domain::audit::{AuditAction, AuditEvent, ObjectType};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new().route("/audit", get(audit_page))
}

/// One changed field: name, before, after.
/// A side that is None did not exist (creation or removal): only the other side is shown.
struct FieldChange {
    field: String,
    before: Option<String>,
    after: Option<String>,
}

struct EventRow {
    time: String,
    actor: String,
    action: String,
    object_type: String,
    object_label: String,
    object_href: Option<String>,
    changes: Vec<FieldChange>,
}

/// A stored value as people read it: identifiers of roles, licences, sources and the
/// all-modules marker in words, in the reader's language.
fn json_text(field: &str, v: Option<&serde_json::Value>, lang: Lang) -> String {
    match v {
        None | Some(serde_json::Value::Null) => "–".to_owned(),
        Some(serde_json::Value::String(s)) => match field {
            "role" | "licence" | "source" => lang.lookup(&format!("{field}-{s}")).unwrap_or_else(|| s.clone()),
            "module" if s == "*" => lang.t("module-all"),
            _ => s.clone(),
        },
        Some(serde_json::Value::Bool(b)) => lang.t(if *b { "yes" } else { "no" }),
        Some(other) => other.to_string(),
    }
}

/// The fields that differ between before and after (all fields of a creation or removal).
fn changes(e: &AuditEvent, lang: Lang) -> Vec<FieldChange> {
    let empty = serde_json::Map::new();
    let before = e.before.as_ref().and_then(|v| v.as_object()).unwrap_or(&empty);
    let after = e.after.as_ref().and_then(|v| v.as_object()).unwrap_or(&empty);
    let mut keys: Vec<&String> = before.keys().chain(after.keys()).collect();
    keys.sort();
    keys.dedup();
    let is_null = |v: Option<&serde_json::Value>| v.is_none_or(serde_json::Value::is_null);
    let created = e.before.is_none();
    let removed = e.after.is_none();
    keys.into_iter()
        .filter(|k| before.get(*k) != after.get(*k))
        // A creation lists what was set; a removal what was there.
        .filter(|k| !(created && is_null(after.get(*k)) || removed && is_null(before.get(*k))))
        .map(|k| FieldChange {
            field: lang.t(&format!("field-{}", k.replace('_', "-"))),
            before: (!created).then(|| json_text(k, before.get(k), lang)),
            after: (!removed).then(|| json_text(k, after.get(k), lang)),
        })
        .collect()
}

fn action_label(lang: Lang, action: AuditAction, object_type: ObjectType) -> String {
    match (action, object_type) {
        (AuditAction::Granted, _) => lang.t("action-role-granted"),
        (AuditAction::Revoked, ObjectType::RoleAssignment) => lang.t("action-role-revoked"),
        (AuditAction::Revoked, _) => lang.t("action-revoked"),
        (a, _) => lang.t(&format!("action-{}", a.as_str())),
    }
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    layout: Layout,
    rows: Vec<EventRow>,
    from: String,
    to: String,
    actor: String,
    unit: String,
    object_type: String,
    object_id: String,
    object_types: Vec<(String, String)>,
    units: Vec<(String, String)>,
    next: Option<String>,
    failure: Option<String>,
    errors: FieldErrors,
}

#[derive(Deserialize, Clone, Default)]
struct Filters {
    from: Option<String>,
    to: Option<String>,
    actor: Option<String>,
    unit: Option<String>,
    object_type: Option<String>,
    object_id: Option<String>,
    cursor: Option<String>,
}

async fn audit_page(State(state): State<AppState>, ctx: PageCtx, Query(f): Query<Filters>) -> Response {
    let lang = ctx.lang;
    let query = AuditQuery {
        from: f.from.clone(),
        to: f.to.clone(),
        actor: f.actor.clone(),
        unit: f.unit.clone(),
        object_type: f.object_type.clone(),
        object_id: f.object_id.clone(),
    };
    let (rows, next, failure, errors) = match state.app.audit_events(&ctx.actor, &query, f.cursor.as_deref(), 50).await {
        Ok(page) => {
            let rows = page
                .items
                .iter()
                .map(|e| EventRow {
                    time: format_time(e.occurred_at),
                    // Changes made at the command line have no person behind them.
                    actor: if e.actor_id.is_some() { e.actor_name.clone() } else { lang.t("actor-system") },
                    action: action_label(lang, e.action, e.object_type),
                    object_type: lang.t(&format!("object-{}", e.object_type.as_str())),
                    object_label: e.object_label.clone(),
                    object_href: match e.object_type {
                        ObjectType::User => Some(format!("/users/{}", e.object_id)),
                        ObjectType::OrgUnit => Some(format!("/org/units/{}", e.object_id)),
                        // A removed object's link leads to "not found", which is what it is now.
                        ObjectType::PlanObject | ObjectType::FollowUp => Some(format!("/objects/{}/follow-up", e.object_id)),
                        _ => None,
                    },
                    changes: changes(e, lang),
                })
                .collect();
            let next = page.next_cursor.map(|c| {
                let mut pairs: Vec<(&str, String)> = vec![("cursor", c)];
                for (k, v) in [
                    ("from", &f.from),
                    ("to", &f.to),
                    ("actor", &f.actor),
                    ("unit", &f.unit),
                    ("object_type", &f.object_type),
                    ("object_id", &f.object_id),
                ] {
                    if let Some(v) = v.as_ref().filter(|v| !v.is_empty()) {
                        pairs.push((k, v.clone()));
                    }
                }
                format!("/audit?{}", serde_urlencoded::to_string(pairs).unwrap_or_default())
            });
            (rows, next, None, FieldErrors::default())
        }
        Err(e) => match form_failure(e, lang) {
            Ok((failure, errors)) => (Vec::new(), None, Some(failure), errors),
            Err(page) => return page,
        },
    };
    let mut units: Vec<(String, String)> = state
        .app
        .org_tree(&ctx.actor)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|u| (u.key.clone(), format!("{} ({})", u.name, u.key)))
        .collect();
    units.sort_by_key(|(_, label)| app::users::domain_sort_key(label));
    let object_types = ObjectType::ALL.into_iter().map(|t| (t.as_str().to_owned(), lang.t(&format!("object-{}", t.as_str())))).collect();
    let status = if failure.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = AuditPage {
        layout: Layout::new(&ctx, "audit", lang.t("audit-title")),
        rows,
        from: f.from.unwrap_or_default(),
        to: f.to.unwrap_or_default(),
        actor: f.actor.unwrap_or_default(),
        unit: f.unit.unwrap_or_default(),
        object_type: f.object_type.unwrap_or_default(),
        object_id: f.object_id.unwrap_or_default(),
        object_types,
        units,
        next,
        failure,
        errors,
    };
    render(&page, status)
}
