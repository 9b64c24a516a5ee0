//! Lines of values → ledger rows and problems, the same for every source format.

use domain::money::Unit;

use super::amount::amount_of;
use super::columns::{Header, LedgerColumn};
use super::month::month_of;
use super::value::Value;
use super::{LedgerFile, LedgerRow};
use crate::problem::{LineProblem, LineProblemCode};
use crate::text::suspicious_char;

/// Takes a source's lines one at a time: the first non-blank line is the header, the rest data.
pub(crate) struct LedgerBuilder {
    unit: Unit,
    state: State,
    rows: Vec<LedgerRow>,
    problems: Vec<LineProblem>,
    data_lines: usize,
}

enum State {
    AwaitingHeader,
    Reading(Header),
    /// The header was unusable: data lines cannot be read, and listing them would bury the one
    /// problem that matters.
    HeaderRefused,
}

impl LedgerBuilder {
    pub fn new(unit: Unit) -> Self {
        Self { unit, state: State::AwaitingHeader, rows: Vec::new(), problems: Vec::new(), data_lines: 0 }
    }

    /// A problem the source found itself: an unreadable workbook (whole file), or a line it could
    /// not split into values. Such a line in place of the header leaves no header to read by.
    pub fn problem(&mut self, problem: LineProblem) {
        if !problem.is_whole_file() {
            match self.state {
                State::AwaitingHeader => self.state = State::HeaderRefused,
                State::Reading(_) => self.data_lines += 1,
                State::HeaderRefused => return,
            }
        }
        self.problems.push(problem);
    }

    /// One line of the file. Blank lines, and lines of only separators (`;;;`, which Excel writes
    /// for formatted but empty rows), hold nothing and are skipped.
    pub fn line(&mut self, line: u32, values: &[Value<'_>]) {
        if values.iter().all(Value::is_blank) || matches!(self.state, State::HeaderRefused) {
            return;
        }
        if let Some(problem) = encoding_problem(line, values) {
            self.problem(problem);
            return;
        }
        match &self.state {
            State::AwaitingHeader => match Header::read(line, values) {
                Ok(header) => self.state = State::Reading(header),
                Err(problems) => {
                    self.problems.extend(problems);
                    self.state = State::HeaderRefused;
                }
            },
            State::Reading(header) => {
                self.data_lines += 1;
                if let Some(row) = read_row(header, line, values, self.unit, &mut self.problems) {
                    self.rows.push(row);
                }
            }
            State::HeaderRefused => {}
        }
    }

    pub fn finish(mut self, encoding: Option<&'static str>) -> LedgerFile {
        let header_refused = matches!(self.state, State::HeaderRefused);
        let any_whole_file = self.problems.iter().any(LineProblem::is_whole_file);
        if self.data_lines == 0 && !header_refused && !any_whole_file {
            self.problems.push(LineProblem::whole_file(LineProblemCode::EmptyFile, ""));
        }
        // Stable: problems on one line stay in column order.
        self.problems.sort_by_key(|problem| problem.line);
        LedgerFile { encoding, rows: self.rows, problems: self.problems }
    }
}

/// The row on `line`, or `None` with every problem of the line added to `problems`.
fn read_row(
    header: &Header,
    line: u32,
    values: &[Value<'_>],
    unit: Unit,
    problems: &mut Vec<LineProblem>,
) -> Option<LedgerRow> {
    // Values past the header's last column are extra unless empty: exports often end every
    // line with a `;`. A line with extra values is not read further, since its values may have
    // shifted (an unquoted `;` in a text).
    let extra: Vec<String> =
        values.iter().skip(header.width()).filter(|v| !v.is_blank()).map(|v| v.display().into_owned()).collect();
    if !extra.is_empty() {
        problems.push(LineProblem::new(line, None, LineProblemCode::TooManyColumns, extra.join(";")));
        return None;
    }
    if values.len() < header.required_width() {
        let whole: Vec<_> = values.iter().map(Value::display).collect();
        problems.push(LineProblem::new(line, None, LineProblemCode::TooFewColumns, whole.join(";")));
        return None;
    }

    let before = problems.len();
    let mut report = |column: LedgerColumn, code: LineProblemCode| {
        let value = values[header.position(column)].display();
        problems.push(LineProblem::new(line, Some(header.name(column)), code, value));
    };
    let mut identifier = |column: LedgerColumn| {
        let text = values[header.position(column)].display();
        if text.is_empty() {
            report(column, LineProblemCode::MissingValue);
        }
        text.into_owned()
    };
    let unit_id = identifier(LedgerColumn::Unit);
    let account = identifier(LedgerColumn::Account);
    let month =
        month_of(&values[header.position(LedgerColumn::Month)]).map_err(|code| report(LedgerColumn::Month, code)).ok();
    let amount = amount_of(&values[header.position(LedgerColumn::Amount)], unit)
        .map_err(|code| report(LedgerColumn::Amount, code))
        .ok();
    if problems.len() > before {
        return None;
    }
    Some(LedgerRow { line, unit: unit_id, account, month: month?, amount: amount? })
}

/// Characters that mean the line was decoded wrongly; the line is not read (its codes would be
/// garbled and never match).
fn encoding_problem(line: u32, values: &[Value<'_>]) -> Option<LineProblem> {
    values.iter().find_map(|value| match value {
        Value::Text(text) => {
            suspicious_char(text).map(|_| LineProblem::new(line, None, LineProblemCode::InvalidEncoding, *text))
        }
        _ => None,
    })
}
