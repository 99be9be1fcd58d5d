/**
 * fix30f item 1: the operations schools page (`GET /v1/ops/schools`) and the school's scorecard
 * (`GET /v1/schools/{code}/quality`) count a record as failing a criterion by the one rule (src/store/failing.ts:
 * an error or a warning fails it, `info` never), so a school with a warning-only record shows the same figure
 * on both (the schools page counted errors only: 100 % there, 0 % on its scorecard), and the OpenAPI's OpsSchool
 * says so (dash6: its criteria were described as "without an error finding"). Real PostgreSQL and Redis.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { computeScorecards } from '../../src/jobs/scorecards.js';
import { startWorkerRole } from '../../src/roles.js';
import { createRecordsRepo, fingerprint } from '../../src/store/records.js';
import { school, student } from '../factories/records.js';
import { S1, useApiHarness } from '../helpers/api.js';
import { waitFor } from '../helpers/env.js';

const h = useApiHarness({ name: 'postgres+redis', database: 'postgres', queue: 'redis' });

interface Ratio {
  passed: number;
  total: number;
  percent: number;
  band: string;
}

beforeAll(async () => {
  const s = school(S1, { communeCode: '26734' });
  await createRecordsRepo(h.env.deps.db).upsert(
    'schools',
    [{ key: s.schoolCode, scope: s.schoolCode, data: s, fingerprint: fingerprint(s) }],
    { system: 'hcm-csdl', mappingVersion: 'test' },
  );
  const worker = startWorkerRole(h.env.deps);
  try {
    // one pupil with warnings only, a parent's phone that is no Vietnamese number its only đúng one (DUNG_PHONE_FORMAT)
    const res = await h.pushBatch(h.tokens.vendor, S1, {
      entity: 'students',
      records: [student('W-1', { schoolCode: S1, phone: '0123456789' })],
    });
    expect(res.statusCode, res.body).toBe(202);
    const id = res.json<{ batchId: string }>().batchId;
    const status = await waitFor(
      async () => {
        const b = (await h.get(`/v1/batches/${id}`, h.tokens.vendor)).json<{ status: string }>();
        return ['done', 'held', 'failed'].includes(b.status) ? b.status : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200, what: 'the batch' },
    );
    expect(status).toBe('done');
  } finally {
    await worker.stop();
  }
  await computeScorecards(h.env.deps, 'test');
}, 120_000);

describe('fix30f item 1: one rule for a record failing a criterion', () => {
  it('the record’s findings are warnings only, one of them of đúng', async () => {
    const res = await h.get(`/v1/schools/${S1}/quality/findings?limit=100`, h.tokens.admin);
    expect(res.statusCode, res.body).toBe(200);
    const items = res.json<{ items: { recordKey: string; rule: string; severity: string }[] }>().items;
    const mine = items.filter((f) => f.recordKey === 'W-1');
    expect(mine.map((f) => f.rule)).toContain('DUNG_PHONE_FORMAT');
    expect(mine.every((f) => f.severity === 'warning')).toBe(true);
  });

  it('the schools page and the scorecard show the same đúng figure: the warning fails the record on both', async () => {
    const list = await h.get(`/v1/ops/schools?q=${S1}`, h.tokens.admin);
    expect(list.statusCode, list.body).toBe(200);
    const row = list
      .json<{ items: { schoolCode: string; criteria: Record<string, Ratio | null> }[] }>()
      .items.find((s) => s.schoolCode === S1)!;
    const detail = await h.get(`/v1/ops/schools/${S1}`, h.tokens.admin);
    expect(detail.statusCode, detail.body).toBe(200);
    const card = await h.get(`/v1/schools/${S1}/quality`, h.tokens.admin);
    expect(card.statusCode, card.body).toBe(200);
    const scored = card.json<{ criteria: Record<string, Ratio> }>().criteria;
    expect(scored.dung).toMatchObject({ passed: 0, total: 1, percent: 0, band: 'red' });
    expect(row.criteria.dung).toEqual(scored.dung);
    expect(detail.json<{ school: { criteria: Record<string, Ratio> } }>().school.criteria.dung).toEqual(
      scored.dung,
    );
    for (const c of ['du', 'sach', 'song']) expect(row.criteria[c], c).toEqual(scored[c]);
  });

  it('the OpenAPI says so of OpsSchool: a warning fails the record too, info never (dash6: "without an error finding")', async () => {
    const res = await h.get('/openapi.json');
    expect(res.statusCode).toBe(200);
    const props = res.json<{
      components: { schemas: Record<string, { properties: Record<string, { description?: string }> }> };
    }>().components.schemas.OpsSchool!.properties;
    const criteria = props.criteria?.description ?? '';
    expect(criteria).toMatch(
      /không có phát hiện mức error hay warning .*phát hiện info không làm bản ghi trượt/,
    );
    expect(criteria).toMatch(/without an error or warning finding .*an info finding fails no record/);
    expect(props.failing?.description).toMatch(/error hoặc warning .*error or warning finding/);
  });
});
