//! The ledger vocabularies of `schemas/insurance.toml`: insurance names (险种)
//! and payment kinds (缴费类型), each name mapped to what it is.

use crate::model::{Insurance, PaymentKind};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

const INSURANCE_TOML: &str = include_str!("../../schemas/insurance.toml");

/// What an insurance name stands for.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum InsuranceClass {
    /// A part of 职工医保: becomes a ledger entry.
    Medical(Insurance),
    /// Another insurance (its kind key): set aside as `OTHER_INSURANCE`.
    Other(&'static str),
}

#[derive(Deserialize)]
struct File {
    #[serde(default)]
    code_list: String,
    insurance: BTreeMap<String, Vec<String>>,
    payment_kinds: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    codes: BTreeMap<String, BTreeMap<String, String>>,
}

/// Both vocabularies, names normalised.
#[derive(Debug)]
pub(crate) struct Vocab {
    insurance: HashMap<String, InsuranceClass>,
    payment: HashMap<String, PaymentKind>,
}

const OTHER_KINDS: &[&str] = &[
    "supplementary_medical",
    "pension",
    "unemployment",
    "injury",
    "housing_fund",
    "other",
];

fn payment_kind(key: &str) -> Option<PaymentKind> {
    Some(match key {
        "normal" => PaymentKind::Normal,
        "back_pay" => PaymentKind::BackPay,
        "refund" => PaymentKind::Refund,
        "transfer_in" => PaymentKind::TransferIn,
        _ => return None,
    })
}

fn class_of(key: &str) -> Option<InsuranceClass> {
    if let Some(i) = Insurance::from_key(key) {
        return Some(InsuranceClass::Medical(i));
    }
    OTHER_KINDS
        .iter()
        .find(|k| **k == key)
        .map(|k| InsuranceClass::Other(k))
}

/// Drops spaces, makes full-width brackets and plus signs ASCII, lower-cases.
pub(crate) fn normalize_name(raw: &str) -> String {
    raw.chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{3000}' && *c != '\u{feff}')
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            '＋' => '+',
            '【' | '［' => '[',
            '】' | '］' => ']',
            c => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

fn lookup<T: Copy>(map: &HashMap<String, T>, name: &str) -> Option<T> {
    map.get(name)
        .or_else(|| map.get(&normalize_name(name)))
        .copied()
}

impl Vocab {
    pub(crate) fn from_toml(text: &str) -> anyhow::Result<Vocab> {
        let file: File =
            toml::from_str(text).map_err(|e| anyhow::anyhow!("schemas/insurance.toml: {e}"))?;
        let mut insurance = HashMap::new();
        for (key, names) in &file.insurance {
            let class = class_of(key).ok_or_else(|| {
                anyhow::anyhow!("schemas/insurance.toml: unknown insurance kind `{key}`")
            })?;
            for name in names {
                if insurance.insert(normalize_name(name), class).is_some() {
                    anyhow::bail!("schemas/insurance.toml: `{name}` is listed twice");
                }
            }
        }
        if !file.code_list.is_empty() {
            let codes = file.codes.get(&file.code_list).ok_or_else(|| {
                anyhow::anyhow!(
                    "schemas/insurance.toml: code list `{}` is named but has no [codes.{}] table",
                    file.code_list,
                    file.code_list
                )
            })?;
            for (code, key) in codes {
                let class = class_of(key).ok_or_else(|| {
                    anyhow::anyhow!("schemas/insurance.toml: code {code}: unknown kind `{key}`")
                })?;
                insurance.insert(normalize_name(code), class);
            }
        }
        let mut payment = HashMap::new();
        for (key, names) in &file.payment_kinds {
            let kind = payment_kind(key).ok_or_else(|| {
                anyhow::anyhow!("schemas/insurance.toml: unknown payment kind `{key}`")
            })?;
            for name in names {
                if payment.insert(normalize_name(name), kind).is_some() {
                    anyhow::bail!("schemas/insurance.toml: `{name}` is listed twice");
                }
            }
        }
        Ok(Vocab { insurance, payment })
    }

    /// The shipped vocabularies (parsed once).
    pub(crate) fn shipped() -> anyhow::Result<&'static Vocab> {
        static VOCAB: OnceLock<Result<Vocab, String>> = OnceLock::new();
        VOCAB
            .get_or_init(|| Vocab::from_toml(INSURANCE_TOML).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|e| anyhow::anyhow!("{e}"))
    }

    /// A cell is usually written as listed (`基本养老保险`): looked up as it
    /// is first, normalised (an allocation) only when that fails.
    pub(crate) fn insurance(&self, name: &str) -> Option<InsuranceClass> {
        lookup(&self.insurance, name)
    }

    pub(crate) fn payment_kind(&self, name: &str) -> Option<PaymentKind> {
        lookup(&self.payment, name)
    }

    /// The insurance a column group's header path names, if any: the longest
    /// vocabulary name the text contains (`基本医疗保险（含生育）(单位缴纳)`,
    /// `企业职工基本医疗应缴费额`). Names of one or two characters only match
    /// the whole text.
    pub(crate) fn insurance_in(&self, text: &str) -> Option<InsuranceClass> {
        let t = normalize_name(text);
        if let Some(c) = self.insurance.get(&t) {
            return Some(*c);
        }
        self.insurance
            .iter()
            .filter(|(name, _)| name.chars().count() > 2 && t.contains(name.as_str()))
            .max_by(|a, b| a.0.len().cmp(&b.0.len()).then_with(|| b.0.cmp(a.0)))
            .map(|(_, c)| *c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_vocabulary_maps_real_names() {
        let v = Vocab::from_toml(INSURANCE_TOML).unwrap();
        use InsuranceClass::*;
        assert_eq!(
            v.insurance("基本医疗保险（含生育）"),
            Some(Medical(Insurance::BasicMedical))
        );
        assert_eq!(
            v.insurance(" 医疗＋生育 "),
            Some(Medical(Insurance::BasicMedical))
        );
        assert_eq!(
            v.insurance("大额医疗互助"),
            Some(Medical(Insurance::LargeSumMedical))
        );
        assert_eq!(v.insurance("生育保险"), Some(Medical(Insurance::Maternity)));
        assert_eq!(v.insurance("基本养老保险"), Some(Other("pension")));
        assert_eq!(
            v.insurance("地方补充医疗"),
            Some(Other("supplementary_medical"))
        );
        assert_eq!(v.insurance("失业"), Some(Other("unemployment")));
        assert_eq!(v.insurance("310"), None, "codes need a declared list");
        assert_eq!(v.insurance("意外险"), None);
        assert_eq!(v.payment_kind("中断补收"), Some(PaymentKind::BackPay));
        assert_eq!(v.payment_kind("33"), Some(PaymentKind::BackPay));
        assert_eq!(v.payment_kind("退收"), Some(PaymentKind::Refund));
        assert_eq!(v.payment_kind("10"), Some(PaymentKind::Normal));
        assert_eq!(v.payment_kind("转入"), Some(PaymentKind::TransferIn));
        // Column-group headers of wide ledgers.
        assert_eq!(
            v.insurance_in("基本医疗保险（含生育）(单位缴纳)"),
            Some(Medical(Insurance::BasicMedical))
        );
        assert_eq!(
            v.insurance_in("企业职工基本医疗应缴费额"),
            Some(Medical(Insurance::BasicMedical))
        );
        assert_eq!(
            v.insurance_in("基本养老保险(单位缴纳)"),
            Some(Other("pension"))
        );
        assert_eq!(v.insurance_in("实缴金额"), None);
    }

    #[test]
    fn a_declared_code_list_reads_codes() {
        let text = format!(
            "{}\n[codes.nhsa]\n\"310\" = \"basic_medical\"\n\"410\" = \"other\"\n",
            INSURANCE_TOML.replace("code_list = \"\"", "code_list = \"nhsa\"")
        );
        let v = Vocab::from_toml(&text).unwrap();
        assert_eq!(
            v.insurance("310"),
            Some(InsuranceClass::Medical(Insurance::BasicMedical))
        );
        assert_eq!(v.insurance("410"), Some(InsuranceClass::Other("other")));
    }
}
