//! Users and their password hashes.

use crate::sql::{self, Page};
use crate::{Result, StoreError, Tx};
use domain::reminder::DigestFrequency;
use domain::user::{Licence, User};
use domain::{OrgUnitId, UserId};
use sqlx::any::AnyRow;

// `active` is read as 0/1: the Any driver cannot map a SQLite column declared BOOLEAN.
const COLUMNS: &str =
    "id, email, name, home_unit_id, CASE WHEN active THEN 1 ELSE 0 END AS active, licence, locale, version";

fn from_row(row: &AnyRow) -> Result<User> {
    let licence = sql::text(row, "licence")?;
    Ok(User {
        id: sql::id(row, "id")?,
        email: sql::text(row, "email")?,
        name: sql::text(row, "name")?,
        home_unit_id: sql::opt_id(row, "home_unit_id")?,
        active: sql::boolean(row, "active")?,
        licence: Licence::parse("licence", &licence).map_err(|_| StoreError::Corrupt(format!("licence {licence}")))?,
        locale: sql::opt_text(row, "locale")?,
        version: sql::int(row, "version")?,
    })
}

pub async fn insert(tx: &mut Tx, user: &User, password_hash: Option<&str>, now_ms: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO users (id, email, name, home_unit_id, active, licence, locale, password_hash, version, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
    )
    .bind(user.id.to_string())
    .bind(&user.email)
    .bind(&user.name)
    .bind(user.home_unit_id.map(|u| u.to_string()))
    .bind(user.active)
    .bind(user.licence.as_str())
    .bind(user.locale.clone())
    .bind(password_hash.map(str::to_owned))
    .bind(user.version)
    .bind(now_ms)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Writes the user's fields if the stored version is `expected_version`.
pub async fn update(tx: &mut Tx, user: &User, expected_version: i64, now_ms: i64) -> Result<()> {
    let done = sqlx::query(
        "UPDATE users SET email = $1, name = $2, home_unit_id = $3, active = $4, licence = $5, locale = $6, \
         version = $7, updated_at = $8 WHERE id = $9 AND version = $10",
    )
    .bind(&user.email)
    .bind(&user.name)
    .bind(user.home_unit_id.map(|u| u.to_string()))
    .bind(user.active)
    .bind(user.licence.as_str())
    .bind(user.locale.clone())
    .bind(user.version)
    .bind(now_ms)
    .bind(user.id.to_string())
    .bind(expected_version)
    .execute(tx.conn())
    .await?;
    if done.rows_affected() == 1 { Ok(()) } else { Err(StoreError::Stale) }
}

pub async fn set_password_hash(tx: &mut Tx, id: UserId, hash: &str, now_ms: i64) -> Result<()> {
    sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
        .bind(hash)
        .bind(now_ms)
        .bind(id.to_string())
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub async fn get(tx: &mut Tx, id: UserId) -> Result<Option<User>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM users WHERE id = $1")))
        .bind(id.to_string())
        .fetch_optional(tx.conn())
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn get_by_email(tx: &mut Tx, email: &str) -> Result<Option<User>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM users WHERE email = $1")))
        .bind(email)
        .fetch_optional(tx.conn())
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// The user and their password hash, for login.
pub async fn credentials(tx: &mut Tx, email: &str) -> Result<Option<(User, Option<String>)>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS}, password_hash FROM users WHERE email = $1"
    )))
    .bind(email)
    .fetch_optional(tx.conn())
    .await?;
    row.map(|r| Ok((from_row(&r)?, sql::opt_text(&r, "password_hash")?))).transpose()
}

/// Filters for listing users.
#[derive(Clone, Debug, Default)]
pub struct UserFilter {
    /// Only users whose home unit lies in one of these subtrees; None = everybody.
    pub within: Option<Vec<OrgUnitId>>,
    /// Always include this user (people see themselves).
    pub include: Option<UserId>,
    /// Case-insensitive substring of name or e-mail.
    pub search: Option<String>,
}

/// A page of users ordered by e-mail.
pub async fn list_page(tx: &mut Tx, filter: &UserFilter, after_email: Option<&str>, limit: i64) -> Result<Page<User>> {
    let mut q = sql::Filter::new(&format!("SELECT {COLUMNS} FROM users u WHERE 1 = 1"));
    if let Some(roots) = &filter.within {
        q.push(" AND (");
        q.push_within("u.home_unit_id", roots);
        if let Some(me) = filter.include {
            let p = q.bind(sql::Arg::Text(me.to_string()));
            q.push(&format!(" OR u.id = {p}"));
        }
        q.push(")");
    }
    if let Some(search) = filter.search.as_deref().filter(|s| !s.trim().is_empty()) {
        // Lower-cased by the database on both sides: SQLite's LOWER() folds ASCII only, so a
        // pattern folded by Rust ('Åsa' -> 'åsa') would miss the exact-case name there.
        // `%` and `_` typed by the user are literal characters, not wildcards.
        let escaped = search.trim().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        let p = q.bind(sql::Arg::Text(format!("%{escaped}%")));
        q.push(&format!(
            " AND (LOWER(u.name) LIKE LOWER({p}) ESCAPE '\\' OR u.email LIKE LOWER({p}) ESCAPE '\\')"
        ));
    }
    if let Some(after) = after_email {
        let p = q.bind(sql::Arg::Text(after.to_owned()));
        q.push(&format!(" AND u.email > {p}"));
    }
    let p = q.bind(sql::Arg::Int(limit + 1));
    q.push(&format!(" ORDER BY u.email LIMIT {p}"));
    let rows = q.fetch_all(tx.conn()).await?;
    let items = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
    Ok(Page::from_overfetch(items, limit, |u| u.email.clone()))
}

pub async fn count(tx: &mut Tx) -> Result<i64> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM users").fetch_one(tx.conn()).await?;
    sql::int(&row, "n")
}

/// The users with these ids (in no particular order; unknown ids are skipped).
pub async fn get_many(tx: &mut Tx, ids: &[UserId]) -> Result<Vec<User>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = sql::Filter::new(&format!("SELECT {COLUMNS} FROM users WHERE id IN "));
    q.push_list(ids);
    let rows = q.fetch_all(tx.conn()).await?;
    rows.iter().map(from_row).collect()
}

/// How often the person gets the reminder digest.
pub async fn digest(tx: &mut Tx, id: UserId) -> Result<DigestFrequency> {
    let row = sqlx::query("SELECT digest FROM users WHERE id = $1").bind(id.to_string()).fetch_optional(tx.conn()).await?;
    match row {
        Some(row) => {
            let value = sql::text(&row, "digest")?;
            DigestFrequency::parse(&value).ok_or_else(|| StoreError::Corrupt(format!("digest {value}")))
        }
        None => Ok(DigestFrequency::default()),
    }
}

pub async fn set_digest(tx: &mut Tx, id: UserId, frequency: DigestFrequency, now_ms: i64) -> Result<()> {
    sqlx::query("UPDATE users SET digest = $1, updated_at = $2 WHERE id = $3")
        .bind(frequency.as_str())
        .bind(now_ms)
        .bind(id.to_string())
        .execute(tx.conn())
        .await?;
    Ok(())
}
