//! Writing audit events, always inside the use case's transaction.

use crate::{Actor, App};
use domain::audit::{AuditAction, AuditEvent, ObjectType};
use domain::{AuditEventId, OrgUnitId};
use store::Tx;

pub(crate) struct Change<'a> {
    pub action: AuditAction,
    pub object_type: ObjectType,
    pub object_id: String,
    pub label: &'a str,
    pub unit: Option<OrgUnitId>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

impl App {
    pub(crate) async fn record(&self, tx: &mut Tx, actor: &Actor, change: Change<'_>) -> Result<(), store::StoreError> {
        let event = AuditEvent {
            id: AuditEventId::new(),
            occurred_at: self.clock.now_ms(),
            actor_id: actor.user_id(),
            actor_name: actor.display_name(),
            action: change.action,
            object_type: change.object_type,
            object_id: change.object_id,
            object_label: change.label.to_owned(),
            unit_id: change.unit,
            before: change.before,
            after: change.after,
            request_id: actor.request_id.clone(),
        };
        store::audit::insert(tx, &event).await
    }
}

/// Filters of the event history, as typed (dates `YYYY-MM-DD`, Swedish local days).
#[derive(Clone, Debug, Default)]
pub struct AuditQuery {
    pub from: Option<String>,
    pub to: Option<String>,
    /// The actor's id or e-mail.
    pub actor: Option<String>,
    /// A unit key: events of that unit and its subtree.
    pub unit: Option<String>,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
}

impl App {
    /// The event history the actor may read: everything for a system administrator, else the
    /// events of the units where the actor holds a role (any role reads history).
    pub async fn audit_events(
        &self,
        actor: &Actor,
        query: &AuditQuery,
        cursor: Option<&str>,
        limit: i64,
    ) -> Result<store::Page<AuditEvent>, crate::AppError> {
        use crate::error::Problems;
        use domain::validate::{self, ValidationCode, ValidationError};
        let mut problems = Problems::default();
        let from = problems.take(validate::optional_date("from", query.from.as_deref())).flatten();
        let to = problems.take(validate::optional_date("to", query.to.as_deref())).flatten();
        if let (Some(f), Some(t)) = (from, to)
            && t < f
        {
            problems.push(ValidationError::new("to", ValidationCode::DateOrder));
        }
        let object_type = match query.object_type.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(t) => problems.take(
                ObjectType::from_storage(t).ok_or_else(|| ValidationError::new("object_type", ValidationCode::InvalidChoice)),
            ),
            None => None,
        };
        if let Some(c) = cursor
            && c.parse::<AuditEventId>().is_err()
        {
            problems.push(ValidationError::new("cursor", ValidationCode::InvalidChoice));
        }
        problems.finish()?;

        let mut tx = self.store.begin_read().await?;
        let actor_filter = match query.actor.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(a) => match a.parse::<domain::UserId>() {
                Ok(id) => Some(id),
                Err(_) => Some(crate::org::user_by_email(&mut tx, "actor", a).await?.id),
            },
            None => None,
        };
        let unit = match query.unit.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(k) => Some(crate::org::unit_by_key(&mut tx, k).await.map_err(|_| crate::org::field_not_found("unit"))?.id),
            None => None,
        };
        let filter = store::audit::AuditFilter {
            from: from.map(local_midnight_ms),
            to: to.map(|d| local_midnight_ms(d.next_day().unwrap_or(d))),
            actor: actor_filter,
            unit_subtree: unit,
            object_type,
            object_id: query.object_id.clone().filter(|s| !s.trim().is_empty()),
            visible_within: actor.readable_roots(),
        };
        Ok(store::audit::list_page(&mut tx, &filter, cursor, limit).await?)
    }
}

/// Unix ms of 00:00 Swedish time on `day` (CET/CEST).
fn local_midnight_ms(day: time::Date) -> i64 {
    let utc_midnight = day.midnight().assume_utc().unix_timestamp() * 1000;
    // Midnight local is 23:00 or 22:00 UTC the day before; pick the offset valid on that day.
    let offset_hours = if crate::clock::is_summer_time_ms(utc_midnight) { 2 } else { 1 };
    utc_midnight - offset_hours * 3600 * 1000
}
