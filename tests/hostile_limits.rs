//! Issue 17, findings 5, 6 and 10: only regular files are read, `--as-of` is
//! bounded, an empty `--ledger` is an error unless `--ledger-empty-ok`.

use assert_cmd::Command;
use std::fs;
use std::path::Path;
use std::time::Duration;

fn medrecon() -> Command {
    let mut c = Command::cargo_bin("medrecon").expect("binary builds");
    c.timeout(Duration::from_secs(60));
    c
}

const P1: &str = "11010519491231002X";

fn events(dir: &Path) -> std::path::PathBuf {
    fs::create_dir_all(dir).unwrap();
    let path = dir.join("events.csv");
    fs::write(
        &path,
        format!(
            "身份证号,姓名,单位编号,变动类型,变动日期,参保地,缴费基数,离职原因,减员日期\n{P1},张三,E1,入职,2024-03-10,北京,10000,,\n"
        ),
    )
    .unwrap();
    path
}

fn stderr_of(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stderr).into_owned()
}

#[test]
fn as_of_outside_1990_2100_is_a_usage_error() {
    let tmp = tempfile::tempdir().unwrap();
    let input = events(&tmp.path().join("in"));
    for bad in ["9999-12-31", "1989-12-31", "2101-01-01"] {
        let a = medrecon()
            .arg("run")
            .arg(&input)
            .args(["--as-of", bad, "--quiet", "--out"])
            .arg(tmp.path().join("out"))
            .assert()
            .code(2);
        assert!(stderr_of(&a).contains("1990-01-01..2100-12-31"), "{bad}");
    }
    for good in ["1990-01-01", "2100-12-31"] {
        medrecon()
            .arg("run")
            .arg(&input)
            .args(["--as-of", good, "--quiet", "--out"])
            .arg(tmp.path().join(format!("out{good}")))
            .assert()
            .success();
    }
}

#[test]
fn dev_zero_as_input_ledger_or_policy_is_refused_by_name() {
    let tmp = tempfile::tempdir().unwrap();
    let input = events(&tmp.path().join("in"));
    let out = tmp.path().join("out");
    let cases: [(&str, Vec<&str>); 4] = [
        ("input", vec!["/dev/zero"]),
        ("--ledger", vec!["--ledger", "/dev/zero"]),
        ("--policy", vec!["--policy", "/dev/zero"]),
        ("--ui", vec!["--ui", "/dev/zero"]),
    ];
    for (what, extra) in cases {
        let a = medrecon()
            .arg("run")
            .arg(&input)
            .args(["--as-of", "2025-08-15", "--quiet", "--out"])
            .arg(&out)
            .args(&extra)
            .assert()
            .code(1);
        let e = stderr_of(&a);
        assert!(
            e.contains(&format!("{what} /dev/zero is not a regular file")),
            "{what}: {e}"
        );
    }
    let a = medrecon().args(["validate", "/dev/zero"]).assert().code(1);
    let e = stderr_of(&a);
    assert!(
        e.contains("/dev/zero") && e.contains("not a regular file"),
        "{e}"
    );
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn mkfifo(path: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: a NUL-terminated path; mkfifo only creates the node.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[test]
fn a_fifo_given_or_found_in_a_folder_is_refused_not_waited_on() {
    let tmp = tempfile::tempdir().unwrap();
    let fifo = tmp.path().join("pipe.csv");
    mkfifo(&fifo);
    let a = medrecon().arg("validate").arg(&fifo).assert().code(1);
    let e = stderr_of(&a);
    assert!(
        e.contains("pipe.csv") && e.contains("not a regular file"),
        "{e}"
    );
    let a = medrecon()
        .arg("run")
        .arg(events(&tmp.path().join("in")))
        .args(["--as-of", "2025-08-15", "--quiet", "--ledger"])
        .arg(&fifo)
        .arg("--out")
        .arg(tmp.path().join("out"))
        .assert()
        .code(1);
    assert!(stderr_of(&a).contains("--ledger"), "{}", stderr_of(&a));
    // Inside a folder of exports, next to a real one: passed over, not waited on.
    let dir = tmp.path().join("folder");
    events(&dir);
    mkfifo(&dir.join("zz_pipe.csv"));
    let a = medrecon()
        .args(["validate", "--lang", "en"])
        .arg(&dir)
        .assert()
        .success();
    let out = String::from_utf8_lossy(&a.get_output().stdout).into_owned();
    assert!(out.contains("total: 1 files, read 1, accepted 1"), "{out}");
}

#[test]
fn an_empty_ledger_is_an_error_unless_ledger_empty_ok() {
    let tmp = tempfile::tempdir().unwrap();
    let input = events(&tmp.path().join("in"));
    let ledger = tmp.path().join("ledger.csv");
    fs::write(&ledger, "身份证号,费款所属期,实缴金额\n").unwrap();
    let run = |extra: &[&str]| {
        medrecon()
            .arg("run")
            .arg(&input)
            .args(["--as-of", "2025-08-15", "--quiet", "--ledger"])
            .arg(&ledger)
            .arg("--out")
            .arg(tmp.path().join("out"))
            .args(extra)
            .assert()
    };
    let a = run(&[]).code(1);
    let e = stderr_of(&a);
    assert!(
        e.contains("the ledger has no rows") && e.contains("--ledger-empty-ok"),
        "{e}"
    );
    assert!(!tmp.path().join("out/manifest.json").exists());
    run(&["--ledger-empty-ok"]).success();
    assert!(tmp.path().join("out/manifest.json").exists());
}

/// rejects.csv rows as (row, value, code, message).
fn rejects(out: &Path) -> Vec<(String, String, String, String)> {
    let text = fs::read_to_string(out.join("rejects.csv")).unwrap();
    let mut r = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            (
                rec[2].to_string(),
                rec[4].to_string(),
                rec[5].to_string(),
                rec[6].to_string(),
            )
        })
        .collect()
}

#[test]
fn an_overlong_csv_line_or_field_costs_its_row_and_is_never_echoed_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("in");
    fs::create_dir(&dir).unwrap();
    let huge_line = format!(
        "{P1},{},E1,入职,2024-03-10,北京,10000,,",
        "李".repeat(700_000)
    );
    let long_field = format!(
        "110105199003070017,{},E1,入职,2024-03-10,北京,10000,,",
        "x".repeat(70_000)
    );
    fs::write(
        dir.join("events.csv"),
        format!(
            "身份证号,姓名,单位编号,变动类型,变动日期,参保地,缴费基数,离职原因,减员日期\n{huge_line}\n{long_field}\n110105198506150014,王五,E1,入职,2024-03-10,北京,10000,,\n"
        ),
    )
    .unwrap();
    let ledger = tmp.path().join("ledger.csv");
    fs::write(
        &ledger,
        format!(
            "身份证号,费款所属期,实缴金额\n110105198506150014,2024-03,{}\n110105198506150014,2024-04,1000\n",
            "9".repeat(2 << 20)
        ),
    )
    .unwrap();
    let out = tmp.path().join("out");
    let a = medrecon()
        .arg("run")
        .arg(&dir)
        .args([
            "--as-of",
            "2024-06-15",
            "--no-mask",
            "--format",
            "csv",
            "--ledger",
        ])
        .arg(&ledger)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    assert!(a.get_output().stderr.len() < 20_000);
    let rj = rejects(&out);
    assert_eq!(rj.len(), 3, "{rj:?}");
    for (_, value, code, _) in &rj {
        assert_eq!(code, "BAD_ROW");
        assert!(
            value.chars().count() <= 200,
            "{} chars",
            value.chars().count()
        );
    }
    assert_eq!(rj[0].0, "2");
    assert!(
        rj[0]
            .3
            .contains("over the limit of 1048576 bytes (1 MiB) per CSV row"),
        "{:?}",
        rj[0]
    );
    assert_eq!(rj[1].0, "3");
    assert!(
        rj[1]
            .3
            .contains("a field holds 70000 bytes, over the limit of 65536"),
        "{:?}",
        rj[1]
    );
    assert!(rj[2].3.contains("per CSV row"), "{:?}", rj[2]);
    let persons = fs::read_to_string(out.join("persons.csv")).unwrap();
    assert!(persons.contains("110105198506150014"));
    assert_eq!(persons.lines().count(), 2, "{persons}");
    // validate prints no whole line either.
    let a = medrecon()
        .arg("validate")
        .arg(&dir)
        .arg("--no-mask")
        .assert();
    assert!(a.get_output().stdout.len() < 20_000);
}

#[test]
fn identical_ledger_rows_are_duplicates_and_negative_amounts_refunds() {
    let tmp = tempfile::tempdir().unwrap();
    let input = events(&tmp.path().join("in"));
    let ledger = tmp.path().join("ledger.csv");
    let same = format!("{P1},E1,2024-04,1000,2024-05-10\n");
    fs::write(
        &ledger,
        format!(
            "身份证号,单位编号,费款所属期,实缴金额,缴费日期\n{same}{same}{same}{P1},E1,2024-04,-200,2024-06-01\n{P1},E1,2024-05,1000,2024-06-10\n{P1},E1,2024-05,1000,2024-06-11\n"
        ),
    )
    .unwrap();
    let out = tmp.path().join("out");
    medrecon()
        .arg("run")
        .arg(&input)
        .args([
            "--as-of",
            "2024-06-30",
            "--quiet",
            "--format",
            "csv",
            "--ledger",
        ])
        .arg(&ledger)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let m: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let c = &m["counts"];
    assert_eq!(c["ledger_duplicates"], 2);
    assert_eq!(c["refund_rows"], 1);
    assert_eq!(c["duplicates"], 2);
    // April: 1000 (the repeats counted once) and -200, May: two payments;
    // each paid date is an entry of its own (its late fee runs to that date).
    assert_eq!(c["ledger_rows"], 4);
    assert_eq!(c["ledger_entries"], 4);
    let sheet = &m["inputs"][1]["sheets"][0];
    assert_eq!(
        (
            &sheet["rows_read"],
            &sheet["accepted"],
            &sheet["duplicates"]
        ),
        (
            &serde_json::json!(6),
            &serde_json::json!(4),
            &serde_json::json!(2)
        )
    );
    let warnings = m["warnings"].to_string();
    assert!(
        warnings.contains("1 rows have a negative amount"),
        "{warnings}"
    );
    assert!(
        warnings.contains("2 rows repeat another row exactly"),
        "{warnings}"
    );
}
