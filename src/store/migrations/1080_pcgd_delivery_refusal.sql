-- review29 F5: what the Ministry said when it refused a report's figures for good (its problem code and field
-- errors: pointers, rules and messages about figures, never personal data), shown on the report as
-- delivery.refusal; cleared when the report's delivery starts afresh or is receipted.
ALTER TABLE truc.pcgd_reports ADD COLUMN delivery_refusal jsonb;
