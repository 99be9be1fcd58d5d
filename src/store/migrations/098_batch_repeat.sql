-- Issue 7 (unchanged vendor re-push): a vendor that pushes the same batch again (the same body bytes for
-- the same school) is recognised by the body's SHA-256. The repeated batch does not store the records a
-- second time (`same_as` names the earlier batch that keeps them), and `repeat_tag` lets the ingest judge
-- it `unchanged` in a few statements: it is the tag of the state a judged batch left (mapping and rule
-- versions, the day in Vietnam, and a digest of the school's live records of the entity), set only when
-- every record of the batch was accepted in delta mode. A repeat whose tag still matches is unchanged
-- and gets the same findings; otherwise it is judged in full from the earlier batch's records.
ALTER TABLE truc.batches
  ADD COLUMN body_sha256 text,
  ADD COLUMN same_as uuid REFERENCES truc.batches (id),
  ADD COLUMN repeat_tag text;
CREATE INDEX batches_body_sha256 ON truc.batches (school_code, body_sha256) WHERE body_sha256 IS NOT NULL;
