//! The fonts documents are set in: only those embedded from typst-assets, never the machine's,
//! so a document prints the same everywhere.

use std::sync::LazyLock;

use typst::foundations::Bytes;
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;

/// The family of the running text, headings and tables.
pub(crate) const BODY_FAMILY: &str = "Libertinus Serif";

/// Every embedded font and the book typst looks them up in.
pub(crate) struct EmbeddedFonts {
    pub(crate) book: LazyHash<FontBook>,
    pub(crate) fonts: Vec<Font>,
}

impl EmbeddedFonts {
    /// Whether some embedded font has a glyph for `character`. Typst falls back through all of
    /// them, so a character none covers would print as a missing glyph, which PDF/UA forbids.
    pub(crate) fn cover(&self, character: char) -> bool {
        self.fonts.iter().any(|font| font.info().coverage.contains(character as u32))
    }
}

/// Loaded once per process: parsing the fonts on every render would cost more than the render.
pub(crate) fn embedded() -> &'static EmbeddedFonts {
    static FONTS: LazyLock<EmbeddedFonts> = LazyLock::new(|| {
        let fonts: Vec<Font> =
            typst_assets::fonts().flat_map(|data| Font::iter(Bytes::new(data))).collect();
        EmbeddedFonts { book: LazyHash::new(FontBook::from_fonts(&fonts)), fonts }
    });
    &FONTS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_font_has_swedish_letters_the_typographic_minus_and_no_break_spaces() {
        let fonts = embedded();
        let body: Vec<&Font> = fonts.fonts.iter().filter(|font| font.info().family == BODY_FAMILY).collect();
        assert!(body.len() >= 4, "regular, bold, italic and bold italic of {BODY_FAMILY} are embedded");
        for font in body {
            for character in "åäöÅÄÖéü\u{2212}\u{a0}\u{202f}–—•€§½%".chars() {
                assert!(
                    font.info().coverage.contains(character as u32),
                    "{BODY_FAMILY} {:?} lacks U+{:04X}",
                    font.info().variant,
                    character as u32
                );
            }
        }
    }

    #[test]
    fn characters_no_embedded_font_has_are_known() {
        let fonts = embedded();
        assert!(fonts.cover('ö'));
        assert!(!fonts.cover('\u{1F600}'), "no embedded font draws emoji");
        assert!(!fonts.cover('\u{12000}'), "no embedded font draws cuneiform");
    }
}
