//! Every built-in rule file loads, rule ids are unique, and every example
//! in `patterns/*.toml` behaves as the file says: `match` examples yield a
//! finding from that rule at the default confidence (medium or above),
//! `no_match` examples none at that confidence.

use snoka::detect::date::Date;
use snoka::detect::pattern::{BUILTIN_RULES, builtin_rules, parse_rules};
use snoka::{Confidence, Engine};

fn engine() -> Engine {
    Engine::builtin().expect("built-in rules load").with_today(Date { year: 2026, month: 11, day: 22 })
}

#[test]
fn every_rule_file_loads_with_unique_ids() {
    let mut ids = Vec::new();
    for (file, src) in BUILTIN_RULES {
        for r in parse_rules(file, src).unwrap_or_else(|e| panic!("{e}")) {
            assert!(!ids.contains(&r.id), "duplicate id {}", r.id);
            ids.push(r.id);
        }
    }
    assert_eq!(ids.len(), builtin_rules().expect("load").len());
}

#[test]
fn every_example_behaves_as_stated() {
    let eng = engine();
    let mut failures = Vec::new();
    for rule in eng.rules() {
        assert!(!rule.examples.matches.is_empty(), "rule {} has no match examples", rule.id);
        for text in &rule.examples.matches {
            let mut out = Vec::new();
            eng.detect(text, &mut out);
            out.retain(|d| Confidence::from_score(d.score) >= Confidence::Medium);
            if !out.iter().any(|d| d.rule == rule.id) {
                failures.push(format!("{}: expected a finding in {text:?}, got {out:?}", rule.id));
            }
        }
        for text in &rule.examples.no_match {
            let mut out = Vec::new();
            eng.detect(text, &mut out);
            out.retain(|d| Confidence::from_score(d.score) >= Confidence::Medium);
            if let Some(d) = out.iter().find(|d| d.rule == rule.id) {
                failures.push(format!("{}: expected nothing in {text:?}, got {d:?}", rule.id));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
