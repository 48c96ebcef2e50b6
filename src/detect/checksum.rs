//! Check-digit algorithms: Luhn (Swedish personnummer, organisationsnummer)
//! and modulus 11 (Danish CPR, CVR). Pure functions over ASCII digits.

/// Luhn (modulus 10, weights 2,1,2,1,... from the first digit) over a
/// 10-digit Swedish number as written. Returns false for non-digits.
pub fn luhn(digits: &[u8]) -> bool {
    let mut sum = 0u32;
    let n = digits.len();
    for (i, &b) in digits.iter().enumerate() {
        if !b.is_ascii_digit() {
            return false;
        }
        let d = u32::from(b - b'0');
        // The rightmost digit has weight 1, the one before it 2, and so on.
        let weight = if (n - i).is_multiple_of(2) { 2 } else { 1 };
        let p = d * weight;
        sum += if p > 9 { p - 9 } else { p };
    }
    n > 0 && sum.is_multiple_of(10)
}

/// Danish CPR modulus 11: weights 4,3,2,7,6,5,4,3,2,1 over the 10 digits;
/// the weighted sum must be divisible by 11.
pub fn mod11_cpr(digits: &[u8; 10]) -> bool {
    const W: [u32; 10] = [4, 3, 2, 7, 6, 5, 4, 3, 2, 1];
    let sum: u32 = digits.iter().zip(W).map(|(&b, w)| u32::from(b.wrapping_sub(b'0')) * w).sum();
    digits.iter().all(u8::is_ascii_digit) && sum.is_multiple_of(11)
}

/// Danish CVR (company) modulus 11: weights 2,7,6,5,4,3,2,1, first digit
/// not 0.
pub fn mod11_cvr(digits: &[u8]) -> bool {
    const W: [u32; 8] = [2, 7, 6, 5, 4, 3, 2, 1];
    if digits.len() != 8 || !digits.iter().all(u8::is_ascii_digit) || digits[0] == b'0' {
        return false;
    }
    let sum: u32 = digits.iter().zip(W).map(|(&b, w)| u32::from(b - b'0') * w).sum();
    sum.is_multiple_of(11)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_vectors() {
        // Skatteverket's own examples and published test numbers.
        for ok in ["8112189876", "7010632391", "5568263387", "0002292399"] {
            assert!(luhn(ok.as_bytes()), "{ok}");
        }
        for bad in ["8112189875", "7004289895", "1234567890", "81121898x6", ""] {
            assert!(!luhn(bad.as_bytes()), "{bad}");
        }
    }

    #[test]
    fn mod11_cpr_vectors() {
        // 070761-4285 is the textbook example from cpr.dk documentation.
        assert!(mod11_cpr(b"0707614285"));
        assert!(!mod11_cpr(b"0707614286"));
        assert!(!mod11_cpr(b"070761428x"));
    }

    #[test]
    fn mod11_cvr_vectors() {
        // 13585628 is a commonly cited valid CVR example (python-stdnum).
        assert!(mod11_cvr(b"13585628"));
        assert!(!mod11_cvr(b"13585627"));
        assert!(!mod11_cvr(b"03585628"));
        assert!(!mod11_cvr(b"1358562"));
    }
}
