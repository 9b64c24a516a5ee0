//! Role grants: a role for a user on a unit subtree and a module (or all modules).

use crate::sql::{self, Page};
use crate::{Result, StoreError, Tx};
use domain::policy::Grant;
use domain::role::{GrantSource, ModuleScope, Role};
use domain::{AssignmentId, OrgUnitId, UserId};
use serde::Serialize;
use sqlx::any::AnyRow;

/// A stored grant with the names needed to show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RoleAssignment {
    pub id: AssignmentId,
    pub user_id: UserId,
    pub user_name: String,
    pub user_email: String,
    pub role: Role,
    pub unit_id: OrgUnitId,
    pub unit_key: String,
    pub unit_name: String,
    pub module: ModuleScope,
    pub source: GrantSource,
    pub created_at: i64,
}

const SELECT: &str = "SELECT a.id, a.user_id, u.name AS user_name, u.email AS user_email, a.role, a.unit_id, \
    o.key AS unit_key, o.name AS unit_name, a.module, a.source, a.created_at \
    FROM role_assignments a JOIN users u ON u.id = a.user_id JOIN org_units o ON o.id = a.unit_id";

fn from_row(row: &AnyRow) -> Result<RoleAssignment> {
    let role = sql::text(row, "role")?;
    let source = sql::text(row, "source")?;
    Ok(RoleAssignment {
        id: sql::id(row, "id")?,
        user_id: sql::id(row, "user_id")?,
        user_name: sql::text(row, "user_name")?,
        user_email: sql::text(row, "user_email")?,
        role: role.parse().map_err(|_| StoreError::Corrupt(format!("role {role}")))?,
        unit_id: sql::id(row, "unit_id")?,
        unit_key: sql::text(row, "unit_key")?,
        unit_name: sql::text(row, "unit_name")?,
        module: ModuleScope::from_storage(&sql::text(row, "module")?),
        source: GrantSource::from_storage(&source).ok_or_else(|| StoreError::Corrupt(format!("source {source}")))?,
        created_at: sql::int(row, "created_at")?,
    })
}

/// A new grant as written.
pub struct NewAssignment<'a> {
    pub id: AssignmentId,
    pub user_id: UserId,
    pub role: Role,
    pub unit_id: OrgUnitId,
    pub module: &'a ModuleScope,
    pub source: GrantSource,
    pub created_by: Option<UserId>,
}

pub async fn insert(tx: &mut Tx, new: &NewAssignment<'_>, now_ms: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO role_assignments (id, user_id, role, unit_id, module, source, created_at, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(new.id.to_string())
    .bind(new.user_id.to_string())
    .bind(new.role.as_str())
    .bind(new.unit_id.to_string())
    .bind(new.module.as_storage())
    .bind(new.source.as_str())
    .bind(now_ms)
    .bind(new.created_by.map(|u| u.to_string()))
    .execute(tx.conn())
    .await?;
    Ok(())
}

pub async fn delete(tx: &mut Tx, id: AssignmentId) -> Result<()> {
    let done = sqlx::query("DELETE FROM role_assignments WHERE id = $1")
        .bind(id.to_string())
        .execute(tx.conn())
        .await?;
    if done.rows_affected() == 1 { Ok(()) } else { Err(StoreError::Stale) }
}

pub async fn get(tx: &mut Tx, id: AssignmentId) -> Result<Option<RoleAssignment>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE a.id = $1")))
        .bind(id.to_string())
        .fetch_optional(tx.conn())
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// The same grant (user, role, unit, module, source) if it exists already.
pub async fn find_same(tx: &mut Tx, new: &NewAssignment<'_>) -> Result<Option<RoleAssignment>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE a.user_id = $1 AND a.role = $2 AND a.unit_id = $3 AND a.module = $4 AND a.source = $5"
    )))
    .bind(new.user_id.to_string())
    .bind(new.role.as_str())
    .bind(new.unit_id.to_string())
    .bind(new.module.as_storage())
    .bind(new.source.as_str())
    .fetch_optional(tx.conn())
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// What the policy needs: every grant of one user.
pub async fn grants_of(tx: &mut Tx, user: UserId) -> Result<Vec<Grant>> {
    let rows = sqlx::query("SELECT role, unit_id, module FROM role_assignments WHERE user_id = $1")
        .bind(user.to_string())
        .fetch_all(tx.conn())
        .await?;
    rows.iter()
        .map(|row| {
            let role = sql::text(row, "role")?;
            Ok(Grant {
                role: role.parse().map_err(|_| StoreError::Corrupt(format!("role {role}")))?,
                unit: sql::id(row, "unit_id")?,
                module: ModuleScope::from_storage(&sql::text(row, "module")?),
            })
        })
        .collect()
}

/// Filters for listing grants.
#[derive(Clone, Debug, Default)]
pub struct AssignmentFilter {
    pub user: Option<UserId>,
    pub unit: Option<OrgUnitId>,
    /// Only grants on units in these subtrees; None = all.
    pub within: Option<Vec<OrgUnitId>>,
}

/// A page of grants ordered by id (creation order).
pub async fn list_page(
    tx: &mut Tx,
    filter: &AssignmentFilter,
    after_id: Option<AssignmentId>,
    limit: i64,
) -> Result<Page<RoleAssignment>> {
    let mut q = sql::Filter::new(&format!("{SELECT} WHERE 1 = 1"));
    if let Some(user) = filter.user {
        let p = q.bind(sql::Arg::Text(user.to_string()));
        q.push(&format!(" AND a.user_id = {p}"));
    }
    if let Some(unit) = filter.unit {
        let p = q.bind(sql::Arg::Text(unit.to_string()));
        q.push(&format!(" AND a.unit_id = {p}"));
    }
    if let Some(roots) = &filter.within {
        q.push(" AND");
        q.push_within("a.unit_id", roots);
    }
    if let Some(after) = after_id {
        let p = q.bind(sql::Arg::Text(after.to_string()));
        q.push(&format!(" AND a.id > {p}"));
    }
    let p = q.bind(sql::Arg::Int(limit + 1));
    q.push(&format!(" ORDER BY a.id LIMIT {p}"));
    let rows = q.fetch_all(tx.conn()).await?;
    let items = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
    Ok(Page::from_overfetch(items, limit, |a| a.id.to_string()))
}
