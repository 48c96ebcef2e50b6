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

/// Why one file could not be read. Becomes a `failed` status, never an
/// abort.
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
