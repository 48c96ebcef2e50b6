//! CI use: baselines (round trip, no values in the file, exactly the new
//! findings reported), allowlists counted in the summary, `snoka.toml`
//! precedence, and the nightly job of docs/ci.md on `samples/`: it passes
//! with `.ci/samples.baseline` and fails when a personnummer is added.

use std::path::Path;

mod common;

use common::{copy_tree, snoka};
use tempfile::TempDir;

fn tree(files: &[(&str, &str)]) -> TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (p, body) in files {
        let path = dir.path().join(p);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, body).expect("write");
    }
    dir
}

fn scan(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = snoka().current_dir(dir).arg("scan").args(args).output().expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn rows(csv: &str) -> usize {
    csv.lines().count().saturating_sub(1)
}

fn append(path: &Path, text: &str) {
    let mut s = std::fs::read_to_string(path).expect("read");
    s.push_str(text);
    std::fs::write(path, s).expect("write");
}

#[test]
fn baseline_round_trip_reports_exactly_the_new_findings() {
    let dir =
        tree(&[("a.txt", "Personnummer: 811218-9876\nE-post: anna@exempel.se\n"), ("b.txt", "CPR-nr.: 070761-4285\n")]);
    let (code, out, err) = scan(dir.path(), &["data", "--write-baseline", "base.txt"]);
    assert_eq!(code, 2, "no folder `data`: {err}");
    assert!(out.is_empty() || rows(&out) == 0);
    std::fs::create_dir(dir.path().join("data")).expect("mkdir");
    for f in ["a.txt", "b.txt"] {
        std::fs::rename(dir.path().join(f), dir.path().join("data").join(f)).expect("move");
    }
    let (code, out, err) = scan(dir.path(), &["data", "--write-baseline", "base.txt"]);
    assert_eq!(code, 0, "writing a baseline accepts the current state: {err}");
    assert_eq!(rows(&out), 0);
    let (code, out, err) = scan(dir.path(), &["data", "--baseline", "base.txt"]);
    assert_eq!((code, rows(&out)), (0, 0), "{out}{err}");
    assert!(err.contains("3 not reported (baseline 3)"), "{err}");

    // The baseline holds no digits of any found value.
    let (_, values, _) = scan(dir.path(), &["data", "--show-values", "-q"]);
    let baseline = std::fs::read_to_string(dir.path().join("base.txt")).expect("baseline");
    let mut reader = csv::Reader::from_reader(values.as_bytes());
    for row in reader.records() {
        let row = row.expect("row");
        for cell in [&row[3], &row[4]] {
            let digits: String = cell.chars().filter(char::is_ascii_digit).collect();
            if digits.len() >= 4 {
                assert!(!baseline.contains(&digits), "{digits} is in the baseline");
            }
            let local = cell.split('@').next().unwrap_or("");
            assert!(!baseline.contains(local), "{local} is in the baseline");
        }
    }

    // One new value: exactly it is reported, and the run fails.
    append(&dir.path().join("data/b.txt"), "Personnummer: 19460705-4725\n");
    let (code, out, _) = scan(dir.path(), &["data", "--baseline", "base.txt", "--show-values"]);
    assert_eq!(code, 1);
    assert_eq!(rows(&out), 1, "{out}");
    assert!(out.contains("data/b.txt,,personnummer,19460705-4725,"), "{out}");
    // --fail-on: a new e-mail alone does not fail a personnummer-only job.
    let (code, _, _) = scan(dir.path(), &["data", "--baseline", "base.txt", "--fail-on", "email"]);
    assert_eq!(code, 0);

    // Rewriting keeps the key, so unchanged entries keep their lines.
    let before = std::fs::read_to_string(dir.path().join("base.txt")).expect("read");
    scan(dir.path(), &["data", "--baseline", "base.txt", "--write-baseline", "base.txt"]);
    let after = std::fs::read_to_string(dir.path().join("base.txt")).expect("read");
    assert_eq!(before.lines().nth(1), after.lines().nth(1), "same key");
    assert_eq!(after.lines().filter(|l| !before.contains(*l)).count(), 1, "one new entry");
}

#[test]
fn allowlists_suppress_and_are_counted() {
    let dir = tree(&[
        ("src/a.txt", "Personnummer: 811218-9876 # snoka:allow\nPersonnummer: 460705-4725\n"),
        ("src/b.txt", "Testperson: 19580126-3053\n"),
        ("fixtures/c.txt", "CPR-nr.: 070761-4285\n"),
        ("allowed.txt", "# Skatteverket test numbers\n5801263053\n"),
    ]);
    let (code, out, err) =
        scan(dir.path(), &["src", "fixtures", "--allow-values", "allowed.txt", "--allow-paths", "fixtures/**"]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(rows(&out), 1, "{out}");
    assert!(out.contains("460705-XXXX"));
    assert!(err.contains("3 not reported (allow-paths 1, allow-values 1, snoka:allow 1)"), "{err}");
}

#[test]
fn snoka_toml_is_read_and_the_command_line_wins() {
    let dir = tree(&[
        ("data/a.txt", "8112189876\nanna@exempel.se\n"),
        ("snoka.toml", "min-confidence = 'low'\nkinds = ['personnummer']\n"),
    ]);
    let (_, out, _) = scan(dir.path(), &["data", "-q"]);
    assert_eq!(rows(&out), 1, "low-confidence bare number, personnummer only: {out}");
    let (_, out, _) = scan(dir.path(), &["data", "-q", "--min-confidence", "medium"]);
    assert_eq!(rows(&out), 0, "{out}");
    let (_, out, _) = scan(dir.path(), &["data", "-q", "--no-config"]);
    assert_eq!(rows(&out), 1, "defaults: the e-mail only: {out}");
    std::fs::write(dir.path().join("snoka.toml"), "min_confidence = 'low'\n").expect("write");
    let (code, _, err) = scan(dir.path(), &["data"]);
    assert_eq!(code, 2);
    assert!(err.contains("snoka.toml") && err.contains("min_confidence"), "{err}");
}

/// The nightly job of docs/ci.md, on a copy of `samples/`: it passes with
/// the committed baseline, and fails with exactly one new finding when a
/// personnummer is added to a sample file.
#[test]
fn nightly_job_passes_with_the_baseline_and_fails_on_a_new_personnummer() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let work = tempfile::tempdir().expect("tempdir");
    copy_tree(&root.join("samples"), &work.path().join("samples"));
    copy_tree(&root.join(".ci"), &work.path().join(".ci"));
    let job = ["samples", "--config", ".ci/snoka.toml", "-q"];
    let (code, out, err) = scan(work.path(), &job);
    assert_eq!(code, 0, "the nightly job passes on the samples: {out}{err}");
    assert_eq!(rows(&out), 0, "{out}");

    append(&work.path().join("samples/sv/intern_memo.md"), "\nNy kollega, personnummer 20041117-2398.\n");
    let (code, out, _) = scan(work.path(), &job);
    assert_eq!(code, 1, "a new personnummer fails the job");
    assert_eq!(rows(&out), 1, "{out}");
    assert!(out.contains("samples/sv/intern_memo.md,,personnummer,20041117-XXXX"), "{out}");
}
