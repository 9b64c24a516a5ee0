//! Small helpers shared by the repositories: reading typed columns and building dynamic filters
//! with numbered placeholders (`$1`, `$2` … work on both backends).

use crate::{Result, StoreError};
use sqlx::any::AnyRow;
use sqlx::{Any, AssertSqlSafe, Row};
use std::str::FromStr;
use time::Date;

/// One page of a list and the cursor for the next one (None = last page).
#[derive(Clone, Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Lists fetch `limit + 1` rows: an extra row means there is a next page, whose cursor is
    /// the sort key of the last row shown.
    pub fn from_overfetch(mut items: Vec<T>, limit: i64, cursor_of: impl Fn(&T) -> String) -> Self {
        let next_cursor = if items.len() as i64 > limit {
            items.truncate(limit as usize);
            items.last().map(cursor_of)
        } else {
            None
        };
        Self { items, next_cursor }
    }
}

pub(crate) fn text(row: &AnyRow, col: &str) -> Result<String> {
    row.try_get::<String, _>(col).map_err(Into::into)
}

pub(crate) fn opt_text(row: &AnyRow, col: &str) -> Result<Option<String>> {
    row.try_get::<Option<String>, _>(col).map_err(Into::into)
}

pub(crate) fn int(row: &AnyRow, col: &str) -> Result<i64> {
    row.try_get::<i64, _>(col).map_err(Into::into)
}

pub(crate) fn opt_int(row: &AnyRow, col: &str) -> Result<Option<i64>> {
    row.try_get::<Option<i64>, _>(col).map_err(Into::into)
}

/// A boolean selected as 0/1 (`CASE WHEN col THEN 1 ELSE 0 END`): the Any driver cannot map a
/// SQLite column declared BOOLEAN, so boolean columns are never selected bare.
pub(crate) fn boolean(row: &AnyRow, col: &str) -> Result<bool> {
    row.try_get::<i64, _>(col).map(|v| v != 0).map_err(Into::into)
}

pub(crate) fn id<T: FromStr>(row: &AnyRow, col: &str) -> Result<T> {
    let raw = text(row, col)?;
    raw.parse().map_err(|_| StoreError::Corrupt(format!("{col}: not an id: {raw}")))
}

pub(crate) fn opt_id<T: FromStr>(row: &AnyRow, col: &str) -> Result<Option<T>> {
    opt_text(row, col)?
        .map(|raw| raw.parse().map_err(|_| StoreError::Corrupt(format!("{col}: not an id: {raw}"))))
        .transpose()
}

pub(crate) fn date(row: &AnyRow, col: &str) -> Result<Date> {
    let raw = text(row, col)?;
    domain::validate::date(col, &raw).map_err(|_| StoreError::Corrupt(format!("{col}: not a date: {raw}")))
}

pub(crate) fn opt_date(row: &AnyRow, col: &str) -> Result<Option<Date>> {
    opt_text(row, col)?
        .map(|raw| {
            domain::validate::date(col, &raw).map_err(|_| StoreError::Corrupt(format!("{col}: not a date: {raw}")))
        })
        .transpose()
}

pub(crate) fn json(row: &AnyRow, col: &str) -> Result<Option<serde_json::Value>> {
    opt_text(row, col)?
        .map(|raw| serde_json::from_str(&raw).map_err(|e| StoreError::Corrupt(format!("{col}: {e}"))))
        .transpose()
}

/// A bound value of a dynamically built query.
#[derive(Clone, Debug)]
pub(crate) enum Arg {
    Text(String),
    Int(i64),
}

/// A query assembled from optional filters. `bind` returns the placeholder to put in the text.
#[derive(Default)]
pub(crate) struct Filter {
    pub sql: String,
    args: Vec<Arg>,
}

impl Filter {
    pub fn new(base: &str) -> Self {
        Self { sql: base.to_owned(), args: Vec::new() }
    }

    pub fn bind(&mut self, arg: Arg) -> String {
        self.args.push(arg);
        format!("${}", self.args.len())
    }

    pub fn push(&mut self, sql: &str) {
        self.sql.push_str(sql);
    }

    /// Appends `(p1, p2, …)` with one bound placeholder per id (`(NULL)` for none, which matches
    /// nothing).
    pub fn push_list<T: ToString>(&mut self, ids: &[T]) {
        let placeholders: Vec<String> = ids.iter().map(|id| self.bind(Arg::Text(id.to_string()))).collect();
        let list = if placeholders.is_empty() { "NULL".to_owned() } else { placeholders.join(", ") };
        self.push(&format!("({list})"));
    }

    /// Appends `column IN (every unit in the subtrees of roots)`.
    pub fn push_within(&mut self, column: &str, roots: &[domain::OrgUnitId]) {
        self.push(&format!(" {column} IN (SELECT descendant_id FROM org_unit_closure WHERE ancestor_id IN "));
        self.push_list(roots);
        self.push(")");
    }

    fn query(self) -> sqlx::query::Query<'static, Any, sqlx::any::AnyArguments> {
        let mut query = sqlx::query::<Any>(AssertSqlSafe(self.sql));
        for arg in self.args {
            query = match arg {
                Arg::Text(v) => query.bind(v),
                Arg::Int(v) => query.bind(v),
            };
        }
        query
    }

    pub async fn fetch_all(self, conn: &mut sqlx::AnyConnection) -> Result<Vec<AnyRow>> {
        self.query().fetch_all(conn).await.map_err(Into::into)
    }

    pub async fn execute(self, conn: &mut sqlx::AnyConnection) -> Result<u64> {
        Ok(self.query().execute(conn).await?.rows_affected())
    }
}
