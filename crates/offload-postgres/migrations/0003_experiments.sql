-- Experiments: settings and running totals in `experiments`, and beside them
-- only fixed-size aggregates, so that reading an experiment never scans its
-- observations: counts per minute (pruned after a week), counts per diff
-- signature (at most 100 and an overflow per experiment), a reservoir of at
-- most `cap_per_signature` mismatches per signature, and latency counts in
-- fixed log-scaled buckets per behaviour.
--
-- Recording an observation first updates its `experiments` row, which locks
-- it: the rest of that transaction is serialised per experiment across nodes,
-- so counting a signature and picking its reservoir slot never race.

CREATE TABLE experiments (
    name              text             PRIMARY KEY,
    enabled           boolean          NOT NULL,
    percent           double precision NOT NULL CHECK (percent >= 0 AND percent <= 100),
    comparison        text             NOT NULL CHECK (comparison IN ('json', 'exact', 'lines')),
    -- A JSON array of regular expressions, opaque to SQL.
    normalize         text             NOT NULL,
    cap_per_signature integer          NOT NULL CHECK (cap_per_signature > 0),
    created_at        bigint           NOT NULL,
    matched           bigint           NOT NULL DEFAULT 0,
    mismatched        bigint           NOT NULL DEFAULT 0,
    last_seen_at      bigint
);

CREATE TABLE experiment_minutes (
    experiment text   NOT NULL REFERENCES experiments (name) ON DELETE CASCADE,
    minute     bigint NOT NULL,
    matched    bigint NOT NULL,
    mismatched bigint NOT NULL,
    PRIMARY KEY (experiment, minute)
);

CREATE TABLE experiment_signatures (
    experiment   text   NOT NULL REFERENCES experiments (name) ON DELETE CASCADE,
    signature    text   NOT NULL,
    -- A JSON array of the differing fields or lines.
    fields       text   NOT NULL,
    count        bigint NOT NULL,
    last_seen_at bigint NOT NULL,
    PRIMARY KEY (experiment, signature)
);

-- Slot numbers run from 0 to the cap; a sample replaces the one in its slot.
CREATE TABLE experiment_samples (
    experiment text    NOT NULL REFERENCES experiments (name) ON DELETE CASCADE,
    signature  text    NOT NULL,
    slot       integer NOT NULL,
    candidate  text    NOT NULL,
    -- JSON: the control's and the candidate's {value, error, duration_ms}.
    control    text    NOT NULL,
    observed   text    NOT NULL,
    context    text    NOT NULL,
    fields     text    NOT NULL,
    at         bigint  NOT NULL,
    PRIMARY KEY (experiment, signature, slot)
);
-- Recent mismatches, newest first.
CREATE INDEX experiment_samples_recent ON experiment_samples (experiment, at);

CREATE TABLE experiment_latency (
    experiment text    NOT NULL REFERENCES experiments (name) ON DELETE CASCADE,
    behaviour  text    NOT NULL,
    bucket     integer NOT NULL,
    count      bigint  NOT NULL,
    PRIMARY KEY (experiment, behaviour, bucket)
);
