//! Ledger column mapping: the `[ledger.*]` section of `schemas/columns.toml`
//! (aliases for 身份证号, 单位编号, 费款所属期, 实缴金额, 单位缴纳/个人缴纳, 缴费日期)
//! and finding which header cell is which canonical column.
//!
//! Header matching trims ordinary and full-width spaces, ignores case, and
//! drops a bracketed suffix such as `(元)` or `（元）`.

use serde::Deserialize;
use std::collections::BTreeMap;

/// The shipped aliases file; only its `[ledger.*]` tables are read here.
const COLUMNS_TOML: &str = include_str!("../../schemas/columns.toml");

#[derive(Deserialize)]
struct ColumnsFile {
    #[serde(default)]
    ledger: BTreeMap<String, AliasEntry>,
}

#[derive(Deserialize)]
struct AliasEntry {
    aliases: Vec<String>,
}

/// A canonical ledger column.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum LedgerColumn {
    PersonId,
    EmployerId,
    Month,
    Amount,
    EmployerPart,
    EmployeePart,
    PaidDate,
    Insurance,
    PaymentKind,
    MonthAmbiguous,
    PostingMonth,
    MonthTo,
    Months,
    LateFee,
    DueAmount,
}

impl LedgerColumn {
    fn from_key(key: &str) -> Option<LedgerColumn> {
        Some(match key {
            "person_id" => LedgerColumn::PersonId,
            "employer_id" => LedgerColumn::EmployerId,
            "month" => LedgerColumn::Month,
            "amount" => LedgerColumn::Amount,
            "employer_part" => LedgerColumn::EmployerPart,
            "employee_part" => LedgerColumn::EmployeePart,
            "paid_date" => LedgerColumn::PaidDate,
            "insurance" => LedgerColumn::Insurance,
            "payment_kind" => LedgerColumn::PaymentKind,
            "month_ambiguous" => LedgerColumn::MonthAmbiguous,
            "posting_month" => LedgerColumn::PostingMonth,
            "month_to" => LedgerColumn::MonthTo,
            "months" => LedgerColumn::Months,
            "late_fee" => LedgerColumn::LateFee,
            "due_amount" => LedgerColumn::DueAmount,
            _ => return None,
        })
    }
}

/// Normalized alias → canonical column.
#[derive(Debug, Clone)]
pub(crate) struct LedgerSchema {
    aliases: Vec<(String, LedgerColumn)>,
}

impl LedgerSchema {
    /// The schema shipped in `schemas/columns.toml`.
    pub(crate) fn shipped() -> anyhow::Result<LedgerSchema> {
        LedgerSchema::from_toml(COLUMNS_TOML)
    }

    pub(crate) fn from_toml(text: &str) -> anyhow::Result<LedgerSchema> {
        let file: ColumnsFile =
            toml::from_str(text).map_err(|e| anyhow::anyhow!("schemas/columns.toml: {e}"))?;
        let mut aliases = Vec::new();
        for (key, entry) in &file.ledger {
            let Some(column) = LedgerColumn::from_key(key) else {
                continue;
            };
            for alias in &entry.aliases {
                aliases.push((normalize_header(alias), column));
            }
        }
        Ok(LedgerSchema { aliases })
    }

    pub(crate) fn column_of(&self, header: &str) -> Option<LedgerColumn> {
        let h = normalize_header(header);
        if h.is_empty() {
            return None;
        }
        self.aliases
            .iter()
            .find(|(alias, _)| *alias == h)
            .map(|(_, c)| *c)
    }

    /// Maps a header row; an error when it lacks 身份证号, 费款所属期 or any
    /// paid amount column (`Bill` when it has due amounts only).
    pub(crate) fn layout<S: AsRef<str>>(&self, headers: &[S]) -> Result<Layout, NotLedger> {
        let mut layout = Layout {
            headers: headers
                .iter()
                .map(|h| h.as_ref().trim().to_string())
                .collect(),
            ..Layout::default()
        };
        let mut person = None;
        let mut month = None;
        let mut ambiguous = None;
        let mut posting = None;
        let mut due = None;
        for (i, h) in headers.iter().enumerate() {
            let slot = match self.column_of(h.as_ref()) {
                Some(LedgerColumn::PersonId) => &mut person,
                Some(LedgerColumn::Month) => &mut month,
                Some(LedgerColumn::EmployerId) => &mut layout.employer,
                Some(LedgerColumn::Amount) => &mut layout.amount,
                Some(LedgerColumn::EmployerPart) => &mut layout.employer_part,
                Some(LedgerColumn::EmployeePart) => &mut layout.employee_part,
                Some(LedgerColumn::PaidDate) => &mut layout.paid_date,
                Some(LedgerColumn::Insurance) => &mut layout.insurance,
                Some(LedgerColumn::PaymentKind) => &mut layout.payment_kind,
                Some(LedgerColumn::MonthAmbiguous) => &mut ambiguous,
                Some(LedgerColumn::PostingMonth) => &mut posting,
                Some(LedgerColumn::MonthTo) => &mut layout.month_to,
                Some(LedgerColumn::Months) => &mut layout.months,
                Some(LedgerColumn::LateFee) => &mut layout.late_fee,
                Some(LedgerColumn::DueAmount) => &mut due,
                None => continue,
            };
            // The first column with a given meaning wins.
            if slot.is_none() {
                *slot = Some(i);
            }
        }
        layout.person = person.ok_or(NotLedger::Missing)?;
        // The coverage month wins; else the ambiguous 缴费年月; else a posting
        // month; each fallback is said in the run's warnings.
        (layout.month, layout.month_source) = match (month, ambiguous, posting) {
            (Some(c), _, _) => (c, MonthSource::Coverage),
            (None, Some(c), _) => (c, MonthSource::Ambiguous),
            (None, None, Some(c)) => (c, MonthSource::Posting),
            (None, None, None) => return Err(NotLedger::Missing),
        };
        if layout.amount.is_none()
            && layout.employer_part.is_none()
            && layout.employee_part.is_none()
        {
            return Err(if due.is_some() {
                NotLedger::Bill
            } else {
                NotLedger::Missing
            });
        }
        Ok(layout)
    }
}

/// Why a header row is not a ledger header.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum NotLedger {
    /// No ID, month or amount column.
    Missing,
    /// Due amounts (应缴) and no paid amount (实缴): a bill.
    Bill,
}

/// The message for a file whose header is a bill's.
pub(crate) const BILL_MESSAGE: &str = "is a bill: it has due amounts (应缴) but no paid amounts (实缴金额 or 单位缴纳/个人缴纳), so it cannot say what was paid; give the 缴费明细 / 实缴 export as the ledger";

/// Which column the coverage month is read from.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub(crate) enum MonthSource {
    /// 费款所属期 and its aliases.
    #[default]
    Coverage,
    /// 缴费年月: coverage or posting month, the file does not say.
    Ambiguous,
    /// Only a posting month (台账年月 …) is present.
    Posting,
}

/// Where each canonical column sits in a file's rows.
#[derive(Debug, Clone, Default)]
pub(crate) struct Layout {
    /// Header cells as found (trimmed), for reject messages.
    pub headers: Vec<String>,
    pub person: usize,
    pub month: usize,
    pub employer: Option<usize>,
    pub amount: Option<usize>,
    pub employer_part: Option<usize>,
    pub employee_part: Option<usize>,
    pub paid_date: Option<usize>,
    /// 险种: without it the ledger is medical-only.
    pub insurance: Option<usize>,
    /// 缴费类型: without it every row is a normal payment.
    pub payment_kind: Option<usize>,
    pub month_source: MonthSource,
    /// 费款所属期止: the range's last month.
    pub month_to: Option<usize>,
    /// 月数 of a range row.
    pub months: Option<usize>,
    /// 滞纳金 billed.
    pub late_fee: Option<usize>,
}

impl Layout {
    pub(crate) fn header(&self, index: usize) -> &str {
        self.headers.get(index).map(String::as_str).unwrap_or("")
    }

    /// What a user should know about how this header was read.
    pub(crate) fn notes(&self) -> Vec<String> {
        let column = self.header(self.month);
        match self.month_source {
            MonthSource::Coverage => Vec::new(),
            MonthSource::Ambiguous => vec![format!(
                "the month is read from `{column}`, which may be the coverage month (费款所属期) or the posting month (台账年月): read as the coverage month"
            )],
            MonthSource::Posting => vec![format!(
                "no coverage month (费款所属期) column: the month is read from the posting month `{column}`, which can differ from the month paid for"
            )],
        }
    }
}

/// Trim (incl. full-width spaces), lower-case, drop a bracketed suffix.
pub(crate) fn normalize_header(raw: &str) -> String {
    let trim = |s: &str| {
        s.trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}' || c == '\u{feff}')
            .to_string()
    };
    let mut s = trim(raw);
    for (open, close) in [('(', ')'), ('（', '）'), ('[', ']'), ('【', '】')] {
        if s.ends_with(close)
            && let Some(start) = s.rfind(open)
            && start > 0
        {
            s = trim(&s[..start]);
        }
    }
    s.to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_match_aliases_with_units_and_spaces() {
        let schema = LedgerSchema::shipped().unwrap();
        assert_eq!(schema.column_of(" 身份证号 "), Some(LedgerColumn::PersonId));
        assert_eq!(schema.column_of("实缴金额(元)"), Some(LedgerColumn::Amount));
        assert_eq!(
            schema.column_of("单位缴纳（元）"),
            Some(LedgerColumn::EmployerPart)
        );
        assert_eq!(
            schema.column_of("\u{3000}Paid_Date"),
            Some(LedgerColumn::PaidDate)
        );
        assert_eq!(schema.column_of("姓名"), None);
        let layout = schema
            .layout(&["姓名", "身份证号码", "费款所属期", "单位缴纳", "个人缴纳"])
            .unwrap();
        assert_eq!(
            (
                layout.person,
                layout.month,
                layout.employer_part,
                layout.employee_part
            ),
            (1, 2, Some(3), Some(4))
        );
        assert_eq!(layout.amount, None);
        // No amount column at all: not a ledger header.
        assert_eq!(
            schema.layout(&["身份证号", "费款所属期"]).err(),
            Some(NotLedger::Missing)
        );
        // Due amounts only: a bill.
        assert_eq!(
            schema.layout(&["身份证号", "费款所属期", "应缴金额"]).err(),
            Some(NotLedger::Bill)
        );
        // Coverage month wins over the posting month; 缴费年月 alone is used, noted.
        let both = schema
            .layout(&["身份证号", "台账年月", "费款所属期", "实缴金额"])
            .unwrap();
        assert_eq!((both.month, both.month_source), (2, MonthSource::Coverage));
        assert!(both.notes().is_empty());
        let ambiguous = schema
            .layout(&["身份证号", "缴费年月", "实缴金额"])
            .unwrap();
        assert_eq!(ambiguous.month_source, MonthSource::Ambiguous);
        assert!(ambiguous.notes()[0].contains("`缴费年月`"));
        let posting = schema
            .layout(&["身份证号", "缴费年月", "记帐年月", "应属年月", "实缴金额"])
            .unwrap();
        assert_eq!(
            (posting.month, posting.month_source),
            (3, MonthSource::Coverage)
        );
    }
}
