//! `offload server --tls-cert/--tls-key`: HTTPS with a self-signed certificate made
//! in the test, the CLI trusting it with `--ca-cert`, plain HTTP refused on the TLS
//! port, a Secure session cookie, and clear errors for bad flags and files.

use std::path::{Path, PathBuf};

use crate::support::*;

/// A self-signed certificate for 127.0.0.1 and its key, as PEM files in `dir`.
fn self_signed(dir: &Path) -> (PathBuf, PathBuf) {
    let made = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert, made.cert.pem()).unwrap();
    std::fs::write(&key, made.signing_key.serialize_pem()).unwrap();
    (cert, key)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn the_server_speaks_https_to_a_client_that_trusts_its_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = self_signed(dir.path());
    let (cert_s, key_s) = (cert.to_str().unwrap(), key.to_str().unwrap());
    let server = Server::start_with(1, &["--tls-cert", cert_s, "--tls-key", key_s]);
    assert!(server.url.starts_with("https://"), "{}", server.url);

    let out = server.ok(&[
        "submit",
        "--wait",
        "--ca-cert",
        cert_s,
        "--",
        "echo",
        "over tls",
    ]);
    assert_eq!(out, "over tls\n");
    let by_env = offload()
        .args(["list", "--json"])
        .env("OFFLOAD_URL", &server.url)
        .env("OFFLOAD_TOKEN", &server.token)
        .env("OFFLOAD_CA_CERT", &cert)
        .output()
        .unwrap();
    assert!(
        by_env.status.success(),
        "{}",
        String::from_utf8_lossy(&by_env.stderr)
    );

    let untrusted = server.cli(&["list"]);
    assert_eq!(
        untrusted.status.code(),
        Some(3),
        "a certificate nobody vouched for is refused"
    );

    let plain_url = server.url.replacen("https://", "http://", 1);
    let plain = server.cli(&["--server", &plain_url, "--ca-cert", cert_s, "list"]);
    assert!(
        !plain.status.success(),
        "plain HTTP to the TLS port must fail"
    );
}

#[test]
fn plain_http_fails_and_the_login_cookie_is_secure_over_tls() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = self_signed(dir.path());
    let args = [
        "--tls-cert",
        cert.to_str().unwrap(),
        "--tls-key",
        key.to_str().unwrap(),
    ];
    let server = Server::start_with(0, &args);
    let pem = std::fs::read(&cert).unwrap();
    runtime().block_on(async {
        let trusting = reqwest::Client::builder()
            .use_rustls_tls()
            .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let health = trusting.get(format!("{}/healthz", server.url)).send().await;
        assert!(health.unwrap().status().is_success());

        let plain_url = server.url.replacen("https://", "http://", 1);
        let plain = reqwest::Client::new()
            .get(format!("{plain_url}/healthz"))
            .send()
            .await;
        assert!(plain.is_err(), "plain HTTP got an answer: {plain:?}");

        let login = trusting
            .post(format!("{}/ui/login", server.url))
            .form(&[("name", ""), ("password", server.token.trim())])
            .send()
            .await
            .unwrap();
        assert!(login.status().is_redirection(), "{}", login.status());
        let cookie = login.headers()["set-cookie"].to_str().unwrap().to_owned();
        for flag in ["HttpOnly", "SameSite=Strict", "Secure"] {
            assert!(
                cookie.split("; ").any(|part| part == flag),
                "{flag} missing: {cookie}"
            );
        }
    });
}

#[test]
fn bad_tls_flags_and_files_stop_the_server_with_an_error_naming_them() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = self_signed(dir.path());
    let garbage = dir.path().join("garbage.pem");
    std::fs::write(&garbage, "not a certificate\n").unwrap();
    let missing = dir.path().join("missing.pem");
    let data = dir.path().join("data");
    let cases: [(&[&Path], &str); 4] = [
        (&[&cert], "--tls-key"),
        (&[&garbage, &key], "garbage.pem"),
        (&[&cert, &garbage], "garbage.pem"),
        (&[&missing, &key], "missing.pem"),
    ];
    for (files, needle) in cases {
        let mut command = offload();
        command.args([
            "server",
            "--listen",
            "127.0.0.1:0",
            "--workers",
            "0",
            "--data",
        ]);
        command.arg(&data).arg("--tls-cert").arg(files[0]);
        if let Some(key) = files.get(1) {
            command.arg("--tls-key").arg(key);
        }
        let out = command.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{files:?} started a server");
        assert!(stderr.contains(needle), "{files:?}: {stderr}");
    }
}
