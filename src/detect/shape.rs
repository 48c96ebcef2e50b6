//! Shape prefilter: a byte scan that finds every place where a built-in
//! rule's regex could match, so that the regex runs only there.
//!
//! The combined candidate regex is a lazy DFA that costs a few nanoseconds
//! for every byte of text. Most bytes cannot start or end a candidate: a
//! personnummer is a run of digits with at most one `-` or `+`, an IPv4
//! address has three dots, an e-mail address an `@`. Each [`Shape`] is a
//! cheap test derived by hand from one built-in regex: it marks a *window*
//! (a run of bytes of the regex's alphabet that has what every match needs,
//! such as ten digits or three dots) around every possible match. The
//! engine then searches only the merged windows, with the same regex, so
//! the detections are the same as those of a full search; the tests below
//! check that on random text, written examples and `samples/`.
//!
//! A shape is tied to the exact regex text it was derived from
//! ([`Shape::of`]). A rule with any other regex (a user rule, or an edited
//! built-in one) has no shape, and then the engine searches the whole text.

use std::ops::Range;

/// A hand-derived prefilter for one built-in candidate regex.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Shape {
    /// `national-id`: 10 or 12 digits with at most a `-` or `+`.
    NationalId,
    /// `email`: an `@` or `%40` inside a run of address characters.
    Email,
    /// `ipv4`: four dotted digit groups.
    Ipv4,
    /// `ipv6`: colon groups.
    Ipv6,
    /// `phone-international`: `+` or `00`, then digits.
    PhoneInternational,
    /// `phone-se`: trunk `0`, then 5 to 13 digits.
    PhoneSe,
    /// `phone-dk`: 8 digits.
    PhoneDk,
}

/// The built-in regexes, as written in `patterns/*.toml`, and their shapes.
const REGEXES: [(&str, Shape); 7] = [
    (r"(?-u:\b)(?:(?:18|19|20)[0-9]{6}|[0-9]{6})[-+]?[0-9]{4}(?-u:\b)", Shape::NationalId),
    (r"[\p{L}\p{N}._%+\-]+(?:@|%40)(?:[\p{L}\p{N}\-]+\.)+\p{L}{2,}", Shape::Email),
    (r"(?-u:\b)(?:[0-9]{1,3}\.){3}[0-9]{1,3}(?:/[0-9]{1,2})?(?-u:\b)", Shape::Ipv4),
    (
        r"[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){1,6}:(?:[0-9]{1,3}\.){3}[0-9]{1,3}(?:%[0-9A-Za-z]+)?(?:/[0-9]{1,3})?|(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){7}|(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,6})?::(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,6})?)(?:%[0-9A-Za-z]+)?(?:/[0-9]{1,3})?",
        Shape::Ipv6,
    ),
    (r"(?:\+|(?-u:\b)00)[1-9](?:[ .\-]?(?:\([0-9]{1,4}\)|[0-9]{1,5})){1,7}", Shape::PhoneInternational),
    (
        r"(?-u:\b)0[1-9](?:[ \-/]?[0-9]){4,12}(?-u:\b)|\(0[1-9][0-9]{0,3}\)[ \-]?[0-9]{1,4}(?:[ \-]?[0-9]{1,4}){0,4}(?-u:\b)",
        Shape::PhoneSe,
    ),
    (r"(?-u:\b)[2-9][0-9](?: ?[0-9]{2}){3}(?-u:\b)|(?-u:\b)[2-9][0-9]{3} [0-9]{4}(?-u:\b)", Shape::PhoneDk),
];

impl Shape {
    /// The shape derived from exactly this regex, if any.
    pub(crate) fn of(regex: &str) -> Option<Shape> {
        REGEXES.iter().find(|(r, _)| *r == regex).map(|&(_, s)| s)
    }
}

/// The shapes of a rule set: finds the windows where any of its regexes
/// could match.
#[derive(Clone, Debug)]
pub(crate) struct Shapes {
    national_id: bool,
    email: bool,
    ipv4: bool,
    ipv6: bool,
    phone_international: bool,
    phone_se: bool,
    phone_dk: bool,
}

impl Shapes {
    /// The shapes of these regexes, or `None` if one has no shape (then
    /// only a search of the whole text finds all its matches).
    pub(crate) fn new<'a>(regexes: impl IntoIterator<Item = &'a str>) -> Option<Shapes> {
        let mut s = Shapes {
            national_id: false,
            email: false,
            ipv4: false,
            ipv6: false,
            phone_international: false,
            phone_se: false,
            phone_dk: false,
        };
        for regex in regexes {
            match Shape::of(regex)? {
                Shape::NationalId => s.national_id = true,
                Shape::Email => s.email = true,
                Shape::Ipv4 => s.ipv4 = true,
                Shape::Ipv6 => s.ipv6 = true,
                Shape::PhoneInternational => s.phone_international = true,
                Shape::PhoneSe => s.phone_se = true,
                Shape::PhoneDk => s.phone_dk = true,
            }
        }
        Some(s)
    }

    /// Appends to `out` the windows of `hay`, sorted and merged (no two
    /// overlap or touch). Every match of every regex of the set lies
    /// entirely inside one window.
    pub(crate) fn windows(&self, hay: &[u8], out: &mut Vec<Range<usize>>) {
        let first = out.len();
        let n = hay.len();
        let digit_shapes = self.national_id || self.ipv4 || self.phone_international || self.phone_se || self.phone_dk;
        let (colon, mail) = (self.ipv6, self.email);
        // Ends of the last run examined of each kind: a run is examined
        // once, however many triggers it holds.
        let (mut digits_done, mut colon_done, mut mail_done) = (0, 0, 0);
        // Estimated nanoseconds spent, against what the regex would cost.
        let mut cost = 0usize;
        let mut pad = [0u8; BLOCK];
        let mut o = 0;
        while o < n {
            // 64 bytes at a time as bit masks; the last block is padded
            // with NUL, which belongs to no alphabet.
            let block: &[u8; BLOCK] = match hay.get(o..o + BLOCK) {
                Some(b) => b.try_into().unwrap_or(&pad),
                None => {
                    pad = [0; BLOCK];
                    pad[..n - o].copy_from_slice(&hay[o..]);
                    &pad
                }
            };
            let m = Masks::of(block);
            let from = |done: usize| {
                if done <= o {
                    u64::MAX
                } else if done - o >= 64 {
                    0
                } else {
                    !0 << (done - o)
                }
            };
            let mut d = if digit_shapes { m.digit & from(digits_done) } else { 0 };
            while d != 0 {
                let p = d.trailing_zeros();
                // The run of number bytes around digit p.
                let below = !m.number & ((1u64 << p) - 1);
                let start = if below == 0 { 0 } else { 64 - below.leading_zeros() };
                let end = (!m.number & (!0u64 << p)).trailing_zeros();
                let crosses = (start == 0 && o > 0 && NUMBER[usize::from(hay[o - 1])]) || end == 64;
                cost += RUN_COST;
                if crosses {
                    cost += CHECK_COST;
                    let (s, e) = run(hay, o + p as usize, digits_done, &NUMBER);
                    self.number(hay, s, e, out);
                    digits_done = e;
                } else {
                    let r = (!0u64 << start) & !(!0u64 << end);
                    let digits = (m.digit & r).count_ones();
                    // What any digit shape needs: two digits, and six
                    // digits, three dots, a '+', a '(' or "00".
                    if digits >= 2 && (digits >= 6 || (m.dot & r).count_ones() >= 3 || m.special & r != 0) {
                        cost += CHECK_COST;
                        self.number(hay, o + start as usize, o + end as usize, out);
                    }
                    digits_done = o + end as usize;
                }
                d = m.digit & from(digits_done);
            }
            let mut t = (if colon { m.colon } else { 0 }) | (if mail { m.mail } else { 0 });
            while t != 0 {
                let i = o + t.trailing_zeros() as usize;
                t &= t - 1;
                cost += CHECK_COST;
                if hay[i] == b':' {
                    if i >= colon_done {
                        let (s, e) = run(hay, i, colon_done, &IPV6);
                        if ipv6_possible(&hay[s..e]) {
                            out.push(s..e);
                        }
                        colon_done = e;
                    }
                } else if i >= mail_done && (hay[i] == b'@' || hay[i + 1..].starts_with(b"40")) {
                    let (s, e) = run(hay, i, mail_done, &EMAIL);
                    // The domain has a dot after the '@' (or "%40").
                    if memchr::memchr(b'.', &hay[i..e]).is_some() {
                        out.push(s..e);
                    }
                    mail_done = e;
                }
            }
            o += BLOCK;
            // Text dense with numbers (logs, CSV) costs more here than in
            // the regex's single pass: search all of it instead.
            if o >= BAIL_AFTER && cost > o * REGEX_COST_PER_KB / 1024 {
                out.truncate(first);
                out.push(0..n);
                return;
            }
        }
        merge(out, first);
    }

    /// Pushes the windows of the number run `s..e` (bytes of [`NUMBER`]).
    /// One pass gathers what each shape needs; only a shape whose needs
    /// the whole run meets looks at the run's parts.
    fn number(&self, h: &[u8], s: usize, e: usize, out: &mut Vec<Range<usize>>) {
        let w = &h[s..e];
        let (mut digits, mut dots) = (0usize, 0usize);
        // Candidate starts: '+' or word-start "00" before [1-9]
        // (international), word-start "0[1-9]" or "(0[1-9]" (Swedish),
        // word-start [2-9] (Danish).
        let (mut intl, mut se, mut dk) = (false, false, false);
        let mut prev_word = s > 0 && is_word(h[s - 1]);
        for (k, &b) in w.iter().enumerate() {
            if b.is_ascii_digit() {
                digits += 1;
                if !prev_word {
                    let next = w.get(k + 1).copied().unwrap_or(0);
                    let nonzero = |c: u8| (b'1'..=b'9').contains(&c);
                    if b == b'0' {
                        se |= nonzero(next);
                        intl |= next == b'0' && nonzero(w.get(k + 2).copied().unwrap_or(0));
                    } else {
                        dk |= b >= b'2';
                    }
                }
            } else if b == b'.' {
                dots += 1;
            } else if b == b'+' {
                intl |= w.get(k + 1).is_some_and(|c| (b'1'..=b'9').contains(c));
            } else if b == b'(' {
                se |= w.get(k + 1) == Some(&b'0') && w.get(k + 2).is_some_and(|c| (b'1'..=b'9').contains(c));
            }
            prev_word = b.is_ascii_digit();
        }
        if self.national_id && digits >= 10 {
            // (?:18|19|20)?[0-9]{6}[-+]?[0-9]{4}: only digits, '-' and '+'.
            sub_runs(h, s, e, &NATIONAL_ID, |a, z| {
                if count_digits(&h[a..z]) >= 10 {
                    out.push(a..z);
                }
            });
        }
        if self.ipv4 && digits >= 4 && dots >= 3 {
            // Four digit groups with three dots, maybe "/nn".
            sub_runs(h, s, e, &IPV4, |a, z| {
                let r = &h[a..z];
                if count_digits(r) >= 4 && memchr::memchr_iter(b'.', r).nth(2).is_some() {
                    out.push(a..z);
                }
            });
        }
        if self.phone_international && intl && digits >= 2 {
            // '+' or "00" at a word start, then [1-9]; then digits, groups
            // in parentheses, ' ', '.' and '-'.
            sub_runs(h, s, e, &PHONE_INTERNATIONAL, |a, z| {
                let starts = (a..z).any(|p| {
                    let nonzero = |q: usize| q < z && (b'1'..=b'9').contains(&h[q]);
                    (h[p] == b'+' && nonzero(p + 1))
                        || (h[p] == b'0' && p + 1 < z && h[p + 1] == b'0' && word_start(h, p) && nonzero(p + 2))
                });
                if starts {
                    out.push(a..z);
                }
            });
        }
        if self.phone_se && se && digits >= 3 {
            // "0[1-9]" at a word start and 4 to 12 more digits, with single
            // ' ', '-' or '/' between them; or "(0[1-9]..." with a group in
            // parentheses.
            sub_runs(h, s, e, &PHONE_SE, |a, z| {
                if has_start(h, a, z, 6, |p| {
                    h[p] == b'0'
                        && p + 1 < z
                        && (b'1'..=b'9').contains(&h[p + 1])
                        && ((p > a && h[p - 1] == b'(') || word_start(h, p))
                }) {
                    out.push(a..z);
                }
            });
        }
        if self.phone_dk && dk && digits >= 8 {
            // [2-9] at a word start and 7 more digits, single spaces between.
            sub_runs(h, s, e, &PHONE_DK, |a, z| {
                if has_start(h, a, z, 8, |p| (b'2'..=b'9').contains(&h[p]) && word_start(h, p)) {
                    out.push(a..z);
                }
            });
        }
    }
}

/// True if some position `p` in `a..z` satisfies `start` and has at least
/// `digits` digits from `p` to `z`, or is a '(' start (which needs fewer).
fn has_start(h: &[u8], a: usize, z: usize, digits: usize, start: impl Fn(usize) -> bool) -> bool {
    // Digits from each position to the end, counted backwards once.
    let mut after = 0;
    for p in (a..z).rev() {
        if h[p].is_ascii_digit() {
            after += 1;
        }
        if start(p) && (after >= digits || (p > a && h[p - 1] == b'(')) {
            return true;
        }
    }
    false
}

/// A byte set as a lookup table.
type Alphabet = [bool; 256];

/// The table of the bytes `extra`, ASCII digits if `digits`, ASCII letters
/// if `letters`, and every non-ASCII byte if `non_ascii`.
const fn alphabet(extra: &[u8], digits: bool, letters: bool, non_ascii: bool) -> Alphabet {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = (digits && c.is_ascii_digit()) || (letters && c.is_ascii_alphabetic()) || (non_ascii && c >= 0x80);
        b += 1;
    }
    let mut k = 0;
    while k < extra.len() {
        t[extra[k] as usize] = true;
        k += 1;
    }
    t
}

/// Bytes of any digit rule's match: digits and the separators of numbers.
const NUMBER: Alphabet = alphabet(b" .()+-/", true, false, false);
/// National identity numbers: digits, '-' and '+'.
const NATIONAL_ID: Alphabet = alphabet(b"-+", true, false, false);
/// IPv4 addresses: digits, '.' and a "/nn" prefix length.
const IPV4: Alphabet = alphabet(b"./", true, false, false);
/// International numbers: digits, "+", parentheses, ' ', '.' and '-'.
const PHONE_INTERNATIONAL: Alphabet = alphabet(b" .()+-", true, false, false);
/// Swedish numbers: digits, parentheses, ' ', '-' and '/'.
const PHONE_SE: Alphabet = alphabet(b" ()-/", true, false, false);
/// Danish numbers: digits and ' '.
const PHONE_DK: Alphabet = alphabet(b" ", true, false, false);
/// IPv6 addresses: hex groups, ':', an IPv4 tail, a zone (`%eth0`) and a
/// prefix length.
const IPV6: Alphabet = alphabet(b":.%/", true, true, false);
/// E-mail addresses: letters and digits (any non-ASCII byte, for `\p{L}`
/// and `\p{N}`), `._%+-` and `@`.
const EMAIL: Alphabet = alphabet(b"._%+-@", true, true, true);

/// Texts shorter than this are searched whole: for a CSV field or a
/// line, one regex search costs less than finding the windows.
pub(crate) const MIN_TEXT: usize = 2048;

/// Bytes per block of the scan.
const BLOCK: usize = 64;

/// Rough costs in nanoseconds, measured on gen_corpus logs: a run of
/// digits looked at through the block masks, a run checked byte by byte,
/// and a kilobyte of regex search (the lazy DFA runs at about 450 MB/s).
/// Once the scan has cost more than the regex would have, after
/// [`BAIL_AFTER`] bytes, it gives up and the whole text is searched.
const RUN_COST: usize = 10;
const CHECK_COST: usize = 50;
const REGEX_COST_PER_KB: usize = 1500;
const BAIL_AFTER: usize = 1024;

/// Bit `k` of each mask describes byte `k` of a 64-byte block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Masks {
    /// ASCII digits.
    digit: u64,
    /// [`NUMBER`] bytes.
    number: u64,
    /// '.'.
    dot: u64,
    /// '+', '(' and the first '0' of "00".
    special: u64,
    /// ':'.
    colon: u64,
    /// '@' and '%'.
    mail: u64,
}

impl Masks {
    fn of(block: &[u8; BLOCK]) -> Masks {
        #[cfg(target_arch = "x86_64")]
        {
            Masks::sse2(block)
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            Masks::portable(block)
        }
    }

    /// One byte at a time: the reference for [`Masks::sse2`].
    #[cfg_attr(target_arch = "x86_64", allow(dead_code))]
    fn portable(block: &[u8; BLOCK]) -> Masks {
        let mut m = Masks { digit: 0, number: 0, dot: 0, special: 0, colon: 0, mail: 0 };
        let mut zero = 0u64;
        for (k, &b) in block.iter().enumerate() {
            let bit = 1u64 << k;
            let set = |mask: &mut u64, on: bool| {
                if on {
                    *mask |= bit
                }
            };
            set(&mut m.digit, b.is_ascii_digit());
            set(&mut m.number, NUMBER[usize::from(b)]);
            set(&mut m.dot, b == b'.');
            set(&mut m.special, b == b'+' || b == b'(');
            set(&mut zero, b == b'0');
            set(&mut m.colon, b == b':');
            set(&mut m.mail, b == b'@' || b == b'%');
        }
        m.special |= zero & (zero >> 1);
        m
    }

    /// 16 bytes per step with SSE2, which every x86_64 processor has.
    #[cfg(target_arch = "x86_64")]
    fn sse2(block: &[u8; BLOCK]) -> Masks {
        use std::arch::x86_64::*;
        let mut m = Masks { digit: 0, number: 0, dot: 0, special: 0, colon: 0, mail: 0 };
        let mut zero = 0u64;
        // SAFETY: SSE2 is part of the x86_64 baseline; each unaligned load
        // reads 16 bytes inside `block`.
        unsafe {
            let eq = |x: __m128i, b: u8| _mm_cmpeq_epi8(x, _mm_set1_epi8(b as i8));
            // x - lo <= hi - lo, unsigned: lo..=hi.
            let range = |x: __m128i, lo: u8, hi: u8| {
                let d = _mm_sub_epi8(x, _mm_set1_epi8(lo as i8));
                _mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8((hi - lo) as i8)), d)
            };
            let bits = |v: __m128i| u64::from(_mm_movemask_epi8(v) as u16);
            for q in 0..BLOCK / 16 {
                let x = _mm_loadu_si128(block.as_ptr().add(16 * q).cast());
                let shift = 16 * q;
                let digit = range(x, b'0', b'9');
                // ' ' and '('..='9' except '*' and ','.
                let number = _mm_or_si128(
                    eq(x, b' '),
                    _mm_andnot_si128(_mm_or_si128(eq(x, b'*'), eq(x, b',')), range(x, b'(', b'9')),
                );
                m.digit |= bits(digit) << shift;
                m.number |= bits(number) << shift;
                m.dot |= bits(eq(x, b'.')) << shift;
                m.special |= bits(_mm_or_si128(eq(x, b'+'), eq(x, b'('))) << shift;
                zero |= bits(eq(x, b'0')) << shift;
                m.colon |= bits(eq(x, b':')) << shift;
                m.mail |= bits(_mm_or_si128(eq(x, b'@'), eq(x, b'%'))) << shift;
            }
        }
        m.special |= zero & (zero >> 1);
        m
    }
}

/// Every IPv6 match has eight colon groups (7 colons), a "::", or two
/// colons before a dotted IPv4 tail.
fn ipv6_possible(w: &[u8]) -> bool {
    let (mut colons, mut dots, mut double) = (0, 0, false);
    let mut prev = 0u8;
    for &b in w {
        if b == b':' {
            colons += 1;
            double |= prev == b':';
        } else if b == b'.' {
            dots += 1;
        }
        prev = b;
    }
    colons >= 7 || (colons >= 2 && dots >= 3) || double
}

/// The maximal run of `alpha` bytes around `i`, not reaching back before
/// `floor`.
fn run(h: &[u8], i: usize, floor: usize, alpha: &Alphabet) -> (usize, usize) {
    let mut s = i;
    while s > floor && alpha[usize::from(h[s - 1])] {
        s -= 1;
    }
    let mut e = i + 1;
    while e < h.len() && alpha[usize::from(h[e])] {
        e += 1;
    }
    (s, e)
}

/// Calls `f` with each maximal run of `alpha` bytes inside `s..e`.
fn sub_runs(h: &[u8], s: usize, e: usize, alpha: &Alphabet, mut f: impl FnMut(usize, usize)) {
    let mut i = s;
    while i < e {
        while i < e && !alpha[usize::from(h[i])] {
            i += 1;
        }
        let a = i;
        while i < e && alpha[usize::from(h[i])] {
            i += 1;
        }
        if i > a {
            f(a, i);
        }
    }
}

fn count_digits(w: &[u8]) -> usize {
    w.iter().filter(|b| b.is_ascii_digit()).count()
}

/// A word byte of `(?-u:\b)`.
fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// True if `(?-u:\b)` holds before the word byte at `p`.
fn word_start(h: &[u8], p: usize) -> bool {
    p == 0 || !is_word(h[p - 1])
}

/// Sorts `out[first..]` and merges windows that overlap or touch.
fn merge(out: &mut Vec<Range<usize>>, first: usize) {
    let tail = &mut out[first..];
    if tail.windows(2).any(|p| p[1].start < p[0].start) {
        tail.sort_unstable_by_key(|r| r.start);
    }
    let mut kept = first;
    for k in first..out.len() {
        let r = out[k].clone();
        if kept > first && r.start <= out[kept - 1].end {
            let last = &mut out[kept - 1];
            last.end = last.end.max(r.end);
        } else {
            out[kept] = r;
            kept += 1;
        }
    }
    out.truncate(kept);
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex_automata::{Anchored, Input, meta};

    /// Every match of `regex` in `hay`, at every start (not just the
    /// leftmost-first ones a scan reports).
    fn all_matches(regex: &str, hay: &str) -> Vec<Range<usize>> {
        thread_local! {
            static COMPILED: std::cell::RefCell<Vec<(String, meta::Regex)>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        let re = COMPILED.with(|c| {
            let mut c = c.borrow_mut();
            if let Some((_, re)) = c.iter().find(|(r, _)| r == regex) {
                return re.clone();
            }
            let re = meta::Regex::new(regex).expect("regex compiles");
            c.push((regex.to_string(), re.clone()));
            re
        });
        (0..=hay.len())
            .filter(|&p| hay.is_char_boundary(p))
            .filter_map(|p| re.search(&Input::new(hay).range(p..).anchored(Anchored::Yes)).map(|m| m.range()))
            .collect()
    }

    fn windows_of(regex: &str, hay: &str) -> Vec<Range<usize>> {
        let shapes = Shapes::new([regex]).expect("built-in regex has a shape");
        let mut w = Vec::new();
        shapes.windows(hay.as_bytes(), &mut w);
        w
    }

    fn assert_covered(regex: &str, hay: &str) {
        let w = windows_of(regex, hay);
        for m in all_matches(regex, hay) {
            assert!(
                w.iter().any(|r| r.start <= m.start && m.end <= r.end),
                "match {:?} of {regex} in {hay:?} is outside every window {w:?}",
                &hay[m.clone()]
            );
        }
    }

    /// A small deterministic generator (xorshift), so failures reproduce.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
            items[(self.next() % items.len() as u64) as usize]
        }
    }

    /// Random text dense in the pieces the regexes are made of.
    fn random_text(rng: &mut Rng) -> String {
        const PIECES: [&str; 40] = [
            "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "00", "19", "46", "070", "(08)", "(0", ")", " ", " ",
            "-", "+", "+46", ".", "/", ":", "::", "a", "f", "E", "x", "_", "@", "%40", "%", "å", "\u{a0}", "\n",
            "ab.se", "ffff:", "7",
        ];
        let len = 1 + rng.next() % 120;
        (0..len).map(|_| rng.pick(&PIECES)).collect()
    }

    #[test]
    fn block_masks_agree_with_the_portable_reference() {
        let mut rng = Rng(42);
        for _ in 0..2000 {
            let mut block = [0u8; BLOCK];
            for b in block.iter_mut() {
                // Mostly ASCII punctuation and digits, some of everything.
                let r = rng.next();
                *b = if r.is_multiple_of(4) { (r >> 8) as u8 } else { b' ' + ((r >> 8) % 64) as u8 };
            }
            assert_eq!(Masks::of(&block), Masks::portable(&block), "{block:?}");
        }
    }

    #[test]
    fn every_builtin_regex_has_a_shape() {
        let rules = crate::detect::pattern::builtin_rules().expect("built-in rules load");
        for rule in &rules {
            assert!(Shape::of(&rule.regex).is_some(), "built-in rule {} has no shape", rule.id);
        }
        assert!(Shapes::new(rules.iter().map(|r| r.regex.as_str())).is_some());
    }

    #[test]
    fn other_regexes_have_no_shape() {
        assert_eq!(Shape::of(r"[0-9]{10}"), None);
        assert!(Shapes::new([REGEXES[0].0, r"K-[0-9]{6}"]).is_none());
    }

    #[test]
    fn windows_cover_every_match_of_random_text() {
        let mut rng = Rng(0x5eed_cafe_f00d_1234);
        for _ in 0..4000 {
            let hay = random_text(&mut rng);
            for (regex, _) in REGEXES {
                assert_covered(regex, &hay);
            }
        }
    }

    #[test]
    fn windows_cover_written_examples() {
        let texts = [
            "Personnummer: 811218-9876, pnr 19811218-9876, född 090527+1474",
            "CPR-nr.: 070761-4285 og 0707614285",
            "mail åsa.öberg@exempel.se or anna%40exempel.dk, user@host",
            "from 192.168.1.20 and 10.0.0.0/8; v 1.2.3.4.5",
            "addr 2001:db8::1, fe80::1%eth0, ::ffff:10.1.2.3, 2001:0db8:0000:0000:0000:ff00:0042:8329/64, ::",
            "Tel: +46 70 174 06 05, ring 0046 70 174 06 05, +46 (0)8-123 456 78",
            "Mobil: 070-174 06 05, tel 08-123 456 78, (08) 123 456 78, 08/123 45",
            "Tlf. 20 12 34 56, mobil 2012 3456, 20123456",
        ];
        for hay in texts {
            for (regex, _) in REGEXES {
                assert_covered(regex, hay);
            }
        }
    }

    #[test]
    fn prose_and_log_noise_make_no_windows() {
        let all = Shapes::new(REGEXES.iter().map(|(r, _)| *r)).expect("shapes");
        let mut w = Vec::new();
        let text = "2025-03-22T02:25:18.828Z INFO  [api] GET /api/v2/orders/181489 200 1976ms \
                    session e2364da4-23f8-4afc-88cc-8359d9ae5546 expired; see https://example.org/a:b";
        all.windows(text.as_bytes(), &mut w);
        assert_eq!(w, Vec::<Range<usize>>::new(), "{:?}", w.iter().map(|r| &text[r.clone()]).collect::<Vec<_>>());
    }

    #[test]
    fn text_dense_with_numbers_is_searched_whole() {
        let all = Shapes::new(REGEXES.iter().map(|(r, _)| *r)).expect("shapes");
        let line = "2025-03-22T02:25:18.828Z INFO [api] GET /api/v2/orders/181489 200 1976ms 811218-9876\n";
        let text = line.repeat(40);
        let mut w = Vec::new();
        all.windows(text.as_bytes(), &mut w);
        assert_eq!(w, vec![0..text.len()]);
    }

    /// Detections of the gated engine and of the engine that searches the
    /// whole text, on `text`.
    fn both_engines(text: &str) -> (Vec<crate::detect::Detection>, Vec<crate::detect::Detection>) {
        thread_local! {
            static ENGINES: (crate::detect::Engine, crate::detect::Engine) = (
                crate::detect::testutil::engine(),
                crate::detect::testutil::engine().without_shapes(),
            );
        }
        ENGINES.with(|(gated, whole)| {
            let (mut a, mut b) = (Vec::new(), Vec::new());
            gated.detect(text, &mut a);
            whole.detect(text, &mut b);
            (a, b)
        })
    }

    #[test]
    fn gated_search_finds_what_a_whole_search_finds_in_random_prose() {
        const WORDS: [&str; 24] = [
            "Hej",
            "och",
            "personnummer",
            "tel",
            "mobil",
            "CPR",
            "mail",
            "ring",
            "på",
            "ærø",
            " ",
            " ",
            "\n",
            ", ",
            ". ",
            "version",
            "IP",
            "Org.nr",
            "kontakt",
            "fra",
            "til",
            "den",
            "(",
            ")",
        ];
        const VALUES: [&str; 16] = [
            "811218-9876",
            "19811218-9876",
            "070761-4285",
            "0707614285",
            "556826-3387",
            "070-174 06 05",
            "+46 70 174 06 05",
            "0046 70 174 06 05",
            "20 12 34 56",
            "(08) 123 456 78",
            "anna.berg@exempel.se",
            "åsa%40exempel.dk",
            "192.168.1.20",
            "10.0.0.0/8",
            "2001:db8::1",
            "::ffff:10.1.2.3",
        ];
        let all = Shapes::new(REGEXES.iter().map(|(r, _)| *r)).expect("shapes");
        let mut rng = Rng(0xdead_beef_0123_4567);
        let mut gated_texts = 0;
        for _ in 0..300 {
            let mut text = String::new();
            while text.len() < MIN_TEXT * 3 {
                // Prose: a value in 50 words, a burst of noise in 300.
                let r = rng.next() % 300;
                if r < 6 {
                    text.push_str(rng.pick(&VALUES));
                } else if r < 7 {
                    text.push_str(&random_text(&mut rng));
                } else {
                    text.push_str(rng.pick(&WORDS));
                }
                text.push(' ');
            }
            let (gated, whole) = both_engines(&text);
            assert_eq!(gated, whole, "in {text:?}");
            let mut w = Vec::new();
            all.windows(text.as_bytes(), &mut w);
            if w.len() != 1 || w[0] != (0..text.len()) {
                gated_texts += 1;
            }
        }
        // Most texts are searched through windows, not whole.
        assert!(gated_texts >= 150, "only {gated_texts} of 300 texts were gated");
    }

    #[test]
    fn gated_search_finds_what_a_whole_search_finds_in_the_samples() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
        let mut checked = 0;
        for entry in walkdir_files(&root) {
            let Ok(text) = std::fs::read_to_string(&entry) else { continue };
            let (gated, whole) = both_engines(&text);
            assert_eq!(gated, whole, "in {}", entry.display());
            checked += 1;
        }
        assert!(checked >= 10, "only {checked} sample texts");
    }

    /// Every file under `dir`, in path order.
    fn walkdir_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
        let walk = ignore::WalkBuilder::new(dir).standard_filters(false).build();
        let mut files: Vec<_> =
            walk.flatten().filter(|e| e.file_type().is_some_and(|t| t.is_file())).map(|e| e.into_path()).collect();
        files.sort();
        files
    }

    #[test]
    fn windows_are_sorted_and_disjoint() {
        let all = Shapes::new(REGEXES.iter().map(|(r, _)| *r)).expect("shapes");
        let text = "x 2001:db8::10.1.2.3 y anna@ex.se z 811218-9876 w +46 70 174 06 05 v 1.2.3.4";
        let mut w = Vec::new();
        all.windows(text.as_bytes(), &mut w);
        assert_eq!(w.len(), 5, "{w:?}");
        assert!(w.windows(2).all(|p| p[0].end < p[1].start), "{w:?}");
    }
}
