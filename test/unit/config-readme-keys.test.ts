/**
 * W6-8: every setting the configuration schemas define is named in README (its user's manual), so a setting with an
 * operational effect (database.poolMax, the login throttle, the queues' retention …) is never documented nowhere. A
 * key counts as named when README names its path (`database.poolMax`; a system's key also as
 * `systems.<system>.timeoutMs`) or the environment variable that sets it (`DATABASE_URL`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigSchema, PROJECT_ROOT } from '../../src/config.js';
import { envNameOf } from '../../src/config/env.js';

/** Keys not for operators, each with why (README need not name them). */
const INTERNAL: ReadonlyMap<string, string> = new Map([
  // the profile's own name: set by TRUC_PROFILE, which README names
  ['profile', 'TRUC_PROFILE'],
  // the image build writes it (truc_build_info); nothing an operator sets
  ['observability.buildCommit', 'set by the Docker build'],
  // the one rule set truc implements (a literal): README's PCGD section names it, no choice to make
  ['pcgd.ruleSet', 'a literal'],
]);

const WRAPPERS = new Set(['default', 'prefault', 'optional', 'nullable', 'readonly', 'catch', 'nonoptional']);

interface Def {
  type: string;
  innerType?: unknown;
  in?: unknown;
  shape?: Record<string, unknown>;
}
const defOf = (s: unknown): Def => (s as { _zod: { def: Def } })._zod.def;

/** The dotted paths of a schema's leaves (a record's or an array's key is its own leaf). */
function leafPaths(schema: unknown, path = ''): string[] {
  let def = defOf(schema);
  while (WRAPPERS.has(def.type) || def.type === 'pipe')
    def = defOf(def.type === 'pipe' ? def.in : def.innerType);
  if (def.type !== 'object') return [path];
  return Object.entries(def.shape ?? {}).flatMap(([k, v]) => leafPaths(v, path ? `${path}.${k}` : k));
}

function namedIn(readme: string, path: string): boolean {
  const env = envNameOf(path);
  if (env !== undefined && new RegExp(`\\b${env}\\b`).test(readme)) return true;
  const generic = path.replace(/^systems\.[^.]+\./, 'systems.<system>.');
  return [path, generic].some((p) =>
    new RegExp(`\`${p.replace(/[.*+?^${}()|[\]\\<>]/g, '\\$&')}\\b`).test(readme),
  );
}

describe('README names every configuration key (W6-8)', () => {
  const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
  const paths = leafPaths(ConfigSchema);

  it('walks the schemas (a change of zod internals cannot empty the list)', () => {
    expect(paths.length).toBeGreaterThan(100);
    expect(paths).toContain('database.poolMax');
    expect(paths).toContain('systems.smas.timeoutMs');
  });

  it('finds each key in README, or in the commented allow-list of internal keys', () => {
    const missing = paths.filter((p) => !INTERNAL.has(p) && !namedIn(readme, p));
    expect(missing).toEqual([]);
  });

  it('keeps the allow-list to keys the schemas still define', () => {
    expect([...INTERNAL.keys()].filter((k) => !paths.includes(k))).toEqual([]);
  });
});
