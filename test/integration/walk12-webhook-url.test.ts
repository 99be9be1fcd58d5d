/**
 * walk12: the demo took a webhook to http://localhost/x. That is the demo's configuration (config/demo.yaml relaxes
 * the receiver policy for its receivers on this machine); the product's rule, what every deployment without that
 * configuration does (config/default.yaml), is https on a public address, and the refusal says what to send instead.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { bearer, expectProblem, useApiHarness } from '../helpers/api.js';
import { backends } from '../helpers/env.js';

describe('walk12: webhook receiver URLs under the production policy (PGlite)', () => {
  // The test profile relaxes the policy, as the demo's does: here the defaults, as config/default.yaml leaves them.
  const h = useApiHarness(backends()[0]!, {
    configure: (c) => ({ ...c, webhooks: { ...c.webhooks, allowHttp: false, allowPrivateNetworks: false } }),
  });
  const subscribe = (url: string) =>
    h.app.inject({
      method: 'POST',
      url: '/v1/webhooks',
      headers: { ...bearer(h.tokens.vendor), 'content-type': 'application/json' },
      payload: JSON.stringify({ url, events: ['batch.finished'] }),
    });

  it('the production profile and the defaults refuse http and inward addresses; only demo and test relax them', () => {
    for (const profile of ['default', undefined])
      expect(
        loadConfig({ env: profile ? { TRUC_PROFILE: profile } : {} }).webhooks,
        String(profile),
      ).toMatchObject({
        allowHttp: false,
        allowPrivateNetworks: false,
      });
    for (const profile of ['demo', 'test'])
      expect(loadConfig({ env: { TRUC_PROFILE: profile } }).webhooks, profile).toMatchObject({
        allowHttp: true,
        allowPrivateNetworks: true,
      });
  });

  it('refuses http://localhost/x and every loopback, private or link-local receiver, saying what to send', async () => {
    const http = expectProblem(await subscribe('http://localhost/x'), 400, 'ERR_WEBHOOK_URL');
    expect(http.detail).toContain('the scheme must be https');
    for (const url of [
      'https://localhost/x',
      'https://127.0.0.1:8443/x',
      'https://10.0.0.1/x',
      'https://192.168.1.10/hook',
      'https://169.254.169.254/latest/meta-data',
      'https://[::1]/x',
    ]) {
      const p = expectProblem(await subscribe(url), 400, 'ERR_WEBHOOK_URL');
      expect(p.detail, url).toContain("subscribe your receiver's public https address");
      expect(p.detail, url).toContain('đăng ký địa chỉ https công khai của máy nhận');
    }
    const list = await h.get('/v1/webhooks', h.tokens.vendor);
    expect(list.json<{ items: unknown[] }>().items).toEqual([]);
    // A public https receiver is taken.
    const ok = await subscribe('https://hooks.example.vn/truc');
    expect(ok.statusCode, ok.body).toBe(201);
  });
});
