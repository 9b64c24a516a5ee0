//! The organisation tree: browse, create, rename, move, close and reopen units.

use crate::audit_log::Change;
use crate::error::{AppError, ConflictKind, Problems};
use crate::{Actor, App};
use domain::OrgUnitId;
use domain::audit::{AuditAction, ObjectType};
use domain::org::{self, OrgUnit};
use domain::policy::{Action, Target};
use domain::user::User;
use domain::validate;
use store::role_assignments::{AssignmentFilter, RoleAssignment};
use store::{Page, StoreError, Tx};

/// Input for a new unit; strings as typed, parsed here.
#[derive(Clone, Debug, Default)]
pub struct NewUnit {
    pub key: String,
    pub name: String,
    pub short_name: Option<String>,
    /// The parent's key; None only for a new root.
    pub parent: Option<String>,
    /// `YYYY-MM-DD`; today if empty.
    pub valid_from: Option<String>,
    /// The manager's e-mail.
    pub manager: Option<String>,
}

/// A change to a unit. Absent fields stay as they are; `Some(None)` clears an optional field.
#[derive(Clone, Debug, Default)]
pub struct UnitPatch {
    pub key: Option<String>,
    pub name: Option<String>,
    pub short_name: Option<Option<String>>,
    pub manager: Option<Option<String>>,
    pub valid_from: Option<String>,
    /// A new parent key (moves the unit and its subtree).
    pub parent: Option<String>,
    /// Closing date (`Some(Some(date))`) or reopening (`Some(None)`).
    pub valid_to: Option<Option<String>>,
    /// The version the change is based on; a newer stored version refuses the change.
    pub version: Option<i64>,
}

/// Everything the unit page shows.
#[derive(Clone, Debug)]
pub struct UnitView {
    pub unit: OrgUnit,
    /// Root first, the unit's parent last.
    pub ancestors: Vec<OrgUnit>,
    pub children: Vec<OrgUnit>,
    pub manager: Option<User>,
    /// The grants on this unit; None if the actor may not see them.
    pub roles: Option<Vec<RoleAssignment>>,
    pub can_manage: bool,
    pub can_grant: bool,
    pub is_closed: bool,
}

fn snapshot(unit: &OrgUnit, parent_key: Option<&str>, manager_email: Option<&str>) -> serde_json::Value {
    serde_json::json!({
        "key": unit.key,
        "name": unit.name,
        "short_name": unit.short_name,
        "parent": parent_key,
        "manager": manager_email,
        "valid_from": validate::format_date(unit.valid_from),
        "valid_to": unit.valid_to.map(validate::format_date),
    })
}

impl App {
    /// Every unit (open and closed). The organisation's structure is visible to every signed-in
    /// person; what happens inside a unit is what roles protect.
    pub async fn org_tree(&self, _actor: &Actor) -> Result<Vec<OrgUnit>, AppError> {
        let mut tx = self.store.begin_read().await?;
        Ok(store::org_units::list_all(&mut tx).await?)
    }

    pub async fn list_units(
        &self,
        _actor: &Actor,
        root: Option<&str>,
        cursor: Option<&str>,
        limit: i64,
    ) -> Result<Page<OrgUnit>, AppError> {
        let mut tx = self.store.begin_read().await?;
        let root = match root {
            Some(key) => Some(unit_by_key(&mut tx, key).await?.id),
            None => None,
        };
        Ok(store::org_units::list_page(&mut tx, root, cursor, limit).await?)
    }

    pub async fn unit_by_key(&self, _actor: &Actor, key: &str) -> Result<OrgUnit, AppError> {
        let mut tx = self.store.begin_read().await?;
        unit_by_key(&mut tx, key).await
    }

    pub async fn unit_by_id(&self, _actor: &Actor, id: OrgUnitId) -> Result<OrgUnit, AppError> {
        let mut tx = self.store.begin_read().await?;
        store::org_units::get(&mut tx, id).await?.ok_or(AppError::NotFound)
    }

    /// The unit page's data; `key` may also be the unit's id (links from the event history).
    pub async fn unit_view(&self, actor: &Actor, key: &str) -> Result<UnitView, AppError> {
        let mut tx = self.store.begin_read().await?;
        let unit = unit_by_key_or_id(&mut tx, key).await?.ok_or(AppError::NotFound)?;
        let path = store::org_units::path(&mut tx, unit.id).await?;
        let mut ancestors = Vec::new();
        for id in &path[..path.len() - 1] {
            ancestors.extend(store::org_units::get(&mut tx, *id).await?);
        }
        let children = store::org_units::children(&mut tx, unit.id).await?;
        let manager = match unit.manager_id {
            Some(id) => store::users::get(&mut tx, id).await?,
            None => None,
        };
        let target = Target::unit(&path);
        let roles = if actor.may(Action::Read, &target) {
            let filter = AssignmentFilter { unit: Some(unit.id), ..Default::default() };
            let mut all = store::role_assignments::list_page(&mut tx, &filter, None, 1000).await?.items;
            all.sort_by(|a, b| (a.role, &a.user_name).cmp(&(b.role, &b.user_name)));
            Some(all)
        } else {
            None
        };
        let is_closed = unit.is_closed_on(self.clock.today());
        Ok(UnitView {
            can_manage: actor.may(Action::ManageUnits, &target),
            can_grant: actor.may(Action::ManageRole(domain::role::Role::View), &target),
            unit,
            ancestors,
            children,
            manager,
            roles,
            is_closed,
        })
    }

    pub async fn create_unit(&self, actor: &Actor, input: NewUnit) -> Result<OrgUnit, AppError> {
        let mut tx = self.store.begin_write().await?;
        let unit = self.create_unit_in(&mut tx, actor, input, "").await?;
        tx.commit().await?;
        Ok(unit)
    }

    /// Creates a unit inside a caller's transaction; `prefix` goes before field names (plan
    /// files name `units[2].key`).
    pub(crate) async fn create_unit_in(&self, tx: &mut Tx, actor: &Actor, input: NewUnit, prefix: &str) -> Result<OrgUnit, AppError> {
        let f = |name: &str| domain::validate::field_path(prefix, name);
        let mut problems = Problems::default();
        let key = problems.take(org::parse_key(&f("key"), &input.key));
        let name = problems.take(org::parse_name(&f("name"), &input.name));
        let short_name = problems.take(org::parse_short_name(&f("short_name"), input.short_name.as_deref()));
        let valid_from = problems.take(validate::optional_date(&f("valid_from"), input.valid_from.as_deref()));
        let manager_email = input.manager.as_deref().map(str::trim).filter(|m| !m.is_empty());
        let parent_key = input.parent.as_deref().map(str::trim).filter(|p| !p.is_empty());
        problems.finish()?;
        let (key, name, short_name) = (key.unwrap_or_default(), name.unwrap_or_default(), short_name.flatten());
        let today = self.clock.today();
        let valid_from = valid_from.flatten().unwrap_or(today);

        store::org_units::lock_tree(tx).await?;
        let parent = match parent_key {
            Some(pk) => {
                let parent = store::org_units::get_by_key(tx, pk)
                    .await?
                    .ok_or_else(|| field_not_found(&f("parent")))?;
                let path = store::org_units::path(tx, parent.id).await?;
                actor.require(Action::ManageUnits, &Target::unit(&path))?;
                if parent.is_closed_on(today) {
                    return Err(AppError::Conflict(ConflictKind::ParentClosed));
                }
                Some(parent)
            }
            None => {
                actor.require(Action::ManageUnits, &Target::organisation())?;
                None
            }
        };
        if store::org_units::get_by_key(tx, &key).await?.is_some() {
            return Err(AppError::Conflict(ConflictKind::Duplicate { field: "key" }));
        }
        let manager = match manager_email {
            Some(email) => Some(user_by_email(tx, "manager", email).await?),
            None => None,
        };
        let unit = OrgUnit {
            id: OrgUnitId::new(),
            key,
            name,
            short_name,
            parent_id: parent.as_ref().map(|p| p.id),
            manager_id: manager.as_ref().map(|m| m.id),
            valid_from,
            valid_to: None,
            version: 1,
        };
        store::org_units::insert(tx, &unit, self.clock.now_ms()).await.map_err(duplicate_key)?;
        self.copy_to_new_unit(tx, actor, &unit).await?;
        let after = snapshot(&unit, parent.as_ref().map(|p| p.key.as_str()), manager.as_ref().map(|m| m.email.as_str()));
        self.record(
            tx,
            actor,
            Change {
                action: AuditAction::Created,
                object_type: ObjectType::OrgUnit,
                object_id: unit.id.to_string(),
                label: &unit.name,
                unit: Some(unit.id),
                before: None,
                after: Some(after),
            },
        )
        .await?;
        Ok(unit)
    }

    /// Applies a patch: field edits, a move and a close/reopen are each audited as their own event,
    /// all in one transaction.
    pub async fn update_unit(&self, actor: &Actor, key: &str, patch: UnitPatch) -> Result<OrgUnit, AppError> {
        let mut problems = Problems::default();
        let new_key = patch.key.as_deref().and_then(|k| problems.take(org::parse_key("key", k)));
        let new_name = patch.name.as_deref().and_then(|n| problems.take(org::parse_name("name", n)));
        let new_short = match &patch.short_name {
            Some(s) => problems.take(org::parse_short_name("short_name", s.as_deref())),
            None => None,
        };
        let new_from = patch.valid_from.as_deref().and_then(|d| problems.take(validate::date("valid_from", d)));
        let new_to = match &patch.valid_to {
            Some(to) => problems.take(validate::optional_date("valid_to", to.as_deref())),
            None => None,
        };
        let new_parent_key = match patch.parent.as_deref().map(str::trim) {
            Some("") => {
                problems.push(domain::ValidationError::new("parent", domain::validate::ValidationCode::Required));
                None
            }
            other => other,
        };
        problems.finish()?;

        let today = self.clock.today();
        let now = self.clock.now_ms();
        let mut tx = self.store.begin_write().await?;
        if new_parent_key.is_some() {
            // Taken before any path is read, so the cycle check sees every earlier move.
            store::org_units::lock_tree(&mut tx).await?;
        }
        let current = unit_by_key(&mut tx, key).await?;
        let path = store::org_units::path(&mut tx, current.id).await?;
        actor.require(Action::ManageUnits, &Target::unit(&path))?;
        if patch.version.is_some_and(|v| v != current.version) {
            return Err(AppError::Conflict(ConflictKind::Stale));
        }
        let parent = match current.parent_id {
            Some(id) => store::org_units::get(&mut tx, id).await?,
            None => None,
        };
        let manager_email_before = match current.manager_id {
            Some(id) => store::users::get(&mut tx, id).await?.map(|u| u.email),
            None => None,
        };
        let before = snapshot(&current, parent.as_ref().map(|p| p.key.as_str()), manager_email_before.as_deref());
        let mut version = current.version;

        // 1. Own fields.
        let mut edited = current.clone();
        if let Some(k) = &new_key {
            if *k != current.key && store::org_units::get_by_key(&mut tx, k).await?.is_some() {
                return Err(AppError::Conflict(ConflictKind::Duplicate { field: "key" }));
            }
            edited.key = k.clone();
        }
        if let Some(n) = new_name {
            edited.name = n;
        }
        if let Some(s) = new_short {
            edited.short_name = s;
        }
        if let Some(f) = new_from {
            edited.valid_from = f;
        }
        let mut manager_email = manager_email_before.clone();
        if let Some(m) = &patch.manager {
            match m.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
                Some(email) => {
                    let user = user_by_email(&mut tx, "manager", email).await?;
                    edited.manager_id = Some(user.id);
                    manager_email = Some(user.email);
                }
                None => {
                    edited.manager_id = None;
                    manager_email = None;
                }
            }
        }
        org::check_validity(edited.valid_from, edited.valid_to)?;
        if edited != current {
            edited.version = version + 1;
            store::org_units::update(&mut tx, &edited, version, now).await.map_err(duplicate_key)?;
            version = edited.version;
            let after = snapshot(&edited, parent.as_ref().map(|p| p.key.as_str()), manager_email.as_deref());
            self.record(
                &mut tx,
                actor,
                Change {
                    action: AuditAction::Updated,
                    object_type: ObjectType::OrgUnit,
                    object_id: edited.id.to_string(),
                    label: &edited.name,
                    unit: Some(edited.id),
                    before: Some(before.clone()),
                    after: Some(after),
                },
            )
            .await?;
        }

        // 2. Move.
        let mut parent_now = parent.clone();
        if let Some(pk) = new_parent_key
            && parent.as_ref().is_none_or(|p| p.key != pk)
        {
            let new_parent = store::org_units::get_by_key(&mut tx, pk).await?.ok_or_else(|| field_not_found("parent"))?;
            let new_parent_path = store::org_units::path(&mut tx, new_parent.id).await?;
            actor.require(Action::ManageUnits, &Target::unit(&new_parent_path))?;
            org::check_move(current.id, &new_parent_path)?;
            if new_parent.is_closed_on(today) {
                return Err(AppError::Conflict(ConflictKind::ParentClosed));
            }
            store::org_units::move_unit(&mut tx, current.id, new_parent.id, version, now).await?;
            version += 1;
            self.record(
                &mut tx,
                actor,
                Change {
                    action: AuditAction::Moved,
                    object_type: ObjectType::OrgUnit,
                    object_id: current.id.to_string(),
                    label: &edited.name,
                    unit: Some(current.id),
                    before: Some(serde_json::json!({"parent": parent.as_ref().map(|p| &p.key)})),
                    after: Some(serde_json::json!({"parent": new_parent.key})),
                },
            )
            .await?;
            parent_now = Some(new_parent);
        }

        // 3. Close or reopen.
        if let Some(valid_to) = new_to
            && valid_to != edited.valid_to
        {
            let mut changed = store::org_units::get(&mut tx, current.id).await?.ok_or(AppError::NotFound)?;
            let action = match valid_to {
                Some(to) => {
                    org::check_validity(changed.valid_from, Some(to))?;
                    let children = store::org_units::children(&mut tx, current.id).await?;
                    if children.iter().any(|c| c.is_open_on(to) || c.valid_from > to) {
                        return Err(AppError::Conflict(ConflictKind::HasOpenChildren));
                    }
                    AuditAction::Closed
                }
                None => {
                    if parent_now.as_ref().is_some_and(|p| p.is_closed_on(today)) {
                        return Err(AppError::Conflict(ConflictKind::ParentClosed));
                    }
                    AuditAction::Reopened
                }
            };
            let was = changed.valid_to;
            changed.valid_to = valid_to;
            changed.version = version + 1;
            store::org_units::update(&mut tx, &changed, version, now).await?;
            self.record(
                &mut tx,
                actor,
                Change {
                    action,
                    object_type: ObjectType::OrgUnit,
                    object_id: current.id.to_string(),
                    label: &changed.name,
                    unit: Some(current.id),
                    before: Some(serde_json::json!({"valid_to": was.map(validate::format_date)})),
                    after: Some(serde_json::json!({"valid_to": valid_to.map(validate::format_date)})),
                },
            )
            .await?;
        }

        let result = store::org_units::get(&mut tx, current.id).await?.ok_or(AppError::NotFound)?;
        tx.commit().await?;
        Ok(result)
    }

    /// The grants that apply within a unit (for role pages and the API).
    pub async fn unit_roles(&self, actor: &Actor, key: &str) -> Result<Vec<RoleAssignment>, AppError> {
        let mut tx = self.store.begin_read().await?;
        let unit = unit_by_key(&mut tx, key).await?;
        let path = store::org_units::path(&mut tx, unit.id).await?;
        actor.require(Action::Read, &Target::unit(&path))?;
        let filter = AssignmentFilter { unit: Some(unit.id), ..Default::default() };
        Ok(store::role_assignments::list_page(&mut tx, &filter, None, 1000).await?.items)
    }
}

pub(crate) async fn unit_by_key(tx: &mut Tx, key: &str) -> Result<OrgUnit, AppError> {
    store::org_units::get_by_key(tx, key.trim()).await?.ok_or(AppError::NotFound)
}

/// A unit addressed by key, or by id when no unit has that key.
pub(crate) async fn unit_by_key_or_id(tx: &mut Tx, key_or_id: &str) -> Result<Option<OrgUnit>, AppError> {
    let key_or_id = key_or_id.trim();
    if let Some(u) = store::org_units::get_by_key(tx, key_or_id).await? {
        return Ok(Some(u));
    }
    match key_or_id.parse::<OrgUnitId>() {
        Ok(id) => Ok(store::org_units::get(tx, id).await?),
        Err(_) => Ok(None),
    }
}

pub(crate) async fn user_by_email(tx: &mut Tx, field: &'static str, email: &str) -> Result<User, AppError> {
    let email = domain::user::parse_email(field, email)?;
    store::users::get_by_email(tx, &email).await?.ok_or_else(|| field_not_found(field))
}

/// A reference in the input (a parent key, a manager's e-mail) that names nothing: a field error.
pub(crate) fn field_not_found(field: &str) -> AppError {
    AppError::Validation(vec![domain::ValidationError::new(field, domain::validate::ValidationCode::InvalidChoice)])
}

/// A unique-key race lost to a concurrent writer is the same conflict as the checked case.
fn duplicate_key(err: StoreError) -> AppError {
    match err {
        StoreError::Constraint(name) if name.contains("key") => AppError::Conflict(ConflictKind::Duplicate { field: "key" }),
        other => other.into(),
    }
}

/// A unit with the keys and names it refers to, as lists and the API show it.
#[derive(Clone, Debug)]
pub struct UnitRecord {
    pub unit: OrgUnit,
    pub parent_key: Option<String>,
    pub manager_email: Option<String>,
}

impl App {
    /// Resolves parent keys and manager e-mails for a batch of units (two queries in all).
    pub async fn describe_units(&self, units: Vec<OrgUnit>) -> Result<Vec<UnitRecord>, AppError> {
        let mut tx = self.store.begin_read().await?;
        let parent_ids: Vec<OrgUnitId> = units.iter().filter_map(|u| u.parent_id).collect();
        let manager_ids: Vec<domain::UserId> = units.iter().filter_map(|u| u.manager_id).collect();
        let parents: std::collections::HashMap<OrgUnitId, String> =
            store::org_units::get_many(&mut tx, &parent_ids).await?.into_iter().map(|u| (u.id, u.key)).collect();
        let managers: std::collections::HashMap<domain::UserId, String> =
            store::users::get_many(&mut tx, &manager_ids).await?.into_iter().map(|u| (u.id, u.email)).collect();
        Ok(units
            .into_iter()
            .map(|unit| UnitRecord {
                parent_key: unit.parent_id.and_then(|p| parents.get(&p).cloned()),
                manager_email: unit.manager_id.and_then(|m| managers.get(&m).cloned()),
                unit,
            })
            .collect())
    }

    /// A unit addressed by key, or by id when no unit has that key.
    pub async fn unit_by_key_or_id(&self, _actor: &Actor, key_or_id: &str) -> Result<OrgUnit, AppError> {
        let mut tx = self.store.begin_read().await?;
        unit_by_key_or_id(&mut tx, key_or_id).await?.ok_or(AppError::NotFound)
    }
}

impl App {
    /// Keys of units by id (for showing references).
    pub async fn unit_keys(&self, ids: &[OrgUnitId]) -> Result<std::collections::HashMap<OrgUnitId, String>, AppError> {
        let mut tx = self.store.begin_read().await?;
        Ok(store::org_units::get_many(&mut tx, ids).await?.into_iter().map(|u| (u.id, u.key)).collect())
    }
}

impl App {
    /// Names of units by id (for showing references).
    pub async fn unit_names(&self, ids: &[OrgUnitId]) -> Result<std::collections::HashMap<OrgUnitId, String>, AppError> {
        let mut tx = self.store.begin_read().await?;
        Ok(store::org_units::get_many(&mut tx, ids).await?.into_iter().map(|u| (u.id, u.name)).collect())
    }

    /// True if the actor administers users anywhere (shows the "new user" button).
    pub fn may_manage_any_users(&self, actor: &Actor) -> bool {
        actor.admin_roots().is_none_or(|roots| !roots.is_empty())
    }
}
