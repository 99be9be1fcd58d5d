/**
 * Step 1 of the demo: the vendors push batches through the API — one school each in truc's canonical
 * format, the others in their native SMAS / vnEdu formats, read from their simulators — and the
 * demo waits until truc has ingested every batch.
 */
import { createSmasAdapter } from '../adapters/smas/index.js';
import { createVneduAdapter } from '../adapters/vnedu/index.js';
import { StudentSchema } from '../canonical/student.js';
import { demoCredentials } from '../simulators/index.js';
import type { Population } from '../simulators/population/index.js';
import type { DemoActors, Vendor } from './actors.js';
import { postForStatus, waitForStatus } from './http.js';
import type { DemoStack } from './stack.js';

export interface Pushed {
  vendor: Vendor;
  school: string;
  entity: string;
  format: string;
  statusUrl: string;
}

export interface BatchResult extends Pushed {
  status: string;
  counts: { received: number; accepted: number; rejected: number; unchanged: number };
}

/** The canonical student's fields, from its schema (a population record carries a few more). */
const STUDENT_FIELDS = Object.keys(StudentSchema.shape);

/** Canonical student fields, picked from a population record. */
function canonicalStudent(s: object): Record<string, unknown> {
  const r = s as Record<string, unknown>;
  return Object.fromEntries(STUDENT_FIELDS.filter((k) => r[k] !== undefined).map((k) => [k, r[k]]));
}

/**
 * The students of the population's school `i` in truc's canonical format, as the school's own system holds them:
 * the system states "no disability" (`disability: 'none'`) where the population leaves the field out, and so does
 * the vendor's push. Pushed without it, the school system's nightly pull of the demo's schedules (02:00
 * `smas-students-nightly`, `vnedu-students-nightly`) found 39 of the school's 40 students changed and the
 * mass-change guard held the run every night (guard25): the demo's night is a healthy one, with nothing to hold.
 */
export function canonicalStudentsOf(pop: Pick<Population, 'studentsOfSchool'>, i: number): object[] {
  return [...pop.studentsOfSchool(i)].map((s) => ({ disability: 'none', ...canonicalStudent(s) }));
}

async function collect<T>(pages: AsyncIterable<{ items: T[] }>): Promise<T[]> {
  const out: T[] = [];
  for await (const p of pages) out.push(...p.items);
  return out;
}

/** Pushes every demo batch and returns them in the order they were pushed. */
async function pushAll({ base, sims }: DemoStack, { pop, code, auth }: DemoActors): Promise<Pushed[]> {
  const pushed: Pushed[] = [];
  const push = async (vendor: Vendor, i: number, entity: string, format: string, records: unknown[]) => {
    const statusUrl = await postForStatus(
      `${base}/v1/schools/${code(i)}/batches`,
      { ...auth[vendor], 'idempotency-key': `demo-${format}-${entity}-${code(i)}` },
      { entity, format, records },
    );
    pushed.push({ vendor, school: code(i), entity, format, statusUrl });
  };
  const creds = demoCredentials();
  const smas = createSmasAdapter({ baseURL: sims.smas.url, apiKey: creds.smas.apiKey });
  const vnedu = createVneduAdapter({ baseURL: sims.vnedu.url, token: creds.vnedu.token });
  await push('smas', 0, 'students', 'canonical', canonicalStudentsOf(pop, 0));
  await push('vnedu', 1, 'students', 'canonical', canonicalStudentsOf(pop, 1));
  for (const i of [2, 4]) {
    const records = await collect(smas.listChanges('students', { schoolCode: code(i) }));
    await push('smas', i, 'students', 'smas', records);
  }
  await push('smas', 2, 'staff', 'smas', await collect(smas.listChanges('staff', { schoolCode: code(2) })));
  for (const i of [3, 5]) {
    const records = await collect(vnedu.listChanges('students', { schoolCode: code(i) }));
    await push('vnedu', i, 'students', 'vnedu', records);
  }
  return pushed;
}

/** Step 1: pushes the vendors' batches and waits for each to be done (or failed). */
export async function pushVendorBatches(stack: DemoStack, actors: DemoActors): Promise<BatchResult[]> {
  const results: BatchResult[] = [];
  for (const b of await pushAll(stack, actors)) {
    const s = await waitForStatus<BatchResult>(stack.base, b.statusUrl, actors.auth[b.vendor]);
    results.push({ ...b, status: s.status, counts: s.counts });
  }
  return results;
}
