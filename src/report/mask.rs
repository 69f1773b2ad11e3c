//! Masking (脱敏) of resident IDs and names in report text.
//!
//! Typed IDs and names are masked with `PersonId::masked()` and
//! `model::mask_name`. Free text (a rejected cell's raw value, a reject
//! message, a flag's detail, a file path, the command line) may carry a whole
//! ID too, so [`mask_free_text`] masks every run of 15 or more ID-like
//! characters (ASCII or full-width digits, optionally closed by an `X`): the
//! first six and last four characters are kept, the middle becomes `*`. An
//! 18-character ID thus reads exactly like `PersonId::masked()`
//! (`110101********123X`), and no whole 15- or 18-character ID survives.

use std::borrow::Cow;

/// The shortest run of digits treated as a possible ID (an old 15-digit ID).
const MIN_ID_RUN: usize = 15;
const KEEP_HEAD: usize = 6;
const KEEP_TAIL: usize = 4;

fn is_id_digit(c: char) -> bool {
    c.is_ascii_digit() || ('\u{FF10}'..='\u{FF19}').contains(&c)
}

fn is_check_x(c: char) -> bool {
    matches!(c, 'X' | 'x' | 'Ｘ' | 'ｘ')
}

/// Masks every run of ≥ 15 ID-like characters in `text`; borrows when there is none.
pub fn mask_free_text(text: &str) -> Cow<'_, str> {
    // Fast path: fewer than 15 digits in total cannot hold an ID.
    if text.chars().filter(|c| is_id_digit(*c)).count() < MIN_ID_RUN {
        return Cow::Borrowed(text);
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if !is_id_digit(chars[i]) {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let start = i;
        if let Some(end) = grouped_id_end(&chars, start) {
            mask_grouped(&chars[start..end], &mut out);
            i = end;
            continue;
        }
        while i < chars.len() && is_id_digit(chars[i]) {
            i += 1;
        }
        if i < chars.len() && is_check_x(chars[i]) {
            i += 1;
        }
        let run = &chars[start..i];
        if run.len() >= MIN_ID_RUN {
            out.extend(&run[..KEEP_HEAD]);
            out.extend(std::iter::repeat_n('*', run.len() - KEEP_HEAD - KEEP_TAIL));
            out.extend(&run[run.len() - KEEP_TAIL..]);
        } else {
            out.extend(run);
        }
    }
    Cow::Owned(out)
}

use crate::model::is_id_group_separator as is_group_separator;

/// An ID written in groups (`110105 1949 1231 002X`, `110105-19491231-002X`):
/// a group of exactly six digits at `start`, then groups joined by single
/// spaces or dashes, 15 or 18 ID characters in all (an `X` may close the
/// last). Returns where it ends. Dates (`2025-06-20`) start with four digits
/// and never match.
fn grouped_id_end(chars: &[char], start: usize) -> Option<usize> {
    let digits_at = |from: usize| {
        chars[from..]
            .iter()
            .take_while(|c| is_id_digit(**c))
            .count()
    };
    if digits_at(start) != KEEP_HEAD {
        return None;
    }
    let mut i = start + KEEP_HEAD;
    let mut count = KEEP_HEAD;
    let mut joined = false;
    while count < 18 && i + 1 < chars.len() && is_group_separator(chars[i]) {
        let n = digits_at(i + 1);
        if n == 0 {
            break;
        }
        joined = true;
        i += 1 + n;
        count += n;
        if count == 17 && i < chars.len() && is_check_x(chars[i]) {
            i += 1;
            count += 1;
        }
    }
    (joined && (count == 15 || count == 18) && !chars.get(i).is_some_and(|c| is_id_digit(*c)))
        .then_some(i)
}

/// Masks a grouped ID: the first six and last four ID characters kept, the
/// separators kept, every other digit a `*`.
fn mask_grouped(run: &[char], out: &mut String) {
    let total = run.iter().filter(|c| !is_group_separator(**c)).count();
    let mut seen = 0;
    for &c in run {
        if is_group_separator(c) {
            out.push(c);
            continue;
        }
        out.push(if seen < KEEP_HEAD || seen >= total - KEEP_TAIL {
            c
        } else {
            '*'
        });
        seen += 1;
    }
}

/// An employer code as reports print it: masked like an ID when it *is* a
/// resident ID (a person registered as their own employer, an ID typed into
/// the employer column, a file named after an ID and so its default
/// employer), else as it is. Credit codes and registration numbers that are
/// no valid ID are left whole: a masked employer could not be looked up.
pub fn mask_code(code: &str, mask: bool) -> Cow<'_, str> {
    // Most codes are credit codes (letters among 18 characters): fewer than 15
    // ASCII digits in an ASCII code cannot be an ID, no parse needed.
    if !mask {
        return Cow::Borrowed(code);
    }
    let may_be_id = !code.is_ascii() || code.bytes().filter(u8::is_ascii_digit).count() >= 15;
    if may_be_id && crate::model::PersonId::parse(code).is_ok() {
        mask_free_text(code)
    } else {
        Cow::Borrowed(code)
    }
}

/// Whether a column holds a person's name (姓名): a rejected cell of it is
/// masked like a name.
pub fn is_name_column(header: &str) -> bool {
    let h = header.trim();
    h.contains("姓名") || h.eq_ignore_ascii_case("name")
}

/// Whether a column holds an ID number (证件号码, 身份证号): a rejected cell of
/// it is masked even when it is no resident ID (a passport number).
pub fn is_id_column(header: &str) -> bool {
    let h = header.trim();
    h.contains("证件号")
        || h.contains("身份证")
        || h.contains("身份号码")
        || ["person_id", "id_number", "id_no"]
            .iter()
            .any(|k| h.eq_ignore_ascii_case(k))
}

/// A document number's text masked: a quarter of its characters kept at
/// each end, none when it has fewer than four.
pub fn mask_document_text(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let keep = chars.len() / 4;
    chars
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            if i < keep || i >= chars.len() - keep {
                c
            } else {
                '*'
            }
        })
        .collect()
}

/// A reject's value as reports and `validate` print it: when `mask`, IDs
/// masked, a name cell masked like a name, and in a whole row's value each
/// name cell it holds masked like a name.
pub fn reject_value(r: &crate::model::Reject, mask: bool) -> Cow<'_, str> {
    if !mask {
        return Cow::Borrowed(&r.value);
    }
    if is_name_column(&r.column) {
        return Cow::Owned(crate::model::mask_name(r.value.trim()));
    }
    if is_id_column(&r.column) {
        let masked = mask_free_text(&r.value);
        if matches!(masked, Cow::Owned(_)) {
            return masked;
        }
        // A number that lost its digits (`1.10105E17`) shows no more than a
        // region code: kept, it says what went wrong.
        let v = r.value.trim();
        let number = v
            .bytes()
            .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'E' | b'e' | b'+' | b'-'))
            && v.bytes().any(|c| matches!(c, b'.' | b'E' | b'e' | b'+'));
        if number {
            return masked;
        }
        // No resident ID in it: a document number (or what was meant as
        // one), masked like `PersonId::masked` masks a document's.
        return Cow::Owned(mask_document_text(v));
    }
    let value = mask_free_text(&r.value);
    if r.names.is_empty() && r.documents.is_empty() {
        return value;
    }
    let mut value = value.into_owned();
    for name in &r.names {
        value = value.replace(name.as_str(), &crate::model::mask_name(name));
    }
    // A resident ID among them is masked already (`mask_free_text`) and no
    // longer found; a document number is masked where it stands whole.
    for document in &r.documents {
        value = replace_whole(&value, document, &mask_document_text(document));
    }
    Cow::Owned(value)
}

/// `text` with each occurrence of `word` that no ASCII letter or digit touches on
/// either side replaced by `with` (a document number `E001` inside `E0012`
/// or `XE001` is another word).
fn replace_whole(text: &str, word: &str, with: &str) -> String {
    if word.is_empty() {
        return text.to_string();
    }
    let joins = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    let mut out = String::with_capacity(text.len());
    let mut rest = 0;
    for (at, _) in text.match_indices(word) {
        if at < rest {
            continue;
        }
        let end = at + word.len();
        if joins(text[..at].chars().next_back()) || joins(text[end..].chars().next()) {
            continue;
        }
        out.push_str(&text[rest..at]);
        out.push_str(with);
        rest = end;
    }
    out.push_str(&text[rest..]);
    out
}

/// `mask_free_text` when `mask`, else the text as is.
pub fn maybe_mask(text: &str, mask: bool) -> Cow<'_, str> {
    if mask {
        mask_free_text(text)
    } else {
        Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::PersonId;

    #[test]
    fn a_rejected_document_number_is_masked() {
        let r = |column: &str, value: &str| crate::model::Reject {
            source: crate::model::SourceRef {
                input: 0,
                sheet: 0,
                row: 2,
            },
            column: column.into(),
            value: value.into(),
            code: crate::model::RejectCode::BadId,
            message: crate::text!(id_characters),
            names: Vec::new(),
            documents: Vec::new(),
        };
        assert_eq!(
            reject_value(&r("证件号码", "E1234/5678"), true),
            "E1******78"
        );
        assert_eq!(
            reject_value(&r("证件号码", "E1234/5678"), false),
            "E1234/5678"
        );
        // A resident ID in the cell: masked as one.
        assert_eq!(
            reject_value(&r("身份证号", "110105194912310021"), true),
            "110105********0021"
        );
        assert_eq!(
            reject_value(&r("身份证号", "1.10105E17"), true),
            "1.10105E17"
        );
        // Other columns as before.
        assert_eq!(reject_value(&r("费款所属期", "201391"), true), "201391");
    }

    #[test]
    fn employer_codes_are_masked_only_when_they_are_ids() {
        assert_eq!(mask_code("11010519491231002X", true), "110105********002X");
        assert_eq!(
            mask_code("110105-19491231-002X", true),
            "110105-********-002X"
        );
        assert_eq!(mask_code("11010519491231002X", false), "11010519491231002X");
        // A credit code, a 15-digit registration number that is no ID (month
        // 13), an 18-digit number with a wrong check digit, a short code: whole.
        for code in [
            "91110108MA04C7Q2X8",
            "110105491331002",
            "110105194912310021",
            "E001",
        ] {
            assert_eq!(mask_code(code, true), code);
        }
    }

    #[test]
    fn a_whole_row_value_masks_its_name_cells() {
        use crate::model::{Reject, RejectCode, SourceRef};
        let r = Reject {
            source: SourceRef {
                input: 0,
                sheet: 0,
                row: 8,
            },
            column: String::new(),
            value: "吴八方,11010519491231002X,E001".into(),
            code: RejectCode::BadRow,
            message: crate::text!(field_count, 3usize, 7usize),
            names: vec!["吴八方".into()],
            documents: Vec::new(),
        };
        assert_eq!(reject_value(&r, true), "吴**,110105********002X,E001");
        assert_eq!(reject_value(&r, false), r.value);
        // A passport holder's row: the number masked as `PersonId::masked`
        // masks a document's, where it stands whole (not inside `XE98765432`).
        let passport = Reject {
            value: "护照,E98765432,史密斯,E001,XE98765432,\"E98765432\"".into(),
            names: vec!["史密斯".into()],
            documents: vec!["E98765432".into()],
            ..r.clone()
        };
        assert_eq!(
            reject_value(&passport, true),
            "护照,E9*****32,史**,E001,XE98765432,\"E9*****32\""
        );
        assert_eq!(reject_value(&passport, false), passport.value);
        // A resident ID kept as the row's ID cell is masked as one.
        let resident = Reject {
            documents: vec!["11010519491231002X".into()],
            ..r.clone()
        };
        assert_eq!(
            reject_value(&resident, true),
            "吴**,110105********002X,E001"
        );
        let cell = Reject {
            column: "姓名".into(),
            value: " 王小明 ".into(),
            names: Vec::new(),
            documents: Vec::new(),
            ..r.clone()
        };
        assert_eq!(reject_value(&cell, true), "王**");
    }

    #[test]
    fn an_id_in_a_message_reads_like_person_id_masked() {
        let id = PersonId::parse("11010519491231002X").unwrap();
        let text = format!("check character of {} is wrong", id.as_str());
        assert_eq!(
            mask_free_text(&text),
            format!("check character of {} is wrong", id.masked())
        );
        assert_eq!(mask_free_text("11010519491231002x"), "110105********002x");
    }

    #[test]
    fn old_ids_long_runs_and_full_width_digits_are_masked() {
        // 15 digits: 6 kept + 5 stars + 4 kept.
        assert_eq!(mask_free_text("110105491231002"), "110105*****1002");
        // 20 digits (an ID with junk glued on) still loses its middle.
        assert_eq!(
            mask_free_text("ID:11010519491231002099"),
            "ID:110105**********2099"
        );
        assert_eq!(
            mask_free_text("１１０１０５１９４９１２３１００２Ｘ"),
            "１１０１０５********００２Ｘ"
        );
    }

    #[test]
    fn ids_written_in_groups_are_masked() {
        assert_eq!(
            mask_free_text("ID 110105 1949 1231 002X here"),
            "ID 110105 **** **** 002X here"
        );
        assert_eq!(
            mask_free_text("110105-19491231-002X"),
            "110105-********-002X"
        );
        // An old 15-digit ID in full-width-space groups: 6 kept, 5 masked, 4 kept.
        assert_eq!(mask_free_text("110105　491231　002"), "110105　*****1　002");
        // Dates, amounts and phone-like numbers keep their digits.
        for plain in [
            "2025-06-20 2025-07-01",
            "from 2025-06-20 to 2025-07-01, 8000.00",
            "123456 7890",
            "010-6512 3456",
        ] {
            assert_eq!(mask_free_text(plain), plain);
        }
    }

    #[test]
    fn short_numbers_and_plain_text_are_untouched() {
        assert!(matches!(mask_free_text("8,000.00 元"), Cow::Borrowed(_)));
        // 14 digits is not an ID.
        assert_eq!(mask_free_text("12345678901234"), "12345678901234");
        // Two 10-digit runs separated by a dash are not joined.
        assert_eq!(
            mask_free_text("1234567890-1234567890"),
            "1234567890-1234567890"
        );
        assert_eq!(
            maybe_mask("110105194912310020", false),
            "110105194912310020"
        );
    }
}
