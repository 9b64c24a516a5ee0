//! An indicator's line chart as server-drawn SVG: outcome per period and the target as a dashed
//! line. Accessible: `role="img"` with a title and a description that says every value, and the
//! same numbers in a table beside it (WCAG 1.1.1); colour never carries meaning alone (the
//! target is dashed, the outcome solid with dots).

use super::plan::{fixed, period_label, with_unit};
use crate::i18n::Lang;
use app::plan_view::SeriesPoint;
use domain::consolidation::Decimal;

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 240.0;
const LEFT: f64 = 72.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 32.0;

pub struct Dot {
    pub x: f64,
    pub y: f64,
}

pub struct Label {
    pub x: f64,
    pub y: f64,
    pub text: String,
}

pub struct TableRow {
    pub period: String,
    pub target: String,
    pub value: String,
}

pub struct LineChart {
    pub title: String,
    pub desc: String,
    pub width: f64,
    pub height: f64,
    /// Polyline segments of the outcome (a missing period breaks the line).
    pub value_lines: Vec<String>,
    pub dots: Vec<Dot>,
    pub target_line: String,
    pub y_labels: Vec<Label>,
    pub x_labels: Vec<Label>,
    pub grid: Vec<f64>,
    pub rows: Vec<TableRow>,
}

/// "Nice" step for about four grid lines over `span`.
fn step_for(span: f64) -> f64 {
    let raw = (span / 4.0).max(f64::MIN_POSITIVE);
    let magnitude = 10f64.powf(raw.log10().floor());
    let n = raw / magnitude;
    let nice = if n <= 1.0 { 1.0 } else if n <= 2.0 { 2.0 } else if n <= 5.0 { 5.0 } else { 10.0 };
    nice * magnitude
}

/// The chart of a series, or None when there is nothing to draw.
pub fn line_chart(lang: Lang, title: &str, series: &[SeriesPoint], unit: Option<&str>, decimals: u8) -> Option<LineChart> {
    let numbers: Vec<f64> = series.iter().flat_map(|p| [p.value, p.target]).flatten().map(Decimal::to_f64).collect();
    if series.is_empty() || series.iter().all(|p| p.value.is_none()) {
        return None;
    }
    let (mut lo, mut hi) = numbers.iter().fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
    if lo > 0.0 && lo < hi * 0.5 {
        lo = 0.0;
    }
    if (hi - lo).abs() < f64::EPSILON {
        hi += 1.0;
        lo -= 1.0;
    }
    // Room above and below, so no point sits on the frame.
    let pad = (hi - lo) * 0.15;
    let (lo, hi) = (if lo >= 0.0 && lo - pad < 0.0 { 0.0 } else { lo - pad }, hi + pad);
    let step = step_for(hi - lo);
    // As many decimals on the axis as the step needs.
    let axis_decimals = if step >= 1.0 { 0 } else { (-step.log10().floor()) as usize };
    let (lo, hi) = ((lo / step).floor() * step, (hi / step).ceil() * step);
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let x_of = |i: usize| LEFT + if series.len() == 1 { plot_w / 2.0 } else { i as f64 * plot_w / (series.len() - 1) as f64 };
    let y_of = |v: f64| TOP + (hi - v) / (hi - lo) * plot_h;
    let show = |d: Decimal| with_unit(lang, fixed(d, decimals), unit);

    let mut value_lines = Vec::new();
    let mut current = Vec::new();
    let mut dots = Vec::new();
    for (i, p) in series.iter().enumerate() {
        match p.value {
            Some(v) => {
                let (x, y) = (x_of(i), y_of(v.to_f64()));
                current.push(format!("{x:.1},{y:.1}"));
                dots.push(Dot { x, y });
            }
            None => {
                if current.len() > 1 {
                    value_lines.push(current.join(" "));
                }
                current.clear();
            }
        }
    }
    if current.len() > 1 {
        value_lines.push(current.join(" "));
    }
    let target_line = series
        .iter()
        .enumerate()
        .filter_map(|(i, p)| p.target.map(|t| format!("{:.1},{:.1}", x_of(i), y_of(t.to_f64()))))
        .collect::<Vec<_>>()
        .join(" ");
    let mut grid = Vec::new();
    let mut y_labels = Vec::new();
    let mut v = lo;
    while v <= hi + step / 2.0 {
        let y = y_of(v);
        grid.push(y);
        let text = format!("{v:.axis_decimals$}");
        let text = if lang == Lang::Sv { text.replace('.', ",").replace('-', "\u{2212}") } else { text };
        y_labels.push(Label { x: LEFT - 8.0, y: y + 4.0, text });
        v += step;
    }
    let x_labels = series
        .iter()
        .enumerate()
        .map(|(i, p)| Label { x: x_of(i), y: HEIGHT - 10.0, text: short_period(lang, p.period) })
        .collect();
    let rows: Vec<TableRow> = series
        .iter()
        .map(|p| TableRow {
            period: period_label(lang, p.period),
            target: p.target.map(show).unwrap_or_else(|| "–".into()),
            value: p.value.map(show).unwrap_or_else(|| "–".into()),
        })
        .collect();
    let said: Vec<String> = rows.iter().filter(|r| r.value != "–").map(|r| format!("{} {}", r.period, r.value)).collect();
    let target = series.iter().find_map(|p| p.target).map(show);
    let desc = match target {
        Some(t) => lang.t_args("chart-desc-target", &[("values", said.join("; ")), ("target", t)]),
        None => lang.t_args("chart-desc", &[("values", said.join("; "))]),
    };
    Some(LineChart {
        title: lang.t_args("chart-title", &[("name", title.to_owned())]),
        desc,
        width: WIDTH,
        height: HEIGHT,
        value_lines,
        dots,
        target_line,
        y_labels,
        x_labels,
        grid,
        rows,
    })
}

/// A period as an axis label: the month's short name, "T1", "Q2", "H1" or the year.
pub(crate) fn short_period(lang: Lang, p: domain::period::PeriodKey) -> String {
    let key = p.to_string();
    match p.periodicity() {
        domain::period::Periodicity::Month => lang.t(&format!("month-short-{}", p.index())),
        domain::period::Periodicity::Year => key,
        _ => key.split_once('-').map(|(_, s)| s.to_owned()).unwrap_or(key),
    }
}
