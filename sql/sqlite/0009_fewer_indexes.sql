-- Indexes nothing reads, each rebuilt by every first resolution and walked by every write:
-- the console lists golden records by sort_name (constituent_by_name), and the review
-- queue is read through match_candidate_queue_by_stake / _by_score, which also serve a
-- filter on band alone.
DROP INDEX IF EXISTS constituent_name;
DROP INDEX IF EXISTS match_candidate_band;
