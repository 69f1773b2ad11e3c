//! `medrecon validate samples` accounts for every row: per file and sheet,
//! read = accepted + rejected + duplicates, and the deliberately bad sample rows
//! are the rejects, IDs masked in the printed report.

#[path = "ingest_support/mod.rs"]
mod ingest_support;

use ingest_support::*;
use medrecon::cli::Lang;
use medrecon::commands::validate::render;
use medrecon::model::{InputFormat, RejectCode, Shape};
use std::collections::BTreeSet;
use std::path::PathBuf;

fn samples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("samples")
}

/// The event exports of `samples/`: its files (the sub-folders hold the
/// ledger and the UI months; a folder is read recursively).
fn sample_events() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(samples())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

#[test]
fn samples_balance_and_hold_the_planted_bad_rows() {
    let b = read(&sample_events()).unwrap();
    // Eight event exports (华信's October and November files among them);
    // ledger/ and ui/ sub-folders are not read as events.
    let formats: Vec<InputFormat> = b.inputs.iter().map(|i| i.format).collect();
    assert_eq!(
        formats.len(),
        8,
        "{:?}",
        b.inputs.iter().map(|i| &i.path).collect::<Vec<_>>()
    );
    assert!(formats.contains(&InputFormat::Xls));
    // A web back office's SpreadsheetML and a JSP app's GBK HTML table, both `.xls`.
    assert!(formats.contains(&InputFormat::Spreadsheetml));
    assert!(formats.contains(&InputFormat::Html));
    // Paths inside samples/ (the checkout's own path may hold `ledger`).
    let dir = samples().display().to_string();
    assert!(b.inputs.iter().all(|i| {
        let inside = i.path.strip_prefix(dir.as_str()).unwrap();
        !inside.contains("ledger") && !inside.contains("/ui/")
    }));
    for input in &b.inputs {
        assert!(input.balanced(), "{input:#?}");
        assert!(input.rows_read() > 0, "{}", input.path);
    }
    let csv = b
        .inputs
        .iter()
        .find(|i| i.format == InputFormat::Csv)
        .unwrap();
    assert_eq!(csv.encoding.as_deref(), Some("gb18030"));
    assert_eq!(csv.sheets[0].header_row, Some(3));
    assert_eq!((csv.sheets[0].rejected, csv.sheets[0].duplicates), (2, 1));
    let xlsx_sheets: Vec<&str> = b
        .inputs
        .iter()
        .filter(|i| i.format == InputFormat::Xlsx)
        .flat_map(|i| i.sheets.iter().map(|s| s.name.as_str()))
        .collect();
    assert!(xlsx_sheets.contains(&"增员") && xlsx_sheets.contains(&"减员"));
    assert!(
        b.inputs
            .iter()
            .flat_map(|i| &i.sheets)
            .any(|s| s.shape == Some(Shape::Roster))
    );
    let codes: Vec<RejectCode> = b.rejects.iter().map(|r| r.code).collect();
    assert_eq!(
        codes,
        vec![
            RejectCode::IdChecksum,
            RejectCode::BadDate,
            RejectCode::IdLostDigits,
            // The bureau declaration's 费款所属期 202513.
            RejectCode::BadMonth,
            // The SpreadsheetML's Number-typed ID.
            RejectCode::IdLostDigits
        ]
    );
    // The bureau declaration (GBK, title row, 申报类型 增/减 and codes,
    // 费款所属期 by month): nine events, every one dated by month.
    let decl = b
        .inputs
        .iter()
        .position(|i| i.path.ends_with("社保申报_京华劳务.csv"))
        .unwrap();
    assert_eq!(b.inputs[decl].encoding.as_deref(), Some("gb18030"));
    assert_eq!(b.inputs[decl].sheets[0].header_row, Some(2));
    let by_month: Vec<_> = b
        .events
        .iter()
        .filter(|e| e.source.input as usize == decl)
        .collect();
    assert_eq!(by_month.len(), 9);
    assert!(
        by_month
            .iter()
            .all(|e| e.basis == medrecon::model::DateBasis::Month)
    );
    let persons: BTreeSet<_> = b.events.iter().map(|e| e.person_id).collect();
    let employers: BTreeSet<_> = b.events.iter().map(|e| e.employer_id).collect();
    assert!(persons.len() >= 30, "{}", persons.len());
    assert!(employers.len() >= 2);
}

#[test]
fn the_printed_report_masks_ids_unless_asked() {
    let b = read(&sample_events()).unwrap();
    let masked = render(&b, true, Lang::En);
    let whole = render(&b, false, Lang::En);
    let bad = &b.rejects[0];
    assert_eq!(bad.code, RejectCode::IdChecksum);
    assert!(whole.contains(&bad.value));
    assert!(!masked.contains(&bad.value));
    let v = &bad.value;
    assert!(masked.contains(&format!("{}********{}", &v[..6], &v[14..])));
    assert!(masked.contains("ID_CHECKSUM") && masked.contains("身份证号"));
    assert!(masked.contains("encoding gb18030"));
    assert!(masked.contains("duplicates 1"));
    assert!(!masked.contains("NOT BALANCED"));
    let found = v.chars().last().unwrap();
    assert!(
        masked.contains(&format!(
            "\tID_CHECKSUM\tcheck character is {found}, the GB 11643 checksum gives "
        )),
        "{masked}"
    );
    println!("{masked}");
    // The same report in Chinese (the default): the counts' words and the
    // reject message, the codes and values as they are.
    let zh = render(&b, true, Lang::Zh);
    assert!(zh.contains("，编码gb18030，"), "{zh}");
    assert!(zh.contains("重复1"), "{zh}");
    assert!(
        zh.contains("文件\t工作表\t行号\t列\t值\t拒收代码\t拒收原因\n"),
        "{zh}"
    );
    assert!(
        zh.contains(&format!(
            "\tID_CHECKSUM\t校验码为{found}，按GB 11643计算应为"
        )),
        "{zh}"
    );
    assert!(!zh.contains(&bad.value) && !zh.contains("check character"));
}
