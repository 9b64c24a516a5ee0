//! Cross-cutting layers: request tracing, metrics, security headers, language, and refusing
//! cross-site form posts.

use crate::AppState;
use crate::i18n::Lang;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::time::Instant;
use tower_http::trace::TraceLayer;

/// The language of this request, and whether the person chose it explicitly (query or cookie),
/// which beats their stored preference.
#[derive(Clone, Copy, Debug)]
pub struct LangChoice {
    pub lang: Lang,
    pub explicit: bool,
}

pub const LANG_COOKIE: &str = "sb_lang";

/// Reads one cookie from the request.
pub fn cookie<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn query_lang(request: &Request) -> Option<Lang> {
    let query = request.uri().query()?;
    serde_urlencoded::from_str::<Vec<(String, String)>>(query)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == "lang")
        .and_then(|(_, v)| Lang::parse(&v))
}

/// `?lang=en` switches the language and remembers it in a cookie; else the cookie, else the
/// browser's preference; Swedish by default.
pub async fn language(mut request: Request, next: Next) -> Response {
    let from_query = query_lang(&request);
    let from_cookie = cookie(request.headers(), LANG_COOKIE).and_then(Lang::parse);
    let choice = match (from_query, from_cookie) {
        (Some(lang), _) | (None, Some(lang)) => LangChoice { lang, explicit: true },
        (None, None) => {
            let accept = request.headers().get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or("");
            LangChoice { lang: Lang::from_accept_language(accept), explicit: false }
        }
    };
    request.extensions_mut().insert(choice);
    let mut response = next.run(request).await;
    if let Some(lang) = from_query
        && from_cookie != Some(lang)
    {
        let cookie = format!("{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax", lang.code());
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    response
}

/// Browsers say where a form post comes from; a post from another site is refused (CSRF defence
/// in depth beside the per-session token in every form).
pub async fn same_origin_posts(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.method() != Method::GET && request.method() != Method::HEAD {
        let headers = request.headers();
        // Bearer-token API calls carry no ambient credentials, so origin does not matter there.
        let is_bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("Bearer "));
        let cross_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site");
        let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()).filter(|o| *o != "null");
        let foreign_origin = origin.is_some_and(|origin| match &state.config.public_url {
            Some(public) => !same_origin(origin, public),
            None => {
                let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
                origin.split_once("://").map(|(_, rest)| rest) != host
            }
        });
        if (cross_site || foreign_origin) && !is_bearer {
            return (StatusCode::FORBIDDEN, "cross-site request refused").into_response();
        }
    }
    next.run(request).await
}

/// `https://a.se` and `https://a.se/` and `https://a.se/path` share an origin.
fn same_origin(origin: &str, public_url: &str) -> bool {
    let base = |u: &str| {
        let (scheme, rest) = u.split_once("://").unwrap_or(("", u));
        let host = rest.split('/').next().unwrap_or("");
        format!("{}://{}", scheme.to_ascii_lowercase(), host.to_ascii_lowercase())
    };
    base(origin) == base(public_url)
}

pub async fn security_headers(request: Request, next: Next) -> Response {
    let is_api = request.uri().path().starts_with("/api");
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    h.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    if !is_api {
        h.insert(
            "content-security-policy",
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'",
            ),
        );
    }
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// Request counts and latencies per route, for `/metrics`.
pub async fn metrics(State(_state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = request.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    let labels = [("method", method), ("route", route), ("status", status)];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels).record(started.elapsed().as_secs_f64());
    response
}

/// One span per request, carrying the request id, so every log line of a request can be found.
pub fn trace_layer() -> TraceLayer<
    tower_http::classify::SharedClassifier<tower_http::classify::ServerErrorsAsFailures>,
    impl Fn(&Request) -> tracing::Span + Clone,
> {
    TraceLayer::new_for_http().make_span_with(|request: &Request| {
        let request_id = request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
        tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), request_id = %request_id)
    })
}

/// The id of the request (set by the request-id layer), for audit events and logs.
pub fn request_id(headers: &axum::http::HeaderMap) -> Option<String> {
    headers.get("x-request-id").and_then(|v| v.to_str().ok()).map(str::to_owned)
}

/// NUL characters are never valid input here (no text field may hold one, and PostgreSQL cannot
/// store them), so a request carrying one, in its address or body, is refused before any handler
/// sees it. Checking once at the edge is simpler and safer than guarding every lookup.
/// Ledger files are binary (XLSX is a zip) and large: their routes take the raw bytes with a
/// limit of their own, and the file reader refuses NUL bytes in a CSV with a line number.
fn is_file_upload(request: &Request) -> bool {
    request.method() == Method::POST && matches!(request.uri().path(), "/api/v1/budgets/imports" | "/budget/imports")
}

pub async fn refuse_nul(request: Request, next: Next) -> Response {
    let lang = request.extensions().get::<LangChoice>().map(|c| c.lang).unwrap_or_default();
    let is_api = request.uri().path().starts_with("/api/");
    let refuse_with = |lang: Lang, status: StatusCode| {
        if is_api {
            crate::error::ApiError::new(status, "invalid_characters", lang.t("error-nul")).into_response()
        } else {
            crate::views::error_page(lang, status, &lang.t("error-nul"))
        }
    };
    let refuse = |lang: Lang| refuse_with(lang, StatusCode::BAD_REQUEST);
    let uri = request.uri().to_string().to_ascii_lowercase();
    if uri.contains("%00") {
        return refuse(lang);
    }
    if request.method() == Method::GET || request.method() == Method::HEAD || is_file_upload(&request) {
        return next.run(request).await;
    }
    let limit = crate::body_limit_for(request.uri().path());
    let (parts, body) = request.into_parts();
    let bytes = match axum::body::to_bytes(body, limit).await {
        Ok(b) => b,
        Err(_) => {
            return if is_api {
                crate::error::ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", lang.t("error-payload-too-large"))
                    .into_response()
            } else {
                crate::views::error_page(lang, StatusCode::PAYLOAD_TOO_LARGE, &lang.t("error-payload-too-large"))
            };
        }
    };
    // A raw NUL byte or an encoded one in a form is malformed input (400); a NUL written as
    // `\u0000` inside well-formed JSON is content no field accepts (422, like other invalid values).
    if bytes.contains(&0) || bytes.windows(3).any(|w| w.eq_ignore_ascii_case(b"%00")) {
        return refuse(lang);
    }
    if bytes.windows(6).any(|w| w.eq_ignore_ascii_case(b"\\u0000")) {
        return refuse_with(lang, StatusCode::UNPROCESSABLE_ENTITY);
    }
    next.run(Request::from_parts(parts, axum::body::Body::from(bytes))).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn origins_compare_scheme_and_host() {
        assert!(super::same_origin("https://styrbord.region.se", "https://styrbord.region.se/"));
        assert!(!super::same_origin("http://styrbord.region.se", "https://styrbord.region.se"));
        assert!(!super::same_origin("https://evil.example", "https://styrbord.region.se"));
    }
}
