//! How good a model's probabilities are, on rows it was not trained on: ranking (ROC-AUC,
//! PR-AUC), probability quality (log loss, Brier, calibration by decile) and what a call
//! campaign gets from the top tenth (lift, capture).

use serde::{Deserialize, Serialize};
use smartcore::metrics::roc_auc_score;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Decile {
    /// 1 = the highest predicted tenth.
    pub decile: usize,
    pub rows: usize,
    pub mean_predicted: f64,
    pub observed_rate: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Evaluation {
    pub rows: usize,
    pub positives: usize,
    pub base_rate: f64,
    pub roc_auc: Option<f64>,
    pub pr_auc: Option<f64>,
    pub log_loss: f64,
    pub brier: f64,
    /// Outcome rate in the top decile ÷ the base rate.
    pub top_decile_lift: Option<f64>,
    /// Share of all positives found in the top decile.
    pub top_decile_capture: Option<f64>,
    pub calibration: Vec<Decile>,
}

/// ROC-AUC (smartcore's), or `None` when one class is absent.
pub fn roc_auc(labels: &[f64], predicted: &[f64]) -> Option<f64> {
    let positives = labels.iter().filter(|l| **l > 0.5).count();
    if positives == 0 || positives == labels.len() {
        return None;
    }
    let y: Vec<f64> = labels
        .iter()
        .map(|l| if *l > 0.5 { 1.0 } else { 0.0 })
        .collect();
    Some(roc_auc_score(&y, &predicted.to_vec()))
}

/// Average precision: the area under the precision-recall curve, step-wise.
pub fn pr_auc(labels: &[f64], predicted: &[f64]) -> Option<f64> {
    let positives = labels.iter().filter(|l| **l > 0.5).count();
    if positives == 0 {
        return None;
    }
    let order = descending(predicted);
    let (mut hits, mut sum) = (0usize, 0.0);
    for (rank, &i) in order.iter().enumerate() {
        if labels[i] > 0.5 {
            hits += 1;
            sum += hits as f64 / (rank + 1) as f64;
        }
    }
    Some(sum / positives as f64)
}

fn descending(predicted: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..predicted.len()).collect();
    order.sort_by(|a, b| predicted[*b].total_cmp(&predicted[*a]).then(a.cmp(b)));
    order
}

pub fn evaluate(labels: &[f64], predicted: &[f64]) -> Evaluation {
    let n = labels.len();
    let positives = labels.iter().filter(|l| **l > 0.5).count();
    let base_rate = if n > 0 {
        positives as f64 / n as f64
    } else {
        0.0
    };
    let eps = 1e-12;
    let log_loss = labels
        .iter()
        .zip(predicted)
        .map(|(y, p)| {
            let p = p.clamp(eps, 1.0 - eps);
            -(y * p.ln() + (1.0 - y) * (1.0 - p).ln())
        })
        .sum::<f64>()
        / n.max(1) as f64;
    let brier = labels
        .iter()
        .zip(predicted)
        .map(|(y, p)| (p - y).powi(2))
        .sum::<f64>()
        / n.max(1) as f64;
    let order = descending(predicted);
    let calibration: Vec<Decile> = (0..10)
        .map(|d| {
            let rows = &order[d * n / 10..(d + 1) * n / 10];
            let mean = |f: &dyn Fn(usize) -> f64| {
                if rows.is_empty() {
                    0.0
                } else {
                    rows.iter().map(|&i| f(i)).sum::<f64>() / rows.len() as f64
                }
            };
            Decile {
                decile: d + 1,
                rows: rows.len(),
                mean_predicted: mean(&|i| predicted[i]),
                observed_rate: mean(&|i| labels[i]),
            }
        })
        .collect();
    let top = &calibration[0];
    let top_hits = top.observed_rate * top.rows as f64;
    Evaluation {
        rows: n,
        positives,
        base_rate,
        roc_auc: roc_auc(labels, predicted),
        pr_auc: pr_auc(labels, predicted),
        log_loss,
        brier,
        top_decile_lift: (base_rate > 0.0 && top.rows > 0).then(|| top.observed_rate / base_rate),
        top_decile_capture: (positives > 0).then(|| top_hits / positives as f64),
        calibration,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_on_a_hand_checked_example() {
        let labels = [1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0];
        let perfect = [0.9, 0.1, 0.8, 0.2, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1];
        let e = evaluate(&labels, &perfect);
        assert_eq!(e.roc_auc, Some(1.0));
        assert_eq!(e.pr_auc, Some(1.0));
        assert_eq!(e.positives, 2);
        assert!((e.base_rate - 0.2).abs() < 1e-12);
        assert_eq!(e.top_decile_lift, Some(5.0));
        assert_eq!(e.top_decile_capture, Some(0.5));
        // One positive ranked second, one ranked fourth: AP = (1/2 + 2/4) / 2.
        let mixed = [0.8, 0.9, 0.6, 0.7, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1];
        assert!((pr_auc(&labels, &mixed).unwrap() - 0.5).abs() < 1e-12);
        assert!((evaluate(&[1.0, 0.0], &[1.0, 0.0]).brier).abs() < 1e-12);
        assert_eq!(roc_auc(&[0.0, 0.0], &[0.1, 0.2]), None);
    }
}
