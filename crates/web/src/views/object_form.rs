//! Creating, changing and removing plan objects. One form whose fields follow the level's kind
//! (text, measure, activity); without a level it first asks for one (no JavaScript needed).

use super::layout::{Layout, render};
use super::plan::{Choice, level_name, number};
use super::{FieldErrors, error_page_for, form_failure};
use crate::AppState;
use crate::auth::{PageCtx, urlencode};
use crate::i18n::Lang;
use app::AppError;
use app::plan::{NewObject, ObjectChange, ObjectRecord, ObjectRefs};
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use domain::budget_source::{BudgetFigure, BudgetSourceInput};
use domain::consolidation::{Formula, MissingPolicy};
use domain::evaluation::ManualStatus;
use domain::governance::{GovernanceModel, Level, ObjectKind};
use domain::plan::{IssuedBy, ObjectInput, PeriodValueInput, Priority, Reach};
use domain::validate::format_date;
use serde::Deserialize;
use std::collections::HashMap;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/objects/new", get(new_form).post(create))
        .route("/objects/{key}/edit", get(edit_form).post(edit))
        .route("/objects/{key}/delete", get(delete_form).post(delete))
}

/// Blank target rows offered below the filled ones (rows are fixed without JavaScript).
const BLANK_TARGETS: usize = 3;

/// The text fields of the form, by the names `ObjectInput` and the validation messages use.
const TEXT_FIELDS: &[&str] = &[
    "title",
    "description",
    "issued_by",
    "decision_date",
    "decision_paragraph",
    "case_number",
    "due",
    "measure_unit",
    "decimals",
    "formula",
    "missing_policy",
    "baseline_period",
    "baseline_value",
    "start",
    "end",
    "responsible_text",
    "responsible_user",
    "manual_status",
    "progress",
    "priority",
    "reach",
    "parent",
    "links",
    "key",
    "budget_figure",
    "budget_category",
];

struct TargetRow {
    index: usize,
    period: String,
    value: String,
    period_error: Option<String>,
    value_error: Option<String>,
    /// "Målvärde 1".
    label: String,
}

impl TargetRow {
    fn new(index: usize, period: String, value: String) -> Self {
        Self {
            index,
            period,
            value,
            period_error: None,
            value_error: None,
            label: String::new(),
        }
    }
}

#[derive(Template)]
#[template(path = "object_form.html")]
struct ObjectForm {
    layout: Layout,
    /// The object's key when changing it; None when creating.
    editing: Option<String>,
    unit_key: String,
    unit_name: String,
    module_key: String,
    module_name: String,
    /// Empty: the form asks for the level first.
    level_key: String,
    level_name: String,
    kind: &'static str,
    year: i32,
    period: String,
    version: i64,
    values: HashMap<String, String>,
    internal_assignment: bool,
    auto_copy: bool,
    higher_is_better: bool,
    reported: Vec<String>,
    targets: Vec<TargetRow>,
    level_choices: Vec<Choice>,
    parents: Vec<Choice>,
    issuers: Vec<Choice>,
    formulas: Vec<Choice>,
    missing_policies: Vec<Choice>,
    manual_statuses: Vec<Choice>,
    priorities: Vec<Choice>,
    reaches: Vec<Choice>,
    reported_choices: Vec<Choice>,
    /// "Värden hämtas från budgeten": typed by hand, or one of the budget's figures.
    budget_figures: Vec<Choice>,
    /// The row of the unit's budget the figure is read from: the result or a category.
    budget_categories: Vec<Choice>,
    is_copy: bool,
    failure: Option<String>,
    errors: FieldErrors,
    /// (anchor id, message) for the error summary.
    summary: Vec<(String, String)>,
    back: String,
}

impl ObjectForm {
    fn v(&self, name: &str) -> &str {
        self.values.get(name).map(String::as_str).unwrap_or("")
    }

    fn err(&self, name: &str) -> Option<&str> {
        self.errors.get(name)
    }

    fn has_reported(&self, letter: &str) -> bool {
        self.reported.iter().any(|r| r == letter)
    }
}

/// The id of a field's control (`targets[0].value` → `f-targets-0-value`).
fn anchor(field: &str) -> String {
    let base = match field.split_once('[') {
        Some(("reported", _)) => return "f-reported-M".into(),
        Some(("links", _)) => return "f-links".into(),
        _ => field,
    };
    let cleaned: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("f-{}", cleaned.trim_end_matches('-').replace("--", "-"))
}

/// Like `form_failure`, but a few fields read better named for plan objects ("parent" is the
/// parent object here, not the parent unit) and list items of plain values are named by list.
#[allow(
    clippy::result_large_err,
    reason = "the error side is the page to answer with, returned at once"
)]
pub fn object_failure(err: AppError, lang: Lang) -> Result<(String, FieldErrors), Response> {
    match err {
        AppError::Validation(problems) => {
            let errors = problems
                .iter()
                .map(|p| {
                    let label = match p.field.split_once('[').map(|(l, _)| l).unwrap_or(&p.field) {
                        "parent" => Some(lang.t("field-parent-object")),
                        "reported" => Some(lang.t("field-reported")),
                        "links" => Some(lang.t("field-links")),
                        "budget_source" | "budget_source.figure" => {
                            Some(lang.t("field-budget-figure"))
                        }
                        "budget_source.category" => Some(lang.t("field-budget-category")),
                        _ => None,
                    };
                    let field = match p.field.split_once('[') {
                        Some((list @ ("reported" | "links"), _)) => list.to_owned(),
                        // The form's two controls for the API's `budget_source` object.
                        _ if p.field == "budget_source" || p.field == "budget_source.figure" => {
                            "budget_figure".to_owned()
                        }
                        _ if p.field == "budget_source.category" => "budget_category".to_owned(),
                        _ => p.field.clone(),
                    };
                    let message = match label {
                        Some(label) => lang.t_args(
                            &format!("validation-{}", p.code.as_str().replace('_', "-")),
                            &[("field", label)],
                        ),
                        None => crate::error::field_message(p, lang),
                    };
                    (field, message)
                })
                .collect();
            Ok((lang.t("form-has-errors"), FieldErrors(errors)))
        }
        AppError::Conflict(app::ConflictKind::Stale) => {
            Ok((lang.t("plan-conflict-stale"), FieldErrors::default()))
        }
        other => form_failure(other, lang),
    }
}

fn choices<T: Copy>(
    all: &[T],
    id: impl Fn(T) -> &'static str,
    label: impl Fn(T) -> String,
    none: Option<String>,
) -> Vec<Choice> {
    let mut out: Vec<Choice> = none
        .into_iter()
        .map(|l| Choice {
            value: String::new(),
            label: l,
        })
        .collect();
    out.extend(all.iter().map(|v| Choice {
        value: id(*v).to_owned(),
        label: label(*v),
    }));
    out
}

struct Ctx<'a> {
    unit_key: String,
    unit_name: String,
    module_key: String,
    module_name: String,
    model: GovernanceModel,
    level: Option<&'a Level>,
    year: i32,
    period: String,
}

async fn model_of(
    state: &AppState,
    ctx: &PageCtx,
    module: &str,
) -> Result<(String, GovernanceModel), Response> {
    let views = state
        .app
        .modules(&ctx.actor)
        .await
        .map_err(|e| error_page_for(e, ctx.lang))?;
    let view = views
        .into_iter()
        .find(|v| v.module.key == module)
        .ok_or_else(|| error_page_for(AppError::NotFound, ctx.lang))?;
    let name = if ctx.lang == Lang::En {
        view.module.name_en
    } else {
        view.module.name_sv
    };
    let model = view
        .model
        .ok_or_else(|| error_page_for(AppError::NotFound, ctx.lang))?;
    Ok((name, model))
}

/// Objects the new or changed object may hang under: those of the allowed parent levels that
/// the unit's plan shows (its own and those visible from above), for the plan year.
async fn parent_choices(
    state: &AppState,
    ctx: &PageCtx,
    c: &Ctx<'_>,
    current: &str,
    own_key: Option<&str>,
) -> Vec<Choice> {
    let lang = ctx.lang;
    let mut out = vec![Choice {
        value: String::new(),
        label: lang.t("parent-none"),
    }];
    let Some(level) = c.level else { return out };
    if level.parents.is_empty() {
        return out;
    }
    if let Ok(view) = state
        .app
        .plan_view(
            &ctx.actor,
            &c.unit_key,
            &c.module_key,
            Some(&c.year.to_string()),
        )
        .await
    {
        for r in view.rows {
            let o = &r.record.object;
            if level.parents.contains(&o.level) && Some(o.key.as_str()) != own_key {
                out.push(Choice {
                    value: o.key.clone(),
                    label: format!(
                        "{}{}: {}",
                        "· ".repeat(r.depth),
                        level_name(&c.model, &o.level, lang),
                        o.title
                    ),
                });
            }
        }
    }
    if !current.is_empty() && !out.iter().any(|c| c.value == current) {
        out.push(Choice {
            value: current.to_owned(),
            label: current.to_owned(),
        });
    }
    out
}

#[allow(clippy::too_many_arguments)]
async fn form_page(
    state: &AppState,
    ctx: &PageCtx,
    c: Ctx<'_>,
    editing: Option<String>,
    version: i64,
    mut values: HashMap<String, String>,
    flags: (bool, bool, bool),
    reported: Vec<String>,
    mut targets: Vec<TargetRow>,
    is_copy: bool,
    failure: Option<(String, FieldErrors)>,
    status: StatusCode,
) -> Response {
    let lang = ctx.lang;
    let start = targets.len();
    targets.extend(
        (start..start + BLANK_TARGETS)
            .map(|index| TargetRow::new(index, String::new(), String::new())),
    );
    if c.level.is_some_and(|l| l.kind == ObjectKind::Measure)
        && values.get("decimals").is_none_or(|d| d.is_empty())
        && editing.is_none()
    {
        values.insert("decimals".into(), "0".into());
    }
    let parents = parent_choices(
        state,
        ctx,
        &c,
        values.get("parent").map(String::as_str).unwrap_or(""),
        editing.as_deref(),
    )
    .await;
    let measure = c.level.is_some_and(|l| l.kind == ObjectKind::Measure);
    let (budget_figures, budget_categories) = if measure {
        budget_choices(
            state,
            ctx,
            &c,
            values
                .get("budget_category")
                .map(String::as_str)
                .unwrap_or(""),
        )
        .await
    } else {
        (Vec::new(), Vec::new())
    };
    let (failure, errors) = match failure {
        Some((f, e)) => (Some(f), e),
        None => (None, FieldErrors::default()),
    };
    let summary = errors
        .0
        .iter()
        .map(|(f, m)| (anchor(f), m.clone()))
        .collect();
    for t in &mut targets {
        t.label = lang.t_args("field-targets-item", &[("n", (t.index + 1).to_string())]);
        t.period_error = errors
            .get(&format!("targets[{}].period", t.index))
            .map(str::to_owned);
        t.value_error = errors
            .get(&format!("targets[{}].value", t.index))
            .map(str::to_owned);
    }
    let (level_key, level_label, kind) = match c.level {
        Some(l) => (
            l.key.clone(),
            level_name(&c.model, &l.key, lang),
            l.kind.as_str(),
        ),
        None => (String::new(), String::new(), ""),
    };
    let title = match (&editing, c.level) {
        (Some(_), _) => lang.t_args(
            "object-edit-title",
            &[("name", values.get("title").cloned().unwrap_or_default())],
        ),
        (None, Some(_)) => lang.t_args("object-new-title", &[("name", level_label.clone())]),
        (None, None) => lang.t("plan-new-object"),
    };
    let back = format!(
        "/units/{}/plan?module={}&period={}",
        urlencode(&c.unit_key),
        urlencode(&c.module_key),
        urlencode(&c.period)
    );
    let page = ObjectForm {
        layout: Layout::new(ctx, "org", title),
        editing,
        level_choices: c
            .model
            .levels
            .iter()
            .map(|l| Choice {
                value: l.key.clone(),
                label: format!(
                    "{} – {}",
                    level_name(&c.model, &l.key, lang),
                    lang.t(&format!("kind-{}", l.kind.as_str()))
                ),
            })
            .collect(),
        unit_key: c.unit_key,
        unit_name: c.unit_name,
        module_key: c.module_key,
        module_name: c.module_name,
        level_key,
        level_name: level_label,
        kind,
        year: c.year,
        period: c.period,
        version,
        values,
        internal_assignment: flags.0,
        auto_copy: flags.1,
        higher_is_better: flags.2,
        reported,
        targets,
        parents,
        issuers: choices(
            IssuedBy::ALL,
            |i| i.as_str(),
            |i| lang.t(&format!("issuer-{}", i.as_str())),
            Some(lang.t("choice-none")),
        ),
        formulas: choices(
            Formula::ALL,
            |f| f.as_str(),
            |f| lang.t(&format!("formula-{}", f.as_str())),
            None,
        ),
        missing_policies: choices(
            MissingPolicy::ALL,
            |f| f.as_str(),
            |f| lang.t(&format!("missing-{}", f.as_str())),
            None,
        ),
        manual_statuses: choices(
            ManualStatus::ALL,
            |s| s.as_str(),
            |s| lang.t(&format!("activity-status-{}", s.as_str())),
            Some(lang.t("manual-status-none")),
        ),
        priorities: choices(
            Priority::ALL,
            |p| p.as_str(),
            |p| lang.t(&format!("priority-{}", p.as_str())),
            Some(lang.t("choice-none")),
        ),
        reaches: choices(
            Reach::ALL,
            |r| r.as_str(),
            |r| lang.t(&format!("reach-{}", r.as_str())),
            None,
        ),
        reported_choices: ["M", "D", "Å"]
            .iter()
            .map(|l| Choice {
                value: (*l).to_owned(),
                label: lang.t(&format!("reported-{}", reported_id(l))),
            })
            .collect(),
        budget_figures,
        budget_categories,
        is_copy,
        failure,
        errors,
        summary,
        back,
    };
    render(&page, status)
}

/// The choices of "Värden hämtas från budgeten": the figures, and the rows of the unit's budget
/// tree for the plan year (the result first, then the categories in the tree's order, indented
/// by depth). A stored code the tree no longer has is kept as a choice, so saving the form does
/// not silently change it (the app names it as a problem).
async fn budget_choices(
    state: &AppState,
    ctx: &PageCtx,
    c: &Ctx<'_>,
    current: &str,
) -> (Vec<Choice>, Vec<Choice>) {
    let lang = ctx.lang;
    let figures = choices(
        BudgetFigure::ALL,
        |f| f.as_str(),
        |f| lang.t(&format!("budget-figure-{}", f.as_str().replace('_', "-"))),
        Some(lang.t("budget-figure-none")),
    );
    let mut rows = vec![Choice {
        value: String::new(),
        label: lang.t("budget-row-result"),
    }];
    if let Ok(tree) = state
        .app
        .budget_categories(&ctx.actor, &c.unit_key, c.year)
        .await
    {
        rows.extend(tree.rows().map(|(category, depth)| Choice {
            value: category.code.clone(),
            label: format!(
                "{}{} {}",
                "· ".repeat(depth),
                category.code,
                if lang == Lang::En {
                    &category.name_en
                } else {
                    &category.name_sv
                }
            ),
        }));
    }
    if !current.is_empty() && !rows.iter().any(|r| r.value == current) {
        rows.push(Choice {
            value: current.to_owned(),
            label: current.to_owned(),
        });
    }
    (figures, rows)
}

fn reported_id(letter: &str) -> &'static str {
    match letter {
        "M" => "month",
        "D" => "tertial",
        _ => "year",
    }
}

#[derive(Deserialize, Default)]
struct NewQuery {
    unit: Option<String>,
    module: Option<String>,
    level: Option<String>,
    parent: Option<String>,
    period: Option<String>,
}

fn year_of(period: &str, fallback: i32) -> i32 {
    period
        .get(..4)
        .and_then(|y| y.parse().ok())
        .unwrap_or(fallback)
}

async fn new_form(
    State(state): State<AppState>,
    ctx: PageCtx,
    Query(q): Query<NewQuery>,
) -> Response {
    let unit = match state
        .app
        .unit_by_key(&ctx.actor, q.unit.as_deref().unwrap_or_default())
        .await
    {
        Ok(u) => u,
        Err(e) => return error_page_for(e, ctx.lang),
    };
    let module = q.module.clone().unwrap_or_default();
    let (module_name, model) = match model_of(&state, &ctx, &module).await {
        Ok(m) => m,
        Err(page) => return page,
    };
    let period = q
        .period
        .clone()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| state.app.clock().today().year().to_string());
    let level = model
        .levels
        .iter()
        .find(|l| Some(l.key.as_str()) == q.level.as_deref())
        .cloned();
    let c = Ctx {
        unit_key: unit.key,
        unit_name: unit.name,
        module_key: module,
        module_name,
        year: year_of(&period, state.app.clock().today().year()),
        period,
        level: level.as_ref(),
        model: model.clone(),
    };
    let mut values = HashMap::new();
    values.insert("parent".to_owned(), q.parent.clone().unwrap_or_default());
    values.insert("reach".to_owned(), "own".to_owned());
    form_page(
        &state,
        &ctx,
        c,
        None,
        0,
        values,
        (false, false, true),
        Vec::new(),
        Vec::new(),
        false,
        None,
        StatusCode::OK,
    )
    .await
}

/// What the form posted, as the page shows it again and as `ObjectInput`.
struct Posted {
    values: HashMap<String, String>,
    flags: (bool, bool, bool),
    reported: Vec<String>,
    targets: Vec<TargetRow>,
}

fn posted(form: &[(String, String)]) -> Posted {
    let get = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let mut values = HashMap::new();
    for name in TEXT_FIELDS {
        if let Some(v) = get(name) {
            values.insert((*name).to_owned(), v);
        }
    }
    let reported: Vec<String> = form
        .iter()
        .filter(|(k, _)| k == "reported")
        .map(|(_, v)| v.clone())
        .collect();
    let mut targets = Vec::new();
    for i in 0..domain::plan::MAX_TARGETS + BLANK_TARGETS + 8 {
        let (Some(period), Some(value)) = (
            get(&format!("target_period_{i}")),
            get(&format!("target_value_{i}")),
        ) else {
            break;
        };
        if period.trim().is_empty() && value.trim().is_empty() {
            continue;
        }
        targets.push(TargetRow::new(targets.len(), period, value));
    }
    let on = |name: &str| get(name).is_some_and(|v| !v.is_empty());
    Posted {
        flags: (
            on("internal_assignment"),
            on("auto_copy"),
            get("direction").as_deref() != Some("lower"),
        ),
        values,
        reported,
        targets,
    }
}

fn input_of(p: &Posted, kind: ObjectKind) -> (ObjectInput, ObjectRefs) {
    let opt = |name: &str| p.values.get(name).cloned();
    let text = kind == ObjectKind::Text;
    let measure = kind == ObjectKind::Measure;
    let activity = kind == ObjectKind::Activity;
    let when = |yes: bool, name: &str| if yes { opt(name) } else { None };
    let input = ObjectInput {
        title: opt("title").unwrap_or_default(),
        description: opt("description"),
        issued_by: when(text, "issued_by"),
        decision_date: when(text, "decision_date"),
        decision_paragraph: when(text, "decision_paragraph"),
        case_number: when(text, "case_number"),
        due: when(text, "due"),
        internal_assignment: text && p.flags.0,
        measure_unit: when(measure, "measure_unit"),
        decimals: when(measure, "decimals"),
        higher_is_better: measure.then_some(p.flags.2),
        reported: if measure {
            p.reported.clone()
        } else {
            Vec::new()
        },
        formula: when(measure, "formula"),
        missing_policy: when(measure, "missing_policy"),
        baseline_period: when(measure, "baseline_period"),
        baseline_value: when(measure, "baseline_value"),
        targets: if measure {
            p.targets
                .iter()
                .map(|t| PeriodValueInput {
                    period: t.period.clone(),
                    value: t.value.clone(),
                })
                .collect()
        } else {
            Vec::new()
        },
        budget_source: measure.then(|| BudgetSourceInput {
            figure: opt("budget_figure").unwrap_or_default(),
            category: opt("budget_category"),
        }),
        start: when(activity, "start"),
        end: when(activity, "end"),
        responsible_text: when(activity, "responsible_text"),
        manual_status: when(activity, "manual_status"),
        progress: when(activity, "progress"),
        priority: when(activity, "priority"),
        reach: opt("reach"),
        auto_copy: p.flags.1,
    };
    let refs = ObjectRefs {
        parent: opt("parent"),
        links: opt("links")
            .unwrap_or_default()
            .split([',', ' ', '\n'])
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
        responsible_user: when(activity, "responsible_user"),
    };
    (input, refs)
}

async fn create(
    State(state): State<AppState>,
    ctx: PageCtx,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    if let Err(r) = ctx.verify_csrf(&field("csrf")) {
        return r;
    }
    let unit = match state.app.unit_by_key(&ctx.actor, &field("unit")).await {
        Ok(u) => u,
        Err(e) => return error_page_for(e, ctx.lang),
    };
    let module = field("module");
    let (module_name, model) = match model_of(&state, &ctx, &module).await {
        Ok(m) => m,
        Err(page) => return page,
    };
    let Some(level) = model
        .levels
        .iter()
        .find(|l| l.key == field("level"))
        .cloned()
    else {
        return error_page_for(AppError::NotFound, ctx.lang);
    };
    let period = field("period");
    let year = field("year")
        .parse::<i32>()
        .unwrap_or_else(|_| state.app.clock().today().year());
    let p = posted(&form);
    let (fields, refs) = input_of(&p, level.kind);
    let input = NewObject {
        key: p.values.get("key").cloned(),
        module: module.clone(),
        level: level.key.clone(),
        unit: unit.key.clone(),
        year: i64::from(year),
        refs,
        fields,
        extra: None,
    };
    match state.app.create_object(&ctx.actor, input).await {
        Ok(record) => {
            let period = if period.is_empty() {
                record.object.year.to_string()
            } else {
                period
            };
            Redirect::to(&format!(
                "/units/{}/plan?module={}&period={}&notice=object-created",
                urlencode(&unit.key),
                urlencode(&module),
                urlencode(&period)
            ))
            .into_response()
        }
        Err(e) => match object_failure(e, ctx.lang) {
            Ok(failure) => {
                let status = failure.1.status(true);
                let c = Ctx {
                    unit_key: unit.key,
                    unit_name: unit.name,
                    module_key: module,
                    module_name,
                    year,
                    period,
                    level: Some(&level),
                    model: model.clone(),
                };
                form_page(
                    &state,
                    &ctx,
                    c,
                    None,
                    0,
                    p.values,
                    p.flags,
                    p.reported,
                    p.targets,
                    false,
                    Some(failure),
                    status,
                )
                .await
            }
            Err(page) => page,
        },
    }
}

/// The form's values of a stored object.
fn stored(record: &ObjectRecord, lang: Lang) -> Posted {
    let o = &record.object;
    let mut values = HashMap::new();
    let mut put = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            values.insert(k.to_owned(), v);
        }
    };
    put("title", Some(o.title.clone()));
    put("description", o.description.clone());
    put("issued_by", o.issued_by.map(|i| i.as_str().to_owned()));
    put("decision_date", o.decision.date.map(format_date));
    put("decision_paragraph", o.decision.paragraph.clone());
    put("case_number", o.decision.case_number.clone());
    put("due", o.due.map(format_date));
    put("reach", Some(o.reach.as_str().to_owned()));
    put("parent", record.parent_key.clone());
    put("links", Some(record.links.join(", ")));
    let mut reported = Vec::new();
    let mut targets = Vec::new();
    let mut higher = true;
    if let Some(m) = &o.measure {
        put("measure_unit", m.unit.clone());
        put("decimals", Some(m.decimals.to_string()));
        put("formula", Some(m.formula.as_str().to_owned()));
        put("missing_policy", Some(m.missing.as_str().to_owned()));
        put("baseline_period", m.baseline.map(|b| b.period.to_string()));
        put("baseline_value", m.baseline.map(|b| number(lang, b.value)));
        reported = m
            .reported
            .iter()
            .filter_map(|p| p.stratsys_letter())
            .map(str::to_owned)
            .collect();
        targets = m
            .targets
            .iter()
            .enumerate()
            .map(|(index, t)| TargetRow::new(index, t.period.to_string(), number(lang, t.value)))
            .collect();
        higher = m.higher_is_better;
        if let Some(b) = &m.budget_source {
            put("budget_figure", Some(b.figure.as_str().to_owned()));
            put("budget_category", b.category.clone());
        }
    }
    if let Some(a) = &o.activity {
        put("start", a.start.map(format_date));
        put("end", a.end.map(format_date));
        put("responsible_user", record.responsible_email.clone());
        put("responsible_text", a.responsible_text.clone());
        put(
            "manual_status",
            a.manual_status.map(|s| s.as_str().to_owned()),
        );
        put("progress", a.progress.map(|p| p.to_string()));
        put("priority", a.priority.map(|p| p.as_str().to_owned()));
    }
    Posted {
        values,
        flags: (o.internal_assignment, o.auto_copy, higher),
        reported,
        targets,
    }
}

async fn load(
    state: &AppState,
    ctx: &PageCtx,
    key: &str,
) -> Result<(ObjectRecord, String, GovernanceModel), Response> {
    let record = state
        .app
        .object(&ctx.actor, key)
        .await
        .map_err(|e| error_page_for(e, ctx.lang))?;
    let (module_name, model) = model_of(state, ctx, &record.object.module).await?;
    Ok((record, module_name, model))
}

#[derive(Deserialize, Default)]
struct EditQuery {
    period: Option<String>,
}

async fn edit_form(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(key): Path<String>,
    Query(q): Query<EditQuery>,
) -> Response {
    let (record, module_name, model) = match load(&state, &ctx, &key).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let level = model
        .levels
        .iter()
        .find(|l| l.key == record.object.level)
        .cloned();
    let p = stored(&record, ctx.lang);
    let c = Ctx {
        unit_key: record.unit_key.clone(),
        unit_name: record.unit_name.clone(),
        module_key: record.object.module.clone(),
        module_name,
        year: record.object.year,
        period: q
            .period
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| record.object.year.to_string()),
        level: level.as_ref(),
        model: model.clone(),
    };
    let o = &record.object;
    form_page(
        &state,
        &ctx,
        c,
        Some(o.key.clone()),
        o.version,
        p.values,
        p.flags,
        p.reported,
        p.targets,
        o.distributed_from.is_some(),
        None,
        StatusCode::OK,
    )
    .await
}

async fn edit(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(key): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    if let Err(r) = ctx.verify_csrf(&field("csrf")) {
        return r;
    }
    let (record, module_name, model) = match load(&state, &ctx, &key).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let o = &record.object;
    let version = field("version").parse::<i64>().ok();
    let p = posted(&form);
    let (fields, refs) = input_of(&p, o.kind);
    let period = field("period");
    let change = ObjectChange {
        refs,
        fields,
        extra: None,
        version,
    };
    match state.app.update_object(&ctx.actor, &o.key, change).await {
        Ok(saved) => {
            let period = if period.is_empty() {
                saved.object.year.to_string()
            } else {
                period
            };
            Redirect::to(&format!(
                "/units/{}/plan?module={}&period={}&notice=object-saved",
                urlencode(&saved.unit_key),
                urlencode(&saved.object.module),
                urlencode(&period)
            ))
            .into_response()
        }
        Err(e) => match object_failure(e, ctx.lang) {
            Ok(failure) => {
                let status = failure.1.status(true);
                let level = model.levels.iter().find(|l| l.key == o.level).cloned();
                let c = Ctx {
                    unit_key: record.unit_key.clone(),
                    unit_name: record.unit_name.clone(),
                    module_key: o.module.clone(),
                    module_name,
                    year: o.year,
                    period,
                    level: level.as_ref(),
                    model: model.clone(),
                };
                form_page(
                    &state,
                    &ctx,
                    c,
                    Some(o.key.clone()),
                    version.unwrap_or(o.version),
                    p.values,
                    p.flags,
                    p.reported,
                    p.targets,
                    o.distributed_from.is_some(),
                    Some(failure),
                    status,
                )
                .await
            }
            Err(page) => page,
        },
    }
}

#[derive(Template)]
#[template(path = "object_delete.html")]
struct DeletePage {
    layout: Layout,
    key: String,
    title: String,
    level: String,
    unit_name: String,
    version: i64,
    period: String,
    cancel: String,
    failure: Option<String>,
}

async fn delete_page(
    state: &AppState,
    ctx: &PageCtx,
    key: &str,
    period: Option<String>,
    failure: Option<String>,
) -> Response {
    let (record, _, model) = match load(state, ctx, key).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let o = &record.object;
    let period = period
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| o.year.to_string());
    let status = if failure.is_some() {
        StatusCode::CONFLICT
    } else {
        StatusCode::OK
    };
    let page = DeletePage {
        layout: Layout::new(
            ctx,
            "org",
            ctx.lang
                .t_args("object-delete-title", &[("name", o.title.clone())]),
        ),
        key: o.key.clone(),
        title: o.title.clone(),
        level: level_name(&model, &o.level, ctx.lang),
        unit_name: record.unit_name.clone(),
        version: o.version,
        cancel: format!(
            "/objects/{}/edit?period={}",
            urlencode(&o.key),
            urlencode(&period)
        ),
        period,
        failure,
    };
    render(&page, status)
}

async fn delete_form(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(key): Path<String>,
    Query(q): Query<EditQuery>,
) -> Response {
    delete_page(&state, &ctx, &key, q.period, None).await
}

#[derive(Deserialize)]
struct DeleteForm {
    #[serde(default)]
    csrf: String,
    version: Option<i64>,
    period: Option<String>,
}

async fn delete(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(key): Path<String>,
    Form(form): Form<DeleteForm>,
) -> Response {
    if let Err(r) = ctx.verify_csrf(&form.csrf) {
        return r;
    }
    let record = match state.app.object(&ctx.actor, &key).await {
        Ok(r) => r,
        Err(e) => return error_page_for(e, ctx.lang),
    };
    match state
        .app
        .delete_object(&ctx.actor, &key, form.version)
        .await
    {
        Ok(()) => {
            let period = form
                .period
                .filter(|p| !p.is_empty())
                .unwrap_or_else(|| record.object.year.to_string());
            Redirect::to(&format!(
                "/units/{}/plan?module={}&period={}&notice=object-deleted",
                urlencode(&record.unit_key),
                urlencode(&record.object.module),
                urlencode(&period)
            ))
            .into_response()
        }
        Err(e) => match object_failure(e, ctx.lang) {
            Ok((failure, _)) => delete_page(&state, &ctx, &key, form.period, Some(failure)).await,
            Err(page) => page,
        },
    }
}
