import type { EntityName } from '../config.js';
import type { Queryable } from './db.js';

export type BatchStatus = 'queued' | 'processing' | 'done' | 'failed';

export interface Batch {
  id: string;
  clientId: string;
  schoolCode: string;
  entity: EntityName;
  format: string;
  status: BatchStatus;
  received: number;
  accepted: number;
  rejected: number;
  unchanged: number;
  errorCode: string | null;
  createdAt: Date;
  finishedAt: Date | null;
}

interface Row {
  id: string;
  client_id: string;
  school_code: string;
  entity: EntityName;
  format: string;
  status: BatchStatus;
  received: number;
  accepted: number;
  rejected: number;
  unchanged: number;
  error_code: string | null;
  created_at: Date;
  finished_at: Date | null;
}

const COLUMNS =
  'id, client_id, school_code, entity, format, status, received, accepted, rejected, unchanged, error_code, created_at, finished_at';

const fromRow = (r: Row): Batch => ({
  id: r.id,
  clientId: r.client_id,
  schoolCode: r.school_code,
  entity: r.entity,
  format: r.format,
  status: r.status,
  received: r.received,
  accepted: r.accepted,
  rejected: r.rejected,
  unchanged: r.unchanged,
  errorCode: r.error_code,
  createdAt: r.created_at,
  finishedAt: r.finished_at,
});

export interface FindingRow {
  recordIndex: number;
  recordKey: string | null;
  criterion: string;
  rule: string;
  severity: 'error' | 'warning' | 'info';
  pointer: string;
  messageVi: string;
  messageEn: string;
}

/** A batch as received (records as sent), before any processing. */
export interface NewBatch {
  id: string;
  clientId: string;
  schoolCode: string;
  entity: EntityName;
  format: string;
  records: unknown[];
  /** The sync run whose page this batch is (pulled batches). */
  syncRunId?: number;
}

export function createBatchesRepo(q: Queryable) {
  return {
    async insert(b: NewBatch) {
      await q.query(
        `INSERT INTO truc.batches (id, client_id, school_code, entity, format, status, records, received, sync_run_id)
         VALUES ($1, $2, $3, $4, $5, 'queued', $6, $7, $8)`,
        [
          b.id,
          b.clientId,
          b.schoolCode,
          b.entity,
          b.format,
          JSON.stringify(b.records),
          b.records.length,
          b.syncRunId ?? null,
        ],
      );
    },
    async get(id: string): Promise<Batch | undefined> {
      const res = await q.query<Row>(`SELECT ${COLUMNS} FROM truc.batches WHERE id = $1`, [id]);
      return res.rows[0] ? fromRow(res.rows[0]) : undefined;
    },
    /** Locks the batch row for processing and returns it with its records. */
    async lockForProcessing(id: string): Promise<(Batch & { records: unknown[] }) | undefined> {
      const res = await q.query<Row & { records: unknown[] }>(
        `SELECT ${COLUMNS}, records FROM truc.batches WHERE id = $1 FOR UPDATE`,
        [id],
      );
      const r = res.rows[0];
      return r ? { ...fromRow(r), records: r.records } : undefined;
    },
    async finish(
      id: string,
      counts: { accepted: number; rejected: number; unchanged: number },
    ): Promise<void> {
      await q.query(
        `UPDATE truc.batches SET status = 'done', accepted = $2, rejected = $3, unchanged = $4, finished_at = now()
          WHERE id = $1`,
        [id, counts.accepted, counts.rejected, counts.unchanged],
      );
    },
    async fail(id: string, errorCode: string): Promise<void> {
      await q.query(
        `UPDATE truc.batches SET status = 'failed', error_code = $2, finished_at = now() WHERE id = $1 AND status <> 'done'`,
        [id, errorCode],
      );
    },
    /** A failed batch is queued again (dead-letter replay); other batches are left as they are. */
    async reopen(id: string): Promise<void> {
      await q.query(
        `UPDATE truc.batches SET status = 'queued', error_code = NULL, finished_at = NULL WHERE id = $1 AND status = 'failed'`,
        [id],
      );
    },
    async insertFindings(batchId: string, findings: readonly FindingRow[]): Promise<void> {
      const chunk = 500;
      for (let i = 0; i < findings.length; i += chunk) {
        const part = findings.slice(i, i + chunk);
        const params: unknown[] = [];
        const values = part.map((f, j) => {
          params.push(
            batchId,
            f.recordIndex,
            f.recordKey,
            f.criterion,
            f.rule,
            f.severity,
            f.pointer,
            f.messageVi,
            f.messageEn,
          );
          const o = j * 9;
          return `(${Array.from({ length: 9 }, (_, k) => `$${o + k + 1}`).join(',')})`;
        });
        await q.query(
          `INSERT INTO truc.findings (batch_id, record_index, record_key, criterion, rule, severity, pointer, message_vi, message_en)
           VALUES ${values.join(',')}`,
          params,
        );
      }
    },
    async findings(batchId: string, limit: number, offset: number): Promise<FindingRow[]> {
      const res = await q.query<{
        record_index: number;
        record_key: string | null;
        criterion: string;
        rule: string;
        severity: FindingRow['severity'];
        pointer: string;
        message_vi: string;
        message_en: string;
      }>(
        `SELECT record_index, record_key, criterion, rule, severity, pointer, message_vi, message_en
           FROM truc.findings WHERE batch_id = $1 ORDER BY record_index, id LIMIT $2 OFFSET $3`,
        [batchId, limit, offset],
      );
      return res.rows.map((r) => ({
        recordIndex: r.record_index,
        recordKey: r.record_key,
        criterion: r.criterion,
        rule: r.rule,
        severity: r.severity,
        pointer: r.pointer,
        messageVi: r.message_vi,
        messageEn: r.message_en,
      }));
    },
    /** Findings of every batch, counted by criterion and severity. */
    async findingCounts(): Promise<Array<{ criterion: string; severity: string; n: number }>> {
      const res = await q.query<{ criterion: string; severity: string; n: number }>(
        'SELECT criterion, severity, count(*)::int AS n FROM truc.findings GROUP BY 1, 2 ORDER BY 1, 2',
      );
      return res.rows;
    },
  };
}
export type BatchesRepo = ReturnType<typeof createBatchesRepo>;
