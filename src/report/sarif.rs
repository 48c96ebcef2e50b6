//! The SARIF 2.1.0 report (`--format sarif`), for code-scanning services
//! that show findings inline: one run, the rules that occur, and a result
//! per finding with its rule id, a level from its confidence, a message
//! with the value masked (unless `--show-values`) and its location.
//!
//! Where a finding is:
//! - A position in a plain file (`line 3, column 5`) is a `region` with
//!   `startLine` and `startColumn` (columns count Unicode code points, as
//!   the run's `columnKind` says).
//! - Any other location (`page 2, line 14`, `Kunder!B7`, `paragraph 4`,
//!   ...) has no SARIF region: it is named in the message (`... at page 2,
//!   line 14`) and in the result's `properties.location`, and the artifact
//!   location points at the file.
//! - A finding in an archive member or attachment points at the file that
//!   holds it, without a region (its lines are the member's, not the
//!   file's); the member is named in the message and in
//!   `properties.member`.
//!
//! Files and members that were skipped or failed are listed as
//! notifications of the invocation (failed: `error`, skipped: `note`), so
//! the holes stay visible. The output is deterministic: no timestamps, and
//! results in the order of the reports. `partialFingerprints` hold a hash
//! of rule, kind, path, member and location, never of the value.

use std::io::Write;
use std::path::{Component, Path};

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::shown;
use crate::error::ReportError;
use crate::model::{Confidence, FileReport, FileStatus, Finding, Location};

/// The schema URI written in `$schema`.
pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The SARIF level of a confidence: high is `error`, medium `warning`, low
/// `note`.
pub fn level(confidence: Confidence) -> &'static str {
    match confidence {
        Confidence::High => "error",
        Confidence::Medium => "warning",
        Confidence::Low => "note",
    }
}

/// Writes `reports` as one SARIF 2.1.0 log. `rules` gives the id and
/// description of each rule of the engine; the log's `rules` are those
/// that occur in a finding, sorted by id.
pub fn write(
    w: &mut dyn Write,
    reports: &[FileReport],
    rules: &[(&str, &str)],
    show_values: bool,
) -> Result<(), ReportError> {
    let mut used: Vec<&str> = reports.iter().flat_map(|r| r.findings.iter().map(|f| &*f.rule)).collect();
    used.sort_unstable();
    used.dedup();
    let driver_rules: Vec<Value> = used
        .iter()
        .map(|id| {
            let description = rules.iter().find(|(r, _)| r == id).map_or(*id, |(_, d)| *d);
            json!({ "id": id, "shortDescription": { "text": description } })
        })
        .collect();
    let mut results = Vec::new();
    let mut notifications = Vec::new();
    for r in reports {
        let uri = uri(&r.path);
        for f in &r.findings {
            let index = used.binary_search(&&*f.rule).unwrap_or_default();
            results.push(result(r, f, &uri, index, show_values));
        }
        let (level, what, why) = match &r.status {
            FileStatus::Scanned => continue,
            FileStatus::Skipped(why) => ("note", "skipped", why),
            FileStatus::Failed(why) => ("error", "failed", why),
        };
        let member = if r.member.is_empty() { String::new() } else { format!(" (member {})", r.member) };
        notifications.push(json!({
            "level": level,
            "message": { "text": format!("{what}{member}: {why}") },
            "locations": [{ "physicalLocation": { "artifactLocation": { "uri": uri } } }],
        }));
    }
    let log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "snoka",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": driver_rules,
            } },
            "invocations": [{
                "executionSuccessful": true,
                "toolExecutionNotifications": notifications,
            }],
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    serde_json::to_writer_pretty(&mut *w, &log)?;
    w.write_all(b"\n")?;
    Ok(())
}

/// One result: rule, level, masked message, location, properties.
fn result(r: &FileReport, f: &Finding, uri: &str, rule_index: usize, show_values: bool) -> Value {
    let (value, _) = shown(f, show_values);
    let location = f.location.to_string();
    let region = match f.location {
        Location::Line { line, column } if r.member.is_empty() => Some(json!({
            "startLine": line.max(1),
            "startColumn": column.max(1),
        })),
        _ => None,
    };
    let mut message = format!("{} {value}", f.kind);
    if !r.member.is_empty() {
        message.push_str(&format!(" in member {}", r.member));
    }
    if region.is_none() {
        message.push_str(&format!(" at {location}"));
    }
    message.push_str(&format!(" (confidence {}: {})", f.confidence(), f.reason));
    let mut physical = json!({ "artifactLocation": { "uri": uri } });
    if let Some(region) = region {
        physical["region"] = region;
    }
    let mut properties = json!({
        "kind": f.kind.as_str(),
        "confidence": f.confidence().as_str(),
        "score": f64::from((f.score * 100.0).round()) / 100.0,
        "location": location,
        "reason": &*f.reason,
    });
    if !r.member.is_empty() {
        properties["member"] = json!(r.member);
    }
    json!({
        "ruleId": &*f.rule,
        "ruleIndex": rule_index,
        "level": level(f.confidence()),
        "message": { "text": message },
        "locations": [{ "physicalLocation": physical }],
        "partialFingerprints": { "snokaLocation/v1": fingerprint(r, f, &location) },
        "properties": properties,
    })
}

/// SHA-256 of what identifies where a finding is (never its value).
fn fingerprint(r: &FileReport, f: &Finding, location: &str) -> String {
    let mut h = Sha256::new();
    for part in [&*f.rule, f.kind.as_str(), &r.path.to_string_lossy(), &r.member, location] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// `path` as a URI reference: relative paths with `/` between segments
/// (`./` dropped), absolute ones as `file:///...`; every byte outside the
/// unreserved set (`A-Z a-z 0-9 - . _ ~`) percent-encoded.
pub fn uri(path: &Path) -> String {
    let mut out = String::new();
    let mut absolute = false;
    let mut segments: Vec<Vec<u8>> = Vec::new();
    for c in path.components() {
        match c {
            Component::Prefix(p) => segments.push(bytes(p.as_os_str())),
            Component::RootDir => absolute = true,
            Component::CurDir => {}
            Component::ParentDir => segments.push(b"..".to_vec()),
            Component::Normal(s) => segments.push(bytes(s)),
        }
    }
    if absolute {
        out.push_str("file:///");
    }
    for (i, segment) in segments.iter().enumerate() {
        if i > 0 {
            out.push('/');
        }
        for &b in segment {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                out.push(char::from(b));
            } else {
                // `:` too, so a relative reference is never read as a scheme.
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    if out.is_empty() { ".".to_string() } else { out }
}

/// The bytes of a path component (exact on Unix, UTF-8 elsewhere).
fn bytes(s: &std::ffi::OsStr) -> Vec<u8> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        s.as_bytes().to_vec()
    }
    #[cfg(not(unix))]
    {
        s.to_string_lossy().as_bytes().to_vec()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::model::Kind;

    fn finding(rule: &str, location: Location, score: f32) -> Finding {
        Finding {
            kind: Kind::Personnummer,
            rule: Arc::from(rule),
            location,
            texts: crate::model::Texts::new("19811218-9876", "198112189876", "19811218-XXXX", "19811218XXXX"),
            score,
            reason: "luhn;date;keyword:pnr".into(),
            subject: None,
            context: None,
        }
    }

    fn report(path: &str, member: &str, findings: Vec<Finding>) -> FileReport {
        FileReport {
            path: path.into(),
            member: member.into(),
            status: FileStatus::Scanned,
            bytes: 1,
            format: "text",
            modified: None,
            findings,
        }
    }

    fn log(reports: &[FileReport], show_values: bool) -> Value {
        let mut buf = Vec::new();
        write(&mut buf, reports, &[("national-id", "Swedish personnummer"), ("unused", "Never used")], show_values)
            .expect("write");
        serde_json::from_slice(&buf).expect("JSON")
    }

    #[test]
    fn uris_are_relative_with_slashes_and_percent_encoded() {
        assert_eq!(uri(Path::new("samples/sv/kundregister.txt")), "samples/sv/kundregister.txt");
        assert_eq!(uri(Path::new("./a b/Förteckning #1.txt")), "a%20b/F%C3%B6rteckning%20%231.txt");
        assert_eq!(uri(Path::new("../x/100%.txt")), "../x/100%25.txt");
        assert_eq!(uri(Path::new("/srv/hr/a.txt")), "file:///srv/hr/a.txt");
        assert_eq!(uri(Path::new("c:d.txt")), "c%3Ad.txt");
        assert_eq!(uri(Path::new(".")), ".");
    }

    #[test]
    fn levels_follow_confidence() {
        assert_eq!(level(Confidence::High), "error");
        assert_eq!(level(Confidence::Medium), "warning");
        assert_eq!(level(Confidence::Low), "note");
    }

    #[test]
    fn results_carry_rule_level_masked_message_and_location() {
        let reports = [
            report("a dir/b.txt", "", vec![finding("national-id", Location::Line { line: 3, column: 5 }, 0.9)]),
            report("c.pdf", "", vec![finding("national-id", Location::Page { page: 2, line: 14 }, 0.6)]),
            report("d.zip", "in/e.txt", vec![finding("other", Location::Line { line: 1, column: 1 }, 0.3)]),
        ];
        let log = log(&reports, false);
        assert_eq!(log["version"], "2.1.0");
        let run = &log["runs"][0];
        assert_eq!(run["tool"]["driver"]["name"], "snoka");
        let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
        let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().expect("id")).collect();
        assert_eq!(ids, ["national-id", "other"], "only the rules that occur, sorted");
        assert_eq!(rules[0]["shortDescription"]["text"], "Swedish personnummer");
        let results = run["results"].as_array().expect("results");
        assert_eq!(results.len(), 3);

        let r = &results[0];
        assert_eq!(r["ruleId"], "national-id");
        assert_eq!(r["ruleIndex"], 0);
        assert_eq!(r["level"], "error");
        assert_eq!(r["message"]["text"], "personnummer 19811218-XXXX (confidence high: luhn;date;keyword:pnr)");
        let loc = &r["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], "a%20dir/b.txt");
        assert_eq!(loc["region"], json!({ "startLine": 3, "startColumn": 5 }));

        let r = &results[1];
        assert_eq!(r["level"], "warning");
        assert_eq!(
            r["message"]["text"],
            "personnummer 19811218-XXXX at page 2, line 14 (confidence medium: luhn;date;keyword:pnr)"
        );
        assert!(r["locations"][0]["physicalLocation"].get("region").is_none());
        assert_eq!(r["properties"]["location"], "page 2, line 14");
        assert_eq!(r["properties"]["score"], json!(0.6), "two decimals, no float noise");

        let r = &results[2];
        assert_eq!(r["ruleIndex"], 1);
        assert_eq!(r["level"], "note");
        assert!(r["message"]["text"].as_str().expect("text").contains(" in member in/e.txt at line 1, column 1 "));
        assert!(r["locations"][0]["physicalLocation"].get("region").is_none(), "a member's lines are not the zip's");
        assert_eq!(r["properties"]["member"], "in/e.txt");
        assert_eq!(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "d.zip");

        let text = log.to_string();
        assert!(!text.contains("9876"), "masked by default, fingerprints included");
        assert!(self::log(&reports, true).to_string().contains("19811218-9876"), "--show-values");
    }

    #[test]
    fn holes_are_notifications() {
        let mut skipped = report("x.docx", "", vec![]);
        skipped.status = FileStatus::Skipped("encrypted".into());
        let mut failed = report("y.zip", "z.pdf", vec![]);
        failed.status = FileStatus::Failed("corrupt PDF".into());
        let log = log(&[skipped, failed], false);
        let n = &log["runs"][0]["invocations"][0]["toolExecutionNotifications"];
        assert_eq!(n[0]["level"], "note");
        assert_eq!(n[0]["message"]["text"], "skipped: encrypted");
        assert_eq!(n[1]["level"], "error");
        assert_eq!(n[1]["message"]["text"], "failed (member z.pdf): corrupt PDF");
        assert_eq!(log["runs"][0]["results"], json!([]));
        assert_eq!(log["runs"][0]["tool"]["driver"]["rules"], json!([]));
    }
}
