//! Reporting: writes findings as CSV (the primary output), JSON Lines or
//! SARIF, masked unless the user asked for values; an inventory of files and
//! folders with counts only; and a one-line summary.
//! Report files are written atomically: a temporary file in the same
//! folder, flushed and synced, then renamed over the target.

pub mod csv;
pub mod errors;
pub mod find;
pub mod inventory;
pub mod jsonl;
pub mod sarif;
pub mod summary;

use std::io::{BufWriter, Write};
use std::path::Path;

use crate::error::ReportError;
use crate::model::Finding;

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One row per finding: path,member,kind,value,normalized,location,confidence,rule,reason.
    Csv,
    /// One JSON object per finding per line.
    Jsonl,
    /// One row per file or member with counts per kind, never values:
    /// path,member,format,size,modified,status,personnummer,...,total,max_confidence,reason.
    Inventory,
    /// The inventory's counts rolled up per folder, --depth levels below
    /// each scanned path.
    Folders,
    /// SARIF 2.1.0, for code-scanning services.
    Sarif,
}

/// The value and normalized value a report prints for a finding.
pub fn shown(f: &Finding, show_values: bool) -> (&str, &str) {
    if show_values { (f.value(), f.normalized()) } else { (f.masked_value(), f.masked_normalized()) }
}

/// Writes to `path` atomically: `write` fills a temporary file next to it,
/// which replaces `path` only when complete. The file is created with mode
/// 0600 (owner only), since reports describe personal data.
///
/// A `path` that exists and is not a regular file (`/dev/null`,
/// `/dev/stdout`, a FIFO) is written to directly: renaming over it would
/// replace a device node with a file.
pub fn write_atomic(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> Result<(), ReportError>,
) -> Result<(), ReportError> {
    if let Ok(meta) = std::fs::metadata(path)
        && !meta.is_file()
        && !meta.is_dir()
    {
        let mut w = BufWriter::new(std::fs::OpenOptions::new().write(true).open(path)?);
        write(&mut w)?;
        w.flush()?;
        return Ok(());
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new().prefix(".snoka-").suffix(".tmp").tempfile_in(dir)?;
    {
        let mut w = BufWriter::new(tmp.as_file_mut());
        write(&mut w)?;
        w.flush()?;
    }
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| ReportError::Io(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn devices_and_fifos_are_written_not_replaced() {
        use std::os::unix::fs::FileTypeExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let fifo = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status().is_ok_and(|s| s.success());
        if !made {
            eprintln!("skipping: mkfifo not available");
            return;
        }
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read_to_string(fifo).expect("read fifo"))
        };
        write_atomic(&fifo, |w: &mut dyn Write| Ok(w.write_all(b"report")?)).expect("write");
        assert_eq!(reader.join().expect("reader"), "report");
        let kind = std::fs::symlink_metadata(&fifo).expect("meta").file_type();
        assert!(kind.is_fifo(), "the FIFO is still a FIFO");
        assert_eq!(std::fs::read_dir(dir.path()).expect("ls").count(), 1, "no temporary file left");
    }

    #[test]
    fn atomic_write_replaces_only_when_complete() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("out.csv");
        std::fs::write(&p, "old").expect("write");
        let err = write_atomic(&p, |w: &mut dyn Write| {
            w.write_all(b"partial")?;
            Err(ReportError::Path { path: "x".into(), message: "interrupted".into() })
        });
        assert!(err.is_err());
        assert_eq!(std::fs::read_to_string(&p).expect("read"), "old");
        write_atomic(&p, |w: &mut dyn Write| Ok(w.write_all(b"new")?)).expect("write");
        assert_eq!(std::fs::read_to_string(&p).expect("read"), "new");
        let leftovers = std::fs::read_dir(dir.path()).expect("ls").count();
        assert_eq!(leftovers, 1, "no temporary files left behind");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&p).expect("meta").permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }
}
