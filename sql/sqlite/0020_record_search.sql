-- Search finds a person by any of their source records: an email, a phone (whole or its
-- local seven digits, as people say it) or a source system's key.
CREATE INDEX source_record_email ON source_record(n_email) WHERE n_email IS NOT NULL;
CREATE INDEX source_record_phone_local ON source_record(substr(n_phone, -7)) WHERE n_phone IS NOT NULL;
CREATE INDEX source_record_key ON source_record(source_key);

-- The data's as-of date (the newest gift) is read by every screen that says "days ago" and
-- by the engagement view: one index step instead of a scan of every gift.
CREATE INDEX donation_gift_date ON donation(gift_date);
