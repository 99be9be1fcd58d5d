/**
 * Quality facts and verdicts on both engines (the same SQL on PGlite and PostgreSQL): the facts on a table never
 * analysed (issue 7), and the verdicts kept per record.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isUniqueViolation } from '../../src/store/db-errors.js';
import { createQualityRepo } from '../../src/store/quality.js';
import { createRefusalsRepo } from '../../src/store/refusals.js';
import { createRecordsRepo, fingerprint, type UpsertRow } from '../../src/store/records.js';
import { classGroup, student as aStudent } from '../factories/records.js';
import { verdict, verdictFinding } from '../factories/verdicts.js';
import { explaining, SOURCE, useTestStore } from '../helpers/store-suite.js';

describe.each(['pglite', 'postgres'] as const)('store on %s', (kind) => {
  const store = useTestStore(kind); // migrated: records and outbox

  describe('quality facts on a table never analysed (issue 7)', () => {
    it('probe each asker by an index scan, not a bitmap built and read per asker, and leave the planner as it was', async () => {
      // A school's 3000 students stored and never analysed (a fresh load; the bench's server runs without
      // autovacuum): PostgreSQL then expects ~1% of the table to hold any one personal ID or twin key.
      const school = '79000077';
      const rows: UpsertRow[] = Array.from({ length: 3000 }, (_, i) => {
        const code = `FA${String(i).padStart(5, '0')}`;
        const data = aStudent(code, {
          schoolCode: school,
          personalId: `0888${String(i).padStart(8, '0')}`,
        });
        return {
          key: code,
          scope: school,
          personalId: data.personalId,
          data,
          fingerprint: fingerprint(data),
          twinKey: `2019-03-04|an${i}`,
        };
      });
      await createRecordsRepo(store.db).upsert('students', rows, SOURCE);
      const askers = rows.map((r) => ({
        personalId: r.personalId!,
        key: r.key,
        schoolCode: school,
        scope: school,
      }));
      const asks = {
        activeHolders: { entity: 'students' as const, askers },
        scopeHolders: { entity: 'students' as const, askers },
        // Askers holding a personal ID probe the twin keys of the students holding none (migration 490), the others all.
        bornOn: {
          dates: ['1901-01-01'],
          askers: rows.map((r, i) => ({ twinKey: r.twinKey!, key: r.key, hasId: i % 2 === 0 })),
        },
      };
      // Each statement the transaction sends is explained first, on its connection, with the settings then in force.
      const { plans, result } = await explaining(
        'SELECT (SELECT coalesce(json_agg',
        'EXPLAIN (FORMAT JSON)',
        () =>
          store.db.tx(async (q) => ({
            facts: await createQualityRepo(q).facts(asks),
            after: (await q.query<{ on: string }>(`SELECT current_setting('enable_bitmapscan') AS on`))
              .rows[0]!.on,
          })),
      );
      expect(result.facts.activeHolders?.size).toBe(0);
      expect(result.facts.bornOn).toEqual([]);
      expect(result.after).toBe('on');
      expect(plans).toHaveLength(1);
      expect(plans[0]).toContain('"Index Name":"students_personal_id"');
      expect(plans[0]).toContain('"Index Name":"students_twin_key"');
      expect(plans[0]).toContain('"Index Name":"students_twin_key_without_id"');
      expect(plans[0]).not.toContain('Bitmap Heap Scan');
    });

    it("read a page's known classes by its schools and year, not by filtering every class of the city (issue 7)", async () => {
      // 600 classes of 60 schools stored and never analysed. Before migration 441 the planner read the whole
      // partial index classes_class_code and filtered each class (at the city: 57,375 classes a page).
      const rows: UpsertRow[] = Array.from({ length: 600 }, (_, i) => {
        const data = classGroup(`${i % 10}A${i}`, {
          schoolCode: `7910${String(Math.floor(i / 10)).padStart(4, '0')}`,
        });
        const key = `${data.schoolCode}/${data.schoolYear}/${data.classCode}`;
        return { key, scope: data.schoolCode, data, fingerprint: fingerprint(data) };
      });
      await createRecordsRepo(store.db).upsert('classes', rows, SOURCE);
      const wanted = ['79100007', '79100042'];
      const year = classGroup().schoolYear;
      const { plans, result: known } = await explaining(
        'SELECT (SELECT coalesce(json_agg',
        'EXPLAIN (FORMAT JSON)',
        () =>
          store.db.tx(
            async (q) =>
              (await createQualityRepo(q).facts({ classes: { schools: wanted, years: [year] } })).classes,
          ),
      );
      expect([...(known ?? [])].sort()).toEqual(
        rows
          .filter((r) => wanted.includes(r.scope))
          .map((r) => r.key)
          .sort(),
      );
      expect(plans).toHaveLength(1);
      expect(plans[0]).toContain('"Index Name":"classes_school_year"');
      expect(plans[0]).not.toContain('classes_class_code');
    });

    it("look up a pulled page's refusals by its keys not unchanged, not by hashing every refusal of the source (issue 7)", async () => {
      // 3000 refusals of one source and entity, never analysed; a page of 20 keys: 10 unchanged stored
      // students (one of them refused earlier), 5 refused, 5 new.
      const target = { system: 'sim-refusals', entity: 'students' as const, rules: 'r1' };
      const refusals = createRefusalsRepo(store.db);
      await refusals.note(
        target,
        Array.from({ length: 3000 }, (_, i) => ({
          sourceKey: `RS${String(i).padStart(5, '0')}`,
          sourceFp: `fp${i}`,
          recordKey: null,
          scope: null,
        })),
      );
      const stored: UpsertRow[] = Array.from({ length: 10 }, (_, i) => {
        const data = aStudent(`RU${i}`, { schoolCode: '79000091' });
        return {
          key: data.studentCode,
          scope: data.schoolCode,
          data,
          fingerprint: fingerprint(data),
          sourceFp: `u${i}`,
        };
      });
      await createRecordsRepo(store.db).upsert('students', stored, {
        system: 'sim-refusals',
        mappingVersion: 'sim@1',
      });
      await refusals.note(target, [{ sourceKey: 'RU0', sourceFp: 'old', recordKey: null, scope: null }]);
      const keys = [
        ...stored.map((r) => r.key),
        ...['RS00007', 'RS00100', 'RS01000', 'RS02000', 'RS02999'],
        ...['RN1', 'RN2', 'RN3', 'RN4', 'RN5'],
      ];
      const fps = [
        ...stored.map((_, i) => `u${i}`),
        'fp7',
        'fp100',
        'changed',
        'fp2000',
        'fp2999',
        'a',
        'b',
        'c',
        'd',
        'e',
      ];
      const { plans, result: read } = await explaining('WITH v AS', 'EXPLAIN (ANALYZE, FORMAT JSON)', () =>
        store.db.tx((q) => createRefusalsRepo(q).storedAndStanding(target, { keys, fps })),
      );
      expect([...read.unchanged.keys()].sort()).toEqual(stored.map((r) => r.key).sort());
      expect([...read.standing.keys()].sort()).toEqual(['RS00007', 'RS00100', 'RS02000', 'RS02999']);
      expect(read.lapsed.sort()).toEqual(['RS01000']);
      expect(plans).toHaveLength(1);
      // Every refusal row PostgreSQL read, over the whole plan: only the page's 10 keys not unchanged were looked up.
      const readRows = (node: Record<string, unknown>): number =>
        (node['Relation Name'] === 'refused_sources'
          ? Number(node['Actual Rows']) * Number(node['Actual Loops'])
          : 0) +
        ((node['Plans'] as Record<string, unknown>[] | undefined) ?? []).reduce((n, c) => n + readRows(c), 0);
      const plan = (JSON.parse(plans[0]!) as { Plan: Record<string, unknown> }[])[0]!.Plan;
      expect(readRows(plan)).toBeLessThanOrEqual(5);
    });
  });

  describe('verdicts', () => {
    it('a record whose verdict changed gets the new one (findings that disappear are gone); an unchanged verdict is kept, its row not even locked (issue 7)', async () => {
      const repo = createQualityRepo(store.db);
      const [first, second] = [randomUUID(), randomUUID()];
      const warn = verdictFinding('DU_FIELD_MISSING', 'du', 'warning', '/phone');
      const song = verdictFinding('SONG_NOT_CURRENT_YEAR', 'song', 'info', '');
      const school = '79000004';
      await repo.saveVerdicts('students', first, new Date(), [
        verdict('V1', school, [warn, song]),
        verdict('V2', school, [song]),
      ]);
      await repo.saveVerdicts('students', second, new Date(), [
        verdict('V1', school, [song]),
        verdict('V2', school, [song]),
      ]);
      const rows = await store.db.query<{ key: string; batch: string; findings: unknown; locked: boolean }>(
        `SELECT record_key AS key, batch_id AS batch, findings, xmax::text <> '0' AS locked
           FROM truc.quality_records WHERE school_code = '79000004' ORDER BY 1`,
      );
      expect(rows.rows.map(({ locked: _, ...r }) => r)).toEqual([
        { key: 'V1', batch: second, findings: [song] },
        { key: 'V2', batch: first, findings: [song] },
      ]);
      // Written by the first batch and untouched since: ON CONFLICT DO UPDATE would have locked it.
      expect(rows.rows[1]!.locked).toBe(false);
    });

    it("a fresh batch's verdicts (none of its records stored) are not tested one by one; an unchanged one is still kept (issue 7)", async () => {
      const repo = createQualityRepo(store.db);
      const [first, second] = [randomUUID(), randomUUID()];
      const warn = verdictFinding('DU_FIELD_MISSING', 'du', 'warning', '/phone');
      const school = '79000005';
      await repo.saveVerdicts('students', first, new Date(), [verdict('F1', school, [warn])]);
      await repo.saveVerdicts(
        'students',
        second,
        new Date(),
        [verdict('F1', school, [warn]), verdict('F2', school, [])],
        { fresh: true },
      );
      const rows = await store.db.query<{ key: string; batch: string; locked: boolean }>(
        `SELECT record_key AS key, batch_id AS batch, xmax::text <> '0' AS locked
           FROM truc.quality_records WHERE school_code = '79000005' ORDER BY 1`,
      );
      expect(rows.rows.map(({ locked: _, ...r }) => r)).toEqual([
        { key: 'F1', batch: first },
        { key: 'F2', batch: second },
      ]);
      // Not tested first: the upsert reached the unchanged verdict (and locked it) and kept it as it was.
      expect(rows.rows[0]!.locked).toBe(true);
    });

    it("a first-sync page's verdicts are inserted as new: one kept from before fails the statement as a duplicate, for its page to be written again (issue 7)", async () => {
      const repo = createQualityRepo(store.db);
      const warn = verdictFinding('DU_FIELD_MISSING', 'du', 'warning', '/phone');
      const school = '79000007';
      const before = randomUUID();
      await repo.saveVerdicts('students', before, new Date(), [verdict('N1', school, [warn])]);
      const write = (batch: string, keys: string[]) =>
        repo.saveVerdicts(
          'students',
          batch,
          new Date(),
          keys.map((k) => verdict(k, school, [])),
          {
            fresh: true,
            insertNew: true,
          },
        );
      // No ON CONFLICT: the kept verdict is a unique violation (the pull job's cue to write the page again).
      const err = await write(randomUUID(), ['N1', 'N2']).catch((e: unknown) => e);
      expect(isUniqueViolation(err)).toBe(true);
      const fresh = randomUUID();
      await write(fresh, ['N2', 'N3']);
      const rows = await store.db.query<{ key: string; batch: string }>(
        `SELECT record_key AS key, batch_id AS batch FROM truc.quality_records WHERE school_code = $1 ORDER BY 1`,
        [school],
      );
      expect(rows.rows).toEqual([
        { key: 'N1', batch: before },
        { key: 'N2', batch: fresh },
        { key: 'N3', batch: fresh },
      ]);
    });

    it("a school's findings list reads the index of verdicts with findings (migration 260: clean verdicts are not in it)", async () => {
      const repo = createQualityRepo(store.db);
      const warn = verdictFinding('DU_FIELD_MISSING', 'du', 'warning', '/phone');
      const school = '79000006';
      await repo.saveVerdicts('students', randomUUID(), new Date(), [
        verdict('L1', school, [warn]),
        verdict('L2', school, []),
      ]);
      const { listed, scans } = await store.db.tx(async (q) => {
        await q.query('SET LOCAL enable_seqscan = off');
        const scansSoFar = async () =>
          (
            await q.query<{ n: number }>(
              "SELECT pg_stat_get_xact_numscans('truc.quality_records_school_findings'::regclass)::int AS n",
            )
          ).rows[0]!.n;
        const before = await scansSoFar();
        const page = await createQualityRepo(q).schoolFindings(school, {}, 10, 0);
        return { listed: page, scans: (await scansSoFar()) - before };
      });
      expect(listed.total).toBe(1);
      expect(listed.items.map((f) => [f.recordKey, f.rule])).toEqual([['L1', 'DU_FIELD_MISSING']]);
      expect(scans).toBeGreaterThan(0);
    });
  });
});
