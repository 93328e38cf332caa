//! `cpm config draft`: a file nobody has mapped gets a mapping that loads it.

use std::collections::BTreeSet;

use cpm::config::{Columns, SourceConfig};
use cpm::ingest::draft::{DraftOptions, draft};
use cpm::vocab::consent::ConsentColumn;

use crate::common::{TempProject, cpm, fixture, generated, ok};

fn consent_columns(source: &SourceConfig) -> BTreeSet<(String, String)> {
    source
        .consent
        .iter()
        .flat_map(|c| c.channels())
        .map(|(channel, column)| (channel.name().to_string(), column.column().to_string()))
        .collect()
}

/// The generator's four files, drafted with nothing but the files: every person key,
/// person field, fact table and column and consent column the built-in mapping names
/// (written by hand for them) is drafted, and no other.
#[test]
fn each_generated_file_is_drafted_as_its_hand_written_mapping_maps_it() {
    let p = TempProject::new();
    generated(&p, 300, 5);
    let (_, built_in) = cpm::config::load_sources(&p.project()).expect("built-in sources");
    for expected in &built_in.sources {
        let path = p.root().join(&expected.file);
        let d = draft(&path, expected.file.clone(), &DraftOptions::default()).expect("a draft");
        let got = &d.source;
        assert_eq!(got.person_key, expected.person_key, "{}", expected.name);
        assert_eq!(got.person, expected.person, "{}", expected.name);
        let (got_facts, expected_facts) = (got.facts.as_ref(), expected.facts.as_ref());
        assert_eq!(
            got_facts.map(|f| (&f.table, &f.columns)),
            expected_facts.map(|f| (&f.table, &f.columns)),
            "{}",
            expected.name
        );
        assert_eq!(
            consent_columns(got),
            consent_columns(expected),
            "{}",
            expected.name
        );
        // A code column's drafted codes take in every code the hand-written one reads.
        for (channel, column) in expected.consent.iter().flat_map(|c| c.channels()) {
            if let ConsentColumn::Codes { opt_out, .. } = column {
                let drafted = got.consent.as_ref().and_then(|c| {
                    c.channels()
                        .into_iter()
                        .find(|(ch, _)| *ch == channel)
                        .map(|(_, col)| col.clone())
                });
                let Some(ConsentColumn::Codes {
                    opt_out: got_codes, ..
                }) = drafted
                else {
                    panic!("{}: {channel:?} is not a code column", expected.name)
                };
                assert!(
                    opt_out.iter().all(|c| got_codes.contains(c)),
                    "{}: {got_codes:?}",
                    expected.name
                );
            }
        }
        for format in &got.date_formats {
            assert!(
                expected.date_formats.contains(format),
                "{}: {format}",
                expected.name
            );
        }
    }
}

/// A project with no sources.yaml: the drafts are added, the file checks, and every row
/// of every file loads. Adding a file a second time is refused and changes nothing.
#[test]
fn drafted_sources_load_every_row_and_a_second_add_of_one_name_is_refused() {
    let p = TempProject::new();
    generated(&p, 300, 6);
    let files = [
        "wbez_donations",
        "suntimes_subscriptions",
        "event_tickets",
        "email_engagement",
    ]
    .map(|f| format!("data/synthetic/{f}.csv"));
    let mut args = vec!["config", "draft", "--add"];
    args.extend(files.iter().map(String::as_str));
    let said = ok(&cpm(&p, &args));
    assert!(
        said.contains("added wbez_donations, suntimes_subscriptions"),
        "{said}"
    );
    ok(&cpm(&p, &["config", "check"]));

    let report: serde_json::Value =
        serde_json::from_str(&ok(&cpm(&p, &["ingest", "--json"]))).unwrap();
    let batches = report["batches"].as_array().unwrap();
    assert_eq!(batches.len(), 4);
    for batch in batches {
        assert!(batch["rows_read"].as_u64().unwrap() > 0, "{batch}");
        assert_eq!(batch["rows_quarantined"], 0, "{batch}");
        assert_eq!(batch["rows_read"], batch["rows_loaded"], "{batch}");
    }

    let sources = p.root().join("config/sources.yaml");
    let before = std::fs::read_to_string(&sources).unwrap();
    let out = cpm(&p, &["config", "draft", "--add", &files[0]]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("used twice"));
    assert_eq!(std::fs::read_to_string(&sources).unwrap(), before);
}

/// A UK CRM's export: semicolons, Windows-1252, day-first dates, a title column, a
/// do-not-call flag, an opt-in column and phones without their country code.
#[test]
fn a_uk_export_is_drafted_with_its_delimiter_encoding_and_day_first_dates_and_loads() {
    let p = TempProject::new();
    std::fs::create_dir_all(p.root().join("data")).unwrap();
    std::fs::copy(fixture("draft_uk_export.csv"), p.root().join("data/uk.csv")).unwrap();
    let text = ok(&cpm(&p, &["config", "draft", "data/uk.csv"]));
    for line in [
        "person_key: Customer No",
        "date_formats: [\"%d/%m/%Y\"]",
        "delimiter: \";\"",
        "encoding: \"windows-1252\"",
        "first_name: [Title, Forename]",
        "phone: Do Not Call",
        "file: data/uk.csv",
    ] {
        assert!(text.contains(line), "{line} not in\n{text}");
    }
    assert!(text.contains("set phone_country_code"), "{text}");
    assert!(text.contains("Email Opt In reads as an opt-in"), "{text}");
    assert!(
        !text.contains("Macleod") && !text.contains("example"),
        "values in the draft:\n{text}"
    );

    ok(&cpm(
        &p,
        &[
            "config",
            "draft",
            "--add",
            "data/uk.csv",
            "--name",
            "uk_crm",
        ],
    ));
    let report: serde_json::Value =
        serde_json::from_str(&ok(&cpm(&p, &["ingest", "--json"]))).unwrap();
    let batch = &report["batches"][0];
    assert_eq!(
        (
            batch["rows_loaded"].as_u64(),
            batch["rows_quarantined"].as_u64()
        ),
        (Some(4), Some(0)),
        "{batch}"
    );
    let db = p.db();
    let (first, dob): (String, String) = db
        .conn
        .query_row(
            "SELECT first_name, date_of_birth FROM source_record WHERE source_key = 'C-1001'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert!(first.contains("Zoë"), "{first}");
    assert_eq!(dob, "1961-02-14");
    let refused: i64 = db
        .conn
        .query_row(
            "SELECT count(*) FROM record_consent WHERE channel = 'phone' AND opted_out = 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(refused, 1, "C-1002's do-not-call");
}

/// A file that writes some of its phones with their country code and some without: the
/// draft names the country, and a Leeds number (0113: North America's exit code is 011)
/// written both ways is one number.
#[test]
fn the_phones_written_with_a_country_code_name_the_files_country_and_load_as_one() {
    let p = TempProject::new();
    std::fs::create_dir_all(p.root().join("data")).unwrap();
    std::fs::copy(fixture("draft_uk_phones.csv"), p.root().join("data/uk.csv")).unwrap();
    let text = ok(&cpm(&p, &["config", "draft", "--add", "data/uk.csv"]));
    assert!(text.contains("added uk"), "{text}");
    let sources = std::fs::read_to_string(p.root().join("config/sources.yaml")).unwrap();
    assert!(
        sources.contains(
            "phone_country_code: 44                    # 2 of 2 phones written with a country code are +44's"
        ),
        "{sources}"
    );
    assert!(!sources.contains("set phone_country_code"), "{sources}");
    ok(&cpm(&p, &["ingest"]));
    let phones: Vec<String> = p
        .db()
        .conn
        .prepare("SELECT n_phone FROM source_record WHERE source_key IN ('S-3', 'S-4')")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(phones, ["+441134960000", "+441134960000"]);
}

/// A county paper writes most of its numbers as seven digits, the local number alone: the
/// draft reads them in the area its numbers of ten digits are in, and one number written
/// both ways loads as one.
#[test]
fn the_phones_written_without_an_area_code_are_read_in_the_files_area() {
    let p = TempProject::new();
    std::fs::create_dir_all(p.root().join("data")).unwrap();
    let copy = std::fs::copy(
        fixture("draft_local_phones.csv"),
        p.root().join("data/paper.csv"),
    );
    copy.unwrap();
    ok(&cpm(&p, &["config", "draft", "--add", "data/paper.csv"]));
    let sources = std::fs::read_to_string(p.root().join("config/sources.yaml")).unwrap();
    assert!(
        sources.contains("phone_area_code: \"715\"                    # 50 % of the phones are seven digits, a local number alone: read in (715), the area 3 of 3 numbers of ten digits are in"),
        "{sources}"
    );
    assert!(sources.contains("address1: Delivery Address"), "{sources}");
    assert!(!sources.contains("phone_country_code"), "{sources}");
    ok(&cpm(&p, &["ingest"]));
    let phones: Vec<Option<String>> = p
        .db()
        .conn
        .prepare("SELECT n_phone FROM source_record ORDER BY CAST(source_key AS INTEGER)")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let number = |n: &str| Some(n.to_string());
    assert_eq!(
        phones,
        [
            number("7155551234"),
            number("7155551234"),
            number("7155559876"),
            number("7155554321"),
            number("7155551111"),
            number("7155551111"),
        ]
    );
    // An area code is three digits, and North American.
    let refuse = |extra: &str| {
        let text = sources.replace("    phone_area_code: \"715\"", extra);
        std::fs::write(p.root().join("config/sources.yaml"), text).unwrap();
        let out = cpm(&p, &["config", "check"]);
        assert!(!out.status.success(), "{extra}");
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    assert!(refuse("    phone_area_code: \"71\"").contains("is not a North American area code"));
    let abroad = refuse("    phone_area_code: \"715\"\n    phone_country_code: 44");
    assert!(abroad.contains("leave phone_country_code out"), "{abroad}");
}

#[test]
fn a_file_without_a_key_column_asks_for_one_and_json_is_the_mapping() {
    let p = TempProject::new();
    let write = |name: &str, text: &str| std::fs::write(p.root().join(name), text).unwrap();
    write(
        "people.csv",
        "first,last,city\nAnn,Lee,Chicago\nBo,Diaz,Evanston\n",
    );
    let out = cpm(&p, &["config", "draft", "people.csv"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--key COLUMN"));

    let out = cpm(&p, &["config", "draft", "people.csv", "--key", "nosuch"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("its columns: first, last, city"));

    // A mailing list keyed by its addresses.
    write(
        "people.csv",
        "first,last,email\nAnn,Lee,ann@example.org\nBo,Diaz,bo@example.org\n",
    );
    let text = ok(&cpm(&p, &["config", "draft", "people.csv"]));
    assert!(text.contains("person_key: email"), "{text}");
    assert!(text.contains("no id column: the email"), "{text}");

    std::fs::write(p.root().join("people.xlsx"), b"PK\x03\x04\x14\x00workbook").unwrap();
    let out = cpm(&p, &["config", "draft", "people.xlsx"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("export it as CSV"));

    let json = ok(&cpm(
        &p,
        &["config", "draft", "people.csv", "--key", "email", "--json"],
    ));
    let drafts: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(drafts[0]["source"]["person_key"], "email");
    assert_eq!(drafts[0]["source"]["person"]["first_name"], "first");
    let _: Columns =
        serde_json::from_value(drafts[0]["source"]["person"]["last_name"].clone()).unwrap();
}

/// Files written elsewhere, as the benchmarks map them by hand (`bench/*/sources.yaml`):
/// their headers with a few rows of made-up values are drafted to the same key, person
/// fields and date formats.
#[test]
fn files_from_elsewhere_are_drafted_as_their_benchmarks_map_them() {
    let files: &[(&str, &str, &str)] = &[
        (
            "febrl/sources.yaml",
            "febrl3",
            "rec_id, given_name, surname, street_number, address_1, address_2, suburb, postcode, state, date_of_birth, soc_sec_id
rec-1-org, mitchell, green, 7, wallaby place, delmar, cleveland, 2119, sa, 19560409, 1804974
rec-1-dup-0, mitchel, green, 7, wallaby pl, , cleveland, 2119, sa, 19560409, 1804974
rec-2-org, harley, mccarthy, 177, pridham street, milton, marsden, 3165, nsw, 19080419, 6089216",
        ),
        (
            "donors/sources.yaml",
            "crm",
            "ConstituentID,FirstName,MiddleName,LastName,Suffix,Email,Phone,Address1,Address2,City,State,Zip,BirthDate
C1,Ann,,Lee,,ann.lee@example.org,,12 Oak Terrace,#2,Seattle,WA,98108-3223,
C2,Bo,J,Diaz,Jr,bdiaz@example.net,360.555.0152,370 Elm Avenue,,Seattle,WA,98123,04/22/1979",
        ),
        (
            "donors/sources.yaml",
            "tickets",
            "order_account,buyer_name,buyer_email,buyer_phone,billing_zip
T-1,ANN LEE,ann.lee@example.org,,98056
T-2,\"DIAZ, BO\",bdiaz@example.net,425-555-0129,98112",
        ),
        (
            "donors/sources.yaml",
            "newsletter",
            "subscriber,email_address,first,last,postal,signup_date
N1,ann.lee@example.org,,,,2021-05-04
N2,bo77@example.com,Bo,,98057,2022-03-23",
        ),
        (
            "donors/sources.yaml",
            "magazine",
            "acct,full_name,street,apt,city,st,zip,phone,birth_year_date
M1,ANN LEE,18 OAK POINTS,,SEATTLE,WA,98104,253-555-0189,1989-10-23
M2,BO J DIAZ,20 ELM PLAIN,UNIT B,SEATTLE,WA,98137,360.555.0143,",
        ),
        (
            "splink/sources.yaml",
            "fake20k",
            "unique_id,first_name,surname,dob,city,email,group
0,Robert,Alan,1971-06-24,,robert255@example.net,0
1,Robert,Allen,1971-05-24,London,roberta25@example.net,0",
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    let bench = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("bench");
    for (yaml, name, text) in files {
        let path = bench.join(yaml);
        let mapped: cpm::config::SourcesFile =
            cpm::config::parse_yaml(&path, &std::fs::read_to_string(&path).unwrap()).unwrap();
        let expected = mapped.sources.iter().find(|s| s.name == *name).unwrap();
        let file = dir.path().join(format!("{name}.csv"));
        std::fs::write(&file, text).unwrap();
        let d = draft(&file, file.clone(), &DraftOptions::default()).unwrap();
        assert_eq!(d.source.person_key, expected.person_key, "{name}");
        assert_eq!(d.source.person, expected.person, "{name}");
        if expected.person.contains_key("date_of_birth") {
            assert_eq!(d.source.date_formats, expected.date_formats, "{name}");
        }
    }
}

/// Two exports of one CRM, its people and its gifts, hold the same person keys: the gifts
/// are drafted to read their people from the people's file, in one system, and load onto
/// them. Two files of people sharing keys are said to be one system's; a file of gifts
/// drafted alone names nobody, is said to, and is refused where it would be added.
#[test]
fn files_that_share_person_keys_are_drafted_as_one_systems() {
    let p = TempProject::new();
    let mut people = String::from("constituent_id,first_name,last_name,email\n");
    let mut gifts = String::from("constituent_id,gift_id,gift_date,amount\n");
    let mut more_people = String::from("constituent_id,first_name,last_name,phone\n");
    let mut other = String::from("member_id,first_name,last_name\n");
    for i in 0..12 {
        people.push_str(&format!("C{i:04},Ann{i},Lee,ann{i}@example.org\n"));
        gifts.push_str(&format!("C{i:04},G{i:05},2024-01-{:02},25.00\n", i + 1));
        more_people.push_str(&format!("C{i:04},Ann{i},Lee,312-555-01{i:02}\n"));
        other.push_str(&format!("M{i:04},Bo{i},Diaz\n"));
    }
    for (name, text) in [
        ("people.csv", &people),
        ("gifts.csv", &gifts),
        ("phones.csv", &more_people),
        ("members.csv", &other),
    ] {
        std::fs::write(p.root().join(name), text).unwrap();
    }
    let out = cpm(&p, &["config", "draft", "--add", "gifts.csv"]);
    assert_eq!(out.status.code(), Some(1), "gifts alone name nobody");
    assert!(!p.root().join("config/sources.yaml").exists());
    let alone = ok(&cpm(&p, &["config", "draft", "gifts.csv"]));
    assert!(
        alone.contains("no surname, whole name or email found"),
        "{alone}"
    );

    let files = ["gifts.csv", "people.csv", "phones.csv", "members.csv"];
    let text = ok(&cpm(&p, &[&["config", "draft"][..], &files].concat()));
    let entry = |name: &str| {
        let rest = text.split(&format!("- name: {name} ")).nth(1).unwrap();
        rest.split("- name:").next().unwrap().to_string()
    };
    let gifts_entry = entry("gifts");
    assert!(gifts_entry.contains("person_from: people"), "{gifts_entry}");
    assert!(gifts_entry.contains("system: people "), "{gifts_entry}");
    assert!(!gifts_entry.contains("person:"), "{gifts_entry}");
    assert!(!gifts_entry.contains("no surname"), "{gifts_entry}");
    assert!(entry("phones").contains("100 % of its keys are keys of people too"));
    assert!(!entry("members").contains("are keys of"));
    assert!(
        !entry("people").contains("are keys of"),
        "said once, on the later file"
    );

    ok(&cpm(
        &p,
        &[&["config", "draft", "--add"][..], &files].concat(),
    ));
    let report: serde_json::Value =
        serde_json::from_str(&ok(&cpm(&p, &["ingest", "--json"]))).unwrap();
    let gifts_batch = &report["batches"][0];
    assert_eq!(gifts_batch["rows_loaded"], 12, "{gifts_batch}");
    let db = p.db();
    let joined = db
        .conn
        .query_row(
            "SELECT count(*) FROM donation d JOIN source_record sr ON sr.id = d.source_record_id
             WHERE sr.source = 'people'",
            [],
            |r| r.get::<_, i64>(0),
        )
        .unwrap();
    assert_eq!(joined, 12);
}

/// Five exports as common systems write them, drafted together and loaded with nothing
/// edited: every row loads; a gift type written in the system's words ("Recurring Gift
/// Pay-Cash", a yes/no "Recurring Donation") is read as cpm's; solicit codes and opt-out
/// flags are read as consent; a platform without donor ids is keyed by email.
#[test]
fn exports_of_common_systems_load_as_drafted() {
    let p = TempProject::new();
    let names = [
        "salesforce",
        "mailchimp",
        "raisersedge",
        "eventbrite",
        "donorbox",
    ];
    std::fs::create_dir_all(p.root().join("data")).unwrap();
    for name in names {
        let to = p.root().join(format!("data/{name}.csv"));
        std::fs::copy(fixture(&format!("exports/{name}.csv")), to).unwrap();
    }
    let files: Vec<String> = names.iter().map(|n| format!("data/{n}.csv")).collect();
    let args: Vec<&str> = ["config", "draft", "--add"]
        .into_iter()
        .chain(files.iter().map(String::as_str))
        .collect();
    ok(&cpm(&p, &args));
    let report: serde_json::Value =
        serde_json::from_str(&ok(&cpm(&p, &["ingest", "--json"]))).unwrap();
    for batch in report["batches"].as_array().unwrap() {
        assert_eq!(batch["rows_loaded"], 2, "{batch}");
        assert_eq!(batch["rows_quarantined"], 0, "{batch}");
    }
    let db = p.db();
    let value = |sql: &str| -> String { db.conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    let gift_types = value(
        "SELECT group_concat(source || ':' || gift_key || '=' || gift_type, ' ')
         FROM (SELECT * FROM donation ORDER BY source, gift_key)",
    );
    assert_eq!(
        gift_types,
        "donorbox:ch_1Abc=one_time donorbox:ch_2Def=recurring raisersedge:G1=one_time raisersedge:G2=recurring"
    );
    let refusals = value(
        "SELECT group_concat(sr.source || ':' || sr.source_key || '=' || rc.channel, ' ')
         FROM (SELECT rc.* FROM record_consent rc WHERE rc.opted_out = 1) rc
         JOIN source_record sr ON sr.id = rc.source_record_id",
    );
    let mut refusals: Vec<&str> = refusals.split(' ').collect();
    refusals.sort_unstable();
    assert_eq!(
        refusals,
        [
            "raisersedge:1001=phone",
            "salesforce:0035e00000AbCdE1=email",
            "salesforce:0035e00000AbCdE2=phone"
        ]
    );
    let keys =
        value("SELECT group_concat(source_key, ' ') FROM source_record WHERE source = 'donorbox'");
    assert_eq!(keys, "ann@example.org bo@example.org");
}

/// The ingest fixtures in every format and encoding, drafted and loaded with nothing
/// edited, load as their hand-written mappings load them.
#[test]
fn files_in_every_format_are_drafted_to_load_as_mapped_by_hand() {
    let p = TempProject::new();
    std::fs::create_dir_all(p.root().join("data")).unwrap();
    let files = [
        ("gifts.parquet", 3, 1),
        // As by hand: a line whose first name is an object is quarantined.
        ("people_nested.jsonl", 2, 1),
        ("windows1252.csv", 3, 0),
        ("semicolon.csv", 3, 0),
        ("utf16.csv", 3, 0),
    ];
    let mut args = vec!["config".to_string(), "draft".into(), "--add".into()];
    for (name, _, _) in files {
        std::fs::copy(
            fixture(&format!("ingest/{name}")),
            p.root().join("data").join(name),
        )
        .unwrap();
        args.push(format!("data/{name}"));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    ok(&cpm(&p, &args));
    let report: serde_json::Value =
        serde_json::from_str(&ok(&cpm(&p, &["ingest", "--json"]))).unwrap();
    for (batch, (name, loaded, quarantined)) in
        report["batches"].as_array().unwrap().iter().zip(files)
    {
        assert_eq!(batch["rows_loaded"], loaded, "{name}: {batch}");
        assert_eq!(batch["rows_quarantined"], quarantined, "{name}: {batch}");
    }
    let db = p.db();
    let emails = db
        .conn
        .query_row(
            "SELECT group_concat(email, ' ') FROM (SELECT email FROM source_record WHERE source = 'people_nested' ORDER BY source_key)",
            [],
            |r| r.get::<_, String>(0),
        )
        .unwrap();
    assert_eq!(emails, "ann@x.com", "a list's first email");
}

/// Two exports of one name, a year's each, are two sources.
#[test]
fn two_files_of_one_name_are_drafted_as_two_sources() {
    let p = TempProject::new();
    for year in ["2023", "2024"] {
        std::fs::create_dir_all(p.root().join(year)).unwrap();
        std::fs::write(
            p.root().join(year).join("gifts.csv"),
            format!("donor_id,first,last,email\nD{year},Ann,Lee,ann{year}@example.org\n"),
        )
        .unwrap();
    }
    let said = ok(&cpm(
        &p,
        &[
            "config",
            "draft",
            "--add",
            "2023/gifts.csv",
            "2024/gifts.csv",
        ],
    ));
    assert!(said.contains("added gifts, gifts_2"), "{said}");
    ok(&cpm(&p, &["config", "check"]));
}
