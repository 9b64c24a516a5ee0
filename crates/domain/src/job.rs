//! Background jobs: what a queued piece of work is, and the rule for when a failed one is tried
//! again. Claiming, leases and storage live in `store::jobs`; running them in `app::jobs`.

use crate::ids::JobId;
use serde::Serialize;
use std::time::Duration;

/// How many times a job is started before it becomes a dead letter, unless the enqueuer says
/// otherwise. With [`backoff`] ten starts span about four hours: long enough to ride out a mail
/// server's outage, short enough that a broken job soon reaches an administrator.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 10;

/// The wait after the first failure; it doubles with each further failure …
pub const BACKOFF_FIRST: Duration = Duration::from_secs(60);
/// … up to this.
pub const BACKOFF_CAP: Duration = Duration::from_secs(3600);

/// Where a job is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum JobState {
    /// Waiting for its `run_at`.
    Queued,
    /// Held by a worker until its lease runs out.
    Running,
    Done,
    /// Failed as often as allowed (or gave up): waits for an administrator.
    Dead,
}

impl JobState {
    pub const ALL: [JobState; 4] = [JobState::Queued, JobState::Running, JobState::Done, JobState::Dead];

    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Dead => "dead",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }
}

/// A job to put in the queue.
#[derive(Clone, Debug, PartialEq)]
pub struct NewJob {
    /// What to do, e.g. `reminder-digest`; workers pick the jobs whose kind they handle.
    pub kind: String,
    pub payload: serde_json::Value,
    /// Enqueueing a second job with the same key does nothing (and answers the first job), so a
    /// use case that runs twice does not send two e-mails.
    pub idempotency_key: Option<String>,
    pub max_attempts: u32,
    /// Not before this instant (unix ms); None = as soon as possible.
    pub run_at_ms: Option<i64>,
}

impl NewJob {
    pub fn new(kind: impl Into<String>, payload: serde_json::Value) -> Self {
        Self { kind: kind.into(), payload, idempotency_key: None, max_attempts: DEFAULT_MAX_ATTEMPTS, run_at_ms: None }
    }

    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }

    /// At least one attempt: a job that may never start is no job.
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    pub fn not_before(mut self, run_at_ms: i64) -> Self {
        self.run_at_ms = Some(run_at_ms);
        self
    }
}

/// A job as stored.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Job {
    pub id: JobId,
    pub kind: String,
    pub payload: serde_json::Value,
    pub idempotency_key: Option<String>,
    pub state: JobState,
    /// How many times a worker has started it (counted when claimed, so a worker that dies
    /// mid-job uses up an attempt too).
    pub attempts: u32,
    pub max_attempts: u32,
    /// Not before this instant (unix ms).
    pub run_at_ms: i64,
    /// The worker holding it, while running.
    pub locked_by: Option<String>,
    /// The lease: after this instant (unix ms) another worker may take the job over.
    pub locked_until_ms: Option<i64>,
    pub last_error: Option<String>,
    pub created_at_ms: i64,
    /// When it became done or dead.
    pub finished_at_ms: Option<i64>,
}

/// How long to wait before trying again after the `attempt`-th start failed (1-based; 0 counts
/// as 1): 1 minute, 2, 4, 8 … and never more than an hour.
pub fn backoff(attempt: u32) -> Duration {
    let doublings = attempt.saturating_sub(1);
    // 2^6 minutes already passes the cap; stopping there also keeps the shift from overflowing.
    if doublings >= 6 {
        return BACKOFF_CAP;
    }
    (BACKOFF_FIRST * (1 << doublings)).min(BACKOFF_CAP)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_a_minute_and_stops_at_an_hour() {
        let minutes = |attempt| backoff(attempt).as_secs() / 60;
        assert_eq!(minutes(0), 1, "no failure yet counts as the first");
        assert_eq!((1..=7).map(minutes).collect::<Vec<_>>(), [1, 2, 4, 8, 16, 32, 60]);
        assert_eq!(backoff(8), BACKOFF_CAP);
        assert_eq!(backoff(u32::MAX), BACKOFF_CAP, "no overflow however often it failed");
    }

    #[test]
    fn backoff_never_shrinks() {
        for attempt in 0..100 {
            assert!(backoff(attempt + 1) >= backoff(attempt), "{attempt}");
        }
    }

    #[test]
    fn states_round_trip_through_storage() {
        for state in JobState::ALL {
            assert_eq!(JobState::parse(state.as_str()), Some(state));
        }
        assert_eq!(JobState::parse("paused"), None);
    }

    #[test]
    fn a_new_job_may_run_at_least_once() {
        let job = NewJob::new("reminder-digest", serde_json::json!({})).max_attempts(0);
        assert_eq!(job.max_attempts, 1);
        assert_eq!(NewJob::new("x", serde_json::Value::Null).max_attempts, DEFAULT_MAX_ATTEMPTS);
    }
}
