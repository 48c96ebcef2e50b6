//! The CSV report: a header always (even with no findings), then one row
//! per finding in the fixed column order, sorted by path, member, location
//! and kind. Cells that a spreadsheet would run as a formula are
//! neutralised with a leading `'`.

use std::borrow::Cow;
use std::io::Write;

use super::shown;
use crate::error::ReportError;
use crate::model::FileReport;

/// The columns, in order.
pub const COLUMNS: [&str; 9] =
    ["path", "member", "kind", "value", "normalized", "location", "confidence", "rule", "reason"];

/// Prefixes a cell that starts with `=`, `+`, `-`, `@`, tab or carriage
/// return with `'`, so Excel and LibreOffice show it as text instead of
/// evaluating it (file names on a share are attacker-controlled).
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

/// Writes the findings of `reports` as CSV.
pub fn write(w: &mut dyn Write, reports: &[FileReport], show_values: bool) -> Result<(), ReportError> {
    let mut rows = Rows::new(w, show_values)?;
    rows.write(reports)?;
    rows.finish().map(drop)
}

/// The CSV report written file by file: the header at once, then the rows
/// of each batch of reports given to [`Rows::write`].
pub struct Rows<W: Write> {
    out: csv::Writer<W>,
    show_values: bool,
}

impl<W: Write> Rows<W> {
    /// Starts the report on `w` (writes the header).
    pub fn new(w: W, show_values: bool) -> Result<Self, ReportError> {
        let mut out = csv::Writer::from_writer(w);
        out.write_record(COLUMNS)?;
        Ok(Rows { out, show_values })
    }

    /// Writes a row per finding of `reports`.
    pub fn write(&mut self, reports: &[FileReport]) -> Result<(), ReportError> {
        for r in reports {
            let path = r.path.to_string_lossy();
            for f in &r.findings {
                let (value, normalized) = shown(f, self.show_values);
                let location = f.location.to_string();
                let row = [
                    path.as_ref(),
                    r.member.as_str(),
                    f.kind.as_str(),
                    value,
                    normalized,
                    location.as_str(),
                    f.confidence().as_str(),
                    &f.rule,
                    &*f.reason,
                ];
                for cell in row {
                    self.out.write_field(neutralise(cell).as_bytes())?;
                }
                self.out.write_record(None::<&[u8]>)?;
            }
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
    fn formula_cells_neutralised() {
        assert_eq!(neutralise("=HYPERLINK(\"http://x\")"), "'=HYPERLINK(\"http://x\")");
        assert_eq!(neutralise("+46 70 XXX XX 05"), "'+46 70 XXX XX 05");
        assert_eq!(neutralise("-1"), "'-1");
        assert_eq!(neutralise("@x"), "'@x");
        assert_eq!(neutralise("samples/a.txt"), "samples/a.txt");
    }

    #[test]
    fn header_when_empty() {
        let mut buf = Vec::new();
        write(&mut buf, &[], false).expect("write");
        assert_eq!(String::from_utf8(buf).expect("utf8"), format!("{}\n", COLUMNS.join(",")));
    }
}
