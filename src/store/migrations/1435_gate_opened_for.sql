-- gates3 item 1: what kind of failure opened a system's circuit, kept from its opening (and each reopening by a failed
-- probe) until it closes: 'credentials' (the system refused truc's credentials, a 401: the system's, never handed
-- over to one endpoint's own circuit) or 'outage' (transient failures at the threshold, a failed probe). The hand-over
-- at the system's probe (src/jobs/endpoint-circuits.ts handOver) read the kind from last_error_code, which any later
-- failure rewrites (a call on its way timing out after a 401 opened it), so a circuit refused credentials opened was
-- handed over as an outage is. NULL while the circuit is closed. A circuit open before this migration: its kind is
-- judged once here from its last error code, as the hand-over did.
ALTER TABLE truc.delivery_gates
  ADD COLUMN opened_for text CHECK (opened_for IN ('credentials', 'outage'));
UPDATE truc.delivery_gates
  SET opened_for = CASE WHEN last_error_code = 'ERR_ADAPTER_AUTH' THEN 'credentials' ELSE 'outage' END
  WHERE circuit <> 'closed';
