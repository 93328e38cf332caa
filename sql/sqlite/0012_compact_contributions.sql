-- A candidate's contributions as [field, similarity, contribution] triples instead of
-- {field, similarity, contribution} objects: the same JSON array, a third the size (a
-- first resolution of a million records wrote ~115 MB of keys repeated on every field).
-- Rows already in the new form (their first element an array) are left as they are.
UPDATE match_candidate SET contributions = (
    SELECT json_group_array(json_array(
               json_extract(part.value, '$.field'),
               json_extract(part.value, '$.similarity'),
               json_extract(part.value, '$.contribution')) ORDER BY part.key)
    FROM json_each(match_candidate.contributions) AS part
)
WHERE json_type(contributions, '$[0]') = 'object';
