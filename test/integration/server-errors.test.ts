/**
 * A listening server's later 'error' (a failed accept: EMFILE when the process is out of file
 * descriptors) must not end the process. Node emits it on the server, and an 'error' nobody listens to
 * throws out of the event loop; fastify and our own listen helpers listen for 'error' only while they
 * start listening. Each server here gets such an error once listening: `emit` throws when nothing
 * listens, so these fail without the listeners (src/roles.ts logServerErrors, src/store/pglite-server.ts listen).
 */
import { createServer } from 'node:net';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { startApi, startMetricsServer } from '../../src/roles.js';
import { listen } from '../../src/store/pglite-server.js';
import { usePostgresEnv } from '../helpers/env.js';
import { trucClient } from '../helpers/truc-client.js';

const acceptFailed = (): Error =>
  Object.assign(new Error('accept EMFILE'), { code: 'EMFILE', errno: -24, syscall: 'accept' });

describe('listening servers survive an accept error', () => {
  const env = usePostgresEnv();
  afterAll(async () => {
    vi.restoreAllMocks();
  });

  it('the API: logged, and it still answers', async () => {
    const api = await startApi(env().deps, { port: 0, host: '127.0.0.1' });
    const logged = vi.spyOn(env().deps.logger, 'error');
    try {
      expect(() => api.app.server.emit('error', acceptFailed())).not.toThrow();
      expect(logged).toHaveBeenCalledWith(
        expect.objectContaining({ err: expect.objectContaining({ code: 'EMFILE' }) }),
        expect.stringMatching(/^API server error/),
      );
      expect((await trucClient(api.url).api.GET('/healthz')).response.status).toBe(200);
    } finally {
      logged.mockRestore();
      await api.stop();
    }
  });

  it('the operations server of a worker or scheduler: logged, and it still answers', async () => {
    const ops = await startMetricsServer(env().deps, { port: 0, host: '127.0.0.1' });
    const logged = vi.spyOn(env().deps.logger, 'error');
    try {
      expect(() => ops.server.emit('error', acceptFailed())).not.toThrow();
      expect(logged).toHaveBeenCalledWith(
        expect.objectContaining({ err: expect.objectContaining({ code: 'EMFILE' }) }),
        expect.stringMatching(/^operations server error/),
      );
      expect((await trucClient(ops.url).api.GET('/healthz')).response.status).toBe(200);
    } finally {
      logged.mockRestore();
      await ops.stop();
    }
  });

  it("the embedded database's socket server: every later error is heard, not only the first", async () => {
    // startPgliteServer's listen: its start-up listener once stayed on, hearing the first error only.
    const server = createServer();
    try {
      expect(await listen(server, '127.0.0.1', 0)).toBeGreaterThan(0);
      expect(() => server.emit('error', acceptFailed())).not.toThrow();
      expect(() => server.emit('error', acceptFailed())).not.toThrow();
      expect(server.listening).toBe(true);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
