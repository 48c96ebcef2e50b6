//! Every built-in rule file loads, rule ids are unique, and every example
//! in `patterns/*.toml` (and in the example folder `patterns/examples/`)
//! behaves as the file says: `match` examples yield a finding from that
//! rule at the default confidence (medium or above), `no_match` examples
//! none at that confidence. Then user rules through `--patterns`: found
//! with their kind, overriding built-ins by id, precise errors, and
//! `snoka rules`.

use std::path::Path;

use assert_cmd::Command;
use snoka::detect::date::Date;
use snoka::detect::pattern::{BUILTIN_RULES, builtin_rules, parse_rules};
use snoka::{Engine, Kind};
use tempfile::TempDir;

const TODAY: Date = Date { year: 2026, month: 11, day: 22 };
const HEADER: &str = "path,member,kind,value,normalized,location,confidence,rule,reason";

fn engine() -> Engine {
    Engine::builtin().expect("built-in rules load").with_today(TODAY)
}

fn snoka() -> Command {
    Command::cargo_bin("snoka").expect("binary builds")
}

/// A temporary tree from `(relative path, contents)` pairs.
fn tree(files: &[(&str, &str)]) -> TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (p, body) in files {
        let path = dir.path().join(p);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, body).expect("write");
    }
    dir
}

/// Runs snoka in `dir`: (exit code, stdout, stderr).
fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = snoka().current_dir(dir).args(args).output().expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
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
    for rule in eng.rules() {
        assert!(!rule.examples.matches.is_empty(), "rule {} has no match examples", rule.id);
    }
    let failures = eng.check_examples();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn example_folder_rules_load_and_their_examples_pass() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("patterns/examples");
    let eng = Engine::with_patterns(&[&dir]).unwrap_or_else(|e| panic!("{e}")).with_today(TODAY);
    let builtin = engine().rules().len();
    assert_eq!(eng.rules().len(), builtin + 4);
    for (id, kind) in
        [("no-fodselsnummer", "fodselsnummer"), ("fi-hetu", "hetu"), ("iban", "iban"), ("kundnummer", "kundnummer")]
    {
        let r = eng.rules().iter().find(|r| &*r.id == id).unwrap_or_else(|| panic!("{id} loaded"));
        assert_eq!(r.kind_names(), kind);
        assert!(!r.examples.matches.is_empty() && !r.examples.no_match.is_empty(), "{id} has examples");
    }
    let failures = eng.check_examples();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

const IBAN_RULE: &str = r#"
[[rule]]
id = "iban"
kind = "iban"
description = "IBAN"
validator = "mod97"
regex = '''(?-u:\b)[A-Z]{2}[0-9]{2}(?: ?[0-9A-Z]{4}){2,7}(?: ?[0-9A-Z]{1,3})?(?-u:\b)'''
keywords.sv = ["kontonummer"]
keywords.en = ["iban"]

[rule.examples]
match = ["IBAN SE45 5000 0000 0583 9825 7466"]
"#;

#[test]
fn rule_added_through_patterns_is_found_with_its_kind() {
    let dir = tree(&[
        ("rules/iban.toml", IBAN_RULE),
        ("data/a.txt", "Kontonummer: SE45 5000 0000 0583 9825 7466\nFel: SE45 5000 0000 0583 9825 7467\n"),
    ]);
    let (code, out, err) = run(dir.path(), &["scan", "data", "--patterns", "rules", "--show-values"]);
    assert_eq!(code, 1, "{err}");
    let rows: Vec<&str> = out.lines().collect();
    assert_eq!(rows[0], HEADER);
    assert_eq!(
        rows[1..],
        [
            "data/a.txt,,iban,SE45 5000 0000 0583 9825 7466,SE4550000000058398257466,\"line 1, column 14\",high,iban,mod97;keyword:kontonummer"
        ],
        "{out}"
    );
    assert!(err.contains("iban 1"), "{err}");
    // Masked by default, JSON Lines too.
    let (_, out, _) = run(dir.path(), &["scan", "data", "--patterns", "rules", "-f", "jsonl"]);
    assert!(out.contains(r#""kind":"iban""#) && out.contains("SE45 50XX XXXX XXXX XXXX XXXX"), "{out}");
    assert!(!out.contains("9825"), "{out}");
    // Without --patterns the built-in rules do not know IBANs.
    let (code, out, _) = run(dir.path(), &["scan", "data"]);
    assert_eq!((code, out.trim()), (0, HEADER));
    // --kinds selects built-in kinds only.
    let (code, _, _) = run(dir.path(), &["scan", "data", "--patterns", "rules", "--kinds", "email"]);
    assert_eq!(code, 0);
}

#[test]
fn override_by_id_replaces_or_disables_a_builtin_rule() {
    let strict = r#"
[[rule]]
id = "email"
description = "Only our own domain"
validator = "email"
regex = '''[a-z.]+@firma[.]se'''

[[rule]]
id = "phone-dk"
enabled = false
"#;
    let text = "anna@exempel.se\nbo.berg@firma.se\nTlf. 20 12 34 56\n";
    let dir = tree(&[("rules/strict.toml", strict), ("data/a.txt", text)]);
    let (_, before, _) = run(dir.path(), &["scan", "data"]);
    assert!(before.contains("a***@exempel.se") && before.contains("phone-dk"), "{before}");
    let (code, out, err) = run(dir.path(), &["scan", "data", "--patterns", "rules"]);
    assert_eq!(code, 1, "{err}");
    assert!(out.contains("b***@firma.se"), "{out}");
    assert!(!out.contains("exempel.se") && !out.contains("phone-dk"), "{out}");
    // snoka rules shows the replacement, its source, and the kept priority.
    let (code, out, _) = run(dir.path(), &["rules", "--patterns", "rules"]);
    assert_eq!(code, 0);
    let email = out.lines().find(|l| l.starts_with("email,")).expect("email listed");
    assert!(
        email.contains(",70,") && email.contains("strict.toml") && email.contains("Only our own domain"),
        "{email}"
    );
    assert!(!out.contains("phone-dk"), "{out}");
}

#[test]
fn an_invalid_rule_file_gives_a_precise_error() {
    let rule = |extra: &str| format!("[[rule]]\nid = \"kund\"\ndescription = \"d\"\nkind = \"kundnummer\"\n{extra}\n");
    let cases = [
        (rule("validator = \"mod12\"\nregex = 'K[0-9]{8}'"), "unknown validator \"mod12\""),
        (rule("validator = \"none\"\nregex = 'K[0-9'"), "regex does not compile"),
        (rule("validator = \"none\"\nregex = 'K[0-9]{8}'\ncolour = 1"), "unknown field `colour`"),
        (rule("validator = \"mod11\"\nregex = 'K[0-9]{8}'"), "needs `weights`"),
        (rule("validator = \"none\"\nregex = 'K[0-9]{8}'\nconfidence = \"sure\""), "confidence \"sure\""),
        (rule("validator = \"phone\"\nregex = 'K[0-9]{8}'"), "decides the kind itself"),
        (rule("regex = 'K[0-9]{8}'"), "missing `validator`"),
    ];
    for (src, problem) in cases {
        let dir = tree(&[("rules/kund.toml", &src), ("data/a.txt", "K12345674\n")]);
        for cmd in [&["scan", "data", "--patterns", "rules"][..], &["rules", "--patterns", "rules"][..]] {
            let (code, out, err) = run(dir.path(), cmd);
            assert_eq!(code, 2, "{cmd:?} {src}: {err}");
            assert!(out.is_empty(), "no report with a bad rule file: {out}");
            let file = Path::new("rules").join("kund.toml").display().to_string();
            assert!(
                err.contains(&format!("{file}: rule \"kund\": ")) && err.contains(problem),
                "{cmd:?}: expected file, id and {problem:?} in: {err}"
            );
        }
    }
    // The same id twice in one folder names both files.
    let src = rule("validator = \"none\"\nregex = 'K[0-9]{8}'");
    let dir = tree(&[("rules/a.toml", &src), ("rules/b.toml", &src)]);
    let (code, _, err) = run(dir.path(), &["rules", "--patterns", "rules"]);
    assert_eq!(code, 2);
    assert!(err.contains("b.toml: rule \"kund\": duplicate id (also in rules") && err.contains("a.toml"), "{err}");
    // TOML syntax errors name the file and line; a missing folder is named.
    let dir = tree(&[("rules/a.toml", "[[rule]\nid = 1")]);
    let (code, _, err) = run(dir.path(), &["rules", "--patterns", "rules"]);
    assert_eq!(code, 2);
    assert!(err.contains("a.toml") && err.contains("line 1"), "{err}");
    let (code, _, err) = run(dir.path(), &["scan", ".", "--patterns", "nowhere"]);
    assert_eq!(code, 2);
    assert!(err.contains("nowhere: cannot read"), "{err}");
}

#[test]
fn rules_lists_builtin_and_custom_rules_and_checks_examples() {
    let dir = tree(&[("rules/iban.toml", IBAN_RULE)]);
    let (code, out, err) = run(dir.path(), &["rules"]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "id,kind,validator,priority,source,description");
    assert!(
        lines[1]
            .starts_with("national-id,personnummer|samordningsnummer|cpr,national-id,10,built-in:national-id.toml,")
    );
    assert_eq!(lines.len(), 1 + engine().rules().len());

    let (code, out, err) = run(dir.path(), &["rules", "--patterns", "rules", "--check"]);
    assert_eq!(code, 0, "{err}");
    let file = Path::new("rules").join("iban.toml").display().to_string();
    assert!(out.contains(&format!("iban,iban,mod97,100,{file},IBAN")), "{out}");
    assert!(err.contains("examples passed"), "{err}");

    // A failing example: exit 2 and the rule, file and text on stderr.
    let broken = IBAN_RULE.replace("7466\"]", "7466\"]\nno_match = [\"SE45 5000 0000 0583 9825 7466\"]");
    let dir = tree(&[("rules/iban.toml", &broken)]);
    let (code, _, err) = run(dir.path(), &["rules", "--patterns", "rules", "--check"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(&format!("{file}: rule \"iban\": no_match example")), "{err}");
}

#[test]
fn user_kind_with_a_builtin_name_is_that_kind() {
    let src = "[[rule]]\nid = \"intern-mail\"\nkind = \"email\"\ndescription = \"d\"\nvalidator = \"none\"\n\
               regex = '''(?-u:\\b)[a-z]+ at firma dot se'''\nconfidence = \"high\"";
    let rules = parse_rules("x.toml", src).expect("valid");
    assert_eq!(rules[0].kind, Some(Kind::Email));
    let eng = Engine::new(
        snoka::detect::pattern::merge(builtin_rules().expect("built-in"), rules),
        snoka::detect::builtin_keywords().expect("keywords"),
        TODAY,
    )
    .expect("compiles");
    let mut out = Vec::new();
    eng.detect("skriv till anna at firma dot se", &mut out);
    assert_eq!(out.len(), 1);
    assert_eq!((out[0].kind, &*out[0].rule, out[0].reason.as_str()), (Kind::Email, "intern-mail", "regex"));
}

#[test]
fn user_rules_see_text_without_digits() {
    // The scan skips text without digits, `@` or `:` for the built-in
    // rules; a user rule may match such text.
    let src = "[[rule]]\nid = \"kodnamn\"\nkind = \"kodnamn\"\ndescription = \"d\"\nvalidator = \"none\"\n\
               regex = 'PROJEKT-[A-Z]{4}'\nconfidence = \"high\"\n";
    let dir = tree(&[("rules/k.toml", src), ("data/a.txt", "Se PROJEKT-ABCD.\n")]);
    let (code, out, err) = run(dir.path(), &["scan", "data", "--patterns", "rules", "--show-values"]);
    assert_eq!(code, 1, "{err}");
    let row = "data/a.txt,,kodnamn,PROJEKT-ABCD,PROJEKT-ABCD,\"line 1, column 4\",high,kodnamn,regex";
    assert!(out.contains(row), "{out}");
}
