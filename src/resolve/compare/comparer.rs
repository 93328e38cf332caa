//! Scoring a comparison with the learned model: each level's weight looked up, the
//! deterministic rule, conflicts, and each field's contribution to the score.

use super::*;
use crate::resolve::model::MatchModel;
use crate::resolve::settings::ResolutionConfig;

/// A level's weight (log2) at or below which it says two people.
const TWO_PEOPLE: f64 = -4.0;

/// Scores pairs with a learned model and the run's thresholds.
pub struct Comparer<'c> {
    pub model: &'c MatchModel,
    config: &'c ResolutionConfig,
    /// Records in the file: a name's count over it is how common the name is.
    records: f64,
    /// Each field's weight by level, looked up once rather than divided and logged for
    /// every pair.
    table: [[f64; LEVEL_SLOTS]; FIELD_COUNT],
    /// The same where the two records share a street address: the fields that follow an
    /// address weigh as the model learned them among such pairs.
    table_given_address: [[f64; LEVEL_SLOTS]; FIELD_COUNT],
    /// The same where their street addresses differ.
    table_apart_address: [[f64; LEVEL_SLOTS]; FIELD_COUNT],
    /// Two records of one system: its weight, by system (`MatchModel::one_system`).
    in_system: Vec<(u32, f64)>,
    prior: f64,
}

/// Room for every field's levels and `MISSING`.
const LEVEL_SLOTS: usize = 10;
const _: () = {
    let mut f = 0;
    while f < FIELD_COUNT {
        assert!(model::LEVELS[f].len() < LEVEL_SLOTS);
        f += 1;
    }
};

impl<'c> Comparer<'c> {
    pub fn new(
        model: &'c MatchModel,
        config: &'c ResolutionConfig,
        records: usize,
    ) -> Comparer<'c> {
        let mut table = [[0.0; LEVEL_SLOTS]; FIELD_COUNT];
        let mut table_given_address = [[0.0; LEVEL_SLOTS]; FIELD_COUNT];
        let mut table_apart_address = [[0.0; LEVEL_SLOTS]; FIELD_COUNT];
        for f in 0..FIELD_COUNT {
            for level in 0..=model::LEVELS[f].len() {
                let w = model.weight(f, level as u8);
                table[f][level] = w;
                table_given_address[f][level] =
                    model.weight_given_address(f, level as u8).unwrap_or(w);
                table_apart_address[f][level] =
                    model.weight_apart_address(f, level as u8).unwrap_or(w);
            }
        }
        Comparer {
            model,
            config,
            records: records.max(1) as f64,
            table,
            table_given_address,
            table_apart_address,
            in_system: (model.one_system.iter())
                .map(|share| (system_id(&share.system), share.weight()))
                .collect(),
            prior: model.prior_weight(),
        }
    }

    /// Two records' comparison, with the nickname pairs the model's file shows.
    pub fn comparison(&self, a: &Rec, b: &Rec) -> Comparison {
        comparison_in(&self.model.nicknames_seen, a, b)
    }

    /// Two records' comparison vector alone (see `levels_in`).
    pub fn levels(&self, a: &Rec, b: &Rec) -> Vector {
        levels_in(&self.model.nicknames_seen, a, b)
    }

    /// Each field's weight (log2 Bayes factor) for this pair, exact names and birth dates
    /// adjusted for how common the value is in the file, and an exact city where no ZIP
    /// is compared and no street address shared (Arbroath shared says more than London;
    /// beside a ZIP or an address, they have said where).
    pub fn weights(&self, a: ValueCounts, b: ValueCounts, v: &Vector) -> [f64; FIELD_COUNT] {
        let at_one_address = model::shares_street_address(v);
        let table = if at_one_address {
            &self.table_given_address
        } else if v[field::ADDRESS] == model::different_level(field::ADDRESS) {
            &self.table_apart_address
        } else {
            &self.table
        };
        let mut weights = [0.0; FIELD_COUNT];
        for (f, w) in weights.iter_mut().enumerate() {
            *w = table[f][v[f] as usize];
        }
        weights[field::SOURCE] = self.source_weight(v, a.system);
        let [first, last] = self.model.u_exact_random;
        let city_baseline = if v[field::ZIP] == MISSING && !at_one_address {
            self.model.u_exact_city_random
        } else {
            0.0
        };
        for (f, count, baseline) in [
            (field::FIRST, a.first.max(b.first), first),
            (field::LAST, a.last.max(b.last), last),
            (
                field::DOB,
                a.birth.max(b.birth),
                self.model.u_exact_birth_random,
            ),
            (field::CITY, a.city.max(b.city), city_baseline),
        ] {
            // One given name with Jr on one record only is still that name, as common.
            let same_value =
                v[f] == 1 || (f == field::FIRST && v[f] == model::GENERATION_ON_ONE_LEVEL);
            if same_value && count > 0 && baseline > 0.0 {
                let frequency = f64::from(count) / self.records;
                weights[f] += (baseline / frequency).log2();
            }
        }
        weights
    }

    /// The configured deterministic rule this pair meets: an exact personal email or phone
    /// (not a household's), with nothing meaningful disagreeing (names, birth date, sex).
    /// A joint mailbox never merges by itself.
    pub fn deterministic_rule(&self, a: &Rec, v: &Vector) -> Option<&'static str> {
        let first = v[field::FIRST];
        let surname_agrees = !model::disagrees(field::LAST, v[field::LAST]);
        let names_agree = matches!(first, 1..=3) && (surname_agrees || first == 1);
        // A record without a given name (a newsletter's sign-up: an address and nothing
        // else) says nothing against a personal mailbox it shares; a landline it shares
        // could be anyone's at that home.
        let no_given_name = first == MISSING && surname_agrees;
        let dob_ok = v[field::DOB] != model::different_level(field::DOB);
        let sex_ok = v[field::GENDER] != model::different_level(field::GENDER);
        if !((names_agree || no_given_name) && dob_ok && sex_ok) {
            return None;
        }
        self.config
            .deterministic
            .iter()
            .find_map(|rule| match rule.as_str() {
                "email" if v[field::EMAIL] == 1 && !a.email().is_some_and(is_joint_mailbox) => {
                    Some("email")
                }
                _ if no_given_name => None,
                // Two personal emails that differ make a shared phone a household's landline.
                "phone"
                    if v[field::PHONE] == 1
                        && v[field::EMAIL] != model::different_level(field::EMAIL) =>
                {
                    Some("phone")
                }
                _ => None,
            })
    }

    /// A pair's score and rule from its vector (the bulk pass: no contributions).
    pub fn score(&self, a: &Rec, b: &Rec, v: &Vector) -> (f64, &'static str) {
        if let Some(rule) = self.deterministic_rule(a, v) {
            return (1.0, rule);
        }
        let total = self.prior
            + self
                .weights(a.value_counts(), b.value_counts(), v)
                .iter()
                .sum::<f64>();
        (model::probability(total), "model")
    }

    /// Whether a pair that does not match is two people the run must keep apart: given
    /// names that this file's model finds strong evidence of two people (the level is at
    /// least sixteen times likelier between two people than within one: a different name
    /// where names are seldom replaced, two real names a letter apart where those are
    /// relatives), with a home shared or birth dates that differ; or two records of one
    /// system below the review band where this file's systems seldom hold a person twice.
    pub fn is_conflict(&self, v: &Vector, score: f64) -> bool {
        let first_differs = v[field::FIRST] != MISSING
            && self.table[field::FIRST][v[field::FIRST] as usize] <= TWO_PEOPLE;
        let household = model::shared_by_a_household(v);
        let dob_differs = v[field::DOB] == model::different_level(field::DOB);
        // Two records of one system that the model does not call one person, where this
        // file's systems seldom hold a person twice: a chain through other systems (an
        // email platform's record that matches both) must not join them. (Only below
        // 0.5 at first: up to the review band, 20k and 300k lost no recall and 3 and 13
        // over-merged golden records fewer.)
        let one_system_two_people = v[field::SOURCE] != MISSING
            && self.table[field::SOURCE][v[field::SOURCE] as usize] <= TWO_PEOPLE / 2.0;
        score < self.config.thresholds.review
            && (one_system_two_people || (first_differs && (household || dob_differs)))
    }

    /// The weight of one file or two: for two records of one system, as this system
    /// holds a person twice, where the model learned it (`system`: the first record's).
    fn source_weight(&self, v: &Vector, system: u32) -> f64 {
        let level = v[field::SOURCE];
        let learned = (level == ONE_SOURCE_LEVEL)
            .then(|| self.in_system.iter().find(|(s, _)| *s == system))
            .flatten();
        learned.map_or(self.table[field::SOURCE][level as usize], |(_, w)| *w)
    }

    /// Score a pair with each field's part of the score.
    pub fn compare(&self, a: &Rec, b: &Rec) -> Scored {
        let compared = self.comparison(a, b);
        let (score, rule) = self.score(a, b, &compared.vector);
        Scored {
            score,
            rule,
            contributions: self.contributions(
                a.value_counts(),
                b.value_counts(),
                &compared,
                score,
                rule,
            ),
            conflict: self.is_conflict(&compared.vector, score),
        }
    }

    /// Each field's part of a pair's `score` (and the prior's): the rows add up to it.
    pub fn contributions(
        &self,
        a: ValueCounts,
        b: ValueCounts,
        Comparison { vector, similarity }: &Comparison,
        score: f64,
        rule: &'static str,
    ) -> Vec<Contribution> {
        let present = |f: &usize| vector[*f] != MISSING;
        let row = |f: usize, contribution: f64| Contribution {
            field: Cow::Borrowed(model::FIELDS[f]),
            similarity: f64::from(similarity[f]),
            contribution,
        };
        if rule != "model" {
            // A deterministic rule: its field is the whole score.
            return (0..FIELD_COUNT)
                .filter(present)
                .map(|f| row(f, if model::FIELDS[f] == rule { score } else { 0.0 }))
                .collect();
        }
        let weights = self.weights(a, b, vector);
        let prior = model::probability(self.prior);
        let evidence: f64 = weights.iter().sum();
        // Each field's share of the move from the prior, in proportion to its weight of
        // evidence: the rows add up to the score and keep their weights' signs.
        let per_weight = if evidence.abs() > 1e-12 {
            (score - prior) / evidence
        } else {
            0.0
        };
        std::iter::once(Contribution {
            field: Cow::Borrowed(PRIOR),
            similarity: prior,
            contribution: prior,
        })
        .chain(
            (0..FIELD_COUNT)
                .filter(present)
                .map(|f| row(f, weights[f] * per_weight)),
        )
        .collect()
    }
}
