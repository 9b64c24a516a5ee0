//! API tokens. Only a hash of the token is stored; the token itself is shown once.

use crate::sql;
use crate::{Result, StoreError, Tx};
use domain::{TokenId, UserId};
use serde::Serialize;
use sqlx::any::AnyRow;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ApiToken {
    pub id: TokenId,
    pub user_id: UserId,
    pub label: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

fn from_row(r: &AnyRow) -> Result<ApiToken> {
    Ok(ApiToken {
        id: sql::id(r, "id")?,
        user_id: sql::id(r, "user_id")?,
        label: sql::text(r, "label")?,
        created_at: sql::int(r, "created_at")?,
        last_used_at: sql::opt_int(r, "last_used_at")?,
        revoked_at: sql::opt_int(r, "revoked_at")?,
    })
}

const COLUMNS: &str = "id, user_id, label, created_at, last_used_at, revoked_at";

pub async fn insert(tx: &mut Tx, token: &ApiToken, token_hash: &str) -> Result<()> {
    sqlx::query("INSERT INTO api_tokens (id, user_id, label, token_hash, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(token.id.to_string())
        .bind(token.user_id.to_string())
        .bind(&token.label)
        .bind(token_hash)
        .bind(token.created_at)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// The live (not revoked) token with this hash.
pub async fn find_live(tx: &mut Tx, token_hash: &str) -> Result<Option<ApiToken>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL"
    )))
    .bind(token_hash)
    .fetch_optional(tx.conn())
    .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn touch(tx: &mut Tx, id: TokenId, now_ms: i64) -> Result<()> {
    sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
        .bind(now_ms)
        .bind(id.to_string())
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub async fn list_for_user(tx: &mut Tx, user: UserId) -> Result<Vec<ApiToken>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM api_tokens WHERE user_id = $1 ORDER BY id DESC"
    )))
    .bind(user.to_string())
    .fetch_all(tx.conn())
    .await?;
    rows.iter().map(from_row).collect()
}

pub async fn get(tx: &mut Tx, id: TokenId) -> Result<Option<ApiToken>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM api_tokens WHERE id = $1")))
        .bind(id.to_string())
        .fetch_optional(tx.conn())
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn revoke(tx: &mut Tx, id: TokenId, now_ms: i64) -> Result<()> {
    let done = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
        .bind(now_ms)
        .bind(id.to_string())
        .execute(tx.conn())
        .await?;
    if done.rows_affected() == 1 { Ok(()) } else { Err(StoreError::Stale) }
}
