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

    /// Maps a header row; `None` when it lacks 身份证号, 费款所属期 or any amount column.
    pub(crate) fn layout<S: AsRef<str>>(&self, headers: &[S]) -> Option<Layout> {
        let mut layout = Layout {
            headers: headers
                .iter()
                .map(|h| h.as_ref().trim().to_string())
                .collect(),
            ..Layout::default()
        };
        let mut person = None;
        let mut month = None;
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
                None => continue,
            };
            // The first column with a given meaning wins.
            if slot.is_none() {
                *slot = Some(i);
            }
        }
        layout.person = person?;
        layout.month = month?;
        if layout.amount.is_none()
            && layout.employer_part.is_none()
            && layout.employee_part.is_none()
        {
            return None;
        }
        Some(layout)
    }
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
}

impl Layout {
    pub(crate) fn header(&self, index: usize) -> &str {
        self.headers.get(index).map(String::as_str).unwrap_or("")
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
        assert!(schema.layout(&["身份证号", "费款所属期"]).is_none());
    }
}
