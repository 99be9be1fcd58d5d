-- Issue 7 (P4 ingest): every finding filed checked its batch through the foreign key, a trigger per
-- row: a 1000-record batch with a warning on each record looked its own batch row up 1,000 times
-- (~5 ms of the ~21 ms of PostgreSQL's CPU its closing statement took). A batch's findings are filed only by
-- that batch's closing statement (src/store/batch-findings.ts `insertFindings`), in the transaction
-- that holds its row locked or inserted it, and no batch is ever deleted: the key guarded nothing that
-- could happen. Said plainly: the database no longer refuses a finding of an unknown batch.
ALTER TABLE truc.findings DROP CONSTRAINT findings_batch_id_fkey;
