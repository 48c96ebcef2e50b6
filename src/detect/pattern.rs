//! Rules as data: the schema of `patterns/*.toml`, loading and checking.
//!
//! A rule is a candidate regex plus the name of a validator from a closed
//! set. Regexes must use ASCII classes and boundaries for digits
//! (`[0-9]`, `(?-u:\b)`): a Unicode `\b` makes the lazy DFA give up on
//! non-ASCII text (125x slower on Swedish). The built-in files are embedded
//! in the binary.

use serde::Deserialize;

use crate::error::PatternError;

/// The built-in rule files, embedded at compile time.
pub const BUILTIN_RULES: &[(&str, &str)] = &[
    ("national-id.toml", include_str!("../../patterns/national-id.toml")),
    ("ip.toml", include_str!("../../patterns/ip.toml")),
    ("phone.toml", include_str!("../../patterns/phone.toml")),
    ("email.toml", include_str!("../../patterns/email.toml")),
];

/// The built-in keyword file.
pub const BUILTIN_KEYWORDS: (&str, &str) = ("keywords.toml", include_str!("../../patterns/keywords.toml"));

/// The validator a rule's candidates go to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Validator {
    /// Swedish personnummer/samordningsnummer and Danish CPR.
    NationalId,
    /// E-mail address.
    Email,
    /// IPv4 address.
    Ipv4,
    /// IPv6 address.
    Ipv6,
    /// Telephone number.
    Phone,
}

impl Validator {
    fn from_name(name: &str) -> Option<Validator> {
        Some(match name {
            "national-id" => Validator::NationalId,
            "email" => Validator::Email,
            "ipv4" => Validator::Ipv4,
            "ipv6" => Validator::Ipv6,
            "phone" => Validator::Phone,
            _ => return None,
        })
    }
}

/// Example texts that tests run through the engine.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Examples {
    /// Texts in which the rule must report something.
    #[serde(default, rename = "match")]
    pub matches: Vec<String>,
    /// Texts in which the rule must report nothing.
    #[serde(default)]
    pub no_match: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: String,
    description: String,
    validator: String,
    regex: String,
    #[serde(default = "default_priority")]
    priority: i32,
    #[serde(default)]
    examples: Examples,
}

fn default_priority() -> i32 {
    100
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    rule: Vec<RawRule>,
}

/// One checked rule.
#[derive(Clone, Debug)]
pub struct Rule {
    /// Unique id, printed in the `rule` column.
    pub id: std::sync::Arc<str>,
    /// One-line description.
    pub description: String,
    /// Which validator judges its candidates.
    pub validator: Validator,
    /// The candidate regex.
    pub regex: String,
    /// Lower runs first when two rules match at the same position.
    pub priority: i32,
    /// Examples, checked by tests.
    pub examples: Examples,
    /// File the rule came from.
    pub file: String,
}

/// Parses one rule file and checks every rule in it.
pub fn parse_rules(file: &str, src: &str) -> Result<Vec<Rule>, PatternError> {
    let raw: RawFile =
        toml::from_str(src).map_err(|e| PatternError::Parse { file: file.into(), message: e.to_string() })?;
    raw.rule
        .into_iter()
        .map(|r| {
            let bad = |problem: String| PatternError::Invalid { file: file.into(), id: r.id.clone(), problem };
            if r.id.is_empty() || !r.id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
                return Err(bad("id must be non-empty lower-case ASCII letters, digits and '-'".into()));
            }
            let validator = Validator::from_name(&r.validator)
                .ok_or_else(|| bad(format!("unknown validator {:?}", r.validator)))?;
            regex_automata::meta::Regex::new(&r.regex).map_err(|e| bad(format!("regex does not compile: {e}")))?;
            Ok(Rule {
                id: r.id.as_str().into(),
                description: r.description,
                validator,
                regex: r.regex,
                priority: r.priority,
                examples: r.examples,
                file: file.into(),
            })
        })
        .collect()
}

/// Loads the built-in rules, sorted by priority, with unique ids.
pub fn builtin_rules() -> Result<Vec<Rule>, PatternError> {
    let mut rules = Vec::new();
    for (file, src) in BUILTIN_RULES {
        rules.extend(parse_rules(file, src)?);
    }
    check_unique(&rules)?;
    rules.sort_by_key(|r| r.priority);
    Ok(rules)
}

fn check_unique(rules: &[Rule]) -> Result<(), PatternError> {
    for (i, r) in rules.iter().enumerate() {
        if let Some(other) = rules[..i].iter().find(|o| o.id == r.id) {
            return Err(PatternError::Invalid {
                file: r.file.clone(),
                id: r.id.to_string(),
                problem: format!("duplicate id (also in {})", other.file),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rules_load() {
        let rules = builtin_rules().expect("built-in rules are valid");
        assert!(rules.len() >= 6);
        assert_eq!(&*rules[0].id, "national-id");
    }

    #[test]
    fn bad_rules_name_file_and_id() {
        let e =
            parse_rules("x.toml", "[[rule]]\nid='a'\ndescription='d'\nvalidator='nope'\nregex='a'").expect_err("bad");
        let m = e.to_string();
        assert!(m.contains("x.toml") && m.contains("\"a\"") && m.contains("unknown validator"), "{m}");
        let e =
            parse_rules("y.toml", "[[rule]]\nid='b'\ndescription='d'\nvalidator='email'\nregex='('").expect_err("bad");
        assert!(e.to_string().contains("does not compile"));
        let e = parse_rules("z.toml", "[[rule]]\nid='c'\ndescription='d'\nvalidator='email'\nregex='a'\nextra=1")
            .expect_err("bad");
        assert!(e.to_string().contains("z.toml"));
    }
}
