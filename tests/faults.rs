//! Faults around the scan: files that change while they are read, a full
//! disk when the report is written, and configuration files that cannot be
//! read. Each is a clear status or a clear error naming the file, with exit
//! code 2, and nothing else is lost or left behind.
//!
//! (An I/O error part-way through a file is tested in `src/scan.rs`, with a
//! reader that fails after some bytes and with a real EIO.)

mod common;

use std::path::{Path, PathBuf};

use common::snoka;

const PERSON: &str = "Personnummer: 811218-9876\n";

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("snoka")
}

/// The `status: reason` of `name` in an `--errors` CSV, or `scanned`.
fn status_of(errors: &str, name: &str) -> String {
    let mut r = csv::Reader::from_reader(errors.as_bytes());
    r.records()
        .flatten()
        .find(|r| r[0].ends_with(name) && r[1].is_empty())
        .map_or_else(|| "scanned".to_string(), |r| format!("{}: {}", &r[2], &r[3]))
}

/// Waits until process `pid` holds a file whose path ends with `name` open.
#[cfg(target_os = "linux")]
fn wait_until_open(pid: u32, name: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        if let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) {
            for fd in fds.flatten() {
                if std::fs::read_link(fd.path()).is_ok_and(|t| t.to_string_lossy().ends_with(name)) {
                    return;
                }
            }
        }
        assert!(std::time::Instant::now() < deadline, "{name} was never opened");
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}

/// Files deleted or truncated while the scan holds them: with
/// `SNOKA_TEST_READ_DELAY_MS` each file is held open before it is read, and
/// with one thread the files are opened one at a time in path order, so the
/// test acts in a known window: it deletes `a` (open: Unix still reads it)
/// and `d` (not opened yet), then truncates `b` while it is open.
#[cfg(target_os = "linux")]
#[test]
fn files_deleted_or_truncated_while_scanned() {
    let dir = tempfile::tempdir().expect("tmp");
    let share = dir.path().join("share");
    std::fs::create_dir(&share).expect("mkdir");
    let filler = "x\n".repeat(5000);
    std::fs::write(share.join("a_deleted_after_open.txt"), PERSON).expect("write");
    std::fs::write(share.join("b_truncated.txt"), format!("{PERSON}{filler}CPR: 070761-4285\n")).expect("write");
    std::fs::write(share.join("c_ok.txt"), PERSON).expect("write");
    std::fs::write(share.join("d_deleted_before_open.txt"), PERSON).expect("write");
    let errors = dir.path().join("errors.csv");
    let mut cmd = std::process::Command::new(bin());
    cmd.current_dir(dir.path())
        .env("SNOKA_TEST_READ_DELAY_MS", "400")
        .args(["scan", "share", "-j", "1", "--min-confidence", "low", "--errors"])
        .arg(&errors)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let child = cmd.spawn().expect("runs");
    wait_until_open(child.id(), "a_deleted_after_open.txt");
    std::fs::remove_file(share.join("a_deleted_after_open.txt")).expect("delete a");
    std::fs::remove_file(share.join("d_deleted_before_open.txt")).expect("delete d");
    wait_until_open(child.id(), "b_truncated.txt");
    let b = std::fs::OpenOptions::new().write(true).open(share.join("b_truncated.txt")).expect("open b");
    b.set_len(PERSON.len() as u64).expect("truncate b");
    drop(b);
    let out = child.wait_with_output().expect("finishes");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let holes = std::fs::read_to_string(&errors).expect("errors file");
    let rows: Vec<&str> = stdout.lines().collect();
    let found = |name: &str, kind: &str| rows.iter().any(|r| r.contains(name) && r.contains(kind));
    eprintln!(
        "observed:\n  a (deleted after open): {}\n  b (truncated while open): {}\n  c: {}\n  d (deleted before open): {}",
        status_of(&holes, "a_deleted_after_open.txt"),
        status_of(&holes, "b_truncated.txt"),
        status_of(&holes, "c_ok.txt"),
        status_of(&holes, "d_deleted_before_open.txt"),
    );
    assert_eq!(out.status.code(), Some(2), "a failed file is exit 2: {stderr}");
    // Deleted while open: Unix keeps the data until the file is closed.
    assert_eq!(status_of(&holes, "a_deleted_after_open.txt"), "scanned");
    assert!(found("a_deleted_after_open.txt", "personnummer"), "{stdout}");
    // Truncated while open: scanned with what was there when it was read.
    assert_eq!(status_of(&holes, "b_truncated.txt"), "scanned");
    assert!(found("b_truncated.txt", "personnummer"), "{stdout}");
    assert!(!found("b_truncated.txt", "cpr"), "the cut-off part is not reported: {stdout}");
    // Deleted after the walk listed it, before it was opened: failed.
    assert_eq!(status_of(&holes, "d_deleted_before_open.txt"), "failed: No such file or directory (os error 2)");
    assert!(stderr.contains("d_deleted_before_open.txt: failed: No such file"), "{stderr}");
    // Nothing else is lost.
    assert!(found("c_ok.txt", "personnummer"), "{stdout}");
    assert!(stderr.contains("1 failed"), "{stderr}");
}

/// Runs snoka with `RLIMIT_FSIZE` at `limit` bytes and `SIGXFSZ` ignored,
/// so that a write past the limit fails with EFBIG ("File too large"), the
/// same write-error path as a full disk (ENOSPC).
#[cfg(target_os = "linux")]
fn with_file_size_limit(dir: &Path, args: &[&str], limit: u64) -> std::process::Output {
    use std::os::unix::process::CommandExt;
    let mut cmd = std::process::Command::new(bin());
    cmd.current_dir(dir).args(args);
    // SAFETY: only async-signal-safe calls (setrlimit, signal) between fork
    // and exec.
    unsafe {
        cmd.pre_exec(move || {
            let rl = libc::rlimit { rlim_cur: limit, rlim_max: limit };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &rl) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            Ok(())
        });
    }
    cmd.output().expect("runs")
}

/// A report that cannot be written in full (`-o`, `--errors`,
/// `--write-baseline`): a clear error naming the file, exit 2, the previous
/// file at that path untouched and no temporary file left behind.
#[cfg(target_os = "linux")]
#[test]
fn full_disk_when_writing_a_report_keeps_the_previous_one() {
    let dir = tempfile::tempdir().expect("tmp");
    common::copy_tree(&Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/sv"), &dir.path().join("share"));
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).expect("mkdir");
    // A damaged file, so that the --errors list has a row to write.
    common::copy_tree(&Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/sv"), &dir.path().join("damaged"));
    std::fs::write(dir.path().join("damaged/trasig.zip"), b"PK\x03\x04 not a zip").expect("write");
    for (option, file, share) in [
        ("-o", "report.csv", "share"),
        ("--errors", "errors.csv", "damaged"),
        ("--write-baseline", "baseline.json", "share"),
    ] {
        let target = out_dir.join(file);
        std::fs::write(&target, "previous report\n").expect("write previous");
        let path = target.to_string_lossy().to_string();
        let mut args = vec!["scan", share, "-q", option, &path];
        if option != "-o" {
            args.extend(["-o", "/dev/null"]);
        }
        let out = with_file_size_limit(dir.path(), &args, 64);
        let stderr = String::from_utf8_lossy(&out.stderr);
        eprintln!("{option}: exit {:?}: {}", out.status.code(), stderr.trim());
        assert_eq!(out.status.code(), Some(2), "{option}: {stderr}");
        assert!(stderr.contains(&format!("writing {path}")), "{option}: the file is named: {stderr}");
        assert!(stderr.contains("File too large"), "{option}: the OS error is given: {stderr}");
        assert_eq!(std::fs::read_to_string(&target).expect("read"), "previous report\n", "{option}: untouched");
        let left: Vec<String> = std::fs::read_dir(&out_dir)
            .expect("list")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(".snoka-"))
            .collect();
        assert!(left.is_empty(), "{option}: temporary files left behind: {left:?}");
        assert!(!stderr.contains("811218"), "no value in the error: {stderr}");
    }
}

/// Standard output on a full disk (`> /dev/full`): a clear error, exit 2.
#[cfg(target_os = "linux")]
#[test]
fn full_disk_on_standard_output_is_a_clear_error() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        eprintln!("note: no /dev/full; skipping");
        return;
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = std::process::Command::new(bin())
        .current_dir(root)
        .args(["scan", "samples", "-q"])
        .stdout(full)
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("observed: exit {:?}: {}", out.status.code(), stderr.trim());
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("standard output") && stderr.contains("No space left on device"), "{stderr}");
}

fn scan_with_config(dir: &Path, config: Option<&str>) -> (Option<i32>, String) {
    let mut cmd = snoka();
    cmd.current_dir(dir).args(["scan", "share"]);
    if let Some(c) = config {
        cmd.args(["--config", c]);
    }
    let out = cmd.output().expect("runs");
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// `--config FILE` that cannot be read: a folder, not UTF-8, no permission.
#[test]
fn unreadable_config_files_are_clear_errors() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::create_dir(dir.path().join("share")).expect("mkdir");
    std::fs::write(dir.path().join("share/a.txt"), PERSON).expect("write");
    std::fs::create_dir(dir.path().join("conf.d")).expect("mkdir");
    std::fs::write(dir.path().join("latin1.toml"), b"min-confidence = 'l\xe5g'\n").expect("write");
    for (config, error) in [("conf.d", "Is a directory"), ("latin1.toml", "stream did not contain valid UTF-8")] {
        let (code, stderr) = scan_with_config(dir.path(), Some(config));
        eprintln!("--config {config}: exit {code:?}: {}", stderr.trim());
        assert_eq!(code, Some(2), "{stderr}");
        assert!(stderr.contains(config) && stderr.contains(error), "{stderr}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if common::is_root() {
            eprintln!("note: running as root, mode 000 does not stop reads; the no-permission config case is skipped");
        } else {
            let f = dir.path().join("secret.toml");
            std::fs::write(&f, "quiet = true\n").expect("write");
            std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o000)).expect("chmod");
            let (code, stderr) = scan_with_config(dir.path(), Some("secret.toml"));
            assert_eq!(code, Some(2), "{stderr}");
            assert!(stderr.contains("secret.toml") && stderr.contains("Permission denied"), "{stderr}");
        }
    }
}

/// A `snoka.toml` in the current folder that is there but cannot be read
/// is an error naming it, never silently ignored.
#[test]
fn unreadable_snoka_toml_in_the_current_folder_is_a_clear_error() {
    type Make = Box<dyn Fn(&Path)>;
    let cases: Vec<(&str, Make, &str)> = vec![
        ("a folder", Box::new(|p: &Path| std::fs::create_dir(p).expect("mkdir")), "Is a directory"),
        (
            "not UTF-8",
            Box::new(|p: &Path| std::fs::write(p, b"quiet = \xff\n").expect("write")),
            "stream did not contain valid UTF-8",
        ),
        #[cfg(unix)]
        (
            "a dangling link",
            Box::new(|p: &Path| std::os::unix::fs::symlink("gone.toml", p).expect("symlink")),
            "No such file",
        ),
    ];
    for (what, make, error) in cases {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::create_dir(dir.path().join("share")).expect("mkdir");
        std::fs::write(dir.path().join("share/a.txt"), PERSON).expect("write");
        make(&dir.path().join("snoka.toml"));
        let (code, stderr) = scan_with_config(dir.path(), None);
        eprintln!("snoka.toml {what}: exit {code:?}: {}", stderr.trim());
        assert_eq!(code, Some(2), "{what}: {stderr}");
        assert!(stderr.contains("snoka.toml") && stderr.contains(error), "{what}: {stderr}");
        // --no-config still scans.
        let out = snoka().current_dir(dir.path()).args(["scan", "share", "--no-config"]).output().expect("runs");
        assert_eq!(out.status.code(), Some(1), "{what}: --no-config ignores it");
    }
}
