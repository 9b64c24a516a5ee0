-- The durable job queue (DESIGN.md §2, "Background work"): reminders, and later imports and
-- exports, are rows here, written in the same transaction as the change that asks for them.
-- A worker claims a due job by setting it `running` with a lease (`locked_until`, unix ms); a
-- worker that dies leaves the lease to run out, and the job is claimable again after it.
-- `state`: queued, running, done, dead (failed `max_attempts` times: waits for an administrator).
-- `attempts` counts starts, raised when claimed. `payload` is JSON.
CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    idempotency_key TEXT,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    max_attempts BIGINT NOT NULL,
    run_at BIGINT NOT NULL,
    locked_by TEXT,
    locked_until BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    finished_at BIGINT
);
-- NULL keys never clash: only jobs that name a key are deduplicated.
CREATE UNIQUE INDEX jobs_idempotency_key_unique ON jobs (idempotency_key);
-- Claiming looks for queued jobs whose time has come (and running ones whose lease ran out);
-- the dead-letter list reads by state too.
CREATE INDEX jobs_claimable ON jobs (state, run_at);
