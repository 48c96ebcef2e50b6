//! Typed errors of the library. The binary adds context with `anyhow`.

use std::path::PathBuf;

use thiserror::Error;

/// A problem in a rule or keyword file. Every variant names the file, and
/// the rule id where there is one.
#[derive(Debug, Error)]
pub enum PatternError {
    /// The file is not valid TOML or does not fit the schema.
    #[error("{file}: {message}")]
    Parse {
        /// File name.
        file: String,
        /// What the parser said.
        message: String,
    },
    /// A rule or set is well-formed TOML but unusable.
    #[error("{file}: rule {id:?}: {problem}")]
    Invalid {
        /// File name.
        file: String,
        /// Rule id or keyword set name.
        id: String,
        /// What is wrong.
        problem: String,
    },
}

/// Why a file (or a container member) was not, or not fully, read.
/// [`ExtractError::status`] turns it into the file's `skipped` or
/// `failed` status; it never aborts the scan. Messages name the problem,
/// never the file's content.
#[derive(Debug, Error)]
pub enum ExtractError {
    /// The operating system refused or failed the read.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The file changed size while it was read.
    #[error("file changed while being read")]
    Changed,
    /// The extractor panicked (a bug in snoka or a library); the message is
    /// withheld because it could contain file content.
    #[error("internal error while extracting (panic)")]
    Panic,
    /// The content is encrypted and no password is known.
    #[error("encrypted")]
    Encrypted,
    /// A format snoka recognises but cannot read, e.g. `Word 97 (.doc)`.
    #[error("unsupported format: {0}")]
    Unsupported(String),
    /// The file is damaged or not what it claims to be: `corrupt PDF: ...`.
    #[error("corrupt {format}: {message}")]
    Corrupt {
        /// The format it was read as (`PDF`, `zip`, `XLSX`).
        format: &'static str,
        /// What the parser said.
        message: String,
    },
    /// A limit was reached: nesting depth, decompressed bytes, compression
    /// ratio, member count. The text says which, e.g. `possible zip bomb:
    /// compression ratio 1029:1 > 100:1`.
    #[error("{0}")]
    Limit(String),
    /// The file took longer than `--file-timeout`.
    #[error("timeout after {0} s")]
    Timeout(u64),
    /// The scan was interrupted (Ctrl-C, SIGTERM) while this file was read.
    #[error("interrupted while being read")]
    Interrupted,
}

impl ExtractError {
    /// A corrupt-file error for `format` from any parser error.
    pub fn corrupt(format: &'static str, message: impl std::fmt::Display) -> ExtractError {
        ExtractError::Corrupt { format, message: message.to_string() }
    }

    /// The status a file gets when extraction ends with this error:
    /// encrypted, unsupported and limits are `skipped` (policy), the rest
    /// `failed` (a hole in the inventory that needs looking at).
    pub fn status(&self) -> crate::model::FileStatus {
        use crate::model::FileStatus;
        match self {
            ExtractError::Encrypted | ExtractError::Unsupported(_) | ExtractError::Limit(_) => {
                FileStatus::Skipped(self.to_string())
            }
            _ => FileStatus::Failed(self.to_string()),
        }
    }
}

/// Problems writing a report.
#[derive(Debug, Error)]
pub enum ReportError {
    /// Writing failed.
    #[error("writing report: {0}")]
    Io(#[from] std::io::Error),
    /// CSV serialisation failed.
    #[error("writing CSV: {0}")]
    Csv(#[from] csv::Error),
    /// JSON serialisation failed.
    #[error("writing JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The output path is unusable.
    #[error("{path}: {message}")]
    Path {
        /// The output path.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
}

impl ReportError {
    /// True when the reader of standard output went away (`| head`).
    pub fn is_broken_pipe(&self) -> bool {
        let pipe = std::io::ErrorKind::BrokenPipe;
        match self {
            ReportError::Io(e) => e.kind() == pipe,
            ReportError::Csv(e) => matches!(e.kind(), csv::ErrorKind::Io(io) if io.kind() == pipe),
            ReportError::Json(e) => e.io_error_kind() == Some(pipe),
            ReportError::Path { .. } => false,
        }
    }
}
