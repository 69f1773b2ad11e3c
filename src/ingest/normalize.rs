//! Normalization of one data row into typed events (event rows give one event,
//! roster rows a hire and, when 离职日期 is filled, a separation) or one reject
//! naming the first problem found: file·sheet·row, the column's header text,
//! the raw value, a stable code and a message.

use crate::ingest::dedupe::FxBuild;
use crate::ingest::header::{HeaderMap, MonthColumn};
use crate::ingest::schema::{ColumnSchema, EventWord, MonthMeaning, trim_spaces};
use crate::ingest::values::{Cell, DateError, parse_date_cell, parse_money_cell, parse_month_cell};
use crate::model::{
    Code, DateBasis, Event, EventKind, IdError, IdType, Month, Name, PersonId, RegionId,
    RegionLookup, Reject, RejectCode, Shape, SourceRef,
};
use crate::text;
use crate::text::{Msg, Text};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::collections::HashMap;

/// A data row of any format: cells by column index.
pub trait RowCells {
    fn cell(&self, i: usize) -> Cell<'_>;
    fn cell_count(&self) -> usize;
    fn is_blank(&self) -> bool {
        (0..self.cell_count()).all(|i| self.cell(i).is_blank())
    }
}

impl RowCells for [calamine::Data] {
    fn cell(&self, i: usize) -> Cell<'_> {
        crate::ingest::excel::data_cell(self.get(i))
    }
    fn cell_count(&self) -> usize {
        self.len()
    }
}

/// Column indexes of the event table in one file or sheet.
#[derive(Clone, Debug)]
pub struct EventColumns {
    pub shape: Shape,
    pub person_id: usize,
    /// 证件类型: without it every ID is a resident ID.
    pub id_type: Option<usize>,
    pub name: Option<usize>,
    pub employer_id: Option<usize>,
    /// 单位名称.
    pub employer_name: Option<usize>,
    pub event: Option<usize>,
    pub date: Option<usize>,
    pub hire_date: Option<usize>,
    pub separation_date: Option<usize>,
    pub region: Option<usize>,
    pub wage: Option<usize>,
    pub reason: Option<usize>,
    pub filed_date: Option<usize>,
    /// When the hire was registered (参保登记日期): the hire's filed date.
    pub hire_filed_date: Option<usize>,
    /// 视同缴费月数: deemed contribution months before the scheme.
    pub deemed_months: Option<usize>,
    /// 医疗缴费档次.
    pub tier: Option<usize>,
    /// The month-only column that dates a hire when its date column is
    /// absent or blank (`增员年月`; on event rows also `费款所属期`).
    pub hire_month: Option<(usize, MonthMeaning)>,
    /// The month-only column that dates a separation likewise (`减员年月`,
    /// `社保最后缴纳月`, the medical one first; on event rows also `费款所属期`).
    pub separation_month: Option<(usize, MonthMeaning)>,
    /// No event type column: every row is this event (from the sheet or file
    /// name, `HeaderMap::event_from`).
    pub fixed_event: Option<EventWord>,
    /// Header texts as found, for the reject's `column`.
    pub headers: Vec<String>,
}

impl EventColumns {
    pub fn from_header(h: &HeaderMap) -> Option<EventColumns> {
        Some(EventColumns {
            shape: h.shape,
            person_id: h.get("person_id")?,
            id_type: h.get("id_type"),
            name: h.get("name"),
            employer_id: h.get("employer_id"),
            employer_name: h.get("employer_name"),
            event: h.get("event"),
            // A separation sheet (减员) may date its rows by 离职日期 only.
            date: h
                .get("date")
                .or_else(|| h.event_from.as_ref().and_then(|_| h.get("separation_date"))),
            hire_date: h.get("hire_date"),
            separation_date: h.get("separation_date"),
            region: h.get("region"),
            wage: h.get("wage"),
            reason: h.get("reason"),
            filed_date: h.get("filed_date"),
            hire_filed_date: h.get("hire_filed_date"),
            deemed_months: h.get("deemed_months"),
            tier: h.get("tier"),
            hire_month: month_column(&h.months, h.shape, false),
            separation_month: month_column(&h.months, h.shape, true),
            fixed_event: h.event_from.as_ref().map(|(w, _)| *w),
            headers: h.headers.clone(),
        })
    }
    fn header(&self, i: usize) -> &str {
        self.headers.get(i).map(String::as_str).unwrap_or("")
    }
}

/// The month column that dates a hire (`separation` false) or a separation:
/// a column of that meaning (the medical insurance's own first), else on
/// event rows a period (`费款所属期`), whose meaning follows the row's type.
fn month_column(
    months: &[MonthColumn],
    shape: Shape,
    separation: bool,
) -> Option<(usize, MonthMeaning)> {
    let fits = |m: &&MonthColumn| {
        m.meaning != MonthMeaning::ByEvent
            && if separation {
                m.meaning.dates_separations()
            } else {
                m.meaning.dates_hires()
            }
    };
    let own = months
        .iter()
        .filter(fits)
        .find(|m| m.medical)
        .or_else(|| months.iter().find(fits));
    let period = || {
        (shape == Shape::Events)
            .then(|| months.iter().find(|m| m.meaning == MonthMeaning::ByEvent))
            .flatten()
    };
    own.or_else(period).map(|m| (m.index, m.meaning))
}

/// A month-only column's month as the event date it stands for: a hire's
/// first month paid from its 1st, a separation's last month paid to its last day.
fn month_date(month: Month, meaning: MonthMeaning, separation: bool) -> NaiveDate {
    match meaning.on(separation) {
        MonthMeaning::FirstPaid | MonthMeaning::ByEvent => month.first_day(),
        MonthMeaning::LastPaid => month.last_day(),
        MonthMeaning::FirstUnpaid => month.prev().last_day(),
    }
}

/// What one file or sheet shares for all its rows.
pub struct SheetContext<'a> {
    pub columns: &'a EventColumns,
    pub schema: &'a ColumnSchema,
    pub regions: &'a dyn RegionLookup,
    pub default_region: RegionId,
    /// `--employer`, else the file stem.
    pub default_employer: Code,
    /// The workbook uses the 1904 date system (numbers in date columns).
    pub is_1904: bool,
    pub input: u32,
    pub sheet: u32,
}

/// Per-worker caches so repeated employers, names and regions allocate once.
#[derive(Default)]
pub struct Interner {
    strings: HashMap<Box<str>, Code, FxBuild>,
    regions: HashMap<Box<str>, Option<RegionId>, FxBuild>,
    /// Event and reason cells seen (a handful of distinct words per file).
    words: Vec<(Box<str>, Option<EventWord>)>,
    /// The last code and region looked up: an export's rows mostly repeat
    /// the row before (one employer per file, one region per employer).
    last_code: Option<Code>,
    last_region: LastText<Option<RegionId>>,
    last_date: LastText<(bool, NaiveDate)>,
    /// Rows seen per (employer code, 单位名称).
    employer_names: HashMap<(Code, Box<str>), u64, FxBuild>,
    /// The last pair counted and its rows not yet added to the map (an
    /// export repeats one employer row after row).
    last_name: Option<(Code, Box<str>, u64)>,
}

/// A value remembered with the short text it came from, inline (no allocation).
struct LastText<T> {
    len: usize,
    text: [u8; 32],
    value: Option<T>,
}

impl<T> Default for LastText<T> {
    fn default() -> Self {
        LastText {
            len: 0,
            text: [0; 32],
            value: None,
        }
    }
}

impl<T: Copy> LastText<T> {
    fn get(&self, raw: &str) -> Option<T> {
        self.value
            .filter(|_| self.text.get(..self.len) == Some(raw.as_bytes()))
    }
    fn set(&mut self, raw: &str, value: T) {
        match self.text.get_mut(..raw.len()) {
            Some(place) => {
                place.copy_from_slice(raw.as_bytes());
                self.len = raw.len();
                self.value = Some(value);
            }
            None => self.value = None,
        }
    }
}

impl Interner {
    /// Counts a row of `code` named `name` (单位名称).
    fn count_employer_name(&mut self, code: Code, name: &str) {
        if let Some((c, n, k)) = &mut self.last_name
            && *c == code
            && **n == *name
        {
            *k += 1;
            return;
        }
        if let Some((c, n, k)) = self.last_name.take() {
            *self.employer_names.entry((c, n)).or_default() += k;
        }
        self.last_name = Some((code, name.into(), 1));
    }

    /// The (code, name) row counts seen, emptied.
    pub fn take_employer_names(&mut self) -> HashMap<(Code, Box<str>), u64, FxBuild> {
        if let Some((c, n, k)) = self.last_name.take() {
            *self.employer_names.entry((c, n)).or_default() += k;
        }
        std::mem::take(&mut self.employer_names)
    }

    /// The run-wide [`Code`] of `s`, looked up here first so the shared
    /// table is locked once per distinct code and chunk.
    pub fn intern(&mut self, s: &str) -> Code {
        if let Some(c) = self.last_code.filter(|c| c.as_str() == s) {
            return c;
        }
        let c = match self.strings.get(s) {
            Some(&c) => c,
            None => {
                let c = Code::new(s);
                self.strings.insert(s.into(), c);
                c
            }
        };
        self.last_code = Some(c);
        c
    }
    /// [`ColumnSchema::event_word`], remembered for the first distinct cells.
    fn event_word(&mut self, schema: &ColumnSchema, raw: &str) -> Option<EventWord> {
        if let Some((_, w)) = self.words.iter().find(|(k, _)| **k == *raw) {
            return *w;
        }
        let w = schema.event_word(raw);
        if self.words.len() < 32 {
            self.words.push((raw.into(), w));
        }
        w
    }

    fn region(&mut self, regions: &dyn RegionLookup, raw: &str) -> Option<RegionId> {
        if let Some(r) = self.last_region.get(raw) {
            return r;
        }
        let r = match self.regions.get(raw) {
            Some(r) => *r,
            None => {
                let r = regions.lookup(raw);
                self.regions.insert(raw.into(), r);
                r
            }
        };
        self.last_region.set(raw, r);
        r
    }

    /// [`parse_date_cell`], with the last text date remembered (an export's
    /// rows come in runs of the same date).
    fn date(&mut self, cell: Cell<'_>, is_1904: bool) -> Result<NaiveDate, DateError> {
        let Cell::Text(raw) = cell else {
            return parse_date_cell(cell, is_1904);
        };
        if let Some((flag, d)) = self.last_date.get(raw)
            && flag == is_1904
        {
            return Ok(d);
        }
        let d = parse_date_cell(cell, is_1904)?;
        self.last_date.set(raw, (is_1904, d));
        Ok(d)
    }
}

/// The events of one accepted row (a roster row may give two).
#[derive(Clone, Debug, PartialEq)]
pub enum RowOutcome {
    One(Event),
    Two(Event, Event),
    Rejected(Reject),
}

fn reject(
    src: SourceRef,
    column: &str,
    value: &str,
    code: RejectCode,
    message: Text,
) -> RowOutcome {
    RowOutcome::Rejected(Reject {
        source: src,
        column: column.to_string(),
        value: value.to_string(),
        code,
        message,
        names: Vec::new(),
        documents: Vec::new(),
    })
}

/// A rejected text as reports show it: control characters written as
/// `\u{0}`, at most 200 characters, never raw (a NUL or an escape sequence
/// in a report file). The ledger's rejects use it too.
pub(crate) fn shown_text(raw: &str) -> String {
    raw.chars()
        .take(200)
        .map(|c| {
            if c.is_control() {
                format!("\\u{{{:x}}}", c as u32)
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Removes the guards exports put around long digit strings so spreadsheets keep
/// them as text: a leading apostrophe (`'110105…`) or a formula `="110105…"`.
pub fn unwrap_text_guard(raw: &str) -> &str {
    let s = trim_spaces(raw);
    if let Some(inner) = s.strip_prefix("=\"").and_then(|r| r.strip_suffix('"')) {
        return inner;
    }
    s.strip_prefix('\'').unwrap_or(s)
}

/// Reads a 证件类型 cell (`IdType::parse`); a blank one is a resident ID.
pub fn id_type_of(cell: Cell<'_>) -> Result<IdType, (RejectCode, Text)> {
    let raw = cell.raw();
    IdType::parse(&raw).ok_or_else(|| {
        (
            RejectCode::BadId,
            IdError::UnknownType(shown_text(raw.trim())).text(),
        )
    })
}

/// Reads the ID cell of a row whose 证件类型 cell is `type_cell` (`None`:
/// no such column). A document's number may be a number cell when it is
/// digits only (a 台胞证); a resident ID's may not (`person_id_of`).
pub fn person_id_typed(
    cell: Cell<'_>,
    type_cell: Option<Cell<'_>>,
) -> Result<PersonId, (RejectCode, Text, bool)> {
    let id_type = match type_cell.map(id_type_of) {
        None => IdType::Resident,
        Some(Ok(t)) => t,
        Some(Err((code, message))) => return Err((code, message, true)),
    };
    let at_id = |(code, message)| (code, message, false);
    if id_type == IdType::Resident {
        return person_id_of(cell).map_err(at_id);
    }
    let text = match cell {
        Cell::Text(s) => unwrap_text_guard(s).to_string(),
        Cell::Int(i) => i.to_string(),
        Cell::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
        Cell::Float(_) => {
            return Err(at_id((
                RejectCode::IdLostDigits,
                IdError::LostDigits.text(),
            )));
        }
        other => other.raw().into_owned(),
    };
    PersonId::parse_typed(id_type, &text).map_err(|e| at_id((e.code(), e.text())))
}

/// Reads the person ID cell. A number cell has lost digits whatever it shows.
pub fn person_id_of(cell: Cell<'_>) -> Result<PersonId, (RejectCode, Text)> {
    match cell {
        Cell::Float(_) | Cell::Int(_) => Err((
            RejectCode::IdLostDigits,
            text!(id_number_cell, IdError::LostDigits.text()),
        )),
        Cell::Text(s) => PersonId::parse(unwrap_text_guard(s)).map_err(|e| (e.code(), e.text())),
        other => PersonId::parse(&other.raw()).map_err(|e| (e.code(), e.text())),
    }
}

fn date_reject(src: SourceRef, column: &str, raw: &str, e: DateError) -> RowOutcome {
    match e {
        DateError::Bad(m) => reject(src, column, raw, RejectCode::BadDate, m),
        DateError::Ambiguous(m) => reject(src, column, raw, RejectCode::AmbiguousDate, m),
    }
}

/// Why a row was skipped: an example row (`例：张三`, `示例`).
pub const EXAMPLE_ROW: &str = "example row (例/示例)";
/// Why a row was skipped: a subtotal or total row (`合计`, `北京分公司汇总`).
pub const TOTAL_ROW: &str = "subtotal or total row (合计/总计/小计/…汇总)";
/// Why a row was skipped: every filled cell a placeholder (`-`, `--`, `——`, `/`).
pub const PLACEHOLDER_ROW: &str = "placeholder row (-, --, ——)";

/// Why a non-blank data row is not a person, if it is not: such a row is
/// skipped (counted with its reason), neither accepted nor rejected.
///
/// - An example row: the ID cell, the name cell or the row's first non-blank
///   cell *starts* with `例` or `示例` (`例：张三`; a name `何例` is a person).
/// - A subtotal or total row: the ID cell holds no ID (blank, or fewer than
///   6 digits) and a cell reads `合计`, `总计` or `小计`, or ends with `汇总`
///   (spaces inside and a trailing colon ignored: `合  计：`, `北京分公司汇总`).
/// - A placeholder row: every non-blank cell is `-`, `--`, `——`, `—`, `/`
///   (or their full-width forms); one `-` among real values is not enough.
pub fn not_a_person<R: RowCells + ?Sized>(row: &R, columns: &EventColumns) -> Option<&'static str> {
    not_a_person_at(row, columns.person_id, columns.name)
}

/// [`not_a_person`] for a table that names its ID column (and its name
/// column, if it has one) itself: the ledger's rows are skipped by the same
/// rule as the events'.
pub fn not_a_person_at<R: RowCells + ?Sized>(
    row: &R,
    person_id: usize,
    name: Option<usize>,
) -> Option<&'static str> {
    let starts_example = |c: Cell<'_>| match c {
        Cell::Text(s) => {
            let t = trim_spaces(s);
            t.starts_with('例') || t.starts_with("示例")
        }
        _ => false,
    };
    // Fast path, a person's row: an ID-like cell is neither a total's nor a
    // placeholder's, so only the example marks are left to look at (the ID,
    // the name, or a cell before the ID column).
    let id = row.cell(person_id);
    if id_like(id) {
        if starts_example(id) || name.is_some_and(|i| starts_example(row.cell(i))) {
            return Some(EXAMPLE_ROW);
        }
        return match (0..person_id).find(|&i| !row.cell(i).is_blank()) {
            Some(i) if starts_example(row.cell(i)) => Some(EXAMPLE_ROW),
            _ => None,
        };
    }
    let n = row.cell_count();
    let text = |i: usize| match row.cell(i) {
        Cell::Text(s) => trim_spaces(s),
        _ => "",
    };
    let first = (0..n).find(|&i| !row.cell(i).is_blank())?;
    let example = |s: &str| s.starts_with('例') || s.starts_with("示例");
    if example(text(first)) || example(text(person_id)) || name.is_some_and(|i| example(text(i))) {
        return Some(EXAMPLE_ROW);
    }
    if !id_like(row.cell(person_id)) && (first..n).any(|i| is_total_text(text(i))) {
        return Some(TOTAL_ROW);
    }
    if (first..n).all(|i| {
        let c = row.cell(i);
        c.is_blank() || is_placeholder(c)
    }) {
        return Some(PLACEHOLDER_ROW);
    }
    None
}

/// The cell looks like a person ID, right or wrong: 6 digits or more.
fn id_like(cell: Cell<'_>) -> bool {
    match cell {
        Cell::Text(s) => s.bytes().filter(u8::is_ascii_digit).count() >= 6,
        Cell::Float(f) => f.abs() >= 100_000.0,
        Cell::Int(i) => i.unsigned_abs() >= 100_000,
        _ => false,
    }
}

/// `合计`, `总计`, `小计`, or a text ending with `汇总`, once spaces and a
/// trailing colon are taken out.
fn is_total_text(s: &str) -> bool {
    if s.is_empty() {
        return false;
    }
    let compact: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    let compact = compact.trim_end_matches([':', '：']);
    matches!(compact, "合计" | "总计" | "小计") || compact.ends_with("汇总")
}

/// A placeholder cell: one to three dashes (`-`, `—`, `－`, `–`, `―`), or `/`.
fn is_placeholder(cell: Cell<'_>) -> bool {
    let Cell::Text(s) = cell else {
        return false;
    };
    let t = trim_spaces(s);
    if t == "/" || t == "／" {
        return true;
    }
    let dashes = t.chars().count();
    (1..=3).contains(&dashes) && t.chars().all(|c| matches!(c, '-' | '—' | '－' | '–' | '―'))
}

/// The reject of a row with neither its date nor its month column filled:
/// named after the month column when the file has no date column.
fn missing_when(
    src: SourceRef,
    c: &EventColumns,
    date: Option<usize>,
    month: Option<(usize, MonthMeaning)>,
    separation: bool,
    date_name: Msg,
) -> RowOutcome {
    let (i, what): (usize, text::Arg) = match (date, month) {
        (None, Some((i, m))) => (i, text!(the_month, month_meaning(m.on(separation))).into()),
        _ => (date.unwrap_or(usize::MAX), date_name.into()),
    };
    reject(
        src,
        c.header(i),
        "",
        RejectCode::MissingValue,
        text!(value_empty, what),
    )
}

/// The words for a month column's meaning (`first month paid`), in messages.
fn month_meaning(m: MonthMeaning) -> Msg {
    match m {
        MonthMeaning::FirstPaid => Msg::first_month_paid,
        MonthMeaning::LastPaid => Msg::last_month_paid,
        MonthMeaning::FirstUnpaid => Msg::first_month_unpaid,
        MonthMeaning::ByEvent => Msg::month_period,
    }
}

fn filled<R: RowCells + ?Sized>(row: &R, i: Option<usize>) -> bool {
    i.is_some_and(|i| !row.cell(i).is_blank())
}

/// When a hire (`separation` false) or a separation happened: its date
/// column when filled, else its month-only column (the month's exact date,
/// [`month_date`]); `None` when both are blank or absent.
fn when<R: RowCells + ?Sized>(
    ctx: &SheetContext<'_>,
    interner: &mut Interner,
    row: &R,
    date: Option<usize>,
    month: Option<(usize, MonthMeaning)>,
    separation: bool,
    src: SourceRef,
) -> Result<Option<(NaiveDate, DateBasis)>, Box<RowOutcome>> {
    let c = ctx.columns;
    let src = || src;
    if let Some(i) = date {
        let dc = row.cell(i);
        if !dc.is_blank() {
            return match interner.date(dc, ctx.is_1904) {
                Ok(d) => Ok(Some((d, DateBasis::Day))),
                Err(e) => Err(Box::new(date_reject(src(), c.header(i), &dc.raw(), e))),
            };
        }
    }
    let Some((i, meaning)) = month else {
        return Ok(None);
    };
    let mc = row.cell(i);
    if mc.is_blank() {
        return Ok(None);
    }
    match parse_month_cell(mc, ctx.is_1904) {
        Ok(m) => Ok(Some((month_date(m, meaning, separation), DateBasis::Month))),
        Err(message) => Err(Box::new(reject(
            src(),
            c.header(i),
            &mc.raw(),
            RejectCode::BadMonth,
            text!(bad_month_of, message, month_meaning(meaning.on(separation))),
        ))),
    }
}

/// Normalizes one non-blank data row. `row_number` is the row as a spreadsheet
/// user counts it.
pub fn normalize_row<R: RowCells + ?Sized>(
    ctx: &SheetContext<'_>,
    interner: &mut Interner,
    row: &R,
    row_number: u32,
) -> RowOutcome {
    let c = ctx.columns;
    let src = SourceRef {
        input: ctx.input,
        sheet: ctx.sheet,
        row: row_number,
    };
    let cell = |i: Option<usize>| i.map(|i| row.cell(i)).unwrap_or(Cell::Empty);
    let col = |i: Option<usize>| i.map(|i| c.header(i)).unwrap_or("");

    // 身份证号
    let id_cell = row.cell(c.person_id);
    let person_id = match person_id_typed(id_cell, c.id_type.map(|i| row.cell(i))) {
        Ok(id) => id,
        Err((code, message, false)) => {
            return reject(src, c.header(c.person_id), &id_cell.raw(), code, message);
        }
        Err((code, message, true)) => {
            let i = c.id_type.unwrap_or(c.person_id);
            return reject(src, c.header(i), &row.cell(i).raw(), code, message);
        }
    };

    // What happened and when.
    let mut retirement = false;
    let (first_kind, (first_date, first_basis), second_date) = match c.shape {
        Shape::Roster => {
            let hire = match when(ctx, interner, row, c.hire_date, c.hire_month, false, src) {
                Ok(Some(h)) => h,
                Ok(None) => {
                    return missing_when(
                        src,
                        c,
                        c.hire_date,
                        c.hire_month,
                        false,
                        Msg::the_hire_date,
                    );
                }
                Err(r) => return *r,
            };
            let sep = match when(
                ctx,
                interner,
                row,
                c.separation_date,
                c.separation_month,
                true,
                src,
            ) {
                Ok(s) => s,
                Err(r) => return *r,
            };
            if let Some((d, basis)) = sep
                && d < hire.0
            {
                let by_month = basis == DateBasis::Month || hire.1 == DateBasis::Month;
                // Months: stopping in the first month paid is a spell of no
                // month (last paid = the month before), not an error.
                if !(by_month && Month::of(d) >= Month::of(hire.0).prev()) {
                    let i = if basis == DateBasis::Month && !filled(row, c.separation_date) {
                        c.separation_month.map(|(i, _)| i)
                    } else {
                        c.separation_date
                    };
                    let raw = i
                        .map(|i| row.cell(i).raw().into_owned())
                        .unwrap_or_default();
                    let message = if by_month {
                        text!(last_month_before_first, Month::of(d), Month::of(hire.0))
                    } else {
                        text!(separation_before_hire, d, hire.0)
                    };
                    return reject(src, col(i), &raw, RejectCode::DateOrder, message);
                }
            }
            (EventKind::Hire, hire, sep)
        }
        _ => {
            // No type column: the sheet or file name said what every row is.
            let word = match (c.event, c.fixed_event) {
                (None, Some(word)) => word,
                _ => {
                    let ec = cell(c.event);
                    if ec.is_blank() {
                        return reject(
                            src,
                            col(c.event),
                            "",
                            RejectCode::MissingValue,
                            text!(event_type_empty),
                        );
                    }
                    let raw = ec.raw();
                    match interner.event_word(ctx.schema, &raw) {
                        Some(word) => word,
                        None => {
                            return reject(
                                src,
                                col(c.event),
                                &raw,
                                RejectCode::BadEvent,
                                text!(unknown_event, raw.as_ref()),
                            );
                        }
                    }
                }
            };
            let kind = match word {
                EventWord::Hire => EventKind::Hire,
                EventWord::Separation => EventKind::Separation,
                EventWord::Retirement => {
                    retirement = true;
                    EventKind::Separation
                }
            };
            let separation = kind == EventKind::Separation;
            let month_col = if separation {
                c.separation_month
            } else {
                c.hire_month
            };
            let date = match when(ctx, interner, row, c.date, month_col, separation, src) {
                Ok(Some(d)) => d,
                Ok(None) => {
                    return missing_when(
                        src,
                        c,
                        c.date,
                        month_col,
                        separation,
                        Msg::the_event_date,
                    );
                }
                Err(r) => return *r,
            };
            (kind, date, None)
        }
    };

    // 单位
    let emp_cell = cell(c.employer_id);
    let employer_id = if emp_cell.is_blank() {
        ctx.default_employer
    } else {
        if let Some(why) = emp_cell.bad_text() {
            let raw = shown_text(&emp_cell.raw());
            return reject(src, col(c.employer_id), &raw, RejectCode::BadText, why);
        }
        interner.intern(&emp_cell.raw())
    };
    if let Some(i) = c.employer_name {
        let name = row.cell(i);
        if !name.is_blank() && name.bad_text().is_none() {
            interner.count_employer_name(employer_id, &name.raw());
        }
    }

    // 参保地
    let region_cell = cell(c.region);
    let region = if region_cell.is_blank() {
        ctx.default_region
    } else {
        let raw = region_cell.raw();
        match interner.region(ctx.regions, &raw) {
            Some(r) => r,
            None => {
                return reject(
                    src,
                    col(c.region),
                    &raw,
                    RejectCode::UnknownRegion,
                    text!(unknown_region, raw.as_ref()),
                );
            }
        }
    };

    // 缴费基数
    let wage_cell = cell(c.wage);
    let wage: Option<Decimal> = if wage_cell.is_blank() {
        None
    } else {
        match parse_money_cell(wage_cell) {
            Ok(w) => Some(w),
            Err(m) => return reject(src, col(c.wage), &wage_cell.raw(), RejectCode::BadMoney, m),
        }
    };

    // 办理日期
    let filed_cell = cell(c.filed_date);
    let filed_date: Option<NaiveDate> = if filed_cell.is_blank() {
        None
    } else {
        match parse_date_cell(filed_cell, ctx.is_1904) {
            Ok(d) => Some(d),
            Err(e) => return date_reject(src, col(c.filed_date), &filed_cell.raw(), e),
        }
    };

    // 参保登记日期 (the hire's filing)
    let hire_filed_cell = cell(c.hire_filed_date);
    let hire_filed: Option<NaiveDate> = if hire_filed_cell.is_blank() {
        None
    } else {
        match parse_date_cell(hire_filed_cell, ctx.is_1904) {
            Ok(d) => Some(d),
            Err(e) => return date_reject(src, col(c.hire_filed_date), &hire_filed_cell.raw(), e),
        }
    };

    // 视同缴费月数
    let deemed_cell = cell(c.deemed_months);
    let deemed_months: u16 = if deemed_cell.is_blank() {
        0
    } else {
        let raw = deemed_cell.raw();
        match trim_spaces(&raw).parse::<u16>() {
            Ok(n) if n <= 1200 => n,
            _ => {
                return reject(
                    src,
                    col(c.deemed_months),
                    &raw,
                    RejectCode::BadRow,
                    text!(bad_deemed_months, raw.as_ref()),
                );
            }
        }
    };

    // 医疗缴费档次
    let tier_cell = cell(c.tier);
    let tier: u8 = if tier_cell.is_blank() {
        0
    } else {
        let raw = tier_cell.raw();
        match ctx.regions.tier(trim_spaces(&raw)) {
            Some(t) => t,
            None => {
                return reject(
                    src,
                    col(c.tier),
                    &raw,
                    RejectCode::UnknownTier,
                    text!(unknown_tier, raw.as_ref()),
                );
            }
        }
    };

    // 离职原因
    let reason_cell = cell(c.reason);
    if !reason_cell.is_blank() {
        let raw = reason_cell.raw();
        if interner.event_word(ctx.schema, &raw) == Some(EventWord::Retirement)
            || raw.contains("退休")
        {
            retirement = true;
        }
    }

    let name_cell = cell(c.name);
    let name = if name_cell.is_blank() {
        None
    } else if let Some(why) = name_cell.bad_text() {
        let raw = shown_text(&name_cell.raw());
        return reject(src, col(c.name), &raw, RejectCode::BadText, why);
    } else {
        // Names are nearly unique per person, and short: kept inline, not
        // interned (a person's rows rarely fall in one chunk).
        Some(Name::from(trim_spaces(&name_cell.raw())))
    };

    let first = Event {
        person_id,
        name: name.clone(),
        employer_id,
        kind: first_kind,
        date: first_date,
        basis: first_basis,
        region,
        wage,
        retirement: retirement && first_kind == EventKind::Separation,
        tier,
        filed_date: match (first_kind, c.shape) {
            (EventKind::Hire, _) if hire_filed.is_some() => hire_filed,
            (_, Shape::Roster) => None,
            _ => filed_date,
        },
        deemed_months,
        source: src,
    };
    match second_date {
        None => RowOutcome::One(first),
        Some((sep, sep_basis)) => {
            let second = Event {
                person_id,
                name,
                employer_id,
                kind: EventKind::Separation,
                date: sep,
                basis: sep_basis,
                region,
                wage,
                retirement,
                tier,
                filed_date,
                deemed_months,
                source: src,
            };
            RowOutcome::Two(first, second)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::header::find_header;

    struct Regions;
    impl RegionLookup for Regions {
        fn lookup(&self, raw: &str) -> Option<RegionId> {
            match raw {
                "beijing" | "北京" | "110000" => Some(RegionId(1)),
                _ => None,
            }
        }
    }

    #[test]
    fn remembered_lookups_follow_the_text() {
        let mut i = Interner::default();
        // Codes: alternating texts, each the run-wide code of its text.
        for text in ["E1", "E2", "E2", "E1"] {
            assert_eq!(i.intern(text).as_str(), text);
        }
        assert_eq!(i.intern("E1"), Code::new("E1"));
        // Regions: a known one, an unknown one, the known one again; a text
        // too long to remember is looked up every time.
        let long = "beijing-but-written-out-at-great-length";
        let looked: Vec<Option<RegionId>> = ["北京", "nowhere", "北京", "北京", long, long]
            .iter()
            .map(|r| i.region(&Regions, r))
            .collect();
        let b = Some(RegionId(1));
        assert_eq!(looked, [b, None, b, b, None, None]);
        // Dates: the same text gives the same date, a new text its own, and
        // a bad text is an error even right after a good one.
        let d = |t: &'static str, i: &mut Interner| i.date(Cell::Text(t), false).ok();
        let jan1 = NaiveDate::from_ymd_opt(2024, 1, 1);
        let jan2 = NaiveDate::from_ymd_opt(2024, 1, 2);
        assert_eq!(d("2024年1月1日", &mut i), jan1);
        assert_eq!(d("2024年1月1日", &mut i), jan1);
        assert_eq!(d("2024年1月2日", &mut i), jan2);
        assert_eq!(d("2024年13月2日", &mut i), None);
        assert_eq!(d("2024年1月1日", &mut i), jan1);
        assert_eq!(d("2024年1月2日", &mut i), jan2);
    }

    struct Row(Vec<Cell<'static>>);
    impl RowCells for Row {
        fn cell(&self, i: usize) -> Cell<'_> {
            self.0.get(i).copied().unwrap_or(Cell::Empty)
        }
        fn cell_count(&self) -> usize {
            self.0.len()
        }
    }

    fn columns(headers: &[&str]) -> EventColumns {
        let schema = ColumnSchema::shipped();
        let h = find_header(
            &schema,
            "events",
            &[headers.iter().map(|s| s.to_string()).collect()],
        )
        .unwrap();
        EventColumns::from_header(&h).unwrap()
    }

    fn run(cols: &EventColumns, cells: Vec<Cell<'static>>) -> RowOutcome {
        let schema = ColumnSchema::shipped();
        let ctx = SheetContext {
            columns: cols,
            schema: &schema,
            regions: &Regions,
            default_region: RegionId(0),
            default_employer: Code::new("file_stem"),
            is_1904: false,
            input: 2,
            sheet: 1,
        };
        normalize_row(&ctx, &mut Interner::default(), &Row(cells), 7)
    }

    fn event_cols() -> EventColumns {
        columns(&[
            "身份证号",
            "变动类型",
            "变动日期",
            "参保地",
            "单位编号",
            "离职原因",
        ])
    }

    fn id_code(raw: Cell<'static>) -> Option<RejectCode> {
        match run(
            &event_cols(),
            vec![raw, Cell::Text("入职"), Cell::Text("2025-03-05")],
        ) {
            RowOutcome::Rejected(r) => {
                assert_eq!(r.column, "身份证号");
                assert_eq!((r.source.input, r.source.sheet, r.source.row), (2, 1, 7));
                Some(r.code)
            }
            _ => None,
        }
    }

    #[test]
    fn each_id_rule() {
        // Lower-case x accepted (the standard's own example 11010519491231002X).
        assert_eq!(id_code(Cell::Text("11010519491231002x")), None);
        // 15-digit upgraded.
        assert_eq!(id_code(Cell::Text("110105491231002")), None);
        assert_eq!(
            id_code(Cell::Text("110105194912310021")),
            Some(RejectCode::IdChecksum)
        );
        assert_eq!(
            id_code(Cell::Text("1101051949123100")),
            Some(RejectCode::BadId)
        );
        assert_eq!(
            id_code(Cell::Text("11010519491231002Y")),
            Some(RejectCode::BadId)
        );
        assert_eq!(
            id_code(Cell::Text("110105194913310020")),
            Some(RejectCode::BadId)
        );
        assert_eq!(
            id_code(Cell::Text("1.10105E+17")),
            Some(RejectCode::IdLostDigits)
        );
        assert_eq!(
            id_code(Cell::Float(110105194912310000.0)),
            Some(RejectCode::IdLostDigits)
        );
        assert_eq!(
            id_code(Cell::Int(110105491231002)),
            Some(RejectCode::IdLostDigits)
        );
        assert_eq!(id_code(Cell::Text(" 　")), Some(RejectCode::MissingValue));
        // Text guards from exports: ="…" and a leading apostrophe.
        assert_eq!(id_code(Cell::Text("=\"11010519491231002X\"")), None);
        assert_eq!(id_code(Cell::Text("'11010519491231002X")), None);
        assert_eq!(id_code(Cell::Text("\t11010519491231002X")), None);
    }

    #[test]
    fn event_row_values_and_defaults() {
        let out = run(
            &event_cols(),
            vec![
                Cell::Text("11010519491231002X"),
                Cell::Text(" 退休 "),
                Cell::Text("2025年3月5日"),
                Cell::Empty,
                Cell::Float(1001.0),
            ],
        );
        let RowOutcome::One(e) = out else {
            panic!("{out:?}")
        };
        // 退休 as the event word: a separation for retirement.
        assert_eq!((e.kind, e.retirement), (EventKind::Separation, true));
        assert_eq!(e.date, NaiveDate::from_ymd_opt(2025, 3, 5).unwrap());
        assert_eq!(e.region, RegionId(0)); // blank → default
        assert_eq!(&*e.employer_id, "1001"); // a number cell written as shown
        let out = run(
            &event_cols(),
            vec![
                Cell::Text("11010519491231002X"),
                Cell::Text("减员"),
                Cell::Text("2025-03-05"),
                Cell::Text("北京"),
                Cell::Empty,
                Cell::Text("退休"),
            ],
        );
        let RowOutcome::One(e) = out else {
            panic!("{out:?}")
        };
        assert_eq!(
            (e.kind, e.retirement, e.region),
            (EventKind::Separation, true, RegionId(1))
        );
        assert_eq!(&*e.employer_id, "file_stem");
    }

    #[test]
    fn roster_row_gives_hire_and_separation() {
        let cols = columns(&[
            "身份证号",
            "入职日期",
            "离职日期",
            "缴费基数",
            "办理日期",
            "离职原因",
        ]);
        let out = run(
            &cols,
            vec![
                Cell::Text("11010519491231002X"),
                Cell::Date {
                    serial: 45721.0,
                    is_1904: false,
                },
                Cell::Text("2025/6/30"),
                Cell::Text("8,000"),
                Cell::Text("20250710"),
                Cell::Text("退休"),
            ],
        );
        let RowOutcome::Two(h, s) = out else {
            panic!("{out:?}")
        };
        assert_eq!(
            (h.kind, h.date.to_string(), h.filed_date, h.retirement),
            (EventKind::Hire, "2025-03-05".to_string(), None, false)
        );
        assert_eq!(
            (s.kind, s.date.to_string(), s.retirement),
            (EventKind::Separation, "2025-06-30".to_string(), true)
        );
        assert_eq!(s.filed_date, NaiveDate::from_ymd_opt(2025, 7, 10));
        assert_eq!(h.wage, Some(Decimal::from(8000)));
        assert_eq!(h.source, s.source);
    }

    #[test]
    fn first_problem_in_column_order_is_reported() {
        // Bad event and bad date: the event column is checked first.
        let out = run(
            &event_cols(),
            vec![
                Cell::Text("11010519491231002X"),
                Cell::Text("调岗"),
                Cell::Text("2025-02-30"),
            ],
        );
        let RowOutcome::Rejected(r) = out else {
            panic!()
        };
        assert_eq!(
            (r.code, r.column.as_str(), r.value.as_str()),
            (RejectCode::BadEvent, "变动类型", "调岗")
        );
        let out = run(
            &event_cols(),
            vec![
                Cell::Text("11010519491231002X"),
                Cell::Text("入职"),
                Cell::Text("2025-03-05"),
                Cell::Text("110001"),
            ],
        );
        let RowOutcome::Rejected(r) = out else {
            panic!()
        };
        assert_eq!(
            (r.code, r.column.as_str()),
            (RejectCode::UnknownRegion, "参保地")
        );
        assert!(r.message.en().contains("110001"));
    }

    /// [`not_a_person`] on a row of text cells under 身份证号,姓名,变动类型,变动日期.
    fn skip_reason(cells: &[&'static str]) -> Option<&'static str> {
        let cols = columns(&["身份证号", "姓名", "变动类型", "变动日期", "备注"]);
        let row = Row(cells.iter().map(|&t| Cell::Text(t)).collect());
        not_a_person(&row, &cols)
    }

    #[test]
    fn example_rows_are_not_persons() {
        for cells in [
            &["例", "张三", "入职", "2025-01-01"][..],
            &["例：11010519491231002X", "张三", "入职", "2025-01-01"],
            &["11010519491231002X", "例：张三", "入职", "2025-01-01"],
            &["示例", "", "", ""],
            &["", "示例：李四", "", ""],
            &["  例1", "张三"],
        ] {
            assert_eq!(skip_reason(cells), Some(EXAMPLE_ROW), "{cells:?}");
        }
        // In the first column of a sheet whose ID column comes later.
        let cols = columns(&["序号", "身份证号", "姓名", "变动类型", "变动日期"]);
        let row = Row(vec![Cell::Text("例"), Cell::Text("11010519491231002X")]);
        assert_eq!(not_a_person(&row, &cols), Some(EXAMPLE_ROW));
    }

    #[test]
    fn subtotal_and_total_rows_are_not_persons() {
        for cells in [
            &["合计", "", "", "", ""][..],
            &["", "总计", "", ""],
            &["小计"],
            &["合  计：", "", "", "", "12"],
            &["北京分公司汇总", "", "", ""],
            &["", "XX 汇总", "", ""],
            &["汇总"],
            // A count of persons in the ID column is not an ID.
            &["5", "合计"],
        ] {
            assert_eq!(skip_reason(cells), Some(TOTAL_ROW), "{cells:?}");
        }
        // Number cells in an Excel subtotal row: a small count is no ID.
        let cols = columns(&["身份证号", "姓名", "变动类型", "变动日期"]);
        let row = Row(vec![Cell::Int(12), Cell::Text("合计")]);
        assert_eq!(not_a_person(&row, &cols), Some(TOTAL_ROW));
    }

    #[test]
    fn placeholder_rows_are_not_persons() {
        for cells in [
            &["--", "--", "--", "--"][..],
            &["-", "", "/", ""],
            &["——", "—", "", "——"],
            &["", "", "－－"],
        ] {
            assert_eq!(skip_reason(cells), Some(PLACEHOLDER_ROW), "{cells:?}");
        }
    }

    #[test]
    fn persons_are_not_skipped() {
        for cells in [
            // A person whose name has 例 inside, not at the start.
            &["11010519491231002X", "何例", "入职", "2025-01-01"][..],
            &["11010519491231002X", "张三", "入职", "2025-01-01", "例外"],
            // One `-` in an optional column.
            &["11010519491231002X", "张三", "入职", "2025-01-01", "-"],
            // An ID cell with a placeholder but a name: a reject, not a skip.
            &["-", "张三", "入职", "2025-01-01"],
            // 合计 in a row with an ID: a person (the cell is some remark).
            &["110105199003070017", "张三", "入职", "2025-01-01", "合计"],
            // A wrong ID is still an ID: the row is rejected, not skipped.
            &["11010519491231002", "", "", "", "小计"],
            // Words that only contain the markers.
            &["", "合计人数", "", ""],
            &["", "汇总表说明", "", ""],
            &["----", "", "", ""],
            &["-5", "", "", ""],
        ] {
            assert_eq!(skip_reason(cells), None, "{cells:?}");
        }
        // A blank row is not for this function to judge (the readers skip it).
        assert_eq!(skip_reason(&["", " "]), None);
    }
}
