//! Detector throughput: `Engine::detect` over 4 MiB of generated text per
//! benchmark, one benchmark per kind of identifier plus mixed text and text
//! without any candidate (the prefilter path).
//!
//! The text is generated here, deterministically (a fixed-seed LCG):
//! Swedish and Danish words with about one identifier per 400 bytes, and
//! about as many decoys (dates, order and organisation numbers, versions,
//! phone-like numbers, e-mail-like strings). Run with
//! `cargo bench --bench detect -- --warm-up-time 1 --measurement-time 3`.

use std::hint::black_box;

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use snoka::Engine;

/// Bytes of text per benchmark.
const SIZE: usize = 4 << 20;

/// A 64-bit linear congruential generator (Knuth's MMIX constants).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    /// A number in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// A number in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

#[rustfmt::skip]
const WORDS: &[&str] = &[
    // Swedish
    "och", "att", "det", "som", "en", "på", "är", "av", "för", "med", "till", "den", "har", "de", "inte", "om", "ett",
    "men", "var", "jag", "vi", "kunden", "ärendet", "avtalet", "beslut", "handläggare", "mötet", "enligt", "sedan",
    "följande", "uppgifter", "ansökan", "underlag", "avdelningen", "kommunen", "förvaltningen", "återkoppling",
    "bifogad", "fakturan", "leverans", "styrelsen", "protokoll", "vänliga", "hälsningar", "månad", "kvartal", "budget",
    "rapporten", "granskning", "personal", "anställd", "lön", "semester", "sjukfrånvaro", "adress", "telefon",
    // Danish
    "og", "at", "det", "som", "en", "på", "er", "af", "for", "med", "til", "den", "har", "de", "ikke", "om", "et",
    "men", "var", "jeg", "vi", "kunden", "sagen", "aftalen", "afgørelse", "sagsbehandler", "mødet", "ifølge",
    "følgende", "oplysninger", "ansøgning", "afdelingen", "kommunen", "forvaltningen", "tilbagemelding", "vedhæftet",
    "fakturaen", "levering", "bestyrelsen", "referat", "venlig", "hilsen", "måned", "kvartal", "medarbejder", "løn",
    "ferie", "sygefravær", "borger", "henvendelse", "journal", "notat",
];

#[rustfmt::skip]
const FIRST: &[&str] = &[
    "anna", "erik", "maria", "lars", "karin", "johan", "eva", "per", "mette", "søren", "jens", "hanne", "lise", "niels",
    "ingrid", "oskar",
];
#[rustfmt::skip]
const LAST: &[&str] = &[
    "andersson", "johansson", "karlsson", "nilsson", "lindqvist", "berg", "jensen", "nielsen", "hansen", "pedersen",
    "larsen", "sørensen", "holm", "ek",
];
#[rustfmt::skip]
const DOMAINS: &[&str] =
    &["foretaget.se", "kommun.se", "example.se", "post.dk", "kommune.dk", "firma.dk", "gmail.com", "outlook.com"];

/// Appends filler words until about `bytes` more bytes are written,
/// breaking lines every dozen words or so.
fn filler(rng: &mut Lcg, out: &mut String, bytes: usize) {
    let end = out.len() + bytes;
    let mut words = 0;
    while out.len() < end {
        out.push_str(rng.pick(WORDS));
        words += 1;
        if words % 12 == 0 {
            out.push_str(".\n");
        } else {
            out.push(' ');
        }
    }
}

fn luhn_digit(digits: &[u8]) -> u8 {
    let sum: u32 = digits
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let v = u32::from(d - b'0') * if i % 2 == 0 { 2 } else { 1 };
            v / 10 + v % 10
        })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

/// A valid personnummer, in one of its usual spellings.
fn personnummer(rng: &mut Lcg) -> String {
    let year = rng.range(1940, 2005);
    let (month, day, serial) = (rng.range(1, 12), rng.range(1, 28), rng.range(0, 999));
    let short = format!("{:02}{month:02}{day:02}{serial:03}", year % 100);
    let check = luhn_digit(short.as_bytes());
    let (date, tail) = (&short[..6], &short[6..]);
    match rng.below(4) {
        0 => format!("personnummer {date}-{tail}{check}"),
        1 => format!("{}{date}{tail}{check}", year / 100),
        2 => format!("pnr: {}{date}-{tail}{check}", year / 100),
        _ => format!("{date}-{tail}{check}"),
    }
}

/// A CPR number that passes modulus 11.
fn cpr(rng: &mut Lcg) -> String {
    loop {
        let (day, month, year, serial) = (rng.range(1, 28), rng.range(1, 12), rng.range(0, 99), rng.range(0, 9999));
        let digits = format!("{day:02}{month:02}{year:02}{serial:04}");
        let weights = [4, 3, 2, 7, 6, 5, 4, 3, 2, 1];
        let sum: u32 = digits.bytes().zip(weights).map(|(d, w)| u32::from(d - b'0') * w).sum();
        if sum.is_multiple_of(11) {
            let (date, tail) = digits.split_at(6);
            return match rng.below(3) {
                0 => format!("CPR-nr. {date}-{tail}"),
                1 => format!("cpr {date}{tail}"),
                _ => format!("{date}-{tail}"),
            };
        }
    }
}

fn email(rng: &mut Lcg) -> String {
    let (first, last, domain) = (rng.pick(FIRST), rng.pick(LAST), rng.pick(DOMAINS));
    match rng.below(3) {
        0 => format!("{first}.{last}@{domain}"),
        1 => format!("e-post: {first}{}@{domain}", rng.range(1, 99)),
        _ => format!("<{first}.{last}@{domain}>"),
    }
}

fn ipv4(rng: &mut Lcg) -> String {
    match rng.below(3) {
        0 => format!("10.{}.{}.{}", rng.below(256), rng.below(256), rng.range(1, 254)),
        1 => format!("192.168.{}.{}", rng.below(256), rng.range(1, 254)),
        _ => format!("{}.{}.{}.{}", rng.range(11, 223), rng.below(256), rng.below(256), rng.range(1, 254)),
    }
}

fn phone(rng: &mut Lcg) -> String {
    let (a, b, c) = (rng.range(100, 999), rng.range(10, 99), rng.range(10, 99));
    match rng.below(5) {
        0 => format!("tel. 070-{a} {b} {c}"),
        1 => format!("+46 73 {a} {b} {c}"),
        2 => format!("mobil 08-{a} {b} {c}"),
        3 => format!("tlf. +45 {} {b} {c} {}", rng.range(20, 99), rng.range(10, 99)),
        _ => format!("telefon {} {b} {c} {}", rng.range(20, 99), rng.range(10, 99)),
    }
}

/// Something that looks like an identifier to a pattern but is not
/// personal data.
fn decoy(rng: &mut Lcg) -> String {
    match rng.below(10) {
        0 => format!("{}-{:02}-{:02}", rng.range(1990, 2030), rng.range(1, 12), rng.range(1, 28)),
        1 => format!("{:02}.{:02}.{}", rng.range(1, 28), rng.range(1, 12), rng.range(1990, 2030)),
        2 => format!("ordernr {}", rng.range(1_000_000_000, 9_999_999_999)),
        3 => "org.nr 556826-3387".to_string(),
        4 => format!("version {}.{}.{}", rng.below(20), rng.below(50), rng.below(200)),
        5 => format!("build {}.{}.{}.{}", rng.below(10), rng.below(10), rng.below(100), rng.below(10000)),
        6 => format!("ärende {}-{:06}", rng.range(2015, 2026), rng.below(1_000_000)),
        7 => format!("{} {:03} {:02}", rng.range(10, 99), rng.below(1000), rng.below(100)),
        8 => format!("@{}{}", rng.pick(FIRST), rng.below(100)),
        _ => format!("{}@localhost", rng.pick(FIRST)),
    }
}

type Gen = fn(&mut Lcg) -> String;

/// About `SIZE` bytes of prose with one item from `kinds` per ~400 bytes
/// and, in between, a decoy per ~400 bytes.
fn prose(seed: u64, kinds: &[Gen]) -> String {
    let mut rng = Lcg(seed);
    let mut out = String::with_capacity(SIZE + 1024);
    while out.len() < SIZE {
        let gap = rng.range(100, 260) as usize;
        filler(&mut rng, &mut out, gap);
        out.push_str(&decoy(&mut rng));
        out.push(' ');
        let gap = rng.range(100, 260) as usize;
        filler(&mut rng, &mut out, gap);
        if !kinds.is_empty() {
            let generate = kinds[rng.below(kinds.len() as u64) as usize];
            out.push_str(&generate(&mut rng));
            out.push(' ');
        }
    }
    out
}

/// Web server log lines, an address on each (~110 bytes per line).
fn access_log(seed: u64) -> String {
    let mut rng = Lcg(seed);
    let paths = ["/", "/index.html", "/api/v2/orders", "/login", "/static/app.js", "/kontakt", "/om-oss"];
    let mut out = String::with_capacity(SIZE + 1024);
    while out.len() < SIZE {
        let ip = ipv4(&mut rng);
        let (h, m, s) = (rng.below(24), rng.below(60), rng.below(60));
        let path = rng.pick(&paths);
        let (status, size) = ([200, 200, 200, 304, 404, 500][rng.below(6) as usize], rng.range(100, 99_999));
        out.push_str(&format!(
            "{ip} - - [22/Nov/2026:{h:02}:{m:02}:{s:02} +0100] \"GET {path} HTTP/1.1\" {status} {size}\n"
        ));
    }
    out
}

/// Prose without digits or `@`: nothing for the detectors to try.
fn no_candidates(seed: u64) -> String {
    let mut rng = Lcg(seed);
    let mut out = String::with_capacity(SIZE + 1024);
    filler(&mut rng, &mut out, SIZE);
    out
}

fn detect(c: &mut Criterion) {
    let engine = Engine::builtin().expect("built-in rules compile");
    let mixed: &[Gen] = &[personnummer, cpr, email, ipv4, phone];
    let inputs: Vec<(&str, String)> = vec![
        ("personnummer", prose(1, &[personnummer])),
        ("cpr", prose(2, &[cpr])),
        ("email", prose(3, &[email])),
        ("ip_log", access_log(4)),
        ("phone", prose(5, &[phone])),
        ("mixed", prose(6, mixed)),
        ("no_candidates", no_candidates(7)),
    ];

    let mut group = c.benchmark_group("detect");
    // One pass over 4 MiB takes tens of milliseconds: few samples, flat.
    group.sample_size(10).sampling_mode(SamplingMode::Flat);
    let mut out = Vec::new();
    for (name, text) in &inputs {
        out.clear();
        engine.detect(text, &mut out);
        if *name == "no_candidates" {
            assert!(out.is_empty(), "{name}: {} detections", out.len());
        } else {
            assert!(out.len() > 1000, "{name}: only {} detections", out.len());
        }
        group.throughput(Throughput::BytesDecimal(text.len() as u64));
        group.bench_function(*name, |b| {
            b.iter(|| {
                out.clear();
                engine.detect(black_box(text), &mut out);
                out.len()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, detect);
criterion_main!(benches);
