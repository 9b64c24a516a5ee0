//! The header line: which column holds what, found by name so the order is free.

use serde::Serialize;

use super::value::Value;
use crate::problem::{LineProblem, LineProblemCode};

/// A column the ledger reader needs. Other columns (text, voucher number …) are ignored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LedgerColumn {
    /// The unit's external id (HSA-id, directory id).
    Unit,
    /// The account or budget category code.
    Account,
    Month,
    Amount,
}

impl LedgerColumn {
    pub const ALL: [LedgerColumn; 4] = [Self::Unit, Self::Account, Self::Month, Self::Amount];

    /// Stable name, used for a missing column in [`LineProblem::column`].
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unit => "unit",
            Self::Account => "account",
            Self::Month => "month",
            Self::Amount => "amount",
        }
    }

    /// Header names accepted for this column, compared ignoring case, spaces, `_`, `-` and `.`
    /// (so "Enhets-id", "unit_id" and "Unit ID" all match). Swedish first, as ledgers write them.
    pub fn accepted_headers(self) -> &'static [&'static str] {
        match self {
            Self::Unit => &["enhet", "enhetsid", "ansvar", "unit", "unitid", "externalid"],
            Self::Account => {
                &["konto", "kontokod", "kategori", "kategorikod", "account", "accountcode", "category", "categorycode"]
            }
            Self::Month => &["månad", "period", "datum", "month", "date"],
            Self::Amount => &["belopp", "utfall", "amount", "actual"],
        }
    }

    fn matching(header: &str) -> Option<LedgerColumn> {
        let key = normalize(header);
        Self::ALL.into_iter().find(|column| column.accepted_headers().contains(&key.as_str()))
    }

    fn index(self) -> usize {
        self as usize
    }
}

fn normalize(header: &str) -> String {
    header
        .chars()
        .filter(|c| !(c.is_whitespace() || matches!(c, '_' | '-' | '.')))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Where each required column is, and how it is written in the file.
#[derive(Debug)]
pub(crate) struct Header {
    positions: [usize; 4],
    names: [String; 4],
    /// Columns up to the last non-empty header cell; values beyond it are extra.
    width: usize,
}

impl Header {
    /// Reads the header line, or lists everything wrong with it.
    pub fn read(line: u32, values: &[Value<'_>]) -> Result<Header, Vec<LineProblem>> {
        if let Some(problem) = wrong_delimiter(line, values) {
            return Err(vec![problem]);
        }
        let mut found: [Option<(usize, String)>; 4] = Default::default();
        let mut problems = Vec::new();
        for (position, value) in values.iter().enumerate() {
            let name = value.display();
            let Some(column) = LedgerColumn::matching(&name) else { continue };
            match &found[column.index()] {
                Some(_) => {
                    problems.push(LineProblem::new(line, Some(&name), LineProblemCode::DuplicateColumn, name.clone()))
                }
                None => found[column.index()] = Some((position, name.into_owned())),
            }
        }
        for column in LedgerColumn::ALL {
            if found[column.index()].is_none() {
                problems.push(LineProblem::new(line, Some(column.as_str()), LineProblemCode::MissingColumn, ""));
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let width = values.iter().rposition(|value| !value.is_blank()).map_or(0, |last| last + 1);
        let [unit, account, month, amount] = found.map(|slot| slot.expect("checked above"));
        Ok(Header {
            positions: [unit.0, account.0, month.0, amount.0],
            names: [unit.1, account.1, month.1, amount.1],
            width,
        })
    }

    pub fn position(&self, column: LedgerColumn) -> usize {
        self.positions[column.index()]
    }

    /// The header as written in the file ("Belopp").
    pub fn name(&self, column: LedgerColumn) -> &str {
        &self.names[column.index()]
    }

    pub fn width(&self) -> usize {
        self.width
    }

    /// A line needs at least this many values to hold every required column.
    pub fn required_width(&self) -> usize {
        self.positions.iter().max().map_or(0, |last| last + 1)
    }
}

/// A header that is one value holding several column names separated by `,` or a tab: the file
/// uses that separator, not `;`. Saying so beats listing four missing columns.
fn wrong_delimiter(line: u32, values: &[Value<'_>]) -> Option<LineProblem> {
    let mut non_blank = values.iter().filter(|value| !value.is_blank());
    let only = non_blank.next()?.display();
    if non_blank.next().is_some() {
        return None;
    }
    [',', '\t'].into_iter().find_map(|separator| {
        let known = only.split(separator).filter(|part| LedgerColumn::matching(part).is_some()).count();
        (known >= 2).then(|| LineProblem::new(line, None, LineProblemCode::WrongDelimiter, only.clone()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(names: &[&str]) -> Result<Header, Vec<LineProblem>> {
        let values: Vec<Value> = names.iter().map(|name| Value::Text(name)).collect();
        Header::read(1, &values)
    }

    #[test]
    fn columns_are_found_by_name_in_any_order_and_case() {
        let found = header(&["Text", "BELOPP", "Period", "Konto", "Enhets-id", ""]).unwrap();
        assert_eq!(found.position(LedgerColumn::Unit), 4);
        assert_eq!(found.position(LedgerColumn::Amount), 1);
        assert_eq!(found.name(LedgerColumn::Amount), "BELOPP");
        assert_eq!((found.width(), found.required_width()), (5, 5));
        assert!(header(&["unit_id", "category code", "Month", "amount"]).is_ok());
    }

    #[test]
    fn every_header_problem_is_listed() {
        let problems = header(&["konto", "account", "månad"]).unwrap_err();
        let codes: Vec<_> = problems.iter().map(|p| (p.code, p.column.as_deref().unwrap())).collect();
        assert_eq!(
            codes,
            [
                (LineProblemCode::DuplicateColumn, "account"),
                (LineProblemCode::MissingColumn, "unit"),
                (LineProblemCode::MissingColumn, "amount"),
            ]
        );
    }

    #[test]
    fn a_comma_separated_header_is_named_as_such() {
        let problems = header(&["enhet,konto,månad,belopp"]).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].code, LineProblemCode::WrongDelimiter);
        let title = header(&["Utfall per enhet, 2020"]).unwrap_err();
        assert!(title.iter().all(|p| p.code == LineProblemCode::MissingColumn));
    }
}
