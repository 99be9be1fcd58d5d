-- PCGD-XMC counting reads a few facts of every surveyed person; as stored generated columns they are
-- read as plain columns instead of parsing the jsonb record of each of millions of persons per report
-- (test/bench/pcgd.ts). They are derived from `data` only (never from the report year or settings),
-- so ingest keeps them right by itself.
ALTER TABLE truc.persons
  ADD COLUMN pcgd_birth_date text GENERATED ALWAYS AS (data->>'birthDate') STORED,
  ADD COLUMN pcgd_birth_year smallint GENERATED ALWAYS AS (substr(data->>'birthDate', 1, 4)::smallint) STORED,
  -- 0 = no current class, 1 = a preschool group, 2 = grade 1 to 12
  ADD COLUMN pcgd_class smallint GENERATED ALWAYS AS (
    CASE WHEN NOT (data ? 'currentGrade') THEN 0
         WHEN data->>'currentGrade' = ANY ('{1,2,3,4,5,6,7,8,9,10,11,12}'::text[]) THEN 2
         ELSE 1 END) STORED,
  ADD COLUMN pcgd_preschool smallint GENERATED ALWAYS AS ((data->'completed'->>'preschool')::smallint) STORED,
  ADD COLUMN pcgd_primary smallint GENERATED ALWAYS AS ((data->'completed'->>'primary')::smallint) STORED,
  ADD COLUMN pcgd_lower_secondary smallint GENERATED ALWAYS AS ((data->'completed'->>'lowerSecondary')::smallint) STORED,
  -- 0 = not literate, 1 = level 1, 2 = level 2
  ADD COLUMN pcgd_literacy smallint GENERATED ALWAYS AS (
    CASE data->>'literacy' WHEN 'level2' THEN 2 WHEN 'level1' THEN 1 ELSE 0 END) STORED,
  -- in the commune's population: permanent or temporary residence, not moved away, not deceased
  ADD COLUMN pcgd_resident boolean GENERATED ALWAYS AS (
    data->>'residenceType' IN ('permanent', 'temporary')
    AND NOT coalesce((data->>'movedAway')::boolean, false)
    AND NOT coalesce((data->>'deceased')::boolean, false)) STORED,
  ADD COLUMN pcgd_disabled boolean GENERATED ALWAYS AS (coalesce(data->>'disability', 'none') <> 'none') STORED;

-- The same lookups as persons_commune, and the mapping versions of a commune's persons by a loose
-- index scan (src/store/pcgd.ts mappingVersions).
CREATE INDEX persons_commune_mapping ON truc.persons (commune_code, mapping_version);
DROP INDEX truc.persons_commune;
