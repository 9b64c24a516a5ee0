//! Store conformance suite: every behaviour the rest of Styrbord relies on, checked on SQLite
//! always and on PostgreSQL when `STYRBORD_TEST_DATABASE_URL` is set. Every test gets a fresh,
//! migrated database (see `support`).

mod support;

use domain::audit::{AuditAction, AuditEvent, ObjectType};
use domain::governance::{GovernanceModel, Level, ObjectKind};
use domain::period::Periodicity;
use domain::org::OrgUnit;
use domain::policy::Grant;
use domain::role::{GrantSource, ModuleScope, Role};
use domain::user::{Licence, User};
use domain::{AssignmentId, AuditEventId, ModelId, OrgUnitId, TokenId, UserId};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use store::audit::AuditFilter;
use store::modules::Module;
use store::role_assignments::{AssignmentFilter, NewAssignment};
use store::sessions::Session;
use store::tokens::ApiToken;
use store::users::UserFilter;
use store::{
    Backend, Store, StoreError, audit, governance, modules, org_units, role_assignments, sessions, tokens, users,
};
use support::Db;
use time::Date;

conformance! {
    migrate_is_idempotent_and_starts_empty => migrate_is_idempotent_and_starts_empty_sqlite, migrate_is_idempotent_and_starts_empty_postgres;
    org_tree => org_tree_sqlite, org_tree_postgres;
    move_unit => move_unit_sqlite, move_unit_postgres;
    update_unit => update_unit_sqlite, update_unit_postgres;
    unit_constraints_and_rollback => unit_constraints_and_rollback_sqlite, unit_constraints_and_rollback_postgres;
    users => users_sqlite, users_postgres;
    user_list => user_list_sqlite, user_list_postgres;
    role_assignments => role_assignments_sqlite, role_assignments_postgres;
    audit_log => audit_log_sqlite, audit_log_postgres;
    audit_is_append_only => audit_is_append_only_sqlite, audit_is_append_only_postgres;
    sessions => sessions_sqlite, sessions_postgres;
    tokens => tokens_sqlite, tokens_postgres;
    modules => modules_sqlite, modules_postgres;
    governance_models => governance_models_sqlite, governance_models_postgres;
    concurrent_writers => concurrent_writers_sqlite, concurrent_writers_postgres;
    budget_chapters => budget_chapters_sqlite, budget_chapters_postgres;
    reports => reports_sqlite, reports_postgres;
    report_people => report_people_sqlite, report_people_postgres;
    jobs => jobs_sqlite, jobs_postgres;
    jobs_are_claimed_once_by_racing_workers => jobs_race_sqlite, jobs_race_postgres;
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const NOW: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

fn day(s: &str) -> Date {
    domain::validate::date("day", s).expect("test date")
}

fn unit(key: &str, parent: Option<OrgUnitId>) -> OrgUnit {
    OrgUnit {
        id: OrgUnitId::new(),
        key: key.to_owned(),
        name: format!("Enhet {key}"),
        short_name: None,
        parent_id: parent,
        manager_id: None,
        valid_from: day("2020-01-01"),
        valid_to: None,
        version: 1,
    }
}

fn user(email: &str, name: &str, home: Option<OrgUnitId>) -> User {
    User {
        id: UserId::new(),
        email: email.to_owned(),
        name: name.to_owned(),
        home_unit_id: home,
        active: true,
        licence: Licence::Full,
        locale: None,
        version: 1,
    }
}

#[track_caller]
fn expect_constraint<T: std::fmt::Debug>(result: store::Result<T>, needle: &str) {
    match result {
        Err(StoreError::Constraint(name)) => {
            assert!(name.contains(needle), "the constraint error {name:?} should name {needle:?}")
        }
        other => panic!("expected StoreError::Constraint naming {needle:?}, got {other:?}"),
    }
}

#[track_caller]
fn expect_stale<T: std::fmt::Debug>(result: store::Result<T>) {
    match result {
        Err(StoreError::Stale) => {}
        other => panic!("expected StoreError::Stale, got {other:?}"),
    }
}

/// Builds a tree from `(key, parent key)` pairs (parents first) in one committed transaction.
async fn build_tree(store: &Store, spec: &[(&str, Option<&str>)]) -> BTreeMap<String, OrgUnit> {
    let mut units: BTreeMap<String, OrgUnit> = BTreeMap::new();
    let mut tx = store.begin_write().await.unwrap();
    for (key, parent) in spec {
        let parent_id = parent.map(|p| units[p].id);
        let u = unit(key, parent_id);
        org_units::insert(&mut tx, &u, NOW).await.unwrap();
        units.insert((*key).to_owned(), u);
    }
    tx.commit().await.unwrap();
    units
}

/// The tree used by several tests; five levels deep on the left.
///
/// ```text
/// R ─┬─ RA ─┬─ RA1 ─┬─ RA1A ── RA1AX
///    │      │       └─ RA1B
///    │      └─ RA2
///    └─ RB ──── RB1 ─── RB1A
/// ```
const TREE: &[(&str, Option<&str>)] = &[
    ("R", None),
    ("RA", Some("R")),
    ("RA1", Some("RA")),
    ("RA1A", Some("RA1")),
    ("RA1AX", Some("RA1A")),
    ("RA1B", Some("RA1")),
    ("RA2", Some("RA")),
    ("RB", Some("R")),
    ("RB1", Some("RB")),
    ("RB1A", Some("RB1")),
];

struct Names(HashMap<OrgUnitId, String>);

impl Names {
    fn of(units: &BTreeMap<String, OrgUnit>) -> Self {
        Self(units.values().map(|u| (u.id, u.key.clone())).collect())
    }

    fn list(&self, ids: &[OrgUnitId]) -> Vec<String> {
        ids.iter().map(|id| self.0.get(id).cloned().unwrap_or_else(|| format!("<unknown {id}>"))).collect()
    }

    fn set(&self, ids: &[OrgUnitId]) -> BTreeSet<String> {
        let set: BTreeSet<String> = self.list(ids).into_iter().collect();
        assert_eq!(set.len(), ids.len(), "duplicate ids in {:?}", self.list(ids));
        set
    }
}

fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

fn str_set(v: &[&str]) -> BTreeSet<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

async fn path_keys(store: &Store, names: &Names, id: OrgUnitId) -> Vec<String> {
    let mut tx = store.begin_read().await.unwrap();
    names.list(&org_units::path(&mut tx, id).await.unwrap())
}

async fn subtree_keys(store: &Store, names: &Names, id: OrgUnitId) -> BTreeSet<String> {
    let mut tx = store.begin_read().await.unwrap();
    names.set(&org_units::subtree_ids(&mut tx, id).await.unwrap())
}

/// The closure table agrees with the parent pointers for every unit: `path` is the chain of
/// parents, `subtree_ids` every unit whose chain passes through it, and (read around the store)
/// the table holds exactly one row per ancestor pair with the right depth.
async fn assert_closure_matches_parents(db: &Db) {
    let store = &db.store;
    let mut tx = store.begin_read().await.unwrap();
    let all = org_units::list_all(&mut tx).await.unwrap();
    let parent: HashMap<OrgUnitId, Option<OrgUnitId>> = all.iter().map(|u| (u.id, u.parent_id)).collect();
    let key: HashMap<OrgUnitId, &str> = all.iter().map(|u| (u.id, u.key.as_str())).collect();
    let chain = |id: OrgUnitId| {
        let mut path = vec![id];
        let mut cur = parent[&id];
        while let Some(p) = cur {
            assert!(path.len() <= all.len(), "cycle in parent pointers");
            path.push(p);
            cur = parent[&p];
        }
        path.reverse();
        path
    };
    let paths: HashMap<OrgUnitId, Vec<OrgUnitId>> = all.iter().map(|u| (u.id, chain(u.id))).collect();
    for u in &all {
        let stored = org_units::path(&mut tx, u.id).await.unwrap();
        let show = |ids: &[OrgUnitId]| ids.iter().map(|i| key[i]).collect::<Vec<_>>();
        assert_eq!(show(&stored), show(&paths[&u.id]), "path of {}", u.key);
        let mut sub: Vec<&str> = org_units::subtree_ids(&mut tx, u.id).await.unwrap().iter().map(|i| key[i]).collect();
        sub.sort_unstable();
        let mut expected: Vec<&str> =
            all.iter().filter(|d| paths[&d.id].contains(&u.id)).map(|d| d.key.as_str()).collect();
        expected.sort_unstable();
        assert_eq!(sub, expected, "subtree of {}", u.key);
    }
    drop(tx);

    let mut expected_rows: Vec<(String, String, i64)> = Vec::new();
    for u in &all {
        let path = &paths[&u.id];
        for (i, ancestor) in path.iter().enumerate() {
            expected_rows.push((key[ancestor].to_owned(), u.key.clone(), (path.len() - 1 - i) as i64));
        }
    }
    expected_rows.sort();
    let mut conn = db.raw().await;
    let rows: Vec<(String, String, i64)> =
        sqlx::query_as("SELECT ancestor_id, descendant_id, depth FROM org_unit_closure")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    let by_id: HashMap<String, &str> = all.iter().map(|u| (u.id.to_string(), u.key.as_str())).collect();
    let mut stored_rows: Vec<(String, String, i64)> =
        rows.into_iter().map(|(a, d, depth)| (by_id[&a].to_owned(), by_id[&d].to_owned(), depth)).collect();
    stored_rows.sort();
    assert_eq!(stored_rows, expected_rows, "closure rows (ancestor, descendant, depth)");
}

/// Walks every page of the unit list and returns the keys in the order seen.
async fn walk_units(store: &Store, root: Option<OrgUnitId>, limit: i64) -> (Vec<String>, usize) {
    let mut keys = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut tx = store.begin_read().await.unwrap();
        let page = org_units::list_page(&mut tx, root, cursor.as_deref(), limit).await.unwrap();
        pages += 1;
        assert!(page.items.len() as i64 <= limit, "page larger than the limit");
        keys.extend(page.items.iter().map(|u| u.key.clone()));
        match page.next_cursor {
            Some(next) => {
                assert_eq!(Some(&next), keys.last(), "the cursor is the last key shown");
                cursor = Some(next);
            }
            None => break,
        }
        assert!(pages < 100, "pagination does not end");
    }
    (keys, pages)
}

async fn list_users(store: &Store, filter: &UserFilter) -> Vec<String> {
    let mut tx = store.begin_read().await.unwrap();
    let page = users::list_page(&mut tx, filter, None, 1000).await.unwrap();
    assert!(page.next_cursor.is_none());
    page.items.into_iter().map(|u| u.email).collect()
}

fn search(s: &str) -> UserFilter {
    UserFilter { search: Some(s.to_owned()), ..UserFilter::default() }
}

// ---------------------------------------------------------------------------------------------
// 1. Migration
// ---------------------------------------------------------------------------------------------

async fn migrate_is_idempotent_and_starts_empty(db: Db) {
    let store = &db.store;
    assert!(store.ping().await);
    assert!(store.is_empty().await.unwrap(), "a fresh database is empty");

    // The harness migrated once; twice more must change nothing and fail nothing.
    store.migrate().await.expect("second migrate");
    store.migrate().await.expect("third migrate");
    assert!(store.is_empty().await.unwrap());
    let migrations = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        .expect("the migrations directory")
        .filter(|f| f.as_ref().is_ok_and(|f| f.path().extension().is_some_and(|e| e == "sql")))
        .count() as i64;
    assert!(migrations >= 2, "the foundation and the governance models");
    assert_eq!(
        db.scalar("SELECT COUNT(*) FROM _sqlx_migrations").await,
        migrations,
        "each migration recorded once"
    );

    // A unit alone makes it non-empty.
    let r = unit("R", None);
    let mut tx = store.begin_write().await.unwrap();
    org_units::insert(&mut tx, &r, NOW).await.unwrap();
    tx.commit().await.unwrap();
    assert!(!store.is_empty().await.unwrap(), "a unit makes the database non-empty");

    // Re-running migrations keeps the data and the append-only rule.
    let event = AuditEvent {
        id: AuditEventId::new(),
        occurred_at: NOW,
        actor_id: None,
        actor_name: "system".into(),
        action: AuditAction::Created,
        object_type: ObjectType::OrgUnit,
        object_id: r.id.to_string(),
        object_label: r.name.clone(),
        unit_id: Some(r.id),
        before: None,
        after: None,
        request_id: None,
    };
    let mut tx = store.begin_write().await.unwrap();
    audit::insert(&mut tx, &event).await.unwrap();
    tx.commit().await.unwrap();
    store.migrate().await.expect("migrate with data");
    let mut tx = store.begin_read().await.unwrap();
    assert_eq!(org_units::get(&mut tx, r.id).await.unwrap(), Some(r));
    drop(tx);
    let mut tx = store.begin_write().await.unwrap();
    assert!(
        audit::try_tamper(&mut tx, &event.id.to_string()).await.is_err(),
        "the audit table stays append-only after a re-run of migrate"
    );
}

async fn users_make_the_database_non_empty(store: &Store) {
    assert!(store.is_empty().await.unwrap());
    let mut tx = store.begin_write().await.unwrap();
    users::insert(&mut tx, &user("solo@region.se", "Solo", None), None, NOW).await.unwrap();
    tx.commit().await.unwrap();
    assert!(!store.is_empty().await.unwrap(), "a user alone makes the database non-empty");
}

// ---------------------------------------------------------------------------------------------
// 2. The organisation tree
// ---------------------------------------------------------------------------------------------

async fn org_tree(db: Db) {
    let store = &db.store;
    let units = build_tree(store, TREE).await;
    let names = Names::of(&units);
    let id = |k: &str| units[k].id;

    // path: root first, the unit itself last.
    assert_eq!(path_keys(store, &names, id("RA1AX")).await, strs(&["R", "RA", "RA1", "RA1A", "RA1AX"]));
    assert_eq!(path_keys(store, &names, id("RB1")).await, strs(&["R", "RB", "RB1"]));
    assert_eq!(path_keys(store, &names, id("R")).await, strs(&["R"]));

    // subtree_ids: exactly the subtree, the unit itself included.
    assert_eq!(subtree_keys(store, &names, id("RA")).await, str_set(&["RA", "RA1", "RA1A", "RA1AX", "RA1B", "RA2"]));
    assert_eq!(subtree_keys(store, &names, id("RA1A")).await, str_set(&["RA1A", "RA1AX"]));
    assert_eq!(subtree_keys(store, &names, id("RA1AX")).await, str_set(&["RA1AX"]));
    assert_eq!(subtree_keys(store, &names, id("R")).await, units.keys().cloned().collect());
    assert_closure_matches_parents(&db).await;

    let mut tx = store.begin_read().await.unwrap();
    // children: direct children only, ordered by key.
    let kids: Vec<String> = org_units::children(&mut tx, id("RA")).await.unwrap().into_iter().map(|u| u.key).collect();
    assert_eq!(kids, strs(&["RA1", "RA2"]));
    let kids: Vec<String> = org_units::children(&mut tx, id("R")).await.unwrap().into_iter().map(|u| u.key).collect();
    assert_eq!(kids, strs(&["RA", "RB"]));
    assert!(org_units::children(&mut tx, id("RA1AX")).await.unwrap().is_empty());

    // get / get_by_key return the unit as written.
    assert_eq!(org_units::get_by_key(&mut tx, "RA1").await.unwrap().as_ref(), Some(&units["RA1"]));
    assert_eq!(org_units::get(&mut tx, id("RB1A")).await.unwrap().as_ref(), Some(&units["RB1A"]));
    assert_eq!(org_units::get_by_key(&mut tx, "ra1").await.unwrap(), None, "keys are case-sensitive");
    assert_eq!(org_units::get_by_key(&mut tx, "NOPE").await.unwrap(), None);
    assert_eq!(org_units::get(&mut tx, OrgUnitId::new()).await.unwrap(), None);
    assert_eq!(org_units::count(&mut tx).await.unwrap(), TREE.len() as i64);
    let all: Vec<String> = org_units::list_all(&mut tx).await.unwrap().into_iter().map(|u| u.key).collect();
    assert_eq!(all, units.keys().cloned().collect::<Vec<_>>(), "list_all is ordered by key");
    drop(tx);

    // list_page: a root filter plus cursor pagination walks the subtree in key order, once.
    let (keys, pages) = walk_units(store, Some(id("RA")), 2).await;
    assert_eq!(keys, strs(&["RA", "RA1", "RA1A", "RA1AX", "RA1B", "RA2"]));
    assert_eq!(pages, 3, "six units in pages of two: the third page is the last");
    let (keys, _) = walk_units(store, Some(id("RA")), 4).await;
    assert_eq!(keys, strs(&["RA", "RA1", "RA1A", "RA1AX", "RA1B", "RA2"]));
    let (keys, pages) = walk_units(store, None, 3).await;
    assert_eq!(keys, units.keys().cloned().collect::<Vec<_>>());
    assert_eq!(pages, 4);
    let (keys, pages) = walk_units(store, Some(id("RB")), 10).await;
    assert_eq!(keys, strs(&["RB", "RB1", "RB1A"]));
    assert_eq!(pages, 1);
    let (keys, _) = walk_units(store, Some(OrgUnitId::new()), 10).await;
    assert!(keys.is_empty(), "an unknown root has no subtree");

    // Optional fields and the manager reference survive the round trip.
    let boss = user("chef@region.se", "Chef", None);
    let mut closed = unit("RC", Some(id("R")));
    closed.short_name = Some("Stängd".into());
    closed.manager_id = Some(boss.id);
    closed.valid_from = day("2019-02-03");
    closed.valid_to = Some(day("2024-12-31"));
    let mut tx = store.begin_write().await.unwrap();
    users::insert(&mut tx, &boss, None, NOW).await.unwrap();
    org_units::insert(&mut tx, &closed, NOW).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.begin_read().await.unwrap();
    assert_eq!(org_units::get(&mut tx, closed.id).await.unwrap(), Some(closed));
}

// ---------------------------------------------------------------------------------------------
// 3. Moving a subtree
// ---------------------------------------------------------------------------------------------

async fn move_unit(db: Db) {
    let store = &db.store;
    let units = build_tree(store, TREE).await;
    let names = Names::of(&units);
    let id = |k: &str| units[k].id;

    // RA1 (with RA1A, RA1AX, RA1B) moves from RA to RB1.
    let mut tx = store.begin_write().await.unwrap();
    org_units::move_unit(&mut tx, id("RA1"), id("RB1"), 1, NOW + 1).await.unwrap();
    tx.commit().await.unwrap();

    assert_eq!(path_keys(store, &names, id("RA1")).await, strs(&["R", "RB", "RB1", "RA1"]));
    assert_eq!(path_keys(store, &names, id("RA1A")).await, strs(&["R", "RB", "RB1", "RA1", "RA1A"]));
    assert_eq!(path_keys(store, &names, id("RA1AX")).await, strs(&["R", "RB", "RB1", "RA1", "RA1A", "RA1AX"]));
    assert_eq!(path_keys(store, &names, id("RA1B")).await, strs(&["R", "RB", "RB1", "RA1", "RA1B"]));
    assert_eq!(subtree_keys(store, &names, id("RA1")).await, str_set(&["RA1", "RA1A", "RA1AX", "RA1B"]));
    assert_eq!(subtree_keys(store, &names, id("RA1A")).await, str_set(&["RA1A", "RA1AX"]));
    // The old branch lost the subtree, the new one gained it, the root kept everything.
    assert_eq!(subtree_keys(store, &names, id("RA")).await, str_set(&["RA", "RA2"]));
    assert_eq!(
        subtree_keys(store, &names, id("RB")).await,
        str_set(&["RB", "RB1", "RB1A", "RA1", "RA1A", "RA1AX", "RA1B"])
    );
    assert_eq!(subtree_keys(store, &names, id("RB1")).await, str_set(&["RB1", "RB1A", "RA1", "RA1A", "RA1AX", "RA1B"]));
    assert_eq!(subtree_keys(store, &names, id("R")).await, units.keys().cloned().collect());
    // Units outside the moved subtree are unaffected.
    assert_eq!(path_keys(store, &names, id("RA2")).await, strs(&["R", "RA", "RA2"]));
    assert_eq!(path_keys(store, &names, id("RB1A")).await, strs(&["R", "RB", "RB1", "RB1A"]));
    assert_eq!(subtree_keys(store, &names, id("RB1A")).await, str_set(&["RB1A"]));
    assert_closure_matches_parents(&db).await;

    let mut tx = store.begin_read().await.unwrap();
    let moved = org_units::get(&mut tx, id("RA1")).await.unwrap().unwrap();
    assert_eq!(moved.parent_id, Some(id("RB1")));
    assert_eq!(moved.version, 2, "a move bumps the version");
    let child = org_units::get(&mut tx, id("RA1A")).await.unwrap().unwrap();
    assert_eq!(child, units["RA1A"], "the moved unit's children keep their own row");
    let kids: Vec<String> = org_units::children(&mut tx, id("RB1")).await.unwrap().into_iter().map(|u| u.key).collect();
    assert_eq!(kids, strs(&["RA1", "RB1A"]));
    let kids: Vec<String> = org_units::children(&mut tx, id("RA")).await.unwrap().into_iter().map(|u| u.key).collect();
    assert_eq!(kids, strs(&["RA2"]));
    drop(tx);
    let (keys, _) = walk_units(store, Some(id("RB")), 2).await;
    assert_eq!(keys, strs(&["RA1", "RA1A", "RA1AX", "RA1B", "RB", "RB1", "RB1A"]));

    // A stale version is refused and changes nothing.
    let mut tx = store.begin_write().await.unwrap();
    expect_stale(org_units::move_unit(&mut tx, id("RA1"), id("RA"), 1, NOW + 2).await);
    drop(tx);
    let mut tx = store.begin_write().await.unwrap();
    expect_stale(org_units::move_unit(&mut tx, OrgUnitId::new(), id("RA"), 1, NOW + 2).await);
    drop(tx);
    assert_eq!(path_keys(store, &names, id("RA1AX")).await, strs(&["R", "RB", "RB1", "RA1", "RA1A", "RA1AX"]));

    // A deeper unit moves up a level (RA1A from RA1 to R), then RA1 moves back to RA.
    let mut tx = store.begin_write().await.unwrap();
    org_units::move_unit(&mut tx, id("RA1A"), id("R"), 1, NOW + 3).await.unwrap();
    org_units::move_unit(&mut tx, id("RA1"), id("RA"), 2, NOW + 3).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(path_keys(store, &names, id("RA1AX")).await, strs(&["R", "RA1A", "RA1AX"]));
    assert_eq!(path_keys(store, &names, id("RA1B")).await, strs(&["R", "RA", "RA1", "RA1B"]));
    assert_eq!(subtree_keys(store, &names, id("RA")).await, str_set(&["RA", "RA1", "RA1B", "RA2"]));
    assert_eq!(subtree_keys(store, &names, id("RB")).await, str_set(&["RB", "RB1", "RB1A"]));
    assert_closure_matches_parents(&db).await;
    let mut tx = store.begin_read().await.unwrap();
    assert_eq!(org_units::get(&mut tx, id("RA1")).await.unwrap().unwrap().version, 3);
}

// ---------------------------------------------------------------------------------------------
// 4. Optimistic locking on update
// ---------------------------------------------------------------------------------------------

async fn update_unit(db: Db) {
    let store = &db.store;
    let units = build_tree(store, &[("R", None), ("RA", Some("R")), ("RB", Some("R"))]).await;
    let boss = user("chef@region.se", "Chef", None);
    let mut tx = store.begin_write().await.unwrap();
    users::insert(&mut tx, &boss, None, NOW).await.unwrap();
    tx.commit().await.unwrap();

    let original = units["RA"].clone();
    let mut changed = original.clone();
    changed.key = "RA-NY".into();
    changed.name = "Nytt namn för Åre".into();
    changed.short_name = Some("Åre".into());
    changed.manager_id = Some(boss.id);
    changed.valid_from = day("2021-03-01");
    changed.valid_to = Some(day("2030-06-30"));
    changed.version = 2;
    // The parent is not an updatable field; a different one in the struct is ignored.
    changed.parent_id = Some(units["RB"].id);

    // Wrong expected version: refused, nothing written.
    let mut tx = store.begin_write().await.unwrap();
    expect_stale(org_units::update(&mut tx, &changed, 5, NOW + 1).await);
    drop(tx);
    let mut tx = store.begin_read().await.unwrap();
    assert_eq!(org_units::get(&mut tx, original.id).await.unwrap().as_ref(), Some(&original));
    drop(tx);

    // Right version: persisted, version bumped.
    let mut tx = store.begin_write().await.unwrap();
    org_units::update(&mut tx, &changed, 1, NOW + 1).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.begin_read().await.unwrap();
    let stored = org_units::get(&mut tx, original.id).await.unwrap().unwrap();
    assert_eq!(stored, OrgUnit { parent_id: original.parent_id, ..changed.clone() });
    assert_eq!(stored.version, 2);
    assert_eq!(org_units::get_by_key(&mut tx, "RA-NY").await.unwrap().map(|u| u.id), Some(original.id));
    assert_eq!(org_units::get_by_key(&mut tx, "RA").await.unwrap(), None, "the old key is gone");
    let names = Names::of(&units);
    drop(tx);
    assert_eq!(path_keys(store, &names, original.id).await, strs(&["R", "RA"]), "update does not move");

    // The same (now old) version again: a lost update is refused.
    let mut again = changed.clone();
    again.name = "Sent ändrat".into();
    let mut tx = store.begin_write().await.unwrap();
    expect_stale(org_units::update(&mut tx, &again, 1, NOW + 2).await);
    drop(tx);
    // A unit that does not exist is stale too.
    let mut tx = store.begin_write().await.unwrap();
    expect_stale(org_units::update(&mut tx, &unit("GHOST", None), 1, NOW + 2).await);
    drop(tx);
    let mut tx = store.begin_read().await.unwrap();
    assert_eq!(org_units::get(&mut tx, original.id).await.unwrap().unwrap().name, "Nytt namn för Åre");
    assert_eq!(org_units::count(&mut tx).await.unwrap(), 3);
    drop(tx);

    // Clearing optional fields works too.
    let mut cleared = stored.clone();
    cleared.short_name = None;
    cleared.manager_id = None;
    cleared.valid_to = None;
    cleared.version = 3;
    let mut tx = store.begin_write().await.unwrap();
    org_units::update(&mut tx, &cleared, 2, NOW + 3).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.begin_read().await.unwrap();
    assert_eq!(org_units::get(&mut tx, original.id).await.unwrap(), Some(cleared));
}

// ---------------------------------------------------------------------------------------------
// 5. Constraints and all-or-nothing transactions
// ---------------------------------------------------------------------------------------------

async fn unit_constraints_and_rollback(db: Db) {
    let store = &db.store;
    let units = build_tree(store, &[("R", None), ("DUP", Some("R"))]).await;
    let names = Names::of(&units);

    // A second unit with the same key is refused with a constraint error naming the key.
    let mut tx = store.begin_write().await.unwrap();
    expect_constraint(org_units::insert(&mut tx, &unit("DUP", Some(units["R"].id)), NOW).await, "key");
    drop(tx);

    // A transaction that wrote a unit (row + closure rows), then failed, then was dropped
    // without commit leaves nothing behind.
    let half = unit("HALF", Some(units["DUP"].id));
    let half_child = unit("HALFCHILD", Some(half.id));
    let mut tx = store.begin_write().await.unwrap();
    org_units::insert(&mut tx, &half, NOW).await.unwrap();
    org_units::insert(&mut tx, &half_child, NOW).await.unwrap();
    // Inside the transaction the new units are visible.
    assert_eq!(org_units::path(&mut tx, half_child.id).await.unwrap().len(), 4);
    expect_constraint(org_units::insert(&mut tx, &unit("DUP", None), NOW).await, "key");
    drop(tx);

    let mut tx = store.begin_read().await.unwrap();
    assert_eq!(org_units::get_by_key(&mut tx, "HALF").await.unwrap(), None);
    assert_eq!(org_units::get(&mut tx, half_child.id).await.unwrap(), None);
    assert!(org_units::path(&mut tx, half.id).await.unwrap().is_empty(), "no closure row of the dropped unit");
    assert!(org_units::subtree_ids(&mut tx, half.id).await.unwrap().is_empty());
    assert_eq!(org_units::count(&mut tx).await.unwrap(), 2);
    drop(tx);
    assert_eq!(subtree_keys(store, &names, units["R"].id).await, str_set(&["R", "DUP"]));
    assert_eq!(db.scalar("SELECT COUNT(*) FROM org_units").await, 2);
    assert_eq!(db.scalar("SELECT COUNT(*) FROM org_unit_closure").await, 3, "R-R, DUP-DUP, R-DUP");

    // A parent or manager that does not exist is a (foreign-key) constraint violation.
    let mut tx = store.begin_write().await.unwrap();
    expect_constraint(org_units::insert(&mut tx, &unit("ORPHAN", Some(OrgUnitId::new())), NOW).await, "");
    drop(tx);
    let mut managed = unit("MANAGED", Some(units["R"].id));
    managed.manager_id = Some(UserId::new());
    let mut tx = store.begin_write().await.unwrap();
    expect_constraint(org_units::insert(&mut tx, &managed, NOW).await, "");
    drop(tx);
    assert_eq!(db.scalar("SELECT COUNT(*) FROM org_units").await, 2);
    assert_eq!(db.scalar("SELECT COUNT(*) FROM org_unit_closure").await, 3);

    // An update to a key that is taken is a constraint violation as well.
    let mut renamed = units["DUP"].clone();
    renamed.key = "R".into();
    renamed.version = 2;
    let mut tx = store.begin_write().await.unwrap();
    expect_constraint(org_units::update(&mut tx, &renamed, 1, NOW).await, "key");
    drop(tx);

    // And the connection that saw the failure is fine for the next unit of work.
    let mut tx = store.begin_write().await.unwrap();
    org_units::insert(&mut tx, &half, NOW).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.begin_read().await.unwrap();
    let path = org_units::path(&mut tx, half.id).await.unwrap();
    assert_eq!(path, vec![units["R"].id, units["DUP"].id, half.id]);
}

// ---------------------------------------------------------------------------------------------
// 6. Users
// ---------------------------------------------------------------------------------------------

async fn users(db: Db) {
    let store = &db.store;
    users_make_the_database_non_empty(store).await;
    let units = build_tree(store, &[("R", None), ("A", Some("R")), ("B", Some("R"))]).await;

    let anna = user("anna.svensson@region.se", "Anna Svensson", Some(units["A"].id));
    let mut asa = user("asa.oberg@region.se", "Åsa Öberg", None);
    asa.licence = Licence::ReportOnly;
    asa.locale = Some("sv".into());
    asa.active = false;

    let mut tx = store.begin_write().await.unwrap();
    users::insert(&mut tx, &anna, Some("$argon2id$v=19$anna"), NOW).await.unwrap();
    users::insert(&mut tx, &asa, None, NOW).await.unwrap();
    tx.commit().await.unwrap();

    let mut tx = store.begin_read().await.unwrap();
    assert_eq!(users::get(&mut tx, anna.id).await.unwrap().as_ref(), Some(&anna));
    assert_eq!(users::get(&mut tx, asa.id).await.unwrap().as_ref(), Some(&asa), "flags, licence, locale round-trip");
    assert_eq!(users::get(&mut tx, UserId::new()).await.unwrap(), None);
    assert_eq!(users::get_by_email(&mut tx, "anna.svensson@region.se").await.unwrap().as_ref(), Some(&anna));
    assert_eq!(users::get_by_email(&mut tx, "nobody@region.se").await.unwrap(), None);
    assert_eq!(users::count(&mut tx).await.unwrap(), 3);

    // credentials: the user and the stored hash (None when the user has no password).
    let (who, hash) = users::credentials(&mut tx, "anna.svensson@region.se").await.unwrap().unwrap();
    assert_eq!(who, anna);
    assert_eq!(hash.as_deref(), Some("$argon2id$v=19$anna"));
    let (who, hash) = users::credentials(&mut tx, "asa.oberg@region.se").await.unwrap().unwrap();
    assert_eq!(who, asa);
    assert_eq!(hash, None);
    assert!(users::credentials(&mut tx, "nobody@region.se").await.unwrap().is_none());
    drop(tx);

    let mut tx = store.begin_write().await.unwrap();
    users::set_password_hash(&mut tx, asa.id, "$argon2id$v=19$asa", NOW + 1).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.begin_read().await.unwrap();
    let (_, hash) = users::credentials(&mut tx, "asa.oberg@region.se").await.unwrap().unwrap();
    assert_eq!(hash.as_deref(), Some("$argon2id$v=19$asa"));
    drop(tx);

    // update with versions.
    let mut changed = anna.clone();
    changed.email = "anna.s@region.se".into();
    changed.name = "Anna Sörensen".into();
    changed.home_unit_id = Some(units["B"].id);
    changed.active = false;
    changed.licence = Licence::ReadOnly;
    changed.locale = Some("en".into());
    changed.version = 2;
    let mut tx = store.begin_write().await.unwrap();
    expect_stale(users::update(&mut tx, &changed, 7, NOW + 2).await);
    drop(tx);
    let mut tx = store.begin_write().await.unwrap();
    users::update(&mut tx, &changed, 1, NOW + 2).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.begin_read().await.unwrap();
    assert_eq!(users::get(&mut tx, anna.id).await.unwrap().as_ref(), Some(&changed));
    assert_eq!(users::get_by_email(&mut tx, "anna.svensson@region.se").await.unwrap(), None);
    let (_, hash) = users::credentials(&mut tx, "anna.s@region.se").await.unwrap().unwrap();
    assert_eq!(hash.as_deref(), Some("$argon2id$v=19$anna"), "an update keeps the password hash");
    drop(tx);
    let mut tx = store.begin_write().await.unwrap();
    let late = User { name: "Sen".into(), version: 3, ..changed.clone() };
    expect_stale(users::update(&mut tx, &late, 1, NOW + 3).await);
    drop(tx);
    let mut tx = store.begin_write().await.unwrap();
    expect_stale(users::update(&mut tx, &user("ghost@region.se", "Ghost", None), 1, NOW + 3).await);
    drop(tx);

    // Duplicate e-mail: on insert and on update.
    let mut tx = store.begin_write().await.unwrap();
    expect_constraint(
        users::insert(&mut tx, &user("asa.oberg@region.se", "Other Åsa", None), None, NOW).await,
        "email",
    );
    drop(tx);
    let mut steal = changed.clone();
    steal.email = "asa.oberg@region.se".into();
    steal.version = 3;
    let mut tx = store.begin_write().await.unwrap();
    expect_constraint(users::update(&mut tx, &steal, 2, NOW + 4).await, "email");
    drop(tx);
    let mut tx = store.begin_read().await.unwrap();
    assert_eq!(users::count(&mut tx).await.unwrap(), 3);
    assert_eq!(users::get(&mut tx, anna.id).await.unwrap().as_ref(), Some(&changed));
}

async fn user_list(db: Db) {
    let store = &db.store;
    let units =
        build_tree(store, &[("R", None), ("A", Some("R")), ("A1", Some("A")), ("A1X", Some("A1")), ("B", Some("R"))])
            .await;
    let id = |k: &str| units[k].id;
    let anna = user("anna.svensson@region.se", "Anna Svensson", Some(id("A")));
    let asa = user("asa.oberg@region.se", "Åsa Öberg", Some(id("A1X")));
    let bertil = user("bertil.ek@region.se", "Bertil Ek", Some(id("B")));
    let cecilia = user("cecilia.lind@region.se", "Cecilia Lind", None);
    let dag = user("dag.rot@region.se", "Dag Rot", Some(id("R")));
    let mut tx = store.begin_write().await.unwrap();
    for u in [&dag, &cecilia, &asa, &anna, &bertil] {
        users::insert(&mut tx, u, None, NOW).await.unwrap();
    }
    tx.commit().await.unwrap();
    let e = |us: &[&User]| us.iter().map(|u| u.email.clone()).collect::<Vec<_>>();

    // No filter: everybody, ordered by e-mail.
    assert_eq!(list_users(store, &UserFilter::default()).await, e(&[&anna, &asa, &bertil, &cecilia, &dag]));

    // within: home unit anywhere in the subtrees (grandchildren included); no home unit = outside.
    let within = |roots: &[&str], include: Option<UserId>| UserFilter {
        within: Some(roots.iter().map(|k| id(k)).collect()),
        include,
        search: None,
    };
    assert_eq!(list_users(store, &within(&["A"], None)).await, e(&[&anna, &asa]));
    assert_eq!(list_users(store, &within(&["A1"], None)).await, e(&[&asa]));
    assert_eq!(list_users(store, &within(&["A1", "B"], None)).await, e(&[&asa, &bertil]));
    assert_eq!(list_users(store, &within(&["R"], None)).await, e(&[&anna, &asa, &bertil, &dag]));
    assert!(list_users(store, &within(&[], None)).await.is_empty(), "no subtree = nobody");
    // include: that user is always there, whatever the scope.
    assert_eq!(list_users(store, &within(&["A"], Some(bertil.id))).await, e(&[&anna, &asa, &bertil]));
    assert_eq!(list_users(store, &within(&["A"], Some(anna.id))).await, e(&[&anna, &asa]), "no duplicate");
    assert_eq!(list_users(store, &within(&[], Some(cecilia.id))).await, e(&[&cecilia]));
    assert_eq!(
        list_users(store, &UserFilter { include: Some(cecilia.id), ..UserFilter::default() }).await,
        e(&[&anna, &asa, &bertil, &cecilia, &dag]),
        "include without a scope changes nothing"
    );

    // search: a substring of the name or the e-mail, case-insensitive for ASCII letters.
    assert_eq!(list_users(store, &search("anna")).await, e(&[&anna]));
    assert_eq!(list_users(store, &search("ANNA")).await, e(&[&anna]));
    assert_eq!(list_users(store, &search("sVENSSON")).await, e(&[&anna]));
    assert_eq!(list_users(store, &search("  Lind ")).await, e(&[&cecilia]), "the search is trimmed");
    assert_eq!(list_users(store, &search("berg")).await, e(&[&asa]));
    assert_eq!(list_users(store, &search("ek@REGION")).await, e(&[&bertil]), "e-mail matches too");
    assert_eq!(list_users(store, &search("region.se")).await.len(), 5);
    assert_eq!(list_users(store, &search("   ")).await.len(), 5, "a blank search filters nothing");
    assert!(list_users(store, &search("zzz")).await.is_empty());
    // Non-ASCII names found by the exact-case substring, as typed from the name itself.
    assert_eq!(list_users(store, &search("Åsa")).await, e(&[&asa]), "exact-case 'Åsa'");
    assert_eq!(list_users(store, &search("Öberg")).await, e(&[&asa]), "exact-case 'Öberg'");
    assert_eq!(list_users(store, &search("sa Ö")).await, e(&[&asa]), "exact-case 'sa Ö'");
    // Case-folding of non-ASCII letters ('åsa' for 'Åsa') depends on the backend: PostgreSQL's
    // LOWER() folds them, SQLite's LOWER() and LIKE fold ASCII only. Checked on PostgreSQL only.
    let folded = list_users(store, &search("åsa")).await;
    match db.backend {
        Backend::Postgres => assert_eq!(folded, e(&[&asa]), "PostgreSQL folds 'Å' to 'å'"),
        Backend::Sqlite => eprintln!("note: on SQLite, searching 'åsa' finds {folded:?} (no non-ASCII case folding)"),
    }
    // Search combined with the scope.
    let scoped = UserFilter { search: Some("a".into()), ..within(&["A"], Some(dag.id)) };
    assert_eq!(list_users(store, &scoped).await, e(&[&anna, &asa, &dag]));
    let scoped = UserFilter { search: Some("Ek".into()), ..within(&["A"], None) };
    assert!(list_users(store, &scoped).await.is_empty());

    // Pagination: every user once, in order, for several page sizes; and with a filter.
    let mut tx = store.begin_write().await.unwrap();
    let mut paged = Vec::new();
    for i in 0..8 {
        let u = user(&format!("p{i:02}@sida.se"), &format!("Sida {i}"), Some(id("A1")));
        users::insert(&mut tx, &u, None, NOW).await.unwrap();
        paged.push(u.email);
    }
    tx.commit().await.unwrap();
    let all = list_users(store, &UserFilter::default()).await;
    assert_eq!(all.len(), 13);
    let mut sorted = all.clone();
    sorted.sort();
    assert_eq!(all, sorted);
    for limit in [1, 3, 5, 13, 20] {
        assert_eq!(walk_users(store, &UserFilter::default(), limit).await, all, "limit {limit}");
    }
    assert_eq!(walk_users(store, &search("sida"), 3).await, paged);
    let mut in_a1 = paged.clone();
    in_a1.insert(0, asa.email.clone());
    assert_eq!(walk_users(store, &within(&["A1"], None), 2).await, in_a1);
}

async fn walk_users(store: &Store, filter: &UserFilter, limit: i64) -> Vec<String> {
    let mut emails: Vec<String> = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..100 {
        let mut tx = store.begin_read().await.unwrap();
        let page = users::list_page(&mut tx, filter, cursor.as_deref(), limit).await.unwrap();
        assert!(page.items.len() as i64 <= limit);
        emails.extend(page.items.into_iter().map(|u| u.email));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return emails,
        }
    }
    panic!("user pagination does not end");
}

// ---------------------------------------------------------------------------------------------
// 7. Role assignments
// ---------------------------------------------------------------------------------------------

fn grant<'a>(
    id: AssignmentId,
    user_id: UserId,
    role: Role,
    unit_id: OrgUnitId,
    module: &'a ModuleScope,
    source: GrantSource,
    created_by: Option<UserId>,
) -> NewAssignment<'a> {
    NewAssignment { id, user_id, role, unit_id, module, source, created_by }
}

async fn role_assignments(db: Db) {
    let store = &db.store;
    let units = build_tree(store, &[("R", None), ("A", Some("R")), ("A1", Some("A")), ("B", Some("R"))]).await;
    let id = |k: &str| units[k].id;
    let u1 = user("u1@region.se", "Ulla Ett", Some(id("A")));
    let u2 = user("u2@region.se", "Ulf Två", Some(id("B")));
    let mut tx = store.begin_write().await.unwrap();
    users::insert(&mut tx, &u1, None, NOW).await.unwrap();
    users::insert(&mut tx, &u2, None, NOW).await.unwrap();
    tx.commit().await.unwrap();

    let vgpu = &ModuleScope::Module("vgpu".into());
    let all = &ModuleScope::All;
    let mut ids: Vec<AssignmentId> = (0..4).map(|_| AssignmentId::new()).collect();
    ids.sort();
    let new = |i: usize, user: &User, role: Role, unit: &str, module, source| {
        grant(ids[i], user.id, role, id(unit), module, source, Some(u2.id))
    };
    let a = [
        new(0, &u1, Role::Manager, "A", vgpu, GrantSource::Manual),
        new(1, &u1, Role::View, "B", all, GrantSource::Manual),
        new(2, &u2, Role::LocalAdmin, "A1", all, GrantSource::Directory),
        new(3, &u2, Role::SystemAdmin, "R", all, GrantSource::Manual),
    ];
    let mut tx = store.begin_write().await.unwrap();
    // Inserted out of id order, with creation times against the id order: listing must still
    // be in id order.
    for i in [2, 0, 3, 1] {
        role_assignments::insert(&mut tx, &a[i], NOW - i as i64).await.unwrap();
    }
    tx.commit().await.unwrap();

    let mut tx = store.begin_read().await.unwrap();
    let got = role_assignments::get(&mut tx, ids[0]).await.unwrap().unwrap();
    assert_eq!(got.id, ids[0]);
    assert_eq!(got.user_id, u1.id);
    assert_eq!(got.user_name, "Ulla Ett");
    assert_eq!(got.user_email, "u1@region.se");
    assert_eq!(got.role, Role::Manager);
    assert_eq!(got.unit_id, id("A"));
    assert_eq!(got.unit_key, "A");
    assert_eq!(got.unit_name, "Enhet A");
    assert_eq!(got.module, ModuleScope::Module("vgpu".into()));
    assert_eq!(got.source, GrantSource::Manual);
    assert_eq!(got.created_at, NOW);
    let dir = role_assignments::get(&mut tx, ids[2]).await.unwrap().unwrap();
    assert_eq!(
        (dir.source, dir.module.clone(), dir.role),
        (GrantSource::Directory, ModuleScope::All, Role::LocalAdmin)
    );
    assert_eq!(role_assignments::get(&mut tx, AssignmentId::new()).await.unwrap(), None);

    // find_same: the same (user, role, unit, module, source) whatever the id.
    let probe = NewAssignment { id: AssignmentId::new(), ..new(0, &u1, Role::Manager, "A", vgpu, GrantSource::Manual) };
    assert_eq!(role_assignments::find_same(&mut tx, &probe).await.unwrap().map(|r| r.id), Some(ids[0]));
    for other in [
        NewAssignment { source: GrantSource::Directory, ..new(0, &u1, Role::Manager, "A", vgpu, GrantSource::Manual) },
        new(0, &u1, Role::Manager, "A", all, GrantSource::Manual),
        new(0, &u1, Role::Manager, "A1", vgpu, GrantSource::Manual),
        new(0, &u1, Role::View, "A", vgpu, GrantSource::Manual),
        new(0, &u2, Role::Manager, "A", vgpu, GrantSource::Manual),
    ] {
        assert_eq!(role_assignments::find_same(&mut tx, &other).await.unwrap(), None);
    }

    // grants_of: what the policy sees.
    let grants: BTreeSet<(Role, OrgUnitId, ModuleScope)> = role_assignments::grants_of(&mut tx, u1.id)
        .await
        .unwrap()
        .into_iter()
        .map(|g: Grant| (g.role, g.unit, g.module))
        .collect();
    assert_eq!(
        grants,
        BTreeSet::from([
            (Role::Manager, id("A"), ModuleScope::Module("vgpu".into())),
            (Role::View, id("B"), ModuleScope::All)
        ])
    );
    assert!(role_assignments::grants_of(&mut tx, UserId::new()).await.unwrap().is_empty());
    drop(tx);

    // list_page filters.
    let list = |filter: AssignmentFilter| {
        let store = store.clone();
        async move {
            let mut tx = store.begin_read().await.unwrap();
            let page = role_assignments::list_page(&mut tx, &filter, None, 100).await.unwrap();
            assert!(page.next_cursor.is_none());
            page.items.into_iter().map(|r| r.id).collect::<Vec<_>>()
        }
    };
    let within = |keys: &[&str]| Some(keys.iter().map(|k| id(k)).collect::<Vec<_>>());
    assert_eq!(list(AssignmentFilter::default()).await, ids);
    assert_eq!(list(AssignmentFilter { user: Some(u1.id), ..Default::default() }).await, vec![ids[0], ids[1]]);
    assert_eq!(list(AssignmentFilter { user: Some(u2.id), ..Default::default() }).await, vec![ids[2], ids[3]]);
    assert_eq!(list(AssignmentFilter { unit: Some(id("A")), ..Default::default() }).await, vec![ids[0]]);
    assert_eq!(list(AssignmentFilter { unit: Some(id("A1")), ..Default::default() }).await, vec![ids[2]]);
    assert_eq!(list(AssignmentFilter { within: within(&["A"]), ..Default::default() }).await, vec![ids[0], ids[2]]);
    assert_eq!(
        list(AssignmentFilter { within: within(&["A1", "B"]), ..Default::default() }).await,
        vec![ids[1], ids[2]]
    );
    assert_eq!(list(AssignmentFilter { within: within(&["R"]), ..Default::default() }).await, ids);
    assert!(list(AssignmentFilter { within: within(&[]), ..Default::default() }).await.is_empty());
    assert_eq!(
        list(AssignmentFilter { user: Some(u2.id), within: within(&["A"]), ..Default::default() }).await,
        vec![ids[2]]
    );
    assert!(list(AssignmentFilter { user: Some(u1.id), unit: Some(id("R")), ..Default::default() }).await.is_empty());

    // Cursor pagination in id order.
    let mut seen = Vec::new();
    let mut cursor: Option<AssignmentId> = None;
    let mut pages = 0;
    loop {
        let mut tx = store.begin_read().await.unwrap();
        let page = role_assignments::list_page(&mut tx, &AssignmentFilter::default(), cursor, 3).await.unwrap();
        pages += 1;
        seen.extend(page.items.iter().map(|r| r.id));
        match page.next_cursor {
            Some(next) => cursor = Some(next.parse().expect("the cursor is an assignment id")),
            None => break,
        }
        assert!(pages < 10);
    }
    assert_eq!((seen.clone(), pages), (ids.clone(), 2));

    // A duplicate grant (new id, same fields) is a unique violation; unknown user/unit a FK one.
    let mut tx = store.begin_write().await.unwrap();
    expect_constraint(role_assignments::insert(&mut tx, &probe, NOW).await, "role_assignments");
    drop(tx);
    let mut tx = store.begin_write().await.unwrap();
    let ghost = User { id: UserId::new(), ..u1.clone() };
    expect_constraint(
        role_assignments::insert(
            &mut tx,
            &NewAssignment { id: AssignmentId::new(), ..new(0, &ghost, Role::View, "A", all, GrantSource::Manual) },
            NOW,
        )
        .await,
        "",
    );
    drop(tx);
    // The same grant from another source is a different grant.
    let mut tx = store.begin_write().await.unwrap();
    let from_directory = NewAssignment { id: AssignmentId::new(), source: GrantSource::Directory, ..probe };
    role_assignments::insert(&mut tx, &from_directory, NOW).await.unwrap();
    tx.commit().await.unwrap();

    // delete: gone from get, lists and grants; a second delete is stale.
    let mut tx = store.begin_write().await.unwrap();
    role_assignments::delete(&mut tx, ids[0]).await.unwrap();
    role_assignments::delete(&mut tx, from_directory.id).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.begin_write().await.unwrap();
    expect_stale(role_assignments::delete(&mut tx, ids[0]).await);
    drop(tx);
    let mut tx = store.begin_read().await.unwrap();
    assert_eq!(role_assignments::get(&mut tx, ids[0]).await.unwrap(), None);
    let grants = role_assignments::grants_of(&mut tx, u1.id).await.unwrap();
    assert_eq!(grants, vec![Grant { role: Role::View, unit: id("B"), module: ModuleScope::All }]);
    drop(tx);
    assert_eq!(list(AssignmentFilter::default()).await, ids[1..].to_vec());
    // After the delete the grant can be given again.
    let mut tx = store.begin_write().await.unwrap();
    role_assignments::insert(&mut tx, &a[0], NOW).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(list(AssignmentFilter::default()).await, ids);
}

// ---------------------------------------------------------------------------------------------
// 8. Audit log
// ---------------------------------------------------------------------------------------------

struct AuditFixture {
    events: Vec<AuditEvent>,
    units: BTreeMap<String, OrgUnit>,
    actor1: UserId,
    actor2: UserId,
}

async fn audit_fixture(store: &Store) -> AuditFixture {
    let units = build_tree(store, &[("R", None), ("A", Some("R")), ("A1", Some("A")), ("B", Some("R"))]).await;
    let (actor1, actor2) = (UserId::new(), UserId::new());
    let mut ids: Vec<AuditEventId> = (0..8).map(|_| AuditEventId::new()).collect();
    ids.sort();
    // (occurred_at offset, actor, unit key, object type, object id)
    type Spec<'a> = (i64, Option<UserId>, Option<&'a str>, ObjectType, &'a str);
    let spec: [Spec<'_>; 8] = [
        (1000, Some(actor1), Some("R"), ObjectType::OrgUnit, "unit-r"),
        (2000, Some(actor1), Some("A"), ObjectType::OrgUnit, "unit-a"),
        (3000, Some(actor2), Some("A1"), ObjectType::User, "user-1"),
        (4000, None, None, ObjectType::ApiToken, "token-1"),
        (5000, Some(actor2), Some("B"), ObjectType::RoleAssignment, "grant-1"),
        (6000, Some(actor1), Some("A1"), ObjectType::User, "user-1"),
        (7000, Some(actor2), Some("A"), ObjectType::OrgUnit, "unit-a"),
        (8000, Some(actor1), Some("B"), ObjectType::User, "user-2"),
    ];
    let events: Vec<AuditEvent> = spec
        .iter()
        .zip(ids)
        .enumerate()
        .map(|(i, ((at, actor, unit, object_type, object_id), id))| AuditEvent {
            id,
            occurred_at: NOW + at,
            actor_id: *actor,
            actor_name: if actor.is_some() { format!("Aktör {i}") } else { "system".into() },
            action: AuditAction::ALL[i % AuditAction::ALL.len()],
            object_type: *object_type,
            object_id: (*object_id).to_owned(),
            object_label: format!("Objekt «{i}» – Ö"),
            unit_id: unit.map(|k| units[k].id),
            before: (i % 2 == 1).then(|| json!({"name": "Före", "n": i, "nested": {"list": [1, 2, 3]}})),
            after: (i % 3 != 0).then(|| json!({"name": "Efter – Åäö", "flag": true, "none": null})),
            request_id: (i % 2 == 0).then(|| format!("req-{i}")),
        })
        .collect();
    let mut tx = store.begin_write().await.unwrap();
    for i in [3, 0, 7, 1, 5, 2, 6, 4] {
        audit::insert(&mut tx, &events[i]).await.unwrap();
    }
    tx.commit().await.unwrap();
    AuditFixture { events, units, actor1, actor2 }
}

async fn audit_ids(store: &Store, filter: &AuditFilter) -> Vec<AuditEventId> {
    let mut tx = store.begin_read().await.unwrap();
    let page = audit::list_page(&mut tx, filter, None, 1000).await.unwrap();
    assert!(page.next_cursor.is_none());
    page.items.into_iter().map(|e| e.id).collect()
}

async fn audit_log(db: Db) {
    let store = &db.store;
    let AuditFixture { events, units, actor1, actor2 } = audit_fixture(store).await;
    let id = |k: &str| units[k].id;
    // Expected results as indexes into `events`, newest first.
    let pick = |idx: &[usize]| idx.iter().map(|&i| events[i].id).collect::<Vec<_>>();

    // Everything, newest first, each event exactly as written (JSON included).
    let mut tx = store.begin_read().await.unwrap();
    let page = audit::list_page(&mut tx, &AuditFilter::default(), None, 100).await.unwrap();
    drop(tx);
    let mut newest_first = events.clone();
    newest_first.reverse();
    assert_eq!(page.items, newest_first);
    assert!(page.next_cursor.is_none());

    // Time window: from inclusive, to exclusive.
    let f = |from: Option<i64>, to: Option<i64>| AuditFilter {
        from: from.map(|t| NOW + t),
        to: to.map(|t| NOW + t),
        ..AuditFilter::default()
    };
    assert_eq!(audit_ids(store, &f(Some(3000), None)).await, pick(&[7, 6, 5, 4, 3, 2]));
    assert_eq!(audit_ids(store, &f(None, Some(3000))).await, pick(&[1, 0]));
    assert_eq!(audit_ids(store, &f(Some(3000), Some(6000))).await, pick(&[4, 3, 2]));
    assert_eq!(audit_ids(store, &f(Some(2500), Some(2999))).await, pick(&[]));
    assert_eq!(audit_ids(store, &f(Some(8000), Some(8001))).await, pick(&[7]));

    // Actor.
    let by = |actor| AuditFilter { actor: Some(actor), ..AuditFilter::default() };
    assert_eq!(audit_ids(store, &by(actor1)).await, pick(&[7, 5, 1, 0]));
    assert_eq!(audit_ids(store, &by(actor2)).await, pick(&[6, 4, 2]));
    assert_eq!(audit_ids(store, &by(UserId::new())).await, pick(&[]));

    // Unit subtree.
    let under = |k: &str| AuditFilter { unit_subtree: Some(id(k)), ..AuditFilter::default() };
    assert_eq!(audit_ids(store, &under("A")).await, pick(&[6, 5, 2, 1]));
    assert_eq!(audit_ids(store, &under("A1")).await, pick(&[5, 2]));
    assert_eq!(audit_ids(store, &under("B")).await, pick(&[7, 4]));
    assert_eq!(audit_ids(store, &under("R")).await, pick(&[7, 6, 5, 4, 2, 1, 0]), "events without a unit are outside");

    // Object type and id.
    let of_type = |t| AuditFilter { object_type: Some(t), ..AuditFilter::default() };
    assert_eq!(audit_ids(store, &of_type(ObjectType::User)).await, pick(&[7, 5, 2]));
    assert_eq!(audit_ids(store, &of_type(ObjectType::OrgUnit)).await, pick(&[6, 1, 0]));
    assert_eq!(audit_ids(store, &of_type(ObjectType::ApiToken)).await, pick(&[3]));
    let object = |t, o: &str| AuditFilter { object_type: t, object_id: Some(o.to_owned()), ..AuditFilter::default() };
    assert_eq!(audit_ids(store, &object(Some(ObjectType::User), "user-1")).await, pick(&[5, 2]));
    assert_eq!(audit_ids(store, &object(None, "unit-a")).await, pick(&[6, 1]));
    assert_eq!(audit_ids(store, &object(Some(ObjectType::OrgUnit), "user-1")).await, pick(&[]));

    // What a reader may see.
    let visible = |keys: &[&str]| AuditFilter {
        visible_within: Some(keys.iter().map(|k| id(k)).collect()),
        ..AuditFilter::default()
    };
    assert_eq!(audit_ids(store, &visible(&["A1", "B"])).await, pick(&[7, 5, 4, 2]));
    assert_eq!(audit_ids(store, &visible(&["A"])).await, pick(&[6, 5, 2, 1]));
    assert_eq!(audit_ids(store, &visible(&[])).await, pick(&[]), "no scope = nothing visible");

    // Filters combine.
    let combined = AuditFilter {
        from: Some(NOW + 2000),
        actor: Some(actor1),
        visible_within: Some(vec![id("A")]),
        ..AuditFilter::default()
    };
    assert_eq!(audit_ids(store, &combined).await, pick(&[5, 1]));
    let combined = AuditFilter {
        unit_subtree: Some(id("A")),
        visible_within: Some(vec![id("A1")]),
        object_type: Some(ObjectType::User),
        to: Some(NOW + 6000),
        ..AuditFilter::default()
    };
    assert_eq!(audit_ids(store, &combined).await, pick(&[2]));

    // Cursor pagination: newest first, every event once, with and without a filter.
    for (filter, expected) in [
        (AuditFilter::default(), pick(&[7, 6, 5, 4, 3, 2, 1, 0])),
        (under("R"), pick(&[7, 6, 5, 4, 2, 1, 0])),
        (by(actor1), pick(&[7, 5, 1, 0])),
    ] {
        for limit in [1, 2, 3, 4, 8] {
            let mut seen = Vec::new();
            let mut cursor: Option<String> = None;
            for _ in 0..100 {
                let mut tx = store.begin_read().await.unwrap();
                let page = audit::list_page(&mut tx, &filter, cursor.as_deref(), limit).await.unwrap();
                assert!(page.items.len() as i64 <= limit);
                seen.extend(page.items.iter().map(|e| e.id));
                match page.next_cursor {
                    Some(next) => {
                        assert_eq!(Some(next.clone()), seen.last().map(|i| i.to_string()));
                        cursor = Some(next);
                    }
                    None => break,
                }
            }
            assert_eq!(seen, expected, "limit {limit}, filter {filter:?}");
        }
    }
}

async fn audit_is_append_only(db: Db) {
    let store = &db.store;
    let AuditFixture { events, .. } = audit_fixture(store).await;
    let target = events[2].id.to_string();

    // Through the store: UPDATE is refused by the database.
    let mut tx = store.begin_write().await.unwrap();
    let tampered = audit::try_tamper(&mut tx, &target).await;
    assert!(tampered.is_err(), "UPDATE of an audit event must fail, got {tampered:?}");
    // Even if someone committed what is left of that transaction, nothing changed.
    let _ = tx.commit().await;

    // Around the store: a raw connection cannot UPDATE, DELETE (one or all) or TRUNCATE.
    let mut conn = db.raw().await;
    let mut attempts = vec![
        format!("UPDATE audit_events SET actor_name = 'x' WHERE id = '{target}'"),
        "UPDATE audit_events SET before_json = NULL".to_owned(),
        format!("DELETE FROM audit_events WHERE id = '{target}'"),
        "DELETE FROM audit_events".to_owned(),
    ];
    if db.backend == Backend::Postgres {
        attempts.push("TRUNCATE audit_events".to_owned());
    }
    for sql in attempts {
        let result = sqlx::raw_sql(sqlx::AssertSqlSafe(sql.clone())).execute(&mut conn).await;
        match result {
            Err(err) => assert!(
                err.to_string().contains("append-only"),
                "{sql}: refused, but not by the append-only rule: {err}"
            ),
            Ok(done) => panic!("{sql}: the database accepted it ({} rows)", done.rows_affected()),
        }
    }
    drop(conn);

    // Every event is still there, unchanged.
    assert_eq!(db.scalar("SELECT COUNT(*) FROM audit_events").await, events.len() as i64);
    let mut tx = store.begin_read().await.unwrap();
    let page = audit::list_page(&mut tx, &AuditFilter::default(), None, 100).await.unwrap();
    let mut newest_first = events.clone();
    newest_first.reverse();
    assert_eq!(page.items, newest_first);
    drop(tx);

    // Inserting keeps working.
    let extra = AuditEvent { id: AuditEventId::new(), occurred_at: NOW + 9000, ..events[0].clone() };
    let mut tx = store.begin_write().await.unwrap();
    audit::insert(&mut tx, &extra).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(db.scalar("SELECT COUNT(*) FROM audit_events").await, events.len() as i64 + 1);
}

// ---------------------------------------------------------------------------------------------
// 9. Sessions
// ---------------------------------------------------------------------------------------------

async fn sessions(db: Db) {
    let store = &db.store;
    let alice = user("alice@region.se", "Alice", None);
    let bob = user("bob@region.se", "Bob", None);
    let mut tx = store.begin_write().await.unwrap();
    users::insert(&mut tx, &alice, None, NOW).await.unwrap();
    users::insert(&mut tx, &bob, None, NOW).await.unwrap();
    tx.commit().await.unwrap();

    let session = |hash: &str, user: &User, expires: i64| Session {
        id_hash: hash.to_owned(),
        user_id: user.id,
        csrf_token: format!("csrf-{hash}"),
        created_at: NOW,
        last_seen_at: NOW,
        expires_at: NOW + expires,
    };
    let a1 = session("hash-a1", &alice, 10_000);
    let a2 = session("hash-a2", &alice, 20_000);
    let a3 = session("hash-a3", &alice, 60_000);
    let b1 = session("hash-b1", &bob, 5_000);
    let b2 = session("hash-b2", &bob, 90_000);
    let mut tx = store.begin_write().await.unwrap();
    for s in [&a1, &a2, &a3, &b1, &b2] {
        sessions::insert(&mut tx, s).await.unwrap();
    }
    tx.commit().await.unwrap();

    let get = |hash: &'static str| {
        let store = store.clone();
        async move {
            let mut tx = store.begin_read().await.unwrap();
            sessions::get(&mut tx, hash).await.unwrap()
        }
    };
    assert_eq!(get("hash-a1").await.as_ref(), Some(&a1));
    assert_eq!(get("hash-b2").await.as_ref(), Some(&b2));
    assert_eq!(get("nope").await, None);

    // A duplicate id or an unknown user is refused.
    let mut tx = store.begin_write().await.unwrap();
    expect_constraint(sessions::insert(&mut tx, &a1).await, "");
    drop(tx);
    let mut tx = store.begin_write().await.unwrap();
    let ghost = User { id: UserId::new(), ..alice.clone() };
    expect_constraint(sessions::insert(&mut tx, &session("hash-ghost", &ghost, 1)).await, "");
    drop(tx);

    // touch extends one session and nothing else.
    let mut tx = store.begin_write().await.unwrap();
    sessions::touch(&mut tx, "hash-a1", NOW + 3_000, NOW + 30_000).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        get("hash-a1").await,
        Some(Session { last_seen_at: NOW + 3_000, expires_at: NOW + 30_000, ..a1.clone() })
    );
    assert_eq!(get("hash-a2").await.as_ref(), Some(&a2));

    // delete_expired removes the sessions that expired strictly before now.
    let mut tx = store.begin_write().await.unwrap();
    assert_eq!(sessions::delete_expired(&mut tx, NOW + 20_000).await.unwrap(), 1, "only b1 (a2 expires exactly now)");
    tx.commit().await.unwrap();
    assert_eq!(get("hash-b1").await, None);
    assert!(get("hash-a2").await.is_some());
    assert!(get("hash-a1").await.is_some(), "a1 was extended by touch");
    let mut tx = store.begin_write().await.unwrap();
    assert_eq!(sessions::delete_expired(&mut tx, NOW + 20_001).await.unwrap(), 1);
    assert_eq!(sessions::delete_expired(&mut tx, NOW + 20_001).await.unwrap(), 0);
    tx.commit().await.unwrap();
    assert_eq!(get("hash-a2").await, None);

    // delete removes one session.
    let mut tx = store.begin_write().await.unwrap();
    sessions::delete(&mut tx, "hash-a3").await.unwrap();
    sessions::delete(&mut tx, "never-existed").await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(get("hash-a3").await, None);
    assert!(get("hash-a1").await.is_some());

    // delete_for_user ends every session of that user and only theirs.
    let mut tx = store.begin_write().await.unwrap();
    let a4 = session("hash-a4", &alice, 100_000);
    sessions::insert(&mut tx, &a4).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.begin_write().await.unwrap();
    assert_eq!(sessions::delete_for_user(&mut tx, alice.id).await.unwrap(), 2, "a1 and a4");
    tx.commit().await.unwrap();
    assert_eq!(get("hash-a1").await, None);
    assert_eq!(get("hash-a4").await, None);
    assert_eq!(get("hash-b2").await.as_ref(), Some(&b2));
    let mut tx = store.begin_write().await.unwrap();
    assert_eq!(sessions::delete_for_user(&mut tx, alice.id).await.unwrap(), 0);
    drop(tx);
    assert_eq!(db.scalar("SELECT COUNT(*) FROM sessions").await, 1);
}

// ---------------------------------------------------------------------------------------------
// 10. API tokens
// ---------------------------------------------------------------------------------------------

async fn tokens(db: Db) {
    let store = &db.store;
    let alice = user("alice@region.se", "Alice", None);
    let bob = user("bob@region.se", "Bob", None);
    let mut tx = store.begin_write().await.unwrap();
    users::insert(&mut tx, &alice, None, NOW).await.unwrap();
    users::insert(&mut tx, &bob, None, NOW).await.unwrap();
    tx.commit().await.unwrap();

    let mut ids: Vec<TokenId> = (0..3).map(|_| TokenId::new()).collect();
    ids.sort();
    let token = |i: usize, user: &User, label: &str| ApiToken {
        id: ids[i],
        user_id: user.id,
        label: label.to_owned(),
        created_at: NOW + i as i64,
        last_used_at: None,
        revoked_at: None,
    };
    let t1 = token(0, &alice, "Rapportexport");
    let t2 = token(1, &alice, "Skript – Åre");
    let t3 = token(2, &bob, "Bobs");
    let mut tx = store.begin_write().await.unwrap();
    tokens::insert(&mut tx, &t1, "sha256-t1").await.unwrap();
    tokens::insert(&mut tx, &t2, "sha256-t2").await.unwrap();
    tokens::insert(&mut tx, &t3, "sha256-t3").await.unwrap();
    tx.commit().await.unwrap();

    let mut tx = store.begin_read().await.unwrap();
    assert_eq!(tokens::find_live(&mut tx, "sha256-t1").await.unwrap().as_ref(), Some(&t1));
    assert_eq!(tokens::find_live(&mut tx, "sha256-t3").await.unwrap().as_ref(), Some(&t3));
    assert_eq!(tokens::find_live(&mut tx, "sha256-unknown").await.unwrap(), None);
    assert_eq!(tokens::get(&mut tx, ids[1]).await.unwrap().as_ref(), Some(&t2));
    assert_eq!(tokens::get(&mut tx, TokenId::new()).await.unwrap(), None);
    // Newest first, revoked or not; only the user's own.
    assert_eq!(tokens::list_for_user(&mut tx, alice.id).await.unwrap(), vec![t2.clone(), t1.clone()]);
    assert_eq!(tokens::list_for_user(&mut tx, bob.id).await.unwrap(), vec![t3.clone()]);
    assert!(tokens::list_for_user(&mut tx, UserId::new()).await.unwrap().is_empty());
    drop(tx);

    // A token hash is unique; the user must exist.
    let mut tx = store.begin_write().await.unwrap();
    expect_constraint(tokens::insert(&mut tx, &ApiToken { id: TokenId::new(), ..t3.clone() }, "sha256-t1").await, "");
    drop(tx);
    let mut tx = store.begin_write().await.unwrap();
    expect_constraint(
        tokens::insert(&mut tx, &ApiToken { id: TokenId::new(), user_id: UserId::new(), ..t3.clone() }, "sha256-new")
            .await,
        "",
    );
    drop(tx);

    // touch records use.
    let mut tx = store.begin_write().await.unwrap();
    tokens::touch(&mut tx, ids[0], NOW + 500).await.unwrap();
    tx.commit().await.unwrap();
    let used = ApiToken { last_used_at: Some(NOW + 500), ..t1.clone() };
    let mut tx = store.begin_read().await.unwrap();
    assert_eq!(tokens::find_live(&mut tx, "sha256-t1").await.unwrap().as_ref(), Some(&used));
    drop(tx);

    // revoke: once; the second time is stale; a revoked token is not live any more.
    let mut tx = store.begin_write().await.unwrap();
    tokens::revoke(&mut tx, ids[0], NOW + 600).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.begin_write().await.unwrap();
    expect_stale(tokens::revoke(&mut tx, ids[0], NOW + 700).await);
    expect_stale(tokens::revoke(&mut tx, TokenId::new(), NOW + 700).await);
    drop(tx);
    let revoked = ApiToken { revoked_at: Some(NOW + 600), ..used };
    let mut tx = store.begin_read().await.unwrap();
    assert_eq!(tokens::find_live(&mut tx, "sha256-t1").await.unwrap(), None);
    assert_eq!(tokens::get(&mut tx, ids[0]).await.unwrap().as_ref(), Some(&revoked), "the first revocation time stays");
    assert_eq!(tokens::find_live(&mut tx, "sha256-t2").await.unwrap().as_ref(), Some(&t2), "other tokens stay live");
    assert_eq!(tokens::list_for_user(&mut tx, alice.id).await.unwrap(), vec![t2, revoked]);
}

// ---------------------------------------------------------------------------------------------
// Modules
// ---------------------------------------------------------------------------------------------

async fn modules(db: Db) {
    let store = &db.store;
    let vgpu =
        Module { key: "vgpu".into(), name_sv: "Verksamhetsplan och uppföljning".into(), name_en: "Planning".into() };
    let ik = Module { key: "ik".into(), name_sv: "Intern kontroll".into(), name_en: "Internal control".into() };
    let mut tx = store.begin_read().await.unwrap();
    assert!(modules::list(&mut tx).await.unwrap().is_empty());
    drop(tx);
    let mut tx = store.begin_write().await.unwrap();
    modules::insert(&mut tx, &vgpu, NOW).await.unwrap();
    modules::insert(&mut tx, &ik, NOW).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.begin_write().await.unwrap();
    expect_constraint(modules::insert(&mut tx, &vgpu, NOW).await, "");
    drop(tx);
    let mut tx = store.begin_read().await.unwrap();
    assert_eq!(modules::list(&mut tx).await.unwrap(), vec![ik, vgpu]);
}

// ---------------------------------------------------------------------------------------------
// Governance models
// ---------------------------------------------------------------------------------------------

fn level(key: &str, kind: ObjectKind, periodicity: Periodicity, parents: &[&str]) -> Level {
    Level {
        key: key.to_owned(),
        name_sv: format!("{key} sv"),
        name_en: format!("{key} en"),
        kind,
        periodicity,
        parents: strs(parents),
    }
}

fn model(module: &str, levels: Vec<Level>) -> GovernanceModel {
    GovernanceModel {
        id: ModelId::new(),
        module: module.to_owned(),
        name_sv: format!("Styrmodell {module}"),
        name_en: format!("Model {module}"),
        levels,
        scale: domain::evaluation::Scale::default(),
        deadlines: domain::governance::Deadlines { days_after_period_end: 14, days_per_level: 5 },
        version: 1,
    }
}

async fn get_model(store: &Store, id: ModelId) -> Option<GovernanceModel> {
    let mut tx = store.begin_read().await.unwrap();
    governance::get(&mut tx, id).await.unwrap()
}

async fn governance_models(db: Db) {
    let store = &db.store;
    let module = |key: &str| Module { key: key.into(), name_sv: format!("Modul {key}"), name_en: format!("Module {key}") };
    let mut tx = store.begin_write().await.unwrap();
    for key in ["vgpu", "ik", "sam"] {
        modules::insert(&mut tx, &module(key), NOW).await.unwrap();
    }
    tx.commit().await.unwrap();

    let mut tx = store.begin_read().await.unwrap();
    assert!(governance::list(&mut tx).await.unwrap().is_empty());
    assert_eq!(governance::get(&mut tx, ModelId::new()).await.unwrap(), None);
    drop(tx);

    // Insert: the levels come back in the order given, with their parents in the order given.
    let vgpu = model(
        "vgpu",
        vec![
            level("perspective", ObjectKind::Text, Periodicity::Year, &[]),
            level("goal", ObjectKind::Text, Periodicity::Tertial, &["perspective"]),
            level("indicator", ObjectKind::Measure, Periodicity::Month, &["goal", "perspective"]),
            level("assignment", ObjectKind::Text, Periodicity::HalfYear, &["perspective"]),
            level("activity", ObjectKind::Activity, Periodicity::Quarter, &["assignment", "goal", "perspective"]),
        ],
    );
    let ik = model(
        "ik",
        vec![
            level("risk", ObjectKind::Measure, Periodicity::Year, &[]),
            level("control-area", ObjectKind::Text, Periodicity::Year, &["risk"]),
        ],
    );
    let mut tx = store.begin_write().await.unwrap();
    governance::insert(&mut tx, &vgpu, NOW).await.unwrap();
    governance::insert(&mut tx, &ik, NOW).await.unwrap();
    tx.commit().await.unwrap();
    let got = get_model(store, vgpu.id).await.expect("the vgpu model is stored");
    assert_eq!(got, vgpu);
    assert_eq!(
        got.levels.iter().map(|l| l.key.as_str()).collect::<Vec<_>>(),
        ["perspective", "goal", "indicator", "assignment", "activity"],
        "the levels keep their order"
    );
    assert_eq!(got.levels[4].parents, strs(&["assignment", "goal", "perspective"]));
    assert_eq!(got.levels[2].kind, ObjectKind::Measure);
    assert_eq!(got.levels[1].periodicity, Periodicity::Tertial);
    assert!(got.levels[0].parents.is_empty());
    // The key order of the levels is not alphabetical, so ordering by position is what keeps it.
    assert_eq!(get_model(store, ik.id).await.as_ref(), Some(&ik));

    // List: ordered by module key.
    let mut tx = store.begin_read().await.unwrap();
    assert_eq!(governance::list(&mut tx).await.unwrap(), vec![ik.clone(), vgpu.clone()]);
    drop(tx);

    // Update with the right version: names and levels replaced, removed levels gone, order as
    // given, version bumped.
    let changed = GovernanceModel {
        name_sv: "Ny styrmodell".into(),
        name_en: "New model".into(),
        deadlines: domain::governance::Deadlines { days_after_period_end: 20, days_per_level: 2 },
        levels: vec![
            level("perspective", ObjectKind::Text, Periodicity::Year, &[]),
            Level { name_sv: "Uppdrag (nytt namn)".into(), ..level("assignment", ObjectKind::Text, Periodicity::Tertial, &["perspective"]) },
            level("goal", ObjectKind::Text, Periodicity::Tertial, &["perspective"]),
            level("action", ObjectKind::Activity, Periodicity::Month, &["goal", "assignment"]),
        ],
        version: 2,
        ..vgpu.clone()
    };
    let mut tx = store.begin_write().await.unwrap();
    governance::update(&mut tx, &changed, 1, NOW + 1).await.unwrap();
    tx.commit().await.unwrap();
    let got = get_model(store, vgpu.id).await.unwrap();
    assert_eq!(got, changed);
    assert_eq!(got.version, 2);
    assert_eq!(got.levels.iter().map(|l| l.key.as_str()).collect::<Vec<_>>(), ["perspective", "assignment", "goal", "action"]);
    assert!(!got.levels.iter().any(|l| l.key == "indicator" || l.key == "activity"), "removed levels are gone");
    assert_eq!(
        db.scalar(&format!("SELECT COUNT(*) FROM model_levels WHERE model_id = '{}'", vgpu.id)).await,
        4,
        "no orphaned level rows remain"
    );
    assert_eq!(get_model(store, ik.id).await.as_ref(), Some(&ik), "the other model is untouched");

    // A stale version: refused, and nothing changed (even if the transaction is committed).
    let stale = GovernanceModel {
        name_sv: "Gammal".into(),
        levels: vec![level("only", ObjectKind::Text, Periodicity::Year, &[])],
        version: 2,
        ..vgpu.clone()
    };
    let mut tx = store.begin_write().await.unwrap();
    expect_stale(governance::update(&mut tx, &stale, 1, NOW + 2).await);
    tx.commit().await.unwrap();
    assert_eq!(get_model(store, vgpu.id).await.as_ref(), Some(&changed), "a stale update changes nothing");
    let mut tx = store.begin_write().await.unwrap();
    expect_stale(governance::update(&mut tx, &GovernanceModel { id: ModelId::new(), ..stale.clone() }, 1, NOW + 2).await);
    drop(tx);
    assert_eq!(get_model(store, vgpu.id).await.as_ref(), Some(&changed));

    // The next update replaces five levels by one.
    let third = GovernanceModel { version: 3, levels: vec![level("x", ObjectKind::Text, Periodicity::Year, &[])], ..changed.clone() };
    let mut tx = store.begin_write().await.unwrap();
    governance::update(&mut tx, &third, 2, NOW + 3).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(get_model(store, vgpu.id).await.as_ref(), Some(&third));

    // One model per module.
    let mut tx = store.begin_write().await.unwrap();
    expect_constraint(
        governance::insert(&mut tx, &model("vgpu", vec![level("a", ObjectKind::Text, Periodicity::Year, &[])]), NOW).await,
        "governance_models",
    );
    drop(tx);
    // The module must exist.
    let mut tx = store.begin_write().await.unwrap();
    expect_constraint(governance::insert(&mut tx, &model("okand", vec![]), NOW).await, "");
    drop(tx);
    // Another module's model is fine.
    let sam = model("sam", vec![level("area", ObjectKind::Text, Periodicity::Year, &[])]);
    let mut tx = store.begin_write().await.unwrap();
    governance::insert(&mut tx, &sam, NOW).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.begin_read().await.unwrap();
    assert_eq!(governance::list(&mut tx).await.unwrap(), vec![ik, sam, third]);
    drop(tx);
    assert_eq!(db.scalar("SELECT COUNT(*) FROM governance_models").await, 3);
}

// ---------------------------------------------------------------------------------------------
// 11. Concurrent writers on one store
// ---------------------------------------------------------------------------------------------

async fn concurrent_writers(db: Db) {
    const WRITERS: usize = 20;
    let store = db.store.clone();
    let root = unit("ROOT", None);
    let mut tx = store.begin_write().await.unwrap();
    org_units::insert(&mut tx, &root, NOW).await.unwrap();
    tx.commit().await.unwrap();

    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(WRITERS + 4));
    let mut tasks = Vec::new();
    let serialised = db.backend == Backend::Sqlite;
    for i in 0..WRITERS {
        let (store, barrier) = (store.clone(), barrier.clone());
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let mut tx = store.begin_write().await?;
            // Read, then write, inside one unit of work: the pattern every use case follows.
            let before = org_units::count(&mut tx).await?;
            org_units::insert(&mut tx, &unit(&format!("C{i:02}"), Some(root.id)), NOW + i as i64).await?;
            let after = org_units::count(&mut tx).await?;
            // SQLite's BEGIN IMMEDIATE serialises writers; PostgreSQL runs READ COMMITTED, where
            // another writer's commit may become visible between two statements.
            if serialised {
                assert_eq!(after, before + 1, "no other writer slipped in between");
            } else {
                assert!(after > before, "the own insert is visible");
            }
            tokio::task::yield_now().await;
            tx.commit().await?;
            Ok::<_, StoreError>(())
        }));
    }
    // Readers run beside the writers.
    for _ in 0..4 {
        let (store, barrier) = (store.clone(), barrier.clone());
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            for _ in 0..5 {
                let mut tx = store.begin_read().await?;
                let n = org_units::count(&mut tx).await?;
                assert!((1..=WRITERS as i64 + 1).contains(&n));
                drop(tx);
                tokio::task::yield_now().await;
            }
            Ok::<_, StoreError>(())
        }));
    }
    for (i, task) in tasks.into_iter().enumerate() {
        task.await.expect("task panicked").unwrap_or_else(|e| panic!("task {i} failed: {e:?}"));
    }

    let mut tx = store.begin_read().await.unwrap();
    assert_eq!(org_units::count(&mut tx).await.unwrap(), WRITERS as i64 + 1);
    assert_eq!(org_units::subtree_ids(&mut tx, root.id).await.unwrap().len(), WRITERS + 1);
    let kids = org_units::children(&mut tx, root.id).await.unwrap();
    let expected: Vec<String> = (0..WRITERS).map(|i| format!("C{i:02}")).collect();
    assert_eq!(kids.into_iter().map(|u| u.key).collect::<Vec<_>>(), expected);
}

// ---------------------------------------------------------------------------------------------
// Budget: the economy chapter of seed 004 per budget version
// ---------------------------------------------------------------------------------------------

/// Seed 004 §5 on a fresh tree with its ten units under RK.
async fn seed_004_chapter(store: &Store) -> (BTreeMap<String, OrgUnit>, domain::budget::EconomyChapter) {
    let mut spec: Vec<(&str, Option<&str>)> = vec![("RK", None)];
    spec.extend(domain::budget::SEED_004_UNITS.iter().skip(1).map(|(key, _)| (*key, Some("RK"))));
    let units = build_tree(store, &spec).await;
    let chapter = domain::budget::seed_004(|key| units[key].id);
    (units, chapter)
}

async fn budget_chapters(db: Db) {
    use domain::budget::{BudgetVersion, VersionAction, VersionState, check_decision, transition};
    use store::budget;
    let store = db.store.clone();
    let (units, chapter) = seed_004_chapter(&store).await;
    let rk = units["RK"].id;
    let draft = BudgetVersion::first_draft(rk, 2020);

    // Nothing yet.
    let mut tx = store.begin_read().await.unwrap();
    assert!(budget::load_latest(&mut tx, rk, 2020).await.unwrap().is_none());
    drop(tx);

    // Saved and loaded whole: every section, the printed totals and the three differences.
    let mut tx = store.begin_write().await.unwrap();
    let saved = budget::save(&mut tx, &draft, &chapter, None, NOW).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(saved.row_version, 1);
    let mut tx = store.begin_read().await.unwrap();
    let (stored, loaded) = budget::load_latest(&mut tx, rk, 2020).await.unwrap().expect("the chapter");
    drop(tx);
    assert_eq!(stored.version, draft);
    assert_eq!(loaded, chapter, "the chapter round-trips exactly");
    assert_eq!(loaded.checks().unwrap(), chapter.checks().unwrap());
    assert_eq!(domain::budget::warnings(&loaded.checks().unwrap()).count(), 3);
    assert_eq!(db.scalar("SELECT COUNT(*) FROM budget_lines").await, 15);
    assert_eq!(db.scalar("SELECT COUNT(*) FROM budget_frame_change_amounts").await, 16);

    // Saving replaces the chapter's rows; a stale row version changes nothing.
    let mut smaller = chapter.clone();
    smaller.budget_lines.truncate(3);
    smaller.frame_changes.truncate(2);
    smaller.budget_heading = None;
    let mut tx = store.begin_write().await.unwrap();
    expect_stale(budget::save(&mut tx, &draft, &smaller, Some(7), NOW).await);
    drop(tx);
    let mut tx = store.begin_write().await.unwrap();
    assert_eq!(budget::save(&mut tx, &draft, &smaller, Some(1), NOW + 1).await.unwrap().row_version, 2);
    tx.commit().await.unwrap();
    let mut tx = store.begin_read().await.unwrap();
    let (stored, loaded) = budget::load_latest(&mut tx, rk, 2020).await.unwrap().unwrap();
    drop(tx);
    assert_eq!((stored.row_version, &loaded), (2, &smaller));
    assert_eq!(db.scalar("SELECT COUNT(*) FROM budget_lines").await, 3);

    // Never half-written: a save that fails on its last rows (a line on a unit that does not
    // exist) leaves the stored chapter as it was once the transaction is dropped.
    let mut broken = chapter.clone();
    broken.budget_lines.last_mut().unwrap().unit = OrgUnitId::new();
    let mut tx = store.begin_write().await.unwrap();
    assert!(budget::save(&mut tx, &draft, &broken, Some(2), NOW + 2).await.is_err());
    drop(tx);
    let mut tx = store.begin_read().await.unwrap();
    assert_eq!(budget::load_latest(&mut tx, rk, 2020).await.unwrap().unwrap().1, smaller);
    drop(tx);

    // Decided: the header changes once, then neither header nor rows change again.
    let decision = check_decision("decision", "Regionstyrelsen 2019-12-10 § 245", "2019-12-10").unwrap();
    let decided = transition(&draft, &VersionAction::Decide { decision }).unwrap();
    let mut tx = store.begin_write().await.unwrap();
    assert_eq!(budget::set_state(&mut tx, &decided, 2, NOW + 3).await.unwrap().row_version, 3);
    tx.commit().await.unwrap();
    let mut tx = store.begin_write().await.unwrap();
    expect_stale(budget::save(&mut tx, &draft, &chapter, None, NOW + 4).await);
    expect_stale(budget::set_state(&mut tx, &decided, 3, NOW + 4).await);
    drop(tx);

    // A revision is a new version with rows of its own; the decided one keeps its content.
    let revision = transition(&decided, &VersionAction::Revise { number: 2 }).unwrap();
    let mut tx = store.begin_write().await.unwrap();
    budget::save(&mut tx, &revision, &chapter, None, NOW + 5).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.begin_read().await.unwrap();
    let versions = budget::versions(&mut tx, rk, 2020).await.unwrap();
    let summary: Vec<(u32, Option<u32>, bool)> = versions.iter().map(|v| (v.version.number, v.version.based_on, v.version.is_decided())).collect();
    assert_eq!(summary, [(1, None, true), (2, Some(1), false)]);
    assert!(matches!(&versions[0].version.state, VersionState::Decided { decision } if decision.reference.contains("§ 245")));
    let (latest, content) = budget::load_latest(&mut tx, rk, 2020).await.unwrap().unwrap();
    assert_eq!((latest.version.number, &content), (2, &chapter));
    let (first, content) = budget::load_version(&mut tx, rk, 2020, Some(1)).await.unwrap().unwrap();
    assert_eq!((first.version.number, &content), (1, &smaller));
    assert_eq!(budget::years(&mut tx, rk).await.unwrap(), [2020]);
    assert!(budget::load_latest(&mut tx, units["CE"].id, 2020).await.unwrap().is_none());
}

// ---------------------------------------------------------------------------------------------
// Reports
// ---------------------------------------------------------------------------------------------

async fn reports(db: Db) {
    use domain::report::{DecisionReference, Report, ReportState, SectionText, Signing, SigningParty};
    use domain::{ReportId, TemplateId};
    use store::reports;
    let store = db.store.clone();
    let units = build_tree(&store, &[("RK", None), ("CE", Some("RK"))]).await;
    let template = domain::report_defaults::forvaltningsplan();
    let template_id = TemplateId::new();

    // A template round-trips with its sections; its key is unique; a stale edit changes nothing.
    let mut tx = store.begin_write().await.unwrap();
    reports::insert_template(&mut tx, template_id, &template, NOW).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.begin_write().await.unwrap();
    expect_constraint(reports::insert_template(&mut tx, TemplateId::new(), &template, NOW).await, "key");
    drop(tx);
    let mut tx = store.begin_read().await.unwrap();
    let stored = reports::template_by_key(&mut tx, "forvaltningsplan").await.unwrap().expect("the template");
    drop(tx);
    assert_eq!((stored.id, stored.version), (template_id, 1));
    assert_eq!(stored.template, template, "sections, parts and instructions round-trip exactly");
    let mut renamed = template.clone();
    renamed.name_sv = "Verksamhetsplan".into();
    let mut tx = store.begin_write().await.unwrap();
    reports::update_template(&mut tx, template_id, &renamed, 1, NOW + 1).await.unwrap();
    expect_stale(reports::update_template(&mut tx, template_id, &template, 1, NOW + 2).await);
    tx.commit().await.unwrap();
    let mut tx = store.begin_read().await.unwrap();
    let listed = reports::templates(&mut tx).await.unwrap();
    drop(tx);
    assert_eq!(listed.len(), 1);
    assert_eq!((listed[0].template.name_sv.as_str(), listed[0].version), ("Verksamhetsplan", 2));

    // One report per template, unit and period; details and state saved with their version.
    let report = Report {
        id: ReportId::new(),
        template: template_id,
        unit: units["RK"].id,
        year: 2020,
        period: "2020".into(),
        title: "Förvaltningsplan 2020".into(),
        state: ReportState::Draft,
        decision: DecisionReference::default(),
        signing: Signing::default(),
        deadline: None,
        returned_comment: None,
        readability: Default::default(),
        own_sections: Vec::new(),
        version: 1,
    };
    let mut tx = store.begin_write().await.unwrap();
    reports::insert_report(&mut tx, &report, NOW).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.begin_write().await.unwrap();
    let twin = Report { id: ReportId::new(), ..report.clone() };
    // SQLite names the columns, PostgreSQL the constraint.
    let refused = reports::insert_report(&mut tx, &twin, NOW).await;
    assert!(matches!(&refused, Err(StoreError::Constraint(c)) if c.contains("reports_one_per_unit_and_period") || c.contains("reports.template_id")), "{refused:?}");
    drop(tx);
    let decided = Report {
        decision: DecisionReference {
            decided_by: Some("RS".into()),
            date: Some(day("2019-12-17")),
            paragraph: Some("§ 245".into()),
            case_number: Some("RV 2019/1234".into()),
        },
        signing: Signing {
            place: Some("Västerås".into()),
            date: None,
            parties: vec![SigningParty { party: "Region Västmanland".into(), name: "Anna Andersson".into() }],
        },
        state: ReportState::Active,
        deadline: Some(day("2019-11-30")),
        returned_comment: Some("Komplettera avsnitt 3.".into()),
        readability: domain::report::Readability::Writers,
        own_sections: Vec::new(),
        ..report.clone()
    };
    let mut tx = store.begin_write().await.unwrap();
    reports::update_report(&mut tx, &decided, 1, NOW + 1).await.unwrap();
    expect_stale(reports::update_report(&mut tx, &report, 1, NOW + 2).await);
    tx.commit().await.unwrap();
    let mut tx = store.begin_read().await.unwrap();
    let loaded = reports::report(&mut tx, report.id).await.unwrap().expect("the report");
    let found = reports::report_for(&mut tx, template_id, units["RK"].id, "2020").await.unwrap().expect("found by period");
    let none = reports::report_for(&mut tx, template_id, units["CE"].id, "2020").await.unwrap();
    let of_unit = reports::reports_of_unit(&mut tx, units["RK"].id).await.unwrap();
    assert_eq!(reports::snapshot(&mut tx, report.id).await.unwrap(), None, "no snapshot before completion");
    drop(tx);
    assert_eq!(loaded, Report { version: 2, ..decided.clone() });
    assert_eq!(found.id, report.id);
    assert!(none.is_none());
    assert_eq!(of_unit.iter().map(|r| r.id).collect::<Vec<_>>(), vec![report.id]);

    // A section's text: first written at version 0, then only over the version read.
    let text = |body: &str| SectionText {
        section_key: "grunduppdrag".into(),
        body: body.into(),
        ready: body.contains("punkt"),
        updated_by: None,
        updated_at_ms: NOW,
        version: 0,
    };
    let mut tx = store.begin_write().await.unwrap();
    reports::save_text(&mut tx, report.id, &text("Första texten å ä ö"), 0).await.unwrap();
    expect_stale(reports::save_text(&mut tx, report.id, &text("En andra första text"), 0).await);
    reports::save_text(&mut tx, report.id, &text("Andra versionen\n\n• punkt"), 1).await.unwrap();
    expect_stale(reports::save_text(&mut tx, report.id, &text("Över en gammal version"), 1).await);
    tx.commit().await.unwrap();
    let mut tx = store.begin_read().await.unwrap();
    let texts = reports::texts(&mut tx, report.id).await.unwrap();
    drop(tx);
    assert_eq!(texts.len(), 1);
    assert_eq!((texts[0].body.as_str(), texts[0].version, texts[0].ready), ("Andra versionen\n\n• punkt", 2, true));

    // The snapshot of a completed report is stored and read back whole, and cleared on reopening.
    let mut tx = store.begin_write().await.unwrap();
    reports::set_snapshot(&mut tx, report.id, Some("{\"sv\":{\"title\":\"Förvaltningsplan 2020\"}}"), Some(NOW)).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.begin_read().await.unwrap();
    assert_eq!(reports::snapshot(&mut tx, report.id).await.unwrap().as_deref(), Some("{\"sv\":{\"title\":\"Förvaltningsplan 2020\"}}"));
    drop(tx);
    let mut tx = store.begin_write().await.unwrap();
    reports::set_snapshot(&mut tx, report.id, None, None).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.begin_read().await.unwrap();
    assert_eq!(reports::snapshot(&mut tx, report.id).await.unwrap(), None);
}

/// Reporters, the people of a unit, and whose tasks an active report is: what the to-do list
/// and the reminder digests read.
async fn report_people(db: Db) {
    use domain::reminder::DigestFrequency;
    use domain::report::{DecisionReference, Report, ReportState, Signing};
    use domain::{ReportId, TemplateId};
    use store::reports;
    let store = db.store.clone();
    let units = build_tree(&store, &[("RK", None), ("CE", Some("RK"))]).await;
    let boss = user("chef@region.se", "Chef för CE", None);
    let writer = user("skribent@region.se", "Skribent", None);
    let deputy = user("bitradande@region.se", "Biträdande chef", None);
    let above = user("ovan@region.se", "Verksamhetsstöd RK", None);
    let gone = User { active: false, ..user("slutat@region.se", "Har slutat", None) };
    let all = ModuleScope::All;
    let mut tx = store.begin_write().await.unwrap();
    for u in [&boss, &writer, &deputy, &above, &gone] {
        users::insert(&mut tx, u, None, NOW).await.unwrap();
    }
    let ce = OrgUnit { manager_id: Some(boss.id), ..units["CE"].clone() };
    org_units::update(&mut tx, &ce, ce.version, NOW).await.unwrap();
    for (who, role, unit) in [(&writer, Role::User, "CE"), (&deputy, Role::Manager, "CE"), (&above, Role::Manager, "RK"), (&gone, Role::User, "CE")] {
        let new = grant(AssignmentId::new(), who.id, role, units[unit].id, &all, GrantSource::Manual, None);
        role_assignments::insert(&mut tx, &new, NOW).await.unwrap();
    }
    let template_id = TemplateId::new();
    reports::insert_template(&mut tx, template_id, &domain::report_defaults::delarsrapport(), NOW).await.unwrap();
    let report = |period: &str, state: ReportState| Report {
        id: ReportId::new(),
        template: template_id,
        unit: units["CE"].id,
        year: 2026,
        period: period.into(),
        title: format!("Delårsrapport {period}"),
        state,
        decision: DecisionReference::default(),
        signing: Signing::default(),
        deadline: Some(day("2026-12-01")),
        returned_comment: None,
        readability: Default::default(),
        own_sections: Vec::new(),
        version: 1,
    };
    let active = report("2026-T3", ReportState::Active);
    let draft = report("2026-T2", ReportState::Draft);
    reports::insert_report(&mut tx, &active, NOW).await.unwrap();
    reports::insert_report(&mut tx, &draft, NOW).await.unwrap();
    tx.commit().await.unwrap();

    // The people of CE itself: its manager (without a role assignment) and those with a role
    // on CE; not the role holder above, not someone who left.
    let mut tx = store.begin_read().await.unwrap();
    let mut people = reports::people_of_unit(&mut tx, units["CE"].id).await.unwrap();
    drop(tx);
    people.sort_by_key(|(u, r)| (u.to_string(), r.as_str()));
    let mut expected = vec![(boss.id, Role::Manager), (writer.id, Role::User), (deputy.id, Role::Manager)];
    expected.sort_by_key(|(u, r)| (u.to_string(), r.as_str()));
    assert_eq!(people, expected);

    // Reporters are replaced as a set.
    let mut tx = store.begin_write().await.unwrap();
    reports::set_reporters(&mut tx, active.id, &[writer.id, above.id]).await.unwrap();
    reports::set_reporters(&mut tx, active.id, &[writer.id]).await.unwrap();
    reports::set_reporters(&mut tx, draft.id, &[writer.id]).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.begin_read().await.unwrap();
    assert_eq!(reports::reporters(&mut tx, active.id).await.unwrap(), vec![writer.id]);

    // Whose task the active report is: the reporter writes, the manager and the deputy approve,
    // the role holder above does neither; the draft is nobody's task yet.
    let of = |found: Vec<reports::PersonsReport>| found.into_iter().map(|f| (f.report.id, f.writes, f.approves)).collect::<Vec<_>>();
    assert_eq!(of(reports::active_reports_of_person(&mut tx, writer.id).await.unwrap()), vec![(active.id, true, false)]);
    assert_eq!(of(reports::active_reports_of_person(&mut tx, boss.id).await.unwrap()), vec![(active.id, false, true)]);
    assert_eq!(of(reports::active_reports_of_person(&mut tx, deputy.id).await.unwrap()), vec![(active.id, false, true)]);
    assert!(reports::active_reports_of_person(&mut tx, above.id).await.unwrap().is_empty());
    let mut with_tasks = reports::people_with_report_tasks(&mut tx).await.unwrap();
    with_tasks.sort_by_key(|u| u.to_string());
    let mut expected = vec![boss.id, writer.id, deputy.id];
    expected.sort_by_key(|u| u.to_string());
    assert_eq!(with_tasks, expected);

    // The digest choice: daily until changed.
    assert_eq!(users::digest(&mut tx, writer.id).await.unwrap(), DigestFrequency::Daily);
    drop(tx);
    let mut tx = store.begin_write().await.unwrap();
    users::set_digest(&mut tx, writer.id, DigestFrequency::Weekly, NOW).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.begin_read().await.unwrap();
    assert_eq!(users::digest(&mut tx, writer.id).await.unwrap(), DigestFrequency::Weekly);
}

// ---------------------------------------------------------------------------------------------
// Jobs: the durable queue
// ---------------------------------------------------------------------------------------------

async fn jobs(db: Db) {
    use domain::job::{JobState, NewJob};
    use store::jobs;
    const LEASE: i64 = 60_000;
    const HOUR: i64 = 3_600_000;
    let store = &db.store;
    let reminders = Some(&["reminder-digest"][..]);

    // Enqueueing the same key twice is a no-op that answers the first job; keyless jobs never
    // clash.
    let digest = NewJob::new("reminder-digest", json!({"user": "u1", "day": "2026-01-01"}))
        .idempotency_key("reminder-digest:u1:2026-01-01")
        .max_attempts(2);
    let mut tx = store.begin_write().await.unwrap();
    let (first, created) = jobs::enqueue(&mut tx, &digest, NOW).await.unwrap();
    assert!(created);
    let twin = NewJob { payload: json!({"user": "someone else"}), ..digest.clone() };
    assert_eq!(jobs::enqueue(&mut tx, &twin, NOW + 1).await.unwrap(), (first, false));
    let (later, created) =
        jobs::enqueue(&mut tx, &NewJob::new("reminder-digest", json!(null)).not_before(NOW + HOUR), NOW).await.unwrap();
    assert!(created);
    let (sync, _) = jobs::enqueue(&mut tx, &NewJob::new("directory-sync", json!({})), NOW).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(db.scalar("SELECT COUNT(*) FROM jobs").await, 3);
    let mut tx = store.begin_read().await.unwrap();
    let stored = jobs::get(&mut tx, first).await.unwrap().expect("stored");
    assert!(jobs::get(&mut tx, domain::JobId::new()).await.unwrap().is_none());
    drop(tx);
    assert_eq!(stored.payload, json!({"user": "u1", "day": "2026-01-01"}), "the first payload stands");
    assert_eq!(
        (stored.state, stored.attempts, stored.max_attempts, stored.run_at_ms, stored.created_at_ms),
        (JobState::Queued, 0, 2, NOW, NOW)
    );
    assert_eq!((stored.locked_by.as_deref(), stored.finished_at_ms), (None, None));

    // A claim takes the oldest due job of the kinds asked for and holds it under a lease.
    let held = jobs::claim(store, "worker-a", NOW, LEASE, reminders).await.unwrap().expect("a due job");
    assert_eq!(held.id, first);
    assert_eq!((held.state, held.attempts), (JobState::Running, 1));
    assert_eq!((held.locked_by.as_deref(), held.locked_until_ms), (Some("worker-a"), Some(NOW + LEASE)));
    // `later` is not due before its run_at, and the held job is not claimed again in its lease,
    // not even at its last millisecond.
    assert_eq!(jobs::claim(store, "worker-b", NOW + LEASE, LEASE, reminders).await.unwrap(), None);
    // Another kind is claimed by a worker for that kind.
    let synced = jobs::claim(store, "worker-b", NOW, LEASE, Some(&["directory-sync"])).await.unwrap().expect("the sync job");
    assert_eq!(synced.id, sync);
    let mut tx = store.begin_write().await.unwrap();
    jobs::complete(&mut tx, sync, "worker-b", NOW + 5).await.unwrap();
    // Only the holder finishes a job: not another worker, and nobody a job that is not running.
    expect_stale(jobs::complete(&mut tx, first, "worker-b", NOW).await);
    expect_stale(jobs::fail(&mut tx, first, "worker-b", "boom", NOW, Some(NOW)).await);
    expect_stale(jobs::complete(&mut tx, later, "worker-a", NOW).await);
    expect_stale(jobs::complete(&mut tx, sync, "worker-b", NOW).await);
    tx.commit().await.unwrap();
    let mut tx = store.begin_read().await.unwrap();
    let done = jobs::get(&mut tx, sync).await.unwrap().unwrap();
    drop(tx);
    assert_eq!((done.state, done.finished_at_ms, done.locked_by), (JobState::Done, Some(NOW + 5), None));
    assert_eq!(jobs::claim(store, "worker-b", NOW + 10, LEASE, None).await.unwrap(), None, "done is done");

    // Once the lease has run out, another worker takes the job over; the first holder is stale.
    let taken_over = jobs::claim(store, "worker-b", NOW + LEASE + 1, LEASE, reminders).await.unwrap().expect("lease expired");
    assert_eq!((taken_over.id, taken_over.attempts), (first, 2));
    assert_eq!(taken_over.locked_by.as_deref(), Some("worker-b"));
    assert!(taken_over.last_error.as_deref().is_some_and(|e| e.contains("lease")), "why it ran again is on record");
    let mut tx = store.begin_write().await.unwrap();
    expect_stale(jobs::complete(&mut tx, first, "worker-a", NOW + LEASE + 2).await);
    // Its second failure is its last allowed one: dead, whatever retry was asked for.
    let state = jobs::fail(&mut tx, first, "worker-b", "smtp: 421 try later", NOW + LEASE + 3, Some(NOW + 2 * HOUR)).await.unwrap();
    assert_eq!(state, JobState::Dead);
    tx.commit().await.unwrap();
    let mut tx = store.begin_read().await.unwrap();
    let dead = jobs::get(&mut tx, first).await.unwrap().unwrap();
    drop(tx);
    assert_eq!((dead.state, dead.attempts, dead.run_at_ms), (JobState::Dead, 2, NOW));
    assert_eq!((dead.last_error.as_deref(), dead.finished_at_ms), (Some("smtp: 421 try later"), Some(NOW + LEASE + 3)));
    assert_eq!((dead.locked_by, dead.locked_until_ms), (None, None));
    assert_eq!(jobs::claim(store, "worker-c", NOW + 3 * HOUR, LEASE, reminders).await.unwrap().map(|j| j.id), Some(later));

    // A failure with attempts left queues the job again for the retry time, and no sooner.
    let mut tx = store.begin_write().await.unwrap();
    let retry_at = NOW + 3 * HOUR + 60_000;
    assert_eq!(jobs::fail(&mut tx, later, "worker-c", "timeout", NOW + 3 * HOUR, Some(retry_at)).await.unwrap(), JobState::Queued);
    tx.commit().await.unwrap();
    let mut tx = store.begin_read().await.unwrap();
    let queued = jobs::get(&mut tx, later).await.unwrap().unwrap();
    drop(tx);
    assert_eq!((queued.state, queued.attempts, queued.run_at_ms), (JobState::Queued, 1, retry_at));
    assert_eq!((queued.last_error.as_deref(), queued.locked_by, queued.finished_at_ms), (Some("timeout"), None, None));
    assert_eq!(jobs::claim(store, "worker-c", retry_at - 1, LEASE, None).await.unwrap(), None);
    let again = jobs::claim(store, "worker-c", retry_at, LEASE, None).await.unwrap().expect("due at its retry time");
    assert_eq!((again.id, again.attempts), (later, 2));
    // A failure that retrying cannot mend kills the job at once.
    let mut tx = store.begin_write().await.unwrap();
    assert_eq!(jobs::fail(&mut tx, later, "worker-c", "unknown kind", retry_at, None).await.unwrap(), JobState::Dead);
    tx.commit().await.unwrap();

    // A worker that vanishes during the last allowed attempt leaves a dead letter, not a job that
    // runs for ever (nor once more than allowed).
    let mut tx = store.begin_write().await.unwrap();
    let (once, _) = jobs::enqueue(&mut tx, &NewJob::new("reminder-digest", json!({})).max_attempts(1), NOW).await.unwrap();
    tx.commit().await.unwrap();
    let t = NOW + 4 * HOUR;
    assert_eq!(jobs::claim(store, "worker-d", t, LEASE, None).await.unwrap().map(|j| j.id), Some(once));
    assert_eq!(jobs::claim(store, "worker-e", t + LEASE + 1, LEASE, None).await.unwrap(), None);
    let mut tx = store.begin_read().await.unwrap();
    let abandoned = jobs::get(&mut tx, once).await.unwrap().unwrap();
    drop(tx);
    assert_eq!((abandoned.state, abandoned.attempts, abandoned.finished_at_ms), (JobState::Dead, 1, Some(t + LEASE + 1)));
    assert!(abandoned.last_error.unwrap().contains("lease"));

    // The dead letters, newest first, a page at a time.
    let mut tx = store.begin_read().await.unwrap();
    let page = jobs::list_dead(&mut tx, 2, None).await.unwrap();
    assert_eq!(page.items.iter().map(|j| j.id).collect::<Vec<_>>(), [once, later]);
    let rest = jobs::list_dead(&mut tx, 2, page.next_cursor.as_deref()).await.unwrap();
    assert_eq!((rest.items.iter().map(|j| j.id).collect::<Vec<_>>(), rest.next_cursor), (vec![first], None));
    drop(tx);

    // An administrator puts a dead letter back: due now, with all its attempts again. Only a dead
    // job can be put back.
    let mut tx = store.begin_write().await.unwrap();
    let back = jobs::retry_dead(&mut tx, first, t).await.unwrap();
    assert_eq!((back.state, back.attempts, back.run_at_ms, back.finished_at_ms), (JobState::Queued, 0, t, None));
    assert_eq!(back.last_error.as_deref(), Some("smtp: 421 try later"), "why it died stays readable");
    expect_stale(jobs::retry_dead(&mut tx, first, t).await);
    expect_stale(jobs::retry_dead(&mut tx, sync, t).await);
    expect_stale(jobs::retry_dead(&mut tx, domain::JobId::new(), t).await);
    tx.commit().await.unwrap();
    let retried = jobs::claim(store, "worker-f", t, LEASE, reminders).await.unwrap().expect("back in the queue");
    assert_eq!((retried.id, retried.attempts), (first, 1));
    let mut tx = store.begin_write().await.unwrap();
    jobs::complete(&mut tx, first, "worker-f", t + 1).await.unwrap();
    // The key still names the job after it is done: enqueueing it again still does nothing.
    assert_eq!(jobs::enqueue(&mut tx, &digest, t + 2).await.unwrap(), (first, false));
    tx.commit().await.unwrap();
    assert_eq!(db.scalar("SELECT COUNT(*) FROM jobs WHERE state = 'dead'").await, 2);
}

/// Two workers, each with a connection pool of its own (as two server instances would have),
/// race for the same jobs: every job is claimed, and claimed exactly once. On PostgreSQL this is
/// the `SKIP LOCKED` path; on SQLite the immediate transactions.
async fn jobs_are_claimed_once_by_racing_workers(db: Db) {
    use domain::job::NewJob;
    use store::jobs;
    const JOBS: usize = 200;
    const WORKERS: usize = 2;
    let mut tx = db.store.begin_write().await.unwrap();
    for i in 0..JOBS {
        let job = NewJob::new("reminder-digest", json!({"n": i})).not_before(NOW + i as i64);
        jobs::enqueue(&mut tx, &job, NOW).await.unwrap();
    }
    tx.commit().await.unwrap();

    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(WORKERS));
    let mut tasks = Vec::new();
    for w in 0..WORKERS {
        let store = Store::connect(&db.url).await.expect("a second pool");
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            let worker = format!("worker-{w}");
            barrier.wait().await;
            let mut claimed = Vec::new();
            while let Some(job) = jobs::claim(&store, &worker, NOW + JOBS as i64, 60_000, None).await? {
                let mut tx = store.begin_write().await?;
                jobs::complete(&mut tx, job.id, &worker, NOW + JOBS as i64).await?;
                tx.commit().await?;
                claimed.push(job.id);
            }
            store.close().await;
            Ok::<_, StoreError>(claimed)
        }));
    }
    let mut claims: HashMap<domain::JobId, usize> = HashMap::new();
    for task in tasks {
        for id in task.await.expect("worker panicked").expect("worker failed (Stale: another worker had claimed its job too)") {
            *claims.entry(id).or_default() += 1;
        }
    }
    assert_eq!(claims.len(), JOBS, "every job was claimed");
    assert!(claims.values().all(|n| *n == 1), "no job was claimed twice");
    assert_eq!(db.scalar("SELECT COUNT(*) FROM jobs WHERE state = 'done' AND attempts = 1").await, JOBS as i64);
}
