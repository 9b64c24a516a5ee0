//! `/units/{key}/budget.xlsx?year=2020`: every table of the economy chapter (seed 004 §5) as an
//! XLSX workbook, one sheet per table, amounts as numeric cells in mkr (the detailed budget per
//! month in tkr), so a controller can go on computing in Excel with the same figures.

use super::error_page_for;
use crate::AppState;
use crate::auth::PageCtx;
use crate::i18n::Lang;
use app::budget::BudgetView;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use crate::documents::{mkr, year_cells, years_of};
use domain::budget::EconomyChapter;
use domain::money::Unit;
use fileio::{Cell, Sheet, write_workbook};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new().route("/units/{key}/budget.xlsx", get(chapter_xlsx))
}

#[derive(Deserialize)]
struct ExportQuery {
    year: i32,
    version: Option<u32>,
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A written workbook as a download named `file_name`, or the error page if it could not be
/// written.
pub(super) fn xlsx_download(lang: Lang, file_name: &str, workbook: Result<Vec<u8>, fileio::WriteError>) -> Response {
    match workbook {
        Ok(bytes) => {
            let disposition = format!("attachment; filename=\"{file_name}\"");
            ([(header::CONTENT_TYPE, XLSX.to_owned()), (header::CONTENT_DISPOSITION, disposition)], bytes).into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, file_name, "workbook");
            super::error_page(lang, StatusCode::INTERNAL_SERVER_ERROR, &lang.t("error-internal"))
        }
    }
}

fn sheets(lang: Lang, view: &BudgetView, c: &EconomyChapter) -> Vec<Sheet> {
    let t = |key: &str| lang.t(key);
    let year = view.year;
    let mut sheets = Vec::new();

    let frames = c
        .frames
        .frames
        .iter()
        .map(|f| {
            let monthly = c.frames.monthly_compensation(f.year).map_or(Cell::Empty, |m| mkr(m.month(1)));
            vec![Cell::Integer(i64::from(f.year)), mkr(f.amount), monthly]
        })
        .collect();
    sheets.push(Sheet {
        name: format!("5.1 {}", t("budget-frames-heading")),
        caption: Some(t("budget-frames-caption")),
        header: vec![vec![t("field-year"), t("budget-col-frame"), t("budget-col-monthly")]],
        rows: frames,
    });

    let d = &c.distribution;
    let mut rows: Vec<Vec<Cell>> = d
        .units
        .iter()
        .map(|u| {
            let name = view.units.get(&u.unit).map_or_else(|| u.unit.to_string(), |x| x.name.clone());
            vec![Cell::text(name), u.previous_frame.map_or(Cell::Empty, mkr), mkr(u.frame)]
        })
        .collect();
    let previous_total = d.previous_total().ok().flatten();
    rows.push(vec![Cell::text(t("budget-sum")), previous_total.map_or(Cell::Empty, mkr), d.total().map_or(Cell::Empty, mkr)]);
    sheets.push(Sheet {
        name: format!("5.1.1 {}", t("budget-distribution-heading")),
        caption: Some(t("budget-distribution-caption")),
        header: vec![vec![
            t("outcome-col-unit"),
            lang.t_args("budget-col-frame-year", &[("year", (d.year - 1).to_string())]),
            lang.t_args("budget-col-frame-year", &[("year", d.year.to_string())]),
        ]],
        rows,
    });

    let change_years = years_of(c.frame_changes.iter().map(|f| f.amounts.as_slice()));
    let mut rows: Vec<Vec<Cell>> = c
        .frame_changes
        .iter()
        .map(|f| {
            let mut row = vec![Cell::text(f.reason.clone())];
            row.extend(year_cells(&f.amounts, &change_years));
            row
        })
        .collect();
    let totals = domain::budget::change_totals(&c.frame_changes).unwrap_or_default();
    let mut sum = vec![Cell::text(t("budget-sum"))];
    sum.extend(year_cells(&totals, &change_years));
    rows.push(sum);
    let mut header = vec![t("budget-col-change")];
    header.extend(change_years.iter().map(|y| format!("{y} (mkr)")));
    sheets.push(Sheet { name: format!("5.1.2 {}", t("budget-changes-heading")), caption: Some(t("budget-changes-caption")), header: vec![header], rows });

    let rows = c
        .income_financed
        .iter()
        .map(|a| {
            vec![
                Cell::text(a.name.clone()),
                Cell::Percent { value: f64::from(a.price_change_pct.tenths()) / 1000.0, decimals: 1 },
                mkr(a.price_change),
                mkr(a.volume_change),
                mkr(a.total_income),
            ]
        })
        .collect();
    sheets.push(Sheet {
        name: format!("5.2 {}", t("budget-income-financed-heading")),
        caption: Some(t("budget-income-financed-caption")),
        header: vec![vec![
            t("budget-col-activity"),
            t("budget-col-price-pct"),
            t("budget-col-price"),
            t("budget-col-volume"),
            t("budget-col-total-income"),
        ]],
        rows,
    });

    let rows = c.board_compensations.iter().map(|b| vec![Cell::text(b.text.clone()), mkr(b.amount)]).collect();
    sheets.push(Sheet {
        name: format!("5.3 {}", t("budget-compensations-heading")),
        caption: Some(t("budget-compensations-caption")),
        header: vec![vec![t("budget-col-compensation"), t("budget-col-amount")]],
        rows,
    });

    let rows = c.result_regulation.iter().map(|n| vec![Cell::text(n.text.clone())]).collect();
    sheets.push(Sheet { name: format!("5.4 {}", t("budget-result-regulation-heading")), caption: None, header: vec![vec![t("budget-result-regulation-heading")]], rows });

    let investment_years = years_of(c.investments.iter().map(|i| i.amounts.as_slice()));
    let rows = c
        .investments
        .iter()
        .map(|i| {
            let mut row = vec![Cell::text(i.text.clone())];
            row.extend(year_cells(&i.amounts, &investment_years));
            row
        })
        .collect();
    let mut header = vec![t("budget-col-investment")];
    header.extend(investment_years.iter().map(|y| format!("{y} (mkr)")));
    sheets.push(Sheet { name: format!("5.5 {}", t("budget-investments-heading")), caption: Some(t("budget-investments-caption")), header: vec![header], rows });

    if let Ok(totals) = c.budget_totals() {
        let name_of = |code: &str| {
            c.categories.get(code).map_or_else(|| code.to_owned(), |k| if lang == Lang::En { k.name_en.clone() } else { k.name_sv.clone() })
        };
        let month_cells = |p: &domain::budget::PhasedTotal| -> Vec<Cell> {
            let mut cells = vec![mkr(p.year)];
            cells.extend(p.months.iter().map(|m| Cell::money(*m, Unit::Tkr, 1)));
            cells
        };
        let mut rows: Vec<Vec<Cell>> = totals
            .categories
            .iter()
            .map(|k| {
                let mut row = vec![Cell::text(format!("{}{}", "  ".repeat(k.depth), name_of(&k.code)))];
                row.extend(month_cells(&k.total));
                row
            })
            .collect();
        let l = &c.labels;
        let labels = if lang == Lang::En {
            [&l.income_total_en, &l.cost_total_en, &l.result_en]
        } else {
            [&l.income_total_sv, &l.cost_total_sv, &l.result_sv]
        };
        for (label, total) in labels.into_iter().zip([&totals.income, &totals.costs, &totals.result]) {
            let mut row = vec![Cell::text(label.clone())];
            row.extend(month_cells(total));
            rows.push(row);
        }
        let mut header = vec![t("budget-col-category"), format!("{year} (mkr)")];
        header.extend((1..=12).map(|m| format!("{} (tkr)", lang.t(&format!("month-short-{m}")))));
        let heading = c.budget_heading.clone().unwrap_or_else(|| lang.t_args("budget-detail-default-heading", &[("year", year.to_string())]));
        sheets.push(Sheet { name: format!("5.6 {}", t("budget-detail-heading")), caption: Some(heading), header: vec![header], rows });
    }
    sheets
}

async fn chapter_xlsx(State(state): State<AppState>, ctx: PageCtx, Path(key): Path<String>, Query(q): Query<ExportQuery>) -> Response {
    let lang = ctx.lang;
    let view = match state.app.budget_view(&ctx.actor, &key, q.year, q.version).await {
        Ok(v) => v,
        Err(e) => return error_page_for(e, lang),
    };
    let Some(content) = &view.content else {
        return super::error_page(lang, StatusCode::NOT_FOUND, &lang.t("budget-empty"));
    };
    let file_name = format!("budget-{}-{}.xlsx", view.unit.key, view.year);
    xlsx_download(lang, &file_name, write_workbook(&sheets(lang, &view, &content.chapter)))
}
