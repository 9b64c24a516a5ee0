//! Organisation units and the closure table that makes subtree and path queries cheap.

use crate::sql::{self, Page};
use crate::{Result, StoreError, Tx};
use domain::org::OrgUnit;
use domain::validate::format_date;
use domain::{OrgUnitId, UserId};
use sqlx::any::AnyRow;

const COLUMNS: &str = "id, key, name, short_name, parent_id, manager_id, valid_from, valid_to, version";

fn from_row(row: &AnyRow) -> Result<OrgUnit> {
    Ok(OrgUnit {
        id: sql::id(row, "id")?,
        key: sql::text(row, "key")?,
        name: sql::text(row, "name")?,
        short_name: sql::opt_text(row, "short_name")?,
        parent_id: sql::opt_id(row, "parent_id")?,
        manager_id: sql::opt_id::<UserId>(row, "manager_id")?,
        valid_from: sql::date(row, "valid_from")?,
        valid_to: sql::opt_date(row, "valid_to")?,
        version: sql::int(row, "version")?,
    })
}

/// Inserts a unit (version as given, normally 1) and its closure rows.
pub async fn insert(tx: &mut Tx, unit: &OrgUnit, now_ms: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO org_units (id, key, name, short_name, parent_id, manager_id, valid_from, valid_to, \
         version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
    )
    .bind(unit.id.to_string())
    .bind(&unit.key)
    .bind(&unit.name)
    .bind(unit.short_name.clone())
    .bind(unit.parent_id.map(|p| p.to_string()))
    .bind(unit.manager_id.map(|m| m.to_string()))
    .bind(format_date(unit.valid_from))
    .bind(unit.valid_to.map(format_date))
    .bind(unit.version)
    .bind(now_ms)
    .execute(tx.conn())
    .await?;
    let id = unit.id.to_string();
    sqlx::query("INSERT INTO org_unit_closure (ancestor_id, descendant_id, depth) VALUES ($1, $1, 0)")
        .bind(&id)
        .execute(tx.conn())
        .await?;
    if let Some(parent) = unit.parent_id {
        sqlx::query(
            "INSERT INTO org_unit_closure (ancestor_id, descendant_id, depth) \
             SELECT ancestor_id, $1, depth + 1 FROM org_unit_closure WHERE descendant_id = $2",
        )
        .bind(&id)
        .bind(parent.to_string())
        .execute(tx.conn())
        .await?;
    }
    Ok(())
}

/// Writes the unit's own fields (not its parent: see [`move_unit`]) if the stored version is
/// `expected_version`; the stored version becomes `unit.version`.
pub async fn update(tx: &mut Tx, unit: &OrgUnit, expected_version: i64, now_ms: i64) -> Result<()> {
    let done = sqlx::query(
        "UPDATE org_units SET key = $1, name = $2, short_name = $3, manager_id = $4, valid_from = $5, \
         valid_to = $6, version = $7, updated_at = $8 WHERE id = $9 AND version = $10",
    )
    .bind(&unit.key)
    .bind(&unit.name)
    .bind(unit.short_name.clone())
    .bind(unit.manager_id.map(|m| m.to_string()))
    .bind(format_date(unit.valid_from))
    .bind(unit.valid_to.map(format_date))
    .bind(unit.version)
    .bind(now_ms)
    .bind(unit.id.to_string())
    .bind(expected_version)
    .execute(tx.conn())
    .await?;
    if done.rows_affected() == 1 { Ok(()) } else { Err(StoreError::Stale) }
}

/// Re-hangs a unit (and its subtree) under a new parent: the parent column and the closure rows
/// between the old ancestors and the subtree are replaced.
pub async fn move_unit(
    tx: &mut Tx,
    unit: OrgUnitId,
    new_parent: OrgUnitId,
    expected_version: i64,
    now_ms: i64,
) -> Result<()> {
    let id = unit.to_string();
    let done = sqlx::query(
        "UPDATE org_units SET parent_id = $1, version = version + 1, updated_at = $2 WHERE id = $3 AND version = $4",
    )
    .bind(new_parent.to_string())
    .bind(now_ms)
    .bind(&id)
    .bind(expected_version)
    .execute(tx.conn())
    .await?;
    if done.rows_affected() != 1 {
        return Err(StoreError::Stale);
    }
    sqlx::query(
        "DELETE FROM org_unit_closure \
         WHERE descendant_id IN (SELECT descendant_id FROM org_unit_closure WHERE ancestor_id = $1) \
           AND ancestor_id IN (SELECT ancestor_id FROM org_unit_closure WHERE descendant_id = $1 AND ancestor_id <> $1)",
    )
    .bind(&id)
    .execute(tx.conn())
    .await?;
    sqlx::query(
        "INSERT INTO org_unit_closure (ancestor_id, descendant_id, depth) \
         SELECT above.ancestor_id, below.descendant_id, above.depth + below.depth + 1 \
         FROM org_unit_closure above, org_unit_closure below \
         WHERE above.descendant_id = $1 AND below.ancestor_id = $2",
    )
    .bind(new_parent.to_string())
    .bind(&id)
    .execute(tx.conn())
    .await?;
    Ok(())
}

pub async fn get(tx: &mut Tx, id: OrgUnitId) -> Result<Option<OrgUnit>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM org_units WHERE id = $1")))
        .bind(id.to_string())
        .fetch_optional(tx.conn())
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn get_by_key(tx: &mut Tx, key: &str) -> Result<Option<OrgUnit>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM org_units WHERE key = $1")))
        .bind(key)
        .fetch_optional(tx.conn())
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Every unit, open and closed (the tree view filters by date itself).
pub async fn list_all(tx: &mut Tx) -> Result<Vec<OrgUnit>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM org_units ORDER BY key")))
        .fetch_all(tx.conn())
        .await?;
    rows.iter().map(from_row).collect()
}

/// A page of units ordered by key, optionally only the subtree of `root`.
pub async fn list_page(
    tx: &mut Tx,
    root: Option<OrgUnitId>,
    after_key: Option<&str>,
    limit: i64,
) -> Result<Page<OrgUnit>> {
    let mut q = sql::Filter::new(&format!("SELECT {COLUMNS} FROM org_units u WHERE 1 = 1"));
    if let Some(root) = root {
        q.push(" AND");
        q.push_within("u.id", &[root]);
    }
    if let Some(after) = after_key {
        let p = q.bind(sql::Arg::Text(after.to_owned()));
        q.push(&format!(" AND u.key > {p}"));
    }
    let p = q.bind(sql::Arg::Int(limit + 1));
    q.push(&format!(" ORDER BY u.key LIMIT {p}"));
    let rows = q.fetch_all(tx.conn()).await?;
    let items = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
    Ok(Page::from_overfetch(items, limit, |u| u.key.clone()))
}

pub async fn children(tx: &mut Tx, id: OrgUnitId) -> Result<Vec<OrgUnit>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM org_units WHERE parent_id = $1 ORDER BY key"
    )))
    .bind(id.to_string())
    .fetch_all(tx.conn())
    .await?;
    rows.iter().map(from_row).collect()
}

/// The unit's path from the root: ancestors first, the unit itself last.
pub async fn path(tx: &mut Tx, id: OrgUnitId) -> Result<Vec<OrgUnitId>> {
    let rows = sqlx::query(
        "SELECT ancestor_id FROM org_unit_closure WHERE descendant_id = $1 ORDER BY depth DESC",
    )
    .bind(id.to_string())
    .fetch_all(tx.conn())
    .await?;
    rows.iter().map(|r| sql::id(r, "ancestor_id")).collect()
}

/// The ids of the unit's whole subtree, itself included.
pub async fn subtree_ids(tx: &mut Tx, id: OrgUnitId) -> Result<Vec<OrgUnitId>> {
    let rows = sqlx::query("SELECT descendant_id FROM org_unit_closure WHERE ancestor_id = $1")
        .bind(id.to_string())
        .fetch_all(tx.conn())
        .await?;
    rows.iter().map(|r| sql::id(r, "descendant_id")).collect()
}

pub async fn count(tx: &mut Tx) -> Result<i64> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM org_units").fetch_one(tx.conn()).await?;
    sql::int(&row, "n")
}

/// The units with these ids (in no particular order; unknown ids are skipped).
pub async fn get_many(tx: &mut Tx, ids: &[OrgUnitId]) -> Result<Vec<OrgUnit>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = sql::Filter::new(&format!("SELECT {COLUMNS} FROM org_units WHERE id IN "));
    q.push_list(ids);
    let rows = q.fetch_all(tx.conn()).await?;
    rows.iter().map(from_row).collect()
}

/// Serialises changes to the tree's shape (creations and moves) until the transaction ends, so
/// two concurrent moves cannot each pass the cycle check and together make a cycle.
pub async fn lock_tree(tx: &mut Tx) -> Result<()> {
    sqlx::query("UPDATE write_locks SET taken = taken + 1 WHERE name = 'org_tree'").execute(tx.conn()).await?;
    Ok(())
}

/// The top units of the tree (normally one: the region or municipality).
pub async fn roots(tx: &mut Tx) -> Result<Vec<OrgUnit>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM org_units WHERE parent_id IS NULL ORDER BY key"
    )))
    .fetch_all(tx.conn())
    .await?;
    rows.iter().map(from_row).collect()
}

/// Each unit's path from the root (the unit itself last), in one query for many units.
pub async fn paths(tx: &mut Tx, units: &[OrgUnitId]) -> Result<std::collections::HashMap<OrgUnitId, Vec<OrgUnitId>>> {
    let mut steps: std::collections::HashMap<OrgUnitId, Vec<(i64, OrgUnitId)>> = std::collections::HashMap::new();
    for chunk in units.chunks(500) {
        let mut q = sql::Filter::new("SELECT descendant_id, ancestor_id, depth FROM org_unit_closure WHERE descendant_id IN ");
        q.push_list(chunk);
        for row in q.fetch_all(tx.conn()).await? {
            steps.entry(sql::id(&row, "descendant_id")?).or_default().push((sql::int(&row, "depth")?, sql::id(&row, "ancestor_id")?));
        }
    }
    Ok(steps
        .into_iter()
        .map(|(unit, mut s)| {
            s.sort_by_key(|(depth, _)| std::cmp::Reverse(*depth));
            (unit, s.into_iter().map(|(_, a)| a).collect())
        })
        .collect())
}

/// The depth of the deepest unit (0 for a tree of one unit or none).
pub async fn tree_depth(tx: &mut Tx) -> Result<u32> {
    let row = sqlx::query("SELECT COALESCE(MAX(depth), 0) AS depth FROM org_unit_closure").fetch_one(tx.conn()).await?;
    Ok(sql::int(&row, "depth")? as u32)
}

/// The counters of a unit that lists computed from its plan compare.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Counter {
    Plan,
    Reports,
}

/// Records that the plan of `unit` changed: an object it owns was added, edited or deleted.
pub async fn touch_plan(tx: &mut Tx, unit: OrgUnitId) -> Result<()> {
    if tx.first_touch(Counter::Plan, unit) {
        sqlx::query("UPDATE org_units SET plan_version = plan_version + 1 WHERE id = $1")
            .bind(unit.to_string())
            .execute(tx.conn())
            .await?;
    }
    Ok(())
}

/// Records that a report in `unit` changed.
pub async fn touch_reports(tx: &mut Tx, unit: OrgUnitId) -> Result<()> {
    if tx.first_touch(Counter::Reports, unit) {
        sqlx::query("UPDATE org_units SET report_version = report_version + 1 WHERE id = $1")
            .bind(unit.to_string())
            .execute(tx.conn())
            .await?;
    }
    Ok(())
}

/// A fingerprint of everything a list computed from the plans of some units reads: the units'
/// edits, plan and report counters, the shape of the tree and the governance models. Counters
/// only grow, so any change anywhere in it changes the stamp.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlanStamp {
    pub tree: TreeStamp,
    versions: i64,
    reports: i64,
}

/// The tree's change counter (raised by every unit created or moved) and the governance models'
/// versions: while it is unchanged, so is the set of units in any subtree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TreeStamp {
    tree: i64,
    models: i64,
}

impl PlanStamp {
    /// True when only reports may have changed between the two stamps.
    pub fn same_structure(&self, other: &PlanStamp) -> bool {
        (self.tree, self.versions) == (other.tree, other.versions)
    }
}

pub async fn tree_stamp(tx: &mut Tx) -> Result<TreeStamp> {
    let row = sqlx::query(
        "SELECT taken AS tree, (SELECT CAST(COALESCE(SUM(version), 0) AS BIGINT) FROM governance_models) AS models \
         FROM write_locks WHERE name = 'org_tree'",
    )
    .fetch_one(tx.conn())
    .await?;
    Ok(TreeStamp { tree: sql::int(&row, "tree")?, models: sql::int(&row, "models")? })
}

/// The units in the subtrees of `roots`.
pub async fn within(tx: &mut Tx, roots: &[OrgUnitId]) -> Result<Vec<OrgUnitId>> {
    let mut q = sql::Filter::new("SELECT id FROM org_units WHERE");
    q.push_within("id", roots);
    q.fetch_all(tx.conn()).await?.iter().map(|row| sql::id(row, "id")).collect()
}

/// The stamp of `units` (read with `within` while the tree had stamp `tree`).
pub async fn plan_stamp(tx: &mut Tx, units: &[OrgUnitId], tree: TreeStamp) -> Result<PlanStamp> {
    let (mut versions, mut reports) = (0, 0);
    for chunk in units.chunks(500) {
        let mut q = sql::Filter::new(
            "SELECT CAST(COALESCE(SUM(version + plan_version), 0) AS BIGINT) AS versions, \
             CAST(COALESCE(SUM(report_version), 0) AS BIGINT) AS reports FROM org_units WHERE id IN ",
        );
        q.push_list(chunk);
        for row in q.fetch_all(tx.conn()).await? {
            versions += sql::int(&row, "versions")?;
            reports += sql::int(&row, "reports")?;
        }
    }
    Ok(PlanStamp { tree, versions, reports })
}

/// Each unit's report counter: tells which units' reports changed since a list was computed,
/// once `PlanStamp` said that some did.
pub async fn report_versions(tx: &mut Tx, units: &[OrgUnitId]) -> Result<std::collections::HashMap<OrgUnitId, i64>> {
    let mut out = std::collections::HashMap::new();
    for chunk in units.chunks(500) {
        let mut q = sql::Filter::new("SELECT id, report_version FROM org_units WHERE id IN ");
        q.push_list(chunk);
        for row in q.fetch_all(tx.conn()).await? {
            out.insert(sql::id(&row, "id")?, sql::int(&row, "report_version")?);
        }
    }
    Ok(out)
}
