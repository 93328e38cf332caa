-- The models behind each row's upgrade probabilities, as three references instead of a
-- JSON object repeated on every row (55 bytes a row, a third of the table at a million).
ALTER TABLE constituent_score ADD COLUMN become_sustainer_model INTEGER REFERENCES model_version(id);
ALTER TABLE constituent_score ADD COLUMN raise_monthly_model INTEGER REFERENCES model_version(id);
ALTER TABLE constituent_score ADD COLUMN major_gift_model INTEGER REFERENCES model_version(id);
UPDATE constituent_score SET
    become_sustainer_model = nullif(json_extract(upgrade_models, '$.become_sustainer'), 0),
    raise_monthly_model = nullif(json_extract(upgrade_models, '$.raise_monthly'), 0),
    major_gift_model = nullif(json_extract(upgrade_models, '$.major_gift'), 0)
WHERE upgrade_models IS NOT NULL AND json_valid(upgrade_models);
ALTER TABLE constituent_score DROP COLUMN upgrade_models;
