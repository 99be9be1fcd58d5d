/**
 * review30 F1 (not fixed in the product: documented): `updatedSince` lists the records whose last change BEGAN at or
 * after the time (`updated_at` is the writing transaction's start), so a change committed after a vendor's read but
 * begun before it is never listed, and deletes never are. Wherever a vendor reads about it (the OpenAPI spec, the
 * README, the integration guide in both languages, @truc/client), it must say it is not a sync watermark and send
 * the vendor to the change feed. The finding's own test (`review30 F1`, test/integration/review30.test.ts) stays
 * `it.fails` until truc orders these reads by commit.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (path: string): string => readFileSync(path, 'utf8');

describe('updatedSince is documented as no sync watermark (review30 F1)', () => {
  it('the spec’s updatedSince parameter of every record list says so and names the change feed', () => {
    const spec = JSON.parse(read('openapi/truc.v1.json')) as {
      paths: Record<string, Record<string, { parameters?: Array<{ name: string; description?: string }> }>>;
    };
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
      expect(text, path).toMatch(/not a sync watermark/);
      expect(text, path).toMatch(/không phải mốc đồng bộ/);
      expect(text, path).toContain('/v1/changes');
    }
  });

  it('the README, the guide (vi and en) and @truc/client say so', () => {
    expect(read('README.md')).toMatch(/\*\*`updatedSince` is not a sync watermark\*\*/);
    const guide = read('docs/integration-guide.md');
    expect(guide).toMatch(/\*\*`updatedSince` không phải mốc đồng bộ\*\*/);
    expect(guide).toMatch(/\*\*`updatedSince` is not a\s+sync watermark\*\*/);
    expect(guide).not.toMatch(/records\([^)]*updatedSince/);
    expect(read('packages/client/src/client.ts')).toMatch(/It is not a sync\s+\*?\s*watermark/);
    expect(read('packages/client/README.md')).toMatch(/not a sync watermark/);
  });
});
