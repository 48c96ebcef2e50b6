//! Any text through the subject index of `snoka find` (digit windows,
//! e-mail automata, names, context masking): no panic.
#![no_main]

use std::path::PathBuf;

use libfuzzer_sys::fuzz_target;
use snoka::detect::date::Date;
use snoka::find::subject::{check, parse_file};
use snoka::find::{FindOptions, SubjectIndex};
use snoka::model::Location;
use snoka::scan::Search;

const SUBJECT: &str = "name = ['Anna Maria Lindqvist', 'Östen Åkerlund']\npersonnummer = '19811218-9876'\n\
                       cpr = '070761-4285'\nemail = 'anna.l@exempel.se'\nphone = ['070-174 06 05', '+45 20 12 34 56']\n";

fuzz_target!(|data: &[u8]| {
    thread_local! {
        static INDEX: SubjectIndex = {
            let today = Date { year: 2026, month: 11, day: 22 };
            let subjects = check(parse_file("s.toml", SUBJECT).expect("toml"), today).expect("valid");
            let opts = FindOptions { fuzzy_names: true, context: 20, ..FindOptions::default() };
            SubjectIndex::new(subjects, &[PathBuf::from("share")], opts)
        };
    }
    let text = String::from_utf8_lossy(data);
    INDEX.with(|ix| {
        let mut out = Vec::new();
        ix.search(&Location::Line { line: 1, column: 1 }, "", &text, &mut out);
        ix.search(&Location::Record { row: 2, column: "x".into() }, "", &text, &mut out);
        ix.search_name(&text, &mut out);
    });
});
