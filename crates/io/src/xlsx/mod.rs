//! Tables → an XLSX workbook that a Swedish user can compute with: numbers are numeric cells in a
//! format Excel localises ("2 547,4"), never text.
//!
//! Layout of each sheet: the caption in the first row (bold), then the header rows (bold,
//! wrapped, frozen so they stay in view), then the data rows; columns as wide as their widest
//! cell, within 8–60 characters, longer texts and texts with line breaks wrapping.

mod layout;
mod sheet_name;

use std::collections::HashMap;

use domain::money::{Money, Unit};
use rust_xlsxwriter::{Format, FormatAlign, Workbook, Worksheet, XlsxError};

use layout::{column_width, number_format, percent_format, quantity_format, row_height, shown_width, text_lines};
use sheet_name::sheet_names;

/// One table, one worksheet.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Sheet {
    /// Shown on the sheet's tab; made valid for Excel (see [`write_workbook`]).
    pub name: String,
    /// The table's caption, written in the first row.
    pub caption: Option<String>,
    /// Header rows, top to bottom (several for grouped columns; leave a cell empty under a
    /// group heading).
    pub header: Vec<Vec<String>>,
    pub rows: Vec<Vec<Cell>>,
}

/// One cell of a table: the document model's cell, so a report's tables go to XLSX unchanged.
pub use domain::document::Cell;

/// Why no workbook could be written: a table beyond Excel's limits (1 048 576 rows, 16 384
/// columns, 32 767 characters in a cell).
#[derive(Debug, thiserror::Error)]
#[error("could not write the XLSX workbook: {0}")]
pub struct WriteError(#[from] XlsxError);

/// Writes the tables as one workbook, one sheet each, in order. Sheet names are made valid for
/// Excel: at most 31 characters, none of `[ ] : * ? / \`, unique ignoring case.
pub fn write_workbook(sheets: &[Sheet]) -> Result<Vec<u8>, WriteError> {
    write_sheets(sheets.iter().map(|sheet| (sheet, &[] as &[bool])))
}

/// [`write_workbook`] with some data rows in bold: `bold_rows[i]` for `sheet.rows[i]` (rows past
/// its end are plain). For a document's group headings and totals.
pub(crate) fn write_sheets<'a>(
    sheets: impl IntoIterator<Item = (&'a Sheet, &'a [bool])>,
) -> Result<Vec<u8>, WriteError> {
    let sheets: Vec<(&Sheet, &[bool])> = sheets.into_iter().collect();
    let mut workbook = Workbook::new();
    // A fixed creation time: the same tables give the same bytes (rust_xlsxwriter stamps "now").
    let fixed = rust_xlsxwriter::ExcelDateTime::from_ymd(1980, 1, 1)?;
    workbook.set_properties(&rust_xlsxwriter::DocProperties::new().set_creation_datetime(&fixed));
    let mut formats = Formats::default();
    let names = sheet_names(sheets.iter().map(|(sheet, _)| sheet.name.as_str()));
    for ((sheet, bold_rows), name) in sheets.into_iter().zip(names) {
        let worksheet = workbook.add_worksheet();
        worksheet.set_name(name)?;
        write_sheet(worksheet, sheet, bold_rows, &mut formats)?;
    }
    Ok(workbook.save_to_buffer()?)
}

fn write_sheet(
    worksheet: &mut Worksheet,
    sheet: &Sheet,
    bold_rows: &[bool],
    formats: &mut Formats,
) -> Result<(), XlsxError> {
    let mut row: u32 = 0;
    if let Some(caption) = &sheet.caption {
        worksheet.write_string_with_format(row, 0, caption, &formats.caption)?;
        row += 1;
    }
    let mut widest: Vec<usize> = Vec::new();
    let mut widen = |column: usize, width: usize| {
        if widest.len() <= column {
            widest.resize(column + 1, 0);
        }
        widest[column] = widest[column].max(width);
    };
    for header_row in &sheet.header {
        for (column, text) in header_row.iter().enumerate() {
            worksheet.write_string_with_format(row, col(column)?, text, &formats.header)?;
            widen(column, text.chars().count());
        }
        row += 1;
    }
    if !sheet.header.is_empty() {
        worksheet.set_freeze_panes(row, 0)?;
    }
    let first_data_row = row;
    for (index, cells) in sheet.rows.iter().enumerate() {
        let bold = bold_rows.get(index).copied().unwrap_or(false);
        for (column, cell) in cells.iter().enumerate() {
            write_cell(worksheet, row, col(column)?, cell, bold, formats)?;
            widen(column, shown_width(cell));
        }
        row = row.checked_add(1).ok_or(XlsxError::RowColumnLimitError)?;
    }
    let widths: Vec<f64> = widest.into_iter().map(column_width).collect();
    for (column, &width) in widths.iter().enumerate() {
        worksheet.set_column_width(col(column)?, width)?;
    }
    fit_row_heights(worksheet, sheet, first_data_row - sheet.header.len() as u32, &widths)?;
    Ok(())
}

/// Makes rows of wrapped text tall enough to show it: not every spreadsheet grows a row by
/// itself (LibreOffice does not). `first_row` is the first header row.
fn fit_row_heights(worksheet: &mut Worksheet, sheet: &Sheet, first_row: u32, widths: &[f64]) -> Result<(), XlsxError> {
    let lines = |texts: Vec<Option<&str>>| {
        texts.iter().zip(widths).map(|(text, &width)| text.map_or(1, |text| text_lines(text, width))).max()
    };
    let header_lines = sheet.header.iter().map(|texts| lines(texts.iter().map(|text| Some(text.as_str())).collect()));
    let data_lines = sheet.rows.iter().map(|cells| {
        lines(cells.iter().map(|cell| if let Cell::Text(text) = cell { Some(text.as_str()) } else { None }).collect())
    });
    for (row, lines) in (first_row..).zip(header_lines.chain(data_lines)) {
        if let Some(lines @ 2..) = lines {
            worksheet.set_row_height(row, row_height(lines))?;
        }
    }
    Ok(())
}

fn write_cell(
    worksheet: &mut Worksheet,
    row: u32,
    column: u16,
    cell: &Cell,
    bold: bool,
    formats: &mut Formats,
) -> Result<(), XlsxError> {
    /// Largest integer an f64 holds exactly, with every integer below it.
    const EXACT_IN_F64: i64 = 1 << 53;
    match cell {
        Cell::Empty => {}
        Cell::Text(text) => {
            worksheet.write_string_with_format(row, column, text, formats.text(bold))?;
        }
        Cell::Integer(number) if number.unsigned_abs() <= EXACT_IN_F64.unsigned_abs() => {
            if bold {
                worksheet.write_number_with_format(row, column, *number as f64, formats.get(GENERAL, true))?;
            } else {
                worksheet.write_number(row, column, *number as f64)?;
            }
        }
        Cell::Integer(number) if bold => {
            worksheet.write_string_with_format(row, column, number.to_string(), formats.text(true))?;
        }
        Cell::Integer(number) => {
            worksheet.write_string(row, column, number.to_string())?;
        }
        Cell::Number { value, decimals } => {
            worksheet.write_number_with_format(row, column, *value, formats.get(&number_format(*decimals), bold))?;
        }
        Cell::Percent { value, decimals } => {
            worksheet.write_number_with_format(row, column, *value, formats.get(&percent_format(*decimals), bold))?;
        }
        Cell::Money { amount, unit, decimals } => {
            let value = money_value(*amount, *unit);
            worksheet.write_number_with_format(row, column, value, formats.get(&number_format(*decimals), bold))?;
        }
        Cell::Quantity { value, decimals, unit } => {
            worksheet.write_number_with_format(row, column, *value, formats.get(&quantity_format(*decimals, unit), bold))?;
        }
    }
    Ok(())
}

/// The amount in `unit` as the f64 nearest to its exact decimal value: converted exactly as
/// decimal text, rounded once, at the very end (never öre × 0.01, which would round twice).
pub(crate) fn money_value(amount: Money, unit: Unit) -> f64 {
    amount.to_decimal_string(unit).parse().expect("plain decimal text is a valid f64")
}

fn col(index: usize) -> Result<u16, XlsxError> {
    u16::try_from(index).map_err(|_| XlsxError::RowColumnLimitError)
}

/// Excel's format code for numbers as they are: whole numbers without grouping ("2020"); bold
/// integers need a format, plain ones are written without.
const GENERAL: &str = "General";

/// Formats shared by all sheets: Excel stores each distinct format once per workbook.
struct Formats {
    caption: Format,
    header: Format,
    /// Text cells wrap (line breaks and texts wider than the widest column show in full) and
    /// align top so a wrapped neighbour does not leave them floating.
    text: Format,
    bold_text: Format,
    /// By number format code and boldness.
    numbers: HashMap<(String, bool), Format>,
}

impl Default for Formats {
    fn default() -> Self {
        let text = Format::new().set_text_wrap().set_align(FormatAlign::Top);
        Formats {
            caption: Format::new().set_bold().set_font_size(13),
            header: Format::new().set_bold().set_text_wrap().set_align(FormatAlign::Top),
            bold_text: text.clone().set_bold(),
            text,
            numbers: HashMap::new(),
        }
    }
}

impl Formats {
    fn text(&self, bold: bool) -> &Format {
        if bold { &self.bold_text } else { &self.text }
    }

    fn get(&mut self, code: &str, bold: bool) -> &Format {
        self.numbers.entry((code.to_owned(), bold)).or_insert_with(|| {
            let format = Format::new().set_num_format(code).set_align(FormatAlign::Top);
            if bold { format.set_bold() } else { format }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_becomes_the_exact_amount_in_its_unit() {
        let amount = Money::from_ore(-232_620_000_000);
        assert_eq!(money_value(amount, Unit::Mkr), -2326.2);
        assert_eq!(money_value(amount, Unit::Tkr), -2_326_200.0);
        assert_eq!(money_value(Money::from_ore(1), Unit::Kr), 0.01);
        assert_eq!(money_value(Money::from_ore(10), Unit::Kr), 0.1, "not 10 × 0.01 = 0.10000000000000001");
    }

    #[test]
    fn an_empty_workbook_and_an_empty_sheet_are_written() {
        assert!(write_workbook(&[]).is_ok());
        let bytes = write_workbook(&[Sheet::default()]).unwrap();
        assert!(bytes.starts_with(b"PK\x03\x04"));
    }
}
