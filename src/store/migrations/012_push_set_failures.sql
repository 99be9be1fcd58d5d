-- Issue 7: the delivery state of a batch's changes per target. A push set whose job was
-- dead-lettered is marked failed with the letter's code (cleared when it is replayed or delivered),
-- so a batch can say delivered / pending / failed per target instead of `done`.
ALTER TABLE truc.push_sets ADD COLUMN failed_at timestamptz;
ALTER TABLE truc.push_sets ADD COLUMN error_code text;
CREATE INDEX push_sets_batch ON truc.push_sets (batch_id);
