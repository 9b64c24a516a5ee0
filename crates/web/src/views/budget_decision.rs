//! Deciding and revising a budget from its page: "Fastställ budget" records the decision of the
//! current draft (which then never changes), "Revidera" starts a new draft from the decided
//! version (which stays as it was). Plain forms that post and redirect back with a notice; a
//! refused post shows the budget page again with the problem at the top.

use super::{FieldErrors, error_page_for, form_failure};
use crate::AppState;
use crate::auth::{PageCtx, urlencode};
use crate::i18n::Lang;
use app::budget::BudgetView;
use app::{AppError, ConflictKind};
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use domain::budget::VersionState;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/units/{key}/budget/decide", post(decide))
        .route("/units/{key}/budget/revise", post(revise))
}

/// What the budget page offers someone who may edit the budget it shows (its latest version).
pub struct VersionActions {
    pub edit_href: String,
    /// A draft: the decision form.
    pub decide: Option<DecideForm>,
    /// A decided version: why revising is safe ("version 1 stays as it is").
    pub revise_note: Option<String>,
    /// A refused decision or revision: what went wrong, and (anchor, message) per field.
    pub failure: Option<String>,
    pub summary: Vec<(String, String)>,
}

pub struct DecideForm {
    pub row_version: i64,
    pub reference: String,
    pub date: String,
    pub errors: FieldErrors,
}

impl DecideForm {
    pub fn err(&self, field: &str) -> Option<&str> {
        self.errors.get(field)
    }
}

/// A decision form as posted, with what went wrong, to show again.
#[derive(Default)]
pub struct DecisionPost {
    pub reference: String,
    pub date: String,
    pub failure: Option<(String, FieldErrors)>,
}

/// The actions for `view`, or None for someone who may not edit it, for a budget not yet
/// written, and for an older version than the latest.
pub fn version_actions(
    lang: Lang,
    view: &BudgetView,
    posted: DecisionPost,
) -> Option<VersionActions> {
    let content = view.content.as_ref().filter(|_| view.may_edit)?;
    let shown = &content.version;
    if content
        .versions
        .last()
        .is_some_and(|latest| latest.number != shown.version.number)
    {
        return None;
    }
    let (failure, errors) = posted
        .failure
        .map_or((None, FieldErrors::default()), |(f, e)| (Some(f), e));
    let summary = errors
        .0
        .iter()
        .map(|(field, message)| (format!("f-{field}"), message.clone()))
        .collect();
    let (decide, revise_note) = match &shown.version.state {
        VersionState::Draft => {
            let form = DecideForm {
                row_version: shown.row_version,
                reference: posted.reference,
                date: posted.date,
                errors,
            };
            (Some(form), None)
        }
        VersionState::Decided { .. } => (
            None,
            Some(lang.t_args(
                "budget-revise-note",
                &[("number", shown.version.number.to_string())],
            )),
        ),
    };
    Some(VersionActions {
        edit_href: format!(
            "/units/{}/budget/edit?year={}",
            urlencode(&view.unit.key),
            view.year
        ),
        decide,
        revise_note,
        failure,
        summary,
    })
}

/// Back to the budget page of `year`, with a notice.
pub fn see_budget(unit_key: &str, year: i32, notice: &str) -> Response {
    Redirect::to(&format!(
        "/units/{}/budget?year={year}&notice={notice}",
        urlencode(unit_key)
    ))
    .into_response()
}

/// A refused decision or revision as (message, field errors), or an error page for errors that
/// are not about the form. Fields are named as the form names them (`reference`, `decision_date`).
#[allow(
    clippy::result_large_err,
    reason = "the error side is the page to answer with, returned at once"
)]
pub fn version_failure(err: AppError, lang: Lang) -> Result<(String, FieldErrors), Response> {
    match err {
        AppError::Validation(mut problems) => {
            for p in &mut problems {
                // The form's own names; "decision_date" reads "Beslutsdatum", not just "Datum".
                match p.field.as_str() {
                    "decision.reference" => p.field = "reference".into(),
                    "decision.date" => p.field = "decision_date".into(),
                    _ => {}
                }
            }
            Ok((
                lang.t("form-has-errors"),
                FieldErrors::from_validation(&problems, lang),
            ))
        }
        AppError::Conflict(ConflictKind::Stale) => {
            Ok((lang.t("budget-conflict-stale"), FieldErrors::default()))
        }
        other => form_failure(other, lang),
    }
}

#[derive(Deserialize)]
struct DecidePost {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    reference: String,
    #[serde(default)]
    decision_date: String,
}

async fn decide(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(key): Path<String>,
    Form(f): Form<DecidePost>,
) -> Response {
    if let Err(r) = ctx.verify_csrf(&f.csrf) {
        return r;
    }
    let Ok(year) = f.year.parse::<i32>() else {
        return error_page_for(AppError::NotFound, ctx.lang);
    };
    let decided = state
        .app
        .decide_budget(
            &ctx.actor,
            &key,
            year,
            &f.reference,
            &f.decision_date,
            f.version.parse().ok(),
        )
        .await;
    let failure = match decided {
        Ok(view) => return see_budget(&view.unit.key, year, "budget-decided"),
        Err(e) => match version_failure(e, ctx.lang) {
            Ok(failure) => failure,
            Err(page) => return page,
        },
    };
    again(
        &state,
        &ctx,
        &key,
        year,
        DecisionPost {
            reference: f.reference,
            date: f.decision_date,
            failure: Some(failure),
        },
    )
    .await
}

#[derive(Deserialize)]
struct RevisePost {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    year: String,
}

async fn revise(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(key): Path<String>,
    Form(f): Form<RevisePost>,
) -> Response {
    if let Err(r) = ctx.verify_csrf(&f.csrf) {
        return r;
    }
    let Ok(year) = f.year.parse::<i32>() else {
        return error_page_for(AppError::NotFound, ctx.lang);
    };
    let failure = match state.app.revise_budget(&ctx.actor, &key, year).await {
        Ok(view) => return see_budget(&view.unit.key, year, "budget-revised"),
        Err(e) => match version_failure(e, ctx.lang) {
            Ok(failure) => failure,
            Err(page) => return page,
        },
    };
    again(
        &state,
        &ctx,
        &key,
        year,
        DecisionPost {
            failure: Some(failure),
            ..DecisionPost::default()
        },
    )
    .await
}

/// The budget page again, as it is now, with the refused post's problem at the top.
async fn again(
    state: &AppState,
    ctx: &PageCtx,
    key: &str,
    year: i32,
    posted: DecisionPost,
) -> Response {
    let status = posted
        .failure
        .as_ref()
        .map(|(_, errors)| errors.status(true))
        .unwrap_or_default();
    match state.app.budget_view(&ctx.actor, key, year, None).await {
        Ok(view) => super::budget::budget_page(ctx, &view, posted, None, status),
        Err(e) => error_page_for(e, ctx.lang),
    }
}
