-- truc schema, version 1: the walking skeleton's tables. All objects live in schema `truc` and
-- are always schema-qualified (BullMQ's PostgreSQL backend owns schema `bullmq`).
CREATE SCHEMA IF NOT EXISTS truc;

-- API clients (vendors, officers, admins, auditors). Secrets are stored as scrypt hashes.
CREATE TABLE truc.api_clients (
  id            text PRIMARY KEY,
  name          text NOT NULL,
  role          text NOT NULL CHECK (role IN ('vendor', 'pcgd-officer', 'city-admin', 'auditor')),
  secret_hash   text NOT NULL,
  schools       text[] NOT NULL DEFAULT '{}',
  units         text[] NOT NULL DEFAULT '{}',
  scopes        text[] NOT NULL DEFAULT '{}',
  disabled      boolean NOT NULL DEFAULT false,
  failed_logins integer NOT NULL DEFAULT 0,
  locked_until  timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);

-- Canonical master data. One table per entity, keyed by the sector's natural key; `data` is the
-- canonical record; `fingerprint` (sha-256 of its canonical JSON) decides whether anything changed.
CREATE TABLE truc.schools (
  school_code     text PRIMARY KEY,
  data            jsonb NOT NULL,
  fingerprint     text NOT NULL,
  source_system   text NOT NULL,
  mapping_version text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  last_seen_at    timestamptz NOT NULL DEFAULT now(),
  deleted_at      timestamptz
);

CREATE TABLE truc.classes (
  class_key       text PRIMARY KEY, -- schoolCode/schoolYear/classCode
  school_code     text NOT NULL,
  data            jsonb NOT NULL,
  fingerprint     text NOT NULL,
  source_system   text NOT NULL,
  mapping_version text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  last_seen_at    timestamptz NOT NULL DEFAULT now(),
  deleted_at      timestamptz
);
CREATE INDEX classes_school ON truc.classes (school_code);

CREATE TABLE truc.students (
  student_code    text PRIMARY KEY,
  school_code     text NOT NULL,
  personal_id     text,
  data            jsonb NOT NULL,
  fingerprint     text NOT NULL,
  source_system   text NOT NULL,
  mapping_version text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  last_seen_at    timestamptz NOT NULL DEFAULT now(),
  deleted_at      timestamptz
);
CREATE INDEX students_school ON truc.students (school_code);
CREATE INDEX students_personal_id ON truc.students (personal_id) WHERE personal_id IS NOT NULL;

CREATE TABLE truc.staff (
  staff_code      text PRIMARY KEY,
  school_code     text NOT NULL,
  personal_id     text,
  data            jsonb NOT NULL,
  fingerprint     text NOT NULL,
  source_system   text NOT NULL,
  mapping_version text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  last_seen_at    timestamptz NOT NULL DEFAULT now(),
  deleted_at      timestamptz
);
CREATE INDEX staff_school ON truc.staff (school_code);

-- PCGD-XMC survey persons, by commune of residence.
CREATE TABLE truc.persons (
  person_ref      text PRIMARY KEY,
  commune_code    text NOT NULL,
  personal_id     text,
  data            jsonb NOT NULL,
  fingerprint     text NOT NULL,
  source_system   text NOT NULL,
  mapping_version text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  last_seen_at    timestamptz NOT NULL DEFAULT now(),
  deleted_at      timestamptz
);
CREATE INDEX persons_commune ON truc.persons (commune_code);
CREATE INDEX persons_personal_id ON truc.persons (personal_id) WHERE personal_id IS NOT NULL;

-- Which external id in which system is which canonical record.
CREATE TABLE truc.external_ids (
  system      text NOT NULL,
  entity      text NOT NULL,
  external_id text NOT NULL,
  natural_key text NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (system, entity, external_id)
);
CREATE INDEX external_ids_key ON truc.external_ids (entity, natural_key);

-- Batches as received: the records are kept so that nothing accepted is ever lost.
CREATE TABLE truc.batches (
  id              uuid PRIMARY KEY,
  client_id       text NOT NULL,
  school_code     text NOT NULL,
  entity          text NOT NULL,
  format          text NOT NULL,
  status          text NOT NULL CHECK (status IN ('queued', 'processing', 'done', 'failed')),
  records         jsonb NOT NULL,
  received        integer NOT NULL,
  accepted        integer NOT NULL DEFAULT 0,
  rejected        integer NOT NULL DEFAULT 0,
  unchanged       integer NOT NULL DEFAULT 0,
  error_code      text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  finished_at     timestamptz
);
CREATE INDEX batches_client ON truc.batches (client_id, created_at DESC);
CREATE INDEX batches_school ON truc.batches (school_code, created_at DESC);

-- Per-record findings of mapping, validation and quality rules.
CREATE TABLE truc.findings (
  id           bigserial PRIMARY KEY,
  batch_id     uuid NOT NULL REFERENCES truc.batches (id),
  record_index integer NOT NULL,
  record_key   text,
  criterion    text NOT NULL, -- dung | du | sach | song | schema | mapping
  rule         text NOT NULL,
  severity     text NOT NULL CHECK (severity IN ('error', 'warning')),
  pointer      text NOT NULL,
  message_vi   text NOT NULL,
  message_en   text NOT NULL
);
CREATE INDEX findings_batch ON truc.findings (batch_id, record_index);

-- Transactional outbox: every piece of queue work is first a row here, written in the same
-- transaction as the data it is about. The relay turns rows into jobs (job id = 'ob-' || id);
-- a processor marks its row done in the transaction of its effects; the reconciler re-enqueues
-- rows whose job vanished (Redis restart or flush).
CREATE TABLE truc.outbox (
  id          bigserial PRIMARY KEY,
  queue       text NOT NULL,
  job_name    text NOT NULL,
  payload     jsonb NOT NULL, -- ids only, never records or personal data
  created_at  timestamptz NOT NULL DEFAULT now(),
  claimed_until timestamptz, -- relay lease: rows are claimed, enqueued, then marked, without a long transaction
  enqueued_at timestamptz,
  done_at     timestamptz,
  dead_at     timestamptz,
  enqueue_count integer NOT NULL DEFAULT 0
);
CREATE INDEX outbox_pending ON truc.outbox (id) WHERE enqueued_at IS NULL;
CREATE INDEX outbox_open ON truc.outbox (enqueued_at) WHERE done_at IS NULL AND dead_at IS NULL;

-- A set of records to deliver to one target: the push job carries the set's id only.
CREATE TABLE truc.push_sets (
  id          bigserial PRIMARY KEY,
  system      text NOT NULL,
  entity      text NOT NULL,
  keys        text[] NOT NULL,
  batch_id    uuid,
  created_at  timestamptz NOT NULL DEFAULT now(),
  delivered_at timestamptz,
  receipt     jsonb
);

-- Jobs that failed for good, with their reason; listable and replayable.
CREATE TABLE truc.dead_letters (
  id          bigserial PRIMARY KEY,
  outbox_id   bigint REFERENCES truc.outbox (id),
  queue       text NOT NULL,
  job_name    text NOT NULL,
  error_code  text NOT NULL,
  error_message text NOT NULL,
  attempts    integer NOT NULL,
  failed_at   timestamptz NOT NULL DEFAULT now(),
  replayed_at timestamptz
);

-- Idempotency-Key records per client (IETF draft-ietf-httpapi-idempotency-key-header).
CREATE TABLE truc.idempotency_keys (
  client_id     text NOT NULL,
  key           text NOT NULL,
  request_hash  text NOT NULL,
  response_status integer NOT NULL,
  response_body jsonb NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (client_id, key)
);

-- Append-only, hash-chained audit log. Each row's hash covers the previous row's hash and the
-- row's own canonical JSON; `truc audit verify` recomputes the chain. No personal data here:
-- references (batch ids, counts, fingerprints) only.
CREATE TABLE truc.audit_log (
  seq       bigint PRIMARY KEY,
  at        timestamptz NOT NULL,
  actor     text NOT NULL,
  action    text NOT NULL,
  subject   text,
  details   jsonb NOT NULL,
  prev_hash text NOT NULL,
  hash      text NOT NULL
);

CREATE FUNCTION truc.audit_log_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'truc.audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON truc.audit_log
  FOR EACH ROW EXECUTE FUNCTION truc.audit_log_immutable();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON truc.audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION truc.audit_log_immutable();
