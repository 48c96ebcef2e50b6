//! Walking: lists the files to scan, in parallel, with compliance defaults.
//!
//! Unlike ripgrep, snoka does not honour `.gitignore` (unless asked) and
//! does not skip hidden files: anything silently skipped is a hole in the
//! inventory. It honours its own `.snokaignore` files (gitignore syntax) and
//! `--exclude` globs, skips `.git/` directories, never follows symbolic
//! links unless asked, and never opens special files (FIFOs, sockets,
//! devices). Files are listed whatever their size: the scanner streams
//! large text and CSV files and skips other formats over `--max-filesize`
//! (it needs their first bytes to tell).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ignore::overrides::OverrideBuilder;
use ignore::{WalkBuilder, WalkState};

/// The name of snoka's ignore file.
pub const IGNORE_FILE: &str = ".snokaignore";

/// How to walk.
#[derive(Clone, Debug)]
pub struct WalkOptions {
    /// Follow symbolic links (with loop detection).
    pub follow: bool,
    /// Also honour `.gitignore`, `.ignore` and git excludes.
    pub respect_gitignore: bool,
    /// Globs (gitignore syntax) of paths not to scan.
    pub excludes: Vec<String>,
    /// Walker threads (0 = automatic).
    pub threads: usize,
    /// Files never to scan (snoka's own report), compared canonically.
    pub never: Vec<PathBuf>,
}

/// A file to scan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileJob {
    /// Path as walked (relative if the root was relative).
    pub path: PathBuf,
    /// Size in bytes when walked.
    pub size: u64,
}

/// One thing the walk produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WalkItem {
    /// A regular file to scan.
    File(FileJob),
    /// A file deliberately not scanned, with the reason.
    Skipped {
        /// The path.
        path: PathBuf,
        /// Why (`special file (fifo)`, `symbolic link (not followed)`).
        reason: String,
    },
    /// A path that could not be walked (permission denied on a folder,
    /// vanished file): the inventory has a hole here.
    Failed {
        /// The path.
        path: PathBuf,
        /// The error.
        message: String,
    },
}

impl WalkItem {
    /// The path of this item.
    pub fn path(&self) -> &Path {
        match self {
            WalkItem::File(j) => &j.path,
            WalkItem::Skipped { path, .. } | WalkItem::Failed { path, .. } => path,
        }
    }
}

/// Walks `roots` and returns every item, sorted by path.
pub fn walk(roots: &[PathBuf], opts: &WalkOptions) -> Result<Vec<WalkItem>, ignore::Error> {
    let mut items = Vec::new();
    let mut dirs = Vec::new();
    for root in roots {
        // A root that does not exist or cannot be read is reported like any
        // other unreadable path.
        match std::fs::metadata(root) {
            Err(e) => items.push(WalkItem::Failed { path: root.clone(), message: e.to_string() }),
            Ok(m) if m.is_dir() => dirs.push(root.clone()),
            Ok(_) => items.extend(classify_root_file(root)),
        }
    }
    if let Some((first, rest)) = dirs.split_first() {
        let mut b = WalkBuilder::new(first);
        for d in rest {
            b.add(d);
        }
        b.standard_filters(false)
            .hidden(false)
            .git_ignore(opts.respect_gitignore)
            .git_exclude(opts.respect_gitignore)
            .git_global(opts.respect_gitignore)
            .ignore(opts.respect_gitignore)
            .parents(opts.respect_gitignore)
            .require_git(false)
            .follow_links(opts.follow)
            .threads(opts.threads)
            .add_custom_ignore_filename(IGNORE_FILE)
            .filter_entry(|e| !(e.file_name() == ".git" && e.file_type().is_some_and(|t| t.is_dir())));
        if !opts.excludes.is_empty() {
            let mut ob = OverrideBuilder::new(".");
            for g in &opts.excludes {
                ob.add(&format!("!{g}"))?;
            }
            b.overrides(ob.build()?);
        }
        let found = Mutex::new(Vec::new());
        let never = canonical_all(&opts.never);
        b.build_parallel().run(|| {
            let found = &found;
            let never = &never;
            Box::new(move |res| {
                let item = match res {
                    Ok(entry) => entry_item(&entry, never),
                    Err(err) => Some(error_item(err)),
                };
                if let Some(item) = item
                    && let Ok(mut v) = found.lock()
                {
                    v.push(item);
                }
                WalkState::Continue
            })
        });
        items.extend(found.into_inner().unwrap_or_default());
    }
    items.sort_by(|a, b| a.path().cmp(b.path()));
    items.dedup_by(|a, b| a.path() == b.path());
    Ok(items)
}

fn canonical_all(paths: &[PathBuf]) -> Vec<PathBuf> {
    paths.iter().filter_map(|p| std::fs::canonicalize(p).ok()).collect()
}

fn classify_root_file(path: &Path) -> Option<WalkItem> {
    let meta = std::fs::metadata(path);
    match meta {
        Err(e) => Some(WalkItem::Failed { path: path.to_path_buf(), message: e.to_string() }),
        Ok(m) => classify(path, &m.file_type(), m.len()),
    }
}

fn entry_item(entry: &ignore::DirEntry, never: &[PathBuf]) -> Option<WalkItem> {
    let ft = entry.file_type()?;
    if ft.is_dir() {
        return None;
    }
    let path = entry.path();
    if !never.is_empty()
        && never.iter().any(|n| n.file_name() == path.file_name())
        && let Ok(c) = std::fs::canonicalize(path)
        && never.contains(&c)
    {
        return None;
    }
    if ft.is_symlink() {
        // Only reached when not following links.
        return Some(WalkItem::Skipped { path: path.to_path_buf(), reason: "symbolic link (not followed)".into() });
    }
    let len = if ft.is_file() {
        match entry.metadata() {
            Ok(m) => m.len(),
            Err(e) => return Some(WalkItem::Failed { path: path.to_path_buf(), message: e.to_string() }),
        }
    } else {
        0
    };
    classify(path, &ft, len)
}

/// Decides from metadata alone (the file is never opened here).
fn classify(path: &Path, ft: &std::fs::FileType, len: u64) -> Option<WalkItem> {
    let path = path.to_path_buf();
    if ft.is_dir() {
        return None;
    }
    if !ft.is_file() {
        return Some(WalkItem::Skipped { path, reason: format!("special file ({})", special_kind(ft)) });
    }
    Some(WalkItem::File(FileJob { path, size: len }))
}

#[cfg(unix)]
fn special_kind(ft: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if ft.is_fifo() {
        "fifo"
    } else if ft.is_socket() {
        "socket"
    } else if ft.is_block_device() {
        "block device"
    } else if ft.is_char_device() {
        "character device"
    } else {
        "unknown type"
    }
}

#[cfg(not(unix))]
fn special_kind(_: &std::fs::FileType) -> &'static str {
    "not a regular file"
}

fn error_item(err: ignore::Error) -> WalkItem {
    let message = err.to_string();
    let path = error_path(&err).unwrap_or_default();
    if is_loop(&err) {
        WalkItem::Skipped { path, reason: "symbolic link loop".into() }
    } else {
        WalkItem::Failed { path, message: strip_path(&message) }
    }
}

fn error_path(err: &ignore::Error) -> Option<PathBuf> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => error_path(err),
        ignore::Error::Loop { child, .. } => Some(child.clone()),
        _ => None,
    }
}

fn is_loop(err: &ignore::Error) -> bool {
    match err {
        ignore::Error::Loop { .. } => true,
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithPath { err, .. } => is_loop(err),
        _ => false,
    }
}

/// `ignore` prefixes messages with the path; reports print the path
/// separately.
fn strip_path(message: &str) -> String {
    message.rsplit_once(": ").map_or(message, |(_, m)| m).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> WalkOptions {
        WalkOptions { follow: false, respect_gitignore: false, excludes: vec![], threads: 2, never: vec![] }
    }

    fn names(items: &[WalkItem], root: &Path) -> Vec<String> {
        items
            .iter()
            .filter(|i| matches!(i, WalkItem::File(_)))
            .map(|i| i.path().strip_prefix(root).expect("under root").to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn compliance_defaults() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        for (p, body) in [
            ("a.txt", "x"),
            (".hidden", "x"),
            ("ignored_by_git.txt", "x"),
            (".gitignore", "ignored_by_git.txt\n"),
            (".git/config", "x"),
            ("sub/.snokaignore", "secret.txt\n"),
            ("sub/secret.txt", "x"),
            ("sub/b.log", "x"),
        ] {
            let path = root.join(p);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(&path, body).expect("write");
        }
        std::fs::write(root.join("big.bin"), vec![b'a'; 2048]).expect("write");
        let items = walk(&[root.to_path_buf()], &opts()).expect("walk");
        let files = names(&items, root);
        // A file over --max-filesize is listed: the scanner decides.
        assert_eq!(
            files,
            vec![".gitignore", ".hidden", "a.txt", "big.bin", "ignored_by_git.txt", "sub/.snokaignore", "sub/b.log"]
        );
        assert!(!items.iter().any(|i| matches!(i, WalkItem::Skipped { .. })));

        let mut o = opts();
        o.respect_gitignore = true;
        o.excludes = vec!["*.log".into()];
        let items = walk(&[root.to_path_buf()], &o).expect("walk");
        let files = names(&items, root);
        assert!(!files.contains(&"ignored_by_git.txt".to_string()));
        assert!(!files.contains(&"sub/b.log".to_string()));
    }

    #[cfg(unix)]
    #[test]
    fn special_files_and_symlinks() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        std::fs::write(root.join("real.txt"), "x").expect("write");
        std::os::unix::fs::symlink(root.join("real.txt"), root.join("link.txt")).expect("symlink");
        std::os::unix::fs::symlink(root, root.join("loop")).expect("symlink");
        let fifo = root.join("pipe");
        let ok = std::process::Command::new("mkfifo").arg(&fifo).status().is_ok_and(|s| s.success());
        let items = walk(&[root.to_path_buf()], &opts()).expect("walk");
        assert_eq!(names(&items, root), vec!["real.txt"]);
        if ok {
            assert!(
                items.iter().any(|i| matches!(i, WalkItem::Skipped { reason, .. } if reason == "special file (fifo)"))
            );
        }
        let mut o = opts();
        o.follow = true;
        let items = walk(&[root.to_path_buf()], &o).expect("walk");
        assert!(names(&items, root).contains(&"link.txt".to_string()));
        assert!(items.iter().any(|i| matches!(i, WalkItem::Skipped { reason, .. } if reason == "symbolic link loop")));
    }
}
