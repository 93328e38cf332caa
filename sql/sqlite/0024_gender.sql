-- A gender or a title column ("F", "Male", "Mrs."), as written, and the sex matching
-- compares ("m" or "f"; empty where the value says neither). Not a golden column.
ALTER TABLE source_record ADD COLUMN gender TEXT;
ALTER TABLE source_record ADD COLUMN n_gender TEXT;
