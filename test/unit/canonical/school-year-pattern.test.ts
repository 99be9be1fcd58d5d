/**
 * The canonical `schoolYear` in the OpenAPI document carries the pattern the canonical schema validates with (it was a
 * bare string): a vendor's generator or validator refuses `2025/2026` or `25-26` before the push.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SchoolYearCodeSchema } from '../../../src/canonical/index.js';
import { PROJECT_ROOT } from '../../../src/config.js';

interface Schema {
  properties?: Record<string, { pattern?: string; type?: string }>;
}
const doc = JSON.parse(readFileSync(join(PROJECT_ROOT, 'openapi/truc.v1.json'), 'utf8')) as {
  components: { schemas: Record<string, Schema> };
};

const canonical = Object.entries(doc.components.schemas).filter(
  ([name, s]) => name.startsWith('Canonical') && s.properties?.schoolYear,
);

describe("the canonical schoolYear's OpenAPI pattern", () => {
  it('is on every canonical record that has a school year', () => {
    expect(canonical.map(([name]) => name).sort()).toEqual([
      'CanonicalClassesRecord',
      'CanonicalStudentsRecord',
    ]);
    for (const [, s] of canonical) expect(s.properties?.schoolYear?.pattern).toBeTruthy();
  });

  it('matches every code the schema accepts, and no spelling the schema refuses for its shape', () => {
    const pattern = new RegExp(canonical[0]![1].properties!.schoolYear!.pattern!);
    for (let y = 1890; y <= 2110; y++) {
      const code = `${y}-${y + 1}`;
      expect(pattern.test(code), code).toBe(SchoolYearCodeSchema.safeParse(code).success);
    }
    for (const bad of ['2025/2026', '2025-26', '25-26', '2025 - 2026', '2025–2026', '20252026', '2025-2026x'])
      expect([pattern.test(bad), SchoolYearCodeSchema.safeParse(bad).success], bad).toEqual([false, false]);
  });
});
