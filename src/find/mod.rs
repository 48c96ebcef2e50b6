//! Subject search (`snoka find`): every place in the files that mentions
//! one of the given people, for access (GDPR art. 15) and erasure
//! (art. 17) requests.
//!
//! The subjects' identifiers are normalised once ([`subject`]); the text of
//! every file is then searched for candidates in any written form, each
//! normalised and looked up in a hash table, so the cost per text is the
//! same for one subject as for a thousand:
//!
//! * digits: every run of digit groups joined by spaces, hyphens, dots,
//!   slashes, brackets or `+` is cut into windows of whole groups, and each
//!   window's digits are looked up (`811218 9876`, `19811218-9876`,
//!   `+46 (0)70-174 06 05`, `0046 70 174 06 05` all reach the same key).
//!   Checksums and confidence do not matter: a subject's own CPR number that
//!   fails modulus 11 is still theirs, while a personnummer one digit off is
//!   another key and never matches;
//! * e-mail: one Aho-Corasick automaton over every subject address
//!   (ASCII case-insensitive), including `(at)`/`[at]`/`%40` spellings;
//! * names: [`names`].

pub mod copy;
pub mod names;
pub mod subject;

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use rustc_hash::FxHashMap;

use crate::detect::mask::Mask;
use crate::detect::normalize::Normalized;
use crate::extract::LineCursor;
use crate::model::{Confidence, Finding, Kind, Location, Texts};
use crate::scan::Search;
use names::{NameHit, NameIndex};
use subject::{Subject, mask_name};

/// How a looked-up key was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Form {
    /// `YYYYMMDDNNNC`.
    Twelve,
    /// `YYMMDDNNNC`.
    Ten,
    /// A CPR number.
    Cpr,
    /// A phone number with its country code (`+46...`, `0046...`, bare
    /// `46...`).
    International,
    /// A phone number as written in its own country.
    National,
}

/// What a digit key belongs to.
#[derive(Clone, Copy, Debug)]
struct Target {
    subject: u32,
    kind: Kind,
    form: Form,
    /// Index into the subject's list of that kind.
    item: u32,
}

/// Fewest and most digits in a key.
const MIN_DIGITS: usize = 6;
const MAX_DIGITS: usize = 16;

/// What to report and how.
#[derive(Clone, Debug)]
pub struct FindOptions {
    /// Match names after folding diacritics and Nordic spellings.
    pub fuzzy_names: bool,
    /// Characters of surrounding text to keep with each match (0: none).
    pub context: usize,
    /// Keep values as written in the context (otherwise masked).
    pub show_values: bool,
    /// Matches below this are dropped.
    pub min_confidence: Confidence,
}

impl Default for FindOptions {
    fn default() -> FindOptions {
        FindOptions { fuzzy_names: false, context: 0, show_values: false, min_confidence: Confidence::Low }
    }
}

/// The subjects, indexed for search. Implements [`Search`], so a find runs
/// on the same walker, extractors and limits as a scan.
pub struct SubjectIndex {
    subjects: Vec<Subject>,
    /// Digit keys (see [`digit_key`]) -> what they identify.
    digits: FxHashMap<u64, Vec<Target>>,
    /// Digit counts of the keys, as a bit set.
    key_lengths: u32,
    /// Addresses as written (`@`, `%40`), and spelled out (`(at)`).
    emails: Option<AhoCorasick>,
    /// Built on first use: most shares never spell an address out, and
    /// a thousand subjects make 72,000 spellings.
    spelled: std::sync::OnceLock<Option<AhoCorasick>>,
    spelled_patterns: Vec<String>,
    /// Pattern id -> (subject, index into that subject's emails), for each.
    /// The flag marks a `local+` pattern: a subaddress (`anna+news@`)
    /// whose tag and domain are checked after the match.
    email_targets: Vec<(u32, u32, bool)>,
    spelled_targets: Vec<(u32, u32, bool)>,
    names: NameIndex,
    roots: Vec<PathBuf>,
    opts: FindOptions,
    rule: Arc<str>,
}

/// One match before it gets a location.
#[derive(Clone, Debug)]
struct Hit {
    subject: u32,
    kind: Kind,
    span: Range<usize>,
    normalized: String,
    score: f32,
    reason: &'static str,
}

impl SubjectIndex {
    /// Indexes `subjects`. `roots` are the scanned paths, stripped from a
    /// file's path before its name is searched (a folder given on the
    /// command line is not a mention).
    pub fn new(subjects: Vec<Subject>, roots: &[PathBuf], opts: FindOptions) -> SubjectIndex {
        let mut digits: FxHashMap<u64, Vec<Target>> = FxHashMap::default();
        let mut key_lengths = 0u32;
        let mut add = |key: String, t: Target| {
            let Some(k) = digit_key(key.as_bytes()) else { return };
            key_lengths |= 1 << key.len();
            let v = digits.entry(k).or_default();
            if !v.iter().any(|o| o.subject == t.subject && o.kind == t.kind && o.item == t.item) {
                v.push(t);
            }
        };
        let mut names = NameIndex::new(opts.fuzzy_names);
        let (mut patterns, mut email_targets) = (Vec::new(), Vec::new());
        let (mut spelled_patterns, mut spelled_targets) = (Vec::new(), Vec::new());
        for (i, s) in subjects.iter().enumerate() {
            let subject = i as u32;
            for (item, id) in (0u32..).zip(&s.swedish) {
                let kind = if id.coordination { Kind::Samordningsnummer } else { Kind::Personnummer };
                add(id.twelve.clone(), Target { subject, kind, form: Form::Twelve, item });
                add(id.twelve[2..].to_string(), Target { subject, kind, form: Form::Ten, item });
            }
            for (item, c) in (0u32..).zip(&s.cpr) {
                add(c.clone(), Target { subject, kind: Kind::Cpr, form: Form::Cpr, item });
            }
            for (item, p) in (0u32..).zip(&s.phones) {
                let intl = p.e164.trim_start_matches('+').to_string();
                let cc = p.country_code.to_string();
                let t = |form| Target { subject, kind: Kind::Phone, form, item };
                // `+46 (0)70...`: the trunk prefix written after the code.
                if let Some(nsn) = intl.strip_prefix(&cc) {
                    add(format!("{cc}0{nsn}"), t(Form::International));
                }
                add(intl, t(Form::International));
                if p.national.len() >= MIN_DIGITS {
                    add(p.national.clone(), t(Form::National));
                }
            }
            for (j, e) in (0u32..).zip(&s.emails) {
                let (plain, spelled) = email_variants(e);
                for p in plain {
                    let sub = p.ends_with('+');
                    patterns.push(p);
                    email_targets.push((subject, j, sub));
                }
                for p in spelled {
                    spelled_patterns.push(p);
                    spelled_targets.push((subject, j, false));
                }
            }
            for n in &s.names {
                names.add(subject, n);
            }
        }
        let emails = automaton(&patterns);
        SubjectIndex {
            subjects,
            digits,
            key_lengths,
            emails,
            spelled: std::sync::OnceLock::new(),
            spelled_patterns,
            email_targets,
            spelled_targets,
            names,
            roots: roots.to_vec(),
            opts,
            rule: Arc::from("find"),
        }
    }

    /// The subjects, in the order given.
    pub fn subjects(&self) -> &[Subject] {
        &self.subjects
    }

    /// Every match in `text`, spans in `text`, in text order, overlapping
    /// matches of one subject and kind merged.
    /// Also returns whether any word of `text` belongs to a subject's name.
    fn hits(&self, text: &str) -> (Vec<Hit>, bool) {
        let mut out = Vec::new();
        let norm = Normalized::new(text);
        let hay = norm.text();
        if !self.digits.is_empty() {
            self.digit_hits(hay, &mut out);
        }
        let b = hay.as_bytes();
        let plain = memchr::memchr(b'@', b).is_some() || memchr::memmem::find(b, b"%40").is_some();
        let spelled = memchr::memmem::find(b, b"at)").is_some()
            || memchr::memmem::find(b, b"at]").is_some()
            || memchr::memmem::find(b, b"(a)").is_some();
        let spelled_ac = if spelled { self.spelled.get_or_init(|| automaton(&self.spelled_patterns)) } else { &None };
        let automata = [(plain, &self.emails, &self.email_targets), (spelled, spelled_ac, &self.spelled_targets)];
        for (wanted, ac, targets) in automata {
            let Some(ac) = ac.as_ref().filter(|_| wanted) else { continue };
            for m in ac.find_iter(hay) {
                let (subject, j, sub) = targets[m.pattern().as_usize()];
                let normalized = &self.subjects[subject as usize].emails[j as usize];
                let span = if sub {
                    let domain = normalized.rsplit_once('@').map_or("", |(_, d)| d);
                    match subaddress_end(hay, m.end(), domain) {
                        Some(end) => m.start()..end,
                        None => continue,
                    }
                } else {
                    m.range()
                };
                if !email_bounded(hay, span.clone()) {
                    continue;
                }
                let written = hay[span.clone()].contains('@');
                out.push(Hit {
                    subject,
                    kind: Kind::Email,
                    span,
                    normalized: normalized.clone(),
                    score: if written { 0.95 } else { 0.9 },
                    reason: match (written, sub) {
                        (true, false) => "email",
                        (true, true) => "email:subaddress",
                        _ => "email:spelled-out",
                    },
                });
            }
        }
        for h in &mut out {
            h.span = norm.original_offset(h.span.start)..norm.original_offset(h.span.end);
        }
        let mut named = false;
        if !self.names.is_empty() {
            let mut nh: Vec<NameHit> = Vec::new();
            named = self.names.find(text, &mut nh);
            for h in nh {
                for &subject in self.names.subjects(h.name) {
                    out.push(Hit {
                        subject,
                        kind: Kind::Name,
                        span: h.span.clone(),
                        normalized: self.names.display(h.name).to_string(),
                        score: if h.fuzzy { 0.4 } else { 0.6 },
                        reason: match (h.fuzzy, h.reversed) {
                            (false, false) => "name",
                            (false, true) => "name:last-first",
                            (true, false) => "name:fuzzy",
                            (true, true) => "name:fuzzy;last-first",
                        },
                    });
                }
            }
        }
        (merge(out), named)
    }

    /// Looks up every window of whole digit groups in every run.
    fn digit_hits(&self, hay: &str, out: &mut Vec<Hit>) {
        let b = hay.as_bytes();
        let mut groups: Vec<Range<usize>> = Vec::new();
        let mut i = 0;
        while let Some(off) = b[i..].iter().position(u8::is_ascii_digit) {
            let start = i + off;
            groups.clear();
            let mut end = start;
            loop {
                let g_start = end;
                while end < b.len() && b[end].is_ascii_digit() {
                    end += 1;
                }
                groups.push(g_start..end);
                // Up to three separator bytes, then a digit, continue the run.
                let mut j = end;
                while j < b.len() && j - end < 3 && matches!(b[j], b' ' | b'-' | b'.' | b'/' | b'(' | b')' | b'+') {
                    j += 1;
                }
                if j > end && j < b.len() && b[j].is_ascii_digit() && groups.len() < 64 {
                    end = j;
                } else {
                    break;
                }
            }
            self.windows(hay, &groups, out);
            i = end;
        }
    }

    fn windows(&self, hay: &str, groups: &[Range<usize>], out: &mut Vec<Hit>) {
        let b = hay.as_bytes();
        for first in 0..groups.len() {
            // The window's digits as a number and a count (see `digit_key`).
            let (mut value, mut n) = (0u64, 0usize);
            let double_zero = b[groups[first].clone()].starts_with(b"00");
            for g in &groups[first..] {
                if n + g.len() > MAX_DIGITS {
                    break;
                }
                for &d in &b[g.clone()] {
                    value = value * 10 + u64::from(d - b'0');
                }
                n += g.len();
                if n < MIN_DIGITS {
                    continue;
                }
                let span = groups[first].start..g.end;
                if self.key_lengths & (1 << n) != 0 {
                    self.lookup(value | ((n as u64) << 56), n, span.clone(), false, out);
                }
                // `0046 70...`: the same number without the two zeros.
                if double_zero && self.key_lengths & (1 << (n - 2)) != 0 {
                    self.lookup(value | (((n - 2) as u64) << 56), n - 2, span, true, out);
                }
            }
        }
    }

    fn lookup(&self, key: u64, digits: usize, span: Range<usize>, double_zero: bool, out: &mut Vec<Hit>) {
        let Some(targets) = self.digits.get(&key) else { return };
        for t in targets {
            if double_zero && t.form != Form::International {
                continue;
            }
            let s = &self.subjects[t.subject as usize];
            let item = t.item as usize;
            let (normalized, score, reason) = match t.form {
                Form::Twelve => (s.swedish[item].twelve.clone(), 0.95, "id:12-digit"),
                Form::Ten => (s.swedish[item].twelve.clone(), 0.95, "id:10-digit"),
                Form::Cpr => (s.cpr[item].clone(), 0.95, "cpr"),
                Form::International => (s.phones[item].e164.clone(), 0.95, "phone:international"),
                Form::National if digits >= 9 => (s.phones[item].e164.clone(), 0.9, "phone:national"),
                // Eight bare digits could be many things.
                Form::National => (s.phones[item].e164.clone(), 0.6, "phone:national-8-digit"),
            };
            out.push(Hit { subject: t.subject, kind: t.kind, span: span.clone(), normalized, score, reason });
        }
    }

    /// Turns the hits in `text` into findings at `at`.
    fn findings(&self, at: &Location, text: &str, hits: Vec<Hit>, out: &mut Vec<Finding>) {
        let multi_line = matches!(at, Location::Line { .. } | Location::Page { .. } | Location::Body { .. });
        let mut cursor = LineCursor::new(text);
        let masked: Vec<(String, String)> = hits.iter().map(|h| masks(h, &text[h.span.clone()])).collect();
        // Every match in the text, as the context shows it.
        let shown: Vec<(Range<usize>, &str)> = hits
            .iter()
            .zip(&masked)
            .map(|(h, m)| (h.span.clone(), if self.opts.show_values { &text[h.span.clone()] } else { m.0.as_str() }))
            .collect();
        for (i, (h, (masked_value, masked_normalized))) in hits.iter().zip(&masked).enumerate() {
            if Confidence::from_score(h.score) < self.opts.min_confidence {
                continue;
            }
            let value = &text[h.span.clone()];
            let location = if multi_line {
                let (line, column) = cursor.line_column(h.span.start);
                at.at_line(line, column)
            } else {
                at.clone()
            };
            let context =
                (self.opts.context > 0).then(|| context(text, i, &shown, self.opts.context, self.opts.show_values));
            out.push(Finding {
                kind: h.kind,
                rule: self.rule.clone(),
                location,
                texts: Texts::new(value, &h.normalized, masked_value, masked_normalized),
                score: h.score,
                reason: h.reason.into(),
                subject: Some(h.subject),
                context,
            });
        }
    }

    /// The part of a walked path that is searched: below the scanned root,
    /// or the file name when the root is the file itself. Member names are
    /// searched whole.
    fn searched_name<'a>(&self, name: &'a str) -> &'a str {
        let p = Path::new(name);
        let mut best: Option<&'a str> = None;
        for root in &self.roots {
            if let Ok(rel) = p.strip_prefix(root) {
                let rel = rel.to_str().unwrap_or("");
                let rel = if rel.is_empty() { p.file_name().and_then(|f| f.to_str()).unwrap_or("") } else { rel };
                if best.is_none_or(|b| rel.len() < b.len()) {
                    best = Some(rel);
                }
            }
        }
        best.unwrap_or(name)
    }
}

thread_local! {
    /// The table row being read (sheet and row) and the tail of its cells
    /// so far: a name split over cells (`Förnamn` | `Efternamn`) is found
    /// across them. Reset at every new file or member.
    static ROW: std::cell::RefCell<(Option<(String, u64)>, String)> =
        const { std::cell::RefCell::new((None, String::new())) };
}

/// The row a cell or CSV field belongs to.
fn row_of(at: &Location) -> Option<(String, u64)> {
    match at {
        Location::Record { row, .. } => Some((String::new(), *row)),
        Location::Cell { sheet, row, .. } => Some((sheet.clone(), u64::from(*row))),
        _ => None,
    }
}

/// Bytes of earlier cells kept for names across cells.
const ROW_TAIL: usize = 160;

impl SubjectIndex {
    /// Names whose parts stand in different cells of one row: reported at
    /// the cell where the name ends, the cells' text joined by a space.
    /// `named`: whether `text` holds any word of a subject's name.
    fn names_across_cells(&self, at: &Location, text: &str, named: bool, out: &mut Vec<Finding>) {
        let Some(key) = row_of(at) else {
            ROW.with(|r| r.borrow_mut().0 = None);
            return;
        };
        ROW.with(|r| {
            let mut r = r.borrow_mut();
            if r.0.as_ref() != Some(&key) {
                r.0 = Some(key);
                r.1.clear();
            }
            if !named {
                // A cell of other words breaks a name; one of numbers or
                // punctuation only (an id, a date) does not.
                if text.chars().any(char::is_alphabetic) {
                    r.1.clear();
                }
                return;
            }
            if !r.1.is_empty() {
                let before = r.1.len();
                let joined = format!("{} {}", r.1, text);
                let mut hits = Vec::new();
                self.names.find(&joined, &mut hits);
                for h in hits.into_iter().filter(|h| h.span.start < before && h.span.end > before + 1) {
                    let score = if h.fuzzy { 0.4 } else { 0.6 };
                    if Confidence::from_score(score) < self.opts.min_confidence {
                        continue;
                    }
                    let value: String =
                        joined[h.span.clone()].chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
                    let masked = mask_name(&value);
                    for &subject in self.names.subjects(h.name) {
                        let display = self.names.display(h.name);
                        let shown = if self.opts.show_values { value.clone() } else { masked.clone() };
                        out.push(Finding {
                            kind: Kind::Name,
                            rule: self.rule.clone(),
                            location: at.clone(),
                            texts: Texts::new(&value, display, &masked, &mask_name(display)),
                            score,
                            reason: if h.fuzzy { "name:fuzzy;across-cells" } else { "name:across-cells" }.into(),
                            subject: Some(subject),
                            context: (self.opts.context > 0).then(|| format!("«{shown}»")),
                        });
                    }
                }
            }
            r.1.push(' ');
            r.1.push_str(text);
            if r.1.len() > ROW_TAIL {
                let mut cut = r.1.len() - ROW_TAIL;
                while !r.1.is_char_boundary(cut) {
                    cut += 1;
                }
                r.1.drain(..cut);
            }
        });
    }
}

impl Search for SubjectIndex {
    fn search(&self, at: &Location, _label: &str, text: &str, out: &mut Vec<Finding>) {
        let (hits, named) = self.hits(text);
        if !hits.is_empty() {
            self.findings(at, text, hits, out);
        }
        if !self.names.is_empty() {
            self.names_across_cells(at, text, named, out);
        }
    }

    fn search_binary(&self) -> bool {
        true
    }

    fn search_name(&self, name: &str, out: &mut Vec<Finding>) {
        // A new file or member: no row continues from the last one.
        ROW.with(|r| r.borrow_mut().0 = None);
        let name = self.searched_name(name);
        let (hits, _) = self.hits(name);
        if !hits.is_empty() {
            self.findings(&Location::FileName, name, hits, out);
        }
    }
}

/// One automaton over `patterns`, ASCII case-insensitive, longest match.
fn automaton(patterns: &[String]) -> Option<AhoCorasick> {
    if patterns.is_empty() {
        return None;
    }
    AhoCorasickBuilder::new().ascii_case_insensitive(true).match_kind(MatchKind::LeftmostLongest).build(patterns).ok()
}

/// A string of ASCII digits as a hash key: its value in the low 56 bits
/// and its length above (so `0701` and `701` differ). `None` for more than
/// [`MAX_DIGITS`] digits or a non-digit.
fn digit_key(digits: &[u8]) -> Option<u64> {
    if digits.len() > MAX_DIGITS || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let value = digits.iter().fold(0u64, |v, &d| v * 10 + u64::from(d - b'0'));
    Some(value | ((digits.len() as u64) << 56))
}

/// Sorts hits by position and merges overlapping hits of the same subject
/// and kind (the windows of one run, `Lindqvist, Anna Maria`).
fn merge(mut hits: Vec<Hit>) -> Vec<Hit> {
    hits.sort_by_key(|h| (h.subject, h.kind, h.span.start));
    let mut out: Vec<Hit> = Vec::with_capacity(hits.len());
    for h in hits {
        if let Some(prev) = out.last_mut()
            && prev.subject == h.subject
            && prev.kind == h.kind
            && h.span.start < prev.span.end
        {
            if h.span.end > prev.span.end && h.kind == Kind::Name {
                prev.span.end = h.span.end;
            }
            if h.score > prev.score {
                prev.score = h.score;
                prev.reason = h.reason;
            }
            continue;
        }
        out.push(h);
    }
    out.sort_by_key(|h| (h.span.start, h.subject, h.kind));
    out
}

/// The spellings of `email` searched for: as written (`@`, URL-encoded
/// `%40`), and with `@` and the domain's dots spelled out in brackets, as
/// people write to fool address harvesters (`anna (at) exempel.se`,
/// `anna[at]exempel[dot]se`).
fn email_variants(email: &str) -> (Vec<String>, Vec<String>) {
    let mut plain = vec![email.to_string()];
    let mut spelled = Vec::new();
    let Some((local, domain)) = email.split_once('@') else { return (plain, spelled) };
    plain.push(format!("{local}%40{domain}"));
    // `anna+news@exempel.se` is delivered to anna@exempel.se.
    if !local.contains('+') {
        plain.push(format!("{local}+"));
    }
    for at in ["(at)", " (at) ", "[at]", " [at] ", "(a)", " (a) "] {
        spelled.push(format!("{local}{at}{domain}"));
        for dot in [" dot ", "(dot)", " (dot) ", "[dot]", " [dot] "] {
            spelled.push(format!("{local}{at}{}", domain.replace('.', dot)));
        }
    }
    (plain, spelled)
}

/// Where a subaddress ends: after a `local+` match at `from`, a tag,
/// `@` and `domain` (any case). `None` if the text is not that.
fn subaddress_end(hay: &str, from: usize, domain: &str) -> Option<usize> {
    let b = hay.as_bytes();
    let mut i = from;
    while i < b.len() && i - from < 64 && (b[i].is_ascii_alphanumeric() || matches!(b[i], b'.' | b'_' | b'-' | b'=')) {
        i += 1;
    }
    if b.get(i) != Some(&b'@') {
        return None;
    }
    let d = b.get(i + 1..i + 1 + domain.len())?;
    d.eq_ignore_ascii_case(domain.as_bytes()).then_some(i + 1 + domain.len())
}

/// True when the match at `r` is a whole address: no address character
/// glued before it, no domain character after it.
fn email_bounded(hay: &str, r: Range<usize>) -> bool {
    let b = hay.as_bytes();
    let local = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'%' | b'+' | b'-' | b'\'');
    let before_ok = r.start == 0 || !local(b[r.start - 1]);
    let after_ok = match b.get(r.end) {
        None => true,
        Some(c) if c.is_ascii_alphanumeric() || *c == b'-' => false,
        Some(b'.') => !b.get(r.end + 1).is_some_and(u8::is_ascii_alphanumeric),
        Some(_) => true,
    };
    before_ok && after_ok && !hay[..r.start].ends_with(|c: char| c.is_alphanumeric() && !c.is_ascii())
}

/// The masked value as written and the masked normalized value of a hit.
fn masks(h: &Hit, value: &str) -> (String, String) {
    match h.kind {
        Kind::Name => (mask_name(value), mask_name(&h.normalized)),
        Kind::Email => (Mask::Email.apply(&h.normalized), Mask::Email.apply(&h.normalized)),
        Kind::Phone => {
            let m = Mask::Digits { keep_first: 3, keep_last: 2 };
            (m.apply(value), m.apply(&h.normalized))
        }
        _ => (Mask::LastDigits(4).apply(value), Mask::LastDigits(4).apply(&h.normalized)),
    }
}

/// Up to `n` characters each side of match `current` of `all` (every match
/// in `text`, with how to show it), the match marked `«...»`. Other matches
/// in the window are shown as they are in the report; unless `show_values`,
/// digit runs of six or more digits and e-mail local parts in between are
/// masked too: they may be someone else's.
fn context(text: &str, current: usize, all: &[(Range<usize>, &str)], n: usize, show_values: bool) -> String {
    let span = all[current].0.clone();
    let mut from = text[..span.start].char_indices().rev().nth(n.saturating_sub(1)).map_or(0, |(i, _)| i);
    let mut to = text[span.end..].char_indices().nth(n).map_or(text.len(), |(i, _)| span.end + i);
    // Never cut another match in half.
    for (r, _) in all {
        if r.start < from && r.end > from {
            from = r.start;
        }
        if r.start < to && r.end > to {
            to = r.end;
        }
    }
    let clean = |s: &str| -> String {
        let flat: String = s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
        if show_values { flat } else { mask_context(&flat) }
    };
    let mut out = String::new();
    if from > 0 {
        out.push('…');
    }
    let mut pos = from;
    let mut inside: Vec<(usize, &(Range<usize>, &str))> =
        all.iter().enumerate().filter(|(_, (r, _))| r.start >= from && r.end <= to).collect();
    inside.sort_by_key(|(i, (r, _))| (r.start, *i != current));
    for (i, (r, shown)) in inside {
        if r.start < pos {
            continue; // overlaps one already shown
        }
        out.push_str(&clean(&text[pos..r.start]));
        let flat: String = shown.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
        if i == current {
            out.push('«');
            out.push_str(&flat);
            out.push('»');
        } else {
            out.push_str(&flat);
        }
        pos = r.end;
    }
    out.push_str(&clean(&text[pos..to]));
    if to < text.len() {
        out.push('…');
    }
    out
}

/// An ASCII or full-width digit (both are read as digits by the detectors).
fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || ('\u{FF10}'..='\u{FF19}').contains(&c)
}

/// Masks digit runs of six or more digits (separators allowed) and the
/// local part of anything shaped like an address.
fn mask_context(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = chars.clone();
    let mut i = 0;
    while i < chars.len() {
        if !is_digit(chars[i]) {
            i += 1;
            continue;
        }
        let start = i;
        let mut digits = 0;
        let mut end = i;
        while end < chars.len() {
            if is_digit(chars[end]) {
                digits += 1;
                end += 1;
            } else if matches!(chars[end], ' ' | '-' | '.' | '/' | '+')
                && chars.get(end + 1).is_some_and(|c| is_digit(*c))
            {
                end += 1;
            } else {
                break;
            }
        }
        if digits >= 6 {
            for c in &mut out[start..end] {
                if is_digit(*c) {
                    *c = 'X';
                }
            }
        }
        i = end.max(i + 1);
    }
    for (at, _) in chars.iter().enumerate().filter(|(_, c)| **c == '@') {
        let mut j = at;
        while j > 0 && (chars[j - 1].is_alphanumeric() || matches!(chars[j - 1], '.' | '_' | '-' | '+')) {
            j -= 1;
            if j + 1 < at {
                out[j + 1] = '*';
            }
        }
    }
    out.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::date::Date;
    use subject::{check, parse_file};

    const TODAY: Date = Date { year: 2026, month: 11, day: 22 };

    fn index_with(toml: &str, opts: FindOptions) -> SubjectIndex {
        let subjects = check(parse_file("t.toml", toml).expect("parse"), TODAY).expect("valid");
        SubjectIndex::new(subjects, &[PathBuf::from("share")], opts)
    }

    fn index(toml: &str) -> SubjectIndex {
        index_with(toml, FindOptions::default())
    }

    /// `(subject id, kind, text as written, reason)` for every match.
    fn found(ix: &SubjectIndex, text: &str) -> Vec<(String, Kind, String, String)> {
        let mut out = Vec::new();
        ix.search(&Location::Line { line: 1, column: 1 }, "", text, &mut out);
        out.into_iter()
            .map(|f| {
                (ix.subjects()[f.subject.expect("subject") as usize].id.clone(), f.kind, f.value().to_string(), f.reason.to_string())
            })
            .collect()
    }

    fn values(ix: &SubjectIndex, text: &str) -> Vec<String> {
        found(ix, text).into_iter().map(|(_, _, v, _)| v).collect()
    }

    const ANNA: &str = "id = 'anna'\nname = 'Anna Maria Lindqvist'\npersonnummer = '19811218-9876'\n\
                        email = 'anna.l@exempel.se'\nphone = '070-174 06 05'\n";

    #[test]
    fn every_written_form_of_a_personnummer() {
        let ix = index(ANNA);
        for form in [
            "19811218-9876",
            "811218-9876",
            "8112189876",
            "198112189876",
            "811218 9876",
            "811218+9876",
            "811218\u{2013}9876",
            "1981 12 18-9876",
            "８１１２１８-９８７６",
        ] {
            let text = format!("Pnr: {form}, tack.");
            assert_eq!(values(&ix, &text), vec![form.to_string()], "{form}");
        }
        assert_eq!(found(&ix, "x 811218-9876")[0].1, Kind::Personnummer);
    }

    #[test]
    fn near_misses_do_not_match() {
        let ix = index(ANNA);
        for text in ["811218-9875", "811218-98765", "1811218-9876", "811219-9876", "81121898760"] {
            assert!(values(&ix, text).is_empty(), "{text}");
        }
    }

    #[test]
    fn every_written_form_of_a_phone() {
        let ix = index(ANNA);
        for form in [
            "070-174 06 05",
            "0701740605",
            "070 174 06 05",
            "070-1740605",
            "+46701740605",
            "+46 70 174 06 05",
            "+46 (0)70-174 06 05",
            "0046 70 174 06 05",
            "0046701740605",
            "46701740605",
            "070.174.06.05",
        ] {
            let text = format!("Ring {form} i dag");
            let got = found(&ix, &text);
            assert_eq!(got.len(), 1, "{form}: {got:?}");
            assert_eq!(got[0].1, Kind::Phone);
            assert!(form.ends_with(got[0].2.as_str()), "{form}: {:?}", got[0].2);
        }
        assert!(values(&ix, "Ring 070-174 06 06").is_empty());
        assert!(values(&ix, "Ring 070-174 06 055").is_empty());
    }

    #[test]
    fn danish_identifiers() {
        let ix = index("cpr = ['070761-4285', '070761-4286']\nphone = '+45 20 12 34 56'\n");
        assert_eq!(values(&ix, "CPR 070761-4285"), vec!["070761-4285"]);
        assert_eq!(values(&ix, "cpr 0707614286 (fejl i mod 11)"), vec!["0707614286"], "mod 11 does not matter");
        assert_eq!(values(&ix, "070761 4285"), vec!["070761 4285"]);
        assert!(values(&ix, "070761-4287").is_empty());
        let got = found(&ix, "Tlf. 20 12 34 56 / 0045 20123456 / +4520123456");
        assert_eq!(got.len(), 3, "{got:?}");
        assert_eq!(got[0].3, "phone:national-8-digit");
        assert_eq!(got[1].3, "phone:international");
    }

    #[test]
    fn emails_in_any_case_and_spelling() {
        let ix = index(ANNA);
        for form in [
            "anna.l@exempel.se",
            "Anna.L@Exempel.SE",
            "anna.l (at) exempel.se",
            "anna.l[at]exempel[dot]se",
            "anna.l%40exempel.se",
            "anna.l+nyhetsbrev@Exempel.se",
        ] {
            let text = format!("<a href=\"mailto:{form}\">mejla</a>.");
            assert_eq!(values(&ix, &text), vec![form.to_string()], "{form}");
        }
        for other in [
            "xanna.l@exempel.se",
            "anna.l@exempel.se.evil.com",
            "anna.l@exempel.sex",
            "jo.anna.l@exempel.se",
            "anna.l+x@exempel.com",
            "anna.l+ @exempel.se",
        ] {
            assert!(values(&ix, other).is_empty(), "{other}");
        }
    }

    #[test]
    fn names_are_reported_as_their_own_kind() {
        let ix = index(ANNA);
        let got = found(&ix, "Anna Lindqvist, pnr 19811218-9876");
        let kinds: Vec<Kind> = got.iter().map(|g| g.1).collect();
        assert_eq!(kinds, vec![Kind::Name, Kind::Personnummer]);
        // Same name, another personnummer: the name only.
        let got = found(&ix, "Anna Lindqvist, pnr 19460705-4725");
        assert_eq!(got.iter().map(|g| g.1).collect::<Vec<_>>(), vec![Kind::Name]);
        let got = found(&ix, "Lindqvist, Anna Maria");
        assert_eq!(got.len(), 1, "overlapping name hits merge: {got:?}");
        assert_eq!(got[0].2, "Lindqvist, Anna Maria");
    }

    #[test]
    fn names_split_over_cells_of_one_row() {
        let ix = index(ANNA);
        let cell = |row, column: &str| Location::Record { row, column: column.into() };
        let mut out = Vec::new();
        ix.search_name("share/kunder.csv", &mut out);
        for (row, column, text) in [
            (2, "Förnamn", "Anna"),
            (2, "Efternamn", "Lindqvist"),
            (3, "Förnamn", "Anna"),
            (4, "Efternamn", "Lindqvist"),
            (5, "Efternamn", "Lindqvist"),
            (5, "Förnamn", "Anna"),
        ] {
            ix.search(&cell(row, column), "", text, &mut out);
        }
        let got: Vec<(String, String, String)> =
            out.iter().map(|f| (f.location.to_string(), f.value().to_string(), f.reason.to_string())).collect();
        assert_eq!(
            got,
            vec![
                ("row 2, column Efternamn".into(), "Anna Lindqvist".into(), "name:across-cells".into()),
                ("row 5, column Förnamn".into(), "Lindqvist Anna".into(), "name:across-cells".into()),
            ],
            "rows 3 and 4 do not join"
        );
        // A new file starts a new row even with the same row number.
        let mut next = Vec::new();
        ix.search_name("share/other.csv", &mut next);
        ix.search(&cell(5, "Efternamn"), "", "Lindqvist", &mut next);
        assert!(next.is_empty());
    }

    #[test]
    fn fuzzy_names_are_low_confidence() {
        let toml = "name = 'Östen Åkerlund'";
        assert!(found(&index(toml), "Oesten Aakerlund").is_empty());
        let fuzzy = index_with(toml, FindOptions { fuzzy_names: true, ..FindOptions::default() });
        let mut out = Vec::new();
        fuzzy.search(&Location::Line { line: 1, column: 1 }, "", "Hej Oesten Aakerlund", &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].confidence(), Confidence::Low);
        assert_eq!(&*out[0].reason, "name:fuzzy");
        assert_eq!(out[0].masked_value(), "O***** A********");
    }

    #[test]
    fn many_subjects_are_told_apart() {
        let toml = "[[subject]]\nid = 'a'\npersonnummer = '811218-9876'\n\
                    [[subject]]\nid = 'b'\ncpr = '070761-4285'\nemail = 'b@example.com'\n";
        let ix = index(toml);
        let got = found(&ix, "811218-9876 och 070761-4285 och B@example.com");
        let ids: Vec<&str> = got.iter().map(|g| g.0.as_str()).collect();
        assert_eq!(ids, vec!["a", "b", "b"]);
    }

    #[test]
    fn file_names_below_the_root_are_searched() {
        let ix = index(ANNA);
        let mut out = Vec::new();
        ix.search_name("share/HR/Anna_Lindqvist/lön 811218-9876.pdf", &mut out);
        assert_eq!(out.iter().map(|f| f.kind).collect::<Vec<_>>(), vec![Kind::Name, Kind::Personnummer]);
        assert!(out.iter().all(|f| f.location == Location::FileName));
        let mut root_only = Vec::new();
        let ix2 = SubjectIndex::new(ix.subjects().to_vec(), &[PathBuf::from("Anna Lindqvist")], FindOptions::default());
        ix2.search_name("Anna Lindqvist/brev.txt", &mut root_only);
        assert!(root_only.is_empty(), "the folder the user named is not a mention");
    }

    #[test]
    fn context_is_masked() {
        let ix = index_with(ANNA, FindOptions { context: 20, ..FindOptions::default() });
        let mut out = Vec::new();
        let text = "Kund 460705-4725 och anna.l@exempel.se ringde från 070-174 06 05 om fakturan i går";
        ix.search(&Location::Line { line: 1, column: 1 }, "", text, &mut out);
        let phone = out.iter().find(|f| f.kind == Kind::Phone).expect("phone");
        let c = phone.context.as_deref().expect("context");
        assert_eq!(c, "…a***@exempel.se ringde från «070-XXX XX 05» om fakturan i går");
        let email = out.iter().find(|f| f.kind == Kind::Email).expect("email");
        let c = email.context.as_deref().expect("context");
        assert!(c.contains("XXXXXX-XXXX") && c.contains("«a***@exempel.se»"), "{c}");
        assert!(!c.contains("4725"), "{c}");
        // Full-width digits around a match are masked like ASCII ones.
        assert_eq!(mask_context("pnr ４６０７０５-４７２５"), "pnr XXXXXX-XXXX");
    }
}
