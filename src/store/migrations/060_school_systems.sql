-- Issue 7 (delivery to vendors' systems): which school-management system serves each school, learned
-- from pulls of that system (the schools of its records) and from vendor batches in its format. The
-- city's changes to a school's records are delivered to the system that serves it.
CREATE TABLE truc.school_systems (
  school_code   text PRIMARY KEY,
  system        text NOT NULL,
  learned_from  text NOT NULL CHECK (learned_from IN ('pull', 'batch')),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX school_systems_system ON truc.school_systems (system);
