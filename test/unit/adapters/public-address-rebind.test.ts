/**
 * Calls to addresses a vendor or a city admin chose (webhook receivers, school websites) never reach the
 * city's own network, even when the name's DNS answer changes between a check and the connection (DNS
 * rebinding; review15 BUG 9): the address checked is the address connected to (src/adapters/public-address.ts).
 * Here the system resolver is replaced for the test: the promises API (what a separate check before the
 * call used) answers a public address, the callback API (what a connection uses) 127.0.0.1.
 */
import dns from 'node:dns';
import dnsPromises from 'node:dns/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { syncBuiltinESMExports } from 'node:module';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendWebhook } from '../../../src/adapters/webhook/client.js';
import { probeWebsite } from '../../../src/adapters/website/probe.js';

describe('a webhook receiver or school website whose name resolves inward at connection time', () => {
  let server: Server;
  let hits = 0;
  const realLookup = dns.lookup;
  const realPromisesLookup = dnsPromises.lookup;

  beforeAll(async () => {
    server = createServer((_req, res) => {
      hits += 1;
      res.writeHead(204).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    // The name's answers: public for the check (promises API), loopback for the connection (callback API).
    (dnsPromises as { lookup: unknown }).lookup = async (host: string) =>
      host === 'rebind.review15.test' ? [{ address: '93.184.216.34', family: 4 }] : realPromisesLookup(host);
    (dns as { lookup: unknown }).lookup = (
      host: string,
      opts: unknown,
      cb: (err: Error | null, address: unknown, family?: number) => void,
    ) => {
      const callback = typeof opts === 'function' ? (opts as typeof cb) : cb;
      const all = typeof opts === 'object' && opts !== null && (opts as { all?: boolean }).all === true;
      if (host !== 'rebind.review15.test') return (realLookup as (...a: unknown[]) => void)(host, opts, cb);
      if (all) return callback(null, [{ address: '127.0.0.1', family: 4 }]);
      return callback(null, '127.0.0.1', 4);
    };
    syncBuiltinESMExports();
    // test/setup.ts lets tests reach loopback names only: this name too (it is answered with loopback).
    nock.enableNetConnect((host) => /^(127\.0\.0\.1|localhost|rebind\.review15\.test)(:\d+)?$/.test(host));
  });
  afterAll(async () => {
    nock.enableNetConnect((host) => /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(host));
    (dns as { lookup: unknown }).lookup = realLookup;
    (dnsPromises as { lookup: unknown }).lookup = realPromisesLookup;
    syncBuiltinESMExports();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('never connects to the private address', async () => {
    const { port } = server.address() as AddressInfo;
    const result = await sendWebhook({
      url: `http://rebind.review15.test:${port}/hook`,
      secret: `whsec_${Buffer.alloc(32, 1).toString('base64')}`,
      id: 'msg_review15',
      type: 'batch.finished',
      data: { batchId: 'b' },
      timeoutMs: 2000,
      policy: { allowHttp: true, allowPrivateNetworks: false },
    });
    expect(hits).toBe(0);
    expect(result).toEqual({
      ok: false,
      status: null,
      error: 'the host resolves to a private address',
      permanent: true,
    });
  });
  it("the schools' website probe does not either", async () => {
    const { port } = server.address() as AddressInfo;
    const before = hits;
    const result = await probeWebsite(`http://rebind.review15.test:${port}/`, {
      timeoutMs: 2000,
      userAgent: 'truc-review15',
      allowPrivateNetworks: false,
    });
    expect(hits).toBe(before);
    expect(result).toMatchObject({ answered: false, problem: 'private-address' });
  });
});
