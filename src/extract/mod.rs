//! Extraction: turns a file's bytes into text that detectors can search,
//! and positions in that text into [`Location`]s.
//!
//! This stage knows plain text (UTF-8, UTF-16, legacy Windows-1252/Latin-1).
//! Formats that need a parser (PDF, spreadsheets, Office, mail, archives)
//! get one module each here, chosen by content sniffing.

pub mod text;

use crate::model::Location;

/// Maps byte offsets in a text to 1-based line and column (in characters).
/// Offsets must be asked for in increasing order; it walks the text once.
pub struct LineCursor<'a> {
    text: &'a str,
    pos: usize,
    line: u64,
    line_start: usize,
}

impl<'a> LineCursor<'a> {
    /// A cursor at the start of `text`.
    pub fn new(text: &'a str) -> LineCursor<'a> {
        LineCursor { text, pos: 0, line: 1, line_start: 0 }
    }

    /// The location of byte offset `offset`.
    pub fn locate(&mut self, offset: usize) -> Location {
        if offset < self.pos {
            *self = LineCursor::new(self.text);
        }
        let bytes = &self.text.as_bytes()[self.pos..offset];
        for i in memchr::memchr_iter(b'\n', bytes) {
            self.line += 1;
            self.line_start = self.pos + i + 1;
        }
        self.pos = offset;
        let column = self.text[self.line_start..offset].chars().count() as u64 + 1;
        Location::Line { line: self.line, column }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_char_columns() {
        let text = "första\nÖsten Ærø 811218-9876\r\nx";
        let mut c = LineCursor::new(text);
        assert_eq!(c.locate(0), Location::Line { line: 1, column: 1 });
        let off = text.find("811218").expect("present");
        assert_eq!(c.locate(off), Location::Line { line: 2, column: 11 });
        let x = text.rfind('x').expect("present");
        assert_eq!(c.locate(x), Location::Line { line: 3, column: 1 });
        // Going back restarts from the top.
        assert_eq!(c.locate(3), Location::Line { line: 1, column: 3 });
    }
}
