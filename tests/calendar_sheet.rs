//! The coverage calendar sheet (参保月历, issue 18 item 3) of the samples at
//! 2026-11-22, read back: calamine for the texts, the sheet's XML and
//! styles.xml (quick-xml) for each cell's fill colour. Four persons checked
//! by hand against the stories in scripts/make_samples.py:
//!
//! - 110105196307271009: 华信 (…XK3U) 2024-03-10..2025-03-20, 2025-02 never
//!   paid (arrears), short gap 2025-04..05, 瑞达 (…QX2B) from 2025-06-05.
//! - 310104198209231062: 华信 from 2025-01-01, 穗安 2025-06-01..09-30 at the
//!   same time (overlap 2025-06..09).
//! - 110105196406111107: 华信 2024-06-03..2025-01-10, the unemployment fund
//!   2025-02..07 (ui/失业金领取.csv), 穗安 (GZ0042) from 2025-08-18.
//! - 110105198509201390: 华信 2025-09-01..2026-07-15, then an open gap past
//!   the limit (2026-08..11).

use calamine::{Data, Reader, open_workbook_auto};
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

const GREEN: &str = "FFC6EFCE";
const BLUE: &str = "FFBDD7EE";
const YELLOW: &str = "FFFFEB9C";
const ORANGE: &str = "FFF8CBAD";
const PURPLE: &str = "FFCDB4DB";
const AMBER: &str = "FFFFC000";

fn run(out: &Path, extra: &[&str]) {
    let s = root().join("samples");
    let o = assert_cmd::Command::cargo_bin("medrecon")
        .unwrap()
        .arg("run")
        .arg(&s)
        .args(["--as-of", "2026-11-22", "--quiet"])
        .arg("--ledger")
        .arg(s.join("ledger"))
        .arg("--ui")
        .arg(s.join("ui"))
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

fn zip_text(path: &Path, name: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut text = String::new();
    zip.by_name(name)
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    text
}

fn attr(e: &quick_xml::events::BytesStart<'_>, key: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == key)
        .map(|a| a.value.to_string())
}

/// Each cell style's fill colour (`FFRRGGBB`), by style index.
fn style_fills(styles: &str) -> Vec<Option<String>> {
    use quick_xml::events::Event;
    let mut r = quick_xml::Reader::from_str(styles);
    let (mut fills, mut xfs) = (Vec::new(), Vec::new());
    let (mut in_fills, mut in_xfs) = (false, false);
    loop {
        match r.read_event().unwrap() {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) => match e.name().as_ref() {
                "fills" => in_fills = true,
                "cellXfs" => in_xfs = true,
                "fill" if in_fills => fills.push(None),
                "fgColor" if in_fills => {
                    if let Some(last) = fills.last_mut() {
                        *last = attr(&e, "rgb");
                    }
                }
                "xf" if in_xfs => xfs.push(attr(&e, "fillId").map_or(0, |f| f.parse().unwrap())),
                _ => {}
            },
            Event::End(e) => match e.name().as_ref() {
                "fills" => in_fills = false,
                "cellXfs" => in_xfs = false,
                _ => {}
            },
            _ => {}
        }
    }
    xfs.into_iter()
        .map(|f: usize| fills.get(f).cloned().flatten())
        .collect()
}

/// Each cell's style index, by reference (`D5`).
fn cell_styles(sheet: &str) -> HashMap<String, usize> {
    use quick_xml::events::Event;
    let mut r = quick_xml::Reader::from_str(sheet);
    let mut out = HashMap::new();
    loop {
        match r.read_event().unwrap() {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) if e.name().as_ref() == "c" => {
                let at = attr(&e, "r").unwrap();
                out.insert(at, attr(&e, "s").map_or(0, |s| s.parse().unwrap()));
            }
            _ => {}
        }
    }
    out
}

fn col_name(mut c: usize) -> String {
    let mut s = Vec::new();
    c += 1;
    while c > 0 {
        s.push(b'A' + ((c - 1) % 26) as u8);
        c = (c - 1) / 26;
    }
    s.reverse();
    String::from_utf8(s).unwrap()
}

/// A month's cell: its text and fill colour.
type Cell = (String, Option<String>);
/// A run of equal months: first, last, text, colour.
type Run = (String, String, String, Option<String>);

struct Calendar {
    /// Month column headers, from column D on.
    months: Vec<String>,
    /// Per person: status, and per month (text, fill colour).
    rows: HashMap<String, (String, Vec<Cell>)>,
}

fn read_calendar(path: &Path, sheet_name: &str) -> Calendar {
    let mut wb = open_workbook_auto(path).unwrap();
    let index = wb
        .sheet_names()
        .iter()
        .position(|n| n == sheet_name)
        .unwrap();
    let range = wb.worksheet_range(sheet_name).unwrap();
    let text = |r: usize, c: usize| match range.get((r, c)) {
        Some(Data::String(s)) => s.clone(),
        _ => String::new(),
    };
    // rust_xlsxwriter writes the Nth sheet as xl/worksheets/sheetN.xml.
    let styles = style_fills(&zip_text(path, "xl/styles.xml"));
    let cells = cell_styles(&zip_text(
        path,
        &format!("xl/worksheets/sheet{}.xml", index + 1),
    ));
    let width = range.width();
    let months: Vec<String> = (3..width).map(|c| text(1, c)).collect();
    let mut rows = HashMap::new();
    for r in 2..range.height() {
        let line: Vec<Cell> = (3..width)
            .map(|c| {
                let style = cells.get(&format!("{}{}", col_name(c), r + 1)).copied();
                (text(r, c), style.and_then(|s| styles[s].clone()))
            })
            .collect();
        rows.insert(text(r, 0), (text(r, 2), line));
    }
    Calendar { months, rows }
}

/// Runs of equal cells: (first month, last month, text, colour).
fn runs(cal: &Calendar, id: &str) -> (String, Vec<Run>) {
    let (status, line) = &cal.rows[id];
    let mut out: Vec<Run> = Vec::new();
    for (m, (t, c)) in cal.months.iter().zip(line) {
        match out.last_mut() {
            Some(last) if last.2 == *t && last.3 == *c => last.1 = m.clone(),
            _ => out.push((m.clone(), m.clone(), t.clone(), c.clone())),
        }
    }
    (status.clone(), out)
}

fn run_of(a: &str, b: &str, t: &str, c: Option<&str>) -> Run {
    (a.into(), b.into(), t.into(), c.map(String::from))
}

#[test]
fn the_samples_calendar_colours_each_month_of_four_hand_checked_persons() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    run(&out, &["--no-mask"]);
    let cal = read_calendar(&out.join("report.xlsx"), "参保月历");
    // From the earliest gap, flag or arrears month (2024-01) to 2026-11.
    assert_eq!(cal.months.first().map(String::as_str), Some("2024-01"));
    assert_eq!(cal.months.last().map(String::as_str), Some("2026-11"));
    assert_eq!(cal.months.len(), 35);
    // Every sample person has a row (54 persons, at most 50,000).
    assert_eq!(cal.rows.len(), 54);

    let (status, r) = runs(&cal, "110105196307271009");
    assert_eq!(status, "参保中");
    assert_eq!(
        r,
        [
            run_of("2024-01", "2024-02", "", None),
            run_of("2024-03", "2025-01", "XK3U", Some(GREEN)),
            run_of("2025-02", "2025-02", "欠缴", Some(AMBER)),
            run_of("2025-03", "2025-03", "XK3U", Some(GREEN)),
            run_of("2025-04", "2025-05", "短断", Some(YELLOW)),
            run_of("2025-06", "2026-11", "QX2B", Some(GREEN)),
        ]
    );
    let (_, r) = runs(&cal, "310104198209231062");
    assert_eq!(
        r,
        [
            run_of("2024-01", "2024-12", "", None),
            run_of("2025-01", "2025-05", "XK3U", Some(GREEN)),
            run_of("2025-06", "2025-09", "重复", Some(PURPLE)),
            run_of("2025-10", "2026-11", "XK3U", Some(GREEN)),
        ]
    );
    let (_, r) = runs(&cal, "110105196406111107");
    assert_eq!(
        r,
        [
            run_of("2024-01", "2024-05", "", None),
            run_of("2024-06", "2025-01", "XK3U", Some(GREEN)),
            run_of("2025-02", "2025-07", "失业金", Some(BLUE)),
            run_of("2025-08", "2026-11", "0042", Some(GREEN)),
        ]
    );
    let (status, r) = runs(&cal, "110105198509201390");
    assert_eq!(status, "断缴超限");
    assert_eq!(
        r,
        [
            run_of("2024-01", "2025-08", "", None),
            run_of("2025-09", "2026-07", "XK3U", Some(GREEN)),
            run_of("2026-08", "2026-11", "断缴", Some(ORANGE)),
        ]
    );
    // The legend row above the header.
    let mut wb = open_workbook_auto(out.join("report.xlsx")).unwrap();
    let range = wb.worksheet_range("参保月历").unwrap();
    assert_eq!(range.get((0, 0)), Some(&Data::String("图例".into())));
    assert_eq!(
        range.get((0, 3)),
        Some(&Data::String("参保（单位简称）".into()))
    );
}

#[test]
fn the_calendar_limit_keeps_flagged_persons_first_and_says_who_is_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    run(&out, &["--calendar-limit", "5", "--lang", "en"]);
    let mut wb = open_workbook_auto(out.join("report.xlsx")).unwrap();
    let range = wb.worksheet_range("Calendar").unwrap();
    // Legend row, header row, five persons.
    assert_eq!(range.height(), 7);
    let persons = std::fs::read_to_string(out.join("persons.csv")).unwrap();
    let flagged = persons
        .lines()
        .skip(1)
        .filter(|l| {
            // The flags column (17th) is not empty.
            let cells: Vec<&str> = l.split(',').collect();
            cells.get(16).is_some_and(|f| !f.is_empty())
        })
        .count();
    let total = persons.lines().count() - 1;
    // The five rows are persons with a flag, the first five in person order.
    let first_flagged: Vec<String> = persons
        .lines()
        .skip(1)
        .filter(|l| l.split(',').nth(16).is_some_and(|f| !f.is_empty()))
        .take(5)
        .map(|l| {
            l.split(',')
                .next()
                .unwrap()
                .trim_start_matches('\u{feff}')
                .to_string()
        })
        .collect();
    let listed: Vec<String> = (2..7)
        .map(|r| match range.get((r, 0)) {
            Some(Data::String(s)) => s.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(listed, first_flagged);
    let note = range
        .rows()
        .next()
        .unwrap()
        .iter()
        .filter_map(|c| match c {
            Data::String(s) if s.contains("not listed") => Some(s.clone()),
            _ => None,
        })
        .next()
        .unwrap();
    assert_eq!(
        note,
        format!(
            "{} more persons not listed ({} flagged, {} not; the limit is --calendar-limit); every person is in persons.csv",
            total - 5,
            flagged - 5,
            total - flagged
        )
    );
}

/// Printing (issue 18 item 8, what the rendered workbook showed): the
/// calendar prints at most 24 months across a page, with the person columns
/// and the month header on every page; the summary's long facts (the command
/// line) wrap inside the table columns B..H instead of running on to the
/// right, their row as tall as their lines.
#[test]
fn printed_pages_hold_24_months_and_long_summary_facts_wrap() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    run(&out, &[]);
    let path = out.join("report.xlsx");
    let cal = read_calendar(&path, "参保月历");
    let months = cal.months.len();
    assert!(months > 24, "{months}");
    let mut wb = open_workbook_auto(&path).unwrap();
    let names = wb.sheet_names();
    let index = names.iter().position(|n| n == "参保月历").unwrap();
    let sheet = zip_text(&path, &format!("xl/worksheets/sheet{}.xml", index + 1));
    let pages = months.div_ceil(24);
    assert!(
        sheet.contains(&format!("fitToWidth=\"{pages}\"")),
        "{}",
        &sheet[sheet.find("<pageSetup").unwrap()..][..200]
    );
    let workbook = zip_text(&path, "xl/workbook.xml");
    let titles = format!(
        "<definedName name=\"_xlnm.Print_Titles\" localSheetId=\"{index}\">参保月历!$A:$C,参保月历!$2:$2</definedName>"
    );
    assert!(workbook.contains(&titles), "{workbook}");
    // The summary: the command line is merged across B..H and wrapped.
    let summary = wb.worksheet_range("汇总").unwrap();
    let row = summary
        .rows()
        .position(|r| r[0] == Data::String("命令行".into()))
        .unwrap()
        + 1;
    let command = summary.get((row - 1, 1)).unwrap().to_string();
    assert!(command.contains("medrecon run "), "{command}");
    let xml = zip_text(&path, "xl/worksheets/sheet1.xml");
    assert!(
        xml.contains(&format!("<mergeCell ref=\"B{row}:H{row}\"/>")),
        "{xml}"
    );
    // Its cell's style wraps text (the xf at the cell's style index).
    let cell = &xml[xml.find(&format!("<c r=\"B{row}\" s=\"")).unwrap()..];
    let style: usize = cell[cell.find("s=\"").unwrap() + 3..]
        .split('"')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let styles = zip_text(&path, "xl/styles.xml");
    let xfs = &styles[styles.find("<cellXfs").unwrap()..];
    let xfs = &xfs[..xfs.find("</cellXfs>").unwrap()];
    let xf = xfs.split("<xf ").nth(style + 1).unwrap();
    assert!(xf.contains("wrapText=\"1\""), "{xf}");
    // A policy pack's row holds its 64-character SHA-256: its columns are at
    // most 32 wide (+2), so the hash wraps and the row is made taller.
    let national = summary
        .rows()
        .position(|r| r[0] == Data::String("national".into()))
        .unwrap()
        + 1;
    let row_tag = &xml[xml.find(&format!("<row r=\"{national}\"")).unwrap()..];
    let row_tag = &row_tag[..row_tag.find('>').unwrap()];
    assert!(row_tag.contains("customHeight=\"1\""), "{row_tag}");
    assert!(
        !xml.contains("width=\"62\""),
        "a summary column at the 60+2 cap"
    );
}
