//! The sentences a person reads (flag details, change details, reject
//! messages, explain's prose), kept as a message id and its arguments until a
//! report is written, then rendered in the output's language from the
//! templates of `schemas/messages.toml` (`[text]`, each with `zh` and `en`).
//!
//! A template names its arguments in braces (`gap {from}..{to} of {months}
//! months`); `{{` and `}}` are literal braces. Each id's parameters, in the
//! order the code passes its arguments, are listed once below ([`Msg::params`]);
//! a test checks that every template of every id uses exactly those names.
//! The CSV reports render in English (their text is the one they always had);
//! the workbook, the console and `explain` follow `--lang`.

use crate::cli::Lang;
use crate::model::{Code, Month};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::OnceLock;

macro_rules! messages {
    ($($variant:ident [$($param:ident),*];)*) => {
        /// A message id: one `[text]` entry of `schemas/messages.toml`.
        #[allow(non_camel_case_types)]
        #[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
        pub enum Msg { $($variant,)* }

        impl Msg {
            /// Every id, in declaration order.
            pub const ALL: &'static [Msg] = &[$(Msg::$variant,)*];
            /// The key in `[text]`.
            pub fn key(self) -> &'static str {
                match self { $(Msg::$variant => stringify!($variant),)* }
            }
            /// The placeholders the code supplies, in argument order.
            pub fn params(self) -> &'static [&'static str] {
                match self { $(Msg::$variant => &[$(stringify!($param)),*],)* }
            }
        }
    };
}

messages! {
    // Flag details (flags.csv `detail`).
    orphan_separation [month];
    conflict [reason];
    conflict_second_hire [];
    conflict_separation_without_spell [];
    late_stop [deadline, basis, date, days, unit];
    basis_separation [];
    basis_last_paid_day [];
    unit_days [];
    unit_working_days [];
    late_hire_filing [filed, due, hire, days, unit];
    unpriced_catch_up [what, from, to, detail];
    word_gap [];
    word_open_gap [];
    unpriced_months [missing, region, months];
    missing_base [];
    missing_rate [];
    missing_flexible [];
    gap_over_3m [from, to, months, max, resume, benefits];
    open_gap_within [from, to, months, max, resume_by];
    open_gap_lapsed [from, to, months, max];
    overlap [from, to, employers];
    name_mismatch [name, others];
    unpriced_due [from, to, missing, region, months];
    ledger_only [count];
    overpaid [paid];
    arrears [due, paid, shortfall, fee, days];
    employer_name_mismatch [names, first];
    name_rows [name, rows];
    // Change details (changes.csv `detail`, with --since).
    gap_closed [from, to, months, resumed, after];
    gap_closed_catch_up [amount];
    gap_closed_too_long [];
    gap_closed_unpriced [];
    gap_gone [from];
    new_open_gap [from, months, after];
    new_open_gap_resume_by [date];
    newly_lapsed [from, months];
    newly_lapsed_no_cover [];
    arrears_change [due, paid, short, fee, then];
    arrears_then_paid [paid];
    arrears_no_longer_due [short];
    new_late_stop [separated, filed, deadline];
    // Reject messages (rejects.csv `message`): IDs and documents.
    id_empty [];
    id_lost_digits [];
    id_length [n];
    id_characters [];
    id_birth_date [];
    id_unknown_type [kind];
    id_checksum [found, expected];
    doc_old_foreign_permanent [];
    doc_too_long [max, n];
    doc_unknown_kind [kind, known];
    doc_characters [];
    id_number_cell [why];
    // Cells of the event files.
    cell_error [error];
    error_text [text];
    control_character [code];
    serial_out_of_range [serial];
    not_a_date [value];
    not_a_month [value];
    not_a_date_or_serial [value];
    date_text_bad [value];
    date_impossible [date];
    date_six_digits [value];
    date_two_digit_year [value];
    date_day_month_order [value];
    money_text_bad [value];
    money_negative [value];
    money_not_amount [value];
    value_empty [what];
    the_hire_date [];
    the_event_date [];
    the_month [meaning];
    first_month_paid [];
    last_month_paid [];
    first_month_unpaid [];
    month_period [];
    bad_month_of [why, meaning];
    last_month_before_first [last, first];
    separation_before_hire [separation, hire];
    event_type_empty [];
    unknown_event [value];
    unknown_region [value];
    bad_deemed_months [value];
    unknown_tier [value];
    // Rows of CSV files.
    row_too_long [bytes, max];
    field_too_long [bytes, max];
    quote_not_closed_on_line [fields];
    quote_never_closed [];
    field_count [n, header];
    in_column [column];
    in_field [n];
    line_not_decodable [line, encoding, byte, within];
    row_not_decodable [what];
    row_not_utf8 [byte];
    row_not_gbk [];
    // Unemployment-benefit months (--ui).
    ui_month_empty [];
    ui_not_a_month [value];
    ui_span_order [to, from];
    // Ledgers (--ledger).
    range_and_last_month [];
    range_backwards [from, to];
    range_too_long [from, to, months, max];
    month_count_mismatch [value, from, to, months];
    no_medical_amount [];
    insurance_empty [];
    verbatim [text];
    unknown_insurance_code [value];
    unknown_insurance [value];
    unknown_payment_kind [value];
    amount_paid_empty [];
    amount_too_large [];
    no_amount_parts [];
    no_amount_column [];
    id_cell_empty [];
    id_cell_date_or_bool [];
    ledger_month_bad [reason];
    ledger_not_a_month [value];
    ledger_month_empty [];
    amount_beyond_limit [amount];
    amount_not_a_number [];
    amount_out_of_range [value];
    amount_fractions_of_fen [value];
    amount_empty [];
    amount_date_or_bool [];
    amount_value_too_large [value];
    not_an_amount [value];
    text_fractions_of_fen [value];
    ledger_not_a_date [value];
    ledger_date_bad [value];
    ledger_date_ambiguous [value];
    employer_empty [];
    // `validate`'s report.
    va_file [path, format, encoding, bytes, sha256];
    va_encoding [encoding];
    va_sheet_skipped [sheet, reason];
    va_sheet [sheet, shape, header_row, read, accepted, rejected, duplicates, other, skipped, balance];
    va_shape_events [];
    va_shape_roster [];
    va_shape_ledger [];
    va_shape_ui [];
    va_other_insurance_sheet [n];
    va_skipped_sheet [n, reasons];
    va_reason [reason, n];
    va_not_balanced [];
    va_skip_example [];
    va_skip_total [];
    va_skip_placeholder [];
    va_note [note];
    va_total [files, read, accepted, rejected, duplicates, other, skipped, tail];
    va_other_insurance_total [n];
    va_skipped_total [n];
    va_events [n];
    va_ledger_entries [n];
    va_rejects [n];
    va_reject_columns [];
    va_ledger [];
    va_skipped_file [what];
    // The summary printed at the end of `run`.
    sum_persons [persons, covered, open_gap, lapsed, retired];
    sum_counts [gaps, long, stops, late, rejects];
    sum_flag [flag, persons];
    sum_flagged [flags];
    sum_money [catch_up, arrears, fees, overpaid];
    sum_reports_in [dir];
    sum_changes [since, count];
    sum_warning [warning];
    // Run-level warnings (the console, the workbook's summary, manifest.json
    // in English).
    warn_carried_forward [region, month, from];
    skipped_entry [path, reason];
    skip_not_regular [];
    skip_owner_file [];
    skip_hidden [];
    skip_folder_given [option];
    skip_not_export [];
    skip_nested_bundle [];
    warn_refund_rows [rows];
    warn_other_insurance [rows];
    warn_skipped_rows [rows];
    warn_skipped_ledger_rows [rows];
    warn_ledger_duplicates [rows];
    warn_grades [region, count, grade, values];
    // `explain`.
    rule_gap_over_3m [];
    rule_open_gap [];
    rule_overlap [];
    rule_orphan_separation [];
    rule_conflict [];
    rule_late_stop [];
    rule_name_mismatch [];
    rule_overpaid [];
    rule_arrears [];
    rule_ledger_only [];
    rule_unpriced [];
    rule_late_hire_filing [];
    rule_employer_name_mismatch [];
    word_hire [];
    word_separation [];
    ex_row [date, source, kind];
    ex_row_hire_month [date, source, kind, month];
    ex_row_separation_month [date, source, kind, month];
    ex_version [region, from, tier, carried];
    ex_tier [tier];
    ex_carried [];
    ex_unpriced [missing, region];
    ex_due [base, rate, product, fixed, due, version];
    ex_due_unpriced [why];
    ex_how_rate [base, rate, product, fixed];
    ex_how_monthly [amount];
    ex_how_formula [avg_wage, share, dp, rate];
    ex_catch_up [how, amount, version];
    ex_person [id, name, as_of, status];
    ex_ignored [count];
    ex_duplicates [count];
    ex_spells [];
    ex_covered [from, to, months];
    ex_covers_no_month [];
    ex_spell [n, employer, region, wage, covered, orphan, hire, separation];
    ex_wage_floor [];
    ex_orphan [];
    ex_conflict [row, employer, reason];
    ex_ui [from, to];
    ex_stops [];
    ex_stop [employer, separated, last_paid, stop_month, benefits_end, deadline, filed, late];
    ex_months [];
    ex_month_covered [month, employer, spell, due];
    ex_judged [paid, shortfall, days, daily, principal, fee];
    ex_waiver [waiver];
    ex_billed [billed];
    ex_overlap [count];
    ex_month_ui [month];
    ex_month_gap [month, kind, from, to, catch_up, not_payable];
    ex_not_payable [];
    ex_month_not_covered [month];
    ex_no_covered_month [];
    ex_gaps [];
    ex_gap [from, to, months, kind, catch_up, waiting, resume, region, wage, before];
    ex_before_none [];
    ex_before_spell [employer, row];
    ex_open_gap [resume_by];
    ex_past_limit [];
    ex_totals [cumulative, continuous, gaps, long, max, catch_up, arrears, fees];
    ex_unpriced_totals [list];
    ex_lifetime [actual, deemed, needed, male, female, actual_needed, region, from];
    ex_needed_months [n];
    ex_needed_no_sex_doc [kind];
    ex_needed_no_sex [];
    ex_resident [days, code, why, region, from];
    ex_wait_short_gap [continuous, c, gap, g];
    ex_wait_long_gap [continuous, c, gap, g, days];
    ex_wait_not_continuous [continuous, c, days];
    ex_flags [];
    ex_flag [flag, employer, month, date, detail, rule];
    ex_overpaid [employer, month, paid, reason];
    ex_paid_late [date, days, due];
    ex_paid_on_time [date];
    ex_no_paid_date [];
    ex_billed_fee_entry [];
    ex_not_due_entry [];
    ex_payment [paid, kind, insurance, when, counted];
}

/// One argument of a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Arg {
    Month(Month),
    Date(NaiveDate),
    /// `?` when unknown.
    OptDate(Option<NaiveDate>),
    Int(i64),
    /// A decimal as the engine holds it (`Decimal`'s own text).
    Decimal(Decimal),
    /// A decimal with two places (`{:.2}`).
    Dec2(Decimal),
    /// Money with exactly two decimals, rounded half-up (`format_money`).
    Money(Decimal),
    Code(Code),
    /// A text shown as is (a region code, a raw cell value, month runs).
    Str(Box<str>),
    /// A person's name: masked like the name column when names are masked.
    Name(Box<str>),
    /// Several items, joined as `Join` says.
    List(Join, Box<[Arg]>),
    /// A count of months: `1 month`, `5 months`; `5个月`.
    Months(u32),
    /// A count of rows: `1 row`, `12 rows`; `12行`.
    Rows(u64),
    /// A message without arguments (a word).
    Msg(Msg),
    /// Another message (a clause with its own arguments).
    Text(Box<Text>),
    /// Nothing (an optional clause left out).
    Empty,
}

/// `text!(id, a, b…)`: the message `Msg::id` with its arguments, each turned
/// into an [`Arg`] (`&str`/`String` as text, months, dates, codes, counts…).
#[macro_export]
macro_rules! text {
    ($msg:ident $(, $arg:expr)* $(,)?) => {
        $crate::text::Text::new(
            $crate::text::Msg::$msg,
            vec![$($crate::text::Arg::from($arg)),*],
        )
    };
}

impl From<&str> for Arg {
    fn from(s: &str) -> Arg {
        Arg::Str(s.into())
    }
}

impl From<String> for Arg {
    fn from(s: String) -> Arg {
        Arg::Str(s.into())
    }
}

impl From<&String> for Arg {
    fn from(s: &String) -> Arg {
        Arg::Str(s.as_str().into())
    }
}

impl From<std::borrow::Cow<'_, str>> for Arg {
    fn from(s: std::borrow::Cow<'_, str>) -> Arg {
        Arg::Str(s.into())
    }
}

impl From<Month> for Arg {
    fn from(m: Month) -> Arg {
        Arg::Month(m)
    }
}

impl From<NaiveDate> for Arg {
    fn from(d: NaiveDate) -> Arg {
        Arg::Date(d)
    }
}

impl From<Code> for Arg {
    fn from(c: Code) -> Arg {
        Arg::Code(c)
    }
}

impl From<Decimal> for Arg {
    fn from(d: Decimal) -> Arg {
        Arg::Decimal(d)
    }
}

macro_rules! int_args {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg {
            fn from(n: $t) -> Arg {
                Arg::Int(n as i64)
            }
        }
    )*};
}
int_args!(u8, u16, u32, u64, usize, i32, i64);

impl From<char> for Arg {
    fn from(c: char) -> Arg {
        Arg::Str(c.to_string().into())
    }
}

impl From<Msg> for Arg {
    fn from(m: Msg) -> Arg {
        Arg::Msg(m)
    }
}

impl From<Text> for Arg {
    fn from(t: Text) -> Arg {
        Arg::Text(Box::new(t))
    }
}

/// How a list's items are joined.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Join {
    /// ` and ` in English, `、` in Chinese.
    And,
    /// `, ` in English, `、` in Chinese.
    Comma,
    /// `; ` in English, `；` in Chinese.
    Semicolon,
}

/// A message and its arguments, rendered when written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Text {
    msg: Msg,
    args: Box<[Arg]>,
}

impl Text {
    /// `msg` with `args`, in the order of [`Msg::params`].
    pub fn new(msg: Msg, args: impl Into<Box<[Arg]>>) -> Text {
        let args = args.into();
        debug_assert_eq!(args.len(), msg.params().len(), "{msg:?}");
        Text { msg, args }
    }

    /// A message without arguments.
    pub fn word(msg: Msg) -> Text {
        Text::new(msg, Vec::new())
    }

    /// The text in `lang`, names as they are.
    pub fn render(&self, lang: Lang) -> String {
        let mut out = String::with_capacity(self.len_hint(lang));
        self.render_into(lang, false, &mut out);
        out
    }

    /// About how long the text is in `lang` (its template's literal text and
    /// 12 bytes an argument): a buffer of this size is seldom grown.
    pub fn len_hint(&self, lang: Lang) -> usize {
        let literal = templates()
            .get(self.msg as usize)
            .and_then(|t| t.as_ref())
            .map_or(0, |t| t.literal_len(lang));
        literal + 12 * self.args.len()
    }

    /// The English text (the CSV reports').
    pub fn en(&self) -> String {
        self.render(Lang::En)
    }

    /// Appends the text in `lang` and a line break to `out` (console output).
    pub fn push_line(&self, lang: Lang, out: &mut String) {
        self.render_into(lang, false, out);
        out.push('\n');
    }

    /// Appends the text in `lang` to `out`; with `mask_names`, every
    /// [`Arg::Name`] masked like the name column (`王*`).
    pub fn render_into(&self, lang: Lang, mask_names: bool, out: &mut String) {
        let tables = templates();
        let Some(pieces) =
            tables
                .get(self.msg as usize)
                .and_then(|t| t.as_ref())
                .map(|t| match lang {
                    Lang::Zh => &t.zh,
                    Lang::En => &t.en,
                })
        else {
            // No template (the data file lacks the id; a test forbids it):
            // the id and its arguments, still readable.
            out.push_str(self.msg.key());
            for a in self.args.iter() {
                out.push(' ');
                a.render_into(lang, mask_names, out);
            }
            return;
        };
        for p in pieces {
            match p {
                Piece::Lit(s) => out.push_str(s),
                Piece::Arg(i) => {
                    if let Some(a) = self.args.get(*i) {
                        a.render_into(lang, mask_names, out);
                    }
                }
            }
        }
    }
}

/// The English text.
impl std::fmt::Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.en())
    }
}

impl Arg {
    fn render_into(&self, lang: Lang, mask_names: bool, out: &mut String) {
        let zh = lang == Lang::Zh;
        match self {
            Arg::Month(m) => {
                let _ = write!(out, "{m}");
            }
            Arg::Date(d) => {
                let _ = write!(out, "{d}");
            }
            Arg::OptDate(Some(d)) => {
                let _ = write!(out, "{d}");
            }
            Arg::OptDate(None) => out.push('?'),
            Arg::Int(n) => out.push_str(itoa::Buffer::new().format(*n)),
            Arg::Decimal(d) => {
                let _ = write!(out, "{d}");
            }
            Arg::Dec2(d) => {
                let _ = write!(out, "{d:.2}");
            }
            Arg::Money(d) => out.push_str(&crate::report::table::format_money(*d)),
            Arg::Code(c) => out.push_str(c.as_str()),
            Arg::Str(s) => out.push_str(s),
            Arg::Name(n) if mask_names => out.push_str(&crate::model::mask_name(n)),
            Arg::Name(n) => out.push_str(n),
            Arg::List(join, items) => {
                let sep = match (join, zh) {
                    (Join::Semicolon, true) => "；",
                    (_, true) => "、",
                    (Join::And, false) => " and ",
                    (Join::Comma, false) => ", ",
                    (Join::Semicolon, false) => "; ",
                };
                for (i, a) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(sep);
                    }
                    a.render_into(lang, mask_names, out);
                }
            }
            Arg::Months(n) => {
                out.push_str(itoa::Buffer::new().format(*n));
                out.push_str(match (zh, *n == 1) {
                    (true, _) => "个月",
                    (false, true) => " month",
                    (false, false) => " months",
                });
            }
            Arg::Rows(n) => {
                out.push_str(itoa::Buffer::new().format(*n));
                out.push_str(match (zh, *n == 1) {
                    (true, _) => "行",
                    (false, true) => " row",
                    (false, false) => " rows",
                });
            }
            Arg::Msg(m) => Text::word(*m).render_into(lang, mask_names, out),
            Arg::Text(t) => t.render_into(lang, mask_names, out),
            Arg::Empty => {}
        }
    }
}

/// A template cut at its placeholders.
#[derive(Debug)]
enum Piece {
    Lit(String),
    /// The index of the argument (in [`Msg::params`] order).
    Arg(usize),
}

struct Templates {
    zh: Vec<Piece>,
    en: Vec<Piece>,
    /// The bytes of literal text of `zh` and `en`.
    literal: [usize; 2],
}

impl Templates {
    fn new(zh: Vec<Piece>, en: Vec<Piece>) -> Templates {
        let len = |pieces: &[Piece]| {
            pieces
                .iter()
                .map(|p| match p {
                    Piece::Lit(s) => s.len(),
                    Piece::Arg(_) => 0,
                })
                .sum()
        };
        let literal = [len(&zh), len(&en)];
        Templates { zh, en, literal }
    }

    fn literal_len(&self, lang: Lang) -> usize {
        match lang {
            Lang::Zh => self.literal[0],
            Lang::En => self.literal[1],
        }
    }
}

#[derive(Deserialize)]
struct Label {
    zh: String,
    en: String,
}

#[derive(Deserialize)]
struct File {
    #[serde(default)]
    text: BTreeMap<String, Label>,
}

const MESSAGES: &str = include_str!("../schemas/messages.toml");

/// Each id's templates, by `Msg as usize` (`None`: missing or not valid).
fn templates() -> &'static [Option<Templates>] {
    static T: OnceLock<Vec<Option<Templates>>> = OnceLock::new();
    T.get_or_init(|| {
        let file: File = toml::from_str(MESSAGES).unwrap_or(File {
            text: BTreeMap::new(),
        });
        Msg::ALL
            .iter()
            .map(|&m| {
                let l = file.text.get(m.key())?;
                Some(Templates::new(
                    parse(&l.zh, m.params()).ok()?,
                    parse(&l.en, m.params()).ok()?,
                ))
            })
            .collect()
    })
}

/// Cuts `template` at its `{name}` placeholders; an error names a placeholder
/// not in `params`, or an unclosed brace.
fn parse(template: &str, params: &[&str]) -> Result<Vec<Piece>, String> {
    let mut pieces = Vec::new();
    let mut lit = String::new();
    let mut rest = template;
    while let Some(i) = rest.find(['{', '}']) {
        lit.push_str(&rest[..i]);
        let tail = &rest[i..];
        if let Some(r) = tail.strip_prefix("{{") {
            lit.push('{');
            rest = r;
        } else if let Some(r) = tail.strip_prefix("}}") {
            lit.push('}');
            rest = r;
        } else if let Some(r) = tail.strip_prefix('{') {
            let end = r
                .find('}')
                .ok_or_else(|| format!("unclosed {{ in {template:?}"))?;
            let name = &r[..end];
            let index = params
                .iter()
                .position(|p| *p == name)
                .ok_or_else(|| format!("unknown placeholder {{{name}}} in {template:?}"))?;
            if !lit.is_empty() {
                pieces.push(Piece::Lit(std::mem::take(&mut lit)));
            }
            pieces.push(Piece::Arg(index));
            rest = &r[end + 1..];
        } else {
            return Err(format!("lone }} in {template:?}"));
        }
    }
    lit.push_str(rest);
    if !lit.is_empty() {
        pieces.push(Piece::Lit(lit));
    }
    Ok(pieces)
}

/// The placeholders `template` uses, each once, in order of first use.
#[cfg(test)]
fn placeholders(template: &str, params: &[&str]) -> Result<Vec<String>, String> {
    let mut seen = Vec::new();
    for p in parse(template, params)? {
        if let Piece::Arg(i) = p {
            let name = params[i].to_string();
            if !seen.contains(&name) {
                seen.push(name);
            }
        }
    }
    Ok(seen)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every id has a zh and an en template, each using exactly the
    /// placeholders the code supplies (no more, none missing), and no
    /// `[text]` entry is left without an id.
    #[test]
    fn every_message_has_both_languages_with_the_code_placeholders() {
        let file: File = toml::from_str(MESSAGES).unwrap();
        for &m in Msg::ALL {
            let l = file
                .text
                .get(m.key())
                .unwrap_or_else(|| panic!("[text] {} missing", m.key()));
            for (lang, t) in [("zh", &l.zh), ("en", &l.en)] {
                let mut used = placeholders(t, m.params())
                    .unwrap_or_else(|e| panic!("{} {lang}: {e}", m.key()));
                used.sort();
                let mut want: Vec<String> = m.params().iter().map(|s| s.to_string()).collect();
                want.sort();
                assert_eq!(used, want, "{} {lang}: {t:?}", m.key());
                assert!(!t.trim().is_empty(), "{} {lang}", m.key());
            }
        }
        for key in file.text.keys() {
            assert!(
                Msg::ALL.iter().any(|m| m.key() == key),
                "[text] {key} is used by no code"
            );
        }
        assert!(templates().iter().all(Option::is_some));
    }

    #[test]
    fn templates_are_cut_at_their_placeholders() {
        assert!(parse("a {x} b", &["y"]).is_err());
        assert!(parse("a {x b", &["x"]).is_err());
        assert!(parse("a } b", &["x"]).is_err());
        let p = parse("{{{x}}} {x}", &["x"]).unwrap();
        assert_eq!(p.len(), 4, "{p:?}");
    }

    #[test]
    fn arguments_render_by_language() {
        let t = Text::new(
            Msg::overlap,
            [
                Arg::Month(Month::new(2025, 3).unwrap()),
                Arg::Month(Month::new(2025, 6).unwrap()),
                Arg::List(
                    Join::And,
                    vec![
                        Arg::Str("E1".into()),
                        Arg::Str("E2".into()),
                        Arg::Str("E3".into()),
                    ]
                    .into(),
                ),
            ],
        );
        assert_eq!(
            t.render(Lang::En),
            "months 2025-03..2025-06 covered by E1 and E2 and E3 at once"
        );
        assert_eq!(t.render(Lang::Zh), "2025-03至2025-06由E1、E2、E3同时参保");
        let n = Text::new(
            Msg::name_mismatch,
            [
                Arg::Name("王伟".into()),
                Arg::List(
                    Join::Comma,
                    vec![Arg::Name("王玮".into()), Arg::Name("汪伟".into())].into(),
                ),
            ],
        );
        let mut masked = String::new();
        n.render_into(Lang::En, true, &mut masked);
        assert_eq!(masked, "name 王* kept; also seen: 王*, 汪*");
        let mut masked = String::new();
        n.render_into(Lang::Zh, true, &mut masked);
        assert_eq!(masked, "采用姓名王*；另见：王*、汪*");
        assert_eq!(Arg::Months(1).clone(), Arg::Months(1));
        let mut s = String::new();
        Arg::Months(1).render_into(Lang::En, false, &mut s);
        Arg::Months(5).render_into(Lang::Zh, false, &mut s);
        Arg::Rows(12).render_into(Lang::En, false, &mut s);
        assert_eq!(s, "1 month5个月12 rows");
    }
}
