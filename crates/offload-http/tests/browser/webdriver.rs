//! A minimal W3C WebDriver client over reqwest, driving Debian's chromedriver.
//!
//! The protocol is a handful of JSON calls, so a few functions cover what the
//! dashboard tests need (navigate, find, click, type, run a script, screenshot)
//! without another dependency. chromedriver is started on a free port and is
//! known to be ready when it prints its start line, so nothing waits blindly.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

/// The flags the issue asks Chromium to run with.
const CHROME_ARGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
];

/// A chromedriver process and one browser session in it; both end on drop.
pub struct Browser {
    driver: Child,
    http: reqwest::Client,
    session: String,
    base: String,
}

/// Chromium and chromedriver from Debian, if installed.
pub fn installed() -> bool {
    ["/usr/bin/chromium", "/usr/bin/chromedriver"]
        .iter()
        .all(|p| std::path::Path::new(p).exists())
}

impl Browser {
    /// Starts chromedriver and a headless Chromium of `width` × `height`.
    pub async fn start(width: u32, height: u32) -> Browser {
        let port = free_port();
        // chromedriver is test tooling, not a job, so it does not go through the sandbox.
        #[allow(clippy::disallowed_methods)]
        let mut driver = Command::new("/usr/bin/chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("cannot start chromedriver");
        let stdout = driver.stdout.take().unwrap();
        let started = tokio::task::spawn_blocking(move || {
            let mut lines = BufReader::new(stdout).lines();
            lines.find(|l| l.as_ref().is_ok_and(|l| l.contains("started successfully")))
        })
        .await
        .unwrap()
        .expect("chromedriver did not start");
        assert!(started.is_ok(), "chromedriver did not start");
        let base = format!("http://127.0.0.1:{port}");
        let mut args: Vec<String> = CHROME_ARGS.iter().map(|s| (*s).to_owned()).collect();
        args.push(format!("--window-size={width},{height}"));
        let caps = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome",
            "goog:chromeOptions": {"binary": "/usr/bin/chromium", "args": args}}}});
        let http = reqwest::Client::new();
        let resp: Value = http
            .post(format!("{base}/session"))
            .json(&caps)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let session = resp["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {resp}"))
            .to_owned();
        Browser {
            driver,
            http,
            session,
            base,
        }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let mut req = self.http.request(method, url);
        if !body.is_null() {
            req = req.json(&body);
        }
        let resp: Value = req.send().await.unwrap().json().await.unwrap();
        resp["value"].clone()
    }

    /// Loads a URL.
    pub async fn goto(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", json!({"url": url}))
            .await;
    }

    /// Runs a script (its body, with `return`) and gives back its value.
    pub async fn eval(&self, script: &str) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            json!({"script": script, "args": []}),
        )
        .await
    }

    /// Runs `script` until it returns something truthy, and returns that. Each try
    /// is a round trip to the browser; the bound only keeps a broken page from
    /// hanging the run.
    pub async fn until(&self, script: &str) -> Value {
        let wait = async {
            loop {
                let v = self.eval(script).await;
                let truthy = !(v.is_null() || v == json!(false) || v == json!("") || v == json!(0));
                if truthy && v.get("error").is_none() {
                    return v;
                }
                tokio::task::yield_now().await;
            }
        };
        match tokio::time::timeout(Duration::from_secs(60), wait).await {
            Ok(v) => v,
            Err(_) => {
                let page = self.eval("return document.body.innerText").await;
                panic!("the page never satisfied: {script}\npage: {page}")
            }
        }
    }

    /// Clicks the element `css` selects.
    pub async fn click(&self, css: &str) {
        let id = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{id}/click"),
            json!({}),
        )
        .await;
    }

    /// Types into the element `css` selects.
    pub async fn type_into(&self, css: &str, text: &str) {
        let id = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{id}/value"),
            json!({"text": text}),
        )
        .await;
    }

    async fn find(&self, css: &str) -> String {
        let script = format!("return !!document.querySelector({css:?})");
        self.until(&script).await;
        let v = self
            .call(
                reqwest::Method::POST,
                "/element",
                json!({"using": "css selector", "value": css}),
            )
            .await;
        v.as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no element {css}: {v}"))
            .to_owned()
    }

    /// Saves a PNG screenshot of the viewport.
    pub async fn screenshot(&self, path: &std::path::Path) {
        use base64_decode::decode;
        let v = self
            .call(reqwest::Method::GET, "/screenshot", Value::Null)
            .await;
        let png = decode(v.as_str().unwrap_or_else(|| panic!("no screenshot: {v}")));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, png).unwrap();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Standard base64 decoding, enough for WebDriver's screenshot answer.
mod base64_decode {
    pub fn decode(text: &str) -> Vec<u8> {
        let value = |c: u8| -> u32 {
            match c {
                b'A'..=b'Z' => u32::from(c - b'A'),
                b'a'..=b'z' => u32::from(c - b'a') + 26,
                b'0'..=b'9' => u32::from(c - b'0') + 52,
                b'+' => 62,
                _ => 63,
            }
        };
        let bytes: Vec<u8> = text
            .bytes()
            .filter(|c| *c != b'=' && !c.is_ascii_whitespace())
            .collect();
        let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
        for chunk in bytes.chunks(4) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |acc, (i, c)| acc | value(*c) << (18 - 6 * i));
            let take = chunk.len() - 1;
            out.extend_from_slice(&n.to_be_bytes()[1..1 + take]);
        }
        out
    }
}
