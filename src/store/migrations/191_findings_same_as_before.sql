-- Issue 7 (changed vendor re-push): a batch whose findings are the same as those of an earlier batch of
-- its school (a vendor's next push with changed records and the same ~1000 warnings) shows that batch's
-- findings by reference (`findings_of`, migration 170) instead of filing a copy of every row. The digest
-- of a batch's findings (as filed: record indexes, keys, pointers, values, texts) finds that batch.
ALTER TABLE truc.batches ADD COLUMN findings_digest text;
CREATE INDEX batches_findings_digest ON truc.batches (school_code, entity, findings_digest)
  WHERE findings_digest IS NOT NULL;
