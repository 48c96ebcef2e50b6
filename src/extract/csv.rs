//! CSV and TSV: every field with its row and column header. The header is
//! passed as the field's label, so "Personnummer" at the top of a column is
//! context for every value below it, as a person reading the sheet sees it.

use crate::error::ExtractError;
use crate::extract::Sink;
use crate::extract::text::{Decoded, decode};
use crate::model::Location;

/// Extracts every field of a delimited file. The delimiter (`,` `;` tab
/// `|`) is sniffed from the first lines; the first record is a header when
/// none of its fields holds a digit or `@`.
pub fn extract(bytes: &[u8], sink: &mut dyn Sink) -> Result<(), ExtractError> {
    let text = match decode(bytes) {
        Decoded::Text { text, .. } => text,
        Decoded::Binary => return Err(ExtractError::Unsupported("binary".into())),
    };
    Records::new(&text).feed(&text, true, sink)?;
    Ok(())
}

/// The state of reading one delimited file whose decoded text comes in
/// pieces cut anywhere (a streamed file): the delimiter, the header and
/// the row number carry over from piece to piece, so the fields sent are
/// those of reading the whole text at once.
#[derive(Debug)]
pub struct Records {
    delimiter: u8,
    header: Vec<String>,
    row: u64,
    candidates: Vec<std::ops::Range<usize>>,
}

impl Records {
    /// A reader for a file whose text starts with `start` (the delimiter
    /// is sniffed from its first lines).
    pub fn new(start: &str) -> Records {
        Records { delimiter: sniff_delimiter(start), header: Vec::new(), row: 0, candidates: Vec::new() }
    }

    /// Sends the fields of the complete records at the start of `text`
    /// (which starts at a record boundary) and returns how many bytes of
    /// `text` they took; the rest (a record that may go on in the next
    /// piece) is to be given again, followed by more text. With `last`,
    /// every record is complete and all of `text` is taken.
    pub fn feed(&mut self, text: &str, last: bool, sink: &mut dyn Sink) -> Result<usize, ExtractError> {
        let mut reader = ::csv::ReaderBuilder::new()
            .delimiter(self.delimiter)
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        // Bytes, not strings: the text is valid UTF-8 already and fields are
        // cut at ASCII bytes, so only the fields sent on need a (cheap) check.
        let mut record = ::csv::ByteRecord::new();
        // Records that no candidate touches need not be sent at all: most rows
        // of a register hold nothing, and sending each field costs far more
        // than one pass over the whole text.
        let mut candidates = std::mem::take(&mut self.candidates);
        candidates.clear();
        let filtered = sink.candidates(text, &mut candidates);
        let mut next = 0;
        let mut taken = 0;
        let result = loop {
            let start = reader.position().byte() as usize;
            match reader.read_byte_record(&mut record) {
                Ok(true) => {}
                Ok(false) => break Ok(text.len()),
                // Reading bytes from memory does not fail; kept for safety.
                Err(e) => break Err(ExtractError::corrupt("CSV", e)),
            }
            let end = reader.position().byte() as usize;
            // A record reaching the end of a piece may go on in the next.
            if !last && end >= text.len() {
                break Ok(taken);
            }
            taken = end;
            self.row += 1;
            let row = self.row;
            if row == 1 && is_header(&record) {
                self.header = fields(&record).map(|h| h.trim().to_string()).collect();
            }
            // The candidates inside this record, when filtering.
            let mut inside = &candidates[..0];
            if filtered {
                while candidates.get(next).is_some_and(|c: &std::ops::Range<usize>| c.end <= start) {
                    next += 1;
                }
                let upto = next + candidates[next..].iter().take_while(|c| c.start < end).count();
                if upto == next {
                    continue;
                }
                inside = &candidates[next..upto];
            }
            let mut sent = Ok(());
            for (i, field) in fields(&record).enumerate() {
                if field.trim().is_empty() {
                    continue;
                }
                // A candidate lies inside one field (none crosses a
                // delimiter or a quote), so its text is in that field as
                // written: a field holding none of them yields nothing.
                if filtered && !inside.iter().any(|c| text.get(c.clone()).is_some_and(|t| field.contains(t))) {
                    continue;
                }
                let name = self.header.get(i).filter(|h| !h.is_empty() && row > 1);
                let column = name.cloned().unwrap_or_else(|| (i + 1).to_string());
                let label = name.map_or("", String::as_str);
                sent = sink.text(Location::Record { row, column }, label, field);
                if sent.is_err() {
                    break;
                }
            }
            if let Err(e) = sent {
                break Err(e);
            }
        };
        self.candidates = candidates;
        result
    }
}

/// The fields of a record read from valid UTF-8 text (a field that is not,
/// which cannot happen, reads as empty).
fn fields(record: &::csv::ByteRecord) -> impl Iterator<Item = &str> {
    record.iter().map(|f| std::str::from_utf8(f).unwrap_or_default())
}

/// A first record is a header when no field carries an `@` and at most a
/// quarter of its non-empty fields carry a digit: names of columns (`Telefon
/// 2` among them), not values.
fn is_header(record: &::csv::ByteRecord) -> bool {
    let fields: Vec<&str> = fields(record).filter(|f| !f.trim().is_empty()).collect();
    let with_digit = fields.iter().filter(|f| f.bytes().any(|b| b.is_ascii_digit())).count();
    !fields.is_empty() && !fields.iter().any(|f| f.contains('@')) && with_digit * 4 <= fields.len()
}

/// The candidate delimiter that splits the first lines most evenly: the
/// one with the highest count that is the same on every line, ties going
/// to `,` then `;` then tab then `|`.
fn sniff_delimiter(text: &str) -> u8 {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).take(20).collect();
    let mut best = (b',', 0usize, false);
    for d in [b',', b';', b'\t', b'|'] {
        let counts: Vec<usize> = lines.iter().map(|l| count_outside_quotes(l, d)).collect();
        let first = counts.first().copied().unwrap_or(0);
        let consistent = first > 0 && counts.iter().all(|&c| c == first);
        let better = match (consistent, best.2) {
            (true, false) => true,
            (false, true) => false,
            _ => first > best.1,
        };
        if first > 0 && better {
            best = (d, first, consistent);
        }
    }
    best.0
}

fn count_outside_quotes(line: &str, delimiter: u8) -> usize {
    let mut quoted = false;
    let mut n = 0;
    for b in line.bytes() {
        if b == b'"' {
            quoted = !quoted;
        } else if b == delimiter && !quoted {
            n += 1;
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::testutil::Collect;

    fn texts(input: &str) -> Vec<(String, String, String)> {
        let mut sink = Collect::default();
        extract(input.as_bytes(), &mut sink).expect("csv");
        sink.texts()
    }

    #[test]
    fn header_labels_fields() {
        let got = texts("Namn;Personnummer\nÅsa Öberg;8112189876\n\"Berg; Per\";\n");
        let t = |a: &str, b: &str, c: &str| (a.to_string(), b.to_string(), c.to_string());
        assert_eq!(
            got,
            vec![
                t("row 1, column 1", "", "Namn"),
                t("row 1, column 2", "", "Personnummer"),
                t("row 2, column Namn", "Namn", "Åsa Öberg"),
                t("row 2, column Personnummer", "Personnummer", "8112189876"),
                t("row 3, column Namn", "Namn", "Berg; Per"),
            ]
        );
    }

    #[test]
    fn no_header_when_first_row_has_values() {
        let got = texts("811218-9876,anna@exempel.se\n");
        assert_eq!(got[0].0, "row 1, column 1");
        assert_eq!(got[1], ("row 1, column 2".into(), String::new(), "anna@exempel.se".into()));
    }

    #[test]
    fn header_rule() {
        let rec = |fields: &[&str]| ::csv::ByteRecord::from(fields.to_vec());
        assert!(is_header(&rec(&["Personnummer"])), "one column");
        assert!(is_header(&rec(&["Namn", "Personnummer", "Telefon", "Telefon 2"])));
        assert!(!is_header(&rec(&["Namn", "Telefon 2"])), "half the fields have digits");
        assert!(!is_header(&rec(&["Anna", "anna@exempel.se"])));
        assert!(!is_header(&rec(&["811218-9876"])));
        let got = texts("Personnummer\n8112189876\n");
        assert_eq!(got[1], ("row 2, column Personnummer".into(), "Personnummer".into(), "8112189876".into()));
    }

    #[test]
    fn delimiters() {
        assert_eq!(sniff_delimiter("a,b,c\n1,2,3\n"), b',');
        assert_eq!(sniff_delimiter("a;b;c\n1,5;2;3\n"), b';');
        assert_eq!(sniff_delimiter("a\tb\n1\t2\n"), b'\t');
        assert_eq!(sniff_delimiter("\"x,y\"|b\n1|2\n"), b'|');
        assert_eq!(sniff_delimiter("one column\n"), b',');
    }
}
