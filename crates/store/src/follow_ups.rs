//! Follow-ups: what units reported per object and period. Only ever written by a person's (or an
//! import's) report; nothing computed is stored here.

use crate::sql::{self, Arg, Filter};
use crate::{Result, StoreError, Tx};
use domain::consolidation::Decimal;
use domain::period::PeriodKey;
use domain::plan::FollowUp;
use domain::{ObjectId, OrgUnitId};
use sqlx::any::AnyRow;

const COLUMNS: &str = "id, object_id, unit_id, period, outcome, assessment, reason, comment, version, updated_by, updated_at";

fn from_row(row: &AnyRow) -> Result<FollowUp> {
    let period = sql::text(row, "period")?;
    let parse_opt = |col: &str| -> Result<Option<String>> { sql::opt_text(row, col) };
    Ok(FollowUp {
        id: sql::id(row, "id")?,
        object: sql::id(row, "object_id")?,
        unit: sql::id(row, "unit_id")?,
        period: period.parse::<PeriodKey>().map_err(|_| StoreError::Corrupt(format!("period {period}")))?,
        outcome: parse_opt("outcome")?
            .map(|v| v.parse::<Decimal>().map_err(|_| StoreError::Corrupt(format!("outcome {v}"))))
            .transpose()?,
        assessment: parse_opt("assessment")?,
        reason: parse_opt("reason")?,
        comment: parse_opt("comment")?,
        version: sql::int(row, "version")?,
        updated_by: sql::opt_id(row, "updated_by")?,
        updated_at: sql::int(row, "updated_at")?,
    })
}

pub async fn get(tx: &mut Tx, object: ObjectId, unit: OrgUnitId, period: PeriodKey) -> Result<Option<FollowUp>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM follow_ups WHERE object_id = $1 AND unit_id = $2 AND period = $3"
    )))
    .bind(object.to_string())
    .bind(unit.to_string())
    .bind(period.to_string())
    .fetch_optional(tx.conn())
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Inserts a new follow-up (version 1) or updates the stored one if its version is
/// `expected_version` (None: insert only; a row that already exists is a conflict).
pub async fn save(tx: &mut Tx, f: &FollowUp, expected_version: Option<i64>) -> Result<()> {
    let done = match expected_version {
        None => {
            sqlx::query(
                "INSERT INTO follow_ups (id, object_id, unit_id, period, outcome, assessment, reason, comment, version, \
                 updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(f.id.to_string())
            .bind(f.object.to_string())
            .bind(f.unit.to_string())
            .bind(f.period.to_string())
            .bind(f.outcome.map(|v| v.to_string()))
            .bind(f.assessment.clone())
            .bind(f.reason.clone())
            .bind(f.comment.clone())
            .bind(f.version)
            .bind(f.updated_by.map(|u| u.to_string()))
            .bind(f.updated_at)
            .execute(tx.conn())
            .await
            .map_err(|e| match StoreError::from(e) {
                // Someone saved the first report of this period a moment earlier.
                StoreError::Constraint(_) => StoreError::Stale,
                other => other,
            })?
        }
        Some(expected) => {
            sqlx::query(
                "UPDATE follow_ups SET outcome = $1, assessment = $2, reason = $3, comment = $4, version = $5, \
                 updated_by = $6, updated_at = $7 WHERE id = $8 AND version = $9",
            )
            .bind(f.outcome.map(|v| v.to_string()))
            .bind(f.assessment.clone())
            .bind(f.reason.clone())
            .bind(f.comment.clone())
            .bind(f.version)
            .bind(f.updated_by.map(|u| u.to_string()))
            .bind(f.updated_at)
            .bind(f.id.to_string())
            .bind(expected)
            .execute(tx.conn())
            .await?
        }
    };
    if done.rows_affected() != 1 {
        return Err(StoreError::Stale);
    }
    crate::org_units::touch_reports(tx, f.unit).await
}

/// The follow-ups of these objects in these periods (any unit).
pub async fn for_objects(tx: &mut Tx, objects: &[ObjectId], periods: &[PeriodKey]) -> Result<Vec<FollowUp>> {
    let mut out = Vec::new();
    let periods: Vec<String> = periods.iter().map(ToString::to_string).collect();
    for chunk in objects.chunks(500) {
        let mut q = Filter::new(&format!("SELECT {COLUMNS} FROM follow_ups WHERE object_id IN "));
        q.push_list(chunk);
        if !periods.is_empty() {
            q.push(" AND period IN ");
            q.push_list(&periods);
        }
        let rows = q.fetch_all(tx.conn()).await?;
        for row in &rows {
            out.push(from_row(row)?);
        }
    }
    Ok(out)
}

/// Every follow-up of one object by one unit, newest period first.
pub async fn history(tx: &mut Tx, object: ObjectId, unit: Option<OrgUnitId>) -> Result<Vec<FollowUp>> {
    let mut q = Filter::new(&format!("SELECT {COLUMNS} FROM follow_ups WHERE object_id = "));
    let p = q.bind(Arg::Text(object.to_string()));
    q.push(&p);
    if let Some(unit) = unit {
        let p = q.bind(Arg::Text(unit.to_string()));
        q.push(&format!(" AND unit_id = {p}"));
    }
    let rows = q.fetch_all(tx.conn()).await?;
    let mut out = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
    out.sort_by(|a, b| b.period.cmp(&a.period).then(a.unit.cmp(&b.unit)));
    Ok(out)
}

/// How many follow-ups an object has (an object with reports is not deleted).
pub async fn count_for(tx: &mut Tx, object: ObjectId) -> Result<i64> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM follow_ups WHERE object_id = $1")
        .bind(object.to_string())
        .fetch_one(tx.conn())
        .await?;
    sql::int(&row, "n")
}

/// Which (object, period) pairs of these objects have a report with any content by the
/// object's own unit: all a to-do list needs, two columns instead of whole rows.
/// The assessment levels used by reports on the objects of `module`, each once.
pub async fn assessments_in_use(tx: &mut Tx, module: &str) -> Result<Vec<String>> {
    let rows = sqlx::query(
        "SELECT DISTINCT f.assessment FROM follow_ups f JOIN plan_objects o ON o.id = f.object_id \
         WHERE o.module_key = $1 AND f.assessment IS NOT NULL ORDER BY f.assessment",
    )
    .bind(module)
    .fetch_all(tx.conn())
    .await?;
    rows.iter().map(|row| sql::text(row, "assessment")).collect()
}

pub async fn reported_pairs(tx: &mut Tx, objects: &[ObjectId], periods: &[PeriodKey]) -> Result<Vec<(ObjectId, PeriodKey)>> {
    let mut out = Vec::new();
    let periods: Vec<String> = periods.iter().map(ToString::to_string).collect();
    for chunk in objects.chunks(500) {
        let mut q = Filter::new(
            "SELECT f.object_id, f.period FROM follow_ups f JOIN plan_objects o ON o.id = f.object_id AND o.unit_id = f.unit_id \
             WHERE (f.outcome IS NOT NULL OR f.assessment IS NOT NULL OR f.comment IS NOT NULL) AND f.object_id IN ",
        );
        q.push_list(chunk);
        q.push(" AND f.period IN ");
        q.push_list(&periods);
        for row in q.fetch_all(tx.conn()).await? {
            let period = sql::text(&row, "period")?;
            let period = period.parse::<PeriodKey>().map_err(|_| StoreError::Corrupt(format!("period {period}")))?;
            out.push((sql::id(&row, "object_id")?, period));
        }
    }
    Ok(out)
}
