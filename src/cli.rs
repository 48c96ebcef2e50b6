//! Command-line arguments, as typed by the user (clap derive). The doc
//! comments here are the `--help` text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::model::{Confidence, Kind};
use crate::report::Format;
use crate::report::find::FindFormat;

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
    /// Join the reports of `--shard` runs into the report one scan would
    /// have written (CSV, --errors lists, inventories, JSON Lines).
    Merge(MergeArgs),
    /// Find every file and place that mentions a person (an access or
    /// erasure request), by any written form of their identifiers and name.
    ///
    /// Give the subject in a file (--subject, --subjects; `-` for standard
    /// input) rather than on the command line, which shell history and
    /// process lists keep.
    ///
    /// Every file is read: find never uses the scan cache (--cache).
    ///
    /// Exit status: 0 not found, 1 found, 2 an error or any file that could
    /// not be read (the answer may be incomplete).
    Find(FindArgs),
    /// List the active rules (built-in, plus --patterns folders): id, kind,
    /// validator, priority, source file and description, as CSV.
    ///
    /// Exit status: 0 rules valid (and with --check every example passes),
    /// 2 a bad rule file or a failing example.
    Rules(RulesArgs),
}

/// Arguments of `snoka rules`.
#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Add the rules in every *.toml file of DIR, replacing built-in rules
    /// with the same id (repeatable; a later folder wins).
    #[arg(long, value_name = "DIR")]
    pub patterns: Vec<PathBuf>,

    /// Also run every active rule's examples (`examples.match` must be
    /// found at medium confidence or above, `examples.no_match` not) and
    /// list the failures on stderr.
    #[arg(long)]
    pub check: bool,
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
    /// instead of standard output (`-`). The file itself is never scanned.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Print found values in full. By default they are masked
    /// (19811218-XXXX, a***@example.se, +46 70 XXX XX 67).
    #[arg(long)]
    pub show_values: bool,

    /// With --format folders: roll files up into the folders N levels
    /// below each scanned path (0: the scanned path itself).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub depth: usize,

    /// Report findings of at least this confidence.
    #[arg(long, value_enum, default_value_t = Confidence::Medium, value_name = "LEVEL")]
    pub min_confidence: Confidence,

    /// Report only these kinds (comma-separated).
    #[arg(long, value_enum, value_delimiter = ',', value_name = "KINDS")]
    pub kinds: Vec<Kind>,

    /// Read options from FILE (TOML; keys as the long options, e.g.
    /// `min-confidence = "low"`). Without it, ./snoka.toml is read if
    /// present. Options on the command line win.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Do not read ./snoka.toml.
    #[arg(long, conflicts_with = "config")]
    pub no_config: bool,

    /// Do not report findings accepted in FILE (written by
    /// --write-baseline), nor fail on the unreadable files it lists.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Write every current finding and unreadable file to FILE as keyed
    /// fingerprints (never values), to accept them; the exit status is
    /// then as if FILE were the baseline.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,

    /// Exit 1 only for findings of these kinds (default: all kinds).
    #[arg(long, value_enum, value_delimiter = ',', value_name = "KINDS")]
    pub fail_on: Vec<Kind>,

    /// Never report the values listed in FILE (one per line, any written
    /// form, compared normalised; `#` comments), e.g. published test
    /// numbers.
    #[arg(long, value_name = "FILE")]
    pub allow_values: Option<PathBuf>,

    /// Never report findings in files matching GLOB (repeatable), e.g.
    /// `tests/fixtures/**`. They are still read, and counted.
    #[arg(long, value_name = "GLOB")]
    pub allow_paths: Vec<String>,

    /// Add the rules in every *.toml file of DIR (see `snoka rules`),
    /// replacing built-in rules with the same id (repeatable; a later
    /// folder wins).
    #[arg(long, value_name = "DIR")]
    pub patterns: Vec<PathBuf>,

    /// Keep each file's results in a cache, so that the next scan of the
    /// same folders reads only new and changed files (unchanged: same
    /// device, inode, size and modification time, or same content). In
    /// DIR, default $XDG_CACHE_HOME/snoka or ~/.cache/snoka; write
    /// `--cache=DIR` or put --cache after the paths. The cache holds masked
    /// values and keyed fingerprints only (raw values with --show-values);
    /// it is emptied when the version, the rules or an option that changes
    /// the findings changes. An unwritable or busy cache: a warning, and
    /// the scan runs without it. `snoka find` never uses it.
    #[arg(long, value_name = "DIR", num_args = 0..=1, default_missing_value = "", value_parser = parse_cache_dir)]
    pub cache: Option<PathBuf>,

    /// Do not use a cache, even if the configuration file sets one.
    #[arg(long, conflicts_with = "cache")]
    pub no_cache: bool,

    /// Walking, limits and messages.
    #[command(flatten)]
    pub run: RunArgs,
}

/// Arguments of `snoka find`.
#[derive(Debug, Args)]
pub struct FindArgs {
    /// Files or folders to search.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,

    /// Read the subject(s) from FILE: TOML (id, name, personnummer, cpr,
    /// email, phone; a string or a list each) or CSV with those columns
    /// (several values separated by `;`). `-` reads standard input.
    /// Repeatable.
    #[arg(long, value_name = "FILE")]
    pub subject: Vec<PathBuf>,

    /// Read many subjects from FILE (same formats as --subject) and search
    /// for all of them in one pass.
    #[arg(long, value_name = "FILE")]
    pub subjects: Vec<PathBuf>,

    /// Id of the subject given by the options below (the `subject`
    /// column).
    #[arg(long, value_name = "ID", default_value = "subject")]
    pub id: String,

    /// A personnummer or samordningsnummer of the subject, any written form
    /// (repeatable).
    #[arg(long, value_name = "NUMBER")]
    pub personnummer: Vec<String>,

    /// A CPR number of the subject (repeatable).
    #[arg(long, value_name = "NUMBER")]
    pub cpr: Vec<String>,

    /// An e-mail address of the subject (repeatable).
    #[arg(long, value_name = "ADDRESS")]
    pub email: Vec<String>,

    /// A phone number of the subject; Swedish numbers start with 0, Danish
    /// ones are 8 digits, others need +CC (repeatable).
    #[arg(long, value_name = "NUMBER")]
    pub phone: Vec<String>,

    /// The subject's name, "First Last" (repeatable: a former name too).
    #[arg(long, value_name = "NAME")]
    pub name: Vec<String>,

    /// Also match names written without diacritics or with ASCII spellings
    /// of Nordic letters (Osten or Oesten for Östen); such matches are low
    /// confidence.
    #[arg(long)]
    pub fuzzy_names: bool,

    /// Report format.
    #[arg(short = 'f', long, value_enum, default_value_t = FindFormat::Csv)]
    pub format: FindFormat,

    /// Write the report to FILE (atomically) instead of standard output
    /// (`-`).
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Print matched values in full (masked by default).
    #[arg(long)]
    pub show_values: bool,

    /// Add N characters of surrounding text on each side (other numbers and
    /// addresses in it masked) as a `context` column.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub context: usize,

    /// Report matches of at least this confidence (name-only matches are
    /// medium, fuzzy name matches low).
    #[arg(long, value_enum, default_value_t = Confidence::Low, value_name = "LEVEL")]
    pub min_confidence: Confidence,

    /// Copy (never move) every file with a match into DIR, keeping its
    /// path; matching archive members and attachments are extracted as
    /// files. Writes DIR/manifest.csv with the SHA-256 of each copy. DIR
    /// must be new or empty and outside the searched folders.
    #[arg(long, value_name = "DIR")]
    pub copy_to: Option<PathBuf>,

    /// Print only the paths of files with a match, each followed by a NUL
    /// byte, for `xargs -0` (with --format files). A match in an archive
    /// member or attachment lists the archive or mail file.
    #[arg(long, short = '0')]
    pub print0: bool,

    /// Walking, limits and messages.
    #[command(flatten)]
    pub run: RunArgs,
}

/// Arguments of `snoka merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Reports of the shards, in any order.
    #[arg(required = true)]
    pub reports: Vec<PathBuf>,

    /// Write the merged report to FILE (atomically) instead of standard
    /// output (`-`).
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Options shared by `scan` and `find`: what to walk, limits, messages.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scan only the K-th of N disjoint parts of the tree (by a fixed hash
    /// of each file's path below the root); `snoka merge` joins the parts.
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub shard: Option<crate::shard::Shard>,

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
    /// 2GB. Plain text and CSV are never skipped for size: they are
    /// streamed in bounded chunks.
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

fn parse_shard(s: &str) -> Result<crate::shard::Shard, String> {
    s.parse()
}

/// `--cache` without a value is the empty path: the default folder.
fn parse_cache_dir(s: &str) -> Result<PathBuf, String> {
    Ok(PathBuf::from(s))
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
