import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMoetPcgdAdapter } from '../../../src/adapters/moet-pcgd/index.js';
import type { FiguresSubmission, PersonWire } from '../../../src/adapters/moet-pcgd/schema.js';
import {
  startMoetPcgdSimulator,
  type MoetPcgdSimulator,
} from '../../../src/simulators/moet-pcgd/simulator.js';
import { createPopulation } from '../../../src/simulators/population/index.js';
import { moetPcgdPersonsMapping } from '../../../src/mappings/moet-pcgd/index.js';
import { errorOf, runConformance, useRunning } from '../../conformance/adapter-conformance.js';

const SEED = 20250901;
const POPULATION = { schools: 168, studentsPerSchool: 40 };
const COMMUNE = '26740'; // Phường Sài Gòn
const PER_COMMUNE = 40;
const CREDENTIALS = { clientId: 'truc-hcm', clientSecret: 'sim-secret' };
/** 15 September 2025, 10:00 in Hồ Chí Minh City: inside both windows of working year 2025. */
const IN_WINDOW = () => new Date('2025-09-15T03:00:00Z');

const startSim = (extra: Partial<Parameters<typeof startMoetPcgdSimulator>[0]> = {}) =>
  startMoetPcgdSimulator({
    seed: SEED,
    population: POPULATION,
    personsPerCommune: PER_COMMUNE,
    today: IN_WINDOW,
    ...CREDENTIALS,
    ...extra,
  });

const adapterFor = (sim: MoetPcgdSimulator, extra: { clientSecret?: string; timeoutMs?: number } = {}) =>
  createMoetPcgdAdapter({ baseURL: sim.url, ...CREDENTIALS, ...extra });

const figures = (unitCode: string, numerator = 97): FiguresSubmission => ({
  unitCode,
  year: 2025,
  body: {
    indicators: [
      { indicator: 'PCMN5_DI_HOC', ageGroup: '5', numerator, denominator: 100, rate: numerator },
      { indicator: 'PCTH_HOAN_THANH', ageGroup: '11', numerator: 101, denominator: 110, rate: 91.82 },
    ],
  },
});

runConformance<MoetPcgdSimulator, 'persons' | 'figures', PersonWire, FiguresSubmission>('moet-pcgd', {
  startSim: () => startSim(),
  makeAdapter: (sim, setup) =>
    adapterFor(sim, {
      timeoutMs: setup.timeoutMs,
      ...(setup.credentials === 'invalid' ? { clientSecret: 'wrong' } : {}),
    }),
  source: {
    entity: 'persons',
    listOptions: { schoolCode: COMMUNE },
    expectedCount: () => PER_COMMUNE,
    keyOf: (p) => p.maDoiTuong,
  },
  target: {
    entity: 'figures',
    records: () => [figures(COMMUNE), figures('79', 150)],
    effectCount: (sim) => sim.received.count('figures'),
    hasWindow: true,
  },
});

describe('moet-pcgd simulator and adapter: system rules', () => {
  const running = useRunning(
    () => startSim(),
    (sim) => adapterFor(sim),
  );

  it('opens the window on 1 September and closes it at each level deadline (Asia/Ho_Chi_Minh)', async () => {
    const cases: Array<[string, string, boolean]> = [
      ['2025-08-31T16:59:00Z', COMMUNE, false], // 31/08 23:59 local: working year 2024, 2025 not open
      ['2025-08-31T17:00:00Z', COMMUNE, true], // 01/09 00:00 local: opens (Công văn 4862)
      ['2025-10-02T16:59:00Z', COMMUNE, true], // 02/10 23:59 local: last commune day
      ['2025-10-02T17:00:00Z', COMMUNE, false], // 03/10 00:00 local: commune closed (TT 19/2020)
      ['2025-10-02T17:00:00Z', '79', true], // province still open
      ['2025-10-09T17:00:00Z', '79', false], // 10/10 00:00 local: province closed
      ['2026-01-15T03:00:00Z', '79', false],
    ];
    for (const [instant, unit, open] of cases) {
      running.sim.setToday(() => new Date(instant));
      const err = await errorOf(
        running.adapter.client.submitFigures(unit, 2025, figures(unit).body, {
          idempotencyKey: `w-${instant}-${unit}`,
        }),
      );
      if (open) expect(err, `${instant} ${unit}`).toBeUndefined();
      else
        expect(err, `${instant} ${unit}`).toMatchObject({
          name: 'AppError',
          code: 'ERR_ADAPTER_WINDOW_CLOSED',
        });
    }
    running.sim.setToday(() => new Date('2025-10-05T03:00:00Z'));
    const wy = await running.adapter.client.workingYear();
    expect(wy).toMatchObject({
      year: 2025,
      opensOn: '2025-09-01',
      dataPeriod: { from: '2024-10-01', to: '2025-09-30' },
    });
    expect(wy.windows).toStrictEqual([
      expect.objectContaining({ unitLevel: 'commune', submitBefore: '2025-10-03', open: false }),
      expect.objectContaining({ unitLevel: 'province', submitBefore: '2025-10-10', open: true }),
    ]);
    running.sim.setToday(IN_WINDOW);
  });

  it('returns the same receipt when the same submission is resent, and reads it back', async () => {
    const before = running.sim.received.count('figures');
    const body = figures('25747', 90).body;
    const first = await running.adapter.client.submitFigures('25747', 2025, body, {
      idempotencyKey: 'sub-25747-1',
    });
    const again = await running.adapter.client.submitFigures('25747', 2025, body, {
      idempotencyKey: 'sub-25747-1',
    });
    expect(first.replayed).toBe(false);
    expect(again).toStrictEqual({ ...first, replayed: true });
    expect(first.checksum).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(running.sim.received.count('figures') - before).toBe(1);
    expect(await running.adapter.client.getFigures('25747', 2025)).toMatchObject({
      unitLevel: 'commune',
      indicators: body.indicators,
      receipt: { receiptId: first.receiptId },
    });
    const other = await running.adapter.client.submitFigures('25747', 2025, body, {
      idempotencyKey: 'sub-25747-2',
    });
    expect(other.receiptId).not.toBe(first.receiptId);
    const reused = await errorOf(
      running.adapter.client.submitFigures('25747', 2025, figures('25747', 10).body, {
        idempotencyKey: 'sub-25747-1',
      }),
    );
    expect(reused).toMatchObject({
      code: 'ERR_ADAPTER_REJECTED',
      errors: [expect.objectContaining({ rule: 'IDEMPOTENCY_KEY_REUSED' })],
    });
    // a unit nothing in this file submits (25750 is submitted by the test below, which may run first)
    expect(await running.adapter.client.getFigures('25760', 2025)).toBeUndefined();
  });

  it('rejects an invalid figures body with coded errors, per record', async () => {
    const bad: FiguresSubmission = {
      unitCode: COMMUNE,
      year: 2025,
      body: { indicators: [{ indicator: 'XA_DAT_PCMN5', numerator: 5, denominator: 4, rate: 125 }] },
    };
    const receipt = await running.adapter.write('figures', [bad, figures('25750')], {
      idempotencyKey: 'mixed-1',
    });
    expect(receipt.accepted).toBe(1);
    expect(receipt.rejected).toStrictEqual([
      {
        index: 0,
        code: 'INDICATOR_NOT_FOR_LEVEL',
        message: expect.stringContaining('NUMERATOR_GT_DENOMINATOR'),
      },
    ]);
  });

  it('lists the population people of a commune: the children are the same people as hcm-csdl students', async () => {
    const population = createPopulation({ seed: SEED, ...POPULATION });
    const expected = [...population.personsOfCommune(COMMUNE)].slice(0, PER_COMMUNE);
    const listed: PersonWire[] = [];
    for await (const page of running.adapter.listChanges('persons', { schoolCode: COMMUNE, pageSize: 15 }))
      listed.push(...page.items);
    expect(listed.map((p) => p.maDoiTuong)).toStrictEqual(expected.map((e) => e.person.personRef));
    let students = 0;
    listed.forEach((wire, k) => {
      const { index, person } = expected[k]!;
      expect(wire).toMatchObject({
        maXa: COMMUNE,
        hoTen: person.fullName,
        soDinhDanh: person.personalId ?? null,
      });
      if (index < population.counts.students) {
        students++;
        const student = population.trueStudent(index);
        expect([wire.hoTen, wire.soDinhDanh]).toStrictEqual([student.fullName, student.personalId ?? null]);
      }
      const mapped = moetPcgdPersonsMapping.toCanonical(wire, { now: IN_WINDOW });
      expect(
        mapped.findings.filter((f) => f.severity === 'error'),
        wire.maDoiTuong,
      ).toStrictEqual([]);
      expect(mapped.ok && mapped.value.birthDate).toBe(person.birthDate);
    });
    expect(students).toBeGreaterThan(0);
  });

  it('needs the commune code as schoolCode', async () => {
    const err = await errorOf(
      (async () => {
        for await (const _ of running.adapter.listChanges('persons', {})) break;
      })(),
    );
    expect(err).toMatchObject({ code: 'ERR_VALIDATION' });
  });
});

describe('moet-pcgd simulator: its own rate limit', () => {
  let sim: MoetPcgdSimulator;
  beforeAll(async () => {
    sim = await startSim({ rateLimit: { perSecond: 2 } });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('answers 429 with Retry-After when the token bucket is empty, and the client surfaces it', async () => {
    const adapter = adapterFor(sim);
    let err: unknown;
    for (let i = 0; i < 10 && err === undefined; i++) err = await errorOf(adapter.client.workingYear());
    expect(err).toMatchObject({ name: 'AppError', code: 'ERR_ADAPTER_RATE_LIMITED', retryable: true });
    expect((err as { retryAfterSeconds?: number }).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    const token = (
      (await await fetch(`${sim.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          ...{ client_id: CREDENTIALS.clientId, client_secret: CREDENTIALS.clientSecret },
        }),
      }).then((r) => r.json())) as { access_token: string }
    ).access_token;
    let raw: Response | undefined;
    for (let i = 0; i < 10 && raw?.status !== 429; i++) {
      raw = await fetch(`${sim.url}/v1/working-year`, { headers: { authorization: `Bearer ${token}` } });
    }
    expect(raw?.status).toBe(429);
    expect(Number(raw?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await raw?.json()).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
  });
});
