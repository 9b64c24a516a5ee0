//! Text into runs and paragraphs: line breaks kept, and characters XML cannot hold dropped.

use docx_rs::{
    AbstractNumbering, BreakType, Docx, IndentLevel, Level, LevelJc, LevelText, NumberFormat, Numbering, NumberingId,
    Paragraph, Run, SpecialIndentType, Start,
};

use super::styles::LIST_BULLET;

/// A run of `text` with each `\n` (or `\r\n`) as a line break and each tab as a tab.
pub(super) fn run(text: &str) -> Run {
    let mut run = Run::new();
    for (index, line) in text.split('\n').enumerate() {
        if index > 0 {
            run = run.add_break(BreakType::TextWrapping);
        }
        for (index, piece) in line.trim_end_matches('\r').split('\t').enumerate() {
            if index > 0 {
                run = run.add_tab();
            }
            if !piece.is_empty() {
                run = run.add_text(xml_text(piece));
            }
        }
    }
    run
}

/// A paragraph of `text` in `style`.
pub(super) fn paragraph(style: &str, text: &str) -> Paragraph {
    Paragraph::new().style(style).add_run(run(text))
}

/// `text` without the control characters XML 1.0 forbids (a stray one would make Word refuse
/// the whole file); tabs and line breaks are handled by [`run`] before this.
pub(super) fn xml_text(text: &str) -> String {
    text.chars().filter(|&c| !c.is_control() || matches!(c, '\t' | '\n' | '\r')).collect()
}

/// The one bullet list definition: every bulleted list of the document uses it. Not 1: docx-rs
/// always writes a decimal list of its own under that id.
const BULLETS: usize = 2;

/// Adds the bullet list definition: "•" hanging in the first 0.63 cm.
pub(super) fn add_bullet_numbering(docx: Docx) -> Docx {
    let level = Level::new(0, Start::new(1), NumberFormat::new("bullet"), LevelText::new("•"), LevelJc::new("left"))
        .indent(Some(357), Some(SpecialIndentType::Hanging(357)), None, None);
    docx.add_abstract_numbering(AbstractNumbering::new(BULLETS).add_level(level))
        .add_numbering(Numbering::new(BULLETS, BULLETS))
}

/// One item of a bulleted list.
pub(super) fn bullet(text: &str) -> Paragraph {
    paragraph(LIST_BULLET, text).numbering(NumberingId::new(BULLETS), IndentLevel::new(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_dropped_and_letters_kept() {
        assert_eq!(xml_text("Åby\u{1}vårdcentral\u{7f}"), "Åbyvårdcentral");
    }
}
