-- left20 item 1: a classes run's counts are kept per school and school year. A full classes run reconciles
-- within the school years it lists, and its deletions, changes and moves are weighed within the class's
-- school year (as a vendor's class snapshot is, review18 R4): weighed against the school's classes of every
-- year, the years kept beside this one diluted a mass deletion of this year's classes. '' for the other
-- entities (one count per school, as before).
ALTER TABLE truc.sync_run_guard ADD COLUMN school_year text NOT NULL DEFAULT '';
ALTER TABLE truc.sync_run_guard DROP CONSTRAINT sync_run_guard_pkey;
ALTER TABLE truc.sync_run_guard ADD PRIMARY KEY (sync_run_id, school_code, school_year);
