//! The `phone` validator: Swedish and Danish numbers, and `+`/`00`-prefixed
//! international numbers, checked against libphonenumber metadata (the
//! `phonenumber` crate).
//!
//! A candidate reaches this validator only when no identity-number or IP
//! rule took the same text first. Dates (`20230115`, `15-01-2023`) and
//! numbers just after a CVR/org.nr keyword are consumed. If the whole
//! candidate is not a valid number, trailing digit groups are dropped one at
//! a time (a phone number followed by other numbers on the line).
//!
//! Scores: `+46`/`+45` (or `0046`/`0045`) 0.85; other countries 0.6;
//! Swedish national form with separators 0.7; Danish grouped 8 digits 0.5;
//! bare digits (10 Swedish or 8 Danish) 0.2. A phone keyword adds 0.3.

use std::ops::Range;
use std::panic::{AssertUnwindSafe, catch_unwind};

use phonenumber::{Mode, PhoneNumber, Type};

use super::context::Set;
use super::date::Date;
use super::mask::Mask;
use super::{Detection, Engine, Outcome, Reasons, clamp, next_char, prev_char};
use crate::detect::pattern::Rule;
use crate::model::Kind;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Form {
    /// `+CC...`
    Plus,
    /// `00CC...`
    DoubleZero,
    /// Swedish national, trunk prefix 0.
    Swedish,
    /// Danish, 8 digits.
    Danish,
}

/// Validates one phone candidate.
pub fn validate(eng: &Engine, hay: &str, span: Range<usize>, rule: &Rule, out: &mut Vec<Detection>) -> Outcome {
    let cand = &hay[span.clone()];
    let before = prev_char(hay, span.start);
    if before.is_some_and(|c| c.is_alphanumeric() || c == '+' || c == '.' || c == ',') {
        return Outcome::Rejected;
    }
    // A segment of an identifier (`9c2da18a-0082-4033-…`, `AB-0012-3456`):
    // a hyphen glued to a letter or digit before it.
    if before == Some('-') && prev_char(hay, span.start - 1).is_some_and(char::is_alphanumeric) {
        return Outcome::Rejected;
    }
    let form = if cand.starts_with('+') {
        Form::Plus
    } else if cand.starts_with("00") {
        Form::DoubleZero
    } else if cand.starts_with('0') || cand.starts_with('(') {
        Form::Swedish
    } else {
        Form::Danish
    };
    if is_date(cand) {
        return Outcome::Consumed(span.end);
    }
    // The first group of a UUID (`00241363-3744-49f4-…`).
    if is_uuid(&hay.as_bytes()[span.start..]) {
        return Outcome::Consumed(span.start + 36);
    }
    // `00` after a digit group is a later group of an account or IBAN
    // (`DK81 0038 3409 2163 33`), not an international call prefix.
    if form == Form::DoubleZero && in_longer_group_run(hay, &(span.start..span.start)) {
        return Outcome::Consumed(span.end);
    }
    // A Danish number is exactly 8 digits: 8 digits inside a longer run of
    // space-separated groups are part of something else (an IBAN
    // `SE70 6481 3531 7566 4295 0195`, a card number).
    if form == Form::Danish && in_longer_group_run(hay, &span) {
        return Outcome::Consumed(span.end);
    }
    // Try the whole candidate, then without trailing groups. Context is
    // looked up only for a number libphonenumber accepts.
    let mut ends = group_ends(cand);
    while let Some(end) = ends.pop() {
        let text = &cand[..end];
        if next_char(hay, span.start + end).is_some_and(|c| c.is_ascii_digit()) {
            continue;
        }
        let Some(number) = parse(text, form) else { continue };
        let found = span.start..span.start + end;
        let cx = eng.keywords().context(hay, found.clone());
        if cx.just_before(Set::PhoneNegative, 20).is_some() {
            return Outcome::Consumed(span.end);
        }
        push(eng, &cx, rule, found, text, form, &number, out);
        return Outcome::Found(span.start + end);
    }
    Outcome::Rejected
}

/// True if the text at `span` continues a run of digit groups on either
/// side (`1234 5678 9012`).
fn in_longer_group_run(hay: &str, span: &Range<usize>) -> bool {
    let b = hay.as_bytes();
    let before = span.start >= 2 && b[span.start - 1] == b' ' && b[span.start - 2].is_ascii_digit();
    let after = b.get(span.end) == Some(&b' ') && b.get(span.end + 1).is_some_and(u8::is_ascii_digit);
    before || after
}

/// True if `b` starts with a UUID: 8, 4, 4, 4 and 12 hex digits joined by
/// hyphens.
fn is_uuid(b: &[u8]) -> bool {
    b.len() >= 36
        && b[..36]
            .iter()
            .enumerate()
            .all(|(i, c)| if matches!(i, 8 | 13 | 18 | 23) { *c == b'-' } else { c.is_ascii_hexdigit() })
}

/// Byte offsets just after each digit group of `s`.
fn group_ends(s: &str) -> Vec<usize> {
    let b = s.as_bytes();
    (0..b.len())
        .filter(|&i| b[i].is_ascii_digit() && b.get(i + 1).is_none_or(|c| !c.is_ascii_digit()))
        .map(|i| i + 1)
        .filter(|&e| digits(&s[..e]).len() >= 6)
        .collect()
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// A number libphonenumber's rules call valid.
struct Valid {
    /// Country calling code.
    code: u16,
    /// The number in E.164 (`+46701740605`).
    e164: String,
    /// What kind of line it is.
    kind: Type,
}

/// Parses `text` in `form` and returns it if libphonenumber's rules call it
/// valid. Swedish and Danish numbers are checked with [`Plan`]s compiled
/// once; other countries go through the `phonenumber` crate.
fn parse(text: &str, form: Form) -> Option<Valid> {
    let mut digits = digits(text);
    match form {
        Form::Swedish => {
            // The trunk prefix 0 is not part of the national number.
            let national = digits.strip_prefix('0')?;
            let kind = plan(SE)?.number_type(national);
            return (kind != Type::Unknown).then(|| Valid { code: 46, e164: format!("+46{national}"), kind });
        }
        Form::Danish => {
            if digits.len() != 8 {
                return None;
            }
            let kind = plan(DK)?.number_type(&digits);
            return (kind != Type::Unknown).then(|| Valid { code: 45, e164: format!("+45{digits}"), kind });
        }
        Form::Plus | Form::DoubleZero => {}
    }
    // "+46 (0)8..." writes the trunk prefix in brackets: drop it.
    if text.contains("(0)") {
        digits = self::digits(&text.replace("(0)", ""));
    }
    let d = if form == Form::DoubleZero { digits.strip_prefix("00")? } else { digits.as_str() };
    // Sweden and Denmark as the crate's parser reads them (without loading
    // the whole world's metadata): the country code, then for Sweden the
    // trunk prefix 0 dropped (the crate drops it twice, as national prefix
    // and again as "national prefix for parsing"), then 2 to 17 digits.
    let home = [("46", SE, 46u16), ("45", DK, 45)].into_iter().find(|(cc, _, _)| d.starts_with(cc));
    if let Some((cc, which, code)) = home {
        let mut national = &d[cc.len()..];
        if which == SE {
            for _ in 0..2 {
                national = national.strip_prefix('0').unwrap_or(national);
            }
        }
        if !(2..=17).contains(&national.len()) {
            return None;
        }
        let kind = plan(which)?.number_type(national);
        return (kind != Type::Unknown).then(|| Valid { code, e164: format!("+{cc}{national}"), kind });
    }
    // Most such candidates are not numbers at all (`0027354`, the first
    // group of an identifier); reject those the crate would reject without
    // loading the world's metadata for them.
    if !may_be_valid_abroad(d) {
        return None;
    }
    let input = format!("+{d}");
    // The crate has panicked on odd input before (rust-phonenumber #32): a
    // panic here means "not a phone number", never a failed file.
    let parsed = catch_unwind(AssertUnwindSafe(|| phonenumber::parse(None, &input).ok()));
    let number: PhoneNumber = parsed.ok().flatten()?;
    let code = number.code().value();
    let kind = match code {
        46 => plan(SE)?.number_type(&number.national().to_string()),
        45 => plan(DK)?.number_type(&number.national().to_string()),
        _ => {
            let valid = catch_unwind(AssertUnwindSafe(|| phonenumber::is_valid(&number))).unwrap_or(false);
            if !valid {
                return None;
            }
            number.number_type(&phonenumber::metadata::DATABASE)
        }
    };
    if kind == Type::Unknown {
        return None;
    }
    Some(Valid { code, e164: number.format().mode(Mode::E164).to_string(), kind })
}

/// False when no number of the world's metadata can be `+` followed by the
/// digits `d`: they start with no country calling code, or the rest is
/// shorter than every national number under that code. Where a region
/// rewrites national numbers when parsing (San Marino puts 0549 before six
/// digits), the bound is lower by the digits the rewrite adds. Under some
/// codes (1, North America) no national number begins with 0, and nothing
/// the crate does when parsing removes one.
fn may_be_valid_abroad(d: &str) -> bool {
    // The crate takes the first of the 1- to 3-digit prefixes that is a
    // code; codes are prefix-free, so there is at most one.
    (1..=3).filter(|&n| n <= d.len()).find_map(|n| {
        let code: u16 = d[..n].parse().ok()?;
        let i = COUNTRY_CODES.binary_search_by_key(&code, |&(c, _, _)| c).ok()?;
        let (_, fewest, no_zero) = COUNTRY_CODES[i];
        Some(d.len() - n >= usize::from(fewest).max(2) && !(no_zero && d[n..].starts_with('0')))
    }) == Some(true)
}

/// Every country calling code of libphonenumber's metadata (as the
/// `phonenumber` crate ships it), sorted, with the fewest digits of a
/// valid national number under it (0: no bound) and whether one written
/// with a leading 0 is never valid (see [`may_be_valid_abroad`]). A test
/// derives this table from the crate.
#[rustfmt::skip]
const COUNTRY_CODES: &[(u16, u8, bool)] = &[
    (1, 7, true), (7, 10, true), (20, 8, false), (27, 5, false), (30, 10, true), (31, 5, false), (32, 8, false),
    (33, 9, false), (34, 9, true), (36, 8, false), (39, 6, false), (40, 6, false), (41, 9, false), (43, 4, false),
    (44, 3, false), (45, 8, true), (46, 6, false), (47, 5, false), (48, 6, true), (49, 4, false), (51, 8, false),
    (52, 10, true), (53, 6, false), (54, 9, false), (55, 8, false), (56, 9, true), (57, 8, false), (58, 10, false),
    (60, 8, false), (61, 5, false), (62, 7, false), (63, 6, false), (64, 5, false), (65, 8, true), (66, 8, false),
    (81, 8, false), (82, 5, false), (84, 7, false), (86, 7, false), (90, 7, false), (91, 8, false), (92, 8, false),
    (93, 9, false), (94, 9, false), (95, 6, false), (98, 4, false), (211, 9, false), (212, 9, false), (213, 8, false),
    (216, 8, true), (218, 9, false), (220, 7, true), (221, 9, true), (222, 8, true), (223, 8, true), (224, 8, true),
    (225, 10, false), (226, 8, false), (227, 8, false), (228, 8, true), (229, 8, false), (230, 7, true), (231, 7, false),
    (232, 8, false), (233, 8, false), (234, 10, false), (235, 8, true), (236, 8, true), (237, 8, true), (238, 7, true),
    (239, 7, true), (240, 9, true), (241, 7, false), (242, 9, false), (243, 7, false), (244, 9, true), (245, 7, true),
    (246, 7, true), (247, 5, false), (248, 7, true), (249, 9, false), (250, 8, false), (251, 9, false), (252, 6, false),
    (253, 8, true), (254, 7, false), (255, 9, false), (256, 9, false), (257, 8, true), (258, 8, true), (260, 9, false),
    (261, 7, false), (262, 9, false), (263, 5, false), (264, 8, false), (265, 7, false), (266, 8, true), (267, 7, false),
    (268, 8, false), (269, 7, true), (290, 4, true), (291, 7, false), (297, 7, true), (298, 6, true), (299, 6, true),
    (350, 8, true), (351, 9, true), (352, 4, true), (353, 7, false), (354, 7, true), (355, 6, false), (356, 8, true),
    (357, 8, true), (358, 5, false), (359, 6, false), (370, 8, false), (371, 8, true), (372, 7, true), (373, 8, false),
    (374, 8, false), (375, 6, false), (376, 6, true), (377, 8, false), (378, 4, false), (380, 9, false), (381, 6, false),
    (382, 8, false), (383, 8, false), (385, 7, false), (386, 5, false), (387, 8, false), (389, 8, false), (420, 9, true),
    (421, 6, false), (423, 7, false), (500, 5, true), (501, 7, false), (502, 8, true), (503, 7, true), (504, 8, true),
    (505, 8, true), (506, 8, true), (507, 7, false), (508, 6, false), (509, 8, true), (590, 9, false), (591, 8, false),
    (592, 7, true), (593, 8, false), (594, 9, false), (595, 6, false), (596, 9, false), (597, 6, true), (598, 4, false),
    (599, 7, true), (670, 7, true), (672, 5, false), (673, 7, true), (674, 7, true), (675, 7, true), (676, 5, false),
    (677, 5, true), (678, 5, true), (679, 7, false), (680, 7, true), (681, 6, true), (682, 5, true), (683, 4, true),
    (685, 5, true), (686, 5, false), (687, 6, false), (688, 5, true), (689, 6, true), (690, 4, true), (691, 7, true),
    (692, 7, true), (800, 8, false), (808, 8, true), (850, 8, false), (852, 5, true), (853, 7, false), (855, 8, false),
    (856, 8, false), (870, 9, true), (878, 12, true), (880, 6, false), (881, 9, false), (882, 7, true), (883, 8, true),
    (886, 7, false), (888, 11, false), (960, 7, true), (961, 7, false), (962, 8, false), (963, 8, false), (964, 8, false),
    (965, 7, true), (966, 9, false), (967, 7, false), (968, 7, true), (970, 8, false), (971, 5, false), (972, 7, false),
    (973, 8, true), (974, 7, false), (975, 7, true), (976, 8, false), (977, 8, false), (979, 9, true), (992, 9, false),
    (993, 8, true), (994, 9, false), (995, 9, false), (996, 9, false), (998, 9, true),
];

/// Compiles the Swedish and Danish plans now instead of at the first
/// candidate (a few milliseconds), which a scan can overlap with walking
/// the tree by calling this on a thread of its own. The world's metadata
/// (about 0.2 s of CPU) is loaded only for a number of another country.
pub fn warm_up() {
    let _ = plan(SE);
}

/// Index of Sweden in [`plans`].
const SE: usize = 0;
/// Index of Denmark in [`plans`].
const DK: usize = 1;

/// The compiled plan of Sweden ([`SE`]) or Denmark ([`DK`]).
fn plan(which: usize) -> Option<&'static Plan> {
    static PLANS: std::sync::OnceLock<[Option<Plan>; 2]> = std::sync::OnceLock::new();
    PLANS.get_or_init(|| [Plan::new("SE"), Plan::new("DK")])[which].as_ref()
}

/// One country's numbering plan from libphonenumber's metadata (as the
/// `phonenumber` crate ships it), with its patterns compiled once into
/// anchored regexes. The crate keeps its compiled patterns in one
/// 100-entry LRU cache behind a global mutex and looks each up by its
/// source text: Swedish and Danish validation spent most of its time
/// recompiling evicted patterns and waiting on that lock. The rules are
/// the crate's `validator::number_type`, in the same order.
struct Plan {
    general: Pattern,
    /// Types tested before fixed line and mobile, in the crate's order.
    special: Vec<(Type, Pattern)>,
    fixed_line: Option<Pattern>,
    mobile: Option<Pattern>,
    /// Fixed-line and mobile numbers share one pattern.
    fixed_is_mobile: bool,
}

/// One descriptor: possible lengths and a national-number pattern.
struct Pattern {
    lengths: Vec<u16>,
    regex: regex_automata::meta::Regex,
}

impl Pattern {
    fn new(d: &Descriptor) -> Option<Pattern> {
        // The crate compiles metadata patterns with whitespace ignored and
        // accepts a match that starts at 0.
        let regex = regex_automata::meta::Regex::new(&format!("^(?x:{})", d.pattern)).ok()?;
        Some(Pattern { lengths: d.lengths.clone(), regex })
    }

    fn is_match(&self, national: &str) -> bool {
        let len_ok = self.lengths.is_empty() || u16::try_from(national.len()).is_ok_and(|n| self.lengths.contains(&n));
        len_ok && self.regex.is_match(national)
    }
}

/// One number type of a region in `patterns/plans/phone-se-dk.toml`.
#[derive(Debug, PartialEq, serde::Deserialize)]
struct Descriptor {
    lengths: Vec<u16>,
    pattern: String,
}

/// The Swedish and Danish plans as data: region, then number type.
const PLANS: &str = include_str!("../../patterns/plans/phone-se-dk.toml");

/// The number types tested before fixed line and mobile, in the crate's
/// order, with their names in [`PLANS`].
const SPECIAL: [(Type, &str); 8] = [
    (Type::PremiumRate, "premium_rate"),
    (Type::TollFree, "toll_free"),
    (Type::SharedCost, "shared_cost"),
    (Type::Voip, "voip"),
    (Type::PersonalNumber, "personal_number"),
    (Type::Pager, "pager"),
    (Type::Uan, "uan"),
    (Type::Voicemail, "voicemail"),
];

/// The descriptors of `region` (`SE`, `DK`) in [`PLANS`].
fn descriptors(region: &str) -> Option<std::collections::BTreeMap<String, Descriptor>> {
    let mut all: std::collections::BTreeMap<String, std::collections::BTreeMap<String, Descriptor>> =
        toml::from_str(PLANS).ok()?;
    all.remove(region)
}

impl Plan {
    fn new(region: &str) -> Option<Plan> {
        let d = descriptors(region)?;
        let opt = |name: &str| d.get(name).and_then(Pattern::new);
        let special = SPECIAL.iter().filter_map(|&(t, name)| Some((t, opt(name)?))).collect();
        let fixed_is_mobile = match (d.get("fixed_line"), d.get("mobile")) {
            (Some(f), Some(m)) => f.pattern == m.pattern,
            _ => false,
        };
        Some(Plan {
            general: Pattern::new(d.get("general")?)?,
            special,
            fixed_line: opt("fixed_line"),
            mobile: opt("mobile"),
            fixed_is_mobile,
        })
    }

    /// The type of national significant number `national`, or
    /// [`Type::Unknown`] when the plan has no such number.
    fn number_type(&self, national: &str) -> Type {
        if !self.general.is_match(national) {
            return Type::Unknown;
        }
        if let Some((t, _)) = self.special.iter().find(|(_, p)| p.is_match(national)) {
            return *t;
        }
        let is_mobile = || self.mobile.as_ref().is_some_and(|p| p.is_match(national));
        if self.fixed_line.as_ref().is_some_and(|p| p.is_match(national)) {
            return if self.fixed_is_mobile || is_mobile() { Type::FixedLineOrMobile } else { Type::FixedLine };
        }
        if is_mobile() { Type::Mobile } else { Type::Unknown }
    }
}

#[allow(clippy::too_many_arguments)]
fn push(
    eng: &Engine,
    cx: &super::context::Context,
    rule: &Rule,
    span: Range<usize>,
    text: &str,
    form: Form,
    number: &Valid,
    out: &mut Vec<Detection>,
) {
    let code = number.code;
    let cc_digits = code.to_string().len() as u8;
    let has_separator = text.chars().any(|c| !c.is_ascii_digit());
    let mut r = Reasons::default();
    r.push("libphonenumber");
    r.push2("type", type_name(number.kind));
    let mut score = match form {
        Form::Plus | Form::DoubleZero if code == 46 || code == 45 => {
            r.push("e164");
            0.85
        }
        Form::Plus | Form::DoubleZero => {
            r.push("international");
            0.6
        }
        Form::Swedish if has_separator => {
            r.push("national");
            0.7
        }
        Form::Danish if has_separator => {
            r.push("grouped");
            0.5
        }
        Form::Swedish | Form::Danish => {
            r.push("bare");
            0.2
        }
    };
    if let Some(h) = cx.keyword(Set::Phone) {
        score = (score + 0.3f32).min(0.95);
        r.push2("keyword", eng.keywords().text(h.keyword));
    }
    let e164 = number.e164.clone();
    if code == 46 && ("+46701740605"..="+46701740699").contains(&e164.as_str()) && e164.len() == 12 {
        r.push("test-range:pts");
    }
    let keep_first = match form {
        Form::Plus => cc_digits + 2,
        Form::DoubleZero => cc_digits + 4,
        Form::Swedish => 3,
        Form::Danish => 2,
    };
    out.push(Detection {
        kind: Kind::Phone,
        rule: rule.id.clone(),
        span,
        normalized: e164,
        score: clamp(score),
        reason: r.into_string(),
        mask_value: Mask::Digits { keep_first, keep_last: 2 },
        mask_normalized: Mask::Digits { keep_first: cc_digits + 2, keep_last: 2 },
    });
}

fn type_name(t: Type) -> &'static str {
    match t {
        Type::FixedLine => "fixed-line",
        Type::Mobile => "mobile",
        Type::FixedLineOrMobile => "fixed-line-or-mobile",
        Type::TollFree => "toll-free",
        Type::PremiumRate => "premium-rate",
        Type::SharedCost => "shared-cost",
        Type::PersonalNumber => "personal-number",
        Type::Voip => "voip",
        Type::Pager => "pager",
        Type::Uan => "uan",
        Type::Voicemail => "voicemail",
        _ => "other",
    }
}

/// True for text shaped like a calendar date: `YYYYMMDD`, `DDMMYYYY`, or
/// three groups with a 4-digit year (`15-01-2023`, `2023.01.15`).
fn is_date(s: &str) -> bool {
    let valid = |y: &str, m: &str, d: &str| -> bool {
        let (Ok(y), Ok(m), Ok(d)) = (y.parse::<i32>(), m.parse::<u32>(), d.parse::<u32>()) else { return false };
        (1900..=2099).contains(&y) && Date::new(y, m, d).is_some()
    };
    if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
        return valid(&s[..4], &s[4..6], &s[6..]) || valid(&s[4..], &s[2..4], &s[..2]);
    }
    let parts: Vec<&str> = s.split(['-', '.', '/', ' ']).collect();
    match parts.as_slice() {
        [a, b, c] if a.len() == 4 => valid(a, b, c),
        [a, b, c] if c.len() == 4 => valid(c, b, a),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::is_date;
    use crate::detect::testutil::find;
    use crate::model::{Confidence::*, Kind::Phone};

    #[test]
    fn phones_found() {
        let cases = [
            ("Tel: +46 70 174 06 05", "+46701740605", High),
            ("0046 70 174 06 05", "+46701740605", High),
            ("+46 (0)8-123 456 78", "+46812345678", High),
            ("Mobil: 070-174 06 05", "+46701740605", High),
            ("070-174 06 05", "+46701740605", Medium),
            ("08-123 456 78", "+46812345678", Medium),
            ("Tlf. 20 12 34 56", "+4520123456", High),
            ("20 12 34 56", "+4520123456", Medium),
            ("+44 20 7946 0958", "+442079460958", Medium),
            ("0701740605", "+46701740605", Low),
            ("Mobil: 0701740605", "+46701740605", Medium),
            // Danish numbers may begin with 45, the country code: still 8
            // national digits, not +45 and six.
            ("Tlf. 45 87 12 34", "+4545871234", High),
            ("Telefon: +45 45 87 12 34", "+4545871234", High),
            ("tel 0046 8 123 456 78", "+46812345678", High),
        ];
        for (text, norm, conf) in cases {
            // Bare ten digits may also read as a (low) CPR number.
            let f: Vec<_> = find(text).into_iter().filter(|f| f.0 == Phone).collect();
            assert_eq!(f.len(), 1, "{text}: {f:?}");
            assert_eq!((f[0].0, f[0].2.as_str(), f[0].3), (Phone, norm, conf), "{text}");
        }
    }

    /// The compiled plans agree with the crate on numbers the crate
    /// parses the same way (national forms not starting with the country
    /// code).
    #[test]
    fn plans_agree_with_the_crate() {
        use phonenumber::country::Id;
        let (mut checked, mut valid) = (0, 0);
        for n in (0..400u64).map(|i| 10_000_000 + i * 223_456_791 % 90_000_000) {
            let dk = n.to_string();
            if !dk.starts_with("45") {
                let by_crate = phonenumber::parse(Some(Id::DK), &dk).ok().filter(phonenumber::is_valid);
                assert_eq!(super::parse(&dk, super::Form::Danish).is_some(), by_crate.is_some(), "{dk}");
                checked += 1;
            }
            for se in [format!("07{}", &dk[..8]), format!("08{}", &dk[..7]), format!("031{}", &dk[..6])] {
                let by_crate = phonenumber::parse(Some(Id::SE), &se).ok().filter(phonenumber::is_valid);
                let ours = super::parse(&se, super::Form::Swedish);
                valid += usize::from(ours.is_some());
                assert_eq!(
                    ours.as_ref().map(|v| v.e164.clone()),
                    by_crate.map(|n| n.format().mode(phonenumber::Mode::E164).to_string()),
                    "{se}"
                );
                checked += 1;
            }
        }
        assert!(checked > 1000 && valid > 300, "{checked} checked, {valid} valid");
    }

    #[test]
    fn embedded_plans_equal_the_crate() {
        for region in ["SE", "DK"] {
            let meta = phonenumber::metadata::DATABASE.by_id(region).expect("region");
            let d = meta.descriptors();
            let mut crate_types =
                vec![("general", Some(d.general())), ("fixed_line", d.fixed_line()), ("mobile", d.mobile())];
            let specials = [
                d.premium_rate(),
                d.toll_free(),
                d.shared_cost(),
                d.voip(),
                d.personal_number(),
                d.pager(),
                d.uan(),
                d.voicemail(),
            ];
            crate_types.extend(super::SPECIAL.iter().map(|(_, name)| *name).zip(specials));
            let ours = super::descriptors(region).expect("embedded plan");
            // Every type the crate has is in the file, and nothing else.
            let present = crate_types.iter().filter(|(_, x)| x.is_some()).count();
            assert_eq!(ours.len(), present, "{region}: types in the file");
            for (name, theirs) in crate_types {
                let theirs = theirs.map(|x| super::Descriptor {
                    lengths: x.possible_length().to_vec(),
                    // A TOML ''' string drops a newline right after the quotes.
                    pattern: x
                        .national_number()
                        .as_str()
                        .strip_prefix('\n')
                        .unwrap_or(x.national_number().as_str())
                        .to_string(),
                });
                assert_eq!(
                    ours.get(name),
                    theirs.as_ref(),
                    "patterns/plans/phone-se-dk.toml [{region}.{name}] differs from the crate's metadata; it is now\n{theirs:#?}"
                );
            }
        }
    }

    #[test]
    fn international_home_numbers_parse_as_the_crate_does() {
        let (mut checked, mut valid) = (0, 0);
        for n in (0..600u64).map(|i| 10_000_000 + i * 223_456_791 % 90_000_000) {
            let s = n.to_string();
            let written = [
                format!("+46{}", &s[..8]),
                format!("+467{}", &s[..8]),
                format!("+468{}", &s[..7]),
                format!("+4631{}", &s[..6]),
                format!("+46 070{}", &s[..7]),
                format!("+46 (0)70{}", &s[..7]),
                format!("+4600{}", &s[..7]),
                format!("+45{s}"),
                format!("+45 {}", &s[..6]),
                format!("0046 8{}", &s[..7]),
                format!("0045 {s}"),
            ];
            for text in written {
                let form = if text.starts_with("00") { super::Form::DoubleZero } else { super::Form::Plus };
                let ours = super::parse(&text, form).map(|v| (v.code, v.e164, v.kind));
                // What the crate's own parser makes of it.
                let mut digits = super::digits(&text.replace("(0)", ""));
                if form == super::Form::DoubleZero {
                    digits = digits[2..].to_string();
                }
                let by_crate = phonenumber::parse(None, format!("+{digits}")).ok().and_then(|number| {
                    let code = number.code().value();
                    let national = number.national().to_string();
                    let which = if code == 46 { super::SE } else { super::DK };
                    let kind = super::plan(which)?.number_type(&national);
                    (kind != phonenumber::Type::Unknown)
                        .then(|| (code, number.format().mode(phonenumber::Mode::E164).to_string(), kind))
                });
                assert_eq!(ours, by_crate, "{text}");
                checked += 1;
                valid += usize::from(ours.is_some());
            }
        }
        assert!(checked > 6000 && valid > 1500, "{checked} checked, {valid} valid");
    }

    /// [`super::COUNTRY_CODES`] from the crate's metadata: a valid national
    /// number has a type, and its length is one that type allows; a region
    /// with a transform rule may lengthen what was written by the digits
    /// the rule adds.
    fn country_codes_of_the_crate() -> Vec<(u16, u8, bool)> {
        let db = &*phonenumber::metadata::DATABASE;
        (1..1000u16)
            .filter_map(|code| {
                let regions = db.by_code(&code)?;
                let min = regions
                    .iter()
                    .map(|m| {
                        // The digits a transform rule adds: its literal
                        // digits, when it uses one captured group (a
                        // piece of what was written); else no bound.
                        let added = match m.national_prefix_transform_rule() {
                            None => 0,
                            Some(rule) => {
                                let groups = rule.matches('$').count();
                                let literal = rule.bytes().filter(u8::is_ascii_digit).count() - groups;
                                if groups > 1 || rule.contains('{') {
                                    return 0;
                                }
                                literal as u16
                            }
                        };
                        // A valid number has a type (the crate's
                        // `number_type`), whose lengths bound it.
                        let d = m.descriptors();
                        [
                            d.fixed_line(),
                            d.mobile(),
                            d.premium_rate(),
                            d.toll_free(),
                            d.shared_cost(),
                            d.voip(),
                            d.personal_number(),
                            d.pager(),
                            d.uan(),
                            d.voicemail(),
                        ]
                        .into_iter()
                        .flatten()
                        .map(|t| t.possible_length().iter().copied().min().unwrap_or(0))
                        .min()
                        .unwrap_or(u16::MAX)
                        .saturating_sub(added)
                    })
                    .min()?;
                // A national number written with a leading 0 stays so
                // when no region's national prefix (for parsing) can take
                // it away, and is then valid only if some region's general
                // pattern can begin with 0.
                let zero_kept = regions.iter().all(|m| {
                    !m.national_prefix().is_some_and(|p| p.starts_with('0'))
                        && m.national_prefix_for_parsing().is_none_or(|r| !may_start_with_zero(r.as_str()))
                });
                let zero_valid =
                    regions.iter().any(|m| may_start_with_zero(m.descriptors().general().national_number().as_str()));
                Some((code, u8::try_from(min).ok()?, zero_kept && !zero_valid))
            })
            .collect()
    }

    /// True unless the crate's pattern (compiled as it does, whitespace
    /// ignored) surely has no match that starts at the start of a text
    /// beginning with `0`: its anchored DFA dies on that byte (a pattern
    /// that matches the empty string does not).
    fn may_start_with_zero(pattern: &str) -> bool {
        use regex_automata::hybrid::dfa::DFA;
        use regex_automata::{Anchored, Input};
        let Ok(dfa) = DFA::new(&format!("(?x:{pattern})")) else { return true };
        let mut cache = dfa.create_cache();
        let Ok(start) = dfa.start_state_forward(&mut cache, &Input::new("0").anchored(Anchored::Yes)) else {
            return true;
        };
        dfa.next_state(&mut cache, start, b'0').map_or(true, |s| !s.is_dead())
    }

    #[test]
    fn zero_check_reads_patterns() {
        assert!(!may_start_with_zero("[2-9]\\d{9}|3\\d{6}"));
        assert!(may_start_with_zero("0\\d{8}"));
        assert!(may_start_with_zero("(?:0)?\\d+"));
        assert!(may_start_with_zero("\\d*"), "matches the empty string");
        assert!(
            !may_start_with_zero(
                "
            [1-9]\\d{5}
        "
            ),
            "whitespace is ignored"
        );
    }

    #[test]
    fn country_codes_equal_the_crate() {
        let theirs = country_codes_of_the_crate();
        let text: Vec<String> = theirs.iter().map(|(c, m, z)| format!("({c}, {m}, {z}),")).collect();
        assert_eq!(
            super::COUNTRY_CODES,
            theirs.as_slice(),
            "COUNTRY_CODES differs from the crate's metadata; it is now\n{}",
            text.join(" ")
        );
    }

    /// Under a code whose national numbers never begin with 0, numbers
    /// written with one are invalid for the crate too, however long.
    #[test]
    fn leading_zero_numbers_turned_away_are_invalid_for_the_crate() {
        let mut checked = 0;
        for &(code, _, no_zero) in super::COUNTRY_CODES.iter().filter(|c| c.2) {
            assert!(no_zero);
            for i in 0..40u64 {
                let rest = ((u64::from(code) + 1) * 2_654_435_761 * (i + 1)) % 10_000_000_000_000;
                let d = format!("{code}0{}", &rest.to_string()[..(5 + i as usize % 9).min(rest.to_string().len())]);
                assert!(!super::may_be_valid_abroad(&d));
                let valid = phonenumber::parse(None, format!("+{d}")).ok().is_some_and(|p| phonenumber::is_valid(&p));
                assert!(!valid, "+{d} is valid but turned away");
                checked += 1;
            }
        }
        assert!(checked > 2_000, "{checked} checked");
    }

    /// Every example number of every type of every region in the crate's
    /// metadata passes the precheck.
    #[test]
    fn example_numbers_of_the_world_pass_the_precheck() {
        let mut checked = 0;
        for meta in phonenumber::metadata::DATABASE.iter() {
            let d = meta.descriptors();
            let types = [d.fixed_line(), d.mobile(), d.toll_free(), d.premium_rate(), d.voip(), d.personal_number()];
            for example in types.into_iter().flatten().filter_map(|t| t.example()) {
                let digits = format!("{}{example}", meta.country_code());
                let valid =
                    phonenumber::parse(None, format!("+{digits}")).ok().is_some_and(|p| phonenumber::is_valid(&p));
                if valid {
                    assert!(super::may_be_valid_abroad(&digits), "+{digits} ({}) is valid but turned away", meta.id());
                    checked += 1;
                }
            }
        }
        assert!(checked > 800, "{checked} examples");
    }

    /// Whatever the precheck turns away, the crate rejects too (it may
    /// accept less: the precheck knows only codes and lengths).
    #[test]
    fn numbers_turned_away_early_are_invalid_for_the_crate() {
        let (mut early, mut checked) = (0, 0);
        for i in 0..20_000u64 {
            let n = (i * 2_654_435_761) % 10_000_000_000_000;
            let d = format!("{}{}", 1 + i % 9, &n.to_string()[..(2 + i as usize % 11).min(n.to_string().len())]);
            if super::may_be_valid_abroad(&d) {
                continue;
            }
            early += 1;
            let valid = phonenumber::parse(None, format!("+{d}")).ok().is_some_and(|p| phonenumber::is_valid(&p));
            assert!(!valid, "+{d} is valid but turned away");
            checked += 1;
        }
        assert!(early > 2_000, "{early} turned away, {checked} checked");
    }

    #[test]
    fn trailing_numbers_trimmed() {
        let f = find("ring 070-174 06 05 12 maj");
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].1, "070-174 06 05");
    }

    #[test]
    fn not_phones() {
        for text in [
            "request 9c2da18a-0082-4033-8d2e-1a2b3c4d5e6f done",
            "request_id 00241363-3744-49f4-bc00-18751905948b",
            "id=07012345-6789-4abc-8def-0123456789ab",
            "ref=DK81 0038 3409 2163 33",
            "ref=21d482af-0403-4093-abc5-569600b0c911",
            "order AB-0701-234567",
            "20230115",
            "15012023",
            "15-01-2023",
            "2023-01-15",
            "CVR: 13585628",
            "CVR-nr. 13 58 56 28",
            "192.168.1.20",
            "+46 12",
            "Org.nr 556826-3387",
            "IBAN SE70 6481 3531 7566 4295 0195",
            "kort 4571 2345 6789 0123",
        ] {
            let f = find(text);
            assert!(f.iter().all(|f| f.0 != Phone), "{text}: {f:?}");
        }
    }

    #[test]
    fn dates() {
        assert!(is_date("20230115"));
        assert!(is_date("15.01.2023"));
        assert!(!is_date("20231315"));
        assert!(!is_date("070-174 06 05"));
    }
}
