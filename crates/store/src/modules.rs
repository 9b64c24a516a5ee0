//! Modules (VGPU, internal control, SAM …): here only their keys and names; the governance
//! models that configure them arrive with the planning engine.

use crate::sql;
use crate::{Result, Tx};
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Module {
    pub key: String,
    pub name_sv: String,
    pub name_en: String,
}

pub async fn insert(tx: &mut Tx, module: &Module, now_ms: i64) -> Result<()> {
    sqlx::query("INSERT INTO modules (key, name_sv, name_en, created_at) VALUES ($1, $2, $3, $4)")
        .bind(&module.key)
        .bind(&module.name_sv)
        .bind(&module.name_en)
        .bind(now_ms)
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub async fn list(tx: &mut Tx) -> Result<Vec<Module>> {
    let rows = sqlx::query("SELECT key, name_sv, name_en FROM modules ORDER BY key").fetch_all(tx.conn()).await?;
    rows.iter()
        .map(|r| Ok(Module { key: sql::text(r, "key")?, name_sv: sql::text(r, "name_sv")?, name_en: sql::text(r, "name_en")? }))
        .collect()
}
