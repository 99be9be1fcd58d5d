-- fix33e (review33a F6): a gate counted its system's reads and writes in one run of failures, and any answered read
-- set it back to 0: a city database taking no writes while its reads answered (read-only maintenance) never opened
-- its circuit, and each push spent all its attempts. The failures of writes (paced calls: pushes, PCGD-XMC
-- submissions) are also counted apart, set back to 0 only by an answered write (src/jobs/gate-rules.ts).
ALTER TABLE truc.delivery_gates ADD COLUMN write_failures integer NOT NULL DEFAULT 0;
