//! Exit records: how a job's own exit outlives a worker that dies before saving it.
//!
//! A job can finish in the moment between its exit and the worker's commit of the result. If the
//! worker is killed then, the job looks abandoned and would run again, although it already did
//! its work. To close that window, the run's init writes `exit <code>\n` into a file the worker
//! named in [`RunSpec::exit_record`](crate::RunSpec::exit_record) as soon as it reaps the job, when
//! the job exited on its own (no kill was asked for, and the worker was still there). A restarted
//! worker reads the record with [`read_exit_record`] and completes the attempt with that code.
//!
//! The record is not synced to disk: it survives the worker's death, which is what it is for, but
//! not a power cut, after which the job runs again as it would have without it.

use std::fs::OpenOptions;
use std::io;
use std::os::fd::OwnedFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// Creates (or empties) the record before the job starts, close-on-exec so only init keeps it.
pub(crate) fn create(path: &Path) -> io::Result<OwnedFd> {
    let file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .custom_flags(libc::O_CLOEXEC | libc::O_NOFOLLOW)
        .open(path)?;
    Ok(OwnedFd::from(file))
}

/// The exit code in a record, or `None` when the file is missing, empty (the job had not exited
/// on its own) or not a record.
pub fn read_exit_record(path: &Path) -> Option<i32> {
    let text = std::fs::read_to_string(path).ok()?;
    parse(&text)
}

fn parse(text: &str) -> Option<i32> {
    let code = text.strip_prefix("exit ")?.strip_suffix('\n')?;
    code.parse::<u8>().ok().map(i32::from)
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn a_record_holds_one_exit_code() {
        assert_eq!(parse("exit 000\n"), Some(0));
        assert_eq!(parse("exit 042\n"), Some(42));
        assert_eq!(parse("exit 255\n"), Some(255));
    }

    #[test]
    fn anything_else_is_no_record() {
        for text in [
            "",
            "exit 000",
            "exit 256\n",
            "exit -1\n",
            "exit\n",
            "signal 9\n",
        ] {
            assert_eq!(parse(text), None, "{text:?}");
        }
    }
}
