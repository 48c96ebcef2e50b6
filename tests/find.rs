//! `snoka find`: every written form finds the subject, look-alikes do not,
//! batch mode finds what one-by-one finds, exit codes, masking, the files
//! list with --print0, and the --copy-to access package.

use std::io::Write;
use std::path::Path;

use assert_cmd::Command;
use tempfile::TempDir;

fn snoka() -> Command {
    Command::cargo_bin("snoka").expect("binary builds")
}

/// A temporary tree from `(relative path, contents)` pairs.
fn tree(files: &[(&str, &[u8])]) -> TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (p, body) in files {
        let path = dir.path().join(p);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, body).expect("write");
    }
    dir
}

fn find(dir: &Path, args: &[&str]) -> (i32, String, String) {
    find_stdin(dir, args, "")
}

fn find_stdin(dir: &Path, args: &[&str], stdin: &str) -> (i32, String, String) {
    let out = snoka().current_dir(dir).arg("find").args(args).write_stdin(stdin).output().expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn zip_bytes(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in members {
        w.start_file(*name, zip::write::SimpleFileOptions::default()).expect("start");
        w.write_all(data).expect("write");
    }
    w.finish().expect("finish").into_inner()
}

/// Rows of a CSV report without the header, as (subject, path, member, kind, value).
fn rows(csv: &str) -> Vec<Vec<String>> {
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    r.records().map(|rec| rec.expect("csv row").iter().map(String::from).collect()).collect()
}

const ANNA_TOML: &str = "id = 'anna'\nname = 'Anna Maria Lindqvist'\npersonnummer = '19811218-9876'\n\
                         email = ['anna.lindqvist@exempel.se', 'anna.l@example.com']\nphone = '070-174 06 05'\n";

/// One file per written form, plus look-alikes that must not match.
fn share() -> TempDir {
    tree(&[
        ("forms/pnr12.txt", b"Personnummer: 19811218-9876\n"),
        ("forms/pnr10.txt", b"pnr 811218-9876\n"),
        ("forms/bare10.csv", b"id,nummer\n1,8112189876\n"),
        ("forms/bare12.txt", b"198112189876\n"),
        ("forms/space.txt", b"811218 9876\n"),
        ("forms/phone_plus.txt", b"Tel +46 70 174 06 05\n"),
        ("forms/phone_00.txt", b"Tel 0046 70 174 06 05\n"),
        ("forms/phone_trunk.txt", b"Tel +46 (0)70-174 06 05\n"),
        ("forms/email_case.html", b"<a href=\"mailto:Anna.Lindqvist@Exempel.SE\">skriv</a>\n"),
        ("forms/old_email.txt", b"Gammal adress: anna.l@example.com\n"),
        ("forms/name_reversed.txt", b"Lindqvist, Anna\n"),
        ("forms/inner.zip", &zip_bytes(&[("dir/brev.txt", b"Hej Anna Lindqvist! 070-1740605")])),
        ("forms/Anna_Lindqvist_cv.txt", b"Curriculum vitae\n"),
        ("other/namesake.txt", b"Anna Lindqvist, personnummer 19460705-4725\n"),
        ("other/near_miss.txt", b"Personnummer: 811218-9875, tel 070-174 06 06\n"),
        ("other/nobody.txt", b"Bengt Karlsson, 19580126-3053, bengt@exempel.se\n"),
    ])
}

#[test]
fn every_written_form_finds_the_subject_and_look_alikes_do_not() {
    let dir = share();
    std::fs::write(dir.path().join("anna.toml"), ANNA_TOML).expect("write");
    let (code, out, err) = find(dir.path(), &["forms", "other", "--subject", "anna.toml", "--show-values"]);
    assert_eq!(code, 1, "found: exit 1; {err}");
    let rows = rows(&out);
    let files = |kind: &str| -> Vec<String> {
        let mut v: Vec<String> = rows.iter().filter(|r| r[3] == kind).map(|r| r[1].clone()).collect();
        v.dedup();
        v
    };
    assert_eq!(
        files("personnummer"),
        vec!["forms/bare10.csv", "forms/bare12.txt", "forms/pnr10.txt", "forms/pnr12.txt", "forms/space.txt"]
    );
    assert_eq!(
        files("phone"),
        vec!["forms/inner.zip", "forms/phone_00.txt", "forms/phone_plus.txt", "forms/phone_trunk.txt"]
    );
    assert_eq!(files("email"), vec!["forms/email_case.html", "forms/old_email.txt"]);
    assert_eq!(
        files("name"),
        vec!["forms/Anna_Lindqvist_cv.txt", "forms/inner.zip", "forms/name_reversed.txt", "other/namesake.txt"]
    );
    let zip_row = rows.iter().find(|r| r[1] == "forms/inner.zip" && r[3] == "phone").expect("member row");
    assert_eq!(zip_row[2], "dir/brev.txt");
    let cv = rows.iter().find(|r| r[1] == "forms/Anna_Lindqvist_cv.txt").expect("file name row");
    assert_eq!(cv[5], "file name");
    // The namesake is reported by name only; the near miss not at all.
    let namesake: Vec<&str> = rows.iter().filter(|r| r[1] == "other/namesake.txt").map(|r| r[3].as_str()).collect();
    assert_eq!(namesake, vec!["name"]);
    assert!(!out.contains("near_miss") && !out.contains("nobody"), "{out}");
    assert!(err.contains("subject anna: ") && err.contains("(3 by name only)"), "{err}");
}

#[test]
fn values_are_masked_unless_asked_for() {
    let dir = share();
    std::fs::write(dir.path().join("anna.toml"), ANNA_TOML).expect("write");
    let (_, out, err) = find(dir.path(), &["forms", "--subject", "anna.toml", "--context", "15"]);
    // Paths are printed as they are (a file may be named after her); every
    // other cell and stderr are masked.
    let cells: Vec<String> = rows(&out).into_iter().flat_map(|r| r.into_iter().skip(3)).collect();
    for secret in ["9876", "Lindqvist", "lindqvist@", "06 05"] {
        assert!(!cells.iter().any(|c| c.contains(secret)) && !err.contains(secret), "{secret} leaked:\n{out}\n{err}");
    }
    assert!(out.contains("19811218-XXXX") && out.contains("a***@exempel.se") && out.contains("A*** L********"));
    assert!(out.lines().next().expect("header").ends_with(",context"));
}

#[test]
fn inline_stdin_and_csv_subjects_agree() {
    let dir = share();
    let args = ["forms", "-f", "files", "-q"];
    let inline = find(
        dir.path(),
        &[
            &args[..],
            &["--id", "anna", "--name", "Anna Maria Lindqvist", "--personnummer", "811218-9876"],
            &["--email", "anna.lindqvist@exempel.se", "--email", "anna.l@example.com", "--phone", "+46701740605"],
        ]
        .concat(),
    );
    let stdin = find_stdin(dir.path(), &[&args[..], &["--subject", "-"]].concat(), ANNA_TOML);
    let csv = "id,name,personnummer,cpr,email,phone\n\
               anna,Anna Maria Lindqvist,8112189876,,anna.lindqvist@exempel.se;anna.l@example.com,0701740605\n";
    let from_csv = find_stdin(dir.path(), &[&args[..], &["--subjects", "-"]].concat(), csv);
    assert_eq!(inline.0, 1, "{}", inline.2);
    assert_eq!(inline.1, stdin.1);
    assert_eq!(inline.1, from_csv.1);
    assert!(inline.1.starts_with("subject,path,member,matches,kinds\nanna,forms/Anna_Lindqvist_cv.txt,,1,name\n"));
}

#[test]
fn batch_finds_the_same_as_one_by_one() {
    let dir = share();
    let csv = "id,name,personnummer,cpr,email,phone\n\
               anna,Anna Maria Lindqvist,19811218-9876,,anna.lindqvist@exempel.se;anna.l@example.com,070-174 06 05\n\
               bengt,Bengt Karlsson,19580126-3053,,bengt@exempel.se,\n\
               other,Anna Lindqvist,19460705-4725,,,\n\
               nobody,Per Persson,,070761-4285,per@eksempel.dk,+45 20 12 34 56\n";
    std::fs::write(dir.path().join("subjects.csv"), csv).expect("write");
    let (code, batch, err) = find(dir.path(), &["forms", "other", "--subjects", "subjects.csv", "-q", "--show-values"]);
    assert_eq!(code, 1, "{err}");
    let mut one_by_one = String::new();
    for (i, line) in csv.lines().enumerate().skip(1) {
        let single = format!("{}\n{line}\n", csv.lines().next().expect("header"));
        let (_, out, _) =
            find_stdin(dir.path(), &["forms", "other", "--subjects", "-", "-q", "--show-values"], &single);
        let body: Vec<&str> = out.lines().skip(1).collect();
        assert!(i != 4 || body.is_empty(), "subject nobody is nowhere: {out}");
        for l in body {
            one_by_one.push_str(l);
            one_by_one.push('\n');
        }
    }
    let batch_body: String = batch.lines().skip(1).map(|l| format!("{l}\n")).collect();
    assert_eq!(batch_body, one_by_one);
    assert!(batch_body.contains("other,other/namesake.txt,,personnummer"), "{batch_body}");
}

#[test]
fn exit_0_when_not_found_and_2_on_bad_subjects() {
    let dir = tree(&[("a.txt", b"Inget om henne.\n")]);
    let (code, out, _) = find(dir.path(), &[".", "--personnummer", "19811218-9876", "-q"]);
    assert_eq!(code, 0);
    assert_eq!(out, "subject,path,member,kind,value,location,confidence,reason\n");
    let (code, _, err) = find(dir.path(), &[".", "--personnummer", "19811218-9875"]);
    assert_eq!(code, 2);
    assert!(err.contains("Luhn") && err.contains("19811218-XXXX") && !err.contains("9875"), "{err}");
    let (code, _, err) = find(dir.path(), &["."]);
    assert_eq!(code, 2);
    assert!(err.contains("no subject given"), "{err}");
}

#[test]
fn print0_lists_each_file_once_for_xargs() {
    let dir = share();
    std::fs::write(dir.path().join("anna.toml"), ANNA_TOML).expect("write");
    let out = snoka()
        .current_dir(dir.path())
        .args(["find", "forms", "--subject", "anna.toml", "-f", "files", "--print0", "-q"])
        .output()
        .expect("runs");
    let list: Vec<&[u8]> = out.stdout.split(|&b| b == 0).filter(|p| !p.is_empty()).collect();
    assert_eq!(list.len(), 13, "{:?}", String::from_utf8_lossy(&out.stdout));
    assert!(list.contains(&&b"forms/inner.zip"[..]));
    assert!(out.stdout.ends_with(b"\0"));
    let (code, _, err) = find(dir.path(), &["forms", "--subject", "anna.toml", "--print0"]);
    assert_eq!(code, 2);
    assert!(err.contains("--format files"), "{err}");
}

#[test]
fn copy_to_builds_an_access_package() {
    let dir = share();
    std::fs::write(dir.path().join("anna.toml"), ANNA_TOML).expect("write");
    let (code, _, err) = find(dir.path(), &["forms", "--subject", "anna.toml", "--copy-to", "forms/pkg"]);
    assert_eq!(code, 2, "refused inside the scanned folder");
    assert!(err.contains("inside the scanned folder"), "{err}");
    assert!(!dir.path().join("forms/pkg").exists());

    let (code, _, err) = find(dir.path(), &["forms", "--subject", "anna.toml", "--copy-to", "pkg", "-q"]);
    assert_eq!(code, 1, "{err}");
    let pkg = dir.path().join("pkg");
    assert_eq!(std::fs::read(pkg.join("forms/pnr12.txt")).expect("copy"), b"Personnummer: 19811218-9876\n");
    assert_eq!(
        std::fs::read(pkg.join("forms/inner.zip!/dir/brev.txt")).expect("member extracted"),
        b"Hej Anna Lindqvist! 070-1740605"
    );
    assert!(!pkg.join("forms/inner.zip").exists(), "the member is copied, not the whole archive");
    assert!(dir.path().join("forms/pnr12.txt").exists(), "copied, never moved");
    let manifest = std::fs::read_to_string(pkg.join("manifest.csv")).expect("manifest");
    let m = rows(&manifest);
    assert_eq!(m.len(), 13, "{manifest}");
    let pnr = m.iter().find(|r| r[3] == "forms/pnr12.txt").expect("row");
    assert_eq!(pnr[0], "anna");
    assert_eq!(pnr[4], "28");
    assert_eq!(pnr[6], "", "no error");
    assert_eq!(pnr[5], "3c8fefe2bce62e6a867606cf05fe8b5dbf36262843981eb820f8d8fae9bda36d", "SHA-256 of the copy");
    let (code, _, err) = find(dir.path(), &["forms", "--subject", "anna.toml", "--copy-to", "pkg"]);
    assert_eq!(code, 2, "an existing package is never overwritten");
    assert!(err.contains("not empty"), "{err}");
}

#[test]
fn binary_files_are_searched_for_text_strings() {
    let mut dump = vec![0u8; 100];
    dump.extend_from_slice(b"kontakt: anna.l@example.com\x00\x01\x02");
    dump.extend_from_slice(&[0xFF; 50]);
    dump.extend_from_slice("Östen 811218-9876\0".as_bytes());
    let dir = tree(&[("dump.bin", &dump)]);
    std::fs::write(dir.path().join("anna.toml"), ANNA_TOML).expect("write");
    let (code, out, err) = find(dir.path(), &[".", "--subject", "anna.toml", "--show-values", "-q"]);
    assert_eq!(code, 1, "{err}");
    let rows = rows(&out);
    let got: Vec<(&str, &str)> = rows.iter().map(|r| (r[3].as_str(), r[5].as_str())).collect();
    assert_eq!(got, vec![("email", "byte offset 100"), ("personnummer", "byte offset 180")], "{out}");
    // scan still skips binary files whole.
    let out = snoka().current_dir(dir.path()).args(["scan", "dump.bin", "-q"]).output().expect("runs");
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1);
}

#[test]
fn first_and_last_name_in_separate_columns() {
    let dir = tree(&[(
        "register.csv",
        "Förnamn;Efternamn;Ort\nAnna;Lindqvist;Växjö\nAnna;Berg;Lindqvist gård\nPer;Lindqvist;Malmö\n".as_bytes(),
    )]);
    let (code, out, err) = find(dir.path(), &["register.csv", "--name", "Anna Lindqvist", "--show-values", "-q"]);
    assert_eq!(code, 1, "{err}");
    let rows = rows(&out);
    let got: Vec<(&str, &str, &str)> = rows.iter().map(|r| (r[4].as_str(), r[5].as_str(), r[7].as_str())).collect();
    assert_eq!(got, vec![("Anna Lindqvist", "row 2, column Efternamn", "name:across-cells")], "{out}");
}
