//! What a CI run does not report again: findings accepted in a baseline,
//! values and paths on an allowlist (the `snoka:allow` line marker is
//! applied while scanning, see [`crate::scan::ALLOW_MARKER`]). Every
//! suppression is counted, so nothing disappears silently.
//!
//! A baseline holds fingerprints, never values: an HMAC-SHA256, under a
//! random key stored in the file, of (rule, path, member, location, kind)
//! for each accepted finding and of (path, member) for each accepted
//! unreadable file. Nothing in it can be turned back into a personnummer.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::io::Write;

use globset::{Glob, GlobSet, GlobSetBuilder};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use thiserror::Error;

use crate::Engine;
use crate::error::ReportError;
use crate::model::{FileReport, FileStatus, Finding};

/// A problem with a baseline or allowlist file.
#[derive(Debug, Error)]
pub enum SuppressError {
    /// The baseline file is not one snoka wrote.
    #[error("{file}: line {line}: {problem}")]
    Baseline {
        /// The file.
        file: String,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        problem: String,
    },
    /// An `--allow-paths` glob does not parse.
    #[error("--allow-paths {glob:?}: {message}")]
    Glob {
        /// The glob.
        glob: String,
        /// What the parser said.
        message: String,
    },
    /// No randomness for a new baseline key.
    #[error("no random key for the baseline: {0}")]
    Random(String),
}

/// Suppressions per reason (`baseline`, `snoka:allow`, `allow-values`,
/// `allow-paths`), for the summary.
pub type Counts = BTreeMap<&'static str, usize>;

/// Values and paths never reported.
#[derive(Debug, Default)]
pub struct AllowList {
    values: HashSet<String>,
    paths: Option<GlobSet>,
}

impl AllowList {
    /// An allowlist of `values` (one per line, any written form; blank
    /// lines and `#` comments skipped) and path `globs`. Each value is
    /// normalised by the detectors (so `811218-9876` also allows
    /// `198112189876`); the line as written, lower-cased, is kept too.
    pub fn new(engine: &Engine, values: &str, globs: &[String]) -> Result<AllowList, SuppressError> {
        let mut set = HashSet::new();
        let mut dets = Vec::new();
        for line in values.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
            dets.clear();
            engine.detect(line, &mut dets);
            set.extend(dets.drain(..).map(|d| d.normalized));
            set.insert(line.to_lowercase());
        }
        let paths = if globs.is_empty() {
            None
        } else {
            let mut b = GlobSetBuilder::new();
            for g in globs {
                let glob = Glob::new(g).map_err(|e| SuppressError::Glob { glob: g.clone(), message: e.to_string() })?;
                b.add(glob);
            }
            Some(b.build().map_err(|e| SuppressError::Glob { glob: globs.join(","), message: e.to_string() })?)
        };
        Ok(AllowList { values: set, paths })
    }

    /// Also allows findings whose `normalized` value, or `value` lower-cased,
    /// is the fingerprint `fp` gives for a listed value: findings from the
    /// scan cache carry fingerprints instead of values (see
    /// [`crate::cache::Cache::fingerprint`]).
    pub fn add_fingerprints(&mut self, fp: impl Fn(&str) -> String) {
        let prints: Vec<String> = self.values.iter().map(|v| fp(v)).collect();
        self.values.extend(prints);
    }

    /// True when nothing is allowed.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty() && self.paths.is_none()
    }

    /// Drops the allowed findings from `reports`, counting them in `counts`.
    pub fn apply(&self, reports: &mut [FileReport], counts: &mut Counts) {
        for r in reports {
            if r.findings.is_empty() {
                continue;
            }
            let path = r.path.to_string_lossy().replace('\\', "/");
            let path = path.strip_prefix("./").unwrap_or(&path);
            if self.paths.as_ref().is_some_and(|g| g.is_match(path)) {
                *counts.entry("allow-paths").or_default() += r.findings.len();
                r.findings.clear();
                continue;
            }
            if self.values.is_empty() {
                continue;
            }
            let before = r.findings.len();
            r.findings
                .retain(|f| !(self.values.contains(f.normalized()) || self.values.contains(&f.value().to_lowercase())));
            let dropped = before - r.findings.len();
            if dropped > 0 {
                *counts.entry("allow-values").or_default() += dropped;
            }
        }
    }
}

/// Accepted findings and unreadable files, as keyed fingerprints.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Baseline {
    key: [u8; 32],
    findings: BTreeSet<String>,
    failed: BTreeSet<String>,
}

const HEADER: &str = "# snoka baseline 1: keyed fingerprints of accepted findings and unreadable files; no values";

impl Baseline {
    /// An empty baseline with a new random key.
    pub fn new() -> Result<Baseline, SuppressError> {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).map_err(|e| SuppressError::Random(e.to_string()))?;
        Ok(Baseline::with_key(key))
    }

    /// An empty baseline under `key`.
    pub fn with_key(key: [u8; 32]) -> Baseline {
        Baseline { key, findings: BTreeSet::new(), failed: BTreeSet::new() }
    }

    /// The same key, no entries: for rewriting a baseline without changing
    /// the fingerprints of what stayed.
    pub fn emptied(&self) -> Baseline {
        Baseline::with_key(self.key)
    }

    /// Reads a baseline written by [`Baseline::write`]. `file` names it in
    /// errors.
    pub fn parse(file: &str, text: &str) -> Result<Baseline, SuppressError> {
        let bad =
            |line: usize, problem: &str| SuppressError::Baseline { file: file.into(), line, problem: problem.into() };
        let mut key = None;
        let mut findings = BTreeSet::new();
        let mut failed = BTreeSet::new();
        for (i, line) in text.lines().enumerate() {
            let n = i + 1;
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut parts = line.split_whitespace();
            let (what, hex) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
            if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(bad(n, "expected 64 hex digits"));
            }
            match what {
                "key" => {
                    let mut k = [0u8; 32];
                    for (j, byte) in k.iter_mut().enumerate() {
                        *byte = u8::from_str_radix(&hex[2 * j..2 * j + 2], 16).map_err(|_| bad(n, "bad hex"))?;
                    }
                    key = Some(k);
                }
                "finding" => {
                    findings.insert(hex.to_ascii_lowercase());
                }
                "failed" => {
                    failed.insert(hex.to_ascii_lowercase());
                }
                _ => return Err(bad(n, "expected `key`, `finding` or `failed`")),
            }
        }
        let key = key.ok_or_else(|| bad(1, "no `key` line: not a snoka baseline"))?;
        Ok(Baseline { key, findings, failed })
    }

    fn mac(&self, parts: &[&str]) -> String {
        let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.key).expect("HMAC takes any key length");
        for p in parts {
            m.update(p.as_bytes());
            m.update(&[0]);
        }
        m.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
    }

    fn finding_print(&self, r: &FileReport, f: &Finding) -> String {
        let path = r.path.to_string_lossy().replace('\\', "/");
        let location = f.location.to_string();
        self.mac(&["finding", &f.rule, &path, &r.member, &location, f.kind.as_str()])
    }

    fn failed_print(&self, r: &FileReport) -> String {
        let path = r.path.to_string_lossy().replace('\\', "/");
        self.mac(&["failed", &path, &r.member])
    }

    /// Adds every finding and every failed file of `reports` (failed
    /// files that exist: a missing path is never accepted).
    pub fn add(&mut self, reports: &[FileReport]) {
        for r in reports {
            for f in &r.findings {
                let p = self.finding_print(r, f);
                self.findings.insert(p);
            }
            // A path that does not exist (a typo on the command line) is
            // never accepted: it is not a damaged file but a wrong job.
            if matches!(r.status, FileStatus::Failed(_)) && r.path.symlink_metadata().is_ok() {
                let p = self.failed_print(r);
                self.failed.insert(p);
            }
        }
    }

    /// Drops the findings of `reports` that are in the baseline (counted
    /// as `baseline`) and returns how many failed files it accepts. Failed
    /// files stay in the reports: a hole is still listed.
    pub fn apply(&self, reports: &mut [FileReport], counts: &mut Counts) -> usize {
        let mut accepted = 0;
        for r in reports.iter_mut() {
            if matches!(r.status, FileStatus::Failed(_)) && self.failed.contains(&self.failed_print(r)) {
                accepted += 1;
            }
            let before = r.findings.len();
            let prints: Vec<bool> =
                r.findings.iter().map(|f| self.findings.contains(&self.finding_print(r, f))).collect();
            let mut keep = prints.into_iter().map(|known| !known);
            r.findings.retain(|_| keep.next().unwrap_or(true));
            let dropped = before - r.findings.len();
            if dropped > 0 {
                *counts.entry("baseline").or_default() += dropped;
            }
        }
        accepted
    }

    /// Writes the baseline: a header, the key, then sorted entries (stable
    /// diffs in version control).
    pub fn write(&self, w: &mut dyn Write) -> Result<(), ReportError> {
        writeln!(w, "{HEADER}")?;
        let key: String = self.key.iter().map(|b| format!("{b:02x}")).collect();
        writeln!(w, "key {key}")?;
        for f in &self.findings {
            writeln!(w, "finding {f}")?;
        }
        for f in &self.failed {
            writeln!(w, "failed {f}")?;
        }
        Ok(())
    }

    /// Accepted findings and failed files.
    pub fn len(&self) -> (usize, usize) {
        (self.findings.len(), self.failed.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Kind, Location};

    fn report(path: &str, values: &[(&str, u64)]) -> FileReport {
        FileReport {
            path: path.into(),
            member: String::new(),
            status: FileStatus::Scanned,
            bytes: 1,
            format: "text",
            modified: None,
            findings: values
                .iter()
                .map(|(v, line)| Finding {
                    kind: Kind::Personnummer,
                    rule: "national-id".into(),
                    location: Location::Line { line: *line, column: 1 },
                    texts: crate::model::Texts::new(v, &format!("19{}", v.replace('-', "")), "", ""),
                    score: 0.9,
                    reason: "".into(),
                    subject: None,
                    context: None,
                })
                .collect(),
        }
    }

    #[test]
    fn baseline_round_trip_suppresses_exactly_what_it_saw() {
        let mut b = Baseline::with_key([7; 32]);
        let seen = vec![report("a.txt", &[("811218-9876", 1)])];
        b.add(&seen);
        let mut text = Vec::new();
        b.write(&mut text).expect("write");
        let text = String::from_utf8(text).expect("utf8");
        assert!(!text.contains("9876") && !text.contains("811218"), "{text}");
        let back = Baseline::parse("b", &text).expect("parse");
        assert_eq!(back, b);
        let mut again = vec![report("a.txt", &[("811218-9876", 1), ("460705-4725", 2)])];
        let mut counts = Counts::new();
        back.apply(&mut again, &mut counts);
        assert_eq!(again[0].findings.len(), 1);
        assert_eq!(again[0].findings[0].value(), "460705-4725");
        assert_eq!(counts["baseline"], 1);
    }

    #[test]
    fn bad_baselines_name_the_line() {
        let e = Baseline::parse("b.txt", "key 00\n").expect_err("short");
        assert!(e.to_string().starts_with("b.txt: line 1: "), "{e}");
        let e =
            Baseline::parse("b.txt", "# x\nfinding 0000000000000000000000000000000000000000000000000000000000000000\n")
                .expect_err("no key");
        assert!(e.to_string().contains("no `key`"), "{e}");
    }

    #[test]
    fn a_new_key_is_random() {
        assert_ne!(Baseline::new().expect("key").key, Baseline::new().expect("key").key);
    }

    #[test]
    fn allowlists_by_value_in_any_form_and_by_path() {
        let engine = Engine::builtin().expect("rules");
        let allow = AllowList::new(&engine, "# test numbers\n19811218-9876\n", &["fixtures/**".into()]).expect("ok");
        let mut reports = vec![
            report("src/a.txt", &[("811218-9876", 1), ("460705-4725", 2)]),
            report("./fixtures/x/b.txt", &[("460705-4725", 1)]),
        ];
        let mut counts = Counts::new();
        allow.apply(&mut reports, &mut counts);
        assert_eq!(reports[0].findings.len(), 1);
        assert!(reports[1].findings.is_empty());
        assert_eq!((counts["allow-values"], counts["allow-paths"]), (1, 1));
        assert!(AllowList::new(&engine, "", &["a[".into()]).is_err());
    }
}
