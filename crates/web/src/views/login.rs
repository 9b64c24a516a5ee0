//! Signing in and out.

use super::layout::{Layout, render};
use crate::AppState;
use crate::auth::{LOGIN_CSRF_COOKIE, PublicCtx, SESSION_COOKIE, constant_time_eq, safe_next, set_cookie};
use crate::middleware::cookie;
use askama::Template;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new().route("/login", get(login_page).post(login)).route("/logout", post(logout))
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    layout: Layout,
    csrf: String,
    next: String,
    email: String,
    error: Option<String>,
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

/// The login form. A fresh random token goes both into a cookie and the form (double submit):
/// a post from another site cannot know it.
async fn login_page(State(state): State<AppState>, ctx: PublicCtx, Query(q): Query<NextQuery>) -> Response {
    let token = random_token();
    let page = LoginPage {
        layout: Layout::public(ctx.lang, ctx.lang.t("login-title"), "/login"),
        csrf: token.clone(),
        next: safe_next(q.next.as_deref()),
        email: String::new(),
        error: None,
    };
    let mut response = render(&page, StatusCode::OK);
    response
        .headers_mut()
        .append(header::SET_COOKIE, set_cookie(LOGIN_CSRF_COOKIE, &token, Some(3600), state.config.secure_cookies, "Strict"));
    response
}

fn random_token() -> String {
    use base64::Engine;
    use rand::RngCore;
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
    next: Option<String>,
}

async fn login(
    State(state): State<AppState>,
    ctx: PublicCtx,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let lang = ctx.lang;
    let next = safe_next(form.next.as_deref());
    let cookie_token = cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or("");
    let again = |error: String, status: StatusCode| {
        let token = random_token();
        let page = LoginPage {
            layout: Layout::public(lang, lang.t("login-title"), "/login"),
            csrf: token.clone(),
            next: next.clone(),
            email: form.email.clone(),
            error: Some(error),
        };
        let mut response = render(&page, status);
        response.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(LOGIN_CSRF_COOKIE, &token, Some(3600), state.config.secure_cookies, "Strict"),
        );
        response
    };
    if form.csrf.is_empty() || !constant_time_eq(form.csrf.as_bytes(), cookie_token.as_bytes()) {
        return again(lang.t("login-expired"), StatusCode::FORBIDDEN);
    }
    match state.app.login(&form.email, &form.password, &ctx.client).await {
        Ok(session) => {
            let mut response = Redirect::to(&next).into_response();
            let h = response.headers_mut();
            h.append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, &session.id, None, state.config.secure_cookies, "Lax"));
            h.append(header::SET_COOKIE, set_cookie(LOGIN_CSRF_COOKIE, "", Some(0), state.config.secure_cookies, "Strict"));
            response
        }
        Err(app::AppError::Unauthenticated) => again(lang.t("login-failed"), StatusCode::UNAUTHORIZED),
        Err(app::AppError::RateLimited) => again(lang.t("login-rate-limited"), StatusCode::TOO_MANY_REQUESTS),
        Err(other) => super::error_page_for(other, lang),
    }
}

#[derive(Deserialize)]
struct LogoutForm {
    #[serde(default)]
    csrf: String,
}

async fn logout(State(state): State<AppState>, ctx: crate::auth::PageCtx, headers: HeaderMap, Form(form): Form<LogoutForm>) -> Response {
    if let Err(r) = ctx.verify_csrf(&form.csrf) {
        return r;
    }
    if let Some(id) = cookie(&headers, SESSION_COOKIE)
        && let Err(e) = state.app.logout(id).await
    {
        return super::error_page_for(e, ctx.lang);
    }
    let mut response = Redirect::to("/login").into_response();
    response.headers_mut().append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, "", Some(0), state.config.secure_cookies, "Lax"));
    response
}
