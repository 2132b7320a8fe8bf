//! A pool of unprivileged uids, one leased to each run while it lives, when the worker is root.
//!
//! Runs under distinct uids cannot signal, ptrace or read each other, and `RLIMIT_NPROC`, which the
//! kernel counts per uid and ignores for root, starts to mean "processes of this run". Uids are
//! handed out round-robin so that a uid whose last processes are still being reaped is not the
//! next one leased.

use std::sync::{Arc, Mutex};

/// Leases uids from a fixed range.
#[derive(Debug)]
pub(crate) struct UidPool {
    base: u32,
    state: Mutex<PoolState>,
}

#[derive(Debug)]
struct PoolState {
    in_use: Vec<bool>,
    next: usize,
}

/// A uid held by one run; returned to the pool on drop. The gid equals the uid.
#[derive(Debug)]
pub(crate) struct UidLease {
    pool: Arc<UidPool>,
    index: usize,
}

impl UidPool {
    /// A pool of `count` uids starting at `base`.
    pub(crate) fn new(base: u32, count: u32) -> Arc<Self> {
        Arc::new(Self {
            base,
            state: Mutex::new(PoolState {
                in_use: vec![false; count as usize],
                next: 0,
            }),
        })
    }

    /// Leases the next free uid, or `None` when every uid is in use.
    pub(crate) fn lease(self: &Arc<Self>) -> Option<UidLease> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let count = state.in_use.len();
        for step in 0..count {
            let index = (state.next + step) % count;
            if !state.in_use[index] {
                state.in_use[index] = true;
                state.next = (index + 1) % count;
                return Some(UidLease {
                    pool: Arc::clone(self),
                    index,
                });
            }
        }
        None
    }
}

impl UidLease {
    /// The leased uid.
    pub(crate) fn uid(&self) -> u32 {
        self.pool.base + self.index as u32
    }
}

impl Drop for UidLease {
    fn drop(&mut self) {
        let mut state = self.pool.state.lock().unwrap_or_else(|e| e.into_inner());
        state.in_use[self.index] = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leases_are_distinct_round_robin_and_returned_on_drop() {
        let pool = UidPool::new(100, 2);
        let a = pool.lease().unwrap();
        let b = pool.lease().unwrap();
        assert_eq!((a.uid(), b.uid()), (100, 101));
        assert!(pool.lease().is_none());
        drop(a);
        assert_eq!(pool.lease().unwrap().uid(), 100);
    }
}
