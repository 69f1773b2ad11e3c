//! Policy packs (`schemas/policies/*.toml`): one per region (统筹区). A pack has
//! two separately versioned parts, each value citing its source and grade:
//! **rules** (what a timeline needs: cut-off days, gap limits, deadlines, late-fee
//! rate, lifetime and resident-switch thresholds), which may reach back to the
//! scheme's start (国发〔1998〕44号, 1998-12), and **money** (bases, rates, the
//! fixed add-on, the flexible premium), versioned only where sources give figures.
//! A month no money version gives a figure for is *unpriced*: the engine leaves
//! that figure blank and says why, it never sets the person aside.
//!
//! # Pack format
//!
//! ```toml
//! code = "beijing"              # the pack's code, also a lookup key
//! name = "北京市"                # Chinese name; lookup also accepts it without 市
//! aliases = ["北京"]             # more lookup keys (optional)
//! division = "110000"           # administrative division code (optional)
//!
//! [[rules]]                     # in force from `from`; later tables inherit
//! from = "1998-12"
//! source = "default source"     # optional, for values without their own
//! grade = "official"            # optional default grade
//! short_gap_max_months = { value = 3, source = "…", grade = "secondary" }
//!
//! [[money]]
//! from = "2024-07"
//! to = "2025-06"                # optional; a `to` before the next `from` leaves
//!                               # a hole (unpriced months)
//! floor = { value = "6821", source = "京人社发〔2024〕12号", grade = "official" }
//! cap = { value = "35283", source = "…", grade = "official" }
//! flexible_formula = { avg_wage = "11297", share = "0.7", base_round_dp = 0, rate = "0.07", source = "…", grade = "…" }
//!
//! [[waivers]]                   # dated late-fee waivers
//! name = "…"
//! from = "2025-07"
//! to = "2025-12"
//! paid_by = "2025-12-31"
//! applies_to = "base_difference" # or "all" (the default): the part of the due
//! source = "…"
//! grade = "secondary"
//! ```
//!
//! Rules keys: `separation_month_paid`, `hire_cutoff_day` (a day or `"none"`),
//! `short_gap_max_months`, `long_gap_wait_months`, `stop_filing_days`,
//! `hire_filing_days`, `filing_days_kind` (`calendar` / `working`),
//! `roll_deadline_to_working_day`, `late_fee_daily`, `late_fee_cap_at_principal`,
//! `lifetime_months_male`, `lifetime_months_female`, `lifetime_months_actual`,
//! `resident_switch_continuous_months`, `resident_switch_gap_months`,
//! `resident_wait_days_short`, `resident_wait_days_long`, `resident_wait_days_new`.
//! The first `[[rules]]` inherits the SPEC §2.4 national defaults; a month before
//! a pack's first rules table takes that first table's rules.
//!
//! Money keys: `floor`, `cap`, `avg_wage` (floor/cap become 60% / 300% of it,
//! half-up to the fen, unless given), `employer_rate`, `employee_rate`,
//! `fixed_monthly`, and one flexible (个人身份) premium: `flexible_rate` (a rate on
//! the base, plus `fixed_monthly`), `flexible_monthly` (a fixed sum a month), or
//! `flexible_formula` (`round(round(avg_wage × share, base_round_dp) × rate, 2)`).
//! Rates and the fixed add-on inherit from the money table before; base-year
//! figures (`floor`, `cap`, `avg_wage`, `flexible_monthly`, `flexible_formula`)
//! do not. A pack that never names a flexible premium backs pay at
//! `employer_rate + employee_rate`. `default_tier` and `[money.tiers."名"]` tables
//! (any money key, plus `base_on = "avg_wage"`) define tiers (Shenzhen 一档/二档).
//!
//! The older form `[[versions]]` (rules and money in one table, everything
//! inherited) is still read.
//!
//! Grades: `official` (the notice, or a reprint naming it), `secondary` (a third
//! party's summary), `provisional` (a figure carried until the notice). A value
//! without a grade is `ungraded`. Money and rates are `Decimal`: write them as
//! strings (`"0.098"`) or integers; a TOML float is taken through its shortest
//! round-trip text, never through binary arithmetic.
//!
//! Shipped packs are embedded in the binary (`include_str!`); `--policy FILE` adds a
//! pack, or replaces a shipped pack with the same `code`.

pub mod divisions;
pub mod usage;

use crate::model::{Month, PolicyManifestEntry, RegionId, RegionLookup};
use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::str::FromStr;

#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("policy pack {file}: {message}")]
    Pack { file: String, message: String },
}

/// The packs shipped with medrecon: (file name, text).
pub const SHIPPED_PACKS: &[(&str, &str)] = &[
    (
        "national.toml",
        include_str!("../../schemas/policies/national.toml"),
    ),
    (
        "beijing.toml",
        include_str!("../../schemas/policies/beijing.toml"),
    ),
    (
        "shanghai.toml",
        include_str!("../../schemas/policies/shanghai.toml"),
    ),
    (
        "guangzhou.toml",
        include_str!("../../schemas/policies/guangzhou.toml"),
    ),
    (
        "shenzhen.toml",
        include_str!("../../schemas/policies/shenzhen.toml"),
    ),
    (
        "chengdu.toml",
        include_str!("../../schemas/policies/chengdu.toml"),
    ),
    (
        "chongqing.toml",
        include_str!("../../schemas/policies/chongqing.toml"),
    ),
    (
        "tianjin.toml",
        include_str!("../../schemas/policies/tianjin.toml"),
    ),
    (
        "hangzhou.toml",
        include_str!("../../schemas/policies/hangzhou.toml"),
    ),
];

/// How trustworthy a value's source is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Grade {
    /// The notice itself, or a reprint that names its document number.
    Official,
    /// A third party's summary.
    Secondary,
    /// A previous figure carried until the new notice (a 补差 follows).
    Provisional,
    /// No grade given (user packs, tests).
    Ungraded,
}

impl Grade {
    pub fn as_str(self) -> &'static str {
        match self {
            Grade::Official => "official",
            Grade::Secondary => "secondary",
            Grade::Provisional => "provisional",
            Grade::Ungraded => "ungraded",
        }
    }
    fn parse(s: &str) -> Option<Grade> {
        match s.trim() {
            "official" => Some(Grade::Official),
            "secondary" => Some(Grade::Secondary),
            "provisional" => Some(Grade::Provisional),
            _ => None,
        }
    }
}

impl std::fmt::Display for Grade {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sourced {
    pub source: String,
    pub grade: Grade,
}

/// One parameter as shown by `policy show` / `policy check`: (name, value text,
/// source and grade), in a fixed order.
pub type ParamRecord = (&'static str, String, Sourced);

/// How a filing deadline counts its days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DaysKind {
    Calendar,
    /// Working days: weekends and public holidays skipped, make-up days counted.
    Working,
}

/// The rules in force for one region over a run of months.
#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    pub region: RegionId,
    pub from: Month,
    /// Last month in force; `None` = until further notice.
    pub to: Option<Month>,
    /// The employer pays the month of separation (减员当月缴费).
    pub separation_month_paid: bool,
    /// Hired after this day of the month: coverage starts the next month.
    pub hire_cutoff_day: Option<u32>,
    /// A gap up to this many months may be back-paid (补缴).
    pub short_gap_max_months: u32,
    /// Waiting period after a longer gap (等待期).
    pub long_gap_wait_months: u32,
    /// Days after separation to file the stop (减员申报期限).
    pub stop_filing_days: u32,
    /// Days after hire for the new employer to register (增员/参保登记期限).
    pub hire_filing_days: u32,
    /// Whether the filing days above are calendar or working days.
    pub filing_days_kind: DaysKind,
    /// A calendar-day deadline falling on a day off moves to the next working day
    /// (民法典 第二百零三条).
    pub roll_deadline_to_working_day: bool,
    /// Late fee per day on arrears (滞纳金, 万分之五 = 0.0005).
    pub late_fee_daily: Decimal,
    /// The late fee never exceeds the arrears it is charged on.
    pub late_fee_cap_at_principal: bool,
    /// Which ledger insurances make up the month's due (`Insurance::bit`s):
    /// `basic_medical + maternity`, plus `large_sum_medical` where the pack's
    /// `fixed_monthly` is the 大额 part (Beijing).
    pub due_insurance: u8,
    /// 终身医保待遇: cumulative months needed, men / women, and actual months among them.
    pub lifetime_months_male: u32,
    pub lifetime_months_female: u32,
    pub lifetime_months_actual: u32,
    /// Switching to 居民医保: continuous months and gap limit for no wait.
    pub resident_switch_continuous_months: u32,
    pub resident_switch_gap_months: u32,
    /// Waits in days: enough continuity and a short gap / a longer gap / too little continuity.
    pub resident_wait_days_short: u32,
    pub resident_wait_days_long: u32,
    pub resident_wait_days_new: u32,
    pub values: Vec<ParamRecord>,
}

impl Rules {
    pub fn covers(&self, month: Month) -> bool {
        month >= self.from && self.to.is_none_or(|to| month <= to)
    }
}

/// The flexible (个人身份 / 灵活就业) premium that prices back-pay.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Flexible {
    /// `round_half_up(base × rate, 2) + fixed_monthly`.
    Rate(Decimal),
    /// A fixed sum a month.
    Monthly(Decimal),
    /// `round(round(avg_wage × share, base_round_dp) × rate, 2)` a month.
    Formula {
        avg_wage: Decimal,
        share: Decimal,
        base_round_dp: u32,
        rate: Decimal,
    },
}

impl Flexible {
    fn describe(&self) -> String {
        match self {
            Flexible::Rate(r) => format!("rate {r}"),
            Flexible::Monthly(m) => format!("{m} a month"),
            Flexible::Formula {
                avg_wage,
                share,
                base_round_dp,
                rate,
            } => format!(
                "round(round({avg_wage} × {share}, {base_round_dp}) × {rate}, 2) = {}",
                formula_amount(*avg_wage, *share, *base_round_dp, *rate)
            ),
        }
    }
}

fn half_up(d: Decimal, dp: u32) -> Decimal {
    d.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero)
}

fn formula_amount(avg_wage: Decimal, share: Decimal, dp: u32, rate: Decimal) -> Decimal {
    half_up(half_up(avg_wage * share, dp) * rate, 2)
}

/// What a money figure needs and no version gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Missing {
    /// No money version covers the month at all.
    Version,
    /// The base (floor and cap, or the tier's average wage).
    Base,
    /// The employer or employee rate.
    Rate,
    /// The flexible premium.
    Flexible,
}

/// The money values of one version or tier; `None` = no source gives it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MoneyParams {
    /// 缴费基数下限 / 上限 (元/month).
    pub floor: Option<Decimal>,
    pub cap: Option<Decimal>,
    /// 社会平均工资 (元/month).
    pub avg_wage: Option<Decimal>,
    /// 单位 / 个人缴费比例.
    pub employer_rate: Option<Decimal>,
    pub employee_rate: Option<Decimal>,
    /// Fixed add-on per month (北京 大额互助 3 元).
    pub fixed_monthly: Decimal,
    pub flexible: Option<Flexible>,
    /// The base is `avg_wage` (a tier on the city average), not `clamp(wage)`.
    pub base_on_avg_wage: bool,
    pub values: Vec<ParamRecord>,
}

impl MoneyParams {
    /// `clamp(wage, floor, cap)` (no wage: the floor), or `avg_wage` for a tier
    /// based on it.
    pub fn base(&self, wage: Option<Decimal>) -> Result<Decimal, Missing> {
        if self.base_on_avg_wage {
            return self.avg_wage.ok_or(Missing::Base);
        }
        let (Some(floor), Some(cap)) = (self.floor, self.cap) else {
            return Err(Missing::Base);
        };
        Ok(match wage {
            None => floor,
            Some(w) => w.max(floor).min(cap),
        })
    }
    /// Employer + employee rate (the rate of a month due, SPEC rule 9).
    pub fn total_rate(&self) -> Result<Decimal, Missing> {
        match (self.employer_rate, self.employee_rate) {
            (Some(a), Some(b)) => Ok(a + b),
            _ => Err(Missing::Rate),
        }
    }
    /// One month due from the employer (应缴):
    /// `round_half_up(base × (employer_rate + employee_rate), 2) + fixed_monthly`.
    pub fn due(&self, wage: Option<Decimal>) -> Result<Decimal, Missing> {
        let base = self.base(wage)?;
        Ok(half_up(base * self.total_rate()?, 2) + self.fixed_monthly)
    }
    /// One month of back-pay (补缴) at the flexible premium.
    pub fn catch_up(&self, wage: Option<Decimal>) -> Result<Decimal, Missing> {
        match self.flexible.ok_or(Missing::Flexible)? {
            Flexible::Rate(rate) => Ok(half_up(self.base(wage)? * rate, 2) + self.fixed_monthly),
            Flexible::Monthly(m) => Ok(m),
            Flexible::Formula {
                avg_wage,
                share,
                base_round_dp,
                rate,
            } => Ok(formula_amount(avg_wage, share, base_round_dp, rate)),
        }
    }
    /// The lowest grade among the values a figure of `kind` uses.
    pub fn grade_of(&self, params: &[&str]) -> Grade {
        self.values
            .iter()
            .filter(|(p, _, _)| params.contains(p))
            .map(|(_, _, s)| s.grade)
            .max()
            .unwrap_or(Grade::Official)
    }
}

/// The money values of one region over a run of months.
#[derive(Debug, Clone, PartialEq)]
pub struct Money {
    pub region: RegionId,
    pub from: Month,
    pub to: Option<Month>,
    pub params: MoneyParams,
    /// Named tiers (医疗缴费档次), each a full set of values.
    pub tiers: Vec<(String, MoneyParams)>,
    /// The tier used when a row names none.
    pub default_tier: Option<String>,
}

impl Money {
    pub fn covers(&self, month: Month) -> bool {
        month >= self.from && self.to.is_none_or(|to| month <= to)
    }
    /// The values of `tier` (or the default tier; the version's own values when it
    /// has no tiers or the name is not one of them).
    pub fn tier(&self, tier: Option<&str>) -> (&MoneyParams, Option<&str>) {
        let want = tier.or(self.default_tier.as_deref());
        if let Some(name) = want
            && let Some((n, p)) = self.tiers.iter().find(|(n, _)| n == name)
        {
            return (p, Some(n.as_str()));
        }
        (&self.params, None)
    }
}

/// A dated late-fee waiver: arrears of months `from..=to` paid by `paid_by` carry
/// no late fee.
#[derive(Debug, Clone, PartialEq)]
pub struct Waiver {
    pub name: String,
    /// The name as report rows carry it.
    pub label: crate::model::Code,
    pub from: Month,
    pub to: Month,
    pub paid_by: NaiveDate,
    /// What part of a month's due the waiver covers.
    pub applies_to: WaiverScope,
    pub source: Sourced,
}

/// What part of a month's due a waiver takes the late fee off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaiverScope {
    /// The whole due.
    All,
    /// The difference the new base year's base makes (补差): the due minus the
    /// due under the money in force the month before the version began.
    BaseDifference,
}

/// One region's pack.
#[derive(Debug, Clone)]
pub struct PolicyPack {
    pub code: String,
    pub name: String,
    pub aliases: Vec<String>,
    pub division: Option<String>,
    /// Where it came from: the shipped file name, or the user's path.
    pub file: String,
    /// sha256 of the pack's text, hex.
    pub sha256: String,
    /// Sorted by `from`, non-overlapping, never empty.
    pub rules: Vec<Rules>,
    /// Sorted by `from`, non-overlapping; may have holes; may be empty.
    pub money: Vec<Money>,
    pub waivers: Vec<Waiver>,
}

impl PolicyPack {
    /// The version (and tier) of money values in force, if any.
    fn money_at(&self, month: Month) -> Option<&Money> {
        self.money
            .iter()
            .rev()
            .find(|v| v.from <= month)
            .filter(|v| v.covers(month))
    }
}

/// The money values in force for a month.
#[derive(Debug, Clone, Copy)]
pub struct Priced<'a> {
    pub money: &'a Money,
    pub params: &'a MoneyParams,
    /// The tier whose values these are, when the version has tiers.
    pub tier: Option<&'a str>,
    /// The month is after the pack's last version and `--carry-forward` carried it.
    pub carried: bool,
}

/// All packs of a run: the shipped ones plus `--policy FILE`s.
#[derive(Debug, Default)]
pub struct PolicySet {
    packs: Vec<PolicyPack>,
    national: usize,
    /// Normalized lookup key → pack index.
    keys: HashMap<String, u16>,
    /// Each pack's code, shared by every report row that names it.
    codes: Vec<crate::model::Code>,
    /// Every tier name any pack defines; an event's tier is its index + 1.
    tiers: Vec<String>,
}

impl PolicySet {
    /// Loads the shipped packs (embedded in the binary) and the user's extra packs.
    pub fn load(extra: &[PathBuf]) -> Result<PolicySet, PolicyError> {
        let mut texts: Vec<(String, String)> = SHIPPED_PACKS
            .iter()
            .map(|(f, t)| (f.to_string(), t.to_string()))
            .collect();
        for path in extra {
            let file = path.display().to_string();
            let text = read_pack_file(path).map_err(|message| PolicyError::Pack {
                file: file.clone(),
                message,
            })?;
            texts.push((file, text));
        }
        PolicySet::from_texts(&texts)
    }

    /// Builds a set from (file name, TOML text) pairs; a later pack with the same
    /// code replaces an earlier one. A `national` pack is required.
    pub fn from_texts(texts: &[(String, String)]) -> Result<PolicySet, PolicyError> {
        let mut packs: Vec<PolicyPack> = Vec::new();
        for (file, text) in texts {
            let index = packs.len();
            let pack = parse_pack(file, text, RegionId(index as u16))?;
            if let Some(existing) = packs.iter().position(|p| p.code == pack.code) {
                packs[existing] = with_region(pack, RegionId(existing as u16));
            } else {
                if packs.len() >= u16::MAX as usize {
                    return Err(PolicyError::Pack {
                        file: file.clone(),
                        message: "too many packs".into(),
                    });
                }
                packs.push(pack);
            }
        }
        let national = packs
            .iter()
            .position(|p| p.code == "national")
            .ok_or_else(|| PolicyError::Pack {
                file: "(all packs)".into(),
                message: "no pack with code = \"national\"".into(),
            })?;
        let mut keys = HashMap::new();
        for (i, p) in packs.iter().enumerate() {
            let id = i as u16;
            let mut add = |k: &str| {
                let k = normalize_region(k);
                if !k.is_empty() {
                    keys.insert(k, id);
                }
            };
            add(&p.code);
            add(&p.name);
            for a in &p.aliases {
                add(a);
            }
            if let Some(d) = &p.division {
                add(d);
            }
        }
        let codes = packs
            .iter()
            .map(|p| crate::model::Code::new(&p.code))
            .collect();
        let mut tiers: Vec<String> = packs
            .iter()
            .flat_map(|p| p.money.iter())
            .flat_map(|v| v.tiers.iter().map(|(n, _)| n.clone()))
            .collect();
        tiers.sort();
        tiers.dedup();
        if tiers.len() >= u8::MAX as usize {
            return Err(PolicyError::Pack {
                file: "(all packs)".into(),
                message: "more than 254 tier names".into(),
            });
        }
        Ok(PolicySet {
            packs,
            national,
            keys,
            codes,
            tiers,
        })
    }

    /// The name of tier number `tier` (1-based; 0 and unknown numbers: none).
    pub fn tier_name(&self, tier: u8) -> Option<&str> {
        (tier as usize)
            .checked_sub(1)
            .and_then(|i| self.tiers.get(i))
            .map(String::as_str)
    }

    /// The region whose pack code is `code` (report rows carry the shared code).
    pub fn region_of_code(&self, code: crate::model::Code) -> Option<RegionId> {
        self.codes
            .iter()
            .position(|c| c.addr() == code.addr())
            .map(|i| RegionId(i as u16))
    }

    pub fn national(&self) -> RegionId {
        RegionId(self.national as u16)
    }
    pub fn code(&self, region: RegionId) -> &str {
        self.packs
            .get(region.0 as usize)
            .map_or("national", |p| p.code.as_str())
    }
    /// [`code`](Self::code) as a [`Code`](crate::model::Code) (no allocation per use).
    pub fn code_shared(&self, region: RegionId) -> crate::model::Code {
        self.codes
            .get(region.0 as usize)
            .copied()
            .unwrap_or_else(|| crate::model::Code::new("national"))
    }
    pub fn pack(&self, region: RegionId) -> Option<&PolicyPack> {
        self.packs.get(region.0 as usize)
    }
    pub fn packs(&self) -> &[PolicyPack] {
        &self.packs
    }
    fn pack_or_national(&self, region: RegionId) -> &PolicyPack {
        self.packs
            .get(region.0 as usize)
            .unwrap_or(&self.packs[self.national])
    }
    pub fn manifest_entries(&self) -> Vec<PolicyManifestEntry> {
        self.packs
            .iter()
            .map(|p| PolicyManifestEntry {
                region: p.code.clone(),
                file: p.file.clone(),
                sha256: p.sha256.clone(),
                versions: p.money.iter().map(|v| span(v.from, v.to)).collect(),
                rules: p.rules.iter().map(|v| span(v.from, v.to)).collect(),
            })
            .collect()
    }

    /// The rules in force in `region` for `month`. Never fails: a month before the
    /// pack's first rules table takes that table (packs' rules reach back to the
    /// scheme's start, 1998-12), and a month after an explicit end takes the last.
    pub fn rules(&self, region: RegionId, month: Month) -> &Rules {
        let pack = self.pack_or_national(region);
        pack.rules
            .iter()
            .rev()
            .find(|r| r.from <= month)
            .unwrap_or(&pack.rules[0])
    }

    /// The money values in force in `region` for `month` (and `tier`), or `None`
    /// when no version gives them (the month is unpriced). With `carry_forward`, a
    /// month after the last version's end uses the last version (`carried`); a
    /// month before the first version, or in a hole between versions, is never
    /// carried.
    pub fn money(
        &self,
        region: RegionId,
        month: Month,
        tier: Option<&str>,
        carry_forward: bool,
    ) -> Option<Priced<'_>> {
        let pack = self.pack_or_national(region);
        let (money, carried) = match pack.money_at(month) {
            Some(m) => (m, false),
            None => {
                let last = pack.money.last()?;
                if carry_forward && last.to.is_some_and(|to| month > to) {
                    (last, true)
                } else {
                    return None;
                }
            }
        };
        let (params, tier) = money.tier(tier);
        Some(Priced {
            money,
            params,
            tier,
            carried,
        })
    }

    /// The waiver of `region` covering `month`, if any.
    pub fn waiver(&self, region: RegionId, month: Month) -> Option<&Waiver> {
        self.pack_or_national(region)
            .waivers
            .iter()
            .find(|w| w.from <= month && month <= w.to)
    }

    /// With `--carry-forward`, the warnings a run through `through` (its as-of
    /// month) must print: one per pack whose last money version ends before that
    /// month. Without carry-forward such months are unpriced instead.
    pub fn carry_forward_warnings(&self, through: Month) -> Vec<String> {
        self.packs
            .iter()
            .filter_map(|p| {
                let last = p.money.last()?;
                let to = last.to?;
                (to < through).then(|| {
                    format!(
                        "policy {}: no money version covers {}..{}; the version from {} (ending {}) is carried forward",
                        p.code,
                        to.next(),
                        through,
                        last.from,
                        to
                    )
                })
            })
            .collect()
    }

    /// `medrecon policy list`: one line per pack.
    pub fn render_list(&self) -> String {
        let mut out = String::new();
        for p in &self.packs {
            let versions: Vec<String> = p.money.iter().map(|v| span(v.from, v.to)).collect();
            let rules_from = p
                .rules
                .first()
                .map_or(String::new(), |r| r.from.to_string());
            let _ = writeln!(
                out,
                "{:<10} {:<8} division {:<7} aliases {:<28} rules from {}  versions {}  ({})",
                p.code,
                p.name,
                p.division.as_deref().unwrap_or("-"),
                p.aliases.join(","),
                rules_from,
                if versions.is_empty() {
                    "none".to_string()
                } else {
                    versions.join(", ")
                },
                p.file
            );
        }
        out
    }

    /// `medrecon policy show REGION`: every rules and money version with every
    /// value, its grade and its source.
    pub fn render_show(&self, region: RegionId) -> String {
        let mut out = String::new();
        let Some(p) = self.pack(region) else {
            return out;
        };
        let _ = writeln!(
            out,
            "{} ({}) division {} — {} sha256 {}",
            p.code,
            p.name,
            p.division.as_deref().unwrap_or("-"),
            p.file,
            p.sha256
        );
        let line = |out: &mut String, (param, value, src): &ParamRecord| {
            let _ = writeln!(
                out,
                "  {param:<34} {value:<10} {:<11} {}",
                src.grade.as_str(),
                src.source
            );
        };
        for r in &p.rules {
            let _ = writeln!(out, "\nrules {}", span(r.from, r.to));
            for rec in &r.values {
                line(&mut out, rec);
            }
        }
        for v in &p.money {
            let _ = writeln!(out, "\nversion {}", span(v.from, v.to));
            for rec in &v.params.values {
                line(&mut out, rec);
            }
            for (name, t) in &v.tiers {
                let default = if v.default_tier.as_deref() == Some(name) {
                    " (default)"
                } else {
                    ""
                };
                let _ = writeln!(out, "  tier {name}{default}");
                for rec in &t.values {
                    line(&mut out, rec);
                }
            }
        }
        for w in &p.waivers {
            let _ = writeln!(
                out,
                "\nwaiver {}..{} paid by {}: {}\n  {:<34} {:<10} {:<11} {}",
                w.from,
                w.to,
                w.paid_by,
                w.name,
                "late_fee",
                "0",
                w.source.grade.as_str(),
                w.source.source
            );
        }
        out
    }

    /// `medrecon policy check`: every value below `official`, one line each.
    pub fn below_official(&self) -> Vec<String> {
        let mut out = Vec::new();
        for p in &self.packs {
            let mut push = |what: String, (param, value, src): &ParamRecord| {
                if src.grade != Grade::Official {
                    out.push(format!(
                        "{} {what} {param} = {value}: {} — {}",
                        p.code, src.grade, src.source
                    ));
                }
            };
            for r in &p.rules {
                for rec in &r.values {
                    push(format!("rules {}", span(r.from, r.to)), rec);
                }
            }
            for v in &p.money {
                for rec in &v.params.values {
                    push(format!("money {}", span(v.from, v.to)), rec);
                }
                for (name, t) in &v.tiers {
                    for rec in &t.values {
                        push(format!("money {} tier {name}", span(v.from, v.to)), rec);
                    }
                }
            }
            for w in &p.waivers {
                let rec = ("waiver", w.name.clone(), w.source.clone());
                push(format!("waiver {}..{}", w.from, w.to), &rec);
            }
        }
        out
    }
}

fn with_region(mut pack: PolicyPack, region: RegionId) -> PolicyPack {
    for r in &mut pack.rules {
        r.region = region;
    }
    for v in &mut pack.money {
        v.region = region;
    }
    pack
}

/// Largest policy pack file read (packs are a few KiB; a bound keeps `/dev/zero`
/// or a wrong path from being read until memory runs out).
pub const MAX_PACK_BYTES: u64 = 4 << 20;

fn read_pack_file(path: &std::path::Path) -> Result<String, String> {
    use std::io::Read as _;
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read: {e}"))?;
    if !meta.is_file() {
        return Err("not a regular file (a pack must be a TOML file)".into());
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_PACK_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| format!("cannot read: {e}"))?;
    if bytes.len() as u64 > MAX_PACK_BYTES {
        return Err(format!(
            "larger than {} MiB: not a policy pack",
            MAX_PACK_BYTES >> 20
        ));
    }
    String::from_utf8(bytes).map_err(|_| "not UTF-8 text".into())
}

fn span(from: Month, to: Option<Month>) -> String {
    match to {
        Some(to) => format!("{from}..{to}"),
        None => format!("{from}.."),
    }
}

/// Lookup key: trimmed (also full-width spaces), lower-case, a trailing 市 removed.
pub fn normalize_region(raw: &str) -> String {
    let s = raw.trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}');
    let s = s.strip_suffix('市').unwrap_or(s);
    s.to_lowercase()
}

impl RegionLookup for PolicySet {
    /// A pack's code, name, alias or division code; else a district or county
    /// below a pack's city, by its GB/T 2260 code (`110105` → `110000`) or its
    /// full name (`北京市朝阳区`), through [`divisions::candidates`].
    fn lookup(&self, raw: &str) -> Option<RegionId> {
        if let Some(&i) = self.keys.get(&normalize_region(raw)) {
            return Some(RegionId(i));
        }
        divisions::candidates(raw)
            .iter()
            .find_map(|k| self.keys.get(&normalize_region(k)))
            .map(|&i| RegionId(i))
    }
    fn tier(&self, raw: &str) -> Option<u8> {
        let raw = raw.trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}');
        self.tiers
            .iter()
            .position(|t| t == raw)
            .map(|i| i as u8 + 1)
    }
}

// ---------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq)]
enum Ty {
    /// A non-negative decimal.
    Dec,
    /// A rate: a decimal in 0..=1.
    Rate,
    Bool,
    /// A whole number 0..=10000.
    Int,
    /// A day of the month 1..=31, or "none".
    Day,
    /// `calendar` or `working`.
    DaysKind,
    /// Ledger insurances joined by `+`: `basic_medical + maternity`.
    Insurances,
}

const RULE_PARAMS: &[(&str, Ty)] = &[
    ("separation_month_paid", Ty::Bool),
    ("hire_cutoff_day", Ty::Day),
    ("short_gap_max_months", Ty::Int),
    ("long_gap_wait_months", Ty::Int),
    ("stop_filing_days", Ty::Int),
    ("hire_filing_days", Ty::Int),
    ("filing_days_kind", Ty::DaysKind),
    ("roll_deadline_to_working_day", Ty::Bool),
    ("late_fee_daily", Ty::Rate),
    ("late_fee_cap_at_principal", Ty::Bool),
    ("due_insurance", Ty::Insurances),
    ("lifetime_months_male", Ty::Int),
    ("lifetime_months_female", Ty::Int),
    ("lifetime_months_actual", Ty::Int),
    ("resident_switch_continuous_months", Ty::Int),
    ("resident_switch_gap_months", Ty::Int),
    ("resident_wait_days_short", Ty::Int),
    ("resident_wait_days_long", Ty::Int),
    ("resident_wait_days_new", Ty::Int),
];

/// Money keys in display order; `flexible_formula` is a table of its own.
const MONEY_PARAMS: &[(&str, Ty)] = &[
    ("floor", Ty::Dec),
    ("cap", Ty::Dec),
    ("avg_wage", Ty::Dec),
    ("employer_rate", Ty::Rate),
    ("employee_rate", Ty::Rate),
    ("fixed_monthly", Ty::Dec),
    ("flexible_rate", Ty::Rate),
    ("flexible_monthly", Ty::Dec),
];
/// Money keys a later `[[money]]` table inherits.
const INHERITED_MONEY: &[&str] = &[
    "employer_rate",
    "employee_rate",
    "fixed_monthly",
    "flexible_rate",
];
/// Keys of a `[[money]]` table (and a tier) besides the parameters.
const FLEXIBLE_KEYS: &[&str] = &["flexible_rate", "flexible_monthly", "flexible_formula"];

#[derive(Clone, Debug, PartialEq)]
enum Raw {
    Dec(Decimal),
    Bool(bool),
    Int(u32),
    Kind(DaysKind),
    /// A set of `Insurance::bit`s.
    Insurances(u8),
    /// `hire_cutoff_day = "none"`: explicitly no cut-off.
    None,
    Formula {
        avg_wage: Decimal,
        share: Decimal,
        base_round_dp: u32,
        rate: Decimal,
    },
    /// `"unknown"`: no source gives the figure (and nothing may stand in for it).
    Unknown,
}

impl Raw {
    fn text(&self) -> String {
        match self {
            Raw::Unknown => "unknown".into(),
            Raw::Dec(d) => d.to_string(),
            Raw::Bool(b) => b.to_string(),
            Raw::Int(n) => n.to_string(),
            Raw::Kind(DaysKind::Calendar) => "calendar".into(),
            Raw::Kind(DaysKind::Working) => "working".into(),
            Raw::Insurances(bits) => crate::model::Insurance::ALL
                .iter()
                .filter(|i| bits & i.bit() != 0)
                .map(|i| i.key())
                .collect::<Vec<_>>()
                .join(" + "),
            Raw::None => "none".into(),
            Raw::Formula {
                avg_wage,
                share,
                base_round_dp,
                rate,
            } => Flexible::Formula {
                avg_wage: *avg_wage,
                share: *share,
                base_round_dp: *base_round_dp,
                rate: *rate,
            }
            .describe(),
        }
    }
}

/// Values in force while reading tables in order, with their sources.
type State = HashMap<&'static str, (Raw, Sourced)>;

fn pack_err(file: &str, message: String) -> PolicyError {
    PolicyError::Pack {
        file: file.to_string(),
        message,
    }
}

fn national_rule_defaults() -> State {
    let src = Sourced {
        source: "docs/en/policy-packs.md §2.4 national default (medrecon's default, not a notice)"
            .to_string(),
        grade: Grade::Secondary,
    };
    let mut s = State::new();
    let d = |v: &str| Raw::Dec(Decimal::from_str(v).unwrap_or_default());
    let mut put = |k: &'static str, v: Raw| {
        s.insert(k, (v, src.clone()));
    };
    put("separation_month_paid", Raw::Bool(true));
    put("hire_cutoff_day", Raw::None);
    put("short_gap_max_months", Raw::Int(3));
    put("long_gap_wait_months", Raw::Int(6));
    put("stop_filing_days", Raw::Int(15));
    put("hire_filing_days", Raw::Int(30));
    put("filing_days_kind", Raw::Kind(DaysKind::Calendar));
    put("roll_deadline_to_working_day", Raw::Bool(false));
    put("late_fee_daily", d("0.0005"));
    put("late_fee_cap_at_principal", Raw::Bool(false));
    put(
        "due_insurance",
        Raw::Insurances(
            crate::model::Insurance::BasicMedical.bit() | crate::model::Insurance::Maternity.bit(),
        ),
    );
    put("lifetime_months_male", Raw::Int(360));
    put("lifetime_months_female", Raw::Int(300));
    put("lifetime_months_actual", Raw::Int(120));
    put("resident_switch_continuous_months", Raw::Int(24));
    put("resident_switch_gap_months", Raw::Int(3));
    put("resident_wait_days_short", Raw::Int(0));
    put("resident_wait_days_long", Raw::Int(90));
    put("resident_wait_days_new", Raw::Int(180));
    s
}

fn legacy_money_defaults() -> State {
    let src = Sourced {
        source: "docs/en/policy-packs.md §2.4 national default (medrecon's default, not a notice)"
            .to_string(),
        grade: Grade::Secondary,
    };
    let mut s = State::new();
    let d = |v: &str| Raw::Dec(Decimal::from_str(v).unwrap_or_default());
    s.insert("employer_rate", (d("0.08"), src.clone()));
    s.insert("employee_rate", (d("0.02"), src.clone()));
    s.insert("fixed_monthly", (d("0"), src));
    s
}

fn parse_decimal(v: &toml::Value) -> Option<Decimal> {
    match v {
        toml::Value::String(s) => Decimal::from_str(s.trim()).ok(),
        toml::Value::Integer(i) => Some(Decimal::from(*i)),
        // Shortest round-trip text of the float: what the author wrote for any
        // value with up to ~15 significant digits.
        toml::Value::Float(f) if f.is_finite() => Decimal::from_str(&f.to_string()).ok(),
        _ => None,
    }
}

fn str_field<'a>(
    table: &'a toml::Table,
    key: &str,
    file: &str,
    path: &str,
    required: bool,
) -> Result<Option<&'a str>, PolicyError> {
    match table.get(key) {
        None if required => Err(pack_err(file, format!("missing key `{path}{key}`"))),
        None => Ok(None),
        Some(toml::Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(pack_err(
            file,
            format!("key `{path}{key}` must be a string"),
        )),
    }
}

fn month_field(
    table: &toml::Table,
    key: &str,
    file: &str,
    path: &str,
    required: bool,
) -> Result<Option<Month>, PolicyError> {
    match str_field(table, key, file, path, required)? {
        None => Ok(None),
        Some(s) => Month::parse(s)
            .filter(|m| (1990..=2100).contains(&m.year()))
            .map(Some)
            .ok_or_else(|| {
                pack_err(
                    file,
                    format!("key `{path}{key}`: `{s}` is not a month (YYYY-MM, 1990..2100)"),
                )
            }),
    }
}

fn grade_field(
    table: &toml::Table,
    file: &str,
    path: &str,
    default: Grade,
) -> Result<Grade, PolicyError> {
    match str_field(table, "grade", file, path, false)? {
        None => Ok(default),
        Some(g) => Grade::parse(g).ok_or_else(|| {
            pack_err(
                file,
                format!("key `{path}grade`: `{g}` is not one of official, secondary, provisional"),
            )
        }),
    }
}

/// Table-level defaults for values that do not cite their own source and grade.
struct Defaults<'a> {
    source: Option<&'a str>,
    grade: Grade,
}

fn table_defaults<'a>(
    t: &'a toml::Table,
    file: &str,
    path: &str,
) -> Result<Defaults<'a>, PolicyError> {
    Ok(Defaults {
        source: str_field(t, "source", file, path, false)?,
        grade: grade_field(t, file, path, Grade::Ungraded)?,
    })
}

/// Parses one parameter (`key = value` or `key = { value, source, grade }`).
fn parse_param(
    key: &str,
    ty: Ty,
    value: &toml::Value,
    defaults: &Defaults<'_>,
    file: &str,
    path: &str,
) -> Result<(Raw, Sourced), PolicyError> {
    let (inner, source, grade) = match value {
        toml::Value::Table(vt) => {
            for k in vt.keys() {
                if !["value", "source", "grade"].contains(&k.as_str()) {
                    return Err(pack_err(file, format!("unknown key `{path}{key}.{k}`")));
                }
            }
            let inner = vt
                .get("value")
                .ok_or_else(|| pack_err(file, format!("missing key `{path}{key}.value`")))?;
            let sub = format!("{path}{key}.");
            let src = str_field(vt, "source", file, &sub, false)?;
            let grade = grade_field(vt, file, &sub, defaults.grade)?;
            (inner, src.or(defaults.source), grade)
        }
        other => (other, defaults.source, defaults.grade),
    };
    let source = sourced(source, grade, key, file, path)?;
    let bad = |what: &str| pack_err(file, format!("key `{path}{key}`: `{inner}` is not {what}"));
    let raw = match ty {
        Ty::Dec | Ty::Rate => {
            let d = parse_decimal(inner).ok_or_else(|| bad("a decimal number"))?;
            if d < Decimal::ZERO {
                return Err(pack_err(
                    file,
                    format!("key `{path}{key}`: {d} is negative"),
                ));
            }
            if ty == Ty::Rate && d > Decimal::ONE {
                return Err(pack_err(
                    file,
                    format!(
                        "key `{path}{key}`: {d} is not a rate between 0 and 1 (write 9.8% as \"0.098\")"
                    ),
                ));
            }
            Raw::Dec(d)
        }
        Ty::Bool => match inner {
            toml::Value::Boolean(b) => Raw::Bool(*b),
            _ => return Err(bad("true/false")),
        },
        Ty::Int => match inner {
            toml::Value::Integer(n) if (0..=10_000).contains(n) => Raw::Int(*n as u32),
            _ => return Err(bad("a whole number 0..=10000")),
        },
        Ty::Day => match inner {
            toml::Value::Integer(n) if (1..=31).contains(n) => Raw::Int(*n as u32),
            toml::Value::String(s) if s == "none" => Raw::None,
            _ => return Err(bad("a day of the month 1..=31 or \"none\"")),
        },
        Ty::DaysKind => match inner {
            toml::Value::String(s) if s == "calendar" => Raw::Kind(DaysKind::Calendar),
            toml::Value::String(s) if s == "working" => Raw::Kind(DaysKind::Working),
            _ => return Err(bad("\"calendar\" or \"working\"")),
        },
        Ty::Insurances => {
            let names = match inner {
                toml::Value::String(s) => s.as_str(),
                _ => {
                    return Err(bad(
                        "insurances joined by +, e.g. \"basic_medical + maternity\"",
                    ));
                }
            };
            let mut bits = 0u8;
            for name in names.split('+').map(str::trim) {
                match crate::model::Insurance::from_key(name) {
                    Some(i) => bits |= i.bit(),
                    None => {
                        return Err(bad(
                            "basic_medical, maternity and large_sum_medical joined by +",
                        ));
                    }
                }
            }
            Raw::Insurances(bits)
        }
    };
    Ok((raw, source))
}

fn sourced(
    source: Option<&str>,
    grade: Grade,
    key: &str,
    file: &str,
    path: &str,
) -> Result<Sourced, PolicyError> {
    let source = source.filter(|s| !s.trim().is_empty()).ok_or_else(|| {
        pack_err(
            file,
            format!("key `{path}{key}` has no source (give `{key}.source` or a table `source`)"),
        )
    })?;
    Ok(Sourced {
        source: source.to_string(),
        grade,
    })
}

fn parse_formula(
    value: &toml::Value,
    defaults: &Defaults<'_>,
    file: &str,
    path: &str,
) -> Result<(Raw, Sourced), PolicyError> {
    let key = "flexible_formula";
    let toml::Value::Table(t) = value else {
        return Err(pack_err(
            file,
            format!(
                "key `{path}{key}` must be a table {{ avg_wage, share, base_round_dp, rate, source, grade }}"
            ),
        ));
    };
    for k in t.keys() {
        if ![
            "avg_wage",
            "share",
            "base_round_dp",
            "rate",
            "source",
            "grade",
        ]
        .contains(&k.as_str())
        {
            return Err(pack_err(file, format!("unknown key `{path}{key}.{k}`")));
        }
    }
    let sub = format!("{path}{key}.");
    let dec = |k: &str, max: Option<Decimal>| -> Result<Decimal, PolicyError> {
        let v = t
            .get(k)
            .ok_or_else(|| pack_err(file, format!("missing key `{sub}{k}`")))?;
        let d = parse_decimal(v)
            .filter(|d| *d >= Decimal::ZERO && max.is_none_or(|m| *d <= m))
            .ok_or_else(|| {
                pack_err(
                    file,
                    format!("key `{sub}{k}`: `{v}` is not a decimal in range"),
                )
            })?;
        Ok(d)
    };
    let avg_wage = dec("avg_wage", None)?;
    let share = dec("share", Some(Decimal::ONE))?;
    let rate = dec("rate", Some(Decimal::ONE))?;
    let base_round_dp = match t.get("base_round_dp") {
        None => 2,
        Some(toml::Value::Integer(n)) if (0..=2).contains(n) => *n as u32,
        Some(v) => {
            return Err(pack_err(
                file,
                format!("key `{sub}base_round_dp`: `{v}` is not 0, 1 or 2"),
            ));
        }
    };
    let src = str_field(t, "source", file, &sub, false)?.or(defaults.source);
    let grade = grade_field(t, file, &sub, defaults.grade)?;
    Ok((
        Raw::Formula {
            avg_wage,
            share,
            base_round_dp,
            rate,
        },
        sourced(src, grade, key, file, path)?,
    ))
}

fn records(state: &State, order: &[&'static str]) -> Vec<ParamRecord> {
    order
        .iter()
        .filter_map(|p| state.get(p).map(|(raw, s)| (*p, raw.text(), s.clone())))
        .collect()
}

fn build_rules(state: &State, region: RegionId, from: Month, to: Option<Month>) -> Rules {
    let int = |p: &str| match state.get(p) {
        Some((Raw::Int(n), _)) => *n,
        _ => 0,
    };
    let boolean = |p: &str| matches!(state.get(p), Some((Raw::Bool(true), _)));
    let order: Vec<&'static str> = RULE_PARAMS.iter().map(|(p, _)| *p).collect();
    Rules {
        region,
        from,
        to,
        separation_month_paid: boolean("separation_month_paid"),
        hire_cutoff_day: match state.get("hire_cutoff_day") {
            Some((Raw::Int(d), _)) => Some(*d),
            _ => None,
        },
        short_gap_max_months: int("short_gap_max_months"),
        long_gap_wait_months: int("long_gap_wait_months"),
        stop_filing_days: int("stop_filing_days"),
        hire_filing_days: int("hire_filing_days"),
        filing_days_kind: match state.get("filing_days_kind") {
            Some((Raw::Kind(k), _)) => *k,
            _ => DaysKind::Calendar,
        },
        roll_deadline_to_working_day: boolean("roll_deadline_to_working_day"),
        late_fee_daily: match state.get("late_fee_daily") {
            Some((Raw::Dec(d), _)) => *d,
            _ => Decimal::ZERO,
        },
        late_fee_cap_at_principal: boolean("late_fee_cap_at_principal"),
        due_insurance: match state.get("due_insurance") {
            Some((Raw::Insurances(bits), _)) => *bits,
            _ => crate::model::Insurance::BasicMedical.bit(),
        },
        lifetime_months_male: int("lifetime_months_male"),
        lifetime_months_female: int("lifetime_months_female"),
        lifetime_months_actual: int("lifetime_months_actual"),
        resident_switch_continuous_months: int("resident_switch_continuous_months"),
        resident_switch_gap_months: int("resident_switch_gap_months"),
        resident_wait_days_short: int("resident_wait_days_short"),
        resident_wait_days_long: int("resident_wait_days_long"),
        resident_wait_days_new: int("resident_wait_days_new"),
        values: records(state, &order),
    }
}

/// Reads the money keys of one table (a `[[money]]`, a tier, or a legacy
/// `[[versions]]`) into `state`; returns which keys it set.
fn read_money_keys(
    t: &toml::Table,
    state: &mut State,
    defaults: &Defaults<'_>,
    file: &str,
    path: &str,
    allow: &dyn Fn(&str) -> bool,
) -> Result<Vec<&'static str>, PolicyError> {
    let mut set_here = Vec::new();
    for (key, value) in t {
        if !allow(key) {
            continue;
        }
        // `key = "unknown"` or `key = { value = "unknown", source, grade }`: the
        // figure is known to be missing (it is not inherited, and no default
        // stands in for it); the source says what was looked for.
        let unknown_src = match value {
            toml::Value::String(v) if v == "unknown" => Some(None),
            toml::Value::Table(vt)
                if vt.get("value").and_then(|v| v.as_str()) == Some("unknown") =>
            {
                Some(Some(vt))
            }
            _ => None,
        };
        if let Some(vt) = unknown_src {
            let Some(param) = MONEY_PARAMS
                .iter()
                .map(|(p, _)| *p)
                .chain(["flexible_formula"])
                .find(|p| *p == key.as_str())
            else {
                return Err(pack_err(file, format!("unknown key `{path}{key}`")));
            };
            let src = match vt {
                Some(vt) => sourced(
                    str_field(vt, "source", file, path, false)?.or(defaults.source),
                    grade_field(vt, file, path, defaults.grade)?,
                    key,
                    file,
                    path,
                )?,
                None => sourced(defaults.source, defaults.grade, key, file, path)?,
            };
            state.insert(param, (Raw::Unknown, src));
            set_here.push(param);
            continue;
        }
        if key == "flexible_formula" {
            state.insert(
                "flexible_formula",
                parse_formula(value, defaults, file, path)?,
            );
            set_here.push("flexible_formula");
            continue;
        }
        if key == "base_on" {
            let (inner, src) = match value {
                toml::Value::Table(vt) => (
                    vt.get("value")
                        .cloned()
                        .unwrap_or(toml::Value::Boolean(false)),
                    sourced(
                        str_field(vt, "source", file, path, false)?.or(defaults.source),
                        grade_field(vt, file, path, defaults.grade)?,
                        key,
                        file,
                        path,
                    )?,
                ),
                other => (
                    other.clone(),
                    sourced(defaults.source, defaults.grade, key, file, path)?,
                ),
            };
            if inner.as_str() != Some("avg_wage") && inner.as_str() != Some("wage") {
                return Err(pack_err(
                    file,
                    format!("key `{path}base_on`: `{inner}` is not \"avg_wage\" or \"wage\""),
                ));
            }
            state.insert(
                "base_on",
                (Raw::Bool(inner.as_str() == Some("avg_wage")), src),
            );
            set_here.push("base_on");
            continue;
        }
        let Some(&(param, ty)) = MONEY_PARAMS.iter().find(|(p, _)| *p == key.as_str()) else {
            return Err(pack_err(file, format!("unknown key `{path}{key}`")));
        };
        state.insert(param, parse_param(key, ty, value, defaults, file, path)?);
        set_here.push(param);
    }
    let flexible_given = set_here
        .iter()
        .filter(|k| FLEXIBLE_KEYS.contains(k))
        .count();
    if flexible_given > 1 {
        return Err(pack_err(
            file,
            format!(
                "`{path}`: give one of flexible_rate, flexible_monthly, flexible_formula, not several"
            ),
        ));
    }
    if flexible_given == 1 {
        for k in FLEXIBLE_KEYS {
            if !set_here.contains(k) {
                state.remove(k);
            }
        }
    }
    // floor / cap from avg_wage when this table gives avg_wage but not them.
    if set_here.contains(&"avg_wage")
        && let Some((Raw::Dec(avg), avg_src)) = state.get("avg_wage").cloned()
    {
        for (param, pct) in [("floor", Decimal::new(6, 1)), ("cap", Decimal::from(3))] {
            if !set_here.contains(&param) {
                let label = if param == "floor" { "60%" } else { "300%" };
                state.insert(
                    param,
                    (
                        Raw::Dec(half_up(avg * pct, 2)),
                        Sourced {
                            source: format!("{label} of avg_wage {avg} ({})", avg_src.source),
                            grade: avg_src.grade,
                        },
                    ),
                );
            }
        }
    } else if set_here.contains(&"floor") || set_here.contains(&"cap") {
        // Explicit bases: an older avg_wage no longer explains them.
        if !set_here.contains(&"avg_wage") {
            state.remove("avg_wage");
        }
    }
    Ok(set_here)
}

/// Builds one set of money values from the state; `flexible_ever` says whether
/// the pack has named a flexible premium before (then no default applies).
fn build_money_params(
    state: &mut State,
    flexible_ever: bool,
    file: &str,
    path: &str,
) -> Result<MoneyParams, PolicyError> {
    fn dec_of(state: &State, p: &str) -> Option<Decimal> {
        match state.get(p) {
            Some((Raw::Dec(d), _)) => Some(*d),
            _ => None,
        }
    }
    let dec = |p: &str| dec_of(state, p);
    let (floor, cap) = (dec("floor"), dec("cap"));
    if let (Some(f), Some(c)) = (floor, cap)
        && c < f
    {
        return Err(pack_err(
            file,
            format!("key `{path}cap`: cap {c} is below floor {f}"),
        ));
    }
    let employer_rate = dec("employer_rate");
    let employee_rate = dec("employee_rate");
    let flexible = match (
        state.get("flexible_rate"),
        state.get("flexible_monthly"),
        state.get("flexible_formula"),
    ) {
        (Some((Raw::Unknown, _)), _, _)
        | (_, Some((Raw::Unknown, _)), _)
        | (_, _, Some((Raw::Unknown, _))) => None,
        (Some((Raw::Dec(r), _)), _, _) => Some(Flexible::Rate(*r)),
        (_, Some((Raw::Dec(m), _)), _) => Some(Flexible::Monthly(*m)),
        (
            _,
            _,
            Some((
                Raw::Formula {
                    avg_wage,
                    share,
                    base_round_dp,
                    rate,
                },
                _,
            )),
        ) => Some(Flexible::Formula {
            avg_wage: *avg_wage,
            share: *share,
            base_round_dp: *base_round_dp,
            rate: *rate,
        }),
        _ if !flexible_ever => match (employer_rate, employee_rate) {
            (Some(a), Some(b)) => {
                let grade = state
                    .get("employer_rate")
                    .map(|(_, s)| s.grade)
                    .max(state.get("employee_rate").map(|(_, s)| s.grade))
                    .unwrap_or(Grade::Ungraded);
                let rate = a + b;
                let src = Sourced {
                    source: "docs/en/policy-packs.md §2.4 default: employer_rate + employee_rate"
                        .to_string(),
                    grade,
                };
                // Shown like any other value, but not inherited as explicit.
                state.insert("flexible_default", (Raw::Dec(rate), src));
                Some(Flexible::Rate(rate))
            }
            _ => None,
        },
        _ => None,
    };
    let mut values = records(
        state,
        &[
            "floor",
            "cap",
            "avg_wage",
            "employer_rate",
            "employee_rate",
            "fixed_monthly",
            "flexible_rate",
            "flexible_monthly",
            "flexible_formula",
            "base_on",
        ],
    );
    if let Some((raw, s)) = state.remove("flexible_default") {
        values.push(("flexible_rate", raw.text(), s));
    }
    Ok(MoneyParams {
        floor,
        cap,
        avg_wage: dec_of(state, "avg_wage"),
        employer_rate,
        employee_rate,
        fixed_monthly: dec_of(state, "fixed_monthly").unwrap_or(Decimal::ZERO),
        flexible,
        base_on_avg_wage: matches!(state.get("base_on"), Some((Raw::Bool(true), _))),
        values,
    })
}

fn table_list<'a>(
    root: &'a toml::Table,
    key: &str,
    file: &str,
) -> Result<Vec<&'a toml::Table>, PolicyError> {
    match root.get(key) {
        None => Ok(Vec::new()),
        Some(toml::Value::Array(a)) => a
            .iter()
            .enumerate()
            .map(|(i, v)| match v {
                toml::Value::Table(t) => Ok(t),
                _ => Err(pack_err(file, format!("key `{key}[{i}]` must be a table"))),
            })
            .collect(),
        Some(_) => Err(pack_err(
            file,
            format!("key `{key}` must be a list of [[{key}]] tables"),
        )),
    }
}

/// `from` / `to` of a versioned table, checked against the table before.
fn span_of(
    t: &toml::Table,
    prev_from: Option<Month>,
    file: &str,
    path: &str,
) -> Result<(Month, Option<Month>), PolicyError> {
    let from = month_field(t, "from", file, path, true)?
        .ok_or_else(|| pack_err(file, format!("missing key `{path}from`")))?;
    let to = month_field(t, "to", file, path, false)?;
    if let Some(to) = to
        && to < from
    {
        return Err(pack_err(
            file,
            format!("key `{path}to`: {to} is before `from` {from}"),
        ));
    }
    if let Some(prev) = prev_from
        && from <= prev
    {
        return Err(pack_err(
            file,
            format!("key `{path}from`: {from} is not after the previous table's {prev}"),
        ));
    }
    Ok((from, to))
}

/// The `from` of the last table read, which the next must follow.
fn last_from(spans: &[(Month, Option<Month>)]) -> Option<Month> {
    spans.last().map(|s| s.0)
}

/// Fills each open `to` with the month before the next `from`, and refuses
/// overlaps.
fn close_spans(
    spans: &mut [(Month, Option<Month>)],
    key: &str,
    file: &str,
) -> Result<(), PolicyError> {
    for i in 0..spans.len() {
        let next_from = spans.get(i + 1).map(|s| s.0);
        match (spans[i].1, next_from) {
            (Some(to), Some(next)) if to >= next => {
                return Err(pack_err(
                    file,
                    format!("key `{key}[{i}].to`: {to} overlaps the next table from {next}"),
                ));
            }
            (None, Some(next)) => spans[i].1 = Some(next.prev()),
            _ => {}
        }
    }
    Ok(())
}

/// Parses one pack's TOML text. Every error names the file and the key.
pub fn parse_pack(file: &str, text: &str, region: RegionId) -> Result<PolicyPack, PolicyError> {
    let root: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| pack_err(file, format!("not valid TOML: {e}")))?;
    let code = str_field(&root, "code", file, "", true)?
        .unwrap_or_default()
        .trim()
        .to_string();
    if code.is_empty() {
        return Err(pack_err(file, "key `code` is empty".into()));
    }
    let name = str_field(&root, "name", file, "", true)?
        .unwrap_or_default()
        .to_string();
    let division = str_field(&root, "division", file, "", false)?.map(str::to_string);
    let aliases = match root.get("aliases") {
        None => Vec::new(),
        Some(toml::Value::Array(a)) => a
            .iter()
            .map(|v| match v {
                toml::Value::String(s) => Ok(s.clone()),
                _ => Err(pack_err(
                    file,
                    "key `aliases` must be a list of strings".into(),
                )),
            })
            .collect::<Result<_, _>>()?,
        Some(_) => {
            return Err(pack_err(
                file,
                "key `aliases` must be a list of strings".into(),
            ));
        }
    };
    for key in root.keys() {
        if ![
            "code", "name", "aliases", "division", "versions", "rules", "money", "waivers",
        ]
        .contains(&key.as_str())
        {
            return Err(pack_err(file, format!("unknown key `{key}`")));
        }
    }
    let legacy = table_list(&root, "versions", file)?;
    let rules_tables = table_list(&root, "rules", file)?;
    let money_tables = table_list(&root, "money", file)?;
    let new_form = !rules_tables.is_empty() || !money_tables.is_empty();
    if !legacy.is_empty() && new_form {
        return Err(pack_err(
            file,
            "give either [[versions]] (the older form) or [[rules]] and [[money]], not both".into(),
        ));
    }
    let (rules, money) = if legacy.is_empty() {
        if rules_tables.is_empty() {
            return Err(pack_err(
                file,
                "key `rules` must be a non-empty list of [[rules]] tables".into(),
            ));
        }
        (
            parse_rules(&rules_tables, region, file)?,
            parse_money(&money_tables, region, file)?,
        )
    } else {
        parse_legacy(&legacy, region, file)?
    };
    let waivers = parse_waivers(&table_list(&root, "waivers", file)?, file)?;
    let sha256 =
        Sha256::digest(text.as_bytes())
            .iter()
            .fold(String::with_capacity(64), |mut s, b| {
                let _ = write!(s, "{b:02x}");
                s
            });
    Ok(PolicyPack {
        code,
        name,
        aliases,
        division,
        file: file.to_string(),
        sha256,
        rules,
        money,
        waivers,
    })
}

fn parse_rules(
    tables: &[&toml::Table],
    region: RegionId,
    file: &str,
) -> Result<Vec<Rules>, PolicyError> {
    let mut state = national_rule_defaults();
    let mut spans = Vec::new();
    let mut states = Vec::new();
    for (i, t) in tables.iter().enumerate() {
        let path = format!("rules[{i}].");
        let (from, to) = span_of(t, last_from(&spans), file, &path)?;
        let defaults = table_defaults(t, file, &path)?;
        for (key, value) in *t {
            if matches!(key.as_str(), "from" | "to" | "source" | "grade") {
                continue;
            }
            let Some(&(param, ty)) = RULE_PARAMS.iter().find(|(p, _)| *p == key.as_str()) else {
                return Err(pack_err(file, format!("unknown key `{path}{key}`")));
            };
            state.insert(param, parse_param(key, ty, value, &defaults, file, &path)?);
        }
        spans.push((from, to));
        states.push(state.clone());
    }
    close_spans(&mut spans, "rules", file)?;
    Ok(states
        .iter()
        .zip(spans)
        .map(|(s, (from, to))| build_rules(s, region, from, to))
        .collect())
}

fn parse_money(
    tables: &[&toml::Table],
    region: RegionId,
    file: &str,
) -> Result<Vec<Money>, PolicyError> {
    let mut inherited = State::new();
    let mut flexible_ever = false;
    let mut out: Vec<Money> = Vec::new();
    let mut spans = Vec::new();
    for (i, t) in tables.iter().enumerate() {
        let path = format!("money[{i}].");
        let (from, to) = span_of(t, last_from(&spans), file, &path)?;
        let defaults = table_defaults(t, file, &path)?;
        // After a hole (an explicit `to` before this `from`) nothing carries over:
        // what held before the hole is not known to hold after it.
        if let Some(&(_, Some(prev_to))) = spans.last()
            && from > prev_to.next()
        {
            inherited.clear();
        }
        // Only rates and the fixed add-on carry over from the table before.
        let mut state: State = inherited
            .iter()
            .filter(|(k, _)| INHERITED_MONEY.contains(k))
            .map(|(k, v)| (*k, v.clone()))
            .collect();
        let not_money = |k: &str| {
            !matches!(
                k,
                "from" | "to" | "source" | "grade" | "tiers" | "default_tier"
            )
        };
        let set_here = read_money_keys(t, &mut state, &defaults, file, &path, &not_money)?;
        if set_here.contains(&"base_on") {
            return Err(pack_err(
                file,
                format!("key `{path}base_on` belongs in a tier table"),
            ));
        }
        let ever_before = flexible_ever;
        flexible_ever |= set_here.iter().any(|k| FLEXIBLE_KEYS.contains(k));
        let params = build_money_params(&mut state.clone(), ever_before, file, &path)?;
        let mut tiers = Vec::new();
        match t.get("tiers") {
            None => {}
            Some(toml::Value::Table(tt)) => {
                for (name, tv) in tt {
                    let tpath = format!("{path}tiers.{name}.");
                    let toml::Value::Table(tier_t) = tv else {
                        return Err(pack_err(
                            file,
                            format!("key `{path}tiers.{name}` must be a table"),
                        ));
                    };
                    let mut tier_state = state.clone();
                    read_money_keys(tier_t, &mut tier_state, &defaults, file, &tpath, &|_| true)?;
                    tiers.push((
                        name.clone(),
                        build_money_params(&mut tier_state, flexible_ever, file, &tpath)?,
                    ));
                }
            }
            Some(_) => {
                return Err(pack_err(
                    file,
                    format!("key `{path}tiers` must be a table of tiers"),
                ));
            }
        }
        let default_tier = str_field(t, "default_tier", file, &path, false)?.map(str::to_string);
        if let Some(d) = &default_tier
            && !tiers.iter().any(|(n, _)| n == d)
        {
            return Err(pack_err(
                file,
                format!("key `{path}default_tier`: `{d}` is not one of this table's tiers"),
            ));
        }
        inherited = state;
        spans.push((from, to));
        out.push(Money {
            region,
            from,
            to,
            params,
            tiers,
            default_tier,
        });
    }
    close_spans(&mut spans, "money", file)?;
    for (m, (_, to)) in out.iter_mut().zip(spans) {
        m.to = to;
    }
    Ok(out)
}

/// The older `[[versions]]` form: rules and money in one table, every value
/// inherited; the first version must give floor and cap (or avg_wage).
fn parse_legacy(
    tables: &[&toml::Table],
    region: RegionId,
    file: &str,
) -> Result<(Vec<Rules>, Vec<Money>), PolicyError> {
    let mut rules_state = national_rule_defaults();
    let mut money_state = legacy_money_defaults();
    let mut spans = Vec::new();
    let mut rules_states = Vec::new();
    let mut params = Vec::new();
    for (i, t) in tables.iter().enumerate() {
        let path = format!("versions[{i}].");
        let (from, to) = span_of(t, last_from(&spans), file, &path)?;
        let defaults = table_defaults(t, file, &path)?;
        for (key, value) in *t {
            if let Some(&(param, ty)) = RULE_PARAMS.iter().find(|(p, _)| *p == key.as_str()) {
                rules_state.insert(param, parse_param(key, ty, value, &defaults, file, &path)?);
            }
        }
        let is_money = |k: &str| {
            !matches!(k, "from" | "to" | "source" | "grade")
                && !RULE_PARAMS.iter().any(|(p, _)| *p == k)
        };
        read_money_keys(t, &mut money_state, &defaults, file, &path, &is_money)?;
        for key in ["floor", "cap"] {
            if !money_state.contains_key(key) {
                return Err(pack_err(
                    file,
                    format!(
                        "missing key `{path}{key}` (the first version must give floor and cap, or avg_wage)"
                    ),
                ));
            }
        }
        // The older form inherits everything, the flexible default included.
        let p = build_money_params(&mut money_state.clone(), false, file, &path)?;
        params.push(p);
        rules_states.push(rules_state.clone());
        spans.push((from, to));
    }
    close_spans(&mut spans, "versions", file)?;
    let rules = rules_states
        .iter()
        .zip(&spans)
        .map(|(s, &(from, to))| build_rules(s, region, from, to))
        .collect();
    let money = params
        .into_iter()
        .zip(spans)
        .map(|(params, (from, to))| Money {
            region,
            from,
            to,
            params,
            tiers: Vec::new(),
            default_tier: None,
        })
        .collect();
    Ok((rules, money))
}

fn parse_waivers(tables: &[&toml::Table], file: &str) -> Result<Vec<Waiver>, PolicyError> {
    let mut out = Vec::new();
    for (i, t) in tables.iter().enumerate() {
        let path = format!("waivers[{i}].");
        for k in t.keys() {
            if ![
                "name",
                "from",
                "to",
                "paid_by",
                "applies_to",
                "source",
                "grade",
            ]
            .contains(&k.as_str())
            {
                return Err(pack_err(file, format!("unknown key `{path}{k}`")));
            }
        }
        let name = str_field(t, "name", file, &path, true)?
            .unwrap_or_default()
            .to_string();
        let (from, to) = span_of(t, None, file, &path)?;
        let to = to.ok_or_else(|| pack_err(file, format!("missing key `{path}to`")))?;
        let paid_by_text = str_field(t, "paid_by", file, &path, true)?.unwrap_or_default();
        let paid_by = NaiveDate::parse_from_str(paid_by_text, "%Y-%m-%d").map_err(|_| {
            pack_err(
                file,
                format!("key `{path}paid_by`: `{paid_by_text}` is not a date (YYYY-MM-DD)"),
            )
        })?;
        let applies_to = match str_field(t, "applies_to", file, &path, false)? {
            None | Some("all") => WaiverScope::All,
            Some("base_difference") => WaiverScope::BaseDifference,
            Some(other) => {
                return Err(pack_err(
                    file,
                    format!(
                        "key `{path}applies_to`: `{other}` is not \"all\" or \"base_difference\""
                    ),
                ));
            }
        };
        let grade = grade_field(t, file, &path, Grade::Ungraded)?;
        let source = sourced(
            str_field(t, "source", file, &path, false)?,
            grade,
            "waiver",
            file,
            &path,
        )?;
        out.push(Waiver {
            label: crate::model::Code::new(&name),
            name,
            applies_to,
            from,
            to,
            paid_by,
            source,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> Month {
        Month::parse(s).unwrap()
    }
    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn shipped_packs_load() {
        let set = PolicySet::load(&[]).unwrap();
        assert!(set.lookup("beijing").is_some());
        assert!(set.lookup("national").is_some());
    }

    #[test]
    fn float_values_keep_their_text() {
        let text = r#"
code = "x"
name = "X市"
[[versions]]
from = "2024-01"
source = "test"
floor = 1000
cap = 3000
employer_rate = 0.098
employee_rate = 0.02
"#;
        let p = parse_pack("x.toml", text, RegionId(0)).unwrap();
        assert_eq!(p.money[0].params.employer_rate, Some(d("0.098")));
        assert_eq!(p.money[0].params.flexible, Some(Flexible::Rate(d("0.118"))));
    }

    const SPLIT: &str = r#"
code = "x"
name = "X市"
[[rules]]
from = "1998-12"
source = "rules test"
grade = "official"
short_gap_max_months = 3
[[rules]]
from = "2020-01"
source = "rules test 2"
stop_filing_days = { value = 10, grade = "secondary" }
[[money]]
from = "2021-07"
to = "2022-06"
source = "money test"
grade = "official"
floor = "5000"
cap = "25000"
employer_rate = "0.09"
employee_rate = "0.02"
fixed_monthly = "3"
flexible_formula = { avg_wage = "11297", share = "0.7", base_round_dp = 0, rate = "0.07" }
[[money]]
from = "2023-07"
source = "money test 3"
grade = "secondary"
floor = "6000"
cap = "30000"
[[waivers]]
name = "免滞纳金"
from = "2023-07"
to = "2023-12"
paid_by = "2023-12-31"
source = "waiver test"
grade = "secondary"
"#;

    #[test]
    fn rules_reach_back_and_money_has_holes() {
        let set = PolicySet::from_texts(&[
            ("national.toml".into(), SHIPPED_PACKS[0].1.to_string()),
            ("x.toml".into(), SPLIT.into()),
        ])
        .unwrap();
        let x = set.lookup("x").unwrap();
        // Rules: 1998-12 table before 2020, the 2020 table after; before 1998-12 the first.
        assert_eq!(set.rules(x, m("2005-03")).stop_filing_days, 15);
        assert_eq!(set.rules(x, m("1995-01")).from, m("1998-12"));
        assert_eq!(set.rules(x, m("2020-01")).stop_filing_days, 10);
        // Money: nothing before 2021-07, a hole 2022-07..2023-06, open from 2023-07.
        assert!(set.money(x, m("2016-01"), None, false).is_none());
        assert!(set.money(x, m("2022-07"), None, true).is_none());
        let p = set.money(x, m("2021-08"), None, false).unwrap();
        // 11297 × 0.7 = 7907.9 → 7908; × 0.07 = 553.56
        assert_eq!(p.params.catch_up(None), Ok(d("553.56")));
        // 5000 × 0.11 = 550.00 + 3
        assert_eq!(p.params.due(None), Ok(d("553.00")));
        let later = set.money(x, m("2024-01"), None, false).unwrap();
        // After the hole nothing carries over: neither the rates nor the formula.
        assert_eq!(later.params.due(Some(d("10000"))), Err(Missing::Rate));
        assert_eq!(later.params.catch_up(None), Err(Missing::Flexible));
        // Without the hole the rates carry over, the formula (a base-year figure) not.
        let joined = SPLIT.replace("to = \"2022-06\"\n", "");
        let set2 = PolicySet::from_texts(&[
            ("national.toml".into(), SHIPPED_PACKS[0].1.to_string()),
            ("x.toml".into(), joined),
        ])
        .unwrap();
        let later2 = set2.money(x, m("2024-01"), None, false).unwrap();
        // 10000 × 0.11 = 1100.00 + 3
        assert_eq!(later2.params.due(Some(d("10000"))), Ok(d("1103.00")));
        assert_eq!(later2.params.catch_up(None), Err(Missing::Flexible));
        assert_eq!(later.params.grade_of(&["floor"]), Grade::Secondary);
        let w = set.waiver(x, m("2023-08")).unwrap();
        assert_eq!(w.paid_by, NaiveDate::from_ymd_opt(2023, 12, 31).unwrap());
        assert!(set.waiver(x, m("2024-01")).is_none());
        let check = set.below_official();
        assert!(
            check
                .iter()
                .any(|l| l.starts_with("x rules 2020-01.. stop_filing_days = 10: secondary")),
            "{check:?}"
        );
        assert!(
            !check
                .iter()
                .any(|l| l.starts_with("x rules 1998-12..2019-12 short_gap"))
        );
    }

    #[test]
    fn carry_forward_only_after_the_last_version() {
        let text = SPLIT.replace(
            "from = \"2023-07\"\nsource = \"money test 3\"",
            "from = \"2023-07\"\nto = \"2024-06\"\nsource = \"money test 3\"",
        );
        let set = PolicySet::from_texts(&[
            ("national.toml".into(), SHIPPED_PACKS[0].1.to_string()),
            ("x.toml".into(), text),
        ])
        .unwrap();
        let x = set.lookup("x").unwrap();
        assert!(set.money(x, m("2024-07"), None, false).is_none());
        let carried = set.money(x, m("2024-07"), None, true).unwrap();
        assert!(carried.carried);
        assert!(set.money(x, m("2022-08"), None, true).is_none());
    }

    #[test]
    fn bad_values_are_refused_with_their_key() {
        let bad = |from: &str, to: &str| {
            let text = SPLIT.replacen(from, to, 1);
            match parse_pack("x.toml", &text, RegionId(0)) {
                Err(PolicyError::Pack { message, .. }) => message,
                Ok(_) => panic!("accepted {to}"),
            }
        };
        assert!(
            bad("employer_rate = \"0.09\"", "employer_rate = \"5.0\"")
                .contains("money[0].employer_rate")
        );
        assert!(bad("cap = \"25000\"", "cap = \"2500\"").contains("below floor"));
        assert!(
            bad("grade = \"official\"\nshort", "grade = \"guess\"\nshort")
                .contains("rules[0].grade")
        );
        assert!(
            bad("paid_by = \"2023-12-31\"", "paid_by = \"2023-13-01\"")
                .contains("waivers[0].paid_by")
        );
        assert!(bad("from = \"2021-07\"", "from = \"9999-07\"").contains("money[0].from"));
    }

    #[test]
    fn tiers_override_the_version() {
        let text = r#"
code = "t"
name = "T市"
[[rules]]
from = "1998-12"
source = "s"
[[money]]
from = "2024-01"
source = "s"
floor = "5000"
cap = "25000"
employer_rate = "0.05"
employee_rate = "0.02"
default_tier = "一档"
[money.tiers."一档"]
employer_rate = "0.062"
[money.tiers."二档"]
base_on = "avg_wage"
avg_wage = "12000"
employer_rate = "0.006"
employee_rate = "0.002"
"#;
        let p = parse_pack("t.toml", text, RegionId(0)).unwrap();
        let v = &p.money[0];
        // 一档 by default: 8000 × (0.062 + 0.02) = 656.00
        assert_eq!(v.tier(None).0.due(Some(d("8000"))), Ok(d("656.00")));
        // 二档 on the average: 12000 × 0.008 = 96.00
        let (two, name) = v.tier(Some("二档"));
        assert_eq!(name, Some("二档"));
        assert_eq!(two.due(Some(d("8000"))), Ok(d("96.00")));
    }
}
