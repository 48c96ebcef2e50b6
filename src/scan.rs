//! Scanning: runs extraction and detection over the walked files in
//! parallel, one [`FileReport`] per file. A file that cannot be read, or
//! whose extraction panics, becomes a `failed` report; the scan goes on.
//! Reports come back sorted by path, findings by location and kind, so the
//! output is identical for any number of threads.

use std::fs::File;
use std::io::Read;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use indicatif::{ParallelProgressIterator, ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

use crate::detect::{Detection, Engine};
use crate::error::ExtractError;
use crate::extract::LineCursor;
use crate::extract::text::{Decoded, decode};
use crate::model::{Confidence, FileReport, FileStatus, Finding, Kind};
use crate::walk::{FileJob, WalkItem};

/// What to keep from a scan.
#[derive(Clone, Debug)]
pub struct ScanOptions {
    /// Findings below this confidence are dropped.
    pub min_confidence: Confidence,
    /// Only these kinds are kept (all when empty).
    pub kinds: Vec<Kind>,
    /// Files that turn out larger than this while reading are skipped.
    pub max_filesize: u64,
    /// Show a progress bar on stderr (only drawn when stderr is a terminal).
    pub progress: bool,
}

/// Scans every walked item on the current rayon pool and returns the
/// reports sorted by path.
pub fn scan(items: Vec<WalkItem>, engine: &Engine, opts: &ScanOptions) -> Vec<FileReport> {
    let pb = progress_bar(items.len() as u64, opts.progress);
    let mut reports: Vec<FileReport> = items
        .into_par_iter()
        .progress_with(pb.clone())
        .map(|item| match item {
            WalkItem::File(job) => scan_file(&job, engine, opts),
            WalkItem::Skipped { path, reason } => report(path.as_path(), FileStatus::Skipped(reason), 0),
            WalkItem::Failed { path, message } => report(path.as_path(), FileStatus::Failed(message), 0),
        })
        .collect();
    pb.finish_and_clear();
    reports.sort_by(|a, b| (&a.path, &a.member).cmp(&(&b.path, &b.member)));
    reports
}

fn progress_bar(len: u64, enabled: bool) -> ProgressBar {
    if !enabled {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{spinner} {pos}/{len} files [{elapsed_precise}] {wide_bar} {eta}")
    {
        pb.set_style(style);
    }
    pb
}

fn report(path: &Path, status: FileStatus, bytes: u64) -> FileReport {
    FileReport { path: path.to_path_buf(), member: String::new(), status, bytes, findings: Vec::new() }
}

/// Scans one file. Never panics and never fails the scan: every problem is
/// the file's status.
pub fn scan_file(job: &FileJob, engine: &Engine, opts: &ScanOptions) -> FileReport {
    catch_unwind(AssertUnwindSafe(|| scan_file_inner(job, engine, opts)))
        .unwrap_or_else(|_| report(&job.path, FileStatus::Failed(ExtractError::Panic.to_string()), 0))
}

fn scan_file_inner(job: &FileJob, engine: &Engine, opts: &ScanOptions) -> FileReport {
    let bytes = match read_bounded(&job.path, opts.max_filesize) {
        Ok(b) => b,
        Err(e) => return report(&job.path, FileStatus::Failed(e.to_string()), 0),
    };
    let n = bytes.len() as u64;
    if n > opts.max_filesize {
        return report(&job.path, FileStatus::Skipped("larger than --max-filesize (grew while scanned)".into()), 0);
    }
    match decode(&bytes) {
        Decoded::Binary => report(&job.path, FileStatus::Skipped("binary".into()), n),
        Decoded::Text { text, .. } => {
            let mut r = report(&job.path, FileStatus::Scanned, n);
            r.findings = find_in_text(&text, engine, opts);
            r
        }
    }
}

/// Opens a file read-only and reads at most `limit + 1` bytes.
fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, ExtractError> {
    let mut f = File::open(path)?;
    let mut buf = Vec::new();
    f.by_ref().take(limit.saturating_add(1)).read_to_end(&mut buf)?;
    Ok(buf)
}

/// Runs the detectors over plain text and returns the findings that pass
/// the options, located by line and column, in text order.
pub fn find_in_text(text: &str, engine: &Engine, opts: &ScanOptions) -> Vec<Finding> {
    let mut dets: Vec<Detection> = Vec::new();
    engine.detect(text, &mut dets);
    dets.retain(|d| {
        Confidence::from_score(d.score) >= opts.min_confidence
            && (opts.kinds.is_empty() || opts.kinds.contains(&d.kind))
    });
    dets.sort_by_key(|d| d.span.start);
    let mut cursor = LineCursor::new(text);
    let mut findings: Vec<Finding> = dets
        .into_iter()
        .map(|d| {
            let value = &text[d.span.clone()];
            Finding {
                kind: d.kind,
                rule: d.rule,
                location: cursor.locate(d.span.start),
                value: value.to_string(),
                masked_value: d.mask_value.apply(value),
                masked_normalized: d.mask_normalized.apply(&d.normalized),
                normalized: d.normalized,
                score: d.score,
                reason: d.reason,
            }
        })
        .collect();
    findings.sort_by(|a, b| (&a.location, a.kind).cmp(&(&b.location, b.kind)));
    findings
}
