-- A birth date no calendar has ("1950-02-30": one mistyped digit, or day and month the wrong
-- way round), read as its year, month and day where `date_of_birth` is stored empty: matching
-- compares it, nothing shows it as a date. Stores loaded before this are read again on the
-- next ingest (the normaliser is part of the mapping).
ALTER TABLE source_record ADD COLUMN n_dob_as_written TEXT;
