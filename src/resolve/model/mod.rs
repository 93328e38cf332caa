//! The match model: Fellegi–Sunter weights learned from the file in front of it.
//!
//! Each compared pair becomes a comparison vector: per field, the level it falls in
//! (exact, a nickname, a typo, different, missing ...). The model holds, per level, how
//! often true matches fall in it (`m`) and how often non-matches do (`u`), and the share of
//! compared pairs that are matches (`lambda`). They are estimated without labels by
//! expectation–maximisation over the run's compared pairs (counted by distinct vector, so a
//! million pairs cost a few thousand rows), starting from `u` measured on random pairs;
//! stewards' approved and rejected pairs enter as labelled examples. A pair's score is the
//! posterior probability of a match: the prior odds times each field's Bayes factor `m/u`,
//! with exact names adjusted for how common the name is in the file (a shared Smith says
//! less than a shared Okonkwo).
//!
//! Disagreement is evidence, never a veto: a different first name or birth date has a
//! low `m` and so a strong weight against, which enough agreement elsewhere can outweigh.
//! Households are evidence too: an address, phone or mailbox shared by two records whose
//! given names are two different names (and whose birth dates do not agree) falls in a
//! level of its own, "shared by a household", which the data shows to say little about
//! one person.

mod fit;
mod levels;

pub use fit::random_u;
use fit::{initial_m, normalise};
pub use levels::*;

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::nicknames_seen::NicknamesSeen;
use super::settings::Blocking;
use crate::vocab::record::system_id;

/// The learned model: per field and level, `m` and `u`; the prior share of matches.
///
/// Two non-match distributions: `u_random`, measured on random pairs, is how surprising an
/// agreement is between two people taken at random, and scores every level but one; `u`,
/// estimated among the compared pairs, is where households are (random pairs almost never
/// share a home), and scores the "shared by a household" levels. `m` is estimated by EM over
/// the compared pairs, and the prior is the share of all pairs in the file that match.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MatchModel {
    /// Share of compared (blocked) pairs that are matches (EM's).
    pub lambda: f64,
    /// Share of all pairs of records in the file that are matches: the prior a pair is
    /// scored from (the compared pairs' matches are nearly all of them).
    pub lambda_random: f64,
    /// `m[field][level - 1]`: P(level | match).
    pub m: Vec<Vec<f64>>,
    /// `u[field][level - 1]`: P(level | non-match, among compared pairs).
    pub u: Vec<Vec<f64>>,
    /// `u_random[field][level - 1]`: P(level | two records taken at random).
    pub u_random: Vec<Vec<f64>>,
    /// P(exact agreement | random pair) for first and last name: the baseline that a
    /// name's own frequency is compared with.
    pub u_exact_random: [f64; 2],
    /// The same for the birth date (0: a model stored before it was kept, which weighs
    /// every date alike).
    #[serde(default)]
    pub u_exact_birth_random: f64,
    /// The same for the city, weighed so where no ZIP is compared (0: a model stored
    /// before it was kept).
    #[serde(default)]
    pub u_exact_city_random: f64,
    /// What it was fitted on.
    pub fit: FitReport,
    /// The fields that follow a shared street address, learned among the pairs that share
    /// one (`None`: too few such pairs, or a model stored before it existed).
    #[serde(default)]
    pub given_address: Option<GivenAddress>,
    /// The same among the pairs whose street addresses differ (`u` there is the random
    /// pairs': two people's addresses almost always differ).
    #[serde(default)]
    pub apart_address: Option<GivenAddress>,
    /// The nickname pairs this file shows one person using (`All` before it was read).
    #[serde(default)]
    pub nicknames_seen: NicknamesSeen,
    /// Per system, how often it holds one person twice (`learn_systems`; empty: a file of
    /// one system, or a model stored before it was kept, which weighs every system alike).
    #[serde(default)]
    pub one_system: Vec<SystemShare>,
    /// Per field, the levels some compared pair of the fitted file (or a steward's labelled
    /// pair) fell in, as bits (bit `level - 1`). A level none fell in has an `m` and a `u`
    /// of smoothing alone, whose ratio is that of the sample sizes: +10 bits for a city
    /// that differs, in a file of one city and 300 people. It weighs nothing (empty: every
    /// level counts, as in a model stored before this was kept).
    #[serde(default)]
    pub levels_shown: Vec<u16>,
}

/// The fields a street address already implies: the city and ZIP it is in. Where two
/// records share an address, whether these agree is learned among the pairs that share one
/// rather than added as evidence of its own (generated data, where an address is a home,
/// learns that they say nothing more there: one home no longer weighs as three fields;
/// FEBRL, whose "address" is a street name without a number, learns that a ZIP still says
/// much). The surname and landline a home shares stay evidence of their own: learned the
/// same way they weighed so little that one person's records at one address fell to review
/// (generated 300k: recall 0.966 -> 0.958, against 28 fewer household merges).
pub const FOLLOW_THE_ADDRESS: [usize; 2] = [field::CITY, field::ZIP];

/// `m` and `u` of the fields that follow an address, among compared pairs sharing one.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct GivenAddress {
    /// Compared pairs sharing a street address (the sample's).
    pub pairs: f64,
    /// Share of them that are matches (1 where `m` was counted among pairs taken as one
    /// person's: `apart_address`).
    pub lambda: f64,
    /// `m[field][level - 1]` and `u[field][level - 1]` for the fields in
    /// `FOLLOW_THE_ADDRESS` (the other fields' rows are unused).
    pub m: Vec<Vec<f64>>,
    pub u: Vec<Vec<f64>>,
}

impl GivenAddress {
    /// log2 of the Bayes factor of a field that follows the address, as learned in this
    /// subset (`None` for another field, or a missing one).
    pub fn weight(&self, f: usize, level: u8) -> Option<f64> {
        if level == MISSING || !FOLLOW_THE_ADDRESS.contains(&f) {
            return None;
        }
        let l = level as usize - 1;
        Some((self.m[f][l] / self.u[f][l]).log2())
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct FitReport {
    pub records: u64,
    /// Every pair blocking compared.
    pub compared_pairs: u64,
    /// Of those, the pairs only a key of names alone compared: scored, not learned from.
    #[serde(default)]
    pub names_only_pairs: u64,
    /// The compared pairs EM was fitted on (all of them, or an even sample of a large run).
    #[serde(default)]
    pub fitted_pairs: u64,
    pub random_pairs: u64,
    pub distinct_vectors: u64,
    pub labelled_matches: u64,
    pub labelled_non_matches: u64,
    /// Steward decisions in the store when the model was fitted (its own and others').
    #[serde(default)]
    pub decisions: u64,
    pub iterations: u32,
    pub converged: bool,
    /// EM ran again holding every pair of two different given names with nothing personal
    /// agreeing as two people (its first "one person" class was not one person's).
    #[serde(default)]
    pub held_two_given_names_apart: bool,
    /// EM ran again holding every pair at two street addresses with nothing personal
    /// agreeing as two people (its "one person" class was namesakes').
    #[serde(default)]
    pub held_two_addresses_apart: bool,
    /// EM's "one person" class never shared an email, phone, birth date or address that
    /// both of its records held: the file shows no two records of one person, and its
    /// prior share of matches was set to the floor.
    #[serde(default)]
    pub no_identifier_shared: bool,
    /// EM ran again holding every pair that shares a personal email or phone as one
    /// person: its class of two people had taken one person's records with a corrupted name.
    #[serde(default)]
    pub held_identifiers_as_one_person: bool,
    /// How the model was estimated (`ESTIMATOR`): a model an older estimator fitted is
    /// fitted anew rather than reused (0: stored before this was recorded).
    #[serde(default)]
    pub estimator: u32,
    /// The blocking that found the compared pairs it learned from: after the keys or their
    /// limits change, the next run learns from the pairs they find (`None`: stored before
    /// this was recorded).
    #[serde(default)]
    pub blocking: Option<Blocking>,
}

/// The estimator's version, raised whenever how a model is fitted changes in a way that
/// changes the model. 2: a home's two people are held as two people while EM sorts the
/// rest, and EM runs again where its "one person" class is not one person's (version 1
/// could settle on "one person or a relative" in small and partial files). 3: random pairs
/// spread over every record (a third of them had shared the first record). 4: a misspelt
/// nickname form is a "similar" given name, a generation that differs a "different" one
/// (the levels a model was fitted on changed), a surname can have changed on one personal
/// mailbox, and one home under a nickname with two emails is an address level of its own.
/// 5: a personal mailbox under two given names one letter apart is no household's.
/// 6: a nickname pair this file never shows one person using is a level of its own. 7: two
/// given names the file shows as one person's on several personal mailboxes are a nickname.
/// 8: a "one person" class that shares no identifier its records hold is no one person's.
/// 9: one given name with a generation on one record only is a level of its own. 10: EM
/// runs again holding pairs that share a personal email or phone as one person where its
/// class of two people shares them. 11: an exact birth date weighs by how many records
/// hold it (`u_exact_birth_random`); a postal code's district and another surname one
/// letter away are levels (a model without them has no estimates for them either). 12: the
/// pairs only a key of names alone compares are not learned from. 13: an identifier a digit
/// or a typo off is shared, for the guard against a file that holds nobody twice. 14: a sex
/// a gender or title column gives is a field. 15: one name with Jr on one record only
/// shares a home or landline as a household. 16: a middle name or initial is a field.
/// 17: a man's given name at the start of a woman's (Joseph, Josephine) is another name.
/// 18: a city or ZIP shared under one name with a generation on one record only is not
/// counted. 19: the city and ZIP weigh as learned among pairs whose addresses differ, there.
/// 20: two records of one system weigh as that system holds a person twice. 21: a surname
/// that differs under one given name on a family's mailbox has changed. 22: a city shared
/// where no ZIP is compared weighs by how many records hold it (`u_exact_city_random`).
/// 23: a family's mailbox shared under one given name is an email level of its own.
/// 24: a birth date agreeing on two of year, month and day is a level of its own. 25: one
/// mailbox name at a mistyped domain is an email level of its own. 26: one mailbox name
/// spelled from the names alone at two domains is a level of its own, weighed among the
/// compared pairs whose names agree. 27: a given name that is the other record's second is
/// a level of its own; two surnames of two names that differ in one are different, and a
/// surname among the other record's given names is one written in part; where names and
/// ZIP agree, one person's email, phone and birth date are learned without the street
/// address; a "one person" class at two addresses more often than linked pairs is
/// namesakes', and EM runs again holding them apart. 28: a level no compared pair shows
/// weighs nothing, and a field that differs never weighs for a match; Jr on one record
/// only is a level under a nickname or a slip of one name too.
pub const ESTIMATOR: u32 = 28;

/// How much the number of records may change before a stored model is fitted anew.
const REFIT_AFTER_GROWTH: f64 = 0.10;

/// Counts of comparison vectors: unlabelled (the run's compared pairs), and those a
/// steward labelled.
#[derive(Debug, Default, Clone)]
pub struct VectorCounts {
    pub unlabelled: std::collections::HashMap<Vector, u64>,
    pub matches: std::collections::HashMap<Vector, u64>,
    pub non_matches: std::collections::HashMap<Vector, u64>,
    /// The unlabelled pairs of two records of one system, by system (`system_id`) and
    /// vector, and the labelled matches there by system: for `learn_systems`.
    pub within_system: std::collections::HashMap<(u32, Vector), u64>,
    pub matches_within_system: std::collections::HashMap<u32, u64>,
}

impl VectorCounts {
    pub fn add(&mut self, v: Vector) {
        *self.unlabelled.entry(v).or_default() += 1;
    }

    /// Per field, the levels some counted pair falls in (`MatchModel::levels_shown`).
    fn levels_shown(&self) -> Vec<u16> {
        let mut shown = vec![0u16; FIELD_COUNT];
        let vectors = (self.unlabelled.keys())
            .chain(self.matches.keys())
            .chain(self.non_matches.keys());
        for v in vectors {
            for (f, bits) in shown.iter_mut().enumerate() {
                if v[f] != MISSING {
                    *bits |= 1 << (v[f] - 1);
                }
            }
        }
        shown
    }

    /// `add`, for a pair of two records of `system`.
    pub fn add_within(&mut self, system: u32, v: Vector) {
        self.add(v);
        *self.within_system.entry((system, v)).or_default() += 1;
    }

    pub fn merge(mut self, other: VectorCounts) -> VectorCounts {
        for (map, theirs) in [
            (&mut self.unlabelled, other.unlabelled),
            (&mut self.matches, other.matches),
            (&mut self.non_matches, other.non_matches),
        ] {
            for (v, n) in theirs {
                *map.entry(v).or_default() += n;
            }
        }
        for (key, n) in other.within_system {
            *self.within_system.entry(key).or_default() += n;
        }
        for (system, n) in other.matches_within_system {
            *self.matches_within_system.entry(system).or_default() += n;
        }
        self
    }
}

/// How often one system (a source) holds one person twice: the share of the file's
/// matches among compared pairs that fall within it (`m`), against the share of random
/// pairs that do (`u`). Systems differ: an email platform or a box office may hold
/// nobody twice, a CRM a few in a hundred, and one weight for "one source" over all of
/// them (generated 200k: -2.97 bits) let two people on one email platform merge on names
/// and a ZIP, four of them a household's two.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SystemShare {
    pub system: String,
    pub m: f64,
    pub u: f64,
}

impl SystemShare {
    /// log2 of the Bayes factor of two records of this system.
    pub fn weight(&self) -> f64 {
        (self.m / self.u).log2()
    }
}

impl MatchModel {
    /// Keep this model in the store, as the run's.
    pub fn save(&self, conn: &rusqlite::Connection) -> crate::error::Result<()> {
        crate::store::resolve::save_model(conn, &serde_json::to_string(self)?)
    }

    /// The newest model a run stored, if any.
    pub fn latest(conn: &rusqlite::Connection) -> crate::error::Result<Option<MatchModel>> {
        Ok(match crate::store::resolve::latest_model_json(conn)? {
            Some(json) => Some(serde_json::from_str::<MatchModel>(&json)?).filter(Self::has_levels),
            None => None,
        })
    }

    /// Whether the model has an estimate for every level this build compares (a model
    /// stored before a level was added has none for it, and is no model here).
    fn has_levels(&self) -> bool {
        [&self.m, &self.u, &self.u_random].iter().all(|table| {
            table.len() == FIELD_COUNT
                && table
                    .iter()
                    .zip(LEVELS)
                    .all(|(row, l)| row.len() == l.len())
        })
    }

    /// Whether this stored model still describes the data: fitted by this estimator on the
    /// pairs this blocking finds, no steward decision since (each one teaches it), and the
    /// file within a tenth of its size then. A re-run that reuses it scores as the last run
    /// did, so nothing moves for no reason.
    pub fn still_fits(&self, records: usize, decisions: u64, blocking: &Blocking) -> bool {
        let fitted = self.fit.records as f64;
        fitted > 0.0
            && self.fit.estimator == ESTIMATOR
            && self.fit.blocking.as_ref() == Some(blocking)
            && self.fit.decisions == decisions
            && ((records as f64 - fitted).abs() / fitted) <= REFIT_AFTER_GROWTH
    }

    /// The starting guesses, for a store no run has learned a model on yet.
    pub fn untrained() -> MatchModel {
        let u: Vec<Vec<f64>> = (0..FIELD_COUNT)
            .map(|f| {
                let n = LEVELS[f].len();
                let different = different_level(f) as usize;
                normalise(
                    (1..=n)
                        .map(|l| if l == different { 0.9 } else { 0.02 })
                        .collect(),
                )
            })
            .collect();
        MatchModel::guessed(u)
    }

    /// The prior guesses of `m` (`initial_m`) beside `u` (for both non-match tables).
    fn guessed(u: Vec<Vec<f64>>) -> MatchModel {
        MatchModel {
            lambda: 0.01,
            lambda_random: 1e-4,
            m: (0..FIELD_COUNT).map(initial_m).collect(),
            u_random: u.clone(),
            u,
            u_exact_random: [0.0; 2],
            u_exact_birth_random: 0.0,
            u_exact_city_random: 0.0,
            fit: FitReport::default(),
            given_address: None,
            apart_address: None,
            nicknames_seen: NicknamesSeen::All,
            one_system: Vec::new(),
            levels_shown: Vec::new(),
        }
    }

    /// log2 of the Bayes factor of a field that follows an address, for a pair that shares
    /// one: `None` where the file gave too few such pairs to learn it (or `f` does not
    /// follow the address).
    pub fn weight_given_address(&self, f: usize, level: u8) -> Option<f64> {
        let raw = self.given_address.as_ref()?.weight(f, level)?;
        Some(self.as_evidence(f, level, raw))
    }

    /// log2 of the Bayes factor of two records of one system, as `one_system` learned it
    /// (`None`: a system it does not know).
    pub fn weight_in_system(&self, system: u32) -> Option<f64> {
        let share = self
            .one_system
            .iter()
            .find(|s| system_id(&s.system) == system)?;
        Some(share.weight())
    }

    /// The same for a pair whose street addresses differ (`apart_address`).
    pub fn weight_apart_address(&self, f: usize, level: u8) -> Option<f64> {
        let raw = self.apart_address.as_ref()?.weight(f, level)?;
        Some(self.as_evidence(f, level, raw))
    }

    /// log2 of a level's Bayes factor: m over the u it is scored against (`u_scored`).
    pub fn weight(&self, f: usize, level: u8) -> f64 {
        if level == MISSING {
            return 0.0;
        }
        let raw = (self.m[f][level as usize - 1] / self.u_scored(f, level)).log2();
        self.as_evidence(f, level, raw)
    }

    /// A level's weight as it counts in a score: nothing where no pair of the file showed
    /// the level (`levels_shown`), and never for a match where the field disagrees (a thin
    /// "different" level's smoothed `m` can exceed its `u`: a city that differs weighed
    /// +3.4 bits among the bilingual file's pairs at one street address, none of which
    /// showed one).
    fn as_evidence(&self, f: usize, level: u8, raw: f64) -> f64 {
        if !self.level_shown(f, level) {
            0.0
        } else if level == different_level(f) {
            raw.min(0.0)
        } else {
            raw
        }
    }

    /// Whether some compared or labelled pair of the fitted file fell in this level.
    pub fn level_shown(&self, f: usize, level: u8) -> bool {
        match self.levels_shown.get(f) {
            Some(bits) => level != MISSING && bits & (1 << (level - 1)) != 0,
            None => true,
        }
    }

    /// The non-match probability a level is scored against: the random pairs' for a
    /// personal field; for a field a household shares, the compared pairs', where the
    /// households are. An exact email is the exception: every pair sharing one is compared
    /// (the email key), so among all pairs, as the prior counts them, two people share an
    /// email as often as the compared pairs' non-matches do times the chance that two
    /// people are compared at all. Against the compared pairs alone a shared personal email
    /// counted 14 bits too little (Splink's fake 20k: 439 pairs sharing one with a mistyped
    /// birth date, every one one person's, scored below review). A shared phone stays a
    /// home's: weighed so too, it merged one more household in the donor file and in the
    /// generated 200k.
    pub fn u_scored(&self, f: usize, level: u8) -> f64 {
        let l = level as usize - 1;
        if !HOME_FIELDS.contains(&f) {
            return self.u_random[f][l];
        }
        let u = self.u[f][l];
        let compared = self.chance_two_people_are_compared();
        // An email shared exactly, or one mailbox name at a mistyped domain: blocking
        // compares every pair sharing the email (its key) and nearly every pair sharing a
        // mailbox name (`email_name`; one too short or spelled from the names alone meets
        // on the names), so its share among all non-matching pairs is its share among the
        // compared ones, scaled.
        if f == field::EMAIL && (level == 1 || level == MAILBOX_DOMAIN_TYPO_LEVEL) && compared > 0.0
        {
            u * compared
        } else {
            u
        }
    }

    /// The share of all non-matching pairs that blocking compares: the prior odds among all
    /// pairs over those among the compared pairs (nearly every match is compared).
    fn chance_two_people_are_compared(&self) -> f64 {
        let odds = |p: f64| p / (1.0 - p);
        (odds(self.lambda_random) / odds(self.lambda)).min(1.0)
    }

    /// The prior log2 odds that two records of the file are one person.
    pub fn prior_weight(&self) -> f64 {
        (self.lambda_random / (1.0 - self.lambda_random)).log2()
    }
}

/// The probability whose log2 odds are `weight`.
pub fn probability(weight: f64) -> f64 {
    1.0 / (1.0 + (-weight).exp2())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_exact_email_is_weighed_against_all_pairs_as_the_prior_is() {
        let model = MatchModel {
            lambda: 0.5,
            lambda_random: 1e-4,
            ..MatchModel::untrained()
        };
        let among_compared = |f: usize| (model.m[f][0] / model.u[f][0]).log2();
        // Prior odds 1 among compared pairs, 1/9999 among all: 13.3 bits more.
        let more = (0.9999f64 / 1e-4).log2();
        let email = model.weight(field::EMAIL, 1);
        assert!((email - among_compared(field::EMAIL) - more).abs() < 1e-9);
        // So is one mailbox at a mistyped domain: blocking compares every pair sharing a
        // mailbox name, as every pair sharing an email.
        let typo = MAILBOX_DOMAIN_TYPO_LEVEL;
        let l = typo as usize - 1;
        let typo_among_compared = (model.m[field::EMAIL][l] / model.u[field::EMAIL][l]).log2();
        assert!((model.weight(field::EMAIL, typo) - typo_among_compared - more).abs() < 1e-9);
        // A phone a home shares, and an email's other levels, stay among the compared pairs.
        assert_eq!(model.weight(field::PHONE, 1), among_compared(field::PHONE));
        let other_domain = (model.m[field::EMAIL][1] / model.u[field::EMAIL][1]).log2();
        assert_eq!(model.weight(field::EMAIL, 2), other_domain);
        // A model that knows no prior among all pairs weighs it among the compared pairs.
        let unknown = MatchModel {
            lambda_random: 0.0,
            ..model.clone()
        };
        assert_eq!(
            unknown.weight(field::EMAIL, 1),
            among_compared(field::EMAIL)
        );
    }

    #[test]
    fn a_field_that_differs_never_weighs_for_a_match() {
        let mut model = MatchModel::untrained();
        let (city, different) = (field::CITY, different_level(field::CITY));
        let l = different as usize - 1;
        // A thin level's smoothed m above its u, as in a subset of few pairs.
        model.m[city][l] = 0.01;
        model.u_random[city][l] = 0.0001;
        assert!((model.m[city][l] / model.u_scored(city, different)).log2() > 6.0);
        assert_eq!(model.weight(city, different), 0.0);
        // A weight against stands as learned; so does a level that agrees.
        model.m[city][l] = 0.00001;
        assert!(model.weight(city, different) < -3.0);
        model.m[city][1] = 0.01;
        model.u_random[city][1] = 0.0001;
        assert!(model.weight(city, 2) > 6.0);
    }

    #[test]
    fn a_stored_model_is_reused_only_if_this_estimator_fitted_it_for_about_this_file() {
        let blocking = crate::resolve::settings::ResolutionConfig::shipped().blocking;
        let mut model = MatchModel::untrained();
        model.fit = FitReport {
            records: 10_000,
            decisions: 3,
            estimator: ESTIMATOR,
            blocking: Some(blocking.clone()),
            ..FitReport::default()
        };
        assert!(model.still_fits(10_500, 3, &blocking));
        assert!(
            !model.still_fits(11_500, 3, &blocking),
            "the file grew by more than a tenth"
        );
        assert!(
            !model.still_fits(10_000, 4, &blocking),
            "a steward decided since"
        );
        let mut fewer_keys = blocking.clone();
        fewer_keys.keys.pop();
        assert!(
            !model.still_fits(10_000, 3, &fewer_keys),
            "other pairs compared"
        );
        let tighter = Blocking {
            max_block_size: blocking.max_block_size / 2,
            ..blocking.clone()
        };
        assert!(
            !model.still_fits(10_000, 3, &tighter),
            "other pairs compared"
        );
        model.fit.estimator = ESTIMATOR - 1;
        assert!(
            !model.still_fits(10_000, 3, &blocking),
            "an older estimator fitted it"
        );
    }

    #[test]
    fn a_stored_model_without_a_level_this_build_compares_is_no_model() {
        let db = crate::store::Db::open_in_memory().unwrap();
        let model = MatchModel::untrained();
        model.save(&db.conn).unwrap();
        assert_eq!(MatchModel::latest(&db.conn).unwrap(), Some(model.clone()));
        let mut older = model;
        for table in [&mut older.m, &mut older.u, &mut older.u_random] {
            table[field::LAST].pop();
        }
        older.save(&db.conn).unwrap();
        assert_eq!(MatchModel::latest(&db.conn).unwrap(), None);
    }

    #[test]
    fn a_home_shared_under_two_given_names_is_two_people_a_misspelt_one_is_left_to_em() {
        for f in 0..FIELD_COUNT {
            assert_eq!(household_level(f).is_some(), HOME_FIELDS.contains(&f));
        }
        let mut v = [MISSING; FIELD_COUNT];
        v[field::LAST] = 1;
        v[field::EMAIL] = household_level(field::EMAIL).unwrap(); // a joint mailbox
        v[field::FIRST] = 3; // typo: Dorothy / Dorohty
        assert!(shared_by_a_household(&v) && !two_people_of_one_home(&v));
        assert!(!two_people_by_name(&v));
        v[field::FIRST] = different_level(field::FIRST); // Dorothy / Martin
        assert!(two_people_of_one_home(&v));
        v[field::EMAIL] = 1;
        assert!(!two_people_of_one_home(&v), "nothing shared by a household");
        assert!(!two_people_by_name(&v), "an exact personal email agrees");
        v[field::EMAIL] = different_level(field::EMAIL);
        assert!(
            two_people_by_name(&v),
            "two names, nothing personal agreeing"
        );
        v[field::DOB] = 1;
        assert!(!two_people_by_name(&v), "the birth date agrees");
    }
}
