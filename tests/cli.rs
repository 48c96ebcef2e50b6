//! Command-line behaviour: exit codes, masking, the CSV header, thread
//! independence, per-file errors, output files, limits and filters.

use std::path::Path;

use assert_cmd::Command;
use tempfile::TempDir;

const HEADER: &str = "path,member,kind,value,normalized,location,confidence,rule,reason";

fn snoka() -> Command {
    Command::cargo_bin("snoka").expect("binary builds")
}

/// A temporary tree from `(relative path, contents)` pairs.
fn tree(files: &[(&str, &str)]) -> TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (p, body) in files {
        let path = dir.path().join(p);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, body).expect("write");
    }
    dir
}

fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = snoka().current_dir(dir).arg("scan").args(args).output().expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const PERSON: &str = "Personnummer: 811218-9876\nE-post: anna.andersson@exempel.se\nMobil: 070-174 06 05\n";

#[test]
fn exit_0_and_header_only_when_nothing_found() {
    let dir = tree(&[("a.txt", "Inget här. Org.nr 556826-3387, version 1.2.3.4\n")]);
    let (code, out, err) = run(dir.path(), &["."]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, format!("{HEADER}\n"));
    assert!(err.contains("scanned 1 file ("), "{err}");
}

#[test]
fn exit_1_with_findings_masked_by_default() {
    let dir = tree(&[("a.txt", PERSON)]);
    let (code, out, _) = run(dir.path(), &["."]);
    assert_eq!(code, 1);
    assert!(out.starts_with(HEADER));
    assert!(out.contains("811218-XXXX") && out.contains("19811218XXXX"), "{out}");
    assert!(out.contains("a***@exempel.se"), "{out}");
    assert!(out.contains("070-XXX XX 05") && out.contains("'+4670XXXXX05"), "{out}");
    for raw in ["9876", "anna.andersson", "174 06"] {
        assert!(!out.contains(raw), "unmasked {raw} in {out}");
    }
    let (_, shown, _) = run(dir.path(), &[".", "--show-values"]);
    assert!(shown.contains("811218-9876") && shown.contains("198112189876"));
    assert!(shown.contains("anna.andersson@exempel.se"));
}

#[test]
fn locations_are_line_and_column() {
    let dir = tree(&[("a.txt", PERSON)]);
    let (_, out, _) = run(dir.path(), &["."]);
    assert!(
        out.contains("./a.txt,,personnummer,811218-XXXX,19811218XXXX,\"line 1, column 15\",high,national-id,"),
        "{out}"
    );
    assert!(out.contains("\"line 3, column 8\""), "{out}");
}

#[test]
fn same_output_for_any_thread_count() {
    let mut files = Vec::new();
    let bodies: Vec<String> = (0..40).map(|i| format!("rad {i}\n{PERSON}ip 81.2.69.{i}\n")).collect();
    let names: Vec<String> = (0..40).map(|i| format!("d{}/f{i}.txt", i % 7)).collect();
    for (n, b) in names.iter().zip(&bodies) {
        files.push((n.as_str(), b.as_str()));
    }
    let dir = tree(&files);
    let (c1, one, _) = run(dir.path(), &[".", "-j1"]);
    let (c4, four, _) = run(dir.path(), &[".", "-j4"]);
    assert_eq!((c1, c4), (1, 1));
    assert_eq!(one, four);
    assert!(one.lines().count() > 100);
}

#[test]
fn jsonl_one_finding_per_line() {
    let dir = tree(&[("a.txt", PERSON)]);
    let (code, out, _) = run(dir.path(), &[".", "-f", "jsonl"]);
    assert_eq!(code, 1);
    let rows: Vec<serde_json::Value> = out.lines().map(|l| serde_json::from_str(l).expect("JSON line")).collect();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["kind"], "personnummer");
    assert_eq!(rows[0]["value"], "811218-XXXX");
    assert!(rows[0]["location"].as_str().is_some_and(|l| l.starts_with("line 1, column ")));
    assert_eq!(rows[0]["at"]["type"], "line");
    assert_eq!(rows[0]["at"]["line"], 1);
}

#[test]
fn min_confidence_and_kinds() {
    let dir = tree(&[("a.txt", "8112189876\nanna@exempel.se\n")]);
    let (_, out, _) = run(dir.path(), &["."]);
    assert!(!out.contains("personnummer"), "bare 10 digits are low: {out}");
    let (_, out, _) = run(dir.path(), &[".", "--min-confidence", "low"]);
    assert!(out.contains("personnummer"));
    let (_, out, _) = run(dir.path(), &[".", "--kinds", "email"]);
    assert_eq!(out.lines().count(), 2);
    assert!(out.contains(",email,"));
}

#[test]
fn csv_cells_neutralised_against_formulas() {
    let dir = tree(&[("=cmd.txt", "Tel +46 70 174 06 05\n")]);
    let (_, out, _) = run(dir.path(), &["=cmd.txt"]);
    assert!(out.contains("\n'=cmd.txt,"), "{out}");
    assert!(out.contains(",'+46 70 XXX XX 05,"), "{out}");
}

#[test]
fn output_file_is_written_atomically_and_not_scanned() {
    let dir = tree(&[("a.txt", PERSON)]);
    // A report with values inside the scanned folder must not be scanned by
    // the next run.
    let (code, out, _) = run(dir.path(), &[".", "-o", "report.csv", "--show-values"]);
    assert_eq!(code, 1);
    assert!(out.is_empty());
    let first = std::fs::read_to_string(dir.path().join("report.csv")).expect("report");
    assert_eq!(first.lines().count(), 4);
    let (_, _, _) = run(dir.path(), &[".", "-o", "report.csv", "--show-values"]);
    let second = std::fs::read_to_string(dir.path().join("report.csv")).expect("report");
    assert_eq!(first, second, "the report scanned itself");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("report.csv")).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .expect("ls")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn output_dash_is_standard_output() {
    let dir = tree(&[("a.txt", PERSON)]);
    let (code, out, _) = run(dir.path(), &[".", "-o", "-"]);
    assert_eq!(code, 1);
    assert_eq!(out.lines().next(), Some(HEADER));
    assert_eq!(out.lines().count(), 4, "{out}");
    assert!(!dir.path().join("-").exists(), "wrote a file named -");
}

#[test]
fn unwritable_output_is_exit_2_and_nothing_else_written() {
    let dir = tree(&[("a.txt", PERSON)]);
    let (code, _, err) = run(dir.path(), &[".", "-o", "no/such/dir/report.csv"]);
    assert_eq!(code, 2);
    assert!(err.contains("writing no/such/dir/report.csv"), "{err}");
}

#[test]
fn large_files_are_skipped_and_said_so() {
    // Text is scanned whatever its size (streamed when large); another
    // format over --max-filesize is skipped with the reason.
    let big = format!("{PERSON}{}", "x".repeat(5000));
    let mut zip = b"PK\x03\x04".to_vec();
    zip.resize(5000, 0);
    let dir = tree(&[("big.txt", &big), ("small.txt", PERSON)]);
    std::fs::write(dir.path().join("big.zip"), &zip).expect("write");
    let (code, out, err) = run(dir.path(), &[".", "--max-filesize", "1KiB"]);
    assert_eq!(code, 1);
    assert!(err.contains("big.zip: skipped: larger than --max-filesize (4.9 KiB > 1.0 KiB)"), "{err}");
    assert!(err.contains("1 skipped"), "{err}");
    assert!(out.contains("big.txt"), "{out}");
    assert!(!out.contains("big.zip"));
}

/// The report of `args` over `dir` with text and CSV files streamed in
/// chunks of `chunk` bytes (`None`: the default, so these small files are
/// read whole).
fn run_chunked(dir: &Path, chunk: Option<usize>, args: &[&str]) -> (i32, String, String) {
    let mut cmd = snoka();
    cmd.current_dir(dir).arg("scan").args(args);
    if let Some(c) = chunk {
        cmd.env("SNOKA_TEST_CHUNK_BYTES", c.to_string());
    }
    let out = cmd.output().expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Large text and CSV files are scanned in chunks (here made small with a
/// test-only variable), with identifiers and keywords around every cut: the
/// report is byte for byte that of reading each file whole, in UTF-8,
/// UTF-16LE and windows-1252, one long line included.
#[test]
fn streamed_files_report_what_whole_files_do() {
    let mut log = String::new();
    for i in 0..3000 {
        log.push_str(&match i % 7 {
            0 => format!("{i} INFO kundens personnummer:\n"),
            1 => "8112189876\n".to_string(),
            2 => format!("{i} mail anna.{i}@exempel.se från Åsa\n"),
            3 => format!("{i} Mobil: 070-174 06 05, CPR 070761-4285\n"),
            4 => format!("{}19460705-4725 ok\n", "y".repeat(i % 200)),
            _ => format!("{i} DEBUG request done\n"),
        });
    }
    let mut csv = String::from("Namn;Personnummer;Not\n");
    for i in 0..2000 {
        csv.push_str(&match i % 3 {
            0 => format!("Anna {i};8112189876;\n"),
            1 => format!("Per {i};;\"rad ett\nring 070-174 06 05\"\n"),
            _ => format!("Rad {i};;ingenting\n"),
        });
    }
    let long: String = (0..3000).map(|i| format!("{} personnummer 811218-9876 ", "a".repeat(i % 300))).collect();
    let dir = tree(&[("a.log", &log), ("r.csv", &csv), ("long.txt", &long)]);
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(log.encode_utf16().flat_map(u16::to_le_bytes));
    std::fs::write(dir.path().join("utf16.txt"), utf16).expect("write");
    let (cp1252, _, _) = encoding_rs::WINDOWS_1252.encode(&log);
    std::fs::write(dir.path().join("cp1252.txt"), &cp1252).expect("write");
    let args = [".", "--show-values", "-j", "2"];
    let (code, whole, err) = run_chunked(dir.path(), None, &args);
    assert_eq!(code, 1, "{err}");
    let (code, streamed, err) = run_chunked(dir.path(), Some(4000), &args);
    assert_eq!(code, 1, "{err}");
    assert!(whole.lines().count() > 3000, "{}", whole.lines().count());
    for f in ["a.log", "r.csv", "long.txt", "utf16.txt", "cp1252.txt"] {
        assert!(whole.lines().filter(|l| l.starts_with(&format!("./{f},"))).count() > 500, "{f}");
    }
    assert!(whole.contains("./a.log,,personnummer,8112189876,"), "the keyword on the line before counts");
    assert!(streamed == whole, "streamed and whole reports differ");
}

#[test]
fn exclude_globs_snokaignore_and_gitignore() {
    let dir = tree(&[
        ("keep.txt", PERSON),
        ("logs/x.log", PERSON),
        ("fixtures/.snokaignore", "fake.txt\n"),
        ("fixtures/fake.txt", PERSON),
        (".gitignore", "hidden_by_git.txt\n"),
        ("hidden_by_git.txt", PERSON),
        (".hidden/file.txt", PERSON),
    ]);
    let (_, out, _) = run(dir.path(), &[".", "--exclude", "*.log"]);
    assert!(out.contains("keep.txt") && out.contains("hidden_by_git.txt") && out.contains(".hidden/file.txt"));
    assert!(!out.contains("x.log") && !out.contains("fake.txt"), "{out}");
    let (_, out, _) = run(dir.path(), &[".", "--respect-gitignore"]);
    assert!(!out.contains("hidden_by_git.txt"));
}

#[test]
fn binary_files_skipped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut bin = vec![0u8, 1, 2, 0];
    bin.extend_from_slice(PERSON.as_bytes());
    std::fs::write(dir.path().join("x.bin"), bin).expect("write");
    let (code, out, err) = run(dir.path(), &[".", "-v"]);
    assert_eq!(code, 0);
    assert_eq!(out.lines().count(), 1);
    assert!(err.contains("x.bin: skipped: binary"), "{err}");
}

#[test]
fn encodings_decoded() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = "Namn: Östen Ærø\nPersonnummer: 811218-9876\n";
    let (latin1, _, _) = encoding_rs::WINDOWS_1252.encode(text);
    std::fs::write(dir.path().join("latin1.txt"), &*latin1).expect("write");
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    std::fs::write(dir.path().join("utf16.txt"), utf16).expect("write");
    let (code, out, _) = run(dir.path(), &["."]);
    assert_eq!(code, 1);
    assert_eq!(out.matches("811218-XXXX").count(), 2, "{out}");
    assert_eq!(out.matches("\"line 2, column 15\"").count(), 2, "{out}");
}

/// A file the scanner may not read gives a per-file error and exit 2, and
/// the other files are still reported. As root, permission bits do not
/// apply, so the scan is run as `nobody` through setpriv when available.
#[cfg(unix)]
#[test]
fn unreadable_file_is_exit_2_and_rest_reported() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tree(&[("ok.txt", PERSON), ("secret.txt", PERSON)]);
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod dir");
    for f in ["ok.txt", "secret.txt"] {
        std::fs::set_permissions(dir.path().join(f), std::fs::Permissions::from_mode(0o644)).expect("chmod");
    }
    std::fs::set_permissions(dir.path().join("secret.txt"), std::fs::Permissions::from_mode(0o000)).expect("chmod");
    let is_root = std::process::Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0"));
    let bin = assert_cmd::cargo::cargo_bin("snoka");
    let mut cmd = if is_root {
        let has_setpriv =
            std::process::Command::new("setpriv").arg("--version").output().is_ok_and(|o| o.status.success());
        if !has_setpriv {
            eprintln!("skipping: running as root without setpriv, cannot make a file unreadable");
            return;
        }
        let mut c = std::process::Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"]).arg(&bin);
        c
    } else {
        std::process::Command::new(&bin)
    };
    // The binary must be reachable by nobody; cargo's target dir usually is.
    let out = cmd.current_dir(dir.path()).args(["scan", "."]).output().expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if is_root && stderr.contains("Permission denied") && !stderr.contains("secret.txt") {
        eprintln!("skipping: nobody cannot run the test binary here: {stderr}");
        return;
    }
    assert_eq!(out.status.code(), Some(2), "stdout: {stdout}\nstderr: {stderr}");
    assert!(stderr.contains("secret.txt: failed: Permission denied"), "{stderr}");
    assert!(stderr.contains("1 failed"), "{stderr}");
    assert!(stdout.contains("ok.txt"), "the readable file is still reported: {stdout}");
    assert!(!stdout.contains("secret.txt"));
}

#[cfg(unix)]
#[test]
fn fifo_is_skipped_without_blocking() {
    let dir = tree(&[("a.txt", PERSON)]);
    let made = std::process::Command::new("mkfifo").arg(dir.path().join("pipe")).status().is_ok_and(|s| s.success());
    if !made {
        eprintln!("skipping: mkfifo not available");
        return;
    }
    let (code, _, err) = run(dir.path(), &["."]);
    assert_eq!(code, 1);
    assert!(err.contains("pipe: skipped: special file (fifo)"), "{err}");
}

#[test]
fn missing_path_is_exit_2() {
    let dir = tree(&[("a.txt", PERSON)]);
    let (code, out, err) = run(dir.path(), &["a.txt", "nope"]);
    assert_eq!(code, 2);
    assert!(err.contains("nope: failed: No such file"), "{err}");
    assert!(out.contains("a.txt"));
}

#[test]
fn usage_error_is_exit_2() {
    let out = snoka().args(["scan", "--min-confidence", "sure"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
}

/// A zip archive from `(member name, contents)` pairs.
fn zip_bytes(members: &[(&str, &[u8])]) -> Vec<u8> {
    use std::io::Write;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in members {
        w.start_file(*name, zip::write::SimpleFileOptions::default()).expect("start");
        w.write_all(data).expect("write");
    }
    w.finish().expect("finish").into_inner()
}

#[test]
fn archive_members_are_reported_and_damage_is_listed() {
    let dir = tree(&[]);
    let good = zip_bytes(&[("personal/anna.txt", PERSON.as_bytes())]);
    std::fs::write(dir.path().join("good.zip"), &good).expect("write");
    std::fs::write(dir.path().join("renamed.dat"), &good).expect("write");
    std::fs::write(dir.path().join("broken.zip"), &good[..good.len() / 2]).expect("write");
    let (code, out, err) = run(dir.path(), &[".", "--errors", "holes.csv"]);
    assert_eq!(code, 2, "a failed file wins over findings: {err}");
    let rows: Vec<&str> = out.lines().filter(|l| l.contains("personnummer")).collect();
    assert_eq!(rows.len(), 2, "{out}");
    assert!(rows[0].starts_with("./good.zip,personal/anna.txt,personnummer,811218-XXXX,"), "{out}");
    assert!(rows[1].starts_with("./renamed.dat,personal/anna.txt,"), "sniffed by content: {out}");
    assert!(err.contains("broken.zip: failed: corrupt zip"), "{err}");
    assert!(err.contains("scanned 2 files and 2 members"), "{err}");
    let holes = std::fs::read_to_string(dir.path().join("holes.csv")).expect("errors file");
    let mut lines = holes.lines();
    assert_eq!(lines.next(), Some("path,member,status,reason"));
    let row = lines.next().expect("one row");
    assert!(row.starts_with("./broken.zip,,failed,corrupt zip"), "{holes}");
    assert_eq!(lines.next(), None, "{holes}");
    assert!(!out.contains("holes.csv"));
}

#[test]
fn zip_bomb_is_skipped_and_the_scan_goes_on() {
    let dir = tree(&[("a.txt", PERSON)]);
    let zeros = vec![0u8; 4 << 20];
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    w.start_file("zeros.bin", opts).expect("start");
    std::io::Write::write_all(&mut w, &zeros).expect("write");
    let bomb = w.finish().expect("finish").into_inner();
    std::fs::write(dir.path().join("bomb.zip"), &bomb).expect("write");
    let (code, _, err) = run(dir.path(), &[".", "--max-ratio", "50"]);
    assert_eq!(code, 1, "a skipped member is not an error: {err}");
    assert!(err.contains("bomb.zip!zeros.bin: skipped: possible zip bomb: compression ratio"), "{err}");
}

/// The inventory, folders and SARIF formats exit like the findings report:
/// 0 nothing found, 1 findings, with a header (or an empty SARIF run) when
/// nothing is found, and the folders of `--depth` below the scanned path.
#[test]
fn inventory_folders_and_sarif_exit_like_csv() {
    let dir = tree(&[("hr/2024/a.txt", PERSON), ("hr/b.txt", "inget\n"), ("ekonomi/c.txt", "inget\n")]);
    let (code, out, _) = run(dir.path(), &[".", "-f", "inventory"]);
    assert_eq!(code, 1);
    assert!(out.starts_with("path,member,format,size,modified,status,personnummer,"), "{out}");
    assert!(out.contains("./hr/2024/a.txt,,text,"), "{out}");
    assert!(out.contains(",scanned,1,0,0,1,0,1,3,high,\n"), "{out}");
    assert!(!out.contains("XXXX") && !out.contains("9876"), "no values: {out}");
    let (code, out, _) = run(dir.path(), &[".", "-f", "folders"]);
    assert_eq!(code, 1);
    let rows: Vec<&str> = out.lines().collect();
    assert_eq!(rows[1..], ["./ekonomi,1,0,6,1,0,0,0,0,0,0,0,0,0,0", "./hr,2,0,87,2,0,0,1,0,0,1,0,1,3,1"][..], "{out}");
    let (_, out, _) = run(dir.path(), &["hr", "-f", "folders", "--depth", "2"]);
    assert!(out.contains("\nhr,1,0,6,"), "{out}");
    assert!(out.contains("\nhr/2024,1,0,"), "{out}");
    let (code, out, _) = run(dir.path(), &[".", "-f", "sarif"]);
    assert_eq!(code, 1);
    let log: serde_json::Value = serde_json::from_str(&out).expect("SARIF JSON");
    assert_eq!(log["runs"][0]["results"].as_array().map(Vec::len), Some(3));

    let (code, out, _) = run(dir.path(), &["ekonomi", "-f", "inventory"]);
    assert_eq!(code, 0);
    assert_eq!(out.lines().count(), 2, "{out}");
    let (code, out, _) = run(dir.path(), &["ekonomi", "-f", "sarif"]);
    assert_eq!(code, 0);
    let log: serde_json::Value = serde_json::from_str(&out).expect("SARIF JSON");
    assert_eq!(log["runs"][0]["results"], serde_json::json!([]));
}

#[test]
fn report_being_written_inside_the_tree_is_not_scanned() {
    // The report's temporary file exists while the tree is walked.
    let dir = tree(&[("a.txt", PERSON), ("out/keep.txt", "x\n")]);
    let (code, _, err) = run(dir.path(), &[".", "--format", "inventory", "-o", "out/inv.csv"]);
    assert_eq!(code, 1, "{err}");
    let inv = std::fs::read_to_string(dir.path().join("out/inv.csv")).expect("report");
    assert!(inv.contains("keep.txt"), "{inv}");
    assert!(!inv.contains(".snoka-") && !inv.contains("inv.csv"), "own report scanned:\n{inv}");
    let left: Vec<_> =
        std::fs::read_dir(dir.path().join("out")).expect("dir").flatten().map(|e| e.file_name()).collect();
    assert_eq!(left.len(), 2, "temporary file left: {left:?}");
}
