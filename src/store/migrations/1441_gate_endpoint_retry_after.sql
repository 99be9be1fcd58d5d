-- fix37b: a 429 with Retry-After on a write to an endpoint that has its own circuit (sync.delivery.endpointCircuits)
-- paused every call to its system, so hcm-csdl's staff:batch waited out a Retry-After only students:batch asked for.
-- Such a Retry-After now holds that endpoint's writes alone: endpoint -> the end of its wait (ISO time), kept here
-- (src/jobs/endpoint-retry-after.ts). A system whose rate limit is its client's (sync.delivery.systemWideRateLimits)
-- still pauses as a whole (paused_until, retry_after_until). An entry whose time has passed holds nothing.
ALTER TABLE truc.delivery_gates ADD COLUMN endpoint_retry_after jsonb NOT NULL DEFAULT '{}'::jsonb;
