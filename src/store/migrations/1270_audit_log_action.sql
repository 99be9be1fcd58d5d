-- fix31b: the audit search by action (GET /v1/audit?action=, the dashboard's audit page) reads one action's rows
-- newest first, and refuses an action the log never held (a mistyped one answered an empty list): whether a name was
-- ever written, and the names it holds, are probes of this index (src/store/overview.ts auditActionWritten,
-- auditActions) instead of reads of the whole log, which grows by every batch, pull page and delivery.
CREATE INDEX audit_log_action ON truc.audit_log (action, seq);
