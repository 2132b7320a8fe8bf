-- Experiments: settings and running totals in `experiments`, and beside them
-- only fixed-size aggregates, so that reading an experiment never scans its
-- observations: counts per minute (pruned after a week), counts per diff
-- signature (at most 100 and an overflow per experiment), a reservoir of at
-- most `cap_per_signature` mismatches per signature, and latency counts in
-- fixed log-scaled buckets per behaviour.

CREATE TABLE experiments (
    name              TEXT    PRIMARY KEY,
    enabled           INTEGER NOT NULL,
    percent           REAL    NOT NULL,
    comparison        TEXT    NOT NULL,
    -- A JSON array of regular expressions.
    normalize         TEXT    NOT NULL,
    cap_per_signature INTEGER NOT NULL,
    created_at        INTEGER NOT NULL,
    matched           INTEGER NOT NULL DEFAULT 0,
    mismatched        INTEGER NOT NULL DEFAULT 0,
    last_seen_at      INTEGER
) WITHOUT ROWID;

CREATE TABLE experiment_minutes (
    experiment TEXT    NOT NULL,
    minute     INTEGER NOT NULL,
    matched    INTEGER NOT NULL,
    mismatched INTEGER NOT NULL,
    PRIMARY KEY (experiment, minute)
) WITHOUT ROWID;

CREATE TABLE experiment_signatures (
    experiment   TEXT    NOT NULL,
    signature    TEXT    NOT NULL,
    -- A JSON array of the differing fields or lines.
    fields       TEXT    NOT NULL,
    count        INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    PRIMARY KEY (experiment, signature)
) WITHOUT ROWID;

-- Slot numbers run from 0 to the cap; a sample replaces the one in its slot.
CREATE TABLE experiment_samples (
    experiment TEXT    NOT NULL,
    signature  TEXT    NOT NULL,
    slot       INTEGER NOT NULL,
    candidate  TEXT    NOT NULL,
    -- JSON: the control's and the candidate's {value, error, duration_ms}.
    control    TEXT    NOT NULL,
    observed   TEXT    NOT NULL,
    context    TEXT    NOT NULL,
    fields     TEXT    NOT NULL,
    at         INTEGER NOT NULL,
    PRIMARY KEY (experiment, signature, slot)
);
-- Recent mismatches, newest first.
CREATE INDEX experiment_samples_recent ON experiment_samples (experiment, at);

CREATE TABLE experiment_latency (
    experiment TEXT    NOT NULL,
    behaviour  TEXT    NOT NULL,
    bucket     INTEGER NOT NULL,
    count      INTEGER NOT NULL,
    PRIMARY KEY (experiment, behaviour, bucket)
) WITHOUT ROWID;
