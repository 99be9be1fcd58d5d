-- walk5 W5-2: the operations overview's last success of a system counts its last delivery it took, read per system
-- (store/overview.ts lastDeliveries): newest first on this index, not a walk of every set ever delivered.
CREATE INDEX push_sets_system_delivered ON truc.push_sets (system, delivered_at DESC) WHERE delivered_at IS NOT NULL;
