//! `config/scoring.yaml`: typed and validated. Errors name the file, line and key.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::config::{Project, line_of, parse_yaml};
use crate::error::{Error, Result};

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Tiers {
    pub medium: f64,
    pub high: f64,
    pub critical: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BoosterParams {
    /// Trees at most (all of them without early stopping).
    pub iterations: usize,
    pub learning_rate: f32,
    pub max_depth: usize,
    pub min_leaf_weight: f32,
    pub seed: u64,
    /// Stop adding trees once this many in a row have not lowered the log loss of the
    /// held-out people (`None`: every one of `iterations`, fit on all training rows).
    #[serde(default)]
    pub early_stopping_rounds: Option<usize>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ScoringConfig {
    pub horizon_days: i32,
    pub grace_days: i32,
    pub major_gift_dollars: i64,
    pub tiers: Tiers,
    pub booster: BoosterParams,
    pub min_outcomes: usize,
    pub reasons_per_person: usize,
    /// Training snapshots, a month apart, ending at the train cutoff (3 when not given).
    #[serde(default = "default_training_snapshots")]
    pub training_snapshots: i32,
    /// The churn tier from which a sustainer gets no upgrade ask (`never`: asked at any
    /// risk). `high` when not given, as the shipped config says.
    #[serde(default = "default_hold_upgrade_asks_from")]
    pub hold_upgrade_asks_from: String,
}

fn default_training_snapshots() -> i32 {
    3
}

fn default_hold_upgrade_asks_from() -> String {
    "high".into()
}

/// What `hold_upgrade_asks_from` may say besides a tier's name.
const NEVER_HOLD: &str = "never";

impl ScoringConfig {
    pub fn load(project: &Project) -> Result<ScoringConfig> {
        let (path, text) = project.read_config("scoring.yaml")?;
        Self::parse(&path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<ScoringConfig> {
        let config: ScoringConfig = parse_yaml(path, text)?;
        config.validate(path, text)?;
        Ok(config)
    }

    fn validate(&self, path: &Path, text: &str) -> Result<()> {
        let fail = |key: &str, message: String| {
            let leaf = key.rsplit('.').next().unwrap_or(key);
            Err(Error::config(path, line_of(text, leaf, 0), key, message))
        };
        let t = &self.tiers;
        if !(0.0 < t.medium && t.medium < t.high && t.high < t.critical && t.critical < 1.0) {
            return fail(
                "tiers",
                format!(
                    "need 0 < medium < high < critical < 1, got {} / {} / {}",
                    t.medium, t.high, t.critical
                ),
            );
        }
        if !(30..=365).contains(&self.horizon_days) {
            return fail(
                "horizon_days",
                format!("must be 30..=365 days, got {}", self.horizon_days),
            );
        }
        if !(1..=120).contains(&self.grace_days) {
            return fail(
                "grace_days",
                format!("must be 1..=120 days, got {}", self.grace_days),
            );
        }
        if self.major_gift_dollars < 1 {
            return fail(
                "major_gift_dollars",
                format!("must be positive, got {}", self.major_gift_dollars),
            );
        }
        let b = &self.booster;
        if !(1..=5000).contains(&b.iterations) {
            return fail(
                "booster.iterations",
                format!("must be 1..=5000, got {}", b.iterations),
            );
        }
        if !(b.learning_rate > 0.0 && b.learning_rate <= 1.0) {
            return fail(
                "booster.learning_rate",
                format!("must be in (0, 1], got {}", b.learning_rate),
            );
        }
        if !(1..=16).contains(&b.max_depth) {
            return fail(
                "booster.max_depth",
                format!("must be 1..=16, got {}", b.max_depth),
            );
        }
        if b.early_stopping_rounds == Some(0) {
            return fail(
                "booster.early_stopping_rounds",
                "must be at least 1 (leave it out to fit every tree)".into(),
            );
        }
        if self.min_outcomes < 1 {
            return fail("min_outcomes", "must be at least 1".into());
        }
        if !(1..=12).contains(&self.training_snapshots) {
            return fail(
                "training_snapshots",
                format!("must be 1..=12, got {}", self.training_snapshots),
            );
        }
        if self.hold_upgrade_asks_from != NEVER_HOLD
            && Tier::parse(&self.hold_upgrade_asks_from).is_none()
        {
            return fail(
                "hold_upgrade_asks_from",
                format!(
                    "must be low, medium, high, critical or never, got {:?}",
                    self.hold_upgrade_asks_from
                ),
            );
        }
        if !(1..=10).contains(&self.reasons_per_person) {
            return fail(
                "reasons_per_person",
                format!("must be 1..=10, got {}", self.reasons_per_person),
            );
        }
        Ok(())
    }

    /// Whether a sustainer at `tier` gets no upgrade ask: asking someone about to leave
    /// for more hastens the leaving, so the retention call comes first.
    pub fn holds_upgrade_ask(&self, tier: Tier) -> bool {
        Tier::parse(&self.hold_upgrade_asks_from).is_some_and(|from| tier >= from)
    }

    pub fn tier(&self, probability: f64) -> Tier {
        let t = &self.tiers;
        if probability >= t.critical {
            Tier::Critical
        } else if probability >= t.high {
            Tier::High
        } else if probability >= t.medium {
            Tier::Medium
        } else {
            Tier::Low
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Hash)]
pub enum Tier {
    Low,
    Medium,
    High,
    Critical,
}

impl Tier {
    pub const ALL: [Tier; 4] = [Tier::Low, Tier::Medium, Tier::High, Tier::Critical];

    pub fn name(self) -> &'static str {
        match self {
            Tier::Low => "low",
            Tier::Medium => "medium",
            Tier::High => "high",
            Tier::Critical => "critical",
        }
    }

    /// The four-letter label shown where colour might not be (NO_COLOR).
    pub fn short(self) -> &'static str {
        match self {
            Tier::Low => "LOW",
            Tier::Medium => "MED",
            Tier::High => "HIGH",
            Tier::Critical => "CRIT",
        }
    }

    pub fn parse(s: &str) -> Option<Tier> {
        Tier::ALL.into_iter().find(|t| t.name() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn default_text() -> &'static str {
        include_str!("../../config/scoring.yaml")
    }

    #[test]
    fn the_default_config_is_valid_and_tiers_split_at_the_cutoffs() {
        let c = ScoringConfig::parse(Path::new("scoring.yaml"), default_text()).unwrap();
        assert_eq!(c.tier(0.0), Tier::Low);
        assert_eq!(c.tier(c.tiers.medium - 1e-9), Tier::Low);
        assert_eq!(c.tier(c.tiers.medium), Tier::Medium);
        assert_eq!(c.tier(c.tiers.high), Tier::High);
        assert_eq!(c.tier(c.tiers.critical), Tier::Critical);
        assert_eq!(c.tier(1.0), Tier::Critical);
    }

    fn refused(file: &str, text: &str) -> String {
        ScoringConfig::parse(Path::new(file), text)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn a_bad_config_is_refused_with_file_line_and_key() {
        let text = default_text().replace("high: 0.15", "high: 0.05");
        let err = refused("config/scoring.yaml", &text);
        assert!(err.contains("config/scoring.yaml"), "{err}");
        assert!(err.contains("tiers"), "{err}");
        assert!(err.contains(":16:"), "{err}");

        let text = default_text().replace("max_depth: 3", "max_depth: 40");
        let err = refused("s.yaml", &text);
        assert!(
            err.contains("booster.max_depth") && err.contains(":25:"),
            "{err}"
        );

        let text = default_text().replace("horizon_days: 90", "horizon_dayz: 90");
        let err = refused("s.yaml", &text);
        assert!(err.contains(":6:") && err.contains("horizon_dayz"), "{err}");

        let text = default_text().replace("training_snapshots: 3", "training_snapshots: 0");
        let err = refused("s.yaml", &text);
        assert!(
            err.contains("training_snapshots") && err.contains(":42:"),
            "{err}"
        );
    }

    #[test]
    fn upgrade_asks_wait_from_the_configured_tier_and_never_means_never() {
        let c = ScoringConfig::parse(Path::new("s.yaml"), default_text()).unwrap();
        assert_eq!(c.hold_upgrade_asks_from, "high");
        assert!(!c.holds_upgrade_ask(Tier::Medium));
        assert!(c.holds_upgrade_ask(Tier::High) && c.holds_upgrade_ask(Tier::Critical));

        let text = default_text().replace(
            "hold_upgrade_asks_from: high",
            "hold_upgrade_asks_from: critical",
        );
        let c = ScoringConfig::parse(Path::new("s.yaml"), &text).unwrap();
        assert!(!c.holds_upgrade_ask(Tier::High) && c.holds_upgrade_ask(Tier::Critical));

        let text = default_text().replace(
            "hold_upgrade_asks_from: high",
            "hold_upgrade_asks_from: never",
        );
        let c = ScoringConfig::parse(Path::new("s.yaml"), &text).unwrap();
        assert!(Tier::ALL.into_iter().all(|t| !c.holds_upgrade_ask(t)));

        let text = default_text().replace(
            "hold_upgrade_asks_from: high",
            "hold_upgrade_asks_from: hgih",
        );
        let err = refused("s.yaml", &text);
        assert!(
            err.contains("hold_upgrade_asks_from") && err.contains("hgih"),
            "{err}"
        );

        // A config written before the setting existed holds from `high`, as shipped.
        let text = default_text().replace("hold_upgrade_asks_from: high", "");
        let c = ScoringConfig::parse(Path::new("s.yaml"), &text).unwrap();
        assert!(c.holds_upgrade_ask(Tier::High) && !c.holds_upgrade_ask(Tier::Medium));
    }

    #[test]
    fn early_stopping_is_optional_but_never_zero_rounds() {
        let c = ScoringConfig::parse(Path::new("s.yaml"), default_text()).unwrap();
        assert_eq!(c.booster.early_stopping_rounds, Some(30));
        let text = default_text().replace("early_stopping_rounds: 30", "early_stopping_rounds: 0");
        let err = refused("s.yaml", &text);
        assert!(
            err.contains("booster.early_stopping_rounds") && err.contains(":31:"),
            "{err}"
        );
        // A config written before the setting existed fits every tree, as it did.
        let text = default_text().replace("early_stopping_rounds: 30", "");
        let c = ScoringConfig::parse(Path::new("s.yaml"), &text).unwrap();
        assert_eq!(c.booster.early_stopping_rounds, None);
    }

    #[test]
    fn a_config_without_training_snapshots_trains_on_three() {
        let text = default_text().replace("training_snapshots: 3", "");
        let c = ScoringConfig::parse(Path::new("s.yaml"), &text).unwrap();
        assert_eq!(c.training_snapshots, 3);
    }
}
