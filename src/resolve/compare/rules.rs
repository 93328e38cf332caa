//! The levels several fields set together: what a household shares, one home under two
//! forms of a name, a changed surname, a family's mailbox, a sex beside the given name and
//! a home beside a generation.

use super::*;
use crate::resolve::normalize::{distinct_given_names_by_id, misspelt_nickname_by_id};

/// One given name (the same, or but for a typo) already says one sex: the sex agreeing
/// too says nothing more, and counting it would weigh the name twice (most of all for two
/// namesakes, who share both). A sex that differs still counts (Chris and Chris of one
/// home), and one that agrees under two forms of a name (Alex beside Alexandra) does.
pub(super) fn set_gender_beside_the_name(vector: &mut Vector) {
    let one_name = matches!(vector[field::FIRST], 1 | 3)
        || vector[field::FIRST] == model::GENERATION_ON_ONE_LEVEL;
    if one_name && vector[field::GENDER] == 1 {
        vector[field::GENDER] = MISSING;
    }
}

/// One name with Jr or Sr on one record only: the other record is the man's, or his
/// father's or son's, who live where he does. A city or ZIP they share then says little:
/// the donor file's compared pairs of both names exact share the ZIP in 77 % of one
/// person's and 6 % of two people's, but under a generation on one record 79 % and 60 %
/// (over all pairs it weighs +5.5 bits, and such pairs scored 0.85-0.99 were 45 % one
/// person). So a shared city and ZIP are left out there, as if not given; one that differs
/// still counts.
pub(super) fn set_home_beside_a_generation(vector: &mut Vector) {
    if vector[field::FIRST] == model::GENERATION_ON_ONE_LEVEL {
        for f in [field::CITY, field::ZIP] {
            if vector[f] == 1 {
                vector[f] = MISSING;
            }
        }
    }
}

/// An identifier two people of one home share says nothing about which of them a record
/// is, and falls in a level of its own, "shared by a household", when the given names say
/// two people (and no birth date says one):
/// - an address or a landline: under two given names that are not one name (not the same,
///   a nickname form or a near spelling; a nickname form misspelt, Anie beside Anna, is at
///   one home likelier a relative's name), or under one name with Jr on one record only
///   or two middle names;
/// - a personal email: only under two different real given names, and not two one letter
///   apart (one mailbox shared by a nickname the table lacks, or under a typo that spells
///   another name, Micheal on michael.a.turner@, is likelier than by two people);
/// - a household's joint mailbox: under any two given names that are not one name (not
///   the same, a nickname form or a typo);
/// - any of them under two sexes (a gender or title column's: Chris and Chris, J. and J.).
pub(super) fn set_household_levels(vector: &mut Vector, a: &Rec, b: &Rec, joint_mailbox: bool) {
    let first = vector[field::FIRST];
    let dob_agrees = matches!(vector[field::DOB], 1 | 2);
    let names_differ = (first == model::different_level(field::FIRST)
        || (first == 5 && misspelt_nickname(a, b)))
        && !dob_agrees;
    // A name and the other's second given name are not two names by the census lists.
    let real_names_differ = first != 2
        && first != model::SECOND_GIVEN_NAME_LEVEL
        && given_names_distinct(a, b)
        && !dob_agrees;
    let sexes_differ =
        vector[field::GENDER] == model::different_level(field::GENDER) && !dob_agrees;
    // Jr on one record only, at one home or on its landline: a Jr there means his father
    // is there too, and the record without the suffix is the father's as often as the
    // son's (the donor file: 26 such pairs two people, 7 one). Two middle names under one
    // given name there are two people of that name too.
    let two_men_of_one_name = (first == model::GENERATION_ON_ONE_LEVEL
        || vector[field::MIDDLE] == model::different_level(field::MIDDLE))
        && !dob_agrees;
    for f in [field::EMAIL, field::PHONE, field::ADDRESS] {
        let household = vector[f] == 1
            && (sexes_differ
                || match f {
                    field::EMAIL if joint_mailbox => !one_given_name(first),
                    field::EMAIL => real_names_differ && first != model::ANOTHER_GIVEN_NAME,
                    _ => names_differ || real_names_differ || two_men_of_one_name,
                });
        if household && let Some(level) = model::household_level(f) {
            vector[f] = level;
        }
    }
}

/// One given name: the same, a nickname form, or a slip of the keyboard (not another real
/// name one letter away).
pub(super) fn one_given_name(first_level: u8) -> bool {
    matches!(first_level, 1..=3)
}

/// One home under two forms of a given name (a nickname, or the other's second given
/// name), with two emails or two phones: a level of its own.
pub(super) fn set_one_home_under_two_forms(vector: &mut Vector) {
    let two_contacts = [field::EMAIL, field::PHONE]
        .iter()
        .any(|&f| vector[f] == model::different_level(f));
    let two_forms = vector[field::FIRST] == 2
        || vector[field::FIRST] == model::NICKNAME_UNSEEN_LEVEL
        || vector[field::FIRST] == model::SECOND_GIVEN_NAME_LEVEL;
    if vector[field::ADDRESS] == 1 && two_forms && two_contacts {
        vector[field::ADDRESS] = model::ADDRESS_NICKNAME_TWO_CONTACTS_LEVEL;
    }
}

/// One mailbox under one given name: a surname that differs has changed. A family's
/// mailbox too, under the very same given name ("davisfamily@" under Gina Davis and Gina
/// Buck: in the generated 200k all 171 such pairs were one person's, a married name); not
/// under a nickname there (Bill Williams and Billy Barrett on "thewilliamss@" were two).
/// (Run after the household rule: an exact email here is no household's.)
pub(super) fn set_surname_changed(vector: &mut Vector, joint_mailbox: bool) {
    let first = vector[field::FIRST];
    if vector[field::LAST] == model::different_level(field::LAST)
        && vector[field::EMAIL] == 1
        && one_given_name(first)
        && (!joint_mailbox || first == 1)
    {
        vector[field::LAST] = model::SURNAME_CHANGED_LEVEL;
    }
}

/// A family's mailbox shared under one given name (under two it is a household's): a
/// home's, a level of its own (see `MatchModel::u_scored`). Run last: the steps before
/// read such a mailbox as shared exactly.
pub(super) fn set_family_mailbox(vector: &mut Vector, joint_mailbox: bool) {
    if joint_mailbox && vector[field::EMAIL] == 1 {
        vector[field::EMAIL] = model::FAMILY_MAILBOX_LEVEL;
    }
}

pub(super) fn misspelt_nickname(a: &Rec, b: &Rec) -> bool {
    both(a.first(), b.first()).is_some_and(|(x, y)| {
        misspelt_nickname_by_id(first_token(x), first_token(y), a.first_id(), b.first_id())
    })
}

/// Two different real given names (both in the name tables, not nickname forms of one
/// another): two people, unless something as personal as a birth date says otherwise.
pub(super) fn given_names_distinct(a: &Rec, b: &Rec) -> bool {
    both(a.first(), b.first()).is_some_and(|(x, y)| {
        // Here a typo that spells another common name (Jon, Joan) counts as that name: at
        // one home it is likelier a relative than a slip of the keyboard.
        distinct_given_names_by_id(first_token(x), first_token(y), a.first_id(), b.first_id())
    })
}
