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
    let mut out = Output::file(path)?;
    write(&mut out)?;
    out.commit()
}

/// Where a report goes while it is written, piece by piece: a temporary
/// file that becomes the report only on [`Output::commit`] (as
/// [`write_atomic`] does; dropped uncommitted, it is removed and the old
/// report stays), a device written directly, or standard output, where a
/// reader that went away (`snoka scan | head`) ends the writing quietly.
pub struct Output {
    dest: Dest,
}

enum Dest {
    Temp { w: BufWriter<tempfile::NamedTempFile>, path: std::path::PathBuf },
    Direct(BufWriter<std::fs::File>),
    Stdout { w: BufWriter<std::io::Stdout>, closed: bool },
}

impl Output {
    /// A report to `path`, written atomically (see [`write_atomic`]).
    pub fn file(path: &Path) -> Result<Output, ReportError> {
        if let Ok(meta) = std::fs::metadata(path)
            && !meta.is_file()
            && !meta.is_dir()
        {
            let f = std::fs::OpenOptions::new().write(true).open(path)?;
            return Ok(Output { dest: Dest::Direct(BufWriter::new(f)) });
        }
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let tmp = tempfile::Builder::new().prefix(".snoka-").suffix(".tmp").tempfile_in(dir)?;
        Ok(Output { dest: Dest::Temp { w: BufWriter::new(tmp), path: path.to_path_buf() } })
    }

    /// The temporary file being written, if any: a scan must not read it.
    pub fn temp_path(&self) -> Option<&Path> {
        match &self.dest {
            Dest::Temp { w, .. } => Some(w.get_ref().path()),
            _ => None,
        }
    }

    /// A report to standard output.
    pub fn stdout() -> Output {
        Output { dest: Dest::Stdout { w: BufWriter::new(std::io::stdout()), closed: false } }
    }

    /// Finishes the report: flushes it and, for a file, syncs it and puts
    /// it in place of the old one.
    pub fn commit(self) -> Result<(), ReportError> {
        match self.dest {
            Dest::Temp { w, path } => {
                let tmp = w.into_inner().map_err(|e| ReportError::Io(e.into_error()))?;
                tmp.as_file().sync_all()?;
                tmp.persist(&path).map_err(|e| ReportError::Io(e.error))?;
            }
            Dest::Direct(mut w) => w.flush()?,
            Dest::Stdout { mut w, closed } => {
                if !closed {
                    quiet_pipe(w.flush())?;
                }
            }
        }
        Ok(())
    }
}

/// `res`, with a closed pipe counted as success.
fn quiet_pipe(res: std::io::Result<()>) -> std::io::Result<()> {
    match res {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match &mut self.dest {
            Dest::Temp { w, .. } => w.write(buf),
            Dest::Direct(w) => w.write(buf),
            Dest::Stdout { closed: true, .. } => Ok(buf.len()),
            Dest::Stdout { w, closed } => match w.write(buf) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                    *closed = true;
                    Ok(buf.len())
                }
                other => other,
            },
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.dest {
            Dest::Temp { w, .. } => w.flush(),
            Dest::Direct(w) => w.flush(),
            Dest::Stdout { closed: true, .. } => Ok(()),
            Dest::Stdout { w, closed } => {
                let res = w.flush();
                if matches!(&res, Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe) {
                    *closed = true;
                }
                quiet_pipe(res)
            }
        }
    }
}

/// A scan's report written as the reports of each file come (in path
/// order): rows at once for CSV, JSON Lines and the inventory; folder
/// totals and SARIF (whose header lists the rules found) at the end, from
/// what was gathered.
pub enum Stream<W: Write> {
    /// `--format csv`.
    Csv(csv::Rows<W>),
    /// `--format jsonl`.
    Jsonl(jsonl::Rows<W>),
    /// `--format inventory`.
    Inventory(inventory::FileRows<W>),
    /// `--format folders`.
    Folders(W, inventory::Folders),
    /// `--format sarif`: the reports with findings or a problem, kept.
    Sarif {
        /// Where the log goes.
        w: W,
        /// Reports kept for the log.
        kept: Vec<crate::model::FileReport>,
        /// Id and description of every rule of the engine.
        rules: Vec<(String, String)>,
        /// `--show-values`.
        show_values: bool,
    },
}

impl<W: Write> Stream<W> {
    /// Starts a report in `format` on `w`. `roots` and `depth` are for
    /// `folders`; `rules` (id, description) for SARIF.
    pub fn new(
        format: Format,
        w: W,
        show_values: bool,
        roots: &[std::path::PathBuf],
        depth: usize,
        rules: Vec<(String, String)>,
    ) -> Result<Self, ReportError> {
        Ok(match format {
            Format::Csv => Stream::Csv(csv::Rows::new(w, show_values)?),
            Format::Jsonl => Stream::Jsonl(jsonl::Rows::new(w, show_values)),
            Format::Inventory => Stream::Inventory(inventory::FileRows::new(w)?),
            Format::Folders => Stream::Folders(w, inventory::Folders::new(roots, depth)),
            Format::Sarif => Stream::Sarif { w, kept: Vec::new(), rules, show_values },
        })
    }

    /// Adds the reports of one file (or any run of reports in path order).
    pub fn write(&mut self, reports: &[crate::model::FileReport]) -> Result<(), ReportError> {
        match self {
            Stream::Csv(rows) => rows.write(reports),
            Stream::Jsonl(rows) => rows.write(reports),
            Stream::Inventory(rows) => rows.write(reports),
            Stream::Folders(_, folders) => {
                folders.add(reports);
                Ok(())
            }
            Stream::Sarif { kept, .. } => {
                let wanted = |r: &&crate::model::FileReport| {
                    !r.findings.is_empty() || !matches!(r.status, crate::model::FileStatus::Scanned)
                };
                kept.extend(reports.iter().filter(wanted).cloned());
                Ok(())
            }
        }
    }

    /// Writes what is gathered and gives back the writer (not flushed).
    pub fn finish(self) -> Result<W, ReportError> {
        match self {
            Stream::Csv(rows) => rows.finish(),
            Stream::Jsonl(rows) => Ok(rows.finish()),
            Stream::Inventory(rows) => rows.finish(),
            Stream::Folders(mut w, folders) => {
                folders.write(&mut w)?;
                Ok(w)
            }
            Stream::Sarif { mut w, kept, rules, show_values } => {
                let rules: Vec<(&str, &str)> = rules.iter().map(|(i, d)| (i.as_str(), d.as_str())).collect();
                sarif::write(&mut w, &kept, &rules, show_values)?;
                Ok(w)
            }
        }
    }
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
