-- fix34d (issue 7 item 4): the writes' run of failures (migration 1400) was set back by any answered write, so a
-- system with one endpoint down (hcm-csdl's students:batch) and another up (staff:batch) never opened its circuit: each
-- staff push's answer set back the run the student pushes were building, and they were dead-lettered. Each endpoint's
-- failed writes are also counted apart (endpoint -> consecutive failures), set back only by that endpoint's answer
-- (src/jobs/gate-rules.ts). A small map: one key per entity and operation a system is written with.
ALTER TABLE truc.delivery_gates ADD COLUMN endpoint_failures jsonb NOT NULL DEFAULT '{}'::jsonb;
