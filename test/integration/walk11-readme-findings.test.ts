/**
 * walk11 W11-3 (a vendor following README's API section): its step 4 said the step 3 record's findings were none,
 * `{"items":[],…,"counts":{"total":0,…}}`; pushed as written the record has four warnings (two fields the city requires,
 * no class, and past 20 September that class late). The record README pushes is judged here (a dry run, its school
 * the harness vendor's) and every rule it meets must be named in step 4, with its counts. Real PostgreSQL.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { S1, useApiHarness } from '../helpers/api.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** README's lines from `# <n>.` to the next step. */
const step = (n: number): string =>
  README.slice(README.indexOf(`\n# ${n}. `), README.indexOf(`\n# ${n + 1}. `));

/** The body step 3 pushes (its `-d '…'`). */
const pushed = (): { records: Array<Record<string, unknown>> } =>
  JSON.parse(/-d '(\{[\s\S]*?\})'/.exec(step(3))![1]!) as { records: Array<Record<string, unknown>> };

describe('walk11: README step 4 says the findings of the record step 3 pushes', () => {
  const h = useApiHarness({ name: 'postgres+pg-queue', database: 'postgres', queue: 'postgres' });

  it('names every rule the record meets, and its counts', async () => {
    const body = pushed();
    body.records = body.records.map((r) => ({ ...r, schoolCode: S1 }));
    const res = await h.send('POST', `/v1/schools/${S1}/batches?dryRun=true`, h.tokens.vendor, body);
    expect(res.statusCode, res.body).toBe(200);
    // the harness's school is in no school list (README's, 79663066, is the demo's): that warning is the harness's
    const findings = res
      .json<{ findings: Array<{ rule: string; severity: string }> }>()
      .findings.filter((f) => f.rule !== 'DUNG_SCHOOL_UNLISTED');
    const said = step(4);
    for (const f of findings) expect(said, f.rule).toContain(f.rule);
    const errors = findings.filter((f) => f.severity === 'error').length;
    expect(said).toContain(`"error":${errors}`);
    // the date-bound rule aside, the count README gives is the record's
    if (findings.some((f) => f.rule === 'SONG_MASTER_DATA_LATE'))
      expect(said).toContain(
        `"counts":{"total":${findings.length},"error":${errors},"warning":${findings.length - errors}`,
      );
  });
});
