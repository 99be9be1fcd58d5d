-- rel29: the outbox reconciler (src/jobs/outbox-relay.ts requeueLost, every sync.reconcile.everyMs) walks the open
-- rows in id order, 500 at a time (keyset: id > the last one seen). With many open rows the planner walks the primary
-- key and filters, so the walk's last page read every done row after the last open one: measured at 1 M open rows
-- and 2 M done after them, that page took 2.9 s (38,243 pages read) and the whole walk 1.3-4.2 s of the database
-- every pass. By id among the open rows only, the last page is 0.5 ms and the walk 0.9 s (README, Operations).
CREATE INDEX IF NOT EXISTS outbox_open_id ON truc.outbox (id) WHERE done_at IS NULL AND dead_at IS NULL;
