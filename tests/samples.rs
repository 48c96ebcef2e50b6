//! `snoka scan samples --show-values` must print exactly
//! `samples/expected.csv`, and list exactly `samples/expected-errors.csv`
//! as skipped or failed (the corrupt, encrypted and unsupported samples are
//! there on purpose, so the exit code is 2). After a deliberate change,
//! rewrite both with `UPDATE_EXPECTED=1 cargo test --test samples` and
//! review the diff.

use std::path::Path;

use assert_cmd::Command;

#[test]
fn samples_match_expected_csv() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().expect("tempdir");
    let errors = tmp.path().join("errors.csv");
    let out = Command::cargo_bin("snoka")
        .expect("binary")
        .current_dir(root)
        .args(["scan", "samples", "--show-values", "-q", "--errors"])
        .arg(&errors)
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "the damaged samples make it 2; stderr: {stderr}");
    let actual = String::from_utf8(out.stdout).expect("UTF-8 CSV");
    let actual_errors = std::fs::read_to_string(&errors).expect("errors file");
    if std::env::var_os("UPDATE_EXPECTED").is_some() {
        std::fs::write(root.join("samples/expected.csv"), &actual).expect("write expected.csv");
        std::fs::write(root.join("samples/expected-errors.csv"), &actual_errors).expect("write expected-errors.csv");
        return;
    }
    compare(
        "samples/expected.csv",
        &std::fs::read_to_string(root.join("samples/expected.csv")).expect("read"),
        &actual,
    );
    let expected_errors = std::fs::read_to_string(root.join("samples/expected-errors.csv")).expect("read");
    compare("samples/expected-errors.csv", &expected_errors, &actual_errors);
    for line in actual_errors.lines().skip(1) {
        if line.contains(",failed,") {
            assert!(line.contains("trasig"), "only the deliberately damaged samples may fail: {line}");
        }
    }
}

fn compare(name: &str, expected: &str, actual: &str) {
    if actual != expected {
        let diff: Vec<String> = expected
            .lines()
            .filter(|l| !actual.lines().any(|a| a == *l))
            .map(|l| format!("- {l}"))
            .chain(actual.lines().filter(|l| !expected.lines().any(|e| e == *l)).map(|l| format!("+ {l}")))
            .collect();
        panic!("scan of samples/ differs from {name}:\n{}", diff.join("\n"));
    }
}

#[test]
fn decoys_report_nothing() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::cargo_bin("snoka")
        .expect("binary")
        .current_dir(root)
        .args(["scan", "samples/decoys", "--min-confidence", "low", "-q"])
        .output()
        .expect("runs");
    let csv = String::from_utf8_lossy(&out.stdout);
    assert_eq!(csv.lines().count(), 1, "decoys produced findings:\n{csv}");
    assert_eq!(out.status.code(), Some(0));
}
