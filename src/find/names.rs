//! Name matching: a subject's first (or any given) name and last name as
//! whole words, case-insensitive, within a few words of each other in either
//! order (`Anna Maria Lindqvist`, `Anna M. Lindqvist`, `Lindqvist, Anna`),
//! with the Swedish and Danish genitive `-s` allowed on the last name.
//!
//! With fuzzy folding, diacritics are dropped and the usual ASCII spellings
//! of Nordic letters are read as the letter (`Östen`, `Osten`, `Oesten`;
//! `Åkerlund`, `Aakerlund`; `Kjær`, `Kjaer`), so that a file written on a
//! keyboard or system without them still matches. Every text word costs one
//! hash lookup, whatever the number of subjects.

use rustc_hash::FxHashMap;
use std::ops::Range;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Words between a given name and the last name that still make a match
/// (`Anna Maria Lovisa Lindqvist`: two), if each is another given name of
/// the subject, an initial or a particle.
const MAX_GAP: usize = 2;

/// Name particles that are part of a last name, never a given name.
const PARTICLES: [&str; 10] = ["af", "av", "von", "van", "de", "der", "den", "la", "du", "zu"];

/// The words of `s` as a name matcher sees them: runs of letters (and
/// combining marks, apostrophes inside a word); hyphens separate words.
pub fn words(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut it = WordIter { s, pos: 0 };
    while let Some(r) = it.next_word() {
        out.push(&s[r]);
    }
    out
}

struct WordIter<'a> {
    s: &'a str,
    pos: usize,
}

fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphabetic();
    }
    c.is_alphabetic() || is_combining_mark(c)
}

impl WordIter<'_> {
    /// The byte range of the next word.
    fn next_word(&mut self) -> Option<Range<usize>> {
        let b = self.s.as_bytes();
        // Skip to a word start: ASCII fast path, full decoding otherwise.
        let mut i = self.pos;
        let start = loop {
            if i >= b.len() {
                self.pos = i;
                return None;
            }
            let c = b[i];
            if c.is_ascii_alphabetic() {
                break i;
            }
            if c < 0x80 {
                i += 1;
                continue;
            }
            let ch = self.s[i..].chars().next()?;
            if is_word_char(ch) {
                break i;
            }
            i += ch.len_utf8();
        };
        // ASCII letters first; decode only at the first other byte.
        let mut end = start;
        while end < b.len() && b[end].is_ascii_alphabetic() {
            end += 1;
        }
        if end == b.len() || (b[end] < 0x80 && !matches!(b[end], b'\'')) {
            self.pos = end;
            return Some(start..end);
        }
        let mut chars = self.s[start..].char_indices().peekable();
        while let Some((off, ch)) = chars.next() {
            if is_word_char(ch) {
                end = start + off + ch.len_utf8();
            } else if matches!(ch, '\'' | '\u{2019}') && chars.peek().is_some_and(|&(_, n)| n.is_alphabetic()) {
                continue;
            } else {
                break;
            }
        }
        self.pos = end;
        Some(start..end)
    }
}

/// Folds a word for exact matching: lower case, composed (NFC).
pub fn fold_exact(word: &str, out: &mut String) {
    out.clear();
    if word.is_ascii() {
        out.extend(word.bytes().map(|b| b.to_ascii_lowercase() as char));
    } else if word.chars().any(|c| c >= '\u{300}' && is_combining_mark(c)) {
        for c in word.nfc() {
            out.extend(c.to_lowercase());
        }
    } else {
        for c in word.chars() {
            out.extend(c.to_lowercase());
        }
    }
}

/// Folds a word for fuzzy matching: lower case, diacritics dropped, Nordic
/// letters and their ASCII spellings made one (`ø`, `ö`, `oe` -> `o`;
/// `æ`, `ä`, `ae` -> `a`; `å`, `aa` -> `a`; `ü`, `ue` -> `u`; `ß` -> `ss`).
pub fn fold_fuzzy(word: &str, out: &mut String) {
    let mut plain = String::with_capacity(word.len());
    for c in word.nfd() {
        if is_combining_mark(c) {
            continue;
        }
        for l in c.to_lowercase() {
            match l {
                'ø' | 'œ' => plain.push('o'),
                'æ' => plain.push('a'),
                'ß' => plain.push_str("ss"),
                'đ' | 'ð' => plain.push('d'),
                'ł' => plain.push('l'),
                'þ' => plain.push_str("th"),
                _ => plain.push(l),
            }
        }
    }
    out.clear();
    let b = plain.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let two = b.get(i..i + 2);
        if matches!(two, Some(b"oe" | b"ae" | b"aa" | b"ue")) {
            out.push(b[i] as char);
            i += 2;
            continue;
        }
        // Char boundary: `plain` may hold non-ASCII letters.
        let c = plain[i..].chars().next().unwrap_or(' ');
        out.push(c);
        i += c.len_utf8();
    }
}

/// What a folded word is in one subject name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Role {
    /// Index into [`NameIndex::names`].
    name: u32,
    /// True for the last name, false for a given name.
    last: bool,
}

/// One name to look for, shared by every subject with that name.
#[derive(Clone, Debug)]
pub struct NameEntry {
    /// The subjects with this name.
    subjects: Vec<u32>,
    /// The name's words, folded exactly (to tell fuzzy from exact hits).
    exact: Vec<String>,
    /// The name as first given.
    display: String,
}

/// A name match in a text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameHit {
    /// The name (see [`NameIndex::subjects`]).
    pub name: u32,
    /// Byte range in the text, from the first to the last matched word.
    pub span: Range<usize>,
    /// Last name first (`Lindqvist, Anna`).
    pub reversed: bool,
    /// Matched only after fuzzy folding.
    pub fuzzy: bool,
}

/// Every subject name, indexed by folded word.
#[derive(Debug, Default)]
pub struct NameIndex {
    fuzzy: bool,
    names: Vec<NameEntry>,
    /// The exact-folded words of each name -> its index in `names`.
    by_words: FxHashMap<Vec<String>, u32>,
    words: FxHashMap<String, Vec<Role>>,
    /// Folded word lengths that occur in the index, in bytes, as a bit set
    /// (64 and longer share the last bit): skips most lookups.
    lengths: u64,
    /// First bytes of the folded words, as a bit set: a text word whose
    /// first letter is ASCII and not in it is skipped before folding.
    first_bytes: [u64; 4],
}

impl NameIndex {
    /// An empty index; `fuzzy` selects [`fold_fuzzy`] over [`fold_exact`].
    pub fn new(fuzzy: bool) -> NameIndex {
        NameIndex { fuzzy, ..NameIndex::default() }
    }

    /// True when no name was added.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    fn fold(&self, word: &str, out: &mut String) {
        if self.fuzzy { fold_fuzzy(word, out) } else { fold_exact(word, out) }
    }

    /// Adds `name` (at least two words) for `subject`. The last word is the
    /// last name; the others are given names, any of which may be used with
    /// it. Particles (`af`, `von`) are neither.
    pub fn add(&mut self, subject: u32, name: &str) {
        let ws = words(name);
        let Some((last, given)) = ws.split_last() else { return };
        let mut exact = Vec::new();
        let mut f = String::new();
        for w in &ws {
            fold_exact(w, &mut f);
            exact.push(f.clone());
        }
        // Namesakes share one entry: a common name is looked at once.
        if let Some(&id) = self.by_words.get(&exact) {
            let subjects = &mut self.names[id as usize].subjects;
            if !subjects.contains(&subject) {
                subjects.push(subject);
            }
            return;
        }
        let id = self.names.len() as u32;
        self.by_words.insert(exact.clone(), id);
        self.names.push(NameEntry { subjects: vec![subject], exact, display: name.to_string() });
        let mut key = String::new();
        self.fold(last, &mut key);
        self.insert(key.clone(), Role { name: id, last: true });
        for g in given {
            fold_exact(g, &mut f);
            if PARTICLES.contains(&f.as_str()) {
                continue;
            }
            self.fold(g, &mut key);
            self.insert(key.clone(), Role { name: id, last: false });
        }
    }

    fn insert(&mut self, key: String, role: Role) {
        self.lengths |= 1u64 << key.len().min(63);
        if let Some(&b) = key.as_bytes().first() {
            self.first_bytes[usize::from(b >> 6)] |= 1u64 << (b & 63);
        }
        let roles = self.words.entry(key).or_default();
        if !roles.contains(&role) {
            roles.push(role);
        }
    }

    /// The subjects named by name `name` of a [`NameHit`].
    pub fn subjects(&self, name: u32) -> &[u32] {
        self.names.get(name as usize).map_or(&[], |n| n.subjects.as_slice())
    }

    /// Name `name` of a [`NameHit`] as given.
    pub fn display(&self, name: u32) -> &str {
        self.names.get(name as usize).map_or("", |n| n.display.as_str())
    }

    /// Finds every name in `text`, in text order.
    ///
    /// Returns true when any word of `text` is part of a name (a hit or
    /// not): a caller joining table cells needs to look further only then.
    pub fn find(&self, text: &str, out: &mut Vec<NameHit>) -> bool {
        if self.names.is_empty() {
            return false;
        }
        let mut named = false;
        /// What a word just before can be to a name; any other word breaks
        /// a name (`Anna Berg Lindqvist` is not Anna Lindqvist).
        enum Prev {
            /// An initial or a particle: may stand inside a name.
            Filler,
            /// Part of one or more names.
            Name(Vec<Role>),
        }
        // Name words and fillers among the last MAX_GAP + 1 words, with
        // their word numbers; most words are neither and cost nothing here.
        let mut recent: Vec<(usize, Range<usize>, Prev)> = Vec::new();
        let mut it = WordIter { s: text, pos: 0 };
        let mut key = String::new();
        let mut index = 0usize;
        while let Some(span) = it.next_word() {
            index += 1;
            let word = &text[span.clone()];
            let prev = match self.lookup(word, &mut key).filter(|_| !in_address(text, &span)) {
                Some(roles) => Prev::Name(roles),
                None if word.len() <= 3 && is_filler(word) => Prev::Filler,
                None => continue,
            };
            recent.retain(|(i, _, _)| index - i <= MAX_GAP + 1);
            if let Prev::Name(roles) = &prev {
                for role in roles {
                    // Walk back over consecutive words that are the
                    // subject's other given names or fillers to the
                    // counterpart (a given name before the last name, or
                    // the last name before a given name).
                    let mut start = None;
                    let mut expect = index - 1;
                    for (i, prev_span, prev) in recent.iter().rev() {
                        if *i != expect {
                            break;
                        }
                        expect = expect.saturating_sub(1);
                        match prev {
                            Prev::Name(rs) if rs.iter().any(|r| r.name == role.name && r.last != role.last) => {
                                start = Some(prev_span.start);
                            }
                            Prev::Name(rs) if rs.iter().any(|r| r.name == role.name && !r.last) => {}
                            Prev::Filler => {}
                            Prev::Name(_) => break,
                        }
                    }
                    if let Some(start) = start {
                        let whole = start..span.end;
                        let fuzzy = self.fuzzy && !self.exact_match(role.name, &text[whole.clone()]);
                        out.push(NameHit { name: role.name, span: whole, reversed: !role.last, fuzzy });
                    }
                }
            }
            named |= matches!(prev, Prev::Name(_));
            recent.push((index, span, prev));
        }
        named
    }

    /// The roles of `word`, trying the genitive `-s` (last names only).
    fn lookup(&self, word: &str, key: &mut String) -> Option<Vec<Role>> {
        if word.len() > 255 {
            return None;
        }
        // Folding keeps an ASCII first letter (lower-cased); `Oe`, `Ae`
        // and `Aa` fold to their first letter too. Not so when a combining
        // mark follows (`O` + U+0308 is `ö`).
        let first = word.as_bytes()[0];
        if first.is_ascii() && word.as_bytes().get(1).is_none_or(|&b| b < 0x80) {
            let f = first.to_ascii_lowercase();
            if self.first_bytes[usize::from(f >> 6)] & (1u64 << (f & 63)) == 0 {
                return None;
            }
        }
        self.fold(word, key);
        let has_len = |n: usize| self.lengths & (1u64 << n.min(63)) != 0;
        let mut found: Vec<Role> = Vec::new();
        if has_len(key.len())
            && let Some(r) = self.words.get(key.as_str())
        {
            found.extend(r);
        }
        if let Some(stem) = key.strip_suffix('s').map(|k| k.trim_end_matches(['\'', '\u{2019}']))
            && !stem.is_empty()
            && has_len(stem.len())
            && let Some(r) = self.words.get(stem)
        {
            for role in r.iter().filter(|r| r.last) {
                if !found.contains(role) {
                    found.push(*role);
                }
            }
        }
        (!found.is_empty()).then_some(found)
    }

    /// True when every word of `matched` that belongs to the name is
    /// spelled as in the name (ignoring case), i.e. no fuzzy folding was
    /// needed.
    fn exact_match(&self, name: u32, matched: &str) -> bool {
        let entry = &self.names[name as usize];
        let mut f = String::new();
        let mut fz = String::new();
        let mut hits = 0;
        for w in words(matched) {
            fold_exact(w, &mut f);
            let stem = f.strip_suffix('s').unwrap_or(&f);
            if entry.exact.iter().any(|e| *e == f || e == stem) {
                hits += 1;
                continue;
            }
            // A word that matched only after folding.
            fold_fuzzy(w, &mut fz);
            let folded_hit = entry.exact.iter().any(|e| {
                let mut g = String::new();
                fold_fuzzy(e, &mut g);
                g == fz
            });
            if folded_hit {
                return false;
            }
        }
        hits >= 2
    }
}

/// True for a word that may stand between the parts of a name: an initial
/// (`M` in `Anna M. Lindqvist`) or a particle (`von`).
fn is_filler(word: &str) -> bool {
    let mut chars = word.chars();
    let one_letter = chars.next().is_some() && chars.next().is_none();
    one_letter || (word.len() <= 3 && PARTICLES.iter().any(|p| p.eq_ignore_ascii_case(word)))
}

/// True when the word at `span` is part of an e-mail address
/// (`anna.lindqvist@exempel.se`): an address is not a name.
fn in_address(text: &str, span: &Range<usize>) -> bool {
    let b = text.as_bytes();
    let addr = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'%' | b'+' | b'-' | b'@') || c >= 0x80;
    let mut start = span.start;
    while start > 0 && addr(b[start - 1]) && span.start - start < 256 {
        start -= 1;
    }
    let mut end = span.end;
    while end < b.len() && addr(b[end]) && end - span.end < 256 {
        end += 1;
    }
    memchr::memchr(b'@', &b[start..end]).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namesakes_share_an_entry() {
        let mut i = NameIndex::new(false);
        i.add(0, "Anna Lindqvist");
        i.add(7, "ANNA  LINDQVIST");
        let mut out = Vec::new();
        i.find("Anna Lindqvist", &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(i.subjects(out[0].name), &[0, 7]);
    }

    fn hits(index: &NameIndex, text: &str) -> Vec<(String, bool, bool)> {
        let mut out = Vec::new();
        index.find(text, &mut out);
        out.into_iter().map(|h| (text[h.span].to_string(), h.reversed, h.fuzzy)).collect()
    }

    fn index(fuzzy: bool) -> NameIndex {
        let mut i = NameIndex::new(fuzzy);
        i.add(0, "Anna Maria Lindqvist");
        i.add(1, "Östen Åkerlund");
        i
    }

    #[test]
    fn written_forms_of_a_name() {
        let i = index(false);
        assert_eq!(hits(&i, "Hej Anna Lindqvist!"), vec![("Anna Lindqvist".into(), false, false)]);
        assert_eq!(hits(&i, "LINDQVIST, ANNA"), vec![("LINDQVIST, ANNA".into(), true, false)]);
        assert_eq!(hits(&i, "Anna M. Lindqvist"), vec![("Anna M. Lindqvist".into(), false, false)]);
        assert_eq!(hits(&i, "Anna Maria Lindqvist")[0].0, "Anna Maria Lindqvist");
        assert_eq!(hits(&i, "Maria Lindqvist")[0].0, "Maria Lindqvist", "any given name");
        assert_eq!(hits(&i, "Anna Lindqvists bil")[0].0, "Anna Lindqvists", "genitive");
        assert_eq!(hits(&i, "Anna\nLindqvist")[0].0, "Anna\nLindqvist", "wrapped line");
        assert_eq!(hits(&i, "östen åkerlund")[0].0, "östen åkerlund");
        // Decomposed Ö (O + U+0308) as some PDFs and Macs write it.
        assert_eq!(hits(&i, "O\u{308}sten A\u{30a}kerlund").len(), 1);
    }

    #[test]
    fn near_misses_are_not_names() {
        let i = index(false);
        assert!(hits(&i, "Annabella Lindqvist").is_empty(), "whole words");
        assert!(hits(&i, "Anna Lindqvistsson").is_empty());
        assert!(hits(&i, "Anna skrev till oss i går om Lindqvist").is_empty(), "too far apart");
        assert!(hits(&i, "Anna Berg, Lindqvist Karin").is_empty(), "another name in between");
        assert!(hits(&i, "Lindqvist Karin, Anna").is_empty());
        assert_eq!(hits(&i, "Anna von Lindqvist")[0].0, "Anna von Lindqvist");
        assert!(hits(&i, "Lindqvist").is_empty() && hits(&i, "Anna").is_empty(), "one word is not a name");
        assert!(hits(&i, "Osten Akerlund").is_empty(), "exact unless fuzzy");
        assert!(hits(&i, "mailto:Anna.Lindqvist@exempel.se").is_empty(), "an address is not a name");
        assert!(hits(&i, "Lindqvist: anna@exempel.se").is_empty());
    }

    #[test]
    fn fuzzy_folds_nordic_spellings() {
        let i = index(true);
        assert_eq!(hits(&i, "Osten Akerlund"), vec![("Osten Akerlund".into(), false, true)]);
        assert_eq!(hits(&i, "Oesten Aakerlund"), vec![("Oesten Aakerlund".into(), false, true)]);
        assert_eq!(hits(&i, "Östen Åkerlund"), vec![("Östen Åkerlund".into(), false, false)]);
        assert!(!hits(&i, "ANNA LINDQVIST")[0].2);
        let mut f = String::new();
        fold_fuzzy("Kjærgaard", &mut f);
        let mut g = String::new();
        fold_fuzzy("Kjaergaard", &mut g);
        assert_eq!(f, g);
    }

    #[test]
    fn words_split_on_hyphens_keep_apostrophes() {
        assert_eq!(words("Karl-Johan O'Brien, 42"), vec!["Karl", "Johan", "O'Brien"]);
        assert_eq!(words("  "), Vec::<&str>::new());
    }
}
