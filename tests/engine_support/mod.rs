//! Shared helpers for the engine tests: IDs, events, ledger entries, contexts.
#![allow(dead_code)]

use chrono::NaiveDate;
use medrecon::engine::{EngineContext, PersonInput, evaluate};
use medrecon::model::{
    Code, Event, EventKind, LedgerEntry, Month, PersonId, PersonResult, RegionId, RegionLookup,
    SourceRef, UiSpan,
};
use medrecon::policy::PolicySet;
use rust_decimal::Decimal;
use std::str::FromStr;

pub fn pid(n: u32) -> PersonId {
    let s = format!("11010519900101{:03}", n % 1000);
    let b: [u8; 17] = s.as_bytes().try_into().unwrap();
    PersonId::from_first17(&b).unwrap()
}
pub fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}
pub fn m(s: &str) -> Month {
    Month::parse(s).unwrap()
}
pub fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

/// The SPEC §5 test pack (code `beijing`: it replaces the shipped pack).
pub const SPEC_BEIJING: &str = include_str!("../fixtures/policies/spec_beijing.toml");

/// Shipped packs, the SPEC §5 pack in place of the shipped `beijing`, plus a
/// hand-made `testcity` pack (floor 5000, cap 25000,
/// employer 8% + employee 2%, flexible 10%, no fixed add-on) whose rule switches
/// are set per test.
pub fn policies_with(testcity_extra: &str) -> PolicySet {
    let mut texts: Vec<(String, String)> = medrecon::policy::SHIPPED_PACKS
        .iter()
        .map(|(f, t)| (f.to_string(), t.to_string()))
        .collect();
    texts.push(("spec_beijing.toml".into(), SPEC_BEIJING.to_string()));
    texts.push((
        "testcity.toml".into(),
        format!(
            r#"
code = "testcity"
name = "测试市"
division = "990000"
[[versions]]
from = "2024-01"
source = "hand-made test pack"
floor = "5000"
cap = "25000"
{testcity_extra}
"#
        ),
    ));
    PolicySet::from_texts(&texts).unwrap()
}
pub fn policies() -> PolicySet {
    policies_with("")
}

pub fn region(set: &PolicySet, code: &str) -> RegionId {
    set.lookup(code).unwrap()
}

/// An event; `row` is its source row (input 0, sheet 0).
pub fn ev(
    kind: EventKind,
    employer: &str,
    day: &str,
    region: RegionId,
    wage: Option<&str>,
    row: u32,
) -> Event {
    Event {
        person_id: pid(1),
        name: Some("张三".into()),
        employer_id: Code::new(employer),
        kind,
        date: date(day),
        region,
        wage: wage.map(d),
        retirement: false,
        tier: 0,
        filed_date: None,
        deemed_months: 0,
        basis: Default::default(),
        source: SourceRef {
            input: 0,
            sheet: 0,
            row,
        },
    }
}
pub fn hire(employer: &str, day: &str, region: RegionId, wage: &str, row: u32) -> Event {
    ev(EventKind::Hire, employer, day, region, Some(wage), row)
}
pub fn sep(employer: &str, day: &str, region: RegionId, row: u32) -> Event {
    ev(EventKind::Separation, employer, day, region, None, row)
}

pub fn paid(employer: &str, month: &str, amount: &str, paid_date: Option<&str>) -> LedgerEntry {
    LedgerEntry {
        person_id: pid(1),
        employer_id: Code::new(employer),
        month: m(month),
        paid: d(amount),
        paid_date: paid_date.map(date),
        rows: 1,
        insurance: Default::default(),
        kind: Default::default(),
    }
}

pub fn ctx<'a>(set: &'a PolicySet, as_of: &str, first: &str, ledger: bool) -> EngineContext<'a> {
    EngineContext {
        policies: set,
        as_of: date(as_of),
        batch_first_month: m(first),
        carry_forward: false,
        has_ledger: ledger,
        ledger_from: None,
        default_tier: 0,
    }
}

pub fn run(
    set: &PolicySet,
    as_of: &str,
    events: &[Event],
    ui: &[UiSpan],
    ledger: &[LedgerEntry],
) -> PersonResult {
    let first = events
        .iter()
        .map(|e| Month::of(e.date))
        .min()
        .unwrap_or(m("2024-01"));
    let c = ctx(set, as_of, &first.to_string(), !ledger.is_empty());
    evaluate(
        &PersonInput {
            person_id: pid(1),
            events,
            ui,
            ledger,
        },
        &c,
    )
}
