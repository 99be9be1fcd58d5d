/**
 * PGlite clusters made once per machine in the temp folder and copied into each test's PGlite, which
 * then starts without running initdb or the migrations:
 * - pristine: PostgreSQL's initdb done, nothing else (no schema, no migration), per PGlite version.
 *   initdb is most of a bare PGlite's start-up (measured at load ~20 on the 2-core machine: 21 s for
 *   `PGlite.create()`, 2.5 s for the same from a copy). For the tests of the migrations themselves.
 * - migrated: the pristine cluster with every migration applied by truc's own `migrate()`, per PGlite
 *   version and set of migrations (their checksums: an added or edited migration makes a new one).
 *   Applying the 200-odd migrations took 36-46 s of a test file's set-up at load 20 (6 CPU-s).
 * The migrations still run, on both engines, in every test run that changed them (the template is
 * built by the first test that needs it) and in the migration tests (store.test.ts, cli.test.ts).
 *
 * Several processes may build one at once the first time: each builds in a folder of its own and
 * renames it into place; the first rename wins and the others' copies are removed.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { openEmbedded } from '../../src/store/embedded.js';
import { listMigrations, migrate } from '../../src/store/migrate.js';

/** The installed PGlite's version (its package.json is not exported: read beside its entry point). */
function pgliteVersion(): string {
  let dir = dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
}

/** A short hash of every migration's name and checksum: which schema a migrated template holds. */
export function migrationsKey(): string {
  const all = listMigrations().map((m) => `${m.name}:${m.checksum}`);
  return createHash('sha256').update(all.join('\n')).digest('hex').slice(0, 16);
}

export type PgliteTemplate = 'pristine' | 'migrated';

const FOLDERS: Record<PgliteTemplate, () => string> = {
  pristine: () => join(tmpdir(), `truc-pglite-template-${pgliteVersion()}`),
  migrated: () => join(tmpdir(), `truc-pglite-migrated-${pgliteVersion()}-${migrationsKey()}`),
};

/** How each template's folder is filled: `pgdata` (a cluster on disk, closed cleanly) and `pgdata.tar` (its dump). */
const BUILDERS: Record<PgliteTemplate, (tmp: string) => Promise<void>> = {
  async pristine(tmp) {
    const onDisk = await PGlite.create(join(tmp, 'pgdata'));
    await onDisk.close();
    await dumpInto(tmp);
  },
  async migrated(tmp) {
    await seedPgliteDir(join(tmp, 'pgdata'), 'pristine');
    const db = await openEmbedded(tmp, { poolMax: 2 });
    try {
      await migrate(db);
    } finally {
      await db.close();
    }
    await dumpInto(tmp);
  },
};

/** Writes `<tmp>/pgdata.tar`: the cluster in `<tmp>/pgdata` as a dump for an in-memory PGlite. */
async function dumpInto(tmp: string): Promise<void> {
  const cluster = await PGlite.create(join(tmp, 'pgdata'));
  const dump = await cluster.dumpDataDir('none');
  await cluster.close();
  writeFileSync(join(tmp, 'pgdata.tar'), Buffer.from(await dump.arrayBuffer()));
}

const building = new Map<string, Promise<string>>();

/** The template's folder, built first if this machine has none yet. */
function template(which: PgliteTemplate): Promise<string> {
  const folder = FOLDERS[which]();
  if (existsSync(folder)) return Promise.resolve(folder);
  let pending = building.get(folder);
  if (!pending) {
    pending = build(folder, BUILDERS[which]);
    building.set(folder, pending);
  }
  return pending;
}

async function build(folder: string, fill: (tmp: string) => Promise<void>): Promise<string> {
  const tmp = await mkdtemp(`${folder}-build-`);
  try {
    await fill(tmp);
    renameSync(tmp, folder);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(folder)) throw err; // else another process put its template in place first
  }
  return folder;
}

/**
 * Fills `pgdata` (a PGlite data folder that does not exist yet) with a copy of a template cluster:
 * `pristine` (the default, nothing applied) or `migrated` (every migration applied).
 */
export async function seedPgliteDir(pgdata: string, which: PgliteTemplate = 'pristine'): Promise<void> {
  cpSync(join(await template(which), 'pgdata'), pgdata, { recursive: true });
}

/** A template cluster as a dump, for `PGlite.create({ loadDataDir })` of an in-memory database. */
export async function templateDump(which: PgliteTemplate): Promise<Blob> {
  return new Blob([readFileSync(join(await template(which), 'pgdata.tar'))]);
}
