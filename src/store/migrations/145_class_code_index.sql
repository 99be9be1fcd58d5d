-- Issue 7: class deletions travel. A source's class tombstone names the class by its code only (hcm-csdl's
-- maDinhDanh of a class), and the schools' own systems key a class by its code within the school (SMAS
-- MaLop, vnEdu class_id): truc's class key is composite (school/year/code), so both lookups go by the code.
CREATE INDEX classes_class_code ON truc.classes ((data ->> 'classCode')) WHERE deleted_at IS NULL;
