//! Browser sessions, stored in the database so they survive a restart and work across several
//! server processes. Only a hash of the session id is stored.

use crate::sql;
use crate::{Result, Tx};
use domain::UserId;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    pub id_hash: String,
    pub user_id: UserId,
    pub csrf_token: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
}

pub async fn insert(tx: &mut Tx, s: &Session) -> Result<()> {
    sqlx::query(
        "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, last_seen_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&s.id_hash)
    .bind(s.user_id.to_string())
    .bind(&s.csrf_token)
    .bind(s.created_at)
    .bind(s.last_seen_at)
    .bind(s.expires_at)
    .execute(tx.conn())
    .await?;
    Ok(())
}

pub async fn get(tx: &mut Tx, id_hash: &str) -> Result<Option<Session>> {
    let row = sqlx::query(
        "SELECT id_hash, user_id, csrf_token, created_at, last_seen_at, expires_at FROM sessions WHERE id_hash = $1",
    )
    .bind(id_hash)
    .fetch_optional(tx.conn())
    .await?;
    row.map(|r| {
        Ok(Session {
            id_hash: sql::text(&r, "id_hash")?,
            user_id: sql::id(&r, "user_id")?,
            csrf_token: sql::text(&r, "csrf_token")?,
            created_at: sql::int(&r, "created_at")?,
            last_seen_at: sql::int(&r, "last_seen_at")?,
            expires_at: sql::int(&r, "expires_at")?,
        })
    })
    .transpose()
}

/// Extends a session on activity.
pub async fn touch(tx: &mut Tx, id_hash: &str, now_ms: i64, expires_at: i64) -> Result<()> {
    sqlx::query("UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE id_hash = $3")
        .bind(now_ms)
        .bind(expires_at)
        .bind(id_hash)
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub async fn delete(tx: &mut Tx, id_hash: &str) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE id_hash = $1").bind(id_hash).execute(tx.conn()).await?;
    Ok(())
}

/// Ends every session of a user (deactivated, password changed).
pub async fn delete_for_user(tx: &mut Tx, user: UserId) -> Result<u64> {
    let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user.to_string()).execute(tx.conn()).await?;
    Ok(done.rows_affected())
}

pub async fn delete_expired(tx: &mut Tx, now_ms: i64) -> Result<u64> {
    let done = sqlx::query("DELETE FROM sessions WHERE expires_at < $1").bind(now_ms).execute(tx.conn()).await?;
    Ok(done.rows_affected())
}
