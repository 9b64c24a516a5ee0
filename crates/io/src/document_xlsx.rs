//! The tables of a document as an XLSX workbook, for those who compute further: one sheet per
//! table, named by the table's name, with its caption and column headers; group headings and
//! totals are rows of their own, in bold.

use domain::document::{Cell, Document, Row, Table};

use crate::xlsx::{Sheet, WriteError, write_sheets};

/// Writes every table of `document` as one sheet of a workbook, in document order. A document
/// without tables gives a workbook without sheets.
pub fn document_workbook(document: &Document) -> Result<Vec<u8>, WriteError> {
    let sheets: Vec<(Sheet, Vec<bool>)> = document.tables().map(table_sheet).collect();
    write_sheets(sheets.iter().map(|(sheet, bold_rows)| (sheet, bold_rows.as_slice())))
}

/// The table's sheet and which of its rows are bold. Rows longer than the header are cut to it,
/// as in the printed table.
fn table_sheet(table: &Table) -> (Sheet, Vec<bool>) {
    let columns = table.columns.len();
    let (rows, bold_rows) = table
        .rows
        .iter()
        .map(|row| match row {
            Row::Body { cells } => (cut(cells, columns), false),
            Row::Total { cells } => (cut(cells, columns), true),
            Row::Group { text } => (vec![Cell::Text(text.clone())], true),
        })
        .unzip();
    let header = if columns == 0 {
        Vec::new()
    } else {
        vec![table.columns.iter().map(|column| column.header.clone()).collect()]
    };
    let sheet = Sheet { name: table.name.clone(), caption: table.caption.clone(), header, rows };
    (sheet, bold_rows)
}

fn cut(cells: &[Cell], columns: usize) -> Vec<Cell> {
    cells.iter().take(columns).cloned().collect()
}
