//! What the match model expects of its own pairs, with no truth file: a score is the
//! probability that the two records are one person, so the scores of a band's pairs add
//! up to the number of them that are one person. The false merges the auto band likely
//! holds, the people the review queue likely joins, the pairs of one person left apart:
//! a steward's answer to "how good is this run?" on a file nobody has labelled.
//!
//! It is the model's view of itself: it cannot see a pair it misjudges (a nickname it
//! does not know scores low and is counted as two people), nor true pairs that blocking
//! never compared. `cpm resolve --eval` prints it beside the truth where there is one.

use serde::{Deserialize, Serialize};

use super::Band;

/// Compared pairs in one band: how many, and how many of them are one person (counted, or
/// expected: the sum of their scores).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct InBand {
    pub pairs: u64,
    pub one_person: f64,
}

impl InBand {
    /// The pairs of two people.
    pub fn two_people(&self) -> f64 {
        self.pairs as f64 - self.one_person
    }
}

/// Every compared pair of a run, by band (before clustering joins pairs into records).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct PairsByBand {
    pub auto: InBand,
    pub review: InBand,
    pub apart: InBand,
}

impl PairsByBand {
    /// Count a pair in `band` that is one person with probability `one_person` (its score,
    /// or 0 / 1 from a truth file).
    pub fn add(&mut self, band: Band, one_person: f64) {
        let in_band = match band {
            Band::Auto => &mut self.auto,
            Band::Review => &mut self.review,
            Band::NoMatch => &mut self.apart,
        };
        in_band.pairs += 1;
        in_band.one_person += one_person;
    }

    pub fn merge(mut self, other: PairsByBand) -> PairsByBand {
        for (x, y) in self.bands_mut().into_iter().zip(other.bands()) {
            x.pairs += y.pairs;
            x.one_person += y.one_person;
        }
        self
    }

    fn bands(&self) -> [InBand; 3] {
        [self.auto, self.review, self.apart]
    }

    fn bands_mut(&mut self) -> [&mut InBand; 3] {
        [&mut self.auto, &mut self.review, &mut self.apart]
    }

    /// Of the auto band's pairs, the share of one person.
    pub fn precision(&self) -> f64 {
        share(self.auto.one_person, self.auto.pairs as f64)
    }

    /// Of the compared pairs of one person, the share in the auto band.
    pub fn recall(&self) -> f64 {
        share(self.auto.one_person, self.one_person())
    }

    /// The same, were a steward to approve the whole review band.
    pub fn recall_after_review(&self) -> f64 {
        share(
            self.auto.one_person + self.review.one_person,
            self.one_person(),
        )
    }

    fn one_person(&self) -> f64 {
        self.bands().iter().map(|b| b.one_person).sum()
    }
}

/// The estimate the latest resolution run recorded with its audit event (`None` before a
/// run, or from a run made before runs recorded one).
pub fn latest(conn: &rusqlite::Connection) -> crate::error::Result<Option<PairsByBand>> {
    use rusqlite::OptionalExtension;
    let details: Option<String> = conn
        .query_row(
            "SELECT details FROM audit_event WHERE action = 'resolution_run' ORDER BY id DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?;
    #[derive(Deserialize)]
    struct RunDetails {
        expected: Option<PairsByBand>,
    }
    Ok(details
        .and_then(|json| serde_json::from_str::<RunDetails>(&json).ok())
        .and_then(|run| run.expected))
}

/// What one auto-merge threshold would give, by the last run's scores: the pairs it would
/// merge and the two-people pairs expected among them, the pairs it would leave to review
/// and the one-person pairs expected there.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct AtThreshold {
    pub threshold: f64,
    pub merged: InBand,
    pub review: InBand,
}

/// Each auto threshold from the review band's start up, the configured one among them:
/// what moving `auto_match` in `config/resolution.yaml` would trade, read from the pairs
/// the last run stored (every pair at or above the review threshold).
pub fn at_thresholds(
    conn: &rusqlite::Connection,
    config: &super::settings::ResolutionConfig,
) -> crate::error::Result<Vec<AtThreshold>> {
    let (review, auto) = (config.thresholds.review, config.thresholds.auto_match);
    let mut thresholds: Vec<f64> = [review, 0.75, 0.8, auto]
        .into_iter()
        .chain(super::evaluate::STRICTER_THRESHOLDS)
        .filter(|t| *t >= review)
        .collect();
    thresholds.sort_by(f64::total_cmp);
    thresholds.dedup();
    let mut at: Vec<AtThreshold> = (thresholds.iter())
        .map(|&threshold| AtThreshold {
            threshold,
            ..AtThreshold::default()
        })
        .collect();
    let mut scores = conn.prepare("SELECT score FROM match_candidate WHERE score >= ?1")?;
    for score in scores.query_map([review], |r| r.get::<_, f64>(0))? {
        let score = score?;
        for t in &mut at {
            let side = match score >= t.threshold {
                true => &mut t.merged,
                false => &mut t.review,
            };
            side.pairs += 1;
            side.one_person += score;
        }
    }
    Ok(at)
}

/// Stewards' standing decisions on pairs of one score band: how many, how many of one person
/// the scores they were decided at expected, and how many were approved (a rejection or a
/// "same household" is two people).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct DecidedBand {
    pub low: f64,
    pub high: f64,
    pub decided: u64,
    pub expected_one_person: f64,
    pub approved: u64,
}

impl DecidedBand {
    /// The bands together (from the lowest score to the highest).
    pub fn total(bands: &[DecidedBand]) -> DecidedBand {
        let mut all = DecidedBand {
            low: bands.iter().map(|b| b.low).fold(1.0, f64::min),
            high: bands.iter().map(|b| b.high).fold(0.0, f64::max),
            ..DecidedBand::default()
        };
        for b in bands {
            all.decided += b.decided;
            all.expected_one_person += b.expected_one_person;
            all.approved += b.approved;
        }
        all
    }
}

/// Scores are checked against decisions in this many bands (0.05 wide).
const DECIDED_BANDS: usize = 20;

/// The stewards' standing decisions (not undone; a pair decided twice counts as last
/// decided) against the scores the pairs had when decided, in `DECIDED_BANDS` bands, the
/// highest first: labels a steward made in the course of the work, checking the model
/// where no truth file exists. Empty bands are left out.
pub fn decisions_against_scores(
    conn: &rusqlite::Connection,
) -> crate::error::Result<Vec<DecidedBand>> {
    let mut statement = conn.prepare(
        "SELECT a.score, a.action = 'approve' FROM audit_event a
         WHERE a.id IN (SELECT max(id) FROM audit_event
                        WHERE action IN ('approve', 'reject', 'household') AND score IS NOT NULL
                        GROUP BY record_a, record_b)
           AND EXISTS (SELECT 1 FROM link_constraint lc
                       WHERE lc.record_a = a.record_a AND lc.record_b = a.record_b
                         AND lc.decision = a.action AND lc.revoked_at IS NULL)",
    )?;
    let decisions = statement
        .query_map([], |r| Ok((r.get::<_, f64>(0)?, r.get::<_, bool>(1)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut by_band = vec![DecidedBand::default(); DECIDED_BANDS];
    for (i, band) in by_band.iter_mut().enumerate() {
        band.low = i as f64 / DECIDED_BANDS as f64;
        band.high = (i + 1) as f64 / DECIDED_BANDS as f64;
    }
    for (score, approved) in decisions {
        let i = ((score * DECIDED_BANDS as f64) as usize).min(DECIDED_BANDS - 1);
        let band = &mut by_band[i];
        band.decided += 1;
        band.expected_one_person += score;
        band.approved += approved as u64;
    }
    by_band.retain(|b| b.decided > 0);
    by_band.reverse();
    Ok(by_band)
}

fn share(part: f64, whole: f64) -> f64 {
    if whole > 0.0 { part / whole } else { 1.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scores_of_a_band_add_up_to_the_people_it_is_expected_to_hold() {
        let mut expected = PairsByBand::default();
        for score in [1.0, 0.95, 0.9] {
            expected.add(Band::Auto, score);
        }
        expected.add(Band::Review, 0.8);
        expected.add(Band::Review, 0.7);
        for _ in 0..100 {
            expected.add(Band::NoMatch, 0.001);
        }
        assert_eq!(expected.auto.pairs, 3);
        assert!((expected.auto.two_people() - 0.15).abs() < 1e-9);
        assert!((expected.precision() - 2.85 / 3.0).abs() < 1e-9);
        // One person: 2.85 in the auto band, 1.5 in review, 0.1 apart.
        assert!((expected.recall() - 2.85 / 4.45).abs() < 1e-9);
        assert!((expected.recall_after_review() - 4.35 / 4.45).abs() < 1e-9);
    }

    #[test]
    fn tallies_merge_band_by_band_and_an_empty_one_claims_nothing() {
        let mut a = PairsByBand::default();
        a.add(Band::Auto, 0.9);
        let mut b = PairsByBand::default();
        b.add(Band::Auto, 1.0);
        b.add(Band::NoMatch, 0.2);
        let both = a.merge(b);
        assert_eq!((both.auto.pairs, both.apart.pairs), (2, 1));
        assert!((both.auto.one_person - 1.9).abs() < 1e-9);
        let empty = PairsByBand::default();
        assert_eq!((empty.precision(), empty.recall()), (1.0, 1.0));
    }
}
