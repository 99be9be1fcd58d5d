-- rel28: when the source itself deleted a record, by its own clock (the time its tombstone carries: hcm-csdl's
-- `updatedAt`), kept with the record the tombstone deleted. A live copy of the record that source lists with a
-- time no later than that is one it served before deleting it (a page read before the tombstone and stored
-- after it: another run's, read ahead, held on its way), not a restore (src/jobs/skip-unchanged.ts). Only the
-- source's own times are compared with it; NULL where no tombstone told one.
ALTER TABLE truc.schools ADD COLUMN IF NOT EXISTS source_deleted_at timestamptz;
ALTER TABLE truc.classes ADD COLUMN IF NOT EXISTS source_deleted_at timestamptz;
ALTER TABLE truc.students ADD COLUMN IF NOT EXISTS source_deleted_at timestamptz;
ALTER TABLE truc.staff ADD COLUMN IF NOT EXISTS source_deleted_at timestamptz;
ALTER TABLE truc.persons ADD COLUMN IF NOT EXISTS source_deleted_at timestamptz;
