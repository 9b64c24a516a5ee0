//! The follow-up window of one object for one period: what the unit reports (outcome,
//! assessment, reason, comment), with earlier periods, the units below and their comments.

use super::layout::{Layout, render};
use super::object_form::object_failure;
use super::plan::{
    Shown, fixed, number, period_label, rollup_text, shown, status_label, with_unit,
};
use super::{FieldErrors, error_page_for};
use crate::AppState;
use crate::auth::{PageCtx, safe_next, urlencode};
use crate::i18n::{Lang, format_time};
use app::plan_view::FollowUpView;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use domain::evaluation::Scale;
use domain::governance::ObjectKind;
use domain::plan::{FollowUp, FollowUpInput};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new().route("/objects/{key}/follow-up", get(window).post(save))
}

/// One line of a table of reports (history, units below, comments).
struct Line {
    label: String,
    outcome: String,
    assessment: Shown,
    reason: String,
    comment: String,
}

/// A radio button of the assessment: a level of the module's scale, or "automatic" (no colour).
struct AssessmentChoice {
    value: String,
    label: String,
    colour: Option<String>,
}

struct PeriodLink {
    label: String,
    href: String,
    current: bool,
}

/// What the reporter typed, shown beside the stored values after a conflict.
struct Typed {
    outcome: String,
    assessment: String,
    reason: String,
    comment: String,
}

#[derive(Template)]
#[template(path = "follow_up.html")]
struct FollowUpPage {
    layout: Layout,
    key: String,
    title: String,
    description: String,
    level: String,
    kind: &'static str,
    unit_key: String,
    unit_name: String,
    /// "från Regionkontoret" when the object is owned above the reporting unit.
    owner_from: String,
    period: String,
    period_name: String,
    periods: Vec<PeriodLink>,
    back: String,
    facts: Vec<(String, String)>,
    assessment: Shown,
    status: Option<(&'static str, String)>,
    can_report: bool,
    takes_outcome: bool,
    /// Set when the outcome is read from the budget: "Hämtas från budgeten: prognos helår,
    /// resultat", shown with the value instead of a field to type it in.
    budget_note: Option<String>,
    /// The value shown, with its unit ("−5,7 mkr").
    value_text: String,
    measure_unit: String,
    outcome_hint: String,
    version: String,
    outcome: String,
    chosen: String,
    reason: String,
    comment: String,
    choices: Vec<AssessmentChoice>,
    history: Vec<Line>,
    sub_units: Vec<Line>,
    comments_below: Vec<Line>,
    updated: String,
    failure: Option<String>,
    errors: FieldErrors,
    typed: Option<Typed>,
    can_edit: bool,
    /// May give units below copies (an original, edited by the viewer).
    can_distribute: bool,
    chart: Option<super::chart::LineChart>,
}

#[derive(Deserialize, Default)]
struct WindowQuery {
    period: Option<String>,
    unit: Option<String>,
    back: Option<String>,
    notice: Option<String>,
}

/// Only plan pages are returned to.
fn back_of(back: Option<&str>, view: &FollowUpView) -> String {
    let back = safe_next(back);
    if back.starts_with("/units/") {
        back
    } else {
        format!(
            "/units/{}/plan?module={}&period={}",
            urlencode(&view.unit.key),
            urlencode(&view.record.object.module),
            urlencode(&view.period.to_string())
        )
    }
}

fn line(
    scale: &Scale,
    lang: Lang,
    label: String,
    f: Option<&FollowUp>,
    value: String,
    assessment: &str,
) -> Line {
    Line {
        label,
        outcome: value,
        assessment: shown(scale, lang, assessment),
        reason: f.and_then(|f| f.reason.clone()).unwrap_or_default(),
        comment: f.and_then(|f| f.comment.clone()).unwrap_or_default(),
    }
}

fn page_of(
    ctx: &PageCtx,
    view: FollowUpView,
    back: String,
    failure: Option<(String, FieldErrors)>,
    typed: Option<Typed>,
) -> FollowUpPage {
    let lang = ctx.lang;
    let o = &view.record.object;
    let unit_of_measure = o.measure.as_ref().and_then(|m| m.unit.clone());
    let u = unit_of_measure.as_deref();
    let dec = o.measure.as_ref().map_or(0, |m| m.decimals);
    let value_text = match (&view.consolidated, view.value) {
        (Some(c), _) => rollup_text(lang, c, u),
        (None, Some(v)) => with_unit(lang, fixed(v, dec), u),
        (None, None) => "–".to_owned(),
    };
    let mut facts = Vec::new();
    if o.kind == ObjectKind::Measure {
        facts.push((
            lang.t("col-target"),
            view.target
                .map(|t| with_unit(lang, fixed(t, dec), u))
                .unwrap_or_else(|| "–".into()),
        ));
        facts.push((lang.t("col-outcome"), value_text.clone()));
        facts.push((
            lang.t("follow-up-automatic"),
            shown(&view.scale, lang, view.automatic.as_str()).label,
        ));
        if let Some(b) = o.measure.as_ref().and_then(|m| m.baseline) {
            facts.push((
                lang.t("field-baseline-value"),
                format!(
                    "{} ({})",
                    with_unit(lang, b.value, u),
                    period_label(lang, b.period)
                ),
            ));
        }
    }
    if let Some(i) = o.issued_by {
        facts.push((
            lang.t("field-issued-by"),
            lang.t(&format!("issuer-{}", i.as_str())),
        ));
    }
    if let Some(a) = &o.activity {
        let dates = [a.start, a.end].map(|d| {
            d.map(domain::validate::format_date)
                .unwrap_or_else(|| "–".into())
        });
        facts.push((
            lang.t("follow-up-dates"),
            format!("{} – {}", dates[0], dates[1]),
        ));
        if let Some(r) = view
            .record
            .responsible_name
            .clone()
            .or(a.responsible_text.clone())
        {
            facts.push((lang.t("col-responsible"), r));
        }
        if let Some(p) = a.progress {
            facts.push((lang.t("field-progress"), format!("{p} %")));
        }
    }
    let here = |p: &domain::period::PeriodKey| {
        format!(
            "/objects/{}/follow-up?period={}&unit={}&back={}",
            urlencode(&o.key),
            urlencode(&p.to_string()),
            urlencode(&view.unit.key),
            urlencode(&back)
        )
    };
    let periods = view
        .periods
        .iter()
        .map(|p| PeriodLink {
            label: period_label(lang, *p),
            href: here(p),
            current: *p == view.period,
        })
        .collect();
    let mut choices = Vec::new();
    if o.kind == ObjectKind::Measure {
        let automatic = shown(&view.scale, lang, view.automatic.as_str()).label;
        choices.push(AssessmentChoice {
            value: "auto".into(),
            label: lang.t_args("follow-up-auto", &[("name", automatic)]),
            colour: None,
        });
    }
    choices.extend(view.scale.levels().iter().map(|l| {
        let s = shown(&view.scale, lang, &l.id);
        AssessmentChoice { value: s.id, label: s.label, colour: Some(s.colour) }
    }));
    let stored = view.follow_up.as_ref();
    let chosen = match stored.and_then(|f| f.assessment.as_ref()) {
        Some(a) => a.clone(),
        None if o.kind == ObjectKind::Measure => "auto".to_owned(),
        None => String::new(),
    };
    let decimals = o.measure.as_ref().map(|m| m.decimals).unwrap_or(0);
    let history = view
        .history
        .iter()
        .map(|f| {
            let value = f
                .outcome
                .map(|v| with_unit(lang, fixed(v, dec), u))
                .unwrap_or_default();
            line(&view.scale, lang, period_label(lang, f.period), Some(f), value, &f.effective_assessment(o, None))
        })
        .collect();
    let sub_units = view
        .sub_units
        .iter()
        .map(|s| {
            let value = match (&s.consolidated, s.value) {
                (Some(c), _) if c.expected > 1 => rollup_text(lang, c, u),
                (_, Some(v)) => with_unit(lang, v, u),
                _ => String::new(),
            };
            line(&view.scale, lang, s.unit.name.clone(), s.follow_up.as_ref(), value, &s.assessment)
        })
        .collect();
    let comments_below = view
        .comments_below
        .iter()
        .map(|(unit, f)| {
            line(&view.scale, lang, unit.name.clone(), Some(f), String::new(), &f.effective_assessment(o, None))
        })
        .collect();
    let (failure, errors) = match failure {
        Some((f, e)) => (Some(f), e),
        None => (None, FieldErrors::default()),
    };
    let budget_note = view
        .budget_source
        .as_ref()
        .filter(|_| o.outcome_from_budget(view.period) && view.unit.id == o.unit)
        .map(|note| {
            let figure = lang.t(&format!(
                "budget-figure-short-{}",
                note.source.figure.as_str().replace('_', "-")
            ));
            let row = if lang == Lang::En {
                note.category_en.clone()
            } else {
                note.category_sv.clone()
            };
            let row = row.unwrap_or_else(|| lang.t("budget-row-result-short"));
            lang.t_args("budget-source-note", &[("value", figure), ("name", row)])
        });
    let layout = Layout::new(ctx, "org", o.title.clone());
    FollowUpPage {
        layout,
        key: o.key.clone(),
        title: o.title.clone(),
        description: o.description.clone().unwrap_or_default(),
        level: if lang == Lang::En {
            view.level_name_en.clone()
        } else {
            view.level_name_sv.clone()
        },
        kind: o.kind.as_str(),
        unit_key: view.unit.key.clone(),
        unit_name: view.unit.name.clone(),
        owner_from: if view.record.object.unit == view.unit.id {
            String::new()
        } else {
            lang.t_args("plan-from", &[("name", view.record.unit_name.clone())])
        },
        period: view.period.to_string(),
        period_name: period_label(lang, view.period),
        periods,
        back,
        facts,
        assessment: shown(&view.scale, lang, &view.assessment),
        status: view.status.map(|s| (s.as_str(), status_label(lang, s))),
        can_report: view.can_report,
        takes_outcome: view.takes_outcome,
        budget_note,
        value_text,
        measure_unit: unit_of_measure.clone().unwrap_or_default(),
        outcome_hint: if decimals == 0 {
            lang.t("hint-outcome-whole")
        } else {
            lang.t_args("hint-outcome-decimals", &[("n", decimals.to_string())])
        },
        version: stored.map(|f| f.version.to_string()).unwrap_or_default(),
        outcome: stored
            .and_then(|f| f.outcome)
            .map(|v| number(lang, v))
            .unwrap_or_default(),
        chosen,
        reason: stored.and_then(|f| f.reason.clone()).unwrap_or_default(),
        comment: stored.and_then(|f| f.comment.clone()).unwrap_or_default(),
        choices,
        history,
        sub_units,
        comments_below,
        updated: stored
            .map(|f| format_time(f.updated_at))
            .unwrap_or_default(),
        failure,
        errors,
        typed,
        can_edit: view.can_edit,
        can_distribute: view.can_edit && view.record.object.distributed_from.is_none(),
        chart: super::chart::line_chart(lang, &o.title, &view.series, unit_of_measure.as_deref(), decimals),
    }
}

async fn window(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(key): Path<String>,
    Query(q): Query<WindowQuery>,
) -> Response {
    let view = match state
        .app
        .follow_up_view(&ctx.actor, &key, q.unit.as_deref(), q.period.as_deref())
        .await
    {
        Ok(v) => v,
        Err(e) => return error_page_for(e, ctx.lang),
    };
    let back = back_of(q.back.as_deref(), &view);
    let mut page = page_of(&ctx, view, back, None, None);
    page.layout = page.layout.with_notice(q.notice.as_deref());
    render(&page, StatusCode::OK)
}

#[derive(Deserialize)]
struct FollowUpForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    period: String,
    unit: Option<String>,
    version: Option<String>,
    back: Option<String>,
    outcome: Option<String>,
    assessment: Option<String>,
    reason: Option<String>,
    comment: Option<String>,
}

async fn save(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(key): Path<String>,
    Form(form): Form<FollowUpForm>,
) -> Response {
    if let Err(r) = ctx.verify_csrf(&form.csrf) {
        return r;
    }
    let version = form
        .version
        .as_deref()
        .and_then(|v| v.trim().parse::<i64>().ok());
    let input = FollowUpInput {
        outcome: form.outcome.clone(),
        assessment: form.assessment.clone(),
        reason: form.reason.clone(),
        comment: form.comment.clone(),
    };
    let unit = form.unit.as_deref().filter(|u| !u.is_empty());
    match state
        .app
        .save_follow_up(&ctx.actor, &key, unit, &form.period, input, version)
        .await
    {
        Ok(_) => {
            let back = safe_next(form.back.as_deref());
            let target = if back.starts_with("/units/") {
                back
            } else {
                format!(
                    "/objects/{}/follow-up?period={}&unit={}",
                    urlencode(&key),
                    urlencode(&form.period),
                    urlencode(unit.unwrap_or_default())
                )
            };
            let sep = if target.contains('?') { '&' } else { '?' };
            Redirect::to(&format!("{target}{sep}notice=follow-up-saved")).into_response()
        }
        Err(e) => {
            let stale = matches!(e, app::AppError::Conflict(app::ConflictKind::Stale));
            let failure = match object_failure(e, ctx.lang) {
                Ok(_) if stale => (ctx.lang.t("follow-up-conflict"), FieldErrors::default()),
                Ok(f) => f,
                Err(page) => return page,
            };
            let status = failure.1.status(true);
            let view = match state
                .app
                .follow_up_view(&ctx.actor, &key, unit, Some(&form.period))
                .await
            {
                Ok(v) => v,
                Err(e) => return error_page_for(e, ctx.lang),
            };
            let back = back_of(form.back.as_deref(), &view);
            let mut failure = failure;
            if view.budget_source.is_some() {
                // Say why, rather than "not for this kind of object".
                for (field, message) in &mut failure.1.0 {
                    if field == "outcome" {
                        *message = ctx.lang.t("budget-source-outcome-refused");
                    }
                }
            }
            let typed = Typed {
                outcome: form.outcome.clone().unwrap_or_default(),
                assessment: form.assessment.clone().unwrap_or_default(),
                reason: form.reason.clone().unwrap_or_default(),
                comment: form.comment.clone().unwrap_or_default(),
            };
            let scale = view.scale.clone();
            let mut page = page_of(&ctx, view, back, Some(failure), None);
            if stale {
                // The form shows what is stored now (with its version); what was typed is kept
                // beside it so nothing is lost.
                let label = |v: &str| {
                    if v.is_empty() || v == "auto" {
                        ctx.lang.t("follow-up-auto-short")
                    } else {
                        shown(&scale, ctx.lang, v).label
                    }
                };
                page.typed = Some(Typed {
                    assessment: label(&typed.assessment),
                    ..typed
                });
            } else {
                // Wrong input: the form keeps what was typed.
                page.outcome = typed.outcome;
                page.chosen = typed.assessment;
                page.reason = typed.reason;
                page.comment = typed.comment;
                page.version = form.version.unwrap_or_default();
            }
            render(&page, status)
        }
    }
}
