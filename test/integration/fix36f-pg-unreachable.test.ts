/**
 * fix36f item 2 (review35a F4): a PostgreSQL that does not take truc's connection is told apart (refused, unknown
 * host, role or password refused, database missing), one bilingual line each, the URL without its user and password,
 * never the password. Against the real PostgreSQL (a role and a database that do not exist, a closed port).
 */
import { describe, expect, it, vi } from 'vitest';
import { openDatabase, unreachableWords } from '../../src/store/open.js';
import { PG_ADMIN_URL } from '../helpers/env.js';
import { truc } from '../helpers/cli-in-process.js';

const SECRET = 'hunter2-not-printed';

function urlWith(change: (u: URL) => void): string {
  const u = new URL(PG_ADMIN_URL);
  change(u);
  return u.toString();
}

async function refusal(url: string): Promise<string> {
  const err = await openDatabase({ url, dataDir: '/nonexistent' }).then(
    () => undefined,
    (e: unknown) => e as { code: string; message: string },
  );
  expect(err?.code).toBe('ERR_DEPENDENCY_UNAVAILABLE');
  expect(err!.message).not.toContain(SECRET);
  return err!.message;
}

describe('fix36f item 2: why PostgreSQL did not take the connection', () => {
  it('a closed port: refused, start it', async () => {
    const m = await refusal(urlWith((u) => (u.port = '1')));
    expect(m).toContain('refused the connection');
    expect(m).toContain('từ chối kết nối');
    expect(m).toContain('start it');
  });

  it('an unknown host: check the host name', async () => {
    const m = await refusal(urlWith((u) => (u.hostname = 'no-such-host.invalid')));
    expect(m).toContain('the PostgreSQL host of postgres://no-such-host.invalid');
    expect(m).toContain('is unknown');
    expect(m).not.toContain('start it');
  });

  it('a role PostgreSQL does not know (28000), with a password: the user or password, never the password, not "start it"', async () => {
    const m = await refusal(
      urlWith((u) => {
        u.username = 'no_such_role_fix36f';
        u.password = SECRET;
      }),
    );
    expect(m).toContain('refused the user or password');
    expect(m).toContain('từ chối người dùng hoặc mật khẩu');
    expect(m).toContain('PostgreSQL is running');
    expect(m).not.toContain('start it');
  });

  it('a wrong password (28P01): the same line, the password masked even if the driver repeated it', () => {
    const m = unreachableWords(
      urlWith((u) => (u.password = SECRET)),
      Object.assign(new Error(`password authentication failed (${SECRET})`), { code: '28P01' }),
    );
    expect(m).toContain('refused the user or password');
    expect(m).not.toContain(SECRET);
  });

  it('a database that does not exist (3D000): create it or fix the name', async () => {
    const m = await refusal(urlWith((u) => (u.pathname = '/no_such_db_fix36f')));
    expect(m).toContain('has no such database');
    expect(m).toContain('không có cơ sở dữ liệu này');
    expect(m).not.toContain('start it');
  });

  it('the CLI prints it on one line, without the password', async () => {
    vi.stubEnv('TRUC_PROFILE', 'test');
    vi.stubEnv(
      'DATABASE_URL',
      urlWith((u) => ((u.username = 'no_such_role_fix36f'), (u.password = SECRET))),
    );
    try {
      const out = await truc('clients', 'list');
      expect(out.code).toBe(1);
      expect(out.stderr).toContain('ERR_DEPENDENCY_UNAVAILABLE');
      expect(out.stderr).toContain('refused the user or password');
      expect(out.stderr).not.toContain(SECRET);
      expect(out.stderr.trim().split('\n')).toHaveLength(1);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
