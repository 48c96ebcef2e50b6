//! Prints the text snoka extracts from PDF files, pages separated by a form
//! feed like `pdftotext`, for side-by-side comparison
//! (`benches/pdf_vs_pdftotext.sh`).
//!
//!     cargo run --release --example pdftext -- FILE.pdf [--props]
//!
//! `--props` also prints the document information entries and members.
//! The outcome (`ok` or the error) goes to standard error.

use std::io::{Read, Write};

use snoka::error::ExtractError;
use snoka::extract::{Sink, pdf};
use snoka::model::{FileStatus, Location};

/// Collects page texts in order, properties and members aside.
struct Print {
    pages: Vec<(u32, String)>,
    extra: Vec<String>,
}

impl Sink for Print {
    fn text(&mut self, at: Location, _label: &str, text: &str) -> Result<(), ExtractError> {
        match at {
            Location::Page { page, .. } => self.pages.push((page, text.to_string())),
            other => self.extra.push(format!("[{other}] {text}")),
        }
        Ok(())
    }
    fn charge(&mut self, _declared: u64, _compressed: Option<u64>) -> Result<(), ExtractError> {
        Ok(())
    }
    fn member(
        &mut self,
        name: &str,
        reader: &mut dyn Read,
        _declared: Option<u64>,
        _compressed: Option<u64>,
    ) -> Result<(), ExtractError> {
        let n = std::io::copy(reader, &mut std::io::sink())?;
        self.extra.push(format!("[member {name}] {n} bytes"));
        Ok(())
    }
    fn member_bytes(&mut self, name: &str, bytes: &[u8]) -> Result<(), ExtractError> {
        self.extra.push(format!("[member {name}] {} bytes", bytes.len()));
        Ok(())
    }
    fn member_status(&mut self, name: &str, status: FileStatus) {
        self.extra.push(format!("[member {name}] {status:?}"));
    }
}

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let props = args.iter().any(|a| a == "--props");
    let Some(path) = args.iter().find(|a| !a.starts_with("--")) else {
        eprintln!("usage: pdftext FILE.pdf [--props]");
        return std::process::ExitCode::from(2);
    };
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{path}: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let mut sink = Print { pages: Vec::new(), extra: Vec::new() };
    let result = pdf::extract(&bytes, &mut sink);
    let mut out = std::io::stdout().lock();
    let mut next = 1;
    for (page, text) in &sink.pages {
        // Pages without text were not pushed; keep the form feeds aligned.
        while next < *page {
            let _ = out.write_all(b"\x0c");
            next += 1;
        }
        let _ = writeln!(out, "{text}");
        let _ = out.write_all(b"\x0c");
        next = page + 1;
    }
    for line in sink.extra.iter().filter(|_| props) {
        let _ = writeln!(out, "{line}");
    }
    match result {
        Ok(()) => {
            eprintln!("{path}: ok");
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::ExitCode::from(1)
        }
    }
}
