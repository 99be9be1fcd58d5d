/**
 * Hash-chained, append-only audit log. Row n's hash = sha256(prev_hash + "\n" + canonical JSON of
 * {seq, at, actor, action, subject, details}); the first row's prev_hash is 64 zeros. Appends are
 * serialised by a transaction-scoped advisory lock, so concurrent writers still build one chain.
 * Events carry references and counts only, never personal data.
 */
import { createHash } from 'node:crypto';
import type { Queryable } from '../store/db.js';

export const GENESIS_HASH = '0'.repeat(64);
const AUDIT_LOCK_KEY = 7_283_002;

export interface AuditEvent {
  actor: string;
  action: string;
  subject?: string | undefined;
  details?: Record<string, string | number | boolean | null | string[]> | undefined;
}

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

/** Appends events inside the caller's transaction (so they commit with the data they describe). */
export async function appendAudit(q: Queryable, events: readonly AuditEvent[]): Promise<void> {
  if (events.length === 0) return;
  await q.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_LOCK_KEY]);
  const head = await q.query<{ seq: number; hash: string }>(
    'SELECT seq, hash FROM truc.audit_log ORDER BY seq DESC LIMIT 1',
  );
  let seq = head.rows[0]?.seq ?? 0;
  let prev = head.rows[0]?.hash ?? GENESIS_HASH;
  // Millisecond precision: what we hash is exactly what timestamptz gives back.
  const at = new Date().toISOString();
  const rows: unknown[][] = [];
  for (const e of events) {
    seq += 1;
    const row = {
      seq,
      at,
      actor: e.actor,
      action: e.action,
      subject: e.subject ?? null,
      details: e.details ?? {},
    };
    const hash = rowHash(prev, row);
    rows.push([seq, at, row.actor, row.action, row.subject, JSON.stringify(row.details), prev, hash]);
    prev = hash;
  }
  const params = rows.flat();
  const values = rows.map(
    (_, i) => `(${Array.from({ length: 8 }, (_, j) => `$${i * 8 + j + 1}`).join(',')})`,
  );
  await q.query(
    `INSERT INTO truc.audit_log (seq, at, actor, action, subject, details, prev_hash, hash) VALUES ${values.join(',')}`,
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
    const page = await q.query<{
      seq: number;
      at: Date;
      actor: string;
      action: string;
      subject: string | null;
      details: unknown;
      prev_hash: string;
      hash: string;
    }>(
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
