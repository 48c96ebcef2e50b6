//! Context words around a candidate: keywords that raise or lower
//! confidence, and language cues. Loaded from `patterns/keywords.toml`.
//!
//! One Aho-Corasick automaton holds every keyword of every set; a candidate's
//! window (300 bytes before it, 300 after) is searched once, so context
//! costs the same however many sets there are. Matching is
//! anchored at word starts, never arbitrary substrings (Presidio #1061).
//!
//! In a text with many candidates the windows overlap (a log line holds a
//! timestamp, an address and a phone number). While the engine validates
//! one text ([`Keywords::searching`]), the keywords of that text are found
//! once, front to back, and each window takes the matches inside it.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::ops::Range;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use serde::Deserialize;

use crate::error::PatternError;

/// How far context reaches on each side of a candidate, in bytes.
pub const WINDOW: usize = 300;

/// The keyword sets the validators know. A closed set: an unknown set name
/// in a keyword file is an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Set {
    /// Swedish identity number words.
    Personnummer,
    /// Words that make a Swedish-looking number something else.
    PersonnummerNegative,
    /// Danish CPR words.
    Cpr,
    /// Words that make a CPR-looking number something else.
    CprNegative,
    /// Telephone words.
    Phone,
    /// Words that make a phone-looking number something else (CVR).
    PhoneNegative,
    /// E-mail words.
    Email,
    /// Header names whose values look like e-mail but are message ids.
    EmailNegative,
    /// Local parts of role mailboxes (matched against the local part).
    EmailRole,
    /// IP address words.
    Ip,
    /// Version words before a dotted number.
    IpNegative,
    /// Swedish function words.
    LangSv,
    /// Danish function words.
    LangDa,
    /// A user rule's own keywords (`keywords` in a rule file); each such
    /// rule has its own [`Keywords`] ([`Keywords::for_rule`]).
    Rule,
    /// A user rule's own negative keywords (`negative_keywords`).
    RuleNegative,
}

impl Set {
    fn from_name(name: &str) -> Option<Set> {
        Some(match name {
            "personnummer" => Set::Personnummer,
            "personnummer-negative" => Set::PersonnummerNegative,
            "cpr" => Set::Cpr,
            "cpr-negative" => Set::CprNegative,
            "phone" => Set::Phone,
            "phone-negative" => Set::PhoneNegative,
            "email" => Set::Email,
            "email-negative" => Set::EmailNegative,
            "email-role" => Set::EmailRole,
            "ip" => Set::Ip,
            "ip-negative" => Set::IpNegative,
            "lang-sv" => Set::LangSv,
            "lang-da" => Set::LangDa,
            _ => return None,
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Auto,
    Word,
    LocalPart,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSet {
    #[serde(default, rename = "match")]
    mode: Option<String>,
    #[serde(default)]
    sv: Vec<String>,
    #[serde(default)]
    da: Vec<String>,
    #[serde(default)]
    en: Vec<String>,
}

/// One distinct keyword text and every set (with its match mode) that lists
/// it: "personnummer" is both Swedish and Danish, "pnr" is positive for
/// Swedish numbers and negative for Danish ones.
#[derive(Debug)]
struct Keyword {
    text: String,
    sets: Vec<(Set, Mode)>,
}

/// All keyword sets, compiled.
#[derive(Debug)]
pub struct Keywords {
    ac: AhoCorasick,
    keywords: Vec<Keyword>,
    role_local_parts: Vec<String>,
    /// Length in bytes of the longest keyword.
    longest: usize,
}

/// One keyword found near a candidate.
#[derive(Clone, Copy, Debug)]
pub struct Hit {
    /// The set it belongs to.
    pub set: Set,
    /// Index of the keyword (see [`Keywords::text`]).
    pub keyword: usize,
    /// True if the keyword stands before the candidate.
    pub before: bool,
    /// Bytes between the keyword and the candidate.
    pub distance: usize,
    /// True if no line break separates keyword and candidate.
    pub same_line: bool,
    /// Line breaks between keyword and candidate.
    pub lines: usize,
}

/// The context of one candidate.
#[derive(Debug, Default)]
pub struct Context {
    /// Keywords found in the window.
    pub hits: Vec<Hit>,
}

impl Context {
    /// The nearest positive keyword of `set`: on the same line as the
    /// candidate, or on the line just above it (a label over a value). A
    /// keyword further up belongs to another value.
    pub fn keyword(&self, set: Set) -> Option<&Hit> {
        self.hits
            .iter()
            .filter(|h| h.set == set && (h.same_line || (h.before && h.lines == 1)))
            .min_by_key(|h| (!h.same_line, h.distance))
    }

    /// The nearest keyword of `set` on the same line (before or after).
    pub fn same_line(&self, set: Set) -> Option<&Hit> {
        self.hits.iter().filter(|h| h.set == set && h.same_line).min_by_key(|h| h.distance)
    }

    /// The nearest keyword of `set` before the candidate on the same line,
    /// no further than `max` bytes away.
    pub fn just_before(&self, set: Set, max: usize) -> Option<&Hit> {
        self.hits
            .iter()
            .filter(|h| h.set == set && h.before && h.same_line && h.distance <= max)
            .min_by_key(|h| h.distance)
    }

    /// Number of keywords of `set` in the window.
    pub fn count(&self, set: Set) -> usize {
        self.hits.iter().filter(|h| h.set == set).count()
    }
}

impl Keywords {
    /// Parses a keyword file (TOML: one table per set, with optional
    /// `match` and per-language lists `sv`, `da`, `en`).
    pub fn from_toml(file: &str, src: &str) -> Result<Keywords, PatternError> {
        let raw: BTreeMap<String, RawSet> =
            toml::from_str(src).map_err(|e| PatternError::Parse { file: file.into(), message: e.to_string() })?;
        let mut keywords = Vec::new();
        let mut role_local_parts = Vec::new();
        for (name, set) in raw {
            let bad = |problem: String| PatternError::Invalid { file: file.into(), id: name.clone(), problem };
            let id = Set::from_name(&name).ok_or_else(|| bad("unknown keyword set".into()))?;
            let mode = match set.mode.as_deref() {
                None | Some("auto") => Mode::Auto,
                Some("word") => Mode::Word,
                Some("local-part") => Mode::LocalPart,
                Some(other) => return Err(bad(format!("unknown match mode {other:?}"))),
            };
            for word in set.sv.into_iter().chain(set.da).chain(set.en) {
                if word.is_empty() || word != word.to_lowercase() {
                    return Err(bad(format!("keyword {word:?} must be non-empty and lower-case")));
                }
                if mode == Mode::LocalPart {
                    role_local_parts.push(word);
                } else if let Some(k) = keywords.iter_mut().find(|k: &&mut Keyword| k.text == word) {
                    if !k.sets.contains(&(id, mode)) {
                        k.sets.push((id, mode));
                    }
                } else {
                    keywords.push(Keyword { text: word, sets: vec![(id, mode)] });
                }
            }
        }
        let ac = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .ascii_case_insensitive(true)
            .kind(Some(AhoCorasickKind::DFA))
            .build(keywords.iter().map(|k| k.text.as_str()))
            .map_err(|e| PatternError::Parse { file: file.into(), message: e.to_string() })?;
        let longest = keywords.iter().map(|k| k.text.len()).max().unwrap_or(0);
        Ok(Keywords { ac, keywords, role_local_parts, longest })
    }

    /// The keywords of one user rule: `positive` in [`Set::Rule`],
    /// `negative` in [`Set::RuleNegative`], matched like the built-in sets
    /// (`match = "auto"`). `file` and `id` name the rule in errors.
    pub fn for_rule(file: &str, id: &str, positive: &[String], negative: &[String]) -> Result<Keywords, PatternError> {
        let mut keywords: Vec<Keyword> = Vec::new();
        for (set, words) in [(Set::Rule, positive), (Set::RuleNegative, negative)] {
            for word in words {
                if word.trim().is_empty() || *word != word.to_lowercase() {
                    return Err(PatternError::Invalid {
                        file: file.into(),
                        id: id.into(),
                        problem: format!("keyword {word:?} must be non-empty and lower-case"),
                    });
                }
                if let Some(k) = keywords.iter_mut().find(|k| k.text == *word) {
                    if !k.sets.contains(&(set, Mode::Auto)) {
                        k.sets.push((set, Mode::Auto));
                    }
                } else {
                    keywords.push(Keyword { text: word.clone(), sets: vec![(set, Mode::Auto)] });
                }
            }
        }
        let ac = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .ascii_case_insensitive(true)
            .build(keywords.iter().map(|k| k.text.as_str()))
            .map_err(|e| PatternError::Invalid { file: file.into(), id: id.into(), problem: e.to_string() })?;
        let longest = keywords.iter().map(|k| k.text.len()).max().unwrap_or(0);
        Ok(Keywords { ac, keywords, role_local_parts: Vec::new(), longest })
    }

    /// Number of distinct keywords.
    pub fn len(&self) -> usize {
        self.keywords.len()
    }

    /// True if there are no keywords.
    pub fn is_empty(&self) -> bool {
        self.keywords.is_empty()
    }

    /// The text of keyword `i`, as shown in reason codes.
    pub fn text(&self, i: usize) -> &str {
        &self.keywords[i].text
    }

    /// True if `local` is a role mailbox's local part.
    pub fn is_role_local_part(&self, local: &str) -> bool {
        let local = local.to_lowercase();
        self.role_local_parts.contains(&local)
    }

    /// Finds the context of the candidate at `span` in `text`.
    pub fn context(&self, text: &str, span: Range<usize>) -> Context {
        let w = window(text, &span);
        let mut cx = Context::default();
        let shared = SEEN.with(|seen| {
            let mut seen = seen.borrow_mut();
            let Some(seen) = seen.as_mut().filter(|s| s.is_for(self, text) && w.start >= s.from) else {
                return false;
            };
            seen.cover(self, text, w.clone());
            let first = seen.matches.partition_point(|m| m.0 < w.start);
            for &(ms, me, k) in seen.matches[first..].iter().take_while(|m| m.0 < w.end) {
                if me <= w.end {
                    self.hit(&mut cx, text, &span, ms, me, k);
                }
            }
            true
        });
        if !shared {
            // ASCII case folding in the automaton: no lower-cased copy of
            // the window per candidate (that copy was a third of the scan
            // time). Keywords with non-ASCII letters still match in lower
            // or title case.
            for m in self.ac.find_iter(&text[w.clone()]) {
                self.hit(&mut cx, text, &span, w.start + m.start(), w.start + m.end(), m.pattern().as_usize());
            }
        }
        cx
    }

    /// Records keyword `k` found at `ms..me` of `text` as a hit for the
    /// candidate at `span`, once for every set that lists it and whose
    /// word-boundary rule holds.
    fn hit(&self, cx: &mut Context, text: &str, span: &Range<usize>, ms: usize, me: usize, k: usize) {
        if me > span.start && ms < span.end {
            return; // inside the candidate itself
        }
        let keyword = &self.keywords[k];
        let before = me <= span.start;
        let (distance, between) =
            if before { (span.start - me, &text[me..span.start]) } else { (ms - span.end, &text[span.end..ms]) };
        let lines = memchr::memchr_iter(b'\n', between.as_bytes()).count();
        for &(set, mode) in &keyword.sets {
            if boundaries_ok(text, ms, me, &keyword.text, mode) {
                cx.hits.push(Hit { set, keyword: k, before, distance, same_line: lines == 0, lines });
            }
        }
    }

    /// Runs `f`, which validates candidates of `text`, with the keywords of
    /// `text` found once for all their windows instead of once per window
    /// (with `None`, runs `f` as it is).
    /// A window's keywords are then those of one front-to-back search of
    /// the text that lie inside it; a search of the window alone differs
    /// only for a keyword that straddles the window's edge.
    pub fn searching<R>(&self, text: Option<&str>, f: impl FnOnce() -> R) -> R {
        let Some(text) = text else { return f() };
        let seen = Seen {
            keywords: self as *const Keywords as usize,
            text: (text.as_ptr() as usize, text.len()),
            from: 0,
            resume: 0,
            upto: 0,
            matches: SPARE.with(|s| std::mem::take(&mut *s.borrow_mut())),
        };
        // Restores the previous state on return and on unwinding, so a
        // later text at the same address never sees these matches.
        struct Restore(Option<Seen>);
        impl Drop for Restore {
            fn drop(&mut self) {
                let mine = SEEN.with(|s| std::mem::replace(&mut *s.borrow_mut(), self.0.take()));
                if let Some(mut mine) = mine {
                    mine.matches.clear();
                    SPARE.with(|s| *s.borrow_mut() = mine.matches);
                }
            }
        }
        let _restore = Restore(SEEN.with(|s| s.borrow_mut().replace(seen)));
        f()
    }

    /// Counts Swedish-only (ä, ö) and Danish-only (æ, ø) letters around
    /// `span`: a cheap language cue for numbers valid in both countries.
    pub fn letters(&self, text: &str, span: Range<usize>) -> (usize, usize) {
        text[window(text, &span)].chars().fold((0, 0), |(sv, da), c| match c {
            'ä' | 'ö' | 'Ä' | 'Ö' => (sv + 1, da),
            'æ' | 'ø' | 'Æ' | 'Ø' => (sv, da + 1),
            _ => (sv, da),
        })
    }
}

thread_local! {
    /// The keyword matches of the text being validated on this thread.
    static SEEN: RefCell<Option<Seen>> = const { RefCell::new(None) };
    /// A cleared match buffer kept for the next text.
    static SPARE: RefCell<Vec<(usize, usize, usize)>> = const { RefCell::new(Vec::new()) };
}

/// Keyword matches of one text, found front to back as far as the
/// windows asked so far reach.
struct Seen {
    /// The [`Keywords`] searched with (its address).
    keywords: usize,
    /// The text (address and length).
    text: (usize, usize),
    /// Where the search began: `matches` holds every match from here on.
    from: usize,
    /// Where the search goes on (just after the last match taken).
    resume: usize,
    /// Every match starting before this offset is in `matches`.
    upto: usize,
    /// `(start, end, keyword)`, by start.
    matches: Vec<(usize, usize, usize)>,
}

impl Seen {
    fn is_for(&self, keywords: &Keywords, text: &str) -> bool {
        self.keywords == keywords as *const Keywords as usize && self.text == (text.as_ptr() as usize, text.len())
    }

    /// Extends the search so that every match inside `w` is in `matches`.
    fn cover(&mut self, kw: &Keywords, text: &str, w: Range<usize>) {
        /// How far past the window one search goes, so that the windows
        /// of the next candidates need no search of their own.
        const AHEAD: usize = 1024;
        if w.start > self.upto + AHEAD {
            // A long stretch without candidates: start again at this
            // window instead of searching the stretch.
            self.matches.clear();
            (self.from, self.resume, self.upto) = (w.start, w.start, w.start);
        }
        let n = text.len();
        while self.upto < w.end {
            let limit = (w.end.max(self.resume) + AHEAD + kw.longest).min(n);
            // A match starting at least `longest` bytes before `limit` is
            // the one a search of the whole text finds: every longer or
            // earlier match it competes with ends before `limit` too.
            let sure = if limit == n { n } else { limit - kw.longest };
            let input = aho_corasick::Input::new(text.as_bytes()).range(self.resume..limit);
            for m in kw.ac.find_iter(input) {
                if m.start() >= sure {
                    break;
                }
                self.matches.push((m.start(), m.end(), m.pattern().as_usize()));
                self.resume = m.end();
            }
            self.resume = self.resume.max(sure);
            self.upto = sure;
        }
    }
}

/// Checks the word-boundary rule for a keyword match at `start..end`.
fn boundaries_ok(window: &str, start: usize, end: usize, text: &str, mode: Mode) -> bool {
    let prev = window[..start].chars().next_back();
    let next = window[end..].chars().next();
    let is_word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    let len = text.chars().count();
    let whole = mode == Mode::Word || len < 3;
    let infix = mode == Mode::Auto && len >= 6;
    (infix || !is_word(prev)) && (!whole || !is_word(next))
}

/// The context window of a candidate: up to [`WINDOW`] bytes each side,
/// on character boundaries.
fn window(text: &str, span: &Range<usize>) -> Range<usize> {
    floor_char(text, span.start.saturating_sub(WINDOW))..floor_char(text, (span.end + WINDOW).min(text.len()))
}

/// The largest char boundary at or below `i`.
fn floor_char(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kw() -> Keywords {
        Keywords::from_toml("keywords.toml", include_str!("../../patterns/keywords.toml")).expect("loads")
    }

    fn names(k: &Keywords, cx: &Context, set: Set) -> Vec<String> {
        cx.hits.iter().filter(|h| h.set == set).map(|h| k.text(h.keyword).to_string()).collect()
    }

    #[test]
    fn whole_words_and_compounds() {
        let k = Keywords::from_toml("k", "[phone]\nsv=[\"tel\",\"telefon\"]\n[ip]\nen=[\"ip\"]").expect("ok");
        let text = "Hemtelefon: X. Telefonnummer: X. ipsum X. IP: X. hotel X";
        let cx = k.context(text, 0..0);
        let phones = names(&k, &cx, Set::Phone);
        // "telefon" (7 chars) may sit inside "hemtelefon"; "tel" may begin
        // "telefonnummer" but not end "hotel".
        assert_eq!(phones, vec!["telefon", "telefon"]);
        assert_eq!(names(&k, &cx, Set::Ip), vec!["ip"]);
    }

    #[test]
    fn longest_keyword_wins_and_distance() {
        let k = kw();
        let text = "CPR-nr.: 070761-4285";
        let span = 9..text.len();
        let cx = k.context(text, span);
        let hit = cx.keyword(Set::Cpr).expect("cpr keyword");
        assert_eq!(k.text(hit.keyword), "cpr-nr");
        assert!(hit.before && hit.same_line);
        assert_eq!(hit.distance, 3);
    }

    #[test]
    fn line_breaks_and_letters() {
        let k = kw();
        let text = "Personnummer\nÖsten 811218-9876 och mer";
        let s = text.find("811218").expect("present");
        let cx = k.context(text, s..s + 11);
        let hit = cx.keyword(Set::Personnummer).expect("keyword on line above");
        assert!(!hit.same_line);
        assert_eq!(k.letters(text, s..s + 11), (1, 0));
        assert!(cx.count(Set::LangSv) >= 1);
    }

    #[test]
    fn keywords_two_lines_up_belong_to_another_value() {
        let k = kw();
        let text = "Personnummer: 811218-9876\nNamn: Östen\nCPR-nr.: 070761-4285";
        let s = text.find("070761").expect("present");
        let cx = k.context(text, s..s + 11);
        assert!(cx.keyword(Set::Personnummer).is_none());
        assert!(cx.keyword(Set::Cpr).is_some());
    }

    /// The keywords a candidate sees are the same whether its window is
    /// searched alone or taken from the search of the whole text, unless
    /// a keyword straddles the window's edge.
    #[test]
    fn shared_search_gives_each_window_its_keywords() {
        let k = kw();
        let words: Vec<&str> = k.keywords.iter().map(|w| w.text.as_str()).collect();
        // Any occurrence of any keyword, overlapping ones too.
        let every = aho_corasick::AhoCorasick::builder().ascii_case_insensitive(true).build(&words).expect("builds");
        let pieces = [" ", " ", "\n", ": ", "811218-9876", "070-174 06 05", "x", "Anna", "och", "nummer", "Tel"];
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let (mut compared, mut skipped) = (0, 0);
        for _ in 0..1000 {
            let mut text = String::new();
            for _ in 0..next(600) {
                match next(6) {
                    0 => text.push_str(words[next(words.len())]),
                    _ => text.push_str(pieces[next(pieces.len())]),
                }
            }
            // Candidate spans in text order, close together and far apart.
            let mut spans = Vec::new();
            let mut at = 0;
            while at + 12 < text.len() {
                at += [1, 20, 200, 700, 3000][next(5)];
                if at + 12 < text.len() && text.is_char_boundary(at) && text.is_char_boundary(at + 12) {
                    spans.push(at..at + 12);
                }
            }
            let alone: Vec<Context> = spans.iter().map(|s| k.context(&text, s.clone())).collect();
            let shared: Vec<Context> =
                k.searching(Some(&text), || spans.iter().map(|s| k.context(&text, s.clone())).collect());
            for ((span, a), b) in spans.iter().zip(&alone).zip(&shared) {
                let w = window(&text, span);
                let straddles = every
                    .find_overlapping_iter(&text)
                    .any(|m| (m.start() < w.start && m.end() > w.start) || (m.start() < w.end && m.end() > w.end));
                if straddles {
                    skipped += 1;
                    continue;
                }
                let key = |c: &Context| -> Vec<(Set, usize, bool, usize, usize)> {
                    c.hits.iter().map(|h| (h.set, h.keyword, h.before, h.distance, h.lines)).collect()
                };
                assert_eq!(key(a), key(b), "window {w:?} of {text:?}");
                compared += 1;
            }
        }
        assert!(compared > 1000 && skipped > 0, "{compared} compared, {skipped} skipped");
    }

    #[test]
    fn builtin_file_loads_and_rejects_bad_sets() {
        let k = kw();
        assert!(k.is_role_local_part("NoReply"));
        assert!(!k.is_role_local_part("anna"));
        let err = Keywords::from_toml("x.toml", "[nonsense]\nsv=[\"a\"]").expect_err("unknown set");
        assert!(err.to_string().contains("x.toml") && err.to_string().contains("nonsense"));
        let err = Keywords::from_toml("x.toml", "[cpr]\nda=[\"CPR\"]").expect_err("upper case");
        assert!(err.to_string().contains("lower-case"));
    }
}
