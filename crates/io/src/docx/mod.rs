//! A document ([`domain::document::Document`]) as a DOCX file that Word and LibreOffice open as
//! an ordinary, editable document.
//!
//! * A4 with 2.5 cm margins; the text in Arial, declared in the document's language (sv-SE or
//!   en-GB) for spelling and screen readers.
//! * A title block (organisation, Title, Subtitle), then, when the document has a contents
//!   heading, a table of contents on the first page: a real TOC field over heading levels 1–3,
//!   already filled in with linked headings; updating the field in Word adds the page numbers.
//! * Headings in the built-in styles Heading 1–3 with outline levels (the navigation pane and
//!   the contents find them), their number printed before the text: "5.1.1 Fördelningen…".
//! * Tables with a caption above, a shaded header row that repeats on every page, columns in
//!   proportion to the model's widths over the text width, group rows as one shaded bold cell
//!   across the table, total rows bold under a darker line, numbers right-aligned.
//! * Bulleted lists as real lists; line breaks inside texts kept.
//! * Signatures as a borderless table, two parties side by side.
//! * The footer: title on the left, "page (pages)" on the right.
//!
//! The output depends on the document alone: writing it twice gives the same bytes.

mod chart;
mod contents;
mod layout;
mod package;
mod signatures;
mod styles;
mod table;
mod text;

use docx_rs::{Docx, Footer, NumPages, PageMargin, PageNum, Paragraph, Run, Table as DocxTable};
use domain::document::{Block, Document};

use layout::{DEFAULT_TAB_STOP, HEADER_FOOTER_DISTANCE, MARGIN, PAGE_HEIGHT, PAGE_WIDTH};
use package::{PackageDetails, ParagraphIds};

/// Why no DOCX could be written.
#[derive(Debug, thiserror::Error)]
pub enum DocxError {
    #[error("could not write the DOCX document: {0}")]
    Write(#[from] docx_rs::DocxError),
    /// docx-rs wrote XML of a shape this writer does not expect (a bug here, or a changed
    /// docx-rs).
    #[error("could not write the DOCX document: unexpected XML from docx-rs: {0}")]
    UnexpectedXml(&'static str),
}

/// Writes `document` as a DOCX file.
pub fn write_docx(document: &Document) -> Result<Vec<u8>, DocxError> {
    let Body { parts, header_rows, figures, .. } = body(document);
    let mut docx = text::add_bullet_numbering(styles::add_styles(page_setup()));
    for part in parts {
        docx = match part {
            Part::Paragraph(paragraph) => docx.add_paragraph(*paragraph),
            Part::Table(table) => docx.add_table(*table),
        };
    }
    let mut ids = ParagraphIds::default();
    ids.number(&mut docx.document.children);
    docx = docx.footer(Footer::new().add_paragraph(footer(document).id(ids.next())));

    let language = language_tag(&document.language);
    let details = PackageDetails {
        header_rows: &header_rows,
        figures: &figures,
        language: &language,
        title: &document.title,
        subject: document.subtitle.as_deref(),
        creator: &document.organisation,
    };
    package::package(docx, &details)
}

/// A4 portrait with the margins of [`layout`].
fn page_setup() -> Docx {
    Docx::new()
        .page_size(PAGE_WIDTH, PAGE_HEIGHT)
        .page_margin(
            PageMargin::new()
                .top(MARGIN)
                .bottom(MARGIN)
                .left(MARGIN)
                .right(MARGIN)
                .header(HEADER_FOOTER_DISTANCE)
                .footer(HEADER_FOOTER_DISTANCE)
                .gutter(0),
        )
        .default_tab_stop(DEFAULT_TAB_STOP)
}

/// The title block, the contents (if any), then the document's blocks.
fn body(document: &Document) -> Body {
    let mut body = Body::default();
    title_block(document, &mut body);
    if let Some(heading) = &document.contents_heading {
        let outline: Vec<(u8, String)> = document.outline().collect();
        for paragraph in contents::table_of_contents(heading, &outline) {
            body.paragraph(paragraph);
        }
        body.break_page();
    }
    let mut headings = 0;
    for block in &document.blocks {
        match block {
            Block::Heading { level, number, text } => {
                body.paragraph(contents::heading(headings, *level, number.as_deref(), text));
                headings += 1;
            }
            Block::Paragraph { text } => body.text(text::paragraph("Normal", text)),
            Block::Bullets { items } => {
                for item in items {
                    body.text(text::bullet(item));
                }
            }
            Block::Table(table) => {
                // The sentence that introduces a table ("…framgår nedan") stays on its page.
                body.keep_last_with_next();
                let written = table::table(table, &document.language);
                if let Some(caption) = written.caption {
                    body.paragraph(caption);
                }
                if let Some(written) = written.table {
                    body.table(written, table::HEADER_ROWS);
                }
            }
            Block::Chart(chart) => {
                body.figures.push(chart.alt.clone());
                for paragraph in chart::paragraphs(chart, body.figures.len()) {
                    body.paragraph(paragraph);
                }
            }
            Block::Signatures { parties } => {
                if let Some(written) = signatures::signatures(parties) {
                    // The sentence before the signatures goes with them to the next page.
                    body.keep_last_with_next();
                    body.table(written, 0);
                }
            }
        }
    }
    body
}

/// The body in reading order, and how many header rows each of its tables repeats.
#[derive(Default)]
struct Body {
    parts: Vec<Part>,
    header_rows: Vec<usize>,
    /// The alternative text of each figure, in order.
    figures: Vec<String>,
    /// The next part starts a new page (after the contents).
    page_break_pending: bool,
}

enum Part {
    Paragraph(Box<Paragraph>),
    Table(Box<DocxTable>),
}

impl Body {
    fn paragraph(&mut self, paragraph: Paragraph) {
        let paragraph =
            if std::mem::take(&mut self.page_break_pending) { paragraph.page_break_before(true) } else { paragraph };
        self.parts.push(Part::Paragraph(Box::new(paragraph)));
    }

    /// A paragraph of running text or a list item: no space above in its style, so it gets some
    /// right under a table, which it would otherwise touch. (Headings and captions have theirs.)
    fn text(&mut self, paragraph: Paragraph) {
        if matches!(self.parts.last(), Some(Part::Table(_))) {
            self.paragraph(paragraph.line_spacing(docx_rs::LineSpacing::new().before(200)));
        } else {
            self.paragraph(paragraph);
        }
    }

    fn table(&mut self, table: DocxTable, header_rows: usize) {
        // Word and LibreOffice join tables that touch into one: keep a paragraph between.
        if self.page_break_pending || matches!(self.parts.last(), Some(Part::Table(_))) {
            self.paragraph(Paragraph::new());
        }
        self.parts.push(Part::Table(Box::new(table)));
        self.header_rows.push(header_rows);
    }

    /// Keeps the last paragraph on the page of what comes next (not across the contents' break).
    fn keep_last_with_next(&mut self) {
        if self.page_break_pending {
            return;
        }
        if let Some(Part::Paragraph(paragraph)) = self.parts.last_mut() {
            paragraph.property = paragraph.property.clone().keep_next(true);
        }
    }

    fn break_page(&mut self) {
        self.page_break_pending = true;
    }
}

fn title_block(document: &Document, body: &mut Body) {
    if !document.organisation.is_empty() {
        body.paragraph(text::paragraph(styles::ORGANISATION, &document.organisation));
    }
    body.paragraph(text::paragraph(styles::TITLE, &document.title));
    if let Some(subtitle) = &document.subtitle {
        body.paragraph(text::paragraph(styles::SUBTITLE, subtitle));
    }
}

/// "Förvaltningsplan 2020 – Regionkontoret" on the left, "3 (12)" on the right.
fn footer(document: &Document) -> Paragraph {
    let title = match &document.subtitle {
        Some(subtitle) => format!("{} – {subtitle}", document.title),
        None => document.title.clone(),
    };
    let paragraph = Paragraph::new().style(styles::FOOTER).add_run(text::run(&title)).add_run(Run::new().add_tab());
    if document.language == "en" {
        paragraph
            .add_run(Run::new().add_text("Page "))
            .add_page_num(PageNum::new())
            .add_run(Run::new().add_text(" of "))
            .add_num_pages(NumPages::new())
    } else {
        // The Swedish convention: page, then the number of pages in parentheses.
        paragraph
            .add_page_num(PageNum::new())
            .add_run(Run::new().add_text(" ("))
            .add_num_pages(NumPages::new())
            .add_run(Run::new().add_text(")"))
    }
}

/// The document's language as a language and region: "sv" is Swedish as written in Sweden.
fn language_tag(language: &str) -> String {
    match language {
        "" | "sv" => "sv-SE".to_owned(),
        "en" => "en-GB".to_owned(),
        other => other.to_owned(),
    }
}
