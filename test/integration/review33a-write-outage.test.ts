/**
 * review33a F6 (/work/briefs/review33a-findings.md): one circuit per system, shared by its reads and its writes
 * (src/jobs/gates.ts, src/jobs/gate-rules.ts `decideSuccess`): any answered read closes it and sets its failure count
 * back to 0. When the city database takes no writes but still answers reads (maintenance in read-only mode, its
 * write service down behind the same gateway) during a night whose pulls read it, every page read resets the
 * count the failed pushes were building: the circuit never opens, and each push job spends all its attempts (8)
 * and is dead-lettered, the issue's "outages burn attempts" again. Seen by hand (truc api + worker, hcm-csdl
 * simulator answering 500 to PUT /v1/students:batch only, a schools pull every 2 s): a push job's attempts 1…8
 * spent, the gate `closed` with `failures` 0 between them, the batch's delivery then `failed` (dead letter).
 * Here, at the gate: hcm-csdl's reads answered, its writes failing in between; after `failureThreshold` (5) write
 * failures in a row, the writes should wait (the circuit open for them) instead of going on failing.
 * fix33e: the writes' failures are counted apart (an answered read does not set them back); a read's answer to the
 * probe of a circuit the writes opened leaves it open and wakes the queues waiting for that probe (a write probes).
 */
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { createDeliveryGates } from '../../src/jobs/gates.js';
import { createLogger } from '../../src/observability/logger.js';
import { usePostgresEnv } from '../helpers/env.js';

describe('review33a, a system whose writes fail while its reads answer (postgres)', () => {
  const env = usePostgresEnv();

  it('F6: failed writes open the circuit for writes although reads in between are answered', async () => {
    const gates = createDeliveryGates({
      db: env().deps.db,
      config: env().config,
      logger: createLogger('silent'),
      metrics: env().deps.metrics,
    });
    const threshold = env().config.sync.delivery.failureThreshold;
    // Production's jobs.attempts is 8 (config/default.yaml); twice the threshold is past it.
    const attempts = 2 * threshold;
    const down = new AppError('ERR_ADAPTER_UNAVAILABLE', 'hcm-csdl PUT /v1/students:batch failed: HTTP 503');
    let failedWrites = 0;
    let waited = false;
    for (let i = 0; i < attempts && !waited; i += 1) {
      // A page of the night's pull, answered.
      const read = await gates.enter('hcm-csdl', { pace: false });
      expect(read.go).toBe(true);
      await gates.succeeded('hcm-csdl', read);
      // A push's attempt.
      const write = await gates.enter('hcm-csdl', { pace: true });
      if (!write.go) {
        waited = true;
        break;
      }
      const after = await gates.failed('hcm-csdl', down, write);
      failedWrites += 1;
      if (after.pauseMs > 0) waited = true;
    }
    // Red before fix33e: 10 writes failed, each read having closed the circuit again; never a pause.
    expect(waited, `${failedWrites} writes failed without the writes being paused`).toBe(true);
    expect(failedWrites).toBeLessThanOrEqual(threshold);
  });

  it('F6: a read that probes a circuit the writes opened leaves it open and wakes the waiting queues; a write probes next', async () => {
    const gates = createDeliveryGates({
      db: env().deps.db,
      config: env().config,
      logger: createLogger('silent'),
      metrics: env().deps.metrics,
    });
    const system = 'smas';
    const down = new AppError('ERR_ADAPTER_UNAVAILABLE', 'smas write failed: HTTP 503');
    let opened = false;
    while (!opened) {
      const write = await gates.enter(system, { pace: true });
      expect(write.go).toBe(true);
      opened = (await gates.failed(system, down, write)).opened;
    }
    await env().deps.db.query(
      `UPDATE truc.delivery_gates SET paused_until = now() - interval '1 second' WHERE system = $1`,
      [system],
    );
    const woken: string[] = [];
    gates.onClosed((s) => woken.push(s));
    // No read answered since the writes failed: a read may probe (the system may be down altogether).
    const read = await gates.enter(system, { pace: false });
    expect(read).toMatchObject({ go: true, probe: true });
    await gates.succeeded(system, read);
    // Red without the wake: the queues waiting for this probe waited out its lease.
    expect(woken).toEqual([system]);
    const row = await env().deps.db.query<{ circuit: string }>(
      'SELECT circuit FROM truc.delivery_gates WHERE system = $1',
      [system],
    );
    expect(row.rows[0]?.circuit).toBe('open');
    // Reads go on without probing; the next write is the probe.
    expect(await gates.enter(system, { pace: false })).toMatchObject({ go: true, probe: false });
    expect(await gates.enter(system, { pace: true })).toMatchObject({ go: true, probe: true });
  });
});
