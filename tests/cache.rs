//! `snoka scan --cache`: a cached scan writes the reports a cold scan
//! writes; changed files are rescanned, touched ones reused by content;
//! options and rules empty the cache; no raw value reaches the disk; a
//! killed scan, a damaged, busy or unwritable cache never break a scan.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use common::{copy_tree, snoka};
use tempfile::TempDir;

const PERSON: &str = "Personnummer: 811218-9876\nE-post: anna.andersson@exempel.se\n";

/// A temporary folder with a tree `data/` from `(relative path, contents)`
/// pairs, every file dated an hour ago (so that the cache trusts their keys
/// at once). The tests scan `data` and keep caches beside it.
fn tree(files: &[(&str, &str)]) -> TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (p, body) in files {
        let path = dir.path().join("data").join(p);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, body).expect("write");
    }
    age(dir.path(), 3600);
    dir
}

/// Sets the modification time of every file below `dir` to `secs` ago.
fn age(dir: &Path, secs: u64) {
    let when = SystemTime::now() - Duration::from_secs(secs);
    for entry in std::fs::read_dir(dir).expect("read_dir") {
        let entry = entry.expect("entry");
        if entry.file_type().expect("type").is_dir() {
            age(&entry.path(), secs);
        } else {
            set_mtime(&entry.path(), when);
        }
    }
}

fn set_mtime(path: &Path, when: SystemTime) {
    let f = std::fs::OpenOptions::new().write(true).open(path).expect("open");
    f.set_modified(when).expect("set mtime");
}

struct Run {
    code: i32,
    out: String,
    err: String,
}

fn scan(dir: &Path, args: &[&str]) -> Run {
    let out = snoka().current_dir(dir).arg("scan").args(args).output().expect("runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        out: String::from_utf8_lossy(&out.stdout).into_owned(),
        err: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `(unchanged, same content, read and scanned)` from the --verbose line.
fn counts(err: &str) -> (usize, usize, usize) {
    let line = err.lines().find(|l| l.contains("files unchanged")).unwrap_or_else(|| panic!("no cache line: {err}"));
    let nums: Vec<usize> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().expect("number"))
        .collect();
    let n = nums.len();
    (nums[n - 3], nums[n - 2], nums[n - 1])
}

fn cache_bytes(dir: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    for e in std::fs::read_dir(dir).expect("cache dir") {
        all.extend(std::fs::read(e.expect("entry").path()).expect("read"));
    }
    all
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

fn snap_of(cache: &Path) -> PathBuf {
    std::fs::read_dir(cache)
        .expect("cache dir")
        .map(|e| e.expect("entry").path())
        .find(|p| p.extension().is_some_and(|e| e == "snap"))
        .expect("a snapshot")
}

#[test]
fn cached_reports_are_byte_identical_to_a_cold_scan() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let work = tempfile::tempdir().expect("tempdir");
    copy_tree(&root.join("samples"), &work.path().join("samples"));
    age(&work.path().join("samples"), 3600);
    let cache = work.path().join("cache");
    let cache_arg = format!("--cache={}", cache.display());
    for format in ["csv", "jsonl", "inventory", "sarif", "folders"] {
        let cold = scan(work.path(), &["samples", "-f", format, "--errors", "cold-errors.csv"]);
        let first = scan(work.path(), &["samples", "-f", format, &cache_arg, "--errors", "first-errors.csv"]);
        let warm = scan(work.path(), &["samples", "-f", format, &cache_arg, "-v", "--errors", "warm-errors.csv"]);
        assert_eq!(cold.out, first.out, "{format}: filling the cache changes nothing");
        assert_eq!(cold.out, warm.out, "{format}: cached report differs");
        assert_eq!(cold.code, warm.code, "{format}");
        let errors = |f: &str| std::fs::read_to_string(work.path().join(f)).expect("errors file");
        assert_eq!(errors("cold-errors.csv"), errors("warm-errors.csv"), "{format}: --errors differs");
        let (unchanged, same, _) = counts(&warm.err);
        assert!(unchanged > 30 && same == 0, "{format}: {}", warm.err);
        assert!(warm.err.contains(&format!("; {unchanged} from cache")), "{}", warm.err);
    }
    // --show-values has its own cache contents (raw values): also identical.
    let cold = scan(work.path(), &["samples", "--show-values"]);
    scan(work.path(), &["samples", "--show-values", &cache_arg]);
    let warm = scan(work.path(), &["samples", "--show-values", &cache_arg]);
    assert_eq!(cold.out, warm.out);
    assert!(warm.err.contains("from cache") && !warm.err.contains("; 0 from cache"), "{}", warm.err);
}

#[test]
fn a_changed_file_is_rescanned_and_only_it() {
    let dir = tree(&[("a.txt", PERSON), ("b.txt", "nothing\n"), ("sub/c.txt", "E-post: per@exempel.se\n")]);
    let cache = dir.path().join("cache");
    let c = format!("--cache={}", cache.display());
    let first = scan(dir.path(), &["data", &c, "-v"]);
    assert_eq!(counts(&first.err), (0, 0, 3), "{}", first.err);
    std::fs::write(dir.path().join("data/b.txt"), "Mail: lisa.berg@exempel.se\n").expect("write");
    set_mtime(&dir.path().join("data/b.txt"), SystemTime::now() - Duration::from_secs(60));
    let warm = scan(dir.path(), &["data", &c, "-v"]);
    assert_eq!(counts(&warm.err), (2, 0, 1), "{}", warm.err);
    assert!(warm.out.contains("b.txt,,email,l***@exempel.se"), "{}", warm.out);
    let cold = scan(dir.path(), &["data"]);
    assert_eq!(cold.out, warm.out);
    assert_eq!(cold.code, warm.code);
    // A deleted file leaves the cache, a new one enters it.
    std::fs::remove_file(dir.path().join("data/a.txt")).expect("rm");
    std::fs::write(dir.path().join("data/d.txt"), PERSON).expect("write");
    age(&dir.path().join("data"), 7200);
    let next = scan(dir.path(), &["data", &c, "-v"]);
    assert_eq!(counts(&next.err), (0, 2, 1), "aged files have new keys but the same content: {}", next.err);
    assert_eq!(next.out, scan(dir.path(), &["data"]).out);
}

#[test]
fn a_touched_file_is_reused_by_its_content() {
    let dir = tree(&[("a.txt", PERSON), ("b.txt", "nothing\n")]);
    let c = format!("--cache={}", dir.path().join("cache").display());
    let first = scan(dir.path(), &["data", &c]);
    set_mtime(&dir.path().join("data/a.txt"), SystemTime::now() - Duration::from_secs(30));
    let touched = scan(dir.path(), &["data", &c, "-v"]);
    assert_eq!(counts(&touched.err), (1, 1, 0), "{}", touched.err);
    assert_eq!(first.out, touched.out);
    // The new key was stored: a third run opens nothing.
    let third = scan(dir.path(), &["data", &c, "-v"]);
    assert_eq!(counts(&third.err), (2, 0, 0), "{}", third.err);
    // Inventories show the new modification time, as a cold scan does.
    let inv = scan(dir.path(), &["data", &c, "-f", "inventory"]);
    assert_eq!(inv.out, scan(dir.path(), &["data", "-f", "inventory"]).out);
}

/// A large text file is streamed in chunks (made small here by a test-only
/// variable), never held whole: its content digest is computed while it is
/// read, so it is cached like any file. Unchanged, it is not read again;
/// touched, it is read and found to be the same content.
#[test]
fn a_streamed_file_is_cached_by_key_and_content() {
    let big = PERSON.repeat(2000);
    let dir = tree(&[("big.log", &big), ("b.txt", "nothing\n")]);
    let c = format!("--cache={}", dir.path().join("cache").display());
    let streamed = |args: &[&str]| {
        let out = snoka()
            .current_dir(dir.path())
            .env("SNOKA_TEST_CHUNK_BYTES", "4096")
            .arg("scan")
            .args(args)
            .output()
            .expect("runs");
        Run {
            code: out.status.code().unwrap_or(-1),
            out: String::from_utf8_lossy(&out.stdout).into_owned(),
            err: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    };
    let cold = streamed(&["data"]);
    assert_eq!(cold.code, 1);
    assert_eq!(cold.out.lines().filter(|l| l.contains("big.log")).count(), 4000, "{}", cold.out);
    let first = streamed(&["data", &c, "-v"]);
    assert_eq!(counts(&first.err), (0, 0, 2), "{}", first.err);
    let warm = streamed(&["data", &c, "-v"]);
    assert_eq!(counts(&warm.err), (2, 0, 0), "{}", warm.err);
    assert_eq!(cold.out, warm.out);
    set_mtime(&dir.path().join("data/big.log"), SystemTime::now() - Duration::from_secs(30));
    let touched = streamed(&["data", &c, "-v"]);
    assert_eq!(counts(&touched.err), (1, 1, 0), "{}", touched.err);
    assert_eq!(cold.out, touched.out);
}

#[test]
fn options_and_rules_empty_the_cache_filters_do_not() {
    let dir = tree(&[("a.txt", PERSON)]);
    let c = format!("--cache={}", dir.path().join("cache").display());
    scan(dir.path(), &["data", &c]);
    let again = scan(dir.path(), &["data", &c, "-v"]);
    assert_eq!(counts(&again.err), (1, 0, 0));
    let low = scan(dir.path(), &["data", &c, "-v", "--min-confidence", "low"]);
    assert_eq!(counts(&low.err), (0, 0, 1), "{}", low.err);
    assert!(low.err.contains("cache emptied"), "{}", low.err);
    let kinds = scan(dir.path(), &["data", &c, "-v", "--kinds", "email"]);
    assert_eq!(counts(&kinds.err), (0, 0, 1), "{}", kinds.err);
    assert!(!kinds.out.contains("personnummer"));
    // A --patterns rule empties it too.
    let rules = dir.path().join("rules");
    std::fs::create_dir(&rules).expect("mkdir");
    std::fs::write(
        rules.join("kund.toml"),
        "[[rule]]\nid = \"kundnr\"\nkind = \"kundnummer\"\ndescription = \"Kundnummer\"\nvalidator = \"none\"\n\
         regex = '''\\bKN-\\d{6}\\b'''\nconfidence = 0.9\n",
    )
    .expect("rule");
    let with_rules = scan(dir.path(), &["data", &c, "-v", "--patterns", "rules"]);
    assert_eq!(counts(&with_rules.err), (0, 0, 1), "{}", with_rules.err);
    // Filters after the scan use the cache, and filter cached findings.
    scan(dir.path(), &["data", &c]);
    std::fs::write(dir.path().join("allow.txt"), "19811218-9876\n").expect("allow");
    let allowed = scan(dir.path(), &["data", &c, "-v", "--allow-values", "allow.txt"]);
    assert_eq!(counts(&allowed.err), (1, 0, 0), "{}", allowed.err);
    let cold = scan(dir.path(), &["data", "--allow-values", "allow.txt"]);
    assert_eq!(allowed.out, cold.out);
    assert!(!allowed.out.contains("personnummer") && allowed.out.contains("email"), "{}", allowed.out);
    assert!(allowed.err.contains("allow-values 1"), "{}", allowed.err);
}

#[test]
fn allow_markers_are_counted_from_the_cache() {
    let dir = tree(&[("a.txt", "pnr 811218-9876 # snoka:allow\nanna.andersson@exempel.se\n")]);
    let c = format!("--cache={}", dir.path().join("cache").display());
    let cold = scan(dir.path(), &["data", &c]);
    let warm = scan(dir.path(), &["data", &c]);
    assert!(cold.err.contains("snoka:allow 1"), "{}", cold.err);
    assert!(warm.err.contains("snoka:allow 1"), "{}", warm.err);
    assert_eq!(cold.out, warm.out);
}

#[test]
fn no_raw_value_on_disk_without_show_values() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let work = tempfile::tempdir().expect("tempdir");
    copy_tree(&root.join("samples"), &work.path().join("samples"));
    std::fs::write(work.path().join("samples/person.txt"), PERSON).expect("write");
    let cache = work.path().join("cache");
    let c = format!("--cache={}", cache.display());
    // The raw values of every finding, from a --show-values scan.
    let shown = scan(work.path(), &["samples", "--show-values"]);
    let mut raw: Vec<String> = Vec::new();
    let mut rdr = csv::Reader::from_reader(shown.out.as_bytes());
    for rec in rdr.records() {
        let rec = rec.expect("csv");
        for v in [&rec[3], &rec[4]] {
            let v = v.trim_start_matches('\'');
            if v.len() >= 8 {
                raw.push(v.to_string());
            }
        }
    }
    assert!(raw.iter().any(|v| v == "811218-9876"), "{raw:?}");
    scan(work.path(), &["samples", &c]);
    scan(work.path(), &["samples", &c]);
    let bytes = cache_bytes(&cache);
    for v in &raw {
        assert!(!contains(&bytes, v), "raw value {v} in the cache");
    }
    assert!(contains(&bytes, "811218-XXXX"), "masked values are kept");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode(&cache), 0o700);
        for e in std::fs::read_dir(&cache).expect("dir") {
            let p = e.expect("entry").path();
            assert_eq!(mode(&p), 0o600, "{}", p.display());
        }
    }
    // With --show-values the cache holds them (the reports print them).
    scan(work.path(), &["samples", &c, "--show-values"]);
    assert!(contains(&cache_bytes(&cache), "811218-9876"));
    // And without it again, they are gone.
    scan(work.path(), &["samples", &c]);
    assert!(!contains(&cache_bytes(&cache), "811218-9876"));
}

#[test]
fn a_killed_scan_leaves_a_usable_cache() {
    let files: Vec<(String, String)> =
        (0..40).map(|i| (format!("f{i:02}.txt"), format!("rad {i}\nE-post: person{i}@exempel.se\n"))).collect();
    let pairs: Vec<(&str, &str)> = files.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let dir = tree(&pairs);
    let cache = dir.path().join("cache");
    let c = format!("--cache={}", cache.display());
    let bin = assert_cmd::cargo::cargo_bin("snoka");
    let mut child = std::process::Command::new(bin)
        .current_dir(dir.path())
        .args(["scan", "data", "-q", "-j", "1", &c])
        .env(snoka::cache::TEST_DELAY_ENV, "100")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    // Kill it once some files are in the journal.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let journal = std::fs::read_dir(&cache).ok().and_then(|rd| {
            rd.filter_map(Result::ok).map(|e| e.path()).find(|p| p.extension().is_some_and(|e| e == "journal"))
        });
        let lines = journal.and_then(|j| std::fs::read_to_string(j).ok()).map_or(0, |t| t.lines().count());
        if lines >= 6 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the scan never wrote its journal");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().expect("kill -9");
    let status = child.wait().expect("wait");
    assert!(!status.success(), "killed before the end");
    let warm = scan(dir.path(), &["data", &c, "-v"]);
    let (unchanged, same, read) = counts(&warm.err);
    assert!(unchanged >= 5 && same == 0 && read > 0 && unchanged + read == 40, "{}", warm.err);
    assert!(!warm.err.contains("damaged"), "{}", warm.err);
    assert_eq!(warm.out, scan(dir.path(), &["data"]).out);
    // A torn last line (a kill in the middle of a write) is ignored too.
    let snap = snap_of(&cache);
    let journal = snap.with_extension("journal");
    let mut text = std::fs::read(&snap).expect("snap");
    let torn = text.split(|&b| b == b'\n').nth(3).expect("an entry").to_vec();
    text.truncate(0);
    text.extend(std::fs::read(&journal).expect("journal"));
    text.extend(&torn[..torn.len() / 2]);
    std::fs::write(&journal, &text).expect("write");
    let after = scan(dir.path(), &["data", &c, "-v"]);
    assert_eq!(counts(&after.err), (40, 0, 0), "{}", after.err);
    assert!(!after.err.contains("damaged"), "{}", after.err);
}

#[test]
fn an_unwritable_cache_warns_and_the_scan_runs() {
    let dir = tree(&[("a.txt", PERSON)]);
    std::fs::write(dir.path().join("plain"), "a file, not a folder").expect("write");
    let cold = scan(dir.path(), &["data"]);
    let bad = dir.path().join("plain/sub");
    let run = scan(dir.path(), &["data", "--cache", bad.to_str().expect("utf-8")]);
    assert_eq!(run.code, cold.code);
    assert_eq!(run.out, cold.out);
    assert!(run.err.contains("not writable") && run.err.contains("scanning without it"), "{}", run.err);
    assert_eq!(run.err.matches("not writable").count(), 1, "warned once: {}", run.err);
}

#[test]
fn a_damaged_cache_is_ignored_with_a_warning() {
    let dir = tree(&[("a.txt", PERSON), ("b.txt", "E-post: per@exempel.se\n")]);
    let cache = dir.path().join("cache");
    let c = format!("--cache={}", cache.display());
    let cold = scan(dir.path(), &["data", &c]);
    let snap = snap_of(&cache);
    let garbage: Vec<u8> = (0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    std::fs::write(&snap, &garbage).expect("garbage");
    std::fs::write(snap.with_extension("journal"), &garbage[100..]).expect("garbage");
    let run = scan(dir.path(), &["data", &c, "-v"]);
    assert_eq!(run.code, cold.code, "{}", run.err);
    assert_eq!(run.out, cold.out);
    assert!(run.err.contains("damaged"), "{}", run.err);
    assert_eq!(counts(&run.err), (0, 0, 2));
    let again = scan(dir.path(), &["data", &c, "-v"]);
    assert_eq!(counts(&again.err), (2, 0, 0), "rewritten: {}", again.err);
    assert!(!again.err.contains("damaged"), "{}", again.err);
    // A valid line that is not an entry, in the middle: skipped, warned.
    let mut text = std::fs::read_to_string(&snap).expect("snap");
    let header = text.lines().next().expect("header").to_string();
    text.push_str(&header);
    text.push('\n');
    text.push_str("0000000000000000 {}\n");
    std::fs::write(&snap, text).expect("write");
    let odd = scan(dir.path(), &["data", &c, "-v"]);
    assert_eq!(odd.out, cold.out);
    assert!(odd.err.contains("damaged") || odd.err.contains("unreadable"), "{}", odd.err);
}

#[test]
#[cfg(unix)]
fn a_busy_cache_is_not_shared() {
    use std::os::unix::io::AsRawFd;
    let dir = tree(&[("a.txt", PERSON)]);
    let cache = dir.path().join("cache");
    let c = format!("--cache={}", cache.display());
    scan(dir.path(), &["data", &c]);
    let lock = snap_of(&cache).with_extension("lock");
    let f = std::fs::OpenOptions::new().write(true).open(&lock).expect("lock file");
    // SAFETY: flock on a descriptor owned by `f`.
    assert_eq!(unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) }, 0);
    let run = scan(dir.path(), &["data", &c]);
    assert!(run.err.contains("in use by another snoka") && run.err.contains("scanning without it"), "{}", run.err);
    assert_eq!(run.out, scan(dir.path(), &["data"]).out);
    drop(f);
    let free = scan(dir.path(), &["data", &c, "-v"]);
    assert_eq!(counts(&free.err), (1, 0, 0), "{}", free.err);
}

#[test]
fn default_folder_config_key_and_no_cache() {
    let dir = tree(&[("a.txt", PERSON)]);
    let home = tempfile::tempdir().expect("home");
    let run = |args: &[&str]| {
        let out = snoka()
            .current_dir(dir.path())
            .env("XDG_CACHE_HOME", home.path())
            .arg("scan")
            .args(args)
            .output()
            .expect("runs");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    // `--cache` without a value, after the paths.
    let err = run(&["data", "-v", "--cache"]);
    assert_eq!(counts(&err), (0, 0, 1), "{err}");
    assert!(home.path().join("snoka/CACHEDIR.TAG").is_file());
    assert_eq!(counts(&run(&["data", "-v", "--cache"])), (1, 0, 0));
    // From snoka.toml, and --no-cache wins over it.
    std::fs::write(dir.path().join("snoka.toml"), "cache = true\n").expect("config");
    assert_eq!(counts(&run(&["data", "-v"])), (1, 0, 0));
    let off = run(&["data", "-v", "--no-cache"]);
    assert!(!off.contains("from cache") && !off.contains("files unchanged"), "{off}");
    // `find` has no cache.
    let find =
        snoka().current_dir(dir.path()).args(["find", "data", "--email", "x@y.se", "--cache"]).output().expect("runs");
    assert_eq!(find.status.code(), Some(2));
}
