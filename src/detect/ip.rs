//! The `ipv4` and `ipv6` validators.
//!
//! Candidates are parsed with `std::net` (which rejects leading zeros,
//! octets above 255 and malformed groups). Dropped as not personal:
//! loopback, unspecified, broadcast, multicast and reserved addresses,
//! netmasks, network addresses (`10.0.0.0/8`), version strings (a version
//! word just before), and parts of longer dotted runs (OIDs, `1.2.3.4.5`).
//! Scores: public 0.6; private, shared and unique-local 0.5 (inside an
//! organisation such an address points at one device, usually one
//! person's); link-local and documentation ranges 0.3; +0.25 with an IP
//! keyword. An IPv4-mapped IPv6
//! address is reported as the IPv4 address it carries.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::ops::Range;

use super::context::Set;
use super::mask::Mask;
use super::{Detection, Engine, Outcome, Reasons, clamp, next_char, prev_char};
use crate::detect::pattern::Rule;
use crate::model::Kind;

/// Validates one IPv4 candidate.
pub fn validate_v4(eng: &Engine, hay: &str, span: Range<usize>, rule: &Rule, out: &mut Vec<Detection>) -> Outcome {
    let cand = &hay[span.clone()];
    let before = prev_char(hay, span.start);
    let after = next_char(hay, span.end);
    let after2 = after.and_then(|c| next_char(hay, span.end + c.len_utf8()));
    // Part of a longer dotted run (OID, version 1.2.3.4.5) or glued to a
    // word: not an address.
    if matches!(before, Some('.')) || before.is_some_and(char::is_alphanumeric) {
        return Outcome::Consumed(span.end);
    }
    if matches!(after, Some('.')) && after2.is_some_and(|c| c.is_ascii_digit()) {
        return skip_dotted_run(hay, span.end);
    }
    let (addr_text, prefix) = match cand.split_once('/') {
        Some((a, p)) => (a, p.parse::<u32>().ok()),
        None => (cand, None),
    };
    let Ok(addr) = addr_text.parse::<Ipv4Addr>() else {
        return Outcome::Consumed(span.end);
    };
    let cx = eng.keywords().context(hay, span.clone());
    if cx.just_before(Set::IpNegative, 12).is_some() {
        return Outcome::Consumed(span.end);
    }
    if let Some(p) = prefix {
        let host_bits = u32::from(addr) & !mask_of(p);
        if p > 32 || (p < 32 && host_bits == 0) {
            return Outcome::Consumed(span.end);
        }
    }
    let mut r = Reasons::default();
    r.push("parsed");
    let Some(mut score) = v4_score(addr, &mut r) else {
        return Outcome::Consumed(span.end);
    };
    if let Some(h) = cx.keyword(Set::Ip) {
        score += 0.25;
        r.push2("keyword", eng.keywords().text(h.keyword));
    }
    out.push(Detection {
        kind: Kind::Ipv4,
        rule: rule.id.clone(),
        span: span.clone(),
        normalized: addr.to_string(),
        score: clamp(score),
        reason: r.into_string(),
        mask_value: Mask::Ipv4,
        mask_normalized: Mask::Ipv4,
    });
    Outcome::Found(span.end)
}

/// Consumes the rest of a dotted-number run so none of its parts is
/// reported.
fn skip_dotted_run(hay: &str, from: usize) -> Outcome {
    let rest = &hay[from..];
    let len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
    Outcome::Consumed(from + len)
}

fn mask_of(prefix: u32) -> u32 {
    if prefix == 0 { 0 } else { u32::MAX << (32 - prefix.min(32)) }
}

/// The base score of an IPv4 address, or `None` if it is never personal.
fn v4_score(a: Ipv4Addr, r: &mut Reasons) -> Option<f32> {
    let o = a.octets();
    let n = u32::from(a);
    let is_netmask = o[0] == 255 && n.leading_ones() + n.trailing_zeros() == 32;
    if a.is_loopback()
        || a.is_unspecified()
        || a.is_broadcast()
        || a.is_multicast()
        || o[0] == 0
        || o[0] >= 240
        || is_netmask
    {
        return None;
    }
    let documentation = matches!(o, [192, 0, 2, _] | [198, 51, 100, _] | [203, 0, 113, _]);
    let shared = o[0] == 100 && (64..128).contains(&o[1]);
    if documentation {
        r.push("documentation-range");
        Some(0.3)
    } else if a.is_link_local() {
        r.push("link-local");
        Some(0.3)
    } else if a.is_private() || shared {
        // Inside an organisation a private address points at one device,
        // usually one person's: an access log of them is personal data.
        r.push("private");
        Some(0.5)
    } else {
        r.push("public");
        Some(0.6)
    }
}

/// Validates one IPv6 candidate.
pub fn validate_v6(eng: &Engine, hay: &str, span: Range<usize>, rule: &Rule, out: &mut Vec<Detection>) -> Outcome {
    let cand = &hay[span.clone()];
    let before = prev_char(hay, span.start);
    let after = next_char(hay, span.end);
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == ':' || c == '_');
    if word(before) || word(after) || matches!(before, Some('.')) {
        return Outcome::Rejected;
    }
    let addr_text = cand.split(['%', '/']).next().unwrap_or(cand);
    if !addr_text.bytes().any(|b| b.is_ascii_digit()) {
        return Outcome::Rejected;
    }
    let Ok(addr) = addr_text.parse::<Ipv6Addr>() else {
        return Outcome::Rejected;
    };
    let cx = eng.keywords().context(hay, span.clone());
    let mut r = Reasons::default();
    r.push("parsed");
    let (kind, normalized, score, mask) = if let Some(v4) = addr.to_ipv4_mapped() {
        r.push("ipv4-mapped");
        let Some(s) = v4_score(v4, &mut r) else { return Outcome::Consumed(span.end) };
        (Kind::Ipv4, v4.to_string(), s, Mask::Ipv4)
    } else {
        let seg = addr.segments();
        if addr.is_unspecified() || addr.is_loopback() || addr.is_multicast() {
            return Outcome::Consumed(span.end);
        }
        let s = if seg[0] == 0x2001 && seg[1] == 0x0db8 {
            r.push("documentation-range");
            0.3
        } else if seg[0] & 0xffc0 == 0xfe80 {
            r.push("link-local");
            0.3
        } else if seg[0] & 0xfe00 == 0xfc00 {
            r.push("unique-local");
            0.5
        } else {
            r.push("global");
            0.6
        };
        (Kind::Ipv6, addr.to_string(), s, Mask::Ipv6)
    };
    let mut score = score;
    if let Some(h) = cx.keyword(Set::Ip) {
        score += 0.25;
        r.push2("keyword", eng.keywords().text(h.keyword));
    }
    out.push(Detection {
        kind,
        rule: rule.id.clone(),
        span: span.clone(),
        normalized,
        score: clamp(score),
        reason: r.into_string(),
        mask_value: mask,
        mask_normalized: mask,
    });
    Outcome::Found(span.end)
}

#[cfg(test)]
mod tests {
    use crate::detect::testutil::find;
    use crate::model::{Confidence::*, Kind::*};

    #[test]
    fn ipv4_found() {
        let cases = [
            ("seen 81.226.12.45 today", "81.226.12.45", Medium),
            ("client 81.226.12.45 connected", "81.226.12.45", High),
            ("IP-adress: 10.0.0.12", "10.0.0.12", Medium),
            ("10.0.0.12", "10.0.0.12", Medium),
            ("host 192.168.1.20/24", "192.168.1.20", Medium),
            ("169.254.10.20", "169.254.10.20", Low),
            ("doc 192.0.2.7", "192.0.2.7", Low),
        ];
        for (text, norm, conf) in cases {
            let f = find(text);
            assert_eq!(f.len(), 1, "{text}: {f:?}");
            assert_eq!((f[0].0, f[0].2.as_str(), f[0].3), (Ipv4, norm, conf), "{text}");
        }
    }

    #[test]
    fn ipv4_rejected() {
        for text in [
            "version 1.2.3.4",
            "Version: 10.7.31.9",
            "v. 2.1.1.108",
            "oid 1.3.6.1.4.1.311.21",
            "1.2.3.4.5",
            "256.1.1.1",
            "192.168.001.1",
            "netmask 255.255.255.0",
            "route 10.0.0.0/8",
            "127.0.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
        ] {
            let f = find(text);
            assert!(f.iter().all(|f| f.0 != Ipv4), "{text}: {f:?}");
            assert!(f.iter().all(|f| f.0 != Phone), "{text} became a phone: {f:?}");
        }
    }

    #[test]
    fn ipv6_found_and_rejected() {
        let f = find("from 2a00:1450:4001:81b::200e");
        assert_eq!((f[0].0, f[0].2.as_str(), f[0].3), (Ipv6, "2a00:1450:4001:81b::200e", Medium));
        let f = find("IPv6: 2001:67C:2E8:22:0:0:C100:68B");
        assert_eq!((f[0].0, f[0].2.as_str(), f[0].3), (Ipv6, "2001:67c:2e8:22::c100:68b", High));
        let f = find("fe80::1%eth0");
        assert_eq!((f[0].0, f[0].3), (Ipv6, Low));
        let f = find("::ffff:81.226.12.45");
        assert_eq!((f[0].0, f[0].2.as_str()), (Ipv4, "81.226.12.45"));
        for text in
            ["12:34:56", "std::io::Result", "::1", "::", "00:1a:2b:3c:4d:5e", "Foo::Bar", "2024-01-15T12:34:56Z"]
        {
            let f = find(text);
            assert!(f.iter().all(|f| f.0 != Ipv6), "{text}: {f:?}");
        }
    }
}
