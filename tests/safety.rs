//! The scanner must not become a leak or a risk to what it scans: a scan
//! and a `find --copy-to` leave every file (content, size, modification and
//! access time) as it was, and no output in any format, nor stderr, holds
//! an unmasked value unless `--show-values` was given.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

mod common;

use common::{copy_tree, snoka};
use sha2::{Digest, Sha256};

/// (SHA-256, size, mtime, atime) of every file under `dir`.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (String, u64, SystemTime, SystemTime)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read_dir") {
            let path = entry.expect("entry").path();
            let meta = std::fs::symlink_metadata(&path).expect("meta");
            if meta.is_dir() {
                stack.push(path);
                continue;
            }
            let bytes = read_quietly(&path);
            let hash: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
            let times = (meta.modified().expect("mtime"), meta.accessed().expect("atime"));
            out.insert(path, (hash, meta.len(), times.0, times.1));
        }
    }
    out
}

/// Reads a file without touching its access time where possible.
fn read_quietly(path: &Path) -> Vec<u8> {
    use std::io::Read;
    let mut o = std::fs::OpenOptions::new();
    o.read(true);
    #[cfg(target_os = "linux")]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut o, libc::O_NOATIME);
    let mut f = o.open(path).or_else(|_| std::fs::File::open(path)).expect("open");
    let mut out = Vec::new();
    f.read_to_end(&mut out).expect("read");
    out
}

#[test]
fn scanning_and_copying_leave_the_tree_as_it_was() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let work = tempfile::tempdir().expect("tempdir");
    let share = work.path().join("share");
    copy_tree(&root.join("samples"), &share);
    // Old access times: with `relatime`, a plain read would now update them.
    let old = SystemTime::now() - Duration::from_secs(400 * 24 * 3600);
    for path in snapshot(&share).keys() {
        let f = std::fs::File::options().write(true).open(path).expect("open");
        let mtime = f.metadata().expect("meta").modified().expect("mtime");
        f.set_times(std::fs::FileTimes::new().set_accessed(old).set_modified(mtime)).expect("set times");
    }
    let before = snapshot(&share);
    let out = work.path().join("out");
    std::fs::create_dir(&out).expect("mkdir");
    let runs: [&[&str]; 3] = [
        &["scan", "share", "-q", "-o", "out/scan.csv", "--errors", "out/holes.csv"],
        &["scan", "share", "-q", "-f", "jsonl", "-o", "out/scan.jsonl", "--min-confidence", "low"],
        &["find", "share", "-q", "--subjects", "subjects.csv", "--copy-to", "out/package", "-o", "out/find.csv"],
    ];
    std::fs::copy(root.join("samples/subjects.csv"), work.path().join("subjects.csv")).expect("copy");
    for args in runs {
        let status = snoka().current_dir(work.path()).args(args).output().expect("runs").status;
        assert!(matches!(status.code(), Some(1 | 2)), "{args:?}: {status}");
    }
    let after = snapshot(&share);
    assert_eq!(before.len(), after.len(), "no file added or removed");
    for (path, b) in &before {
        let a = &after[path];
        assert_eq!((&a.0, a.1, a.2), (&b.0, b.1, b.2), "{} changed", path.display());
        // O_NOATIME needs the file's owner; when the tests run as someone
        // else the access time may move, and that is the OS's choice.
        // `.snokaignore` is snoka's own control file, read by the walker
        // (the `ignore` crate opens it without O_NOATIME).
        let control = path.file_name().is_some_and(|n| n == ".snokaignore");
        if a.3 != b.3 && !control {
            let meta = std::fs::metadata(path).expect("meta");
            #[cfg(unix)]
            {
                use std::os::unix::fs::MetadataExt;
                assert_ne!(meta.uid(), unsafe_free_uid(), "{}: access time updated by its owner", path.display());
            }
        }
    }
    assert!(out.join("package/manifest.csv").is_file());
}

/// The effective user id, read from /proc (no `unsafe` needed).
#[cfg(unix)]
fn unsafe_free_uid() -> u32 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("Uid:")).map(str::to_string))
        .and_then(|l| l.split_whitespace().nth(2).and_then(|u| u.parse().ok()))
        .unwrap_or(u32::MAX)
}

/// Runs snoka from the repository root; returns stdout + stderr.
fn run(args: &[&str]) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = snoka().current_dir(root).args(args).output().expect("runs");
    format!("{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

#[test]
fn no_output_holds_an_unmasked_value() {
    // Every value snoka reports on the samples, unmasked.
    let mut secrets = Vec::new();
    for args in [
        &["scan", "samples", "-q", "--show-values", "--min-confidence", "low"][..],
        &["find", "samples", "-q", "--show-values", "--subjects", "samples/subjects.csv"][..],
    ] {
        let csv = run(args);
        let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(csv.as_bytes());
        let headers = reader.headers().expect("header").clone();
        let value = headers.iter().position(|h| h == "value").expect("value column");
        let kind = headers.iter().position(|h| h == "kind").expect("kind column");
        for row in reader.records().flatten() {
            let (k, v) = (row.get(kind).unwrap_or(""), row.get(value).unwrap_or(""));
            match k {
                "personnummer" | "samordningsnummer" | "cpr" | "phone" => secrets.push(v.to_string()),
                "email" => secrets.extend(v.split('@').next().filter(|l| l.len() > 1).map(|l| format!("{l}@"))),
                _ => {}
            }
        }
    }
    secrets.sort();
    secrets.dedup();
    assert!(secrets.len() > 100, "{}", secrets.len());
    let tmp = tempfile::tempdir().expect("tmp");
    let errors = tmp.path().join("errors.csv");
    let errors = errors.to_str().expect("utf-8 path");
    let mut outputs = Vec::new();
    for format in ["csv", "jsonl"] {
        outputs.push(run(&["scan", "samples", "-v", "-f", format, "--min-confidence", "low", "--errors", errors]));
        outputs.push(std::fs::read_to_string(errors).expect("errors file"));
    }
    for format in ["csv", "files", "jsonl"] {
        outputs.push(run(&["find", "samples", "-f", format, "--subjects", "samples/subjects.csv", "--context", "40"]));
    }
    for out in &outputs {
        for s in &secrets {
            // A value as written, in the same case (`070-174 06 05`,
            // `811218-9876`, `anna.lindqvist@`).
            assert!(!out.contains(s.as_str()), "unmasked {s:?} in output:\n{out}");
        }
    }
}

/// Ctrl-C (SIGINT) stops a long scan promptly; the report written is
/// complete CSV for the files that were read, the rest are listed, and the
/// exit status is 2.
#[cfg(unix)]
#[test]
fn interrupted_scan_writes_a_complete_report_of_what_it_read() {
    let tmp = tempfile::tempdir().expect("tmp");
    let share = tmp.path().join("share");
    std::fs::create_dir(&share).expect("mkdir");
    let filler = "Ingen persondata på den här raden, bara text och siffror 12 34.\n".repeat(4000);
    for i in 0..400 {
        std::fs::write(share.join(format!("f{i:03}.txt")), format!("Personnummer: 811218-9876\n{filler}"))
            .expect("write");
    }
    let bin = assert_cmd::cargo::cargo_bin("snoka");
    let child = std::process::Command::new(bin)
        .current_dir(tmp.path())
        .args(["scan", "share", "-j1", "-o", "out.csv", "--errors", "errors.csv"])
        // Each file held open 10 ms: the scan takes 4 s however fast the
        // machine, so the signal lands in the middle of it.
        .env("SNOKA_TEST_READ_DELAY_MS", "10")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    std::thread::sleep(Duration::from_millis(400));
    let pid = i32::try_from(child.id()).expect("pid");
    // SAFETY: sending a signal to our own child process.
    let sent = unsafe { libc::kill(pid, libc::SIGINT) };
    assert_eq!(sent, 0);
    let started = std::time::Instant::now();
    let out = child.wait_with_output().expect("wait");
    assert!(started.elapsed() < Duration::from_secs(30), "stops promptly");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    let report = std::fs::read_to_string(tmp.path().join("out.csv")).expect("report written");
    let mut rows = csv::Reader::from_reader(report.as_bytes());
    let mut n = 0;
    for row in rows.records() {
        row.expect("complete CSV row");
        n += 1;
    }
    let errors = std::fs::read_to_string(tmp.path().join("errors.csv")).expect("errors");
    let not_read = errors.lines().filter(|l| l.contains("interrupted")).count();
    assert!(not_read > 0, "some files were not read: {errors}");
    assert!(n + not_read >= 399 && n < 400, "{n} found, {not_read} listed");
}

/// A full disk while writing the report: a clear error, exit 2, and no
/// partial report left behind (`/dev/full` fails every write).
#[cfg(target_os = "linux")]
#[test]
fn full_disk_is_a_clear_error() {
    if !Path::new("/dev/full").exists() {
        eprintln!("skipping: no /dev/full");
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = snoka().current_dir(root).args(["scan", "samples/sv", "-q", "-o", "/dev/full"]).output().expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("/dev/full") && stderr.contains("No space left"), "{stderr}");
}

/// A configuration file that cannot be read is named in a clear error.
#[test]
fn unreadable_config_is_a_clear_error() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = snoka()
        .current_dir(root)
        .args(["scan", "samples/sv", "--config", "no-such-snoka.toml"])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.contains("no-such-snoka.toml") && stderr.contains("No such file"), "{stderr}");
}
