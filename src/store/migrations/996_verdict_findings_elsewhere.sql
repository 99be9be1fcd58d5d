-- priv28: a finding kept with a record's verdict that rests on another school's records carries
-- "elsewhere": true (src/jobs/ingest-finish.ts verdictsOf), and a vendor reading its schools' findings and
-- scorecards is told the verdicts without them (src/quality/sender-view.ts). Verdicts kept before carry no
-- mark: the findings of the two rules that can rest elsewhere are marked now. SACH_ACTIVE_AT_TWO_SCHOOLS always
-- does; SACH_PROBABLE_DUPLICATE_STORED when its twins are only at other schools, which a kept verdict does not say,
-- so it is marked too (the vendor reads it again once the record is judged again, if its twin is at its school).
-- Only verdicts holding such a finding are rewritten (a scan of the table, no index needed once).
UPDATE truc.quality_records r
   SET findings = (
         SELECT jsonb_agg(
                  CASE WHEN e.f ->> 'rule' IN ('SACH_ACTIVE_AT_TWO_SCHOOLS', 'SACH_PROBABLE_DUPLICATE_STORED')
                       THEN e.f || '{"elsewhere": true}'::jsonb
                       ELSE e.f END
                  ORDER BY e.i)
           FROM jsonb_array_elements(r.findings) WITH ORDINALITY AS e(f, i))
 WHERE r.findings @> '[{"rule": "SACH_ACTIVE_AT_TWO_SCHOOLS"}]'::jsonb
    OR r.findings @> '[{"rule": "SACH_PROBABLE_DUPLICATE_STORED"}]'::jsonb;
