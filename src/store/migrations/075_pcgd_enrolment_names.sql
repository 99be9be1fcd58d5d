-- PCGD-XMC enrolment join, second pass (issue 10): a person left unmatched by personal ID is looked up
-- among the persons by birth date and lower-cased full name (then compared on a parent's name), driven
-- by the few enrolled students without an ID match (src/store/pcgd.ts matchedSql).
CREATE INDEX persons_birth_name ON truc.persons (pcgd_birth_date, lower(data ->> 'fullName'))
  WHERE deleted_at IS NULL;
