//! Reading actuals exported from the ledger (CSV or XLSX) into typed rows and per-line problems.
//!
//! This is the file format only: whether a unit or account exists, duplicates, and whether the
//! month lies in the year being imported are judged by the caller against the organisation.

mod amount;
mod columns;
mod csv_source;
mod lines;
mod month;
mod value;
mod xlsx_source;

use domain::money::{Money, Unit};
use serde::Serialize;

pub use columns::LedgerColumn;
use lines::LedgerBuilder;

use crate::problem::LineProblem;
use crate::text::decode;

/// How to read the bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LedgerFormat {
    Csv,
    Xlsx,
    /// XLSX if the bytes are a zip container (or an old .xls, which is refused), CSV otherwise.
    #[default]
    Detect,
}

/// How to read a ledger file. The default: detect the format, amounts in kr, first sheet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgerOptions {
    pub format: LedgerFormat,
    /// What the amounts are written in: kr (ledgers), or tkr.
    pub amount_unit: Unit,
    /// The worksheet to read, ignoring case; `None` reads the first visible worksheet.
    pub sheet: Option<String>,
}

impl Default for LedgerOptions {
    fn default() -> Self {
        Self { format: LedgerFormat::Detect, amount_unit: Unit::Kr, sheet: None }
    }
}

/// Everything read from a ledger file: the good rows and every problem found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LedgerFile {
    /// The encoding a CSV file was read as ("UTF-8", "windows-1252", "UTF-16LE", "UTF-16BE");
    /// `None` for a workbook, or a file that could not be decoded.
    pub encoding: Option<&'static str>,
    /// Lines without problems, in file order.
    pub rows: Vec<LedgerRow>,
    /// Every problem, ordered by line (whole-file problems, line 0, first).
    pub problems: Vec<LineProblem>,
}

/// One ledger line: an amount for a unit, an account and a month.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LedgerRow {
    /// 1-based, as the user sees it in Excel or a text editor.
    pub line: u32,
    /// The unit's external id, trimmed.
    pub unit: String,
    /// The account or category code, trimmed.
    pub account: String,
    /// (year, month 1–12).
    pub month: (i32, u8),
    pub amount: Money,
}

/// Reads a ledger file. Never fails: what cannot be read is in [`LedgerFile::problems`].
pub fn read_ledger(bytes: &[u8], options: &LedgerOptions) -> LedgerFile {
    let mut builder = LedgerBuilder::new(options.amount_unit);
    let format = match options.format {
        LedgerFormat::Detect if looks_like_workbook(bytes) => LedgerFormat::Xlsx,
        LedgerFormat::Detect => LedgerFormat::Csv,
        explicit => explicit,
    };
    if format == LedgerFormat::Xlsx {
        xlsx_source::read(bytes, options.sheet.as_deref(), &mut builder);
        return builder.finish(None);
    }
    match decode(bytes) {
        Ok(decoded) => {
            csv_source::read(&decoded.text, &mut builder);
            builder.finish(Some(decoded.encoding))
        }
        Err(problem) => {
            builder.problem(problem);
            builder.finish(None)
        }
    }
}

/// A zip container (XLSX) or an OLE2 compound file (.xls, encrypted XLSX).
fn looks_like_workbook(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")
}
