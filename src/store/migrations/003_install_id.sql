-- A random id of this database installation. Queue job ids carry it, so a restored or re-created
-- database whose outbox ids start again can never collide with jobs an old installation left in a
-- shared Redis.
CREATE TABLE truc.meta (
  key   text PRIMARY KEY,
  value text NOT NULL
);
INSERT INTO truc.meta (key, value) VALUES ('install_id', replace(gen_random_uuid()::text, '-', ''));
