-- ui27 (review26a): a hold's decision keeps the admin's reason beside who took it and when, so GET /v1/guard/holds
-- and the dashboard's guard page show it (it was kept only in the decision's audit entry, which stays as it is).
-- Holds decided before are given the reason their decision's audit entry kept.
ALTER TABLE truc.guard_holds ADD COLUMN decision_reason text;

UPDATE truc.guard_holds h
   SET decision_reason = a.details ->> 'reason'
  FROM truc.audit_log a
 WHERE a.subject = 'guard-hold:' || h.id
   AND a.action IN ('guard.approved', 'guard.rejected', 'guard.superseded')
   AND a.details ->> 'reason' IS NOT NULL;
