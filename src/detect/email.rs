//! The `email` validator.
//!
//! Checks RFC 5321 lengths (local part <= 64, domain <= 253, total <= 254),
//! label shape, and that the top-level domain exists (embedded public suffix
//! list, the `psl` crate). Drops retina asset names (`icon@2x.png`), git
//! remotes (`git@host:`) and URL credentials (`//user:pass@host`). Scores
//! 0.9; role mailboxes (`info@`, `noreply@`) and values of message-id
//! headers score 0.3. Reserved test domains (RFC 2606/6761) are marked
//! `test-domain` but still reported.

use std::ops::Range;

use super::context::Set;
use super::mask::Mask;
use super::{Detection, Engine, Outcome, Reasons, clamp, next_char, prev_char};
use crate::detect::pattern::Rule;
use crate::model::Kind;

/// Validates one e-mail candidate.
pub fn validate(eng: &Engine, hay: &str, span: Range<usize>, rule: &Rule, out: &mut Vec<Detection>) -> Outcome {
    let cand = &hay[span.clone()];
    // The local-part class admits leading dots and plus signs; an address
    // cannot start with them.
    let trimmed = cand.trim_start_matches(['.', '_', '%', '+', '-']);
    let start = span.end - trimmed.len();
    let (local, domain) = match trimmed.rfind('@') {
        Some(i) => (&trimmed[..i], &trimmed[i + 1..]),
        None => match trimmed.to_ascii_lowercase().rfind("%40") {
            Some(i) => (&trimmed[..i], &trimmed[i + 3..]),
            None => return Outcome::Rejected,
        },
    };
    if local.is_empty() || local.len() > 64 || domain.len() > 253 || local.len() + 1 + domain.len() > 254 {
        return Outcome::Rejected;
    }
    let domain_lc = domain.to_lowercase();
    let labels: Vec<&str> = domain_lc.split('.').collect();
    if labels.iter().any(|l| l.is_empty() || l.len() > 63 || l.starts_with('-') || l.ends_with('-')) {
        return Outcome::Rejected;
    }
    let tld = labels.last().copied().unwrap_or("");
    let known_tld = !tld.is_ascii() || psl::suffix(domain_lc.as_bytes()).is_some_and(|s| s.is_known());
    if !known_tld {
        return Outcome::Rejected;
    }
    // icon@2x.png, logo@3x.mov: image density suffixes, not mailboxes.
    let first = labels[0];
    if first.len() >= 2 && first.ends_with('x') && first[..first.len() - 1].bytes().all(|b| b.is_ascii_digit()) {
        return Outcome::Consumed(span.end);
    }
    // git@github.com:org/repo.git
    if local == "git" && next_char(hay, span.end) == Some(':') {
        return Outcome::Consumed(span.end);
    }
    // https://user:secret@host: the "local part" is a password.
    if prev_char(hay, start) == Some(':') {
        let line_start = hay[..start].rfind(['\n', ' ', '\t', '"', '\'', '<']).map_or(0, |i| i + 1);
        if hay[line_start..start].contains("://") {
            return Outcome::Consumed(span.end);
        }
    }
    let mut r = Reasons::default();
    r.push("tld");
    let mut score = 0.9;
    if eng.keywords().is_role_local_part(local) {
        score = 0.3;
        r.push("role-account");
    }
    let cx = eng.keywords().context(hay, start..span.end);
    if let Some(h) = cx.just_before(Set::EmailNegative, 80) {
        score = 0.3;
        r.push2("neg", eng.keywords().text(h.keyword));
    }
    if let Some(h) = cx.keyword(Set::Email) {
        r.push2("keyword", eng.keywords().text(h.keyword));
    }
    if is_test_domain(&domain_lc) {
        r.push("test-domain");
    }
    out.push(Detection {
        kind: Kind::Email,
        rule: rule.id.clone(),
        span: start..span.end,
        normalized: format!("{}@{}", local.to_lowercase(), domain_lc),
        score: clamp(score),
        reason: r.into_string(),
        mask_value: Mask::Email,
        mask_normalized: Mask::Email,
    });
    Outcome::Found(span.end)
}

/// Reserved names for documentation and testing (RFC 2606, RFC 6761).
fn is_test_domain(domain: &str) -> bool {
    matches!(domain, "example.com" | "example.net" | "example.org")
        || [".example.com", ".example.net", ".example.org"].iter().any(|s| domain.ends_with(s))
        || ["test", "example", "invalid", "localhost"].iter().any(|t| domain.rsplit('.').next() == Some(t))
}

#[cfg(test)]
mod tests {
    use crate::detect::testutil::find;
    use crate::model::{Confidence::*, Kind::Email};

    #[test]
    fn valid_addresses() {
        let cases = [
            ("E-post: Anna.Andersson@Exempel.se", "anna.andersson@exempel.se", High),
            ("åsa.öberg@exempel.se.", "åsa.öberg@exempel.se", High),
            ("mailto:jens.hansen@firma.dk", "jens.hansen@firma.dk", High),
            ("user%40example.org", "user@example.org", High),
            ("noreply@exempel.se", "noreply@exempel.se", Low),
            ("<.anna@exempel.se>", "anna@exempel.se", High),
        ];
        for (text, norm, conf) in cases {
            let f = find(text);
            assert_eq!(f.len(), 1, "{text}: {f:?}");
            assert_eq!((f[0].0, f[0].2.as_str(), f[0].3), (Email, norm, conf), "{text}");
        }
    }

    #[test]
    fn not_addresses() {
        for text in [
            "icon@2x.png",
            "logo@3x.mov",
            "git@github.com:org/repo.git",
            "npm i @scope/pkg",
            "user@localhost",
            "a@b.notarealtld",
            "https://user:hunter2@exempel.se/x",
        ] {
            assert!(find(text).iter().all(|f| f.0 != Email), "{text}: {:?}", find(text));
        }
    }

    #[test]
    fn message_ids_are_low() {
        let f = find("Message-ID: <abc123.456@mail.exempel.se>");
        assert_eq!((f[0].0, f[0].3), (Email, Low));
    }

    #[test]
    fn test_domains_marked() {
        let mut out = Vec::new();
        crate::detect::testutil::engine().detect("anna@example.com", &mut out);
        assert!(out[0].reason.contains("test-domain"));
    }
}
