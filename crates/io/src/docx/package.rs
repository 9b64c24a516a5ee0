//! From the built document to the DOCX bytes, adding what docx-rs 0.4 cannot express: the
//! repeated table header rows (`w:tblHeader`), the document language (`w:lang`), and core
//! properties with the title. Also makes the output deterministic: paragraph ids are numbered
//! here rather than taken from docx-rs's per-thread counter, and no dates are written.

use std::io::Cursor;

use docx_rs::{DocumentChild, Docx, Paragraph, TableCellContent, TableChild, TableRowChild, XMLDocx};

use super::DocxError;
use super::text::xml_text;

/// Numbers paragraphs (`w14:paraId`) in order from 1, so the same document gets the same ids.
#[derive(Default)]
pub(super) struct ParagraphIds {
    last: u32,
}

impl ParagraphIds {
    pub fn next(&mut self) -> String {
        self.last += 1;
        format!("{:08X}", self.last)
    }

    pub fn number(&mut self, children: &mut [DocumentChild]) {
        for child in children {
            match child {
                DocumentChild::Paragraph(paragraph) => self.number_paragraph(paragraph),
                DocumentChild::Table(table) => self.number_table(table),
                _ => {}
            }
        }
    }

    fn number_paragraph(&mut self, paragraph: &mut Paragraph) {
        paragraph.id = self.next();
    }

    fn number_table(&mut self, table: &mut docx_rs::Table) {
        for TableChild::TableRow(row) in &mut table.rows {
            for TableRowChild::TableCell(cell) in &mut row.cells {
                for content in &mut cell.children {
                    match content {
                        TableCellContent::Paragraph(paragraph) => self.number_paragraph(paragraph),
                        TableCellContent::Table(table) => self.number_table(table),
                        _ => {}
                    }
                }
            }
        }
    }
}

/// What the package needs beyond the docx-rs document.
pub(super) struct PackageDetails<'a> {
    /// For each table of the body in order: how many rows at its top repeat on every page.
    pub header_rows: &'a [usize],
    /// For each figure of the body in order: its alternative text.
    pub figures: &'a [String],
    /// "sv-SE".
    pub language: &'a str,
    pub title: &'a str,
    pub subject: Option<&'a str>,
    pub creator: &'a str,
}

pub(super) fn package(docx: Docx, details: &PackageDetails) -> Result<Vec<u8>, DocxError> {
    let mut xml: XMLDocx = docx.build();
    xml.document = describe_figures(mark_header_rows(utf8(xml.document)?, details.header_rows)?, details.figures)?.into_bytes();
    xml.styles = declare_language(utf8(xml.styles)?, details.language)?.into_bytes();
    xml.doc_props.core = core_properties(details).into_bytes();
    let mut bytes = Cursor::new(Vec::new());
    xml.pack(&mut bytes).map_err(docx_rs::DocxError::from)?;
    Ok(bytes.into_inner())
}

const FIGURE_PROPERTIES: &str = "<wp:docPr id=\"";

/// Gives each drawing a unique id, a name and its alternative text (`descr`), which screen
/// readers announce and Word shows under "Alt Text"; docx-rs writes id 1 and no text for all.
fn describe_figures(xml: String, figures: &[String]) -> Result<String, DocxError> {
    let mut out = String::with_capacity(xml.len() + figures.iter().map(|f| f.len() + 40).sum::<usize>());
    let mut rest = xml.as_str();
    for (index, alt) in figures.iter().enumerate() {
        let start = rest.find(FIGURE_PROPERTIES).ok_or(DocxError::UnexpectedXml("a figure without wp:docPr"))?;
        let end = start + rest[start..].find("/>").ok_or(DocxError::UnexpectedXml("an unclosed wp:docPr"))? + 2;
        out.push_str(&rest[..start]);
        let n = index + 1;
        out.push_str(&format!(r#"<wp:docPr id="{n}" name="Figur {n}" descr="{}" />"#, attribute(alt)));
        rest = &rest[end..];
    }
    if rest.contains(FIGURE_PROPERTIES) {
        return Err(DocxError::UnexpectedXml("more drawings than figures"));
    }
    out.push_str(rest);
    Ok(out)
}

/// Text as an XML attribute value: without control characters, with `&<>"` escaped.
fn attribute(text: &str) -> String {
    xml_text(text).replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn utf8(bytes: Vec<u8>) -> Result<String, DocxError> {
    String::from_utf8(bytes).map_err(|_| DocxError::UnexpectedXml("a part is not UTF-8"))
}

const TABLE_START: &str = "<w:tbl>";
const ROW_START: &str = "<w:tr>";
/// Every written row has properties (it cannot split across pages), so its `w:trPr` is open.
const ROW_PROPERTIES: &str = "<w:trPr>";
const REPEAT_ROW: &str = "<w:tblHeader />";

/// Marks the first `header_rows[i]` rows of the `i`-th table to repeat on every page. Tables are
/// never nested in what this writer produces, so each `<w:tbl>` starts the next table.
fn mark_header_rows(xml: String, header_rows: &[usize]) -> Result<String, DocxError> {
    let mut out = String::with_capacity(xml.len() + 32 * header_rows.len());
    let mut rest = xml.as_str();
    let mut tables = header_rows.iter();
    while let Some(start) = rest.find(TABLE_START) {
        let repeated = *tables.next().ok_or(DocxError::UnexpectedXml("more tables than written"))?;
        let (before, table) = rest.split_at(start + TABLE_START.len());
        out.push_str(before);
        rest = table;
        for _ in 0..repeated {
            let row = rest.find(ROW_START).ok_or(DocxError::UnexpectedXml("a header row is missing"))?;
            let properties = row + ROW_START.len();
            if !rest[properties..].starts_with(ROW_PROPERTIES) {
                return Err(DocxError::UnexpectedXml("a header row has no properties"));
            }
            let (before, row) = rest.split_at(properties + ROW_PROPERTIES.len());
            out.push_str(before);
            out.push_str(REPEAT_ROW);
            rest = row;
        }
    }
    if tables.next().is_some() {
        return Err(DocxError::UnexpectedXml("fewer tables than written"));
    }
    out.push_str(rest);
    Ok(out)
}

/// Declares the language of the text in the default run properties, for spelling, hyphenation
/// and screen readers. `w:lang` comes late in `w:rPr`'s sequence, so it goes at the end.
fn declare_language(xml: String, language: &str) -> Result<String, DocxError> {
    const DEFAULT_RUN_END: &str = "</w:rPr></w:rPrDefault>";
    let at = xml.find(DEFAULT_RUN_END).ok_or(DocxError::UnexpectedXml("styles have no default run properties"))?;
    let language = escape(language);
    Ok(format!("{}<w:lang w:val=\"{language}\" />{}", &xml[..at], &xml[at..]))
}

/// Core properties: title, subject and creator, no dates (so two writes are byte-identical) and
/// no "unknown" author, which docx-rs would write.
fn core_properties(details: &PackageDetails) -> String {
    let mut xml = String::from(concat!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
        r#"<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" "#,
        r#"xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" "#,
        r#"xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">"#,
    ));
    let mut element = |name: &str, text: &str| xml.push_str(&format!("<{name}>{}</{name}>", escape(text)));
    element("dc:title", details.title);
    if let Some(subject) = details.subject {
        element("dc:subject", subject);
    }
    element("dc:creator", details.creator);
    element("dc:language", details.language);
    xml.push_str("</cp:coreProperties>");
    xml
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in xml_text(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_rows_are_marked_table_by_table() {
        let xml = "<w:body><w:tbl><w:tr><w:trPr><w:cantSplit /></w:trPr></w:tr><w:tr><w:trPr><w:cantSplit /></w:trPr></w:tr></w:tbl>\
                   <w:tbl><w:tr><w:trPr><w:cantSplit /></w:trPr></w:tr></w:tbl></w:body>";
        let marked = mark_header_rows(xml.into(), &[1, 0]).unwrap();
        assert_eq!(marked.matches(REPEAT_ROW).count(), 1);
        assert!(marked.starts_with("<w:body><w:tbl><w:tr><w:trPr><w:tblHeader /><w:cantSplit />"), "{marked}");
        assert!(mark_header_rows(xml.into(), &[1]).is_err(), "a table the writer did not count");
        assert!(mark_header_rows(xml.into(), &[1, 0, 1]).is_err(), "a counted table that is missing");
    }

    #[test]
    fn the_language_goes_into_the_default_run_properties() {
        let styles = "<w:docDefaults><w:rPrDefault><w:rPr><w:sz w:val=\"21\" /></w:rPr></w:rPrDefault>";
        let declared = declare_language(styles.into(), "sv-SE").unwrap();
        assert!(declared.contains("<w:sz w:val=\"21\" /><w:lang w:val=\"sv-SE\""), "{declared}");
        assert!(declare_language("<w:styles />".into(), "sv-SE").is_err());
    }

    #[test]
    fn each_figure_gets_its_own_id_and_its_alternative_text() {
        let drawing = r#"<w:drawing><wp:docPr id="1" name="Figure" /></w:drawing>"#;
        let xml = format!("<w:body>{drawing}<w:p/>{drawing}</w:body>");
        let described = describe_figures(xml.clone(), &["Staplar: A 1 & B 2".into(), "Andra <figuren>".into()]).unwrap();
        assert!(described.contains(r#"<wp:docPr id="1" name="Figur 1" descr="Staplar: A 1 &amp; B 2" />"#), "{described}");
        assert!(described.contains(r#"<wp:docPr id="2" name="Figur 2" descr="Andra &lt;figuren&gt;" />"#), "{described}");
        assert!(describe_figures(xml.clone(), &["bara en".into()]).is_err(), "every drawing is a figure of the document");
        assert!(describe_figures(xml, &["a".into(), "b".into(), "c".into()]).is_err());
    }

    #[test]
    fn core_properties_escape_the_title() {
        let details = PackageDetails {
            header_rows: &[],
            figures: &[],
            language: "sv-SE",
            title: "Plan <2020> & \"mål\"",
            subject: None,
            creator: "Region Västmanland",
        };
        let xml = core_properties(&details);
        assert!(xml.contains("<dc:title>Plan &lt;2020&gt; &amp; &quot;mål&quot;</dc:title>"), "{xml}");
        assert!(!xml.contains("dcterms:created"), "no dates: {xml}");
    }
}
