//! Granting and revoking roles.

use crate::audit_log::Change;
use crate::error::{AppError, ConflictKind, Problems};
use crate::org::{field_not_found, unit_by_key};
use crate::{Actor, App};
use domain::audit::{AuditAction, ObjectType};
use domain::policy::{Action, Target};
use domain::role::{GrantSource, ModuleScope, Role};
use domain::validate::{ValidationCode, ValidationError};
use domain::{AssignmentId, UserId};
use store::{Page, Tx};
pub use store::role_assignments::RoleAssignment;
use store::role_assignments::{AssignmentFilter, NewAssignment};

/// Input for a grant, as typed.
#[derive(Clone, Debug, Default)]
pub struct NewGrant {
    /// The user's id or e-mail.
    pub user: String,
    pub role: String,
    /// The unit's key.
    pub unit: String,
    /// A module key; None or `*` = all modules.
    pub module: Option<String>,
}

fn snapshot(a: &RoleAssignment) -> serde_json::Value {
    serde_json::json!({
        "user": a.user_email,
        "role": a.role.as_str(),
        "unit": a.unit_key,
        "module": a.module.as_storage(),
        "source": a.source.as_str(),
    })
}

impl App {
    pub async fn grant_role(&self, actor: &Actor, input: NewGrant) -> Result<RoleAssignment, AppError> {
        let mut tx = self.store.begin_write().await?;
        let created = self.insert_grant(&mut tx, actor, input).await?;
        tx.commit().await?;
        Ok(created)
    }

    /// The write half of a grant, inside the caller's transaction.
    pub(crate) async fn insert_grant(&self, tx: &mut Tx, actor: &Actor, input: NewGrant) -> Result<RoleAssignment, AppError> {
        let mut problems = Problems::default();
        let role = problems.take(
            input.role.trim().parse::<Role>().map_err(|_| ValidationError::new("role", ValidationCode::InvalidChoice)),
        );
        if input.user.trim().is_empty() {
            problems.push(ValidationError::new("user", ValidationCode::Required));
        }
        if input.unit.trim().is_empty() {
            problems.push(ValidationError::new("unit", ValidationCode::Required));
        }
        problems.finish()?;
        let role = role.expect("checked above");

        let unit = unit_by_key(tx, &input.unit).await.map_err(|_| field_not_found("unit"))?;
        let path = store::org_units::path(tx, unit.id).await?;
        actor.require(Action::ManageRole(role), &Target::unit(&path))?;
        if unit.is_closed_on(self.clock.today()) {
            return Err(AppError::Conflict(ConflictKind::UnitClosed));
        }
        let user_ref = input.user.trim();
        let user = match user_ref.parse::<UserId>() {
            Ok(id) => store::users::get(tx, id).await?,
            Err(_) => match domain::user::parse_email("user", user_ref) {
                Ok(email) => store::users::get_by_email(tx, &email).await?,
                Err(_) => None,
            },
        }
        .ok_or_else(|| field_not_found("user"))?;
        let module = match input.module.as_deref().map(str::trim).filter(|m| !m.is_empty() && *m != "*") {
            None => ModuleScope::All,
            Some(key) => {
                let modules = store::modules::list(tx).await?;
                if !modules.iter().any(|m| m.key == key) {
                    return Err(field_not_found("module"));
                }
                ModuleScope::Module(key.to_owned())
            }
        };
        let new = NewAssignment {
            id: AssignmentId::new(),
            user_id: user.id,
            role,
            unit_id: unit.id,
            module: &module,
            source: GrantSource::Manual,
            created_by: actor.user_id(),
        };
        if store::role_assignments::find_same(tx, &new).await?.is_some() {
            return Err(AppError::Conflict(ConflictKind::AlreadyGranted));
        }
        store::role_assignments::insert(tx, &new, self.clock.now_ms()).await.map_err(|e| match e {
            store::StoreError::Constraint(_) => AppError::Conflict(ConflictKind::AlreadyGranted),
            other => other.into(),
        })?;
        let created = store::role_assignments::get(tx, new.id).await?.ok_or(AppError::NotFound)?;
        self.record(
            tx,
            actor,
            Change {
                action: AuditAction::Granted,
                object_type: ObjectType::RoleAssignment,
                object_id: created.id.to_string(),
                label: &format!("{} – {} – {}", created.user_name, created.role.as_str(), created.unit_name),
                unit: Some(created.unit_id),
                before: None,
                after: Some(snapshot(&created)),
            },
        )
        .await?;
        Ok(created)
    }

    pub async fn revoke_role(&self, actor: &Actor, id: AssignmentId) -> Result<RoleAssignment, AppError> {
        let mut tx = self.store.begin_write().await?;
        let existing = store::role_assignments::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
        let path = store::org_units::path(&mut tx, existing.unit_id).await?;
        if !actor.may(Action::ManageRole(existing.role), &Target::unit(&path)) {
            return Err(if actor.may(Action::Read, &Target::unit(&path)) { AppError::Forbidden } else { AppError::NotFound });
        }
        if existing.role == Role::SystemAdmin {
            let grants = store::role_assignments::grants_of(&mut tx, existing.user_id).await?;
            if grants.iter().filter(|g| g.role == Role::SystemAdmin).count() == 1 {
                self.ensure_not_last_system_admin(&mut tx, existing.user_id).await?;
            }
        }
        store::role_assignments::delete(&mut tx, id).await?;
        self.record(
            &mut tx,
            actor,
            Change {
                action: AuditAction::Revoked,
                object_type: ObjectType::RoleAssignment,
                object_id: existing.id.to_string(),
                label: &format!("{} – {} – {}", existing.user_name, existing.role.as_str(), existing.unit_name),
                unit: Some(existing.unit_id),
                before: Some(snapshot(&existing)),
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(existing)
    }

    pub async fn get_role_assignment(&self, actor: &Actor, id: AssignmentId) -> Result<RoleAssignment, AppError> {
        let mut tx = self.store.begin_read().await?;
        let found = store::role_assignments::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
        let path = store::org_units::path(&mut tx, found.unit_id).await?;
        if actor.may(Action::Read, &Target::unit(&path)) || actor.user_id() == Some(found.user_id) {
            Ok(found)
        } else {
            Err(AppError::NotFound)
        }
    }

    /// Grants the actor may see (on units in their scope, and their own), filtered.
    pub async fn list_role_assignments(
        &self,
        actor: &Actor,
        user: Option<UserId>,
        unit_key: Option<&str>,
        cursor: Option<&str>,
        limit: i64,
    ) -> Result<Page<RoleAssignment>, AppError> {
        let mut tx = self.store.begin_read().await?;
        let unit = match unit_key {
            Some(k) => Some(unit_by_key(&mut tx, k).await?.id),
            None => None,
        };
        let after = match cursor {
            Some(c) => Some(c.parse::<AssignmentId>().map_err(|_| ValidationError::new("cursor", ValidationCode::InvalidChoice))?),
            None => None,
        };
        // People always see their own grants; other grants only within their scope.
        let within = if user.is_some() && user == actor.user_id() { None } else { actor.readable_roots() };
        let filter = AssignmentFilter { user, unit, within };
        Ok(store::role_assignments::list_page(&mut tx, &filter, after, limit).await?)
    }

    pub async fn list_modules(&self) -> Result<Vec<store::modules::Module>, AppError> {
        let mut tx = self.store.begin_read().await?;
        Ok(store::modules::list(&mut tx).await?)
    }
}
