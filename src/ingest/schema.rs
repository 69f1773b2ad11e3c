//! The column-aliases file (`schemas/columns.toml`): canonical columns of each
//! input table with the header texts that mean them, and the words of the event
//! column (入职/增员 = hire, 离职/减员 = separation, 退休 = retirement).
//!
//! The shipped file is embedded in the binary; `--columns FILE` replaces it.

use std::collections::HashMap;
use std::path::Path;

/// The shipped aliases, compiled in.
pub const SHIPPED_COLUMNS: &str = include_str!("../../schemas/columns.toml");

/// One canonical column of a table and its aliases (already folded by [`fold_header`]).
#[derive(Clone, Debug)]
pub struct ColumnSpec {
    pub canonical: String,
    pub aliases: Vec<String>,
    pub required: bool,
    /// A month-only column (`month = "…"` in the file): what its month means.
    pub month: Option<MonthMeaning>,
    /// `medical = true`: the column is the medical insurance's own (Beijing's
    /// `医疗保险缴费截止月份`), preferred over one for the other insurances
    /// (`四险缴费截止月份`) when a header has both.
    pub medical: bool,
}

/// What the month in a month-only event column means (`month = "…"` in
/// `schemas/columns.toml`).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum MonthMeaning {
    /// `first_paid`: the first month paid (`增员年月`, `缴纳起始月`): a hire.
    FirstPaid,
    /// `last_paid`: the last month paid (`社保最后缴纳月`, `缴费截止月份`): a separation.
    LastPaid,
    /// `first_unpaid`: the first month no longer paid (`减员年月`, `停保年月`): a separation.
    FirstUnpaid,
    /// `by_event`: the declaration's period (`费款所属期`): on a hire row the
    /// first month paid, on a separation row the first month no longer paid.
    ByEvent,
}

impl MonthMeaning {
    fn parse(raw: &str) -> Option<MonthMeaning> {
        Some(match raw {
            "first_paid" => MonthMeaning::FirstPaid,
            "last_paid" => MonthMeaning::LastPaid,
            "first_unpaid" => MonthMeaning::FirstUnpaid,
            "by_event" => MonthMeaning::ByEvent,
            _ => return None,
        })
    }
    /// The meaning on a row of `kind`: a period is the first month paid on a
    /// hire and the first month no longer paid on a separation.
    pub fn on(self, separation: bool) -> MonthMeaning {
        match (self, separation) {
            (MonthMeaning::ByEvent, false) => MonthMeaning::FirstPaid,
            (MonthMeaning::ByEvent, true) => MonthMeaning::FirstUnpaid,
            (m, _) => m,
        }
    }
    /// The column dates hires (a first month paid, or a period).
    pub fn dates_hires(self) -> bool {
        matches!(self, MonthMeaning::FirstPaid | MonthMeaning::ByEvent)
    }
    /// The column dates separations (a last month paid, a first month no
    /// longer paid, or a period).
    pub fn dates_separations(self) -> bool {
        !matches!(self, MonthMeaning::FirstPaid)
    }
}

/// What a word in the event column (变动类型) means.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum EventWord {
    Hire,
    Separation,
    /// A separation because of retirement (退休).
    Retirement,
}

/// The parsed aliases file.
#[derive(Clone, Debug)]
pub struct ColumnSchema {
    /// Table name (`events`, `ledger`, `ui`) → its columns.
    pub tables: HashMap<String, Vec<ColumnSpec>>,
    /// Folded event word → meaning.
    pub event_words: HashMap<String, EventWord>,
}

impl ColumnSchema {
    /// The shipped `schemas/columns.toml`.
    pub fn shipped() -> ColumnSchema {
        // The embedded file is part of the build; a test proves it parses.
        ColumnSchema::parse(SHIPPED_COLUMNS).unwrap_or_else(|_| ColumnSchema {
            tables: HashMap::new(),
            event_words: HashMap::new(),
        })
    }

    /// The shipped file, or `path` when given.
    pub fn load(path: Option<&Path>) -> Result<ColumnSchema, String> {
        match path {
            None => ColumnSchema::parse(SHIPPED_COLUMNS),
            Some(p) => {
                let text =
                    std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
                ColumnSchema::parse(&text).map_err(|e| format!("{}: {e}", p.display()))
            }
        }
    }

    pub fn parse(text: &str) -> Result<ColumnSchema, String> {
        let doc: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut tables = HashMap::new();
        let mut event_words = HashMap::new();
        for (table_name, value) in &doc {
            let Some(table) = value.as_table() else {
                return Err(format!("[{table_name}] must be a table"));
            };
            if table_name == "event_values" {
                for (meaning, words) in table {
                    let word = match meaning.as_str() {
                        "hire" => EventWord::Hire,
                        "separation" => EventWord::Separation,
                        "retirement" => EventWord::Retirement,
                        other => {
                            return Err(format!(
                                "[event_values] {other}: expected hire, separation or retirement"
                            ));
                        }
                    };
                    for w in string_list(words, &format!("event_values.{meaning}"))? {
                        event_words.insert(fold_value(&w), word);
                    }
                }
                continue;
            }
            let mut columns = Vec::new();
            for (canonical, spec) in table {
                let Some(spec) = spec.as_table() else {
                    return Err(format!("[{table_name}.{canonical}] must be a table"));
                };
                let mut aliases: Vec<String> = match spec.get("aliases") {
                    Some(v) => string_list(v, &format!("{table_name}.{canonical}.aliases"))?
                        .iter()
                        .map(|a| fold_header(a))
                        .collect(),
                    None => Vec::new(),
                };
                let folded_canonical = fold_header(canonical);
                if !aliases.contains(&folded_canonical) {
                    aliases.push(folded_canonical);
                }
                let required = spec
                    .get("required")
                    .and_then(|v| v.as_bool())
                    .unwrap_or(false);
                let month = match spec.get("month") {
                    None => None,
                    Some(v) => Some(v.as_str().and_then(MonthMeaning::parse).ok_or_else(|| {
                        format!(
                            "{table_name}.{canonical}.month: expected first_paid, last_paid, first_unpaid or by_event"
                        )
                    })?),
                };
                let medical = spec
                    .get("medical")
                    .and_then(|v| v.as_bool())
                    .unwrap_or(false);
                columns.push(ColumnSpec {
                    canonical: canonical.clone(),
                    aliases,
                    required,
                    month,
                    medical,
                });
            }
            tables.insert(table_name.clone(), columns);
        }
        for needed in ["events", "ui"] {
            if !tables.contains_key(needed) {
                return Err(format!("no [{needed}.*] columns"));
            }
        }
        Ok(ColumnSchema {
            tables,
            event_words,
        })
    }

    /// The columns of one table (empty when the file has none).
    pub fn table(&self, name: &str) -> &[ColumnSpec] {
        self.tables.get(name).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The column spec of `canonical` in `table`.
    pub fn spec(&self, table: &str, canonical: &str) -> Option<&ColumnSpec> {
        self.table(table).iter().find(|c| c.canonical == canonical)
    }

    /// The canonical column a header text means in `table`, if any.
    pub fn canonical_for(&self, table: &str, header: &str) -> Option<&str> {
        let find = |h: &str| {
            let folded = fold_header(h);
            if folded.is_empty() {
                return None;
            }
            self.table(table)
                .iter()
                .find(|c| c.aliases.contains(&folded))
                .map(|c| c.canonical.as_str())
        };
        // The whole text first (`缴费截止月份`), then a path's or dotted
        // group's last level (`社保 / 缴费基数`, `参保人.姓名`).
        find(header).or_else(|| last_header_level(header).and_then(find))
    }

    /// What an event-column value means, if it is a known word.
    /// The event a sheet or file name stands for (`增员`, `2025年3月减员名单`,
    /// `离职人员`): the one kind of event word (of two characters or more,
    /// not ASCII) the name contains. `None` when it names none, or both
    /// (`增减员表`: a mixed export needs its type column).
    pub fn event_word_in(&self, name: &str) -> Option<EventWord> {
        if name.contains("增减") || name.contains("增/减") {
            return None;
        }
        let mut found: Option<EventWord> = None;
        for (word, kind) in &self.event_words {
            if word.is_ascii() || word.chars().count() < 2 || !name.contains(word.as_str()) {
                continue;
            }
            found = match (found, *kind) {
                (None, k) => Some(k),
                (Some(a), b) if a == b => Some(a),
                // 退休 with 减员/离职: a retirement.
                (Some(EventWord::Retirement), EventWord::Separation)
                | (Some(EventWord::Separation), EventWord::Retirement) => {
                    Some(EventWord::Retirement)
                }
                _ => return None,
            };
        }
        found
    }

    pub fn event_word(&self, raw: &str) -> Option<EventWord> {
        // Most cells are a listed word already (增员, 减员): no folding then.
        let find = |t: &str| {
            self.event_words
                .get(trim_spaces(t))
                .or_else(|| self.event_words.get(&fold_value(t)))
                .copied()
        };
        if let Some(w) = find(raw) {
            return Some(w);
        }
        // A code before the label: `0002-人员中断`, `0001 人员新增`, `10：增员`.
        let trimmed = trim_spaces(raw);
        let label = trimmed.trim_start_matches(|c: char| c.is_ascii_digit());
        if label.len() == trimmed.len() {
            return None;
        }
        let label =
            trim_spaces(label.trim_start_matches(['-', '－', ':', '：', '.', '、', ' ', '_']));
        if label.is_empty() {
            return None;
        }
        find(label)
    }
}

fn string_list(v: &toml::Value, what: &str) -> Result<Vec<String>, String> {
    let Some(arr) = v.as_array() else {
        return Err(format!("{what} must be a list of strings"));
    };
    arr.iter()
        .map(|x| {
            x.as_str()
                .map(str::to_string)
                .ok_or_else(|| format!("{what} must be a list of strings"))
        })
        .collect()
}

/// Trims ordinary and full-width (U+3000) spaces.
pub fn trim_spaces(s: &str) -> &str {
    // Fast path: nothing to trim when both ends are visible ASCII.
    let b = s.as_bytes();
    match (b.first(), b.last()) {
        (None, _) => return s,
        (Some(&f), Some(&l)) if f.is_ascii_graphic() && l.is_ascii_graphic() => return s,
        _ => {}
    }
    // Fast path for Chinese text: a first and last character from U+4000 to
    // U+9FFF (lead bytes E4–E9, which no space character uses) or visible ASCII.
    let cjk_lead = |c: u8| (0xE4..=0xE9).contains(&c);
    let last_lead = s.char_indices().next_back().map(|(i, _)| b[i]);
    if let (Some(&f), Some(l)) = (b.first(), last_lead)
        && (f.is_ascii_graphic() || cjk_lead(f))
        && (l.is_ascii_graphic() || cjk_lead(l))
    {
        return s;
    }
    s.trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}' || c == '\u{feff}')
}

/// A value folded for comparison: spaces trimmed, lower case.
pub fn fold_value(s: &str) -> String {
    trim_spaces(s).to_lowercase()
}

/// A header folded for matching: spaces (ordinary and full-width) trimmed,
/// lower case, and the noise templates put around a name removed:
/// - a required-field marker, leading or trailing (`*身份证号`, `姓名＊`);
/// - a leading bracketed note (`【必填】姓名`, `(必填)证件号码`);
/// - bracketed suffixes: units and format hints (`缴费基数(元)`, `缴费基数（元）`,
///   `变动日期(yyyy-mm-dd)`, `wage [CNY]` → `缴费基数`, `变动日期`, `wage`);
/// - pinyin an input method left after a Chinese name (`姓名xing'ming` → `姓名`).
pub fn fold_header(s: &str) -> String {
    let mut t = trim_spaces(s);
    loop {
        let before = t.len();
        t = trim_spaces(t.trim_start_matches(['*', '＊']));
        t = trim_spaces(t.trim_end_matches(['*', '＊']));
        // A leading note in brackets, when a name follows it.
        if let Some(close) = match t.chars().next() {
            Some('【') => Some('】'),
            Some('(') => Some(')'),
            Some('（') => Some('）'),
            Some('[') => Some(']'),
            _ => None,
        } && let Some(end) = t.find(close)
        {
            let rest = trim_spaces(&t[end + close.len_utf8()..]);
            if !rest.is_empty() {
                t = rest;
            }
        }
        while let Some(last) = t.chars().last() {
            let open = match last {
                ')' => '(',
                '）' => '（',
                ']' => '[',
                '】' => '【',
                _ => break,
            };
            // Either opening bracket closes either kind of suffix (`(元）` happens).
            let cut = t.rfind([open, '(', '（', '[', '【']);
            match cut {
                Some(i) if i > 0 => t = trim_spaces(&t[..i]),
                _ => break,
            }
        }
        if t.len() == before {
            break;
        }
    }
    // Pinyin after a Chinese name: ASCII letters, apostrophes and spaces
    // after the last non-ASCII character, when one is there.
    if let Some((i, c)) = t.char_indices().rev().find(|(_, c)| !c.is_ascii())
        && !t.is_ascii()
    {
        let tail = &t[i + c.len_utf8()..];
        if !tail.is_empty()
            && tail
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'\'' || b == b' ')
            && tail.bytes().filter(u8::is_ascii_lowercase).count() >= 2
        {
            t = trim_spaces(&t[..i + c.len_utf8()]);
        }
    }
    t.to_lowercase()
}

/// The last level of a header path or a dotted group header
/// (`社保 / 缴费基数`, `参保人.姓名`, `社保信息·开始缴纳月`), when it has one.
pub fn last_header_level(s: &str) -> Option<&str> {
    let cut = s
        .rfind(crate::ingest::header::PATH_SEP)
        .map(|i| i + crate::ingest::header::PATH_SEP.len())
        .or_else(|| {
            s.char_indices()
                .rev()
                .find(|(_, c)| matches!(c, '.' | '·' | '／' | '/'))
                .map(|(i, c)| i + c.len_utf8())
        })?;
    let rest = trim_spaces(&s[cut..]);
    (!rest.is_empty() && rest.len() < s.len()).then_some(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_values_with_codes_and_single_characters() {
        let s = ColumnSchema::shipped();
        assert_eq!(s.event_word("增"), Some(EventWord::Hire));
        assert_eq!(s.event_word("减"), Some(EventWord::Separation));
        assert_eq!(s.event_word("0001 人员新增"), Some(EventWord::Hire));
        assert_eq!(s.event_word("0002-人员中断"), Some(EventWord::Separation));
        assert_eq!(s.event_word("0003人员恢复"), Some(EventWord::Hire));
        assert_eq!(s.event_word("10：增员"), Some(EventWord::Hire));
        // A bare code says nothing without a code list.
        assert_eq!(s.event_word("0002"), None);
        assert_eq!(s.event_word("0009-人员调动"), None);
    }

    #[test]
    fn event_words_in_sheet_and_file_names() {
        let s = ColumnSchema::shipped();
        assert_eq!(s.event_word_in("增员"), Some(EventWord::Hire));
        assert_eq!(s.event_word_in("2025年3月增员名单"), Some(EventWord::Hire));
        assert_eq!(s.event_word_in("减员"), Some(EventWord::Separation));
        assert_eq!(s.event_word_in("离职人员"), Some(EventWord::Separation));
        assert_eq!(s.event_word_in("退休减员"), Some(EventWord::Retirement));
        // Both kinds, or neither: no hint.
        assert_eq!(s.event_word_in("社保增减员表"), None);
        assert_eq!(s.event_word_in("入职与离职"), None);
        assert_eq!(s.event_word_in("Sheet1"), None);
        assert_eq!(s.event_word_in("address_list"), None);
    }

    #[test]
    fn shipped_file_parses_with_all_tables() {
        let s = ColumnSchema::load(None).unwrap();
        assert!(
            s.table("events")
                .iter()
                .any(|c| c.canonical == "person_id" && c.required)
        );
        assert!(!s.table("ledger").is_empty());
        assert_eq!(s.table("ui").iter().filter(|c| c.required).count(), 3);
        assert_eq!(s.event_word(" 增员 "), Some(EventWord::Hire));
        assert_eq!(s.event_word("减员"), Some(EventWord::Separation));
        assert_eq!(s.event_word("退休"), Some(EventWord::Retirement));
        assert_eq!(s.event_word("HIRE"), Some(EventWord::Hire));
        assert_eq!(s.event_word("调岗"), None);
    }

    #[test]
    fn spaces_are_trimmed_around_chinese_and_ascii_text() {
        assert_eq!(trim_spaces("张三"), "张三");
        assert_eq!(trim_spaces("　张三　"), "张三");
        assert_eq!(trim_spaces(" 张三\t"), "张三");
        assert_eq!(trim_spaces("张 三"), "张 三");
        assert_eq!(trim_spaces("张三\u{feff}"), "张三");
        assert_eq!(trim_spaces("\u{feff}增员"), "增员");
        assert_eq!(trim_spaces("增员\u{a0}"), "增员");
        assert_eq!(trim_spaces("王a"), "王a");
        assert_eq!(trim_spaces("a王 "), "a王");
        assert_eq!(trim_spaces("　"), "");
        assert_eq!(trim_spaces("ß "), "ß");
    }

    #[test]
    fn header_folding_ignores_case_spaces_and_bracket_suffix() {
        assert_eq!(fold_header("缴费基数(元)"), "缴费基数");
        assert_eq!(fold_header("　缴费基数（元） "), "缴费基数");
        assert_eq!(fold_header("*身份证号"), "身份证号");
        assert_eq!(fold_header("Person_ID"), "person_id");
        assert_eq!(fold_header("wage [CNY]"), "wage");
        assert_eq!(fold_header("(元)"), "(元)");
        let s = ColumnSchema::shipped();
        assert_eq!(s.canonical_for("events", "缴费基数（元）"), Some("wage"));
        assert_eq!(s.canonical_for("events", " 身份证号码 "), Some("person_id"));
        assert_eq!(s.canonical_for("events", "备注"), None);
    }

    #[test]
    fn template_noise_is_removed_before_matching() {
        assert_eq!(fold_header("【必填】姓名"), "姓名");
        assert_eq!(fold_header("(必填)证件号码"), "证件号码");
        assert_eq!(fold_header("身份证号*"), "身份证号");
        assert_eq!(fold_header("＊ 姓名 "), "姓名");
        assert_eq!(fold_header("变动日期(yyyy-mm-dd)"), "变动日期");
        assert_eq!(fold_header("*缴费基数（元）"), "缴费基数");
        assert_eq!(fold_header("姓名xing'ming"), "姓名");
        assert_eq!(fold_header("姓名 xing ming"), "姓名");
        // ASCII names and one trailing letter are left alone.
        assert_eq!(fold_header("Person_ID"), "person_id");
        assert_eq!(fold_header("社保ID"), "社保id");
        assert_eq!(fold_header("【必填】"), "【必填】");
        assert_eq!(last_header_level("社保 / 缴费基数"), Some("缴费基数"));
        assert_eq!(last_header_level("参保人.姓名"), Some("姓名"));
        assert_eq!(last_header_level("社保信息·开始缴纳月"), Some("开始缴纳月"));
        assert_eq!(last_header_level("姓名"), None);
        assert_eq!(last_header_level("序号."), None);
        let s = ColumnSchema::shipped();
        assert_eq!(
            s.canonical_for("events", "参保信息 / 缴费基数（元）"),
            Some("wage")
        );
        assert_eq!(
            s.canonical_for("events", "参保人.身份证号"),
            Some("person_id")
        );
        assert_eq!(
            s.canonical_for("events", "【必填】费款所属期"),
            Some("period")
        );
    }

    #[test]
    fn a_broken_aliases_file_is_an_error() {
        assert!(ColumnSchema::parse("[events]\nperson_id = 3\n").is_err());
        assert!(ColumnSchema::parse("[events.person_id]\naliases = [1]\n[ui.x]\n").is_err());
        assert!(
            ColumnSchema::parse("[event_values]\nhired = [\"x\"]\n[events.a]\n[ui.b]\n").is_err()
        );
    }
}
