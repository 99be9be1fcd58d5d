-- echo23 (issue 7 item 2): the city database's tombstone of a record truc deleted there and restored since is the
-- echo of truc's own delete, whether or not the city answered that delete (a timeout: it may have applied it).
-- `deletion_noted_at`: when truc last noted a deletion it was about to send the system at that school (before the
-- call, as `sent_fp` is), cleared when the system acknowledges a copy sent after it (it then holds a live record
-- newer than truc's deletion). Nothing personal: a time.
ALTER TABLE truc.system_copies ADD COLUMN deletion_noted_at timestamptz;

-- Deletions noted before this migration: the last thing sent there is a deletion (`sent_fp` null after a send).
-- An acknowledged one was noted before its acknowledgement; an unanswered one, before now.
UPDATE truc.system_copies SET deletion_noted_at = coalesce(sent_at, now())
 WHERE sent_fp IS NULL AND sent_prev_fp IS NOT NULL;
