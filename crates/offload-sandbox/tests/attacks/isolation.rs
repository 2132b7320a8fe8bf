//! What a job must not see or reach: host files, the worker's environment, the network, privilege.

use std::net::TcpListener;

use offload_sandbox::{Limits, Termination};

use crate::support::{Fixture, compile, program, sh, t1_only, text};

const SECRET: &str = "attack-suite-secret-value";

#[tokio::test]
async fn a_host_secret_file_and_the_workers_environment_do_not_leak() {
    let fx = Fixture::new("secret");
    // SAFETY: set once before any run; the value is only read by /proc scans of children.
    unsafe { std::env::set_var("OFFLOAD_ATTACK_SECRET", SECRET) };
    let result = fx.run(sh("env; cat /proc/1/environ 2>/dev/null")).await;
    let out = text(&result.stdout);
    assert!(!out.contains(SECRET), "the worker's env leaked: {out}");
    if t1_only(&fx, "secret file").await {
        return;
    }
    let file = fx.outside().join("secret.txt");
    std::fs::write(&file, SECRET).unwrap();
    let dir = fx.root.path();
    std::fs::set_permissions(dir, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let script = format!("cat {} ; ls {}", file.display(), dir.display());
    let result = fx.run(sh(&script)).await;
    let out = text(&result.stdout) + &text(&result.stderr);
    assert!(!out.contains(SECRET), "a host file leaked: {out}");
    assert!(
        out.contains("No such file"),
        "the host path is absent: {out}"
    );
}

const CONNECT: &str = r#"
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
int main(int argc, char **argv) {
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons(atoi(argv[2]));
    inet_pton(AF_INET, argv[1], &a.sin_addr);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0) { perror("socket"); return 2; }
    if (connect(s, (struct sockaddr *)&a, sizeof a) == 0) { puts("CONNECTED"); return 0; }
    perror("connect");
    return 1;
}
"#;

#[tokio::test]
async fn the_network_is_unreachable_and_a_host_listener_sees_no_connection() {
    let fx = Fixture::new("network");
    if t1_only(&fx, "network").await {
        return;
    }
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let binary = compile("connect", CONNECT);
    for target in [format!("127.0.0.1 {port}"), "10.255.255.53 53".to_owned()] {
        let result = fx.run(program("connect", binary.clone(), &target)).await;
        assert_eq!(
            result.termination,
            Termination::Exited(1),
            "{target}: {}",
            text(&result.stderr)
        );
        assert!(!text(&result.stdout).contains("CONNECTED"));
    }
    let accepted = listener.accept();
    assert!(
        matches!(&accepted, Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
        "the listener saw a connection: {accepted:?}"
    );
}

#[tokio::test]
async fn no_new_privs_seccomp_and_a_setuid_binary_gains_nothing() {
    let fx = Fixture::new("privilege");
    let result = fx.run(sh("grep -E '^(NoNewPrivs|Seccomp):' /proc/self/status; su root -c 'echo PWNED' </dev/null; id -u")).await;
    let out = text(&result.stdout);
    assert!(out.contains("NoNewPrivs:\t1"), "{out}");
    assert!(!out.contains("PWNED"), "{out}");
    if rustix::process::geteuid().is_root() {
        assert!(
            !out.lines().any(|l| l == "0"),
            "the job runs as root: {out}"
        );
    }
    if t1_only(&fx, "seccomp").await {
        return;
    }
    assert!(out.contains("Seccomp:\t2"), "{out}");
    let result = fx
        .run(sh(
            "unshare -U true && echo UNSHARED; mount -t tmpfs x /tmp && echo MOUNTED",
        ))
        .await;
    let out = text(&result.stdout);
    assert!(
        !out.contains("UNSHARED") && !out.contains("MOUNTED"),
        "{out}"
    );
}

#[tokio::test]
async fn the_root_is_read_only_and_tmp_is_capped() {
    let fx = Fixture::new("disk");
    if t1_only(&fx, "read-only root and /tmp cap").await {
        return;
    }
    let result = fx.run(sh("touch /usr/x /etc/x /x 2>/dev/null && echo WROTE; i=0; while echo > /tmp/f$i; do i=$((i+1)); done; echo files=$i")).await;
    let out = text(&result.stdout);
    assert!(!out.contains("WROTE"), "{out}");
    let files: u32 = out
        .trim()
        .strip_prefix("files=")
        .and_then(|n| n.parse().ok())
        .unwrap_or(u32::MAX);
    assert!(files < 20_000, "the inode cap stopped the filler: {out}");
    let mut spec = sh("head -c 100000000 /dev/zero > /tmp/big; echo status=$?; wc -c < /tmp/big");
    spec.limits = Limits::default();
    let result = fx.run(spec).await;
    let out = text(&result.stdout);
    let size: u64 = out
        .lines()
        .last()
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(u64::MAX);
    assert!(size <= 64 << 20, "the size cap stopped the big file: {out}");
}
