//! Rules as data: the schema of `patterns/*.toml`, loading and checking.
//!
//! A rule is a candidate regex plus the name of a validator from a closed
//! set. Regexes must use ASCII classes and boundaries for digits
//! (`[0-9]`, `(?-u:\b)`): a Unicode `\b` makes the lazy DFA give up on
//! non-ASCII text (125x slower on Swedish). The built-in files are embedded
//! in the binary; `--patterns DIR` adds rules or replaces them by id
//! ([`load_dir`], [`merge`]).
//!
//! Built-in validators (`national-id`, `email`, `ipv4`, `ipv6`, `phone`)
//! imply their kinds and score with `patterns/keywords.toml`. Generic
//! validators (`none`, `luhn`, `mod11`, `mod97`, `hetu`) serve user rules:
//! those name their `kind` and may carry `keywords`, `negative_keywords` and
//! a base `confidence`.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use serde::Deserialize;

use super::context::Keywords;
use crate::error::PatternError;
use crate::model::Kind;

/// The built-in rule files, embedded at compile time.
pub const BUILTIN_RULES: &[(&str, &str)] = &[
    ("national-id.toml", include_str!("../../patterns/national-id.toml")),
    ("ip.toml", include_str!("../../patterns/ip.toml")),
    ("phone.toml", include_str!("../../patterns/phone.toml")),
    ("email.toml", include_str!("../../patterns/email.toml")),
];

/// The built-in keyword file.
pub const BUILTIN_KEYWORDS: (&str, &str) = ("keywords.toml", include_str!("../../patterns/keywords.toml"));

/// The validator a rule's candidates go to. A closed set: an unknown name in
/// a rule file is an error.
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
    /// Generic: the regex alone decides.
    None,
    /// Generic: Luhn (modulus 10) over the digits of the match.
    Luhn,
    /// Generic: modulus 11 with the rule's `weights` over the digits of the
    /// match (every weighted sum divisible by 11).
    Mod11,
    /// Generic: ISO 7064 MOD 97-10 as IBAN (ISO 13616) uses it.
    Mod97,
    /// Generic: Finnish henkilötunnus (date, century sign, check character
    /// modulo 31).
    Hetu,
}

impl Validator {
    /// Every validator, in the order `snoka rules` documents them.
    pub const ALL: [Validator; 10] = [
        Validator::NationalId,
        Validator::Email,
        Validator::Ipv4,
        Validator::Ipv6,
        Validator::Phone,
        Validator::None,
        Validator::Luhn,
        Validator::Mod11,
        Validator::Mod97,
        Validator::Hetu,
    ];

    /// The name used in rule files.
    pub fn as_str(self) -> &'static str {
        match self {
            Validator::NationalId => "national-id",
            Validator::Email => "email",
            Validator::Ipv4 => "ipv4",
            Validator::Ipv6 => "ipv6",
            Validator::Phone => "phone",
            Validator::None => "none",
            Validator::Luhn => "luhn",
            Validator::Mod11 => "mod11",
            Validator::Mod97 => "mod97",
            Validator::Hetu => "hetu",
        }
    }

    fn from_name(name: &str) -> Option<Validator> {
        Validator::ALL.into_iter().find(|v| v.as_str() == name)
    }

    /// True for the generic validators that user rules with their own
    /// `kind` use.
    pub fn is_generic(self) -> bool {
        matches!(self, Validator::None | Validator::Luhn | Validator::Mod11 | Validator::Mod97 | Validator::Hetu)
    }

    /// The kinds a built-in validator reports (empty for generic ones).
    pub fn implied_kinds(self) -> &'static [Kind] {
        match self {
            Validator::NationalId => &[Kind::Personnummer, Kind::Samordningsnummer, Kind::Cpr],
            Validator::Email => &[Kind::Email],
            Validator::Ipv4 => &[Kind::Ipv4, Kind::Ipv6],
            Validator::Ipv6 => &[Kind::Ipv6, Kind::Ipv4],
            Validator::Phone => &[Kind::Phone],
            _ => &[],
        }
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

/// A keyword list: flat (`keywords = ["iban"]`) or per language
/// (`keywords.sv = ["kontonummer"]`, `keywords.en = ["account"]`).
#[derive(Deserialize)]
#[serde(untagged, expecting = "a list of keywords, or a table of lists per language (keywords.sv = [...])")]
enum RawKeywords {
    Flat(Vec<String>),
    ByLanguage(BTreeMap<String, Vec<String>>),
}

impl RawKeywords {
    fn into_vec(self) -> Vec<String> {
        match self {
            RawKeywords::Flat(v) => v,
            RawKeywords::ByLanguage(m) => m.into_values().flatten().collect(),
        }
    }
}

/// A base confidence: a band name or a score in `0.0..=1.0`.
#[derive(Deserialize)]
#[serde(untagged, expecting = "low, medium, high or a number 0.0-1.0")]
enum RawConfidence {
    Band(String),
    Score(f64),
}

/// Modulus-11 weights: one list, or several (each its own check).
#[derive(Deserialize)]
#[serde(untagged, expecting = "a list of weights, or a list of lists (one per check digit)")]
enum RawWeights {
    One(Vec<u32>),
    Many(Vec<Vec<u32>>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    validator: Option<String>,
    #[serde(default)]
    regex: Option<String>,
    #[serde(default)]
    priority: Option<i32>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    keywords: Option<RawKeywords>,
    #[serde(default)]
    negative_keywords: Option<RawKeywords>,
    #[serde(default)]
    confidence: Option<RawConfidence>,
    #[serde(default)]
    weights: Option<RawWeights>,
    #[serde(default = "default_enabled")]
    enabled: bool,
    #[serde(default)]
    examples: Examples,
}

fn default_enabled() -> bool {
    true
}

/// How the `file` of a built-in rule starts (`built-in:email.toml`).
pub const BUILTIN_PREFIX: &str = "built-in:";

/// Priority of a rule that names none.
pub const DEFAULT_PRIORITY: i32 = 100;

/// Base score of a generic rule that names no `confidence` (medium).
pub const DEFAULT_CONFIDENCE: f32 = 0.6;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    rule: Vec<toml::Table>,
}

/// One checked rule.
#[derive(Clone, Debug)]
pub struct Rule {
    /// Unique id, printed in the `rule` column.
    pub id: Arc<str>,
    /// One-line description.
    pub description: String,
    /// Which validator judges its candidates.
    pub validator: Validator,
    /// The candidate regex.
    pub regex: String,
    /// Lower runs first when two rules match at the same position.
    pub priority: i32,
    /// True if the file set `priority`; a replacing rule without one keeps
    /// the priority of the rule it replaces.
    pub priority_given: bool,
    /// The kind a generic rule reports (`None` for built-in validators,
    /// which decide the kind themselves).
    pub kind: Option<Kind>,
    /// Base score of a generic rule's findings.
    pub confidence: f32,
    /// Modulus-11 weight lists (validator `mod11`).
    pub weights: Vec<Vec<u32>>,
    /// A generic rule's keywords and negative keywords, compiled.
    pub keywords: Option<Arc<Keywords>>,
    /// The keyword texts as written (for listing).
    pub keyword_list: Vec<String>,
    /// The negative keyword texts as written (for listing).
    pub negative_keyword_list: Vec<String>,
    /// False for `enabled = false`: the rule removes the rule with its id.
    pub enabled: bool,
    /// Examples, checked by tests and `snoka rules --check`.
    pub examples: Examples,
    /// File the rule came from (`built-in:email.toml` style names for the
    /// embedded files, the path for `--patterns` files).
    pub file: String,
}

impl Rule {
    /// The kind names this rule reports, `|`-separated
    /// (`personnummer|samordningsnummer|cpr`, `iban`).
    pub fn kind_names(&self) -> String {
        match self.kind {
            Some(k) => k.as_str().to_string(),
            None => self.validator.implied_kinds().iter().map(|k| k.as_str()).collect::<Vec<_>>().join("|"),
        }
    }
}

/// Parses one rule file and checks every rule in it.
pub fn parse_rules(file: &str, src: &str) -> Result<Vec<Rule>, PatternError> {
    // Two steps, so that a schema error (an unknown key, a wrong type)
    // names the rule's id: TOML syntax first, then each rule.
    let raw: RawFile =
        toml::from_str(src).map_err(|e| PatternError::Parse { file: file.into(), message: e.to_string() })?;
    let rules = raw
        .rule
        .into_iter()
        .enumerate()
        .map(|(i, table)| {
            let id = match table.get("id") {
                Some(toml::Value::String(id)) => id.clone(),
                _ => format!("#{} (no id)", i + 1),
            };
            let r = RawRule::deserialize(toml::Value::Table(table)).map_err(|e| PatternError::Invalid {
                file: file.into(),
                id,
                problem: e.message().trim().to_string(),
            })?;
            check_rule(file, r)
        })
        .collect::<Result<Vec<_>, _>>()?;
    check_unique(&rules)?;
    Ok(rules)
}

fn check_rule(file: &str, r: RawRule) -> Result<Rule, PatternError> {
    let bad = |problem: String| PatternError::Invalid { file: file.into(), id: r.id.clone(), problem };
    if r.id.is_empty() || !r.id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
        return Err(bad("id must be non-empty lower-case ASCII letters, digits and '-'".into()));
    }
    if !r.enabled {
        return Ok(Rule {
            id: r.id.as_str().into(),
            description: r.description.unwrap_or_default(),
            validator: Validator::None,
            regex: String::new(),
            priority: r.priority.unwrap_or(DEFAULT_PRIORITY),
            priority_given: r.priority.is_some(),
            kind: None,
            confidence: DEFAULT_CONFIDENCE,
            weights: Vec::new(),
            keywords: None,
            keyword_list: Vec::new(),
            negative_keyword_list: Vec::new(),
            enabled: false,
            examples: r.examples,
            file: file.into(),
        });
    }
    let description = r.description.clone().ok_or_else(|| bad("missing `description`".into()))?;
    let validator_name = r.validator.as_deref().ok_or_else(|| bad("missing `validator`".into()))?;
    let names: Vec<&str> = Validator::ALL.iter().map(|v| v.as_str()).collect();
    let validator = Validator::from_name(validator_name)
        .ok_or_else(|| bad(format!("unknown validator {validator_name:?} (known: {})", names.join(", "))))?;
    let regex = r.regex.clone().ok_or_else(|| bad("missing `regex`".into()))?;
    let compiled = regex_automata::meta::Regex::new(&regex).map_err(|e| {
        let detail = e.syntax_error().map_or_else(|| e.to_string(), |s| s.to_string());
        bad(format!("regex does not compile: {detail}"))
    })?;
    if compiled.is_match("") {
        return Err(bad("regex matches the empty string".into()));
    }

    let generic_only = |field: &str| {
        bad(format!(
            "`{field}` is only for generic validators (none, luhn, mod11, mod97, hetu); validator {:?} scores with patterns/keywords.toml",
            validator.as_str()
        ))
    };
    let kind = match (&r.kind, validator.is_generic()) {
        (None, true) => {
            return Err(bad(format!("validator {:?} needs a `kind` (e.g. kind = \"iban\")", validator.as_str())));
        }
        (None, false) => None,
        (Some(name), true) => {
            let ok = name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
                && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
            if !ok {
                return Err(bad(format!("kind {name:?} must be lower-case ASCII letters, digits, '-' and '_'")));
            }
            if name == "name" {
                return Err(bad("kind \"name\" is reserved for `snoka find`".into()));
            }
            Some(Kind::custom(name))
        }
        (Some(name), false) => {
            if validator.implied_kinds().first().is_some_and(|k| k.as_str() == name)
                && validator != Validator::NationalId
            {
                None
            } else {
                return Err(bad(format!(
                    "validator {:?} decides the kind itself ({}); `kind = {name:?}` needs a generic validator",
                    validator.as_str(),
                    validator.implied_kinds().iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ")
                )));
            }
        }
    };
    if !validator.is_generic() {
        for (set, field) in [
            (r.keywords.is_some(), "keywords"),
            (r.negative_keywords.is_some(), "negative_keywords"),
            (r.confidence.is_some(), "confidence"),
        ] {
            if set {
                return Err(generic_only(field));
            }
        }
    }
    let confidence = match r.confidence {
        None => DEFAULT_CONFIDENCE,
        Some(RawConfidence::Band(b)) => match b.as_str() {
            "low" => 0.3,
            "medium" => DEFAULT_CONFIDENCE,
            "high" => 0.9,
            other => return Err(bad(format!("confidence {other:?} must be low, medium, high or a number 0.0-1.0"))),
        },
        Some(RawConfidence::Score(s)) if (0.0..=1.0).contains(&s) => s as f32,
        Some(RawConfidence::Score(s)) => return Err(bad(format!("confidence {s} is not between 0.0 and 1.0"))),
    };
    let weights = match r.weights {
        None => Vec::new(),
        Some(RawWeights::One(w)) => vec![w],
        Some(RawWeights::Many(w)) => w,
    };
    match (validator, weights.is_empty()) {
        (Validator::Mod11, true) => {
            return Err(bad("validator \"mod11\" needs `weights` (a list, or a list of lists)".into()));
        }
        (Validator::Mod11, false) => {
            if weights.iter().any(|w| w.is_empty() || w.len() > 64 || w.iter().any(|&x| x > 1000)) {
                return Err(bad("`weights` lists must hold 1 to 64 numbers, each at most 1000".into()));
            }
        }
        (_, false) => return Err(bad("`weights` is only for validator \"mod11\"".into())),
        (_, true) => {}
    }
    let keyword_list = r.keywords.map(RawKeywords::into_vec).unwrap_or_default();
    let negative_keyword_list = r.negative_keywords.map(RawKeywords::into_vec).unwrap_or_default();
    let keywords = if keyword_list.is_empty() && negative_keyword_list.is_empty() {
        None
    } else {
        Some(Arc::new(Keywords::for_rule(file, &r.id, &keyword_list, &negative_keyword_list)?))
    };
    Ok(Rule {
        id: r.id.as_str().into(),
        description,
        validator,
        regex,
        priority: r.priority.unwrap_or(DEFAULT_PRIORITY),
        priority_given: r.priority.is_some(),
        kind,
        confidence,
        weights,
        keywords,
        keyword_list,
        negative_keyword_list,
        enabled: true,
        examples: r.examples,
        file: file.into(),
    })
}

/// Loads the built-in rules, sorted by priority, with unique ids.
pub fn builtin_rules() -> Result<Vec<Rule>, PatternError> {
    let mut rules = Vec::new();
    for (file, src) in BUILTIN_RULES {
        rules.extend(parse_rules(&format!("{BUILTIN_PREFIX}{file}"), src)?);
    }
    check_unique(&rules)?;
    rules.retain(|r| r.enabled);
    rules.sort_by_key(|r| r.priority);
    Ok(rules)
}

/// Loads every `*.toml` file in `dir` (sorted by name; keyword files are
/// not rule files and are not looked for here). Ids must be unique within
/// the folder. Each rule's `file` is its path.
pub fn load_dir(dir: &Path) -> Result<Vec<Rule>, PatternError> {
    let io = |file: &Path, e: std::io::Error| PatternError::Parse {
        file: file.display().to_string(),
        message: format!("cannot read: {e}"),
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| io(dir, e))? {
        let path = entry.map_err(|e| io(dir, e))?.path();
        if path.extension().is_some_and(|x| x == "toml") && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    if files.is_empty() {
        return Err(PatternError::Parse {
            file: dir.display().to_string(),
            message: "no *.toml rule files in this folder".into(),
        });
    }
    let mut rules = Vec::new();
    for path in files {
        let bytes = std::fs::read(&path).map_err(|e| io(&path, e))?;
        let name = path.display().to_string();
        let src = String::from_utf8(bytes)
            .map_err(|_| PatternError::Parse { file: name.clone(), message: "not UTF-8".into() })?;
        rules.extend(parse_rules(&name, &src)?);
    }
    check_unique(&rules)?;
    Ok(rules)
}

/// Adds `extra` to `base`: a rule whose id is already there replaces it
/// (keeping its priority unless it sets one; `enabled = false` removes
/// it), a new id is added. The result is sorted by priority (ties keep
/// their order).
pub fn merge(mut base: Vec<Rule>, extra: Vec<Rule>) -> Vec<Rule> {
    for mut rule in extra {
        match base.iter().position(|b| b.id == rule.id) {
            Some(i) => {
                if !rule.priority_given {
                    rule.priority = base[i].priority;
                }
                if rule.enabled {
                    base[i] = rule;
                } else {
                    base.remove(i);
                }
            }
            None if rule.enabled => base.push(rule),
            None => {}
        }
    }
    base.sort_by_key(|r| r.priority);
    base
}

/// The built-in rules with the rules of each folder in `dirs` merged in, in
/// order (a later folder overrides an earlier one).
pub fn load_rules(dirs: &[impl AsRef<Path>]) -> Result<Vec<Rule>, PatternError> {
    let mut rules = builtin_rules()?;
    for dir in dirs {
        rules = merge(rules, load_dir(dir.as_ref())?);
    }
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

    fn err(src: &str) -> String {
        parse_rules("x.toml", src).expect_err("bad").to_string()
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
        let m = e.to_string();
        assert!(m.contains("z.toml") && m.contains("\"c\"") && m.contains("unknown field `extra`"), "{m}");
        let m = err("[[rule]]\nid='d'\ndescription='d'\nvalidator='email'\nregex='a'\npriority='high'");
        assert!(m.contains("\"d\"") && m.contains("priority") || m.contains("invalid type"), "{m}");
        let m = err("[[rule]]\ndescription='d'");
        assert!(m.contains("#1 (no id)") && m.contains("missing field `id`"), "{m}");
        let m = err("[[rule]]\nid='f'\ndescription='d'\nvalidator='email'\nregex='[0-9'");
        assert!(m.contains("unclosed character class"), "{m}");
    }

    #[test]
    fn generic_rule_fields_are_checked() {
        let base = "[[rule]]\nid='k'\ndescription='d'\nregex='K[0-9]{6}'\n";
        assert!(err(&format!("{base}validator='none'")).contains("needs a `kind`"));
        assert!(err(&format!("{base}validator='none'\nkind='Kund'")).contains("lower-case"));
        assert!(err(&format!("{base}validator='mod11'\nkind='k'")).contains("needs `weights`"));
        assert!(err(&format!("{base}validator='luhn'\nkind='k'\nweights=[1]")).contains("only for validator"));
        assert!(err(&format!("{base}validator='none'\nkind='k'\nconfidence='sure'")).contains("confidence"));
        assert!(err(&format!("{base}validator='none'\nkind='k'\nconfidence=2.0")).contains("between"));
        assert!(err(&format!("{base}validator='email'\nkeywords=['x']")).contains("only for generic"));
        assert!(err(&format!("{base}validator='phone'\nkind='iban'")).contains("decides the kind"));
        assert!(err(&format!("{base}validator='none'\nkind='k'\nkeywords=['Kund']")).contains("lower-case"));
        assert!(
            err("[[rule]]\nid='e'\ndescription='d'\nvalidator='none'\nkind='k'\nregex='a*'").contains("empty string")
        );
        let dup = format!("{base}validator='none'\nkind='k'\n{base}validator='none'\nkind='k'\n");
        assert!(err(&dup).contains("duplicate id"));
    }

    #[test]
    fn generic_rule_parses() {
        let src = "[[rule]]\nid='kund'\ndescription='d'\nregex='K[0-9]{6}'\nvalidator='mod11'\nkind='kundnummer'\n\
                   weights=[[1,2,3],[3,2,1]]\nconfidence='high'\nkeywords.sv=['kund']\nkeywords.en=['customer']\n\
                   negative_keywords=['test']";
        let r = &parse_rules("x.toml", src).expect("valid")[0];
        assert_eq!(r.kind, Some(Kind::custom("kundnummer")));
        assert_eq!(r.kind_names(), "kundnummer");
        assert_eq!(r.weights.len(), 2);
        assert!((r.confidence - 0.9).abs() < 1e-6);
        assert_eq!(r.keyword_list, vec!["customer", "kund"]); // languages in name order
        assert!(r.keywords.is_some());
        // Built-in kind names map to the built-in kind, so --kinds selects them.
        let src = "[[rule]]\nid='x'\ndescription='d'\nregex='x@y'\nvalidator='none'\nkind='email'";
        assert_eq!(parse_rules("x.toml", src).expect("valid")[0].kind, Some(Kind::Email));
    }

    #[test]
    fn merge_replaces_by_id_and_keeps_priority() {
        let base = builtin_rules().expect("built-in");
        let n = base.len();
        let extra = parse_rules(
            "x.toml",
            "[[rule]]\nid='email'\ndescription='strict'\nvalidator='email'\nregex='[a-z]+@exempel[.]se'\n\
             [[rule]]\nid='phone-dk'\nenabled=false\n\
             [[rule]]\nid='kund'\ndescription='d'\nvalidator='none'\nkind='kundnummer'\nregex='K[0-9]{6}'",
        )
        .expect("valid");
        let merged = merge(base, extra);
        assert_eq!(merged.len(), n); // one replaced, one removed, one added
        let email = merged.iter().find(|r| &*r.id == "email").expect("email");
        assert_eq!((email.description.as_str(), email.priority, email.file.as_str()), ("strict", 70, "x.toml"));
        assert!(merged.iter().all(|r| &*r.id != "phone-dk"));
        assert_eq!(merged.last().map(|r| &*r.id), Some("kund"));
    }
}
