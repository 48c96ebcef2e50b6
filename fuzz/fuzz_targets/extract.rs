//! Any bytes as any format, forced: the first byte picks a
//! `snoka::extract::Format` and the rest goes to that format's extractor
//! whatever it holds (no sniffing), through the real scanner sink with its
//! limits. Every extractor sees arbitrary bytes, not only bytes that sniff
//! as its format. Members found inside are sniffed as in a scan.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use snoka::Engine;
use snoka::extract::fuzz::FORMATS;
use snoka::scan::{ScanOptions, scan_bytes_as};

fuzz_target!(|data: &[u8]| {
    thread_local! {
        static ENGINE: Engine = Engine::builtin().expect("built-in rules");
    }
    let Some((&pick, content)) = data.split_first() else { return };
    let (format, name) = FORMATS[usize::from(pick) % FORMATS.len()];
    let mut opts = ScanOptions::new();
    opts.limits.timeout = std::time::Duration::from_secs(5);
    ENGINE.with(|engine| {
        let _ = scan_bytes_as(Path::new(name), format, content, engine, &opts);
    });
});
