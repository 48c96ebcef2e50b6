//! Danish CPR numbers: `DDMMYY-SSSS` or `DDMMYYSSSS`.
//!
//! The seventh digit and the two-digit year give the century (python-stdnum's
//! table: 5-8 with YY >= 58 is the 1800s; 0-3, or 4/9 with YY >= 37, is the
//! 1900s; otherwise the 2000s). The date must exist and not lie in the future.
//! Modulus 11 is *not* a gate: the CPR office has issued numbers without it
//! since 2007, so far only for 1 January birth dates.

use super::checksum::mod11_cpr;
use super::date::Date;

/// A validated CPR number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cpr {
    /// The ten digits.
    pub digits: [u8; 10],
    /// Resolved birth date.
    pub birth: Date,
    /// True if the modulus-11 check holds.
    pub mod11: bool,
    /// True if written with the hyphen.
    pub hyphen: bool,
}

impl Cpr {
    /// Parses `DDMMYY-SSSS` / `DDMMYYSSSS`; `None` unless the date is real,
    /// consistent with the century digit and not after `today`.
    pub fn parse(s: &str, today: Date) -> Option<Cpr> {
        let b = s.as_bytes();
        let (hyphen, digits): (bool, [u8; 10]) = match b.len() {
            11 if b[6] == b'-' => {
                let mut d = [0u8; 10];
                d[..6].copy_from_slice(&b[..6]);
                d[6..].copy_from_slice(&b[7..]);
                (true, d)
            }
            10 => (false, b.try_into().ok()?),
            _ => return None,
        };
        if !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let n = |i: usize| u32::from(digits[i] - b'0') * 10 + u32::from(digits[i + 1] - b'0');
        let (day, month, yy) = (n(0), n(2), n(4) as i32);
        let d7 = digits[6] - b'0';
        let year = match d7 {
            5..=8 if yy >= 58 => 1800 + yy,
            0..=3 => 1900 + yy,
            4 | 9 if yy >= 37 => 1900 + yy,
            _ => 2000 + yy,
        };
        let birth = Date::new(year, month, day)?;
        if birth > today {
            return None;
        }
        Some(Cpr { digits, birth, mod11: mod11_cpr(&digits), hyphen })
    }

    /// True for 1 January birth dates, the only dates for which numbers
    /// without modulus 11 have been issued.
    pub fn is_january_first(&self) -> bool {
        self.birth.month == 1 && self.birth.day == 1
    }

    /// The canonical 10-digit form `DDMMYYSSSS`.
    pub fn normalized(&self) -> String {
        String::from_utf8_lossy(&self.digits).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: Date = Date { year: 2026, month: 11, day: 22 };

    #[test]
    fn valid_with_mod11() {
        let c = Cpr::parse("070761-4285", TODAY).expect("valid");
        assert!(c.mod11 && c.hyphen);
        assert_eq!(c.birth, Date { year: 1961, month: 7, day: 7 });
        assert_eq!(c.normalized(), "0707614285");
        assert!(Cpr::parse("0707614285", TODAY).is_some_and(|c| !c.hyphen));
    }

    #[test]
    fn without_mod11_still_a_cpr() {
        let c = Cpr::parse("010165-1235", TODAY).expect("date is real");
        assert!(c.is_january_first());
        // Whether or not this exact number passes mod 11, parse keeps it.
        let c2 = Cpr::parse("070761-4286", TODAY).expect("date is real");
        assert!(!c2.mod11);
    }

    #[test]
    fn century_table() {
        let y = |s: &str| Cpr::parse(s, TODAY).map(|c| c.birth.year);
        assert_eq!(y("010158-5000"), Some(1858));
        assert_eq!(y("010157-5000"), None); // 2057: future
        assert_eq!(y("010120-5000"), Some(2020));
        assert_eq!(y("010137-4000"), Some(1937));
        assert_eq!(y("010136-4000"), None); // 2036: future
        assert_eq!(y("010110-4000"), Some(2010));
        assert_eq!(y("010137-9000"), Some(1937));
        assert_eq!(y("010105-9000"), Some(2005));
        assert_eq!(y("010105-3000"), Some(1905));
        assert_eq!(y("010199-0000"), Some(1999));
    }

    #[test]
    fn invalid_dates() {
        for s in ["320161-4285", "300261-4285", "310461-4285", "001061-4285", "011361-4285"] {
            assert_eq!(Cpr::parse(s, TODAY), None, "{s}");
        }
        // Leap day: 29 Feb 1960 exists (digit 0-3 -> 1900s), 1961 does not.
        assert!(Cpr::parse("290260-1234", TODAY).is_some());
        assert!(Cpr::parse("290261-1234", TODAY).is_none());
        // 29 Feb 1900 does not exist, 2000 does (digit 4, YY 00 -> 2000).
        assert!(Cpr::parse("290200-1234", TODAY).is_none());
        assert!(Cpr::parse("290200-4234", TODAY).is_some());
        assert_eq!(Cpr::parse("07076-14285", TODAY), None);
        assert_eq!(Cpr::parse("070761+4285", TODAY), None);
    }
}
