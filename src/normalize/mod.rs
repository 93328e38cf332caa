//! Normalisers: the forms identity resolution compares. Pure functions, no I/O.
//! Ingest stores their output beside the raw fields so matching never re-parses.

mod address;
mod contact;
mod date;
mod given_names;
mod names;

pub use address::*;
pub use contact::*;
pub use date::*;
pub use given_names::*;
pub use names::*;

/// Normalised person fields as stored beside the raw ones and compared
/// by identity resolution.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NormalizedPerson {
    pub first: Option<String>,
    pub first_canon: Option<String>,
    pub last: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub unit: Option<String>,
    pub city: Option<String>,
    pub zip: Option<String>,
    /// The generation a suffix names (Sr 1, Jr and II 2, III 3 ...), see `person_name`.
    pub generation: Option<u8>,
    /// A birth date no calendar has, as `date_as_written` reads it, where the record's
    /// date of birth is stored empty: matching compares it, nothing shows it as a date.
    pub dob_as_written: Option<String>,
    /// "m" or "f" (see `gender`): compared, never shown on a golden record.
    pub gender: Option<&'static str>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(given: &str, surname: &str) -> (Option<String>, Option<String>, Option<u8>) {
        let n = person_name(Some(given), Some(surname));
        (n.given, n.surname, n.generation)
    }

    #[test]
    fn a_name_a_form_put_in_for_nobody_is_no_name() {
        let some = |s: &str| Some(s.to_string());
        for (given, surname) in [
            ("Guest", "Guest"),
            ("", "Anonymous"),
            ("Anonymous", "Donor"),
            ("Current", "Resident"),
            ("Valued", "Customer"),
            ("Unknown", "UNKNOWN"),
            ("N/A", "n/a"),
            ("Mr.", "Guest"),
        ] {
            assert_eq!(
                named(given, surname),
                (None, None, None),
                "{given} {surname}"
            );
        }
        // A real name among the words keeps both.
        assert_eq!(
            named("Christopher", "Guest"),
            (some("christopher"), some("guest"), None)
        );
        assert_eq!(
            named("Guest", "Okafor"),
            (some("guest"), some("okafor"), None)
        );
        assert_eq!(named("Ann", "Friend"), (some("ann"), some("friend"), None));
    }

    #[test]
    fn titles_suffixes_and_degrees_come_off_a_name_and_the_generation_is_kept() {
        let some = |s: &str| Some(s.to_string());
        assert_eq!(named("Dr. Ann", "Lee"), (some("ann"), some("lee"), None));
        assert_eq!(
            named("The Rt. Hon. Lady Mary", "Lee"),
            (some("mary"), some("lee"), None)
        );
        assert_eq!(named("Reverend", "Lee"), (None, some("lee"), None));
        assert_eq!(
            named("Mr. and Mrs. John", "Smith"),
            (some("john"), some("smith"), None)
        );
        assert_eq!(
            named("John", "Smith, Jr."),
            (some("john"), some("smith"), Some(2))
        );
        assert_eq!(
            named("John", "Smith II"),
            (some("john"), some("smith"), Some(2))
        );
        assert_eq!(
            named("John", "Smith Sr"),
            (some("john"), some("smith"), Some(1))
        );
        assert_eq!(
            named("John", "Smith III MD"),
            (some("john"), some("smith"), Some(3))
        );
        assert_eq!(named("Ann", "Lee, PhD"), (some("ann"), some("lee"), None));
        assert_eq!(
            named("John Jr", "Smith"),
            (some("john"), some("smith"), Some(2))
        );
        // A middle initial is not a fifth generation; a surname's own letters stay.
        assert_eq!(
            named("John V", "Smith"),
            (some("john v"), some("smith"), None)
        );
        assert_eq!(
            named("Ann", "Smith V"),
            (some("ann"), some("smith"), Some(5))
        );
        // What is only a title or a suffix is the name itself, or no name.
        assert_eq!(named("Mrs", "Sr"), (None, some("sr"), None));
        assert_eq!(
            named("Junior", "Jones"),
            (some("junior"), some("jones"), None)
        );
    }

    #[test]
    fn a_full_name_splits_into_given_names_and_surname_as_it_is_written() {
        let split = |raw: &str| {
            let (g, s) = split_full_name(raw);
            (g.unwrap_or_default(), s.unwrap_or_default())
        };
        let pair = |g: &str, s: &str| (g.to_string(), s.to_string());
        assert_eq!(split("Smith, John A."), pair("John A.", "Smith"));
        assert_eq!(
            split("Dr. John A. Smith Jr."),
            pair("Dr. John A.", "Smith Jr.")
        );
        assert_eq!(split("John Smith, Jr."), pair("John", "Smith Jr."));
        assert_eq!(split("Smith, John, III"), pair("John", "Smith III"));
        assert_eq!(split("John Smith Jr., MD"), pair("John", "Smith Jr. MD"));
        assert_eq!(split("Núñez, José"), pair("José", "Núñez"));
        assert_eq!(split("Maria de la Cruz"), pair("Maria", "de la Cruz"));
        assert_eq!(
            split("Ludwig van Beethoven"),
            pair("Ludwig", "van Beethoven")
        );
        assert_eq!(split("  Ann   Lee  "), pair("Ann", "Lee"));
        assert_eq!(split("Cher"), pair("", "Cher"));
        assert_eq!(split(" , "), pair("", ""));
        // Read back through the normaliser, both forms are one person's name.
        let normalised = |raw: &str| {
            let (g, s) = split_full_name(raw);
            person_name(g.as_deref(), s.as_deref())
        };
        let (plain, titled) = (normalised("Smith, John"), normalised("Mr. John Smith"));
        assert_eq!((plain.given, plain.surname), (titled.given, titled.surname));
        assert_eq!(titled.sex, Some("m"));
        assert_eq!(normalised("John Smith, Jr.").generation, Some(2));
    }

    #[test]
    fn a_couples_record_is_the_first_named_persons() {
        let given = |first: &str| person_name(Some(first), Some("Smith")).given;
        for couple in [
            "John & Mary",
            "John and Mary",
            "JOHN AND MARY",
            "John+Mary",
            "Mr. & Mrs. John",
            "Mr. and Mrs. John",
        ] {
            assert_eq!(given(couple).as_deref(), Some("john"), "{couple}");
        }
        assert_eq!(given("Mary & John").as_deref(), Some("mary"));
        // The partner is no middle name: "John A. and Mary" keeps John's own initial.
        assert_eq!(given("John A. and Mary").as_deref(), Some("john a"));
        assert_eq!(given("Andrea").as_deref(), Some("andrea"));
        // In one column: the shared surname at the end, or each their own.
        let full = |raw: &str| {
            let (g, s) = split_full_name(raw);
            let n = person_name(g.as_deref(), s.as_deref());
            (n.given.unwrap_or_default(), n.surname.unwrap_or_default())
        };
        let pair = |g: &str, s: &str| (g.to_string(), s.to_string());
        assert_eq!(full("John & Mary Smith"), pair("john", "smith"));
        assert_eq!(full("Smith, Mary and John"), pair("mary", "smith"));
        assert_eq!(full("John Smith & Mary Jones"), pair("john", "smith"));
        assert_eq!(full("Dr. John Smith and Mary Jones"), pair("john", "smith"));
        assert_eq!(full("Mr. and Mrs. John Smith"), pair("john", "smith"));
    }

    #[test]
    fn names_fold_case_accents_and_punctuation() {
        assert_eq!(name("  O'Brien-Núñez "), "obrien nunez");
        assert_eq!(name("JOSÉ  luis"), "jose luis");
        assert_eq!(name("Smith, Jr."), "smith jr");
        assert_eq!(name(""), "");
        assert_eq!(
            name("Jose\u{301}"),
            "jose",
            "an accent written as its own mark"
        );
        assert_eq!(name("Ann\u{a0}Lee 🎉"), "ann lee", "a symbol is no letter");
    }

    #[test]
    fn a_name_in_letters_ascii_lacks_reads_as_it_is_written_in_ascii() {
        for (written, ascii) in [
            ("Søren Østergaard", "soren ostergaard"),
            ("Łukasz Wałęsa", "lukasz walesa"),
            ("Strauß", "strauss"),
            ("Ðorđević", "dordevic"),
            ("İsmail Yıldız", "ismail yildiz"),
            ("Nguyễn Thị", "nguyen thi"),
            ("Дмитрий", "dmitrii"),
            ("Κώστας", "kostas"),
            ("张伟", "zhang wei"),
            ("Ｊｏｈｎ", "john"),
        ] {
            assert_eq!(name(written), ascii, "{written}");
        }
        // Soundex, the blocking keys' spelling code, then reads the whole name.
        assert_eq!(soundex(&name("Łukasz")), soundex("lukasz"));
    }

    #[test]
    fn only_names_the_table_relates_or_that_share_a_longer_name_are_nickname_forms() {
        assert!(nickname_compatible("nancy", "nan"));
        assert!(nickname_compatible("veronica", "ronnie"));
        assert!(nickname_compatible("alex", "alexandra"));
        assert!(nickname_compatible("alex", "alexander"));
        assert!(
            !nickname_compatible("alexander", "alexandra"),
            "they share only Alex"
        );
        assert!(
            !nickname_compatible("william", "robert"),
            "they share only Bill"
        );
        assert!(!nickname_compatible("mary", "rosemarie"));
        assert!(
            !nickname_compatible("mary", "paul"),
            "they share only Polly"
        );
        // Two nicknames of one name that starts as they do: Jim and Jamie of James.
        assert!(nickname_compatible("jim", "jamie"));
        assert!(nickname_compatible("jack", "johnny"));
        assert_eq!(canonical_first("bob"), "robert");
        assert_eq!(canonical_first("robert"), "robert");
    }

    #[test]
    fn one_edit_apart_is_damerau_distance_one() {
        for (a, b) in [
            ("michael", "micheal"),
            ("jon", "john"),
            ("ann", "an"),
            ("x", "y"),
            ("mary", "marty"),
            ("jessie", "jessiie"),
        ] {
            assert!(one_edit_apart(a, b), "{a}/{b}");
            assert!(one_edit_apart(b, a), "{b}/{a}");
        }
        for (a, b) in [
            ("ann", "ann"),
            ("marc", "martha"),
            ("abc", "cba"),
            ("", "ab"),
        ] {
            assert!(!one_edit_apart(a, b), "{a}/{b}");
        }
    }

    proptest::proptest! {
        #[test]
        fn one_edit_apart_agrees_with_strsim(a in "[ab]{0,6}", b in "[ab]{0,6}") {
            let theirs = a != b && strsim::osa_distance(&a, &b) == 1;
            proptest::prop_assert_eq!(one_edit_apart(&a, &b), theirs, "{} {}", a, b);
        }
    }

    #[test]
    fn a_diminutive_spelled_with_another_ending_is_still_the_nickname() {
        // The table has Milly, Robby, Suzie and Patty; people also write these.
        for (formal, nick) in [
            ("mildred", "millie"),
            ("robert", "robbie"),
            ("susan", "suzy"),
            ("patricia", "pattie"),
            ("teresa", "terri"),
        ] {
            assert!(nickname_compatible(formal, nick), "{formal}/{nick}");
        }
        // Short stems and vowel stems keep their one spelling; names stay apart.
        assert!(diminutive_spellings("joey").is_empty());
        assert!(diminutive_spellings("amy").is_empty());
        assert!(!nickname_compatible("robert", "william"));
        assert!(!nickname_compatible("mildred", "emily"));
    }

    #[test]
    fn a_short_form_clipped_from_a_longer_name_is_a_nickname_two_full_names_are_not() {
        for (short, long) in [("barb", "barbara"), ("bert", "herbert"), ("dan", "daniel")] {
            assert!(
                clipped_form(short, long) && clipped_form(long, short),
                "{short}"
            );
            let (a, b) = (given_name_id(short), given_name_id(long));
            assert!(!distinct_given_names_by_id(short, long, a, b), "{short}");
        }
        for (a, b) in [
            ("eric", "erica"),
            ("paul", "paula"),
            ("don", "donna"),
            ("ella", "stella"),
            ("al", "albert"),
        ] {
            assert!(!clipped_form(a, b), "{a} and {b} are two names");
        }
        // A man's full name at the start of a woman's is hers alone; a diminutive both
        // sexes use, or two the table relates, stay one name.
        let by_id = |a: &str, b: &str| {
            let (ia, ib) = (given_name_id(a), given_name_id(b));
            (
                clipped_form_by_id(a, b, ia, ib) || nickname_compatible_by_id(ia, ib),
                distinct_given_names_by_id(a, b, ia, ib),
            )
        };
        for (his, hers) in [("joseph", "josephine"), ("george", "georgette")] {
            assert!(clipped_form(his, hers));
            assert_eq!(by_id(his, hers), (false, true), "{his} and {hers}");
        }
        for (short, long) in [
            ("alex", "alexandra"),
            ("chris", "christine"),
            ("sam", "samantha"),
            ("dan", "daniel"),
            ("mel", "missy"),
        ] {
            assert_eq!(by_id(short, long), (true, false), "{short} and {long}");
        }
    }

    #[test]
    fn nicknames_map_to_formal_names() {
        assert_eq!(canonical_first("bob"), "robert");
        assert_eq!(canonical_first("robert"), "robert");
        assert_eq!(canonical_first("liz"), "elizabeth");
        // The commonest name a nickname is short for; a common name is its own.
        for (nickname, formal) in [
            ("jimmy", "james"),
            ("jimmie", "james"),
            ("james", "james"),
            ("dick", "richard"),
            ("ricky", "richard"),
            ("will", "william"),
            ("johnny", "john"),
            ("john", "john"),
            ("dan", "daniel"),
            ("ted", "edward"),
        ] {
            assert_eq!(canonical_first(nickname), formal, "{nickname}");
        }
        assert_eq!(canonical_first("zebedeex"), "zebedeex");
        assert!(nickname_compatible("liz", "beth"));
        assert!(nickname_compatible("chris", "christine"));
        assert!(nickname_compatible("chris", "christopher"));
        assert!(!nickname_compatible("robert", "mary"));
    }

    #[test]
    fn phones_are_displayed_in_one_form_and_anything_else_as_written() {
        for raw in [
            "2242291530",
            "(224) 229-1530",
            "+1 224.229.1530",
            " 224-229-1530 ",
        ] {
            assert_eq!(display_phone(raw), "(224) 229-1530", "{raw}");
        }
        assert_eq!(display_phone("+44 20 7946 0958"), "+44 20 7946 0958");
        assert_eq!(display_phone("224-229-1530 ext. 12 "), "(224) 229-1530 x12");
        assert_eq!(display_phone("not a phone"), "not a phone");
    }

    #[test]
    fn phones_in_every_format_become_ten_digits_without_the_extension() {
        for raw in [
            "(312) 555-0101",
            "312.555.0101",
            "+1 312 555 0101",
            "1-312-555-0101",
            "312-555-0101 ext. 12",
            "(312) 555-0101 x9",
            "312 555 0101 #4",
        ] {
            assert_eq!(phone(raw).as_deref(), Some("3125550101"), "{raw}");
        }
        assert_eq!(phone("555-0101"), None);
        assert_eq!(phone("012 555 0101"), None);
        // North American in an international form.
        for raw in [
            "+1 (312) 555-0101",
            "001 312 555 0101",
            "011 1 312 555 0101",
        ] {
            assert_eq!(phone(raw).as_deref(), Some("3125550101"), "{raw}");
        }
    }

    #[test]
    fn another_countrys_phone_is_compared_where_its_country_code_is_written() {
        for raw in [
            "+44 20 7946 0958",
            "+44 (0)20 7946 0958 ext. 4",
            "0044 20 7946 0958",
            "011 44 20 7946 0958",
        ] {
            assert_eq!(phone(raw).as_deref(), Some("+442079460958"), "{raw}");
        }
        // Without a country code it could be any country's.
        assert_eq!(phone("020 7946 0958"), None);
        // Too short or too long for E.164.
        assert_eq!(phone("+44 123"), None);
        assert_eq!(phone("+44 1234 5678 9012 345"), None);
        let dialled = |raw: &str| phone(raw).as_deref().map(e164);
        assert_eq!(
            dialled("+44 20 7946 0958").as_deref(),
            Some("+442079460958")
        );
        assert_eq!(dialled("(312) 555-0101").as_deref(), Some("+13125550101"));
        assert_eq!(dialled("020 7946 0958"), None);
    }

    #[test]
    fn a_number_written_without_its_country_code_is_read_as_its_files_country() {
        let uk = Some(44);
        assert_eq!(
            phone_in("020 7946 0958", uk).as_deref(),
            Some("+442079460958")
        );
        assert_eq!(
            phone_in("(020) 7946-0958 x12", uk).as_deref(),
            Some("+442079460958")
        );
        // Written with a country code, the code written is the number's.
        assert_eq!(
            phone_in("+33 1 23 45 67 89", uk).as_deref(),
            Some("+33123456789")
        );
        assert_eq!(
            phone_in("+1 312 555 0101", uk).as_deref(),
            Some("3125550101")
        );
        // 011 is North America's exit code; in the UK it starts Leeds's and Sheffield's.
        assert_eq!(
            phone_in("0113 496 0000", uk).as_deref(),
            Some("+441134960000")
        );
        assert_eq!(
            phone_in("0044 113 496 0000", uk).as_deref(),
            Some("+441134960000")
        );
        // Australia's trunk 0 goes; Italy's 0 is part of the number.
        assert_eq!(
            phone_in("(02) 9374 4000", Some(61)).as_deref(),
            Some("+61293744000")
        );
        assert_eq!(
            phone_in("06 6982 1234", Some(39)).as_deref(),
            Some("+390669821234")
        );
        // North America's are ten digits, told or not; a short number is none.
        assert_eq!(
            phone_in("312-555-0101", Some(1)).as_deref(),
            Some("3125550101")
        );
        assert_eq!(phone_in("0123", uk), None);
        assert_eq!(phone_in("", uk), None);
    }

    #[test]
    fn a_local_number_of_seven_digits_is_read_in_its_files_area() {
        let county = PhonePlan {
            country: None,
            area: Some("715"),
        };
        for written in ["555-1234", "555 1234", "5551234", "555-1234 ext 9"] {
            assert_eq!(
                county.read(written).as_deref(),
                Some("7155551234"),
                "{written}"
            );
        }
        // Numbers written whole are read as written, whatever the area.
        assert_eq!(county.read("(312) 555-0101").as_deref(), Some("3125550101"));
        assert_eq!(
            county.read("+44 20 7946 0958").as_deref(),
            Some("+442079460958")
        );
        // Without an area a local number is nobody's; seven digits after a + are not local.
        assert_eq!(PhonePlan::default().read("555-1234"), None);
        assert_eq!(county.read("+555-1234"), None);
    }

    #[test]
    fn a_households_mailbox_is_known_by_its_name_numbered_or_not() {
        for joint in [
            "smithfamily@x.com",
            "thesmiths@x.com",
            "thesmiths1207@x.com",
            "leehousehold88@x.com",
        ] {
            assert!(is_joint_mailbox(joint), "{joint}");
        }
        for joint in [
            "thejoneses@x.com",
            "theallens@x.com",
            "theowens4@x.com",
            "thedavises@x.com",
        ] {
            assert!(is_joint_mailbox(joint), "{joint}");
        }
        for personal in [
            "thomas12@x.com",
            "thes@x.com",
            "tess1207@x.com",
            "theo.smiths@x.com",
            "theodoreadams12@x.com",
            "theresas@x.com",
            "thelmas@x.com",
        ] {
            assert!(!is_joint_mailbox(personal), "{personal}");
        }
        // A couple's: two given names joined by "and"; not one person's name that holds them.
        for couple in [
            "johnandmary@x.com",
            "bob.and.sue52@x.com",
            "bryceandlaura@x.com",
        ] {
            assert!(is_joint_mailbox(couple), "{couple}");
        }
        for personal in [
            "christiandavis@x.com",
            "alexandria605@x.com",
            "megan.davis20@x.com",
            "johnsonandrea@x.com",
            "alexander.linda.4714@x.com",
            "brandon@x.com",
            "fernandez.j@x.com",
        ] {
            assert!(!is_joint_mailbox(personal), "{personal}");
        }
    }

    #[test]
    fn a_mailbox_named_for_the_records_family_and_home_is_a_households() {
        for (mailbox, surname) in [
            ("ortizhome@x.com", "ortiz"),
            ("theortizhome12@x.com", "ortiz"),
            ("thegarciahome@x.com", "garcia lopez"),
            ("garcialopezhome@x.com", "garcia lopez"),
        ] {
            assert!(names_a_home(mailbox, Some(surname)), "{mailbox}");
        }
        for (mailbox, surname) in [
            ("moviehome@x.com", Some("ortiz")),
            ("ortizhome@x.com", Some("ortega")),
            ("ortizhome@x.com", None),
            ("ortiz.home@x.com", Some("ortiz")),
            ("home@x.com", Some("ortiz")),
        ] {
            assert!(!names_a_home(mailbox, surname), "{mailbox}");
        }
    }

    #[test]
    fn emails_are_trimmed_lowercased_and_untagged_or_refused() {
        assert_eq!(
            email("  Ann.Lee@Example.COM ").as_deref(),
            Some("ann.lee@example.com")
        );
        assert_eq!(email("not-an-email"), None);
        assert_eq!(email("a@b"), None);
        assert_eq!(email("a b@c.com"), None);
        // A tag reaches the same mailbox; a mailbox that is only a tag stays as written.
        assert_eq!(email("Ann+News@x.com").as_deref(), Some("ann@x.com"));
        assert_eq!(email("+news@x.com").as_deref(), Some("+news@x.com"));
    }

    #[test]
    fn an_email_is_read_as_mail_clients_and_crms_export_it() {
        let ann = Some("ann@x.com");
        for written in [
            "Ann Lee <Ann@X.com>",
            "\"Lee, Ann\" <ann@x.com>",
            "mailto:ann@x.com",
            "ann@x.com.",
            "ann@x.com; ann.lee@y.org",
            "ann@x.com,ann.lee@y.org",
            "not an address; ann@x.com",
        ] {
            assert_eq!(email(written).as_deref(), ann, "{written}");
        }
        // A domain cut short stays as written.
        assert_eq!(email("ann@x.").as_deref(), Some("ann@x."));
        for refused in ["Ann Lee", "<>", "a@b; c@d", ";"] {
            assert_eq!(email(refused), None, "{refused}");
        }
    }

    #[test]
    fn a_street_line_starts_with_its_house_number_or_has_none() {
        assert_eq!(
            house_number("12 n halsted st"),
            (Some("12"), "n halsted st")
        );
        assert_eq!(house_number("n halsted st"), (None, "n halsted st"));
        assert_eq!(house_number("12b halsted st"), (None, "12b halsted st"));
        assert_eq!(house_number("1200"), (Some("1200"), ""));
        assert_eq!(house_number(""), (None, ""));
    }

    #[test]
    fn addresses_use_usps_abbreviations_and_split_units() {
        assert_eq!(
            address("123 North Halsted Street", "Apt. 4B"),
            (Some("123 n halsted st".into()), Some("4b".into()))
        );
        assert_eq!(
            address("123 N. Halsted St #4b", ""),
            (Some("123 n halsted st".into()), Some("4b".into()))
        );
        assert_eq!(
            address("55 W Diversey Pkwy", "Unit 2"),
            address("55 West Diversey Parkway", "unit 2")
        );
        assert_eq!(address("", ""), (None, None));
        assert_eq!(
            address("100 West First Street", "Room 12"),
            (Some("100 w 1st st".into()), Some("12".into()))
        );
    }

    #[test]
    fn a_post_office_box_and_a_rural_route_are_written_as_usps_writes_them() {
        let street = |line: &str| address(line, "").0.unwrap_or_default();
        for written in [
            "PO Box 123",
            "P.O. Box 123",
            "P O Box 123",
            "Post Office Box 123",
            "POB 123",
            "Box 123",
            "p.o.box 123",
        ] {
            assert_eq!(street(written), "po box 123", "{written}");
        }
        for written in ["Rural Route 2 Box 15", "R.R. 2, Box 15", "RR 2 Box 15"] {
            assert_eq!(street(written), "rr 2 box 15", "{written}");
        }
        // A street named so stays a street.
        assert_eq!(street("12 Box Elder Rd"), "12 box elder rd");
        assert_eq!(street("Box Canyon Road"), "box canyon rd");
    }

    #[test]
    fn an_address_on_one_line_is_read_in_its_parts() {
        let springfield = |street: &str, zip: &'static str| {
            Some(OneLineAddress {
                street: street.to_string(),
                city: "Springfield".to_string(),
                zip,
            })
        };
        for line in [
            "123 Main St, Springfield, IL 62701",
            "123 Main St  Springfield  IL  62701  US",
            "123 Main St, Springfield, IL, 62701",
            "123 Main St,Springfield,il 62701,USA",
            "123 Main St, Springfield IL 62701",
        ] {
            assert_eq!(
                one_line_address(line),
                springfield("123 Main St", "62701"),
                "{line}"
            );
        }
        assert_eq!(
            one_line_address("123 Main St, Apt 4, Springfield, IL 62701-1234"),
            springfield("123 Main St Apt 4", "62701-1234")
        );
        assert_eq!(
            one_line_address("PO Box 12, Springfield, 62701"),
            springfield("PO Box 12", "62701")
        );
        // A street alone, with its unit or its quadrant ("NE" is also Nebraska's code), a
        // line without its ZIP, or a city without a street, is no such line.
        for line in [
            "12 Main St  NE",
            "PO Box 12, Springfield, IL",
            "123 Main St",
            "12 Oak St, Apt 4",
            "Springfield, IL 62701",
            "12 Oak St, Suite 5, 60614 Chicago",
        ] {
            assert_eq!(one_line_address(line), None, "{line}");
        }
    }

    #[test]
    fn a_town_written_two_ways_is_one_city() {
        for (one, other) in [
            ("Saint Charles", "St. Charles"),
            ("FORT WAYNE", "Ft Wayne"),
            ("Mount Prospect", "Mt. Prospect"),
            ("North Chicago", "N Chicago"),
        ] {
            assert_eq!(city(one), city(other), "{one}");
        }
        assert_eq!(city("Chicago").as_deref(), Some("chicago"));
        assert_eq!(
            city("Fortville").as_deref(),
            Some("fortville"),
            "a word, not a prefix"
        );
        assert_eq!(city(" . "), None);
    }

    #[test]
    fn a_gender_or_a_title_reads_as_a_sex_and_anything_else_as_none() {
        for male in ["M", "male", " Male ", "MAN", "Mr.", "mr", "Mister"] {
            assert_eq!(gender(male), Some("m"), "{male}");
        }
        for female in ["F", "female", "Woman", "Mrs.", "Ms", "MISS"] {
            assert_eq!(gender(female), Some("f"), "{female}");
        }
        for nothing in [
            "",
            "U",
            "X",
            "unknown",
            "Dr.",
            "Rev",
            "Mx",
            "Mr. and Mrs.",
            "female | male",
            "1",
        ] {
            assert_eq!(gender(nothing), None, "{nothing}");
        }
        // A title before the given name says it too, where the titles agree.
        let sex = |given: &str| person_name(Some(given), Some("Lee")).sex;
        assert_eq!(sex("Mrs. Ann"), Some("f"));
        assert_eq!(sex("The Rt. Hon. Lady Mary"), Some("f"));
        assert_eq!(sex("Sir John"), Some("m"));
        for none in ["Ann", "Dr. Ann", "Mr. and Mrs. John", "Mx Sam", "Ann Miss"] {
            assert_eq!(sex(none), None, "{none}");
        }
    }

    #[test]
    fn zips_keep_five_digits() {
        assert_eq!(zip("60614-1234").as_deref(), Some("60614"));
        assert_eq!(zip("60614").as_deref(), Some("60614"));
        assert_eq!(zip("2119").as_deref(), Some("02119"));
        assert_eq!(
            zip("21191234").as_deref(),
            Some("02119"),
            "ZIP+4 without its zero"
        );
        assert_eq!(zip("614"), None);
    }

    #[test]
    fn postcodes_with_letters_are_kept_whole() {
        assert_eq!(zip("TQ13 8DF").as_deref(), Some("tq138df"));
        assert_eq!(zip("k1a-0b1").as_deref(), Some("k1a0b1"));
        assert_eq!(zip("W1A 1AA").as_deref(), Some("w1a1aa"));
        // A state before the ZIP is still the ZIP; words are no postcode.
        assert_eq!(zip("IL 60614").as_deref(), Some("60614"));
        assert_eq!(zip("none"), None);
        assert_eq!(zip("n/a"), None);
    }

    #[test]
    fn dates_try_each_format() {
        let formats = vec!["%Y-%m-%d".to_string(), "%m/%d/%Y".to_string()];
        assert_eq!(date("03/07/1970", &formats).as_deref(), Some("1970-03-07"));
        assert_eq!(date("1970-03-07", &formats).as_deref(), Some("1970-03-07"));
        assert_eq!(date("7 March 1970", &formats), None);
    }

    #[test]
    fn a_timestamp_is_read_as_its_date() {
        let formats = ["%Y-%m-%d".to_string(), "%m/%d/%Y".to_string()];
        for stamp in [
            "2024-05-01 13:45:00",
            "2024-05-01T13:45:00Z",
            "2024-05-01T09:05:00.123+02:00",
            "5/1/2024 1:45 PM",
            " 05/01/2024  00:00 ",
        ] {
            assert_eq!(
                date(stamp, &formats).as_deref(),
                Some("2024-05-01"),
                "{stamp}"
            );
        }
        // Only a time of day comes off: anything else after a date is no date.
        assert_eq!(date("2024-05-01 approx", &formats), None);
        assert_eq!(date("2024-05-01 2024", &formats), None);
    }

    #[test]
    fn a_two_digit_birth_year_is_in_the_century_before_today() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
        let formats = ["%m/%d/%Y".to_string(), "%m/%d/%y".to_string()];
        let born = |raw: &str| birth_date(raw, &formats, today);
        assert_eq!(
            born("03/02/45").as_deref(),
            Some("1945-03-02"),
            "chrono reads 2045"
        );
        assert_eq!(born("03/02/05").as_deref(), Some("2005-03-02"));
        assert_eq!(
            born("12/06/26").as_deref(),
            Some("2026-12-06"),
            "born today"
        );
        assert_eq!(born("12/07/26").as_deref(), Some("1926-12-07"));
        // Four digits are the year written, even a mistyped one.
        assert_eq!(born("03/02/2045").as_deref(), Some("2045-03-02"));
        assert_eq!(born("02/29/48").as_deref(), Some("1948-02-29"));
        assert_eq!(born("not a date"), None);
        // A two-digit year under a four-digit format is no year 45.
        assert_eq!(date("03/02/45", &formats[..1]), None);
        // Written with four digits, a year is that year (Wikidata's people of the 7th century).
        assert_eq!(
            date("0650-03-02", &["%Y-%m-%d".to_string()]).as_deref(),
            Some("0650-03-02")
        );
        assert_eq!(
            date("03/02/0650", &formats[..1]).as_deref(),
            Some("0650-03-02")
        );
    }

    #[test]
    fn a_birth_date_in_part_is_read_as_far_as_it_goes() {
        let formats = ["%m/%d/%Y".to_string(), "%m/%Y".to_string()];
        assert_eq!(partial_date(" 1985 ", &formats).as_deref(), Some("1985"));
        assert_eq!(partial_date("3/1985", &formats).as_deref(), Some("1985-03"));
        assert_eq!(
            partial_date("1985", &[]).as_deref(),
            Some("1985"),
            "a year is a year"
        );
        assert_eq!(
            partial_date("3/1985", &[]),
            None,
            "a month only under a format"
        );
        for not_a_part in ["0000", "9999", "13/1985", "03/02/1985", "85", "1985-03"] {
            assert_eq!(partial_date(not_a_part, &formats), None, "{not_a_part}");
        }
    }

    #[test]
    fn a_date_no_calendar_has_is_read_as_written_for_matching() {
        let formats = vec![
            "%Y %m %d".to_string(),
            "%m/%d/%Y".to_string(),
            "%Y%m%d".to_string(),
        ];
        let read = |raw: &str| date_as_written(raw, &formats);
        assert_eq!(read("1950 2 30").as_deref(), Some("1950-02-30"));
        assert_eq!(read("1950  13 5").as_deref(), Some("1950-13-05"));
        assert_eq!(read("19560230").as_deref(), Some("1956-02-30"));
        // Day and month the wrong way round for the format.
        assert_eq!(read("25/12/1980").as_deref(), Some("1980-25-12"));
        assert_eq!(read("1949 0 13").as_deref(), Some("1949-00-13"));
        // Placeholders and words are no date, as written or otherwise.
        assert_eq!(read("9999 99 99"), None);
        assert_eq!(read("0000 00 00"), None);
        assert_eq!(read("1950 0 0"), None);
        assert_eq!(read("1950 2 30 x"), None);
        assert_eq!(read("7 March 1970"), None);
        assert_eq!(
            date_as_written("1950-02-30", &["%d %B %Y".to_string()]),
            None
        );
    }

    #[test]
    fn soundex_tolerates_spelling() {
        assert_eq!(soundex("smith"), "S530");
        assert_eq!(soundex("smyth"), "S530");
        assert_eq!(soundex("robert"), "R163");
        assert_eq!(soundex("rupert"), "R163");
        assert_eq!(soundex("ashcraft"), "A261");
    }
}
