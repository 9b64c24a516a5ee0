//! The harness of the web test suite: the real router in-process, on a fresh SQLite file holding
//! the demo organisation, called with `tower::ServiceExt::oneshot`.
//!
//! Every response goes through [`Harness::send`], which fails the test on any 500 and checks that
//! every `/api/` error has exactly the body `{code, message, details}`.

#![allow(dead_code)]

use app::{App, FixedClock, Settings};
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tower::ServiceExt;

/// 2026-11-23 10:00 UTC (11:00 in Stockholm), the moment every test starts at.
pub const NOW_MS: i64 = 1_795_428_000_000;
pub const MINUTE_MS: i64 = 60_000;
pub const DEMO_PASSWORD: &str = "styrbord-demo";
/// The `Host` every request carries (as a browser would send).
pub const HOST: &str = "styrbord.test";

/// The demo organisation as seed 004 describes it: (key, parent key).
pub const DEMO_UNITS: &[(&str, Option<&str>)] = &[
    ("RV", None),
    ("RK", Some("RV")),
    ("CA", Some("RK")),
    ("CA-UPPH", Some("CA")),
    ("CA-DOK", Some("CA")),
    ("CK", Some("RK")),
    ("CE", Some("RK")),
    ("CE-REDO", Some("CE")),
    ("CE-CTRL", Some("CE")),
    ("CHR", Some("RK")),
    ("CHR-LON", Some("CHR")),
    ("CIFU", Some("RK")),
    ("RDS", Some("RK")),
    // Closed from 2020-01-01: moved out of Regionkontoret (seed 004 §5.1).
    ("CHSU", Some("RK")),
    ("CRU", Some("RK")),
    ("CD", Some("RK")),
];

/// One demo person per role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Who {
    /// system-admin on RV
    Admin,
    /// local-admin on RK
    LocalAdmin,
    /// super-user on RV
    SuperUser,
    /// module-owner on RV, module vgpu
    ModuleOwner,
    /// business-support on CE
    BusinessSupport,
    /// manager on CE
    Manager,
    /// user on CE-REDO (report-only licence)
    User,
    /// view on RK (read-only licence)
    View,
    /// view on RV (read-only licence): the auditor
    Auditor,
}

impl Who {
    pub const ALL: [Who; 9] = [
        Who::Admin,
        Who::LocalAdmin,
        Who::SuperUser,
        Who::ModuleOwner,
        Who::BusinessSupport,
        Who::Manager,
        Who::User,
        Who::View,
        Who::Auditor,
    ];

    pub fn email(self) -> &'static str {
        match self {
            Who::Admin => "admin@styrbord.example",
            Who::LocalAdmin => "lokaladmin@styrbord.example",
            Who::SuperUser => "superanvandare@styrbord.example",
            Who::ModuleOwner => "modulansvarig@styrbord.example",
            Who::BusinessSupport => "verksamhetsstod@styrbord.example",
            Who::Manager => "chef@styrbord.example",
            Who::User => "anvandare@styrbord.example",
            Who::View => "titta@styrbord.example",
            Who::Auditor => "revisor@styrbord.example",
        }
    }

    pub fn display_name(self) -> &'static str {
        match self {
            Who::Admin => "Agnes Administratör",
            Who::LocalAdmin => "Lars Lokaladmin",
            Who::SuperUser => "Sara Superanvändare",
            Who::ModuleOwner => "Maja Modulansvarig",
            Who::BusinessSupport => "Vera Verksamhetsstöd",
            Who::Manager => "Christer Chef",
            Who::User => "Ulla Användare",
            Who::View => "Tore Titta",
            Who::Auditor => "Rut Revisor",
        }
    }

    /// How the matrix names the person in a failure message.
    pub fn label(self) -> &'static str {
        match self {
            Who::Admin => "admin (system-admin@RV)",
            Who::LocalAdmin => "lokaladmin (local-admin@RK)",
            Who::SuperUser => "superanvandare (super-user@RV)",
            Who::ModuleOwner => "modulansvarig (module-owner@RV vgpu)",
            Who::BusinessSupport => "verksamhetsstod (business-support@CE)",
            Who::Manager => "chef (manager@CE)",
            Who::User => "anvandare (user@CE-REDO)",
            Who::View => "titta (view@RK)",
            Who::Auditor => "revisor (view@RV)",
        }
    }

    /// The short tag used in keys and e-mails the matrix creates.
    pub fn tag(self) -> &'static str {
        match self {
            Who::Admin => "admin",
            Who::LocalAdmin => "lokaladmin",
            Who::SuperUser => "super",
            Who::ModuleOwner => "modul",
            Who::BusinessSupport => "vstod",
            Who::Manager => "chef",
            Who::User => "anv",
            Who::View => "titta",
            Who::Auditor => "revisor",
        }
    }

    pub fn home_unit(self) -> &'static str {
        match self {
            Who::Admin | Who::LocalAdmin => "RK",
            Who::SuperUser | Who::ModuleOwner => "RDS",
            Who::BusinessSupport | Who::Manager => "CE",
            Who::User => "CE-REDO",
            Who::View => "CK",
            Who::Auditor => "RV",
        }
    }

    /// The unit the person's one role is granted on: they may read that unit's subtree.
    pub fn grant_unit(self) -> &'static str {
        match self {
            Who::Admin | Who::SuperUser | Who::ModuleOwner | Who::Auditor => "RV",
            Who::LocalAdmin | Who::View => "RK",
            Who::BusinessSupport | Who::Manager => "CE",
            Who::User => "CE-REDO",
        }
    }
}

/// The organisation tree as (key → parent key), to compute subtrees independently of the app.
#[derive(Clone, Debug, Default)]
pub struct Tree {
    pub parent: BTreeMap<String, Option<String>>,
    pub key_by_id: BTreeMap<String, String>,
}

impl Tree {
    /// Every key in the subtree of `root`, `root` included.
    pub fn subtree(&self, root: &str) -> BTreeSet<String> {
        self.parent
            .keys()
            .filter(|k| {
                let mut at = Some((*k).clone());
                while let Some(key) = at {
                    if key == root {
                        return true;
                    }
                    at = self.parent.get(&key).cloned().flatten();
                }
                false
            })
            .cloned()
            .collect()
    }

    /// The unit ids in the subtree of `root`.
    pub fn subtree_ids(&self, root: &str) -> BTreeSet<String> {
        let keys = self.subtree(root);
        self.key_by_id.iter().filter(|(_, k)| keys.contains(*k)).map(|(id, _)| id.clone()).collect()
    }
}

/// A response, fully read.
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    /// "METHOD uri", for failure messages.
    pub what: String,
}

impl Resp {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{}: body is not JSON ({e}): {}", self.what, self.text()))
    }

    pub fn location(&self) -> Option<String> {
        self.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).map(str::to_owned)
    }

    /// Every `Set-Cookie` line.
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers.get_all(header::SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).map(str::to_owned).collect()
    }

    /// The `Set-Cookie` line that sets `name` (the last one, as a browser keeps it).
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.set_cookies().into_iter().rfind(|c| c.starts_with(&format!("{name}=")))
    }

    /// The value a `Set-Cookie` line gives `name`.
    pub fn cookie_value(&self, name: &str) -> Option<String> {
        self.set_cookie(name).map(|c| c[name.len() + 1..].split(';').next().unwrap_or("").to_owned())
    }

    /// Panics with the whole response unless the status is `expected`.
    #[track_caller]
    pub fn expect(&self, expected: u16) -> &Self {
        assert_eq!(self.status.as_u16(), expected, "{}: unexpected status; body: {}", self.what, self.text());
        self
    }

    /// The stable `code` of an API error body.
    pub fn code(&self) -> String {
        self.json()["code"].as_str().unwrap_or_default().to_owned()
    }
}

/// A signed-in browser: its session cookie and the session's CSRF token.
#[derive(Clone, Debug)]
pub struct Browser {
    pub cookie: String,
    pub csrf: String,
}

/// The app on a fresh SQLite file with the demo loaded, and its router.
pub struct Harness {
    pub app: App,
    pub clock: Arc<FixedClock>,
    pub router: Router,
    pub url: String,
    path: PathBuf,
}

fn test_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("web-tests");
    std::fs::create_dir_all(&dir).expect("create the test directory");
    dir
}

impl Harness {
    /// A fresh database file, migrated, with the demo organisation loaded.
    pub async fn new() -> Self {
        let path = test_dir().join(format!("{}-{}.db", std::process::id(), uuid::Uuid::now_v7()));
        let url = format!("sqlite://{}", path.display());
        let clock = Arc::new(FixedClock::at_ms(NOW_MS));
        let store = store::Store::connect(&url).await.expect("connect to the fresh database");
        store.migrate().await.expect("migrate");
        let app = App::new(store, clock.clone(), Settings::default());
        app.load_demo().await.expect("load the demo organisation");
        let router = web::router(app.clone(), web::WebConfig { secure_cookies: false, public_url: None });
        Self { app, clock, router, url, path }
    }

    /// A second process on the same database: a new store, a new app, a new router.
    pub async fn restart(&self, secure_cookies: bool) -> (App, Router) {
        let store = store::Store::connect(&self.url).await.expect("connect again");
        store.migrate().await.expect("migrate again (a no-op)");
        let app = App::new(store, self.clock.clone(), Settings::default());
        let router = web::router(app.clone(), web::WebConfig { secure_cookies, public_url: None });
        (app, router)
    }

    /// A new API token for a demo person.
    pub async fn token(&self, who: Who) -> String {
        self.app.create_token_for_email(who.email(), "test").await.expect("create a token").secret
    }

    /// Sends one request through the given router. Fails the test on a 500, and on an `/api/`
    /// error whose body is not exactly `{code, message, details}`.
    pub async fn send_to(router: &Router, request: Request<Body>) -> Resp {
        let what = format!("{} {}", request.method(), request.uri());
        let is_api = request.uri().path().starts_with("/api/");
        let response = router.clone().oneshot(request).await.expect("the router never fails");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.expect("read the body").to_bytes().to_vec();
        let resp = Resp { status, headers, body, what };
        assert_ne!(resp.status, StatusCode::INTERNAL_SERVER_ERROR, "{}: 500 {}", resp.what, resp.text());
        assert!(resp.headers.contains_key("x-request-id"), "{}: no x-request-id header", resp.what);
        if is_api && (resp.status.is_client_error() || resp.status.is_server_error()) {
            assert_error_body(&resp);
        }
        resp
    }

    pub async fn send(&self, request: Request<Body>) -> Resp {
        Self::send_to(&self.router, request).await
    }

    /// A JSON API call.
    pub async fn api(&self, method: Method, uri: &str, token: Option<&str>, body: Option<Value>) -> Resp {
        self.send(api_request(method, uri, token, body)).await
    }

    pub async fn get(&self, uri: &str, token: &str) -> Resp {
        self.api(Method::GET, uri, Some(token), None).await
    }

    /// Every item of a paginated list, following `next_cursor`.
    pub async fn get_all(&self, uri: &str, token: &str) -> Vec<Value> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..1000 {
            let sep = if uri.contains('?') { '&' } else { '?' };
            let page_uri = match &cursor {
                Some(c) => format!("{uri}{sep}cursor={}", enc(c)),
                None => uri.to_owned(),
            };
            let resp = self.get(&page_uri, token).await;
            resp.expect(200);
            let page = resp.json();
            items.extend(page["items"].as_array().expect("items").iter().cloned());
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => return items,
            }
        }
        panic!("{uri}: pagination does not end");
    }

    /// The live tree, read through the API as the system administrator.
    pub async fn tree(&self, admin_token: &str) -> Tree {
        let mut tree = Tree::default();
        for u in self.get_all("/api/v1/org-units?limit=500", admin_token).await {
            let key = u["key"].as_str().unwrap().to_owned();
            tree.key_by_id.insert(u["id"].as_str().unwrap().to_owned(), key.clone());
            tree.parent.insert(key, u["parent"].as_str().map(str::to_owned));
        }
        tree
    }

    /// A page request from a browser (with a session cookie, or none).
    pub async fn page(&self, uri: &str, browser: Option<&Browser>) -> Resp {
        self.send(page_request(uri, browser.map(|b| b.cookie.as_str()))).await
    }

    /// Signs in through the login form and returns the browser's session.
    pub async fn login(&self, who: Who) -> Browser {
        self.login_as(who.email(), DEMO_PASSWORD).await
    }

    pub async fn login_as(&self, email: &str, password: &str) -> Browser {
        Self::login_on(&self.router, email, password).await
    }

    pub async fn login_on(router: &Router, email: &str, password: &str) -> Browser {
        let resp = Self::try_login_on(router, email, password, "/org").await;
        resp.expect(303);
        let cookie = resp.cookie_value("sb_session").expect("a session cookie");
        let page = Self::send_to(router, page_request("/settings", Some(&cookie))).await;
        page.expect(200);
        Browser { csrf: scrape_csrf(&page.text()).expect("a csrf field on the settings page"), cookie }
    }

    /// GET /login, then POST it with the form's csrf token: the login response.
    pub async fn try_login(&self, email: &str, password: &str) -> Resp {
        Self::try_login_on(&self.router, email, password, "/org").await
    }

    pub async fn try_login_on(router: &Router, email: &str, password: &str, next: &str) -> Resp {
        Self::try_login_from(router, email, password, next, None).await
    }

    /// Like [`Harness::try_login_on`], from a given client address (as `serve` reports it).
    pub async fn try_login_from(
        router: &Router,
        email: &str,
        password: &str,
        next: &str,
        client: Option<std::net::SocketAddr>,
    ) -> Resp {
        let form = Self::send_to(router, page_request("/login", None)).await;
        form.expect(200);
        let login_cookie = form.cookie_value("sb_login_csrf").expect("the login form sets sb_login_csrf");
        let csrf = scrape_csrf(&form.text()).expect("the login form has a csrf field");
        assert_eq!(csrf, login_cookie, "double-submit: the form's token is the cookie's");
        let body =
            serde_urlencoded::to_string([("email", email), ("password", password), ("csrf", &csrf), ("next", next)])
                .unwrap();
        let mut request = form_request_raw("/login", Some(&format!("sb_login_csrf={login_cookie}")), body, &[]);
        if let Some(addr) = client {
            request.extensions_mut().insert(axum::extract::ConnectInfo(addr));
        }
        Self::send_to(router, request).await
    }

    /// A form post from the signed-in browser, with the session's csrf token added.
    pub async fn post_form(&self, uri: &str, browser: &Browser, fields: &[(&str, &str)]) -> Resp {
        let mut all: Vec<(&str, &str)> = vec![("csrf", browser.csrf.as_str())];
        all.extend_from_slice(fields);
        self.send(form_request(uri, Some(&browser.cookie), &all, &[])).await
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut p = self.path.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(PathBuf::from(p));
        }
    }
}

impl Harness {
    /// The database file and its write-ahead log, as bytes (to look for secrets at rest).
    pub fn database_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for suffix in ["", "-wal"] {
            let mut p = self.path.clone().into_os_string();
            p.push(suffix);
            if let Ok(bytes) = std::fs::read(PathBuf::from(p)) {
                out.extend(bytes);
            }
        }
        out
    }
}

pub fn enc(s: &str) -> String {
    serde_urlencoded::to_string([("", s)]).unwrap().trim_start_matches('=').to_owned()
}

pub fn api_request(method: Method, uri: &str, token: Option<&str>, body: Option<Value>) -> Request<Body> {
    let mut b = Request::builder().method(method).uri(uri).header(header::HOST, HOST);
    if let Some(t) = token {
        b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    match body {
        Some(v) => b
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(serde_json::to_vec(&v).unwrap()))
            .unwrap(),
        None => b.body(Body::empty()).unwrap(),
    }
}

/// A request with a raw body (a file upload to the API).
pub fn raw_request(method: Method, uri: &str, token: Option<&str>, content_type: &str, body: Vec<u8>) -> Request<Body> {
    let mut b = Request::builder().method(method).uri(uri).header(header::HOST, HOST).header(header::CONTENT_TYPE, content_type);
    if let Some(t) = token {
        b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    b.body(Body::from(body)).unwrap()
}

pub fn page_request(uri: &str, session: Option<&str>) -> Request<Body> {
    let mut b = Request::builder().method(Method::GET).uri(uri).header(header::HOST, HOST);
    if let Some(s) = session {
        b = b.header(header::COOKIE, format!("sb_session={s}"));
    }
    b.body(Body::empty()).unwrap()
}

/// A form post; `extra` adds headers (e.g. `Origin`).
pub fn form_request(
    uri: &str,
    session: Option<&str>,
    fields: &[(&str, &str)],
    extra: &[(&str, &str)],
) -> Request<Body> {
    let body = serde_urlencoded::to_string(fields).unwrap();
    form_request_raw(uri, session.map(|s| format!("sb_session={s}")).as_deref(), body, extra)
}

pub fn form_request_raw(uri: &str, cookie: Option<&str>, body: String, extra: &[(&str, &str)]) -> Request<Body> {
    let mut b = Request::builder()
        .method(Method::POST)
        .uri(uri)
        .header(header::HOST, HOST)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(c) = cookie {
        b = b.header(header::COOKIE, c);
    }
    for (k, v) in extra {
        b = b.header(*k, *v);
    }
    b.body(Body::from(body)).unwrap()
}

/// The value of the first `name="csrf"` hidden field on a page.
pub fn scrape_csrf(html: &str) -> Option<String> {
    let at = html.find(r#"name="csrf" value=""#)?;
    let rest = &html[at + r#"name="csrf" value=""#.len()..];
    let value = &rest[..rest.find('"')?];
    (!value.is_empty()).then(|| value.to_owned())
}

/// The value of `<html lang="…">`.
pub fn html_lang(html: &str) -> Option<String> {
    let at = html.find("<html lang=\"")?;
    let rest = &html[at + "<html lang=\"".len()..];
    Some(rest[..rest.find('"')?].to_owned())
}

/// Every API error body is exactly `{code, message, details}`, code and message non-empty strings.
#[track_caller]
pub fn assert_error_body(resp: &Resp) {
    let body: Value = serde_json::from_slice(&resp.body)
        .unwrap_or_else(|e| panic!("{}: {} error body is not JSON ({e}): {}", resp.what, resp.status, resp.text()));
    let obj = body.as_object().unwrap_or_else(|| panic!("{}: error body is not an object: {body}", resp.what));
    let keys: BTreeSet<&str> = obj.keys().map(String::as_str).collect();
    assert_eq!(keys, BTreeSet::from(["code", "details", "message"]), "{}: error body keys: {body}", resp.what);
    let code = obj["code"].as_str().unwrap_or_default();
    assert!(
        !code.is_empty() && code.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
        "{}: error code must be a stable snake_case word: {body}",
        resp.what
    );
    assert!(obj["message"].as_str().is_some_and(|m| !m.trim().is_empty()), "{}: error message: {body}", resp.what);
    let ctype = resp.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    assert!(ctype.starts_with("application/json"), "{}: error content type {ctype}", resp.what);
    if resp.status == StatusCode::UNAUTHORIZED {
        assert!(resp.headers.contains_key(header::WWW_AUTHENTICATE), "{}: 401 without WWW-Authenticate", resp.what);
    }
}
