/**
 * review33a F5 (/work/briefs/review33a-findings.md): an API told to stop answers `/readyz` 503 `shutting_down` for
 * its whole drain (`TRUC_SHUTDOWN_GRACE_MS`, 5 s), which is what it is meant to do; every such answer is logged at
 * `error` (src/app.ts `observe`: any 5xx is `error`). A load balancer polls /readyz every second or two: each deploy
 * of each API process writes several error lines for nothing going wrong, and the admin who searches the night's
 * log for `"level":"error"` (or a log alert on errors) finds them among the real ones. The planned 503 of a drain
 * should be logged as what it is (info), the error level kept for failures.
 */
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { usePostgresEnv } from '../helpers/env.js';
import { captureLog } from '../helpers/log-lines.js';

describe('review33a, the log of a draining API (postgres)', () => {
  const env = usePostgresEnv();

  it("F5: /readyz's planned 503 while draining is not logged as an error", async () => {
    const log = captureLog();
    const app = await buildApp({ ...env().deps, logger: log.logger }, { draining: () => true });
    try {
      const res = await app.inject({ method: 'GET', url: '/readyz' });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ status: 'shutting_down' });
      const line = log.lines.find((l) => l.msg === 'request' && l.route === '/readyz');
      expect(line).toBeDefined();
      // Red today: 50 (error).
      expect(line!.level).not.toBe(50);
      expect(line!.level).not.toBe('error');
    } finally {
      await app.close();
    }
  });
});
