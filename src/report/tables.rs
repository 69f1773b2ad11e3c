//! The report tables of SPEC §4 over the engine's results: persons (人员),
//! gaps (断缴), stops (停保), arrears (欠缴), employers (单位), rejects (拒收),
//! plus overpaid (多缴) and flags (标记).
//!
//! Column keys are the interface (CSV headers, English workbook headers,
//! Parquet column names); the Chinese names head the default workbook. Rows
//! come in SPEC order: by `person_id`, then by date or month within a person.
//! Values are masked here when asked, so every writer gets the same cells.

use super::mask::{mask_code, maybe_mask, reject_value};
use super::table::{Column, ColumnKind, Table, Value};
use crate::cli::Lang;
use crate::model::{
    ArrearsRow, ChangeRow, Code, EmployerNames, EmployerRow, Flag, FlagRow, GapRow, InputFormat,
    InputReport, OverpaidRow, PersonId, PersonResult, Reject, StopRow, mask_name,
};
use crate::text::{Arg, Join, Msg};
use std::borrow::Cow;
use std::cmp::Ordering;
use std::marker::PhantomData;

const fn col(key: &'static str, zh: &'static str, kind: ColumnKind) -> Column {
    Column { key, zh, kind }
}

use ColumnKind::{Bool, Date, Int, Money, Month as MonthKind, Text};

fn id_value(id: &PersonId, mask: bool) -> Value<'_> {
    Value::Text(if mask {
        Cow::Owned(id.masked())
    } else {
        id.text()
    })
}

fn opt<'a, T>(v: Option<T>, f: impl FnOnce(T) -> Value<'a>) -> Value<'a> {
    v.map_or(Value::Null, f)
}

/// `normal+back_pay`: the payment kinds of a month, in `PaymentKind` order.
pub fn paid_kinds_text(bits: u8) -> String {
    crate::model::PaymentKind::ALL
        .iter()
        .filter(|k| bits & (1 << (**k as u8)) != 0)
        .map(|k| k.key())
        .collect::<Vec<_>>()
        .join("+")
}

/// Employer codes joined with `;`, each masked when it is a resident ID.
fn employers_text(codes: &[Code], mask: bool) -> Cow<'_, str> {
    match codes {
        [one] => mask_code(one, mask),
        _ => Cow::Owned(
            codes
                .iter()
                .map(|c| mask_code(c, mask))
                .collect::<Vec<_>>()
                .join(";"),
        ),
    }
}

fn code_or_null(code: Option<&str>, mask: bool) -> Value<'_> {
    opt(code, |c| Value::Text(mask_code(c, mask)))
}

/// No names known: what a table has until `with_names`.
fn no_names() -> &'static EmployerNames {
    static NONE: std::sync::LazyLock<EmployerNames> =
        std::sync::LazyLock::new(EmployerNames::default);
    &NONE
}

/// The 单位名称 of `code`, blank when the inputs gave none.
fn name_of<'s>(names: &'s EmployerNames, code: Option<&str>) -> Value<'s> {
    match code.and_then(|c| names.get(c)) {
        Some(n) => Value::Text(Cow::Borrowed(n)),
        None => Value::Null,
    }
}

/// The names of `codes` joined with `;` like the codes (blank for a code
/// without one); blank when none has a name.
fn names_text<'s>(names: &'s EmployerNames, codes: &[Code]) -> Value<'s> {
    if names.is_empty() {
        return Value::Null;
    }
    match codes {
        [one] => name_of(names, Some(one)),
        _ => {
            let found: Vec<&str> = codes.iter().map(|c| names.get(c).unwrap_or("")).collect();
            if found.iter().all(|n| n.is_empty()) {
                Value::Null
            } else {
                Value::Text(Cow::Owned(found.join(";")))
            }
        }
    }
}

fn text_or_null(s: Option<&str>) -> Value<'_> {
    opt(s, |s| Value::Text(Cow::Borrowed(s)))
}

/// Indexes of `results` by person ID (the pipeline hands them over in that
/// order already; sorted here only if not).
fn person_order(results: &[PersonResult]) -> Vec<u32> {
    let mut order: Vec<u32> = (0..results.len() as u32).collect();
    if !results.is_sorted_by_key(|r| r.person.person_id) {
        order.sort_by_key(|&i| results[i as usize].person.person_id);
    }
    order
}

// ---------------------------------------------------------------------------
// persons
// ---------------------------------------------------------------------------

pub const PERSON_COLUMNS: &[Column] = &[
    col("person_id", "身份证号", Text),
    col("name", "姓名", Text),
    col("employers", "参保单位", Text),
    col("first_covered_month", "首次参保月份", MonthKind),
    col("last_covered_month", "最后参保月份", MonthKind),
    col("status", "参保状态", Text),
    col("open_months", "当前断缴月数", Int),
    col("resume_by", "最晚续保日期", Date),
    col("gaps", "断缴次数", Int),
    col("long_gaps", "长期断缴次数", Int),
    col("max_gap_months", "最长断缴月数", Int),
    col("catch_up_total", "补缴金额合计", Money),
    col("continuous_months", "连续参保月数", Int),
    col("cumulative_months", "累计参保月数", Int),
    col("arrears_total", "欠缴金额合计", Money),
    col("late_fee_total", "滞纳金合计", Money),
    col("flags", "标记", Text),
    col("actual_months", "实际缴费月数", Int),
    col("deemed_months", "视同缴费月数", Int),
    col("lifetime_months_needed", "终身待遇尚缺月数", Int),
    col("resident_wait_days", "转居民医保等待天数", Int),
    col("resident_wait_reason", "转居民医保等待原因", Text),
    col("unpriced", "未计价合计项", Text),
    col("employer_names", "参保单位名称", Text),
];

/// One row per person (`persons.csv`, 人员).
pub struct PersonsTable<'a> {
    results: &'a [PersonResult],
    order: Vec<u32>,
    mask: bool,
    names: &'a EmployerNames,
}

impl<'a> PersonsTable<'a> {
    pub fn new(results: &'a [PersonResult], mask: bool) -> Self {
        let order = person_order(results);
        PersonsTable {
            results,
            order,
            mask,
            names: no_names(),
        }
    }

    /// Prints each employer's 单位名称 beside its code.
    pub fn with_names(mut self, names: &'a EmployerNames) -> Self {
        self.names = names;
        self
    }
}

impl<'a> PersonsTable<'a> {
    /// Only the persons with at least one flag (a large run's workbook).
    pub fn flagged(results: &'a [PersonResult], mask: bool) -> Self {
        let mut t = PersonsTable::new(results, mask);
        t.order
            .retain(|&i| !results[i as usize].person.flags.is_empty());
        t
    }
}

impl Table for PersonsTable<'_> {
    fn name(&self) -> &'static str {
        "persons"
    }
    fn sheet_zh(&self) -> &'static str {
        "人员"
    }
    fn sheet_en(&self) -> &'static str {
        "Persons"
    }
    fn columns(&self) -> &[Column] {
        PERSON_COLUMNS
    }
    fn len(&self) -> usize {
        self.order.len()
    }
    fn row<'s>(&'s self, i: usize, out: &mut Vec<Value<'s>>) {
        out.clear();
        let p = &self.results[self.order[i] as usize].person;
        out.push(id_value(&p.person_id, self.mask));
        out.push(opt(p.name.as_deref(), |n| {
            Value::Text(if self.mask {
                Cow::Owned(mask_name(n))
            } else {
                Cow::Borrowed(n)
            })
        }));
        out.push(Value::Text(employers_text(&p.employers, self.mask)));
        out.push(opt(p.first_covered_month, Value::Month));
        out.push(opt(p.last_covered_month, Value::Month));
        out.push(Value::Text(Cow::Borrowed(p.status.as_str())));
        out.push(Value::Int(p.open_months.into()));
        out.push(opt(p.resume_by, Value::Date));
        out.push(Value::Int(p.gaps.into()));
        out.push(Value::Int(p.long_gaps.into()));
        out.push(Value::Int(p.max_gap_months.into()));
        out.push(Value::Money(p.catch_up_total));
        out.push(Value::Int(p.continuous_months.into()));
        out.push(Value::Int(p.cumulative_months.into()));
        out.push(Value::Money(p.arrears_total));
        out.push(Value::Money(p.late_fee_total));
        let flags: Vec<&str> = p.flags.iter().map(|f| f.as_str()).collect();
        out.push(Value::Text(Cow::Owned(flags.join(";"))));
        out.push(Value::Int(p.actual_months.into()));
        out.push(Value::Int(p.deemed_months.into()));
        out.push(opt(p.lifetime_months_needed, |n| Value::Int(n.into())));
        out.push(opt(p.resident_wait_days, |n| Value::Int(n.into())));
        out.push(text_or_null(p.resident_wait_reason));
        out.push(Value::Text(Cow::Borrowed(p.unpriced.as_str())));
        out.push(names_text(self.names, &p.employers));
    }
}

// ---------------------------------------------------------------------------
// per-person parts: gaps, stops, arrears, overpaid, flags
// ---------------------------------------------------------------------------

/// A kind of row a person's result holds several of.
pub trait PersonPart: Sized + Sync + 'static {
    const NAME: &'static str;
    const SHEET_ZH: &'static str;
    const SHEET_EN: &'static str;
    const COLUMNS: &'static [Column];
    fn slice(result: &PersonResult) -> &[Self];
    /// Order within one person (SPEC: by date or month).
    fn order(a: &Self, b: &Self) -> Ordering;
    /// The row's values; the texts a person reads in `lang`.
    fn values<'s>(
        &'s self,
        mask: bool,
        names: &'s EmployerNames,
        lang: Lang,
        out: &mut Vec<Value<'s>>,
    );
}

/// A table of one [`PersonPart`] over all persons, in person then date order.
pub struct PartTable<'a, R: PersonPart> {
    results: &'a [PersonResult],
    /// (index into results, index into that person's slice), in output order.
    index: Vec<(u32, u32)>,
    mask: bool,
    names: &'a EmployerNames,
    _rows: PhantomData<R>,
}

impl<'a, R: PersonPart> PartTable<'a, R> {
    pub fn new(results: &'a [PersonResult], mask: bool) -> Self {
        let persons = person_order(results);
        let total: usize = results.iter().map(|r| R::slice(r).len()).sum();
        let mut index = Vec::with_capacity(total);
        let mut local: Vec<u32> = Vec::new();
        for p in persons {
            let rows = R::slice(&results[p as usize]);
            // The engine mostly emits rows in order already: no sort then.
            if rows.is_sorted_by(|a, b| R::order(a, b) != Ordering::Greater) {
                index.extend((0..rows.len() as u32).map(|r| (p, r)));
                continue;
            }
            local.clear();
            local.extend(0..rows.len() as u32);
            local.sort_by(|&a, &b| R::order(&rows[a as usize], &rows[b as usize]));
            index.extend(local.iter().map(|&r| (p, r)));
        }
        PartTable {
            results,
            index,
            mask,
            names: no_names(),
            _rows: PhantomData,
        }
    }

    /// Prints each employer's 单位名称 beside its code.
    pub fn with_names(mut self, names: &'a EmployerNames) -> Self {
        self.names = names;
        self
    }
}

impl<R: PersonPart> Table for PartTable<'_, R> {
    fn name(&self) -> &'static str {
        R::NAME
    }
    fn sheet_zh(&self) -> &'static str {
        R::SHEET_ZH
    }
    fn sheet_en(&self) -> &'static str {
        R::SHEET_EN
    }
    fn columns(&self) -> &[Column] {
        R::COLUMNS
    }
    fn len(&self) -> usize {
        self.index.len()
    }
    fn row<'s>(&'s self, i: usize, out: &mut Vec<Value<'s>>) {
        self.row_in(i, Lang::En, out)
    }
    fn row_in<'s>(&'s self, i: usize, lang: Lang, out: &mut Vec<Value<'s>>) {
        out.clear();
        let (p, r) = self.index[i];
        R::slice(&self.results[p as usize])[r as usize].values(self.mask, self.names, lang, out);
    }
}

impl PersonPart for GapRow {
    const NAME: &'static str = "gaps";
    const SHEET_ZH: &'static str = "断缴";
    const SHEET_EN: &'static str = "Gaps";
    const COLUMNS: &'static [Column] = &[
        col("person_id", "身份证号", Text),
        col("from_month", "断缴起始月份", MonthKind),
        col("to_month", "断缴结束月份", MonthKind),
        col("months", "断缴月数", Int),
        col("kind", "断缴类型", Text),
        col("catch_up", "补缴金额", Money),
        col("waiting_months", "等待期月数", Int),
        col("benefits_resume", "待遇恢复日期", Date),
        col("employer_before", "断缴前单位", Text),
        col("employer_after", "断缴后单位", Text),
        col("region", "统筹区", Text),
        col("employer_before_name", "断缴前单位名称", Text),
        col("employer_after_name", "断缴后单位名称", Text),
    ];
    fn slice(result: &PersonResult) -> &[Self] {
        &result.gaps
    }
    fn order(a: &Self, b: &Self) -> Ordering {
        (a.from_month, a.to_month).cmp(&(b.from_month, b.to_month))
    }
    fn values<'s>(
        &'s self,
        mask: bool,
        names: &'s EmployerNames,
        _lang: Lang,
        out: &mut Vec<Value<'s>>,
    ) {
        out.push(id_value(&self.person_id, mask));
        out.push(Value::Month(self.from_month));
        out.push(Value::Month(self.to_month));
        out.push(Value::Int(self.months.into()));
        out.push(Value::Text(Cow::Borrowed(self.kind.as_str())));
        out.push(opt(self.catch_up, Value::Money));
        out.push(opt(self.waiting_months, |m| Value::Int(m.into())));
        out.push(opt(self.benefits_resume, Value::Date));
        out.push(code_or_null(self.employer_before.as_deref(), mask));
        out.push(code_or_null(self.employer_after.as_deref(), mask));
        out.push(Value::Text(Cow::Borrowed(&self.region)));
        out.push(name_of(names, self.employer_before.as_deref()));
        out.push(name_of(names, self.employer_after.as_deref()));
    }
}

impl PersonPart for StopRow {
    const NAME: &'static str = "stops";
    const SHEET_ZH: &'static str = "停保";
    const SHEET_EN: &'static str = "Stops";
    const COLUMNS: &'static [Column] = &[
        col("person_id", "身份证号", Text),
        col("employer_id", "单位编号", Text),
        col("separation_date", "离职日期", Date),
        col("last_paid_month", "最后缴费月份", MonthKind),
        col("stop_month", "停保月份", MonthKind),
        col("benefits_end", "待遇终止日期", Date),
        col("filing_deadline", "减员截止日期", Date),
        col("filed_date", "减员办理日期", Date),
        col("late_stop", "逾期减员", Bool),
        col("separation_basis", "离职日期依据", Text),
        col("employer_name", "单位名称", Text),
    ];
    fn slice(result: &PersonResult) -> &[Self] {
        &result.stops
    }
    fn order(a: &Self, b: &Self) -> Ordering {
        (a.separation_date, &a.employer_id).cmp(&(b.separation_date, &b.employer_id))
    }
    fn values<'s>(
        &'s self,
        mask: bool,
        names: &'s EmployerNames,
        _lang: Lang,
        out: &mut Vec<Value<'s>>,
    ) {
        out.push(id_value(&self.person_id, mask));
        out.push(Value::Text(mask_code(&self.employer_id, mask)));
        out.push(Value::Date(self.separation_date));
        out.push(opt(self.last_paid_month, Value::Month));
        out.push(Value::Month(self.stop_month));
        out.push(opt(self.benefits_end, Value::Date));
        out.push(Value::Date(self.filing_deadline));
        out.push(opt(self.filed_date, Value::Date));
        out.push(Value::Bool(self.late_stop));
        out.push(Value::Text(Cow::Borrowed(self.separation_basis.code())));
        out.push(name_of(names, Some(&self.employer_id)));
    }
}

impl PersonPart for ArrearsRow {
    const NAME: &'static str = "arrears";
    const SHEET_ZH: &'static str = "欠缴";
    const SHEET_EN: &'static str = "Arrears";
    const COLUMNS: &'static [Column] = &[
        col("person_id", "身份证号", Text),
        col("employer_id", "单位编号", Text),
        col("month", "费款所属期", MonthKind),
        col("due", "应缴金额", Money),
        col("paid", "实缴金额", Money),
        col("shortfall", "欠缴金额", Money),
        col("days", "滞纳天数", Int),
        col("late_fee", "滞纳金", Money),
        col("late_fee_waiver", "滞纳金减免", Text),
        col("paid_kinds", "缴费类型", Text),
        col("late_fee_billed", "台账滞纳金", Money),
        col("employer_name", "单位名称", Text),
    ];
    fn slice(result: &PersonResult) -> &[Self] {
        &result.arrears
    }
    fn order(a: &Self, b: &Self) -> Ordering {
        (a.month, &a.employer_id).cmp(&(b.month, &b.employer_id))
    }
    fn values<'s>(
        &'s self,
        mask: bool,
        names: &'s EmployerNames,
        _lang: Lang,
        out: &mut Vec<Value<'s>>,
    ) {
        out.push(id_value(&self.person_id, mask));
        out.push(Value::Text(mask_code(&self.employer_id, mask)));
        out.push(Value::Month(self.month));
        out.push(Value::Money(self.due));
        out.push(Value::Money(self.paid));
        out.push(Value::Money(self.shortfall));
        out.push(Value::Int(self.days.into()));
        out.push(Value::Money(self.late_fee));
        out.push(text_or_null(self.late_fee_waiver.as_deref()));
        out.push(if self.paid_kinds == 0 {
            Value::Null
        } else {
            Value::Text(Cow::Owned(paid_kinds_text(self.paid_kinds)))
        });
        out.push(opt(self.late_fee_billed, Value::Money));
        out.push(name_of(names, Some(&self.employer_id)));
    }
}

impl PersonPart for OverpaidRow {
    const NAME: &'static str = "overpaid";
    const SHEET_ZH: &'static str = "多缴";
    const SHEET_EN: &'static str = "Overpaid";
    const COLUMNS: &'static [Column] = &[
        col("person_id", "身份证号", Text),
        col("employer_id", "单位编号", Text),
        col("month", "费款所属期", MonthKind),
        col("paid", "实缴金额", Money),
        col("reason", "原因", Text),
        col("employer_name", "单位名称", Text),
    ];
    fn slice(result: &PersonResult) -> &[Self] {
        &result.overpaid
    }
    fn order(a: &Self, b: &Self) -> Ordering {
        (a.month, &a.employer_id).cmp(&(b.month, &b.employer_id))
    }
    fn values<'s>(
        &'s self,
        mask: bool,
        names: &'s EmployerNames,
        _lang: Lang,
        out: &mut Vec<Value<'s>>,
    ) {
        out.push(id_value(&self.person_id, mask));
        out.push(Value::Text(mask_code(&self.employer_id, mask)));
        out.push(Value::Month(self.month));
        out.push(Value::Money(self.paid));
        out.push(Value::Text(Cow::Borrowed(self.reason)));
        out.push(name_of(names, Some(&self.employer_id)));
    }
}

impl PersonPart for FlagRow {
    const NAME: &'static str = "flags";
    const SHEET_ZH: &'static str = "标记";
    const SHEET_EN: &'static str = "Flags";
    const COLUMNS: &'static [Column] = &[
        col("person_id", "身份证号", Text),
        col("flag", "标记", Text),
        col("employer_id", "单位编号", Text),
        col("month", "月份", MonthKind),
        col("date", "日期", Date),
        col("detail", "说明", Text),
        col("employer_name", "单位名称", Text),
    ];
    fn slice(result: &PersonResult) -> &[Self] {
        &result.flags
    }
    /// By when it happened (the date, else the month's first day; undated
    /// flags such as NAME_MISMATCH first), then flag, employer, detail.
    fn order(a: &Self, b: &Self) -> Ordering {
        let when = |f: &FlagRow| f.date.or(f.month.map(|m| m.first_day()));
        (when(a), a.flag, &a.employer_id)
            .cmp(&(when(b), b.flag, &b.employer_id))
            .then_with(|| a.detail.en().cmp(&b.detail.en()))
    }
    fn values<'s>(
        &'s self,
        mask: bool,
        names: &'s EmployerNames,
        lang: Lang,
        out: &mut Vec<Value<'s>>,
    ) {
        out.push(id_value(&self.person_id, mask));
        out.push(Value::Text(Cow::Borrowed(self.flag.as_str())));
        out.push(code_or_null(self.employer_id.as_deref(), mask));
        out.push(opt(self.month, Value::Month));
        out.push(opt(self.date, Value::Date));
        // A NAME_MISMATCH detail names people: masked, each name is masked
        // like the name column (`name 王* kept; also seen: 王*`); other
        // details are masked as free text.
        let mut detail = String::with_capacity(self.detail.len_hint(lang));
        let names_masked = mask && self.flag == Flag::NameMismatch;
        self.detail.render_into(lang, names_masked, &mut detail);
        if mask
            && !names_masked
            && let Cow::Owned(m) = maybe_mask(&detail, true)
        {
            detail = m;
        }
        out.push(Value::Text(Cow::Owned(detail)));
        out.push(name_of(names, self.employer_id.as_deref()));
    }
}

pub type GapsTable<'a> = PartTable<'a, GapRow>;
pub type StopsTable<'a> = PartTable<'a, StopRow>;
pub type ArrearsTable<'a> = PartTable<'a, ArrearsRow>;
pub type OverpaidTable<'a> = PartTable<'a, OverpaidRow>;
/// The flags of every person (`PartTable`), then the run's employer-level
/// flags with a blank person: each employer code seen with several 单位名称,
/// once (`EMPLOYER_NAME_MISMATCH`, its names with their row counts).
pub struct FlagsTable<'a> {
    persons: PartTable<'a, FlagRow>,
    /// The codes with several names, when this table carries them.
    employers: &'a [crate::model::NameMismatch],
}

impl<'a> FlagsTable<'a> {
    pub fn new(results: &'a [PersonResult], mask: bool) -> Self {
        FlagsTable {
            persons: PartTable::new(results, mask),
            employers: &[],
        }
    }

    /// Names beside codes; with `employer_rows`, the mismatch rows too.
    pub fn with_names(mut self, names: &'a EmployerNames, employer_rows: bool) -> Self {
        self.persons = self.persons.with_names(names);
        if employer_rows {
            self.employers = names.mismatches();
        }
        self
    }

    /// Only the employer-level rows (a streamed run writes them last).
    pub fn employer_rows_only(names: &'a EmployerNames, mask: bool) -> Self {
        FlagsTable::new(&[], mask).with_names(names, true)
    }
}

/// `names 北京华信科技有限公司 (12 rows); 华信科技 (3 rows); 北京华信科技有限公司
/// printed (the most frequent)`.
pub fn employer_mismatch_detail(names: &[(Box<str>, u64)]) -> crate::text::Text {
    let listed = names
        .iter()
        .map(|(n, k)| {
            crate::text::Text::new(Msg::name_rows, [Arg::Str(n.clone()), Arg::Rows(*k)]).into()
        })
        .collect();
    crate::text::Text::new(
        Msg::employer_name_mismatch,
        [
            Arg::List(Join::Semicolon, listed),
            Arg::Str(names.first().map_or("", |(n, _)| &**n).into()),
        ],
    )
}

impl Table for FlagsTable<'_> {
    fn name(&self) -> &'static str {
        FlagRow::NAME
    }
    fn sheet_zh(&self) -> &'static str {
        FlagRow::SHEET_ZH
    }
    fn sheet_en(&self) -> &'static str {
        FlagRow::SHEET_EN
    }
    fn columns(&self) -> &[Column] {
        FlagRow::COLUMNS
    }
    fn len(&self) -> usize {
        self.persons.len() + self.employers.len()
    }
    fn row<'s>(&'s self, i: usize, out: &mut Vec<Value<'s>>) {
        self.row_in(i, Lang::En, out)
    }
    fn row_in<'s>(&'s self, i: usize, lang: Lang, out: &mut Vec<Value<'s>>) {
        let n = self.persons.len();
        if i < n {
            return self.persons.row_in(i, lang, out);
        }
        out.clear();
        let (code, names) = &self.employers[i - n];
        out.push(Value::Null);
        out.push(Value::Text(Cow::Borrowed(
            Flag::EmployerNameMismatch.as_str(),
        )));
        out.push(Value::Text(mask_code(code, self.persons.mask)));
        out.push(Value::Null);
        out.push(Value::Null);
        out.push(Value::Text(Cow::Owned(
            employer_mismatch_detail(names).render(lang),
        )));
        out.push(opt(names.first(), |(n, _)| {
            Value::Text(Cow::Borrowed(&**n))
        }));
    }
}

// ---------------------------------------------------------------------------
// changes (--since)
// ---------------------------------------------------------------------------

pub const CHANGE_COLUMNS: &[Column] = &[
    col("person_id", "身份证号", Text),
    col("name", "姓名", Text),
    col("change", "变化", Text),
    col("month", "月份", MonthKind),
    col("employer_id", "单位编号", Text),
    col("before", "变化前", Text),
    col("after", "变化后", Text),
    col("amount_before", "变化前金额", Money),
    col("amount_after", "变化后金额", Money),
    col("detail", "说明", Text),
    col("employer_name", "单位名称", Text),
];

/// What changed between `--since` and `--as-of` (`changes.csv`, 变化), in
/// person order (the pipeline hands them over so), a person's changes in the
/// order the engine found them.
pub struct ChangesTable<'a> {
    rows: &'a [ChangeRow],
    mask: bool,
    names: &'a EmployerNames,
}

impl<'a> ChangesTable<'a> {
    pub fn new(rows: &'a [ChangeRow], mask: bool) -> Self {
        ChangesTable {
            rows,
            mask,
            names: no_names(),
        }
    }

    pub fn with_names(mut self, names: &'a EmployerNames) -> Self {
        self.names = names;
        self
    }
}

impl Table for ChangesTable<'_> {
    fn name(&self) -> &'static str {
        "changes"
    }
    fn sheet_zh(&self) -> &'static str {
        "变化"
    }
    fn sheet_en(&self) -> &'static str {
        "Changes"
    }
    fn columns(&self) -> &[Column] {
        CHANGE_COLUMNS
    }
    fn len(&self) -> usize {
        self.rows.len()
    }
    fn row<'s>(&'s self, i: usize, out: &mut Vec<Value<'s>>) {
        self.row_in(i, Lang::En, out)
    }
    fn row_in<'s>(&'s self, i: usize, lang: Lang, out: &mut Vec<Value<'s>>) {
        out.clear();
        let c = &self.rows[i];
        out.push(id_value(&c.person_id, self.mask));
        out.push(opt(c.name.as_deref(), |n| {
            Value::Text(if self.mask {
                Cow::Owned(mask_name(n))
            } else {
                Cow::Borrowed(n)
            })
        }));
        out.push(Value::Text(Cow::Borrowed(c.change.as_str())));
        out.push(opt(c.month, Value::Month));
        out.push(code_or_null(c.employer_id.as_deref(), self.mask));
        out.push(Value::Text(Cow::Borrowed(c.before)));
        out.push(Value::Text(Cow::Borrowed(c.after)));
        out.push(opt(c.amount_before, Value::Money));
        out.push(opt(c.amount_after, Value::Money));
        out.push(Value::Text(Cow::Owned(c.detail.render(lang))));
        out.push(name_of(self.names, c.employer_id.as_deref()));
    }
}

// ---------------------------------------------------------------------------
// employers
// ---------------------------------------------------------------------------

pub const EMPLOYER_COLUMNS: &[Column] = &[
    col("employer_id", "单位编号", Text),
    col("persons", "人数", Int),
    col("hires", "增员数", Int),
    col("separations", "减员数", Int),
    col("late_stops", "逾期减员数", Int),
    col("overlaps", "重复参保数", Int),
    col("long_gaps", "长期断缴数", Int),
    col("arrears_total", "欠缴金额合计", Money),
    col("late_fee_total", "滞纳金合计", Money),
    col("overpaid_total", "多缴金额合计", Money),
    col("late_fee_billed_total", "台账滞纳金合计", Money),
    col("late_fee_difference", "滞纳金差额", Money),
    col("employer_name", "单位名称", Text),
];

/// One row per employer (`employers.csv`, 单位), as the pipeline summed them.
pub struct EmployersTable<'a> {
    rows: &'a [EmployerRow],
    order: Vec<u32>,
    mask: bool,
    names: &'a EmployerNames,
}

impl<'a> EmployersTable<'a> {
    pub fn new(rows: &'a [EmployerRow], mask: bool) -> Self {
        let mut order: Vec<u32> = (0..rows.len() as u32).collect();
        order.sort_by(|&a, &b| {
            rows[a as usize]
                .employer_id
                .cmp(&rows[b as usize].employer_id)
        });
        EmployersTable {
            rows,
            order,
            mask,
            names: no_names(),
        }
    }

    /// Prints each employer's 单位名称 beside its code.
    pub fn with_names(mut self, names: &'a EmployerNames) -> Self {
        self.names = names;
        self
    }
}

fn count(n: u64) -> Value<'static> {
    Value::Int(i64::try_from(n).unwrap_or(i64::MAX))
}

impl Table for EmployersTable<'_> {
    fn name(&self) -> &'static str {
        "employers"
    }
    fn sheet_zh(&self) -> &'static str {
        "单位"
    }
    fn sheet_en(&self) -> &'static str {
        "Employers"
    }
    fn columns(&self) -> &[Column] {
        EMPLOYER_COLUMNS
    }
    fn len(&self) -> usize {
        self.rows.len()
    }
    fn row<'s>(&'s self, i: usize, out: &mut Vec<Value<'s>>) {
        out.clear();
        let e = &self.rows[self.order[i] as usize];
        out.push(Value::Text(mask_code(&e.employer_id, self.mask)));
        out.push(count(e.persons));
        out.push(count(e.hires));
        out.push(count(e.separations));
        out.push(count(e.late_stops));
        out.push(count(e.overlaps));
        out.push(count(e.long_gaps));
        out.push(Value::Money(e.arrears_total));
        out.push(Value::Money(e.late_fee_total));
        out.push(Value::Money(e.overpaid_total));
        out.push(opt(e.late_fee_billed_total, Value::Money));
        out.push(opt(e.late_fee_difference, Value::Money));
        out.push(name_of(self.names, Some(&e.employer_id)));
    }
}

// ---------------------------------------------------------------------------
// rejects
// ---------------------------------------------------------------------------

pub const REJECT_COLUMNS: &[Column] = &[
    col("file", "文件", Text),
    col("sheet", "工作表", Text),
    col("row", "行号", Int),
    col("column", "列", Text),
    col("value", "值", Text),
    col("code", "拒收代码", Text),
    col("message", "拒收原因", Text),
];

/// One row per input row not used (`rejects.csv`, 拒收). `file` is the path as
/// given; `sheet` is blank for CSV inputs. Value, message, file and column are
/// free text and masked when asked.
pub struct RejectsTable<'a> {
    rejects: &'a [Reject],
    inputs: &'a [InputReport],
    order: Vec<u32>,
    mask: bool,
}

impl<'a> RejectsTable<'a> {
    pub fn new(rejects: &'a [Reject], inputs: &'a [InputReport], mask: bool) -> Self {
        let mut order: Vec<u32> = (0..rejects.len() as u32).collect();
        order.sort_by_key(|&i| rejects[i as usize].source);
        RejectsTable {
            rejects,
            inputs,
            order,
            mask,
        }
    }
}

impl Table for RejectsTable<'_> {
    fn name(&self) -> &'static str {
        "rejects"
    }
    fn sheet_zh(&self) -> &'static str {
        "拒收"
    }
    fn sheet_en(&self) -> &'static str {
        "Rejects"
    }
    fn columns(&self) -> &[Column] {
        REJECT_COLUMNS
    }
    fn len(&self) -> usize {
        self.rejects.len()
    }
    fn row<'s>(&'s self, i: usize, out: &mut Vec<Value<'s>>) {
        self.row_in(i, Lang::En, out)
    }
    fn row_in<'s>(&'s self, i: usize, lang: Lang, out: &mut Vec<Value<'s>>) {
        out.clear();
        let r = &self.rejects[self.order[i] as usize];
        let input = self.inputs.get(r.source.input as usize);
        let text = |s: &'s str| Value::Text(maybe_mask(s, self.mask));
        out.push(match input {
            Some(input) => text(&input.path),
            None => Value::Text(Cow::Owned(format!("input #{}", r.source.input))),
        });
        out.push(match input {
            // CSV and Parquet inputs have a single unnamed sheet.
            Some(input) if !matches!(input.format, InputFormat::Csv | InputFormat::Parquet) => {
                input
                    .sheets
                    .get(r.source.sheet as usize)
                    .map_or(Value::Null, |s| text(&s.name))
            }
            _ => Value::Null,
        });
        out.push(Value::Int(r.source.row.into()));
        out.push(text(&r.column));
        out.push(Value::Text(reject_value(r, self.mask)));
        out.push(Value::Text(Cow::Borrowed(r.code.as_str())));
        out.push(Value::Text(Cow::Owned(
            maybe_mask(&r.message.render(lang), self.mask).into_owned(),
        )));
    }
}

/// File stems of every table, in workbook order.
pub const TABLE_NAMES: [&str; 8] = [
    "persons",
    "gaps",
    "stops",
    "arrears",
    "employers",
    "rejects",
    "overpaid",
    "flags",
];

/// Every table of a run, in workbook order (after the summary).
pub struct ReportTables<'a> {
    pub persons: PersonsTable<'a>,
    pub gaps: GapsTable<'a>,
    pub stops: StopsTable<'a>,
    pub arrears: ArrearsTable<'a>,
    pub employers: EmployersTable<'a>,
    pub rejects: RejectsTable<'a>,
    pub overpaid: OverpaidTable<'a>,
    pub flags: FlagsTable<'a>,
}

impl<'a> ReportTables<'a> {
    pub fn new(
        results: &'a [PersonResult],
        employers: &'a [EmployerRow],
        rejects: &'a [Reject],
        inputs: &'a [InputReport],
        mask: bool,
    ) -> Self {
        ReportTables {
            persons: PersonsTable::new(results, mask),
            gaps: PartTable::new(results, mask),
            stops: PartTable::new(results, mask),
            arrears: PartTable::new(results, mask),
            employers: EmployersTable::new(employers, mask),
            rejects: RejectsTable::new(rejects, inputs, mask),
            overpaid: PartTable::new(results, mask),
            flags: FlagsTable::new(results, mask),
        }
    }

    /// Each employer's 单位名称 beside its code in every table; with
    /// `employer_flags`, flags ends with the EMPLOYER_NAME_MISMATCH rows.
    pub fn with_names(self, names: &'a EmployerNames, employer_flags: bool) -> Self {
        ReportTables {
            persons: self.persons.with_names(names),
            gaps: self.gaps.with_names(names),
            stops: self.stops.with_names(names),
            arrears: self.arrears.with_names(names),
            employers: self.employers.with_names(names),
            rejects: self.rejects,
            overpaid: self.overpaid.with_names(names),
            flags: self.flags.with_names(names, employer_flags),
        }
    }

    /// Persons, gaps, stops, arrears, employers, rejects, overpaid, flags.
    pub fn all(&self) -> [&dyn Table; 8] {
        [
            &self.persons,
            &self.gaps,
            &self.stops,
            &self.arrears,
            &self.employers,
            &self.rejects,
            &self.overpaid,
            &self.flags,
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_names_match_the_tables_in_order() {
        let t = ReportTables::new(&[], &[], &[], &[], true);
        let names: Vec<&str> = t.all().iter().map(|t| t.name()).collect();
        assert_eq!(names, TABLE_NAMES);
    }
}
