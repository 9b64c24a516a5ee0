//! HTML pages. Every page is a plain server-rendered document with forms that post and
//! redirect, so everything works without JavaScript.

mod audit;
mod budget;
pub(crate) mod budget_export;
mod budget_imports;
mod budget_outcome;
mod report_own_sections;
mod report_templates;
mod reports;
mod budget_decision;
mod budget_edit;
mod budget_form;
pub(crate) mod chart;
mod distribute;
mod follow_up;
mod gantt;
mod layout;
mod login;
mod modules;
mod object_form;
mod org;
pub(crate) mod plan;
mod settings;
mod todo;
mod users;

pub use layout::error_page;

use crate::AppState;
use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { axum::response::Redirect::to("/org") }))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/static/style.css", get(stylesheet))
        .merge(login::router())
        .merge(org::router())
        .merge(users::router())
        .merge(audit::router())
        .merge(modules::router())
        .merge(settings::router())
        .merge(plan::router())
        .merge(object_form::router())
        .merge(follow_up::router())
        .merge(todo::router())
        .merge(gantt::router())
        .merge(distribute::router())
        .merge(budget::router())
        .merge(budget_export::router())
        .merge(budget_imports::router())
        .merge(budget_outcome::router())
        .merge(reports::router())
        .merge(report_templates::router())
        .merge(report_own_sections::router())
        .merge(budget_decision::router())
        .merge(budget_edit::router())
}

async fn healthz(axum::extract::State(state): axum::extract::State<AppState>) -> axum::response::Response {
    if state.app.healthy().await {
        "ok".into_response()
    } else {
        (axum::http::StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
    }
}

async fn metrics(axum::extract::State(state): axum::extract::State<AppState>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], state.metrics.render())
}

async fn stylesheet() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../static/style.css"),
    )
}

/// Form field errors of a submitted form, by field name, in the user's language.
#[derive(Default, Debug, Clone)]
pub struct FieldErrors(pub Vec<(String, String)>);

impl FieldErrors {
    pub fn from_validation(problems: &[domain::ValidationError], lang: crate::Lang) -> Self {
        Self(problems.iter().map(|p| (p.field.clone(), crate::error::field_message(p, lang))).collect())
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.iter().find(|(f, _)| f == field).map(|(_, m)| m.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The status of a page re-rendered after a form post: 200 if nothing failed, 422 when
    /// fields are wrong, 409 when the input was fine but clashed with what is stored.
    pub fn status(&self, failed: bool) -> StatusCode {
        match (failed, self.is_empty()) {
            (false, _) => StatusCode::OK,
            (true, false) => StatusCode::UNPROCESSABLE_ENTITY,
            (true, true) => StatusCode::CONFLICT,
        }
    }
}

/// Turns an application error on a form post into (form-level message, field errors), or into
/// an error page for errors that are not about the form.
#[allow(clippy::result_large_err, reason = "the error side is the page to answer with, returned at once")]
pub fn form_failure(err: app::AppError, lang: crate::Lang) -> Result<(String, FieldErrors), axum::response::Response> {
    use app::AppError;
    match err {
        AppError::Validation(problems) => Ok((lang.t("form-has-errors"), FieldErrors::from_validation(&problems, lang))),
        AppError::Conflict(kind) => {
            let (_, code, details) = crate::error::classify(&AppError::Conflict(kind.clone()), lang);
            let mut errors = FieldErrors::default();
            if let Some(field) = details.get("field").and_then(|f| f.as_str()) {
                let label = lang.t(&format!("field-{}", field.replace('_', "-")));
                errors.0.push((field.to_owned(), lang.t_args("validation-duplicate", &[("field", label)])));
            }
            Ok((lang.t(&format!("error-{}", code.replace('_', "-"))), errors))
        }
        other => Err(error_page_for(other, lang)),
    }
}

/// An error page for an application error.
pub fn error_page_for(err: app::AppError, lang: crate::Lang) -> axum::response::Response {
    let api = crate::error::ApiError::from_app(err, lang);
    error_page(lang, api.status, &api.body.message)
}
