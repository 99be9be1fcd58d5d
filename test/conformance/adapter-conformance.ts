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
  const running = {} as { sim: Sim; adapter: A };
  beforeAll(async () => {
    running.sim = await start();
    running.adapter = adapterFor(running.sim);
  });
  afterAll(async () => {
    await (running as Partial<typeof running>).sim?.close();
  });
  return running;
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
  /** Client timeout the adapter must use (small, for the hang case). */
  timeoutMs: number;
}

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
  /** Client timeout for the hang case. @defaultValue 400 */
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

/** Registers the conformance suite of one adapter. */
export function runConformance<Sim extends ConformanceSim, E extends string, W, WI = never>(
  name: string,
  opts: ConformanceOptions<Sim, E, W, WI>,
): void {
  const timeoutMs = opts.timeoutMs ?? 400;
  const pageSize = opts.source?.pageSize ?? 7;
  let sim: Sim;
  let adapter: AnyAdapter<E, W, WI>;
  const make = (credentials: AdapterSetup['credentials']) =>
    opts.makeAdapter(sim, { credentials, timeoutMs });
  const testIf = (c: ConformanceCase, applies: boolean) =>
    opts.skip?.[c] === undefined && applies ? it : it.skip;
  const label = (c: ConformanceCase, text: string) =>
    opts.skip?.[c] ? `${text} (skipped: ${opts.skip[c]})` : text;

  const probe = async (a: AnyAdapter<E, W, WI>): Promise<unknown> => {
    if (opts.probe) return opts.probe(a, sim);
    if (opts.source && a.listChanges) {
      for await (const page of a.listChanges(opts.source.entity, { ...opts.source.listOptions, pageSize }))
        return page;
      return undefined;
    }
    if (opts.target && a.write) {
      return a.write(opts.target.entity, opts.target.records(sim).slice(0, 1), {
        idempotencyKey: `probe-${Date.now()}`,
      });
    }
    throw new Error('conformance: no probe (give source, target or probe)');
  };
  const expectCode = async (p: Promise<unknown>, code: string) => {
    const err: unknown = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err, `expected ${code}`).toMatchObject({ name: 'AppError', code });
    return err as { code: string; retryable: boolean; retryAfterSeconds?: number };
  };
  const exhaust = (opts.inClientRetries ?? 0) + 2;

  describe(`adapter conformance: ${name}`, () => {
    beforeAll(async () => {
      sim = await opts.startSim();
      adapter = await make('valid');
    });
    afterEach(async () => {
      await clearFaults(sim);
    });
    afterAll(async () => {
      await sim?.close();
    });

    testIf('health', !!opts.source)(
      label('health', 'health is ok when up and not ok (no throw) when down'),
      async () => {
        expect(await adapter.health!()).toMatchObject({ ok: true });
        await setFaults(sim, { down: true });
        expect(await adapter.health!()).toMatchObject({ ok: false });
      },
    );

    testIf('pagination', !!opts.source)(
      label('pagination', 'pages to the end: count as the simulator says, no duplicates'),
      async () => {
        const src = opts.source!;
        const expected = await src.expectedCount(sim);
        const pages = await drain(
          adapter.listChanges!(src.entity, { ...src.listOptions, pageSize }),
          src.keyOf,
          expected + 10,
        );
        const keys = pages.flatMap((p) => p.keys);
        expect(keys.length).toBe(expected);
        expect(new Set(keys).size).toBe(keys.length);
        expect(pages.every((p) => p.keys.length <= pageSize)).toBe(true);
        if (expected > pageSize) expect(pages.length).toBeGreaterThan(1);
        expect(pages.at(-1)?.nextCursor).toBeUndefined();
      },
    );

    testIf('resume', !!opts.source)(
      label('resume', 'resumes from the last cursor after a crash: no gap, no duplicate'),
      async () => {
        const src = opts.source!;
        const expected = await src.expectedCount(sim);
        const before: string[] = [];
        let cursor: string | undefined;
        const stopAfter = Math.max(1, Math.floor(expected / pageSize / 2));
        let n = 0;
        for await (const page of adapter.listChanges!(src.entity, { ...src.listOptions, pageSize })) {
          before.push(...page.items.map(src.keyOf));
          cursor = page.nextCursor;
          if (++n >= stopAfter) break; // the "crash": the process stops mid-way
        }
        const fresh = await make('valid');
        const after =
          cursor === undefined
            ? []
            : (
                await drain(
                  fresh.listChanges!(src.entity, { ...src.listOptions, pageSize, cursor }),
                  src.keyOf,
                  expected + 10,
                )
              ).flatMap((p) => p.keys);
        const all = [...before, ...after];
        expect(all.length).toBe(expected);
        expect(new Set(all).size).toBe(all.length);
      },
    );

    testIf('auth', true)(label('auth', 'wrong credentials → ERR_ADAPTER_AUTH, not retryable'), async () => {
      const bad = await make('invalid');
      const err = await expectCode(probe(bad), 'ERR_ADAPTER_AUTH');
      expect(err.retryable).toBe(false);
    });

    testIf('rate-limit', true)(
      label(
        'rate-limit',
        '429 is honoured: Retry-After carried to the caller (whose gate makes every worker wait), never slept away in the adapter',
      ),
      async () => {
        await probe(adapter); // warm up (token fetched)
        await setFaults(sim, { status429: { count: 1, retryAfterSeconds: 1 } });
        const err = await expectCode(probe(adapter), 'ERR_ADAPTER_RATE_LIMITED');
        expect(err.retryable).toBe(true);
        expect(err.retryAfterSeconds).toBe(1);
      },
    );

    testIf('unavailable', true)(
      label('unavailable', '5xx → ERR_ADAPTER_UNAVAILABLE, retryable'),
      async () => {
        await probe(adapter);
        await setFaults(sim, { status503Burst: exhaust });
        const err = await expectCode(probe(adapter), 'ERR_ADAPTER_UNAVAILABLE');
        expect(err.retryable).toBe(true);
        await setFaults(sim, { status503Burst: 0, errorRate: 1 });
        await expectCode(probe(adapter), 'ERR_ADAPTER_UNAVAILABLE');
      },
    );

    testIf('reset', true)(label('reset', 'connection reset → ERR_ADAPTER_UNAVAILABLE'), async () => {
      await probe(adapter);
      await setFaults(sim, { reset: exhaust });
      await expectCode(probe(adapter), 'ERR_ADAPTER_UNAVAILABLE');
    });

    testIf('malformed', true)(
      label('malformed', 'truncated body → ERR_ADAPTER_RESPONSE_INVALID'),
      async () => {
        await probe(adapter);
        await setFaults(sim, { malformed: exhaust });
        await expectCode(probe(adapter), 'ERR_ADAPTER_RESPONSE_INVALID');
      },
    );

    testIf('timeout', true)(
      label('timeout', 'no answer → ERR_ADAPTER_TIMEOUT within the client timeout'),
      async () => {
        await probe(adapter);
        await setFaults(sim, { hang: exhaust });
        const started = Date.now();
        const err = await expectCode(probe(adapter), 'ERR_ADAPTER_TIMEOUT');
        expect(err.retryable).toBe(true);
        expect(Date.now() - started).toBeLessThan(timeoutMs * (exhaust + 1) + 5_000);
      },
    );

    testIf('idempotency', !!opts.target)(
      label('idempotency', 'same idempotencyKey twice → one effect'),
      async () => {
        const tgt = opts.target!;
        const records = tgt.records(sim);
        const before = await tgt.effectCount(sim);
        const key = `conformance-${name}-${Date.now()}`;
        const first = await adapter.write!(tgt.entity, records, { idempotencyKey: key });
        const second = await adapter.write!(tgt.entity, records, { idempotencyKey: key });
        expect(first.accepted + first.rejected.length).toBe(records.length);
        expect(second.accepted).toBe(first.accepted);
        expect((await tgt.effectCount(sim)) - before).toBe(first.accepted);
      },
    );

    testIf('window-closed', !!opts.target?.hasWindow)(
      label('window-closed', 'closed submission window → ERR_ADAPTER_WINDOW_CLOSED'),
      async () => {
        const tgt = opts.target!;
        await setFaults(sim, { closedWindow: true });
        const write = adapter.write!(tgt.entity, tgt.records(sim).slice(0, 1), {
          idempotencyKey: `closed-${Date.now()}`,
        });
        const err = await expectCode(write, 'ERR_ADAPTER_WINDOW_CLOSED');
        expect(err.retryable).toBe(false);
      },
    );
  });
}
