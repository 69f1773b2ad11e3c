//! Property tests: no input makes ingest panic. Any bytes as a CSV file, any
//! text in a date, money or ID cell: a value, a reject or a file error.

mod ingest_support;

use ingest_support::*;
use medrecon::ingest::csv::{Record, Splitter};
use medrecon::ingest::values::{parse_date_text, parse_money_text};
use medrecon::model::PersonId;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn any_bytes_as_a_csv_file_never_panic(body in proptest::collection::vec(any::<u8>(), 0..600)) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.csv");
        let mut bytes = "身份证号,变动类型,变动日期,缴费基数\n".as_bytes().to_vec();
        bytes.extend(&body);
        std::fs::write(&p, &bytes).unwrap();
        if let Ok(b) = read(&[p]) {
            prop_assert!(b.inputs[0].balanced());
        }
    }

    #[test]
    fn csv_like_text_splits_and_balances(rows in proptest::collection::vec("[0-9Xx,\"\\n 增员离职/.-]{0,40}", 0..30)) {
        let text = format!("身份证号,变动类型,变动日期\n{}", rows.join("\n"));
        let mut sp = Splitter::new(&text, b',', 1);
        let mut rec = Record::default();
        let mut last = 0;
        while let Some(line) = sp.next_record(&mut rec) {
            prop_assert!(line > last);
            last = line;
        }
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("y.csv");
        std::fs::write(&p, text.as_bytes()).unwrap();
        let b = read(&[p]).unwrap();
        prop_assert!(b.inputs[0].balanced());
    }

    #[test]
    fn any_cell_text_is_a_value_or_an_error(s in "\\PC{0,24}") {
        let _ = parse_date_text(&s, false);
        let _ = parse_date_text(&s, true);
        let _ = parse_money_text(&s);
        let _ = PersonId::parse(&s);
    }

    #[test]
    fn a_date_that_parses_is_written_back_the_same(y in 1900i32..2100, m in 1u32..13, d in 1u32..32) {
        let text = format!("{y:04}-{m:02}-{d:02}");
        match (chrono::NaiveDate::from_ymd_opt(y, m, d), parse_date_text(&text, false)) {
            (Some(real), Ok(got)) => prop_assert_eq!(real, got),
            (None, Err(_)) => {}
            (real, got) => prop_assert!(false, "{} gave {:?}, real {:?}", text, got, real),
        }
        let slashed = format!("{y}/{m}/{d}");
        prop_assert_eq!(parse_date_text(&slashed, false).ok(), chrono::NaiveDate::from_ymd_opt(y, m, d));
    }
}
