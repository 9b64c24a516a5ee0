//! `/objects/{key}/distribute`: give units below the owner linked copies of an object (each
//! reported by its unit and rolled up), optionally also to units created later.

use super::layout::{Layout, render};
use super::{FieldErrors, error_page_for, form_failure};
use crate::AppState;
use crate::auth::{PageCtx, urlencode};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, RawForm, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

pub fn router() -> Router<AppState> {
    Router::new().route("/objects/{key}/distribute", get(form_page).post(save))
}

struct UnitRow {
    key: String,
    name: String,
    depth: usize,
    has_copy: bool,
    chosen: bool,
}

#[derive(Template)]
#[template(path = "distribute.html")]
struct DistributePage {
    layout: Layout,
    key: String,
    title: String,
    unit_name: String,
    unit_key: String,
    units: Vec<UnitRow>,
    auto_copy: bool,
    copies: usize,
    failure: Option<String>,
    errors: FieldErrors,
}

#[derive(serde::Deserialize, Default)]
struct NoticeQuery {
    notice: Option<String>,
}

async fn page(
    state: &AppState,
    ctx: &PageCtx,
    key: &str,
    chosen: &[String],
    failure: Option<(String, FieldErrors)>,
    notice: Option<&str>,
) -> Response {
    let lang = ctx.lang;
    let view = match state.app.distribution_view(&ctx.actor, key).await {
        Ok(v) => v,
        Err(e) => return error_page_for(e, lang),
    };
    let (failure, errors) = match failure {
        Some((f, e)) => (Some(f), e),
        None => (None, FieldErrors::default()),
    };
    let copies = view.copies.len();
    let page = DistributePage {
        layout: Layout::new(ctx, "org", lang.t_args("distribute-title", &[("name", view.record.object.title.clone())]))
            .with_notice(notice),
        key: view.record.object.key.clone(),
        title: view.record.object.title.clone(),
        unit_name: view.record.unit_name.clone(),
        unit_key: view.record.unit_key.clone(),
        units: view
            .units
            .iter()
            .map(|(depth, u)| UnitRow {
                key: u.key.clone(),
                name: u.name.clone(),
                depth: (*depth).min(8),
                has_copy: view.copies.contains(&u.id),
                chosen: chosen.contains(&u.key),
            })
            .collect(),
        auto_copy: view.record.object.auto_copy,
        copies,
        failure,
        errors,
    };
    render(&page, if page.failure.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK })
}

async fn form_page(State(state): State<AppState>, ctx: PageCtx, Path(key): Path<String>, Query(q): Query<NoticeQuery>) -> Response {
    page(&state, &ctx, &key, &[], None, q.notice.as_deref()).await
}

/// The form posts `unit` once per ticked unit, so it is read as pairs rather than a struct.
async fn save(State(state): State<AppState>, ctx: PageCtx, Path(key): Path<String>, RawForm(body): RawForm) -> Response {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let value = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    if let Err(r) = ctx.verify_csrf(&value("csrf")) {
        return r;
    }
    let units: Vec<String> = pairs.iter().filter(|(k, _)| k == "unit").map(|(_, v)| v.clone()).collect();
    let auto_copy = pairs.iter().any(|(k, _)| k == "auto_copy");
    match state.app.distribute_object(&ctx.actor, &key, &units, auto_copy).await {
        Ok(_) => Redirect::to(&format!("/objects/{}/distribute?notice=distributed", urlencode(&key))).into_response(),
        Err(e) => match form_failure(e, ctx.lang) {
            Ok(failure) => page(&state, &ctx, &key, &units, Some(failure), None).await,
            Err(response) => response,
        },
    }
}
