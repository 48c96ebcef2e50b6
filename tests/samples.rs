//! `snoka scan samples --show-values` must print exactly
//! `samples/expected.csv`. After a deliberate change in detection, rewrite
//! it with `UPDATE_EXPECTED=1 cargo test --test samples` and review the diff.

use std::path::Path;

use assert_cmd::Command;

#[test]
fn samples_match_expected_csv() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::cargo_bin("snoka")
        .expect("binary")
        .current_dir(root)
        .args(["scan", "samples", "--show-values", "-q"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1), "findings expected; stderr: {}", String::from_utf8_lossy(&out.stderr));
    let actual = String::from_utf8(out.stdout).expect("UTF-8 CSV");
    let expected_path = root.join("samples/expected.csv");
    if std::env::var_os("UPDATE_EXPECTED").is_some() {
        std::fs::write(&expected_path, &actual).expect("write expected.csv");
        return;
    }
    let expected = std::fs::read_to_string(&expected_path).expect("samples/expected.csv");
    if actual != expected {
        let diff: Vec<String> = expected
            .lines()
            .filter(|l| !actual.lines().any(|a| a == *l))
            .map(|l| format!("- {l}"))
            .chain(actual.lines().filter(|l| !expected.lines().any(|e| e == *l)).map(|l| format!("+ {l}")))
            .collect();
        panic!("scan of samples/ differs from samples/expected.csv:\n{}", diff.join("\n"));
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
