//! `medrecon policy list | show REGION` through the real binary.

use assert_cmd::Command;
use predicates::prelude::*;

fn medrecon() -> Command {
    Command::cargo_bin("medrecon").unwrap()
}

#[test]
fn list_shows_every_shipped_pack() {
    let out = medrecon().args(["policy", "list"]).assert().success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    for code in ["national", "beijing", "shanghai", "guangzhou", "shenzhen"] {
        assert!(
            text.lines().any(|l| l.starts_with(code)),
            "{code} missing:\n{text}"
        );
    }
    assert!(text.contains("110000"));
    assert!(text.contains("2024-07..2025-06"));
    assert!(text.contains("rules from 1998-12"));
    for code in ["chengdu", "chongqing", "tianjin", "hangzhou"] {
        assert!(
            text.lines().any(|l| l.starts_with(code)),
            "{code} missing:\n{text}"
        );
    }
}

#[test]
fn show_by_chinese_name_prints_values_grades_and_sources() {
    medrecon()
        .args(["policy", "show", "北京市"])
        .assert()
        .success()
        .stdout(predicate::str::contains("rules 1998-12..2021-10"))
        .stdout(predicate::str::contains("version 2025-07..2026-06"))
        .stdout(predicate::str::contains(
            "floor                              7162       official",
        ))
        .stdout(predicate::str::contains(
            "cap                                35811      official",
        ))
        .stdout(predicate::str::contains(
            "employer_rate                      0.098      secondary",
        ))
        .stdout(predicate::str::contains(
            "round(round(11937 × 0.7, 0) × 0.07, 2) = 584.92",
        ))
        .stdout(predicate::str::contains(
            "waiver 2025-07..2025-12 paid by 2025-12-31",
        ))
        .stdout(predicate::str::contains("社会保险法"));
}

#[test]
fn check_lists_every_value_below_official() {
    let out = medrecon().args(["policy", "check"]).assert().success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(
        text.lines()
            .any(|l| l
                .starts_with("beijing money 2024-07..2025-06 employer_rate = 0.098: secondary")),
        "{text}"
    );
    assert!(
        !text
            .lines()
            .any(|l| l.starts_with("beijing money 2024-07..2025-06 floor")),
        "{text}"
    );
    let last = text.lines().last().unwrap();
    assert!(
        last.ends_with("value(s) below official in 9 pack(s)"),
        "{last}"
    );
    let n: usize = last.split(' ').next().unwrap().parse().unwrap();
    assert_eq!(n, text.lines().count() - 1);
}

#[test]
fn show_unknown_region_fails() {
    medrecon()
        .args(["policy", "show", "火星"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no policy pack for region `火星`"));
}

#[test]
fn broken_user_pack_names_file_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mine.toml");
    std::fs::write(
        &path,
        "code = \"mine\"\nname = \"我的\"\n[[versions]]\nfrom = \"2024-01\"\nsource = \"t\"\nfloor = \"1000\"\ncap = \"lots\"\n",
    )
    .unwrap();
    medrecon()
        .args(["policy", "list", "--policy"])
        .arg(&path)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("mine.toml"))
        .stderr(predicate::str::contains("versions[0].cap"));
}
