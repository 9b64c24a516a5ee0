//! People: create, change, deactivate; set passwords.

use crate::audit_log::Change;
use crate::error::{AppError, ConflictKind, Problems};
use crate::org::{field_not_found, unit_by_key};
use crate::{Actor, App};
use domain::UserId;
use domain::audit::{AuditAction, ObjectType};
use domain::policy::{Action, Target};
use domain::role::Role;
use domain::user::{self, Licence, User};
use store::users::UserFilter;
use store::{Page, StoreError, Tx};

#[derive(Clone, Debug, Default)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    /// Home unit key.
    pub home_unit: Option<String>,
    /// `full`, `report-only` or `read-only`; full if empty.
    pub licence: Option<String>,
    pub locale: Option<String>,
    /// Optional initial password (people who sign in through SSO have none).
    pub password: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct UserPatch {
    pub email: Option<String>,
    pub name: Option<String>,
    pub home_unit: Option<Option<String>>,
    pub licence: Option<String>,
    pub locale: Option<Option<String>>,
    pub active: Option<bool>,
    pub version: Option<i64>,
}

/// A user with their home unit's key and name, for lists and pages.
#[derive(Clone, Debug)]
pub struct UserView {
    pub user: User,
    pub home_unit: Option<domain::org::OrgUnit>,
    pub roles: Vec<store::role_assignments::RoleAssignment>,
    pub can_manage: bool,
}

fn snapshot(user: &User, home_unit_key: Option<&str>) -> serde_json::Value {
    serde_json::json!({
        "email": user.email,
        "name": user.name,
        "home_unit": home_unit_key,
        "active": user.active,
        "licence": user.licence.as_str(),
        "locale": user.locale,
    })
}

impl App {
    /// People the actor may see: everybody for a system administrator, else those whose home
    /// unit lies where the actor has a role, plus the actor.
    pub async fn list_users(
        &self,
        actor: &Actor,
        search: Option<&str>,
        cursor: Option<&str>,
        limit: i64,
    ) -> Result<Page<User>, AppError> {
        let filter = UserFilter { within: actor.readable_roots(), include: actor.user_id(), search: search.map(str::to_owned) };
        let mut tx = self.store.begin_read().await?;
        Ok(store::users::list_page(&mut tx, &filter, cursor, limit).await?)
    }

    /// People the actor may hand roles to (every active user in their administration scope).
    pub async fn grantable_users(&self, actor: &Actor) -> Result<Vec<User>, AppError> {
        let filter = UserFilter { within: actor.admin_roots(), include: None, search: None };
        let mut tx = self.store.begin_read().await?;
        let mut users = store::users::list_page(&mut tx, &filter, None, 5000).await?.items;
        users.retain(|u| u.active);
        users.sort_by_key(|u| domain_sort_key(&u.name));
        Ok(users)
    }

    pub async fn user_view(&self, actor: &Actor, id: UserId) -> Result<UserView, AppError> {
        let mut tx = self.store.begin_read().await?;
        let user = store::users::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
        let path = home_path(&mut tx, &user).await?;
        let is_self = actor.user_id() == Some(user.id);
        if !is_self && !actor.may(Action::Read, &Target::unit(&path)) {
            // Not visible is the same as not there.
            return Err(AppError::NotFound);
        }
        let home_unit = match user.home_unit_id {
            Some(id) => store::org_units::get(&mut tx, id).await?,
            None => None,
        };
        let filter = store::role_assignments::AssignmentFilter { user: Some(user.id), ..Default::default() };
        let roles = store::role_assignments::list_page(&mut tx, &filter, None, 1000).await?.items;
        let can_manage = actor.may(Action::ManageUsers, &Target::unit(&path)) && self.may_administer(&mut tx, actor, user.id).await?;
        Ok(UserView { can_manage, user, home_unit, roles })
    }

    pub async fn create_user(&self, actor: &Actor, input: NewUser) -> Result<User, AppError> {
        let prepared = prepare_user(input).await?;
        let mut tx = self.store.begin_write().await?;
        let user = self.insert_user(&mut tx, actor, prepared).await?;
        tx.commit().await?;
        Ok(user)
    }

    /// The write half of creating a person, inside the caller's transaction.
    async fn insert_user(&self, tx: &mut Tx, actor: &Actor, prepared: PreparedUser) -> Result<User, AppError> {
        let PreparedUser { input, email, name, licence, locale, hash } = prepared;

        let home = match input.home_unit.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
            Some(k) => Some(unit_by_key(tx, k).await.map_err(|_| field_not_found("home_unit"))?),
            None => None,
        };
        let path = match &home {
            Some(h) => store::org_units::path(tx, h.id).await?,
            None => Vec::new(),
        };
        actor.require(Action::ManageUsers, &Target::unit(&path))?;
        let email = email.unwrap_or_default();
        if store::users::get_by_email(tx, &email).await?.is_some() {
            return Err(AppError::Conflict(ConflictKind::Duplicate { field: "email" }));
        }
        let user = User {
            id: UserId::new(),
            email,
            name: name.unwrap_or_default(),
            home_unit_id: home.as_ref().map(|h| h.id),
            active: true,
            licence: licence.unwrap_or(Licence::Full),
            locale: locale.flatten(),
            version: 1,
        };
        store::users::insert(tx, &user, hash.as_deref(), self.clock.now_ms()).await.map_err(duplicate_email)?;
        self.record(
            tx,
            actor,
            Change {
                action: AuditAction::Created,
                object_type: ObjectType::User,
                object_id: user.id.to_string(),
                label: &user.email,
                unit: user.home_unit_id,
                before: None,
                after: Some(snapshot(&user, home.as_ref().map(|h| h.key.as_str()))),
            },
        )
        .await?;
        Ok(user)
    }

    pub async fn update_user(&self, actor: &Actor, id: UserId, patch: UserPatch) -> Result<User, AppError> {
        let mut problems = Problems::default();
        let email = patch.email.as_deref().and_then(|e| problems.take(user::parse_email("email", e)));
        let name = patch.name.as_deref().and_then(|n| problems.take(user::parse_user_name("name", n)));
        let licence = patch.licence.as_deref().and_then(|l| problems.take(Licence::parse("licence", l)));
        let locale = match &patch.locale {
            Some(l) => problems.take(user::parse_locale("locale", l.as_deref())),
            None => None,
        };
        problems.finish()?;

        let mut tx = self.store.begin_write().await?;
        let current = store::users::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
        let path = home_path(&mut tx, &current).await?;
        if !actor.may(Action::ManageUsers, &Target::unit(&path)) {
            return Err(if actor.may(Action::Read, &Target::unit(&path)) || actor.user_id() == Some(id) {
                AppError::Forbidden
            } else {
                AppError::NotFound
            });
        }
        self.ensure_may_administer(&mut tx, actor, current.id).await?;
        if patch.version.is_some_and(|v| v != current.version) {
            return Err(AppError::Conflict(ConflictKind::Stale));
        }
        let home_before = match current.home_unit_id {
            Some(u) => store::org_units::get(&mut tx, u).await?,
            None => None,
        };
        let mut changed = current.clone();
        let mut home_key = home_before.as_ref().map(|h| h.key.clone());
        if let Some(e) = email {
            if e != current.email && store::users::get_by_email(&mut tx, &e).await?.is_some() {
                return Err(AppError::Conflict(ConflictKind::Duplicate { field: "email" }));
            }
            changed.email = e;
        }
        if let Some(n) = name {
            changed.name = n;
        }
        if let Some(l) = licence {
            changed.licence = l;
        }
        if let Some(l) = locale {
            changed.locale = l;
        }
        if let Some(active) = patch.active {
            changed.active = active;
        }
        if let Some(home) = &patch.home_unit {
            match home.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
                Some(k) => {
                    let unit = unit_by_key(&mut tx, k).await.map_err(|_| field_not_found("home_unit"))?;
                    let new_path = store::org_units::path(&mut tx, unit.id).await?;
                    actor.require(Action::ManageUsers, &Target::unit(&new_path))?;
                    changed.home_unit_id = Some(unit.id);
                    home_key = Some(unit.key);
                }
                None => {
                    actor.require(Action::ManageUsers, &Target::organisation())?;
                    changed.home_unit_id = None;
                    home_key = None;
                }
            }
        }
        if changed == current {
            return Ok(current);
        }
        if current.active && !changed.active {
            self.ensure_not_last_system_admin(&mut tx, current.id).await?;
            store::sessions::delete_for_user(&mut tx, current.id).await?;
        }
        changed.version = current.version + 1;
        store::users::update(&mut tx, &changed, current.version, self.clock.now_ms()).await.map_err(duplicate_email)?;
        self.record(
            &mut tx,
            actor,
            Change {
                action: AuditAction::Updated,
                object_type: ObjectType::User,
                object_id: changed.id.to_string(),
                label: &changed.email,
                unit: changed.home_unit_id,
                before: Some(snapshot(&current, home_before.as_ref().map(|h| h.key.as_str()))),
                after: Some(snapshot(&changed, home_key.as_deref())),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(changed)
    }

    /// Sets a user's password (an administrator for others, or the person themselves). Ends the
    /// user's other sessions.
    pub async fn set_password(&self, actor: &Actor, id: UserId, password: &str) -> Result<(), AppError> {
        user::check_password("password", password)?;
        let hash = crate::auth::hash_password(password.to_owned()).await;
        let mut tx = self.store.begin_write().await?;
        let target = store::users::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
        let path = home_path(&mut tx, &target).await?;
        if actor.user_id() != Some(id) {
            actor.require(Action::ManageUsers, &Target::unit(&path))?;
            self.ensure_may_administer(&mut tx, actor, id).await?;
        }
        store::users::set_password_hash(&mut tx, id, &hash, self.clock.now_ms()).await?;
        store::sessions::delete_for_user(&mut tx, id).await?;
        self.record(
            &mut tx,
            actor,
            Change {
                action: AuditAction::PasswordChanged,
                object_type: ObjectType::User,
                object_id: id.to_string(),
                label: &target.email,
                unit: target.home_unit_id,
                before: None,
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Operator command: create a user with a password and roles, all in one transaction (a
    /// grant that fails leaves no user behind).
    pub async fn create_user_with_roles(&self, input: NewUser, roles: &[(Role, String)]) -> Result<User, AppError> {
        let actor = Actor::system();
        let prepared = prepare_user(input).await?;
        let mut tx = self.store.begin_write().await?;
        let user = self.insert_user(&mut tx, &actor, prepared).await?;
        for (role, unit) in roles {
            let grant = crate::roles::NewGrant {
                user: user.id.to_string(),
                role: role.as_str().to_owned(),
                unit: unit.clone(),
                module: None,
            };
            self.insert_grant(&mut tx, &actor, grant).await?;
        }
        tx.commit().await?;
        Ok(user)
    }

    /// A person may be administered only by someone who could grant every role that person
    /// holds, where it is held: otherwise a local administrator could set the password of, say,
    /// a region-wide super user and sign in as them.
    pub(crate) async fn ensure_may_administer(&self, tx: &mut Tx, actor: &Actor, target: UserId) -> Result<(), AppError> {
        if self.may_administer(tx, actor, target).await? { Ok(()) } else { Err(AppError::Forbidden) }
    }

    async fn may_administer(&self, tx: &mut Tx, actor: &Actor, target: UserId) -> Result<bool, AppError> {
        if actor.is_system_admin() {
            return Ok(true);
        }
        for grant in store::role_assignments::grants_of(tx, target).await? {
            let path = store::org_units::path(tx, grant.unit).await?;
            if !actor.may(Action::ManageRole(grant.role), &Target::unit(&path)) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    pub(crate) async fn ensure_not_last_system_admin(&self, tx: &mut Tx, user: UserId) -> Result<(), AppError> {
        let grants = store::role_assignments::grants_of(tx, user).await?;
        if !grants.iter().any(|g| g.role == Role::SystemAdmin) {
            return Ok(());
        }
        let filter = store::users::UserFilter::default();
        let others = store::users::list_page(tx, &filter, None, 100_000).await?.items;
        for other in others.iter().filter(|u| u.active && u.id != user) {
            let grants = store::role_assignments::grants_of(tx, other.id).await?;
            if grants.iter().any(|g| g.role == Role::SystemAdmin) {
                return Ok(());
            }
        }
        Err(AppError::Conflict(ConflictKind::LastSystemAdmin))
    }
}

/// A new person's input, checked and with the password hashed (before any transaction starts,
/// so the slow hash never holds the write lock).
struct PreparedUser {
    input: NewUser,
    email: Option<String>,
    name: Option<String>,
    licence: Option<Licence>,
    locale: Option<Option<String>>,
    hash: Option<String>,
}

async fn prepare_user(input: NewUser) -> Result<PreparedUser, AppError> {
    let mut problems = Problems::default();
    let email = problems.take(user::parse_email("email", &input.email));
    let name = problems.take(user::parse_user_name("name", &input.name));
    let licence = match input.licence.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
        Some(l) => problems.take(Licence::parse("licence", l)),
        None => Some(Licence::Full),
    };
    let locale = problems.take(user::parse_locale("locale", input.locale.as_deref()));
    let password = input.password.clone().filter(|p| !p.is_empty());
    if let Some(p) = &password {
        problems.take(user::check_password("password", p));
    }
    problems.finish()?;
    let hash = match password {
        Some(p) => Some(crate::auth::hash_password(p).await),
        None => None,
    };

    Ok(PreparedUser { input, email, name, licence, locale, hash })
}

pub(crate) async fn home_path(tx: &mut Tx, user: &User) -> Result<Vec<domain::OrgUnitId>, AppError> {
    Ok(match user.home_unit_id {
        Some(id) => store::org_units::path(tx, id).await?,
        None => Vec::new(),
    })
}

fn duplicate_email(err: StoreError) -> AppError {
    match err {
        StoreError::Constraint(name) if name.contains("email") => {
            AppError::Conflict(ConflictKind::Duplicate { field: "email" })
        }
        other => other.into(),
    }
}

/// Sort key giving Swedish alphabetical order (å, ä, ö after z).
pub fn domain_sort_key(s: &str) -> String {
    s.to_lowercase()
        .chars()
        .map(|c| match c {
            'å' => '{',
            'ä' | 'æ' => '|',
            'ö' | 'ø' => '}',
            'é' | 'è' => 'e',
            'ü' => 'y',
            other => other,
        })
        .collect()
}

impl App {
    /// A person changes their own preferences (language). Only these fields; no administration
    /// rights needed.
    pub async fn update_own_profile(&self, actor: &Actor, id: UserId, patch: UserPatch) -> Result<User, AppError> {
        if actor.user_id() != Some(id) {
            return Err(AppError::Forbidden);
        }
        let locale = match &patch.locale {
            Some(l) => user::parse_locale("locale", l.as_deref())?,
            None => return Err(AppError::Validation(vec![domain::ValidationError::new("locale", domain::validate::ValidationCode::Required)])),
        };
        let mut tx = self.store.begin_write().await?;
        let current = store::users::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
        if current.locale == locale {
            return Ok(current);
        }
        let mut changed = current.clone();
        changed.locale = locale;
        changed.version = current.version + 1;
        store::users::update(&mut tx, &changed, current.version, self.clock.now_ms()).await?;
        self.record(
            &mut tx,
            actor,
            Change {
                action: AuditAction::Updated,
                object_type: ObjectType::User,
                object_id: id.to_string(),
                label: &changed.email,
                unit: changed.home_unit_id,
                before: Some(serde_json::json!({"locale": current.locale})),
                after: Some(serde_json::json!({"locale": changed.locale})),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(changed)
    }
}
