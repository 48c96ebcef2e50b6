//! Word-processing and presentation documents (docx/docm, pptx, odt, odp):
//! zip + quick-xml, one located text per paragraph or slide.
//!
//! **DOCX**: the main part (from `_rels/.rels`, else `word/document.xml`)
//! with tables, text boxes (the `mc:Choice` copy; the `mc:Fallback` copy of
//! the same text is skipped), inserted and deleted text (`w:delText`: still
//! held in the file), hyperlinks, field results, content controls; then
//! `header*.xml`, `footer*.xml`, `footnotes.xml`, `endnotes.xml`,
//! `comments.xml` beside it. A paragraph is a `w:p`: its runs are joined
//! without a gap (`8112` + `18-9876` is one number), `w:tab` gives a tab,
//! `w:br`/`w:cr` a line break, `w:noBreakHyphen` `-`. `mailto:`/`tel:`
//! link targets (relationship or `HYPERLINK` field) are added after the
//! paragraph's text, tab-separated, unless the text shows them.
//! Numbering: every `w:p` counts, empty ones too (a reader with
//! formatting marks shown sees them), in document order, one counter per
//! part kind across files (`header1.xml` then `header2.xml`, by number),
//! so `header, paragraph 3` can be in the second header file. A paragraph
//! inside another (a text box) takes the next number when it starts; the
//! outer paragraph keeps its own number and all of its own text.
//! Footnote separators are not counted. Not read: field codes other than
//! link targets, the glossary, charts, SmartArt, comment authors.
//!
//! **PPTX**: slides in presentation order (`p:sldIdLst`, hidden slides
//! included; slides missing from the list follow, by number), each slide's
//! paragraphs (shapes, tables, SmartArt data) joined by line breaks as
//! `slide N`, its speaker notes as `slide N, notes`. Slide-number
//! placeholders are skipped. Not read: masters, layouts, comments, charts.
//!
//! **ODT**: `text:p`/`text:h` of `content.xml` (spans, links, `text:s`,
//! tabs, line breaks); footnotes, endnotes, comments (`office:annotation`)
//! and tracked deletions are their own parts (`footnotes`, `endnotes`,
//! `comments`, `tracked changes`); headers and footers from
//! `styles.xml`. **ODP**: each `draw:page` is a slide, its
//! `presentation:notes` the notes. Not read: embedded objects
//! (`Object 1/`).
//!
//! Properties (`docProps/core.xml` creator, lastModifiedBy, title,
//! subject, keywords, description, category; `app.xml` Company, Manager;
//! `custom.xml` by name; ODF `meta.xml` creator, initial-creator,
//! printed-by, title, subject, description, keyword, user-defined) are
//! `property <name>`. Files under `word/embeddings/` and `ppt/embeddings/`
//! go back to the dispatcher as members.
//!
//! Damage: an unreadable zip is corrupt; a missing main part or broken XML
//! gives everything readable, then `corrupt DOCX: ...`. An encrypted ODF
//! package is `encrypted`. Every part is charged to the sink before it is
//! decompressed and read no further than its declared size; a paragraph
//! longer than 16 MiB is pushed in pieces.

use std::collections::{HashMap, HashSet};
use std::io::{Cursor, Read};

use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;
use zip::ZipArchive;

use crate::error::ExtractError;
use crate::extract::Sink;
use crate::extract::markup::{link_target, push_ref, xml_problem};
use crate::model::{FileStatus, Location};

/// Which document format the bytes are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Document {
    /// Word 2007+.
    Docx,
    /// PowerPoint 2007+.
    Pptx,
    /// OpenDocument text.
    Odt,
    /// OpenDocument presentation.
    Odp,
}

/// Longest paragraph (or slide) text held before it is pushed in pieces.
const MAX_PARA: usize = 16 << 20;
/// Paragraphs nested deeper than this are read as part of the one around.
const MAX_NEST: usize = 64;
/// Most `text:s` spaces one element gives.
const MAX_SPACES: usize = 1000;
/// Deeper element nesting is treated as damage (it bounds the walk's
/// memory).
pub(crate) const MAX_DEPTH: u32 = 100_000;

/// Extracts paragraphs (or slides), properties and embedded files; see the
/// module documentation for what is read.
pub fn extract(bytes: &[u8], kind: Document, sink: &mut dyn Sink) -> Result<(), ExtractError> {
    let format = match kind {
        Document::Docx => "DOCX",
        Document::Pptx => "PPTX",
        Document::Odt => "ODT",
        Document::Odp => "ODP",
    };
    let zip = ZipArchive::new(Cursor::new(bytes)).map_err(|e| ExtractError::corrupt(format, e))?;
    let names = (0..zip.len())
        .map(|i| match zip.name_for_index(i) {
            Some(Ok(n)) => n.into_owned(),
            _ => String::new(),
        })
        .collect();
    let mut cx = Cx { zip, names, sink, format, damage: None };
    match kind {
        Document::Docx => docx(&mut cx)?,
        Document::Pptx => pptx(&mut cx)?,
        Document::Odt | Document::Odp => odf(&mut cx, kind == Document::Odp)?,
    }
    match cx.damage {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// The package being read, the sink, and the first damage found.
struct Cx<'b, 's> {
    zip: ZipArchive<Cursor<&'b [u8]>>,
    /// Entry names by index (empty when not UTF-8).
    names: Vec<String>,
    sink: &'s mut dyn Sink,
    format: &'static str,
    /// The first problem, returned once everything readable was pushed.
    damage: Option<ExtractError>,
}

impl Cx<'_, '_> {
    /// Records damage; the first is the one reported.
    fn damaged(&mut self, message: impl std::fmt::Display) {
        if self.damage.is_none() {
            self.damage = Some(ExtractError::corrupt(self.format, message));
        }
    }

    /// Reads part `name` as text: `None` when absent or unreadable
    /// (recorded as damage). Charges the sink first; reads no more than the
    /// declared size. Errors are the sink's (limits, timeout).
    fn read(&mut self, name: &str) -> Result<Option<String>, ExtractError> {
        let Some(index) = self.zip.index_for_name(name) else { return Ok(None) };
        let meta = self.zip.by_index_raw(index).map(|f| (f.size(), f.compressed_size(), f.encrypted()));
        let (size, compressed, encrypted) = match meta {
            Ok(m) => m,
            Err(e) => {
                self.damaged(format_args!("{name}: {e}"));
                return Ok(None);
            }
        };
        if encrypted {
            // A zip password on a part: the document is encrypted.
            self.damage.get_or_insert(ExtractError::Encrypted);
            return Ok(None);
        }
        self.sink.charge(size, Some(compressed))?;
        let mut buf = Vec::new();
        let result = self.zip.by_index(index).map(|f| f.take(size.saturating_add(1)).read_to_end(&mut buf).map(|_| ()));
        let result = match result {
            Ok(r) => r,
            Err(e) => {
                self.damaged(format_args!("{name}: {e}"));
                return Ok(None);
            }
        };
        if let Err(e) = result {
            // What was read before the damage is still read.
            self.damaged(format_args!("{name}: {e}"));
        }
        if buf.len() as u64 > size {
            self.damaged(format_args!("{name}: larger than its declared size"));
            buf.truncate(usize::try_from(size).unwrap_or(usize::MAX));
        }
        Ok(Some(decode_part(buf)))
    }

    /// Hands every file under `dir` (`word/embeddings/`) to the dispatcher.
    fn embeddings(&mut self, dir: &str) -> Result<(), ExtractError> {
        for index in 0..self.names.len() {
            let name = &self.names[index];
            if !name.starts_with(dir) || name.len() == dir.len() || name.ends_with('/') {
                continue;
            }
            let name = name.clone();
            let (size, compressed, encrypted) = match self.zip.by_index_raw(index) {
                Ok(f) => (f.size(), f.compressed_size(), f.encrypted()),
                Err(e) => {
                    self.sink.member_status(&name, ExtractError::corrupt(self.format, e).status());
                    continue;
                }
            };
            if encrypted {
                self.sink.member_status(&name, FileStatus::Skipped(ExtractError::Encrypted.to_string()));
                continue;
            }
            match self.zip.by_index(index) {
                Ok(mut f) => self.sink.member(&name, &mut f, Some(size), Some(compressed))?,
                Err(e) => self.sink.member_status(&name, ExtractError::corrupt(self.format, e).status()),
            }
        }
        Ok(())
    }

    /// Runs `walker` over part `name` (if present), handing each piece and
    /// the sink to `f`, and records XML damage.
    fn walk(
        &mut self,
        walker: &mut Walker,
        name: &str,
        root: Option<&'static str>,
        mut f: impl FnMut(&mut dyn Sink, Piece<'_>) -> Result<(), ExtractError>,
    ) -> Found {
        let Some(xml) = self.read(name)? else { return Ok(false) };
        let sink = &mut *self.sink;
        let mut out = |p: Piece<'_>| f(sink, p);
        if let Some(problem) = walker.walk(&xml, root, &mut out)? {
            self.damaged(format_args!("{name}: {problem}"));
        }
        Ok(true)
    }

    /// The relationships of part `name` (`word/document.xml` reads
    /// `word/_rels/document.xml.rels`), targets resolved to part names.
    fn rels(&mut self, name: &str) -> Result<Vec<Rel>, ExtractError> {
        let (dir, file) = split_dir(name);
        let rels_name = format!("{dir}_rels/{file}.rels");
        let Some(xml) = self.read(&rels_name)? else { return Ok(Vec::new()) };
        let mut rels = Vec::new();
        let mut reader = Reader::from_str(&xml);
        loop {
            match reader.read_event() {
                Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().into_inner() == "Relationship" => {
                    let external = attr(&e, "TargetMode").is_some_and(|m| m == "External");
                    let target = attr(&e, "Target").map(|t| unescape(&t)).unwrap_or_default();
                    rels.push(Rel {
                        id: attr(&e, "Id").map(|t| t.to_string()).unwrap_or_default(),
                        kind: attr(&e, "Type")
                            .map(|t| t.rsplit('/').next().unwrap_or("").to_string())
                            .unwrap_or_default(),
                        target: if external { target } else { resolve(dir, &target) },
                        external,
                    });
                }
                Ok(Event::Eof) => break,
                Err(e) => {
                    self.damaged(format_args!("{rels_name}: {}", xml_problem(&e)));
                    break;
                }
                Ok(_) => {}
            }
        }
        Ok(rels)
    }

    /// Pushes the properties of the package's metadata parts.
    fn properties(&mut self, odf: bool) -> Result<(), ExtractError> {
        if odf {
            return self.property_part("meta.xml", 3, &|local, e| match local {
                "creator" | "initial-creator" | "printed-by" | "title" | "subject" | "description" | "keyword" => {
                    Some(local.to_string())
                }
                "user-defined" => attr(e, "name").map(|n| unescape(&n)),
                _ => None,
            });
        }
        self.property_part("docProps/core.xml", 2, &|local, _| match local {
            "creator" | "lastModifiedBy" | "title" | "subject" | "keywords" | "description" | "category" => {
                Some(local.to_string())
            }
            _ => None,
        })?;
        self.property_part("docProps/app.xml", 2, &|local, _| {
            matches!(local, "Company" | "Manager").then(|| local.to_string())
        })?;
        self.property_part("docProps/custom.xml", 2, &|local, e| {
            (local == "property").then(|| attr(e, "name").map(|n| unescape(&n))).flatten()
        })
    }

    /// Pushes the text of each element at `depth` that `name_of` names.
    fn property_part(&mut self, part: &str, depth: u32, name_of: &PropertyNamer) -> Result<(), ExtractError> {
        let Some(xml) = self.read(part)? else { return Ok(()) };
        let mut reader = Reader::from_str(&xml);
        let mut level = 0u32;
        let mut current: Option<(String, String)> = None;
        loop {
            match reader.read_event() {
                Ok(Event::Start(e)) => {
                    level += 1;
                    if level == depth {
                        current = name_of(e.local_name().into_inner(), &e).map(|n| (n, String::new()));
                    }
                }
                Ok(Event::End(_)) => {
                    if level == depth
                        && let Some((name, text)) = current.take()
                        && !text.trim().is_empty()
                    {
                        self.sink.text(Location::Property { name }, "", &text)?;
                    }
                    level = level.saturating_sub(1);
                }
                Ok(Event::Text(t)) => append_capped(&mut current, &t),
                Ok(Event::CData(t)) => append_capped(&mut current, &t),
                Ok(Event::GeneralRef(r)) => {
                    if let Some((_, text)) = current.as_mut() {
                        push_ref(&r, text);
                    }
                }
                Ok(Event::Eof) => break,
                Err(e) => {
                    self.damaged(format_args!("{part}: {}", xml_problem(&e)));
                    break;
                }
                Ok(_) => {}
            }
        }
        Ok(())
    }
}

/// Names the property an element holds, if it holds one.
type PropertyNamer = dyn Fn(&str, &BytesStart<'_>) -> Option<String>;
/// Whether a part was there, or the sink's error.
type Found = Result<bool, ExtractError>;
/// Where a walker sends paragraphs.
type Out<'o> = &'o mut dyn FnMut(Piece<'_>) -> Result<(), ExtractError>;

fn append_capped(current: &mut Option<(String, String)>, t: &str) {
    if let Some((_, text)) = current.as_mut()
        && text.len() < MAX_PARA
    {
        text.push_str(t);
    }
}

/// A relationship of a part.
struct Rel {
    id: String,
    /// The last segment of the type URI (`slide`, `notesSlide`, `header`).
    kind: String,
    /// A part name, or the URI as written for external targets.
    target: String,
    external: bool,
}

/// Link targets (`mailto:`/`tel:` addresses) by relationship id.
fn link_map(rels: &[Rel]) -> HashMap<String, String> {
    rels.iter().filter(|r| r.external).filter_map(|r| Some((r.id.clone(), link_target(&r.target)?))).collect()
}

/// `word/document.xml` → (`word/`, `document.xml`).
fn split_dir(name: &str) -> (&str, &str) {
    match name.rfind('/') {
        Some(i) => (&name[..=i], &name[i + 1..]),
        None => ("", name),
    }
}

/// Resolves a relationship target against the directory of its source
/// part (`../notesSlides/n1.xml` from `ppt/slides/`), or from the package
/// root when it starts with `/`.
fn resolve(dir: &str, target: &str) -> String {
    let (base, target) = match target.strip_prefix('/') {
        Some(t) => ("", t),
        None => (dir, target),
    };
    let mut parts: Vec<&str> = base.split('/').filter(|s| !s.is_empty()).collect();
    for seg in target.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

/// The value of the attribute whose local name is `local`, as written.
fn attr<'e>(e: &'e BytesStart<'_>, local: &str) -> Option<std::borrow::Cow<'e, str>> {
    let mut attrs = e.attributes();
    attrs.with_checks(false);
    attrs.flatten().find(|a| a.key.local_name().into_inner() == local).map(|a| a.value)
}

/// An attribute value with its references resolved.
fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        match rest[at..].find(';') {
            Some(end) if end <= 34 => {
                push_ref(&rest[at + 1..at + end], &mut out);
                rest = &rest[at + end + 1..];
            }
            _ => {
                out.push('&');
                rest = &rest[at + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// A part's bytes as text: UTF-8 (BOM removed), UTF-16 by its BOM,
/// invalid sequences replaced.
fn decode_part(buf: Vec<u8>) -> String {
    if let Some((enc, bom)) = encoding_rs::Encoding::for_bom(&buf)
        && enc != encoding_rs::UTF_8
    {
        return enc.decode_without_bom_handling(&buf[bom..]).0.into_owned();
    }
    let body = buf.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&buf);
    match std::str::from_utf8(body) {
        Ok(s) => s.to_string(),
        Err(_) => String::from_utf8_lossy(body).into_owned(),
    }
}

// ---------------------------------------------------------------------------
// Formats

/// Word: body, then headers, footers, notes and comments, properties,
/// embedded files.
fn docx(cx: &mut Cx<'_, '_>) -> Result<(), ExtractError> {
    let package = cx.rels("")?;
    let main = package
        .iter()
        .find(|r| r.kind == "officeDocument" && !r.external && cx.zip.index_for_name(&r.target).is_some())
        .map_or_else(|| "word/document.xml".to_string(), |r| r.target.clone());
    let (dir, _) = split_dir(&main);
    let dir = dir.to_string();
    let mut walker = Walker::new(Flavor::Word);
    let found = docx_part(cx, &mut walker, &main)?;
    let mut others: Vec<(usize, u64, String)> = cx
        .names
        .iter()
        .filter_map(|n| {
            let file = n.strip_prefix(dir.as_str())?.strip_suffix(".xml")?;
            let (rank, number) = ["header", "footer", "footnotes", "endnotes", "comments"]
                .iter()
                .enumerate()
                .find_map(|(rank, kind)| Some((rank, file.strip_prefix(kind)?)))?;
            let number = if number.is_empty() { 0 } else { number.parse().ok()? };
            Some((rank, number, n.clone()))
        })
        .collect();
    others.sort();
    for (_, _, name) in others {
        docx_part(cx, &mut walker, &name)?;
    }
    cx.properties(false)?;
    cx.embeddings(&format!("{dir}embeddings/"))?;
    if !found {
        cx.damaged(format_args!("no main document part ({main})"));
    }
    Ok(())
}

/// One Word part: paragraphs as `Paragraph` in the part kind its name
/// says.
fn docx_part(cx: &mut Cx<'_, '_>, walker: &mut Walker, name: &str) -> Found {
    let file = split_dir(name).1;
    let part = ["header", "footer", "footnotes", "endnotes", "comments"]
        .into_iter()
        .find(|k| file.starts_with(k))
        .unwrap_or("");
    walker.links = link_map(&cx.rels(name)?);
    cx.walk(walker, name, Some(part), paragraph)
}

/// Pushes a paragraph as `Paragraph`.
fn paragraph(sink: &mut dyn Sink, p: Piece<'_>) -> Result<(), ExtractError> {
    match p {
        Piece::Para { part, number, text, .. } => {
            sink.text(Location::Paragraph { part: part.to_string(), paragraph: number }, "", text)
        }
        Piece::PageEnd { .. } => Ok(()),
    }
}

/// PowerPoint: slides in presentation order with their notes, properties,
/// embedded files.
fn pptx(cx: &mut Cx<'_, '_>) -> Result<(), ExtractError> {
    let presentation = "ppt/presentation.xml";
    let mut slides = Vec::new();
    let mut listed = HashSet::new();
    match cx.read(presentation)? {
        None => cx.damaged(format_args!("no main part ({presentation})")),
        Some(xml) => {
            let rels = cx.rels(presentation)?;
            let by_id: HashMap<&str, &str> =
                rels.iter().filter(|r| !r.external).map(|r| (r.id.as_str(), r.target.as_str())).collect();
            let mut reader = Reader::from_str(&xml);
            loop {
                match reader.read_event() {
                    Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().into_inner() == "sldId" => {
                        // `r:id`, not the numeric `id`.
                        let mut attrs = e.attributes();
                        attrs.with_checks(false);
                        let id = attrs
                            .flatten()
                            .find(|a| a.key.local_name().into_inner() == "id" && a.key.prefix().is_some())
                            .map(|a| a.value);
                        if let Some(&target) = id.and_then(|id| by_id.get(&*id))
                            && listed.insert(target.to_string())
                        {
                            slides.push(target.to_string());
                        }
                    }
                    Ok(Event::Eof) => break,
                    Err(e) => {
                        cx.damaged(format_args!("{presentation}: {}", xml_problem(&e)));
                        break;
                    }
                    Ok(_) => {}
                }
            }
        }
    }
    // Slides the list does not name, by number.
    let mut rest: Vec<(u64, String)> = cx
        .names
        .iter()
        .filter(|n| !listed.contains(n.as_str()))
        .filter_map(|n| Some((n.strip_prefix("ppt/slides/slide")?.strip_suffix(".xml")?.parse().ok()?, n.clone())))
        .collect();
    rest.sort();
    slides.extend(rest.into_iter().map(|(_, n)| n));
    let mut walker = Walker::new(Flavor::Drawing);
    for (i, slide) in slides.iter().enumerate() {
        let number = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let rels = cx.rels(slide)?;
        walker.links = link_map(&rels);
        let mut parts = vec![slide.clone()];
        parts.extend(rels.iter().filter(|r| r.kind == "diagramData" && !r.external).map(|r| r.target.clone()));
        joined(cx, &mut walker, &parts, Location::Slide { slide: number, notes: false })?;
        if let Some(notes) = rels.iter().find(|r| r.kind == "notesSlide" && !r.external) {
            let notes = notes.target.clone();
            walker.links = link_map(&cx.rels(&notes)?);
            joined(cx, &mut walker, &[notes], Location::Slide { slide: number, notes: true })?;
        }
    }
    cx.properties(false)?;
    cx.embeddings("ppt/embeddings/")
}

/// Pushes the paragraphs of `parts` as one text at `at`, separated by line
/// breaks.
fn joined(cx: &mut Cx<'_, '_>, walker: &mut Walker, parts: &[String], at: Location) -> Result<(), ExtractError> {
    let mut text = String::new();
    for part in parts {
        let found = cx.walk(walker, part, Some(""), |sink, p| {
            if let Piece::Para { text: para, .. } = p {
                add_line(&mut text, para);
                if text.len() >= MAX_PARA {
                    sink.text(at.clone(), "", &text)?;
                    text.clear();
                }
            }
            Ok(())
        })?;
        if !found {
            cx.damaged(format_args!("{part}: listed but missing"));
        }
    }
    if !text.trim().is_empty() {
        cx.sink.text(at, "", &text)?;
    }
    Ok(())
}

fn add_line(text: &mut String, line: &str) {
    if !text.is_empty() {
        text.push('\n');
    }
    text.push_str(line);
}

/// OpenDocument text or presentation.
fn odf(cx: &mut Cx<'_, '_>, presentation: bool) -> Result<(), ExtractError> {
    if let Some(manifest) = cx.read("META-INF/manifest.xml")?
        && manifest.contains("encryption-data")
    {
        return Err(ExtractError::Encrypted);
    }
    let mut walker = Walker::new(Flavor::Odf);
    let found = if presentation {
        let (mut slide, mut notes) = (String::new(), String::new());
        cx.walk(&mut walker, "content.xml", None, |sink, p| {
            let (page, end) = match p {
                Piece::Para { part, page, text, .. } => {
                    add_line(if part == "notes" { &mut notes } else { &mut slide }, text);
                    (page, false)
                }
                Piece::PageEnd { page } => (page, true),
            };
            if end || slide.len() >= MAX_PARA || notes.len() >= MAX_PARA {
                for (text, notes) in [(&mut slide, false), (&mut notes, true)] {
                    if !text.trim().is_empty() {
                        sink.text(Location::Slide { slide: page, notes }, "", text)?;
                    }
                    text.clear();
                }
            }
            Ok(())
        })?
    } else {
        let found = cx.walk(&mut walker, "content.xml", Some(""), paragraph)?;
        cx.walk(&mut walker, "styles.xml", None, paragraph)?;
        found
    };
    cx.properties(true)?;
    if !found {
        cx.damaged("no main part (content.xml)");
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// The paragraph walker

/// The XML vocabulary a walker reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Flavor {
    /// WordprocessingML (`w:p`, `w:r`, `w:t`).
    Word,
    /// DrawingML (`a:p`, `a:r`, `a:t`) in slides.
    Drawing,
    /// OpenDocument (`text:p`, `text:span`, character data).
    Odf,
}

/// What a walker hands on.
enum Piece<'t> {
    /// A paragraph's text (or a piece of an overlong one).
    Para {
        /// Part kind (`""`, `header`, ..., `notes` in ODP).
        part: &'static str,
        /// 1-based number within the part kind.
        number: u32,
        /// The ODP page it is on (0 outside pages).
        page: u32,
        text: &'t str,
    },
    /// The end of an ODP page.
    PageEnd {
        /// Its 1-based number.
        page: u32,
    },
}

/// What an element does to the walk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// A paragraph.
    Para,
    /// A run: its `tab`/`br` children are characters.
    Run,
    /// Character data inside is text (`w:t`, `a:t`).
    Collect,
    /// Paragraphs inside belong to this part kind; stray text is dropped.
    Part(&'static str),
    /// Everything inside is ignored.
    Skip,
    /// A field instruction: read for link targets only.
    Instr,
    /// A slide shape, skipped if it is a slide-number placeholder.
    Shape,
    /// An ODP page.
    Page,
}

struct Frame {
    depth: u32,
    kind: Kind,
}

struct OpenPara {
    part: &'static str,
    number: u32,
    text: String,
    /// Link targets to add after the text unless it shows them.
    links: Vec<String>,
    /// Field instructions, for `HYPERLINK "mailto:..."`.
    instr: String,
}

/// Reads paragraphs out of document XML. One walker reads all parts of a
/// document so that paragraph numbers continue across files of one kind.
struct Walker {
    flavor: Flavor,
    /// Link targets by relationship id, for the part being read.
    links: HashMap<String, String>,
    counters: Vec<(&'static str, u32)>,
    frames: Vec<Frame>,
    paras: Vec<OpenPara>,
    /// Depths of `mc:AlternateContent` whose `mc:Choice` was read.
    choices: Vec<u32>,
    depth: u32,
    page: u32,
    root: Option<&'static str>,
    max_para: usize,
}

impl Walker {
    fn new(flavor: Flavor) -> Walker {
        Walker {
            flavor,
            links: HashMap::new(),
            counters: Vec::new(),
            frames: Vec::new(),
            paras: Vec::new(),
            choices: Vec::new(),
            depth: 0,
            page: 0,
            root: None,
            max_para: MAX_PARA,
        }
    }

    /// Walks one part. Paragraphs outside any part element belong to
    /// `root` (`None`: they are not read). Returns the XML problem, if
    /// any, after handing on everything read before it.
    fn walk(&mut self, xml: &str, root: Option<&'static str>, out: Out<'_>) -> Result<Option<String>, ExtractError> {
        self.root = root;
        self.frames.clear();
        self.paras.clear();
        self.choices.clear();
        self.depth = 0;
        let mut reader = Reader::from_str(xml);
        let problem = loop {
            match reader.read_event() {
                Ok(Event::Start(_)) if self.depth >= MAX_DEPTH => break Some("elements nested too deeply".into()),
                Ok(Event::Start(e)) => {
                    self.depth += 1;
                    self.start(&e, out)?;
                }
                Ok(Event::Empty(e)) => {
                    self.depth += 1;
                    self.start(&e, out)?;
                    self.end(out)?;
                    self.depth -= 1;
                }
                Ok(Event::End(_)) => {
                    self.end(out)?;
                    self.depth = self.depth.saturating_sub(1);
                }
                Ok(Event::Text(t)) => self.text(&t, out)?,
                Ok(Event::CData(t)) => self.text(&t, out)?,
                Ok(Event::GeneralRef(r)) => {
                    let mut s = String::new();
                    push_ref(&r, &mut s);
                    self.text(&s, out)?;
                }
                Ok(Event::Eof) if self.depth == 0 => break None,
                Ok(Event::Eof) => break Some("element not closed before the end".to_string()),
                Ok(_) => {}
                Err(e) => break Some(xml_problem(&e)),
            }
        };
        // A damaged part: hand on what its open paragraphs hold.
        while self.depth > 0 {
            self.end(out)?;
            self.depth -= 1;
        }
        while !self.frames.is_empty() {
            self.pop(out)?;
        }
        Ok(problem)
    }

    fn top(&self) -> Option<Kind> {
        self.frames.last().map(|f| f.kind)
    }

    /// The part kind a paragraph starting now belongs to.
    fn part(&self) -> Option<&'static str> {
        for f in self.frames.iter().rev() {
            match f.kind {
                Kind::Part(p) => return Some(p),
                Kind::Page => return Some(""),
                _ => {}
            }
        }
        self.root
    }

    fn push(&mut self, kind: Kind) {
        self.frames.push(Frame { depth: self.depth, kind });
    }

    fn start(&mut self, e: &BytesStart<'_>, out: Out<'_>) -> Result<(), ExtractError> {
        let top = self.top();
        if top == Some(Kind::Skip) {
            return Ok(());
        }
        let local = e.local_name().into_inner();
        // Shared by Word and DrawingML: read the first `mc:Choice`, skip
        // its `mc:Fallback` (the same content again).
        if self.flavor != Flavor::Odf {
            match local {
                "Choice" => self.choices.push(self.depth - 1),
                "Fallback" if self.choices.last() == Some(&(self.depth - 1)) => {
                    self.push(Kind::Skip);
                    return Ok(());
                }
                _ => {}
            }
        }
        match (self.flavor, local) {
            (_, "p") | (Flavor::Odf, "h") => self.open_para(),
            (Flavor::Word, "r") | (Flavor::Drawing, "r" | "fld") => self.push(Kind::Run),
            (Flavor::Word, "t" | "delText") | (Flavor::Drawing, "t") => self.push(Kind::Collect),
            (Flavor::Word, "instrText") => self.push(Kind::Instr),
            (Flavor::Word, "tab" | "ptab") if top == Some(Kind::Run) => self.chars("\t", 1, out)?,
            (Flavor::Word, "br" | "cr") if top == Some(Kind::Run) => self.chars("\n", 1, out)?,
            (Flavor::Word, "noBreakHyphen") if top == Some(Kind::Run) => self.chars("-", 1, out)?,
            (Flavor::Word, "footnote" | "endnote") if attr(e, "type").is_some_and(|t| t != "normal") => {
                self.push(Kind::Skip)
            }
            (Flavor::Word, "hyperlink") | (Flavor::Drawing, "hlinkClick") => {
                let target = attr(e, "id").and_then(|id| self.links.get(&*id).cloned());
                self.add_link(target);
            }
            (Flavor::Drawing, "br") if top == Some(Kind::Para) => self.chars("\n", 1, out)?,
            (Flavor::Drawing, "sp") => self.push(Kind::Shape),
            (Flavor::Drawing, "ph") if attr(e, "type").is_some_and(|t| t == "sldNum") => {
                // Skip the placeholder's shape (its text follows this).
                if let Some(f) =
                    self.frames.iter_mut().rev().take_while(|f| f.kind != Kind::Para).find(|f| f.kind == Kind::Shape)
                {
                    f.kind = Kind::Skip;
                }
            }
            (Flavor::Odf, "s") if top == Some(Kind::Para) => {
                let n = attr(e, "c").and_then(|c| c.trim().parse().ok()).unwrap_or(1usize);
                self.chars(" ", n.min(MAX_SPACES), out)?;
            }
            (Flavor::Odf, "tab") if top == Some(Kind::Para) => self.chars("\t", 1, out)?,
            (Flavor::Odf, "line-break") if top == Some(Kind::Para) => self.chars("\n", 1, out)?,
            (Flavor::Odf, "note-citation") => self.push(Kind::Skip),
            (Flavor::Odf, "note") => {
                let end = attr(e, "note-class").is_some_and(|c| c == "endnote");
                self.push(Kind::Part(if end { "endnotes" } else { "footnotes" }));
            }
            (Flavor::Odf, "annotation") => self.push(Kind::Part("comments")),
            (Flavor::Odf, "tracked-changes") => self.push(Kind::Part("tracked changes")),
            (Flavor::Odf, "notes") => self.push(Kind::Part("notes")),
            (Flavor::Odf, "header" | "header-left" | "header-first") => self.push(Kind::Part("header")),
            (Flavor::Odf, "footer" | "footer-left" | "footer-first") => self.push(Kind::Part("footer")),
            (Flavor::Odf, "page") => {
                self.page = self.page.saturating_add(1);
                self.push(Kind::Page);
            }
            (Flavor::Odf, "a") => {
                let target = attr(e, "href").and_then(|h| link_target(&unescape(&h)));
                self.add_link(target);
            }
            _ => {}
        }
        Ok(())
    }

    fn open_para(&mut self) {
        if self.paras.len() >= MAX_NEST {
            return;
        }
        let Some(part) = self.part() else {
            return self.push(Kind::Skip);
        };
        let number = match self.counters.iter_mut().find(|(p, _)| *p == part) {
            Some((_, n)) => {
                *n = n.saturating_add(1);
                *n
            }
            None => {
                self.counters.push((part, 1));
                1
            }
        };
        self.paras.push(OpenPara { part, number, text: String::new(), links: Vec::new(), instr: String::new() });
        self.push(Kind::Para);
    }

    fn add_link(&mut self, target: Option<String>) {
        // A few distinct targets per paragraph are real; thousands are not.
        if let (Some(t), Some(p)) = (target, self.paras.last_mut())
            && p.links.len() < 100
            && !p.links.contains(&t)
        {
            p.links.push(t);
        }
    }

    /// Closes the elements ending at the current depth.
    fn end(&mut self, out: Out<'_>) -> Result<(), ExtractError> {
        while self.choices.last() == Some(&self.depth) {
            self.choices.pop();
        }
        while self.frames.last().is_some_and(|f| f.depth == self.depth) {
            self.pop(out)?;
        }
        Ok(())
    }

    fn pop(&mut self, out: Out<'_>) -> Result<(), ExtractError> {
        match self.frames.pop().map(|f| f.kind) {
            Some(Kind::Para) => {
                if let Some(mut p) = self.paras.pop() {
                    if self.flavor == Flavor::Odf {
                        p.text.truncate(p.text.trim_end_matches(' ').len());
                    }
                    for link in instr_links(&p.instr).into_iter().chain(std::mem::take(&mut p.links)) {
                        if !p.text.contains(&link) {
                            p.text.push('\t');
                            p.text.push_str(&link);
                        }
                    }
                    if !p.text.trim().is_empty() {
                        out(Piece::Para { part: p.part, number: p.number, page: self.page, text: &p.text })?;
                    }
                }
            }
            Some(Kind::Page) => out(Piece::PageEnd { page: self.page })?,
            _ => {}
        }
        Ok(())
    }

    /// Character data: text if the walk is collecting here.
    fn text(&mut self, t: &str, out: Out<'_>) -> Result<(), ExtractError> {
        match self.top() {
            Some(Kind::Collect) => self.chars(t, 1, out),
            Some(Kind::Para) if self.flavor == Flavor::Odf => self.odf_text(t, out),
            Some(Kind::Instr) => {
                if let Some(p) = self.paras.last_mut()
                    && p.instr.len() < 4096
                {
                    p.instr.push_str(t);
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// ODF character data: white space collapses to one space, none at the
    /// start of a paragraph (`text:s`, `text:tab` and `text:line-break`
    /// write the significant ones).
    fn odf_text(&mut self, t: &str, out: Out<'_>) -> Result<(), ExtractError> {
        let Some(p) = self.paras.last_mut() else { return Ok(()) };
        for piece in t.split_inclusive([' ', '\t', '\n', '\r']) {
            let word = piece.trim_end_matches([' ', '\t', '\n', '\r']);
            p.text.push_str(word);
            if word.len() < piece.len() && !p.text.is_empty() && !p.text.ends_with(' ') {
                p.text.push(' ');
            }
        }
        self.chars("", 1, out)
    }

    /// Appends `s` `n` times to the innermost paragraph, handing on its
    /// text when it grows past the limit.
    fn chars(&mut self, s: &str, n: usize, out: Out<'_>) -> Result<(), ExtractError> {
        let page = self.page;
        let Some(p) = self.paras.last_mut() else { return Ok(()) };
        for _ in 0..n {
            p.text.push_str(s);
        }
        if p.text.len() >= self.max_para {
            out(Piece::Para { part: p.part, number: p.number, page, text: &p.text })?;
            p.text.clear();
        }
        Ok(())
    }
}

/// Link targets in field instructions: `HYPERLINK "mailto:a@b.se"`.
fn instr_links(instr: &str) -> Vec<String> {
    if !instr.contains("HYPERLINK") {
        return Vec::new();
    }
    instr.split(['"', ' ']).filter_map(link_target).collect()
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::path::Path;

    use super::*;
    use crate::extract::testutil::{Collect, Event as Recorded};

    const W: &str = "xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\" \
xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\" \
xmlns:mc=\"http://schemas.openxmlformats.org/markup-compatibility/2006\"";
    const A: &str = "xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\" \
xmlns:p=\"http://schemas.openxmlformats.org/presentationml/2006/main\" \
xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"";
    const ODF: &str = "xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" \
xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" \
xmlns:style=\"urn:oasis:names:tc:opendocument:xmlns:style:1.0\" \
xmlns:draw=\"urn:oasis:names:tc:opendocument:xmlns:drawing:1.0\" \
xmlns:presentation=\"urn:oasis:names:tc:opendocument:xmlns:presentation:1.0\" \
xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:meta=\"urn:oasis:names:tc:opendocument:xmlns:meta:1.0\" \
xmlns:xlink=\"http://www.w3.org/1999/xlink\"";
    const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

    fn zip_of(members: &[(&str, String)]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, data) in members {
            w.start_file(*name, zip::write::SimpleFileOptions::default()).expect("start");
            w.write_all(data.as_bytes()).expect("write");
        }
        w.finish().expect("finish").into_inner()
    }

    fn rels(items: &[(&str, &str, &str, bool)]) -> String {
        let mut s =
            "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">".to_string();
        for (id, kind, target, external) in items {
            let mode = if *external { " TargetMode=\"External\"" } else { "" };
            s += &format!("<Relationship Id=\"{id}\" Type=\"{REL}/{kind}\" Target=\"{target}\"{mode}/>");
        }
        s + "</Relationships>"
    }

    fn run(bytes: &[u8], kind: Document) -> (Collect, Result<(), ExtractError>) {
        let mut c = Collect::default();
        let r = extract(bytes, kind, &mut c);
        (c, r)
    }

    fn pairs(c: &Collect) -> Vec<(String, String)> {
        c.texts()
            .into_iter()
            .map(|(at, label, text)| {
                assert_eq!(label, "");
                (at, text)
            })
            .collect()
    }

    fn owned(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    fn docx_fixture() -> Vec<u8> {
        let body = "<w:p><w:r><w:t>Personnummer: 8112</w:t></w:r><w:r><w:t>18-9876</w:t></w:r></w:p>\
<w:p/>\
<w:p><w:pPr><w:tabs><w:tab w:val=\"left\" w:pos=\"720\"/></w:tabs></w:pPr><w:r><w:t xml:space=\"preserve\">Namn</w:t>\
<w:tab/><w:t>Anna</w:t><w:br/><w:t>Tel 070</w:t><w:noBreakHyphen/><w:t>123 45 67</w:t></w:r></w:p>\
<w:tbl><w:tr><w:tc><w:p><w:r><w:t>Cell A &amp; B</w:t></w:r></w:p></w:tc><w:tc><w:p><w:ins w:author=\"X\"><w:r>\
<w:t>ny</w:t></w:r></w:ins><w:del w:author=\"X\"><w:r><w:delText> gammal 811218-9876</w:delText></w:r></w:del></w:p>\
</w:tc></w:tr></w:tbl>\
<w:p><w:r><w:t xml:space=\"preserve\">Före </w:t></w:r><w:r><mc:AlternateContent><mc:Choice Requires=\"wps\"><w:drawing>\
<wps:txbx><w:txbxContent><w:p><w:r><w:t>I rutan</w:t></w:r></w:p></w:txbxContent></wps:txbx></w:drawing></mc:Choice>\
<mc:Fallback><w:pict><v:textbox><w:txbxContent><w:p><w:r><w:t>I rutan</w:t></w:r></w:p></w:txbxContent></v:textbox>\
</w:pict></mc:Fallback></mc:AlternateContent></w:r><w:r><w:t>efter</w:t></w:r></w:p>\
<w:p><w:hyperlink r:id=\"rId9\"><w:r><w:t>Skriv till Anna</w:t></w:r></w:hyperlink></w:p>\
<w:p><w:fldSimple w:instr=\" DOCPROPERTY x \"><w:r><w:t>fält</w:t></w:r></w:fldSimple><w:sdt><w:sdtContent><w:r>\
<w:t>+kontroll</w:t></w:r></w:sdtContent></w:sdt></w:p>\
<w:p><w:r><w:fldChar w:fldCharType=\"begin\"/></w:r><w:r><w:instrText xml:space=\"preserve\"> HYPERLINK \
\"mailto:bo@example.se\" </w:instrText></w:r><w:r><w:fldChar w:fldCharType=\"separate\"/></w:r><w:r><w:t>Bo</w:t>\
</w:r><w:r><w:fldChar w:fldCharType=\"end\"/></w:r></w:p>";
        let doc = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<w:document {W} xmlns:wps=\"x:wps\" xmlns:v=\"x:v\"><w:body>{body}</w:body></w:document>"
        );
        let part = |root: &str, inner: &str| format!("<w:{root} {W}>{inner}</w:{root}>");
        let p = |t: &str| format!("<w:p><w:r><w:t>{t}</w:t></w:r></w:p>");
        zip_of(&[
            ("[Content_Types].xml", "<Types/>".into()),
            ("_rels/.rels", rels(&[("rId1", "officeDocument", "word/document.xml", false)])),
            ("word/document.xml", doc),
            ("word/_rels/document.xml.rels", rels(&[("rId9", "hyperlink", "mailto:anna@example.se?subject=Hej", true)])),
            ("word/header2.xml", part("hdr", &(p("H2a") + &p("H2b")))),
            ("word/header1.xml", part("hdr", &p("Sidhuvud 1"))),
            ("word/footer1.xml", part("ftr", &p("Sidfot"))),
            (
                "word/footnotes.xml",
                part(
                    "footnotes",
                    &format!(
                        "<w:footnote w:type=\"separator\" w:id=\"-1\"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>\
<w:footnote w:type=\"continuationSeparator\" w:id=\"0\"><w:p/></w:footnote><w:footnote w:id=\"1\">{}</w:footnote>",
                        p("Fotnot 811218-9876")
                    ),
                ),
            ),
            ("word/comments.xml", part("comments", &format!("<w:comment w:author=\"A\" w:id=\"0\">{}</w:comment>", p("Kommentar")))),
            (
                "docProps/core.xml",
                "<cp:coreProperties xmlns:cp=\"c\" xmlns:dc=\"d\" xmlns:dcterms=\"t\"><dc:creator>Anna Berg</dc:creator>\
<cp:lastModifiedBy>Bo</cp:lastModifiedBy><dc:title>Rapport &amp; mer</dc:title><dcterms:created>2020-01-01</dcterms:created>\
</cp:coreProperties>"
                    .into(),
            ),
            ("docProps/app.xml", "<Properties><Application>Word</Application><Company>Firma AB</Company></Properties>".into()),
            (
                "docProps/custom.xml",
                "<Properties xmlns:vt=\"v\"><property fmtid=\"x\" pid=\"2\" name=\"Handläggare\"><vt:lpwstr>anna@example.se</vt:lpwstr>\
</property></Properties>"
                    .into(),
            ),
            ("word/embeddings/Microsoft_Excel_Worksheet.xlsx", "PK-inbäddad".into()),
            ("word/media/image1.png", "png".into()),
        ])
    }

    #[test]
    fn docx_paragraphs_parts_properties_members() {
        let (c, r) = run(&docx_fixture(), Document::Docx);
        assert!(r.is_ok(), "{r:?}");
        let want = owned(&[
            ("paragraph 1", "Personnummer: 811218-9876"),
            ("paragraph 3", "Namn\tAnna\nTel 070-123 45 67"),
            ("paragraph 4", "Cell A & B"),
            ("paragraph 5", "ny gammal 811218-9876"),
            ("paragraph 7", "I rutan"),
            ("paragraph 6", "Före efter"),
            ("paragraph 8", "Skriv till Anna\tanna@example.se"),
            ("paragraph 9", "fält+kontroll"),
            ("paragraph 10", "Bo\tbo@example.se"),
            ("header, paragraph 1", "Sidhuvud 1"),
            ("header, paragraph 2", "H2a"),
            ("header, paragraph 3", "H2b"),
            ("footer, paragraph 1", "Sidfot"),
            ("footnotes, paragraph 1", "Fotnot 811218-9876"),
            ("comments, paragraph 1", "Kommentar"),
            ("property creator", "Anna Berg"),
            ("property lastModifiedBy", "Bo"),
            ("property title", "Rapport & mer"),
            ("property Company", "Firma AB"),
            ("property Handläggare", "anna@example.se"),
        ]);
        assert_eq!(pairs(&c), want);
        let members: Vec<_> = c
            .events
            .iter()
            .filter_map(|e| match e {
                Recorded::Member(name, bytes) => Some((name.as_str(), bytes.as_slice())),
                _ => None,
            })
            .collect();
        assert_eq!(members, vec![("word/embeddings/Microsoft_Excel_Worksheet.xlsx", "PK-inbäddad".as_bytes())]);
        assert!(c.charged > 0);
    }

    #[test]
    fn docx_damage_is_reported_after_what_was_read() {
        let doc = format!("<w:document {W}><w:body><w:p><w:r><w:t>Ett</w:t></w:r></w:p><w:p><w:r><w:t>Två 8112");
        let (c, r) = run(&zip_of(&[("word/document.xml", doc)]), Document::Docx);
        assert_eq!(pairs(&c), owned(&[("paragraph 1", "Ett"), ("paragraph 2", "Två 8112")]));
        assert_eq!(
            r.map_err(|e| e.to_string()),
            Err("corrupt DOCX: word/document.xml: element not closed before the end".into())
        );
        let doc =
            format!("<w:document {W}><w:body><w:p><w:r><w:t>Ett</w:t></w:r></w:p><w:p></w:r></w:body></w:document>");
        let (c, r) = run(&zip_of(&[("word/document.xml", doc)]), Document::Docx);
        assert_eq!(pairs(&c), owned(&[("paragraph 1", "Ett")]));
        assert_eq!(r.map_err(|e| e.to_string()), Err("corrupt DOCX: word/document.xml: mismatched end tag".into()));
        // No main part: the properties are read, then the file is corrupt.
        let core = "<cp:coreProperties xmlns:cp=\"c\" xmlns:dc=\"d\"><dc:creator>Anna</dc:creator></cp:coreProperties>";
        let (c, r) = run(
            &zip_of(&[("[Content_Types].xml", "<Types/>".into()), ("docProps/core.xml", core.into())]),
            Document::Docx,
        );
        assert_eq!(pairs(&c), owned(&[("property creator", "Anna")]));
        assert_eq!(r.map_err(|e| e.to_string()), Err("corrupt DOCX: no main document part (word/document.xml)".into()));
        let (c, r) = run(b"PK\x03\x04 not a zip", Document::Docx);
        assert!(c.events.is_empty());
        assert!(matches!(r, Err(ExtractError::Corrupt { format: "DOCX", .. })), "{r:?}");
    }

    /// A sink that refuses text or charges, as the scanner does at a limit.
    struct Refusing {
        charge: bool,
        calls: usize,
    }

    impl Sink for Refusing {
        fn text(&mut self, _: Location, _: &str, _: &str) -> Result<(), ExtractError> {
            self.calls += 1;
            Err(ExtractError::Limit("text refused".into()))
        }
        fn charge(&mut self, _: u64, _: Option<u64>) -> Result<(), ExtractError> {
            self.calls += 1;
            if self.charge { Err(ExtractError::Limit("charge refused".into())) } else { Ok(()) }
        }
        fn member(&mut self, _: &str, _: &mut dyn Read, _: Option<u64>, _: Option<u64>) -> Result<(), ExtractError> {
            Ok(())
        }
        fn member_bytes(&mut self, _: &str, _: &[u8]) -> Result<(), ExtractError> {
            Ok(())
        }
        fn member_status(&mut self, _: &str, _: FileStatus) {}
    }

    #[test]
    fn sink_errors_stop_at_once() {
        for (bytes, kind) in
            [(docx_fixture(), Document::Docx), (pptx_fixture(), Document::Pptx), (odt_fixture(), Document::Odt)]
        {
            for charge in [true, false] {
                let mut sink = Refusing { charge, calls: 0 };
                let r = extract(&bytes, kind, &mut sink).map_err(|e| e.to_string());
                let want = if charge { "charge refused" } else { "text refused" };
                assert_eq!(r, Err(want.to_string()), "{kind:?}");
                // Nothing after the refusal: the charge of the first part,
                // or the charges up to the first text and that text.
                assert!(if charge { sink.calls == 1 } else { sink.calls < 8 }, "{kind:?} {}", sink.calls);
            }
        }
    }

    #[test]
    fn deep_nesting_is_damage() {
        let xml = format!("<w:document {W}><w:p><w:r><w:t>Ett</w:t></w:r>{}", "<x>".repeat(MAX_DEPTH as usize));
        let mut got = Vec::new();
        let mut w = Walker::new(Flavor::Word);
        let problem = w
            .walk(&xml, Some(""), &mut |p| {
                if let Piece::Para { text, .. } = p {
                    got.push(text.to_string());
                }
                Ok(())
            })
            .expect("walk");
        assert_eq!(problem.as_deref(), Some("elements nested too deeply"));
        assert_eq!(got, vec!["Ett".to_string()]);
    }

    #[test]
    fn overlong_paragraphs_are_pushed_in_pieces() {
        let mut w = Walker::new(Flavor::Word);
        w.max_para = 10;
        let xml =
            format!("<w:document {W}><w:p><w:r><w:t>0123456789abcdefghij</w:t><w:t>XYZ</w:t></w:r></w:p></w:document>");
        let mut got = Vec::new();
        let problem = w
            .walk(&xml, Some(""), &mut |p| {
                if let Piece::Para { number, text, .. } = p {
                    got.push((number, text.to_string()));
                }
                Ok(())
            })
            .expect("walk");
        assert_eq!(problem, None);
        assert_eq!(got, vec![(1, "0123456789abcdefghij".into()), (1, "XYZ".into())]);
    }

    fn pptx_fixture() -> Vec<u8> {
        let sp = |ph: &str, paras: &str| {
            format!(
                "<p:sp><p:nvSpPr><p:cNvPr id=\"1\" name=\"x\"/><p:cNvSpPr/><p:nvPr>{ph}</p:nvPr></p:nvSpPr><p:txBody><a:bodyPr/>{paras}</p:txBody></p:sp>"
            )
        };
        let slide = |shapes: &str| format!("<p:sld {A}><p:cSld><p:spTree>{shapes}</p:spTree></p:cSld></p:sld>");
        let ap = |t: &str| format!("<a:p><a:r><a:t>{t}</a:t></a:r></a:p>");
        let slide1 = slide(&format!(
            "{}{}{}<p:graphicFrame><a:graphic><a:graphicData><a:tbl><a:tr><a:tc><a:txBody>{}</a:txBody></a:tc></a:tr></a:tbl>\
</a:graphicData></a:graphic></p:graphicFrame>",
            sp("<p:ph type=\"title\"/>", &ap("Kunder")),
            sp(
                "",
                "<a:p><a:r><a:t>Anna 811218-9876</a:t></a:r><a:br/><a:r><a:rPr><a:hlinkClick r:id=\"rId5\"/></a:rPr><a:t>070-</a:t></a:r>\
<a:r><a:t>1234567</a:t></a:r></a:p><a:p><a:fld type=\"datetime\"><a:t>2020-01-01</a:t></a:fld></a:p>"
            ),
            sp("<p:ph type=\"sldNum\" idx=\"12\"/>", "<a:p><a:fld type=\"slidenum\"><a:t>2</a:t></a:fld></a:p>"),
            ap("Cell")
        ));
        let notes = format!(
            "<p:notes {A}><p:cSld><p:spTree>{}{}</p:spTree></p:cSld></p:notes>",
            sp("<p:ph type=\"body\"/>", &ap("Ring Bo 070-1234567")),
            sp("<p:ph type=\"sldNum\"/>", &ap("2"))
        );
        zip_of(&[
            ("[Content_Types].xml", "<Types/>".into()),
            (
                "ppt/presentation.xml",
                format!(
                    "<p:presentation {A}><p:sldIdLst><p:sldId id=\"256\" r:id=\"rId3\"/><p:sldId id=\"257\" r:id=\"rId2\"/></p:sldIdLst></p:presentation>"
                ),
            ),
            (
                "ppt/_rels/presentation.xml.rels",
                rels(&[
                    ("rId2", "slide", "slides/slide1.xml", false),
                    ("rId3", "slide", "/ppt/slides/slide2.xml", false),
                ]),
            ),
            ("ppt/slides/slide1.xml", slide1),
            (
                "ppt/slides/_rels/slide1.xml.rels",
                rels(&[
                    ("rId1", "notesSlide", "../notesSlides/notesSlide1.xml", false),
                    ("rId5", "hyperlink", "tel:+46701234567", true),
                ]),
            ),
            ("ppt/slides/slide2.xml", slide(&sp("", &ap("Första bilden")))),
            ("ppt/slides/slide3.xml", slide(&sp("", &ap("Utanför listan")))),
            ("ppt/notesSlides/notesSlide1.xml", notes),
            (
                "docProps/core.xml",
                "<cp:coreProperties xmlns:cp=\"c\"><cp:keywords>kund</cp:keywords></cp:coreProperties>".into(),
            ),
            ("ppt/embeddings/oleObject1.bin", "ole".into()),
        ])
    }

    #[test]
    fn pptx_slides_in_presentation_order_with_notes() {
        let (c, r) = run(&pptx_fixture(), Document::Pptx);
        assert!(r.is_ok(), "{r:?}");
        let want = owned(&[
            ("slide 1", "Första bilden"),
            ("slide 2", "Kunder\nAnna 811218-9876\n070-1234567\t+46701234567\n2020-01-01\nCell"),
            ("slide 2, notes", "Ring Bo 070-1234567"),
            ("slide 3", "Utanför listan"),
            ("property keywords", "kund"),
        ]);
        assert_eq!(pairs(&c), want);
        assert!(c.events.iter().any(|e| matches!(e, Recorded::Member(n, _) if n == "ppt/embeddings/oleObject1.bin")));
    }

    fn odt_fixture() -> Vec<u8> {
        let content = format!(
            "<office:document-content {ODF}><office:body><office:text>\
<text:tracked-changes><text:changed-region text:id=\"c1\"><text:deletion><office:change-info><dc:creator>Anna</dc:creator>\
<dc:date>2020</dc:date></office:change-info><text:p>Borttagen 811218-9876</text:p></text:deletion></text:changed-region>\
</text:tracked-changes>\
<text:h text:outline-level=\"1\">Rubrik</text:h>\
<text:p>Pnr: <text:span>8112</text:span>18-9876<text:s text:c=\"3\"/>x<text:tab/>y<text:line-break/>z</text:p>\
<text:p>Se <text:a xlink:href=\"mailto:anna@example.se\">Anna</text:a><text:note text:note-class=\"footnote\">\
<text:note-citation>1</text:note-citation><text:note-body><text:p>Fotnot</text:p></text:note-body></text:note> slut\
<office:annotation><dc:creator>Bo</dc:creator><text:p>Kommentar</text:p></office:annotation></text:p>\
<text:p/><text:p>&lt;sist&gt;</text:p><text:p>\n  Rad ett\n  rad   två\n</text:p></office:text></office:body></office:document-content>"
        );
        let styles = format!(
            "<office:document-styles {ODF}><office:styles><style:style style:name=\"S\"/></office:styles><office:master-styles>\
<style:master-page style:name=\"Standard\"><style:header><text:p>Sidhuvud</text:p></style:header><style:footer>\
<text:p>Sidfot</text:p></style:footer></style:master-page></office:master-styles></office:document-styles>"
        );
        let meta = format!(
            "<office:document-meta {ODF}><office:meta><meta:initial-creator>Anna</meta:initial-creator><dc:creator>Bo</dc:creator>\
<meta:generator>LibreOffice</meta:generator><meta:user-defined meta:name=\"Kund\">Firma</meta:user-defined></office:meta>\
</office:document-meta>"
        );
        zip_of(&[
            ("mimetype", "application/vnd.oasis.opendocument.text".into()),
            ("META-INF/manifest.xml", "<manifest:manifest xmlns:manifest=\"m\"/>".into()),
            ("content.xml", content),
            ("styles.xml", styles),
            ("meta.xml", meta),
        ])
    }

    #[test]
    fn odt_paragraphs_notes_comments_headers() {
        let (c, r) = run(&odt_fixture(), Document::Odt);
        assert!(r.is_ok(), "{r:?}");
        let want = owned(&[
            ("tracked changes, paragraph 1", "Borttagen 811218-9876"),
            ("paragraph 1", "Rubrik"),
            ("paragraph 2", "Pnr: 811218-9876   x\ty\nz"),
            ("footnotes, paragraph 1", "Fotnot"),
            ("comments, paragraph 1", "Kommentar"),
            ("paragraph 3", "Se Anna slut\tanna@example.se"),
            ("paragraph 5", "<sist>"),
            ("paragraph 6", "Rad ett rad två"),
            ("header, paragraph 1", "Sidhuvud"),
            ("footer, paragraph 1", "Sidfot"),
            ("property initial-creator", "Anna"),
            ("property creator", "Bo"),
            ("property Kund", "Firma"),
        ]);
        assert_eq!(pairs(&c), want);
    }

    fn odp_fixture() -> Vec<u8> {
        let frame = |t: &str| format!("<draw:frame><draw:text-box>{t}</draw:text-box></draw:frame>");
        let content = format!(
            "<office:document-content {ODF}><office:body><office:presentation>\
<draw:page draw:name=\"a\">{}<presentation:notes>{}</presentation:notes></draw:page>\
<draw:page draw:name=\"b\">{}</draw:page></office:presentation></office:body></office:document-content>",
            frame("<text:p>Bild ett</text:p><text:p>Anna 811218-9876</text:p>"),
            frame("<text:p>Anteckning</text:p>"),
            frame("<text:p>Bild två</text:p>"),
        );
        zip_of(&[("mimetype", "application/vnd.oasis.opendocument.presentation".into()), ("content.xml", content)])
    }

    #[test]
    fn odp_pages_and_notes() {
        let (c, r) = run(&odp_fixture(), Document::Odp);
        assert!(r.is_ok(), "{r:?}");
        let want = owned(&[
            ("slide 1", "Bild ett\nAnna 811218-9876"),
            ("slide 1, notes", "Anteckning"),
            ("slide 2", "Bild två"),
        ]);
        assert_eq!(pairs(&c), want);
    }

    #[test]
    fn encrypted_odf_is_encrypted() {
        let manifest = "<manifest:manifest xmlns:manifest=\"m\"><manifest:file-entry manifest:full-path=\"content.xml\">\
<manifest:encryption-data manifest:checksum-type=\"SHA1/1K\"/></manifest:file-entry></manifest:manifest>";
        let bytes = zip_of(&[("META-INF/manifest.xml", manifest.into()), ("content.xml", "\u{1}\u{2}".into())]);
        let (c, r) = run(&bytes, Document::Odt);
        assert!(matches!(r, Err(ExtractError::Encrypted)), "{r:?}");
        assert!(c.texts().is_empty());
    }

    #[test]
    fn damaged_copies_never_panic() {
        for (bytes, kind) in [
            (docx_fixture(), Document::Docx),
            (pptx_fixture(), Document::Pptx),
            (odt_fixture(), Document::Odt),
            (odp_fixture(), Document::Odp),
        ] {
            for cut in (0..bytes.len()).step_by(5) {
                let _ = run(&bytes[..cut], kind);
            }
            // Every third byte: a debug build inflates slowly.
            for i in (0..bytes.len()).step_by(3) {
                let mut b = bytes.clone();
                b[i] ^= 1 << (i % 8);
                let _ = run(&b, kind);
            }
        }
    }

    /// Reads the shared real-world corpus when it is there (never copied
    /// into the repository) and prints, per file, the text count or the
    /// error: never the text.
    #[test]
    fn corpus_documents() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
        let Ok(dirs) = std::fs::read_dir(root.join("docx")) else {
            eprintln!("corpus not found at {}: skipped", root.display());
            return;
        };
        let mut files: Vec<_> = dirs
            .flatten()
            .flat_map(|d| std::fs::read_dir(d.path()).into_iter().flatten().flatten())
            .map(|f| f.path())
            .collect();
        files.sort();
        for path in files {
            let Ok(bytes) = std::fs::read(&path) else { continue };
            let kind = match crate::extract::sniff(&path.to_string_lossy(), &bytes) {
                crate::extract::Format::Docx => Document::Docx,
                crate::extract::Format::Pptx => Document::Pptx,
                crate::extract::Format::Odt => Document::Odt,
                crate::extract::Format::Odp => Document::Odp,
                other => {
                    eprintln!("{}: not a document ({other:?})", path.display());
                    continue;
                }
            };
            let (c, r) = run(&bytes, kind);
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            match r {
                Ok(()) => eprintln!("{name}: Ok, {} texts", c.texts().len()),
                Err(e) => eprintln!("{name}: Err {e} ({} texts before)", c.texts().len()),
            }
        }
    }
}
