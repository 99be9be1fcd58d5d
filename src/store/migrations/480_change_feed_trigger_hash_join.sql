-- Issue 7 (changed vendor re-push, first sync): the change feed's trigger (migrations 350, 411) planned its statement
-- on every call (EXECUTE of a formatted text), and for an UPDATE joined the old and new rows by a merge join: each
-- transition table sorted by key (1,000 text comparisons under the database's collation, twice) before the join.
-- Now: the students' statements (the table a first sync and a changed batch write 1,000 rows at a time) are written
-- out, so PL/pgSQL plans each once per connection and keeps the plan; and the function runs with merge and nested-loop
-- joins off, so old and new rows are joined by hashing the keys, whatever the size the kept plan was made for (a first
-- call of one row must not leave a nested loop for the next thousand). The LATERAL step still runs as a nested loop
-- (it is the only plan for it). The settings hold for what runs inside the trigger too (the feed's webhook trigger,
-- migration 036: no join). The other entities keep the formatted statements. The feed rows are the same: same
-- rows, same order, same keys.
-- Measured (the UPDATE of 40 changed 1000-student batches at 100 k stored, perf of the backend, 3 runs alternated):
-- the trigger 3.80, 3.26, 3.18 -> 3.04, 2.63, 2.53 ms a batch (0.66 -> 0.54 of the JSON parse of the same statement).
CREATE OR REPLACE FUNCTION truc.log_record_changes() RETURNS trigger LANGUAGE plpgsql
  SET enable_mergejoin = off SET enable_nestloop = off AS $fn$
BEGIN
  IF TG_ARGV[0] = 'students' AND TG_OP = 'INSERT' THEN
    INSERT INTO truc.record_changes (entity, school_code, op, record_keys, key_count)
    SELECT 'students', n.school_code, 'create', array_agg(n.student_code ORDER BY n.student_code), count(*)
      FROM new_rows n WHERE n.deleted_at IS NULL
     GROUP BY n.school_code ORDER BY n.school_code;
  ELSIF TG_ARGV[0] = 'students' THEN
    -- Per record: a delete for its old school (it was live, and is deleted or moved), then a create or an
    -- update for its new school (it is live, and was deleted, moved or changed).
    INSERT INTO truc.record_changes (entity, school_code, op, record_keys, key_count)
    SELECT 'students', c.s, c.op, array_agg(c.k ORDER BY c.k), count(*)
      FROM new_rows n JOIN old_rows o ON o.student_code = n.student_code,
           LATERAL (SELECT n.student_code, o.school_code, 'delete', 1
                     WHERE o.deleted_at IS NULL AND (n.deleted_at IS NOT NULL OR o.school_code <> n.school_code)
                    UNION ALL
                    SELECT n.student_code, n.school_code,
                           CASE WHEN o.deleted_at IS NULL AND o.school_code = n.school_code THEN 'update' ELSE 'create' END, 2
                     WHERE n.deleted_at IS NULL
                       AND (o.deleted_at IS NOT NULL OR o.school_code <> n.school_code OR o.fingerprint <> n.fingerprint)
           ) AS c(k, s, op, ord)
     GROUP BY c.ord, c.s, c.op ORDER BY c.ord, c.s, c.op;
  ELSIF TG_OP = 'INSERT' THEN
    EXECUTE format(
      $q$INSERT INTO truc.record_changes (entity, school_code, op, record_keys, key_count)
         SELECT %1$L, n.%3$I, 'create', array_agg(n.%2$I ORDER BY n.%2$I), count(*)
           FROM new_rows n WHERE n.deleted_at IS NULL
          GROUP BY n.%3$I ORDER BY n.%3$I$q$,
      TG_ARGV[0], TG_ARGV[1], TG_ARGV[2]);
  ELSE
    EXECUTE format(
      $q$INSERT INTO truc.record_changes (entity, school_code, op, record_keys, key_count)
         SELECT %1$L, c.s, c.op, array_agg(c.k ORDER BY c.k), count(*)
           FROM new_rows n JOIN old_rows o ON o.%2$I = n.%2$I,
                LATERAL (SELECT n.%2$I, o.%3$I, 'delete', 1
                          WHERE o.deleted_at IS NULL AND (n.deleted_at IS NOT NULL OR o.%3$I <> n.%3$I)
                         UNION ALL
                         SELECT n.%2$I, n.%3$I,
                                CASE WHEN o.deleted_at IS NULL AND o.%3$I = n.%3$I THEN 'update' ELSE 'create' END, 2
                          WHERE n.deleted_at IS NULL
                            AND (o.deleted_at IS NOT NULL OR o.%3$I <> n.%3$I OR o.fingerprint <> n.fingerprint)
                ) AS c(k, s, op, ord)
          GROUP BY c.ord, c.s, c.op ORDER BY c.ord, c.s, c.op$q$,
      TG_ARGV[0], TG_ARGV[1], TG_ARGV[2]);
  END IF;
  RETURN NULL;
END
$fn$;
