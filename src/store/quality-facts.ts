/**
 * The lookups the store-backed quality rules make about one batch (issue 8): every part asked is one
 * subquery of a single statement, whatever the batch size. Rows only; the rules live in src/quality.
 */
import type { EntityName } from '../config.js';
import { INDEX_PROBES, withLocalSettings, type Queryable } from './db.js';
import { paramRows } from './param-rows.js';
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
  readonly activeHolders?: HoldersAsk;
  /**
   * Live records holding an asker's personal ID in the asker's scope (school; persons: commune), whatever
   * their status, but the asker itself. Asked with the same askers as `activeHolders` (the same array),
   * both are answered by one index probe per asker.
   */
  readonly scopeHolders?: HoldersAsk;
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
   * Current students sharing a twin key with one of `askers` (records of a batch) under another key (of an
   * asker holding a personal ID, only those holding none), and those born on these dates that have no twin
   * key yet.
   */
  readonly bornOn?: {
    readonly dates: readonly string[];
    readonly askers: readonly {
      readonly twinKey: string;
      readonly key: string;
      readonly hasId: boolean;
    }[];
  };
}

/** Records of a batch asking who else holds their personal IDs. */
export interface HoldersAsk {
  readonly entity: EntityName;
  readonly askers: readonly {
    readonly personalId: string;
    readonly key: string;
    readonly schoolCode: string | undefined;
    /** Its scope column's value (school; persons: commune). */
    readonly scope: string;
  }[];
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

/** A holder of an asker's personal ID, and which of the two holder lookups wants it. */
type Holder = { id: string; key: string; scope: string; active: boolean; inScope: boolean };

/** The holders the lookup flagged `flag` wants, by personal ID. */
const holdersById = (flag: 'active' | 'inScope') => (rows: Holder[]) =>
  groupBy(
    rows.filter((r) => r[flag]),
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

/**
 * The live holders of the askers' personal IDs, other than the askers themselves, that the holder lookups
 * `want`: `active`, a current record at another school than the asker's (activeHolders); `inScope`, a record
 * in the asker's scope (scopeHolders). One index probe per asker (OFFSET 0 keeps the lateral a nested loop:
 * on a table without statistics yet, a fresh load, a join was planned as a full scan); the asker's own row
 * and, for activeHolders alone, its school's rows are what every batch re-sending its records would read
 * back, and no rule wants them. Both lookups in one probe (issue 7): scopeHolders asked on its own by the
 * batch's scopes and IDs read back every record of a re-sent batch, then compared each with every key of it.
 */
function holdersSql(
  ask: HoldersAsk,
  want: { active: boolean; inScope: boolean },
  $: Param,
): string | undefined {
  const t = TABLES[ask.entity];
  const statuses = want.active ? ACTIVE_STATUSES[ask.entity] : undefined;
  const active = statuses
    ? `(s.${t.scope} IS DISTINCT FROM a.school AND s.data ->> 'status' = ANY(${$(statuses)}::text[]))`
    : undefined;
  const inScope = want.inScope ? `s.${t.scope} = a.scope` : undefined;
  if (!t.hasPersonalId || ask.askers.length === 0 || (!active && !inScope)) return undefined;
  const askers = ask.askers;
  return `SELECT h.id, h.key, h.scope, bool_or(h.active) AS active, bool_or(h.in_scope) AS "inScope"
       FROM ${paramRows([
         ['id', `unnest(${$(askers.map((a) => a.personalId))}::text[])`],
         ['key', `unnest(${$(askers.map((a) => a.key))}::text[])`],
         ['school', `unnest(${$(askers.map((a) => a.schoolCode ?? null))}::text[])`],
         ['scope', `unnest(${$(askers.map((a) => a.scope))}::text[])`],
       ])} AS a,
       LATERAL (SELECT s.personal_id AS id, s.${t.key} AS key, s.${t.scope} AS scope,
                       ${active ?? 'false'} AS active, ${inScope ?? 'false'} AS in_scope
                  FROM ${t.table} s
                 WHERE s.personal_id = a.id AND s.${t.key} <> a.key AND s.deleted_at IS NULL
                   AND (${[active, inScope].filter((c) => c !== undefined).join(' OR ')}) OFFSET 0) AS h
      GROUP BY 1, 2, 3`;
}

const activeHolders: PartOf<'activeHolders', Holder> = {
  sql: (ask, $) => holdersSql(ask, { active: true, inScope: false }, $),
  read: holdersById('active'),
};

const scopeHolders: PartOf<'scopeHolders', Holder> = {
  sql: (ask, $) => holdersSql(ask, { active: false, inScope: true }, $),
  read: holdersById('inScope'),
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

/**
 * Of `twins` (askers of one class), each distinct twin key and its sole asker's key: null where two or more
 * records of the batch ask it (every stored student of the key is then the twin of one of them).
 */
function twinProbes(twins: NonNullable<QualityFactAsks['bornOn']>['askers']): Map<string, string | null> {
  const probes = new Map<string, string | null>();
  for (const a of twins) {
    const sole = probes.get(a.twinKey);
    if (sole === undefined) probes.set(a.twinKey, a.key);
    else if (sole !== a.key) probes.set(a.twinKey, null);
  }
  return probes;
}

/**
 * Current students sharing a twin key with `twins` under another key, one index probe per distinct twin key
 * (issue 7: a probe per asker read each stored twin once per asker of its key, quadratic in students sharing a
 * name and birth date; a 400-student batch against 12,800 stored twins read 5.1 M rows). A stored row is left out
 * where it is its key's sole asker (an asker's own stored row is never its own twin, and reading it back would
 * return every re-sent student); with two or more askers every stored row of the key is somebody's twin. `noId`:
 * of those, the students holding no personal ID (the duplicate rule matches an asker holding one only with such
 * a student), probed in the index of those alone (migration 490; issue 7: every asker's probe met its own row).
 */
function twinsSql(twins: NonNullable<QualityFactAsks['bornOn']>['askers'], noId: boolean, $: Param) {
  const probes = twinProbes(twins);
  const a = paramRows([
    ['twin', `unnest(${$([...probes.keys()])}::text[])`],
    ['sole', `unnest(${$([...probes.values()])}::text[])`],
  ]);
  return `SELECT h.* FROM ${a} AS a,
       LATERAL (SELECT s.student_code AS key, s.school_code AS scope, s.data FROM truc.students s
                 WHERE s.twin_key = a.twin AND s.student_code IS DISTINCT FROM a.sole${noId ? ' AND s.personal_id IS NULL' : ''}
                   AND s.deleted_at IS NULL AND s.twin_key IS NOT NULL OFFSET 0) AS h`;
}

const bornOn: PartOf<'bornOn', { key: string; scope: string; data: unknown }> = {
  // Current students sharing a twin key (birth date and name key) with an asker ({@link twinsSql}), and
  // current students born on these dates that have no twin key yet
  // (written before migration 081; \`birth_date\` is \`data ->> 'birthDate'\`, stored: migration 190).
  // Those are read by a join on the dates, one index probe each: as \`birth_date = ANY(<the dates>)\` the
  // planner weighed each of a page's ~800 dates against the column's statistics, ~3 ms of PostgreSQL's CPU
  // a page to plan a scan that finds nothing (no student lacks a twin key once they are all rewritten).
  sql(ask, $) {
    const withId = ask.askers.filter((a) => a.hasId);
    const withoutId = ask.askers.filter((a) => !a.hasId);
    const twins = [
      ...(withId.length > 0 ? [twinsSql(withId, true, $)] : []),
      ...(withoutId.length > 0 ? [twinsSql(withoutId, false, $)] : []),
    ];
    const twinRows =
      twins.length === 0
        ? ''
        : `SELECT DISTINCT ON (h.key) h.* FROM (${twins.join('\n     UNION ALL\n     ')}) AS h
     UNION ALL
     `;
    return `${twinRows}SELECT s.student_code AS key, s.school_code AS scope, s.data
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
  // The two holder lookups of the same askers: one probe per asker answers both, in activeHolders' column.
  const { activeHolders: active, scopeHolders: inScope } = asks;
  const both = active !== undefined && active.entity === inScope?.entity && active.askers === inScope.askers;
  const sqlOf = (name: keyof QualityFacts): string | undefined =>
    !both || name !== 'activeHolders'
      ? PARTS[name].sql(asks[name] as never, $)
      : holdersSql(active, { active: true, inScope: true }, $);
  const parts = asked.flatMap((name) => {
    const rows = both && name === 'scopeHolders' ? undefined : sqlOf(name);
    return rows === undefined
      ? []
      : [`(SELECT coalesce(json_agg(x), '[]'::json) FROM (${rows}) x) AS "${name}"`];
  });
  if (parts.length === 0) return {};
  // Each asker's probe an index scan, whatever the tables' statistics (issue 7): on a table never analysed
  // (a fresh load; the bench's server runs without autovacuum) PostgreSQL expects ~1,000 holders of one
  // personal ID or twin key and plans every probe as a bitmap heap scan, which builds and reads a bitmap per
  // asker: the statement took twice the CPU (a changed batch of 1000 stored students: 11.4 ms against 5.8).
  // Prepared (issue 7, perf32c): a changed 1000-student batch's statement was parsed and planned every time, ~1.2
  // of its ~4 ms of PostgreSQL's CPU. Its text is one of a few (which parts a batch asks, not how many askers), and
  // its generic plan probes each asker by the same indexes (test/integration/facts-prepared.test.ts).
  const res = await withLocalSettings(q, INDEX_PROBES, () =>
    q.query<Record<string, unknown[]>>(`SELECT ${parts.join(',\n       ')}`, params, { prepared: true }),
  );
  const row = res.rows[0]!;
  const column = (name: keyof QualityFacts) => (both && name === 'scopeHolders' ? 'activeHolders' : name);
  return Object.fromEntries(
    asked.map((name) => [name, PARTS[name].read((row[column(name)] ?? []) as never[])]),
  );
}
