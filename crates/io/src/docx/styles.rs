//! The document's styles. Built-in styles carry Word's own ids and names ("Heading1" named
//! "heading 1"), so Word and LibreOffice treat them as headings, list them in the navigation
//! pane and the table of contents, and a user can restyle the whole document in one place.

use docx_rs::{Docx, LineSpacing, LineSpacingType, RunFonts, Style, StyleType, Tab, TabLeaderType, TabValueType};

use super::layout::{ACCENT, BODY_SIZE, FONT, MUTED_TEXT, SMALL_SIZE, TABLE_SIZE, TEXT_WIDTH};

pub(super) const ORGANISATION: &str = "Organisation";
pub(super) const TITLE: &str = "Title";
pub(super) const SUBTITLE: &str = "Subtitle";
pub(super) const TOC_HEADING: &str = "TOCHeading";
pub(super) const CAPTION: &str = "Caption";
pub(super) const TABLE_TEXT: &str = "TableText";
pub(super) const TABLE_HEADING: &str = "TableHeading";
pub(super) const LIST_BULLET: &str = "ListBullet";
pub(super) const FOOTER: &str = "Footer";

/// The paragraph style of a heading at `level` (clamped to 1–3).
pub(super) fn heading(level: u8) -> &'static str {
    match level {
        0 | 1 => "Heading1",
        2 => "Heading2",
        _ => "Heading3",
    }
}

/// The paragraph style of a table of contents entry for a heading at `level`.
pub(super) fn contents_entry(level: u8) -> &'static str {
    match level {
        0 | 1 => "TOC1",
        2 => "TOC2",
        _ => "TOC3",
    }
}

/// Heading levels 1–3 with their type size, space above and below.
const HEADINGS: [(u8, usize, u32, u32); 3] = [(1, 32, 400, 120), (2, 26, 280, 80), (3, 22, 220, 60)];

/// Sets the defaults every style inherits (Normal) and adds the document's styles.
pub(super) fn add_styles(docx: Docx) -> Docx {
    let mut docx = docx
        .default_fonts(RunFonts::new().ascii(FONT).hi_ansi(FONT).cs(FONT).east_asia(FONT))
        .default_size(BODY_SIZE)
        .default_line_spacing(spacing(0, 120).line(264).line_rule(LineSpacingType::Auto))
        .add_style(
            paragraph(ORGANISATION, "Organisation").size(22).bold().color(MUTED_TEXT).line_spacing(spacing(0, 600)),
        )
        .add_style(paragraph(TITLE, "Title").size(52).bold().color(ACCENT).line_spacing(spacing(0, 120)))
        .add_style(paragraph(SUBTITLE, "Subtitle").size(32).color(MUTED_TEXT).line_spacing(spacing(0, 720)));
    for (level, size, before, after) in HEADINGS {
        let mut style = paragraph(heading(level), &format!("heading {level}"))
            .size(size)
            .bold()
            .color(ACCENT)
            .line_spacing(spacing(before, after))
            .outline_lvl(usize::from(level - 1));
        style.paragraph_property = style.paragraph_property.keep_next(true).keep_lines(true);
        docx = docx.add_style(style);
    }
    // Outline level 9 is body text: the contents heading must not list itself.
    let mut contents_heading = paragraph(TOC_HEADING, "TOC Heading")
        .size(32)
        .bold()
        .color(ACCENT)
        .line_spacing(spacing(0, 240))
        .outline_lvl(9);
    contents_heading.paragraph_property = contents_heading.paragraph_property.keep_next(true);
    docx = docx.add_style(contents_heading);
    for level in 1..=3u8 {
        let indent = i32::from(level - 1) * 284;
        let (before, after) = if level == 1 { (120, 40) } else { (0, 40) };
        let mut entry = paragraph(contents_entry(level), &format!("toc {level}"))
            .line_spacing(spacing(before, after))
            .indent(Some(indent), None, Some(567), None);
        if level == 1 {
            entry = entry.bold();
        }
        // Word adds this tab itself when it updates the table; declared here, entries written
        // before the update line up the same way.
        entry.paragraph_property = entry
            .paragraph_property
            .add_tab(Tab::new().val(TabValueType::Right).leader(TabLeaderType::Dot).pos(TEXT_WIDTH as usize));
        docx = docx.add_style(entry);
    }
    let mut caption = paragraph(CAPTION, "caption").size(BODY_SIZE).bold().color(ACCENT).line_spacing(spacing(240, 80));
    caption.paragraph_property = caption.paragraph_property.keep_next(true);
    let table_text = paragraph(TABLE_TEXT, "Table Text")
        .size(TABLE_SIZE)
        .line_spacing(spacing(30, 30).line(240).line_rule(LineSpacingType::Auto));
    let table_heading = paragraph(TABLE_HEADING, "Table Heading").based_on(TABLE_TEXT).next(TABLE_TEXT).bold();
    let list_bullet = paragraph(LIST_BULLET, "List Bullet").line_spacing(spacing(0, 60));
    let mut footer = paragraph(FOOTER, "footer")
        .size(SMALL_SIZE)
        .color(MUTED_TEXT)
        .line_spacing(spacing(0, 0).line(240).line_rule(LineSpacingType::Auto));
    footer.paragraph_property =
        footer.paragraph_property.add_tab(Tab::new().val(TabValueType::Right).pos(TEXT_WIDTH as usize));
    docx.add_style(caption).add_style(table_text).add_style(table_heading).add_style(list_bullet).add_style(footer)
}

/// A paragraph style based on Normal.
fn paragraph(id: &str, name: &str) -> Style {
    Style::new(id, StyleType::Paragraph).name(name).based_on("Normal").next("Normal")
}

fn spacing(before: u32, after: u32) -> LineSpacing {
    LineSpacing::new().before(before).after(after)
}
