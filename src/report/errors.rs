//! The `--errors` report: one CSV row per file or member that was skipped
//! or failed (`path,member,status,reason`), so the holes in an inventory
//! can be listed, counted and followed up. Cells are neutralised like the
//! findings report.

use std::io::Write;

use super::csv::neutralise;
use crate::error::ReportError;
use crate::model::{FileReport, FileStatus};

/// The columns, in order.
pub const COLUMNS: [&str; 4] = ["path", "member", "status", "reason"];

/// Writes a row for every report whose status is not `scanned`.
pub fn write(w: &mut dyn Write, reports: &[FileReport]) -> Result<(), ReportError> {
    let mut rows = Rows::new(w)?;
    rows.write(reports)?;
    rows.finish().map(drop)
}

/// The `--errors` report written file by file.
pub struct Rows<W: Write> {
    out: csv::Writer<W>,
}

impl<W: Write> Rows<W> {
    /// Starts the report on `w` (writes the header).
    pub fn new(w: W) -> Result<Self, ReportError> {
        let mut out = csv::Writer::from_writer(w);
        out.write_record(COLUMNS)?;
        Ok(Rows { out })
    }

    /// Writes a row for every report of `reports` that is not `scanned`.
    pub fn write(&mut self, reports: &[FileReport]) -> Result<(), ReportError> {
        for r in reports {
            let (status, reason) = match &r.status {
                FileStatus::Scanned => continue,
                FileStatus::Skipped(why) => ("skipped", why),
                FileStatus::Failed(why) => ("failed", why),
            };
            let path = r.path.to_string_lossy();
            self.out.write_record([
                neutralise(&path).as_ref(),
                neutralise(&r.member).as_ref(),
                status,
                reason.as_str(),
            ])?;
        }
        Ok(())
    }

    /// Flushes what is buffered and gives back the writer.
    pub fn finish(self) -> Result<W, ReportError> {
        self.out.into_inner().map_err(|e| ReportError::Io(e.into_error()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_only_holes() {
        let r = |member: &str, status| FileReport {
            path: "a/b.zip".into(),
            member: member.into(),
            status,
            bytes: 0,
            format: "",
            modified: None,
            findings: Vec::new(),
        };
        let reports = vec![
            r("", FileStatus::Scanned),
            r("x.pdf", FileStatus::Skipped("encrypted".into())),
            r("=y.txt", FileStatus::Failed("corrupt zip: bad".into())),
        ];
        let mut buf = Vec::new();
        write(&mut buf, &reports).expect("write");
        assert_eq!(
            String::from_utf8(buf).expect("utf8"),
            "path,member,status,reason\na/b.zip,x.pdf,skipped,encrypted\na/b.zip,'=y.txt,failed,corrupt zip: bad\n"
        );
    }
}
