//! The CSV decoder and splitter on arbitrary bytes: decoding never panics,
//! splitting always ends, and each record lies inside the text and after the
//! one before it. Run: `scripts/fuzz.sh csv_split 60`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use medrecon::ingest::csv;

fuzz_target!(|data: &[u8]| {
    let Ok(decoded) = csv::decode_recovering(data) else {
        return;
    };
    let text: &str = &decoded.text;
    let delim = csv::detect_delimiter(text);
    // The header's width, as the events reader takes it: the first record's.
    let width = csv::head_records(text, delim, 1)
        .first()
        .map_or(0, |(_, fields, _, _)| fields.len());
    for width in [0, width] {
        let mut split = csv::Splitter::new(text, delim, 1).with_width(width);
        let mut rec = csv::Record::default();
        let mut offset = 0;
        let mut line = 1;
        while let Some(at) = split.next_record(&mut rec) {
            assert!(at >= line, "line numbers go back: {at} after {line}");
            assert!(rec.start >= offset, "records go back");
            assert!(rec.start + rec.span <= text.len(), "record past the text");
            assert!(split.offset() > offset, "no progress at byte {offset}");
            offset = split.offset();
            line = at;
            let _ = rec.oversize();
            let _ = csv::fits(&rec, width);
            let _ = rec.joined(200);
            for i in 0..=width {
                let _ = rec.field(i);
            }
        }
    }
    // Parallel chunks cover the text once, in order, without overlap.
    let mut end = 0;
    for (a, b, _) in csv::chunk_bounds(text, 1) {
        assert_eq!(a, end, "chunks leave a hole or overlap");
        assert!(b >= a);
        end = b;
    }
    assert!(end == text.len() || text.is_empty());
});
