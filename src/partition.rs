//! Splitting large in-memory work by key ranges and filling one buffer from
//! parallel workers: the mechanism the event grouping (`ingest::group`) and
//! the ledger aggregation (`columnar`) share. The `unsafe` steps (`set_len` after parallel
//! writes) live here, checked, instead of in each of them.

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

/// Moves the items of `parts` into one buffer grouped by key range: range
/// `r` (`range_of(bounds, key)`) holds its items in part order, and in order
/// within a part. Returns the buffer and each range's length. One worker per
/// part moves its items straight to their places (no joined copy of the
/// parts first); each part is freed as soon as it is moved.
pub fn scatter_by_range<T, K>(parts: Vec<Vec<T>>, bounds: &[u64], key: K) -> (Vec<T>, Vec<usize>)
where
    T: Send + Sync,
    K: Fn(&T) -> u64 + Sync,
{
    let found = locate(&parts, bounds, key);
    let totals = found.totals();
    let n: usize = totals.iter().sum();
    let mut out: Vec<T> = Vec::with_capacity(n);
    move_to_places(
        parts,
        found,
        split_lengths(&mut out.spare_capacity_mut()[..n], &totals),
    );
    // SAFETY: the places tile `out[..n]` without overlap (split from it by
    // the counts) and `move_to_places` returned, so each was filled from its
    // start to exactly its end (it panics otherwise, leaving `out` empty and
    // the moved items leaked, never read): all `n` items are initialised.
    unsafe { out.set_len(n) };
    (out, totals)
}

/// [`scatter_by_range`] into one buffer per range instead of one for all, so
/// that each range can be freed on its own once it has been used.
pub fn scatter_to_ranges<T, K>(parts: Vec<Vec<T>>, bounds: &[u64], key: K) -> Vec<Vec<T>>
where
    T: Send + Sync,
    K: Fn(&T) -> u64 + Sync,
{
    let found = locate(&parts, bounds, key);
    let totals = found.totals();
    let mut out: Vec<Vec<T>> = totals.iter().map(|&t| Vec::with_capacity(t)).collect();
    move_to_places(
        parts,
        found,
        out.iter_mut()
            .zip(&totals)
            .map(|(range, &t)| &mut range.spare_capacity_mut()[..t])
            .collect(),
    );
    for (range, &t) in out.iter_mut().zip(&totals) {
        // SAFETY: as in `scatter_by_range`: the range's place was exactly
        // its first `t` items, and `move_to_places` returned, so each of
        // them was written.
        unsafe { range.set_len(t) };
    }
    out
}

/// Each part's items' ranges, found once, and its count per range.
struct Located {
    ranges: usize,
    parts: Vec<(Vec<u16>, Vec<usize>)>,
}

impl Located {
    /// Items per range over all parts.
    fn totals(&self) -> Vec<usize> {
        (0..self.ranges)
            .map(|r| self.parts.iter().map(|(_, c)| c[r]).sum())
            .collect()
    }
}

fn locate<T, K>(parts: &[Vec<T>], bounds: &[u64], key: K) -> Located
where
    T: Sync,
    K: Fn(&T) -> u64 + Sync,
{
    let ranges = bounds.len() + 1;
    let parts = parts
        .par_iter()
        .map(|part| {
            let mut counts = vec![0usize; ranges];
            let of: Vec<u16> = part
                .iter()
                .map(|t| {
                    let r = range_of(bounds, key(t));
                    counts[usize::from(r)] += 1;
                    r
                })
                .collect();
            (of, counts)
        })
        .collect();
    Located { ranges, parts }
}

/// Moves every part's items into `ranges[r]` (one place per range, exactly
/// as long as the range's total), part after part within a range, one worker
/// per part. Panics, before returning, if a place is not filled exactly.
fn move_to_places<T: Send>(parts: Vec<Vec<T>>, found: Located, ranges: Vec<&mut [MaybeUninit<T>]>) {
    // places[p][r]: where part p's items of range r go, in order.
    let mut places: Vec<Vec<&mut [MaybeUninit<T>]>> = (0..parts.len())
        .map(|_| Vec::with_capacity(found.ranges))
        .collect();
    for (r, range) in ranges.into_iter().enumerate() {
        let lens: Vec<usize> = found.parts.iter().map(|(_, c)| c[r]).collect();
        assert_eq!(
            range.len(),
            lens.iter().sum::<usize>(),
            "a range's place is not its total"
        );
        for (p, place) in split_lengths(range, &lens).into_iter().enumerate() {
            places[p].push(place);
        }
    }
    parts
        .into_par_iter()
        .zip(found.parts.into_par_iter())
        .zip(places.into_par_iter())
        .for_each(|((part, (of, _)), mut places)| {
            let mut at = vec![0usize; places.len()];
            for (t, r) in part.into_iter().zip(of) {
                let r = usize::from(r);
                // Indexing is checked: a place past the end panics (never UB).
                places[r][at[r]].write(t);
                at[r] += 1;
            }
            for (place, &written) in places.iter().zip(&at) {
                assert_eq!(written, place.len(), "a place was not filled exactly");
            }
        });
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
    fn scattered_items_keep_their_order_within_a_range() {
        // Keys 0..50 in three parts (odd ones descending, none, even ones
        // ascending), ranges [0,10), [10,30), [30,..).
        let parts: Vec<Vec<(u64, String)>> = vec![
            (0..50)
                .rev()
                .step_by(2)
                .map(|k| (k, format!("a{k}")))
                .collect(),
            Vec::new(),
            (0..50).step_by(2).map(|k| (k, format!("c{k}"))).collect(),
        ];
        let (out, lens) = scatter_by_range(parts, &[10, 30], |t| t.0);
        assert_eq!(lens, [10, 20, 20]);
        let names: Vec<&str> = out.iter().map(|t| t.1.as_str()).collect();
        // Range 0: part a's in its order, then part c's.
        assert_eq!(
            &names[..10],
            ["a9", "a7", "a5", "a3", "a1", "c0", "c2", "c4", "c6", "c8"]
        );
        assert_eq!(names[10], "a29");
        assert_eq!(names[29], "c28");
        assert_eq!(names[30], "a49");
        assert_eq!(names[49], "c48");
        assert!(out[..10].iter().all(|t| t.0 < 10));
        assert!(out[10..30].iter().all(|t| (10..30).contains(&t.0)));
        assert!(out[30..].iter().all(|t| t.0 >= 30));
        let (none, lens) = scatter_by_range(Vec::<Vec<(u64, String)>>::new(), &[], |t| t.0);
        assert!(none.is_empty());
        assert_eq!(lens, [0]);
    }

    #[test]
    fn ranges_scattered_apart_equal_the_one_buffer_cut() {
        let parts = || -> Vec<Vec<(u64, String)>> {
            vec![
                (0..50)
                    .rev()
                    .map(|k| (k * 7 % 50, format!("a{k}")))
                    .collect(),
                Vec::new(),
                (0..30).map(|k| (k, format!("c{k}"))).collect(),
            ]
        };
        let (joined, lens) = scatter_by_range(parts(), &[10, 30, 45], |t| t.0);
        let apart = scatter_to_ranges(parts(), &[10, 30, 45], |t| t.0);
        assert_eq!(apart.iter().map(Vec::len).collect::<Vec<_>>(), lens);
        assert_eq!(lens, [20, 40, 15, 5]);
        assert_eq!(apart.concat(), joined);
        assert_eq!(apart[3][0], (45, "a35".to_string()));
        assert!(
            scatter_to_ranges(Vec::<Vec<(u64, String)>>::new(), &[5], |t| t.0)
                .iter()
                .all(Vec::is_empty)
        );
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
