//! File formats of Styrbord: ledger files in; XLSX workbooks and DOCX documents out. Bytes in →
//! typed rows and per-line problems; tables or documents in → bytes. No I/O and no knowledge of
//! the organisation: whether a unit or account exists is for the caller to judge.
//!
//! # Reading ledger files ([`ledger::read_ledger`])
//!
//! * **CSV**: `;`-separated, `"` quoting as Excel writes it, LF or CRLF line endings. Encoding
//!   UTF-8 (with or without byte-order mark) or Windows-1252, detected, and UTF-16 with a
//!   byte-order mark; the one used is reported. A file with NUL bytes (binary, or UTF-16 without
//!   a mark) is refused; lines whose bytes do not decode are listed.
//! * **XLSX**: the first visible worksheet, or one named in the call. Numeric cells are read
//!   from the number; text cells like CSV values. The old binary `.xls` is refused with a hint.
//! * **Header**: the first non-blank line names the columns, in any order, ignoring case,
//!   spaces, `_`, `-` and `.`. Required (other columns are ignored):
//!   - unit external id: `enhet`, `enhetsid`, `ansvar`, `unit`, `unit_id`, `external_id`
//!   - account or category code: `konto`, `kontokod`, `kategori`, `kategorikod`, `account`,
//!     `account_code`, `category`, `category_code`
//!   - month: `månad`, `period`, `datum`, `month`, `date`
//!   - amount: `belopp`, `utfall`, `amount`, `actual`
//! * **Month**: `2020-03` (or `2020-3`), `202003`, or a date `2020-03-31`; in XLSX also a date
//!   cell or the number 202003.
//! * **Amount**: Swedish notation, exact to the öre, in kr unless the call says tkr: `1 234,50`,
//!   `-1234,5`, `−1 234,50` (U+2212), en dash as minus, groups by space, NBSP or thin space. A
//!   decimal point is accepted except in the ambiguous `1.234`. More decimals than whole öre are
//!   a problem, never rounded (see [`domain::money::parse_sek`]).
//! * **Lines** are numbered as the user sees them, header = line 1 (Excel's row number for XLSX).
//!   Blank lines and lines of only `;` are skipped. Every problem in the file is listed
//!   ([`problem::LineProblemCode`]), not just the first; a line with a problem gives no row.
//!
//! # Writing workbooks ([`xlsx::write_workbook`])
//!
//! A small table model ([`xlsx::Sheet`], [`xlsx::Cell`]): numbers and amounts become numeric
//! cells with a grouped format that Excel shows in the reader's locale ("2 547,4").
//!
//! # Writing documents ([`docx::write_docx`], [`document_workbook`])
//!
//! A report or plan ([`domain::document::Document`]) as a DOCX file, laid out like the region's
//! own plans: title block, table of contents, numbered headings in Word's heading styles, tables
//! with repeated header rows, group and total rows, signatures (see [`docx`]). Its tables alone
//! as an XLSX workbook, one sheet per table, numbers as numbers and group and total rows in bold.
//! Both are pure: the same document always gives the same bytes.

mod document_xlsx;
pub mod docx;
pub mod ledger;
pub mod problem;
mod text;
pub mod xlsx;

pub use document_xlsx::document_workbook;
pub use docx::{DocxError, write_docx};
pub use ledger::{LedgerColumn, LedgerFile, LedgerFormat, LedgerOptions, LedgerRow, read_ledger};
pub use problem::{LineProblem, LineProblemCode};
pub use xlsx::{Cell, Sheet, WriteError, write_workbook};
