//! Use cases: every change goes through here, with authorization decided by the pure policy in
//! `domain`, one transaction per use case, and an audit event in that same transaction.

pub mod audit_log;
pub mod auth;
pub mod budget;
pub mod budget_indicators;
pub mod budget_outcomes;
pub mod clock;
pub mod demo;
pub mod error;
pub mod governance;
pub mod jobs;
pub mod org;
pub mod plan;
pub mod plan_file;
pub mod plan_view;
pub mod reminders;
pub mod report_own_sections;
pub mod report_templates;
pub mod report_units;
pub mod reports;
mod rate_limit;
pub mod roles;
pub mod todo;
pub mod tokens;
pub mod users;

pub use clock::{Clock, FixedClock, SystemClock};
pub use error::{AppError, ConflictKind};
pub use store::{Backend, Page, Store};

use domain::policy::{self, Action, Grant, Subject, Target};
use domain::user::{Licence, User};
use domain::{OrgUnitId, UserId};
use std::sync::Arc;

/// The application: a store, a clock and the in-process login limiter. Cheap to clone.
#[derive(Clone)]
pub struct App {
    pub(crate) store: Store,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) limiter: Arc<rate_limit::LoginLimiter>,
    pub(crate) settings: Arc<Settings>,
    pub(crate) todo_cache: Arc<todo::TodoCache>,
}

/// Behaviour knobs of the use cases.
#[derive(Clone, Debug)]
pub struct Settings {
    /// A session ends after this long without activity.
    pub session_idle_ms: i64,
    /// Failed logins allowed per e-mail address (and, tripled, per client address) in the window.
    pub login_failures_allowed: u32,
    pub login_window_ms: i64,
    /// Roll-ups of distributed indicators with at least this many units are cached (a chain
    /// that small is cheaper to compute than to store).
    pub rollup_cache_min_units: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            session_idle_ms: 8 * 3600 * 1000,
            login_failures_allowed: 5,
            login_window_ms: 15 * 60 * 1000,
            rollup_cache_min_units: 100,
        }
    }
}

impl App {
    pub fn new(store: Store, clock: Arc<dyn Clock>, settings: Settings) -> Self {
        Self {
            store,
            clock,
            limiter: Arc::new(rate_limit::LoginLimiter::default()),
            settings: Arc::new(settings),
            todo_cache: Arc::default(),
        }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }

    /// True when the database answers (for `/healthz`).
    pub async fn healthy(&self) -> bool {
        self.store.ping().await
    }
}

/// Who is calling a use case: a signed-in person, or the operator at the command line.
#[derive(Clone, Debug)]
pub struct Actor {
    pub user: Option<User>,
    pub grants: Vec<Grant>,
    /// The request that caused the call, written into audit events.
    pub request_id: Option<String>,
}

impl Actor {
    /// The operator running a CLI command on the server: allowed everything, audited as such.
    pub fn system() -> Self {
        Self {
            user: None,
            grants: vec![Grant {
                role: domain::role::Role::SystemAdmin,
                unit: OrgUnitId(uuid::Uuid::nil()),
                module: domain::role::ModuleScope::All,
            }],
            request_id: None,
        }
    }

    pub fn user_id(&self) -> Option<UserId> {
        self.user.as_ref().map(|u| u.id)
    }

    pub fn display_name(&self) -> String {
        match &self.user {
            Some(u) => u.name.clone(),
            None => "Systemet (kommandorad)".to_owned(),
        }
    }

    pub(crate) fn subject(&self) -> Subject<'_> {
        match &self.user {
            Some(u) => Subject { active: u.active, licence: u.licence, grants: &self.grants },
            None => Subject { active: true, licence: Licence::Full, grants: &self.grants },
        }
    }

    pub fn may(&self, action: Action, target: &Target<'_>) -> bool {
        policy::permits(&self.subject(), action, target)
    }

    pub fn is_system_admin(&self) -> bool {
        policy::is_system_admin(&self.subject())
    }

    /// The roots of the subtrees this actor may read; None = everything.
    pub(crate) fn readable_roots(&self) -> Option<Vec<OrgUnitId>> {
        if self.is_system_admin() {
            return None;
        }
        if !self.subject().active {
            return Some(Vec::new());
        }
        let mut roots: Vec<OrgUnitId> = self.grants.iter().map(|g| g.unit).collect();
        roots.sort();
        roots.dedup();
        Some(roots)
    }

    /// The roots of the subtrees where this actor administers users.
    pub(crate) fn admin_roots(&self) -> Option<Vec<OrgUnitId>> {
        if self.is_system_admin() {
            return None;
        }
        let subject = self.subject();
        let mut roots: Vec<OrgUnitId> = self
            .grants
            .iter()
            .filter(|g| {
                let path = [g.unit];
                policy::permits(&Subject { grants: std::slice::from_ref(g), ..subject.clone() }, Action::ManageUsers, &Target::unit(&path))
            })
            .map(|g| g.unit)
            .collect();
        roots.sort();
        roots.dedup();
        Some(roots)
    }

    pub(crate) fn require(&self, action: Action, target: &Target<'_>) -> Result<(), AppError> {
        if self.may(action, target) { Ok(()) } else { Err(AppError::Forbidden) }
    }
}
