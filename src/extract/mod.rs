//! Extraction: turns a file's bytes into located text that detectors can
//! search.
//!
//! [`sniff`] decides a file's [`Format`] from its content (the name is only
//! a hint, so a PDF renamed `.dat` is still read as a PDF), and
//! [`extract`] hands the bytes to the module for that format. Extractors
//! push what they find into a [`Sink`]: text with its [`Location`], and
//! container members, which go back through the same dispatcher as their
//! own reports. The sink (the scanner) enforces the [`Limits`] in one
//! place: nesting depth, decompressed bytes, compression ratio, members and
//! time.

pub mod archive;
pub mod csv;
pub mod mail;
pub mod markup;
pub mod office;
pub mod pdf;
pub mod sheet;
pub mod text;

use std::io::Read;
use std::time::Duration;

use crate::error::ExtractError;
use crate::model::{FileStatus, Location};

/// Limits that bound the work and memory one top-level file may take.
/// Reaching one makes the file or member `skipped` with a reason that
/// names the limit; the scan goes on.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Containers inside containers deeper than this are not opened
    /// (a top-level zip is depth 1).
    pub max_depth: u32,
    /// Total bytes decompressed from one top-level file, all members
    /// together.
    pub max_total: u64,
    /// Largest ratio of decompressed to compressed size accepted for one
    /// member larger than [`Limits::RATIO_FLOOR`].
    pub max_ratio: u64,
    /// Members read from one archive; the rest are reported as skipped.
    pub max_members: usize,
    /// Time one top-level file may take, members included.
    pub timeout: Duration,
}

impl Limits {
    /// Members smaller than this are not held to the ratio limit: small
    /// repetitive XML compresses far better than 100:1 and is harmless.
    pub const RATIO_FLOOR: u64 = 1 << 20;
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_depth: 5,
            max_total: 1 << 30,
            max_ratio: 100,
            max_members: 100_000,
            timeout: Duration::from_secs(60),
        }
    }
}

/// Where extractors send what they find. Implemented by the scanner, which
/// runs the detectors on text, dispatches members, and enforces [`Limits`]
/// and the time limit: every method may return an error (a limit or the
/// timeout), which the extractor passes on with `?`.
pub trait Sink {
    /// Text found at `at`. `label` describes the text without being part of
    /// it (a spreadsheet or CSV column header): keywords in it count as
    /// context for values in `text`, but nothing in it is reported. For
    /// line-bearing locations (`Line`, `Page`, `Body`) a multi-line `text`
    /// is located line by line, starting from line 1.
    fn text(&mut self, at: Location, label: &str, text: &str) -> Result<(), ExtractError>;

    /// For an extractor that cuts one decoded text into many pieces (the
    /// fields of a CSV file): appends to `out` the byte ranges of `text`
    /// where something may be found, in order, and returns true. A piece
    /// that no range touches may then be left out of [`Sink::text`]
    /// without changing the result. False (the default): send every piece.
    fn candidates(&mut self, _text: &str, _out: &mut Vec<std::ops::Range<usize>>) -> bool {
        false
    }

    /// Accounts for `declared` bytes about to be decompressed from
    /// `compressed` stored bytes (when known), for extractors that read
    /// compressed parts themselves (Office parts, spreadsheets). Fails with
    /// [`ExtractError::Limit`] when the total or the ratio would be exceeded.
    fn charge(&mut self, declared: u64, compressed: Option<u64>) -> Result<(), ExtractError>;

    /// A container member to read from `reader`, which the sink reads
    /// (bounded by `declared` size, the ratio and the remaining budget) and
    /// dispatches by content as its own report, named `name` in the
    /// `member` column. A member over a limit becomes a `skipped` report.
    fn member(
        &mut self,
        name: &str,
        reader: &mut dyn Read,
        declared: Option<u64>,
        compressed: Option<u64>,
    ) -> Result<(), ExtractError>;

    /// A member already in memory (a decoded mail attachment).
    fn member_bytes(&mut self, name: &str, bytes: &[u8]) -> Result<(), ExtractError>;

    /// A member that is listed but not read (encrypted, a folder link):
    /// reported with `status` so the inventory shows the hole.
    fn member_status(&mut self, name: &str, status: FileStatus);
}

/// A file's format, decided by [`sniff`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Plain text in any encoding [`text::decode`] knows.
    Text,
    /// Comma- or tab-separated values (by extension; the content is text).
    Csv,
    /// PDF.
    Pdf,
    /// Excel 2007+ (`.xlsx`, `.xlsm`).
    Xlsx,
    /// Excel binary workbook (`.xlsb`).
    Xlsb,
    /// Excel 97-2003 (`.xls`).
    Xls,
    /// OpenDocument spreadsheet (`.ods`).
    Ods,
    /// Word 2007+ (`.docx`, `.docm`).
    Docx,
    /// PowerPoint 2007+ (`.pptx`).
    Pptx,
    /// OpenDocument text (`.odt`).
    Odt,
    /// OpenDocument presentation (`.odp`).
    Odp,
    /// An Office 2007+ file encrypted with a password (a CFB container
    /// holding `EncryptedPackage`).
    EncryptedOffice,
    /// Word 97-2003 (`.doc`): recognised, not read.
    Doc,
    /// PowerPoint 97-2003 (`.ppt`): recognised, not read.
    Ppt,
    /// Outlook message (`.msg`).
    Msg,
    /// Internet mail (`.eml`).
    Eml,
    /// A Unix mailbox of several messages (`.mbox`).
    Mbox,
    /// HTML.
    Html,
    /// XML (not an Office part).
    Xml,
    /// Zip archive.
    Zip,
    /// Tar archive.
    Tar,
    /// Gzip-compressed data (`.gz`, `.tgz`).
    Gzip,
    /// Another binary format, named by its description (`PNG image`).
    Binary(&'static str),
}

impl Format {
    /// A short lower-case name for reports (`pdf`, `xlsx`, `text`); binary
    /// formats give their description (`PNG image`).
    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Csv => "csv",
            Format::Pdf => "pdf",
            Format::Xlsx => "xlsx",
            Format::Xlsb => "xlsb",
            Format::Xls => "xls",
            Format::Ods => "ods",
            Format::Docx => "docx",
            Format::Pptx => "pptx",
            Format::Odt => "odt",
            Format::Odp => "odp",
            Format::EncryptedOffice => "encrypted office",
            Format::Doc => "doc",
            Format::Ppt => "ppt",
            Format::Msg => "msg",
            Format::Eml => "eml",
            Format::Mbox => "mbox",
            Format::Html => "html",
            Format::Xml => "xml",
            Format::Zip => "zip",
            Format::Tar => "tar",
            Format::Gzip => "gzip",
            Format::Binary(what) => what,
        }
    }
}

/// Decides the format of `bytes`, using `name` (the file or member name)
/// only to tell formats that share a content type apart: CSV from text,
/// `.mbox` from `.eml`.
pub fn sniff(name: &str, bytes: &[u8]) -> Format {
    use file_format::FileFormat as F;
    let ext = extension(name);
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return archive::sniff_zip(bytes, &ext);
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return sniff_cfb(bytes, &ext);
    }
    let head = &bytes[..bytes.len().min(8192)];
    // `%PDF-` at the start, or after a short binary prefix (some producers
    // write one); a text that merely mentions `%PDF-1.4` is text.
    if let Some(at) = memchr::memmem::find(&head[..head.len().min(1024)], b"%PDF-")
        && (at == 0 || !text::looks_like_text(&head[..at]))
    {
        return Format::Pdf;
    }
    if bytes.starts_with(&[0x1F, 0x8B]) {
        return Format::Gzip;
    }
    if bytes.len() >= 262 && &bytes[257..262] == b"ustar" {
        return Format::Tar;
    }
    if let Some(f) = sniff_text(head, &ext) {
        return f;
    }
    match F::from_bytes(head) {
        F::PlainText | F::Empty => text_format(&ext),
        F::HypertextMarkupLanguage => Format::Html,
        F::ExtensibleMarkupLanguage => Format::Xml,
        _ if text::looks_like_text(head) => text_format(&ext),
        other => Format::Binary(binary_name(other)),
    }
}

/// A static description of a binary format for the skip reason.
fn binary_name(f: file_format::FileFormat) -> &'static str {
    use file_format::Kind as K;
    match f.kind() {
        K::Image => "image",
        K::Audio => "audio",
        K::Video => "video",
        K::Executable => "executable",
        K::Font => "font",
        K::Archive | K::Compressed => "unsupported archive",
        K::Database => "database",
        _ => "binary",
    }
}

/// The lower-cased extension of `name`, without the dot.
fn extension(name: &str) -> String {
    let base = name.rsplit(['/', '\\', '!']).next().unwrap_or(name);
    match base.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => ext.to_ascii_lowercase(),
        _ => String::new(),
    }
}

fn text_format(ext: &str) -> Format {
    match ext {
        "csv" | "tsv" | "tab" => Format::Csv,
        _ => Format::Text,
    }
}

/// Text-based formats told apart by their first bytes: mail, mbox, HTML,
/// XML. `None` leaves the decision to the generic sniffer.
fn sniff_text(head: &[u8], ext: &str) -> Option<Format> {
    let start = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let trimmed = trim_ascii_start(start);
    let not_mail = matches!(ext, "csv" | "tsv" | "tab" | "html" | "htm" | "xml");
    if start.starts_with(b"From ")
        && (ext == "mbox" || ext == "mbx" || (!not_mail && mail::looks_like_mail(after_line(start))))
    {
        return Some(Format::Mbox);
    }
    if !not_mail && mail::looks_like_mail(start) {
        return Some(Format::Eml);
    }
    let lower: Vec<u8> = trimmed.iter().take(512).map(u8::to_ascii_lowercase).collect();
    if lower.starts_with(b"<!doctype html") || lower.starts_with(b"<html") || matches!(ext, "html" | "htm" | "xhtml") {
        return Some(Format::Html);
    }
    if lower.starts_with(b"<?xml") || (ext == "xml" && lower.starts_with(b"<")) {
        if memchr::memmem::find(&lower, b"<html").is_some() {
            return Some(Format::Html);
        }
        return Some(Format::Xml);
    }
    None
}

fn trim_ascii_start(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|c| c.is_ascii_whitespace()).count();
    &b[n..]
}

fn after_line(b: &[u8]) -> &[u8] {
    match memchr::memchr(b'\n', b) {
        Some(i) => &b[i + 1..],
        None => &[],
    }
}

/// Tells the Compound File Binary formats apart by their stream names.
fn sniff_cfb(bytes: &[u8], ext: &str) -> Format {
    let Ok(cfb) = cfb::CompoundFile::open(std::io::Cursor::new(bytes)) else {
        // A damaged container: let the extension decide which reader
        // reports the damage.
        return match ext {
            "xls" => Format::Xls,
            "msg" => Format::Msg,
            "ppt" => Format::Ppt,
            _ => Format::Doc,
        };
    };
    let mut names = Vec::new();
    for entry in cfb.walk() {
        names.push(entry.name().to_string());
    }
    let has = |n: &str| names.iter().any(|x| x == n);
    if has("EncryptedPackage") {
        Format::EncryptedOffice
    } else if names.iter().any(|n| n.starts_with("__substg1.0_")) {
        Format::Msg
    } else if has("Workbook") || has("Book") {
        Format::Xls
    } else if has("WordDocument") {
        Format::Doc
    } else if has("PowerPoint Document") {
        Format::Ppt
    } else {
        Format::Binary("Compound File Binary")
    }
}

/// Extracts `bytes` (named `name`, already sniffed as `format`) into
/// `sink`. Text formats other than plain text and CSV go to their module;
/// plain text is handled by the caller, which needs the decoded text for
/// line positions.
pub fn extract(format: Format, name: &str, bytes: &[u8], sink: &mut dyn Sink) -> Result<(), ExtractError> {
    match format {
        Format::Text => match text::decode(bytes) {
            text::Decoded::Text { text, .. } => sink.text(Location::Line { line: 1, column: 1 }, "", &text),
            text::Decoded::Binary => Err(ExtractError::Unsupported("binary".into())),
        },
        Format::Csv => csv::extract(bytes, sink),
        Format::Pdf => pdf::extract(bytes, sink),
        Format::Xlsx => sheet::extract(bytes, sheet::Workbook::Xlsx, sink),
        Format::Xlsb => sheet::extract(bytes, sheet::Workbook::Xlsb, sink),
        Format::Xls => sheet::extract(bytes, sheet::Workbook::Xls, sink),
        Format::Ods => sheet::extract(bytes, sheet::Workbook::Ods, sink),
        Format::Docx => office::extract(bytes, office::Document::Docx, sink),
        Format::Pptx => office::extract(bytes, office::Document::Pptx, sink),
        Format::Odt => office::extract(bytes, office::Document::Odt, sink),
        Format::Odp => office::extract(bytes, office::Document::Odp, sink),
        Format::EncryptedOffice => Err(ExtractError::Encrypted),
        Format::Doc => Err(ExtractError::Unsupported("Word 97-2003 document (.doc)".into())),
        Format::Ppt => Err(ExtractError::Unsupported("PowerPoint 97-2003 presentation (.ppt)".into())),
        Format::Msg => mail::extract_msg(bytes, sink),
        Format::Eml => mail::extract_eml(bytes, sink),
        Format::Mbox => mail::extract_mbox(bytes, sink),
        Format::Html => markup::extract_html(bytes, sink),
        Format::Xml => markup::extract_xml(bytes, sink),
        Format::Zip => archive::extract_zip(bytes, sink),
        Format::Tar => archive::extract_tar(bytes, sink),
        Format::Gzip => archive::extract_gzip(name, bytes, sink),
        Format::Binary(what) => Err(ExtractError::Unsupported(what.to_string())),
    }
}

/// A [`Sink`] that records everything, for extractor tests: each test
/// asserts the exact (location, label, text) sequence an input gives.
#[cfg(test)]
pub mod testutil {
    use super::*;

    /// One recorded event.
    #[derive(Clone, Debug, PartialEq)]
    pub enum Event {
        /// `Sink::text(at, label, text)`.
        Text(Location, String, String),
        /// A member, with its bytes.
        Member(String, Vec<u8>),
        /// `Sink::member_status`.
        Status(String, FileStatus),
    }

    /// Records events; applies no limits except an optional total.
    #[derive(Default)]
    pub struct Collect {
        /// What was pushed, in order.
        pub events: Vec<Event>,
        /// Bytes charged so far.
        pub charged: u64,
    }

    impl Collect {
        /// Only the text events, as (location display, label, text).
        pub fn texts(&self) -> Vec<(String, String, String)> {
            self.events
                .iter()
                .filter_map(|e| match e {
                    Event::Text(at, label, text) => Some((at.to_string(), label.clone(), text.clone())),
                    _ => None,
                })
                .collect()
        }

        /// All text joined by newlines, for "contains" checks.
        pub fn all_text(&self) -> String {
            self.texts().into_iter().map(|(_, _, t)| t).collect::<Vec<_>>().join("\n")
        }
    }

    impl Sink for Collect {
        fn text(&mut self, at: Location, label: &str, text: &str) -> Result<(), ExtractError> {
            self.events.push(Event::Text(at, label.to_string(), text.to_string()));
            Ok(())
        }
        fn charge(&mut self, declared: u64, _compressed: Option<u64>) -> Result<(), ExtractError> {
            self.charged += declared;
            Ok(())
        }
        fn member(
            &mut self,
            name: &str,
            reader: &mut dyn Read,
            _declared: Option<u64>,
            _compressed: Option<u64>,
        ) -> Result<(), ExtractError> {
            let mut buf = Vec::new();
            reader.take(64 << 20).read_to_end(&mut buf)?;
            self.events.push(Event::Member(name.to_string(), buf));
            Ok(())
        }
        fn member_bytes(&mut self, name: &str, bytes: &[u8]) -> Result<(), ExtractError> {
            self.events.push(Event::Member(name.to_string(), bytes.to_vec()));
            Ok(())
        }
        fn member_status(&mut self, name: &str, status: FileStatus) {
            self.events.push(Event::Status(name.to_string(), status));
        }
    }
}

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

    /// The 1-based (line, column) of byte offset `offset`.
    pub fn line_column(&mut self, offset: usize) -> (u64, u64) {
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
        (self.line, column)
    }

    /// The location of byte offset `offset` as a [`Location::Line`].
    pub fn locate(&mut self, offset: usize) -> Location {
        let (line, column) = self.line_column(offset);
        Location::Line { line, column }
    }
}

/// How the fuzz targets and their regression replay (`tests/robustness.rs`)
/// read an input's first byte, in one place so both read a saved input the
/// same way. Append only: saved inputs depend on the order.
pub mod fuzz {
    use super::Format;

    /// `dispatch`: the first byte picks the file name (the extension is a
    /// hint; the format is sniffed from the content).
    pub const NAMES: [&str; 16] = [
        "a.txt", "a.csv", "a.tsv", "a.pdf", "a.docx", "a.xlsx", "a.xls", "a.ods", "a.pptx", "a.odt", "a.eml", "a.mbox",
        "a.msg", "a.html", "a.zip", "a.tar.gz",
    ];

    /// `extract`: the first byte picks a format with an extractor, forced
    /// whatever the content, and a name for it.
    pub const FORMATS: [(Format, &str); 21] = [
        (Format::Text, "a.txt"),
        (Format::Csv, "a.csv"),
        (Format::Pdf, "a.pdf"),
        (Format::Xlsx, "a.xlsx"),
        (Format::Xlsb, "a.xlsb"),
        (Format::Xls, "a.xls"),
        (Format::Ods, "a.ods"),
        (Format::Docx, "a.docx"),
        (Format::Pptx, "a.pptx"),
        (Format::Odt, "a.odt"),
        (Format::Odp, "a.odp"),
        (Format::Msg, "a.msg"),
        (Format::Eml, "a.eml"),
        (Format::Mbox, "a.mbox"),
        (Format::Html, "a.html"),
        (Format::Xml, "a.xml"),
        (Format::Zip, "a.zip"),
        (Format::Tar, "a.tar"),
        (Format::Gzip, "a.gz"),
        (Format::Csv, "a.tsv"),
        (Format::Gzip, "a.tar.gz"),
    ];
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

    #[test]
    fn sniffs_by_content_not_name() {
        assert_eq!(sniff("report.dat", b"%PDF-1.7\n..."), Format::Pdf);
        assert_eq!(sniff("x.txt", &[0x1F, 0x8B, 8, 0]), Format::Gzip);
        assert_eq!(sniff("a.csv", b"namn,personnummer\n"), Format::Csv);
        assert_eq!(sniff("a.txt", b"namn,personnummer\n"), Format::Text);
        assert_eq!(sniff("a", b"<!DOCTYPE html><html><body>x</body></html>"), Format::Html);
        assert_eq!(sniff("a.xml", b"<?xml version=\"1.0\"?><a/>"), Format::Xml);
        let mail = b"From: Anna <anna@exempel.se>\r\nTo: b@exempel.se\r\nSubject: hej\r\nMIME-Version: 1.0\r\n\r\nbody";
        assert_eq!(sniff("message.txt", mail), Format::Eml);
        assert_eq!(
            sniff("box", b"From anna@exempel.se Mon Jan  1 00:00:00 2024\nFrom: anna@exempel.se\nSubject: x\n\nhej\n"),
            Format::Mbox
        );
        assert!(matches!(sniff("a.bin", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Format::Binary(_)));
        assert_eq!(sniff("log.txt", b"uploaded a %PDF-1.4 file\nanna@exempel.se\n"), Format::Text, "mentions are text");
        assert_eq!(sniff("x.pdf", b"\x00\x01junk%PDF-1.4\n"), Format::Pdf, "binary prefix");
        let note = b"Subject: Anteckningar\nDate: 2024-01-01\nPersonnummer: 811218-9876\n";
        assert_eq!(sniff("notes.txt", note), Format::Text, "Subject and Date alone do not make a mail");
        assert_eq!(sniff("f.csv", b"From anna\nTo: x@exempel.se\nSubject: y\n"), Format::Csv);
    }

    #[test]
    fn extensions() {
        assert_eq!(extension("dir/Kunder.CSV"), "csv");
        assert_eq!(extension("a.zip!inner/b.tar.gz"), "gz");
        assert_eq!(extension(".bashrc"), "");
        assert_eq!(extension("noext"), "");
    }
}
