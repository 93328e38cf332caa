//! Ingest: every bad-input rule from DESIGN.md, idempotence, updates, atomic batches,
//! and a new source added with YAML only.

use cpm::ingest::{self, BatchOutcome, IngestOptions};
use cpm::progress::{Progress, Silent};

use crate::common::{TempProject, count, donation_source, fixture};

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
    assert_eq!(report.rows_read(), 7);
    assert_eq!(report.rows_loaded(), 2);
    assert_eq!(report.rows_quarantined(), 5);
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
            "column 'date': 'not-a-date' is not a date in the configured formats (%Y-%m-%d)",
        ),
        (6, "empty person key (column 'id')"),
        (7, "column 'amount': 'abc' is not an amount"),
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
        err.contains("not CSV text (it contains binary data)"),
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
    let dir = p.root().join("data/synthetic");
    cpm::generate::generate(
        &cpm::generate::GenerateOptions {
            seed: 1,
            people: 3000,
            as_of: cpm::generate::default_as_of(),
            out: dir.clone(),
        },
        &Silent,
    )
    .unwrap();
    let mut db = p.db();
    let options = IngestOptions {
        only: vec!["wbez_donations".into()],
        source_dir: Some(dir),
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

#[test]
fn a_new_source_with_other_column_names_needs_only_yaml() {
    let p = TempProject::new();
    p.write_config(
        "sources.yaml",
        &format!(
            "sources:
  - name: people_register
    system: register
    file: {}
    person_key: person_ref
    date_formats: [\"%m/%d/%Y\"]
    person:
      first_name: given_name
      last_name: surname
      address1: address_1
      city: suburb
      zip: postcode
      date_of_birth: date_of_birth
",
            fixture("ingest/generic_people.csv").display()
        ),
    );
    let mut db = p.db();
    let report = ingest::ingest(&mut db, &p.project(), &IngestOptions::default(), &Silent).unwrap();
    assert_eq!((report.rows_loaded(), report.rows_quarantined()), (2, 1));
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
    let reason: String = db
        .conn
        .query_row("SELECT reason FROM quarantine", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        reason,
        "column 'date_of_birth': '31/12/1990' is not a date in the configured formats"
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
