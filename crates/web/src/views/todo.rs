//! `/todo`: what the signed-in person must report, by when, across all their units.

use super::layout::{Layout, render};
use super::error_page_for;
use super::plan::period_label;
use crate::AppState;
use crate::auth::PageCtx;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;

pub fn router() -> Router<AppState> {
    Router::new().route("/todo", get(todo_page))
}

struct Item {
    deadline: String,
    overdue: bool,
    unit: String,
    unit_key: String,
    title: String,
    period: String,
    href: String,
}

/// A report the person writes or approves.
struct ReportItem {
    id: String,
    title: String,
    unit: String,
    deadline: String,
    overdue: bool,
    task: String,
}

#[derive(Template)]
#[template(path = "todo.html")]
struct TodoPage {
    layout: Layout,
    reports: Vec<ReportItem>,
    items: Vec<Item>,
    overdue_text: Option<String>,
    capped: bool,
}

async fn todo_page(State(state): State<AppState>, ctx: PageCtx) -> Response {
    let lang = ctx.lang;
    let items = match state.app.todo(&ctx.actor).await {
        Ok(items) => items,
        Err(e) => return error_page_for(e, lang),
    };
    let tasks = match state.app.report_tasks(&ctx.actor).await {
        Ok(tasks) => tasks,
        Err(e) => return error_page_for(e, lang),
    };
    let today = state.app.today();
    let reports = tasks
        .into_iter()
        .map(|t| ReportItem {
            overdue: t.deadline < today,
            task: match t.task {
                domain::reminder::Task::Write { ready, sections } => {
                    lang.t_args("todo-task-write", &[("ready", ready.to_string()), ("sections", sections.to_string())])
                }
                domain::reminder::Task::Approve => lang.t("todo-task-approve"),
            },
            id: t.report_id,
            title: t.title,
            unit: t.unit_name,
            deadline: t.deadline.to_string(),
        })
        .collect();
    let capped = items.len() >= app::todo::MAX_ITEMS;
    let items: Vec<Item> = items
        .iter()
        .map(|i| Item {
            deadline: i.deadline.to_string(),
            overdue: i.overdue,
            unit: i.unit.name.clone(),
            unit_key: i.unit.key.clone(),
            title: i.object.title.clone(),
            period: period_label(lang, i.period),
            href: format!("/objects/{}/follow-up?period={}", i.object.key, i.period),
        })
        .collect();
    let overdue = items.iter().filter(|i| i.overdue).count();
    let overdue_text = (overdue > 0).then(|| lang.t_args("todo-overdue-count", &[("n", overdue.to_string())]));
    let page = TodoPage { layout: Layout::new(&ctx, "todo", lang.t("todo-title")), reports, items, overdue_text, capped };
    render(&page, StatusCode::OK)
}
