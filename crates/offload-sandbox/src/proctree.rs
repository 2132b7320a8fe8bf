//! Finds and signals every descendant of a process by walking `/proc`, without allocating.
//!
//! The run's init (see `init.rs`) needs this to kill a tree whose members may have left its
//! process group with `setsid`. Init is a child forked from a multithreaded worker, where the
//! allocator's locks may belong to threads that do not exist in the child, so everything here uses
//! fixed stack buffers and raw system calls. The scan is a snapshot: a process forked after it is
//! missed, which is why init repeats the scan until it has no children left.

use std::ffi::c_int;

/// How many processes one scan can see. Each slot costs 9 bytes of init's stack; processes beyond
/// this are picked up by the next scan once the ones found here are dead.
const MAX_PROCS: usize = 8192;

const UNKNOWN: u8 = 0;
const INSIDE: u8 = 1;
const OUTSIDE: u8 = 2;

/// A snapshot of (pid, ppid) pairs, sorted by pid so a parent can be found by binary search.
struct Snapshot {
    pairs: [(i32, i32); MAX_PROCS],
    len: usize,
}

/// Sends `signal` to every process whose parent chain leads to `root`, and returns how many it
/// signalled. Errors (a process that died meanwhile, an unreadable `/proc`) are skipped: the
/// caller repeats the scan until nothing is left.
pub(crate) fn signal_descendants(root: i32, signal: c_int) -> usize {
    let mut snapshot = Snapshot {
        pairs: [(0, 0); MAX_PROCS],
        len: 0,
    };
    snapshot.fill();
    snapshot.pairs[..snapshot.len].sort_unstable();
    let mut state = [UNKNOWN; MAX_PROCS];
    let mut signalled = 0;
    for index in 0..snapshot.len {
        if snapshot.classify(index, root, &mut state) {
            // SAFETY: kill has no memory-safety preconditions.
            unsafe { libc::kill(snapshot.pairs[index].0, signal) };
            signalled += 1;
        }
    }
    signalled
}

impl Snapshot {
    /// Reads every numeric entry of `/proc` and its parent pid.
    fn fill(&mut self) {
        // SAFETY: the path is a NUL-terminated literal.
        let proc_fd = unsafe {
            libc::open(
                c"/proc".as_ptr(),
                libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC,
            )
        };
        if proc_fd < 0 {
            return;
        }
        let mut buf = [0u8; 8192];
        loop {
            // SAFETY: the buffer is valid for writes of its whole length.
            let n = unsafe {
                libc::syscall(libc::SYS_getdents64, proc_fd, buf.as_mut_ptr(), buf.len())
            };
            if n <= 0 {
                break;
            }
            self.add_entries(proc_fd, &buf[..n as usize]);
        }
        // SAFETY: proc_fd is a descriptor this function opened.
        unsafe { libc::close(proc_fd) };
    }

    /// Parses one batch of `linux_dirent64` records and records each numeric entry.
    fn add_entries(&mut self, proc_fd: c_int, records: &[u8]) {
        let mut offset = 0;
        // A record is d_ino (8), d_off (8), d_reclen (2), d_type (1), then the NUL-terminated name.
        while offset + 19 < records.len() && self.len < MAX_PROCS {
            let reclen = u16::from_ne_bytes([records[offset + 16], records[offset + 17]]) as usize;
            let name = &records[offset + 19..(offset + reclen).min(records.len())];
            if let Some(pid) = parse_pid(name)
                && let Some(ppid) = read_ppid(proc_fd, name)
            {
                self.pairs[self.len] = (pid, ppid);
                self.len += 1;
            }
            offset += reclen.max(1);
        }
    }

    fn find(&self, pid: i32) -> Option<usize> {
        self.pairs[..self.len]
            .binary_search_by_key(&pid, |pair| pair.0)
            .ok()
    }

    /// Whether entry `index` descends from `root`, memoising the answer for its whole parent chain
    /// so the scan stays close to linear. The walk is bounded by the snapshot size, because a
    /// snapshot taken while pids are reused could contain a cycle.
    fn classify(&self, index: usize, root: i32, state: &mut [u8; MAX_PROCS]) -> bool {
        let mut current = index;
        let mut steps = 0;
        let inside = loop {
            if state[current] != UNKNOWN {
                break state[current] == INSIDE;
            }
            let ppid = self.pairs[current].1;
            if ppid == root {
                break true;
            }
            match self.find(ppid) {
                Some(parent) if steps < self.len => (current, steps) = (parent, steps + 1),
                _ => break false,
            }
        };
        self.remember(index, steps, if inside { INSIDE } else { OUTSIDE }, state);
        inside
    }

    /// Records `verdict` for `index` and the `steps` ancestors the walk went through.
    fn remember(&self, index: usize, steps: usize, verdict: u8, state: &mut [u8; MAX_PROCS]) {
        let mut current = index;
        for _ in 0..=steps {
            if state[current] != UNKNOWN {
                return;
            }
            state[current] = verdict;
            match self.find(self.pairs[current].1) {
                Some(parent) => current = parent,
                None => return,
            }
        }
    }
}

/// Parses a NUL-terminated `/proc` entry name as a pid; `None` for entries like `self` or `sys`.
fn parse_pid(name: &[u8]) -> Option<i32> {
    let mut pid: i32 = 0;
    let mut digits = 0;
    for &byte in name.iter().take_while(|&&b| b != 0) {
        if !byte.is_ascii_digit() {
            return None;
        }
        pid = pid.checked_mul(10)?.checked_add(i32::from(byte - b'0'))?;
        digits += 1;
    }
    (digits > 0).then_some(pid)
}

/// Reads the parent pid from `/proc/<name>/stat`.
fn read_ppid(proc_fd: c_int, name: &[u8]) -> Option<i32> {
    let mut path = [0u8; 32];
    let digits = name.iter().take_while(|&&b| b != 0).count();
    let suffix = b"/stat\0";
    if digits + suffix.len() > path.len() {
        return None;
    }
    path[..digits].copy_from_slice(&name[..digits]);
    path[digits..digits + suffix.len()].copy_from_slice(suffix);
    let mut stat = [0u8; 512];
    // SAFETY: path is NUL-terminated and stat is valid for writes of its length.
    let n = unsafe {
        let fd = libc::openat(
            proc_fd,
            path.as_ptr().cast(),
            libc::O_RDONLY | libc::O_CLOEXEC,
        );
        if fd < 0 {
            return None;
        }
        let n = libc::read(fd, stat.as_mut_ptr().cast(), stat.len());
        libc::close(fd);
        n
    };
    parse_stat_ppid(stat.get(..usize::try_from(n).ok()?)?)
}

/// Extracts the ppid from a stat line `pid (comm) state ppid ...`. The command name may contain
/// spaces and parentheses, so parsing starts after the last `)`.
fn parse_stat_ppid(stat: &[u8]) -> Option<i32> {
    let close = stat.iter().rposition(|&b| b == b')')?;
    let mut fields = stat[close + 1..]
        .split(|&b| b == b' ')
        .filter(|f| !f.is_empty());
    let _state = fields.next()?;
    parse_pid(fields.next()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_parsing_survives_parentheses_and_spaces_in_the_command_name() {
        assert_eq!(parse_stat_ppid(b"42 (a) b) c) S 17 42 42 0"), Some(17));
        assert_eq!(parse_stat_ppid(b"42 (sh) R 1 42"), Some(1));
        assert_eq!(parse_stat_ppid(b"garbage"), None);
    }

    #[test]
    fn only_numeric_proc_entries_are_pids() {
        assert_eq!(parse_pid(b"1234\0"), Some(1234));
        assert_eq!(parse_pid(b"self\0"), None);
        assert_eq!(parse_pid(b"\0"), None);
    }

    #[test]
    fn our_own_parent_chain_is_found_in_a_real_snapshot() {
        let mut snapshot = Snapshot {
            pairs: [(0, 0); MAX_PROCS],
            len: 0,
        };
        snapshot.fill();
        snapshot.pairs[..snapshot.len].sort_unstable();
        let me = std::process::id() as i32;
        let parent = std::os::unix::process::parent_id() as i32;
        let index = snapshot.find(me).expect("the test process is in /proc");
        assert_eq!(snapshot.pairs[index].1, parent);
        let mut state = [UNKNOWN; MAX_PROCS];
        assert!(snapshot.classify(index, parent, &mut state));
        // Memoised answers belong to one root, so the second question starts from a clean slate.
        let mut state = [UNKNOWN; MAX_PROCS];
        assert!(!snapshot.classify(index, me, &mut state));
    }
}
