//! The indicator charts part: for each indicator of the unit, a column per period from January
//! to the end of the report's period, with each period's target dashed across its column. Only
//! indicators with at least two values get a figure: one value says nothing the table does not.
//! Each figure carries its numbers as a table, which the workbook gives a sheet.

use app::plan_view::SeriesPoint;
use app::reports::DocumentData;
use domain::consolidation::Decimal;
use domain::document::{Block, Cell, Column, Row, Table};
use domain::document_chart::{Bar, Chart, Layout, Mark};
use domain::plan::PlanObject;

use super::follow_up_parts::Rows;
use crate::i18n::Lang;
use crate::views::chart::short_period;
use crate::views::plan::{fixed, period_label, with_unit};

pub fn indicator_charts(data: &DocumentData, module: &str, group_level: &str, level: &str, number: &str, lang: Lang) -> Vec<Block> {
    let (Some(view), Some(series)) = (data.follow_up.get(module), data.indicator_series.get(&format!("{module}/{level}"))) else {
        return vec![Block::Paragraph { text: lang.t("doc-no-indicator-charts") }];
    };
    let charts: Vec<Block> = Rows::new(view)
        .grouped(group_level, &[level], lang)
        .into_iter()
        .flat_map(|(_, rows)| rows)
        .filter_map(|row| series.get(&row.record.object.id).and_then(|points| chart(&row.record.object, points, number, lang)))
        .map(Block::Chart)
        .collect();
    if charts.is_empty() {
        return vec![Block::Paragraph { text: lang.t("doc-no-indicator-charts") }];
    }
    charts
}

/// One indicator's chart, or None with fewer than two values.
fn chart(object: &PlanObject, points: &[SeriesPoint], number: &str, lang: Lang) -> Option<Chart> {
    if points.iter().filter(|p| p.value.is_some()).count() < 2 {
        return None;
    }
    let measure = object.measure.as_ref();
    let decimals = measure.map_or(0, |m| m.decimals);
    let unit = measure.and_then(|m| m.unit.as_deref());
    let shown = |v: Decimal| with_unit(lang, fixed(v, decimals), unit);
    let (first, last) = (points.first()?, points.last()?);
    let span = format!("{}–{} {}", short_period(lang, first.period), short_period(lang, last.period), last.period.year());
    let targets: Vec<Decimal> = points.iter().filter_map(|p| p.target).collect();
    let one_target = targets.first().filter(|t| targets.len() == points.len() && targets.iter().all(|o| o == *t)).copied();
    let bars = points
        .iter()
        .map(|p| Bar {
            label: short_period(lang, p.period),
            value: p.value.map(Decimal::to_f64),
            shown: p.value.map_or_else(|| "–".to_owned(), shown),
            target: p.target.map(Decimal::to_f64),
        })
        .collect();
    // Said value by value; a target that changes over the year is said with each value.
    let values: Vec<String> = points
        .iter()
        .map(|p| {
            let period = short_period(lang, p.period);
            match (p.value, p.target.filter(|_| one_target.is_none())) {
                (None, _) => lang.t_args("doc-series-no-value", &[("period", period)]),
                (Some(v), None) => format!("{period} {}", shown(v)),
                (Some(v), Some(t)) => lang.t_args("doc-series-value-target", &[("period", period), ("value", shown(v)), ("target", shown(t))]),
            }
        })
        .collect();
    let mut alt = lang.t_args("doc-series-alt", &[("indicator", object.title.clone()), ("span", span.clone()), ("values", values.join("; "))]);
    if let Some(t) = one_target {
        alt.push(' ');
        alt.push_str(&lang.t_args("doc-chart-target-sentence", &[("target", shown(t))]));
    }
    let target = match (one_target, targets.last()) {
        (Some(t), _) => Some(Mark { value: t.to_f64(), label: lang.t_args("doc-chart-target", &[("target", shown(t))]) }),
        (None, Some(last)) => Some(Mark { value: last.to_f64(), label: lang.t("doc-series-targets") }),
        (None, None) => None,
    };
    let caption = lang.t_args("doc-series-caption", &[("indicator", object.title.clone()), ("span", span)]);
    let numbers = numbers_table(object, points, format!("{number} {}", object.title), &caption, lang);
    Some(Chart { caption, alt, layout: Layout::Columns, bars, target, numbers: Some(numbers) })
}

/// The figure's numbers for the workbook: a row per period with its outcome and target as
/// numbers, the unit in the headers ("Utfall (%)").
fn numbers_table(object: &PlanObject, points: &[SeriesPoint], name: String, caption: &str, lang: Lang) -> Table {
    let measure = object.measure.as_ref();
    let decimals = u32::from(measure.map_or(0, |m| m.decimals));
    let header = |key: &str| match measure.and_then(|m| m.unit.as_deref()).filter(|u| !u.is_empty()) {
        Some(unit) => format!("{} ({unit})", lang.t(key)),
        None => lang.t(key),
    };
    let cell = |v: Option<Decimal>| v.map_or(Cell::Empty, |v| Cell::Number { value: v.to_f64(), decimals });
    let rows = points.iter().map(|p| Row::body(vec![Cell::text(period_label(lang, p.period)), cell(p.value), cell(p.target)])).collect();
    Table {
        name,
        caption: Some(caption.to_owned()),
        columns: vec![Column::new(lang.t("field-period"), 2), Column::new(header("doc-col-outcome"), 2), Column::new(header("doc-col-target"), 2)],
        rows,
    }
}
