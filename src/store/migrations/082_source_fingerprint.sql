-- issue 7 (speed): a record pulled from a system of record keeps the fingerprint of the source record
-- it was made from (its wire form, the mapping version and the quality catalogue). A pulled record
-- whose source fingerprint matches its stored, live row is unchanged without being mapped, validated
-- or judged again: an unchanged night does almost no work. Any other write (a vendor's batch) clears it.
ALTER TABLE truc.schools ADD COLUMN source_fp text;
ALTER TABLE truc.classes ADD COLUMN source_fp text;
ALTER TABLE truc.students ADD COLUMN source_fp text;
ALTER TABLE truc.staff ADD COLUMN source_fp text;
ALTER TABLE truc.persons ADD COLUMN source_fp text;
