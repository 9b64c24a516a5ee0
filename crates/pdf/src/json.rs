//! The document as the template reads it: every string already printable, every decision that
//! needs the model's rules (cell display, column count, heading levels) made here in Rust, so
//! the template only lays out.

use domain::document::{Block, Cell, Document, Row, Signatory, Table};
use serde::Serialize;

use crate::fonts;
use crate::text::{printable, printable_line};

/// The document as JSON for the template (`/document.json`).
#[derive(Debug, Serialize)]
pub(crate) struct PrintedDocument {
    /// Never empty: PDF/UA requires a title.
    pub(crate) title: String,
    pub(crate) subtitle: Option<String>,
    pub(crate) organisation: String,
    /// ISO 639 code typst accepts ("sv").
    pub(crate) lang: String,
    /// ISO 3166 region, if the language tag has one ("SE" in "sv-SE").
    pub(crate) region: Option<String>,
    /// Never empty when present: an empty heading fails PDF/UA.
    pub(crate) contents_heading: Option<String>,
    /// Whether the cover fills the first page (it does when a table of contents follows).
    pub(crate) cover_page: bool,
    /// The font family of all text, one of the embedded fonts.
    pub(crate) font: &'static str,
    pub(crate) blocks: Vec<PrintedBlock>,
}

#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum PrintedBlock {
    Heading { level: u8, number: Option<String>, text: String },
    Paragraph { text: String },
    Bullets { items: Vec<String> },
    Table(PrintedTable),
    Signatures { parties: Vec<PrintedSignatory> },
    /// A chart drawn as SVG, placed as a figure with its caption; `alt` is its alternative text.
    Chart { svg: String, alt: String, caption: String },
}

#[derive(Debug, Serialize)]
pub(crate) struct PrintedTable {
    pub(crate) caption: Option<String>,
    /// Relative widths, one per column, each at least 1.
    pub(crate) widths: Vec<u16>,
    /// The header row, absent when no column has a header.
    pub(crate) headers: Option<Vec<String>>,
    /// Per column: whether its cells are numbers (the header aligns with them).
    pub(crate) numeric: Vec<bool>,
    pub(crate) rows: Vec<PrintedRow>,
}

#[derive(Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum PrintedRow {
    /// Exactly one cell per column.
    Body { cells: Vec<PrintedCell> },
    Group { text: String },
    Total { cells: Vec<PrintedCell> },
}

#[derive(Debug, Serialize)]
pub(crate) struct PrintedCell {
    pub(crate) text: String,
    pub(crate) numeric: bool,
}

#[derive(Debug, Serialize)]
pub(crate) struct PrintedSignatory {
    pub(crate) place_and_date: String,
    pub(crate) party: String,
    pub(crate) name: String,
}

/// Heading levels the template styles.
const DEEPEST_LEVEL: u8 = 3;

impl PrintedDocument {
    pub(crate) fn new(document: &Document) -> PrintedDocument {
        let (lang, region) = language_and_region(&document.language);
        let english = lang == "en";
        let organisation = printable_line(&document.organisation);
        let title = [printable_line(&document.title), organisation.clone()]
            .into_iter()
            .find(|title| !title.is_empty())
            .unwrap_or_else(|| if english { "Document" } else { "Dokument" }.to_string());
        let contents_heading = document.contents_heading.as_deref().map(|heading| {
            let heading = printable_line(heading);
            if !heading.is_empty() {
                heading
            } else if english {
                "Contents".to_string()
            } else {
                "Innehåll".to_string()
            }
        });
        PrintedDocument {
            title,
            subtitle: document.subtitle.as_deref().map(printable_line).filter(|subtitle| !subtitle.is_empty()),
            organisation,
            cover_page: contents_heading.is_some(),
            font: fonts::BODY_FAMILY,
            contents_heading,
            blocks: printed_blocks(&document.blocks, &document.language),
            lang,
            region,
        }
    }
}

/// "sv-SE" → ("sv", Some("SE")); anything typst would refuse falls back to Swedish.
fn language_and_region(tag: &str) -> (String, Option<String>) {
    let mut subtags = tag.trim().split(['-', '_']);
    let lang = subtags.next().unwrap_or_default().to_ascii_lowercase();
    if !(2..=3).contains(&lang.len()) || !lang.chars().all(|c| c.is_ascii_lowercase()) {
        return ("sv".to_string(), None);
    }
    let region = subtags
        .find(|subtag| subtag.len() == 2 && subtag.chars().all(|c| c.is_ascii_alphabetic()))
        .map(str::to_ascii_uppercase);
    (lang, region)
}

fn printed_blocks(blocks: &[Block], language: &str) -> Vec<PrintedBlock> {
    let mut previous_level = 0;
    blocks
        .iter()
        .filter_map(|block| match block {
            Block::Heading { level, number, text } => {
                let heading = printed_heading(*level, number.as_deref(), text, previous_level)?;
                if let PrintedBlock::Heading { level, .. } = heading {
                    previous_level = level;
                }
                Some(heading)
            }
            Block::Paragraph { text } => Some(PrintedBlock::Paragraph { text: printable(text) }),
            Block::Bullets { items } if items.is_empty() => None,
            Block::Bullets { items } => {
                Some(PrintedBlock::Bullets { items: items.iter().map(|item| printable(item)).collect() })
            }
            Block::Table(table) => printed_table(table, language).map(PrintedBlock::Table),
            Block::Signatures { parties } if parties.is_empty() => None,
            Block::Signatures { parties } => {
                Some(PrintedBlock::Signatures { parties: parties.iter().map(printed_signatory).collect() })
            }
            Block::Chart(chart) if chart.bars.is_empty() => None,
            Block::Chart(chart) => {
                // PDF/UA needs alternative text on every figure; the caption serves if none is given.
                let caption = printable_line(&chart.caption);
                let alt = Some(printable_line(&chart.alt)).filter(|alt| !alt.is_empty()).unwrap_or_else(|| caption.clone());
                Some(PrintedBlock::Chart { svg: chart.svg(), alt, caption })
            }
        })
        .collect()
}

/// A heading at a level PDF/UA accepts: 1–3, the first at 1, never more than one deeper than the
/// one before. A heading with neither number nor text is dropped (PDF/UA forbids empty ones); one
/// with only a number shows the number as its text.
fn printed_heading(level: u8, number: Option<&str>, text: &str, previous_level: u8) -> Option<PrintedBlock> {
    let number = number.map(printable_line).filter(|number| !number.is_empty());
    let text = printable_line(text);
    let (number, text) = match (number, text.is_empty()) {
        (None, true) => return None,
        (Some(number), true) => (None, number),
        (number, false) => (number, text),
    };
    let level = level.clamp(1, DEEPEST_LEVEL).min(previous_level + 1);
    Some(PrintedBlock::Heading { level, number, text })
}

/// The table with exactly one cell per column in every row; `None` when there is nothing to
/// print in a grid (no columns and no cells).
fn printed_table(table: &Table, language: &str) -> Option<PrintedTable> {
    let widest_row = table
        .rows
        .iter()
        .map(|row| match row {
            Row::Body { cells } | Row::Total { cells } => cells.len(),
            Row::Group { .. } => 1,
        })
        .max()
        .unwrap_or(0);
    let column_count = if table.columns.is_empty() { widest_row } else { table.columns.len() };
    if column_count == 0 {
        return None;
    }
    let widths = (0..column_count)
        .map(|index| table.columns.get(index).map_or(1, |column| column.width.max(1)))
        .collect();
    let headers: Vec<String> = (0..column_count)
        .map(|index| table.columns.get(index).map_or_else(String::new, |column| printable(&column.header)))
        .collect();
    let headers = headers.iter().any(|header| !header.trim().is_empty()).then_some(headers);
    let numeric = (0..column_count)
        .map(|index| {
            table.rows.iter().any(|row| match row {
                Row::Body { cells } | Row::Total { cells } => cells.get(index).is_some_and(Cell::is_numeric),
                Row::Group { .. } => false,
            })
        })
        .collect();
    let printed_cells = |cells: &[Cell]| -> Vec<PrintedCell> {
        (0..column_count)
            .map(|index| {
                let cell = cells.get(index).unwrap_or(&Cell::Empty);
                PrintedCell { text: printable(&cell.display(language)), numeric: cell.is_numeric() }
            })
            .collect()
    };
    let rows = table
        .rows
        .iter()
        .map(|row| match row {
            Row::Body { cells } => PrintedRow::Body { cells: printed_cells(cells) },
            Row::Total { cells } => PrintedRow::Total { cells: printed_cells(cells) },
            Row::Group { text } => PrintedRow::Group { text: printable(text) },
        })
        .collect();
    Some(PrintedTable {
        caption: table.caption.as_deref().map(printable).filter(|caption| !caption.trim().is_empty()),
        widths,
        headers,
        numeric,
        rows,
    })
}

fn printed_signatory(signatory: &Signatory) -> PrintedSignatory {
    PrintedSignatory {
        place_and_date: printable(&signatory.place_and_date),
        party: printable(&signatory.party),
        name: printable(&signatory.name),
    }
}

#[cfg(test)]
mod tests {
    use domain::document::Column;
    use domain::money::{Money, Unit};

    use super::*;

    fn levels(blocks: Vec<Block>) -> Vec<(u8, Option<String>, String)> {
        printed_blocks(&blocks, "sv")
            .into_iter()
            .filter_map(|block| match block {
                PrintedBlock::Heading { level, number, text } => Some((level, number, text)),
                _ => None,
            })
            .collect()
    }

    fn heading(level: u8, number: Option<&str>, text: &str) -> Block {
        Block::Heading { level, number: number.map(str::to_string), text: text.to_string() }
    }

    #[test]
    fn heading_levels_start_at_one_and_never_skip() {
        let printed = levels(vec![
            heading(3, Some("1.1.1"), "Djup"),
            heading(3, None, "Djup igen"),
            heading(1, Some("2"), "Två"),
            heading(7, None, "Mycket djup"),
            heading(0, None, "Noll"),
        ]);
        let levels: Vec<u8> = printed.iter().map(|(level, _, _)| *level).collect();
        assert_eq!(levels, vec![1, 2, 1, 2, 1]);
    }

    #[test]
    fn empty_headings_are_dropped_and_a_bare_number_becomes_the_text() {
        let printed = levels(vec![heading(1, Some(" "), " "), heading(1, Some("3"), ""), heading(1, Some(""), "Mål")]);
        assert_eq!(printed, vec![(1, None, "3".to_string()), (1, None, "Mål".to_string())]);
    }

    #[test]
    fn rows_get_one_cell_per_column_and_numbers_print_in_the_documents_language() {
        let table = Table {
            name: "t".into(),
            caption: Some("  ".into()),
            columns: vec![Column::new("Enhet", 3), Column { header: "Belopp".into(), width: 0 }],
            rows: vec![
                Row::body(vec![Cell::text("kort")]),
                Row::body(vec![
                    Cell::text("lång"),
                    Cell::money(Money::from_ore(254_740_000_000), Unit::Mkr, 1),
                    Cell::text("överskott"),
                ]),
                Row::group("Grupp"),
            ],
        };
        let printed = printed_table(&table, "sv").expect("a table");
        assert_eq!(printed.widths, vec![3, 1]);
        assert_eq!(printed.headers, Some(vec!["Enhet".to_string(), "Belopp".to_string()]));
        assert_eq!(printed.numeric, vec![false, true]);
        assert_eq!(printed.caption, None, "a blank caption is no caption");
        let texts: Vec<Vec<&str>> = printed
            .rows
            .iter()
            .filter_map(|row| match row {
                PrintedRow::Body { cells } => Some(cells.iter().map(|cell| cell.text.as_str()).collect()),
                _ => None,
            })
            .collect();
        assert_eq!(texts, vec![vec!["kort", ""], vec!["lång", "2\u{a0}547,4"]]);
        let english = printed_table(&table, "en").expect("a table");
        let PrintedRow::Body { cells } = &english.rows[1] else { panic!("a body row") };
        assert_eq!(cells[1].text, "2,547.4");
    }

    #[test]
    fn a_table_without_columns_takes_its_width_from_its_rows_and_an_empty_one_is_left_out() {
        let headless = Table {
            rows: vec![Row::body(vec![Cell::text("a"), Cell::text("b"), Cell::Integer(3)])],
            ..Table::default()
        };
        let printed = printed_table(&headless, "sv").expect("a table");
        assert_eq!(printed.widths, vec![1, 1, 1]);
        assert_eq!(printed.headers, None, "no header row of empty cells");
        assert!(printed_table(&Table::default(), "sv").is_none());
        assert!(printed_table(&Table { rows: vec![Row::body(vec![])], ..Table::default() }, "sv").is_none());
    }

    #[test]
    fn languages_typst_would_refuse_fall_back_to_swedish() {
        assert_eq!(language_and_region("sv"), ("sv".to_string(), None));
        assert_eq!(language_and_region("en-GB"), ("en".to_string(), Some("GB".to_string())));
        assert_eq!(language_and_region("sv_se"), ("sv".to_string(), Some("SE".to_string())));
        assert_eq!(language_and_region(""), ("sv".to_string(), None));
        assert_eq!(language_and_region("svenska"), ("sv".to_string(), None));
        assert_eq!(language_and_region("1a"), ("sv".to_string(), None));
    }

    #[test]
    fn an_untitled_document_borrows_a_title_and_a_blank_contents_heading_gets_the_usual_one() {
        let document = Document {
            title: " ".into(),
            subtitle: Some(String::new()),
            organisation: "Region Västmanland".into(),
            language: "en".into(),
            contents_heading: Some(String::new()),
            blocks: vec![],
        };
        let printed = PrintedDocument::new(&document);
        assert_eq!(printed.title, "Region Västmanland");
        assert_eq!(printed.subtitle, None);
        assert_eq!(printed.contents_heading.as_deref(), Some("Contents"));
        assert!(printed.cover_page);
    }
}
