-- Issue 7 (unchanged re-push): a repeat judged unchanged at once shows the findings of the batch whose
-- judgment it repeats instead of a copy of them (a vendor batch files ~1000 of the same warning: a
-- repeat copied them all). `findings_of` names the batch that keeps the rows (never itself a reference);
-- every reader of a batch's findings reads those of coalesce(findings_of, id).
ALTER TABLE truc.batches ADD COLUMN findings_of uuid REFERENCES truc.batches (id);
