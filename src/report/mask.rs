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
