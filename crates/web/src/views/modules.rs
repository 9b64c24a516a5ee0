//! Modules and their governance models: everyone reads them; module owners change the levels.

use super::layout::{Layout, render};
use super::{FieldErrors, error_page_for, form_failure};
use crate::AppState;
use crate::auth::PageCtx;
use crate::i18n::Lang;
use app::governance::{ModelInput, ModuleView};
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use super::plan::{Shown, shown};
use domain::evaluation::{self, Assessment, Scale};
use domain::governance::{GovernanceModel, LevelInput, ObjectKind};
use domain::period::Periodicity;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new().route("/modules", get(modules_page)).route("/modules/{key}/model", get(edit_form).post(save))
}

/// Blank rows offered for new levels (forms work without JavaScript, so rows are fixed).
const BLANK_ROWS: usize = 3;
/// Blank rows offered for a scale's own assessment levels, up to the scale's maximum.
const BLANK_SCALE_ROWS: usize = 3;

struct LevelRow {
    name: String,
    key: String,
    kind: String,
    periodicity: String,
    parents: String,
}

struct ModuleSection {
    key: String,
    name: String,
    model_name: String,
    levels: Vec<LevelRow>,
    scale: Vec<Shown>,
    deadline_text: String,
    can_configure: bool,
}

#[derive(Template)]
#[template(path = "modules.html")]
struct ModulesPage {
    layout: Layout,
    modules: Vec<ModuleSection>,
}

fn kind_label(lang: Lang, kind: ObjectKind) -> String {
    lang.t(&format!("kind-{}", kind.as_str()))
}

fn periodicity_label(lang: Lang, p: Periodicity) -> String {
    lang.t(&format!("periodicity-{}", p.as_str()))
}

fn section(view: ModuleView, lang: Lang) -> ModuleSection {
    let name_of = |m: &GovernanceModel, key: &str| {
        m.levels
            .iter()
            .find(|l| l.key == key)
            .map(|l| if lang == Lang::En { l.name_en.clone() } else { l.name_sv.clone() })
            .unwrap_or_else(|| key.to_owned())
    };
    let (model_name, levels) = match &view.model {
        Some(m) => (
            if lang == Lang::En { m.name_en.clone() } else { m.name_sv.clone() },
            m.levels
                .iter()
                .map(|l| LevelRow {
                    name: if lang == Lang::En { l.name_en.clone() } else { l.name_sv.clone() },
                    key: l.key.clone(),
                    kind: kind_label(lang, l.kind),
                    periodicity: periodicity_label(lang, l.periodicity),
                    parents: l.parents.iter().map(|p| name_of(m, p)).collect::<Vec<_>>().join(", "),
                })
                .collect(),
        ),
        None => (String::new(), Vec::new()),
    };
    let scale = view
        .model
        .as_ref()
        .map(|m| m.scale.levels().iter().map(|l| shown(&m.scale, lang, &l.id)).collect())
        .unwrap_or_default();
    let deadline_text = view
        .model
        .as_ref()
        .map(|m| {
            lang.t_args(
                "model-deadlines-text",
                &[("n", m.deadlines.days_after_period_end.to_string()), ("per_level", m.deadlines.days_per_level.to_string())],
            )
        })
        .unwrap_or_default();
    ModuleSection {
        key: view.module.key,
        name: if lang == Lang::En { view.module.name_en } else { view.module.name_sv },
        model_name,
        levels,
        scale,
        deadline_text,
        can_configure: view.can_configure && view.model.is_some(),
    }
}

#[derive(Deserialize)]
struct NoticeQuery {
    notice: Option<String>,
}

async fn modules_page(State(state): State<AppState>, ctx: PageCtx, Query(q): Query<NoticeQuery>) -> Response {
    match state.app.modules(&ctx.actor).await {
        Ok(views) => {
            let page = ModulesPage {
                layout: Layout::new(&ctx, "modules", ctx.lang.t("modules-title")).with_notice(q.notice.as_deref()),
                modules: views.into_iter().map(|v| section(v, ctx.lang)).collect(),
            };
            render(&page, StatusCode::OK)
        }
        Err(e) => error_page_for(e, ctx.lang),
    }
}

/// The model's own fields in the form, as stored or as typed.
struct Head {
    name_sv: String,
    name_en: String,
    version: i64,
    deadline_days: String,
    deadline_days_per_level: String,
}

/// One editable row of the scale form; the four levels automatic evaluation yields keep their id.
struct ScaleRow {
    index: usize,
    id: String,
    fixed: bool,
    label_sv: String,
    label_en: String,
    colour: String,
    rank: String,
}

/// One editable row of the levels form.
struct EditRow {
    index: usize,
    key: String,
    name_sv: String,
    name_en: String,
    kind: String,
    periodicity: String,
    parents: String,
}

struct Choice {
    value: String,
    label: String,
}

#[derive(Template)]
#[template(path = "model_form.html")]
struct ModelForm {
    layout: Layout,
    module_key: String,
    module_name: String,
    name_sv: String,
    name_en: String,
    version: i64,
    deadline_days: String,
    deadline_days_per_level: String,
    rows: Vec<EditRow>,
    scale: Vec<ScaleRow>,
    kinds: Vec<Choice>,
    periodicities: Vec<Choice>,
    failure: Option<String>,
    errors: FieldErrors,
}

async fn find_module(state: &AppState, ctx: &PageCtx, key: &str) -> Result<(ModuleView, GovernanceModel), Response> {
    let views = state.app.modules(&ctx.actor).await.map_err(|e| error_page_for(e, ctx.lang))?;
    let view = views.into_iter().find(|v| v.module.key == key).ok_or_else(|| error_page_for(app::AppError::NotFound, ctx.lang))?;
    if !view.can_configure {
        return Err(error_page_for(app::AppError::Forbidden, ctx.lang));
    }
    let model = view.model.clone().ok_or_else(|| error_page_for(app::AppError::NotFound, ctx.lang))?;
    Ok((view, model))
}

fn form_page(
    ctx: &PageCtx,
    view: &ModuleView,
    (mut rows, mut scale): (Vec<EditRow>, Vec<ScaleRow>),
    head: Head,
    failure: Option<String>,
    errors: FieldErrors,
) -> Response {
    let start = scale.len();
    let blank = (Scale::MAX_LEVELS.saturating_sub(start)).min(BLANK_SCALE_ROWS);
    scale.extend((start..start + blank).map(|index| ScaleRow {
        index,
        id: String::new(),
        fixed: false,
        label_sv: String::new(),
        label_en: String::new(),
        colour: "#1565c0".into(),
        rank: String::new(),
    }));
    let lang = ctx.lang;
    let start = rows.len();
    rows.extend((start..start + BLANK_ROWS).map(|index| EditRow {
        index,
        key: String::new(),
        name_sv: String::new(),
        name_en: String::new(),
        kind: "text".into(),
        periodicity: "year".into(),
        parents: String::new(),
    }));
    let module_name = if lang == Lang::En { view.module.name_en.clone() } else { view.module.name_sv.clone() };
    let status = errors.status(failure.is_some());
    let page = ModelForm {
        layout: Layout::new(ctx, "modules", lang.t_args("model-edit-title", &[("module", module_name.clone())])),
        module_key: view.module.key.clone(),
        module_name,
        name_sv: head.name_sv,
        name_en: head.name_en,
        version: head.version,
        deadline_days: head.deadline_days,
        deadline_days_per_level: head.deadline_days_per_level,
        rows,
        scale,
        kinds: ObjectKind::ALL.into_iter().map(|k| Choice { value: k.as_str().into(), label: kind_label(lang, k) }).collect(),
        periodicities: Periodicity::ALL
            .into_iter()
            .map(|p| Choice { value: p.as_str().into(), label: periodicity_label(lang, p) })
            .collect(),
        failure,
        errors,
    };
    render(&page, status)
}

async fn edit_form(State(state): State<AppState>, ctx: PageCtx, Path(key): Path<String>) -> Response {
    let (view, model) = match find_module(&state, &ctx, &key).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let rows = model
        .levels
        .iter()
        .enumerate()
        .map(|(index, l)| EditRow {
            index,
            key: l.key.clone(),
            name_sv: l.name_sv.clone(),
            name_en: l.name_en.clone(),
            kind: l.kind.as_str().into(),
            periodicity: l.periodicity.as_str().into(),
            parents: l.parents.join(", "),
        })
        .collect();
    let scale = model
        .scale
        .levels()
        .iter()
        .enumerate()
        .map(|(index, l)| ScaleRow {
            index,
            id: l.id.clone(),
            fixed: is_automatic(&l.id),
            label_sv: l.label_sv.clone(),
            label_en: l.label_en.clone(),
            colour: l.colour.clone(),
            rank: l.rank.to_string(),
        })
        .collect();
    let head = Head {
        name_sv: model.name_sv.clone(),
        name_en: model.name_en.clone(),
        version: model.version,
        deadline_days: model.deadlines.days_after_period_end.to_string(),
        deadline_days_per_level: model.deadlines.days_per_level.to_string(),
    };
    form_page(&ctx, &view, (rows, scale), head, None, FieldErrors::default())
}

fn is_automatic(id: &str) -> bool {
    Assessment::ALL.iter().any(|a| a.as_str() == id)
}

/// The scale form posts `scale_id_0`, `scale_sv_0`, … per row; an extra row whose id and labels
/// are empty is dropped. A rank that is not a number is sent on as 0 with its row, so the
/// check names the row (two levels with rank 0 are refused).
fn scale_from(form: &[(String, String)]) -> Vec<ScaleRow> {
    let get = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    let mut rows = Vec::new();
    for index in 0..Scale::MAX_LEVELS + BLANK_SCALE_ROWS {
        if !form.iter().any(|(k, _)| k == &format!("scale_id_{index}")) {
            break;
        }
        let id = get(&format!("scale_id_{index}")).trim().to_owned();
        let row = ScaleRow {
            index: rows.len(),
            fixed: is_automatic(&id),
            id,
            label_sv: get(&format!("scale_sv_{index}")),
            label_en: get(&format!("scale_en_{index}")),
            colour: get(&format!("scale_colour_{index}")),
            rank: get(&format!("scale_rank_{index}")),
        };
        let blank = [&row.id, &row.label_sv, &row.label_en].iter().all(|v| v.trim().is_empty());
        if !blank {
            rows.push(row);
        }
    }
    rows
}

/// The levels form posts `key_0`, `name_sv_0`, … per row; a row left wholly empty is dropped.
fn rows_from(form: &[(String, String)]) -> Vec<EditRow> {
    let get = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    let mut rows = Vec::new();
    for index in 0..64 {
        if !form.iter().any(|(k, _)| k == &format!("key_{index}")) {
            break;
        }
        let row = EditRow {
            index: rows.len(),
            key: get(&format!("key_{index}")),
            name_sv: get(&format!("name_sv_{index}")),
            name_en: get(&format!("name_en_{index}")),
            kind: get(&format!("kind_{index}")),
            periodicity: get(&format!("periodicity_{index}")),
            parents: get(&format!("parents_{index}")),
        };
        let blank = [&row.key, &row.name_sv, &row.name_en, &row.parents].iter().all(|v| v.trim().is_empty());
        if !blank {
            rows.push(row);
        }
    }
    rows
}

async fn save(State(state): State<AppState>, ctx: PageCtx, Path(key): Path<String>, Form(form): Form<Vec<(String, String)>>) -> Response {
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    if let Err(r) = ctx.verify_csrf(&field("csrf")) {
        return r;
    }
    let (view, model) = match find_module(&state, &ctx, &key).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let rows = rows_from(&form);
    let scale = scale_from(&form);
    let input = ModelInput {
        name_sv: field("name_sv"),
        name_en: field("name_en"),
        levels: rows
            .iter()
            .map(|r| LevelInput {
                key: r.key.clone(),
                name_sv: r.name_sv.clone(),
                name_en: r.name_en.clone(),
                kind: r.kind.clone(),
                periodicity: r.periodicity.clone(),
                parents: r.parents.split(',').map(|p| p.trim().to_owned()).filter(|p| !p.is_empty()).collect(),
            })
            .collect(),
        scale: Some(
            scale
                .iter()
                .map(|r| evaluation::Level {
                    id: r.id.clone(),
                    label_sv: r.label_sv.clone(),
                    label_en: r.label_en.clone(),
                    colour: r.colour.clone(),
                    rank: r.rank.trim().parse().unwrap_or(0),
                })
                .collect(),
        ),
        deadlines: Some((field("deadline_days"), field("deadline_days_per_level"))),
        version: field("version").parse().ok(),
    };
    match state.app.update_governance_model(&ctx.actor, model.id, input).await {
        Ok(_) => Redirect::to("/modules?notice=model-saved").into_response(),
        Err(e) => match form_failure(e, ctx.lang) {
            Ok((failure, errors)) => {
                let head = Head {
                    name_sv: field("name_sv"),
                    name_en: field("name_en"),
                    version: field("version").parse().unwrap_or(model.version),
                    deadline_days: field("deadline_days"),
                    deadline_days_per_level: field("deadline_days_per_level"),
                };
                form_page(&ctx, &view, (rows, scale), head, Some(failure), errors)
            }
            Err(page) => page,
        },
    }
}
