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
    }

    #[test]
    fn widths_follow_what_is_shown() {
        assert_eq!(shown_width(&Cell::Number { value: -2547.44, decimals: 1 }), "-2 547,4".len());
        assert_eq!(shown_width(&Cell::Number { value: 999.0, decimals: 0 }), 3);
        let frame = Money::from_ore(22_100_000_000);
        assert_eq!(shown_width(&Cell::Money { amount: frame, unit: Unit::Tkr, decimals: 0 }), "221 000".len());
        assert_eq!(shown_width(&Cell::Text("Vårdcentral\nÅby".into())), 11);
        assert_eq!(column_width(0), 8.0);
        assert_eq!(column_width(500), 60.0);
    }
}
