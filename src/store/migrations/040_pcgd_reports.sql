-- PCGD-XMC annual reports (issue 10): one row per version of a unit's figures for a year, the persons
-- behind each figure (lineage), and the signed evidence package of an approved version.
--
-- Lifecycle: computed → checked → approved → submitted → receipted. A correction (reopen) or a
-- recomputation makes a new version and marks the old one superseded; nothing is deleted. Approved
-- figures are locked by trigger, not only by the application.
CREATE TABLE truc.pcgd_reports (
  id               bigserial PRIMARY KEY,
  unit_code        text NOT NULL,
  unit_level       text NOT NULL CHECK (unit_level IN ('commune', 'province')),
  year             integer NOT NULL,
  version          integer NOT NULL CHECK (version >= 1),
  status           text NOT NULL CHECK (status IN ('computed', 'checked', 'approved', 'submitted', 'receipted')),
  rule_set         jsonb NOT NULL,  -- version, settings, settings digest, unverified settings
  mapping_versions text[] NOT NULL, -- mapping versions of the persons counted
  figures          jsonb NOT NULL,  -- indicators, levels, ages (and communes for a province)
  findings         jsonb NOT NULL,  -- validation findings (rule, severity, messages, counts)
  persons          integer NOT NULL, -- counted persons
  lineage_digest   text NOT NULL,    -- sha-256 over the lineage (see src/reporting/pcgd/package.ts)
  previous_year_report_id bigint REFERENCES truc.pcgd_reports (id),
  supersedes       bigint REFERENCES truc.pcgd_reports (id),
  superseded_at    timestamptz,
  computed_by      text NOT NULL,
  computed_at      timestamptz NOT NULL DEFAULT now(),
  checked_at       timestamptz,
  approved_by      text,
  approved_at      timestamptz,
  submitted_by     text,
  submitted_at     timestamptz,
  receipted_at     timestamptz,
  receipt          jsonb,            -- the Ministry's receipt, stored with the evidence
  reopened_by      text,
  reopen_reason    text,
  UNIQUE (unit_code, year, version)
);
-- At most one current (not superseded) version per unit and year.
CREATE UNIQUE INDEX pcgd_reports_current ON truc.pcgd_reports (unit_code, year) WHERE superseded_at IS NULL;
CREATE INDEX pcgd_reports_year ON truc.pcgd_reports (year, unit_level) WHERE superseded_at IS NULL;

-- Lineage: the counted persons of a commune report, with their age and what they count for
-- (`flags` bits: see src/store/pcgd.ts). Written once, with the report, by one INSERT … SELECT.
CREATE TABLE truc.pcgd_lineage (
  report_id    bigint NOT NULL REFERENCES truc.pcgd_reports (id),
  person_ref   text NOT NULL,
  commune_code text NOT NULL,
  fingerprint  text NOT NULL,
  age          smallint NOT NULL,
  flags        integer NOT NULL,
  PRIMARY KEY (report_id, person_ref)
);

-- The signed evidence of an approved version: the canonical JSON package and its detached CMS
-- (PKCS#7) signature, with the signer's certificate.
CREATE TABLE truc.pcgd_evidence (
  report_id      bigint PRIMARY KEY REFERENCES truc.pcgd_reports (id),
  package        bytea NOT NULL,
  package_sha256 text NOT NULL,
  signature      bytea NOT NULL,
  signer_subject text NOT NULL,
  signer_certificate text NOT NULL, -- PEM
  signed_at      timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION truc.pcgd_reports_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'truc.pcgd_reports keeps every version: DELETE refused' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NEW.unit_code <> OLD.unit_code OR NEW.year <> OLD.year OR NEW.version <> OLD.version
     OR NEW.unit_level <> OLD.unit_level THEN
    RAISE EXCEPTION 'a PCGD report''s unit, year and version never change' USING ERRCODE = 'check_violation';
  END IF;
  IF OLD.status IN ('approved', 'submitted', 'receipted') AND (
       NEW.figures IS DISTINCT FROM OLD.figures OR NEW.findings IS DISTINCT FROM OLD.findings
       OR NEW.rule_set IS DISTINCT FROM OLD.rule_set OR NEW.persons <> OLD.persons
       OR NEW.lineage_digest <> OLD.lineage_digest OR NEW.approved_by IS DISTINCT FROM OLD.approved_by
       OR NEW.approved_at IS DISTINCT FROM OLD.approved_at) THEN
    RAISE EXCEPTION 'approved PCGD figures are locked (report %)', OLD.id USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NEW.status <> OLD.status AND NOT (
       (OLD.status = 'computed' AND NEW.status = 'checked')
    OR (OLD.status = 'checked' AND NEW.status = 'approved')
    OR (OLD.status = 'approved' AND NEW.status = 'submitted')
    OR (OLD.status = 'submitted' AND NEW.status = 'receipted')) THEN
    RAISE EXCEPTION 'PCGD report %: % → % is not a lifecycle step', OLD.id, OLD.status, NEW.status
      USING ERRCODE = 'check_violation';
  END IF;
  IF OLD.superseded_at IS NOT NULL AND NEW.status <> OLD.status THEN
    RAISE EXCEPTION 'PCGD report % is superseded', OLD.id USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER pcgd_reports_guard BEFORE UPDATE OR DELETE ON truc.pcgd_reports
  FOR EACH ROW EXECUTE FUNCTION truc.pcgd_reports_guard();

CREATE FUNCTION truc.pcgd_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER pcgd_lineage_append_only BEFORE UPDATE OR DELETE ON truc.pcgd_lineage
  FOR EACH ROW EXECUTE FUNCTION truc.pcgd_append_only();
CREATE TRIGGER pcgd_evidence_append_only BEFORE UPDATE OR DELETE ON truc.pcgd_evidence
  FOR EACH ROW EXECUTE FUNCTION truc.pcgd_append_only();
