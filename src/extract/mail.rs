//! E-mail: .eml and .mbox with mail-parser, Outlook .msg with msg_parser.

use crate::error::ExtractError;
use crate::extract::Sink;

/// True when `head` starts like an RFC 5322 message: header lines such as
/// `From:`, `Received:`, `MIME-Version:` before the first blank line.
pub fn looks_like_mail(head: &[u8]) -> bool {
    let mut known = 0;
    for line in head.split(|&b| b == b'\n').take(40) {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            break;
        }
        if line[0] == b' ' || line[0] == b'\t' {
            continue;
        }
        let Some(colon) = memchr::memchr(b':', line) else { return false };
        let name = line[..colon].to_ascii_lowercase();
        if name.is_empty() || !name.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-') {
            return false;
        }
        if matches!(
            name.as_slice(),
            b"from" | b"to" | b"received" | b"mime-version" | b"message-id" | b"subject" | b"date" | b"return-path"
        ) {
            known += 1;
        }
    }
    known >= 2
}

/// Extracts one RFC 5322 message.
pub fn extract_eml(_bytes: &[u8], _sink: &mut dyn Sink) -> Result<(), ExtractError> {
    Err(ExtractError::Unsupported("e-mail (not yet)".into()))
}

/// Extracts every message of an mbox file.
pub fn extract_mbox(_bytes: &[u8], _sink: &mut dyn Sink) -> Result<(), ExtractError> {
    Err(ExtractError::Unsupported("mbox (not yet)".into()))
}

/// Extracts an Outlook .msg message.
pub fn extract_msg(_bytes: &[u8], _sink: &mut dyn Sink) -> Result<(), ExtractError> {
    Err(ExtractError::Unsupported("Outlook message (not yet)".into()))
}
