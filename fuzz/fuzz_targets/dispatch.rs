//! Any bytes as any file: the first byte picks a file name (and so the
//! extension hints CSV, mbox, ...), the rest is the content. The whole
//! scan path runs: sniffing, every extractor, containers, detection.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use snoka::Engine;
use snoka::extract::fuzz::NAMES;
use snoka::scan::{ScanOptions, scan_bytes};

fuzz_target!(|data: &[u8]| {
    thread_local! {
        static ENGINE: Engine = Engine::builtin().expect("built-in rules");
    }
    let Some((&pick, content)) = data.split_first() else { return };
    let name = NAMES[usize::from(pick) % NAMES.len()];
    let mut opts = ScanOptions::new();
    opts.limits.timeout = std::time::Duration::from_secs(5);
    ENGINE.with(|engine| {
        let _ = scan_bytes(Path::new(name), content, engine, &opts);
    });
});
