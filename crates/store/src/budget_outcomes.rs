//! Actuals, forecasts and their imports, and the sums the budget-versus-outcome views need.
//! The sums are aggregated in SQL per category (one row per category, whatever the size of the
//! subtree), so a view of a thousand units reads a few dozen rows.

use crate::sql::{self, Arg, Filter};
use crate::{Result, StoreError, Tx};
use domain::budget::{ActualRecord, CategorySums, CategoryTree, Forecast, ImportState, OutcomeKind, YearMonth};
use domain::money::Money;
use domain::{OrgUnitId, UserId};
use sqlx::any::AnyRow;
use sqlx::{Any, AssertSqlSafe};
use std::collections::BTreeMap;

/// Rows per multi-row INSERT of `width` values a row. Small on SQLite, about 250 parameters a
/// statement: sqlx binds the `$N` parameters by name and SQLite finds each name by a linear
/// scan, so binding one statement costs the square of its parameters (1,000 rows of 5 values a
/// statement inserted 28,000 rows/s; see BENCHMARKS.md, issue 4). PostgreSQL has no such cost
/// and prefers fewer round trips (1,000 rows stay under its 65,535 parameters up to 65 values).
fn rows_per_statement(tx: &mut Tx, width: usize) -> usize {
    if tx.conn().backend_name() == "SQLite" { (250 / width).max(1) } else { 1_000 }
}

/// `($1, $2, …, $w), ($w+1, …)`: the VALUES of `rows` rows of `width` parameters each.
fn values_list(rows: usize, width: usize) -> String {
    (0..rows)
        .map(|i| format!("({})", (1..=width).map(|k| format!("${}", i * width + k)).collect::<Vec<_>>().join(", ")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Units per DELETE … IN (…).
const DELETE_CHUNK: usize = 500;

/// An import as recorded: what the file held and what became of it.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportRecord {
    pub id: String,
    pub kind: OutcomeKind,
    pub year: i32,
    /// `kr` or `tkr`.
    pub amount_unit: String,
    pub file_name: String,
    /// The worksheet of an XLSX file; None: the first.
    pub sheet: Option<String>,
    pub encoding: Option<String>,
    pub state: ImportState,
    pub line_count: i64,
    pub record_count: i64,
    pub unit_count: i64,
    pub total: Money,
    /// The problems of a rejected file (the app's report, as JSON).
    pub report: Option<serde_json::Value>,
    pub created_by: Option<UserId>,
    pub created_by_name: String,
    pub created_at: i64,
    pub committed_at: Option<i64>,
}

const IMPORT_COLUMNS: &str = "id, kind, year, amount_unit, file_name, sheet, encoding, state, line_count, record_count, \
    unit_count, total, report, created_by, created_by_name, created_at, committed_at";

fn corrupt(what: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {detail}"))
}

fn month_number(m: YearMonth) -> i64 {
    i64::from(m.year()) * 100 + i64::from(m.month())
}

fn month_from(row: &AnyRow, col: &str) -> Result<YearMonth> {
    let raw = sql::int(row, col)?;
    i32::try_from(raw / 100)
        .ok()
        .zip(u8::try_from(raw % 100).ok())
        .and_then(|(y, m)| YearMonth::new(y, m))
        .ok_or_else(|| corrupt(col, raw))
}

fn money(row: &AnyRow, col: &str) -> Result<Money> {
    let ore = sql::int(row, col)?;
    Money::try_from(ore).map_err(|_| corrupt(col, ore))
}

fn import_from_row(row: &AnyRow) -> Result<ImportRecord> {
    let kind_raw = sql::text(row, "kind")?;
    let state_raw = sql::text(row, "state")?;
    let year_raw = sql::int(row, "year")?;
    Ok(ImportRecord {
        id: sql::text(row, "id")?,
        kind: OutcomeKind::parse("kind", &kind_raw).map_err(|_| corrupt("budget_imports.kind", &kind_raw))?,
        year: i32::try_from(year_raw).map_err(|_| corrupt("budget_imports.year", year_raw))?,
        amount_unit: sql::text(row, "amount_unit")?,
        file_name: sql::text(row, "file_name")?,
        sheet: sql::opt_text(row, "sheet")?,
        encoding: sql::opt_text(row, "encoding")?,
        state: ImportState::from_storage(&state_raw).ok_or_else(|| corrupt("budget_imports.state", &state_raw))?,
        line_count: sql::int(row, "line_count")?,
        record_count: sql::int(row, "record_count")?,
        unit_count: sql::int(row, "unit_count")?,
        total: money(row, "total")?,
        report: sql::json(row, "report")?,
        created_by: sql::opt_id(row, "created_by")?,
        created_by_name: sql::text(row, "created_by_name")?,
        created_at: sql::int(row, "created_at")?,
        committed_at: sql::opt_int(row, "committed_at")?,
    })
}

/// Records an import; `content` is the file (base64) for a checked file that is to be committed
/// later, None otherwise.
pub async fn insert_import(tx: &mut Tx, import: &ImportRecord, content: Option<&str>) -> Result<()> {
    sqlx::query(
        "INSERT INTO budget_imports (id, kind, year, amount_unit, file_name, sheet, encoding, content, state, line_count, \
         record_count, unit_count, total, report, created_by, created_by_name, created_at, committed_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
    )
    .bind(import.id.clone())
    .bind(import.kind.as_str())
    .bind(i64::from(import.year))
    .bind(import.amount_unit.clone())
    .bind(import.file_name.clone())
    .bind(import.sheet.clone())
    .bind(import.encoding.clone())
    .bind(content.map(str::to_owned))
    .bind(import.state.as_str())
    .bind(import.line_count)
    .bind(import.record_count)
    .bind(import.unit_count)
    .bind(i64::from(import.total))
    .bind(import.report.as_ref().map(|r| r.to_string()))
    .bind(import.created_by.map(|u| u.to_string()))
    .bind(import.created_by_name.clone())
    .bind(import.created_at)
    .bind(import.committed_at)
    .execute(tx.conn())
    .await?;
    Ok(())
}

pub async fn get_import(tx: &mut Tx, id: &str) -> Result<Option<ImportRecord>> {
    let row = sqlx::query::<Any>(AssertSqlSafe(format!("SELECT {IMPORT_COLUMNS} FROM budget_imports WHERE id = $1")))
        .bind(id.to_owned())
        .fetch_optional(tx.conn())
        .await?;
    row.as_ref().map(import_from_row).transpose()
}

/// The file of a checked import, kept for its commit.
pub async fn import_content(tx: &mut Tx, id: &str) -> Result<Option<String>> {
    let row = sqlx::query("SELECT content FROM budget_imports WHERE id = $1").bind(id.to_owned()).fetch_optional(tx.conn()).await?;
    row.as_ref().map(|r| sql::opt_text(r, "content")).transpose().map(Option::flatten)
}

/// Imports, newest first, a page at a time: `cursor` is the id of the last import of the
/// previous page (ids are UUIDv7, so they sort by creation time).
pub async fn list_imports(tx: &mut Tx, cursor: Option<&str>, limit: i64) -> Result<sql::Page<ImportRecord>> {
    let mut f = Filter::new(&format!("SELECT {IMPORT_COLUMNS} FROM budget_imports"));
    if let Some(cursor) = cursor {
        let p = f.bind(Arg::Text(cursor.to_owned()));
        f.push(&format!(" WHERE id < {p}"));
    }
    let p = f.bind(Arg::Int(limit + 1));
    f.push(&format!(" ORDER BY id DESC LIMIT {p}"));
    let items = f.fetch_all(tx.conn()).await?.iter().map(import_from_row).collect::<Result<Vec<_>>>()?;
    Ok(sql::Page::from_overfetch(items, limit, |i| i.id.clone()))
}

/// Marks a checked import committed and drops its file. [`StoreError::Stale`] if it is not
/// checked any more (committed by someone else meanwhile).
pub async fn mark_committed(tx: &mut Tx, id: &str, record_count: i64, now_ms: i64) -> Result<()> {
    let done = sqlx::query(
        "UPDATE budget_imports SET state = 'committed', content = NULL, committed_at = $2, record_count = $3 \
         WHERE id = $1 AND state = 'checked'",
    )
    .bind(id.to_owned())
    .bind(now_ms)
    .bind(record_count)
    .execute(tx.conn())
    .await?;
    if done.rows_affected() == 1 { Ok(()) } else { Err(StoreError::Stale) }
}

/// Deletes the rows of `table` for each (unit, month) key, `month_column` naming the month.
async fn delete_unit_months(tx: &mut Tx, table: &str, month_column: &str, keys: impl Iterator<Item = (OrgUnitId, YearMonth)>) -> Result<()> {
    let mut by_month: BTreeMap<i64, Vec<OrgUnitId>> = BTreeMap::new();
    for (unit, month) in keys {
        by_month.entry(month_number(month)).or_default().push(unit);
    }
    for (month, mut units) in by_month {
        units.sort();
        units.dedup();
        for chunk in units.chunks(DELETE_CHUNK) {
            let mut f = Filter::new(&format!("DELETE FROM {table} WHERE {month_column} = "));
            let p = f.bind(Arg::Int(month));
            f.push(&p);
            f.push(" AND unit_id IN ");
            f.push_list(chunk);
            f.execute(tx.conn()).await?;
        }
    }
    Ok(())
}

/// Actuals of one unit and category for a year: the months the write sets (1–12) and their
/// amounts. Months not listed are left as they are.
struct ActualRow {
    unit: OrgUnitId,
    category: String,
    year: i32,
    amounts: BTreeMap<u8, i64>,
}

/// Gathers records into one row per unit, category and year, grouped by the months each unit's
/// records set (a file normally gives every unit the same months: one group).
fn actual_rows(records: &[ActualRecord]) -> BTreeMap<Vec<u8>, Vec<ActualRow>> {
    let mut months_of_unit: BTreeMap<(OrgUnitId, i32), std::collections::BTreeSet<u8>> = BTreeMap::new();
    let mut rows: BTreeMap<(OrgUnitId, i32, &str), BTreeMap<u8, i64>> = BTreeMap::new();
    for r in records {
        months_of_unit.entry((r.unit, r.month.year())).or_default().insert(r.month.month());
        *rows.entry((r.unit, r.month.year(), r.category.as_str())).or_default().entry(r.month.month()).or_default() += i64::from(r.amount);
    }
    let mut groups: BTreeMap<Vec<u8>, Vec<ActualRow>> = BTreeMap::new();
    for ((unit, year, category), mut amounts) in rows {
        let months: Vec<u8> = months_of_unit[&(unit, year)].iter().copied().collect();
        for m in &months {
            amounts.entry(*m).or_insert(0);
        }
        groups.entry(months).or_default().push(ActualRow { unit, category: category.to_owned(), year, amounts });
    }
    groups
}

/// Writes rows that all set `months`: a plain INSERT (`upsert` false: the table holds none of
/// them, as in the benchmark's raw insert), or an INSERT that updates just those months of a row
/// already there.
async fn write_actual_rows(tx: &mut Tx, months: &[u8], rows: &[ActualRow], upsert: bool) -> Result<()> {
    let columns: Vec<String> = months.iter().map(|m| format!("m{m:02}")).collect();
    let width = 3 + columns.len();
    let per_statement = rows_per_statement(tx, width);
    let on_conflict = if upsert {
        let set: Vec<String> = columns.iter().map(|c| format!("{c} = excluded.{c}")).collect();
        format!(" ON CONFLICT (unit_id, year, category_code) DO UPDATE SET {}", set.join(", "))
    } else {
        String::new()
    };
    for chunk in rows.chunks(per_statement) {
        let text = format!(
            "INSERT INTO budget_actuals (unit_id, category_code, year, {}) VALUES {}{on_conflict}",
            columns.join(", "),
            values_list(chunk.len(), width)
        );
        let mut q = sqlx::query::<Any>(AssertSqlSafe(text));
        for row in chunk {
            q = q.bind(row.unit.to_string()).bind(row.category.clone()).bind(i64::from(row.year));
            for m in months {
                q = q.bind(row.amounts.get(m).copied().unwrap_or(0));
            }
        }
        q.execute(tx.conn()).await?;
    }
    Ok(())
}

/// The database's raw insert rate, for the benchmark: each record as a plain row (unit,
/// category, month, amount) of a temporary table without keys, as naive storage of a ledger
/// file would write it.
pub async fn insert_raw_rows(tx: &mut Tx, records: &[ActualRecord]) -> Result<()> {
    sqlx::query(
        "CREATE TEMPORARY TABLE IF NOT EXISTS raw_ledger_rows (unit_id TEXT NOT NULL, category_code TEXT NOT NULL, \
         month BIGINT NOT NULL, amount BIGINT NOT NULL)",
    )
    .execute(tx.conn())
    .await?;
    let per_statement = rows_per_statement(tx, 4);
    for chunk in records.chunks(per_statement) {
        let text = format!("INSERT INTO raw_ledger_rows (unit_id, category_code, month, amount) VALUES {}", values_list(chunk.len(), 4));
        let mut q = sqlx::query::<Any>(AssertSqlSafe(text));
        for r in chunk {
            q = q.bind(r.unit.to_string()).bind(r.category.clone()).bind(month_number(r.month)).bind(i64::from(r.amount));
        }
        q.execute(tx.conn()).await?;
    }
    Ok(())
}

/// Inserts actuals into a table that holds none of their rows: the same content an import
/// writes, without the import's checks (the benchmark's measure of the write alone).
pub async fn insert_actuals(tx: &mut Tx, records: &[ActualRecord]) -> Result<()> {
    for (months, rows) in actual_rows(records) {
        write_actual_rows(tx, &months, &rows, false).await?;
    }
    Ok(())
}

/// Writes actuals: each (unit, month) in `records` is replaced by what `records` holds for it
/// (categories of that unit and month not in `records` become zero).
pub async fn replace_actuals(tx: &mut Tx, import_id: Option<&str>, records: &[ActualRecord]) -> Result<()> {
    let pairs: std::collections::BTreeSet<(OrgUnitId, YearMonth)> = records.iter().map(|r| (r.unit, r.month)).collect();
    delete_unit_months(tx, "budget_actual_months", "month", pairs.iter().copied()).await?;
    // Zero the months of each unit the file names (categories it no longer books there), one
    // UPDATE per set of months so each row is rewritten once.
    let mut months_of_unit: BTreeMap<(OrgUnitId, i32), Vec<u8>> = BTreeMap::new();
    for (unit, month) in &pairs {
        months_of_unit.entry((*unit, month.year())).or_default().push(month.month());
    }
    let mut units_of_months: BTreeMap<(i32, Vec<u8>), Vec<OrgUnitId>> = BTreeMap::new();
    for ((unit, year), months) in months_of_unit {
        units_of_months.entry((year, months)).or_default().push(unit);
    }
    for ((year, months), units) in &units_of_months {
        let set: Vec<String> = months.iter().map(|m| format!("m{m:02} = 0")).collect();
        for chunk in units.chunks(DELETE_CHUNK) {
            let mut f = Filter::new(&format!("UPDATE budget_actuals SET {} WHERE year = ", set.join(", ")));
            let p = f.bind(Arg::Int(i64::from(*year)));
            f.push(&p);
            f.push(" AND unit_id IN ");
            f.push_list(chunk);
            f.execute(tx.conn()).await?;
        }
    }
    let pairs: Vec<(OrgUnitId, YearMonth)> = pairs.into_iter().collect();
    let per_statement = rows_per_statement(tx, 3);
    for chunk in pairs.chunks(per_statement) {
        let text = format!("INSERT INTO budget_actual_months (unit_id, month, import_id) VALUES {}", values_list(chunk.len(), 3));
        let mut q = sqlx::query::<Any>(AssertSqlSafe(text));
        for (unit, month) in chunk {
            q = q.bind(unit.to_string()).bind(month_number(*month)).bind(import_id.map(str::to_owned));
        }
        q.execute(tx.conn()).await?;
    }
    for (months, rows) in actual_rows(records) {
        write_actual_rows(tx, &months, &rows, true).await?;
    }
    Ok(())
}

/// Writes forecasts: each (unit, month made in) in `forecasts` is replaced by what it holds.
pub async fn replace_forecasts(tx: &mut Tx, import_id: Option<&str>, forecasts: &[Forecast]) -> Result<()> {
    delete_unit_months(tx, "budget_forecasts", "made_in", forecasts.iter().map(|f| (f.unit, f.made_in))).await?;
    let rows = rows_per_statement(tx, 5);
    for chunk in forecasts.chunks(rows) {
        let text = format!("INSERT INTO budget_forecasts (unit_id, category_code, made_in, full_year, import_id) VALUES {}", values_list(chunk.len(), 5));
        let mut q = sqlx::query::<Any>(AssertSqlSafe(text));
        for f in chunk {
            q = q
                .bind(f.unit.to_string())
                .bind(f.category.clone())
                .bind(month_number(f.made_in))
                .bind(i64::from(f.full_year))
                .bind(import_id.map(str::to_owned));
        }
        q.execute(tx.conn()).await?;
    }
    Ok(())
}

/// Removes the forecast of a unit made in `made_in`.
pub async fn delete_forecasts(tx: &mut Tx, unit: OrgUnitId, made_in: YearMonth) -> Result<()> {
    sqlx::query("DELETE FROM budget_forecasts WHERE unit_id = $1 AND made_in = $2")
        .bind(unit.to_string())
        .bind(month_number(made_in))
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// The forecasts of one unit made in `year`, oldest first.
pub async fn forecasts_of(tx: &mut Tx, unit: OrgUnitId, year: i32) -> Result<Vec<Forecast>> {
    let rows = sqlx::query(
        "SELECT category_code, made_in, full_year FROM budget_forecasts WHERE unit_id = $1 AND made_in BETWEEN $2 AND $3 \
         ORDER BY made_in, category_code",
    )
    .bind(unit.to_string())
    .bind(i64::from(year) * 100 + 1)
    .bind(i64::from(year) * 100 + 12)
    .fetch_all(tx.conn())
    .await?;
    rows.iter()
        .map(|r| Ok(Forecast { unit, category: sql::text(r, "category_code")?, made_in: month_from(r, "made_in")?, full_year: money(r, "full_year")? }))
        .collect()
}

/// The actuals of one unit in `year`: a record per category and imported month, where the
/// amount is not zero (a zero is what a month without bookings holds).
pub async fn actuals_of(tx: &mut Tx, unit: OrgUnitId, year: i32) -> Result<Vec<ActualRecord>> {
    let months = sqlx::query("SELECT month FROM budget_actual_months WHERE unit_id = $1 AND month BETWEEN $2 AND $3 ORDER BY month")
        .bind(unit.to_string())
        .bind(i64::from(year) * 100 + 1)
        .bind(i64::from(year) * 100 + 12)
        .fetch_all(tx.conn())
        .await?
        .iter()
        .map(|r| month_from(r, "month"))
        .collect::<Result<Vec<_>>>()?;
    let rows = sqlx::query::<Any>(AssertSqlSafe(format!(
        "SELECT category_code, {} FROM budget_actuals WHERE unit_id = $1 AND year = $2 ORDER BY category_code",
        months_list(12)
    )))
    .bind(unit.to_string())
    .bind(i64::from(year))
    .fetch_all(tx.conn())
    .await?;
    let mut records = Vec::new();
    for month in months {
        for r in &rows {
            let amount = money(r, &format!("m{:02}", month.month()))?;
            if !amount.is_zero() {
                records.push(ActualRecord { unit, category: sql::text(r, "category_code")?, month, amount });
            }
        }
    }
    Ok(records)
}

/// A budget version the outcome is compared with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChapterRef {
    /// The version's row id.
    pub version_id: String,
    pub administration: OrgUnitId,
    pub number: u32,
    pub decided: bool,
}

fn chapter_ref(row: &AnyRow) -> Result<ChapterRef> {
    let number = sql::int(row, "number")?;
    Ok(ChapterRef {
        version_id: sql::text(row, "id")?,
        administration: sql::id(row, "administration_id")?,
        number: u32::try_from(number).map_err(|_| corrupt("budget_versions.number", number))?,
        decided: sql::text(row, "state")? == "decided",
    })
}

/// The budget a unit's outcome is followed up against: the chapter of the nearest administration
/// at or above the unit that has one for `year`; of its versions the latest decided one, or the
/// latest draft while none is decided.
pub async fn chapter_for(tx: &mut Tx, unit: OrgUnitId, year: i32) -> Result<Option<ChapterRef>> {
    let row = sqlx::query(
        "SELECT v.id, v.administration_id, v.number, v.state FROM budget_versions v \
         JOIN org_unit_closure c ON c.ancestor_id = v.administration_id \
         WHERE c.descendant_id = $1 AND v.year = $2 \
         ORDER BY c.depth, CASE WHEN v.state = 'decided' THEN 0 ELSE 1 END, v.number DESC LIMIT 1",
    )
    .bind(unit.to_string())
    .bind(i64::from(year))
    .fetch_optional(tx.conn())
    .await?;
    row.as_ref().map(chapter_ref).transpose()
}

/// Every administration's chapter for `year` (the version chosen as in [`chapter_for`]).
pub async fn chapters_of_year(tx: &mut Tx, year: i32) -> Result<Vec<ChapterRef>> {
    let rows = sqlx::query(
        "SELECT id, administration_id, number, state FROM budget_versions WHERE year = $1 \
         ORDER BY administration_id, CASE WHEN state = 'decided' THEN 0 ELSE 1 END, number DESC",
    )
    .bind(i64::from(year))
    .fetch_all(tx.conn())
    .await?;
    let mut chapters: Vec<ChapterRef> = Vec::new();
    for row in &rows {
        let chapter = chapter_ref(row)?;
        if chapters.last().is_none_or(|c| c.administration != chapter.administration) {
            chapters.push(chapter);
        }
    }
    Ok(chapters)
}

/// The category tree of a chapter.
pub async fn categories(tx: &mut Tx, chapter: &ChapterRef) -> Result<CategoryTree> {
    crate::budget::load_categories(tx, &chapter.version_id).await
}

/// `m01, m02, …, mNN`.
fn months_list(n: u8) -> String {
    (1..=n).map(|m| format!("m{m:02}")).collect::<Vec<_>>().join(", ")
}

/// `t.m01 + t.m02 + … + t.mNN`.
fn months_through_of(table: &str, n: u8) -> String {
    (1..=n).map(|m| format!("{table}.m{m:02}")).collect::<Vec<_>>().join(" + ")
}


/// Sums per category code, and the number of budget lines without a forecast in force.
pub type RawSums = (Vec<(String, CategorySums)>, usize);

/// Which rows a sum covers (`filter`, with `$1` the unit) and what they are grouped by besides
/// the category (`group`: the unit itself, or the child whose subtree holds the row).
struct Scope {
    join: &'static str,
    filter: &'static str,
    group: &'static str,
}

/// The unit's own rows.
const OWN: Scope = Scope { join: "", filter: "t.unit_id = $1", group: "t.unit_id" };
/// Every row of the unit's subtree, as one group (used on SQLite only: PostgreSQL refuses a
/// constant in GROUP BY).
const SUBTREE: Scope = Scope {
    join: "",
    filter: "t.unit_id IN (SELECT descendant_id FROM org_unit_closure WHERE ancestor_id = $1)",
    group: "''",
};
/// Every row below the unit, grouped by the direct child whose subtree holds it.
const BY_CHILD: Scope = Scope {
    join: " JOIN org_unit_closure c ON c.descendant_id = t.unit_id JOIN org_units ch ON ch.id = c.ancestor_id",
    filter: "ch.parent_id = $1",
    group: "c.ancestor_id",
};

/// Budget, actuals and forecasts of the unit's own rows, summed per category.
pub async fn outcome_sums_of_unit(tx: &mut Tx, unit: OrgUnitId, chapter: Option<&ChapterRef>, month: YearMonth) -> Result<RawSums> {
    Ok(grouped_sums(tx, &OWN, unit, chapter, month).await?.remove(&unit.to_string()).unwrap_or_default())
}

/// Budget, actuals and forecasts below `unit`, summed per category for each direct child's
/// subtree (`children`: the unit's children; those without any row are left out).
///
/// The two planners want different SQL for this, and each query shape is several times slower
/// on the other backend (BENCHMARKS.md, issue 4): SQLite plans a subtree filter
/// (`unit_id IN (SELECT descendant_id …)`) well, one query per child; PostgreSQL, once it has
/// statistics, scans the whole table for each such query, and does best with one query grouped
/// by child. The results are the same (the app tests run on both backends).
pub async fn outcome_sums_by_child(
    tx: &mut Tx,
    unit: OrgUnitId,
    children: &[OrgUnitId],
    chapter: Option<&ChapterRef>,
    month: YearMonth,
) -> Result<Vec<(OrgUnitId, RawSums)>> {
    if tx.conn().backend_name() == "SQLite" {
        let mut out = Vec::new();
        for child in children {
            if let Some(sums) = grouped_sums(tx, &SUBTREE, *child, chapter, month).await?.remove("") {
                out.push((*child, sums));
            }
        }
        return Ok(out);
    }
    grouped_sums(tx, &BY_CHILD, unit, chapter, month)
        .await?
        .into_iter()
        .map(|(child, sums)| child.parse().map(|id| (id, sums)).map_err(|_| corrupt("org_unit_closure.ancestor_id", child)))
        .collect()
}

async fn grouped_sums(tx: &mut Tx, scope: &Scope, unit: OrgUnitId, chapter: Option<&ChapterRef>, month: YearMonth) -> Result<BTreeMap<String, RawSums>> {
    let Scope { join, filter, group } = scope;
    let year = i64::from(month.year());
    let (january, through) = (year * 100 + 1, month_number(month));
    let mut groups: BTreeMap<String, (BTreeMap<String, CategorySums>, usize)> = BTreeMap::new();

    if let Some(chapter) = chapter {
        let no_forecast = "NOT EXISTS (SELECT 1 FROM budget_forecasts g WHERE g.unit_id = t.unit_id \
             AND g.category_code = t.category_code AND g.made_in BETWEEN $4 AND $5)";
        let text = format!(
            "SELECT {group} AS grp, t.category_code, CAST(SUM(t.m{m:02}) AS BIGINT) AS b_month, CAST(SUM({ytd}) AS BIGINT) AS b_ytd, \
             CAST(SUM({year_sum}) AS BIGINT) AS b_year, \
             CAST(SUM(CASE WHEN {no_forecast} THEN {year_sum} ELSE 0 END) AS BIGINT) AS b_unforecast, \
             CAST(SUM(CASE WHEN {no_forecast} THEN 1 ELSE 0 END) AS BIGINT) AS n_unforecast \
             FROM budget_lines t{join} WHERE {filter} AND t.version_id = $2 AND t.year = $3 GROUP BY {group}, t.category_code",
            m = month.month(),
            ytd = months_through_of("t", month.month()),
            year_sum = months_through_of("t", 12),
        );
        let rows = sqlx::query::<Any>(AssertSqlSafe(text))
            .bind(unit.to_string())
            .bind(chapter.version_id.clone())
            .bind(year)
            .bind(january)
            .bind(through)
            .fetch_all(tx.conn())
            .await?;
        for r in &rows {
            let (sums, missing) = groups.entry(sql::text(r, "grp")?).or_default();
            let s = sums.entry(sql::text(r, "category_code")?).or_default();
            s.budget_month += i128::from(sql::int(r, "b_month")?);
            s.budget_ytd += i128::from(sql::int(r, "b_ytd")?);
            s.budget_year += i128::from(sql::int(r, "b_year")?);
            s.forecast_year += i128::from(sql::int(r, "b_unforecast")?);
            *missing += usize::try_from(sql::int(r, "n_unforecast")?).unwrap_or(0);
        }
    }

    let rows = sqlx::query::<Any>(AssertSqlSafe(format!(
        "SELECT {group} AS grp, t.category_code, CAST(SUM(t.m{m:02}) AS BIGINT) AS a_month, CAST(SUM({ytd}) AS BIGINT) AS a_ytd \
         FROM budget_actuals t{join} WHERE {filter} AND t.year = $2 GROUP BY {group}, t.category_code",
        m = month.month(),
        ytd = months_through_of("t", month.month()),
    )))
    .bind(unit.to_string())
    .bind(year)
    .fetch_all(tx.conn())
    .await?;
    for r in &rows {
        let (sums, _) = groups.entry(sql::text(r, "grp")?).or_default();
        let s = sums.entry(sql::text(r, "category_code")?).or_default();
        s.actual_month += i128::from(sql::int(r, "a_month")?);
        s.actual_ytd += i128::from(sql::int(r, "a_ytd")?);
    }

    let rows = sqlx::query::<Any>(AssertSqlSafe(format!(
        "SELECT {group} AS grp, t.category_code, CAST(SUM(t.full_year) AS BIGINT) AS f_year FROM budget_forecasts t{join} \
         WHERE {filter} AND t.made_in BETWEEN $2 AND $3 AND t.made_in = (SELECT MAX(g.made_in) \
         FROM budget_forecasts g WHERE g.unit_id = t.unit_id AND g.category_code = t.category_code \
         AND g.made_in BETWEEN $2 AND $3) GROUP BY {group}, t.category_code"
    )))
    .bind(unit.to_string())
    .bind(january)
    .bind(through)
    .fetch_all(tx.conn())
    .await?;
    for r in &rows {
        let (sums, _) = groups.entry(sql::text(r, "grp")?).or_default();
        sums.entry(sql::text(r, "category_code")?).or_default().forecast_year += i128::from(sql::int(r, "f_year")?);
    }
    Ok(groups.into_iter().map(|(g, (sums, missing))| (g, (sums.into_iter().collect(), missing))).collect())
}

/// In the subtree under `root`: the last month of `year` with booked actuals, and the last month
/// of `year` a forecast was made in (the months up to which an indicator that takes its values
/// from actuals or forecasts has them).
pub async fn last_months(tx: &mut Tx, root: OrgUnitId, year: i32) -> Result<(Option<YearMonth>, Option<YearMonth>)> {
    let subtree = "SELECT descendant_id FROM org_unit_closure WHERE ancestor_id = $1";
    let row = sqlx::query::<Any>(AssertSqlSafe(format!(
        "SELECT (SELECT MAX(month) FROM budget_actual_months WHERE unit_id IN ({subtree}) AND month BETWEEN $2 AND $3) AS actual, \
         (SELECT MAX(made_in) FROM budget_forecasts WHERE unit_id IN ({subtree}) AND made_in BETWEEN $2 AND $3) AS forecast"
    )))
    .bind(root.to_string())
    .bind(i64::from(year) * 100 + 1)
    .bind(i64::from(year) * 100 + 12)
    .fetch_one(tx.conn())
    .await?;
    let month = |col: &str| -> Result<Option<YearMonth>> {
        match sql::opt_int(&row, col)? {
            None => Ok(None),
            Some(_) => month_from(&row, col).map(Some),
        }
    };
    Ok((month("actual")?, month("forecast")?))
}
