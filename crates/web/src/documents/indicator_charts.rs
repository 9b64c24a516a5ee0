//! The indicator charts part: for each indicator of the unit, a column per period from January
//! to the end of the report's period, with each period's target dashed across its column. Only
//! indicators with at least two values get a figure: one value says nothing the table does not.

use app::plan_view::SeriesPoint;
use app::reports::DocumentData;
use domain::consolidation::Decimal;
use domain::document::Block;
use domain::document_chart::{Bar, Chart, Layout, Mark};
use domain::plan::PlanObject;

use super::follow_up_parts::Rows;
use crate::i18n::Lang;
use crate::views::chart::short_period;
use crate::views::plan::{fixed, with_unit};

pub fn indicator_charts(data: &DocumentData, module: &str, group_level: &str, level: &str, lang: Lang) -> Vec<Block> {
    let (Some(view), Some(series)) = (data.follow_up.get(module), data.indicator_series.get(&format!("{module}/{level}"))) else {
        return vec![Block::Paragraph { text: lang.t("doc-no-indicator-charts") }];
    };
    let charts: Vec<Block> = Rows::new(view)
        .grouped(group_level, &[level], lang)
        .into_iter()
        .flat_map(|(_, rows)| rows)
        .filter_map(|row| series.get(&row.record.object.id).and_then(|points| chart(&row.record.object, points, lang)))
        .map(Block::Chart)
        .collect();
    if charts.is_empty() {
        return vec![Block::Paragraph { text: lang.t("doc-no-indicator-charts") }];
    }
    charts
}

/// One indicator's chart, or None with fewer than two values.
fn chart(object: &PlanObject, points: &[SeriesPoint], lang: Lang) -> Option<Chart> {
    if points.iter().filter(|p| p.value.is_some()).count() < 2 {
        return None;
    }
    let measure = object.measure.as_ref();
    let decimals = measure.map_or(0, |m| m.decimals);
    let unit = measure.and_then(|m| m.unit.as_deref());
    let shown = |v: Decimal| with_unit(lang, fixed(v, decimals), unit);
    let number = |v: Decimal| v.to_string().parse::<f64>().ok();
    let (first, last) = (points.first()?, points.last()?);
    let span = format!("{}–{} {}", short_period(lang, first.period), short_period(lang, last.period), last.period.year());
    let targets: Vec<Decimal> = points.iter().filter_map(|p| p.target).collect();
    let one_target = targets.first().filter(|t| targets.len() == points.len() && targets.iter().all(|o| o == *t)).copied();
    let bars = points
        .iter()
        .map(|p| Bar {
            label: short_period(lang, p.period),
            value: p.value.and_then(number),
            shown: p.value.map_or_else(|| "–".to_owned(), shown),
            target: p.target.and_then(number),
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
        (Some(t), _) => number(t).map(|value| Mark { value, label: lang.t_args("doc-chart-target", &[("target", shown(t))]) }),
        (None, Some(last)) => number(*last).map(|value| Mark { value, label: lang.t("doc-series-targets") }),
        (None, None) => None,
    };
    Some(Chart {
        caption: lang.t_args("doc-series-caption", &[("indicator", object.title.clone()), ("span", span)]),
        alt,
        layout: Layout::Columns,
        bars,
        target,
    })
}
