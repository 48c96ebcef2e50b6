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
    let mut out = csv::Writer::from_writer(w);
    out.write_record(COLUMNS)?;
    for r in reports {
        let path = r.path.to_string_lossy();
        for f in &r.findings {
            let (value, normalized) = shown(f, show_values);
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
            out.write_record(row.iter().map(|c| neutralise(c).into_owned()))?;
        }
    }
    out.flush()?;
    Ok(())
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
