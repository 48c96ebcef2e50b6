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
    /// The unquoted bytes of the fields of the record being sent, and
    /// where each field ends in them.
    fields: Vec<u8>,
    ends: Vec<usize>,
}

impl Records {
    /// A reader for a file whose text starts with `start` (the delimiter
    /// is sniffed from its first lines).
    pub fn new(start: &str) -> Records {
        Records {
            delimiter: sniff_delimiter(start),
            header: Vec::new(),
            row: 0,
            candidates: Vec::new(),
            fields: Vec::new(),
            ends: Vec::new(),
        }
    }

    /// Sends the fields of the complete records at the start of `text`
    /// (which starts at a record boundary) and returns how many bytes of
    /// `text` they took; the rest (a record that may go on in the next
    /// piece) is to be given again, followed by more text. With `last`,
    /// every record is complete and all of `text` is taken.
    pub fn feed(&mut self, text: &str, last: bool, sink: &mut dyn Sink) -> Result<usize, ExtractError> {
        // Records that no candidate touches need not be split into fields
        // at all: most rows of a register hold nothing, and finding where
        // records end costs about one memchr pass.
        let mut candidates = std::mem::take(&mut self.candidates);
        candidates.clear();
        let filtered = sink.candidates(text, &mut candidates);
        let mut next = 0;
        let mut rows = Rows { text: text.as_bytes(), delimiter: self.delimiter, at: 0 };
        let mut taken = 0;
        let result = loop {
            let Some((record, terminated)) = rows.next() else { break Ok(text.len()) };
            // A record reaching the end of a piece may go on in the next.
            if !last && !terminated {
                break Ok(taken);
            }
            taken = rows.at;
            self.row += 1;
            let row = self.row;
            // The candidates inside this record, when filtering.
            let mut inside = &candidates[..0];
            if filtered {
                while candidates.get(next).is_some_and(|c: &std::ops::Range<usize>| c.end <= record.start) {
                    next += 1;
                }
                let upto = next + candidates[next..].iter().take_while(|c| c.start < record.end).count();
                inside = &candidates[next..upto];
            }
            if row > 1 && filtered && inside.is_empty() {
                continue;
            }
            split_fields(&text.as_bytes()[record], self.delimiter, &mut self.fields, &mut self.ends);
            let fields: Vec<&str> = field_texts(&self.fields, &self.ends).collect();
            if row == 1 && is_header(&fields) {
                self.header = fields.iter().map(|h| h.trim().to_string()).collect();
            }
            if filtered && inside.is_empty() {
                continue;
            }
            let mut sent = Ok(());
            for (i, field) in fields.iter().enumerate() {
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

/// The records of delimited text, read as the `csv` crate reads them
/// (`\r`, `\n` and `\r\n` end a record, empty lines are skipped, a quote
/// opens a quoted field only at the start of a field, `""` inside quotes is
/// a quote), without splitting them into fields: each is its byte range
/// without the terminator, and whether a terminator ended it (one that
/// runs to the end of the text may go on in a later piece). Outside quotes
/// only quotes and line ends matter, so most records cost one `memchr3`.
struct Rows<'a> {
    text: &'a [u8],
    delimiter: u8,
    /// Where reading goes on: just after the last record returned.
    at: usize,
}

impl Iterator for Rows<'_> {
    type Item = (std::ops::Range<usize>, bool);

    fn next(&mut self) -> Option<Self::Item> {
        let b = self.text;
        let n = b.len();
        let mut i = self.at;
        while i < n && (b[i] == b'\r' || b[i] == b'\n') {
            i += 1;
        }
        if i == n {
            self.at = n;
            return None;
        }
        let start = i;
        // `i` is at the start of a field here.
        let mut field_start = true;
        loop {
            if field_start && b.get(i) == Some(&b'"') {
                i += 1;
                loop {
                    let Some(q) = memchr::memchr(b'"', &b[i..]) else {
                        self.at = n;
                        return Some((start..n, false));
                    };
                    i += q + 1;
                    if b.get(i) != Some(&b'"') {
                        break;
                    }
                    i += 1;
                }
            }
            let Some(k) = memchr::memchr3(b'"', b'\r', b'\n', &b[i..]) else {
                self.at = n;
                return Some((start..n, false));
            };
            let j = i + k;
            if b[j] != b'"' {
                self.at = j;
                return Some((start..j, true));
            }
            // A quote opens a quoted field after a delimiter; elsewhere
            // (inside an unquoted field) it is an ordinary byte.
            field_start = j > start && b[j - 1] == self.delimiter;
            i = if field_start { j } else { j + 1 };
        }
    }
}

/// Splits one record (as [`Rows`] returns it) into fields: their unquoted
/// bytes in `out`, each field ending at the next offset of `ends`.
fn split_fields(record: &[u8], delimiter: u8, out: &mut Vec<u8>, ends: &mut Vec<usize>) {
    out.clear();
    ends.clear();
    let n = record.len();
    let mut i = 0;
    loop {
        if record.get(i) == Some(&b'"') {
            i += 1;
            loop {
                let Some(q) = memchr::memchr(b'"', &record[i..]) else {
                    out.extend_from_slice(&record[i..]);
                    i = n;
                    break;
                };
                out.extend_from_slice(&record[i..i + q]);
                i += q + 1;
                if record.get(i) != Some(&b'"') {
                    break;
                }
                out.push(b'"');
                i += 1;
            }
        }
        // The rest of the field (after a closing quote too) is as written.
        match memchr::memchr(delimiter, &record[i..]) {
            Some(k) => {
                out.extend_from_slice(&record[i..i + k]);
                ends.push(out.len());
                i += k + 1;
            }
            None => {
                out.extend_from_slice(&record[i..]);
                ends.push(out.len());
                return;
            }
        }
    }
}

/// The fields [`split_fields`] made of valid UTF-8 text, as text (they are
/// cut at ASCII bytes; one that is not valid, which cannot happen, reads as
/// empty).
fn field_texts<'a>(out: &'a [u8], ends: &'a [usize]) -> impl Iterator<Item = &'a str> {
    ends.iter().scan(0, move |from, &end| {
        let field = std::str::from_utf8(&out[*from..end]).unwrap_or_default();
        *from = end;
        Some(field)
    })
}

/// A first record is a header when no field carries an `@` and at most a
/// quarter of its non-empty fields carry a digit: names of columns (`Telefon
/// 2` among them), not values.
fn is_header(record: &[&str]) -> bool {
    let fields: Vec<&str> = record.iter().copied().filter(|f| !f.trim().is_empty()).collect();
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
        assert!(is_header(&["Personnummer"]), "one column");
        assert!(is_header(&["Namn", "Personnummer", "Telefon", "Telefon 2"]));
        assert!(!is_header(&["Namn", "Telefon 2"]), "half the fields have digits");
        assert!(!is_header(&["Anna", "anna@exempel.se"]));
        assert!(!is_header(&["811218-9876"]));
        let got = texts("Personnummer\n8112189876\n");
        assert_eq!(got[1], ("row 2, column Personnummer".into(), "Personnummer".into(), "8112189876".into()));
    }

    /// Records and fields as the `csv` crate reads them (which this module
    /// used before): [`Rows`] and [`split_fields`] must agree with it on
    /// every text, quotes, stray quotes and line ends of every kind included.
    fn by_the_csv_crate(text: &[u8], delimiter: u8) -> Vec<Vec<Vec<u8>>> {
        let mut reader =
            ::csv::ReaderBuilder::new().delimiter(delimiter).has_headers(false).flexible(true).from_reader(text);
        let mut record = ::csv::ByteRecord::new();
        let mut out = Vec::new();
        while reader.read_byte_record(&mut record).expect("reads") {
            out.push(record.iter().map(<[u8]>::to_vec).collect());
        }
        out
    }

    fn by_rows(text: &[u8], delimiter: u8) -> Vec<Vec<Vec<u8>>> {
        let (mut bytes, mut ends) = (Vec::new(), Vec::new());
        let mut out = Vec::new();
        for (record, terminated) in (Rows { text, delimiter, at: 0 }) {
            assert_eq!(terminated, record.end < text.len(), "{record:?} of {text:?}");
            split_fields(&text[record], delimiter, &mut bytes, &mut ends);
            let mut from = 0;
            out.push(
                ends.iter()
                    .map(|&end| {
                        let f = bytes[from..end].to_vec();
                        from = end;
                        f
                    })
                    .collect(),
            );
        }
        out
    }

    #[test]
    fn records_and_fields_are_those_of_the_csv_crate() {
        let pieces: [&[u8]; 12] =
            [b"a", b"bc", "\u{e9}".as_bytes(), b"\"", b"\"\"", b",", b";", b"\r", b"\n", b"\r\n", b" ", b"1"];
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let mut quoted = 0;
        for _ in 0..20_000 {
            let mut text = Vec::new();
            for _ in 0..next(40) {
                text.extend_from_slice(pieces[next(pieces.len())]);
            }
            for delimiter in [b',', b';'] {
                let theirs = by_the_csv_crate(&text, delimiter);
                assert_eq!(by_rows(&text, delimiter), theirs, "{:?}", String::from_utf8_lossy(&text));
                quoted += usize::from(theirs.iter().flatten().any(|f| f.contains(&b'\n')));
            }
        }
        assert!(quoted > 1000, "{quoted} texts with a line break inside a field");
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
