//! An isolation forest (Liu, Ting and Zhou, 2008) over the feature vector,
//! written on `ndarray`: the multivariate layer that catches what no single
//! feature explains. Trees are stored flat, children next to each other, so
//! the model file stays small.

use ndarray::{ArrayView1, ArrayView2};
use serde::{Deserialize, Serialize};

use crate::stats::SplitMix;

/// One node: `(feature, value, left)`. A split sends `x[feature] < value`
/// to `left` and the rest to `left + 1`; a leaf has `feature = -1` and
/// `value` = the number of training rows that reached it.
type Node = (i16, f32, u32);

/// A fitted isolation forest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Forest {
    /// Rows each tree was grown on.
    pub sample: usize,
    trees: Vec<Vec<Node>>,
}

/// Average path length of an unsuccessful search in a binary search tree of
/// `n` points: the normaliser of isolation depths.
fn c(n: f64) -> f64 {
    if n <= 1.0 {
        0.0
    } else if n <= 2.0 {
        1.0
    } else {
        2.0 * ((n - 1.0).ln() + 0.577_215_664_901_532_9) - 2.0 * (n - 1.0) / n
    }
}

impl Forest {
    /// Grows `trees` trees on subsamples of `sample` rows of `data`, seeded.
    pub fn fit(data: ArrayView2<'_, f64>, trees: usize, sample: usize, seed: u64) -> Forest {
        let mut rng = SplitMix::new(seed);
        let rows = data.nrows();
        let sample = sample.min(rows).max(2);
        let depth = (sample as f64).log2().ceil() as usize;
        let trees = (0..trees)
            .map(|_| {
                let mut picked: Vec<usize> = (0..sample).map(|_| rng.below(rows.max(1))).collect();
                let mut nodes = Vec::new();
                nodes.push((-1, 0.0, 0));
                grow(data, &mut picked, 0, depth, &mut nodes, 0, &mut rng);
                nodes
            })
            .collect();
        Forest { sample, trees }
    }

    /// The anomaly score `2^(-E[h(x)] / c(sample))`, in (0, 1): about 0.5 for
    /// ordinary rows, towards 1 for rows isolated quickly.
    pub fn score(&self, x: ArrayView1<'_, f64>) -> f64 {
        if self.trees.is_empty() {
            return 0.5;
        }
        let mut total = 0.0;
        for tree in &self.trees {
            let mut i = 0usize;
            let mut depth = 0.0;
            loop {
                let (feature, value, left) = tree[i];
                if feature < 0 {
                    total += depth + c(f64::from(value));
                    break;
                }
                let xv = x.get(feature as usize).copied().unwrap_or(0.0);
                i = if xv < f64::from(value) {
                    left as usize
                } else {
                    left as usize + 1
                };
                depth += 1.0;
            }
        }
        let mean = total / self.trees.len() as f64;
        2f64.powf(-mean / c(self.sample as f64))
    }

    /// Nodes in all trees.
    pub fn nodes(&self) -> usize {
        self.trees.iter().map(Vec::len).sum()
    }
}

fn grow(
    data: ArrayView2<'_, f64>,
    rows: &mut [usize],
    depth: usize,
    limit: usize,
    nodes: &mut Vec<Node>,
    at: usize,
    rng: &mut SplitMix,
) {
    let leaf = (-1, rows.len() as f32, 0);
    if rows.len() <= 1 || depth >= limit {
        nodes[at] = leaf;
        return;
    }
    let dims = data.ncols();

    // A feature that varies among these rows, tried from a random start.
    let start = rng.below(dims);
    let mut split = None;
    for offset in 0..dims {
        let feature = (start + offset) % dims;
        let (lo, hi) = rows.iter().fold((f64::MAX, f64::MIN), |(lo, hi), &r| {
            let v = data[[r, feature]];
            (lo.min(v), hi.max(v))
        });
        if hi > lo {
            let value = (lo + rng.next_f64() * (hi - lo)) as f32;
            if f64::from(value) > lo {
                split = Some((feature, value));
                break;
            }
        }
    }
    let Some((feature, value)) = split else {
        nodes[at] = leaf;
        return;
    };

    // Partition the rows, then grow both children side by side.
    let mut cut = 0;
    for i in 0..rows.len() {
        if data[[rows[i], feature]] < f64::from(value) {
            rows.swap(i, cut);
            cut += 1;
        }
    }
    let left = nodes.len();
    nodes.push(leaf);
    nodes.push(leaf);
    nodes[at] = (feature as i16, value, left as u32);
    let (low, high) = rows.split_at_mut(cut);
    grow(data, low, depth + 1, limit, nodes, left, rng);
    grow(data, high, depth + 1, limit, nodes, left + 1, rng);
}

#[cfg(test)]
mod tests {
    use ndarray::{Array2, arr1};

    use super::*;

    #[test]
    fn outliers_isolate_sooner() {
        let mut rng = SplitMix::new(9);
        let data = Array2::from_shape_fn((2_000, 3), |_| rng.next_f64());
        let forest = Forest::fit(data.view(), 50, 256, 1);
        let inside = forest.score(arr1(&[0.5, 0.5, 0.5]).view());
        let outside = forest.score(arr1(&[5.0, 0.5, -3.0]).view());
        assert!(inside < 0.5, "{inside}");
        assert!(outside > 0.6, "{outside}");
        assert_eq!(forest, Forest::fit(data.view(), 50, 256, 1));
    }
}
