//! The `national-id` validator: one "6+4 / 8+4 digits" candidate, decided
//! in code as a Swedish personnummer or samordningsnummer, a Danish CPR
//! number, both, or neither.
//!
//! Scores (high >= 0.8, medium >= 0.5):
//!
//! * Swedish: 0.6 with a separator or the 12-digit form, 0.4 for ten bare
//!   digits; +0.3 with a personnummer keyword; -0.3 with a negative keyword
//!   on the line (org.nr, fakturanummer, OCR...); -0.3 when a phone keyword
//!   stands just before ten bare digits starting with 0 (a mobile number
//!   that happens to pass Luhn).
//! * Danish: with modulus 11 (or a 1 January birth date, the only dates
//!   issued without it) 0.6 hyphenated, 0.4 bare; otherwise 0.2; +0.4 with a
//!   CPR keyword; -0.5 with a negative keyword on the line (p-nr,
//!   ordrenummer, kundenr...).
//! * Both valid (a 10-digit number can be both): both are kept. Danish
//!   evidence (CPR keywords count double, Danish words and the letters æ/ø)
//!   against Swedish evidence (Swedish-only keywords, Swedish words, ä/ö)
//!   lowers the loser by 0.3; with no evidence either way both lose 0.1.
//!   The reason says `ambiguous:...`.
//! * An organisationsnummer (Luhn-valid, digits 3-4 >= 20) is consumed: it
//!   is never reported as personal data and never becomes a phone number.

use std::ops::Range;

use super::context::{Context, Set};
use super::cpr::Cpr;
use super::mask::Mask;
use super::personnummer::{self, Personnummer, SeNumber};
use super::{Detection, Engine, Outcome, Reasons, clamp, next_char, prev_char};
use crate::detect::pattern::Rule;
use crate::model::Kind;

/// True when the digits at `span` are glued to surrounding text: a letter or
/// digit next to them, or a decimal point, hyphen or slash joining them to
/// another number (`3.8112189876`, `8112189876-12`, UUID segments).
pub(crate) fn glued(hay: &str, span: &Range<usize>) -> bool {
    let before = prev_char(hay, span.start);
    let before2 = before.and_then(|c| prev_char(hay, span.start - c.len_utf8()));
    let after = next_char(hay, span.end);
    let after2 = after.and_then(|c| next_char(hay, span.end + c.len_utf8()));
    let alnum = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    let joiner = |c: Option<char>| matches!(c, Some('.' | ',' | '-' | '/' | ':' | '_'));
    alnum(before)
        || alnum(after)
        || matches!(before, Some('+'))
        || (joiner(before) && alnum(before2))
        || (joiner(after) && after2.is_some_and(|c| c.is_ascii_digit()))
}

/// Validates one national-id candidate.
pub fn validate(eng: &Engine, hay: &str, span: Range<usize>, rule: &Rule, out: &mut Vec<Detection>) -> Outcome {
    if glued(hay, &span) {
        return Outcome::Rejected;
    }
    let s = &hay[span.clone()];
    let today = eng.today();
    let se = personnummer::classify(s, today);
    let dk = Cpr::parse(s, today);
    let pnr = match (se, dk) {
        (Ok(SeNumber::Organisation), _) => return Outcome::Consumed(span.end),
        (Ok(SeNumber::Person(p)), _) => Some(p),
        (Err(_), Some(_)) => None,
        (Err(_), None) => return Outcome::Rejected,
    };
    let cx = eng.keywords().context(hay, span.clone());
    let mut se_found = pnr.map(|p| swedish(eng, &cx, s, &p));
    let mut dk_found = dk.map(|c| danish(eng, &cx, &c));
    if let (Some(se), Some(dk)) = (&mut se_found, &mut dk_found) {
        resolve_ambiguity(eng, &cx, eng.keywords().letters(hay, span.clone()), se, dk);
    }
    for (kind, normalized, score, reasons) in se_found.into_iter().chain(dk_found) {
        out.push(Detection {
            kind,
            rule: rule.id.clone(),
            span: span.clone(),
            normalized,
            score: clamp(score),
            reason: reasons.into_string(),
            mask_value: Mask::LastDigits(4),
            mask_normalized: Mask::LastDigits(4),
        });
    }
    Outcome::Found(span.end)
}

type Scored = (Kind, String, f32, Reasons);

fn swedish(eng: &Engine, cx: &Context, written: &str, p: &Personnummer) -> Scored {
    let mut r = Reasons::default();
    r.push("luhn");
    r.push(if p.incomplete_date { "date:unknown-part" } else { "date" });
    if p.separator == Some(b'+') {
        r.push("century:plus");
    }
    let mut score = if p.long_form || p.separator.is_some() { 0.6 } else { 0.4 };
    if let Some(h) = cx.keyword(Set::Personnummer) {
        score += 0.3;
        r.push2("keyword", eng.keywords().text(h.keyword));
    }
    if let Some(h) = cx.same_line(Set::PersonnummerNegative) {
        score -= 0.3;
        r.push2("neg", eng.keywords().text(h.keyword));
    }
    if !p.long_form
        && p.separator.is_none()
        && written.starts_with('0')
        && let Some(h) = cx.just_before(Set::Phone, 30)
    {
        score -= 0.3;
        r.push2("neg", eng.keywords().text(h.keyword));
    }
    let kind = if p.coordination { Kind::Samordningsnummer } else { Kind::Personnummer };
    (kind, p.normalized(), score, r)
}

fn danish(eng: &Engine, cx: &Context, c: &Cpr) -> Scored {
    let mut r = Reasons::default();
    r.push("date");
    let lenient = c.mod11 || c.is_january_first();
    if c.mod11 {
        r.push("mod11");
    } else if c.is_january_first() {
        r.push("no-mod11:jan-1");
    } else {
        r.push("no-mod11");
    }
    let mut score = match (lenient, c.hyphen) {
        (true, true) => 0.6,
        (true, false) => 0.4,
        (false, _) => 0.2,
    };
    if let Some(h) = cx.keyword(Set::Cpr) {
        score += 0.4;
        r.push2("keyword", eng.keywords().text(h.keyword));
    }
    if let Some(h) = cx.same_line(Set::CprNegative) {
        score -= 0.5;
        r.push2("neg", eng.keywords().text(h.keyword));
    }
    (Kind::Cpr, c.normalized(), score, r)
}

/// Both readings validate: let Danish or Swedish context decide, keep both.
fn resolve_ambiguity(eng: &Engine, cx: &Context, letters: (usize, usize), se: &mut Scored, dk: &mut Scored) {
    let kw = eng.keywords();
    // A keyword in both lists ("personnummer" is Danish too) is no evidence.
    let shared = |set: Set| {
        cx.hits.iter().filter(move |h| h.set == set).filter(move |h| {
            let other = if set == Set::Cpr { Set::Personnummer } else { Set::Cpr };
            !cx.hits.iter().any(|o| o.set == other && kw.text(o.keyword) == kw.text(h.keyword))
        })
    };
    let da = 2 * shared(Set::Cpr).count() + cx.count(Set::LangDa) + letters.1;
    let sv = 2 * shared(Set::Personnummer).count() + cx.count(Set::LangSv) + letters.0;
    if da > sv {
        se.2 -= 0.3;
        se.3.push("ambiguous:danish-context");
        dk.3.push("ambiguous:also-personnummer");
    } else if sv > da {
        dk.2 -= 0.3;
        dk.3.push("ambiguous:swedish-context");
        se.3.push("ambiguous:also-cpr");
    } else {
        se.2 -= 0.1;
        dk.2 -= 0.1;
        se.3.push("ambiguous:also-cpr");
        dk.3.push("ambiguous:also-personnummer");
    }
}

#[cfg(test)]
mod tests {
    use crate::detect::testutil::find;
    use crate::model::{Confidence::*, Kind::*};

    #[test]
    fn swedish_forms_and_scores() {
        let cases = [
            ("811218-9876", "198112189876", Medium),
            ("Personnummer: 811218-9876", "198112189876", High),
            ("19811218-9876", "198112189876", Medium),
            ("198112189876", "198112189876", Medium),
            ("pnr 8112189876", "198112189876", Medium),
            ("090527+1474", "190905271474", Medium),
        ];
        for (text, norm, conf) in cases {
            let f = find(text);
            assert_eq!(f.len(), 1, "{text}: {f:?}");
            assert_eq!((f[0].0, f[0].2.as_str(), f[0].3), (Personnummer, norm, conf), "{text}");
        }
        // Bare ten digits without context: found, but low.
        let f = find("8112189876");
        assert_eq!((f[0].0, f[0].3), (Personnummer, Low));
    }

    #[test]
    fn samordningsnummer() {
        let f = find("Samordningsnummer 701063-2391");
        assert_eq!(f[0].0, Samordningsnummer);
        assert_eq!(f[0].2, "197010632391");
        assert_eq!(f[0].3, High);
    }

    #[test]
    fn organisationsnummer_is_never_reported() {
        assert!(find("Org.nr 556826-3387").is_empty());
        assert!(find("5568263387").is_empty());
        assert!(find("AP-fonden 802005-1952").is_empty());
    }

    #[test]
    fn not_inside_longer_numbers_words_or_uuids() {
        for text in [
            "18112189876",
            "81121898761",
            "x8112189876",
            "8112189876y",
            "3.8112189876",
            "811218-9876-12",
            "12345678-1234-5678-1234-567812345678",
            "ABC-811218-9876",
            "+8112189876",
        ] {
            let f = find(text);
            assert!(f.iter().all(|f| f.0 != Personnummer && f.0 != Cpr), "{text}: {f:?}");
        }
    }

    #[test]
    fn unicode_dash_and_nbsp_normalised() {
        let text = "Personnummer: 811218\u{2013}9876";
        let f = find(text);
        assert_eq!(f[0].1, "811218\u{2013}9876");
        assert_eq!(f[0].2, "198112189876");
    }

    /// The confidence of the finding of `kind` in `text`.
    fn conf(text: &str, kind: crate::model::Kind) -> Option<crate::model::Confidence> {
        find(text).into_iter().find(|f| f.0 == kind).map(|f| f.3)
    }

    #[test]
    fn danish_cpr_scores() {
        // 070761-4285 (the textbook CPR) is also a valid samordningsnummer
        // (2007-07-01): without context both are kept, 0.1 lower.
        assert_eq!(conf("070761-4285", Cpr), Some(Medium));
        assert_eq!(conf("070761-4285", Samordningsnummer), Some(Medium));
        assert_eq!(conf("CPR-nr.: 070761-4285", Cpr), Some(High));
        assert_eq!(conf("CPR-nr.: 070761-4285", Samordningsnummer), Some(Low));
        // Without modulus 11 and not 1 January: low, unless a keyword.
        assert_eq!(conf("070761-4286", Cpr), Some(Low));
        assert_eq!(conf("cpr 070761-4286", Cpr), Some(Medium));
        // 1 January without modulus 11 counts as if it passed.
        assert_eq!(conf("010165-1235", Cpr), Some(Medium));
        // Negative keyword lowers it.
        assert_eq!(conf("Ordrenummer 070761-4285", Cpr), Some(Low));
    }

    #[test]
    fn ambiguous_numbers_keep_both_and_context_decides() {
        // 010101-... is a real date in both readings. Build one that passes
        // Luhn and mod 11 by search, so the test states the property.
        let both = (0..10_000)
            .map(|n| format!("010130-{n:04}"))
            .find(|s| {
                let d: String = s.chars().filter(char::is_ascii_digit).collect();
                crate::detect::checksum::luhn(d.as_bytes())
                    && crate::detect::checksum::mod11_cpr(d.as_bytes().try_into().expect("10"))
                    && !s[7..10].eq("000")
            })
            .expect("some number is both");
        let f = find(&both);
        let kinds: Vec<_> = f.iter().map(|f| f.0).collect();
        assert_eq!(kinds, vec![Personnummer, Cpr], "{both}");
        let da = find(&format!("Hans CPR-nummer er {both} og adressen er i Danmark"));
        let (se, dk) = (&da[0], &da[1]);
        assert!(dk.3 > se.3, "{da:?}");
        let sv = find(&format!("Hennes personnummer är {both} och hon bor i Sverige"));
        assert!(sv[0].3 > sv[1].3, "{sv:?}");
    }

    #[test]
    fn mobile_number_passing_luhn_is_demoted() {
        // Find a 07x number that passes Luhn and has a real date.
        let n = (0..100_000u32)
            .map(|n| format!("07012{n:05}"))
            .find(|s| {
                crate::detect::personnummer::Personnummer::parse(
                    s,
                    crate::detect::date::Date { year: 2026, month: 11, day: 22 },
                )
                .is_ok()
            })
            .expect("exists");
        let text = format!("Mobil: {n}");
        assert_eq!(conf(&text, Personnummer), Some(Low));
        assert_eq!(conf(&text, crate::model::Kind::Phone), Some(Medium));
    }
}
