-- Issue 7 (unchanged re-push): a repeat judged unchanged when accepted is inserted done in one statement
-- (src/store/repeats.ts), never updated to done: its batch.finished webhook event is raised on insert,
-- as migration 036 raises it when a batch's status becomes done or failed.
CREATE TRIGGER batches_webhook_inserted AFTER INSERT ON truc.batches
  FOR EACH ROW WHEN (NEW.status IN ('done', 'failed'))
  EXECUTE FUNCTION truc.webhook_batch_finished();
