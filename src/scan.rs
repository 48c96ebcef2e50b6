//! Scanning: runs extraction and detection over the walked files in
//! parallel. Each file gives one [`FileReport`], and each container member
//! (a file in a zip, a mail attachment) one more, named in the `member`
//! column (`inner.zip!dir/a.txt`). A file that cannot be read, or whose
//! extraction panics or runs out of time, becomes a `failed` report; the
//! scan goes on. Reports come back sorted by path and member, findings by
//! location and kind, so the output is identical for any number of threads.

use std::fs::File;
use std::io::Read;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

use crate::detect::{Detection, Engine};
use crate::error::ExtractError;
use crate::extract::{self, Format, Limits, LineCursor, Sink};
use crate::model::{Confidence, FileReport, FileStatus, Finding, Kind, Location, Texts};
use crate::stream;
use crate::walk::{FileJob, WalkItem};

static STOP: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Asks every running scan in this process to stop soon: files not yet
/// started are reported as skipped (`interrupted`), files being read stop
/// at their next checkpoint and are reported as failed. Called from the
/// Ctrl-C / SIGTERM handler; the reports of finished files stay complete.
pub fn request_stop() {
    STOP.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// True once [`request_stop`] was called.
pub fn stop_requested() -> bool {
    STOP.load(std::sync::atomic::Ordering::Relaxed)
}

/// The reason given to files never started because the scan was stopped.
pub const NOT_STARTED: &str = "interrupted before it was read";

/// What to keep from a scan, and the limits it runs under.
#[derive(Clone, Debug)]
pub struct ScanOptions {
    /// Findings below this confidence are dropped.
    pub min_confidence: Confidence,
    /// Only these kinds are kept (all when empty).
    pub kinds: Vec<Kind>,
    /// Files larger than this are skipped, except plain text and CSV,
    /// which are streamed in bounded chunks whatever their size.
    pub max_filesize: u64,
    /// Limits on containers, decompression and time per file.
    pub limits: Limits,
    /// Show a progress bar on stderr (only drawn when stderr is a terminal).
    pub progress: bool,
}

impl ScanOptions {
    /// Options with default limits, medium confidence, all kinds.
    pub fn new() -> ScanOptions {
        ScanOptions {
            min_confidence: Confidence::Medium,
            kinds: Vec::new(),
            max_filesize: 256 << 20,
            limits: Limits::default(),
            progress: false,
        }
    }
}

impl Default for ScanOptions {
    fn default() -> ScanOptions {
        ScanOptions::new()
    }
}

/// Where a finding located in a window of a streamed text lies in the
/// file, or `None` when another window reports it ([`Search::search_window`]).
pub type Place<'a> = dyn Fn(&Location) -> Option<Location> + 'a;

/// What looks for personal data in the text of a file: the detectors for
/// `snoka scan` ([`Detectors`]), a subject index for `snoka find`. One
/// instance serves every thread.
pub trait Search: Sync {
    /// Appends to `out` what is found in `text`, which is at `at` in the
    /// file; `label` (a column header, a form label) is context only and is
    /// never reported.
    fn search(&self, at: &Location, label: &str, text: &str, out: &mut Vec<Finding>);

    /// Appends to `out` what is found in a file's path as walked or a
    /// member's name, located at [`Location::FileName`]. Nothing by default.
    fn search_name(&self, _name: &str, _out: &mut Vec<Finding>) {}

    /// Appends to `out` the byte ranges of `text` (a whole decoded file)
    /// where something may be found, and returns true; a piece of `text`
    /// that no range touches then yields nothing when searched on its own.
    /// Returns false (the default) when this search cannot tell, and every
    /// piece must be searched.
    fn candidates(&self, _text: &str, _out: &mut Vec<std::ops::Range<usize>>) -> bool {
        false
    }

    /// True to search the text strings of binary files (runs of printable
    /// text, as `strings` prints them). False by default: `scan` skips
    /// binary files; `find` looks for a subject in them too.
    fn search_binary(&self) -> bool {
        false
    }

    /// Searches one window of a streamed text (located from line 1,
    /// column 1) and appends what `place` keeps, at the location it gives:
    /// `place` drops what lies in the window's overlaps (see
    /// [`crate::stream::Body`]). By default [`Search::search`] then
    /// `place`; [`Detectors`] also counts `snoka:allow` suppressions only
    /// for what `place` keeps, so a line in an overlap counts once.
    fn search_window(&self, text: &str, place: &Place<'_>, out: &mut Vec<Finding>) {
        let before = out.len();
        self.search(&Location::Line { line: 1, column: 1 }, "", text, out);
        let found: Vec<Finding> = out.drain(before..).collect();
        out.extend(found.into_iter().filter_map(|mut f| {
            f.location = place(&f.location)?;
            Some(f)
        }));
    }
}

/// The detectors of an [`Engine`], keeping findings that pass the options'
/// confidence and kinds: what `snoka scan` searches with.
pub struct Detectors<'a> {
    engine: &'a Engine,
    min_confidence: Confidence,
    kinds: &'a [Kind],
    /// Findings dropped because their line holds [`ALLOW_MARKER`].
    allowed: std::sync::atomic::AtomicUsize,
}

thread_local! {
    /// [`Detectors::allowed`] counted on this thread only.
    static ALLOWED_HERE: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// How many findings a `snoka:allow` line suppressed on this thread so far
/// (by any [`Detectors`]). A file is scanned on one thread, so the
/// difference before and after [`scan_file_with`] is that file's count
/// (kept by the cache with the file's reports).
pub fn allowed_on_this_thread() -> usize {
    ALLOWED_HERE.with(std::cell::Cell::get)
}

/// A line holding this text reports nothing (fixtures that must contain
/// fake numbers): `811218-9876 # snoka:allow`.
pub const ALLOW_MARKER: &str = "snoka:allow";

impl<'a> Detectors<'a> {
    /// The engine's detectors, filtered by `opts`.
    pub fn new(engine: &'a Engine, opts: &'a ScanOptions) -> Detectors<'a> {
        Detectors {
            engine,
            min_confidence: opts.min_confidence,
            kinds: &opts.kinds,
            allowed: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    /// How many findings a `snoka:allow` line suppressed so far.
    pub fn allowed(&self) -> usize {
        self.allowed.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// [`Search::search`], keeping only what `place` (when given) keeps, at
    /// the location it gives; suppressions are counted among those only.
    fn search_placed(&self, at: &Location, label: &str, text: &str, place: Option<&Place<'_>>, out: &mut Vec<Finding>) {
        thread_local! {
            static DETS: std::cell::RefCell<Vec<Detection>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        DETS.with(|d| {
            let mut dets = std::mem::take(&mut *d.borrow_mut());
            dets.clear();
            let before = out.len();
            find_located(self.engine, self.min_confidence, self.kinds, at, label, text, &mut dets, out);
            *d.borrow_mut() = dets;
            if out.len() == before {
                return;
            }
            let marked = memchr::memmem::find(text.as_bytes(), ALLOW_MARKER.as_bytes()).is_some();
            if !marked && place.is_none() {
                return;
            }
            let mut kept = Vec::with_capacity(out.len() - before);
            let mut dropped = 0;
            for mut f in out.drain(before..) {
                // Located within `text` here, as `allowed_line` needs.
                let placed = match place {
                    Some(place) => place(&f.location),
                    None => Some(f.location.clone()),
                };
                let Some(placed) = placed else { continue };
                if marked && allowed_line(text, f.value(), &f.location) {
                    dropped += 1;
                } else {
                    f.location = placed;
                    kept.push(f);
                }
            }
            out.extend(kept);
            if dropped > 0 {
                self.allowed.fetch_add(dropped, std::sync::atomic::Ordering::Relaxed);
                ALLOWED_HERE.with(|n| n.set(n.get() + dropped));
            }
        });
    }
}

impl Search for Detectors<'_> {
    fn candidates(&self, text: &str, out: &mut Vec<std::ops::Range<usize>>) -> bool {
        // User rules may anchor at a field's edges; only the built-in ones
        // are known to find the same candidates in the whole file.
        if !self.engine.is_builtin_only() {
            return false;
        }
        self.engine.candidates(text, out);
        true
    }

    fn search(&self, at: &Location, label: &str, text: &str, out: &mut Vec<Finding>) {
        self.search_placed(at, label, text, None, out);
    }

    fn search_window(&self, text: &str, place: &Place<'_>, out: &mut Vec<Finding>) {
        self.search_placed(&Location::Line { line: 1, column: 1 }, "", text, Some(place), out);
    }
}

/// True when the line of `text` that holds finding `value` at `location`
/// also holds [`ALLOW_MARKER`]. Units without lines (a cell, a paragraph)
/// count as one line.
fn allowed_line(text: &str, value: &str, location: &Location) -> bool {
    // Line-bearing locations count lines within `text` (see `find_located`).
    let line_no = match location {
        Location::Line { line, .. } | Location::Page { line, .. } | Location::Body { line, .. } => Some(*line),
        _ => None,
    };
    match line_no {
        Some(n) => text
            .lines()
            .nth(usize::try_from(n.saturating_sub(1)).unwrap_or(usize::MAX))
            .is_some_and(|l| l.contains(ALLOW_MARKER) && l.contains(value)),
        None => text.contains(ALLOW_MARKER),
    }
}

/// Scans every walked item on the current rayon pool and returns the
/// reports (files and their members) sorted by path and member.
pub fn scan(items: Vec<WalkItem>, engine: &Engine, opts: &ScanOptions) -> Vec<FileReport> {
    scan_with(items, &Detectors::new(engine, opts), opts)
}

/// [`scan`] with any [`Search`].
pub fn scan_with(items: Vec<WalkItem>, search: &dyn Search, opts: &ScanOptions) -> Vec<FileReport> {
    scan_items(items, search, opts, &|job: &FileJob| scan_file_with(job, search, opts))
}

/// [`scan_with`], getting the reports of each file to scan from `per_file`
/// (which may scan it with [`scan_file_with`] or take them from elsewhere,
/// see [`crate::cache`]). Files not started when a stop is requested, and
/// what the walk skipped or failed on, are handled here as in [`scan_with`].
pub fn scan_items(
    items: Vec<WalkItem>,
    search: &dyn Search,
    opts: &ScanOptions,
    per_file: &(dyn Fn(&FileJob) -> Vec<FileReport> + Sync),
) -> Vec<FileReport> {
    let mut reports = Vec::new();
    scan_items_into(items, search, opts, per_file, &mut |mut r| reports.append(&mut r));
    reports
}

/// What [`scan_items_into`] hands each walked item's reports to.
pub type Emit<'a> = dyn FnMut(Vec<FileReport>) + Send + 'a;

/// [`scan_items`], handing each walked item's reports (the file's own,
/// then its members, sorted by member) to `emit` as soon as it and every
/// item before it are done, in path order, instead of collecting them: a
/// caller that writes and drops them holds only the files in flight.
///
/// Workers take items in order (so the reports waiting for a slow file are
/// only those of the files finished meanwhile); `emit` runs on a worker,
/// one call at a time.
pub fn scan_items_into(
    mut items: Vec<WalkItem>,
    search: &dyn Search,
    opts: &ScanOptions,
    per_file: &(dyn Fn(&FileJob) -> Vec<FileReport> + Sync),
    emit: &mut Emit<'_>,
) {
    use std::collections::BTreeMap;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};
    items.sort_by(|a, b| a.path().cmp(b.path()));
    let total_bytes: u64 = items.iter().map(|i| if let WalkItem::File(job) = i { job.size } else { 0 }).sum();
    let total_files = items.len();
    let pb = progress_bar(total_bytes, opts.progress);
    let (done, failed) = (AtomicUsize::new(0), AtomicUsize::new(0));
    // Finished items waiting for an earlier one, and the next to emit.
    type Waiting = BTreeMap<usize, Vec<FileReport>>;
    let order: Mutex<(Waiting, usize, &mut Emit<'_>)> = Mutex::new((BTreeMap::new(), 0, emit));
    items.into_iter().enumerate().par_bridge().for_each(|(i, item)| {
        let size = if let WalkItem::File(job) = &item { job.size } else { 0 };
        let mut out = match item {
            WalkItem::File(job) if stop_requested() => {
                vec![report(&job.path, FileStatus::Skipped(NOT_STARTED.into()), 0)]
            }
            WalkItem::File(job) => per_file(&job),
            WalkItem::Skipped { path, reason } => named(&path, FileStatus::Skipped(reason), search),
            WalkItem::Failed { path, message } => named(&path, FileStatus::Failed(message), search),
        };
        // The file's own report (member "") first, then its members.
        out.sort_by(|a, b| a.member.cmp(&b.member));
        if !pb.is_hidden() {
            let bad = out.iter().filter(|r| matches!(r.status, FileStatus::Failed(_))).count();
            let f = failed.fetch_add(bad, Ordering::Relaxed) + bad;
            let d = done.fetch_add(1, Ordering::Relaxed) + 1;
            pb.inc(size);
            pb.set_message(format!("{d}/{total_files} files, {f} failed"));
        }
        // A panic in `emit` poisons the lock; the reports are then lost,
        // as they would be with the panic itself.
        let Ok(mut guard) = order.lock() else { return };
        let (pending, next, emit) = &mut *guard;
        pending.insert(i, out);
        while let Some(ready) = pending.remove(next) {
            emit(ready);
            *next += 1;
        }
    });
    pb.finish_and_clear();
}

/// The report of a file that was not read, with what its name mentions.
fn named(path: &Path, status: FileStatus, search: &dyn Search) -> Vec<FileReport> {
    let meta = std::fs::symlink_metadata(path).ok();
    let mut r = report(path, status, meta.as_ref().filter(|m| m.is_file()).map_or(0, |m| m.len()));
    r.modified = meta.and_then(|m| m.modified().ok());
    search.search_name(&path.to_string_lossy(), &mut r.findings);
    vec![r]
}

fn progress_bar(len: u64, enabled: bool) -> ProgressBar {
    if !enabled {
        return ProgressBar::hidden();
    }
    // Drawn only when stderr is a terminal (indicatif hides it otherwise).
    let pb = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    let template =
        "{spinner} {bytes}/{total_bytes} {binary_bytes_per_sec} [{elapsed_precise}, ETA {eta}] {wide_bar} {msg}";
    if let Ok(style) = ProgressStyle::with_template(template) {
        pb.set_style(style);
    }
    pb
}

fn report(path: &Path, status: FileStatus, bytes: u64) -> FileReport {
    FileReport {
        path: path.to_path_buf(),
        member: String::new(),
        status,
        bytes,
        format: "",
        modified: None,
        findings: Vec::new(),
    }
}

/// Scans one file and its members. Never panics and never fails the scan:
/// every problem is a report's status. The file's own report comes first.
pub fn scan_file(job: &FileJob, engine: &Engine, opts: &ScanOptions) -> Vec<FileReport> {
    scan_file_with(job, &Detectors::new(engine, opts), opts)
}

/// [`scan_file`] with any [`Search`].
pub fn scan_file_with(job: &FileJob, search: &dyn Search, opts: &ScanOptions) -> Vec<FileReport> {
    scan_file_reusing(job, search, opts, None)
}

/// What [`scan_file_reusing`] offers a file's content to.
pub enum Content<'b> {
    /// All of the file's bytes, read before the scan.
    Whole(&'b [u8]),
    /// The SHA-256 of all the bytes of a file streamed in chunks (a large
    /// text or CSV file), computed while it was scanned.
    Digest([u8; 32]),
}

/// What [`scan_file_reusing`] offers a file's content and modification
/// time to: reports to use instead of the scan's, or `None`.
pub type Reuse<'a> = dyn FnMut(Content<'_>, Option<std::time::SystemTime>) -> Option<Vec<FileReport>> + 'a;

/// [`scan_file_with`], offering the file's content and modification time
/// to `reuse`: reports it returns are the file's. A file read whole is
/// offered its bytes before the scan (nothing is scanned when reports come
/// back); a streamed file (text or CSV over [`stream::THRESHOLD`]) is
/// offered the digest of its bytes after the scan, since it is never held
/// whole. The incremental cache ([`crate::cache`]) hashes the content
/// here, so a file is read only once.
pub fn scan_file_reusing(
    job: &FileJob,
    search: &dyn Search,
    opts: &ScanOptions,
    mut reuse: Option<&mut Reuse<'_>>,
) -> Vec<FileReport> {
    let fail = |e: std::io::Error| failed(&job.path, e, search);
    let (mut f, len, modified) = match open_read_only(&job.path).and_then(|f| {
        let meta = f.metadata()?;
        Ok((f, meta.len(), meta.modified().ok()))
    }) {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    test_read_delay();
    let chunk = stream_chunk();
    let threshold = 2 * chunk as u64;
    let mut limit = opts.max_filesize;
    let mut bytes = Vec::new();
    if len > threshold.min(opts.max_filesize) {
        // Too large to read whole without a look: the head decides whether
        // the file is streamed (text, CSV: whatever their size) or skipped
        // for its size (other formats).
        if let Err(e) = (&mut f).take(SNIFF_HEAD).read_to_end(&mut bytes) {
            return fail(e);
        }
        let format = extract::sniff(&job.path.to_string_lossy(), &bytes);
        if matches!(format, Format::Text | Format::Csv) {
            if len > threshold {
                return scan_streamed(job, f, bytes, format, search, opts, chunk, modified, reuse);
            }
            limit = limit.max(threshold);
        } else if len > opts.max_filesize {
            let why = format!(
                "larger than --max-filesize ({} > {})",
                bytesize::ByteSize(len).display().iec(),
                bytesize::ByteSize(opts.max_filesize).display().iec()
            );
            return named(&job.path, FileStatus::Skipped(why), search);
        }
    }
    match read_limited(&mut f, limit.saturating_sub(bytes.len() as u64)) {
        Ok(rest) if bytes.is_empty() => bytes = rest,
        Ok(rest) => bytes.extend_from_slice(&rest),
        Err(e) => return named(&job.path, FileStatus::Failed(e.to_string()), search),
    }
    if bytes.len() as u64 > limit {
        let why = "larger than --max-filesize (grew while scanned)";
        return named(&job.path, FileStatus::Skipped(why.into()), search);
    }
    if let Some(reuse) = reuse.as_mut()
        && let Some(reports) = reuse(Content::Whole(&bytes), modified)
    {
        return reports;
    }
    let mut reports = scan_bytes_with(&job.path, &bytes, search, opts);
    if let Some(top) = reports.first_mut() {
        top.modified = modified;
    }
    reports
}

/// The report of a file whose read failed with `e`.
fn failed(path: &Path, e: std::io::Error, search: &dyn Search) -> Vec<FileReport> {
    named(path, FileStatus::Failed(ExtractError::from(e).to_string()), search)
}

/// Bytes read from the start of a large file to decide its format.
const SNIFF_HEAD: u64 = 64 << 10;

/// The chunk size for streaming: [`stream::CHUNK`], or for tests the value
/// of the environment variable `SNOKA_TEST_CHUNK_BYTES` (read once; files
/// over twice that are then streamed in chunks that small).
#[doc(hidden)]
pub fn stream_chunk() -> usize {
    static CHUNK: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CHUNK.get_or_init(|| {
        std::env::var("SNOKA_TEST_CHUNK_BYTES")
            .ok()
            .and_then(|v| v.parse::<usize>().ok())
            .filter(|&n| n > 0)
            .unwrap_or(stream::CHUNK)
    })
}

/// Scans a large text or CSV file (open as `f`, its first bytes `head`
/// already read) in chunks of `chunk` bytes; see [`crate::stream`].
#[allow(clippy::too_many_arguments)]
fn scan_streamed(
    job: &FileJob,
    f: File,
    head: Vec<u8>,
    format: Format,
    search: &dyn Search,
    opts: &ScanOptions,
    chunk: usize,
    modified: Option<std::time::SystemTime>,
    reuse: Option<&mut Reuse<'_>>,
) -> Vec<FileReport> {
    let dec = match stream::Decoding::new(f, head, chunk, reuse.is_some()) {
        Ok(d) => d,
        Err(e) => return failed(&job.path, e, search),
    };
    let (mut reports, end) = run_stream(&job.path, job.size, dec, format, search, opts, chunk);
    if let Some(end) = end {
        if let Some(e) = end.error {
            return failed(&job.path, e, search);
        }
        if let Some(top) = reports.first_mut() {
            top.bytes = end.bytes;
        }
        if let (Some(reuse), Some(d), Some(FileStatus::Scanned)) =
            (reuse, end.digest, reports.first().map(|r| &r.status))
            && let Some(reused) = reuse(Content::Digest(d), modified)
        {
            return reused;
        }
    }
    if let Some(top) = reports.first_mut() {
        top.modified = modified;
    }
    reports
}

/// How a streamed file's read ended: bytes read, their digest (when asked
/// for), and the read error that ended it early (the file then fails, as
/// one read whole does).
struct StreamEnd {
    bytes: u64,
    digest: Option<[u8; 32]>,
    error: Option<std::io::Error>,
}

/// [`run_file`] for a streamed file: `dec` is `None` when the file is
/// binary (its report says so; how its read ended is then `None`).
fn run_stream<R: Read>(
    path: &Path,
    size: u64,
    dec: Option<stream::Decoding<R>>,
    format: Format,
    search: &dyn Search,
    opts: &ScanOptions,
    chunk: usize,
) -> (Vec<FileReport>, Option<StreamEnd>) {
    let mut fs = FileScan::new(path, size, search, opts, None);
    let name = path.to_string_lossy();
    search.search_name(&name, &mut fs.current.findings);
    fs.current.format = format.name();
    let Some(mut dec) = dec else {
        fs.current.status = FileStatus::Skipped("binary".into());
        return (vec![fs.current], None);
    };
    let mut error = None;
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let result = match format {
            Format::Csv => stream::csv_records(&mut dec, chunk, &mut fs),
            _ => fs.stream_text(&mut dec, chunk),
        };
        match result {
            Ok(()) => {}
            Err(ExtractError::Io(e)) => error = Some(e),
            Err(e) => fs.current.status = e.status(),
        }
    }));
    if outcome.is_err() {
        fs.current = report(path, FileStatus::Failed(ExtractError::Panic.to_string()), size);
        search.search_name(&name, &mut fs.current.findings);
    }
    let mut top = fs.current;
    top.findings.sort_by(|a, b| (&a.location, a.kind).cmp(&(&b.location, b.kind)));
    top.findings.shrink_to_fit();
    let bytes = dec.bytes;
    (vec![top], Some(StreamEnd { bytes, digest: dec.digest(), error }))
}

/// Scans a file's content (already read) as if it were at `path`.
pub fn scan_bytes(path: &Path, bytes: &[u8], engine: &Engine, opts: &ScanOptions) -> Vec<FileReport> {
    scan_bytes_with(path, bytes, &Detectors::new(engine, opts), opts)
}

/// [`scan_bytes`] with any [`Search`].
pub fn scan_bytes_with(path: &Path, bytes: &[u8], search: &dyn Search, opts: &ScanOptions) -> Vec<FileReport> {
    run_file(path, bytes, search, opts, None, None).0
}

/// [`scan_bytes`] with the format forced instead of sniffed: the bytes go to
/// `format`'s extractor whatever they hold, through the same sink, limits
/// and panic isolation as a scan. For fuzzing every extractor with
/// arbitrary bytes; members found inside are still sniffed.
pub fn scan_bytes_as(
    path: &Path,
    format: Format,
    bytes: &[u8],
    engine: &Engine,
    opts: &ScanOptions,
) -> Vec<FileReport> {
    run_file(path, bytes, &Detectors::new(engine, opts), opts, None, Some(format)).0
}

/// The bytes of the members of `bytes` (a file at `path`) whose member
/// names are in `wanted`, extracted as a scan would (same limits), with
/// their member names. Used to copy matched archive members out.
pub fn extract_members(
    path: &Path,
    bytes: &[u8],
    wanted: &std::collections::HashSet<String>,
    opts: &ScanOptions,
) -> Vec<(String, Vec<u8>)> {
    struct Nothing;
    impl Search for Nothing {
        fn search(&self, _: &Location, _: &str, _: &str, _: &mut Vec<Finding>) {}
    }
    run_file(path, bytes, &Nothing, opts, Some(wanted), None).1
}

type Captured = Vec<(String, Vec<u8>)>;

fn run_file(
    path: &Path,
    bytes: &[u8],
    search: &dyn Search,
    opts: &ScanOptions,
    capture: Option<&std::collections::HashSet<String>>,
    forced: Option<Format>,
) -> (Vec<FileReport>, Captured) {
    let mut fs = FileScan::new(path, bytes.len() as u64, search, opts, capture);
    let name = path.to_string_lossy();
    search.search_name(&name, &mut fs.current.findings);
    let outcome = catch_unwind(AssertUnwindSafe(|| match forced {
        Some(format) => fs.run_as(&name, bytes, format),
        None => fs.run(&name, bytes),
    }));
    if outcome.is_err() {
        // The panic may have left a member half done: keep what finished,
        // and mark the file itself.
        fs.current = report(path, FileStatus::Failed(ExtractError::Panic.to_string()), bytes.len() as u64);
        search.search_name(&name, &mut fs.current.findings);
        fs.done.retain(|r| !r.member.is_empty());
    }
    let mut out = Vec::with_capacity(fs.done.len() + 1);
    let mut top = fs.current;
    top.findings.sort_by(|a, b| (&a.location, a.kind).cmp(&(&b.location, b.kind)));
    out.push(top);
    out.append(&mut fs.done);
    // Reports are held until the whole scan is written: no spare capacity.
    for r in &mut out {
        r.findings.shrink_to_fit();
    }
    (out, fs.captured)
}

/// Opens `path` read-only, without updating its access time where the
/// system allows it (`O_NOATIME` on Linux, permitted for the file's owner
/// and root; anyone else falls back to a plain read-only open). A scan
/// leaves no trace on the files it reads.
pub fn open_read_only(path: &Path) -> std::io::Result<File> {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::OpenOptionsExt;
        if let Ok(f) = std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NOATIME).open(path) {
            return Ok(f);
        }
    }
    File::open(path)
}

/// Reads at most `limit + 1` bytes from `r`. A read error part-way (an I/O
/// error on a failing disk or share) fails the whole file: what was read
/// before it is dropped, never reported as if it were the file.
fn read_limited(r: impl Read, limit: u64) -> Result<Vec<u8>, ExtractError> {
    let mut buf = Vec::new();
    r.take(limit.saturating_add(1)).read_to_end(&mut buf)?;
    Ok(buf)
}

/// For tests of files that change while they are scanned: when the
/// environment variable `SNOKA_TEST_READ_DELAY_MS` is set (read once), each
/// file is held open that long between opening it and reading it, so a
/// test can delete or truncate it in that window. Unset, this does nothing.
fn test_read_delay() {
    static DELAY: std::sync::OnceLock<Option<std::time::Duration>> = std::sync::OnceLock::new();
    let delay = DELAY.get_or_init(|| {
        let ms = std::env::var("SNOKA_TEST_READ_DELAY_MS").ok()?.parse::<u64>().ok()?;
        Some(std::time::Duration::from_millis(ms.min(60_000)))
    });
    if let Some(d) = delay {
        std::thread::sleep(*d);
    }
}

/// The state of scanning one top-level file: the report being filled (the
/// file's or the current member's), finished member reports, and what is
/// left of the limits.
struct FileScan<'a> {
    search: &'a dyn Search,
    opts: &'a ScanOptions,
    path: &'a Path,
    deadline: Instant,
    /// Bytes that may still be decompressed from this top-level file.
    budget: u64,
    /// Container nesting of `current` (0 for the file itself).
    depth: u32,
    /// Members dispatched so far from the container being read.
    members_here: usize,
    current: FileReport,
    done: Vec<FileReport>,
    /// Sink calls so far, to read the clock only now and then.
    calls: u64,
    /// Set once the deadline has passed: every later call fails.
    expired: bool,
    /// Member names whose bytes to keep (see [`extract_members`]).
    capture: Option<&'a std::collections::HashSet<String>>,
    captured: Captured,
}

impl<'a> FileScan<'a> {
    /// The state for a top-level file of `size` bytes at `path`.
    fn new(
        path: &'a Path,
        size: u64,
        search: &'a dyn Search,
        opts: &'a ScanOptions,
        capture: Option<&'a std::collections::HashSet<String>>,
    ) -> FileScan<'a> {
        FileScan {
            search,
            opts,
            path,
            deadline: Instant::now() + opts.limits.timeout,
            budget: opts.limits.max_total,
            depth: 0,
            members_here: 0,
            current: report(path, FileStatus::Scanned, size),
            done: Vec::new(),
            calls: 0,
            expired: false,
            capture,
            captured: Vec::new(),
        }
    }

    /// Searches a streamed plain-text file window by window (see
    /// [`crate::stream`]), keeping the findings that start in each
    /// window's body, placed in the file.
    fn stream_text<R: Read>(&mut self, dec: &mut stream::Decoding<R>, chunk: usize) -> Result<(), ExtractError> {
        stream::text_windows(dec, chunk, |window, body| {
            stream::ChunkSink::next_chunk(self)?;
            self.search.search_window(window, &|at| body.place(at), &mut self.current.findings);
            if self.current.findings.len() > MAX_FINDINGS {
                self.current.findings.truncate(MAX_FINDINGS);
                return Err(too_many_findings());
            }
            Ok(())
        })
    }

    /// Sniffs and extracts `bytes` into the current report, setting its
    /// status from the outcome.
    fn run(&mut self, name: &str, bytes: &[u8]) {
        let format = extract::sniff(name, bytes);
        self.run_as(name, bytes, format);
    }

    /// Extracts `bytes` as `format` into the current report.
    fn run_as(&mut self, name: &str, bytes: &[u8], format: Format) {
        self.current.format = format.name();
        if let Format::Binary(what) = format {
            let why = if what == "binary" { "binary".to_string() } else { format!("binary ({what})") };
            self.current.status = FileStatus::Skipped(why);
            self.strings(bytes);
            return;
        }
        if let Err(e) = extract::extract(format, name, bytes, self) {
            self.current.status = match e {
                ExtractError::Unsupported(what) if what == "binary" => {
                    self.strings(bytes);
                    FileStatus::Skipped(what)
                }
                e => e.status(),
            };
        }
    }

    /// For a [`Search`] that wants them, searches the text strings of a
    /// binary file: runs of at least [`MIN_STRING`] printable characters
    /// (ASCII or UTF-8), each located by its byte offset. The file stays
    /// `skipped: binary`; its reason says that only strings were read.
    fn strings(&mut self, bytes: &[u8]) {
        if !self.search.search_binary() {
            return;
        }
        let mut i = 0;
        while i < bytes.len() {
            let start = i;
            let mut chars = 0;
            while i < bytes.len() {
                let b = bytes[i];
                let len = if (0x20..0x7F).contains(&b) || b == b'\t' {
                    1
                } else if b >= 0xC2 {
                    let n = if b >= 0xF0 {
                        4
                    } else if b >= 0xE0 {
                        3
                    } else {
                        2
                    };
                    match bytes.get(i..i + n).map(std::str::from_utf8) {
                        Some(Ok(_)) => n,
                        _ => 0,
                    }
                } else {
                    0
                };
                if len == 0 {
                    break;
                }
                i += len;
                chars += 1;
            }
            if chars >= MIN_STRING {
                if self.check_time().is_err() {
                    return;
                }
                if let Ok(text) = std::str::from_utf8(&bytes[start..i]) {
                    let at = Location::Offset { offset: start as u64 };
                    self.search.search(&at, "", text, &mut self.current.findings);
                }
            }
            i = i.max(start + 1);
        }
        if let FileStatus::Skipped(why) = &mut self.current.status {
            why.push_str("; its text strings were searched");
        }
    }

    fn check_time(&mut self) -> Result<(), ExtractError> {
        // Reading the clock for each of a million cells costs 4 % of a CSV
        // scan; every 64th call is often enough for a limit in seconds.
        self.calls = self.calls.wrapping_add(1);
        if self.calls % 64 != 1 && !self.expired {
            return Ok(());
        }
        if stop_requested() {
            return Err(ExtractError::Interrupted);
        }
        if self.expired || Instant::now() > self.deadline {
            self.expired = true;
            return Err(ExtractError::Timeout(self.opts.limits.timeout.as_secs()));
        }
        Ok(())
    }

    /// The member column for `name` inside the current report. Control
    /// characters (a name is written by whoever made the archive, and is
    /// printed on terminals) become `_`, and very long names are cut.
    fn member_name(&self, name: &str) -> String {
        let clean: String = name.chars().take(MAX_MEMBER_NAME).map(|c| if c.is_control() { '_' } else { c }).collect();
        if self.current.member.is_empty() { clean } else { format!("{}!{clean}", self.current.member) }
    }

    /// Counts one more member of the current container against the limits
    /// that do not depend on its size.
    fn admit(&mut self) -> Result<(), ExtractError> {
        self.check_time()?;
        self.members_here += 1;
        if self.members_here > self.opts.limits.max_members {
            return Err(ExtractError::Limit(format!(
                "more than {} members in one archive (--max-members)",
                self.opts.limits.max_members
            )));
        }
        Ok(())
    }

    /// Scans a member's bytes as its own report, one level deeper.
    fn nested(&mut self, name: &str, bytes: &[u8]) {
        let member = self.member_name(name);
        if let Some(wanted) = self.capture
            && wanted.contains(&member)
        {
            self.captured.push((member.clone(), bytes.to_vec()));
        }
        let mut child = FileReport {
            path: self.path.to_path_buf(),
            member,
            status: FileStatus::Scanned,
            bytes: bytes.len() as u64,
            format: "",
            modified: None,
            findings: Vec::new(),
        };
        self.search.search_name(name, &mut child.findings);
        let parent = std::mem::replace(&mut self.current, child);
        let members = std::mem::replace(&mut self.members_here, 0);
        self.depth += 1;
        self.run(name, bytes);
        self.depth -= 1;
        self.members_here = members;
        let mut child = std::mem::replace(&mut self.current, parent);
        child.findings.sort_by(|a, b| (&a.location, a.kind).cmp(&(&b.location, b.kind)));
        self.done.push(child);
    }

    fn push_status(&mut self, name: &str, status: FileStatus) {
        let member = self.member_name(name);
        self.done.push(FileReport {
            path: self.path.to_path_buf(),
            member,
            status,
            bytes: 0,
            format: "",
            modified: None,
            findings: Vec::new(),
        });
    }

    fn too_deep(&self) -> Option<FileStatus> {
        (self.depth >= self.opts.limits.max_depth).then(|| {
            FileStatus::Skipped(format!("nested deeper than {} containers (--max-depth)", self.opts.limits.max_depth))
        })
    }
}

/// Findings kept for one file or member. Each takes a few hundred bytes;
/// a file with more is a register whose every row is personal data, and
/// listing it is more useful than holding gigabytes of rows.
pub const MAX_FINDINGS: usize = 500_000;

/// Shortest run of printable characters searched in a binary file.
const MIN_STRING: usize = 6;

/// Longest member name kept, in characters.
const MAX_MEMBER_NAME: usize = 512;

/// The limit reached when a file holds more than [`MAX_FINDINGS`].
fn too_many_findings() -> ExtractError {
    ExtractError::Limit(format!(
        "more than {MAX_FINDINGS} findings in one file; the first {MAX_FINDINGS} are reported, the rest of the file was not searched"
    ))
}

impl stream::ChunkSink for FileScan<'_> {
    /// The time limit applies to each chunk of a streamed file: its work
    /// grows with its size, which no limit in seconds fits.
    fn next_chunk(&mut self) -> Result<(), ExtractError> {
        if stop_requested() {
            return Err(ExtractError::Interrupted);
        }
        if self.expired || Instant::now() > self.deadline {
            self.expired = true;
            return Err(ExtractError::Timeout(self.opts.limits.timeout.as_secs()));
        }
        self.deadline = Instant::now() + self.opts.limits.timeout;
        Ok(())
    }
}

/// A possible-zip-bomb status for `why`.
fn bomb(why: String) -> ExtractError {
    ExtractError::Limit(format!("possible zip bomb: {why}"))
}

impl Sink for FileScan<'_> {
    fn text(&mut self, at: Location, label: &str, text: &str) -> Result<(), ExtractError> {
        self.check_time()?;
        self.search.search(&at, label, text, &mut self.current.findings);
        if self.current.findings.len() > MAX_FINDINGS {
            self.current.findings.truncate(MAX_FINDINGS);
            return Err(too_many_findings());
        }
        Ok(())
    }

    fn candidates(&mut self, text: &str, out: &mut Vec<std::ops::Range<usize>>) -> bool {
        self.search.candidates(text, out)
    }

    fn charge(&mut self, declared: u64, compressed: Option<u64>) -> Result<(), ExtractError> {
        self.check_time()?;
        let limits = &self.opts.limits;
        if let Some(c) = compressed
            && declared > Limits::RATIO_FLOOR
            && declared / c.max(1) > limits.max_ratio
        {
            return Err(bomb(format!(
                "compression ratio {}:1 > {}:1 (--max-ratio)",
                declared / c.max(1),
                limits.max_ratio
            )));
        }
        if declared > self.budget {
            return Err(bomb(format!(
                "more than {} decompressed from one file (--max-decompressed)",
                bytesize::ByteSize(limits.max_total).display().iec()
            )));
        }
        self.budget -= declared;
        Ok(())
    }

    fn member(
        &mut self,
        name: &str,
        reader: &mut dyn Read,
        declared: Option<u64>,
        compressed: Option<u64>,
    ) -> Result<(), ExtractError> {
        self.admit()?;
        if let Some(status) = self.too_deep() {
            self.push_status(name, status);
            return Ok(());
        }
        let limits = &self.opts.limits;
        // A member stored as is (a tar entry: no compressed size) is a
        // slice of bytes already in memory, not decompressed: it is not
        // charged, only bounded by its declared size.
        if compressed.is_none() {
            let cap = declared.unwrap_or(self.budget);
            let mut bytes = Vec::new();
            if let Err(e) = reader.take(cap.saturating_add(1)).read_to_end(&mut bytes) {
                self.push_status(name, ExtractError::corrupt("archive member", e).status());
                return Ok(());
            }
            self.nested(name, &bytes);
            return Ok(());
        }
        // The most this member may decompress to: what is left of the
        // budget, its declared size, and the ratio limit.
        let mut cap = self.budget;
        if let Some(d) = declared {
            if let Err(e) = self.charge(d, compressed) {
                self.push_status(name, e.status());
                return Ok(());
            }
            self.budget += d; // charged again below with the real size
            cap = cap.min(d);
        }
        if let Some(c) = compressed {
            cap = cap.min(c.saturating_mul(limits.max_ratio).max(Limits::RATIO_FLOOR));
        }
        let mut bytes = Vec::new();
        if let Err(e) = reader.take(cap.saturating_add(1)).read_to_end(&mut bytes) {
            let status = ExtractError::corrupt("archive member", e).status();
            self.push_status(name, status);
            return Ok(());
        }
        if bytes.len() as u64 > cap {
            let why = if cap == self.budget {
                format!(
                    "more than {} decompressed from one file (--max-decompressed)",
                    bytesize::ByteSize(limits.max_total).display().iec()
                )
            } else {
                format!("decompresses to more than {} (--max-ratio)", bytesize::ByteSize(cap).display().iec())
            };
            self.push_status(name, bomb(why).status());
            return Ok(());
        }
        self.budget -= bytes.len() as u64;
        self.nested(name, &bytes);
        Ok(())
    }

    fn member_bytes(&mut self, name: &str, bytes: &[u8]) -> Result<(), ExtractError> {
        self.admit()?;
        if let Some(status) = self.too_deep() {
            self.push_status(name, status);
            return Ok(());
        }
        // Decoded or decompressed by the extractor (a mail attachment, a
        // PDF's embedded file): it counts against the budget.
        if let Err(e) = self.charge(bytes.len() as u64, None) {
            self.push_status(name, e.status());
            return Ok(());
        }
        self.nested(name, bytes);
        Ok(())
    }

    fn member_status(&mut self, name: &str, status: FileStatus) {
        self.push_status(name, status);
    }
}

/// Runs the detectors over `text` at `at` (with `label` as context) and
/// appends the findings that pass the options to `out`. `dets` is scratch.
#[allow(clippy::too_many_arguments)]
fn find_located(
    engine: &Engine,
    min_confidence: Confidence,
    kinds: &[Kind],
    at: &Location,
    label: &str,
    text: &str,
    dets: &mut Vec<Detection>,
    out: &mut Vec<Finding>,
) {
    if !engine.has_generic_rules() && !might_hold_value(text) {
        return;
    }
    let mut joined = JOINED.with(|j| std::mem::take(&mut *j.borrow_mut()));
    let (hay, offset) = if label.is_empty() {
        (text, 0)
    } else {
        joined.clear();
        joined.extend(label.chars().map(|c| if c == '\n' || c == '\r' { ' ' } else { c }));
        joined.push('\n');
        joined.push_str(text);
        (joined.as_str(), joined.len() - text.len())
    };
    engine.detect(hay, dets);
    dets.retain(|d| {
        d.span.start >= offset
            && Confidence::from_score(d.score) >= min_confidence
            && (kinds.is_empty() || kinds.contains(&d.kind))
    });
    dets.sort_by_key(|d| d.span.start);
    let multi_line = matches!(at, Location::Line { .. } | Location::Page { .. } | Location::Body { .. });
    let mut cursor = LineCursor::new(text);
    for d in dets.drain(..) {
        let span = d.span.start - offset..d.span.end - offset;
        let value = &text[span.clone()];
        let location = if multi_line {
            let (line, column) = cursor.line_column(span.start);
            at.at_line(line, column)
        } else {
            at.clone()
        };
        out.push(Finding {
            kind: d.kind,
            rule: d.rule,
            location,
            texts: Texts::new(
                value,
                &d.normalized,
                &d.mask_value.apply(value),
                &d.mask_normalized.apply(&d.normalized),
            ),
            score: d.score,
            reason: crate::model::intern(&d.reason),
            subject: None,
            context: None,
        });
    }
    JOINED.with(|j| *j.borrow_mut() = joined);
}

thread_local! {
    /// Scratch for `label + "\n" + text`, reused across the many small
    /// texts of a spreadsheet or CSV file.
    static JOINED: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// False when `text` cannot hold any value the built-in validators accept
/// (user rules with generic validators may match anything): every kind needs
/// an ASCII digit, a full-width digit (lead byte 0xEF), an `@` or a `:`
/// (an IPv6 address of letters only). A cheap skip for the many short
/// cells and paragraphs without any.
fn might_hold_value(text: &str) -> bool {
    text.bytes().any(|b| b.is_ascii_digit() || b == b'@' || b == b':' || b == 0xEF)
}

/// Runs the detectors over plain text and returns the findings that pass
/// the options, located by line and column, in text order.
pub fn find_in_text(text: &str, engine: &Engine, opts: &ScanOptions) -> Vec<Finding> {
    let mut dets = Vec::new();
    let mut findings = Vec::new();
    let at = Location::Line { line: 1, column: 1 };
    find_located(engine, opts.min_confidence, &opts.kinds, &at, "", text, &mut dets, &mut findings);
    findings.sort_by(|a, b| (&a.location, a.kind).cmp(&(&b.location, b.kind)));
    findings
}

#[cfg(test)]
mod tests {
    use std::io::{Cursor, Write};
    use std::time::Duration;

    use super::*;

    fn engine() -> Engine {
        Engine::builtin().expect("rules")
    }

    fn zip_of(members: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, data) in members {
            let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
            w.start_file(*name, opts).expect("start");
            w.write_all(data).expect("write");
        }
        w.finish().expect("finish").into_inner()
    }

    fn summary(reports: &[FileReport]) -> Vec<(String, String, usize)> {
        reports
            .iter()
            .map(|r| {
                let status = match &r.status {
                    FileStatus::Scanned => "scanned".to_string(),
                    FileStatus::Skipped(w) => format!("skipped: {w}"),
                    FileStatus::Failed(w) => format!("failed: {w}"),
                };
                (r.member.clone(), status, r.findings.len())
            })
            .collect()
    }

    #[test]
    fn reports_are_emitted_in_path_order_while_the_scan_goes_on() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        // Walk order is not path order here; emission must be.
        let names: Vec<String> = (0..40).rev().map(|i| format!("d/{i:02}.txt")).collect();
        let items: Vec<WalkItem> =
            names.iter().map(|n| WalkItem::File(FileJob { path: std::path::PathBuf::from(n), size: 1 })).collect();
        let started = AtomicUsize::new(0);
        let per_file = |job: &FileJob| {
            started.fetch_add(1, Ordering::SeqCst);
            // Every fifth file is slow, so later ones finish first.
            if job.path.to_string_lossy().ends_with("5.txt") {
                std::thread::sleep(Duration::from_millis(20));
            }
            let mut top = report(&job.path, FileStatus::Scanned, 1);
            top.findings = Vec::new();
            let mut member = report(&job.path, FileStatus::Scanned, 1);
            member.member = "z".into();
            // Members may come before the file's own report.
            vec![member, top]
        };
        let (e, opts) = (engine(), ScanOptions { progress: false, ..ScanOptions::new() });
        let search = Detectors::new(&e, &opts);
        let mut emitted: Vec<(std::path::PathBuf, String)> = Vec::new();
        let mut first_emit_after = None;
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().expect("pool");
        pool.install(|| {
            scan_items_into(items, &search, &opts, &per_file, &mut |reports| {
                first_emit_after.get_or_insert(started.load(Ordering::SeqCst));
                assert_eq!(reports.iter().filter(|r| r.member.is_empty()).count(), 1, "one walked item per call");
                emitted.extend(reports.into_iter().map(|r| (r.path, r.member)));
            });
        });
        let mut sorted = emitted.clone();
        sorted.sort();
        assert_eq!(emitted, sorted, "path order, the file's own report first");
        assert_eq!(emitted.len(), 80);
        let first = first_emit_after.expect("something emitted");
        assert!(first < 40, "the first file's reports went out after {first} of 40 started: not streamed");
    }

    #[test]
    fn nested_members_are_named_with_bang() {
        let inner = zip_of(&[("notes/a.txt", b"Personnummer: 811218-9876\n")]);
        let outer = zip_of(&[("inner.zip", &inner), ("b.txt", b"E-post: anna@exempel.se\n")]);
        let reports = scan_bytes(Path::new("x.zip"), &outer, &engine(), &ScanOptions::new());
        assert_eq!(
            summary(&reports),
            vec![
                (String::new(), "scanned".into(), 0),
                ("inner.zip!notes/a.txt".into(), "scanned".into(), 1),
                ("inner.zip".into(), "scanned".into(), 0),
                ("b.txt".into(), "scanned".into(), 1),
            ]
        );
        assert_eq!(reports[1].findings[0].location, Location::Line { line: 1, column: 15 });
    }

    #[test]
    fn depth_limit_skips_deeper_members() {
        let mut z = zip_of(&[("a.txt", b"anna@exempel.se")]);
        for i in 0..3 {
            z = zip_of(&[(&format!("level{i}.zip"), &z)]);
        }
        let mut opts = ScanOptions::new();
        opts.limits.max_depth = 2;
        let reports = scan_bytes(Path::new("deep.zip"), &z, &engine(), &opts);
        let got = summary(&reports);
        assert!(
            got.contains(&(
                "level2.zip!level1.zip!level0.zip".into(),
                "skipped: nested deeper than 2 containers (--max-depth)".into(),
                0
            )),
            "{got:?}"
        );
    }

    #[test]
    fn ratio_and_total_limits_refuse_bombs() {
        let zeros = vec![0u8; 8 << 20];
        let z = zip_of(&[("zeros.bin", &zeros), ("ok.txt", b"anna@exempel.se")]);
        let reports = scan_bytes(Path::new("bomb.zip"), &z, &engine(), &ScanOptions::new());
        let got = summary(&reports);
        assert!(got[1].1.starts_with("skipped: possible zip bomb: compression ratio"), "{got:?}");
        assert_eq!(got[2], ("ok.txt".into(), "scanned".into(), 1), "the scan goes on after a bomb");

        let mut opts = ScanOptions::new();
        opts.limits.max_total = 1000;
        let big = vec![b'a'; 5000];
        let z = zip_of(&[("big.txt", &big)]);
        let got = summary(&scan_bytes(Path::new("big.zip"), &z, &engine(), &opts));
        assert!(got[1].1.contains("--max-decompressed"), "{got:?}");
    }

    #[test]
    fn gzip_without_declared_size_is_capped_by_ratio() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&vec![0u8; 20 << 20]).expect("gz");
        let gz = gz.finish().expect("gz");
        let got = summary(&scan_bytes(Path::new("zeros.gz"), &gz, &engine(), &ScanOptions::new()));
        assert!(got[1].1.starts_with("skipped: possible zip bomb"), "{got:?}");
    }

    #[test]
    fn tar_members_are_not_charged_twice() {
        let data = vec![b'a'; 3000];
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, "a.txt", &data[..]).expect("append");
        let t = b.into_inner().expect("tar");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&t).expect("gz");
        let gz = gz.finish().expect("gz");
        let mut opts = ScanOptions::new();
        // Room for the decompressed tar, not for the tar and its member again.
        opts.limits.max_total = t.len() as u64 + 1000;
        let got = summary(&scan_bytes(Path::new("x.tgz"), &gz, &engine(), &opts));
        assert!(got.iter().all(|(_, status, _)| status == "scanned"), "{got:?}");
        assert!(got.iter().any(|(m, _, _)| m == "x.tar!a.txt"), "{got:?}");
    }

    #[test]
    fn member_names_cannot_carry_control_characters() {
        let z = zip_of(&[("a\u{1b}[31m.txt", b"x")]);
        let got = summary(&scan_bytes(Path::new("x.zip"), &z, &engine(), &ScanOptions::new()));
        assert_eq!(got[1].0, "a_[31m.txt");
    }

    #[test]
    fn member_count_limit() {
        let names: Vec<String> = (0..5).map(|i| format!("{i}.txt")).collect();
        let members: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b"x"[..])).collect();
        let z = zip_of(&members);
        let mut opts = ScanOptions::new();
        opts.limits.max_members = 3;
        let got = summary(&scan_bytes(Path::new("many.zip"), &z, &engine(), &opts));
        assert_eq!(got[0].1, "skipped: more than 3 members in one archive (--max-members)");
        assert_eq!(got.len(), 4, "three members read before the limit: {got:?}");
    }

    #[test]
    fn timeout_fails_the_file() {
        let mut opts = ScanOptions::new();
        opts.limits.timeout = Duration::ZERO;
        std::thread::sleep(Duration::from_millis(2));
        let z = zip_of(&[("a.txt", b"x")]);
        let got = summary(&scan_bytes(Path::new("slow.zip"), &z, &engine(), &opts));
        assert_eq!(got[0].1, "failed: timeout after 0 s");
    }

    #[test]
    fn label_is_context_not_content() {
        // A bare ten-digit number is low on its own; the column header makes
        // it a personnummer, and nothing in the header itself is reported.
        let mut out = Vec::new();
        let at = Location::Record { row: 2, column: "Personnummer".into() };
        let opts = ScanOptions::new();
        find_located(
            &engine(),
            opts.min_confidence,
            &opts.kinds,
            &at,
            "Personnummer",
            "8112189876",
            &mut Vec::new(),
            &mut out,
        );
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].kind, Kind::Personnummer);
        assert_eq!(out[0].location, at);
        let mut none = Vec::new();
        find_located(&engine(), opts.min_confidence, &opts.kinds, &at, "", "8112189876", &mut Vec::new(), &mut none);
        assert!(none.is_empty(), "without the header it stays low");
        let mut label_only = Vec::new();
        find_located(
            &engine(),
            opts.min_confidence,
            &opts.kinds,
            &at,
            "anna@exempel.se",
            "x",
            &mut Vec::new(),
            &mut label_only,
        );
        assert!(label_only.is_empty());
    }

    #[test]
    fn allow_marker_suppresses_its_line_only() {
        let opts = ScanOptions::new();
        let engine = engine();
        let d = Detectors::new(&engine, &opts);
        let mut out = Vec::new();
        let text = "Test: 811218-9876 # snoka:allow\nRiktig: 19460705-4725\n";
        d.search(&Location::Line { line: 1, column: 1 }, "", text, &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].value(), "19460705-4725");
        assert_eq!(d.allowed(), 1);
        let mut cell = Vec::new();
        d.search(&Location::Cell { sheet: "A".into(), row: 1, column: 1 }, "", "811218-9876 snoka:allow", &mut cell);
        assert!(cell.is_empty());
        assert_eq!(d.allowed(), 2);
    }

    /// The CSV prefilter (only the fields of a row that hold a candidate
    /// are searched) changes nothing: the same findings as searching every
    /// field.
    #[test]
    fn csv_prefilter_keeps_every_finding() {
        struct Unfiltered<'a>(Detectors<'a>);
        impl Search for Unfiltered<'_> {
            fn search(&self, at: &Location, label: &str, text: &str, out: &mut Vec<Finding>) {
                self.0.search(at, label, text, out);
            }
        }
        let mut csv = String::from("Namn;Personnummer;Telefon;E-post;Not\n");
        for i in 0..300u32 {
            let row = match i % 7 {
                0 => format!("Anna {i};8112189876;;;\n"),
                1 => format!("Per {i};;070-174 06 05;\"p.{i}@exempel.se\";\n"),
                2 => format!("Lisa {i};;;;\"ring 08\u{2013}123 456 78, \"\"citat\"\"\"\n"),
                3 => format!("Ole {i};;;;IP 81.226.12.{}\n", i % 250 + 1),
                4 => format!(
                    "Eva {i};19811218-9876;+46 70 174 06 05;\"eva@exempel.se\";pnr 811218-9876, tel 0701740605\n"
                ),
                _ => format!("Rad {i};2024-01-{:02};{i};;belopp 12 345,00\n", i % 28 + 1),
            };
            csv.push_str(&row);
        }
        let engine = engine();
        let opts = ScanOptions::new();
        let filtered = scan_bytes_with(Path::new("r.csv"), csv.as_bytes(), &Detectors::new(&engine, &opts), &opts);
        let all =
            scan_bytes_with(Path::new("r.csv"), csv.as_bytes(), &Unfiltered(Detectors::new(&engine, &opts)), &opts);
        assert_eq!(filtered[0].findings, all[0].findings);
        assert!(all[0].findings.len() > 150, "{}", all[0].findings.len());
        assert!(all[0].findings.iter().any(|f| f.kind == Kind::Personnummer && f.value() == "8112189876"));
    }

    /// A user's rule anchored at a field's edges still finds its fields:
    /// with `--patterns` rules every CSV field is searched.
    #[test]
    fn csv_fields_reach_anchored_user_rules() {
        let dir = tempfile::tempdir().expect("tmp");
        let rule = "[[rule]]\nid = \"medlem\"\ndescription = \"Medlemsnummer\"\nkind = \"medlemsnummer\"\nvalidator = \"none\"\n\
                    confidence = \"high\"\nregex = '''^M[0-9]{6}$'''\n";
        std::fs::write(dir.path().join("medlem.toml"), rule).expect("write");
        let engine = Engine::with_patterns(&[dir.path()]).expect("rules");
        assert!(!engine.is_builtin_only());
        let opts = ScanOptions::new();
        // No header row: a labelled field is searched as "label\nfield",
        // where `^` does not match at the field.
        let csv = "Anna,M123456\nPer,x M654321\n";
        let got = scan_bytes(Path::new("m.csv"), csv.as_bytes(), &engine, &opts);
        let values: Vec<&str> = got[0].findings.iter().map(|f| f.value()).collect();
        assert_eq!(values, ["M123456"]);
    }

    #[test]
    fn page_lines_are_refined() {
        let mut out = Vec::new();
        let text = "Rapport\n\nKontakt: anna@exempel.se";
        find_located(
            &engine(),
            Confidence::Medium,
            &[],
            &Location::Page { page: 2, line: 1 },
            "",
            text,
            &mut Vec::new(),
            &mut out,
        );
        assert_eq!(out[0].location.to_string(), "page 2, line 3");
    }
}

/// Read faults: an I/O error part-way through a file fails that file with
/// the OS error text, and the scan goes on.
#[cfg(test)]
mod read_fault_tests {
    use std::io::Read;

    use super::*;

    /// Gives `ok` bytes of a personnummer line, then fails like a bad disk.
    struct FailAfter {
        ok: usize,
    }

    impl Read for FailAfter {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.ok == 0 {
                return Err(std::io::Error::from_raw_os_error(libc::EIO));
            }
            let line = b"Personnummer: 811218-9876\n";
            let n = buf.len().min(self.ok).min(line.len());
            buf[..n].copy_from_slice(&line[..n]);
            self.ok -= n;
            Ok(n)
        }
    }

    #[test]
    fn an_io_error_mid_file_fails_the_file_with_the_os_error() {
        let err = read_limited(FailAfter { ok: 100 }, 1 << 20).expect_err("the read fails");
        // The same conversion scan_file_with makes of a read_bounded error.
        let status = FileStatus::Failed(err.to_string());
        assert_eq!(status, FileStatus::Failed("Input/output error (os error 5)".into()));
        // Under the limit, a reader that does not fail gives all its bytes.
        assert_eq!(read_limited(&b"abc"[..], 10).expect("reads"), b"abc");
        assert_eq!(read_limited(&b"abcdef"[..], 2).expect("reads"), b"abc", "limit + 1 bytes at most");
    }

    /// A real EIO on Linux, unprivileged: reading `/proc/self/mem` at
    /// offset 0 (an address never mapped) fails with "Input/output error".
    /// Scanned next to an ordinary file, it fails alone.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_real_eio_fails_that_file_and_the_scan_goes_on() {
        let dir = tempfile::tempdir().expect("tmp");
        let ok = dir.path().join("ok.txt");
        std::fs::write(&ok, "Personnummer: 811218-9876\n").expect("write");
        let mem = Path::new("/proc/self/mem");
        if std::fs::File::open(mem).is_err() {
            eprintln!("note: /proc/self/mem cannot be opened here; skipping the real EIO case");
            return;
        }
        let items = vec![
            WalkItem::File(FileJob { path: mem.to_path_buf(), size: 0 }),
            WalkItem::File(FileJob { path: ok.clone(), size: 26 }),
        ];
        let engine = Engine::builtin().expect("rules");
        let reports = scan(items, &engine, &ScanOptions::new());
        let of = |p: &Path| reports.iter().find(|r| r.path == p).expect("reported");
        assert_eq!(of(mem).status, FileStatus::Failed("Input/output error (os error 5)".into()));
        assert_eq!(of(&ok).status, FileStatus::Scanned);
        assert_eq!(of(&ok).findings.len(), 1);
    }
}

/// Streaming: a large text or CSV file scanned in chunks gives exactly the
/// findings (value, location, reason, score) of a whole-file scan.
#[cfg(test)]
mod stream_tests {
    use super::*;

    /// The file's report scanned whole, and streamed in chunks of `chunk`;
    /// both count the same `snoka:allow` suppressions.
    fn both(name: &str, bytes: &[u8], chunk: usize) -> (FileReport, FileReport) {
        let engine = Engine::builtin().expect("rules");
        let opts = ScanOptions::new();
        let det = Detectors::new(&engine, &opts);
        let whole = scan_bytes_with(Path::new(name), bytes, &det, &opts).remove(0);
        let allowed = det.allowed();
        let format = extract::sniff(name, &bytes[..bytes.len().min(SNIFF_HEAD as usize)]);
        let dec = stream::Decoding::new(bytes, Vec::new(), chunk, false).expect("read");
        let (mut streamed, end) = run_stream(Path::new(name), bytes.len() as u64, dec, format, &det, &opts, chunk);
        assert_eq!(det.allowed() - allowed, allowed, "suppressions, chunk {chunk}");
        let end = end.expect("text");
        assert!(end.error.is_none());
        assert_eq!(end.bytes, bytes.len() as u64);
        (whole, streamed.remove(0))
    }

    fn assert_same(name: &str, bytes: &[u8], chunks: impl IntoIterator<Item = usize>) -> usize {
        let mut n = 0;
        for chunk in chunks {
            let (whole, streamed) = both(name, bytes, chunk);
            assert_eq!(streamed.status, FileStatus::Scanned, "chunk {chunk}");
            assert_eq!(streamed.format, whole.format);
            assert_eq!(streamed.findings.len(), whole.findings.len(), "chunk {chunk}");
            for (s, w) in streamed.findings.iter().zip(&whole.findings) {
                assert_eq!(s, w, "chunk {chunk}");
                assert_eq!((s.score, &s.reason), (w.score, &w.reason), "chunk {chunk}");
            }
            n = whole.findings.len();
        }
        n
    }

    /// A log whose identifiers sit on every few lines: a bare ten-digit
    /// personnummer only found thanks to the keyword on the line before.
    fn log(lines: usize, latin1: bool) -> String {
        let mut s = String::new();
        for i in 0..lines {
            let line = match i % 9 {
                0 => format!("{i} INFO kund, personnummer:\n"),
                1 => "8112189876\n".to_string(),
                2 => format!("{i} mail till anna.{i}@exempel.se från Åsa Öberg\n"),
                3 => format!("{i} ring 070-174 06 05 från 81.226.12.{}\n", i % 250 + 1),
                4 => format!("{i} test 811218-9876 snoka:allow, CPR-nr 070761-4285\n"),
                5 => format!("{} 19460705-4725{}\n", "x".repeat(i % 300), if latin1 { " ÆØÅ" } else { " 🙂" }),
                _ => format!("2024-01-01 12:00:{:02} DEBUG request {i} done\n", i % 60),
            };
            s.push_str(&line);
        }
        s
    }

    #[test]
    fn text_across_chunk_boundaries() {
        let text = log(400, false);
        let n = assert_same("a.log", text.as_bytes(), (600..1400).step_by(37));
        assert!(n > 200, "{n}");
        let engine = Engine::builtin().expect("rules");
        let opts = ScanOptions::new();
        let det = Detectors::new(&engine, &opts);
        scan_bytes_with(Path::new("a.log"), text.as_bytes(), &det, &opts);
        assert!(det.allowed() > 40, "{}", det.allowed());
        // The keyword on the line before makes the bare number a finding.
        let (whole, _) = both("a.log", text.as_bytes(), 1000);
        assert!(whole.findings.iter().any(|f| f.kind == Kind::Personnummer && f.value() == "8112189876"));
    }

    #[test]
    fn utf16_and_windows_1252_across_chunk_boundaries() {
        let text = log(300, true);
        let mut le = vec![0xFF, 0xFE];
        le.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        assert!(assert_same("a.txt", &le, [1001, 1777, 4096]) > 100);
        let bare: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert!(assert_same("a.txt", &bare, [1003, 3000]) > 100);
        let (cp, _, _) = encoding_rs::WINDOWS_1252.encode(&text);
        assert!(std::str::from_utf8(&cp).is_err());
        assert!(assert_same("a.txt", &cp, [999, 2222]) > 100);
    }

    #[test]
    fn one_line_longer_than_many_chunks() {
        let mut line = String::new();
        let mut i = 0;
        while line.len() < 300_000 {
            line.push_str(&format!("{} personnummer 811218-9876 och anna{i}@exempel.se åäö ", "a".repeat(i % 997)));
            i += 1;
        }
        assert!(!line.contains('\n'));
        let n = assert_same("long.txt", line.as_bytes(), [20_000, 33_333]);
        assert!(n > 100, "{n}");
    }

    #[test]
    fn csv_with_header_and_quoted_line_breaks_across_chunk_boundaries() {
        let mut csv = String::from("Namn;Personnummer;Telefon;E-post;Not\n");
        for i in 0..300u32 {
            let row = match i % 5 {
                0 => format!("Anna {i};8112189876;;;\n"),
                1 => format!("Per {i};;070-174 06 05;\"p.{i}@exempel.se\";\n"),
                2 => format!("Lisa {i};;;;\"rad ett\nrad två: ring 08-123 456 78\n\"\"citat\"\" 19460705-4725\"\n"),
                3 => format!("Ole {i};;;;IP 81.226.12.{}\r\n", i % 250 + 1),
                _ => format!("Rad {i};2024-01-{:02};{i};;belopp 12 345,00\n", i % 28 + 1),
            };
            csv.push_str(&row);
        }
        let n = assert_same("r.csv", csv.as_bytes(), (300..700).step_by(29));
        assert!(n > 200, "{n}");
    }

    /// An unclosed quote makes the rest of a CSV file one field: streamed,
    /// it stops at a bound (eight chunks) with a reason, keeping what was
    /// found before it, instead of holding the rest of the file.
    #[test]
    fn an_unclosed_csv_quote_is_bounded() {
        let mut csv = String::from("Namn;E-post\nAnna;anna@exempel.se\nPer;\"per@exempel.se\n");
        while csv.len() < 100_000 {
            csv.push_str("Lisa;lisa@exempel.se\n");
        }
        let engine = Engine::builtin().expect("rules");
        let opts = ScanOptions::new();
        let dec = stream::Decoding::new(csv.as_bytes(), Vec::new(), 1000, false).expect("read");
        let det = Detectors::new(&engine, &opts);
        let (r, _) = run_stream(Path::new("r.csv"), csv.len() as u64, dec, Format::Csv, &det, &opts, 1000);
        assert_eq!(
            r[0].status,
            FileStatus::Skipped("a CSV record longer than 7.8 KiB; the rest of the file was not searched".into())
        );
        let values: Vec<&str> = r[0].findings.iter().map(|f| f.value()).collect();
        assert_eq!(values, ["anna@exempel.se"]);
    }

    #[test]
    fn binary_is_skipped_when_streamed() {
        let bin = b"\x7fELF\x02\x01\x00\x00 811218-9876 \x00\x00\x00\x00".repeat(100);
        let engine = Engine::builtin().expect("rules");
        let opts = ScanOptions::new();
        let dec = stream::Decoding::new(&bin[..], Vec::new(), 64, false).expect("read");
        let (r, end) = run_stream(Path::new("x.txt"), 0, dec, Format::Text, &Detectors::new(&engine, &opts), &opts, 64);
        assert!(end.is_none());
        assert_eq!(r[0].status, FileStatus::Skipped("binary".into()));
    }
}
