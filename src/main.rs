//! The `snoka` binary: parse arguments, walk, scan or find, report, exit.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::{CommandFactory, FromArgMatches};

use snoka::cache::{self, Cache};
use snoka::cli::{Cli, Command, FindArgs, RulesArgs, RunArgs, ScanArgs};
use snoka::detect::date::Date;
use snoka::exit::Exit;
use snoka::extract::Limits;
use snoka::find::subject::{self, RawSubject};
use snoka::find::{FindOptions, SubjectIndex, copy};
use snoka::model::{FileReport, FileStatus};
use snoka::report::find::FindFormat;
use snoka::report::{self, Output, Stream, summary::Summary};
use snoka::scan::{Detectors, ScanOptions, Search, scan_file_with, scan_items_into};
use snoka::suppress::{self, AllowList, Baseline};
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
    // Ctrl-C or SIGTERM: finish cleanly with what is complete; a second
    // one quits at once (the report file is then not written at all).
    let handler = ctrlc::set_handler(|| {
        if snoka::scan::stop_requested() {
            std::process::exit(130);
        }
        snoka::scan::request_stop();
        eprintln!("snoka: stopping; the report will list what was complete (again to quit at once)");
    });
    if let Err(e) = handler {
        eprintln!("snoka: warning: cannot handle Ctrl-C ({e}); an interrupted scan writes no report");
    }
    let matches = Cli::command().get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let result = match cli.command {
        Command::Scan(mut args) => {
            let sub = matches.subcommand_matches("scan").cloned().unwrap_or_default();
            snoka::config::apply(&mut args, &sub).map_err(anyhow::Error::from).and_then(|_| {
                dash_is_stdout(&mut args.output);
                run_scan(args)
            })
        }
        Command::Find(mut args) => {
            dash_is_stdout(&mut args.output);
            run_find(args)
        }
        Command::Merge(mut args) => {
            dash_is_stdout(&mut args.output);
            run_merge(args)
        }
        Command::Rules(args) => run_rules(args),
    };
    match result {
        Ok(exit) => exit.into(),
        Err(e) => {
            eprintln!("snoka: {}", error_chain(&e));
            Exit::Error.into()
        }
    }
}

/// `-o -` means standard output, as it does for other command-line tools
/// (a report file named `-` is never what was meant).
fn dash_is_stdout(output: &mut Option<PathBuf>) {
    if output.as_deref() == Some(Path::new("-")) {
        *output = None;
    }
}

/// An error and its causes joined by `: `, like `{e:#}`, but without a
/// cause that the layer above already ended with (`file: Is a directory`,
/// not `file: Is a directory: Is a directory`).
fn error_chain(e: &anyhow::Error) -> String {
    let mut msg = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if msg.ends_with(&text) {
            continue;
        }
        if !msg.is_empty() {
            msg.push_str(": ");
        }
        msg.push_str(&text);
    }
    msg
}

fn run_scan(args: ScanArgs) -> Result<Exit> {
    let start = Instant::now();
    let engine = Engine::with_patterns(&args.patterns).context("loading rules")?;
    // Load the phone metadata while the tree is walked.
    std::thread::spawn(snoka::detect::phone::warm_up);
    let mut opts = scan_options(&args.run);
    opts.min_confidence = args.min_confidence;
    opts.kinds = args.kinds.clone();
    // Read before the scan: a bad file should not cost a scan.
    let allow_values = match &args.allow_values {
        Some(p) => std::fs::read_to_string(p).with_context(|| format!("reading --allow-values {}", p.display()))?,
        None => String::new(),
    };
    let mut allow = AllowList::new(&engine, &allow_values, &args.allow_paths)?;
    let baseline = match &args.baseline {
        Some(p) => {
            let text = std::fs::read_to_string(p).with_context(|| format!("reading --baseline {}", p.display()))?;
            Some(Baseline::parse(&p.display().to_string(), &text)?)
        }
        None => None,
    };
    let mut never: Vec<PathBuf> = args
        .output
        .iter()
        .chain(args.run.errors.iter())
        .chain(args.baseline.iter())
        .chain(args.write_baseline.iter())
        .chain(args.allow_values.iter())
        .cloned()
        .collect();
    let detectors = Detectors::new(&engine, &opts);
    let mut cache = match &args.cache {
        Some(dir) if !args.no_cache => open_cache(dir, &args, &engine, &opts),
        _ => None,
    };
    if let Some(c) = &cache {
        never.extend(c.own_files());
    }
    if let Some(c) = cache.as_ref().filter(|c| !c.raw_values()) {
        // Cached findings carry fingerprints instead of values.
        allow.add_fingerprints(|v| c.fingerprint(v));
    }
    let rules: Vec<(String, String)> =
        engine.rules().iter().map(|r| (r.id.to_string(), r.description.clone())).collect();
    let out = match &args.output {
        Some(p) => Output::file(p).with_context(|| format!("writing {}", p.display()))?,
        None => Output::stdout(),
    };
    never.extend(out.temp_path().map(Path::to_path_buf));
    let stream = Stream::new(args.format, out, args.show_values, &args.paths, args.depth, rules)?;
    let mut written = Written {
        allow: &allow,
        // With --write-baseline, what the scan finds is accepted before the
        // report is written: the reports are kept until the end.
        baseline: if args.write_baseline.is_some() { None } else { baseline.as_ref() },
        kept: args.write_baseline.as_ref().map(|_| Vec::new()),
        suppressed: suppress::Counts::new(),
        accepted_failed: 0,
        summary: Summary::default(),
        stream,
        error: None,
    };
    let holes = walk_and_scan(&args.paths, &args.run, never, &detectors, &opts, cache.as_mut(), &mut |r| {
        written.take(r);
    })?;
    let mut allowed_marker = detectors.allowed();
    let mut cached = None;
    if let Some(mut c) = cache {
        allowed_marker += c.allowed();
        for w in c.warnings() {
            eprintln!("snoka: {w}");
        }
        let dir = c.dir().to_path_buf();
        let stats = c.stats();
        if let Err(e) = c.finish() {
            eprintln!("snoka: {e}; the next scan reads the files again");
        }
        if args.run.verbose {
            eprintln!(
                "snoka: cache {}: {} files unchanged, {} with the same content, {} read and scanned{}",
                dir.display(),
                stats.unchanged,
                stats.same_content,
                stats.scanned,
                if stats.invalidated { " (cache emptied: version, rules or options changed)" } else { "" }
            );
        }
        cached = Some(stats.from_cache());
    }
    if let Some(mut reports) = written.kept.take() {
        allow.apply(&mut reports, &mut written.suppressed);
        let path = args.write_baseline.as_ref().filter(|_| !snoka::scan::stop_requested());
        if let Some(path) = path {
            // Keep the key of the baseline being replaced, so that what stayed
            // keeps its fingerprint and the diff shows only what changed.
            let old = baseline.clone().or_else(|| {
                std::fs::read_to_string(path).ok().and_then(|t| Baseline::parse(&path.display().to_string(), &t).ok())
            });
            let mut fresh = match old {
                Some(b) => b.emptied(),
                None => Baseline::new()?,
            };
            fresh.add(&reports);
            report::write_atomic(path, |w: &mut dyn Write| fresh.write(w))
                .with_context(|| format!("writing {}", path.display()))?;
            written.accepted_failed = fresh.apply(&mut reports, &mut written.suppressed);
        } else if let Some(b) = &baseline {
            written.accepted_failed = b.apply(&mut reports, &mut written.suppressed);
        }
        written.write(&reports);
    }
    if let Some(e) = written.error {
        let to = args
            .output
            .as_ref()
            .map_or_else(|| "the report to standard output".to_string(), |p| p.display().to_string());
        return Err(e).with_context(|| format!("writing {to}"));
    }
    let out = written.stream.finish().and_then(Output::commit);
    out.with_context(|| match &args.output {
        Some(p) => format!("writing {}", p.display()),
        None => "writing the report to standard output".to_string(),
    })?;
    let mut summary = written.summary;
    summary.elapsed = start.elapsed();
    if allowed_marker > 0 {
        written.suppressed.insert("snoka:allow", allowed_marker);
    }
    summary.suppressed = written.suppressed;
    summary.accepted_failed = written.accepted_failed;
    summary.cached = cached;
    if !args.run.quiet {
        eprintln!("snoka: {summary}");
        nothing_walked_hint(&summary);
    }
    if snoka::scan::stop_requested() {
        return Ok(interrupted(&holes));
    }
    Ok(Exit::failing_on(&summary, &args.fail_on))
}

/// What `snoka scan` does with each file's reports as they come, in path
/// order: drops what the allowlists and the baseline accept, counts, and
/// writes the report (or keeps the reports, with `--write-baseline`).
struct Written<'a> {
    allow: &'a AllowList,
    baseline: Option<&'a Baseline>,
    kept: Option<Vec<FileReport>>,
    suppressed: suppress::Counts,
    accepted_failed: usize,
    summary: Summary,
    stream: Stream<Output>,
    /// The first write error: the scan is then stopped and the run fails.
    error: Option<ReportError>,
}

impl Written<'_> {
    fn take(&mut self, mut reports: Vec<FileReport>) {
        if let Some(kept) = &mut self.kept {
            kept.append(&mut reports);
            return;
        }
        self.allow.apply(&mut reports, &mut self.suppressed);
        if let Some(b) = self.baseline {
            self.accepted_failed += b.apply(&mut reports, &mut self.suppressed);
        }
        self.write(&reports);
    }

    fn write(&mut self, reports: &[FileReport]) {
        self.summary.add(reports);
        if self.error.is_none()
            && let Err(e) = self.stream.write(reports)
        {
            self.error = Some(e);
            // Nothing more can be written: no use reading on.
            snoka::scan::request_stop();
        }
    }
}

/// Opens the `--cache` folder (`dir` empty: the default one) for this scan;
/// on any problem, warns and returns `None` (the scan runs without it).
fn open_cache(dir: &Path, args: &ScanArgs, engine: &snoka::Engine, opts: &ScanOptions) -> Option<Cache> {
    let dir = if dir.as_os_str().is_empty() {
        match cache::default_dir() {
            Some(d) => d,
            None => {
                eprintln!(
                    "snoka: no cache folder (HOME and XDG_CACHE_HOME unset; give --cache=DIR); scanning without it"
                );
                return None;
            }
        }
    } else {
        dir.to_path_buf()
    };
    let config = cache::config_fingerprint(engine, opts, args.show_values);
    let shard = args.run.shard.as_ref().map(|s| format!("{}/{}", s.index, s.count));
    match Cache::open(&dir, &args.paths, shard.as_deref(), &config, args.show_values) {
        Ok(mut c) => {
            for w in c.warnings() {
                eprintln!("snoka: {w}");
            }
            Some(c)
        }
        Err(e) => {
            eprintln!("snoka: {e}; scanning without it");
            None
        }
    }
}

/// Says how much of an interrupted run is in its report; exit 2.
fn interrupted(reports: &[FileReport]) -> Exit {
    let not_started =
        reports.iter().filter(|r| matches!(&r.status, FileStatus::Skipped(w) if w == snoka::scan::NOT_STARTED)).count();
    let cut =
        reports.iter().filter(|r| matches!(&r.status, FileStatus::Failed(w) if w.starts_with("interrupted"))).count();
    eprintln!(
        "snoka: interrupted: the report is complete for the files read; {not_started} files were not read and {cut} not finished (listed as skipped/failed with --errors)"
    );
    Exit::Error
}

/// `snoka rules`: the active rules as CSV on stdout; with --check, example
/// failures on stderr and exit 2.
fn run_rules(args: RulesArgs) -> Result<Exit> {
    let engine = Engine::with_patterns(&args.patterns).context("loading rules")?;
    // Load the phone metadata while the tree is walked.
    std::thread::spawn(snoka::detect::phone::warm_up);
    let write = |w: &mut dyn Write| -> Result<(), ReportError> {
        let mut out = csv::Writer::from_writer(w);
        out.write_record(["id", "kind", "validator", "priority", "source", "description"])?;
        for r in engine.rules() {
            let priority = r.priority.to_string();
            out.write_record([&*r.id, &r.kind_names(), r.validator.as_str(), &priority, &r.file, &r.description])?;
        }
        out.flush()?;
        Ok(())
    };
    write_report(None, write)?;
    if args.check {
        let failures = engine.check_examples();
        for f in &failures {
            eprintln!("snoka: {f}");
        }
        if !failures.is_empty() {
            eprintln!("snoka: {} examples failed", failures.len());
            return Ok(Exit::Error);
        }
        let n: usize = engine.rules().iter().map(|r| r.examples.matches.len() + r.examples.no_match.len()).sum();
        eprintln!("snoka: {} rules, {n} examples passed", engine.rules().len());
    }
    Ok(Exit::Clean)
}

fn run_find(args: FindArgs) -> Result<Exit> {
    let start = Instant::now();
    if args.print0 && args.format != FindFormat::Files {
        bail!("--print0 lists files: use it with --format files");
    }
    let subjects = load_subjects(&args)?;
    if let Some(dir) = &args.copy_to {
        copy::check_destination(dir, &args.paths).context("--copy-to")?;
    }
    let ids: Vec<String> = subjects.iter().map(|s| s.id.clone()).collect();
    let find_opts = FindOptions {
        fuzzy_names: args.fuzzy_names,
        context: args.context,
        show_values: args.show_values,
        min_confidence: args.min_confidence,
    };
    let index = SubjectIndex::new(subjects, &args.paths, find_opts);
    let opts = scan_options(&args.run);
    let mut never: Vec<PathBuf> = args.output.iter().chain(args.run.errors.iter()).cloned().collect();
    never.extend(args.subject.iter().chain(&args.subjects).filter(|p| p.as_os_str() != "-").cloned());
    let mut reports = Vec::new();
    walk_and_scan(&args.paths, &args.run, never, &index, &opts, None, &mut |mut r| reports.append(&mut r))?;
    let summary = Summary::of(&reports, start.elapsed());

    let write = |w: &mut dyn Write| -> Result<(), ReportError> {
        match (args.format, args.print0) {
            (FindFormat::Files, true) => report::find::write_print0(w, &reports),
            (FindFormat::Files, false) => report::find::write_files(w, &reports, &ids),
            (FindFormat::Csv, _) => report::find::write_csv(w, &reports, &ids, args.show_values, args.context > 0),
            (FindFormat::Jsonl, _) => report::find::write_jsonl(w, &reports, &ids, args.show_values),
        }
    };
    write_report(args.output.as_deref(), write)?;
    let mut copy_failed = false;
    if let Some(dir) = &args.copy_to {
        let copied = copy::copy_matches(dir, &reports, &ids, &opts).context("--copy-to")?;
        for c in copied.iter().filter(|c| c.error.is_some()) {
            let member = if c.member.is_empty() { String::new() } else { format!("!{}", c.member) };
            eprintln!("snoka: {}{member}: not copied: {}", c.source.display(), c.error.as_deref().unwrap_or(""));
            copy_failed = true;
        }
        if !args.run.quiet {
            let n = copied.iter().filter(|c| c.error.is_none()).count();
            eprintln!("snoka: copied {n} files to {} (list: {})", dir.display(), dir.join("manifest.csv").display());
        }
    }
    if !args.run.quiet {
        for line in per_subject(&reports, &ids) {
            eprintln!("snoka: {line}");
        }
        let holes = reports
            .iter()
            .filter(|r| match &r.status {
                FileStatus::Failed(_) => true,
                FileStatus::Skipped(why) => !quiet_skip(why),
                FileStatus::Scanned => false,
            })
            .count();
        if holes > 0 {
            let list =
                if args.run.errors.is_some() { "the --errors file lists them" } else { "--errors FILE lists them" };
            eprintln!(
                "snoka: {holes} files or members could not be searched (encrypted, unsupported, damaged or over a limit) and may mention a subject; {list}"
            );
        }
        if args.print0 && reports.iter().any(|r| !r.member.is_empty() && !r.findings.is_empty()) {
            eprintln!(
                "snoka: some matches are inside archives or attachments; the list names the file that holds them"
            );
        }
        eprintln!("snoka: {summary}");
        nothing_walked_hint(&summary);
    }
    if snoka::scan::stop_requested() {
        return Ok(interrupted(&reports));
    }
    if copy_failed {
        return Ok(Exit::Error);
    }
    Ok(Exit::of(&summary))
}

fn run_merge(args: snoka::cli::MergeArgs) -> Result<Exit> {
    let write = |w: &mut dyn Write| -> Result<(), ReportError> {
        snoka::shard::merge(&args.reports, w)
            .map_err(|e| ReportError::Path { path: "merge".into(), message: e.to_string() })
    };
    write_report(args.output.as_deref(), write)?;
    Ok(Exit::Clean)
}

/// "subject 1: 12 matches in 5 files (2 by name only)" for each subject.
fn per_subject(reports: &[FileReport], ids: &[String]) -> Vec<String> {
    let mut matches = vec![0usize; ids.len()];
    let mut files = vec![std::collections::BTreeSet::new(); ids.len()];
    let mut identified = vec![std::collections::BTreeSet::new(); ids.len()];
    for r in reports {
        for f in &r.findings {
            let Some(s) = f.subject.map(|s| s as usize).filter(|&s| s < ids.len()) else { continue };
            matches[s] += 1;
            files[s].insert((&r.path, &r.member));
            if f.kind != snoka::Kind::Name {
                identified[s].insert((&r.path, &r.member));
            }
        }
    }
    (0..ids.len())
        .map(|s| {
            let name_only = files[s].len() - identified[s].len();
            let extra = if name_only > 0 { format!(" ({name_only} by name only)") } else { String::new() };
            match matches[s] {
                0 => format!("subject {}: not found", ids[s]),
                n => format!("subject {}: {n} matches in {} files{extra}", ids[s], files[s].len()),
            }
        })
        .collect()
}

/// The subjects from every file and the inline options, checked.
fn load_subjects(args: &FindArgs) -> Result<Vec<snoka::find::subject::Subject>> {
    let mut raw: Vec<RawSubject> = Vec::new();
    for path in args.subject.iter().chain(&args.subjects) {
        let (name, text) = if path.as_os_str() == "-" {
            let mut s = String::new();
            io::stdin().read_to_string(&mut s).context("reading subjects from standard input")?;
            ("standard input".to_string(), s)
        } else {
            let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            let text = String::from_utf8(bytes).map_err(|_| anyhow::anyhow!("{}: not UTF-8", path.display()))?;
            (path.display().to_string(), text)
        };
        raw.extend(subject::parse_file(&name, &text)?);
    }
    let inline = RawSubject {
        id: Some(args.id.clone()),
        name: args.name.clone(),
        personnummer: args.personnummer.clone(),
        cpr: args.cpr.clone(),
        email: args.email.clone(),
        phone: args.phone.clone(),
    };
    let has_inline = !(inline.name.is_empty()
        && inline.personnummer.is_empty()
        && inline.cpr.is_empty()
        && inline.email.is_empty()
        && inline.phone.is_empty());
    if has_inline {
        raw.push(inline);
    }
    if raw.is_empty() {
        bail!("no subject given: use --subject FILE, --subjects FILE, or --personnummer/--cpr/--email/--phone/--name");
    }
    Ok(subject::check(raw, Date::today())?)
}

fn scan_options(run: &RunArgs) -> ScanOptions {
    ScanOptions {
        max_filesize: run.max_filesize,
        limits: Limits {
            max_depth: run.max_depth,
            max_total: run.max_decompressed,
            max_ratio: run.max_ratio.max(1),
            max_members: run.max_members,
            timeout: Duration::from_secs(run.file_timeout),
        },
        progress: !run.quiet,
        ..ScanOptions::new()
    }
}

/// Walks `paths`, searches every file with `search`, prints per-file
/// problems on stderr and writes `--errors`. Each file's reports go to
/// `emit` in path order; returns those skipped or failed (without findings).
fn walk_and_scan(
    paths: &[PathBuf],
    run: &RunArgs,
    never: Vec<PathBuf>,
    search: &dyn Search,
    opts: &ScanOptions,
    cache: Option<&mut Cache>,
    emit: &mut (dyn FnMut(Vec<FileReport>) + Send),
) -> Result<Vec<FileReport>> {
    let threads = run.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    // Parsers of hostile documents recurse; a large stack (address space,
    // not memory, until used) turns a stack overflow into a non-event.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .stack_size(STACK_SIZE)
        .build()
        .context("starting threads")?;
    let walk_opts = WalkOptions {
        follow: run.follow,
        respect_gitignore: run.respect_gitignore,
        excludes: run.exclude.clone(),
        threads,
        never,
    };
    let mut items = walk(paths, &walk_opts).context("invalid --exclude glob")?;
    if let Some(shard) = run.shard {
        shard.filter(&mut items, paths);
    }
    // The files skipped or failed (without findings), for stderr and --errors.
    let mut holes: Vec<FileReport> = Vec::new();
    let mut each = |reports: Vec<FileReport>| {
        for r in reports.iter().filter(|r| !matches!(r.status, FileStatus::Scanned)) {
            holes.push(FileReport {
                path: r.path.clone(),
                member: r.member.clone(),
                status: r.status.clone(),
                bytes: r.bytes,
                format: r.format,
                modified: r.modified,
                findings: Vec::new(),
            });
        }
        emit(reports);
    };
    pool.install(|| match cache {
        Some(c) => c.scan_into(items, search, opts, &mut each),
        None => scan_items_into(items, search, opts, &|job| scan_file_with(job, search, opts), &mut each),
    });
    for r in &holes {
        let path = if r.member.is_empty() {
            r.path.display().to_string()
        } else {
            format!("{}!{}", r.path.display(), r.member)
        };
        match &r.status {
            FileStatus::Failed(why) => eprintln!("snoka: {path}: failed: {why}"),
            FileStatus::Skipped(why) if run.verbose => eprintln!("snoka: {path}: skipped: {why}"),
            FileStatus::Skipped(why) if !run.quiet && !quiet_skip(why) => eprintln!("snoka: {path}: skipped: {why}"),
            _ => {}
        }
    }
    if let Some(path) = &run.errors {
        report::write_atomic(path, |w: &mut dyn Write| report::errors::write(w, &holes))
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(holes)
}

/// Writes a report to `output` atomically, or to standard output.
fn write_report(output: Option<&Path>, write: impl FnOnce(&mut dyn Write) -> Result<(), ReportError>) -> Result<()> {
    match output {
        Some(path) => report::write_atomic(path, write).with_context(|| format!("writing {}", path.display()))?,
        None => {
            let mut out = io::BufWriter::new(io::stdout().lock());
            let res = write(&mut out).and_then(|()| out.flush().map_err(ReportError::from));
            // `snoka scan | head` closing the pipe early is not an error.
            if let Err(e) = res
                && !e.is_broken_pipe()
            {
                return Err(e).context("writing the report to standard output");
            }
        }
    }
    Ok(())
}

fn nothing_walked_hint(summary: &Summary) {
    if summary.scanned == 0 && summary.skipped == 0 && summary.failed == 0 {
        eprintln!("snoka: no files were found to scan (check the paths, --exclude and .snokaignore files)");
    }
}

/// Skips that are expected in bulk and only listed with --verbose.
fn quiet_skip(reason: &str) -> bool {
    // Files not read after a stop are counted in one line (`interrupted`).
    reason.starts_with("binary")
        || reason.starts_with("symbolic link (not followed)")
        || reason == snoka::scan::NOT_STARTED
}
