//! Maintenance services: they keep the job table moving and small.
//!
//! - the **rescuer** re-queues running jobs whose lease expired (a dead worker),
//!   as a `worker_lost` attempt, within about one lease, not hours;
//! - the **scheduler** promotes delayed jobs and retries in backoff when due;
//! - the **cleaner** deletes finished jobs after the retention period and expired output.
//!
//! On SQLite one process owns the data dir, so it always runs them; on PostgreSQL
//! only the elected leader does.

pub(crate) mod cleaner;
pub(crate) mod rescuer;
pub(crate) mod scheduler;
