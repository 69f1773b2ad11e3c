//! Issue 18 item 7: what medrecon prints and writes cites only pages that ship
//! with the repository (`docs/…`), never the team's shared/ files (SPEC.md,
//! POLICY_SOURCES.md, REAL_FORMATS.md) that a user who clones it does not have;
//! and every `docs/…` path it cites exists.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn medrecon() -> Command {
    let mut c = Command::cargo_bin("medrecon").expect("binary builds");
    c.current_dir(root());
    c
}

fn stdout_of(args: &[&str]) -> String {
    let out = medrecon().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

const OUTSIDE: [&str; 5] = [
    "SPEC",
    "shared/",
    "POLICY_SOURCES",
    "REAL_FORMATS",
    "DESIGN.md",
];

/// Every `docs/….md` path in `text`.
fn docs_paths(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("docs/") {
        let tail = &rest[i..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '/' | '.' | '-' | '_')))
            .unwrap_or(tail.len());
        let path = tail[..end].trim_end_matches('.');
        if path.ends_with(".md") {
            out.push(path.to_string());
        }
        rest = &tail[end.max(5)..];
    }
    out
}

fn check(what: &str, text: &str, cited: &mut Vec<String>) {
    for bad in OUTSIDE {
        if let Some(i) = text.find(bad) {
            let from = text[..i].char_indices().rev().nth(60).map_or(0, |(j, _)| j);
            let to = (i + 80).min(text.len());
            let to = (to..=text.len())
                .find(|&j| text.is_char_boundary(j))
                .unwrap();
            panic!("{what} cites {bad}: …{}…", &text[from..to]);
        }
    }
    cited.extend(docs_paths(text));
}

#[test]
fn help_explain_policy_and_reports_cite_only_the_repository_docs() {
    let mut cited = Vec::new();
    for args in [
        &["--help"][..],
        &["run", "--help"],
        &["validate", "--help"],
        &["explain", "--help"],
        &["policy", "--help"],
        &["generate", "--help"],
        &["policy", "list"],
        &["policy", "check"],
    ] {
        check(&format!("{args:?}"), &stdout_of(args), &mut cited);
    }
    for pack in std::fs::read_dir(root().join("schemas/policies")).unwrap() {
        let name = pack.unwrap().file_name().into_string().unwrap();
        if let Some(code) = name
            .strip_suffix(".toml")
            .filter(|c| !c.ends_with(".tests"))
        {
            check(
                &format!("policy show {code}"),
                &stdout_of(&["policy", "show", code]),
                &mut cited,
            );
        }
    }
    // A run over the samples: every report file, and an explain of a person in
    // them with gaps (its flags name the rules).
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let run = stdout_of(&[
        "run",
        "samples",
        "--as-of",
        "2026-11-22",
        "--ledger",
        "samples/ledger",
        "--ui",
        "samples/ui",
        "--format",
        "csv,xlsx",
        "--no-mask",
        "--out",
        out.to_str().unwrap(),
    ]);
    check("run", &run, &mut cited);
    for f in std::fs::read_dir(&out).unwrap() {
        let path = f.unwrap().path();
        if path.extension().is_some_and(|e| e == "csv" || e == "json") {
            check(
                &path.display().to_string(),
                &std::fs::read_to_string(&path).unwrap(),
                &mut cited,
            );
        }
    }
    let gaps = std::fs::read_to_string(out.join("gaps.csv")).unwrap();
    let person = gaps
        .lines()
        .nth(1)
        .and_then(|l| l.split(',').next())
        .expect("the samples have a gap")
        .trim_start_matches('\u{feff}')
        .to_string();
    // explain in each language cites the pages of that language.
    for (lang, cites, not) in [
        ("zh", "docs/zh/rules.md 规则", "docs/en/"),
        ("en", "docs/en/rules.md rule", "docs/zh/"),
    ] {
        let explain = stdout_of(&[
            "explain",
            &person,
            "samples",
            "--as-of",
            "2026-11-22",
            "--ledger",
            "samples/ledger",
            "--ui",
            "samples/ui",
            "--lang",
            lang,
        ]);
        check("explain", &explain, &mut cited);
        assert!(explain.contains(cites), "{explain}");
        assert!(!explain.contains(not), "{explain}");
    }
    // Each page cited is in the repository, in both languages.
    cited.sort();
    cited.dedup();
    assert!(!cited.is_empty());
    for path in &cited {
        assert!(root().join(path).is_file(), "{path} is cited but missing");
        if let Some(page) = path.strip_prefix("docs/en/") {
            assert!(
                Path::new(&root()).join("docs/zh").join(page).is_file(),
                "{path} has no Chinese page"
            );
        }
    }
}
