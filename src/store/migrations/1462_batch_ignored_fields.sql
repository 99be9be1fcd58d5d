-- fix9 (W6b-4): a vendor batch in a system's own format (smas, vnedu) tells which fields its records sent that truc
-- ignored (its mapping does not read them: a field outside the format, or one truc does not carry). Field names only,
-- never values: `ignored_fields`, the names shaped like a field name (src/canonical/keys.ts `printableKey`), sorted,
-- at most 50; `ignored_fields_more`, how many other distinct names it sent (past the 50, or not shaped like a field
-- name, which could hold personal data). Set when the batch is judged, only when it ignored any; NULL: none, not
-- judged yet, or judged before this migration. A re-push stored as `same_as` an earlier batch reads that batch's.
ALTER TABLE truc.batches ADD COLUMN ignored_fields text[], ADD COLUMN ignored_fields_more integer;
