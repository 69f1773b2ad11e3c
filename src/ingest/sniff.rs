//! What a file really is, by its bytes rather than its name: a zip (xlsx, ods or
//! xlsb), an OLE2 compound file (xls), an Excel 2003 XML spreadsheet or an HTML
//! table saved under `.xls`, or else text (CSV).

use crate::model::InputFormat;
use memchr::memmem;

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum FileKind {
    Csv,
    Xlsx,
    Xls,
    Xlsb,
    Ods,
    /// `<?xml … urn:schemas-microsoft-com:office:spreadsheet` (SpreadsheetML 2003).
    Excel2003Xml,
    Html,
    /// A web page archive (`MIME-Version:` first), e.g. a page saved as `.mht`.
    Mhtml,
    /// A zip that is no spreadsheet.
    OtherZip,
    /// A zip without its end-of-archive record: cut short in a copy or download.
    TruncatedZip,
    /// An OLE2 file holding an `EncryptedPackage`: a password-protected
    /// xlsx (Office encrypts a whole workbook into such a container).
    Encrypted,
}

impl FileKind {
    pub fn label(self) -> &'static str {
        match self {
            FileKind::Csv => "CSV text",
            FileKind::Xlsx => "an .xlsx workbook",
            FileKind::Xls => "an .xls (Excel 97-2003) workbook",
            FileKind::Xlsb => "an .xlsb workbook",
            FileKind::Ods => "an .ods (OpenDocument) spreadsheet",
            FileKind::Excel2003Xml => "an Excel 2003 XML spreadsheet",
            FileKind::Html => "an HTML page",
            FileKind::Mhtml => "an MHTML web archive (a saved web page)",
            FileKind::OtherZip => "a zip archive",
            FileKind::TruncatedZip => {
                "a damaged or truncated zip (its end-of-archive record is missing)"
            }
            FileKind::Encrypted => "a password-protected (encrypted) workbook",
        }
    }
    /// What the user can do about a file of this kind that is not read.
    pub fn advice(self) -> &'static str {
        match self {
            FileKind::TruncatedZip => {
                "the file was cut short in a copy or download: copy or download it again"
            }
            FileKind::Encrypted => {
                "open it in Excel or WPS with its password, save it without one, and read that copy"
            }
            _ => "open it in Excel or LibreOffice and save it as .xlsx or CSV",
        }
    }
    pub fn format(self) -> Option<InputFormat> {
        match self {
            FileKind::Csv => Some(InputFormat::Csv),
            FileKind::Xlsx => Some(InputFormat::Xlsx),
            FileKind::Xls => Some(InputFormat::Xls),
            FileKind::Xlsb => Some(InputFormat::Xlsb),
            FileKind::Ods => Some(InputFormat::Ods),
            FileKind::Excel2003Xml => Some(InputFormat::Spreadsheetml),
            FileKind::Html => Some(InputFormat::Html),
            _ => None,
        }
    }
}

/// [`sniff`] of a whole file: also a zip cut short ([`FileKind::TruncatedZip`]).
pub fn sniff_whole(bytes: &[u8]) -> FileKind {
    let kind = sniff(bytes);
    if kind != FileKind::Encrypted && zip_is_truncated(bytes) {
        return FileKind::TruncatedZip;
    }
    kind
}

/// A zip (by its first bytes) without its end-of-central-directory record,
/// which sits in the last 22 bytes plus a comment of at most 64 KiB: without
/// it no zip reader can list the parts, whatever names the local headers show.
fn zip_is_truncated(bytes: &[u8]) -> bool {
    if !(bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06")) {
        return false;
    }
    let tail = &bytes[bytes.len().saturating_sub(22 + 65_535)..];
    memmem::rfind(tail, b"PK\x05\x06").is_none()
}

/// Looks at the first bytes (and, for a zip, the names in it).
pub fn sniff(bytes: &[u8]) -> FileKind {
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        // An ODS stores `mimetype` first, uncompressed.
        let head = &bytes[..bytes.len().min(256)];
        if memmem::find(head, b"application/vnd.oasis.opendocument.spreadsheet").is_some() {
            return FileKind::Ods;
        }
        if memmem::find(bytes, b"xl/workbook.bin").is_some() {
            return FileKind::Xlsb;
        }
        if memmem::find(bytes, b"xl/workbook.xml").is_some()
            || memmem::find(bytes, b"[Content_Types].xml").is_some()
        {
            return FileKind::Xlsx;
        }
        if memmem::find(bytes, b"content.xml").is_some()
            && memmem::find(bytes, b"opendocument").is_some()
        {
            return FileKind::Ods;
        }
        return FileKind::OtherZip;
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        // Directory entry names are UTF-16LE.
        let encrypted: Vec<u8> = "EncryptedPackage"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        if memmem::find(bytes, &encrypted).is_some() {
            return FileKind::Encrypted;
        }
        return FileKind::Xls;
    }
    let head = &bytes[..bytes.len().min(4096)];
    let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let start = text
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(text.len());
    let lower: Vec<u8> = text[start..].iter().map(u8::to_ascii_lowercase).collect();
    if lower.starts_with(b"mime-version:") {
        return FileKind::Mhtml;
    }
    if lower.starts_with(b"<?xml") || lower.starts_with(b"<workbook") {
        if memmem::find(&lower, b"urn:schemas-microsoft-com:office:spreadsheet").is_some() {
            return FileKind::Excel2003Xml;
        }
        if memmem::find(&lower, b"<html").is_some() {
            return FileKind::Html;
        }
    }
    if lower.starts_with(b"<!doctype html")
        || lower.starts_with(b"<html")
        || lower.starts_with(b"<table")
        || (lower.starts_with(b"<") && memmem::find(&lower, b"<table").is_some())
    {
        return FileKind::Html;
    }
    FileKind::Csv
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_by_bytes() {
        assert_eq!(
            sniff(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest"),
            FileKind::Xls
        );
        assert_eq!(
            sniff(
                b"PK\x03\x04....mimetypeapplication/vnd.oasis.opendocument.spreadsheet..PK\x05\x06"
            ),
            FileKind::Ods
        );
        assert_eq!(
            sniff(b"PK\x03\x04..[Content_Types].xml..xl/workbook.xml..PK\x05\x06"),
            FileKind::Xlsx
        );
        assert_eq!(
            sniff(b"PK\x03\x04..[Content_Types].xml..xl/workbook.bin..PK\x05\x06"),
            FileKind::Xlsb
        );
        assert_eq!(
            sniff(b"PK\x03\x04..other.txt..PK\x05\x06"),
            FileKind::OtherZip
        );
        // Cut short: the names are there, the end-of-archive record is not.
        assert_eq!(
            sniff_whole(b"PK\x03\x04..[Content_Types].xml..xl/workbook.xml"),
            FileKind::TruncatedZip
        );
        // The first bytes alone (a ledger's sniff) still tell the kind.
        assert_eq!(
            sniff(b"PK\x03\x04..[Content_Types].xml..xl/workbook.xml"),
            FileKind::Xlsx
        );
        assert_eq!(
            sniff_whole(b"PK\x03\x04..[Content_Types].xml..xl/workbook.xml..PK\x05\x06"),
            FileKind::Xlsx
        );
        // A password-protected xlsx: an OLE2 file with an EncryptedPackage stream.
        let mut encrypted = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1....".to_vec();
        encrypted.extend("EncryptedPackage".encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(sniff(&encrypted), FileKind::Encrypted);
        assert_eq!(
            sniff(b"<?xml version=\"1.0\"?>\n<Workbook xmlns=\"urn:schemas-microsoft-com:office:spreadsheet\">"),
            FileKind::Excel2003Xml
        );
        assert_eq!(sniff(b"  <html><body><table>"), FileKind::Html);
        assert_eq!(sniff(b"<table border=1><tr>"), FileKind::Html);
        assert_eq!(sniff("身份证号,姓名\n".as_bytes()), FileKind::Csv);
        assert_eq!(sniff(b""), FileKind::Csv);
        assert_eq!(
            sniff(b"MIME-Version: 1.0\r\nContent-Type: multipart/related"),
            FileKind::Mhtml
        );
    }
}
