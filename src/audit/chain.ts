/**
 * Hash-chained, append-only audit log. Row n's hash = sha256(prev_hash + "\n" + canonical JSON of
 * {seq, at, actor, action, subject, details}); the first row's prev_hash is 64 zeros. Appends are
 * serialised by a transaction-scoped advisory lock, so concurrent writers still build one chain.
 * Events carry references and counts only, never personal data.
 *
 * The lock is held until the writer commits, so appends are one serialisation point of the whole
 * installation. Hot paths (a vendor's batch accepted) keep it off their transaction: {@link recordAudit}
 * writes the event to `truc.audit_pending` in the caller's transaction (no lock: it commits, or not,
 * with the data it describes), and {@link chainPending} moves pending events into the chain later, many
 * per lock (./chainer.ts runs it in every api and worker process, at once after a write and every second).
 */
import { createHash } from 'node:crypto';
import { actorNameSql } from '../store/actor-names.js';
import type { AuditEvent, AuditRow } from '../store/audit-log.js';
import { sendWrite, type Queryable } from '../store/db.js';

export const GENESIS_HASH = '0'.repeat(64);
const AUDIT_LOCK_KEY = 7_283_002;

/** JSON with object keys sorted at every level: stable across jsonb round trips. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function rowHash(
  prevHash: string,
  row: { seq: number; at: string; actor: string; action: string; subject: string | null; details: unknown },
): string {
  const body = canonicalJson({
    seq: row.seq,
    at: row.at,
    actor: row.actor,
    action: row.action,
    subject: row.subject,
    details: row.details,
  });
  return createHash('sha256').update(`${prevHash}\n${body}`).digest('hex');
}

/**
 * Appends events inside the caller's transaction (so they commit with the data they describe), at `at`:
 * the caller's clock (deps.now()), never the machine's read here, so a test's clock is the audit's too.
 */
export async function appendAudit(q: Queryable, events: readonly AuditEvent[], at: Date): Promise<void> {
  if (events.length === 0) return;
  await q.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_LOCK_KEY]);
  // Millisecond precision: what we hash is exactly what timestamptz gives back.
  const iso = at.toISOString();
  await appendLocked(
    q,
    events.map((e) => ({ ...e, at: iso })),
  );
}

/**
 * Records events in the caller's transaction WITHOUT taking the chain's lock: they commit with the
 * data they describe (or roll back with it) in `truc.audit_pending`, and {@link chainPending} appends
 * them to the chain shortly after, with the time they happened (`at`, the caller's clock). For hot paths.
 */
export async function recordAudit(q: Queryable, events: readonly AuditEvent[], at: Date): Promise<void> {
  if (events.length === 0) return;
  const iso = at.toISOString();
  const params = events.flatMap((e, i) => [
    i,
    iso,
    e.actor,
    e.action,
    e.subject ?? null,
    JSON.stringify(e.details ?? {}),
  ]);
  const values = events.map((_, i) => `(${[1, 2, 3, 4, 5, 6].map((j) => `$${i * 6 + j}`).join(',')})`);
  // the actor's name as it is now, when the event happens (fix36b), kept beside the id
  await q.query(
    `INSERT INTO truc.audit_pending (at, actor, action, subject, details, actor_name)
     SELECT v.at::timestamptz, v.actor, v.action, v.subject, v.details::jsonb, ${actorNameSql('v.actor')}
       FROM (VALUES ${values.join(',')}) v(n, at, actor, action, subject, details) ORDER BY v.n::int`,
    params,
  );
}

/** Whether events wait in `truc.audit_pending` (a cheap look without the lock). */
export async function auditPending(q: Queryable): Promise<boolean> {
  const res = await q.query<{ any: boolean }>('SELECT EXISTS (SELECT 1 FROM truc.audit_pending) AS any');
  return res.rows[0]?.any ?? false;
}

/** A pending event as {@link chainPending} moves it, with the chain's head as it read it (null: an empty chain). */
interface MovedRow {
  id: string;
  at: Date;
  actor: string;
  action: AuditEvent['action']; // written as an AuditEvent (recordAudit, or the repeat's SQL: ../store/repeats.ts)
  subject: string | null;
  details: AuditEvent['details'];
  actor_name: string | null;
  head_seq: number | null;
  head_hash: string | null;
}

/**
 * Moves up to `limit` pending events (oldest first) into the chain, in the caller's transaction under
 * the chain's lock; returns how many. Run it in a transaction of its own: the pending rows are deleted
 * as they are chained, so a rollback leaves them pending. Three statements in two round trips (issue 7: a
 * pass ran five in five, about one pass a vendor batch): the lock, then the events taken and the chain's head
 * read in one statement sent right behind it (run once the lock is held: its snapshot, taken when it starts,
 * sees the chain as the last holder committed it), then their rows inserted, not waited for (the transaction's
 * COMMIT fails if the insert did: ../store/db.ts `sendWrite`).
 */
export async function chainPending(q: Queryable, limit = 1000): Promise<number> {
  await sendWrite(q, (w) => w.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_LOCK_KEY]));
  const res = await q.query<MovedRow>(
    `WITH moved AS (
       DELETE FROM truc.audit_pending WHERE id IN (SELECT id FROM truc.audit_pending ORDER BY id LIMIT $1)
       RETURNING id, at, actor, action, subject, details, actor_name
     ), head AS (SELECT seq, hash FROM truc.audit_log ORDER BY seq DESC LIMIT 1)
     SELECT m.id, m.at, m.actor, m.action, m.subject, m.details, m.actor_name, h.seq AS head_seq,
            h.hash AS head_hash
       FROM moved m LEFT JOIN head h ON true`,
    [limit],
  );
  const rows = res.rows.sort((a, b) => Number(BigInt(a.id) - BigInt(b.id)));
  const head =
    rows[0] && rows[0].head_seq !== null ? { seq: rows[0].head_seq, hash: rows[0].head_hash! } : undefined;
  await sendWrite(q, (w) =>
    insertAfter(
      w,
      head,
      rows.map((r) => ({
        actor: r.actor,
        action: r.action,
        subject: r.subject ?? undefined,
        details: r.details,
        at: r.at.toISOString(),
        actorName: r.actor_name,
      })),
    ),
  );
  return rows.length;
}

/** Appends events (each with its time) after the chain's head; the caller holds the chain's lock. */
async function appendLocked(q: Queryable, events: readonly (AuditEvent & { at: string })[]): Promise<void> {
  if (events.length === 0) return;
  const head = await q.query<{ seq: number; hash: string }>(
    'SELECT seq, hash FROM truc.audit_log ORDER BY seq DESC LIMIT 1',
  );
  await insertAfter(q, head.rows[0], events);
}

/**
 * Inserts events (each with its time) after `head` (undefined: the chain is empty), in one statement. Each row keeps
 * its actor's name (fix36b, outside the hash): a recorded event's as it was recorded (`actorName`), else as it is now.
 */
function insertAfter(
  q: Queryable,
  head: { seq: number; hash: string } | undefined,
  events: readonly (AuditEvent & { at: string; actorName?: string | null })[],
): Promise<unknown> {
  if (events.length === 0) return Promise.resolve();
  let seq = head?.seq ?? 0;
  let prev = head?.hash ?? GENESIS_HASH;
  const rows: unknown[][] = [];
  for (const e of events) {
    seq += 1;
    const at = e.at;
    const row = {
      seq,
      at,
      actor: e.actor,
      action: e.action,
      subject: e.subject ?? null,
      details: e.details ?? {},
    };
    const hash = rowHash(prev, row);
    const name = e.actorName ?? null;
    rows.push([seq, at, row.actor, row.action, row.subject, JSON.stringify(row.details), prev, hash, name]);
    prev = hash;
  }
  const params = rows.flat();
  const values = rows.map(
    (_, i) => `(${Array.from({ length: 9 }, (_, j) => `$${i * 9 + j + 1}`).join(',')})`,
  );
  return q.query(
    `INSERT INTO truc.audit_log (seq, at, actor, action, subject, details, prev_hash, hash, actor_name)
     SELECT v.seq::bigint, v.at::timestamptz, v.actor, v.action, v.subject, v.details::jsonb, v.prev_hash, v.hash,
            COALESCE(v.actor_name::text, ${actorNameSql('v.actor')})
       FROM (VALUES ${values.join(',')}) v(seq, at, actor, action, subject, details, prev_hash, hash, actor_name)`,
    params,
  );
}

export type VerifyResult =
  | { ok: true; rows: number; head: string }
  | { ok: false; rows: number; brokenAt: number; reason: 'hash' | 'prev_hash' | 'gap' };

/** Recomputes the whole chain in order, in pages; reports the first broken row. */
export async function verifyAudit(q: Queryable, pageSize = 5000): Promise<VerifyResult> {
  let prev = GENESIS_HASH;
  let expectedSeq = 1;
  let rows = 0;
  for (;;) {
    const page = await q.query<AuditRow>(
      `SELECT seq, at, actor, action, subject, details, prev_hash, hash FROM truc.audit_log
        WHERE seq >= $1 ORDER BY seq LIMIT $2`,
      [expectedSeq, pageSize],
    );
    if (page.rows.length === 0) return { ok: true, rows, head: prev };
    for (const r of page.rows) {
      if (r.seq !== expectedSeq) return { ok: false, rows, brokenAt: expectedSeq, reason: 'gap' };
      if (r.prev_hash !== prev) return { ok: false, rows, brokenAt: r.seq, reason: 'prev_hash' };
      const h = rowHash(prev, { ...r, at: r.at.toISOString() });
      if (h !== r.hash) return { ok: false, rows, brokenAt: r.seq, reason: 'hash' };
      prev = r.hash;
      expectedSeq += 1;
      rows += 1;
    }
  }
}
