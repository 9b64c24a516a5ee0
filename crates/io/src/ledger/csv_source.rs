//! CSV text → lines of values: `;`-separated, `"` quoting as Excel writes it, any line ending.

use csv::{ReaderBuilder, StringRecord};

use super::lines::LedgerBuilder;
use super::value::Value;
use crate::problem::{LineProblem, LineProblemCode};

pub(crate) fn read(text: &str, builder: &mut LedgerBuilder) {
    // Flexible: a line with too few or too many values is the builder's finding, with its line
    // number, not a reason to stop reading.
    let mut reader =
        ReaderBuilder::new().delimiter(b';').has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut record = StringRecord::new();
    let mut lines = LineCounter::new(text);
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(error) => {
                // Input is a valid UTF-8 slice, so this does not happen; say so if it ever does.
                builder.problem(LineProblem::whole_file(LineProblemCode::UnreadableFile, error.to_string()));
                break;
            }
        }
        let start = record.position().map_or(0, |position| usize::try_from(position.byte()).unwrap_or(usize::MAX));
        let line = lines.line_at(start);
        // A line break inside a value is almost always an unclosed quote, which would silently
        // swallow every line after it into one value.
        if let Some(value) = record.iter().find(|value| value.contains(['\n', '\r'])) {
            builder.problem(LineProblem::new(
                line,
                None,
                LineProblemCode::LineBreakInValue,
                value.replace(['\r', '\n'], " "),
            ));
            continue;
        }
        let values: Vec<Value<'_>> = record.iter().map(Value::Text).collect();
        builder.line(line, &values);
    }
}

/// Line numbers from byte offsets. csv's own `Position::line` miscounts CRLF files and skipped
/// blank lines, and a record's byte offset may point at the line break before it.
struct LineCounter<'a> {
    text: &'a [u8],
    counted_to: usize,
    breaks: u32,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str) -> Self {
        Self { text: text.as_bytes(), counted_to: 0, breaks: 0 }
    }

    /// The 1-based line of the record read from `offset` on (offsets only grow). A line break is
    /// LF, CRLF or a lone CR, as csv accepts them.
    fn line_at(&mut self, offset: usize) -> u32 {
        let offset = offset.min(self.text.len());
        let skipped = self.text[offset..].iter().take_while(|&&b| matches!(b, b'\r' | b'\n')).count();
        let start = offset + skipped;
        for index in self.counted_to..start {
            let is_break = match self.text[index] {
                b'\n' => true,
                b'\r' => self.text.get(index + 1) != Some(&b'\n'),
                _ => false,
            };
            self.breaks = self.breaks.saturating_add(u32::from(is_break));
        }
        self.counted_to = self.counted_to.max(start);
        self.breaks.saturating_add(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record_lines(text: &str) -> Vec<u32> {
        let mut reader =
            ReaderBuilder::new().delimiter(b';').has_headers(false).flexible(true).from_reader(text.as_bytes());
        let mut record = StringRecord::new();
        let mut lines = LineCounter::new(text);
        let mut found = Vec::new();
        while reader.read_record(&mut record).unwrap() {
            found.push(lines.line_at(record.position().unwrap().byte() as usize));
        }
        found
    }

    #[test]
    fn lines_are_counted_for_every_line_ending() {
        assert_eq!(record_lines("a;b\r\nc;d\r\n\r\n\r\ne;f\r\n"), [1, 2, 5]);
        assert_eq!(record_lines("\n\na;b\nc;d\n\ne;f"), [3, 4, 6]);
        assert_eq!(record_lines("a;b\rc;d\r\re;f\r"), [1, 2, 4]);
        assert_eq!(record_lines("a;b\nc;\"d\r\nx\";q\ne;f\n"), [1, 2, 4], "a quoted line break counts");
    }
}
