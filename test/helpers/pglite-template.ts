/**
 * A pristine PGlite cluster (PostgreSQL's initdb done, nothing else: no schema, no migration), made
 * once per machine and PGlite version in the temp folder and copied into each test's PGlite, which
 * then starts without running initdb. initdb is most of PGlite's start-up (measured at load ~20 on
 * the 2-core machine: 21 s for `PGlite.create()`, 2.5 s for the same from a copy). Everything truc
 * does to a database (its migrations, from the first) still runs on every test database as before:
 * only initdb, the same for every cluster of one PGlite version, is shared.
 *
 * Several processes may build it at once the first time: each builds in a folder of its own and
 * renames it into place; the first rename wins and the others' copies are removed.
 */
import { cpSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';

/** The installed PGlite's version (its package.json is not exported: read beside its entry point). */
function pgliteVersion(): string {
  let dir = dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
}

const TEMPLATE = join(tmpdir(), `truc-pglite-template-${pgliteVersion()}`);

let building: Promise<string> | undefined;

/** The template folder: `pgdata` (a cluster on disk, closed cleanly) and `pgdata.tar` (an in-memory one's dump). */
function template(): Promise<string> {
  if (existsSync(TEMPLATE)) return Promise.resolve(TEMPLATE);
  building ??= build();
  return building;
}

async function build(): Promise<string> {
  const tmp = await mkdtemp(`${TEMPLATE}-build-`);
  try {
    const onDisk = await PGlite.create(join(tmp, 'pgdata'));
    await onDisk.close();
    const inMemory = await PGlite.create();
    const dump = await inMemory.dumpDataDir('none');
    await inMemory.close();
    writeFileSync(join(tmp, 'pgdata.tar'), Buffer.from(await dump.arrayBuffer()));
    renameSync(tmp, TEMPLATE);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(TEMPLATE)) throw err; // else another process put its template in place first
  }
  return TEMPLATE;
}

/** Fills `pgdata` (a PGlite data folder that does not exist yet) with a copy of the pristine cluster. */
export async function seedPgliteDir(pgdata: string): Promise<void> {
  cpSync(join(await template(), 'pgdata'), pgdata, { recursive: true });
}

/** The pristine cluster as a dump, for `PGlite.create({ loadDataDir })` of an in-memory database. */
export async function pristineDump(): Promise<Blob> {
  return new Blob([readFileSync(join(await template(), 'pgdata.tar'))]);
}
