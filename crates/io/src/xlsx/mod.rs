//! Tables → an XLSX workbook that a Swedish user can compute with: numbers are numeric cells in a
//! format Excel localises ("2 547,4"), never text.
//!
//! Layout of each sheet: the caption in the first row (bold), then the header rows (bold,
//! wrapped, frozen so they stay in view), then the data rows; columns as wide as their widest
//! cell, within 8–60 characters.

mod layout;
mod sheet_name;

use std::collections::HashMap;

use domain::money::{Money, Unit};
use rust_xlsxwriter::{Format, FormatAlign, Workbook, Worksheet, XlsxError};

use layout::{column_width, number_format, percent_format, shown_width};
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

/// One cell of a table.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Cell {
    #[default]
    Empty,
    /// Always a text cell, even if it looks like a number or a formula ("=1+1" stays text).
    Text(String),
    /// A whole number shown without grouping, for years, counts and codes ("2020"). Beyond
    /// ±2^53, where an f64 cell would alter it, it is written as text.
    Integer(i64),
    /// A number with `decimals` decimals and thousands grouping.
    Number { value: f64, decimals: u32 },
    /// A share shown as a percentage: `value` 0.035 is "3,5 %".
    Percent { value: f64, decimals: u32 },
    /// An amount shown in `unit` with `decimals` decimals. The cell holds the exact amount in
    /// that unit (221 400 000 kr as 221,4 in mkr), so sums in Excel match the system's; only the
    /// display rounds, as Excel's ROUND does (half away from zero).
    Money { amount: Money, unit: Unit, decimals: u32 },
}

impl Cell {
    pub fn text(text: impl Into<String>) -> Cell {
        Cell::Text(text.into())
    }

    pub fn money(amount: Money, unit: Unit, decimals: u32) -> Cell {
        Cell::Money { amount, unit, decimals }
    }
}

/// Why no workbook could be written: a table beyond Excel's limits (1 048 576 rows, 16 384
/// columns, 32 767 characters in a cell).
#[derive(Debug, thiserror::Error)]
#[error("could not write the XLSX workbook: {0}")]
pub struct WriteError(#[from] XlsxError);

/// Writes the tables as one workbook, one sheet each, in order. Sheet names are made valid for
/// Excel: at most 31 characters, none of `[ ] : * ? / \`, unique ignoring case.
pub fn write_workbook(sheets: &[Sheet]) -> Result<Vec<u8>, WriteError> {
    let mut workbook = Workbook::new();
    let mut formats = Formats::default();
    let names = sheet_names(sheets.iter().map(|sheet| sheet.name.as_str()));
    for (sheet, name) in sheets.iter().zip(names) {
        let worksheet = workbook.add_worksheet();
        worksheet.set_name(name)?;
        write_sheet(worksheet, sheet, &mut formats)?;
    }
    Ok(workbook.save_to_buffer()?)
}

fn write_sheet(worksheet: &mut Worksheet, sheet: &Sheet, formats: &mut Formats) -> Result<(), XlsxError> {
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
    for cells in &sheet.rows {
        for (column, cell) in cells.iter().enumerate() {
            write_cell(worksheet, row, col(column)?, cell, formats)?;
            widen(column, shown_width(cell));
        }
        row = row.checked_add(1).ok_or(XlsxError::RowColumnLimitError)?;
    }
    for (column, &width) in widest.iter().enumerate() {
        worksheet.set_column_width(col(column)?, column_width(width))?;
    }
    Ok(())
}

fn write_cell(
    worksheet: &mut Worksheet,
    row: u32,
    column: u16,
    cell: &Cell,
    formats: &mut Formats,
) -> Result<(), XlsxError> {
    /// Largest integer an f64 holds exactly, with every integer below it.
    const EXACT_IN_F64: i64 = 1 << 53;
    match cell {
        Cell::Empty => {}
        Cell::Text(text) => {
            worksheet.write_string_with_format(row, column, text, &formats.text)?;
        }
        Cell::Integer(number) if number.unsigned_abs() <= EXACT_IN_F64.unsigned_abs() => {
            worksheet.write_number(row, column, *number as f64)?;
        }
        Cell::Integer(number) => {
            worksheet.write_string(row, column, number.to_string())?;
        }
        Cell::Number { value, decimals } => {
            worksheet.write_number_with_format(row, column, *value, formats.get(number_format(*decimals)))?;
        }
        Cell::Percent { value, decimals } => {
            worksheet.write_number_with_format(row, column, *value, formats.get(percent_format(*decimals)))?;
        }
        Cell::Money { amount, unit, decimals } => {
            let value = money_value(*amount, *unit);
            worksheet.write_number_with_format(row, column, value, formats.get(number_format(*decimals)))?;
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

/// Formats shared by all sheets: Excel stores each distinct format once per workbook.
struct Formats {
    caption: Format,
    header: Format,
    /// Text cells align top so a wrapped neighbour does not leave them floating.
    text: Format,
    numbers: HashMap<String, Format>,
}

impl Default for Formats {
    fn default() -> Self {
        Formats {
            caption: Format::new().set_bold().set_font_size(13),
            header: Format::new().set_bold().set_text_wrap().set_align(FormatAlign::Top),
            text: Format::new().set_align(FormatAlign::Top),
            numbers: HashMap::new(),
        }
    }
}

impl Formats {
    fn get(&mut self, code: String) -> &Format {
        self.numbers
            .entry(code)
            .or_insert_with_key(|code| Format::new().set_num_format(code).set_align(FormatAlign::Top))
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
