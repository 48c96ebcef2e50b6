//! Scale-out: `--shard K/N` scans the K-th of N disjoint, stable parts of
//! the tree, and `snoka merge` joins the shards' reports into the bytes one
//! scan would have written.
//!
//! A file belongs to shard `1 + FNV-1a-64(relative path) mod N`, where the
//! relative path is the path below the root given on the command line,
//! with `/` separators. The hash is fixed (not Rust's randomised one), so
//! the same file lands in the same shard on every machine and in every
//! version, whatever the mount point of the share.
//!
//! Merging relies on how reports are sorted: by path (compared as paths,
//! component by component) and member, and every row of one file comes
//! from one shard. So a stable sort of all rows by (path, member) restores
//! the single-scan order exactly.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use thiserror::Error;

use crate::walk::WalkItem;

/// One of N parts of a tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// 1-based index.
    pub index: u64,
    /// Number of shards.
    pub count: u64,
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Shard, String> {
        let (k, n) = s.split_once('/').ok_or_else(|| format!("expected K/N (e.g. 2/8), not {s:?}"))?;
        let index: u64 = k.trim().parse().map_err(|_| format!("shard index {k:?} is not a number"))?;
        let count: u64 = n.trim().parse().map_err(|_| format!("shard count {n:?} is not a number"))?;
        if count == 0 || index == 0 || index > count {
            return Err(format!("shard {s:?}: need 1 <= K <= N"));
        }
        Ok(Shard { index, count })
    }
}

/// FNV-1a, 64 bit: small, fixed and well known.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3))
}

impl Shard {
    /// The shard (1-based) that `relative` belongs to.
    pub fn of(relative: &str, count: u64) -> u64 {
        1 + fnv1a(relative.replace('\\', "/").as_bytes()) % count.max(1)
    }

    /// True when `path`, walked from one of `roots`, belongs to this shard.
    pub fn contains(&self, path: &Path, roots: &[PathBuf]) -> bool {
        Shard::of(&relative(path, roots), self.count) == self.index
    }

    /// Keeps the walked items of this shard.
    pub fn filter(&self, items: &mut Vec<WalkItem>, roots: &[PathBuf]) {
        items.retain(|item| {
            let path = match item {
                WalkItem::File(job) => &job.path,
                WalkItem::Skipped { path, .. } | WalkItem::Failed { path, .. } => path,
            };
            self.contains(path, roots)
        });
    }
}

/// `path` below the longest root it starts with; the file name for a root
/// that is the file itself; the whole path otherwise.
fn relative(path: &Path, roots: &[PathBuf]) -> String {
    let best = roots.iter().filter_map(|r| path.strip_prefix(r).ok()).min_by_key(|r| r.as_os_str().len());
    let rel = match best {
        Some(r) if !r.as_os_str().is_empty() => r,
        Some(_) => path.file_name().map_or(path, Path::new),
        None => path,
    };
    rel.to_string_lossy().into_owned()
}

/// Why shard reports cannot be merged.
#[derive(Debug, Error)]
pub enum MergeError {
    /// Reading a report failed.
    #[error("{file}: {source}")]
    Io {
        /// The report.
        file: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The reports are not all of one mergeable kind.
    #[error("{file}: {problem}")]
    Format {
        /// The report.
        file: PathBuf,
        /// What is wrong.
        problem: String,
    },
}

/// One row of a report and the key it sorts by.
struct Row {
    path: PathBuf,
    member: String,
    text: String,
}

/// Merges reports of the same kind (CSV of findings, `--errors` lists,
/// inventories: header then rows with `path,member` first; or JSON Lines)
/// into `out`: one header, then every row in single-scan order.
pub fn merge(files: &[PathBuf], out: &mut dyn std::io::Write) -> Result<(), MergeError> {
    let mut header: Option<String> = None;
    let mut rows: Vec<Row> = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(file).map_err(|source| MergeError::Io { file: file.clone(), source })?;
        let bad = |problem: String| MergeError::Format { file: file.clone(), problem };
        let jsonl = text.starts_with('{');
        let mut body = text.as_str();
        if !jsonl && !text.is_empty() {
            let (first, rest) = text.split_once('\n').unwrap_or((&text, ""));
            if !first.starts_with("path,member,") {
                return Err(bad("not a per-file report (its first columns must be path,member)".into()));
            }
            match &header {
                Some(h) if h != first => return Err(bad(format!("header differs from the first report's: {first}"))),
                Some(_) => {}
                None => header = Some(first.to_string()),
            }
            body = rest;
        }
        if jsonl && header.as_deref().is_some_and(|h| !h.is_empty()) {
            return Err(bad("JSON Lines cannot be merged with CSV".into()));
        }
        if jsonl {
            header.get_or_insert_with(String::new);
        }
        let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(body.as_bytes());
        if jsonl {
            for line in body.lines().filter(|l| !l.trim().is_empty()) {
                let v: serde_json::Value = serde_json::from_str(line).map_err(|e| bad(e.to_string()))?;
                let path = v.get("path").and_then(|p| p.as_str()).unwrap_or("");
                let member = v.get("member").and_then(|p| p.as_str()).unwrap_or("");
                rows.push(Row { path: PathBuf::from(path), member: member.to_string(), text: format!("{line}\n") });
            }
            continue;
        }
        // CSV: keep each record's bytes as written (quoting included).
        let mut record = csv::ByteRecord::new();
        let mut start = 0usize;
        loop {
            match reader.read_byte_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {
                    let end = reader.position().byte() as usize;
                    let raw = &body[start..end.min(body.len())];
                    start = end;
                    let field = |i: usize| String::from_utf8_lossy(record.get(i).unwrap_or(b"")).into_owned();
                    let path = field(0);
                    // Cells neutralised against formulas start with `'`.
                    let path = match path.strip_prefix('\'') {
                        Some(p) if p.starts_with(['=', '+', '-', '@', '\t', '\r']) => p.to_string(),
                        _ => path,
                    };
                    let member = field(1);
                    let member = match member.strip_prefix('\'') {
                        Some(m) if m.starts_with(['=', '+', '-', '@', '\t', '\r']) => m.to_string(),
                        _ => member,
                    };
                    let mut text = raw.to_string();
                    if !text.ends_with('\n') {
                        text.push('\n');
                    }
                    rows.push(Row { path: PathBuf::from(path), member, text });
                }
                Err(e) => return Err(bad(e.to_string())),
            }
        }
    }
    // Stable: rows of one file keep their order.
    rows.sort_by(|a, b| (&a.path, &a.member).cmp(&(&b.path, &b.member)));
    let io = |source| MergeError::Io { file: PathBuf::from("output"), source };
    if let Some(h) = header.filter(|h| !h.is_empty()) {
        writeln!(out, "{h}").map_err(io)?;
    }
    for r in rows {
        out.write_all(r.text.as_bytes()).map_err(io)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_are_stable_and_cover_everything_once() {
        let shard: Shard = "2/3".parse().expect("valid");
        assert_eq!(shard, Shard { index: 2, count: 3 });
        for bad in ["0/3", "4/3", "1/0", "x/2", "3"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
        // Fixed values: a change here would move files between shards.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        let roots = vec![PathBuf::from("/mnt/share")];
        let other = vec![PathBuf::from("/srv/share")];
        let a = Path::new("/mnt/share/HR/lön.xlsx");
        let b = Path::new("/srv/share/HR/lön.xlsx");
        let n = 5;
        let owners: Vec<u64> = (1..=n).filter(|&k| Shard { index: k, count: n }.contains(a, &roots)).collect();
        assert_eq!(owners.len(), 1, "exactly one shard");
        assert!(Shard { index: owners[0], count: n }.contains(b, &other), "independent of the mount point");
    }

    #[test]
    fn merge_restores_path_order_with_quoted_rows() {
        let tmp = tempfile::tempdir().expect("tmp");
        let h = "path,member,kind,value";
        let one = tmp.path().join("1.csv");
        let two = tmp.path().join("2.csv");
        std::fs::write(&one, format!("{h}\na/b,,email,\"x,1\"\na/b,,cpr,y\nc,,email,z\n")).expect("write");
        std::fs::write(&two, format!("{h}\na-b,,email,q\nb,m,email,\"multi\nline\"\n")).expect("write");
        let mut out = Vec::new();
        merge(&[two.clone(), one.clone()], &mut out).expect("merge");
        assert_eq!(
            String::from_utf8(out).expect("utf8"),
            format!("{h}\na/b,,email,\"x,1\"\na/b,,cpr,y\na-b,,email,q\nb,m,email,\"multi\nline\"\nc,,email,z\n"),
            "a/b sorts before a-b as paths do"
        );
        std::fs::write(&two, "folder,files\n").expect("write");
        assert!(merge(&[one, two], &mut Vec::new()).is_err());
    }
}
