/** The receiver URL policy of webhooks (SSRF guard): https only, no private networks, unless allowed. */
import { describe, expect, it } from 'vitest';
import { receiverUrlProblem, sendWebhook } from '../../../src/adapters/webhook/client.js';

const strict = { allowHttp: false, allowPrivateNetworks: false };
const loose = { allowHttp: true, allowPrivateNetworks: true };

describe('webhook receiver URLs', () => {
  it.each(['https://hooks.example.vn/truc', 'https://203.113.1.10/x', 'https://[2001:4860:4860::8888]/x'])(
    'accepts %s',
    (url) => {
      expect(receiverUrlProblem(url, strict)).toBeUndefined();
    },
  );

  it.each([
    ['http://hooks.example.vn/truc', /https/],
    ['ftp://hooks.example.vn/truc', /https/],
    ['not a url', /absolute/],
    ['https://user:pw@hooks.example.vn/', /credentials/],
    ['https://hooks.example.vn/#x', /fragment/],
    ['https://127.0.0.1/x', /private/],
    ['https://10.1.2.3/x', /private/],
    ['https://192.168.1.1/x', /private/],
    ['https://169.254.169.254/latest/meta-data', /private/],
    ['https://[::1]/x', /private/],
    ['https://[::ffff:10.0.0.1]/x', /private/],
    ['https://localhost/x', /private/],
    ['https://localhost./x', /private/],
    ['https://LOCALHOST../x', /private/],
    ['https://localhost%2E/x', /private/],
    ['https://hooks.localhost./x', /private/],
    ['https://127.0.0.1./x', /private/],
    ['https://0.0.0.0/x', /private/],
  ])('refuses %s', (url, why) => {
    expect(receiverUrlProblem(url, strict)).toMatch(why);
  });

  it('allows loopback over http when configured (tests, the demo)', () => {
    expect(receiverUrlProblem('http://127.0.0.1:9999/x', loose)).toBeUndefined();
  });

  it('refuses at send time what the policy refuses, without a request', async () => {
    const res = await sendWebhook({
      url: 'https://localhost/x',
      secret: `whsec_${Buffer.alloc(32).toString('base64')}`,
      id: 'msg_1',
      type: 'webhook.ping',
      data: {},
      timeoutMs: 1000,
      policy: strict,
    });
    expect(res).toMatchObject({ ok: false, permanent: true });
  });
});
