//! Event rows of the synthetic exports and how they are written: the typed row
//! ([`EventRow`]), the deliberately bad variants real exports contain
//! ([`BadKind`]), and text rendering of every column in an employer's own style,
//! straight into a byte buffer (no per-row allocation).

use super::ledger::DueTable;
use super::population::{
    DateStyle, Employer, IdSpace, MoneyStyle, PersonPlan, REASONS, RETIREMENT_REASON, person_name,
};
use super::rng::Rng;
use crate::model::{EventKind, Month, RejectCode};
use chrono::{Datelike, NaiveDate};
use serde::Serialize;

/// The event-row header, as Chinese HR systems write it (see `schemas/columns.toml`):
/// 证件类型 beside the number (`居民身份证`, or `护照` … for the persons
/// holding another document). The last column, 部门 (department), maps to
/// nothing: real exports carry such columns and readers must pass over them.
pub const EVENT_HEADER: [&str; 11] = [
    "证件类型",
    "身份证号",
    "姓名",
    "单位编号",
    "变动类型",
    "变动日期",
    "参保地",
    "缴费基数",
    "离职原因",
    "减员日期",
    "部门",
];

const DEPARTMENTS: [&str; 12] = [
    "行政部",
    "财务部",
    "人力资源部",
    "销售部",
    "市场部",
    "研发中心",
    "生产一车间",
    "生产二车间",
    "仓储物流部",
    "客服中心",
    "质量管理部",
    "采购部",
];

/// The 部门 cell: one department per person and employer.
pub fn push_department(out: &mut String, row: &EventRow) {
    let pick = (row.person.wrapping_mul(31) + u64::from(row.employer)) % DEPARTMENTS.len() as u64;
    out.push_str(DEPARTMENTS[pick as usize]);
}

/// A deliberately bad row, as found in real exports; each is one reject.
#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize)]
pub enum BadKind {
    /// 身份证号 left blank.
    MissingId,
    /// One wrong check character.
    IdChecksum,
    /// The ID went through a number: `1.10105E+17`. (A document holder's
    /// row gets a `BadDate` instead of this or `IdChecksum`.)
    IdLostDigits,
    /// An impossible date: `2025-02-30`.
    BadDate,
    /// A 变动类型 nobody maps: `调动`.
    BadEvent,
    /// 缴费基数 that is not money: `面议`.
    BadMoney,
    /// A region no pack knows: `beijng`.
    UnknownRegion,
}

impl BadKind {
    pub const ALL: [BadKind; 7] = [
        BadKind::MissingId,
        BadKind::IdChecksum,
        BadKind::IdLostDigits,
        BadKind::BadDate,
        BadKind::BadEvent,
        BadKind::BadMoney,
        BadKind::UnknownRegion,
    ];
    const WEIGHTS: [u32; 7] = [1, 3, 2, 3, 2, 2, 2];

    /// The reject code ingest is expected to give such a row.
    pub fn code(self) -> RejectCode {
        match self {
            BadKind::MissingId => RejectCode::MissingValue,
            BadKind::IdChecksum => RejectCode::IdChecksum,
            BadKind::IdLostDigits => RejectCode::IdLostDigits,
            BadKind::BadDate => RejectCode::BadDate,
            BadKind::BadEvent => RejectCode::BadEvent,
            BadKind::BadMoney => RejectCode::BadMoney,
            BadKind::UnknownRegion => RejectCode::UnknownRegion,
        }
    }
}

const BAD_EVENT_WORDS: [&str; 4] = ["调动", "转岗", "待定", "其他"];
const BAD_MONEY: [&str; 4] = ["面议", "待定", "abc", "#N/A"];
const BAD_REGIONS: [&str; 4] = ["beijng", "shanhai", "火星市", "未知"];
/// (month, day) pairs that are no date.
const BAD_DAYS: [(u32, u32); 6] = [(2, 30), (2, 31), (4, 31), (6, 31), (9, 31), (11, 31)];

/// One row of an event export (one hire or one separation).
#[derive(Copy, Clone, Debug)]
pub struct EventRow {
    pub person: u64,
    pub employer: u32,
    pub kind: EventKind,
    pub date: NaiveDate,
    /// 缴费基数 in cents; `None` leaves the cell blank.
    pub wage_cents: Option<u64>,
    pub retirement: bool,
    pub reason: u8,
    pub filed: Option<NaiveDate>,
    pub male: bool,
    pub name_variant: bool,
    pub bad: Option<BadKind>,
    /// Which bad value of its kind (a random byte).
    pub bad_choice: u8,
}

impl EventRow {
    /// Sort key of an export: employer, then date, then person.
    pub fn export_order(&self) -> (u32, NaiveDate, u64, EventKind) {
        (self.employer, self.date, self.person, self.kind)
    }
}

/// The rows of one person (at most 8: four spells, hire and separation each).
/// `bad_threshold` (see `rng::probability_threshold`) makes rows bad.
pub fn person_rows(
    plan: &PersonPlan,
    seed: u64,
    bad_threshold: u64,
    out: &mut [EventRow; 8],
) -> usize {
    let mut bad_rng = Rng::stream(seed, super::population::STREAM_BAD, plan.index);
    // A document number has no check character and is never a number cell.
    let document = plan.document.is_some();
    let mut n = 0;
    for spell in plan.spells() {
        let hire = EventRow {
            person: plan.index,
            employer: spell.employer,
            kind: EventKind::Hire,
            date: spell.hire,
            wage_cents: Some(spell.wage_cents),
            retirement: false,
            reason: 0,
            filed: None,
            male: plan.male,
            name_variant: spell.name_variant,
            bad: None,
            bad_choice: 0,
        };
        out[n] = hire;
        n += 1;
        if let Some(separation) = spell.separation {
            out[n] = EventRow {
                kind: EventKind::Separation,
                date: separation,
                wage_cents: (!spell.separation_wage_blank).then_some(spell.wage_cents),
                retirement: spell.retirement,
                reason: spell.reason,
                filed: spell.filed,
                ..hire
            };
            n += 1;
        }
    }
    for row in &mut out[..n] {
        if bad_threshold > 0 && bad_rng.chance_threshold(bad_threshold) {
            let mut kind = BadKind::ALL[bad_rng.weighted(&BadKind::WEIGHTS)];
            if (kind == BadKind::BadMoney && row.wage_cents.is_none())
                || (document && matches!(kind, BadKind::IdChecksum | BadKind::IdLostDigits))
            {
                kind = BadKind::BadDate;
            }
            row.bad = Some(kind);
            row.bad_choice = bad_rng.below(256) as u8;
        }
    }
    n
}

/// What rendering needs besides the row.
pub struct RenderContext<'a> {
    pub seed: u64,
    pub ids: IdSpace,
    pub employers: &'a [Employer],
    /// GBK output: `￥` instead of `¥` (the latter is not in GBK).
    pub gbk: bool,
}

pub fn push_u64(out: &mut String, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // Only ASCII digits were written.
    out.push_str(std::str::from_utf8(&buf[i..]).unwrap_or_default());
}

fn push_2(out: &mut String, n: u32) {
    out.push(char::from(b'0' + (n / 10 % 10) as u8));
    out.push(char::from(b'0' + (n % 10) as u8));
}

/// A date (possibly an impossible one) in an employer's style.
pub fn push_date_parts(out: &mut String, y: i32, m: u32, d: u32, style: DateStyle) {
    let y = y.max(0) as u64;
    match style {
        DateStyle::Iso => {
            push_u64(out, y);
            out.push('-');
            push_2(out, m);
            out.push('-');
            push_2(out, d);
        }
        DateStyle::Slash | DateStyle::Dot => {
            let sep = if style == DateStyle::Slash { '/' } else { '.' };
            push_u64(out, y);
            out.push(sep);
            push_u64(out, u64::from(m));
            out.push(sep);
            push_u64(out, u64::from(d));
        }
        DateStyle::Compact => {
            push_u64(out, y);
            push_2(out, m);
            push_2(out, d);
        }
        DateStyle::Chinese => {
            push_u64(out, y);
            out.push('年');
            push_u64(out, u64::from(m));
            out.push('月');
            push_u64(out, u64::from(d));
            out.push('日');
        }
    }
}

pub fn push_date(out: &mut String, date: NaiveDate, style: DateStyle) {
    push_date_parts(out, date.year(), date.month(), date.day(), style);
}

/// Money in cents as `8523`, `8523.50`, `8,523.50`, `¥8523`, `8523元`, `８５２３`.
pub fn push_money(out: &mut String, cents: u64, style: MoneyStyle, gbk: bool) {
    let yuan = cents / 100;
    let fraction = (cents % 100) as u32;
    let plain = |out: &mut String| {
        push_u64(out, yuan);
        if fraction != 0 {
            out.push('.');
            push_2(out, fraction);
        }
    };
    match style {
        MoneyStyle::Plain => plain(out),
        MoneyStyle::Fixed2 => {
            push_u64(out, yuan);
            out.push('.');
            push_2(out, fraction);
        }
        MoneyStyle::Thousands => {
            let start = out.len();
            push_u64(out, yuan);
            let digits: Vec<u8> = out.as_bytes()[start..].to_vec();
            out.truncate(start);
            for (i, d) in digits.iter().enumerate() {
                if i > 0 && (digits.len() - i).is_multiple_of(3) {
                    out.push(',');
                }
                out.push(char::from(*d));
            }
            out.push('.');
            push_2(out, fraction);
        }
        MoneyStyle::Yen => {
            out.push(if gbk { '￥' } else { '¥' });
            plain(out);
        }
        MoneyStyle::Yuan => {
            plain(out);
            out.push('元');
        }
        MoneyStyle::FullWidth => {
            if fraction != 0 {
                plain(out);
            } else {
                let start = out.len();
                push_u64(out, yuan);
                let digits: Vec<u8> = out.as_bytes()[start..].to_vec();
                out.truncate(start);
                for d in digits {
                    out.push(char::from_u32(0xFF10 + u32::from(d - b'0')).unwrap_or('0'));
                }
            }
        }
    }
}

/// The 证件类型 cell: `居民身份证`, or the person's other document.
pub fn push_id_type(out: &mut String, row: &EventRow, ctx: &RenderContext<'_>) {
    out.push_str(
        ctx.ids
            .document(row.person)
            .map_or(super::population::RESIDENT_LABEL, |d| d.label),
    );
}

/// The 身份证号 cell as text: the resident ID, or the number of the
/// person's other document.
pub fn push_id(out: &mut String, row: &EventRow, ctx: &RenderContext<'_>) {
    if let Some(document) = ctx.ids.document(row.person) {
        if row.bad != Some(BadKind::MissingId) {
            out.push_str(document.id.number());
        }
        return;
    }
    let id = ctx.ids.person_id(row.person);
    let s = id.as_str();
    match row.bad {
        Some(BadKind::MissingId) => {}
        Some(BadKind::IdChecksum) => {
            out.push_str(&s[..17]);
            let check = s.as_bytes()[17];
            let wrong = if check == b'X' {
                b'0' + row.bad_choice % 10
            } else {
                // Any other of the 11 check characters.
                let step = 1 + row.bad_choice % 10;
                match (check - b'0' + step) % 11 {
                    10 => b'X',
                    d => b'0' + d,
                }
            };
            out.push(char::from(wrong));
        }
        Some(BadKind::IdLostDigits) => {
            // What Excel shows for an ID stored as a number: 1.10105E+17.
            out.push_str(&s[..1]);
            out.push('.');
            out.push_str(s[1..6].trim_end_matches('0'));
            out.push_str("E+17");
        }
        _ => {
            // Some systems write the check character in lower case (valid).
            if s.ends_with('X') && row.person.is_multiple_of(5) {
                out.push_str(&s[..17]);
                out.push('x');
            } else {
                out.push_str(s);
            }
        }
    }
}

pub fn push_name(out: &mut String, row: &EventRow, ctx: &RenderContext<'_>) {
    person_name(ctx.seed, row.person, row.male, row.name_variant, out);
}

pub fn push_event_word(out: &mut String, row: &EventRow, employer: &Employer) {
    out.push_str(match (row.bad, row.kind) {
        (Some(BadKind::BadEvent), _) => {
            BAD_EVENT_WORDS[usize::from(row.bad_choice) % BAD_EVENT_WORDS.len()]
        }
        (_, EventKind::Hire) => employer.hire_word,
        (_, EventKind::Separation) => employer.separation_word,
    });
}

/// The 变动日期 cell as text (an impossible date for a `BadDate` row).
pub fn push_event_date(out: &mut String, row: &EventRow, employer: &Employer) {
    if row.bad == Some(BadKind::BadDate) {
        let (m, d) = BAD_DAYS[usize::from(row.bad_choice) % BAD_DAYS.len()];
        push_date_parts(out, row.date.year(), m, d, employer.date_style);
    } else {
        push_date(out, row.date, employer.date_style);
    }
}

pub fn push_region(out: &mut String, row: &EventRow, employer: &Employer) {
    if row.bad == Some(BadKind::UnknownRegion) {
        out.push_str(BAD_REGIONS[usize::from(row.bad_choice) % BAD_REGIONS.len()]);
    } else {
        out.push_str(employer.region_text);
    }
}

pub fn push_wage(out: &mut String, row: &EventRow, employer: &Employer, gbk: bool) {
    if row.bad == Some(BadKind::BadMoney) {
        out.push_str(BAD_MONEY[usize::from(row.bad_choice) % BAD_MONEY.len()]);
    } else if let Some(cents) = row.wage_cents {
        push_money(out, cents, employer.money_style, gbk);
    }
}

pub fn push_reason(out: &mut String, row: &EventRow) {
    if row.kind == EventKind::Separation {
        out.push_str(if row.retirement {
            RETIREMENT_REASON
        } else {
            REASONS[usize::from(row.reason) % REASONS.len()]
        });
    }
}

pub fn push_filed(out: &mut String, row: &EventRow, employer: &Employer) {
    if let Some(filed) = row.filed {
        push_date(out, filed, employer.date_style);
    }
}

/// The columns of a bureau declaration (`--format declaration`): the month
/// paid for (费款所属期) instead of a day, the type as 增/减 or a code.
pub const DECLARATION_HEADER: [&str; 10] = [
    "证件类型",
    "证件号码",
    "姓名",
    "单位编号",
    "申报类型",
    "费款所属期",
    "参保地",
    "缴费基数",
    "减员原因",
    "申报日期",
];

/// The 费款所属期 of an event row: a hire's first month paid, a
/// separation's first month no longer paid, by the region's rules.
pub fn declaration_month(row: &EventRow, employer: &Employer, dues: &DueTable) -> Month {
    let month = Month::of(row.date);
    match row.kind {
        EventKind::Hire => match dues.rule(employer.region, month).hire_cutoff_day {
            Some(cut) if row.date.day() > cut => month.next(),
            _ => month,
        },
        EventKind::Separation => {
            if dues.rule(employer.region, month).separation_month_paid {
                month.next()
            } else {
                month
            }
        }
    }
}

/// One declaration line: `居民身份证,ID,姓名,单位,增,202504,…`. The type is
/// 增/减 or a code with its label (by employer); the month `202504`,
/// `2025-04` or `2025年4月` (by employer's date style); a `BadDate` row has a
/// month that does not exist (`202591`).
pub fn push_declaration_row(
    out: &mut String,
    row: &EventRow,
    ctx: &RenderContext<'_>,
    dues: &DueTable,
    line_end: &str,
) {
    let employer = &ctx.employers[row.employer as usize];
    push_id_type(out, row, ctx);
    out.push(',');
    push_id(out, row, ctx);
    out.push(',');
    push_name(out, row, ctx);
    out.push(',');
    out.push_str(&employer.code);
    out.push(',');
    let coded = employer.region % 2 == 1;
    out.push_str(match (row.bad, row.kind, coded) {
        (Some(BadKind::BadEvent), _, _) => {
            BAD_EVENT_WORDS[usize::from(row.bad_choice) % BAD_EVENT_WORDS.len()]
        }
        (_, EventKind::Hire, false) => "增",
        (_, EventKind::Separation, false) => "减",
        (_, EventKind::Hire, true) => "0001 人员新增",
        (_, EventKind::Separation, true) => "0002 人员中断",
    });
    out.push(',');
    let m = declaration_month(row, employer, dues);
    let month = if row.bad == Some(BadKind::BadDate) {
        91
    } else {
        m.month()
    };
    push_u64(out, m.year() as u64);
    let (sep, pad, end) = match employer.date_style {
        DateStyle::Iso => ("-", true, ""),
        DateStyle::Slash => ("/", true, ""),
        DateStyle::Compact => ("", true, ""),
        DateStyle::Chinese => ("年", false, "月"),
        DateStyle::Dot => (".", false, ""),
    };
    out.push_str(sep);
    if pad && month < 10 {
        out.push('0');
    }
    push_u64(out, u64::from(month));
    out.push_str(end);
    out.push(',');
    push_common_tail(out, row, ctx, employer);
    out.push_str(line_end);
}

/// The cells both event layouts end with: 参保地, 缴费基数 (quoted when it
/// holds a comma), 离职/减员原因, 减员/申报日期.
fn push_common_tail(
    out: &mut String,
    row: &EventRow,
    ctx: &RenderContext<'_>,
    employer: &Employer,
) {
    push_region(out, row, employer);
    out.push(',');
    let start = out.len();
    push_wage(out, row, employer, ctx.gbk);
    if out[start..].contains(',') {
        out.insert(start, '"');
        out.push('"');
    }
    out.push(',');
    push_reason(out, row);
    out.push(',');
    push_filed(out, row, employer);
}

/// One CSV line (with `line_end`), quoting the money cell when it holds a comma.
pub fn push_csv_row(out: &mut String, row: &EventRow, ctx: &RenderContext<'_>, line_end: &str) {
    let employer = &ctx.employers[row.employer as usize];
    push_id_type(out, row, ctx);
    out.push(',');
    push_id(out, row, ctx);
    out.push(',');
    push_name(out, row, ctx);
    out.push(',');
    out.push_str(&employer.code);
    out.push(',');
    push_event_word(out, row, employer);
    out.push(',');
    push_event_date(out, row, employer);
    out.push(',');
    push_common_tail(out, row, ctx, employer);
    out.push(',');
    push_department(out, row);
    out.push_str(line_end);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::population::{EmployerPicker, employers, plan_person};
    use crate::model::PersonId;

    #[test]
    fn money_styles() {
        let cases = [
            (800_000, MoneyStyle::Plain, "8000"),
            (852_350, MoneyStyle::Plain, "8523.50"),
            (800_000, MoneyStyle::Fixed2, "8000.00"),
            (1_234_567, MoneyStyle::Thousands, "12,345.67"),
            (80_000, MoneyStyle::Thousands, "800.00"),
            (800_000, MoneyStyle::Yen, "¥8000"),
            (800_000, MoneyStyle::Yuan, "8000元"),
            (800_000, MoneyStyle::FullWidth, "８０００"),
        ];
        for (cents, style, want) in cases {
            let mut s = String::new();
            push_money(&mut s, cents, style, false);
            assert_eq!(s, want);
        }
        let mut s = String::new();
        push_money(&mut s, 800_000, MoneyStyle::Yen, true);
        assert_eq!(s, "￥8000");
    }

    #[test]
    fn date_styles() {
        let d = NaiveDate::from_ymd_opt(2025, 3, 5).unwrap();
        let want = [
            (DateStyle::Iso, "2025-03-05"),
            (DateStyle::Slash, "2025/3/5"),
            (DateStyle::Compact, "20250305"),
            (DateStyle::Chinese, "2025年3月5日"),
            (DateStyle::Dot, "2025.3.5"),
        ];
        for (style, text) in want {
            let mut s = String::new();
            push_date(&mut s, d, style);
            assert_eq!(s, text);
        }
    }

    #[test]
    fn bad_ids_fail_the_way_their_kind_says() {
        let emps = employers(1, 3);
        let ctx = RenderContext {
            seed: 1,
            ids: IdSpace::new(1),
            employers: &emps,
            gbk: false,
        };
        let picker = EmployerPicker::new(3);
        let mut documents = 0;
        for p in 0..1000 {
            let plan = plan_person(1, p, &ctx.ids, &picker);
            documents += usize::from(plan.document.is_some());
            let mut rows = [plan_row_default(); 8];
            let n = person_rows(&plan, 1, 1 << 32, &mut rows);
            for row in &rows[..n] {
                let mut id = String::new();
                push_id(&mut id, row, &ctx);
                let mut label = String::new();
                push_id_type(&mut label, row, &ctx);
                let id_type = crate::model::IdType::parse(&label).unwrap();
                let parsed = PersonId::parse_typed(id_type, &id);
                let (shown_label, shown) = plan.shown_id();
                assert_eq!(label, shown_label);
                match row.bad {
                    Some(BadKind::MissingId | BadKind::IdChecksum | BadKind::IdLostDigits) => {
                        let code = parsed.unwrap_err().code();
                        assert_eq!(code, row.bad.unwrap().code(), "{id}");
                    }
                    _ => assert_eq!(parsed.unwrap(), shown),
                }
            }
        }
        // Document holders are among them (1% of 1,000: 10 expected).
        assert!(documents >= 3, "{documents}");
    }

    fn plan_row_default() -> EventRow {
        EventRow {
            person: 0,
            employer: 0,
            kind: EventKind::Hire,
            date: NaiveDate::default(),
            wage_cents: None,
            retirement: false,
            reason: 0,
            filed: None,
            male: false,
            name_variant: false,
            bad: None,
            bad_choice: 0,
        }
    }
}
