//! Report templates for module owners: the list, a template's sections (add, move, remove), one
//! section's headings, instructions and live parts, and new templates as copies. Every change
//! is a form post that saves the whole template through `App::save_report_template`, so the
//! page and the API check the same things.

use super::error_page_for;
use super::layout::{Layout, render};
use crate::AppState;
use crate::auth::PageCtx;
use crate::i18n::Lang;
use app::AppError;
use app::report_templates::TemplateView;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::governance::GovernanceModel;
use domain::report::{Part, ReportTemplate, TemplateSection};
use domain::report_template_edit::{MODULE_PARTS, OTHER_PARTS, UNIT_TEXTS};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/report-templates", get(list_page).post(copy_template))
        .route("/report-templates/{key}", get(template_page).post(save_names))
        .route("/report-templates/{key}/sections", post(add_section))
        .route("/report-templates/{key}/sections/{section}", get(section_page).post(save_section))
        .route("/report-templates/{key}/sections/{section}/move", post(move_section))
        .route("/report-templates/{key}/sections/{section}/delete", post(delete_section))
}

/// A choice in a select.
struct Choice {
    value: String,
    label: String,
}

struct TemplateRow {
    key: String,
    name: String,
    kind: String,
    sections: usize,
    may_edit: bool,
}

#[derive(Template)]
#[template(path = "report_templates.html")]
struct ListPage {
    layout: Layout,
    templates: Vec<TemplateRow>,
    may_create: bool,
    sources: Vec<Choice>,
    failure: Option<String>,
    form: CopyForm,
}

#[derive(Default, Deserialize)]
struct CopyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    key: String,
    #[serde(default)]
    name_sv: String,
    #[serde(default)]
    name_en: String,
}

#[derive(Deserialize)]
struct NoticeQuery {
    notice: Option<String>,
}

fn name(lang: Lang, sv: &str, en: &str) -> String {
    if lang == Lang::En && !en.trim().is_empty() { en.to_owned() } else { sv.to_owned() }
}

/// What went wrong with a change, for the page: field problems (422) or the conflict's
/// message (409); other errors are pages of their own.
type Failure = (StatusCode, String);

fn failure_text(err: AppError, lang: Lang) -> Result<Failure, Response> {
    match err {
        AppError::Validation(problems) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            problems.iter().map(|p| crate::error::field_message(p, lang)).collect::<Vec<_>>().join(" "),
        )),
        AppError::Conflict(_) => Ok((StatusCode::CONFLICT, crate::error::ApiError::from_app(err, lang).body.message)),
        other => Err(error_page_for(other, lang)),
    }
}

async fn list_page(State(state): State<AppState>, ctx: PageCtx, Query(q): Query<NoticeQuery>) -> Response {
    list_response(&state, &ctx, q.notice.as_deref(), None, CopyForm::default()).await
}

async fn list_response(state: &AppState, ctx: &PageCtx, notice: Option<&str>, failure: Option<Failure>, form: CopyForm) -> Response {
    let lang = ctx.lang;
    let views = match state.app.report_template_views(&ctx.actor).await {
        Ok(v) => v,
        Err(e) => return error_page_for(e, lang),
    };
    let may_create = state.app.may_create_templates(&ctx.actor).await.unwrap_or(false);
    let (status, failure) = match failure {
        Some((status, text)) => (status, Some(text)),
        None => (StatusCode::OK, None),
    };
    let page = ListPage {
        layout: Layout::new(ctx, "modules", lang.t("templates-title")).with_notice(notice),
        sources: views
            .iter()
            .map(|v| Choice { value: v.stored.template.key.clone(), label: name(lang, &v.stored.template.name_sv, &v.stored.template.name_en) })
            .collect(),
        templates: views
            .iter()
            .map(|v| TemplateRow {
                key: v.stored.template.key.clone(),
                name: name(lang, &v.stored.template.name_sv, &v.stored.template.name_en),
                kind: lang.t(&format!("template-kind-{}", v.stored.template.kind.as_str())),
                sections: v.stored.template.sections.len(),
                may_edit: v.may_edit,
            })
            .collect(),
        may_create,
        failure,
        form,
    };
    render(&page, status)
}

async fn copy_template(State(state): State<AppState>, ctx: PageCtx, Form(form): Form<CopyForm>) -> Response {
    if let Err(r) = ctx.verify_csrf(&form.csrf) {
        return r;
    }
    match state.app.copy_report_template(&ctx.actor, &form.from, form.key.trim(), form.name_sv.trim(), form.name_en.trim()).await {
        Ok(stored) => Redirect::to(&format!("/report-templates/{}?notice=template-created", stored.template.key)).into_response(),
        Err(e) => match failure_text(e, ctx.lang) {
            Ok(failure) => list_response(&state, &ctx, None, Some(failure), form).await,
            Err(page) => page,
        },
    }
}

/// One section as the template page lists it.
struct SectionRow {
    key: String,
    number: String,
    level: u8,
    heading: String,
    writes: bool,
    units_may_add: bool,
    parts: Vec<String>,
    first: bool,
    last: bool,
    has_subsections: bool,
}

#[derive(Template)]
#[template(path = "report_template.html")]
struct TemplatePage {
    layout: Layout,
    key: String,
    name_sv: String,
    name_en: String,
    kind: String,
    version: i64,
    may_edit: bool,
    sections: Vec<SectionRow>,
    /// Where a new section may go: "first", or after a numbered section.
    positions: Vec<Choice>,
    failure: Option<String>,
}

/// The modules with their models: parts are offered from the models and named by the modules.
struct Modules {
    models: Vec<GovernanceModel>,
    names: Vec<(String, String)>,
}

impl Modules {
    async fn load(state: &AppState, ctx: &PageCtx) -> Modules {
        let views = state.app.modules(&ctx.actor).await.unwrap_or_default();
        Modules {
            names: views.iter().map(|v| (v.module.key.clone(), name(ctx.lang, &v.module.name_sv, &v.module.name_en))).collect(),
            models: views.into_iter().filter_map(|v| v.model).collect(),
        }
    }

    fn name_of(&self, module: &str) -> String {
        self.names.iter().find(|(key, _)| key == module).map(|(_, name)| name.clone()).unwrap_or_else(|| module.to_owned())
    }
}

/// "Indikatorer med utfall (Verksamhetsplan)", "Enheternas texter: Sammanfattning".
fn part_label(part: &Part, template: &ReportTemplate, modules: &Modules, lang: Lang) -> String {
    let label = lang.t(&format!("part-{}", part.type_name().replace('_', "-")));
    match part {
        Part::UnitTexts { section } => {
            let heading = template.sections.iter().find(|s| &s.key == section).map(|s| name(lang, &s.heading_sv, &s.heading_en));
            format!("{label}: {}", heading.unwrap_or_else(|| section.clone()))
        }
        _ => match part.module() {
            Some(module) => format!("{label} ({})", modules.name_of(module)),
            None => label,
        },
    }
}

async fn template_page(State(state): State<AppState>, ctx: PageCtx, Path(key): Path<String>, Query(q): Query<NoticeQuery>) -> Response {
    template_response(&state, &ctx, &key, q.notice.as_deref(), None).await
}

async fn template_response(state: &AppState, ctx: &PageCtx, key: &str, notice: Option<&str>, failure: Option<Failure>) -> Response {
    let lang = ctx.lang;
    let view = match state.app.report_template(&ctx.actor, key).await {
        Ok(v) => v,
        Err(e) => return error_page_for(e, lang),
    };
    let modules = Modules::load(state, ctx).await;
    let t = &view.stored.template;
    let numbers = t.numbers();
    let sections: Vec<SectionRow> = t
        .sections
        .iter()
        .enumerate()
        .map(|(i, s)| {
            SectionRow {
                key: s.key.clone(),
                number: numbers[i].clone(),
                level: s.level,
                heading: name(lang, &s.heading_sv, &s.heading_en),
                writes: s.text,
                units_may_add: s.units_may_add,
                parts: s.parts.iter().map(|p| part_label(p, t, &modules, lang)).collect(),
                first: !t.can_move_section(&s.key, true),
                last: !t.can_move_section(&s.key, false),
                has_subsections: t.sections.get(i + 1).is_some_and(|next| next.level > s.level),
            }
        })
        .collect();
    let mut positions = vec![Choice { value: String::new(), label: lang.t("template-position-first") }];
    positions.extend(sections.iter().map(|s| Choice { value: s.key.clone(), label: lang.t_args("template-position-after", &[("section", format!("{} {}", s.number, s.heading))]) }));
    let (status, failure) = match failure {
        Some((status, text)) => (status, Some(text)),
        None => (StatusCode::OK, None),
    };
    let page = TemplatePage {
        layout: Layout::new(ctx, "modules", lang.t_args("template-title", &[("name", name(lang, &t.name_sv, &t.name_en))])).with_notice(notice),
        key: t.key.clone(),
        name_sv: t.name_sv.clone(),
        name_en: t.name_en.clone(),
        kind: lang.t(&format!("template-kind-{}", t.kind.as_str())),
        version: view.stored.version,
        may_edit: view.may_edit,
        sections,
        positions,
        failure,
    };
    render(&page, status)
}

/// Saves a changed copy of the template as read at `version`; back to the template page with
/// `notice`, or the page again with what went wrong.
async fn save_changed(state: &AppState, ctx: &PageCtx, view: TemplateView, template: ReportTemplate, version: i64, back: &str) -> Response {
    let key = view.stored.template.key.clone();
    match state.app.save_report_template(&ctx.actor, &key, template, version).await {
        Ok(_) => Redirect::to(back).into_response(),
        Err(e) => match failure_text(e, ctx.lang) {
            Ok(failure) => template_response(state, ctx, &key, None, Some(failure)).await,
            Err(page) => page,
        },
    }
}

/// A form post to a template: its token checked, then the template if the actor may change it.
async fn posted_to_editable(state: &AppState, ctx: &PageCtx, key: &str, csrf: &str) -> Result<TemplateView, Response> {
    ctx.verify_csrf(csrf)?;
    editable(state, ctx, key).await
}

async fn editable(state: &AppState, ctx: &PageCtx, key: &str) -> Result<TemplateView, Response> {
    let view = state.app.report_template(&ctx.actor, key).await.map_err(|e| error_page_for(e, ctx.lang))?;
    if !view.may_edit {
        return Err(error_page_for(AppError::Forbidden, ctx.lang));
    }
    Ok(view)
}

#[derive(Deserialize)]
struct NamesForm {
    csrf: String,
    version: i64,
    #[serde(default)]
    name_sv: String,
    #[serde(default)]
    name_en: String,
}

async fn save_names(State(state): State<AppState>, ctx: PageCtx, Path(key): Path<String>, Form(form): Form<NamesForm>) -> Response {
    let view = match posted_to_editable(&state, &ctx, &key, &form.csrf).await {
        Ok(v) => v,
        Err(page) => return page,
    };
    let template = ReportTemplate { name_sv: form.name_sv.trim().to_owned(), name_en: form.name_en.trim().to_owned(), ..view.stored.template.clone() };
    save_changed(&state, &ctx, view, template, form.version, &format!("/report-templates/{key}?notice=template-saved")).await
}

#[derive(Deserialize)]
struct NewSectionForm {
    csrf: String,
    version: i64,
    #[serde(default)]
    after: String,
    #[serde(default)]
    level: u8,
    #[serde(default)]
    heading_sv: String,
    #[serde(default)]
    heading_en: String,
    #[serde(default)]
    instruction_sv: String,
    #[serde(default)]
    text: Option<String>,
}

fn non_blank(text: &str) -> Option<String> {
    Some(text.trim().to_owned()).filter(|t| !t.is_empty())
}

async fn add_section(State(state): State<AppState>, ctx: PageCtx, Path(key): Path<String>, Form(form): Form<NewSectionForm>) -> Response {
    let view = match posted_to_editable(&state, &ctx, &key, &form.csrf).await {
        Ok(v) => v,
        Err(page) => return page,
    };
    let mut template = view.stored.template.clone();
    let section = TemplateSection {
        key: template.new_section_key(&form.heading_sv),
        level: form.level,
        heading_sv: form.heading_sv.trim().to_owned(),
        heading_en: form.heading_en.trim().to_owned(),
        instruction_sv: non_blank(&form.instruction_sv),
        instruction_en: None,
        text: form.text.is_some(),
        parts: Vec::new(),
        units_may_add: false,
    };
    let new_key = section.key.clone();
    template.insert_section(Some(form.after.as_str()).filter(|a| !a.is_empty()), section);
    let back = format!("/report-templates/{key}/sections/{new_key}?notice=template-section-added");
    save_changed(&state, &ctx, view, template, form.version, &back).await
}

#[derive(Deserialize)]
struct MoveForm {
    csrf: String,
    version: i64,
    direction: String,
}

async fn move_section(State(state): State<AppState>, ctx: PageCtx, Path((key, section)): Path<(String, String)>, Form(form): Form<MoveForm>) -> Response {
    let view = match posted_to_editable(&state, &ctx, &key, &form.csrf).await {
        Ok(v) => v,
        Err(page) => return page,
    };
    let mut template = view.stored.template.clone();
    if !template.move_section(&section, form.direction == "up") {
        return template_response(&state, &ctx, &key, None, Some((StatusCode::CONFLICT, ctx.lang.t("template-cannot-move")))).await;
    }
    save_changed(&state, &ctx, view, template, form.version, &format!("/report-templates/{key}?notice=template-saved#s-{section}")).await
}

#[derive(Deserialize)]
struct VersionForm {
    csrf: String,
    version: i64,
}

async fn delete_section(State(state): State<AppState>, ctx: PageCtx, Path((key, section)): Path<(String, String)>, Form(form): Form<VersionForm>) -> Response {
    let view = match posted_to_editable(&state, &ctx, &key, &form.csrf).await {
        Ok(v) => v,
        Err(page) => return page,
    };
    let mut template = view.stored.template.clone();
    if template.remove_section(&section).is_empty() {
        return error_page_for(AppError::NotFound, ctx.lang);
    }
    save_changed(&state, &ctx, view, template, form.version, &format!("/report-templates/{key}?notice=template-section-removed")).await
}

struct PartRow {
    index: usize,
    label: String,
}

#[derive(Template)]
#[template(path = "report_template_section.html")]
struct SectionPage {
    layout: Layout,
    key: String,
    template_name: String,
    section_key: String,
    number: String,
    version: i64,
    level: u8,
    heading_sv: String,
    heading_en: String,
    instruction_sv: String,
    instruction_en: String,
    writes: bool,
    units_may_add: bool,
    parts: Vec<PartRow>,
    module_parts: Vec<(String, Vec<Choice>)>,
    other_parts: Vec<Choice>,
    failure: Option<String>,
}

/// The section form as typed, shown again when it could not be saved.
#[derive(Default)]
struct SectionForm {
    version: i64,
    level: u8,
    heading_sv: String,
    heading_en: String,
    instruction_sv: String,
    instruction_en: String,
    text: Option<String>,
    units_may_add: bool,
    /// `type@module`, `type`, or `unit_texts:section`; empty for none.
    new_part: String,
}

async fn section_page(State(state): State<AppState>, ctx: PageCtx, Path((key, section)): Path<(String, String)>, Query(q): Query<NoticeQuery>) -> Response {
    section_response(&state, &ctx, &key, &section, None, q.notice.as_deref(), None).await
}

async fn section_response(
    state: &AppState,
    ctx: &PageCtx,
    key: &str,
    section_key: &str,
    typed: Option<SectionForm>,
    notice: Option<&str>,
    failure: Option<Failure>,
) -> Response {
    let lang = ctx.lang;
    let view = match editable(state, ctx, key).await {
        Ok(v) => v,
        Err(page) => return page,
    };
    let t = &view.stored.template;
    let Some(index) = t.section_index(section_key) else { return error_page_for(AppError::NotFound, lang) };
    let section = &t.sections[index];
    let modules = Modules::load(state, ctx).await;
    let module_parts = modules
        .models
        .iter()
        .map(|m| {
            let choices = MODULE_PARTS
                .iter()
                .filter(|p| Part::from_model(p, m, "new_part").is_ok())
                // Named with the module as on the template page: the same part is offered for
                // several modules, and an option's label should say which on its own.
                .map(|p| Choice {
                    value: format!("{p}@{}", m.module),
                    label: format!("{} ({})", lang.t(&format!("part-{}", p.replace('_', "-"))), modules.name_of(&m.module)),
                })
                .collect();
            (modules.name_of(&m.module), choices)
        })
        .collect();
    let mut other_parts: Vec<Choice> =
        OTHER_PARTS.iter().map(|p| Choice { value: (*p).to_owned(), label: lang.t(&format!("part-{}", p.replace('_', "-"))) }).collect();
    other_parts.extend(t.sections.iter().filter(|s| s.text).map(|s| Choice {
        value: format!("{UNIT_TEXTS}:{}", s.key),
        label: format!("{}: {}", lang.t("part-unit-texts"), name(lang, &s.heading_sv, &s.heading_en)),
    }));
    let typed = typed.unwrap_or_else(|| SectionForm {
        version: view.stored.version,
        level: section.level,
        heading_sv: section.heading_sv.clone(),
        heading_en: section.heading_en.clone(),
        instruction_sv: section.instruction_sv.clone().unwrap_or_default(),
        instruction_en: section.instruction_en.clone().unwrap_or_default(),
        text: section.text.then(String::new),
        units_may_add: section.units_may_add,
        ..SectionForm::default()
    });
    let number = t.numbers()[index].clone();
    let heading = name(lang, &section.heading_sv, &section.heading_en);
    let (status, failure) = match failure {
        Some((status, text)) => (status, Some(text)),
        None => (StatusCode::OK, None),
    };
    let page = SectionPage {
        layout: Layout::new(ctx, "modules", lang.t_args("template-section-title", &[("section", format!("{number} {heading}"))])).with_notice(notice),
        key: t.key.clone(),
        template_name: name(lang, &t.name_sv, &t.name_en),
        section_key: section.key.clone(),
        number,
        version: typed.version,
        level: typed.level,
        heading_sv: typed.heading_sv,
        heading_en: typed.heading_en,
        instruction_sv: typed.instruction_sv,
        instruction_en: typed.instruction_en,
        writes: typed.text.is_some(),
        units_may_add: typed.units_may_add,
        parts: section.parts.iter().enumerate().map(|(index, p)| PartRow { index, label: part_label(p, t, &modules, lang) }).collect(),
        module_parts,
        other_parts,
        failure,
    };
    render(&page, status)
}

/// The part chosen in the form's "add a live part" list.
fn chosen_part(choice: &str, models: &[GovernanceModel]) -> Result<Option<Part>, domain::ValidationError> {
    let choice = choice.trim();
    if choice.is_empty() {
        return Ok(None);
    }
    if let Some((type_name, module)) = choice.split_once('@') {
        let model = models
            .iter()
            .find(|m| m.module == module)
            .ok_or_else(|| domain::ValidationError::new("new_part", domain::validate::ValidationCode::InvalidChoice))?;
        return Part::from_model(type_name, model, "new_part").map(Some);
    }
    match choice.split_once(':') {
        Some((type_name, section)) => Part::without_module(type_name, Some(section), "new_part").map(Some),
        None => Part::without_module(choice, None, "new_part").map(Some),
    }
}

async fn save_section(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((key, section_key)): Path<(String, String)>,
    Form(raw): Form<Vec<(String, String)>>,
) -> Response {
    let field = |name: &str| raw.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    let view = match posted_to_editable(&state, &ctx, &key, &field("csrf")).await {
        Ok(v) => v,
        Err(page) => return page,
    };
    let form = SectionForm {
        version: field("version").parse().unwrap_or(-1),
        level: field("level").parse().unwrap_or(0),
        heading_sv: field("heading_sv"),
        heading_en: field("heading_en"),
        instruction_sv: field("instruction_sv"),
        instruction_en: field("instruction_en"),
        text: raw.iter().any(|(k, _)| k == "text").then(String::new),
        units_may_add: raw.iter().any(|(k, _)| k == "units_may_add"),
        new_part: field("new_part"),
    };
    let mut template = view.stored.template.clone();
    let Some(index) = template.section_index(&section_key) else { return error_page_for(AppError::NotFound, ctx.lang) };
    let modules = Modules::load(&state, &ctx).await;
    let new_part = match chosen_part(&form.new_part, &modules.models) {
        Ok(part) => part,
        Err(problem) => {
            let failure = failure_text(AppError::from(problem), ctx.lang).ok();
            return section_response(&state, &ctx, &key, &section_key, Some(form), None, failure).await;
        }
    };
    let removed: Vec<usize> = raw.iter().filter(|(k, _)| k == "remove_part").filter_map(|(_, v)| v.parse().ok()).collect();
    let section = &mut template.sections[index];
    section.level = form.level;
    section.heading_sv = form.heading_sv.trim().to_owned();
    section.heading_en = form.heading_en.trim().to_owned();
    section.instruction_sv = non_blank(&form.instruction_sv);
    section.instruction_en = non_blank(&form.instruction_en);
    section.text = form.text.is_some();
    section.units_may_add = form.units_may_add;
    section.parts = std::mem::take(&mut section.parts).into_iter().enumerate().filter(|(i, _)| !removed.contains(i)).map(|(_, p)| p).collect();
    section.parts.extend(new_part);
    match state.app.save_report_template(&ctx.actor, &key, template, form.version).await {
        Ok(_) => Redirect::to(&format!("/report-templates/{key}/sections/{section_key}?notice=template-saved")).into_response(),
        // Someone else saved the template meanwhile: show what is saved now, to change again.
        Err(AppError::Conflict(app::error::ConflictKind::Stale)) => {
            section_response(&state, &ctx, &key, &section_key, None, None, Some((StatusCode::CONFLICT, ctx.lang.t("template-stale")))).await
        }
        Err(e) => match failure_text(e, ctx.lang) {
            Ok(failure) => section_response(&state, &ctx, &key, &section_key, Some(form), None, Some(failure)).await,
            Err(page) => page,
        },
    }
}
