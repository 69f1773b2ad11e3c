//! The reports of a real run on `samples/` (the pipeline called in-process, so
//! the test does not depend on a binary other worktrees may rebuild): snapshots
//! of every CSV report and the manifest (insta), the workbook read back, and
//! masking of every sample ID in every output file.
//!
//! Snapshots live in `tests/snapshots/`. After an intended change to a report,
//! review the diff and accept it (`INSTA_UPDATE=always cargo test --test
//! report_samples`, or `cargo insta review`).

mod workbook_support;

use calamine::{Data, Reader, open_workbook_auto};
use clap::Parser;
use medrecon::cli::{Cli, Command};
use medrecon::pipeline::{self, Timings};
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use workbook_support::workbook_cells;

const CSV_REPORTS: [&str; 8] = [
    "persons",
    "gaps",
    "stops",
    "arrears",
    "employers",
    "rejects",
    "overpaid",
    "flags",
];

/// `medrecon run samples --ledger samples/ledger --ui samples/ui --as-of
/// 2025-11-22 --out OUT --quiet [extra]`, from the crate root (cargo runs
/// integration tests there), relative paths as a user would type them.
fn run_samples(out: &Path, extra: &[&str]) {
    assert!(Path::new("samples").is_dir(), "run from the crate root");
    let out = out.to_str().unwrap();
    let mut argv = vec![
        "medrecon",
        "run",
        "samples",
        "--ledger",
        "samples/ledger",
        "--ui",
        "samples/ui",
        "--as-of",
        "2025-11-22",
        "--quiet",
        "--out",
        out,
    ];
    argv.extend_from_slice(extra);
    let Command::Run(args) = Cli::try_parse_from(argv).unwrap().command else {
        panic!("not a run")
    };
    let as_of = args.rules.as_of.unwrap();
    pipeline::run(&args, as_of, &mut Timings::default()).unwrap();
}

/// Every file of a report folder but timings.json, by name.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_name() != "timings.json")
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec())
        .unwrap()
        .trim_start_matches('\u{feff}')
        .to_string()
}

/// Every cell of every sheet, one per line.

#[test]
fn sample_csv_reports_and_manifest_match_snapshots() {
    let out = tempfile::tempdir().unwrap();
    run_samples(out.path(), &[]);
    let files = files(out.path());
    for name in CSV_REPORTS {
        let csv = &files[&format!("{name}.csv")];
        assert!(csv.starts_with(b"\xEF\xBB\xBF"), "{name}.csv has a BOM");
        insta::assert_snapshot!(format!("samples_{name}_csv"), text(csv));
    }
    // The manifest without the command line (here the test harness's own
    // arguments); the workbook's Summary shows that command line, so its hash
    // is left out too (the workbook's byte-identity is checked in run_cli.rs
    // and report_write.rs).
    let mut manifest: serde_json::Value = serde_json::from_slice(&files["manifest.json"]).unwrap();
    manifest["command_line"] = serde_json::Value::Null;
    for output in manifest["outputs"].as_array_mut().unwrap() {
        if output["file"] == "report.xlsx" {
            output["sha256"] = "(shows the command line)".into();
            output["bytes"] = serde_json::Value::Null;
        }
    }
    insta::assert_snapshot!(
        "samples_manifest_json",
        serde_json::to_string_pretty(&manifest).unwrap()
    );
}

#[test]
fn sample_workbook_reads_back_with_sheets_headers_and_totals() {
    let out = tempfile::tempdir().unwrap();
    run_samples(out.path(), &[]);
    let mut wb = open_workbook_auto(out.path().join("report.xlsx")).unwrap();
    assert_eq!(
        wb.sheet_names(),
        [
            "汇总",
            "参保月历",
            "人员",
            "断缴",
            "停保",
            "欠缴",
            "单位",
            "拒收",
            "多缴",
            "标记"
        ]
    );
    let persons = wb.worksheet_range("人员").unwrap();
    let header: Vec<String> = persons
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(header[0], "身份证号");
    assert_eq!(header[11], "补缴金额合计");
    assert_eq!(header[16], "标记");

    // The workbook's persons agree with persons.csv row for row, money as
    // numbers equal to the CSV's two-decimal text; the Summary's catch-up
    // total is their sum.
    let csv = text(&fs::read(out.path().join("persons.csv")).unwrap());
    let csv_rows: Vec<Vec<&str>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    assert_eq!(persons.height() - 1, csv_rows.len());
    let mut catch_up_cents = 0i64;
    for (row, csv_row) in persons.rows().skip(1).zip(&csv_rows) {
        assert_eq!(row[0].to_string(), csv_row[0]);
        let Data::Float(x) = row[11] else {
            panic!("catch_up_total is not a number: {:?}", row[11])
        };
        let cents: i64 = csv_row[11].replace('.', "").parse().unwrap();
        assert_eq!((x * 100.0).round() as i64, cents);
        catch_up_cents += cents;
    }
    assert!(catch_up_cents > 0, "the samples have short gaps");
    let summary = wb.worksheet_range("汇总").unwrap();
    let total = summary
        .rows()
        .find(|r| r[0] == Data::String("补缴金额".into()))
        .map(|r| r[1].clone());
    let Some(Data::Float(total)) = total else {
        panic!("summary catch-up total {total:?}")
    };
    assert_eq!((total * 100.0).round() as i64, catch_up_cents);
}

#[test]
fn masked_sample_run_contains_no_whole_id_anywhere() {
    // Every whole ID of the samples, from an unmasked run.
    let plain = tempfile::tempdir().unwrap();
    run_samples(plain.path(), &["--no-mask", "--format", "csv"]);
    let persons = text(&fs::read(plain.path().join("persons.csv")).unwrap());
    let ids: Vec<&str> = persons
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert!(ids.len() > 10);
    assert!(ids.iter().all(|id| id.len() == 18 && !id.contains('*')));

    let out = tempfile::tempdir().unwrap();
    run_samples(out.path(), &["--format", "csv,xlsx,parquet"]);
    for (name, bytes) in files(out.path()) {
        if name.ends_with(".parquet") {
            continue; // compressed; the same masked Table values as the CSV
        }
        let content = if name.ends_with(".xlsx") {
            workbook_cells(&out.path().join(&name))
        } else {
            String::from_utf8(bytes).unwrap()
        };
        for id in &ids {
            assert!(!content.contains(id), "{name} contains a whole ID");
        }
        // Nor any other ID-like token (rejected IDs included): 15+ digits,
        // maybe ending in X, standing alone (hex digests and credit codes mix
        // letters in, so they are not tokens of digits).
        let id_like = content
            .split(|c: char| !c.is_ascii_alphanumeric())
            .find(|t| {
                let digits = t.strip_suffix('X').unwrap_or(t);
                digits.len() >= 15 && digits.bytes().all(|b| b.is_ascii_digit())
            });
        assert_eq!(id_like, None, "{name} has an ID-like token");
    }
}

/// Issue 18 item 4: the summary sheet carries charts of persons by status,
/// gaps by length in months and the employers owing most, each over cells of
/// that sheet; the gap-length table counts every gap of gaps.csv.
#[test]
fn sample_summary_sheet_has_its_charts_over_its_own_cells() {
    let out = tempfile::tempdir().unwrap();
    run_samples(out.path(), &[]);
    let path = out.path().join("report.xlsx");
    let mut wb = open_workbook_auto(&path).unwrap();
    let summary = wb.worksheet_range("汇总").unwrap();
    let rows: Vec<Vec<String>> = summary
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    let at = rows
        .iter()
        .position(|r| r[0] == "断缴时长 (月)")
        .expect("a gap-length section");
    assert_eq!(rows[at + 1][..2], ["月数", "断缴段数"]);
    let buckets: Vec<(String, u64)> = rows[at + 2..at + 15]
        .iter()
        .map(|r| (r[0].clone(), r[1].parse().unwrap()))
        .collect();
    assert_eq!(buckets[0].0, "1");
    assert_eq!(buckets[12].0, "13+");
    // Against gaps.csv: the months column, bucketed the same way.
    let gaps = text(&fs::read(out.path().join("gaps.csv")).unwrap());
    let mut want = [0u64; 13];
    for line in gaps.lines().skip(1) {
        let months: usize = line.split(',').nth(3).unwrap().parse().unwrap();
        want[months.clamp(1, 13) - 1] += 1;
    }
    assert!(want.iter().sum::<u64>() > 0, "the samples have gaps");
    assert_eq!(buckets.iter().map(|b| b.1).collect::<Vec<_>>(), want);

    // The charts: three chart parts, drawn on the summary sheet, each series
    // over the summary's own cells.
    let zip_bytes = fs::read(&path).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(zip_bytes)).unwrap();
    let mut part = |name: &str| -> String {
        use std::io::Read;
        let mut s = String::new();
        zip.by_name(name).unwrap().read_to_string(&mut s).unwrap();
        s
    };
    let status = part("xl/charts/chart1.xml");
    assert!(
        status.contains("按状态的人数") && status.contains("<c:barChart>"),
        "{status}"
    );
    assert!(status.contains("汇总!$A$"), "{status}");
    let by_length = part("xl/charts/chart2.xml");
    assert!(by_length.contains("断缴时长分布"), "{by_length}");
    // Categories A and values B over the 13 bucket rows (1-based rows).
    let (r0, r1) = (at + 3, at + 15);
    assert!(
        by_length.contains(&format!("汇总!$A${r0}:$A${r1}"))
            && by_length.contains(&format!("汇总!$B${r0}:$B${r1}")),
        "{by_length}"
    );
    let owing = part("xl/charts/chart3.xml");
    assert!(owing.contains("欠缴与滞纳金最多的单位"), "{owing}");
    assert!(owing.contains("<c:barDir val=\"bar\"/>"), "{owing}");
    let drawing = part("xl/drawings/drawing1.xml");
    assert_eq!(drawing.matches("<c:chart ").count(), 3, "{drawing}");
}

/// Issue 18 item 1 (codes): under `--lang zh` (the default) the workbook shows
/// statuses, gap kinds, flags and reject codes in Chinese, each flag and reject
/// with its code after it; the CSV keeps the codes; `--lang en` shows the
/// English texts the same way. Checked cell by cell against persons.csv,
/// gaps.csv and rejects.csv.
#[test]
fn sample_workbook_shows_codes_as_chinese_texts() {
    let status_zh = |s: &str| match s {
        "covered" => "参保中",
        "open_gap" => "断缴中（可补缴）",
        "lapsed" => "断缴超限",
        "retired" => "退休",
        other => panic!("status {other}"),
    };
    let status_en = |s: &str| match s {
        "covered" => "covered",
        "open_gap" => "open gap (may back-pay)",
        "lapsed" => "lapsed",
        "retired" => "retired",
        other => panic!("status {other}"),
    };
    for lang in ["zh", "en"] {
        let out = tempfile::tempdir().unwrap();
        run_samples(out.path(), &["--lang", lang]);
        let mut wb = open_workbook_auto(out.path().join("report.xlsx")).unwrap();
        let sheet = |wb: &mut calamine::Sheets<_>, zh: &str, en: &str| {
            wb.worksheet_range(if lang == "zh" { zh } else { en })
                .unwrap()
        };
        let csv_rows = |name: &str| -> Vec<Vec<String>> {
            let t = text(&fs::read(out.path().join(name)).unwrap());
            csv::Reader::from_reader(t.as_bytes())
                .records()
                .map(|r| r.unwrap().iter().map(str::to_string).collect())
                .collect()
        };
        // persons: status (column 5) and flags (16).
        let persons = sheet(&mut wb, "人员", "Persons");
        let csv = csv_rows("persons.csv");
        let mut seen_flag = false;
        for (row, c) in persons.rows().skip(1).zip(&csv) {
            let (status, flags) = (row[5].to_string(), row[16].to_string());
            if lang == "en" {
                assert_eq!(status, status_en(&c[5]));
                if c[16].contains("GAP_OVER_3M") {
                    assert!(flags.contains("gap over 3 months GAP_OVER_3M"), "{flags}");
                    seen_flag = true;
                }
                assert_eq!(
                    flags.split("; ").count(),
                    c[16].split(';').count(),
                    "{flags}"
                );
                continue;
            }
            assert_eq!(status, status_zh(&c[5]));
            if c[16].contains("GAP_OVER_3M") {
                assert!(flags.contains("断缴超3个月 GAP_OVER_3M"), "{flags}");
                seen_flag = true;
            }
            assert_eq!(
                flags.split('；').count(),
                c[16].split(';').count(),
                "{flags}"
            );
        }
        assert!(seen_flag, "the samples have a long gap");
        // gaps: kind (column 4).
        let gaps = sheet(&mut wb, "断缴", "Gaps");
        for (row, c) in gaps.rows().skip(1).zip(&csv_rows("gaps.csv")) {
            let want = match (lang, c[4].as_str()) {
                ("en", "short") => "short gap",
                ("en", "long") => "long gap",
                ("en", "open") => "open gap",
                (_, "short") => "短期断缴",
                (_, "long") => "长期断缴",
                (_, "open") => "当前断缴",
                (_, k) => panic!("kind {k}"),
            };
            assert_eq!(row[4].to_string(), want);
        }
        // rejects: code (column 5), the code kept after the text.
        let rejects = sheet(&mut wb, "拒收", "Rejects");
        let csv = csv_rows("rejects.csv");
        assert!(!csv.is_empty());
        for (row, c) in rejects.rows().skip(1).zip(&csv) {
            let shown = row[5].to_string();
            assert!(
                shown.ends_with(&format!(" {}", c[5])) && shown.len() > c[5].len() + 1,
                "{shown}"
            );
            if lang == "en" {
                assert!(shown.is_ascii(), "{shown}");
            }
        }
        // The CSV keeps its codes whatever the language.
        assert!(
            csv_rows("persons.csv")
                .iter()
                .all(|r| ["covered", "open_gap", "lapsed", "retired"].contains(&r[5].as_str()))
        );
    }
}

/// Issue 18 item 6's rule for large runs: past `--xlsx-full-limit` persons
/// (200,000 by default) the workbook lists only the flagged persons, leaves
/// stops and flags to the CSVs, and says so on its summary sheet; under the
/// limit it holds every table. The samples' few persons stand in for a
/// large run with a limit of 5.
#[test]
fn a_large_run_workbook_lists_the_flagged_persons_and_says_so() {
    let out = tempfile::tempdir().unwrap();
    run_samples(out.path(), &["--xlsx-full-limit", "5"]);
    let persons = text(&fs::read(out.path().join("persons.csv")).unwrap());
    let rows: Vec<Vec<String>> = csv::Reader::from_reader(persons.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    assert!(rows.len() > 5, "{}", rows.len());
    let flagged: Vec<&String> = rows
        .iter()
        .filter(|r| !r[16].is_empty())
        .map(|r| &r[0])
        .collect();
    assert!(!flagged.is_empty() && flagged.len() < rows.len());
    let mut wb = open_workbook_auto(out.path().join("report.xlsx")).unwrap();
    assert_eq!(
        wb.sheet_names(),
        [
            "汇总",
            "参保月历",
            "人员",
            "断缴",
            "欠缴",
            "单位",
            "拒收",
            "多缴"
        ]
    );
    let sheet = wb.worksheet_range("人员").unwrap();
    let listed: Vec<String> = sheet.rows().skip(1).map(|r| r[0].to_string()).collect();
    assert_eq!(
        listed,
        flagged.iter().map(|s| s.to_string()).collect::<Vec<_>>()
    );
    let summary = wb.worksheet_range("汇总").unwrap();
    let note = summary
        .rows()
        .find(|r| r[0] == Data::String("工作簿内容".into()))
        .map(|r| r[1].to_string())
        .expect("the summary says the workbook was cut");
    assert!(
        note.contains(&format!(
            "人数超过 5（--xlsx-full-limit）：人员表只列有标记的 {} 人",
            flagged.len()
        )),
        "{note}"
    );
    // The CSVs are whole: every person, the stops and the flags.
    for name in ["stops.csv", "flags.csv"] {
        assert!(out.path().join(name).is_file());
    }
    // Without the CSVs beside it, the workbook keeps every table whatever the size.
    let alone = tempfile::tempdir().unwrap();
    run_samples(
        alone.path(),
        &["--xlsx-full-limit", "5", "--format", "xlsx"],
    );
    let wb = open_workbook_auto(alone.path().join("report.xlsx")).unwrap();
    assert_eq!(wb.sheet_names().len(), 10);
    // Under the limit (the default), every sheet and no note.
    let full = tempfile::tempdir().unwrap();
    run_samples(full.path(), &[]);
    let mut wb = open_workbook_auto(full.path().join("report.xlsx")).unwrap();
    assert_eq!(wb.sheet_names().len(), 10);
    let summary = wb.worksheet_range("汇总").unwrap();
    assert!(
        !summary
            .rows()
            .any(|r| r[0] == Data::String("工作簿内容".into()))
    );
}

/// The first column of each CSV data row (a person's masked ID).
fn csv_first_column(path: &Path) -> Vec<String> {
    let body = text(&fs::read(path).unwrap());
    csv::Reader::from_reader(body.as_bytes())
        .records()
        .map(|r| r.unwrap()[0].to_string())
        .collect()
}

/// Issue 18 item 6, the row cap of a large run: past `--xlsx-full-limit`
/// each table sheet holds at most `--xlsx-sheet-rows` rows, the first ones of
/// its CSV (which keeps every row), and the summary sheet names each sheet cut
/// with its counts, in the workbook's language. Limits of 5 persons and 3
/// rows stand in for 200,000 and 100,000.
#[test]
fn a_large_run_caps_each_sheet_and_names_the_cut_on_the_summary() {
    let out = tempfile::tempdir().unwrap();
    run_samples(
        out.path(),
        &["--xlsx-full-limit", "5", "--xlsx-sheet-rows", "3"],
    );
    let gaps = csv_first_column(&out.path().join("gaps.csv"));
    let persons = text(&fs::read(out.path().join("persons.csv")).unwrap());
    let flagged: Vec<String> = csv::Reader::from_reader(persons.as_bytes())
        .records()
        .map(|r| r.unwrap())
        .filter(|r| !r[16].is_empty())
        .map(|r| r[0].to_string())
        .collect();
    assert!(
        gaps.len() > 3 && flagged.len() > 3,
        "{} {}",
        gaps.len(),
        flagged.len()
    );
    let mut wb = open_workbook_auto(out.path().join("report.xlsx")).unwrap();
    let first = |wb: &mut calamine::Sheets<_>, sheet: &str| -> Vec<String> {
        wb.worksheet_range(sheet)
            .unwrap()
            .rows()
            .skip(1)
            .map(|r| r[0].to_string())
            .collect()
    };
    assert_eq!(first(&mut wb, "断缴"), gaps[..3]);
    assert_eq!(first(&mut wb, "人员"), flagged[..3]);
    let summary = wb.worksheet_range("汇总").unwrap();
    let cuts: Vec<String> = summary
        .rows()
        .filter(|r| r[0] == Data::String("工作表截取".into()))
        .map(|r| r[1].to_string())
        .collect();
    assert!(
        cuts.contains(&format!(
            "断缴：只列前 3 行（共 {} 行，--xlsx-sheet-rows 3），全部见 gaps.csv",
            gaps.len()
        )),
        "{cuts:?}"
    );
    assert!(
        cuts.contains(&format!(
            "人员：只列前 3 行（共 {} 行，--xlsx-sheet-rows 3），全部见 persons.csv",
            flagged.len()
        )),
        "{cuts:?}"
    );
    // A sheet is named only when rows were left out of it.
    let rejects = csv_first_column(&out.path().join("rejects.csv"));
    assert_eq!(
        cuts.iter().any(|c| c.starts_with("拒收：")),
        rejects.len() > 3,
        "{cuts:?}"
    );
    // The CSVs keep every row: the same bytes as a run with no cut.
    let full = tempfile::tempdir().unwrap();
    run_samples(full.path(), &[]);
    for name in CSV_REPORTS {
        let file = format!("{name}.csv");
        assert_eq!(
            fs::read(out.path().join(&file)).unwrap(),
            fs::read(full.path().join(&file)).unwrap(),
            "{file}"
        );
    }
    // A cut sheet's rows are the full workbook's rows, texts in the same
    // language (reject messages, gap details in Chinese).
    let mut whole = open_workbook_auto(full.path().join("report.xlsx")).unwrap();
    let mut cut = open_workbook_auto(out.path().join("report.xlsx")).unwrap();
    for sheet in ["拒收", "断缴"] {
        let a = cut.worksheet_range(sheet).unwrap();
        let b = whole.worksheet_range(sheet).unwrap();
        let first = |r: &calamine::Range<Data>| -> Vec<String> {
            r.rows()
                .nth(1)
                .unwrap()
                .iter()
                .map(|c| c.to_string())
                .collect()
        };
        assert_eq!(first(&a), first(&b), "{sheet}");
    }
    let rejects = cut.worksheet_range("拒收").unwrap();
    let message = rejects
        .rows()
        .nth(1)
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect::<Vec<_>>()
        .join("|");
    assert!(
        message
            .chars()
            .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "a Chinese reject message: {message}"
    );
    // In English, the same cut in English words.
    let en = tempfile::tempdir().unwrap();
    run_samples(
        en.path(),
        &[
            "--xlsx-full-limit",
            "5",
            "--xlsx-sheet-rows",
            "3",
            "--lang",
            "en",
        ],
    );
    let mut wb = open_workbook_auto(en.path().join("report.xlsx")).unwrap();
    let summary = wb.worksheet_range("Summary").unwrap();
    let cuts: Vec<String> = summary
        .rows()
        .filter(|r| r[0] == Data::String("Sheet cut".into()))
        .map(|r| r[1].to_string())
        .collect();
    assert!(
        cuts.contains(&format!(
            "Gaps: the first 3 of {} rows (--xlsx-sheet-rows 3); every row is in gaps.csv",
            gaps.len()
        )),
        "{cuts:?}"
    );
}
