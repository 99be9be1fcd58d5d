-- ops29: the overview's 24 h error rate of a system counts its push deliveries beside its sync runs
-- (src/store/overview.ts pushDeliveries24h): the sets delivered and the push-set dead letters of the last 24
-- hours, per system. Both are range reads on a time; without these indexes each overview read every push set
-- and every dead letter ever kept (a city's push sets grow by every batch of every vendor). Partial: a set not
-- yet delivered is never counted (and few are), so the index holds delivered sets only.
CREATE INDEX push_sets_delivered_at ON truc.push_sets (delivered_at) WHERE delivered_at IS NOT NULL;
CREATE INDEX dead_letters_failed_at ON truc.dead_letters (failed_at);
