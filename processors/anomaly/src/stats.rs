//! Small, fixed-size statistics: a ring of recent values with median and MAD,
//! empirical tail probabilities with an exponential tail beyond the data, and
//! a seeded generator.

use serde::{Deserialize, Serialize};

/// Resolution of values kept in a [`Ring`]: 0.001, from 0 to 65.535.
const QUANTUM: f64 = 1000.0;

/// How many recent values a [`Ring`] keeps.
pub const RING: usize = 16;

/// The last [`RING`] values of a non-negative quantity (a log amount, a log
/// line count), quantised to 16 bits: 36 bytes, whatever the history.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ring {
    q: [u16; RING],
    len: u8,
    next: u8,
}

impl Ring {
    /// Adds a value, forgetting the oldest once full.
    pub fn push(&mut self, value: f64) {
        let q = (value.max(0.0) * QUANTUM).round().min(f64::from(u16::MAX)) as u16;
        self.q[usize::from(self.next)] = q;
        self.next = ((usize::from(self.next) + 1) % RING) as u8;
        self.len = (usize::from(self.len) + 1).min(RING) as u8;
    }

    /// Number of values held.
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// True when no value was pushed.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Median and median absolute deviation of the values held, or `None`
    /// when empty.
    pub fn median_mad(&self) -> Option<(f64, f64)> {
        let n = self.len();
        if n == 0 {
            return None;
        }
        let mut values = [0u16; RING];
        values[..n].copy_from_slice(&self.q[..n]);
        values[..n].sort_unstable();
        let median = median_sorted(&values[..n]);
        let mut deviations = [0u16; RING];
        for (d, v) in deviations.iter_mut().zip(&values[..n]) {
            *d = (f64::from(*v) - median).abs().round() as u16;
        }
        deviations[..n].sort_unstable();
        let mad = median_sorted(&deviations[..n]);
        Some((median / QUANTUM, mad / QUANTUM))
    }
}

fn median_sorted(values: &[u16]) -> f64 {
    let n = values.len();
    if n % 2 == 1 {
        f64::from(values[n / 2])
    } else {
        (f64::from(values[n / 2 - 1]) + f64::from(values[n / 2])) / 2.0
    }
}

/// A robust z-score of `value` against a ring, its scale shrunk towards the
/// population's typical scale `prior_scale` while the ring holds few values:
/// `scale² = (n·(1.4826·MAD)² + k·prior²) / (n + k)`, never below half the
/// prior times `floor` (an issuer whose history happens to be constant is
/// not taken to be infinitely precise). `None`
/// with fewer than `min` values. Returns the z-score and the ring's median.
pub fn robust_z(
    ring: &Ring,
    value: f64,
    prior_scale: f64,
    strength: f64,
    min: usize,
    floor: f64,
) -> Option<(f64, f64)> {
    if ring.len() < min {
        return None;
    }
    let (median, mad) = ring.median_mad()?;
    let n = ring.len() as f64;
    let own = 1.4826 * mad;
    let scale = ((n * own * own + strength * prior_scale * prior_scale) / (n + strength))
        .sqrt()
        .max(floor * prior_scale)
        .max(0.05);
    Some(((value - median) / scale, median))
}

/// Upper-tail probabilities of a score under normal traffic, fitted on the
/// warm-up: knots of the empirical tail from `P = 1` down to [`TAIL_DEPTH`],
/// then an exponential tail whose rate comes from the last decade of knots,
/// so scores beyond anything seen in training still get smaller
/// probabilities instead of a flat floor.
///
/// The warm-up holds a few anomalies (about 0.1% per kind, a few kinds per
/// feature). Stopping the knots at 0.5% and taking the decay from the decade
/// below keeps them from fattening the tail they should stand out of.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tail {
    /// `(value, ln P(S ≥ value))`, value ascending, probability descending.
    knots: Vec<(f32, f32)>,
    /// Scale of the exponential tail beyond the last knot.
    beta: f32,
    /// Share of scores above zero: the knots describe those alone, so a
    /// score that applies to few documents (credit notes, new receivers)
    /// gets a tail of its own shape.
    #[serde(default = "one")]
    active: f32,
}

fn one() -> f32 {
    1.0
}

/// The smallest tail probability read from data.
pub const TAIL_DEPTH: f64 = 0.005;

/// The smallest scale of the exponential tail: a score that never moved in
/// the bulk of normal traffic decays fast past it.
const MIN_BETA: f64 = 0.1;

impl Default for Tail {
    /// A tail that knows nothing: `exp(-s)` for every positive score.
    fn default() -> Self {
        Tail {
            knots: vec![(0.0, 0.0)],
            beta: 1.0,
            active: 1.0,
        }
    }
}

impl Tail {
    /// Fits a tail to scores (any order; sorted in place).
    pub fn fit(values: &mut [f64]) -> Tail {
        values.retain_finite_sort();
        let total = values.len();
        // Scores at or below zero are the point mass of "nothing unusual";
        // the tail is fitted on the rest.
        let zeros = values.partition_point(|v| *v <= 0.0);
        let active = if zeros * 2 > total && total - zeros >= 50 {
            (total - zeros) as f64 / total as f64
        } else {
            1.0
        };
        let values = if active < 1.0 {
            &values[zeros..]
        } else {
            &values[..]
        };
        let n = values.len();
        if n < 20 {
            return Tail::default();
        }
        let depth = TAIL_DEPTH.max(10.0 / n as f64);
        let quantile = |p: f64| values[(((1.0 - p) * n as f64).ceil() as usize).min(n - 1)];
        let mut knots: Vec<(f32, f32)> = Vec::new();
        let mut step = 0;
        loop {
            let p = 10f64.powf(-f64::from(step) / 4.0).max(depth);
            let value = quantile(p) as f32;
            let ln_p = p.ln() as f32;
            match knots.last_mut() {
                // A point mass: keep the smallest probability at that value.
                Some(last) if last.0 >= value => last.1 = ln_p,
                _ => knots.push((value, ln_p)),
            }
            if p <= depth {
                break;
            }
            step += 1;
        }
        // The decay: from the decade above the last knot; for a score that
        // is mostly zero there, from the few values just past it (the top
        // 0.2% left out).
        let last = quantile(depth);
        let rise = last - quantile((depth * 10.0).min(1.0));
        let beta = if rise > 0.0 {
            rise / std::f64::consts::LN_10
        } else {
            let cap = quantile(depth * 0.4);
            let excess: Vec<f64> = values
                .iter()
                .filter(|v| **v > last && **v <= cap)
                .map(|v| v - last)
                .collect();
            if excess.is_empty() {
                MIN_BETA
            } else {
                excess.iter().sum::<f64>() / excess.len() as f64
            }
        }
        .max(MIN_BETA);
        if active < 1.0 {
            knots.insert(0, (0.0, 0.0));
        }
        Tail {
            knots,
            beta: beta as f32,
            active: active as f32,
        }
    }

    /// `P(S ≥ s)` under normal traffic.
    pub fn p(&self, s: f64) -> f64 {
        let Some(&(first, _)) = self.knots.first() else {
            return 1.0;
        };
        if s.is_nan() || s <= f64::from(first) {
            return 1.0;
        }
        f64::from(self.active) * self.conditional(s)
    }

    /// `P(S ≥ s | S > 0)` when the tail is fitted on the active scores.
    fn conditional(&self, s: f64) -> f64 {
        for pair in self.knots.windows(2) {
            let (v0, l0) = (f64::from(pair[0].0), f64::from(pair[0].1));
            let (v1, l1) = (f64::from(pair[1].0), f64::from(pair[1].1));
            if s <= v1 {
                let t = if v1 > v0 { (s - v0) / (v1 - v0) } else { 1.0 };
                return (l0 + t * (l1 - l0)).exp();
            }
        }
        let (v, l) = self.knots[self.knots.len() - 1];
        (f64::from(l) - (s - f64::from(v)) / f64::from(self.beta)).exp()
    }
}

trait RetainFiniteSort {
    fn retain_finite_sort(&mut self);
}

impl RetainFiniteSort for [f64] {
    fn retain_finite_sort(&mut self) {
        for v in self.iter_mut() {
            if !v.is_finite() {
                *v = 0.0;
            }
        }
        self.sort_by(f64::total_cmp);
    }
}

/// A seeded SplitMix64 generator: the model's training is deterministic.
#[derive(Debug, Clone)]
pub struct SplitMix(u64);

impl SplitMix {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        SplitMix(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ring_keeps_the_last_values() {
        let mut ring = Ring::default();
        for v in 0..40 {
            ring.push(f64::from(v));
        }
        assert_eq!(ring.len(), RING);
        let (median, mad) = ring.median_mad().unwrap();
        // 24..=39: median 31.5, MAD 4.
        assert!((median - 31.5).abs() < 1e-9);
        assert!((mad - 4.0).abs() < 1e-9);
    }

    #[test]
    fn robust_z_ignores_one_outlier_and_shrinks_small_histories() {
        let mut ring = Ring::default();
        for v in [10.0, 10.1, 9.9, 10.0, 10.2, 9.8, 25.0] {
            ring.push(v);
        }
        let (z, median) = robust_z(&ring, 14.0, 1.0, 2.0, 3, 0.5).unwrap();
        assert!((median - 10.0).abs() < 1e-9);
        assert!(z > 5.0, "{z}");
        let mut short = Ring::default();
        short.push(10.0);
        short.push(10.0);
        assert!(robust_z(&short, 14.0, 1.0, 2.0, 3, 0.5).is_none());
        short.push(10.0);
        let (z, _) = robust_z(&short, 14.0, 1.0, 2.0, 3, 0.5).unwrap();
        // No spread of its own: the prior scale (1.0) decides, shrunk by
        // sqrt(2 / 5) but never below half.
        assert!((z - 4.0 / 0.4f64.sqrt()).abs() < 1e-9, "{z}");
    }

    #[test]
    fn tail_extrapolates_beyond_the_sample() {
        let mut rng = SplitMix::new(3);
        let mut values: Vec<f64> = (0..10_000).map(|_| -rng.next_f64().ln()).collect();
        let tail = Tail::fit(&mut values);
        assert_eq!(tail.p(-1.0), 1.0);
        assert!((tail.p(1.0) - (-1.0f64).exp()).abs() < 0.03);
        // An exponential keeps its rate past the data.
        let far = tail.p(20.0);
        assert!(far > 1e-10 && far < 1e-7, "{far}");
        assert!(tail.p(21.0) < far);
    }

    #[test]
    fn tail_handles_a_point_mass_at_zero() {
        let mut values = vec![0.0; 9_985];
        values.extend((50..65).map(f64::from));
        let tail = Tail::fit(&mut values);
        assert_eq!(tail.p(0.0), 1.0);
        // The top 0.15% (the few anomalies of a warm-up) do not fatten the
        // tail: past the bulk it decays fast.
        assert!(tail.p(0.5) < 0.005 && tail.p(0.5) > 1e-5);
        assert!(tail.p(50.0) < 1e-100);
    }
}
