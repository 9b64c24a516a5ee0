//! A unit's own sections in its report: added under a template section that allows it, and
//! removed again while empty. Both are forms on the report page.

use super::error_page_for;
use super::reports::{Retry, draw_report, refusal};
use crate::AppState;
use crate::auth::PageCtx;
use app::AppError;
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/reports/{id}/own-sections", post(add))
        .route("/reports/{id}/own-sections/{key}/delete", post(remove))
}

#[derive(Deserialize)]
struct AddForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    under: String,
    #[serde(default)]
    heading_sv: String,
    #[serde(default)]
    heading_en: String,
}

/// The report page again with what went wrong, or an error page.
async fn refused(state: &AppState, ctx: &PageCtx, id: &str, e: AppError, heading: &str) -> Response {
    match e {
        e @ (AppError::Validation(_) | AppError::Conflict(_)) => {
            let status = if matches!(e, AppError::Validation(_)) { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::CONFLICT };
            let retry = Retry::refused(refusal(e, ctx.lang), ctx.lang.t(heading));
            draw_report(state, ctx, id, retry, status).await
        }
        other => error_page_for(other, ctx.lang),
    }
}

async fn add(State(state): State<AppState>, ctx: PageCtx, Path(id): Path<String>, Form(f): Form<AddForm>) -> Response {
    if let Err(r) = ctx.verify_csrf(&f.csrf) {
        return r;
    }
    let version = f.version.trim().parse().unwrap_or(0);
    match state.app.add_own_section(&ctx.actor, &id, &f.under, f.heading_sv.trim(), f.heading_en.trim(), version).await {
        Ok(view) => {
            let key = view.report.own_sections.last().map(|s| s.key.clone()).unwrap_or_default();
            Redirect::to(&format!("/reports/{}#h-{key}", view.report.id)).into_response()
        }
        Err(e) => refused(&state, &ctx, &id, e, "report-own-refused").await,
    }
}

#[derive(Deserialize)]
struct RemoveForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: String,
}

async fn remove(State(state): State<AppState>, ctx: PageCtx, Path((id, key)): Path<(String, String)>, Form(f): Form<RemoveForm>) -> Response {
    if let Err(r) = ctx.verify_csrf(&f.csrf) {
        return r;
    }
    let version = f.version.trim().parse().unwrap_or(0);
    match state.app.remove_own_section(&ctx.actor, &id, &key, version).await {
        Ok(view) => Redirect::to(&format!("/reports/{}", view.report.id)).into_response(),
        Err(e) => refused(&state, &ctx, &id, e, "report-own-remove-refused").await,
    }
}
