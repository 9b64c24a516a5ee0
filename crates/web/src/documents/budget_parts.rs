//! Seed 004 §5 from the unit's economy chapter: the frames, their distribution and changes,
//! income-financed activities, compensations, result regulation, investments and the budget.

use std::collections::BTreeSet;

use app::reports::DocumentData;
use domain::budget::{EconomyChapter, YearAmount};
use domain::document::{Block, Cell, Column, Row, Table};
use domain::money::{Money, Unit, format_sv, format_en};
use domain::report::Part;

use crate::i18n::Lang;

/// An amount in mkr with one decimal, as the chapter prints them.
pub(crate) fn mkr(m: Money) -> Cell {
    Cell::money(m, Unit::Mkr, 1)
}

/// The years of a set of rows' amounts, in order.
pub(crate) fn years_of<'a>(rows: impl Iterator<Item = &'a [YearAmount]>) -> Vec<i32> {
    rows.flat_map(|a| a.iter().map(|y| y.year)).collect::<BTreeSet<_>>().into_iter().collect()
}

pub(crate) fn year_cells(amounts: &[YearAmount], years: &[i32]) -> Vec<Cell> {
    years.iter().map(|y| amounts.iter().find(|a| a.year == *y).map_or(Cell::Empty, |a| mkr(a.amount))).collect()
}

fn mkr_text(m: Money, lang: Lang) -> String {
    if lang == Lang::En { format_en(m, Unit::Mkr, 1) } else { format_sv(m, Unit::Mkr, 1) }
}

pub fn blocks(data: &DocumentData, part: &Part, number: &str, lang: Lang) -> Vec<Block> {
    let Some(c) = &data.chapter else {
        // Printed once, under the first budget part of the template.
        return if matches!(part, Part::BudgetFrames) {
            vec![Block::Paragraph { text: lang.t_args("doc-no-budget", &[("year", data.year.to_string())]) }]
        } else {
            Vec::new()
        };
    };
    let table = |name: &str, columns: Vec<Column>, rows: Vec<Row>| {
        if rows.is_empty() {
            Vec::new()
        } else {
            vec![Block::Table(Table { name: format!("{number} {name}"), caption: None, columns, rows })]
        }
    };
    match part {
        Part::BudgetFrames => frames(data, c, lang),
        Part::BudgetDistribution => {
            let d = &c.distribution;
            let mut rows: Vec<Row> = d
                .units
                .iter()
                .map(|u| {
                    let name = data.units.get(&u.unit).map_or_else(|| u.unit.to_string(), |x| x.name.clone());
                    Row::body(vec![Cell::text(name), u.previous_frame.map_or(Cell::Empty, mkr), mkr(u.frame)])
                })
                .collect();
            if !rows.is_empty() {
                let previous = d.previous_total().ok().flatten();
                rows.push(Row::total(vec![
                    Cell::text(format!("{} {}", lang.t("budget-sum"), data.unit.name)),
                    previous.map_or(Cell::Empty, mkr),
                    d.total().map_or(Cell::Empty, mkr),
                ]));
            }
            let columns = vec![
                Column::new(lang.t("doc-col-unit-mkr"), 5),
                Column::new(lang.t_args("doc-col-frame-year", &[("year", (d.year - 1).to_string())]), 2),
                Column::new(lang.t_args("doc-col-frame-year", &[("year", d.year.to_string())]), 2),
            ];
            table(&lang.t("budget-distribution-heading"), columns, rows)
        }
        Part::BudgetFrameChanges => {
            let years = years_of(c.frame_changes.iter().map(|f| f.amounts.as_slice()));
            let mut rows: Vec<Row> = c
                .frame_changes
                .iter()
                .map(|f| {
                    let mut cells = vec![Cell::text(f.reason.clone())];
                    cells.extend(year_cells(&f.amounts, &years));
                    Row::body(cells)
                })
                .collect();
            if !rows.is_empty() {
                let totals = domain::budget::change_totals(&c.frame_changes).unwrap_or_default();
                let mut cells = vec![Cell::text(format!("{} {}", lang.t("budget-sum"), data.unit.name))];
                cells.extend(year_cells(&totals, &years));
                rows.push(Row::total(cells));
            }
            let mut columns = vec![Column::new(lang.t("doc-col-changes-mkr"), 6)];
            columns.extend(years.iter().map(|y| Column::new(y.to_string(), 1)));
            table(&lang.t("budget-changes-heading"), columns, rows)
        }
        Part::BudgetIncomeFinanced => {
            let rows = c
                .income_financed
                .iter()
                .map(|a| {
                    Row::body(vec![
                        Cell::text(a.name.clone()),
                        Cell::Number { value: f64::from(a.price_change_pct.tenths()) / 10.0, decimals: 1 },
                        mkr(a.price_change),
                        mkr(a.volume_change),
                        mkr(a.total_income),
                    ])
                })
                .collect();
            let columns = vec![
                Column::new(lang.t("budget-col-activity"), 3),
                Column::new(lang.t("doc-col-price-pct"), 2),
                Column::new(lang.t("doc-col-price-mkr"), 2),
                Column::new(lang.t("doc-col-volume-mkr"), 2),
                Column::new(lang.t("doc-col-total-income-mkr"), 2),
            ];
            table(&lang.t("budget-income-financed-heading"), columns, rows)
        }
        Part::BudgetCompensations => {
            let items: Vec<String> = c.board_compensations.iter().map(|b| format!("{} {} mkr", b.text, mkr_text(b.amount, lang))).collect();
            if items.is_empty() { Vec::new() } else { vec![Block::Bullets { items }] }
        }
        Part::BudgetResultRegulation => c.result_regulation.iter().map(|n| Block::Paragraph { text: n.text.clone() }).collect(),
        Part::BudgetInvestments => c
            .investments
            .iter()
            .map(|i| {
                let amounts: Vec<String> =
                    i.amounts.iter().map(|a| lang.t_args("doc-investment-year", &[("amount", mkr_text(a.amount, lang)), ("year", a.year.to_string())])).collect();
                Block::Paragraph { text: format!("{}: {}", i.text, amounts.join(", ")) }
            })
            .collect(),
        Part::BudgetDetail => detail(c, number, lang),
        _ => Vec::new(),
    }
}

/// "Fullmäktige har beslutat om följande ram för Regionkontoret:" and a line per year, then
/// how the frame is paid out.
fn frames(data: &DocumentData, c: &EconomyChapter, lang: Lang) -> Vec<Block> {
    let items: Vec<String> = c
        .frames
        .frames
        .iter()
        .map(|f| lang.t_args("doc-frame-line", &[("amount", mkr_text(f.amount, lang)), ("year", f.year.to_string())]))
        .collect();
    if items.is_empty() {
        return Vec::new();
    }
    let mut blocks = vec![
        Block::Paragraph { text: lang.t_args("doc-frames-intro", &[("unit", data.unit.name.clone())]) },
        Block::Bullets { items },
    ];
    if c.frames.monthly_compensation(c.budget_year()).is_some() {
        blocks.push(Block::Paragraph { text: lang.t("doc-frames-monthly") });
    }
    blocks
}

/// §5.6: the budget by category with the sums of income and costs and the result, in mkr.
fn detail(c: &EconomyChapter, number: &str, lang: Lang) -> Vec<Block> {
    let Ok(totals) = c.budget_totals() else { return Vec::new() };
    let name_of = |code: &str| {
        c.categories.get(code).map_or_else(|| code.to_owned(), |k| if lang == Lang::En { k.name_en.clone() } else { k.name_sv.clone() })
    };
    let mut rows: Vec<Row> = totals
        .categories
        .iter()
        .map(|k| Row::body(vec![Cell::text(format!("{}{}", "\u{a0}\u{a0}\u{a0}".repeat(k.depth), name_of(&k.code))), mkr(k.total.year)]))
        .collect();
    let l = &c.labels;
    let labels = if lang == Lang::En { [&l.income_total_en, &l.cost_total_en, &l.result_en] } else { [&l.income_total_sv, &l.cost_total_sv, &l.result_sv] };
    for (label, total) in labels.into_iter().zip([&totals.income, &totals.costs, &totals.result]) {
        rows.push(Row::total(vec![Cell::text(label.clone()), mkr(total.year)]));
    }
    let heading = c.budget_heading.clone().unwrap_or_else(|| lang.t_args("budget-detail-default-heading", &[("year", c.budget_year().to_string())]));
    vec![Block::Table(Table {
        name: format!("{number} {}", lang.t("budget-detail-heading")),
        caption: None,
        columns: vec![Column::new(lang.t("budget-col-category"), 5), Column::new(format!("{heading} (mkr)"), 2)],
        rows,
    })]
}
