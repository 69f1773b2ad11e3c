//! The workbook's texts for the codes the CSV reports write, by language
//! (`schemas/messages.toml`, embedded): statuses, gap kinds, the 居民医保 wait
//! reasons, flags and reject codes. Under `--lang zh` a status or kind is its
//! Chinese name (参保中, 短期断缴); a flag or reject code is its Chinese name with
//! the code after it (断缴超3个月 GAP_OVER_3M), so it can still be found in the
//! CSV. Under `--lang en` the workbook shows the English texts the same way
//! (`open gap (may back-pay)`, `gap over 3 months GAP_OVER_3M`).

use crate::cli::Lang;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

const MESSAGES: &str = include_str!("../../schemas/messages.toml");

#[derive(Deserialize)]
struct Label {
    zh: String,
    en: String,
}

impl Label {
    fn text(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

#[derive(Deserialize)]
struct Messages {
    status: BTreeMap<String, Label>,
    gap_kind: BTreeMap<String, Label>,
    resident_wait_reason: BTreeMap<String, Label>,
    flag: BTreeMap<String, Label>,
    reject: BTreeMap<String, Label>,
    change: BTreeMap<String, Label>,
    change_state: BTreeMap<String, Label>,
    month_state: BTreeMap<String, MarkLabel>,
}

/// A calendar state: its legend text and its cells' mark, by language.
#[derive(Deserialize)]
struct MarkLabel {
    zh: String,
    en: String,
    zh_mark: String,
    en_mark: String,
}

/// The calendar's legend text and cell mark for `state` in `lang`.
pub fn month_state_text(
    state: crate::model::MonthState,
    lang: Lang,
) -> (&'static str, &'static str) {
    match messages().month_state.get(state.as_str()) {
        Some(l) => match lang {
            Lang::Zh => (&l.zh, &l.zh_mark),
            Lang::En => (&l.en, &l.en_mark),
        },
        None => (state.as_str(), state.as_str()),
    }
}

fn messages() -> &'static Messages {
    static M: OnceLock<Messages> = OnceLock::new();
    M.get_or_init(|| {
        toml::from_str(MESSAGES)
            .expect("the embedded schemas/messages.toml must parse (fix the data file)")
    })
}

/// What the workbook shows in column `key` for the cell text `code`, when it
/// differs from the code; `None` keeps the code.
pub fn workbook_text(key: &str, code: &str, lang: Lang) -> Option<String> {
    if code.is_empty() {
        return None;
    }
    let m = messages();
    let name =
        |table: &BTreeMap<String, Label>, c: &str| table.get(c).map(|l| l.text(lang).to_string());
    let with_code = |table: &BTreeMap<String, Label>, c: &str| {
        table.get(c).map(|l| format!("{} {c}", l.text(lang)))
    };
    match key {
        "status" => name(&m.status, code),
        "kind" => name(&m.gap_kind, code),
        "resident_wait_reason" => name(&m.resident_wait_reason, code),
        "flag" => with_code(&m.flag, code),
        "code" => with_code(&m.reject, code),
        "change" => with_code(&m.change, code),
        // A state before or after a change: a status, a gap kind or one of
        // the changes' own states (owed, settled, late…).
        "before" | "after" => name(&m.status, code)
            .or_else(|| name(&m.gap_kind, code))
            .or_else(|| name(&m.change_state, code)),
        "flags" => Some(
            code.split(';')
                .map(|f| with_code(&m.flag, f).unwrap_or_else(|| f.to_string()))
                .collect::<Vec<_>>()
                .join(match lang {
                    Lang::Zh => "；",
                    Lang::En => "; ",
                }),
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ResidentWait;
    use crate::model::{Flag, GapKind, RejectCode, Status};

    /// Every code of every enum has its text: the matches are exhaustive, so a
    /// new variant fails to compile here until it is listed.
    #[test]
    fn every_code_has_a_chinese_text() {
        let flags = [
            Flag::GapOver3m,
            Flag::OpenGap,
            Flag::Overlap,
            Flag::OrphanSeparation,
            Flag::Conflict,
            Flag::LateStop,
            Flag::NameMismatch,
            Flag::Overpaid,
            Flag::Arrears,
            Flag::LedgerOnly,
            Flag::Unpriced,
            Flag::LateHireFiling,
            Flag::EmployerNameMismatch,
        ];
        for f in flags {
            match f {
                Flag::GapOver3m
                | Flag::OpenGap
                | Flag::Overlap
                | Flag::OrphanSeparation
                | Flag::Conflict
                | Flag::LateStop
                | Flag::NameMismatch
                | Flag::Overpaid
                | Flag::Arrears
                | Flag::LedgerOnly
                | Flag::Unpriced
                | Flag::LateHireFiling
                | Flag::EmployerNameMismatch => {}
            }
            let t = workbook_text("flag", f.as_str(), Lang::Zh).unwrap_or_default();
            assert!(t.ends_with(&format!(" {}", f.as_str())), "{t}");
        }
        use RejectCode as R;
        let rejects = [
            R::MissingValue,
            R::BadId,
            R::IdChecksum,
            R::IdLostDigits,
            R::BadDate,
            R::AmbiguousDate,
            R::BadEvent,
            R::BadMoney,
            R::BadMonth,
            R::UnknownRegion,
            R::UnknownTier,
            R::DateOrder,
            R::BadRow,
            R::UnknownInsurance,
            R::UnknownPaymentKind,
            R::MonthsMismatch,
            R::BadEncoding,
            R::BadText,
        ];
        for r in rejects {
            match r {
                R::MissingValue
                | R::BadId
                | R::IdChecksum
                | R::IdLostDigits
                | R::BadDate
                | R::AmbiguousDate
                | R::BadEvent
                | R::BadMoney
                | R::BadMonth
                | R::UnknownRegion
                | R::UnknownTier
                | R::DateOrder
                | R::BadRow
                | R::UnknownInsurance
                | R::UnknownPaymentKind
                | R::MonthsMismatch
                | R::BadEncoding
                | R::BadText => {}
            }
            assert!(
                workbook_text("code", r.as_str(), Lang::Zh).is_some(),
                "{r:?}"
            );
        }
        for s in [
            Status::Covered,
            Status::OpenGap,
            Status::Lapsed,
            Status::Retired,
        ] {
            assert!(
                workbook_text("status", s.as_str(), Lang::Zh).is_some(),
                "{s:?}"
            );
        }
        use crate::model::Change as C;
        for c in [
            C::NewlyLapsed,
            C::NewOpenGap,
            C::GapClosed,
            C::NewArrears,
            C::SettledArrears,
            C::ArrearsChanged,
            C::NewLateStop,
        ] {
            match c {
                C::NewlyLapsed
                | C::NewOpenGap
                | C::GapClosed
                | C::NewArrears
                | C::SettledArrears
                | C::ArrearsChanged
                | C::NewLateStop => {}
            }
            let t = workbook_text("change", c.as_str(), Lang::Zh).unwrap_or_default();
            assert!(t.ends_with(&format!(" {}", c.as_str())), "{t}");
        }
        for state in [
            "none", "owed", "settled", "late", "not_late", "lapsed", "short",
        ] {
            assert!(workbook_text("after", state, Lang::Zh).is_some(), "{state}");
        }
        for k in [GapKind::Short, GapKind::Long, GapKind::Open] {
            assert!(
                workbook_text("kind", k.as_str(), Lang::Zh).is_some(),
                "{k:?}"
            );
        }
        for w in [
            ResidentWait::ContinuousShortGap,
            ResidentWait::ContinuousLongGap,
            ResidentWait::NotContinuous,
        ] {
            assert!(workbook_text("resident_wait_reason", w.code(), Lang::Zh).is_some());
        }
    }

    #[test]
    fn every_month_state_has_its_texts() {
        for state in crate::model::MonthState::ALL {
            let m = &messages().month_state;
            assert!(m.contains_key(state.as_str()), "{state:?}");
            let (legend, _) = month_state_text(state, Lang::Zh);
            assert!(!legend.is_empty());
        }
        assert_eq!(
            month_state_text(crate::model::MonthState::ShortGap, Lang::Zh),
            ("短期断缴（可补缴）", "短断")
        );
    }

    #[test]
    fn texts_by_column_and_language() {
        assert_eq!(
            workbook_text("status", "open_gap", Lang::Zh).unwrap(),
            "断缴中（可补缴）"
        );
        assert_eq!(workbook_text("kind", "long", Lang::Zh).unwrap(), "长期断缴");
        assert_eq!(
            workbook_text("flags", "GAP_OVER_3M;LATE_STOP", Lang::Zh).unwrap(),
            "断缴超3个月 GAP_OVER_3M；逾期减员 LATE_STOP"
        );
        assert_eq!(
            workbook_text("code", "ID_CHECKSUM", Lang::Zh).unwrap(),
            "身份证校验码错误 ID_CHECKSUM"
        );
        assert_eq!(
            workbook_text("status", "open_gap", Lang::En).unwrap(),
            "open gap (may back-pay)"
        );
        assert_eq!(
            workbook_text("flags", "GAP_OVER_3M;LATE_STOP", Lang::En).unwrap(),
            "gap over 3 months GAP_OVER_3M; late stop LATE_STOP"
        );
        assert_eq!(
            workbook_text("code", "BAD_ID", Lang::En).unwrap(),
            "bad ID BAD_ID"
        );
        assert_eq!(workbook_text("name", "covered", Lang::Zh), None);
        assert_eq!(workbook_text("flags", "", Lang::Zh), None);
    }
}
