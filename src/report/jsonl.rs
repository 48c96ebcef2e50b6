//! The JSON Lines report: one finding per line, the same fields as the CSV
//! (`location` as text) plus `at`, the location as an object tagged by
//! `type` (`line`, `page`, `cell`, ...), and the numeric score. No spreadsheet
//! neutralisation: JSON consumers get the values as they are.

use std::io::Write;

use serde::Serialize;

use super::shown;
use crate::error::ReportError;
use crate::model::{FileReport, Location};

#[derive(Serialize)]
struct Row<'a> {
    path: &'a str,
    member: &'a str,
    kind: &'a str,
    value: &'a str,
    normalized: &'a str,
    location: String,
    at: &'a Location,
    confidence: &'a str,
    score: f32,
    rule: &'a str,
    reason: &'a str,
}

/// Writes the findings of `reports` as JSON Lines.
pub fn write(w: &mut dyn Write, reports: &[FileReport], show_values: bool) -> Result<(), ReportError> {
    Rows { w, show_values }.write(reports)
}

/// The JSON Lines report written file by file.
pub struct Rows<W: Write> {
    w: W,
    show_values: bool,
}

impl<W: Write> Rows<W> {
    /// Starts the report on `w` (JSON Lines has no header).
    pub fn new(w: W, show_values: bool) -> Self {
        Rows { w, show_values }
    }

    /// Writes a line per finding of `reports`.
    pub fn write(&mut self, reports: &[FileReport]) -> Result<(), ReportError> {
        let show_values = self.show_values;
        let w = &mut self.w;
        for r in reports {
            let path = r.path.to_string_lossy();
            for f in &r.findings {
                let (value, normalized) = shown(f, show_values);
                let row = Row {
                    path: &path,
                    member: &r.member,
                    kind: f.kind.as_str(),
                    value,
                    normalized,
                    location: f.location.to_string(),
                    at: &f.location,
                    confidence: f.confidence().as_str(),
                    score: (f.score * 100.0).round() / 100.0,
                    rule: &f.rule,
                    reason: &f.reason,
                };
                serde_json::to_writer(&mut *w, &row)?;
                w.write_all(b"\n")?;
            }
        }
        Ok(())
    }

    /// Gives back the writer.
    pub fn finish(self) -> W {
        self.w
    }
}
