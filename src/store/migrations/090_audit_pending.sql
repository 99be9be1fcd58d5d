-- Audit events recorded by hot paths (a vendor's batch accepted) in their own transaction without the
-- chain's global lock; src/audit/chain.ts chainPending moves them into truc.audit_log (hash-chained,
-- append-only) shortly after, oldest first, many per lock. Only the chainer deletes from here.
CREATE TABLE truc.audit_pending (
  id      bigserial PRIMARY KEY,
  at      timestamptz NOT NULL,
  actor   text NOT NULL,
  action  text NOT NULL,
  subject text,
  details jsonb NOT NULL
);
