//! A typed client of the offload API, used by the `offload` CLI.
//!
//! Each route has one method that takes and returns the [`crate::wire`] types the
//! server uses, so the two cannot disagree about the format. Errors say whether the
//! server could be reached at all ([`ErrorKind::Unreachable`]) or answered with an
//! error code ([`ErrorKind::Api`]).

mod error;
mod events;
mod experiments;
mod methods;

use reqwest::{Method, RequestBuilder, Response, Url};
use serde::de::DeserializeOwned;

pub use error::{ClientError, ErrorKind};

/// How a [`Client`] connects, beyond the server's URL and token.
#[derive(Debug, Clone, Default)]
pub struct ClientOptions {
    /// PEM certificates to trust besides the system's roots, for a server whose
    /// certificate is self-signed or from a private CA.
    pub ca_pem: Option<Vec<u8>>,
}
pub use events::EventStream;
pub use methods::OutputStream;

/// A client of one offload server. Cloning is cheap and shares connections.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: Url,
    token: String,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The token stays out of debug output, and so out of logs.
        f.debug_struct("Client")
            .field("base", &self.base.as_str())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client of the server at `base_url` (such as `http://127.0.0.1:7070`) that
    /// authenticates with `token`, trusting the system's roots for HTTPS.
    pub fn new(base_url: &str, token: impl Into<String>) -> Result<Client, ClientError> {
        Client::with_options(base_url, token, &ClientOptions::default())
    }

    /// Like [`Client::new`], connecting as `options` says.
    pub fn with_options(
        base_url: &str,
        token: impl Into<String>,
        options: &ClientOptions,
    ) -> Result<Client, ClientError> {
        let invalid = |problem: String| ClientError::InvalidUrl {
            url: base_url.to_owned(),
            problem,
        };
        let base = Url::parse(base_url).map_err(|e| invalid(e.to_string()))?;
        if !matches!(base.scheme(), "http" | "https") || base.cannot_be_a_base() {
            return Err(invalid("must be an http:// or https:// url".to_owned()));
        }
        Ok(Client {
            http: http_client(options)?,
            base,
            token: token.into(),
        })
    }

    /// A request to `path` (which starts with `/`), with the bearer token.
    fn request(&self, method: Method, path: &str) -> (String, RequestBuilder) {
        let url = format!("{}{}", self.base.as_str().trim_end_matches('/'), path);
        let builder = self.http.request(method, &url).bearer_auth(&self.token);
        (url, builder)
    }

    /// Sends a request and returns the response if its status is a success.
    async fn send(&self, url: &str, builder: RequestBuilder) -> Result<Response, ClientError> {
        let response = builder
            .send()
            .await
            .map_err(|e| ClientError::from_reqwest(url, e))?;
        if response.status().is_success() {
            return Ok(response);
        }
        Err(api_error(url, response).await)
    }

    /// Sends a request and decodes a JSON answer.
    async fn call<T: DeserializeOwned>(
        &self,
        url: &str,
        builder: RequestBuilder,
    ) -> Result<T, ClientError> {
        let response = self.send(url, builder).await?;
        let bytes = response
            .bytes()
            .await
            .map_err(|e| ClientError::from_reqwest(url, e))?;
        serde_json::from_slice(&bytes).map_err(|e| ClientError::Protocol {
            url: url.to_owned(),
            problem: format!("invalid JSON: {e}"),
        })
    }
}

/// The HTTP client: rustls, with the system's roots and any extra CA certificates.
fn http_client(options: &ClientOptions) -> Result<reqwest::Client, ClientError> {
    let invalid = |problem: String| ClientError::InvalidCaCert { problem };
    let mut builder = reqwest::Client::builder().use_rustls_tls();
    if let Some(pem) = &options.ca_pem {
        let certs =
            reqwest::Certificate::from_pem_bundle(pem).map_err(|e| invalid(e.to_string()))?;
        if certs.is_empty() {
            return Err(invalid("no PEM certificate found".to_owned()));
        }
        for cert in certs {
            builder = builder.add_root_certificate(cert);
        }
    }
    builder.build().map_err(|e| invalid(e.to_string()))
}

/// The error body of an unsuccessful response, read loosely so that a code this
/// client does not know yet still comes through.
#[derive(serde::Deserialize)]
struct LooseErrorBody {
    code: String,
    message: String,
    #[serde(default)]
    field: Option<String>,
}

async fn api_error(url: &str, response: Response) -> ClientError {
    let status = response.status().as_u16();
    let bytes = match response.bytes().await {
        Ok(bytes) => bytes,
        Err(e) => return ClientError::from_reqwest(url, e),
    };
    match serde_json::from_slice::<LooseErrorBody>(&bytes) {
        Ok(body) => ClientError::Api {
            status,
            code: body.code,
            message: body.message,
            field: body.field,
        },
        Err(_) => ClientError::Protocol {
            url: url.to_owned(),
            problem: format!(
                "status {status} without an error body: {}",
                String::from_utf8_lossy(&bytes)
            ),
        },
    }
}
