//! A small seeded pseudo-random generator (SplitMix64) for the synthetic data.
//!
//! No `rand` crate: the generator must be byte-for-byte reproducible from a seed
//! forever, so the algorithm lives here. Every person draws from its own stream
//! (`Rng::stream(seed, purpose, person)`), which makes the output independent of
//! how the work is split across threads.

/// SplitMix64 (Steele, Lea, Flood 2014): 64 bits of state, passes BigCrush.
#[derive(Clone, Debug)]
pub struct Rng(u64);

const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// The SplitMix64 output function: a bijective 64-bit mixer.
pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// An independent stream for one `purpose` (names, timeline, bad rows, ledger)
    /// and one `index` (a person, an employer).
    pub fn stream(seed: u64, purpose: u64, index: u64) -> Rng {
        let key = mix64(purpose.wrapping_mul(GOLDEN_GAMMA) ^ mix64(index));
        Rng(mix64(seed ^ key))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GOLDEN_GAMMA);
        mix64(self.0)
    }

    /// Uniform in `0..n` (`n > 0`); multiply-shift, bias below 2^-32 for our `n`.
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        debug_assert!(lo <= hi);
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    /// True with probability `per_mille / 1000`.
    pub fn chance(&mut self, per_mille: u32) -> bool {
        self.below(1000) < u64::from(per_mille)
    }

    /// True with probability `threshold / 2^32` (see [`probability_threshold`]).
    pub fn chance_threshold(&mut self, threshold: u64) -> bool {
        (self.next_u64() >> 32) < threshold
    }

    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }

    /// An index drawn with the given relative weights (not all zero).
    pub fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|&w| u64::from(w)).sum();
        let mut x = self.below(total);
        for (i, &w) in weights.iter().enumerate() {
            if x < u64::from(w) {
                return i;
            }
            x -= u64::from(w);
        }
        weights.len() - 1
    }
}

/// A probability in `0.0..=1.0` as a threshold on 32 random bits.
pub fn probability_threshold(p: f64) -> u64 {
    (p.clamp(0.0, 1.0) * 4_294_967_296.0).round() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream_and_streams_differ() {
        let a: Vec<u64> = (0..5)
            .map(|_| 0)
            .scan(Rng::new(7), |r, _: u64| Some(r.next_u64()))
            .collect();
        let b: Vec<u64> = (0..5)
            .map(|_| 0)
            .scan(Rng::new(7), |r, _: u64| Some(r.next_u64()))
            .collect();
        assert_eq!(a, b);
        let mut s1 = Rng::stream(42, 1, 0);
        let mut s2 = Rng::stream(42, 1, 1);
        let mut s3 = Rng::stream(42, 2, 0);
        let (x1, x2, x3) = (s1.next_u64(), s2.next_u64(), s3.next_u64());
        assert_ne!(x1, x2);
        assert_ne!(x1, x3);
    }

    #[test]
    fn splitmix_reference_value() {
        // Reference output of SplitMix64 seeded with 0 (first value), as published
        // with the algorithm: 0xE220A8397B1DCDAF.
        assert_eq!(Rng::new(0).next_u64(), 0xE220_A839_7B1D_CDAF);
    }

    #[test]
    fn below_range_and_weighted_stay_in_bounds_and_spread() {
        let mut r = Rng::new(1);
        let mut seen = [0u32; 6];
        for _ in 0..6000 {
            let v = r.range(-2, 3);
            assert!((-2..=3).contains(&v));
            seen[(v + 2) as usize] += 1;
        }
        // Each of 6 values expected 1000 times; allow ±20%.
        assert!(seen.iter().all(|&n| (800..=1200).contains(&n)), "{seen:?}");
        let mut counts = [0u32; 3];
        for _ in 0..10_000 {
            counts[r.weighted(&[1, 0, 3])] += 1;
        }
        assert_eq!(counts[1], 0);
        // 1:3 split of 10000 is 2500:7500.
        assert!((2200..=2800).contains(&counts[0]), "{counts:?}");
    }

    #[test]
    fn probability_threshold_hits_requested_rate() {
        assert_eq!(probability_threshold(0.0), 0);
        assert_eq!(probability_threshold(1.0), 1 << 32);
        let t = probability_threshold(0.1);
        let mut r = Rng::new(9);
        let hits = (0..100_000).filter(|_| r.chance_threshold(t)).count();
        // 10% of 100000 = 10000, binomial sd ≈ 95.
        assert!((9_600..=10_400).contains(&hits), "{hits}");
    }
}
