//! The document model: what a report or plan document says, independent of the file format.
//!
//! Reports are built from the data into a [`Document`] once; the writers (DOCX and XLSX in
//! `fileio`, PDF in `pdf`) are pure functions from a document to bytes. A completed report stores
//! its document as JSON, so every later export prints exactly what was reported.
//!
//! The model holds only what is printed: instruction texts for reporters are not part of it.

use serde::{Deserialize, Serialize};

use crate::money::{Money, NumberStyle, Unit, format_with};

/// A whole document: a cover (title, subtitle, organisation), a table of contents, then blocks.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Document {
    /// "Förvaltningsplan 2020".
    pub title: String,
    /// The unit the document is about: "Regionkontoret".
    pub subtitle: Option<String>,
    /// Who publishes it: "Region Västmanland".
    pub organisation: String,
    /// BCP 47 language of the text ("sv" or "en"); documents declare it for screen readers.
    pub language: String,
    /// The heading of the table of contents ("Innehåll"); `None` for no table of contents.
    pub contents_heading: Option<String>,
    pub blocks: Vec<Block>,
}

/// One part of the document, in reading order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Block {
    /// A heading at `level` 1–3, with its section number ("5.1.1") printed before the text.
    Heading { level: u8, number: Option<String>, text: String },
    /// A paragraph of running text. Line breaks inside it are kept.
    Paragraph { text: String },
    /// A bulleted list.
    Bullets { items: Vec<String> },
    Table(Table),
    /// Lines for signatures, side by side: place and date, party, a line to sign on, the name.
    Signatures { parties: Vec<Signatory> },
    /// A figure drawn from numbers ([`crate::document_chart`]), with its alternative text.
    Chart(crate::document_chart::Chart),
}

/// A table: caption, column headers (repeated on every page), rows.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
pub struct Table {
    /// Names the table's sheet in XLSX ("5.1.1 Fördelning"); the caption is printed.
    pub name: String,
    pub caption: Option<String>,
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Column {
    pub header: String,
    /// Relative width; writers share the page width in proportion.
    pub width: u16,
}

impl Column {
    pub fn new(header: impl Into<String>, width: u16) -> Column {
        Column { header: header.into(), width: width.max(1) }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Row {
    /// Ordinary cells, one per column.
    Body { cells: Vec<Cell> },
    /// A heading across all columns that groups the rows below it ("Nöjda invånare i en
    /// attraktiv region").
    Group { text: String },
    /// A sum or result row, printed bold.
    Total { cells: Vec<Cell> },
}

impl Row {
    pub fn body(cells: Vec<Cell>) -> Row {
        Row::Body { cells }
    }
    pub fn total(cells: Vec<Cell>) -> Row {
        Row::Total { cells }
    }
    pub fn group(text: impl Into<String>) -> Row {
        Row::Group { text: text.into() }
    }
}

/// One party's signature block.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Signatory {
    /// "Västerås 2019-12-17"; may be left for hand-writing ("Västerås ____").
    pub place_and_date: String,
    /// "Region Västmanland".
    pub party: String,
    /// The signer's name, or empty to be written by hand.
    pub name: String,
}

/// One cell of a table.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Cell {
    #[default]
    Empty,
    /// Text, never read as a number or formula ("=1+1" stays text). `\n` breaks the line.
    Text(String),
    /// A whole number shown without grouping, for years, counts and codes ("2020").
    Integer(i64),
    /// A number with `decimals` decimals and thousands grouping.
    Number { value: f64, decimals: u32 },
    /// A share shown as a percentage: `value` 0.035 is "3,5 %".
    Percent { value: f64, decimals: u32 },
    /// An amount shown in `unit` with `decimals` decimals ("2 547,4" in mkr). Spreadsheets get
    /// the exact amount in that unit; only the display rounds (half away from zero).
    Money { amount: Money, unit: Unit, decimals: u32 },
    /// A measured value in its own unit, as indicators have ("4,2 %", "74,0 mkr", "12 st"): a
    /// number to spreadsheets, printed with its unit. The unit is a label, so "%" is not a share.
    Quantity { value: f64, decimals: u32, unit: String },
}

impl Cell {
    pub fn text(text: impl Into<String>) -> Cell {
        Cell::Text(text.into())
    }

    pub fn money(amount: Money, unit: Unit, decimals: u32) -> Cell {
        Cell::Money { amount, unit, decimals }
    }

    /// Whether the cell holds a number (right-aligned in printed tables).
    pub fn is_numeric(&self) -> bool {
        matches!(self, Cell::Integer(_) | Cell::Number { .. } | Cell::Percent { .. } | Cell::Money { .. } | Cell::Quantity { .. })
    }

    /// The cell as printed in a document of `language` ("sv" or "en"): "2 547,4", "3,5 %",
    /// "−2,3". Empty cells print as "".
    pub fn display(&self, language: &str) -> String {
        let style = if language == "en" { NumberStyle::EN } else { NumberStyle::SV };
        match self {
            Cell::Empty => String::new(),
            Cell::Text(text) => text.clone(),
            Cell::Integer(number) => number.to_string().replace('-', &style.minus.to_string()),
            Cell::Number { value, decimals } => format_float(*value, *decimals, &style),
            Cell::Percent { value, decimals } => {
                let space = if language == "en" { "" } else { "\u{a0}" };
                format!("{}{space}%", format_float(value * 100.0, *decimals, &style))
            }
            Cell::Money { amount, unit, decimals } => format_with(*amount, *unit, *decimals, &style),
            Cell::Quantity { value, decimals, unit } => match format_float(*value, *decimals, &style) {
                number if unit.is_empty() || number.is_empty() => number,
                number => format!("{number}\u{a0}{unit}"),
            },
        }
    }
}

/// A float printed with `decimals` decimals in `style`: scaled to whole öre of a money unit
/// with enough decimals, then printed by the exact money printer (half away from zero).
fn format_float(value: f64, decimals: u32, style: &NumberStyle) -> String {
    if !value.is_finite() {
        return String::new();
    }
    let (unit, scale) = match decimals {
        0..=2 => (Unit::Kr, 1e2),
        3..=5 => (Unit::Tkr, 1e5),
        _ => (Unit::Mkr, 1e8),
    };
    let scaled = (value * scale).round();
    if scaled.abs() >= 9.0e18 {
        return format!("{value}");
    }
    format_with(Money::from_ore(scaled as i64), unit, decimals.min(8), style)
}

impl Document {
    /// Every table of the document and the numbers of its charts that no table has, in order
    /// (the XLSX export has one sheet per table).
    pub fn tables(&self) -> impl Iterator<Item = &Table> {
        self.blocks.iter().filter_map(|block| match block {
            Block::Table(table) => Some(table),
            Block::Chart(chart) => chart.numbers.as_ref(),
            _ => None,
        })
    }

    /// The headings that go into the table of contents, with their level: "5.1 Ersättningar".
    pub fn outline(&self) -> impl Iterator<Item = (u8, String)> + '_ {
        self.blocks.iter().filter_map(|block| match block {
            Block::Heading { level, number, text } => Some((*level, heading_text(number.as_deref(), text))),
            _ => None,
        })
    }

    /// All printed text, one block per line: used to compare documents and to find text in tests.
    pub fn plain_text(&self) -> String {
        let mut out = vec![self.title.clone()];
        out.extend(self.subtitle.clone());
        for block in &self.blocks {
            match block {
                Block::Heading { number, text, .. } => out.push(heading_text(number.as_deref(), text)),
                Block::Paragraph { text } => out.push(text.clone()),
                Block::Bullets { items } => out.extend(items.iter().map(|item| format!("• {item}"))),
                Block::Table(table) => {
                    out.extend(table.caption.clone());
                    out.push(table.columns.iter().map(|c| c.header.as_str()).collect::<Vec<_>>().join(" | "));
                    for row in &table.rows {
                        match row {
                            Row::Group { text } => out.push(text.clone()),
                            Row::Body { cells } | Row::Total { cells } => out.push(
                                cells.iter().map(|c| c.display(&self.language)).collect::<Vec<_>>().join(" | "),
                            ),
                        }
                    }
                }
                Block::Signatures { parties } => {
                    for party in parties {
                        out.push(format!("{} | {} | {}", party.place_and_date, party.party, party.name));
                    }
                }
                Block::Chart(chart) => out.push(chart.caption.clone()),
            }
        }
        out.join("\n")
    }
}

/// "5.1.1 Fördelningen av ersättningen" from number and text.
pub fn heading_text(number: Option<&str>, text: &str) -> String {
    match number {
        Some(number) if !number.is_empty() => format!("{number} {text}"),
        _ => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_print_in_swedish_and_english() {
        let mkr = Cell::money(Money::from_ore(254_740_000_000), Unit::Mkr, 1);
        assert_eq!(mkr.display("sv"), "2\u{a0}547,4");
        assert_eq!(mkr.display("en"), "2,547.4");
        assert_eq!(Cell::Number { value: 4.5, decimals: 1 }.display("sv"), "4,5");
        assert_eq!(Cell::Number { value: -2326.25, decimals: 1 }.display("sv"), "\u{2212}2\u{a0}326,3");
        assert_eq!(Cell::Number { value: 76.9, decimals: 1 }.display("en"), "76.9");
        assert_eq!(Cell::Percent { value: 0.035, decimals: 1 }.display("sv"), "3,5\u{a0}%");
        assert_eq!(Cell::Percent { value: 0.78, decimals: 0 }.display("en"), "78%");
        assert_eq!(Cell::Integer(2020).display("sv"), "2020");
        assert_eq!(Cell::Integer(-3).display("sv"), "\u{2212}3");
        assert_eq!(Cell::Empty.display("sv"), "");
        assert_eq!(Cell::Number { value: f64::NAN, decimals: 1 }.display("sv"), "");
        let sick_leave = Cell::Quantity { value: 4.25, decimals: 1, unit: "%".into() };
        assert_eq!(sick_leave.display("sv"), "4,3\u{a0}%", "a unit's percent is the value itself, not a share");
        assert_eq!(Cell::Quantity { value: -3.8, decimals: 1, unit: "mkr".into() }.display("en"), "-3.8\u{a0}mkr");
        assert_eq!(Cell::Quantity { value: 1250.0, decimals: 0, unit: String::new() }.display("sv"), "1\u{a0}250");
        assert!(sick_leave.is_numeric());
    }

    #[test]
    fn a_document_round_trips_through_json_and_lists_its_tables_and_outline() {
        let document = Document {
            title: "Förvaltningsplan 2020".into(),
            subtitle: Some("Regionkontoret".into()),
            organisation: "Region Västmanland".into(),
            language: "sv".into(),
            contents_heading: Some("Innehåll".into()),
            blocks: vec![
                Block::Heading { level: 1, number: Some("5".into()), text: "Ekonomiska förutsättningar".into() },
                Block::Paragraph { text: "Fullmäktige har beslutat om följande ram.".into() },
                Block::Table(Table {
                    name: "5.1.1".into(),
                    caption: Some("Fördelning".into()),
                    columns: vec![Column::new("Centrum", 3), Column::new("Ram 2020", 1)],
                    rows: vec![
                        Row::group("Centrum"),
                        Row::body(vec![Cell::text("CE"), Cell::money(Money::from_ore(2_690_000_000), Unit::Mkr, 1)]),
                        Row::total(vec![Cell::text("Summa"), Cell::money(Money::from_ore(22_100_000_000), Unit::Mkr, 1)]),
                    ],
                }),
                Block::Signatures {
                    parties: vec![Signatory { place_and_date: "Västerås".into(), party: "Regionkontoret".into(), name: String::new() }],
                },
            ],
        };
        let json = serde_json::to_string(&document).unwrap();
        assert_eq!(serde_json::from_str::<Document>(&json).unwrap(), document);
        assert_eq!(document.tables().count(), 1);
        assert_eq!(document.outline().collect::<Vec<_>>(), vec![(1, "5 Ekonomiska förutsättningar".to_string())]);
        let text = document.plain_text();
        assert!(text.contains("CE | 26,9"), "{text}");
        assert!(text.contains("Summa | 221,0"), "{text}");
    }
}
