//! Reading one ledger row's cells into typed values: the resident ID
//! (身份证号), the month paid for (费款所属期), the amount (实缴金额, in 分) and
//! the paid date (缴费日期). A bad cell gives the reject code and message.

use super::schema::{Layout, WideRole};
use super::vocab::{InsuranceClass, Vocab};
use crate::ingest::values::DateError;
use crate::model::{IdType, Insurance, Month, PaymentKind, PersonId, RejectCode};
use crate::text;
use crate::text::Text;
use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};

/// "No paid date" in the `paid` day-number column (real dates are far above it).
pub(crate) const NO_PAID_DATE: i32 = i32::MIN;

/// A cell as a reader found it, before interpretation.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Cell<'a> {
    Empty,
    Text(&'a str),
    Int(i64),
    Float(f64),
    /// A date or date-time cell (Excel date, Parquet Date/Datetime).
    Date(NaiveDate),
    Decimal(Decimal),
    Bool(bool),
}

impl Cell<'_> {
    /// The raw value as the reject report shows it.
    pub(crate) fn raw(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => s.to_string(),
            Cell::Int(i) => i.to_string(),
            Cell::Float(f) => f.to_string(),
            Cell::Date(d) => d.format("%Y-%m-%d").to_string(),
            Cell::Decimal(d) => d.to_string(),
            Cell::Bool(b) => b.to_string(),
        }
    }

    pub(crate) fn is_blank(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(s) => trim_cell(s).is_empty(),
            _ => false,
        }
    }
}

/// Trims ordinary and full-width (U+3000) spaces: the events' trimming.
pub(crate) use crate::ingest::schema::trim_spaces as trim_cell;

/// A row's typed values. `person_key` is the ID's first 17 digits as a number:
/// the 18th character is the checksum of those, so the key identifies the ID.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) struct RowValues {
    pub person_key: u64,
    /// The month paid for, or the first month of a range row.
    pub month: Month,
    /// The last month of a range row (`month` for a one-month row).
    pub to: Month,
    /// Amount in 分 (fen) per insurance (`Insurance as usize`): a long or
    /// medical-only row fills one, a wide row each medical group it has.
    pub amounts: [Option<i64>; 3],
    /// The 滞纳金 the row bills, in 分, per insurance, where a cell is filled.
    pub late_fees: [Option<i64>; 3],
    /// Days since 1970-01-01, or `NO_PAID_DATE`.
    pub paid: i32,
    pub kind: PaymentKind,
}

/// What one ledger row is.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum RowRead {
    /// A medical payment (or refund, or billed late fee).
    Payment(RowValues),
    /// A row of another insurance (pension, unemployment, …), set aside.
    OtherInsurance,
}

/// `CellError::column` for a problem with the whole row (no one column).
pub(crate) const NO_COLUMN: usize = usize::MAX;

/// Why a row is rejected: which column (index in the layout's headers), what value.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct CellError {
    pub column: usize,
    pub value: String,
    pub code: RejectCode,
    pub message: Text,
}

impl CellError {
    fn new(column: usize, cell: &Cell, code: RejectCode, message: Text) -> Self {
        CellError {
            column,
            value: cell.raw(),
            code,
            message,
        }
    }
}

/// Reads a row's ID, month, amount and paid date. The first bad cell (in that
/// order) rejects the row. Blank employer/employee parts count as 0 when the
/// other part has a value; `amount`, when present and filled, wins over parts.
///
/// With an insurance column (险种) the row's insurance is read first: a row of
/// another insurance is `OtherInsurance` whatever its other cells hold. A
/// refund (退收) is negative even when the ledger writes it positive.
pub(crate) fn read_row<'a>(
    layout: &Layout,
    cell: impl Fn(usize) -> Cell<'a>,
) -> Result<RowRead, CellError> {
    let insurance = match layout.insurance {
        None => Insurance::BasicMedical,
        Some(col) => {
            let c = cell(col);
            match insurance(&c).map_err(|(code, msg)| CellError::new(col, &c, code, msg))? {
                InsuranceClass::Medical(i) => i,
                InsuranceClass::Other(_) => return Ok(RowRead::OtherInsurance),
            }
        }
    };
    let kind = match layout.payment_kind {
        None => PaymentKind::Normal,
        Some(col) => {
            let c = cell(col);
            payment_kind(&c).map_err(|(code, msg)| CellError::new(col, &c, code, msg))?
        }
    };
    let id_cell = cell(layout.person);
    let person = match layout.id_type {
        None => person_id(&id_cell),
        Some(col) => {
            let c = cell(col);
            let raw = c.raw();
            let id_type =
                crate::ingest::normalize::id_type_of(crate::ingest::values::Cell::Text(&raw))
                    .map_err(|(code, msg)| CellError::new(col, &c, code, msg))?;
            person_id_typed(&id_cell, id_type)
        }
    }
    .map_err(|(code, msg)| CellError::new(layout.person, &id_cell, code, msg))?;
    let person_key = person_key(&person);

    let month_cell = cell(layout.month);
    let (month, to) = month_range(&month_cell)
        .map_err(|(code, msg)| CellError::new(layout.month, &month_cell, code, msg))?;
    let to = match layout.month_to {
        None => to,
        Some(col) => {
            let c = cell(col);
            if c.is_blank() {
                to
            } else {
                let end =
                    self::month(&c).map_err(|(code, msg)| CellError::new(col, &c, code, msg))?;
                if to != month {
                    return Err(CellError::new(
                        col,
                        &c,
                        RejectCode::BadMonth,
                        text!(range_and_last_month),
                    ));
                }
                end
            }
        }
    };
    let span = month.months_through(to);
    if span == 0 {
        let col = layout.month_to.unwrap_or(layout.month);
        let c = cell(col);
        return Err(CellError::new(
            col,
            &c,
            RejectCode::BadMonth,
            text!(range_backwards, month, to),
        ));
    }
    if span > MAX_RANGE_MONTHS {
        let c = cell(layout.month);
        return Err(CellError::new(
            layout.month,
            &c,
            RejectCode::BadMonth,
            text!(range_too_long, month, to, span, MAX_RANGE_MONTHS),
        ));
    }
    if let Some(col) = layout.months {
        let c = cell(col);
        if !c.is_blank() {
            let given = month_count(&c);
            if given != Some(span) {
                return Err(CellError::new(
                    col,
                    &c,
                    RejectCode::MonthsMismatch,
                    text!(month_count_mismatch, c.raw(), month, to, span),
                ));
            }
        }
    }

    let (mut amounts, mut late_fees) = ([None; 3], [None; 3]);
    if layout.is_wide() {
        let mut any = false;
        for w in &layout.wide {
            let c = cell(w.column);
            if w.role == WideRole::Due || c.is_blank() {
                continue;
            }
            let v =
                money(&c).map_err(|msg| CellError::new(w.column, &c, RejectCode::BadMoney, msg))?;
            let slot = match w.role {
                WideRole::Paid => {
                    any = true;
                    &mut amounts[w.insurance as usize]
                }
                _ => &mut late_fees[w.insurance as usize],
            };
            *slot = Some(slot.unwrap_or(0) + v);
        }
        if !any {
            if layout.other_columns.iter().any(|c| !cell(*c).is_blank()) {
                return Ok(RowRead::OtherInsurance);
            }
            let col = layout
                .wide
                .iter()
                .find(|w| w.role == WideRole::Paid)
                .map_or(layout.person, |w| w.column);
            return Err(CellError::new(
                col,
                &cell(col),
                RejectCode::MissingValue,
                text!(no_medical_amount),
            ));
        }
    } else {
        amounts[insurance as usize] = Some(amount(layout, &cell)?);
    }
    if kind == PaymentKind::Refund {
        for a in amounts.iter_mut().flatten() {
            *a = -a.abs();
        }
    }

    let paid = match layout.paid_date {
        None => NO_PAID_DATE,
        Some(col) => {
            let c = cell(col);
            match date(&c) {
                Ok(None) => NO_PAID_DATE,
                Ok(Some(d)) => days_since_epoch(d),
                Err((code, msg)) => return Err(CellError::new(col, &c, code, msg)),
            }
        }
    };
    if let Some(col) = layout.late_fee {
        let c = cell(col);
        if !c.is_blank() {
            let fee =
                money(&c).map_err(|msg| CellError::new(col, &c, RejectCode::BadMoney, msg))?;
            // A total 滞纳金 column is billed on the row's (first) medical part.
            let at = amounts
                .iter()
                .position(Option::is_some)
                .unwrap_or(insurance as usize);
            late_fees[at] = Some(late_fees[at].unwrap_or(0) + fee);
        }
    }
    Ok(RowRead::Payment(RowValues {
        person_key,
        month,
        to,
        amounts,
        late_fees,
        paid,
        kind,
    }))
}

/// The longest range one row may pay (20 years).
const MAX_RANGE_MONTHS: u32 = 240;

/// A month or a range of months in one cell: `202503`, `2024-01 ~ 2024-03`,
/// `202401-202403`, `2024.01至2024.03`.
pub(crate) fn month_range(cell: &Cell) -> Result<(Month, Month), CodeMsg> {
    if let Cell::Text(s) = cell {
        let t = trim_cell(s);
        if let Some((a, b)) = split_range(t) {
            return Ok((a, b));
        }
    }
    month(cell).map(|m| (m, m))
}

fn split_range(t: &str) -> Option<(Month, Month)> {
    // The shortest range (`202401-202403`, `2024-1~2024-3`) is 13 bytes; the
    // longest single month (`2025年12月`) 12: most cells stop here.
    if t.len() < 13 {
        return None;
    }
    if let Some(at) = t.find(['~', '～', '至', '—', '–', '到']) {
        let sep = t[at..].chars().next().map_or(1, char::len_utf8);
        let (a, b) = (&t[..at], &t[at + sep..]);
        return Some((
            Month::parse(trim_cell(a))?,
            Month::parse(trim_cell(b).trim_start_matches('-'))?,
        ));
    }
    // `202401-202403`, `2024-01-2024-03`, `2024-01--2024-03`: a `-` with a
    // month on each side.
    for (i, _) in t.match_indices('-') {
        if let (Some(a), Some(b)) = (
            Month::parse(trim_cell(&t[..i])),
            Month::parse(trim_cell(&t[i + 1..]).trim_start_matches('-')),
        ) {
            return Some((a, b));
        }
    }
    None
}

fn month_count(cell: &Cell) -> Option<u32> {
    match cell {
        Cell::Text(s) => trim_cell(s).trim_end_matches('月').trim().parse().ok(),
        Cell::Int(i) => u32::try_from(*i).ok(),
        Cell::Float(f) if f.fract() == 0.0 && *f >= 0.0 && *f < 1e6 => Some(*f as u32),
        Cell::Decimal(d) => d.to_string().parse().ok(),
        _ => None,
    }
}

/// The text of a vocabulary cell (a number as written), trimmed; `None` when blank.
fn vocab_text(cell: &Cell) -> Option<String> {
    match cell {
        Cell::Empty => None,
        Cell::Text(s) => Some(trim_cell(s).to_string()).filter(|t| !t.is_empty()),
        Cell::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => Some(format!("{}", *f as i64)),
        other => Some(other.raw()),
    }
}

fn insurance(cell: &Cell) -> Result<InsuranceClass, CodeMsg> {
    let Some(text) = vocab_text(cell) else {
        return Err((RejectCode::MissingValue, text!(insurance_empty)));
    };
    let vocab = Vocab::shipped()
        .map_err(|e| (RejectCode::UnknownInsurance, text!(verbatim, e.to_string())))?;
    vocab.insurance(&text).ok_or_else(|| {
        let message = if text.chars().all(|c| c.is_ascii_digit()) {
            text!(unknown_insurance_code, text.as_str())
        } else {
            text!(unknown_insurance, text.as_str())
        };
        (RejectCode::UnknownInsurance, message)
    })
}

fn payment_kind(cell: &Cell) -> Result<PaymentKind, CodeMsg> {
    let Some(text) = vocab_text(cell) else {
        return Ok(PaymentKind::Normal);
    };
    let vocab = Vocab::shipped().map_err(|e| {
        (
            RejectCode::UnknownPaymentKind,
            text!(verbatim, e.to_string()),
        )
    })?;
    vocab.payment_kind(&text).ok_or_else(|| {
        (
            RejectCode::UnknownPaymentKind,
            text!(unknown_payment_kind, text.as_str()),
        )
    })
}

fn amount<'a>(layout: &Layout, cell: &impl Fn(usize) -> Cell<'a>) -> Result<i64, CellError> {
    if let Some(col) = layout.amount {
        let c = cell(col);
        if !c.is_blank() {
            return money(&c).map_err(|msg| CellError::new(col, &c, RejectCode::BadMoney, msg));
        }
        if layout.employer_part.is_none() && layout.employee_part.is_none() {
            return Err(CellError::new(
                col,
                &c,
                RejectCode::MissingValue,
                text!(amount_paid_empty),
            ));
        }
    }
    let parts = [layout.employer_part, layout.employee_part];
    let mut total: Option<i64> = None;
    let mut first_blank: Option<(usize, Cell)> = None;
    for col in parts.into_iter().flatten() {
        let c = cell(col);
        if c.is_blank() {
            first_blank.get_or_insert((col, c));
            continue;
        }
        let v = money(&c).map_err(|msg| CellError::new(col, &c, RejectCode::BadMoney, msg))?;
        total = Some(total.unwrap_or(0).checked_add(v).ok_or_else(|| {
            CellError::new(col, &c, RejectCode::BadMoney, text!(amount_too_large))
        })?);
    }
    match (total, first_blank) {
        (Some(t), _) => Ok(t),
        (None, Some((col, c))) => Err(CellError::new(
            col,
            &c,
            RejectCode::MissingValue,
            text!(no_amount_parts),
        )),
        (None, None) => Err(CellError {
            column: layout.person,
            value: String::new(),
            code: RejectCode::MissingValue,
            message: text!(no_amount_column),
        }),
    }
}

type CodeMsg = (RejectCode, Text);

/// A ledger row's ID under its 证件类型 (`PersonId::parse_typed`): a
/// document's number may be a number cell when it is digits only.
pub(crate) fn person_id_typed(cell: &Cell, id_type: IdType) -> Result<PersonId, CodeMsg> {
    if id_type == IdType::Resident {
        return person_id(cell);
    }
    let text = match cell {
        Cell::Text(s) => crate::ingest::normalize::unwrap_text_guard(s).to_string(),
        Cell::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Cell::Float(_) => {
            return Err((
                RejectCode::IdLostDigits,
                crate::model::IdError::LostDigits.text(),
            ));
        }
        other => other.raw(),
    };
    PersonId::parse_typed(id_type, &text).map_err(|e| (e.code(), e.text()))
}

pub(crate) fn person_id(cell: &Cell) -> Result<PersonId, CodeMsg> {
    let parsed = match cell {
        Cell::Empty => {
            return Err((RejectCode::MissingValue, text!(id_cell_empty)));
        }
        Cell::Text(s) => PersonId::parse(crate::ingest::normalize::unwrap_text_guard(s)),
        Cell::Int(i) => PersonId::parse(&i.to_string()),
        Cell::Float(f) => {
            // A 15-digit old ID survives a double exactly; an 18-digit one does not.
            if f.fract() == 0.0 && f.abs() < 1e15 && *f >= 1e14 {
                PersonId::parse(&format!("{}", *f as i64))
            } else {
                return Err((
                    RejectCode::IdLostDigits,
                    crate::model::IdError::LostDigits.text(),
                ));
            }
        }
        Cell::Decimal(d) => PersonId::parse(&d.to_string()),
        Cell::Date(_) | Cell::Bool(_) => {
            return Err((RejectCode::BadId, text!(id_cell_date_or_bool)));
        }
    };
    parsed.map_err(|e| (e.code(), e.text()))
}

/// The ID's key (`PersonId::key`): what the ledger sorts and keeps.
pub(crate) fn person_key(id: &PersonId) -> u64 {
    id.key()
}

/// The ID whose key is `key` (inverse of `person_key`).
pub(crate) fn person_from_key(key: u64) -> Option<PersonId> {
    PersonId::from_key(key)
}

pub(crate) fn month(cell: &Cell) -> Result<Month, CodeMsg> {
    use crate::ingest::values::{Cell as Value, parse_month_cell};
    let empty = || (RejectCode::MissingValue, text!(ledger_month_empty));
    // The events' month parser (`crate::ingest::values`): `202503`,
    // `2025-03`, `2025年3月`, a date's month.
    let parsed = match cell {
        Cell::Empty => return Err(empty()),
        Cell::Text(s) => {
            let t = trim_cell(s);
            if t.is_empty() {
                return Err(empty());
            }
            parse_month_cell(Value::Text(t), false)
        }
        Cell::Int(i) => parse_month_cell(Value::Int(*i), false),
        Cell::Float(f) => parse_month_cell(Value::Float(*f), false),
        // Through `Month::new`, so a Parquet date far outside years 1..=9999
        // is refused here like any other bad month, not carried into the rules.
        Cell::Date(d) => {
            use chrono::Datelike;
            Month::new(d.year(), d.month()).ok_or_else(|| text!(ledger_not_a_month, cell.raw()))
        }
        other => parse_month_cell(Value::Text(&other.raw()), false),
    };
    parsed.map_err(|m| (RejectCode::BadMonth, text!(ledger_month_bad, m)))
}

/// Money in 分: `8000`, `8,000.00`, `¥8000`, `8000元`, full-width `８０００`,
/// a leading minus for reversals (冲正). More than two decimals that are not
/// zero is refused (no payment is below 1 分).
pub(crate) fn money(cell: &Cell) -> Result<i64, Text> {
    let cents = money_unbounded(cell)?;
    if cents.unsigned_abs() > MAX_ROW_CENTS {
        return Err(text!(
            amount_beyond_limit,
            format!("{}.{:02}", cents / 100, (cents % 100).unsigned_abs())
        ));
    }
    Ok(cents)
}

/// The largest amount one ledger row may carry: 1000万元 in 分. Far beyond any
/// monthly contribution, and small enough that summing even `u32::MAX` rows of one
/// person·employer·month cannot overflow the i64 sums of the aggregation.
const MAX_ROW_CENTS: u64 = 1_000_000_000;

fn money_unbounded(cell: &Cell) -> Result<i64, Text> {
    let d = match cell {
        // The events' money grammar (`crate::ingest::values`), with a sign.
        Cell::Text(s) => crate::ingest::values::parse_money_signed(s)?,
        Cell::Int(i) => {
            return i.checked_mul(100).ok_or_else(|| text!(amount_too_large));
        }
        Cell::Float(f) => {
            // A spreadsheet number: its shortest decimal form, rounded half-up
            // to the fen (a formula can leave 980.0000000000001).
            if !f.is_finite() {
                return Err(text!(amount_not_a_number));
            }
            crate::ingest::values::float_decimal(*f)
                .ok_or_else(|| text!(amount_out_of_range, format!("{f}")))?
                .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
        }
        Cell::Decimal(d) => *d,
        Cell::Empty => return Err(text!(amount_empty)),
        Cell::Date(_) | Cell::Bool(_) => return Err(text!(amount_date_or_bool)),
    };
    decimal_cents(d, cell)
}

/// A decimal amount in 分; more than two decimals that are not zero is
/// refused (no payment is below 1 分).
fn decimal_cents(d: Decimal, cell: &Cell) -> Result<i64, Text> {
    let scale = d.scale();
    let m = d.mantissa();
    let cents = if scale <= 2 {
        m.checked_mul(10i128.pow(2 - scale))
    } else {
        let unit = 10i128.pow(scale - 2);
        if m % unit != 0 {
            return Err(text!(text_fractions_of_fen, cell.raw().trim()));
        }
        Some(m / unit)
    };
    cents
        .and_then(|c| i64::try_from(c).ok())
        .ok_or_else(|| text!(amount_value_too_large, d.to_string()))
}

/// A paid date; `Ok(None)` for a blank cell. Text and numbers are read by
/// the events' date parser (`crate::ingest::values`): its forms, and
/// ambiguous day/month orders refused, never guessed.
pub(crate) fn date(cell: &Cell) -> Result<Option<NaiveDate>, CodeMsg> {
    use crate::ingest::values::{parse_date_text, parse_number_date};
    let parsed = match cell {
        Cell::Empty => return Ok(None),
        Cell::Date(d) => return Ok(Some(*d)),
        Cell::Text(s) => {
            let t = trim_cell(s);
            if t.is_empty() {
                return Ok(None);
            }
            parse_date_text(t, false)
        }
        // A number: `20250305`, else a 1900-system serial day (excel.rs
        // rebases a 1904 workbook's).
        Cell::Int(i) => parse_number_date(*i as f64, false),
        Cell::Float(f) => parse_number_date(*f, false),
        other => {
            return Err((RejectCode::BadDate, text!(ledger_not_a_date, other.raw())));
        }
    };
    parsed.map(Some).map_err(|e| match e {
        DateError::Bad(m) => (RejectCode::BadDate, m),
        DateError::Ambiguous(m) => (RejectCode::AmbiguousDate, m),
    })
}

const UNIX_EPOCH_CE_DAYS: i32 = 719_163;

pub(crate) fn days_since_epoch(d: NaiveDate) -> i32 {
    use chrono::Datelike;
    d.num_days_from_ce() - UNIX_EPOCH_CE_DAYS
}

pub(crate) fn date_from_days(days: i32) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(days.checked_add(UNIX_EPOCH_CE_DAYS)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_ranges_in_one_cell() {
        let m = |y, n| Month::new(y, n).unwrap();
        for text in [
            "202401-202403",
            "2024-01 ~ 2024-03",
            "2024-01～2024-03",
            "2024.01至2024.03",
            "2024-01-2024-03",
            "2024-01--2024-03",
            "2024年1月—2024年3月",
        ] {
            assert_eq!(
                month_range(&Cell::Text(text)),
                Ok((m(2024, 1), m(2024, 3))),
                "{text}"
            );
        }
        for single in ["202503", "2025-03", "2025年12月", "2025.3"] {
            let got = month_range(&Cell::Text(single)).unwrap();
            assert_eq!(got.0, got.1, "{single}");
        }
        assert!(month_range(&Cell::Text("202401-2024")).is_err());
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    /// The ledger reads money, dates and months with the events' parsers
    /// (`crate::ingest::values`): what either accepts, both accept. These
    /// differ from the ledger's own parsers before (issue 14).
    #[test]
    fn ledger_values_follow_the_events_grammar() {
        let m = |s| money(&Cell::Text(s));
        // A currency prefix the events reader knew, the ledger did not.
        assert_eq!(m("RMB 8000"), Ok(800_000));
        assert_eq!(m("CNY8,000.50"), Ok(800_050));
        // A sign with the money forms: a reversal.
        assert_eq!(m("-8,000.50"), Ok(-800_050));
        assert_eq!(m("－８０００"), Ok(-800_000));
        // Half numbers and spaces inside are no amount (they were 50 分 and 8000 元).
        assert!(m(".5").is_err());
        assert!(m("8000.").is_err());
        assert!(m("8 000").is_err());
        assert!(m("--8000").is_err());
        // Dates: a year out of 1900..=2100 is refused (0025-03-05 was read
        // as year 25), a 2-digit year is ambiguous, a serial in text is read.
        let t = |s| date(&Cell::Text(s)).map_err(|e| e.0);
        assert_eq!(t("0025-03-05"), Err(RejectCode::BadDate));
        assert_eq!(t("25年3月5日"), Err(RejectCode::AmbiguousDate));
        assert_eq!(t("250305"), Err(RejectCode::AmbiguousDate));
        assert_eq!(t("45721"), Ok(Some(d(2025, 3, 5))));
        assert_eq!(date(&Cell::Int(20250305)), Ok(Some(d(2025, 3, 5))));
        // Months: a date in the month column gives its month (it was refused);
        // six digits that are no month stay refused.
        let mo = |s| month(&Cell::Text(s));
        assert_eq!(mo("2025-03-05"), Ok(Month::new(2025, 3).unwrap()));
        assert_eq!(mo("2025年3月"), Ok(Month::new(2025, 3).unwrap()));
        assert_eq!(
            month(&Cell::Float(202503.0)),
            Ok(Month::new(2025, 3).unwrap())
        );
        let e = mo("202513").unwrap_err();
        assert_eq!(e.0, RejectCode::BadMonth);
        assert!(
            e.1.en().starts_with("费款所属期 `202513` is not a month"),
            "{}",
            e.1.en()
        );
        assert_eq!(mo(" 　").map_err(|e| e.0), Err(RejectCode::MissingValue));
    }

    #[test]
    fn money_forms_in_fen() {
        let m = |s| money(&Cell::Text(s));
        assert_eq!(m("8000"), Ok(800_000));
        assert_eq!(m("8,000.00"), Ok(800_000));
        assert_eq!(m("¥8000"), Ok(800_000));
        assert_eq!(m("8000元"), Ok(800_000));
        assert_eq!(m("８０００．５"), Ok(800_050));
        assert_eq!(m(" 947.1 "), Ok(94_710));
        assert_eq!(m("-947.00"), Ok(-94_700));
        assert_eq!(m("947.000"), Ok(94_700));
        assert!(m("947.005").is_err());
        assert!(m("8,0").is_err());
        assert!(m("abc").is_err());
        assert!(m("").is_err());
        assert!(m("1.2.3").is_err());
        // A formula result: 10000 × 0.098 in binary floating point.
        assert_eq!(money(&Cell::Float(10000.0 * 0.098)), Ok(98_000));
        assert_eq!(money(&Cell::Float(1183.1)), Ok(118_310));
        assert_eq!(money(&Cell::Int(947)), Ok(94_700));
        // Beyond 10,000,000.00 a row is refused, so sums of a key's rows cannot overflow.
        assert_eq!(money(&Cell::Text("10000000.00")), Ok(1_000_000_000));
        assert!(money(&Cell::Text("10000000.01")).is_err());
        assert!(money(&Cell::Text("50000000000000000")).is_err());
        assert!(money(&Cell::Int(-50_000_000_000)).is_err());
        assert_eq!(money(&Cell::Decimal(Decimal::new(94_700, 2))), Ok(94_700));
        assert!(money(&Cell::Decimal(Decimal::new(947_001, 3))).is_err());
    }

    #[test]
    fn a_date_cell_month_outside_years_1_to_9999_is_a_bad_month() {
        assert_eq!(
            month(&Cell::Date(d(2025, 3, 31))),
            Ok(Month::new(2025, 3).unwrap())
        );
        let far = NaiveDate::MAX;
        assert_eq!(
            month(&Cell::Date(far)).map_err(|e| e.0),
            Err(RejectCode::BadMonth)
        );
    }

    #[test]
    fn date_forms() {
        let t = |s| date(&Cell::Text(s)).map(Option::unwrap).map_err(|e| e.0);
        assert_eq!(t("2025-03-05"), Ok(d(2025, 3, 5)));
        assert_eq!(t("2025/3/5"), Ok(d(2025, 3, 5)));
        assert_eq!(t("2025.3.5"), Ok(d(2025, 3, 5)));
        assert_eq!(t("20250305"), Ok(d(2025, 3, 5)));
        assert_eq!(t("2025年3月5日"), Ok(d(2025, 3, 5)));
        assert_eq!(t("2025-03-05 00:00:00"), Ok(d(2025, 3, 5)));
        assert_eq!(t("2025-02-30"), Err(RejectCode::BadDate));
        assert_eq!(t("05/03/2025"), Err(RejectCode::AmbiguousDate));
        assert_eq!(t("soon"), Err(RejectCode::BadDate));
        // Excel serial 45722 is 2025-03-06 (45658 is 2025-01-01; +64 days).
        assert_eq!(date(&Cell::Float(45722.0)), Ok(Some(d(2025, 3, 6))));
        assert_eq!(date(&Cell::Text("  ")), Ok(None));
        assert_eq!(days_since_epoch(d(1970, 1, 2)), 1);
        assert_eq!(
            date_from_days(days_since_epoch(d(2024, 2, 29))),
            Some(d(2024, 2, 29))
        );
    }

    #[test]
    fn person_key_round_trips() {
        let id = PersonId::parse("11010519491231002X").unwrap();
        for marked in [
            "'11010519491231002X",
            "=\"11010519491231002X\"",
            " 11010519491231002x ",
        ] {
            assert_eq!(person_id(&Cell::Text(marked)), Ok(id));
        }
        let key = person_key(&id);
        assert_eq!(key, 11010519491231002);
        assert_eq!(person_from_key(key), Some(id));
        assert_eq!(
            person_id(&Cell::Float(1.10105194912310e17)).map_err(|e| e.0),
            Err(RejectCode::IdLostDigits)
        );
        // A 15-digit old ID held as a number is exact and upgraded.
        assert_eq!(
            person_id(&Cell::Float(110105491231002.0)).map(|p| p.to_string()),
            Ok("11010519491231002X".to_string())
        );
    }
}
