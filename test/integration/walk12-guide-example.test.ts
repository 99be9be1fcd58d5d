/**
 * walk12: docs/integration-guide.md's example record (its code's `const records = [...]`) drew 4 warnings the guide
 * does not mention (no class, no residence commune, no parent's name, and the start-of-year deadline's "still empty"
 * class). The example is now a record the guide's vendor can push as is: a dry run of it has no finding.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.js';
import { createRecordsRepo, fingerprint } from '../../src/store/records.js';
import { bearer, tokensFor, useApiHarness } from '../helpers/api.js';
import { backends } from '../helpers/env.js';

const guide = readFileSync(resolve(PROJECT_ROOT, 'docs/integration-guide.md'), 'utf8');

/** The records of the guide's code, as its `const records = [...]` writes them (a literal of strings: read as JSON). */
function guideRecords(): Array<Record<string, unknown>> {
  const m = /const records = (\[[\s\S]*?\]);\n/.exec(guide);
  expect(m, 'the guide declares `const records = [...]`').not.toBeNull();
  const json = m![1]!
    .replace(/ as const/g, '')
    .replace(/'([^']*)'/g, '"$1"')
    .replace(/([{,]\s*)([A-Za-z]\w*):/g, '$1"$2":');
  return JSON.parse(json) as Array<Record<string, unknown>>;
}

describe('walk12: the integration guide’s example record (PGlite)', () => {
  const h = useApiHarness(backends()[0]!);

  it('a dry run of it, to its school, has no finding', async () => {
    const records = guideRecords();
    const school = String(records[0]!['schoolCode']);
    // The school as the city's pull brings it (the demo holds it; the harness runs no pull).
    const held = {
      schoolCode: school,
      name: 'Trường Tiểu học (ví dụ)',
      level: 'primary',
      provinceCode: '79',
    };
    await createRecordsRepo(h.env.deps.db).upsert(
      'schools',
      [{ key: school, scope: school, data: held, fingerprint: fingerprint(held) }],
      { system: 'hcm-csdl', mappingVersion: 'test' },
    );
    const { smas } = await tokensFor(h.app, h.env.deps.db, { smas: { role: 'vendor', schools: [school] } });
    const res = await h.app.inject({
      method: 'POST',
      url: `/v1/schools/${school}/batches?dryRun=true`,
      headers: { ...bearer(smas), 'content-type': 'application/json' },
      payload: JSON.stringify({ entity: 'students', format: 'canonical', records }),
    });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<{
      counts: { accepted: number };
      findings: Array<{ rule: string; pointer: string }>;
    }>();
    expect(body.counts.accepted).toBe(records.length);
    expect(body.findings.map((f) => `${f.rule} ${f.pointer}`)).toEqual([]);
  });
});
