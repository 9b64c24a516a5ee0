//! Background jobs: enqueueing (inside the transaction of the change that asks for the work), a
//! worker that runs what is due, and the dead letters, which only a system administrator sees
//! and puts back.

use crate::audit_log::Change;
use crate::{Actor, App, AppError};
use domain::JobId;
use domain::audit::{AuditAction, ObjectType};
use domain::job::{self, Job, JobState, NewJob};
use domain::policy::{Action, Target};
use domain::validate::{ValidationCode, ValidationError};
use store::{Page, StoreError, Tx};

/// How long a worker holds a job before another worker may take it over, unless its handler
/// says otherwise: far longer than sending a few e-mails takes.
pub const DEFAULT_LEASE_MS: i64 = 10 * 60 * 1000;

/// The longest error text kept on a job (a handler may fail with a whole server answer).
const MAX_ERROR_CHARS: usize = 2000;

/// Runs jobs of the kinds it knows.
#[async_trait::async_trait]
pub trait JobHandler: Send + Sync {
    /// Does the job's work. An Err says what went wrong; the job is tried again after a
    /// growing pause ([`job::backoff`]) until its attempts are used up, then it is dead.
    /// The same job may run again after an Ok if the worker dies before recording it, so the
    /// work should be safe to repeat (or check whether it was done).
    async fn run(&self, job: &Job) -> Result<(), String>;

    /// The kinds this handler runs; None = every kind.
    fn kinds(&self) -> Option<&[&str]> {
        None
    }

    /// How long one run may take before the job counts as abandoned and another worker takes
    /// it over.
    fn lease_ms(&self) -> i64 {
        DEFAULT_LEASE_MS
    }
}

/// What one call of [`App::run_due_jobs`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunSummary {
    pub completed: usize,
    /// Failed and queued again for later.
    pub retried: usize,
    /// Failed for the last allowed time.
    pub dead: usize,
    /// Ran, but its lease ran out meanwhile and the job was released to other workers: what this
    /// run found was not recorded (the job runs again).
    pub lost: usize,
}

impl RunSummary {
    pub fn ran(&self) -> usize {
        self.completed + self.retried + self.dead + self.lost
    }
}

fn check(job: &NewJob) -> Result<(), AppError> {
    if job.kind.trim().is_empty() {
        return Err(ValidationError::new("kind", ValidationCode::Required).into());
    }
    Ok(())
}

fn clipped(error: &str) -> String {
    match error.char_indices().nth(MAX_ERROR_CHARS) {
        Some((end, _)) => format!("{}…", &error[..end]),
        None => error.to_owned(),
    }
}

fn backoff_ms(attempt: u32) -> i64 {
    i64::try_from(job::backoff(attempt).as_millis()).unwrap_or(i64::MAX)
}

impl App {
    /// Puts a job in the queue in a transaction of its own (for schedulers; a use case whose
    /// change asks for work enqueues with [`App::enqueue_job_in`], so both commit together).
    /// Answers the job's id and whether it was created (false: its idempotency key was taken).
    pub async fn enqueue_job(&self, job: &NewJob) -> Result<(JobId, bool), AppError> {
        let mut tx = self.store.begin_write().await?;
        let enqueued = self.enqueue_job_in(&mut tx, job).await?;
        tx.commit().await?;
        Ok(enqueued)
    }

    /// Puts a job in the queue inside the caller's transaction: the job exists exactly when the
    /// change that asked for it does.
    #[allow(dead_code)] // the reminders will be the first use case to enqueue this way
    pub(crate) async fn enqueue_job_in(&self, tx: &mut Tx, job: &NewJob) -> Result<(JobId, bool), AppError> {
        check(job)?;
        Ok(store::jobs::enqueue(tx, job, self.clock.now_ms()).await?)
    }

    /// Claims and runs due jobs one at a time until none is due or `max` have run. Each job is
    /// completed on Ok, and on Err queued again after [`job::backoff`] (or dead once its
    /// attempts are used up). `worker_id` must be unique among running workers (host, process
    /// and a random part, say): it is what tells the holder of a job from a worker that lost it.
    pub async fn run_due_jobs(&self, worker_id: &str, handler: &dyn JobHandler, max: usize) -> Result<RunSummary, AppError> {
        let mut summary = RunSummary::default();
        while summary.ran() < max {
            let claimed =
                store::jobs::claim(&self.store, worker_id, self.clock.now_ms(), handler.lease_ms(), handler.kinds()).await?;
            let Some(job) = claimed else { break };
            let outcome = handler.run(&job).await;
            // The run took time: the record of it says when it ended.
            let now = self.clock.now_ms();
            let mut tx = self.store.begin_write().await?;
            let recorded = match &outcome {
                Ok(()) => store::jobs::complete(&mut tx, job.id, worker_id, now).await.map(|()| JobState::Done),
                Err(error) => {
                    let retry_at = now.saturating_add(backoff_ms(job.attempts));
                    store::jobs::fail(&mut tx, job.id, worker_id, &clipped(error), now, Some(retry_at)).await
                }
            };
            match recorded {
                Ok(state) => {
                    tx.commit().await?;
                    match state {
                        JobState::Done => summary.completed += 1,
                        JobState::Dead => summary.dead += 1,
                        JobState::Queued | JobState::Running => summary.retried += 1,
                    }
                    if let Err(error) = &outcome {
                        let (attempt, state) = (job.attempts, state.as_str());
                        tracing::warn!(job = %job.id, kind = %job.kind, attempt, state, %error, "job failed");
                    }
                }
                Err(StoreError::Stale) => {
                    tracing::warn!(job = %job.id, kind = %job.kind, worker = worker_id, "the job's lease ran out before its run ended");
                    summary.lost += 1;
                }
                Err(other) => return Err(other.into()),
            }
        }
        Ok(summary)
    }

    /// The jobs that gave up, most recently enqueued first (system administrators only).
    pub async fn dead_jobs(&self, actor: &Actor, cursor: Option<&str>, limit: i64) -> Result<Page<Job>, AppError> {
        actor.require(Action::ManageJobs, &Target::organisation())?;
        if let Some(c) = cursor
            && c.parse::<JobId>().is_err()
        {
            return Err(ValidationError::new("cursor", ValidationCode::InvalidChoice).into());
        }
        let mut tx = self.store.begin_read().await?;
        Ok(store::jobs::list_dead(&mut tx, limit.clamp(1, 500), cursor).await?)
    }

    /// Puts a dead job back in the queue, due now with all its attempts again (system
    /// administrators only; audited). A job that is not dead is a conflict.
    pub async fn retry_job(&self, actor: &Actor, id: &str) -> Result<Job, AppError> {
        actor.require(Action::ManageJobs, &Target::organisation())?;
        let id: JobId = id.trim().parse().map_err(|_| AppError::NotFound)?;
        let mut tx = self.store.begin_write().await?;
        let before = store::jobs::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
        let after = store::jobs::retry_dead(&mut tx, id, self.clock.now_ms()).await?;
        let change = Change {
            action: AuditAction::Reopened,
            object_type: ObjectType::Job,
            object_id: id.to_string(),
            label: &after.kind,
            unit: None,
            before: Some(serde_json::json!({ "state": before.state.as_str(), "attempts": before.attempts })),
            after: Some(serde_json::json!({ "state": after.state.as_str(), "attempts": after.attempts })),
        };
        self.record(&mut tx, actor, change).await?;
        tx.commit().await?;
        Ok(after)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_errors_are_clipped_on_a_character_boundary() {
        let long = "å".repeat(MAX_ERROR_CHARS + 10);
        let kept = clipped(&long);
        assert_eq!(kept.chars().count(), MAX_ERROR_CHARS + 1);
        assert!(kept.ends_with('…'));
        assert_eq!(clipped("kort"), "kort");
    }

    #[test]
    fn backoff_in_milliseconds() {
        assert_eq!(backoff_ms(1), 60_000);
        assert_eq!(backoff_ms(3), 240_000);
    }
}
