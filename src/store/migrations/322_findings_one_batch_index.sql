-- Issue 7 (P4 ingest): a batch's findings had two indexes leading with the batch, (batch_id,
-- record_index) and (batch_id, rule). Every reader asks for one batch's findings (its list in record
-- order, with or without a rule, criterion or severity filter; its counts): the first serves them all,
-- a filter reading the batch's own entries. Each finding paid for both: 1,000 findings inserted
-- 4.28 -> 3.52 ms of PostgreSQL's CPU without the second (12 rounds alternated, one backend).
DROP INDEX truc.findings_batch_rule;
