-- fix32e (review32 F3): a held run's next pages are weighed and its hold widened to every school they would hold
-- (src/jobs/run-weigh.ts). Until the weighing is over (or this bound runs out, a crashed weighing's) the hold is
-- not decided: an approval would cover schools the admin was not shown yet.
ALTER TABLE truc.guard_holds ADD COLUMN weighing_until timestamptz;
