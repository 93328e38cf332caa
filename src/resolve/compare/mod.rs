//! Comparing two source records: the comparison vector (each field's level, see
//! [`super::model`]), the score the learned model gives it, and each field's part of that
//! score (they add up to it). Pure.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::model::{self, FIELD_COUNT, MISSING, Vector, field};
use super::nicknames_seen::NicknamesSeen;
use super::normalize::{is_households_mailbox, is_joint_mailbox};
pub use crate::vocab::record::{Rec, ValueCounts, WHOLE_DATE_LEN, first_token, system_id};

mod comparer;
mod fields;
mod rules;
mod similarity;
mod swap;

pub use comparer::Comparer;
use fields::*;
use rules::*;
pub(crate) use similarity::{email_name_chars, spelled_from_names};
use swap::oriented;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contribution {
    /// Borrowed when computed (no allocation per compared pair), owned when read back.
    pub field: Cow<'static, str>,
    /// 0..1 similarity of the two values.
    pub similarity: f64,
    /// What this field adds to the score (negative when it is evidence against).
    pub contribution: f64,
}

/// A candidate's contributions as the store keeps them: a JSON array of
/// `[field, similarity, contribution]` triples. Still JSON, so `json_each` reads it in SQL.
///
/// Numbers are rounded (similarities to 3 places, contributions to 6: a million candidates
/// with ten rows each are some hundreds of megabytes less to write and hold), and the first
/// row takes up the rounding so that the stored rows still add up to the score.
pub fn encode_contributions(contributions: &[Contribution]) -> Result<String, serde_json::Error> {
    let round = |x: f64, places: i32| {
        let scale = 10f64.powi(places);
        (x * scale).round() / scale
    };
    let mut triples: Vec<(&str, f64, f64)> = contributions
        .iter()
        .map(|c| (&*c.field, round(c.similarity, 3), round(c.contribution, 6)))
        .collect();
    if let Some(first) = triples.first_mut() {
        let total: f64 = contributions.iter().map(|c| c.contribution).sum();
        let rest: f64 = contributions[1..]
            .iter()
            .map(|c| round(c.contribution, 6))
            .sum();
        first.2 = total - rest;
    }
    serde_json::to_string(&triples)
}

/// The contributions `encode_contributions` stored.
pub fn decode_contributions(stored: &str) -> Result<Vec<Contribution>, serde_json::Error> {
    let triples: Vec<(String, f64, f64)> = serde_json::from_str(stored)?;
    Ok(triples
        .into_iter()
        .map(|(field, similarity, contribution)| Contribution {
            field: Cow::Owned(field),
            similarity,
            contribution,
        })
        .collect())
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    pub score: f64,
    /// "email" / "phone" for a deterministic match, "model" for the learned model's.
    pub rule: &'static str,
    pub contributions: Vec<Contribution>,
    /// Two people the data says live together (a household) or differ in name and birth
    /// date: never linked through a chain of other matches in this run.
    pub conflict: bool,
}

/// The contribution row that holds the model's prior: how likely any compared pair is a
/// match before its fields are looked at.
pub const PRIOR: &str = "prior";

/// Both values, when both records have one.
fn both<'a>(a: Option<&'a str>, b: Option<&'a str>) -> Option<(&'a str, &'a str)> {
    a.zip(b)
}

/// A pair's comparison vector and, per field, the similarity shown for it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Comparison {
    pub vector: Vector,
    pub similarity: [f32; FIELD_COUNT],
}

/// `comparison_in` with every nickname pair the table relates taken as one name.
pub fn comparison(a: &Rec, b: &Rec) -> Comparison {
    comparison_in(&NicknamesSeen::All, a, b)
}

/// Compare two records field by field (`b` turned back first when its names are the wrong
/// way round), then set the levels that read several fields at once: what a household
/// shares, one home under two forms of a name, a changed surname. `seen`: the nickname
/// pairs the file shows one person using.
pub fn comparison_in(seen: &NicknamesSeen, a: &Rec, b: &Rec) -> Comparison {
    compare_fields(seen, a, b, true)
}

/// `comparison_in`'s levels alone: a name's likeness, where it only shows (its level
/// decided otherwise), is not computed. Most compared pairs are scored and dropped, and
/// their names' Jaro–Winkler was an eighth of a run.
pub fn levels_in(seen: &NicknamesSeen, a: &Rec, b: &Rec) -> Vector {
    compare_fields(seen, a, b, false).vector
}

/// The comparison, with each field's similarity where `show_similarity` (otherwise a
/// name's is 0 where it would only be shown).
fn compare_fields(seen: &NicknamesSeen, a: &Rec, b: &Rec, show_similarity: bool) -> Comparison {
    let (a, b) = oriented(seen, a, b);
    let (a, b) = (&*a, &*b);
    let mut vector = [MISSING; FIELD_COUNT];
    let mut similarity = [0.0f32; FIELD_COUNT];
    for (f, level) in [
        (field::FIRST, first_name_level(seen, a, b, show_similarity)),
        (field::LAST, last_name_level(a, b, show_similarity)),
        (field::DOB, dob_level(a, b)),
        (field::EMAIL, email_level(a, b)),
        (field::PHONE, phone_level(a, b)),
        (field::ADDRESS, address_level(a, b)),
        (field::CITY, city_level(a, b)),
        (field::ZIP, zip_level(a, b)),
        (field::MIDDLE, middle_name_level(a, b)),
        (field::GENDER, gender_level(a, b)),
        (field::SOURCE, Some(source_level(a, b))),
    ] {
        if let Some((level, s)) = level {
            vector[f] = level;
            similarity[f] = s as f32;
        }
    }
    let joint_mailbox = both(a.email(), b.email())
        .is_some_and(|(x, y)| x == y && is_households_mailbox(x, [a.last(), b.last()]));
    set_household_levels(&mut vector, a, b, joint_mailbox);
    set_one_home_under_two_forms(&mut vector);
    set_surname_changed(&mut vector, joint_mailbox);
    set_gender_beside_the_name(&mut vector);
    set_home_beside_a_generation(&mut vector);
    set_family_mailbox(&mut vector, joint_mailbox);
    Comparison { vector, similarity }
}

#[cfg(test)]
mod tests {
    use super::similarity::jaro_winkler;
    use super::*;
    use crate::resolve::Band;
    use crate::resolve::model::MatchModel;
    use crate::resolve::settings::ResolutionConfig;

    fn config() -> ResolutionConfig {
        ResolutionConfig::shipped()
    }

    /// A record from `source` with these normalised fields ("" = absent).
    fn rec(first: &str, last: &str, email: &str, phone: &str, address: &str, dob: &str) -> Rec {
        let canonical = super::super::normalize::canonical_first(first);
        let values = [
            first, &canonical, last, email, phone, address, "", "chicago", "60614", dob,
        ];
        Rec::new(0, "a".into(), values.map(Some))
    }

    fn from(mut r: Rec, source: &str) -> Rec {
        r.source = source.into();
        r
    }

    #[test]
    fn a_phone_under_another_area_code_is_a_north_american_numbers_level_only() {
        let level = |x: &str, y: &str| {
            let with = |phone: &str| rec("ann", "lee", "", phone, "", "");
            phone_level(&with(x), &with(y)).map(|(level, _)| level)
        };
        let other_area_code = model::level_named(field::PHONE, "same number, other area code");
        let different = model::different_level(field::PHONE);
        assert_eq!(level("3125550101", "7735550101"), Some(other_area_code));
        assert_eq!(level("+442079460958", "+442079460958"), Some(1));
        // "+44" and "+33" before the same digits are two countries' numbers.
        assert_eq!(level("+442079460958", "+332079460958"), Some(different));
        assert_eq!(level("3125550101", "+443125550101"), Some(different));
    }

    #[test]
    fn one_mailbox_name_at_two_domains_is_the_names_alone_where_both_records_spell_it() {
        let level = |a: (&str, &str, &str), b: (&str, &str, &str)| {
            let r = |(first, last, email): (&str, &str, &str)| rec(first, last, email, "", "", "");
            email_level(&r(a), &r(b)).map(|(level, _)| level)
        };
        let names_alone = model::NAMES_AT_ANOTHER_DOMAIN_LEVEL;
        let katie = |email| ("katie", "davies", email);
        assert_eq!(
            level(
                katie("katie.davies@gmail.com"),
                katie("katie_davies@yahoo.com")
            ),
            Some(names_alone)
        );
        assert_eq!(
            level(katie("kdavies@gmail.com"), katie("kdavies@btinternet.com")),
            Some(names_alone)
        );
        // A mailbox name of one's own, or with more than the names, says more.
        assert_eq!(
            level(katie("skydiver77@gmail.com"), katie("skydiver77@yahoo.com")),
            Some(2)
        );
        assert_eq!(
            level(
                katie("katie.davies8@gmail.com"),
                katie("katie.davies8@yahoo.com")
            ),
            Some(2)
        );
        // Spelled from one record's names only: Kate's mailbox under Katie's name.
        assert_eq!(
            level(
                ("kate", "davies", "kate.davies@gmail.com"),
                katie("kate.davies@yahoo.com")
            ),
            Some(2)
        );
    }

    #[test]
    fn the_levels_alone_are_the_comparisons_levels_and_its_similarities_stay() {
        let names = [
            ("michael", "smith"),
            ("micheal", "smith"),
            ("mike", "smyth"),
            ("marc", "jones"),
            ("martha", "johnson"),
            ("robert", "smithe"),
            ("bob", "smith-jones"),
            ("m", "smith"),
            ("michael jr", "smith"),
            ("michael sr", "smith"),
        ];
        let records: Vec<Rec> = names
            .iter()
            .map(|(first, last)| {
                let mut r = rec(first, last, "", "", "1 n clark st", "1980-01-02");
                r.generation = first
                    .ends_with("jr")
                    .then_some(2)
                    .or(first.ends_with("sr").then_some(1));
                r
            })
            .collect();
        for a in &records {
            for b in &records {
                let b = from(b.clone(), "b");
                let full = comparison(a, &b);
                assert_eq!(levels_in(&NicknamesSeen::All, a, &b), full.vector);
                // The shown similarity of two given names at a level that is not one
                // name's is still their likeness.
                let one_name = [1, 2, model::GENERATION_ON_ONE_LEVEL];
                if !one_name.contains(&full.vector[field::FIRST]) {
                    let (x, y) = (
                        first_token(a.first().unwrap()),
                        first_token(b.first().unwrap()),
                    );
                    assert_eq!(full.similarity[field::FIRST], jaro_winkler(x, y) as f32);
                }
                let two_surnames = [
                    model::different_level(field::LAST),
                    model::ANOTHER_SURNAME_LEVEL,
                ];
                if two_surnames.contains(&full.vector[field::LAST]) {
                    let (x, y) = (a.last().unwrap(), b.last().unwrap());
                    assert_eq!(full.similarity[field::LAST], jaro_winkler(x, y) as f32);
                }
            }
        }
    }

    fn assert_shared_by_a_household(v: &Vector, fields: &[usize]) {
        for &f in fields {
            assert_eq!(
                Some(v[f]),
                model::household_level(f),
                "{}",
                model::FIELDS[f]
            );
        }
    }

    /// The comparison vector of `a` and `b`, `b` read from another source.
    fn across_sources(a: &Rec, b: Rec) -> Vector {
        comparison(a, &from(b, "b")).vector
    }

    /// The model before any data has spoken (agreement for, disagreement against).
    fn score(a: &Rec, b: &Rec) -> Scored {
        let model = MatchModel::untrained();
        let config = config();
        Comparer::new(&model, &config, 1000).compare(a, b)
    }

    /// Robert Smith with a phone and Bob Smyth with an email, at one address, born the
    /// same day: a pair that uses most fields.
    fn robert_and_bob() -> (Rec, Rec) {
        (
            rec(
                "robert",
                "smith",
                "",
                "3125550101",
                "12 n halsted st",
                "1970-03-07",
            ),
            rec(
                "bob",
                "smyth",
                "bob@x.com",
                "",
                "12 n halsted st",
                "1970-03-07",
            ),
        )
    }

    #[test]
    fn stored_contributions_are_short_and_still_add_up() {
        let (a, b) = robert_and_bob();
        let b = from(b, "b");
        let scored = score(&a, &b);
        let stored = encode_contributions(&scored.contributions).unwrap();
        assert!(stored.starts_with("[[\"prior\","), "{stored}");
        let read = decode_contributions(&stored).unwrap();
        let sum: f64 = read.iter().map(|c| c.contribution).sum();
        assert!(
            (sum - scored.score).abs() < 1e-12,
            "{sum} vs {}",
            scored.score
        );
        assert!(
            read[1..]
                .iter()
                .all(|c| c.contribution.to_string().len() <= 9),
            "{stored}"
        );
    }

    #[test]
    fn contributions_add_up_to_the_score_and_keep_their_signs() {
        let pairs = [
            robert_and_bob(),
            (
                rec("mary", "jones", "mj@x.com", "", "", ""),
                rec("mary", "jones", "mjones@y.com", "", "", ""),
            ),
            (
                rec("ann", "lee", "", "3125550101", "5 w elm st", "1980-01-01"),
                rec("tom", "lee", "", "3125550101", "5 w elm st", "1950-06-30"),
            ),
        ];
        for (a, b) in pairs {
            let s = score(&a, &from(b, "b"));
            let sum: f64 = s.contributions.iter().map(|c| c.contribution).sum();
            assert!((sum - s.score).abs() < 1e-9, "{sum} vs {}", s.score);
            let email = s.contributions.iter().find(|c| c.field == "email");
            if let Some(email) = email.filter(|c| c.similarity < 0.5) {
                assert!(
                    email.contribution <= 0.0,
                    "a different email counts against"
                );
            }
        }
    }

    /// Maria Garcia with her phone and street address, this email and birth date.
    fn maria_garcia(email: &str, dob: &str) -> Rec {
        rec("maria", "garcia", email, "3125550101", "1 n clark st", dob)
    }

    #[test]
    fn a_pair_that_agrees_on_everything_but_a_mistyped_birth_date_merges() {
        let a = maria_garcia("mg@x.com", "1984-07-03");
        let b = from(maria_garcia("mgarcia@y.com", "1984-07-08"), "b");
        let s = score(&a, &b);
        assert_eq!(Band::of(s.score, &config()), Band::Auto, "{s:?}");
        // Day and month the wrong way round too.
        let c = from(
            rec("maria", "garcia", "", "", "1 n clark st", "1984-03-07"),
            "c",
        );
        assert_eq!(comparison(&a, &c).vector[field::DOB], 2);
        // Two neighbouring digits the wrong way round, and a date no calendar has.
        for typo in ["1984-07-30", "1984-70-03", "1948-07-03"] {
            let d = from(rec("maria", "garcia", "", "", "1 n clark st", typo), "d");
            assert_eq!(comparison(&a, &d).vector[field::DOB], 2, "{typo}");
        }
        let e = from(
            rec("maria", "garcia", "", "", "1 n clark st", "1985-07-30"),
            "e",
        );
        assert_eq!(
            comparison(&a, &e).vector[field::DOB],
            model::different_level(field::DOB)
        );
    }

    #[test]
    fn a_different_birth_date_is_evidence_not_a_veto() {
        // Everything else agrees: still the same person.
        let a = maria_garcia("mg@x.com", "1984-07-03");
        let b = from(maria_garcia("mg@x.com", "1951-11-23"), "b");
        let s = score(&a, &b);
        assert_eq!(
            s.rule, "model",
            "a different birth date stops the deterministic rule"
        );
        assert_eq!(Band::of(s.score, &config()), Band::Auto, "{s:?}");
        // A different first name as well: two people.
        let c = from(
            rec(
                "thomas",
                "garcia",
                "",
                "3125550101",
                "1 n clark st",
                "1951-11-23",
            ),
            "b",
        );
        assert_eq!(Band::of(score(&a, &c).score, &config()), Band::NoMatch);
    }

    #[test]
    fn household_members_on_one_landline_and_one_mailbox_do_not_merge() {
        let a = rec(
            "ann",
            "lee",
            "leefamily@x.com",
            "3125550101",
            "5 w elm st",
            "",
        );
        let b = from(
            rec(
                "thomas",
                "lee",
                "leefamily@x.com",
                "3125550101",
                "5 w elm st",
                "",
            ),
            "b",
        );
        let v = comparison(&a, &b).vector;
        assert_shared_by_a_household(&v, &[field::EMAIL, field::PHONE, field::ADDRESS]);
        let s = score(&a, &b);
        assert_eq!(Band::of(s.score, &config()), Band::NoMatch, "{s:?}");
        assert!(s.conflict, "kept apart through any chain of other matches");
        // A joint mailbox is a home, not a person: under one given name (mistyped too) it is
        // a family's mailbox shared, for the model to weigh as a home's; under another real
        // name one letter away, a household's.
        let family = Some(model::FAMILY_MAILBOX_LEVEL);
        for (first, level) in [
            ("ann", family),
            ("anm", family),
            ("jan", model::household_level(field::EMAIL)),
        ] {
            let c = from(rec(first, "lee", "leefamily@x.com", "", "", ""), "b");
            assert_eq!(
                Some(comparison(&a, &c).vector[field::EMAIL]),
                level,
                "{first}"
            );
        }
        let c = from(rec("ann", "lee", "leefamily@x.com", "", "", ""), "b");
        assert_eq!(
            score(&a, &c).rule,
            "model",
            "a joint mailbox is no deterministic match"
        );
    }

    #[test]
    fn a_sex_counts_where_the_given_names_leave_it_something_to_say() {
        let born = |first: &str, female: Option<bool>, dob: &str| {
            let mut r = rec(
                first,
                "lee",
                "leefamily@x.com",
                "3125550101",
                "5 w elm st",
                dob,
            );
            r.female = female;
            r
        };
        let with = |first: &str, female: Option<bool>| born(first, female, "");
        let gender = |a: &Rec, b: &Rec| comparison(a, b).vector[field::GENDER];
        let different = model::different_level(field::GENDER);
        // One given name already says one sex: agreeing again is no new evidence.
        assert_eq!(
            gender(&with("ann", Some(true)), &with("ann", Some(true))),
            MISSING
        );
        // Under an initial, or two forms one name shares between the sexes, it is.
        let j = with("j", Some(true));
        assert_eq!(gender(&j, &with("j", Some(true))), MISSING);
        assert_eq!(gender(&j, &with("jane", Some(true))), 1);
        assert_eq!(
            gender(&with("alex", Some(true)), &with("alexandra", Some(true))),
            1
        );
        assert_eq!(gender(&j, &with("jane", None)), MISSING);
        // Two sexes on one home's mailbox, landline and address: two people of the home,
        // whatever the given names (Chris and Chris, J. and J.).
        for first in ["chris", "j"] {
            let (a, b) = (with(first, Some(false)), from(with(first, Some(true)), "b"));
            let v = comparison(&a, &b).vector;
            assert_eq!(v[field::GENDER], different, "{first}");
            assert_shared_by_a_household(&v, &[field::EMAIL, field::PHONE, field::ADDRESS]);
            assert_eq!(
                Band::of(score(&a, &b).score, &config()),
                Band::NoMatch,
                "{first}"
            );
        }
        // Unless one birth date says one person: then the sex is the slip.
        let a = born("chris", Some(false), "1970-03-04");
        let b = from(born("chris", Some(true), "1970-03-04"), "b");
        assert_eq!(
            comparison(&a, &b).vector[field::EMAIL],
            model::FAMILY_MAILBOX_LEVEL
        );
    }

    #[test]
    fn a_middle_name_is_compared_where_both_records_give_one() {
        let with = |first: &str| rec(first, "scott", "", "4256792355", "21 elm st", "");
        let middle = |a: &str, b: &str| comparison(&with(a), &with(b)).vector[field::MIDDLE];
        assert_eq!(middle("zachary m", "zachary"), MISSING);
        assert_eq!(middle("zachary m", "zachary m"), 1);
        assert_eq!(middle("zachary m", "zachary mark"), 2);
        assert_eq!(middle("zachary mark", "zachary paul"), 3);
        // Two middle names at one home and on one landline: two men of one name there.
        let v = comparison(&with("zachary m"), &from(with("zachary p"), "b")).vector;
        assert_shared_by_a_household(&v, &[field::PHONE, field::ADDRESS]);
        let v = comparison(&with("zachary m"), &from(with("zachary"), "b")).vector;
        assert_eq!((v[field::PHONE], v[field::ADDRESS]), (1, 1));
    }

    #[test]
    fn father_and_son_named_apart_only_by_a_suffix_do_not_merge() {
        let named = |first: &str, last: &str| {
            let n = crate::normalize::person_name(Some(first), Some(last));
            let (given, surname) = (n.given.unwrap_or_default(), n.surname.unwrap_or_default());
            let mut r = rec(&given, &surname, "", "3125550101", "5 w elm st", "");
            r.generation = n.generation;
            r
        };
        let senior = named("John", "Smith Sr.");
        let junior = from(named("John", "Smith, Jr."), "b");
        let v = comparison(&senior, &junior).vector;
        assert_eq!(v[field::FIRST], model::different_level(field::FIRST));
        assert_shared_by_a_household(&v, &[field::PHONE, field::ADDRESS]);
        assert_eq!(
            Band::of(score(&senior, &junior).score, &config()),
            Band::NoMatch
        );
        // One record without the suffix (and with a title): the father's or the son's, a
        // level the model weighs; the home and landline they share are the home's, unless
        // a birth date says one man.
        let titled = from(named("Dr. John", "Smith"), "b");
        let v = comparison(&senior, &titled).vector;
        assert_eq!(v[field::FIRST], model::GENERATION_ON_ONE_LEVEL);
        assert_shared_by_a_household(&v, &[field::PHONE, field::ADDRESS]);
        let born = |r: &Rec| {
            r.clone()
                .with(crate::vocab::record::Value::Dob, "1950-02-03")
        };
        let v = comparison(&born(&senior), &born(&titled)).vector;
        assert_eq!((v[field::PHONE], v[field::ADDRESS]), (1, 1));
        let plain = from(named("John", "Smith"), "b");
        assert_eq!(comparison(&titled, &plain).vector[field::FIRST], 1);
        // So is one written with a slip or as a nickname beside the suffix: father and son
        // of one name still (a typo had hidden the generation, and the farm's Andrew Sr and
        // Adnrew merged on their landline and post-office box).
        for written in ["Jhon", "Jack"] {
            let v = comparison(&senior, &from(named(written, "Smith"), "b")).vector;
            assert_eq!(v[field::FIRST], model::GENERATION_ON_ONE_LEVEL, "{written}");
            assert_shared_by_a_household(&v, &[field::PHONE, field::ADDRESS]);
        }
        // The city and ZIP a father and son share say nothing between them; one that
        // differs still counts.
        let v = comparison(&senior, &titled).vector;
        assert_eq!((v[field::CITY], v[field::ZIP]), (MISSING, MISSING));
        let moved = from(
            titled
                .clone()
                .with(crate::vocab::record::Value::Zip, "60201"),
            "b",
        );
        assert_eq!(
            comparison(&senior, &moved).vector[field::ZIP],
            model::different_level(field::ZIP)
        );
        assert_eq!(comparison(&titled, &plain).vector[field::ZIP], 1);
    }

    #[test]
    fn an_exact_personal_email_with_a_nickname_is_a_deterministic_match() {
        let a = rec("elizabeth", "brown", "lizb@x.com", "", "", "");
        let b = from(rec("liz", "brown", "lizb@x.com", "", "", ""), "b");
        let s = score(&a, &b);
        assert_eq!((s.score, s.rule), (1.0, "email"));
        assert_eq!(comparison(&a, &b).vector[field::FIRST], 2, "nickname level");
        // Two different personal emails make a shared phone a household's landline.
        let c = rec(
            "robert",
            "adams",
            "robert.adams@x.com",
            "3125550101",
            "",
            "",
        );
        let d = from(
            rec("rob", "adams", "radams77@y.com", "3125550101", "", ""),
            "b",
        );
        assert_eq!(score(&c, &d).rule, "model");
    }

    #[test]
    fn a_nickname_the_file_never_shows_in_use_is_a_level_of_its_own() {
        let mary = rec("mary", "hammons", "mary7@x.com", "", "12 n halsted st", "");
        let maria = from(
            rec(
                "maria",
                "hammons",
                "maria4@y.com",
                "",
                "12 n halsted st",
                "",
            ),
            "b",
        );
        let tells = |records: &[Rec]| NicknamesSeen::of(records);
        let mut linked = Vec::new();
        for (i, name) in ["mary", "maria"].iter().cycle().take(8).enumerate() {
            let email = format!("{name}{}@z.com", i / 2);
            linked.push(rec(name, "other", &email, "", "", ""));
            linked.push(rec(name, "other", &email, "", "", ""));
        }
        let v = comparison_in(&tells(&linked), &mary, &maria).vector;
        assert_eq!(v[field::FIRST], model::NICKNAME_UNSEEN_LEVEL);
        // One home under the two forms with two emails, as for any nickname.
        assert_eq!(
            v[field::ADDRESS],
            model::ADDRESS_NICKNAME_TWO_CONTACTS_LEVEL
        );
        // A file that shows Mary written for Maria, or the table alone, makes them one name.
        linked.push(rec("mary", "cruz", "mcruz@z.com", "", "", ""));
        linked.push(rec("maria", "cruz", "mcruz@z.com", "", "", ""));
        assert_eq!(
            comparison_in(&tells(&linked), &mary, &maria).vector[field::FIRST],
            2
        );
        assert_eq!(comparison(&mary, &maria).vector[field::FIRST], 2);
    }

    #[test]
    fn two_names_the_file_shows_as_one_on_a_shared_mailbox_are_no_household() {
        let bert = rec("bert", "johnson", "rijohnson91@x.com", "", "", "");
        let robert = from(
            rec("robert", "johnson", "rijohnson91@x.com", "", "", ""),
            "b",
        );
        let v = comparison(&bert, &robert).vector;
        assert_eq!(v[field::FIRST], model::different_level(field::FIRST));
        assert_eq!(Some(v[field::EMAIL]), model::household_level(field::EMAIL));
        // A file where Bert and Robert share many more personal mailboxes than chance.
        let mut file = Vec::new();
        for i in 0..400 {
            let (h, w) = (format!("husband{}", i % 20), format!("wife{}", i / 20));
            file.push(rec(&h, "lee", &format!("c{i}@y.com"), "", "", ""));
            file.push(rec(&w, "lee", &format!("c{i}@y.com"), "", "", ""));
        }
        for i in 0..4 {
            file.push(rec("bert", "kyle", &format!("b{i}@y.com"), "", "", ""));
            file.push(rec("robert", "kyle", &format!("b{i}@y.com"), "", "", ""));
        }
        let seen = NicknamesSeen::of(&file);
        let v = comparison_in(&seen, &bert, &robert).vector;
        assert_eq!((v[field::FIRST], v[field::EMAIL]), (2, 1));
        // Such a nickname crosses as one given name where a record has its names the wrong
        // way round ("Johnson Robert" beside Bert Johnson), as the table's do.
        let turned = from(
            rec("johnson", "robert", "rijohnson91@x.com", "", "", ""),
            "b",
        );
        let v = comparison_in(&seen, &bert, &turned).vector;
        assert_eq!((v[field::FIRST], v[field::LAST]), (2, 1));
        let v = comparison(&bert, &turned).vector;
        assert_eq!(v[field::LAST], model::different_level(field::LAST));
    }

    #[test]
    fn a_sign_up_with_only_an_email_joins_the_mailboxs_owner_but_not_on_a_landline() {
        let donor = rec(
            "nicole",
            "knight",
            "nknight5@x.com",
            "3125550101",
            "12 n halsted st",
            "",
        );
        let sign_up = from(rec("", "", "nknight5@x.com", "", "", ""), "newsletter");
        let s = score(&donor, &sign_up);
        assert_eq!((s.score, s.rule), (1.0, "email"));
        // A surname that differs still says two people; so does a joint mailbox.
        let other_surname = from(rec("", "baker", "nknight5@x.com", "", "", ""), "b");
        assert_eq!(score(&donor, &other_surname).rule, "model");
        let joint = rec("nicole", "knight", "theknights@x.com", "", "", "");
        let joint_sign_up = from(rec("", "", "theknights@x.com", "", "", ""), "b");
        assert_eq!(score(&joint, &joint_sign_up).rule, "model");
        // A landline is shared by a home: without a given name it is no one's in particular.
        let caller = from(rec("", "knight", "", "3125550101", "", ""), "b");
        assert_eq!(score(&donor, &caller).rule, "model");
    }

    #[test]
    fn a_shared_mailbox_that_spells_the_full_name_makes_an_abbreviation_one_name() {
        let first_level = |x: &str, y: &str, ex: &str, ey: &str| {
            let a = rec(x, "prather", ex, "", "", "");
            let b = from(rec(y, "prather", ey, "", "", ""), "b");
            comparison(&a, &b).vector
        };
        for (short, long, mailbox) in [
            ("chas", "charles", "charlesp5440@x.com"),
            ("bert", "robert", "robert75@x.com"),
        ] {
            let v = first_level(short, long, mailbox, mailbox);
            assert_eq!(v[field::FIRST], 2, "{short}/{long}");
            assert_eq!(v[field::EMAIL], 1, "a personal mailbox, not a household's");
        }
        // Without the shared mailbox the abbreviation is not believed; nor is another name
        // on the mailbox (a relative using it), nor a household's joint mailbox.
        assert_eq!(
            first_level("chas", "charles", "charlesp@x.com", "chas9@y.com")[field::FIRST],
            model::different_level(field::FIRST)
        );
        let relative = first_level("mary", "robert", "robert75@x.com", "robert75@x.com");
        assert_eq!(relative[field::FIRST], model::different_level(field::FIRST));
        assert_eq!(
            Some(relative[field::EMAIL]),
            model::household_level(field::EMAIL)
        );
        let joint = first_level("bert", "robert", "robertfamily@x.com", "robertfamily@x.com");
        assert_ne!(joint[field::FIRST], 2);
    }

    #[test]
    fn swapped_first_and_last_names_are_turned_back() {
        let a = rec("garcia", "maria", "", "3125550101", "1 n clark st", "");
        let b = from(
            rec("maria", "garcia", "", "3125550101", "1 n clark st", ""),
            "b",
        );
        let v = comparison(&a, &b).vector;
        assert_eq!((v[field::FIRST], v[field::LAST]), (1, 1));
        // A nickname form need not start with its name's letter.
        let c = rec("robinson", "rebecca", "", "3125550101", "", "");
        let v = across_sources(&c, rec("becky", "robinson", "", "3125550101", "", ""));
        assert_eq!((v[field::FIRST], v[field::LAST]), (2, 1));
        // Two people of one family sharing no name are not turned round.
        let v = across_sources(&c, rec("robinson", "mary", "", "3125550101", "", ""));
        assert_eq!(v[field::LAST], model::different_level(field::LAST));
        // Turned round with a slip of the keyboard in the surname (Bovd), or in a nickname
        // form (Tnoy for Tony, Anthony's).
        let d = rec("chau", "boyd", "chau.boyd43@x.com", "", "", "");
        let v = across_sources(&d, rec("bovd", "chau", "chau.boyd43@x.com", "", "", ""));
        assert_eq!(v[field::FIRST], 1);
        assert!(
            matches!(v[field::LAST], 2 | 3),
            "a typo or alike: {}",
            v[field::LAST]
        );
        let e = rec("anthony", "brown", "abrown58@x.com", "", "", "");
        let v = across_sources(&e, rec("brown", "tnoy", "abrown58@x.com", "", "", ""));
        assert_eq!((v[field::FIRST], v[field::LAST]), (5, 1));
    }

    #[test]
    fn two_real_given_names_that_look_alike_are_different_names() {
        for (x, y) in [("marc", "martha"), ("michelle", "michael")] {
            let v = comparison(
                &rec(x, "hopson", "", "", "", ""),
                &rec(y, "hopson", "", "", "", ""),
            )
            .vector;
            assert_eq!(
                v[field::FIRST],
                model::different_level(field::FIRST),
                "{x}/{y}"
            );
        }
        for (x, y, level) in [
            ("micheal", "michael", 4),
            ("nan", "nancy", 2),
            ("ronnie", "veronica", 2),
            // A nickname form misspelt is like the name (Nicky, James); two real names
            // one slip from each other's forms are still two names (Tim, Tommy).
            ("ncky", "nicholas", 5),
            ("jmes", "jamie", 5),
            ("tim", "tommy", 6),
            ("ncky", "robert", 6),
            ("sm", "samuel", 6),
        ] {
            let v = comparison(
                &rec(x, "hopson", "", "", "", ""),
                &rec(y, "hopson", "", "", "", ""),
            )
            .vector;
            assert_eq!(v[field::FIRST], level, "{x}/{y}");
        }
    }

    #[test]
    fn a_misspelt_nickname_is_one_name_on_a_mailbox_and_a_relatives_at_a_home() {
        let mailbox = "nicholas.s.wright68@x.com";
        let a = rec("nicholas", "wright", mailbox, "", "", "");
        let v = across_sources(&a, rec("ncky", "wright", mailbox, "", "", ""));
        assert_eq!((v[field::FIRST], v[field::EMAIL]), (5, 1));
        let c = rec("anna", "lee", "", "3125550101", "5 w elm st", "");
        let v = across_sources(&c, rec("anie", "lee", "", "3125550101", "5 w elm st", ""));
        assert_eq!(v[field::FIRST], 5);
        assert_shared_by_a_household(&v, &[field::PHONE, field::ADDRESS]);
    }

    #[test]
    fn a_typo_that_spells_another_name_is_a_relatives_at_a_home_not_on_a_personal_mailbox() {
        let mailbox = "michael.a.turner9@x.com";
        let michael = rec("michael", "turner", mailbox, "", "", "");
        let micheal = from(rec("micheal", "turner", mailbox, "", "", ""), "b");
        let v = comparison(&michael, &micheal).vector;
        assert_eq!((v[field::FIRST], v[field::EMAIL]), (4, 1));
        let band = Band::of(score(&michael, &micheal).score, &config());
        assert_ne!(band, Band::NoMatch);
        // At one home and on one landline the same two names are Michael and his sister.
        let home = rec("michael", "turner", "", "3125550101", "5 w elm st", "");
        let v = across_sources(
            &home,
            rec("micheal", "turner", "", "3125550101", "5 w elm st", ""),
        );
        assert_shared_by_a_household(&v, &[field::PHONE, field::ADDRESS]);
        // Two names further apart on one personal mailbox are still a household's.
        let v = across_sources(&michael, rec("martha", "turner", mailbox, "", "", ""));
        assert_shared_by_a_household(&v, &[field::EMAIL]);
    }

    /// A mailbox named for the family's home is a household's under two given names, even
    /// where one is spelled as no census list does (Isabela): a person's under one.
    #[test]
    fn a_mailbox_named_for_the_familys_home_is_a_households() {
        let mailbox = "theortizhome@x.com";
        let ana = rec("ana", "ortiz", mailbox, "", "", "");
        let v = across_sources(&ana, rec("isabela", "ortiz", mailbox, "", "", ""));
        assert_shared_by_a_household(&v, &[field::EMAIL]);
        let v = across_sources(&ana, rec("ana", "ortiz", mailbox, "", "", ""));
        assert_eq!(v[field::EMAIL], model::FAMILY_MAILBOX_LEVEL);
        // Another word before "home" is a person's handle.
        let handle = "moviehome@x.com";
        let v = across_sources(
            &rec("ana", "ortiz", handle, "", "", ""),
            rec("ana", "ortiz", handle, "", "", ""),
        );
        assert_eq!(v[field::EMAIL], 1);
    }

    #[test]
    fn one_home_under_two_forms_of_a_name_with_two_emails_or_phones_is_a_level_of_its_own() {
        let home = "6095 n glenwood ave";
        let james = rec("james", "sanchez", "james.sanchez45@x.com", "", home, "");
        let address_level = |first: &str, email: &str| {
            across_sources(&james, rec(first, "sanchez", email, "", home, ""))[field::ADDRESS]
        };
        let level = model::ADDRESS_NICKNAME_TWO_CONTACTS_LEVEL;
        assert_eq!(address_level("jim", "jimsanchez9946@y.com"), level);
        assert_eq!(address_level("jim", ""), 1, "one email");
        assert_eq!(
            address_level("jim", "james.sanchez45@x.com"),
            1,
            "one email address"
        );
        assert_eq!(
            address_level("james", "jimsanchez9946@y.com"),
            1,
            "one name"
        );
        // Two phones say the same as two emails.
        let home = "6769 w jackson blvd";
        let barbara = rec("barbara", "hardman", "", "8473116241", home, "");
        let bobby = rec("bobby", "hardman", "", "8474942128", home, "");
        assert_eq!(across_sources(&barbara, bobby)[field::ADDRESS], level);
        assert!(model::shares_street_address(&{
            let mut v = [MISSING; FIELD_COUNT];
            v[field::ADDRESS] = level;
            v
        }));
    }

    /// A whole name split where a surname of two names begins ("Delia Gonzalez Gutierrez"
    /// read as Delia Gonzalez, Gutierrez) beside Delia Gonzalez: one surname written in
    /// part, and Gonzalez no middle name.
    #[test]
    fn a_surname_among_the_other_records_given_names_is_written_in_part() {
        let levels = |given: &str, last: &str| {
            let v = across_sources(
                &rec(given, last, "", "", "", ""),
                rec("delia maria", "gonzalez", "", "", "", ""),
            );
            (v[field::LAST], v[field::MIDDLE])
        };
        assert_eq!(levels("delia gonzalez", "gutierrez"), (2, MISSING));
        assert_eq!(
            levels("delia ana", "gutierrez"),
            (
                model::different_level(field::LAST),
                model::different_level(field::MIDDLE)
            )
        );
    }

    /// One known by the second of two given names (José Antonio as Antonio): a level of
    /// its own, not two names, so that a mailbox they share stays a person's; at one home
    /// with two emails it is "one home under two forms of a name", as a nickname is.
    #[test]
    fn a_given_name_that_is_the_others_second_is_a_level_of_its_own() {
        let first_level = |x: &str, y: &str| {
            across_sources(
                &rec(x, "borrego", "", "", "", ""),
                rec(y, "borrego", "", "", "", ""),
            )[field::FIRST]
        };
        let level = model::SECOND_GIVEN_NAME_LEVEL;
        assert_eq!(first_level("jose antonio", "antonio"), level);
        assert_eq!(first_level("antonio", "jose antonio"), level);
        assert_eq!(first_level("maria del carmen", "carmen"), level);
        assert_eq!(first_level("jose antonio", "jose"), 1);
        assert_eq!(
            first_level("jose", "antonio"),
            model::different_level(field::FIRST)
        );
        assert_eq!(
            first_level("jose luis", "antonio"),
            model::different_level(field::FIRST)
        );
        let home = "1991 n kelly brook";
        let jose_antonio = rec("jose antonio", "borrego", "jab79@x.com", "", home, "");
        let shared = across_sources(
            &jose_antonio,
            rec("antonio", "borrego", "jab79@x.com", "", home, ""),
        );
        assert_eq!((shared[field::EMAIL], shared[field::ADDRESS]), (1, 1));
        let two_emails = across_sources(
            &jose_antonio,
            rec("antonio", "borrego", "tony.b@y.com", "", home, ""),
        );
        assert_eq!(
            two_emails[field::ADDRESS],
            model::ADDRESS_NICKNAME_TWO_CONTACTS_LEVEL
        );
    }

    #[test]
    fn a_surname_that_differs_on_one_mailbox_under_one_given_name_has_changed() {
        let last_level = |first: &str, last: &str, email: &str| {
            let a = rec("carolyn", "kraft", email, "", "", "");
            across_sources(&a, rec(first, last, email, "", "", ""))[field::LAST]
        };
        let changed = model::SURNAME_CHANGED_LEVEL;
        assert_eq!(
            last_level("caroyln", "dunn", "carolyn.kraft28@x.com"),
            changed
        );
        assert_eq!(
            last_level("carolyn", "dunn", "carolyn.kraft28@x.com"),
            changed
        );
        let different = model::different_level(field::LAST);
        // A family's mailbox: under the very same given name, not under a nickname or a
        // typo (a relative's name there as likely).
        assert_eq!(last_level("carolyn", "dunn", "thekrafts@x.com"), changed);
        assert_eq!(
            last_level("caroyln", "dunn", "thekrafts@x.com"),
            different,
            "a typo on a joint mailbox"
        );
        assert_eq!(
            last_level("mary", "dunn", "carolyn.kraft28@x.com"),
            different,
            "two names"
        );
        assert_eq!(last_level("caroyln", "dunn", ""), different, "no mailbox");
        assert!(model::disagrees(field::LAST, changed));
    }

    #[test]
    fn emails_are_the_same_another_domain_a_mistyped_domain_one_typo_or_different() {
        let level = |x: &str, y: &str| {
            comparison(&rec("a", "b", x, "", "", ""), &rec("a", "b", y, "", "", "")).vector
                [field::EMAIL]
        };
        assert_eq!(level("ann.lee@x.com", "ann.lee@x.com"), 1);
        assert_eq!(
            level("thelees12@x.com", "thelees12@x.com"),
            model::FAMILY_MAILBOX_LEVEL,
            "a family's, under one given name"
        );
        assert_eq!(level("ann.lee@x.com", "annlee@y.com"), 2);
        assert_eq!(level("ann.lee@x.com", "ann.lea@x.com"), 3);
        assert_eq!(
            level("m.porter85@sanchez.com", "m.porter85@sanchze.com"),
            model::MAILBOX_DOMAIN_TYPO_LEVEL,
            "one mailbox, its domain mistyped"
        );
        assert_eq!(
            level("tevans@gmail.com", "mevans@gmail.com"),
            3,
            "a typo in the mailbox name may be another person's"
        );
        assert_eq!(level("john.r.jones51@x.com", "john.u.jones56@y.com"), 4);
    }

    #[test]
    fn different_given_names_keep_two_people_apart_only_where_the_file_says_names_are_seldom_replaced()
     {
        // Different first names and birth dates: a conflict where the model learned that a
        // different first name is strong evidence of two people...
        let a = rec("ann", "lee", "", "", "", "1970-01-02");
        let b = from(rec("mary", "lee", "", "", "", "1981-05-06"), "b");
        let v = comparison(&a, &b).vector;
        let config = config();
        let strict = MatchModel::untrained();
        assert!(Comparer::new(&strict, &config, 1000).is_conflict(&v, 0.1));
        // ...and not in a file whose records often carry a replaced first name (FEBRL's),
        // where a chain of other matches may join them.
        let mut lenient = MatchModel::untrained();
        let different = model::different_level(field::FIRST) as usize - 1;
        lenient.m[field::FIRST][different] = lenient.u_random[field::FIRST][different] / 4.0;
        assert!(!Comparer::new(&lenient, &config, 1000).is_conflict(&v, 0.1));
    }

    #[test]
    fn two_records_of_one_system_below_review_stay_apart_where_systems_seldom_repeat_a_person() {
        let a = rec("sherry", "connors", "sherry@x.com", "", "", "");
        let b = rec("sheryl", "connors", "sheryl@y.com", "", "", "");
        let v = comparison(&a, &b).vector;
        assert_eq!(v[field::SOURCE], 2, "one source");
        let config = config();
        let mut model = MatchModel::untrained();
        model.m[field::SOURCE] = vec![0.99, 0.01]; // one system seldom holds a person twice
        let comparer = Comparer::new(&model, &config, 1000);
        assert!(comparer.is_conflict(&v, 0.3), "likelier two people");
        assert!(comparer.is_conflict(&v, 0.6), "not called one person");
        assert!(
            !comparer.is_conflict(&v, 0.75),
            "in the review band: the steward's call, not a conflict"
        );
        let b_elsewhere = from(b.clone(), "b");
        let v_elsewhere = comparison(&a, &b_elsewhere).vector;
        assert!(!comparer.is_conflict(&v_elsewhere, 0.3), "two systems");
        // A file of one system (FEBRL's): the source says nothing, so nothing is kept apart.
        let mut one_file = MatchModel::untrained();
        one_file.m[field::SOURCE] = one_file.u_random[field::SOURCE].clone();
        assert!(!Comparer::new(&one_file, &config, 1000).is_conflict(&v, 0.3));
    }

    #[test]
    fn two_records_of_one_system_weigh_as_that_system_holds_a_person_twice() {
        let config = config();
        let mut model = MatchModel::untrained();
        model.one_system = vec![
            model::SystemShare {
                system: "email".into(),
                m: 0.0001,
                u: 0.25,
            },
            model::SystemShare {
                system: "crm".into(),
                m: 0.05,
                u: 0.1,
            },
        ];
        let comparer = Comparer::new(&model, &config, 1000);
        let weight = |system: &str| {
            let a = from(rec("ann", "lee", "", "", "", ""), system);
            let b = from(rec("ann", "lee", "", "", "", ""), system);
            let v = comparison(&a, &b).vector;
            let source = comparer.weights(a.value_counts(), b.value_counts(), &v)[field::SOURCE];
            (comparer.compare(&a, &b).score, source)
        };
        let (email, crm, other) = (weight("email"), weight("crm"), weight("tickets"));
        assert_eq!(email.1, (0.0001f64 / 0.25).log2());
        assert_eq!(crm.1, -1.0);
        // A system the model does not know weighs as one source over all systems.
        assert_eq!(other.1, model.weight(field::SOURCE, ONE_SOURCE_LEVEL));
        assert!(email.0 < crm.0, "{email:?} {crm:?}");
    }

    #[test]
    fn a_common_name_in_a_zip_weighs_less_than_a_rare_one() {
        let model = MatchModel {
            u_exact_random: [0.01, 0.01],
            ..MatchModel::untrained()
        };
        let config = config();
        let comparer = Comparer::new(&model, &config, 10_000);
        let pair = |count: u32| {
            let mut a = rec("john", "smith", "", "", "", "");
            let mut b = from(rec("john", "smith", "", "", "", ""), "b");
            for r in [&mut a, &mut b] {
                r.first_name_count = count;
                r.last_name_count = count;
            }
            comparer.compare(&a, &b).score
        };
        assert!(pair(500) < pair(2), "Smith agreeing says less than Okonkwo");
    }

    /// Two common surnames one letter apart are a level of their own, for each file's EM to
    /// weigh (a typo in FEBRL, two families in another); a slip that makes no surname is a
    /// typo, and two surnames far apart are different.
    #[test]
    fn another_surname_one_letter_away_is_its_own_level() {
        let level = |x: &str, y: &str| {
            let v = comparison(
                &rec("ann", x, "", "", "", ""),
                &from(rec("ann", y, "", "", "", ""), "b"),
            )
            .vector;
            v[field::LAST]
        };
        assert_eq!(level("davis", "davies"), model::ANOTHER_SURNAME_LEVEL);
        assert_eq!(level("hansen", "hanson"), model::ANOTHER_SURNAME_LEVEL);
        assert_eq!(level("smith", "smiht"), 2);
        assert_eq!(
            level("davis", "okafor"),
            model::different_level(field::LAST)
        );
        assert!(model::disagrees(field::LAST, model::ANOTHER_SURNAME_LEVEL));
        // One name spaced two ways is one name; a part of it is not the whole.
        assert_eq!(level("de la cruz", "delacruz"), 1);
        assert_eq!(level("garcia lopez", "garcialopez"), 1);
        assert_ne!(level("de la cruz", "cruz"), 1);
        assert_eq!(level("van der berg", "vander berg"), 1);
    }

    /// A surname of two names (a father's and a mother's, or double-barrelled) written in
    /// part is alike; two such surnames that share one name but each have another are two
    /// families' (a father "Castro Mares" and his son "Castro Ramirez"), unless the other
    /// names are a slip apart.
    #[test]
    fn two_surnames_of_two_names_that_differ_in_one_are_different() {
        let level = |x: &str, y: &str| {
            let v = comparison(
                &rec("javier", x, "", "", "", ""),
                &from(rec("javier", y, "", "", "", ""), "b"),
            )
            .vector;
            v[field::LAST]
        };
        let different = model::different_level(field::LAST);
        assert_eq!(level("castro mares", "castro ramirez"), different);
        assert_eq!(level("smith jones", "smith brown"), different);
        assert_eq!(level("garcia de hernandez", "garcia lopez"), different);
        for (written_in_part, whole) in [
            ("castro", "castro ramirez"),
            ("ramirez", "castro ramirez"),
            ("cruz", "de la cruz"),
            ("lopez", "lopez de la rosa"),
            ("castro ramires", "castro ramirez"),
        ] {
            assert_eq!(level(written_in_part, whole), 2, "{written_in_part}");
        }
    }

    /// Postal codes agree exactly, in their area (all but the last two characters: a US
    /// ZIP's first three digits, a UK postcode's sector), in their first three characters
    /// (a UK district), or not at all.
    #[test]
    fn postal_codes_agree_by_area_and_district() {
        let level = |x: &str, y: &str| {
            let with_zip = |zip: &str| Rec::default().with(crate::vocab::record::Value::Zip, zip);
            zip_level(&with_zip(x), &with_zip(y)).map(|(level, _)| level)
        };
        let different = model::different_level(field::ZIP);
        assert_eq!(level("60614", "60614"), Some(1));
        assert_eq!(level("60614", "60657"), Some(2));
        assert_eq!(level("60614", "46614"), Some(different));
        assert_eq!(level("tq138df", "tq138jr"), Some(2));
        assert_eq!(level("tq138df", "tq145ab"), Some(3));
        assert_eq!(level("tq138df", "ex201sg"), Some(different));
        assert_eq!(level("tq138df", ""), None);
    }

    #[test]
    fn a_birth_date_given_in_part_agrees_as_far_as_it_goes() {
        let level = |x: &str, y: &str| {
            let a = rec("ann", "lee", "", "", "", x);
            let b = from(rec("ann", "lee", "", "", "", y), "b");
            comparison(&a, &b).vector[field::DOB]
        };
        assert_eq!(level("1985", "1985"), 1, "weighed by how many hold it");
        assert_eq!(level("1985", "1985-03-02"), 4, "the year agrees, weakly");
        assert_eq!(level("1985-03", "1985-03-02"), 4);
        assert_eq!(level("1985-03", "1985"), 4);
        // A digit off is a typo in a whole date, where month and day agree; a year alone
        // a digit off, or a month, is another year or month.
        assert_eq!(level("1985", "1986-03-02"), 5);
        assert_eq!(level("1985", "1986"), 5);
        assert_eq!(level("1985-03", "1985-04-02"), 5);
        assert_eq!(level("1985-03-02", "1986-03-02"), 2);
        // Whole dates: two of year, month and day (one part replaced), or the year alone.
        assert_eq!(level("1985-03-02", "1985-11-02"), 3);
        assert_eq!(level("1985-03-02", "1985-03-27"), 3);
        assert_eq!(level("1985-03-02", "1991-03-02"), 3);
        assert_eq!(level("1985-03-02", "1985-11-27"), 4);
        assert_eq!(level("1985-03-02", "1991-11-02"), 5);
    }

    /// A date many records hold (a year known alone, kept as 1 January; a placeholder)
    /// says less than a date one person's records hold; a model stored before dates were
    /// counted (no baseline) weighs every date alike.
    #[test]
    fn a_birth_date_many_records_hold_weighs_less() {
        let counted = MatchModel {
            u_exact_birth_random: 0.001,
            ..MatchModel::untrained()
        };
        let config = config();
        let score = |model: &MatchModel, count: u32| {
            let comparer = Comparer::new(model, &config, 10_000);
            let mut a = rec("john", "smith", "", "", "", "1862-01-01");
            let mut b = from(rec("jon", "smith", "", "", "", "1862-01-01"), "b");
            for r in [&mut a, &mut b] {
                r.birth_date_count = count;
            }
            comparer.compare(&a, &b).score
        };
        assert!(score(&counted, 500) < score(&counted, 2));
        let uncounted = MatchModel::untrained();
        assert_eq!(score(&uncounted, 500), score(&uncounted, 2));
    }

    /// A city says where only when nothing else does: with a ZIP beside it, how common the
    /// city is does not count.
    #[test]
    fn a_city_many_records_hold_weighs_less_where_no_zip_is_compared() {
        let model = MatchModel {
            u_exact_city_random: 0.05,
            ..MatchModel::untrained()
        };
        let config = config();
        let comparer = Comparer::new(&model, &config, 10_000);
        let score = |count: u32, zip: Option<&str>| {
            let mut a = rec("john", "smith", "", "", "", "");
            let mut b = from(rec("jon", "smith", "", "", "", ""), "b");
            for r in [&mut a, &mut b] {
                r.city_count = count;
                r.set(crate::vocab::record::Value::Zip, zip);
            }
            comparer.compare(&a, &b).score
        };
        assert!(
            score(3000, None) < score(3, None),
            "London says less than Arbroath"
        );
        assert_eq!(score(3000, Some("60614")), score(3, Some("60614")));
    }

    proptest::proptest! {
        #[test]
        fn jaro_winkler_on_the_stack_is_strsims(x in "[a-e]{0,12}", y in "[a-e]{0,12}", z in "\\PC{0,6}") {
            for (a, b) in [(x.as_str(), y.as_str()), (x.as_str(), z.as_str())] {
                let (ours, theirs) = (jaro_winkler(a, b), strsim::jaro_winkler(a, b));
                proptest::prop_assert!((ours - theirs).abs() < 1e-12, "{a:?} {b:?}: {ours} vs {theirs}");
            }
        }
    }
}
