/**
 * A call to an external system through its delivery gate (./gates.ts), as every job that writes to a
 * system makes it: pushes (./push.ts) and PCGD-XMC submissions (./pcgd-submit.ts).
 */
import type { SystemName } from '../config.js';
import { DeferJob } from './define.js';
import type { DeliveryGates, Held } from './gates.js';
import { sleep } from '../observability/deadline.js';

/** A job held back: its whole queue waits, or it alone when its endpoint alone holds it (fix37b). */
const heldBack = (system: SystemName, held: Held): DeferJob =>
  new DeferJob(held.waitMs, held.endpoint !== undefined ? 'job' : 'queue', held.reason, {
    system,
    endpoint: held.endpoint,
  });

/**
 * Calls a system through its gate: paced, never while it is paused (Retry-After, open circuit). A
 * failure that pauses the gate hands the job back to its queue (the whole queue of the system waits)
 * without spending an attempt (a `DeferJob` whose `cause` is the failure); any other failure is thrown
 * as it came, to be retried or dead-lettered as usual. Every job that writes to a system calls it so
 * (pushes, PCGD submissions). `endpoint`: what the call writes (`students:upsert`), whose failures the gate also
 * counts apart: an answer of another endpoint does not set them back (fix34d).
 */
export async function throughGate<T>(
  ctx: { gates: DeliveryGates },
  system: SystemName,
  call: () => Promise<T>,
  endpoint?: string,
): Promise<T> {
  const pass = await ctx.gates.enter(system, { pace: true, endpoint });
  // A probe is out: the queue waits for its outcome, up to its lease (review32 F1: it waited a second at most, and
  // a probe of a target that does not answer takes the call's whole timeout, each waiting job started again every
  // second of it). The probe's success wakes the queue at once (./gates.ts `onClosed`, ./worker.ts); its failure
  // pauses it again for the circuit's open time.
  // A write whose endpoint's own circuit holds it back waits alone, its system's other writes going on (fix35f).
  if (!pass.go)
    throw new DeferJob(pass.waitMs, pass.endpoint !== undefined ? 'job' : 'queue', pass.reason, {
      system,
      endpoint: pass.endpoint,
    });
  let readAt = pass.readAt ?? Date.now();
  if (pass.waitMs > 0) {
    await sleep(pass.waitMs);
    readAt = Date.now();
    const paused = await ctx.gates.paused(system, endpoint);
    if (paused) {
      await ctx.gates.probeHeldBack(system, pass, paused); // a probe that does not go out is told to wait
      throw heldBack(system, paused);
    }
  }
  // Last, with nothing awaited before the call: a Retry-After this process met while this one waited.
  const held = ctx.gates.heldHere(system, endpoint);
  if (held) {
    await ctx.gates.probeHeldBack(system, pass, held); // words6 item 5a: not left out until its lease ends
    throw heldBack(system, held);
  }
  ctx.gates.passed(system, { slotAt: pass.startAt, readAt, paced: true, endpoint });
  let out: T;
  try {
    out = await call();
  } catch (err) {
    // A failure that paused the gate, or that landed while another call is out as the probe (it waits for the
    // probe's outcome with the queue, as above: fix33a), hands the job back.
    const after = await ctx.gates.failed(system, err, pass);
    if (after.pauseMs > 0)
      throw new DeferJob(
        after.pauseMs,
        after.endpoint !== undefined ? 'job' : 'queue',
        after.reason ?? 'retry-after',
        {
          cause: err,
          system,
          endpoint: after.endpoint,
        },
      );
    throw err;
  }
  await ctx.gates.succeeded(system, pass);
  return out;
}
