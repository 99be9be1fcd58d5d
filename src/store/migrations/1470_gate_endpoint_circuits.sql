-- fix35f (issue 7 item 4): one endpoint refusing writes (hcm-csdl's students:batch) opened its whole system's circuit
-- (fix34d, migration 1416), so the staff pushes waited while only students:batch was down. A system whose endpoints
-- fail apart (sync.delivery.endpointCircuits) keeps a circuit for each endpoint whose writes fail while another
-- endpoint answers: endpoint -> { circuit open|half-open, pausedUntil, openings, openedAt } (src/jobs/endpoint-circuits.ts).
-- An endpoint whose circuit is closed has no key. The system's own circuit (columns circuit, paused_until) still opens
-- when the whole system fails.
ALTER TABLE truc.delivery_gates ADD COLUMN endpoint_circuits jsonb NOT NULL DEFAULT '{}'::jsonb;
