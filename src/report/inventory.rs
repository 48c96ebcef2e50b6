//! The inventory reports for a data map: `--format inventory`, one row per
//! file or member with its counts of findings per kind, and `--format
//! folders`, the same counts rolled up per folder. Neither ever contains a
//! found value, masked or not: only paths, formats, sizes, dates, statuses,
//! counts and skip/failure reasons. Cells are neutralised like the findings
//! report.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use super::csv::neutralise;
use crate::error::ReportError;
use crate::model::{Confidence, FileReport, FileStatus, Kind};

/// The columns of `--format inventory`, in order.
pub const FILE_COLUMNS: [&str; 15] = [
    "path",
    "member",
    "format",
    "size",
    "modified",
    "status",
    "personnummer",
    "samordningsnummer",
    "cpr",
    "email",
    "ip",
    "phone",
    "total",
    "max_confidence",
    "reason",
];

/// The columns of `--format folders`, in order.
pub const FOLDER_COLUMNS: [&str; 15] = [
    "folder",
    "files",
    "members",
    "size",
    "scanned",
    "skipped",
    "failed",
    "personnummer",
    "samordningsnummer",
    "cpr",
    "email",
    "ip",
    "phone",
    "total",
    "files_with_findings",
];

/// Findings counted per inventory column: personnummer, samordningsnummer,
/// cpr, email, ip (IPv4 and IPv6), phone. Name matches (`snoka find` only)
/// are not counted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Counts([u64; 6]);

impl Counts {
    fn of(report: &FileReport) -> Counts {
        let mut c = Counts::default();
        for f in &report.findings {
            if let Some(i) = column(f.kind) {
                c.0[i] += 1;
            }
        }
        c
    }

    fn add(&mut self, other: Counts) {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a += b;
        }
    }

    fn total(&self) -> u64 {
        self.0.iter().sum()
    }

    /// The six counts and the total, as cells.
    fn cells(&self) -> impl Iterator<Item = String> + '_ {
        self.0.iter().map(u64::to_string).chain(std::iter::once(self.total().to_string()))
    }
}

/// The count column of a kind; `None` for kinds the inventory leaves out.
fn column(kind: Kind) -> Option<usize> {
    match kind {
        Kind::Personnummer => Some(0),
        Kind::Samordningsnummer => Some(1),
        Kind::Cpr => Some(2),
        Kind::Email => Some(3),
        Kind::Ipv4 | Kind::Ipv6 => Some(4),
        Kind::Phone => Some(5),
        // Names are find's; kinds of user rules (`--patterns`) have no
        // column yet.
        Kind::Name | Kind::Custom(_) => None,
    }
}

/// `scanned`, `skipped` or `failed`, and the reason (empty when scanned).
fn status(status: &FileStatus) -> (&'static str, &str) {
    match status {
        FileStatus::Scanned => ("scanned", ""),
        FileStatus::Skipped(why) => ("skipped", why),
        FileStatus::Failed(why) => ("failed", why),
    }
}

/// Writes `--format inventory`: a header, then one row per file or member
/// in the order of `reports` (sorted by path and member).
pub fn write_files(w: &mut dyn Write, reports: &[FileReport]) -> Result<(), ReportError> {
    let mut rows = FileRows::new(w)?;
    rows.write(reports)?;
    rows.finish().map(drop)
}

/// `--format inventory` written file by file: the header at once, then a
/// row per report given to [`FileRows::write`].
pub struct FileRows<W: Write> {
    out: csv::Writer<W>,
}

impl<W: Write> FileRows<W> {
    /// Starts the inventory on `w` (writes the header).
    pub fn new(w: W) -> Result<Self, ReportError> {
        let mut out = csv::Writer::from_writer(w);
        out.write_record(FILE_COLUMNS)?;
        Ok(FileRows { out })
    }

    /// Writes a row per report.
    pub fn write(&mut self, reports: &[FileReport]) -> Result<(), ReportError> {
        for r in reports {
            let counts = Counts::of(r);
            let max: Option<Confidence> =
                r.findings.iter().filter(|f| column(f.kind).is_some()).map(|f| f.confidence()).max();
            let (status, reason) = status(&r.status);
            let mut row = vec![
                r.path.to_string_lossy().into_owned(),
                r.member.clone(),
                r.format.to_string(),
                r.bytes.to_string(),
                r.modified.map(rfc3339).unwrap_or_default(),
                status.to_string(),
            ];
            row.extend(counts.cells());
            row.push(max.map(|c| c.as_str().to_string()).unwrap_or_default());
            row.push(reason.to_string());
            self.out.write_record(row.iter().map(|c| neutralise(c).into_owned()))?;
        }
        Ok(())
    }

    /// Flushes what is buffered and gives back the writer.
    pub fn finish(self) -> Result<W, ReportError> {
        self.out.into_inner().map_err(|e| ReportError::Io(e.into_error()))
    }
}

/// One folder's totals.
#[derive(Default)]
struct Folder {
    files: u64,
    members: u64,
    size: u64,
    statuses: [u64; 3],
    counts: Counts,
    with_findings: BTreeSet<PathBuf>,
}

/// Writes `--format folders`: the inventory rolled up per folder, one row
/// per folder at `depth` levels below the scanned path it was found under
/// (`roots`, as given on the command line), sorted by folder.
///
/// The folder is written as the paths are (`samples/docs` for
/// `samples/docs/a/b.txt` scanned as `samples` with depth 1; depth 0 rolls
/// everything up into the scanned path itself). A file directly in a
/// scanned folder, or higher than `depth`, counts in its own folder; a file
/// given as a scanned path itself counts in the folder that holds it.
///
/// `files` counts top-level files (and unreadable folders), `members` the
/// archive members and attachments; `scanned`, `skipped` and `failed` count
/// both; `size` is the bytes of the top-level files (members are inside
/// them); `files_with_findings` counts top-level files with a finding in
/// them or in any of their members.
pub fn write_folders(
    w: &mut dyn Write,
    reports: &[FileReport],
    roots: &[PathBuf],
    depth: usize,
) -> Result<(), ReportError> {
    let mut folders = Folders::new(roots, depth);
    folders.add(reports);
    folders.write(w)
}

/// `--format folders` gathered file by file (see [`write_folders`]): the
/// totals per folder, written when the scan is over.
pub struct Folders {
    roots: Vec<PathBuf>,
    depth: usize,
    folders: BTreeMap<PathBuf, Folder>,
}

impl Folders {
    /// No folders yet; `roots` and `depth` as for [`write_folders`].
    pub fn new(roots: &[PathBuf], depth: usize) -> Self {
        Folders { roots: roots.to_vec(), depth, folders: BTreeMap::new() }
    }

    /// Counts `reports` in their folders.
    pub fn add(&mut self, reports: &[FileReport]) {
        for r in reports {
            let folder = self.folders.entry(folder_of(&r.path, &self.roots, self.depth)).or_default();
            if r.member.is_empty() {
                folder.files += 1;
                folder.size += r.bytes;
            } else {
                folder.members += 1;
            }
            folder.statuses[match r.status {
                FileStatus::Scanned => 0,
                FileStatus::Skipped(_) => 1,
                FileStatus::Failed(_) => 2,
            }] += 1;
            let counts = Counts::of(r);
            if counts.total() > 0 {
                folder.with_findings.insert(r.path.clone());
            }
            folder.counts.add(counts);
        }
    }

    /// Writes the header and a row per folder, sorted by folder.
    pub fn write(&self, w: &mut dyn Write) -> Result<(), ReportError> {
        let mut out = csv::Writer::from_writer(w);
        out.write_record(FOLDER_COLUMNS)?;
        for (path, f) in &self.folders {
            let mut row = vec![
                path.to_string_lossy().into_owned(),
                f.files.to_string(),
                f.members.to_string(),
                f.size.to_string(),
            ];
            row.extend(f.statuses.iter().map(u64::to_string));
            row.extend(f.counts.cells());
            row.push(f.with_findings.len().to_string());
            out.write_record(row.iter().map(|c| neutralise(c).into_owned()))?;
        }
        out.flush()?;
        Ok(())
    }
}

/// The folder `path` is rolled up into: its scanned root (the longest of
/// `roots` it lies under) followed by at most `depth` of the folders
/// between the root and the file. Without a root, the folders of the path
/// as written count from its first named component.
fn folder_of(path: &Path, roots: &[PathBuf], depth: usize) -> PathBuf {
    let root = roots
        .iter()
        .filter(|root| path.starts_with(root) && path != root.as_path())
        .max_by_key(|root| root.components().count());
    let (base, rest) = match root {
        Some(root) => (root.clone(), path.strip_prefix(root).unwrap_or(path)),
        None => {
            // A file given itself, or one outside every root: count from the
            // first named folder of the path as written (`/`, `./` kept).
            let lead: PathBuf = path
                .components()
                .take_while(|c| matches!(c, Component::Prefix(_) | Component::RootDir | Component::CurDir))
                .collect();
            let rest = path.strip_prefix(&lead).unwrap_or(path);
            (lead, rest)
        }
    };
    let parents: Vec<Component> = rest.parent().map(|p| p.components().collect()).unwrap_or_default();
    let mut folder = base;
    for c in parents.into_iter().take(depth) {
        folder.push(c);
    }
    if folder.as_os_str().is_empty() {
        folder.push(".");
    }
    folder
}

/// `time` in UTC as RFC 3339 to the second: `2024-01-01T00:00:00Z`.
pub fn rfc3339(time: SystemTime) -> String {
    // Whole seconds, rounded down (towards the past) before 1970 too.
    let secs: i64 = match time.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => {
            let d = e.duration();
            let whole = i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
            -whole - i64::from(d.subsec_nanos() > 0)
        }
    };
    let days = secs.div_euclid(86_400);
    let of_day = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", of_day / 3600, of_day / 60 % 60, of_day % 60)
}

/// The proleptic Gregorian date `days` after 1970-01-01 (Howard Hinnant's
/// `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days.saturating_add(719_468);
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11], March first
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;
    use crate::model::{Finding, Location};

    fn finding(kind: Kind, score: f32) -> Finding {
        Finding {
            kind,
            rule: Arc::from("rule"),
            location: Location::Line { line: 1, column: 1 },
            texts: crate::model::Texts::new("811218-9876", "198112189876", "811218-XXXX", "19811218XXXX"),
            score,
            reason: "luhn".into(),
            subject: None,
            context: None,
        }
    }

    fn report(path: &str, member: &str, status: FileStatus, bytes: u64, findings: Vec<Finding>) -> FileReport {
        FileReport {
            path: path.into(),
            member: member.into(),
            status,
            bytes,
            format: if bytes > 0 { "text" } else { "" },
            modified: None,
            findings,
        }
    }

    fn text(write: impl FnOnce(&mut dyn Write) -> Result<(), ReportError>) -> String {
        let mut buf = Vec::new();
        write(&mut buf).expect("write");
        String::from_utf8(buf).expect("utf8")
    }

    #[test]
    fn dates_are_utc_rfc3339_seconds() {
        let at = |secs: u64| rfc3339(UNIX_EPOCH + Duration::from_secs(secs));
        assert_eq!(at(0), "1970-01-01T00:00:00Z");
        assert_eq!(at(1_704_067_200), "2024-01-01T00:00:00Z");
        assert_eq!(at(1_709_164_799), "2024-02-28T23:59:59Z");
        assert_eq!(at(1_709_164_800), "2024-02-29T00:00:00Z", "leap day");
        assert_eq!(at(951_782_400), "2000-02-29T00:00:00Z", "400-year leap day");
        assert_eq!(at(4_107_542_400), "2100-03-01T00:00:00Z", "2100 is not a leap year");
        assert_eq!(at(253_402_300_799), "9999-12-31T23:59:59Z");
        assert_eq!(rfc3339(UNIX_EPOCH + Duration::from_millis(1_500)), "1970-01-01T00:00:01Z", "rounded down");
        assert_eq!(rfc3339(UNIX_EPOCH - Duration::from_millis(500)), "1969-12-31T23:59:59Z", "before 1970");
        assert_eq!(rfc3339(UNIX_EPOCH - Duration::from_secs(86_400 * 365)), "1969-01-01T00:00:00Z");
    }

    #[test]
    fn days_to_dates_match_a_day_by_day_count() {
        // Walk forward one day at a time from 1600-01-01 and compare.
        let mut days = -135_140; // 1600-01-01
        let (mut y, mut m, mut d) = (1600i64, 1u32, 1u32);
        while y < 2401 {
            assert_eq!(civil_from_days(days), (y, m, d), "day {days}");
            let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
            let len = match m {
                2 if leap => 29,
                2 => 28,
                4 | 6 | 9 | 11 => 30,
                _ => 31,
            };
            days += 1;
            d += 1;
            if d > len {
                d = 1;
                m += 1;
                if m > 12 {
                    m = 1;
                    y += 1;
                }
            }
        }
    }

    #[test]
    fn one_row_per_file_and_member_with_counts() {
        let mut plain = report(
            "a/b.txt",
            "",
            FileStatus::Scanned,
            120,
            vec![
                finding(Kind::Personnummer, 0.9),
                finding(Kind::Ipv4, 0.6),
                finding(Kind::Ipv6, 0.6),
                finding(Kind::Name, 1.0),
            ],
        );
        plain.modified = Some(UNIX_EPOCH + Duration::from_secs(1_704_067_200));
        let reports = [
            plain,
            report("a/c.zip", "", FileStatus::Scanned, 300, vec![]),
            report("a/c.zip", "in/d.csv", FileStatus::Scanned, 50, vec![finding(Kind::Email, 0.6)]),
            report("a/c.zip", "e.pdf", FileStatus::Skipped("encrypted".into()), 0, vec![]),
            report("a/f.xlsx", "", FileStatus::Failed("corrupt XLSX: bad zip".into()), 0, vec![]),
            report("=x.txt", "", FileStatus::Scanned, 1, vec![finding(Kind::Name, 0.6)]),
        ];
        let out = text(|w| write_files(w, &reports));
        let expected = "\
path,member,format,size,modified,status,personnummer,samordningsnummer,cpr,email,ip,phone,total,max_confidence,reason
a/b.txt,,text,120,2024-01-01T00:00:00Z,scanned,1,0,0,0,2,0,3,high,
a/c.zip,,text,300,,scanned,0,0,0,0,0,0,0,,
a/c.zip,in/d.csv,text,50,,scanned,0,0,0,1,0,0,1,medium,
a/c.zip,e.pdf,,0,,skipped,0,0,0,0,0,0,0,,encrypted
a/f.xlsx,,,0,,failed,0,0,0,0,0,0,0,,corrupt XLSX: bad zip
'=x.txt,,text,1,,scanned,0,0,0,0,0,0,0,,
";
        assert_eq!(out, expected);
        assert!(!out.contains("9876") && !out.contains("XXXX"), "no values, masked or not");
    }

    #[test]
    fn headers_when_empty() {
        assert_eq!(text(|w| write_files(w, &[])), format!("{}\n", FILE_COLUMNS.join(",")));
        assert_eq!(text(|w| write_folders(w, &[], &[], 1)), format!("{}\n", FOLDER_COLUMNS.join(",")));
    }

    #[test]
    fn folders_count_from_the_scanned_root() {
        let roots = [PathBuf::from("share"), PathBuf::from("/srv/hr"), PathBuf::from("one.txt")];
        let at = |p: &str, depth| folder_of(Path::new(p), &roots, depth).to_string_lossy().into_owned();
        assert_eq!(at("share/a.txt", 1), "share");
        assert_eq!(at("share/x/a.txt", 1), "share/x");
        assert_eq!(at("share/x/y/z/a.txt", 1), "share/x");
        assert_eq!(at("share/x/y/z/a.txt", 2), "share/x/y");
        assert_eq!(at("share/x/y/z/a.txt", 0), "share");
        assert_eq!(at("/srv/hr/lon/2024/a.pdf", 1), "/srv/hr/lon");
        assert_eq!(at("one.txt", 1), ".", "a file given itself counts in its folder");
        assert_eq!(at("other/x/y/a.txt", 1), "other", "outside every root: from the first folder");
        assert_eq!(at("./x/y/a.txt", 1), "./x");
        let nested = [PathBuf::from("share"), PathBuf::from("share/x")];
        assert_eq!(folder_of(Path::new("share/x/y/a.txt"), &nested, 1), Path::new("share/x/y"), "longest root");
    }

    #[test]
    fn folders_roll_up_files_members_and_counts() {
        let reports = [
            report("s/a.txt", "", FileStatus::Scanned, 10, vec![finding(Kind::Phone, 0.9)]),
            report("s/x/b.zip", "", FileStatus::Scanned, 100, vec![]),
            report("s/x/b.zip", "c.txt", FileStatus::Scanned, 1000, vec![finding(Kind::Cpr, 0.9)]),
            report("s/x/b.zip", "d.txt", FileStatus::Scanned, 1000, vec![finding(Kind::Cpr, 0.9)]),
            report("s/x/b.zip", "e.pdf", FileStatus::Skipped("encrypted".into()), 0, vec![]),
            report("s/x/y/f.txt", "", FileStatus::Scanned, 5, vec![finding(Kind::Samordningsnummer, 0.9)]),
            report("s/x/y/g.pdf", "", FileStatus::Failed("corrupt PDF".into()), 7, vec![]),
            report("s/z/h.txt", "", FileStatus::Scanned, 1, vec![finding(Kind::Name, 0.9)]),
        ];
        let out = text(|w| write_folders(w, &reports, &[PathBuf::from("s")], 1));
        let expected = "\
folder,files,members,size,scanned,skipped,failed,personnummer,samordningsnummer,cpr,email,ip,phone,total,files_with_findings
s,1,0,10,1,0,0,0,0,0,0,0,1,1,1
s/x,3,3,112,4,1,1,0,1,2,0,0,0,3,2
s/z,1,0,1,1,0,0,0,0,0,0,0,0,0,0
";
        assert_eq!(out, expected);
        let deeper = text(|w| write_folders(w, &reports, &[PathBuf::from("s")], 2));
        assert!(deeper.contains("\ns/x,1,3,100,3,1,0,0,0,2,0,0,0,2,1\n"), "{deeper}");
        assert!(deeper.contains("\ns/x/y,2,0,12,1,0,1,0,1,0,0,0,0,1,1\n"), "{deeper}");
    }
}
