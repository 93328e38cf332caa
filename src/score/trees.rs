//! A trained booster's trees flattened for scoring: every node of every tree in one array of
//! 24-byte nodes (forust's are 80), children as indexes into it. Scoring a million golden
//! records walks 300 trees per model per row, so what matters is how many nodes fit in
//! the cache. The sums are forust's to the bit: the base score, then each tree's leaf, in
//! tree order (`model::tests` holds the two equal).

use forust_ml::GradientBooster;

use crate::error::{Error, Result};

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
    /// The booster's trees, checked: a saved model is read from the store, and a node whose
    /// children do not come after it inside its own tree would send the walk out of the
    /// array or round in a circle.
    pub fn of(booster: &GradientBooster) -> Result<Trees> {
        let used = booster.prediction_iteration.unwrap_or(booster.trees.len());
        let mut trees = Trees {
            nodes: Vec::new(),
            roots: Vec::new(),
            base_score: booster.base_score,
            missing: booster.missing,
        };
        for (t, tree) in booster.trees[..used.min(booster.trees.len())]
            .iter()
            .enumerate()
        {
            let n = tree.nodes.len();
            let children_follow = tree.nodes.iter().enumerate().all(|(i, node)| {
                node.is_leaf
                    || [node.left_child, node.right_child, node.missing_node]
                        .iter()
                        .all(|&c| c > i && c < n)
            });
            if n == 0 || !children_follow {
                return Err(Error::Invalid(format!(
                    "the saved booster's tree {t} is malformed: retrain with `cpm score --retrain`"
                )));
            }
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
        Ok(trees)
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
                // A feature the row does not have is missing (the saved feature list is
                // checked against ours before a model is used, so this is belt and braces).
                let v = row.get(node.feature as usize).copied().unwrap_or(f64::NAN);
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
