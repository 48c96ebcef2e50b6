//! Swedish personnummer, samordningsnummer and organisationsnummer.
//!
//! A personnummer is `YYMMDD-NNNC` (birth date, a serial 001-999 and a Luhn
//! check digit over the ten digits as written). In the year a person turns
//! 100 the separator becomes `+`. A samordningsnummer has 60 added to the
//! day; Skatteverket also issues them with month `00` and/or day `60` when a
//! date part is unknown. An organisationsnummer has the same shape but its
//! "month" (digits 3-4) is always 20 or more, so it is never a personnummer.
//!
//! Written forms accepted: `YYMMDD-NNNC`, `YYMMDD+NNNC`, `YYMMDDNNNC`,
//! `YYYYMMDDNNNC`, `YYYYMMDD-NNNC` (and `YYYYMMDD+NNNC`).

use super::checksum::luhn;
use super::date::{Date, days_in_month};

/// Why a string is not a Swedish identity number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Invalid {
    /// Not 10 or 12 digits with an optional `-`/`+` before the last four.
    Shape,
    /// The 12-digit form's century is not 18, 19 or 20.
    Century,
    /// The Luhn check digit does not match.
    Checksum,
    /// Serial number `000`.
    Serial,
    /// Month or day does not exist (after removing the +60 of a
    /// samordningsnummer).
    Date,
    /// The date lies in the future.
    Future,
}

/// What a Luhn-valid 10/12-digit Swedish number is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeNumber {
    /// A personnummer or samordningsnummer.
    Person(Personnummer),
    /// An organisationsnummer (digits 3-4 >= 20): not personal data.
    Organisation,
}

/// A validated personnummer or samordningsnummer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Personnummer {
    /// Four-digit birth year (century resolved).
    pub year: i32,
    /// Month as written (0 only in samordningsnummer with unknown month).
    pub month: u32,
    /// Day as written (61-91 or 60 for samordningsnummer).
    pub day: u32,
    /// The three-digit serial ("födelsenummer").
    pub serial: u32,
    /// The check digit.
    pub check: u8,
    /// True for a samordningsnummer (day + 60, or unknown date parts).
    pub coordination: bool,
    /// True when month `00` or day `60` marks an unknown date part.
    pub incomplete_date: bool,
    /// True when written with the century (12 digits).
    pub long_form: bool,
    /// The separator as written: `-`, `+` or none.
    pub separator: Option<u8>,
}

impl Personnummer {
    /// Parses and validates one written number against `today` (used to
    /// resolve the century of 10-digit forms and reject future dates).
    pub fn parse(s: &str, today: Date) -> Result<Personnummer, Invalid> {
        match classify(s, today)? {
            SeNumber::Person(p) => Ok(p),
            SeNumber::Organisation => Err(Invalid::Date),
        }
    }

    /// The canonical 12-digit form `YYYYMMDDNNNC` (day + 60 kept for a
    /// samordningsnummer).
    pub fn normalized(&self) -> String {
        format!("{:04}{:02}{:02}{:03}{}", self.year, self.month, self.day, self.serial, self.check)
    }
}

/// Splits a written number into its digits and the separator before the
/// last four digits. Returns `None` for any other shape.
fn split(s: &str) -> Option<([u8; 12], usize, Option<u8>)> {
    let b = s.as_bytes();
    let (digits_part, sep) = match b.len() {
        11 | 13 if matches!(b[b.len() - 5], b'-' | b'+') => {
            (&[&b[..b.len() - 5], &b[b.len() - 4..]][..], Some(b[b.len() - 5]))
        }
        10 | 12 => (&[b][..], None),
        _ => return None,
    };
    let mut out = [0u8; 12];
    let mut n = 0;
    for part in digits_part {
        for &c in *part {
            if !c.is_ascii_digit() {
                return None;
            }
            out[n] = c;
            n += 1;
        }
    }
    Some((out, n, sep))
}

fn num(d: &[u8]) -> u32 {
    d.iter().fold(0, |a, &c| a * 10 + u32::from(c - b'0'))
}

/// Classifies a written 10/12-digit number: personnummer/samordningsnummer,
/// organisationsnummer, or invalid (with the reason).
pub fn classify(s: &str, today: Date) -> Result<SeNumber, Invalid> {
    let (buf, n, sep) = split(s).ok_or(Invalid::Shape)?;
    let (century, ten): (Option<i32>, &[u8]) = if n == 12 {
        let c = num(&buf[..2]) as i32;
        if !(18..=20).contains(&c) {
            return Err(Invalid::Century);
        }
        (Some(c), &buf[2..12])
    } else {
        (None, &buf[..10])
    };
    if !luhn(ten) {
        return Err(Invalid::Checksum);
    }
    let yy = num(&ten[0..2]) as i32;
    let month = num(&ten[2..4]);
    let day = num(&ten[4..6]);
    let serial = num(&ten[6..9]);
    if month >= 20 {
        // Organisationsnummer: the "month" of a legal person is always >= 20.
        // A 12-digit form is only an orgnr with the prefix 16, which the
        // century check above already rejected.
        return if century.is_none() { Ok(SeNumber::Organisation) } else { Err(Invalid::Date) };
    }
    if serial == 0 {
        return Err(Invalid::Serial);
    }
    // Day 61-91, or 60 for an unknown day, marks a samordningsnummer. Month
    // 00 (unknown month) occurs only in samordningsnummer, so a month 00
    // with a day below 60 is no date at all.
    let coordination = day >= 60;
    let real_day = if coordination { day - 60 } else { day };
    let incomplete_date = month == 0 || day == 60;
    if month > 12 || real_day > 31 || (month == 0 && !coordination) || (!coordination && real_day == 0) {
        return Err(Invalid::Date);
    }
    let year = match century {
        Some(c) => c * 100 + yy,
        None => resolve_century(yy, sep == Some(b'+'), month, real_day, today)?,
    };
    // The date must exist when both parts are known; with an unknown part
    // only the known one is checked above.
    if !incomplete_date && real_day > days_in_month(year, month) {
        return Err(Invalid::Date);
    }
    if month != 0 && real_day != 0 && Date::new(year, month, real_day).is_some_and(|d| d > today) {
        return Err(Invalid::Future);
    }
    if year > today.year {
        return Err(Invalid::Future);
    }
    Ok(SeNumber::Person(Personnummer {
        year,
        month,
        day,
        serial,
        check: ten[9] - b'0',
        coordination,
        incomplete_date,
        long_form: n == 12,
        separator: sep,
    }))
}

/// Resolves the century of a 10-digit number: without `+` the person is
/// under 100 in the current year (the latest year not after today); with
/// `+` they turn 100 or more this year.
fn resolve_century(yy: i32, plus: bool, month: u32, day: u32, today: Date) -> Result<i32, Invalid> {
    let this_century = today.year - today.year.rem_euclid(100);
    let mut year = this_century + yy;
    if year > today.year {
        year -= 100;
    }
    if plus {
        year -= 100;
    } else if year == today.year && month != 0 && day != 0 && (month, day) > (today.month, today.day) {
        // Born later this year: not yet possible, and a person born in that
        // month 100 years ago would be written with `+`.
        return Err(Invalid::Future);
    }
    Ok(year)
}

/// Masks a written number: everything but the last four digits stays, the
/// last four digits become `X` (`19811218-9876` -> `19811218-XXXX`).
pub fn mask(written: &str) -> String {
    mask_last_digits(written, 4)
}

/// Replaces the last `n` ASCII digits of `s` with `X`.
pub(crate) fn mask_last_digits(s: &str, n: usize) -> String {
    let mut out: Vec<char> = s.chars().collect();
    let mut left = n;
    for c in out.iter_mut().rev() {
        if left == 0 {
            break;
        }
        if c.is_ascii_digit() {
            *c = 'X';
            left -= 1;
        }
    }
    out.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: Date = Date { year: 2026, month: 11, day: 22 };

    fn norm(s: &str) -> Result<String, Invalid> {
        Personnummer::parse(s, TODAY).map(|p| p.normalized())
    }

    #[test]
    fn forms_of_one_number() {
        for s in ["811218-9876", "8112189876", "198112189876", "19811218-9876"] {
            assert_eq!(norm(s), Ok("198112189876".into()), "{s}");
        }
    }

    #[test]
    fn century_rules() {
        // `+` means 100 or older.
        assert_eq!(norm("090527+1474"), Ok("190905271474".into()));
        assert_eq!(norm("19090527+1474"), Ok("190905271474".into()));
        // Leap day 2000 resolves to 2000, not 1900 (which has no Feb 29).
        assert_eq!(norm("000229-2399"), Ok("200002292399".into()));
        // Year 26 without `+` is 2026 if the date has passed...
        let p = Personnummer::parse("260101-0004", TODAY);
        assert!(matches!(p, Ok(Personnummer { year: 2026, .. }) | Err(Invalid::Checksum)));
        // ...and 27 is 1927, since 2027 has not come yet.
        assert_eq!(resolve_century(27, false, 1, 1, TODAY), Ok(1927));
        assert_eq!(resolve_century(27, true, 1, 1, TODAY), Ok(1827));
        assert_eq!(resolve_century(26, false, 12, 24, TODAY), Err(Invalid::Future));
        assert_eq!(resolve_century(26, true, 12, 24, TODAY), Ok(1926));
    }

    #[test]
    fn samordningsnummer() {
        let p = Personnummer::parse("701063-2391", TODAY).expect("valid");
        assert!(p.coordination && !p.incomplete_date);
        assert_eq!(p.normalized(), "197010632391");
        assert_eq!(norm("730288-9931"), Ok("197302889931".into()));
        // Luhn over the written day, so the "real day" variant is wrong.
        assert_eq!(norm("701003-2391"), Err(Invalid::Checksum));
    }

    #[test]
    fn invalid_vectors() {
        assert_eq!(norm("811218-9875"), Err(Invalid::Checksum));
        assert_eq!(norm("150916-0006"), Err(Invalid::Serial));
        assert_eq!(norm("811218 9876"), Err(Invalid::Shape));
        // Month 00 is only an unknown month of a samordningsnummer (day >= 60).
        assert_eq!(norm("490011-6254"), Err(Invalid::Date));
        assert_eq!(norm("81121898761"), Err(Invalid::Shape));
        assert_eq!(norm("178112189876"), Err(Invalid::Century));
        // Orgnr is never a personnummer.
        assert_eq!(classify("556826-3387", TODAY), Ok(SeNumber::Organisation));
        assert_eq!(norm("5568263387"), Err(Invalid::Date));
    }

    #[test]
    fn impossible_dates() {
        // Feb 30 with a correct Luhn digit (computed here).
        for body in ["810230-123", "810431-123", "810229-123", "811301-123", "810100-123"] {
            let digits: String = body.chars().filter(char::is_ascii_digit).collect();
            let check = (0..10).find(|c| luhn(format!("{digits}{c}").as_bytes())).expect("some digit");
            let s = format!("{body}{check}");
            assert_eq!(norm(&s), Err(Invalid::Date), "{s}");
        }
    }

    #[test]
    fn masks() {
        assert_eq!(mask("19811218-9876"), "19811218-XXXX");
        assert_eq!(mask("198112189876"), "19811218XXXX");
        assert_eq!(mask("811218-9876"), "811218-XXXX");
    }
}
