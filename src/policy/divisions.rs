//! Administrative divisions (行政区划, GB/T 2260 codes) behind an export's 参保地, so a
//! district or county can be mapped to the pack of the 统筹区 it belongs to.
//!
//! Exports name the district as often as the city: `110105`, `北京市朝阳区`,
//! `上海市浦东新区`, `广东省广州市天河区`. [`candidates`] turns such a value into the
//! lookup keys to try against the packs, most specific first: the division's own
//! code, then each division above it (code, and for a name also the Chinese name).
//! The table is `schemas/divisions.toml` (embedded; its header cites the 民政部 code
//! list it was read from, see [`source`]), parsed once on first use.
//!
//! # How it is meant to be called
//!
//! Only after a direct key miss, so pack codes, names and aliases keep priority:
//!
//! ```ignore
//! fn lookup(&self, raw: &str) -> Option<RegionId> {
//!     if let Some(&i) = self.keys.get(&normalize_region(raw)) {
//!         return Some(RegionId(i));
//!     }
//!     divisions::candidates(raw)
//!         .iter()
//!         .find_map(|key| self.keys.get(&normalize_region(key)).map(|&i| RegionId(i)))
//! }
//! ```
//!
//! The first candidate that names a pack wins, so a district pack (should one ever
//! exist) beats its city's, and a city's beats its province's. An empty list means
//! "not a division we know": the caller keeps its own reject naming the raw value.
//! [`candidates`] allocates; a caller that sees the same value on many rows should
//! remember the answer per distinct value. It never yields `000000` (the `national`
//! pack's division): falling back to the national pack is the caller's decision.
//!
//! # Rules
//!
//! * A six-digit code (ASCII or full-width digits, surrounding spaces ignored): the
//!   code, then the table's parents of it. A code missing from the table still goes
//!   up by the GB/T 2260 structure when its province exists: `XXYYZZ` → `XXYY00` →
//!   `XX0000`; in the municipalities 11 北京, 12 天津, 31 上海, 50 重庆 a district or
//!   county goes straight to `XX0000` (`1101xx`/`1102xx` → `110000`); a
//!   province-administered county-level unit (`XX90ZZ`) goes to `XX0000`. Anything
//!   else of digits (five, seven, `110105x`) is not a code.
//! * A name: whitespace removed, then read as a chain of division names from the top,
//!   each level optional: province (full or short: `广东省`/`广东`), prefecture (with
//!   or without 市), county-level unit, each below the one before. `北京市朝阳区`,
//!   `广东省广州市天河区`, `四川省成都市武侯区`, `广州天河区` and a bare `浦东新区` each
//!   name one division. Former codes' names and a code's former names count too
//!   (`闸北区`, `萝岗区`, `万盛区`); a former division whose successor is also named
//!   gives way to it (`简阳市` is today's 510185, not 资阳's 512081).
//! * A name that fits more than one division is ambiguous: `朝阳区` is in 北京 and in
//!   长春, `西湖区` in 杭州 and 南昌. It gives no candidate beyond itself; with its city
//!   (`北京市朝阳区`) it resolves. The table holds every same-named county-level unit
//!   of the pack cities' districts for this reason (see its header).
//! * Office suffixes (社保中心, 医保局, …) are not stripped: no export seen so far
//!   writes the region that way.
//!
//! A former code keeps the parent it had: 崇文区 `110103` → `110000`; 资阳's
//! 简阳市 `512081` → `512000` (资阳市), the city it belonged to while it had that code.

use serde::Deserialize;
use std::collections::HashMap;
use std::sync::OnceLock;

/// The shipped table.
const TABLE_TEXT: &str = include_str!("../../schemas/divisions.toml");

/// Where the table's codes come from (also in the header of `schemas/divisions.toml`).
const SOURCE: &str = "中华人民共和国民政部《2023年中华人民共和国县以上行政区划代码》(GB/T 2260 codes), \
as transcribed in yescallop/areacodes data/2023.txt (commit 8282354b); former codes and \
their retirement years from the same repository's result.csv (commit 01929abf), compiled \
from the ministry's annual lists since 1980";

/// The citation of the division table.
pub fn source() -> &'static str {
    SOURCE
}

/// The municipalities (直辖市): their districts and counties sit directly under `XX0000`.
const MUNICIPALITIES: [&str; 4] = ["11", "12", "31", "50"];

/// One row of `schemas/divisions.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Division {
    /// Six-digit GB/T 2260 code.
    pub code: String,
    pub name: String,
    /// The division above (absent for a province-level unit).
    #[serde(default)]
    pub parent: Option<String>,
    /// Province level only: the short name (`广东`).
    #[serde(default)]
    pub short: Option<String>,
    /// The code is no longer in use.
    #[serde(default)]
    pub former: bool,
    /// Year of the first annual list without the code.
    #[serde(default)]
    pub retired: Option<String>,
    /// The code that took over the area, when one did.
    #[serde(default)]
    pub successor: Option<String>,
    /// Older names of this same code.
    #[serde(default)]
    pub former_names: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TableFile {
    divisions: Vec<Division>,
}

/// The parsed table with its indexes.
#[derive(Debug)]
struct Table {
    divisions: Vec<Division>,
    by_code: HashMap<String, usize>,
    /// Every accepted spelling of a name → the divisions it names.
    by_name: HashMap<String, Vec<usize>>,
    /// Index of each division's parent.
    parent: Vec<Option<usize>>,
}

/// What a name spells.
enum Spelled {
    Nothing,
    One(usize),
    Several,
}

/// Deepest chain a name can spell: province, prefecture, county-level unit.
const MAX_LEVELS: usize = 3;

fn is_code(s: &str) -> bool {
    s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit())
}

impl Table {
    fn parse(text: &str) -> Result<Table, String> {
        let file: TableFile = toml::from_str(text).map_err(|e| format!("divisions table: {e}"))?;
        let divisions = file.divisions;
        let mut by_code = HashMap::with_capacity(divisions.len());
        for (i, d) in divisions.iter().enumerate() {
            if !is_code(&d.code) {
                return Err(format!(
                    "divisions table: code {:?} is not six digits",
                    d.code
                ));
            }
            if d.name.trim().is_empty() {
                return Err(format!("divisions table: {} has no name", d.code));
            }
            if by_code.insert(d.code.clone(), i).is_some() {
                return Err(format!("divisions table: code {} appears twice", d.code));
            }
        }
        let mut parent = Vec::with_capacity(divisions.len());
        for d in &divisions {
            match &d.parent {
                None => parent.push(None),
                Some(p) => match by_code.get(p) {
                    Some(&pi) if p != &d.code => parent.push(Some(pi)),
                    _ => {
                        return Err(format!(
                            "divisions table: parent {p} of {} is not in the table",
                            d.code
                        ));
                    }
                },
            }
            if let Some(s) = &d.successor
                && !by_code.contains_key(s)
            {
                return Err(format!(
                    "divisions table: successor {s} of {} is not in the table",
                    d.code
                ));
            }
        }
        // A parent chain longer than the three levels means a cycle or a bad parent.
        for (start, d) in divisions.iter().enumerate() {
            let mut at = start;
            let mut steps = 0;
            while let Some(p) = parent[at] {
                at = p;
                steps += 1;
                if steps >= MAX_LEVELS {
                    return Err(format!(
                        "divisions table: {} sits more than three levels deep",
                        d.code
                    ));
                }
            }
        }
        let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, d) in divisions.iter().enumerate() {
            let mut forms: Vec<&str> = vec![d.name.as_str()];
            forms.extend(d.former_names.iter().map(String::as_str));
            if let Some(short) = &d.short {
                forms.push(short.as_str());
            }
            // A prefecture-level city also goes without 市 (广州); a county-level 市
            // does not (简阳 alone is too easily part of something else).
            let prefecture = parent[i].is_some_and(|p| parent[p].is_none())
                && !MUNICIPALITIES.contains(&&d.code[..2]);
            if prefecture
                && let Some(bare) = d.name.strip_suffix('市')
                && bare.chars().count() >= 2
            {
                forms.push(bare);
            }
            for form in forms {
                let key = squeeze(form);
                if key.is_empty() {
                    continue;
                }
                let entry = by_name.entry(key).or_default();
                if !entry.contains(&i) {
                    entry.push(i);
                }
            }
        }
        Ok(Table {
            divisions,
            by_code,
            by_name,
            parent,
        })
    }

    /// `d` is `ancestor` or sits below it.
    fn within(&self, d: usize, ancestor: usize) -> bool {
        let mut at = Some(d);
        while let Some(i) = at {
            if i == ancestor {
                return true;
            }
            at = self.parent[i];
        }
        false
    }

    /// The divisions `s` spells as a chain of names, each below `below` (when given).
    fn spell(&self, s: &str, below: Option<usize>, level: usize, out: &mut Vec<usize>) {
        if level >= MAX_LEVELS || s.is_empty() {
            return;
        }
        let ends = s
            .char_indices()
            .map(|(i, _)| i)
            .skip(1)
            .chain(std::iter::once(s.len()));
        for end in ends {
            let Some(named) = self.by_name.get(&s[..end]) else {
                continue;
            };
            let rest = &s[end..];
            for &d in named {
                if let Some(b) = below
                    && (d == b || !self.within(d, b))
                {
                    continue;
                }
                if rest.is_empty() {
                    if !out.contains(&d) {
                        out.push(d);
                    }
                } else {
                    self.spell(rest, Some(d), level + 1, out);
                }
            }
        }
    }

    /// What a name spells, after former divisions give way to their successors.
    fn resolve_name(&self, name: &str) -> Spelled {
        let mut found = Vec::new();
        self.spell(name, None, 0, &mut found);
        let successors: Vec<&str> = found
            .iter()
            .map(|&d| self.divisions[d].code.as_str())
            .collect();
        found.retain(|&d| {
            let div = &self.divisions[d];
            !(div.former
                && div
                    .successor
                    .as_deref()
                    .is_some_and(|s| successors.contains(&s)))
        });
        match found.as_slice() {
            [] => Spelled::Nothing,
            [one] => Spelled::One(*one),
            _ => Spelled::Several,
        }
    }

    /// Codes from `d` up to its province.
    fn code_chain(&self, d: usize) -> Vec<String> {
        let mut out = Vec::with_capacity(MAX_LEVELS);
        let mut at = Some(d);
        while let Some(i) = at {
            out.push(self.divisions[i].code.clone());
            at = self.parent[i];
        }
        out
    }

    /// A name's keys: the division's code, then each division above: code, name.
    fn name_chain(&self, d: usize) -> Vec<String> {
        let mut out = vec![self.divisions[d].code.clone()];
        let mut at = self.parent[d];
        while let Some(i) = at {
            out.push(self.divisions[i].code.clone());
            out.push(self.divisions[i].name.clone());
            at = self.parent[i];
        }
        out
    }

    /// A six-digit code's keys (see the module doc).
    fn code_candidates(&self, code: &str) -> Vec<String> {
        if let Some(&d) = self.by_code.get(code) {
            return self.code_chain(d);
        }
        let (Some(prov2), Some(mid)) = (code.get(..2), code.get(2..4)) else {
            return Vec::new();
        };
        let province = format!("{prov2}0000");
        if !self.by_code.contains_key(&province) {
            return Vec::new();
        }
        let mut out = vec![code.to_string()];
        if !MUNICIPALITIES.contains(&prov2) && mid != "00" && mid != "90" {
            let prefecture = format!("{prov2}{mid}00");
            if prefecture != code {
                out.push(prefecture);
            }
        }
        if province != code {
            out.push(province);
        }
        out
    }
}

/// The shipped table, parsed on first use.
fn loaded() -> &'static Result<Table, String> {
    static TABLE: OnceLock<Result<Table, String>> = OnceLock::new();
    TABLE.get_or_init(|| Table::parse(TABLE_TEXT))
}

fn table() -> Option<&'static Table> {
    loaded().as_ref().ok()
}

/// Whether the shipped table parsed and is consistent (unique six-digit codes, every
/// parent and successor present); the error says what is wrong. [`candidates`] gives
/// empty lists when it is not.
pub fn check() -> Result<(), String> {
    loaded().as_ref().map(|_| ()).map_err(Clone::clone)
}

/// The table's row for a code (current or former).
pub fn division(code: &str) -> Option<&'static Division> {
    let t = table()?;
    t.by_code.get(code).map(|&i| &t.divisions[i])
}

/// Whitespace (also U+3000) removed.
fn squeeze(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{3000}')
        .collect()
}

/// `s` trimmed, full-width digits made ASCII, when that is six digits.
fn as_code(s: &str) -> Option<String> {
    let trimmed = s.trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}');
    let mut code = String::with_capacity(6);
    for c in trimmed.chars() {
        let ascii = match c {
            '0'..='9' => c,
            '０'..='９' => char::from_u32(u32::from(c) - u32::from('０') + u32::from('0'))?,
            _ => return None,
        };
        code.push(ascii);
        if code.len() > 6 {
            return None;
        }
    }
    is_code(&code).then_some(code)
}

/// The lookup keys to try against the packs for a 参保地 value, most specific first
/// (see the module doc): for `110105`, `["110105", "110000"]`; for `广州市天河区`,
/// `["440106", "440100", "广州市", "440000", "广东省"]`. An ambiguous bare name gives
/// only itself; an unknown value, an empty list.
pub fn candidates(raw: &str) -> Vec<String> {
    let Some(t) = table() else {
        return Vec::new();
    };
    if let Some(code) = as_code(raw) {
        return t.code_candidates(&code);
    }
    let name = squeeze(raw);
    if name.is_empty() {
        return Vec::new();
    }
    match t.resolve_name(&name) {
        Spelled::One(d) => t.name_chain(d),
        Spelled::Nothing => Vec::new(),
        Spelled::Several => vec![name],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has(list: &[String], key: &str) -> bool {
        list.iter().any(|k| k == key)
    }

    fn t() -> &'static Table {
        table().expect("the shipped divisions table parses")
    }

    #[test]
    fn shipped_table_parses_with_unique_codes_and_known_parents() {
        assert_eq!(check(), Ok(()));
        let table = t();
        let mut seen = std::collections::HashSet::new();
        for d in &table.divisions {
            assert!(is_code(&d.code), "{} is six digits", d.code);
            assert!(seen.insert(d.code.as_str()), "{} appears once", d.code);
            if let Some(p) = &d.parent {
                assert!(
                    table.by_code.contains_key(p),
                    "parent {p} of {} exists",
                    d.code
                );
            }
            if let Some(s) = &d.successor {
                assert!(d.former, "{} has a successor only if former", d.code);
                let succ = division(s).expect("successor exists");
                assert!(!succ.former, "successor {s} of {} is current", d.code);
            }
            if d.retired.is_some() {
                assert!(d.former, "{} is retired only if former", d.code);
            }
            if d.parent.is_none() {
                assert!(d.code.ends_with("0000"), "{} is province level", d.code);
                assert!(d.short.is_some(), "{} has a short name", d.code);
            }
        }
        // 34 province-level units.
        assert_eq!(
            table
                .divisions
                .iter()
                .filter(|d| d.parent.is_none())
                .count(),
            34
        );
    }

    #[test]
    fn table_rejects_duplicates_and_missing_parents() {
        let dup = r#"divisions = [
            { code = "110000", name = "北京市", short = "北京" },
            { code = "110000", name = "北京市", short = "北京" },
        ]"#;
        assert!(Table::parse(dup).unwrap_err().contains("twice"));
        let orphan = r#"divisions = [ { code = "110105", name = "朝阳区", parent = "110000" } ]"#;
        assert!(
            Table::parse(orphan)
                .unwrap_err()
                .contains("not in the table")
        );
        let bad = r#"divisions = [ { code = "11000", name = "北京市" } ]"#;
        assert!(Table::parse(bad).unwrap_err().contains("six digits"));
        let cycle = r#"divisions = [
            { code = "110000", name = "甲", parent = "120000" },
            { code = "120000", name = "乙", parent = "110000" },
        ]"#;
        assert!(Table::parse(cycle).is_err());
        assert!(Table::parse("not toml [").is_err());
    }

    /// Current county-level units of each pack city, counted against the 2023 list.
    #[test]
    fn pack_cities_have_all_their_districts() {
        let table = t();
        let count = |parent: &str| {
            table
                .divisions
                .iter()
                .filter(|d| !d.former && d.parent.as_deref() == Some(parent))
                .filter(|d| !d.code.ends_with("00"))
                .count()
        };
        assert_eq!(count("110000"), 16, "北京");
        assert_eq!(count("310000"), 16, "上海");
        assert_eq!(count("120000"), 16, "天津");
        assert_eq!(count("500000"), 38, "重庆: 26 区 + 12 县");
        assert_eq!(count("440100"), 11, "广州");
        assert_eq!(count("440300"), 9, "深圳");
        assert_eq!(count("510100"), 20, "成都");
        assert_eq!(count("330100"), 13, "杭州");
        for city in ["440100", "440300", "510100", "330100"] {
            assert!(division(city).is_some_and(|d| !d.former), "{city}");
        }
    }

    #[test]
    fn district_codes_go_up_to_city_and_province() {
        assert_eq!(candidates("110105"), ["110105", "110000"]);
        assert_eq!(candidates("440106"), ["440106", "440100", "440000"]);
        assert_eq!(candidates("310115"), ["310115", "310000"]);
        assert_eq!(candidates("500243"), ["500243", "500000"]);
        assert_eq!(candidates("510107"), ["510107", "510100", "510000"]);
        assert_eq!(candidates("330114"), ["330114", "330100", "330000"]);
        assert_eq!(candidates("440311"), ["440311", "440300", "440000"]);
        assert_eq!(candidates("440100"), ["440100", "440000"]);
        assert_eq!(candidates("110000"), ["110000"]);
    }

    #[test]
    fn codes_accept_spaces_and_full_width_digits() {
        assert_eq!(candidates("１１０１０５"), ["110105", "110000"]);
        assert_eq!(
            candidates(" 440106\u{3000}"),
            ["440106", "440100", "440000"]
        );
    }

    #[test]
    fn codes_missing_from_the_table_follow_the_code_structure() {
        // 石家庄市长安区: not in the table, province 13 is.
        assert_eq!(candidates("130102"), ["130102", "130100", "130000"]);
        // 北京市 市辖区 summary code of older lists.
        assert_eq!(candidates("110100"), ["110100", "110000"]);
        // 重庆 县 summary range.
        assert_eq!(candidates("500200"), ["500200", "500000"]);
        // 济源市, a county-level city under 河南省 directly.
        assert_eq!(candidates("419001"), ["419001", "410000"]);
        // No such province.
        assert!(candidates("990101").is_empty());
        assert!(candidates("000000").is_empty());
    }

    #[test]
    fn full_names_resolve_to_the_district_and_its_city() {
        let bj = candidates("北京市朝阳区");
        assert_eq!(bj, ["110105", "110000", "北京市"]);
        assert!(has(&candidates("上海市浦东新区"), "310000"));
        let gz = candidates("广州市天河区");
        assert_eq!(gz, ["440106", "440100", "广州市", "440000", "广东省"]);
        let gd = candidates("广东省广州市天河区");
        assert_eq!(gd, gz);
        let cd = candidates("四川省成都市武侯区");
        assert_eq!(cd[0], "510107");
        assert!(has(&cd, "510100") && has(&cd, "成都市"));
        assert!(has(&candidates("浙江省杭州市西湖区"), "330100"));
        assert!(has(&candidates("重庆市渝北区"), "500000"));
        assert!(has(&candidates("天津市滨海新区"), "120000"));
        assert!(has(&candidates("深圳市南山区"), "440300"));
    }

    #[test]
    fn short_forms_and_spaces_in_names() {
        assert!(has(&candidates("北京朝阳区"), "110000"));
        assert!(has(&candidates("广东广州天河区"), "440100"));
        assert!(has(&candidates("广州天河区"), "440100"));
        assert!(has(&candidates("北京市 朝阳区"), "110000"));
        assert!(has(
            &candidates("\u{3000}上海市\u{3000}浦东新区 "),
            "310000"
        ));
        // A city name alone goes up to its province.
        assert_eq!(candidates("成都"), ["510100", "510000", "四川省"]);
    }

    #[test]
    fn a_unique_bare_district_resolves() {
        let pd = candidates("浦东新区");
        assert_eq!(pd, ["310115", "310000", "上海市"]);
        assert!(has(&candidates("武侯区"), "510100"));
        assert!(has(&candidates("天河区"), "440100"));
        assert!(has(&candidates("钱塘区"), "330100"));
    }

    #[test]
    fn an_ambiguous_bare_district_gives_only_itself() {
        // 朝阳区: 北京 110105 and 长春 220104, both in the table.
        assert!(division("220104").is_some_and(|d| d.name == "朝阳区"));
        assert_eq!(candidates("朝阳区"), ["朝阳区"]);
        // 西湖区: 杭州 330106 and 南昌 360103.
        assert_eq!(candidates("西湖区"), ["西湖区"]);
        assert_eq!(candidates("普陀区"), ["普陀区"]);
        assert_eq!(candidates("南山区"), ["南山区"]);
        // With the city, each resolves.
        assert!(has(&candidates("吉林省长春市朝阳区"), "220100"));
        assert!(!has(&candidates("吉林省长春市朝阳区"), "110000"));
        assert!(has(&candidates("杭州市西湖区"), "330100"));
        assert!(has(&candidates("舟山市普陀区"), "330900"));
        assert!(has(&candidates("上海普陀区"), "310000"));
    }

    #[test]
    fn former_codes_and_names_map_to_their_city() {
        assert_eq!(candidates("110103"), ["110103", "110000"]);
        assert_eq!(candidates("440116"), ["440116", "440100", "440000"]);
        assert_eq!(candidates("310108"), ["310108", "310000"]);
        assert!(has(&candidates("崇文区"), "110000"));
        assert!(has(&candidates("上海市闸北区"), "310000"));
        assert!(has(&candidates("闸北区"), "310000"));
        assert!(has(&candidates("广州市萝岗区"), "440100"));
        assert!(has(&candidates("郫县"), "510100"));
        assert!(has(&candidates("杭州市江干区"), "330100"));
        assert!(has(&candidates("万盛区"), "500000"));
        // A former name shared with a current district elsewhere stays ambiguous
        // bare (广州 东山区, gone 2005; 鹤岗 东山区) and resolves with its city.
        assert_eq!(candidates("东山区"), ["东山区"]);
        assert!(has(&candidates("广州市东山区"), "440100"));
        // 双桥区: 重庆 500111's name until 2011, and 承德's today.
        assert_eq!(candidates("双桥区"), ["双桥区"]);
        assert!(has(&candidates("重庆市双桥区"), "500000"));
    }

    #[test]
    fn a_former_division_gives_way_to_its_successor() {
        // 简阳市: 资阳's 512081 until 2016, 成都's 510185 since.
        assert_eq!(
            candidates("简阳市"),
            ["510185", "510100", "成都市", "510000", "四川省"]
        );
        // The old code keeps the city it had.
        assert_eq!(candidates("512081"), ["512081", "512000", "510000"]);
        assert!(has(&candidates("资阳市简阳市"), "512000"));
    }

    #[test]
    fn unknown_or_odd_values_give_nothing_and_never_panic() {
        for raw in [
            "",
            " ",
            "\u{3000}",
            "火星市",
            "火星市朝阳区",
            "12345",
            "1234567",
            "110105x",
            "x110105",
            "11010５6",
            "１１０１０",
            "市",
            "区",
            "省",
            "北京市北京市",
            "朝阳区北京市",
            "广州市朝阳区",
            "天河区广州市",
            "🙂",
            "\u{0}",
            "1101 05",
            "-110105",
            "+11010",
        ] {
            let got = candidates(raw);
            assert!(got.is_empty(), "{raw:?} gave {got:?}");
        }
        let long = "北京市".repeat(500);
        assert!(candidates(&long).is_empty());
    }

    #[test]
    fn source_cites_the_code_list() {
        assert!(source().contains("民政部"));
        assert!(source().contains("2023"));
        assert!(TABLE_TEXT.contains("2023年中华人民共和国县以上行政区划代码"));
    }

    proptest::proptest! {
        #[test]
        fn candidates_never_panic(raw in "\\PC{0,24}") {
            let _ = candidates(&raw);
        }

        #[test]
        fn any_six_digits_with_a_known_province_end_at_it(n in 0u32..1_000_000) {
            let code = format!("{n:06}");
            let got = candidates(&code);
            if let Some(last) = got.last() {
                proptest::prop_assert_eq!(&got[0], &code);
                proptest::prop_assert!(last.ends_with("0000"));
            }
        }
    }
}
