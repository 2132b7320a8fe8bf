//! Decoding a job's state from the columns both backends keep it in.
//!
//! SQL stores a state as its name plus nullable columns that are meaningful only
//! in some states; rebuilding the enum, and refusing a row whose columns do not fit
//! its state, is the same work for every backend, so it lives here once.

use offload_core::{JobState, StateName, Timestamp, WorkerId};

/// A job row's state columns, as read from the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateColumns<'a> {
    /// The `state` column.
    pub name: &'a str,
    /// The attempt number that holds the lease, for a running job.
    pub attempt: u32,
    /// `run_at`, required for a scheduled job.
    pub run_at: Option<i64>,
    /// `worker`, for a running job.
    pub worker: Option<String>,
    /// `lease_expires_at`, required for a running job.
    pub lease_expires_at: Option<i64>,
    /// `cancel_requested`.
    pub cancel_requested: bool,
    /// `finished_at`, required for a finished job.
    pub finished_at: Option<i64>,
}

/// A column whose value cannot belong to the row's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorruptColumn {
    /// The column.
    pub column: &'static str,
    /// What it holds.
    pub value: String,
}

impl StateColumns<'_> {
    /// Rebuilds the state, or names the column that does not fit it.
    pub fn decode(self) -> Result<JobState, CorruptColumn> {
        let name = StateName::parse(self.name).ok_or_else(|| CorruptColumn {
            column: "state",
            value: self.name.to_owned(),
        })?;
        let required = |value: Option<i64>, column: &'static str| {
            value.map(Timestamp).ok_or(CorruptColumn {
                column,
                value: "NULL".into(),
            })
        };
        Ok(match name {
            StateName::Scheduled => JobState::Scheduled {
                run_at: required(self.run_at, "run_at")?,
            },
            StateName::Queued => JobState::Queued,
            StateName::Running => JobState::Running {
                attempt: self.attempt,
                worker: WorkerId(self.worker.unwrap_or_default()),
                lease_expires_at: required(self.lease_expires_at, "lease_expires_at")?,
                cancel_requested: self.cancel_requested,
            },
            StateName::Succeeded => JobState::Succeeded {
                finished_at: required(self.finished_at, "finished_at")?,
            },
            StateName::Failed => JobState::Failed {
                finished_at: required(self.finished_at, "finished_at")?,
            },
            StateName::Cancelled => JobState::Cancelled {
                finished_at: required(self.finished_at, "finished_at")?,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns(name: &str) -> StateColumns<'_> {
        StateColumns {
            name,
            attempt: 2,
            run_at: None,
            worker: None,
            lease_expires_at: None,
            cancel_requested: false,
            finished_at: None,
        }
    }

    #[test]
    fn each_state_needs_its_own_columns() {
        assert_eq!(columns("queued").decode(), Ok(JobState::Queued));
        let missing = columns("scheduled").decode().unwrap_err();
        assert_eq!(missing.column, "run_at");
        assert_eq!(
            columns("running").decode().unwrap_err().column,
            "lease_expires_at"
        );
        assert_eq!(
            columns("failed").decode().unwrap_err().column,
            "finished_at"
        );
        let done = StateColumns {
            finished_at: Some(5),
            ..columns("succeeded")
        };
        assert_eq!(
            done.decode(),
            Ok(JobState::Succeeded {
                finished_at: Timestamp(5)
            })
        );
    }

    #[test]
    fn an_unknown_state_name_is_corrupt() {
        let err = columns("exploded").decode().unwrap_err();
        assert_eq!((err.column, err.value.as_str()), ("state", "exploded"));
    }
}
