/**
 * Canonical records: one table per entity, keyed by the natural key. Writes are set-based (one
 * statement per chunk via unnest), and only records whose fingerprint changed are written.
 */
import { createHash } from 'node:crypto';
import type { EntityName } from '../config.js';
import type { Queryable } from './db.js';

interface TableDef {
  table: string;
  key: string;
  /** Scope column: the school (or commune for persons) a record belongs to. */
  scope: string;
  hasPersonalId: boolean;
}

export const TABLES: Record<EntityName, TableDef> = {
  schools: { table: 'truc.schools', key: 'school_code', scope: 'school_code', hasPersonalId: false },
  classes: { table: 'truc.classes', key: 'class_key', scope: 'school_code', hasPersonalId: false },
  students: { table: 'truc.students', key: 'student_code', scope: 'school_code', hasPersonalId: true },
  staff: { table: 'truc.staff', key: 'staff_code', scope: 'school_code', hasPersonalId: true },
  persons: { table: 'truc.persons', key: 'person_ref', scope: 'commune_code', hasPersonalId: true },
};

/**
 * sha-256 of a canonical record. Records reaching the store are zod outputs, whose keys come in the
 * schema's order, so plain JSON is already canonical (and 2–3× cheaper than sorting keys).
 */
export function fingerprint(record: unknown): string {
  return createHash('sha256').update(JSON.stringify(record)).digest('hex');
}

export interface UpsertRow {
  key: string;
  scope: string;
  personalId?: string | undefined;
  data: unknown;
  fingerprint: string;
}

export interface ExistingRow {
  key: string;
  scope: string;
  fingerprint: string;
}

const CHUNK = 1000;

export function createRecordsRepo(q: Queryable) {
  return {
    async existing(entity: EntityName, keys: readonly string[]): Promise<Map<string, ExistingRow>> {
      const t = TABLES[entity];
      const out = new Map<string, ExistingRow>();
      for (let i = 0; i < keys.length; i += CHUNK) {
        const res = await q.query<ExistingRow>(
          `SELECT ${t.key} AS key, ${t.scope} AS scope, fingerprint FROM ${t.table} WHERE ${t.key} = ANY($1::text[])`,
          [keys.slice(i, i + CHUNK)],
        );
        for (const r of res.rows) out.set(r.key, r);
      }
      return out;
    },
    /** Inserts or updates rows (the caller has already dropped unchanged ones). */
    async upsert(
      entity: EntityName,
      rows: readonly UpsertRow[],
      source: { system: string; mappingVersion: string },
    ) {
      const t = TABLES[entity];
      const pid = t.hasPersonalId;
      for (let i = 0; i < rows.length; i += CHUNK) {
        const part = rows.slice(i, i + CHUNK);
        const scoped = t.scope !== t.key; // schools are their own scope
        const cols = [
          t.key,
          ...(scoped ? [t.scope] : []),
          ...(pid ? ['personal_id'] : []),
          'data',
          'fingerprint',
        ];
        const arrays: unknown[] = [
          part.map((r) => r.key),
          ...(scoped ? [part.map((r) => r.scope)] : []),
          ...(pid ? [part.map((r) => r.personalId ?? null)] : []),
          part.map((r) => JSON.stringify(r.data)),
          part.map((r) => r.fingerprint),
        ];
        const types = [
          'text[]',
          ...(scoped ? ['text[]'] : []),
          ...(pid ? ['text[]'] : []),
          'jsonb[]',
          'text[]',
        ];
        const n = cols.length;
        await q.query(
          `INSERT INTO ${t.table} (${cols.join(', ')}, source_system, mapping_version)
           SELECT *, $${n + 1}::text, $${n + 2}::text FROM unnest(${types.map((ty, j) => `$${j + 1}::${ty}`).join(', ')})
           ON CONFLICT (${t.key}) DO UPDATE SET
             ${scoped ? `${t.scope} = EXCLUDED.${t.scope},` : ''}
             ${pid ? 'personal_id = EXCLUDED.personal_id,' : ''}
             data = EXCLUDED.data, fingerprint = EXCLUDED.fingerprint,
             source_system = EXCLUDED.source_system, mapping_version = EXCLUDED.mapping_version,
             updated_at = now(), last_seen_at = now(), deleted_at = NULL`,
          [...arrays, source.system, source.mappingVersion],
        );
      }
    },
    /** Marks records as seen again without changing them (liveness, the "sống" criterion). */
    async touch(entity: EntityName, keys: readonly string[]): Promise<void> {
      const t = TABLES[entity];
      for (let i = 0; i < keys.length; i += CHUNK) {
        await q.query(`UPDATE ${t.table} SET last_seen_at = now() WHERE ${t.key} = ANY($1::text[])`, [
          keys.slice(i, i + CHUNK),
        ]);
      }
    },
    /**
     * Marks records deleted (tombstones from a source). Class keys are composite
     * (school/year/class), never a source's tombstone id, so classes are left alone.
     */
    async tombstone(entity: EntityName, keys: readonly string[]): Promise<void> {
      if (keys.length === 0 || entity === 'classes') return;
      const t = TABLES[entity];
      await q.query(
        `UPDATE ${t.table} SET deleted_at = now() WHERE ${t.key} = ANY($1::text[]) AND deleted_at IS NULL`,
        [[...keys]],
      );
    },
    async load(entity: EntityName, keys: readonly string[]): Promise<Array<{ key: string; data: unknown }>> {
      const t = TABLES[entity];
      const out: Array<{ key: string; data: unknown }> = [];
      for (let i = 0; i < keys.length; i += CHUNK) {
        const res = await q.query<{ key: string; data: unknown }>(
          `SELECT ${t.key} AS key, data FROM ${t.table} WHERE ${t.key} = ANY($1::text[]) AND deleted_at IS NULL ORDER BY ${t.key}`,
          [keys.slice(i, i + CHUNK)],
        );
        out.push(...res.rows);
      }
      return out;
    },
    async count(entity: EntityName, scope?: string): Promise<number> {
      const t = TABLES[entity];
      const res = await q.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${t.table} WHERE deleted_at IS NULL ${scope ? `AND ${t.scope} = $1` : ''}`,
        scope ? [scope] : [],
      );
      return res.rows[0]?.n ?? 0;
    },
  };
}
export type RecordsRepo = ReturnType<typeof createRecordsRepo>;
