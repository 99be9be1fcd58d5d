-- Issue 7: tombstones travel to the schools' own systems (smas, vnedu), which delete per school. A delete
-- set to such a system keeps the school of each key as it was when the record was deleted (`schools[i]`
-- is the school of `keys[i]`), so the set's request stays the same on every attempt. Null otherwise.
ALTER TABLE truc.push_sets ADD COLUMN schools text[];
