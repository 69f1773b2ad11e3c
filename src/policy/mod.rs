//! Policy packs (`schemas/policies/*.toml`): one per region (统筹区), values
//! versioned by the month they take effect, each citing its source; lookup of the
//! version in force for (region, month).
//!
//! # Pack format
//!
//! ```toml
//! code = "beijing"              # the pack's code, also a lookup key
//! name = "北京市"                # Chinese name; lookup also accepts it without 市
//! aliases = ["北京"]             # more lookup keys (optional)
//! division = "110000"           # administrative division code (optional)
//!
//! [[versions]]
//! from = "2024-07"              # first month in force
//! to = "2025-06"                # optional last month; default: the month before the
//!                               # next version, open-ended for the last one
//! source = "default source"     # optional: for values that do not cite their own
//! floor = { value = "6821", source = "京人社… 2024年度基数通知" }
//! cap = "35283"                 # a bare value needs a version-level `source`
//! ```
//!
//! Every SPEC §2.4 parameter may appear: `floor`, `cap`, `avg_wage` (floor/cap
//! become 60% / 300% of it, rounded half-up to the fen, unless given), the rates
//! `employer_rate`, `employee_rate`, `flexible_rate` (default employer + employee),
//! `fixed_monthly`, `late_fee_daily`, the switches `separation_month_paid` and
//! `late_fee_cap_at_principal`, and the whole numbers `hire_cutoff_day`,
//! `short_gap_max_months`, `long_gap_wait_months`, `stop_filing_days`.
//! A version inherits every value it does not repeat from the version before it;
//! the first version inherits the SPEC §2.4 national defaults (cited as such),
//! except floor and cap which it must give (directly or through `avg_wage`).
//!
//! Money and rates are `Decimal`. Write them as strings (`"0.098"`) or integers;
//! a TOML float is accepted through its shortest round-trip text (`0.098` → "0.098"),
//! never through binary arithmetic.
//!
//! Shipped packs are embedded in the binary (`include_str!`); `--policy FILE` adds a
//! pack, or replaces a shipped pack with the same `code`.

pub mod divisions;

use crate::model::{Month, PolicyManifestEntry, RegionId, RegionLookup};
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
    #[error("no policy version of region {region} covers {month}")]
    NotCovered { region: String, month: Month },
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
];

/// The parameters in force for one region over a run of months (one `[[versions]]`
/// entry of a pack, with inherited values filled in).
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyVersion {
    pub region: RegionId,
    /// First month in force.
    pub from: Month,
    /// Last month in force; `None` = until further notice.
    pub to: Option<Month>,
    /// 缴费基数下限 (元/month).
    pub floor: Decimal,
    /// 缴费基数上限 (元/month).
    pub cap: Decimal,
    /// 社会平均工资 (元/month) when floor/cap derive from it.
    pub avg_wage: Option<Decimal>,
    /// 单位缴费比例.
    pub employer_rate: Decimal,
    /// 个人缴费比例.
    pub employee_rate: Decimal,
    /// Fixed add-on per month (北京 大额互助 3 元).
    pub fixed_monthly: Decimal,
    /// Self-payer's rate for back-pay (补缴 / 灵活就业).
    pub flexible_rate: Decimal,
    /// The employer pays the month of separation (减员当月缴费).
    pub separation_month_paid: bool,
    /// Hired after this day of the month: coverage starts the next month.
    pub hire_cutoff_day: Option<u32>,
    /// A gap up to this many months may be back-paid (补缴).
    pub short_gap_max_months: u32,
    /// Waiting period after a longer gap (等待期).
    pub long_gap_wait_months: u32,
    /// Calendar days after separation to file the stop (减员申报期限).
    pub stop_filing_days: u32,
    /// Late fee per day on arrears (滞纳金, 万分之五 = 0.0005).
    pub late_fee_daily: Decimal,
    /// The late fee never exceeds the arrears it is charged on.
    pub late_fee_cap_at_principal: bool,
    /// (parameter, source) for every value above, in a fixed order.
    pub sources: Vec<(&'static str, String)>,
}

impl PolicyVersion {
    /// `clamp(wage, floor, cap)`; no wage means the floor.
    pub fn base(&self, wage: Option<Decimal>) -> Decimal {
        match wage {
            None => self.floor,
            Some(w) => w.max(self.floor).min(self.cap),
        }
    }
    /// Employer + employee rate (the rate of a month due, SPEC rule 9).
    pub fn total_rate(&self) -> Decimal {
        self.employer_rate + self.employee_rate
    }
    pub fn covers(&self, month: Month) -> bool {
        month >= self.from && self.to.is_none_or(|to| month <= to)
    }
    pub fn source_of(&self, param: &str) -> Option<&str> {
        self.sources
            .iter()
            .find(|(p, _)| *p == param)
            .map(|(_, s)| s.as_str())
    }
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
    /// Sorted by `from`, non-overlapping.
    pub versions: Vec<PolicyVersion>,
}

/// The version in force for a month, and whether it was carried forward past its
/// last month (`--carry-forward`; the caller should warn).
#[derive(Debug, Clone, Copy)]
pub struct Resolved<'a> {
    pub version: &'a PolicyVersion,
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
            let text = std::fs::read_to_string(path).map_err(|e| PolicyError::Pack {
                file: file.clone(),
                message: format!("cannot read: {e}"),
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
            let mut pack = parse_pack(file, text, RegionId(index as u16))?;
            if let Some(existing) = packs.iter().position(|p| p.code == pack.code) {
                for v in &mut pack.versions {
                    v.region = RegionId(existing as u16);
                }
                packs[existing] = pack;
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
        Ok(PolicySet {
            packs,
            national,
            keys,
            codes,
        })
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
    pub fn manifest_entries(&self) -> Vec<PolicyManifestEntry> {
        self.packs
            .iter()
            .map(|p| PolicyManifestEntry {
                region: p.code.clone(),
                file: p.file.clone(),
                sha256: p.sha256.clone(),
                versions: p.versions.iter().map(|v| v.from.to_string()).collect(),
            })
            .collect()
    }

    /// The version in force in `region` for `month`. With `carry_forward`, a month
    /// after the last version's end uses the last version (`carried` = true); a month
    /// before the first version is always `NotCovered`.
    pub fn resolve(
        &self,
        region: RegionId,
        month: Month,
        carry_forward: bool,
    ) -> Result<Resolved<'_>, PolicyError> {
        let not_covered = || PolicyError::NotCovered {
            region: self.code(region).to_string(),
            month,
        };
        let pack = self.packs.get(region.0 as usize).ok_or_else(not_covered)?;
        // Few versions per pack: a reverse scan is faster than a binary search.
        for v in pack.versions.iter().rev() {
            if month >= v.from {
                if v.covers(month) {
                    return Ok(Resolved {
                        version: v,
                        carried: false,
                    });
                }
                let is_last = std::ptr::eq(v, pack.versions.last().unwrap_or(v));
                if carry_forward && is_last {
                    return Ok(Resolved {
                        version: v,
                        carried: true,
                    });
                }
                return Err(not_covered());
            }
        }
        Err(not_covered())
    }

    /// The version in force (see [`PolicySet::resolve`]).
    pub fn version(
        &self,
        region: RegionId,
        month: Month,
        carry_forward: bool,
    ) -> Result<&PolicyVersion, PolicyError> {
        self.resolve(region, month, carry_forward)
            .map(|r| r.version)
    }

    /// With `--carry-forward`, the warnings a run through `through` (its as-of
    /// month) must print: one per pack whose last version ends before that month.
    /// Without carry-forward such months are `NotCovered` errors instead.
    pub fn carry_forward_warnings(&self, through: Month) -> Vec<String> {
        self.packs
            .iter()
            .filter_map(|p| {
                let last = p.versions.last()?;
                let to = last.to?;
                (to < through).then(|| {
                    format!(
                        "policy {}: no version covers {}..{}; the version from {} (ending {}) is carried forward",
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
            let versions: Vec<String> = p.versions.iter().map(version_span).collect();
            let _ = writeln!(
                out,
                "{:<10} {:<8} division {:<7} aliases {:<28} versions {}  ({})",
                p.code,
                p.name,
                p.division.as_deref().unwrap_or("-"),
                p.aliases.join(","),
                versions.join(", "),
                p.file
            );
        }
        out
    }

    /// `medrecon policy show REGION`: every version with every value and its source.
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
        for v in &p.versions {
            let _ = writeln!(out, "\nversion {}", version_span(v));
            for (param, source) in &v.sources {
                let value = match *param {
                    "floor" => v.floor.to_string(),
                    "cap" => v.cap.to_string(),
                    "avg_wage" => v.avg_wage.map_or("-".into(), |d| d.to_string()),
                    "employer_rate" => v.employer_rate.to_string(),
                    "employee_rate" => v.employee_rate.to_string(),
                    "fixed_monthly" => v.fixed_monthly.to_string(),
                    "flexible_rate" => v.flexible_rate.to_string(),
                    "separation_month_paid" => v.separation_month_paid.to_string(),
                    "hire_cutoff_day" => v.hire_cutoff_day.map_or("none".into(), |d| d.to_string()),
                    "short_gap_max_months" => v.short_gap_max_months.to_string(),
                    "long_gap_wait_months" => v.long_gap_wait_months.to_string(),
                    "stop_filing_days" => v.stop_filing_days.to_string(),
                    "late_fee_daily" => v.late_fee_daily.to_string(),
                    "late_fee_cap_at_principal" => v.late_fee_cap_at_principal.to_string(),
                    _ => String::new(),
                };
                let _ = writeln!(out, "  {param:<26} {value:<10} {source}");
            }
        }
        out
    }
}

fn version_span(v: &PolicyVersion) -> String {
    match v.to {
        Some(to) => format!("{}..{}", v.from, to),
        None => format!("{}..", v.from),
    }
}

/// Lookup key: trimmed (also full-width spaces), lower-case, a trailing 市 removed.
pub fn normalize_region(raw: &str) -> String {
    let s = raw.trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}');
    let s = s.strip_suffix('市').unwrap_or(s);
    s.to_lowercase()
}

impl RegionLookup for PolicySet {
    fn lookup(&self, raw: &str) -> Option<RegionId> {
        self.keys.get(&normalize_region(raw)).map(|&i| RegionId(i))
    }
}

// ---------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------

const DECIMAL_PARAMS: &[&str] = &[
    "floor",
    "cap",
    "avg_wage",
    "employer_rate",
    "employee_rate",
    "fixed_monthly",
    "flexible_rate",
    "late_fee_daily",
];
const BOOL_PARAMS: &[&str] = &["separation_month_paid", "late_fee_cap_at_principal"];
const INT_PARAMS: &[&str] = &[
    "hire_cutoff_day",
    "short_gap_max_months",
    "long_gap_wait_months",
    "stop_filing_days",
];
const ORDER: &[&str] = &[
    "floor",
    "cap",
    "avg_wage",
    "employer_rate",
    "employee_rate",
    "fixed_monthly",
    "flexible_rate",
    "separation_month_paid",
    "hire_cutoff_day",
    "short_gap_max_months",
    "long_gap_wait_months",
    "stop_filing_days",
    "late_fee_daily",
    "late_fee_cap_at_principal",
];

#[derive(Clone, Debug)]
enum Raw {
    Dec(Decimal),
    Bool(bool),
    Int(u32),
    /// `hire_cutoff_day = "none"`: explicitly no cut-off.
    None,
}

/// The values in force while reading versions in order, with their sources.
#[derive(Clone, Debug, Default)]
struct State {
    values: HashMap<&'static str, (Raw, String)>,
}

fn pack_err(file: &str, message: String) -> PolicyError {
    PolicyError::Pack {
        file: file.to_string(),
        message,
    }
}

fn national_defaults() -> State {
    let src = "SPEC §2.4 national default".to_string();
    let mut s = State::default();
    let d = |v: &str| Raw::Dec(Decimal::from_str(v).unwrap_or_default());
    s.values.insert("employer_rate", (d("0.08"), src.clone()));
    s.values.insert("employee_rate", (d("0.02"), src.clone()));
    s.values.insert("fixed_monthly", (d("0"), src.clone()));
    s.values
        .insert("separation_month_paid", (Raw::Bool(true), src.clone()));
    s.values.insert("hire_cutoff_day", (Raw::None, src.clone()));
    s.values
        .insert("short_gap_max_months", (Raw::Int(3), src.clone()));
    s.values
        .insert("long_gap_wait_months", (Raw::Int(6), src.clone()));
    s.values
        .insert("stop_filing_days", (Raw::Int(15), src.clone()));
    s.values
        .insert("late_fee_daily", (d("0.0005"), src.clone()));
    s.values
        .insert("late_fee_cap_at_principal", (Raw::Bool(false), src));
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
        Some(s) => Month::parse(s).map(Some).ok_or_else(|| {
            pack_err(
                file,
                format!("key `{path}{key}`: `{s}` is not a month (YYYY-MM)"),
            )
        }),
    }
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
        if !["code", "name", "aliases", "division", "versions"].contains(&key.as_str()) {
            return Err(pack_err(file, format!("unknown key `{key}`")));
        }
    }
    let raw_versions = match root.get("versions") {
        Some(toml::Value::Array(a)) if !a.is_empty() => a,
        _ => {
            return Err(pack_err(
                file,
                "key `versions` must be a non-empty list of [[versions]] tables".into(),
            ));
        }
    };

    let mut state = national_defaults();
    let mut versions: Vec<PolicyVersion> = Vec::new();
    let mut explicit_to: Vec<Option<Month>> = Vec::new();
    for (i, raw) in raw_versions.iter().enumerate() {
        let path = format!("versions[{i}].");
        let toml::Value::Table(t) = raw else {
            return Err(pack_err(
                file,
                format!("key `versions[{i}]` must be a table"),
            ));
        };
        let from = month_field(t, "from", file, &path, true)?
            .ok_or_else(|| pack_err(file, format!("missing key `{path}from`")))?;
        let to = month_field(t, "to", file, &path, false)?;
        if let Some(to) = to
            && to < from
        {
            return Err(pack_err(
                file,
                format!("key `{path}to`: {to} is before `from` {from}"),
            ));
        }
        if let Some(prev) = versions.last()
            && from <= prev.from
        {
            return Err(pack_err(
                file,
                format!(
                    "key `{path}from`: {from} is not after the previous version's {}",
                    prev.from
                ),
            ));
        }
        let default_source = str_field(t, "source", file, &path, false)?;
        let mut set_here: Vec<&'static str> = Vec::new();
        for (key, value) in t {
            if matches!(key.as_str(), "from" | "to" | "source") {
                continue;
            }
            let Some(&param) = ORDER.iter().find(|p| **p == key.as_str()) else {
                return Err(pack_err(file, format!("unknown key `{path}{key}`")));
            };
            let (inner, source) = match value {
                toml::Value::Table(vt) => {
                    for k in vt.keys() {
                        if k != "value" && k != "source" {
                            return Err(pack_err(file, format!("unknown key `{path}{key}.{k}`")));
                        }
                    }
                    let inner = vt.get("value").ok_or_else(|| {
                        pack_err(file, format!("missing key `{path}{key}.value`"))
                    })?;
                    let src = str_field(vt, "source", file, &format!("{path}{key}."), false)?;
                    (inner, src.or(default_source))
                }
                other => (other, default_source),
            };
            let source = source
                .filter(|s| !s.trim().is_empty())
                .ok_or_else(|| {
                    pack_err(
                        file,
                        format!("key `{path}{key}` has no source (give `{key}.source` or a version `source`)"),
                    )
                })?
                .to_string();
            let parsed = if DECIMAL_PARAMS.contains(&param) {
                let d = parse_decimal(inner).ok_or_else(|| {
                    pack_err(
                        file,
                        format!("key `{path}{key}`: `{inner}` is not a decimal number"),
                    )
                })?;
                if d < Decimal::ZERO {
                    return Err(pack_err(
                        file,
                        format!("key `{path}{key}`: {d} is negative"),
                    ));
                }
                Raw::Dec(d)
            } else if BOOL_PARAMS.contains(&param) {
                match inner {
                    toml::Value::Boolean(b) => Raw::Bool(*b),
                    _ => {
                        return Err(pack_err(
                            file,
                            format!("key `{path}{key}`: `{inner}` is not true/false"),
                        ));
                    }
                }
            } else {
                debug_assert!(INT_PARAMS.contains(&param));
                match inner {
                    toml::Value::Integer(n) if (0..=10_000).contains(n) => Raw::Int(*n as u32),
                    toml::Value::String(s) if param == "hire_cutoff_day" && s == "none" => {
                        Raw::None
                    }
                    _ => {
                        return Err(pack_err(
                            file,
                            format!("key `{path}{key}`: `{inner}` is not a whole number 0..=10000"),
                        ));
                    }
                }
            };
            if param == "hire_cutoff_day"
                && let Raw::Int(d) = parsed
                && !(1..=31).contains(&d)
            {
                return Err(pack_err(
                    file,
                    format!("key `{path}{key}`: {d} is not a day of the month 1..=31"),
                ));
            }
            state.values.insert(param, (parsed, source));
            set_here.push(param);
        }
        // floor / cap from avg_wage when this version gives avg_wage but not them.
        if set_here.contains(&"avg_wage")
            && let Some((Raw::Dec(avg), avg_src)) = state.values.get("avg_wage").cloned()
        {
            for (param, pct) in [("floor", Decimal::new(6, 1)), ("cap", Decimal::from(3))] {
                if !set_here.contains(&param) {
                    let v = (avg * pct)
                        .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
                    let label = if param == "floor" { "60%" } else { "300%" };
                    state.values.insert(
                        param,
                        (
                            Raw::Dec(v),
                            format!("{label} of avg_wage {avg} ({avg_src})"),
                        ),
                    );
                }
            }
        } else if set_here.contains(&"floor") || set_here.contains(&"cap") {
            // Explicit bases: an older avg_wage no longer explains them.
            state.values.remove("avg_wage");
        }
        let dec = |p: &str| -> Result<Decimal, PolicyError> {
            match state.values.get(p) {
                Some((Raw::Dec(d), _)) => Ok(*d),
                _ => Err(pack_err(
                    file,
                    format!(
                        "missing key `{path}{p}` (the first version must give floor and cap, or avg_wage)"
                    ),
                )),
            }
        };
        let int = |p: &str| -> u32 {
            match state.values.get(p) {
                Some((Raw::Int(n), _)) => *n,
                _ => 0,
            }
        };
        let boolean = |p: &str| matches!(state.values.get(p), Some((Raw::Bool(true), _)));
        let floor = dec("floor")?;
        let cap = dec("cap")?;
        if cap < floor {
            return Err(pack_err(
                file,
                format!("key `{path}cap`: cap {cap} is below floor {floor}"),
            ));
        }
        let employer_rate = dec("employer_rate")?;
        let employee_rate = dec("employee_rate")?;
        let mut sources: Vec<(&'static str, String)> = Vec::new();
        for p in ORDER {
            if let Some((_, s)) = state.values.get(p) {
                sources.push((p, s.clone()));
            }
        }
        let flexible_rate = match state.values.get("flexible_rate") {
            Some((Raw::Dec(d), _)) => *d,
            _ => {
                sources.push((
                    "flexible_rate",
                    "SPEC §2.4 default: employer_rate + employee_rate".to_string(),
                ));
                employer_rate + employee_rate
            }
        };
        // keep the fixed order after a pushed default
        sources.sort_by_key(|(p, _)| ORDER.iter().position(|o| o == p));
        versions.push(PolicyVersion {
            region,
            from,
            to,
            floor,
            cap,
            avg_wage: match state.values.get("avg_wage") {
                Some((Raw::Dec(d), _)) => Some(*d),
                _ => None,
            },
            employer_rate,
            employee_rate,
            fixed_monthly: dec("fixed_monthly")?,
            flexible_rate,
            separation_month_paid: boolean("separation_month_paid"),
            hire_cutoff_day: match state.values.get("hire_cutoff_day") {
                Some((Raw::Int(d), _)) => Some(*d),
                _ => None,
            },
            short_gap_max_months: int("short_gap_max_months"),
            long_gap_wait_months: int("long_gap_wait_months"),
            stop_filing_days: int("stop_filing_days"),
            late_fee_daily: dec("late_fee_daily")?,
            late_fee_cap_at_principal: boolean("late_fee_cap_at_principal"),
            sources,
        });
        explicit_to.push(to);
    }
    // A version without `to` runs until the month before the next one.
    for i in 0..versions.len() {
        let next_from = versions.get(i + 1).map(|v| v.from);
        match (explicit_to[i], next_from) {
            (Some(to), Some(next)) if to >= next => {
                return Err(pack_err(
                    file,
                    format!("key `versions[{i}].to`: {to} overlaps the next version from {next}"),
                ));
            }
            (None, Some(next)) => versions[i].to = Some(next.prev()),
            _ => {}
        }
    }
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
        versions,
    })
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
    fn shipped_packs_load_and_beijing_matches_spec() {
        let set = PolicySet::load(&[]).unwrap();
        let bj = set.lookup("beijing").unwrap();
        let june = set.version(bj, m("2025-06"), false).unwrap();
        assert_eq!((june.floor, june.cap), (d("6821"), d("35283")));
        let july = set.version(bj, m("2025-07"), false).unwrap();
        assert_eq!((july.floor, july.cap), (d("7162"), d("35811")));
        assert_eq!(july.employer_rate, d("0.098"));
        assert_eq!(july.employee_rate, d("0.02"));
        assert_eq!(july.fixed_monthly, d("3"));
        assert_eq!(july.flexible_rate, d("0.118"));
        // 2024-01 is covered by the 2023-07 version.
        let jan = set.version(bj, m("2024-01"), false).unwrap();
        assert_eq!(jan.from, m("2023-07"));
        assert_eq!(jan.to, Some(m("2024-06")));
    }

    #[test]
    fn national_floor_and_cap_from_avg_wage() {
        let set = PolicySet::load(&[]).unwrap();
        let v = set.version(set.national(), m("2025-07"), false).unwrap();
        // 10342.50 × 0.6 = 6205.50; × 3 = 31027.50
        assert_eq!(v.floor, d("6205.50"));
        assert_eq!(v.cap, d("31027.50"));
        // flexible defaults to 0.08 + 0.02
        assert_eq!(v.flexible_rate, d("0.10"));
        // 9502.42 × 0.6 = 5701.452 → 5701.45
        let old = set.version(set.national(), m("2024-01"), false).unwrap();
        assert_eq!(old.floor, d("5701.45"));
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
        assert_eq!(p.versions[0].employer_rate, d("0.098"));
        assert_eq!(p.versions[0].flexible_rate, d("0.118"));
    }
}
