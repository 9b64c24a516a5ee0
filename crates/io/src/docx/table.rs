//! A table of the document: its caption, a header row repeated on every page, body, group and
//! total rows, numbers right-aligned, columns as wide as the model says in proportion.

use docx_rs::{
    AlignmentType, Paragraph, Shading, ShdType, Table as DocxTable, TableBorder, TableBorderPosition, TableBorders,
    TableCell, TableCellBorder, TableCellBorderPosition, TableCellMargins, TableLayoutType, TableRow, VAlignType,
    WidthType,
};
use domain::document::{Cell, Column, Row, Table};

use super::layout::{GRID_LINE, GROUP_FILL, HEADER_FILL, TEXT_WIDTH, TOTAL_LINE};
use super::styles::{CAPTION, TABLE_HEADING, TABLE_TEXT};
use super::text::{paragraph, run};

/// A table as written: the caption (if any), then the table itself unless it has no columns.
pub(super) struct WrittenTable {
    pub caption: Option<Paragraph>,
    pub table: Option<DocxTable>,
}

/// Rows at the top of every written table that repeat on each page (see `package`).
pub(super) const HEADER_ROWS: usize = 1;

pub(super) fn table(table: &Table, language: &str) -> WrittenTable {
    let caption = table.caption.as_deref().map(|caption| paragraph(CAPTION, caption));
    if table.columns.is_empty() {
        return WrittenTable { caption, table: None };
    }
    let widths = column_widths(&table.columns);
    let numeric = numeric_columns(table);
    let mut rows = vec![header_row(&table.columns, &widths, &numeric)];
    for row in &table.rows {
        rows.push(match row {
            Row::Body { cells } => cell_row(cells, &widths, &numeric, language, RowKind::Body),
            Row::Total { cells } => cell_row(cells, &widths, &numeric, language, RowKind::Total),
            Row::Group { text } => group_row(text, widths.len()),
        });
    }
    let grid_line = |position| TableBorder::new(position).size(4).color(GRID_LINE);
    let borders = TableBorders::new()
        .set(grid_line(TableBorderPosition::Top))
        .set(grid_line(TableBorderPosition::Left))
        .set(grid_line(TableBorderPosition::Bottom))
        .set(grid_line(TableBorderPosition::Right))
        .set(grid_line(TableBorderPosition::InsideH))
        .set(grid_line(TableBorderPosition::InsideV));
    let written = DocxTable::new(rows)
        .set_grid(widths.clone())
        .width(widths.iter().sum(), WidthType::Dxa)
        .layout(TableLayoutType::Fixed)
        .set_borders(borders)
        .margins(TableCellMargins::new().margin(0, 85, 0, 85));
    WrittenTable { caption, table: Some(written) }
}

/// Column widths in twips: the text width shared in proportion to the columns' relative widths,
/// the rounding remainder going to the last column so the table spans the text width exactly.
fn column_widths(columns: &[Column]) -> Vec<usize> {
    let total: u64 = columns.iter().map(|column| u64::from(column.width.max(1))).sum();
    let mut widths: Vec<usize> = columns
        .iter()
        .map(|column| (u64::from(TEXT_WIDTH) * u64::from(column.width.max(1)) / total) as usize)
        .collect();
    let used: usize = widths.iter().sum();
    if let Some(last) = widths.last_mut() {
        *last += TEXT_WIDTH as usize - used;
    }
    widths
}

/// Whether each column holds numbers (some numeric cell, no text): its header aligns right too.
fn numeric_columns(table: &Table) -> Vec<bool> {
    (0..table.columns.len())
        .map(|column| {
            let cells = table.rows.iter().filter_map(|row| match row {
                Row::Body { cells } | Row::Total { cells } => cells.get(column),
                Row::Group { .. } => None,
            });
            let mut any_number = false;
            for cell in cells {
                match cell {
                    Cell::Empty => {}
                    Cell::Text(_) => return false,
                    _ => any_number = true,
                }
            }
            any_number
        })
        .collect()
}

#[derive(Clone, Copy, PartialEq)]
enum RowKind {
    Body,
    Total,
}

fn header_row(columns: &[Column], widths: &[usize], numeric: &[bool]) -> TableRow {
    let cells = columns
        .iter()
        .zip(widths)
        .zip(numeric)
        .map(|((column, &width), &numeric)| {
            cell(paragraph(TABLE_HEADING, &column.header), width, numeric)
                .shading(fill(HEADER_FILL))
                .vertical_align(VAlignType::Bottom)
        })
        .collect();
    TableRow::new(cells).cant_split()
}

/// A row of cells, padded with empty cells or cut to the number of columns.
fn cell_row(cells: &[Cell], widths: &[usize], numeric: &[bool], language: &str, kind: RowKind) -> TableRow {
    let style = if kind == RowKind::Total { TABLE_HEADING } else { TABLE_TEXT };
    let empty = Cell::Empty;
    let cells = widths
        .iter()
        .enumerate()
        .map(|(column, &width)| {
            let value = cells.get(column).unwrap_or(&empty);
            let right = value.is_numeric() || (value == &Cell::Empty && numeric[column]);
            let written = cell(paragraph(style, &value.display(language)), width, right);
            if kind == RowKind::Total {
                written.set_border(TableCellBorder::new(TableCellBorderPosition::Top).size(8).color(TOTAL_LINE))
            } else {
                written
            }
        })
        .collect();
    TableRow::new(cells).cant_split()
}

/// A group heading: one bold, shaded cell across all columns.
fn group_row(text: &str, columns: usize) -> TableRow {
    let cell = TableCell::new()
        .grid_span(columns)
        .add_paragraph(Paragraph::new().style(TABLE_HEADING).add_run(run(text)).keep_next(true))
        .width(TEXT_WIDTH as usize, WidthType::Dxa)
        .shading(fill(GROUP_FILL));
    TableRow::new(vec![cell]).cant_split()
}

fn cell(paragraph: Paragraph, width: usize, right_aligned: bool) -> TableCell {
    let paragraph = if right_aligned { paragraph.align(AlignmentType::Right) } else { paragraph };
    TableCell::new().add_paragraph(paragraph).width(width, WidthType::Dxa).vertical_align(VAlignType::Top)
}

fn fill(colour: &str) -> Shading {
    Shading::new().shd_type(ShdType::Clear).color("auto").fill(colour)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_share_the_text_width_in_proportion() {
        let widths = column_widths(&[Column::new("Centrum", 3), Column::new("2019", 1), Column::new("2020", 1)]);
        assert_eq!(widths.iter().sum::<usize>(), TEXT_WIDTH as usize);
        assert_eq!(widths[1], widths[0] / 3);
        let zero = Column { header: String::new(), width: 0 };
        assert_eq!(column_widths(&[zero.clone(), zero]), vec![4535, 4535]);
    }
}
