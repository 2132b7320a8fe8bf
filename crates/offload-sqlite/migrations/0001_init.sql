-- The first schema of the embedded store. One row per job in `jobs`, with the
-- columns of its current state; attempts, output, idempotency keys and queue
-- settings live in side tables so that the hot `jobs` rows stay small.

CREATE TABLE jobs (
    id                INTEGER PRIMARY KEY,
    state             TEXT    NOT NULL,
    queue             TEXT    NOT NULL,
    priority          INTEGER NOT NULL,
    -- When a scheduled job becomes runnable; NULL in every other state.
    run_at            INTEGER,
    -- The number of the latest attempt; 0 before the first claim.
    attempt           INTEGER NOT NULL DEFAULT 0,
    -- Attempts that used up the retry budget (interrupted ones do not).
    budget_used       INTEGER NOT NULL DEFAULT 0,
    -- The lease: set only while running.
    worker            TEXT,
    lease_expires_at  INTEGER,
    cancel_requested  INTEGER NOT NULL DEFAULT 0,
    enqueued_at       INTEGER NOT NULL,
    -- Set only in a terminal state.
    finished_at       INTEGER,
    spec              TEXT    NOT NULL,
    spec_hash         TEXT    NOT NULL,
    labels            TEXT    NOT NULL,
    result_ttl_ms     INTEGER,
    output_expires_at INTEGER
);

-- Claim reads the head of one queue: the highest priority, then the oldest.
-- Partial, so its size is the number of queued jobs and not the history.
CREATE INDEX jobs_claim ON jobs (queue, priority DESC, id) WHERE state = 'queued';
-- The scheduler reads the earliest due job.
CREATE INDEX jobs_scheduled ON jobs (run_at) WHERE state = 'scheduled';
-- The rescuer reads expired leases.
CREATE INDEX jobs_running ON jobs (lease_expires_at) WHERE state = 'running';
-- The cleaner reads old terminal jobs, and expired outputs.
CREATE INDEX jobs_finished ON jobs (finished_at) WHERE finished_at IS NOT NULL;
CREATE INDEX jobs_output_expiry ON jobs (output_expires_at) WHERE output_expires_at IS NOT NULL;
-- Listing by state, newest first.
CREATE INDEX jobs_state ON jobs (state, id);
-- The per-queue counts, and claim's count of a queue's running jobs (a range
-- of this index, so proportional to the running jobs, not the history).
CREATE INDEX jobs_queue_state ON jobs (queue, state);

CREATE TABLE attempts (
    job_id      INTEGER NOT NULL,
    number      INTEGER NOT NULL,
    worker      TEXT    NOT NULL,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER,
    outcome     TEXT,
    cpu_ms      INTEGER,
    peak_memory INTEGER,
    PRIMARY KEY (job_id, number)
) WITHOUT ROWID;

CREATE TABLE job_output (
    job_id           INTEGER PRIMARY KEY,
    stdout           BLOB    NOT NULL,
    stderr           BLOB    NOT NULL,
    stdout_truncated INTEGER NOT NULL,
    stderr_truncated INTEGER NOT NULL
);

CREATE TABLE idempotency_keys (
    key        TEXT    PRIMARY KEY,
    job_id     INTEGER NOT NULL,
    spec_hash  TEXT    NOT NULL,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);

-- Every queue that ever had a job or a setting, so claim can walk queues
-- without scanning jobs.
CREATE TABLE queues (
    name        TEXT    PRIMARY KEY,
    paused      INTEGER NOT NULL DEFAULT 0,
    concurrency INTEGER
) WITHOUT ROWID;
