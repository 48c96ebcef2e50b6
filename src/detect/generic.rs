//! The generic validators of user rules (`--patterns`): `none`, `luhn`,
//! `mod11`, `mod97` and `hetu`. A candidate that passes gets the rule's base
//! `confidence`, +0.3 with one of the rule's `keywords` on its line or the
//! line above, -0.5 with a `negative_keywords` word on its line. The
//! reason names the check (`mod97;keyword:iban`).

use std::ops::Range;

use super::context::Set;
use super::mask::Mask;
use super::{Detection, Engine, Outcome, Reasons, clamp};
use crate::detect::date::Date;
use crate::detect::pattern::{Rule, Validator};

/// Score added by a keyword of the rule near the candidate.
const KEYWORD_BOOST: f32 = 0.3;
/// Score taken by a negative keyword on the candidate's line.
const NEGATIVE_PENALTY: f32 = 0.5;

/// Validates one candidate of a generic rule.
pub fn validate(_eng: &Engine, hay: &str, span: Range<usize>, rule: &Rule, out: &mut Vec<Detection>) -> Outcome {
    let Some(kind) = rule.kind else { return Outcome::Rejected };
    let cand = &hay[span.clone()];
    let (span, normalized) = match rule.validator {
        Validator::None => (span, cand.to_string()),
        Validator::Luhn => {
            let d = digits(cand);
            if d.len() < 2 || !super::checksum::luhn(&d) {
                return Outcome::Rejected;
            }
            (span, String::from_utf8_lossy(&d).into_owned())
        }
        Validator::Mod11 => {
            let d = digits(cand);
            if !mod11(&d, &rule.weights) {
                return Outcome::Rejected;
            }
            (span, String::from_utf8_lossy(&d).into_owned())
        }
        Validator::Mod97 => match mod97_prefix(cand) {
            Some((len, norm)) => (span.start..span.start + len, norm),
            None => return Outcome::Rejected,
        },
        Validator::Hetu => match hetu(cand) {
            Some(norm) => (span, norm),
            None => return Outcome::Rejected,
        },
        _ => return Outcome::Rejected,
    };
    let mut r = Reasons::default();
    r.push(if rule.validator == Validator::None { "regex" } else { rule.validator.as_str() });
    let mut score = rule.confidence;
    if let Some(kw) = &rule.keywords {
        let cx = kw.context(hay, span.clone());
        if let Some(h) = cx.keyword(Set::Rule) {
            score += KEYWORD_BOOST;
            r.push2("keyword", kw.text(h.keyword));
        }
        if let Some(h) = cx.same_line(Set::RuleNegative) {
            score -= NEGATIVE_PENALTY;
            r.push2("neg", kw.text(h.keyword));
        }
    }
    let end = span.end;
    out.push(Detection {
        kind,
        rule: rule.id.clone(),
        span,
        normalized,
        score: clamp(score),
        reason: r.into_string(),
        mask_value: Mask::Alnum,
        mask_normalized: Mask::Alnum,
    });
    Outcome::Found(end)
}

/// The ASCII digits of `s`.
fn digits(s: &str) -> Vec<u8> {
    s.bytes().filter(u8::is_ascii_digit).collect()
}

/// Modulus 11: `digits` has as many digits as the longest weight list, and
/// for every list the weighted sum of the leading digits is divisible by 11.
/// Norwegian fødselsnummer: `[3,7,6,1,8,9,4,5,2,1]` and
/// `[5,4,3,2,7,6,5,4,3,2,1]` (each check digit has weight 1).
pub fn mod11(digits: &[u8], weights: &[Vec<u32>]) -> bool {
    let len = weights.iter().map(Vec::len).max().unwrap_or(0);
    len > 0
        && digits.len() == len
        && weights.iter().all(|w| {
            let sum: u32 = digits.iter().zip(w).map(|(&b, &w)| u32::from(b - b'0') * w).sum();
            sum.is_multiple_of(11)
        })
}

/// ISO 7064 MOD 97-10 as IBAN uses it, over the letters and digits of `s`
/// (spaces and other separators ignored, letters upper-cased): two letters,
/// two digits, 15 to 34 characters, the first four moved to the end, letters
/// read as 10..35, remainder 1. Returns the canonical form.
pub fn mod97(s: &str) -> Option<String> {
    let norm: String = s.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect();
    if s.chars().any(|c| !c.is_ascii_alphanumeric() && c != ' ' && c != '-') || !(15..=34).contains(&norm.len()) {
        return None;
    }
    let b = norm.as_bytes();
    if !(b[0].is_ascii_uppercase() && b[1].is_ascii_uppercase() && b[2].is_ascii_digit() && b[3].is_ascii_digit()) {
        return None;
    }
    let mut rem = 0u32;
    for &c in b[4..].iter().chain(&b[..4]) {
        let v = if c.is_ascii_digit() { u32::from(c - b'0') } else { u32::from(c - b'A') + 10 };
        rem = if v >= 10 { (rem * 100 + v) % 97 } else { (rem * 10 + v) % 97 };
    }
    (rem == 1).then_some(norm)
}

/// The longest prefix of `cand` that passes [`mod97`], cut at a space
/// (so `SE45 5000 0000 0583 9825 7466 2024` still yields the IBAN).
/// Returns its byte length and canonical form.
fn mod97_prefix(cand: &str) -> Option<(usize, String)> {
    let mut end = cand.len();
    loop {
        let part = cand[..end].trim_end();
        if let Some(norm) = mod97(part) {
            return Some((part.len(), norm));
        }
        end = part.rfind(' ')?;
    }
}

/// Finnish henkilötunnus `DDMMYYCZZZQ`: a real date, century sign (`+`
/// 1800s; `-`, `U`-`Y` 1900s; `A`-`F` 2000s), individual number 002-999,
/// check character = `DDMMYYZZZ` mod 31 in `0123456789ABCDEFHJKLMNPRSTUVWXY`.
/// Returns the value upper-cased.
pub fn hetu(s: &str) -> Option<String> {
    const CHECK: &[u8; 31] = b"0123456789ABCDEFHJKLMNPRSTUVWXY";
    let up = s.to_ascii_uppercase();
    let b = up.as_bytes();
    if b.len() != 11 || !b[..6].iter().chain(&b[7..10]).all(u8::is_ascii_digit) {
        return None;
    }
    let century = match b[6] {
        b'+' => 1800,
        b'-' | b'U'..=b'Y' => 1900,
        b'A'..=b'F' => 2000,
        _ => return None,
    };
    let num = |r: Range<usize>| up[r].parse::<u32>().ok();
    let (day, month, yy, serial) = (num(0..2)?, num(2..4)?, num(4..6)?, num(7..10)?);
    let year = i32::try_from(century + yy).ok()?;
    if Date::new(year, month, day).is_none() || serial < 2 {
        return None;
    }
    let n: u32 = format!("{}{}", &up[..6], &up[7..10]).parse().ok()?;
    (CHECK[(n % 31) as usize] == b[10]).then_some(up)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn norwegian_mod11() {
        let w = vec![vec![3, 7, 6, 1, 8, 9, 4, 5, 2, 1], vec![5, 4, 3, 2, 7, 6, 5, 4, 3, 2, 1]];
        assert!(mod11(b"01010012356", &w));
        assert!(!mod11(b"01010012357", &w));
        assert!(!mod11(b"0101001235", &w));
    }

    #[test]
    fn iban_mod97() {
        // Examples from the SWIFT IBAN registry.
        assert_eq!(mod97("SE45 5000 0000 0583 9825 7466").as_deref(), Some("SE4550000000058398257466"));
        assert!(mod97("DK50 0040 0440 1162 43").is_some());
        assert!(mod97("GB82 WEST 1234 5698 7654 32").is_some());
        assert!(mod97("SE45 5000 0000 0583 9825 7467").is_none());
        assert!(mod97("SE45").is_none());
        assert_eq!(mod97_prefix("DK50 0040 0440 1162 43 2024").map(|p| p.0), Some(22));
    }

    #[test]
    fn finnish_hetu() {
        // The example of the Finnish Digital and Population Data Services Agency.
        assert_eq!(hetu("131052-308t").as_deref(), Some("131052-308T"));
        assert!(hetu("131052-308U").is_none());
        assert!(hetu("311352-308T").is_none());
        assert!(hetu("131052Z308T").is_none());
    }
}
