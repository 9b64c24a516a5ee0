//! `/units/{key}/budget/edit?year=2020`: the form a controller types the economy chapter into:
//! fullmäktige's frames and their phasing, the frame distribution per unit, the frame changes and
//! the detailed budget lines, in tkr. Every other section is saved as stored. Rows are fixed
//! without JavaScript: a few empty ones under the filled ones, "more rows" posts the form back
//! with more, and a "remove" box per row. A refused save shows the form again as typed, with an
//! error summary at the top and each message beside its cell.

use super::budget_decision::see_budget;
use super::budget_form::{
    BLANK_ROWS, BudgetForm, MORE_ROWS, PHASING_DAY_COUNT, PHASING_EVEN, PHASING_PROFILE, RowMap,
    Table, year_columns,
};
use super::layout::{Layout, render};
use super::plan::Choice;
use super::{FieldErrors, error_page_for, form_failure};
use crate::AppState;
use crate::auth::{PageCtx, urlencode};
use crate::error::field_label;
use crate::i18n::Lang;
use app::budget::{BudgetView, ChapterInput};
use app::{AppError, ConflictKind};
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use domain::OrgUnitId;
use domain::budget::{CategoryTree, EconomyChapter, PhasingRule, VersionState, default_categories};
use domain::validate::{ValidationCode, ValidationError};
use serde::Deserialize;
use std::collections::HashMap;

pub fn router() -> Router<AppState> {
    Router::new().route("/units/{key}/budget/edit", get(edit_form).post(save))
}

/// About as many characters as the reason box shows on one line at 1280 pixels.
const REASON_CHARS_PER_LINE: usize = 56;

#[derive(Deserialize)]
struct EditQuery {
    year: Option<i32>,
}

/// One input of a table: its name (a field path), id, value, hidden label and message.
struct Cell {
    name: String,
    id: String,
    value: String,
    label: String,
    error: Option<String>,
}

struct FrameRowView {
    number: usize,
    unit: Cell,
    previous: Cell,
    frame: Cell,
    remove: Cell,
    removed: bool,
}

struct ChangeRowView {
    number: usize,
    reason: Cell,
    /// Lines the reason needs to be read whole at the table's width.
    reason_rows: usize,
    amounts: Vec<Cell>,
    remove: Cell,
    removed: bool,
}

struct LineRowView {
    number: usize,
    unit: Cell,
    category: Cell,
    amount: Cell,
    source: Option<usize>,
    own_months: bool,
    remove: Cell,
    removed: bool,
}

/// The budget year's frame and each plan year's.
struct FrameYear {
    year: i32,
    cell: Cell,
}

#[derive(Template)]
#[template(path = "budget_edit.html")]
struct BudgetEditPage {
    layout: Layout,
    unit_key: String,
    unit_name: String,
    year: i32,
    lead: String,
    /// Where the form posts (and "more rows" comes back to).
    action: String,
    back: String,
    row_version: i64,
    /// A decided version: why it cannot be edited, and the form to revise it instead.
    decided: Option<String>,
    frame_years: Vec<FrameYear>,
    phasing: String,
    phasing_choices: Vec<Choice>,
    phasing_error: Option<String>,
    col_previous_frame: String,
    col_frame: String,
    col_line_amount: String,
    years: Vec<i32>,
    frame_rows: Vec<FrameRowView>,
    change_rows: Vec<ChangeRowView>,
    line_rows: Vec<LineRowView>,
    unit_choices: Vec<Choice>,
    category_choices: Vec<Choice>,
    failure: Option<String>,
    /// (anchor id, message) for the error summary.
    summary: Vec<(String, String)>,
    /// Someone else saved meanwhile: offer the saved version.
    stale: bool,
}

/// A refused save: the message at the top, and the messages by form field.
struct Failure {
    message: String,
    errors: FieldErrors,
    stale: bool,
}

/// The id of a field's input: `line_rows[2].amount_tkr` → `f-line_rows-2-amount_tkr`.
fn anchor(field: &str) -> String {
    format!(
        "f-{}",
        field.replace("].", "-").replace(['[', ']', '.'], "-")
    )
}

fn digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// A form field's name for people: "Budgetrad 3: Belopp (tkr)", "Ram 2021 (tkr)",
/// "Ramförändring, rad 2: Belopp 2021 (tkr)"; a path of the stored chapter as the API names it.
fn label(field: &str, lang: Lang) -> String {
    let year = |key: &str, y: &str| lang.t_args(key, &[("year", y.to_owned())]);
    if let Some(y) = field.strip_prefix("frame_").filter(|y| digits(y)) {
        return year("budget-edit-frame-year", y);
    }
    if let Some((row, column)) = field.rsplit_once('.')
        && let Some(y) = column.strip_prefix("amount_").filter(|y| digits(y))
    {
        return format!(
            "{}: {}",
            field_label(row, lang),
            year("budget-edit-amount-year", y)
        );
    }
    field_label(field, lang)
}

/// The sentence for a problem at a form field; amounts get sentences that show how to write one.
fn message(field: &str, code: ValidationCode, lang: Lang) -> String {
    let is_amount = field.ends_with("_tkr")
        || field.strip_prefix("frame_").is_some_and(digits)
        || field.contains(".amount_");
    let key = match code {
        ValidationCode::NotANumber
        | ValidationCode::InvalidCharacters
        | ValidationCode::TooManyDecimals
            if is_amount =>
        {
            format!("budget-edit-amount-{}", code.as_str().replace('_', "-"))
        }
        _ => format!("validation-{}", code.as_str().replace('_', "-")),
    };
    lang.t_args(&key, &[("field", label(field, lang))])
}

/// Problems at their form fields. `rows` traces the use case's paths to cells; without it the
/// problems already name form fields. A problem without a cell (a kept section) keeps its path.
fn field_errors(problems: &[ValidationError], rows: Option<&RowMap>, lang: Lang) -> FieldErrors {
    FieldErrors(
        problems
            .iter()
            .map(|p| {
                let field = match rows {
                    Some(map) => map.form_field(&p.field).unwrap_or_else(|| p.field.clone()),
                    None => p.field.clone(),
                };
                let text = message(&field, p.code, lang);
                (field, text)
            })
            .collect(),
    )
}

/// What a refused save says, or an error page for errors that are not about the form.
#[allow(
    clippy::result_large_err,
    reason = "the error side is the page to answer with, returned at once"
)]
fn save_failure(err: AppError, rows: &RowMap, lang: Lang) -> Result<Failure, Response> {
    match err {
        AppError::Validation(problems) => Ok(Failure {
            message: lang.t("form-has-errors"),
            errors: field_errors(&problems, Some(rows), lang),
            stale: false,
        }),
        AppError::Conflict(ConflictKind::Stale) => Ok(Failure {
            message: lang.t("budget-conflict-stale"),
            errors: FieldErrors::default(),
            stale: true,
        }),
        other => form_failure(other, lang).map(|(message, errors)| Failure {
            message,
            errors,
            stale: false,
        }),
    }
}

/// The administration and its subtree, depth first, for the unit selects; a closed unit says so.
fn unit_choices(view: &BudgetView, lang: Lang) -> Vec<Choice> {
    let mut children: HashMap<Option<OrgUnitId>, Vec<&domain::org::OrgUnit>> = HashMap::new();
    for u in view.units.values() {
        children.entry(u.parent_id).or_default().push(u);
    }
    for list in children.values_mut() {
        list.sort_by(|a, b| a.name.cmp(&b.name));
    }
    let mut out = vec![Choice {
        value: String::new(),
        label: lang.t("budget-edit-choose-unit"),
    }];
    let mut stack = vec![(&view.unit, 0usize)];
    while let Some((u, depth)) = stack.pop() {
        let closed = u.valid_to.is_some_and(|to| to.year() < view.year);
        let key = if closed {
            format!("{}, {}", u.key, lang.t("budget-edit-unit-closed"))
        } else {
            u.key.clone()
        };
        let text = format!("{}{} ({key})", "· ".repeat(depth), u.name);
        out.push(Choice {
            value: u.key.clone(),
            label: text,
        });
        if let Some(kids) = children.get(&Some(u.id)) {
            stack.extend(kids.iter().rev().map(|k| (*k, depth + 1)));
        }
    }
    out
}

/// The chapter's categories in tree order, by code and name.
fn category_choices(tree: &CategoryTree, lang: Lang) -> Vec<Choice> {
    let mut out = vec![Choice {
        value: String::new(),
        label: lang.t("budget-edit-choose-category"),
    }];
    out.extend(tree.rows().map(|(k, depth)| {
        let name = if lang == Lang::En {
            &k.name_en
        } else {
            &k.name_sv
        };
        Choice {
            value: k.code.clone(),
            label: format!("{}{} {name}", "· ".repeat(depth), k.code),
        }
    }));
    out
}

/// Values typed that the select does not offer (a unit moved away meanwhile) stay selectable,
/// so the page shows what was sent and the message says why it is wrong.
fn offer_typed<'a>(choices: &mut Vec<Choice>, typed: impl Iterator<Item = &'a str>) {
    for value in typed {
        if !value.is_empty() && !choices.iter().any(|c| c.value == value) {
            choices.push(Choice {
                value: value.to_owned(),
                label: value.to_owned(),
            });
        }
    }
}

fn stored(view: &BudgetView) -> Option<&EconomyChapter> {
    view.content.as_ref().map(|c| &c.chapter)
}

fn key_of(view: &BudgetView) -> impl Fn(OrgUnitId) -> String + '_ {
    |id| {
        view.units
            .get(&id)
            .map(|u| u.key.clone())
            .unwrap_or_else(|| id.to_string())
    }
}

fn edit_href(unit_key: &str, year: i32) -> String {
    format!("/units/{}/budget/edit?year={year}", urlencode(unit_key))
}

fn page(
    ctx: &PageCtx,
    view: &BudgetView,
    form: BudgetForm,
    failure: Option<Failure>,
    status: StatusCode,
) -> Response {
    let lang = ctx.lang;
    let (failure, errors, stale) = match failure {
        Some(f) => (Some(f.message), f.errors, f.stale),
        None => (None, FieldErrors::default(), false),
    };
    let cell = |name: String, value: &str| Cell {
        id: anchor(&name),
        label: label(&name, lang),
        error: errors.get(&name).map(str::to_owned),
        value: value.to_owned(),
        name,
    };
    let remove = |table: Table, r: usize| {
        let name = format!("{}[{r}].remove", table.name());
        Cell {
            label: format!(
                "{}: {}",
                field_label(&format!("{}[{r}]", table.name()), lang),
                lang.t("budget-edit-col-remove")
            ),
            ..cell(name, "1")
        }
    };
    let frame_rows = form
        .frame_rows
        .iter()
        .enumerate()
        .map(|(r, row)| FrameRowView {
            number: r + 1,
            unit: cell(format!("frame_rows[{r}].unit"), &row.unit),
            previous: cell(format!("frame_rows[{r}].previous_frame_tkr"), &row.previous),
            frame: cell(format!("frame_rows[{r}].frame_tkr"), &row.frame),
            remove: remove(Table::Frames, r),
            removed: row.remove,
        })
        .collect();
    let change_rows = form
        .change_rows
        .iter()
        .enumerate()
        .map(|(r, row)| ChangeRowView {
            number: r + 1,
            reason: cell(format!("change_rows[{r}].change_reason"), &row.reason),
            reason_rows: if row.reason.chars().count() > REASON_CHARS_PER_LINE {
                2
            } else {
                1
            },
            amounts: form
                .years
                .iter()
                .zip(&row.amounts)
                .map(|(y, a)| cell(format!("change_rows[{r}].amount_{y}"), a))
                .collect(),
            remove: remove(Table::Changes, r),
            removed: row.remove,
        })
        .collect();
    let line_rows = form
        .line_rows
        .iter()
        .enumerate()
        .map(|(r, row)| LineRowView {
            number: r + 1,
            unit: cell(format!("line_rows[{r}].unit"), &row.unit),
            category: cell(format!("line_rows[{r}].category"), &row.category),
            amount: cell(format!("line_rows[{r}].amount_tkr"), &row.amount),
            source: row.source,
            own_months: row.own_months,
            remove: remove(Table::Lines, r),
            removed: row.remove,
        })
        .collect();
    let frame_years = form
        .years
        .iter()
        .zip(&form.frames)
        .map(|(y, v)| FrameYear {
            year: *y,
            cell: cell(format!("frame_{y}"), v),
        })
        .collect();

    let mut unit_choices = unit_choices(view, lang);
    offer_typed(
        &mut unit_choices,
        form.frame_rows
            .iter()
            .map(|r| r.unit.as_str())
            .chain(form.line_rows.iter().map(|r| r.unit.as_str())),
    );
    let tree = stored(view)
        .map(|c| c.categories.clone())
        .unwrap_or_else(default_categories);
    let mut category_choices = category_choices(&tree, lang);
    offer_typed(
        &mut category_choices,
        form.line_rows.iter().map(|r| r.category.as_str()),
    );
    let mut phasing_choices = vec![
        Choice {
            value: PHASING_EVEN.into(),
            label: lang.t("budget-edit-phasing-even"),
        },
        Choice {
            value: PHASING_DAY_COUNT.into(),
            label: lang.t("budget-edit-phasing-day-count"),
        },
    ];
    if stored(view).is_some_and(|c| matches!(c.frames.phasing, PhasingRule::Profile { .. })) {
        phasing_choices.push(Choice {
            value: PHASING_PROFILE.into(),
            label: lang.t("budget-edit-phasing-profile"),
        });
    }

    let (lead, row_version, decided) = match &view.content {
        None => (lang.t("budget-edit-new-lead"), 0, None),
        Some(c) => {
            let number = c.version.version.number.to_string();
            match &c.version.version.state {
                VersionState::Draft => (
                    lang.t_args("budget-version-draft", &[("number", number)]),
                    c.version.row_version,
                    None,
                ),
                VersionState::Decided { .. } => {
                    let text = lang.t_args("budget-edit-decided", &[("number", number.clone())]);
                    (
                        lang.t_args("budget-edit-decided-lead", &[("number", number)]),
                        c.version.row_version,
                        Some(text),
                    )
                }
            }
        }
    };
    let summary = errors
        .0
        .iter()
        .map(|(field, text)| {
            // A problem in a section the form keeps as stored has no cell: point at the note.
            let known = field == "phasing"
                || field.starts_with("frame_")
                || field.starts_with("change_rows[")
                || field.starts_with("line_rows[");
            (
                if known {
                    anchor(field)
                } else {
                    "budget-kept".into()
                },
                text.clone(),
            )
        })
        .collect();
    let year = view.year;
    let title = lang.t_args(
        "budget-edit-title",
        &[("name", view.unit.name.clone()), ("year", year.to_string())],
    );
    let page = BudgetEditPage {
        layout: Layout::new(ctx, "org", title),
        unit_key: view.unit.key.clone(),
        unit_name: view.unit.name.clone(),
        year,
        lead,
        action: edit_href(&view.unit.key, year),
        back: format!("/units/{}/budget?year={year}", urlencode(&view.unit.key)),
        row_version,
        decided,
        frame_years,
        phasing_error: errors.get("phasing").map(str::to_owned),
        phasing: form.phasing,
        phasing_choices,
        col_previous_frame: lang.t_args(
            "budget-edit-frame-year",
            &[("year", (year - 1).to_string())],
        ),
        col_frame: lang.t_args("budget-edit-frame-year", &[("year", year.to_string())]),
        col_line_amount: lang.t_args("budget-edit-amount-year", &[("year", year.to_string())]),
        years: form.years,
        frame_rows,
        change_rows,
        line_rows,
        unit_choices,
        category_choices,
        failure,
        summary,
        stale,
    };
    render(&page, status)
}

/// The budget of `key` for the year asked (this year by default), for someone who may edit it.
async fn load(
    state: &AppState,
    ctx: &PageCtx,
    key: &str,
    year: Option<i32>,
) -> Result<BudgetView, Response> {
    let year = year.unwrap_or_else(|| state.app.clock().today().year());
    let view = state
        .app
        .budget_view(&ctx.actor, key, year, None)
        .await
        .map_err(|e| error_page_for(e, ctx.lang))?;
    if !view.may_edit {
        return Err(error_page_for(AppError::Forbidden, ctx.lang));
    }
    Ok(view)
}

async fn edit_form(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(key): Path<String>,
    Query(q): Query<EditQuery>,
) -> Response {
    let view = match load(&state, &ctx, &key, q.year).await {
        Ok(v) => v,
        Err(page) => return page,
    };
    let mut form = BudgetForm::from_chapter(view.year, stored(&view), key_of(&view));
    for table in [Table::Frames, Table::Changes, Table::Lines] {
        form.add_rows(table, BLANK_ROWS, &view.unit.key);
    }
    page(&ctx, &view, form, None, StatusCode::OK)
}

async fn save(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(key): Path<String>,
    Query(q): Query<EditQuery>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let fields: HashMap<String, String> = fields.into_iter().collect();
    let field = |name: &str| fields.get(name).map(String::as_str).unwrap_or_default();
    if let Err(r) = ctx.verify_csrf(field("csrf")) {
        return r;
    }
    let view = match load(&state, &ctx, &key, q.year).await {
        Ok(v) => v,
        Err(page) => return page,
    };
    let mut form = BudgetForm::from_post(
        &fields,
        year_columns(view.year, stored(&view)),
        stored(&view),
    );
    if let Some(table) = Table::parse(field("more")) {
        form.add_rows(table, MORE_ROWS, &view.unit.key);
        return page(&ctx, &view, form, None, StatusCode::OK);
    }
    let base = stored(&view)
        .map(|c| ChapterInput::from_chapter(c, key_of(&view)))
        .unwrap_or_default();
    let (mut input, rows) = match form.to_input(base, stored(&view)) {
        Ok(parsed) => parsed,
        Err(problems) => {
            let failure = Failure {
                message: ctx.lang.t("form-has-errors"),
                errors: field_errors(&problems, None, ctx.lang),
                stale: false,
            };
            return page(
                &ctx,
                &view,
                form,
                Some(failure),
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    // The row version the form was opened at: a save by someone else since is a conflict.
    input.version = field("version").parse().ok();
    match state
        .app
        .save_budget(&ctx.actor, &view.unit.key, view.year, input)
        .await
    {
        Ok(saved) => see_budget(&saved.unit.key, saved.year, "budget-saved"),
        Err(e) => match save_failure(e, &rows, ctx.lang) {
            Ok(failure) => {
                let status = failure.errors.status(true);
                page(&ctx, &view, form, Some(failure), status)
            }
            Err(page) => page,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_fields_read_as_their_row_and_column() {
        assert_eq!(
            anchor("line_rows[2].amount_tkr"),
            "f-line_rows-2-amount_tkr"
        );
        assert_eq!(anchor("frame_2021"), "f-frame_2021");
        assert_eq!(
            label("line_rows[2].amount_tkr", Lang::Sv),
            "Budgetrad 3: Belopp (tkr)"
        );
        assert_eq!(
            label("frame_rows[0].previous_frame_tkr", Lang::Sv),
            "Ramfördelning, rad 1: Ram föregående år (tkr)"
        );
        assert_eq!(
            label("change_rows[1].amount_2021", Lang::Sv),
            "Ramförändring, rad 2: Belopp 2021 (tkr)"
        );
        assert_eq!(label("frame_2022", Lang::En), "Frame 2022 (SEK thousand)");
        assert_eq!(
            label("stated_change_totals[0].amount", Lang::Sv),
            "Summa ramförändringar 1: Belopp"
        );
        let text = message(
            "line_rows[2].amount_tkr",
            ValidationCode::TooManyDecimals,
            Lang::Sv,
        );
        assert!(
            text.contains("”Budgetrad 3: Belopp (tkr)”") && text.contains("avrundas inte"),
            "{text}"
        );
        assert!(
            message("line_rows[2].category", ValidationCode::Duplicate, Lang::Sv)
                .contains("används redan")
        );
    }
}
