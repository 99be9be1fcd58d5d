-- sched28 (review27c F4): a schedule's fire due while Redis was down (restarted empty, flushed) is made up once
-- when the scheduler keeps its schedules again. Made up only for a time after the schedule was kept as it is
-- configured now: `kept_as` is the schedule's configuration as the scheduler last kept it (null: not configured
-- now), `kept_since` when it was first kept so; a new schedule, a changed pattern or a schedule configured again
-- makes up nothing from before.
ALTER TABLE truc.schedules ADD COLUMN kept_as text;
ALTER TABLE truc.schedules ADD COLUMN kept_since timestamptz NOT NULL DEFAULT now();
