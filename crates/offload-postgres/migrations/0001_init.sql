-- The first schema of the PostgreSQL store. It runs with search_path set to the
-- store's own schema, so its names are unqualified.
--
-- One row per job in `jobs`, holding the columns of its current state; attempts,
-- output, idempotency keys and queue settings live in side tables so that the hot
-- `jobs` rows stay small. Finished jobs stay in `jobs` (no hot/cold table split):
-- every hot path reads through a PARTIAL index whose predicate names the states it
-- serves, so the claim, the scheduler and the rescuer touch index pages that hold
-- only waiting or running jobs, however long the history grows. The cleaner keeps
-- the history itself bounded.

CREATE TABLE jobs (
    id                bigserial PRIMARY KEY,
    state             text    NOT NULL CHECK (state IN
                          ('scheduled', 'queued', 'running', 'succeeded', 'failed', 'cancelled')),
    queue             text    NOT NULL,
    priority          integer NOT NULL,
    -- When a scheduled job becomes runnable (ms since the epoch); NULL otherwise.
    run_at            bigint,
    -- The number of the latest attempt; 0 before the first claim.
    attempt           integer NOT NULL DEFAULT 0,
    -- Attempts that used up the retry budget (interrupted ones do not).
    budget_used       integer NOT NULL DEFAULT 0,
    -- The lease: set only while running.
    worker            text,
    lease_expires_at  bigint,
    cancel_requested  boolean NOT NULL DEFAULT false,
    enqueued_at       bigint  NOT NULL,
    -- Set only in a terminal state.
    finished_at       bigint,
    -- The spec is opaque to SQL: only the binary reads it, so it is kept as text
    -- and not parsed into jsonb on every insert. Labels are queried, so they are jsonb.
    spec              text    NOT NULL,
    spec_hash         text    NOT NULL,
    labels            jsonb   NOT NULL,
    result_ttl_ms     bigint,
    output_expires_at bigint,
    CHECK ((state = 'scheduled') = (run_at IS NOT NULL)),
    CHECK ((state = 'running') = (lease_expires_at IS NOT NULL)),
    CHECK ((state IN ('succeeded', 'failed', 'cancelled')) = (finished_at IS NOT NULL))
);

-- The claim reads runnable jobs in claim order. Partial over queued rows and
-- covering the queue, so it holds only the waiting jobs and the claim can skip
-- paused or full queues without visiting the heap.
CREATE INDEX jobs_claim ON jobs (priority DESC, id) INCLUDE (queue) WHERE state = 'queued';
-- The same, one queue at a time: claims that name queues and limited queues.
CREATE INDEX jobs_claim_queue ON jobs (queue, priority DESC, id) WHERE state = 'queued';
-- The scheduler reads the earliest due job.
CREATE INDEX jobs_scheduled ON jobs (run_at) WHERE state = 'scheduled';
-- The rescuer reads expired leases; the claim counts running jobs per queue.
CREATE INDEX jobs_running ON jobs (lease_expires_at) WHERE state = 'running';
CREATE INDEX jobs_running_queue ON jobs (queue) WHERE state = 'running';
-- The cleaner reads old terminal jobs, and expired outputs.
CREATE INDEX jobs_finished ON jobs (finished_at) WHERE finished_at IS NOT NULL;
CREATE INDEX jobs_output_expiry ON jobs (output_expires_at) WHERE output_expires_at IS NOT NULL;
-- Listing by state, newest first, and the per-queue counts.
CREATE INDEX jobs_state ON jobs (state, id);
CREATE INDEX jobs_queue_state ON jobs (queue, state);

CREATE TABLE attempts (
    job_id      bigint  NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    number      integer NOT NULL,
    worker      text    NOT NULL,
    started_at  bigint  NOT NULL,
    finished_at bigint,
    outcome     text,
    cpu_ms      bigint,
    peak_memory bigint,
    PRIMARY KEY (job_id, number)
);

CREATE TABLE job_output (
    job_id           bigint  PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
    stdout           bytea   NOT NULL,
    stderr           bytea   NOT NULL,
    stdout_truncated boolean NOT NULL,
    stderr_truncated boolean NOT NULL
);

-- A key holds only while its job exists: deleting the job deletes the key.
CREATE TABLE idempotency_keys (
    key        text   PRIMARY KEY,
    job_id     bigint NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    spec_hash  text   NOT NULL,
    expires_at bigint NOT NULL
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
CREATE INDEX idempotency_keys_job ON idempotency_keys (job_id);

-- Every queue that ever had a job or a setting. A claim locks the row of each
-- limited queue it serves, which serialises claimers of that queue across nodes
-- while they count its running jobs.
CREATE TABLE queues (
    name        text    PRIMARY KEY,
    paused      boolean NOT NULL DEFAULT false,
    concurrency bigint CHECK (concurrency >= 0)
);
