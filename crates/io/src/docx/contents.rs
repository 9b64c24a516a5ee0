//! Headings and the table of contents. The contents are a real TOC field that Word can update,
//! written already filled in with the headings (linked to them), so the document reads right
//! before anyone updates a field.

use docx_rs::{FieldCharType, Hyperlink, HyperlinkType, InstrText, InstrToC, Paragraph, Run};
use domain::document::heading_text;

use super::styles;
use super::text::{paragraph, run};

/// The bookmark on the `index`-th heading of the document (from 0), that its contents entry
/// links to. Word hides bookmarks whose name starts with an underscore, as its own "_Toc…" ones.
fn bookmark(index: usize) -> String {
    format!("_Toc{:08}", index + 1)
}

/// The `index`-th heading of the document: "5.1.1 Fördelningen av ersättningen" in the heading
/// style of its level, bookmarked for the contents.
pub(super) fn heading(index: usize, level: u8, number: Option<&str>, text: &str) -> Paragraph {
    let id = index + 1;
    Paragraph::new()
        .style(styles::heading(level))
        .add_bookmark_start(id, bookmark(index))
        .add_run(run(&heading_text(number, text)))
        .add_bookmark_end(id)
}

/// The contents: their heading, then a TOC field over heading levels 1–3 whose result is one
/// linked entry per heading of `outline` (level and printed text, in document order). The
/// entries have no page numbers: only a word processor's layout knows them, and dot leaders
/// to nothing would look broken. Updating the field (Word: F9; LibreOffice: Update index)
/// rewrites the entries with page numbers.
pub(super) fn table_of_contents(title: &str, outline: &[(u8, String)]) -> Vec<Paragraph> {
    let instruction = InstrToC::new()
        .heading_styles_range(1, 3)
        .hyperlink()
        .hide_tab_and_page_numbers_in_webview()
        .use_applied_paragraph_line_level();
    let field_start = Run::new()
        .add_field_char(FieldCharType::Begin, false)
        .add_instr_text(InstrText::TOC(instruction))
        .add_field_char(FieldCharType::Separate, false);
    let field_end = || Run::new().add_field_char(FieldCharType::End, false);

    let mut paragraphs = vec![paragraph(styles::TOC_HEADING, title)];
    if outline.is_empty() {
        paragraphs.push(Paragraph::new().style(styles::contents_entry(1)).add_run(field_start).add_run(field_end()));
        return paragraphs;
    }
    let mut field_start = Some(field_start);
    for (index, (level, text)) in outline.iter().enumerate() {
        let mut entry = Paragraph::new().style(styles::contents_entry(*level));
        if let Some(start) = field_start.take() {
            entry = entry.add_run(start);
        }
        entry = entry.add_hyperlink(
            // An entry is one line even where the heading breaks its line.
            Hyperlink::new(bookmark(index), HyperlinkType::Anchor).add_run(run(&text.replace(['\r', '\n'], " "))),
        );
        if index + 1 == outline.len() {
            entry = entry.add_run(field_end());
        }
        paragraphs.push(entry);
    }
    paragraphs
}
