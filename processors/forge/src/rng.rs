//! The forge's only source of randomness: a small seeded generator
//! (xoshiro256**, seeded through SplitMix64).
//!
//! Everything the forge writes, keys included, comes from one seed, so the
//! generator is ours rather than a crate's: its output cannot change under a
//! dependency upgrade, and a corpus forged today is forged byte for byte again
//! later.

/// A seeded pseudo-random generator. Not for secrets: test keys only.
#[derive(Debug, Clone)]
pub struct Rng {
    state: [u64; 4],
}

/// One step of SplitMix64, the recommended way to spread a 64-bit seed over
/// xoshiro's 256 bits of state.
fn splitmix64(x: &mut u64) -> u64 {
    *x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *x;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        let mut x = seed;
        let state = [
            splitmix64(&mut x),
            splitmix64(&mut x),
            splitmix64(&mut x),
            splitmix64(&mut x),
        ];
        Self { state }
    }

    /// An independent generator for one purpose, so that drawing more for one
    /// purpose (more documents) does not shift what another draws (the keys).
    pub fn fork(seed: u64, purpose: &str) -> Self {
        let mut mixed = seed;
        for byte in purpose.bytes() {
            mixed = splitmix64(&mut mixed) ^ u64::from(byte);
        }
        Self::new(mixed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let [s0, s1, s2, s3] = &mut self.state;
        let result = s1.wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = *s1 << 17;
        *s2 ^= *s0;
        *s3 ^= *s1;
        *s1 ^= *s2;
        *s0 ^= *s3;
        *s2 ^= t;
        *s3 = s3.rotate_left(45);
        result
    }

    /// A number in `low..=high`; `low` when the range is empty.
    pub fn between(&mut self, low: u64, high: u64) -> u64 {
        if high <= low {
            return low;
        }
        let span = high - low + 1;
        if span == 0 {
            return self.next_u64();
        }
        // Rejection keeps the draw uniform: without it the low values of a
        // span that does not divide 2^64 come up slightly more often.
        let zone = u64::MAX - (u64::MAX % span + 1) % span;
        loop {
            let x = self.next_u64();
            if x <= zone {
                return low + x % span;
            }
        }
    }

    /// An index below `len`; 0 when `len` is 0.
    pub fn index(&mut self, len: usize) -> usize {
        if len == 0 {
            return 0;
        }
        self.between(0, len as u64 - 1) as usize
    }

    /// A uniformly chosen element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.index(items.len())]
    }

    /// A float in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Fills `out` with random bytes.
    pub fn fill(&mut self, out: &mut [u8]) {
        for chunk in out.chunks_mut(8) {
            let bytes = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_stream() {
        let a: Vec<u64> = {
            let mut r = Rng::new(7);
            (0..5).map(|_| r.next_u64()).collect()
        };
        let mut r = Rng::new(7);
        let b: Vec<u64> = (0..5).map(|_| r.next_u64()).collect();
        assert_eq!(a, b);
        assert_ne!(Rng::new(8).next_u64(), a[0]);
        assert_ne!(
            Rng::fork(7, "keys").next_u64(),
            Rng::fork(7, "docs").next_u64()
        );
    }

    #[test]
    fn between_stays_in_range_and_reaches_both_ends() {
        let mut r = Rng::new(1);
        let mut seen = [false; 5];
        for _ in 0..200 {
            let x = r.between(3, 7);
            assert!((3..=7).contains(&x));
            seen[(x - 3) as usize] = true;
        }
        assert!(seen.iter().all(|&s| s));
        assert_eq!(r.between(4, 4), 4);
        assert_eq!(r.between(5, 2), 5);
    }
}
