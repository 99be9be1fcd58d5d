/**
 * review30 F1 (fixed by fix31a): a read of a school's records answers, on its last page, `nextUpdatedSince`, the
 * `updatedSince` of the vendor's next read; with it no change is missed, even one begun before a read and committed
 * after it (tests: `review30 F1` in test/integration/review30.test.ts, test/integration/updated-since-watermark.test.ts).
 * Wherever a vendor reads about `updatedSince` (the OpenAPI spec, the API in full (docs/api.md, where README's API
 * summary leads), the README, the integration guide in both languages,
 * @truc/client), it must say to send back `nextUpdatedSince` (not the vendor's own clock) and that deletes are the
 * change feed's; the words of before ("not a sync watermark") are gone.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (path: string): string => readFileSync(path, 'utf8');

interface Spec {
  paths: Record<string, Record<string, { parameters?: Array<{ name: string; description?: string }> }>>;
  components: {
    schemas: Record<string, { properties?: Record<string, { type?: unknown; description?: string }> }>;
  };
}

describe('updatedSince is documented as a watermark to send back (review30 F1)', () => {
  it('the spec: every record list’s updatedSince names nextUpdatedSince and the feed; RecordPage answers it', () => {
    const spec = JSON.parse(read('openapi/truc.v1.json')) as Spec;
    const described = Object.entries(spec.paths).flatMap(([path, ops]) =>
      Object.values(ops).flatMap((op) =>
        (op.parameters ?? [])
          .filter((p) => p.name === 'updatedSince')
          .map((p) => [path, p.description ?? '']),
      ),
    );
    expect(described.map(([path]) => path).sort()).toEqual([
      '/v1/schools/{schoolCode}/classes',
      '/v1/schools/{schoolCode}/staff',
      '/v1/schools/{schoolCode}/students',
    ]);
    for (const [path, text] of described) {
      expect(text, path).toContain('nextUpdatedSince');
      expect(text, path).toContain('/v1/changes');
      expect(text, path).not.toMatch(/not a sync watermark|không phải mốc đồng bộ/);
    }
    const next = spec.components.schemas['RecordPage']?.properties?.['nextUpdatedSince'];
    expect(next?.type).toEqual(['string', 'null']);
    expect(next?.description).toMatch(/ \/ on the last page/);
  });

  it('docs/api.md, the guide (vi and en) and @truc/client say to send nextUpdatedSince back; README does not say otherwise', () => {
    const api = read('docs/api.md');
    const readme = read('README.md');
    expect(api).toMatch(/\*\*Keeping a copy with `updatedSince`\*\*/);
    expect(api).toContain('answers `nextUpdatedSince`: send that as the\n  `updatedSince` of your next read');
    const guide = read('docs/integration-guide.md');
    expect(guide).toMatch(/\*\*Giữ bản sao bằng `updatedSince`\*\*/);
    expect(guide).toMatch(/\*\*Keeping a copy with\s+`updatedSince`\*\*/);
    expect(guide).toContain('read.nextUpdatedSince');
    expect(read('packages/client/src/types.ts')).toMatch(/readonly nextUpdatedSince: string \| undefined/);
    expect(read('packages/client/README.md')).toContain('nextUpdatedSince');
    for (const text of [
      api,
      readme,
      guide,
      read('packages/client/README.md'),
      read('packages/client/src/client.ts'),
      read('packages/client/src/types.ts'),
    ]) {
      expect(text).not.toMatch(/not a\s+(\*\s*)?sync\s+(\*\s*)?watermark|không phải mốc đồng bộ/);
    }
  });
});
