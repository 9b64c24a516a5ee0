//! The permission policy: a pure function from (who, what, where) to allow/deny.
//!
//! Every use case in `app` asks [`permits`] before it touches data. A grant covers the unit it
//! is given on and that unit's whole subtree; a system administrator's grant covers everything.

use crate::ids::OrgUnitId;
use crate::role::{ModuleScope, Role};
use crate::user::Licence;

/// One role grant as the policy sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    pub role: Role,
    pub unit: OrgUnitId,
    pub module: ModuleScope,
}

/// The person asking.
#[derive(Clone, Debug)]
pub struct Subject<'a> {
    pub active: bool,
    pub licence: Licence,
    pub grants: &'a [Grant],
}

/// Where the action lands: the target unit's path from the root (the unit itself last), or an
/// empty path for something that belongs to the whole organisation; and the module, if any.
#[derive(Clone, Copy, Debug)]
pub struct Target<'a> {
    pub unit_path: &'a [OrgUnitId],
    pub module: Option<&'a str>,
}

impl<'a> Target<'a> {
    pub fn unit(unit_path: &'a [OrgUnitId]) -> Self {
        Self { unit_path, module: None }
    }

    pub fn organisation() -> Self {
        Self { unit_path: &[], module: None }
    }
}

/// What the subject wants to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Read a unit's data, role assignments and history.
    Read,
    /// Report follow-up (outcomes, assessments, comments).
    Report,
    /// Approve reports and edit the unit's activities.
    Approve,
    /// Edit plan structure (goals, indicators …).
    EditPlan,
    /// Edit the unit's budget (frames, frame changes, detailed budget) and record its decision.
    EditBudget,
    /// Import actuals and forecasts from the ledger into the unit (business support's job).
    ImportOutcomes,
    /// Configure a module and its governance model.
    ConfigureModule,
    /// Create, rename, move and close units.
    ManageUnits,
    /// Create and change users whose home unit is the target.
    ManageUsers,
    /// Grant or revoke this role on the target unit.
    ManageRole(Role),
    /// See the background jobs that gave up and put them back in the queue. Jobs belong to the
    /// whole installation (they may touch any unit), so only a system administrator may.
    ManageJobs,
}

/// How much licence an action needs.
fn licence_allows(licence: Licence, action: Action) -> bool {
    match action {
        Action::Read => true,
        Action::Report => matches!(licence, Licence::Full | Licence::ReportOnly),
        _ => licence == Licence::Full,
    }
}

/// Which roles allow an action (before scope is considered).
fn role_allows(role: Role, action: Action) -> bool {
    use Role::*;
    match action {
        Action::Read => true,
        Action::Report => matches!(role, User | Manager | BusinessSupport | ModuleOwner | SuperUser | SystemAdmin),
        Action::Approve => matches!(role, Manager | SuperUser | SystemAdmin),
        Action::EditPlan => matches!(role, BusinessSupport | ModuleOwner | SuperUser | SystemAdmin),
        // The budget belongs to no module: the unit's managers and business support keep it.
        Action::EditBudget => matches!(role, Manager | BusinessSupport | SuperUser | SystemAdmin),
        Action::ImportOutcomes => matches!(role, BusinessSupport | SuperUser | SystemAdmin),
        Action::ConfigureModule => matches!(role, ModuleOwner | SuperUser | SystemAdmin),
        Action::ManageUnits | Action::ManageUsers => matches!(role, LocalAdmin | SystemAdmin),
        // Nobody but a system administrator hands out system administration.
        Action::ManageRole(Role::SystemAdmin) => role == SystemAdmin,
        Action::ManageRole(_) => matches!(role, LocalAdmin | SystemAdmin),
        Action::ManageJobs => role == SystemAdmin,
    }
}

/// Does this grant reach the target?
fn grant_covers(grant: &Grant, action: Action, target: &Target<'_>) -> bool {
    if grant.role == Role::SystemAdmin {
        return true;
    }
    if !target.unit_path.contains(&grant.unit) {
        return false;
    }
    match action {
        // Administration of the organisation is not module work: it needs an all-modules grant.
        Action::ManageUnits | Action::ManageUsers | Action::ManageRole(_) | Action::ManageJobs => grant.module == ModuleScope::All,
        // Reading a unit's general information is allowed by a grant in any module.
        Action::Read if target.module.is_none() => true,
        _ => grant.module.covers(target.module),
    }
}

/// The decision. Inactive people may do nothing; the licence caps what roles allow.
pub fn permits(subject: &Subject<'_>, action: Action, target: &Target<'_>) -> bool {
    subject.active
        && licence_allows(subject.licence, action)
        && subject.grants.iter().any(|g| role_allows(g.role, action) && grant_covers(g, action, target))
}

/// True if the subject may see anything at all in the organisation (used for navigation).
pub fn is_system_admin(subject: &Subject<'_>) -> bool {
    subject.active && subject.grants.iter().any(|g| g.role == Role::SystemAdmin)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn subject(grants: &[Grant]) -> Subject<'_> {
        Subject { active: true, licence: Licence::Full, grants }
    }

    fn grant(role: Role, unit: OrgUnitId) -> Grant {
        Grant { role, unit, module: ModuleScope::All }
    }

    #[test]
    fn local_admin_manages_only_their_subtree() {
        let (root, rk, ce, other) = (OrgUnitId::new(), OrgUnitId::new(), OrgUnitId::new(), OrgUnitId::new());
        let grants = [grant(Role::LocalAdmin, rk)];
        let s = subject(&grants);
        assert!(permits(&s, Action::ManageUnits, &Target::unit(&[root, rk])));
        assert!(permits(&s, Action::ManageUnits, &Target::unit(&[root, rk, ce])));
        assert!(!permits(&s, Action::ManageUnits, &Target::unit(&[root])));
        assert!(!permits(&s, Action::ManageUnits, &Target::unit(&[root, other])));
        assert!(!permits(&s, Action::ManageUnits, &Target::organisation()));
        assert!(permits(&s, Action::ManageRole(Role::LocalAdmin), &Target::unit(&[root, rk, ce])));
        assert!(!permits(&s, Action::ManageRole(Role::SystemAdmin), &Target::unit(&[root, rk, ce])));
    }

    #[test]
    fn system_admin_reaches_everything() {
        let unit = OrgUnitId::new();
        let grants = [grant(Role::SystemAdmin, unit)];
        let s = subject(&grants);
        assert!(permits(&s, Action::ManageUnits, &Target::organisation()));
        assert!(permits(&s, Action::ManageRole(Role::SystemAdmin), &Target::unit(&[OrgUnitId::new()])));
    }

    #[test]
    fn view_reads_but_never_writes() {
        let unit = OrgUnitId::new();
        let grants = [grant(Role::View, unit)];
        let s = subject(&grants);
        assert!(permits(&s, Action::Read, &Target::unit(&[unit])));
        for action in [Action::Report, Action::Approve, Action::EditPlan, Action::ManageUnits, Action::ManageUsers] {
            assert!(!permits(&s, action, &Target::unit(&[unit])), "{action:?}");
        }
    }

    #[test]
    fn module_scope_limits_module_work_but_not_reading_the_unit() {
        let unit = OrgUnitId::new();
        let grants = [Grant { role: Role::BusinessSupport, unit, module: ModuleScope::Module("vgpu".into()) }];
        let s = subject(&grants);
        let path = [unit];
        assert!(permits(&s, Action::EditPlan, &Target { unit_path: &path, module: Some("vgpu") }));
        assert!(!permits(&s, Action::EditPlan, &Target { unit_path: &path, module: Some("sam") }));
        assert!(permits(&s, Action::Read, &Target::unit(&path)));
        assert!(!permits(&s, Action::Read, &Target { unit_path: &path, module: Some("sam") }));
    }

    #[test]
    fn licence_caps_roles() {
        let unit = OrgUnitId::new();
        let grants = [grant(Role::SuperUser, unit)];
        let path = [unit];
        let report_only = Subject { active: true, licence: Licence::ReportOnly, grants: &grants };
        assert!(permits(&report_only, Action::Report, &Target::unit(&path)));
        assert!(!permits(&report_only, Action::EditPlan, &Target::unit(&path)));
        let read_only = Subject { active: true, licence: Licence::ReadOnly, grants: &grants };
        assert!(permits(&read_only, Action::Read, &Target::unit(&path)));
        assert!(!permits(&read_only, Action::Report, &Target::unit(&path)));
    }

    #[test]
    fn only_a_system_admin_with_a_full_licence_manages_jobs() {
        let (root, unit) = (OrgUnitId::new(), OrgUnitId::new());
        let organisation = Target::organisation();
        let admin = [grant(Role::SystemAdmin, unit)];
        assert!(permits(&subject(&admin), Action::ManageJobs, &organisation));
        assert!(permits(&subject(&admin), Action::ManageJobs, &Target::unit(&[root])));
        let read_only = Subject { active: true, licence: Licence::ReadOnly, grants: &admin };
        assert!(!permits(&read_only, Action::ManageJobs, &organisation));
        let inactive = Subject { active: false, licence: Licence::Full, grants: &admin };
        assert!(!permits(&inactive, Action::ManageJobs, &organisation));
        for role in Role::ALL.into_iter().filter(|r| *r != Role::SystemAdmin) {
            let grants = [grant(role, root)];
            assert!(!permits(&subject(&grants), Action::ManageJobs, &organisation), "{role:?}");
            assert!(!permits(&subject(&grants), Action::ManageJobs, &Target::unit(&[root])), "{role:?} on the root");
        }
    }

    fn any_role() -> impl Strategy<Value = Role> {
        proptest::sample::select(Role::ALL.to_vec())
    }

    fn any_action() -> impl Strategy<Value = Action> {
        prop_oneof![
            Just(Action::Read),
            Just(Action::Report),
            Just(Action::Approve),
            Just(Action::EditPlan),
            Just(Action::EditBudget),
            Just(Action::ImportOutcomes),
            Just(Action::ConfigureModule),
            Just(Action::ManageUnits),
            Just(Action::ManageUsers),
            Just(Action::ManageJobs),
            any_role().prop_map(Action::ManageRole),
        ]
    }

    fn any_licence() -> impl Strategy<Value = Licence> {
        proptest::sample::select(Licence::ALL.to_vec())
    }

    proptest! {
        /// Property: a grant on a unit never reaches a sibling subtree (unless it is system admin).
        #[test]
        fn grants_do_not_leak_to_siblings(role in any_role(), action in any_action(), licence in any_licence(), depth in 0usize..5) {
            prop_assume!(role != Role::SystemAdmin);
            let root = OrgUnitId::new();
            let granted = OrgUnitId::new();
            let mut sibling_path = vec![root];
            for _ in 0..depth { sibling_path.push(OrgUnitId::new()); }
            let grants = [grant(role, granted)];
            let s = Subject { active: true, licence, grants: &grants };
            prop_assert!(!permits(&s, action, &Target::unit(&sibling_path)));
        }

        /// Property: whatever a grant allows on a unit, it allows on every descendant too.
        #[test]
        fn permissions_inherit_downwards(role in any_role(), action in any_action(), licence in any_licence(), extra in 0usize..5) {
            let unit = OrgUnitId::new();
            let grants = [grant(role, unit)];
            let s = Subject { active: true, licence, grants: &grants };
            let mut path = vec![OrgUnitId::new(), unit];
            let on_unit = permits(&s, action, &Target::unit(&path));
            for _ in 0..extra { path.push(OrgUnitId::new()); }
            prop_assert_eq!(permits(&s, action, &Target::unit(&path)), on_unit);
        }

        /// Property: an inactive person may do nothing, whatever their grants.
        #[test]
        fn inactive_people_may_do_nothing(roles in proptest::collection::vec(any_role(), 0..6), action in any_action()) {
            let unit = OrgUnitId::new();
            let grants: Vec<Grant> = roles.into_iter().map(|r| grant(r, unit)).collect();
            let s = Subject { active: false, licence: Licence::Full, grants: &grants };
            prop_assert!(!permits(&s, action, &Target::unit(&[unit])));
        }

        /// Property: adding a grant never takes a permission away (the policy is monotone).
        #[test]
        fn more_grants_never_mean_less(roles in proptest::collection::vec(any_role(), 0..5), extra in any_role(), action in any_action()) {
            let unit = OrgUnitId::new();
            let mut grants: Vec<Grant> = roles.into_iter().map(|r| grant(r, unit)).collect();
            let before = permits(&subject(&grants), action, &Target::unit(&[unit]));
            grants.push(grant(extra, unit));
            let after = permits(&subject(&grants), action, &Target::unit(&[unit]));
            prop_assert!(!before || after);
        }
    }
}
