-- gates5 item 1: who probes a system's circuit, recorded when the probe is taken (src/jobs/gate-rules.ts decideEnter:
-- the circuit goes half-open) and cleared when it ends (its answer closes the circuit or leaves it open, its failure
-- reopens it): {"caller": the call's caller as opened_by names it (an endpoint such as 'students:upsert', a read's
-- 'students:read', 'writes' or 'reads'), "process": the truc process that took it (host:pid)}. A probe whose lease ran
-- out is replaced by the next caller's. The overview's ifProbeFails inferred what a failed probe does without knowing
-- who probes; it reads this now (GET /v1/ops/overview systems[].probeBy). No personal data. NULL: no probe out (a row
-- half-open before this migration keeps NULL until its next probe).
ALTER TABLE truc.delivery_gates ADD COLUMN probe_by jsonb;
