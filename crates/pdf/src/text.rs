//! Text from the model made safe to print: typst reads it as data, but a character no embedded
//! font can draw, or a control character, would fail PDF/UA or print as a box.

use crate::fonts;

/// Printed where the model has a character no embedded font draws.
const REPLACEMENT: char = '\u{FFFD}';
/// The fallback for the fallback, should the fonts ever lack U+FFFD.
const LAST_RESORT: char = '?';

/// `text` with line breaks as `\n`, tabs as spaces, other control characters dropped, and
/// characters no embedded font covers replaced by U+FFFD (or "?").
pub(crate) fn printable(text: &str) -> String {
    let fonts = fonts::embedded();
    let replacement = if fonts.cover(REPLACEMENT) { REPLACEMENT } else { LAST_RESORT };
    let unified = text.replace("\r\n", "\n").replace('\r', "\n");
    unified
        .chars()
        .filter_map(|character| match character {
            '\n' => Some('\n'),
            '\t' => Some(' '),
            c if c.is_control() => None,
            c if c.is_whitespace() || is_invisible_format(c) || fonts.cover(c) => Some(c),
            _ => Some(replacement),
        })
        .collect()
}

/// `text` on one line: for titles and headings, where a line break has no place.
pub(crate) fn printable_line(text: &str) -> String {
    printable(text).split('\n').map(str::trim).filter(|part| !part.is_empty()).collect::<Vec<_>>().join(" ")
}

/// Format characters that draw nothing (zero-width space and joiners, soft hyphen, word joiner,
/// direction marks); typst handles them without a glyph.
fn is_invisible_format(character: char) -> bool {
    matches!(character, '\u{00AD}' | '\u{200B}'..='\u{200F}' | '\u{2060}' | '\u{FEFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swedish_text_and_numbers_pass_unchanged() {
        let text = "Summa Regionkontoret \u{2212}2\u{a0}326,2 mkr, 3,5\u{a0}% – åäö ÅÄÖ";
        assert_eq!(printable(text), text);
    }

    #[test]
    fn line_breaks_are_unified_and_control_characters_dropped() {
        assert_eq!(printable("a\r\nb\rc\nd\te\u{0}f\u{7}"), "a\nb\nc\nd ef");
    }

    #[test]
    fn characters_no_font_draws_are_replaced() {
        assert_eq!(printable("Bra jobbat \u{1F600} \u{12000}"), "Bra jobbat \u{FFFD} \u{FFFD}");
    }

    #[test]
    fn a_line_joins_its_parts_with_spaces() {
        assert_eq!(printable_line(" Förvaltningsplan\n2020 \r\n"), "Förvaltningsplan 2020");
        assert_eq!(printable_line("\n \n"), "");
    }
}
