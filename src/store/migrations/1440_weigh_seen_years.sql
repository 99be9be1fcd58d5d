-- fix36e item 3: the school years a school system's (smas, vnedu) students page listed at each school, as
-- `school/year`, read in the page's own transaction after its writes (as the run's end reads them from the applied
-- page). A held run's pages are rolled back: at a school-year rollover the stored copies of the students they list
-- still say last year, so the reconciliation weighed ahead from them weighed within last year where the run's end
-- weighs within this year, and left out this year's students the source no longer lists (fewer deletions than the
-- end makes). Codes only.
ALTER TABLE truc.weigh_seen ADD COLUMN years text[] NOT NULL DEFAULT '{}';
