//! Ledger column mapping: the `[ledger.*]` section of `schemas/columns.toml`
//! (aliases for 身份证号, 单位编号, 费款所属期, 实缴金额, 单位缴纳/个人缴纳, 缴费日期)
//! and finding which header cell is which canonical column.
//!
//! Header matching trims ordinary and full-width spaces, ignores case, and
//! drops a bracketed suffix such as `(元)` or `（元）`.

use super::vocab::{InsuranceClass, Vocab};
use crate::ingest::schema::{ColumnSchema, SHIPPED_COLUMNS};
use crate::model::Insurance;

/// A canonical ledger column.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum LedgerColumn {
    PersonId,
    IdType,
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
            "id_type" => LedgerColumn::IdType,
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

/// Normalized alias → canonical column, and the insurance vocabulary for
/// wide ledgers' column groups.
#[derive(Debug, Clone)]
pub(crate) struct LedgerSchema {
    aliases: Vec<(String, LedgerColumn)>,
    vocab: &'static Vocab,
}

/// What an insurance-named column of a wide ledger holds.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum WideRole {
    /// 实缴 / 缴纳 amounts: a payment.
    Paid,
    /// 应缴: a due amount, not a payment (read for nothing).
    Due,
    /// 滞纳金 billed for that insurance.
    LateFee,
}

/// One insurance-named column of a wide ledger
/// (`基本医疗保险（含生育）(单位缴纳) / 实缴金额`).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) struct WideColumn {
    pub column: usize,
    pub insurance: Insurance,
    pub role: WideRole,
}

pub(crate) use crate::ingest::header::{PATH_SEP, header_paths};

impl LedgerSchema {
    /// The schema shipped in `schemas/columns.toml`.
    pub(crate) fn shipped() -> anyhow::Result<LedgerSchema> {
        let columns = ColumnSchema::parse(SHIPPED_COLUMNS)
            .map_err(|e| anyhow::anyhow!("schemas/columns.toml: {e}"))?;
        LedgerSchema::from_columns(&columns)
    }

    /// The `[ledger.*]` table of an aliases file as read for every input
    /// kind (`crate::ingest::schema`: the same file parser and header folding).
    pub(crate) fn from_columns(columns: &ColumnSchema) -> anyhow::Result<LedgerSchema> {
        let vocab = Vocab::shipped()?;
        let mut aliases = Vec::new();
        for spec in columns.table("ledger") {
            let Some(column) = LedgerColumn::from_key(&spec.canonical) else {
                continue;
            };
            for alias in &spec.aliases {
                aliases.push((alias.clone(), column));
            }
        }
        Ok(LedgerSchema { aliases, vocab })
    }

    /// The canonical column a header (or the last level of a header path) names.
    pub(crate) fn column_of(&self, header: &str) -> Option<LedgerColumn> {
        let header = header.rsplit(PATH_SEP).next().unwrap_or(header);
        let h = crate::ingest::schema::fold_header(header);
        if h.is_empty() {
            return None;
        }
        self.aliases
            .iter()
            .find(|(alias, _)| *alias == h)
            .map(|(_, c)| *c)
    }

    /// The insurance a wide ledger's amount column is for: a header (or
    /// header path) naming an insurance, unless it is a canonical column by
    /// itself (险种, 单位缴纳 …) or not an amount (a base, rate, date,
    /// count, status or interest of that insurance).
    fn insurance_column(&self, header: &str) -> Option<InsuranceClass> {
        if !header.contains(PATH_SEP) && self.column_of(header).is_some() {
            return None;
        }
        const NOT_AMOUNTS: &[&str] = &[
            "基数", "费率", "比例", "人数", "档次", "状态", "标志", "日期", "年月", "月数", "利息",
            "险种", "类型",
        ];
        if NOT_AMOUNTS.iter().any(|w| header.contains(w)) {
            return None;
        }
        self.vocab.insurance_in(header)
    }

    /// Finds the header among a file's first rows: the first row that maps
    /// (with the row above it as a possible group row), moved one row down
    /// when that row and the next are a wide ledger's group and label rows.
    /// Returns the index of the header's last row.
    pub(crate) fn find_header<S: AsRef<str>>(
        &self,
        rows: &[Vec<S>],
    ) -> Result<(usize, Layout), NotLedger> {
        let empty: Vec<S> = Vec::new();
        let mut error = NotLedger::Missing;
        for (i, row) in rows.iter().enumerate() {
            let above = if i == 0 { &empty } else { &rows[i - 1] };
            match self.layout_of_rows(above, row) {
                Ok(layout) => {
                    if let Some(next) = rows.get(i + 1)
                        && let Ok(wide) = self.layout_of_rows(row, next)
                        && wide.is_wide()
                    {
                        return Ok((i + 1, wide));
                    }
                    return Ok((i, layout));
                }
                Err(NotLedger::Bill) => error = NotLedger::Bill,
                Err(NotLedger::Missing) => {}
            }
        }
        Err(error)
    }

    /// Maps the header ending at `labels`, with the row above it (`groups`,
    /// empty for the first row) as a possible group row: the two rows as
    /// header paths when that makes a wide ledger (a paid column per
    /// insurance), else `labels` alone, else the paths (an ID under a group).
    pub(crate) fn layout_of_rows<S: AsRef<str>, T: AsRef<str>>(
        &self,
        groups: &[S],
        labels: &[T],
    ) -> Result<Layout, NotLedger> {
        let single = self.layout(labels);
        if groups.iter().all(|g| g.as_ref().trim().is_empty()) {
            return single;
        }
        let paths = self.layout(&header_paths(groups, labels));
        match (single, paths) {
            (_, Ok(p)) if p.is_wide() => Ok(p),
            (Ok(s), _) => Ok(s),
            (Err(_), Ok(p)) => Ok(p),
            (Err(NotLedger::Bill), Err(_)) | (Err(_), Err(NotLedger::Bill)) => Err(NotLedger::Bill),
            (Err(e), Err(_)) => Err(e),
        }
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
        let mut other_paid = Vec::new();
        for (i, h) in headers.iter().enumerate() {
            // A column naming an insurance (a wide ledger's group) is that
            // insurance's paid, due or late-fee amount.
            if let Some(class) = self.insurance_column(h.as_ref()) {
                let text = h.as_ref();
                let role = if text.contains("滞纳金") {
                    WideRole::LateFee
                } else if text.contains("应缴") || text.contains("应收") {
                    WideRole::Due
                } else {
                    WideRole::Paid
                };
                match class {
                    InsuranceClass::Medical(insurance) => layout.wide.push(WideColumn {
                        column: i,
                        insurance,
                        role,
                    }),
                    InsuranceClass::Other(_) if role == WideRole::Paid => other_paid.push(i),
                    InsuranceClass::Other(_) => {}
                }
                continue;
            }
            let slot = match self.column_of(h.as_ref()) {
                Some(LedgerColumn::PersonId) => &mut person,
                Some(LedgerColumn::IdType) => &mut layout.id_type,
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
        let wide_paid = layout.wide.iter().any(|w| w.role == WideRole::Paid);
        let wide_due = layout.wide.iter().any(|w| w.role == WideRole::Due);
        if wide_paid {
            // The medical groups are the amounts: a total (合计) or a bare
            // 单位缴纳 column would also count the other insurances.
            for (slot, name) in [
                (&mut layout.amount, "amount"),
                (&mut layout.employer_part, "employer part"),
                (&mut layout.employee_part, "employee part"),
            ] {
                if let Some(c) = slot.take() {
                    layout.ignored.push(format!(
                        "`{}` ({name} of every insurance) is not read: the medical column groups are",
                        layout.headers.get(c).map_or("", String::as_str)
                    ));
                }
            }
            layout.other_columns = other_paid;
            layout.insurance = None;
        } else if layout.amount.is_none()
            && layout.employer_part.is_none()
            && layout.employee_part.is_none()
        {
            return Err(if due.is_some() || wide_due {
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
    /// 证件类型: without it every ID is a resident ID.
    pub id_type: Option<usize>,
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
    /// Wide ledger: the medical insurances' columns (paid, due, late fee).
    pub wide: Vec<WideColumn>,
    /// Wide ledger: paid columns of other insurances, set aside.
    pub other_columns: Vec<usize>,
    /// Columns found and deliberately not read, said in the notes.
    pub ignored: Vec<String>,
}

impl Layout {
    pub(crate) fn header(&self, index: usize) -> &str {
        self.headers.get(index).map(String::as_str).unwrap_or("")
    }

    /// Whether this is a wide ledger (a column group per insurance).
    pub(crate) fn is_wide(&self) -> bool {
        self.wide.iter().any(|w| w.role == WideRole::Paid)
    }

    /// What a user should know about how this header was read.
    pub(crate) fn notes(&self) -> Vec<String> {
        let mut notes = self.ignored.clone();
        if self.is_wide() {
            let names = |role: WideRole| {
                self.wide
                    .iter()
                    .filter(|w| w.role == role)
                    .map(|w| format!("`{}`", self.header(w.column)))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            notes.push(format!(
                "wide ledger: medical paid amounts from {}",
                names(WideRole::Paid)
            ));
            if !self.other_columns.is_empty() {
                notes.push(format!(
                    "OTHER_INSURANCE: columns of other insurances set aside, never summed: {}",
                    self.other_columns
                        .iter()
                        .map(|c| format!("`{}`", self.header(*c)))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
        notes.extend(self.month_note());
        notes
    }

    fn month_note(&self) -> Vec<String> {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The ledger's columns come from the same parse of the aliases file as
    /// the events' and UI months' (`ColumnSchema`): an aliases file given
    /// to it is the ledger's too, and a canonical name is an alias of itself.
    #[test]
    fn ledger_columns_are_the_column_schemas_ledger_table() {
        let text = format!(
            "{}\n[ledger.paid_date]\naliases = [\"入账日期\"]\n",
            SHIPPED_COLUMNS.replace("[ledger.paid_date]", "[ledger.paid_date_unused]")
        );
        let columns = ColumnSchema::parse(&text).unwrap();
        let schema = LedgerSchema::from_columns(&columns).unwrap();
        assert_eq!(schema.column_of("入账日期"), Some(LedgerColumn::PaidDate));
        // Folded as every header is: brackets, marks and spaces.
        assert_eq!(
            schema.column_of("*入账日期（必填）"),
            Some(LedgerColumn::PaidDate)
        );
        assert_eq!(schema.column_of("paid_date"), Some(LedgerColumn::PaidDate));
        assert_eq!(schema.column_of("缴费日期"), None);
        let shipped = LedgerSchema::shipped().unwrap();
        assert_eq!(
            shipped.column_of("Posting_Month"),
            Some(LedgerColumn::PostingMonth)
        );
        assert_eq!(shipped.column_of("缴费日期"), Some(LedgerColumn::PaidDate));
    }

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
