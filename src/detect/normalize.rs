//! Text normalisation before matching: Unicode dashes become `-`, no-break
//! and thin spaces become ` `, full-width digits become ASCII. Word and PDF
//! text often writes `811218–9876` with an en dash or groups phone digits
//! with U+202F. An offset map takes every position in the normalised text
//! back to the original, so reported values are the text as written.

use std::borrow::Cow;

/// Normalised text plus the map back to the original byte offsets.
pub struct Normalized<'a> {
    text: Cow<'a, str>,
    /// `(normalised offset, original offset)` after each replaced character,
    /// in increasing order. Empty when nothing was replaced.
    checkpoints: Vec<(usize, usize)>,
}

/// The ASCII replacement for a character, if it needs one.
fn replacement(c: char) -> Option<char> {
    match c {
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE58}' | '\u{FE63}' | '\u{FF0D}' => Some('-'),
        '\u{00A0}' | '\u{2002}'..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}' => Some(' '),
        '\u{FF10}'..='\u{FF19}' => char::from_u32(c as u32 - 0xFF10 + u32::from(b'0')),
        _ => None,
    }
}

impl<'a> Normalized<'a> {
    /// Normalises `text`, borrowing it unchanged when nothing needs
    /// replacing (the common case: one byte scan, no allocation).
    pub fn new(text: &'a str) -> Normalized<'a> {
        // Every replaced character is multi-byte with a lead byte 0xC2,
        // 0xE2, 0xE3 or 0xEF; skip the work unless one of those occurs.
        let b = text.as_bytes();
        let maybe = memchr::memchr3(0xC2, 0xE2, 0xEF, b).is_some() || memchr::memchr(0xE3, b).is_some();
        if !maybe || !text.chars().any(|c| replacement(c).is_some()) {
            return Normalized { text: Cow::Borrowed(text), checkpoints: Vec::new() };
        }
        let mut out = String::with_capacity(text.len());
        let mut checkpoints = Vec::new();
        for (i, c) in text.char_indices() {
            match replacement(c) {
                Some(r) => {
                    out.push(r);
                    checkpoints.push((out.len(), i + c.len_utf8()));
                }
                None => out.push(c),
            }
        }
        Normalized { text: Cow::Owned(out), checkpoints }
    }

    /// The normalised text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Maps an offset in the normalised text to the original text.
    pub fn original_offset(&self, pos: usize) -> usize {
        let i = self.checkpoints.partition_point(|&(n, _)| n <= pos);
        match i {
            0 => pos,
            _ => {
                let (n, o) = self.checkpoints[i - 1];
                o + (pos - n)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn borrowed_when_clean() {
        let n = Normalized::new("Östen Ærø 811218-9876");
        assert!(matches!(n.text, Cow::Borrowed(_)));
        assert_eq!(n.original_offset(5), 5);
    }

    #[test]
    fn dashes_and_spaces_with_offsets() {
        let src = "pnr 811218\u{2013}9876 tel 070\u{00A0}174\u{202F}06 05";
        let n = Normalized::new(src);
        assert_eq!(n.text(), "pnr 811218-9876 tel 070 174 06 05");
        let start = n.text().find("811218").expect("present");
        let end = start + "811218-9876".len();
        let (os, oe) = (n.original_offset(start), n.original_offset(end));
        assert_eq!(&src[os..oe], "811218\u{2013}9876");
        let t = n.text().find("070").expect("present");
        let te = n.text().len();
        assert_eq!(&src[n.original_offset(t)..n.original_offset(te)], "070\u{00A0}174\u{202F}06 05");
    }

    #[test]
    fn full_width_digits() {
        let n = Normalized::new("８１１２１８-９８７６");
        assert_eq!(n.text(), "811218-9876");
        assert_eq!(n.original_offset(11), "８１１２１８-９８７６".len());
    }
}
