//! `snoka find --copy-to DIR`: an access package. Every file that mentions
//! a subject is copied (never moved) into DIR under its path as walked;
//! a matching member of an archive or mail is extracted as its own file
//! under `archive.zip!/member/path`. `DIR/manifest.csv` lists each copy with
//! its SHA-256. DIR must be new or empty and outside every scanned folder,
//! so a package can never overwrite, or be scanned as, what it copies.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Component, Path, PathBuf};

use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::model::FileReport;
use crate::report::csv::neutralise;
use crate::scan::{ScanOptions, extract_members};

/// Why a package could not be written.
#[derive(Debug, Error)]
pub enum CopyError {
    /// DIR is, or is inside, a folder being searched.
    #[error("{dir} is inside the scanned folder {root}: choose a folder outside it")]
    InsideScanned {
        /// The destination.
        dir: PathBuf,
        /// The scanned folder.
        root: PathBuf,
    },
    /// DIR exists and is not an empty folder.
    #[error("{0} already exists and is not empty: give a new or empty folder")]
    NotEmpty(PathBuf),
    /// Reading a source or writing a copy failed.
    #[error("{path}: {source}")]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
    /// A member could not be extracted again.
    #[error("{0}")]
    Member(String),
    /// Writing the manifest failed.
    #[error("writing the manifest: {0}")]
    Manifest(#[from] crate::error::ReportError),
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> CopyError + '_ {
    move |source| CopyError::Io { path: path.to_path_buf(), source }
}

/// One line of `manifest.csv`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Copied {
    /// Ids of the subjects the copy mentions, `;`-separated.
    pub subjects: String,
    /// The file as walked.
    pub source: PathBuf,
    /// The member inside it, empty for the file itself.
    pub member: String,
    /// Where the copy is, relative to DIR.
    pub copy: PathBuf,
    /// Size of the copy.
    pub bytes: u64,
    /// SHA-256 of the copy, lower-case hex.
    pub sha256: String,
    /// Why it could not be copied (then `copy` is empty).
    pub error: Option<String>,
}

/// Refuses a destination inside (or equal to) a scanned folder, or one
/// that exists and is not an empty folder. Call before the scan.
pub fn check_destination(dir: &Path, roots: &[PathBuf]) -> Result<(), CopyError> {
    let target = absolute_resolved(dir);
    for root in roots {
        let r = absolute_resolved(root);
        if target.starts_with(&r) {
            return Err(CopyError::InsideScanned { dir: dir.to_path_buf(), root: root.clone() });
        }
    }
    match fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(CopyError::NotEmpty(dir.to_path_buf()));
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) if e.kind() == io::ErrorKind::NotADirectory => return Err(CopyError::NotEmpty(dir.to_path_buf())),
        Err(e) => return Err(io_err(dir)(e)),
    }
    Ok(())
}

/// `path` made absolute with symbolic links resolved as far as it exists
/// (the rest, not yet created, appended as given).
fn absolute_resolved(path: &Path) -> PathBuf {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut existing = abs.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(c) = fs::canonicalize(existing) {
            let mut out = c;
            for part in rest.iter().rev() {
                out.push(part);
            }
            return out;
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => return abs,
        }
    }
}

/// Copies every file and member of `reports` with a finding into `dir`
/// and writes `dir/manifest.csv`. `subject_ids` maps a finding's subject
/// index to its id. Returns what was copied and what could not be (with
/// its `error`), in path order; a file that cannot be copied does not stop
/// the others.
pub fn copy_matches(
    dir: &Path,
    reports: &[FileReport],
    subject_ids: &[String],
    opts: &ScanOptions,
) -> Result<Vec<Copied>, CopyError> {
    // Top-level path -> (copy the file itself?, members to extract, subjects per member).
    let mut plan: BTreeMap<&Path, (bool, BTreeMap<&str, BTreeSet<u32>>)> = BTreeMap::new();
    for r in reports.iter().filter(|r| !r.findings.is_empty()) {
        let entry = plan.entry(r.path.as_path()).or_default();
        let subjects = entry.1.entry(r.member.as_str()).or_default();
        subjects.extend(r.findings.iter().filter_map(|f| f.subject));
        if r.member.is_empty() {
            entry.0 = true;
        }
    }
    fs::create_dir_all(dir).map_err(io_err(dir))?;
    let mut copied = Vec::new();
    for (path, (whole, members)) in plan {
        let ids = |m: &str| -> String {
            let set = members.get(m).cloned().unwrap_or_default();
            set.iter().map(|&i| subject_ids.get(i as usize).map_or("?", String::as_str)).collect::<Vec<_>>().join(";")
        };
        let row = |member: &str, result: Result<(PathBuf, u64, String), CopyError>| match result {
            Ok((copy, bytes, sha256)) => Copied {
                subjects: ids(member),
                source: path.to_path_buf(),
                member: member.to_string(),
                copy,
                bytes,
                sha256,
                error: None,
            },
            Err(e) => Copied {
                subjects: ids(member),
                source: path.to_path_buf(),
                member: member.to_string(),
                copy: PathBuf::new(),
                bytes: 0,
                sha256: String::new(),
                error: Some(e.to_string()),
            },
        };
        let base = relative_copy_path(path);
        if whole {
            let result = crate::scan::open_read_only(path).map_err(io_err(path)).and_then(|mut src| {
                let dest = dir.join(&base);
                let (bytes, sha256, written) = write_new(&dest, &mut src)?;
                if let Ok(modified) = src.metadata().and_then(|m| m.modified()) {
                    let _ = File::options().write(true).open(&written).and_then(|f| f.set_modified(modified));
                }
                let rel = written.strip_prefix(dir).map(Path::to_path_buf).unwrap_or(written);
                Ok((rel, bytes, sha256))
            });
            copied.push(row("", result));
        }
        let wanted: BTreeSet<String> = members.keys().filter(|m| !m.is_empty()).map(|m| m.to_string()).collect();
        if wanted.is_empty() {
            continue;
        }
        let mut data = Vec::new();
        let read = crate::scan::open_read_only(path)
            .and_then(|f| f.take(opts.max_filesize.saturating_add(1)).read_to_end(&mut data))
            .map_err(io_err(path));
        if let Err(e) = read {
            let why = e.to_string();
            for m in &wanted {
                copied.push(row(m, Err(CopyError::Member(why.clone()))));
            }
            continue;
        }
        let lookup: HashSet<String> = wanted.iter().cloned().collect();
        let mut extracted: BTreeMap<String, Vec<u8>> =
            extract_members(path, &data, &lookup, opts).into_iter().collect();
        for member in &wanted {
            let result = match extracted.remove(member) {
                Some(bytes) => {
                    let rel = member_copy_path(&base, member);
                    write_new(&dir.join(&rel), &mut bytes.as_slice()).map(|(size, sha256, written)| {
                        (written.strip_prefix(dir).map(Path::to_path_buf).unwrap_or(written), size, sha256)
                    })
                }
                None => Err(CopyError::Member("not found when the file was read again (changed since?)".into())),
            };
            copied.push(row(member, result));
        }
    }
    let manifest = dir.join("manifest.csv");
    crate::report::write_atomic(&manifest, |w: &mut dyn Write| write_manifest(w, &copied))?;
    Ok(copied)
}

/// Writes `manifest.csv`: subject,source,member,copy,bytes,sha256,error.
pub fn write_manifest(w: &mut dyn Write, copied: &[Copied]) -> Result<(), crate::error::ReportError> {
    let mut out = csv::Writer::from_writer(w);
    out.write_record(["subject", "source", "member", "copy", "bytes", "sha256", "error"])?;
    for c in copied {
        let source = c.source.to_string_lossy();
        let copy = c.copy.to_string_lossy();
        let bytes = if c.error.is_some() { String::new() } else { c.bytes.to_string() };
        let error = c.error.as_deref().unwrap_or("");
        let row = [c.subjects.as_str(), &source, &c.member, &copy, &bytes, &c.sha256, error];
        out.write_record(row.iter().map(|c| neutralise(c).into_owned()))?;
    }
    out.flush()?;
    Ok(())
}

/// Creates `dest` (never overwriting: a name taken gets `~2`, `~3`...),
/// owner-only, copies `src` into it and returns size, SHA-256 and the path
/// written.
fn write_new(dest: &Path, src: &mut dyn Read) -> Result<(u64, String, PathBuf), CopyError> {
    if let Some(parent) = dest.parent() {
        fs::create_dir_all(parent).map_err(io_err(parent))?;
    }
    let mut attempt = 1;
    let (mut file, dest) = loop {
        let candidate = if attempt == 1 {
            dest.to_path_buf()
        } else {
            let mut name = dest.file_name().unwrap_or_default().to_os_string();
            name.push(format!("~{attempt}"));
            dest.with_file_name(name)
        };
        let mut o = OpenOptions::new();
        o.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
        match o.open(&candidate) {
            Ok(f) => break (f, candidate),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 1000 => attempt += 1,
            Err(e) => return Err(io_err(&candidate)(e)),
        }
    };
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    loop {
        let n = match src.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(io_err(&dest)(e)),
        };
        hasher.update(&buf[..n]);
        file.write_all(&buf[..n]).map_err(io_err(&dest))?;
        total += n as u64;
    }
    file.sync_all().map_err(io_err(&dest))?;
    let digest = hasher.finalize();
    let hex = digest.iter().map(|b| format!("{b:02x}")).collect();
    Ok((total, hex, dest))
}

/// A walked path as a relative path inside the package: root and prefix
/// dropped, `.` dropped, `..` written `_parent`.
fn relative_copy_path(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::Normal(s) => out.push(s),
            Component::ParentDir => out.push("_parent"),
            Component::CurDir | Component::RootDir | Component::Prefix(_) => {}
        }
    }
    if out.as_os_str().is_empty() {
        out.push("file");
    }
    out
}

/// Where a member is extracted: `base!/inner.zip!/dir/a.txt`. Member names
/// come from inside the file (an attacker's choice): absolute paths, `..`,
/// drive letters and empty parts are neutralised so the copy stays in DIR.
fn member_copy_path(base: &Path, member: &str) -> PathBuf {
    let mut name = base.file_name().unwrap_or_default().to_os_string();
    name.push("!");
    let mut out = base.with_file_name(name);
    let parts: Vec<String> = member.replace('!', "!/").split(['/', '\\']).map(sanitize_part).collect();
    let parts: Vec<&String> = parts.iter().filter(|p| !p.is_empty()).collect();
    for p in &parts {
        out.push(p.as_str());
    }
    if parts.is_empty() {
        out.push("member");
    }
    out
}

fn sanitize_part(p: &str) -> String {
    let p = p.trim();
    if p == "." || p == ".." {
        return "_".repeat(p.len());
    }
    p.chars().map(|c| if c.is_control() || c == ':' || c == '\0' { '_' } else { c }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_paths_stay_inside_the_package() {
        let base = Path::new("share/arkiv.zip");
        assert_eq!(
            member_copy_path(base, "inner.zip!notes/a.txt"),
            Path::new("share/arkiv.zip!/inner.zip!/notes/a.txt")
        );
        assert_eq!(member_copy_path(base, "../../etc/passwd"), Path::new("share/arkiv.zip!/__/__/etc/passwd"));
        assert_eq!(member_copy_path(base, "/abs/x"), Path::new("share/arkiv.zip!/abs/x"));
        assert_eq!(member_copy_path(base, "C:\\win\\x"), Path::new("share/arkiv.zip!/C_/win/x"));
        assert_eq!(relative_copy_path(Path::new("/srv/share/../a.txt")), Path::new("srv/share/_parent/a.txt"));
        assert_eq!(relative_copy_path(Path::new("./a.txt")), Path::new("a.txt"));
    }

    #[test]
    fn destination_inside_a_scanned_folder_is_refused() {
        let tmp = tempfile::tempdir().expect("tmp");
        let share = tmp.path().join("share");
        fs::create_dir_all(share.join("sub")).expect("mkdir");
        let roots = vec![share.clone()];
        assert!(matches!(check_destination(&share.join("pkg"), &roots), Err(CopyError::InsideScanned { .. })));
        assert!(matches!(check_destination(&share, &roots), Err(CopyError::InsideScanned { .. })));
        assert!(matches!(check_destination(&share.join("sub/../pkg"), &roots), Err(CopyError::InsideScanned { .. })));
        assert!(check_destination(&tmp.path().join("pkg"), &roots).is_ok());
        fs::write(tmp.path().join("full"), "x").expect("write");
        assert!(matches!(check_destination(&tmp.path().join("full"), &roots), Err(CopyError::NotEmpty(_))));
    }

    #[test]
    fn a_file_that_cannot_be_copied_does_not_stop_the_others() {
        use crate::model::{FileStatus, Finding, Kind, Location};
        let tmp = tempfile::tempdir().expect("tmp");
        let present = tmp.path().join("a.txt");
        fs::write(&present, "anna").expect("write");
        let report = |path: PathBuf| FileReport {
            path,
            member: String::new(),
            status: FileStatus::Scanned,
            bytes: 4,
            format: "text",
            modified: None,
            findings: vec![Finding {
                kind: Kind::Name,
                rule: "find".into(),
                location: Location::FileName,
                texts: crate::model::Texts::new("", "", "", ""),
                score: 0.6,
                reason: "".into(),
                subject: Some(0),
                context: None,
            }],
        };
        let gone = tmp.path().join("gone.txt");
        let reports = vec![report(gone.clone()), report(present)];
        let pkg = tmp.path().join("pkg");
        let copied = copy_matches(&pkg, &reports, &["s".into()], &ScanOptions::new()).expect("package");
        assert_eq!(copied.len(), 2);
        let failed = copied.iter().find(|c| c.source == gone).expect("listed");
        assert!(failed.error.as_deref().is_some_and(|e| e.contains("gone.txt")), "{copied:?}");
        assert!(failed.copy.as_os_str().is_empty());
        assert_eq!(copied.iter().filter(|c| c.error.is_none()).count(), 1);
        let manifest = fs::read_to_string(pkg.join("manifest.csv")).expect("manifest");
        assert!(manifest.starts_with("subject,source,member,copy,bytes,sha256,error\n"), "{manifest}");
        assert_eq!(manifest.lines().count(), 3);
    }

    #[test]
    fn copies_never_overwrite() {
        let tmp = tempfile::tempdir().expect("tmp");
        let dest = tmp.path().join("a/b.txt");
        let (n, sha, _) = write_new(&dest, &mut &b"abc"[..]).expect("first");
        assert_eq!(n, 3);
        assert_eq!(sha, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        let (_, _, second) = write_new(&dest, &mut &b"xyz"[..]).expect("second");
        assert_eq!(second, tmp.path().join("a/b.txt~2"));
        assert_eq!(fs::read(&dest).expect("read"), b"abc");
        assert_eq!(fs::read(tmp.path().join("a/b.txt~2")).expect("read"), b"xyz");
    }
}
