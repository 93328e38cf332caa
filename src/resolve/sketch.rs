//! A record's sketch: the few facts the bulk pass checks on every blocked pair, packed into
//! one cache line per record, the records' lines side by side. Most blocked pairs are
//! relatives and neighbours of one surname whom two different real first names or birth
//! dates tell apart, and most of the rest namesakes whose surnames or first names differ;
//! deciding those from the sketches alone keeps the pass from chasing each record's
//! strings through memory (at a million records that, not the arithmetic, was the cost).
//! Anything a sketch cannot settle goes to `compare`, which the sketches agree with.

use super::compare::{self, Rec, first_token};
use super::normalize::{
    COMMON_GIVEN_NAME_PCT, GivenNameId, UNKNOWN_GIVEN_NAME, given_name_frequencies,
    nickname_compatible_by_id,
};
use super::settings::ResolutionConfig;

/// Up to `N` bytes of ASCII text kept in place, so comparing reads it beside the rest of
/// the sketch instead of following the record's pointer to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Inline<const N: usize> {
    bytes: [u8; N],
    /// More than `N`: the text did not fit (or was not ASCII) and is read from the record.
    len: u8,
}

impl<const N: usize> Default for Inline<N> {
    fn default() -> Self {
        Inline {
            bytes: [0; N],
            len: u8::MAX,
        }
    }
}

impl<const N: usize> Inline<N> {
    fn of(text: &str) -> Self {
        let mut inline = Inline::default();
        if text.len() <= N && text.is_ascii() {
            inline.bytes[..text.len()].copy_from_slice(text.as_bytes());
            inline.len = text.len() as u8;
        }
        inline
    }

    /// The text, or `fallback` (the record's own copy) when it did not fit.
    fn or<'a>(&'a self, fallback: impl FnOnce() -> &'a str) -> &'a str {
        self.bytes
            .get(..usize::from(self.len))
            .and_then(|b| std::str::from_utf8(b).ok())
            .unwrap_or_else(fallback)
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[repr(align(64))] // one cache line each
pub struct Sketch {
    /// The first name's first token, when short (most are).
    first_token: Inline<11>,
    /// The last name, when short.
    last: Inline<15>,
    /// A hash of the first name's first token (equal hashes are checked on the strings).
    first_token_hash: u32,
    first_id: GivenNameId,
    /// A hash of the normalised email (0: none).
    email_hash: u32,
    /// A hash of the email's name before the `@`, without separators (`compare`'s "same
    /// email name", the most an email can agree by).
    email_name_hash: u32,
    phone_hash: u32,
    /// A hash of the address's first word when it is a house number (with `NUMBERED`).
    house_number_hash: u32,
    /// The date of birth's eight digits, one per nibble (with `HAS_DOB`).
    dob: u32,
    first_token_len: u8,
    first_initial: u8,
    last_initial: u8,
    flags: u8,
}

const HAS_FIRST: u8 = 1;
const HAS_LAST: u8 = 2;
const HAS_EMAIL: u8 = 4;
const HAS_DOB: u8 = 8;
/// Something the sketch does not capture (a date of birth not written YYYY-MM-DD).
const UNUSUAL: u8 = 16;
const HAS_PHONE: u8 = 32;
const HAS_ADDRESS: u8 = 64;
/// The address starts with a house number (all digits).
const NUMBERED: u8 = 128;

fn hash32(s: &str) -> u32 {
    let h = super::stable_hash(s) as u64;
    (h ^ (h >> 32)) as u32
}

fn present(field: &Option<String>) -> Option<&str> {
    field.as_deref().filter(|s| !s.is_empty())
}

/// "1966-03-06" as the nibbles 1,9,6,6,0,3,0,6; `None` for anything else.
fn packed_date(date: &str) -> Option<u32> {
    let b = date.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let mut out = 0u32;
    for (i, &c) in b.iter().enumerate() {
        if i == 4 || i == 7 {
            continue;
        }
        if !c.is_ascii_digit() {
            return None;
        }
        out = (out << 4) | u32::from(c - b'0');
    }
    Some(out)
}

impl Sketch {
    pub fn of(r: &Rec) -> Sketch {
        let mut sketch = Sketch::default();
        if let Some(first) = present(&r.n.first) {
            let token = first_token(first);
            sketch.flags |= HAS_FIRST;
            sketch.first_token = Inline::of(token);
            sketch.first_token_hash = hash32(token);
            sketch.first_token_len = token.len().min(255) as u8;
            sketch.first_id = r.first_id();
            sketch.first_initial = first.as_bytes()[0];
        }
        if let Some(last) = present(&r.n.last) {
            sketch.flags |= HAS_LAST;
            sketch.last = Inline::of(last);
            sketch.last_initial = last.as_bytes()[0];
        }
        if let Some(email) = present(&r.n.email) {
            sketch.flags |= HAS_EMAIL;
            sketch.email_hash = hash32(email);
            sketch.email_name_hash = hash32(&compare::email_name_chars(email).collect::<String>());
        }
        if let Some(phone) = present(&r.n.phone) {
            sketch.flags |= HAS_PHONE;
            sketch.phone_hash = hash32(phone);
        }
        if let Some(address) = present(&r.n.address) {
            sketch.flags |= HAS_ADDRESS;
            // As `compare`'s token similarity reads the house number.
            let number = first_token(address);
            if number.chars().all(|c| c.is_ascii_digit()) {
                sketch.flags |= NUMBERED;
                sketch.house_number_hash = hash32(number);
            }
        }
        if let Some(dob) = present(&r.dob) {
            match packed_date(dob) {
                Some(d) => {
                    sketch.flags |= HAS_DOB;
                    sketch.dob = d;
                }
                None => sketch.flags |= UNUSUAL,
            }
        }
        sketch
    }

    fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }

    /// The first name's first token (with `HAS_FIRST`).
    fn first_token<'a>(&'a self, r: &'a Rec) -> &'a str {
        self.first_token
            .or(|| first_token(r.n.first.as_deref().unwrap_or("")))
    }

    /// The last name (with `HAS_LAST`).
    fn last_name<'a>(&'a self, r: &'a Rec) -> &'a str {
        self.last.or(|| r.n.last.as_deref().unwrap_or(""))
    }

    /// Whether the names could be entered the wrong way round on one side (the test in
    /// `compare::names_swapped` needs all four names, each crossing with its initial).
    pub fn may_be_swapped(&self, other: &Sketch) -> bool {
        let all_names = |s: &Sketch| s.has(HAS_FIRST) && s.has(HAS_LAST);
        all_names(self)
            && all_names(other)
            && self.first_initial == other.last_initial
            && self.last_initial == other.first_initial
    }
}

/// `compare::clearly_two_people(a, b)`, from the sketches where they settle it.
pub fn clearly_two_people(sa: &Sketch, sb: &Sketch, a: &Rec, b: &Rec) -> bool {
    if sa.has(UNUSUAL) || sb.has(UNUSUAL) || sa.may_be_swapped(sb) {
        return compare::clearly_two_people(a, b);
    }
    distinct_first_names(sa, sb, a, b) || dob_conflict(sa, sb)
}

/// What `compare` finds of a pair, where its names settle it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnNames {
    /// First names too far apart for one person (the household guard), and no date of
    /// birth or personal email to say otherwise.
    Conflict,
    /// Neither a conflict nor worth a look: nothing that can count as an identifier agrees
    /// (the email's name, the phone, the house number, the date of birth) and the surnames
    /// differ — a pair resting on its names with two surnames stays below review.
    NoMatch,
}

impl OnNames {
    /// Whether `compare`'s result for the pair is this outcome (what the shortcut's checks
    /// and tests hold it to).
    pub fn is_what_compare_found(
        self,
        scored: &compare::Scored,
        config: &ResolutionConfig,
    ) -> bool {
        match self {
            OnNames::Conflict => scored.conflict,
            OnNames::NoMatch => !scored.conflict && scored.score < config.thresholds.review,
        }
    }
}

/// `compare`'s outcome for a pair `clearly_two_people` has passed, when its names settle
/// it (`None` otherwise). Four in five pairs that would reach a full comparison are such
/// (namesakes by first name and ZIP, relatives by surname); this reads only their names.
pub fn on_names(
    sa: &Sketch,
    sb: &Sketch,
    a: &Rec,
    b: &Rec,
    config: &ResolutionConfig,
) -> Option<OnNames> {
    if sa.has(UNUSUAL) || sb.has(UNUSUAL) || sa.may_be_swapped(sb) {
        return None;
    }
    let both = |flag| sa.has(flag) && sb.has(flag);
    let same_dob = both(HAS_DOB) && sa.dob == sb.dob;
    let first = both(HAS_FIRST).then(|| {
        compare::given_name_similarity(
            (sa.first_token(a), sa.first_id),
            (sb.first_token(b), sb.first_id),
        )
    });
    if first.is_some_and(|s| s < config.guards.first_name_conflict_below) {
        // Only an exact personal email (the deterministic rule) outweighs the guard.
        let same_email = both(HAS_EMAIL) && sa.email_hash == sb.email_hash;
        return (!same_dob && !same_email).then_some(OnNames::Conflict);
    }
    let house_numbers_differ = both(NUMBERED) && sa.house_number_hash != sb.house_number_hash;
    let identifier_may_agree = (both(HAS_EMAIL) && sa.email_name_hash == sb.email_name_hash)
        || (both(HAS_PHONE) && sa.phone_hash == sb.phone_hash)
        || (both(HAS_ADDRESS) && !house_numbers_differ)
        || same_dob;
    let surnames_differ = || {
        let (x, y) = (sa.last_name(a), sb.last_name(b));
        both(HAS_LAST) && compare::surnames_differ(x, y, compare::surname_similarity(x, y))
    };
    (!identifier_may_agree && surnames_differ()).then_some(OnNames::NoMatch)
}

/// `compare`'s "two different real given names" (see `decisive_differences`).
fn distinct_first_names(sa: &Sketch, sb: &Sketch, a: &Rec, b: &Rec) -> bool {
    if !sa.has(HAS_FIRST) || !sb.has(HAS_FIRST) {
        return false;
    }
    let tokens = || (sa.first_token(a), sb.first_token(b));
    if sa.first_token_hash == sb.first_token_hash {
        let (x, y) = tokens();
        if x == y {
            return false;
        }
    }
    if sa.first_id == UNKNOWN_GIVEN_NAME
        || sb.first_id == UNKNOWN_GIVEN_NAME
        || nickname_compatible_by_id(sa.first_id, sb.first_id)
    {
        return false;
    }
    let (Some(fa), Some(fb)) = given_name_frequencies(sa.first_id, sb.first_id) else {
        return false;
    };
    // The strings are read only where the sketches cannot decide: rare names one edit
    // apart, and the exception for one mistyped letter on the same personal email.
    if fa.min(fb) < COMMON_GIVEN_NAME_PCT {
        let (x, y) = tokens();
        if strsim::damerau_levenshtein(x, y) < 2 {
            return false;
        }
    }
    let one_edit_possible = sa.first_token_len.abs_diff(sb.first_token_len) <= 1;
    let same_email = sa.has(HAS_EMAIL) && sa.email_hash == sb.email_hash && sb.has(HAS_EMAIL);
    if one_edit_possible && same_email {
        let (x, y) = tokens();
        return !(strsim::levenshtein(x, y) == 1 && compare::same_personal_email(a, b));
    }
    true
}

/// `compare`'s "wholly different dates of birth": not one mistyped digit, not day and
/// month swapped, neither the year nor the day and month in common.
fn dob_conflict(sa: &Sketch, sb: &Sketch) -> bool {
    if !sa.has(HAS_DOB) || !sb.has(HAS_DOB) || sa.dob == sb.dob {
        return false;
    }
    let d = sa.dob ^ sb.dob;
    let differing = ((d | d >> 1 | d >> 2 | d >> 3) & 0x1111_1111).count_ones();
    let ((ya, ma, da), (yb, mb, db)) = (year_month_day(sa.dob), year_month_day(sb.dob));
    let swapped = ya == yb && ma == db && da == mb;
    !(differing == 1 || swapped || ya == yb || (ma == mb && da == db))
}

fn year_month_day(x: u32) -> (u32, u32, u32) {
    (x >> 16, (x >> 8) & 0xff, x & 0xff)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resolve::normalize::{NormalizedPerson, canonical_first};

    fn rec(first: &str, last: &str, email: &str, dob: &str) -> Rec {
        let s = |v: &str| (!v.is_empty()).then(|| v.to_string());
        Rec {
            n: NormalizedPerson {
                first: s(first),
                first_canon: s(&canonical_first(first)),
                last: s(last),
                email: s(email),
                zip: Some("60614".into()),
                ..NormalizedPerson::default()
            },
            dob: s(dob),
            ..Rec::default()
        }
        .with_first_name_id()
    }

    /// `rec` with a phone and an address.
    fn at(mut r: Rec, phone: &str, address: &str) -> Rec {
        r.n.phone = (!phone.is_empty()).then(|| phone.to_string());
        r.n.address = (!address.is_empty()).then(|| address.to_string());
        r
    }

    #[test]
    fn what_the_names_settle_is_what_the_full_comparison_finds() {
        let config = ResolutionConfig::shipped();
        let people = [
            at(
                rec("ann", "lee", "ann@x.com", ""),
                "3125550101",
                "12 n halsted st",
            ),
            at(rec("ann", "leigh", "a.nn@y.com", ""), "", "14 n halsted st"),
            at(
                rec("ann", "lynch", "", "1966-03-06"),
                "3125550199",
                "12 n halsted st",
            ),
            at(rec("ann", "lynch", "", "1966-03-06"), "", ""),
            at(rec("anne", "loy", "ann@x.com", ""), "", "n halsted st"),
            at(rec("anna", "lee", "", ""), "3125550101", ""),
            at(rec("annabel", "lopez", "", ""), "", "9 oak ave"),
            at(rec("xqzt", "lee", "xqzt@x.com", ""), "", "12 n halsted st"),
            at(rec("qzxv", "lee", "", ""), "", "12 n halsted st"),
            at(rec("qzxv", "lee", "xqzt@x.com", ""), "", ""),
            at(rec("ann", "lynch", "", ""), "3125550101", "40 w oak st"),
            at(rec("ann", "lee", "", ""), "3125550101", "40 w oak st"),
            at(rec("ann", "leigh", "", "1966-03-06"), "", ""),
            // Names too long (or not ASCII) to keep in the sketch are read from the record.
            at(
                rec("maximilianus", "featherstonehaugh", "", ""),
                "",
                "3 elm st",
            ),
            at(
                rec("maximilian", "featherstonhaugh", "", ""),
                "",
                "5 elm st",
            ),
            at(rec("maximilianus", "lee", "", ""), "", ""),
            at(rec("zoë", "featherstonehaugh", "", ""), "", ""),
            // A married name on the same email name.
            at(rec("ann", "lee", "ann.lee@x.com", ""), "", ""),
            at(rec("ann", "lopez", "annlee@y.com", ""), "", ""),
            at(rec("qzxv", "lee", "qz@x.com", "1950-01-01"), "", "7 elm st"),
            at(rec("qzxw", "lin", "qz@x.com", ""), "", "8 elm st"),
            at(rec("bob", "smith", "", ""), "", "7 elm st"),
            at(rec("robert", "smyth", "", ""), "", "8 elm st"),
            at(rec("robert", "jones", "", ""), "7735550123", "8 elm st"),
        ];
        let mut settled = [0; 2];
        for a in &people {
            for b in &people {
                let (sa, sb) = (Sketch::of(a), Sketch::of(b));
                if clearly_two_people(&sa, &sb, a, b) {
                    continue;
                }
                let Some(outcome) = on_names(&sa, &sb, a, b, &config) else {
                    continue;
                };
                let scored = compare::compare(a, b, &config);
                let agrees = outcome.is_what_compare_found(&scored, &config);
                assert!(agrees, "{outcome:?} for {:?} / {:?}: {scored:?}", a.n, b.n);
                settled[outcome as usize] += 1;
            }
        }
        // Both outcomes occur: the check above is not vacuous.
        assert!(settled.iter().all(|n| *n >= 4), "{settled:?}");
    }

    /// A person drawn from small pools, so that pairs share and differ in every way: the
    /// same or nickname first names, typos, married names, shared emails and email names,
    /// household phones, house numbers, dates of birth a digit apart.
    fn drawn(choice: [usize; 7]) -> Rec {
        const FIRSTS: [&str; 8] = ["ann", "anne", "anna", "bob", "robert", "rob", "xqzt", ""];
        const LASTS: [&str; 7] = ["lee", "leigh", "lopez", "lee lopez", "smith", "smyth", ""];
        const EMAILS: [&str; 6] = [
            "ann@x.com",
            "a.nn@y.com",
            "bob@x.com",
            "leefamily@x.com",
            "annlee@z.com",
            "",
        ];
        const PHONES: [&str; 4] = ["3125550101", "7735550101", "3125550199", ""];
        const ADDRESSES: [&str; 5] = [
            "12 n halsted st",
            "12 n halsted",
            "14 n halsted st",
            "n halsted st",
            "",
        ];
        const DOBS: [&str; 5] = ["1966-03-06", "1966-03-07", "1966-06-03", "1980-01-01", ""];
        const ZIPS: [&str; 2] = ["60614", "60615"];
        let mut r = at(
            rec(
                FIRSTS[choice[0] % FIRSTS.len()],
                LASTS[choice[1] % LASTS.len()],
                EMAILS[choice[2] % EMAILS.len()],
                DOBS[choice[3] % DOBS.len()],
            ),
            PHONES[choice[4] % PHONES.len()],
            ADDRESSES[choice[5] % ADDRESSES.len()],
        );
        r.n.zip = Some(ZIPS[choice[6] % ZIPS.len()].into());
        r
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4096))]
        #[test]
        fn sketches_settle_random_pairs_as_the_full_comparison_does(
            x in proptest::array::uniform7(0usize..8),
            y in proptest::array::uniform7(0usize..8),
        ) {
            let config = ResolutionConfig::shipped();
            let (a, b) = (drawn(x), drawn(y));
            let (sa, sb) = (Sketch::of(&a), Sketch::of(&b));
            let two_people = clearly_two_people(&sa, &sb, &a, &b);
            proptest::prop_assert_eq!(two_people, compare::clearly_two_people(&a, &b));
            if let (false, Some(outcome)) = (two_people, on_names(&sa, &sb, &a, &b, &config)) {
                let scored = compare::compare(&a, &b, &config);
                let agrees = outcome.is_what_compare_found(&scored, &config);
                proptest::prop_assert!(agrees, "{:?} for {:?} / {:?}: {:?}", outcome, a.n, b.n, scored);
            }
        }
    }

    #[test]
    fn short_ascii_text_is_kept_in_place_and_anything_else_read_from_the_record() {
        let kept = Inline::<4>::of("anna");
        assert_eq!(kept.or(|| "from the record"), "anna");
        assert_eq!(Inline::<4>::of("").or(|| "from the record"), "");
        for other in ["annabel", "zoë"] {
            assert_eq!(Inline::<4>::of(other).or(|| other), other);
            assert_eq!(
                Inline::<4>::of(other).or(|| "from the record"),
                "from the record"
            );
        }
    }

    #[test]
    fn packed_dates_keep_their_digits() {
        assert_eq!(packed_date("1966-03-06"), Some(0x1966_0306));
        assert_eq!(packed_date("1966/03/06"), None);
        assert_eq!(packed_date("66-3-6"), None);
    }

    #[test]
    fn sketches_agree_with_the_full_check_on_every_kind_of_pair() {
        let people = [
            rec("ann", "lee", "ann@x.com", "1966-03-06"),
            rec("anne", "lee", "", "1966-03-06"),
            rec("thomas", "lee", "ann@x.com", ""),
            rec("tom", "lee", "", "1966-06-03"),
            rec("lee", "ann", "", ""),
            rec("jon", "valenti", "jv@x.com", ""),
            rec("john", "valenti", "jv@x.com", ""),
            rec("john", "valenti", "john@y.com", "1913-06-29"),
            rec("marc", "hopson", "", "1966-03-07"),
            rec("martha", "hopson", "", "1967-03-06"),
            rec("mary", "smith", "", "1980-01-01"),
            rec("marty", "smith", "", "1980-02-02"),
            rec("sarah", "smith", "", "1990-11-12"),
            rec("steve", "smith", "", "1991-12-11"),
            rec("xqzt", "smith", "", ""),
            rec("", "smith", "", "1955-05-05"),
            rec("bob", "", "", "19550505"),
            rec("robert", "smith", "", "1955-05-05"),
        ];
        for a in &people {
            for b in &people {
                let (sa, sb) = (Sketch::of(a), Sketch::of(b));
                assert_eq!(
                    clearly_two_people(&sa, &sb, a, b),
                    compare::clearly_two_people(a, b),
                    "{:?} / {:?}",
                    a.n,
                    b.n
                );
            }
        }
    }
}
