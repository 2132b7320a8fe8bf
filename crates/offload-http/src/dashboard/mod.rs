//! The web dashboard at `/`: a login page, then one page of plain HTML, CSS and
//! JavaScript that reads the same `/v1` API a script would.
//!
//! The assets are compiled into the binary with `include_str!`, so nothing is
//! fetched from anywhere at run time and there is no build step. The page calls
//! the API with its session cookie; the API's auth middleware admits the cookie
//! for reads, and for changes only with the session's CSRF token in
//! `X-CSRF-Token` and an admin role (see `require_session_or_token`).

pub mod auth;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::Router;
use axum::extract::{ConnectInfo, Form, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use self::auth::{Refused, Role, Session};
use crate::error::ApiError;
use crate::state::AppState;

const COOKIE: &str = "offload_session";
const APP_HTML: &str = include_str!("assets/app.html");
const LOGIN_HTML: &str = include_str!("assets/login.html");
const APP_JS: &str = include_str!("assets/app.js");
const APP_CSS: &str = include_str!("assets/app.css");

/// The dashboard's routes; they are not API routes, so they are not in the table.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(index))
        .route(
            "/ui/app.js",
            get(|| asset("text/javascript; charset=utf-8", APP_JS)),
        )
        .route(
            "/ui/app.css",
            get(|| asset("text/css; charset=utf-8", APP_CSS)),
        )
        .route("/ui/login", post(login))
        .route("/ui/logout", post(logout))
        .route("/ui/session", get(session_info))
}

async fn asset(content_type: &'static str, body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

/// The session a request's cookie names, if it is live.
pub(crate) fn session(state: &AppState, headers: &HeaderMap) -> Option<(String, Session)> {
    let id = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|kv| kv.trim().strip_prefix("offload_session="))?
        .to_owned();
    let session = state.sessions.get(&state.dashboard, &id)?;
    Some((id, session))
}

async fn index(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let page = if session(&state, &headers).is_some() {
        APP_HTML
    } else {
        LOGIN_HTML
    };
    no_store(Html(page).into_response())
}

fn no_store(mut resp: Response) -> Response {
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// The login form.
#[derive(Debug, serde::Deserialize)]
struct LoginForm {
    #[serde(default)]
    name: String,
    password: String,
}

async fn login(State(state): State<AppState>, req: Request) -> Response {
    let client = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip());
    let Ok(Form(form)) = Form::<LoginForm>::from_request(req, &state).await else {
        return login_page(StatusCode::BAD_REQUEST, "name and password are required");
    };
    let outcome = state.sessions.login(
        &state.dashboard,
        &state.token,
        client,
        form.name.trim(),
        &form.password,
    );
    match outcome {
        Ok(id) => {
            let secure = if state.dashboard.secure_cookie {
                "; Secure"
            } else {
                ""
            };
            let cookie = format!("{COOKIE}={id}; Path=/; HttpOnly; SameSite=Strict{secure}");
            let mut resp = Redirect::to("/").into_response();
            if let Ok(value) = HeaderValue::from_str(&cookie) {
                resp.headers_mut().insert(header::SET_COOKIE, value);
            }
            resp
        }
        Err(Refused::Wrong) => login_page(StatusCode::UNAUTHORIZED, "wrong name or password"),
        Err(Refused::Throttled) => login_page(
            StatusCode::TOO_MANY_REQUESTS,
            "too many failed logins; wait a minute",
        ),
    }
}

use axum::extract::FromRequest;

fn login_page(status: StatusCode, message: &str) -> Response {
    let page = LOGIN_HTML.replace(
        "<p id=\"error\" class=\"error\"></p>",
        &format!("<p id=\"error\" class=\"error\">{message}</p>"),
    );
    no_store((status, Html(page)).into_response())
}

async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some((id, session)) = session(&state, &headers)
        && csrf_ok(&headers, &session)
    {
        state.sessions.logout(&id);
    }
    let cookie = format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    let mut resp = Redirect::to("/").into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().insert(header::SET_COOKIE, value);
    }
    resp
}

/// Who is logged in, their role and the CSRF token the page must send back.
async fn session_info(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match session(&state, &headers) {
        Some((_, s)) => no_store(
            axum::Json(serde_json::json!({"who": s.who, "role": s.role, "csrf": s.csrf}))
                .into_response(),
        ),
        None => ApiError::Unauthorized.into_response(),
    }
}

fn csrf_ok(headers: &HeaderMap, session: &Session) -> bool {
    headers
        .get("x-csrf-token")
        .is_some_and(|v| crate::state::constant_time_eq(session.csrf.as_bytes(), v.as_bytes()))
}

/// Admits an API request with the bearer token, or with a dashboard session: any
/// role may read, but a change needs the admin role and the session's CSRF token.
/// The token is never logged.
pub(crate) async fn require_session_or_token(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.as_bytes().strip_prefix(b"Bearer "));
    if let Some(token) = bearer {
        return if state.token.matches(token) {
            next.run(req).await
        } else {
            ApiError::Unauthorized.into_response()
        };
    }
    let Some((_, session)) = session(&state, req.headers()) else {
        return ApiError::Unauthorized.into_response();
    };
    let reads = matches!(*req.method(), Method::GET | Method::HEAD);
    if reads {
        return next.run(req).await;
    }
    if session.role != Role::Admin {
        return ApiError::Forbidden("this user may only read".into()).into_response();
    }
    if !csrf_ok(req.headers(), &session) {
        return ApiError::Forbidden("missing or wrong X-CSRF-Token".into()).into_response();
    }
    next.run(req).await
}
