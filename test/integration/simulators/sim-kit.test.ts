import { afterEach, describe, expect, it } from 'vitest';
import { startSimServer, type SimServer, type SimServerOptions } from '../../../src/simulators/sim-kit.js';
import {
  createTokenIssuer,
  decodeCursor,
  encodeCursor,
  jsonPageChunks,
  SimError,
} from '../../../src/simulators/sim-handler.js';
import { runConformance } from '../../conformance/adapter-conformance.js';
import { waitFor } from '../../helpers/env.js';
import { createReferenceAdapter, startReferenceSim } from '../../conformance/reference-system.js';

let sims: SimServer[] = [];
async function start(extra: Partial<SimServerOptions> = {}): Promise<SimServer> {
  const sim = await startSimServer({
    system: 'test',
    handler: (req, ctx) => {
      if (req.path === '/window') return { body: { closed: ctx.faults.closedWindow === true } };
      if (req.path === '/echo') return { body: { method: req.method, body: req.body ?? null } };
      if (req.path === '/record') {
        ctx.received.record('things', (req.body as { items: unknown[] }).items);
        return { status: 202, body: {} };
      }
      if (req.path === '/stream') return { stream: jsonPageChunks({ n: 3 }, 'items', [1, 2, 3], 1) };
      if (req.path === '/fail') throw new SimError(422, 'BAD', 'bad thing', { 'x-why': 'test' });
      return { body: { ok: true, path: req.path } };
    },
    ...extra,
  });
  sims.push(sim);
  return sim;
}
afterEach(async () => {
  await Promise.all(sims.map((s) => s.close()));
  sims = [];
});

const get = (sim: SimServer, path = '/data', init?: RequestInit) => fetch(`${sim.url}${path}`, init);
const post = (sim: SimServer, path: string, body: unknown) =>
  fetch(`${sim.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const statuses = async (sim: SimServer, n: number, path = '/data') => {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await get(sim, path)).status);
  return out;
};

describe('sim-kit server', () => {
  it('listens on 127.0.0.1, parses JSON and form bodies, answers SimError and limits body size', async () => {
    const sim = await start({ bodyLimitBytes: 1000 });
    expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await (await post(sim, '/echo', { a: 1 })).json()).toEqual({ method: 'POST', body: { a: 1 } });
    const form = await fetch(`${sim.url}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&x=1',
    });
    expect(await form.json()).toMatchObject({ body: { grant_type: 'client_credentials', x: '1' } });
    const bad = await fetch(`${sim.url}/echo`, { method: 'POST', body: '{oops' });
    expect(bad.status).toBe(400);
    expect((await post(sim, '/echo', { big: 'x'.repeat(2000) })).status).toBe(413);
    const fail = await get(sim, '/fail');
    expect([fail.status, fail.headers.get('x-why'), await fail.json()]).toEqual([
      422,
      'test',
      { code: 'BAD', message: 'bad thing' },
    ]);
  });

  it('latencyMs delays answers', async () => {
    const sim = await start({ faults: { latencyMs: 150 } });
    const started = Date.now();
    expect((await get(sim)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('errorRate is deterministic in the seed', async () => {
    const a = await start({ seed: 5, faults: { errorRate: 0.5 } });
    const b = await start({ seed: 5, faults: { errorRate: 0.5 } });
    const sa = await statuses(a, 20);
    expect(await statuses(b, 20)).toEqual(sa);
    expect(sa).toContain(500);
    expect(sa).toContain(200);
  });

  it('status429 answers count times with Retry-After, then recovers', async () => {
    const sim = await start({ faults: { status429: { count: 2, retryAfterSeconds: 7 } } });
    const first = await get(sim);
    expect([first.status, first.headers.get('retry-after')]).toEqual([429, '7']);
    expect(await statuses(sim, 2)).toEqual([429, 200]);
  });

  it('status503Burst answers 503 count times', async () => {
    const sim = await start({ faults: { status503Burst: 2 } });
    expect(await statuses(sim, 3)).toEqual([503, 503, 200]);
  });

  it('status400Burst refuses count requests with 400, then serves again', async () => {
    const sim = await start({ faults: { status400Burst: 1 } });
    const refused = await get(sim);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ code: 'BAD_REQUEST' });
    expect((await get(sim)).status).toBe(200);
    expect(sim.stats().faultsApplied).toMatchObject({ status400Burst: 1 });
  });

  it('hang never answers (client times out), then serves again', async () => {
    const sim = await start({ faults: { hang: 1 } });
    await expect(get(sim, '/data', { signal: AbortSignal.timeout(200) })).rejects.toThrow();
    expect((await get(sim)).status).toBe(200);
  });

  it('reset destroys the connection', async () => {
    const sim = await start({ faults: { reset: 1 } });
    await expect(get(sim)).rejects.toThrow(/fetch failed/);
    expect((await get(sim)).status).toBe(200);
  });

  it('outage window and down answer 503 (outage with Retry-After)', async () => {
    const sim = await start({ faults: { outage: { from: Date.now() - 1000, to: Date.now() + 5000 } } });
    const res = await get(sim);
    expect(res.status).toBe(503);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(4);
    sim.faults.merge({ outage: { from: 0, to: 1 }, down: true });
    expect((await get(sim)).status).toBe(503);
    sim.faults.clear();
    expect((await get(sim)).status).toBe(200);
  });

  it('merge adds to the active faults; clear removes them all', async () => {
    const sim = await start({ faults: { status503Burst: 1 } });
    sim.faults.merge({ status429: { count: 1, retryAfterSeconds: 2 } });
    expect(sim.faults.current).toMatchObject({ status503Burst: 1, status429: { count: 1 } });
    sim.faults.merge({}); // names nothing: changes nothing
    expect(sim.faults.current).toMatchObject({ status503Burst: 1, status429: { count: 1 } });
    sim.faults.clear();
    expect((await get(sim)).status).toBe(200);
  });

  it('malformed truncates JSON bodies, streamed or not', async () => {
    const sim = await start({ faults: { malformed: 2 } });
    await expect((await get(sim)).json()).rejects.toThrow();
    await expect((await get(sim, '/stream')).json()).rejects.toThrow();
    expect(await (await get(sim, '/stream')).json()).toEqual({ n: 3, items: [1, 2, 3] });
  });

  it('closedWindow is visible to the handler; paths limit where faults apply', async () => {
    const sim = await start({ faults: { closedWindow: true, status503Burst: 5, paths: ['/data'] } });
    expect(await (await get(sim, '/window')).json()).toEqual({ closed: true });
    expect((await get(sim, '/other')).status).toBe(200);
    expect((await get(sim, '/data')).status).toBe(503);
  });

  it('control endpoints: merge, validate and clear faults; stats; received with bounded items', async () => {
    const sim = await start({ recordLimit: 3 });
    expect((await post(sim, '/__sim/faults', { status503Burst: 1 })).status).toBe(200);
    await post(sim, '/__sim/faults', { closedWindow: true });
    expect(sim.faults.current).toEqual({ status503Burst: 1, closedWindow: true });
    expect((await post(sim, '/__sim/faults', { hang: -1 })).status).toBe(400);
    expect((await post(sim, '/__sim/faults', { nonsense: 1 })).status).toBe(400);
    expect((await get(sim, '/data')).status).toBe(503);
    await fetch(`${sim.url}/__sim/faults`, { method: 'DELETE' });
    expect(sim.faults.current).toEqual({});
    await post(sim, '/record', { items: [1, 2] });
    await post(sim, '/record', { items: [3, 4] });
    const received = (await (await get(sim, '/__sim/received')).json()) as {
      entities: Record<string, unknown>;
    };
    expect(received.entities.things).toEqual({ count: 4, kept: 3, truncated: true, items: [1, 2, 3] });
    const stats = (await (await get(sim, '/__sim/stats')).json()) as Record<string, unknown>;
    expect(stats).toMatchObject({
      requests: 3,
      byRoute: { 'GET /data': { '503': 1 }, 'POST /record': { '202': 2 } },
      faultsApplied: { status503Burst: 1 },
    });
  });

  // Without it, close() would wait for the hung request forever (the test then times out). The request is hung (the
  // fault taken) before close(): a close before it arrived would refuse it, not end it.
  it('close() ends hanging connections at once', async () => {
    const sim = await start({ faults: { hang: 1 } });
    const pending = get(sim).then(
      () => 'answered',
      () => 'failed',
    );
    await waitFor(() => sim.stats().faultsApplied.hang === 1, { what: 'the request to hang' });
    await sim.close();
    expect(await pending).toBe('failed');
  });
});

describe('sim-kit helpers', () => {
  it('cursors round-trip; a forged cursor is a 400 SimError', () => {
    expect(decodeCursor(encodeCursor({ g: 42 }))).toEqual({ g: 42 });
    expect(() => decodeCursor('%%%')).toThrow(SimError);
  });

  it('the token issuer issues, verifies and refuses', async () => {
    const issuer = createTokenIssuer({ clientId: 'c', clientSecret: 's' });
    const sim = await start({
      handler: (req) => {
        if (req.path === '/token') return issuer.token(req);
        issuer.verify(req);
        return { body: { ok: true } };
      },
    });
    const basic = `Basic ${Buffer.from('c:s').toString('base64')}`;
    const tokenRes = await fetch(`${sim.url}/token`, {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    const { access_token } = (await tokenRes.json()) as { access_token: string };
    expect((await get(sim, '/x', { headers: { authorization: `Bearer ${access_token}` } })).status).toBe(200);
    expect((await get(sim, '/x', { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
    const wrong = await fetch(`${sim.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&client_id=c&client_secret=bad',
    });
    expect(wrong.status).toBe(401);
  });
});

// The conformance suite proven on the reference system built from the shared pieces only.
runConformance('reference', {
  startSim: () => startReferenceSim(),
  makeAdapter: (sim, o) =>
    createReferenceAdapter({
      baseURL: sim.url,
      timeoutMs: o.timeoutMs,
      ...(o.credentials === 'invalid' ? { clientSecret: 'wrong' } : {}),
    }),
  source: { entity: 'students', expectedCount: (sim) => sim.total, keyOf: (s) => s.code },
  target: {
    entity: 'students',
    records: () => [
      { code: 'X1', name: 'A', dob: '2019-01-01' },
      { code: 'X2', name: 'B', dob: '2019-01-02' },
    ],
    effectCount: (sim) => sim.received.count('students'),
    hasWindow: true,
  },
});
