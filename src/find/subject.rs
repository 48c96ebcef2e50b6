//! Subjects of an access or erasure request: who to look for, read from a
//! TOML or CSV file, standard input or the command line, with every
//! identifier normalised once (personnummer and samordningsnummer to 12
//! digits, CPR to 10 digits, phone to E.164, e-mail to lower case).
//!
//! A subject file in TOML names one subject at the top level, or several as
//! `[[subject]]` tables; every key takes a string or an array of strings:
//!
//! ```toml
//! id = "2026-17"
//! name = ["Anna Maria Lindqvist", "Anna Berg"]
//! personnummer = "19811218-9876"
//! email = ["anna@exempel.se", "anna.b@example.com"]
//! phone = "070-174 06 05"
//! ```
//!
//! In CSV the header is `id,name,personnummer,cpr,email,phone` (any order,
//! `samordningsnummer` too); several values in one cell are separated by
//! `;`. Error messages mask the values they quote.

use std::collections::BTreeMap;

use phonenumber::Mode;
use serde::Deserialize;
use thiserror::Error;

use crate::detect::cpr::Cpr;
use crate::detect::date::Date;
use crate::detect::mask::Mask;
use crate::detect::personnummer::{self, Invalid, SeNumber};

/// A problem with the subjects given. Values in messages are masked.
#[derive(Debug, Error)]
pub enum SubjectError {
    /// The file is not valid TOML or CSV, or has unknown keys or columns.
    #[error("{source_name}: {message}")]
    Parse {
        /// The file name (or `standard input`).
        source_name: String,
        /// What is wrong.
        message: String,
    },
    /// One value of one subject is unusable.
    #[error("subject {id}: {field} {masked}: {problem}")]
    Value {
        /// The subject's id.
        id: String,
        /// `personnummer`, `cpr`, `email`, `phone` or `name`.
        field: &'static str,
        /// The value with its identifying part masked.
        masked: String,
        /// What is wrong with it.
        problem: String,
    },
    /// A subject with nothing to look for.
    #[error("subject {0}: no name, personnummer, CPR number, e-mail or phone given")]
    Empty(String),
    /// Two subjects with the same id.
    #[error("subject id {0:?} is used twice")]
    DuplicateId(String),
}

/// A Swedish identity number of a subject.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SwedishId {
    /// `YYYYMMDDNNNC`.
    pub twelve: String,
    /// True for a samordningsnummer.
    pub coordination: bool,
}

/// A phone number of a subject.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Phone {
    /// `+46701740605`.
    pub e164: String,
    /// The country calling code (`46`).
    pub country_code: u16,
    /// The digits as written in the country itself (`0701740605` in
    /// Sweden, `20123458` in Denmark).
    pub national: String,
}

/// One person to look for, identifiers normalised.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Subject {
    /// The id printed in the `subject` column (a case number, a row
    /// number).
    pub id: String,
    /// Names as given (`Anna Maria Lindqvist`); each has at least two words.
    pub names: Vec<String>,
    /// Personnummer and samordningsnummer.
    pub swedish: Vec<SwedishId>,
    /// CPR numbers, 10 digits (modulus 11 not required: some valid numbers
    /// fail it).
    pub cpr: Vec<String>,
    /// E-mail addresses, lower case.
    pub emails: Vec<String>,
    /// Phone numbers.
    pub phones: Vec<Phone>,
}

/// The values of one subject as written by the user, before checking.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSubject {
    /// Id; defaults to the position (1, 2, ...).
    #[serde(default, deserialize_with = "one_string")]
    pub id: Option<String>,
    /// Names.
    #[serde(default, deserialize_with = "strings")]
    pub name: Vec<String>,
    /// Personnummer or samordningsnummer, any written form.
    #[serde(default, alias = "samordningsnummer", deserialize_with = "strings")]
    pub personnummer: Vec<String>,
    /// CPR numbers.
    #[serde(default, deserialize_with = "strings")]
    pub cpr: Vec<String>,
    /// E-mail addresses.
    #[serde(default, deserialize_with = "strings")]
    pub email: Vec<String>,
    /// Phone numbers.
    #[serde(default, deserialize_with = "strings")]
    pub phone: Vec<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
    Number(i64),
}

fn strings<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
        OneOrMany::Number(n) => vec![n.to_string()],
    })
}

fn one_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => Some(s),
        OneOrMany::Number(n) => Some(n.to_string()),
        OneOrMany::Many(_) => return Err(serde::de::Error::custom("id must be one string")),
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ManySubjects {
    subject: Vec<RawSubject>,
}

/// Parses a subject file: TOML, or CSV when the first non-empty line looks
/// like a CSV header (`id,name,...`). `source_name` names it in errors.
pub fn parse_file(source_name: &str, text: &str) -> Result<Vec<RawSubject>, SubjectError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lower = source_name.to_lowercase();
    let looks_csv = if lower.ends_with(".toml") {
        false
    } else if lower.ends_with(".csv") {
        true
    } else {
        let first = text.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with('#')).unwrap_or("");
        first.contains(',') && !first.contains('=') && !first.starts_with('[')
    };
    if looks_csv { parse_csv(source_name, text) } else { parse_toml(source_name, text) }
}

fn parse_toml(source_name: &str, text: &str) -> Result<Vec<RawSubject>, SubjectError> {
    // toml's own message quotes the offending line, which holds the
    // subject's identifiers: say where and what, never the text.
    let bad = |e: toml::de::Error| {
        let at = e.span().map(|r| {
            let before = &text[..r.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!("line {line}, column {column}: ")
        });
        SubjectError::Parse {
            source_name: source_name.into(),
            message: format!("{}{}", at.unwrap_or_default(), e.message().trim()),
        }
    };
    let table: toml::Table = toml::from_str(text).map_err(bad)?;
    if table.contains_key("subject") {
        let many: ManySubjects = toml::from_str(text).map_err(bad)?;
        Ok(many.subject)
    } else {
        Ok(vec![toml::from_str(text).map_err(bad)?])
    }
}

fn parse_csv(source_name: &str, text: &str) -> Result<Vec<RawSubject>, SubjectError> {
    let bad = |message: String| SubjectError::Parse { source_name: source_name.into(), message };
    let mut rdr = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(text.as_bytes());
    let header = rdr.headers().map_err(|e| bad(e.to_string()))?.clone();
    let mut columns = Vec::new();
    for h in &header {
        let h = h.to_lowercase();
        let known = ["id", "name", "personnummer", "samordningsnummer", "cpr", "email", "phone"];
        if !known.contains(&h.as_str()) {
            return Err(bad(format!("unknown column {h:?} (expected id,name,personnummer,cpr,email,phone)")));
        }
        columns.push(h);
    }
    let mut out = Vec::new();
    for (i, row) in rdr.records().enumerate() {
        let row = row.map_err(|e| bad(e.to_string()))?;
        if row.iter().all(|c| c.is_empty()) {
            continue;
        }
        let mut s = RawSubject::default();
        for (col, cell) in columns.iter().zip(row.iter()) {
            let values = cell.split(';').map(str::trim).filter(|v| !v.is_empty()).map(String::from);
            match col.as_str() {
                "id" if !cell.is_empty() => s.id = Some(cell.to_string()),
                "id" => {}
                "name" => s.name.extend(values),
                "personnummer" | "samordningsnummer" => s.personnummer.extend(values),
                "cpr" => s.cpr.extend(values),
                "email" => s.email.extend(values),
                _ => s.phone.extend(values),
            }
        }
        if s.id.is_none() {
            s.id = Some((i + 1).to_string());
        }
        out.push(s);
    }
    Ok(out)
}

/// Checks and normalises raw subjects. Ids default to the position; a
/// value that cannot be the subject's (a personnummer failing Luhn, a CPR
/// number that is not a date, a one-word name) is an error, since a typo
/// would silently find nothing.
pub fn check(raw: Vec<RawSubject>, today: Date) -> Result<Vec<Subject>, SubjectError> {
    let mut out: Vec<Subject> = Vec::with_capacity(raw.len());
    let mut ids = BTreeMap::new();
    for (i, r) in raw.into_iter().enumerate() {
        let id = r.id.clone().unwrap_or_else(|| (i + 1).to_string());
        if ids.insert(id.clone(), ()).is_some() {
            return Err(SubjectError::DuplicateId(id));
        }
        let s = check_one(id, r, today)?;
        out.push(s);
    }
    Ok(out)
}

fn check_one(id: String, r: RawSubject, today: Date) -> Result<Subject, SubjectError> {
    let err = |field: &'static str, masked: String, problem: &str| SubjectError::Value {
        id: id.clone(),
        field,
        masked,
        problem: problem.into(),
    };
    let mut s = Subject { id: id.clone(), ..Subject::default() };
    for n in &r.name {
        let words = crate::find::names::words(n);
        if words.len() < 2 {
            return Err(err("name", mask_name(n), "give at least a first and a last name"));
        }
        push_unique(&mut s.names, n.split_whitespace().collect::<Vec<_>>().join(" "));
    }
    for p in &r.personnummer {
        let masked = Mask::LastDigits(4).apply(p);
        let compact = compact_id(p);
        match personnummer::classify(&compact, today) {
            Ok(SeNumber::Person(pn)) => {
                let v = SwedishId { twelve: pn.normalized(), coordination: pn.coordination };
                if !s.swedish.contains(&v) {
                    s.swedish.push(v);
                }
            }
            Ok(SeNumber::Organisation) => return Err(err("personnummer", masked, "is an organisationsnummer")),
            Err(e) => return Err(err("personnummer", masked, invalid_why(e))),
        }
    }
    for c in &r.cpr {
        let masked = Mask::LastDigits(4).apply(c);
        let digits: String = compact_id(c).chars().filter(char::is_ascii_digit).collect();
        if digits.len() != 10 || compact_id(c).chars().any(|ch| !ch.is_ascii_digit() && ch != '-') {
            return Err(err("cpr", masked, "is not 10 digits (DDMMYY-SSSS)"));
        }
        match Cpr::parse(&digits, today) {
            Some(cpr) => push_unique(&mut s.cpr, cpr.normalized()),
            None => return Err(err("cpr", masked, "does not start with a real birth date (DDMMYY)")),
        }
    }
    for e in &r.email {
        let masked = Mask::Email.apply(e.trim());
        let v = e.trim().trim_start_matches("mailto:").to_lowercase();
        let ok = v.split_once('@').is_some_and(|(l, d)| {
            !l.is_empty() && d.contains('.') && !d.contains('@') && !v.chars().any(char::is_whitespace)
        });
        if !ok {
            return Err(err("email", masked, "is not an e-mail address (name@domain)"));
        }
        push_unique(&mut s.emails, v);
    }
    for p in &r.phone {
        let masked = Mask::Digits { keep_first: 3, keep_last: 2 }.apply(p);
        match parse_phone(p) {
            Some(ph) => {
                if !s.phones.contains(&ph) {
                    s.phones.push(ph);
                }
            }
            None => {
                return Err(err(
                    "phone",
                    masked,
                    "is not a phone number (write a number outside Sweden and Denmark with its country code, +47 ...)",
                ));
            }
        }
    }
    if s.names.is_empty() && s.swedish.is_empty() && s.cpr.is_empty() && s.emails.is_empty() && s.phones.is_empty() {
        return Err(SubjectError::Empty(id));
    }
    Ok(s)
}

fn push_unique(v: &mut Vec<String>, s: String) {
    if !v.contains(&s) {
        v.push(s);
    }
}

/// A written identity number without spaces, dashes made ASCII.
fn compact_id(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| if matches!(c, '\u{2010}'..='\u{2015}' | '\u{2212}') { '-' } else { c })
        .collect()
}

fn invalid_why(e: Invalid) -> &'static str {
    match e {
        Invalid::Shape => "is not 10 or 12 digits (YYYYMMDD-NNNN)",
        Invalid::Century => "has a century other than 18, 19 or 20",
        Invalid::Checksum => "fails the Luhn check (a typo? the last digit is a check digit)",
        Invalid::Serial => "has serial number 000",
        Invalid::Date => "does not contain a real birth date",
        Invalid::Future => "has a birth date in the future",
    }
}

/// Parses a subject's phone number: `+CC...` or `00CC...` anywhere, a
/// leading `0` as Swedish, 8 digits as Danish.
pub fn parse_phone(written: &str) -> Option<Phone> {
    let t = written.trim().replace("(0)", "");
    let digits: String = t.chars().filter(char::is_ascii_digit).collect();
    if t.chars().any(|c| c.is_alphabetic()) || digits.len() < 6 {
        return None;
    }
    let (region, input) = if t.starts_with('+') {
        (None, format!("+{digits}"))
    } else if let Some(rest) = digits.strip_prefix("00") {
        (None, format!("+{rest}"))
    } else if digits.starts_with('0') {
        (Some(phonenumber::country::Id::SE), digits.clone())
    } else if digits.len() == 8 {
        (Some(phonenumber::country::Id::DK), digits.clone())
    } else {
        return None;
    };
    let parsed = std::panic::catch_unwind(|| phonenumber::parse(region, &input).ok()).ok().flatten()?;
    let e164 = parsed.format().mode(Mode::E164).to_string();
    let national: String =
        parsed.format().mode(Mode::National).to_string().chars().filter(char::is_ascii_digit).collect();
    Some(Phone { e164, country_code: parsed.code().value(), national })
}

/// A name masked for messages and reports: the first letter of each word
/// kept (`A*** L********`).
pub fn mask_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_word = false;
    for c in name.chars() {
        if c.is_alphabetic() {
            out.push(if in_word { '*' } else { c });
            in_word = true;
        } else {
            out.push(c);
            in_word = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: Date = Date { year: 2026, month: 11, day: 22 };

    fn one(toml: &str) -> Result<Subject, SubjectError> {
        let raw = parse_file("t.toml", toml)?;
        Ok(check(raw, TODAY)?.remove(0))
    }

    #[test]
    fn every_written_form_normalises_to_one_value() {
        for pnr in ["19811218-9876", "811218-9876", "8112189876", "198112189876", "811218 9876", "811218\u{2013}9876"] {
            let s = one(&format!("personnummer = {pnr:?}")).expect("valid");
            assert_eq!(s.swedish, vec![SwedishId { twelve: "198112189876".into(), coordination: false }], "{pnr}");
        }
        for phone in ["070-174 06 05", "+46701740605", "0046 70 174 06 05", "+46 (0)70-174 06 05"] {
            let s = one(&format!("phone = {phone:?}")).expect("valid");
            assert_eq!(s.phones[0].e164, "+46701740605", "{phone}");
            assert_eq!(s.phones[0].national, "0701740605");
        }
        let dk = one("phone = '20 12 34 56'").expect("valid");
        assert_eq!((dk.phones[0].e164.as_str(), dk.phones[0].national.as_str()), ("+4520123456", "20123456"));
        let e = one("email = ['Anna.L@Exempel.SE', 'mailto:anna.l@exempel.se']").expect("valid");
        assert_eq!(e.emails, vec!["anna.l@exempel.se".to_string()]);
        let c = one("cpr = ['070761-4285', '0707614285']").expect("valid");
        assert_eq!(c.cpr, vec!["0707614285".to_string()]);
    }

    #[test]
    fn samordningsnummer_is_a_swedish_id() {
        let s = one("samordningsnummer = '701063-2391'").expect("valid");
        assert!(s.swedish[0].coordination);
        assert_eq!(s.swedish[0].twelve, "197010632391");
    }

    #[test]
    fn a_cpr_failing_modulus_11_is_still_the_subjects() {
        // 070761-4286 fails modulus 11 but is a real date.
        let s = one("cpr = '070761-4286'").expect("accepted");
        assert_eq!(s.cpr, vec!["0707614286".to_string()]);
        let e = one("cpr = '320761-4286'").expect_err("no 32nd");
        assert!(e.to_string().contains("real birth date"), "{e}");
    }

    #[test]
    fn errors_mask_the_value_and_say_why() {
        let e = one("id = 'x'\npersonnummer = '811218-9875'").expect_err("bad luhn");
        let m = e.to_string();
        assert!(m.contains("subject x") && m.contains("811218-XXXX") && m.contains("Luhn"), "{m}");
        assert!(!m.contains("9875"));
        let e = one("name = 'Anna'").expect_err("one word");
        assert!(e.to_string().contains("A***"), "{e}");
        assert!(matches!(one("id = 'y'"), Err(SubjectError::Empty(_))));
        assert!(one("nmae = 'Anna Lindqvist'").is_err(), "unknown keys are errors");
        // A syntax error says where, never quotes the line with the number.
        let e = one("id = '1'\npersonnummer = \"19811218-9876\n").expect_err("unterminated string");
        let m = e.to_string();
        assert!(m.contains("line 2") && !m.contains("9876") && !m.contains("811218"), "{m}");
        assert!(one("email = 'anna at exempel'").is_err());
        assert!(one("phone = '12345'").is_err());
    }

    #[test]
    fn csv_and_toml_lists() {
        let csv = "id,name,personnummer,cpr,email,phone\n\
                   1,Anna Lindqvist,811218-9876,,anna@exempel.se;a.l@example.com,070-174 06 05\n\
                   ,Søren Holm,,070761-4285,,20 12 34 56\n";
        let s = check(parse_file("s.csv", csv).expect("csv"), TODAY).expect("valid");
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].emails.len(), 2);
        assert_eq!(s[1].id, "2", "a missing id is the row number");
        assert_eq!(s[1].cpr, vec!["0707614285".to_string()]);
        let toml = "[[subject]]\nid = 'a'\nname = 'Anna Lindqvist'\n[[subject]]\nid = 'b'\nemail = 'b@example.com'\n";
        let s = check(parse_file("s.toml", toml).expect("toml"), TODAY).expect("valid");
        assert_eq!((s[0].id.as_str(), s[1].id.as_str()), ("a", "b"));
        let dup = "[[subject]]\nid = 'a'\nname = 'A B'\n[[subject]]\nid = 'a'\nname = 'C D'\n";
        assert!(matches!(check(parse_file("d.toml", dup).expect("toml"), TODAY), Err(SubjectError::DuplicateId(_))));
        let bad = "id,nme\n1,x\n";
        assert!(parse_file("b.csv", bad).is_err());
        // Sniffed without an extension; a comment with commas is still TOML.
        let commented = "# Subject 1, as TOML, synthetic\nid = '1'\nname = 'Anna Lindqvist'\n";
        assert_eq!(parse_file("standard input", commented).expect("toml")[0].name, vec!["Anna Lindqvist"]);
        assert_eq!(parse_file("x.txt", csv).expect("csv").len(), 2);
    }
}
