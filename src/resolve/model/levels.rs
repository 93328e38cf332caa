//! The compared fields and each field's comparison levels, and what a comparison vector
//! says by its levels alone (a shared home, a disagreement).

/// The compared fields, in the order of a comparison vector.
pub const FIELDS: [&str; 11] = [
    "first_name",
    "last_name",
    "date_of_birth",
    "email",
    "phone",
    "address",
    "city",
    "zip",
    "middle_name",
    "gender",
    "source",
];
pub const FIELD_COUNT: usize = FIELDS.len();

/// The index of each field in a vector.
pub mod field {
    pub const FIRST: usize = 0;
    pub const LAST: usize = 1;
    pub const DOB: usize = 2;
    pub const EMAIL: usize = 3;
    pub const PHONE: usize = 4;
    pub const ADDRESS: usize = 5;
    pub const CITY: usize = 6;
    pub const ZIP: usize = 7;
    /// A middle name or initial, where both records give one after the given name ("John
    /// A." and "John Allen" agree, "John A." and "John B." do not).
    pub const MIDDLE: usize = 8;
    /// A sex a gender or title column gives: weighed where the given names leave it
    /// something to say (see `compare::rules::set_gender_beside_the_name`).
    pub const GENDER: usize = 9;
    /// Whether the two records come from one source (a file that seldom holds one person
    /// twice) or from two: learned per file like any other field.
    pub const SOURCE: usize = 10;
}

/// Level 0 of every field: one record or both lack it (no evidence either way).
pub const MISSING: u8 = 0;

/// Each field's levels after `MISSING`, best agreement first.
pub const LEVELS: [&[&str]; FIELD_COUNT] = [
    &[
        "exact",
        "nickname",
        "typo",
        "another name one letter away",
        "similar",
        "different",
        NICKNAME_UNSEEN,
        GENERATION_ON_ONE,
        SECOND_GIVEN_NAME,
    ],
    &[
        "exact",
        "typo",
        "similar",
        "different",
        SURNAME_CHANGED,
        ANOTHER_SURNAME,
    ],
    &[
        "exact",
        "one digit or day/month swapped",
        "two of year, month and day",
        "the year only, or as far as a part date goes",
        "different",
    ],
    &[
        "exact",
        "same name, other domain",
        "one typo",
        "different",
        "shared by a household",
        FAMILY_MAILBOX,
        MAILBOX_DOMAIN_TYPO,
        NAMES_AT_ANOTHER_DOMAIN,
    ],
    &[
        "exact",
        "same number, other area code",
        "different",
        "shared by a household",
    ],
    &[
        "exact",
        "typo",
        "similar",
        "different",
        "shared by a household",
        ADDRESS_NICKNAME_TWO_CONTACTS,
    ],
    &["exact", "typo", "different"],
    &[
        "exact",
        "same area (all but the last two characters)",
        "same first three characters",
        "different",
    ],
    &["exact", "initial agrees", "different"],
    &["same", "different"],
    &["other sources", "one source"],
];

/// The surname level of a pair whose surnames differ on one mailbox under one given name
/// (on a family's mailbox, the very same given name): a name changed (a marriage), which
/// the surname's "different" would weigh as two people's as strongly as a stranger's name.
pub const SURNAME_CHANGED: &str = "changed, on one mailbox";

/// The surname level of two common surnames one letter apart (Davis and Davies, Hansen and
/// Hanson): two families' names, or one mistyped as the other. Each file's EM weighs it:
/// "different" before it was its own level.
pub const ANOTHER_SURNAME: &str = "another surname one letter away";

/// The first-name level of two given names the nickname table relates but that no two
/// records of this file sharing a personal mailbox, or a surname and a birth date, carry
/// (see `nicknames_seen`): a nickname in one file, two relatives' names in another.
pub const NICKNAME_UNSEEN: &str = "nickname this file never shows";

/// The first-name level of one given name where one record names a generation (Jr, Sr,
/// III) and the other none: a father's or son's record beside his own, or beside the
/// other's, in proportions each file shows (Sr beside Jr is "different").
pub const GENERATION_ON_ONE: &str = "same name, Jr/Sr on one only";

/// The first-name level of a given name that is the other record's second ("Antonio"
/// beside "José Antonio", "Lupe"'s "Guadalupe" beside "María Guadalupe"): a person known by
/// the second of two given names, or a relative named for one of them, in proportions each
/// file shows. ("different" before it was its own level.)
pub const SECOND_GIVEN_NAME: &str = "the other's second given name";

/// The email level of one family's mailbox ("thesmiths@", "smithfamily@") shared under
/// one given name (under two it is "shared by a household"): a home's, weighed among the
/// compared pairs as the home's other fields are, not as a person's own address (`exact`,
/// see `MatchModel::u_scored`).
pub const FAMILY_MAILBOX: &str = "exact, a family's mailbox";

/// The email level of one mailbox name at two domains one character apart
/// ("m.porter85@sanchez.com", "m.porter85@sanchze.com"): the domain mistyped, where a typo
/// in the mailbox name ("tevans@", "mevans@") is as often another person's address. Apart
/// from "one typo" so that each file weighs the two (Splink's fake 20,000: 1,628 of 1,628
/// such compared pairs one person, scored 0.81 on average under "one typo").
pub const MAILBOX_DOMAIN_TYPO: &str = "the same mailbox, its domain mistyped";
/// One mailbox name at two domains, spelled from both records' names and initials alone
/// ("katie.davies@" at two providers): namesakes write it as the person does, so it says
/// less than "same name, other domain" does of a name of one's own ("skydiver77@"); each
/// file weighs the two.
pub const NAMES_AT_ANOTHER_DOMAIN: &str = "same name, other domain, the names alone";

/// The address level of a pair at one street address under two forms of a given name
/// (Jim and Jimmy) with two different emails or phones: one person's two records or a
/// home's father and son, in proportions each file shows (its own level, so that the
/// address's weight there is learned apart from the weight of a home shared under one name).
pub const ADDRESS_NICKNAME_TWO_CONTACTS: &str = "one home, nickname, two contacts";

/// The level of field `f` named `name` (numbered as in a vector), or `MISSING` where the
/// field has none. A `const fn`: the levels the code names are found when it is compiled,
/// never on the pairs' hot path.
pub const fn level_named(f: usize, name: &str) -> u8 {
    let levels = LEVELS[f];
    let mut i = 0;
    while i < levels.len() {
        if same_text(levels[i], name) {
            return i as u8 + 1;
        }
        i += 1;
    }
    MISSING
}

const fn same_text(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Each field's level named `name` (`MISSING` where it has none).
const fn levels_named(name: &str) -> [u8; FIELD_COUNT] {
    let mut levels = [MISSING; FIELD_COUNT];
    let mut f = 0;
    while f < FIELD_COUNT {
        levels[f] = level_named(f, name);
        f += 1;
    }
    levels
}

const DIFFERENT_LEVELS: [u8; FIELD_COUNT] = levels_named("different");
const HOUSEHOLD_LEVELS: [u8; FIELD_COUNT] = levels_named("shared by a household");
pub const SURNAME_CHANGED_LEVEL: u8 = level_named(field::LAST, SURNAME_CHANGED);
pub const ANOTHER_SURNAME_LEVEL: u8 = level_named(field::LAST, ANOTHER_SURNAME);
pub const ADDRESS_NICKNAME_TWO_CONTACTS_LEVEL: u8 =
    level_named(field::ADDRESS, ADDRESS_NICKNAME_TWO_CONTACTS);
/// The level of a first name that is another name one letter away (Jon / Joan): from it
/// on, the two given names are two names.
pub const ANOTHER_GIVEN_NAME: u8 = level_named(field::FIRST, "another name one letter away");
pub const NICKNAME_UNSEEN_LEVEL: u8 = level_named(field::FIRST, NICKNAME_UNSEEN);
pub const GENERATION_ON_ONE_LEVEL: u8 = level_named(field::FIRST, GENERATION_ON_ONE);
pub const SECOND_GIVEN_NAME_LEVEL: u8 = level_named(field::FIRST, SECOND_GIVEN_NAME);
pub const FAMILY_MAILBOX_LEVEL: u8 = level_named(field::EMAIL, FAMILY_MAILBOX);
pub const MAILBOX_DOMAIN_TYPO_LEVEL: u8 = level_named(field::EMAIL, MAILBOX_DOMAIN_TYPO);
pub const NAMES_AT_ANOTHER_DOMAIN_LEVEL: u8 = level_named(field::EMAIL, NAMES_AT_ANOTHER_DOMAIN);
const _: () = assert!(
    SURNAME_CHANGED_LEVEL != MISSING
        && ANOTHER_SURNAME_LEVEL != MISSING
        && ADDRESS_NICKNAME_TWO_CONTACTS_LEVEL != MISSING
        && ANOTHER_GIVEN_NAME != MISSING
        && NICKNAME_UNSEEN_LEVEL > ANOTHER_GIVEN_NAME
        && GENERATION_ON_ONE_LEVEL > ANOTHER_GIVEN_NAME
        && SECOND_GIVEN_NAME_LEVEL > ANOTHER_GIVEN_NAME
        && FAMILY_MAILBOX_LEVEL != MISSING
        && MAILBOX_DOMAIN_TYPO_LEVEL != MISSING
        && NAMES_AT_ANOTHER_DOMAIN_LEVEL != MISSING
);

/// Whether a pair shares a street address (exactly, and not as a household's).
pub fn shares_street_address(v: &Vector) -> bool {
    v[field::ADDRESS] == 1 || v[field::ADDRESS] == ADDRESS_NICKNAME_TWO_CONTACTS_LEVEL
}

/// Whether `level` of field `f` says the two records disagree there: "different", or a
/// surname that changed or is another surname one letter away.
pub fn disagrees(f: usize, level: u8) -> bool {
    level != MISSING
        && (level == different_level(f)
            || (f == field::LAST
                && (level == SURNAME_CHANGED_LEVEL || level == ANOTHER_SURNAME_LEVEL)))
}

/// A pair's comparison vector: each field's level.
pub type Vector = [u8; FIELD_COUNT];

/// The level of a field that means "shared by a household", if it has one.
pub fn household_level(f: usize) -> Option<u8> {
    Some(HOUSEHOLD_LEVELS[f]).filter(|l| *l != MISSING)
}

/// Whether any field of `v` is at its "shared by a household" level.
pub fn shared_by_a_household(v: &Vector) -> bool {
    HOME_FIELDS
        .iter()
        .any(|&f| household_level(f).is_some_and(|l| v[f] == l))
}

/// Whether `v` is two people of one home by its own levels: an identifier a household
/// shares under given names that are two names. (A joint mailbox is "shared by a household"
/// under a misspelt given name too: that pair may well be one person.)
pub fn two_people_of_one_home(v: &Vector) -> bool {
    shared_by_a_household(v) && v[field::FIRST] >= ANOTHER_GIVEN_NAME
}

/// Whether `v` is two people by their names: one home's (above), or two different given
/// names with nothing personal agreeing (no birth date, email or phone).
pub fn two_people_by_name(v: &Vector) -> bool {
    two_people_of_one_home(v)
        || (v[field::FIRST] == different_level(field::FIRST) && !something_personal_agrees(v))
}

/// Whether a birth date (or but for a typo), a personal email or a phone (or its number
/// under another area code) agrees.
pub fn something_personal_agrees(v: &Vector) -> bool {
    matches!(v[field::DOB], 1 | 2) || v[field::EMAIL] == 1 || matches!(v[field::PHONE], 1 | 2)
}

/// Whether `v` shares a personal email or phone exactly (a household's shared one is at
/// its own level).
pub fn shares_a_personal_identifier(v: &Vector) -> bool {
    v[field::EMAIL] == 1 || v[field::PHONE] == 1
}

/// The "different" level of a field.
pub fn different_level(f: usize) -> u8 {
    DIFFERENT_LEVELS[f]
}

/// The fields a household shares (an email, a phone, an address): their agreement is
/// weighed against the compared pairs' non-matches, where households are, rather than
/// against random pairs, which almost never share a home.
pub const HOME_FIELDS: [usize; 3] = [field::EMAIL, field::PHONE, field::ADDRESS];
