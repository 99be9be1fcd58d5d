/**
 * The layer order (README "How it works", DESIGN §6) is what dependency-cruiser enforces: src/ has no
 * violation, the README's table lists the tool's layers in the tool's order, and the rules do catch a
 * lower layer importing a higher one (checked on a scratch tree, not on src/).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cruise, type ICruiseResult, type IConfiguration } from 'dependency-cruiser';

const ROOT = join(import.meta.dirname, '..', '..');
const require = createRequire(import.meta.url);
const config = require(join(ROOT, '.dependency-cruiser.cjs')) as IConfiguration;
const { LAYERS } = require(join(ROOT, 'scripts', 'layers.cjs')) as {
  LAYERS: { name: string; path: string }[];
};

async function violationsIn(baseDir: string): Promise<string[]> {
  const result = await cruise(['src'], {
    baseDir,
    validate: true,
    ruleSet: { forbidden: config.forbidden ?? [] },
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
  });
  const output = result.output as ICruiseResult;
  return output.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`);
}

const scratch = mkdtempSync(join(tmpdir(), 'truc-layers-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function put(path: string, text: string): void {
  mkdirSync(dirname(join(scratch, path)), { recursive: true });
  writeFileSync(join(scratch, path), text);
}

describe('layers', () => {
  it('src/ keeps the layer order, with no cycle', async () => {
    expect(await violationsIn(ROOT)).toEqual([]);
  }, 60_000);

  it("the README's layer table is the tool's table, in the same order", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const rows = [...readme.matchAll(/^\| ([a-z]+) \| `src\//gm)].map((m) => m[1]);
    expect(rows).toEqual(LAYERS.map((l) => l.name));
  });

  it('catches an upward import, a cycle, an adapter reaching the store, a simulator reaching past its wire schema, the API reaching a processor or an adapter and a config section imported past src/config.ts', async () => {
    put('src/config.ts', "import { x } from './jobs/pull.js';\nexport const c = x;\n");
    put('src/jobs/pull.ts', "import { c } from '../config.js';\nexport const x = 1 + Number(c);\n");
    put('src/store/db.ts', 'export const db = 1;\n');
    put('src/adapters/smas/client.ts', "import { db } from '../../store/db.js';\nexport const k = db;\n");
    put('src/api/routes/x.ts', "import { x } from '../../jobs/pull.js';\nexport const r = x;\n");
    put('src/config/names.ts', 'export const SYSTEM_NAMES = [];\n');
    put(
      'src/store/y.ts',
      "import { SYSTEM_NAMES } from '../config/names.js';\nexport const y = SYSTEM_NAMES;\n",
    );
    // A simulator may read its system's wire schema, never the rest of the adapter (its client, and the
    // generated types its schema reads).
    put('src/adapters/smas/schema.ts', 'export const wire = 1;\n');
    put('src/adapters/smas/generated/wire.ts', 'export const raw = 1;\n');
    put(
      'src/simulators/smas/server.ts',
      [
        "import { wire } from '../../adapters/smas/schema.js';",
        "import { raw } from '../../adapters/smas/generated/wire.js';",
        "import { k } from '../../adapters/smas/client.js';",
        'export const s = wire + raw + k;',
        '',
      ].join('\n'),
    );
    // ops29: the API never reaches an adapter (the layer order allows it: api sits above adapters), nor a mapping;
    // a system's wire schema it may read (the OpenAPI document describes a native batch's records with it).
    put('src/mappings/smas/students.ts', 'export const m = 1;\n');
    put(
      'src/api/routes/w.ts',
      [
        "import { k } from '../../adapters/smas/client.js';",
        "import { m } from '../../mappings/smas/students.js';",
        "import { wire } from '../../adapters/smas/schema.js';",
        'export const w = k + m + wire;',
        '',
      ].join('\n'),
    );
    const found = await violationsIn(scratch);
    expect(found).toEqual(
      expect.arrayContaining([
        'layer-leaves-imports-jobs: src/config.ts -> src/jobs/pull.ts',
        'no-circular: src/config.ts -> src/jobs/pull.ts',
        'adapters-transport-only: src/adapters/smas/client.ts -> src/store/db.ts',
        'api-enqueues-through-contracts: src/api/routes/x.ts -> src/jobs/pull.ts',
        'api-never-reaches-adapters: src/api/routes/w.ts -> src/adapters/smas/client.ts',
        'api-never-reaches-adapters: src/api/routes/w.ts -> src/mappings/smas/students.ts',
        'config-through-config-ts: src/store/y.ts -> src/config/names.ts',
        'layer-simulators-imports-adapters: src/simulators/smas/server.ts -> src/adapters/smas/client.ts',
        'layer-simulators-imports-adapters: src/simulators/smas/server.ts -> src/adapters/smas/generated/wire.ts',
      ]),
    );
    expect(found.filter((v) => v.includes('src/adapters/smas/schema.ts'))).toEqual([]);
  }, 60_000);
});
