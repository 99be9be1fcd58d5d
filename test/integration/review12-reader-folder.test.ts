/**
 * review12: a process that only connects to the embedded database's owner (an operator's command beside a live
 * `truc all`, run by another user) needs no write access to DATA_DIR: it was refused ERR_CONFIG_INVALID (makeFolder's
 * W_OK), and a lock whose owner it may not signal (EPERM) was taken for a dead one's.
 */
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEmbedded, type EmbeddedDb } from '../../src/store/embedded.js';
import { makeTempDir, type TempDir } from '../helpers/env.js';
import { MEMORY_DB_TIMEOUT_MS } from '../helpers/memory-db.js';
import { seedPgliteDir } from '../helpers/pglite-template.js';
import { spawnProcess } from '../helpers/proc.js';

/** The user `nobody`: the guest runs as another user than the owner (root here), who cannot write the folder. */
const NOBODY = ['--reuid=65534', '--regid=65534', '--clear-groups'];

describe('review12: a guest of the embedded database on a folder it cannot write', () => {
  let dir: TempDir;
  let owner: EmbeddedDb;

  beforeAll(async () => {
    dir = await makeTempDir('truc-guest-');
    await seedPgliteDir(join(dir.path, 'pgdata'), 'migrated');
    owner = await openEmbedded(dir.path, { poolMax: 2 });
    await owner.query('CREATE TABLE IF NOT EXISTS public.lock_probe (who text NOT NULL)');
    await owner.query("INSERT INTO public.lock_probe (who) VALUES ('owner')");
    chmodSync(dir.path, 0o755); // readable by every user, writable by its owner only
  }, MEMORY_DB_TIMEOUT_MS);
  afterAll(async () => {
    await owner?.close();
    await dir?.remove();
  });

  it.runIf(process.getuid?.() === 0)('connects through the owner and reads its data', async () => {
    const guest = spawnProcess(
      'setpriv',
      [...NOBODY, process.execPath, '--import', 'tsx', 'test/helpers/embedded-guest.ts', dir.path],
      { cwd: process.cwd(), env: { ...process.env, HOME: '/tmp' } },
    );
    const exit = await guest.exited;
    expect(exit.stdout.trim()).toBe('{"owner":false,"rows":["owner"]}');
  });
});
