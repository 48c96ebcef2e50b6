//! The one-line summary printed to stderr after a scan, and the counts the
//! exit code is decided from.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use crate::model::{FileReport, FileStatus, Kind};

/// Counts over a whole scan.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Summary {
    /// Files read and searched (top-level files; see `members`).
    pub scanned: usize,
    /// Container members (archive files, attachments) read and searched.
    pub members: usize,
    /// Bytes read from disk for the scanned files.
    pub bytes: u64,
    /// Files and members skipped by policy (size, binary, special,
    /// symlink, encrypted, unsupported, a limit).
    pub skipped: usize,
    /// Files, members or folders that could not be read.
    pub failed: usize,
    /// Reported findings per kind.
    pub findings: BTreeMap<Kind, usize>,
    /// Wall-clock time of walk and scan.
    pub elapsed: Duration,
    /// Findings not reported, per reason (`baseline`, `snoka:allow`,
    /// `allow-values`, `allow-paths`).
    pub suppressed: BTreeMap<&'static str, usize>,
    /// Failed files that the baseline accepts (still listed as failed).
    pub accepted_failed: usize,
    /// With `--cache`: files whose reports came from the cache (counted in
    /// `scanned` too, as the reports are the same).
    pub cached: Option<usize>,
}

impl Summary {
    /// Counts `reports`.
    pub fn of(reports: &[FileReport], elapsed: Duration) -> Summary {
        let mut s = Summary { elapsed, ..Summary::default() };
        s.add(reports);
        s
    }

    /// Counts `reports` too.
    pub fn add(&mut self, reports: &[FileReport]) {
        let s = self;
        for r in reports {
            match r.status {
                FileStatus::Scanned if !r.member.is_empty() => s.members += 1,
                FileStatus::Scanned => s.scanned += 1,
                FileStatus::Skipped(_) => s.skipped += 1,
                FileStatus::Failed(_) => s.failed += 1,
            }
            if r.member.is_empty() {
                s.bytes += r.bytes;
            }
            for f in &r.findings {
                *s.findings.entry(f.kind).or_default() += 1;
            }
        }
    }

    /// Total reported findings.
    pub fn total_findings(&self) -> usize {
        self.findings.values().sum()
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.elapsed.as_secs_f64();
        let mbps = if secs > 0.0 { self.bytes as f64 / 1e6 / secs } else { 0.0 };
        write!(
            f,
            "scanned {} file{}{} ({}) in {:.2} s ({:.1} MB/s): {} finding{}",
            self.scanned,
            if self.scanned == 1 { "" } else { "s" },
            match self.members {
                0 => String::new(),
                1 => " and 1 member".to_string(),
                n => format!(" and {n} members"),
            },
            bytesize::ByteSize(self.bytes).display().iec(),
            secs,
            mbps,
            self.total_findings(),
            if self.total_findings() == 1 { "" } else { "s" }
        )?;
        if !self.findings.is_empty() {
            let parts: Vec<String> = self.findings.iter().map(|(k, n)| format!("{k} {n}")).collect();
            write!(f, " ({})", parts.join(", "))?;
        }
        let suppressed: usize = self.suppressed.values().sum();
        if suppressed > 0 {
            let parts: Vec<String> = self.suppressed.iter().map(|(k, n)| format!("{k} {n}")).collect();
            write!(f, "; {suppressed} not reported ({})", parts.join(", "))?;
        }
        write!(f, "; {} skipped, {} failed", self.skipped, self.failed)?;
        if self.accepted_failed > 0 {
            write!(f, " ({} accepted by the baseline)", self.accepted_failed)?;
        }
        if let Some(n) = self.cached {
            write!(f, "; {n} from cache")?;
        }
        Ok(())
    }
}
