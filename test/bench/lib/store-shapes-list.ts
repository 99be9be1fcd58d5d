/**
 * The shapes of the students' store that ./store-shapes.ts writes a changed vendor batch into (issue 7): each one's
 * tables and the statement that writes 1000 changed rows. The statements' parameters (./store-shapes.ts `params`):
 * $1 the keys, $2 the records as one JSON array (jsonb's binary input form), $3 the fingerprints.
 */
const WIDE = ['student_code', 'school_code', 'personal_id', 'data', 'fingerprint', 'twin_key'];
/** SHAPES_SOURCE_FP=1: the rows seeded with a source fingerprint, as a pulled record's (the city's rows are ~70 bytes wider). */
export const WIDE_ALL = [
  ...WIDE,
  'source_system',
  'mapping_version',
  ...(process.env.SHAPES_SOURCE_FP === '1' ? ['source_fp'] : []),
];
/** The indexed and bookkeeping columns of a student, without `data` (birth_date written, not generated). */
const NARROW_ALL = [...WIDE_ALL.filter((c) => c !== 'data'), 'birth_date'];

const ROWS_FROM = `ROWS FROM (unnest($1::text[]), jsonb_array_elements($2::jsonb), unnest($3::text[])) AS v(key, data, fp)`;

export interface Shape {
  name: string;
  /** Its tables (dropped first, then made by `ddl`), the first one COPYed with `seedCols` of the unchanged rows. */
  tables: { name: string; seedCols: readonly string[] }[];
  ddl: string[];
  /** The statement writing 1000 changed rows (parameters: {@link params}; none when `stage`d). */
  sql: string;
  /**
   * Written through a staging table instead (perf36): in one transaction a chunk's changed rows (key, data,
   * fingerprint) COPYed in binary form into the temporary table `stage` made by `ddl` (run first in every
   * transaction), then `sql` without parameters. `tx` alone: `sql` with its parameters in a transaction of its own.
   */
  stage?: { ddl: string; table: string };
  tx?: boolean;
}

/** The students' table as it is (`LIKE truc.students INCLUDING ALL`: columns, generated birth date, indexes). */
export const like = (t: string, ff: number, extra: string[] = []): string[] => [
  `CREATE TABLE ${t} (LIKE truc.students INCLUDING ALL) WITH (fillfactor = ${ff})`,
  ...extra,
];
const inPlace = (t: string): string =>
  `UPDATE ${t} s SET data = v.data, fingerprint = v.fp, updated_at = now()
     FROM ${ROWS_FROM} WHERE s.student_code = v.key`;
const NARROW = `student_code text PRIMARY KEY, school_code text NOT NULL, personal_id text, fingerprint text NOT NULL,
  source_system text NOT NULL, mapping_version text NOT NULL, created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(), deleted_at timestamptz, twin_key text, source_fp text, birth_date text`;
/** The secondary indexes of `truc.students` (migrations 035, 190, 410, 490) on a table of its columns. */
const studentIndexes = (t: string): string[] => [
  `CREATE INDEX ON ${t} (school_code, student_code)`,
  `CREATE INDEX ON ${t} (birth_date) WHERE deleted_at IS NULL AND twin_key IS NULL`,
  `CREATE INDEX ON ${t} USING hash (personal_id) WHERE personal_id IS NOT NULL`,
  `CREATE INDEX ON ${t} USING hash (twin_key) WHERE deleted_at IS NULL AND twin_key IS NOT NULL`,
  `CREATE INDEX ON ${t} USING hash (twin_key) WHERE deleted_at IS NULL AND twin_key IS NOT NULL AND personal_id IS NULL`,
];
/** The labels of {@link studentIndexes}, in order (SHAPES_WITHOUT=1: a shape without each). */
const INDEX_LABELS = [
  '(school_code, student_code)',
  'birth_date',
  'personal_id (hash)',
  'twin_key (hash)',
  'twin_key without ID (hash)',
];
/** SHAPES_WITHOUT=1: in place at fillfactor 75 (SHAPES_WITHOUT_FF), the table with its primary key and every secondary index but one. */
const withoutShapes = (): Shape[] => {
  if (process.env.SHAPES_WITHOUT !== '1') return [];
  const ff = Number(process.env.SHAPES_WITHOUT_FF ?? 75);
  const schoolOnly: Shape = {
    name: `in place, fillfactor ${ff}, (school_code) instead of (school_code, student_code)`,
    tables: [{ name: 's_wos', seedCols: WIDE_ALL }],
    ddl: [
      `CREATE TABLE s_wos (LIKE truc.students INCLUDING DEFAULTS INCLUDING GENERATED) WITH (fillfactor = ${ff})`,
      'ALTER TABLE s_wos ADD PRIMARY KEY (student_code)',
      'CREATE INDEX ON s_wos (school_code)',
      ...studentIndexes('s_wos').slice(1),
    ],
    sql: inPlace('s_wos'),
  };
  return [
    schoolOnly,
    ...INDEX_LABELS.map((label, i) => {
      const t = `s_wo${i}`;
      return {
        name: `in place, fillfactor ${ff}, without ${label}`,
        tables: [{ name: t, seedCols: WIDE_ALL }],
        ddl: [
          `CREATE TABLE ${t} (LIKE truc.students INCLUDING DEFAULTS INCLUDING GENERATED) WITH (fillfactor = ${ff})`,
          `ALTER TABLE ${t} ADD PRIMARY KEY (student_code)`,
          ...studentIndexes(t).filter((_, j) => j !== i),
        ],
        sql: inPlace(t),
      };
    }),
  ];
};
/** A table of record versions; `ver`: each row's own number (appended only) or its record's (1 when seeded). */
const versions = (t: string, ver: 'identity' | 'per record') =>
  `CREATE TABLE ${t} (student_code text NOT NULL,
     ver bigint ${ver === 'identity' ? 'GENERATED ALWAYS AS IDENTITY' : 'NOT NULL DEFAULT 1'}, data jsonb NOT NULL,
     fingerprint text, PRIMARY KEY (student_code, ver))`;

/** The students' branch of the change feed's UPDATE trigger (migration 480) with `order` as its keys' order. */
const feedFunction = (fn: string, order: string, body = true): string =>
  `CREATE OR REPLACE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql
     SET enable_mergejoin = off SET enable_nestloop = off AS $fn$
   BEGIN
     ${
       body
         ? `INSERT INTO truc.record_changes (entity, school_code, op, record_keys, key_count)
     SELECT 'students', c.s, c.op, array_agg(c.k ${order}), count(*)
       FROM new_rows n JOIN old_rows o ON o.student_code = n.student_code,
            LATERAL (SELECT n.student_code, o.school_code, 'delete', 1
                      WHERE o.deleted_at IS NULL AND (n.deleted_at IS NOT NULL OR o.school_code <> n.school_code)
                     UNION ALL
                     SELECT n.student_code, n.school_code,
                            CASE WHEN o.deleted_at IS NULL AND o.school_code = n.school_code THEN 'update' ELSE 'create' END, 2
                      WHERE n.deleted_at IS NULL
                        AND (o.deleted_at IS NOT NULL OR o.school_code <> n.school_code OR o.fingerprint <> n.fingerprint)
            ) AS c(k, s, op, ord)
      GROUP BY c.ord, c.s, c.op ORDER BY c.ord, c.s, c.op;`
         : ''
     }
     RETURN NULL;
   END $fn$`;
/** SHAPES_FEED=1: in place at 75 with the change feed's trigger as a variant of its function. */
const feedShapes = (): Shape[] =>
  process.env.SHAPES_FEED !== '1'
    ? []
    : (
        [
          ['keys in the collation', 'ORDER BY c.k', true],
          ['keys bytewise', 'ORDER BY c.k COLLATE "C"', true],
          ['keys unordered', '', true],
          ['transition tables only', '', false],
        ] as const
      ).map(([label, order, body], i) => ({
        name: `in place, fillfactor 75, feed trigger: ${label}`,
        tables: [{ name: `s_fd${i}`, seedCols: WIDE_ALL }],
        ddl: like(`s_fd${i}`, 75, [
          feedFunction(`s_fd${i}_fn`, order, body),
          `CREATE TRIGGER s_fd${i}_changes AFTER UPDATE ON s_fd${i} REFERENCING OLD TABLE AS old_rows
             NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION s_fd${i}_fn()`,
        ]),
        sql: inPlace(`s_fd${i}`),
      }));

/** A temporary staging table of a chunk's changed rows, made in the transaction or kept by the session (perf36). */
const stageDdl = (t: string, onCommit: 'DELETE ROWS' | 'DROP'): string =>
  `CREATE TEMP TABLE ${onCommit === 'DROP' ? '' : 'IF NOT EXISTS '}${t} (key text NOT NULL, data jsonb NOT NULL,
     fp text NOT NULL) ON COMMIT ${onCommit}`;
/** SHAPES_STAGE=1 (perf36): in place at 75 through a COPYed staging table, or by MERGE, against today's in a transaction. */
const stageShapes = (): Shape[] =>
  process.env.SHAPES_STAGE !== '1'
    ? []
    : [
        {
          name: 'in place, fillfactor 75, in a transaction (BEGIN, UPDATE, COMMIT)',
          tables: [{ name: 's_tx', seedCols: WIDE_ALL }],
          ddl: like('s_tx', 75),
          sql: inPlace('s_tx'),
          tx: true,
        },
        ...(['DELETE ROWS', 'DROP'] as const).map((onCommit, i) => ({
          name: `staged: COPY into a temp table (ON COMMIT ${onCommit}), then UPDATE … FROM it (75)`,
          tables: [{ name: `s_st${i}`, seedCols: WIDE_ALL }],
          ddl: like(`s_st${i}`, 75),
          sql: `UPDATE s_st${i} s SET data = v.data, fingerprint = v.fp, updated_at = now()
                  FROM stage${i} v WHERE s.student_code = v.key`,
          stage: { ddl: stageDdl(`stage${i}`, onCommit), table: `stage${i}` },
        })),
        {
          name: 'MERGE … USING ROWS FROM (…) WHEN MATCHED THEN UPDATE (75)',
          tables: [{ name: 's_merge', seedCols: WIDE_ALL }],
          ddl: like('s_merge', 75),
          sql: `MERGE INTO s_merge s USING (SELECT * FROM ${ROWS_FROM}) v ON s.student_code = v.key
                  WHEN MATCHED THEN UPDATE SET data = v.data, fingerprint = v.fp, updated_at = now()`,
        },
      ];

export const SHAPES: Shape[] = [
  ...(process.env.SHAPES_FF?.split(',').map(Number) ?? [75, 50, 100]).map((ff) => ({
    name: `in place, fillfactor ${ff}${ff === 75 ? ' (today)' : ''}`,
    tables: [{ name: `s_ff${ff}`, seedCols: WIDE_ALL }],
    ddl: like(`s_ff${ff}`, ff),
    sql: inPlace(`s_ff${ff}`),
  })),
  ...withoutShapes(),
  {
    name: 'in place, fillfactor 75, birth_date a plain column (not generated)',
    tables: [{ name: 's_nogen', seedCols: [...WIDE_ALL, 'birth_date'] }],
    ddl: like('s_nogen', 75, ['ALTER TABLE s_nogen ALTER COLUMN birth_date DROP EXPRESSION']),
    sql: inPlace('s_nogen'),
  },
  {
    name: "in place, fillfactor 75, truc's SET (every column, the same values but the record's)",
    tables: [{ name: 's_set', seedCols: WIDE_ALL }],
    ddl: like('s_set', 75),
    sql: `UPDATE s_set s SET school_code = s.school_code, personal_id = s.personal_id, data = v.data,
            fingerprint = v.fp, source_fp = s.source_fp, twin_key = s.twin_key, source_system = 'bench',
            mapping_version = 'canonical@1', updated_at = now(), deleted_at = NULL, arrived_at = now()
            FROM ${ROWS_FROM} WHERE s.student_code = v.key`,
  },
  {
    name: 'in place, fillfactor 75, with the change-feed trigger',
    tables: [{ name: 's_feed', seedCols: WIDE_ALL }],
    ddl: like('s_feed', 75, [
      `CREATE TRIGGER s_feed_changes AFTER UPDATE ON s_feed REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
         FOR EACH STATEMENT EXECUTE FUNCTION truc.log_record_changes('students', 'student_code', 'school_code')`,
    ]),
    sql: inPlace('s_feed'),
  },
  ...feedShapes(),
  ...stageShapes(),
  {
    name: 'split: narrow indexed row (75) untouched + record row (pk, fingerprint; 75) updated',
    tables: [
      { name: 's_keys', seedCols: NARROW_ALL.filter((c) => c !== 'fingerprint') },
      { name: 's_rec', seedCols: ['student_code', 'data', 'fingerprint'] },
    ],
    ddl: [
      `CREATE TABLE s_keys (${NARROW.replace('fingerprint text NOT NULL,', '')}) WITH (fillfactor = 75)`,
      ...studentIndexes('s_keys'),
      `CREATE TABLE s_rec (student_code text PRIMARY KEY, data jsonb NOT NULL, fingerprint text NOT NULL,
         updated_at timestamptz NOT NULL DEFAULT now()) WITH (fillfactor = 75)`,
    ],
    sql: `UPDATE s_rec x SET data = v.data, fingerprint = v.fp, updated_at = now()
            FROM ${ROWS_FROM} WHERE x.student_code = v.key`,
  },
  {
    name: 'in place, fillfactor 75 (today, again: a second table, run later in the round)',
    tables: [{ name: 's_again', seedCols: WIDE_ALL }],
    ddl: like('s_again', 75),
    sql: inPlace('s_again'),
  },
  {
    name: 'in place, fillfactor 75, primary key only',
    tables: [{ name: 's_pk', seedCols: WIDE_ALL }],
    ddl: [
      `CREATE TABLE s_pk (LIKE truc.students INCLUDING DEFAULTS INCLUDING GENERATED) WITH (fillfactor = 75)`,
      'ALTER TABLE s_pk ADD PRIMARY KEY (student_code)',
    ],
    sql: inPlace('s_pk'),
  },
  {
    name: 'split: narrow indexed row (75) + data row (pk, 100), both updated',
    tables: [
      { name: 's_core', seedCols: NARROW_ALL },
      { name: 's_data', seedCols: ['student_code', 'data'] },
    ],
    ddl: [
      `CREATE TABLE s_core (${NARROW}) WITH (fillfactor = 75)`,
      ...studentIndexes('s_core'),
      'CREATE TABLE s_data (student_code text PRIMARY KEY, data jsonb NOT NULL)',
    ],
    sql: `WITH v AS MATERIALIZED (SELECT * FROM ${ROWS_FROM}),
            d AS (UPDATE s_data x SET data = v.data FROM v WHERE x.student_code = v.key RETURNING x.student_code)
          UPDATE s_core s SET fingerprint = v.fp, birth_date = v.data ->> 'birthDate', updated_at = now()
            FROM v JOIN d ON d.student_code = v.key WHERE s.student_code = v.key`,
  },
  {
    name: 'current row (75, its version) + versions appended (pk)',
    tables: [
      { name: 's_cur', seedCols: NARROW_ALL },
      { name: 's_ver', seedCols: ['student_code', 'data', 'fingerprint'] },
    ],
    ddl: [
      `CREATE TABLE s_cur (${NARROW}, ver bigint NOT NULL DEFAULT 1) WITH (fillfactor = 75)`,
      ...studentIndexes('s_cur'),
      versions('s_ver', 'per record'),
    ],
    sql: `WITH v AS MATERIALIZED (SELECT * FROM ${ROWS_FROM}),
            c AS (UPDATE s_cur s SET fingerprint = v.fp, birth_date = v.data ->> 'birthDate', ver = s.ver + 1,
                         updated_at = now()
                    FROM v WHERE s.student_code = v.key RETURNING s.student_code, s.ver)
          INSERT INTO s_ver (student_code, ver, data, fingerprint)
          SELECT c.student_code, c.ver, v.data, v.fp FROM c JOIN v ON v.key = c.student_code`,
  },
  {
    name: 'versions appended only (pk; readers take the latest)',
    tables: [{ name: 's_app', seedCols: ['student_code', 'data', 'fingerprint'] }],
    ddl: [versions('s_app', 'identity')],
    sql: `INSERT INTO s_app (student_code, data, fingerprint) SELECT * FROM ${ROWS_FROM}`,
  },
  {
    name: 'the parameters parsed only (no table)',
    tables: [],
    ddl: [],
    sql: `SELECT count(*) FROM ${ROWS_FROM}`,
  },
];
