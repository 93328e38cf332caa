//! Ingest: every bad-input rule from DESIGN.md, idempotence, updates, atomic batches,
//! and a new source added with YAML only.

use cpm::ingest::{self, BatchOutcome, IngestOptions};
use cpm::progress::{Progress, Silent};

use crate::common::{TempProject, count, cpm, donation_source, fixture, generated, ok};

fn ingest_fixture(name: &str) -> (TempProject, cpm::Result<cpm::ingest::IngestReport>) {
    let p = TempProject::new();
    p.write_config(
        "sources.yaml",
        &donation_source(&fixture(&format!("ingest/{name}"))),
    );
    let mut db = p.db();
    let result = ingest::ingest(&mut db, &p.project(), &IngestOptions::default(), &Silent);
    (p, result)
}

fn quarantine_rows(p: &TempProject) -> Vec<(i64, String)> {
    let db = p.db();
    let mut stmt = db
        .conn
        .prepare("SELECT line, reason FROM quarantine ORDER BY line")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn bom_crlf_and_quoted_newlines_load_cleanly() {
    let (p, report) = ingest_fixture("bom_crlf_quoted.csv");
    let report = report.unwrap();
    assert_eq!(
        (
            report.rows_read(),
            report.rows_loaded(),
            report.rows_quarantined()
        ),
        (3, 3, 0)
    );
    let db = p.db();
    assert_eq!(count(&db, "SELECT count(*) FROM source_record"), 2);
    assert_eq!(
        count(&db, "SELECT sum(amount_cents) FROM donation"),
        2500 + 100000 + 1000
    );
    let first: String = db
        .conn
        .query_row(
            "SELECT first_name FROM source_record WHERE source_key = 'P2'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(first, "Mary\r\nJo");
    let phone: String = db
        .conn
        .query_row(
            "SELECT n_phone FROM source_record WHERE source_key = 'P2'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(phone, "3125550102");
}

#[test]
fn bad_rows_are_quarantined_with_line_and_reason_and_counts_reconcile() {
    let (p, report) = ingest_fixture("bad_rows.csv");
    let report = report.unwrap();
    assert_eq!(report.rows_read(), 8);
    assert_eq!(report.rows_loaded(), 2);
    assert_eq!(report.rows_quarantined(), 6);
    assert_eq!(
        report.rows_read(),
        report.rows_loaded() + report.rows_quarantined()
    );
    let rows = quarantine_rows(&p);
    let expected = [
        (3, "ragged row: 8 fields where the header has 9"),
        (4, "column 'first' is not valid UTF-8"),
        (
            5,
            "column 'date': not a date in the configured formats (%Y-%m-%d)",
        ),
        (6, "empty person key (column 'id')"),
        (7, "column 'amount': not an amount"),
        // Two exports joined end to end: the second's header is not a person.
        (
            9,
            "the header row again (files joined end to end?), not a person",
        ),
    ];
    let got: Vec<(i64, &str)> = rows.iter().map(|(l, r)| (*l, r.as_str())).collect();
    assert_eq!(got, expected);
    // Nothing is lost: the raw row is kept.
    let raw: String = p
        .db()
        .conn
        .query_row("SELECT raw FROM quarantine WHERE line = 7", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(raw.starts_with("P6,Sal,Ode"), "{raw}");
}

fn refused(name: &str) -> String {
    let (p, result) = ingest_fixture(name);
    let err = result.expect_err("file should be refused").to_string();
    let db = p.db();
    assert_eq!(
        count(&db, "SELECT count(*) FROM ingest_batch"),
        0,
        "a refused file writes nothing"
    );
    assert_eq!(count(&db, "SELECT count(*) FROM source_record"), 0);
    err
}

#[test]
fn an_empty_file_is_refused() {
    let err = refused("empty.csv");
    assert!(
        err.ends_with("empty.csv: the file is empty: expected a header row naming the columns"),
        "{err}"
    );
}

#[test]
fn a_spreadsheet_or_binary_file_is_refused() {
    let err = refused("not_csv.xlsx");
    assert!(
        err.contains("is a ZIP archive (perhaps an .xlsx workbook), not CSV"),
        "{err}"
    );
    let err = refused("binary.csv");
    assert!(
        err.contains("not CSV text (it is mostly binary data"),
        "{err}"
    );
}

#[test]
fn a_missing_mapped_column_refuses_the_file_and_names_the_fix() {
    let err = refused("missing_column.csv");
    assert!(
        err.contains(
            "missing required column 'zip' (sources.yaml: source 'gifts' maps person.zip to it)"
        ),
        "{err}"
    );
    assert!(
        err.contains("Fix the mapping in config/sources.yaml"),
        "{err}"
    );
}

#[test]
fn a_header_only_file_is_an_empty_batch() {
    let (_, report) = ingest_fixture("header_only.csv");
    let report = report.unwrap();
    assert_eq!(report.rows_read(), 0);
    assert_eq!(report.batches[0].outcome, BatchOutcome::Loaded);
}

#[test]
fn re_ingesting_an_unchanged_file_does_nothing_and_a_changed_file_updates_by_key() {
    let p = TempProject::new();
    let file = p.root().join("gifts.csv");
    std::fs::copy(fixture("ingest/bom_crlf_quoted.csv"), &file).unwrap();
    p.write_config("sources.yaml", &donation_source(&file));
    let mut db = p.db();
    ingest::ingest(&mut db, &p.project(), &IngestOptions::default(), &Silent).unwrap();
    let again = ingest::ingest(&mut db, &p.project(), &IngestOptions::default(), &Silent).unwrap();
    assert_eq!(again.batches[0].outcome, BatchOutcome::Unchanged);
    assert_eq!(count(&db, "SELECT count(*) FROM ingest_batch"), 1);
    assert_eq!(count(&db, "SELECT count(*) FROM donation"), 3);

    // Ann changes her email and a gift amount is corrected; one gift is new.
    std::fs::write(
        &file,
        "id,first,last,email,phone,zip,gift_id,date,amount\n\
         P1,Ann,Lee,ann.lee@example.com,(312) 555-0101,60614,G1,2025-01-02,30.00\n\
         P8,Cy,Oh,cy@example.com,,60614,G9,2025-05-05,5\n",
    )
    .unwrap();
    let changed =
        ingest::ingest(&mut db, &p.project(), &IngestOptions::default(), &Silent).unwrap();
    let b = &changed.batches[0];
    assert_eq!((b.records_new, b.records_updated), (1, 1));
    assert_eq!(count(&db, "SELECT count(*) FROM source_record"), 3);
    assert_eq!(count(&db, "SELECT count(*) FROM donation"), 4);
    assert_eq!(
        count(
            &db,
            "SELECT amount_cents FROM donation WHERE gift_key = 'G1'"
        ),
        3000
    );
    let email: String = db
        .conn
        .query_row(
            "SELECT n_email FROM source_record WHERE source_key = 'P1'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(email, "ann.lee@example.com");
}

/// Asks every check to stop.
struct AlwaysCancelled;
impl Progress for AlwaysCancelled {
    fn update(&self, _: &str, _: u64, _: u64) {}
    fn is_cancelled(&self) -> bool {
        true
    }
}

#[test]
fn an_interrupted_ingest_leaves_no_partial_batch() {
    let p = TempProject::new();
    let dir = generated(&p, 3000, 1);
    let mut db = p.db();
    let options = IngestOptions {
        only: vec!["wbez_donations".into()],
        source_dir: Some(dir),
        strict: false,
    };
    // The cancel check runs after every chunk of 2,048 rows, well inside the file.
    let err = ingest::ingest(&mut db, &p.project(), &options, &AlwaysCancelled).unwrap_err();
    assert!(matches!(err, cpm::Error::Cancelled), "{err}");
    assert_eq!(count(&db, "SELECT count(*) FROM ingest_batch"), 0);
    assert_eq!(count(&db, "SELECT count(*) FROM source_record"), 0);
    assert_eq!(count(&db, "SELECT count(*) FROM donation"), 0);
    // The first load had dropped the key index to build it at the end: it is back.
    assert_eq!(index_count(&db, "donation_key"), 1);
}

fn index_count(db: &cpm::store::Db, name: &str) -> i64 {
    db.conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = ?1",
            [name],
            |r| r.get(0),
        )
        .unwrap()
}

#[test]
fn a_first_load_that_repeats_a_key_keeps_its_last_row_and_a_unique_key_index() {
    let p = TempProject::new();
    let file = p.root().join("gifts.csv");
    std::fs::write(
        &file,
        "id,first,last,email,phone,zip,gift_id,date,amount\n\
         P1,Ann,Lee,ann@example.com,,60614,G1,2025-01-02,10.00\n\
         P2,Bo,Ng,bo@example.com,,60614,G2,2025-01-03,20.00\n\
         P1,Ann,Lee,ann.lee@example.com,,60614,G1,2025-01-02,12.50\n",
    )
    .unwrap();
    p.write_config("sources.yaml", &donation_source(&file));
    let mut db = p.db();
    let report = ingest::ingest(&mut db, &p.project(), &IngestOptions::default(), &Silent).unwrap();
    assert_eq!(report.rows_loaded(), 3);
    assert_eq!(count(&db, "SELECT count(*) FROM donation"), 2);
    assert_eq!(
        count(
            &db,
            "SELECT amount_cents FROM donation WHERE gift_key = 'G1'"
        ),
        1250
    );
    assert_eq!(index_count(&db, "donation_key"), 1);
    assert_eq!(index_count(&db, "donation_person"), 1);
    // Ann's second row changed her email: one record, updated in place.
    assert_eq!(count(&db, "SELECT count(*) FROM source_record"), 2);
    let email: String = db
        .conn
        .query_row(
            "SELECT n_email FROM source_record WHERE source_key = 'P1'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(email, "ann.lee@example.com");
    let duplicate = db.conn.execute(
        "INSERT INTO donation (source_record_id, source, gift_key, gift_date, amount_cents, gift_type, status)
         SELECT source_record_id, source, gift_key, gift_date, 1, gift_type, status FROM donation LIMIT 1",
        [],
    );
    assert!(duplicate.is_err(), "the key index must be unique again");
    // Bulk-load settings do not outlive the load.
    assert_eq!(count(&db, "PRAGMA foreign_keys"), 1);
}

/// A gift key used for two gifts in one file keeps the last: the load says which key
/// column and lines, counting the key once however often it repeats; a row repeated as it
/// was (G4) is not two gifts.
#[test]
fn a_fact_key_that_holds_two_facts_in_one_file_is_a_warning() {
    let (_p, report) = ingest_fixture("duplicate_gift_keys.csv");
    let report = report.unwrap();
    assert_eq!(report.rows_loaded(), 7);
    let warnings: Vec<String> = report.warnings().map(ToString::to_string).collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let w = &warnings[0];
    assert!(
        w.contains("column 'gift_id': 1 of 4 values")
            && w.contains("its rows say two things")
            && w.contains("'line 3 against line 2', 'line 4 against line 2'"),
        "{w}"
    );
}

/// The mapping of the files shaped as `generic_people.csv` (a register's own column names).
const GENERIC_PEOPLE: &str = "    date_formats: [\"%m/%d/%Y\"]
    person:
      first_name: given_name
      last_name: surname
      address1: address_1
      city: suburb
      zip: postcode
      date_of_birth: date_of_birth
";

#[test]
fn a_new_source_with_other_column_names_needs_only_yaml() {
    let p = register(
        "people_register",
        "ingest/generic_people.csv",
        GENERIC_PEOPLE,
    );
    let mut db = p.db();
    let report = ingest::ingest(&mut db, &p.project(), &IngestOptions::default(), &Silent).unwrap();
    // X3's birth date is day-first, not the configured month-first: the person is kept
    // without it.
    assert_eq!((report.rows_loaded(), report.rows_quarantined()), (3, 0));
    assert_eq!(report.fields_blanked(), 1);
    let (canon, address, dob): (String, String, String) = db
        .conn
        .query_row("SELECT n_first_canon, n_address, date_of_birth FROM source_record WHERE source_key = 'X2'", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .unwrap();
    assert_eq!(
        (canon.as_str(), address.as_str(), dob.as_str()),
        ("elizabeth", "400 w diversey pkwy", "1985-11-30")
    );
    let (line, column, reason, value): (i64, String, String, String) = db
        .conn
        .query_row(
            "SELECT line, column_name, reason, value FROM ingest_issue",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert_eq!(
        (line, column.as_str(), reason.as_str()),
        (4, "date_of_birth", "not a date in the configured formats")
    );
    assert_eq!(
        value, "99/99/9999",
        "a birth date is kept as its shape only"
    );
    let dob: Option<String> = db
        .conn
        .query_row(
            "SELECT date_of_birth FROM source_record WHERE source_key = 'X3'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(dob, None);
    // Matching still reads it, day and month the wrong way round for the format, where
    // nothing shows it as a date.
    let (records, raw) = cpm::store::resolve::load_records(&db.conn).unwrap();
    let x3 = records.iter().position(|r| r.id == 3).unwrap();
    assert_eq!(records[x3].dob(), Some("1990-31-12"));
    assert_eq!(raw[x3].person.date_of_birth, None);
    assert_eq!(records[1].dob(), raw[1].person.date_of_birth.as_deref());
    // A steward comparing it sees what was compared, and that it is no date.
    let view = cpm::store::browse::record_view(&db.conn, 3).unwrap();
    assert_eq!(
        view.date_of_birth.as_deref(),
        Some("1990-31-12 (no such date)")
    );
}

#[test]
fn a_canonical_field_can_join_several_columns() {
    // FEBRL-style files keep the house number apart from the street.
    let p = TempProject::new();
    let file = p.root().join("people.csv");
    std::fs::write(
        &file,
        "rec_id,given_name,surname,street_number,address_1,postcode\n\
         r1,mitchell,green,7,wallaby place,2119\n\
         r2,ann,lee,,elm street,60614\n",
    )
    .unwrap();
    p.write_config(
        "sources.yaml",
        &format!(
            "sources:
  - name: register
    system: register
    file: {}
    person_key: rec_id
    person:
      first_name: given_name
      last_name: surname
      address1: [street_number, address_1]
      zip: postcode
",
            file.display()
        ),
    );
    let mut db = p.db();
    ingest::ingest(&mut db, &p.project(), &IngestOptions::default(), &Silent).unwrap();
    let rows: Vec<(String, String, String)> = db
        .conn
        .prepare("SELECT address1, n_address, n_zip FROM source_record ORDER BY source_key")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        rows,
        vec![
            (
                "7 wallaby place".into(),
                "7 wallaby pl".into(),
                "02119".into()
            ),
            ("elm street".into(), "elm st".into(), "60614".into()),
        ]
    );
}

/// `donation_source` for `name` with extra source options (`delimiter: ";"` …).
fn ingest_with(name: &str, options: &str) -> (TempProject, cpm::Result<cpm::ingest::IngestReport>) {
    let p = TempProject::new();
    let yaml = donation_source(&fixture(&format!("ingest/{name}"))).replacen(
        "    person_key: id\n",
        &format!("    person_key: id\n{options}"),
        1,
    );
    p.write_config("sources.yaml", &yaml);
    let mut db = p.db();
    let result = ingest::ingest(&mut db, &p.project(), &IngestOptions::default(), &Silent);
    (p, result)
}

fn first_names(p: &TempProject) -> Vec<String> {
    let db = p.db();
    let mut stmt = db
        .conn
        .prepare("SELECT first_name FROM source_record ORDER BY source_key")
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn files_that_spreadsheets_and_crms_export_load() {
    for (name, options) in [
        ("semicolon.csv", "    delimiter: \";\"\n"),
        ("windows1252.csv", "    encoding: windows-1252\n"),
        ("utf16.csv", ""),
        ("odd_header.csv", ""),
    ] {
        let (p, report) = ingest_with(name, options);
        let report = report.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            (
                report.rows_read(),
                report.rows_loaded(),
                report.rows_quarantined()
            ),
            (3, 3, 0),
            "{name}"
        );
        assert_eq!(first_names(&p), ["Ann", "José", "Zoë"], "{name}");
    }
}

#[test]
fn a_row_with_a_nul_byte_is_quarantined_alone() {
    let (p, report) = ingest_fixture("nul_row.csv");
    let report = report.unwrap();
    assert_eq!(
        (
            report.rows_read(),
            report.rows_loaded(),
            report.rows_quarantined()
        ),
        (4, 3, 1)
    );
    assert_eq!(
        quarantine_rows(&p),
        [(3, "the row contains a NUL byte (binary data)".to_string())]
    );
}

#[test]
fn a_duplicated_header_is_refused_naming_both_positions() {
    let err = refused("duplicate_header.csv");
    assert!(
        err.contains("the header names column 'email' twice (columns 4 and 10)"),
        "{err}"
    );
}

#[test]
fn a_field_over_the_size_limit_quarantines_its_row_naming_the_column() {
    let p = TempProject::new();
    let file = p.root().join("long.csv");
    let long = "x".repeat(1001);
    std::fs::write(
        &file,
        format!(
            "id,first,last,email,phone,zip,gift_id,date,amount\n\
             P1,{long},Lee,,,60614,G1,2025-01-02,1.00\n\
             P2,Ann,Lee,,,60614,G2,2025-01-02,1.00\n"
        ),
    )
    .unwrap();
    p.write_config("sources.yaml", &donation_source(&file));
    let mut db = p.db();
    let report = ingest::ingest(&mut db, &p.project(), &IngestOptions::default(), &Silent).unwrap();
    assert_eq!((report.rows_loaded(), report.rows_quarantined()), (1, 1));
    assert_eq!(
        quarantine_rows(&p)[0].1,
        "column 'first' is longer than 1000 characters (max_field_chars in sources.yaml)"
    );
}

/// A project with one source, a register of people keyed by `person_ref` in fixture
/// `file`; `rest` is the YAML after its key (formats, mapping), indented as a source's.
/// A column of the stored source records, in the order of their keys.
fn stored_by_key(db: &cpm::store::Db, column: &str) -> Vec<Option<String>> {
    db.conn
        .prepare(&format!(
            "SELECT {column} FROM source_record ORDER BY source_key"
        ))
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// A person key mapped from a household's column loads one person where the file holds
/// two: the load says so, naming the key column and the lines, and --strict refuses it. A
/// new address, or a nickname, under one key is the same person.
#[test]
fn a_key_that_names_two_people_is_a_warning_and_strict_refuses_it() {
    let p = register(
        "households_as_people",
        "ingest/household_key.csv",
        GENERIC_PEOPLE,
    );
    let mut db = p.db();
    let report = ingest::ingest(&mut db, &p.project(), &IngestOptions::default(), &Silent).unwrap();
    assert_eq!(report.rows_loaded(), 6, "nothing is quarantined");
    let warnings: Vec<String> = report.warnings().map(ToString::to_string).collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("column 'person_ref': 1 of 3 values")
            && warnings[0].contains("its rows name two people")
            && warnings[0].contains("line 3 against line 2"),
        "{warnings:?}"
    );
    assert!(
        !warnings[0].contains("Linda"),
        "no personal data: {warnings:?}"
    );

    let strict = register(
        "households_as_people",
        "ingest/household_key.csv",
        "    date_formats: [\"%m/%d/%Y\"]
    person: {first_name: given_name, last_name: surname, date_of_birth: date_of_birth}
",
    );
    let mut db = strict.db();
    let options = IngestOptions {
        strict: true,
        ..IngestOptions::default()
    };
    let err = ingest::ingest(&mut db, &strict.project(), &options, &Silent).unwrap_err();
    assert!(
        err.to_string().contains("its rows name two people"),
        "{err}"
    );
    assert_eq!(count(&db, "SELECT count(*) FROM source_record"), 0);
}

fn register(name: &str, file: &str, rest: &str) -> TempProject {
    let p = TempProject::new();
    p.write_config(
        "sources.yaml",
        &format!(
            "sources:
  - name: {name}
    system: register
    file: {}
    person_key: person_ref
{rest}",
            fixture(file).display()
        ),
    );
    p
}

fn day_first_people(extra: &str) -> TempProject {
    register(
        "register",
        "ingest/day_first_birth_dates.csv",
        &format!(
            "    date_formats: [\"%Y-%m-%d\"]
{extra}    person:
      first_name: given_name
      last_name: surname
      zip: postcode
      date_of_birth: date_of_birth
"
        ),
    )
}

#[test]
fn a_wrong_date_format_keeps_every_person_and_warns_naming_the_column() {
    let p = day_first_people("");
    let mut db = p.db();
    let report = ingest::ingest(&mut db, &p.project(), &IngestOptions::default(), &Silent).unwrap();
    assert_eq!((report.rows_loaded(), report.rows_quarantined()), (40, 0));
    assert_eq!(report.fields_blanked(), 40);
    let batch = &report.batches[0];
    assert_eq!(batch.outcome, BatchOutcome::LoadedWithWarnings);
    let warning = batch.warnings[0].to_string();
    assert!(
        warning.starts_with(
            "register: column 'date_of_birth': 40 of 40 values (100 %) are not a date as %Y-%m-%d"
        ),
        "{warning}"
    );
    // Examples show the format found, not the people's birth dates.
    assert!(warning.contains("'99/99/9999'"), "{warning}");
    assert_eq!(count(&db, "SELECT count(*) FROM ingest_issue"), 40);
}

#[test]
fn a_birth_year_or_a_year_and_month_is_kept_for_matching_and_not_called_a_date() {
    let p = register(
        "register",
        "ingest/birth_years.csv",
        "    date_formats: [\"%m/%d/%Y\", \"%m/%Y\", \"%m/%d/%y\"]
    person:
      first_name: given_name
      last_name: surname
      zip: postcode
      date_of_birth: birth
",
    );
    let mut db = p.db();
    let report = ingest::ingest(&mut db, &p.project(), &IngestOptions::default(), &Silent).unwrap();
    assert_eq!(report.rows_loaded(), 6);
    // "0000" and a thirteenth month are no part of a date: only they are counted.
    assert_eq!(report.fields_blanked(), 2);
    let (records, raw) = cpm::store::resolve::load_records(&db.conn).unwrap();
    let compared: Vec<(Option<&str>, Option<&str>)> = records
        .iter()
        .zip(&raw)
        .map(|(r, raw)| (r.dob(), raw.person.date_of_birth.as_deref()))
        .collect();
    assert_eq!(
        compared,
        [
            (Some("1985"), None),
            (Some("1985-03"), None),
            (Some("1985-03-02"), Some("1985-03-02")),
            (None, None),
            (None, None),
            // "45" is 1945, not 2045: nobody is born in the future.
            (Some("1945-03-02"), Some("1945-03-02")),
        ],
        "a part is compared, never stored as a date"
    );
    assert_eq!(
        records[0].birth_date(),
        None,
        "a year alone is no whole date"
    );
    let view = cpm::store::browse::record_view(&db.conn, records[1].id).unwrap();
    assert_eq!(
        view.date_of_birth.as_deref(),
        Some("1985-03"),
        "shown as given"
    );
}

#[test]
fn a_files_phones_without_a_country_code_are_read_as_its_countrys() {
    let mapping = |extra: &str| {
        register(
            "register",
            "ingest/uk_phones.csv",
            &format!(
                "{extra}    person:
      first_name: given_name
      last_name: surname
      phone: phone
"
            ),
        )
    };
    let compared = |p: &TempProject| {
        let mut db = p.db();
        let report =
            ingest::ingest(&mut db, &p.project(), &IngestOptions::default(), &Silent).unwrap();
        let phones = stored_by_key(&db, "n_phone");
        (phones, report.batches[0].warnings.len())
    };
    let uk = "+442079460958".to_string();
    // A UK number whose 0 a spreadsheet dropped is the same number.
    let in_the_uk = mapping("    phone_country_code: 44\n");
    assert_eq!(
        compared(&in_the_uk),
        (
            vec![
                Some(uk.clone()),
                Some(uk.clone()),
                Some(uk.clone()),
                Some("3125550101".into()),
                None
            ],
            1
        )
    );
    // A steward finds them by the number as dialled at home, abroad or with the code.
    let mut db = in_the_uk.db();
    let config = cpm::resolve::settings::ResolutionConfig::load(&in_the_uk.project()).unwrap();
    cpm::resolve::run(&mut db, &config, "test-run", &Silent).unwrap();
    for typed in ["020 7946 0958", "+44 20 7946 0958", "44 20 7946 0958"] {
        let found = cpm::store::browse::search(&db.conn, typed, 10).unwrap();
        let mut names: Vec<String> = found
            .iter()
            .map(|r| r.last_name.clone().unwrap_or_default())
            .collect();
        names.sort();
        names.dedup();
        assert_eq!(names, ["Lee", "Ng"], "{typed}");
    }
    // Without it, the national form is nobody's country's, and ten digits North American.
    let (phones, _) = compared(&mapping(""));
    assert_eq!(phones[..3], [None, Some(uk), Some("2079460958".into())]);
    let refused = mapping("    phone_country_code: 4444\n");
    let err = cpm::config::load_sources(&refused.project())
        .unwrap_err()
        .to_string();
    assert!(err.contains("register.phone_country_code"), "{err}");
}

#[test]
fn an_address_on_one_line_gives_its_street_city_and_zip() {
    let p = register(
        "register",
        "ingest/one_line_addresses.csv",
        "    person:
      first_name: given_name
      last_name: surname
      address1: address
",
    );
    let mut db = p.db();
    ingest::ingest(&mut db, &p.project(), &IngestOptions::default(), &Silent).unwrap();
    let parts = "n_address || '/' || coalesce(n_unit, '') || '/' || coalesce(n_city, '') || '/' || coalesce(n_zip, '')";
    assert_eq!(
        stored_by_key(&db, parts),
        [
            Some("123 n main st/4/springfield/62701".to_string()),
            Some("123 main st//springfield/62701".to_string()),
            Some("12 oak st/5//".to_string()),
        ]
    );
    // The line itself is kept as written.
    assert_eq!(
        stored_by_key(&db, "address1")[1].as_deref(),
        Some("123 Main St  Springfield  IL  62701  US")
    );
}

#[test]
fn postcodes_with_letters_are_matched_on_and_contact_values_matching_cannot_read_are_counted() {
    let p = register(
        "register",
        "ingest/postcodes.csv",
        "    person:
      first_name: given_name
      last_name: surname
      zip: postcode
      phone: phone
      email: email
",
    );
    let mut db = p.db();
    let report = ingest::ingest(&mut db, &p.project(), &IngestOptions::default(), &Silent).unwrap();
    assert_eq!(report.rows_loaded(), 5);
    let zips: Vec<(String, Option<String>)> = db
        .conn
        .prepare("SELECT source_key, n_zip FROM source_record ORDER BY source_key")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let read = |code: &str| Some(code.to_string());
    assert_eq!(
        zips,
        [
            ("P1".into(), read("tq138df")),
            ("P2".into(), read("k1a0b1")),
            ("P3".into(), read("60614")),
            ("P4".into(), read("60614")),
            ("P5".into(), None),
        ]
    );
    // A phone is compared where its country is known: ten digits in North America, "+" and
    // the country code elsewhere; a national number without one ("020 …") is not.
    let phones = stored_by_key(&db, "n_phone");
    let phone = |p: &str| Some(p.to_string());
    assert_eq!(
        phones,
        [
            phone("+442079460958"),
            None,
            phone("3125550102"),
            phone("3125550103"),
            phone("3125550104"),
        ]
    );
    // Each value is kept as written; each column's warning says what matching cannot read,
    // with the value's shape only.
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM source_record WHERE zip = 'unknown'"
        ),
        1
    );
    let warnings: Vec<String> = report.batches[0]
        .warnings
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(warnings.len(), 3, "{warnings:?}");
    for (column, expected) in [
        ("postcode", "a postal code"),
        ("phone", "a phone number matching can compare"),
        ("email", "an email address"),
    ] {
        let prefix =
            format!("register: column '{column}': 1 of 5 values (20 %) are not {expected}");
        assert!(
            warnings.iter().any(|w| w.starts_with(&prefix)),
            "{prefix} in {warnings:?}"
        );
    }
    assert!(
        !warnings.iter().any(|w| w.contains("example")),
        "{warnings:?}"
    );
}

#[test]
fn strict_refuses_a_mostly_wrong_column_and_loads_nothing() {
    let p = day_first_people("");
    let mut db = p.db();
    let options = IngestOptions {
        strict: true,
        ..IngestOptions::default()
    };
    let err = ingest::ingest(&mut db, &p.project(), &options, &Silent)
        .expect_err("refused under --strict")
        .to_string();
    assert!(err.contains("refused under --strict"), "{err}");
    assert!(err.contains("column 'date_of_birth'"), "{err}");
    assert_eq!(count(&db, "SELECT count(*) FROM source_record"), 0);
    assert_eq!(count(&db, "SELECT count(*) FROM ingest_batch"), 0);
    // A share above the configured threshold is what counts: allow all of it, and it loads.
    let p = day_first_people("    warn_failure_share: 1.0\n");
    let mut db = p.db();
    let report = ingest::ingest(&mut db, &p.project(), &options, &Silent).unwrap();
    assert_eq!(report.batches[0].outcome, BatchOutcome::Loaded);
}

#[test]
fn a_date_format_that_cannot_read_a_date_is_refused_at_load() {
    let p = day_first_people("    date_formats: [\"%Q-%m\"]\n");
    // The extra key repeats date_formats: write the file plainly instead.
    let text = std::fs::read_to_string(p.root().join("config/sources.yaml"))
        .unwrap()
        .replace("    date_formats: [\"%Y-%m-%d\"]\n", "");
    p.write_config("sources.yaml", &text);
    let err = cpm::config::load_sources(&p.project())
        .expect_err("refused")
        .to_string();
    assert!(err.contains("register.date_formats"), "{err}");
    assert!(err.contains("'%Q-%m' is not a date format"), "{err}");
    for (format, why) in [
        ("%m-%d", "does not read back"),
        // A day and a year without the month is no part of a birth date ("%Y" and
        // "%m/%Y" are: a_birth_year_or_a_year_and_month_is_kept_for_matching…).
        ("%d/%Y", "does not read back"),
    ] {
        let text = text.replace("%Q-%m", format);
        p.write_config("sources.yaml", &text);
        let err = cpm::config::load_sources(&p.project())
            .unwrap_err()
            .to_string();
        assert!(err.contains(why), "{format}: {err}");
    }
}

#[test]
fn a_changed_mapping_loads_an_unchanged_file_again() {
    let p = TempProject::new();
    let file = fixture("ingest/bom_crlf_quoted.csv");
    let with_phone = donation_source(&file);
    let without_phone = with_phone.replace("      phone: phone\n", "");
    let phones = |db: &cpm::store::Db| count(db, "SELECT count(n_phone) FROM source_record");
    let mut db = p.db();
    p.write_config("sources.yaml", &without_phone);
    ingest::ingest(&mut db, &p.project(), &IngestOptions::default(), &Silent).unwrap();
    assert_eq!(phones(&db), 0);
    p.write_config("sources.yaml", &with_phone);
    let report = ingest::ingest(&mut db, &p.project(), &IngestOptions::default(), &Silent).unwrap();
    assert_eq!(
        report.batches[0].outcome,
        BatchOutcome::Loaded,
        "not 'unchanged'"
    );
    assert_eq!(phones(&db), 2);
    // The same file under the same mapping again: nothing to do.
    let report = ingest::ingest(&mut db, &p.project(), &IngestOptions::default(), &Silent).unwrap();
    assert_eq!(report.batches[0].outcome, BatchOutcome::Unchanged);
}

#[test]
fn a_gift_dated_by_a_timestamp_loads_as_its_day() {
    let (p, report) = ingest_fixture("timestamps.csv");
    let report = report.unwrap();
    // A date with a time of day is that day; anything else after it is still no date.
    assert_eq!((report.rows_loaded(), report.rows_quarantined()), (2, 1));
    let db = p.db();
    let days: Vec<String> = db
        .conn
        .prepare("SELECT gift_date FROM donation ORDER BY gift_key")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(days, ["2025-01-02", "2025-02-03"]);
}

#[test]
fn json_lines_load_through_the_same_checks() {
    let (p, report) = ingest_fixture("people.jsonl");
    let report = report.unwrap();
    // Four non-blank lines: two people, one malformed line, one with a list for a name.
    assert_eq!(
        (
            report.rows_read(),
            report.rows_loaded(),
            report.rows_quarantined()
        ),
        (4, 2, 2)
    );
    assert_eq!(first_names(&p), ["Ann", "Bo"]);
    let reasons: Vec<String> = quarantine_rows(&p).into_iter().map(|(_, r)| r).collect();
    assert_eq!(
        reasons,
        [
            "not a JSON object: malformed JSON",
            "key 'first' holds a list or an object, not a value"
        ]
    );
    let db = p.db();
    assert_eq!(count(&db, "SELECT sum(amount_cents) FROM donation"), 3250);
}

#[test]
fn json_lines_map_paths_into_nested_objects_and_lists() {
    let p = register(
        "register",
        "ingest/people_nested.jsonl",
        "    person:
      first_name: name.first
      last_name: name.last
      email: emails.0
      address1: address.street
      zip: address.zip
",
    );
    let mut db = p.db();
    let report = ingest::ingest(&mut db, &p.project(), &IngestOptions::default(), &Silent).unwrap();
    // A path the line lacks (no last name, an empty list, a null address) is an empty value;
    // a path that ends on an object is no value.
    assert_eq!((report.rows_loaded(), report.rows_quarantined()), (2, 1));
    assert_eq!(
        quarantine_rows(&p)[0].1,
        "key 'name.first' holds a list or an object, not a value"
    );
    assert_eq!(
        stored_by_key(
            &db,
            "first_name || '/' || coalesce(last_name, '') || '/' || coalesce(n_email, '') || '/' || coalesce(n_address, '') || '/' || coalesce(n_zip, '')"
        ),
        [
            Some("Ann/Lee/ann@x.com/12 oak st/60614".to_string()),
            Some("Bo////".to_string())
        ]
    );
}

#[test]
fn parquet_loads_through_the_same_checks() {
    // Written by pyarrow (snappy): strings, a nullable key, an int64 ZIP, a date32 and a
    // decimal(10, 2) amount.
    let (p, report) = ingest_fixture("gifts.parquet");
    let report = report.unwrap();
    assert_eq!(
        (
            report.rows_read(),
            report.rows_loaded(),
            report.rows_quarantined()
        ),
        (4, 3, 1)
    );
    assert_eq!(first_names(&p), ["Ann", "Bo", "Cy"]);
    assert_eq!(quarantine_rows(&p)[0].1, "empty person key (column 'id')");
    let db = p.db();
    assert_eq!(
        count(&db, "SELECT sum(amount_cents) FROM donation"),
        2500 + 100050 + 500
    );
    let date: String = db
        .conn
        .query_row(
            "SELECT gift_date FROM donation WHERE gift_key = 'G2'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(date, "2025-02-03");
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM source_record WHERE n_zip = '60657'"
        ),
        1
    );
}

/// The same file as `gifts.parquet`, written by DuckDB with each other codec files come in
/// (zstd is Polars' default; Brotli one pyarrow offers).
#[test]
fn parquet_compressed_with_zstd_gzip_lz4_or_brotli_loads_the_same() {
    for codec in ["zstd", "gzip", "lz4", "brotli"] {
        let (p, report) = ingest_fixture(&format!("gifts_{codec}.parquet"));
        let report = report.unwrap_or_else(|e| panic!("{codec}: {e}"));
        assert_eq!(
            (report.rows_loaded(), report.rows_quarantined()),
            (3, 1),
            "{codec}"
        );
        assert_eq!(first_names(&p), ["Ann", "Bo", "Cy"], "{codec}");
        assert_eq!(
            count(&p.db(), "SELECT sum(amount_cents) FROM donation"),
            2500 + 100050 + 500,
            "{codec}"
        );
    }
}

#[test]
fn consent_is_read_per_channel_from_flags_and_codes_and_a_bad_value_is_kept_out_and_recorded() {
    let p = TempProject::new();
    let sources = donation_source(&fixture("ingest/consent.csv")).replace(
        "        amount: amount\n",
        "        amount: amount
    consent:
      phone: {column: solicit_codes, opt_out: [DNC, NO SOLICIT]}
      mail: {column: solicit_codes, opt_out: [DNM, NO SOLICIT]}
      email: email_opt_out
      date: solicit_updated
",
    );
    p.write_config("sources.yaml", &sources);
    let mut db = p.db();
    let report = ingest::ingest(&mut db, &p.project(), &IngestOptions::default(), &Silent).unwrap();
    assert_eq!(report.rows_loaded(), 4, "no row is lost to a consent value");
    let consent = |key: &str, channel: &str| -> Option<(bool, String, Option<String>)> {
        db.conn
            .query_row(
                "SELECT rc.opted_out, rc.code, rc.recorded_on FROM record_consent rc
                 JOIN source_record sr ON sr.id = rc.source_record_id
                 WHERE sr.source_key = ?1 AND rc.channel = ?2",
                [key, channel],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .ok()
    };
    let date = Some("2025-11-30".to_string());
    assert_eq!(
        consent("P1", "phone"),
        Some((true, "DNC;DNM".into(), date.clone()))
    );
    assert_eq!(
        consent("P1", "mail"),
        Some((true, "DNC;DNM".into(), date.clone()))
    );
    // One of the person's rows says Y: the opt-out stands over the other row's N.
    assert_eq!(consent("P1", "email"), Some((true, "Y".into(), date)));
    // An empty code column says nothing; "maybe" is not yes or no.
    assert_eq!(consent("P2", "phone"), None);
    assert_eq!(consent("P2", "email"), None);
    assert_eq!(consent("P3", "phone").map(|c| c.0), Some(true));
    assert_eq!(consent("P3", "email").map(|c| c.0), Some(false));
    let issues: Vec<(String, String)> = db
        .conn
        .prepare("SELECT column_name, reason FROM ingest_issue ORDER BY line")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(issues.len(), 2, "{issues:?}");
    assert!(
        issues[0].0 == "email_opt_out" && issues[0].1.contains("yes/no"),
        "{issues:?}"
    );
    assert!(issues[1].0 == "solicit_updated" && issues[1].1.contains("date"));
}

/// Resolve the store as it is.
fn resolve_store(p: &TempProject, db: &mut cpm::store::Db) {
    let config = cpm::resolve::settings::ResolutionConfig::load(&p.project()).unwrap();
    cpm::resolve::run(db, &config, "test-run", &Silent).unwrap();
}

/// The golden record of the source record under `key` (unique in these tests).
fn golden_record_of(db: &cpm::store::Db, key: &str) -> i64 {
    db.conn
        .query_row(
            "SELECT m.constituent_id FROM constituent_member m
             JOIN source_record r ON r.id = m.source_record_id WHERE r.source_key = ?1",
            [key],
            |r| r.get(0),
        )
        .unwrap()
}

#[test]
fn a_full_name_column_is_split_and_titles_and_suffixes_leave_one_persons_name() {
    // A donor CRM that keeps the whole name in one column ("Smith, John, Jr."), beside an
    // event list with first and last names and titles: one person's records join, father
    // and son (Sr and Jr at one home, on one landline) stay two people.
    let p = TempProject::new();
    let donors = p.root().join("donors.csv");
    std::fs::write(
        &donors,
        "id,Name,phone,street,zip,email\n\
         D1,\"Smith, John, Jr.\",312-555-0101,5 W Elm St,60614,jsmith@x.com\n\
         D2,Mr. John Smith Sr.,312-555-0101,5 W Elm St,60614,\n\
         D3,\"Lee, Ann\",,,60614,ann.lee@x.com\n",
    )
    .unwrap();
    let events = p.root().join("events.csv");
    std::fs::write(
        &events,
        "id,first,last,email,zip\n\
         E1,Dr. Ann,Lee,ann.lee@x.com,60614\n\
         E2,John,Smith Jr,jsmith@x.com,60614\n",
    )
    .unwrap();
    let sources = format!(
        "sources:
  - name: donors
    system: crm
    file: {}
    person_key: id
    person:
      full_name: Name
      phone: phone
      address1: street
      zip: zip
      email: email
  - name: events
    system: events
    file: {}
    person_key: id
    person:
      first_name: first
      last_name: last
      email: email
      zip: zip
",
        donors.display(),
        events.display()
    );
    p.write_config("sources.yaml", &sources);
    let mut db = p.db();
    ingest::ingest(&mut db, &p.project(), &IngestOptions::default(), &Silent).unwrap();
    let stored: Vec<(String, String, String, Option<i64>)> = db
        .conn
        .prepare(
            "SELECT source_key, first_name, n_first || ' ' || n_last, n_generation
             FROM source_record ORDER BY source_key",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let row = |key: &str, first: &str, name: &str, generation: Option<i64>| {
        (
            key.to_string(),
            first.to_string(),
            name.to_string(),
            generation,
        )
    };
    assert_eq!(
        stored,
        vec![
            row("D1", "John", "john smith", Some(2)),
            row("D2", "Mr. John", "john smith", Some(1)),
            row("D3", "Ann", "ann lee", None),
            row("E1", "Dr. Ann", "ann lee", None),
            row("E2", "John", "john smith", Some(2)),
        ]
    );
    resolve_store(&p, &mut db);
    let golden_of = |key: &str| golden_record_of(&db, key);
    assert_eq!(golden_of("D1"), golden_of("E2"), "John Smith Jr, by email");
    assert_eq!(
        golden_of("D3"),
        golden_of("E1"),
        "Ann Lee with and without her title"
    );
    assert_ne!(golden_of("D1"), golden_of("D2"), "father and son");
    assert_eq!(count(&db, "SELECT count(*) FROM constituent"), 3);
}

#[test]
fn a_gender_column_or_a_title_keeps_a_couple_of_one_name_apart() {
    // Chris and Chris Lee share their home's mailbox, landline and address; the CRM says
    // which is which in a gender column, the event list by a title in the name.
    let p = TempProject::new();
    let crm = p.root().join("crm.csv");
    std::fs::write(
        &crm,
        "id,first,last,sex,email,phone,street,zip\n\
         C1,Chris,Lee,M,lee.home@x.com,312-555-0101,5 W Elm St,60614\n\
         C2,Chris,Lee,Female,lee.home@x.com,312-555-0101,5 W Elm St,60614\n",
    )
    .unwrap();
    let events = p.root().join("events.csv");
    std::fs::write(
        &events,
        "id,name,email,zip\n\
         E1,Mrs. Chris Lee,lee.home@x.com,60614\n\
         E2,Mr. Chris Lee,lee.home@x.com,60614\n",
    )
    .unwrap();
    let sources = format!(
        "sources:
  - name: crm
    system: crm
    file: {}
    person_key: id
    person:
      first_name: first
      last_name: last
      gender: sex
      email: email
      phone: phone
      address1: street
      zip: zip
  - name: events
    system: events
    file: {}
    person_key: id
    person:
      full_name: name
      email: email
      zip: zip
",
        crm.display(),
        events.display()
    );
    p.write_config("sources.yaml", &sources);
    let mut db = p.db();
    ingest::ingest(&mut db, &p.project(), &IngestOptions::default(), &Silent).unwrap();
    let stored: Vec<(String, Option<String>, Option<String>)> = db
        .conn
        .prepare("SELECT source_key, gender, n_gender FROM source_record ORDER BY source_key")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let row = |key: &str, written: Option<&str>, sex: &str| {
        (
            key.to_string(),
            written.map(str::to_string),
            Some(sex.to_string()),
        )
    };
    assert_eq!(
        stored,
        vec![
            row("C1", Some("M"), "m"),
            row("C2", Some("Female"), "f"),
            row("E1", None, "f"),
            row("E2", None, "m"),
        ]
    );
    resolve_store(&p, &mut db);
    let golden_of = |key: &str| golden_record_of(&db, key);
    assert_ne!(golden_of("C1"), golden_of("C2"), "a couple of one name");
    assert_ne!(golden_of("E1"), golden_of("E2"), "Mrs. and Mr.");
    assert_eq!(golden_of("C1"), golden_of("E2"), "him in both files");
    assert_eq!(golden_of("C2"), golden_of("E1"), "her in both files");
}

#[test]
fn a_full_name_is_mapped_instead_of_first_and_last_name_not_beside_them() {
    let p = TempProject::new();
    let yaml = donation_source(&p.root().join("gifts.csv")).replacen(
        "      first_name: first\n",
        "      full_name: name\n",
        1,
    );
    p.write_config("sources.yaml", &yaml);
    let err = crate::common::cpm(&p, &["ingest"]);
    let stderr = String::from_utf8_lossy(&err.stderr);
    assert!(!err.status.success());
    assert!(
        stderr.contains(
            "map either full_name or first_name and last_name, not both (last_name is mapped too)"
        ),
        "{stderr}"
    );
}

#[test]
fn a_configured_file_that_is_not_there_loads_nothing_and_names_it_and_its_source() {
    let p = TempProject::new();
    let present = donation_source(&fixture("ingest/bom_crlf_quoted.csv"));
    let absent = donation_source(&p.root().join("exports/gifts-2026.csv"))
        .replace("sources:\n", "")
        .replace("name: gifts", "name: spring_gifts");
    p.write_config("sources.yaml", &format!("{present}{absent}"));
    let mut db = p.db();
    let err = ingest::ingest(&mut db, &p.project(), &IngestOptions::default(), &Silent)
        .expect_err("a missing file refuses the run");
    let said = err.to_string();
    assert!(
        said.contains("gifts-2026.csv (spring_gifts)") && said.contains("nothing was loaded"),
        "{said}"
    );
    assert!(
        !said.contains("bom_crlf_quoted"),
        "the file that is there is not named: {said}"
    );
    assert_eq!(count(&db, "SELECT count(*) FROM source_record"), 0);
}

/// A CRM exported as two files, its constituents and their gifts, joined by the
/// constituent's key: the gifts load onto the constituents' records; a gift whose key no
/// constituent has is quarantined with why; gifts alone, before any constituent, are
/// refused; and `cpm ingest` loads the people first whatever the order in the file.
#[test]
fn a_file_of_facts_joins_the_people_another_source_holds() {
    let p = TempProject::new();
    let write = |name: &str, text: &str| std::fs::write(p.root().join(name), text).unwrap();
    write(
        "constituents.csv",
        "constituent_id,first_name,last_name,email\nC1,Ann,Lee,ann@example.org\nC2,Bo,Diaz,bo@example.org\n",
    );
    write(
        "gifts.csv",
        "constituent_id,gift_id,gift_date,amount,no_email\n\
         C1,G1,2024-01-05,25.00,N\nC1,G2,2024-02-05,25.00,N\nC2,G3,2024-02-07,100.00,Y\nC9,G4,2024-03-01,10.00,N\n",
    );
    let gifts = "  - name: gifts
    system: crm
    file: gifts.csv
    person_key: constituent_id
    person_from: constituents
    facts:
      table: donation
      columns: {gift_key: gift_id, gift_date: gift_date, amount: amount}
    consent:
      email: no_email
";
    let people = "  - name: constituents
    system: crm
    file: constituents.csv
    person_key: constituent_id
    person: {first_name: first_name, last_name: last_name, email: email}
";
    p.write_config("sources.yaml", &format!("sources:\n{gifts}"));
    let out = cpm(&p, &["config", "check"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("no source is named 'constituents'"));

    // Gifts listed first: they still load after the people they name.
    p.write_config("sources.yaml", &format!("sources:\n{gifts}{people}"));
    let out = cpm(&p, &["ingest", "--source", "gifts"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("load constituents first"));
    let report: serde_json::Value =
        serde_json::from_str(&ok(&cpm(&p, &["ingest", "--json"]))).unwrap();
    let gifts_batch = &report["batches"][0];
    assert_eq!(
        gifts_batch["source"], "gifts",
        "reports keep the file's order"
    );
    assert_eq!(
        (
            gifts_batch["rows_loaded"].as_u64(),
            gifts_batch["rows_quarantined"].as_u64()
        ),
        (Some(3), Some(1))
    );
    assert_eq!(gifts_batch["records_new"], 0);

    let db = p.db();
    assert_eq!(count(&db, "SELECT count(*) FROM source_record"), 2);
    let ann_gifts = count(
        &db,
        "SELECT count(*) FROM donation d JOIN source_record sr ON sr.id = d.source_record_id
         WHERE sr.source = 'constituents' AND sr.source_key = 'C1'",
    );
    assert_eq!(ann_gifts, 2);
    let (reason, raw): (String, String) = db
        .conn
        .query_row(
            "SELECT reason, raw FROM quarantine WHERE source = 'gifts'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(reason, "no record of constituents has this key");
    assert_eq!(
        raw, "C9,G4,2024-03-01,10.00,N",
        "the row as written, to fix the file"
    );
    let bo_refuses_email = count(
        &db,
        "SELECT count(*) FROM record_consent rc JOIN source_record sr ON sr.id = rc.source_record_id
         WHERE sr.source_key = 'C2' AND rc.channel = 'email' AND rc.opted_out = 1",
    );
    assert_eq!(bo_refuses_email, 1);
    drop(db);

    // A source of people maps people; one reading them from another maps none.
    let with_people = gifts.replace(
        "    person_from: constituents\n",
        "    person_from: constituents\n    person: {email: email}\n",
    );
    p.write_config("sources.yaml", &format!("sources:\n{people}{with_people}"));
    let out = cpm(&p, &["config", "check"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("maps no person fields"));
}

/// `cpm ingest --dry-run` reads every file through its mapping and says what a load would
/// do, and why rows would be quarantined, for any role and on a read-only store, writing
/// nothing: no store is created. A wrong date format shows as a warning before a load.
#[test]
fn a_dry_run_says_what_a_load_would_do_and_writes_nothing() {
    let p = TempProject::new();
    std::fs::write(
        p.root().join("people.csv"),
        "id,first,last,email,born\n1,Ann,Lee,ann@example.org,22/04/1980\n2,Bo,Diaz,bo@example.org,31/12/1975\n,Cy,Park,cy@example.org,01/01/1990\n4,Di\n",
    )
    .unwrap();
    p.write_config(
        "sources.yaml",
        "sources:\n  - name: people\n    system: crm\n    file: people.csv\n    person_key: id\n    date_formats: [\"%m/%d/%Y\"]\n    person: {first_name: first, last_name: last, email: email, date_of_birth: born}\n",
    );
    let line = [
        "--role",
        "steward",
        "--read-only",
        "ingest",
        "--dry-run",
        "--json",
    ];
    let report: serde_json::Value = serde_json::from_str(&ok(&cpm(&p, &line))).unwrap();
    assert_eq!(report["dry_run"], true);
    let batch = &report["batches"][0];
    assert_eq!(
        (batch["rows_read"].as_u64(), batch["rows_loaded"].as_u64()),
        (Some(4), Some(2))
    );
    let reasons = batch["quarantine_reasons"].as_array().unwrap();
    assert_eq!(reasons.len(), 2);
    assert_eq!(reasons[0]["first_line"], 4);
    assert!(
        reasons[1]["reason"]
            .as_str()
            .unwrap()
            .starts_with("ragged row")
    );
    // Both birth dates are day-first: the column warns, as a load would.
    let warning = batch["warnings"][0].to_string();
    assert!(warning.contains("born"), "{warning}");
    assert!(!p.db_path().exists(), "a dry run creates no store");

    let said = String::from_utf8_lossy(&cpm(&p, &["ingest", "--dry-run"]).stdout).into_owned();
    assert!(said.contains("would warn"), "{said}");
    assert!(
        said.contains("1 row (first at line 5): ragged row"),
        "{said}"
    );
}
