//! The incremental scan cache (`snoka scan --cache [DIR]`): per-file
//! reports kept between runs, so that a second scan of an unchanged tree
//! reads no file again.
//!
//! # Keys and reuse
//!
//! Each cached file is keyed by its path as walked and by (device, inode,
//! size, modification time with nanoseconds), and carries a 128-bit content
//! hash (SHA-256 truncated; hardware-accelerated where available) of the
//! bytes the scan read. For each file to scan:
//!
//! * the same key: the stored reports (the file's and its archive
//!   members') are returned and the file is not opened;
//! * the same path and size but another modification time or inode (a
//!   `touch`, a copy back, a restore): the file is read once, its bytes
//!   hashed, and on a hash match the stored reports are reused (the key is
//!   updated, and the report's modification time is the new one);
//! * otherwise the file is scanned and its new reports stored.
//!
//! A key is not trusted when the file was modified less than
//! [`RACY_SECONDS`] before the scan that stored it started (it could have
//! changed again within the same clock tick, as git's "racy" index entries):
//! such a file is always read and its hash compared.
//!
//! Files that failed (any report `failed`, a timeout, an interruption) or
//! whose reports do not look like a plain scan's are never stored. Files
//! not read (symbolic links, special files, files over `--max-filesize`
//! other than text and CSV) are not cached either. A large text or CSV file
//! is streamed, never held whole: its hash is computed while it is read
//! ([`scan::Content::Digest`]) and offered after its scan.
//!
//! # Invalidation
//!
//! The cache holds one configuration fingerprint ([`config_fingerprint`]):
//! snoka's version, the text of the built-in rules and keywords, every
//! active rule (`--patterns` included), the engine's "today" (validation
//! depends on it), and the options that change what a file's scan reports:
//! `--min-confidence`, `--kinds`, `--max-filesize`, every container limit,
//! `--file-timeout` and `--show-values`. Another fingerprint empties the
//! whole cache. Options applied after the scan (`--baseline`,
//! `--allow-values`, `--allow-paths`, the report format) and walk options
//! (`--exclude`, `-L`) do not: cached reports suffice for them.
//!
//! # Privacy
//!
//! Without `--show-values` the cache holds no raw value: each finding's
//! `value` and `normalized` are replaced by keyed fingerprints (HMAC-SHA256
//! under a random key kept in the cache, truncated to 128 bits, marked by a
//! leading NUL byte so that no found text can equal one). The masked
//! forms, locations, rules and reasons are kept as the reports print them.
//! `--allow-values` compares fingerprints of its values with them
//! ([`Cache::fingerprint`]). With `--show-values` (which is part of the
//! configuration fingerprint) the raw values are kept, since the reports
//! print them. The folder is created with mode 0700 and every file with
//! mode 0600.
//!
//! # On disk
//!
//! A scan of a given set of roots (their canonical paths, the paths as
//! given, and the `--shard`) uses the files `<id>.snap`, `<id>.journal` and
//! `<id>.lock` in the cache folder, `<id>` being a hash of that set. Every
//! line of the first two is `<16 hex digits> <JSON>`, the digits a checksum
//! (SHA-256 prefix) of the JSON; the first line is a header (format,
//! version, configuration fingerprint, fingerprint key), each other line
//! one file's entry.
//!
//! * The snapshot (`.snap`) is only ever replaced whole (written to a
//!   temporary file, synced, renamed), at the end of a scan that changed
//!   anything.
//! * The journal (`.journal`) gets one line per file scanned in this run,
//!   appended (one `write`) as soon as the file is done. On load it is
//!   replayed over the snapshot; a line whose checksum does not match (the
//!   torn last line of a killed scan) is ignored. So a scan killed at any
//!   point leaves a cache whose entries are all complete and valid.
//! * The lock (`.lock`) is held with `flock` for the whole scan: a second
//!   snoka on the same roots and cache folder warns and scans without the
//!   cache, so two processes never write the same files.
//!
//! A damaged file (garbage, a bad header) is ignored with a warning and
//! rewritten; a cache folder that cannot be written makes snoka warn and
//! scan without a cache.

use std::collections::{HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, KeyInit, Mac};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::Engine;
use crate::model::{FileReport, FileStatus, Finding, Kind, Location, Texts};
use crate::scan::{self, ScanOptions, Search};
use crate::walk::{FileJob, WalkItem};

/// Version of the on-disk format; another version is ignored (rewritten).
pub const FORMAT: u32 = 1;

/// A file modified less than this many seconds before the scan that cached
/// it started is always re-read and its hash compared (see the module docs).
pub const RACY_SECONDS: u64 = 2;

/// Environment variable for tests: sleep this many milliseconds after each
/// file written to the journal, so that a test can kill a scan midway.
pub const TEST_DELAY_ENV: &str = "SNOKA_TEST_CACHE_DELAY_MS";

/// Why a cache cannot be used for this scan (snoka then scans without it).
#[derive(Debug, Error)]
pub enum CacheError {
    /// The folder or its files cannot be created or written.
    #[error("cache {dir} not writable: {message}")]
    Unwritable {
        /// The cache folder.
        dir: String,
        /// What the system said.
        message: String,
    },
    /// Another snoka holds the lock on the same roots.
    #[error("cache {dir} is in use by another snoka scanning the same folders")]
    Busy {
        /// The cache folder.
        dir: String,
    },
    /// No randomness for a new fingerprint key.
    #[error("cache: no random key: {0}")]
    Random(String),
}

/// The default cache folder: `$XDG_CACHE_HOME/snoka`, else
/// `$HOME/.cache/snoka`; `None` when neither variable is set.
pub fn default_dir() -> Option<PathBuf> {
    let from = |var: &str| std::env::var_os(var).filter(|v| !v.is_empty()).map(PathBuf::from);
    from("XDG_CACHE_HOME")
        .filter(|p| p.is_absolute())
        .map(|p| p.join("snoka"))
        .or_else(|| from("HOME").map(|h| h.join(".cache").join("snoka")))
}

/// The configuration fingerprint (hex): what must be equal for cached
/// reports to be what a scan would report now (see the module docs).
pub fn config_fingerprint(engine: &Engine, opts: &ScanOptions, show_values: bool) -> String {
    let mut h = Sha256::new();
    let mut put = |s: &str| {
        h.update((s.len() as u64).to_le_bytes());
        h.update(s.as_bytes());
    };
    put(&format!("snoka-cache {FORMAT} {}", env!("CARGO_PKG_VERSION")));
    for (name, text) in crate::detect::pattern::BUILTIN_RULES {
        put(name);
        put(text);
    }
    put(crate::detect::pattern::BUILTIN_KEYWORDS.0);
    put(crate::detect::pattern::BUILTIN_KEYWORDS.1);
    for r in engine.rules() {
        put(&format!(
            "{:?}",
            (
                &r.id,
                r.validator.as_str(),
                &r.regex,
                r.priority,
                r.kind_names(),
                r.confidence.to_bits(),
                &r.weights,
                &r.keyword_list,
                &r.negative_keyword_list,
                r.enabled,
                &r.file,
            )
        ));
    }
    put(&format!("{:?}", engine.today()));
    let kinds: Vec<&str> = opts.kinds.iter().map(|k| k.as_str()).collect();
    put(&format!("{:?}", (opts.min_confidence.as_str(), kinds, opts.max_filesize, &opts.limits, show_values)));
    hex(&h.finalize())
}

/// Counts of one cached scan.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Files whose key was unchanged: reports reused, file not opened.
    pub unchanged: usize,
    /// Files read whose content hash matched: reports reused.
    pub same_content: usize,
    /// Files read and scanned (new, changed, or not cacheable).
    pub scanned: usize,
    /// True when a stored cache was dropped for another configuration.
    pub invalidated: bool,
}

impl Stats {
    /// Files whose reports came from the cache.
    pub fn from_cache(&self) -> usize {
        self.unchanged + self.same_content
    }
}

/// An open cache for one set of roots: locked, loaded, and appending to its
/// journal. Use [`Cache::scan`] once, then [`Cache::finish`].
pub struct Cache {
    dir: PathBuf,
    files: Files,
    /// Held for the life of the cache: the `flock` is on it.
    _lock: File,
    header: Header,
    /// The snapshot and journal lines read at open, parsed in [`Cache::scan`].
    stored: Vec<String>,
    /// Lines of the journal at open (so the snapshot must be rewritten).
    journal_lines: usize,
    /// The stored state was damaged or invalid: rewrite it.
    dirty: bool,
    journal: Mutex<Option<File>>,
    journal_error: Mutex<Option<String>>,
    warnings: Vec<String>,
    /// Parsed entries, by path (filled by [`Cache::scan`]).
    old: HashMap<String, Entry>,
    /// What this run decided per path: `Some(line)` new, `None` dropped.
    outcome: Mutex<HashMap<String, Option<String>>>,
    walked: Vec<String>,
    started: SystemTime,
    unchanged: AtomicUsize,
    same_content: AtomicUsize,
    scanned: AtomicUsize,
    allowed: AtomicUsize,
    invalidated: bool,
    delay: Option<Duration>,
}

/// The paths of one root set's files.
struct Files {
    snap: PathBuf,
    journal: PathBuf,
    lock: PathBuf,
}

/// The first line of the snapshot and the journal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Header {
    snoka_cache: u32,
    version: String,
    config: String,
    /// Hex key of the value fingerprints.
    key: String,
    /// True when entries hold raw values (`--show-values`).
    raw: bool,
}

/// One file's entry as stored (one JSON line).
#[derive(Clone, Debug, Serialize, Deserialize)]
struct EntryRec {
    /// Path as walked (UTF-8 paths only are cached).
    p: String,
    /// Device, inode, size, mtime seconds and nanoseconds.
    d: u64,
    i: u64,
    s: u64,
    m: i64,
    n: u32,
    /// Content hash, hex (128 bits).
    h: String,
    /// The key is racy (modified just before the scan that stored it).
    r: bool,
    /// Findings a `snoka:allow` line suppressed in this file.
    a: usize,
    /// The reports: the file's first, then its members'.
    f: Vec<ReportRec>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct ReportRec {
    m: String,
    /// 0 scanned, 1 skipped, 2 failed.
    st: u8,
    w: String,
    b: u64,
    fm: String,
    t: Option<(i64, u32)>,
    x: Vec<FindingRec>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct FindingRec {
    k: String,
    r: String,
    l: Location,
    v: String,
    n: String,
    mv: String,
    mn: String,
    s: f32,
    why: String,
}

/// A parsed entry.
struct Entry {
    key: Key,
    hash: String,
    racy: bool,
    allowed: usize,
    /// Taken (not cloned) by the one scan that reuses them.
    reports: Mutex<Vec<FileReport>>,
    /// The stored line (checksum and JSON, no newline), written back as
    /// is when the entry stays.
    sealed: String,
}

/// (device, inode, size, mtime) of a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Key {
    dev: u64,
    ino: u64,
    size: u64,
    secs: i64,
    nanos: u32,
}

impl Key {
    fn of(meta: &std::fs::Metadata) -> Key {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            Key {
                dev: meta.dev(),
                ino: meta.ino(),
                size: meta.len(),
                secs: meta.mtime(),
                nanos: u32::try_from(meta.mtime_nsec()).unwrap_or(0),
            }
        }
        #[cfg(not(unix))]
        {
            let (secs, nanos) = meta.modified().map(to_pair).unwrap_or((0, 0));
            Key { dev: 0, ino: 0, size: meta.len(), secs, nanos }
        }
    }

    fn time(&self) -> SystemTime {
        from_pair((self.secs, self.nanos))
    }
}

fn to_pair(t: SystemTime) -> (i64, u32) {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => (i64::try_from(d.as_secs()).unwrap_or(i64::MAX), d.subsec_nanos()),
        Err(e) => {
            let d = e.duration();
            let (s, n) = (i64::try_from(d.as_secs()).unwrap_or(i64::MAX), d.subsec_nanos());
            if n == 0 { (-s, 0) } else { (-s - 1, 1_000_000_000 - n) }
        }
    }
}

fn from_pair((secs, nanos): (i64, u32)) -> SystemTime {
    if secs >= 0 {
        UNIX_EPOCH + Duration::new(secs.unsigned_abs(), nanos)
    } else {
        UNIX_EPOCH - Duration::from_secs(secs.unsigned_abs()) + Duration::from_nanos(u64::from(nanos))
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

/// The 128-bit content hash of a file's bytes, hex.
fn content_hash(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes)[..16])
}

/// `<checksum> <json>` for a stored line.
fn seal(json: &str) -> String {
    let sum = Sha256::digest(json.as_bytes());
    format!("{} {json}\n", hex(&sum[..8]))
}

/// The JSON of a stored line whose checksum matches, else `None`.
fn unseal(line: &[u8]) -> Option<&str> {
    let line = std::str::from_utf8(line).ok()?;
    let (sum, json) = line.split_once(' ')?;
    (sum.len() == 16 && hex(&Sha256::digest(json.as_bytes())[..8]) == sum).then_some(json)
}

/// Interns a format name (few distinct values; reports need `&'static str`).
fn intern(s: &str) -> &'static str {
    static NAMES: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());
    if s.is_empty() {
        return "";
    }
    let mut names = NAMES.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(&n) = names.iter().find(|&&n| n == s) {
        return n;
    }
    let n: &'static str = Box::leak(s.to_owned().into_boxed_str());
    names.push(n);
    n
}

/// Creates `dir` (mode 0700) and its parents if missing.
fn make_dir(dir: &Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
}

/// Options for files the cache writes: owner read and write only.
fn private(opts: &mut OpenOptions) -> &mut OpenOptions {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts
}

/// Writes `lines` to `path` atomically (temporary file, sync, rename).
fn write_atomic<S: AsRef<str>>(path: &Path, lines: impl Iterator<Item = S>) -> std::io::Result<()> {
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let res = (|| {
        let f = private(OpenOptions::new().write(true).create(true).truncate(true)).open(&tmp)?;
        let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
        for l in lines {
            w.write_all(l.as_ref().as_bytes())?;
        }
        let f = w.into_inner().map_err(|e| e.into_error())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if res.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    res
}

#[cfg(unix)]
fn try_lock(f: &File) -> std::io::Result<bool> {
    use std::os::unix::io::AsRawFd;
    // SAFETY: flock on a descriptor we own; no memory is passed.
    let rc = unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if rc == 0 {
        return Ok(true);
    }
    let e = std::io::Error::last_os_error();
    if e.raw_os_error() == Some(libc::EWOULDBLOCK) { Ok(false) } else { Err(e) }
}

#[cfg(not(unix))]
fn try_lock(_f: &File) -> std::io::Result<bool> {
    Ok(true)
}

/// Reads a stored file: `(header, entry lines, bad lines, last line bad)`;
/// `None` when missing. A header that is not one snoka wrote gives
/// `Some((None, ..))`.
type Loaded = (Option<Header>, Vec<String>, usize, bool);

fn load(path: &Path) -> std::io::Result<Option<Loaded>> {
    let mut bytes = Vec::new();
    match File::open(path) {
        Ok(mut f) => f.read_to_end(&mut bytes)?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    if bytes.is_empty() {
        return Ok(Some((None, Vec::new(), 0, false)));
    }
    let mut lines = bytes.split(|&b| b == b'\n');
    let header = lines.next().and_then(unseal).and_then(|j| serde_json::from_str::<Header>(j).ok());
    let Some(header) = header else { return Ok(Some((None, Vec::new(), 1, false))) };
    // Checksums are checked when the entries are parsed, in parallel
    // (`Cache::scan`); only the last line is checked here, since a torn last
    // line is expected after a kill and ignored without a warning.
    let mut good = Vec::new();
    let (mut bad, mut last_bad) = (0, false);
    let rest: Vec<&[u8]> = lines.collect();
    let n = rest.len();
    for (i, l) in rest.into_iter().enumerate() {
        if l.is_empty() && i + 1 == n {
            break;
        }
        match std::str::from_utf8(l) {
            Ok(_) if i + 1 == n && unseal(l).is_none() => last_bad = true,
            Ok(line) => good.push(line.to_string()),
            Err(_) if i + 1 == n => last_bad = true,
            Err(_) => bad += 1,
        }
    }
    Ok(Some((Some(header), good, bad, last_bad)))
}

impl Cache {
    /// Opens (creating if needed) the cache in `dir` for a scan of `roots`
    /// (as given; `shard` names a `--shard` part) under the configuration
    /// fingerprint `config` ([`config_fingerprint`]); `raw` keeps raw
    /// values (`--show-values`). Takes the lock, reads the snapshot and the
    /// journal, and prepares the journal for appending. Problems with the
    /// stored data (damage, another configuration) are not errors: the
    /// cache starts afresh and [`Cache::warnings`] says why.
    pub fn open(
        dir: &Path,
        roots: &[PathBuf],
        shard: Option<&str>,
        config: &str,
        raw: bool,
    ) -> Result<Cache, CacheError> {
        let unwritable =
            |e: std::io::Error| CacheError::Unwritable { dir: dir.display().to_string(), message: e.to_string() };
        make_dir(dir).map_err(unwritable)?;
        let mut h = Sha256::new();
        let mut canon: Vec<String> = roots
            .iter()
            .map(|r| std::fs::canonicalize(r).unwrap_or_else(|_| r.clone()).to_string_lossy().into_owned())
            .collect();
        canon.sort();
        for part in canon.iter().map(String::as_str).chain(roots.iter().map(|r| r.to_str().unwrap_or("?"))) {
            h.update(part.as_bytes());
            h.update([0]);
        }
        h.update(shard.unwrap_or("").as_bytes());
        let id = hex(&h.finalize()[..8]);
        let files = Files {
            snap: dir.join(format!("{id}.snap")),
            journal: dir.join(format!("{id}.journal")),
            lock: dir.join(format!("{id}.lock")),
        };
        let tag = dir.join("CACHEDIR.TAG");
        if !tag.exists() {
            let text =
                "Signature: 8a477f597d28d172789f06886806bc55\n# snoka scan cache: see snoka scan --help (--cache)\n";
            write_atomic(&tag, std::iter::once(text)).map_err(unwritable)?;
        }
        let lock = private(OpenOptions::new().read(true).write(true).create(true).truncate(false))
            .open(&files.lock)
            .map_err(unwritable)?;
        if !try_lock(&lock).map_err(unwritable)? {
            return Err(CacheError::Busy { dir: dir.display().to_string() });
        }
        let mut warnings = Vec::new();
        let mut dirty = false;
        let mut invalidated = false;
        let snap = load(&files.snap).map_err(unwritable)?;
        let journal = load(&files.journal).map_err(unwritable)?;
        let wanted = |h: &Header| h.snoka_cache == FORMAT && h.config == config && h.raw == raw;
        let mut key: Option<String> = None;
        let mut stored = Vec::new();
        match snap {
            None => {}
            Some((None, ..)) => {
                warnings.push(format!("cache file {} is damaged; starting afresh", files.snap.display()));
                dirty = true;
            }
            Some((Some(h), lines, bad, last_bad)) => {
                if wanted(&h) {
                    if bad > 0 || last_bad {
                        warnings.push(format!(
                            "cache file {} is damaged ({} entries ignored)",
                            files.snap.display(),
                            bad + usize::from(last_bad)
                        ));
                        dirty = true;
                    }
                    key = Some(h.key.clone());
                    stored = lines;
                } else {
                    invalidated = true;
                    dirty = true;
                }
            }
        }
        let mut journal_lines = 0;
        let mut journal_ok = false;
        match journal {
            None => {}
            Some((None, ..)) => {
                warnings.push(format!("cache file {} is damaged; ignoring it", files.journal.display()));
            }
            Some((Some(h), lines, bad, _last_bad)) => {
                // A torn last line is what a killed scan leaves: not worth a warning.
                if wanted(&h) && key.as_ref().is_none_or(|k| *k == h.key) {
                    if bad > 0 {
                        warnings
                            .push(format!("cache file {} is damaged ({bad} entries ignored)", files.journal.display()));
                    }
                    key = Some(h.key.clone());
                    journal_lines = lines.len();
                    stored.extend(lines);
                    journal_ok = true;
                } else {
                    invalidated |= !wanted(&h);
                }
            }
        }
        let key = match key.filter(|k| unhex(k).is_some_and(|b| b.len() == 32)) {
            Some(k) => k,
            None => {
                // Entries fingerprinted under another (or no valid) key are useless.
                stored.clear();
                journal_ok = false;
                let mut k = [0u8; 32];
                getrandom::fill(&mut k).map_err(|e| CacheError::Random(e.to_string()))?;
                hex(&k)
            }
        };
        let header = Header {
            snoka_cache: FORMAT,
            version: env!("CARGO_PKG_VERSION").to_string(),
            config: config.to_string(),
            key,
            raw,
        };
        if !journal_ok {
            let json = serde_json::to_string(&header).expect("a header serialises");
            write_atomic(&files.journal, std::iter::once(seal(&json))).map_err(unwritable)?;
        }
        let journal = OpenOptions::new().append(true).open(&files.journal).map_err(unwritable)?;
        let delay = std::env::var(TEST_DELAY_ENV).ok().and_then(|v| v.parse().ok()).map(Duration::from_millis);
        Ok(Cache {
            dir: dir.to_path_buf(),
            files,
            _lock: lock,
            header,
            stored,
            journal_lines,
            dirty,
            journal: Mutex::new(Some(journal)),
            journal_error: Mutex::new(None),
            warnings,
            old: HashMap::new(),
            outcome: Mutex::new(HashMap::new()),
            walked: Vec::new(),
            started: SystemTime::now(),
            unchanged: AtomicUsize::new(0),
            same_content: AtomicUsize::new(0),
            scanned: AtomicUsize::new(0),
            allowed: AtomicUsize::new(0),
            invalidated,
            delay,
        })
    }

    /// The cache folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The files of this cache, which a scan must never read (the cache
    /// folder may be inside a scanned folder).
    pub fn own_files(&self) -> Vec<PathBuf> {
        vec![
            self.files.snap.clone(),
            self.files.journal.clone(),
            self.files.lock.clone(),
            self.dir.join("CACHEDIR.TAG"),
        ]
    }

    /// Problems met since the last call (damaged files, a journal that
    /// could not be written), for stderr.
    pub fn warnings(&mut self) -> Vec<String> {
        let mut w = std::mem::take(&mut self.warnings);
        if let Some(e) = self.journal_error.lock().unwrap_or_else(std::sync::PoisonError::into_inner).as_ref() {
            w.push(format!("cache {}: journal not written: {e}", self.dir.display()));
        }
        *self.journal_error.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = None;
        w
    }

    /// True when entries keep raw values (`--show-values`); otherwise
    /// cached findings carry fingerprints (see [`Cache::fingerprint`]).
    pub fn raw_values(&self) -> bool {
        self.header.raw
    }

    /// The keyed fingerprint that stands for `value` in cached findings'
    /// `value` (lower-cased first by the caller if need be) and
    /// `normalized`: a NUL byte and 32 hex digits.
    pub fn fingerprint(&self, value: &str) -> String {
        let key = unhex(&self.header.key).unwrap_or_default();
        let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(&key).expect("HMAC takes any key length");
        m.update(value.as_bytes());
        format!("\0{}", hex(&m.finalize().into_bytes()[..16]))
    }

    /// Findings suppressed by `snoka:allow` lines in files whose reports
    /// came from the cache (the scan's own count misses them).
    pub fn allowed(&self) -> usize {
        self.allowed.load(Ordering::Relaxed)
    }

    /// The counts so far.
    pub fn stats(&self) -> Stats {
        Stats {
            unchanged: self.unchanged.load(Ordering::Relaxed),
            same_content: self.same_content.load(Ordering::Relaxed),
            scanned: self.scanned.load(Ordering::Relaxed),
            invalidated: self.invalidated,
        }
    }

    /// Scans `items` as [`scan::scan_with`] does (same reports, same
    /// order), taking each file's reports from the cache when it is
    /// unchanged and recording the others. Run it on the scan's rayon pool.
    pub fn scan(&mut self, items: Vec<WalkItem>, search: &dyn Search, opts: &ScanOptions) -> Vec<FileReport> {
        let mut reports = Vec::new();
        self.scan_into(items, search, opts, &mut |mut r| reports.append(&mut r));
        reports
    }

    /// [`Cache::scan`], handing each file's reports to `emit` in path order
    /// as [`scan::scan_items_into`] does.
    pub fn scan_into(
        &mut self,
        items: Vec<WalkItem>,
        search: &dyn Search,
        opts: &ScanOptions,
        emit: &mut (dyn FnMut(Vec<FileReport>) + Send),
    ) {
        let stored = std::mem::take(&mut self.stored);
        let parsed: Vec<Option<(String, Entry)>> = stored.into_par_iter().map(parse_entry).collect();
        let mut bad = 0;
        self.old.reserve(parsed.len());
        for e in parsed {
            match e {
                Some((path, e)) => {
                    self.old.insert(path, e);
                }
                None => bad += 1,
            }
        }
        if bad > 0 {
            self.warnings.push(format!("cache {}: {bad} unreadable entries ignored", self.dir.display()));
            self.dirty = true;
        }
        self.walked = items
            .iter()
            .filter_map(|i| match i {
                WalkItem::File(job) => job.path.to_str().map(str::to_string),
                _ => None,
            })
            .collect();
        self.started = SystemTime::now();
        let this = &*self;
        scan::scan_items_into(items, search, opts, &|job: &FileJob| this.scan_one(job, search, opts), emit);
    }

    fn scan_one(&self, job: &FileJob, search: &dyn Search, opts: &ScanOptions) -> Vec<FileReport> {
        let (Some(path), Ok(meta)) = (job.path.to_str(), std::fs::metadata(&job.path)) else {
            self.scanned.fetch_add(1, Ordering::Relaxed);
            return scan::scan_file_with(job, search, opts);
        };
        let key = Key::of(&meta);
        let old = self.old.get(path);
        if let Some(e) = old
            && e.key == key
            && !e.racy
        {
            // Empty only if taken already (a path walked twice): scan it then.
            let reports = e.take();
            if !reports.is_empty() {
                self.unchanged.fetch_add(1, Ordering::Relaxed);
                self.allowed.fetch_add(e.allowed, Ordering::Relaxed);
                return reports;
            }
        }
        let candidate = old.filter(|e| e.key.size == key.size);
        let mut hash = String::new();
        let mut reused = false;
        let mut read_modified = None;
        let allowed_before = scan::allowed_on_this_thread();
        let reports = scan::scan_file_reusing(
            job,
            search,
            opts,
            Some(&mut |content, modified| {
                hash = match content {
                    scan::Content::Whole(bytes) => content_hash(bytes),
                    // A streamed file's SHA-256, computed while it was read.
                    scan::Content::Digest(d) => hex(&d[..16]),
                };
                let mut reports = candidate.filter(|e| e.hash == hash)?.take();
                if reports.is_empty() {
                    return None;
                }
                reused = true;
                read_modified = modified;
                if let Some(top) = reports.first_mut() {
                    top.modified = modified;
                }
                Some(reports)
            }),
        );
        let allowed = scan::allowed_on_this_thread() - allowed_before;
        let line = if reused {
            self.same_content.fetch_add(1, Ordering::Relaxed);
            let e = candidate.expect("reused implies an entry");
            self.allowed.fetch_add(e.allowed, Ordering::Relaxed);
            unseal(e.sealed.as_bytes()).and_then(|j| serde_json::from_str::<EntryRec>(j).ok()).and_then(|mut rec| {
                self.set_key(&mut rec, &key);
                if let Some(top) = rec.f.first_mut() {
                    top.t = read_modified.map(to_pair);
                }
                serde_json::to_string(&rec).ok()
            })
        } else {
            self.scanned.fetch_add(1, Ordering::Relaxed);
            (!hash.is_empty())
                .then(|| self.record(path, &key, &hash, allowed, &reports))
                .flatten()
                .and_then(|rec| serde_json::to_string(&rec).ok())
        };
        if let Some(json) = &line {
            self.append(json);
        }
        self.outcome.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(path.to_string(), line);
        reports
    }

    fn set_key(&self, rec: &mut EntryRec, key: &Key) {
        rec.d = key.dev;
        rec.i = key.ino;
        rec.s = key.size;
        rec.m = key.secs;
        rec.n = key.nanos;
        let racy_from = self.started.checked_sub(Duration::from_secs(RACY_SECONDS)).unwrap_or(UNIX_EPOCH);
        rec.r = key.time() >= racy_from;
    }

    /// The entry for a freshly scanned file, or `None` when its reports
    /// must not be cached (a failure, an interruption, an unusual report).
    fn record(&self, path: &str, key: &Key, hash: &str, allowed: usize, reports: &[FileReport]) -> Option<EntryRec> {
        let cacheable = |r: &FileReport| match &r.status {
            FileStatus::Failed(_) => false,
            FileStatus::Skipped(why) => why != scan::NOT_STARTED && !why.contains("grew while scanned"),
            FileStatus::Scanned => true,
        };
        if reports.is_empty()
            || !reports.iter().all(|r| r.path.to_str() == Some(path) && cacheable(r))
            || reports.iter().flat_map(|r| &r.findings).any(|f| f.subject.is_some() || f.context.is_some())
            || scan::stop_requested()
        {
            return None;
        }
        let f = reports
            .iter()
            .map(|r| {
                let (st, w) = match &r.status {
                    FileStatus::Scanned => (0, String::new()),
                    FileStatus::Skipped(w) => (1, w.clone()),
                    FileStatus::Failed(w) => (2, w.clone()),
                };
                ReportRec {
                    m: r.member.clone(),
                    st,
                    w,
                    b: r.bytes,
                    fm: r.format.to_string(),
                    t: r.modified.map(to_pair),
                    x: r.findings.iter().map(|f| self.finding_rec(f)).collect(),
                }
            })
            .collect();
        let mut rec = EntryRec {
            p: path.to_string(),
            d: 0,
            i: 0,
            s: 0,
            m: 0,
            n: 0,
            h: hash.to_string(),
            r: false,
            a: allowed,
            f,
        };
        self.set_key(&mut rec, key);
        Some(rec)
    }

    fn finding_rec(&self, f: &Finding) -> FindingRec {
        let (v, n) = if self.header.raw {
            (f.value().to_string(), f.normalized().to_string())
        } else {
            (self.fingerprint(&f.value().to_lowercase()), self.fingerprint(f.normalized()))
        };
        FindingRec {
            k: f.kind.as_str().to_string(),
            r: f.rule.to_string(),
            l: f.location.clone(),
            v,
            n,
            mv: f.masked_value().to_string(),
            mn: f.masked_normalized().to_string(),
            s: f.score,
            why: f.reason.to_string(),
        }
    }

    /// Appends one entry to the journal (one `write`); a failure stops the
    /// journal and is reported by [`Cache::warnings`].
    fn append(&self, json: &str) {
        let line = seal(json);
        let mut j = self.journal.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(f) = j.as_mut()
            && let Err(e) = f.write_all(line.as_bytes())
        {
            *j = None;
            *self.journal_error.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(e.to_string());
        }
        drop(j);
        if let Some(d) = self.delay {
            std::thread::sleep(d);
        }
    }

    /// Ends the run: when anything changed, writes the new snapshot (the
    /// entries of the files walked this time: new ones, else the stored
    /// ones) atomically and empties the journal. Returns the counts.
    pub fn finish(self) -> Result<Stats, CacheError> {
        let stats = self.stats();
        let outcome = self.outcome.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
        let walked_known = self.walked.iter().filter(|p| self.old.contains_key(*p)).count();
        let unchanged = !self.dirty && outcome.is_empty() && self.journal_lines == 0 && walked_known == self.old.len();
        if unchanged {
            return Ok(stats);
        }
        let unwritable =
            |e: std::io::Error| CacheError::Unwritable { dir: self.dir.display().to_string(), message: e.to_string() };
        let header = seal(&serde_json::to_string(&self.header).expect("a header serialises"));
        let newline = |l: &str| {
            let mut s = String::with_capacity(l.len() + 1);
            s.push_str(l);
            s.push('\n');
            s
        };
        // Lines are sealed one at a time while writing: no second copy of the cache in memory.
        let mut seen = HashSet::new();
        let entries = self.walked.iter().filter(|p| seen.insert(p.as_str())).filter_map(|p| match outcome.get(p) {
            Some(Some(json)) => Some(seal(json)),
            Some(None) => None,
            None => self.old.get(p).map(|e| newline(&e.sealed)),
        });
        write_atomic(&self.files.snap, std::iter::once(header.clone()).chain(entries)).map_err(unwritable)?;
        // The snapshot now holds everything: start an empty journal.
        write_atomic(&self.files.journal, std::iter::once(header)).map_err(unwritable)?;
        Ok(stats)
    }
}

impl Entry {
    /// The stored reports, moved out (empty if taken before).
    fn take(&self) -> Vec<FileReport> {
        std::mem::take(&mut *self.reports.lock().unwrap_or_else(std::sync::PoisonError::into_inner))
    }
}

fn parse_entry(sealed: String) -> Option<(String, Entry)> {
    let rec: EntryRec = serde_json::from_str(unseal(sealed.as_bytes())?).ok()?;
    let path = PathBuf::from(&rec.p);
    let mut rules: HashMap<&str, Arc<str>> = HashMap::new();
    let reports = rec
        .f
        .iter()
        .map(|r| {
            let status = match r.st {
                0 => Some(FileStatus::Scanned),
                1 => Some(FileStatus::Skipped(r.w.clone())),
                _ => None,
            }?;
            let findings =
                r.x.iter()
                    .map(|f| Finding {
                        kind: Kind::custom(&f.k),
                        rule: rules.entry(f.r.as_str()).or_insert_with(|| Arc::from(f.r.as_str())).clone(),
                        location: f.l.clone(),
                        texts: Texts::new(&f.v, &f.n, &f.mv, &f.mn),
                        score: f.s,
                        reason: crate::model::intern(&f.why),
                        subject: None,
                        context: None,
                    })
                    .collect();
            Some(FileReport {
                path: path.clone(),
                member: r.m.clone(),
                status,
                bytes: r.b,
                format: intern(&r.fm),
                modified: r.t.map(from_pair),
                findings,
            })
        })
        .collect::<Option<Vec<_>>>()?;
    if reports.is_empty() {
        return None;
    }
    let entry = Entry {
        key: Key { dev: rec.d, ino: rec.i, size: rec.s, secs: rec.m, nanos: rec.n },
        hash: rec.h,
        racy: rec.r,
        allowed: rec.a,
        reports: Mutex::new(reports),
        sealed,
    };
    Some((rec.p, entry))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::walk::{WalkOptions, walk};

    fn engine() -> Engine {
        Engine::builtin().expect("built-in rules")
    }

    fn items(root: &Path) -> Vec<WalkItem> {
        let opts = WalkOptions {
            follow: false,
            respect_gitignore: false,
            excludes: Vec::new(),
            threads: 1,
            never: Vec::new(),
        };
        walk(&[root.to_path_buf()], &opts).expect("walk")
    }

    /// A tree of files dated an hour ago.
    fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        let old = SystemTime::now() - Duration::from_secs(3600);
        for (p, body) in files {
            let path = dir.path().join(p);
            std::fs::write(&path, body).expect("write");
            File::options().write(true).open(&path).and_then(|f| f.set_modified(old)).expect("mtime");
        }
        dir
    }

    fn run(cache_dir: &Path, root: &Path, raw: bool) -> (Vec<FileReport>, Stats) {
        let engine = engine();
        let opts = ScanOptions::new();
        let config = config_fingerprint(&engine, &opts, raw);
        let mut c = Cache::open(cache_dir, &[root.to_path_buf()], None, &config, raw).expect("open");
        let reports = c.scan(items(root), &scan::Detectors::new(&engine, &opts), &opts);
        let stats = c.finish().expect("finish");
        (reports, stats)
    }

    #[test]
    fn lines_are_sealed_and_torn_lines_rejected() {
        let line = seal("{\"a\":1}");
        assert!(line.ends_with('\n'));
        let body = line.trim_end().as_bytes();
        assert_eq!(unseal(body), Some("{\"a\":1}"));
        assert_eq!(unseal(&body[..body.len() - 2]), None);
        assert_eq!(unseal(b"garbage"), None);
        assert_eq!(unseal(&[0xff, 0xfe, b' ', b'{']), None);
    }

    #[test]
    fn times_round_trip() {
        for t in [(0, 0), (1_700_000_000, 123_456_789), (-5, 0), (-5, 999_999_999)] {
            assert_eq!(to_pair(from_pair(t)), t);
        }
    }

    #[test]
    fn second_run_reuses_every_file_and_reports_the_same() {
        let data = tree(&[("a.txt", "pnr 811218-9876\n"), ("b.txt", "mail per@exempel.se\n"), ("c.bin", "\0\0\0")]);
        let cache = tempfile::tempdir().expect("cache");
        let (cold, s1) = run(cache.path(), data.path(), false);
        assert_eq!((s1.unchanged, s1.same_content, s1.scanned), (0, 0, 3));
        let (warm, s2) = run(cache.path(), data.path(), false);
        assert_eq!((s2.unchanged, s2.same_content, s2.scanned), (3, 0, 0));
        assert_eq!(cold.len(), warm.len());
        for (a, b) in cold.iter().zip(&warm) {
            assert_eq!(
                (&a.path, &a.member, &a.status, a.bytes, a.format, a.modified),
                (&b.path, &b.member, &b.status, b.bytes, b.format, b.modified)
            );
            assert_eq!(a.findings.len(), b.findings.len());
            for (f, g) in a.findings.iter().zip(&b.findings) {
                assert_eq!(
                    (f.kind, &f.rule, &f.location, f.masked_value(), f.masked_normalized(), f.score, &f.reason),
                    (g.kind, &g.rule, &g.location, g.masked_value(), g.masked_normalized(), g.score, &g.reason)
                );
                assert!(g.value().starts_with('\0') && g.normalized().starts_with('\0'), "fingerprints, not values");
            }
        }
        let (raw, _) = run(cache.path(), data.path(), true);
        assert_eq!(raw[0].findings[0].value(), "811218-9876");
        let (raw_warm, s) = run(cache.path(), data.path(), true);
        assert_eq!(s.unchanged, 3);
        assert_eq!(raw_warm[0].findings[0].value(), "811218-9876", "raw values kept with --show-values");
    }

    #[test]
    fn fingerprints_are_keyed_and_prefixed() {
        let cache = tempfile::tempdir().expect("cache");
        let other = tempfile::tempdir().expect("cache");
        let a = Cache::open(cache.path(), &[PathBuf::from("x")], None, "c", false).expect("open");
        let b = Cache::open(other.path(), &[PathBuf::from("x")], None, "c", false).expect("open");
        assert_eq!(a.fingerprint("198112189876"), a.fingerprint("198112189876"));
        assert_ne!(a.fingerprint("198112189876"), b.fingerprint("198112189876"), "random key per cache");
        assert!(a.fingerprint("x").starts_with('\0') && a.fingerprint("x").len() == 33);
    }

    #[test]
    fn a_second_open_is_busy_until_the_first_ends() {
        let cache = tempfile::tempdir().expect("cache");
        let roots = [PathBuf::from("x")];
        let first = Cache::open(cache.path(), &roots, None, "c", false).expect("open");
        assert!(matches!(Cache::open(cache.path(), &roots, None, "c", false), Err(CacheError::Busy { .. })));
        assert!(Cache::open(cache.path(), &roots, Some("1/2"), "c", false).is_ok(), "another shard, other files");
        drop(first);
        assert!(Cache::open(cache.path(), &roots, None, "c", false).is_ok());
    }

    #[test]
    fn the_configuration_fingerprint_follows_the_options() {
        let engine = engine();
        let opts = ScanOptions::new();
        let base = config_fingerprint(&engine, &opts, false);
        assert_eq!(base, config_fingerprint(&engine, &opts, false));
        assert_ne!(base, config_fingerprint(&engine, &opts, true));
        let low = ScanOptions { min_confidence: crate::Confidence::Low, ..ScanOptions::new() };
        assert_ne!(base, config_fingerprint(&engine, &low, false));
        let kinds = ScanOptions { kinds: vec![Kind::Email], ..ScanOptions::new() };
        assert_ne!(base, config_fingerprint(&engine, &kinds, false));
        let big = ScanOptions { max_filesize: 1, ..ScanOptions::new() };
        assert_ne!(base, config_fingerprint(&engine, &big, false));
        let later =
            Engine::builtin().expect("rules").with_today(crate::detect::date::Date { year: 2099, month: 1, day: 1 });
        assert_ne!(base, config_fingerprint(&later, &opts, false));
    }

    #[test]
    fn another_configuration_empties_the_cache() {
        let data = tree(&[("a.txt", "pnr 811218-9876\n")]);
        let cache = tempfile::tempdir().expect("cache");
        let roots = [data.path().to_path_buf()];
        drop(Cache::open(cache.path(), &roots, None, "one", false).expect("open").finish());
        run(cache.path(), data.path(), false);
        let c = Cache::open(cache.path(), &roots, None, "two", false).expect("open");
        assert!(c.stats().invalidated);
        assert!(c.stored.is_empty());
    }

    #[test]
    fn the_default_folder_follows_xdg() {
        // Only reads the environment; both variables are normally set in tests.
        if let Some(d) = default_dir() {
            assert!(d.ends_with("snoka"));
        }
    }
}
