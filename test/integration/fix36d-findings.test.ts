/**
 * fix36d items 2 and 3: the two finding shapes name the same things the same way, and a school's finding kept before
 * c8017fd at a smas/vnedu wire field reads as truc's canonical field.
 * - A school's finding (`GET /v1/schools/{code}/quality/findings`) carries `canonicalPointer`, as a batch's finding
 *   does; its `pointer` (deprecated) is the same value. A verdict a smas batch filed at `/SoCCCD` (before c8017fd the
 *   ingest kept the mapping's wire pointer) reads `/personalId`; a vnedu one at `/citizen_id` too.
 * - A batch's finding with a hint carries `fix`, the hint in the caller's language, as a school's finding does.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createQualityRepo } from '../../src/store/quality.js';
import { verdict, verdictFinding } from '../factories/verdicts.js';
import { bearer, goodBody, S1, useApiHarness } from '../helpers/api.js';
import { backends } from '../helpers/env.js';
import openapi from '../../openapi/truc.v1.json' with { type: 'json' };

const h = useApiHarness(backends()[0]!);

interface SchoolFinding {
  recordKey: string;
  rule: string;
  pointer: string;
  canonicalPointer: string;
}

beforeAll(async () => {
  // As the ingest kept them before c8017fd: a smas batch's legacy-ID finding at the wire field.
  const legacy = verdictFinding('DUNG_PERSONAL_ID_LEGACY', 'dung', 'error', '/SoCCCD');
  const vnedu = verdictFinding('DUNG_PERSONAL_ID_LEGACY', 'dung', 'error', '/citizen_id');
  const now = verdictFinding('DU_FIELD_MISSING', 'du', 'warning', '/fatherName');
  await createQualityRepo(h.env.deps.db).saveVerdicts(
    'students',
    '00000000-0000-4000-8000-00000000f36d',
    new Date(),
    [
      verdict('F36D1', S1, [legacy], false),
      verdict('F36D2', S1, [vnedu], false),
      verdict('F36D3', S1, [now]),
    ],
  );
}, 180_000);

describe('fix36d: finding field names that agree', () => {
  it('item 3: a school finding kept at /SoCCCD (or /citizen_id) before c8017fd reads as /personalId', async () => {
    const res = await h.get(`/v1/schools/${S1}/quality/findings`, h.tokens.vendor);
    expect(res.statusCode, res.body).toBe(200);
    const items = res.json<{ items: SchoolFinding[] }>().items;
    const by = (key: string) => items.find((f) => f.recordKey === key);
    expect(by('F36D1')).toMatchObject({ pointer: '/personalId', canonicalPointer: '/personalId' });
    expect(by('F36D2')).toMatchObject({ pointer: '/personalId', canonicalPointer: '/personalId' });
    expect(by('F36D3')).toMatchObject({ pointer: '/fatherName', canonicalPointer: '/fatherName' });
  });

  it('item 2: a school finding has canonicalPointer, its pointer deprecated in the OpenAPI document', () => {
    const schemas = openapi.components.schemas as unknown as Record<
      string,
      { properties: Record<string, { deprecated?: boolean }> }
    >;
    const school = schemas.QualityFinding!.properties;
    const batch = schemas.Finding!.properties;
    expect(school.pointer?.deprecated).toBe(true);
    expect(school.canonicalPointer).toBeDefined();
    expect(batch.canonicalPointer).toBeDefined();
    expect(batch.fix).toBeDefined();
    expect(batch.pointer?.deprecated).toBeUndefined();
    // The names both shapes share now: every field of the school's, but its own context, is in the batch's.
    const own = ['entity', 'accepted', 'checkedAt'];
    expect(Object.keys(school).filter((k) => !own.includes(k) && !(k in batch))).toEqual([]);
  });

  it("item 2: a batch's finding with a hint has fix, the hint in the caller's language", async () => {
    const record = { ...goodBody(['F36D9']).records[0], birthDate: '2019-02-30' };
    for (const lang of ['vi', 'en'] as const) {
      const res = await h.app.inject({
        method: 'POST',
        url: `/v1/schools/${S1}/batches?dryRun=true`,
        headers: { 'content-type': 'application/json', 'accept-language': lang, ...bearer(h.tokens.vendor) },
        payload: JSON.stringify({ entity: 'students', records: [record] }),
      });
      expect(res.statusCode, res.body).toBe(200);
      const findings = res.json<{ findings: { fix?: string; hint?: { vi: string; en: string } }[] }>()
        .findings;
      const hinted = findings.filter((f) => f.hint);
      expect(hinted.length).toBeGreaterThan(0);
      for (const f of hinted) expect(f.fix).toBe(f.hint![lang]);
      for (const f of findings.filter((x) => !x.hint)) expect(f.fix).toBeUndefined();
    }
  });
});
