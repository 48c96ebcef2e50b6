//! Helpers shared by the integration tests.

#![allow(dead_code)]

use std::path::Path;

/// The `snoka` binary built for these tests.
pub fn snoka() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("snoka").expect("binary builds")
}

/// Copies the tree at `from` to `to` (files and folders only).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// Runs `cmd` to the end with stdout and stderr captured, and returns its
/// output and its peak resident set size in KiB (`VmHWM` of
/// `/proc/<pid>/status`, read every 10 ms while it runs: a high-water mark,
/// so the last reading holds the peak up to then). Linux only.
#[cfg(target_os = "linux")]
pub fn output_with_peak_rss(mut cmd: std::process::Command) -> (std::process::Output, u64) {
    use std::io::Read;
    use std::process::Stdio;
    let mut child =
        cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("child starts");
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut b = Vec::new();
            let _ = r.read_to_end(&mut b);
            b
        })
    };
    let out = drain(Box::new(child.stdout.take().expect("stdout")));
    let err = drain(Box::new(child.stderr.take().expect("stderr")));
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    let status = loop {
        if let Ok(s) = std::fs::read_to_string(&status_file)
            && let Some(kb) = s
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        {
            peak = peak.max(kb);
        }
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    let stdout = out.join().expect("stdout thread");
    let stderr = err.join().expect("stderr thread");
    (std::process::Output { status, stdout, stderr }, peak)
}

/// Whether the tests run as root (permission bits then do not stop reads).
#[cfg(unix)]
pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}
