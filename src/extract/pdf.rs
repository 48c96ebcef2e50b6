//! PDF: page text, document information and embedded files, with lopdf.
//!
//! Read: the text of every page in content-stream order, Form XObjects and
//! the appearance streams of visible annotations included (filled-in form
//! fields are drawn there); an annotation that draws no text gives its
//! field value (`/V`) or comment (`/Contents`) instead. Glyphs are decoded
//! through the font's `ToUnicode` CMap, else its `/Encoding` (Standard,
//! WinAnsi, MacRoman, PDFDoc, `/Differences` glyph names, the built-in
//! encoding of an embedded Type1 program), a `Uni…-UCS2`/`UTF16` CMap, or
//! the `cmap` table of an embedded TrueType program; text is NFKC
//! normalised (ligatures `ﬁ` become `fi`). Lines and word spaces are
//! decided from glyph positions (font widths, `Td`/`TD`/`Tm`/`T*`, `TJ`
//! offsets), so words positioned one by one are not glued, a number drawn
//! in pieces on one line stays whole, and a word or number broken at a
//! line-end hyphen is joined. Invisible text (the OCR layer of scanned
//! documents) is read; text drawn twice over itself is kept once. The
//! document information entries (Title, Author, Subject, Keywords,
//! Creator, Producer) become [`Location::Property`] texts; embedded files
//! (the `EmbeddedFiles` name tree and `FileAttachment` annotations) go back
//! to the dispatcher as members.
//!
//! Not read: text inside images (no OCR; a PDF whose pages hold no text is
//! reported `unsupported`), glyphs with no Unicode anywhere (e.g. CFF
//! programs without `ToUnicode`), bidi reordering (right-to-left text
//! comes out in drawing order), XMP metadata, bookmarks, `ActualText`
//! replacements. Files that need a user password are `Encrypted` (lopdf
//! opens those with an empty user password itself). Work is bounded per
//! page (operations, decompressed bytes, text, Form XObject nesting and
//! calls) and per document (font data), so hostile files end with a limit
//! error rather than hang; the sink is called at least once per page and
//! every million operations so it can enforce its time limit.

use std::collections::{HashMap, HashSet, VecDeque};
use std::rc::Rc;

use lopdf::{Dictionary, Document, Encoding, LoadOptions, Object, ObjectId, Stream};
use unicode_normalization::UnicodeNormalization;

use crate::error::ExtractError;
use crate::extract::Sink;
use crate::model::{FileStatus, Location};

/// Most bytes of extracted text kept for one page.
const MAX_PAGE_TEXT: usize = 4 << 20;
/// Most content-stream operations run for one page, Form XObjects included.
const MAX_PAGE_OPS: u64 = 20_000_000;
/// Most decompressed content bytes parsed for one page, counting a Form
/// XObject again at every use.
const MAX_PAGE_BYTES: usize = 256 << 20;
/// Deepest nesting of Form XObjects followed.
const MAX_FORM_DEPTH: u32 = 12;
/// Most Form XObject uses followed on one page.
const MAX_FORM_CALLS: u32 = 10_000;
/// Most annotations looked at on one page.
const MAX_ANNOTS: usize = 10_000;
/// Largest decompressed CMap read.
const MAX_CMAP: usize = 8 << 20;
/// Most entries kept from one CMap or `/W` array.
const MAX_MAP_ENTRIES: usize = 200_000;
/// Deepest graphics-state stack kept (`q` beyond it is counted, not saved).
const MAX_STATE_STACK: usize = 1024;
/// Decompressed Form XObjects kept for reuse across pages, in bytes.
const FORM_CACHE_BYTES: usize = 64 << 20;
/// Most bytes decompressed for fonts (CMaps, font programs) in one document.
const MAX_FONT_BYTES: usize = 128 << 20;
/// Operations between two calls that let the sink check its time limit.
const CHECKPOINT_OPS: u64 = 1 << 20;
/// Most nodes visited in the embedded-files name tree.
const MAX_NAME_NODES: usize = 10_000;
/// The document information entries read, in the order they are pushed.
const INFO_KEYS: [&str; 6] = ["Title", "Author", "Subject", "Keywords", "Creator", "Producer"];

/// Extracts the document information entries as [`Location::Property`], the
/// text of every page as one [`Location::Page`] each (lines separated by
/// `'\n'`), then the embedded files as members.
///
/// Errors: [`ExtractError::Encrypted`] when a user password is needed;
/// `corrupt PDF` when the file cannot be parsed or some pages cannot be read
/// (after the readable ones were pushed); [`ExtractError::Limit`] when a
/// page exceeds a work bound; [`ExtractError::Unsupported`] when the pages
/// hold no decodable text (scanned images).
pub fn extract(bytes: &[u8], sink: &mut dyn Sink) -> Result<(), ExtractError> {
    let doc = load(bytes)?;
    if doc.trailer.has(b"Encrypt") {
        // lopdf removes /Encrypt once it has decrypted with the empty user
        // password; still there means a password is needed.
        return Err(ExtractError::Encrypted);
    }
    properties(&doc, sink)?;
    let pages: Vec<ObjectId> = doc.page_iter().collect();
    if pages.is_empty() {
        return Err(ExtractError::corrupt("PDF", "no pages found"));
    }
    let mut pdf = Pdf::new(&doc);
    let (mut bad, mut limit, mut any_text) = (0usize, None, false);
    for (i, &id) in pages.iter().enumerate() {
        let number = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let run = pdf.page(id, sink)?;
        let text = finish_text(&run.layout.text);
        if !text.is_empty() {
            any_text = true;
            sink.text(Location::Page { page: number, line: 1 }, "", &text)?;
        }
        if run.damaged {
            bad += 1;
        }
        if let (None, Some(what)) = (&limit, run.limit) {
            limit = Some(format!("PDF page {number}: {what}"));
        }
    }
    let members = attachments(&doc, &pages, sink)?;
    if let Some(limit) = limit {
        return Err(ExtractError::Limit(limit));
    }
    if bad > 0 {
        return Err(ExtractError::corrupt("PDF", format!("{bad} of {} pages could not be read", pages.len())));
    }
    if !any_text && members == 0 {
        let why = if pdf.glyphs > 0 {
            "PDF text that cannot be decoded (fonts without Unicode mapping)"
        } else {
            "PDF without text (scanned images?); OCR is not done"
        };
        return Err(ExtractError::Unsupported(why.into()));
    }
    if pdf.unmapped.saturating_mul(2) > pdf.glyphs {
        return Err(ExtractError::Unsupported(
            "PDF text mostly cannot be decoded (fonts without Unicode mapping)".into(),
        ));
    }
    Ok(())
}

/// Parses the file with lopdf's lenient loader and its default decompression
/// bound, mapping its errors to ours.
fn load(bytes: &[u8]) -> Result<Document, ExtractError> {
    use lopdf::{DecompressError, Error};
    match Document::load_mem_with_options(bytes, LoadOptions::default()) {
        Ok(doc) => Ok(doc),
        Err(Error::InvalidPassword | Error::UnsupportedSecurityHandler(_) | Error::Decryption(_)) => {
            Err(ExtractError::Encrypted)
        }
        Err(Error::Decompress(DecompressError::MemoryLimitExceeded { limit })) => {
            Err(ExtractError::Limit(format!("possible PDF decompression bomb: a stream over {} MiB", limit >> 20)))
        }
        Err(Error::Unimplemented(what)) => Err(ExtractError::corrupt("PDF", format!("not supported by lopdf: {what}"))),
        Err(e) => Err(ExtractError::corrupt("PDF", e)),
    }
}

/// Page text as pushed: NFKC, no control characters but `'\n'`, no
/// trailing spaces on lines, no empty lines. A word hyphenated at a line
/// end gets its rest from the next line (`Personnum-` / `mer` becomes
/// `Personnummer`), and a number broken after a hyphen is joined with the
/// hyphen kept (`811218-` / `9876` becomes `811218-9876`).
fn finish_text(raw: &str) -> String {
    let mut lines: Vec<String> = Vec::new();
    for line in raw.split('\n') {
        // Printable ASCII (most lines of most documents) is already clean.
        if line.bytes().all(|b| (0x20..0x7F).contains(&b)) {
            let clean = line.trim_end();
            if !clean.trim_start().is_empty() {
                lines.push(clean.to_string());
            }
            continue;
        }
        // NFKC only where it changes something (the quick check says yes
        // for most text, and costs far less than normalising).
        let nfkc: std::borrow::Cow<'_, str> = match unicode_normalization::is_nfkc_quick(line.chars()) {
            unicode_normalization::IsNormalized::Yes => line.into(),
            _ => line.nfkc().collect::<String>().into(),
        };
        let mut clean = String::with_capacity(nfkc.len());
        clean.extend(nfkc.chars().filter_map(|c| match c {
            '\t' => Some(' '),
            '\u{AD}' | '\u{FFFD}' | '\u{FEFF}' => None,
            c if c.is_control() => None,
            c => Some(c),
        }));
        let clean = clean.trim_end();
        if !clean.trim_start().is_empty() {
            lines.push(clean.to_string());
        }
    }
    for i in 1..lines.len() {
        let (head, tail) = lines.split_at_mut(i);
        let (prev, next) = (&mut head[i - 1], &mut tail[0]);
        let Some(stem) = prev.strip_suffix('-') else { continue };
        let (Some(before), Some(after)) = (stem.chars().next_back(), next.chars().next()) else { continue };
        let digits = before.is_ascii_digit() && after.is_ascii_digit();
        if !(digits || (before.is_lowercase() && after.is_lowercase())) {
            continue;
        }
        let cut = next.find(char::is_whitespace).unwrap_or(next.len());
        if !digits {
            prev.pop();
        }
        prev.push_str(&next[..cut]);
        *next = next[cut..].trim_start().to_string();
    }
    lines.retain(|l| !l.is_empty());
    lines.join("\n")
}

/// Pushes the document information entries that hold text.
fn properties(doc: &Document, sink: &mut dyn Sink) -> Result<(), ExtractError> {
    let Ok(info) = doc.trailer.get_deref(b"Info", doc).and_then(Object::as_dict) else {
        return Ok(());
    };
    for key in INFO_KEYS {
        let Ok(value) = info.get_deref(key.as_bytes(), doc) else { continue };
        let Some(text) = text_string(value) else { continue };
        let text = finish_text(&one_line(&text));
        if !text.is_empty() {
            sink.text(Location::Property { name: key.to_string() }, "", &text)?;
        }
    }
    Ok(())
}

/// `text` with white-space runs (line breaks included) as single spaces.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A PDF text string: UTF-16BE or UTF-8 with a byte-order mark, else
/// PDFDocEncoding. Damaged strings are decoded leniently.
fn text_string(value: &Object) -> Option<String> {
    let Object::String(bytes, _) = value else { return None };
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        let units: Vec<u16> = rest.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect();
        return Some(String::from_utf16_lossy(&units));
    }
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return Some(String::from_utf8_lossy(rest).into_owned());
    }
    Some(lopdf::decode_text_string(value).unwrap_or_else(|_| String::from_utf8_lossy(bytes).into_owned()))
}

/// Hands every embedded file to the sink once: the `EmbeddedFiles` name tree
/// first, then `FileAttachment` annotations page by page. Returns how many
/// were handed on.
fn attachments(doc: &Document, pages: &[ObjectId], sink: &mut dyn Sink) -> Result<usize, ExtractError> {
    let mut specs: Vec<(String, &Dictionary)> = Vec::new();
    if let Ok(tree) = doc
        .catalog()
        .and_then(|c| c.get_deref(b"Names", doc))
        .and_then(Object::as_dict)
        .and_then(|n| n.get_deref(b"EmbeddedFiles", doc))
        .and_then(Object::as_dict)
    {
        let mut stack = vec![tree];
        let mut visited = 0usize;
        while let Some(node) = stack.pop() {
            visited += 1;
            if visited > MAX_NAME_NODES {
                break;
            }
            if let Ok(names) = node.get_deref(b"Names", doc).and_then(Object::as_array) {
                for pair in names.chunks(2) {
                    let key = text_string(&pair[0]).unwrap_or_default();
                    if let Some(spec) =
                        pair.get(1).and_then(|v| doc.dereference(v).ok()).and_then(|(_, v)| v.as_dict().ok())
                    {
                        specs.push((key, spec));
                    }
                }
            }
            if let Ok(kids) = node.get_deref(b"Kids", doc).and_then(Object::as_array) {
                // Reversed so that the stack visits kids in order.
                for kid in kids.iter().rev() {
                    if let Ok((_, Object::Dictionary(d))) = doc.dereference(kid) {
                        stack.push(d);
                    }
                }
            }
        }
    }
    for &page in pages {
        let Ok(annots) = doc.get_page_annotations(page) else { continue };
        for a in annots.into_iter().take(MAX_ANNOTS) {
            if a.get(b"Subtype").and_then(Object::as_name).ok() == Some(b"FileAttachment".as_slice())
                && let Ok(spec) = a.get_deref(b"FS", doc).and_then(Object::as_dict)
            {
                specs.push((String::new(), spec));
            }
        }
    }
    let mut seen = HashSet::new();
    let mut members = 0;
    for (n, (key, spec)) in specs.into_iter().enumerate() {
        let name = [b"UF".as_slice(), b"F"]
            .iter()
            .find_map(|k| spec.get_deref(k, doc).ok().and_then(text_string))
            .filter(|s| !s.trim().is_empty())
            .unwrap_or(key);
        let name = if name.trim().is_empty() { format!("attachment-{}", n + 1) } else { name.replace('\0', "") };
        let Ok(ef) = spec.get_deref(b"EF", doc).and_then(Object::as_dict) else { continue };
        let Some(stream_ref) = [b"F".as_slice(), b"UF"].iter().find_map(|k| ef.get(k).ok()) else { continue };
        let Ok((id, Object::Stream(stream))) = doc.dereference(stream_ref) else {
            sink.member_status(&name, FileStatus::Failed("corrupt PDF: embedded file is missing".into()));
            continue;
        };
        if let Some(id) = id
            && !seen.insert(id)
        {
            continue;
        }
        match stream.decompressed_content_with_limit(lopdf::DEFAULT_MAX_DECOMPRESSED_SIZE) {
            Ok(bytes) => {
                sink.member_bytes(&name, &bytes)?;
                members += 1;
            }
            Err(_) => {
                sink.member_status(&name, FileStatus::Failed("corrupt PDF: embedded file could not be decoded".into()))
            }
        }
    }
    Ok(members)
}

// ---------------------------------------------------------------------------
// Geometry and graphics state

/// An affine matrix `[a b c d e f]`, mapping (x, y) to
/// (a·x + c·y + e, b·x + d·y + f).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Matrix([f64; 6]);

const IDENTITY: Matrix = Matrix([1.0, 0.0, 0.0, 1.0, 0.0, 0.0]);

impl Matrix {
    /// `self` followed by `other` (the PDF product self × other).
    fn then(self, other: Matrix) -> Matrix {
        let [a1, b1, c1, d1, e1, f1] = self.0;
        let [a2, b2, c2, d2, e2, f2] = other.0;
        Matrix([
            a1 * a2 + b1 * c2,
            a1 * b2 + b1 * d2,
            c1 * a2 + d1 * c2,
            c1 * b2 + d1 * d2,
            e1 * a2 + f1 * c2 + e2,
            e1 * b2 + f1 * d2 + f2,
        ])
    }

    fn translate(x: f64, y: f64) -> Matrix {
        Matrix([1.0, 0.0, 0.0, 1.0, x, y])
    }

    fn point(self, x: f64, y: f64) -> (f64, f64) {
        let [a, b, c, d, e, f] = self.0;
        (a * x + c * y + e, b * x + d * y + f)
    }

    /// The first six of `items` (operands or array elements) as a matrix.
    fn from_numbers<T: Num>(items: &[T]) -> Option<Matrix> {
        numbers::<6, T>(items).map(Matrix)
    }
}

/// Something that may be a number: a PDF object or a content operand.
trait Num {
    fn num(&self) -> Option<f64>;
}

impl Num for Object {
    fn num(&self) -> Option<f64> {
        number(self)
    }
}

impl Num for Operand {
    fn num(&self) -> Option<f64> {
        match self {
            Operand::Number(n) => Some(*n),
            _ => None,
        }
    }
}

fn number(o: &Object) -> Option<f64> {
    match o {
        Object::Integer(i) => Some(*i as f64),
        Object::Real(r) => Some(f64::from(*r)),
        _ => None,
    }
}

/// The first `N` items as numbers.
fn numbers<const N: usize, T: Num>(items: &[T]) -> Option<[f64; N]> {
    let mut out = [0.0; N];
    for (slot, o) in out.iter_mut().zip(items.get(..N)?) {
        *slot = o.num()?;
    }
    Some(out)
}

// ---------------------------------------------------------------------------
// Content-stream lexer

/// Most operands kept for one operator; more are dropped.
const MAX_OPERANDS: usize = 64;
/// Most elements kept in one array operand (a `TJ` array); more are dropped.
const MAX_ARRAY: usize = 1 << 20;
/// Deepest nesting of array operands parsed.
const MAX_ARRAY_DEPTH: u32 = 16;

/// A content-stream operand, as much of it as text extraction needs.
#[derive(Clone, Debug, PartialEq)]
enum Operand {
    Number(f64),
    Str(Vec<u8>),
    Name(Vec<u8>),
    Array(Vec<Operand>),
    /// Booleans, `null`, dictionary delimiters, anything else.
    Other,
}

fn is_white(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n' | b'\x0c' | b'\0')
}

fn is_delimiter(c: u8) -> bool {
    matches!(c, b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%')
}

/// A lenient content-stream lexer: never fails, skips what it does not
/// understand, consumes at least one byte per token. Inline image data is
/// skipped; dictionaries (marked-content properties) are flattened into
/// plain operands.
struct Lexer<'a> {
    data: &'a [u8],
    pos: usize,
}

/// One lexed token.
enum Token<'a> {
    Operand(Operand),
    Operator(&'a [u8]),
}

impl<'a> Lexer<'a> {
    /// The next operator, with its operands in `ops`; `None` at the end.
    fn next_op(&mut self, ops: &mut Vec<Operand>) -> Option<&'a [u8]> {
        ops.clear();
        loop {
            match self.token(0)? {
                Token::Operand(o) => {
                    if ops.len() < MAX_OPERANDS {
                        ops.push(o);
                    }
                }
                Token::Operator(b"BI") => {
                    self.skip_inline_image();
                    ops.clear();
                }
                Token::Operator(op) => return Some(op),
            }
        }
    }

    fn skip_space(&mut self) {
        while let Some(&c) = self.data.get(self.pos) {
            if is_white(c) {
                self.pos += 1;
            } else if c == b'%' {
                while self.data.get(self.pos).is_some_and(|&c| c != b'\n' && c != b'\r') {
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
    }

    /// The bytes up to the next white-space or delimiter.
    fn word(&mut self) -> &'a [u8] {
        let start = self.pos;
        while self.data.get(self.pos).is_some_and(|&c| !is_white(c) && !is_delimiter(c)) {
            self.pos += 1;
        }
        &self.data[start..self.pos]
    }

    fn token(&mut self, depth: u32) -> Option<Token<'a>> {
        self.skip_space();
        let &c = self.data.get(self.pos)?;
        Some(match c {
            b'/' => {
                self.pos += 1;
                Token::Operand(Operand::Name(decode_name(self.word())))
            }
            b'(' => {
                self.pos += 1;
                Token::Operand(Operand::Str(self.literal()))
            }
            b'<' if self.data.get(self.pos + 1) == Some(&b'<') => {
                self.pos += 2;
                Token::Operand(Operand::Other)
            }
            b'<' => {
                self.pos += 1;
                Token::Operand(Operand::Str(self.hex()))
            }
            b'[' => {
                self.pos += 1;
                Token::Operand(self.array(depth))
            }
            b'0'..=b'9' | b'+' | b'-' | b'.' => Token::Operand(Operand::Number(parse_number(self.word()))),
            c if is_delimiter(c) => {
                // Stray `)`, `>`, `]`, braces: skipped.
                self.pos += 1;
                Token::Operand(Operand::Other)
            }
            _ => match self.word() {
                b"true" | b"false" | b"null" => Token::Operand(Operand::Other),
                op => Token::Operator(op),
            },
        })
    }

    /// An array after its `[`, up to the matching `]`.
    fn array(&mut self, depth: u32) -> Operand {
        let mut items = Vec::new();
        loop {
            self.skip_space();
            match self.data.get(self.pos) {
                None => break,
                Some(b']') => {
                    self.pos += 1;
                    break;
                }
                Some(_) => {}
            }
            if depth >= MAX_ARRAY_DEPTH && self.data.get(self.pos) == Some(&b'[') {
                self.pos += 1;
                continue;
            }
            match self.token(depth + 1) {
                Some(Token::Operand(o)) => {
                    if items.len() < MAX_ARRAY {
                        items.push(o);
                    }
                }
                Some(Token::Operator(_)) => items.push(Operand::Other),
                None => break,
            }
        }
        Operand::Array(items)
    }

    /// A literal string after its `(`: escapes and end-of-line markers
    /// decoded, balanced parentheses kept.
    fn literal(&mut self) -> Vec<u8> {
        let d = self.data;
        // Sized once: most strings end at the first ')'.
        let rest = d.get(self.pos..).unwrap_or_default();
        let mut out = Vec::with_capacity(memchr::memchr(b')', rest).unwrap_or(rest.len()).min(1 << 16));
        let mut depth = 1u32;
        while let Some(&c) = d.get(self.pos) {
            self.pos += 1;
            match c {
                b'\\' => {
                    let Some(&e) = d.get(self.pos) else { break };
                    self.pos += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'\r' => {
                            if d.get(self.pos) == Some(&b'\n') {
                                self.pos += 1;
                            }
                        }
                        b'\n' => {}
                        b'0'..=b'7' => {
                            let mut v = u32::from(e - b'0');
                            for _ in 0..2 {
                                match d.get(self.pos) {
                                    Some(&o @ b'0'..=b'7') => {
                                        v = v * 8 + u32::from(o - b'0');
                                        self.pos += 1;
                                    }
                                    _ => break,
                                }
                            }
                            out.push((v & 0xFF) as u8);
                        }
                        other => out.push(other),
                    }
                }
                b'(' => {
                    depth += 1;
                    out.push(c);
                }
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                    out.push(c);
                }
                b'\r' => {
                    out.push(b'\n');
                    if d.get(self.pos) == Some(&b'\n') {
                        self.pos += 1;
                    }
                }
                _ => out.push(c),
            }
        }
        out
    }

    /// A hex string after its `<`, up to `>`; an odd last digit counts as
    /// followed by 0.
    fn hex(&mut self) -> Vec<u8> {
        let rest = self.data.get(self.pos..).unwrap_or_default();
        let mut out = Vec::with_capacity(memchr::memchr(b'>', rest).unwrap_or(rest.len()).min(1 << 16) / 2 + 1);
        let mut high: Option<u8> = None;
        while let Some(&c) = self.data.get(self.pos) {
            self.pos += 1;
            if c == b'>' {
                break;
            }
            let Some(v) = (c as char).to_digit(16) else { continue };
            match high.take() {
                Some(h) => out.push((h << 4) | v as u8),
                None => high = Some(v as u8),
            }
        }
        if let Some(h) = high {
            out.push(h << 4);
        }
        out
    }

    /// Skips an inline image after `BI`: its dictionary, `ID`, the data and
    /// `EI` (found as a white-space-delimited `EI`).
    fn skip_inline_image(&mut self) {
        loop {
            match self.token(0) {
                None => return,
                Some(Token::Operator(b"ID")) => break,
                Some(Token::Operator(b"EI")) => return,
                Some(_) => {}
            }
        }
        self.pos += 1;
        let rest = self.data.get(self.pos..).unwrap_or_default();
        for at in memchr::memmem::find_iter(rest, b"EI") {
            let before = at.checked_sub(1).and_then(|i| rest.get(i)).is_none_or(|&c| is_white(c));
            let after = rest.get(at + 2).is_none_or(|&c| is_white(c) || is_delimiter(c));
            if before && after {
                self.pos += at + 2;
                return;
            }
        }
        self.pos = self.data.len();
    }
}

/// A name's bytes with `#xx` escapes decoded.
fn decode_name(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let hex = raw
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (raw[i], hex) {
            (b'#', Some(v)) => {
                out.push(v);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// A number as PDF writes them, leniently: signs, digits, one point; what
/// follows is ignored (`0.00-41` is 0.00).
fn parse_number(word: &[u8]) -> f64 {
    let mut i = 0;
    let mut negative = false;
    while let Some(&c @ (b'+' | b'-')) = word.get(i) {
        negative = c == b'-';
        i += 1;
    }
    let mut value = 0.0f64;
    while let Some(&c @ b'0'..=b'9') = word.get(i) {
        value = value * 10.0 + f64::from(c - b'0');
        i += 1;
    }
    if word.get(i) == Some(&b'.') {
        i += 1;
        let mut scale = 0.1;
        while let Some(&c @ b'0'..=b'9') = word.get(i) {
            value += f64::from(c - b'0') * scale;
            scale *= 0.1;
            i += 1;
        }
    }
    if negative { -value } else { value }
}

/// The graphics state that matters for text positions.
#[derive(Clone)]
struct State {
    ctm: Matrix,
    font: Option<Rc<Font>>,
    size: f64,
    char_space: f64,
    word_space: f64,
    /// Horizontal scaling, `Tz` / 100.
    scale: f64,
    leading: f64,
    rise: f64,
}

impl State {
    fn new(ctm: Matrix) -> State {
        State { ctm, font: None, size: 0.0, char_space: 0.0, word_space: 0.0, scale: 1.0, leading: 0.0, rise: 0.0 }
    }
}

// ---------------------------------------------------------------------------
// Layout: glyphs in drawing order to lines and words

/// Where the previous glyph ended.
#[derive(Clone, Copy)]
struct Pen {
    end: (f64, f64),
    /// Unit vector of the text direction.
    dir: (f64, f64),
    size: f64,
    /// The widths that placed `end` came from the font (not estimated).
    exact: bool,
}

/// A separator owed before the next visible text.
#[derive(Clone, Copy, PartialEq, PartialOrd)]
enum Sep {
    None,
    Space,
    Line,
}

/// One glyph as the layout sees it, in device space.
struct Glyph {
    origin: (f64, f64),
    end: (f64, f64),
    dir: (f64, f64),
    size: f64,
    exact: bool,
}

/// Joins glyphs into text: a new line when the baseline moves by more than
/// half the font size or the direction turns, a space when the gap to the
/// previous glyph is wider than a fraction of the font size (or the pen
/// jumps back by more than an em). Text drawn again over itself on the
/// same line (simulated bold, shadows) is kept once.
struct Layout {
    text: String,
    pen: Option<Pen>,
    pending: Sep,
    full: bool,
    /// Origin and first character of the glyphs of the current line.
    recent: VecDeque<(f64, f64, char)>,
    /// While glyphs repeat earlier ones: the index in `recent` of the next
    /// glyph expected again.
    repeat: Option<usize>,
}

/// Glyphs remembered per line for spotting text drawn twice.
const MAX_RECENT: usize = 512;

/// True when the recent glyph `r` is `c` drawn at (nearly) the origin of
/// `g`.
fn same_glyph(&(x, y, rc): &(f64, f64, char), c: char, g: &Glyph) -> bool {
    let tolerance = 0.3 * g.size.max(1e-3);
    rc == c && (x - g.origin.0).abs() < tolerance && (y - g.origin.1).abs() < tolerance
}

impl Layout {
    fn new() -> Layout {
        Layout {
            text: String::new(),
            pen: None,
            pending: Sep::None,
            full: false,
            recent: VecDeque::new(),
            repeat: None,
        }
    }

    /// True when `recent[i]` is `c` drawn at (nearly) the origin of `g`.
    fn repeats(&self, i: usize, c: char, g: &Glyph) -> bool {
        self.recent.get(i).is_some_and(|r| same_glyph(r, c, g))
    }

    fn glyph(&mut self, text: &str, g: &Glyph) {
        if let Some(c) = text.chars().next() {
            if let Some(i) = self.repeat.take() {
                if self.repeats(i, c, g) {
                    self.repeat = Some(i + 1);
                    return;
                }
            } else if let Some(p) = self.pen {
                let back = p.dir.0 * (g.origin.0 - p.end.0) + p.dir.1 * (g.origin.1 - p.end.1);
                if back < -0.1 * g.size.max(1e-3)
                    && let Some(i) = self.recent.iter().position(|r| same_glyph(r, c, g))
                {
                    self.repeat = Some(i + 1);
                    return;
                }
            }
        }
        if let Some(p) = self.pen {
            let rel = (g.origin.0 - p.end.0, g.origin.1 - p.end.1);
            let along = p.dir.0 * rel.0 + p.dir.1 * rel.1;
            let across = p.dir.0 * rel.1 - p.dir.1 * rel.0;
            let size = p.size.max(g.size).max(1e-3);
            let turned = g.dir.0 * p.dir.0 + g.dir.1 * p.dir.1 < 0.9;
            let word_gap = if p.exact { 0.12 } else { 0.2 };
            let sep = if turned || across.abs() > 0.5 * size {
                Sep::Line
            } else if along > word_gap * size || along < -size {
                Sep::Space
            } else if across.abs() > 0.2 * size && (p.size - g.size).abs() > 0.2 * size {
                // A raised or lowered smaller (or larger) glyph: a footnote
                // mark or index, kept apart from the word next to it.
                Sep::Space
            } else {
                Sep::None
            };
            if sep > self.pending {
                self.pending = sep;
            }
        }
        self.pen = Some(Pen { end: g.end, dir: g.dir, size: g.size, exact: g.exact });
        if text.is_empty() {
            return;
        }
        if self.text.len() + text.len() + 1 > MAX_PAGE_TEXT {
            self.full = true;
            return;
        }
        match std::mem::replace(&mut self.pending, Sep::None) {
            Sep::Line => {
                let kept = self.text.trim_end_matches(' ').len();
                self.text.truncate(kept);
                if !self.text.is_empty() && !self.text.ends_with('\n') {
                    self.text.push('\n');
                }
                self.recent.clear();
            }
            Sep::Space => {
                let after_space = self.text.is_empty() || self.text.ends_with([' ', '\n']);
                if !after_space && !text.starts_with(char::is_whitespace) {
                    self.text.push(' ');
                }
            }
            Sep::None => {}
        }
        self.text.push_str(text);
        if let Some(c) = text.chars().next() {
            if self.recent.len() == MAX_RECENT {
                self.recent.pop_front();
            }
            self.recent.push_back((g.origin.0, g.origin.1, c));
        }
    }

    /// Adds `text` as a line of its own (a form field value).
    fn line(&mut self, text: &str) {
        if self.text.len() + text.len() + 1 > MAX_PAGE_TEXT {
            self.full = true;
            return;
        }
        if !self.text.is_empty() && !self.text.ends_with('\n') {
            self.text.push('\n');
        }
        self.text.push_str(text);
        self.pen = None;
        self.pending = Sep::Line;
        self.recent.clear();
        self.repeat = None;
    }
}

// ---------------------------------------------------------------------------
// Fonts

/// How a composite font's strings split into character codes.
enum Codes {
    /// Two bytes per code (`Identity-H`, UCS-2 CMaps).
    Two,
    /// Codespace ranges from a CMap: (length in bytes, low, high).
    Ranges(Vec<(u8, u32, u32)>),
}

/// What a font needs for text: code → Unicode and code → advance width.
enum FontKind {
    /// One byte per code (Type1, TrueType, Type3).
    Simple {
        /// Unicode text of each code; empty when unknown.
        text: Vec<Box<str>>,
        /// Advance of each code in text-space units at font size 1.
        widths: Box<[f64; 256]>,
    },
    /// Type0 with a CMap.
    Composite {
        codes: Codes,
        to_unicode: Option<Rc<CMap>>,
        /// Codes are UTF-16 units (a `Uni…-UCS2`/`UTF16` CMap).
        ucs2: bool,
        /// Code → CID when the encoding CMap is not Identity.
        cids: Option<Rc<CMap>>,
        /// Sorted (low CID, high CID, width) from `/W`.
        widths: Vec<(u32, u32, f64)>,
        default_width: f64,
        /// Unicode by glyph from the embedded TrueType program, for codes
        /// `ToUnicode` does not map.
        glyphs: Option<Rc<GlyphUnicode>>,
    },
}

/// Unicode of the glyphs of an embedded TrueType font (its `cmap` table
/// inverted), reached from a CID through `/CIDToGIDMap`.
struct GlyphUnicode {
    /// CID → glyph id; `None` for `/Identity`.
    cid_to_gid: Option<Vec<u16>>,
    chars: HashMap<u16, char>,
}

/// A font as text extraction uses it.
struct Font {
    kind: FontKind,
    /// Widths came from the file, not from standard metrics.
    exact: bool,
}

impl Font {
    /// The next code in `bytes` and its length (at least 1 byte).
    fn next_code(&self, bytes: &[u8]) -> (u32, usize) {
        if bytes.is_empty() {
            return (0, 1);
        }
        let fold = |n: usize| bytes[..n].iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b));
        match &self.kind {
            FontKind::Simple { .. } => (u32::from(bytes[0]), 1),
            FontKind::Composite { codes: Codes::Two, .. } => {
                let n = bytes.len().min(2);
                (fold(n), n)
            }
            FontKind::Composite { codes: Codes::Ranges(space), .. } => {
                for n in 1..=bytes.len().min(4) {
                    let code = fold(n);
                    if space.iter().any(|&(len, lo, hi)| usize::from(len) == n && lo <= code && code <= hi) {
                        return (code, n);
                    }
                }
                let n = space.iter().map(|&(len, _, _)| usize::from(len)).min().unwrap_or(1).min(bytes.len());
                (fold(n), n)
            }
        }
    }

    /// Appends the Unicode text of `code` to `out`.
    fn unicode(&self, code: u32, out: &mut String) {
        match &self.kind {
            FontKind::Simple { text, .. } => {
                if let Some(t) = text.get(code as usize) {
                    out.push_str(t);
                }
            }
            FontKind::Composite { to_unicode, ucs2, cids, glyphs, .. } => {
                if let Some(cmap) = to_unicode
                    && cmap.lookup(code, out)
                {
                    return;
                }
                if *ucs2 {
                    if let Some(c) = char::from_u32(code) {
                        out.push(c);
                    }
                } else if let Some(g) = glyphs {
                    let cid = cids.as_ref().and_then(|c| c.cid(code)).unwrap_or(code);
                    let gid = match &g.cid_to_gid {
                        Some(map) => map.get(cid as usize).copied(),
                        None => u16::try_from(cid).ok(),
                    };
                    if let Some(&c) = gid.and_then(|gid| g.chars.get(&gid)) {
                        out.push(c);
                    }
                }
            }
        }
    }

    /// Advance of `code` in text-space units at font size 1.
    fn width(&self, code: u32) -> f64 {
        match &self.kind {
            FontKind::Simple { widths, .. } => widths.get(code as usize).copied().unwrap_or(0.0),
            FontKind::Composite { cids, widths, default_width, .. } => {
                let cid = cids.as_ref().and_then(|c| c.cid(code)).unwrap_or(code);
                let i = widths.partition_point(|&(lo, _, _)| lo <= cid);
                match i.checked_sub(1).and_then(|i| widths.get(i)) {
                    Some(&(_, hi, w)) if cid <= hi => w,
                    _ => *default_width,
                }
            }
        }
    }
}

/// A parsed CMap: codespace, code → Unicode (ToUnicode) and code → CID
/// (encoding CMaps).
#[derive(Default)]
struct CMap {
    space: Vec<(u8, u32, u32)>,
    chars: HashMap<u32, Box<str>>,
    /// Sorted by low code.
    ranges: Vec<(u32, u32, RangeTarget)>,
    /// Sorted (low code, high code, first CID).
    cid_ranges: Vec<(u32, u32, u32)>,
}

enum RangeTarget {
    /// UTF-16 units of the low code's text; the last unit counts up.
    Base(Vec<u16>),
    /// One text per code.
    List(Vec<Box<str>>),
}

impl CMap {
    /// Appends the text of `code`; false when it maps to nothing usable.
    fn lookup(&self, code: u32, out: &mut String) -> bool {
        if let Some(t) = self.chars.get(&code) {
            if usable(t) {
                out.push_str(t);
                return true;
            }
            return false;
        }
        let i = self.ranges.partition_point(|r| r.0 <= code);
        let Some((lo, hi, target)) = i.checked_sub(1).and_then(|i| self.ranges.get(i)) else { return false };
        if code > *hi {
            return false;
        }
        let offset = code - lo;
        match target {
            RangeTarget::Base(units) => {
                let mut units = units.clone();
                if let Some(last) = units.last_mut() {
                    *last = last.wrapping_add(offset as u16);
                }
                let t = String::from_utf16_lossy(&units);
                if usable(&t) {
                    out.push_str(&t);
                    return true;
                }
                false
            }
            RangeTarget::List(list) => match list.get(offset as usize) {
                Some(t) if usable(t) => {
                    out.push_str(t);
                    true
                }
                _ => false,
            },
        }
    }

    fn cid(&self, code: u32) -> Option<u32> {
        let i = self.cid_ranges.partition_point(|r| r.0 <= code);
        let &(lo, hi, first) = self.cid_ranges.get(i.checked_sub(1)?)?;
        (code <= hi).then(|| first.saturating_add(code - lo))
    }
}

/// A mapping result worth using: not empty, not only control characters or
/// replacement characters.
fn usable(t: &str) -> bool {
    t.chars().any(|c| !c.is_control() && c != '\u{FFFD}')
}

/// CMap tokens.
enum Tok<'a> {
    Hex(Vec<u8>),
    Word(&'a [u8]),
    Open,
    Close,
    Other,
}

/// A tokenizer for CMap programs, lenient about everything it does not need.
struct Tokens<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Iterator for Tokens<'a> {
    type Item = Tok<'a>;

    fn next(&mut self) -> Option<Tok<'a>> {
        let d = self.data;
        loop {
            let &c = d.get(self.pos)?;
            if c.is_ascii_whitespace() || c == 0 {
                self.pos += 1;
            } else if c == b'%' {
                while d.get(self.pos).is_some_and(|&c| c != b'\n' && c != b'\r') {
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
        let start = self.pos;
        let c = d[start];
        self.pos += 1;
        Some(match c {
            b'<' if d.get(self.pos) == Some(&b'<') => {
                self.pos += 1;
                Tok::Other
            }
            b'>' if d.get(self.pos) == Some(&b'>') => {
                self.pos += 1;
                Tok::Other
            }
            b'<' => {
                let mut digits = Vec::new();
                while let Some(&c) = d.get(self.pos) {
                    self.pos += 1;
                    if c == b'>' {
                        break;
                    }
                    if let Some(v) = (c as char).to_digit(16) {
                        digits.push(v as u8);
                    }
                }
                if digits.len() % 2 == 1 {
                    digits.push(0);
                }
                Tok::Hex(digits.chunks(2).map(|p| (p[0] << 4) | p[1]).collect())
            }
            b'[' => Tok::Open,
            b']' => Tok::Close,
            b'(' => {
                let mut depth = 1u32;
                while let Some(&c) = d.get(self.pos) {
                    self.pos += 1;
                    match c {
                        b'\\' => self.pos += 1,
                        b'(' => depth += 1,
                        b')' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                Tok::Other
            }
            b'{' | b'}' | b')' | b'>' => Tok::Other,
            _ => {
                while d
                    .get(self.pos)
                    .is_some_and(|&c| !(c.is_ascii_whitespace() || b"<>[](){}/%".contains(&c) || c == 0))
                {
                    self.pos += 1;
                }
                Tok::Word(&d[start..self.pos])
            }
        })
    }
}

impl Tokens<'_> {
    /// The next token if it is a hex string; otherwise nothing is consumed.
    fn hex(&mut self) -> Option<Vec<u8>> {
        let at = self.pos;
        match self.next() {
            Some(Tok::Hex(h)) => Some(h),
            _ => {
                self.pos = at;
                None
            }
        }
    }
}

fn code_of(bytes: &[u8]) -> Option<u32> {
    (1..=4).contains(&bytes.len()).then(|| bytes.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b)))
}

/// UTF-16BE bytes of a CMap destination (a single byte is taken as is).
fn utf16_units(bytes: &[u8]) -> Vec<u16> {
    if bytes.len() == 1 {
        return vec![u16::from(bytes[0])];
    }
    bytes.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect()
}

fn word_number(t: Option<Tok>) -> Option<u32> {
    match t {
        Some(Tok::Word(w)) => std::str::from_utf8(w).ok()?.parse().ok(),
        _ => None,
    }
}

/// Parses the parts of a CMap program text extraction uses: codespace
/// ranges, `bfchar`/`bfrange` and `cidchar`/`cidrange`.
fn parse_cmap(data: &[u8]) -> CMap {
    let mut cm = CMap::default();
    let mut toks = Tokens { data, pos: 0 };
    let mut entries = 0usize;
    while let Some(t) = toks.next() {
        if entries > MAX_MAP_ENTRIES {
            break;
        }
        let Tok::Word(w) = t else { continue };
        match w {
            b"begincodespacerange" => {
                while let (Some(lo), Some(hi)) = (toks.hex(), toks.hex()) {
                    if let (Some(l), Some(h)) = (code_of(&lo), code_of(&hi)) {
                        cm.space.push((lo.len() as u8, l, h));
                    }
                    entries += 1;
                }
            }
            b"beginbfchar" => {
                while let Some(src) = toks.hex() {
                    entries += 1;
                    if let (Some(code), Some(Tok::Hex(dst))) = (code_of(&src), toks.next()) {
                        cm.chars.insert(code, String::from_utf16_lossy(&utf16_units(&dst)).into());
                    }
                    if entries > MAX_MAP_ENTRIES {
                        break;
                    }
                }
            }
            b"beginbfrange" => {
                while let (Some(lo), Some(hi)) = (toks.hex(), toks.hex()) {
                    entries += 1;
                    let target = match toks.next() {
                        Some(Tok::Hex(dst)) => Some(RangeTarget::Base(utf16_units(&dst))),
                        Some(Tok::Open) => {
                            let mut list = Vec::new();
                            loop {
                                match toks.next() {
                                    Some(Tok::Hex(dst)) => {
                                        entries += 1;
                                        if entries <= MAX_MAP_ENTRIES {
                                            list.push(String::from_utf16_lossy(&utf16_units(&dst)).into());
                                        }
                                    }
                                    Some(Tok::Close) | None => break,
                                    Some(_) => list.push(Box::from("")),
                                }
                            }
                            Some(RangeTarget::List(list))
                        }
                        _ => None,
                    };
                    if let (Some(l), Some(h), Some(target)) = (code_of(&lo), code_of(&hi), target)
                        && l <= h
                    {
                        cm.ranges.push((l, h, target));
                    }
                    if entries > MAX_MAP_ENTRIES {
                        break;
                    }
                }
            }
            b"begincidrange" => {
                while let (Some(lo), Some(hi)) = (toks.hex(), toks.hex()) {
                    entries += 1;
                    if let (Some(l), Some(h), Some(cid)) = (code_of(&lo), code_of(&hi), word_number(toks.next()))
                        && l <= h
                    {
                        cm.cid_ranges.push((l, h, cid));
                    }
                    if entries > MAX_MAP_ENTRIES {
                        break;
                    }
                }
            }
            b"begincidchar" => {
                while let Some(src) = toks.hex() {
                    entries += 1;
                    if let (Some(code), Some(cid)) = (code_of(&src), word_number(toks.next())) {
                        cm.cid_ranges.push((code, code, cid));
                    }
                    if entries > MAX_MAP_ENTRIES {
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    cm.ranges.sort_by_key(|r| r.0);
    cm.cid_ranges.sort_by_key(|r| r.0);
    cm
}

/// Font families with built-in metrics, for fonts without `/Widths`.
#[derive(Clone, Copy)]
enum Family {
    Helvetica,
    Times,
    Courier,
}

/// Helvetica advance widths of ASCII 32..=126 (Adobe AFM).
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // space - /
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // 0 - ?
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // @ - O
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // P - _
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // ` - o
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, // p - ~
];

/// Times-Roman advance widths of ASCII 32..=126 (Adobe AFM).
const TIMES: [u16; 95] = [
    250, 333, 408, 500, 500, 833, 778, 180, 333, 333, 500, 564, 250, 333, 250, 278, // space - /
    500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 278, 278, 564, 564, 564, 444, // 0 - ?
    921, 722, 667, 667, 722, 611, 556, 722, 722, 333, 389, 722, 611, 889, 722, 722, // @ - O
    556, 722, 667, 556, 611, 722, 722, 944, 722, 722, 611, 333, 278, 333, 469, 500, // P - _
    333, 444, 500, 444, 500, 444, 333, 500, 500, 278, 278, 500, 278, 778, 500, 500, // ` - o
    500, 500, 333, 389, 278, 500, 500, 722, 500, 500, 444, 480, 200, 480, 541, // p - ~
];

/// Estimated advance (in 1/1000 em) of `text` in a standard font: ASCII
/// from the AFM tables, accented letters as their base letter.
fn standard_width(family: Family, text: &str) -> f64 {
    let Some(c) = text.chars().next() else { return 0.0 };
    if let Family::Courier = family {
        return 600.0;
    }
    let mut base = c;
    if !c.is_ascii() {
        let mut first = None;
        unicode_normalization::char::decompose_canonical(c, |d| {
            first.get_or_insert(d);
        });
        base = first.unwrap_or(c);
    }
    let table = match family {
        Family::Times => &TIMES,
        _ => &HELVETICA,
    };
    match (base as usize).checked_sub(32).and_then(|i| table.get(i)) {
        Some(&w) if base.is_ascii() => f64::from(w),
        _ => 556.0,
    }
}

fn family_of(base_font: &[u8]) -> Family {
    let name = String::from_utf8_lossy(base_font).to_ascii_lowercase();
    if name.contains("courier") || name.contains("mono") {
        Family::Courier
    } else if name.contains("times") || (name.contains("serif") && !name.contains("sans")) || name.contains("roman") {
        Family::Times
    } else {
        Family::Helvetica
    }
}

/// Unicode text for a glyph name that lopdf's glyph list does not know:
/// `uniXXXX…`, `uXXXX`, `name.suffix`, `a_b` ligatures.
fn glyph_name_fallback(name: &[u8], known: &dyn Fn(&[u8]) -> Option<String>, depth: u32) -> Option<String> {
    let s = std::str::from_utf8(name).ok()?;
    if let Some(hex) = s.strip_prefix("uni")
        && hex.len() >= 4
        && hex.len() % 4 == 0
        && hex.bytes().all(|b| b.is_ascii_hexdigit())
    {
        let units: Vec<u16> =
            (0..hex.len()).step_by(4).filter_map(|i| u16::from_str_radix(&hex[i..i + 4], 16).ok()).collect();
        return Some(String::from_utf16_lossy(&units));
    }
    if let Some(hex) = s.strip_prefix('u')
        && (4..=6).contains(&hex.len())
        && hex.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return u32::from_str_radix(hex, 16).ok().and_then(char::from_u32).map(String::from);
    }
    if depth > 2 {
        return None;
    }
    if let Some((stem, _)) = s.split_once('.')
        && !stem.is_empty()
    {
        let stem = stem.as_bytes();
        return known(stem).or_else(|| glyph_name_fallback(stem, known, depth + 1));
    }
    if s.contains('_') {
        let parts: Option<Vec<String>> = s
            .split('_')
            .map(|p| known(p.as_bytes()).or_else(|| glyph_name_fallback(p.as_bytes(), known, depth + 1)))
            .collect();
        return parts.map(|p| p.concat());
    }
    None
}

// ---------------------------------------------------------------------------
// The page walker

/// Per-page progress and bounds.
struct PageRun {
    layout: Layout,
    state: State,
    stack: Vec<State>,
    /// `q` operations beyond [`MAX_STATE_STACK`] not yet matched by `Q`.
    overflow: usize,
    tm: Matrix,
    tlm: Matrix,
    ops: u64,
    bytes: usize,
    forms: u32,
    /// Some content could not be read (a missing or undecodable content
    /// stream or Form XObject, a missing page object).
    damaged: bool,
    /// A work bound stopped the page.
    limit: Option<&'static str>,
}

impl PageRun {
    fn new() -> PageRun {
        PageRun {
            layout: Layout::new(),
            state: State::new(IDENTITY),
            stack: Vec::new(),
            overflow: 0,
            tm: IDENTITY,
            tlm: IDENTITY,
            ops: 0,
            bytes: 0,
            forms: 0,
            damaged: false,
            limit: None,
        }
    }

    fn stopped(&self) -> bool {
        self.limit.is_some() || self.layout.full
    }

    fn next_line(&mut self) {
        self.tlm = Matrix::translate(0.0, -self.state.leading).then(self.tlm);
        self.tm = self.tlm;
    }
}

/// Font cache key: the font object, or the address of an inline font
/// dictionary (stable: the document is not changed while it is read).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum FontKey {
    Id(ObjectId),
    Inline(usize),
}

/// The document and what is cached across its pages.
struct Pdf<'d> {
    doc: &'d Document,
    fonts: HashMap<FontKey, Rc<Font>>,
    base_tables: HashMap<Vec<u8>, Rc<Vec<Option<char>>>>,
    glyph_names: HashMap<Vec<u8>, Option<String>>,
    forms: HashMap<ObjectId, Rc<Vec<u8>>>,
    form_bytes: usize,
    /// CMap streams parsed, by object (fonts often share them).
    cmaps: HashMap<ObjectId, Option<Rc<CMap>>>,
    /// Built-in encodings of Type1 font programs, by object.
    builtins: HashMap<ObjectId, Option<Rc<Vec<Box<str>>>>>,
    /// Bytes decompressed for fonts so far.
    font_bytes: usize,
    /// Bytes decompressed but not yet charged to the sink.
    uncharged: u64,
    /// A WinAnsi Helvetica for text shown without a usable font.
    fallback: Rc<Font>,
    /// Glyphs shown, and those without Unicode text.
    glyphs: u64,
    unmapped: u64,
}

impl<'d> Pdf<'d> {
    fn new(doc: &'d Document) -> Pdf<'d> {
        let mut pdf = Pdf {
            doc,
            fonts: HashMap::new(),
            base_tables: HashMap::new(),
            glyph_names: HashMap::new(),
            forms: HashMap::new(),
            form_bytes: 0,
            cmaps: HashMap::new(),
            builtins: HashMap::new(),
            font_bytes: 0,
            uncharged: 0,
            // Replaced below, once `simple_font` can run.
            fallback: Rc::new(Font {
                kind: FontKind::Simple { text: Vec::new(), widths: Box::new([0.0; 256]) },
                exact: false,
            }),
            glyphs: 0,
            unmapped: 0,
        };
        let helvetica = dictionary_font(b"Type1", b"Helvetica", b"WinAnsiEncoding");
        pdf.fallback = Rc::new(pdf.simple_font(&helvetica));
        pdf
    }

    /// Reads one page: its content streams, then the appearance streams of
    /// its visible annotations.
    fn page(&mut self, id: ObjectId, sink: &mut dyn Sink) -> Result<PageRun, ExtractError> {
        let doc = self.doc;
        self.settle(sink)?;
        let mut run = PageRun::new();
        let Ok(page) = doc.get_dictionary(id) else {
            run.damaged = true;
            return Ok(run);
        };
        let resources = self.page_resources(page);
        let content = self.page_content(page, &mut run, sink)?;
        self.run(&mut run, &content, resources, 0, sink)?;
        drop(content);
        let annots = doc.get_page_annotations(id).unwrap_or_default();
        for annot in annots.into_iter().take(MAX_ANNOTS) {
            if run.stopped() {
                break;
            }
            let subtype = annot.get(b"Subtype").and_then(Object::as_name).unwrap_or(b"");
            let flags = annot.get(b"F").and_then(Object::as_i64).unwrap_or(0);
            if matches!(subtype, b"Link" | b"Popup") || flags & (2 | 32) != 0 {
                continue;
            }
            let before = run.layout.text.len();
            let rect =
                annot.get_deref(b"Rect", doc).ok().and_then(|r| r.as_array().ok()).and_then(|r| numbers::<4, _>(r));
            if let (Some((form_id, form)), Some(rect)) = (self.appearance(annot), rect) {
                run.state = State::new(annotation_matrix(&form.dict, rect, doc));
                run.stack.clear();
                run.overflow = 0;
                run.tm = IDENTITY;
                run.tlm = IDENTITY;
                self.form(&mut run, form_id, form, None, 1, sink)?;
            }
            if run.layout.text.len() == before {
                // Nothing drawn (no or an empty appearance): the text is only
                // in the dictionary, a field's value or a comment.
                let text = match subtype {
                    b"Widget" => field_value(annot, doc),
                    _ => annot.get_deref(b"Contents", doc).ok().and_then(text_string),
                };
                if let Some(text) = text.map(|t| one_line(&t)).filter(|t| !t.is_empty()) {
                    run.layout.line(&text);
                }
            }
        }
        if run.layout.full && run.limit.is_none() {
            run.limit = Some("more than 4 MiB of text");
        }
        Ok(run)
    }

    /// The page's `/Resources`, inherited from the page tree when absent.
    fn page_resources(&self, mut node: &'d Dictionary) -> Option<&'d Dictionary> {
        let doc = self.doc;
        for _ in 0..64 {
            if let Ok(r) = node.get_deref(b"Resources", doc).and_then(Object::as_dict) {
                return Some(r);
            }
            node = node.get_deref(b"Parent", doc).and_then(Object::as_dict).ok()?;
        }
        None
    }

    /// The page's content streams decompressed and joined. A missing or
    /// undecodable stream marks the page damaged.
    fn page_content(
        &mut self,
        page: &Dictionary,
        run: &mut PageRun,
        sink: &mut dyn Sink,
    ) -> Result<Vec<u8>, ExtractError> {
        let doc = self.doc;
        let mut parts: Vec<&Object> = Vec::new();
        match page.get(b"Contents").map(|c| doc.dereference(c)) {
            Err(_) => return Ok(Vec::new()),
            Ok(Ok((_, Object::Array(items)))) => parts.extend(items.iter()),
            Ok(Ok((_, o @ Object::Stream(_)))) => parts.push(o),
            Ok(Ok((_, Object::Null))) => return Ok(Vec::new()),
            Ok(_) => run.damaged = true,
        }
        let mut content = Vec::new();
        for part in parts {
            let Ok((_, Object::Stream(stream))) = doc.dereference(part) else {
                run.damaged = true;
                continue;
            };
            let room = MAX_PAGE_BYTES.saturating_sub(content.len());
            match decode_stream(stream, room) {
                Ok(data) => {
                    sink.charge(data.len() as u64, None)?;
                    content.extend_from_slice(&data);
                    content.push(b'\n');
                }
                Err(Decoded::TooLarge) => {
                    run.limit = Some("content over the decompression limit");
                    break;
                }
                Err(Decoded::Damaged) => run.damaged = true,
            }
        }
        run.bytes = content.len();
        Ok(content)
    }

    /// Runs a content stream: tracks the graphics and text state and feeds
    /// shown glyphs to the layout.
    fn run(
        &mut self,
        run: &mut PageRun,
        data: &[u8],
        resources: Option<&'d Dictionary>,
        depth: u32,
        sink: &mut dyn Sink,
    ) -> Result<(), ExtractError> {
        let mut lexer = Lexer { data, pos: 0 };
        let mut o: Vec<Operand> = Vec::new();
        while let Some(op) = lexer.next_op(&mut o) {
            run.ops += 1;
            if run.ops > MAX_PAGE_OPS {
                run.limit = Some("too many drawing operations");
            }
            if run.ops.is_multiple_of(CHECKPOINT_OPS) {
                self.settle(sink)?;
            }
            if run.stopped() {
                break;
            }
            match op {
                b"q" => {
                    if run.stack.len() < MAX_STATE_STACK {
                        run.stack.push(run.state.clone());
                    } else {
                        run.overflow += 1;
                    }
                }
                b"Q" => {
                    if run.overflow > 0 {
                        run.overflow -= 1;
                    } else if let Some(s) = run.stack.pop() {
                        run.state = s;
                    }
                }
                b"cm" => {
                    if let Some(m) = Matrix::from_numbers(&o) {
                        run.state.ctm = m.then(run.state.ctm);
                    }
                }
                b"BT" => {
                    run.tm = IDENTITY;
                    run.tlm = IDENTITY;
                }
                b"Tf" => {
                    if let (Some(Operand::Name(name)), Some(size)) = (o.first(), o.get(1).and_then(Num::num)) {
                        run.state.font = Some(self.font(resources, name));
                        run.state.size = size;
                        if self.uncharged > 0 {
                            self.settle(sink)?;
                        }
                    }
                }
                b"Tc" => run.state.char_space = numbers::<1, _>(&o).map_or(run.state.char_space, |[v]| v),
                b"Tw" => run.state.word_space = numbers::<1, _>(&o).map_or(run.state.word_space, |[v]| v),
                b"Tz" => run.state.scale = numbers::<1, _>(&o).map_or(run.state.scale, |[v]| v / 100.0),
                b"TL" => run.state.leading = numbers::<1, _>(&o).map_or(run.state.leading, |[v]| v),
                b"Ts" => run.state.rise = numbers::<1, _>(&o).map_or(run.state.rise, |[v]| v),
                b"Td" | b"TD" => {
                    if let Some([x, y]) = numbers::<2, _>(&o) {
                        if op == b"TD" {
                            run.state.leading = -y;
                        }
                        run.tlm = Matrix::translate(x, y).then(run.tlm);
                        run.tm = run.tlm;
                    }
                }
                b"Tm" => {
                    if let Some(m) = Matrix::from_numbers(&o) {
                        run.tm = m;
                        run.tlm = m;
                    }
                }
                b"T*" => run.next_line(),
                b"Tj" => {
                    if let Some(Operand::Str(s)) = o.first() {
                        self.show(run, s);
                    }
                }
                b"'" => {
                    run.next_line();
                    if let Some(Operand::Str(s)) = o.first() {
                        self.show(run, s);
                    }
                }
                b"\"" => {
                    if let Some([aw, ac]) = numbers::<2, _>(&o) {
                        run.state.word_space = aw;
                        run.state.char_space = ac;
                    }
                    run.next_line();
                    if let Some(Operand::Str(s)) = o.get(2) {
                        self.show(run, s);
                    }
                }
                b"TJ" => {
                    if let Some(Operand::Array(items)) = o.first() {
                        for item in items {
                            match item {
                                Operand::Str(s) => self.show(run, s),
                                Operand::Number(n) => {
                                    let tx = -n / 1000.0 * run.state.size * run.state.scale;
                                    run.tm = Matrix::translate(tx, 0.0).then(run.tm);
                                }
                                _ => {}
                            }
                        }
                    }
                }
                b"Do" => {
                    if let Some(Operand::Name(name)) = o.first()
                        && let Some((id, form)) = self.xobject_form(resources, name)
                    {
                        self.form(run, id, form, resources, depth + 1, sink)?;
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Runs a Form XObject with its matrix and resources (else `inherited`),
    /// restoring the state after it.
    fn form(
        &mut self,
        run: &mut PageRun,
        id: ObjectId,
        form: &'d Stream,
        inherited: Option<&'d Dictionary>,
        depth: u32,
        sink: &mut dyn Sink,
    ) -> Result<(), ExtractError> {
        if depth > MAX_FORM_DEPTH {
            run.limit = Some("drawings nested too deep");
            return Ok(());
        }
        run.forms += 1;
        if run.forms > MAX_FORM_CALLS {
            run.limit = Some("too many drawings");
            return Ok(());
        }
        let data = match self.forms.get(&id) {
            Some(data) => Rc::clone(data),
            None => match decode_stream(form, MAX_PAGE_BYTES.saturating_sub(run.bytes)) {
                Ok(data) => {
                    sink.charge(data.len() as u64, None)?;
                    let data = Rc::new(data);
                    if self.form_bytes + data.len() <= FORM_CACHE_BYTES {
                        self.form_bytes += data.len();
                        self.forms.insert(id, Rc::clone(&data));
                    }
                    data
                }
                Err(Decoded::TooLarge) => {
                    run.limit = Some("content over the decompression limit");
                    return Ok(());
                }
                Err(Decoded::Damaged) => {
                    run.damaged = true;
                    return Ok(());
                }
            },
        };
        run.bytes = run.bytes.saturating_add(data.len());
        if run.bytes > MAX_PAGE_BYTES {
            run.limit = Some("content over the decompression limit");
            return Ok(());
        }
        let doc = self.doc;
        let resources = form.dict.get_deref(b"Resources", doc).and_then(Object::as_dict).ok().or(inherited);
        let matrix = form
            .dict
            .get_deref(b"Matrix", doc)
            .ok()
            .and_then(|m| m.as_array().ok())
            .and_then(|m| Matrix::from_numbers(m))
            .unwrap_or(IDENTITY);
        let saved = (run.state.clone(), run.tm, run.tlm, run.stack.len(), run.overflow);
        run.state.ctm = matrix.then(run.state.ctm);
        run.overflow = 0;
        self.run(run, &data, resources, depth, sink)?;
        let (state, tm, tlm, stack, overflow) = saved;
        run.state = state;
        run.tm = tm;
        run.tlm = tlm;
        run.stack.truncate(stack);
        run.overflow = overflow;
        Ok(())
    }

    /// The Form XObject named `name` in `resources`.
    fn xobject_form(&self, resources: Option<&'d Dictionary>, name: &[u8]) -> Option<(ObjectId, &'d Stream)> {
        let doc = self.doc;
        let xobjects = resources?.get_deref(b"XObject", doc).ok()?.as_dict().ok()?;
        match doc.dereference(xobjects.get(name).ok()?).ok()? {
            (Some(id), Object::Stream(s)) if s.dict.get(b"Subtype").and_then(Object::as_name).ok() == Some(b"Form") => {
                Some((id, s))
            }
            _ => None,
        }
    }

    /// The normal appearance stream of an annotation (the one for its
    /// current state when there are several).
    fn appearance(&self, annot: &'d Dictionary) -> Option<(ObjectId, &'d Stream)> {
        let doc = self.doc;
        let ap = annot.get_deref(b"AP", doc).ok()?.as_dict().ok()?;
        let normal = ap.get(b"N").ok()?;
        let reference = match doc.dereference(normal).ok()? {
            (_, Object::Stream(_)) => normal,
            (_, Object::Dictionary(states)) => {
                let state = annot.get(b"AS").and_then(Object::as_name).ok()?;
                states.get(state).ok()?
            }
            _ => return None,
        };
        match doc.dereference(reference).ok()? {
            (Some(id), Object::Stream(s)) => Some((id, s)),
            _ => None,
        }
    }

    /// Shows a string: one glyph at a time, advancing the text matrix.
    fn show(&mut self, run: &mut PageRun, bytes: &[u8]) {
        let font = run.state.font.clone().unwrap_or_else(|| Rc::clone(&self.fallback));
        let st = &run.state;
        let (fs, th) = (st.size, st.scale);
        let mut m = run.tm.then(st.ctm);
        let [a, b, c, d, _, _] = m.0;
        let len = a.hypot(b);
        let dir = if len > 1e-9 && len.is_finite() { (a / len, b / len) } else { (1.0, 0.0) };
        let size = (fs * c.hypot(d)).abs();
        let mut text = String::new();
        let mut i = 0;
        while i < bytes.len() {
            if run.layout.full {
                break;
            }
            let (code, n) = font.next_code(&bytes[i..]);
            i += n;
            let mut tx = font.width(code) * fs + st.char_space;
            if n == 1 && code == 32 {
                tx += st.word_space;
            }
            tx *= th;
            let origin = m.point(0.0, st.rise);
            let end = (origin.0 + tx * a, origin.1 + tx * b);
            text.clear();
            font.unicode(code, &mut text);
            self.glyphs += 1;
            if !usable(&text) {
                text.clear();
                // A space code that maps to nothing is still a space.
                if !(n == 1 && code == 32) {
                    self.unmapped += 1;
                }
            }
            run.layout.glyph(&text, &Glyph { origin, end, dir, size, exact: font.exact });
            m.0[4] += tx * a;
            m.0[5] += tx * b;
            run.tm = Matrix::translate(tx, 0.0).then(run.tm);
        }
    }

    /// The font named `name` in `resources`, built once per font object;
    /// the fallback font when there is none.
    fn font(&mut self, resources: Option<&'d Dictionary>, name: &[u8]) -> Rc<Font> {
        let doc = self.doc;
        let entry = resources
            .and_then(|r| r.get_deref(b"Font", doc).ok())
            .and_then(|f| f.as_dict().ok())
            .and_then(|f| f.get(name).ok());
        let Some(entry) = entry else { return Rc::clone(&self.fallback) };
        let Ok((id, Object::Dictionary(dict))) = doc.dereference(entry) else { return Rc::clone(&self.fallback) };
        let key = match id {
            Some(id) => FontKey::Id(id),
            None => FontKey::Inline(dict as *const Dictionary as usize),
        };
        if let Some(font) = self.fonts.get(&key) {
            return Rc::clone(font);
        }
        let font = if dict.get(b"Subtype").and_then(Object::as_name).ok() == Some(b"Type0".as_slice()) {
            self.composite_font(dict)
        } else {
            self.simple_font(dict)
        };
        let font = Rc::new(font);
        self.fonts.insert(key, Rc::clone(&font));
        font
    }

    /// A parsed CMap stream under `key` of `dict`, parsed once per stream.
    fn cmap(&mut self, dict: &Dictionary, key: &[u8]) -> Option<Rc<CMap>> {
        let (id, stream) = match self.doc.dereference(dict.get(key).ok()?).ok()? {
            (id, Object::Stream(s)) => (id, s),
            _ => return None,
        };
        if let Some(cached) = id.and_then(|id| self.cmaps.get(&id)) {
            return cached.clone();
        }
        let cmap = self.font_data(stream).map(|data| Rc::new(parse_cmap(&data)));
        if let Some(id) = id {
            self.cmaps.insert(id, cmap.clone());
        }
        cmap
    }

    /// A font-related stream decompressed within the document's font budget.
    fn font_data(&mut self, stream: &Stream) -> Option<Vec<u8>> {
        let room = MAX_FONT_BYTES.saturating_sub(self.font_bytes).min(MAX_CMAP);
        let data = decode_stream(stream, room).ok()?;
        self.font_bytes += data.len();
        self.uncharged += data.len() as u64;
        Some(data)
    }

    /// Charges decompressed bytes to the sink; also the point where the sink
    /// may stop a file that takes too long.
    fn settle(&mut self, sink: &mut dyn Sink) -> Result<(), ExtractError> {
        sink.charge(std::mem::take(&mut self.uncharged), None)
    }

    /// The 256 characters of a named simple encoding, from lopdf's tables.
    fn base_table(&mut self, name: &[u8]) -> Rc<Vec<Option<char>>> {
        let known: &[&[u8]] =
            &[b"StandardEncoding", b"WinAnsiEncoding", b"MacRomanEncoding", b"MacExpertEncoding", b"PDFDocEncoding"];
        let name: &[u8] = if known.contains(&name) { name } else { b"StandardEncoding" };
        if let Some(t) = self.base_tables.get(name) {
            return Rc::clone(t);
        }
        let mut dict = Dictionary::new();
        dict.set("Type", Object::Name(b"Font".to_vec()));
        dict.set("Encoding", Object::Name(name.to_vec()));
        let mut table = vec![None; 256];
        if let Ok(enc) = dict.get_font_encoding(self.doc) {
            for (byte, slot) in table.iter_mut().enumerate() {
                let decoded = enc.bytes_to_string(&[byte as u8]).unwrap_or_default();
                *slot = decoded.chars().next().filter(|c| !c.is_control() || *c == ' ');
            }
        }
        let table = Rc::new(table);
        self.base_tables.insert(name.to_vec(), Rc::clone(&table));
        table
    }

    /// The Unicode text of a glyph name: lopdf's glyph list, then the
    /// `uniXXXX`/`uXXXX`/suffix/ligature conventions.
    fn glyph_name(&mut self, name: &[u8]) -> Option<String> {
        if let Some(t) = self.glyph_names.get(name) {
            return t.clone();
        }
        let doc = self.doc;
        let known = |n: &[u8]| known_glyph(doc, n);
        let text = known(name).or_else(|| glyph_name_fallback(name, &known, 0));
        if self.glyph_names.len() < 65_536 {
            self.glyph_names.insert(name.to_vec(), text.clone());
        }
        text
    }

    /// The encoding in the clear-text part of an embedded Type1 font
    /// program (`dup 12 /fi put` entries), when it has its own.
    fn builtin_encoding(&mut self, dict: &Dictionary) -> Option<Rc<Vec<Box<str>>>> {
        let doc = self.doc;
        let descriptor = dict.get_deref(b"FontDescriptor", doc).ok()?.as_dict().ok()?;
        let (id, program) = match doc.dereference(descriptor.get(b"FontFile").ok()?).ok()? {
            (Some(id), Object::Stream(s)) => (id, s),
            _ => return None,
        };
        if let Some(cached) = self.builtins.get(&id) {
            return cached.clone();
        }
        let table = self.parse_builtin(program).map(Rc::new);
        self.builtins.insert(id, table.clone());
        table
    }

    /// The `dup <code> /<name> put` entries of a Type1 program's encoding.
    fn parse_builtin(&mut self, program: &Stream) -> Option<Vec<Box<str>>> {
        let doc = self.doc;
        let data = self.font_data(program)?;
        let clear = program.dict.get_deref(b"Length1", doc).and_then(Object::as_i64).ok();
        let clear = clear.and_then(|n| usize::try_from(n).ok()).filter(|&n| n > 0).unwrap_or(data.len());
        let head = &data[..clear.min(data.len())];
        let head = memchr::memmem::find(head, b"eexec").map_or(head, |i| &head[..i]);
        let at = memchr::memmem::find(head, b"/Encoding")?;
        let toks = Tokens { data: &head[at + 9..], pos: 0 };
        let mut names: Vec<(usize, &[u8])> = Vec::new();
        let mut recent: [&[u8]; 3] = [b"", b"", b""];
        for t in toks {
            let Tok::Word(w) = t else { continue };
            match w {
                b"StandardEncoding" if names.is_empty() => return None,
                b"def" | b"readonly" if !names.is_empty() => break,
                b"put" if recent[0] == b"dup" => {
                    if let (Ok(code), Some(name)) =
                        (std::str::from_utf8(recent[1]).unwrap_or("").parse::<usize>(), recent[2].strip_prefix(b"/"))
                        && code < 256
                    {
                        names.push((code, name));
                    }
                }
                _ => {}
            }
            recent = [recent[1], recent[2], w];
            if names.len() > 4096 {
                break;
            }
        }
        if names.is_empty() {
            return None;
        }
        let mut text: Vec<Box<str>> = vec![Box::from(""); 256];
        for (code, name) in names {
            text[code] = self.glyph_name(name).unwrap_or_default().into();
        }
        Some(text)
    }

    /// A font with one-byte codes: `/Encoding` (with `/Differences`) under a
    /// `ToUnicode` CMap, widths from `/Widths` else standard metrics.
    fn simple_font(&mut self, dict: &Dictionary) -> Font {
        let doc = self.doc;
        let subtype = dict.get(b"Subtype").and_then(Object::as_name).unwrap_or(b"");
        let base_font = dict.get_deref(b"BaseFont", doc).and_then(Object::as_name).unwrap_or(b"");
        let default_base: &[u8] = if subtype == b"TrueType" { b"WinAnsiEncoding" } else { b"StandardEncoding" };
        let (base, differences) = match dict.get_deref(b"Encoding", doc) {
            Ok(Object::Name(n)) => (Some(n.as_slice()), None),
            Ok(Object::Dictionary(e)) => (
                e.get_deref(b"BaseEncoding", doc).and_then(Object::as_name).ok(),
                e.get_deref(b"Differences", doc).and_then(Object::as_array).ok(),
            ),
            _ => (None, None),
        };
        // Without a named base encoding a Type1 font uses the encoding built
        // into its font program (TeX fonts: ligatures, math symbols).
        let builtin = match base {
            None if matches!(subtype, b"Type1" | b"MMType1") => self.builtin_encoding(dict),
            _ => None,
        };
        let mut text: Vec<Box<str>> = match builtin {
            Some(text) => text.as_ref().clone(),
            None => {
                let table = self.base_table(base.unwrap_or(default_base));
                table.iter().map(|c| c.map(String::from).unwrap_or_default().into()).collect()
            }
        };
        if let Some(differences) = differences {
            let mut code: i64 = 0;
            for item in differences.iter().take(4096) {
                match item {
                    Object::Integer(i) => code = *i,
                    Object::Name(name) => {
                        if let Ok(slot) = usize::try_from(code)
                            && slot < 256
                        {
                            text[slot] = self.glyph_name(name).unwrap_or_default().into();
                        }
                        code = code.saturating_add(1);
                    }
                    _ => {}
                }
            }
        }
        if let Some(cmap) = self.cmap(dict, b"ToUnicode") {
            let mut out = String::new();
            for (code, slot) in text.iter_mut().enumerate() {
                out.clear();
                if cmap.lookup(code as u32, &mut out) {
                    *slot = out.as_str().into();
                }
            }
        }
        let scale = if subtype == b"Type3" {
            dict.get_deref(b"FontMatrix", doc)
                .ok()
                .and_then(|m| m.as_array().ok())
                .and_then(|m| m.first())
                .and_then(number)
                .unwrap_or(0.001)
        } else {
            0.001
        };
        let mut widths = Box::new([0.0f64; 256]);
        let listed = dict.get_deref(b"Widths", doc).and_then(Object::as_array).ok();
        let exact = listed.is_some();
        if let Some(listed) = listed {
            let first = dict.get_deref(b"FirstChar", doc).and_then(Object::as_i64).unwrap_or(0);
            let missing = dict
                .get_deref(b"FontDescriptor", doc)
                .and_then(Object::as_dict)
                .and_then(|fd| fd.get_deref(b"MissingWidth", doc))
                .ok()
                .and_then(number)
                .unwrap_or(0.0);
            for (code, w) in widths.iter_mut().enumerate() {
                let listed_width = (code as i64)
                    .checked_sub(first)
                    .and_then(|i| usize::try_from(i).ok())
                    .and_then(|i| listed.get(i))
                    .and_then(|o| doc.dereference(o).ok())
                    .and_then(|(_, o)| number(o));
                *w = listed_width.unwrap_or(missing) * scale;
            }
        } else {
            let family = family_of(base_font);
            for (w, t) in widths.iter_mut().zip(&text) {
                *w = standard_width(family, t) * 0.001;
            }
        }
        Font { kind: FontKind::Simple { text, widths }, exact }
    }

    /// A Type0 font: codes split by its CMap, text from `ToUnicode` (or the
    /// code itself for UCS-2 CMaps), widths from the descendant's `/W`.
    fn composite_font(&mut self, dict: &Dictionary) -> Font {
        let doc = self.doc;
        let to_unicode = self.cmap(dict, b"ToUnicode");
        let (mut codes, mut ucs2, mut cids, mut named_other) = (Codes::Two, false, None, false);
        match dict.get_deref(b"Encoding", doc) {
            Ok(Object::Name(n)) => {
                let n = String::from_utf8_lossy(n);
                ucs2 = n.contains("UCS2") || n.contains("UTF16");
                named_other = !n.starts_with("Identity") && !ucs2;
            }
            Ok(Object::Stream(_)) => {
                if let Some(cmap) = self.cmap(dict, b"Encoding") {
                    if !cmap.space.is_empty() {
                        codes = Codes::Ranges(cmap.space.clone());
                    }
                    if !cmap.cid_ranges.is_empty() {
                        cids = Some(cmap);
                    }
                }
            }
            _ => {}
        }
        if named_other && let Some(space) = to_unicode.as_ref().map(|t| &t.space).filter(|s| !s.is_empty()) {
            codes = Codes::Ranges(space.clone());
        }
        let descendant = dict
            .get_deref(b"DescendantFonts", doc)
            .and_then(Object::as_array)
            .ok()
            .and_then(|a| a.first())
            .and_then(|f| doc.dereference(f).ok())
            .and_then(|(_, f)| f.as_dict().ok());
        let mut widths = Vec::new();
        let mut default_width = 1000.0;
        let mut exact = false;
        let glyphs = match (&to_unicode, descendant) {
            (Some(t), _) if t.chars.len() + t.ranges.len() > 0 && !ucs2 => None,
            (_, Some(desc)) if !ucs2 => self.glyph_unicode(desc),
            _ => None,
        };
        if let Some(desc) = descendant {
            if let Some(dw) = desc.get_deref(b"DW", doc).ok().and_then(number) {
                default_width = dw;
                exact = true;
            }
            if let Ok(w) = desc.get_deref(b"W", doc).and_then(Object::as_array) {
                exact = true;
                widths = cid_widths(doc, w);
            }
        }
        let default_width = default_width * 0.001;
        Font { kind: FontKind::Composite { codes, to_unicode, ucs2, cids, widths, default_width, glyphs }, exact }
    }

    /// Unicode by glyph for a CIDFont with an embedded TrueType program
    /// (`/FontFile2`), when its `cmap` table maps anything.
    fn glyph_unicode(&mut self, cid_font: &Dictionary) -> Option<Rc<GlyphUnicode>> {
        let doc = self.doc;
        let descriptor = cid_font.get_deref(b"FontDescriptor", doc).ok()?.as_dict().ok()?;
        let program = descriptor.get_deref(b"FontFile2", doc).ok()?.as_stream().ok()?;
        let chars = truetype_unicode(&self.font_data(program)?);
        if chars.is_empty() {
            return None;
        }
        let cid_to_gid = match cid_font.get_deref(b"CIDToGIDMap", doc) {
            Ok(Object::Stream(map)) => {
                let data = self.font_data(map)?;
                Some(data.chunks_exact(2).map(|p| u16::from_be_bytes([p[0], p[1]])).collect())
            }
            _ => None,
        };
        Some(Rc::new(GlyphUnicode { cid_to_gid, chars }))
    }
}

fn be16(data: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(data.get(at..at.checked_add(2)?)?.try_into().ok()?))
}

fn be32(data: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(data.get(at..at.checked_add(4)?)?.try_into().ok()?))
}

/// Glyph id → character from a TrueType program's `cmap` table (the
/// Windows Unicode subtable, format 4 or 12); the lowest character wins
/// where several map to one glyph. Empty when there is none.
fn truetype_unicode(font: &[u8]) -> HashMap<u16, char> {
    let mut chars: HashMap<u16, char> = HashMap::new();
    // Hostile tables can describe billions of (overlapping) mappings.
    let mut budget: u32 = 1 << 21;
    let mut add = |gid: Option<u32>, c: u32| -> bool {
        if let (Some(Ok(gid)), Some(c)) = (gid.map(u16::try_from), char::from_u32(c))
            && gid != 0
            && !c.is_control()
        {
            chars.entry(gid).and_modify(|old| *old = (*old).min(c)).or_insert(c);
        }
        budget = budget.saturating_sub(1);
        budget > 0
    };
    let tables = be16(font, 4).unwrap_or(0);
    let cmap = (0..usize::from(tables)).find_map(|i| {
        let rec = 12 + 16 * i;
        (font.get(rec..rec + 4)? == b"cmap").then_some(be32(font, rec + 8)? as usize)
    });
    let Some(cmap) = cmap else { return chars };
    let subtables = be16(font, cmap + 2).unwrap_or(0);
    let mut best: Option<(u8, usize)> = None;
    for i in 0..usize::from(subtables) {
        let rec = cmap + 4 + 8 * i;
        let (Some(platform), Some(encoding), Some(offset)) =
            (be16(font, rec), be16(font, rec + 2), be32(font, rec + 4))
        else {
            break;
        };
        let rank = match (platform, encoding) {
            (3, 10) => 3,
            (3, 1) => 2,
            (0, _) => 1,
            _ => continue,
        };
        if best.is_none_or(|(r, _)| rank > r) {
            best = Some((rank, cmap + offset as usize));
        }
    }
    let Some((_, at)) = best else { return chars };
    match be16(font, at) {
        Some(4) => {
            let segs = usize::from(be16(font, at + 6).unwrap_or(0) / 2);
            let (ends, starts) = (at + 14, at + 16 + 2 * segs);
            let (deltas, ranges) = (starts + 2 * segs, starts + 4 * segs);
            for s in 0..segs {
                let (Some(end), Some(start), Some(delta), Some(range)) = (
                    be16(font, ends + 2 * s),
                    be16(font, starts + 2 * s),
                    be16(font, deltas + 2 * s),
                    be16(font, ranges + 2 * s),
                ) else {
                    break;
                };
                for c in start..=end.min(0xFFFE) {
                    let gid = if range == 0 {
                        Some(c.wrapping_add(delta))
                    } else {
                        let glyph_at = ranges + 2 * s + usize::from(range) + 2 * usize::from(c - start);
                        be16(font, glyph_at).filter(|&g| g != 0).map(|g| g.wrapping_add(delta))
                    };
                    if !add(gid.map(u32::from), u32::from(c)) {
                        return chars;
                    }
                }
            }
        }
        Some(12) => {
            let groups = be32(font, at + 12).unwrap_or(0).min(MAX_MAP_ENTRIES as u32);
            for g in 0..groups as usize {
                let rec = at + 16 + 12 * g;
                let (Some(first), Some(last), Some(gid)) = (be32(font, rec), be32(font, rec + 4), be32(font, rec + 8))
                else {
                    break;
                };
                for (k, c) in (first..=last.min(first.saturating_add(0xFFFF))).enumerate() {
                    if !add(Some(gid.saturating_add(k as u32)), c) {
                        return chars;
                    }
                }
            }
        }
        _ => {}
    }
    chars
}

/// The text value (`/V`) of a form field widget, looked up through its
/// parent fields; choice lists give their selected entries.
fn field_value(widget: &Dictionary, doc: &Document) -> Option<String> {
    let mut node = widget;
    for _ in 0..32 {
        match node.get_deref(b"V", doc) {
            Ok(v @ Object::String(..)) => return text_string(v).filter(|t| !t.trim().is_empty()),
            Ok(Object::Array(items)) => {
                let parts: Vec<String> = items.iter().take(1000).filter_map(text_string).collect();
                let joined = parts.join(", ");
                return (!joined.trim().is_empty()).then_some(joined);
            }
            Ok(_) => return None,
            Err(_) => node = node.get_deref(b"Parent", doc).ok()?.as_dict().ok()?,
        }
    }
    None
}

/// A glyph name's text by lopdf's glyph list, or `None` when not listed.
fn known_glyph(doc: &Document, name: &[u8]) -> Option<String> {
    let mut encoding = Dictionary::new();
    encoding.set("Differences", vec![Object::Integer(65), Object::Name(name.to_vec())]);
    let mut font = Dictionary::new();
    font.set("Type", Object::Name(b"Font".to_vec()));
    font.set("Encoding", encoding);
    // lopdf falls back to StandardEncoding for an unknown name, which is
    // not a Differences encoding.
    match font.get_font_encoding(doc) {
        Ok(enc @ Encoding::Differences(_)) => enc.bytes_to_string(b"A").ok().filter(|t| usable(t)),
        _ => None,
    }
}

/// A minimal simple-font dictionary (the fallback font).
fn dictionary_font(subtype: &[u8], base_font: &[u8], encoding: &[u8]) -> Dictionary {
    let mut d = Dictionary::new();
    d.set("Type", Object::Name(b"Font".to_vec()));
    d.set("Subtype", Object::Name(subtype.to_vec()));
    d.set("BaseFont", Object::Name(base_font.to_vec()));
    d.set("Encoding", Object::Name(encoding.to_vec()));
    d
}

/// The `/W` array of a CIDFont as sorted (low, high, width) in text space
/// units at font size 1.
fn cid_widths<'a>(doc: &'a Document, w: &'a [Object]) -> Vec<(u32, u32, f64)> {
    let value = |o: &'a Object| doc.dereference(o).ok().map(|(_, o)| o);
    let cid =
        |o: &'a Object| value(o).and_then(number).filter(|n| *n >= 0.0 && *n <= f64::from(u32::MAX)).map(|n| n as u32);
    let mut out = Vec::new();
    let mut i = 0;
    while i < w.len() && out.len() < MAX_MAP_ENTRIES {
        let Some(first) = cid(&w[i]) else { break };
        match w.get(i + 1).and_then(value) {
            Some(Object::Array(list)) => {
                for (k, item) in list.iter().take(MAX_MAP_ENTRIES).enumerate() {
                    if let Some(width) = value(item).and_then(number) {
                        let c = first.saturating_add(k as u32);
                        out.push((c, c, width * 0.001));
                    }
                }
                i += 2;
            }
            Some(o) => {
                let (Some(last), Some(width)) = (number(o), w.get(i + 2).and_then(value).and_then(number)) else {
                    break;
                };
                if last >= f64::from(first) {
                    out.push((first, last.min(f64::from(u32::MAX)) as u32, width * 0.001));
                }
                i += 3;
            }
            None => break,
        }
    }
    out.sort_by_key(|r| r.0);
    out
}

/// Why a stream could not be decoded.
enum Decoded {
    /// Over the size bound.
    TooLarge,
    /// A filter failed or is not supported.
    Damaged,
}

/// A stream's decompressed bytes, at most `limit`.
fn decode_stream(stream: &Stream, limit: usize) -> Result<Vec<u8>, Decoded> {
    use lopdf::{DecompressError, Error};
    match stream.decompressed_content_with_limit(limit) {
        Ok(data) => Ok(data),
        Err(Error::Decompress(DecompressError::MemoryLimitExceeded { .. })) => Err(Decoded::TooLarge),
        Err(_) => Err(Decoded::Damaged),
    }
}

/// Maps an annotation's appearance form onto its rectangle (PDF 32000-1,
/// 12.5.5): the form's bounding box through its matrix, scaled and moved
/// to `rect`.
fn annotation_matrix(form: &Dictionary, rect: [f64; 4], doc: &Document) -> Matrix {
    let array = |key: &[u8]| form.get_deref(key, doc).ok().and_then(|o| o.as_array().ok());
    let matrix = array(b"Matrix").and_then(|m| Matrix::from_numbers(m)).unwrap_or(IDENTITY);
    let Some([x0, y0, x1, y1]) = array(b"BBox").and_then(|b| numbers::<4, _>(b)) else {
        return matrix.then(Matrix::translate(rect[0].min(rect[2]), rect[1].min(rect[3])));
    };
    let corners = [matrix.point(x0, y0), matrix.point(x1, y0), matrix.point(x0, y1), matrix.point(x1, y1)];
    let (mut bx0, mut by0, mut bx1, mut by1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for (x, y) in corners {
        bx0 = bx0.min(x);
        by0 = by0.min(y);
        bx1 = bx1.max(x);
        by1 = by1.max(y);
    }
    let (rx0, ry0, rx1, ry1) = (rect[0].min(rect[2]), rect[1].min(rect[3]), rect[0].max(rect[2]), rect[1].max(rect[3]));
    let sx = if bx1 - bx0 > 1e-9 { (rx1 - rx0) / (bx1 - bx0) } else { 1.0 };
    let sy = if by1 - by0 > 1e-9 { (ry1 - ry0) / (by1 - by0) } else { 1.0 };
    matrix.then(Matrix([sx, 0.0, 0.0, sy, rx0 - bx0 * sx, ry0 - by0 * sy]))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use lopdf::{Dictionary, Document, Object, ObjectId, Stream, dictionary};

    use super::*;
    use crate::extract::testutil::{Collect, Event};

    /// Builds small PDFs in memory: shared resources, one page per call.
    struct Built {
        doc: Document,
        pages: ObjectId,
        fonts: Dictionary,
        xobjects: Dictionary,
        kids: Vec<Object>,
        info: Option<Dictionary>,
        names: Option<Dictionary>,
    }

    impl Built {
        fn new() -> Built {
            let mut doc = Document::with_version("1.5");
            let pages = doc.new_object_id();
            let mut b = Built {
                doc,
                pages,
                fonts: Dictionary::new(),
                xobjects: Dictionary::new(),
                kids: Vec::new(),
                info: None,
                names: None,
            };
            let f1 = b.doc.add_object(dictionary! {
                "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica", "Encoding" => "WinAnsiEncoding",
            });
            b.fonts.set("F1", f1);
            b
        }

        fn page(&mut self, content: &[u8]) -> ObjectId {
            let c = self.doc.add_object(Stream::new(dictionary! {}, content.to_vec()));
            self.page_with(dictionary! { "Contents" => c })
        }

        fn page_with(&mut self, mut page: Dictionary) -> ObjectId {
            page.set("Type", "Page");
            page.set("Parent", self.pages);
            let id = self.doc.add_object(page);
            self.kids.push(id.into());
            id
        }

        fn form(&mut self, name: &str, content: &[u8], bbox: [i64; 4]) -> ObjectId {
            let id = self.doc.add_object(Stream::new(
                dictionary! {
                    "Type" => "XObject", "Subtype" => "Form",
                    "BBox" => bbox.iter().map(|&n| Object::Integer(n)).collect::<Vec<_>>(),
                },
                content.to_vec(),
            ));
            self.xobjects.set(name, id);
            id
        }

        fn bytes(self, compress: bool) -> Vec<u8> {
            let mut doc = self.finish();
            if compress {
                doc.compress();
            }
            let mut out = Vec::new();
            doc.save_to(&mut out).expect("test PDF saves");
            out
        }

        fn finish(mut self) -> Document {
            let resources = self.doc.add_object(dictionary! { "Font" => self.fonts, "XObject" => self.xobjects });
            let count = self.kids.len() as i64;
            self.doc.objects.insert(
                self.pages,
                Object::Dictionary(dictionary! {
                    "Type" => "Pages", "Kids" => self.kids, "Count" => count, "Resources" => resources,
                    "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
                }),
            );
            let mut catalog = dictionary! { "Type" => "Catalog", "Pages" => self.pages };
            if let Some(names) = self.names {
                catalog.set("Names", names);
            }
            let catalog = self.doc.add_object(catalog);
            self.doc.trailer.set("Root", catalog);
            if let Some(info) = self.info {
                let info = self.doc.add_object(info);
                self.doc.trailer.set("Info", info);
            }
            self.doc
        }
    }

    fn run(bytes: &[u8]) -> (Collect, Result<(), ExtractError>) {
        let mut sink = Collect::default();
        let result = extract(bytes, &mut sink);
        (sink, result)
    }

    fn texts(sink: &Collect) -> Vec<(String, String)> {
        sink.texts().into_iter().map(|(at, _, text)| (at, text)).collect()
    }

    fn pair(at: &str, text: &str) -> (String, String) {
        (at.to_string(), text.to_string())
    }

    fn utf16(text: &str) -> Object {
        let mut bytes = vec![0xFE, 0xFF];
        bytes.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
        Object::String(bytes, lopdf::StringFormat::Hexadecimal)
    }

    /// Two pages in a WinAnsi Helvetica: Nordic letters, a number drawn in
    /// two text objects, TJ word gaps and kerning, T* and ', a footer.
    fn two_pages() -> Built {
        let mut b = Built::new();
        b.page(
            b"BT /F1 12 Tf 72 720 Td (Namn: \\305sa \\326berg, G\\344vle \\346\\370\\306\\330) Tj ET\n\
              BT /F1 12 Tf 72 700 Td (Personnummer: 811218-) Tj ET\n\
              BT /F1 12 Tf 204.72 700 Td (9876) Tj ET\n\
              BT /F1 12 Tf 72 680 Td [(Anna)-250(Svensson)] TJ 0 -20 Td [(W)80(orld)] TJ ET",
        );
        b.page(
            b"BT /F1 12 Tf 14 TL 72 720 Td (Rad ett) Tj T* (Rad tv\\345) Tj (Rad tre) ' ET\n\
              BT /F1 8 Tf 72 40 Td (Tel ) Tj (070-123 45 67) Tj ET",
        );
        b.info = Some(dictionary! {
            "Title" => Object::string_literal("Rapport"),
            "Author" => utf16("Åsa Öberg"),
            "Producer" => Object::string_literal(""),
        });
        b
    }

    #[test]
    fn pages_lines_words_and_properties() {
        for compress in [false, true] {
            let (sink, result) = run(&two_pages().bytes(compress));
            assert!(result.is_ok(), "{result:?}");
            assert_eq!(
                texts(&sink),
                vec![
                    pair("property Title", "Rapport"),
                    pair("property Author", "Åsa Öberg"),
                    pair(
                        "page 1, line 1",
                        "Namn: Åsa Öberg, Gävle æøÆØ\nPersonnummer: 811218-9876\nAnna Svensson\nWorld"
                    ),
                    pair("page 2, line 1", "Rad ett\nRad två\nRad tre\nTel 070-123 45 67"),
                ]
            );
        }
    }

    #[test]
    fn text_drawn_twice_is_kept_once() {
        let mut b = Built::new();
        b.page(
            b"BT /F1 12 Tf 72 700 Td (Fet 811218-9876) Tj ET BT /F1 12 Tf 72.4 700.2 Td (Fet 811218-9876) Tj ET\n\
              BT /F1 12 Tf 300 700 Td (slut) Tj ET BT /F1 12 Tf 72 680 Td (Fet Fet) Tj ET",
        );
        let (sink, result) = run(&b.bytes(false));
        assert!(result.is_ok(), "{result:?}");
        assert_eq!(texts(&sink), vec![pair("page 1, line 1", "Fet 811218-9876 slut\nFet Fet")]);
    }

    #[test]
    fn tounicode_cmap_and_ligatures() {
        let mut b = Built::new();
        let cmap = b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n\
            /CMapName /Test def\n1 begincodespacerange <0000> <FFFF> endcodespacerange\n\
            3 beginbfchar <0003> <0020> <0010> <FB01> <0011> <00E5> endbfchar\n\
            3 beginbfrange <0020> <0029> <0030> <0040> <0041> [<0041> <00D8>] <0061> <007A> <0061> endbfrange\n\
            endcmap CMapName currentdict /CMap defineresource pop end end";
        let to_unicode = b.doc.add_object(Stream::new(dictionary! {}, cmap.to_vec()));
        let descendant = b.doc.add_object(dictionary! {
            "Type" => "Font", "Subtype" => "CIDFontType2", "BaseFont" => "Test",
            "CIDSystemInfo" => dictionary! {
                "Registry" => Object::string_literal("Adobe"), "Ordering" => Object::string_literal("Identity"),
                "Supplement" => 0,
            },
            "DW" => 500,
            "W" => vec![Object::Integer(16), Object::Array(vec![Object::Integer(600)])],
        });
        let f2 = b.doc.add_object(dictionary! {
            "Type" => "Font", "Subtype" => "Type0", "BaseFont" => "Test", "Encoding" => "Identity-H",
            "DescendantFonts" => vec![descendant.into()], "ToUnicode" => to_unicode,
        });
        b.fonts.set("F2", f2);
        // "ﬁle å 0123 AØ", then "19" and "81" as two strings on one line.
        b.page(
            b"BT /F2 10 Tf 72 700 Td <0010006C00650003001100030020002100220023000300400041> Tj ET\n\
              BT /F2 10 Tf 72 680 Td <00210029> Tj <00280021> Tj ET",
        );
        let (sink, result) = run(&b.bytes(true));
        assert!(result.is_ok(), "{result:?}");
        assert_eq!(texts(&sink), vec![pair("page 1, line 1", "file å 0123 AØ\n1981")]);
    }

    /// A TrueType program holding only a `cmap` table (format 4, Windows
    /// Unicode) that maps `first..=last` to glyphs 1, 2, …
    fn truetype(first: u16, last: u16) -> Vec<u8> {
        let words = |v: &[u16]| v.iter().flat_map(|w| w.to_be_bytes()).collect::<Vec<u8>>();
        let mut sub = words(&[4, 32, 0, 4, 0, 0, 0, last, 0xFFFF, 0, first, 0xFFFF, 1u16.wrapping_sub(first), 1, 0, 0]);
        let len = sub.len() as u16;
        sub[2..4].copy_from_slice(&len.to_be_bytes());
        let mut font = 0x0001_0000u32.to_be_bytes().to_vec();
        font.extend(words(&[1, 0, 0, 0]));
        font.extend(b"cmap");
        font.extend([0, 0, 0, 0, 0, 0, 0, 28]);
        font.extend((12 + sub.len() as u32).to_be_bytes());
        font.extend(words(&[0, 1, 3, 1, 0, 12]));
        font.extend(sub);
        font
    }

    #[test]
    fn truetype_cmap_when_tounicode_is_missing() {
        assert_eq!(truetype_unicode(&truetype(0x41, 0xFF)).get(&133), Some(&'Å'));
        for cut in 0..60 {
            let _ = truetype_unicode(&truetype(0x41, 0xFF)[..cut]);
        }
        let mut b = Built::new();
        let program = b.doc.add_object(Stream::new(dictionary! {}, truetype(0x41, 0xFF)));
        let gids: Vec<u8> = [0u16, 1, 2, 3, 0, 133].iter().flat_map(|g| g.to_be_bytes()).collect();
        let map = b.doc.add_object(Stream::new(dictionary! {}, gids));
        let descriptor = b.doc.add_object(dictionary! {
            "Type" => "FontDescriptor", "FontName" => "Test", "FontFile2" => program,
        });
        let descendant = b.doc.add_object(dictionary! {
            "Type" => "Font", "Subtype" => "CIDFontType2", "BaseFont" => "Test", "FontDescriptor" => descriptor,
            "CIDToGIDMap" => map, "DW" => 600,
        });
        let f4 = b.doc.add_object(dictionary! {
            "Type" => "Font", "Subtype" => "Type0", "BaseFont" => "Test", "Encoding" => "Identity-H",
            "DescendantFonts" => vec![descendant.into()],
        });
        b.fonts.set("F4", f4);
        b.page(b"BT /F4 10 Tf 72 700 Td <0001000200030005> Tj ET");
        let (sink, result) = run(&b.bytes(true));
        assert!(result.is_ok(), "{result:?}");
        assert_eq!(texts(&sink), vec![pair("page 1, line 1", "ABCÅ")]);
    }

    #[test]
    fn differences_and_glyph_names() {
        let mut b = Built::new();
        let f3 = b.doc.add_object(dictionary! {
            "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Times-Roman",
            "Encoding" => dictionary! {
                "Type" => "Encoding", "BaseEncoding" => "WinAnsiEncoding",
                "Differences" => vec![
                    Object::Integer(1), "aring".into(), "uni00F8".into(), "f_i".into(), "Oslash.sc".into(),
                    "g17".into(),
                ],
            },
        });
        b.fonts.set("F3", f3);
        b.page(b"BT /F3 12 Tf 72 650 Td (x\\001\\002\\003\\004\\005y \\344) Tj ET");
        let (sink, result) = run(&b.bytes(false));
        assert!(result.is_ok(), "{result:?}");
        assert_eq!(texts(&sink), vec![pair("page 1, line 1", "xåøfiØy ä")]);
    }

    #[test]
    fn forms_annotations_and_field_values() {
        let mut b = Built::new();
        b.form("X1", b"BT /F1 10 Tf 0 10 Td (I formul\\344ret) Tj ET", [0, 0, 200, 50]);
        let empty = b.doc.add_object(Stream::new(
            dictionary! { "Type" => "XObject", "Subtype" => "Form", "BBox" => vec![0.into(), 0.into(), 100.into(), 20.into()] },
            b"/Tx BMC EMC".to_vec(),
        ));
        let fonts = b.fonts.clone();
        let note = b.doc.add_object(Stream::new(
            dictionary! {
                "Type" => "XObject", "Subtype" => "Form",
                "BBox" => vec![0.into(), 0.into(), 100.into(), 20.into()],
                "Resources" => dictionary! { "Font" => fonts },
            },
            b"BT /F1 10 Tf 2 2 Td (Kommentar) Tj ET".to_vec(),
        ));
        let parent = b.doc.add_object(dictionary! { "FT" => "Tx", "V" => Object::string_literal("811218-9876") });
        let annots: Vec<Object> = vec![
            dictionary! {
                "Type" => "Annot", "Subtype" => "Widget", "FT" => "Tx", "V" => utf16("Åsa"),
                "Rect" => vec![100.into(), 100.into(), 200.into(), 120.into()], "AP" => dictionary! { "N" => empty },
            }
            .into(),
            dictionary! {
                "Type" => "Annot", "Subtype" => "FreeText",
                "Rect" => vec![100.into(), 300.into(), 200.into(), 320.into()], "AP" => dictionary! { "N" => note },
            }
            .into(),
            dictionary! {
                "Type" => "Annot", "Subtype" => "FreeText", "F" => 2,
                "Rect" => vec![100.into(), 330.into(), 200.into(), 350.into()], "AP" => dictionary! { "N" => note },
            }
            .into(),
            dictionary! {
                "Type" => "Annot", "Subtype" => "Widget", "Parent" => parent,
                "Rect" => vec![100.into(), 50.into(), 200.into(), 70.into()],
            }
            .into(),
            dictionary! {
                "Type" => "Annot", "Subtype" => "Text", "Contents" => utf16("Ring Åsa\r\npå 070-123 45 67"),
                "Rect" => vec![10.into(), 10.into(), 20.into(), 20.into()],
            }
            .into(),
            dictionary! {
                "Type" => "Annot", "Subtype" => "Popup", "Contents" => utf16("Ring Åsa"),
                "Rect" => vec![10.into(), 10.into(), 20.into(), 20.into()],
            }
            .into(),
        ];
        let content = b.doc.add_object(Stream::new(
            dictionary! {},
            b"BT /F1 12 Tf 72 700 Td (Sidtext) Tj ET q 1 0 0 1 72 600 cm /X1 Do Q".to_vec(),
        ));
        b.page_with(dictionary! { "Contents" => content, "Annots" => annots });
        let (sink, result) = run(&b.bytes(false));
        assert!(result.is_ok(), "{result:?}");
        assert_eq!(
            texts(&sink),
            vec![pair(
                "page 1, line 1",
                "Sidtext\nI formuläret\nÅsa\nKommentar\n811218-9876\nRing Åsa på 070-123 45 67"
            )]
        );
    }

    #[test]
    fn embedded_files_become_members() {
        let mut b = two_pages();
        let data = b"namn;personnummer\nAnna;811218-9876\n".to_vec();
        let file = b.doc.add_object(Stream::new(dictionary! { "Type" => "EmbeddedFile" }, data.clone()));
        let spec = b.doc.add_object(dictionary! {
            "Type" => "Filespec", "F" => Object::string_literal("kunder.csv"), "UF" => utf16("kunder.csv"),
            "EF" => dictionary! { "F" => file },
        });
        b.names = Some(dictionary! {
            "EmbeddedFiles" => dictionary! { "Names" => vec![Object::string_literal("kunder.csv"), spec.into()] },
        });
        let (sink, result) = run(&b.bytes(true));
        assert!(result.is_ok(), "{result:?}");
        let members: Vec<&Event> = sink.events.iter().filter(|e| matches!(e, Event::Member(..))).collect();
        assert_eq!(members, vec![&Event::Member("kunder.csv".into(), data.clone())]);
        assert_eq!(sink.texts().len(), 4);
        // A portfolio: no page text, but its members were handed on.
        let mut b = Built::new();
        b.page(b"0 0 m 10 10 l S");
        let file = b.doc.add_object(Stream::new(dictionary! {}, data.clone()));
        let spec = b.doc.add_object(dictionary! { "Type" => "Filespec", "EF" => dictionary! { "F" => file } });
        b.names = Some(dictionary! {
            "EmbeddedFiles" => dictionary! { "Names" => vec![Object::string_literal("kunder.csv"), spec.into()] },
        });
        let (sink, result) = run(&b.bytes(false));
        assert!(result.is_ok(), "{result:?}");
        assert_eq!(sink.events, vec![Event::Member("kunder.csv".into(), data)]);
    }

    #[test]
    fn encryption_needs_the_user_password_only() {
        for (user, readable) in [("", true), ("hemligt", false)] {
            let mut doc = two_pages().finish();
            let id = Object::String(b"0123456789abcdef".to_vec(), lopdf::StringFormat::Hexadecimal);
            doc.trailer.set("ID", vec![id.clone(), id]);
            let version = lopdf::EncryptionVersion::V2 {
                document: &doc,
                owner_password: "ägare",
                user_password: user,
                key_length: 128,
                permissions: lopdf::Permissions::PRINTABLE,
            };
            let state = lopdf::EncryptionState::try_from(version).expect("encryption state");
            doc.encrypt(&state).expect("encrypts");
            let mut bytes = Vec::new();
            doc.save_to(&mut bytes).expect("saves");
            let (sink, result) = run(&bytes);
            if readable {
                assert!(result.is_ok(), "{result:?}");
                assert_eq!(texts(&sink), texts(&run(&two_pages().bytes(false)).0));
            } else {
                assert!(matches!(result, Err(ExtractError::Encrypted)), "{result:?}");
                assert!(sink.events.is_empty());
            }
        }
    }

    #[test]
    fn a_bad_page_does_not_lose_the_others() {
        let mut b = Built::new();
        b.page(b"BT /F1 12 Tf 72 700 Td (Sida ett) Tj ET");
        b.page_with(dictionary! { "Contents" => Object::Reference((999, 0)) });
        b.page(b"BT /F1 12 Tf 72 700 Td (Sida tre) Tj ET");
        let (sink, result) = run(&b.bytes(false));
        assert_eq!(texts(&sink), vec![pair("page 1, line 1", "Sida ett"), pair("page 3, line 1", "Sida tre")]);
        match result {
            Err(ExtractError::Corrupt { format: "PDF", message }) => {
                assert_eq!(message, "1 of 3 pages could not be read")
            }
            other => panic!("expected corrupt PDF, got {other:?}"),
        }
    }

    /// A sink whose time runs out at its third `charge` (page 1: checkpoint
    /// and content; page 2: checkpoint).
    struct Deadline {
        inner: Collect,
        checks: usize,
    }

    impl Sink for Deadline {
        fn text(&mut self, at: Location, label: &str, text: &str) -> Result<(), ExtractError> {
            self.inner.text(at, label, text)
        }
        fn charge(&mut self, declared: u64, compressed: Option<u64>) -> Result<(), ExtractError> {
            self.checks += 1;
            if self.checks >= 3 {
                return Err(ExtractError::Timeout(1));
            }
            self.inner.charge(declared, compressed)
        }
        fn member(
            &mut self,
            name: &str,
            reader: &mut dyn std::io::Read,
            declared: Option<u64>,
            compressed: Option<u64>,
        ) -> Result<(), ExtractError> {
            self.inner.member(name, reader, declared, compressed)
        }
        fn member_bytes(&mut self, name: &str, bytes: &[u8]) -> Result<(), ExtractError> {
            self.inner.member_bytes(name, bytes)
        }
        fn member_status(&mut self, name: &str, status: FileStatus) {
            self.inner.member_status(name, status)
        }
    }

    #[test]
    fn sink_errors_stop_at_once() {
        let mut b = Built::new();
        b.page(b"BT /F1 12 Tf 72 700 Td (Sida ett) Tj ET");
        b.page(b"BT /F1 12 Tf 72 700 Td (Sida tv\\345) Tj ET");
        let mut sink = Deadline { inner: Collect::default(), checks: 0 };
        let result = extract(&b.bytes(false), &mut sink);
        assert!(matches!(result, Err(ExtractError::Timeout(1))), "{result:?}");
        assert_eq!(texts(&sink.inner), vec![pair("page 1, line 1", "Sida ett")]);
    }

    #[test]
    fn pages_without_text_are_unsupported() {
        let mut b = Built::new();
        b.page(b"0 0 m 100 100 l S");
        let (sink, result) = run(&b.bytes(false));
        assert!(sink.events.is_empty());
        assert!(matches!(result, Err(ExtractError::Unsupported(_))), "{result:?}");
    }

    #[test]
    fn not_a_pdf_is_corrupt() {
        let (sink, result) = run(b"%PDF-1.7\nthis is not really a PDF");
        assert!(sink.events.is_empty());
        assert!(matches!(result, Err(ExtractError::Corrupt { format: "PDF", .. })), "{result:?}");
    }

    #[test]
    fn self_drawing_forms_stop_at_a_limit() {
        let mut b = Built::new();
        let x2 = b.form("X2", b"BT /F1 10 Tf 0 0 Td (x) Tj ET /X2 Do /X2 Do", [0, 0, 10, 10]);
        let xobjects = b.xobjects.clone();
        if let Ok(Object::Stream(s)) = b.doc.get_object_mut(x2) {
            s.dict.set("Resources", dictionary! { "XObject" => xobjects });
        }
        b.page(b"/X2 Do BT /F1 12 Tf 72 700 Td (efter) Tj ET");
        let started = std::time::Instant::now();
        let (sink, result) = run(&b.bytes(false));
        assert!(started.elapsed().as_secs() < 10);
        assert!(matches!(&result, Err(ExtractError::Limit(m)) if m.starts_with("PDF page 1: ")), "{result:?}");
        assert_eq!(sink.texts().len(), 1);
    }

    #[test]
    fn cmap_parsing_is_lenient() {
        let cm = parse_cmap(
            b"%comment\n2 begincodespacerange <00> <80> <8140> <FFFF> endcodespacerange\n\
              1 beginbfchar <41> <0042> endbfchar 1 beginbfrange <8140> <8142> <3042> endbfrange\n\
              1 begincidrange <8140> <817E> 633 endcidrange beginbfchar <42> (junk) <43> endbfchar",
        );
        let look = |code| {
            let mut s = String::new();
            cm.lookup(code, &mut s).then_some(s)
        };
        assert_eq!(look(0x41).as_deref(), Some("B"));
        assert_eq!(look(0x8142).as_deref(), Some("\u{3044}"));
        assert_eq!(look(0x8143), None);
        assert_eq!(cm.cid(0x8141), Some(634));
        assert_eq!(cm.space, vec![(1, 0, 0x80), (2, 0x8140, 0xFFFF)]);
        // Garbage and truncated programs give what they can, never panic.
        for data in [&b"beginbfrange <00> <FF> ["[..], b"<<<<", b"begincodespacerange <0", b"(((", b"<>"] {
            let _ = parse_cmap(data);
        }
    }

    #[test]
    fn lexer_reads_operands_and_skips_the_rest() {
        let data = b"%c\n/F#201 12 Tf [(a\\(b\\)\\101\\\nc) -250 <41 4> [1]] TJ true null << /K [1 2] >> BDC \
            BI /W 1 /H 1 ID \x00EI\xffEI EI 1.5 -.5 +3 0.00-4 Td ) ] > 'x";
        let mut lexer = Lexer { data, pos: 0 };
        let mut ops = Vec::new();
        let mut seen = Vec::new();
        while let Some(op) = lexer.next_op(&mut ops) {
            seen.push((String::from_utf8_lossy(op).into_owned(), ops.clone()));
        }
        use Operand::*;
        let n = Number;
        assert_eq!(
            seen,
            vec![
                ("Tf".into(), vec![Name(b"F 1".to_vec()), n(12.0)]),
                (
                    "TJ".into(),
                    vec![Array(vec![Str(b"a(b)Ac".to_vec()), n(-250.0), Str(vec![0x41, 0x40]), Array(vec![n(1.0)])])]
                ),
                (
                    "BDC".into(),
                    vec![Other, Other, Other, Name(b"K".to_vec()), Array(vec![n(1.0), n(2.0)]), Other, Other]
                ),
                ("Td".into(), vec![n(1.5), n(-0.5), n(3.0), n(0.0)]),
                ("'x".into(), vec![Other, Other, Other]),
            ]
        );
        for cut in 0..data.len() {
            let mut lexer = Lexer { data: &data[..cut], pos: 0 };
            while lexer.next_op(&mut ops).is_some() {}
        }
    }

    #[test]
    fn hyphenated_line_ends_are_joined() {
        assert_eq!(finish_text("Personnum-\nmer 811218-\n9876 x"), "Personnummer\n811218-9876\nx");
        assert_eq!(finish_text("Anna-\nKarin\n\n  \nﬁ\u{AD}n\t1 "), "Anna-\nKarin\nfin 1");
        assert_eq!(finish_text("e-\npost"), "epost");
    }

    /// Truncated and bit-flipped copies of the test PDFs end in Ok or an
    /// error, never a panic or a hang.
    #[test]
    fn damaged_copies_never_panic() {
        let started = std::time::Instant::now();
        for compress in [false, true] {
            let good = two_pages().bytes(compress);
            for cut in (0..good.len()).step_by(41) {
                let _ = run(&good[..cut]);
            }
            let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
            for _ in 0..400 {
                let mut bad = good.clone();
                for _ in 0..3 {
                    seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                    let at = (seed >> 33) as usize % bad.len();
                    bad[at] ^= 1 << ((seed >> 29) & 7);
                }
                let _ = run(&bad);
            }
        }
        assert!(started.elapsed().as_secs() < 60, "damaged copies took {:?}", started.elapsed());
    }

    fn corpus() -> Option<std::path::PathBuf> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/pdf/py-pdf-sample-files");
        if dir.is_dir() {
            Some(dir)
        } else {
            eprintln!("skipped: corpus folder {} is absent", dir.display());
            None
        }
    }

    #[test]
    fn corpus_user_password_is_encrypted() {
        let Some(dir) = corpus() else { return };
        let Ok(bytes) = std::fs::read(dir.join("libreoffice-writer-password.pdf")) else {
            eprintln!("skipped: libreoffice-writer-password.pdf is absent");
            return;
        };
        let (sink, result) = run(&bytes);
        assert!(matches!(result, Err(ExtractError::Encrypted)), "{result:?}");
        assert!(sink.events.is_empty());
    }

    /// Every corpus PDF ends as expected; prints the outcome per file (not
    /// the text).
    #[test]
    fn corpus_outcomes() {
        let Some(dir) = corpus() else { return };
        let Ok(entries) = std::fs::read_dir(&dir) else { return };
        let mut names: Vec<_> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
        names.sort();
        for path in names.iter().filter(|p| p.extension().is_some_and(|e| e == "pdf")) {
            let Ok(bytes) = std::fs::read(path) else { continue };
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let (sink, result) = run(&bytes);
            let text = sink.all_text();
            let members = sink.events.iter().filter(|e| matches!(e, Event::Member(..))).count();
            eprintln!("{name}: {result:?}, {} chars, {members} members", text.chars().count());
            match name.as_str() {
                "libreoffice-writer-password.pdf" => assert!(matches!(result, Err(ExtractError::Encrypted))),
                "unreadablemetadata.pdf" => assert!(matches!(result, Err(ExtractError::Corrupt { .. }))),
                n if n.starts_with("imagemagick-") => assert!(matches!(result, Err(ExtractError::Unsupported(_)))),
                _ => assert!(result.is_ok() && !text.is_empty(), "{name}: {result:?}"),
            }
            let expect = |needle: &str| assert!(text.contains(needle), "{name}: no {needle:?}");
            match name.as_str() {
                "crazyones-pdfa.pdf" => expect("to the crazy ones. The misfits. The rebels."),
                "GeoTopo-komprimiert.pdf" => expect("Ein topologischer Raum X heißt hausdorffsch"),
                "libreoffice-form.pdf" => expect("Alice"),
                "multicolumn.pdf" => expect("with two columns filled"),
                "with-attachment.pdf" => assert_eq!(members, 1, "{name}"),
                _ => {}
            }
        }
    }
}
