//! The audit log: append-only (the database refuses UPDATE and DELETE, see `Store::migrate`).

use crate::sql::{self, Page};
use crate::{Result, StoreError, Tx};
use domain::OrgUnitId;
use domain::UserId;
use domain::audit::{AuditAction, AuditEvent, ObjectType};
use sqlx::any::AnyRow;

pub async fn insert(tx: &mut Tx, e: &AuditEvent) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_events (id, occurred_at, actor_id, actor_name, action, object_type, object_id, \
         object_label, unit_id, before_json, after_json, request_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(e.id.to_string())
    .bind(e.occurred_at)
    .bind(e.actor_id.map(|a| a.to_string()))
    .bind(&e.actor_name)
    .bind(e.action.as_str())
    .bind(e.object_type.as_str())
    .bind(&e.object_id)
    .bind(&e.object_label)
    .bind(e.unit_id.map(|u| u.to_string()))
    .bind(e.before.as_ref().map(|v| v.to_string()))
    .bind(e.after.as_ref().map(|v| v.to_string()))
    .bind(e.request_id.clone())
    .execute(tx.conn())
    .await?;
    Ok(())
}

fn from_row(r: &AnyRow) -> Result<AuditEvent> {
    let action = sql::text(r, "action")?;
    let object_type = sql::text(r, "object_type")?;
    Ok(AuditEvent {
        id: sql::id(r, "id")?,
        occurred_at: sql::int(r, "occurred_at")?,
        actor_id: sql::opt_id(r, "actor_id")?,
        actor_name: sql::text(r, "actor_name")?,
        action: AuditAction::from_storage(&action).ok_or_else(|| StoreError::Corrupt(format!("action {action}")))?,
        object_type: ObjectType::from_storage(&object_type)
            .ok_or_else(|| StoreError::Corrupt(format!("object type {object_type}")))?,
        object_id: sql::text(r, "object_id")?,
        object_label: sql::text(r, "object_label")?,
        unit_id: sql::opt_id(r, "unit_id")?,
        before: sql::json(r, "before_json")?,
        after: sql::json(r, "after_json")?,
        request_id: sql::opt_text(r, "request_id")?,
    })
}

/// Filters of the event history. Every filter is optional; `visible_within` limits the result to
/// what the reader may see (None = everything, for system administrators).
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    /// Unix ms, inclusive.
    pub from: Option<i64>,
    /// Unix ms, exclusive.
    pub to: Option<i64>,
    pub actor: Option<UserId>,
    pub unit_subtree: Option<OrgUnitId>,
    pub object_type: Option<ObjectType>,
    pub object_id: Option<String>,
    pub visible_within: Option<Vec<OrgUnitId>>,
}

/// Newest first; the cursor is the id of the last event shown (ids are time-ordered).
pub async fn list_page(tx: &mut Tx, f: &AuditFilter, before_id: Option<&str>, limit: i64) -> Result<Page<AuditEvent>> {
    let mut q = sql::Filter::new(
        "SELECT id, occurred_at, actor_id, actor_name, action, object_type, object_id, object_label, unit_id, \
         before_json, after_json, request_id FROM audit_events e WHERE 1 = 1",
    );
    if let Some(from) = f.from {
        let p = q.bind(sql::Arg::Int(from));
        q.push(&format!(" AND e.occurred_at >= {p}"));
    }
    if let Some(to) = f.to {
        let p = q.bind(sql::Arg::Int(to));
        q.push(&format!(" AND e.occurred_at < {p}"));
    }
    if let Some(actor) = f.actor {
        let p = q.bind(sql::Arg::Text(actor.to_string()));
        q.push(&format!(" AND e.actor_id = {p}"));
    }
    if let Some(root) = f.unit_subtree {
        q.push(" AND");
        q.push_within("e.unit_id", &[root]);
    }
    if let Some(t) = f.object_type {
        let p = q.bind(sql::Arg::Text(t.as_str().to_owned()));
        q.push(&format!(" AND e.object_type = {p}"));
    }
    if let Some(id) = &f.object_id {
        let p = q.bind(sql::Arg::Text(id.clone()));
        q.push(&format!(" AND e.object_id = {p}"));
    }
    if let Some(roots) = &f.visible_within {
        q.push(" AND");
        q.push_within("e.unit_id", roots);
    }
    if let Some(before) = before_id {
        let p = q.bind(sql::Arg::Text(before.to_owned()));
        q.push(&format!(" AND e.id < {p}"));
    }
    let p = q.bind(sql::Arg::Int(limit + 1));
    q.push(&format!(" ORDER BY e.id DESC LIMIT {p}"));
    let rows = q.fetch_all(tx.conn()).await?;
    let items = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
    Ok(Page::from_overfetch(items, limit, |e| e.id.to_string()))
}

/// Tries to change an event; used by the tests to prove the database refuses it.
#[doc(hidden)]
pub async fn try_tamper(tx: &mut Tx, id: &str) -> Result<u64> {
    let done = sqlx::query("UPDATE audit_events SET actor_name = 'x' WHERE id = $1").bind(id).execute(tx.conn()).await?;
    Ok(done.rows_affected())
}
