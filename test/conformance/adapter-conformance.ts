/**
 * The adapter conformance suite (CONVENTIONS synthesis 4): one vitest `describe` that every adapter
 * runs against its own simulator over real HTTP. Call it from
 * `test/integration/adapters/<system>.conformance.test.ts`:
 *
 * ```ts
 * runConformance('hcm-csdl', {
 *   startSim: () => startHcmCsdlSimulator({ seed: 7, schools: 3, … }),
 *   makeAdapter: (sim, o) => createHcmCsdlAdapter({ baseURL: sim.url, timeoutMs: o.timeoutMs, … }),
 *   source: { entity: 'students', expectedCount: (sim) => 3 * 40, keyOf: (s) => s.maHocSinh },
 *   target: { entity: 'students', records: () => [...], effectCount: (sim) => sim.received.count('students') },
 * });
 * ```
 *
 * Faults are set through the simulator's `POST /__sim/faults`, so any simulator built on
 * `src/simulators/sim-kit.ts` (or implementing that endpoint) works.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
// The lint rule bans '../../src/*' (meant for bare 'src/*'); from test/conformance it is the only relative path.
import type { Faults } from '../../src/simulators/sim-faults.js';
import type {
  ChangeFeed,
  ListChangesOptions,
  SourceAdapter,
  TargetAdapter,
} from '../../src/adapters/types.js';
import { waitFor } from '../helpers/env.js';
import { useForSuite } from '../helpers/suite.js';

/** The least a simulator handle must offer. */
export interface ConformanceSim {
  url: string;
  close(): Promise<void>;
}

/**
 * A simulator and an adapter of it for the tests of the enclosing `describe`: started in its
 * `beforeAll`, closed in its `afterAll`. The object is filled in then, and is the same in every test.
 */
export function useRunning<Sim extends ConformanceSim, A>(
  start: () => Promise<Sim>,
  adapterFor: (sim: Sim) => A,
): { sim: Sim; adapter: A } {
  return useForSuite(
    async () => {
      const sim = await start();
      return { sim, adapter: adapterFor(sim) };
    },
    (running) => running.sim.close(),
  );
}

/** The rejection of a promise (undefined when it resolves). */
export const errorOf = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

/** Options the suite passes to `makeAdapter`. */
export interface AdapterSetup {
  /** 'invalid' must make the simulator reject authentication (wrong secret / key). */
  credentials: 'valid' | 'invalid';
  /**
   * Client timeout the adapter must use: the suite's small one for the hang case only, else REPLY_WAIT_MS (a loaded
   * machine, load 20-30, can take longer than a small one for a simulator's token or page).
   */
  timeoutMs: number;
}

/** The client timeout of every case but the hang case: the HTTP client's own default. */
export const REPLY_WAIT_MS = 10_000;

/** Cases of the suite; any can be skipped with a reason. */
export type ConformanceCase =
  | 'health'
  | 'pagination'
  | 'resume'
  | 'auth'
  | 'rate-limit'
  | 'unavailable'
  | 'reset'
  | 'malformed'
  | 'timeout'
  | 'slow'
  | 'idempotency'
  | 'window-closed';

type AnyAdapter<E extends string, W, WI> = Partial<SourceAdapter<E, W>> & Partial<TargetAdapter<E, WI>>;

export interface ConformanceOptions<Sim extends ConformanceSim, E extends string, W, WI> {
  startSim(): Promise<Sim>;
  makeAdapter(sim: Sim, setup: AdapterSetup): AnyAdapter<E, W, WI> | Promise<AnyAdapter<E, W, WI>>;
  /** Source cases (pagination, resume); omit for a target-only adapter. */
  source?: {
    entity: E;
    listOptions?: ListChangesOptions;
    /** @defaultValue 7 (small and odd, so the last page is partial) */
    pageSize?: number;
    /** Records the simulator holds for `entity` + `listOptions`, duplicates included. */
    expectedCount(sim: Sim): number | Promise<number>;
    /** Identity of a record for gap/duplicate checks (e.g. the student code). */
    keyOf: (item: W) => string;
  };
  /** Target cases (idempotency, closed window); omit for a source-only adapter. */
  target?: {
    entity: E;
    records(sim: Sim): WI[];
    /** Records the simulator has applied so far (e.g. `sim.received.count(entity)`). */
    effectCount(sim: Sim): number | Promise<number>;
    /** The system has a submission window (`closedWindow` fault → ERR_ADAPTER_WINDOW_CLOSED). */
    hasWindow?: boolean;
  };
  /** In-client retries on 5xx/timeouts (the suite exhausts them). @defaultValue 0 */
  inClientRetries?: number;
  /** One cheap call used by the fault cases. @defaultValue first page of the source, else a write */
  probe?(adapter: AnyAdapter<E, W, WI>, sim: Sim): Promise<unknown>;
  /** Cases to skip, with the reason (shown in the test name). */
  skip?: Partial<Record<ConformanceCase, string>>;
  /** Client timeout for the hang case (its case alone). @defaultValue 400 */
  timeoutMs?: number;
}

/** Sets faults on a running simulator through its control endpoint. */
export async function setFaults(sim: ConformanceSim, faults: Faults): Promise<void> {
  const res = await fetch(`${sim.url}/__sim/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(faults),
  });
  if (!res.ok) throw new Error(`setting faults failed: HTTP ${res.status}`);
}

/** Clears every fault of a running simulator. */
export async function clearFaults(sim: ConformanceSim): Promise<void> {
  const res = await fetch(`${sim.url}/__sim/faults`, { method: 'DELETE' });
  if (!res.ok) throw new Error(`clearing faults failed: HTTP ${res.status}`);
}

/** Iterates a change feed to the end (bounded), returning keys per page. */
async function drain<W>(feed: AsyncIterable<ChangeFeed<W>>, keyOf: (w: W) => string, maxPages: number) {
  const pages: { keys: string[]; nextCursor: string | undefined }[] = [];
  for await (const page of feed) {
    pages.push({ keys: page.items.map(keyOf), nextCursor: page.nextCursor });
    if (pages.length > maxPages) throw new Error(`more than ${maxPages} pages: pagination does not end`);
  }
  return pages;
}

/** What the cases of one suite share: the running simulator and adapter (set in its `beforeAll`) and helpers. */
interface Suite<Sim extends ConformanceSim, E extends string, W, WI> {
  sim: Sim;
  adapter: AnyAdapter<E, W, WI>;
  readonly name: string;
  readonly opts: ConformanceOptions<Sim, E, W, WI>;
  readonly timeoutMs: number;
  readonly pageSize: number;
  /** Failures in a row that outlast the adapter's in-client retries. */
  readonly exhaust: number;
  make(
    credentials: AdapterSetup['credentials'],
    timeoutMs?: number,
  ): AnyAdapter<E, W, WI> | Promise<AnyAdapter<E, W, WI>>;
  /** One cheap call (the option's probe, else the source's first page, else a one-record write). */
  probe(a: AnyAdapter<E, W, WI>): Promise<unknown>;
  /** Registers case `c` (skipped when the options skip it, with the reason, or when it does not apply). */
  test(c: ConformanceCase, applies: boolean, title: string, body: () => Promise<void>): void;
}

/** The AppError `p` rejects with, expected to carry `code`. */
async function expectCode(p: Promise<unknown>, code: string) {
  const err = await errorOf(p);
  expect(err, `expected ${code}`).toMatchObject({ name: 'AppError', code });
  return err as { code: string; retryable: boolean; retryAfterSeconds?: number };
}

function suiteOf<Sim extends ConformanceSim, E extends string, W, WI>(
  name: string,
  opts: ConformanceOptions<Sim, E, W, WI>,
): Suite<Sim, E, W, WI> {
  const pageSize = opts.source?.pageSize ?? 7;
  const suite: Suite<Sim, E, W, WI> = {
    sim: undefined as unknown as Sim,
    adapter: {},
    name,
    opts,
    timeoutMs: opts.timeoutMs ?? 400,
    pageSize,
    exhaust: (opts.inClientRetries ?? 0) + 2,
    make: (credentials, timeoutMs = REPLY_WAIT_MS) => opts.makeAdapter(suite.sim, { credentials, timeoutMs }),
    async probe(a) {
      if (opts.probe) return opts.probe(a, suite.sim);
      if (opts.source && a.listChanges) {
        for await (const page of a.listChanges(opts.source.entity, { ...opts.source.listOptions, pageSize }))
          return page;
        return undefined;
      }
      if (opts.target && a.write) {
        return a.write(opts.target.entity, opts.target.records(suite.sim).slice(0, 1), {
          idempotencyKey: `probe-${Date.now()}`,
        });
      }
      throw new Error('conformance: no probe (give source, target or probe)');
    },
    test(c, applies, title, body) {
      const skipped = opts.skip?.[c];
      (skipped === undefined && applies ? it : it.skip)(
        skipped ? `${title} (skipped: ${skipped})` : title,
        body,
      );
    },
  };
  return suite;
}

/** Registers the conformance suite of one adapter. */
export function runConformance<Sim extends ConformanceSim, E extends string, W, WI = never>(
  name: string,
  opts: ConformanceOptions<Sim, E, W, WI>,
): void {
  const s = suiteOf(name, opts);
  describe(`adapter conformance: ${name}`, () => {
    beforeAll(async () => {
      s.sim = await opts.startSim();
      s.adapter = await s.make('valid');
    });
    afterEach(async () => {
      await clearFaults(s.sim);
    });
    afterAll(async () => {
      await (s.sim as ConformanceSim | undefined)?.close();
    });
    sourceCases(s);
    faultCases(s);
    targetCases(s);
  });
}

/** A source's cases: health, pagination to the end, resuming from a cursor. */
function sourceCases<Sim extends ConformanceSim, E extends string, W, WI>(s: Suite<Sim, E, W, WI>): void {
  const src = s.opts.source;
  const list = (a: AnyAdapter<E, W, WI>, cursor?: string) =>
    a.listChanges!(src!.entity, { ...src!.listOptions, pageSize: s.pageSize, ...(cursor ? { cursor } : {}) });

  s.test('health', !!src, 'health is ok when up and not ok (no throw) when down', async () => {
    expect(await s.adapter.health!()).toMatchObject({ ok: true });
    await setFaults(s.sim, { down: true });
    expect(await s.adapter.health!()).toMatchObject({ ok: false });
  });

  s.test('pagination', !!src, 'pages to the end: count as the simulator says, no duplicates', async () => {
    const expected = await src!.expectedCount(s.sim);
    const pages = await drain(list(s.adapter), src!.keyOf, expected + 10);
    const keys = pages.flatMap((p) => p.keys);
    expect(keys.length).toBe(expected);
    expect(new Set(keys).size).toBe(keys.length);
    expect(pages.every((p) => p.keys.length <= s.pageSize)).toBe(true);
    if (expected > s.pageSize) expect(pages.length).toBeGreaterThan(1);
    expect(pages.at(-1)?.nextCursor).toBeUndefined();
  });

  s.test('resume', !!src, 'resumes from the last cursor after a crash: no gap, no duplicate', async () => {
    const expected = await src!.expectedCount(s.sim);
    const before: string[] = [];
    let cursor: string | undefined;
    const stopAfter = Math.max(1, Math.floor(expected / s.pageSize / 2));
    let n = 0;
    for await (const page of list(s.adapter)) {
      before.push(...page.items.map(src!.keyOf));
      cursor = page.nextCursor;
      if (++n >= stopAfter) break; // the "crash": the process stops mid-way
    }
    const fresh = await s.make('valid');
    const after =
      cursor === undefined
        ? []
        : (await drain(list(fresh, cursor), src!.keyOf, expected + 10)).flatMap((p) => p.keys);
    const all = [...before, ...after];
    expect(all.length).toBe(expected);
    expect(new Set(all).size).toBe(all.length);
  });
}

/** Every adapter's failure cases: wrong credentials, 429, 5xx, resets, malformed bodies, hangs. */
function faultCases<Sim extends ConformanceSim, E extends string, W, WI>(s: Suite<Sim, E, W, WI>): void {
  /** After a warm-up call (token fetched), `faults` make the probe fail with `code`. */
  const failsWith = async (faults: Faults, code: string) => {
    await s.probe(s.adapter);
    await setFaults(s.sim, faults);
    return expectCode(s.probe(s.adapter), code);
  };

  s.test('auth', true, 'wrong credentials → ERR_ADAPTER_AUTH, not retryable', async () => {
    const bad = await s.make('invalid');
    const err = await expectCode(s.probe(bad), 'ERR_ADAPTER_AUTH');
    expect(err.retryable).toBe(false);
  });

  s.test(
    'rate-limit',
    true,
    '429 is honoured: Retry-After carried to the caller (whose gate makes every worker wait), never slept away in the adapter',
    async () => {
      const err = await failsWith(
        { status429: { count: 1, retryAfterSeconds: 1 } },
        'ERR_ADAPTER_RATE_LIMITED',
      );
      expect(err.retryable).toBe(true);
      expect(err.retryAfterSeconds).toBe(1);
    },
  );

  s.test('unavailable', true, '5xx → ERR_ADAPTER_UNAVAILABLE, retryable', async () => {
    const err = await failsWith({ status503Burst: s.exhaust }, 'ERR_ADAPTER_UNAVAILABLE');
    expect(err.retryable).toBe(true);
    await setFaults(s.sim, { status503Burst: 0, errorRate: 1 });
    await expectCode(s.probe(s.adapter), 'ERR_ADAPTER_UNAVAILABLE');
  });

  s.test('reset', true, 'connection reset → ERR_ADAPTER_UNAVAILABLE', async () => {
    await failsWith({ reset: s.exhaust }, 'ERR_ADAPTER_UNAVAILABLE');
  });

  s.test('malformed', true, 'truncated body → ERR_ADAPTER_RESPONSE_INVALID', async () => {
    await failsWith({ malformed: s.exhaust }, 'ERR_ADAPTER_RESPONSE_INVALID');
  });

  s.test(
    'slow',
    true,
    'a slow answer, later than the hang case’s timeout, is waited for (a loaded machine’s)',
    async () => {
      await setFaults(s.sim, { latencyMs: s.timeoutMs + 300 });
      await s.probe(s.adapter);
    },
  );

  s.test('timeout', true, 'no answer → ERR_ADAPTER_TIMEOUT within the client timeout', async () => {
    // An adapter of the small timeout, warmed up (its token fetched): tried again should a loaded machine answer
    // later than the small timeout.
    const short = await s.make('valid', s.timeoutMs);
    await waitFor(() => s.probe(short).then(() => true), { what: 'the short-timeout adapter’s first call' });
    await setFaults(s.sim, { hang: s.exhaust });
    const started = Date.now();
    const err = await expectCode(s.probe(short), 'ERR_ADAPTER_TIMEOUT');
    expect(err.retryable).toBe(true);
    expect(Date.now() - started).toBeLessThan(s.timeoutMs * (s.exhaust + 1) + 5_000);
  });
}

/** A target's cases: one effect per idempotency key, a closed submission window. */
function targetCases<Sim extends ConformanceSim, E extends string, W, WI>(s: Suite<Sim, E, W, WI>): void {
  const tgt = s.opts.target;

  s.test('idempotency', !!tgt, 'same idempotencyKey twice → one effect', async () => {
    const records = tgt!.records(s.sim);
    const before = await tgt!.effectCount(s.sim);
    const key = `conformance-${s.name}-${Date.now()}`;
    const first = await s.adapter.write!(tgt!.entity, records, { idempotencyKey: key });
    const second = await s.adapter.write!(tgt!.entity, records, { idempotencyKey: key });
    expect(first.accepted + first.rejected.length).toBe(records.length);
    expect(second.accepted).toBe(first.accepted);
    expect((await tgt!.effectCount(s.sim)) - before).toBe(first.accepted);
  });

  s.test(
    'window-closed',
    !!tgt?.hasWindow,
    'closed submission window → ERR_ADAPTER_WINDOW_CLOSED',
    async () => {
      await setFaults(s.sim, { closedWindow: true });
      const write = s.adapter.write!(tgt!.entity, tgt!.records(s.sim).slice(0, 1), {
        idempotencyKey: `closed-${Date.now()}`,
      });
      const err = await expectCode(write, 'ERR_ADAPTER_WINDOW_CLOSED');
      expect(err.retryable).toBe(false);
    },
  );
}
