//! Many files: a client/month folder tree, zip bundles and PATHs with nothing
//! readable, through `medrecon run` (REAL_FORMATS.md §1, issue 14 item 7).

use assert_cmd::Command;
use predicates::prelude::*;
use std::io::Write;
use std::path::{Path, PathBuf};

fn medrecon() -> Command {
    Command::cargo_bin("medrecon").expect("binary builds")
}

fn sample(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(name)
}

const XLSX: &str = "增减员_瑞达咨询.xlsx";
const CSV: &str = "2025年10月社保增减员表_华信科技.csv";

/// `run` on some PATHs into `out`; returns its stderr.
fn run(paths: &[PathBuf], out: &Path) -> String {
    let a = medrecon()
        .arg("run")
        .args(paths)
        .args(["--as-of", "2026-11-22", "--quiet", "--out"])
        .arg(out)
        .assert()
        .success();
    String::from_utf8_lossy(&a.get_output().stderr).into_owned()
}

fn report(out: &Path, name: &str) -> Vec<u8> {
    std::fs::read(out.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn same_reports(a: &Path, b: &Path) {
    for name in ["persons.csv", "gaps.csv"] {
        assert!(report(a, name) == report(b, name), "{name} differs");
    }
}

/// clients/a/2025-10/x.xlsx, clients/b/2025-11/y.csv, an owner file and a hidden one.
fn tree(root: &Path) -> (PathBuf, Vec<PathBuf>) {
    let clients = root.join("clients");
    let a = clients.join("a/2025-10");
    let b = clients.join("b/2025-11");
    std::fs::create_dir_all(&a).unwrap();
    std::fs::create_dir_all(&b).unwrap();
    std::fs::create_dir_all(clients.join(".cache")).unwrap();
    std::fs::copy(sample(XLSX), a.join("x.xlsx")).unwrap();
    std::fs::copy(sample(CSV), b.join("y.csv")).unwrap();
    std::fs::write(a.join("~$x.xlsx"), b"owner").unwrap();
    std::fs::write(b.join(".y.csv.swp"), b"hidden").unwrap();
    std::fs::copy(sample(CSV), clients.join(".cache/old.csv")).unwrap();
    (clients, vec![a.join("x.xlsx"), b.join("y.csv")])
}

#[test]
fn a_folder_tree_is_its_files_one_by_one_and_the_skipped_are_listed() {
    let tmp = tempfile::tempdir().unwrap();
    let (clients, files) = tree(tmp.path());
    let stderr = run(std::slice::from_ref(&clients), &tmp.path().join("tree"));
    run(&files, &tmp.path().join("files"));
    same_reports(&tmp.path().join("tree"), &tmp.path().join("files"));
    // Printed in the run's language (zh by default); the manifest keeps English.
    for skipped in [
        ".cache：已跳过（隐藏文件）",
        "~$x.xlsx：已跳过（Excel 锁定文件",
        ".y.csv.swp：已跳过（隐藏文件）",
    ] {
        assert!(stderr.contains(skipped), "{skipped} not in {stderr}");
    }
    // The manifest lists them too, and reads the two files in path order.
    let manifest = String::from_utf8(report(&tmp.path().join("tree"), "manifest.json")).unwrap();
    assert!(manifest.contains("~$x.xlsx: skipped"), "{manifest}");
    let x = manifest.find("x.xlsx\"").unwrap();
    let y = manifest.find("y.csv\"").unwrap();
    assert!(x < y);
}

#[test]
fn an_empty_tree_exits_1_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let empty = tmp.path().join("clients");
    std::fs::create_dir_all(empty.join("a/2025-10")).unwrap();
    std::fs::write(empty.join("a/2025-10/~$x.xlsx"), b"owner").unwrap();
    medrecon()
        .arg("run")
        .arg(&empty)
        .args(["--as-of", "2026-11-22", "--quiet", "--out"])
        .arg(tmp.path().join("out"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains(empty.display().to_string()))
        .stderr(predicate::str::contains("no readable export"));
    // The same for --ledger and --ui folders.
    for option in ["--ledger", "--ui"] {
        medrecon()
            .arg("run")
            .arg(sample(CSV))
            .args(["--as-of", "2026-11-22", "--quiet", option])
            .arg(&empty)
            .arg("--out")
            .arg(tmp.path().join("out"))
            .assert()
            .code(1)
            .stderr(predicate::str::contains("no readable export"));
    }
}

fn write_zip(path: &Path, entries: &[(&str, &[u8])]) {
    let mut z = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    for (i, (name, bytes)) in entries.iter().enumerate() {
        let method = if i % 2 == 0 {
            zip::CompressionMethod::Deflated
        } else {
            zip::CompressionMethod::Stored
        };
        let opts = zip::write::SimpleFileOptions::default().compression_method(method);
        z.start_file(*name, opts).unwrap();
        z.write_all(bytes).unwrap();
    }
    z.finish().unwrap();
}

#[test]
fn a_zip_bundle_is_its_files() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, files) = tree(tmp.path());
    let bundle = tmp.path().join("bundle.zip");
    let xlsx = std::fs::read(&files[0]).unwrap();
    let csv = std::fs::read(&files[1]).unwrap();
    write_zip(
        &bundle,
        &[
            ("b/2025-11/y.csv", &csv),
            ("a/2025-10/x.xlsx", &xlsx),
            ("a/2025-10/~$x.xlsx", b"owner"),
            ("__MACOSX/a/._x.xlsx", b"junk"),
        ],
    );
    let stderr = run(std::slice::from_ref(&bundle), &tmp.path().join("zip"));
    run(&files, &tmp.path().join("files"));
    same_reports(&tmp.path().join("zip"), &tmp.path().join("files"));
    assert!(
        stderr.contains("bundle.zip!a/2025-10/~$x.xlsx：已跳过（Excel 锁定文件"),
        "{stderr}"
    );
    // Entries are named bundle.zip!path in the manifest (and rejects).
    let manifest = String::from_utf8(report(&tmp.path().join("zip"), "manifest.json")).unwrap();
    assert!(
        manifest.contains("bundle.zip!a/2025-10/x.xlsx"),
        "{manifest}"
    );
    let rejects = String::from_utf8(report(&tmp.path().join("zip"), "rejects.csv")).unwrap();
    assert!(rejects.contains("bundle.zip!"), "{rejects}");
}

#[test]
fn a_zip_with_an_entry_outside_it_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let bundle = tmp.path().join("evil.zip");
    let csv = std::fs::read(sample(CSV)).unwrap();
    write_zip(&bundle, &[("ok.csv", &csv), ("../evil.csv", &csv)]);
    medrecon()
        .arg("run")
        .arg(&bundle)
        .args(["--as-of", "2026-11-22", "--quiet", "--out"])
        .arg(tmp.path().join("out"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("evil.zip"))
        .stderr(predicate::str::contains("../evil.csv"))
        .stderr(predicate::str::contains("outside the bundle"));
}

/// Under `--lang en` the skipped files are printed in English, as the
/// manifest lists them in every language.
#[test]
fn skipped_files_are_printed_in_english_under_lang_en() {
    let tmp = tempfile::tempdir().unwrap();
    let (clients, _) = tree(tmp.path());
    let a = medrecon()
        .arg("run")
        .arg(&clients)
        .args(["--as-of", "2026-11-22", "--quiet", "--lang", "en", "--out"])
        .arg(tmp.path().join("en"))
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&a.get_output().stderr).into_owned();
    for skipped in [
        ".cache: skipped (hidden)",
        "~$x.xlsx: skipped (an Excel owner (lock) file, not an export)",
        ".y.csv.swp: skipped (hidden)",
    ] {
        assert!(stderr.contains(skipped), "{skipped} not in {stderr}");
    }
    assert!(!stderr.contains("已跳过"), "{stderr}");
}
