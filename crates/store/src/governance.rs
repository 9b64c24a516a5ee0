//! Governance models and their levels.

use crate::sql;
use crate::{Result, StoreError, Tx};
use domain::ModelId;
use domain::evaluation::Scale;
use domain::governance::{Deadlines, GovernanceModel, Level, ObjectKind};
use domain::period::Periodicity;
use sqlx::any::AnyRow;

fn level_from_row(row: &AnyRow) -> Result<Level> {
    let kind = sql::text(row, "object_kind")?;
    let periodicity = sql::text(row, "periodicity")?;
    let parents = sql::text(row, "parents")?;
    Ok(Level {
        key: sql::text(row, "key")?,
        name_sv: sql::text(row, "name_sv")?,
        name_en: sql::text(row, "name_en")?,
        kind: ObjectKind::parse("kind", &kind).map_err(|_| StoreError::Corrupt(format!("object kind {kind}")))?,
        periodicity: Periodicity::parse("periodicity", &periodicity)
            .map_err(|_| StoreError::Corrupt(format!("periodicity {periodicity}")))?,
        parents: serde_json::from_str(&parents).map_err(|e| StoreError::Corrupt(format!("parents: {e}")))?,
    })
}

async fn levels_of(tx: &mut Tx, model: ModelId) -> Result<Vec<Level>> {
    let rows = sqlx::query(
        "SELECT key, name_sv, name_en, object_kind, periodicity, parents FROM model_levels \
         WHERE model_id = $1 ORDER BY position",
    )
    .bind(model.to_string())
    .fetch_all(tx.conn())
    .await?;
    rows.iter().map(level_from_row).collect()
}

async fn model_from_row(tx: &mut Tx, row: &AnyRow) -> Result<GovernanceModel> {
    let id: ModelId = sql::id(row, "id")?;
    Ok(GovernanceModel {
        id,
        module: sql::text(row, "module_key")?,
        name_sv: sql::text(row, "name_sv")?,
        name_en: sql::text(row, "name_en")?,
        levels: levels_of(tx, id).await?,
        scale: match sql::opt_text(row, "scale")? {
            Some(json) => serde_json::from_str(&json).map_err(|e| StoreError::Corrupt(format!("scale: {e}")))?,
            None => Scale::default(),
        },
        deadlines: Deadlines {
            days_after_period_end: u16::try_from(sql::int(row, "deadline_days")?).map_err(|_| StoreError::Corrupt("deadline_days".into()))?,
            days_per_level: u16::try_from(sql::int(row, "deadline_days_per_level")?)
                .map_err(|_| StoreError::Corrupt("deadline_days_per_level".into()))?,
        },
        version: sql::int(row, "version")?,
    })
}

const COLUMNS: &str = "id, module_key, name_sv, name_en, scale, deadline_days, deadline_days_per_level, version";

/// The scale as stored: NULL for the default, so a model keeps following the default until
/// someone changes its scale.
fn scale_column(scale: &Scale) -> Option<String> {
    (*scale != Scale::default()).then(|| serde_json::to_string(scale).expect("a scale serialises"))
}

pub async fn get(tx: &mut Tx, id: ModelId) -> Result<Option<GovernanceModel>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM governance_models WHERE id = $1")))
        .bind(id.to_string())
        .fetch_optional(tx.conn())
        .await?;
    match row {
        Some(row) => Ok(Some(model_from_row(tx, &row).await?)),
        None => Ok(None),
    }
}

/// Every model, ordered by module key.
pub async fn list(tx: &mut Tx) -> Result<Vec<GovernanceModel>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM governance_models ORDER BY module_key")))
        .fetch_all(tx.conn())
        .await?;
    let mut models = Vec::with_capacity(rows.len());
    for row in &rows {
        models.push(model_from_row(tx, row).await?);
    }
    Ok(models)
}

async fn write_levels(tx: &mut Tx, model: ModelId, levels: &[Level]) -> Result<()> {
    sqlx::query("DELETE FROM model_levels WHERE model_id = $1").bind(model.to_string()).execute(tx.conn()).await?;
    for (position, level) in levels.iter().enumerate() {
        sqlx::query(
            "INSERT INTO model_levels (id, model_id, key, position, name_sv, name_en, object_kind, periodicity, parents) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(model.to_string())
        .bind(&level.key)
        .bind(position as i64)
        .bind(&level.name_sv)
        .bind(&level.name_en)
        .bind(level.kind.as_str())
        .bind(level.periodicity.as_str())
        .bind(serde_json::to_string(&level.parents).expect("a list of strings serialises"))
        .execute(tx.conn())
        .await?;
    }
    Ok(())
}

pub async fn insert(tx: &mut Tx, model: &GovernanceModel, now_ms: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO governance_models (id, module_key, name_sv, name_en, version, created_at, updated_at, scale, \
         deadline_days, deadline_days_per_level) VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, $9)",
    )
    .bind(model.id.to_string())
    .bind(&model.module)
    .bind(&model.name_sv)
    .bind(&model.name_en)
    .bind(model.version)
    .bind(now_ms)
    .bind(scale_column(&model.scale))
    .bind(i64::from(model.deadlines.days_after_period_end))
    .bind(i64::from(model.deadlines.days_per_level))
    .execute(tx.conn())
    .await?;
    write_levels(tx, model.id, &model.levels).await
}

/// Replaces the model's names, levels and scale if the stored version is `expected_version`.
pub async fn update(tx: &mut Tx, model: &GovernanceModel, expected_version: i64, now_ms: i64) -> Result<()> {
    let done = sqlx::query(
        "UPDATE governance_models SET name_sv = $1, name_en = $2, version = $3, updated_at = $4, scale = $7, \
         deadline_days = $8, deadline_days_per_level = $9 WHERE id = $5 AND version = $6",
    )
    .bind(&model.name_sv)
    .bind(&model.name_en)
    .bind(model.version)
    .bind(now_ms)
    .bind(model.id.to_string())
    .bind(expected_version)
    .bind(scale_column(&model.scale))
    .bind(i64::from(model.deadlines.days_after_period_end))
    .bind(i64::from(model.deadlines.days_per_level))
    .execute(tx.conn())
    .await?;
    if done.rows_affected() != 1 {
        return Err(StoreError::Stale);
    }
    write_levels(tx, model.id, &model.levels).await
}
