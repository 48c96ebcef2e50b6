//! Extraction throughput: the full `scan_bytes` path (sniffing, extraction,
//! detection, context and masking) over one committed sample file per
//! format, in bytes of input as stored. The samples are small (0.2-39 kB),
//! so the numbers include the per-file overhead; `benches/formats.sh`
//! measures a large generated corpus instead. Run with
//! `cargo bench --bench extract -- --warm-up-time 1 --measurement-time 3`.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use snoka::scan::{ScanOptions, scan_bytes};
use snoka::{Engine, FileStatus};

/// (benchmark name, sample file under `samples/`).
const SAMPLES: &[(&str, &str)] = &[
    ("pdf", "docs/rapport.pdf"),
    ("pdf_truetype", "docs/rapport_ttf.pdf"),
    ("docx", "docs/personalakt.docx"),
    ("xlsx", "docs/kunder.xlsx"),
    ("xls", "docs/kunder.xls"),
    ("ods", "docs/kunder.ods"),
    ("pptx", "docs/presentation.pptx"),
    ("odt", "docs/rapport.odt"),
    ("odp", "docs/presentation.odp"),
    ("csv", "docs/kunder.csv"),
    ("eml", "docs/meddelande.eml"),
    ("msg", "docs/meddelande.msg"),
    ("mbox", "docs/inkorg.mbox"),
    ("html", "docs/sida.html"),
    ("xml", "docs/export.xml"),
    ("zip", "docs/arkiv.zip"),
    ("tar.gz", "docs/loggar.tar.gz"),
    ("txt", "sv/kundregister.txt"),
];

fn extract(c: &mut Criterion) {
    let engine = Engine::builtin().expect("built-in rules compile");
    let opts = ScanOptions::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");

    let mut group = c.benchmark_group("extract");
    for (name, file) in SAMPLES {
        let path = root.join(file);
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let reports = scan_bytes(&path, &bytes, &engine, &opts);
        for report in &reports {
            assert_eq!(report.status, FileStatus::Scanned, "{file} {}", report.member);
        }
        let findings: usize = reports.iter().map(|r| r.findings.len()).sum();
        assert!(findings > 0, "{file}: no findings");

        group.throughput(Throughput::BytesDecimal(bytes.len() as u64));
        group.bench_function(*name, |b| b.iter(|| scan_bytes(black_box(&path), black_box(&bytes), &engine, &opts)));
    }
    group.finish();
}

criterion_group!(benches, extract);
criterion_main!(benches);
