//! Jobs that try to exhaust the host: processes, memory, CPU, time, output, disk, descriptors.

use std::time::Duration;

use offload_sandbox::{Limits, Termination, Tier};

use crate::support::{Fixture, compile, marked, marker, program, sh, survivors, text};

const FORK_BOMB: &str = r#"
#include <unistd.h>
int main(void) { for (;;) { fork(); } }
"#;

const HOG: &str = r#"
#include <stdlib.h>
#include <string.h>
int main(void) {
    for (;;) { char *p = malloc(16 << 20); if (!p) return 3; memset(p, 1, 16 << 20); }
}
"#;

/// Forks children that wait on a pipe until fork fails, then prints how many it made. The
/// children hold no memory of their own and leave when the parent does (EOF on the pipe).
const COUNTED_BOMB: &str = r#"
#include <stdio.h>
#include <unistd.h>
int main(void) {
    int fds[2], n = 0;
    if (pipe(fds) != 0) return 2;
    for (;;) {
        pid_t pid = fork();
        if (pid < 0) break;
        if (pid == 0) { char c; close(fds[1]); read(fds[0], &c, 1); _exit(0); }
        n++;
    }
    printf("%d\n", n);
    return 0;
}
"#;

const SPIN: &str = "int main(void) { for (;;) { __asm__ volatile(\"\"); } }";

const FDS: &str = r#"
#include <fcntl.h>
#include <stdio.h>
int main(void) {
    int n = 0;
    while (open("/dev/null", O_RDONLY) >= 0) n++;
    printf("%d\n", n);
    return 0;
}
"#;

fn bombed(spec: offload_sandbox::RunSpec, mark: &str) -> offload_sandbox::RunSpec {
    let mut spec = marked(spec, mark);
    spec.limits.processes = Some(64);
    spec.timeout = Duration::from_secs(3);
    spec.kill_after = Duration::from_millis(200);
    spec
}

#[tokio::test]
async fn fork_bombs_in_c_and_shell_are_contained_and_leave_no_survivors() {
    let fx = Fixture::new("fork-bomb");
    let c = bombed(
        program("bomb", compile("bomb", FORK_BOMB), ""),
        &marker("bomb-c"),
    );
    let shell = bombed(sh("b() { b | b & }; b"), &marker("bomb-sh"));
    for (name, spec) in [("c", c), ("shell", shell)] {
        let mark = spec.env.last().unwrap().1.clone();
        let result = fx.run(spec).await;
        assert!(
            !matches!(
                result.termination,
                Termination::SpawnError(_) | Termination::SandboxError(_)
            ),
            "{name}: {:?}",
            result.termination
        );
        assert_eq!(survivors(&mark), Vec::<i32>::new(), "{name} left survivors");
    }
    let after = fx.run(sh("echo responsive")).await;
    assert_eq!(text(&after.stdout), "responsive\n");
}

/// At T2 the run's `pids.max` bounds the whole tree; the sandbox then sets no `RLIMIT_NPROC`, so
/// only the cgroup can be what stops the forks below 32.
#[tokio::test]
async fn at_t2_the_cgroup_process_limit_stops_a_fork_bomb() {
    let fx = Fixture::new("pids-max");
    if fx.tier() < Tier::T2 {
        eprintln!("[pids-max] SKIPPED BELOW T2: no run cgroup (the fixture fails on CI if so)");
        return;
    }
    let mut spec = program("counted", compile("counted", COUNTED_BOMB), "");
    spec.limits.processes = Some(32);
    let result = fx.run(spec).await;
    assert_eq!(result.termination, Termination::Exited(0), "{result:?}");
    let made: u32 = text(&result.stdout).trim().parse().expect("a count");
    // The job itself is one of the 32, so at most 31 children fit.
    assert!((16..32).contains(&made), "forked {made} children");
}

#[tokio::test]
async fn a_memory_hog_is_stopped_at_the_limit() {
    let fx = Fixture::new("memory");
    let mut spec = program("hog", compile("hog", HOG), "");
    spec.limits = Limits {
        memory: Some(256 << 20),
        ..Limits::default()
    };
    let result = fx.run(spec).await;
    // At T2 the cgroup's OOM kill is certain and recorded; below it, RLIMIT_AS makes malloc fail,
    // which this hog reports by exiting with 3.
    if fx.tier() >= Tier::T2 {
        assert_eq!(result.termination, Termination::MemoryLimit);
        assert!(result.peak_memory.unwrap_or(0) >= 128 << 20, "{result:?}");
    } else {
        assert!(
            matches!(
                result.termination,
                Termination::MemoryLimit | Termination::Exited(3)
            ),
            "{:?}",
            result.termination
        );
    }
    assert!(
        result.peak_memory.unwrap_or(0) <= 256 << 20,
        "{:?}",
        result.peak_memory
    );
}

#[tokio::test]
async fn a_cpu_spin_hits_the_cpu_limit() {
    let fx = Fixture::new("cpu");
    let mut spec = program("spin", compile("spin", SPIN), "");
    spec.limits = Limits {
        cpu: Some(Duration::from_secs(1)),
        ..Limits::default()
    };
    let result = fx.run(spec).await;
    assert_eq!(result.termination, Termination::CpuLimit);
    assert!(result.cpu < Duration::from_secs(3), "{:?}", result.cpu);
}

#[tokio::test]
async fn a_sleeper_is_timed_out_and_yes_hits_the_output_limit() {
    let fx = Fixture::new("time-output");
    let mut spec = sh("sleep 1000");
    spec.timeout = Duration::from_millis(300);
    assert_eq!(fx.run(spec).await.termination, Termination::TimedOut);
    let mut spec = sh("yes");
    spec.output_limit = 64 << 10;
    let result = fx.run(spec).await;
    assert_eq!(result.termination, Termination::OutputLimit);
    assert_eq!(result.stdout.len(), 64 << 10);
}

#[tokio::test]
async fn a_big_file_hits_the_file_size_limit_and_fds_run_out() {
    let fx = Fixture::new("disk-fds");
    let mut spec = sh("head -c 10000000 /dev/zero > big");
    spec.limits = Limits {
        file_size: Some(1 << 20),
        ..Limits::default()
    };
    assert_eq!(fx.run(spec).await.termination, Termination::FileSizeLimit);
    let mut spec = program("fds", compile("fds", FDS), "");
    spec.limits = Limits {
        open_files: Some(64),
        ..Limits::default()
    };
    let result = fx.run(spec).await;
    let opened: u32 = text(&result.stdout).trim().parse().expect("a count");
    assert!(opened < 64, "{opened}");
}
