//! Who is calling: a bearer token for the API, a session cookie for pages.

use crate::AppState;
use crate::error::ApiError;
use crate::i18n::Lang;
use crate::middleware::{LangChoice, cookie, request_id};
use app::Actor;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};

pub const SESSION_COOKIE: &str = "sb_session";
pub const LOGIN_CSRF_COOKIE: &str = "sb_login_csrf";

fn lang_of(parts: &Parts) -> LangChoice {
    parts.extensions.get::<LangChoice>().copied().unwrap_or(LangChoice { lang: Lang::Sv, explicit: false })
}

/// An authenticated API call.
pub struct ApiCtx {
    pub actor: Actor,
    pub lang: Lang,
}

impl FromRequestParts<AppState> for ApiCtx {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let choice = lang_of(parts);
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ApiError::unauthenticated(choice.lang))?;
        let actor = state
            .app
            .token_actor(token, request_id(&parts.headers))
            .await
            .map_err(|e| ApiError::from_app(e, choice.lang))?
            .ok_or_else(|| ApiError::unauthenticated(choice.lang))?;
        let lang = if choice.explicit { choice.lang } else { user_lang(&actor).unwrap_or(choice.lang) };
        Ok(ApiCtx { actor, lang })
    }
}

fn user_lang(actor: &Actor) -> Option<Lang> {
    actor.user.as_ref().and_then(|u| u.locale.as_deref()).and_then(Lang::parse)
}

/// A signed-in page request. Without a live session the person is sent to the login page and
/// comes back afterwards.
#[derive(Clone)]
pub struct PageCtx {
    pub actor: Actor,
    pub lang: Lang,
    pub csrf: String,
    /// The path and query of this page, for the language switch links.
    pub here: String,
}

impl PageCtx {
    pub fn user_name(&self) -> String {
        self.actor.display_name()
    }

    /// Checks the form's CSRF token against the session's (constant time).
    #[allow(clippy::result_large_err, reason = "the rejection is the page to answer with, returned at once")]
    pub fn verify_csrf(&self, token: &str) -> Result<(), Response> {
        if constant_time_eq(token.as_bytes(), self.csrf.as_bytes()) {
            Ok(())
        } else {
            Err(crate::views::error_page(self.lang, axum::http::StatusCode::FORBIDDEN, &self.lang.t("error-csrf")))
        }
    }
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl FromRequestParts<AppState> for PageCtx {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let choice = lang_of(parts);
        let here = parts.uri.path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "/".into());
        let to_login = || {
            let next = if parts.method == axum::http::Method::GET { here.clone() } else { "/".to_owned() };
            let target = format!("/login?next={}", urlencode(&next));
            Redirect::to(&target).into_response()
        };
        let Some(session_id) = cookie(&parts.headers, SESSION_COOKIE) else { return Err(to_login()) };
        let context = match state.app.session(session_id, request_id(&parts.headers)).await {
            Ok(Some(c)) => c,
            Ok(None) => return Err(to_login()),
            Err(e) => {
                let (status, _, _) = crate::error::classify(&e, choice.lang);
                if let app::AppError::Internal(source) = &e {
                    tracing::error!(error = %source, "session lookup failed");
                }
                return Err(crate::views::error_page(choice.lang, status, &choice.lang.t("error-internal")));
            }
        };
        let lang = if choice.explicit { choice.lang } else { user_lang(&context.actor).unwrap_or(choice.lang) };
        Ok(PageCtx { actor: context.actor, lang, csrf: context.csrf_token, here })
    }
}

/// The language of a request that needs no sign-in (login page, errors).
pub struct PublicCtx {
    pub lang: Lang,
    /// The client's address (for login throttling).
    pub client: String,
}

impl<S: Send + Sync> FromRequestParts<S> for PublicCtx {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let client = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip().to_string())
            .unwrap_or_else(|| "unknown".to_owned());
        Ok(PublicCtx { lang: lang_of(parts).lang, client })
    }
}

/// A `Set-Cookie` value for an HttpOnly cookie.
pub fn set_cookie(name: &str, value: &str, max_age_secs: Option<i64>, secure: bool, same_site: &str) -> HeaderValue {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite={same_site}");
    if let Some(age) = max_age_secs {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    HeaderValue::from_str(&c).expect("cookie values are URL-safe base64")
}

pub fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)]).map(|q| q.trim_start_matches('=').to_owned()).unwrap_or_default()
}

/// Only local paths are followed after login (no open redirect).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_is_local_only() {
        assert_eq!(safe_next(Some("/org/units/CE")), "/org/units/CE");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn constant_time_comparison() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
