/**
 * A system that does not answer (review32 F1): while `hang` is set, the server takes every request and never answers
 * it (a hung server, a firewall dropping packets: every call of truc times out after `timeoutMs`); once told to answer
 * again, `answer` serves each request. With the figures the outage tests read: the circuit's openings and the jobs
 * handed back because its probe was out (through one probe: `handBacksThroughOneProbe`).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from '../../src/config.js';
import { waitFor, type TestEnv } from './env.js';

type Mutable<T> = { -readonly [K in keyof T]: Mutable<T[K]> };

export interface HangingServer {
  url: string;
  /** Answers from now on; the requests held so far are dropped (their calls fail as a timeout would). */
  answerAgain(): void;
  close(): Promise<void>;
}

/** Starts the server; `answer` serves a request with its whole body once the server answers again. */
export async function hangingServer(
  answer: (req: IncomingMessage, body: Buffer, res: ServerResponse) => void,
): Promise<HangingServer> {
  const held: ServerResponse[] = [];
  let hang = true;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => (hang ? held.push(res) : answer(req, Buffer.concat(chunks), res)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    answerAgain() {
      hang = false;
      for (const r of held.splice(0)) r.destroy();
    },
    async close() {
      for (const r of held.splice(0)) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/**
 * `env`'s config with hcm-csdl at `url`, calls timing out after 8 s, the circuit opening at the first failure and
 * probing after 200 ms, and a probe's lease far beyond a test (10 min): what waits for a probe runs once the probe
 * closes the circuit (the wake), not when its lease runs out.
 */
export function hungHcmCsdlConfig(env: TestEnv, url: string): Config {
  const config = structuredClone(env.config) as Mutable<Config>;
  config.systems['hcm-csdl'].baseUrl = url;
  config.systems['hcm-csdl'].timeoutMs = 8_000;
  config.sync.delivery = {
    ...config.sync.delivery,
    failureThreshold: 1,
    openMs: 200,
    maxOpenMs: 200,
    probeLeaseMs: 600_000,
  };
  return config;
}

/** How many times hcm-csdl's circuit has opened (truc.delivery_gates). */
export async function hcmCsdlOpenings(env: TestEnv): Promise<number> {
  const res = await env.deps.db.query<{ openings: number }>(
    `SELECT openings FROM truc.delivery_gates WHERE system = 'hcm-csdl'`,
  );
  return res.rows[0]?.openings ?? 0;
}

/** Hand-backs of `queue`'s jobs because the circuit's probe was out (truc_jobs_deferred_total{reason="probe"}). */
export async function probeHandBacks(env: TestEnv, queue: string): Promise<number> {
  const text = await env.deps.metrics.registry.getSingleMetricAsString('truc_jobs_deferred_total');
  const line = text.split('\n').find((l) => l.includes(`queue="${queue}"`) && l.includes('reason="probe"'));
  return Number(line?.split(' ').pop() ?? 0);
}

/**
 * Hand-backs of `queue`'s jobs through one probe: waits for hcm-csdl's circuit to open (the first calls time out),
 * then counts them until the probe times out too (the circuit opens again).
 */
export async function handBacksThroughOneProbe(env: TestEnv, queue: string): Promise<number> {
  await waitFor(async () => (await hcmCsdlOpenings(env)) >= 1, {
    timeoutMs: 30_000,
    intervalMs: 50,
    what: 'the circuit to open',
  });
  const before = await probeHandBacks(env, queue);
  await waitFor(async () => (await hcmCsdlOpenings(env)) >= 2, {
    timeoutMs: 30_000,
    intervalMs: 50,
    what: 'the probe to time out',
  });
  return (await probeHandBacks(env, queue)) - before;
}

/** The city database in front of `upstream`: it takes every request and never answers it until told to. */
export function hangingSource(upstream: string): Promise<HangingServer> {
  return hangingServer((req, body, res) => {
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter(
        (e): e is [string, string] => typeof e[1] === 'string' && !['host', 'connection'].includes(e[0]),
      ),
    );
    const sent = body.length > 0 ? body : undefined;
    fetch(`${upstream}${req.url ?? '/'}`, {
      method: req.method ?? 'GET',
      headers,
      ...(sent ? { body: sent } : {}),
    })
      .then(async (r) => {
        const out = Buffer.from(await r.arrayBuffer());
        res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json' });
        res.end(out);
      })
      .catch(() => res.destroy());
  });
}
