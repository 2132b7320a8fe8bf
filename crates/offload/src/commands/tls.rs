//! HTTPS for `offload server`: the certificate chain and key from PEM files, made
//! into a rustls configuration with the ring provider.
//!
//! A bad file stops the server before it listens, with an error that names the flag
//! and the file: an unreadable file, a file with no PEM block of the right kind, or
//! a key that does not match the certificate.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use axum_server::tls_rustls::RustlsConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// The server's TLS configuration from `--tls-cert` and `--tls-key`.
pub fn server_config(cert: &Path, key: &Path) -> Result<RustlsConfig> {
    let chain = certificates(cert)?;
    let private = private_key(key)?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("the TLS provider offers no protocol version")?
        .with_no_client_auth()
        .with_single_cert(chain, private)
        .with_context(|| {
            format!(
                "--tls-key {} does not fit --tls-cert {}",
                key.display(),
                cert.display()
            )
        })?;
    // HTTP/2 first, as browsers expect; the dashboard's event streams benefit most.
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(RustlsConfig::from_config(Arc::new(config)))
}

fn read(flag: &str, path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {flag} {}", path.display()))
}

fn certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>> {
    let pem = read("--tls-cert", path)?;
    let chain = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("--tls-cert {}: invalid PEM", path.display()))?;
    if chain.is_empty() {
        bail!(
            "--tls-cert {}: no CERTIFICATE block in the file",
            path.display()
        );
    }
    Ok(chain)
}

fn private_key(path: &Path) -> Result<PrivateKeyDer<'static>> {
    let pem = read("--tls-key", path)?;
    PrivateKeyDer::from_pem_slice(&pem).with_context(|| {
        format!(
            "--tls-key {}: no PEM private key (PKCS#8, PKCS#1 or SEC1) in the file",
            path.display()
        )
    })
}
