-- Precedence between the city database and the schools' own systems (prec16): per (system, entity, key), what
-- truc last RECEIVED from a school's own system (smas, vnedu) and what it last SENT there, as canonical record
-- fingerprints (records.fingerprint), so a copy that system gives back of an older state is recognised as not a
-- change. `sent_fp` is noted before the call that carries it (a pull racing that call knows the copy), with the
-- one sent before it kept (`sent_prev_fp`: a send that failed leaves the system holding that one);
-- `sent_at` is set once the system acknowledged `sent_fp` (null while it has not). One narrow row per key a
-- school system holds; nothing personal (keys and fingerprints only).
CREATE TABLE truc.system_copies (
  system       text NOT NULL,
  entity       text NOT NULL,
  key          text NOT NULL,
  received_fp  text,
  received_at  timestamptz,
  sent_fp      text,
  sent_prev_fp text,
  sent_at      timestamptz,
  PRIMARY KEY (system, entity, key)
);

-- What truc holds of records last written by a pull of smas or vnedu is what that system gave it: noted as
-- received, so an older copy of one the city changes after this migration (before that system is pulled
-- again) is recognised too (review16's upgrade note).
INSERT INTO truc.system_copies (system, entity, key, received_fp, received_at)
SELECT source_system, 'students', student_code, fingerprint, updated_at FROM truc.students
 WHERE source_system IN ('smas', 'vnedu') AND deleted_at IS NULL;
INSERT INTO truc.system_copies (system, entity, key, received_fp, received_at)
SELECT source_system, 'staff', staff_code, fingerprint, updated_at FROM truc.staff
 WHERE source_system IN ('smas', 'vnedu') AND deleted_at IS NULL;
INSERT INTO truc.system_copies (system, entity, key, received_fp, received_at)
SELECT source_system, 'classes', class_key, fingerprint, updated_at FROM truc.classes
 WHERE source_system IN ('smas', 'vnedu') AND deleted_at IS NULL;
