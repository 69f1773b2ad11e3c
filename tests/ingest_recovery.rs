//! Issue 17 item 2, row-level recovery: a bad line costs that row, never the
//! file. A stray quote is one BAD_ROW and reading resumes on the next line; an
//! undecodable line is one BAD_ENCODING and the file is read in its encoding;
//! the same for a ledger CSV. Every row stays accounted for.

mod ingest_support;

use assert_cmd::Command;
use ingest_support::*;
use medrecon::model::RejectCode;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

const HEADER: &str = "身份证号,姓名,单位编号,变动类型,变动日期,参保地";
/// Five persons with valid IDs, hired in 2025.
const GOOD: [(&str, &str); 5] = [
    ("11010519491231002X", "张三"),
    ("110101199001011237", "王五"),
    ("110101199001011245", "赵六"),
    ("110101199001011253", "钱七"),
    ("110101199001011261", "孙八"),
];
const STRAY: &str = "110105199003070017,\"李四,E1,增员,2025-01-06,北京";

fn good_rows() -> Vec<String> {
    GOOD.iter()
        .enumerate()
        .map(|(i, (id, name))| format!("{id},{name},E1,增员,2025-0{}-06,北京", i + 1))
        .collect()
}

fn medrecon() -> Command {
    let mut c = Command::cargo_bin("medrecon").expect("binary builds");
    c.timeout(Duration::from_secs(60));
    c
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    fs::create_dir_all(dir).unwrap();
    let p = dir.join(name);
    fs::write(&p, bytes).unwrap();
    p
}

/// `medrecon run` of the events (and ledger, if any) into `out`: persons.csv
/// and the manifest as JSON.
fn run(events: &Path, ledger: Option<&Path>, out: &Path) -> (String, serde_json::Value) {
    let mut c = medrecon();
    c.arg("run").arg(events).args([
        "--as-of",
        "2025-11-30",
        "--quiet",
        "--no-mask",
        "--format",
        "csv",
        "--out",
    ]);
    c.arg(out);
    if let Some(l) = ledger {
        c.arg("--ledger").arg(l);
    }
    c.assert().success();
    let persons = fs::read_to_string(out.join("persons.csv")).unwrap();
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    (persons, manifest)
}

fn assert_good_persons(persons: &str) {
    for (id, _) in GOOD {
        assert!(
            persons.contains(id),
            "{id} missing from persons.csv:\n{persons}"
        );
    }
}

#[test]
fn a_stray_quote_costs_its_line_and_the_rows_after_it_are_read() {
    let tmp = tempfile::tempdir().unwrap();
    let mut lines = vec![HEADER.to_string(), STRAY.to_string()];
    lines.extend(good_rows());
    let p = write(
        &tmp.path().join("in"),
        "stray.csv",
        (lines.join("\n") + "\n").as_bytes(),
    );
    let b = read(std::slice::from_ref(&p)).unwrap();
    let s = &b.inputs[0].sheets[0];
    assert_eq!((s.rows_read, s.accepted, s.rejected), (6, 5, 1));
    assert!(b.inputs[0].balanced());
    assert_eq!(b.rejects.len(), 1);
    assert_reject(&b, 2, "", RejectCode::BadRow);
    let r = reject_at(&b, 2);
    assert!(r.message.en().contains("this line alone"), "{}", r.message);
    assert_eq!(r.value, "110105199003070017,李四,E1,增员,2025-01-06,北京");
    let rows: Vec<u32> = in_input_order(&b).iter().map(|e| e.source.row).collect();
    assert_eq!(rows, vec![3, 4, 5, 6, 7]);

    let (persons, manifest) = run(&p, None, &tmp.path().join("out"));
    assert_good_persons(&persons);
    assert!(!persons.contains("110105199003070017"));
    let sheet = &manifest["inputs"][0]["sheets"][0];
    assert_eq!(
        (&sheet["rows_read"], &sheet["accepted"], &sheet["rejected"]),
        (&6.into(), &5.into(), &1.into())
    );
}

#[test]
fn a_stray_quote_closed_by_a_later_quoted_field_is_still_one_line() {
    // The stray quote pairs with the opening quote of row 4's name; and a
    // quoted line break (row 6-7) is one row as before.
    let rows = good_rows();
    let text = format!(
        "{HEADER}\n{}\n{STRAY}\n{}\n\"{}\",\"{}\",E1,增员,2025-03-06,北京\n{},{},E1,增员,2025-04-06,\"北京\n朝阳\"\n{}\n",
        rows[0],
        rows[1].replacen("王五", "\"王五\"", 1),
        GOOD[2].0,
        GOOD[2].1,
        GOOD[3].0,
        GOOD[3].1,
        rows[4],
    );
    let tmp = tempfile::tempdir().unwrap();
    let p = write(tmp.path(), "later.csv", text.as_bytes());
    let b = read(std::slice::from_ref(&p)).unwrap();
    let s = &b.inputs[0].sheets[0];
    assert_eq!((s.rows_read, s.rejected), (6, 2), "{:#?}", b.rejects);
    assert_reject(&b, 3, "", RejectCode::BadRow);
    // Row 6's region `北京\n朝阳` is no region the test table knows: its
    // reject proves the quoted line break was read as one field.
    let r = reject_at(&b, 6);
    assert_eq!(
        (r.code, r.value.as_str()),
        (RejectCode::UnknownRegion, "北京\n朝阳")
    );
    let rows: Vec<u32> = in_input_order(&b).iter().map(|e| e.source.row).collect();
    assert_eq!(rows, vec![2, 4, 5, 8]);
    assert!(b.inputs[0].balanced());
}

/// The header, the five good rows and, as row 4, 李四's row with `bad` in his name.
fn with_bad_name(bad: &[u8]) -> (Vec<u8>, usize) {
    let rows = good_rows();
    let mut bytes = Vec::new();
    for line in [HEADER, &rows[0], &rows[1]] {
        bytes.extend_from_slice(line.as_bytes());
        bytes.push(b'\n');
    }
    bytes.extend_from_slice("110105199003070017,李".as_bytes());
    let at = bytes.len();
    bytes.extend_from_slice(bad);
    bytes.extend_from_slice(",E1,增员,2025-01-06,北京\n".as_bytes());
    for line in &rows[2..] {
        bytes.extend_from_slice(line.as_bytes());
        bytes.push(b'\n');
    }
    (bytes, at)
}

#[test]
fn an_undecodable_line_in_a_utf8_file_is_one_bad_encoding_reject() {
    let tmp = tempfile::tempdir().unwrap();
    let (bytes, at) = with_bad_name(b"\xff");
    let p = write(&tmp.path().join("in"), "utf8.csv", &bytes);
    let b = read(std::slice::from_ref(&p)).unwrap();
    assert_eq!(b.inputs[0].encoding.as_deref(), Some("utf-8"));
    let s = &b.inputs[0].sheets[0];
    assert_eq!((s.rows_read, s.accepted, s.rejected), (6, 5, 1));
    assert!(b.inputs[0].balanced());
    assert_reject(&b, 4, "姓名", RejectCode::BadEncoding);
    let r = reject_at(&b, 4);
    assert_eq!(r.value, "李\u{FFFD}");
    assert!(
        r.message.en().contains("line 4 is not UTF-8 text")
            && r.message
                .en()
                .contains(&format!("byte {at} of the file in column 姓名")),
        "{}",
        r.message
    );
    assert_eq!(RejectCode::BadEncoding.as_str(), "BAD_ENCODING");

    let out = tmp.path().join("out");
    let (persons, manifest) = run(&p, None, &out);
    assert_good_persons(&persons);
    assert_eq!(manifest["inputs"][0]["encoding"], "utf-8");
    let sheet = &manifest["inputs"][0]["sheets"][0];
    assert_eq!(
        (&sheet["rows_read"], &sheet["accepted"], &sheet["rejected"]),
        (&6.into(), &5.into(), &1.into())
    );
    let rejects = fs::read_to_string(out.join("rejects.csv")).unwrap();
    assert!(
        rejects.contains(",4,姓名,李\u{FFFD},BAD_ENCODING,"),
        "{rejects}"
    );
    // validate counts the row too, and masks the ID-free value as it is.
    let a = medrecon()
        .args(["validate", "--lang", "en"])
        .arg(&p)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&a.get_output().stdout).into_owned();
    assert!(
        stdout.contains("read 6, accepted 5, rejected 1, duplicates 0"),
        "{stdout}"
    );
    assert!(stdout.contains("BAD_ENCODING"), "{stdout}");
}

#[test]
fn an_undecodable_line_in_a_gbk_file_is_one_bad_encoding_reject() {
    let tmp = tempfile::tempdir().unwrap();
    let (utf8, _) = with_bad_name("四".as_bytes());
    let text = String::from_utf8(utf8).unwrap();
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(&text);
    assert!(!unmappable);
    // 李四 in GBK is C0 EE CB C4: 四 becomes C4 FF, no GB18030 character.
    let mut bytes = gbk.into_owned();
    let at = bytes
        .windows(4)
        .position(|w| w == b"\xC0\xEE\xCB\xC4")
        .unwrap()
        + 2;
    bytes[at] = 0xFF;
    bytes[at + 1] = 0xFF;
    let p = write(&tmp.path().join("in"), "gbk.csv", &bytes);
    let b = read(std::slice::from_ref(&p)).unwrap();
    assert_eq!(b.inputs[0].encoding.as_deref(), Some("gb18030"));
    let s = &b.inputs[0].sheets[0];
    assert_eq!((s.rows_read, s.accepted, s.rejected), (6, 5, 1));
    assert!(b.inputs[0].balanced());
    assert_reject(&b, 4, "姓名", RejectCode::BadEncoding);
    let r = reject_at(&b, 4);
    assert!(
        r.value.starts_with('李') && r.value.contains('\u{FFFD}'),
        "{}",
        r.value
    );
    assert!(
        r.message.en().contains("line 4 is not GB18030/GBK text")
            && r.message.en().contains(&format!("byte {at} of the file")),
        "{}",
        r.message
    );
    let (persons, manifest) = run(&p, None, &tmp.path().join("out"));
    assert_good_persons(&persons);
    assert_eq!(manifest["inputs"][0]["encoding"], "gb18030");
}

#[test]
fn a_file_mostly_undecodable_is_still_a_file_error() {
    let tmp = tempfile::tempdir().unwrap();
    let mut bytes = format!("{HEADER}\n").into_bytes();
    for (id, _) in GOOD {
        bytes.extend_from_slice(format!("{id},\u{5f20}").as_bytes());
        bytes.extend_from_slice(b"\xff\xfe,E1,\xff,2025-01-06,x\n");
    }
    let p = write(tmp.path(), "junk.csv", &bytes);
    let e = read(std::slice::from_ref(&p)).unwrap_err().to_string();
    assert!(
        e.contains("junk.csv")
            && e.contains("is neither UTF-8 nor GB18030/GBK text")
            && e.contains("5 are not UTF-8 (first at byte 91, line 2)"),
        "{e}"
    );
    // An undecodable header is a file error, whatever the rows.
    let (mut bytes, _) = with_bad_name("四".as_bytes());
    bytes[2] = 0xFF;
    let p = write(tmp.path(), "header.csv", &bytes);
    let e = read(std::slice::from_ref(&p)).unwrap_err().to_string();
    assert!(
        e.contains("no header row") && e.contains("line 1 is not UTF-8 text (byte 0 cannot"),
        "{e}"
    );
    // A header found whatever its bad byte is still refused.
    let (mut bytes, _) = with_bad_name("四".as_bytes());
    let at = bytes
        .windows(6)
        .position(|w| w == "参保".as_bytes())
        .unwrap()
        + 3;
    bytes[at] = 0xFF;
    let p = write(tmp.path(), "header2.csv", &bytes);
    let e = read(std::slice::from_ref(&p)).unwrap_err().to_string();
    assert!(
        e.contains(&format!(
            "the header row (line 1) is not UTF-8 text (byte {at} cannot"
        )),
        "{e}"
    );
}

/// A ledger of the five good persons, two months each, quoted amounts; row
/// 3 loses its closing quote and row 8 gets `bad` in its employer.
fn ledger_bytes(bad: &[u8]) -> Vec<u8> {
    let mut out = b"\xe8\xba\xab\xe4\xbb\xbd\xe8\xaf\x81\xe5\x8f\xb7,\xe5\x8d\x95\xe4\xbd\x8d\xe7\xbc\x96\xe5\x8f\xb7,\xe8\xb4\xb9\xe6\xac\xbe\xe6\x89\x80\xe5\xb1\x9e\xe6\x9c\x9f,\xe5\xae\x9e\xe7\xbc\xb4\xe9\x87\x91\xe9\xa2\x9d\n".to_vec();
    let mut row = 1;
    for (id, _) in GOOD {
        for m in ["202506", "202507"] {
            row += 1;
            let amount = if row == 3 {
                "\"1,000.00"
            } else {
                "\"1,000.00\""
            };
            let employer: Vec<u8> = if row == 8 {
                [b"E".as_slice(), bad].concat()
            } else {
                b"E1".to_vec()
            };
            out.extend_from_slice(format!("{id},").as_bytes());
            out.extend_from_slice(&employer);
            out.extend_from_slice(format!(",{m},{amount}\n").as_bytes());
        }
    }
    out
}

fn ledger_sheet(manifest: &serde_json::Value) -> &serde_json::Value {
    let inputs = manifest["inputs"].as_array().unwrap();
    let ledger = inputs.iter().find(|i| i["role"] == "ledger").unwrap();
    &ledger["sheets"][0]
}

#[test]
fn a_stray_quote_and_an_undecodable_line_cost_a_ledger_row_each() {
    let tmp = tempfile::tempdir().unwrap();
    let mut lines = vec![HEADER.to_string()];
    lines.extend(good_rows());
    let events = write(
        &tmp.path().join("in"),
        "events.csv",
        (lines.join("\n") + "\n").as_bytes(),
    );
    // UTF-8 with a byte 0xFF; GBK with 0xFF 0xFF, no GB18030 character.
    let utf8 = ledger_bytes(b"\xff");
    let text = String::from_utf8(ledger_bytes(b"X")).unwrap();
    let mut gbk = encoding_rs::GBK.encode(&text).0.into_owned();
    let at = gbk.windows(3).rposition(|w| w == b",EX").unwrap();
    // Only row 8 has employer EX: it becomes E\xff\xff.
    gbk.splice(at + 2..at + 3, [0xFF, 0xFF]);
    for (name, bytes, encoding) in [("l8.csv", utf8, "utf-8"), ("lg.csv", gbk, "gb18030")] {
        let ledger = write(&tmp.path().join("ledger"), name, &bytes);
        let out = tmp.path().join(format!("out-{name}"));
        let (persons, manifest) = run(&events, Some(&ledger), &out);
        assert_good_persons(&persons);
        let sheet = ledger_sheet(&manifest);
        assert_eq!(
            (&sheet["rows_read"], &sheet["accepted"], &sheet["rejected"]),
            (&10.into(), &8.into(), &2.into()),
            "{name}: {sheet}"
        );
        let ledger_input = manifest["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["role"] == "ledger")
            .unwrap();
        assert_eq!(ledger_input["encoding"], encoding, "{name}");
        let rejects = fs::read_to_string(out.join("rejects.csv")).unwrap();
        let rows: Vec<&str> = rejects.lines().filter(|l| l.contains(name)).collect();
        assert_eq!(rows.len(), 2, "{name}: {rejects}");
        assert!(
            rows[0].contains(",3,,") && rows[0].contains("BAD_ROW"),
            "{rows:?}"
        );
        assert!(
            rows[1].contains(",8,单位编号,E\u{FFFD}") && rows[1].contains("BAD_ENCODING"),
            "{rows:?}"
        );
        fs::remove_file(&ledger).unwrap();
    }
}

#[test]
fn a_stray_quote_in_a_file_read_in_chunks_costs_its_line_only() {
    // Over 2 MiB, so the data is cut into chunks by quote parity (a second
    // stray quote at the end makes the count even): after the stray quote
    // (row 3) the first even-parity line break is inside the quoted line
    // break of a later row, where a cut must not fall.
    let rows = good_rows();
    let mut text = format!("{HEADER}\n{}\n{STRAY}\n", rows[0]);
    let mut n = 2u32;
    while text.len() < (2 << 20) + 4096 {
        text.push_str(&rows[1]);
        text.push('\n');
        n += 1;
    }
    text.push_str(&format!(
        "{},{},E1,增员,2025-04-06,\"北京\n朝阳\"\n{}\n{STRAY}\n",
        GOOD[3].0, GOOD[3].1, rows[4]
    ));
    let tmp = tempfile::tempdir().unwrap();
    let p = write(tmp.path(), "big.csv", text.as_bytes());
    let b = read(std::slice::from_ref(&p)).unwrap();
    let s = &b.inputs[0].sheets[0];
    // Rows: header 1, row 2, the stray 3, n - 2 repeats, the quoted row,
    // one good row and the second stray.
    let data_rows = u64::from(n) + 3;
    assert_eq!(s.rows_read, data_rows);
    assert_eq!((s.accepted, s.rejected), (3, 3), "{:#?}", b.rejects);
    assert_eq!(s.duplicates, data_rows - 6);
    assert_reject(&b, n + 5, "", RejectCode::BadRow);
    assert_reject(&b, 3, "", RejectCode::BadRow);
    let r = reject_at(&b, n + 2);
    assert_eq!(
        (r.code, r.value.as_str()),
        (RejectCode::UnknownRegion, "北京\n朝阳")
    );
    assert!(b.inputs[0].balanced());
}
