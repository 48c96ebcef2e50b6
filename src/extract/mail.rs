//! E-mail: `.eml` (RFC 5322 / MIME) and `.mbox` with mail-parser, Outlook
//! `.msg` read from its compound file with cfb.
//!
//! **Read.** EML: the address headers (From, To, Cc, Bcc, Reply-To, Sender,
//! Return-Path, Delivered-To, X-Original-To, Resent-*), Subject, every
//! `Received` and any other header whose value holds an `@`, decoded
//! (encoded-words, charsets), one [`Location::Header`] each in message order;
//! every body part as decoded text, one [`Location::Body`] each (see
//! [`extract_eml`] for which parts count as bodies); attachments and nested
//! messages as members with their decoded bytes, which the dispatcher reads
//! by content. MBOX: every message as a member `message-N.eml`. MSG: sender,
//! recipients, subject, transport headers, the body (plain text, else HTML,
//! else RTF, as text), attachments and embedded messages as members.
//!
//! **Not read.** Headers without an `@` other than Subject (Date, ...);
//! message identifiers (Message-ID, In-Reply-To, References, Content-ID,
//! Resent-Message-ID: machine ids that look like e-mail addresses); the HTML
//! version of a part that has a plain-text alternative; MIME preambles and
//! epilogues; uuencoded content (passed on as text); encrypted or signed
//! content beyond what is in clear (S/MIME, PGP and TNEF `winmail.dat` parts
//! go to the dispatcher as opaque members); multi-byte charsets (Shift_JIS,
//! EUC-KR, GBK, Big5...) unless mail-parser's `full_encoding` feature is on,
//! else they decode lossily (ASCII such as digits and addresses survives);
//! MSG properties other than those listed, and attachments stored by
//! reference (reported as skipped members).

use std::borrow::Cow;
use std::io::{Cursor, Read, Write};

use encoding_rs::Encoding;
use mail_parser::decoders::base64::base64_decode;
use mail_parser::decoders::quoted_printable::quoted_printable_decode;
use mail_parser::parsers::MessageStream;
use mail_parser::{Addr, Address, Header, HeaderName, HeaderValue, Message, MessageParser, MimeHeaders, PartType};

use crate::error::ExtractError;
use crate::extract::Sink;
use crate::model::{FileStatus, Location};

/// Format name in errors about `.eml` and `.mbox` files.
const EML: &str = "e-mail";
/// Format name in errors about `.msg` files.
const MSG: &str = "Outlook message";
/// Messages read from one mbox; the sink's member limit usually stops
/// earlier.
const MAX_MBOX_MESSAGES: usize = 1_000_000;
/// Longest member name kept from an attachment's file name, in characters.
const MAX_NAME: usize = 255;

/// True when `head` starts like an RFC 5322 message: at least two well-known
/// header fields (`From:`, `Received:`, `MIME-Version:`, `Content-Type:`...)
/// among the header lines before the first blank line, and nothing that is
/// not a header line. An unterminated last line (where `head` was cut) is
/// not held against it.
pub fn looks_like_mail(head: &[u8]) -> bool {
    let mut known = 0;
    let mut strong = false;
    let mut lines = head.split(|&b| b == b'\n').take(40).peekable();
    while let Some(line) = lines.next() {
        let last = lines.peek().is_none();
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let Some(&first) = line.first() else { break };
        if first == b' ' || first == b'\t' {
            continue;
        }
        // RFC 5322: a field name is printable ASCII other than the colon.
        let name = match memchr::memchr(b':', line) {
            Some(colon) if colon > 0 && line[..colon].iter().all(u8::is_ascii_graphic) => {
                line[..colon].to_ascii_lowercase()
            }
            _ if last => break,
            _ => return false,
        };
        strong |= matches!(
            name.as_slice(),
            b"from" | b"to" | b"received" | b"mime-version" | b"message-id" | b"return-path" | b"delivered-to"
        );
        if matches!(
            name.as_slice(),
            b"from"
                | b"to"
                | b"cc"
                | b"bcc"
                | b"reply-to"
                | b"sender"
                | b"received"
                | b"mime-version"
                | b"message-id"
                | b"in-reply-to"
                | b"references"
                | b"subject"
                | b"date"
                | b"return-path"
                | b"delivered-to"
                | b"content-type"
                | b"content-transfer-encoding"
        ) {
            known += 1;
        }
    }
    // Two known fields, one of them only a message has: "Subject:" and
    // "Date:" on top of a note do not make it a mail.
    known >= 2 && strong
}

// ---------------------------------------------------------------------------
// EML
// ---------------------------------------------------------------------------

/// Extracts one RFC 5322 message.
///
/// Headers come first, in message order. Bodies are the parts mail-parser
/// lists as the message's text view, numbered 1.. in that order: every
/// inline `text/plain` part, and within a `multipart/alternative` the plain
/// version only, the HTML version (converted to text) standing in only when
/// there is no plain one. So the same content is not reported twice, the
/// HTML alternative of a plain part is not read. Empty bodies are skipped.
/// Attachments and nested `message/rfc822` parts follow as members, named by
/// their file name or `attachment-N` / `attached-message-N.eml` (N counts
/// the message's attachments from 1).
pub fn extract_eml(bytes: &[u8], sink: &mut dyn Sink) -> Result<(), ExtractError> {
    let bytes = skip_envelope_line(bytes);
    let Some(message) = MessageParser::default().parse(bytes) else {
        return Err(ExtractError::corrupt(EML, "no header fields"));
    };
    let result = push_headers(message.headers(), bytes, &mut Vec::new(), sink)
        .and_then(|()| push_bodies(&message, sink))
        .and_then(|()| push_attachments(&message, bytes, sink));
    drop_flat(message);
    result
}

/// Drops a parsed message without recursion. mail-parser nests a
/// `message/rfc822` part's message inside the part, and dropping 50 000
/// nested messages (1.6 MB of `Content-Type: message/rfc822` header blocks)
/// the ordinary way overflows the stack, which aborts the whole process.
fn drop_flat(message: Message<'_>) {
    let mut stack = vec![message];
    while let Some(mut message) = stack.pop() {
        for part in &mut message.parts {
            if matches!(part.body, PartType::Message(_))
                && let PartType::Message(inner) = std::mem::take(&mut part.body)
            {
                stack.push(inner);
            }
        }
    }
}

/// `bytes` without a leading mbox `From ` envelope line (a single message
/// saved from a mailbox), which is not a header field.
fn skip_envelope_line(bytes: &[u8]) -> &[u8] {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if !bytes.starts_with(b"From ") || bytes[4..].trim_ascii_start().starts_with(b":") {
        return bytes;
    }
    memchr::memchr(b'\n', bytes).map_or(&[], |i| &bytes[i + 1..])
}

/// Whether a header is reported.
#[derive(PartialEq)]
enum Wanted {
    /// Always (addresses, Subject, Received).
    Always,
    /// Only when its raw value holds an `@` or a digit: any header may
    /// carry an address, a number or a client IP (`X-Originating-IP`,
    /// `X-Personnummer`).
    IfAt,
    /// Never (message identifiers).
    Never,
}

fn wanted(name: &HeaderName<'_>) -> Wanted {
    use HeaderName as H;
    match name {
        H::From
        | H::To
        | H::Cc
        | H::Bcc
        | H::ReplyTo
        | H::Sender
        | H::ReturnPath
        | H::Subject
        | H::Received
        | H::ResentFrom
        | H::ResentTo
        | H::ResentCc
        | H::ResentBcc
        | H::ResentSender => Wanted::Always,
        H::MessageId
        | H::InReplyTo
        | H::References
        | H::ContentId
        | H::ResentMessageId
        | H::Date
        | H::ResentDate
        | H::MimeVersion
        | H::ContentType
        | H::ContentTransferEncoding
        | H::ContentDisposition => Wanted::Never,
        H::Other(n)
            if ["dkim-signature", "arc-seal", "arc-message-signature", "x-google-dkim-signature"]
                .iter()
                .any(|d| n.eq_ignore_ascii_case(d)) =>
        {
            Wanted::Never
        }
        H::Other(n) if n.eq_ignore_ascii_case("delivered-to") || n.eq_ignore_ascii_case("x-original-to") => {
            Wanted::Always
        }
        _ => Wanted::IfAt,
    }
}

/// Pushes the wanted headers of one header block. `raw` is the buffer the
/// headers' offsets point into. A (name, value) pair already in `seen` on
/// entry (pushed from another source) is not pushed again; pushed pairs are
/// added to it. Repeated fields of the block itself are all pushed.
fn push_headers(
    headers: &[Header<'_>],
    raw: &[u8],
    seen: &mut Vec<(String, String)>,
    sink: &mut dyn Sink,
) -> Result<(), ExtractError> {
    let prior = seen.len();
    for header in headers {
        let want = wanted(&header.name);
        if want == Wanted::Never {
            continue;
        }
        let value_raw = raw.get(header.offset_start as usize..header.offset_end as usize).unwrap_or_default();
        if want == Wanted::IfAt && !value_raw.iter().any(|b| *b == b'@' || b.is_ascii_digit()) {
            continue;
        }
        let text = match &header.value {
            HeaderValue::Address(address) => match render_address(address) {
                t if t.trim().is_empty() => unstructured(value_raw),
                t => t,
            },
            _ => unstructured(value_raw),
        };
        if text.trim().is_empty() {
            continue;
        }
        let name = written_name(raw, header);
        if seen[..prior].iter().any(|(n, v)| n.eq_ignore_ascii_case(&name) && *v == text) {
            continue;
        }
        sink.text(Location::Header { name: name.clone() }, "", &text)?;
        seen.push((name, text));
    }
    Ok(())
}

/// The header's name as the message writes it, or mail-parser's name for
/// it when that cannot be read back.
fn written_name(raw: &[u8], header: &Header<'_>) -> String {
    let field = raw.get(header.offset_field as usize..header.offset_start as usize).unwrap_or_default();
    let name = field.strip_suffix(b":").unwrap_or(field).trim_ascii();
    if !name.is_empty() && name.len() <= 100 && name.iter().all(|c| c.is_ascii_graphic() && *c != b':') {
        String::from_utf8_lossy(name).into_owned()
    } else {
        header.name.as_str().to_string()
    }
}

/// A header value unfolded, with encoded-words decoded.
fn unstructured(raw: &[u8]) -> String {
    let mut line = raw.to_vec();
    if line.last() != Some(&b'\n') {
        line.push(b'\n');
    }
    match MessageStream::new(&line).parse_unstructured() {
        HeaderValue::Text(text) => text.trim().to_string(),
        HeaderValue::TextList(list) => list.join(", "),
        _ => String::from_utf8_lossy(raw).split_whitespace().collect::<Vec<_>>().join(" "),
    }
}

/// Writes an address header as `Name <addr>, Name2 <addr2>`, and groups as
/// `Group: Name <addr>, addr2;`.
fn render_address(address: &Address<'_>) -> String {
    fn list(addrs: &[Addr<'_>]) -> String {
        addrs.iter().map(render_addr).filter(|a| !a.is_empty()).collect::<Vec<_>>().join(", ")
    }
    match address {
        Address::List(addrs) => list(addrs),
        Address::Group(groups) => groups
            .iter()
            .map(|g| match g.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
                Some(name) if g.addresses.is_empty() => format!("{name}:;"),
                Some(name) => format!("{name}: {};", list(&g.addresses)),
                None => list(&g.addresses),
            })
            .filter(|g| !g.is_empty())
            .collect::<Vec<_>>()
            .join(", "),
    }
}

fn render_addr(addr: &Addr<'_>) -> String {
    let name = addr.name.as_deref().map(str::trim).filter(|n| !n.is_empty());
    let address = addr.address.as_deref().map(str::trim).filter(|a| !a.is_empty());
    person(name.unwrap_or(""), address.unwrap_or(""))
}

/// `Name <addr>`, or whichever of the two is there.
fn person(name: &str, address: &str) -> String {
    match (name.trim(), address.trim()) {
        ("", a) => a.to_string(),
        (n, "") => n.to_string(),
        (n, a) if n == a => a.to_string(),
        (n, a) => format!("{n} <{a}>"),
    }
}

fn push_bodies(message: &Message<'_>, sink: &mut dyn Sink) -> Result<(), ExtractError> {
    let mut done = vec![false; message.parts.len()];
    let mut number = 0u32;
    for &id in &message.text_body {
        let Some(part) = message.parts.get(id as usize) else { continue };
        if std::mem::replace(&mut done[id as usize], true) {
            continue;
        }
        let text = match &part.body {
            PartType::Text(text) => Cow::Borrowed(text.as_ref()),
            PartType::Html(html) => Cow::Owned(html_to_text(html)),
            _ => continue,
        };
        if text.trim().is_empty() {
            continue;
        }
        number += 1;
        sink.text(Location::Body { body: number, line: 1 }, "", &text)?;
    }
    Ok(())
}

fn push_attachments(message: &Message<'_>, raw: &[u8], sink: &mut dyn Sink) -> Result<(), ExtractError> {
    for (index, &id) in message.attachments.iter().enumerate() {
        let Some(part) = message.parts.get(id as usize) else { continue };
        let n = index + 1;
        let given = part.attachment_name().map(clean_name).filter(|s| !s.is_empty());
        match &part.body {
            PartType::Message(nested) => {
                let name = given.unwrap_or_else(|| format!("attached-message-{n}.eml"));
                sink.member_bytes(&name, nested.raw_message())?;
            }
            PartType::Binary(bytes) | PartType::InlineBinary(bytes) => {
                let name = given.unwrap_or_else(|| default_name(part, n));
                sink.member_bytes(&name, bytes)?;
            }
            PartType::Text(_) | PartType::Html(_) => {
                let name = given.unwrap_or_else(|| default_name(part, n));
                sink.member_bytes(&name, &text_part_bytes(part, raw))?;
            }
            PartType::Multipart(_) => {}
        }
    }
    Ok(())
}

/// `attachment-N`, with an extension for the few text types whose reader
/// is chosen by extension.
fn default_name(part: &mail_parser::MessagePart<'_>, n: usize) -> String {
    let ext = match part.content_type().and_then(|ct| ct.subtype()).map(str::to_ascii_lowercase).as_deref() {
        Some("csv") => ".csv",
        Some("tab-separated-values") => ".tsv",
        Some("html") => ".html",
        Some("xml") => ".xml",
        _ => "",
    };
    format!("attachment-{n}{ext}")
}

/// The decoded bytes of a text part used as an attachment: the transfer
/// encoding undone but no charset conversion, so a binary file mislabelled
/// `text/plain` (mail-parser#125) and a Latin-1 CSV keep their bytes.
/// Without a transfer encoding, the charset-decoded text when a charset is
/// declared, else the raw bytes.
fn text_part_bytes<'a>(part: &'a mail_parser::MessagePart<'a>, raw: &'a [u8]) -> Cow<'a, [u8]> {
    use mail_parser::Encoding as E;
    let body = raw.get(part.offset_body as usize..part.offset_end as usize);
    let decoded = match (part.encoding, body) {
        (E::Base64, Some(body)) => base64_decode(body).map(Cow::Owned),
        (E::QuotedPrintable, Some(body)) => {
            quoted_printable_decode(body).map(|mut b| {
                // The slice may end with the line break that belongs to the
                // next boundary; the part's text does not.
                if !part.contents().ends_with(b"\n") {
                    trim_line_end(&mut b);
                }
                Cow::Owned(b)
            })
        }
        (E::None, Some(body)) if part.content_type().and_then(|ct| ct.attribute("charset")).is_none() => {
            let body = if part.contents().ends_with(b"\n") { body } else { strip_line_end(body) };
            Some(Cow::Borrowed(body))
        }
        _ => None,
    };
    decoded.unwrap_or(Cow::Borrowed(part.contents()))
}

fn trim_line_end(b: &mut Vec<u8>) {
    if b.last() == Some(&b'\n') {
        b.pop();
        if b.last() == Some(&b'\r') {
            b.pop();
        }
    }
}

fn strip_line_end(b: &[u8]) -> &[u8] {
    let b = b.strip_suffix(b"\n").unwrap_or(b);
    b.strip_suffix(b"\r").unwrap_or(b)
}

/// An attachment's file name made safe to show as a member name: control
/// characters replaced, length bounded.
fn clean_name(name: &str) -> String {
    name.trim().chars().take(MAX_NAME).map(|c| if c.is_control() { '_' } else { c }).collect()
}

/// HTML as plain text, in one linear pass (html2text is quadratic in the
/// nesting depth: 20 000 nested `<div>` take most of a minute, and a
/// renderer cannot be interrupted by the file timeout). Tags are dropped;
/// block tags (`p`, `div`, `br`, `tr`, `li`, headings...) end a line, table
/// cells are separated by tabs; `script` and `style` content and comments
/// are dropped; runs of white space collapse to one space outside `pre`;
/// entities are decoded (numeric, and the common named ones); `mailto:` and
/// `tel:` link targets are listed after the text, one per line, as they may
/// hold an address the text does not show.
fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len() / 2);
    let mut links: Vec<String> = Vec::new();
    let mut link_set = std::collections::HashSet::new();
    let mut rest = html;
    let mut skip_until: Option<&str> = None;
    let mut pre = 0usize;
    let mut space = false;
    while !rest.is_empty() {
        if let Some(close) = skip_until {
            match find_ascii_ci(rest, close) {
                Some(i) => {
                    rest = &rest[i..];
                    skip_until = None;
                }
                None => break,
            }
            continue;
        }
        let Some(lt) = rest.find('<') else {
            push_html_text(&mut out, rest, pre > 0, &mut space);
            break;
        };
        push_html_text(&mut out, &rest[..lt], pre > 0, &mut space);
        rest = &rest[lt..];
        // `<` not followed by a tag name, `/`, `!` or `?` is text ("a < b").
        if !rest[1..].starts_with(|c: char| c.is_ascii_alphabetic() || matches!(c, '/' | '!' | '?')) {
            push_html_text(&mut out, "<", pre > 0, &mut space);
            rest = &rest[1..];
            continue;
        }
        if rest.starts_with("<!--") {
            rest = rest.find("-->").map_or("", |i| &rest[i + 3..]);
            continue;
        }
        let (tag, after) = match tag_end(rest) {
            Some(gt) => (&rest[1..gt], &rest[gt + 1..]),
            None => (&rest[1..], ""),
        };
        rest = after;
        let closing = tag.starts_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .take(16)
            .map(|c| c.to_ascii_lowercase())
            .collect();
        match name.as_str() {
            "script" | "style" | "template" if !closing && !tag.ends_with('/') => {
                skip_until = Some(if name == "script" {
                    "</script"
                } else if name == "style" {
                    "</style"
                } else {
                    "</template"
                });
            }
            "pre" | "textarea" => {
                pre = if closing { pre.saturating_sub(1) } else { pre + 1 };
                new_line(&mut out, &mut space);
            }
            "br" => {
                trim_spaces(&mut out);
                out.push('\n');
                space = false;
            }
            "td" | "th" if !closing => {
                if !out.is_empty() && !out.ends_with(['\n', '\t']) {
                    out.push('\t');
                }
                space = false;
            }
            "p" | "div" | "tr" | "li" | "ul" | "ol" | "dl" | "dt" | "dd" | "table" | "tbody" | "thead" | "tfoot"
            | "caption" | "blockquote" | "hr" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "section" | "article"
            | "header" | "footer" | "nav" | "aside" | "main" | "address" | "center" | "form" | "fieldset"
            | "figure" | "figcaption" | "title" | "option" => new_line(&mut out, &mut space),
            "a" if !closing => {
                if let Some(href) = attribute(tag, "href") {
                    let href = decode_entities(href.trim()).into_owned();
                    let lower = href.to_ascii_lowercase();
                    if (lower.starts_with("mailto:") || lower.starts_with("tel:")) && link_set.insert(href.clone()) {
                        links.push(href);
                    }
                }
            }
            "img" => {
                if let Some(alt) = attribute(tag, "alt").filter(|a| !a.trim().is_empty()) {
                    push_html_text(&mut out, alt, false, &mut space);
                }
            }
            _ => {}
        }
    }
    let mut text = out.trim_end().to_string();
    for link in links {
        text.push('\n');
        text.push_str(&link);
    }
    text
}

/// Index of the `>` that ends the tag at the start of `s`, skipping quoted
/// attribute values (a quote opens one only right after `=`).
fn tag_end(s: &str) -> Option<usize> {
    let mut quote = None;
    let mut after_equals = false;
    for (i, c) in s.char_indices().skip(1) {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') if after_equals => quote = Some(c),
            (None, '>') => return Some(i),
            _ => {}
        }
        if !c.is_whitespace() {
            after_equals = quote.is_none() && c == '=';
        }
    }
    None
}

/// The value of attribute `name` in the inside of a tag.
fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let mut rest = tag;
    while let Some(i) = find_ascii_ci(rest, name) {
        let before = rest[..i].chars().next_back();
        let after = rest[i + name.len()..].trim_start();
        rest = &rest[i + name.len()..];
        if !before.is_some_and(char::is_whitespace) {
            continue;
        }
        let Some(value) = after.strip_prefix('=') else { continue };
        let value = value.trim_start();
        return Some(match value.chars().next() {
            Some(q @ ('"' | '\'')) => value[1..].split(q).next().unwrap_or(""),
            _ => value.split(|c: char| c.is_whitespace() || c == '>').next().unwrap_or(""),
        });
    }
    None
}

/// Byte index of the first ASCII-case-insensitive occurrence of `needle`
/// (ASCII) in `hay`.
fn find_ascii_ci(hay: &str, needle: &str) -> Option<usize> {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    let first = n.first()?;
    let mut from = 0;
    while let Some(i) = memchr::memchr2(first.to_ascii_lowercase(), first.to_ascii_uppercase(), &h[from..]) {
        let at = from + i;
        if h.get(at..at + n.len()).is_some_and(|w| w.eq_ignore_ascii_case(n)) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// Ends the current line unless it is already ended.
fn new_line(out: &mut String, space: &mut bool) {
    trim_spaces(out);
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    *space = false;
}

fn trim_spaces(out: &mut String) {
    while out.ends_with([' ', '\t']) {
        out.pop();
    }
}

/// Appends text between tags, entities decoded, white space collapsed
/// unless `pre`.
fn push_html_text(out: &mut String, text: &str, pre: bool, space: &mut bool) {
    let text = decode_entities(text);
    if pre {
        out.push_str(&text);
        return;
    }
    for c in text.chars() {
        if c.is_whitespace() && c != '\u{a0}' {
            *space = true;
        } else {
            if *space && !out.is_empty() && !out.ends_with(['\n', '\t', ' ']) {
                out.push(' ');
            }
            *space = false;
            out.push(if c == '\u{a0}' { ' ' } else { c });
        }
    }
}

/// Decodes `&amp;`, `&#229;`, `&#xE5;` and the common named entities; others
/// are left as written.
fn decode_entities(text: &str) -> Cow<'_, str> {
    if !text.contains('&') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let body_len = rest[1..].find(|c: char| !(c.is_ascii_alphanumeric() || c == '#')).map_or(rest.len() - 1, |i| i);
        let body = &rest[1..1 + body_len.min(32)];
        let decoded = if let Some(num) = body.strip_prefix('#') {
            let code = match num.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok(),
                None => num.parse().ok(),
            };
            code.map(|c| char::from_u32(c).unwrap_or('\u{FFFD}'))
        } else {
            named_entity(body)
        };
        match decoded {
            Some(c) if body_len <= 32 => {
                out.push(c);
                rest = &rest[1 + body_len..];
                rest = rest.strip_prefix(';').unwrap_or(rest);
            }
            _ => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// The named entities of HTML 4 Latin-1 and the common punctuation ones.
fn named_entity(name: &str) -> Option<char> {
    const LATIN1: [&str; 96] = [
        "nbsp", "iexcl", "cent", "pound", "curren", "yen", "brvbar", "sect", "uml", "copy", "ordf", "laquo", "not",
        "shy", "reg", "macr", "deg", "plusmn", "sup2", "sup3", "acute", "micro", "para", "middot", "cedil", "sup1",
        "ordm", "raquo", "frac14", "frac12", "frac34", "iquest", "Agrave", "Aacute", "Acirc", "Atilde", "Auml",
        "Aring", "AElig", "Ccedil", "Egrave", "Eacute", "Ecirc", "Euml", "Igrave", "Iacute", "Icirc", "Iuml", "ETH",
        "Ntilde", "Ograve", "Oacute", "Ocirc", "Otilde", "Ouml", "times", "Oslash", "Ugrave", "Uacute", "Ucirc",
        "Uuml", "Yacute", "THORN", "szlig", "agrave", "aacute", "acirc", "atilde", "auml", "aring", "aelig", "ccedil",
        "egrave", "eacute", "ecirc", "euml", "igrave", "iacute", "icirc", "iuml", "eth", "ntilde", "ograve", "oacute",
        "ocirc", "otilde", "ouml", "divide", "oslash", "ugrave", "uacute", "ucirc", "uuml", "yacute", "thorn", "yuml",
    ];
    if let Some(i) = LATIN1.iter().position(|n| *n == name) {
        return char::from_u32(0xA0 + i as u32);
    }
    Some(match name {
        "amp" | "AMP" => '&',
        "lt" | "LT" => '<',
        "gt" | "GT" => '>',
        "quot" | "QUOT" => '"',
        "apos" => '\'',
        "euro" => '€',
        "ndash" => '–',
        "mdash" => '—',
        "lsquo" => '‘',
        "rsquo" => '’',
        "sbquo" => '‚',
        "ldquo" => '“',
        "rdquo" => '”',
        "bdquo" => '„',
        "hellip" => '…',
        "bull" => '•',
        "trade" => '™',
        "ensp" | "emsp" | "thinsp" => ' ',
        _ => return None,
    })
}

// ---------------------------------------------------------------------------
// MBOX
// ---------------------------------------------------------------------------

/// Extracts every message of an mbox file, each as a member `message-N.eml`
/// (N from 1) read like an `.eml`, so every finding names its message.
///
/// A message starts after a `From ` line at the start of the file or after
/// a blank line, when the next line is a header field (so body text that
/// happens to start with "From " after a blank line does not split a
/// message). `>From ` lines are unescaped (mboxrd and mboxo: one `>` is
/// removed from `>From `, `>>From `...). The blank line before a separator
/// belongs to the separator.
pub fn extract_mbox(bytes: &[u8], sink: &mut dyn Sink) -> Result<(), ExtractError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut count = 0usize;
    let mut start: Option<usize> = None;
    let mut pos = 0usize;
    let mut after_blank = true;
    while pos < bytes.len() {
        let end = memchr::memchr(b'\n', &bytes[pos..]).map_or(bytes.len(), |i| pos + i + 1);
        let line = strip_line_end(&bytes[pos..end]);
        if after_blank && line.starts_with(b"From ") && (pos == 0 || next_is_header(&bytes[end..])) {
            match start {
                Some(s) => emit_mbox_message(&bytes[s..pos], &mut count, sink)?,
                None if pos > 0 => emit_mbox_message(&bytes[..pos], &mut count, sink)?,
                None => {}
            }
            start = Some(end);
        }
        after_blank = line.is_empty();
        pos = end;
    }
    emit_mbox_message(&bytes[start.unwrap_or(0)..], &mut count, sink)?;
    if count == 0 {
        return Err(ExtractError::corrupt("mbox", "no messages"));
    }
    Ok(())
}

/// True when `rest` starts with a header field line (`Name:`).
fn next_is_header(rest: &[u8]) -> bool {
    let line = &rest[..memchr::memchr(b'\n', rest).unwrap_or(rest.len())];
    match memchr::memchr(b':', line) {
        Some(colon) if colon > 0 => line[..colon].iter().all(|c| c.is_ascii_graphic()),
        _ => false,
    }
}

fn emit_mbox_message(raw: &[u8], count: &mut usize, sink: &mut dyn Sink) -> Result<(), ExtractError> {
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Ok(());
    }
    if *count >= MAX_MBOX_MESSAGES {
        return Err(ExtractError::Limit(format!("more than {MAX_MBOX_MESSAGES} messages in mbox")));
    }
    // The separator's blank line.
    let raw = strip_line_end(raw);
    *count += 1;
    let name = format!("message-{count}.eml");
    sink.member_bytes(&name, &unescape_from(raw))
}

/// Removes one `>` from lines that read `>From `, `>>From `...
fn unescape_from(raw: &[u8]) -> Cow<'_, [u8]> {
    fn escaped(line: &[u8]) -> bool {
        let n = line.iter().take_while(|&&c| c == b'>').count();
        n > 0 && line[n..].starts_with(b"From ")
    }
    if !raw.split(|&c| c == b'\n').any(escaped) {
        return Cow::Borrowed(raw);
    }
    let mut out = Vec::with_capacity(raw.len());
    for (i, line) in raw.split(|&c| c == b'\n').enumerate() {
        if i > 0 {
            out.push(b'\n');
        }
        out.extend_from_slice(if escaped(line) { &line[1..] } else { line });
    }
    Cow::Owned(out)
}

// ---------------------------------------------------------------------------
// MSG
// ---------------------------------------------------------------------------

/// Property type of UTF-16LE strings in `.msg` stream names.
const PT_UNICODE: u16 = 0x001F;
/// Property type of 8-bit strings (in the message code page).
const PT_STRING8: u16 = 0x001E;
/// Property type of binary values.
const PT_BINARY: u16 = 0x0102;
/// Property type of 32-bit integers (in `__properties_version1.0`).
const PT_LONG: u16 = 0x0003;

/// MAPI property ids read from a `.msg`.
mod prop {
    pub const SUBJECT: u16 = 0x0037;
    pub const SENT_REPRESENTING_NAME: u16 = 0x0042;
    pub const SENT_REPRESENTING_EMAIL: u16 = 0x0065;
    pub const TRANSPORT_HEADERS: u16 = 0x007D;
    pub const RECIPIENT_TYPE: u16 = 0x0C15;
    pub const SENDER_NAME: u16 = 0x0C1A;
    pub const SENDER_EMAIL: u16 = 0x0C1F;
    pub const DISPLAY_BCC: u16 = 0x0E02;
    pub const DISPLAY_CC: u16 = 0x0E03;
    pub const DISPLAY_TO: u16 = 0x0E04;
    pub const BODY: u16 = 0x1000;
    pub const RTF_COMPRESSED: u16 = 0x1009;
    pub const HTML: u16 = 0x1013;
    pub const DISPLAY_NAME: u16 = 0x3001;
    pub const EMAIL_ADDRESS: u16 = 0x3003;
    pub const ATTACH_DATA: u16 = 0x3701;
    pub const ATTACH_FILENAME: u16 = 0x3704;
    pub const ATTACH_METHOD: u16 = 0x3705;
    pub const ATTACH_LONG_FILENAME: u16 = 0x3707;
    pub const SMTP_ADDRESS: u16 = 0x39FE;
    pub const INTERNET_CPID: u16 = 0x3FDE;
    pub const MESSAGE_CODEPAGE: u16 = 0x3FFD;
    pub const SENDER_SMTP: u16 = 0x5D01;
    pub const SENT_REPRESENTING_SMTP: u16 = 0x5D02;
}

/// Extracts an Outlook `.msg` message (MS-OXMSG), read from its compound
/// file with cfb.
///
/// Headers: `From` (the represented sender, else the sender), `Sender` when
/// it differs, `To`/`Cc`/`Bcc` from the recipient table (else the display
/// lists), `Subject`, then the SMTP transport headers as stored, each field
/// chosen and decoded as for `.eml` (a field repeating a value already
/// pushed under the same name is skipped). Then the body as `body 1`: the
/// plain-text body, else the HTML body as text, else the RTF body as text.
/// Attachments follow as members with their file name (else
/// `attachment-N`); embedded messages as standalone `.msg` members
/// `attached-message-N.msg`; embedded OLE objects as compound files.
///
/// msg_parser is not used: it drops 8-bit string properties that are not
/// valid UTF-8 (non-Unicode `.msg` files with å, ä, ö lose subject, body and
/// names), returns the usual binary HTML body hex-encoded, cannot read
/// embedded messages (stored as storages, not bytes) and merges their
/// recipients and attachments into the outer message's.
pub fn extract_msg(bytes: &[u8], sink: &mut dyn Sink) -> Result<(), ExtractError> {
    let cfb = cfb::CompoundFile::open(Cursor::new(bytes)).map_err(|e| ExtractError::corrupt(MSG, e))?;
    let mut msg = MsgFile { cfb, limit: bytes.len() as u64, codepage: None, failed_reads: 0 };
    let root_longs = msg.longs("", true);
    let long = |longs: &[(u16, u32)], id: u16| longs.iter().find(|(i, _)| *i == id).map(|(_, v)| *v);
    msg.codepage = long(&root_longs, prop::MESSAGE_CODEPAGE).and_then(codepage_encoding);
    let internet_cp = long(&root_longs, prop::INTERNET_CPID).and_then(codepage_encoding);
    let mut seen = msg_headers(&mut msg, sink)?;
    if let Some(transport) = msg.string("", prop::TRANSPORT_HEADERS)
        && let Some(parsed) = MessageParser::default().parse_headers(transport.as_bytes())
    {
        push_headers(parsed.headers(), transport.as_bytes(), &mut seen, sink)?;
    }
    let mut pushed = seen.len();

    if let Some(body) = msg_body(&mut msg, internet_cp) {
        pushed += 1;
        sink.text(Location::Body { body: 1, line: 1 }, "", &body)?;
    }

    let attachments = msg.children("__attach_version1.0_#");
    for (index, dir) in attachments.iter().enumerate() {
        pushed += 1;
        msg_attachment(&mut msg, dir, index + 1, sink)?;
    }
    // What was read is reported either way; an unreadable stream (a body
    // next to readable headers, say) must not leave the message "scanned".
    if msg.failed_reads > 0 {
        let what = if pushed == 0 {
            "property streams unreadable".to_string()
        } else {
            format!("{} property stream(s) unreadable", msg.failed_reads)
        };
        return Err(ExtractError::corrupt(MSG, what));
    }
    Ok(())
}

/// Pushes From, Sender, To, Cc, Bcc and Subject from the message's
/// properties; returns the (name, value) pairs pushed.
fn msg_headers(msg: &mut MsgFile<'_>, sink: &mut dyn Sink) -> Result<Vec<(String, String)>, ExtractError> {
    let mut fields: Vec<(&str, String)> = Vec::new();
    let from =
        msg.person("", prop::SENT_REPRESENTING_NAME, &[prop::SENT_REPRESENTING_SMTP, prop::SENT_REPRESENTING_EMAIL]);
    let sender = msg.person("", prop::SENDER_NAME, &[prop::SENDER_SMTP, prop::SENDER_EMAIL]);
    match (from.is_empty(), sender.is_empty()) {
        (false, false) if from != sender => {
            fields.push(("From", from));
            fields.push(("Sender", sender));
        }
        (false, _) => fields.push(("From", from)),
        (true, _) => fields.push(("From", sender)),
    }
    let mut lists: [Vec<String>; 3] = Default::default();
    for dir in msg.children("__recip_version1.0_#") {
        let kind = msg.longs(&dir, false).iter().find(|(id, _)| *id == prop::RECIPIENT_TYPE).map_or(1, |(_, v)| *v);
        let who = msg.person(&dir, prop::DISPLAY_NAME, &[prop::SMTP_ADDRESS, prop::EMAIL_ADDRESS]);
        if !who.is_empty() {
            // 1 To, 2 Cc, 3 Bcc; high bits are flags.
            lists[match kind & 0xFF {
                2 => 1,
                3 => 2,
                _ => 0,
            }]
            .push(who);
        }
    }
    let displays = [prop::DISPLAY_TO, prop::DISPLAY_CC, prop::DISPLAY_BCC];
    for ((name, list), display) in ["To", "Cc", "Bcc"].into_iter().zip(lists).zip(displays) {
        let value = if list.is_empty() { msg.string("", display).unwrap_or_default() } else { list.join(", ") };
        fields.push((name, value));
    }
    fields.push(("Subject", msg.string("", prop::SUBJECT).unwrap_or_default()));
    let mut pushed = Vec::new();
    for (name, value) in fields {
        if !value.trim().is_empty() {
            sink.text(Location::Header { name: name.to_string() }, "", &value)?;
            pushed.push((name.to_string(), value));
        }
    }
    Ok(pushed)
}

/// The body as text: plain, else HTML converted, else RTF converted.
fn msg_body(msg: &mut MsgFile<'_>, internet_cp: Option<&'static Encoding>) -> Option<String> {
    if let Some(body) = msg.string("", prop::BODY).filter(|b| !b.trim().is_empty()) {
        return Some(body);
    }
    let html = match msg.binary("", prop::HTML) {
        Some(bytes) => Some(decode_html_bytes(&bytes, internet_cp)),
        None => msg.string("", prop::HTML),
    };
    if let Some(html) = html.filter(|h| !h.trim().is_empty()) {
        return Some(html_to_text(&html));
    }
    let rtf = decompress_rtf(&msg.binary("", prop::RTF_COMPRESSED)?)?;
    Some(rtf_to_text(&rtf, msg.codepage.unwrap_or(encoding_rs::WINDOWS_1252))).filter(|t| !t.trim().is_empty())
}

fn decode_html_bytes(bytes: &[u8], cp: Option<&'static Encoding>) -> String {
    let enc = match cp {
        Some(enc) => enc,
        None if std::str::from_utf8(bytes).is_ok() => encoding_rs::UTF_8,
        None => encoding_rs::WINDOWS_1252,
    };
    let (text, _, _) = enc.decode(bytes);
    text.trim_end_matches('\0').to_string()
}

fn msg_attachment(msg: &mut MsgFile<'_>, dir: &str, n: usize, sink: &mut dyn Sink) -> Result<(), ExtractError> {
    let method = msg.longs(dir, false).iter().find(|(id, _)| *id == prop::ATTACH_METHOD).map_or(1, |(_, v)| *v);
    let given = [prop::ATTACH_LONG_FILENAME, prop::ATTACH_FILENAME, prop::DISPLAY_NAME]
        .into_iter()
        .find_map(|id| msg.string(dir, id).map(|s| clean_name(&s)).filter(|s| !s.is_empty()));
    if let Some(data) = msg.binary(dir, prop::ATTACH_DATA) {
        let name = given.unwrap_or_else(|| format!("attachment-{n}"));
        return sink.member_bytes(&name, &data);
    }
    let object = format!("{dir}/__substg1.0_{:04X}000D", prop::ATTACH_DATA);
    if msg.cfb.is_storage(&object) {
        // 5: an embedded message; else an OLE object (a Word or Excel file
        // in its own compound file).
        let embedded = method == 5;
        let name = match (embedded, given) {
            (true, _) => format!("attached-message-{n}.msg"),
            (false, Some(name)) => name,
            (false, None) => format!("attachment-{n}"),
        };
        return match msg.copy_storage(&object, embedded) {
            Ok(bytes) => sink.member_bytes(&name, &bytes),
            Err(e) => {
                sink.member_status(&name, FileStatus::Failed(ExtractError::corrupt(MSG, e).to_string()));
                Ok(())
            }
        };
    }
    let name = given.unwrap_or_else(|| format!("attachment-{n}"));
    let why = match method {
        2..=4 | 7 => "attachment stored by reference, not in the message",
        _ => "attachment without stored data",
    };
    sink.member_status(&name, FileStatus::Skipped(why.to_string()));
    Ok(())
}

/// An open `.msg` and what is needed to decode its properties.
struct MsgFile<'a> {
    cfb: cfb::CompoundFile<Cursor<&'a [u8]>>,
    /// Most bytes read from one stream (the file's size: a stream cannot be
    /// longer unless its sectors repeat).
    limit: u64,
    /// Code page of 8-bit string properties; Windows-1252 when unknown.
    codepage: Option<&'static Encoding>,
    /// Streams that exist but could not be read.
    failed_reads: usize,
}

impl MsgFile<'_> {
    fn read(&mut self, path: &str) -> Option<Vec<u8>> {
        if !self.cfb.is_stream(path) {
            return None;
        }
        let mut buf = Vec::new();
        let read = self.cfb.open_stream(path).and_then(|s| s.take(self.limit).read_to_end(&mut buf));
        if read.is_err() {
            self.failed_reads += 1;
            return None;
        }
        Some(buf)
    }

    fn stream(&mut self, dir: &str, id: u16, kind: u16) -> Option<Vec<u8>> {
        self.read(&format!("{dir}/__substg1.0_{id:04X}{kind:04X}"))
    }

    /// A string property in `dir` (`""` for the message itself), as UTF-16
    /// or 8-bit in the message code page; trailing NULs dropped.
    fn string(&mut self, dir: &str, id: u16) -> Option<String> {
        let text = if let Some(b) = self.stream(dir, id, PT_UNICODE) {
            let units: Vec<u16> = b.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
            String::from_utf16_lossy(&units)
        } else {
            let b = self.stream(dir, id, PT_STRING8)?;
            let (text, _, _) = self.codepage.unwrap_or(encoding_rs::WINDOWS_1252).decode(&b);
            text.into_owned()
        };
        Some(text.trim_end_matches('\0').to_string())
    }

    fn binary(&mut self, dir: &str, id: u16) -> Option<Vec<u8>> {
        self.stream(dir, id, PT_BINARY)
    }

    /// `Name <address>` from a name property and the first address property
    /// that is set.
    fn person(&mut self, dir: &str, name: u16, addresses: &[u16]) -> String {
        let name = self.string(dir, name).unwrap_or_default();
        let address =
            addresses.iter().find_map(|&id| self.string(dir, id).filter(|a| !a.trim().is_empty())).unwrap_or_default();
        person(&name, &address)
    }

    /// The 32-bit integer properties of `__properties_version1.0` in `dir`:
    /// a 32-byte header for the message (24 in an embedded message not yet
    /// made standalone), 8 for recipients and attachments, then 16-byte
    /// entries (tag, flags, value).
    fn longs(&mut self, dir: &str, message: bool) -> Vec<(u16, u32)> {
        let Some(data) = self.read(&format!("{dir}/__properties_version1.0")) else { return Vec::new() };
        let header = match (message, data.len() % 16) {
            (true, 8) => 24,
            (true, _) => 32,
            (false, _) => 8,
        };
        data.get(header..)
            .unwrap_or_default()
            .chunks_exact(16)
            .filter_map(|e| {
                let kind = u16::from_le_bytes([e[0], e[1]]);
                let id = u16::from_le_bytes([e[2], e[3]]);
                (kind == PT_LONG).then(|| (id, u32::from_le_bytes([e[8], e[9], e[10], e[11]])))
            })
            .collect()
    }

    /// Paths of the root's storages whose names start with `prefix`, in
    /// name order (recipients and attachments are numbered `#00000000`...).
    fn children(&self, prefix: &str) -> Vec<String> {
        let mut dirs: Vec<String> = self
            .cfb
            .read_root_storage()
            .filter(|e| e.is_storage() && e.name().starts_with(prefix))
            .map(|e| format!("/{}", e.name()))
            .collect();
        dirs.sort();
        dirs
    }

    /// The storage at `path` as a compound file of its own. For an embedded
    /// message (`message`), its property stream gets the 32-byte header of a
    /// top-level message and the named-property map is copied from the
    /// outer message, so the result is a standalone `.msg`.
    fn copy_storage(&mut self, path: &str, message: bool) -> std::io::Result<Vec<u8>> {
        let entries: Vec<(String, bool)> = self
            .cfb
            .walk_storage(path)?
            .filter(|e| e.path().to_str().is_some_and(|p| p != path))
            .map(|e| (e.path().to_string_lossy().into_owned(), e.is_stream()))
            .collect();
        let mut out = cfb::CompoundFile::create_with_version(cfb::Version::V3, Cursor::new(Vec::new()))?;
        // A hostile file can point many streams at the same sectors; bound
        // the copy by a multiple of the input.
        let mut budget = self.limit.saturating_mul(4);
        let mut copy = |out: &mut cfb::CompoundFile<Cursor<Vec<u8>>>, dest: &str, data: &[u8]| {
            budget = budget.checked_sub(data.len() as u64).ok_or_else(|| std::io::Error::other("copy too large"))?;
            out.create_stream(dest)?.write_all(data)
        };
        for (src, is_stream) in entries {
            let Some(rel) = src.strip_prefix(path) else { continue };
            if !is_stream {
                out.create_storage(rel)?;
                continue;
            }
            let mut data = Vec::new();
            self.cfb.open_stream(&src)?.take(self.limit).read_to_end(&mut data)?;
            if message && rel == "/__properties_version1.0" && data.len() >= 24 && data.len() % 16 == 8 {
                let tail = data.split_off(24);
                data.extend_from_slice(&[0u8; 8]);
                data.extend_from_slice(&tail);
            }
            copy(&mut out, rel, &data)?;
        }
        if message && self.cfb.is_storage("/__nameid_version1.0") && !out.exists("/__nameid_version1.0") {
            out.create_storage("/__nameid_version1.0")?;
            let names: Vec<String> = self
                .cfb
                .read_storage("/__nameid_version1.0")?
                .filter(|e| e.is_stream())
                .map(|e| e.name().to_string())
                .collect();
            for name in names {
                let mut data = Vec::new();
                self.cfb
                    .open_stream(format!("/__nameid_version1.0/{name}"))?
                    .take(self.limit)
                    .read_to_end(&mut data)?;
                copy(&mut out, &format!("/__nameid_version1.0/{name}"), &data)?;
            }
        }
        out.flush()?;
        Ok(out.into_inner().into_inner())
    }
}

/// The encoding of a Windows code page number, for those Outlook uses.
fn codepage_encoding(cp: u32) -> Option<&'static Encoding> {
    use encoding_rs::*;
    Some(match cp {
        65001 => UTF_8,
        1200 => UTF_16LE,
        1201 => UTF_16BE,
        1250 => WINDOWS_1250,
        1251 => WINDOWS_1251,
        1252 | 20127 | 28591 => WINDOWS_1252,
        1253 => WINDOWS_1253,
        1254 | 28599 => WINDOWS_1254,
        1255 => WINDOWS_1255,
        1256 => WINDOWS_1256,
        1257 => WINDOWS_1257,
        1258 => WINDOWS_1258,
        874 => WINDOWS_874,
        866 => IBM866,
        932 => SHIFT_JIS,
        936 => GBK,
        54936 => GB18030,
        949 => EUC_KR,
        950 => BIG5,
        28592 => ISO_8859_2,
        28593 => ISO_8859_3,
        28594 => ISO_8859_4,
        28595 => ISO_8859_5,
        28596 => ISO_8859_6,
        28597 => ISO_8859_7,
        28598 => ISO_8859_8,
        28603 => ISO_8859_13,
        28605 => ISO_8859_15,
        20866 => KOI8_R,
        21866 => KOI8_U,
        50220..=50222 => ISO_2022_JP,
        51932 => EUC_JP,
        10000 => MACINTOSH,
        _ => return None,
    })
}

// ---------------------------------------------------------------------------
// RTF (the body of a .msg that has neither plain text nor HTML)
// ---------------------------------------------------------------------------

/// The dictionary an LZFu-compressed RTF stream starts from (MS-OXRTFCP
/// 2.1.2.1).
const RTF_DICT: &[u8] = b"{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss \\fmodern \\fscript \\fdecor MS Sans SerifSymbolArialTimes New RomanCourier{\\colortbl\\red0\\green0\\blue0\r\n\\par \\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx";
const _: () = assert!(RTF_DICT.len() == 207);

/// Decompresses `PidTagRtfCompressed` (MS-OXRTFCP): `LZFu` compressed or
/// `MELA` stored. `None` when the header is not one of those.
fn decompress_rtf(data: &[u8]) -> Option<Vec<u8>> {
    let word = |at: usize| data.get(at..at + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize);
    let (comp_size, raw_size, magic) = (word(0)?, word(4)?, word(8)?);
    // comp_size counts from byte 4; the body starts at 16.
    let body = data.get(16..comp_size.saturating_add(4).min(data.len())).unwrap_or_default();
    match magic {
        0x414C_454D => return Some(body[..raw_size.min(body.len())].to_vec()),
        0x7546_5A4C => {}
        _ => return None,
    }
    let mut dict = [0u8; 4096];
    dict[..RTF_DICT.len()].copy_from_slice(RTF_DICT);
    let mut at = RTF_DICT.len();
    // Each body byte yields at most 17 / 2 output bytes.
    let mut out = Vec::with_capacity(raw_size.min(body.len().saturating_mul(9)));
    let mut i = 0;
    'body: while let Some(&control) = body.get(i) {
        i += 1;
        for bit in 0..8 {
            if out.len() >= raw_size {
                break 'body;
            }
            if control & (1 << bit) == 0 {
                let Some(&b) = body.get(i) else { break 'body };
                i += 1;
                out.push(b);
                dict[at] = b;
                at = (at + 1) % 4096;
            } else {
                let Some(&[hi, lo]) = body.get(i..i + 2).and_then(|s| <&[u8; 2]>::try_from(s).ok()) else {
                    break 'body;
                };
                i += 2;
                let reference = u16::from_be_bytes([hi, lo]) as usize;
                let (offset, len) = (reference >> 4, (reference & 0xF) + 2);
                if offset == at {
                    break 'body;
                }
                for k in 0..len {
                    let b = dict[(offset + k) % 4096];
                    out.push(b);
                    dict[at] = b;
                    at = (at + 1) % 4096;
                }
            }
        }
    }
    out.truncate(raw_size);
    Some(out)
}

/// Destinations whose content is not text.
const RTF_SKIP: &[&str] = &[
    "fonttbl",
    "colortbl",
    "stylesheet",
    "info",
    "pict",
    "object",
    "listtable",
    "listoverridetable",
    "rsidtbl",
    "generator",
    "xmlnstbl",
    "themedata",
    "colorschememapping",
    "latentstyles",
    "datastore",
    "filetbl",
    "revtbl",
];

/// The text of an RTF document: control words and non-text destinations
/// dropped (`{\*...}` too, which includes the HTML tags of RTF that
/// encapsulates HTML), `\par`, `\line`, `\row` as line breaks, `\tab`,
/// `\cell` as tabs, `\'hh` in the document's code page, `\uN` as Unicode.
fn rtf_to_text(rtf: &[u8], default_cp: &'static Encoding) -> String {
    /// Group nesting kept track of; deeper groups inherit the state.
    const MAX_DEPTH: usize = 1000;
    #[derive(Clone, Copy)]
    struct State {
        skip: bool,
        uc: usize,
    }
    let mut out = String::new();
    let mut pending: Vec<u8> = Vec::new();
    let mut enc = default_cp;
    let mut state = State { skip: false, uc: 1 };
    let mut stack: Vec<State> = Vec::new();
    let mut overflow = 0usize;
    let mut to_skip = 0usize;
    let mut i = 0;
    let flush = |pending: &mut Vec<u8>, out: &mut String, enc: &'static Encoding| {
        if !pending.is_empty() {
            out.push_str(&enc.decode_without_bom_handling(pending).0);
            pending.clear();
        }
    };
    while let Some(&c) = rtf.get(i) {
        i += 1;
        match c {
            b'{' => {
                if stack.len() < MAX_DEPTH {
                    stack.push(state);
                } else {
                    overflow += 1;
                }
            }
            b'}' => {
                if overflow > 0 {
                    overflow -= 1;
                } else if let Some(s) = stack.pop() {
                    state = s;
                }
            }
            b'\r' | b'\n' => {}
            b'\\' => {
                let Some(&next) = rtf.get(i) else { break };
                if next.is_ascii_alphabetic() {
                    let start = i;
                    while rtf.get(i).is_some_and(u8::is_ascii_alphabetic) && i - start < 32 {
                        i += 1;
                    }
                    let word = std::str::from_utf8(&rtf[start..i]).unwrap_or("");
                    let num_start = i;
                    if rtf.get(i) == Some(&b'-') {
                        i += 1;
                    }
                    while rtf.get(i).is_some_and(u8::is_ascii_digit) && i - num_start < 10 {
                        i += 1;
                    }
                    let param: Option<i64> = std::str::from_utf8(&rtf[num_start..i]).ok().and_then(|s| s.parse().ok());
                    if rtf.get(i) == Some(&b' ') {
                        i += 1;
                    }
                    if word == "bin" {
                        i = i.saturating_add(param.unwrap_or(0).max(0) as usize);
                        continue;
                    }
                    if RTF_SKIP.contains(&word) {
                        state.skip = true;
                        continue;
                    }
                    if word == "ansicpg" {
                        if let Some(e) = param.and_then(|p| u32::try_from(p).ok()).and_then(codepage_encoding) {
                            enc = e;
                        }
                        continue;
                    }
                    if word == "uc" {
                        state.uc = param.unwrap_or(1).clamp(0, 10) as usize;
                        continue;
                    }
                    if state.skip {
                        continue;
                    }
                    let text = match word {
                        "par" | "line" | "row" | "sect" | "page" => "\n",
                        "tab" | "cell" => "\t",
                        "emdash" => "\u{2014}",
                        "endash" => "\u{2013}",
                        "lquote" => "\u{2018}",
                        "rquote" => "\u{2019}",
                        "ldblquote" => "\u{201C}",
                        "rdblquote" => "\u{201D}",
                        "bullet" => "\u{2022}",
                        "u" if param.is_some() => {
                            flush(&mut pending, &mut out, enc);
                            let code = param.unwrap_or(0);
                            let code = if code < 0 { code + 65536 } else { code };
                            out.push(u32::try_from(code).ok().and_then(char::from_u32).unwrap_or('\u{FFFD}'));
                            to_skip = state.uc;
                            continue;
                        }
                        _ => continue,
                    };
                    flush(&mut pending, &mut out, enc);
                    out.push_str(text);
                    to_skip = 0;
                } else {
                    i += 1;
                    match next {
                        b'\'' => {
                            let hex = rtf.get(i..i + 2).and_then(|h| std::str::from_utf8(h).ok());
                            let byte = hex.and_then(|h| u8::from_str_radix(h, 16).ok());
                            i += 2;
                            if let Some(byte) = byte
                                && !state.skip
                            {
                                if to_skip > 0 {
                                    to_skip -= 1;
                                } else {
                                    pending.push(byte);
                                }
                            }
                        }
                        b'*' => state.skip = true,
                        b'\\' | b'{' | b'}' if !state.skip => {
                            flush(&mut pending, &mut out, enc);
                            out.push(next as char);
                        }
                        b'~' if !state.skip => {
                            flush(&mut pending, &mut out, enc);
                            out.push(' ');
                        }
                        b'_' if !state.skip => {
                            flush(&mut pending, &mut out, enc);
                            out.push('-');
                        }
                        b'\r' | b'\n' if !state.skip => {
                            flush(&mut pending, &mut out, enc);
                            out.push('\n');
                        }
                        _ => {}
                    }
                }
            }
            _ if state.skip => {}
            _ if to_skip > 0 => to_skip -= 1,
            _ => pending.push(c),
        }
    }
    flush(&mut pending, &mut out, enc);
    out
}

#[cfg(test)]
mod tests {
    use std::io::{Cursor, Write};
    use std::path::Path;

    use super::*;
    use crate::extract::testutil::{Collect, Event};

    /// An expected text event with an empty label.
    fn t(at: &str, text: &str) -> (String, String, String) {
        (at.to_string(), String::new(), text.to_string())
    }

    fn members(c: &Collect) -> Vec<(String, Vec<u8>)> {
        c.events
            .iter()
            .filter_map(|e| match e {
                Event::Member(name, bytes) => Some((name.clone(), bytes.clone())),
                _ => None,
            })
            .collect()
    }

    fn run(f: fn(&[u8], &mut dyn Sink) -> Result<(), ExtractError>, bytes: &[u8]) -> Collect {
        let mut c = Collect::default();
        f(bytes, &mut c).expect("extracts");
        c
    }

    /// Lines joined with CRLF, as mail travels.
    fn crlf(lines: &[&str]) -> Vec<u8> {
        let mut s = lines.join("\r\n");
        s.push_str("\r\n");
        s.into_bytes()
    }

    const LATIN1_QP: &[&str] = &[
        "Return-Path: <asa@exempel.se>",
        "Received: from mail.exempel.se (mail.exempel.se [192.0.2.10])",
        "\tby mx.mottagare.dk with ESMTPS id 4711",
        "\tfor <jens@mottagare.dk>; Mon, 3 Mar 2025 10:00:00 +0100",
        "Received: from [10.1.2.3] by mail.exempel.se; Mon, 3 Mar 2025 09:59:58 +0100",
        "From: =?ISO-8859-1?Q?=C5sa_=D6berg?= <asa@exempel.se>",
        "To: Jens Hansen <jens@mottagare.dk>, \"Lund, Per\" <per.lund@exempel.se>",
        "Subject: =?UTF-8?B?UGVyc29ubnVtbWVyIGbDtnIgw4VzYQ==?=",
        "Message-ID: <20250303.4711@exempel.se>",
        "Date: Mon, 3 Mar 2025 10:00:00 +0100",
        "X-Original-To: jens@mottagare.dk",
        "X-Mailer: Brevduvan 1.0",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=ISO-8859-1",
        "Content-Transfer-Encoding: quoted-printable",
        "",
        "Hej Jens!",
        "Mitt personnummer =E4r 19850101-1234 och jag bor p=E5 =D6stra g=E5rden.=",
        " Ring 070-123 45 67.",
    ];

    #[test]
    fn latin1_quoted_printable_with_encoded_words() {
        let c = run(extract_eml, &crlf(LATIN1_QP));
        assert_eq!(
            c.texts(),
            vec![
                t("header Return-Path", "<asa@exempel.se>"),
                t(
                    "header Received",
                    "from mail.exempel.se (mail.exempel.se [192.0.2.10]) by mx.mottagare.dk with ESMTPS id 4711 \
                     for <jens@mottagare.dk>; Mon, 3 Mar 2025 10:00:00 +0100"
                ),
                t("header Received", "from [10.1.2.3] by mail.exempel.se; Mon, 3 Mar 2025 09:59:58 +0100"),
                t("header From", "Åsa Öberg <asa@exempel.se>"),
                t("header To", "Jens Hansen <jens@mottagare.dk>, Lund, Per <per.lund@exempel.se>"),
                t("header Subject", "Personnummer för Åsa"),
                t("header X-Original-To", "jens@mottagare.dk"),
                t("header X-Mailer", "Brevduvan 1.0"),
                t(
                    "body 1, line 1",
                    "Hej Jens!\r\nMitt personnummer är 19850101-1234 och jag bor på Östra gården. Ring 070-123 45 67.\r\n"
                ),
            ]
        );
        assert!(members(&c).is_empty());
    }

    const MIXED: &[&str] = &[
        "From: Per Lund <per.lund@exempel.se>",
        "To: kund@exempel.dk",
        "Subject: Kundlista",
        "MIME-Version: 1.0",
        "Content-Type: multipart/mixed; boundary=\"yttre\"",
        "",
        "--yttre",
        "Content-Type: multipart/alternative; boundary=\"alt\"",
        "",
        "--alt",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: base64",
        "",
        "SGVqIQpDUFIgMDEwMTkwLTEyMzQgZ8OkbGxlciBTw7hyZW4uCg==",
        "--alt",
        "Content-Type: text/html; charset=utf-8",
        "",
        "<p>Hej!</p><p>CPR 010190-1234 g\u{e4}ller S\u{f8}ren.</p>",
        "--alt--",
        "",
        "--yttre",
        "Content-Type: text/csv; charset=iso-8859-1",
        "Content-Disposition: attachment; filename*=UTF-8''%C3%85rsrapport%202024.csv",
        "Content-Transfer-Encoding: base64",
        "",
        "bmFtbjtwZXJzb25udW1tZXINCsVzYTsxOTg1MDEwMS0xMjM0DQo=",
        "--yttre",
        "Content-Type: text/plain; name=\"bild.png\"",
        "Content-Disposition: attachment; filename=\"bild.png\"",
        "Content-Transfer-Encoding: base64",
        "",
        "iVBORw0KGgoA//4=",
        "--yttre",
        "Content-Type: message/rfc822",
        "",
        "From: Jens Hansen <jens@mottagare.dk>",
        "To: per.lund@exempel.se",
        "Subject: Svar",
        "",
        "Tak!",
        "--yttre--",
    ];

    #[test]
    fn multipart_with_alternative_attachments_and_nested_message() {
        let c = run(extract_eml, &crlf(MIXED));
        assert_eq!(
            c.texts(),
            vec![
                t("header From", "Per Lund <per.lund@exempel.se>"),
                t("header To", "kund@exempel.dk"),
                t("header Subject", "Kundlista"),
                t("body 1, line 1", "Hej!\nCPR 010190-1234 gäller Søren.\n"),
            ]
        );
        // The line break before a boundary belongs to the boundary.
        let mut nested =
            crlf(&["From: Jens Hansen <jens@mottagare.dk>", "To: per.lund@exempel.se", "Subject: Svar", "", "Tak!"]);
        nested.truncate(nested.len() - 2);
        assert_eq!(
            members(&c),
            vec![
                ("Årsrapport 2024.csv".to_string(), b"namn;personnummer\r\n\xC5sa;19850101-1234\r\n".to_vec()),
                ("bild.png".to_string(), b"\x89PNG\r\n\x1a\n\x00\xff\xfe".to_vec()),
                ("attached-message-3.eml".to_string(), nested),
            ]
        );
    }

    #[test]
    fn html_only_message_is_read_as_text() {
        let c = run(
            extract_eml,
            &crlf(&[
                "From: asa@exempel.se",
                "Subject: =?utf-8?q?Sch=C3=A9ma?=",
                "Content-Type: text/html; charset=utf-8",
                "",
                "<html><head><style>p { color: red }</style></head><body>",
                "<p>Hej <b>Åsa</b>,</p><table><tr><td>19850101-1234</td><td>070-123&nbsp;45&nbsp;67</td></tr></table>",
                "<p>Mejla <a href=\"mailto:asa@exempel.se\">mig</a> &amp; ring &#229;&#xE4;&ouml;.</p></body></html>",
            ]),
        );
        assert_eq!(
            c.texts(),
            vec![
                t("header From", "asa@exempel.se"),
                t("header Subject", "Schéma"),
                t(
                    "body 1, line 1",
                    "Hej Åsa,\n19850101-1234\t070-123 45 67\nMejla mig & ring åäö.\nmailto:asa@exempel.se"
                ),
            ]
        );
    }

    #[test]
    fn html_conversion_is_linear_and_keeps_tokens_apart() {
        // Deep nesting that makes html2text take minutes.
        let deep = "<div>".repeat(200_000) + "x" + &"</div>".repeat(200_000);
        assert_eq!(html_to_text(&deep), "x");
        assert_eq!(html_to_text("<td>850101</td><td>1234</td>"), "850101\t1234");
        assert_eq!(html_to_text("a<br>b<script>var x = '<p>';</script>c<!-- d -->e"), "a\nbce");
        assert_eq!(html_to_text("<pre>  1\n  2</pre>x &unknown; &#99999999; &"), "  1\n  2\nx &unknown; \u{FFFD} &");
        assert_eq!(
            html_to_text("<a href='tel:+46701234567' title=\"a>b\">ring</a> <img alt=\"Åsa\">"),
            "ring Åsa\ntel:+46701234567"
        );
        assert_eq!(html_to_text("<p>unterminated <b"), "unterminated");
        assert_eq!(html_to_text("1 < 2 <p class=don't>&lt;3</p>"), "1 < 2\n<3");
    }

    #[test]
    fn attachment_names_and_bytes() {
        let c = run(
            extract_eml,
            &crlf(&[
                "From: a@exempel.se",
                "Content-Type: multipart/mixed; boundary=b",
                "",
                "--b",
                "Content-Type: text/plain",
                "",
                "Se bilagor.",
                "--b",
                "Content-Type: text/plain; charset=iso-8859-1",
                "Content-Disposition: attachment; filename*=iso-8859-1''%D6versikt.txt",
                "Content-Transfer-Encoding: quoted-printable",
                "",
                "=D6rebro;19850101-1234",
                "--b",
                "Content-Type: text/csv",
                "Content-Disposition: attachment",
                "",
                "namn;cpr",
                "--b",
                "Content-Type: application/octet-stream; name=\"=?utf-8?q?l=C3=B6ner.xlsx?=\"",
                "Content-Transfer-Encoding: base64",
                "",
                "UEsDBA==",
                "--b--",
            ]),
        );
        assert_eq!(c.texts(), vec![t("header From", "a@exempel.se"), t("body 1, line 1", "Se bilagor.")]);
        assert_eq!(
            members(&c),
            vec![
                ("Översikt.txt".to_string(), b"\xD6rebro;19850101-1234".to_vec()),
                ("attachment-2.csv".to_string(), b"namn;cpr".to_vec()),
                ("löner.xlsx".to_string(), b"PK\x03\x04".to_vec()),
            ]
        );
    }

    #[test]
    fn headers_without_at_and_identifiers_are_not_read() {
        let c = run(
            extract_eml,
            &crlf(&[
                "Message-ID: <a.b@exempel.se>",
                "In-Reply-To: <c.d@exempel.se>",
                "Date: Mon, 3 Mar 2025 10:00:00 +0100",
                "From: Undisclosed recipients:;",
                "To: Kunder: asa@exempel.se, Per <per@exempel.se>;",
                "Delivered-To: jens@mottagare.dk",
                "X-Sender: =?utf-8?q?J=C3=B8rgen?= <jorgen@exempel.dk>",
                "X-Spam: no",
                "",
                "",
            ]),
        );
        assert_eq!(
            c.texts(),
            vec![
                t("header From", "Undisclosed recipients:;"),
                t("header To", "Kunder: asa@exempel.se, Per <per@exempel.se>;"),
                t("header Delivered-To", "jens@mottagare.dk"),
                t("header X-Sender", "Jørgen <jorgen@exempel.dk>"),
            ]
        );
    }

    #[test]
    fn unparseable_mail_is_an_error() {
        let mut c = Collect::default();
        assert!(matches!(extract_eml(b"", &mut c), Err(ExtractError::Corrupt { .. })));
        assert!(matches!(extract_mbox(b"\n\n", &mut c), Err(ExtractError::Corrupt { .. })));
        assert!(matches!(extract_msg(b"not a compound file", &mut c), Err(ExtractError::Corrupt { .. })));
        assert!(c.events.is_empty());
    }

    const MBOX: &str = "From asa@exempel.se Mon Mar  3 10:00:00 2025\n\
        From: asa@exempel.se\n\
        Subject: Ett\n\
        \n\
        Rad 1\n\
        >From Stockholm med k\u{e4}rlek\n\
        >>From here\n\
        From here on, no split (no blank line before).\n\
        \n\
        From the text after a blank line, no header next: no split\n\
        \n\
        From jens@mottagare.dk Mon Mar  3 11:00:00 2025\n\
        From: jens@mottagare.dk\n\
        Subject: Tv\u{e5}\n\
        \n\
        CPR 010190-1234\n";

    #[test]
    fn mbox_messages_are_members() {
        let c = run(extract_mbox, MBOX.as_bytes());
        let one = "From: asa@exempel.se\nSubject: Ett\n\nRad 1\nFrom Stockholm med k\u{e4}rlek\n>From here\n\
                   From here on, no split (no blank line before).\n\n\
                   From the text after a blank line, no header next: no split\n";
        let two = "From: jens@mottagare.dk\nSubject: Tv\u{e5}\n\nCPR 010190-1234";
        assert_eq!(
            members(&c),
            vec![
                ("message-1.eml".to_string(), one.as_bytes().to_vec()),
                ("message-2.eml".to_string(), two.as_bytes().to_vec())
            ]
        );
        assert!(c.texts().is_empty());
        // Each message reads as mail.
        for (_, bytes) in members(&c) {
            assert_eq!(crate::extract::sniff("message.eml", &bytes), crate::extract::Format::Eml);
        }
    }

    /// Writes minimal `.msg` files: property streams `__substg1.0_IIIITTTT`
    /// and `__properties_version1.0` in a version 3 compound file.
    struct MsgBuilder(cfb::CompoundFile<Cursor<Vec<u8>>>);

    impl MsgBuilder {
        fn new() -> MsgBuilder {
            MsgBuilder(cfb::CompoundFile::create_with_version(cfb::Version::V3, Cursor::new(Vec::new())).unwrap())
        }
        fn storage(&mut self, path: &str) -> &mut Self {
            self.0.create_storage(path).unwrap();
            self
        }
        fn stream(&mut self, path: &str, data: &[u8]) -> &mut Self {
            self.0.create_stream(path).unwrap().write_all(data).unwrap();
            self
        }
        fn unicode(&mut self, dir: &str, id: u16, text: &str) -> &mut Self {
            let data: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
            self.stream(&format!("{dir}/__substg1.0_{id:04X}001F"), &data)
        }
        fn string8(&mut self, dir: &str, id: u16, data: &[u8]) -> &mut Self {
            self.stream(&format!("{dir}/__substg1.0_{id:04X}001E"), data)
        }
        fn binary(&mut self, dir: &str, id: u16, data: &[u8]) -> &mut Self {
            self.stream(&format!("{dir}/__substg1.0_{id:04X}0102"), data)
        }
        /// `__properties_version1.0` with a zeroed header of `header` bytes
        /// (32 message, 24 embedded message, 8 recipient or attachment) and
        /// one 16-byte entry per 32-bit property: tag (type 0x0003, id),
        /// flags 2 (readable), value, 4 zero bytes.
        fn longs(&mut self, dir: &str, header: usize, props: &[(u16, u32)]) -> &mut Self {
            let mut data = vec![0u8; header];
            for &(id, value) in props {
                data.extend_from_slice(&(u32::from(id) << 16 | 0x0003).to_le_bytes());
                data.extend_from_slice(&2u32.to_le_bytes());
                data.extend_from_slice(&value.to_le_bytes());
                data.extend_from_slice(&[0; 4]);
            }
            self.stream(&format!("{dir}/__properties_version1.0"), &data)
        }
        fn finish(mut self) -> Vec<u8> {
            self.0.flush().unwrap();
            self.0.into_inner().into_inner()
        }
    }

    const RECIP0: &str = "/__recip_version1.0_#00000000";
    const RECIP1: &str = "/__recip_version1.0_#00000001";
    const ATTACH0: &str = "/__attach_version1.0_#00000000";
    const ATTACH1: &str = "/__attach_version1.0_#00000001";
    const ATTACH2: &str = "/__attach_version1.0_#00000002";
    const TRANSPORT: &str = "Received: from mail.exempel.se ([192.0.2.10])\r\n\tby mx.mottagare.dk; Mon, 3 Mar 2025 10:00:00 +0100\r\n\
        From: =?utf-8?q?=C3=85sa_=C3=96berg?= <asa@exempel.se>\r\nTo: Jens Hansen <jens@mottagare.dk>\r\n\
        Reply-To: asa.privat@exempel.se\r\nMessage-ID: <1@exempel.se>\r\n\r\n";

    /// The smallest message: subject, body, sender, one To recipient.
    fn simple_msg() -> Vec<u8> {
        let mut b = MsgBuilder::new();
        b.unicode("", prop::SUBJECT, "Kundärende 4711")
            .unicode("", prop::BODY, "Hej!\r\nPersonnummer 19850101-1234.\r\n")
            .unicode("", prop::SENDER_NAME, "Åsa Öberg")
            .unicode("", prop::SENDER_EMAIL, "asa@exempel.se")
            .storage(RECIP0)
            .unicode(RECIP0, prop::DISPLAY_NAME, "Jens Hansen")
            .unicode(RECIP0, prop::SMTP_ADDRESS, "jens@mottagare.dk");
        b.finish()
    }

    fn full_msg() -> Vec<u8> {
        let mut b = MsgBuilder::new();
        b.unicode("", prop::SUBJECT, "Kundärende 4711")
            .unicode("", prop::BODY, "Hej!\r\nPersonnummer 19850101-1234.\r\n")
            .unicode("", prop::SENDER_NAME, "Åsa Öberg")
            .unicode("", prop::SENDER_EMAIL, "asa@exempel.se")
            .unicode("", prop::TRANSPORT_HEADERS, TRANSPORT)
            .longs("", 32, &[(prop::MESSAGE_CODEPAGE, 1252)])
            .storage(RECIP0)
            .unicode(RECIP0, prop::DISPLAY_NAME, "Jens Hansen")
            .unicode(RECIP0, prop::SMTP_ADDRESS, "jens@mottagare.dk")
            .longs(RECIP0, 8, &[(prop::RECIPIENT_TYPE, 1)])
            .storage(RECIP1)
            .unicode(RECIP1, prop::DISPLAY_NAME, "Per Lund")
            .unicode(RECIP1, prop::EMAIL_ADDRESS, "/O=EXEMPEL/OU=ADMIN/CN=RECIPIENTS/CN=PER.LUND")
            .longs(RECIP1, 8, &[(prop::RECIPIENT_TYPE, 2)])
            .storage(ATTACH0)
            .unicode(ATTACH0, prop::ATTACH_LONG_FILENAME, "kunder.csv")
            .binary(ATTACH0, prop::ATTACH_DATA, b"namn;cpr\r\nS\xF8ren;010190-1234\r\n")
            .longs(ATTACH0, 8, &[(prop::ATTACH_METHOD, 1)]);
        // An embedded message, with a recipient of its own.
        let inner = format!("{ATTACH1}/__substg1.0_3701000D");
        let inner_recip = format!("{inner}{RECIP0}");
        b.storage(ATTACH1)
            .unicode(ATTACH1, prop::DISPLAY_NAME, "Vidarebefordrat")
            .longs(ATTACH1, 8, &[(prop::ATTACH_METHOD, 5)])
            .storage(&inner)
            .unicode(&inner, prop::SUBJECT, "Vidarebefordrat")
            .unicode(&inner, prop::BODY, "CPR 010190-1234")
            .unicode(&inner, prop::SENDER_NAME, "Søren Jensen")
            .unicode(&inner, prop::SENDER_EMAIL, "soren@exempel.dk")
            .longs(&inner, 24, &[(prop::MESSAGE_CODEPAGE, 1252)])
            .storage(&inner_recip)
            .unicode(&inner_recip, prop::DISPLAY_NAME, "Inre Mottagare")
            .unicode(&inner_recip, prop::SMTP_ADDRESS, "inre@exempel.dk")
            .longs(&inner_recip, 8, &[(prop::RECIPIENT_TYPE, 1)]);
        // An attachment by reference.
        b.storage(ATTACH2).unicode(ATTACH2, prop::ATTACH_LONG_FILENAME, "lista.xlsx").longs(
            ATTACH2,
            8,
            &[(prop::ATTACH_METHOD, 4)],
        );
        b.finish()
    }

    #[test]
    fn msg_headers_body_attachments_and_embedded_message() {
        let bytes = full_msg();
        assert_eq!(crate::extract::sniff("x.msg", &bytes), crate::extract::Format::Msg);
        let c = run(extract_msg, &bytes);
        assert_eq!(
            c.texts(),
            vec![
                t("header From", "Åsa Öberg <asa@exempel.se>"),
                t("header To", "Jens Hansen <jens@mottagare.dk>"),
                t("header Cc", "Per Lund </O=EXEMPEL/OU=ADMIN/CN=RECIPIENTS/CN=PER.LUND>"),
                t("header Subject", "Kundärende 4711"),
                t(
                    "header Received",
                    "from mail.exempel.se ([192.0.2.10]) by mx.mottagare.dk; Mon, 3 Mar 2025 10:00:00 +0100"
                ),
                t("header Reply-To", "asa.privat@exempel.se"),
                t("body 1, line 1", "Hej!\r\nPersonnummer 19850101-1234.\r\n"),
            ]
        );
        let members = members(&c);
        assert_eq!(members.len(), 2);
        assert_eq!(members[0], ("kunder.csv".to_string(), b"namn;cpr\r\nS\xF8ren;010190-1234\r\n".to_vec()));
        assert_eq!(members[1].0, "attached-message-2.msg");
        assert!(c.events.contains(&Event::Status(
            "lista.xlsx".to_string(),
            FileStatus::Skipped("attachment stored by reference, not in the message".to_string())
        )));
        // The embedded message is a .msg of its own, with its own recipient.
        let inner = &members[1].1;
        assert_eq!(crate::extract::sniff(&members[1].0, inner), crate::extract::Format::Msg);
        let c = run(extract_msg, inner);
        assert_eq!(
            c.texts(),
            vec![
                t("header From", "Søren Jensen <soren@exempel.dk>"),
                t("header To", "Inre Mottagare <inre@exempel.dk>"),
                t("header Subject", "Vidarebefordrat"),
                t("body 1, line 1", "CPR 010190-1234"),
            ]
        );
        // Its property stream got the 32-byte header of a top-level message.
        let mut cfb = cfb::CompoundFile::open(Cursor::new(inner.as_slice())).unwrap();
        assert_eq!(cfb.open_stream("/__properties_version1.0").unwrap().len(), 48);
    }

    #[test]
    fn minimal_msg_is_also_what_msg_parser_reads() {
        let bytes = simple_msg();
        let c = run(extract_msg, &bytes);
        assert_eq!(
            c.texts(),
            vec![
                t("header From", "Åsa Öberg <asa@exempel.se>"),
                t("header To", "Jens Hansen <jens@mottagare.dk>"),
                t("header Subject", "Kundärende 4711"),
                t("body 1, line 1", "Hej!\r\nPersonnummer 19850101-1234.\r\n"),
            ]
        );
        let outlook = msg_parser::Outlook::from_slice(&bytes).expect("msg_parser reads it");
        assert_eq!(outlook.subject, "Kundärende 4711");
        assert_eq!(outlook.body, "Hej!\r\nPersonnummer 19850101-1234.\r\n");
        assert_eq!((outlook.sender.name.as_str(), outlook.sender.email.as_str()), ("Åsa Öberg", "asa@exempel.se"));
        assert_eq!(outlook.to.len(), 1);
        assert_eq!(outlook.to[0].email, "jens@mottagare.dk");
    }

    #[test]
    fn msg_8bit_strings_use_the_message_code_page() {
        let mut b = MsgBuilder::new();
        b.string8("", prop::SUBJECT, b"Kund\xE4rende")
            .string8("", prop::BODY, b"P\xE5 \xD6land\0")
            .string8("", prop::SENDER_NAME, b"\xC5sa")
            .longs("", 32, &[(prop::MESSAGE_CODEPAGE, 1252)]);
        let c = run(extract_msg, &b.finish());
        assert_eq!(
            c.texts(),
            vec![t("header From", "Åsa"), t("header Subject", "Kundärende"), t("body 1, line 1", "På Öland")]
        );
        // Cyrillic code page.
        let mut b = MsgBuilder::new();
        b.string8("", prop::SUBJECT, b"\xC8\xE2\xE0\xED").longs("", 32, &[(prop::MESSAGE_CODEPAGE, 1251)]);
        assert_eq!(run(extract_msg, &b.finish()).texts(), vec![t("header Subject", "Иван")]);
    }

    #[test]
    fn msg_without_plain_body_uses_html_then_rtf() {
        let mut b = MsgBuilder::new();
        b.binary("", prop::HTML, "<p>Hej Åsa</p><p>19850101-1234</p>".as_bytes()).binary(
            "",
            prop::RTF_COMPRESSED,
            &stored_rtf(b"{\\rtf1 not used}"),
        );
        assert_eq!(run(extract_msg, &b.finish()).texts(), vec![t("body 1, line 1", "Hej Åsa\n19850101-1234")]);

        let rtf = b"{\\rtf1\\ansi\\ansicpg1252{\\fonttbl{\\f0 Arial;}}{\\*\\htmltag <p>}\\f0 Hej \\'c5sa!\\par \
                    CPR 010190-1234 \\u8364?\\uc2\\u8364 xy\\par}";
        let mut b = MsgBuilder::new();
        b.binary("", prop::RTF_COMPRESSED, &stored_rtf(rtf));
        assert_eq!(run(extract_msg, &b.finish()).texts(), vec![t("body 1, line 1", "Hej Åsa!\nCPR 010190-1234 €€\n")]);
    }

    /// `PidTagRtfCompressed` holding `rtf` uncompressed (`MELA`).
    fn stored_rtf(rtf: &[u8]) -> Vec<u8> {
        let mut data = Vec::new();
        data.extend_from_slice(&(rtf.len() as u32 + 12).to_le_bytes());
        data.extend_from_slice(&(rtf.len() as u32).to_le_bytes());
        data.extend_from_slice(b"MELA");
        data.extend_from_slice(&[0; 4]);
        data.extend_from_slice(rtf);
        data
    }

    #[test]
    fn rtf_decompression_matches_the_specification_example() {
        // MS-OXRTFCP 3.1.1.
        let compressed = [
            0x2d, 0x00, 0x00, 0x00, 0x2b, 0x00, 0x00, 0x00, 0x4c, 0x5a, 0x46, 0x75, 0xf1, 0xc5, 0xc7, 0xa7, 0x03, 0x00,
            0x0a, 0x00, 0x72, 0x63, 0x70, 0x67, 0x31, 0x32, 0x35, 0x42, 0x32, 0x0a, 0xf3, 0x20, 0x68, 0x65, 0x6c, 0x09,
            0x00, 0x20, 0x62, 0x77, 0x05, 0xb0, 0x6c, 0x64, 0x7d, 0x0a, 0x80, 0x0f, 0xa0,
        ];
        let rtf = decompress_rtf(&compressed).unwrap();
        assert_eq!(rtf, b"{\\rtf1\\ansi\\ansicpg1252\\pard hello world}\r\n");
        assert_eq!(rtf_to_text(&rtf, encoding_rs::WINDOWS_1252), "hello world");
        assert_eq!(decompress_rtf(b"short"), None);
        assert_eq!(decompress_rtf(&[0u8; 20]), None);
    }

    /// Runs `f` on every prefix of `sample` and on copies with one byte
    /// changed at every position: it may fail, but must return.
    fn survives_damage(f: fn(&[u8], &mut dyn Sink) -> Result<(), ExtractError>, sample: &[u8], step: usize) {
        for len in (0..sample.len()).step_by(step) {
            let _ = f(&sample[..len], &mut Collect::default());
        }
        let mut copy = sample.to_vec();
        for i in (0..sample.len()).step_by(step) {
            for mask in [0x01, 0x20, 0x80, 0xFF] {
                copy[i] ^= mask;
                let _ = f(&copy, &mut Collect::default());
                copy[i] ^= mask;
            }
        }
    }

    #[test]
    fn damaged_mail_never_panics() {
        survives_damage(extract_eml, &crlf(LATIN1_QP), 1);
        survives_damage(extract_eml, &crlf(MIXED), 1);
        survives_damage(extract_mbox, MBOX.as_bytes(), 1);
        survives_damage(extract_msg, &full_msg(), 13);
    }

    #[test]
    fn corpus_mails() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/eml/mikel-mail-fixtures");
        let Ok(entries) = std::fs::read_dir(&dir) else {
            eprintln!("corpus_mails: {} not found, skipped", dir.display());
            return;
        };
        let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let bytes = std::fs::read(&path).unwrap();
            let format = crate::extract::sniff(&name, &bytes);
            assert!(matches!(format, crate::extract::Format::Eml | crate::extract::Format::Mbox), "{name}: {format:?}");
            let mut c = Collect::default();
            let result = extract_eml(&bytes, &mut c);
            let texts = c.texts().len();
            let members = members(&c).len();
            // Counts only: the corpus holds addresses.
            eprintln!("{name}: sniffed {format:?}, {result:?}, {texts} texts, {members} members");
            assert!(result.is_ok(), "{name}");
            assert!(texts > 0, "{name}");
        }
    }

    #[test]
    fn deeply_nested_messages_do_not_overflow_the_stack() {
        let mut mail = b"From: a@exempel.se\r\n".to_vec();
        // The outer message's body: the first nested message's header.
        let nested_at = mail.len() + 32;
        for _ in 0..50_000 {
            mail.extend_from_slice(b"Content-Type: message/rfc822\r\n\r\n");
        }
        mail.extend_from_slice(b"Subject: x\r\n\r\nbody\r\n");
        // The size of a spawned thread's stack.
        let worker = std::thread::Builder::new().stack_size(2 << 20);
        let input = mail.clone();
        let c = worker.spawn(move || run(extract_eml, &input)).unwrap().join().unwrap();
        assert_eq!(c.texts(), vec![t("header From", "a@exempel.se")]);
        assert_eq!(members(&c), vec![("attached-message-1.eml".to_string(), mail[nested_at..].to_vec())]);
    }
}
