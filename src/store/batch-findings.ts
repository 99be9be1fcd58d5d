/**
 * A batch's findings (`truc.findings`): filed in one statement whatever their number, counted, listed.
 * A repeat shows the findings of the batch that keeps them (`coalesce(findings_of, id)`, migration 170).
 * Part of the batches repository (./batches.ts `createBatchesRepo`).
 */
import { createHash } from 'node:crypto';
import type { Queryable } from './db.js';

export interface FindingRow {
  recordIndex: number;
  recordKey: string | null;
  criterion: string;
  rule: string;
  severity: 'error' | 'warning' | 'info';
  pointer: string;
  messageVi: string;
  messageEn: string;
  /** The offending value, only where it is not personal data. */
  value?: string | null;
  hintVi?: string | null;
  hintEn?: string | null;
  detailVi?: string | null;
  detailEn?: string | null;
}

/** Filters of a batch's findings list (issue 8). */
export interface BatchFindingFilter {
  rule?: string | undefined;
  criterion?: string | undefined;
  severity?: string | undefined;
}

/** A row of truc.findings, as {@link FindingRow} reads it. */
interface FindingColumns {
  record_index: number;
  record_key: string | null;
  criterion: string;
  rule: string;
  severity: FindingRow['severity'];
  pointer: string;
  message_vi: string;
  message_en: string;
  value: string | null;
  hint_vi: string | null;
  hint_en: string | null;
  detail_vi: string | null;
  detail_en: string | null;
}

const fromFindingColumns = (r: FindingColumns): FindingRow => ({
  recordIndex: r.record_index,
  recordKey: r.record_key,
  criterion: r.criterion,
  rule: r.rule,
  severity: r.severity,
  pointer: r.pointer,
  messageVi: r.message_vi,
  messageEn: r.message_en,
  value: r.value,
  hintVi: r.hint_vi,
  hintEn: r.hint_en,
  detailVi: r.detail_vi,
  detailEn: r.detail_en,
});

/** A finding's texts that its rule gives (the same for many findings), as filed once per batch. */
type Template = [
  criterion: string,
  rule: string,
  severity: string,
  messageVi: string,
  messageEn: string,
  hintVi: string | null,
  hintEn: string | null,
];

const sameTexts = (t: Template, f: FindingRow): boolean =>
  t[0] === f.criterion &&
  t[2] === f.severity &&
  t[3] === f.messageVi &&
  t[4] === f.messageEn &&
  t[5] === (f.hintVi ?? null) &&
  t[6] === (f.hintEn ?? null);

/**
 * Findings as two JSON documents for one INSERT (cheaper than fourteen escaped text arrays): the
 * rule's texts once per distinct rule, message and hint (a batch files the same few again and again),
 * and per finding what is its own, with the index of its texts. A finding's texts are compared with
 * those of its rule's templates, not joined into a key (issue 7: the keys were ~10 % of what a P4
 * batch allocated).
 */
function findingDocuments(findings: readonly FindingRow[]): [rows: string, templates: string] {
  const byRule = new Map<string, number[]>();
  const templates: Template[] = [];
  const rows = findings.map((f) => {
    let same = byRule.get(f.rule);
    if (same === undefined) byRule.set(f.rule, (same = []));
    let at = same.find((i) => sameTexts(templates[i]!, f));
    if (at === undefined) {
      at = templates.length;
      same.push(at);
      templates.push([
        f.criterion,
        f.rule,
        f.severity,
        f.messageVi,
        f.messageEn,
        f.hintVi ?? null,
        f.hintEn ?? null,
      ]);
    }
    return [
      f.recordIndex,
      f.recordKey,
      at,
      f.pointer,
      f.value ?? null,
      f.detailVi ?? null,
      f.detailEn ?? null,
    ];
  });
  return [JSON.stringify(rows), JSON.stringify(templates)];
}

/**
 * The batch that keeps the findings of the last done batch of the same school and entity as batch
 * `id` whose findings had `digest` (a scalar subquery; NULL: none; migration 191). `insertFindings`
 * files no rows and `finish` (./batch-status.ts) refers to it when there is one: both see the same snapshot
 * (one closing statement).
 */
export const SAME_FINDINGS = (id: string, digest: string): string =>
  `(SELECT coalesce(p.findings_of, p.id) FROM truc.batches p JOIN truc.batches me ON me.id = ${id}
     WHERE p.school_code = me.school_code AND p.entity = me.entity AND p.findings_digest = ${digest}
       AND p.id <> me.id AND p.status = 'done'
     ORDER BY p.created_at DESC LIMIT 1)`;

/** A batch's findings: filed, counted, listed. */
export function batchFindings(q: Queryable) {
  return {
    /**
     * Inserts a batch's findings in one statement, whatever their number, unless an earlier batch of
     * the same school and entity filed the same ones (issue 7: the batch shows those by reference, see
     * {@link SAME_FINDINGS}). Returns their digest, for `finish` (null: no findings).
     */
    async insertFindings(batchId: string, findings: readonly FindingRow[]): Promise<string | null> {
      if (findings.length === 0) return null;
      const [rows, templates] = findingDocuments(findings);
      const digest = createHash('sha256').update(rows).update('\u0000').update(templates).digest('hex');
      await q.query(
        `INSERT INTO truc.findings (batch_id, record_index, record_key, criterion, rule, severity, pointer, message_vi, message_en,
                                    value, hint_vi, hint_en, detail_vi, detail_en)
         SELECT $1, (f->>0)::int, f->>1, t->>0, t->>1, t->>2, f->>3, t->>3, t->>4, f->>4, t->>5, t->>6, f->>5, f->>6
           FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS x(f, n)
           JOIN jsonb_array_elements($3::jsonb) WITH ORDINALITY AS y(t, m) ON y.m = (x.f->>2)::int + 1
          WHERE ${SAME_FINDINGS('$1', '$4')} IS NULL
          ORDER BY n`,
        [batchId, rows, templates, digest],
      );
      return digest;
    },
    /** Findings of a batch by severity (what a findings.ready webhook tells). */
    async batchFindingCounts(batchId: string): Promise<Record<string, number>> {
      const res = await q.query<{ severity: string; n: number }>(
        `SELECT severity, count(*)::int AS n FROM truc.findings
          WHERE batch_id = (SELECT coalesce(findings_of, id) FROM truc.batches WHERE id = $1) GROUP BY severity`,
        [batchId],
      );
      return Object.fromEntries(res.rows.map((r) => [r.severity, r.n]));
    },
    /** A batch's findings in record order, optionally filtered by rule, criterion and severity. */
    async findings(
      batchId: string,
      limit: number,
      offset: number,
      filter: BatchFindingFilter = {},
    ): Promise<FindingRow[]> {
      const res = await q.query<FindingColumns>(
        `SELECT record_index, record_key, criterion, rule, severity, pointer, message_vi, message_en,
                value, hint_vi, hint_en, detail_vi, detail_en
           FROM truc.findings
          WHERE batch_id = (SELECT coalesce(findings_of, id) FROM truc.batches WHERE id = $1)
            AND ($4::text IS NULL OR rule = $4)
            AND ($5::text IS NULL OR criterion = $5)
            AND ($6::text IS NULL OR severity = $6)
          ORDER BY record_index, id LIMIT $2 OFFSET $3`,
        [batchId, limit, offset, filter.rule ?? null, filter.criterion ?? null, filter.severity ?? null],
      );
      return res.rows.map(fromFindingColumns);
    },
    /** Findings of every batch, counted by criterion and severity. */
    async findingCounts(): Promise<Array<{ criterion: string; severity: string; n: number }>> {
      const res = await q.query<{ criterion: string; severity: string; n: number }>(
        `SELECT f.criterion, f.severity, count(*)::int AS n
           FROM truc.batches b JOIN truc.findings f ON f.batch_id = coalesce(b.findings_of, b.id)
          GROUP BY 1, 2 ORDER BY 1, 2`,
      );
      return res.rows;
    },
  };
}
