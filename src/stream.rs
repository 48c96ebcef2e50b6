//! Streaming of large plain-text and CSV files: read and decoded in
//! bounded chunks instead of whole, so a 5 GB log is scanned in a few tens
//! of megabytes of memory and gives the findings a whole-file scan gives.
//!
//! Plain text is searched in windows: each window is a *body* of about
//! [`CHUNK`] bytes of decoded text cut after its last line end, with at
//! least [`OVERLAP`] bytes of the text before it (from the start of a
//! line) and after it. The overlaps are searched too, so keyword context
//! (300 bytes each side, see [`crate::detect::context::WINDOW`]) reaches
//! across a cut, but only findings that start in the body are kept: each
//! value is reported by exactly one window, at its line and column in the
//! file. A line longer than a chunk is cut at a character boundary; see
//! [`Body`] for what that approximates. CSV is cut at record boundaries by
//! [`crate::extract::csv::Records`], which carries the header and the row
//! number over.

use std::io::Read;

use encoding_rs::{Decoder, Encoding};
use sha2::{Digest, Sha256};

use crate::error::ExtractError;
use crate::extract::text;
use crate::model::Location;

/// Decoded text searched per window (plus the overlaps), in bytes.
pub const CHUNK: usize = 8 << 20;

/// Text and CSV files larger than this are streamed (in [`CHUNK`]s); the
/// smaller are read whole.
pub const THRESHOLD: u64 = 2 * CHUNK as u64;

/// Text searched before and after a window's body, in bytes: far more
/// than the keyword window (300 bytes) and the longest value.
pub const OVERLAP: usize = 4 << 10;

/// How far back a window may start to begin at a line start; a longer line
/// is cut in the middle.
const MAX_BACK: usize = 64 << 10;

/// The least of a file's start its encoding is chosen from.
const GUESS: usize = 64 << 10;

/// Raw bytes read at a time.
const READ_BLOCK: usize = 1 << 20;

/// A CSV record (a quoted field with line breaks) longer than this many
/// chunks stops the stream: the rest of the file is not searched.
const MAX_RECORD_CHUNKS: usize = 8;

/// Raw bytes decoded to UTF-8 text a piece at a time, with the encoding
/// chosen from the first chunk as [`text::decode`] chooses it for a whole
/// file, and (when asked) the SHA-256 of every byte read.
pub struct Decoding<R> {
    reader: R,
    decoder: Decoder,
    /// Bytes read but not decoded yet (the first chunk).
    pending: Vec<u8>,
    eof: bool,
    /// Bytes read so far, the byte order mark included.
    pub bytes: u64,
    hasher: Option<Sha256>,
}

impl<R: Read> Decoding<R> {
    /// Starts decoding a file whose first bytes `head` were already read
    /// from `reader`; reads on to a full chunk (at least 64 KiB) to choose
    /// the encoding.
    /// `Ok(None)` when the file is binary (a NUL byte near the start and no
    /// UTF-16 pattern). With `hash`, every byte is hashed ([`Self::digest`]).
    pub fn new(mut reader: R, mut head: Vec<u8>, chunk: usize, hash: bool) -> std::io::Result<Option<Decoding<R>>> {
        let mut hasher = hash.then(Sha256::new);
        if let Some(h) = &mut hasher {
            h.update(&head);
        }
        // The encoding is chosen from at least as much as a whole file's
        // (chardetng sees its first 64 KiB).
        let first = chunk.max(GUESS);
        let mut eof = false;
        if head.len() < first {
            let before = head.len();
            (&mut reader).take((first - before) as u64).read_to_end(&mut head)?;
            if let Some(h) = &mut hasher {
                h.update(&head[before..]);
            }
            eof = head.len() < first;
        }
        let bytes = head.len() as u64;
        let Some((enc, bom)) = text::stream_encoding(&head, eof) else { return Ok(None) };
        head.drain(..bom);
        Ok(Some(Decoding {
            reader,
            decoder: enc.new_decoder_without_bom_handling(),
            pending: head,
            eof,
            bytes,
            hasher,
        }))
    }

    /// The encoding every chunk is decoded with.
    pub fn encoding(&self) -> &'static Encoding {
        self.decoder.encoding()
    }

    /// Appends decoded text to `out` until it holds at least `want` bytes or
    /// the input ends. Returns false once the input has ended (and all of
    /// it is in `out`).
    pub fn fill(&mut self, out: &mut String, want: usize) -> std::io::Result<bool> {
        let mut raw = std::mem::take(&mut self.pending);
        loop {
            if out.len() >= want && raw.is_empty() {
                return Ok(true);
            }
            if raw.is_empty() && !self.eof {
                raw.resize(READ_BLOCK, 0);
                let n = loop {
                    match self.reader.read(&mut raw) {
                        Ok(n) => break n,
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                        Err(e) => return Err(e),
                    }
                };
                raw.truncate(n);
                self.eof = n == 0;
                self.bytes += n as u64;
                if let Some(h) = &mut self.hasher {
                    h.update(&raw);
                }
            }
            let last = self.eof;
            let need = self.decoder.max_utf8_buffer_length(raw.len()).unwrap_or(raw.len() * 3 + 16);
            out.reserve(need);
            let (_, read, _) = self.decoder.decode_to_string(&raw, out, last);
            raw.drain(..read);
            if last && raw.is_empty() {
                return Ok(false);
            }
        }
    }

    /// The SHA-256 of every byte read, once the input has ended (`None`
    /// unless asked for in [`Self::new`]).
    pub fn digest(self) -> Option<[u8; 32]> {
        self.hasher.map(|h| h.finalize().into())
    }
}

/// Where a window's body lies in it, and where the window lies in the
/// file. Findings are located in the window as if it were a whole text
/// (line 1, column 1 at its start); [`Body::place`] keeps those that start
/// in the body and moves them to their place in the file.
///
/// A window normally starts at a line start, so the detectors see the
/// body's lines exactly as in the whole text (no built-in candidate spans
/// a line break). When the line before a body is longer than 64 KiB, the
/// window starts in the middle of it, [`OVERLAP`] bytes before the body:
/// the context of a value still reaches across the cut, but a candidate
/// that the whole-text scan would have matched from before the window's
/// start (and so skipped past a body start) is approximated; with
/// [`OVERLAP`] far longer than any value this does not change a finding
/// in practice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Body {
    /// (line, column) in the window of the body's first character.
    start: (u64, u64),
    /// (line, column) in the window just past the body; `None` when the
    /// body runs to the window's end.
    end: Option<(u64, u64)>,
    /// The file's line number of the window's first line.
    line: u64,
    /// Characters on that line before the window's start (0 at a line
    /// start).
    column: u64,
}

impl Body {
    /// The location in the file of what was found at `at` in the window,
    /// or `None` when it starts outside the body (in an overlap: another
    /// window reports it). Locations without lines are kept as they are.
    pub fn place(&self, at: &Location) -> Option<Location> {
        let Location::Line { line, column } = *at else { return Some(at.clone()) };
        if (line, column) < self.start || self.end.is_some_and(|e| (line, column) >= e) {
            return None;
        }
        let column = if line == 1 { self.column + column } else { column };
        Some(Location::Line { line: self.line + line - 1, column })
    }
}

/// The (line, column) of byte `offset` in `text`, 1-based, columns in
/// characters.
fn line_column(text: &str, offset: usize) -> (u64, u64) {
    let before = &text.as_bytes()[..offset];
    let lines = memchr::memchr_iter(b'\n', before).count() as u64;
    let from = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
    (lines + 1, text[from..offset].chars().count() as u64 + 1)
}

/// The largest character boundary of `s` at or before `at`.
fn floor_char(s: &str, at: usize) -> usize {
    let mut at = at.min(s.len());
    while !s.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// Reads all of `dec` and calls `search` with each window of the text (see
/// [`Body`]) and where its body lies. Bodies are about `chunk` bytes;
/// `search` may fail (a limit, the time), which ends the stream.
pub fn text_windows<R: Read>(
    dec: &mut Decoding<R>,
    chunk: usize,
    mut search: impl FnMut(&str, &Body) -> Result<(), ExtractError>,
) -> Result<(), ExtractError> {
    let chunk = chunk.max(1);
    let mut buf = String::new();
    // The window starts at buf[0], which is on file line `line` after
    // `column` characters; the next body starts at buf[body].
    let (mut line, mut column, mut body) = (1u64, 0u64, 0usize);
    let mut more = true;
    loop {
        if more {
            more = dec.fill(&mut buf, body + chunk + 2 * OVERLAP)?;
        }
        if body >= buf.len() && !more {
            return Ok(());
        }
        let (end, window_end) = if !more && buf.len() - body <= chunk + OVERLAP {
            (buf.len(), buf.len())
        } else {
            let limit = floor_char(&buf, body + chunk);
            let end = match memchr::memrchr(b'\n', &buf.as_bytes()[body..limit]) {
                Some(i) => body + i + 1,
                // A line longer than a chunk: cut it anywhere.
                None => limit.max(body + buf[body..].chars().next().map_or(0, char::len_utf8)),
            };
            let reach = floor_char(&buf, end + OVERLAP);
            // End the window at a line end when one is near.
            let window_end = match memchr::memchr(b'\n', &buf.as_bytes()[reach..buf.len().min(reach + OVERLAP)]) {
                Some(i) => reach + i + 1,
                None => reach,
            };
            (end, window_end)
        };
        let window = &buf[..window_end];
        let placed = Body {
            start: line_column(window, body),
            end: (end < window_end).then(|| line_column(window, end)),
            line,
            column,
        };
        search(window, &placed)?;
        if end >= buf.len() && !more {
            return Ok(());
        }
        // The next window starts at the line start at least OVERLAP before
        // the next body, or OVERLAP before it when that line is too long.
        let target = floor_char(&buf, end.saturating_sub(OVERLAP));
        let back = target.saturating_sub(MAX_BACK);
        let start = match memchr::memrchr(b'\n', &buf.as_bytes()[back..target]) {
            Some(i) => back + i + 1,
            None if back == 0 && column == 0 => 0,
            None => target,
        };
        let dropped = &buf[..start];
        match memchr::memrchr(b'\n', dropped.as_bytes()) {
            Some(i) => {
                line += memchr::memchr_iter(b'\n', dropped.as_bytes()).count() as u64;
                column = dropped[i + 1..].chars().count() as u64;
            }
            None => column += dropped.chars().count() as u64,
        }
        buf.drain(..start);
        body = end - start;
    }
}

/// A [`crate::extract::Sink`] told when each chunk of a streamed file
/// begins (to restart its time limit, which applies per chunk).
pub trait ChunkSink: crate::extract::Sink {
    /// A new chunk begins; an error (interrupted, timeout) ends the stream.
    fn next_chunk(&mut self) -> Result<(), ExtractError>;
}

/// Reads all of `dec` as delimited text and sends its fields to `sink` as
/// [`crate::extract::csv::extract`] sends a whole file's, a chunk at a
/// time. A record longer than eight chunks (an unclosed
/// quote) ends the stream with a limit: the rest is not searched.
pub fn csv_records<R: Read, S: ChunkSink>(
    dec: &mut Decoding<R>,
    chunk: usize,
    sink: &mut S,
) -> Result<(), ExtractError> {
    let chunk = chunk.max(1);
    let mut buf = String::new();
    let mut more = dec.fill(&mut buf, chunk)?;
    let mut records = crate::extract::csv::Records::new(&buf);
    loop {
        sink.next_chunk()?;
        let taken = records.feed(&buf, !more, sink)?;
        if !more {
            return Ok(());
        }
        buf.drain(..taken);
        if taken == 0 && buf.len() >= MAX_RECORD_CHUNKS * chunk {
            return Err(ExtractError::Limit(format!(
                "a CSV record longer than {}; the rest of the file was not searched",
                bytesize::ByteSize((MAX_RECORD_CHUNKS * chunk) as u64).display().iec()
            )));
        }
        let want = if taken == 0 { buf.len() + chunk } else { chunk };
        more = dec.fill(&mut buf, want)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every window's body, placed: the bodies tile the text exactly.
    fn bodies(text: &str, chunk: usize) -> Vec<(String, Body)> {
        let mut dec = Decoding::new(text.as_bytes(), Vec::new(), chunk, false).expect("read").expect("text");
        let mut out = Vec::new();
        text_windows(&mut dec, chunk, |w, b| {
            out.push((w.to_string(), b.clone()));
            Ok(())
        })
        .expect("windows");
        out
    }

    #[test]
    fn windows_overlap_and_bodies_place_every_line_once() {
        let text: String = (1..=3000).map(|i| format!("line {i} åäö\n")).collect();
        let got = bodies(&text, 5000);
        assert!(got.len() > 5, "{}", got.len());
        // Each line's first character is placed by exactly one window, at
        // its own line number.
        for n in 1..=3000u64 {
            let placed: Vec<Location> = got
                .iter()
                .filter(|(_, b)| n >= b.line)
                .filter_map(|(_, b)| b.place(&Location::Line { line: n + 1 - b.line, column: 1 }))
                .collect();
            assert_eq!(placed, vec![Location::Line { line: n, column: 1 }], "line {n}");
        }
        // Windows after the first start at least OVERLAP before their body.
        for (w, b) in &got[1..] {
            let lines_before = b.start.0 - 1;
            let bytes_before: usize = w.split_inclusive('\n').take(lines_before as usize).map(str::len).sum();
            assert!(bytes_before >= OVERLAP, "{bytes_before}");
        }
    }

    #[test]
    fn a_line_longer_than_a_chunk_is_cut_with_columns_continuing() {
        let text = "x".repeat(50_000) + "\nnext";
        let got = bodies(&text, 10_000);
        assert!(got.len() >= 5);
        // The column of character 30 001 of line 1 is found in one window.
        let owners: Vec<Location> = got
            .iter()
            .filter_map(|(_, b)| {
                let col = 30_001 - b.column;
                (b.line == 1 && col >= 1).then(|| b.place(&Location::Line { line: 1, column: col })).flatten()
            })
            .collect();
        assert_eq!(owners, vec![Location::Line { line: 1, column: 30_001 }]);
    }

    #[test]
    fn utf16_and_legacy_text_decode_across_reads() {
        let s: String = (0..200_000).map(|i| if i % 7 == 0 { 'ö' } else { 'a' }).collect();
        let mut le = vec![0xFF, 0xFE];
        le.extend(s.encode_utf16().flat_map(u16::to_le_bytes));
        let mut dec = Decoding::new(&le[3..], le[..3].to_vec(), 1001, true).expect("read").expect("text");
        assert_eq!(dec.encoding().name(), "UTF-16LE");
        let mut out = String::new();
        while {
            let want = out.len() + 777;
            dec.fill(&mut out, want).expect("fill")
        } {}
        assert_eq!(out, s);
        assert_eq!(dec.bytes, le.len() as u64);
        let digest: [u8; 32] = Sha256::digest(&le).into();
        assert_eq!(dec.digest(), Some(digest));

        let (cp, _, _) = encoding_rs::WINDOWS_1252.encode(&s);
        let mut dec = Decoding::new(&cp[..], Vec::new(), 4096, false).expect("read").expect("text");
        assert_eq!(dec.encoding().name(), "windows-1252");
        let mut out = String::new();
        while {
            let want = out.len() + 333;
            dec.fill(&mut out, want).expect("fill")
        } {}
        assert_eq!(out, s);
    }

    #[test]
    fn binary_is_not_decoded() {
        let bin = b"\x7fELF\x02\x01\x00\x00 811218-9876 \x00\x00\x00\x00".repeat(100);
        assert!(Decoding::new(&bin[..], Vec::new(), 64, false).expect("read").is_none());
    }
}
