-- Issue 7, the city's first sync: the quality facts read a page's known classes by school and school year
-- (quality-facts.ts `classes`). With no index on both and a table never analysed (a fresh load: PostgreSQL
-- then takes `deleted_at IS NULL` to keep 0.5 % of the rows), the planner read the whole of the partial
-- index classes_class_code and filtered every class of the city on each page: 57,375 classes and ~6,800
-- buffers a page at the city (auto_explain, 2026-12-03), where this index reads the page's few schools.
CREATE INDEX classes_school_year ON truc.classes (school_code, (data ->> 'schoolYear')) WHERE deleted_at IS NULL;
