//! Plan objects, their targets and red-thread links.

use crate::sql::{self, Arg, Filter, Page};
use crate::{Result, StoreError, Tx};
use domain::consolidation::{Decimal, Formula, MissingPolicy};
use domain::evaluation::ManualStatus;
use domain::governance::ObjectKind;
use domain::period::{PeriodKey, Periodicity};
use domain::plan::{Activity, Decision, IssuedBy, Measure, PeriodValue, PlanObject, Priority, Reach};
use domain::validate::format_date;
use domain::{ObjectId, OrgUnitId};
use sqlx::any::AnyRow;
use std::collections::HashMap;
use std::str::FromStr;

const COLUMNS: &str = "id, key, module_key, level_key, object_kind, unit_id, year, parent_id, position, title, \
    description, issued_by, decision_date, decision_paragraph, case_number, due, \
    CASE WHEN internal_assignment THEN 1 ELSE 0 END AS internal_assignment, measure_unit, decimals, \
    CASE WHEN higher_is_better THEN 1 ELSE 0 END AS higher_is_better, reported, formula, missing_policy, \
    baseline_period, baseline_value, start_date, end_date, responsible_user_id, responsible_text, manual_status, \
    progress, priority, reach, distributed_from, CASE WHEN auto_copy THEN 1 ELSE 0 END AS auto_copy, extra, version, \
    budget_source";

fn corrupt(col: &str, raw: &str) -> StoreError {
    StoreError::Corrupt(format!("{col}: {raw}"))
}

fn parsed<T: FromStr>(row: &AnyRow, col: &str) -> Result<T> {
    let raw = sql::text(row, col)?;
    raw.parse().map_err(|_| corrupt(col, &raw))
}

fn opt_parsed<T: FromStr>(row: &AnyRow, col: &str) -> Result<Option<T>> {
    sql::opt_text(row, col)?.map(|raw| raw.parse().map_err(|_| corrupt(col, &raw))).transpose()
}

fn from_row(row: &AnyRow, targets: Vec<PeriodValue>) -> Result<PlanObject> {
    let kind_raw = sql::text(row, "object_kind")?;
    let kind = ObjectKind::parse("object_kind", &kind_raw).map_err(|_| corrupt("object_kind", &kind_raw))?;
    let measure = if kind == ObjectKind::Measure {
        let reported = sql::opt_text(row, "reported")?.unwrap_or_default();
        let reported = reported
            .split(',')
            .filter(|r| !r.is_empty())
            .map(|r| r.parse::<Periodicity>().map_err(|_| corrupt("reported", r)))
            .collect::<Result<Vec<_>>>()?;
        let baseline = match (opt_parsed::<PeriodKey>(row, "baseline_period")?, opt_parsed::<Decimal>(row, "baseline_value")?) {
            (Some(period), Some(value)) => Some(PeriodValue { period, value }),
            _ => None,
        };
        Some(Measure {
            unit: sql::opt_text(row, "measure_unit")?,
            decimals: sql::opt_int(row, "decimals")?.unwrap_or(0) as u8,
            higher_is_better: sql::boolean(row, "higher_is_better")?,
            reported,
            formula: opt_parsed::<Formula>(row, "formula")?.unwrap_or(Formula::None),
            missing: opt_parsed::<MissingPolicy>(row, "missing_policy")?.unwrap_or_default(),
            baseline,
            targets,
            budget_source: sql::opt_text(row, "budget_source")?
                .map(|raw| serde_json::from_str(&raw).map_err(|_| corrupt("budget_source", &raw)))
                .transpose()?,
        })
    } else {
        None
    };
    let activity = if kind == ObjectKind::Activity {
        Some(Activity {
            start: sql::opt_date(row, "start_date")?,
            end: sql::opt_date(row, "end_date")?,
            responsible_user: sql::opt_id(row, "responsible_user_id")?,
            responsible_text: sql::opt_text(row, "responsible_text")?,
            manual_status: opt_parsed::<ManualStatus>(row, "manual_status")?,
            progress: sql::opt_int(row, "progress")?.map(|p| p as u8),
            priority: opt_parsed::<Priority>(row, "priority")?,
        })
    } else {
        None
    };
    Ok(PlanObject {
        id: sql::id(row, "id")?,
        key: sql::text(row, "key")?,
        module: sql::text(row, "module_key")?,
        level: sql::text(row, "level_key")?,
        kind,
        unit: sql::id(row, "unit_id")?,
        year: sql::int(row, "year")? as i32,
        parent: sql::opt_id(row, "parent_id")?,
        position: sql::int(row, "position")?,
        title: sql::text(row, "title")?,
        description: sql::opt_text(row, "description")?,
        issued_by: opt_parsed::<IssuedBy>(row, "issued_by")?,
        decision: Decision {
            date: sql::opt_date(row, "decision_date")?,
            paragraph: sql::opt_text(row, "decision_paragraph")?,
            case_number: sql::opt_text(row, "case_number")?,
        },
        due: sql::opt_date(row, "due")?,
        internal_assignment: sql::boolean(row, "internal_assignment")?,
        measure,
        activity,
        reach: parsed::<Reach>(row, "reach")?,
        distributed_from: sql::opt_id(row, "distributed_from")?,
        auto_copy: sql::boolean(row, "auto_copy")?,
        extra: sql::json(row, "extra")?,
        version: sql::int(row, "version")?,
    })
}

/// Targets of many objects at once.
async fn targets_of(tx: &mut Tx, ids: &[ObjectId]) -> Result<HashMap<ObjectId, Vec<PeriodValue>>> {
    let mut out: HashMap<ObjectId, Vec<PeriodValue>> = HashMap::new();
    for chunk in ids.chunks(500) {
        let mut q = Filter::new("SELECT object_id, period, value FROM object_targets WHERE object_id IN ");
        q.push_list(chunk);
        for row in q.fetch_all(tx.conn()).await? {
            let target = PeriodValue { period: parsed(&row, "period")?, value: parsed(&row, "value")? };
            out.entry(sql::id(&row, "object_id")?).or_default().push(target);
        }
    }
    for targets in out.values_mut() {
        targets.sort_by_key(|t| t.period);
    }
    Ok(out)
}

/// Turns rows into objects, loading the measures' targets in one more query.
async fn hydrate(tx: &mut Tx, rows: Vec<AnyRow>) -> Result<Vec<PlanObject>> {
    let measures: Vec<ObjectId> = rows
        .iter()
        .filter(|r| sql::text(r, "object_kind").is_ok_and(|k| k == "measure"))
        .map(|r| sql::id(r, "id"))
        .collect::<Result<_>>()?;
    let mut targets = if measures.is_empty() { HashMap::new() } else { targets_of(tx, &measures).await? };
    rows.iter()
        .map(|row| {
            let id: ObjectId = sql::id(row, "id")?;
            from_row(row, targets.remove(&id).unwrap_or_default())
        })
        .collect()
}

fn bind_fields<'q>(
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    o: &PlanObject,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    let m = o.measure.as_ref();
    let a = o.activity.as_ref();
    let reported = m.map(|m| m.reported.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(","));
    q.bind(o.parent.map(|p| p.to_string()))
        .bind(o.position)
        .bind(o.title.clone())
        .bind(o.description.clone())
        .bind(o.issued_by.map(|i| i.as_str().to_owned()))
        .bind(o.decision.date.map(format_date))
        .bind(o.decision.paragraph.clone())
        .bind(o.decision.case_number.clone())
        .bind(o.due.map(format_date))
        .bind(o.internal_assignment)
        .bind(m.and_then(|m| m.unit.clone()))
        .bind(m.map(|m| i64::from(m.decimals)))
        .bind(m.map(|m| m.higher_is_better))
        .bind(reported)
        .bind(m.map(|m| m.formula.as_str().to_owned()))
        .bind(m.map(|m| m.missing.as_str().to_owned()))
        .bind(m.and_then(|m| m.baseline).map(|b| b.period.to_string()))
        .bind(m.and_then(|m| m.baseline).map(|b| b.value.to_string()))
        .bind(a.and_then(|a| a.start).map(format_date))
        .bind(a.and_then(|a| a.end).map(format_date))
        .bind(a.and_then(|a| a.responsible_user).map(|u| u.to_string()))
        .bind(a.and_then(|a| a.responsible_text.clone()))
        .bind(a.and_then(|a| a.manual_status).map(|s| s.as_str().to_owned()))
        .bind(a.and_then(|a| a.progress).map(i64::from))
        .bind(a.and_then(|a| a.priority).map(|p| p.as_str().to_owned()))
        .bind(o.reach.as_str())
        .bind(o.auto_copy)
        .bind(o.extra.as_ref().map(|e| e.to_string()))
        .bind(o.version)
        .bind(m.and_then(|m| m.budget_source.as_ref()).map(|b| serde_json::to_string(b).expect("a budget source serializes")))
}

async fn write_targets(tx: &mut Tx, o: &PlanObject) -> Result<()> {
    sqlx::query("DELETE FROM object_targets WHERE object_id = $1").bind(o.id.to_string()).execute(tx.conn()).await?;
    for t in o.measure.iter().flat_map(|m| &m.targets) {
        sqlx::query("INSERT INTO object_targets (object_id, period, value) VALUES ($1, $2, $3)")
            .bind(o.id.to_string())
            .bind(t.period.to_string())
            .bind(t.value.to_string())
            .execute(tx.conn())
            .await?;
    }
    Ok(())
}

pub async fn insert(tx: &mut Tx, o: &PlanObject, now_ms: i64) -> Result<()> {
    let q = sqlx::query(
        "INSERT INTO plan_objects (id, key, module_key, level_key, object_kind, unit_id, year, distributed_from, \
         parent_id, position, title, description, issued_by, decision_date, decision_paragraph, case_number, due, \
         internal_assignment, measure_unit, decimals, higher_is_better, reported, formula, missing_policy, \
         baseline_period, baseline_value, start_date, end_date, responsible_user_id, responsible_text, manual_status, \
         progress, priority, reach, auto_copy, extra, version, budget_source, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, \
         $23, $24, $25, $26, $27, $28, $29, $30, $31, $32, $33, $34, $35, $36, $37, $38, $39, $39)",
    )
    .bind(o.id.to_string())
    .bind(o.key.clone())
    .bind(o.module.clone())
    .bind(o.level.clone())
    .bind(o.kind.as_str())
    .bind(o.unit.to_string())
    .bind(i64::from(o.year))
    .bind(o.distributed_from.map(|d| d.to_string()));
    bind_fields(q, o).bind(now_ms).execute(tx.conn()).await?;
    write_targets(tx, o).await?;
    crate::org_units::touch_plan(tx, o.unit).await
}

/// Writes the object's changeable fields if the stored version is `expected_version`. Key,
/// module, level, unit, year and origin never change.
pub async fn update(tx: &mut Tx, o: &PlanObject, expected_version: i64, now_ms: i64) -> Result<()> {
    let q = sqlx::query(
        "UPDATE plan_objects SET parent_id = $1, position = $2, title = $3, description = $4, issued_by = $5, \
         decision_date = $6, decision_paragraph = $7, case_number = $8, due = $9, internal_assignment = $10, \
         measure_unit = $11, decimals = $12, higher_is_better = $13, reported = $14, formula = $15, \
         missing_policy = $16, baseline_period = $17, baseline_value = $18, start_date = $19, end_date = $20, \
         responsible_user_id = $21, responsible_text = $22, manual_status = $23, progress = $24, priority = $25, \
         reach = $26, auto_copy = $27, extra = $28, version = $29, budget_source = $30, updated_at = $31 \
         WHERE id = $32 AND version = $33",
    );
    let done = bind_fields(q, o)
        .bind(now_ms)
        .bind(o.id.to_string())
        .bind(expected_version)
        .execute(tx.conn())
        .await?;
    if done.rows_affected() != 1 {
        return Err(StoreError::Stale);
    }
    write_targets(tx, o).await?;
    crate::org_units::touch_plan(tx, o.unit).await
}

pub async fn get(tx: &mut Tx, id: ObjectId) -> Result<Option<PlanObject>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM plan_objects WHERE id = $1")))
        .bind(id.to_string())
        .fetch_all(tx.conn())
        .await?;
    Ok(hydrate(tx, rows).await?.pop())
}

pub async fn get_by_key(tx: &mut Tx, key: &str) -> Result<Option<PlanObject>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM plan_objects WHERE key = $1")))
        .bind(key.to_owned())
        .fetch_all(tx.conn())
        .await?;
    Ok(hydrate(tx, rows).await?.pop())
}

/// The objects with these ids (unknown ids are skipped).
pub async fn get_many(tx: &mut Tx, ids: &[ObjectId]) -> Result<Vec<PlanObject>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let mut q = Filter::new(&format!("SELECT {COLUMNS} FROM plan_objects WHERE id IN "));
        q.push_list(chunk);
        let rows = q.fetch_all(tx.conn()).await?;
        out.extend(hydrate(tx, rows).await?);
    }
    Ok(out)
}

/// Which objects a list asks for.
#[derive(Clone, Debug, Default)]
pub struct ObjectFilter {
    /// Owned by one of the units in these subtrees (None = anywhere).
    pub within: Option<Vec<OrgUnitId>>,
    /// Owned by exactly this unit.
    pub unit: Option<OrgUnitId>,
    pub module: Option<String>,
    pub level: Option<String>,
    pub year: Option<i32>,
}

/// One page of objects in id order (ids are time-ordered: creation order).
pub async fn list_page(tx: &mut Tx, filter: &ObjectFilter, after: Option<ObjectId>, limit: i64) -> Result<Page<PlanObject>> {
    let mut q = Filter::new(&format!("SELECT {COLUMNS} FROM plan_objects WHERE 1 = 1"));
    if let Some(roots) = &filter.within {
        q.push(" AND");
        q.push_within("unit_id", roots);
    }
    if let Some(unit) = filter.unit {
        let p = q.bind(Arg::Text(unit.to_string()));
        q.push(&format!(" AND unit_id = {p}"));
    }
    if let Some(module) = &filter.module {
        let p = q.bind(Arg::Text(module.clone()));
        q.push(&format!(" AND module_key = {p}"));
    }
    if let Some(level) = &filter.level {
        let p = q.bind(Arg::Text(level.clone()));
        q.push(&format!(" AND level_key = {p}"));
    }
    if let Some(year) = filter.year {
        let p = q.bind(Arg::Int(i64::from(year)));
        q.push(&format!(" AND year = {p}"));
    }
    if let Some(after) = after {
        let p = q.bind(Arg::Text(after.to_string()));
        q.push(&format!(" AND id > {p}"));
    }
    let p = q.bind(Arg::Int(limit + 1));
    q.push(&format!(" ORDER BY id LIMIT {p}"));
    let rows = q.fetch_all(tx.conn()).await?;
    let items = hydrate(tx, rows).await?;
    Ok(Page::from_overfetch(items, limit, |o| o.id.to_string()))
}

/// Everything a unit's plan shows for a module and year: the objects owned by the units of
/// `units`, and the visible objects of the ancestors in `ancestors`, in plan order.
pub async fn plan_of(
    tx: &mut Tx,
    units: &[OrgUnitId],
    ancestors: &[OrgUnitId],
    module: &str,
    year: i32,
) -> Result<Vec<PlanObject>> {
    let mut out = Vec::new();
    for chunk in units.chunks(500) {
        let mut q = Filter::new(&format!("SELECT {COLUMNS} FROM plan_objects WHERE unit_id IN "));
        q.push_list(chunk);
        let m = q.bind(Arg::Text(module.to_owned()));
        let y = q.bind(Arg::Int(i64::from(year)));
        q.push(&format!(" AND module_key = {m} AND year = {y}"));
        let rows = q.fetch_all(tx.conn()).await?;
        out.extend(hydrate(tx, rows).await?);
    }
    if !ancestors.is_empty() {
        let mut q = Filter::new(&format!("SELECT {COLUMNS} FROM plan_objects WHERE reach = 'visible' AND unit_id IN "));
        q.push_list(ancestors);
        let m = q.bind(Arg::Text(module.to_owned()));
        let y = q.bind(Arg::Int(i64::from(year)));
        q.push(&format!(" AND module_key = {m} AND year = {y}"));
        let rows = q.fetch_all(tx.conn()).await?;
        out.extend(hydrate(tx, rows).await?);
    }
    out.sort_by_key(|a| (a.position, a.id));
    Ok(out)
}

/// The distributed copies of an origin.
pub async fn copies_of(tx: &mut Tx, origin: ObjectId) -> Result<Vec<PlanObject>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM plan_objects WHERE distributed_from = $1")))
        .bind(origin.to_string())
        .fetch_all(tx.conn())
        .await?;
    hydrate(tx, rows).await
}

/// The origins whose copies go automatically to new units below `unit`'s ancestors.
pub async fn auto_copy_origins(tx: &mut Tx, ancestors: &[OrgUnitId]) -> Result<Vec<PlanObject>> {
    // An origin copies automatically to a new unit if it has a copy on one of the new unit's
    // ancestors (the unit it was distributed to) or is owned by one.
    let mut q = Filter::new(&format!(
        "SELECT {COLUMNS} FROM plan_objects WHERE auto_copy = TRUE AND (unit_id IN "
    ));
    q.push_list(ancestors);
    q.push(" OR id IN (SELECT distributed_from FROM plan_objects WHERE unit_id IN ");
    q.push_list(ancestors);
    q.push("))");
    let rows = q.fetch_all(tx.conn()).await?;
    hydrate(tx, rows).await
}

/// The next free position at the end of a unit's plan.
pub async fn next_position(tx: &mut Tx, unit: OrgUnitId, module: &str, year: i32) -> Result<i64> {
    let row = sqlx::query(
        "SELECT COALESCE(MAX(position), 0) AS p FROM plan_objects WHERE unit_id = $1 AND module_key = $2 AND year = $3",
    )
    .bind(unit.to_string())
    .bind(module.to_owned())
    .bind(i64::from(year))
    .fetch_one(tx.conn())
    .await?;
    Ok(sql::int(&row, "p")? + 1)
}

/// How many objects hang under this one or are copies of it.
pub async fn dependants(tx: &mut Tx, id: ObjectId) -> Result<i64> {
    let row = sqlx::query(
        "SELECT (SELECT COUNT(*) FROM plan_objects WHERE parent_id = $1 OR distributed_from = $1) \
         + (SELECT COUNT(*) FROM object_links WHERE to_id = $1) AS n",
    )
    .bind(id.to_string())
    .fetch_one(tx.conn())
    .await?;
    sql::int(&row, "n")
}

pub async fn delete(tx: &mut Tx, id: ObjectId) -> Result<()> {
    let id = id.to_string();
    for statement in [
        "UPDATE org_units SET plan_version = plan_version + 1 WHERE id = (SELECT unit_id FROM plan_objects WHERE id = $1)",
        "DELETE FROM rollup_cache WHERE origin_id = $1",
        "DELETE FROM object_links WHERE from_id = $1",
        "DELETE FROM object_targets WHERE object_id = $1",
        "DELETE FROM plan_objects WHERE id = $1",
    ] {
        sqlx::query(statement).bind(id.clone()).execute(tx.conn()).await?;
    }
    Ok(())
}

/// The objects this one links to (its red thread upwards).
pub async fn links_from(tx: &mut Tx, ids: &[ObjectId]) -> Result<Vec<(ObjectId, ObjectId)>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        let mut q = Filter::new("SELECT from_id, to_id FROM object_links WHERE from_id IN ");
        q.push_list(chunk);
        for row in q.fetch_all(tx.conn()).await? {
            out.push((sql::id(&row, "from_id")?, sql::id(&row, "to_id")?));
        }
    }
    Ok(out)
}

/// The objects linking to this one (what contributes to it).
pub async fn links_to(tx: &mut Tx, id: ObjectId) -> Result<Vec<ObjectId>> {
    let rows = sqlx::query("SELECT from_id FROM object_links WHERE to_id = $1")
        .bind(id.to_string())
        .fetch_all(tx.conn())
        .await?;
    rows.iter().map(|r| sql::id(r, "from_id")).collect()
}

/// Every link reachable by following links forward from `start` (for the cycle check).
pub async fn links_reachable_from(tx: &mut Tx, start: ObjectId) -> Result<Vec<(ObjectId, ObjectId)>> {
    let rows = sqlx::query(
        "WITH RECURSIVE reach(id) AS (SELECT $1 UNION SELECT l.to_id FROM object_links l JOIN reach r ON l.from_id = r.id) \
         SELECT l.from_id, l.to_id FROM object_links l WHERE l.from_id IN (SELECT id FROM reach)",
    )
    .bind(start.to_string())
    .fetch_all(tx.conn())
    .await?;
    rows.iter().map(|r| Ok((sql::id(r, "from_id")?, sql::id(r, "to_id")?))).collect()
}

/// Replaces the links from `from`.
pub async fn set_links(tx: &mut Tx, from: ObjectId, to: &[ObjectId]) -> Result<()> {
    sqlx::query("DELETE FROM object_links WHERE from_id = $1").bind(from.to_string()).execute(tx.conn()).await?;
    for target in to {
        sqlx::query("INSERT INTO object_links (from_id, to_id) VALUES ($1, $2)")
            .bind(from.to_string())
            .bind(target.to_string())
            .execute(tx.conn())
            .await?;
    }
    Ok(())
}

/// Every object owned by units in the subtrees of `roots` in one of `years`, for to-do lists:
/// without their targets (left empty), which a to-do list does not show.
pub async fn within(tx: &mut Tx, roots: &[OrgUnitId], years: &[i32]) -> Result<Vec<PlanObject>> {
    let mut q = Filter::new(&format!("SELECT {COLUMNS} FROM plan_objects WHERE"));
    q.push_within("unit_id", roots);
    q.push(" AND year IN ");
    let years: Vec<i64> = years.iter().map(|y| i64::from(*y)).collect();
    let placeholders: Vec<String> = years.iter().map(|y| q.bind(Arg::Int(*y))).collect();
    q.push(&format!("({})", placeholders.join(", ")));
    let rows = q.fetch_all(tx.conn()).await?;
    rows.iter().map(|row| from_row(row, Vec::new())).collect()
}

/// The indicators of `year` that take their values from the budget, in id order.
pub async fn budget_sourced(tx: &mut Tx, year: i32) -> Result<Vec<PlanObject>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM plan_objects WHERE budget_source IS NOT NULL AND year = $1 ORDER BY id"
    )))
    .bind(i64::from(year))
    .fetch_all(tx.conn())
    .await?;
    hydrate(tx, rows).await
}

/// The copies of an origin held by these units.
pub async fn copies_at(tx: &mut Tx, origin: ObjectId, units: &[OrgUnitId]) -> Result<Vec<PlanObject>> {
    let mut out = Vec::new();
    for chunk in units.chunks(500) {
        let mut q = Filter::new(&format!("SELECT {COLUMNS} FROM plan_objects WHERE distributed_from = "));
        let p = q.bind(Arg::Text(origin.to_string()));
        q.push(&p);
        q.push(" AND unit_id IN ");
        q.push_list(chunk);
        let rows = q.fetch_all(tx.conn()).await?;
        out.extend(hydrate(tx, rows).await?);
    }
    Ok(out)
}

/// The units of a subtree with their parents (the root's parent is None): the shape every
/// roll-up below `root` walks.
pub async fn subtree_parents(tx: &mut Tx, root: OrgUnitId) -> Result<HashMap<OrgUnitId, Option<OrgUnitId>>> {
    let rows = sqlx::query(
        "SELECT u.id, u.parent_id FROM org_units u JOIN org_unit_closure s ON s.descendant_id = u.id AND s.ancestor_id = $1",
    )
    .bind(root.to_string())
    .fetch_all(tx.conn())
    .await?;
    let mut out = HashMap::with_capacity(rows.len());
    for row in &rows {
        let id: OrgUnitId = sql::id(row, "id")?;
        let parent = if id == root { None } else { sql::opt_id(row, "parent_id")? };
        out.insert(id, parent);
    }
    Ok(out)
}

/// Builds `… WHERE o.distributed_from IN (…) UNION ALL … WHERE o.id IN (…)` for many chains at
/// once (two index lookups instead of an OR that would scan the table).
fn chains_query(select: &str, joins: &str, origins: &[ObjectId], root: OrgUnitId, extra: &str, period: Option<PeriodKey>) -> Filter {
    let mut q = Filter::new("");
    let r = q.bind(Arg::Text(root.to_string()));
    let p = period.map(|p| q.bind(Arg::Text(p.to_string())));
    for (i, column) in ["o.distributed_from", "o.id"].iter().enumerate() {
        if i > 0 {
            q.push(" UNION ALL ");
        }
        let joins = joins.replace("$ROOT", &r).replace("$PERIOD", p.as_deref().unwrap_or(""));
        q.push(&format!("SELECT {select} FROM plan_objects o {joins} WHERE {column} IN "));
        q.push_list(origins);
        q.push(extra);
    }
    q
}

/// Every member of each of `origins`' chains within `root`'s subtree (the units holding a copy,
/// or the origin itself), with what it reported on its own copy for `period`, if anything. One
/// query for all chains: a page with ten roll-ups over 1,000 units reads 10,000 rows once.
pub async fn chain_reports(
    tx: &mut Tx,
    origins: &[ObjectId],
    root: OrgUnitId,
    period: PeriodKey,
) -> Result<Vec<(ObjectId, OrgUnitId, Option<Decimal>)>> {
    if origins.is_empty() {
        return Ok(Vec::new());
    }
    let q = chains_query(
        "COALESCE(o.distributed_from, o.id) AS origin, o.unit_id, f.outcome",
        "JOIN org_unit_closure s ON s.descendant_id = o.unit_id AND s.ancestor_id = $ROOT \
         LEFT JOIN follow_ups f ON f.object_id = o.id AND f.unit_id = o.unit_id AND f.period = $PERIOD",
        origins,
        root,
        "",
        Some(period),
    );
    let rows = q.fetch_all(tx.conn()).await?;
    rows.iter()
        .map(|r| Ok((sql::id(r, "origin")?, sql::id(r, "unit_id")?, opt_parsed::<Decimal>(r, "outcome")?)))
        .collect()
}

/// A roll-up as cached, with the versions it was computed from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CachedRollup {
    pub value: Option<Decimal>,
    pub present: usize,
    pub expected: usize,
}

/// The versions roll-ups of these origins depend on now: each origin's `rollup_version`, and the
/// tree's change counter. Read them before the inputs, so a cache row is never tagged newer
/// than what it was computed from.
pub async fn rollup_versions(tx: &mut Tx, origins: &[ObjectId]) -> Result<(HashMap<ObjectId, i64>, i64)> {
    let mut versions = HashMap::new();
    for chunk in origins.chunks(500) {
        let mut q = Filter::new("SELECT id, rollup_version FROM plan_objects WHERE id IN ");
        q.push_list(chunk);
        for row in q.fetch_all(tx.conn()).await? {
            versions.insert(sql::id(&row, "id")?, sql::int(&row, "rollup_version")?);
        }
    }
    let row = sqlx::query("SELECT taken FROM write_locks WHERE name = 'org_tree'").fetch_one(tx.conn()).await?;
    Ok((versions, sql::int(&row, "taken")?))
}

/// Cached roll-ups at `unit` for `period` that are still current.
pub async fn cached_rollups(
    tx: &mut Tx,
    origins: &HashMap<ObjectId, i64>,
    tree_version: i64,
    unit: OrgUnitId,
    period: PeriodKey,
) -> Result<HashMap<ObjectId, CachedRollup>> {
    let ids: Vec<ObjectId> = origins.keys().copied().collect();
    let mut out = HashMap::new();
    for chunk in ids.chunks(500) {
        let mut q = Filter::new("SELECT origin_id, value, present, expected, rollup_version, tree_version FROM rollup_cache WHERE origin_id IN ");
        q.push_list(chunk);
        let u = q.bind(Arg::Text(unit.to_string()));
        let p = q.bind(Arg::Text(period.to_string()));
        q.push(&format!(" AND unit_id = {u} AND period = {p}"));
        for row in q.fetch_all(tx.conn()).await? {
            let origin: ObjectId = sql::id(&row, "origin_id")?;
            let current = origins.get(&origin) == Some(&sql::int(&row, "rollup_version")?) && sql::int(&row, "tree_version")? == tree_version;
            if current {
                out.insert(
                    origin,
                    CachedRollup {
                        value: opt_parsed::<Decimal>(&row, "value")?,
                        present: sql::int(&row, "present")? as usize,
                        expected: sql::int(&row, "expected")? as usize,
                    },
                );
            }
        }
    }
    Ok(out)
}

/// Stores a computed roll-up with the versions it was computed from.
pub async fn cache_rollup(
    tx: &mut Tx,
    origin: ObjectId,
    versions: (i64, i64),
    unit: OrgUnitId,
    period: PeriodKey,
    rollup: CachedRollup,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO rollup_cache (origin_id, unit_id, period, value, present, expected, rollup_version, tree_version) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (origin_id, unit_id, period) DO UPDATE SET \
         value = excluded.value, present = excluded.present, expected = excluded.expected, \
         rollup_version = excluded.rollup_version, tree_version = excluded.tree_version",
    )
    .bind(origin.to_string())
    .bind(unit.to_string())
    .bind(period.to_string())
    .bind(rollup.value.map(|v| v.to_string()))
    .bind(rollup.present as i64)
    .bind(rollup.expected as i64)
    .bind(versions.0)
    .bind(versions.1)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Marks every cached roll-up of an origin's chain as out of date (in the transaction that
/// changes one of its inputs).
pub async fn touch_rollups(tx: &mut Tx, origin: ObjectId) -> Result<()> {
    sqlx::query("UPDATE plan_objects SET rollup_version = rollup_version + 1 WHERE id = $1")
        .bind(origin.to_string())
        .execute(tx.conn())
        .await?;
    Ok(())
}
