//! How cells look: number formats and column widths.

use domain::money::format_sv;

use super::Cell;

/// Most decimals shown; more is never meaningful in a report and Excel caps at 30.
pub(crate) const MAX_DECIMALS: u32 = 10;

/// Excel's format code for a grouped number with `decimals` decimals. Format codes are written in
/// the en-US form (`#,##0.0`); Excel shows them with the reader's locale, "2 547,4" in Swedish.
pub(crate) fn number_format(decimals: u32) -> String {
    match decimals.min(MAX_DECIMALS) {
        0 => "#,##0".to_owned(),
        d => format!("#,##0.{}", "0".repeat(d as usize)),
    }
}

/// A number followed by its unit as quoted literal text (`#,##0.0" %"`), so "%" shows as written
/// and does not scale the value by a hundred.
pub(crate) fn quantity_format(decimals: u32, unit: &str) -> String {
    let unit: String = unit.chars().filter(|c| *c != '"' && !c.is_control()).collect();
    if unit.is_empty() { number_format(decimals) } else { format!("{}\" {unit}\"", number_format(decimals)) }
}

pub(crate) fn percent_format(decimals: u32) -> String {
    match decimals.min(MAX_DECIMALS) {
        0 => "0%".to_owned(),
        d => format!("0.{}%", "0".repeat(d as usize)),
    }
}

/// About how many characters the cell shows, for the column width.
pub(crate) fn shown_width(cell: &Cell) -> usize {
    match cell {
        Cell::Empty => 0,
        Cell::Text(text) => text.lines().map(|line| line.chars().count()).max().unwrap_or(0),
        Cell::Integer(number) => number.to_string().len(),
        Cell::Number { value, decimals } => grouped_width(*value, *decimals),
        Cell::Percent { value, decimals } => grouped_width(value * 100.0, *decimals) + 2,
        Cell::Money { amount, unit, decimals } => {
            format_sv(*amount, *unit, (*decimals).min(MAX_DECIMALS)).chars().count()
        }
        Cell::Quantity { value, decimals, unit } => grouped_width(*value, *decimals) + 1 + unit.chars().count(),
    }
}

/// Characters of `value` printed with `decimals` decimals and a separator every three digits.
fn grouped_width(value: f64, decimals: u32) -> usize {
    let plain = format!("{:.*}", decimals.min(MAX_DECIMALS) as usize, value.abs());
    let integer_digits = plain.split('.').next().map_or(0, str::len);
    plain.len() + integer_digits.saturating_sub(1) / 3 + usize::from(value < 0.0)
}

/// Column width in Excel's units (about one digit each): room for the widest cell, within limits
/// so a long text wraps instead of making a column a screen wide.
pub(crate) fn column_width(widest: usize) -> f64 {
    (widest + 2).clamp(8, 60) as f64
}

/// Lines `text` takes in a column `width` units wide: one per line break, and long lines wrapped.
/// Estimated from the character count, so a little high rather than cutting a line off.
pub(crate) fn text_lines(text: &str, width: f64) -> usize {
    let per_line = (width as usize).saturating_sub(1).max(1);
    text.split('\n').map(|line| line.chars().count().div_ceil(per_line).max(1)).sum()
}

/// Row height in points for `lines` lines of Excel's default 11 pt font.
pub(crate) fn row_height(lines: usize) -> f64 {
    15.0 * lines as f64
}

#[cfg(test)]
mod tests {
    use domain::money::{Money, Unit};

    use super::*;

    #[test]
    fn format_codes() {
        assert_eq!(number_format(0), "#,##0");
        assert_eq!(number_format(1), "#,##0.0");
        assert_eq!(percent_format(1), "0.0%");
        assert_eq!(number_format(99), number_format(MAX_DECIMALS));
        assert_eq!(quantity_format(1, "%"), "#,##0.0\" %\"", "a quoted % is text, not a scaling");
        assert_eq!(quantity_format(0, "st \"x\""), "#,##0\" st x\"", "a quote in the unit cannot end the literal");
        assert_eq!(quantity_format(2, ""), "#,##0.00");
    }

    #[test]
    fn widths_follow_what_is_shown() {
        assert_eq!(shown_width(&Cell::Number { value: -2547.44, decimals: 1 }), "-2 547,4".len());
        assert_eq!(shown_width(&Cell::Number { value: 999.0, decimals: 0 }), 3);
        let frame = Money::from_ore(22_100_000_000);
        assert_eq!(shown_width(&Cell::Money { amount: frame, unit: Unit::Tkr, decimals: 0 }), "221 000".len());
        assert_eq!(shown_width(&Cell::Quantity { value: 74.0, decimals: 1, unit: "mkr".into() }), "74,0 mkr".len());
        assert_eq!(shown_width(&Cell::Text("Vårdcentral\nÅby".into())), 11);
        assert_eq!(column_width(0), 8.0);
        assert_eq!(text_lines("2020–2022\nDelårsrapport\noch årsredov.", 15.0), 3);
        assert_eq!(text_lines(&"lång text ".repeat(12), 60.0), 3, "120 characters in a 60 wide column");
        assert_eq!(text_lines("", 60.0), 1);
        assert_eq!(column_width(500), 60.0);
    }
}
