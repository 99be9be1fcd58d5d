-- Issue 7: a record a pull refused (an error finding) is not judged again every night while the source
-- still sends the very same record under the same rules. One row per source record refused, by the
-- system it is pulled from and its source key: the source fingerprint it was refused with (its wire form,
-- the mapping version and the quality catalogue version) and the stamp of the rules that judged it (the
-- city's quality policy and the school year). Only refusals that depend on the record alone are kept
-- (mapping, schema, input and record rules); one that depends on other records (batch or store rules,
-- e.g. a duplicate or an unknown school) is judged again on every pull.
CREATE TABLE truc.refused_sources (
  system      text NOT NULL,
  entity      text NOT NULL,
  source_key  text NOT NULL,
  source_fp   text NOT NULL,
  rules       text NOT NULL,
  -- The record's natural key and school when it mapped (the source still holds that key: a full run's
  -- reconciliation must not delete its stored copy); null when mapping failed.
  record_key  text,
  scope       text,
  refused_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (system, entity, source_key)
);
