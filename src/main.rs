//! The `snoka` binary: parse arguments, walk, scan, report, exit.

use std::io::{self, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::Parser;

use snoka::cli::{Cli, Command, ScanArgs};
use snoka::exit::Exit;
use snoka::extract::Limits;
use snoka::model::FileStatus;
use snoka::report::{self, Format, summary::Summary};
use snoka::scan::{ScanOptions, scan};
use snoka::walk::{WalkOptions, walk};
use snoka::{Engine, error::ReportError};

/// Stack size of the scanning threads.
const STACK_SIZE: usize = 256 << 20;

fn main() -> ExitCode {
    // A panic message could quote scanned text: print where, never what.
    std::panic::set_hook(Box::new(|info| {
        let at = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
        eprintln!("snoka: internal error{at} (details withheld: they may contain scanned data)");
    }));
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Scan(args) => run_scan(args),
    };
    match result {
        Ok(exit) => exit.into(),
        Err(e) => {
            eprintln!("snoka: {e:#}");
            Exit::Error.into()
        }
    }
}

fn run_scan(args: ScanArgs) -> Result<Exit> {
    let start = Instant::now();
    let engine = Engine::builtin().context("loading built-in rules")?;
    let threads = args.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    // Parsers of hostile documents recurse; a large stack (address space,
    // not memory, until used) turns a stack overflow into a non-event.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .stack_size(STACK_SIZE)
        .build()
        .context("starting threads")?;
    let walk_opts = WalkOptions {
        follow: args.follow,
        respect_gitignore: args.respect_gitignore,
        excludes: args.exclude.clone(),
        max_filesize: args.max_filesize,
        threads,
        never: args.output.iter().chain(args.errors.iter()).cloned().collect(),
    };
    let items = walk(&args.paths, &walk_opts).context("invalid --exclude glob")?;
    let opts = ScanOptions {
        min_confidence: args.min_confidence,
        kinds: args.kinds.clone(),
        max_filesize: args.max_filesize,
        limits: Limits {
            max_depth: args.max_depth,
            max_total: args.max_decompressed,
            max_ratio: args.max_ratio.max(1),
            max_members: args.max_members,
            timeout: Duration::from_secs(args.file_timeout),
        },
        progress: !args.quiet,
    };
    let reports = pool.install(|| scan(items, &engine, &opts));
    let summary = Summary::of(&reports, start.elapsed());

    for r in &reports {
        let path = if r.member.is_empty() {
            r.path.display().to_string()
        } else {
            format!("{}!{}", r.path.display(), r.member)
        };
        match &r.status {
            FileStatus::Failed(why) => eprintln!("snoka: {path}: failed: {why}"),
            FileStatus::Skipped(why) if args.verbose => eprintln!("snoka: {path}: skipped: {why}"),
            FileStatus::Skipped(why) if !args.quiet && !quiet_skip(why) => eprintln!("snoka: {path}: skipped: {why}"),
            _ => {}
        }
    }

    let write = |w: &mut dyn Write| -> Result<(), ReportError> {
        match args.format {
            Format::Csv => report::csv::write(w, &reports, args.show_values),
            Format::Jsonl => report::jsonl::write(w, &reports, args.show_values),
        }
    };
    if let Some(path) = &args.errors {
        report::write_atomic(path, |w: &mut dyn Write| report::errors::write(w, &reports))
            .with_context(|| format!("writing {}", path.display()))?;
    }
    match &args.output {
        Some(path) => report::write_atomic(path, write).with_context(|| format!("writing {}", path.display()))?,
        None => {
            let mut out = io::BufWriter::new(io::stdout().lock());
            let res = write(&mut out).and_then(|()| out.flush().map_err(ReportError::from));
            // `snoka scan | head` closing the pipe early is not an error.
            if let Err(e) = res
                && !e.is_broken_pipe()
            {
                return Err(e).context("writing report");
            }
        }
    }

    if !args.quiet {
        eprintln!("snoka: {summary}");
        if summary.scanned == 0 && summary.skipped == 0 && summary.failed == 0 {
            eprintln!("snoka: no files were found to scan (check the paths, --exclude and .snokaignore files)");
        }
    }
    Ok(Exit::of(&summary))
}

/// Skips that are expected in bulk and only listed with --verbose.
fn quiet_skip(reason: &str) -> bool {
    reason.starts_with("binary") || reason.starts_with("symbolic link (not followed)")
}
