//! Scale-out: the shards of a scan are disjoint and cover the tree, and
//! `snoka merge` of their reports is byte for byte the report of one scan.

use std::path::Path;

use assert_cmd::Command;

fn snoka(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::cargo_bin("snoka").expect("binary").current_dir(dir).args(args).output().expect("runs")
}

#[test]
fn merged_shards_equal_one_scan() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().expect("tmp");
    let t = |name: &str| tmp.path().join(name).to_string_lossy().into_owned();
    for (format, ext) in [("csv", "csv"), ("jsonl", "jsonl")] {
        let full = t(&format!("full.{ext}"));
        let errors = t("errors-full.csv");
        snoka(root, &["scan", "samples", "-q", "--show-values", "-f", format, "-o", &full, "--errors", &errors]);
        let n = 3;
        let mut parts = Vec::new();
        let mut error_parts = Vec::new();
        for k in 1..=n {
            let part = t(&format!("part{k}.{ext}"));
            let errs = t(&format!("errors{k}.csv"));
            let shard = format!("{k}/{n}");
            let out = snoka(
                root,
                &[
                    "scan",
                    "samples",
                    "-q",
                    "--show-values",
                    "-f",
                    format,
                    "--shard",
                    &shard,
                    "-o",
                    &part,
                    "--errors",
                    &errs,
                ],
            );
            assert!(matches!(out.status.code(), Some(0..=2)));
            parts.push(part);
            error_parts.push(errs);
        }
        let sizes: Vec<usize> =
            parts.iter().map(|p| std::fs::read_to_string(p).expect("part").lines().count()).collect();
        assert!(sizes.iter().all(|&s| s > 1), "every shard found something: {sizes:?}");
        let merged = t(&format!("merged.{ext}"));
        let mut args = vec!["merge", "-o", merged.as_str()];
        args.extend(parts.iter().rev().map(String::as_str));
        let out = snoka(root, &args);
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(
            std::fs::read_to_string(&merged).expect("merged"),
            std::fs::read_to_string(&full).expect("full"),
            "{format}: merge of the shards differs from one scan"
        );
        let merged_errors = t("errors-merged.csv");
        let mut args = vec!["merge", "-o", merged_errors.as_str()];
        args.extend(error_parts.iter().map(String::as_str));
        snoka(root, &args);
        assert_eq!(
            std::fs::read_to_string(&merged_errors).expect("merged"),
            std::fs::read_to_string(&errors).expect("full")
        );
    }
}
