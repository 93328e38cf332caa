-- The generation a name's suffix says (Sr 1, Jr and II 2, III 3 ...): father and son share
-- the rest of a name and often a home, and matching keeps them apart by it. Stores loaded
-- before this are read again on the next ingest (the normaliser is part of the mapping).
ALTER TABLE source_record ADD COLUMN n_generation INTEGER;
