//! The real clock, kept out of `offload-core` so the core never reads the system time.

use std::time::{SystemTime, UNIX_EPOCH};

use offload_core::{Clock, Timestamp};

/// The system's wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let since = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        Timestamp(i64::try_from(since.as_millis()).unwrap_or(i64::MAX))
    }
}
