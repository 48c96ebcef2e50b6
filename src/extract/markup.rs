//! HTML and XML: tags stripped, entities decoded, link targets and
//! attribute values kept, and every value on its source line.
//!
//! Both push the whole document as one text at `line 1, column 1` whose
//! line `N` holds exactly what source line `N` holds, so reported line
//! numbers are the source's. Columns count characters of the extracted
//! line (markup removed), not of the source line.
//!
//! **HTML** is read by a small linear tag stripper rather than html2text:
//! html2text renders a layout (its line numbers would be the rendering's,
//! and tables are redrawn), while a stripper keeps each source newline
//! and nothing else. Read: text (entities decoded: numeric, the XML five,
//! Latin-1 and common typographic names; `&nbsp;` gives U+00A0), the
//! content of `<script>` (personal data in a script is still held), of
//! `<textarea>` and `<title>`, of comments (commented-out markup is
//! still in the file, so comments are read as markup), the attributes
//! `value`, `title`, `alt`, `placeholder`, `label`, `aria-label`, `content`,
//! `summary` and `data-*`, and the targets of `mailto:`/`tel:`/`callto:`/
//! `sms:` links (added after the link text unless it already shows them).
//! Not read: `<style>`, other attributes, declarations. Inline tags
//! (`b`, `span`, `a`, `o:p`, ...) are removed without a gap so that a
//! number split by formatting stays whole; other tags become a tab.
//! Encoding: byte order mark, else UTF-8 when the bytes are valid UTF-8,
//! else `<meta charset>` (or `http-equiv` Content-Type), else a guess.
//!
//! **XML** is read with quick-xml: text, CDATA and comments (entities
//! resolved) and every attribute value except namespace declarations. Each
//! value is preceded by its element or attribute name and a tab
//! (`pnr\t8112189876`) so that names like `personnummer` count as context
//! words, which they are to a reader of the file. Values from one line are
//! separated by tabs. Character references to line breaks become spaces
//! (the lines stay aligned). Malformed XML gives what was read before the
//! damage, then `corrupt XML: <problem> at line N`.

use std::borrow::Cow;

use encoding_rs::Encoding;
use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;

use crate::error::ExtractError;
use crate::extract::Sink;
use crate::extract::text;
use crate::model::Location;

/// What separates values that the source separates by markup.
const SEP: char = '\t';
/// How much of the start of a document may declare its encoding.
const DECLARATION_WINDOW: usize = 4096;

/// Extracts the text of an HTML document as one text whose line numbers
/// are the source's (see the module documentation for what is read).
pub fn extract_html(bytes: &[u8], sink: &mut dyn Sink) -> Result<(), ExtractError> {
    let source = decode(bytes, meta_charset);
    let text = strip_html(&source);
    if text.trim().is_empty() {
        return Ok(());
    }
    sink.text(Location::Line { line: 1, column: 1 }, "", &text)
}

/// Extracts the text, CDATA, comments and attribute values of an XML
/// document as one text whose line numbers are the source's.
pub fn extract_xml(bytes: &[u8], sink: &mut dyn Sink) -> Result<(), ExtractError> {
    let source = decode(bytes, xml_encoding);
    let (text, damage) = xml_text(&source);
    if !text.trim().is_empty() {
        sink.text(Location::Line { line: 1, column: 1 }, "", &text)?;
    }
    match damage {
        Some(problem) => Err(ExtractError::corrupt("XML", problem)),
        None => Ok(()),
    }
}

/// Decodes a markup document: byte order mark; UTF-16 without one; valid
/// (or cut-off) UTF-8; the encoding the document declares; a guess.
fn decode(bytes: &[u8], declared: fn(&[u8]) -> Option<&'static Encoding>) -> Cow<'_, str> {
    if let Some((enc, bom)) = Encoding::for_bom(bytes) {
        return enc.decode_without_bom_handling(&bytes[bom..]).0;
    }
    let head = &bytes[..bytes.len().min(DECLARATION_WINDOW)];
    if memchr::memchr(0, head).is_none() {
        match text::utf8(bytes) {
            Ok(s) => return Cow::Borrowed(s),
            Err(e) if e.error_len().is_none() => return String::from_utf8_lossy(bytes),
            Err(_) => {}
        }
        if let Some(enc) = declared(head) {
            // A document that could declare itself in ASCII is not UTF-16.
            if enc != encoding_rs::UTF_16LE && enc != encoding_rs::UTF_16BE {
                return enc.decode_without_bom_handling(bytes).0;
            }
        }
    }
    match text::decode(bytes) {
        text::Decoded::Text { text, .. } => text,
        text::Decoded::Binary => String::from_utf8_lossy(bytes),
    }
}

/// The encoding named by the first `<meta ... charset=...>` in `head`.
fn meta_charset(head: &[u8]) -> Option<&'static Encoding> {
    let lower = head.to_ascii_lowercase();
    for start in memchr::memmem::find_iter(&lower, b"<meta") {
        let tag = &lower[start..];
        let tag = &tag[..memchr::memchr(b'>', tag).unwrap_or(tag.len())];
        if let Some(at) = memchr::memmem::find(tag, b"charset") {
            return label_after(&tag[at + 7..]);
        }
    }
    None
}

/// The encoding named in the XML declaration at the start of `head`.
fn xml_encoding(head: &[u8]) -> Option<&'static Encoding> {
    let trimmed = &head[head.iter().take_while(|b| b.is_ascii_whitespace()).count()..];
    if !trimmed.starts_with(b"<?xml") {
        return None;
    }
    let decl = &trimmed[..memchr::memmem::find(trimmed, b"?>").unwrap_or(trimmed.len())];
    let at = memchr::memmem::find(decl, b"encoding")?;
    label_after(&decl[at + 8..])
}

/// Reads `= "label"` (quotes optional) and looks the label up.
fn label_after(rest: &[u8]) -> Option<&'static Encoding> {
    let rest = rest.trim_ascii_start().strip_prefix(b"=")?.trim_ascii_start();
    let rest = rest.strip_prefix(b"\"").or_else(|| rest.strip_prefix(b"'")).unwrap_or(rest);
    let len = rest.iter().take_while(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(b)).count();
    Encoding::for_label(&rest[..len])
}

// ---------------------------------------------------------------------------
// Entities

/// Resolves the reference at the start of `s` (which starts with `&`) into
/// `out` and returns its length, or returns 0 (and appends nothing) when it
/// is not a reference this reader knows. `html` adds the HTML names to the
/// five of XML, and allows a numeric reference without its `;`.
pub(crate) fn entity_at(s: &str, html: bool, out: &mut String) -> usize {
    let b = s.as_bytes();
    if b.get(1) == Some(&b'#') {
        let hex = matches!(b.get(2), Some(b'x' | b'X'));
        let start = if hex { 3 } else { 2 };
        let digits = b[start.min(b.len())..]
            .iter()
            .take(8)
            .take_while(|c| if hex { c.is_ascii_hexdigit() } else { c.is_ascii_digit() })
            .count();
        let end = start + digits;
        let closed = b.get(end) == Some(&b';');
        if digits == 0 || !(closed || html) {
            return 0;
        }
        out.push(char_ref(&s[2..end]).unwrap_or('\u{FFFD}'));
        return if closed { end + 1 } else { end };
    }
    let len = b[1..].iter().take(32).take_while(|c| c.is_ascii_alphanumeric()).count();
    if len == 0 || b.get(1 + len) != Some(&b';') {
        return 0;
    }
    let name = &s[1..1 + len];
    let found = quick_xml::escape::resolve_predefined_entity(name).or(if html { html_entity(name) } else { None });
    match found {
        Some(text) => {
            out.push_str(text);
            len + 2
        }
        None => 0,
    }
}

/// The character of a numeric reference written without `&#` and `;`
/// (`x40`, `64`). A line break becomes a space, so that extracted text
/// keeps the source's line breaks and no others; NUL and non-characters
/// give `None`.
pub(crate) fn char_ref(num: &str) -> Option<char> {
    let code = match num.strip_prefix(['x', 'X']) {
        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
        None => num.parse().ok()?,
    };
    match char::from_u32(code)? {
        '\n' | '\r' => Some(' '),
        '\0' => None,
        c => Some(c),
    }
}

/// Appends the text of the entity reference `&name;` (as quick-xml reports
/// it, without `&` and `;`): a character reference, one of the five XML
/// entities, or the reference as written when it is unknown.
pub(crate) fn push_ref(name: &str, out: &mut String) {
    let known = match name.strip_prefix('#') {
        Some(num) => char_ref(num).map(|c| out.push(c)),
        None => quick_xml::escape::resolve_predefined_entity(name).map(|t| out.push_str(t)),
    };
    if known.is_none() {
        out.push('&');
        out.push_str(name);
        out.push(';');
    }
}

/// Appends `raw` with its references resolved (unknown ones kept as written).
fn push_unescaped(raw: &str, html: bool, out: &mut String) {
    let mut rest = raw;
    while let Some(at) = memchr::memchr(b'&', rest.as_bytes()) {
        out.push_str(&rest[..at]);
        let used = entity_at(&rest[at..], html, out);
        if used == 0 {
            out.push('&');
            rest = &rest[at + 1..];
        } else {
            rest = &rest[at + used..];
        }
    }
    out.push_str(rest);
}

/// Latin-1 entity names, U+00A0 to U+00FF in order.
const LATIN1: [&str; 96] = [
    "nbsp", "iexcl", "cent", "pound", "curren", "yen", "brvbar", "sect", "uml", "copy", "ordf", "laquo", "not", "shy",
    "reg", "macr", "deg", "plusmn", "sup2", "sup3", "acute", "micro", "para", "middot", "cedil", "sup1", "ordm",
    "raquo", "frac14", "frac12", "frac34", "iquest", "Agrave", "Aacute", "Acirc", "Atilde", "Auml", "Aring", "AElig",
    "Ccedil", "Egrave", "Eacute", "Ecirc", "Euml", "Igrave", "Iacute", "Icirc", "Iuml", "ETH", "Ntilde", "Ograve",
    "Oacute", "Ocirc", "Otilde", "Ouml", "times", "Oslash", "Ugrave", "Uacute", "Ucirc", "Uuml", "Yacute", "THORN",
    "szlig", "agrave", "aacute", "acirc", "atilde", "auml", "aring", "aelig", "ccedil", "egrave", "eacute", "ecirc",
    "euml", "igrave", "iacute", "icirc", "iuml", "eth", "ntilde", "ograve", "oacute", "ocirc", "otilde", "ouml",
    "divide", "oslash", "ugrave", "uacute", "ucirc", "uuml", "yacute", "thorn", "yuml",
];

/// Other entity names common in documents: typography, and the
/// punctuation names that can hide an e-mail address (`&commat;`).
const OTHER: [(&str, &str); 42] = [
    ("ndash", "\u{2013}"),
    ("mdash", "\u{2014}"),
    ("lsquo", "\u{2018}"),
    ("rsquo", "\u{2019}"),
    ("sbquo", "\u{201A}"),
    ("ldquo", "\u{201C}"),
    ("rdquo", "\u{201D}"),
    ("bdquo", "\u{201E}"),
    ("hellip", "\u{2026}"),
    ("bull", "\u{2022}"),
    ("euro", "\u{20AC}"),
    ("trade", "\u{2122}"),
    ("ensp", "\u{2002}"),
    ("emsp", "\u{2003}"),
    ("thinsp", "\u{2009}"),
    ("zwnj", "\u{200C}"),
    ("zwj", "\u{200D}"),
    ("lrm", "\u{200E}"),
    ("rlm", "\u{200F}"),
    ("minus", "\u{2212}"),
    ("hyphen", "\u{2010}"),
    ("dagger", "\u{2020}"),
    ("Dagger", "\u{2021}"),
    ("permil", "\u{2030}"),
    ("lsaquo", "\u{2039}"),
    ("rsaquo", "\u{203A}"),
    ("OElig", "\u{152}"),
    ("oelig", "\u{153}"),
    ("Scaron", "\u{160}"),
    ("scaron", "\u{161}"),
    ("commat", "@"),
    ("period", "."),
    ("comma", ","),
    ("colon", ":"),
    ("semi", ";"),
    ("plus", "+"),
    ("lpar", "("),
    ("rpar", ")"),
    ("num", "#"),
    ("sol", "/"),
    ("lowbar", "_"),
    ("Tab", "\t"),
];

/// The text of an HTML named entity this reader knows.
fn html_entity(name: &str) -> Option<&'static str> {
    if let Some(i) = LATIN1.iter().position(|n| *n == name) {
        // Each Latin-1 character is two bytes of UTF-8.
        const CHARS: &str = "\u{A0}¡¢£¤¥¦§¨©ª«¬\u{AD}®¯°±²³´µ¶·¸¹º»¼½¾¿ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖ×ØÙÚÛÜÝÞßàáâãäåæçèéêëìíîïðñòóôõö÷øùúûüýþÿ";
        return CHARS.get(i * 2..i * 2 + 2);
    }
    OTHER.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

// ---------------------------------------------------------------------------
// HTML

/// Attributes whose values are read.
const READ_ATTRS: [&str; 8] = ["value", "title", "alt", "placeholder", "label", "aria-label", "content", "summary"];

/// The text of an HTML document with markup removed, line for line.
fn strip_html(src: &str) -> String {
    let mut h = Html { out: String::with_capacity(src.len() / 2), link: None };
    h.run(src, true);
    h.finish_link();
    h.out
}

struct Html {
    out: String,
    /// An open `mailto:`/`tel:` link: its target and where its text starts
    /// in `out`.
    link: Option<(String, usize)>,
}

impl Html {
    /// Strips `src` into `out`. `comments` is false inside a comment (which
    /// cannot nest).
    fn run(&mut self, src: &str, comments: bool) {
        let b = src.as_bytes();
        let mut i = 0;
        while i < b.len() {
            let Some(j) = memchr::memchr2(b'<', b'&', &b[i..]).map(|k| i + k) else {
                self.out.push_str(&src[i..]);
                break;
            };
            self.out.push_str(&src[i..j]);
            i = if b[j] == b'&' {
                match entity_at(&src[j..], true, &mut self.out) {
                    0 => {
                        self.out.push('&');
                        j + 1
                    }
                    n => j + n,
                }
            } else {
                self.markup(src, j, comments)
            };
        }
    }

    /// Handles the markup starting at `src[j] == '<'`; returns where the
    /// text resumes.
    fn markup(&mut self, src: &str, j: usize, comments: bool) -> usize {
        let b = src.as_bytes();
        let rest = &b[j + 1..];
        if rest.starts_with(b"!--") {
            let body = j + 4;
            if !comments {
                return body;
            }
            let end = find(b, body, b"-->").unwrap_or(b.len());
            let mut inner = &src[body..end];
            // `<!--[if gte mso 9]>`: skip the condition.
            if inner.starts_with("[if") {
                let cut = inner.find("]>").map_or(inner.len(), |k| k + 2);
                self.newlines(&inner[..cut]);
                inner = &inner[cut..];
            }
            self.sep();
            self.run(inner, false);
            self.sep();
            return (end + 3).min(b.len());
        }
        if rest.starts_with(b"![CDATA[") {
            let body = j + 9;
            let end = find(b, body, b"]]>").unwrap_or(b.len());
            self.sep();
            self.out.push_str(&src[body..end]);
            return (end + 3).min(b.len());
        }
        match rest.first() {
            Some(b'!' | b'?') => {
                let end = memchr::memchr(b'>', &b[j..]).map_or(b.len(), |k| j + k + 1);
                self.newlines(&src[j..end]);
                end
            }
            Some(b'/') if rest.get(1).is_some_and(u8::is_ascii_alphabetic) => {
                let name_end = j + 2 + name_len(&b[j + 2..]);
                let end = memchr::memchr(b'>', &b[j..]).map_or(b.len(), |k| j + k + 1);
                let name = &src[j + 2..name_end];
                if name.eq_ignore_ascii_case("a") {
                    self.finish_link();
                }
                if !is_inline(name) {
                    self.sep();
                }
                self.newlines(&src[name_end..end]);
                end
            }
            Some(c) if c.is_ascii_alphabetic() => self.start_tag(src, j),
            _ => {
                self.out.push('<');
                j + 1
            }
        }
    }

    /// A start tag at `j`: its kept attributes, then the content of raw
    /// text elements. Returns where the text resumes.
    fn start_tag(&mut self, src: &str, j: usize) -> usize {
        let b = src.as_bytes();
        let name_end = j + 1 + name_len(&b[j + 1..]);
        let name = &src[j + 1..name_end];
        let inline = is_inline(name);
        if !inline {
            self.sep();
        }
        let is_a = name.eq_ignore_ascii_case("a");
        if is_a {
            self.finish_link();
        }
        let mut link = None;
        let mut i = name_end;
        // Attributes: `name`, `name=value`, `name="value"`, `name='value'`.
        loop {
            let ws = b[i..].iter().take_while(|c| c.is_ascii_whitespace() || **c == b'/').count();
            self.newlines(&src[i..i + ws]);
            i += ws;
            if i >= b.len() {
                break;
            }
            if b[i] == b'>' {
                i += 1;
                break;
            }
            let key_start = i;
            i += b[i..].iter().take_while(|c| !c.is_ascii_whitespace() && !b"=>/".contains(c)).count().max(1);
            let key = &src[key_start..i];
            let ws = b[i..].iter().take_while(|c| c.is_ascii_whitespace()).count();
            if b.get(i + ws) != Some(&b'=') {
                continue;
            }
            self.newlines(&src[i..i + ws]);
            i += ws + 1;
            let ws = b[i..].iter().take_while(|c| c.is_ascii_whitespace()).count();
            self.newlines(&src[i..i + ws]);
            i += ws;
            let (value, next) = match b.get(i) {
                Some(&q @ (b'"' | b'\'')) => {
                    let end = memchr::memchr(q, &b[i + 1..]).map_or(b.len(), |k| i + 1 + k);
                    (&src[i + 1..end], (end + 1).min(b.len()))
                }
                _ => {
                    let end = i + b[i..].iter().take_while(|c| !c.is_ascii_whitespace() && **c != b'>').count();
                    (&src[i..end], end)
                }
            };
            i = next;
            if READ_ATTRS.iter().any(|k| key.eq_ignore_ascii_case(k))
                || key.get(..5).is_some_and(|p| p.eq_ignore_ascii_case("data-"))
            {
                if !value.trim().is_empty() {
                    self.sep();
                    push_unescaped(value, true, &mut self.out);
                    self.sep();
                } else {
                    self.newlines(value);
                }
            } else {
                if is_a && key.eq_ignore_ascii_case("href") {
                    let mut href = String::new();
                    push_unescaped(value, true, &mut href);
                    link = link_target(&href);
                }
                self.newlines(value);
            }
        }
        if let Some(target) = link {
            self.link = Some((target, self.out.len()));
        }
        let raw = ["script", "style", "textarea", "title"].into_iter().find(|r| name.eq_ignore_ascii_case(r));
        if let Some(raw) = raw {
            let end = find_end_tag(b, i, raw.as_bytes()).unwrap_or(b.len());
            let body = &src[i..end];
            match raw {
                "style" => self.newlines(body),
                "script" => self.out.push_str(body),
                _ => push_unescaped(body, true, &mut self.out),
            }
            return end;
        }
        i
    }

    /// Adds a link's target after its text unless the text shows it.
    fn finish_link(&mut self) {
        if let Some((target, start)) = self.link.take()
            && !self.out.get(start..).is_some_and(|t| t.contains(&target))
        {
            self.sep();
            self.out.push_str(&target);
        }
    }

    /// Appends only the line breaks of `s`.
    fn newlines(&mut self, s: &str) {
        for _ in memchr::memchr_iter(b'\n', s.as_bytes()) {
            self.out.push('\n');
        }
    }

    /// Separates what follows from what precedes, unless whitespace does.
    fn sep(&mut self) {
        if self.out.chars().next_back().is_some_and(|c| !c.is_whitespace()) {
            self.out.push(SEP);
        }
    }
}

/// Length of the tag name at the start of `b`.
fn name_len(b: &[u8]) -> usize {
    b.iter().take_while(|c| c.is_ascii_alphanumeric() || b"-_:.".contains(c)).count()
}

/// True for elements whose tags are removed without a gap: the usual
/// inline elements, and namespaced ones (`o:p`, `st1:personname` in
/// HTML saved from Word).
fn is_inline(name: &str) -> bool {
    let mut buf = [0u8; 8];
    if name.len() > buf.len() {
        return name.contains(':');
    }
    let lower = &mut buf[..name.len()];
    lower.copy_from_slice(name.as_bytes());
    lower.make_ascii_lowercase();
    matches!(
        &*lower,
        b"a" | b"abbr"
            | b"acronym"
            | b"b"
            | b"bdi"
            | b"bdo"
            | b"big"
            | b"cite"
            | b"code"
            | b"data"
            | b"del"
            | b"dfn"
            | b"em"
            | b"font"
            | b"i"
            | b"ins"
            | b"kbd"
            | b"label"
            | b"mark"
            | b"nobr"
            | b"q"
            | b"rp"
            | b"rt"
            | b"ruby"
            | b"s"
            | b"samp"
            | b"small"
            | b"span"
            | b"strike"
            | b"strong"
            | b"sub"
            | b"sup"
            | b"u"
            | b"time"
            | b"tt"
            | b"var"
            | b"wbr"
    ) || name.contains(':')
}

/// Position of `needle` in `b` at or after `from`.
fn find(b: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(b.get(from..)?, needle).map(|k| from + k)
}

/// Position of `</name` (any case, followed by a delimiter) at or after
/// `from`.
fn find_end_tag(b: &[u8], from: usize, name: &[u8]) -> Option<usize> {
    let hay = b.get(from..)?;
    memchr::memchr_iter(b'<', hay).map(|k| from + k).find(|&at| {
        let tail = &b[at + 1..];
        tail.first() == Some(&b'/')
            && tail.len() > name.len()
            && tail[1..=name.len()].eq_ignore_ascii_case(name)
            && tail.get(name.len() + 1).is_none_or(|c| c.is_ascii_whitespace() || *c == b'>' || *c == b'/')
    })
}

/// The address in a `mailto:`, `tel:`, `callto:` or `sms:` link, without
/// the scheme and query (`mailto:a@b.se?subject=x` gives `a@b.se`), and
/// with line breaks made spaces (the target is written elsewhere than it
/// stands).
pub(crate) fn link_target(href: &str) -> Option<String> {
    let href = href.trim();
    let rest = ["mailto:", "tel:", "callto:", "sms:"].into_iter().find_map(|scheme| {
        href.get(..scheme.len()).filter(|p| p.eq_ignore_ascii_case(scheme)).map(|_| &href[scheme.len()..])
    })?;
    let rest = rest.split('?').next().unwrap_or("").trim();
    (!rest.is_empty()).then(|| rest.replace(['\n', '\r'], " "))
}

// ---------------------------------------------------------------------------
// XML

/// Builds the line-aligned text of an XML document. Returns the text and,
/// for malformed XML, the problem.
fn xml_text(src: &str) -> (String, Option<String>) {
    let mut x = Aligned { src, out: String::with_capacity(src.len() / 2), scanned: 0, src_line: 1, out_line: 1 };
    let mut reader = Reader::from_str(src);
    let mut names: Vec<&str> = Vec::new();
    // End of the last piece in the source, to join the pieces of one text
    // node (`a `, `&amp;`, ` b`) without a separator.
    let mut last_end = usize::MAX;
    let problem = loop {
        let before = reader.buffer_position() as usize;
        let event = reader.read_event();
        let after = reader.buffer_position() as usize;
        match event {
            Ok(Event::Start(_)) if names.len() >= crate::extract::office::MAX_DEPTH as usize => {
                break Some(format!("elements nested too deeply at line {}", line_at(src, before)));
            }
            Ok(Event::Start(e)) => {
                attributes(&e, before, &mut x);
                names.push(slice_of(src, e.local_name().into_inner()).unwrap_or(""));
            }
            Ok(Event::Empty(e)) => attributes(&e, before, &mut x),
            Ok(Event::End(_)) => {
                names.pop();
            }
            Ok(Event::Text(t)) => {
                let at = offset(src, &t).unwrap_or(before);
                if at != last_end {
                    if t.trim().is_empty() {
                        continue;
                    }
                    x.start(at, names.last().copied());
                }
                x.raw(at, &t);
                last_end = at + t.len();
            }
            Ok(Event::GeneralRef(r)) => {
                if before != last_end {
                    x.start(before, names.last().copied());
                }
                push_ref(&r, &mut x.out);
                x.seek(after);
                last_end = after;
            }
            Ok(Event::CData(t)) => x.node(offset(src, &t).unwrap_or(before), names.last().copied(), &t),
            Ok(Event::Comment(t)) => x.node(offset(src, &t).unwrap_or(before), None, &t),
            Ok(Event::Eof) if names.is_empty() => break None,
            Ok(Event::Eof) => {
                break Some(format!("element not closed before the end at line {}", line_at(src, src.len())));
            }
            Ok(_) => {}
            Err(e) => {
                let at = reader.error_position() as usize;
                break Some(format!("{} at line {}", xml_problem(&e), line_at(src, at)));
            }
        }
    };
    (x.out, problem)
}

/// Pushes the attribute values of a start tag at source offset `tag`, each
/// after its name. Namespace declarations are left out.
fn attributes(e: &BytesStart<'_>, tag: usize, x: &mut Aligned<'_>) {
    let mut attrs = e.attributes();
    attrs.with_checks(false);
    for attr in attrs {
        let Ok(attr) = attr else { break };
        let key = attr.key;
        if key.0 == "xmlns" || key.prefix().is_some_and(|p| p.into_inner() == "xmlns") || attr.value.trim().is_empty() {
            continue;
        }
        let at = offset(x.src, &attr.value).unwrap_or(tag);
        x.start(at, slice_of(x.src, key.local_name().into_inner()));
        // The value's own line breaks are the source's; references to line
        // breaks resolve to spaces.
        push_unescaped(&attr.value, false, &mut x.out);
        x.out_line += memchr::memchr_iter(b'\n', attr.value.as_bytes()).count() as u64;
        x.seek(at + attr.value.len());
    }
}

/// Builds a text whose line N holds what source line N holds: every value
/// starts on its source line, and only source line breaks are written.
struct Aligned<'s> {
    src: &'s str,
    out: String,
    /// Source offset up to which line breaks have been counted.
    scanned: usize,
    /// Source line at `scanned`.
    src_line: u64,
    /// Line `out` ends on.
    out_line: u64,
}

impl Aligned<'_> {
    /// Moves the source position forward to `at`.
    fn seek(&mut self, at: usize) {
        if at > self.scanned && at <= self.src.len() {
            self.src_line += memchr::memchr_iter(b'\n', &self.src.as_bytes()[self.scanned..at]).count() as u64;
            self.scanned = at;
        }
    }

    /// Starts a value found at source offset `at`, preceded by `name`: on
    /// its source line, after a separator if that line has text already.
    fn start(&mut self, at: usize, name: Option<&str>) {
        self.seek(at);
        if self.out_line < self.src_line {
            for _ in self.out_line..self.src_line {
                self.out.push('\n');
            }
            self.out_line = self.src_line;
        } else if self.out.chars().next_back().is_some_and(|c| !c.is_whitespace()) {
            self.out.push(SEP);
        }
        if let Some(name) = name.filter(|n| !n.is_empty()) {
            self.out.push_str(name);
            self.out.push(SEP);
        }
    }

    /// Appends `text`, a slice of the source that starts at `at`.
    fn raw(&mut self, at: usize, text: &str) {
        self.out.push_str(text);
        self.out_line += memchr::memchr_iter(b'\n', text.as_bytes()).count() as u64;
        self.seek(at + text.len());
    }

    /// A whole node (CDATA, comment) at `at`, unless blank.
    fn node(&mut self, at: usize, name: Option<&str>, text: &str) {
        if !text.trim().is_empty() {
            self.start(at, name);
            self.raw(at, text);
        }
    }
}

/// The 1-based line of byte offset `at` in `src`.
fn line_at(src: &str, at: usize) -> usize {
    1 + memchr::memchr_iter(b'\n', &src.as_bytes()[..at.min(src.len())]).count()
}

/// `part` as a slice of `src` with `src`'s lifetime, when it is one.
fn slice_of<'s>(src: &'s str, part: &str) -> Option<&'s str> {
    let at = offset(src, part)?;
    src.get(at..at + part.len())
}

/// Byte offset of `part` in `src`, when `part` borrows from `src`.
fn offset(src: &str, part: &str) -> Option<usize> {
    let base = src.as_ptr() as usize;
    let p = part.as_ptr() as usize;
    (p >= base && p + part.len() <= base + src.len()).then(|| p - base)
}

/// A quick-xml error described without any of the document's content
/// (element names included).
pub(crate) fn xml_problem(e: &quick_xml::Error) -> String {
    use quick_xml::errors::{Error, IllFormedError as I};
    match e {
        Error::Syntax(s) => s.to_string(),
        Error::IllFormed(I::MismatchedEndTag { .. }) => "mismatched end tag".into(),
        Error::IllFormed(I::UnmatchedEndTag(_)) => "end tag without a start tag".into(),
        Error::IllFormed(I::MissingEndTag(_)) => "element not closed before the end".into(),
        Error::IllFormed(I::MissingDeclVersion(_)) => "XML declaration without a version".into(),
        Error::IllFormed(other) => other.to_string(),
        Error::InvalidAttr(_) => "malformed attribute".into(),
        Error::Encoding(_) => "invalid text encoding".into(),
        Error::Escape(_) => "malformed entity reference".into(),
        Error::Namespace(_) => "namespace error".into(),
        Error::Io(_) => "read error".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::testutil::Collect;

    fn html(src: &[u8]) -> Vec<(String, String, String)> {
        let mut c = Collect::default();
        extract_html(src, &mut c).expect("html");
        c.texts()
    }

    type Texts = Vec<(String, String, String)>;

    fn xml(src: &[u8]) -> (Texts, Result<(), ExtractError>) {
        let mut c = Collect::default();
        let r = extract_xml(src, &mut c);
        (c.texts(), r)
    }

    const PAGE: &str = "<!DOCTYPE html>\n<html><head><title>Kund &amp; co</title>\n\
<style>p { color: #811218 }</style>\n<script>var pnr = \"811218-9876\";</script></head>\n<body>\n\
<p>Personnummer: <b>8112</b>18-9876</p>\n\
<p>Kontakt: <a href=\"mailto:anna@example.se?subject=Hej\">Anna</a>, <a\nhref=\"mailto:b@example.se\">b@example.se</a></p>\n\
<input name=\"tel\" value=\"070-123 45 67\" placeholder=\"Telefon\">\n\
<!-- gammal: <i>19811218-9876</i> -->\n\
<table><tr><td>Anna&nbsp;Berg</td><td>&#56;11218&#x2d;9876</td></tr></table>\n</body></html>\n";

    #[test]
    fn html_text_on_its_source_lines() {
        let want = "\nKund & co\t\n\nvar pnr = \"811218-9876\";\t\n\nPersonnummer: 811218-9876\t\n\
Kontakt: Anna\tanna@example.se, \nb@example.se\t\n070-123 45 67\tTelefon\t\n gammal: 19811218-9876 \n\
Anna\u{a0}Berg\t811218-9876\t\n\n";
        assert_eq!(html(PAGE.as_bytes()), vec![("line 1, column 1".into(), String::new(), want.to_string())]);
        let (_, _, text) = &html(PAGE.as_bytes())[0];
        assert_eq!(text.lines().nth(5), Some("Personnummer: 811218-9876\t"), "line 6 as in the source");
    }

    #[test]
    fn html_encodings() {
        // windows-1252 declared by meta; the bytes are not UTF-8.
        let mut page =
            b"<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1252\">".to_vec();
        page.extend_from_slice(b"</head><body>G\xe5sgr\xe4nd 811218-9876</body></html>");
        // The meta's `content` is read too (it holds authors and descriptions).
        assert_eq!(html(&page)[0].2, "text/html; charset=windows-1252\tG\u{e5}sgr\u{e4}nd 811218-9876\t");
        // UTF-16LE with a byte order mark.
        let mut utf16 = vec![0xFF, 0xFE];
        for u in "<p>\u{d8}ster 811218-9876</p>".encode_utf16() {
            utf16.extend_from_slice(&u.to_le_bytes());
        }
        assert_eq!(html(&utf16)[0].2, "\u{d8}ster 811218-9876\t");
        // Valid UTF-8 wins over a wrong declaration.
        assert_eq!(html("<meta charset=latin1><p>Å</p>".as_bytes())[0].2, "Å\t");
    }

    #[test]
    fn html_edge_markup() {
        let cases: [(&str, &str); 9] = [
            ("a < b & c &unknown; &#0; &#x110000; &amp", "a < b & c &unknown; \u{FFFD} \u{FFFD} &amp"),
            ("<p title='x\ny'>z</p>", "x\ny\tz\t"),
            ("<P>a</P><BR>b<Span>c</SPAN>", "a\tbc"),
            ("<textarea>&lt;811218-9876&gt;</textarea>", "<811218-9876>\t"),
            ("<script>if (a<b) x = '</scr' + 'ipt>'</script >y", "if (a<b) x = '</scr' + 'ipt>'\ty"),
            ("<!--[if gte mso 9]><xml><o:Author>Anna</o:Author></xml><![endif]-->x", "Anna\tx"),
            ("<a href=\"tel:+46 70 123 45 67\">Ring</a>", "Ring\t+46 70 123 45 67"),
            ("<div data-email=\"a@b.se\" class=\"c\"></div>", "a@b.se\t"),
            ("<![CDATA[x]]>unterminated <a href=\"mailto:z@y.se", "xunterminated z@y.se"),
        ];
        for (src, want) in cases {
            assert_eq!(html(src.as_bytes()).first().map(|t| t.2.as_str()), Some(want), "{src:?}");
        }
        assert!(html(b"<html><style>x</style></html>").is_empty());
    }

    #[test]
    fn html_damage_never_panics_and_keeps_lines() {
        let src = PAGE.as_bytes();
        for cut in 0..src.len() {
            check_html_lines(&src[..cut]);
        }
        for i in 0..src.len() * 8 {
            let mut b = src.to_vec();
            b[i / 8] ^= 1 << (i % 8);
            check_html_lines(&b);
        }
    }

    fn check_html_lines(src: &[u8]) {
        let decoded = decode(src, meta_charset);
        let out = strip_html(&decoded);
        assert_eq!(out.matches('\n').count(), decoded.matches('\n').count(), "{decoded:?}\n{out:?}");
    }

    const PEOPLE: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<personer xmlns=\"urn:x\">\n\
  <person id=\"1\" epost=\"anna@example.se\">\n    <namn>Anna &amp; Berg</namn>\n    <pnr>811218-9876</pnr>\n\
    <note><![CDATA[tel 070-1234567]]></note>\n    <!-- 19811218-9876 -->\n\
    <adress gata=\"Storgatan 1\n12345 Byn\" ort=\"&#229;&#10;s\"/>\n  </person>\n</personer>\n";

    #[test]
    fn xml_values_on_their_source_lines() {
        let want = "\n\nid\t1\tepost\tanna@example.se\nnamn\tAnna & Berg\npnr\t811218-9876\nnote\ttel 070-1234567\n 19811218-9876 \ngata\tStorgatan 1\n12345 Byn\tort\t\u{e5} s";
        let (texts, r) = xml(PEOPLE.as_bytes());
        assert!(r.is_ok());
        assert_eq!(texts, vec![("line 1, column 1".into(), String::new(), want.to_string())]);
    }

    #[test]
    fn xml_encodings_and_references() {
        let latin = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><n>G\xe5sgr\xe4nd</n>";
        assert_eq!(xml(latin).0[0].2, "n\tG\u{e5}sgr\u{e4}nd");
        let mut utf16 = vec![0xFE, 0xFF];
        for u in "<n a=\"x&#64;y.se\">&lt;&#x41;&custom;&gt;</n>".encode_utf16() {
            utf16.extend_from_slice(&u.to_be_bytes());
        }
        assert_eq!(xml(&utf16).0[0].2, "a\tx@y.se\tn\t<A&custom;>");
    }

    #[test]
    fn malformed_xml_gives_what_was_read_then_corrupt() {
        let (texts, r) = xml(b"<a>\n<b>811218-9876</c>\n<d>never</d></a>");
        assert_eq!(texts, vec![("line 1, column 1".into(), String::new(), "\nb\t811218-9876".into())]);
        assert_eq!(r.map_err(|e| e.to_string()), Err("corrupt XML: mismatched end tag at line 2".into()));
        let (texts, r) = xml(b"<a>\n<b>811218-9876</b>\n<c>");
        assert_eq!(texts[0].2, "\nb\t811218-9876");
        assert_eq!(
            r.map_err(|e| e.to_string()),
            Err("corrupt XML: element not closed before the end at line 3".into())
        );
    }

    #[test]
    fn deep_xml_is_damage() {
        let src = "<a>x".repeat(crate::extract::office::MAX_DEPTH as usize + 1);
        let (texts, r) = xml(src.as_bytes());
        assert!(texts[0].2.starts_with("a\tx\ta\tx"));
        assert_eq!(r.map_err(|e| e.to_string()), Err("corrupt XML: elements nested too deeply at line 1".into()));
    }

    #[test]
    fn xml_damage_never_panics_and_keeps_lines() {
        let src = PEOPLE.as_bytes();
        for cut in 0..src.len() {
            check_xml(&src[..cut]);
        }
        for i in 0..src.len() * 8 {
            let mut b = src.to_vec();
            b[i / 8] ^= 1 << (i % 8);
            check_xml(&b);
        }
    }

    fn check_xml(src: &[u8]) {
        let decoded = decode(src, xml_encoding);
        let (out, _) = xml_text(&decoded);
        assert!(out.matches('\n').count() <= decoded.matches('\n').count());
    }
}
