-- Issue 7 (changed vendor re-push): a vendor re-sends a school's students, and a changed batch changes
-- most of them, so an update changes every row of a page at once. Fillfactor 80 (migration 190) left
-- room on a page for a quarter of its rows' new versions: about a third of such updates were HOT
-- (heap-only) and the rest wrote a new entry in each of the table's five indexes. Half a page free holds
-- a new version of every row of it: the updates of a changed batch are HOT (measured: 95 % of them), and
-- the old versions are pruned from the page before it is updated again. The students' pages hold half as
-- many rows (the table ~1.6x the size it has at fillfactor 80); no existing row moves (rows written from
-- now on are placed so).
ALTER TABLE truc.students SET (fillfactor = 50);
