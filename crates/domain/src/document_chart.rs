//! Charts in documents, drawn as SVG by a pure function so that every writer prints the same
//! figure: the PDF embeds the SVG, the DOCX a PNG rasterised from it. Two layouts: bars across
//! (one per unit, a dashed line at the target) and columns over time (one per period, each with
//! its period's target as a dashed line). The chart carries its alternative text, which says every
//! value, for screen readers; colour never carries meaning alone (the target is dashed).

use serde::{Deserialize, Serialize};

/// A bar chart with its caption and alternative text.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Chart {
    /// Printed under the figure: "Sjukfrånvaro per enhet, 2020-T1".
    pub caption: String,
    /// Says what the figure shows, value by value.
    pub alt: String,
    /// Bars across (the default, as charts made before columns existed were) or columns up.
    #[serde(default)]
    pub layout: Layout,
    pub bars: Vec<Bar>,
    /// The target's label ("Mål 4,0 %"), and across the bars a dashed line at its value. Columns
    /// draw each column's own target when they have one (a target may change over the year).
    pub target: Option<Mark>,
    /// The figure's numbers as a table, when no printed table has them (an indicator's months):
    /// the workbook gives it a sheet; the printed writers draw the figure only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub numbers: Option<crate::document::Table>,
}

/// How the bars stand.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// Horizontal bars, labels on the left: units side by side.
    #[default]
    Across,
    /// Vertical columns, labels underneath: periods in order.
    Columns,
}

/// One bar: its label, its value (none: no bar, the value text says why) and the value as
/// printed ("4,3 %").
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Bar {
    pub label: String,
    pub value: Option<f64>,
    pub shown: String,
    /// The bar's own target, drawn by the columns layout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Mark {
    pub value: f64,
    pub label: String,
}

/// The family the chart's text is set in; the writers embed it (typst-assets).
pub const CHART_FONT: &str = "Libertinus Serif";

/// Width of the drawing in SVG units (points): the text width of an A4 page.
pub const CHART_WIDTH: f64 = 450.0;
const ROW: f64 = 18.0;
const LABEL_WIDTH: f64 = 170.0;
const VALUE_WIDTH: f64 = 60.0;
const TOP: f64 = 8.0;
const BOTTOM: f64 = 22.0;
const BAR_COLOUR: &str = "#1f5f8b";
const TARGET_COLOUR: &str = "#b3261e";
/// The columns layout: the plot's height, the room above it for the tallest column's value,
/// and below it for the period labels and, when there is a target, its legend.
const PLOT_HEIGHT: f64 = 120.0;
const COLUMNS_TOP: f64 = 16.0;
const COLUMNS_BOTTOM: f64 = 44.0;
const COLUMNS_BOTTOM_WITHOUT_LEGEND: f64 = 24.0;
const COLUMNS_SIDE: f64 = 12.0;
/// The widest a column is drawn, so that two periods do not look like two walls.
const MAX_COLUMN: f64 = 36.0;

impl Chart {
    /// The height of the drawing: by its number of bars across, fixed for columns.
    pub fn height(&self) -> f64 {
        match self.layout {
            Layout::Across => TOP + ROW * self.bars.len().max(1) as f64 + BOTTOM,
            Layout::Columns => {
                COLUMNS_TOP + self.plot_height() + if self.has_legend() { COLUMNS_BOTTOM } else { COLUMNS_BOTTOM_WITHOUT_LEGEND }
            }
        }
    }

    /// Each column's target: its own, or else the chart's.
    fn column_targets(&self) -> Vec<Option<f64>> {
        if self.bars.iter().any(|b| b.target.is_some()) {
            self.bars.iter().map(|b| b.target).collect()
        } else {
            self.bars.iter().map(|_| self.target.as_ref().map(|t| t.value)).collect()
        }
    }

    /// Whether the columns show a target, and so a legend saying what the dashed line is.
    fn has_legend(&self) -> bool {
        self.target.is_some() && self.column_targets().iter().any(Option::is_some)
    }

    /// The lowest and highest number the columns reach, values and targets, zero included.
    fn column_extent(&self) -> (f64, f64) {
        let numbers = self.bars.iter().filter_map(|b| b.value).chain(self.column_targets().into_iter().flatten());
        numbers.fold((0.0_f64, 0.0_f64), |(lo, hi), v| (lo.min(v), hi.max(v)))
    }

    /// The columns' plot height. Nothing but zeros has no height to show: the zero line with its
    /// values, rather than an empty plot above it.
    fn plot_height(&self) -> f64 {
        let (smallest, largest) = self.column_extent();
        if largest > smallest { PLOT_HEIGHT } else { 0.0 }
    }

    /// The chart as a standalone SVG document, with `<title>` and `<desc>` from the caption and
    /// the alternative text.
    pub fn svg(&self) -> String {
        let height = self.height();
        let mut out = format!(
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="{CHART_WIDTH}" height="{height}" viewBox="0 0 {CHART_WIDTH} {height}" font-family="{CHART_FONT}" font-size="9"><title>{}</title><desc>{}</desc><rect width="100%" height="100%" fill="#ffffff"/>"##,
            escape(&self.caption),
            escape(&self.alt)
        );
        match self.layout {
            Layout::Across => self.draw_across(&mut out),
            Layout::Columns => self.draw_columns(&mut out),
        }
        out.push_str("</svg>");
        out
    }

    fn draw_across(&self, out: &mut String) {
        let plot_left = LABEL_WIDTH + 6.0;
        let plot_width = CHART_WIDTH - plot_left - VALUE_WIDTH;
        let largest = self.bars.iter().filter_map(|b| b.value).chain(self.target.as_ref().map(|t| t.value)).fold(0.0_f64, f64::max);
        let smallest = self.bars.iter().filter_map(|b| b.value).fold(0.0_f64, f64::min);
        let span = if largest - smallest > 0.0 { largest - smallest } else { 1.0 };
        let x = |v: f64| plot_left + (v - smallest) / span * plot_width;
        let zero = x(0.0);
        let bottom = TOP + ROW * self.bars.len().max(1) as f64;
        let mut values = String::new();
        for (i, bar) in self.bars.iter().enumerate() {
            let top = TOP + ROW * i as f64;
            let middle = top + ROW / 2.0 + 3.0;
            out.push_str(&format!(r#"<text x="{LABEL_WIDTH}" y="{middle:.1}" text-anchor="end">{}</text>"#, escape(&shorten(&bar.label, 34))));
            let end = match bar.value {
                Some(v) => {
                    let (left, right) = if x(v) >= zero { (zero, x(v)) } else { (x(v), zero) };
                    out.push_str(&format!(
                        r#"<rect x="{left:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{BAR_COLOUR}"/>"#,
                        top + 3.0,
                        (right - left).max(0.5),
                        ROW - 6.0
                    ));
                    right
                }
                None => zero,
            };
            // A white ground keeps the value readable where the target line passes it.
            values.push_str(&format!(
                r##"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="12" fill="#ffffff"/><text x="{:.1}" y="{middle:.1}">{}</text>"##,
                end + 2.0,
                middle - 9.0,
                bar.shown.chars().count() as f64 * 5.0 + 4.0,
                end + 4.0,
                escape(&bar.shown)
            ));
        }
        // The target over the bars, under the values, so it never hides a number.
        if let Some(target) = &self.target {
            let at = x(target.value);
            out.push_str(&format!(
                r#"<line x1="{at:.1}" y1="{:.1}" x2="{at:.1}" y2="{bottom:.1}" stroke="{TARGET_COLOUR}" stroke-width="1.2" stroke-dasharray="4 3"/><text x="{at:.1}" y="{:.1}" text-anchor="middle" fill="{TARGET_COLOUR}">{}</text>"#,
                TOP - 4.0,
                bottom + 14.0,
                escape(&target.label)
            ));
        }
        out.push_str(&values);
        out.push_str(&format!(r##"<line x1="{zero:.1}" y1="{TOP}" x2="{zero:.1}" y2="{bottom:.1}" stroke="#555555" stroke-width="0.8"/>"##));
    }

    /// Columns from a zero line, each with its value above it (below it when negative) and its
    /// label underneath; each column's target as a dashed line across its slot, so that a target
    /// that holds joins into one line and one that changes steps; the target's label as a legend.
    fn draw_columns(&self, out: &mut String) {
        let targets = self.column_targets();
        let (smallest, largest) = self.column_extent();
        let plot_height = self.plot_height();
        // Nothing but zeros: the zero line at the bottom, as for any values of zero and more.
        let largest = if largest > smallest { largest } else { smallest + 1.0 };
        let span = largest - smallest;
        // Room under the lowest column for its value, when it hangs below zero.
        let below = if smallest < 0.0 { 12.0 } else { 0.0 };
        let y = |v: f64| COLUMNS_TOP + (largest - v) / span * (plot_height - below);
        let zero = y(0.0);
        let slot = (CHART_WIDTH - 2.0 * COLUMNS_SIDE) / self.bars.len().max(1) as f64;
        let column = (slot * 0.6).min(MAX_COLUMN);
        let plot_bottom = COLUMNS_TOP + plot_height;
        let mut values = String::new();
        for (i, bar) in self.bars.iter().enumerate() {
            let left = COLUMNS_SIDE + slot * i as f64;
            let centre = left + slot / 2.0;
            out.push_str(&format!(
                r#"<text x="{centre:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
                plot_bottom + 14.0,
                escape(&shorten(&bar.label, (slot / 5.0).max(3.0) as usize))
            ));
            let at = match bar.value {
                Some(v) => {
                    let (top, bottom) = if y(v) <= zero { (y(v), zero) } else { (zero, y(v)) };
                    out.push_str(&format!(
                        r#"<rect x="{:.1}" y="{top:.1}" width="{column:.1}" height="{:.1}" fill="{BAR_COLOUR}"/>"#,
                        centre - column / 2.0,
                        (bottom - top).max(0.5)
                    ));
                    if v < 0.0 { bottom + 10.0 } else { top - 3.0 }
                }
                None => zero - 3.0,
            };
            // A white ground keeps the value readable where a target line passes it.
            let width = bar.shown.chars().count() as f64 * 4.6 + 4.0;
            values.push_str(&format!(
                r##"<rect x="{:.1}" y="{:.1}" width="{width:.1}" height="11" fill="#ffffff"/><text x="{centre:.1}" y="{at:.1}" text-anchor="middle">{}</text>"##,
                centre - width / 2.0,
                at - 8.5,
                escape(&bar.shown)
            ));
        }
        let dashed = format!(r#"stroke="{TARGET_COLOUR}" stroke-width="1.2" stroke-dasharray="4 3""#);
        for (i, target) in targets.iter().enumerate() {
            let Some(t) = target else { continue };
            let left = COLUMNS_SIDE + slot * i as f64;
            let (level, right) = (y(*t), left + slot);
            out.push_str(&format!(r#"<line x1="{left:.1}" y1="{level:.1}" x2="{right:.1}" y2="{level:.1}" {dashed}/>"#));
        }
        out.push_str(&values);
        out.push_str(&format!(
            r##"<line x1="{COLUMNS_SIDE}" y1="{zero:.1}" x2="{:.1}" y2="{zero:.1}" stroke="#555555" stroke-width="0.8"/>"##,
            CHART_WIDTH - COLUMNS_SIDE
        ));
        if let Some(target) = self.target.as_ref().filter(|_| self.has_legend()) {
            let legend = plot_bottom + 32.0;
            out.push_str(&format!(
                r#"<line x1="{COLUMNS_SIDE}" y1="{:.1}" x2="{:.1}" y2="{:.1}" {dashed}/><text x="{:.1}" y="{legend:.1}" fill="{TARGET_COLOUR}">{}</text>"#,
                legend - 3.0,
                COLUMNS_SIDE + 24.0,
                legend - 3.0,
                COLUMNS_SIDE + 30.0,
                escape(&target.label)
            ));
        }
    }
}

/// A label cut to `max` characters with an ellipsis (the table beside the chart has it whole).
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max { text.to_owned() } else { format!("{}…", text.chars().take(max - 1).collect::<String>()) }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart() -> Chart {
        let bar = |label: &str, value: Option<f64>, shown: &str| Bar { label: label.into(), value, shown: shown.into(), target: None };
        Chart {
            caption: "Sjukfrånvaro per enhet, 2020-T1".into(),
            layout: Layout::Across,
            alt: "Centrum för ekonomi 3,8 %, Centrum för HR 5,2 %, Stab saknar värde. Mål 4,0 %.".into(),
            bars: vec![bar("Centrum för ekonomi", Some(3.8), "3,8 %"), bar("Centrum för HR <R&D>", Some(5.2), "5,2 %"), bar("Stab", None, "–")],
            target: Some(Mark { value: 4.0, label: "Mål 4,0 %".into() }),
            numbers: None,
        }
    }

    #[test]
    fn the_svg_has_a_bar_per_value_a_dashed_target_and_its_text_escaped() {
        let svg = chart().svg();
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\"") && svg.ends_with("</svg>"));
        assert_eq!(svg.matches(&format!("fill=\"{BAR_COLOUR}\"")).count(), 2, "no bar for the unit without a value");
        assert!(svg.contains("stroke-dasharray") && svg.contains("Mål 4,0 %"));
        assert!(svg.contains("Centrum för HR &lt;R&amp;D&gt;") && !svg.contains("<R&D>"));
        assert!(svg.contains("<desc>Centrum för ekonomi 3,8 %"), "the alternative text travels with the figure");
    }

    #[test]
    fn the_longer_value_draws_the_longer_bar() {
        let svg = chart().svg();
        let widths: Vec<f64> = svg
            .split("<rect x=")
            .skip(1)
            .filter(|rect| rect.split("/>").next().unwrap().contains(BAR_COLOUR))
            .map(|rect| rect.split("width=\"").nth(1).unwrap().split('"').next().unwrap().parse().unwrap())
            .collect();
        assert_eq!(widths.len(), 2);
        assert!(widths[1] > widths[0], "5,2 is longer than 3,8: {widths:?}");
        assert_eq!(chart().height(), TOP + 3.0 * ROW + BOTTOM);
    }

    /// Sick leave by month: the target is 5,0 % until March, then 4,0 %; April has no value.
    fn months() -> Chart {
        let bar = |label: &str, value: Option<f64>, shown: &str, target: f64| Bar { label: label.into(), value, shown: shown.into(), target: Some(target) };
        Chart {
            caption: "Sjukfrånvaro 2020 per månad".into(),
            alt: "jan 6,1 %, feb 4,2 %, mar 3,5 %, apr saknar värde.".into(),
            layout: Layout::Columns,
            bars: vec![bar("jan", Some(6.1), "6,1 %", 5.0), bar("feb", Some(4.2), "4,2 %", 5.0), bar("mar", Some(3.5), "3,5 %", 4.0), bar("apr", None, "–", 4.0)],
            target: Some(Mark { value: 4.0, label: "Mål".into() }),
            numbers: None,
        }
    }

    /// The `attribute` of each `element` in `svg` whose tag also contains `with`.
    fn attributes(svg: &str, element: &str, with: &str, attribute: &str) -> Vec<f64> {
        svg.split(&format!("<{element} "))
            .skip(1)
            .map(|e| e.split("/>").next().unwrap())
            .filter(|e| e.contains(with))
            .map(|e| e.split(&format!("{attribute}=\"")).nth(1).unwrap().split('"').next().unwrap().parse().unwrap())
            .collect()
    }

    #[test]
    fn columns_stand_in_period_order_with_each_periods_target() {
        let chart = months();
        let svg = chart.svg();
        let heights = attributes(&svg, "rect", BAR_COLOUR, "height");
        assert_eq!(heights.len(), 3, "no column for April, which has no value");
        assert!(heights[0] > heights[1] && heights[1] > heights[2], "6,1 > 4,2 > 3,5: {heights:?}");
        let lefts = attributes(&svg, "rect", BAR_COLOUR, "x");
        assert!(lefts[0] < lefts[1] && lefts[1] < lefts[2], "January first: {lefts:?}");
        // One dashed stretch per month plus the legend's; the target drops from 5,0 to 4,0 in March.
        let levels = attributes(&svg, "line", "stroke-dasharray", "y1");
        assert_eq!(levels.len(), 5);
        assert_eq!(levels[0], levels[1]);
        assert_eq!(levels[2], levels[3]);
        assert!(levels[2] > levels[1], "a lower target is drawn lower: {levels:?}");
        assert!(svg.contains(">Mål</text>") && svg.contains(">apr</text>") && svg.contains(">–</text>"));
        assert_eq!(chart.height(), COLUMNS_TOP + PLOT_HEIGHT + COLUMNS_BOTTOM);
    }

    #[test]
    fn a_negative_column_hangs_below_the_zero_line() {
        let mut chart = months();
        chart.bars[1].value = Some(-2.0);
        let svg = chart.svg();
        let tops = attributes(&svg, "rect", BAR_COLOUR, "y");
        let zero = attributes(&svg, "line", "#555555", "y1")[0];
        assert!(tops[0] < zero && (tops[1] - zero).abs() < 0.05, "the positive column ends at zero, the negative starts there: {tops:?} {zero}");
    }

    /// Where the text `text` stands (its baseline).
    fn text_y(svg: &str, text: &str) -> f64 {
        let at = svg.find(&format!(">{text}</text>")).unwrap();
        let start = svg[..at].rfind("<text ").unwrap();
        svg[start..at].split("y=\"").nth(1).unwrap().split('"').next().unwrap().parse().unwrap()
    }

    #[test]
    fn zeros_stand_on_the_zero_line_at_the_bottom_and_a_low_value_stays_above_the_labels() {
        let mut chart = months();
        for bar in &mut chart.bars {
            (bar.value, bar.shown, bar.target) = (Some(0.0), "0,0".into(), None);
        }
        chart.bars[2].value = Some(0.4);
        chart.target = None;
        let zero = attributes(&chart.svg(), "line", "#555555", "y1")[0];
        assert!((zero - (COLUMNS_TOP + PLOT_HEIGHT)).abs() < 0.05, "zero at the plot's foot: {zero}");

        (chart.bars[3].value, chart.bars[3].shown) = (Some(-3.8), "−3,8".into());
        let svg = chart.svg();
        assert!(text_y(&svg, "−3,8") + 3.0 < text_y(&svg, "apr"), "the lowest value clears its period's label");
        assert!(text_y(&svg, "apr") + 6.0 < chart.height(), "the labels stay inside the drawing");
        assert!(chart.height() < months().height(), "no room kept for a legend the chart does not have");
    }

    #[test]
    fn nothing_but_zeros_draws_the_zero_line_with_its_values_and_no_empty_plot_above() {
        let mut chart = months();
        for bar in &mut chart.bars {
            (bar.value, bar.shown, bar.target) = (Some(0.0), "0,0 mkr".into(), Some(0.0));
        }
        let full = months().height();
        assert!(chart.height() < full / 2.0, "a strip, not a tall empty figure: {} of {full}", chart.height());
        let svg = chart.svg();
        let zero = attributes(&svg, "line", "#555555", "y1")[0];
        assert!(text_y(&svg, "0,0 mkr") < zero && zero < text_y(&svg, "jan"), "values over the line, periods under it");
        assert!(text_y(&svg, "Mål") < chart.height(), "the legend stays inside the drawing");
    }

    #[test]
    fn a_chart_stored_before_columns_existed_reads_as_bars_across() {
        let stored = r#"{"caption":"c","alt":"a","bars":[{"label":"Stab","value":1.5,"shown":"1,5"}],"target":null}"#;
        let chart: Chart = serde_json::from_str(stored).unwrap();
        assert_eq!(chart.layout, Layout::Across);
        assert_eq!(chart.bars[0].target, None);
    }
}
