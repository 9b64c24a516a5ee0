//! People: list, view, create, change, deactivate, set password.

use super::layout::{Layout, render};
use super::{FieldErrors, error_page_for, form_failure};
use crate::AppState;
use crate::auth::PageCtx;
use app::users::{NewUser, UserPatch, UserView};
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::UserId;
use domain::user::{Licence, User};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/users", get(list).post(create))
        .route("/users/new", get(new_form))
        .route("/users/{id}", get(user_page).post(edit))
        .route("/users/{id}/password", post(set_password))
}

struct Row {
    id: String,
    name: String,
    email: String,
    home_unit: String,
    licence: String,
    active: bool,
}

#[derive(Template)]
#[template(path = "users.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<Row>,
    search: String,
    next: Option<String>,
    can_create: bool,
}

#[derive(Deserialize)]
struct ListQuery {
    search: Option<String>,
    cursor: Option<String>,
}

async fn list(State(state): State<AppState>, ctx: PageCtx, Query(q): Query<ListQuery>) -> Response {
    let page = match state.app.list_users(&ctx.actor, q.search.as_deref(), q.cursor.as_deref(), 50).await {
        Ok(p) => p,
        Err(e) => return error_page_for(e, ctx.lang),
    };
    let ids: Vec<_> = page.items.iter().filter_map(|u| u.home_unit_id).collect();
    let names = state.app.unit_names(&ids).await.unwrap_or_default();
    let rows = page
        .items
        .into_iter()
        .map(|u: User| Row {
            id: u.id.to_string(),
            home_unit: u.home_unit_id.and_then(|h| names.get(&h).cloned()).unwrap_or_default(),
            licence: ctx.lang.t(&format!("licence-{}", u.licence.as_str())),
            name: u.name,
            email: u.email,
            active: u.active,
        })
        .collect();
    let next = page.next_cursor.map(|c| {
        let mut pairs = vec![("cursor", c)];
        if let Some(s) = &q.search {
            pairs.push(("search", s.clone()));
        }
        format!("/users?{}", serde_urlencoded::to_string(pairs).unwrap_or_default())
    });
    let can_create = state.app.may_manage_any_users(&ctx.actor);
    let page = ListPage { layout: Layout::new(&ctx, "users", ctx.lang.t("users-title")), rows, search: q.search.unwrap_or_default(), next, can_create };
    render(&page, StatusCode::OK)
}

struct Choice {
    value: String,
    label: String,
}

#[derive(Template)]
#[template(path = "user.html")]
struct UserPage {
    layout: Layout,
    view: Option<UserView>,
    id: String,
    email: String,
    name: String,
    home_unit: String,
    licence: String,
    locale: String,
    active: bool,
    version: i64,
    units: Vec<Choice>,
    licences: Vec<Choice>,
    roles: Vec<(String, String, String, String)>,
    failure: Option<String>,
    failed_form: &'static str,
    errors: FieldErrors,
}

impl UserPage {
    fn failed(&self, form: &str) -> bool {
        self.failure.is_some() && self.failed_form == form
    }

    fn can_manage(&self) -> bool {
        self.view.as_ref().is_none_or(|v| v.can_manage)
    }

    fn is_new(&self) -> bool {
        self.view.is_none()
    }
}

async fn unit_choices(state: &AppState, ctx: &PageCtx) -> Vec<Choice> {
    let mut out = vec![Choice { value: String::new(), label: ctx.lang.t("home-unit-none") }];
    let mut units = state.app.org_tree(&ctx.actor).await.unwrap_or_default();
    let today = state.app.clock().today();
    units.retain(|u| !u.is_closed_on(today));
    units.sort_by_key(|u| app::users::domain_sort_key(&u.name));
    out.extend(units.into_iter().map(|u| Choice { label: format!("{} ({})", u.name, u.key), value: u.key }));
    out
}

fn licence_choices(ctx: &PageCtx) -> Vec<Choice> {
    Licence::ALL
        .into_iter()
        .map(|l| Choice { value: l.as_str().into(), label: ctx.lang.t(&format!("licence-{}", l.as_str())) })
        .collect()
}

#[allow(clippy::too_many_arguments)]
async fn page_for(
    state: &AppState,
    ctx: &PageCtx,
    view: Option<UserView>,
    form: Option<&UserFormData>,
    failed_form: &'static str,
    failure: Option<String>,
    errors: FieldErrors,
    notice: Option<&str>,
) -> Response {
    let lang = ctx.lang;
    let title = match &view {
        Some(v) => v.user.name.clone(),
        None => lang.t("user-new-title"),
    };
    let (id, mut email, mut name, mut home_unit, mut licence, mut locale, mut active, mut version) = match &view {
        Some(v) => (
            v.user.id.to_string(),
            v.user.email.clone(),
            v.user.name.clone(),
            v.home_unit.as_ref().map(|u| u.key.clone()).unwrap_or_default(),
            v.user.licence.as_str().to_owned(),
            v.user.locale.clone().unwrap_or_default(),
            v.user.active,
            v.user.version,
        ),
        None => (String::new(), String::new(), String::new(), String::new(), "full".into(), String::new(), true, 0),
    };
    if let Some(f) = form {
        email = f.email.clone();
        name = f.name.clone();
        home_unit = f.home_unit.clone().unwrap_or_default();
        licence = f.licence.clone().unwrap_or_default();
        locale = f.locale.clone().unwrap_or_default();
        active = f.active.is_some();
        version = f.version.unwrap_or(version);
    }
    let roles = view
        .as_ref()
        .map(|v| {
            v.roles
                .iter()
                .map(|a| (a.unit_key.clone(), a.unit_name.clone(), lang.t(&format!("role-{}", a.role.as_str())), a.module.as_storage().to_owned()))
                .collect()
        })
        .unwrap_or_default();
    let status = errors.status(failure.is_some());
    let page = UserPage {
        layout: Layout::new(ctx, "users", title).with_notice(notice),
        view,
        id,
        email,
        name,
        home_unit,
        licence,
        locale,
        active,
        version,
        units: unit_choices(state, ctx).await,
        licences: licence_choices(ctx),
        roles,
        failure,
        failed_form,
        errors,
    };
    render(&page, status)
}

#[derive(Deserialize)]
struct NoticeQuery {
    notice: Option<String>,
}

async fn user_page(State(state): State<AppState>, ctx: PageCtx, Path(id): Path<String>, Query(q): Query<NoticeQuery>) -> Response {
    let Ok(id) = id.parse::<UserId>() else { return error_page_for(app::AppError::NotFound, ctx.lang) };
    match state.app.user_view(&ctx.actor, id).await {
        Ok(view) => page_for(&state, &ctx, Some(view), None, "", None, FieldErrors::default(), q.notice.as_deref()).await,
        Err(e) => error_page_for(e, ctx.lang),
    }
}

async fn new_form(State(state): State<AppState>, ctx: PageCtx) -> Response {
    page_for(&state, &ctx, None, None, "", None, FieldErrors::default(), None).await
}

#[derive(Deserialize)]
struct UserFormData {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    home_unit: Option<String>,
    licence: Option<String>,
    locale: Option<String>,
    /// A checkbox: present when ticked.
    active: Option<String>,
    password: Option<String>,
    version: Option<i64>,
}

async fn create(State(state): State<AppState>, ctx: PageCtx, Form(form): Form<UserFormData>) -> Response {
    if let Err(r) = ctx.verify_csrf(&form.csrf) {
        return r;
    }
    let input = NewUser {
        email: form.email.clone(),
        name: form.name.clone(),
        home_unit: form.home_unit.clone(),
        licence: form.licence.clone(),
        locale: form.locale.clone(),
        password: form.password.clone(),
    };
    match state.app.create_user(&ctx.actor, input).await {
        Ok(user) => Redirect::to(&format!("/users/{}?notice=user-created", user.id)).into_response(),
        Err(e) => match form_failure(e, ctx.lang) {
            Ok((failure, errors)) => page_for(&state, &ctx, None, Some(&form), "user", Some(failure), errors, None).await,
            Err(page) => page,
        },
    }
}

async fn edit(State(state): State<AppState>, ctx: PageCtx, Path(id): Path<String>, Form(form): Form<UserFormData>) -> Response {
    if let Err(r) = ctx.verify_csrf(&form.csrf) {
        return r;
    }
    let Ok(id) = id.parse::<UserId>() else { return error_page_for(app::AppError::NotFound, ctx.lang) };
    let patch = UserPatch {
        email: Some(form.email.clone()),
        name: Some(form.name.clone()),
        home_unit: Some(form.home_unit.clone()),
        licence: form.licence.clone(),
        locale: Some(form.locale.clone()),
        active: Some(form.active.is_some()),
        version: form.version,
    };
    match state.app.update_user(&ctx.actor, id, patch).await {
        Ok(user) => Redirect::to(&format!("/users/{}?notice=user-saved", user.id)).into_response(),
        Err(e) => match form_failure(e, ctx.lang) {
            Ok((failure, errors)) => match state.app.user_view(&ctx.actor, id).await {
                Ok(view) => page_for(&state, &ctx, Some(view), Some(&form), "user", Some(failure), errors, None).await,
                Err(e) => error_page_for(e, ctx.lang),
            },
            Err(page) => page,
        },
    }
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    password: String,
}

async fn set_password(State(state): State<AppState>, ctx: PageCtx, Path(id): Path<String>, Form(form): Form<PasswordForm>) -> Response {
    if let Err(r) = ctx.verify_csrf(&form.csrf) {
        return r;
    }
    let Ok(id) = id.parse::<UserId>() else { return error_page_for(app::AppError::NotFound, ctx.lang) };
    match state.app.set_password(&ctx.actor, id, &form.password).await {
        Ok(()) => Redirect::to(&format!("/users/{id}?notice=password-set")).into_response(),
        Err(e) => match form_failure(e, ctx.lang) {
            Ok((failure, errors)) => match state.app.user_view(&ctx.actor, id).await {
                Ok(view) => page_for(&state, &ctx, Some(view), None, "password", Some(failure), errors, None).await,
                Err(e) => error_page_for(e, ctx.lang),
            },
            Err(page) => page,
        },
    }
}
