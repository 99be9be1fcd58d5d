/**
 * The fault proofs' vendors (test/e2e/faults-vendors.test.ts): ten vendors of a school each, pushing their batches
 * to the stack's api until each is answered (a lost answer retried with the same Idempotency-Key), and the check
 * that the city database stored and was sent each of their students once.
 */
import { expect } from 'vitest';
import { addClient } from '../../src/ops.js';
import { student } from '../factories/records.js';
import { WANTED, type Stack } from './fault-stack.js';
import { clientAs, onTheWire } from './truc-client.js';

/**
 * The vendors' pushes: each of ten vendors sends BATCHES batches of BATCH_STUDENTS students, 2,000 students in all
 * (what CI runs), or `TRUC_FAULT_STUDENTS` when it is set (the issue's 20,000 by hand: batches of 400).
 */
export const BATCHES = 5;
const PUSHED = process.env.TRUC_FAULT_STUDENTS === undefined ? 2_000 : WANTED;
export const BATCH_STUDENTS = Math.ceil(PUSHED / (10 * BATCHES));
const FAMILIES = ['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Huỳnh', 'Võ'];
const GIVEN = ['An', 'Bình', 'Khang', 'Khôi', 'Phúc', 'Huy', 'Minh', 'Nam', 'Long', 'Quân'];
/**
 * Pushed student `n`'s name and birth date: each its own (60 names × 365 days), as a school's pupils are. The
 * factory's one child (the same name and birth date for all) made every student a probable twin of every other:
 * the duplicate lookup of each 400-student batch read every stored student once per record, ~70 s a batch with
 * 12,000 stored, and the 20,000-student run did not finish in 20 minutes (proof37).
 */
function pupil(n: number): { fullName: string; birthDate: string } {
  const name = Math.floor(n / 365) % (FAMILIES.length * GIVEN.length);
  return {
    fullName: `${FAMILIES[name % FAMILIES.length]!} Văn ${GIVEN[Math.floor(name / FAMILIES.length)]!}`,
    birthDate: new Date(Date.UTC(2019, 0, 1) + (n % 365) * 86_400_000).toISOString().slice(0, 10),
  };
}

/** A vendor of its own school, with a token fetched (and cached) while the api is up. */
interface Vendor {
  i: number;
  school: string;
  truc: ReturnType<typeof clientAs>;
}
/** What the pushes saw: batches accepted, network errors met, the batch id answered for each key. */
export interface Pushes {
  accepted: number;
  networkErrors: number;
  answers: Map<string, string>;
}

async function tenVendors(s: Stack): Promise<Vendor[]> {
  return Promise.all(
    Array.from({ length: 10 }, async (_, i) => {
      const school = `7900${String(100 + i).padStart(4, '0')}`;
      const c = await addClient(s.env.deps.db, { name: `Vendor ${i}`, role: 'vendor', schools: [school] });
      const truc = clientAs(s.apiUrl, c);
      await truc.token();
      return { i, school, truc };
    }),
  );
}

/** Sends vendor `v`'s batch `j` until it gets an answer (a lost answer is retried with the same key). */
async function sendUntilAnswered(v: Vendor, j: number, seen: Pushes): Promise<void> {
  const key = `faults-v${v.i}-b${j}`;
  const body = {
    entity: 'students' as const,
    format: 'canonical' as const,
    records: onTheWire<'CanonicalStudentsRecord'>(
      Array.from({ length: BATCH_STUDENTS }, (_, k) =>
        student(`FV${v.i}B${j}K${k}`, {
          schoolCode: v.school,
          ...pupil((v.i * BATCHES + j) * BATCH_STUDENTS + k),
        }),
      ),
    ),
  };
  for (let attempt = 0; attempt < 400; attempt++) {
    try {
      // one request per call (the client's pushBatch would retry by itself): this loop retries
      // with the same key and counts the network errors
      const { data, error, response } = await v.truc.api.POST('/v1/schools/{schoolCode}/batches', {
        params: { path: { schoolCode: v.school }, header: { 'idempotency-key': key } },
        body,
      });
      if (response.status === 202 && data && 'batchId' in data) {
        const { batchId } = data;
        const prior = seen.answers.get(key);
        if (prior !== undefined) expect(batchId).toBe(prior);
        seen.answers.set(key, batchId);
        seen.accepted++;
        return;
      }
      // 409 in progress, 503 while the api starts: the same request again shortly.
      expect([409, 429, 503], JSON.stringify(error)).toContain(response.status);
    } catch {
      seen.networkErrors++;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`batch ${key} never answered`);
}

/**
 * Every student the vendors pushed is stored at the simulator and was sent to it exactly once, counted
 * by key, not in total (a key sent twice and another never would balance out).
 */
export function expectEachStoredAndSentOnce(s: Stack, vendors: number, what = 'api kill'): void {
  const pushed = vendors * BATCHES * BATCH_STUDENTS;
  const keyOf = (r: unknown) => String((r as { maDinhDanh?: unknown }).maDinhDanh);
  const ours = (r: unknown) => /^FV\d+B\d+K\d+$/.test(keyOf(r));
  const stored = s.sim.received.records('students').filter(ours);
  const sent = s.sim.recorder.items('students').filter(ours);
  console.log(
    `[faults] ${what}: ${stored.length} of ${pushed} students stored at the simulator, sent ${sent.length} times`,
  );
  const timesSent = new Map<string, number>();
  for (const r of sent) timesSent.set(keyOf(r), (timesSent.get(keyOf(r)) ?? 0) + 1);
  const expected = Array.from({ length: pushed }, (_, n) => {
    const k = n % BATCH_STUDENTS;
    const j = Math.floor(n / BATCH_STUDENTS) % BATCHES;
    const i = Math.floor(n / BATCH_STUDENTS / BATCHES);
    return `FV${i}B${j}K${k}`;
  }).sort();
  expect([...new Set(stored.map(keyOf))].sort()).toEqual(expected);
  expect(stored).toHaveLength(pushed);
  expect([...timesSent.keys()].sort()).toEqual(expected);
  expect([...timesSent].filter(([, n]) => n !== 1)).toEqual([]);
}

/** Ten vendors (`tenVendors`) start pushing their batches, each until answered: who, what they saw, the pushes' end. */
export async function tenVendorsPushing(
  s: Stack,
): Promise<{ vendors: Vendor[]; seen: Pushes; pushing: Promise<void[]> }> {
  const vendors = await tenVendors(s);
  const seen: Pushes = { accepted: 0, networkErrors: 0, answers: new Map() };
  const pushing = Promise.all(
    vendors.map(async (v) => {
      for (let j = 0; j < BATCHES; j++) await sendUntilAnswered(v, j, seen);
    }),
  );
  return { vendors, seen, pushing };
}
