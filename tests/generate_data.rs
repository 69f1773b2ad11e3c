//! `medrecon generate` through the library: valid IDs, determinism for a seed,
//! the requested bad-row rate (checked against the file itself, not only the
//! summary), the ledger, GBK, xlsx and split layouts.

use calamine::{Data, Reader, Xlsx, open_workbook};
use chrono::Datelike;
use medrecon::cli::GenerateFormat;
use medrecon::generate::{GenerateOptions, GenerateSummary, generate};
use medrecon::model::{IdError, IdType, Month, PersonId};
use rust_decimal::Decimal;
use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::str::FromStr;

fn options(persons: u64, seed: u64) -> GenerateOptions {
    GenerateOptions {
        persons,
        employers: 12,
        seed,
        format: GenerateFormat::Csv,
        ledger: false,
        ledger_shape: Default::default(),
        bad_rate: 0.0,
        split: false,
    }
}

fn run(dir: &Path, opts: &GenerateOptions) -> GenerateSummary {
    generate(dir, opts).expect("generate succeeds")
}

fn read_csv(path: &Path) -> Vec<csv::StringRecord> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_path(path)
        .unwrap();
    reader.records().map(|r| r.unwrap()).collect()
}

/// The person of a row whose 证件类型 is `type_cell` and ID `id_cell`.
fn typed_id(type_cell: &str, id_cell: &str) -> Result<PersonId, IdError> {
    let id_type = IdType::parse(type_cell).unwrap_or_else(|| panic!("证件类型 {type_cell}"));
    PersonId::parse_typed(id_type, id_cell)
}

/// The person of an event row (证件类型, 身份证号 first).
fn row_id(row: &csv::StringRecord) -> Result<PersonId, IdError> {
    typed_id(&row[0], &row[1])
}

const HIRE_WORDS: [&str; 3] = ["增员", "入职", "新参保"];
const SEPARATION_WORDS: [&str; 3] = ["减员", "离职", "停保"];
const REGIONS: [&str; 17] = [
    "beijing",
    "北京",
    "北京市",
    "110000",
    "shanghai",
    "上海",
    "上海市",
    "310000",
    "guangzhou",
    "广州",
    "广州市",
    "440100",
    "shenzhen",
    "深圳",
    "深圳市",
    "440300",
    "national",
];

/// Parses every date style the generator writes; `None` for an impossible date.
fn parse_date(s: &str) -> Option<chrono::NaiveDate> {
    let digits: Vec<u32> = s
        .split(|c: char| !c.is_ascii_digit())
        .filter(|p| !p.is_empty())
        .map(|p| p.parse().unwrap())
        .collect();
    match digits.as_slice() {
        [ymd] if s.len() == 8 => {
            chrono::NaiveDate::from_ymd_opt((ymd / 10000) as i32, ymd / 100 % 100, ymd % 100)
        }
        [y, m, d] => chrono::NaiveDate::from_ymd_opt(*y as i32, *m, *d),
        _ => panic!("not a date in any generated style: {s}"),
    }
}

/// Money as the generator writes it: `8000`, `8,000.00`, `¥8000`, `8000元`, `８０００`.
fn parse_money(s: &str) -> Option<Decimal> {
    let normal: String = s
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - 0xFF10 + '0' as u32).unwrap(),
            c => c,
        })
        .filter(|c| !matches!(c, ',' | '¥' | '￥' | '元'))
        .collect();
    Decimal::from_str(&normal).ok()
}

#[test]
fn every_id_is_valid_and_each_person_appears() {
    let dir = tempfile::tempdir().unwrap();
    let summary = run(dir.path(), &options(2000, 7));
    let rows = read_csv(&dir.path().join("events.csv"));
    assert_eq!(rows.len() as u64, summary.event_rows);
    assert_eq!(summary.hires + summary.separations, summary.event_rows);
    assert_eq!(summary.bad_rows, 0);
    let mut persons = BTreeSet::new();
    let mut documents = BTreeSet::new();
    let mut first_hire_year = HashMap::new();
    let mut hires = 0;
    for row in &rows {
        assert_eq!(row.len(), 11);
        let id = row_id(row).unwrap_or_else(|e| panic!("{} {}: {e}", &row[0], &row[1]));
        persons.insert(id);
        assert!(
            (2..=4).contains(&row[2].chars().count()),
            "name {}",
            &row[2]
        );
        assert_eq!(row[3].len(), 18);
        let hire = HIRE_WORDS.contains(&&row[4]);
        assert!(hire || SEPARATION_WORDS.contains(&&row[4]), "{}", &row[4]);
        hires += usize::from(hire);
        let date = parse_date(&row[5]).expect("a real date");
        // Rosters go back to staff hired in 2000; nothing after the export date.
        assert!(date >= chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap());
        assert!(date <= chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap());
        if hire {
            first_hire_year
                .entry(id)
                .and_modify(|y: &mut i32| *y = (*y).min(date.year()))
                .or_insert(date.year());
        }
        match id.doc_kind() {
            // A passport or permit: no birth date to check.
            Some(_) => {
                assert_ne!(&row[0], "居民身份证");
                documents.insert(id);
            }
            None => {
                assert_eq!(&row[0], "居民身份证");
                // Birth dates 1960–2003 (digits 7–14 of the ID).
                let year: i32 = id.as_str()[6..10].parse().unwrap();
                assert!((1960..=2003).contains(&year));
                if hire {
                    // Hired in a month after the 16th birthday's.
                    let birth = Month::parse(&id.as_str()[6..12]).unwrap();
                    assert!(
                        Month::of(date) > birth.add(16 * 12),
                        "{} hired {date}",
                        id.as_str()
                    );
                }
            }
        }
        assert!(REGIONS.contains(&&row[6]), "{}", &row[6]);
        if !row[7].is_empty() {
            assert!(parse_money(&row[7]).unwrap() > Decimal::ZERO);
        }
    }
    // About 1% of persons hold a passport or permit (20 expected of 2,000).
    assert_eq!(documents.len() as u64, summary.document_holders);
    assert!((5..=40).contains(&documents.len()), "{}", documents.len());
    // Every person has at least one hire row, and IDs are distinct per person.
    assert_eq!(persons.len(), 2000);
    assert_eq!(hires as u64, summary.hires);
    // First hires: ~25% before 2016, ~35% 2016–2023, ~40% from 2024 (binomial
    // sd at 2,000 persons ≈ 1.1 points; ±4 points is > 3.5 sd).
    assert_eq!(first_hire_year.len(), 2000);
    let share = |years: std::ops::RangeInclusive<i32>| {
        first_hire_year
            .values()
            .filter(|y| years.contains(y))
            .count() as f64
            / 20.0
    };
    for (years, want) in [
        (2000..=2015, 25.0),
        (2016..=2023, 35.0),
        (2024..=2026, 40.0),
    ] {
        let got = share(years.clone());
        assert!((got - want).abs() <= 4.0, "{years:?}: {got}%");
    }
    // ~3 rows per person on average (the 1M-person target is ≈3.0M rows).
    let per_person = rows.len() as f64 / 2000.0;
    assert!((2.6..=3.6).contains(&per_person), "{per_person}");
}

#[test]
fn same_seed_same_bytes_different_seed_different_bytes() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let c = tempfile::tempdir().unwrap();
    let opts = GenerateOptions {
        ledger: true,
        ledger_shape: Default::default(),
        bad_rate: 0.03,
        ..options(1500, 11)
    };
    run(a.path(), &opts);
    // Same seed on a single thread: the split of work must not matter.
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(|| run(b.path(), &opts));
    run(
        c.path(),
        &GenerateOptions {
            seed: 12,
            ..opts.clone()
        },
    );
    for file in ["events.csv", "ledger.csv", "generate.json"] {
        let x = std::fs::read(a.path().join(file)).unwrap();
        let y = std::fs::read(b.path().join(file)).unwrap();
        let z = std::fs::read(c.path().join(file)).unwrap();
        assert!(x == y, "{file} differs for the same seed");
        assert!(x != z, "{file} is the same for another seed");
    }
}

#[test]
fn xlsx_and_gbk_are_deterministic_too() {
    for format in [GenerateFormat::Gbk, GenerateFormat::Xlsx] {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let opts = GenerateOptions {
            format,
            ..options(300, 5)
        };
        let s = run(a.path(), &opts);
        run(b.path(), &opts);
        let name = &s.files[0].path;
        assert_eq!(
            std::fs::read(a.path().join(name)).unwrap(),
            std::fs::read(b.path().join(name)).unwrap(),
            "{name}"
        );
    }
}

/// Classifies a CSV row the way a reader would: which field is bad, if any.
fn bad_code(row: &csv::StringRecord) -> Option<&'static str> {
    if let Err(e) = row_id(row) {
        return Some(e.code().as_str());
    }
    if !HIRE_WORDS.contains(&&row[4]) && !SEPARATION_WORDS.contains(&&row[4]) {
        return Some("BAD_EVENT");
    }
    if parse_date(&row[5]).is_none() {
        return Some("BAD_DATE");
    }
    if !REGIONS.contains(&&row[6]) {
        return Some("UNKNOWN_REGION");
    }
    if !row[7].is_empty() && parse_money(&row[7]).is_none() {
        return Some("BAD_MONEY");
    }
    None
}

#[test]
fn bad_rate_is_what_was_asked_and_what_the_file_holds() {
    let dir = tempfile::tempdir().unwrap();
    let opts = GenerateOptions {
        bad_rate: 0.05,
        ..options(2000, 3)
    };
    let summary = run(dir.path(), &opts);
    let rows = read_csv(&dir.path().join("events.csv"));
    let mut found: HashMap<&str, u64> = HashMap::new();
    for row in &rows {
        if let Some(code) = bad_code(row) {
            *found.entry(code).or_default() += 1;
        }
    }
    // The file's bad rows, by kind, are exactly what the summary reports.
    for (code, n) in &summary.bad_rows_by_code {
        assert_eq!(found.get(code).copied().unwrap_or(0), *n, "{code}");
    }
    assert_eq!(found.values().sum::<u64>(), summary.bad_rows);
    // ~6000 rows at 5%: 300 expected, binomial sd ≈ 17, so ±1 point is > 3 sd.
    assert!(
        (0.04..=0.06).contains(&summary.bad_rate),
        "{}",
        summary.bad_rate
    );
    assert!(summary.bad_rows_by_code.values().all(|&n| n > 0));
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("generate.json")).unwrap()).unwrap();
    assert_eq!(json["bad_rows"], summary.bad_rows);
    assert_eq!(json["requested_bad_rate"], 0.05);
}

#[test]
fn ledger_matches_the_events_with_gaps_in_payment() {
    let dir = tempfile::tempdir().unwrap();
    let opts = GenerateOptions {
        ledger: true,
        ledger_shape: Default::default(),
        ..options(2000, 9)
    };
    let summary = run(dir.path(), &opts);
    let ledger = summary.ledger.clone().unwrap();
    let events = read_csv(&dir.path().join("events.csv"));
    let employers: BTreeSet<String> = events.iter().map(|r| r[3].to_string()).collect();
    let persons: BTreeSet<PersonId> = events.iter().map(|r| row_id(r).unwrap()).collect();
    let rows = read_csv(&dir.path().join("ledger.csv"));
    assert_eq!(rows.len() as u64, ledger.rows);
    let mut keys = HashMap::new();
    let mut documents = BTreeSet::new();
    for row in &rows {
        // 证件类型 and 身份证号 name the person as the events do.
        let id = row_id(row).unwrap();
        assert!(persons.contains(&id), "{} {}", &row[0], &row[1]);
        if id.doc_kind().is_some() {
            documents.insert(id);
        }
        assert!(employers.contains(&row[2]), "{}", &row[2]);
        let month = Month::parse(&row[3]).unwrap();
        assert!(month >= Month::new(2024, 1).unwrap() && month <= Month::new(2026, 10).unwrap());
        let amount = Decimal::from_str(&row[4]).unwrap();
        assert!(amount > Decimal::ZERO && amount.scale() == 2, "{amount}");
        *keys
            .entry((row[1].to_string(), row[2].to_string(), month))
            .or_insert(0u32) += 1;
    }
    // Document holders paid for in 2024–2026 are in the ledger too.
    assert!(!documents.is_empty());
    // Written rows = covered months − missing + duplicated.
    assert_eq!(
        ledger.rows,
        ledger.months - ledger.months_missing + ledger.rows_duplicated
    );
    assert_eq!(
        keys.values().filter(|&&n| n == 2).count() as u64,
        ledger.rows_duplicated
    );
    assert!(
        ledger.months_missing > 0 && ledger.months_underpaid > 0 && ledger.months_paid_late > 0
    );
    // About 14.5 covered months per person (about 13 when every hire was from 2024:
    // tenures begun before 2024 now run on into the ledger's window).
    let per_person = ledger.months as f64 / 2000.0;
    assert!((9.0..=16.0).contains(&per_person), "{per_person}");
}

#[test]
fn gbk_file_has_a_title_line_and_decodes() {
    let dir = tempfile::tempdir().unwrap();
    let opts = GenerateOptions {
        format: GenerateFormat::Gbk,
        ..options(500, 4)
    };
    let summary = run(dir.path(), &opts);
    let bytes = std::fs::read(dir.path().join("events.csv")).unwrap();
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "GBK bytes are not UTF-8"
    );
    let (text, had_errors) = encoding_rs::GBK.decode_without_bom_handling(&bytes);
    assert!(!had_errors);
    let mut lines = text.split("\r\n");
    let title = lines.next().unwrap();
    assert!(
        title.starts_with("众联人力资源服务有限公司2026年10月社保增减员表"),
        "{title}"
    );
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("证件类型,身份证号,姓名,单位编号")
    );
    let data: Vec<&str> = lines.filter(|l| !l.is_empty()).collect();
    assert_eq!(data.len() as u64, summary.event_rows);
    for line in data {
        let mut cells = line.split(',');
        typed_id(cells.next().unwrap(), cells.next().unwrap()).unwrap();
    }
}

#[test]
fn xlsx_has_hire_and_separation_sheets() {
    let dir = tempfile::tempdir().unwrap();
    let opts = GenerateOptions {
        format: GenerateFormat::Xlsx,
        bad_rate: 0.05,
        ..options(400, 8)
    };
    let summary = run(dir.path(), &opts);
    let mut book: Xlsx<_> = open_workbook(dir.path().join("events.xlsx")).unwrap();
    assert_eq!(
        book.sheet_names(),
        vec!["增员".to_string(), "减员".to_string()]
    );
    let mut counts = Vec::new();
    let mut floats = 0;
    for sheet in ["增员", "减员"] {
        let range = book.worksheet_range(sheet).unwrap();
        let rows: Vec<_> = range.rows().collect();
        // Title row, header row, then data.
        assert!(matches!(&rows[0][0], Data::String(t) if t.contains("社保增减员表")));
        assert_eq!(rows[1][0], Data::String("证件类型".into()));
        assert_eq!(rows[1][1], Data::String("身份证号".into()));
        counts.push(rows.len() as u64 - 2);
        for row in &rows[2..] {
            match &row[1] {
                // An ID that went through a number: lost digits.
                Data::Float(_) => floats += 1,
                Data::String(_) | Data::Empty => {}
                other => panic!("unexpected ID cell {other:?}"),
            }
        }
    }
    assert_eq!(counts, vec![summary.hires, summary.separations]);
    assert_eq!(floats, summary.bad_rows_by_code["ID_LOST_DIGITS"]);
}

#[test]
fn split_writes_one_file_per_employer() {
    let dir = tempfile::tempdir().unwrap();
    let opts = GenerateOptions {
        split: true,
        ..options(800, 6)
    };
    let summary = run(dir.path(), &opts);
    assert!(summary.files.len() > 1 && summary.files.len() <= 12);
    let mut total = 0;
    for file in &summary.files {
        let rows = read_csv(&dir.path().join(&file.path));
        assert_eq!(rows.len() as u64, file.rows);
        // Every row of a file is that employer's.
        let code = file
            .path
            .trim_start_matches("events/")
            .trim_end_matches(".csv");
        assert!(rows.iter().all(|r| &r[3] == code));
        total += file.rows;
    }
    assert_eq!(total, summary.event_rows);
}

#[test]
fn refuses_a_bad_rate_outside_zero_to_one() {
    let dir = tempfile::tempdir().unwrap();
    let err = generate(
        dir.path(),
        &GenerateOptions {
            bad_rate: 1.5,
            ..options(10, 1)
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("--bad-rate"), "{err}");
}
