//! Checking the run's merges on a file nobody has labelled: a steward draws merges at
//! random (`draw`); they lead the review queue, where approving keeps one and rejecting
//! splits it; the decisions on them measure the share of merges that are one person, with
//! the uncertainty a sample of that size leaves (`results`). The model's own estimate
//! (`estimate`) cannot see what it misjudges; a random sample checked by a person can.

use rusqlite::{Connection, params};
use serde::Serialize;

use super::review::MERGED_UNDECIDED;
use crate::error::Result;
use crate::store::Db;
use crate::store::resolve::{self as sql, now};

/// Draw up to `n` of the run's merges at random to be checked: auto-band pairs whose
/// records are in one golden record, decided by nobody and not drawn before. Returns how
/// many were drawn (fewer when fewer are left). Audited.
pub fn draw(db: &mut Db, n: usize, actor: &str) -> Result<usize> {
    let tx = db.conn.transaction()?;
    let drawn = tx.execute(
        &format!(
            "INSERT INTO merge_check (record_a, record_b, drawn_at, drawn_by)
             SELECT mc.record_a, mc.record_b, ?2, ?3 FROM match_candidate mc
             WHERE mc.band = 'auto' AND {MERGED_UNDECIDED}
               AND NOT EXISTS (SELECT 1 FROM merge_check ck
                               WHERE ck.record_a = mc.record_a AND ck.record_b = mc.record_b)
             ORDER BY random() LIMIT ?1"
        ),
        params![n as i64, now(), actor],
    )?;
    sql::audit(
        &tx,
        actor,
        "merge_check_drawn",
        None,
        (None, None),
        None,
        "merges drawn at random to be checked",
        &serde_json::json!({ "asked": n, "drawn": drawn }).to_string(),
    )?;
    tx.commit()?;
    Ok(drawn)
}

/// What the checks found so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct CheckResults {
    /// Merges drawn, and of them those a steward has decided on (a standing decision).
    pub drawn: u64,
    pub checked: u64,
    /// Of those checked, the ones kept as one person (approved).
    pub one_person: u64,
}

impl CheckResults {
    /// The share of checked merges that are one person (`None` before any is checked).
    pub fn precision(&self) -> Option<f64> {
        (self.checked > 0).then(|| self.one_person as f64 / self.checked as f64)
    }

    /// The 95 % Wilson score interval of that share: where the share of all the run's
    /// merges lies, given a random sample of this size (sound at 0 % and 100 % too, where
    /// the plain ± interval is not).
    pub fn interval(&self) -> Option<(f64, f64)> {
        let n = self.checked as f64;
        let p = self.precision()?;
        const Z: f64 = 1.959_964;
        let centre = (p + Z * Z / (2.0 * n)) / (1.0 + Z * Z / n);
        let half = Z / (1.0 + Z * Z / n) * (p * (1.0 - p) / n + Z * Z / (4.0 * n * n)).sqrt();
        Some(((centre - half).max(0.0), (centre + half).min(1.0)))
    }
}

/// The merges drawn so far and what stewards decided on them: a standing approval is one
/// person; a standing rejection, "same household" or unmerge between the two is two.
pub fn results(conn: &Connection) -> Result<CheckResults> {
    let decision = |kind: &str| {
        format!(
            "EXISTS (SELECT 1 FROM link_constraint lc WHERE lc.revoked_at IS NULL {kind}
               AND ((lc.record_a = ck.record_a AND lc.record_b = ck.record_b)
                 OR (lc.record_a = ck.record_b AND lc.record_b = ck.record_a)))"
        )
    };
    let (drawn, checked, one_person): (i64, Option<i64>, Option<i64>) = conn.query_row(
        &format!(
            "SELECT count(*), sum({}), sum({}) FROM merge_check ck",
            decision(""),
            decision("AND lc.kind = 'must_link'")
        ),
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    Ok(CheckResults {
        drawn: drawn as u64,
        checked: checked.unwrap_or(0) as u64,
        one_person: one_person.unwrap_or(0) as u64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checked(checked: u64, one_person: u64) -> CheckResults {
        CheckResults {
            drawn: checked,
            checked,
            one_person,
        }
    }

    #[test]
    fn the_interval_narrows_as_more_merges_are_checked_and_holds_the_share() {
        assert_eq!(checked(0, 0).interval(), None);
        let (low, high) = checked(50, 49).interval().unwrap();
        // Wilson's interval for 49 of 50 (a textbook value: 0.895-0.996).
        assert!(
            (low - 0.8950).abs() < 0.001 && (high - 0.9965).abs() < 0.001,
            "{low} {high}"
        );
        let (low_more, high_more) = checked(500, 490).interval().unwrap();
        assert!(low_more > low && high_more - low_more < high - low);
        assert!(low_more < 0.98 && 0.98 < high_more);
    }

    #[test]
    fn every_merge_one_person_still_leaves_room_below_one() {
        let (low, high) = checked(20, 20).interval().unwrap();
        assert_eq!(high, 1.0);
        assert!(low > 0.8 && low < 0.9, "{low}");
        assert_eq!(checked(20, 20).precision(), Some(1.0));
    }
}
