-- Issue 7 (delivery to vendors' systems): a city admin can say which school-management system serves a
-- school (and take the answer back). An admin's answer ('admin') is kept until an admin changes it:
-- pulls and vendor batches no longer overwrite it. `set_by` is the admin's client id (or operator:cli).
ALTER TABLE truc.school_systems DROP CONSTRAINT school_systems_learned_from_check;
ALTER TABLE truc.school_systems
  ADD CONSTRAINT school_systems_learned_from_check CHECK (learned_from IN ('pull', 'batch', 'admin'));
ALTER TABLE truc.school_systems ADD COLUMN set_by text;
