//! Charts in documents: a horizontal bar chart (one bar per unit, a dashed line at the target),
//! drawn as SVG by a pure function so that every writer prints the same figure: the PDF embeds
//! the SVG, the DOCX a PNG rasterised from it. The chart carries its alternative text, which
//! says every value, for screen readers; colour never carries meaning alone.

use serde::{Deserialize, Serialize};

/// A bar chart with its caption and alternative text.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Chart {
    /// Printed under the figure: "Sjukfrånvaro per enhet, 2020-T1".
    pub caption: String,
    /// Says what the figure shows, value by value.
    pub alt: String,
    pub bars: Vec<Bar>,
    /// A dashed line across the bars: the target, with its label ("Mål 4,0 %").
    pub target: Option<Mark>,
}

/// One bar: its label, its value (none: no bar, the value text says why) and the value as
/// printed ("4,3 %").
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Bar {
    pub label: String,
    pub value: Option<f64>,
    pub shown: String,
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

impl Chart {
    /// The height of the drawing for its number of bars.
    pub fn height(&self) -> f64 {
        TOP + ROW * self.bars.len().max(1) as f64 + BOTTOM
    }

    /// The chart as a standalone SVG document, with `<title>` and `<desc>` from the caption and
    /// the alternative text.
    pub fn svg(&self) -> String {
        let height = self.height();
        let plot_left = LABEL_WIDTH + 6.0;
        let plot_width = CHART_WIDTH - plot_left - VALUE_WIDTH;
        let largest = self.bars.iter().filter_map(|b| b.value).chain(self.target.as_ref().map(|t| t.value)).fold(0.0_f64, f64::max);
        let smallest = self.bars.iter().filter_map(|b| b.value).fold(0.0_f64, f64::min);
        let span = if largest - smallest > 0.0 { largest - smallest } else { 1.0 };
        let x = |v: f64| plot_left + (v - smallest) / span * plot_width;
        let mut out = format!(
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="{CHART_WIDTH}" height="{height}" viewBox="0 0 {CHART_WIDTH} {height}" font-family="{CHART_FONT}" font-size="9"><title>{}</title><desc>{}</desc><rect width="100%" height="100%" fill="#ffffff"/>"##,
            escape(&self.caption),
            escape(&self.alt)
        );
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
        out.push_str("</svg>");
        out
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
        let bar = |label: &str, value: Option<f64>, shown: &str| Bar { label: label.into(), value, shown: shown.into() };
        Chart {
            caption: "Sjukfrånvaro per enhet, 2020-T1".into(),
            alt: "Centrum för ekonomi 3,8 %, Centrum för HR 5,2 %, Stab saknar värde. Mål 4,0 %.".into(),
            bars: vec![bar("Centrum för ekonomi", Some(3.8), "3,8 %"), bar("Centrum för HR <R&D>", Some(5.2), "5,2 %"), bar("Stab", None, "–")],
            target: Some(Mark { value: 4.0, label: "Mål 4,0 %".into() }),
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
}
