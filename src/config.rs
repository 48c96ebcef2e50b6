//! `snoka.toml`: every `snoka scan` option in a file, for CI and for teams
//! that always scan the same way. Keys are the long option names
//! (`min-confidence = "low"`, `exclude = ["*.bak"]`, `max-filesize =
//! "100MiB"`, `paths = ["share"]`). An option given on the command line
//! wins over the file; an unknown key is an error, never ignored. Relative
//! paths in the file are relative to the file's folder.

use std::path::{Path, PathBuf};

use clap::ArgMatches;
use clap::parser::ValueSource;
use serde::Deserialize;
use thiserror::Error;

use crate::cli::ScanArgs;
use crate::model::{Confidence, Kind};
use crate::report::Format;

/// The name looked for in the current folder.
pub const DEFAULT_FILE: &str = "snoka.toml";

/// A problem with a configuration file.
#[derive(Debug, Error)]
pub enum ConfigError {
    /// Reading failed.
    #[error("{file}: {source}")]
    Io {
        /// The file.
        file: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// Not valid TOML, an unknown key, or a value of the wrong type.
    #[error("{file}: {message}")]
    Invalid {
        /// The file.
        file: PathBuf,
        /// What is wrong (names the key).
        message: String,
    },
}

/// The options a configuration file may hold (all optional).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ScanConfig {
    paths: Option<Vec<PathBuf>>,
    format: Option<String>,
    depth: Option<usize>,
    output: Option<PathBuf>,
    show_values: Option<bool>,
    min_confidence: Option<String>,
    kinds: Option<Vec<String>>,
    baseline: Option<PathBuf>,
    fail_on: Option<Vec<String>>,
    allow_values: Option<PathBuf>,
    allow_paths: Option<Vec<String>>,
    patterns: Option<Vec<PathBuf>>,
    threads: Option<usize>,
    follow: Option<bool>,
    respect_gitignore: Option<bool>,
    exclude: Option<Vec<String>>,
    max_filesize: Option<String>,
    errors: Option<PathBuf>,
    max_depth: Option<u32>,
    max_decompressed: Option<String>,
    max_ratio: Option<u64>,
    max_members: Option<usize>,
    file_timeout: Option<u64>,
    quiet: Option<bool>,
    verbose: Option<bool>,
    cache: Option<CacheSetting>,
}

/// `cache = true` (the default folder), `cache = false`, or `cache = "DIR"`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum CacheSetting {
    On(bool),
    Dir(PathBuf),
}

/// Reads the configuration for a scan: `--config FILE`, else
/// `./snoka.toml` if it exists (unless `--no-config`), and applies every
/// key whose option was not given on the command line. Returns the file
/// read, if any.
pub fn apply(args: &mut ScanArgs, matches: &ArgMatches) -> Result<Option<PathBuf>, ConfigError> {
    let file = match (&args.config, args.no_config) {
        (Some(f), _) => f.clone(),
        (None, true) => return Ok(None),
        (None, false) => {
            let f = PathBuf::from(DEFAULT_FILE);
            // Only a missing file means "no configuration": one that is
            // there but cannot be read (a folder, a dangling link, no
            // permission) is an error, never silently ignored.
            match std::fs::symlink_metadata(&f) {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                _ => f,
            }
        }
    };
    let text = std::fs::read_to_string(&file).map_err(|source| ConfigError::Io { file: file.clone(), source })?;
    let config: ScanConfig =
        toml::from_str(&text).map_err(|e| ConfigError::Invalid { file: file.clone(), message: e.to_string() })?;
    let base = file.parent().map(Path::to_path_buf).unwrap_or_default();
    merge(args, matches, config, &base).map_err(|message| ConfigError::Invalid { file: file.clone(), message })?;
    Ok(Some(file))
}

/// Sets each option from `config` unless the command line gave it.
fn merge(args: &mut ScanArgs, m: &ArgMatches, c: ScanConfig, base: &Path) -> Result<(), String> {
    let unset = |id: &str| m.value_source(id) != Some(ValueSource::CommandLine);
    let rel = |p: PathBuf| if p.is_absolute() || base.as_os_str().is_empty() { p } else { base.join(p) };
    let size = |key: &str, s: String| -> Result<u64, String> {
        s.trim()
            .parse::<bytesize::ByteSize>()
            .map(|b| b.as_u64())
            .map_err(|e| format!("{key}: invalid size {s:?}: {e}"))
    };
    let kinds = |key: &str, v: Vec<String>| -> Result<Vec<Kind>, String> {
        v.iter()
            .map(|k| {
                Kind::from_name(k).filter(|k| *k != Kind::Name).ok_or_else(|| format!("{key}: unknown kind {k:?}"))
            })
            .collect()
    };
    if let Some(v) = c.paths.filter(|_| unset("paths")) {
        args.paths = v.into_iter().map(rel).collect();
    }
    if let Some(v) = c.format.filter(|_| unset("format")) {
        args.format = <Format as clap::ValueEnum>::from_str(&v, true).map_err(|_| format!("format: unknown {v:?}"))?;
    }
    if let Some(v) = c.depth.filter(|_| unset("depth")) {
        args.depth = v;
    }
    if let Some(v) = c.output.filter(|_| unset("output")) {
        args.output = Some(rel(v));
    }
    if let Some(v) = c.show_values.filter(|_| unset("show_values")) {
        args.show_values = v;
    }
    if let Some(v) = c.min_confidence.filter(|_| unset("min_confidence")) {
        args.min_confidence = <Confidence as clap::ValueEnum>::from_str(&v, true)
            .map_err(|_| format!("min-confidence: expected low, medium or high, not {v:?}"))?;
    }
    if let Some(v) = c.kinds.filter(|_| unset("kinds")) {
        args.kinds = kinds("kinds", v)?;
    }
    if let Some(v) = c.baseline.filter(|_| unset("baseline")) {
        args.baseline = Some(rel(v));
    }
    if let Some(v) = c.fail_on.filter(|_| unset("fail_on")) {
        args.fail_on = kinds("fail-on", v)?;
    }
    if let Some(v) = c.allow_values.filter(|_| unset("allow_values")) {
        args.allow_values = Some(rel(v));
    }
    if let Some(v) = c.allow_paths.filter(|_| unset("allow_paths")) {
        args.allow_paths = v;
    }
    if let Some(v) = c.patterns.filter(|_| unset("patterns")) {
        args.patterns = v.into_iter().map(rel).collect();
    }
    if let Some(v) = c.cache.filter(|_| unset("cache") && !args.no_cache) {
        args.cache = match v {
            CacheSetting::On(true) => Some(PathBuf::new()),
            CacheSetting::On(false) => None,
            CacheSetting::Dir(d) => Some(rel(d)),
        };
    }
    let run = &mut args.run;
    if let Some(v) = c.threads.filter(|_| unset("threads")) {
        run.threads = Some(v);
    }
    if let Some(v) = c.follow.filter(|_| unset("follow")) {
        run.follow = v;
    }
    if let Some(v) = c.respect_gitignore.filter(|_| unset("respect_gitignore")) {
        run.respect_gitignore = v;
    }
    if let Some(v) = c.exclude.filter(|_| unset("exclude")) {
        run.exclude = v;
    }
    if let Some(v) = c.max_filesize.filter(|_| unset("max_filesize")) {
        run.max_filesize = size("max-filesize", v)?;
    }
    if let Some(v) = c.errors.filter(|_| unset("errors")) {
        run.errors = Some(rel(v));
    }
    if let Some(v) = c.max_depth.filter(|_| unset("max_depth")) {
        run.max_depth = v;
    }
    if let Some(v) = c.max_decompressed.filter(|_| unset("max_decompressed")) {
        run.max_decompressed = size("max-decompressed", v)?;
    }
    if let Some(v) = c.max_ratio.filter(|_| unset("max_ratio")) {
        run.max_ratio = v;
    }
    if let Some(v) = c.max_members.filter(|_| unset("max_members")) {
        run.max_members = v;
    }
    if let Some(v) = c.file_timeout.filter(|_| unset("file_timeout")) {
        run.file_timeout = v;
    }
    if let Some(v) = c.quiet.filter(|_| unset("quiet")) {
        run.quiet = v && !run.verbose;
    }
    if let Some(v) = c.verbose.filter(|_| unset("verbose")) {
        run.verbose = v && !run.quiet;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::{CommandFactory, FromArgMatches};

    fn scan_with(argv: &[&str], config: &str) -> Result<ScanArgs, String> {
        let matches = Cli::command().try_get_matches_from(argv).map_err(|e| e.to_string())?;
        let cli = Cli::from_arg_matches(&matches).map_err(|e| e.to_string())?;
        let Command::Scan(mut args) = cli.command else { return Err("not scan".into()) };
        let sub = matches.subcommand_matches("scan").ok_or("no scan")?;
        let c: ScanConfig = toml::from_str(config).map_err(|e| e.to_string())?;
        merge(&mut args, sub, c, Path::new("conf"))?;
        Ok(args)
    }

    #[test]
    fn file_fills_in_and_command_line_wins() {
        let config = "min-confidence = 'low'\nkinds = ['email']\nmax-filesize = '1MiB'\nbaseline = 'b.txt'\n\
                      exclude = ['*.bak']\nfail-on = ['personnummer']\n";
        let a = scan_with(&["snoka", "scan"], config).expect("ok");
        assert_eq!(a.min_confidence, Confidence::Low);
        assert_eq!(a.kinds, vec![Kind::Email]);
        assert_eq!(a.run.max_filesize, 1 << 20);
        assert_eq!(a.baseline, Some(PathBuf::from("conf/b.txt")), "relative to the file");
        assert_eq!(a.run.exclude, vec!["*.bak".to_string()]);
        assert_eq!(a.fail_on, vec![Kind::Personnummer]);
        let a = scan_with(&["snoka", "scan", "--min-confidence", "high", "--kinds", "cpr"], config).expect("ok");
        assert_eq!(a.min_confidence, Confidence::High, "the command line wins");
        assert_eq!(a.kinds, vec![Kind::Cpr]);
        assert_eq!(a.run.max_filesize, 1 << 20, "other keys still apply");
    }

    #[test]
    fn unknown_keys_and_bad_values_are_errors() {
        let e = toml::from_str::<ScanConfig>("min_confidence = 'low'").expect_err("snake case is unknown");
        assert!(e.to_string().contains("min_confidence"), "{e}");
        assert!(scan_with(&["snoka", "scan"], "min-confidence = 'sure'").is_err());
        assert!(scan_with(&["snoka", "scan"], "kinds = ['name']").is_err(), "find-only kind");
        assert!(scan_with(&["snoka", "scan"], "max-filesize = 'big'").is_err());
    }
}
