-- School websites (issue 8, sống): the last probe of each school's website — does it answer, does it
-- offer an RSS feed. One row per school, replaced by each probe run; no personal data.
CREATE TABLE truc.website_probes (
  school_code text PRIMARY KEY,
  website     text NOT NULL,          -- the address probed (a finding applies only while the school keeps it)
  probed_at   timestamptz NOT NULL,
  answered    boolean NOT NULL,
  http_status integer,
  rss         boolean NOT NULL,
  problem     text                    -- why it did not answer: timeout, unreachable, http-503, …
);
