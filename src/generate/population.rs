//! Who is in the synthetic data: regions (统筹区) with approximate contribution
//! figures, employers with 统一社会信用代码-style codes and export habits, and
//! persons with valid resident IDs (公民身份号码), Chinese names, skewed wages and
//! a plan of 1–4 employment spells (入职 → 离职) as a real roster shows them:
//! first hired between 2000-01 and 2026-06 (about 25% before 2016, 35% in
//! 2016–2023, 40% from 2024), never before the age of 16, retiring at the
//! statutory age, with separations and filings up to the export date 2026-11-20.
//!
//! Everything is a pure function of the seed and an index, so any person can be
//! re-derived (for the ledger, for rendering) without storing it.

use super::rng::{Rng, mix64};
use crate::model::{DocKind, IdType, Month, PersonId};
use chrono::{Datelike, NaiveDate};

/// Stream purposes for [`Rng::stream`].
pub(crate) const STREAM_EMPLOYER: u64 = 1;
pub(crate) const STREAM_TIMELINE: u64 = 2;
pub(crate) const STREAM_NAME: u64 = 3;
pub(crate) const STREAM_BAD: u64 = 4;
pub(crate) const STREAM_LEDGER: u64 = 5;
pub(crate) const STREAM_IDS: u64 = 6;
pub(crate) const STREAM_DOCUMENTS: u64 = 7;

/// The export date: nothing in the data is dated after it (hires up to 2026-10,
/// separations and filings up to this day). Runs use `--as-of 2026-11-22`.
pub fn export_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 20).expect("constant date")
}
/// The earliest hire month.
pub fn first_hire_month() -> Month {
    Month::new(2000, 1).expect("constant month")
}
/// The latest hire month.
pub fn last_hire_month() -> Month {
    Month::new(2026, 10).expect("constant month")
}
/// The last month the ledger (实缴记录) has payments for.
pub fn ledger_last_month() -> Month {
    Month::new(2026, 10).expect("constant month")
}

/// A region as the generator knows it. Floors, caps and rates are rough
/// figures for realistic ledger amounts only; the engine uses the policy packs.
#[derive(Debug)]
pub struct RegionInfo {
    pub code: &'static str,
    /// Ways employers write this region in the 参保地 column.
    pub spellings: &'static [&'static str],
    /// Division codes used in employer codes (统一社会信用代码 digits 3–8).
    pub areas: &'static [&'static str],
    /// City word used in company names.
    pub city_words: &'static [&'static str],
    /// (floor, cap) in yuan before and from 2025-07.
    pub bounds: [(u32, u32); 2],
    /// Employer + employee rate in per ten thousand (11.8% = 1180).
    pub rate_bp: u32,
    /// Fixed monthly add-on in yuan (Beijing 大额互助 3 元).
    pub fixed: u32,
}

pub const REGIONS: [RegionInfo; 5] = [
    RegionInfo {
        code: "beijing",
        spellings: &["beijing", "北京", "北京市", "110000"],
        areas: &["110101", "110105", "110108", "110106", "110114"],
        city_words: &["北京"],
        bounds: [(6821, 35283), (7162, 35811)],
        rate_bp: 1180,
        fixed: 3,
    },
    RegionInfo {
        code: "shanghai",
        spellings: &["shanghai", "上海", "上海市", "310000"],
        areas: &["310101", "310104", "310115", "310112"],
        city_words: &["上海"],
        bounds: [(7384, 36921), (7460, 37302)],
        rate_bp: 1200,
        fixed: 0,
    },
    RegionInfo {
        code: "guangzhou",
        spellings: &["guangzhou", "广州", "广州市", "440100"],
        areas: &["440103", "440104", "440106", "440111"],
        city_words: &["广州"],
        bounds: [(5284, 26418), (5500, 27501)],
        rate_bp: 750,
        fixed: 0,
    },
    RegionInfo {
        code: "shenzhen",
        spellings: &["shenzhen", "深圳", "深圳市", "440300"],
        areas: &["440303", "440304", "440305", "440306"],
        city_words: &["深圳"],
        bounds: [(6727, 33636), (7081, 35403)],
        rate_bp: 700,
        fixed: 0,
    },
    RegionInfo {
        code: "national",
        spellings: &["national"],
        areas: &["320102", "330106", "420106", "510104", "410105", "370102"],
        city_words: &["江苏", "浙江", "湖北", "四川", "河南", "山东"],
        bounds: [(5000, 25000), (5200, 26000)],
        rate_bp: 1000,
        fixed: 0,
    },
];
const REGION_WEIGHTS: [u32; 5] = [25, 25, 15, 15, 20];

/// How an employer's HR system writes dates.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum DateStyle {
    /// `2025-03-05`
    Iso,
    /// `2025/3/5`
    Slash,
    /// `20250305`
    Compact,
    /// `2025年3月5日`
    Chinese,
    /// `2025.3.5`
    Dot,
}
const DATE_STYLES: [DateStyle; 5] = [
    DateStyle::Iso,
    DateStyle::Slash,
    DateStyle::Compact,
    DateStyle::Chinese,
    DateStyle::Dot,
];
const DATE_STYLE_WEIGHTS: [u32; 5] = [60, 20, 10, 5, 5];

/// How an employer's HR system writes money (all valid money, SPEC §2.1).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum MoneyStyle {
    /// `8000`, `8523.37`
    Plain,
    /// `8000.00`
    Fixed2,
    /// `8,000.00`
    Thousands,
    /// `¥8000` (`￥8000` in GBK files)
    Yen,
    /// `8000元`
    Yuan,
    /// `８０００` (full-width digits)
    FullWidth,
}
const MONEY_STYLES: [MoneyStyle; 6] = [
    MoneyStyle::Plain,
    MoneyStyle::Fixed2,
    MoneyStyle::Thousands,
    MoneyStyle::Yen,
    MoneyStyle::Yuan,
    MoneyStyle::FullWidth,
];
const MONEY_STYLE_WEIGHTS: [u32; 6] = [45, 30, 10, 5, 5, 5];

/// (hire word, separation word) pairs as HR systems use them.
const EVENT_WORDS: [(&str, &str); 3] = [("增员", "减员"), ("入职", "离职"), ("新参保", "停保")];
const EVENT_WORD_WEIGHTS: [u32; 3] = [55, 35, 10];

#[derive(Clone, Debug)]
pub struct Employer {
    /// 18-character 统一社会信用代码 with valid GB 32100 check character.
    pub code: String,
    /// Company name, for title lines (`XX公司2026年10月社保增减员表`).
    pub name: String,
    /// Index into [`REGIONS`].
    pub region: usize,
    /// How this employer writes its region.
    pub region_text: &'static str,
    pub hire_word: &'static str,
    pub separation_word: &'static str,
    pub date_style: DateStyle,
    pub money_style: MoneyStyle,
}

const USCC_CHARS: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const USCC_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// GB 32100-2015 check character of the first 17 characters of a 统一社会信用代码.
pub fn uscc_check_char(first17: &[u8]) -> u8 {
    let sum: u32 = first17
        .iter()
        .zip(USCC_WEIGHTS)
        .map(|(c, w)| USCC_CHARS.iter().position(|x| x == c).unwrap_or(0) as u32 * w)
        .sum();
    USCC_CHARS[((31 - sum % 31) % 31) as usize]
}

/// GB 11714 check character of an 8-character organization code.
fn org_check_char(first8: &[u8]) -> u8 {
    const W: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = first8
        .iter()
        .zip(W)
        .map(|(&c, w)| {
            let v = if c.is_ascii_digit() {
                u32::from(c - b'0')
            } else {
                u32::from(c - b'A') + 10
            };
            v * w
        })
        .sum();
    match 11 - sum % 11 {
        10 => b'X',
        11 => b'0',
        d => b'0' + d as u8,
    }
}

const BRAND_WORDS: &[&str] = &[
    "华信", "宏达", "恒通", "金盛", "鼎新", "瑞丰", "嘉禾", "天成", "博远", "联创", "凯达", "新元",
    "明辉", "安和", "永兴", "正源", "德润", "广益", "信达", "东方", "盛世", "同创", "海纳", "中联",
];
const INDUSTRY_WORDS: &[&str] = &[
    "科技",
    "物流",
    "餐饮管理",
    "建设工程",
    "商贸",
    "电子",
    "医药",
    "物业管理",
    "人力资源服务",
    "信息技术",
    "食品",
    "机械制造",
    "教育咨询",
    "酒店管理",
];

/// The employers of a run, `count` of them, derived from the seed.
pub fn employers(seed: u64, count: u32) -> Vec<Employer> {
    (0..count)
        .map(|i| {
            let mut rng = Rng::stream(seed, STREAM_EMPLOYER, u64::from(i));
            let region = rng.weighted(&REGION_WEIGHTS);
            let info = &REGIONS[region];
            let area = rng.pick(info.areas);
            // Organization code: "MA" + 6 characters unique per employer index,
            // + GB 11714 check; then 91 (企业) + area + org + GB 32100 check.
            let mut org = [0u8; 9];
            org[0] = b'M';
            org[1] = b'A';
            // Scatter the index over 31^6 values (3^18 is coprime with 31).
            let mut n = (u64::from(i) * 387_420_489 + mix64(seed) % 887_503_681) % 887_503_681;
            for slot in org[2..8].iter_mut().rev() {
                *slot = USCC_CHARS[(n % 31) as usize];
                n /= 31;
            }
            org[8] = org_check_char(&org[..8]);
            let mut code = Vec::with_capacity(18);
            code.extend_from_slice(b"91");
            code.extend_from_slice(area.as_bytes());
            code.extend_from_slice(&org);
            let check = uscc_check_char(&code);
            code.push(check);
            let code = String::from_utf8(code).unwrap_or_default();
            let name = format!(
                "{}{}{}有限公司",
                rng.pick(info.city_words),
                rng.pick(BRAND_WORDS),
                rng.pick(INDUSTRY_WORDS)
            );
            let (hire_word, separation_word) = EVENT_WORDS[rng.weighted(&EVENT_WORD_WEIGHTS)];
            Employer {
                code,
                name,
                region,
                region_text: rng.pick(info.spellings),
                hire_word,
                separation_word,
                date_style: DATE_STYLES[rng.weighted(&DATE_STYLE_WEIGHTS)],
                money_style: MONEY_STYLES[rng.weighted(&MONEY_STYLE_WEIGHTS)],
            }
        })
        .collect()
}

/// Picks employers with a skewed (Zipf-like) size distribution: a few large
/// employers, many small ones.
#[derive(Debug)]
pub struct EmployerPicker {
    cumulative: Vec<u64>,
}

impl EmployerPicker {
    pub fn new(count: u32) -> EmployerPicker {
        let mut total = 0u64;
        let cumulative = (0..u64::from(count))
            .map(|rank| {
                total += 1_000_000 / (rank + 2);
                total
            })
            .collect();
        EmployerPicker { cumulative }
    }
    pub fn pick(&self, rng: &mut Rng) -> u32 {
        let total = self.cumulative.last().copied().unwrap_or(1);
        let x = rng.below(total);
        self.cumulative.partition_point(|&c| c <= x) as u32
    }
}

/// County codes (行政区划代码) that appear in resident IDs: the four cities and
/// the provinces most migrant workers come from.
pub const ID_AREAS: [&str; 40] = [
    "110101", "110102", "110105", "110106", "110108", "310101", "310104", "310105", "310110",
    "310115", "440103", "440104", "440105", "440106", "440111", "440303", "440304", "440305",
    "440306", "440307", "410102", "410105", "430102", "430104", "510104", "510107", "420102",
    "420106", "360102", "450102", "130102", "370102", "320102", "330102", "350102", "610102",
    "500103", "340102", "210102", "230102",
];

/// Birth dates 1960-01-01 ..= 2003-12-31.
const BIRTH_FIRST: (i32, u32, u32) = (1960, 1, 1);
const BIRTH_DAYS: u64 = 16_071;
const ID_SEQUENCES: u64 = 1000;

/// Maps person indexes to distinct resident IDs: an affine permutation of the
/// space (area × birth day × sequence), so IDs are unique without a lookup.
#[derive(Debug, Clone, Copy)]
pub struct IdSpace {
    seed: u64,
    multiplier: u64,
    offset: u64,
}

/// Persons per thousand who identify with another document than a resident
/// ID (证件类型 护照, 港澳居民来往内地通行证 …).
pub const DOCUMENT_PER_MILLE: u32 = 10;
/// Document numbers end in an 8-digit serial, a permutation of the person's
/// index (the multiplier is prime, so coprime to 10^8): no two holders of one
/// kind share a number. Only the first 10^8 persons may hold a document.
const DOCUMENT_SERIALS: u64 = 100_000_000;
const SERIAL_MULTIPLIER: u64 = 73_939_133;
/// The 证件类型 cell of a resident ID.
pub const RESIDENT_LABEL: &str = "居民身份证";
/// Nationalities heading an old 外国人永久居留证 number.
const NATIONALITIES: [&str; 8] = ["USA", "GBR", "DEU", "FRA", "JPN", "KOR", "CAN", "AUS"];

/// Another document than a resident ID, as a person holding one is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Document {
    /// The 证件类型 cell (`护照`).
    pub label: &'static str,
    /// The person as medrecon keys them: the document's kind and number.
    pub id: PersonId,
}

impl IdSpace {
    pub const SIZE: u64 = ID_AREAS.len() as u64 * BIRTH_DAYS * ID_SEQUENCES;

    pub fn new(seed: u64) -> IdSpace {
        let mut rng = Rng::stream(seed, STREAM_IDS, 0);
        let mut multiplier = rng.below(Self::SIZE - 2) + 2;
        while gcd(multiplier, Self::SIZE) != 1 {
            multiplier += 1;
        }
        IdSpace {
            seed,
            multiplier,
            offset: rng.below(Self::SIZE),
        }
    }

    /// The document person `index` identifies with instead of their resident
    /// ID, for about [`DOCUMENT_PER_MILLE`] of persons: half a passport
    /// (`E` and 8 digits), three in ten a 港澳居民来往内地通行证 (`H`/`M` and 8
    /// digits), one in ten a 台湾居民来往大陆通行证 (8 digits) and one in ten an
    /// old 外国人永久居留证 (three letters, twelve digits).
    pub fn document(&self, index: u64) -> Option<Document> {
        if index >= DOCUMENT_SERIALS {
            return None;
        }
        let mut rng = Rng::stream(self.seed, STREAM_DOCUMENTS, index);
        if !rng.chance(DOCUMENT_PER_MILLE) {
            return None;
        }
        let serial = (index * SERIAL_MULTIPLIER + self.offset) % DOCUMENT_SERIALS;
        let mut number = [0u8; 15];
        let (label, id_type, head) = match rng.below(10) {
            0..=4 => ("护照", IdType::Doc(DocKind::Passport), "E"),
            5..=7 => (
                "港澳居民来往内地通行证",
                IdType::Doc(DocKind::HkMoPermit),
                if rng.chance(700) { "H" } else { "M" },
            ),
            8 => ("台湾居民来往大陆通行证", IdType::Doc(DocKind::TwPermit), ""),
            _ => ("外国人永久居留身份证", IdType::ForeignPermanent, ""),
        };
        let mut len = head.len();
        number[..len].copy_from_slice(head.as_bytes());
        if id_type == IdType::ForeignPermanent {
            number[..3].copy_from_slice(rng.pick(&NATIONALITIES).as_bytes());
            number[3..7].copy_from_slice(b"1100");
            len = 7;
        }
        put_digits(&mut number[len..len + 8], serial);
        let text = std::str::from_utf8(&number[..len + 8]).ok()?;
        let id = PersonId::parse_typed(id_type, text).ok()?;
        Some(Document { label, id })
    }

    /// The resident ID of person `index` (`index < IdSpace::SIZE`).
    pub fn person_id(&self, index: u64) -> PersonId {
        let x = ((u128::from(index) * u128::from(self.multiplier) + u128::from(self.offset))
            % u128::from(Self::SIZE)) as u64;
        let seq = x % ID_SEQUENCES;
        let day = (x / ID_SEQUENCES) % BIRTH_DAYS;
        let area = (x / ID_SEQUENCES / BIRTH_DAYS) as usize;
        let birth = NaiveDate::from_ymd_opt(BIRTH_FIRST.0, BIRTH_FIRST.1, BIRTH_FIRST.2)
            .and_then(|d| d.checked_add_days(chrono::Days::new(day)))
            .unwrap_or_default();
        let mut first17 = [b'0'; 17];
        first17[..6].copy_from_slice(ID_AREAS[area].as_bytes());
        put_digits(&mut first17[6..10], birth.year() as u64);
        put_digits(&mut first17[10..12], u64::from(birth.month()));
        put_digits(&mut first17[12..14], u64::from(birth.day()));
        put_digits(&mut first17[14..17], seq);
        PersonId::from_first17(&first17).expect("put_digits writes ASCII digits only")
    }
}

fn put_digits(out: &mut [u8], mut n: u64) {
    for slot in out.iter_mut().rev() {
        *slot = b'0' + (n % 10) as u8;
        n /= 10;
    }
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
    "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁",
    "任", "沈", "姚", "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "金", "石", "廖", "贾", "夏",
    "韦", "方", "白", "邹", "孟", "熊", "秦", "邱", "江", "尹", "薛", "段", "雷", "侯", "龙", "史",
    "陶", "黎", "贺", "顾", "毛", "郝", "龚", "邵", "万", "钱", "严", "覃", "武", "戴", "莫", "孔",
    "向", "汤",
];
const COMPOUND_SURNAMES: &[&str] = &["欧阳", "司马", "上官", "诸葛", "东方", "慕容"];
const GIVEN_MALE: &[&str] = &[
    "伟", "强", "磊", "军", "洋", "勇", "杰", "涛", "明", "超", "刚", "平", "辉", "鹏", "华", "飞",
    "鑫", "波", "斌", "宇", "浩", "凯", "健", "俊", "帆", "帅", "旭", "宁", "龙", "林", "建", "国",
    "志", "文", "海", "峰", "东", "晨", "阳", "亮",
];
const GIVEN_FEMALE: &[&str] = &[
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "秀", "英", "玲", "桂", "兰", "燕", "萍", "红",
    "琳", "倩", "婷", "雪", "慧", "颖", "梅", "琴", "云", "莉", "欣", "佳", "悦", "晶", "洁", "璐",
    "瑶", "怡", "文", "晓", "小", "雨", "思", "月",
];

/// The person's name (姓名). `variant` gives the same person a slightly
/// different name (a typo at one employer: NAME_MISMATCH in the reports).
pub fn person_name(seed: u64, index: u64, male: bool, variant: bool, out: &mut String) {
    let mut rng = Rng::stream(seed, STREAM_NAME, index);
    if rng.chance(10) {
        out.push_str(rng.pick(COMPOUND_SURNAMES));
    } else {
        // Common surnames first: the square of a uniform favours low indexes.
        let u = rng.below(SURNAMES.len() as u64);
        let v = rng.below(SURNAMES.len() as u64);
        out.push_str(SURNAMES[(u * v / SURNAMES.len() as u64) as usize]);
    }
    let given = if male { GIVEN_MALE } else { GIVEN_FEMALE };
    let two = rng.chance(700);
    let first = rng.pick(given);
    let second = rng.pick(given);
    let alternative = rng.pick(given);
    if two {
        out.push_str(first);
        out.push_str(if variant { alternative } else { second });
    } else {
        out.push_str(if variant { alternative } else { first });
    }
    if variant && alternative == if two { second } else { first } {
        // The variant must differ: fall back to a character from the other list.
        out.push_str(if male { "子" } else { "儿" });
    }
}

/// A monthly wage (缴费基数 as declared) in cents: about log-normal, median
/// near 8,600 元, most between 5,000 and 15,000, some below every floor, a few
/// above every cap. Sampled by interpolating a quantile table (integers only).
pub fn wage_cents(rng: &mut Rng) -> u64 {
    // (per-million quantile, yuan)
    const QUANTILES: [(u64, u64); 16] = [
        (0, 2_500),
        (50_000, 4_200),
        (100_000, 5_000),
        (200_000, 6_200),
        (300_000, 7_100),
        (400_000, 7_900),
        (500_000, 8_600),
        (600_000, 9_400),
        (700_000, 10_400),
        (800_000, 11_800),
        (900_000, 14_500),
        (950_000, 17_500),
        (980_000, 24_000),
        (995_000, 36_000),
        (999_000, 52_000),
        (1_000_000, 80_000),
    ];
    let u = rng.below(1_000_000);
    let i = QUANTILES
        .partition_point(|&(q, _)| q <= u)
        .clamp(1, QUANTILES.len() - 1);
    let (q0, y0) = QUANTILES[i - 1];
    let (q1, y1) = QUANTILES[i];
    let yuan = y0 + (y1 - y0) * (u - q0) / (q1 - q0);
    if rng.chance(800) {
        // Most bases are whole tens of yuan.
        yuan / 10 * 10 * 100
    } else {
        yuan * 100 + rng.below(100)
    }
}

/// Separation reasons (离职原因) other than retirement.
pub const REASONS: [&str; 6] = [
    "",
    "个人原因",
    "合同到期",
    "辞职",
    "解除劳动合同",
    "协商一致",
];
pub const RETIREMENT_REASON: &str = "退休";

/// One employment spell at one employer.
#[derive(Clone, Copy, Debug, Default)]
pub struct SpellPlan {
    pub employer: u32,
    pub hire: NaiveDate,
    /// `None`: still employed at the export date.
    pub separation: Option<NaiveDate>,
    pub wage_cents: u64,
    /// The separation row leaves 缴费基数 blank.
    pub separation_wage_blank: bool,
    pub retirement: bool,
    /// Index into [`REASONS`] (ignored when `retirement`).
    pub reason: u8,
    /// 减员日期: when the stop was filed.
    pub filed: Option<NaiveDate>,
    /// This spell's rows carry a variant of the person's name.
    pub name_variant: bool,
}

/// A person's whole history: up to four spells.
#[derive(Clone, Copy, Debug)]
pub struct PersonPlan {
    pub index: u64,
    /// The resident ID the person's birth date and sex come from.
    pub id: PersonId,
    /// The document the exports name the person by instead, if any.
    pub document: Option<Document>,
    pub male: bool,
    /// The birth date written in the ID.
    pub birth: NaiveDate,
    pub spells: [SpellPlan; 4],
    pub spell_count: u8,
}

impl PersonPlan {
    pub fn spells(&self) -> &[SpellPlan] {
        &self.spells[..usize::from(self.spell_count)]
    }

    /// The person as the exports and the ledger name them: (证件类型, ID).
    pub fn shown_id(&self) -> (&'static str, PersonId) {
        match self.document {
            Some(d) => (d.label, d.id),
            None => (RESIDENT_LABEL, self.id),
        }
    }
}

fn date_in(month: Month, day: u32) -> NaiveDate {
    let last = month.last_day().day();
    NaiveDate::from_ymd_opt(month.year(), month.month(), day.min(last))
        .unwrap_or_else(|| month.first_day())
}

/// Nobody is hired before this age: the first hire is in a month after the
/// 16th birthday's.
pub const MIN_HIRE_AGE: i32 = 16;
/// Statutory retirement age (法定退休年龄) as the generator applies it:
/// `[women, men]` — 55 for women (the cadre age; women workers retired at 50),
/// 60 for men, without the few months the 2025 reform adds from 2025 on. A
/// spell running into it ends on that birthday as a retirement, and nobody is
/// hired in the three months before it or later.
pub const RETIREMENT_AGE: [i32; 2] = [55, 60];

/// The eras a person's first hire falls in: long-tenured staff
/// (2000-01..2015-12), hires of 2016-01..2023-12, and recent hires
/// (2024-01..2026-06, four months before the last hire month, as before).
pub fn hire_eras() -> [(Month, Month); 3] {
    let month = |y, m| Month::new(y, m).expect("constant month");
    [
        (first_hire_month(), month(2015, 12)),
        (month(2016, 1), month(2023, 12)),
        (month(2024, 1), last_hire_month().add(-4)),
    ]
}

/// Share of first hires in each era of [`hire_eras`], percent: what an
/// employer's roster in 2026 shows — a quarter of long-tenured staff, a third
/// hired in the eight years before, and the churn of the last three years.
pub const ERA_SHARES: [u32; 3] = [25, 35, 40];

/// Era weights (per 10,000) by which eras a person's birth date allows. Born
/// uniformly 1960-01-01..2003-12-31 (16,071 days, half of them men), 9.28% are
/// born from 1999-12 on, too young to be hired before 2016 (1,492 days);
/// 13.92% are too old to be hired from 2024 (men born before 1964-04, 1,552
/// days, women born 1961-04..1969-03, 2,922 days) and 1.42% even from 2016
/// (women born before 1961-04, 456 days: the weights below leave them era 0
/// alone). The too young and too old spread over their eras in the proportions
/// of [`ERA_SHARES`]; everyone else (75.38%) gets the weights that make the
/// totals 25/35/40: era 0 (0.25 − 0.13919 · 25/60 − 0.01419) / 0.75378 =
/// 23.59%, era 2 (0.40 − 0.09284 · 40/75) / 0.75378 = 46.50%, era 1 the rest.
const ERA_WEIGHTS: [u32; 3] = [2359, 2991, 4650];
const ERA_WEIGHTS_TOO_YOUNG: [u32; 3] = [0, 4667, 5333];
const ERA_WEIGHTS_TOO_OLD: [u32; 3] = [4167, 5833, 0];

/// Lengths in months of a spell starting from 2024 (the churn of recent
/// hires), with their weights.
const SPELL_MONTHS: [(i64, i64); 4] = [(2, 6), (7, 12), (13, 24), (25, 34)];
const SPELL_WEIGHTS: [u32; 4] = [68, 24, 7, 1];
/// Lengths in months of a spell starting before 2024: tenures of up to twenty
/// years, many still running at the export date.
const TENURE_MONTHS: [(i64, i64); 4] = [(2, 12), (13, 36), (37, 96), (97, 240)];
const TENURE_WEIGHTS: [u32; 4] = [30, 30, 25, 15];

/// Plans person `index`'s spells: 1–4 of them (28/38/24/10%). The first hire
/// falls in an era of [`hire_eras`] (see [`ERA_SHARES`]), uniformly over the
/// months of it the person's age allows. Spells starting from 2024 last 2
/// months to almost three years; earlier ones are tenures of up to 20 years
/// (many still open at the export date). Between spells come contiguous moves,
/// short gaps (1–3 months), long gaps (4–12 months) or an overlap (重复参保);
/// the last spell is still open, closed (an open gap) or ends in retirement at
/// the statutory age ([`RETIREMENT_AGE`]).
pub fn plan_person(seed: u64, index: u64, ids: &IdSpace, picker: &EmployerPicker) -> PersonPlan {
    let mut rng = Rng::stream(seed, STREAM_TIMELINE, index);
    let id = ids.person_id(index);
    let digits = id.as_str().as_bytes();
    let male = (digits[16] - b'0') % 2 == 1;
    let number = |range: std::ops::Range<usize>| {
        digits[range]
            .iter()
            .fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'))
    };
    let (birth_year, birth_month, birth_day) =
        (number(6..10) as i32, number(10..12), number(12..14));
    let birth_month_of =
        |age: i32| Month::new(birth_year + age, birth_month).unwrap_or_else(first_hire_month);
    let birth = date_in(birth_month_of(0), birth_day);
    let retirement_month = birth_month_of(RETIREMENT_AGE[usize::from(male)]);
    let retirement = date_in(retirement_month, birth_day);
    let earliest_hire = birth_month_of(MIN_HIRE_AGE).next();
    let latest_hire = last_hire_month().min(retirement_month.add(-3));

    let wanted = 1 + rng.weighted(&[28, 38, 24, 10]);
    let base_wage = wage_cents(&mut rng);
    let name_variant_spell = if rng.chance(3) {
        rng.below(4) as usize
    } else {
        9
    };

    let mut plan = PersonPlan {
        index,
        id,
        document: ids.document(index),
        male,
        birth,
        spells: [SpellPlan::default(); 4],
        spell_count: 0,
    };
    // The months of each era this person can be first hired in.
    let eras = hire_eras();
    let allowed = eras.map(|(from, to)| (from.max(earliest_hire), to.min(latest_hire)));
    let mut weights = if allowed[0].0 > allowed[0].1 {
        ERA_WEIGHTS_TOO_YOUNG
    } else if allowed[2].0 > allowed[2].1 {
        ERA_WEIGHTS_TOO_OLD
    } else {
        ERA_WEIGHTS
    };
    for (w, (from, to)) in weights.iter_mut().zip(allowed) {
        if from > to {
            *w = 0;
        }
    }
    // Every birth date of the ID space allows some era (women born before
    // 1961-04 era 0 only); were one to allow none, era 1 as it stands.
    let (from, to) = if weights.iter().any(|&w| w > 0) {
        allowed[rng.weighted(&weights)]
    } else {
        eras[1]
    };
    let mut hire_month = from.add(rng.below(u64::from(from.months_through(to))) as i32);
    let mut hire = date_in(hire_month, rng.range(1, 28) as u32);
    let recent = eras[2].0;
    let mut previous_employer = u32::MAX;
    let export = export_date();
    for k in 0..wanted {
        let mut employer = picker.pick(&mut rng);
        if employer == previous_employer && rng.chance(900) {
            employer = picker.pick(&mut rng);
        }
        // A rehire at an employer starts after the month every earlier spell
        // there ended (no person·employer·month is paid twice).
        let clashes = |employer: u32, spells: &[SpellPlan]| {
            spells.iter().any(|s| {
                s.employer == employer
                    && s.separation.is_none_or(|sep| Month::of(sep) >= hire_month)
            })
        };
        for _ in 0..4 {
            if clashes(employer, &plan.spells[..k]) {
                employer = picker.pick(&mut rng);
            }
        }
        if clashes(employer, &plan.spells[..k]) {
            break;
        }
        previous_employer = employer;
        let (weights, lengths) = if hire_month < recent {
            (&TENURE_WEIGHTS, &TENURE_MONTHS)
        } else {
            (&SPELL_WEIGHTS, &SPELL_MONTHS)
        };
        let (shortest, longest) = lengths[rng.weighted(weights)];
        let length = rng.range(shortest, longest) as i32;
        let separation_month = hire_month.add(length - 1);
        let day = if rng.chance(300) {
            31
        } else {
            rng.range(1, 28) as u32
        };
        let mut separation = date_in(separation_month, day);
        if separation <= hire {
            separation = separation_month.last_day();
        }
        let last = k + 1 == wanted;
        let mut open = (last && rng.chance(400)) || separation > export;
        // Nobody works past the retirement age.
        let retires =
            retirement > hire && retirement <= export && (open || separation > retirement);
        if retires {
            separation = retirement;
            open = false;
        }
        let raise = 100 + rng.below(16);
        let wage = base_wage * raise / 100 / 100 * 100 + base_wage % 100;
        let mut spell = SpellPlan {
            employer,
            hire,
            separation: None,
            wage_cents: wage,
            separation_wage_blank: rng.chance(300),
            retirement: retires,
            reason: rng.below(REASONS.len() as u64) as u8,
            filed: None,
            name_variant: k == name_variant_spell,
        };
        if !open {
            spell.separation = Some(separation);
            let filed = match rng.weighted(&[80, 6, 14]) {
                0 => separation.checked_add_days(chrono::Days::new(rng.below(16))),
                1 => separation.checked_add_days(chrono::Days::new(rng.range(16, 75) as u64)),
                _ => None,
            };
            spell.filed = filed.filter(|d| *d <= export);
        }
        plan.spells[k] = spell;
        plan.spell_count = k as u8 + 1;
        if open || retires {
            break;
        }
        // The next hire: contiguous, short gap, long gap or overlapping.
        let next_month = match rng.weighted(&[30, 35, 25, 10]) {
            0 => separation_month.next(),
            1 => separation_month.add(1 + rng.range(1, 3) as i32),
            2 => separation_month.add(1 + rng.range(4, 12) as i32),
            _ => separation_month.add(-(rng.range(0, 1) as i32)),
        };
        let next_hire = date_in(next_month, rng.range(1, 28) as u32);
        if last || next_month > latest_hire || next_hire <= hire {
            break;
        }
        hire_month = next_month;
        hire = next_hire;
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uscc_check_matches_a_published_code() {
        // 91350100M000100Y43 is the GB 32100 example: check character 3.
        assert_eq!(uscc_check_char(b"91350100M000100Y4"), b'3');
        // Its organization code M000100Y4: M=22·3 + 1·5 + Y=34·2 = 139, 139 mod 11 = 7,
        // 11 − 7 = 4.
        assert_eq!(org_check_char(b"M000100Y"), b'4');
        // D2143569: 13·3+2·7+1·9+4·10+3·5+5·8+6·4+9·2 = 199, mod 11 = 1, 11 − 1 = 10 → X.
        assert_eq!(org_check_char(b"D2143569"), b'X');
    }

    #[test]
    fn employer_codes_are_unique_and_well_formed() {
        let list = employers(42, 500);
        let mut codes: Vec<&str> = list.iter().map(|e| e.code.as_str()).collect();
        assert!(codes.iter().all(|c| c.len() == 18 && c.starts_with("91")));
        for c in &codes {
            assert_eq!(uscc_check_char(&c.as_bytes()[..17]), c.as_bytes()[17]);
        }
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), 500);
    }

    #[test]
    fn person_ids_are_valid_distinct_and_born_1960_to_2003() {
        let ids = IdSpace::new(7);
        let mut seen: Vec<PersonId> = (0..20_000).map(|i| ids.person_id(i)).collect();
        for id in &seen {
            assert_eq!(PersonId::parse(id.as_str()), Ok(*id));
            let year: i32 = id.as_str()[6..10].parse().unwrap();
            assert!((1960..=2003).contains(&year), "{year}");
        }
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), 20_000);
    }

    #[test]
    fn about_one_person_in_a_hundred_holds_another_document() {
        let ids = IdSpace::new(7);
        let docs: Vec<Document> = (0..20_000).filter_map(|i| ids.document(i)).collect();
        // 1% of 20,000: 200 expected, binomial sd ≈ 14; ±60 is > 4 sd.
        assert!((140..=260).contains(&docs.len()), "{}", docs.len());
        let mut kinds = std::collections::BTreeMap::new();
        for d in &docs {
            // The label and the number read back as the same person.
            let id_type = IdType::parse(d.label).unwrap();
            assert_eq!(PersonId::parse_typed(id_type, d.id.number()), Ok(d.id));
            *kinds.entry(d.id.doc_kind().unwrap()).or_insert(0) += 1;
        }
        assert_eq!(
            kinds.keys().copied().collect::<Vec<_>>(),
            [
                DocKind::ForeignPermanentResident,
                DocKind::HkMoPermit,
                DocKind::Passport,
                DocKind::TwPermit
            ]
        );
        let mut distinct: Vec<PersonId> = docs.iter().map(|d| d.id).collect();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(distinct.len(), docs.len());
        // The same persons and numbers for the seed, others for another seed.
        let again: Vec<Document> = (0..20_000).filter_map(|i| ids.document(i)).collect();
        assert_eq!(again, docs);
        let other: Vec<Document> = (0..20_000)
            .filter_map(|i| IdSpace::new(8).document(i))
            .collect();
        assert_ne!(other, docs);
    }

    #[test]
    fn wages_are_skewed_around_the_median() {
        let mut rng = Rng::new(3);
        let mut w: Vec<u64> = (0..20_000).map(|_| wage_cents(&mut rng) / 100).collect();
        w.sort_unstable();
        let median = w[10_000];
        assert!((8_000..=9_200).contains(&median), "{median}");
        let typical = w.iter().filter(|&&y| (5_000..=15_000).contains(&y)).count();
        assert!(typical > 15_000, "{typical}"); // ~80% by the table
        assert!(w[0] >= 2_500 && *w.last().unwrap() <= 80_000);
    }

    #[test]
    fn name_variant_differs_from_the_name() {
        for i in 0..2000 {
            let (mut a, mut b) = (String::new(), String::new());
            person_name(1, i, i % 2 == 0, false, &mut a);
            person_name(1, i, i % 2 == 0, true, &mut b);
            assert_ne!(a, b);
            assert!((2..=4).contains(&a.chars().count()), "{a}");
        }
    }

    /// The month of `birth` plus `years`.
    fn at_age(birth: NaiveDate, years: i32) -> Month {
        Month::of(birth).add(12 * years)
    }

    #[test]
    fn plans_stay_in_the_window_and_are_ordered() {
        let ids = IdSpace::new(5);
        let picker = EmployerPicker::new(20);
        for i in 0..5000 {
            let plan = plan_person(5, i, &ids, &picker);
            assert!((1..=4).contains(&plan.spell_count));
            let mut prev_hire = None;
            for s in plan.spells() {
                assert!(s.employer < 20);
                assert!(Month::of(s.hire) >= Month::new(2000, 1).unwrap());
                assert!(Month::of(s.hire) <= Month::new(2026, 10).unwrap());
                if let Some(sep) = s.separation {
                    assert!(sep > s.hire && sep <= export_date());
                }
                if let Some(p) = prev_hire {
                    assert!(s.hire > p);
                }
                prev_hire = Some(s.hire);
            }
            // The first hire is at most four months before the last hire month.
            assert!(Month::of(plan.spells()[0].hire) <= Month::new(2026, 6).unwrap());
            // No rehire at an employer inside an earlier spell there.
            for (i, a) in plan.spells().iter().enumerate() {
                for b in &plan.spells()[i + 1..] {
                    if a.employer == b.employer {
                        assert!(Month::of(b.hire) > Month::of(a.separation.unwrap()));
                    }
                }
            }
            // Only the last spell may be open or a retirement.
            let n = plan.spells().len();
            assert!(
                plan.spells()[..n - 1]
                    .iter()
                    .all(|s| s.separation.is_some() && !s.retirement)
            );
        }
    }

    #[test]
    fn first_hires_spread_over_the_eras_from_2000() {
        let ids = IdSpace::new(13);
        let picker = EmployerPicker::new(50);
        let persons = 20_000;
        let mut eras = [0u32; 3];
        let mut first_years = std::collections::BTreeSet::new();
        for i in 0..persons {
            let plan = plan_person(13, i, &ids, &picker);
            let first = Month::of(plan.spells()[0].hire);
            first_years.insert(first.year());
            eras[match first.year() {
                ..=2015 => 0,
                2016..=2023 => 1,
                _ => 2,
            }] += 1;
        }
        // 25/35/40%: the binomial sd at 20,000 is ≤ 0.35 points, so ±1.5 is > 4 sd.
        for (era, (&n, &want)) in eras.iter().zip(&ERA_SHARES).enumerate() {
            let share = f64::from(n) * 100.0 / persons as f64;
            assert!(
                (share - f64::from(want)).abs() <= 1.5,
                "era {era}: {share:.2}% of first hires, want {want}% ({eras:?})"
            );
        }
        // Every year from 2000 to 2026 has first hires.
        assert_eq!(
            first_years.into_iter().collect::<Vec<_>>(),
            (2000..=2026).collect::<Vec<_>>()
        );
    }

    #[test]
    fn ages_at_hire_and_retirement_make_sense() {
        let ids = IdSpace::new(17);
        let picker = EmployerPicker::new(50);
        let (mut retired, mut youngest, mut oldest_open) = (0, i32::MAX, 0);
        for i in 0..20_000 {
            let plan = plan_person(17, i, &ids, &picker);
            let birth = plan.birth;
            assert_eq!(plan.id.as_str()[6..14], birth.format("%Y%m%d").to_string());
            let age = RETIREMENT_AGE[usize::from(plan.male)];
            let retirement = at_age(birth, age);
            for s in plan.spells() {
                // Hired in a month after the 16th birthday's, and not in the
                // three months before the retirement age or later.
                assert!(Month::of(s.hire) > at_age(birth, 16), "{birth} {}", s.hire);
                assert!(
                    Month::of(s.hire) <= retirement.add(-3),
                    "{birth} {}",
                    s.hire
                );
                youngest = youngest.min(Month::of(s.hire).index() - Month::of(birth).index());
                match s.separation {
                    // Nobody works past the retirement birthday.
                    Some(sep) => assert!(Month::of(sep) <= retirement, "{birth} {sep}"),
                    None => {
                        assert!(retirement >= Month::of(export_date()), "{birth}");
                        oldest_open = oldest_open.max(2026 - birth.year());
                    }
                }
                if s.retirement {
                    // Retirement on the birthday of the statutory age.
                    let sep = s.separation.unwrap();
                    assert_eq!(Month::of(sep), retirement);
                    let leap_birthday = (birth.month(), birth.day()) == (2, 29);
                    assert!(sep.day() == birth.day() || leap_birthday && sep.day() == 28);
                    retired += 1;
                }
            }
        }
        // Some hires at 16 or 17; many retirements; open spells up to the retirement age.
        assert!(youngest < 12 * 18, "{youngest}");
        assert!(retired > 500, "{retired}");
        assert!(oldest_open >= 59, "{oldest_open}");
    }

    #[test]
    fn plans_have_every_kind_of_gap() {
        let ids = IdSpace::new(8);
        let picker = EmployerPicker::new(20);
        // [contiguous, short 1–3, long >3, overlap, open last spell, closed last, retired],
        // over all plans and over the ledger window (a gap or closed last spell
        // whose separation is from 2024-01; an open spell running into it).
        let mut kinds = [[0u32; 7]; 2];
        let window = Month::new(2024, 1).unwrap();
        for i in 0..5000 {
            let plan = plan_person(8, i, &ids, &picker);
            for pair in plan.spells().windows(2) {
                let sep = Month::of(pair[0].separation.unwrap());
                let next = Month::of(pair[1].hire);
                let uncovered = next.index() - sep.index() - 1;
                let kind = match uncovered {
                    0 => 0,
                    1..=3 => 1,
                    4.. => 2,
                    _ => 3,
                };
                kinds[0][kind] += 1;
                kinds[1][kind] += u32::from(sep >= window);
            }
            let last = plan.spells().last().unwrap();
            let (kind, in_window) = match (last.separation, last.retirement) {
                (None, _) => (4, true),
                (Some(sep), false) => (5, Month::of(sep) >= window),
                (Some(sep), true) => (6, Month::of(sep) >= window),
            };
            kinds[0][kind] += 1;
            kinds[1][kind] += u32::from(in_window);
        }
        assert!(kinds.iter().flatten().all(|&n| n > 50), "{kinds:?}");
    }

    /// Not a test of behaviour: prints what the plans look like.
    #[test]
    #[ignore]
    fn print_plan_statistics() {
        let ids = IdSpace::new(42);
        let picker = EmployerPicker::new(200);
        let n = 100_000u64;
        let (mut spells, mut open, mut retired, mut reach, mut months) = (0, 0, 0, 0, 0i64);
        let mut by_era = [[0u64; 4]; 3];
        let window = Month::new(2024, 1).unwrap();
        let ledger_last = ledger_last_month();
        for i in 0..n {
            let plan = plan_person(42, i, &ids, &picker);
            spells += plan.spells().len();
            let era = match plan.spells()[0].hire.year() {
                ..=2015 => 0,
                2016..=2023 => 1,
                _ => 2,
            };
            let mut reaches = false;
            for s in plan.spells() {
                let end = s.separation.map_or(ledger_last, Month::of).min(ledger_last);
                let start = Month::of(s.hire).max(window);
                if end >= start {
                    reaches = true;
                    months += i64::from(start.months_through(end));
                }
                open += u64::from(s.separation.is_none());
                retired += u64::from(s.retirement);
            }
            reach += u64::from(reaches);
            by_era[era][0] += 1;
            by_era[era][1] += u64::from(reaches);
            by_era[era][2] += u64::from(plan.spells().last().unwrap().separation.is_none());
            by_era[era][3] += plan.spells().len() as u64;
        }
        println!(
            "spells/person {:.3} open {open} retired {retired} reach window {reach} ledger months/person {:.2}",
            spells as f64 / n as f64,
            months as f64 / n as f64
        );
        for (e, v) in by_era.iter().enumerate() {
            println!(
                "era {e}: persons {} in window {} open {} spells {}",
                v[0], v[1], v[2], v[3]
            );
        }
    }
}
