/**
 * W6-8: every setting the configuration schemas define is named in README (its user's manual), so a setting with an
 * operational effect (database.poolMax, the login throttle, the queues' retention …) is never documented nowhere. A
 * key counts as named when README names its path (`database.poolMax`; a system's key also as
 * `systems.<system>.timeoutMs`) or the environment variable that sets it (`DATABASE_URL`).
 * docs11: and every environment variable truc reads is in README's Configuration section, as `NAME` (a system's also
 * as the generic `<SYSTEM>_BASE_URL`, `_CLIENT_ID` … there).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigSchema, PROJECT_ROOT } from '../../src/config.js';
import { ENV_NAMES, envNameOf } from '../../src/config/env.js';
import { SYSTEM_NAMES } from '../../src/config/names.js';

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

/** README's `## Configuration` section, up to the next `## ` heading. */
export function configurationSection(readme: string): string {
  const start = readme.indexOf('\n## Configuration\n');
  const end = readme.indexOf('\n## ', start + 1);
  return start < 0 ? '' : readme.slice(start, end < 0 ? undefined : end);
}

/** The variables of `names` the section does not name. */
export function unnamedVariables(section: string, names: readonly string[]): string[] {
  const prefixes = SYSTEM_NAMES.map((s) => `${s.toUpperCase().replace('-', '_')}_`);
  return names.filter((name) => {
    if (section.includes(`\`${name}\``)) return false;
    const prefix = prefixes.find((p) => name.startsWith(p));
    if (prefix === undefined) return true;
    const suffix = name.slice(prefix.length);
    return !(section.includes(`\`<SYSTEM>_${suffix}\``) || section.includes(`\`_${suffix}\``));
  });
}

/** The variables src/ reads by name outside the map (`env.TRUC_PROFILE`, `process.env.LOG_LEVEL`), npm's own left out. */
function variablesReadInSource(): string[] {
  const found = new Set<string>();
  const files = readdirSync(join(PROJECT_ROOT, 'src'), { recursive: true, encoding: 'utf8' });
  for (const f of files.filter((f) => f.endsWith('.ts'))) {
    const text = readFileSync(join(PROJECT_ROOT, 'src', f), 'utf8');
    for (const m of text.matchAll(/\benv\??\.([A-Z][A-Z0-9_]+)\b/g)) found.add(m[1]!);
  }
  found.delete('INIT_CWD'); // npm sets it (src/cli/kit.ts: `npm run truc` starts from the caller's folder)
  return [...found];
}

describe("README's Configuration names every environment variable (docs11)", () => {
  const section = configurationSection(readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8'));
  const names = [...new Set([...ENV_NAMES, ...variablesReadInSource()])];

  it('finds the variables: the map and the ones read by name', () => {
    expect(names).toEqual(
      expect.arrayContaining(['DATABASE_URL', 'TRUC_PROFILE', 'TRUC_OPERATOR', 'SMAS_API_KEY']),
    );
    expect(section).toContain('| variable | meaning | default |');
  });

  it('names each one in the section', () => {
    expect(unnamedVariables(section, names)).toEqual([]);
  });

  it('config/.env.example, which README says documents every variable, sets or comments out each one', () => {
    const example = readFileSync(join(PROJECT_ROOT, 'config', '.env.example'), 'utf8');
    const listed = new Set([...example.matchAll(/^#?([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]!));
    const systemPrefixes = SYSTEM_NAMES.map((s) => `${s.toUpperCase().replace('-', '_')}_`);
    const own = names.filter((n) => !systemPrefixes.some((p) => n.startsWith(p)));
    const baseUrls = systemPrefixes.map((p) => `${p}BASE_URL`);
    expect([...own, ...baseUrls].filter((n) => !listed.has(n))).toEqual([]);
  });

  it('is red for a variable the section leaves out', () => {
    const table =
      '| `PORT` | port | `8080` |\n| `SMAS_BASE_URL` | x | unset |\n| `<SYSTEM>_API_KEY` | y | unset |';
    expect(unnamedVariables(table, ['PORT', 'HOST', 'SMAS_API_KEY', 'SMAS_TOKEN'])).toEqual([
      'HOST',
      'SMAS_TOKEN',
    ]);
  });
});

/** The first cells of the section's tables (`| variable |` and `| key |`): what each row says it is about. */
function firstCells(section: string): string[] {
  return section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => line.slice(2, line.indexOf(' | ')));
}

/**
 * The names of `cells` truc does not know: a backticked variable (`PORT`) that is not one truc reads, a backticked
 * dotted key (`auth.tokenTtlSeconds`, `systems.<system>.timeoutMs`) that is no path of the schemas.
 */
export function unknownNames(
  cells: readonly string[],
  variables: readonly string[],
  paths: readonly string[],
): string[] {
  const names = cells.flatMap((c) => [...c.matchAll(/`([^`]+)`/g)].map((m) => m[1]!));
  const isPath = (name: string) =>
    SYSTEM_NAMES.map((s) => name.replace('<system>', s)).some((p) =>
      paths.some((q) => q === p || q.startsWith(`${p}.`)),
    );
  return names.filter((n) => (/^[A-Z][A-Z0-9_]*$/.test(n) ? !variables.includes(n) : !isPath(n)));
}

// ops14: the other way round. A row of README's Configuration (its two tables) that names a variable truc does not
// read, or a key the schemas lack, is a setting an operator sets for nothing (a renamed key keeps its old row).
describe("README's Configuration names only settings truc has (ops14)", () => {
  const section = configurationSection(readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8'));
  const variables = [...new Set([...ENV_NAMES, ...variablesReadInSource()])];
  const paths = leafPaths(ConfigSchema);

  it('reads the rows of both tables', () => {
    const cells = firstCells(section);
    expect(cells.length).toBeGreaterThan(60);
    expect(cells).toContain('`DATABASE_URL`');
    expect(cells).toContain('`auth.tokenTtlSeconds` (`TRUC_TOKEN_TTL_SECONDS`)');
  });

  it('every variable and key a row names is one truc reads', () => {
    expect(unknownNames(firstCells(section), variables, paths)).toEqual([]);
  });

  it('is red for a variable truc does not read and a key the schemas lack', () => {
    const rows =
      '| `PORT`, `TRUC_NO_SUCH` | x | y |\n| `auth.noSuch`, `systems.<system>.timeoutMs` | x | y |';
    expect(unknownNames(firstCells(rows), variables, paths)).toEqual(['TRUC_NO_SUCH', 'auth.noSuch']);
  });
});
