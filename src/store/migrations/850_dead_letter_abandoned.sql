-- ops25 (issue 7): a push target removed from the configuration left its undelivered rows (migration 810) and its
-- push sets' dead letters open for good: counted by truc_dead_letters_open, the overview and the runs, and every
-- re-push of their schools judged in full. `truc targets forget <system>` (audited) deletes the target's
-- undelivered rows and abandons its open letters: when (no longer open, not replayable; listed with the replayed).
ALTER TABLE truc.dead_letters ADD COLUMN abandoned_at timestamptz;
