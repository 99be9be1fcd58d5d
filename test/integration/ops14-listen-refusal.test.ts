/**
 * ops14: a port a role cannot listen on is a configuration problem naming the variable that sets it, in both
 * languages (exit 2 through the CLI), not "lỗi không mong đợi / unexpected error: listen EADDRINUSE …" naming nothing
 * (a second `truc worker` on one host, on the default metrics port, stopped so; src/listen-refusal.ts).
 */
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config.js';
import { listenRefusal } from '../../src/listen-refusal.js';
import { startApi, startMetricsServer } from '../../src/roles.js';
import { usePostgresEnv } from '../helpers/env.js';

describe('a port truc cannot listen on names its setting (ops14)', () => {
  const env = usePostgresEnv();
  let taken: Server;
  let port: number;
  beforeAll(async () => {
    taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    port = (taken.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => taken.close(resolve));
  });

  it("the API's port in use: PORT named, in both languages", async () => {
    const err = await startApi(env().deps, { port, host: '127.0.0.1' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual([
      expect.stringMatching(
        new RegExp(
          `^PORT=${port} \\(HOST 127\\.0\\.0\\.1\\): cổng ${port} đang được .* / PORT=${port} .*port ${port} is in use by another process; stop it or set PORT to a free port`,
        ),
      ),
    ]);
  });

  it("a scheduler's metrics port in use: TRUC_SCHEDULER_METRICS_PORT named", async () => {
    const err = await startMetricsServer(env().deps, {
      port,
      host: '127.0.0.1',
      setting: 'TRUC_SCHEDULER_METRICS_PORT',
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toContain(`set TRUC_SCHEDULER_METRICS_PORT to a free port`);
  });

  it("a HOST that is none of this machine's addresses: HOST named", async () => {
    // 192.0.2.0/24 is TEST-NET-1 (RFC 5737): no host has it.
    const err = await startMetricsServer(env().deps, { port: 0, host: '192.0.2.77' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems[0]).toMatch(
      /^HOST=192\.0\.2\.77: máy này không có địa chỉ .* \/ HOST=192\.0\.2\.77: this host has no address/,
    );
  });

  it('a privileged port refused (EACCES) names the setting; any other error is left as it is', () => {
    const eacces = Object.assign(new Error('listen EACCES: permission denied 0.0.0.0:80'), {
      code: 'EACCES',
    });
    const refused = listenRefusal(eacces, { port: 80, host: '0.0.0.0', setting: 'PORT' });
    expect(refused).toBeInstanceOf(ConfigError);
    expect((refused as ConfigError).message).toContain('set PORT to 1024 or above');
    const other = Object.assign(new Error('boom'), { code: 'EMFILE' });
    expect(listenRefusal(other, { port: 80, host: '0.0.0.0', setting: 'PORT' })).toBe(other);
  });
});
