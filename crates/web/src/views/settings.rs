//! The signed-in person's own settings: language, password, API tokens.

use super::layout::{Layout, render};
use super::{FieldErrors, error_page_for, form_failure};
use crate::AppState;
use crate::auth::PageCtx;
use crate::i18n::format_time;
use app::users::UserPatch;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings", get(settings_page))
        .route("/settings/language", post(set_language))
        .route("/settings/reminders", post(set_reminders))
        .route("/settings/password", post(set_password))
        .route("/settings/tokens", post(create_token))
        .route("/settings/tokens/{id}/revoke", post(revoke_token))
}

struct TokenRow {
    id: String,
    label: String,
    created: String,
    last_used: String,
    revoked: bool,
}

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    layout: Layout,
    locale: String,
    /// `daily`, `weekly` or `off`.
    digest: &'static str,
    tokens: Vec<TokenRow>,
    new_token: Option<String>,
    failed_form: &'static str,
    failure: Option<String>,
    errors: FieldErrors,
}

impl SettingsPage {
    fn failed(&self, form: &str) -> bool {
        self.failure.is_some() && self.failed_form == form
    }
}

async fn page(
    state: &AppState,
    ctx: &PageCtx,
    new_token: Option<String>,
    failed_form: &'static str,
    failure: Option<String>,
    errors: FieldErrors,
    notice: Option<&str>,
) -> Response {
    let tokens = match state.app.list_own_tokens(&ctx.actor).await {
        Ok(t) => t,
        Err(e) => return error_page_for(e, ctx.lang),
    };
    let digest = match state.app.digest_frequency(&ctx.actor).await {
        Ok(f) => f.as_str(),
        Err(e) => return error_page_for(e, ctx.lang),
    };
    let dash = "–".to_owned();
    let status = if failure.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = SettingsPage {
        layout: Layout::new(ctx, "settings", ctx.lang.t("settings-title")).with_notice(notice),
        locale: ctx.actor.user.as_ref().and_then(|u| u.locale.clone()).unwrap_or_default(),
        digest,
        tokens: tokens
            .into_iter()
            .map(|t| TokenRow {
                id: t.id.to_string(),
                label: t.label,
                created: format_time(t.created_at),
                last_used: t.last_used_at.map(format_time).unwrap_or_else(|| dash.clone()),
                revoked: t.revoked_at.is_some(),
            })
            .collect(),
        new_token,
        failed_form,
        failure,
        errors,
    };
    render(&page, status)
}

#[derive(Deserialize)]
struct NoticeQuery {
    notice: Option<String>,
}

async fn settings_page(State(state): State<AppState>, ctx: PageCtx, Query(q): Query<NoticeQuery>) -> Response {
    page(&state, &ctx, None, "", None, FieldErrors::default(), q.notice.as_deref()).await
}

#[derive(Deserialize)]
struct SettingsForm {
    #[serde(default)]
    csrf: String,
    locale: Option<String>,
    password: Option<String>,
    label: Option<String>,
    digest: Option<String>,
}

/// How often one gets the reminder digest is one's own choice.
async fn set_reminders(State(state): State<AppState>, ctx: PageCtx, Form(form): Form<SettingsForm>) -> Response {
    if let Err(r) = ctx.verify_csrf(&form.csrf) {
        return r;
    }
    let Some(frequency) = form.digest.as_deref().and_then(domain::reminder::DigestFrequency::parse) else {
        let error = domain::validate::ValidationError::new("digest", domain::validate::ValidationCode::InvalidChoice);
        return match form_failure(app::AppError::Validation(vec![error]), ctx.lang) {
            Ok((failure, errors)) => page(&state, &ctx, None, "reminders", Some(failure), errors, None).await,
            Err(p) => p,
        };
    };
    match state.app.set_digest_frequency(&ctx.actor, frequency).await {
        Ok(()) => Redirect::to("/settings?notice=settings-saved").into_response(),
        Err(e) => error_page_for(e, ctx.lang),
    }
}

/// Changing one's own language is not user administration: it is allowed to everyone.
async fn set_language(State(state): State<AppState>, ctx: PageCtx, Form(form): Form<SettingsForm>) -> Response {
    if let Err(r) = ctx.verify_csrf(&form.csrf) {
        return r;
    }
    let Some(user) = ctx.actor.user.clone() else { return error_page_for(app::AppError::Forbidden, ctx.lang) };
    let patch = UserPatch { locale: Some(form.locale.clone()), ..Default::default() };
    match state.app.update_own_profile(&ctx.actor, user.id, patch).await {
        Ok(_) => {
            // The stored preference should win from now on: forget the cookie choice.
            let mut response = Redirect::to("/settings?notice=settings-saved").into_response();
            response.headers_mut().append(
                axum::http::header::SET_COOKIE,
                axum::http::HeaderValue::from_static("sb_lang=; Path=/; Max-Age=0; SameSite=Lax"),
            );
            response
        }
        Err(e) => match form_failure(e, ctx.lang) {
            Ok((failure, errors)) => page(&state, &ctx, None, "language", Some(failure), errors, None).await,
            Err(p) => p,
        },
    }
}

async fn set_password(State(state): State<AppState>, ctx: PageCtx, Form(form): Form<SettingsForm>) -> Response {
    if let Err(r) = ctx.verify_csrf(&form.csrf) {
        return r;
    }
    let Some(user) = ctx.actor.user.clone() else { return error_page_for(app::AppError::Forbidden, ctx.lang) };
    match state.app.set_password(&ctx.actor, user.id, form.password.as_deref().unwrap_or("")).await {
        // Changing the password ends all sessions, this one too.
        Ok(()) => Redirect::to("/login").into_response(),
        Err(e) => match form_failure(e, ctx.lang) {
            Ok((failure, errors)) => page(&state, &ctx, None, "password", Some(failure), errors, None).await,
            Err(p) => p,
        },
    }
}

async fn create_token(State(state): State<AppState>, ctx: PageCtx, Form(form): Form<SettingsForm>) -> Response {
    if let Err(r) = ctx.verify_csrf(&form.csrf) {
        return r;
    }
    match state.app.create_own_token(&ctx.actor, form.label.as_deref().unwrap_or("")).await {
        // Shown once, on this response only; never stored in clear.
        Ok(created) => page(&state, &ctx, Some(created.secret), "", None, FieldErrors::default(), Some("token-created")).await,
        Err(e) => match form_failure(e, ctx.lang) {
            Ok((failure, errors)) => page(&state, &ctx, None, "token", Some(failure), errors, None).await,
            Err(p) => p,
        },
    }
}

async fn revoke_token(State(state): State<AppState>, ctx: PageCtx, Path(id): Path<String>, Form(form): Form<SettingsForm>) -> Response {
    if let Err(r) = ctx.verify_csrf(&form.csrf) {
        return r;
    }
    let Ok(id) = id.parse() else { return error_page_for(app::AppError::NotFound, ctx.lang) };
    match state.app.revoke_own_token(&ctx.actor, id).await {
        Ok(()) => Redirect::to("/settings?notice=token-revoked").into_response(),
        Err(e) => error_page_for(e, ctx.lang),
    }
}
