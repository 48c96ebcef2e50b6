//! Property tests (proptest) for the detectors.
//!
//! 1. Any valid identifier, built here from the rules (Luhn, real dates and
//!    centuries, modulus 11, public suffixes, public IPv4 ranges, Swedish
//!    and Danish number plans), in any written form and embedded in random
//!    text that cannot glue to it, is found exactly once with the right
//!    kind and normalised value.
//! 2. No detector panics on any string, and every span lies on char
//!    boundaries inside the text.
//! 3. Masking never reveals more than the README documents.
//!
//! Every test uses the fixed date 2026-11-22 as "today". Case counts are
//! kept small (see `CASES`) so the file runs in seconds in a debug build.

use std::sync::LazyLock;

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use snoka::detect::Detection;
use snoka::detect::date::Date;
use snoka::scan::{ScanOptions, find_in_text};
use snoka::{Confidence, Engine, Finding, Kind};

const TODAY: Date = Date { year: 2026, month: 11, day: 22 };
const CASES: u32 = 256;

static ENGINE: LazyLock<Engine> = LazyLock::new(|| Engine::builtin().expect("built-in rules").with_today(TODAY));

fn config() -> ProptestConfig {
    ProptestConfig { cases: CASES, failure_persistence: None, ..ProptestConfig::default() }
}

fn detect(text: &str) -> Vec<Detection> {
    let mut out = Vec::new();
    ENGINE.detect(text, &mut out);
    out
}

fn low() -> ScanOptions {
    ScanOptions { min_confidence: Confidence::Low, ..ScanOptions::new() }
}

// ---------------------------------------------------------------------------
// Generators of valid identifiers
// ---------------------------------------------------------------------------

/// One value planted in text: how it is written, with the keyword put
/// before it, and what must be found.
#[derive(Clone, Debug)]
struct Planted {
    keyword: &'static str,
    written: String,
    kind: Kind,
    normalized: String,
    /// Other kinds the same text may also be read as (a 10-digit number is
    /// often both a personnummer and a CPR number; a bare one may be a
    /// phone number).
    also: &'static [Kind],
    /// The finding must be medium or high.
    medium: bool,
}

fn days_in_month(year: i32, month: u32) -> u32 {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        _ => 28,
    }
}

/// A real date in `years`, not after today.
fn date(years: std::ops::RangeInclusive<i32>) -> impl Strategy<Value = (i32, u32, u32)> {
    (years, 1u32..=12, 1u32..=31)
        .prop_map(|(y, m, d)| (y, m, d.min(days_in_month(y, m))))
        .prop_filter("not after today", |&(y, m, d)| (y, m, d) <= (TODAY.year, TODAY.month, TODAY.day))
}

fn luhn_check_digit(nine: &str) -> u32 {
    let sum: u32 = nine
        .bytes()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0') * if i % 2 == 0 { 2 } else { 1 };
            d / 10 + d % 10
        })
        .sum();
    (10 - sum % 10) % 10
}

#[derive(Clone, Copy, Debug)]
enum PnrForm {
    /// `YYMMDD-NNNC`
    Short,
    /// `YYMMDD+NNNC` (100 or older)
    ShortPlus,
    /// `YYMMDDNNNC`
    ShortBare,
    /// `YYYYMMDDNNNC`
    Long,
    /// `YYYYMMDD-NNNC`
    LongDash,
}

/// A personnummer or samordningsnummer in one of the written forms, after
/// "Personnummer: " / "Samordningsnummer: ".
fn personnummer() -> impl Strategy<Value = Planted> {
    prop_oneof![
        Just(PnrForm::Short),
        Just(PnrForm::ShortPlus),
        Just(PnrForm::ShortBare),
        Just(PnrForm::Long),
        Just(PnrForm::LongDash),
    ]
    .prop_flat_map(|form| {
        // Without `+` a 10-digit number is someone under 100; with `+`, 100
        // or older (or turning 100 this year).
        let years = match form {
            PnrForm::Short | PnrForm::ShortBare => TODAY.year - 99..=TODAY.year,
            PnrForm::ShortPlus => TODAY.year - 199..=TODAY.year - 100,
            PnrForm::Long | PnrForm::LongDash => 1800..=TODAY.year,
        };
        (Just(form), date(years), 1u32..=999, any::<bool>())
    })
    .prop_map(|(form, (y, m, d), serial, coordination)| {
        let day = if coordination { d + 60 } else { d };
        let nine = format!("{:02}{m:02}{day:02}{serial:03}", y % 100);
        let c = luhn_check_digit(&nine);
        let normalized = format!("{y:04}{m:02}{day:02}{serial:03}{c}");
        let (date_part, last) = normalized.split_at(8);
        let written = match form {
            PnrForm::Short => format!("{}-{last}", &date_part[2..]),
            PnrForm::ShortPlus => format!("{}+{last}", &date_part[2..]),
            PnrForm::ShortBare => format!("{}{last}", &date_part[2..]),
            PnrForm::Long => normalized.clone(),
            PnrForm::LongDash => format!("{date_part}-{last}"),
        };
        let (keyword, kind) = if coordination {
            ("Samordningsnummer: ", Kind::Samordningsnummer)
        } else {
            ("Personnummer: ", Kind::Personnummer)
        };
        Planted { keyword, written, kind, normalized, also: &[Kind::Cpr, Kind::Phone], medium: true }
    })
}

/// The century digits (the 7th digit of a CPR number) allowed for `year`.
fn cpr_century_digits(year: i32) -> Vec<u8> {
    let yy = year % 100;
    match year {
        1858..=1899 => vec![5, 6, 7, 8],
        1900..=1999 if yy >= 37 => vec![0, 1, 2, 3, 4, 9],
        1900..=1999 => vec![0, 1, 2, 3],
        2000..=2036 => vec![4, 5, 6, 7, 8, 9],
        _ => unreachable!("{year}"),
    }
}

/// A CPR number with modulus 11, `DDMMYY-SSSS` or `DDMMYYSSSS`, after
/// "CPR-nr.: ".
fn cpr() -> impl Strategy<Value = Planted> {
    (date(1858..=TODAY.year), any::<prop::sample::Index>(), 0u32..100, any::<bool>()).prop_filter_map(
        "modulus 11 has no check digit for this serial",
        |((y, m, d), pick, serial, hyphen)| {
            let centuries = cpr_century_digits(y);
            let d7 = centuries[pick.index(centuries.len())];
            let nine = format!("{d:02}{m:02}{:02}{d7}{serial:02}", y % 100);
            let weights = [4, 3, 2, 7, 6, 5, 4, 3, 2];
            let sum: u32 = nine.bytes().zip(weights).map(|(b, w)| u32::from(b - b'0') * w).sum();
            let check = (11 - sum % 11) % 11;
            if check == 10 {
                return None;
            }
            let normalized = format!("{nine}{check}");
            let written =
                if hyphen { format!("{}-{}", &normalized[..6], &normalized[6..]) } else { normalized.clone() };
            Some(Planted {
                keyword: "CPR-nr.: ",
                written,
                kind: Kind::Cpr,
                normalized,
                also: &[Kind::Personnummer, Kind::Samordningsnummer, Kind::Phone],
                medium: true,
            })
        },
    )
}

/// An e-mail address with a public suffix, in mixed case, some with
/// Swedish/Danish letters.
fn email() -> impl Strategy<Value = Planted> {
    let local = "[a-zA-ZåäöÅÄÖæø][a-zA-Z0-9åäöæø._+-]{0,14}";
    let label = "[a-zA-Z][a-zA-Z0-9]{0,8}(-[a-zA-Z0-9]{1,4})?";
    let tld = prop::sample::select(vec!["se", "dk", "com", "org", "net", "nu", "eu", "fi", "no", "SE", "Com"]);
    (local, prop::collection::vec(label, 1..3), tld, any::<bool>()).prop_map(|(local, labels, tld, kw)| {
        let written = format!("{local}@{}.{tld}", labels.join("."));
        Planted {
            keyword: if kw { "E-post: " } else { "" },
            normalized: written.to_lowercase(),
            written,
            kind: Kind::Email,
            also: &[],
            medium: false,
        }
    })
}

/// A public IPv4 address (not private, shared, loopback, link-local,
/// documentation, multicast or reserved).
fn ipv4() -> impl Strategy<Value = Planted> {
    (any::<[u8; 4]>(), any::<bool>())
        .prop_filter("public", |(o, _)| {
            let a = std::net::Ipv4Addr::from(*o);
            !(o[0] == 0
                || o[0] >= 224
                || a.is_private()
                || a.is_loopback()
                || a.is_link_local()
                || (o[0] == 100 && (64..128).contains(&o[1]))
                || matches!(o, [192, 0, 2, _] | [198, 51, 100, _] | [203, 0, 113, _]))
        })
        .prop_map(|(o, kw)| {
            let written = std::net::Ipv4Addr::from(o).to_string();
            Planted {
                keyword: if kw { "IP: " } else { "" },
                normalized: written.clone(),
                written,
                kind: Kind::Ipv4,
                also: &[],
                medium: true,
            }
        })
}

/// A Swedish mobile number (the PTS test range 070-174 06 05..99 or any
/// 07[02369] number) or a Danish number, in international or national form.
fn phone() -> impl Strategy<Value = Planted> {
    let swedish = prop_oneof![
        (5u32..=99).prop_map(|n| format!("70174{n:04}")),
        (prop::sample::select(vec!['0', '2', '3', '6', '9']), "[0-9]{7}").prop_map(|(d, rest)| format!("7{d}{rest}")),
    ];
    let se = (swedish, 0usize..5).prop_map(|(nsn, form)| {
        let (a, b, c, d) = (&nsn[..2], &nsn[2..5], &nsn[5..7], &nsn[7..]);
        let written = match form {
            0 => format!("+46 {a} {b} {c} {d}"),
            1 => format!("+46{nsn}"),
            2 => format!("0046 {a} {b} {c} {d}"),
            3 => format!("0{a}-{b} {c} {d}"),
            _ => format!("+46 (0){a}-{b} {c} {d}"),
        };
        Planted {
            keyword: "Mobil: ",
            written,
            kind: Kind::Phone,
            normalized: format!("+46{nsn}"),
            also: &[],
            medium: true,
        }
    });
    // Danish: the 2x fixed-line block of libphonenumber's metadata
    // (`2(?:[0-59][1-9]|[6-8]\d)\d{5}`; `20000000` is not a number).
    let dk = ("2([0-59][1-9]|[6-8][0-9])[0-9]{5}", any::<bool>()).prop_map(|(n, grouped)| {
        let written =
            if grouped { format!("+45 {} {} {} {}", &n[..2], &n[2..4], &n[4..6], &n[6..]) } else { format!("+45{n}") };
        Planted { keyword: "Tlf. ", written, kind: Kind::Phone, normalized: format!("+45{n}"), also: &[], medium: true }
    });
    prop_oneof![3 => se, 1 => dk]
}

fn any_planted() -> impl Strategy<Value = Planted> {
    prop_oneof![personnummer(), cpr(), email(), ipv4(), phone()]
}

/// Random text that cannot glue to a value or change its score: words of
/// letters that begin no keyword (no vowels, no c/f/p/s/t/v, so no
/// `pnr`, `cpr`, `ocr`, `tel`, `og`, `och`, ...), and a few fixed neutral
/// words, separated by spaces, punctuation and newlines.
fn filler() -> impl Strategy<Value = String> {
    let word = prop_oneof![
        3 => "[bdghjklqwxzBDGHJKLQWXZ]{1,8}",
        1 => prop::sample::select(vec!["lorem", "dolor", "amet", "bord", "stol", "lampa", "gata"]).prop_map(String::from),
    ];
    let sep = prop::sample::select(vec![" ", " ", ". ", ", ", "; ", "\n"]);
    prop::collection::vec((word, sep), 0..8).prop_map(|v| v.into_iter().map(|(w, s)| format!("{w}{s}")).collect())
}

/// How the digits and hyphen of a value are written.
#[derive(Clone, Copy, Debug)]
enum Style {
    Ascii,
    /// `-` as an en dash (U+2013).
    EnDash,
    /// Digits as full-width digits (U+FF10..U+FF19).
    FullWidth,
}

fn style() -> impl Strategy<Value = Style> {
    prop_oneof![4 => Just(Style::Ascii), 1 => Just(Style::EnDash), 1 => Just(Style::FullWidth)]
}

fn restyle(s: &str, style: Style) -> String {
    match style {
        Style::Ascii => s.to_string(),
        Style::EnDash => s.replace('-', "\u{2013}"),
        Style::FullWidth => s
            .chars()
            .map(|c| match c.to_digit(10) {
                Some(d) if c.is_ascii_digit() => char::from_u32(0xFF10 + d).expect("full-width digit"),
                _ => c,
            })
            .collect(),
    }
}

/// The ASCII digit of an ASCII or full-width digit.
fn digit(c: char) -> Option<char> {
    match c {
        '0'..='9' => Some(c),
        '\u{FF10}'..='\u{FF19}' => char::from_u32(c as u32 - 0xFF10 + u32::from(b'0')),
        _ => None,
    }
}

fn digits_of(s: &str) -> String {
    s.chars().filter_map(digit).collect()
}

// ---------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------

fn is_identity(kind: Kind) -> bool {
    matches!(kind, Kind::Personnummer | Kind::Samordningsnummer | Kind::Cpr)
}

/// `masked` is `value` with exactly the last four digits replaced by `X`.
fn check_last_four(value: &str, masked: &str) -> Result<(), TestCaseError> {
    let v: Vec<char> = value.chars().collect();
    let m: Vec<char> = masked.chars().collect();
    prop_assert_eq!(v.len(), m.len(), "{:?} masked as {:?}", value, masked);
    let total = v.iter().filter(|&&c| digit(c).is_some()).count();
    let mut seen = 0;
    for (&vc, &mc) in v.iter().zip(&m) {
        if digit(vc).is_some() {
            seen += 1;
            let want = if seen > total.saturating_sub(4) { 'X' } else { vc };
            prop_assert_eq!(mc, want, "{:?} masked as {:?}", value, masked);
        } else {
            prop_assert_eq!(mc, vc, "{:?} masked as {:?}: separators kept", value, masked);
        }
    }
    Ok(())
}

/// `masked` keeps the separators of `value`, shows at most `first` leading
/// and 2 trailing digits, and hides every digit between them.
fn check_phone(value: &str, masked: &str, first: usize) -> Result<(), TestCaseError> {
    let v: Vec<char> = value.chars().collect();
    let m: Vec<char> = masked.chars().collect();
    prop_assert_eq!(v.len(), m.len(), "{:?} masked as {:?}", value, masked);
    let total = v.iter().filter(|&&c| digit(c).is_some()).count();
    let mut seen = 0;
    for (&vc, &mc) in v.iter().zip(&m) {
        if digit(vc).is_some() {
            seen += 1;
            prop_assert!(mc == vc || mc == 'X', "{:?} masked as {:?}", value, masked);
            if seen > first && seen + 2 <= total {
                prop_assert_eq!(mc, 'X', "{:?} masked as {:?}: middle digit {} shown", value, masked, seen);
            }
        } else {
            prop_assert_eq!(mc, vc, "{:?} masked as {:?}: separators kept", value, masked);
        }
    }
    Ok(())
}

/// Leading digits a phone mask may show: country code (1-3 digits) and two
/// more after `+`, `00` and the country code and two more after `00`, the
/// trunk `0` and two more in Swedish national form, two of a Danish number.
fn phone_leading(value: &str) -> usize {
    let value: String = value.chars().map(|c| digit(c).unwrap_or(c)).collect();
    if value.starts_with('+') {
        5
    } else if value.starts_with("00") {
        7
    } else if value.starts_with('0') || value.starts_with('(') {
        3
    } else {
        2
    }
}

/// The first character of the local part, `***`, and the domain.
fn check_email(value: &str, masked: &str) -> Result<(), TestCaseError> {
    let (local, domain) = match value.rfind('@') {
        Some(i) => (&value[..i], &value[i + 1..]),
        None => {
            let i = value.to_ascii_lowercase().rfind("%40").expect("@ or %40 in an e-mail");
            (&value[..i], &value[i + 3..])
        }
    };
    let first: String = local.chars().take(1).collect();
    prop_assert_eq!(masked, format!("{first}***@{domain}"), "{:?}", value);
    Ok(())
}

/// The first two octets, then `x.x` (and the prefix length, if written).
fn check_ipv4(value: &str, masked: &str) -> Result<(), TestCaseError> {
    let (addr, suffix) = value.split_once('/').map_or((value, None), |(a, p)| (a, Some(p)));
    let parts: Vec<&str> = addr.split('.').collect();
    prop_assert_eq!(parts.len(), 4, "{:?}", value);
    let mut want = format!("{}.{}.x.x", parts[0], parts[1]);
    if let Some(p) = suffix {
        want = format!("{want}/{p}");
    }
    prop_assert_eq!(masked, want, "{:?}", value);
    Ok(())
}

/// The first three groups as written; every hex digit after them (or after
/// `::`) up to a zone or prefix length is `X`.
fn check_ipv6(value: &str, masked: &str) -> Result<(), TestCaseError> {
    let v: Vec<char> = value.chars().collect();
    let m: Vec<char> = masked.chars().collect();
    prop_assert_eq!(v.len(), m.len(), "{:?} masked as {:?}", value, masked);
    let hex = |c: char| c.is_ascii_hexdigit() || digit(c).is_some();
    let (mut colons, mut hide, mut prev_colon, mut tail) = (0, false, false, false);
    for (&vc, &mc) in v.iter().zip(&m) {
        if vc == '%' || vc == '/' {
            tail = true;
        }
        if !tail && vc == ':' {
            colons += 1;
            hide |= colons >= 3 || prev_colon;
        }
        prev_colon = vc == ':';
        if !tail && hide && hex(vc) {
            prop_assert_eq!(mc, 'X', "{:?} masked as {:?}", value, masked);
        } else {
            prop_assert_eq!(mc, vc, "{:?} masked as {:?}", value, masked);
        }
    }
    Ok(())
}

/// Property 3 for one finding: the masked value and masked normalized value
/// reveal no more than the README's masking table.
fn check_masks(f: &Finding) -> Result<(), TestCaseError> {
    for (value, masked, normalized) in [(f.value(), f.masked_value(), false), (f.normalized(), f.masked_normalized(), true)]
    {
        match f.kind {
            k if is_identity(k) => check_last_four(value, masked)?,
            Kind::Email => check_email(value, masked)?,
            Kind::Phone => check_phone(value, masked, if normalized { 5 } else { phone_leading(value) })?,
            // An IPv4-mapped IPv6 address as written (`::ffff:81.226.12.45`):
            // the same rule over its dotted part.
            Kind::Ipv4 => check_ipv4(value, masked)?,
            Kind::Ipv6 => check_ipv6(value, masked)?,
            other => prop_assert!(false, "unexpected kind {other:?}"),
        }
        let all = digits_of(value);
        if all.len() >= 6 && f.kind != Kind::Email {
            prop_assert!(!digits_of(masked).contains(&all), "{:?} masked as {:?} shows every digit", value, masked);
        }
    }
    Ok(())
}

/// Property 2 for one text: spans inside the text, on char boundaries,
/// non-empty; findings' values are text of the input.
fn check_spans(text: &str) -> Result<(), TestCaseError> {
    for d in detect(text) {
        prop_assert!(d.span.start < d.span.end && d.span.end <= text.len(), "{:?} in {:?}", d.span, text);
        prop_assert!(
            text.is_char_boundary(d.span.start) && text.is_char_boundary(d.span.end),
            "{:?} not on char boundaries in {:?}",
            d.span,
            text
        );
        prop_assert!((0.0..=1.0).contains(&d.score), "score {} in {:?}", d.score, text);
    }
    for f in find_in_text(text, &ENGINE, &low()) {
        prop_assert!(!f.value().is_empty() && text.contains(f.value()), "{:?} not in {:?}", f.value(), text);
    }
    Ok(())
}

/// Property 1 for one planted value.
fn check_found(p: &Planted, style: Style, before: &str, after: &str) -> Result<(), TestCaseError> {
    let written = restyle(&p.written, style);
    let text = format!("{before} {}{written} {after}", p.keyword);
    let start = before.len() + 1 + p.keyword.len();
    let span = start..start + written.len();
    let found = detect(&text);
    for d in &found {
        prop_assert!(
            d.span.start >= span.start && d.span.end <= span.end,
            "{:?} found outside the planted value in {:?}: {:?}",
            d.kind,
            text,
            found
        );
        prop_assert!(d.kind == p.kind || p.also.contains(&d.kind), "{:?} also found in {:?}", d.kind, text);
    }
    let hits: Vec<&Detection> = found.iter().filter(|d| d.kind == p.kind).collect();
    prop_assert_eq!(hits.len(), 1, "{:?} in {:?}: {:?}", p.kind, text, found);
    let d = hits[0];
    prop_assert_eq!(&d.span, &span, "span in {:?}", text);
    prop_assert_eq!(&d.normalized, &p.normalized, "normalized in {:?}", text);
    if p.medium {
        prop_assert!(
            Confidence::from_score(d.score) >= Confidence::Medium,
            "{:?} in {:?} only low: {}",
            p.kind,
            text,
            d.reason
        );
    }
    // Through the scan's entry point: found there too, and masked.
    let findings = find_in_text(&text, &ENGINE, &low());
    let f = findings.iter().find(|f| f.kind == p.kind);
    prop_assert!(f.is_some(), "find_in_text missed {:?} in {:?}", p.kind, text);
    let f = f.expect("checked");
    prop_assert_eq!(f.value(), &written);
    for f in &findings {
        check_masks(f)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------

proptest! {
    #![proptest_config(config())]

    #[test]
    fn personnummer_found(p in personnummer(), style in style(), before in filler(), after in filler()) {
        check_found(&p, style, &before, &after)?;
    }

    #[test]
    fn cpr_found(p in cpr(), style in style(), before in filler(), after in filler()) {
        check_found(&p, style, &before, &after)?;
    }

    #[test]
    fn email_found(p in email(), before in filler(), after in filler()) {
        check_found(&p, Style::Ascii, &before, &after)?;
    }

    #[test]
    fn ipv4_found(p in ipv4(), style in style(), before in filler(), after in filler()) {
        check_found(&p, style, &before, &after)?;
    }

    #[test]
    fn phone_found(p in phone(), style in style(), before in filler(), after in filler()) {
        check_found(&p, style, &before, &after)?;
    }

    #[test]
    fn no_panic_on_any_string(text in any::<String>()) {
        check_spans(&text)?;
    }

    #[test]
    fn no_panic_on_digit_heavy_strings(
        text in "[0-9 +\\-@:.a-zåäöæø\\u{2013}\\u{00A0}\\u{FF10}-\\u{FF19}]{0,200}"
    ) {
        check_spans(&text)?;
        for f in find_in_text(&text, &ENGINE, &low()) {
            check_masks(&f)?;
        }
    }

    /// Valid values and digit-heavy junk glued together in any order: no
    /// panic, and whatever is found is masked as documented.
    #[test]
    fn masks_in_mixed_text(
        parts in prop::collection::vec(
            prop_oneof![
                (any_planted(), style()).prop_map(|(p, s)| format!("{}{}", p.keyword, restyle(&p.written, s))),
                "[0-9 +\\-@:.a-zåäöæø\\u{2013}\\u{FF10}-\\u{FF19}]{0,20}",
            ],
            0..10,
        ),
        seps in prop::collection::vec(prop::sample::select(vec![" ", "", "\n", "-", ".", ", ", "@"]), 10),
    ) {
        let mut text = String::new();
        for (part, sep) in parts.iter().zip(&seps) {
            text.push_str(part);
            text.push_str(sep);
        }
        check_spans(&text)?;
        for f in find_in_text(&text, &ENGINE, &low()) {
            check_masks(&f)?;
        }
    }
}
