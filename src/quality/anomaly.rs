//! An explainable anomaly test for a measured value against its own history: the median
//! of the earlier values and a band of ± k robust standard deviations (1.4826 × MAD). The
//! point being tested is never part of its own baseline, and too short a history says
//! nothing rather than something wrong.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Band {
    pub median: f64,
    pub low: f64,
    pub high: f64,
    /// How many earlier values the band was built from.
    pub history: usize,
}

impl Band {
    pub fn contains(&self, value: f64) -> bool {
        (self.low..=self.high).contains(&value)
    }
}

fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

/// The band for a new value given `earlier` values, or `None` with fewer than
/// `min_history` of them. A flat history still gets a band of ±1 % of its level (or ±1),
/// so noise-free series do not flag every tiny change.
pub fn band(earlier: &[f64], min_history: usize, sensitivity: f64) -> Option<Band> {
    if earlier.len() < min_history.max(2) {
        return None;
    }
    let mut sorted: Vec<f64> = earlier.iter().copied().filter(|v| v.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    if sorted.len() < min_history.max(2) {
        return None;
    }
    let m = median(&sorted);
    let mut deviations: Vec<f64> = sorted.iter().map(|v| (v - m).abs()).collect();
    deviations.sort_by(f64::total_cmp);
    let spread = (sensitivity * 1.4826 * median(&deviations)).max((m.abs() * 0.01).max(1.0));
    Some(Band {
        median: m,
        low: m - spread,
        high: m + spread,
        history: sorted.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spike_is_caught_and_clean_history_is_not_flagged() {
        let history = [1000.0, 1012.0, 995.0, 1003.0, 990.0, 1008.0, 1001.0, 997.0];
        let b = band(&history, 5, 4.0).unwrap();
        assert!(b.contains(1010.0));
        assert!(!b.contains(1600.0), "{b:?}");
        assert!(!b.contains(400.0));
        // Every clean point, tested against the others, stays inside.
        for i in 0..history.len() {
            let mut others = history.to_vec();
            let point = others.remove(i);
            assert!(band(&others, 5, 4.0).unwrap().contains(point), "point {i}");
        }
        assert_eq!(band(&history[..3], 5, 4.0), None, "too short a history");
        // A flat history gets a minimal band, not zero width.
        let flat = band(&[50.0; 6], 5, 4.0).unwrap();
        assert!(flat.contains(50.5) && !flat.contains(52.0));
    }
}
