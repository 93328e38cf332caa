//! Fitting the match model: expectation–maximisation over the compared pairs' comparison
//! vectors, the checks that its "one person" class is one person's, and the weights learned
//! in subsets of pairs (at one address, at two, within one system).

use super::*;

/// Among the compared pairs that `linked` picks (nearly all one person's), the share that
/// `differs` picks, at its upper bound (three standard errors, and the rule of three where
/// none differ: 3 / pairs). Infinite where fewer than `at_least` pairs are linked so: then
/// the data cannot say.
fn linked_share_at_most(
    unlabelled: &[(Vector, f64)],
    linked: impl Fn(&Vector) -> bool,
    differs: impl Fn(&Vector) -> bool,
    at_least: f64,
) -> f64 {
    let (mut pairs, mut differing) = (0.0, 0.0);
    for (v, n) in unlabelled.iter().filter(|(v, _)| linked(v)) {
        pairs += n;
        if differs(v) {
            differing += n;
        }
    }
    if pairs < at_least {
        return f64::INFINITY;
    }
    let share = differing / pairs;
    share + 3.0 * (share * (1.0 - share) / pairs).sqrt() + 3.0 / pairs
}

/// How often one person's records have two different given names, as far as the data can
/// say: among the compared pairs that a personal email or phone already links, or a birth
/// date beside a surname, the share with different given names (`linked_share_at_most`).
/// FEBRL's replaced first names give 0.09-0.17, a generated file's typos about 0.001.
/// Infinite where no pair is linked so. A birth date alone links nobody: the `birth` key
/// compares everyone born on a day, and in a file of 20,000 people with their birth dates
/// 3,758 such pairs of strangers made the share 0.38.
fn linked_pairs_differing_in_given_name(unlabelled: &[(Vector, f64)]) -> f64 {
    let surname_agrees =
        |v: &Vector| v[field::LAST] != MISSING && v[field::LAST] != different_level(field::LAST);
    let linked = |v: &Vector| {
        (v[field::EMAIL] == 1 || v[field::PHONE] == 1 || (v[field::DOB] == 1 && surname_agrees(v)))
            && v[field::FIRST] != MISSING
    };
    let differs = |v: &Vector| v[field::FIRST] == different_level(field::FIRST);
    // Every vector counted stands for at least one pair: one is "any".
    linked_share_at_most(unlabelled, linked, differs, 1.0)
}

/// The largest share of one person's pairs with two different given names that any file
/// has shown (FEBRL's replaced first names: 0.09-0.17 at the bound above), with room: the
/// bound where a file links too few pairs to say (the generated 20k without emails and
/// phones: EM's "one person" took one home's two people at 0.37, 259 household merges).
const MOST_GIVEN_NAMES_DIFFER: f64 = 0.25;

/// How often one person's two records give two street addresses, as far as the data can
/// say: among the compared pairs that a personal email or phone links and whose records
/// both give an address, the share whose addresses differ (`linked_share_at_most`). Files
/// measured: 0.05-0.21 in EM's class. Infinite where too few pairs are linked so to say.
fn linked_pairs_at_two_addresses(unlabelled: &[(Vector, f64)]) -> f64 {
    let linked =
        |v: &Vector| (v[field::EMAIL] == 1 || v[field::PHONE] == 1) && v[field::ADDRESS] != MISSING;
    let differs = |v: &Vector| v[field::ADDRESS] == different_level(field::ADDRESS);
    linked_share_at_most(unlabelled, linked, differs, MIN_COMPARABLE_PAIRS)
}

/// A pair at two street addresses with nothing personal agreeing (no birth date, email
/// or phone): namesakes, where a file's one common surname and its few given names make
/// many (see `MatchModel::fit`).
fn two_people_at_two_addresses(v: &Vector) -> bool {
    v[field::ADDRESS] == different_level(field::ADDRESS) && !something_personal_agrees(v)
}

/// Prior guesses where the data has not spoken: matches mostly agree, non-matches mostly
/// differ. Only a starting point; EM moves them.
pub(super) fn initial_m(f: usize) -> Vec<f64> {
    let n = LEVELS[f].len();
    let different = different_level(f) as usize;
    (1..=n)
        .map(|level| match level {
            1 => 0.80,
            l if l == different => 0.02,
            l if Some(l as u8) == household_level(f) => 0.01,
            _ => 0.17 / (n.saturating_sub(2).max(1)) as f64,
        })
        .collect()
}

/// Pseudo-count per level, so that a level the data never showed is rare, not impossible.
const SMOOTHING: f64 = 0.5;
/// How many pairs' worth of weight the random pairs' `u` carries in the compared pairs' `u`.
const U_PRIOR_PAIRS: f64 = 50.0;

const MAX_ITERATIONS: u32 = 200;
/// The smallest share of compared pairs EM lets be matches (and the largest, one less).
const LAMBDA_FLOOR: f64 = 1e-6;
/// The fields one person's two records often share exactly and two people seldom do.
const IDENTIFIERS: [usize; 4] = [field::EMAIL, field::PHONE, field::DOB, field::ADDRESS];
/// The most often two people among the compared pairs share a personal email or phone
/// exactly (not as a household's): at most 0.0004 in every file measured, against 0.74
/// where EM's class of two people had taken one person's records (Splink's fake 20,000),
/// and 0.023 there once birth-date keys compared more of them.
const SHARED_BY_TWO: f64 = 0.01;
/// How many of an EM class's pairs must hold an identifier in both records before the
/// share of them agreeing on it says anything.
const MIN_COMPARABLE_PAIRS: f64 = 30.0;
/// Below this share of agreement (exact, or but for a typo: `sharing_levels`) on every
/// identifier both records hold, EM's "one person" class is no one person's. Where people
/// are twice, their records agree exactly far more often: on an email or phone 0.82-0.999
/// in every generated and donor file measured, on a birth date 0.86-0.95 (FEBRL, the donor
/// CRM), on an address 0.19-0.31 in FEBRL (a street without its number). Where nobody is:
/// 0.0002-0.01.
const NEVER_SHARED: f64 = 0.05;

/// The levels at which two records share an identifier, exactly or but for a typo. One
/// person's records share it even where a file mistypes it in nearly every pair that
/// blocking compares (RLdata10000 blocked on both names and the birth year: its duplicates
/// whose names agree have a birth date a digit off, 2.4 % an exact one).
fn sharing_levels(f: usize) -> &'static [&'static str] {
    match f {
        field::DOB => &["exact", "one digit or day/month swapped"],
        field::EMAIL => &[
            "exact",
            "same name, other domain",
            "one typo",
            MAILBOX_DOMAIN_TYPO,
        ],
        field::PHONE => &["exact", "same number, other area code"],
        field::ADDRESS => &["exact", "typo"],
        _ => &["exact"],
    }
}

/// With fewer compared pairs in a subset (sharing both names and the ZIP; sharing a street
/// address, or a household's), the whole file's estimates stand.
const MIN_SUBSET_PAIRS: f64 = 200.0;
const TOLERANCE: f64 = 1e-7;

/// Level frequencies of random pairs (`u` before EM), with smoothing.
pub fn random_u(random: &[Vector]) -> Vec<Vec<f64>> {
    (0..FIELD_COUNT)
        .map(|f| {
            let n = LEVELS[f].len();
            let mut counts = vec![SMOOTHING; n];
            for v in random {
                if v[f] != MISSING {
                    counts[v[f] as usize - 1] += 1.0;
                }
            }
            normalise(counts)
        })
        .collect()
}

/// Starting counts per field and level: `prior`'s probabilities worth `U_PRIOR_PAIRS`
/// pairs, and the smoothing every level gets.
fn counts_from_prior(prior: &[Vec<f64>]) -> Vec<Vec<f64>> {
    prior
        .iter()
        .map(|row| row.iter().map(|p| SMOOTHING + U_PRIOR_PAIRS * p).collect())
        .collect()
}

pub(super) fn normalise(counts: Vec<f64>) -> Vec<f64> {
    let total: f64 = counts.iter().sum();
    counts.into_iter().map(|c| c / total).collect()
}

impl MatchModel {
    /// Estimate `m`, `u` and `lambda` by EM over the compared pairs, starting from `u0`
    /// (random pairs) and prior `m`; labelled pairs keep their known class throughout.
    pub fn fit(counts: &VectorCounts, u0: Vec<Vec<f64>>, mut fit: FitReport) -> MatchModel {
        let unlabelled: Vec<(Vector, f64)> = counts
            .unlabelled
            .iter()
            .map(|(v, n)| (*v, *n as f64))
            .collect();
        let start = MatchModel {
            lambda_random: 0.0,
            ..MatchModel::guessed(u0)
        };
        // Compared pairs hold three kinds: one person's, one home's two people's, and
        // strangers'. Two classes left free can settle on "one person or a relative"
        // against "strangers" (generated files of 3,000-10,000 people did, and a donor CRM
        // beside an email platform: precision 0.58-0.88). So a pair a household shares an
        // identifier in under two given names is two people while EM sorts the rest; and
        // where the class EM calls one person has different given names more often than the
        // pairs a personal identifier links (or than the same one), it holds relatives: EM
        // runs again holding every pair of two different given names with nothing personal
        // agreeing as two people. (Held always, that costs FEBRL3 0.2 points of recall: its duplicates
        // replace a first name and mistype a birth date in one record.) A steward's
        // approval of such a pair still teaches the model that it can be one person.
        let mut model = start.clone();
        let mut two_people: fn(&Vector) -> bool = two_people_of_one_home;
        model.expectation_maximisation(&unlabelled, counts, &mut fit, &|v| {
            two_people(v).then_some(false)
        });
        if model.one_person_has_two_given_names(&unlabelled) {
            model = start.clone();
            two_people = two_people_by_name;
            model.expectation_maximisation(&unlabelled, counts, &mut fit, &|v| {
                two_people(v).then_some(false)
            });
            fit.held_two_given_names_apart = true;
        }
        // Where one surname is most of a community's (Nguyen, a third of Vietnamese-
        // Americans) and its given names are few, namesakes outnumber one person's pairs and
        // EM's "one person" can settle on them: one name at two addresses (a Vietnamese-
        // American file: m(addresses differ) 0.98, against 0.05-0.21 in every other file
        // and the few pairs a personal email or phone links). Then EM runs again holding
        // every pair at two addresses with nothing personal agreeing as two people.
        let apart_at_two_addresses = model.one_person_lives_at_two_addresses(&unlabelled);
        let held_apart = |v: &Vector| {
            two_people(v) || (apart_at_two_addresses && two_people_at_two_addresses(v))
        };
        if apart_at_two_addresses {
            model = start.clone();
            model.expectation_maximisation(&unlabelled, counts, &mut fit, &|v| {
                held_apart(v).then_some(false)
            });
            fit.held_two_addresses_apart = true;
        }
        // Where nearly every compared pair is one person (a file whose blocking keys are
        // mostly its identifiers), the class EM calls two people can settle on one person's
        // records with a corrupted name (Splink's fake 20,000: 74 % of that class shared an
        // email, against at most 0.04 % in any other file measured). Then EM runs again
        // holding every pair that shares a personal email or phone (not a household's) as
        // one person.
        if model.two_people_share_identifiers(&unlabelled) {
            model = start;
            model.expectation_maximisation(&unlabelled, counts, &mut fit, &|v| {
                if held_apart(v) {
                    Some(false)
                } else {
                    shares_a_personal_identifier(v).then_some(true)
                }
            });
            fit.held_identifiers_as_one_person = true;
        }
        // A file with no two records of one person (an email platform alone, a clean
        // mailing list) still gives EM two classes to find, and it finds namesakes and
        // relatives (one platform of 16,112 people, each once: 23 pairs merged, 15 of them
        // two people of one home). What tells them from one person is that they never share
        // an identifier both records hold. Then the file shows nothing of what one person's
        // two records look like, and no pair is scored as one (until a steward approves one).
        if counts.matches.is_empty() && model.one_person_shares_no_identifier(&unlabelled) {
            model.lambda = LAMBDA_FLOOR;
            fit.no_identifier_shared = true;
        }
        let total: f64 = unlabelled.iter().map(|(_, n)| n).sum();
        model.estimate_m_where_names_agree(&unlabelled);
        model.given_address = model.estimate_given_address(&unlabelled, counts);
        model.apart_address = model.estimate_apart_address(&unlabelled, counts);
        model.weigh_a_generation_among_namesakes();
        model.weigh_a_mailbox_of_names_among_namesakes(&unlabelled);
        // The compared pairs' matches, over every pair in the file.
        let all_pairs = (fit.records as f64) * (fit.records.saturating_sub(1) as f64) / 2.0;
        // The pairs EM learned from: the pairs only names brought together are not.
        let learned_from = fit.compared_pairs.saturating_sub(fit.names_only_pairs);
        let compared = (learned_from as f64).max(total);
        fit.fitted_pairs = total as u64;
        model.lambda_random = if all_pairs > 0.0 {
            (model.lambda * compared / all_pairs).clamp(1e-12, 0.5)
        } else {
            model.lambda
        };
        model.levels_shown = counts.levels_shown();
        fit.distinct_vectors = counts.unlabelled.len() as u64;
        fit.labelled_matches = counts.matches.values().sum();
        fit.labelled_non_matches = counts.non_matches.values().sum();
        fit.estimator = ESTIMATOR;
        model.fit = fit;
        model
    }

    /// EM to convergence from the current estimates, holding the unlabelled pairs `two_people`
    /// says are two people (and stewards' labelled pairs) in their class.
    fn expectation_maximisation(
        &mut self,
        unlabelled: &[(Vector, f64)],
        counts: &VectorCounts,
        fit: &mut FitReport,
        held: &dyn Fn(&Vector) -> Option<bool>,
    ) {
        let total: f64 = unlabelled.iter().map(|(_, n)| n).sum();
        fit.converged = false;
        for iteration in 1..=MAX_ITERATIONS {
            let mut m_counts: Vec<Vec<f64>> = (0..FIELD_COUNT)
                .map(|f| vec![SMOOTHING; LEVELS[f].len()])
                .collect();
            // The compared pairs' u starts from the random pairs' as a prior worth
            // `U_PRIOR_PAIRS` pairs: where few compared pairs are non-matches, it stays near it.
            let mut u_counts = counts_from_prior(&self.u_random);
            let mut expected_matches = 0.0;
            let mut tally = |v: &Vector, match_weight: f64, non_match_weight: f64| {
                for f in 0..FIELD_COUNT {
                    if v[f] != MISSING {
                        let l = v[f] as usize - 1;
                        m_counts[f][l] += match_weight;
                        u_counts[f][l] += non_match_weight;
                    }
                }
            };
            for (v, n) in unlabelled {
                let p = match held(v) {
                    Some(true) => 1.0,
                    Some(false) => 0.0,
                    None => self.posterior_among_compared(v),
                };
                expected_matches += p * n;
                tally(v, p * n, (1.0 - p) * n);
            }
            for (v, n) in &counts.matches {
                tally(v, *n as f64, 0.0);
            }
            for (v, n) in &counts.non_matches {
                tally(v, 0.0, *n as f64);
            }
            let lambda = if total > 0.0 {
                (expected_matches / total).clamp(LAMBDA_FLOOR, 1.0 - LAMBDA_FLOOR)
            } else {
                self.lambda
            };
            let m: Vec<Vec<f64>> = m_counts.into_iter().map(normalise).collect();
            let u: Vec<Vec<f64>> = u_counts.into_iter().map(normalise).collect();
            let change = (lambda - self.lambda).abs().max(max_change(&self.m, &m));
            self.lambda = lambda;
            self.m = m;
            self.u = u;
            fit.iterations = iteration;
            if change < TOLERANCE {
                fit.converged = true;
                break;
            }
        }
    }

    /// Whether the class EM calls one person has two different given names more often than
    /// one, or than the pairs a personal identifier links (see
    /// `linked_pairs_differing_in_given_name`), or, where few or none link (a file of
    /// names and addresses), than one person's records have in any file measured: then it
    /// holds relatives.
    fn one_person_has_two_given_names(&self, unlabelled: &[(Vector, f64)]) -> bool {
        let first = &self.m[field::FIRST];
        let different = first[different_level(field::FIRST) as usize - 1];
        let linked = linked_pairs_differing_in_given_name(unlabelled);
        different > first[0] || different > linked.min(MOST_GIVEN_NAMES_DIFFER)
    }

    /// Whether the class EM calls one person gives two street addresses more often than
    /// the pairs a personal email or phone links do (see `linked_pairs_at_two_addresses`):
    /// then it holds namesakes.
    fn one_person_lives_at_two_addresses(&self, unlabelled: &[(Vector, f64)]) -> bool {
        let address = &self.m[field::ADDRESS];
        address[different_level(field::ADDRESS) as usize - 1]
            > linked_pairs_at_two_addresses(unlabelled)
    }

    /// How often two people share a mailbox name spelled from their names at two domains,
    /// among the compared pairs whose given name and surname agree: only such pairs can,
    /// so against all compared pairs the level would count the names a second time. Their
    /// class is read from every field but the email.
    fn weigh_a_mailbox_of_names_among_namesakes(&mut self, unlabelled: &[(Vector, f64)]) {
        let email = field::EMAIL;
        let mut counts = vec![SMOOTHING; LEVELS[email].len()];
        for (v, n) in unlabelled
            .iter()
            .filter(|(v, _)| v[field::FIRST] == 1 && v[field::LAST] == 1 && v[email] != MISSING)
        {
            let mut without_email = *v;
            without_email[email] = MISSING;
            let two_people = 1.0 - self.posterior_among_compared(&without_email);
            counts[v[email] as usize - 1] += two_people * n;
        }
        let total: f64 = counts.iter().sum();
        if total >= MIN_SUBSET_PAIRS {
            let l = NAMES_AT_ANOTHER_DOMAIN_LEVEL as usize - 1;
            self.u[email][l] = counts[l] / total;
        }
    }

    /// How much less a given name says when one record names a generation (Jr) and the
    /// other none. Random pairs of one given name are strangers, who name a generation as
    /// often as anyone; the father and son it tells apart are among the compared pairs, at
    /// one home. So the level's `u` is the random pairs' chance of one given name times the
    /// share of the compared non-matches of one given name that name a generation on one
    /// record only (the donor file: +6.56 bits against +7.93 with random pairs alone).
    fn weigh_a_generation_among_namesakes(&mut self) {
        let first = field::FIRST;
        let (exact, on_one) = (0, GENERATION_ON_ONE_LEVEL as usize - 1);
        let among_namesakes =
            self.u[first][on_one] / (self.u[first][on_one] + self.u[first][exact]);
        self.u_random[first][on_one] = self.u_random[first][exact] * among_namesakes;
    }

    /// Whether the class EM calls two people shares a personal email or phone exactly more
    /// often than two people do (`SHARED_BY_TWO`): then it holds one person's records. A
    /// field too few of that class's pairs hold in both records (a file without phones,
    /// whose estimates are their starting guesses) says nothing.
    fn two_people_share_identifiers(&self, unlabelled: &[(Vector, f64)]) -> bool {
        [field::EMAIL, field::PHONE].into_iter().any(|f| {
            self.u[f][0] > SHARED_BY_TWO
                && self.comparable_in_class(unlabelled, f, false) >= MIN_COMPARABLE_PAIRS
        })
    }

    /// Whether EM's "one person" class shares no identifier both records hold: on every
    /// identifier that enough of its pairs hold in both records (and at least one), it
    /// agrees, exactly or but for a typo, less than `NEVER_SHARED` of the time.
    fn one_person_shares_no_identifier(&self, unlabelled: &[(Vector, f64)]) -> bool {
        let telling: Vec<usize> = IDENTIFIERS
            .into_iter()
            .filter(|&f| self.comparable_in_class(unlabelled, f, true) >= MIN_COMPARABLE_PAIRS)
            .collect();
        let shared = |f: usize| -> f64 {
            (sharing_levels(f).iter())
                .filter_map(|&name| (level_named(f, name) as usize).checked_sub(1))
                .map(|l| self.m[f][l])
                .sum()
        };
        !telling.is_empty() && telling.iter().all(|&f| shared(f) < NEVER_SHARED)
    }

    /// How many compared pairs of EM's class of one person (`matches`) or of two people
    /// hold field `f` in both records, as EM counts them (by their posterior).
    fn comparable_in_class(&self, unlabelled: &[(Vector, f64)], f: usize, matches: bool) -> f64 {
        unlabelled
            .iter()
            .filter(|(v, _)| v[f] != MISSING)
            .map(|(v, n)| {
                let p = self.posterior_among_compared(v);
                n * if matches { p } else { 1.0 - p }
            })
            .sum()
    }

    /// How often one person's records agree on an email, a phone and a birth date, learned
    /// again among the compared pairs that share both names and the ZIP, where nearly every
    /// pair is one person (as Splink estimates a comparison's `m` on pairs blocked by other
    /// fields). Over all compared pairs EM settles where one person's records seldom differ
    /// on an email or phone: in a large file a pair with only names and a ZIP besides loses
    /// its match to the prior, and with it the evidence that people have two addresses.
    /// The street address and the city are left out of the evidence there, as the names
    /// and ZIP are: the pairs of one name at one home are a person's two records or a father
    /// and his son, and an address weighed as strangers share one (+14 bits) took the son
    /// for the father and taught that one person's birth dates, emails and phones differ
    /// (the bilingual file: m(birth dates differ) 0.087 against a true 0; now 0.005, and
    /// m(emails differ) 0.034 against a true 0.033; the generated 200k 0.069 against 0.067).
    fn estimate_m_where_names_agree(&mut self, unlabelled: &[(Vector, f64)]) {
        const GIVEN: [usize; 5] = [
            field::FIRST,
            field::LAST,
            field::ZIP,
            field::ADDRESS,
            field::CITY,
        ];
        let subset: Vec<&(Vector, f64)> = unlabelled
            .iter()
            .filter(|(v, _)| {
                matches!(v[field::FIRST], 1 | 2) && v[field::LAST] == 1 && v[field::ZIP] == 1
            })
            .collect();
        let pairs: f64 = subset.iter().map(|(_, n)| n).sum();
        if pairs < MIN_SUBSET_PAIRS {
            return;
        }
        let (mut m, mut lambda) = (self.m.clone(), 0.9_f64);
        for _ in 0..MAX_ITERATIONS {
            let mut m_counts: Vec<Vec<f64>> = (0..FIELD_COUNT)
                .map(|f| vec![SMOOTHING; LEVELS[f].len()])
                .collect();
            let mut expected = 0.0;
            for (v, n) in &subset {
                let mut odds = (lambda / (1.0 - lambda)).log2();
                for f in (0..FIELD_COUNT).filter(|f| !GIVEN.contains(f) && v[*f] != MISSING) {
                    let l = v[f] as usize - 1;
                    odds += (m[f][l] / self.u_random[f][l]).log2();
                }
                let p = probability(odds);
                expected += p * n;
                for f in (0..FIELD_COUNT).filter(|f| v[*f] != MISSING) {
                    m_counts[f][v[f] as usize - 1] += p * n;
                }
            }
            let next: Vec<Vec<f64>> = m_counts.into_iter().map(normalise).collect();
            let next_lambda = (expected / pairs).clamp(LAMBDA_FLOOR, 1.0 - LAMBDA_FLOOR);
            let change = (next_lambda - lambda).abs().max(max_change(&m, &next));
            (m, lambda) = (next, next_lambda);
            if change < TOLERANCE {
                break;
            }
        }
        // Only identifiers whose agreement does not follow from the names and ZIP (an
        // address or city does). "Shared by a household" never occurs where the given
        // names agree: it keeps its share, and the other levels share the rest.
        for f in [field::EMAIL, field::PHONE, field::DOB] {
            let household = household_level(f).map(|l| l as usize - 1);
            let kept = household.map_or(0.0, |h| self.m[f][h]);
            let others: Vec<usize> = (0..m[f].len()).filter(|l| Some(*l) != household).collect();
            let learned: f64 = others.iter().map(|&l| m[f][l]).sum();
            for l in others {
                self.m[f][l] = m[f][l] / learned * (1.0 - kept);
            }
        }
    }

    /// The fields that follow an address, learned among the compared pairs that share one.
    /// `u` comes from the pairs a household shares an address in (two different given
    /// names at one address: two people by construction, whose city and ZIP agree as any
    /// two of one home's people's do); `m` and the share of matches by EM among the pairs
    /// at one address whose names do not say two people, with that `u` held (EM left to
    /// find `u` there too calls nearly all of them one person: a household's two Roberts
    /// look like one Robert on every field that follows the address). Both start from the
    /// whole file's, worth `U_PRIOR_PAIRS` pairs; the other fields keep the whole file's
    /// weights among compared pairs. Stewards' labels keep their class.
    fn estimate_given_address(
        &self,
        unlabelled: &[(Vector, f64)],
        counts: &VectorCounts,
    ) -> Option<GivenAddress> {
        let household = household_level(field::ADDRESS)?;
        let tally = |into: &mut Vec<Vec<f64>>, v: &Vector, n: f64| {
            for f in FOLLOW_THE_ADDRESS.into_iter().filter(|&f| v[f] != MISSING) {
                into[f][v[f] as usize - 1] += n;
            }
        };
        let mut u_counts = counts_from_prior(&self.u_random);
        let mut households = 0.0;
        for (v, n) in unlabelled
            .iter()
            .filter(|(v, _)| v[field::ADDRESS] == household)
        {
            tally(&mut u_counts, v, *n);
            households += n;
        }
        let shares_address = shares_street_address;
        let mut subset: Vec<(Vector, f64, Option<f64>)> = unlabelled
            .iter()
            .filter(|(v, _)| shares_address(v))
            .map(|(v, n)| (*v, *n, None))
            .collect();
        let pairs: f64 = subset.iter().map(|(_, n, _)| n).sum();
        if pairs < MIN_SUBSET_PAIRS || households < MIN_SUBSET_PAIRS {
            return None;
        }
        for (map, class) in [(&counts.matches, 1.0), (&counts.non_matches, 0.0)] {
            subset.extend(
                map.iter()
                    .filter(|(v, _)| shares_address(v))
                    .map(|(v, n)| (*v, *n as f64, Some(class))),
            );
        }
        let u: Vec<Vec<f64>> = u_counts.into_iter().map(normalise).collect();
        let (mut m, mut lambda) = (self.m.clone(), 0.5_f64);
        for _ in 0..MAX_ITERATIONS {
            let mut m_counts = counts_from_prior(&self.m);
            let mut expected = 0.0;
            for (v, n, class) in &subset {
                let p = class.unwrap_or_else(|| {
                    let mut odds = (lambda / (1.0 - lambda)).log2();
                    for f in (0..FIELD_COUNT).filter(|&f| f != field::ADDRESS && v[f] != MISSING) {
                        let l = v[f] as usize - 1;
                        odds += if FOLLOW_THE_ADDRESS.contains(&f) {
                            (m[f][l] / u[f][l]).log2()
                        } else {
                            (self.m[f][l] / self.u[f][l]).log2()
                        };
                    }
                    probability(odds)
                });
                if class.is_none() {
                    expected += p * n;
                }
                tally(&mut m_counts, v, p * n);
            }
            let next_m: Vec<Vec<f64>> = m_counts.into_iter().map(normalise).collect();
            let next_lambda = (expected / pairs).clamp(LAMBDA_FLOOR, 1.0 - LAMBDA_FLOOR);
            let change = (next_lambda - lambda).abs().max(max_change(&m, &next_m));
            (m, lambda) = (next_m, next_lambda);
            if change < TOLERANCE {
                break;
            }
        }
        Some(GivenAddress {
            pairs,
            lambda,
            m,
            u,
        })
    }

    /// `m` of the fields that follow an address among the pairs whose street addresses
    /// differ: one person at two addresses has moved, and where a file's people move out
    /// of town a shared ZIP beside two addresses is seldom one person's (generated 200k:
    /// 2 % of one person's such pairs share the ZIP, against 94 % of those without
    /// addresses; the donor file 46 % and 95 %). Over all pairs the ZIP weighs as if the
    /// addresses had said nothing: two namesakes at two addresses in one ZIP scored 0.85 and
    /// were one person 59 % of the time. Counted among such pairs that share a personal
    /// email or phone exactly (nearly all one person's, and compared whatever their ZIPs),
    /// and the stewards' approved pairs: EM there, where nearly every pair is two people,
    /// takes namesakes in the next ZIP as one person and teaches their ZIPs (the donor
    /// file: a share of 0.0045 one person's, against a true 0.0011). `u` is the random
    /// pairs': two people's addresses almost always differ.
    fn estimate_apart_address(
        &self,
        unlabelled: &[(Vector, f64)],
        counts: &VectorCounts,
    ) -> Option<GivenAddress> {
        let different = different_level(field::ADDRESS);
        let one_person = |v: &Vector| {
            v[field::ADDRESS] == different && (v[field::EMAIL] == 1 || v[field::PHONE] == 1)
        };
        let approved = counts.matches.iter().map(|(v, n)| (*v, *n as f64));
        let pairs: Vec<(Vector, f64)> = unlabelled
            .iter()
            .copied()
            .filter(|(v, _)| one_person(v))
            .chain(approved.filter(|(v, _)| v[field::ADDRESS] == different))
            .collect();
        let found: f64 = pairs.iter().map(|(_, n)| n).sum();
        if found < MIN_SUBSET_PAIRS {
            return None;
        }
        let mut m_counts = counts_from_prior(&self.m);
        for (v, n) in &pairs {
            for f in FOLLOW_THE_ADDRESS.into_iter().filter(|&f| v[f] != MISSING) {
                m_counts[f][v[f] as usize - 1] += n;
            }
        }
        Some(GivenAddress {
            pairs: found,
            lambda: 1.0,
            m: m_counts.into_iter().map(normalise).collect(),
            u: self.u_random.clone(),
        })
    }

    /// Learn `one_system` after the fit: per system, its share of the expected matches
    /// among compared pairs (EM's posterior, and the stewards' approved pairs) against its
    /// share of random pairs (from `records_by_system`, each system's record count). A file
    /// of one system keeps none: every pair is of one system, and says nothing.
    pub fn learn_systems(&mut self, counts: &VectorCounts, records_by_system: &[(String, u64)]) {
        self.one_system.clear();
        let records: f64 = records_by_system.iter().map(|(_, n)| *n as f64).sum();
        if records_by_system.len() < 2 || records < 2.0 {
            return;
        }
        let expected = |n: u64, v: &Vector| n as f64 * self.posterior_among_compared(v);
        let approved: u64 = counts.matches.values().sum();
        let matches = approved as f64
            + (counts.unlabelled.iter())
                .map(|(v, n)| expected(*n, v))
                .sum::<f64>();
        let mut within: HashMap<u32, f64> = HashMap::new();
        for ((system, v), n) in &counts.within_system {
            *within.entry(*system).or_default() += expected(*n, v);
        }
        for (system, n) in &counts.matches_within_system {
            *within.entry(*system).or_default() += *n as f64;
        }
        for (system, n) in records_by_system {
            let n = *n as f64;
            let m = (within.get(&system_id(system)).copied().unwrap_or(0.0) + SMOOTHING)
                / (matches + SMOOTHING);
            let u = n * (n - 1.0) / (records * (records - 1.0));
            if u > 0.0 {
                self.one_system.push(SystemShare {
                    system: system.clone(),
                    m: m.min(1.0),
                    u,
                });
            }
        }
    }

    /// P(match | vector) among the compared pairs, as EM sees a pair.
    fn posterior_among_compared(&self, v: &Vector) -> f64 {
        let mut total = (self.lambda / (1.0 - self.lambda)).log2();
        for (f, &level) in v.iter().enumerate() {
            if level != MISSING {
                let l = level as usize - 1;
                total += (self.m[f][l] / self.u[f][l]).log2();
            }
        }
        probability(total)
    }
}

fn max_change(a: &[Vec<f64>], b: &[Vec<f64>]) -> f64 {
    a.iter()
        .flatten()
        .zip(b.iter().flatten())
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// Vectors drawn from known m and u: EM, told nothing of which is which, gets them back.
    #[test]
    fn em_recovers_known_match_and_non_match_probabilities() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let true_m: Vec<Vec<f64>> = (0..FIELD_COUNT)
            .map(initial_m)
            .map(|m| {
                // A different truth from the starting point.
                let mut m = m;
                m[0] = (m[0] + 0.12).min(0.95);
                normalise(m)
            })
            .collect();
        let true_u: Vec<Vec<f64>> = strangers_seldom_share_identifiers(
            (0..FIELD_COUNT)
                .map(|f| {
                    let n = LEVELS[f].len();
                    let different = different_level(f) as usize;
                    normalise(
                        (1..=n)
                            .map(|l| {
                                if l == different {
                                    0.8
                                } else {
                                    0.2 / (n - 1) as f64
                                }
                            })
                            .collect(),
                    )
                })
                .collect(),
        );
        let mut counts = VectorCounts::default();
        let mut random = Vec::new();
        for i in 0..200_000 {
            let is_match = i % 10 == 0; // lambda 0.1
            let probabilities = if is_match { &true_m } else { &true_u };
            let mut v = [MISSING; FIELD_COUNT];
            for f in 0..FIELD_COUNT {
                v[f] = draw(&mut rng, &probabilities[f]);
            }
            counts.add(v);
            if !is_match {
                random.push(v);
            }
        }
        let fit = FitReport {
            records: 1000,
            ..FitReport::default()
        };
        let model = MatchModel::fit(&counts, random_u(&random), fit);
        // 20,000 matches among the 499,500 pairs of 1,000 records.
        assert!((model.lambda_random - 20_000.0 / 499_500.0).abs() < 0.002);
        assert!(model.fit.converged);
        assert!(
            (model.lambda - 0.1).abs() < 0.005,
            "lambda {}",
            model.lambda
        );
        // A mailbox spelled from the names at two domains is weighed among the few pairs
        // whose names agree (`weigh_a_mailbox_of_names_among_namesakes`), not all of them.
        let among_namesakes = (field::EMAIL, NAMES_AT_ANOTHER_DOMAIN_LEVEL as usize - 1);
        for f in 0..FIELD_COUNT {
            for l in 0..LEVELS[f].len() {
                assert!((model.m[f][l] - true_m[f][l]).abs() < 0.02, "m[{f}][{l}]");
                if (f, l) != among_namesakes {
                    assert!((model.u[f][l] - true_u[f][l]).abs() < 0.01, "u[{f}][{l}]");
                }
            }
        }
    }

    /// A small file of one city: no pair, compared or random, shows a city that differs or
    /// is mistyped, so those levels' m (over a few hundred matches) and u (over fifty
    /// thousand random pairs) are smoothing alone.
    #[test]
    fn a_level_no_pair_of_the_file_shows_weighs_nothing() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let one_person = population([1; FIELD_COUNT], 0.85);
        let strangers = strangers_seldom_share_identifiers(population(
            std::array::from_fn(|f| different_level(f).max(1)),
            0.9,
        ));
        let in_one_city = |mut v: Vector| {
            v[field::CITY] = 1;
            v
        };
        let mut counts = VectorCounts::default();
        for i in 0..800 {
            let kind = if i % 3 == 0 { &one_person } else { &strangers };
            counts.add(in_one_city(draw_vector(&mut rng, kind)));
        }
        let random: Vec<Vector> = (0..50_000)
            .map(|_| in_one_city(draw_vector(&mut rng, &strangers)))
            .collect();
        let fit = FitReport {
            records: 500,
            ..FitReport::default()
        };
        let model = MatchModel::fit(&counts, random_u(&random), fit);
        let city = field::CITY;
        for level in 2..=LEVELS[city].len() as u8 {
            let l = level as usize - 1;
            let raw = (model.m[city][l] / model.u_scored(city, level)).log2();
            assert!(
                raw > 5.0,
                "smoothing alone weighs level {level} {raw:+.1} bits"
            );
            assert!(!model.level_shown(city, level));
            assert_eq!(model.weight(city, level), 0.0);
        }
        // The levels the file shows weigh as learned.
        assert!(model.level_shown(city, 1));
        assert!(model.weight(field::FIRST, 1) > 3.0);
        assert!(model.weight(field::FIRST, different_level(field::FIRST)) < -3.0);
    }

    /// Level probabilities for a simulated population: `favoured` level of each field
    /// (by field) gets `share`, the others split the rest.
    /// Two people's level probabilities as every file measured shows them: they share a
    /// personal email or phone exactly almost never (at most 0.0004 of compared pairs).
    fn strangers_seldom_share_identifiers(mut p: Vec<Vec<f64>>) -> Vec<Vec<f64>> {
        for f in [field::EMAIL, field::PHONE] {
            if let Some(exact) = p[f].first_mut() {
                *exact = 0.0002;
                p[f] = normalise(std::mem::take(&mut p[f]));
            }
        }
        p
    }

    fn population(favoured: [u8; FIELD_COUNT], share: f64) -> Vec<Vec<f64>> {
        (0..FIELD_COUNT)
            .map(|f| {
                // These files give no sex or middle name (an empty row: a field neither
                // record has).
                if f == field::GENDER || f == field::MIDDLE {
                    return Vec::new();
                }
                let n = LEVELS[f].len();
                (1..=n)
                    .map(|l| match l as u8 == favoured[f] {
                        true => share,
                        false => (1.0 - share) / (n - 1) as f64,
                    })
                    .collect()
            })
            .collect()
    }

    /// A comparison vector drawn from a population's level probabilities by field (an
    /// empty row: a field neither record has).
    fn draw_vector(rng: &mut rand_chacha::ChaCha8Rng, population: &[Vec<f64>]) -> Vector {
        std::array::from_fn(|f| match population[f].is_empty() {
            true => MISSING,
            false => draw(rng, &population[f]),
        })
    }

    fn draw(rng: &mut rand_chacha::ChaCha8Rng, p: &[f64]) -> u8 {
        let x: f64 = rng.random();
        let mut acc = 0.0;
        for (i, q) in p.iter().enumerate() {
            acc += q;
            if x < acc {
                return i as u8 + 1;
            }
        }
        p.len() as u8
    }

    /// The model fitted on 100,000 vectors: one person's (10 %), `relatives`' in the given
    /// share, strangers' the rest (their vectors are the random pairs too). A relatives'
    /// empty row is a field neither record has; comparing gives a home's level only under
    /// two given names.
    fn fitted_with_relatives(seed: u64, relatives: &[Vec<f64>], share: f64) -> MatchModel {
        fitted_with(seed, &[(relatives, share)], &[])
    }

    /// As `fitted_with_relatives`, with several kinds of pairs that are two people, each
    /// in its share, in a file whose records hold none of the fields `absent`.
    fn fitted_with(seed: u64, kinds: &[(&[Vec<f64>], f64)], absent: &[usize]) -> MatchModel {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let one_person = population([1; FIELD_COUNT], 0.85);
        let strangers = strangers_seldom_share_identifiers(population(
            std::array::from_fn(|f| different_level(f).max(1)),
            0.9,
        ));
        let (mut counts, mut random) = (VectorCounts::default(), Vec::new());
        for i in 0..100_000 {
            let x = (i % 100) as f64 / 100.0;
            let mut upto = 0.1;
            let kind = match x < upto {
                true => Some(one_person.as_slice()),
                false => kinds.iter().find_map(|(kind, share)| {
                    upto += share;
                    (x < upto).then_some(*kind)
                }),
            };
            let mut v: Vector = draw_vector(&mut rng, kind.unwrap_or(&strangers));
            for &f in absent {
                v[f] = MISSING;
            }
            if shared_by_a_household(&v) {
                v[field::FIRST] = v[field::FIRST].max(ANOTHER_GIVEN_NAME);
            }
            counts.add(v);
            if kind.is_none() {
                random.push(v);
            }
        }
        let fit = FitReport {
            records: 1000,
            ..FitReport::default()
        };
        MatchModel::fit(&counts, random_u(&random), fit)
    }

    /// The class EM calls one person is the tenth that is, with given names that agree.
    fn assert_one_person_is_one_person(model: &MatchModel) {
        assert!((model.lambda - 0.1).abs() < 0.02, "lambda {}", model.lambda);
        let first_differs = model.m[field::FIRST][different_level(field::FIRST) as usize - 1];
        assert!(first_differs < 0.1, "m(first names differ) {first_differs}");
    }

    #[test]
    fn a_households_pairs_outnumbering_one_persons_do_not_become_the_match_class() {
        // One home's two people (15 %): two given names, one surname, the home's address,
        // landline and mailbox.
        let home = |f: usize| household_level(f).unwrap_or(1);
        let different = different_level;
        let one_home = population(
            [
                different(field::FIRST),
                1,
                different(field::DOB),
                home(field::EMAIL),
                home(field::PHONE),
                home(field::ADDRESS),
                1,
                1,
                MISSING,
                MISSING,
                1,
            ],
            0.85,
        );
        let model = fitted_with_relatives(3, &one_home, 0.15);
        assert_one_person_is_one_person(&model);
        let a_home = [
            different(field::FIRST),
            1,
            0,
            0,
            home(field::PHONE),
            home(field::ADDRESS),
            1,
            1,
            MISSING,
            MISSING,
            1,
        ];
        assert!(model.posterior_among_compared(&a_home) < 0.01);
    }

    #[test]
    fn relatives_sharing_only_a_surname_and_zip_do_not_become_the_match_class() {
        // Relatives (25 %) with two given names and nothing personal in common: a surname
        // and a ZIP, emails that differ, no home the records show.
        let mut relatives = population(
            [
                different_level(field::FIRST),
                1,
                MISSING,
                different_level(field::EMAIL),
                MISSING,
                MISSING,
                1,
                1,
                MISSING,
                MISSING,
                1,
            ],
            0.95,
        );
        for f in [field::DOB, field::PHONE, field::ADDRESS] {
            relatives[f] = Vec::new();
        }
        let model = fitted_with_relatives(5, &relatives, 0.25);
        assert_one_person_is_one_person(&model);
        assert!(model.fit.held_two_given_names_apart);
        assert!(
            !model.fit.no_identifier_shared,
            "one person's records share emails"
        );
    }

    #[test]
    fn namesakes_at_two_addresses_do_not_become_the_match_class() {
        // Namesakes (40 %): a common surname and a common given name in one ZIP, at two
        // addresses, with no email, phone or birth date both records give.
        let mut namesakes = population(
            [
                1,
                1,
                MISSING,
                MISSING,
                MISSING,
                different_level(field::ADDRESS),
                1,
                1,
                MISSING,
                MISSING,
                1,
            ],
            0.95,
        );
        for f in [field::DOB, field::EMAIL, field::PHONE] {
            namesakes[f] = Vec::new();
        }
        let model = fitted_with_relatives(7, &namesakes, 0.4);
        assert!(model.fit.held_two_addresses_apart);
        assert_one_person_is_one_person(&model);
        let apart = model.m[field::ADDRESS][different_level(field::ADDRESS) as usize - 1];
        assert!(apart < 0.1, "m(addresses differ) {apart}");
    }

    #[test]
    fn strangers_born_on_one_day_do_not_hide_relatives_in_the_match_class() {
        // Relatives as above, fewer than one person's pairs (6 %), and strangers the `birth`
        // key compares (10 %): one birth date, nothing else alike. A birth date alone linked
        // them as one person's records with two given names, and EM's relatives went
        // unnoticed (a British file of 20,000 people without phones: precision 0.67).
        let relatives_row = |f: usize| match f {
            field::FIRST => different_level(f),
            field::EMAIL => different_level(f),
            field::LAST | field::CITY | field::ZIP | field::SOURCE => 1,
            _ => MISSING,
        };
        let born_on_one_day_row = |f: usize| match f {
            field::DOB => 1,
            field::GENDER | field::MIDDLE => MISSING,
            _ => different_level(f),
        };
        let kind = |row: &dyn Fn(usize) -> u8| {
            let mut p = population(std::array::from_fn(row), 0.95);
            for (f, levels) in p.iter_mut().enumerate() {
                if row(f) == MISSING {
                    levels.clear();
                }
            }
            p
        };
        let (relatives, born_on_one_day) = (kind(&relatives_row), kind(&born_on_one_day_row));
        let model = fitted_with(7, &[(&relatives, 0.06), (&born_on_one_day, 0.1)], &[]);
        assert_one_person_is_one_person(&model);
        assert!(model.fit.held_two_given_names_apart);
    }

    #[test]
    fn relatives_are_found_in_a_file_that_links_no_pair_by_an_identifier() {
        // Names and a home only: no email, phone or birth date links any pair, so the file
        // cannot say how often one person's given names differ. Relatives sharing a
        // surname and ZIP, fewer than one person's pairs (7 %), still do not become them.
        let relatives_row = |f: usize| match f {
            field::FIRST => different_level(f),
            field::LAST | field::CITY | field::ZIP | field::SOURCE => 1,
            _ => MISSING,
        };
        let mut relatives = population(std::array::from_fn(relatives_row), 0.95);
        for (f, levels) in relatives.iter_mut().enumerate() {
            if relatives_row(f) == MISSING {
                levels.clear();
            }
        }
        let identifiers = [field::EMAIL, field::PHONE, field::DOB];
        let model = fitted_with(11, &[(&relatives, 0.07)], &identifiers);
        assert_one_person_is_one_person(&model);
        assert!(model.fit.held_two_given_names_apart);
    }

    #[test]
    fn a_mailbox_spelled_from_the_names_at_two_domains_is_weighed_among_namesakes() {
        // Namesakes (10 %: both names, another birth date) have mailboxes of their own, one
        // in five spelled as the other's names are; one person's records share an email or
        // seldom do that. Against all compared pairs, most of whose names differ, the level
        // would count the names a second time; among the pairs whose names agree it says
        // two people.
        let names_alone = NAMES_AT_ANOTHER_DOMAIN_LEVEL;
        let mut namesakes = population(
            std::array::from_fn(|f| match f {
                field::FIRST | field::LAST | field::SOURCE => 1,
                _ => different_level(f).max(1),
            }),
            0.95,
        );
        for f in [field::PHONE, field::ADDRESS, field::CITY, field::ZIP] {
            namesakes[f].clear();
        }
        let mut email = vec![0.0; LEVELS[field::EMAIL].len()];
        email[names_alone as usize - 1] = 0.2;
        email[different_level(field::EMAIL) as usize - 1] = 0.8;
        namesakes[field::EMAIL] = email;
        let model = fitted_with(13, &[(&namesakes, 0.1)], &[]);
        let weight = model.weight(field::EMAIL, names_alone);
        assert!(weight < 0.0, "{weight}");
        let different = model.weight(field::EMAIL, different_level(field::EMAIL));
        assert!(weight > different, "less against than two mailbox names");
    }

    /// A file where nobody is twice (an email platform alone): namesakes and relatives whose
    /// names agree and whose emails never do (20 %), strangers the rest; every record has an
    /// email and a ZIP, nothing else.
    fn fitted_on_a_file_with_nobody_twice(seed: u64) -> MatchModel {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        // Two records' emails never agree: each is a different person's.
        let only_email_and_zip = |mut p: Vec<Vec<f64>>| {
            for f in [field::DOB, field::PHONE, field::ADDRESS, field::CITY] {
                p[f] = Vec::new();
            }
            p[field::EMAIL] = (1..=LEVELS[field::EMAIL].len())
                .map(|l| f64::from(u8::from(l as u8 == different_level(field::EMAIL))))
                .collect();
            p
        };
        let different = different_level;
        let namesakes = only_email_and_zip(population(
            [1, 1, 0, different(field::EMAIL), 0, 0, 0, 1, 0, 0, 2],
            0.9,
        ));
        let strangers = only_email_and_zip(population(
            std::array::from_fn(|f| different(f).max(1)),
            0.9,
        ));
        let (mut counts, mut random) = (VectorCounts::default(), Vec::new());
        for i in 0..50_000 {
            let kind = match i % 5 {
                0 => &namesakes,
                _ => &strangers,
            };
            let v: Vector = draw_vector(&mut rng, kind);
            counts.add(v);
            random.push(v);
        }
        let fit = FitReport {
            records: 10_000,
            ..FitReport::default()
        };
        MatchModel::fit(&counts, random_u(&random), fit)
    }

    #[test]
    fn a_file_where_nobody_shares_an_identifier_with_themselves_shows_no_one_twice() {
        let model = fitted_on_a_file_with_nobody_twice(11);
        assert!(model.fit.no_identifier_shared);
        assert_eq!(model.lambda, LAMBDA_FLOOR);
        // Namesakes in one ZIP with two emails: nowhere near one person.
        let different = different_level;
        let namesakes = [1, 1, 0, different(field::EMAIL), 0, 0, 0, 1, 0, 0, 2];
        let score: f64 = model.prior_weight()
            + (0..FIELD_COUNT)
                .map(|f| model.weight(f, namesakes[f]))
                .sum::<f64>();
        assert!(probability(score) < 0.01, "score {}", probability(score));
        // Once a steward approves a pair, the labels say what one person looks like.
        let mut counts = VectorCounts::default();
        counts.add(namesakes);
        counts.matches.insert(namesakes, 1);
        let taught = MatchModel::fit(&counts, model.u_random.clone(), FitReport::default());
        assert!(!taught.fit.no_identifier_shared);
    }

    #[test]
    fn one_persons_records_whose_birth_dates_are_all_mistyped_still_show_one_person() {
        // Blocked on both names and the birth year, in a file whose duplicates carry one error
        // each (RLdata10000): where the names agree, the birth date is a digit off (90 %) or
        // shares the year alone; strangers are random pairs. Names, birth date, one source.
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let names_and_birth = |mut p: Vec<Vec<f64>>| {
            for f in [
                field::EMAIL,
                field::PHONE,
                field::ADDRESS,
                field::CITY,
                field::ZIP,
            ] {
                p[f] = Vec::new();
            }
            p
        };
        let digit_off = level_named(field::DOB, "one digit or day/month swapped");
        let one_person =
            names_and_birth(population([1, 1, digit_off, 0, 0, 0, 0, 0, 0, 0, 2], 0.9));
        let strangers = names_and_birth(population(
            std::array::from_fn(|f| different_level(f).max(1)),
            0.95,
        ));
        let (mut counts, mut random) = (VectorCounts::default(), Vec::new());
        for _ in 0..400 {
            counts.add(draw_vector(&mut rng, &one_person));
        }
        for _ in 0..50_000 {
            random.push(draw_vector(&mut rng, &strangers));
        }
        let fit = FitReport {
            records: 10_000,
            ..FitReport::default()
        };
        let model = MatchModel::fit(&counts, random_u(&random), fit);
        assert!(
            !model.fit.no_identifier_shared,
            "their birth dates nearly agree"
        );
        let mistyped = [1, 1, digit_off, 0, 0, 0, 0, 0, 0, 0, 2];
        let score: f64 = model.prior_weight()
            + (0..FIELD_COUNT)
                .map(|f| model.weight(f, mistyped[f]))
                .sum::<f64>();
        assert!(probability(score) > 0.85, "score {}", probability(score));
    }

    #[test]
    fn one_persons_records_with_corrupted_names_do_not_become_the_two_people_class() {
        // Blocked mostly on their emails, nearly every compared pair is one person: 60 %
        // with their names, 32 % with names replaced or left out (sharing the email, the
        // birth date half the time), 8 % two people. EM's class of two people once took the
        // second group, and a shared email weighed +0.1 bits.
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(13);
        let only = |level: u8, n: usize| -> Vec<f64> {
            (1..=n)
                .map(|l| f64::from(u8::from(l as u8 == level)))
                .collect()
        };
        let different = different_level;
        let n = |f: usize| LEVELS[f].len();
        let person = |first: Vec<f64>, last: Vec<f64>, dob: Vec<f64>, email: Vec<f64>| {
            let mut p: Vec<Vec<f64>> = vec![Vec::new(); FIELD_COUNT];
            p[field::FIRST] = first;
            p[field::LAST] = last;
            p[field::DOB] = dob;
            p[field::EMAIL] = email;
            p[field::SOURCE] = only(2, n(field::SOURCE));
            p
        };
        let half = |a: u8, b: u8, len: usize| -> Vec<f64> {
            (1..=len)
                .map(|l| 0.5 * f64::from(u8::from(l as u8 == a) + u8::from(l as u8 == b)))
                .collect()
        };
        let clean = person(
            only(1, n(field::FIRST)),
            only(1, n(field::LAST)),
            half(1, 1, n(field::DOB)),
            only(1, n(field::EMAIL)),
        );
        let corrupted = person(
            only(different(field::FIRST), n(field::FIRST)),
            only(different(field::LAST), n(field::LAST)),
            half(1, different(field::DOB), n(field::DOB)),
            only(1, n(field::EMAIL)),
        );
        let strangers = person(
            only(different(field::FIRST), n(field::FIRST)),
            only(different(field::LAST), n(field::LAST)),
            only(different(field::DOB), n(field::DOB)),
            only(different(field::EMAIL), n(field::EMAIL)),
        );
        let (mut counts, mut random) = (VectorCounts::default(), Vec::new());
        for i in 0..20_000 {
            let kind = match i % 100 {
                0..60 => &clean,
                60..92 => &corrupted,
                _ => &strangers,
            };
            let v: Vector = draw_vector(&mut rng, kind);
            counts.add(v);
        }
        for _ in 0..20_000 {
            random.push(draw_vector(&mut rng, &strangers));
        }
        let fit = FitReport {
            records: 20_000,
            ..FitReport::default()
        };
        let model = MatchModel::fit(&counts, random_u(&random), fit);
        assert!(model.fit.held_identifiers_as_one_person);
        assert!(
            (model.lambda - 0.92).abs() < 0.02,
            "lambda {}",
            model.lambda
        );
        assert!(model.u[field::EMAIL][0] < SHARED_BY_TWO);
        assert!(model.weight(field::EMAIL, 1) > 5.0);
        // The same file without emails or phones (as FEBRL's and Wikidata's): those fields'
        // estimates are EM's starting guesses, which say nothing, and EM runs once.
        let mut without = VectorCounts::default();
        for (v, n) in &counts.unlabelled {
            let mut v = *v;
            v[field::EMAIL] = MISSING;
            *without.unlabelled.entry(v).or_default() += n;
        }
        let model = MatchModel::fit(&without, random_u(&random), FitReport::default());
        assert!(!model.fit.held_identifiers_as_one_person);
    }

    #[test]
    fn a_generation_on_one_record_is_weighed_against_the_compared_namesakes() {
        let first = field::FIRST;
        let (exact, on_one) = (0, GENERATION_ON_ONE_LEVEL as usize - 1);
        let mut model = MatchModel::untrained();
        // One person's records of one name: Jr on one of them 0.6 % of the time; strangers
        // of one name (random pairs) as often.
        model.m[first][exact] = 0.85;
        model.m[first][on_one] = 0.005;
        model.u_random[first][exact] = 0.004;
        model.u_random[first][on_one] = 0.004 * 0.006;
        // Among the compared pairs of one name that are two people: a father and son, 5 %.
        model.u[first][exact] = 0.02;
        model.u[first][on_one] = 0.02 * 0.05 / 0.95;
        let below_exact = |m: &MatchModel| m.weight(first, 1) - m.weight(first, on_one as u8 + 1);
        assert!(below_exact(&model) < 0.5, "random pairs alone tell nothing");
        model.weigh_a_generation_among_namesakes();
        let expected = -(0.005_f64 / 0.85 / 0.05).log2();
        assert!((below_exact(&model) - expected).abs() < 1e-9);
        assert!(below_exact(&model) > 3.0);
    }

    #[test]
    fn given_names_differ_among_linked_pairs_at_most_as_often_as_their_count_allows() {
        let pairs = |first: u8, email: u8, n: f64| {
            let mut v = [MISSING; FIELD_COUNT];
            (v[field::FIRST], v[field::EMAIL]) = (first, email);
            (v, n)
        };
        let different = different_level(field::FIRST);
        // Pairs no personal identifier links say nothing.
        let unlinked = [pairs(different, 4, 500.0), pairs(1, 4, 500.0)];
        assert_eq!(
            linked_pairs_differing_in_given_name(&unlinked),
            f64::INFINITY
        );
        // None of 1,000 linked pairs differs: at most 3 in 1,000 (the rule of three).
        let none = [pairs(1, 1, 1000.0), pairs(different, 4, 5000.0)];
        assert!((linked_pairs_differing_in_given_name(&none) - 0.003).abs() < 1e-12);
        // A tenth differs: a tenth, and three standard errors more.
        let tenth = [pairs(1, 1, 900.0), pairs(different, 1, 100.0)];
        let expected = 0.1 + 3.0 * (0.1f64 * 0.9 / 1000.0).sqrt() + 0.003;
        assert!((linked_pairs_differing_in_given_name(&tenth) - expected).abs() < 1e-12);
    }

    #[test]
    fn how_often_one_persons_emails_differ_is_learned_where_names_and_zip_agree() {
        let mut counts = VectorCounts::default();
        let pair = |first, last, email, phone, zip| {
            let mut v = [MISSING; FIELD_COUNT];
            (v[field::FIRST], v[field::LAST], v[field::EMAIL]) = (first, last, email);
            (v[field::PHONE], v[field::ZIP]) = (phone, zip);
            v
        };
        let (email_differs, phone_differs) = (4, 3);
        let other_zip = different_level(field::ZIP);
        for i in 0..10_000 {
            // Pairs found by a shared email or phone: one person, the email always the same.
            counts.add(pair(1, 2, 1, 1, other_zip));
            // One person in two systems, names, phone and ZIP agreeing: a third with two
            // emails.
            let email = if i % 3 == 0 { email_differs } else { 1 };
            counts.add(pair(1, 1, email, 1, 1));
            // Strangers the blocking brought together.
            for _ in 0..5 {
                counts.add(pair(6, 4, email_differs, phone_differs, 1));
            }
        }
        let random: Vec<Vector> = (0..1000)
            .map(|_| pair(6, 4, email_differs, phone_differs, other_zip))
            .collect();
        let model = MatchModel::fit(&counts, random_u(&random), FitReport::default());
        let m = model.m[field::EMAIL][email_differs as usize - 1];
        assert!((m - 1.0 / 3.0).abs() < 0.03, "m(email differs) {m}");
    }

    /// A father and his son of one name at one home share the address with the names and
    /// ZIP; that address does not make them one person where one person's birth dates,
    /// emails and phones are learned (the bilingual file: m(birth dates differ) 0.087
    /// against a true 0, the father and son weighing +14 bits for their address there).
    #[test]
    fn a_father_and_son_at_one_home_do_not_teach_that_one_persons_birth_dates_differ() {
        let mut counts = VectorCounts::default();
        let pair = |first, dob, email, phone, address, zip| {
            let mut v = [MISSING; FIELD_COUNT];
            (v[field::FIRST], v[field::LAST], v[field::DOB]) = (first, 1, dob);
            (v[field::EMAIL], v[field::PHONE]) = (email, phone);
            (v[field::ADDRESS], v[field::ZIP]) = (address, zip);
            v
        };
        let [dob, email, phone, address, zip] = [
            field::DOB,
            field::EMAIL,
            field::PHONE,
            field::ADDRESS,
            field::ZIP,
        ]
        .map(different_level);
        for i in 0..10_000 {
            // One person's two records: the same birth date, mostly the same email and phone.
            let (e, p) = (
                if i % 10 == 0 { email } else { 1 },
                if i % 8 == 0 { phone } else { 1 },
            );
            counts.add(pair(1, 1, e, p, 1, 1));
            // A father and son of one name at one home, one in five pairs.
            if i % 5 == 0 {
                counts.add(pair(1, dob, email, phone, 1, 1));
            }
            // Strangers the blocking brought together.
            for _ in 0..5 {
                counts.add(pair(6, dob, email, phone, address, 1));
            }
        }
        let random: Vec<Vector> = (0..1000)
            .map(|_| pair(6, dob, email, phone, address, zip))
            .collect();
        let model = MatchModel::fit(&counts, random_u(&random), FitReport::default());
        let m = model.m[field::DOB][dob as usize - 1];
        assert!(m < 0.02, "m(birth dates differ) {m}");
    }

    /// A pair's vector: these levels of first name, email, address and ZIP, the surname
    /// exact, the rest missing.
    fn at_address(first: u8, email: u8, address: u8, zip: u8) -> Vector {
        let mut v = [MISSING; FIELD_COUNT];
        (v[field::FIRST], v[field::LAST], v[field::EMAIL]) = (first, 1, email);
        (v[field::ADDRESS], v[field::ZIP]) = (address, zip);
        v
    }

    #[test]
    fn a_zip_says_nothing_more_where_an_address_is_a_home_and_much_where_it_is_a_street() {
        let pair = |first, address, zip| at_address(first, 4, address, zip);
        let (same_zip, other_zip) = (1, different_level(field::ZIP));
        let household = household_level(field::ADDRESS).unwrap_or(5);
        let fit = |strangers_on_one_street_share_the_zip: bool| {
            let mut counts = VectorCounts::default();
            for i in 0..3_000 {
                // One person's two records at one address.
                counts.add(pair(1, 1, same_zip));
                // Two people at one address: a home (one ZIP), or two houses on one street
                // name in two towns (FEBRL's address has no house number).
                let zip = match strangers_on_one_street_share_the_zip || i % 10 == 0 {
                    true => same_zip,
                    false => other_zip,
                };
                counts.add(pair(6, household, zip));
                // Strangers the blocking brought together.
                counts.add(pair(6, 4, if i % 50 == 0 { same_zip } else { other_zip }));
            }
            let random: Vec<Vector> = (0..1000).map(|_| pair(6, 4, other_zip)).collect();
            MatchModel::fit(&counts, random_u(&random), FitReport::default())
        };
        let homes = fit(true);
        let streets = fit(false);
        let at_address = |m: &MatchModel| m.weight_given_address(field::ZIP, same_zip);
        let (home, street) = (at_address(&homes), at_address(&streets));
        assert!(
            home.is_some_and(|w| w.abs() < 0.5),
            "ZIP at one home: {home:?}"
        );
        assert!(
            street.is_some_and(|w| w > 2.5),
            "ZIP on one street: {street:?}"
        );
        // Elsewhere the ZIP weighs as the whole file learned it.
        assert!(homes.weight(field::ZIP, same_zip) > 2.5);
        assert_eq!(homes.weight_given_address(field::FIRST, 1), None);
    }

    #[test]
    fn a_zip_shared_beside_two_addresses_weighs_as_learned_among_such_pairs() {
        let (same_zip, other_zip) = (1, different_level(field::ZIP));
        let (two_addresses, two_emails) = (
            different_level(field::ADDRESS),
            different_level(field::EMAIL),
        );
        let mut counts = VectorCounts::default();
        for i in 0..3_000 {
            // One person (one email): mostly without an address on one record (one ZIP),
            // sometimes moved, and then out of town nine times in ten.
            counts.add(at_address(1, 1, MISSING, same_zip));
            if i % 5 == 0 {
                let zip = if i % 50 == 0 { same_zip } else { other_zip };
                counts.add(at_address(1, 1, two_addresses, zip));
            }
            // Strangers the blocking brought together, one in twenty in one ZIP.
            let zip = if i % 20 == 0 { same_zip } else { other_zip };
            counts.add(at_address(6, two_emails, two_addresses, zip));
        }
        let random: Vec<Vector> = (0..1000)
            .map(|i| {
                let zip = if i % 20 == 0 { same_zip } else { other_zip };
                at_address(6, two_emails, two_addresses, zip)
            })
            .collect();
        let model = MatchModel::fit(&counts, random_u(&random), FitReport::default());
        let anywhere = model.weight(field::ZIP, same_zip);
        let apart = model.weight_apart_address(field::ZIP, same_zip);
        // Over all pairs: 0.9 of one person's pairs share the ZIP, 0.05 of strangers'.
        assert!(anywhere > 3.0, "ZIP over all pairs: {anywhere}");
        // Beside two addresses 0.1 of one person's do: about one bit.
        assert!(
            apart.is_some_and(|w| (0.0..2.0).contains(&w)),
            "ZIP beside two addresses: {apart:?}, over all pairs {anywhere}"
        );
        assert_eq!(model.weight_apart_address(field::FIRST, 1), None);
    }

    #[test]
    fn a_system_that_holds_nobody_twice_weighs_its_pairs_as_two_people() {
        let agree = [1u8; FIELD_COUNT];
        let differ: Vector = std::array::from_fn(different_level);
        let (crm, email) = (system_id("crm"), system_id("email"));
        let mut counts = VectorCounts::default();
        for i in 0..2_000 {
            // One person's records across the systems, and now and then twice in the CRM.
            counts.add(agree);
            if i % 20 == 0 {
                counts.add_within(crm, agree);
            }
            // Strangers the blocking compared, in either system and across them.
            counts.add(differ);
            counts.add_within(crm, differ);
            counts.add_within(email, differ);
        }
        let random: Vec<Vector> = (0..1000).map(|_| differ).collect();
        let mut model = MatchModel::fit(&counts, random_u(&random), FitReport::default());
        let systems = [("crm".to_string(), 1_000), ("email".to_string(), 1_000)];
        model.learn_systems(&counts, &systems);
        let (in_crm, in_email) = (model.weight_in_system(crm), model.weight_in_system(email));
        // A twentieth of the matches are in the CRM, a quarter of random pairs: -2.3 bits;
        // none in the email platform.
        assert!(
            in_crm.is_some_and(|w| (-3.0..-1.5).contains(&w)),
            "CRM: {in_crm:?}"
        );
        assert!(in_email.is_some_and(|w| w < -8.0), "email: {in_email:?}");
        assert_eq!(model.weight_in_system(system_id("tickets")), None);
        // A file of one system learns none.
        model.learn_systems(&counts, &systems[..1]);
        assert!(model.one_system.is_empty());
    }

    #[test]
    fn a_labelled_rejection_moves_the_estimates() {
        let mut counts = VectorCounts::default();
        let agree = [1u8; FIELD_COUNT];
        let differ: Vector = std::array::from_fn(different_level);
        for _ in 0..50 {
            counts.add(agree);
        }
        for _ in 0..5000 {
            counts.add(differ);
        }
        let u0 = random_u(&[differ]);
        let before = MatchModel::fit(&counts, u0.clone(), FitReport::default());
        let mut rejected = agree;
        rejected[field::FIRST] = different_level(field::FIRST);
        counts.non_matches.insert(rejected, 1);
        let after = MatchModel::fit(&counts, u0, FitReport::default());
        assert_eq!(after.fit.labelled_non_matches, 1);
        assert!(after.u[field::LAST][0] > before.u[field::LAST][0]);
        // An email is weighed against the compared pairs' non-matches: a rejected pair that
        // shared one makes a shared email weaker evidence.
        assert!(after.weight(field::EMAIL, 1) < before.weight(field::EMAIL, 1));
    }
}
