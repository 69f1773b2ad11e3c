//! Checks an OLE2 compound file (`.xls`, or an encrypted xlsx's wrapper) before
//! calamine reads it.
//!
//! calamine 0.38's `cfb` module follows sector chains through the file
//! allocation table (FAT) without remembering where it has been: a chain that
//! loops back (one changed FAT entry) is followed until memory runs out, for
//! the directory (read with no length limit) and for any stream whose declared
//! length is large. It also loads every FAT sector the DIFAT lists, the same
//! sector as often as it is listed. This module walks the same structures
//! calamine walks, from the header, in bounded steps and without copying, and
//! refuses a file whose chains loop, leave the FAT or list a FAT sector twice,
//! so calamine only ever sees files whose chains end.
//!
//! Layout (MS-CFB): a 512-byte header (4096 for version 4) holds the sector
//! shift (0x1E), the number of FAT sectors (0x2C), the first directory sector
//! (0x30), the mini-FAT's first sector and sector count (0x3C, 0x40), the
//! DIFAT's first sector and count (0x44, 0x48) and the first 109 DIFAT entries
//! (0x4C..0x200). Sector `n` starts at byte `(n + 1) × sector size`.
//!
//! What calamine itself refuses (a bad signature, a sector past the end of the
//! file) is left to its own message: this check only adds what it lacks.

/// The OLE2 signature, the first 8 bytes of every compound file.
pub const OLE_SIGNATURE: &[u8; 8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

/// FAT values at and above this are markers (DIFSECT, FATSECT, ENDOFCHAIN,
/// FREESECT), not sector numbers.
const MAX_REGULAR_SECTOR: u32 = 0xFFFF_FFFA;
const DIFSECT: u32 = 0xFFFF_FFFC;
const ENDOFCHAIN: u32 = 0xFFFF_FFFE;
/// Streams this long or longer live in regular sectors; shorter ones in the
/// mini stream, whose chains calamine reads at most 4095 bytes of.
const MINI_STREAM_CUTOFF: usize = 4096;

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// The compound file as calamine sees it: sectors after the header.
struct Sectors<'a> {
    /// The bytes after the header.
    body: &'a [u8],
    size: usize,
    /// The largest sector number calamine accepts (`file length / sector size`).
    maxid: u32,
}

impl<'a> Sectors<'a> {
    /// Sector `id`'s bytes (shorter for the file's last, partial sector).
    fn get(&self, id: u32) -> &'a [u8] {
        let start = (id as usize).saturating_mul(self.size).min(self.body.len());
        let end = start.saturating_add(self.size).min(self.body.len());
        &self.body[start..end]
    }
}

/// Why a compound file is refused: a message for the file.
fn damaged(what: String) -> String {
    format!("is a damaged .xls (OLE2) file: {what}; it was not read further")
}

/// Walks the chain from `start` as calamine's `get_chain` would, up to `len`
/// bytes, and refuses it if it comes back to a sector it has passed or points
/// outside the FAT. Returns the chain's bytes when `collect` is set (the
/// directory), which are at most one copy of each sector.
fn walk(
    sectors: &Sectors<'_>,
    fats: &[u32],
    start: u32,
    len: usize,
    what: &str,
    collect: bool,
) -> Result<Vec<u8>, String> {
    let mut seen = vec![false; fats.len()];
    let mut got = 0usize;
    let mut out = Vec::new();
    let mut id = start;
    while id != ENDOFCHAIN {
        if id > sectors.maxid {
            // calamine stops here with "sector points past end of file".
            return Ok(out);
        }
        let sector = sectors.get(id);
        let take = sector.len().min(len - got);
        if collect {
            out.extend_from_slice(&sector[..take]);
        }
        got += take;
        if got >= len {
            return Ok(out);
        }
        let Some(next) = fats.get(id as usize) else {
            return Err(damaged(format!(
                "the {what} chain reaches sector {id}, beyond its allocation table of {} entries",
                fats.len()
            )));
        };
        if std::mem::replace(&mut seen[id as usize], true) {
            return Err(damaged(format!(
                "the {what} chain loops (it comes back to sector {id})"
            )));
        }
        id = *next;
    }
    Ok(out)
}

/// One directory entry: its name, first sector and length.
struct Entry {
    name: String,
    start: u32,
    len: usize,
}

fn entry(raw: &[u8], large: bool) -> Entry {
    // Decoded as calamine decodes it (encoding_rs drops a byte-order mark),
    // so a name it finds as `Workbook` is found here too.
    let mut name = encoding_rs::UTF_16LE.decode(&raw[..64]).0.into_owned();
    if let Some(end) = name.as_bytes().iter().position(|b| *b == 0) {
        name.truncate(end);
    }
    let len = if large {
        let v = u64::from_le_bytes(raw[120..128].try_into().unwrap_or([0; 8]));
        usize::try_from(v).unwrap_or(usize::MAX)
    } else {
        u32_at(raw, 120) as usize
    };
    Entry {
        name,
        start: u32_at(raw, 116),
        len,
    }
}

/// Checks a compound file's DIFAT, FAT and the chains calamine follows when it
/// opens the file and reads its `Workbook` (or `Book`) stream. `Ok` for bytes
/// that are not a compound file, or that calamine refuses itself.
pub fn check(bytes: &[u8]) -> Result<(), String> {
    if bytes.len() < 512 || !bytes.starts_with(OLE_SIGNATURE) {
        return Ok(());
    }
    let size = match u16_at(bytes, 30) {
        9 => 512usize,
        12 => 4096,
        _ => return Ok(()),
    };
    if u16_at(bytes, 32) != 6 || bytes.len() < size {
        return Ok(());
    }
    let sectors = Sectors {
        body: &bytes[size..],
        size,
        maxid: u32::try_from(bytes.len() / size).unwrap_or(u32::MAX),
    };
    let dir_start = u32_at(bytes, 0x30);
    let mini_fat_start = u32_at(bytes, 0x3C);
    let mini_fat_len = u32_at(bytes, 0x40) as usize;
    let difat_start = u32_at(bytes, 0x44);

    // The DIFAT: the header's 109 entries, then a chain of DIFAT sectors whose
    // last entry names the next one.
    let mut difat: Vec<u32> = (0x4C..0x200)
        .step_by(4)
        .map(|at| u32_at(bytes, at))
        .collect();
    let mut seen_difat = std::collections::HashSet::new();
    let mut id = difat_start;
    while id < MAX_REGULAR_SECTOR {
        if id > sectors.maxid {
            return Ok(()); // calamine: sector past the end of the file
        }
        if !seen_difat.insert(id) {
            return Err(damaged(format!(
                "the DIFAT chain loops (it comes back to sector {id})"
            )));
        }
        let sector = sectors.get(id);
        difat.extend(sector.chunks_exact(4).map(|c| u32_at(c, 0)));
        match difat.pop() {
            Some(next) => id = next,
            None => return Ok(()),
        }
    }

    // The FAT: every sector the DIFAT lists, each once.
    let mut fats = Vec::new();
    let mut seen_fat = std::collections::HashSet::new();
    for id in difat.into_iter().filter(|&id| id < DIFSECT) {
        if id > sectors.maxid {
            return Ok(()); // calamine: sector past the end of the file
        }
        if !seen_fat.insert(id) {
            return Err(damaged(format!(
                "its DIFAT lists FAT sector {id} more than once"
            )));
        }
        fats.extend(sectors.get(id).chunks_exact(4).map(|c| u32_at(c, 0)));
    }

    // The directory, read to the end of its chain.
    let dirs = walk(&sectors, &fats, dir_start, usize::MAX, "directory", true)?;
    let entries: Vec<Entry> = dirs
        .chunks_exact(128)
        .map(|raw| entry(raw, size == 4096))
        .collect();
    let Some(root) = entries.first() else {
        return Ok(()); // calamine: empty root directory
    };
    if mini_fat_len > 0 {
        walk(&sectors, &fats, root.start, root.len, "mini stream", false)?;
        let minifat_bytes = mini_fat_len.saturating_mul(size);
        walk(
            &sectors,
            &fats,
            mini_fat_start,
            minifat_bytes,
            "mini FAT",
            false,
        )?;
    }
    // The streams calamine's xls reader reads: the first entry named
    // `Workbook`, else the first named `Book` (ASCII case ignored).
    for name in ["Workbook", "Book"] {
        let stream = entries
            .iter()
            .find(|e| e.name.as_bytes().eq_ignore_ascii_case(name.as_bytes()));
        if let Some(e) = stream.filter(|e| e.len >= MINI_STREAM_CUTOFF) {
            let what = format!("{name} stream");
            walk(&sectors, &fats, e.start, e.len, &what, false)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_that_are_not_a_compound_file_are_left_to_their_reader() {
        assert_eq!(check(b""), Ok(()));
        assert_eq!(check(b"PK\x03\x04"), Ok(()));
        // A signature with too short a header: calamine names it "too small".
        assert_eq!(check(OLE_SIGNATURE), Ok(()));
        let mut bad_shift = vec![0u8; 1024];
        bad_shift[..8].copy_from_slice(OLE_SIGNATURE);
        bad_shift[30] = 7;
        assert_eq!(check(&bad_shift), Ok(()));
    }

    #[test]
    fn a_chain_into_itself_is_a_loop_and_one_that_ends_is_not() {
        // Header, then sector 0 = the FAT, sector 1 = the directory.
        let mut b = vec![0u8; 512 * 3];
        b[..8].copy_from_slice(OLE_SIGNATURE);
        b[30] = 9;
        b[32] = 6;
        b[0x30..0x34].copy_from_slice(&1u32.to_le_bytes());
        b[0x44..0x48].copy_from_slice(&ENDOFCHAIN.to_le_bytes());
        for at in (0x4C..0x200).step_by(4) {
            b[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        }
        b[0x4C..0x50].copy_from_slice(&0u32.to_le_bytes());
        let fat = 512;
        b[fat..fat + 4].copy_from_slice(&0xFFFF_FFFDu32.to_le_bytes());
        b[fat + 4..fat + 8].copy_from_slice(&ENDOFCHAIN.to_le_bytes());
        assert_eq!(check(&b), Ok(()));
        b[fat + 4..fat + 8].copy_from_slice(&1u32.to_le_bytes());
        let err = check(&b).unwrap_err();
        assert!(
            err.contains("the directory chain loops (it comes back to sector 1)"),
            "{err}"
        );
    }
}
