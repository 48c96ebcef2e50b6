//! Ground-truth vectors from outside the project.
//!
//! * Swedish: the `personnummer/meta` shared test suite and Skatteverket's
//!   published test personnummer / samordningsnummer, read from
//!   `../shared/testdata/personnummer` (see its README and
//!   `../shared/design/detection.md` sections 1 and 11). Those files are
//!   never copied into the project: when the directory is absent (a fresh
//!   clone), each test prints a note and passes.
//! * Danish: no public test-CPR list exists, so CPR numbers are generated
//!   here from the rules (century table, real dates, modulus 11) with a
//!   deterministic LCG.
//!
//! Every test uses the fixed date 2026-11-22 as "today".

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use snoka::detect::Detection;
use snoka::detect::cpr::Cpr;
use snoka::detect::date::Date;
use snoka::detect::personnummer::{Invalid, Personnummer, SeNumber, classify};
use snoka::{Confidence, Engine, Kind};

const TODAY: Date = Date { year: 2026, month: 11, day: 22 };

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// The shared test-data directory, or `None` (after a note) on a fresh clone.
fn data_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/testdata/personnummer");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipping: ../shared not present");
        None
    }
}

fn load_json(dir: &Path, name: &str) -> serde_json::Value {
    let path = dir.join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn load_strings(dir: &Path, name: &str) -> Vec<String> {
    serde_json::from_value(load_json(dir, name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn str_field<'a>(case: &'a serde_json::Value, key: &str) -> &'a str {
    case[key].as_str().unwrap_or_else(|| panic!("{key} missing in {case}"))
}

fn engine() -> Engine {
    Engine::builtin().expect("built-in rules").with_today(TODAY)
}

/// Independent calendar check (not snoka's `Date`).
fn real_date(year: i32, month: u32, day: u32) -> bool {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let dim = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    day >= 1 && day <= dim
}

fn not_after_today(year: i32, month: u32, day: u32) -> bool {
    (year, month, day) <= (TODAY.year, TODAY.month, TODAY.day)
}

/// The person reading of `s`, or a description of what `classify` said.
fn person(s: &str) -> Result<Personnummer, String> {
    match classify(s, TODAY) {
        Ok(SeNumber::Person(p)) => Ok(p),
        other => Err(format!("{other:?}")),
    }
}

/// Fails with the first few messages (and the total) if there are any.
fn assert_no_failures(what: &str, failures: &[String]) {
    if !failures.is_empty() {
        let shown: Vec<&str> = failures.iter().take(25).map(String::as_str).collect();
        panic!("{what}: {} failure(s), first ones:\n  {}", failures.len(), shown.join("\n  "));
    }
}

/// One number written into an end-to-end text, and what must be found there.
struct Expect {
    span: std::ops::Range<usize>,
    kind: Kind,
    normalized: String,
    /// Minimum confidence (set when a keyword stands before the number).
    min_confidence: Option<Confidence>,
}

/// Builds a text line by line, remembering where each number was written.
#[derive(Default)]
struct TextBuilder {
    text: String,
    expects: Vec<Expect>,
}

impl TextBuilder {
    /// Appends `prefix`, the number `written`, `suffix` and a newline.
    fn line(
        &mut self,
        prefix: &str,
        written: &str,
        suffix: &str,
        kind: Kind,
        normalized: &str,
        min: Option<Confidence>,
    ) {
        self.text.push_str(prefix);
        let start = self.text.len();
        self.text.push_str(written);
        let end = self.text.len();
        self.text.push_str(suffix);
        self.text.push('\n');
        self.expects.push(Expect { span: start..end, kind, normalized: normalized.to_string(), min_confidence: min });
    }
}

/// Runs the engine once over the whole text and checks every expectation.
///
/// At each written number there must be exactly one detection of the
/// expected kind, with exactly the written span and the expected normalized
/// value. Besides it, only a `Cpr` reading of a 10-digit form is allowed (a
/// 10-digit number can be both). No detection may appear anywhere else.
/// Returns the detections, for further checks.
fn check_end_to_end(what: &str, tb: &TextBuilder) -> Vec<Detection> {
    let mut out = Vec::new();
    let eng = engine();
    let t0 = std::time::Instant::now();
    eng.detect(&tb.text, &mut out);
    eprintln!("{what}: {} bytes, {} numbers, detect took {:?}", tb.text.len(), tb.expects.len(), t0.elapsed());
    let mut by_start: HashMap<usize, Vec<&Detection>> = HashMap::new();
    for d in &out {
        by_start.entry(d.span.start).or_default().push(d);
    }
    let mut failures = Vec::new();
    let mut expected_starts = std::collections::HashSet::new();
    for e in &tb.expects {
        expected_starts.insert(e.span.start);
        let written = &tb.text[e.span.clone()];
        let here = by_start.get(&e.span.start).map(Vec::as_slice).unwrap_or(&[]);
        let main: Vec<&&Detection> = here.iter().filter(|d| d.kind == e.kind).collect();
        if main.len() != 1 {
            failures.push(format!("{written:?}: expected one {:?}, got {here:?}", e.kind));
            continue;
        }
        let d = main[0];
        if d.span != e.span || d.normalized != e.normalized {
            failures.push(format!(
                "{written:?}: expected span {:?} normalized {}, got span {:?} normalized {}",
                e.span, e.normalized, d.span, d.normalized
            ));
        }
        if let Some(min) = e.min_confidence {
            let got = Confidence::from_score(d.score);
            if got < min {
                failures.push(format!("{written:?}: confidence {got:?} < {min:?} (score {}, {})", d.score, d.reason));
            }
        }
        let ten_digits = written.bytes().filter(u8::is_ascii_digit).count() == 10;
        for other in here.iter().filter(|d| d.kind != e.kind) {
            // A ten-digit number can also be a CPR number; and when every
            // reading is low (bare, no keyword), the engine also tries the
            // phone rules on the same digits (`Engine::detect`).
            let cpr = other.kind == Kind::Cpr && ten_digits && other.span == e.span;
            let bare = !tb.text[..e.span.start].ends_with(|c: char| c.is_alphanumeric() || c == ' ');
            let low_phone = other.kind == Kind::Phone
                && ten_digits
                && bare
                && Confidence::from_score(other.score) == Confidence::Low;
            if !(cpr || low_phone) {
                failures.push(format!("{written:?}: unexpected extra detection {other:?}"));
            }
        }
    }
    for d in &out {
        if !expected_starts.contains(&d.span.start) {
            failures.push(format!("unexpected detection {:?} of {:?}", tb.text[d.span.clone()].to_string(), d));
        }
    }
    assert_no_failures(what, &failures);
    out
}

// ---------------------------------------------------------------------------
// 1. personnummer/meta list.json and structured.json
// ---------------------------------------------------------------------------

/// The 14 shared cases in their 4 string forms (56 checks): valid iff
/// `valid`, coordination iff `type == "con"`, normalized == `long_format`.
#[test]
fn meta_list_json() {
    let Some(dir) = data_dir() else { return };
    let list = load_json(&dir, "list.json");
    let cases = list.as_array().expect("array");
    assert_eq!(cases.len(), 14);
    let mut failures = Vec::new();
    let (mut checks, mut valid_checks) = (0, 0);
    for case in cases {
        let valid = case["valid"].as_bool().expect("valid");
        let con = match str_field(case, "type") {
            "ssn" => false,
            "con" => true,
            t => panic!("unknown type {t}"),
        };
        let long = str_field(case, "long_format");
        for key in ["long_format", "short_format", "separated_format", "separated_long"] {
            let s = str_field(case, key);
            checks += 1;
            match (valid, person(s)) {
                (true, Ok(p)) => {
                    valid_checks += 1;
                    if p.coordination != con {
                        failures.push(format!("{s}: coordination {} but type {con}", p.coordination));
                    }
                    // The bare 10-digit form cannot say "100 or older" (only
                    // `+` can), so `0905271474` reads as 2009-05-27: the most
                    // recent century not after today (design note §1.3). It
                    // is still a valid number, as the list says.
                    let plus_case = str_field(case, "separated_format").contains('+');
                    let want = if key == "short_format" && plus_case { format!("20{s}") } else { long.to_string() };
                    if p.normalized() != want {
                        failures.push(format!("{s} ({key}): normalized {} want {want}", p.normalized()));
                    }
                }
                (true, Err(e)) => failures.push(format!("{s} ({key}): valid in list, snoka says {e}")),
                (false, Ok(p)) => failures.push(format!("{s} ({key}): invalid in list, snoka accepts {p:?}")),
                (false, Err(_)) => {}
            }
        }
    }
    assert_no_failures("list.json", &failures);
    assert_eq!((checks, valid_checks), (56, 32));
    // The space separator is explicitly invalid (meta issue #41).
    assert_eq!(classify("19090527 1474", TODAY), Err(Invalid::Shape));
    assert_eq!(classify("090527 1474", TODAY), Err(Invalid::Shape));
}

/// `structured.json`: the same cases grouped by type / form / validity,
/// including the `integer` forms (an integer is its decimal string).
#[test]
fn meta_structured_json() {
    let Some(dir) = data_dir() else { return };
    let data = load_json(&dir, "structured.json");
    let mut failures = Vec::new();
    let mut counts: HashMap<(&str, &str, &str), usize> = HashMap::new();
    for ty in ["ssn", "con"] {
        for form in ["integer", "string"] {
            for validity in ["valid", "invalid"] {
                let items = data[ty][form][validity].as_array().unwrap_or_else(|| panic!("{ty}.{form}.{validity}"));
                *counts.entry((ty, form, validity)).or_default() += items.len();
                for item in items {
                    let s = match item {
                        serde_json::Value::String(s) => s.clone(),
                        serde_json::Value::Number(n) => n.to_string(),
                        other => panic!("unexpected {other}"),
                    };
                    match (validity, person(&s)) {
                        ("valid", Ok(p)) if p.coordination != (ty == "con") => {
                            failures.push(format!("{s}: coordination {} in {ty}", p.coordination))
                        }
                        ("valid", Ok(_)) | ("invalid", Err(_)) => {}
                        ("valid", Err(e)) => failures.push(format!("{s}: {ty}.{form}.valid, snoka says {e}")),
                        (_, Ok(p)) => failures.push(format!("{s}: {ty}.{form}.invalid, snoka accepts {p:?}")),
                        _ => unreachable!(),
                    }
                }
            }
        }
    }
    assert_no_failures("structured.json", &failures);
    assert_eq!(counts[&("ssn", "string", "valid")], 24);
    assert_eq!(counts[&("ssn", "string", "invalid")], 16);
    assert_eq!(counts[&("con", "string", "valid")], 8);
    assert_eq!(counts[&("con", "string", "invalid")], 8);
    assert_eq!(counts[&("ssn", "integer", "valid")], 6);
    assert_eq!(counts[&("ssn", "integer", "invalid")], 4);
    assert_eq!(counts[&("con", "integer", "valid")], 2);
    assert_eq!(counts[&("con", "integer", "invalid")], 2);
}

// ---------------------------------------------------------------------------
// 2. interim.json
// ---------------------------------------------------------------------------

/// Interim numbers (`YYMMDD-Xnnn`, a letter T R S U W X J K L M N in the
/// serial, spec v3.1) are deliberately out of scope: they are issued by
/// universities and others, not by Skatteverket, are off by default even in
/// the personnummer spec, and a letter in the serial is not the
/// "6+4 / 8+4 digits" shape snoka searches for. So every interim case, valid
/// or not in the list, must be rejected.
#[test]
fn meta_interim_json_rejected() {
    let Some(dir) = data_dir() else { return };
    let list = load_json(&dir, "interim.json");
    let cases = list.as_array().expect("array");
    assert_eq!(cases.len(), 12);
    let mut failures = Vec::new();
    for case in cases {
        for key in ["long_format", "short_format", "separated_format", "separated_long"] {
            let s = str_field(case, key);
            if let Ok(n) = classify(s, TODAY) {
                failures.push(format!("{s}: interim number accepted as {n:?}"));
            }
        }
    }
    assert_no_failures("interim.json", &failures);
    // Nor does the engine report anything in running text.
    let text: String = cases
        .iter()
        .map(|c| format!("Personnummer: {}\nPnr {}\n", str_field(c, "separated_format"), str_field(c, "long_format")))
        .collect();
    let mut out = Vec::new();
    engine().detect(&text, &mut out);
    let ids: Vec<_> =
        out.iter().filter(|d| matches!(d.kind, Kind::Personnummer | Kind::Samordningsnummer | Kind::Cpr)).collect();
    assert!(ids.is_empty(), "{ids:?}");
}

// ---------------------------------------------------------------------------
// 3. orgnumber.json
// ---------------------------------------------------------------------------

/// AP-fonden organisation numbers: Luhn-valid, "month" >= 20, never a
/// personnummer, and never reported by the engine.
#[test]
fn meta_orgnumber_json() {
    let Some(dir) = data_dir() else { return };
    let list = load_json(&dir, "orgnumber.json");
    let cases = list.as_array().expect("array");
    assert_eq!(cases.len(), 6);
    let mut text = String::new();
    for case in cases {
        for key in ["short_format", "separated_format"] {
            let s = str_field(case, key);
            assert_eq!(classify(s, TODAY), Ok(SeNumber::Organisation), "{s}");
        }
        // The integer form is the short form.
        assert_eq!(case["integer"].as_u64().map(|n| n.to_string()).as_deref(), Some(str_field(case, "short_format")));
        text.push_str(&format!("Org.nr: {}\n", str_field(case, "separated_format")));
    }
    let mut out = Vec::new();
    engine().detect(&text, &mut out);
    assert!(out.is_empty(), "{text}\n{out:?}");
    // Each on its own, too (no neighbouring lines as context).
    for case in cases {
        let text = format!("Org.nr: {}", str_field(case, "separated_format"));
        let mut out = Vec::new();
        engine().detect(&text, &mut out);
        assert!(out.is_empty(), "{text}: {out:?}");
    }
}

// ---------------------------------------------------------------------------
// 4. allPins.json: Skatteverket's 41,129 test personnummer
// ---------------------------------------------------------------------------

/// The written forms of one 12-digit personnummer that can express it
/// unambiguously on 2026-11-22: `YYYYMMDDNNNC`, `YYYYMMDD-NNNC`, then
/// `YYMMDDNNNC` and `YYMMDD-NNNC` (born 1927 or later) or `YYMMDD+NNNC`
/// (born 1926 or earlier, aged 100+ in 2026).
fn pin_forms(pin: &str) -> Vec<String> {
    let year: i32 = pin[..4].parse().expect("year");
    let (short, serial) = (&pin[2..8], &pin[8..]);
    let mut forms = vec![pin.to_string(), format!("{}-{serial}", &pin[..8])];
    if year >= 1927 {
        // The bare 10-digit form only works under 100: for a person aged
        // 100+ it cannot express the century.
        forms.push(format!("{short}{serial}"));
        forms.push(format!("{short}-{serial}"));
    } else {
        forms.push(format!("{short}+{serial}"));
    }
    forms
}

#[test]
fn skatteverket_all_pins_classify() {
    let Some(dir) = data_dir() else { return };
    let pins = load_strings(&dir, "allPins.json");
    assert_eq!(pins.len(), 41_129);
    let mut failures = Vec::new();
    let mut checked = 0usize;
    let mut old = 0usize;
    for pin in &pins {
        assert!(pin.len() == 12 && pin.bytes().all(|b| b.is_ascii_digit()), "{pin}");
        if pin[..4].parse::<i32>().expect("year") <= 1926 {
            old += 1;
        }
        for form in pin_forms(pin) {
            checked += 1;
            match person(&form) {
                Ok(p) if !p.coordination && !p.incomplete_date && p.normalized() == *pin => {}
                Ok(p) => failures.push(format!("{form}: {p:?} (normalized {}) for {pin}", p.normalized())),
                Err(e) => failures.push(format!("{form}: rejected ({e}) for {pin}")),
            }
        }
    }
    assert_no_failures("allPins.json", &failures);
    // 7,930 people born 1890-1926 (3 forms each), 33,199 younger (4 forms).
    assert_eq!(old, 7_930);
    assert_eq!(checked, 7_930 * 3 + 33_199 * 4);
}

/// The text for the all-pins end-to-end test.
///
/// Sampling: all ~200,000 written forms on `Personnummer: ` lines took
/// about 26 s in one debug-mode `detect` (keyword lines cost the most: the
/// context window is full of keywords), too slow for a routine test. The
/// text therefore has (about 108,000 numbers, ~6 s in debug):
///
/// * for EVERY number, its two ten-digit forms (`YYMMDD-NNNC`, or
///   `YYMMDD+NNNC` at 100+; and `YYMMDDNNNC` under 100) on bare lines
///   without a keyword: these carry the century resolution and the overlap
///   with Danish CPR and Swedish phone numbers;
/// * for a 1-in-7 sample per form (different numbers for each form), each of
///   the four forms after `Personnummer: `, where confidence must be at
///   least medium;
/// * for a 1-in-7 sample per form, the two 12-digit forms on bare lines.
///
/// `classify` itself is checked on every form of every number in
/// `skatteverket_all_pins_classify`.
fn all_pins_text(pins: &[String]) -> TextBuilder {
    let mut tb = TextBuilder::default();
    // Keyword section.
    for (i, pin) in pins.iter().enumerate() {
        for (f, form) in pin_forms(pin).iter().enumerate() {
            // Forms: 0 = 12 digits, 1 = YYYYMMDD-NNNC, 2 = YYMMDDNNNC or
            // YYMMDD+NNNC, 3 = YYMMDD-NNNC.
            if i % 7 == f {
                tb.line("Personnummer: ", form, "", Kind::Personnummer, pin, Some(Confidence::Medium));
            }
        }
    }
    // Bare section.
    for (i, pin) in pins.iter().enumerate() {
        for (f, form) in pin_forms(pin).iter().enumerate() {
            if f >= 2 || i % 7 == f + 4 {
                tb.line("", form, "", Kind::Personnummer, pin, None);
            }
        }
    }
    tb
}

/// End to end over all 41,129 numbers (sampled as described at
/// [`all_pins_text`]), one text, one `detect` call: every written number is
/// found with kind Personnummer, its exact span and the 12-digit normalized
/// value; a ten-digit form may also be reported as Cpr (or, bare and low, as
/// a phone number), nothing else is reported.
#[test]
fn skatteverket_all_pins_end_to_end() {
    let Some(dir) = data_dir() else { return };
    let pins = load_strings(&dir, "allPins.json");
    let tb = all_pins_text(&pins);
    let sample = |r: usize, young_only: bool| {
        pins.iter()
            .enumerate()
            .filter(|(i, p)| i % 7 == r && (!young_only || p[..4].parse::<i32>().expect("year") >= 1927))
            .count()
    };
    let keyword_lines = sample(0, false) + sample(1, false) + sample(2, false) + sample(3, true);
    let bare_lines = 41_129 + 33_199 + sample(4, false) + sample(5, false);
    assert_eq!(tb.expects.len(), keyword_lines + bare_lines);
    let out = check_end_to_end("allPins end to end", &tb);
    let pnr = out.iter().filter(|d| d.kind == Kind::Personnummer).count();
    assert_eq!(pnr, tb.expects.len());
}

/// Regression: the context window (300 bytes each side) is cut at a byte
/// offset. A cut inside a word must not turn the fragment into a keyword:
/// when the cut fell inside `Personnummer` on an earlier line, the fragment
/// `er` was taken for the Danish word "er" (lang-da), i.e. Danish evidence,
/// so a number valid both as personnummer and CPR lost 0.3 instead of 0.1 on
/// its Swedish reading: `Personnummer: 2001022389` scored 0.4 (low) instead
/// of 0.6 (medium) at exactly one padding (282 spaces). Found by the
/// all-pins end-to-end test (1,505 of ~33,000 bare ten-digit keyword lines);
/// fixed in src/detect/context.rs while these tests were written.
#[test]
fn context_window_edge_fragment_is_not_a_keyword() {
    // "Personnummer:" + padding + newline, then the number after
    // "Personnummer: ". With 282 spaces the window starts at the "er" of the
    // first "Personnummer" (offset 10 = span start - 300).
    let number = "2001022389"; // valid personnummer 2020-01-02 and CPR 1902-01-20
    assert!(matches!(classify(number, TODAY), Ok(SeNumber::Person(_))));
    assert!(Cpr::parse(number, TODAY).is_some());
    let eng = engine();
    let mut failures = Vec::new();
    for pad in 250..350 {
        let text = format!("Personnummer:{}\nPersonnummer: {number}", " ".repeat(pad));
        let mut out = Vec::new();
        eng.detect(&text, &mut out);
        match out.iter().find(|d| d.kind == Kind::Personnummer) {
            Some(d) if Confidence::from_score(d.score) >= Confidence::Medium => {}
            other => failures.push(format!("padding {pad}: {other:?}")),
        }
    }
    assert_no_failures("context window edge", &failures);
}

// ---------------------------------------------------------------------------
// 5. allCoords.json: Skatteverket's 2,264 test samordningsnummer
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CoordKind {
    /// day - 60 is a real date in that month and year.
    Real,
    /// Month 00 and/or day 60: a date part Skatteverket could not verify.
    Incomplete,
    /// 02-30, 04-31, 02-29 in a non-leap year...: must be rejected.
    Impossible,
}

fn coord_kind(n: &str) -> CoordKind {
    let year: i32 = n[..4].parse().expect("year");
    let month: u32 = n[4..6].parse().expect("month");
    let day: u32 = n[6..8].parse().expect("day");
    assert!((60..=91).contains(&day), "{n}: day {day} is not a samordningsnummer day");
    if month == 0 || day == 60 {
        CoordKind::Incomplete
    } else if real_date(year, month, day - 60) {
        CoordKind::Real
    } else {
        CoordKind::Impossible
    }
}

#[test]
fn skatteverket_all_coords() {
    let Some(dir) = data_dir() else { return };
    let coords = load_strings(&dir, "allCoords.json");
    assert_eq!(coords.len(), 2_264);
    let (mut real, mut incomplete, mut impossible, mut month00, mut day60, mut both) = (0, 0, 0, 0, 0, 0);
    let mut failures = Vec::new();
    for n in &coords {
        let kind = coord_kind(n);
        let (m00, d60) = (&n[4..6] == "00", &n[6..8] == "60");
        month00 += usize::from(m00);
        day60 += usize::from(d60);
        both += usize::from(m00 && d60);
        let year: i32 = n[..4].parse().expect("year");
        let mut forms = vec![n.clone(), format!("{}-{}", &n[..8], &n[8..])];
        forms.push(if year >= 1927 {
            format!("{}-{}", &n[2..8], &n[8..])
        } else {
            format!("{}+{}", &n[2..8], &n[8..])
        });
        for form in forms {
            let got = person(&form);
            match (kind, got) {
                (CoordKind::Real, Ok(p)) if p.coordination && !p.incomplete_date && p.normalized() == *n => {}
                (CoordKind::Incomplete, Ok(p)) if p.coordination && p.incomplete_date && p.normalized() == *n => {}
                (CoordKind::Impossible, Err(_)) => {}
                (k, got) => failures.push(format!("{form}: expected {k:?}, got {got:?}")),
            }
        }
        match kind {
            CoordKind::Real => real += 1,
            CoordKind::Incomplete => incomplete += 1,
            CoordKind::Impossible => impossible += 1,
        }
    }
    // The design note's counts: 2,070 real; 132 month-00 and 41 day-60 with
    // 3 having both (170 incomplete); 24 impossible.
    assert_eq!((real, incomplete, impossible), (2_070, 170, 24));
    assert_eq!((month00, day60, both), (132, 41, 3));
    assert_no_failures("allCoords.json", &failures);
}

/// Each valid samordningsnummer as `Samordningsnummer: YYYYMMDD-NNNC` is
/// found as a Samordningsnummer; the impossible ones are not reported as a
/// Swedish number at all.
#[test]
fn skatteverket_all_coords_end_to_end() {
    let Some(dir) = data_dir() else { return };
    let coords = load_strings(&dir, "allCoords.json");
    let mut tb = TextBuilder::default();
    let mut impossible_text = String::new();
    for n in &coords {
        let written = format!("{}-{}", &n[..8], &n[8..]);
        if coord_kind(n) == CoordKind::Impossible {
            impossible_text.push_str(&format!("Samordningsnummer: {written}\n"));
        } else {
            tb.line("Samordningsnummer: ", &written, "", Kind::Samordningsnummer, n, Some(Confidence::Medium));
        }
    }
    assert_eq!(tb.expects.len(), 2_240);
    check_end_to_end("allCoords end to end", &tb);
    let mut out = Vec::new();
    engine().detect(&impossible_text, &mut out);
    let swedish: Vec<_> =
        out.iter().filter(|d| matches!(d.kind, Kind::Personnummer | Kind::Samordningsnummer)).collect();
    assert!(swedish.is_empty(), "{swedish:?}");
}

// ---------------------------------------------------------------------------
// 6. Generated Danish CPR numbers
// ---------------------------------------------------------------------------

/// Deterministic 64-bit LCG (Knuth's MMIX constants); high bits out.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u32 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) as u32
    }

    fn below(&mut self, n: u32) -> u32 {
        self.next() % n
    }
}

/// The birth year the century table gives (python-stdnum `dk/cpr.py`):
/// digit 0-3: 1900s; 4 or 9: 2000s if YY <= 36 else 1900s; 5-8: 1800s if
/// YY >= 58 else 2000s. `None` for 5-8 with YY 37-57, which the table marks
/// invalid (2037-2057 would also lie in the future).
fn century_year(d7: u8, yy: i32) -> Option<i32> {
    match d7 {
        0..=3 => Some(1900 + yy),
        4 | 9 if yy <= 36 => Some(2000 + yy),
        4 | 9 => Some(1900 + yy),
        5..=8 if yy >= 58 => Some(1800 + yy),
        5..=8 if yy <= 36 => Some(2000 + yy),
        5..=8 => None,
        _ => unreachable!(),
    }
}

const CPR_WEIGHTS: [u32; 10] = [4, 3, 2, 7, 6, 5, 4, 3, 2, 1];

fn weighted(digits: &[u8]) -> u32 {
    digits.iter().zip(CPR_WEIGHTS).map(|(&d, w)| u32::from(d) * w).sum()
}

/// Completes DDMMYY + 7th digit with random 8th/9th digits and the check
/// digit that makes the modulus-11 sum hold.
fn cpr_with_mod11(rng: &mut Lcg, dmy: [u8; 6], d7: u8) -> [u8; 10] {
    loop {
        let mut d = [0u8; 10];
        d[..6].copy_from_slice(&dmy);
        d[6] = d7;
        d[7] = rng.below(10) as u8;
        d[8] = rng.below(10) as u8;
        let c = (11 - weighted(&d[..9]) % 11) % 11;
        if c < 10 {
            d[9] = c as u8;
            assert_eq!(weighted(&d) % 11, 0);
            return d;
        }
    }
}

fn cpr_string(d: &[u8; 10], hyphen: bool) -> String {
    let s: String = d.iter().map(|&x| char::from(b'0' + x)).collect();
    if hyphen { format!("{}-{}", &s[..6], &s[6..]) } else { s }
}

fn dmy(year: i32, month: u32, day: u32) -> [u8; 6] {
    let yy = (year % 100) as u32;
    [day / 10, day % 10, month / 10, month % 10, yy / 10, yy % 10].map(|x| x as u8)
}

/// A random real date in `years`.
fn random_date(rng: &mut Lcg, years: std::ops::RangeInclusive<i32>) -> (i32, u32, u32) {
    loop {
        let span = (years.end() - years.start() + 1) as u32;
        let y = years.start() + rng.below(span) as i32;
        let m = 1 + rng.below(12);
        let d = 1 + rng.below(31);
        if real_date(y, m, d) {
            return (y, m, d);
        }
    }
}

/// 7th digits consistent with a birth year, per the century table.
fn digits_for_year(year: i32) -> Vec<u8> {
    let yy = year % 100;
    (0..=9u8).filter(|&d7| century_year(d7, yy) == Some(year)).collect()
}

/// ~5,000 generated CPR numbers with real dates 1900-2020 (plus 500 from
/// 1858-1899 so the 1800s branch of the table is covered), a 7th digit
/// consistent with the year and a serial satisfying modulus 11: all parse,
/// with `mod11` and the right birth date. Every other 7th digit gives what
/// the table says: a different (real, past) year, or rejection, and never
/// modulus 11 (the 7th digit has weight 4, and 4·k is not 0 mod 11).
#[test]
fn generated_cpr_numbers() {
    let mut rng = Lcg(0x5EED_2026_1122);
    let mut cases = Vec::new();
    for i in 0..5_500 {
        let years = if i < 5_000 { 1900..=2020 } else { 1858..=1899 };
        let (y, m, d) = random_date(&mut rng, years);
        let allowed = digits_for_year(y);
        assert!(!allowed.is_empty(), "{y}");
        let d7 = allowed[rng.below(allowed.len() as u32) as usize];
        cases.push(((y, m, d), cpr_with_mod11(&mut rng, dmy(y, m, d), d7)));
    }
    let mut failures = Vec::new();
    let (mut flips, mut flips_rejected, mut invalid_band_rejected) = (0, 0, 0);
    for (i, &((y, m, d), digits)) in cases.iter().enumerate() {
        let s = cpr_string(&digits, i % 2 == 0);
        match Cpr::parse(&s, TODAY) {
            Some(c) if c.mod11 && c.birth == Date { year: y, month: m, day: d } => {}
            other => failures.push(format!("{s}: born {y}-{m:02}-{d:02}, got {other:?}")),
        }
        let yy = y % 100;
        for d7 in (0..=9u8).filter(|&x| x != digits[6]) {
            let mut f = digits;
            f[6] = d7;
            let fs = cpr_string(&f, i % 2 == 1);
            flips += 1;
            let want = century_year(d7, yy).filter(|&fy| real_date(fy, m, d) && not_after_today(fy, m, d));
            let got = Cpr::parse(&fs, TODAY);
            match (want, got) {
                (None, None) => flips_rejected += 1,
                (Some(fy), Some(c)) if c.birth.year == fy && !c.mod11 => {}
                (want, got) => failures.push(format!("{fs} (from {s}): want year {want:?}, got {got:?}")),
            }
            // The explicit case of the brief: digit 5 for YY 37-57.
            if d7 == 5 && (37..=57).contains(&yy) {
                if Cpr::parse(&fs, TODAY).is_none() {
                    invalid_band_rejected += 1;
                } else {
                    failures.push(format!("{fs}: digit 5 with YY {yy} must be rejected"));
                }
            }
        }
    }
    assert_no_failures("generated CPR", &failures);
    assert_eq!(cases.len(), 5_500);
    assert_eq!(flips, 5_500 * 9);
    // Sanity: the generator produced plenty of each kind of flip.
    assert!(flips_rejected > 5_000, "{flips_rejected}");
    assert!(invalid_band_rejected > 500, "{invalid_band_rejected}");
    eprintln!(
        "generated CPR: {} numbers, {flips} flips, {flips_rejected} rejected, {invalid_band_rejected} digit-5/YY37-57",
        cases.len()
    );
}

/// Impossible dates are rejected even with a correct modulus 11.
#[test]
fn generated_cpr_impossible_dates() {
    let mut rng = Lcg(42);
    // (DDMMYY, 7th digit): 31 April, 30/31 February, 29 February in a
    // non-leap year (1900 via digit 0-3, 1961, 2001 via digit 4), day 00,
    // month 00 and 13.
    let impossible = [
        ("310461", 1),
        ("310404", 4),
        ("300261", 2),
        ("310285", 9),
        ("300200", 4),
        ("290200", 0),
        ("290200", 3),
        ("290261", 1),
        ("290201", 4),
        ("310699", 0),
        ("310999", 5), // 1899-09-31
        ("000161", 1),
        ("010061", 1),
        ("011361", 1),
    ];
    for (body, d7) in impossible {
        let b: Vec<u8> = body.bytes().map(|c| c - b'0').collect();
        let digits = cpr_with_mod11(&mut rng, b.try_into().expect("6 digits"), d7);
        for hyphen in [true, false] {
            let s = cpr_string(&digits, hyphen);
            assert_eq!(Cpr::parse(&s, TODAY), None, "{s}");
        }
    }
    // The same days where they exist: 29 Feb 2000 (digit 4, YY 00) and 1960.
    for (body, d7, year) in [("290200", 4, 2000), ("290260", 1, 1960), ("300461", 1, 1961), ("290296", 9, 1996)] {
        let b: Vec<u8> = body.bytes().map(|c| c - b'0').collect();
        let digits = cpr_with_mod11(&mut rng, b.try_into().expect("6 digits"), d7);
        let s = cpr_string(&digits, true);
        let c = Cpr::parse(&s, TODAY).unwrap_or_else(|| panic!("{s}"));
        assert!(c.mod11 && c.birth.year == year, "{s}: {c:?}");
    }
}
