-- Search finds a person by any of their source records: an email, a phone (whole or its
-- local seven digits, as people say it) or a source system's key.
CREATE INDEX source_record_email ON source_record(n_email) WHERE n_email IS NOT NULL;
CREATE INDEX source_record_phone_local ON source_record(substr(n_phone, -7)) WHERE n_phone IS NOT NULL;
CREATE INDEX source_record_key ON source_record(source_key);
