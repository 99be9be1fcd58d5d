/**
 * fix31b item 3: the schools search (`GET /v1/ops/schools?q=`, the dashboard's schools page) matched the typed text
 * with ILIKE, so a city admin typing "Nguyen Trai" (no accents, as many keyboards and habits type) or "NGUYỄN TRÃI" (in
 * PGlite's C locale ILIKE folds ASCII only) did not find "Trường THCS Nguyễn Trãi". Accents and case aside now (đ/Đ as
 * d, decomposed text too), every word typed found in the code, name or commune code, in any order, one fold for both
 * sides (truc.search_fold, migration 1271). On both databases.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { School } from '../../src/canonical/school.js';
import { createRecordsRepo, fingerprint } from '../../src/store/records.js';
import { school } from '../factories/records.js';
import { useApiHarness } from '../helpers/api.js';
import { backends } from '../helpers/env.js';

const TRAI = school('79031001', { name: 'Trường THCS Nguyễn Trãi', communeCode: '26740' });
const DONG_DA = school('79031002', { name: 'Trường Tiểu học Đống Đa', communeCode: '26740' });
const PERCENT = school('79031003', { name: 'Trường Mầm non 100% Yêu Thương', communeCode: '26755' });

/** Every Vietnamese letter (and Latin-1's accented ones), as JavaScript folds them: base letter, lower case, đ as d. */
const LETTERS =
  'ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöùúûüýÿĂăĐđĨĩŨũƠơƯư' +
  Array.from({ length: 0x1efa - 0x1ea0 }, (_, i) => String.fromCodePoint(0x1ea0 + i)).join('');
const jsFold = (t: string) => t.normalize('NFD').replace(/\p{M}/gu, '').replace(/[đĐ]/g, 'd').toLowerCase();

describe.each(backends().filter((b) => b.name.endsWith('pg-queue')))(
  'the schools search on $name',
  (backend) => {
    const h = useApiHarness(backend);
    const found = async (q: string) => {
      const res = await h.get(`/v1/ops/schools?q=${encodeURIComponent(q)}&limit=200`, h.tokens.admin);
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json<{ total: number; items: Array<{ schoolCode: string }> }>();
      const codes = body.items.map((s) => s.schoolCode).filter((c) => c.startsWith('790310'));
      return codes;
    };

    beforeAll(async () => {
      await createRecordsRepo(h.env.deps.db).upsert(
        'schools',
        [TRAI, DONG_DA, PERCENT].map((s: School) => ({
          key: s.schoolCode,
          scope: s.schoolCode,
          data: s,
          fingerprint: fingerprint(s),
        })),
        { system: 'hcm-csdl', mappingVersion: 'test' },
      );
    });

    it('finds a school by its name without accents, in any case, its words in any order', async () => {
      for (const q of [
        'Nguyen Trai',
        'nguyễn trãi',
        'NGUYỄN TRÃI',
        'nguyen  TRAI',
        'THCS nguyen trai',
        'trai nguyen',
      ])
        expect(await found(q), q).toEqual([TRAI.schoolCode]);
      // typed decomposed (NFD, as some keyboards send it)
      expect(await found('Nguyễn Trãi'.normalize('NFD'))).toEqual([TRAI.schoolCode]);
      for (const q of ['dong da', 'ĐỐNG ĐA', 'Đống', 'tieu hoc dong'])
        expect(await found(q), q).toEqual([DONG_DA.schoolCode]);
      // a word no school holds finds none, however the others match
      expect(await found('nguyen trai dong')).toEqual([]);
    });

    it('by code and commune code as before; % and _ are letters, not wildcards; nothing typed lists all', async () => {
      expect(await found('7903100')).toEqual([TRAI.schoolCode, DONG_DA.schoolCode, PERCENT.schoolCode]);
      expect(await found('79031002')).toEqual([DONG_DA.schoolCode]);
      expect(await found('26740')).toEqual([TRAI.schoolCode, DONG_DA.schoolCode]);
      expect(await found('26740 trai')).toEqual([TRAI.schoolCode]);
      expect(await found('100%')).toEqual([PERCENT.schoolCode]);
      expect(await found('%')).toEqual([PERCENT.schoolCode]);
      expect(await found('_')).toEqual([]);
      expect(await found('')).toEqual([TRAI.schoolCode, DONG_DA.schoolCode, PERCENT.schoolCode]);
      const res = await h.get('/v1/ops/schools?q=nguyen%20trai', h.tokens.admin);
      expect(res.json<{ total: number }>().total).toBe(1);
    });

    it('one fold: the database folds every Vietnamese letter as JavaScript does', async () => {
      const res = await h.env.deps.db.query<{ folded: string }>('SELECT truc.search_fold($1) AS folded', [
        LETTERS + LETTERS.normalize('NFD'),
      ]);
      expect(res.rows[0]!.folded).toBe(jsFold(LETTERS) + jsFold(LETTERS));
      expect(res.rows[0]!.folded).toMatch(/^[a-z]+$/);
    });
  },
);
