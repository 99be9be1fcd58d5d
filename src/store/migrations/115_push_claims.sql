-- Issue 7: per-key ordered delivery. A push job holds a claim on each key it sends, at its target, from
-- before it reads the records' state until the target answered; another set of the same key waits
-- (goes back to its queue) meanwhile, so two sends of one key are never in flight at once and the last
-- one sent carries truc's latest state (a delete never overtakes a restore, nor an older upsert a
-- delete). A claim left by a killed worker lapses at `until`; the same set may take its own claims again.
CREATE TABLE truc.push_claims (
  system      text NOT NULL,
  entity      text NOT NULL,
  key         text NOT NULL,
  push_set_id bigint NOT NULL,
  until       timestamptz NOT NULL,
  PRIMARY KEY (system, entity, key)
);
CREATE INDEX push_claims_set ON truc.push_claims (push_set_id);
