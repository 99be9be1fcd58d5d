-- guard6 (walk5 W5-12, issue 7 item 3): an approved snapshot hold said "37 deletions", applied 36, and did not say
-- which one a later word kept. Applying its deletions (src/jobs/guard-apply.ts) now keeps how many it held
-- (`applied_of`, beside `applied`) and each held record it left alone (`kept`: its code, why — written, carried
-- unchanged, deleted or moved after the snapshot arrived — when, and the batch, sync run or system that did it; codes
-- and ids only, never personal data). NULL until applied, and for holds applied before this migration.
ALTER TABLE truc.guard_holds ADD COLUMN applied_of integer, ADD COLUMN kept jsonb;
