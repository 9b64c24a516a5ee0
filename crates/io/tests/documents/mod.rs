//! Documents as DOCX and their tables as XLSX, judged as a reader would: LibreOffice opens and
//! prints them, the printed text says what the plan says, and the files carry what Word needs
//! (heading styles, repeated header rows, a contents field, the language).

mod fixture;
mod libreoffice;

use std::collections::BTreeMap;
use std::io::{Cursor, Read};
use std::sync::OnceLock;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use domain::document::{Block, Cell, Column, Document, Row, Signatory, Table};
use fileio::{document_workbook, write_docx};

use fixture::{BULLETS, CHART_ALT, CHART_CAPTION, HEADINGS, PARTIES, SUMMA, TABLES, forvaltningsplan};

/// The text of a part (`word/document.xml`) of a DOCX or XLSX file.
fn part(file: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(Cursor::new(file)).expect("a ZIP package");
    let mut text = String::new();
    archive.by_name(name).unwrap_or_else(|_| panic!("no {name}")).read_to_string(&mut text).unwrap();
    text
}

/// The files LibreOffice printed, converted once for all tests (one LibreOffice start).
struct Printed {
    plan: String,
    workbook: String,
    odd: BTreeMap<String, String>,
}

fn printed() -> &'static Printed {
    static PRINTED: OnceLock<Result<Printed, String>> = OnceLock::new();
    let printed = PRINTED.get_or_init(|| {
        let mut files = vec![
            ("plan.docx", write_docx(&forvaltningsplan()).unwrap()),
            ("plan-tables.xlsx", document_workbook(&forvaltningsplan()).unwrap()),
        ];
        for (name, document) in odd_documents() {
            files.push((name, write_docx(&document).unwrap()));
        }
        let mut pdfs = libreoffice::convert_to_pdf(&files)?;
        let mut text = |name: &str| libreoffice::pdf_text(&pdfs.remove(name).unwrap());
        Ok(Printed {
            plan: text("plan.docx"),
            workbook: text("plan-tables.xlsx"),
            odd: odd_documents().into_iter().map(|(name, _)| (name.to_string(), text(name))).collect(),
        })
    });
    printed.as_ref().unwrap_or_else(|error| panic!("{error}"))
}

#[test]
fn the_plan_prints_in_libreoffice_with_contents_headings_tables_bullets_and_signatures() {
    let text = &printed().plan;
    for (_, heading) in HEADINGS {
        assert!(
            text.matches(heading).count() >= 2,
            "{heading:?} in the contents and as a heading, before anyone updates a field:\n{text}"
        );
    }
    let line = |wanted: &str| {
        text.lines().find(|line| line.contains(wanted)).unwrap_or_else(|| panic!("no {wanted:?} in:\n{text}"))
    };
    assert!(
        line(SUMMA).contains("Summa Regionkontoret 2 547,4 221,0"),
        "the total row, numbers as printed: {}",
        line(SUMMA)
    );
    assert!(line("Verksamheter inom CHSU överförs till HSF").ends_with("−2 155,5"), "a real minus sign");
    assert!(text.contains("Centrumbildningar som är kvar i förvaltningen"), "a group row");
    assert!(text.contains("Ekonomistöd 3,0 % 1,2 0,0 41,7"), "percentages and amounts:\n{text}");
    for bullet in BULLETS {
        assert!(text.contains(&format!("• {bullet}")), "bullet {bullet:?} with its bullet:\n{text}");
    }
    assert!(line("Regiondirektörens stab").contains("53,4 48,9"));
    assert!(
        !text.contains("Respektive CD") && text.lines().any(|line| line.ends_with("CD och VC")),
        "a line break in a cell is kept:\n{text}"
    );
    assert!(
        text.lines().any(|line| line.starts_with("Planen utgår från Regionplanen.")),
        "a line break in a paragraph is kept"
    );
    let side_by_side = format!("{} {}", PARTIES[0], PARTIES[1]);
    assert!(text.lines().any(|line| line == side_by_side), "the parties side by side:\n{text}");
    assert!(text.lines().any(|line| line == "Västerås 2019-12-17 Västerås ____________"), "place and date above them");
    assert!(text.contains("Anna Regiondirektör"));
    let pages: Vec<&str> = text.split('\u{c}').filter(|page| !page.trim().is_empty()).collect();
    assert!(pages.len() >= 4, "title and contents on a page of their own, then the plan: {} pages", pages.len());
    assert!(pages[0].contains("Innehåll") && !pages[1].contains("Innehåll"), "the contents on the first page");
    assert!(pages[1].contains("1 Förvaltningens grunduppdrag"), "the plan starts on a new page");
    assert!(pages.last().unwrap().contains("Anna Regiondirektör"), "signatures at the end");
    for (number, page) in pages.iter().enumerate() {
        assert!(
            page.contains(&format!("{} ({})", number + 1, pages.len())),
            "page number in the footer of page {}",
            number + 1
        );
    }
}

#[test]
fn the_plan_has_word_heading_styles_repeated_header_rows_contents_and_swedish() {
    let docx = write_docx(&forvaltningsplan()).unwrap();
    let document = part(&docx, "word/document.xml");
    let styles = part(&docx, "word/styles.xml");
    for level in 1..=3 {
        let count = HEADINGS.iter().filter(|(at, _)| *at == level).count();
        let style = format!(r#"<w:pStyle w:val="Heading{level}" />"#);
        assert_eq!(document.matches(&style).count(), count, "headings at level {level}");
        assert!(
            styles.contains(&format!(r#"w:styleId="Heading{level}"><w:name w:val="heading {level}" />"#)),
            "Word's heading style"
        );
        assert!(
            styles.contains(&format!(r#"<w:outlineLvl w:val="{}" />"#, level - 1)),
            "outline level for the navigation pane"
        );
    }
    assert!(
        document.contains(r#"<w:pStyle w:val="Title" />"#) && document.contains(r#"<w:pStyle w:val="Subtitle" />"#)
    );

    let tables: Vec<&str> = document.split("<w:tbl>").skip(1).collect();
    assert_eq!(tables.len(), TABLES + 1, "the data tables and the signatures");
    for table in &tables[..TABLES] {
        let first_row = table.split("</w:tr>").next().unwrap();
        assert!(first_row.contains("<w:tblHeader />"), "the header row repeats on every page: {first_row}");
        assert_eq!(table.matches("<w:tblHeader />").count(), 1, "only the header row");
    }
    assert!(!tables[TABLES].contains("<w:tblHeader />"), "the signatures have no header");
    assert!(document.contains(r#"<w:gridSpan w:val="3" />"#), "a group row spans the frames table's three columns");

    assert!(document.contains(r#"<w:instrText>TOC \o &quot;1-3&quot; \h"#), "a TOC field over levels 1–3 with links");
    assert_eq!(document.matches("<w:hyperlink w:anchor=\"_Toc").count(), HEADINGS.len(), "an entry per heading");
    assert_eq!(document.matches("<w:bookmarkStart").count(), HEADINGS.len(), "every heading is a link target");

    assert!(styles.contains(r#"<w:lang w:val="sv-SE" />"#), "Swedish text:\n{styles}");
    let core = part(&docx, "docProps/core.xml");
    assert!(core.contains("<dc:title>Förvaltningsplan 2020</dc:title>"), "{core}");
    assert!(core.contains("<dc:creator>Region Västmanland</dc:creator>"), "{core}");

    let section = &document[document.rfind("<w:sectPr").unwrap()..];
    assert!(section.contains(r#"<w:pgSz w:w="11906" w:h="16838""#), "A4: {section}");
    let footer = part(&docx, "word/footer1.xml");
    assert!(footer.contains("<w:instrText>PAGE</w:instrText>") && footer.contains("NUMPAGES"), "{footer}");

    let english = write_docx(&Document { language: "en".into(), ..forvaltningsplan() }).unwrap();
    assert!(part(&english, "word/styles.xml").contains(r#"<w:lang w:val="en-GB" />"#));
    assert!(part(&english, "word/footer1.xml").contains("Page "));
}

#[test]
fn the_workbook_has_a_sheet_per_table_with_numbers_as_numbers() {
    let plan = forvaltningsplan();
    let bytes = document_workbook(&plan).unwrap();
    let mut workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let names: Vec<String> = plan.tables().map(|table| table.name.clone()).collect();
    assert_eq!(workbook.sheet_names(), names, "a sheet per table, named by it");

    let range = workbook.worksheet_range("4.1.1 Fördelning").unwrap();
    let cell = |row: u32, column: u32| range.get_value((row, column)).cloned().unwrap_or(Data::Empty);
    assert_eq!(cell(0, 0), Data::String(fixture::frames_table().caption.unwrap()));
    assert_eq!(cell(1, 0), Data::String("Centrumbildning, belopp i miljoner kronor".into()));
    assert_eq!(cell(1, 2), Data::String("Ram 2020".into()));
    assert_eq!(cell(2, 0), Data::String("Centrumbildningar som är kvar i förvaltningen".into()), "a group row");
    assert_eq!(cell(2, 1), Data::Empty);
    assert_eq!(cell(3, 1), Data::Float(55.4));
    let last = range.height() as u32 - 1;
    assert_eq!(cell(last, 0), Data::String(SUMMA.into()), "the total row");
    assert_eq!(cell(last, 1), Data::Float(2547.4), "a numeric cell, the amount in mkr");
    assert_eq!(cell(last, 2), Data::Float(221.0));

    // The plan table's row with "2020–2022\nDelårsrapport\noch årsredov.", sixth in its sheet.
    let plan_sheet = part(&document_workbook(&plan).unwrap(), "xl/worksheets/sheet1.xml");
    let row = plan_sheet.split("<row ").find(|row| row.starts_with(r#"r="6""#)).unwrap();
    let height: f64 = row.split(r#"ht=""#).nth(1).and_then(|rest| rest.split('"').next()?.parse().ok()).unwrap_or(0.0);
    assert!(height >= 45.0, "three lines of text get a row three lines tall: {row}");

    let text = &printed().workbook;
    for table in plan.tables() {
        // "Tabell 6.": a long caption may be cut where the printed page ends.
        let caption = table.caption.as_deref().unwrap();
        let number = &caption[..=caption.find('.').unwrap()];
        assert!(text.contains(number), "sheet {:?} printed by LibreOffice:\n{text}", table.name);
    }
    assert!(text.contains(SUMMA));
}

#[test]
fn a_chart_is_a_picture_with_its_alternative_text_and_a_caption() {
    let docx = write_docx(&forvaltningsplan()).unwrap();
    let document = part(&docx, "word/document.xml");
    let escaped = CHART_ALT.replace('&', "&amp;");
    assert!(document.contains(&format!(r#"<wp:docPr id="1" name="Figur 1" descr="{escaped}" />"#)), "the alternative text on the drawing");
    let mut archive = zip::ZipArchive::new(Cursor::new(&docx)).unwrap();
    let media: Vec<String> = (0..archive.len())
        .map(|index| archive.by_index(index).unwrap().name().unwrap().to_string())
        .filter(|name| name.starts_with("word/media/") && name.ends_with(".png"))
        .collect();
    assert_eq!(media.len(), 1, "{media:?}");
    let mut png = Vec::new();
    archive.by_name(&media[0]).unwrap().read_to_end(&mut png).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 2_000, "a drawn PNG, {} bytes", png.len());
    let text = &printed().plan;
    assert!(text.contains(CHART_CAPTION), "LibreOffice prints the caption:\n{text}");
}

#[test]
fn writing_twice_gives_the_same_bytes_on_any_thread() {
    let plan = forvaltningsplan();
    let docx = write_docx(&plan).unwrap();
    assert_eq!(write_docx(&plan).unwrap(), docx);
    let elsewhere = std::thread::spawn(|| write_docx(&forvaltningsplan()).unwrap()).join().unwrap();
    assert_eq!(elsewhere, docx, "docx-rs counts paragraph ids per thread; the writer must not depend on it");
    let mut archive = zip::ZipArchive::new(Cursor::new(&docx)).unwrap();
    for index in 0..archive.len() {
        let entry = archive.by_index(index).unwrap();
        assert_eq!(entry.last_modified().map(|time| time.year()), Some(1980), "no clock time in {:?}", entry.name());
    }
    let workbook = document_workbook(&plan).unwrap();
    assert_eq!(document_workbook(&plan).unwrap(), workbook);
}

fn long_table() -> Table {
    Table {
        name: "Lång".into(),
        caption: Some("En tabell över flera sidor".into()),
        columns: vec![Column::new("Rad", 3), Column::new("Kolumnrubrik", 1)],
        rows: (1..=120).map(|row| Row::body(vec![Cell::text(format!("Rad {row}")), Cell::Integer(row)])).collect(),
    }
}

/// Documents a careless caller could build: each must still give a file LibreOffice opens.
fn odd_documents() -> Vec<(&'static str, Document)> {
    let empty = Document {
        title: String::new(),
        subtitle: None,
        organisation: String::new(),
        language: String::new(),
        contents_heading: None,
        blocks: vec![],
    };
    let ragged = Table {
        name: String::new(),
        caption: None,
        columns: vec![Column::new("A", 1), Column::new("B", 0), Column::new("C", 2)],
        rows: vec![
            Row::body(vec![Cell::text("kort rad")]),
            Row::body(vec![Cell::text("a"), Cell::text("b"), Cell::text("c"), Cell::text("överflödig")]),
            Row::total(vec![]),
            Row::group(""),
        ],
    };
    let odd = Document {
        contents_heading: Some("Innehåll".into()),
        blocks: vec![
            Block::Table(Table::default()),
            Block::Heading { level: 0, number: None, text: "Nivå noll\r\nmed radbrytning".into() },
            Block::Heading { level: 7, number: Some(String::new()), text: "Nivå sju".into() },
            Block::Paragraph { text: "Styrtecken \u{1}\u{1b} bort, <&> kvar".into() },
            Block::Bullets { items: vec![] },
            Block::Table(Table {
                name: "Utan rader".into(),
                columns: vec![Column::new("Ensam", 1)],
                ..Table::default()
            }),
            Block::Table(ragged),
            Block::Table(Table {
                caption: Some("Utan kolumner".into()),
                rows: vec![Row::group("grupp")],
                ..Table::default()
            }),
            Block::Signatures { parties: vec![] },
            Block::Table(long_table()),
            Block::Signatures {
                parties: ["A", "B", "C"]
                    .map(|party| Signatory { place_and_date: String::new(), party: party.into(), name: String::new() })
                    .to_vec(),
            },
        ],
        ..empty.clone()
    };
    let no_headings = Document { contents_heading: Some("Innehåll".into()), ..empty.clone() };
    vec![("empty.docx", empty), ("odd.docx", odd), ("no-headings.docx", no_headings)]
}

#[test]
fn odd_documents_are_written_and_open_in_libreoffice() {
    for (name, document) in odd_documents() {
        assert!(document_workbook(&document).is_ok(), "{name} as a workbook");
        let xml = part(&write_docx(&document).unwrap(), "word/document.xml");
        assert!(!xml.contains("</w:tbl><w:tbl>"), "{name}: tables that touch are joined into one when opened");
    }
    let printed = &printed().odd;
    let odd = &printed["odd.docx"];
    assert!(odd.contains("kort rad"), "a short row is padded:\n{odd}");
    assert!(odd.contains("a b c") && !odd.contains("överflödig"), "a long row is cut to the columns:\n{odd}");
    assert!(odd.contains("Styrtecken bort, <&> kvar"), "control characters dropped, markup characters kept:\n{odd}");
    assert!(odd.contains("Nivå noll") && odd.contains("Nivå sju"));
    let is_long_table_row =
        |line: &str| line.strip_prefix("Rad ").is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()));
    let pages_with_rows: Vec<&str> = odd.split('\u{c}').filter(|page| page.lines().any(is_long_table_row)).collect();
    assert!(pages_with_rows.len() >= 2, "the long table runs over pages:\n{odd}");
    for page in pages_with_rows {
        assert!(page.contains("Rad Kolumnrubrik"), "the header row repeats on every page of the table:\n{page}");
    }
    assert!(printed["no-headings.docx"].contains("Innehåll"));
}
