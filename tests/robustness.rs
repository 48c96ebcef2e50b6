//! Damaged input never panics, never hangs, and is never reported as
//! clean when it cannot be read: every sample is truncated and bit-flipped,
//! and every copy goes through the full dispatcher (sniffing, containers,
//! extractors). Also reads every real-world file in `../shared/corpus`
//! (skipped with a note when that folder is absent).

use std::path::{Path, PathBuf};

use snoka::Engine;
use snoka::extract::{Format, sniff};
use snoka::model::{FileReport, FileStatus};
use snoka::scan::{ScanOptions, scan_bytes, scan_bytes_as};

const PANIC: &str = "internal error while extracting (panic)";

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else { continue };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.is_file() {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn problems(reports: &[FileReport]) -> Vec<String> {
    reports
        .iter()
        .filter_map(|r| match &r.status {
            FileStatus::Failed(w) if w == PANIC || w.starts_with("timeout") => Some(format!("{}: {w}", r.member)),
            _ => None,
        })
        .collect()
}

/// Formats whose damage must show as a failed or skipped status: a zip
/// without its central directory cannot be read at all.
fn zip_based(f: Format) -> bool {
    matches!(f, Format::Zip | Format::Docx | Format::Pptx | Format::Odt | Format::Odp | Format::Xlsx | Format::Ods)
}

#[test]
fn truncated_and_bit_flipped_samples() {
    let engine = Engine::builtin().expect("rules");
    let opts = ScanOptions::new();
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let mut copies = 0;
    for path in files_under(&samples) {
        let bytes = std::fs::read(&path).expect("read sample");
        if bytes.len() < 16 {
            continue;
        }
        let name = path.to_string_lossy();
        let format = sniff(&name, &bytes);
        for cut in [bytes.len() / 10, bytes.len() / 2, bytes.len() * 9 / 10] {
            let reports = scan_bytes(&path, &bytes[..cut], &engine, &opts);
            copies += 1;
            assert!(problems(&reports).is_empty(), "{name} cut at {cut}: {:?}", problems(&reports));
            if zip_based(format) {
                assert!(!matches!(reports[0].status, FileStatus::Scanned), "{name} cut at {cut} reported as scanned");
            }
        }
        // Flip one bit at sixteen spread positions, one copy each.
        for k in 0..16 {
            let mut copy = bytes.clone();
            let at = (bytes.len() - 1) * k / 15;
            copy[at] ^= 1 << (k % 8);
            let reports = scan_bytes(&path, &copy, &engine, &opts);
            copies += 1;
            assert!(problems(&reports).is_empty(), "{name} bit {k} flipped at {at}: {:?}", problems(&reports));
        }
    }
    assert!(copies > 100, "only {copies} damaged copies: are the samples there?");
}

#[test]
fn shared_corpus_scans_without_panic_or_hang() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if !corpus.is_dir() {
        eprintln!("note: {} is absent; skipping the real-world corpus test", corpus.display());
        return;
    }
    let engine = Engine::builtin().expect("rules");
    let opts = ScanOptions::new();
    let mut not_scanned = Vec::new();
    let files: Vec<PathBuf> = files_under(&corpus).into_iter().filter(|p| !p.ends_with("SOURCES.md")).collect();
    assert!(!files.is_empty());
    for path in &files {
        let bytes = std::fs::read(path).expect("read corpus file");
        let reports = scan_bytes(path, &bytes, &engine, &opts);
        assert!(problems(&reports).is_empty(), "{}: {:?}", path.display(), problems(&reports));
        for r in &reports {
            let rel = path.strip_prefix(&corpus).unwrap_or(path).display().to_string();
            let member = if r.member.is_empty() { String::new() } else { format!("!{}", r.member) };
            match &r.status {
                FileStatus::Scanned => {}
                FileStatus::Skipped(w) => not_scanned.push(format!("{rel}{member}: skipped: {w}")),
                FileStatus::Failed(w) => not_scanned.push(format!("{rel}{member}: failed: {w}")),
            }
        }
    }
    eprintln!("{} corpus files; not fully read:\n  {}", files.len(), not_scanned.join("\n  "));
}

/// Every input in tests/fuzz-regressions/ runs again through what its
/// fuzz target did, without a panic or a hang. Inputs directly in the
/// folder or in `dispatch/` are `dispatch` inputs (the first byte picks the
/// file name), in `extract/` are `extract` inputs (the first byte forces the
/// format), in `detect/` are `detect` inputs (text). The fuzz targets' lists
/// are repeated here on purpose: an input must mean the same file here as it
/// did to the fuzzer.
#[test]
fn fuzz_regressions_scan_cleanly() {
    use snoka::extract::fuzz::{FORMATS, NAMES};
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    let engine = Engine::builtin().expect("rules");
    let mut opts = ScanOptions::new();
    opts.limits.timeout = std::time::Duration::from_secs(20);
    let inputs: Vec<PathBuf> =
        files_under(&dir).into_iter().filter(|p| p.extension().is_none_or(|e| e != "md")).collect();
    for input in &inputs {
        let data = std::fs::read(input).expect("read");
        let target = input.parent().and_then(|p| p.file_name()).and_then(|n| n.to_str()).unwrap_or("");
        if target == "detect" {
            let text = String::from_utf8_lossy(&data);
            let mut out = Vec::new();
            engine.detect(&text, &mut out);
            for d in &out {
                assert!(text.is_char_boundary(d.span.start) && text.is_char_boundary(d.span.end), "{input:?}");
            }
            continue;
        }
        let Some((&pick, content)) = data.split_first() else { continue };
        let reports = if target == "extract" {
            let (format, name) = FORMATS[usize::from(pick) % FORMATS.len()];
            scan_bytes_as(Path::new(name), format, content, &engine, &opts)
        } else {
            scan_bytes(Path::new(NAMES[usize::from(pick) % NAMES.len()]), content, &engine, &opts)
        };
        let bad = problems(&reports);
        assert!(bad.is_empty(), "{}: {bad:?}", input.display());
    }
    eprintln!("{} fuzz regression inputs scanned", inputs.len());
}

/// `fuzz/seed.py` writes seed inputs whose first byte indexes the same
/// tables as the fuzz targets; its copies of the tables must not drift.
#[test]
fn fuzz_seed_tables_match_the_targets() {
    use snoka::extract::fuzz::{FORMATS, NAMES};
    let seed = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seed.py")).expect("seed.py");
    let list = |var: &str| -> Vec<String> {
        let start = seed.find(&format!("{var} = [")).unwrap_or_else(|| panic!("{var} in seed.py")) + var.len() + 4;
        let end = start + seed[start..].find(']').expect("closing bracket");
        seed[start..end].split(',').map(|s| s.trim().trim_matches('"').to_string()).filter(|s| !s.is_empty()).collect()
    };
    let ext = |name: &str| name.trim_start_matches("a.").to_string();
    assert_eq!(list("DISPATCH"), NAMES.iter().map(|n| ext(n)).collect::<Vec<_>>());
    assert_eq!(list("EXTRACT"), FORMATS.iter().map(|(_, n)| ext(n)).collect::<Vec<_>>());
}
