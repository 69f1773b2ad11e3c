//! The narrow types passed between stages: calendar months, validated resident
//! IDs, normalized events, rejects, and the rows the engine hands to the reports.
//!
//! Nothing here does I/O. Every stage (ingest, engine, report) speaks these types,
//! so each can be tested by hand-written values.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

// ---------------------------------------------------------------------------
// Month
// ---------------------------------------------------------------------------

/// A calendar month (费款所属期), stored as `year * 12 + (month - 1)` so that
/// ordering and arithmetic are plain integer operations.
#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Month(i32);

impl Month {
    /// `Month::new(2025, 3)` is March 2025. `None` when `month` is not 1..=12.
    pub fn new(year: i32, month: u32) -> Option<Month> {
        if (1..=12).contains(&month) && (1..=9999).contains(&year) {
            Some(Month(year * 12 + month as i32 - 1))
        } else {
            None
        }
    }
    pub fn of(date: NaiveDate) -> Month {
        Month(date.year() * 12 + date.month0() as i32)
    }
    pub fn from_index(index: i32) -> Month {
        Month(index)
    }
    pub fn index(self) -> i32 {
        self.0
    }
    pub fn year(self) -> i32 {
        self.0.div_euclid(12)
    }
    /// 1..=12
    pub fn month(self) -> u32 {
        self.0.rem_euclid(12) as u32 + 1
    }
    #[allow(clippy::should_implement_trait)]
    pub fn add(self, months: i32) -> Month {
        Month(self.0 + months)
    }
    pub fn next(self) -> Month {
        self.add(1)
    }
    pub fn prev(self) -> Month {
        self.add(-1)
    }
    /// Months from `self` to `other`, inclusive of both ends; 0 when `other < self`.
    pub fn months_through(self, other: Month) -> u32 {
        if other < self {
            0
        } else {
            (other.0 - self.0 + 1) as u32
        }
    }
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year(), self.month(), 1).expect("month is always valid")
    }
    pub fn last_day(self) -> NaiveDate {
        self.next()
            .first_day()
            .pred_opt()
            .expect("a month's last day exists")
    }
    /// Parses `202503`, `2025-03`, `2025/03`, `2025.3`, `2025年3月`.
    pub fn parse(raw: &str) -> Option<Month> {
        let s = raw.trim();
        let s = s.strip_suffix('月').unwrap_or(s);
        let digits_only = s.bytes().all(|b| b.is_ascii_digit());
        if digits_only && s.len() == 6 {
            let y: i32 = s[..4].parse().ok()?;
            let m: u32 = s[4..].parse().ok()?;
            return Month::new(y, m);
        }
        let mut parts = s.split(['-', '/', '.', '年']);
        let y = parts.next()?;
        let m = parts.next()?;
        if parts.next().is_some() || y.len() != 4 || m.is_empty() || m.len() > 2 {
            return None;
        }
        if !y.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
            return None;
        }
        Month::new(y.parse().ok()?, m.parse().ok()?)
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year(), self.month())
    }
}

impl Serialize for Month {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

// ---------------------------------------------------------------------------
// PersonId
// ---------------------------------------------------------------------------

/// Who a person is: an 18-character resident identity number (公民身份号码,
/// GB 11643-1999), checksum verified and always stored upper-case (`X`); or,
/// for a person whose 证件类型 is a document without that checksum (a
/// passport, a travel permit), the document's kind and number (`DocKind`).
///
/// Layout: a resident ID is its 18 ASCII characters. A document is a tag
/// byte (`DocKind::tag`, a lower-case letter, so it sorts after every
/// resident ID) then its number (upper-case letters and digits), padded with
/// zero bytes. Both forms order by their bytes, and `key` orders the same.
#[derive(Copy, Clone, PartialEq, Eq, Hash)]
pub struct PersonId([u8; 18]);

/// A 证件类型 other than the resident ID: a person holding one is keyed by
/// (kind, number), with no checksum to verify. Residence permits of Hong
/// Kong, Macao and Taiwan residents (港澳台居民居住证) and the 18-character
/// 外国人永久居留身份证 are numbered like resident IDs and are read as such.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DocKind {
    /// The old 15-character 外国人永久居留证: three letters, twelve digits.
    ForeignPermanentResident,
    /// 港澳居民来往内地通行证 (回乡证).
    HkMoPermit,
    /// Another named document (军官证, 士兵证, 户口簿 …).
    Other,
    /// 护照, Chinese or foreign.
    Passport,
    /// 台湾居民来往大陆通行证 (台胞证).
    TwPermit,
}

/// What a 证件类型 cell says the number is.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum IdType {
    /// A resident ID or a document numbered like one.
    Resident,
    /// A document keyed by (kind, number).
    Doc(DocKind),
    /// 外国人永久居留身份证: 18 characters like a resident ID (the 2017
    /// card), or the old 15-character card.
    ForeignPermanent,
}

/// Longest document number kept (letters and digits): passports have at most
/// 9 (ICAO 9303), travel permits 8 to 11.
pub const DOC_NUMBER_MAX: usize = 11;

impl DocKind {
    pub const ALL: [DocKind; 5] = [
        DocKind::ForeignPermanentResident,
        DocKind::HkMoPermit,
        DocKind::Other,
        DocKind::Passport,
        DocKind::TwPermit,
    ];

    /// The tag byte heading the stored form; ascending in `ALL` order.
    fn tag(self) -> u8 {
        match self {
            DocKind::ForeignPermanentResident => b'f',
            DocKind::HkMoPermit => b'h',
            DocKind::Other => b'o',
            DocKind::Passport => b'p',
            DocKind::TwPermit => b't',
        }
    }

    fn from_tag(tag: u8) -> Option<DocKind> {
        DocKind::ALL.into_iter().find(|k| k.tag() == tag)
    }

    /// The stable code reports print before the number (`passport:E1234…`).
    pub fn code(self) -> &'static str {
        match self {
            DocKind::ForeignPermanentResident => "foreign_pr",
            DocKind::HkMoPermit => "hkmo_permit",
            DocKind::Other => "other_doc",
            DocKind::Passport => "passport",
            DocKind::TwPermit => "tw_permit",
        }
    }

    pub fn from_code(code: &str) -> Option<DocKind> {
        DocKind::ALL.into_iter().find(|k| k.code() == code)
    }
}

impl IdType {
    /// Reads a 证件类型 cell: `None` for text naming no document medrecon
    /// knows (the row is then rejected, never guessed). A blank cell is a
    /// resident ID. Numeric codes are not read: code lists differ between
    /// systems.
    pub fn parse(raw: &str) -> Option<IdType> {
        // The usual cells without a folded copy: a ledger reads one a row.
        match raw.trim() {
            "" | "居民身份证" | "身份证" => return Some(IdType::Resident),
            "护照" => return Some(IdType::Doc(DocKind::Passport)),
            _ => {}
        }
        let t: String = raw
            .trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}')
            .chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '（' | '）' | '(' | ')'))
            .collect::<String>()
            .to_lowercase();
        if t.is_empty() {
            return Some(IdType::Resident);
        }
        if let Some(k) = DocKind::from_code(&t) {
            return Some(IdType::Doc(k));
        }
        Some(match t.as_str() {
            "resident_id"
            | "居民身份证"
            | "身份证"
            | "公民身份证"
            | "公民身份号码"
            | "中华人民共和国居民身份证"
            | "二代身份证"
            | "临时居民身份证"
            | "临时身份证"
            | "港澳台居民居住证"
            | "港澳居民居住证"
            | "台湾居民居住证"
            | "居住证" => IdType::Resident,
            "护照" | "中国护照" | "外国护照" | "外国人护照" | "普通护照" | "passport" => {
                IdType::Doc(DocKind::Passport)
            }
            "港澳居民来往内地通行证" | "港澳通行证" | "回乡证" | "港澳居民通行证" => {
                IdType::Doc(DocKind::HkMoPermit)
            }
            "台湾居民来往大陆通行证" | "台胞证" | "台湾通行证" | "台湾居民通行证" => {
                IdType::Doc(DocKind::TwPermit)
            }
            "外国人永久居留身份证" | "外国人永久居留证" | "永久居留证" | "永久居留身份证" => {
                IdType::ForeignPermanent
            }
            "军官证" | "士兵证" | "警官证" | "武警警官证" | "户口簿" | "户口本" | "其他"
            | "其他证件" | "其他身份证件" => IdType::Doc(DocKind::Other),
            _ => return None,
        })
    }
}

impl PartialOrd for PersonId {
    fn partial_cmp(&self, other: &PersonId) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for PersonId {
    /// Byte order (the order of the ID text).
    fn cmp(&self, other: &PersonId) -> std::cmp::Ordering {
        self.words().cmp(&other.words())
    }
}

/// Why a raw value is not a usable resident ID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdError {
    Empty,
    /// The value went through a number (`1.10101E+17`, `110101199003071234.0`):
    /// digits are lost and cannot be recovered.
    LostDigits,
    /// Not 15 or 18 characters.
    Length(usize),
    /// A character that is not a digit (or `X` in the last place).
    Characters,
    /// The birth date inside the ID is not a real date.
    BirthDate,
    /// A document number (passport, permit) that cannot be one.
    Document(crate::text::Text),
    /// A 证件类型 naming no document medrecon knows.
    UnknownType(String),
    /// The check character does not match (ISO 7064 MOD 11-2).
    Checksum {
        expected: char,
        found: char,
    },
}

impl IdError {
    pub fn code(&self) -> RejectCode {
        match self {
            IdError::Empty => RejectCode::MissingValue,
            IdError::LostDigits => RejectCode::IdLostDigits,
            IdError::Checksum { .. } => RejectCode::IdChecksum,
            _ => RejectCode::BadId,
        }
    }
}

impl IdError {
    /// What is wrong, as a message of the texts table (reject messages).
    pub fn text(&self) -> crate::text::Text {
        use crate::text;
        match self {
            IdError::Empty => text!(id_empty),
            IdError::LostDigits => text!(id_lost_digits),
            IdError::Length(n) => text!(id_length, *n),
            IdError::Characters => text!(id_characters),
            IdError::BirthDate => text!(id_birth_date),
            IdError::Document(m) => m.clone(),
            IdError::UnknownType(t) => text!(id_unknown_type, t.as_str()),
            IdError::Checksum { expected, found } => text!(id_checksum, *found, *expected),
        }
    }
}

/// The English text.
impl fmt::Display for IdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.text(), f)
    }
}

const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK: [u8; 11] = *b"10X98765432";

/// The ISO 7064 MOD 11-2 check character of the first 17 digits.
pub fn id_check_char(first17: &[u8]) -> u8 {
    let sum: u32 = first17
        .iter()
        .zip(ID_WEIGHTS)
        .map(|(d, w)| (d - b'0') as u32 * w)
        .sum();
    ID_CHECK[(sum % 11) as usize]
}

/// An ID as people write it, folded to its plain characters: full-width
/// digits and `Ｘ` made ASCII, and groups joined by single spaces or dashes
/// (`110105 19900101 9509`, `110105-19900101-9509`, full-width space or dash
/// too) put together. `None` when there is nothing to fold or the text is not
/// such an ID (any other character, a separator first, last or doubled): the
/// checks that follow then judge it as it is.
/// What joins the groups of an ID written in groups: a space or a dash,
/// ASCII or full-width (parsing and masking agree on it).
pub fn is_id_group_separator(c: char) -> bool {
    matches!(c, ' ' | '-' | '\u{3000}' | '－')
}

fn fold_written_id(s: &str) -> Option<String> {
    if s.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    let mut out = String::with_capacity(18);
    let mut after_separator = true;
    for c in s.chars() {
        match c {
            '0'..='9' | 'X' | 'x' => out.push(c),
            '\u{FF10}'..='\u{FF19}' => {
                out.push(char::from(b'0' + (u32::from(c) - 0xFF10) as u8));
            }
            'Ｘ' | 'ｘ' => out.push('X'),
            c if is_id_group_separator(c) && !after_separator => {
                after_separator = true;
                continue;
            }
            _ => return None,
        }
        after_separator = false;
    }
    (!after_separator).then_some(out)
}

impl PersonId {
    /// Parses a number under its 证件类型 (`IdType::parse`): a resident ID
    /// as `parse`; a document's number folded to upper-case letters and
    /// digits (spaces and dashes between them dropped), 1 to
    /// `DOC_NUMBER_MAX` of them, with no checksum.
    pub fn parse_typed(id_type: IdType, raw: &str) -> Result<PersonId, IdError> {
        let kind = match id_type {
            IdType::Resident => return PersonId::parse(raw),
            IdType::Doc(k) => k,
            IdType::ForeignPermanent => {
                let folded = fold_document_number(raw)?;
                if folded.len() != 15 {
                    return PersonId::parse(raw);
                }
                let b = folded.as_bytes();
                if !(b[..3].iter().all(u8::is_ascii_uppercase)
                    && b[3..].iter().all(u8::is_ascii_digit))
                {
                    return Err(IdError::Document(crate::text!(doc_old_foreign_permanent)));
                }
                DocKind::ForeignPermanentResident
            }
        };
        let folded = fold_document_number(raw)?;
        if kind != DocKind::ForeignPermanentResident && folded.len() > DOC_NUMBER_MAX {
            return Err(IdError::Document(crate::text!(
                doc_too_long,
                DOC_NUMBER_MAX,
                folded.len()
            )));
        }
        let mut id = [0u8; 18];
        id[0] = kind.tag();
        id[1..=folded.len()].copy_from_slice(folded.as_bytes());
        Ok(PersonId(id))
    }

    /// Parses an ID as the reports print it: a resident ID, or
    /// `passport:E12345678` (a `DocKind` code, a colon, the number).
    pub fn parse_text(raw: &str) -> Result<PersonId, IdError> {
        match raw.trim().split_once(':') {
            Some((code, number)) => match DocKind::from_code(code.trim()) {
                Some(DocKind::ForeignPermanentResident) => {
                    PersonId::parse_typed(IdType::ForeignPermanent, number)
                }
                Some(k) => PersonId::parse_typed(IdType::Doc(k), number),
                None => Err(IdError::Document(crate::text!(
                    doc_unknown_kind,
                    code.trim(),
                    DocKind::ALL.map(DocKind::code).join(", ")
                ))),
            },
            None => PersonId::parse(raw),
        }
    }

    /// The document this ID is, `None` for a resident ID.
    #[inline]
    pub fn doc_kind(&self) -> Option<DocKind> {
        // A resident ID starts with a digit: one compare on the hot paths.
        if self.0[0] <= b'9' {
            None
        } else {
            DocKind::from_tag(self.0[0])
        }
    }

    /// The ID whose `key` is `key` (the ledger keeps keys, not IDs).
    pub fn from_key(key: u64) -> Option<PersonId> {
        if key >> 63 == 0 {
            let mut digits = [b'0'; 17];
            let mut k = key;
            for d in digits.iter_mut().rev() {
                *d = b'0' + (k % 10) as u8;
                k /= 10;
            }
            return if k == 0 {
                PersonId::from_first17(&digits)
            } else {
                None
            };
        }
        let kind = *DocKind::ALL.get(((key >> 58) & 0x1f) as usize)?;
        let mut v = key & ((1 << 58) - 1);
        let mut id = [0u8; 18];
        id[0] = kind.tag();
        if kind == DocKind::ForeignPermanentResident {
            let mut letters = v / 1_000_000_000_000;
            v %= 1_000_000_000_000;
            for i in (4..16).rev() {
                id[i] = b'0' + (v % 10) as u8;
                v /= 10;
            }
            for i in (1..4).rev() {
                id[i] = b'A' + (letters % 26) as u8;
                letters /= 26;
            }
            if letters != 0 {
                return None;
            }
        } else {
            for i in (1..=DOC_NUMBER_MAX).rev() {
                id[i] = match (v % 37) as u8 {
                    0 => 0,
                    d @ 1..=10 => b'0' + d - 1,
                    d => b'A' + d - 11,
                };
                v /= 37;
            }
            // Padding only after the number, and a number at all.
            let len = id[1..].iter().position(|&c| c == 0).unwrap_or(17);
            if v != 0 || len == 0 || id[1 + len..].iter().any(|&c| c != 0) {
                return None;
            }
        }
        Some(PersonId(id))
    }

    /// The number: the 18 characters of a resident ID, a document's number
    /// without its kind.
    pub fn number(&self) -> &str {
        let b = match self.doc_kind() {
            None => &self.0[..],
            Some(_) => {
                let len = self.0[1..].iter().position(|&c| c == 0).unwrap_or(17);
                &self.0[1..=len]
            }
        };
        debug_assert!(b.is_ascii());
        // SAFETY: as `as_str`: every constructor stores ASCII only.
        unsafe { std::str::from_utf8_unchecked(b) }
    }

    /// The ID as reports print it: a resident ID as it is, a document as
    /// `kind:number` (`passport:E12345678`), unique across kinds.
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        match self.doc_kind() {
            None => std::borrow::Cow::Borrowed(self.as_str()),
            Some(k) => std::borrow::Cow::Owned(format!("{}:{}", k.code(), self.number())),
        }
    }

    /// Parses a raw cell value. Trims ordinary and full-width spaces, accepts a
    /// lower-case `x`, upgrades a 15-digit ID (19xx birth year) to 18.
    pub fn parse(raw: &str) -> Result<PersonId, IdError> {
        // Fast path: 17 digits and a digit or X, nothing around them (nearly
        // every cell of a machine export); the checks below, in the same order.
        let b = raw.as_bytes();
        if b.len() == 18
            && b[..17].iter().all(u8::is_ascii_digit)
            && (b[17].is_ascii_digit() || b[17] == b'X' || b[17] == b'x')
        {
            let mut id = [0u8; 18];
            id.copy_from_slice(b);
            id[17] = id[17].to_ascii_uppercase();
            check_birth(&id[6..14])?;
            let expected = id_check_char(&id[..17]);
            if expected != id[17] {
                return Err(IdError::Checksum {
                    expected: expected as char,
                    found: id[17] as char,
                });
            }
            return Ok(PersonId(id));
        }
        let s = raw.trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}');
        if s.is_empty() {
            return Err(IdError::Empty);
        }
        let b = s.as_bytes();
        let looks_numeric = b
            .iter()
            .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'E' | b'e' | b'+' | b'-'));
        if looks_numeric && b.iter().any(|c| matches!(c, b'.' | b'E' | b'e' | b'+')) {
            return Err(IdError::LostDigits);
        }
        let folded = fold_written_id(s);
        let s = folded.as_deref().unwrap_or(s);
        let b = s.as_bytes();
        match b.len() {
            18 => {
                if !b[..17].iter().all(u8::is_ascii_digit) {
                    return Err(IdError::Characters);
                }
                let last = b[17].to_ascii_uppercase();
                if !(last.is_ascii_digit() || last == b'X') {
                    return Err(IdError::Characters);
                }
                let mut id = [0u8; 18];
                id.copy_from_slice(b);
                id[17] = last;
                check_birth(&id[6..14])?;
                let expected = id_check_char(&id[..17]);
                if expected != last {
                    return Err(IdError::Checksum {
                        expected: expected as char,
                        found: last as char,
                    });
                }
                Ok(PersonId(id))
            }
            15 => {
                if !b.iter().all(u8::is_ascii_digit) {
                    return Err(IdError::Characters);
                }
                let mut id = [0u8; 18];
                id[..6].copy_from_slice(&b[..6]);
                id[6..8].copy_from_slice(b"19");
                id[8..17].copy_from_slice(&b[6..15]);
                check_birth(&id[6..14])?;
                id[17] = id_check_char(&id[..17]);
                Ok(PersonId(id))
            }
            _ => Err(IdError::Length(s.chars().count())),
        }
    }

    /// Builds an ID from 17 digits, computing the check character (generator, tests).
    pub fn from_first17(first17: &[u8; 17]) -> Option<PersonId> {
        if !first17.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let mut id = [0u8; 18];
        id[..17].copy_from_slice(first17);
        id[17] = id_check_char(first17);
        Some(PersonId(id))
    }

    /// The stored characters: a resident ID's 18; for a document, its tag and
    /// number (use `text` or `number` to print one).
    pub fn as_str(&self) -> &str {
        if self.doc_kind().is_some() {
            return self.number();
        }
        debug_assert!(self.0.is_ascii());
        // SAFETY: the field is private and every constructor (`parse`, the
        // 15→18 upgrade, `from_first17`) stores ASCII digits and `X` only, so the
        // bytes are valid UTF-8. Skips re-validating 18 bytes for every report
        // cell of a million-row table.
        unsafe { std::str::from_utf8_unchecked(&self.0) }
    }

    /// The first 17 digits as a number: orders like the ID itself (the check
    /// character follows from them), and compares in one instruction.
    ///
    /// A document's key has the top bit set (after every resident ID, below
    /// 10^17 < 2^57), then its kind's place in `DocKind::ALL` (5 bits) and its
    /// number in 58 bits: base 37 over 11 places (zero padding, digits,
    /// letters) or, for the 15-character card, its letters in base 26 then
    /// its twelve digits. Unique and in byte order, like the IDs.
    pub fn key(&self) -> u64 {
        if let Some(kind) = self.doc_kind() {
            return self.doc_key(kind);
        }
        // Eight digits at a time: pairs, then quads, then the eight summed
        // inside one 64-bit word (the bytes are ASCII digits, see `as_str`).
        fn eight(b: &[u8]) -> u64 {
            let mut w = [0u8; 8];
            w.copy_from_slice(&b[..8]);
            let mut v = u64::from_le_bytes(w) - 0x3030_3030_3030_3030;
            v = (v * 10 + (v >> 8)) & 0x00ff_00ff_00ff_00ff;
            v = (v * 100 + (v >> 16)) & 0x0000_ffff_0000_ffff;
            (v * 10_000 + (v >> 32)) & 0xffff_ffff
        }
        (eight(&self.0[..8]) * 100_000_000 + eight(&self.0[8..16])) * 10
            + u64::from(self.0[16] - b'0')
    }

    #[cold]
    fn doc_key(&self, kind: DocKind) -> u64 {
        let place = DocKind::ALL.iter().position(|k| *k == kind).unwrap_or(0) as u64;
        let n = &self.0[1..];
        let v = if kind == DocKind::ForeignPermanentResident {
            let letters = n[..3]
                .iter()
                .fold(0u64, |acc, &c| acc * 26 + u64::from(c - b'A'));
            let digits = n[3..15]
                .iter()
                .fold(0u64, |acc, &c| acc * 10 + u64::from(c - b'0'));
            letters * 1_000_000_000_000 + digits
        } else {
            n[..DOC_NUMBER_MAX].iter().fold(0u64, |acc, &c| {
                let d = match c {
                    0 => 0,
                    b'0'..=b'9' => 1 + c - b'0',
                    _ => 11 + c - b'A',
                };
                acc * 37 + u64::from(d)
            })
        };
        (1 << 63) | (place << 58) | v
    }

    /// The 18 bytes as two big-endian integers: compared like the bytes, in
    /// two instructions instead of a call to `memcmp`.
    fn words(&self) -> (u128, u16) {
        let mut hi = [0u8; 16];
        hi.copy_from_slice(&self.0[..16]);
        (
            u128::from_be_bytes(hi),
            u16::from_be_bytes([self.0[16], self.0[17]]),
        )
    }

    /// The sex the ID encodes (17th digit: odd = male, GB 11643); `None` when
    /// the ID carries none.
    pub fn is_male(&self) -> Option<bool> {
        if self.doc_kind().is_some() {
            return None;
        }
        let d = self.0[16];
        d.is_ascii_digit().then_some((d - b'0') % 2 == 1)
    }

    /// `110101********123X`: region code and last four kept. A document's
    /// number keeps a quarter of its characters at each end
    /// (`passport:E1*****78`), none when it has fewer than four.
    pub fn masked(&self) -> String {
        if let Some(kind) = self.doc_kind() {
            let n = self.number();
            let keep = n.len() / 4;
            let mut out = String::with_capacity(n.len() + 12);
            out.push_str(kind.code());
            out.push(':');
            out.push_str(&n[..keep]);
            out.extend(std::iter::repeat_n('*', n.len() - 2 * keep));
            out.push_str(&n[n.len() - keep..]);
            return out;
        }
        let s = self.as_str();
        format!("{}********{}", &s[..6], &s[14..])
    }
}

fn check_birth(yyyymmdd: &[u8]) -> Result<(), IdError> {
    if yyyymmdd.len() != 8 || !yyyymmdd.iter().all(u8::is_ascii_digit) {
        return Err(IdError::Characters);
    }
    let num = |r: std::ops::Range<usize>| {
        yyyymmdd[r]
            .iter()
            .fold(0u32, |acc, &c| acc * 10 + u32::from(c - b'0'))
    };
    let (y, m, d) = (num(0..4) as i32, num(4..6), num(6..8));
    if !(1850..=2100).contains(&y) || NaiveDate::from_ymd_opt(y, m, d).is_none() {
        return Err(IdError::BirthDate);
    }
    Ok(())
}

impl fmt::Display for PersonId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text())
    }
}

/// A document number folded to what is kept: full-width letters and digits
/// made ASCII, letters upper-case, single spaces or dashes between groups
/// dropped. Anything else is an error.
fn fold_document_number(raw: &str) -> Result<String, IdError> {
    let s = raw.trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}');
    if s.is_empty() {
        return Err(IdError::Empty);
    }
    let mut out = String::with_capacity(s.len());
    let mut after_separator = true;
    for c in s.chars() {
        let c = match c {
            '\u{FF10}'..='\u{FF19}' | '\u{FF21}'..='\u{FF3A}' | '\u{FF41}'..='\u{FF5A}' => {
                char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c)
            }
            c => c,
        };
        match c {
            '0'..='9' | 'A'..='Z' => out.push(c),
            'a'..='z' => out.push(c.to_ascii_uppercase()),
            c if is_id_group_separator(c) && !after_separator => {
                after_separator = true;
                continue;
            }
            _ => {
                return Err(IdError::Document(crate::text!(doc_characters)));
            }
        }
        after_separator = false;
    }
    if after_separator {
        return Err(IdError::Document(crate::text!(doc_characters)));
    }
    Ok(out)
}

/// Debug never prints a whole ID (logs and panics must not leak one).
impl fmt::Debug for PersonId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PersonId({})", self.masked())
    }
}

/// `张*`, `欧阳**`: the first character kept. A one-character name becomes `*`.
pub fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        None => String::new(),
        Some(first) => {
            let rest = chars.count();
            if rest == 0 {
                "*".to_string()
            } else {
                let mut out = String::with_capacity(first.len_utf8() + rest);
                out.push(first);
                out.extend(std::iter::repeat_n('*', rest));
                out
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Where a value came from
// ---------------------------------------------------------------------------

/// A row of an input: index into the run's input list, the sheet's index in
/// that input's `sheets` (0 for CSV), and the row number as a spreadsheet user
/// counts it (1-based, header and title lines included).
#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub struct SourceRef {
    pub input: u32,
    pub sheet: u32,
    pub row: u32,
}

// ---------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------

/// An employer or region code: one copy of each distinct text for the whole
/// process, so a code is a plain pointer — copied without a reference count
/// (a million result rows sharing 200 employers do not contend on 200
/// counters from every thread) and compared by address.
///
/// The texts are kept until the process ends: a run holds as many as it has
/// distinct employer and region codes (hundreds to tens of thousands of short
/// strings), and a later run in the same process reuses them.
// `&Box<str>` on purpose: a thin pointer to the text (see `CodeTable`).
#[allow(clippy::borrowed_box)]
#[derive(Copy, Clone)]
pub struct Code(&'static Box<str>);

/// Every code's text, by text. A code is the address of its boxed text: one
/// word (a `&'static str` would be two), so events and rows stay small.
type CodeTable = std::collections::HashMap<&'static str, Code>;
static CODES: std::sync::LazyLock<std::sync::Mutex<CodeTable>> =
    std::sync::LazyLock::new(Default::default);

#[allow(clippy::borrowed_box)]
impl Code {
    /// The code with this text (the existing copy, or a new one).
    pub fn new(s: &str) -> Code {
        // A poisoned lock still guards a consistent set (inserts are atomic).
        let mut set = CODES.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(&c) = set.get(s) {
            return c;
        }
        let boxed: &'static Box<str> = Box::leak(Box::new(Box::from(s)));
        let c = Code(boxed);
        set.insert(&**boxed, c);
        c
    }

    pub fn as_str(&self) -> &'static str {
        let boxed: &'static Box<str> = self.0;
        boxed
    }

    /// The code's identity in this process: equal texts, equal addresses (a
    /// key for maps that never leave the run; its order is not the text's).
    pub fn addr(&self) -> usize {
        std::ptr::from_ref::<Box<str>>(self.0) as usize
    }
}

impl std::ops::Deref for Code {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Code {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl std::borrow::Borrow<str> for Code {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for Code {
    fn from(s: &str) -> Code {
        Code::new(s)
    }
}

impl PartialEq for Code {
    /// One copy per text: equal texts are the same address.
    fn eq(&self, other: &Code) -> bool {
        std::ptr::eq(self.0, other.0)
    }
}

impl Eq for Code {}

impl std::hash::Hash for Code {
    /// Hashes the text (as `str` does), so maps iterate in the same order in
    /// every run and can be searched with a `&str`.
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl PartialOrd for Code {
    fn partial_cmp(&self, other: &Code) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Code {
    /// By text.
    fn cmp(&self, other: &Code) -> std::cmp::Ordering {
        if self == other {
            std::cmp::Ordering::Equal
        } else {
            self.as_str().cmp(other.as_str())
        }
    }
}

impl fmt::Debug for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// A person's name as read from a row. Up to 14 bytes (any Chinese name of up
/// to four characters) is kept inline, longer ones are shared: a million rows
/// do not make a million small allocations (24 bytes inline against 16 for a
/// pointer plus a 48-byte block on the heap).
#[derive(Clone)]
pub struct Name(NameRepr);

#[derive(Clone)]
enum NameRepr {
    Inline { len: u8, bytes: [u8; Name::INLINE] },
    Shared(Arc<str>),
}

impl Name {
    const INLINE: usize = 14;

    pub fn as_str(&self) -> &str {
        match &self.0 {
            NameRepr::Inline { len, bytes } => {
                let bytes = &bytes[..usize::from(*len)];
                debug_assert!(std::str::from_utf8(bytes).is_ok());
                // SAFETY: the variant is private and built only by `From<&str>`,
                // which copies a whole `&str` (valid UTF-8) and records its
                // length; names are compared for every event of a person, so
                // they are not re-validated on each read.
                unsafe { std::str::from_utf8_unchecked(bytes) }
            }
            NameRepr::Shared(s) => s,
        }
    }
}

impl From<&str> for Name {
    fn from(s: &str) -> Name {
        if s.len() <= Name::INLINE {
            let mut bytes = [0u8; Name::INLINE];
            bytes[..s.len()].copy_from_slice(s.as_bytes());
            Name(NameRepr::Inline {
                len: s.len() as u8,
                bytes,
            })
        } else {
            Name(NameRepr::Shared(Arc::from(s)))
        }
    }
}

impl std::ops::Deref for Name {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for Name {
    fn eq(&self, other: &Name) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Name {}

impl std::hash::Hash for Name {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize)]
pub enum EventKind {
    /// 入职 / 增员 / 新参保
    Hire,
    /// 离职 / 减员 / 停保
    Separation,
}

/// Index of a region (统筹区) in the run's `PolicySet`.
#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct RegionId(pub u16);

/// Resolves a raw region value (`beijing`, `北京`, `北京市`, `110000`) to a region.
pub trait RegionLookup: Sync {
    fn lookup(&self, raw: &str) -> Option<RegionId>;
    /// A contribution tier (医疗缴费档次, `一档`/`二档`) some pack defines, as its
    /// number (1-based; 0 is "no tier"); `None` when no pack knows the name.
    fn tier(&self, _raw: &str) -> Option<u8> {
        None
    }
}

/// One hire or separation, normalized and typed.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Event {
    pub person_id: PersonId,
    pub name: Option<Name>,
    pub employer_id: Code,
    pub kind: EventKind,
    pub date: NaiveDate,
    pub region: RegionId,
    /// 缴费基数 / 月工资 as given; `None` means the base falls to the floor.
    pub wage: Option<Decimal>,
    /// 离职原因 is retirement (退休).
    pub retirement: bool,
    /// 医疗缴费档次: the tier's number in the run's policy set (0: none given).
    pub tier: u8,
    /// When the event was filed: a separation's 减员日期 / 办理日期, a hire's
    /// 参保登记日期 / 办理日期.
    pub filed_date: Option<NaiveDate>,
    /// 视同缴费月数 (deemed months before the scheme) the export gives; 0: none.
    pub deemed_months: u16,
    /// Whether `date` is a day or stands for a month (a month-only column).
    pub basis: DateBasis,
    pub source: SourceRef,
}

impl Event {
    /// In force at `as_of`: a day on or before it; a month-only event whose
    /// month (first paid, or last paid) is not after the as-of month (a stop
    /// declared for the end of the as-of month is known in it).
    pub fn in_force(&self, as_of: NaiveDate) -> bool {
        match self.basis {
            DateBasis::Day => self.date <= as_of,
            DateBasis::Month => Month::of(self.date) <= Month::of(as_of),
        }
    }
    /// Where the event sorts among a person's events at one employer: its
    /// date, except that a month-only separation (dated the last day of its
    /// last month paid) sorts at the first day of its first month no longer
    /// paid, after a month-only hire of that month (`增 202504` and
    /// `减 202504`: hired and gone before a month was paid).
    pub fn order_date(&self) -> NaiveDate {
        match (self.basis, self.kind) {
            (DateBasis::Month, EventKind::Separation) => self.date.succ_opt().unwrap_or(self.date),
            _ => self.date,
        }
    }
}

/// What an event's date stands for.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug, Default)]
pub enum DateBasis {
    /// A day (变动日期, 入职日期): the pack's cut-off rules decide the months.
    #[default]
    Day,
    /// A month from a month-only column (`费款所属期 202504`): a hire's date
    /// is the 1st of its first month paid, a separation's the last day of its
    /// last month paid, and those months are exact (no cut-off rule applies).
    Month,
}

impl DateBasis {
    /// The stable code written in `stops.csv` (`day` / `month`).
    pub fn code(self) -> &'static str {
        match self {
            DateBasis::Day => "day",
            DateBasis::Month => "month",
        }
    }
}

/// One ledger line (实缴记录) as read, before aggregation.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct LedgerRow {
    pub person_id: PersonId,
    pub employer_id: Code,
    pub month: Month,
    pub amount: Decimal,
    pub paid_date: Option<NaiveDate>,
}

/// Which medical insurance a ledger amount is for (险种). Rows of other
/// insurances (pension, unemployment, …) never become entries: they are
/// counted as `OTHER_INSURANCE` when read.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub enum Insurance {
    /// 基本医疗保险 (also 含生育, 医疗+生育), or a ledger without an insurance column.
    #[default]
    BasicMedical,
    /// 生育保险 given as a separate line.
    Maternity,
    /// 大额医疗互助 / 大额医疗费用补助 / 大病医疗.
    LargeSumMedical,
}

impl Insurance {
    pub const ALL: [Insurance; 3] = [
        Insurance::BasicMedical,
        Insurance::Maternity,
        Insurance::LargeSumMedical,
    ];
    /// The name used in `schemas/insurance.toml` and pack files.
    pub fn key(self) -> &'static str {
        match self {
            Insurance::BasicMedical => "basic_medical",
            Insurance::Maternity => "maternity",
            Insurance::LargeSumMedical => "large_sum_medical",
        }
    }
    pub fn from_key(key: &str) -> Option<Insurance> {
        Insurance::ALL.into_iter().find(|i| i.key() == key)
    }
    pub fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// What kind of payment a ledger amount is (缴费类型).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub enum PaymentKind {
    /// 正常应缴 (code 10), or no kind column.
    #[default]
    Normal,
    /// 补缴 / 补收 / 中断补收 (codes 31–35): pays its coverage month on its own date.
    BackPay,
    /// 退收 (code 20): reduces what the month was paid (the amount is negative).
    Refund,
    /// 转入: paid in by a transfer.
    TransferIn,
    /// 滞纳金 the ledger billed for the month: not a payment of the due.
    LateFeeBilled,
}

impl PaymentKind {
    pub const ALL: [PaymentKind; 5] = [
        PaymentKind::Normal,
        PaymentKind::BackPay,
        PaymentKind::Refund,
        PaymentKind::TransferIn,
        PaymentKind::LateFeeBilled,
    ];
    /// The name shown in `arrears.csv`'s `paid_kinds`.
    pub fn key(self) -> &'static str {
        match self {
            PaymentKind::Normal => "normal",
            PaymentKind::BackPay => "back_pay",
            PaymentKind::Refund => "refund",
            PaymentKind::TransferIn => "transfer_in",
            PaymentKind::LateFeeBilled => "late_fee",
        }
    }
}

/// What was paid for one person, employer and month on one paid date, of one
/// insurance and payment kind, summed over the ledger rows that say so.
/// A month paid in several payments has one entry per payment date, so each
/// payment keeps its own date (the late fee runs to it).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct LedgerEntry {
    pub person_id: PersonId,
    pub employer_id: Code,
    pub month: Month,
    pub paid: Decimal,
    /// The paid date of the rows summed here, if they had one.
    pub paid_date: Option<NaiveDate>,
    /// How many ledger rows were summed into this entry (duplicates visible).
    pub rows: u32,
    pub insurance: Insurance,
    pub kind: PaymentKind,
}

/// Months paid by the unemployment fund (失业保险金期间); they count as covered.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct UiSpan {
    pub person_id: PersonId,
    pub from: Month,
    pub to: Month,
}

// ---------------------------------------------------------------------------
// Rejects and accounting
// ---------------------------------------------------------------------------

/// Stable codes for rejected rows; `as_str` is what `rejects.csv` shows.
#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum RejectCode {
    MissingValue,
    BadId,
    IdChecksum,
    IdLostDigits,
    BadDate,
    AmbiguousDate,
    BadEvent,
    BadMoney,
    BadMonth,
    UnknownRegion,
    /// A 医疗缴费档次 no policy pack defines.
    UnknownTier,
    /// A roster row whose separation date is before its hire date.
    DateOrder,
    /// A row the reader could not split into fields (e.g. a ragged CSV line).
    BadRow,
    /// A ledger insurance name (险种) not in `schemas/insurance.toml`.
    UnknownInsurance,
    /// A ledger payment kind (缴费类型) not in `schemas/insurance.toml`.
    UnknownPaymentKind,
    /// A range row whose month count (月数) disagrees with its range.
    MonthsMismatch,
    /// A CSV line that is not text in the file's encoding (UTF-8 or GB18030).
    BadEncoding,
    /// An employer code or a name that is a spreadsheet error value
    /// (`#DIV/0!`, `#N/A`, `Err:502`…) or holds a control character (NUL…).
    BadText,
}

impl RejectCode {
    pub fn as_str(self) -> &'static str {
        match self {
            RejectCode::MissingValue => "MISSING_VALUE",
            RejectCode::BadId => "BAD_ID",
            RejectCode::IdChecksum => "ID_CHECKSUM",
            RejectCode::IdLostDigits => "ID_LOST_DIGITS",
            RejectCode::BadDate => "BAD_DATE",
            RejectCode::AmbiguousDate => "AMBIGUOUS_DATE",
            RejectCode::BadEvent => "BAD_EVENT",
            RejectCode::BadMoney => "BAD_MONEY",
            RejectCode::BadMonth => "BAD_MONTH",
            RejectCode::UnknownRegion => "UNKNOWN_REGION",
            RejectCode::UnknownTier => "UNKNOWN_TIER",
            RejectCode::DateOrder => "DATE_ORDER",
            RejectCode::BadRow => "BAD_ROW",
            RejectCode::UnknownInsurance => "UNKNOWN_INSURANCE",
            RejectCode::UnknownPaymentKind => "UNKNOWN_PAYMENT_KIND",
            RejectCode::MonthsMismatch => "MONTHS_MISMATCH",
            RejectCode::BadEncoding => "BAD_ENCODING",
            RejectCode::BadText => "BAD_TEXT",
        }
    }
}

impl fmt::Display for RejectCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An input row not used, with where it was and why.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Reject {
    pub source: SourceRef,
    /// The header text of the offending column as found in the file.
    pub column: String,
    /// The raw cell value. May contain a whole ID: the report masks it.
    pub value: String,
    pub code: RejectCode,
    /// Why, rendered in the output's language (English in rejects.csv).
    pub message: crate::text::Text,
    /// The name cells a whole-row `value` holds (BAD_ROW, BAD_ENCODING): a
    /// masked report masks each of them where it appears in the value.
    pub names: Vec<String>,
    /// The ID cells (证件号码) a whole-row `value` holds: a masked report
    /// masks each that is no resident ID like a document number
    /// (`mask::mask_document_text`) where it stands as a whole in the value.
    pub documents: Vec<String>,
}

/// What kind of input a file turned out to be (by its bytes, not its name).
#[derive(Copy, Clone, PartialEq, Eq, Debug, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum InputFormat {
    Csv,
    Xlsx,
    Xls,
    Xlsb,
    Ods,
    Parquet,
    /// "Excel 2003 XML" (SpreadsheetML), usually named `.xls`.
    Spreadsheetml,
    /// An HTML table, usually named `.xls`.
    Html,
}

/// Which table a file feeds.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum InputRole {
    Events,
    Ledger,
    Ui,
}

/// Row shape detected from the header.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Shape {
    /// One row per event (变动类型 + 变动日期).
    Events,
    /// One row per employment spell (入职日期 + 离职日期).
    Roster,
    Ledger,
    Ui,
}

/// Accounting for one sheet (CSV files have one, named after the file).
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct SheetReport {
    pub name: String,
    /// `None` when the sheet was skipped.
    pub shape: Option<Shape>,
    /// Why the sheet was skipped (no header with the required columns, empty…).
    pub skipped: Option<String>,
    /// 1-based row number of the header row.
    pub header_row: Option<u32>,
    pub rows_read: u64,
    pub accepted: u64,
    pub rejected: u64,
    pub duplicates: u64,
    /// Ledger rows of an insurance other than medical (pension, unemployment,
    /// …): counted, set aside, never summed.
    pub other_insurance: u64,
    /// Rows that are not persons (example rows, subtotals and totals,
    /// placeholder rows): skipped, neither accepted nor rejected.
    pub skipped_rows: u64,
    /// Why rows were skipped: reason → rows (sums to `skipped_rows`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub skipped_reasons: BTreeMap<String, u64>,
    /// What the reader decided about this sheet that a user should know
    /// (the month read from an ambiguous column, columns set aside …).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl SheetReport {
    /// A sheet named `name` of this shape, nothing read or counted yet.
    pub fn new(name: impl Into<String>, shape: Option<Shape>) -> Self {
        SheetReport {
            name: name.into(),
            shape,
            skipped: None,
            header_row: None,
            rows_read: 0,
            accepted: 0,
            rejected: 0,
            duplicates: 0,
            other_insurance: 0,
            skipped_rows: 0,
            skipped_reasons: BTreeMap::new(),
            notes: Vec::new(),
        }
    }

    /// Adds rows skipped as not persons, `(reason, rows)`, to the counts.
    pub fn add_skipped<'r>(&mut self, reasons: impl IntoIterator<Item = (&'r str, u64)>) {
        for (reason, n) in reasons {
            self.skipped_rows += n;
            *self.skipped_reasons.entry(reason.to_string()).or_default() += n;
        }
    }

    /// Rows accounted for: accepted + rejected + duplicates + other
    /// insurance + skipped (equals `rows_read` when the sheet balances).
    pub fn accounted(&self) -> u64 {
        self.accepted + self.rejected + self.duplicates + self.other_insurance + self.skipped_rows
    }
}

/// Accounting for one input file.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct InputReport {
    pub path: String,
    pub role: InputRole,
    pub format: InputFormat,
    pub sha256: String,
    pub bytes: u64,
    /// CSV only: `utf-8`, `utf-8-bom`, `gb18030`.
    pub encoding: Option<String>,
    pub sheets: Vec<SheetReport>,
}

impl InputReport {
    pub fn rows_read(&self) -> u64 {
        self.sheets.iter().map(|s| s.rows_read).sum()
    }
    /// read = accepted + rejected + duplicates + other insurance + skipped,
    /// on every sheet.
    pub fn balanced(&self) -> bool {
        self.sheets.iter().all(|s| s.rows_read == s.accounted())
    }
}

// ---------------------------------------------------------------------------
// Engine results (one set per person), consumed by the reports
// ---------------------------------------------------------------------------

#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum Flag {
    GapOver3m,
    OpenGap,
    Overlap,
    OrphanSeparation,
    Conflict,
    LateStop,
    NameMismatch,
    Overpaid,
    Arrears,
    /// Ledger rows for a person with no events at all.
    LedgerOnly,
    /// A money figure needs values no policy version gives: left blank.
    Unpriced,
    /// The new employer registered the hire after `hire_filing_days`.
    LateHireFiling,
    /// An employer code seen with several 单位名称: listed once, in flags.csv
    /// with a blank person (`EmployerNames`).
    EmployerNameMismatch,
}

impl Flag {
    pub fn as_str(self) -> &'static str {
        match self {
            Flag::GapOver3m => "GAP_OVER_3M",
            Flag::OpenGap => "OPEN_GAP",
            Flag::Overlap => "OVERLAP",
            Flag::OrphanSeparation => "ORPHAN_SEPARATION",
            Flag::Conflict => "CONFLICT",
            Flag::LateStop => "LATE_STOP",
            Flag::NameMismatch => "NAME_MISMATCH",
            Flag::Overpaid => "OVERPAID",
            Flag::Arrears => "ARREARS",
            Flag::LedgerOnly => "LEDGER_ONLY",
            Flag::Unpriced => "UNPRICED",
            Flag::LateHireFiling => "LATE_HIRE_FILING",
            Flag::EmployerNameMismatch => "EMPLOYER_NAME_MISMATCH",
        }
    }
}

impl fmt::Display for Flag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Status {
    Covered,
    OpenGap,
    Lapsed,
    Retired,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Covered => "covered",
            Status::OpenGap => "open_gap",
            Status::Lapsed => "lapsed",
            Status::Retired => "retired",
        }
    }
}

#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum GapKind {
    Short,
    Long,
    Open,
}

impl GapKind {
    pub fn as_str(self) -> &'static str {
        match self {
            GapKind::Short => "short",
            GapKind::Long => "long",
            GapKind::Open => "open",
        }
    }
}

/// One row of `persons.csv`.
#[derive(Clone, PartialEq, Debug)]
pub struct PersonRow {
    pub person_id: PersonId,
    pub name: Option<Name>,
    /// Every employer the person has events with, sorted.
    pub employers: Vec<Code>,
    pub first_covered_month: Option<Month>,
    pub last_covered_month: Option<Month>,
    pub status: Status,
    pub open_months: u32,
    pub resume_by: Option<NaiveDate>,
    pub gaps: u32,
    pub long_gaps: u32,
    pub max_gap_months: u32,
    pub catch_up_total: Decimal,
    pub continuous_months: u32,
    pub cumulative_months: u32,
    pub arrears_total: Decimal,
    pub late_fee_total: Decimal,
    /// Distinct flags, sorted.
    pub flags: Vec<Flag>,
    /// Months actually contributed (实际缴费): the covered months.
    pub actual_months: u32,
    /// Deemed months (视同缴费) the export gives.
    pub deemed_months: u32,
    /// 终身医保待遇: months still missing (0 when met); blank when the sex is
    /// unknown (not a resident ID).
    pub lifetime_months_needed: Option<u32>,
    /// Switching to 居民医保 during an open gap: the wait in days, and why.
    pub resident_wait_days: Option<u32>,
    /// `CONTINUOUS_SHORT_GAP` (0 days), `CONTINUOUS_LONG_GAP` (90),
    /// `NOT_CONTINUOUS` (180): the pack's thresholds are in `explain`.
    pub resident_wait_reason: Option<&'static str>,
    /// Which totals leave out figures no policy version prices.
    pub unpriced: Unpriced,
}

/// Which of a person's totals sum only the priced part (SPEC §3 rule 11).
#[derive(Copy, Clone, PartialEq, Eq, Debug, Default)]
pub enum Unpriced {
    #[default]
    None,
    CatchUp,
    Arrears,
    Both,
}

impl Unpriced {
    /// The `unpriced` column: the totals that are partial.
    pub fn as_str(self) -> &'static str {
        match self {
            Unpriced::None => "",
            Unpriced::CatchUp => "catch_up_total",
            Unpriced::Arrears => "arrears_total",
            Unpriced::Both => "catch_up_total;arrears_total",
        }
    }
}

/// One row of `gaps.csv`.
#[derive(Clone, PartialEq, Debug)]
pub struct GapRow {
    pub person_id: PersonId,
    pub from_month: Month,
    pub to_month: Month,
    pub months: u32,
    pub kind: GapKind,
    /// Blank for long gaps and for open gaps past the limit.
    pub catch_up: Option<Decimal>,
    /// Blank for open gaps.
    pub waiting_months: Option<u32>,
    /// Blank for open gaps.
    pub benefits_resume: Option<NaiveDate>,
    pub employer_before: Option<Code>,
    pub employer_after: Option<Code>,
    /// Pack code of the region whose policy priced the gap.
    pub region: Code,
}

/// One row of `stops.csv`: one per separation that closed a spell.
#[derive(Clone, PartialEq, Debug)]
pub struct StopRow {
    pub person_id: PersonId,
    pub employer_id: Code,
    pub separation_date: NaiveDate,
    /// `None` when the spell covered no month at all.
    pub last_paid_month: Option<Month>,
    pub stop_month: Month,
    pub benefits_end: Option<NaiveDate>,
    pub filing_deadline: NaiveDate,
    pub filed_date: Option<NaiveDate>,
    pub late_stop: bool,
    /// `separation_date` is a day, or the last day of a month-only
    /// separation's last month paid (`费款所属期`, `减员年月`).
    pub separation_basis: DateBasis,
}

/// One row of `arrears.csv`: a covered month whose payment fell short.
#[derive(Clone, PartialEq, Debug)]
pub struct ArrearsRow {
    pub person_id: PersonId,
    pub employer_id: Code,
    pub month: Month,
    pub due: Decimal,
    pub paid: Decimal,
    /// The payment kinds of the month's payments (bit `1 << PaymentKind as u8`).
    pub paid_kinds: u8,
    /// The 滞纳金 the ledger itself billed for the month, when it has one.
    pub late_fee_billed: Option<Decimal>,
    pub shortfall: Decimal,
    pub days: u32,
    pub late_fee: Decimal,
    /// The pack's dated late-fee waiver that took part of the fee off (its name).
    pub late_fee_waiver: Option<Code>,
    /// The region whose money priced the due (for the grades a run used).
    pub region: RegionId,
}

/// A payment for a month outside every spell of that employer (`overpaid.csv`).
#[derive(Clone, PartialEq, Debug)]
pub struct OverpaidRow {
    pub person_id: PersonId,
    pub employer_id: Code,
    pub month: Month,
    pub paid: Decimal,
    /// `OUTSIDE_SPELL` or `NO_EVENTS` (a ledger-only person).
    pub reason: &'static str,
}

/// One flag occurrence, with what it is about (`flags.csv`).
#[derive(Clone, PartialEq, Debug)]
pub struct FlagRow {
    pub person_id: PersonId,
    pub flag: Flag,
    pub employer_id: Option<Code>,
    pub month: Option<Month>,
    pub date: Option<NaiveDate>,
    /// What the flag is about, rendered in the output's language (English
    /// in flags.csv).
    pub detail: crate::text::Text,
    /// Further employers the flag concerns (an overlap's other employers), sorted.
    pub other_employers: Vec<Code>,
}

/// What changed for a person between the evaluation as of `--since` and the
/// one as of `--as-of` (`changes.csv`, 变化).
#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum Change {
    /// Status became `lapsed` (an open gap past the back-pay limit).
    NewlyLapsed,
    /// An open gap started (or the person is newly in one).
    NewOpenGap,
    /// An open gap of the earlier evaluation is closed now (coverage resumed).
    GapClosed,
    /// A month now owed that was not owed before.
    NewArrears,
    /// A month owed before and not owed now.
    SettledArrears,
    /// A month owed before and now, with another shortfall.
    ArrearsChanged,
    /// A stop now late that was not late (or not known) before.
    NewLateStop,
}

impl Change {
    pub fn as_str(self) -> &'static str {
        match self {
            Change::NewlyLapsed => "NEWLY_LAPSED",
            Change::NewOpenGap => "NEW_OPEN_GAP",
            Change::GapClosed => "GAP_CLOSED",
            Change::NewArrears => "NEW_ARREARS",
            Change::SettledArrears => "SETTLED_ARREARS",
            Change::ArrearsChanged => "ARREARS_CHANGED",
            Change::NewLateStop => "NEW_LATE_STOP",
        }
    }
}

/// One row of `changes.csv`.
#[derive(Clone, PartialEq, Debug)]
pub struct ChangeRow {
    pub person_id: PersonId,
    pub name: Option<Name>,
    pub change: Change,
    /// The month the change is about: the open gap's first month, the resume
    /// month of a closed gap, the arrears month, the stop month.
    pub month: Option<Month>,
    pub employer_id: Option<Code>,
    /// The state before and after: a status, a gap kind, or `none`, `owed`,
    /// `settled`, `late`, `not_late`.
    pub before: &'static str,
    pub after: &'static str,
    /// Money before and after: a gap's catch-up, an arrears month's shortfall.
    pub amount_before: Option<Decimal>,
    pub amount_after: Option<Decimal>,
    pub detail: crate::text::Text,
}

/// What a month was for a person, as the coverage calendar (参保月历) colours
/// it; when several hold, the first of this order wins: arrears, overlap,
/// covered, unemployment fund, then the gap kinds.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum MonthState {
    /// Covered by an employer (the calendar shows its short label).
    Covered,
    /// Paid by the unemployment fund (失业保险金期间).
    Unemployment,
    ShortGap,
    LongGap,
    OpenGap,
    /// Covered by two employers at once (rule 8).
    Overlap,
    /// Covered, and the employer still owes part of the month.
    Arrears,
}

impl MonthState {
    pub const ALL: [MonthState; 7] = [
        MonthState::Covered,
        MonthState::Unemployment,
        MonthState::ShortGap,
        MonthState::LongGap,
        MonthState::OpenGap,
        MonthState::Overlap,
        MonthState::Arrears,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MonthState::Covered => "covered",
            MonthState::Unemployment => "unemployment",
            MonthState::ShortGap => "short_gap",
            MonthState::LongGap => "long_gap",
            MonthState::OpenGap => "open_gap",
            MonthState::Overlap => "overlap",
            MonthState::Arrears => "arrears",
        }
    }
}

/// One month of a person's calendar: its state and the employer it is about
/// (the covering employer; the owing one for arrears).
pub type MonthCell = Option<(MonthState, Option<Code>)>;

/// One person's row of the coverage calendar.
#[derive(Clone, PartialEq, Debug)]
pub struct CalendarRow {
    pub person_id: PersonId,
    pub name: Option<Name>,
    pub status: Status,
    /// The person has a flag (flagged persons come first).
    pub flagged: bool,
    /// One per month of [`Calendar::from`]..=[`Calendar::to`].
    pub cells: Vec<MonthCell>,
}

/// The coverage calendar sheet (参保月历): persons by row, months by column.
#[derive(Clone, PartialEq, Debug)]
pub struct Calendar {
    pub from: Month,
    pub to: Month,
    pub rows: Vec<CalendarRow>,
    /// Flagged persons left out past the row limit (`--calendar-limit`).
    pub left_out: usize,
    /// Persons not flagged, left out because the run has more persons than
    /// the limit.
    pub unflagged_left_out: usize,
}

/// An employer code seen with several names: the code, and each name with
/// its row count (most first).
pub type NameMismatch = (Box<str>, Vec<(Box<str>, u64)>);

/// Employers' names (单位名称) as the event files give them: each code's
/// most frequent name (a tie: the first in text order), and the codes seen
/// with several names, each name with its row count.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EmployerNames {
    chosen: std::collections::HashMap<Box<str>, Box<str>>,
    /// Codes with several names, by code; names by count (most first), then text.
    mismatches: Vec<NameMismatch>,
}

impl EmployerNames {
    /// From (code, name) → rows counted while reading.
    pub fn from_counts(counts: impl IntoIterator<Item = ((Code, Box<str>), u64)>) -> Self {
        let mut by_code: BTreeMap<Box<str>, Vec<(Box<str>, u64)>> = BTreeMap::new();
        for ((code, name), n) in counts {
            let names = by_code.entry(Box::from(&*code)).or_default();
            match names.iter_mut().find(|(m, _)| *m == name) {
                Some((_, c)) => *c += n,
                None => names.push((name, n)),
            }
        }
        let mut out = EmployerNames::default();
        for (code, mut names) in by_code {
            names.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            out.chosen.insert(code.clone(), names[0].0.clone());
            if names.len() > 1 {
                out.mismatches.push((code, names));
            }
        }
        out
    }

    /// The name reports print beside `code`.
    pub fn get(&self, code: &str) -> Option<&str> {
        if self.chosen.is_empty() {
            return None;
        }
        self.chosen.get(code).map(|n| &**n)
    }

    pub fn is_empty(&self) -> bool {
        self.chosen.is_empty()
    }

    /// Codes seen with several names, by code.
    pub fn mismatches(&self) -> &[NameMismatch] {
        &self.mismatches
    }
}

/// One row of `employers.csv`, summed over persons by the pipeline.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct EmployerRow {
    pub employer_id: String,
    pub persons: u64,
    pub hires: u64,
    pub separations: u64,
    pub late_stops: u64,
    pub overlaps: u64,
    /// Long gaps (and open gaps past the limit) that began after a spell at this employer.
    pub long_gaps: u64,
    pub arrears_total: Decimal,
    pub late_fee_total: Decimal,
    pub overpaid_total: Decimal,
    /// Σ 滞纳金 the ledger billed, over arrears rows that have one; `None`
    /// when the ledger billed none for this employer.
    pub late_fee_billed_total: Option<Decimal>,
    /// Σ (computed − billed) late fee over those same rows.
    pub late_fee_difference: Option<Decimal>,
}

/// Everything the engine says about one person.
#[derive(Clone, PartialEq, Debug)]
pub struct PersonResult {
    pub person: PersonRow,
    pub gaps: Vec<GapRow>,
    pub stops: Vec<StopRow>,
    pub arrears: Vec<ArrearsRow>,
    pub overpaid: Vec<OverpaidRow>,
    pub flags: Vec<FlagRow>,
}

impl PersonResult {
    /// Drops the spare capacity of every list (a one-element `Vec` reserves
    /// four): a million results are held until the reports are written.
    pub fn shrink_to_fit(&mut self) {
        self.person.employers.shrink_to_fit();
        self.person.flags.shrink_to_fit();
        self.gaps.shrink_to_fit();
        self.stops.shrink_to_fit();
        self.arrears.shrink_to_fit();
        self.overpaid.shrink_to_fit();
        for f in &mut self.flags {
            f.other_employers.shrink_to_fit();
        }
        self.flags.shrink_to_fit();
    }
}

/// A policy pack as the manifest records it.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct PolicyManifestEntry {
    pub region: String,
    pub file: String,
    pub sha256: String,
    /// Spans of its money versions, `YYYY-MM..YYYY-MM` (open-ended: `YYYY-MM..`).
    pub versions: Vec<String>,
    /// Spans of its rules tables.
    pub rules: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_inline_and_shared_read_back_and_compare_by_text() {
        for text in [
            "",
            "张三",
            "欧阳娜娜",
            "欧阳娜娜娜",
            "Zhang San",
            "a very long romanised name",
        ] {
            let n = Name::from(text);
            assert_eq!(n.as_str(), text);
            assert_eq!(&*n.clone(), text);
        }
        assert_eq!(std::mem::size_of::<Option<Name>>(), 24);
        assert_eq!(Name::from("王伟"), Name::from("王伟"));
        assert_ne!(Name::from("王伟"), Name::from("王玮"));
    }

    #[test]
    fn month_parse_and_display() {
        assert_eq!(Month::parse("202503"), Month::new(2025, 3));
        assert_eq!(Month::parse("2025-03"), Month::new(2025, 3));
        assert_eq!(Month::parse("2025/3"), Month::new(2025, 3));
        assert_eq!(Month::parse("2025年3月"), Month::new(2025, 3));
        assert_eq!(Month::parse("202513"), None);
        assert_eq!(Month::parse("2025-3-1"), None);
        assert_eq!(Month::new(2025, 12).unwrap().next().to_string(), "2026-01");
        assert_eq!(
            Month::new(2024, 2).unwrap().last_day(),
            NaiveDate::from_ymd_opt(2024, 2, 29).unwrap()
        );
        assert_eq!(
            Month::new(2025, 4)
                .unwrap()
                .months_through(Month::new(2025, 5).unwrap()),
            2
        );
    }

    #[test]
    fn id_checksum_upgrade_and_mask() {
        // 11010519491231002X is the standard's own example.
        let id = PersonId::parse("11010519491231002x").unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
        assert_eq!(id.masked(), "110105********002X");
        assert_eq!(
            PersonId::parse("11010519491231002"),
            Err(IdError::Length(17))
        );
        assert_eq!(
            PersonId::parse("110105194912310021"),
            Err(IdError::Checksum {
                expected: 'X',
                found: '1'
            })
        );
        assert_eq!(PersonId::parse("1.10105E+17"), Err(IdError::LostDigits));
        assert_eq!(
            PersonId::parse("110105194912310000.0"),
            Err(IdError::LostDigits)
        );
        // 15-digit 110105491231002 -> 110105 19 491231002 + check
        let old = PersonId::parse("110105491231002").unwrap();
        assert_eq!(old.as_str(), "11010519491231002X");
        assert_eq!(
            PersonId::parse("110105194913310020"),
            Err(IdError::BirthDate)
        );
        assert_eq!(PersonId::parse("　11010519491231002X "), Ok(id));
        // Written in groups or in full-width digits (issue 17, finding 12).
        for written in [
            "110105 19491231 002X",
            "110105-19491231-002X",
            "110105　1949　1231　002X",
            "１１０１０５１９４９１２３１００２Ｘ",
            "１１０１０５－１９４９１２３１－００２ｘ",
        ] {
            assert_eq!(PersonId::parse(written), Ok(id), "{written}");
        }
        // Not an ID's grouping: still judged as written.
        assert_eq!(
            PersonId::parse("110105  19491231002X"),
            Err(IdError::Length(20))
        );
        assert_eq!(
            PersonId::parse("110105 19491231 0021"),
            Err(IdError::Checksum {
                expected: 'X',
                found: '1'
            })
        );
        assert_eq!(
            PersonId::parse("110105/19491231/002X"),
            Err(IdError::Length(20))
        );
    }

    #[test]
    fn documents_are_kept_by_kind_and_number() {
        assert_eq!(IdType::parse(""), Some(IdType::Resident));
        assert_eq!(IdType::parse(" 居民身份证 "), Some(IdType::Resident));
        assert_eq!(IdType::parse("港澳台居民居住证"), Some(IdType::Resident));
        assert_eq!(IdType::parse("护照"), Some(IdType::Doc(DocKind::Passport)));
        assert_eq!(
            IdType::parse("外国护照"),
            Some(IdType::Doc(DocKind::Passport))
        );
        assert_eq!(
            IdType::parse("台湾居民来往大陆通行证"),
            Some(IdType::Doc(DocKind::TwPermit))
        );
        assert_eq!(
            IdType::parse("外国人永久居留身份证"),
            Some(IdType::ForeignPermanent)
        );
        assert_eq!(
            IdType::parse("Passport"),
            Some(IdType::Doc(DocKind::Passport))
        );
        // Codes differ between systems: never read.
        assert_eq!(IdType::parse("01"), None);
        assert_eq!(IdType::parse("驾驶证"), None);

        let p = PersonId::parse_typed(IdType::Doc(DocKind::Passport), " e1234 5678 ").unwrap();
        assert_eq!(p.doc_kind(), Some(DocKind::Passport));
        assert_eq!(p.number(), "E12345678");
        assert_eq!(p.text(), "passport:E12345678");
        assert_eq!(p.to_string(), "passport:E12345678");
        // 9 characters: 2 kept at each end, 5 masked.
        assert_eq!(p.masked(), "passport:E1*****78");
        assert_eq!(format!("{p:?}"), "PersonId(passport:E1*****78)");
        assert_eq!(p.is_male(), None);
        assert_eq!(PersonId::parse_text("passport:E12345678"), Ok(p));
        // The same number under another kind is another person.
        let q = PersonId::parse_typed(IdType::Doc(DocKind::HkMoPermit), "E12345678").unwrap();
        assert_ne!(p, q);
        assert_ne!(p.key(), q.key());
        // No checksum to fail; but only letters and digits, at most 11.
        assert!(matches!(
            PersonId::parse_typed(IdType::Doc(DocKind::Passport), "E1234/5678"),
            Err(IdError::Document(_))
        ));
        assert!(matches!(
            PersonId::parse_typed(IdType::Doc(DocKind::Passport), "E12345678901"),
            Err(IdError::Document(_))
        ));
        assert_eq!(
            PersonId::parse_typed(IdType::Doc(DocKind::Passport), "  "),
            Err(IdError::Empty)
        );
        // A residence permit is numbered like a resident ID and checked so.
        let id = PersonId::parse("11010519491231002X").unwrap();
        assert_eq!(
            PersonId::parse_typed(IdType::Resident, "11010519491231002X"),
            Ok(id)
        );
        // 外国人永久居留身份证: 18 characters like an ID, or the old 15.
        assert_eq!(
            PersonId::parse_typed(IdType::ForeignPermanent, "11010519491231002X"),
            Ok(id)
        );
        let old = PersonId::parse_typed(IdType::ForeignPermanent, "chn110078121501").unwrap();
        assert_eq!(old.text(), "foreign_pr:CHN110078121501");
        assert_eq!(old.masked(), "foreign_pr:CHN*********501");
        assert!(matches!(
            PersonId::parse_typed(IdType::ForeignPermanent, "C1N110078121501"),
            Err(IdError::Document(_))
        ));
        assert_eq!(PersonId::parse_text(&old.text()), Ok(old));
        assert!(matches!(
            PersonId::parse_text("visa:123"),
            Err(IdError::Document(_))
        ));
        // Short numbers are masked whole.
        let t = PersonId::parse_typed(IdType::Doc(DocKind::Other), "A12").unwrap();
        assert_eq!(t.masked(), "other_doc:***");
    }

    #[test]
    fn document_keys_order_like_the_ids_and_give_them_back() {
        let mut ids = vec![
            PersonId::parse("11010519491231002X").unwrap(),
            PersonId::parse("110105199003070017").unwrap(),
            PersonId::parse_typed(IdType::ForeignPermanent, "AAA000000000000").unwrap(),
            PersonId::parse_typed(IdType::ForeignPermanent, "ZZZ999999999999").unwrap(),
            PersonId::parse_typed(IdType::ForeignPermanent, "CHN110078121501").unwrap(),
        ];
        for (kind, numbers) in [
            (
                DocKind::Passport,
                &[
                    "E1",
                    "E12345678",
                    "E12345679",
                    "E2",
                    "G1",
                    "0",
                    "ZZZZZZZZZZZ",
                    "99999999999",
                    "A",
                ][..],
            ),
            (DocKind::HkMoPermit, &["H12345678", "H1234567801", "M1"][..]),
            (DocKind::TwPermit, &["12345678", "1234567801"][..]),
            (DocKind::Other, &["X", "X0", "X00"][..]),
        ] {
            for n in numbers {
                ids.push(PersonId::parse_typed(IdType::Doc(kind), n).unwrap());
            }
        }
        let mut by_id = ids.clone();
        let mut by_key = ids.clone();
        by_id.sort();
        by_key.sort_by_key(PersonId::key);
        assert_eq!(by_id, by_key);
        let mut keys: Vec<u64> = ids.iter().map(PersonId::key).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), ids.len(), "keys are unique");
        for id in &ids {
            assert_eq!(PersonId::from_key(id.key()), Some(*id), "{id}");
        }
        // Every resident ID sorts before every document.
        assert!(by_id[1].doc_kind().is_none() && by_id[2].doc_kind().is_some());
        // A key no ID has: padding inside a number, an unknown kind.
        assert_eq!(PersonId::from_key((1 << 63) | (3 << 58)), None);
        assert_eq!(PersonId::from_key((1 << 63) | (30 << 58) | 1), None);
        assert_eq!(PersonId::from_key(10u64.pow(17)), None);
    }

    #[test]
    fn id_key_orders_like_the_id() {
        let a = PersonId::parse("11010519491231002X").unwrap();
        let b = PersonId::parse("110105199003070017").unwrap();
        let c = PersonId::parse("110105198506150014").unwrap();
        assert_eq!(a.key(), 11010519491231002);
        let mut by_id = [b, c, a];
        let mut by_key = by_id;
        by_id.sort();
        by_key.sort_by_key(PersonId::key);
        assert_eq!(by_id, by_key);
    }

    #[test]
    fn id_key_and_order_match_the_digits_for_many_ids() {
        // Pseudo-random 17-digit prefixes, plus all-0 and all-9 runs.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut ids = Vec::new();
        for i in 0..2000u64 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let mut first17 = [b'0'; 17];
            for (j, d) in first17.iter_mut().enumerate() {
                *d = match i {
                    0 => b'0',
                    1 => b'9',
                    _ => b'0' + ((x >> (j * 3 % 61)) % 10) as u8,
                };
            }
            ids.push(PersonId::from_first17(&first17).unwrap());
        }
        for a in &ids {
            let folded = a.as_str().as_bytes()[..17]
                .iter()
                .fold(0u64, |acc, d| acc * 10 + u64::from(d - b'0'));
            assert_eq!(a.key(), folded, "{}", a.as_str());
        }
        for w in ids.windows(2) {
            let (a, b) = (w[0], w[1]);
            assert_eq!(a.cmp(&b), a.as_str().cmp(b.as_str()));
            assert_eq!(a.cmp(&b), a.key().cmp(&b.key()));
        }
        assert_eq!(ids[1].key(), 99_999_999_999_999_999);
    }

    #[test]
    fn codes_are_one_copy_per_text_and_order_by_text() {
        let a = Code::new("单位甲");
        let owned = String::from("单位甲");
        let b = Code::new(&owned);
        assert!(std::ptr::eq(a.as_str(), b.as_str()));
        assert_eq!(a, b);
        let c = Code::new("E002");
        let d = Code::new("E010");
        assert_ne!(c, d);
        // The address is the identity: one per text.
        assert_eq!(a.addr(), b.addr());
        assert_ne!(c.addr(), d.addr());
        assert_eq!(Code::new("E010").addr(), d.addr());
        let mut v = [a, d, c];
        v.sort();
        let texts: Vec<&str> = v.iter().map(|c| c.as_str()).collect();
        assert_eq!(texts, ["E002", "E010", "单位甲"]);
        let mut map = std::collections::HashMap::new();
        map.insert(c, 1);
        assert_eq!(map.get("E002"), Some(&1));
        assert_eq!(format!("{a} {a:?}"), "单位甲 \"单位甲\"");
    }

    #[test]
    fn name_mask() {
        assert_eq!(mask_name("张三"), "张*");
        assert_eq!(mask_name("欧阳娜娜"), "欧***");
        assert_eq!(mask_name("李"), "*");
        assert_eq!(mask_name(""), "");
    }
}
