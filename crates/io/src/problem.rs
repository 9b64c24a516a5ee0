//! What can be wrong with a file itself: one [`LineProblem`] per finding, with the line the user
//! sees in Excel or a text editor, so an import preview can list every one of them.

use serde::Serialize;

/// One thing wrong with a file, where the user can find it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LineProblem {
    /// 1-based line (CSV) or row (XLSX) as the user sees it; the header is normally line 1.
    /// [`LineProblem::WHOLE_FILE`] (0) when the problem is not on any one line.
    pub line: u32,
    /// The column's header as written in the file. For [`LineProblemCode::MissingColumn`] the
    /// stable name of the missing column (`unit`, `account`, `month`, `amount`), since nothing in
    /// the file names it. `None` when the problem is not about one column.
    pub column: Option<String>,
    pub code: LineProblemCode,
    /// The offending text as read (trimmed), so the user recognises it; may be empty. Cut to
    /// [`LineProblem::MAX_VALUE_CHARS`] characters (ending in "…") so a runaway line stays readable.
    pub value: String,
}

impl LineProblem {
    /// The line number of problems that concern the whole file (empty, unreadable, binary).
    pub const WHOLE_FILE: u32 = 0;
    /// Longest `value` kept.
    pub const MAX_VALUE_CHARS: usize = 100;

    pub fn new(line: u32, column: Option<&str>, code: LineProblemCode, value: impl Into<String>) -> Self {
        let mut value = value.into();
        if value.chars().nth(Self::MAX_VALUE_CHARS).is_some() {
            let (cut, _) = value.char_indices().nth(Self::MAX_VALUE_CHARS - 1).expect("longer than the limit");
            value.truncate(cut);
            value.push('…');
        }
        Self { line, column: column.map(str::to_owned), code, value }
    }

    pub fn whole_file(code: LineProblemCode, value: impl Into<String>) -> Self {
        Self::new(Self::WHOLE_FILE, None, code, value)
    }

    pub fn is_whole_file(&self) -> bool {
        self.line == Self::WHOLE_FILE
    }
}

/// Why a line or file was rejected. Stable for programs (`as_str`, serde); the web layer turns
/// each into a sentence in the user's language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LineProblemCode {
    /// No data lines at all (nothing, only blank lines, or only a header). Whole file.
    EmptyFile,
    /// The file is binary or UTF-16 without a byte-order mark (NUL bytes): nothing is read, and the
    /// line is where the first NUL is. Or, on one line: characters
    /// that cannot be text (control characters, or bytes that are not UTF-8 in a file that
    /// otherwise is), so the file was saved in a mix of encodings.
    InvalidEncoding,
    /// Not a workbook we can read (damaged XLSX, or the old binary .xls format). Whole file.
    UnreadableFile,
    /// The named sheet is not in the workbook (value: the name asked for). Whole file.
    UnknownSheet,
    /// The header has one column containing `,` or a tab: the file is separated by that, not `;`.
    WrongDelimiter,
    /// A required column is not in the header; `column` is its stable name.
    MissingColumn,
    /// Two header columns mean the same thing (`konto` and `account`), so which one to read is
    /// ambiguous.
    DuplicateColumn,
    /// More values than the header has columns (value: the extra values, `;`-separated).
    TooManyColumns,
    /// The line ends before a required column (value: the whole line, `;`-separated).
    TooFewColumns,
    /// A value runs over several lines: nearly always a `"` opened and never closed, which would
    /// otherwise swallow the lines after it. Reported on the line where the value starts.
    LineBreakInValue,
    /// A required value is empty.
    MissingValue,
    /// Not an amount ("12 kr", "#DIV/0!", "1,2,3").
    NotANumber,
    /// `1.234`: the point may be a thousands separator; the user must write a decimal comma.
    AmbiguousDecimalPoint,
    /// A thousands separator in the wrong place ("12 34,5").
    MisplacedSeparator,
    /// More decimals than whole öre ("1,005" kr), never rounded.
    FractionOfOre,
    /// An amount too large to hold.
    OutOfRange,
    /// Not a month in one of the accepted forms, or no such month ("2020-13").
    InvalidMonth,
}

impl LineProblemCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::EmptyFile => "empty_file",
            Self::InvalidEncoding => "invalid_encoding",
            Self::UnreadableFile => "unreadable_file",
            Self::UnknownSheet => "unknown_sheet",
            Self::WrongDelimiter => "wrong_delimiter",
            Self::MissingColumn => "missing_column",
            Self::DuplicateColumn => "duplicate_column",
            Self::TooManyColumns => "too_many_columns",
            Self::TooFewColumns => "too_few_columns",
            Self::LineBreakInValue => "line_break_in_value",
            Self::MissingValue => "missing_value",
            Self::NotANumber => "not_a_number",
            Self::AmbiguousDecimalPoint => "ambiguous_decimal_point",
            Self::MisplacedSeparator => "misplaced_separator",
            Self::FractionOfOre => "fraction_of_ore",
            Self::OutOfRange => "out_of_range",
            Self::InvalidMonth => "invalid_month",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_serialize_as_their_stable_names() {
        for code in [LineProblemCode::EmptyFile, LineProblemCode::AmbiguousDecimalPoint, LineProblemCode::InvalidMonth]
        {
            assert_eq!(serde_json::to_value(code).unwrap(), code.as_str());
        }
        let problem = LineProblem::new(7, Some("Belopp"), LineProblemCode::NotANumber, "12 kr");
        let json = serde_json::to_value(&problem).unwrap();
        assert_eq!(json["code"], "not_a_number");
        assert_eq!(json["line"], 7);
    }

    #[test]
    fn long_values_are_cut() {
        let problem = LineProblem::new(3, None, LineProblemCode::TooManyColumns, "å".repeat(500));
        assert_eq!(problem.value.chars().count(), LineProblem::MAX_VALUE_CHARS);
        assert!(problem.value.ends_with('…'));
        let fits = "x".repeat(LineProblem::MAX_VALUE_CHARS);
        assert_eq!(LineProblem::new(3, None, LineProblemCode::TooManyColumns, fits.clone()).value, fits);
    }
}
