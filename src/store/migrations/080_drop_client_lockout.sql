-- issue 6: the per-client lockout columns of api_clients have been unused since failed logins are
-- throttled per source address (030_auth_throttle.sql); nothing reads or writes them.
ALTER TABLE truc.api_clients DROP COLUMN failed_logins, DROP COLUMN locked_until;
