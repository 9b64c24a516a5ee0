//! The durable job queue: jobs are enqueued inside the transaction of the change that asks for
//! them, and claimed one at a time by workers (any number of them, in any number of processes on
//! the same database); no job is ever held by two workers at once.
//!
//! A claim sets the job `running` under a lease (`locked_until`). Claims take the write lock on
//! SQLite (`BEGIN IMMEDIATE`) and skip rows other claimers hold on PostgreSQL (`FOR UPDATE SKIP
//! LOCKED`), so two workers never take the same job; a worker that dies leaves its lease to run
//! out, and the job is claimable again after it. Only the worker holding a job may finish it.

use crate::sql::{self, Arg, Filter, Page};
use crate::{Backend, Result, Store, StoreError, Tx};
use domain::JobId;
use domain::job::{Job, JobState, NewJob};
use sqlx::any::AnyRow;

const JOB_COLUMNS: &str = "id, kind, payload, idempotency_key, state, attempts, max_attempts, run_at, locked_by, \
                           locked_until, last_error, created_at, finished_at";

/// Written on a job whose worker did not finish it within its lease.
const LEASE_EXPIRED: &str = "the worker did not finish within its lease (it stopped, or ran too long)";

fn count(r: &AnyRow, col: &str) -> Result<u32> {
    let raw = sql::int(r, col)?;
    u32::try_from(raw).map_err(|_| StoreError::Corrupt(format!("{col}: {raw}")))
}

fn from_row(r: &AnyRow) -> Result<Job> {
    let state = sql::text(r, "state")?;
    Ok(Job {
        id: sql::id(r, "id")?,
        kind: sql::text(r, "kind")?,
        payload: sql::json(r, "payload")?.unwrap_or(serde_json::Value::Null),
        idempotency_key: sql::opt_text(r, "idempotency_key")?,
        state: JobState::parse(&state).ok_or_else(|| StoreError::Corrupt(format!("state: {state}")))?,
        attempts: count(r, "attempts")?,
        max_attempts: count(r, "max_attempts")?,
        run_at_ms: sql::int(r, "run_at")?,
        locked_by: sql::opt_text(r, "locked_by")?,
        locked_until_ms: sql::opt_int(r, "locked_until")?,
        last_error: sql::opt_text(r, "last_error")?,
        created_at_ms: sql::int(r, "created_at")?,
        finished_at_ms: sql::opt_int(r, "finished_at")?,
    })
}

/// Puts a job in the queue, due at its `run_at_ms` or else now. Answers the job's id and whether
/// it was created: a job with an idempotency key already stored (in any state) is not enqueued
/// again, and the stored job's id is answered instead.
pub async fn enqueue(tx: &mut Tx, job: &NewJob, now_ms: i64) -> Result<(JobId, bool)> {
    let id = JobId::new();
    let payload = serde_json::to_string(&job.payload).map_err(|e| StoreError::Corrupt(format!("payload: {e}")))?;
    let inserted = sqlx::query(
        "INSERT INTO jobs (id, kind, payload, idempotency_key, state, attempts, max_attempts, run_at, created_at) \
         VALUES ($1, $2, $3, $4, 'queued', 0, $5, $6, $7) ON CONFLICT (idempotency_key) DO NOTHING",
    )
    .bind(id.to_string())
    .bind(&job.kind)
    .bind(payload)
    .bind(job.idempotency_key.clone())
    .bind(i64::from(job.max_attempts.max(1)))
    .bind(job.run_at_ms.unwrap_or(now_ms))
    .bind(now_ms)
    .execute(tx.conn())
    .await?;
    if inserted.rows_affected() == 1 {
        return Ok((id, true));
    }
    // Only the key can clash (the id is fresh), so there is a key and a job holding it.
    let key = job.idempotency_key.clone().ok_or_else(|| StoreError::Corrupt("a job without a key was not inserted".into()))?;
    let row = sqlx::query("SELECT id FROM jobs WHERE idempotency_key = $1").bind(key).fetch_one(tx.conn()).await?;
    Ok((sql::id(&row, "id")?, false))
}

/// PostgreSQL's way for concurrent claimers to pass each other by: a row another transaction has
/// locked is skipped, not waited for. SQLite needs none: its claims run one at a time under
/// `BEGIN IMMEDIATE`.
fn skip_locked(store: &Store) -> &'static str {
    match store.backend() {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    }
}

/// Takes the next due job for `worker`, in a short transaction of its own (committed before the
/// job runs, so the lease, not a held lock, is what keeps others off it). Due: queued with
/// `run_at <= now`, or running with a lease that ran out before `now`. The job comes back
/// running, held by `worker` until `now + lease_ms`, with `attempts` raised by one. `kinds`
/// limits the claim to jobs of those kinds; None takes any kind. None when nothing is due.
pub async fn claim(store: &Store, worker: &str, now_ms: i64, lease_ms: i64, kinds: Option<&[&str]>) -> Result<Option<Job>> {
    let mut tx = store.begin_write().await?;
    release_expired_leases(store, &mut tx, now_ms).await?;

    let mut q = Filter::new("");
    let worker = q.bind(Arg::Text(worker.to_owned()));
    let until = q.bind(Arg::Int(now_ms.saturating_add(lease_ms)));
    let now = q.bind(Arg::Int(now_ms));
    // One statement on both backends: pick the longest-due row (an index scan on
    // (state, run_at)), take it, answer it.
    q.push(&format!(
        "UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_by = {worker}, locked_until = {until} \
         WHERE id = (SELECT id FROM jobs WHERE state = 'queued' AND run_at <= {now}"
    ));
    if let Some(kinds) = kinds {
        q.push(" AND kind IN ");
        q.push_list(kinds);
    }
    q.push(" ORDER BY run_at LIMIT 1");
    q.push(skip_locked(store));
    q.push(&format!(") RETURNING {JOB_COLUMNS}"));
    let rows = q.fetch_all(tx.conn()).await?;
    tx.commit().await?;
    rows.first().map(from_row).transpose()
}

/// A running job whose lease ran out before `now` has no holder any more (its worker died or
/// ran too long): it is queued again, due at once, or, if that was its last allowed attempt,
/// dead, so it shows up for an administrator instead of starting once more than allowed.
async fn release_expired_leases(store: &Store, tx: &mut Tx, now_ms: i64) -> Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE jobs SET state = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'queued' END, \
         finished_at = CASE WHEN attempts >= max_attempts THEN $2 ELSE NULL END, \
         last_error = $1, locked_by = NULL, locked_until = NULL \
         WHERE id IN (SELECT id FROM jobs WHERE state = 'running' AND locked_until < $2{})",
        skip_locked(store)
    )))
    .bind(LEASE_EXPIRED)
    .bind(now_ms)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Marks a job done. Only the worker holding it may: otherwise [`StoreError::Stale`] (its lease
/// ran out and a later claim released it or took it over, or the job is not running at all).
pub async fn complete(tx: &mut Tx, id: JobId, worker: &str, now_ms: i64) -> Result<()> {
    let done = sqlx::query(
        "UPDATE jobs SET state = 'done', finished_at = $1, locked_by = NULL, locked_until = NULL \
         WHERE id = $2 AND locked_by = $3 AND state = 'running'",
    )
    .bind(now_ms)
    .bind(id.to_string())
    .bind(worker.to_owned())
    .execute(tx.conn())
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::Stale);
    }
    Ok(())
}

/// Records a failed attempt by the worker holding the job (else [`StoreError::Stale`]). The job
/// is queued again for `retry_at` while it has attempts left; it is dead once `attempts` reached
/// `max_attempts`, or at once when `retry_at` is None (a failure that retrying cannot mend).
/// Answers the state it is left in.
pub async fn fail(tx: &mut Tx, id: JobId, worker: &str, error: &str, now_ms: i64, retry_at: Option<i64>) -> Result<JobState> {
    // The decision is made in the statement, on the stored counts, so it cannot act on stale ones.
    let dead = "($1 = 1 OR attempts >= max_attempts)";
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE jobs SET state = CASE WHEN {dead} THEN 'dead' ELSE 'queued' END, \
         run_at = CASE WHEN {dead} THEN run_at ELSE $2 END, \
         finished_at = CASE WHEN {dead} THEN $3 ELSE NULL END, \
         last_error = $4, locked_by = NULL, locked_until = NULL \
         WHERE id = $5 AND locked_by = $6 AND state = 'running' RETURNING state"
    )))
    .bind(i64::from(retry_at.is_none()))
    .bind(retry_at.unwrap_or(now_ms))
    .bind(now_ms)
    .bind(error.to_owned())
    .bind(id.to_string())
    .bind(worker.to_owned())
    .fetch_optional(tx.conn())
    .await?;
    let row = row.ok_or(StoreError::Stale)?;
    let state = sql::text(&row, "state")?;
    JobState::parse(&state).ok_or_else(|| StoreError::Corrupt(format!("state: {state}")))
}

pub async fn get(tx: &mut Tx, id: JobId) -> Result<Option<Job>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1")))
        .bind(id.to_string())
        .fetch_optional(tx.conn())
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// The dead letters, most recently enqueued first; the cursor is the id of the last one shown
/// (ids are time-ordered).
pub async fn list_dead(tx: &mut Tx, limit: i64, cursor: Option<&str>) -> Result<Page<Job>> {
    let mut q = Filter::new(&format!("SELECT {JOB_COLUMNS} FROM jobs WHERE state = 'dead'"));
    if let Some(before) = cursor {
        let p = q.bind(Arg::Text(before.to_owned()));
        q.push(&format!(" AND id < {p}"));
    }
    let p = q.bind(Arg::Int(limit + 1));
    q.push(&format!(" ORDER BY id DESC LIMIT {p}"));
    let rows = q.fetch_all(tx.conn()).await?;
    let items = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
    Ok(Page::from_overfetch(items, limit, |j| j.id.to_string()))
}

/// Puts a dead letter back in the queue, due now, with all its attempts again (an administrator
/// mended what made it fail). The last error stays until the next attempt replaces it. Answers
/// the job as queued; [`StoreError::Stale`] if it is not dead (any more).
pub async fn retry_dead(tx: &mut Tx, id: JobId, now_ms: i64) -> Result<Job> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE jobs SET state = 'queued', attempts = 0, run_at = $1, finished_at = NULL, locked_by = NULL, locked_until = NULL \
         WHERE id = $2 AND state = 'dead' RETURNING {JOB_COLUMNS}"
    )))
    .bind(now_ms)
    .bind(id.to_string())
    .fetch_optional(tx.conn())
    .await?;
    row.as_ref().map(from_row).transpose()?.ok_or(StoreError::Stale)
}

/// Whether a job with this idempotency key was ever queued (whatever became of it).
pub async fn key_taken(tx: &mut Tx, key: &str) -> Result<bool> {
    let row = sqlx::query("SELECT 1 AS taken FROM jobs WHERE idempotency_key = $1").bind(key.to_owned()).fetch_optional(tx.conn()).await?;
    Ok(row.is_some())
}
