-- Issue 7: a pulled record refused for a personal ID that other live records of its school hold is
-- remembered too, with what it stands on: `depends` is { entity: { key: fingerprint } } of those holders
-- as they were after the refusing page's writes. The refusal stands (the next pull of the same record
-- counts it refused without judging it) only while every one of them is still live with that fingerprint;
-- a holder deleted or changed has the record judged again. Null: the refusal depends on the record alone.
ALTER TABLE truc.refused_sources ADD COLUMN depends jsonb;
