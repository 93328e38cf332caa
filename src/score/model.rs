//! The models behind a small trait of our own, so the booster can be swapped: gradient-
//! boosted trees (forust-ml, log loss) for the scores, logistic regression (smartcore) as
//! the baseline every report is compared with. Both give probabilities and per-feature
//! contributions on the log-odds scale, which is where reasons come from.

use forust_ml::{GradientBooster, Matrix};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use smartcore::linalg::basic::arrays::Array;
use smartcore::linalg::basic::matrix::DenseMatrix;
use smartcore::linear::logistic_regression::{LogisticRegression, LogisticRegressionParameters};

use super::settings::BoosterParams;
use super::trees::Trees;
use crate::error::{Error, Result};

/// Feature rows, row-major.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rows {
    pub values: Vec<f64>,
    pub cols: usize,
}

impl Rows {
    pub fn new(cols: usize) -> Rows {
        Rows {
            values: Vec::new(),
            cols,
        }
    }

    pub fn push(&mut self, row: &[f64]) {
        debug_assert_eq!(row.len(), self.cols);
        self.values.extend_from_slice(row);
    }

    pub fn len(&self) -> usize {
        self.values.len().checked_div(self.cols).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    pub fn row(&self, i: usize) -> &[f64] {
        &self.values[i * self.cols..(i + 1) * self.cols]
    }

    /// Column-major, as forust wants it.
    fn column_major(&self) -> Vec<f64> {
        let n = self.len();
        let mut out = vec![0.0; self.values.len()];
        for r in 0..n {
            for c in 0..self.cols {
                out[c * n + r] = self.values[r * self.cols + c];
            }
        }
        out
    }
}

pub fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// What every model can do once trained.
pub trait Classifier {
    /// P(outcome) per row.
    fn predict(&self, rows: &Rows) -> Vec<f64>;
    /// Per row, each feature's contribution to the log-odds (row-major, `rows.cols` each).
    fn contributions(&self, rows: &Rows) -> Vec<f64>;
}

/// Gradient-boosted trees with a log-loss objective: forust's booster to fit, save and
/// explain, its trees flattened to score (`trees::Trees`).
pub struct Booster {
    model: GradientBooster,
    trees: Trees,
}

impl Booster {
    /// Fit on `rows`; with `params.early_stopping_rounds` and a non-empty `held_out`, trees
    /// stop being added once that many in a row have not lowered the held-out log loss, and
    /// the booster keeps the trees up to the best one.
    pub fn fit(
        rows: &Rows,
        labels: &[f64],
        params: &BoosterParams,
        held_out: Option<(&Rows, &[f64])>,
    ) -> Result<Booster> {
        if rows.len() != labels.len() || rows.is_empty() {
            return Err(Error::Invalid(format!(
                "cannot train on {} rows with {} labels",
                rows.len(),
                labels.len()
            )));
        }
        let data = rows.column_major();
        let matrix = Matrix::new(&data, rows.len(), rows.cols);
        let held_out = held_out
            .filter(|(rows, labels)| !rows.is_empty() && rows.len() == labels.len())
            .filter(|_| params.early_stopping_rounds.is_some());
        // The held-out rows column-major, as forust wants them, with their weights.
        let held_out_data =
            held_out.map(|(rows, labels)| (rows.column_major(), vec![1.0; labels.len()]));
        let mut booster = GradientBooster::default()
            .set_iterations(params.iterations)
            .set_learning_rate(params.learning_rate)
            .set_max_depth(params.max_depth)
            .set_min_leaf_weight(params.min_leaf_weight)
            .set_seed(params.seed)
            .set_early_stopping_rounds(held_out.and(params.early_stopping_rounds))
            .set_parallel(true);
        let weights = vec![1.0; labels.len()];
        let evaluation =
            held_out
                .zip(held_out_data.as_ref())
                .map(|((rows, labels), (data, weights))| {
                    vec![(
                        Matrix::new(data, rows.len(), rows.cols),
                        labels,
                        weights.as_slice(),
                    )]
                });
        booster
            .fit(&matrix, labels, &weights, evaluation)
            .map_err(|e| Error::Invalid(format!("training the booster: {e}")))?;
        Booster::from_model(booster)
    }

    /// The trees a prediction adds up (with early stopping, those up to the best one).
    pub fn trees(&self) -> usize {
        self.trees.count()
    }

    fn from_model(model: GradientBooster) -> Result<Booster> {
        let trees = Trees::of(&model)?;
        Ok(Booster { model, trees })
    }

    pub fn to_json(&self) -> Result<String> {
        self.model
            .json_dump()
            .map_err(|e| Error::Invalid(format!("saving the booster: {e}")))
    }

    pub fn from_json(json: &str) -> Result<Booster> {
        let model = GradientBooster::from_json(json)
            .map_err(|e| Error::Invalid(format!("reading a saved booster: {e}")))?;
        Booster::from_model(model)
    }

    /// The log-odds of each row, as forust's own `predict` adds them up (the same sums to
    /// the bit), but row by row over the row-major features through the flattened trees:
    /// forust walks all rows once per tree and allocates a column of results per tree,
    /// which at a million rows and 300 trees was most of the scoring time.
    fn log_odds(&self, rows: &Rows) -> Vec<f64> {
        rows.values
            .par_chunks(rows.cols.max(1))
            .with_min_len(1024)
            .map(|row| self.trees.log_odds(row))
            .collect()
    }
}

impl Classifier for Booster {
    fn predict(&self, rows: &Rows) -> Vec<f64> {
        if rows.is_empty() {
            return Vec::new();
        }
        self.log_odds(rows).into_iter().map(sigmoid).collect()
    }

    /// Row by row through the flattened trees, as forust's `Average` contributions (the
    /// same values to the bit, without its bias column): forust copies every row out of a
    /// column-major matrix into a vector of its own first.
    fn contributions(&self, rows: &Rows) -> Vec<f64> {
        let cols = rows.cols.max(1);
        let mut out = vec![0.0; rows.values.len()];
        out.par_chunks_mut(cols)
            .zip(rows.values.par_chunks(cols))
            .with_min_len(256)
            .for_each(|(c, row)| self.trees.add_contributions(row, c));
        out
    }
}

/// Logistic regression on standardised features: the baseline.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Logistic {
    pub means: Vec<f64>,
    pub scales: Vec<f64>,
    pub weights: Vec<f64>,
    pub intercept: f64,
}

impl Logistic {
    /// Fit on every positive and every k-th negative, keeping at most `max_rows`, then
    /// shift the intercept by ln(share of negatives kept) so probabilities stay calibrated
    /// (the case-control correction).
    pub fn fit_sampled(rows: &Rows, labels: &[f64], max_rows: usize) -> Result<Logistic> {
        let positives = labels.iter().filter(|y| **y > 0.5).count();
        let negatives = labels.len() - positives;
        if labels.len() <= max_rows || negatives == 0 {
            return Logistic::fit(rows, labels);
        }
        let room = max_rows.saturating_sub(positives).max(1);
        let step = negatives.div_ceil(room);
        let mut sample = Rows::new(rows.cols);
        let mut y = Vec::new();
        let mut seen_negatives = 0usize;
        let mut kept_negatives = 0usize;
        for (i, label) in labels.iter().enumerate() {
            let keep = if *label > 0.5 {
                true
            } else {
                seen_negatives += 1;
                (seen_negatives - 1).is_multiple_of(step)
            };
            if keep {
                sample.push(rows.row(i));
                y.push(*label);
                kept_negatives += usize::from(*label <= 0.5);
            }
        }
        let mut model = Logistic::fit(&sample, &y)?;
        model.intercept += (kept_negatives as f64 / negatives as f64).ln();
        Ok(model)
    }

    pub fn fit(rows: &Rows, labels: &[f64]) -> Result<Logistic> {
        let n = rows.len();
        if n == 0 || n != labels.len() {
            return Err(Error::Invalid(
                "cannot train the baseline on no rows".into(),
            ));
        }
        let (means, scales) = standardisation(rows);
        let mut z = Vec::with_capacity(rows.values.len());
        for r in 0..n {
            for (c, v) in rows.row(r).iter().enumerate() {
                z.push((v - means[c]) / scales[c]);
            }
        }
        let x = DenseMatrix::new(n, rows.cols, z, false)
            .map_err(|e| Error::Invalid(format!("baseline data: {e}")))?;
        let y: Vec<i32> = labels.iter().map(|l| i32::from(*l > 0.5)).collect();
        if !y.contains(&0) || !y.contains(&1) {
            return Err(Error::Invalid(
                "the baseline needs both outcomes among its training rows".into(),
            ));
        }
        let model = LogisticRegression::fit(
            &x,
            &y,
            LogisticRegressionParameters::default().with_alpha(1.0),
        )
        .map_err(|e| Error::Invalid(format!("training the baseline: {e}")))?;
        let coefficients = model.coefficients();
        let weights = (0..rows.cols).map(|c| *coefficients.get((0, c))).collect();
        let intercept = *model.intercept().get((0, 0));
        Ok(Logistic {
            means,
            scales,
            weights,
            intercept,
        })
    }
}

fn standardisation(rows: &Rows) -> (Vec<f64>, Vec<f64>) {
    let n = rows.len().max(1) as f64;
    let mut means = vec![0.0; rows.cols];
    for r in 0..rows.len() {
        for (c, v) in rows.row(r).iter().enumerate() {
            means[c] += v / n;
        }
    }
    let mut scales = vec![0.0; rows.cols];
    for r in 0..rows.len() {
        for (c, v) in rows.row(r).iter().enumerate() {
            scales[c] += (v - means[c]).powi(2) / n;
        }
    }
    // A constant column gets scale 1, so it contributes nothing rather than NaN.
    let scales = scales
        .into_iter()
        .map(|var| if var > 1e-12 { var.sqrt() } else { 1.0 })
        .collect();
    (means, scales)
}

impl Classifier for Logistic {
    fn predict(&self, rows: &Rows) -> Vec<f64> {
        let contributions = self.contributions(rows);
        contributions
            .chunks(rows.cols.max(1))
            .map(|row| sigmoid(self.intercept + row.iter().sum::<f64>()))
            .collect()
    }

    fn contributions(&self, rows: &Rows) -> Vec<f64> {
        rows.values
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let c = i % rows.cols;
                self.weights[c] * (v - self.means[c]) / self.scales[c]
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::score::evaluate::roc_auc;
    use forust_ml::gradientbooster::ContributionsMethod;
    use rand::{Rng, SeedableRng};

    /// y depends on x0 (up) and x1 (down); x2 is noise.
    fn synthetic(n: usize, seed: u64) -> (Rows, Vec<f64>) {
        synthetic_with(n, seed, -0.5)
    }

    fn synthetic_with(n: usize, seed: u64, offset: f64) -> (Rows, Vec<f64>) {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let mut rows = Rows::new(3);
        let mut y = Vec::new();
        for _ in 0..n {
            let x: [f64; 3] = [rng.random(), rng.random(), rng.random()];
            let p = sigmoid(4.0 * x[0] - 3.0 * x[1] + offset);
            rows.push(&x);
            y.push(f64::from(u8::from(rng.random_bool(p))));
        }
        (rows, y)
    }

    fn params() -> BoosterParams {
        BoosterParams {
            iterations: 60,
            learning_rate: 0.1,
            max_depth: 3,
            min_leaf_weight: 1.0,
            seed: 1,
            early_stopping_rounds: None,
        }
    }

    #[test]
    fn both_models_learn_the_signal_and_contributions_add_up_to_the_log_odds() {
        let (train, y) = synthetic(4000, 1);
        let (test, y_test) = synthetic(2000, 2);
        let booster = Booster::fit(&train, &y, &params(), None).unwrap();
        let baseline = Logistic::fit(&train, &y).unwrap();
        for model in [&booster as &dyn Classifier, &baseline] {
            let p = model.predict(&test);
            let auc = roc_auc(&y_test, &p).unwrap();
            assert!(auc > 0.75, "AUC {auc}");
            assert!(p.iter().all(|p| (0.0..=1.0).contains(p)));
        }
        // The baseline's contributions plus its intercept are exactly its log-odds.
        let contributions = baseline.contributions(&test);
        let p = baseline.predict(&test);
        for r in 0..10 {
            let logit: f64 =
                contributions[r * 3..r * 3 + 3].iter().sum::<f64>() + baseline.intercept;
            assert!((sigmoid(logit) - p[r]).abs() < 1e-12);
        }
        // The booster's: x0 pushes up, x1 down, on average over rows where they are high.
        let c = booster.contributions(&test);
        let mean = |col: usize, high: bool| {
            let picked: Vec<f64> = (0..test.len())
                .filter(|r| (test.row(*r)[col] > 0.8) == high)
                .map(|r| c[r * 3 + col])
                .collect();
            picked.iter().sum::<f64>() / picked.len() as f64
        };
        assert!(mean(0, true) > 0.0 && mean(1, true) < 0.0);
    }

    #[test]
    fn a_sampled_baseline_keeps_its_probabilities_calibrated() {
        // A rare outcome (about 6 %), as churn and upgrades are.
        let (train, y) = synthetic_with(20_000, 4, -3.5);
        let full = Logistic::fit(&train, &y).unwrap();
        let sampled = Logistic::fit_sampled(&train, &y, 6_000).unwrap();
        let mean = |p: Vec<f64>| p.iter().sum::<f64>() / p.len() as f64;
        let (a, b) = (mean(full.predict(&train)), mean(sampled.predict(&train)));
        let observed = y.iter().sum::<f64>() / y.len() as f64;
        assert!(
            (a - observed).abs() < 0.01,
            "full fit {a} vs observed {observed}"
        );
        assert!((a - b).abs() < 0.01, "mean probability {a} vs sampled {b}");
    }

    #[test]
    fn a_saved_booster_reloads_and_reproduces_its_scores_exactly() {
        let (train, y) = synthetic(1000, 3);
        let booster = Booster::fit(&train, &y, &params(), None).unwrap();
        let again = Booster::from_json(&booster.to_json().unwrap()).unwrap();
        assert_eq!(booster.predict(&train), again.predict(&train));
        assert_eq!(booster.contributions(&train), again.contributions(&train));
    }

    /// forust's own prediction of `rows`, from the column-major matrix it takes.
    fn forust_log_odds(booster: &Booster, rows: &Rows) -> Vec<f64> {
        let data = rows.column_major();
        let matrix = Matrix::new(&data, rows.len(), rows.cols);
        booster.model.predict(&matrix, true)
    }

    #[test]
    fn row_by_row_log_odds_equal_forusts_own_prediction_to_the_bit() {
        let (train, y) = synthetic(3000, 5);
        let booster = Booster::fit(&train, &y, &params(), None).unwrap();
        let (mut test, _) = synthetic(500, 6);
        // A missing value takes each tree's missing branch in both.
        test.values[3] = f64::NAN;
        assert_eq!(booster.log_odds(&test), forust_log_odds(&booster, &test));
    }

    fn bits(values: &[f64]) -> Vec<u64> {
        values.iter().map(|v| v.to_bits()).collect()
    }

    /// forust's own per-feature contributions (its `Average` method), without the bias.
    fn forust_contributions(booster: &Booster, rows: &Rows) -> Vec<f64> {
        let data = rows.column_major();
        let matrix = Matrix::new(&data, rows.len(), rows.cols);
        booster
            .model
            .predict_contributions(&matrix, ContributionsMethod::Average, true)
            .chunks(rows.cols + 1)
            .flat_map(|row| row[..rows.cols].to_vec())
            .collect()
    }

    #[test]
    fn rows_at_split_values_score_as_forust_does_through_padded_trees() {
        let (train, y) = synthetic(3000, 10);
        // Deep trees with heavy leaves: some branches stop early and are padded.
        let params = BoosterParams {
            max_depth: 5,
            min_leaf_weight: 40.0,
            ..params()
        };
        let booster = Booster::fit(&train, &y, &params, None).unwrap();
        let trees = &booster.model.trees;
        let deepest = trees.iter().map(|t| t.nodes.len()).max().unwrap();
        assert!(
            trees.iter().any(|t| t.nodes.len() < deepest),
            "some trees are shallower than others"
        );
        // Every feature at a split value, just below it and just above it: the row goes
        // right at the value, as forust sends it.
        let mut test = Rows::new(3);
        for node in trees.iter().flat_map(|t| &t.nodes).filter(|n| !n.is_leaf) {
            let v = node.split_value;
            for x in [v, v.next_down(), v.next_up()] {
                test.push(&[x, x, x]);
            }
        }
        assert_eq!(booster.log_odds(&test), forust_log_odds(&booster, &test));
        // And their contributions, credited through the padded trees.
        assert_eq!(
            bits(&booster.contributions(&test)),
            bits(&forust_contributions(&booster, &test))
        );
    }

    #[test]
    fn row_by_row_contributions_equal_forusts_own_to_the_bit() {
        let (train, y) = synthetic(3000, 8);
        let booster = Booster::fit(&train, &y, &params(), None).unwrap();
        let (mut test, _) = synthetic(500, 9);
        test.values[4] = f64::NAN;
        let ours = booster.contributions(&test);
        assert_eq!(
            bits(&ours),
            bits(&forust_contributions(&booster, &test)),
            "the same values to the bit"
        );
        assert!(ours.iter().any(|c| *c != 0.0));
    }

    #[test]
    fn early_stopping_keeps_the_trees_up_to_the_best_held_out_loss() {
        let (train, y) = synthetic(3000, 11);
        let (held_out, held_out_y) = synthetic(1000, 12);
        let params = BoosterParams {
            iterations: 400,
            learning_rate: 0.3,
            early_stopping_rounds: Some(10),
            ..params()
        };
        let stopped = Booster::fit(&train, &y, &params, Some((&held_out, &held_out_y))).unwrap();
        let best = stopped.model.best_iteration.expect("a best iteration");
        // A fast learner on a simple signal stops long before the cap, ten trees past its
        // best, and predicts with the trees up to the best one.
        assert!(best + 1 + 10 <= 400, "best tree {best}");
        assert_eq!(stopped.model.trees.len(), best + 1 + 10);
        assert_eq!(stopped.trees(), best + 1);
        let (test, _) = synthetic(500, 13);
        assert_eq!(stopped.log_odds(&test), forust_log_odds(&stopped, &test));
        assert_eq!(
            bits(&stopped.contributions(&test)),
            bits(&forust_contributions(&stopped, &test))
        );
        let again = Booster::from_json(&stopped.to_json().unwrap()).unwrap();
        assert_eq!(again.trees(), best + 1);
        assert_eq!(stopped.predict(&test), again.predict(&test));
        // Without held-out rows (or without the setting) every tree is fit.
        let all = Booster::fit(&train, &y, &params, None).unwrap();
        assert_eq!(all.trees(), 400);
        let empty = Rows::new(3);
        let all = Booster::fit(&train, &y, &params, Some((&empty, &[]))).unwrap();
        assert_eq!(all.trees(), 400);
    }

    #[test]
    fn a_saved_booster_with_a_tree_that_loops_is_refused_not_walked() {
        let (train, y) = synthetic(1000, 7);
        let booster = Booster::fit(&train, &y, &params(), None).unwrap();
        let mut json: serde_json::Value =
            serde_json::from_str(&booster.to_json().unwrap()).unwrap();
        let root = &mut json["trees"][0]["nodes"][0];
        assert_eq!(
            root["is_leaf"], false,
            "a tree of one leaf would not show it"
        );
        root["left_child"] = serde_json::json!(0);
        let refused = Booster::from_json(&json.to_string()).err().unwrap();
        assert!(refused.to_string().contains("--retrain"), "{refused}");
    }
}
