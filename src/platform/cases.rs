//! A small deterministic generator for property tests (SplitMix64, as in the deadline
//! properties): the same cases run everywhere, and a failure names its case number.

pub struct Cases(u64);

impl Cases {
    pub fn new(seed: u64) -> Cases {
        Cases(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// A number in `0..=max`.
    pub fn upto(&mut self, max: i64) -> i64 {
        i64::try_from(self.below(u64::try_from(max).unwrap_or(0).saturating_add(1))).unwrap_or(0)
    }

    /// A number that is often an edge: the extremes of i64, 0, ±1, and `bound` ± 1; otherwise
    /// one in `0..=bound`, or any i64 at all.
    pub fn edgy(&mut self, bound: i64) -> i64 {
        let edges = [i64::MIN, i64::MIN + 1, -1, 0, 1, bound - 1, bound, bound.saturating_add(1), i64::MAX - 1, i64::MAX];
        match self.below(4) {
            0 => edges[self.below(edges.len() as u64) as usize],
            1 => self.next() as i64,
            _ => self.upto(bound),
        }
    }
}
