//! End-to-end tests of `medrecon run` and `explain`: the real binary on the
//! bundled samples and on hand-written exports of SPEC §5's worked examples.

use assert_cmd::Command;
use std::fs;
use std::path::{Path, PathBuf};

fn medrecon() -> Command {
    Command::cargo_bin("medrecon").expect("binary builds")
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// CSV text without the BOM.
fn read_csv(dir: &Path, name: &str) -> String {
    let text = fs::read_to_string(dir.join(name)).expect("report written");
    text.trim_start_matches('\u{feff}').to_string()
}

/// Rows of `name` whose first cell is `person_id`, as `Vec<cells>`.
fn rows_of(dir: &Path, name: &str, person_id: &str) -> Vec<Vec<String>> {
    read_csv(dir, name)
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_string).collect::<Vec<_>>())
        .filter(|cells| cells[0] == person_id)
        .collect()
}

fn header_index(dir: &Path, name: &str, column: &str) -> usize {
    read_csv(dir, name)
        .lines()
        .next()
        .expect("header")
        .split(',')
        .position(|c| c == column)
        .unwrap_or_else(|| panic!("{name} has no column {column}"))
}

/// The SPEC §5 test pack (code `beijing`: it replaces the shipped pack, whose
/// figures follow the notices and differ from the worked examples).
fn spec_pack() -> PathBuf {
    root().join("tests/fixtures/policies/spec_beijing.toml")
}

fn run_on(input: &Path, as_of: &str, out: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    medrecon()
        .arg("run")
        .arg(input)
        .args(["--as-of", as_of, "--out"])
        .arg(out)
        .args(["--quiet", "--no-mask", "--policy"])
        .arg(spec_pack())
        .args(extra)
        .assert()
}

// Valid IDs (GB 11643 check characters computed by hand with weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2).
const P1: &str = "11010519491231002X"; // the standard's own example
const P2: &str = "110105199003070017";
const P3: &str = "110105198506150014";

fn write_events(dir: &Path, name: &str, lines: &[&str]) -> PathBuf {
    let path = dir.join(name);
    let mut text = String::from(
        "身份证号,姓名,单位编号,变动类型,变动日期,参保地,缴费基数,离职原因,减员日期\n",
    );
    for l in lines {
        text.push_str(l);
        text.push('\n');
    }
    fs::write(&path, text).expect("write input");
    path
}

#[test]
fn ids_used_here_are_valid() {
    for id in [P1, P2, P3] {
        assert!(
            medrecon::model::PersonId::parse(id).is_ok(),
            "{id} must be a valid ID"
        );
    }
}

/// SPEC §5 "Short gap": hired 2024-03-10 at E1, left 2025-03-20, hired 2025-06-05 at E2,
/// wage 10000, Beijing. Gap 2025-04..2025-05 (2 months, short); each month
/// round(10000 × 0.118) + 3 = 1183.00; catch-up 2366.00. Stop month 2025-04, benefits end
/// 2025-03-31, filing deadline 2025-03-20 + 15 days = 2025-04-04.
#[test]
fn spec_short_gap_example_end_to_end() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    fs::create_dir(&input).unwrap();
    write_events(
        &input,
        "events.csv",
        &[
            &format!("{P1},张三,E1,入职,2024-03-10,北京,10000,,"),
            &format!("{P1},张三,E1,离职,2025-03-20,北京,10000,,2025-03-25"),
            &format!("{P1},张三,E2,入职,2025-06-05,北京,10000,,"),
        ],
    );
    let out = tmp.path().join("out");
    run_on(&input, "2025-08-15", &out, &[]).success();

    let gaps = rows_of(&out, "gaps.csv", P1);
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    let g = &gaps[0];
    assert_eq!(
        &g[1..9],
        [
            "2025-04",
            "2025-05",
            "2",
            "short",
            "2366.00",
            "0",
            "2025-06-01",
            "E1"
        ]
    );
    assert_eq!(g[9], "E2");
    assert_eq!(g[10], "beijing");

    let stops = rows_of(&out, "stops.csv", P1);
    assert_eq!(stops.len(), 1);
    assert_eq!(
        stops[0][1..],
        [
            "E1",
            "2025-03-20",
            "2025-03",
            "2025-04",
            "2025-03-31",
            "2025-04-04",
            "2025-03-25",
            "false",
            "day",
            ""
        ]
    );

    let persons = rows_of(&out, "persons.csv", P1);
    let status = header_index(&out, "persons.csv", "status");
    let catch_up = header_index(&out, "persons.csv", "catch_up_total");
    assert_eq!(persons[0][status], "covered");
    assert_eq!(persons[0][catch_up], "2366.00");
}

/// SPEC §5 "Short gap across the July switch": wage 5000, left 2025-05-20, hired 2025-09-01.
/// June at floor 6821: 6821 × 0.118 = 804.878 → 804.88 + 3 = 807.88; July and August at
/// floor 7162: 845.116 → 845.12 + 3 = 848.12; total 807.88 + 848.12 × 2 = 2504.12.
/// SPEC §5 "Long gap": left 2025-05-15, hired 2025-10-08 → 2025-06..2025-09, 4 months,
/// GAP_OVER_3M, benefits resume 2025-10 + 6 months = 2026-04-01.
#[test]
fn spec_july_switch_and_long_gap_end_to_end() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    fs::create_dir(&input).unwrap();
    write_events(
        &input,
        "events.csv",
        &[
            &format!("{P2},李四,E1,入职,2024-09-01,beijing,5000,,"),
            &format!("{P2},李四,E1,离职,2025-05-20,beijing,5000,,"),
            &format!("{P2},李四,E2,入职,2025-09-01,beijing,5000,,"),
            &format!("{P3},王五,E1,入职,2024-09-01,110000,9000,,"),
            &format!("{P3},王五,E1,离职,2025-05-15,110000,9000,,"),
            &format!("{P3},王五,E3,入职,2025-10-08,110000,9000,,"),
        ],
    );
    let out = tmp.path().join("out");
    run_on(&input, "2025-12-31", &out, &[]).success();

    let g = &rows_of(&out, "gaps.csv", P2)[0];
    assert_eq!(&g[1..6], ["2025-06", "2025-08", "3", "short", "2504.12"]);

    let g = &rows_of(&out, "gaps.csv", P3)[0];
    assert_eq!(&g[1..6], ["2025-06", "2025-09", "4", "long", ""]);
    assert_eq!(&g[6..8], ["6", "2026-04-01"]);
    let persons = rows_of(&out, "persons.csv", P3);
    let flags = header_index(&out, "persons.csv", "flags");
    let continuous = header_index(&out, "persons.csv", "continuous_months");
    assert!(persons[0][flags].contains("GAP_OVER_3M"));
    // Continuity restarts 2025-10: 2025-10, 11, 12 = 3 months.
    assert_eq!(persons[0][continuous], "3");
}

/// SPEC §5 "Late fee": wage 8000, Beijing, due 8000 × 0.118 = 944.00 + 3 = 947.00; May 2025
/// unpaid, as-of 2025-08-15: days from 2025-06-01 to 2025-08-15 inclusive = 30 + 31 + 15 = 76;
/// fee 947.00 × 0.0005 × 76 = 35.986 → 35.99. April and June are paid on time.
#[test]
fn spec_late_fee_example_end_to_end() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    fs::create_dir(&input).unwrap();
    write_events(
        &input,
        "events.csv",
        &[&format!("{P1},张三,E1,入职,2025-04-01,北京市,8000,,")],
    );
    let ledger = tmp.path().join("ledger.csv");
    fs::write(
        &ledger,
        format!(
            "身份证号,单位编号,费款所属期,实缴金额,缴费日期\n\
             {P1},E1,202504,947.00,2025-04-20\n\
             {P1},E1,2025-06,947.00,2025-06-20\n\
             {P1},E1,2025-07,947.00,2025-07-20\n"
        ),
    )
    .unwrap();
    let out = tmp.path().join("out");
    run_on(
        &input,
        "2025-08-15",
        &out,
        &["--ledger", ledger.to_str().unwrap()],
    )
    .success();
    let arrears = rows_of(&out, "arrears.csv", P1);
    assert_eq!(arrears.len(), 1, "{arrears:?}");
    assert_eq!(
        arrears[0][1..],
        [
            "E1", "2025-05", "947.00", "0.00", "947.00", "76", "35.99", "", "", "", ""
        ]
    );
    let employers = read_csv(&out, "employers.csv");
    let e1 = employers.lines().find(|l| l.starts_with("E1,")).unwrap();
    // No 滞纳金 column in the ledger: the billed total and difference are blank.
    assert!(e1.ends_with(",947.00,35.99,0.00,,,"), "{e1}");
}

/// Runs the samples from inside `cwd` into `cwd/out`, so that two runs have the same
/// command line (the manifest and the workbook's summary record it).
fn run_samples_in(cwd: &Path, threads: Option<&str>, extra: &[&str]) -> PathBuf {
    let r = root();
    let mut cmd = medrecon();
    if let Some(n) = threads {
        cmd.env("RAYON_NUM_THREADS", n);
    }
    cmd.current_dir(cwd)
        .arg("run")
        .arg(r.join("samples"))
        .args([
            "--as-of",
            "2026-11-22",
            "--out",
            "out",
            "--quiet",
            "--ledger",
        ])
        .arg(r.join("samples/ledger"))
        .arg("--ui")
        .arg(r.join("samples/ui"))
        .args(extra)
        .assert()
        .success();
    cwd.join("out")
}

#[test]
fn samples_run_balances_and_is_deterministic_across_threads() {
    let tmp = tempfile::tempdir().unwrap();
    let (da, db, dc) = (
        tmp.path().join("a"),
        tmp.path().join("b"),
        tmp.path().join("c"),
    );
    for d in [&da, &db, &dc] {
        fs::create_dir(d).unwrap();
    }
    let all = ["--format", "csv,xlsx,parquet"];
    let a = run_samples_in(&da, None, &all);
    let b = run_samples_in(&db, Some("1"), &all);
    let mut names: Vec<String> = fs::read_dir(&a)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for expected in [
        "persons.csv",
        "gaps.csv",
        "stops.csv",
        "arrears.csv",
        "employers.csv",
        "rejects.csv",
        "manifest.json",
        "report.xlsx",
        "persons.parquet",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} missing: {names:?}"
        );
    }
    for name in names.iter().filter(|n| *n != "timings.json") {
        // The manifest records the command line, which names the output folder.
        if name == "manifest.json" {
            let strip = |p: &Path| {
                fs::read_to_string(p.join(name))
                    .unwrap()
                    .replace(p.to_str().unwrap(), "OUT")
            };
            assert_eq!(strip(&a), strip(&b), "{name} differs");
            continue;
        }
        assert_eq!(
            fs::read(a.join(name)).unwrap(),
            fs::read(b.join(name)).unwrap(),
            "{name} differs between runs / thread counts"
        );
    }
    // Every input balances: read = accepted + rejected + duplicates.
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(a.join("manifest.json")).unwrap()).unwrap();
    let inputs = manifest["inputs"].as_array().expect("inputs listed");
    assert!(
        inputs.len() >= 6,
        "events, ledger and UI inputs: {}",
        inputs.len()
    );
    for input in inputs {
        for sheet in input["sheets"].as_array().unwrap() {
            let n = |k: &str| sheet[k].as_u64().unwrap();
            assert_eq!(
                n("rows_read"),
                n("accepted") + n("rejected") + n("duplicates"),
                "{input}"
            );
        }
    }
    // Masked by default: a whole ID, taken from an unmasked run, appears in no text file of
    // the masked run (the workbook's masking is checked by tests/report_write.rs).
    let c = run_samples_in(&dc, None, &["--no-mask"]);
    let whole = read_csv(&c, "persons.csv")
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(whole.len(), 18);
    for entry in fs::read_dir(&a).unwrap() {
        let path = entry.unwrap().path();
        if !matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("csv" | "json")
        ) {
            continue;
        }
        let bytes = fs::read(&path).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(&whole));
    }
}

/// `--format csv` alone streams results batch by batch (here 5 persons a
/// batch); its files must be byte-identical to the CSVs written beside the
/// workbook from all results at once, and the manifest must list the same
/// sizes and hashes for them.
#[test]
fn streamed_csv_reports_equal_the_all_at_once_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let (da, db) = (tmp.path().join("a"), tmp.path().join("b"));
    fs::create_dir(&da).unwrap();
    fs::create_dir(&db).unwrap();
    let r = root();
    let run = |cwd: &Path, format: &str| {
        medrecon()
            .current_dir(cwd)
            .env("MEDRECON_BATCH_PERSONS", "5")
            .arg("run")
            .arg(r.join("samples"))
            .args(["--as-of", "2026-11-22", "--out", "out", "--quiet"])
            .arg("--ledger")
            .arg(r.join("samples/ledger"))
            .arg("--ui")
            .arg(r.join("samples/ui"))
            .args(["--format", format])
            .assert()
            .success();
        cwd.join("out")
    };
    let streamed = run(&da, "csv");
    let at_once = run(&db, "csv,xlsx");
    assert!(!streamed.join("report.xlsx").exists());
    let outputs = |dir: &Path| -> Vec<serde_json::Value> {
        let m: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
        m["outputs"]
            .as_array()
            .expect("outputs listed")
            .iter()
            .filter(|o| o["file"].as_str().unwrap().ends_with(".csv"))
            .cloned()
            .collect()
    };
    let listed = outputs(&streamed);
    assert_eq!(listed.len(), 8, "{listed:?}");
    assert_eq!(listed, outputs(&at_once));
    for o in &listed {
        let name = o["file"].as_str().unwrap();
        let bytes = fs::read(streamed.join(name)).unwrap();
        assert_eq!(
            bytes,
            fs::read(at_once.join(name)).unwrap(),
            "{name} differs"
        );
        assert_eq!(o["bytes"].as_u64().unwrap(), bytes.len() as u64, "{name}");
        // The hash taken while writing is the hash of the file on disk.
        use sha2::Digest;
        let hex: String = sha2::Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(o["sha256"].as_str().unwrap(), hex, "{name}");
    }
    // More than one batch was written: persons.csv has every sample person.
    assert_eq!(read_csv(&streamed, "persons.csv").lines().count(), 1 + 54);
}

#[test]
fn strict_exit_code_and_usage_and_bad_file() {
    let tmp = tempfile::tempdir().unwrap();
    // The samples contain deliberately bad rows: --strict exits 3, reports still written.
    medrecon()
        .current_dir(root())
        .args([
            "run",
            "samples",
            "--as-of",
            "2026-11-22",
            "--quiet",
            "--strict",
            "--ledger",
            "samples/ledger",
            "--ui",
            "samples/ui",
            "--out",
        ])
        .arg(tmp.path().join("s"))
        .assert()
        .code(3);
    assert!(tmp.path().join("s/persons.csv").exists());
    // Usage error: exit 2.
    medrecon()
        .args(["run", "--as-of", "2026-11-22"])
        .assert()
        .code(2);
    // A file that cannot be read is exit 1 and named.
    let bad = tmp.path().join("broken.xlsx");
    fs::write(&bad, b"PK\x03\x04 this is not really a zip").unwrap();
    let out = medrecon()
        .args(["run", "--as-of", "2026-11-22", "--quiet", "--out"])
        .arg(tmp.path().join("x"))
        .arg(&bad)
        .assert()
        .code(1);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(stderr.contains("broken.xlsx"), "{stderr}");
}

#[test]
fn explain_prints_months_and_rules() {
    let tmp = tempfile::tempdir().unwrap();
    write_events(
        tmp.path(),
        "events.csv",
        &[
            &format!("{P1},张三,E1,入职,2024-03-10,北京,10000,,"),
            &format!("{P1},张三,E1,离职,2025-03-20,北京,10000,,"),
            &format!("{P1},张三,E2,入职,2025-06-05,北京,10000,,"),
        ],
    );
    let out = medrecon()
        .args(["explain", P1])
        .arg(tmp.path().join("events.csv"))
        .args(["--as-of", "2025-08-15", "--policy"])
        .arg(spec_pack())
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(text.contains("2025-04"), "{text}");
    assert!(
        text.contains("1183.00"),
        "each gap month's catch-up: {text}"
    );
    assert!(text.contains("2366.00"), "{text}");
    assert!(text.contains("events.csv"), "source rows named: {text}");
}

/// Rule 9 with paid dates (社会保险法 §86: the fee runs until the money is paid).
/// Beijing, wage 8000: due 947.00 a month. As-of 2025-08-15.
/// - 2025-05 paid nothing: shortfall 947.00; 2025-06-01..08-15 = 76 days → 35.99.
/// - 2025-06 paid 947.00 on 2025-07-10: nothing owed; 10 days late:
///   947 × 0.0005 × 10 = 4.735 → 4.74.
/// - 2025-07 paid 500.00 on 2025-08-05: 447.00 owed for 08-01..08-15 = 15 days
///   (3.3525) plus 500.00 paid 5 days late (1.25): 4.6025 → 4.60.
#[test]
fn late_and_partial_payments_with_paid_dates() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    fs::create_dir(&input).unwrap();
    write_events(
        &input,
        "events.csv",
        &[&format!("{P1},张三,E1,入职,2025-05-01,北京,8000,,")],
    );
    let ledger = tmp.path().join("ledger.csv");
    fs::write(
        &ledger,
        format!(
            "身份证号,单位编号,费款所属期,实缴金额,缴费日期\n\
             {P1},E1,202506,947.00,2025-07-10\n\
             {P1},E1,202507,500,2025-08-05\n"
        ),
    )
    .unwrap();
    let out = tmp.path().join("out");
    run_on(
        &input,
        "2025-08-15",
        &out,
        &[
            "--ledger",
            ledger.to_str().unwrap(),
            // The ledger's first row is for 2025-06; it is complete from 2025-05.
            "--ledger-from",
            "2025-05",
        ],
    )
    .success();
    let arrears = rows_of(&out, "arrears.csv", P1);
    assert_eq!(arrears.len(), 3, "{arrears:?}");
    assert_eq!(
        arrears[0][1..],
        [
            "E1", "2025-05", "947.00", "0.00", "947.00", "76", "35.99", "", "", "", ""
        ]
    );
    assert_eq!(
        arrears[1][1..],
        [
            "E1", "2025-06", "947.00", "947.00", "0.00", "10", "4.74", "", "normal", "", ""
        ]
    );
    assert_eq!(
        arrears[2][1..],
        [
            "E1", "2025-07", "947.00", "500.00", "447.00", "15", "4.60", "", "normal", "", ""
        ]
    );
    let persons = rows_of(&out, "persons.csv", P1);
    // arrears_total 947.00 + 447.00 = 1394.00; late fees 35.99 + 4.74 + 4.60 = 45.33
    assert_eq!(persons[0][14..16], ["1394.00", "45.33"]);
}

/// Rule 1: a future event changes nothing — not the name, not the employers.
/// Rule 8 in employers.csv: one overlap run counts for every employer in it.
/// P2 at E1 2025-01..2025-06 and at E2 2025-03..2025-04 (overlap 03..04, one run).
#[test]
fn future_events_are_ignored_and_overlaps_count_for_each_employer() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    fs::create_dir(&input).unwrap();
    write_events(
        &input,
        "events.csv",
        &[
            &format!("{P1},未来,E9,入职,2025-12-01,北京,8000,,"),
            &format!("{P1},现在,E1,入职,2025-02-01,北京,8000,,"),
            &format!("{P2},李四,E1,入职,2025-01-05,北京,8000,,"),
            &format!("{P2},李四,E1,离职,2025-06-30,北京,8000,,"),
            &format!("{P2},李四,E2,入职,2025-03-01,北京,8000,,"),
            &format!("{P2},李四,E2,离职,2025-04-30,北京,8000,,"),
        ],
    );
    let out = tmp.path().join("out");
    run_on(&input, "2025-08-15", &out, &[]).success();
    let p1 = &rows_of(&out, "persons.csv", P1)[0];
    assert_eq!(p1[1], "现在");
    assert_eq!(p1[2], "E1");
    assert!(!p1[16].contains("NAME_MISMATCH"), "{p1:?}");
    let employers = read_csv(&out, "employers.csv");
    // employer_id,persons,hires,separations,late_stops,overlaps,...
    let overlaps: Vec<(String, String)> = employers
        .lines()
        .skip(1)
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            (c[0].to_string(), c[5].to_string())
        })
        .collect();
    assert_eq!(
        overlaps,
        [
            ("E1".to_string(), "1".to_string()),
            ("E2".to_string(), "1".to_string())
        ]
    );
    let manifest = fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"future_events\": 1"), "{manifest}");
}

/// Rule 11: a person hired in 2015 (no pack has money values before 2023-07 in
/// the test pack) is reported with every figure that needs only rules; the
/// figures that need money are blank with the reason. No row is set aside.
/// P1: Beijing 2015-03-10..2024-03-20 (wage 8000), back 2024-05-06: gap
/// 2024-04 (1 month, short, priced: 8000 × 0.118 + 3 = 947.00). P3: 2015-03-10
/// ..2015-12-20, back 2016-02-01: gap 2016-01, short, unpriced.
#[test]
fn an_old_hire_is_reported_and_unpriced_figures_are_blank() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    fs::create_dir(&input).unwrap();
    write_events(
        &input,
        "events.csv",
        &[
            &format!("{P1},张三,E1,入职,2015-03-10,北京,8000,,"),
            &format!("{P1},张三,E1,离职,2024-03-20,北京,8000,,"),
            &format!("{P1},张三,E2,入职,2024-05-06,北京,8000,,"),
            &format!("{P2},李四,E1,入职,2025-01-05,北京,8000,,"),
            &format!("{P3},王五,E1,入职,2015-03-10,北京,8000,,"),
            &format!("{P3},王五,E1,离职,2015-12-20,北京,8000,,"),
            &format!("{P3},王五,E2,入职,2016-02-01,北京,8000,,"),
        ],
    );
    let out = tmp.path().join("out");
    run_on(&input, "2025-08-15", &out, &[]).success();
    let p1 = rows_of(&out, "persons.csv", P1);
    assert_eq!(p1.len(), 1);
    let col = |name: &str| header_index(&out, "persons.csv", name);
    // 2015-03..2024-03 = 109 months + 2024-05..2025-08 = 16: 125.
    assert_eq!(p1[0][col("cumulative_months")], "125");
    assert_eq!(p1[0][col("first_covered_month")], "2015-03");
    assert_eq!(p1[0][col("catch_up_total")], "947.00");
    assert_eq!(p1[0][col("unpriced")], "");
    let gaps = rows_of(&out, "gaps.csv", P3);
    assert_eq!(gaps.len(), 1);
    assert_eq!(gaps[0][1..6], ["2016-01", "2016-01", "1", "short", ""]);
    let p3 = rows_of(&out, "persons.csv", P3);
    assert_eq!(p3[0][col("unpriced")], "catch_up_total");
    assert!(p3[0][col("flags")].contains("UNPRICED"));
    let flags = read_csv(&out, "flags.csv");
    assert!(
        flags.contains("catch-up of gap 2016-01..2016-01: no base for beijing 2016-01"),
        "{flags}"
    );
    let rejects = read_csv(&out, "rejects.csv");
    assert_eq!(rejects.lines().count(), 1, "no rejects: {rejects}");
    assert!(!rejects.contains("POLICY_NOT_COVERED"));
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    let sheet = &manifest["inputs"][0]["sheets"][0];
    assert_eq!(sheet["rows_read"], 7);
    assert_eq!(sheet["accepted"], 7);
    assert_eq!(sheet["rejected"], 0);
}

/// SPEC §2.5: district and county values map to their city's pack; a value no
/// pack knows is still a row reject naming it.
#[test]
fn district_regions_are_read_and_unknown_ones_rejected() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    fs::create_dir(&input).unwrap();
    write_events(
        &input,
        "events.csv",
        &[
            &format!("{P1},张三,E1,入职,2025-01-06,110105,8000,,"),
            &format!("{P2},李四,E1,入职,2025-01-06,上海市浦东新区,8000,,"),
            &format!("{P3},王五,E1,入职,2025-01-06,火星市,8000,,"),
        ],
    );
    let out = tmp.path().join("out");
    run_on(&input, "2025-08-15", &out, &[]).success();
    assert_eq!(rows_of(&out, "persons.csv", P1).len(), 1);
    assert_eq!(rows_of(&out, "persons.csv", P2).len(), 1);
    assert!(rows_of(&out, "persons.csv", P3).is_empty());
    let rejects = read_csv(&out, "rejects.csv");
    assert!(rejects.contains("火星市,UNKNOWN_REGION"), "{rejects}");
    assert_eq!(rejects.lines().count(), 2, "{rejects}");
}

/// SPEC §2.4 grades: a run whose figures used a `provisional` value says so in
/// the console summary, in the manifest (which value, which months) and on the
/// workbook's summary sheet. The pack: 2025-07 on carries the 2024 floor
/// provisionally; P1's due months 2025-05..2025-07 use the official floor for
/// May and June and the provisional one for July.
#[test]
fn a_run_over_a_provisional_month_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let pack = tmp.path().join("prov.toml");
    fs::write(
        &pack,
        r#"
code = "provcity"
name = "暂定市"
division = "990100"
[[rules]]
from = "1998-12"
source = "test rules"
grade = "official"
[[money]]
from = "2024-07"
source = "test notice 2024"
grade = "official"
floor = "6000"
cap = "30000"
employer_rate = "0.08"
employee_rate = "0.02"
[[money]]
from = "2025-07"
floor = { value = "6000", grade = "provisional", source = "2024 floor carried until the 2025 notice" }
cap = { value = "30000", grade = "provisional", source = "2024 cap carried until the 2025 notice" }
"#,
    )
    .unwrap();
    let input = tmp.path().join("in");
    fs::create_dir(&input).unwrap();
    write_events(
        &input,
        "events.csv",
        &[&format!("{P1},张三,E1,入职,2025-05-06,暂定市,8000,,")],
    );
    let ledger = tmp.path().join("ledger.csv");
    fs::write(
        &ledger,
        format!(
            "身份证号,单位编号,费款所属期,实缴金额,缴费日期\n{P1},E1,202505,800.00,2025-05-20\n"
        ),
    )
    .unwrap();
    let out = tmp.path().join("out");
    let assert = medrecon()
        .arg("run")
        .arg(&input)
        .args(["--as-of", "2025-08-15", "--out"])
        .arg(&out)
        .args([
            "--no-mask",
            "--format",
            "csv,xlsx",
            "--lang",
            "en",
            "--policy",
        ])
        .arg(&pack)
        .args(["--ledger", ledger.to_str().unwrap()])
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(
        stderr.contains("warning: policy provcity: figures priced with 2 provisional value(s)"),
        "{stderr}"
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    let grades = manifest["policy_grades"].as_array().unwrap();
    assert_eq!(grades.len(), 2, "{grades:?}");
    let floor = grades.iter().find(|g| g["param"] == "floor").unwrap();
    assert_eq!(floor["grade"], "provisional");
    assert_eq!(floor["months"], "2025-07");
    assert_eq!(floor["used_for"], "due");
    assert_eq!(floor["value"], "6000");
    // The summary sheet carries the same warning.
    use calamine::{Reader, Xlsx, open_workbook};
    let mut wb: Xlsx<_> = open_workbook(out.join("report.xlsx")).unwrap();
    let first = wb.sheet_names()[0].clone();
    let range = wb.worksheet_range(&first).unwrap();
    let found = range
        .rows()
        .flat_map(|r| r.iter())
        .any(|c| c.to_string().contains("2 provisional value(s)"));
    assert!(found, "no grade warning on the summary sheet {first}");
}
