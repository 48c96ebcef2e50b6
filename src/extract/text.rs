//! Plain-text decoding: byte order mark first (UTF-8, UTF-16LE/BE), then
//! UTF-16 without a BOM (NUL bytes at alternating positions), then binary
//! detection (a NUL byte in the first 8 KiB, as ripgrep does), then UTF-8,
//! then a guess among legacy encodings with chardetng (Firefox's detector,
//! with the `.se` hint so Windows-1252/Latin-1 wins for Nordic text), then
//! decoding with encoding_rs.

use std::borrow::Cow;

use chardetng::{EncodingDetector, Iso2022JpDetection, Utf8Detection};
use encoding_rs::{Encoding, UTF_16BE, UTF_16LE};

/// How much of the start of a file decides "binary".
const SNIFF: usize = 8 * 1024;
/// How much text chardetng sees when guessing a legacy encoding: lines
/// with a non-ASCII byte (the rest tells it nothing), up to this many bytes.
const GUESS: usize = 4 * 1024;

/// The result of decoding a file's bytes.
#[derive(Debug)]
pub enum Decoded<'a> {
    /// Text, with the name of the encoding it was decoded from and whether
    /// malformed sequences were replaced (U+FFFD).
    Text {
        /// The decoded text.
        text: Cow<'a, str>,
        /// Encoding name (`UTF-8`, `UTF-16LE`, `windows-1252`, ...).
        encoding: &'static str,
        /// True if some bytes were not valid in that encoding.
        had_errors: bool,
    },
    /// Not text: a NUL byte near the start and no UTF-16 pattern.
    Binary,
}

/// True when the start of a file would decode as text (no NUL bytes, or
/// UTF-16 with or without a byte order mark).
pub fn looks_like_text(head: &[u8]) -> bool {
    if Encoding::for_bom(head).is_some() {
        return true;
    }
    let head = &head[..head.len().min(SNIFF)];
    memchr::memchr(0, head).is_none() || utf16_without_bom(head).is_some()
}

/// Decodes `bytes` as text, or says it is binary.
pub fn decode(bytes: &[u8]) -> Decoded<'_> {
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        return with(enc, &bytes[bom_len..]);
    }
    let head = &bytes[..bytes.len().min(SNIFF)];
    if memchr::memchr(0, head).is_some() {
        return match utf16_without_bom(head) {
            Some(enc) => with(enc, bytes),
            None => Decoded::Binary,
        };
    }
    match utf8(bytes) {
        Ok(s) => Decoded::Text { text: Cow::Borrowed(s), encoding: "UTF-8", had_errors: false },
        // A file cut in the middle of a multi-byte character is still UTF-8.
        Err(e) if e.error_len().is_none() => with(encoding_rs::UTF_8, bytes),
        Err(_) => {
            let mut det = EncodingDetector::new(Iso2022JpDetection::Deny);
            det.feed(&guess_sample(bytes), true);
            let enc = det.guess(Some(b"se"), Utf8Detection::Allow);
            with(enc, bytes)
        }
    }
}

/// The lines of `bytes` that hold a non-ASCII byte, up to about [`GUESS`]
/// bytes: what an encoding guess depends on, without the ASCII bulk
/// (numbers, markup, log prefixes) that only costs the detector time.
fn guess_sample(bytes: &[u8]) -> Vec<u8> {
    let mut sample = Vec::with_capacity(GUESS + 256);
    let mut rest = bytes;
    while sample.len() < GUESS {
        let Some(i) = rest.iter().position(|&b| b >= 0x80) else { break };
        let start = memchr::memrchr(b'\n', &rest[..i]).map_or(0, |n| n + 1);
        let end = memchr::memchr(b'\n', &rest[i..]).map_or(rest.len(), |n| i + n + 1);
        let line = &rest[start..end];
        sample.extend_from_slice(&line[..line.len().min(GUESS)]);
        rest = &rest[end..];
    }
    sample
}

/// The encoding [`decode`] would choose for a file starting with `head`
/// (its first chunk; `complete` when that is the whole file), and the
/// length of the byte order mark to skip; `None` when [`decode`] would call
/// it binary. For streaming a large file: every chunk is decoded with this
/// encoding. Approximated: an invalid UTF-8 sequence after `head` is
/// replaced (U+FFFD), where [`decode`] would guess a legacy encoding for
/// the whole file.
pub fn stream_encoding(head: &[u8], complete: bool) -> Option<(&'static Encoding, usize)> {
    if let Some((enc, bom_len)) = Encoding::for_bom(head) {
        return Some((enc, bom_len));
    }
    let sniff = &head[..head.len().min(SNIFF)];
    if memchr::memchr(0, sniff).is_some() {
        return utf16_without_bom(sniff).map(|enc| (enc, 0));
    }
    match utf8(head) {
        Ok(_) => Some((encoding_rs::UTF_8, 0)),
        Err(e) if e.error_len().is_none() => Some((encoding_rs::UTF_8, 0)),
        Err(_) => {
            let mut det = EncodingDetector::new(Iso2022JpDetection::Deny);
            det.feed(&guess_sample(head), complete);
            Some((det.guess(Some(b"se"), Utf8Detection::Allow), 0))
        }
    }
}

/// `bytes` as UTF-8 text, checked with SIMD (whole files are checked, and
/// std's check slows down on every non-ASCII letter); the error says, as
/// std's does, whether the bytes merely end inside a character.
pub fn utf8(bytes: &[u8]) -> Result<&str, simdutf8::compat::Utf8Error> {
    simdutf8::compat::from_utf8(bytes)
}

fn with<'a>(enc: &'static Encoding, bytes: &'a [u8]) -> Decoded<'a> {
    let (text, had_errors) = enc.decode_without_bom_handling(bytes);
    Decoded::Text { text, encoding: enc.name(), had_errors }
}

/// UTF-16 text without a BOM has NUL as every other byte for Latin text.
fn utf16_without_bom(head: &[u8]) -> Option<&'static Encoding> {
    let pairs = head.len() / 2;
    if pairs < 2 {
        return None;
    }
    let even = head.iter().step_by(2).filter(|&&b| b == 0).count();
    let odd = head.iter().skip(1).step_by(2).filter(|&&b| b == 0).count();
    let many = |n: usize| n * 10 >= pairs * 4; // >= 40 %
    let few = |n: usize| n * 20 <= pairs; // <= 5 %
    if many(odd) && few(even) {
        Some(UTF_16LE)
    } else if many(even) && few(odd) {
        Some(UTF_16BE)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(d: Decoded<'_>) -> (String, &'static str) {
        match d {
            Decoded::Text { text, encoding, .. } => (text.into_owned(), encoding),
            Decoded::Binary => panic!("binary"),
        }
    }

    #[test]
    fn utf8_borrowed() {
        let d = decode("Östen Ærø".as_bytes());
        assert!(matches!(d, Decoded::Text { text: Cow::Borrowed(_), .. }));
    }

    #[test]
    fn windows_1252() {
        let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode("Östen Ærø bor på Storgatan, personnummer 811218-9876");
        assert_eq!(text(decode(&bytes)).0, "Östen Ærø bor på Storgatan, personnummer 811218-9876");
    }

    #[test]
    fn legacy_guess_sees_non_ascii_lines_past_an_ascii_head() {
        // 100 KB of log lines, then Russian in windows-1251: the guess must
        // come from the Cyrillic lines, not from the ASCII bulk.
        let mut bytes = "2024-01-01 12:00:00 INFO request 12345 ok\n".repeat(2500).into_bytes();
        let ru = "Заявление от Иванова Ивана Петровича, проживающего по адресу Москва, улица Ленина.\n";
        let five = ru.repeat(5);
        let (cyr, _, _) = encoding_rs::WINDOWS_1251.encode(&five);
        bytes.extend_from_slice(&cyr);
        let (t, enc) = text(decode(&bytes));
        assert_eq!(enc, "windows-1251");
        assert!(t.ends_with(ru));
        let sample = guess_sample(&bytes);
        assert!(sample.len() <= GUESS + ru.len() && sample.iter().any(|&b| b >= 0x80));
        assert!(!sample.starts_with(b"2024"), "ASCII lines left out");
    }

    #[test]
    fn utf16_with_and_without_bom() {
        let s = "Ærø 070761-4285 åsa";
        let mut le: Vec<u8> = vec![0xFF, 0xFE];
        le.extend(s.encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(text(decode(&le)), (s.to_string(), "UTF-16LE"));
        let mut be: Vec<u8> = vec![0xFE, 0xFF];
        be.extend(s.encode_utf16().flat_map(u16::to_be_bytes));
        assert_eq!(text(decode(&be)), (s.to_string(), "UTF-16BE"));
        let bare: Vec<u8> = s.encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert_eq!(text(decode(&bare)), (s.to_string(), "UTF-16LE"));
    }

    #[test]
    fn binary_and_truncated() {
        assert!(matches!(decode(b"\x7fELF\x02\x01\x00\x00 811218-9876 \x00\x00\x00\x00"), Decoded::Binary));
        let mut cut = "Åsa".as_bytes().to_vec();
        cut.extend_from_slice(&"ö".as_bytes()[..1]);
        let (t, enc) = text(decode(&cut));
        assert_eq!(enc, "UTF-8");
        assert!(t.starts_with("Åsa"));
    }
}
