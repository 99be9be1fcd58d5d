-- gates (gatefix's leftover): a system circuit one endpoint's writes alone opened is handed over to that endpoint's own
-- circuit (src/jobs/endpoint-circuits.ts handOver), and "alone" was judged from the counts (the endpoint's run equal to
-- the writes' run, no more failures of every call), which another endpoint's failure inside the run can match. The
-- callers whose last call failed, kept here (src/jobs/gate-openers.ts): an endpoint ('students:upsert', a read's
-- 'students:read'), 'writes' or 'reads' for a call without one. A caller's answer takes it out; the circuit closing
-- empties it; so while the circuit is open it names the callers that opened it and those failing since. Shown in
-- GET /v1/ops/overview (systems[].openedBy). A row open before this migration has [] (no hand-over: its probe is as
-- before gatefix until it closes).
ALTER TABLE truc.delivery_gates ADD COLUMN opened_by jsonb NOT NULL DEFAULT '[]'::jsonb;
