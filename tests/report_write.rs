//! Reports written from hand-built engine results and read back: CSV text,
//! the workbook through calamine, the manifest, masking, determinism,
//! atomicity, sheet splitting and the row-balance check.
//!
//! The fixture follows SPEC §5 (Beijing pack: employer 9.8% + employee 2%,
//! flexible 11.8%, fixed 3 元), as-of 2025-08-15:
//! - 张三 (11010519491231002X): hired 2024-03-10 at E1, left 2025-03-20, hired
//!   2025-06-05 at E2, wage 10000. Short gap 2025-04..2025-05; each month
//!   round(10000 × 0.118) + 3 = 1183.00, catch-up 2 × 1183.00 = 2366.00; stop
//!   month 2025-04, benefits end 2025-03-31, filing deadline 03-20 + 15 = 2025-04-04.
//! - 欧阳娜娜 (110101199003071233): at E3 from 2025-01, left 2025-03-15, stop filed
//!   2025-04-10 after the 2025-03-30 deadline (LATE_STOP); open gap
//!   2025-04..2025-08 = 5 months > 3, so GAP_OVER_3M, status lapsed, catch-up blank.
//! - 李四 (440304198511204567): at E3 since 2025-01, wage 8000: due
//!   round(8000 × 0.118) + 3 = 947.00 a month. May unpaid: due date 2025-05-31,
//!   days 06-01..08-15 = 30 + 31 + 15 = 76, fee 947.00 × 0.0005 × 76 = 35.986 → 35.99.
//!   June paid 900.00: shortfall 47.00, days 07-01..08-15 = 31 + 15 = 46, fee
//!   47 × 0.0005 × 46 = 1.081 → 1.08. Arrears 994.00, late fees 37.07.
//!   947.00 paid for 2024-12, before the spell: OVERPAID.

use calamine::{Data, Reader, open_workbook_auto};
use chrono::NaiveDate;
use medrecon::cli::{Lang, OutputFormat};
use medrecon::model::*;
use medrecon::report::{Manifest, ReportData, ReportError, ReportOptions, write_reports};
use rust_decimal::Decimal;
use std::fs;
use std::path::Path;
use std::str::FromStr;

const ID_A: &str = "11010519491231002X";
const ID_B: &str = "110101199003071233";
const ID_C: &str = "440304198511204567";
/// A rejected ID (bad checksum): whole 18 characters, must be masked too.
const BAD_ID: &str = "110105194912310021";

fn id(s: &str) -> PersonId {
    PersonId::parse(s).unwrap()
}
fn m(y: i32, mo: u32) -> Month {
    Month::new(y, mo).unwrap()
}
fn d(y: i32, mo: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, mo, day).unwrap()
}
fn money(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}
fn e(s: &str) -> Code {
    Code::new(s)
}

struct Fixture {
    results: Vec<PersonResult>,
    employers: Vec<EmployerRow>,
    rejects: Vec<Reject>,
    inputs: Vec<InputReport>,
    manifest: Manifest,
}

impl Fixture {
    fn data(&self) -> ReportData<'_> {
        ReportData {
            results: &self.results,
            employers: &self.employers,
            rejects: &self.rejects,
            inputs: &self.inputs,
            manifest: &self.manifest,
            changes: None,
            calendar: None,
        }
    }
}

fn person(pid: &str, name: &str, employers: &[&str]) -> PersonRow {
    PersonRow {
        person_id: id(pid),
        name: Some(Name::from(name)),
        employers: employers.iter().map(|s| e(s)).collect(),
        first_covered_month: None,
        last_covered_month: None,
        status: Status::Covered,
        open_months: 0,
        resume_by: None,
        gaps: 0,
        long_gaps: 0,
        max_gap_months: 0,
        catch_up_total: Decimal::ZERO,
        continuous_months: 0,
        cumulative_months: 0,
        arrears_total: Decimal::ZERO,
        late_fee_total: Decimal::ZERO,
        flags: vec![],
        actual_months: 0,
        deemed_months: 0,
        lifetime_months_needed: None,
        resident_wait_days: None,
        resident_wait_reason: None,
        unpriced: medrecon::model::Unpriced::None,
    }
}

fn fixture() -> Fixture {
    // 张三: short gap.
    let mut a = person(ID_A, "张三", &["E1", "E2"]);
    a.first_covered_month = Some(m(2024, 3));
    a.last_covered_month = Some(m(2025, 8));
    a.gaps = 1;
    a.max_gap_months = 2;
    a.catch_up_total = money("2366.00");
    // 2024-03..2025-03 = 13 months, 2025-06..2025-08 = 3 months.
    a.continuous_months = 16;
    a.cumulative_months = 16;
    let a = PersonResult {
        person: a,
        gaps: vec![GapRow {
            person_id: id(ID_A),
            from_month: m(2025, 4),
            to_month: m(2025, 5),
            months: 2,
            kind: GapKind::Short,
            catch_up: Some(money("2366.00")),
            waiting_months: Some(0),
            benefits_resume: Some(d(2025, 6, 1)),
            employer_before: Some(e("E1")),
            employer_after: Some(e("E2")),
            region: "beijing".into(),
        }],
        stops: vec![StopRow {
            person_id: id(ID_A),
            employer_id: e("E1"),
            separation_date: d(2025, 3, 20),
            last_paid_month: Some(m(2025, 3)),
            stop_month: m(2025, 4),
            benefits_end: Some(d(2025, 3, 31)),
            filing_deadline: d(2025, 4, 4),
            filed_date: None,
            late_stop: false,
            separation_basis: Default::default(),
        }],
        arrears: vec![],
        overpaid: vec![],
        flags: vec![],
    };

    // 欧阳娜娜: late stop, open gap past the limit.
    let mut b = person(ID_B, "欧阳娜娜", &["E3"]);
    b.first_covered_month = Some(m(2025, 1));
    b.last_covered_month = Some(m(2025, 3));
    b.status = Status::Lapsed;
    b.open_months = 5;
    b.gaps = 1;
    b.long_gaps = 1;
    b.max_gap_months = 5;
    b.continuous_months = 3;
    b.cumulative_months = 3;
    b.flags = vec![Flag::GapOver3m, Flag::LateStop];
    // 17th digit 3: a man; 360 − 3 = 357 months to lifetime benefits; 3
    // continuous months < 24: 180 days to switch to 居民医保.
    b.actual_months = 3;
    b.lifetime_months_needed = Some(357);
    b.resident_wait_days = Some(180);
    b.resident_wait_reason = Some("NOT_CONTINUOUS");
    let b = PersonResult {
        person: b,
        gaps: vec![GapRow {
            person_id: id(ID_B),
            from_month: m(2025, 4),
            to_month: m(2025, 8),
            months: 5,
            kind: GapKind::Open,
            catch_up: None,
            waiting_months: None,
            benefits_resume: None,
            employer_before: Some(e("E3")),
            employer_after: None,
            region: "beijing".into(),
        }],
        stops: vec![StopRow {
            person_id: id(ID_B),
            employer_id: e("E3"),
            separation_date: d(2025, 3, 15),
            last_paid_month: Some(m(2025, 3)),
            stop_month: m(2025, 4),
            benefits_end: Some(d(2025, 3, 31)),
            filing_deadline: d(2025, 3, 30),
            filed_date: Some(d(2025, 4, 10)),
            late_stop: true,
            separation_basis: Default::default(),
        }],
        arrears: vec![],
        overpaid: vec![],
        // Given out of order on purpose: the report sorts by date.
        flags: vec![
            FlagRow {
                person_id: id(ID_B),
                flag: Flag::GapOver3m,
                employer_id: Some(e("E3")),
                month: Some(m(2025, 4)),
                date: None,
                detail: medrecon::text!(verbatim, "open gap 2025-04..2025-08, 5 months"),
                other_employers: vec![],
            },
            FlagRow {
                person_id: id(ID_B),
                flag: Flag::LateStop,
                employer_id: Some(e("E3")),
                month: None,
                date: Some(d(2025, 4, 10)),
                detail: medrecon::text!(
                    verbatim,
                    format!("stop for {ID_B} filed 2025-04-10, deadline 2025-03-30")
                ),
                other_employers: vec![],
            },
        ],
    };

    // 李四: arrears with late fees, one overpaid month.
    let mut c = person(ID_C, "李四", &["E3"]);
    c.first_covered_month = Some(m(2025, 1));
    c.last_covered_month = Some(m(2025, 8));
    c.continuous_months = 8;
    c.cumulative_months = 8;
    c.arrears_total = money("994.00");
    c.late_fee_total = money("37.07");
    c.flags = vec![Flag::Overpaid, Flag::Arrears];
    let c = PersonResult {
        person: c,
        gaps: vec![],
        stops: vec![],
        // June before May on purpose: the report sorts by month.
        arrears: vec![
            ArrearsRow {
                person_id: id(ID_C),
                employer_id: e("E3"),
                month: m(2025, 6),
                due: money("947.00"),
                paid: money("900.00"),
                paid_kinds: 1,
                late_fee_billed: Some(money("1.00")),
                shortfall: money("47.00"),
                days: 46,
                late_fee: money("1.08"),
                late_fee_waiver: None,
                region: medrecon::model::RegionId(0),
            },
            ArrearsRow {
                person_id: id(ID_C),
                employer_id: e("E3"),
                month: m(2025, 5),
                due: money("947.00"),
                paid: Decimal::ZERO,
                paid_kinds: 0,
                late_fee_billed: None,
                shortfall: money("947.00"),
                days: 76,
                late_fee: money("35.99"),
                late_fee_waiver: None,
                region: medrecon::model::RegionId(0),
            },
        ],
        overpaid: vec![OverpaidRow {
            person_id: id(ID_C),
            employer_id: e("E3"),
            month: m(2024, 12),
            paid: money("947.00"),
            reason: "OUTSIDE_SPELL",
        }],
        flags: vec![],
    };

    let employers = vec![
        EmployerRow {
            employer_id: "E1".into(),
            persons: 1,
            hires: 1,
            separations: 1,
            ..Default::default()
        },
        EmployerRow {
            employer_id: "E2".into(),
            persons: 1,
            hires: 1,
            ..Default::default()
        },
        EmployerRow {
            employer_id: "E3".into(),
            persons: 2,
            hires: 2,
            separations: 1,
            late_stops: 1,
            long_gaps: 1,
            arrears_total: money("994.00"),
            late_fee_total: money("37.07"),
            overpaid_total: money("947.00"),
            ..Default::default()
        },
    ];

    let sheet = |name: &str, read, accepted, rejected, duplicates| SheetReport {
        name: name.into(),
        shape: Some(Shape::Events),
        skipped: None,
        header_row: Some(1),
        rows_read: read,
        accepted,
        rejected,
        duplicates,
        other_insurance: 0,
        skipped_rows: 0,
        skipped_reasons: Default::default(),
        notes: Vec::new(),
    };
    let inputs = vec![
        InputReport {
            path: "exports/hr_2025.csv".into(),
            role: InputRole::Events,
            format: InputFormat::Csv,
            sha256: "0".repeat(64),
            bytes: 512,
            encoding: Some("utf-8-bom".into()),
            sheets: vec![sheet("hr_2025.csv", 10, 7, 2, 1)],
        },
        InputReport {
            path: format!("exports/{BAD_ID}.xlsx"),
            role: InputRole::Events,
            format: InputFormat::Xlsx,
            sha256: "1".repeat(64),
            bytes: 4096,
            encoding: None,
            sheets: vec![sheet("增员", 4, 4, 0, 0), sheet("减员", 3, 2, 1, 0)],
        },
    ];
    let reject = |input, sheet, row, column: &str, value: &str, code, message: &str| Reject {
        source: SourceRef { input, sheet, row },
        column: column.into(),
        value: value.into(),
        code,
        message: medrecon::text!(verbatim, message),
        names: Vec::new(),
        documents: Vec::new(),
    };
    let rejects = vec![
        reject(
            0,
            0,
            5,
            "身份证号",
            BAD_ID,
            RejectCode::IdChecksum,
            &format!("{BAD_ID}: check character is 1, the GB 11643 checksum gives X"),
        ),
        reject(
            0,
            0,
            7,
            "变动类型",
            "=1+1",
            RejectCode::BadEvent,
            "unknown event type",
        ),
        reject(
            1,
            1,
            3,
            "变动日期",
            "2025-02-30",
            RejectCode::BadDate,
            "not a real date",
        ),
    ];

    let mut manifest = Manifest::new(
        [
            "medrecon",
            "run",
            "exports",
            &format!("exports/{BAD_ID}.xlsx"),
            "--as-of",
            "2025-08-15",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
        d(2025, 8, 15),
    );
    manifest.policies = vec![PolicyManifestEntry {
        region: "beijing".into(),
        file: "schemas/policies/beijing.toml".into(),
        sha256: "ab".repeat(32),
        versions: vec!["2024-07..2025-06".into(), "2025-07..".into()],
        rules: vec!["1998-12..".into()],
    }];
    manifest.counts.events_accepted = 13;

    Fixture {
        // Engine output is sorted by person_id: B < A < C.
        results: vec![b, a, c],
        employers,
        rejects,
        inputs,
        manifest,
    }
}

fn opts(mask: bool) -> ReportOptions {
    ReportOptions {
        mask,
        ..ReportOptions::default()
    }
}

fn read(dir: &Path, name: &str) -> String {
    fs::read_to_string(dir.join(name)).unwrap()
}

#[test]
fn csv_rows_are_exact_masked_with_bom_and_two_decimals() {
    let f = fixture();
    let out = tempfile::tempdir().unwrap();
    let (written, summary) = write_reports(out.path(), &f.data(), &opts(true)).unwrap();
    // The summary handed back is the run's (the one the manifest shows).
    assert_eq!(
        summary,
        medrecon::report::RunSummary::compute(&f.results, &f.employers, f.rejects.len())
    );
    assert_eq!(summary.persons, f.results.len() as u64);
    let names: Vec<String> = written
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "persons.csv",
            "gaps.csv",
            "stops.csv",
            "arrears.csv",
            "employers.csv",
            "rejects.csv",
            "overpaid.csv",
            "flags.csv",
            "report.xlsx",
            "manifest.json"
        ]
    );

    let persons = fs::read(out.path().join("persons.csv")).unwrap();
    assert_eq!(&persons[..3], b"\xEF\xBB\xBF", "UTF-8 BOM first");
    let persons = String::from_utf8(persons[3..].to_vec()).unwrap();
    let lines: Vec<&str> = persons.lines().collect();
    assert_eq!(
        lines[0],
        "person_id,name,employers,first_covered_month,last_covered_month,status,open_months,resume_by,gaps,long_gaps,max_gap_months,catch_up_total,continuous_months,cumulative_months,arrears_total,late_fee_total,flags,actual_months,deemed_months,lifetime_months_needed,resident_wait_days,resident_wait_reason,unpriced,employer_names"
    );
    assert_eq!(
        lines[1],
        "110101********1233,欧***,E3,2025-01,2025-03,lapsed,5,,1,1,5,0.00,3,3,0.00,0.00,GAP_OVER_3M;LATE_STOP,3,0,357,180,NOT_CONTINUOUS,,"
    );
    assert_eq!(
        lines[2],
        "110105********002X,张*,E1;E2,2024-03,2025-08,covered,0,,1,0,2,2366.00,16,16,0.00,0.00,,0,0,,,,,"
    );
    assert_eq!(
        lines[3],
        "440304********4567,李*,E3,2025-01,2025-08,covered,0,,0,0,0,0.00,8,8,994.00,37.07,OVERPAID;ARREARS,0,0,,,,,"
    );
    assert_eq!(lines.len(), 4);

    let gaps = read(out.path(), "gaps.csv");
    let gaps: Vec<&str> = gaps.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(
        gaps[1],
        "110101********1233,2025-04,2025-08,5,open,,,,E3,,beijing,,"
    );
    assert_eq!(
        gaps[2],
        "110105********002X,2025-04,2025-05,2,short,2366.00,0,2025-06-01,E1,E2,beijing,,"
    );

    let stops = read(out.path(), "stops.csv");
    assert!(stops.contains(
        "110105********002X,E1,2025-03-20,2025-03,2025-04,2025-03-31,2025-04-04,,false,day,\n"
    ));
    assert!(stops.contains(
        "110101********1233,E3,2025-03-15,2025-03,2025-04,2025-03-31,2025-03-30,2025-04-10,true,day,\n"
    ));

    // Sorted by month within the person although given June first.
    let arrears = read(out.path(), "arrears.csv");
    let arrears: Vec<&str> = arrears.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(
        arrears,
        [
            "person_id,employer_id,month,due,paid,shortfall,days,late_fee,late_fee_waiver,paid_kinds,late_fee_billed,employer_name",
            "440304********4567,E3,2025-05,947.00,0.00,947.00,76,35.99,,,,",
            "440304********4567,E3,2025-06,947.00,900.00,47.00,46,1.08,,normal,1.00,",
        ]
    );

    let employers = read(out.path(), "employers.csv");
    assert!(employers.contains("E3,2,2,1,1,0,1,994.00,37.07,947.00,,,\n"));
    assert!(employers.contains("E2,1,1,0,0,0,0,0.00,0.00,0.00,,,\n"));

    // Flags sorted by date: GAP_OVER_3M (2025-04-01) before LATE_STOP (2025-04-10);
    // the ID inside the detail is masked.
    let flags = read(out.path(), "flags.csv");
    let flags: Vec<&str> = flags.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(
        flags[1],
        "110101********1233,GAP_OVER_3M,E3,2025-04,,\"open gap 2025-04..2025-08, 5 months\","
    );
    assert_eq!(
        flags[2],
        "110101********1233,LATE_STOP,E3,,2025-04-10,\"stop for 110101********1233 filed 2025-04-10, deadline 2025-03-30\","
    );

    let overpaid = read(out.path(), "overpaid.csv");
    assert!(overpaid.ends_with("440304********4567,E3,2024-12,947.00,OUTSIDE_SPELL,\n"));
}

#[test]
fn rejects_neutralise_formulas_mask_ids_and_name_sheets() {
    let f = fixture();
    let out = tempfile::tempdir().unwrap();
    write_reports(out.path(), &f.data(), &opts(true)).unwrap();
    let rejects = read(out.path(), "rejects.csv");
    let lines: Vec<&str> = rejects.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(
        lines,
        [
            "file,sheet,row,column,value,code,message",
            "exports/hr_2025.csv,,5,身份证号,110105********0021,ID_CHECKSUM,\"110105********0021: check character is 1, the GB 11643 checksum gives X\"",
            "exports/hr_2025.csv,,7,变动类型,'=1+1,BAD_EVENT,unknown event type",
            "exports/110105********0021.xlsx,减员,3,变动日期,2025-02-30,BAD_DATE,not a real date",
        ]
    );
}

#[test]
fn no_bom_and_no_mask_write_whole_values() {
    let f = fixture();
    let out = tempfile::tempdir().unwrap();
    let o = ReportOptions {
        mask: false,
        csv_bom: false,
        formats: vec![OutputFormat::Csv],
        ..ReportOptions::default()
    };
    write_reports(out.path(), &f.data(), &o).unwrap();
    let persons = read(out.path(), "persons.csv");
    assert!(persons.starts_with("person_id,"));
    assert!(persons.contains(&format!("{ID_A},张三,E1;E2,")));
    assert!(persons.contains(&format!("{ID_B},欧阳娜娜,E3,")));
    assert!(!out.path().join("report.xlsx").exists());
    let rejects = read(out.path(), "rejects.csv");
    assert!(rejects.contains(&format!(",5,身份证号,{BAD_ID},ID_CHECKSUM,")));
}

/// Every cell of every sheet of a workbook, as text.
fn workbook_text(path: &Path) -> Vec<(String, Vec<Vec<Data>>)> {
    let mut wb = open_workbook_auto(path).unwrap();
    wb.sheet_names()
        .into_iter()
        .map(|name| {
            let range = wb.worksheet_range(&name).unwrap();
            let rows = range.rows().map(|r| r.to_vec()).collect();
            (name, rows)
        })
        .collect()
}

#[test]
fn masked_run_has_no_whole_id_or_name_anywhere() {
    let f = fixture();
    let out = tempfile::tempdir().unwrap();
    write_reports(out.path(), &f.data(), &opts(true)).unwrap();
    let secrets = [ID_A, ID_B, ID_C, BAD_ID, "张三", "欧阳娜娜", "李四"];
    for entry in fs::read_dir(out.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "xlsx") {
            for (sheet, rows) in workbook_text(&path) {
                for cell in rows.iter().flatten() {
                    let text = cell.to_string();
                    for s in secrets {
                        assert!(!text.contains(s), "{s} in sheet {sheet}: {text}");
                    }
                }
            }
        } else {
            let text = fs::read_to_string(&path).unwrap();
            for s in secrets {
                assert!(!text.contains(s), "{s} in {}", path.display());
            }
        }
    }
}

#[test]
fn workbook_reads_back_with_sheets_headers_money_and_summary() {
    let f = fixture();
    let out = tempfile::tempdir().unwrap();
    write_reports(out.path(), &f.data(), &opts(true)).unwrap();
    let sheets = workbook_text(&out.path().join("report.xlsx"));
    let names: Vec<&str> = sheets.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "汇总", "人员", "断缴", "停保", "欠缴", "单位", "拒收", "多缴", "标记"
        ]
    );
    let persons = &sheets[1].1;
    assert_eq!(persons[0][0], Data::String("身份证号".into()));
    assert_eq!(persons[0][11], Data::String("补缴金额合计".into()));
    assert_eq!(persons[2][0], Data::String("110105********002X".into()));
    // Money is a number cell, months are text.
    assert_eq!(persons[2][11], Data::Float(2366.0));
    assert_eq!(persons[2][3], Data::String("2024-03".into()));
    let arrears = &sheets[4].1;
    let late_fees: f64 = arrears[1..]
        .iter()
        .map(|r| match r[7] {
            Data::Float(x) => x,
            ref other => panic!("late fee cell {other:?}"),
        })
        .sum();
    // 35.99 + 1.08 = 37.07
    assert!((late_fees - 37.07).abs() < 1e-9);
    // The reject "=1+1" stays text in the workbook (not a formula).
    let rejects = &sheets[6].1;
    assert_eq!(rejects[2][4], Data::String("=1+1".into()));

    // Summary: label in column A, value in column B.
    let summary = &sheets[0].1;
    let value_of = |label: &str| {
        summary
            .iter()
            .find(|r| r.first() == Some(&Data::String(label.into())))
            .map(|r| r[1].clone())
            .unwrap_or_else(|| panic!("no summary row {label}"))
    };
    assert_eq!(value_of("基准日"), Data::String("2025-08-15".into()));
    assert_eq!(value_of("补缴金额"), Data::Float(2366.0));
    assert_eq!(value_of("欠缴金额"), Data::Float(994.0));
    assert_eq!(value_of("滞纳金"), Data::Float(37.07));
    assert_eq!(value_of("多缴金额"), Data::Float(947.0));
    assert_eq!(value_of("人数"), Data::Float(3.0));
    // Flags: persons carrying each.
    assert_eq!(value_of("逾期减员 LATE_STOP"), Data::Float(1.0));
    // Top employers by arrears: only E3 owes.
    assert_eq!(value_of("E3"), Data::Float(994.0));
    // The input row accounting: 10 read = 7 + 2 + 1.
    let input_row = summary
        .iter()
        .find(|r| r.first() == Some(&Data::String("exports/hr_2025.csv".into())))
        .unwrap();
    assert_eq!(
        input_row[4..8],
        [
            Data::Float(10.0),
            Data::Float(7.0),
            Data::Float(2.0),
            Data::Float(1.0)
        ]
    );
}

#[test]
fn english_workbook_uses_keys_and_english_sheet_names() {
    let f = fixture();
    let out = tempfile::tempdir().unwrap();
    let o = ReportOptions {
        lang: Lang::En,
        formats: vec![OutputFormat::Xlsx],
        ..ReportOptions::default()
    };
    write_reports(out.path(), &f.data(), &o).unwrap();
    let sheets = workbook_text(&out.path().join("report.xlsx"));
    let names: Vec<&str> = sheets.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "Summary",
            "Persons",
            "Gaps",
            "Stops",
            "Arrears",
            "Employers",
            "Rejects",
            "Overpaid",
            "Flags"
        ]
    );
    assert_eq!(sheets[2].1[0][5], Data::String("catch_up".into()));
    assert!(!out.path().join("persons.csv").exists());
}

#[test]
fn manifest_records_inputs_counts_totals_and_output_hashes() {
    let f = fixture();
    let out = tempfile::tempdir().unwrap();
    write_reports(out.path(), &f.data(), &opts(true)).unwrap();
    let text = read(out.path(), "manifest.json");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["tool"], "medrecon");
    assert_eq!(v["as_of"], "2025-08-15");
    assert_eq!(v["command_line"][3], "exports/110105********0021.xlsx");
    assert_eq!(v["inputs"][0]["sheets"][0]["rows_read"], 10);
    assert_eq!(v["inputs"][1]["path"], "exports/110105********0021.xlsx");
    assert_eq!(v["policies"][0]["versions"][1], "2025-07..");
    assert_eq!(v["policies"][0]["rules"][0], "1998-12..");
    assert_eq!(v["counts"]["events_accepted"], 13);
    assert_eq!(v["counts"]["persons"], 3);
    assert_eq!(v["counts"]["gaps"], 2);
    assert_eq!(v["counts"]["rejects"], 3);
    assert_eq!(v["statuses"]["lapsed"], 1);
    assert_eq!(v["flags"]["GAP_OVER_3M"], 1);
    assert_eq!(v["totals"]["catch_up"], "2366.00");
    assert_eq!(v["totals"]["late_fee"], "37.07");
    let outputs = v["outputs"].as_array().unwrap();
    assert_eq!(outputs.len(), 9);
    for o in outputs {
        let name = o["file"].as_str().unwrap();
        let (bytes, sha) = medrecon::report::hash_file(&out.path().join(name)).unwrap();
        assert_eq!(o["bytes"], bytes, "{name}");
        assert_eq!(o["sha256"], sha, "{name}");
    }
    assert!(!text.contains("seconds"), "no timings in the manifest");
}

#[test]
fn reruns_are_byte_identical() {
    let f = fixture();
    let one = tempfile::tempdir().unwrap();
    let two = tempfile::tempdir().unwrap();
    let o = ReportOptions {
        formats: vec![OutputFormat::Csv, OutputFormat::Xlsx],
        ..ReportOptions::default()
    };
    let (first, _) = write_reports(one.path(), &f.data(), &o).unwrap();
    // The second run in its own folder, a moment later, and a rewrite of the first.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    write_reports(two.path(), &f.data(), &o).unwrap();
    let snapshot: Vec<Vec<u8>> = first.iter().map(|p| fs::read(p).unwrap()).collect();
    write_reports(one.path(), &f.data(), &o).unwrap();
    for (p, before) in first.iter().zip(&snapshot) {
        let name = p.file_name().unwrap();
        assert_eq!(
            &fs::read(p).unwrap(),
            before,
            "{name:?} rewritten differently"
        );
        assert_eq!(
            &fs::read(two.path().join(name)).unwrap(),
            before,
            "{name:?} differs between runs"
        );
    }
}

#[test]
fn failed_write_leaves_previous_reports_untouched() {
    let f = fixture();
    let out = tempfile::tempdir().unwrap();
    write_reports(out.path(), &f.data(), &opts(true)).unwrap();
    let before: Vec<(std::path::PathBuf, Vec<u8>)> = fs::read_dir(out.path())
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            let bytes = fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect();
    // A second run with other data, where a folder sits in the way of gaps.csv
    // (remove the old file and put a folder there).
    fs::remove_file(out.path().join("gaps.csv")).unwrap();
    fs::create_dir(out.path().join("gaps.csv")).unwrap();
    fs::write(out.path().join("gaps.csv").join("keep"), "x").unwrap();
    let mut other = fixture();
    other.results.truncate(1);
    let err = write_reports(out.path(), &other.data(), &opts(true)).unwrap_err();
    assert!(err.to_string().contains("gaps.csv"), "{err}");
    for (p, bytes) in &before {
        if p.ends_with("gaps.csv") {
            continue;
        }
        assert_eq!(&fs::read(p).unwrap(), bytes, "{} changed", p.display());
    }
    let leftovers: Vec<String> = fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "staging left behind: {leftovers:?}");
}

#[test]
fn unbalanced_input_fails_before_writing_anything() {
    let mut f = fixture();
    // 3 read but 2 accepted + 0 rejected + 0 duplicates.
    f.inputs[1].sheets[1].rejected = 0;
    let parent = tempfile::tempdir().unwrap();
    let out = parent.path().join("reports");
    let err = write_reports(&out, &f.data(), &opts(true)).unwrap_err();
    match &err {
        ReportError::Unbalanced {
            path,
            sheet,
            read,
            sum,
            ..
        } => {
            assert_eq!(path, "exports/110105********0021.xlsx");
            assert_eq!(sheet, "减员");
            assert_eq!((*read, *sum), (3, 2));
        }
        other => panic!("expected Unbalanced, got {other}"),
    }
    assert!(!err.to_string().contains(BAD_ID));
    assert!(!out.exists());
}

#[test]
fn big_tables_continue_on_numbered_sheets() {
    let mut f = fixture();
    // 7 persons with a limit of 3 rows per sheet: 人员, 人员 (2), 人员 (3) with 3, 3, 1 rows.
    let template = f.results[1].clone();
    f.results = (0..7u8)
        .map(|i| {
            let mut first17 = *b"11010119900307120";
            first17[16] = b'0' + i;
            let mut r = template.clone();
            r.person.person_id = PersonId::from_first17(&first17).unwrap();
            r.gaps.clear();
            r.stops.clear();
            r
        })
        .collect();
    let out = tempfile::tempdir().unwrap();
    let o = ReportOptions {
        max_sheet_rows: 3,
        formats: vec![OutputFormat::Xlsx],
        ..opts(false)
    };
    write_reports(out.path(), &f.data(), &o).unwrap();
    let sheets = workbook_text(&out.path().join("report.xlsx"));
    let persons: Vec<(&str, usize)> = sheets
        .iter()
        .filter(|(n, _)| n.starts_with("人员"))
        .map(|(n, rows)| (n.as_str(), rows.len()))
        .collect();
    // Row counts include the header row of each sheet.
    assert_eq!(persons, [("人员", 4), ("人员 (2)", 4), ("人员 (3)", 2)]);
    // Every part has the header, and the IDs continue in order.
    assert_eq!(sheets[2].1[0][0], Data::String("身份证号".into()));
    assert_eq!(
        sheets[2].1[1][0],
        Data::String(f.results[3].person.person_id.to_string())
    );
    assert_eq!(
        sheets[3].1[1][0],
        Data::String(f.results[6].person.person_id.to_string())
    );
}

#[test]
fn constant_memory_sheets_read_back_the_same_and_are_deterministic() {
    let f = fixture();
    let regular = tempfile::tempdir().unwrap();
    let streamed = tempfile::tempdir().unwrap();
    let streamed_again = tempfile::tempdir().unwrap();
    let o = ReportOptions {
        formats: vec![OutputFormat::Xlsx],
        ..ReportOptions::default()
    };
    // Threshold 1: every table sheet with 2+ rows is streamed.
    let cm = ReportOptions {
        constant_memory_rows: 1,
        ..o.clone()
    };
    write_reports(regular.path(), &f.data(), &o).unwrap();
    write_reports(streamed.path(), &f.data(), &cm).unwrap();
    let a = fs::read(regular.path().join("report.xlsx")).unwrap();
    let b = fs::read(streamed.path().join("report.xlsx")).unwrap();
    assert_ne!(a, b, "constant-memory mode was used");
    // Sheets are filled side by side: the bytes do not depend on which
    // thread used a format first (ten runs).
    for _ in 0..10 {
        write_reports(streamed_again.path(), &f.data(), &cm).unwrap();
        assert_eq!(
            b,
            fs::read(streamed_again.path().join("report.xlsx")).unwrap()
        );
    }
    assert_eq!(
        workbook_text(&regular.path().join("report.xlsx")),
        workbook_text(&streamed.path().join("report.xlsx"))
    );
}

#[test]
fn a_rejected_name_cell_is_masked_like_a_name() {
    let mut f = fixture();
    f.rejects.push(Reject {
        source: SourceRef {
            input: 1,
            sheet: 0,
            row: 2,
        },
        column: "姓名".into(),
        value: "王小明".into(),
        code: RejectCode::MissingValue,
        message: medrecon::text!(verbatim, "row has a name but no ID"),
        names: Vec::new(),
        documents: Vec::new(),
    });
    f.inputs[1].sheets[0].accepted = 3;
    f.inputs[1].sheets[0].rejected = 1;
    let out = tempfile::tempdir().unwrap();
    write_reports(out.path(), &f.data(), &opts(true)).unwrap();
    let rejects = read(out.path(), "rejects.csv");
    // Sorted by (input, sheet, row): the 增员 sheet's row 2 comes before 减员's row 3.
    let lines: Vec<&str> = rejects.lines().collect();
    assert_eq!(
        lines[3],
        "exports/110105********0021.xlsx,增员,2,姓名,王**,MISSING_VALUE,row has a name but no ID"
    );
    assert!(!rejects.contains("王小明"));
}

#[test]
fn reports_of_a_format_no_longer_asked_for_are_removed() {
    let f = fixture();
    let out = tempfile::tempdir().unwrap();
    write_reports(out.path(), &f.data(), &opts(true)).unwrap();
    assert!(out.path().join("report.xlsx").exists());
    let csv_only = ReportOptions {
        formats: vec![OutputFormat::Csv],
        ..opts(true)
    };
    write_reports(out.path(), &f.data(), &csv_only).unwrap();
    assert!(!out.path().join("report.xlsx").exists());
    let v: serde_json::Value = serde_json::from_str(&read(out.path(), "manifest.json")).unwrap();
    let files: Vec<&str> = v["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["file"].as_str().unwrap())
        .collect();
    assert_eq!(files.len(), 8);
    assert!(files.iter().all(|f| f.ends_with(".csv")));
    // The folder holds exactly the manifest's outputs plus the manifest.
    assert_eq!(fs::read_dir(out.path()).unwrap().count(), 9);
}

#[test]
fn parquet_copies_are_written_listed_and_deterministic() {
    let f = fixture();
    let one = tempfile::tempdir().unwrap();
    let two = tempfile::tempdir().unwrap();
    let o = ReportOptions {
        formats: vec![OutputFormat::Parquet],
        ..opts(true)
    };
    let (written, _) = write_reports(one.path(), &f.data(), &o).unwrap();
    write_reports(two.path(), &f.data(), &o).unwrap();
    assert_eq!(written.len(), 9, "8 tables + manifest");
    for p in &written[..8] {
        let bytes = fs::read(p).unwrap();
        assert_eq!(&bytes[..4], b"PAR1", "{}", p.display());
        assert_eq!(&bytes[bytes.len() - 4..], b"PAR1");
        let name = p.file_name().unwrap();
        assert_eq!(bytes, fs::read(two.path().join(name)).unwrap(), "{name:?}");
    }
    assert!(one.path().join("persons.parquet").exists());
    let v: serde_json::Value = serde_json::from_str(&read(one.path(), "manifest.json")).unwrap();
    assert_eq!(v["options"]["formats"][0], "parquet");
    assert_eq!(v["outputs"][0]["file"], "persons.parquet");
}
