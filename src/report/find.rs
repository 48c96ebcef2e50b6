//! Reports of `snoka find`: one row per match (CSV or JSON Lines), one row
//! per subject and file (`--format files`), or the matching files' paths
//! separated by NUL (`--print0`, for `xargs -0`). Rows are sorted by subject
//! (in the order given), path, member and location.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::Path;

use serde::Serialize;

use super::csv::neutralise;
use super::shown;
use crate::error::ReportError;
use crate::model::{FileReport, Finding, Kind, Location};

/// Report formats of `snoka find`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FindFormat {
    /// One row per match: subject,path,member,kind,value,location,confidence,reason[,context].
    Csv,
    /// One row per subject and file: subject,path,member,matches,kinds.
    Files,
    /// One JSON object per match per line.
    #[value(alias = "json")]
    Jsonl,
}

/// One match with the file it is in.
struct Row<'a> {
    subject: u32,
    path: &'a Path,
    member: &'a str,
    finding: &'a Finding,
}

/// Every match of `reports`, sorted by subject, path, member, location.
fn rows(reports: &[FileReport]) -> Vec<Row<'_>> {
    let mut rows: Vec<Row<'_>> = reports
        .iter()
        .flat_map(|r| {
            r.findings
                .iter()
                .filter_map(move |f| Some(Row { subject: f.subject?, path: &r.path, member: &r.member, finding: f }))
        })
        .collect();
    rows.sort_by(|a, b| {
        (a.subject, a.path, a.member, &a.finding.location, a.finding.kind).cmp(&(
            b.subject,
            b.path,
            b.member,
            &b.finding.location,
            b.finding.kind,
        ))
    });
    rows
}

/// The CSV columns, without `context`.
pub const COLUMNS: [&str; 8] = ["subject", "path", "member", "kind", "value", "location", "confidence", "reason"];

/// Writes one CSV row per match; `with_context` adds a `context` column.
pub fn write_csv(
    w: &mut dyn Write,
    reports: &[FileReport],
    ids: &[String],
    show_values: bool,
    with_context: bool,
) -> Result<(), ReportError> {
    let mut out = csv::Writer::from_writer(w);
    let mut header: Vec<&str> = COLUMNS.to_vec();
    if with_context {
        header.push("context");
    }
    out.write_record(&header)?;
    for row in rows(reports) {
        let f = row.finding;
        let (value, _) = shown(f, show_values);
        let path = row.path.to_string_lossy();
        let location = f.location.to_string();
        let id = ids.get(row.subject as usize).map_or("", String::as_str);
        let mut cells = vec![
            id,
            path.as_ref(),
            row.member,
            f.kind.as_str(),
            value,
            location.as_str(),
            f.confidence().as_str(),
            &*f.reason,
        ];
        if with_context {
            cells.push(f.context.as_deref().unwrap_or(""));
        }
        out.write_record(cells.iter().map(|c| neutralise(c).into_owned()))?;
    }
    out.flush()?;
    Ok(())
}

#[derive(Serialize)]
struct JsonRow<'a> {
    subject: &'a str,
    path: &'a str,
    member: &'a str,
    kind: &'a str,
    value: &'a str,
    normalized: &'a str,
    location: String,
    at: &'a Location,
    confidence: &'a str,
    reason: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    context: Option<&'a str>,
}

/// Writes one JSON object per match per line.
pub fn write_jsonl(
    w: &mut dyn Write,
    reports: &[FileReport],
    ids: &[String],
    show_values: bool,
) -> Result<(), ReportError> {
    for row in rows(reports) {
        let f = row.finding;
        let (value, normalized) = shown(f, show_values);
        let path = row.path.to_string_lossy();
        let j = JsonRow {
            subject: ids.get(row.subject as usize).map_or("", String::as_str),
            path: &path,
            member: row.member,
            kind: f.kind.as_str(),
            value,
            normalized,
            location: f.location.to_string(),
            at: &f.location,
            confidence: f.confidence().as_str(),
            reason: &f.reason,
            context: f.context.as_deref(),
        };
        serde_json::to_writer(&mut *w, &j)?;
        w.write_all(b"\n")?;
    }
    Ok(())
}

/// Writes one row per subject, file and member: subject,path,member,matches,kinds.
pub fn write_files(w: &mut dyn Write, reports: &[FileReport], ids: &[String]) -> Result<(), ReportError> {
    let mut per: BTreeMap<(u32, &Path, &str), (usize, BTreeSet<Kind>)> = BTreeMap::new();
    for row in rows(reports) {
        let e = per.entry((row.subject, row.path, row.member)).or_default();
        e.0 += 1;
        e.1.insert(row.finding.kind);
    }
    let mut out = csv::Writer::from_writer(w);
    out.write_record(["subject", "path", "member", "matches", "kinds"])?;
    for ((subject, path, member), (n, kinds)) in per {
        let id = ids.get(subject as usize).map_or("", String::as_str);
        let path = path.to_string_lossy();
        let n = n.to_string();
        let kinds = kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(";");
        let cells = [id, path.as_ref(), member, n.as_str(), kinds.as_str()];
        out.write_record(cells.iter().map(|c| neutralise(c).into_owned()))?;
    }
    out.flush()?;
    Ok(())
}

/// Writes the path of every file with a match (a container for a match in
/// a member), once each, each followed by a NUL byte: the input `xargs -0`
/// expects. Paths are written as bytes, exactly as walked.
pub fn write_print0(w: &mut dyn Write, reports: &[FileReport]) -> Result<(), ReportError> {
    let paths: BTreeSet<&Path> =
        reports.iter().filter(|r| r.findings.iter().any(|f| f.subject.is_some())).map(|r| r.path.as_path()).collect();
    for p in paths {
        #[cfg(unix)]
        w.write_all(std::os::unix::ffi::OsStrExt::as_bytes(p.as_os_str()))?;
        #[cfg(not(unix))]
        w.write_all(p.to_string_lossy().as_bytes())?;
        w.write_all(b"\0")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FileStatus;

    fn finding(subject: u32, kind: Kind, location: Location) -> Finding {
        Finding {
            kind,
            rule: "find".into(),
            location,
            texts: crate::model::Texts::new("811218-9876", "198112189876", "811218-XXXX", "19811218XXXX"),
            score: 0.95,
            reason: "id:10-digit".into(),
            subject: Some(subject),
            context: Some("pnr «811218-XXXX»".into()),
        }
    }

    fn reports() -> Vec<FileReport> {
        let line = |l| Location::Line { line: l, column: 1 };
        vec![
            FileReport {
                path: "b.txt".into(),
                member: String::new(),
                status: FileStatus::Scanned,
                bytes: 10,
                format: "text",
                modified: None,
                findings: vec![finding(1, Kind::Personnummer, line(1)), finding(0, Kind::Name, line(2))],
            },
            FileReport {
                path: "a.zip".into(),
                member: "x.txt".into(),
                status: FileStatus::Scanned,
                bytes: 10,
                format: "text",
                modified: None,
                findings: vec![finding(0, Kind::Personnummer, line(3)), finding(0, Kind::Email, line(4))],
            },
        ]
    }

    #[test]
    fn rows_by_subject_then_path_masked() {
        let ids = vec!["s0".to_string(), "s1".to_string()];
        let mut buf = Vec::new();
        write_csv(&mut buf, &reports(), &ids, false, true).expect("csv");
        let text = String::from_utf8(buf).expect("utf8");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "subject,path,member,kind,value,location,confidence,reason,context");
        assert!(lines[1].starts_with("s0,a.zip,x.txt,personnummer,811218-XXXX,\"line 3, column 1\",high"));
        assert!(lines[3].starts_with("s0,b.txt,,name,"));
        assert!(lines[4].starts_with("s1,b.txt,"));
        assert!(!text.contains("9876"), "masked by default");
    }

    #[test]
    fn files_and_print0() {
        let ids = vec!["s0".to_string(), "s1".to_string()];
        let mut buf = Vec::new();
        write_files(&mut buf, &reports(), &ids).expect("files");
        let text = String::from_utf8(buf).expect("utf8");
        assert_eq!(
            text,
            "subject,path,member,matches,kinds\ns0,a.zip,x.txt,2,personnummer;email\ns0,b.txt,,1,name\ns1,b.txt,,1,personnummer\n"
        );
        let mut buf = Vec::new();
        write_print0(&mut buf, &reports()).expect("print0");
        assert_eq!(buf, b"a.zip\0b.txt\0");
    }
}
