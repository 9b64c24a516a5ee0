//! Bytes of a text file → text, guessing the encoding the way Swedish ledger exports need.
//!
//! Ledgers and Excel ("CSV (semikolonavgränsad)") write Windows-1252; newer systems write UTF-8,
//! with or without a byte-order mark. Windows-1252 assigns a character to almost every byte, so
//! any file "decodes" as it: the order of the checks is what makes the guess safe.
//!
//! 1. A byte-order mark decides (UTF-8, UTF-16LE, UTF-16BE).
//! 2. A NUL byte means not text at all, or UTF-16 without a mark: refused, since guessing would
//!    turn every line into garbage.
//! 3. Valid UTF-8 is UTF-8 (plain ASCII included).
//! 4. Invalid UTF-8 with no valid multi-byte UTF-8 sequence anywhere is Windows-1252: å, ä, ö are
//!    single bytes there and never form a valid UTF-8 sequence with the letter after them.
//! 5. Otherwise the file mixes the two (e.g. lines pasted from another export): it is read as
//!    UTF-8, the bad bytes become U+FFFD, and [`suspicious_char`] makes those lines problems.

use std::borrow::Cow;

use encoding_rs::{Encoding, UTF_8, WINDOWS_1252};

use crate::problem::{LineProblem, LineProblemCode};

/// Text decoded from a file, and the name of the encoding it was read as (encoding_rs's label:
/// "UTF-8", "windows-1252", "UTF-16LE", "UTF-16BE").
#[derive(Debug)]
pub(crate) struct DecodedText<'a> {
    pub text: Cow<'a, str>,
    pub encoding: &'static str,
}

/// Decodes `bytes`, or says why the file cannot be text.
pub(crate) fn decode(bytes: &[u8]) -> Result<DecodedText<'_>, LineProblem> {
    if let Some((encoding, bom_length)) = Encoding::for_bom(bytes) {
        let (text, _) = encoding.decode_without_bom_handling(&bytes[bom_length..]);
        return Ok(DecodedText { text, encoding: encoding.name() });
    }
    if let Some(position) = bytes.iter().position(|&b| b == 0) {
        return Err(LineProblem::new(
            line_of(bytes, position),
            None,
            LineProblemCode::InvalidEncoding,
            "NUL byte: not a text file, or UTF-16 without a byte-order mark",
        ));
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(DecodedText { text: Cow::Borrowed(text), encoding: UTF_8.name() });
    }
    let has_utf8_sequences = bytes.utf8_chunks().any(|chunk| !chunk.valid().is_ascii());
    let encoding = if has_utf8_sequences { UTF_8 } else { WINDOWS_1252 };
    let (text, _) = encoding.decode_without_bom_handling(bytes);
    Ok(DecodedText { text, encoding: encoding.name() })
}

/// The first character in `text` that no ledger value contains and that wrong decoding
/// produces: control characters (C0 apart from tab and line breaks, DEL, C1 — Windows-1252's five
/// undefined bytes decode to C1) and U+FFFD, the replacement for bytes that were not UTF-8.
pub(crate) fn suspicious_char(text: &str) -> Option<char> {
    text.chars().find(|&c| (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || c == char::REPLACEMENT_CHARACTER)
}

/// 1-based line of the byte at `position`.
fn line_of(bytes: &[u8], position: usize) -> u32 {
    let newlines = bytes[..position].iter().filter(|&&b| b == b'\n').count();
    u32::try_from(newlines + 1).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_and_without_bom() {
        let plain = decode("enhet;belopp\nVårdcentral Åby;1\n".as_bytes()).unwrap();
        assert_eq!((plain.encoding, plain.text.contains("Åby")), ("UTF-8", true));
        assert!(matches!(plain.text, Cow::Borrowed(_)), "valid UTF-8 is not copied");

        let with_bom = decode(b"\xEF\xBB\xBFenhet").unwrap();
        assert_eq!((with_bom.encoding, &*with_bom.text), ("UTF-8", "enhet"));
    }

    #[test]
    fn windows_1252_when_no_utf8_sequence_exists() {
        let decoded = decode(b"V\xE5rdcentral \xD6sterby;\x961 234,50").unwrap();
        assert_eq!(decoded.encoding, "windows-1252");
        assert_eq!(decoded.text, "Vårdcentral Österby;–1 234,50");
        assert_eq!(suspicious_char(&decoded.text), None);
    }

    #[test]
    fn utf16_with_bom_is_read() {
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend("Å;1".encode_utf16().flat_map(u16::to_le_bytes));
        let decoded = decode(&bytes).unwrap();
        assert_eq!((decoded.encoding, &*decoded.text), ("UTF-16LE", "Å;1"));
    }

    #[test]
    fn nul_bytes_are_refused_with_their_line() {
        let utf16_without_bom: Vec<u8> = "a;b\r\nc".encode_utf16().flat_map(u16::to_le_bytes).collect();
        let problem = decode(&utf16_without_bom).unwrap_err();
        assert_eq!((problem.line, problem.code), (1, LineProblemCode::InvalidEncoding));
        assert_eq!(decode(b"ok\nok\nbin\x00ary").unwrap_err().line, 3);
    }

    #[test]
    fn mixed_encodings_keep_utf8_and_mark_the_bad_bytes() {
        let decoded = decode(b"\xC3\x85by;1\n\xC5by;2\n").unwrap();
        assert_eq!(decoded.encoding, "UTF-8");
        let lines: Vec<&str> = decoded.text.lines().collect();
        assert_eq!(suspicious_char(lines[0]), None);
        assert_eq!(suspicious_char(lines[1]), Some(char::REPLACEMENT_CHARACTER));
    }

    #[test]
    fn undefined_windows_1252_bytes_are_suspicious() {
        let decoded = decode(b"a\x81b").unwrap();
        assert_eq!(decoded.encoding, "windows-1252");
        assert_eq!(suspicious_char(&decoded.text), Some('\u{81}'));
        assert_eq!(suspicious_char("tab\there"), None);
    }
}
