//! Detection: finds validated personal data in text.
//!
//! All rules' candidate regexes are compiled into one multi-pattern
//! `regex_automata::meta::Regex`, so the text is searched once; in a long
//! text of the built-in rules only the windows that the shape prefilter
//! (`shape.rs`) marks are searched. Each
//! candidate goes to its rule's validator, which returns one of:
//!
//! * **found**: one or more detections (a 10-digit number valid both as a
//!   personnummer and a CPR number yields both);
//! * **consumed**: a valid thing that is not personal data (an
//!   organisationsnummer, a version string, a netmask, a date); no other rule
//!   gets that text;
//! * **rejected**: not this rule's; the other rules are tried anchored at the
//!   same position, in priority order (a Luhn-invalid `0701234567` goes on to
//!   the phone rules).
//!
//! Candidates never overlap: after a candidate the search resumes where it
//! ended. Text is normalised first (dashes, no-break spaces) and positions
//! are mapped back, so values are reported as written.

pub mod checksum;
pub mod context;
pub mod cpr;
pub mod date;
pub mod email;
pub mod generic;
pub mod ip;
pub mod mask;
pub mod national_id;
pub mod normalize;
pub mod pattern;
pub mod personnummer;
pub mod phone;
pub(crate) mod shape;

use std::cell::RefCell;
use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use regex_automata::{Anchored, Input, PatternID, meta};

use crate::error::PatternError;
use crate::model::Kind;
use context::Keywords;
use date::Date;
use mask::Mask;
use normalize::Normalized;
use pattern::{Rule, Validator};
use shape::Shapes;

/// One validated finding in a piece of text, before it gets a file
/// location.
#[derive(Clone, Debug, PartialEq)]
pub struct Detection {
    /// What was found.
    pub kind: Kind,
    /// The rule whose candidate it was.
    pub rule: Arc<str>,
    /// Byte range of the value in the text given to [`Engine::detect`].
    pub span: Range<usize>,
    /// Canonical form.
    pub normalized: String,
    /// Score in `0.0..=1.0`.
    pub score: f32,
    /// `;`-separated reason codes.
    pub reason: String,
    /// How to mask the value as written.
    pub mask_value: Mask,
    /// How to mask the normalized value.
    pub mask_normalized: Mask,
}

/// What a validator made of a candidate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Personal data was pushed; resume the search at this offset.
    Found(usize),
    /// A valid non-personal value; resume at this offset, try no other rule.
    Consumed(usize),
    /// Not this rule's: let the other rules try the same position.
    Rejected,
}

/// The compiled rule set. Immutable and `Sync`: one engine serves every
/// thread.
#[derive(Debug)]
pub struct Engine {
    /// Unique per engine: keys the per-thread regex cache.
    id: usize,
    regex: meta::Regex,
    rules: Vec<Rule>,
    keywords: Keywords,
    today: Date,
    /// Some rule has a generic validator.
    generic: bool,
    /// Every rule is a built-in one (none added or replaced by
    /// `--patterns`): [`Engine::candidates`] may serve as a prefilter.
    builtin_only: bool,
    /// The rules' shape prefilter, when every rule has one: then only the
    /// windows it finds are searched.
    shapes: Option<Shapes>,
}

impl Engine {
    /// The engine with the built-in rules and keywords, judging dates
    /// against today's date.
    pub fn builtin() -> Result<Engine, PatternError> {
        Engine::new(pattern::builtin_rules()?, builtin_keywords()?, Date::today())
    }

    /// The engine with the built-in rules, and the rules of each folder in
    /// `dirs` added or replacing built-in ones by id (see
    /// [`pattern::load_rules`]).
    pub fn with_patterns(dirs: &[impl AsRef<std::path::Path>]) -> Result<Engine, PatternError> {
        Engine::new(pattern::load_rules(dirs)?, builtin_keywords()?, Date::today())
    }

    /// Runs every example of every rule through this engine: a `match`
    /// example must yield a finding of that rule at medium confidence or
    /// above, a `no_match` example none. Returns one line per failure
    /// (`file: rule "id": ...`); empty when all pass.
    pub fn check_examples(&self) -> Vec<String> {
        let mut failures = Vec::new();
        let hits = |text: &str| {
            let mut out = Vec::new();
            self.detect(text, &mut out);
            out.retain(|d| crate::model::Confidence::from_score(d.score) >= crate::model::Confidence::Medium);
            out
        };
        for rule in &self.rules {
            for text in &rule.examples.matches {
                let out = hits(text);
                if !out.iter().any(|d| d.rule == rule.id) {
                    let got: Vec<String> = out.iter().map(|d| format!("{} ({})", d.rule, d.kind)).collect();
                    failures.push(format!(
                        "{}: rule {:?}: match example {text:?} not found (found: {})",
                        rule.file,
                        rule.id,
                        if got.is_empty() { "nothing".to_string() } else { got.join(", ") }
                    ));
                }
            }
            for text in &rule.examples.no_match {
                if let Some(d) = hits(text).iter().find(|d| d.rule == rule.id) {
                    failures.push(format!(
                        "{}: rule {:?}: no_match example {text:?} was found ({}, score {:.2})",
                        rule.file, rule.id, d.kind, d.score
                    ));
                }
            }
        }
        failures
    }

    /// An engine from checked rules (in priority order) and keywords.
    /// `today` resolves the century of 10-digit numbers and rejects future
    /// birth dates.
    pub fn new(rules: Vec<Rule>, keywords: Keywords, today: Date) -> Result<Engine, PatternError> {
        let patterns: Vec<&str> = rules.iter().map(|r| r.regex.as_str()).collect();
        let regex = meta::Regex::new_many(&patterns).map_err(|e| PatternError::Invalid {
            file: "patterns".into(),
            id: "*".into(),
            problem: format!("rules do not compile together: {e}"),
        })?;
        static NEXT_ID: AtomicUsize = AtomicUsize::new(1);
        let generic = rules.iter().any(|r| r.validator.is_generic());
        let builtin_only = rules.iter().all(|r| r.file.starts_with(pattern::BUILTIN_PREFIX));
        let shapes = Shapes::new(rules.iter().map(|r| r.regex.as_str()));
        Ok(Engine {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            regex,
            rules,
            keywords,
            today,
            generic,
            builtin_only,
            shapes,
        })
    }

    /// The same engine without its shape prefilter: every text is searched
    /// whole (the reference the prefilter is tested against).
    #[cfg(test)]
    pub(crate) fn without_shapes(mut self) -> Engine {
        self.shapes = None;
        self
    }

    /// The same engine judging dates against `today` instead.
    pub fn with_today(mut self, today: Date) -> Engine {
        self.today = today;
        self
    }

    /// The rules, in priority order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// True if a rule uses a generic validator (a user rule): its regex may
    /// match text without digits, `@` or `:`, so the scan's cheap skip of
    /// such text does not apply.
    pub fn has_generic_rules(&self) -> bool {
        self.generic
    }

    /// True when every rule is built in, none added or replaced by
    /// `--patterns`.
    pub fn is_builtin_only(&self) -> bool {
        self.builtin_only
    }

    /// The keyword sets.
    pub fn keywords(&self) -> &Keywords {
        &self.keywords
    }

    /// The date the engine treats as today.
    pub fn today(&self) -> Date {
        self.today
    }

    /// Finds every detection in `text` and appends it to `out`, in text
    /// order. Spans refer to `text` as given.
    pub fn detect(&self, text: &str, out: &mut Vec<Detection>) {
        self.with_cache(|cache| self.detect_with(cache, text, out));
    }

    /// Appends to `out` the byte ranges of `text` where some rule's
    /// candidate regex matches (leftmost-first, not overlapping), without
    /// validating them: a prefilter for extractors that send many small
    /// pieces of one text (the fields of a CSV file). A piece of `text`
    /// that no range touches yields no detection when given to
    /// [`Engine::detect`] on its own, with or without a label line before
    /// it, because no built-in candidate regex matches across a line
    /// break, a field delimiter or a quote, or uses `^` or `$`. A user's
    /// rule may (`^[0-9]{10}$` matches a field but not the file): check
    /// [`Engine::is_builtin_only`] first.
    pub fn candidates(&self, text: &str, out: &mut Vec<Range<usize>>) {
        self.with_cache(|cache| {
            let norm = Normalized::new(text);
            let hay = norm.text();
            let mut at = 0;
            self.for_each_region(hay, |region| {
                at = at.max(region.start);
                while at < region.end {
                    let input = Input::new(hay).range(at..region.end);
                    let Some(m) = self.regex.search_with(cache, &input) else { break };
                    out.push(norm.original_offset(m.start())..norm.original_offset(m.end()));
                    at = m.end().max(m.start() + 1);
                    while at < hay.len() && !hay.is_char_boundary(at) {
                        at += 1;
                    }
                }
            });
        });
    }

    /// Calls `f` with each region of `hay` that may hold a candidate, in
    /// order: the shape prefilter's windows, or the whole text when some
    /// rule has no shape or the text is short. No candidate starts outside them or crosses
    /// their ends.
    fn for_each_region(&self, hay: &str, mut f: impl FnMut(Range<usize>)) {
        let Some(shapes) = self.shapes.as_ref().filter(|_| hay.len() >= shape::MIN_TEXT) else {
            f(0..hay.len());
            return;
        };
        thread_local! {
            static WINDOWS: RefCell<Vec<Range<usize>>> = const { RefCell::new(Vec::new()) };
        }
        WINDOWS.with(|w| {
            // Taken out of the cell: `f` may detect in another text.
            let mut windows = std::mem::take(&mut *w.borrow_mut());
            windows.clear();
            shapes.windows(hay.as_bytes(), &mut windows);
            for r in windows.iter().cloned() {
                f(r);
            }
            *w.borrow_mut() = windows;
        });
    }

    /// Runs `f` with this thread's search cache for this engine.
    fn with_cache<R>(&self, f: impl FnOnce(&mut meta::Cache) -> R) -> R {
        thread_local! {
            // The lazy DFA's states for (engine id, cache). Kept per thread
            // and across calls: rebuilding them for every file took 40 % of
            // the scan time, and the regex's shared pool makes threads
            // contend.
            static CACHE: RefCell<Option<(usize, meta::Cache)>> = const { RefCell::new(None) };
        }
        CACHE.with(|slot| {
            let mut slot = slot.borrow_mut();
            match slot.as_mut() {
                Some((id, cache)) if *id == self.id => f(cache),
                _ => {
                    let mut cache = self.regex.create_cache();
                    let r = f(&mut cache);
                    *slot = Some((self.id, cache));
                    r
                }
            }
        })
    }

    fn detect_with(&self, cache: &mut meta::Cache, text: &str, out: &mut Vec<Detection>) {
        let norm = Normalized::new(text);
        let hay = norm.text();
        let first_new = out.len();
        let mut at = 0;
        // Context windows overlap only in a text longer than one or two.
        let share = hay.len() >= 4 * context::WINDOW;
        self.keywords.searching(share.then_some(hay), || {
            self.for_each_region(hay, |region| {
                at = at.max(region.start);
                while at < region.end {
                    let input = Input::new(hay).range(at..region.end);
                    let Some(m) = self.regex.search_with(cache, &input) else { break };
                    at = self.judge(cache, hay, m.pattern().as_usize(), m.range(), out);
                }
            })
        });
        for d in &mut out[first_new..] {
            d.span = norm.original_offset(d.span.start)..norm.original_offset(d.span.end);
        }
    }

    /// Validates the candidate `span` of rule `pid`, trying the other rules
    /// at the same place as needed; returns where the search resumes.
    fn judge(
        &self,
        cache: &mut meta::Cache,
        hay: &str,
        pid: usize,
        span: Range<usize>,
        out: &mut Vec<Detection>,
    ) -> usize {
        let start = span.start;
        let mut next = span.end.max(start + 1);
        let before = out.len();
        match self.validate(pid, hay, span, out) {
            Outcome::Found(end) => {
                next = end.max(start + 1);
                // A low-confidence reading (a CPR number without modulus
                // 11, say) must not hide a better one (the same digits
                // as a phone number after "Mobil:").
                if out[before..]
                    .iter()
                    .all(|d| crate::model::Confidence::from_score(d.score) == crate::model::Confidence::Low)
                    && let Some(end) = self.alternatives(cache, pid, hay, start, out, true)
                {
                    next = next.max(end);
                }
            }
            Outcome::Consumed(end) => next = end.max(start + 1),
            Outcome::Rejected => {
                if let Some(end) = self.alternatives(cache, pid, hay, start, out, false) {
                    next = end.max(start + 1);
                }
            }
        }
        // Never resume inside a UTF-8 sequence.
        while next < hay.len() && !hay.is_char_boundary(next) {
            next += 1;
        }
        next
    }

    /// Tries the rules other than `pid` anchored at `start`, in priority
    /// order, until one finds (or, unless `only_found`, consumes) the text.
    /// Returns where that candidate ended.
    fn alternatives(
        &self,
        cache: &mut meta::Cache,
        pid: usize,
        hay: &str,
        start: usize,
        out: &mut Vec<Detection>,
        only_found: bool,
    ) -> Option<usize> {
        for other in (0..self.rules.len()).filter(|&p| p != pid) {
            let anchored = Input::new(hay).range(start..).anchored(Anchored::Pattern(PatternID::new_unchecked(other)));
            let Some(m) = self.regex.search_with(cache, &anchored) else { continue };
            match self.validate(other, hay, m.range(), out) {
                Outcome::Found(end) => return Some(end),
                Outcome::Consumed(end) if !only_found => return Some(end),
                Outcome::Consumed(_) | Outcome::Rejected => {}
            }
        }
        None
    }

    fn validate(&self, pid: usize, hay: &str, span: Range<usize>, out: &mut Vec<Detection>) -> Outcome {
        let rule = &self.rules[pid];
        match rule.validator {
            Validator::NationalId => national_id::validate(self, hay, span, rule, out),
            Validator::Email => email::validate(self, hay, span, rule, out),
            Validator::Ipv4 => ip::validate_v4(self, hay, span, rule, out),
            Validator::Ipv6 => ip::validate_v6(self, hay, span, rule, out),
            Validator::Phone => phone::validate(self, hay, span, rule, out),
            Validator::None | Validator::Luhn | Validator::Mod11 | Validator::Mod97 | Validator::Hetu => {
                generic::validate(self, hay, span, rule, out)
            }
        }
    }
}

/// Loads the built-in keyword file.
pub fn builtin_keywords() -> Result<Keywords, PatternError> {
    let (file, src) = pattern::BUILTIN_KEYWORDS;
    Keywords::from_toml(file, src)
}

/// The character before byte offset `pos`, if any.
pub(crate) fn prev_char(s: &str, pos: usize) -> Option<char> {
    s[..pos].chars().next_back()
}

/// The character at byte offset `pos`, if any.
pub(crate) fn next_char(s: &str, pos: usize) -> Option<char> {
    s[pos..].chars().next()
}

/// Builds a `;`-separated reason string.
#[derive(Default)]
pub(crate) struct Reasons(String);

impl Reasons {
    pub(crate) fn push(&mut self, code: &str) {
        if !self.0.is_empty() {
            self.0.push(';');
        }
        self.0.push_str(code);
    }

    pub(crate) fn push2(&mut self, prefix: &str, detail: &str) {
        self.push(prefix);
        self.0.push(':');
        self.0.push_str(detail);
    }

    pub(crate) fn into_string(self) -> String {
        self.0
    }
}

/// Clamps a score into `0.05..=1.0` (a reported finding never scores 0).
pub(crate) fn clamp(score: f32) -> f32 {
    score.clamp(0.05, 1.0)
}

#[cfg(test)]
pub(crate) mod testutil {
    use super::*;

    /// The built-in engine with a fixed "today" (2026-11-22).
    pub fn engine() -> Engine {
        Engine::builtin().expect("built-in rules").with_today(Date { year: 2026, month: 11, day: 22 })
    }

    /// `(kind, value as written, normalized, confidence)` for every
    /// detection in `text`.
    pub fn find(text: &str) -> Vec<(Kind, String, String, crate::model::Confidence)> {
        let mut out = Vec::new();
        engine().detect(text, &mut out);
        out.into_iter()
            .map(|d| {
                (d.kind, text[d.span.clone()].to_string(), d.normalized, crate::model::Confidence::from_score(d.score))
            })
            .collect()
    }
}
