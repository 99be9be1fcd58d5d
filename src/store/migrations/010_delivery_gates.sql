-- Issue 7: the delivery gate of each external system, shared by every worker (and every queue
-- backend): the pacing of calls (the earliest time the next call may start), a pause (a Retry-After
-- the system asked for, or an open circuit) and the circuit breaker's state. One row per system.
CREATE TABLE truc.delivery_gates (
  system         text PRIMARY KEY,
  next_send_at   timestamptz NOT NULL DEFAULT now(),
  paused_until   timestamptz,
  pause_reason   text CHECK (pause_reason IN ('retry-after', 'circuit-open', 'probe')),
  circuit        text NOT NULL DEFAULT 'closed' CHECK (circuit IN ('closed', 'open', 'half-open')),
  failures       integer NOT NULL DEFAULT 0, -- consecutive transient failures
  openings       integer NOT NULL DEFAULT 0, -- consecutive openings without a success (open time doubles)
  last_error_code text,
  opened_at      timestamptz,
  closed_at      timestamptz,
  updated_at     timestamptz NOT NULL DEFAULT now()
);
