//! Just enough of the zip format to bound a workbook before calamine reads it:
//! the central directory's entry names and sizes, and the first bytes of one
//! entry (stored, or deflated — a small inflater, stopping at a byte limit).
//! Own code rather than the `zip` crate so the crate keeps its dependency set.

/// One central-directory entry.
pub struct Entry {
    pub name: String,
    /// Uncompressed size as declared (0xFFFF_FFFF for a zip64 entry).
    pub size: u64,
    method: u16,
    compressed: u64,
    local_offset: u64,
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// The entries of a zip's central directory; `None` when it cannot be found
/// or parsed (left to the reader's own message).
pub fn entries(bytes: &[u8]) -> Option<Vec<Entry>> {
    // The end-of-central-directory record, within the last 64 KiB + 22 bytes.
    let low = bytes.len().saturating_sub(65_557);
    let eocd = (low..bytes.len().saturating_sub(21))
        .rev()
        .find(|&i| u32_at(bytes, i) == Some(0x0605_4b50))?;
    let count = u16_at(bytes, eocd + 10)? as usize;
    let mut at = u32_at(bytes, eocd + 16)? as usize;
    let mut out = Vec::with_capacity(count.min(4096));
    for _ in 0..count {
        if u32_at(bytes, at)? != 0x0201_4b50 {
            return None;
        }
        let method = u16_at(bytes, at + 10)?;
        let compressed = u64::from(u32_at(bytes, at + 20)?);
        let size = u64::from(u32_at(bytes, at + 24)?);
        let name_len = u16_at(bytes, at + 28)? as usize;
        let extra_len = u16_at(bytes, at + 30)? as usize;
        let comment_len = u16_at(bytes, at + 32)? as usize;
        let local_offset = u64::from(u32_at(bytes, at + 42)?);
        let name = String::from_utf8_lossy(bytes.get(at + 46..at + 46 + name_len)?).into_owned();
        out.push(Entry {
            name,
            size,
            method,
            compressed,
            local_offset,
        });
        at += 46 + name_len + extra_len + comment_len;
    }
    Some(out)
}

/// Up to `limit` uncompressed bytes from the start of `entry`; `None` when
/// its data cannot be read.
pub fn head(bytes: &[u8], entry: &Entry, limit: usize) -> Option<Vec<u8>> {
    let at = usize::try_from(entry.local_offset).ok()?;
    if u32_at(bytes, at)? != 0x0403_4b50 {
        return None;
    }
    let start = at + 30 + u16_at(bytes, at + 26)? as usize + u16_at(bytes, at + 28)? as usize;
    let end = start.saturating_add(usize::try_from(entry.compressed).ok()?);
    let data = bytes.get(start..end.min(bytes.len()))?;
    match entry.method {
        0 => Some(data[..data.len().min(limit)].to_vec()),
        8 => inflate_head(data, limit),
        _ => None,
    }
}

struct Bits<'a> {
    data: &'a [u8],
    pos: usize,
    buf: u64,
    cnt: u32,
}

impl Bits<'_> {
    fn need(&mut self, n: u32) -> Option<u32> {
        while self.cnt < n {
            let b = *self.data.get(self.pos)?;
            self.pos += 1;
            self.buf |= u64::from(b) << self.cnt;
            self.cnt += 8;
        }
        let v = (self.buf & ((1u64 << n) - 1)) as u32;
        self.buf >>= n;
        self.cnt -= n;
        Some(v)
    }
}

/// A canonical Huffman code: codes per length and symbols in code order.
struct Huffman {
    count: [u16; 16],
    symbol: Vec<u16>,
}

impl Huffman {
    fn new(lengths: &[u8]) -> Huffman {
        let mut count = [0u16; 16];
        for &l in lengths {
            count[l as usize] += 1;
        }
        count[0] = 0;
        let mut offs = [0u16; 16];
        for l in 1..16 {
            offs[l] = offs[l - 1] + count[l - 1];
        }
        let mut symbol = vec![0u16; lengths.len()];
        for (s, &l) in lengths.iter().enumerate() {
            if l != 0 {
                symbol[offs[l as usize] as usize] = s as u16;
                offs[l as usize] += 1;
            }
        }
        Huffman { count, symbol }
    }

    fn decode(&self, bits: &mut Bits) -> Option<u16> {
        let (mut code, mut first, mut index) = (0i32, 0i32, 0i32);
        for len in 1..16 {
            code |= bits.need(1)? as i32;
            let count = i32::from(self.count[len]);
            if code - count < first {
                return self.symbol.get((index + code - first) as usize).copied();
            }
            index += count;
            first = (first + count) << 1;
            code <<= 1;
        }
        None
    }
}

const LEN_BASE: [u16; 29] = [
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131,
    163, 195, 227, 258,
];
const LEN_EXTRA: [u8; 29] = [
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
const DIST_BASE: [u16; 30] = [
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
    2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
];
const DIST_EXTRA: [u8; 30] = [
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13,
    13,
];

/// Inflates raw DEFLATE data until `limit` bytes are out (or its end).
pub fn inflate_head(data: &[u8], limit: usize) -> Option<Vec<u8>> {
    let mut bits = Bits {
        data,
        pos: 0,
        buf: 0,
        cnt: 0,
    };
    let mut out: Vec<u8> = Vec::with_capacity(limit.min(1 << 16));
    loop {
        let last = bits.need(1)? == 1;
        match bits.need(2)? {
            0 => {
                bits.buf = 0;
                bits.cnt = 0;
                let len = u16_at(data, bits.pos)? as usize;
                bits.pos += 4;
                let chunk = data.get(bits.pos..bits.pos + len)?;
                bits.pos += len;
                out.extend_from_slice(chunk);
            }
            1 => {
                let mut lengths = [0u8; 288];
                lengths[..144].fill(8);
                lengths[144..256].fill(9);
                lengths[256..280].fill(7);
                lengths[280..].fill(8);
                let lit = Huffman::new(&lengths);
                let dist = Huffman::new(&[5u8; 30]);
                codes(&mut bits, &lit, &dist, &mut out, limit)?;
            }
            2 => {
                let hlit = bits.need(5)? as usize + 257;
                let hdist = bits.need(5)? as usize + 1;
                let hclen = bits.need(4)? as usize + 4;
                const ORDER: [usize; 19] = [
                    16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
                ];
                let mut cl = [0u8; 19];
                for &o in ORDER.iter().take(hclen) {
                    cl[o] = bits.need(3)? as u8;
                }
                let clh = Huffman::new(&cl);
                let mut lengths = vec![0u8; hlit + hdist];
                let mut i = 0;
                while i < hlit + hdist {
                    let sym = clh.decode(&mut bits)?;
                    let (value, times) = match sym {
                        0..=15 => (sym as u8, 1),
                        16 => (*lengths.get(i.checked_sub(1)?)?, 3 + bits.need(2)? as usize),
                        17 => (0, 3 + bits.need(3)? as usize),
                        18 => (0, 11 + bits.need(7)? as usize),
                        _ => return None,
                    };
                    for _ in 0..times {
                        *lengths.get_mut(i)? = value;
                        i += 1;
                    }
                }
                let lit = Huffman::new(&lengths[..hlit]);
                let dist = Huffman::new(&lengths[hlit..]);
                codes(&mut bits, &lit, &dist, &mut out, limit)?;
            }
            _ => return None,
        }
        if last || out.len() >= limit {
            out.truncate(limit);
            return Some(out);
        }
    }
}

fn codes(
    bits: &mut Bits,
    lit: &Huffman,
    dist: &Huffman,
    out: &mut Vec<u8>,
    limit: usize,
) -> Option<()> {
    while out.len() < limit {
        let sym = lit.decode(bits)? as usize;
        if sym < 256 {
            out.push(sym as u8);
            continue;
        }
        if sym == 256 {
            return Some(());
        }
        let k = sym - 257;
        let len = *LEN_BASE.get(k)? as usize + bits.need(u32::from(*LEN_EXTRA.get(k)?))? as usize;
        let d = dist.decode(bits)? as usize;
        let back =
            *DIST_BASE.get(d)? as usize + bits.need(u32::from(*DIST_EXTRA.get(d)?))? as usize;
        let from = out.len().checked_sub(back)?;
        for j in 0..len {
            let b = out[from + j];
            out.push(b);
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_head_of_a_deflated_part_of_a_real_workbook() {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let sheet = wb.add_worksheet();
        for r in 0..200u32 {
            sheet
                .write_string(r, 0, format!("姓名{r} 张三李四王五"))
                .unwrap();
        }
        let bytes = wb.save_to_buffer().unwrap();
        let entries = entries(&bytes).unwrap();
        let sst = entries
            .iter()
            .find(|e| e.name == "xl/sharedStrings.xml")
            .unwrap();
        assert_eq!(sst.method, 8, "deflated");
        let head = head(&bytes, sst, 4096).unwrap();
        assert_eq!(head.len(), 4096);
        let text = String::from_utf8_lossy(&head);
        assert!(text.starts_with("<?xml"), "{text}");
        assert!(text.contains(r#"uniqueCount="200""#), "{text}");
        assert!(text.contains("姓名1 张三李四王五"), "{text}");
        // The whole part, inflated, is as long as the directory says.
        let all = head_all(&bytes, sst);
        assert_eq!(all.len() as u64, sst.size);
    }

    fn head_all(bytes: &[u8], e: &Entry) -> Vec<u8> {
        head(bytes, e, usize::MAX).unwrap()
    }

    #[test]
    fn garbage_is_none_not_a_panic() {
        assert!(entries(b"PK\x03\x04 not a zip").is_none());
        assert!(
            inflate_head(&[0xff; 64], 100).is_none() || inflate_head(&[0xff; 64], 100).is_some()
        );
        assert!(inflate_head(&[], 100).is_none());
    }
}
