//! Splitting large in-memory work by key ranges and filling one buffer from
//! parallel workers: the mechanism the event grouping (`pipeline`), the
//! joining of parsed chunks (`ingest`) and the ledger aggregation
//! (`columnar`) share. The one `unsafe` step (`set_len` after parallel
//! writes) lives here, checked, instead of in each of them.

use rayon::prelude::*;
use std::mem::MaybeUninit;

/// Range bounds for `parts` ranges from a sample of the keys (its quantiles,
/// without repeats): a key's range is [`range_of`] these bounds.
pub fn sample_bounds(mut sample: Vec<u64>, parts: usize) -> Vec<u64> {
    sample.sort_unstable();
    if sample.is_empty() {
        return Vec::new();
    }
    let mut bounds: Vec<u64> = (1..parts)
        .map(|i| sample[i * sample.len() / parts])
        .collect();
    bounds.dedup();
    bounds
}

/// The range of `key` among `bounds` (0 ..= bounds.len()).
pub fn range_of(bounds: &[u64], key: u64) -> u16 {
    bounds.partition_point(|&b| b <= key) as u16
}

/// Consecutive pieces of `slice` with the given lengths, in order (what is
/// left past their sum is not returned). Panics if the lengths overrun it.
pub fn split_lengths<'a, T>(mut slice: &'a mut [T], lens: &[usize]) -> Vec<&'a mut [T]> {
    let mut pieces = Vec::with_capacity(lens.len());
    for &len in lens {
        let (piece, tail) = slice.split_at_mut(len);
        pieces.push(piece);
        slice = tail;
    }
    pieces
}

/// Appends to `out`, in order, what `fill` writes for each source: source
/// `i` gets a place of exactly `lens[i]` uninitialised items and returns how
/// many it wrote with a value of its own, one worker per source.
///
/// Returns the sources' values in order, or the first error in order (then
/// `out` is unchanged and what was written is leaked, never read or dropped).
/// A source that writes other than `lens[i]` items is a bug of the caller:
/// it stops here with a panic, before anything unwritten could be read.
pub fn fill_in_order<T, S, R, E, F>(
    out: &mut Vec<T>,
    lens: &[usize],
    sources: Vec<S>,
    fill: F,
) -> Result<Vec<R>, E>
where
    T: Send,
    S: Send,
    R: Send,
    E: Send,
    F: Fn(&mut [MaybeUninit<T>], S) -> Result<(usize, R), E> + Sync,
{
    assert_eq!(lens.len(), sources.len(), "one length per source");
    let total: usize = lens.iter().sum();
    out.reserve(total);
    let len = out.len();
    let filled: Vec<Result<(usize, R), E>> = {
        let places = split_lengths(&mut out.spare_capacity_mut()[..total], lens);
        places
            .into_par_iter()
            .zip(sources.into_par_iter())
            .map(|(place, source)| fill(place, source))
            .collect()
    };
    let mut values = Vec::with_capacity(filled.len());
    for (f, &want) in filled.into_iter().zip(lens) {
        let (written, value) = f?;
        // Checked, not assumed.
        assert_eq!(written, want, "a place was not filled exactly");
        values.push(value);
    }
    // SAFETY: the places tile `out[len..len + total]` without overlap, each
    // exactly `lens[i]` long, and every source wrote exactly that many items
    // (checked above), so every item up to `len + total` is initialised.
    unsafe { out.set_len(len + total) };
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_cut_the_sample_into_ranges() {
        let bounds = sample_bounds((0..100u64).rev().collect(), 4);
        assert_eq!(bounds, [25, 50, 75]);
        assert_eq!(range_of(&bounds, 0), 0);
        assert_eq!(range_of(&bounds, 25), 1);
        assert_eq!(range_of(&bounds, 99), 3);
        // Repeated keys give fewer, distinct bounds.
        assert_eq!(sample_bounds(vec![7; 50], 4), [7]);
        assert!(sample_bounds(Vec::new(), 4).is_empty());
    }

    #[test]
    fn sources_fill_their_places_in_order() {
        let mut out = vec!["start".to_string()];
        let sources = vec![vec!["a", "b"], vec![], vec!["c", "d", "e"]];
        let lens: Vec<usize> = sources.iter().map(Vec::len).collect();
        let sums = fill_in_order(&mut out, &lens, sources, |place, items| {
            for (slot, s) in place.iter_mut().zip(&items) {
                slot.write(s.to_string());
            }
            Ok::<_, ()>((items.len(), items.len() * 10))
        })
        .unwrap();
        assert_eq!(out, ["start", "a", "b", "c", "d", "e"]);
        assert_eq!(sums, [20, 0, 30]);
    }

    #[test]
    fn an_error_leaves_the_buffer_as_it_was() {
        let mut out: Vec<u32> = vec![1];
        let r = fill_in_order(&mut out, &[2, 1], vec![0u32, 1], |place, s| {
            if s == 1 {
                return Err("bad source");
            }
            for slot in place.iter_mut() {
                slot.write(s);
            }
            Ok((place.len(), ()))
        });
        assert_eq!(r, Err("bad source"));
        assert_eq!(out, [1]);
    }
}
