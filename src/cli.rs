//! Command-line arguments, as typed by the user (clap derive). The doc
//! comments here are the `--help` text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::model::{Confidence, Kind};
use crate::report::Format;

/// snoka finds personal data in file shares: Swedish personnummer and
/// samordningsnummer, Danish CPR numbers, e-mail addresses, IP addresses
/// and phone numbers, each validated. Values are masked unless
/// --show-values.
#[derive(Debug, Parser)]
#[command(name = "snoka", version, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan files and folders and report every finding (an inventory).
    ///
    /// Exit status: 0 nothing reported, 1 findings reported, 2 an error or
    /// any file that could not be read.
    Scan(ScanArgs),
}

/// Arguments of `snoka scan`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files or folders to scan.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,

    /// Report format.
    #[arg(short = 'f', long, value_enum, default_value_t = Format::Csv)]
    pub format: Format,

    /// Write the report to FILE (atomically: complete or not at all)
    /// instead of standard output. The file itself is never scanned.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Print found values in full. By default they are masked
    /// (19811218-XXXX, a***@example.se, +46 70 XXX XX 67).
    #[arg(long)]
    pub show_values: bool,

    /// Report findings of at least this confidence.
    #[arg(long, value_enum, default_value_t = Confidence::Medium, value_name = "LEVEL")]
    pub min_confidence: Confidence,

    /// Report only these kinds (comma-separated).
    #[arg(long, value_enum, value_delimiter = ',', value_name = "KINDS")]
    pub kinds: Vec<Kind>,

    /// Number of threads (default: all cores).
    #[arg(short = 'j', long, value_name = "N")]
    pub threads: Option<usize>,

    /// Follow symbolic links (loops are detected and reported).
    #[arg(short = 'L', long)]
    pub follow: bool,

    /// Also skip what .gitignore, .ignore and git excludes list. Off by
    /// default: a skipped file is a hole in the inventory.
    #[arg(long)]
    pub respect_gitignore: bool,

    /// Do not scan paths matching GLOB (gitignore syntax; repeatable).
    /// .snokaignore files in the scanned folders are always honoured.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,

    /// Skip (and report as skipped) files larger than SIZE, e.g. 100MiB,
    /// 2GB.
    #[arg(long, value_name = "SIZE", default_value = "256MiB", value_parser = parse_size)]
    pub max_filesize: u64,

    /// Also write every file or member that was skipped or failed to FILE,
    /// as CSV: path,member,status,reason (atomically, like -o).
    #[arg(long, value_name = "FILE")]
    pub errors: Option<PathBuf>,

    /// Do not open containers (zip, tar, gzip, mail attachments) nested
    /// deeper than N; deeper members are reported as skipped.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub max_depth: u32,

    /// Stop decompressing one file (all its members together) after SIZE;
    /// the rest is reported as skipped (possible zip bomb).
    #[arg(long, value_name = "SIZE", default_value = "1GiB", value_parser = parse_size)]
    pub max_decompressed: u64,

    /// Skip members that decompress to more than N times their stored
    /// size (members under 1 MiB are exempt).
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub max_ratio: u64,

    /// Read at most N members of one archive; the archive is reported as
    /// skipped after that.
    #[arg(long, value_name = "N", default_value_t = 100_000)]
    pub max_members: usize,

    /// Give up on a file (members included) after SECONDS; it is reported
    /// as failed: timeout.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub file_timeout: u64,

    /// No summary and no skip notices on stderr (errors are still shown).
    #[arg(short, long)]
    pub quiet: bool,

    /// List every skipped file on stderr, binary files and unfollowed
    /// symbolic links included.
    #[arg(short, long, conflicts_with = "quiet")]
    pub verbose: bool,
}

fn parse_size(s: &str) -> Result<u64, String> {
    s.trim().parse::<bytesize::ByteSize>().map(|b| b.as_u64()).map_err(|e| format!("invalid size {s:?}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("256MiB"), Ok(256 * 1024 * 1024));
        assert_eq!(parse_size("1 KB"), Ok(1000));
        assert_eq!(parse_size("1000"), Ok(1000));
        assert!(parse_size("lots").is_err());
    }
}
