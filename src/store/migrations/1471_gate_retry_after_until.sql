-- fix35f item 3 (issue 7 item 4): a Retry-After shorter than a pause already running (a circuit the writes opened) was
-- not kept: the gate's row said "circuit-open" until the longer pause's end, and the reads that pass such a circuit
-- (fix34d) went on calling inside the Retry-After the system had asked for. The Retry-After's end is kept apart
-- (src/jobs/gate-rules.ts): the reads past a writes' circuit wait for it, handed back for 'retry-after'.
ALTER TABLE truc.delivery_gates ADD COLUMN retry_after_until timestamptz;
