-- fix34e (review33a, issue 7 items 1 and 3): a held run's weighing says how far it got and whether it covered the
-- whole run (`weighing`: state weighing|whole|partial, pages weighed, the run's last page weighed, why it stopped;
-- shown by the API, the CLI and the dashboard), and resumes after a stopped worker from its last widening
-- (`weigh_resume`: the next cursor and page, the weighed pages' counts per school; never shown, no personal data).
ALTER TABLE truc.guard_holds ADD COLUMN weighing jsonb;
ALTER TABLE truc.guard_holds ADD COLUMN weigh_resume jsonb;
