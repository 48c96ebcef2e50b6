//! The JSON Lines report: one finding per line, the same fields as the CSV
//! with a structured location and the numeric score. No spreadsheet
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
    location: Loc,
    confidence: &'a str,
    score: f32,
    rule: &'a str,
    reason: &'a str,
}

#[derive(Serialize)]
struct Loc {
    line: u64,
    column: u64,
}

/// Writes the findings of `reports` as JSON Lines.
pub fn write(w: &mut dyn Write, reports: &[FileReport], show_values: bool) -> Result<(), ReportError> {
    for r in reports {
        let path = r.path.to_string_lossy();
        for f in &r.findings {
            let (value, normalized) = shown(f, show_values);
            let Location::Line { line, column } = f.location;
            let row = Row {
                path: &path,
                member: &r.member,
                kind: f.kind.as_str(),
                value,
                normalized,
                location: Loc { line, column },
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
