//! The values that flow between the pipeline stages: what was found
//! ([`Finding`]), where ([`Location`]), how sure snoka is ([`Confidence`]),
//! and what happened to each file ([`FileReport`], [`FileStatus`]).

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// The kind of personal data a finding is.
///
/// The string forms (`personnummer`, `cpr`, ...) are what reports print in the
/// `kind` column and what `--kinds` accepts.
///
/// [`Kind::Custom`] carries the kind name of a user rule (`iban`,
/// `fodselsnummer`, loaded with `--patterns`). The name is interned once per
/// distinct kind ([`Kind::custom`]), so `Kind` stays `Copy` and every report
/// prints it through [`Kind::as_str`] like a built-in kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, clap::ValueEnum)]
pub enum Kind {
    /// Swedish personnummer (personal identity number).
    Personnummer,
    /// Swedish samordningsnummer (coordination number: day + 60).
    Samordningsnummer,
    /// Danish CPR number.
    Cpr,
    /// E-mail address.
    Email,
    /// IPv4 address.
    Ipv4,
    /// IPv6 address.
    Ipv6,
    /// Telephone number (Swedish, Danish, or `+`-prefixed international).
    Phone,
    /// A subject's name (`snoka find` only: a name match alone is told
    /// apart from an identifier match).
    #[value(skip)]
    Name,
    /// A kind named by a user rule (`kind = "iban"` in a rule file). Made
    /// with [`Kind::custom`]; never one of the built-in names.
    #[value(skip)]
    Custom(&'static str),
}

impl Kind {
    /// Every kind, in report order.
    pub const ALL: [Kind; 8] = [
        Kind::Personnummer,
        Kind::Samordningsnummer,
        Kind::Cpr,
        Kind::Email,
        Kind::Ipv4,
        Kind::Ipv6,
        Kind::Phone,
        Kind::Name,
    ];

    /// The lower-case name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Personnummer => "personnummer",
            Kind::Samordningsnummer => "samordningsnummer",
            Kind::Cpr => "cpr",
            Kind::Email => "email",
            Kind::Ipv4 => "ipv4",
            Kind::Ipv6 => "ipv6",
            Kind::Phone => "phone",
            Kind::Name => "name",
            Kind::Custom(name) => name,
        }
    }

    /// Parses a report name back into a built-in kind.
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// The kind called `name`: a built-in kind if there is one of that
    /// name, else a [`Kind::Custom`] with the name interned (each distinct
    /// name is allocated once for the life of the process, so building
    /// engines repeatedly does not grow memory).
    pub fn custom(name: &str) -> Kind {
        if let Some(k) = Kind::from_name(name) {
            return k;
        }
        static NAMES: std::sync::Mutex<Vec<&'static str>> = std::sync::Mutex::new(Vec::new());
        let mut names = NAMES.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(&n) = names.iter().find(|&&n| n == name) {
            return Kind::Custom(n);
        }
        let n: &'static str = Box::leak(name.to_owned().into_boxed_str());
        names.push(n);
        Kind::Custom(n)
    }
}

impl Serialize for Kind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How sure snoka is that a finding is personal data.
///
/// Derived from a score in `0.0..=1.0`: high >= 0.8, medium >= 0.5, low
/// below. Reports show medium and above unless `--min-confidence low`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// Score below 0.5: plausible but unconfirmed.
    Low,
    /// Score 0.5 to 0.79.
    Medium,
    /// Score 0.8 and above.
    High,
}

impl Confidence {
    /// Maps a score to its band.
    pub fn from_score(score: f32) -> Confidence {
        // Scores are sums of tenths; round so 0.6 - 0.1 is 0.5, not 0.4999.
        let points = (score * 100.0).round() as i32;
        if points >= 80 {
            Confidence::High
        } else if points >= 50 {
            Confidence::Medium
        } else {
            Confidence::Low
        }
    }

    /// The lower-case name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where in a file a finding is. Ordered so that sorting findings by
/// location follows the file from start to end.
///
/// Line-bearing variants ([`Location::Line`], [`Location::Page`],
/// [`Location::Body`]) are refined to the line of the value by
/// [`Location::at_line`]; the others name a unit small enough to find the
/// value in (a cell, a paragraph, a header).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Location {
    /// The file's own path below the scanned folder, or a member's name:
    /// `file name`. Only `snoka find` searches names; sorted first.
    #[serde(rename = "filename")]
    FileName,
    /// A position in plain text: 1-based line and 1-based column counted in
    /// characters (Unicode scalar values) of the decoded text.
    Line {
        /// 1-based line number.
        line: u64,
        /// 1-based column, in characters.
        column: u64,
    },
    /// A line of a PDF page's extracted text: `page 2, line 14`.
    Page {
        /// 1-based page number.
        page: u32,
        /// 1-based line within the page's extracted text.
        line: u64,
    },
    /// A spreadsheet cell: `Kunder!B7` (`'Sheet name'!B7` when quoting is
    /// needed, as Excel writes it).
    Cell {
        /// Sheet name.
        sheet: String,
        /// 1-based row, as in A1 notation.
        row: u32,
        /// 1-based column (A is 1).
        column: u32,
    },
    /// A field of a CSV/TSV record: `row 3, column Personnummer`. Rows count
    /// as a spreadsheet shows them, the header being row 1.
    Record {
        /// 1-based row.
        row: u64,
        /// The column's header, or its 1-based number when there is none.
        column: String,
    },
    /// A paragraph of a word-processing document: `paragraph 4`, or
    /// `header, paragraph 1` outside the body.
    Paragraph {
        /// Where the paragraph is: empty for the body, else `header`,
        /// `footer`, `footnotes`, `endnotes`, `comments`, `tracked changes`.
        part: String,
        /// 1-based paragraph number within the part.
        paragraph: u32,
    },
    /// A slide of a presentation: `slide 3`, or `slide 3, notes`.
    Slide {
        /// 1-based slide number.
        slide: u32,
        /// True for the speaker notes of the slide.
        notes: bool,
    },
    /// A document property (author, title): `property creator`.
    Property {
        /// The property's name.
        name: String,
    },
    /// A header field of an e-mail: `header To`.
    Header {
        /// The header's name as the mail writes it.
        name: String,
    },
    /// A run of text inside a binary file, by its byte offset: `byte
    /// offset 1024` (`snoka find` reads binary files' text strings).
    Offset {
        /// 0-based offset of the run's first byte.
        offset: u64,
    },
    /// A line of an e-mail body: `body 1, line 3` (bodies numbered from 1
    /// in the order the message lists them).
    Body {
        /// 1-based body number.
        body: u32,
        /// 1-based line within the decoded body text.
        line: u64,
    },
}

impl Location {
    /// This location refined to 1-based `line` and `column` within the text
    /// it labels. Units without lines (cells, paragraphs) stay as they are.
    pub fn at_line(&self, line: u64, column: u64) -> Location {
        match self {
            Location::Line { .. } => Location::Line { line, column },
            Location::Page { page, .. } => Location::Page { page: *page, line },
            Location::Body { body, .. } => Location::Body { body: *body, line },
            other => other.clone(),
        }
    }
}

/// Writes a 1-based column number as spreadsheet letters (1 = A, 27 = AA).
pub fn column_letters(column: u32) -> String {
    let mut out = Vec::new();
    let mut n = column.max(1);
    while n > 0 {
        n -= 1;
        out.push(b'A' + (n % 26) as u8);
        n /= 26;
    }
    out.reverse();
    String::from_utf8_lossy(&out).into_owned()
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Line { line, column } => write!(f, "line {line}, column {column}"),
            Location::Page { page, line } => write!(f, "page {page}, line {line}"),
            Location::Cell { sheet, row, column } => {
                let plain = !sheet.is_empty() && sheet.chars().all(|c| c.is_alphanumeric() || c == '_');
                if plain {
                    write!(f, "{sheet}!{}{row}", column_letters(*column))
                } else {
                    write!(f, "'{}'!{}{row}", sheet.replace('\'', "''"), column_letters(*column))
                }
            }
            Location::Record { row, column } => write!(f, "row {row}, column {column}"),
            Location::Paragraph { part, paragraph } if part.is_empty() => write!(f, "paragraph {paragraph}"),
            Location::Paragraph { part, paragraph } => write!(f, "{part}, paragraph {paragraph}"),
            Location::Slide { slide, notes: false } => write!(f, "slide {slide}"),
            Location::Slide { slide, notes: true } => write!(f, "slide {slide}, notes"),
            Location::Property { name } => write!(f, "property {name}"),
            Location::Header { name } => write!(f, "header {name}"),
            Location::Body { body, line } => write!(f, "body {body}, line {line}"),
            Location::FileName => f.write_str("file name"),
            Location::Offset { offset } => write!(f, "byte offset {offset}"),
        }
    }
}

/// One piece of personal data found in a file.
///
/// [`Finding::value`] and [`Finding::normalized`] hold the real value in
/// memory; reporters mask them unless the user asked for `--show-values`.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    /// What was found.
    pub kind: Kind,
    /// Id of the rule whose candidate this was.
    pub rule: std::sync::Arc<str>,
    /// Where it is.
    pub location: Location,
    /// The value as written, normalised and masked (see the accessors).
    pub texts: Texts,
    /// Score in `0.0..=1.0`, from which [`Finding::confidence`] is derived.
    pub score: f32,
    /// Why it was reported: `;`-separated reason codes such as
    /// `luhn;date;keyword:personnummer`. Shared ([`intern`]): a scan holds
    /// hundreds of thousands of findings and a few hundred distinct reasons.
    pub reason: std::sync::Arc<str>,
    /// For `snoka find`: the index of the subject this mentions.
    pub subject: Option<u32>,
    /// For `snoka find --context N`: the surrounding text, masked.
    pub context: Option<String>,
}

/// The four texts of a [`Finding`] in one allocation: a scan of a large
/// share holds hundreds of thousands of findings until the report is
/// written, and four small strings each would double their memory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Texts {
    /// The four texts one after another.
    all: Box<str>,
    /// Where the first three end in `all`.
    ends: [u32; 3],
}

impl Texts {
    /// The value as written in the file, its canonical form (see the
    /// [`Kind`] docs in the README: 12-digit personnummer, 10-digit CPR,
    /// lower-cased e-mail, E.164 phone, IP text), and both with the
    /// identifying part hidden, as reports print them.
    pub fn new(value: &str, normalized: &str, masked_value: &str, masked_normalized: &str) -> Texts {
        let mut all = String::with_capacity(value.len() + normalized.len() + masked_value.len() + masked_normalized.len());
        let mut ends = [0u32; 3];
        for (i, t) in [value, normalized, masked_value].into_iter().enumerate() {
            all.push_str(t);
            // Texts come from one extracted text, far below 4 GiB.
            ends[i] = u32::try_from(all.len()).unwrap_or(u32::MAX);
        }
        all.push_str(masked_normalized);
        Texts { all: all.into_boxed_str(), ends }
    }

    fn part(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        let end = self.ends.get(i).map_or(self.all.len(), |&e| e as usize);
        self.all.get(start..end).unwrap_or("")
    }
}

/// `text` as a shared string, the same allocation for equal texts on one
/// thread (up to a few thousand distinct texts, then fresh ones). Findings'
/// reasons repeat endlessly; one copy each keeps a scan of a large share
/// within its memory bound.
pub fn intern(text: &str) -> std::sync::Arc<str> {
    use std::cell::RefCell;
    use std::collections::HashSet;
    use std::sync::Arc;
    const MAX: usize = 4096;
    thread_local! {
        static SEEN: RefCell<HashSet<Arc<str>>> = RefCell::new(HashSet::new());
    }
    SEEN.with(|seen| {
        let mut seen = seen.borrow_mut();
        if let Some(s) = seen.get(text) {
            return Arc::clone(s);
        }
        let s: Arc<str> = Arc::from(text);
        if seen.len() < MAX {
            seen.insert(Arc::clone(&s));
        }
        s
    })
}

impl Finding {
    /// The text exactly as written in the file.
    pub fn value(&self) -> &str {
        self.texts.part(0)
    }

    /// The canonical form (see [`Texts::new`]).
    pub fn normalized(&self) -> &str {
        self.texts.part(1)
    }

    /// [`Finding::value`] with the identifying part hidden.
    pub fn masked_value(&self) -> &str {
        self.texts.part(2)
    }

    /// [`Finding::normalized`] with the identifying part hidden.
    pub fn masked_normalized(&self) -> &str {
        self.texts.part(3)
    }

    /// The confidence band of this finding's score.
    pub fn confidence(&self) -> Confidence {
        Confidence::from_score(self.score)
    }
}

/// What happened to one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileStatus {
    /// Read and searched.
    Scanned,
    /// Deliberately not searched (policy: too large, binary, special file,
    /// encrypted, unsupported format, a limit reached).
    Skipped(String),
    /// Could not be read or decoded; the inventory has a hole here.
    Failed(String),
}

/// The result of scanning one file: its status and its findings.
#[derive(Clone, Debug)]
pub struct FileReport {
    /// Path of the file as walked (relative to the scan root argument).
    pub path: PathBuf,
    /// Member path inside a container; empty for plain files.
    pub member: String,
    /// Scanned, skipped or failed.
    pub status: FileStatus,
    /// Bytes read from disk (a member: its decompressed size).
    pub bytes: u64,
    /// The format it was read as (`pdf`, `docx`, `text`, ...; for binary
    /// files their description), empty when it was not opened.
    pub format: &'static str,
    /// Last modification time on disk (top-level files only).
    pub modified: Option<std::time::SystemTime>,
    /// Findings at or above the requested minimum confidence, in file order.
    pub findings: Vec<Finding>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_read_as_a_person_would_say_them() {
        let cell = |sheet: &str, row, column| Location::Cell { sheet: sheet.into(), row, column }.to_string();
        assert_eq!(cell("Kunder", 7, 2), "Kunder!B7");
        assert_eq!(cell("Blad 1", 1, 27), "'Blad 1'!AA1");
        assert_eq!(cell("Per's", 3, 26), "'Per''s'!Z3");
        assert_eq!(column_letters(702), "ZZ");
        assert_eq!(column_letters(703), "AAA");
        let para = Location::Paragraph { part: String::new(), paragraph: 4 };
        assert_eq!(para.to_string(), "paragraph 4");
        assert_eq!(Location::Paragraph { part: "footer".into(), paragraph: 1 }.to_string(), "footer, paragraph 1");
        assert_eq!(Location::Page { page: 2, line: 1 }.at_line(14, 3).to_string(), "page 2, line 14");
        assert_eq!(Location::Body { body: 1, line: 1 }.at_line(3, 1).to_string(), "body 1, line 3");
        assert_eq!(para.at_line(9, 9), para);
        assert_eq!(Location::Slide { slide: 3, notes: true }.to_string(), "slide 3, notes");
        assert_eq!(Location::Header { name: "To".into() }.to_string(), "header To");
        assert_eq!(Location::Record { row: 2, column: "Namn".into() }.to_string(), "row 2, column Namn");
    }
}
