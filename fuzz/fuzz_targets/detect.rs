//! Any text through every detector: no panic, spans on char boundaries.
#![no_main]

use libfuzzer_sys::fuzz_target;
use snoka::Engine;

fuzz_target!(|data: &[u8]| {
    thread_local! {
        static ENGINE: Engine = Engine::builtin().expect("built-in rules");
    }
    let text = String::from_utf8_lossy(data);
    ENGINE.with(|engine| {
        let mut out = Vec::new();
        engine.detect(&text, &mut out);
        for d in &out {
            assert!(d.span.start < d.span.end && d.span.end <= text.len());
            assert!(text.is_char_boundary(d.span.start) && text.is_char_boundary(d.span.end));
        }
    });
});
