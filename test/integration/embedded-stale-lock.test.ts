/**
 * A `truc.lock` naming a running process that holds no database (its owner killed, its pid another process's now):
 * the process that would connect through it is told which file to delete, instead of a database that fails on its
 * first statement (review13 left: a reused pid counts as running since 276a1ae0, and nothing told the operator).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openEmbedded } from '../../src/store/embedded.js';
import { freePort, spawnProcess } from '../helpers/proc.js';

describe('embedded database: a stale lock of a running process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'truc-stale-lock-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is refused in both languages, naming the lock file to delete; nothing opened, the lock kept', async () => {
    const other = spawnProcess(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)']);
    try {
      const port = await freePort();
      const lock = join(dir, 'truc.lock');
      writeFileSync(
        lock,
        JSON.stringify({ pid: other.child.pid, port, startedAt: new Date().toISOString() }),
      );
      const opened = openEmbedded(dir);
      await expect(opened).rejects.toMatchObject({ code: 'ERR_CONFIG_INVALID' });
      const err = (await opened.catch((e: unknown) => e)) as Error;
      expect(err.message).toContain(`delete ${lock}`);
      expect(err.message).toContain(`hãy xoá ${lock}`);
      expect(err.message).toContain(String(other.child.pid));
      expect(existsSync(lock)).toBe(true);
      expect(existsSync(join(dir, 'pgdata'))).toBe(false);
    } finally {
      other.child.kill('SIGKILL');
      await other.exited;
    }
  });
});
