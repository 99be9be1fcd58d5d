-- Issue 7 (first sync, the city): students back from fillfactor 50 (migration 340) to 75. Measured end to end
-- (sync bench, 300 k students, alternated, 2026-12-03): at 50 the students' heap is 520.6 MB and a first
-- sync ran at 11.3–13.3 k students/s; at 75, 344.4 MB and 17.4–18.9 k/s (at 100, 264.3 MB and 18.6–19.7 k/s),
-- with PostgreSQL's CPU per record about the same (3.07–3.19 → 2.81–3.11 CPU-s per 100 k). The cost is on the
-- changed vendor re-push (ingest bench: PostgreSQL ~30 → ~35.5 ms a 1000-record batch; ~38–40 at 100): a
-- quarter of a page free holds new versions of a third of its rows, so about a third of such updates stay
-- heap-only (HOT) instead of 95 %. Existing rows do not move; rows written from now on are placed so.
ALTER TABLE truc.students SET (fillfactor = 75);
