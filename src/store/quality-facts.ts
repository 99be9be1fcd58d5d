/**
 * The lookups the store-backed quality rules make about one batch (issue 8): every part asked is one
 * subquery of a single statement, whatever the batch size. Rows only; the rules live in src/quality.
 */
import type { EntityName } from '../config.js';
import type { Queryable } from './db.js';
import { TABLES } from './record-tables.js';

/** Statuses of a record that is current at its school (enrolled pupils, working staff). */
const ACTIVE_STATUSES: Readonly<Partial<Record<EntityName, readonly string[]>>> = {
  students: ['studying', 'transferred_in', 'returned', 'repeating', 'suspended'],
  staff: ['working', 'on_leave'],
};

/**
 * What the store-backed rules ask about one batch ({@link queryFacts}); a part left
 * out is not read.
 */
export interface QualityFactAsks {
  /** The level of these schools. */
  readonly schools?: readonly string[];
  /** The known classes of these schools in these school years. */
  readonly classes?: { readonly schools: readonly string[]; readonly years: readonly string[] };
  /**
   * Current records (any school) holding the personal IDs of `askers` (records of a batch), other than
   * the askers themselves and records at an asker's school.
   */
  readonly activeHolders?: {
    readonly entity: EntityName;
    readonly askers: readonly {
      readonly personalId: string;
      readonly key: string;
      readonly schoolCode: string | undefined;
    }[];
  };
  /**
   * Live records of these scopes (schools; persons: communes) holding these personal IDs, whatever
   * their status, but the records `keys` names (the asking batch's own).
   */
  readonly scopeHolders?: {
    readonly entity: EntityName;
    readonly scopes: readonly string[];
    readonly personalIds: readonly string[];
    readonly keys: readonly string[];
  };
  /** The stored copies of these records that came from `system` (the city database). */
  readonly fromSystem?: {
    readonly entity: EntityName;
    readonly keys: readonly string[];
    readonly system: string;
  };
  /** The last successful sync of these schools, per system. */
  readonly lastSyncs?: readonly string[];
  /** How many current records of `entity` these schools hold in `schoolYear`. */
  readonly yearCounts?: {
    readonly entity: EntityName;
    readonly schools: readonly string[];
    readonly schoolYear: string;
  };
  /**
   * Current students sharing a twin key with one of `askers` (records of a batch) under another key,
   * and those born on these dates that have no twin key yet.
   */
  readonly bornOn?: {
    readonly dates: readonly string[];
    readonly askers: readonly { readonly twinKey: string; readonly key: string }[];
  };
}

/** The answers to {@link QualityFactAsks}, part by part (a part not asked is absent). */
export interface QualityFacts {
  /** School code → level. */
  readonly schools?: Map<string, string>;
  /** `school/year/class` keys. */
  readonly classes?: Set<string>;
  /** Personal ID → [{ key, school }]. */
  readonly activeHolders?: Map<string, { key: string; schoolCode: string }[]>;
  /** Personal ID → [{ key, school }]. */
  readonly scopeHolders?: Map<string, { key: string; schoolCode: string }[]>;
  /** Key → record. */
  readonly fromSystem?: Map<string, unknown>;
  /** School → [{ system, at (ISO) }]. */
  readonly lastSyncs?: Map<string, { system: string; at: string }[]>;
  /** School → count. */
  readonly yearCounts?: Map<string, number>;
  readonly bornOn?: { key: string; schoolCode: string; data: unknown }[];
}

/** Rows grouped by a key, in row order: `key(row)` → `[value(row), …]`. */
export function groupBy<R, V>(
  rows: readonly R[],
  key: (r: R) => string,
  value: (r: R) => V,
): Map<string, V[]> {
  const out = new Map<string, V[]>();
  for (const r of rows) {
    const k = key(r);
    const list = out.get(k);
    if (list) list.push(value(r));
    else out.set(k, [value(r)]);
  }
  return out;
}

/** Adds a parameter to the statement and returns its placeholder (`$n`). */
type Param = (value: unknown) => string;

/** One part of the facts statement: its rows (undefined: nothing to read) and what they answer. */
interface FactPart<A, R, V> {
  sql(ask: A, $: Param): string | undefined;
  read(rows: R[]): V;
}

/** The part named `K`: what it is asked, its rows `R`, what it answers. */
type PartOf<K extends keyof QualityFacts, R> = FactPart<
  NonNullable<QualityFactAsks[K]>,
  R,
  NonNullable<QualityFacts[K]>
>;

type Holder = { id: string; key: string; scope: string };

const holdersById = (rows: Holder[]) =>
  groupBy(
    rows,
    (r) => r.id,
    (r) => ({ key: r.key, schoolCode: r.scope }),
  );

const schools: PartOf<'schools', { code: string; level: string }> = {
  sql: (codes, $) =>
    `SELECT school_code AS code, data ->> 'level' AS level FROM truc.schools
      WHERE school_code = ANY(${$(codes)}::text[]) AND deleted_at IS NULL`,
  read: (rows) => new Map(rows.map((r) => [r.code, r.level])),
};

const classes: PartOf<'classes', { key: string }> = {
  sql: (ask, $) =>
    `SELECT class_key AS key FROM truc.classes
      WHERE school_code = ANY(${$(ask.schools)}::text[])
        AND data ->> 'schoolYear' = ANY(${$(ask.years)}::text[]) AND deleted_at IS NULL`,
  read: (rows) => new Set(rows.map((r) => r.key)),
};

const activeHolders: PartOf<'activeHolders', Holder> = {
  sql(holders, $) {
    const active = ACTIVE_STATUSES[holders.entity];
    if (!active || !TABLES[holders.entity].hasPersonalId || holders.askers.length === 0) return undefined;
    // Only holders that are, for some asker of their personal ID, another record at another school:
    // the asker's own row and its school's rows are what every batch re-sending its students would
    // read back, and no rule wants them. One index probe per asker (OFFSET 0 keeps the lateral a
    // nested loop): on a table without statistics yet (a fresh load) a join was planned as a full scan.
    const t = TABLES[holders.entity];
    const askers = holders.askers;
    return `SELECT DISTINCT h.*
       FROM unnest(${$(askers.map((a) => a.personalId))}::text[], ${$(askers.map((a) => a.key))}::text[],
                   ${$(askers.map((a) => a.schoolCode ?? null))}::text[]) AS a(id, key, scope),
       LATERAL (SELECT s.personal_id AS id, s.${t.key} AS key, s.${t.scope} AS scope FROM ${t.table} s
                 WHERE s.personal_id = a.id AND s.${t.key} <> a.key AND s.${t.scope} IS DISTINCT FROM a.scope
                   AND s.deleted_at IS NULL AND s.data ->> 'status' = ANY(${$(active)}::text[]) OFFSET 0) AS h`;
  },
  read: holdersById,
};

const scopeHolders: PartOf<'scopeHolders', Holder> = {
  sql(inScopes, $) {
    const t = TABLES[inScopes.entity];
    if (!t.hasPersonalId) return undefined;
    // Not the asking batch's own rows: a batch re-sending its school's records would read every one back.
    return `SELECT personal_id AS id, ${t.key} AS key, ${t.scope} AS scope FROM ${t.table}
      WHERE personal_id = ANY(${$(inScopes.personalIds)}::text[])
        AND ${t.scope} = ANY(${$(inScopes.scopes)}::text[]) AND deleted_at IS NULL
        AND ${t.key} <> ALL(${$(inScopes.keys)}::text[])`;
  },
  read: holdersById,
};

const fromSystem: PartOf<'fromSystem', { key: string; data: unknown }> = {
  sql(ask, $) {
    const t = TABLES[ask.entity];
    return `SELECT ${t.key} AS key, data FROM ${t.table}
      WHERE ${t.key} = ANY(${$(ask.keys)}::text[]) AND source_system = ${$(ask.system)}
        AND deleted_at IS NULL`;
  },
  read: (rows) => new Map(rows.map((r) => [r.key, r.data])),
};

const lastSyncs: PartOf<'lastSyncs', { school: string; system: string; at: string }> = {
  // A run scoped to the school or to everything the system serves ('').
  sql: (codes, $) =>
    `SELECT s.code AS school, r.system, max(r.finished_at) AS at
       FROM unnest(${$(codes)}::text[]) AS s(code)
       JOIN truc.sync_runs r ON r.scope IN (s.code, '') AND r.status = 'done' AND r.finished_at IS NOT NULL
      GROUP BY 1, 2`,
  read: (rows) =>
    groupBy(
      rows,
      (r) => r.school,
      (r) => ({ system: r.system, at: new Date(r.at).toISOString() }),
    ),
};

const yearCounts: PartOf<'yearCounts', { scope: string; n: number }> = {
  sql(ask, $) {
    const t = TABLES[ask.entity];
    return `SELECT ${t.scope} AS scope, count(*)::int AS n FROM ${t.table}
      WHERE ${t.scope} = ANY(${$(ask.schools)}::text[])
        AND data ->> 'schoolYear' = ${$(ask.schoolYear)} AND deleted_at IS NULL
      GROUP BY 1`;
  },
  read: (rows) => new Map(rows.map((r) => [r.scope, r.n])),
};

const bornOn: PartOf<'bornOn', { key: string; scope: string; data: unknown }> = {
  // Current students sharing a twin key (birth date and name key) with an asker under another key
  // (an asker's own stored row is never its own twin, and reading it back would return every
  // re-sent student), and current students born on these dates that have no twin key yet
  // (written before migration 081; \`birth_date\` is \`data ->> 'birthDate'\`, stored: migration 190).
  // Those are read by a join on the dates, one index probe each: as \`birth_date = ANY(<the dates>)\` the
  // planner weighed each of a page's ~800 dates against the column's statistics, ~3 ms of PostgreSQL's CPU
  // a page to plan a scan that finds nothing (no student lacks a twin key once they are all rewritten).
  sql(ask, $) {
    const twins = ask.askers;
    return `SELECT DISTINCT ON (h.key) h.*
       FROM unnest(${$(twins.map((a) => a.twinKey))}::text[], ${$(twins.map((a) => a.key))}::text[]) AS a(twin, key),
       LATERAL (SELECT s.student_code AS key, s.school_code AS scope, s.data FROM truc.students s
                 WHERE s.twin_key = a.twin AND s.student_code <> a.key
                   AND s.deleted_at IS NULL AND s.twin_key IS NOT NULL OFFSET 0) AS h
     UNION ALL
     SELECT s.student_code AS key, s.school_code AS scope, s.data
       FROM (SELECT DISTINCT unnest(${$(ask.dates)}::text[])) AS d(date)
       JOIN truc.students s ON s.birth_date = d.date
      WHERE s.deleted_at IS NULL AND s.twin_key IS NULL`;
  },
  read: (rows) => rows.map((r) => ({ key: r.key, schoolCode: r.scope, data: r.data })),
};

/** Every part, in the order its parameters are numbered. */
const PARTS: { readonly [K in keyof QualityFacts]-?: FactPart<never, never, QualityFacts[K]> } = {
  schools,
  classes,
  activeHolders,
  scopeHolders,
  fromSystem,
  lastSyncs,
  yearCounts,
  bornOn,
};

/**
 * Everything the store-backed rules ask about one batch, in one statement (one round trip, whatever
 * the batch size and however many lookups its rules need): each part asked is one subquery of it.
 */
export async function queryFacts(q: Queryable, asks: QualityFactAsks): Promise<QualityFacts> {
  const params: unknown[] = [];
  const $ = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const asked = (Object.keys(PARTS) as (keyof QualityFacts)[]).filter((name) => asks[name] !== undefined);
  const parts = asked.flatMap((name) => {
    const rows = PARTS[name].sql(asks[name] as never, $);
    return rows === undefined
      ? []
      : [`(SELECT coalesce(json_agg(x), '[]'::json) FROM (${rows}) x) AS "${name}"`];
  });
  if (parts.length === 0) return {};
  const res = await q.query<Record<string, unknown[]>>(`SELECT ${parts.join(',\n       ')}`, params);
  const row = res.rows[0]!;
  return Object.fromEntries(asked.map((name) => [name, PARTS[name].read((row[name] ?? []) as never[])]));
}
