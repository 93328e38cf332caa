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

/// The deepest trees walked as complete trees (`Complete`): 2^10 leaves each.
const COMPLETE_DEPTH_LIMIT: u32 = 10;

/// The same trees padded to complete binary trees of one depth, so that a row's walk is a
/// fixed number of steps of arithmetic with no branch to mispredict (a walk through
/// `nodes` mispredicts about every other split). A leaf above the full depth is repeated
/// across the subtree it is padded into, so whichever way a padding split sends the row,
/// it reaches the same weight.
#[derive(Debug, Clone)]
struct Complete {
    depth: u32,
    /// Per tree, `2^depth - 1` splits in heap order (the children of `i` are `2i + 1` and
    /// `2i + 2`): the feature and the value a row goes right at or above.
    features: Vec<u32>,
    values: Vec<f64>,
    /// Per tree, `2^depth` leaf weights, left to right.
    leaves: Vec<f64>,
    /// Per tree, the feature each split credits in a row's contributions (`LEAF` for a
    /// padding split, which credits none), and the average leaf weight at each of its
    /// `2^(depth+1) - 1` heap positions (the splits', then the leaves').
    credits: Vec<u32>,
    averages: Vec<f64>,
    /// Rows shorter than this take the node walk (which reads an absent feature as
    /// missing).
    min_row_len: usize,
}

impl Complete {
    fn of(trees: &Trees) -> Option<Complete> {
        let depth = trees.depths().into_iter().max()?;
        if depth > COMPLETE_DEPTH_LIMIT {
            return None;
        }
        let splits = (1usize << depth) - 1;
        let mut complete = Complete {
            depth,
            features: vec![0; splits * trees.roots.len()],
            values: vec![f64::INFINITY; splits * trees.roots.len()],
            leaves: vec![0.0; (splits + 1) * trees.roots.len()],
            credits: vec![LEAF; splits * trees.roots.len()],
            averages: vec![0.0; (2 * splits + 1) * trees.roots.len()],
            min_row_len: 1,
        };
        for (t, &root) in trees.roots.iter().enumerate() {
            complete.fill(trees, t, root, 0);
        }
        complete.min_row_len = complete.features.iter().map(|&f| f as usize + 1).max()?;
        Some(complete)
    }

    /// Place node `at` of tree `t` at heap position `position`, and what is below it.
    fn fill(&mut self, trees: &Trees, t: usize, at: u32, position: usize) {
        let splits = (1usize << self.depth) - 1;
        let node = &trees.nodes[at as usize];
        self.averages[t * (2 * splits + 1) + position] = trees.averages[at as usize];
        if position >= splits {
            self.leaves[t * (splits + 1) + position - splits] = node.value;
            return;
        }
        let (left, right) = if node.feature == LEAF {
            // Padding: feature 0 against +inf, the same leaf on both sides.
            (at, at)
        } else {
            self.features[t * splits + position] = node.feature;
            self.credits[t * splits + position] = node.feature;
            self.values[t * splits + position] = node.value;
            (node.left, node.right)
        };
        self.fill(trees, t, left, 2 * position + 1);
        self.fill(trees, t, right, 2 * position + 2);
    }

    fn log_odds(&self, base_score: f64, row: &[f64]) -> f64 {
        let splits = (1usize << self.depth) - 1;
        let trees = self
            .features
            .chunks_exact(splits)
            .zip(self.values.chunks_exact(splits))
            .zip(self.leaves.chunks_exact(splits + 1));
        trees.fold(base_score, |sum, ((features, values), leaves)| {
            let mut i = 0;
            for _ in 0..self.depth {
                // Right at or above the value, as forust's `v < value` sends the rest left
                // (the caller checked that no value is missing, so none is NaN).
                let right = row[features[i] as usize] >= values[i];
                i = 2 * i + 1 + usize::from(right);
            }
            sum + leaves[i - splits]
        })
    }

    /// `Trees::add_contributions` through the complete trees: the same splits credited in
    /// the same order (a padding split comes only after the row's last real one, and
    /// credits nothing), so the sums are the node walk's to the bit.
    fn add_contributions(&self, row: &[f64], out: &mut [f64]) {
        let splits = (1usize << self.depth) - 1;
        let trees = self
            .features
            .chunks_exact(splits)
            .zip(self.values.chunks_exact(splits))
            .zip(self.credits.chunks_exact(splits))
            .zip(self.averages.chunks_exact(2 * splits + 1));
        for (((features, values), credits), averages) in trees {
            let mut i = 0;
            for _ in 0..self.depth {
                let right = row[features[i] as usize] >= values[i];
                let child = 2 * i + 1 + usize::from(right);
                // Which splits pad is fixed per tree, not per row: a branch that predicts.
                if credits[i] != LEAF
                    && let Some(slot) = out.get_mut(credits[i] as usize)
                {
                    *slot += averages[child] - averages[i];
                }
                i = child;
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct Trees {
    nodes: Vec<Node>,
    /// Per node, the hessian-weighted average of the leaf weights below it (forust's
    /// `distribute_leaf_weights`): what per-feature contributions are measured in. Kept
    /// apart from `nodes` so that scoring walks 24-byte nodes.
    averages: Vec<f64>,
    roots: Vec<u32>,
    base_score: f64,
    missing: f64,
    complete: Option<Complete>,
}

impl Trees {
    /// The booster's trees, checked: a saved model is read from the store, and a node whose
    /// children do not come after it inside its own tree would send the walk out of the
    /// array or round in a circle.
    pub fn of(booster: &GradientBooster) -> Result<Trees> {
        let used = booster.prediction_iteration.unwrap_or(booster.trees.len());
        let mut trees = Trees {
            nodes: Vec::new(),
            averages: Vec::new(),
            roots: Vec::new(),
            base_score: booster.base_score,
            missing: booster.missing,
            complete: None,
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
            trees.averages.extend(tree.distribute_leaf_weights());
        }
        trees.complete = Complete::of(&trees);
        Ok(trees)
    }

    /// How many trees a row's log-odds add up.
    pub fn count(&self) -> usize {
        self.roots.len()
    }

    /// Each tree's depth: splits from its root to its deepest leaf. Children come after
    /// their parents (checked in `of`), so one pass from the last node back finds every
    /// node's depth below it, without recursing through a saved tree of any shape.
    fn depths(&self) -> Vec<u32> {
        let mut below = vec![0u32; self.nodes.len()];
        for (i, node) in self.nodes.iter().enumerate().rev() {
            if node.feature != LEAF {
                below[i] = 1 + below[node.left as usize].max(below[node.right as usize]);
            }
        }
        self.roots
            .iter()
            .map(|&root| below[root as usize])
            .collect()
    }

    fn is_missing(&self, v: f64) -> bool {
        if self.missing.is_nan() {
            v.is_nan()
        } else {
            v == self.missing
        }
    }

    /// The log-odds of one row of features: through the complete trees when the row has
    /// every feature they split on and none is missing, else node by node.
    pub fn log_odds(&self, row: &[f64]) -> f64 {
        match self.complete_for(row) {
            Some(complete) => complete.log_odds(self.base_score, row),
            None => self.walk(row),
        }
    }

    /// The complete trees, when `row` can walk them: it has every feature they split on,
    /// and none is missing.
    fn complete_for(&self, row: &[f64]) -> Option<&Complete> {
        self.complete.as_ref().filter(|complete| {
            row.len() >= complete.min_row_len && !row.iter().any(|&v| self.is_missing(v))
        })
    }

    fn walk(&self, row: &[f64]) -> f64 {
        self.roots.iter().fold(self.base_score, |sum, &root| {
            let mut node = &self.nodes[root as usize];
            while node.feature != LEAF {
                node = &self.nodes[self.next(node, row) as usize];
            }
            sum + node.value
        })
    }

    /// Add each feature's contribution to one row's log-odds to `out` (one slot per
    /// feature), as forust's `Average` method gives them, to the bit: in each tree, in tree
    /// order, every split on the row's path credits its feature with the change in average
    /// leaf weight from the split's node to the child the row goes to.
    pub fn add_contributions(&self, row: &[f64], out: &mut [f64]) {
        if let Some(complete) = self.complete_for(row) {
            return complete.add_contributions(row, out);
        }
        for &root in &self.roots {
            let mut at = root as usize;
            let mut node = &self.nodes[at];
            while node.feature != LEAF {
                let child = self.next(node, row) as usize;
                if let Some(slot) = out.get_mut(node.feature as usize) {
                    *slot += self.averages[child] - self.averages[at];
                }
                at = child;
                node = &self.nodes[at];
            }
        }
    }

    /// The child of split `node` that `row` goes to.
    fn next(&self, node: &Node, row: &[f64]) -> u32 {
        // A feature the row does not have is missing (the saved feature list is checked
        // against ours before a model is used, so this is belt and braces).
        let v = row.get(node.feature as usize).copied().unwrap_or(f64::NAN);
        if self.is_missing(v) {
            node.missing
        } else if v < node.value {
            node.left
        } else {
            node.right
        }
    }
}
