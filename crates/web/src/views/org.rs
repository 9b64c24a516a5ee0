//! The organisation tree and unit pages: browse, create, edit, move, close, reopen, roles.

use super::layout::{Layout, render};
use super::{FieldErrors, error_page_for, form_failure};
use crate::AppState;
use crate::auth::PageCtx;
use crate::i18n::Lang;
use app::org::{NewUnit, UnitPatch, UnitView};
use app::roles::NewGrant;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::org::OrgUnit;
use domain::role::Role;
use domain::validate::format_date;
use serde::Deserialize;
use std::collections::{HashMap, HashSet};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/org", get(tree))
        .route("/org/units", post(create))
        .route("/org/units/new", get(new_form))
        .route("/org/units/{key}", get(unit_page))
        .route("/org/units/{key}/edit", get(edit_form).post(edit))
        .route("/org/units/{key}/move", post(move_unit))
        .route("/org/units/{key}/close", post(close))
        .route("/org/units/{key}/reopen", post(reopen))
        .route("/org/units/{key}/roles", post(grant))
        .route("/role-assignments/{id}/revoke", post(revoke))
}

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Children of each unit, in Swedish alphabetical order.
fn children_map(units: &[OrgUnit]) -> HashMap<Option<domain::OrgUnitId>, Vec<&OrgUnit>> {
    let mut map: HashMap<Option<domain::OrgUnitId>, Vec<&OrgUnit>> = HashMap::new();
    for u in units {
        map.entry(u.parent_id).or_default().push(u);
    }
    for list in map.values_mut() {
        list.sort_by_key(|u| app::users::domain_sort_key(&u.name));
    }
    map
}

/// The tree as nested lists (built here rather than in a recursive template).
fn tree_html(units: &[OrgUnit], today: time::Date, show_closed: bool, lang: Lang) -> String {
    fn walk(
        out: &mut String,
        parent: Option<domain::OrgUnitId>,
        map: &HashMap<Option<domain::OrgUnitId>, Vec<&OrgUnit>>,
        today: time::Date,
        show_closed: bool,
        closed_label: &str,
    ) {
        let Some(children) = map.get(&parent) else { return };
        let visible: Vec<_> = children.iter().filter(|u| show_closed || !u.is_closed_on(today)).collect();
        if visible.is_empty() {
            return;
        }
        out.push_str("<ul>");
        for u in visible {
            out.push_str(&format!(
                "<li><a href=\"/org/units/{}\">{}</a> <span class=\"muted\">{}</span>",
                escape(&u.key),
                escape(&u.name),
                escape(&u.key)
            ));
            if u.is_closed_on(today) {
                out.push_str(&format!(" <span class=\"badge\">{}</span>", escape(closed_label)));
            }
            walk(out, Some(u.id), map, today, show_closed, closed_label);
            out.push_str("</li>");
        }
        out.push_str("</ul>");
    }
    let map = children_map(units);
    let mut out = String::new();
    walk(&mut out, None, &map, today, show_closed, &lang.t("unit-closed-badge"));
    out
}

#[derive(Template)]
#[template(path = "org.html")]
struct TreePage {
    layout: Layout,
    tree: String,
    show_closed: bool,
    can_create_root: bool,
    unit_count: usize,
}

#[derive(Deserialize)]
struct TreeQuery {
    closed: Option<String>,
}

async fn tree(State(state): State<AppState>, ctx: PageCtx, Query(q): Query<TreeQuery>) -> Response {
    let units = match state.app.org_tree(&ctx.actor).await {
        Ok(u) => u,
        Err(e) => return error_page_for(e, ctx.lang),
    };
    let show_closed = q.closed.as_deref() == Some("1");
    let page = TreePage {
        layout: Layout::new(&ctx, "org", ctx.lang.t("org-title")),
        tree: tree_html(&units, state.app.clock().today(), show_closed, ctx.lang),
        show_closed,
        can_create_root: ctx.actor.is_system_admin(),
        unit_count: units.len(),
    };
    render(&page, StatusCode::OK)
}

/// One row of the roles table.
struct RoleRow {
    id: String,
    user_id: String,
    user_name: String,
    role: String,
    module: String,
    source: String,
    can_revoke: bool,
}

struct Choice {
    value: String,
    label: String,
}

#[derive(Template)]
#[template(path = "unit.html")]
struct UnitPage {
    layout: Layout,
    view: UnitView,
    valid_from: String,
    valid_to: String,
    ancestors: Vec<(String, String)>,
    children: Vec<(String, String, bool)>,
    roles: Option<Vec<RoleRow>>,
    users: Vec<Choice>,
    role_choices: Vec<Choice>,
    modules: Vec<Choice>,
    move_targets: Vec<Choice>,
    today: String,
    /// Which form failed ("grant", "move", "close") and why.
    failed_form: &'static str,
    failure: Option<String>,
    errors: FieldErrors,
}

impl UnitPage {
    fn failed(&self, form: &str) -> bool {
        self.failure.is_some() && self.failed_form == form
    }
}

fn role_label(lang: Lang, role: Role) -> String {
    lang.t(&format!("role-{}", role.as_str()))
}

async fn module_choices(state: &AppState, lang: Lang) -> Vec<Choice> {
    let mut out = vec![Choice { value: "*".into(), label: lang.t("module-all") }];
    if let Ok(modules) = state.app.list_modules().await {
        out.extend(modules.into_iter().map(|m| Choice {
            label: if lang == Lang::En { m.name_en } else { m.name_sv },
            value: m.key,
        }));
    }
    out
}

async fn unit_page_response(
    state: &AppState,
    ctx: &PageCtx,
    key: &str,
    failed_form: &'static str,
    failure: Option<String>,
    errors: FieldErrors,
    notice: Option<&str>,
) -> Response {
    let lang = ctx.lang;
    let view = match state.app.unit_view(&ctx.actor, key).await {
        Ok(v) => v,
        Err(e) => return error_page_for(e, lang),
    };
    let today = state.app.clock().today();
    let modules = module_choices(state, lang).await;
    let module_names: HashMap<String, String> = modules.iter().map(|m| (m.value.clone(), m.label.clone())).collect();
    let roles = view.roles.as_ref().map(|roles| {
        roles
            .iter()
            .map(|a| RoleRow {
                id: a.id.to_string(),
                user_id: a.user_id.to_string(),
                user_name: a.user_name.clone(),
                role: role_label(lang, a.role),
                module: module_names.get(a.module.as_storage()).cloned().unwrap_or_else(|| a.module.as_storage().to_owned()),
                source: lang.t(&format!("source-{}", a.source.as_str())),
                can_revoke: view.can_grant && (a.role != Role::SystemAdmin || ctx.actor.is_system_admin()),
            })
            .collect()
    });
    let users = if view.can_grant {
        state
            .app
            .grantable_users(&ctx.actor)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|u| Choice { value: u.id.to_string(), label: format!("{} ({})", u.name, u.email) })
            .collect()
    } else {
        Vec::new()
    };
    let role_choices = Role::ALL
        .into_iter()
        .filter(|r| *r != Role::SystemAdmin || ctx.actor.is_system_admin())
        .map(|r| Choice { value: r.as_str().into(), label: role_label(lang, r) })
        .collect();
    let move_targets = if view.can_manage && view.unit.parent_id.is_some() {
        let all = state.app.org_tree(&ctx.actor).await.unwrap_or_default();
        let map = children_map(&all);
        let mut excluded = HashSet::new();
        let mut stack = vec![view.unit.id];
        while let Some(id) = stack.pop() {
            excluded.insert(id);
            stack.extend(map.get(&Some(id)).into_iter().flatten().map(|u| u.id));
        }
        let mut targets: Vec<_> = all
            .iter()
            .filter(|u| !excluded.contains(&u.id) && !u.is_closed_on(today) && Some(u.id) != view.unit.parent_id)
            .map(|u| Choice { value: u.key.clone(), label: format!("{} ({})", u.name, u.key) })
            .collect();
        targets.sort_by_key(|c| app::users::domain_sort_key(&c.label));
        targets
    } else {
        Vec::new()
    };
    let status = errors.status(failure.is_some());
    let page = UnitPage {
        layout: Layout::new(ctx, "org", view.unit.name.clone()).with_notice(notice),
        valid_from: format_date(view.unit.valid_from),
        valid_to: view.unit.valid_to.map(format_date).unwrap_or_default(),
        ancestors: view.ancestors.iter().map(|u| (u.key.clone(), u.name.clone())).collect(),
        children: view.children.iter().map(|u| (u.key.clone(), u.name.clone(), u.is_closed_on(today))).collect(),
        roles,
        users,
        role_choices,
        modules,
        move_targets,
        today: format_date(today),
        failed_form,
        failure,
        errors,
        view,
    };
    render(&page, status)
}

#[derive(Deserialize)]
struct NoticeQuery {
    notice: Option<String>,
}

async fn unit_page(State(state): State<AppState>, ctx: PageCtx, Path(key): Path<String>, Query(q): Query<NoticeQuery>) -> Response {
    unit_page_response(&state, &ctx, &key, "", None, FieldErrors::default(), q.notice.as_deref()).await
}

#[derive(Template)]
#[template(path = "unit_form.html")]
struct UnitForm {
    layout: Layout,
    /// None = create.
    editing: Option<String>,
    parent_key: String,
    parent_name: String,
    key: String,
    name: String,
    short_name: String,
    valid_from: String,
    manager: String,
    managers: Vec<Choice>,
    version: i64,
    failure: Option<String>,
    errors: FieldErrors,
}

#[derive(Deserialize)]
struct NewQuery {
    parent: Option<String>,
}

async fn manager_choices(state: &AppState, ctx: &PageCtx) -> Vec<Choice> {
    let mut out = vec![Choice { value: String::new(), label: ctx.lang.t("manager-none") }];
    out.extend(state.app.grantable_users(&ctx.actor).await.unwrap_or_default().into_iter().map(|u| Choice {
        label: format!("{} ({})", u.name, u.email),
        value: u.email,
    }));
    out
}

async fn new_form(State(state): State<AppState>, ctx: PageCtx, Query(q): Query<NewQuery>) -> Response {
    let (parent_key, parent_name) = match q.parent.as_deref().filter(|p| !p.is_empty()) {
        Some(key) => match state.app.unit_by_key(&ctx.actor, key).await {
            Ok(u) => (u.key, u.name),
            Err(e) => return error_page_for(e, ctx.lang),
        },
        None => (String::new(), String::new()),
    };
    let page = UnitForm {
        layout: Layout::new(&ctx, "org", ctx.lang.t("unit-new-title")),
        editing: None,
        parent_key,
        parent_name,
        key: String::new(),
        name: String::new(),
        short_name: String::new(),
        valid_from: format_date(state.app.clock().today()),
        manager: String::new(),
        managers: manager_choices(&state, &ctx).await,
        version: 0,
        failure: None,
        errors: FieldErrors::default(),
    };
    render(&page, StatusCode::OK)
}

#[derive(Deserialize)]
struct UnitFormData {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    key: String,
    #[serde(default)]
    name: String,
    short_name: Option<String>,
    parent: Option<String>,
    valid_from: Option<String>,
    manager: Option<String>,
    version: Option<i64>,
}

async fn create(State(state): State<AppState>, ctx: PageCtx, Form(form): Form<UnitFormData>) -> Response {
    if let Err(r) = ctx.verify_csrf(&form.csrf) {
        return r;
    }
    let input = NewUnit {
        key: form.key.clone(),
        name: form.name.clone(),
        short_name: form.short_name.clone(),
        parent: form.parent.clone(),
        valid_from: form.valid_from.clone(),
        manager: form.manager.clone(),
    };
    match state.app.create_unit(&ctx.actor, input).await {
        Ok(unit) => Redirect::to(&format!("/org/units/{}?notice=unit-created", crate::auth::urlencode(&unit.key))).into_response(),
        Err(e) => match form_failure(e, ctx.lang) {
            Ok((failure, errors)) => {
                let parent_key = form.parent.clone().unwrap_or_default();
                let parent_name = match state.app.unit_by_key(&ctx.actor, &parent_key).await {
                    Ok(p) => p.name,
                    Err(_) => String::new(),
                };
                let status = errors.status(true);
                let page = UnitForm {
                    layout: Layout::new(&ctx, "org", ctx.lang.t("unit-new-title")),
                    editing: None,
                    parent_key,
                    parent_name,
                    key: form.key,
                    name: form.name,
                    short_name: form.short_name.unwrap_or_default(),
                    valid_from: form.valid_from.unwrap_or_default(),
                    manager: form.manager.unwrap_or_default(),
                    managers: manager_choices(&state, &ctx).await,
                    version: 0,
                    failure: Some(failure),
                    errors,
                };
                render(&page, status)
            }
            Err(page) => page,
        },
    }
}

async fn edit_form(State(state): State<AppState>, ctx: PageCtx, Path(key): Path<String>) -> Response {
    let view = match state.app.unit_view(&ctx.actor, &key).await {
        Ok(v) if v.can_manage => v,
        Ok(_) => return error_page_for(app::AppError::Forbidden, ctx.lang),
        Err(e) => return error_page_for(e, ctx.lang),
    };
    let unit = view.unit;
    let page = UnitForm {
        layout: Layout::new(&ctx, "org", ctx.lang.t_args("unit-edit-title", &[("name", unit.name.clone())])),
        editing: Some(unit.key.clone()),
        parent_key: String::new(),
        parent_name: String::new(),
        key: unit.key.clone(),
        name: unit.name.clone(),
        short_name: unit.short_name.clone().unwrap_or_default(),
        valid_from: format_date(unit.valid_from),
        manager: view.manager.map(|m| m.email).unwrap_or_default(),
        managers: manager_choices(&state, &ctx).await,
        version: unit.version,
        failure: None,
        errors: FieldErrors::default(),
    };
    render(&page, StatusCode::OK)
}

async fn edit(State(state): State<AppState>, ctx: PageCtx, Path(key): Path<String>, Form(form): Form<UnitFormData>) -> Response {
    if let Err(r) = ctx.verify_csrf(&form.csrf) {
        return r;
    }
    let patch = UnitPatch {
        key: Some(form.key.clone()),
        name: Some(form.name.clone()),
        short_name: Some(form.short_name.clone()),
        manager: Some(form.manager.clone()),
        valid_from: form.valid_from.clone(),
        version: form.version,
        ..Default::default()
    };
    match state.app.update_unit(&ctx.actor, &key, patch).await {
        Ok(unit) => Redirect::to(&format!("/org/units/{}?notice=unit-saved", crate::auth::urlencode(&unit.key))).into_response(),
        Err(e) => match form_failure(e, ctx.lang) {
            Ok((failure, errors)) => {
                let status = errors.status(true);
                let page = UnitForm {
                    layout: Layout::new(&ctx, "org", ctx.lang.t_args("unit-edit-title", &[("name", form.name.clone())])),
                    editing: Some(key),
                    parent_key: String::new(),
                    parent_name: String::new(),
                    key: form.key,
                    name: form.name,
                    short_name: form.short_name.unwrap_or_default(),
                    valid_from: form.valid_from.unwrap_or_default(),
                    manager: form.manager.unwrap_or_default(),
                    managers: manager_choices(&state, &ctx).await,
                    version: form.version.unwrap_or_default(),
                    failure: Some(failure),
                    errors,
                };
                render(&page, status)
            }
            Err(page) => page,
        },
    }
}

#[derive(Deserialize)]
struct SmallForm {
    #[serde(default)]
    csrf: String,
    parent: Option<String>,
    valid_to: Option<String>,
    version: Option<i64>,
    user: Option<String>,
    role: Option<String>,
    module: Option<String>,
    back: Option<String>,
}

/// Runs a unit action and answers with a redirect, or the unit page showing what went wrong.
async fn unit_action(
    state: &AppState,
    ctx: &PageCtx,
    key: &str,
    form_name: &'static str,
    notice: &str,
    result: Result<(), app::AppError>,
) -> Response {
    match result {
        Ok(()) => Redirect::to(&format!("/org/units/{}?notice={notice}", crate::auth::urlencode(key))).into_response(),
        Err(e) => match form_failure(e, ctx.lang) {
            Ok((failure, errors)) => unit_page_response(state, ctx, key, form_name, Some(failure), errors, None).await,
            Err(page) => page,
        },
    }
}

async fn move_unit(State(state): State<AppState>, ctx: PageCtx, Path(key): Path<String>, Form(form): Form<SmallForm>) -> Response {
    if let Err(r) = ctx.verify_csrf(&form.csrf) {
        return r;
    }
    let patch = UnitPatch { parent: Some(form.parent.unwrap_or_default()), version: form.version, ..Default::default() };
    let result = state.app.update_unit(&ctx.actor, &key, patch).await.map(|_| ());
    unit_action(&state, &ctx, &key, "move", "unit-moved", result).await
}

async fn close(State(state): State<AppState>, ctx: PageCtx, Path(key): Path<String>, Form(form): Form<SmallForm>) -> Response {
    if let Err(r) = ctx.verify_csrf(&form.csrf) {
        return r;
    }
    let valid_to = form.valid_to.filter(|v| !v.trim().is_empty());
    let result = match valid_to {
        Some(to) => state
            .app
            .update_unit(&ctx.actor, &key, UnitPatch { valid_to: Some(Some(to)), version: form.version, ..Default::default() })
            .await
            .map(|_| ()),
        None => Err(app::AppError::Validation(vec![domain::ValidationError::new(
            "valid_to",
            domain::validate::ValidationCode::Required,
        )])),
    };
    unit_action(&state, &ctx, &key, "close", "unit-closed", result).await
}

async fn reopen(State(state): State<AppState>, ctx: PageCtx, Path(key): Path<String>, Form(form): Form<SmallForm>) -> Response {
    if let Err(r) = ctx.verify_csrf(&form.csrf) {
        return r;
    }
    let patch = UnitPatch { valid_to: Some(None), version: form.version, ..Default::default() };
    let result = state.app.update_unit(&ctx.actor, &key, patch).await.map(|_| ());
    unit_action(&state, &ctx, &key, "close", "unit-reopened", result).await
}

async fn grant(State(state): State<AppState>, ctx: PageCtx, Path(key): Path<String>, Form(form): Form<SmallForm>) -> Response {
    if let Err(r) = ctx.verify_csrf(&form.csrf) {
        return r;
    }
    let input = NewGrant {
        user: form.user.unwrap_or_default(),
        role: form.role.unwrap_or_default(),
        unit: key.clone(),
        module: form.module,
    };
    let result = state.app.grant_role(&ctx.actor, input).await.map(|_| ());
    unit_action(&state, &ctx, &key, "grant", "role-granted", result).await
}

async fn revoke(State(state): State<AppState>, ctx: PageCtx, Path(id): Path<String>, Form(form): Form<SmallForm>) -> Response {
    if let Err(r) = ctx.verify_csrf(&form.csrf) {
        return r;
    }
    let Ok(id) = id.parse::<domain::AssignmentId>() else {
        return error_page_for(app::AppError::NotFound, ctx.lang);
    };
    match state.app.revoke_role(&ctx.actor, id).await {
        Ok(revoked) => {
            let back = crate::auth::safe_next(form.back.as_deref());
            let target = if back == "/" { format!("/org/units/{}", crate::auth::urlencode(&revoked.unit_key)) } else { back };
            let sep = if target.contains('?') { '&' } else { '?' };
            Redirect::to(&format!("{target}{sep}notice=role-revoked")).into_response()
        }
        Err(e) => match form_failure(e, ctx.lang) {
            Ok((failure, _)) => crate::views::error_page(ctx.lang, StatusCode::CONFLICT, &failure),
            Err(page) => page,
        },
    }
}
