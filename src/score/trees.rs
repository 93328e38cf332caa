//! A trained booster's trees flattened for scoring: every node of every tree in one array of
//! 24-byte nodes (forust's are 80), children as indexes into it. Scoring a million golden
//! records walks 300 trees per model per row, so what matters is how many nodes fit in
//! the cache. The sums are forust's to the bit: the base score, then each tree's leaf, in
//! tree order (`model::tests` holds the two equal).

use forust_ml::GradientBooster;

/// A node: a split on `feature` at `value` (left below it), or a leaf whose weight is
/// `value` (`feature == LEAF`).
#[derive(Debug, Clone, Copy)]
struct Node {
    value: f64,
    feature: u32,
    left: u32,
    right: u32,
    missing: u32,
}

const LEAF: u32 = u32::MAX;

#[derive(Debug, Clone)]
pub struct Trees {
    nodes: Vec<Node>,
    roots: Vec<u32>,
    base_score: f64,
    missing: f64,
}

impl Trees {
    pub fn of(booster: &GradientBooster) -> Trees {
        let used = booster.prediction_iteration.unwrap_or(booster.trees.len());
        let mut trees = Trees {
            nodes: Vec::new(),
            roots: Vec::new(),
            base_score: booster.base_score,
            missing: booster.missing,
        };
        for tree in &booster.trees[..used.min(booster.trees.len())] {
            let offset = trees.nodes.len() as u32;
            trees.roots.push(offset);
            trees.nodes.extend(tree.nodes.iter().map(|n| Node {
                value: if n.is_leaf {
                    f64::from(n.weight_value)
                } else {
                    n.split_value
                },
                feature: if n.is_leaf {
                    LEAF
                } else {
                    n.split_feature as u32
                },
                left: offset + n.left_child as u32,
                right: offset + n.right_child as u32,
                missing: offset + n.missing_node as u32,
            }));
        }
        trees
    }

    /// The log-odds of one row of features.
    pub fn log_odds(&self, row: &[f64]) -> f64 {
        let missing = |v: f64| {
            if self.missing.is_nan() {
                v.is_nan()
            } else {
                v == self.missing
            }
        };
        self.roots.iter().fold(self.base_score, |sum, &root| {
            let mut node = &self.nodes[root as usize];
            while node.feature != LEAF {
                let v = row[node.feature as usize];
                let next = if missing(v) {
                    node.missing
                } else if v < node.value {
                    node.left
                } else {
                    node.right
                };
                node = &self.nodes[next as usize];
            }
            sum + node.value
        })
    }
}
