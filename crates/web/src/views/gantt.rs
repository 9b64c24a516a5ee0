//! `/units/{key}/gantt`: the unit's activities of a year on a time line. Each bar is an SVG
//! drawn with attributes (the content security policy allows no inline styles); the dates and
//! status are in the table's own columns, so nothing is said by the picture alone.

use super::layout::{Layout, render};
use super::error_page_for;
use super::plan::{level_name, status_label};
use crate::AppState;
use crate::auth::PageCtx;
use crate::i18n::Lang;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use domain::governance::ObjectKind;
use serde::Deserialize;
use time::Date;

pub fn router() -> Router<AppState> {
    Router::new().route("/units/{key}/gantt", get(gantt_page))
}

/// Width of the time line in SVG units (the SVG scales to its cell).
const WIDTH: f64 = 1200.0;

#[derive(Deserialize)]
struct GanttQuery {
    module: Option<String>,
    year: Option<i32>,
}

struct Bar {
    title: String,
    level: String,
    responsible: String,
    start: String,
    end: String,
    status_key: &'static str,
    status: String,
    /// x and width of the bar; None when the activity has no dates in the year.
    x: f64,
    width: f64,
    drawn: bool,
    continues_before: bool,
    continues_after: bool,
    follow_up_href: String,
}

#[derive(Template)]
#[template(path = "gantt.html")]
struct GanttPage {
    layout: Layout,
    unit_key: String,
    unit_name: String,
    module_key: String,
    module_name: String,
    year: i32,
    months: Vec<String>,
    /// x of each month's start, for the grid lines.
    month_lines: Vec<f64>,
    today_x: Option<f64>,
    bars: Vec<Bar>,
    plan_href: String,
}

fn x_of(day: Date, first: Date, days: f64) -> f64 {
    ((day - first).whole_days() as f64 / days * WIDTH).clamp(0.0, WIDTH)
}

async fn gantt_page(State(state): State<AppState>, ctx: PageCtx, Path(key): Path<String>, Query(q): Query<GanttQuery>) -> Response {
    let lang = ctx.lang;
    let today = state.app.clock().today();
    let year = q.year.filter(|y| (1900..=2200).contains(y)).unwrap_or(today.year());
    let module = q.module.unwrap_or_else(|| "vgpu".into());
    let view = match state.app.plan_view(&ctx.actor, &key, &module, Some(&year.to_string())).await {
        Ok(v) => v,
        Err(e) => return error_page_for(e, lang),
    };
    let first = Date::from_calendar_date(year, time::Month::January, 1).expect("valid");
    let next = Date::from_calendar_date(year + 1, time::Month::January, 1).expect("valid");
    let days = (next - first).whole_days() as f64;
    let bars = view
        .rows
        .iter()
        .filter(|r| r.record.object.kind == ObjectKind::Activity)
        .filter_map(|r| {
            let o = &r.record.object;
            let a = o.activity.as_ref()?;
            let status = r.status?;
            let (start, end) = (a.start.unwrap_or(first), a.end.unwrap_or(next.previous_day().expect("valid")));
            let drawn = (a.start.is_some() || a.end.is_some()) && start < next && end >= first;
            let x = x_of(start.max(first), first, days);
            let x_end = x_of(end.min(next.previous_day().expect("valid")).next_day().unwrap_or(next), first, days);
            Some(Bar {
                title: o.title.clone(),
                level: level_name(&view.model, &o.level, lang),
                responsible: r.record.responsible_name.clone().or_else(|| a.responsible_text.clone()).unwrap_or_default(),
                start: a.start.map(|d| d.to_string()).unwrap_or_else(|| "–".into()),
                end: a.end.map(|d| d.to_string()).unwrap_or_else(|| "–".into()),
                status_key: status.as_str(),
                status: status_label(lang, status),
                x,
                width: (x_end - x).max(4.0),
                drawn,
                continues_before: start < first,
                continues_after: end >= next,
                follow_up_href: format!("/objects/{}/follow-up?unit={}", o.key, view.unit.key),
            })
        })
        .collect();
    let months = (1..=12u8)
        .map(|m| lang.t(&format!("month-short-{m}")))
        .collect();
    let month_lines = (1..=12u8)
        .map(|m| x_of(Date::from_calendar_date(year, time::Month::try_from(m).expect("1-12"), 1).expect("valid"), first, days))
        .collect();
    let name = |sv: &str, en: &str| if lang == Lang::En { en.to_owned() } else { sv.to_owned() };
    let page = GanttPage {
        layout: Layout::new(&ctx, "org", lang.t_args("gantt-title", &[("name", view.unit.name.clone()), ("year", year.to_string())])),
        unit_key: view.unit.key.clone(),
        unit_name: view.unit.name.clone(),
        module_key: view.module.key.clone(),
        module_name: name(&view.module.name_sv, &view.module.name_en),
        year,
        months,
        month_lines,
        today_x: (today.year() == year).then(|| x_of(today, first, days)),
        bars,
        plan_href: format!("/units/{}/plan?module={}&period={year}", view.unit.key, view.module.key),
    };
    render(&page, StatusCode::OK)
}
