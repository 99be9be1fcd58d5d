/**
 * fix11 F4: a command that does not own the schema, run on a data folder with no embedded database (empty, or not
 * there at all), refuses before it creates anything: it created a ~40 MB PGlite database, then refused it as pending.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { stubShell as shell, truc } from '../helpers/cli-in-process.js';
import { makeTempDir, type TempDir } from '../helpers/env.js';

describe('truc on a data folder with no database', () => {
  let data: TempDir;

  beforeAll(async () => {
    data = await makeTempDir('truc-cli-nodb-');
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });
  afterAll(async () => {
    await data?.remove();
  });

  it.each([
    ['an empty folder', () => data.path, () => expect(readdirSync(data.path)).toEqual([])],
    [
      'a folder not there',
      () => join(data.path, 'not-there'),
      () => expect(existsSync(join(data.path, 'not-there'))).toBe(false),
    ],
  ])('%s: exit 4 (run truc migrate) in both languages, nothing created', async (_, dir, nothingCreated) => {
    shell({ DATA_DIR: dir(), TRUC_OPERATOR: 'admin.q1' });
    const r = await truc('clients', 'list');
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('ERR_SCHEMA_PENDING');
    expect(r.stderr).toContain('chưa có cơ sở dữ liệu nhúng; không có gì được tạo');
    expect(r.stderr).toContain('holds no embedded database; nothing was created');
    nothingCreated();
  });
});
