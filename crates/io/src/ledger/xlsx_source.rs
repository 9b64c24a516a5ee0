//! XLSX workbook → lines of values, from the first visible worksheet or a named one.

use std::io::Cursor;

use calamine::{Reader, SheetType, SheetVisible, Xlsx, open_workbook_from_rs};

use super::lines::LedgerBuilder;
use super::value::Value;
use crate::problem::{LineProblem, LineProblemCode};

/// Start of an OLE2 compound file: the binary .xls format, or an encrypted workbook.
const OLE2_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

pub(crate) fn read(bytes: &[u8], sheet: Option<&str>, builder: &mut LedgerBuilder) {
    let unreadable = |reason: String| LineProblem::whole_file(LineProblemCode::UnreadableFile, reason);
    if bytes.starts_with(OLE2_MAGIC) {
        let reason = "not an XLSX workbook: an old .xls file or a password-protected workbook; save it as .xlsx or CSV";
        return builder.problem(unreadable(reason.to_owned()));
    }
    let mut workbook: Xlsx<_> = match open_workbook_from_rs(Cursor::new(bytes)) {
        Ok(workbook) => workbook,
        Err(error) => return builder.problem(unreadable(error.to_string())),
    };
    let name = match sheet {
        Some(wanted) => match find_sheet(&workbook, wanted) {
            Some(name) => name,
            None => return builder.problem(LineProblem::whole_file(LineProblemCode::UnknownSheet, wanted)),
        },
        None => match first_visible_worksheet(&workbook) {
            Some(name) => name,
            None => return builder.problem(unreadable("the workbook has no worksheet".to_owned())),
        },
    };
    let range = match workbook.worksheet_range(&name) {
        Ok(range) => range,
        Err(error) => return builder.problem(unreadable(error.to_string())),
    };
    // The range starts at the first used cell; its row number keeps line numbers as Excel's.
    let first_row = range.start().map_or(0, |(row, _)| row);
    for (offset, cells) in range.rows().enumerate() {
        let line = u32::try_from(offset).ok().and_then(|offset| first_row.checked_add(offset + 1)).unwrap_or(u32::MAX);
        let values: Vec<Value<'_>> = cells.iter().map(Value::from_cell).collect();
        builder.line(line, &values);
    }
}

/// The sheet named `wanted`, compared as Excel does: ignoring case.
fn find_sheet<R: std::io::Read + std::io::Seek>(workbook: &Xlsx<R>, wanted: &str) -> Option<String> {
    let wanted = wanted.trim().to_lowercase();
    workbook.sheet_names().into_iter().find(|name| name.to_lowercase() == wanted)
}

fn first_visible_worksheet<R: std::io::Read + std::io::Seek>(workbook: &Xlsx<R>) -> Option<String> {
    workbook
        .sheets_metadata()
        .iter()
        .find(|sheet| sheet.typ == SheetType::WorkSheet && sheet.visible == SheetVisible::Visible)
        .map(|sheet| sheet.name.clone())
}
