//! `/units/{key}/budget?year=2020`: a unit's economy chapter (seed 004 §5) as a controller reads
//! it: frames and their monthly twelfths, the distribution per unit, frame changes and the frame
//! chain, income-financed activities, compensations, result regulation, investments and the
//! detailed budget, in mkr with one decimal. Every sum the document states is set beside the
//! computed one, and a difference is shown as a warning with its amount.

use super::budget_decision::{DecisionPost, VersionActions, version_actions};
use super::error_page_for;
use super::layout::{Layout, render};
use crate::AppState;
use crate::auth::{PageCtx, urlencode};
use crate::i18n::Lang;
use app::budget::BudgetView;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use domain::budget::{CategoryKind, CheckCode, TotalCheck, VersionState, YearAmount};
use domain::money::{Money, Unit, format_en, format_sv};
use domain::validate::format_date;
use serde::Deserialize;
use std::collections::BTreeSet;

pub fn router() -> Router<AppState> {
    Router::new().route("/units/{key}/budget", get(show_budget))
}

#[derive(Deserialize)]
struct BudgetQuery {
    year: Option<i32>,
    version: Option<u32>,
    notice: Option<String>,
}

/// Amounts in mkr with one decimal, in the page's language.
fn mkr(lang: Lang, m: Money) -> String {
    match lang {
        Lang::Sv => format_sv(m, Unit::Mkr, 1),
        Lang::En => format_en(m, Unit::Mkr, 1),
    }
}

/// Per cent with one decimal, from tenths.
fn pct(lang: Lang, tenths: i32) -> String {
    let minus = if tenths < 0 { if lang == Lang::Sv { "\u{2212}" } else { "-" } } else { "" };
    let mark = if lang == Lang::Sv { ',' } else { '.' };
    format!("{minus}{}{mark}{}", tenths.abs() / 10, tenths.abs() % 10)
}

/// A row of a table whose amount columns are years.
struct YearRow {
    label: String,
    amounts: Vec<String>,
}

struct FrameRow {
    year: i32,
    frame: String,
    monthly: String,
}

struct UnitRow {
    key: String,
    name: String,
    closed: bool,
    previous: String,
    frame: String,
}

/// A stated sum and its difference from the computed one ("" when they agree).
struct Stated {
    value: String,
    difference: String,
}

struct ChainRow {
    year: i32,
    computed: String,
    decided: String,
    difference: String,
}

struct IncomeRow {
    name: String,
    pct: String,
    price: String,
    volume: String,
    total: String,
}

struct TextRow {
    text: String,
    amount: String,
}

struct CategoryRow {
    code: String,
    name: String,
    depth: usize,
    /// A root: a heading row of its group, without an amount.
    heading: bool,
    amount: String,
}

struct Chapter {
    version_text: String,
    decided: bool,
    warnings: Vec<String>,
    phasing_text: String,
    frames: Vec<FrameRow>,
    col_previous_year: String,
    col_year: String,
    detail_note: String,
    units: Vec<UnitRow>,
    previous_sum: String,
    sum: String,
    stated_previous: Option<Stated>,
    stated_sum: Option<Stated>,
    matches_frame: Option<Stated>,
    change_years: Vec<i32>,
    changes: Vec<YearRow>,
    change_sums: Vec<String>,
    stated_changes: Option<Vec<Stated>>,
    chain: Vec<ChainRow>,
    income_financed: Vec<IncomeRow>,
    compensations: Vec<TextRow>,
    compensation_sum: String,
    notes: Vec<String>,
    investment_years: Vec<i32>,
    investments: Vec<YearRow>,
    budget_heading: String,
    income_rows: Vec<CategoryRow>,
    cost_rows: Vec<CategoryRow>,
    income_label: String,
    cost_label: String,
    result_label: String,
    income: String,
    costs: String,
    result: String,
    stated_income: Option<Stated>,
    stated_costs: Option<Stated>,
    stated_result: Option<Stated>,
    balanced: bool,
}

#[derive(Template)]
#[template(path = "budget.html")]
struct BudgetPage {
    layout: Layout,
    unit_key: String,
    unit_name: String,
    year: i32,
    years: Vec<i32>,
    chapter: Option<Chapter>,
    api_href: String,
    /// Edit, decide or revise, for those who may.
    actions: Option<VersionActions>,
    /// For those who may edit: where to write the budget of a year that has none.
    create_href: Option<String>,
}

fn amount_in(amounts: &[YearAmount], year: i32) -> Option<Money> {
    amounts.iter().find(|a| a.year == year).map(|a| a.amount)
}

/// The check of `code` at `field` (and `year`), if the chapter has one.
fn check<'a>(checks: &'a [TotalCheck], code: CheckCode, field: &str, year: Option<i32>) -> Option<&'a TotalCheck> {
    checks.iter().find(|c| c.code == code && c.field == field && (year.is_none() || c.year == year))
}

fn stated(lang: Lang, c: Option<&TotalCheck>) -> Option<Stated> {
    c.map(|c| Stated {
        value: mkr(lang, c.stated),
        difference: if c.is_exact() { String::new() } else { mkr(lang, c.difference) },
    })
}

/// One sentence per check that does not add up.
fn warning(lang: Lang, c: &TotalCheck) -> String {
    let key = match (c.code, c.field.as_str()) {
        (CheckCode::BudgetTotal, "budget.stated_income") => "budget-check-stated-income".to_owned(),
        (CheckCode::BudgetTotal, "budget.stated_costs") => "budget-check-stated-costs".to_owned(),
        (CheckCode::BudgetTotal, _) => "budget-check-stated-result".to_owned(),
        (code, _) => format!("budget-check-{}", code.as_str().replace('_', "-")),
    };
    let year = c.year.map(|y| y.to_string()).unwrap_or_default();
    let args = [
        ("year", year),
        ("stated", mkr(lang, c.stated)),
        ("computed", mkr(lang, c.computed)),
        ("difference", mkr(lang, c.difference)),
    ];
    lang.t_args(&key, &args)
}

fn chapter(lang: Lang, view: &BudgetView) -> Option<Chapter> {
    let content = view.content.as_ref()?;
    let c = &content.chapter;
    let checks = &content.checks;
    let en = lang == Lang::En;
    let v = &content.version.version;
    let version_text = match &v.state {
        VersionState::Draft => lang.t_args("budget-version-draft", &[("number", v.number.to_string())]),
        VersionState::Decided { decision } => lang.t_args(
            "budget-version-decided",
            &[("number", v.number.to_string()), ("reference", decision.reference.clone()), ("date", format_date(decision.date))],
        ),
    };
    let phasing_text = lang.t(match c.frames.phasing {
        domain::budget::PhasingRule::Even => "budget-phasing-even",
        domain::budget::PhasingRule::DayCount => "budget-phasing-day-count",
        domain::budget::PhasingRule::Profile { .. } => "budget-phasing-profile",
    });
    let frames = c
        .frames
        .frames
        .iter()
        .map(|f| FrameRow {
            year: f.year,
            frame: mkr(lang, f.amount),
            monthly: c.frames.monthly_compensation(f.year).map(|m| mkr(lang, m.month(1))).unwrap_or_default(),
        })
        .collect();
    let d = &c.distribution;
    let units = d
        .units
        .iter()
        .map(|u| {
            let unit = view.units.get(&u.unit);
            UnitRow {
                key: unit.map(|x| x.key.clone()).unwrap_or_default(),
                name: unit.map(|x| x.name.clone()).unwrap_or_else(|| u.unit.to_string()),
                closed: unit.is_some_and(|x| x.valid_to.is_some_and(|to| to.year() < d.year)),
                previous: u.previous_frame.map(|p| mkr(lang, p)).unwrap_or_else(|| "–".into()),
                frame: mkr(lang, u.frame),
            }
        })
        .collect();
    let previous_sum = d.previous_total().ok().flatten().map(|m| mkr(lang, m)).unwrap_or_else(|| "–".into());
    let sum = d.total().map(|m| mkr(lang, m)).unwrap_or_default();

    let change_years: Vec<i32> = c.frame_changes.iter().flat_map(|f| f.amounts.iter().map(|a| a.year)).chain(c.stated_change_totals.iter().map(|a| a.year)).collect::<BTreeSet<_>>().into_iter().collect();
    let changes = c
        .frame_changes
        .iter()
        .map(|f| YearRow {
            label: f.reason.clone(),
            amounts: change_years.iter().map(|y| amount_in(&f.amounts, *y).map(|m| mkr(lang, m)).unwrap_or_default()).collect(),
        })
        .collect();
    let change_totals = domain::budget::change_totals(&c.frame_changes).unwrap_or_default();
    let change_sums = change_years.iter().map(|y| mkr(lang, amount_in(&change_totals, *y).unwrap_or_default())).collect();
    let stated_changes = (!c.stated_change_totals.is_empty()).then(|| {
        change_years
            .iter()
            .map(|y| {
                stated(lang, check(checks, CheckCode::FrameChangeTotal, "frame_changes.stated_totals", Some(*y)))
                    .unwrap_or(Stated { value: String::new(), difference: String::new() })
            })
            .collect()
    });
    let chain = checks
        .iter()
        .filter(|k| k.code == CheckCode::FrameChain)
        .map(|k| ChainRow {
            year: k.year.unwrap_or_default(),
            computed: mkr(lang, k.computed),
            decided: mkr(lang, k.stated),
            difference: if k.is_exact() { String::new() } else { mkr(lang, k.difference) },
        })
        .collect();

    let investment_years: Vec<i32> =
        c.investments.iter().flat_map(|i| i.amounts.iter().map(|a| a.year)).collect::<BTreeSet<_>>().into_iter().collect();
    let investments = c
        .investments
        .iter()
        .map(|i| YearRow {
            label: i.text.clone(),
            amounts: investment_years.iter().map(|y| amount_in(&i.amounts, *y).map(|m| mkr(lang, m)).unwrap_or_default()).collect(),
        })
        .collect();

    let totals = &content.totals;
    let rows_of = |kind: CategoryKind| -> Vec<CategoryRow> {
        totals
            .categories
            .iter()
            .filter(|t| t.kind == kind)
            .filter_map(|t| {
                let cat = c.categories.get(&t.code)?;
                Some(CategoryRow {
                    code: t.code.clone(),
                    name: if en { cat.name_en.clone() } else { cat.name_sv.clone() },
                    depth: t.depth.min(8),
                    heading: t.depth == 0,
                    amount: mkr(lang, t.total.year),
                })
            })
            .collect()
    };
    let labels = &c.labels;
    let pick = |sv: &str, en_text: &str| if en { en_text.to_owned() } else { sv.to_owned() };

    Some(Chapter {
        version_text,
        decided: v.is_decided(),
        warnings: domain::budget::warnings(checks).map(|k| warning(lang, k)).collect(),
        phasing_text,
        frames,
        col_previous_year: lang.t_args("budget-col-frame-year", &[("year", (d.year - 1).to_string())]),
        col_year: lang.t_args("budget-col-frame-year", &[("year", d.year.to_string())]),
        detail_note: lang.t_args("budget-detail-note", &[("year", view.year.to_string())]),
        units,
        previous_sum,
        sum,
        stated_previous: stated(lang, check(checks, CheckCode::DistributionTotal, "frame_distribution.stated_previous_total", None)),
        stated_sum: stated(lang, check(checks, CheckCode::DistributionTotal, "frame_distribution.stated_total", None)),
        matches_frame: stated(lang, check(checks, CheckCode::DistributionMatchesFrame, "frame_distribution.units", None)),
        change_years,
        changes,
        change_sums,
        stated_changes,
        chain,
        income_financed: c
            .income_financed
            .iter()
            .map(|a| IncomeRow {
                name: a.name.clone(),
                pct: pct(lang, a.price_change_pct.tenths()),
                price: mkr(lang, a.price_change),
                volume: mkr(lang, a.volume_change),
                total: mkr(lang, a.total_income),
            })
            .collect(),
        compensations: c.board_compensations.iter().map(|b| TextRow { text: b.text.clone(), amount: mkr(lang, b.amount) }).collect(),
        compensation_sum: mkr(lang, c.board_compensations.iter().map(|b| b.amount).sum::<Option<Money>>().unwrap_or_default()),
        notes: c.result_regulation.iter().map(|n| n.text.clone()).collect(),
        investment_years,
        investments,
        budget_heading: c.budget_heading.clone().unwrap_or_else(|| lang.t_args("budget-detail-default-heading", &[("year", view.year.to_string())])),
        income_rows: rows_of(CategoryKind::Income),
        cost_rows: rows_of(CategoryKind::Cost),
        income_label: pick(&labels.income_total_sv, &labels.income_total_en),
        cost_label: pick(&labels.cost_total_sv, &labels.cost_total_en),
        result_label: pick(&labels.result_sv, &labels.result_en),
        income: mkr(lang, totals.income.year),
        costs: mkr(lang, totals.costs.year),
        result: mkr(lang, totals.result.year),
        stated_income: stated(lang, check(checks, CheckCode::BudgetTotal, "budget.stated_income", None)),
        stated_costs: stated(lang, check(checks, CheckCode::BudgetTotal, "budget.stated_costs", None)),
        stated_result: stated(lang, check(checks, CheckCode::BudgetTotal, "budget.stated_result", None)),
        balanced: totals.result.year.is_zero(),
    })
}

async fn show_budget(State(state): State<AppState>, ctx: PageCtx, Path(key): Path<String>, Query(q): Query<BudgetQuery>) -> Response {
    let lang = ctx.lang;
    let today = state.app.clock().today().year();
    let year = q.year.filter(|y| (1900..=2200).contains(y)).unwrap_or(today);
    let mut view = match state.app.budget_view(&ctx.actor, &key, year, q.version).await {
        Ok(v) => v,
        Err(e) => return error_page_for(e, lang),
    };
    // Without a year asked for, show the latest budget up to this year rather than an empty page.
    if q.year.is_none() && view.content.is_none()
        && let Some(latest) = view.years.iter().rev().find(|y| **y <= today).or(view.years.last()).copied()
    {
        view = match state.app.budget_view(&ctx.actor, &key, latest, None).await {
            Ok(v) => v,
            Err(e) => return error_page_for(e, lang),
        };
    }
    budget_page(&ctx, &view, DecisionPost::default(), q.notice.as_deref(), StatusCode::OK)
}

/// The budget page of `view`; `posted` is a refused decision or revision to show again.
pub(super) fn budget_page(ctx: &PageCtx, view: &BudgetView, posted: DecisionPost, notice: Option<&str>, status: StatusCode) -> Response {
    let lang = ctx.lang;
    let title = lang.t_args("budget-title", &[("name", view.unit.name.clone()), ("year", view.year.to_string())]);
    let page = BudgetPage {
        layout: Layout::new(ctx, "org", title).with_notice(notice),
        unit_key: view.unit.key.clone(),
        unit_name: view.unit.name.clone(),
        year: view.year,
        years: view.years.clone(),
        chapter: chapter(lang, view),
        api_href: format!("/api/v1/budgets/{}/{}", view.unit.key, view.year),
        actions: version_actions(lang, view, posted),
        create_href: (view.may_edit && view.content.is_none())
            .then(|| format!("/units/{}/budget/edit?year={}", urlencode(&view.unit.key), view.year)),
    };
    render(&page, status)
}
