/**
 * A school's vendor words one transaction at a time (race21; README "Arrival order"): every path that writes or
 * records a vendor's word for a school — a vendor batch's ingest (its record writes, carries, snapshot deletions,
 * a re-push judged at once by the job; an approved held batch is ingested again), the API's re-push judged at
 * once, an approved snapshot hold's deletions — holds the school's transaction-scoped advisory lock while it reads
 * and writes. So none of them commits between another's reads (or its write statement) and that one's commit: the
 * instant order20 left open (a re-push judged at once from the committed state while an older batch had written
 * but not committed) cannot happen. Keyed by the school alone (two ints: this key space and the hash of the
 * school code; a collision of two schools only makes them wait for each other): the word rule
 * (./word-arrival.ts) is the school's, whichever vendor. Ingests of different schools never wait for each other;
 * pulls and the city's writes take no such lock (their words are their writes: the write statement's own
 * comparison orders them, ./word-arrival.ts).
 *
 * The embedded database (PGlite) runs one transaction at a time anyway (./pglite-server.ts); there every
 * connection shares one session, so the lock is always granted at once and adds nothing.
 */
import type { Queryable } from './db.js';

/** The first int of the lock's two-int key (pg_locks.classid); truc's other advisory locks use one bigint. */
export const SCHOOL_LOCK_SPACE = 720;

/** SQL: the advisory key arguments of the school given by the SQL text `school`. */
const keyOf = (school: string) => `${SCHOOL_LOCK_SPACE}, hashtext(${school}::text)`;

/** SQL boolean: takes the school `school`'s lock if no other transaction holds it (true), else false at once. */
export function tryLockSchoolSql(school: string): string {
  return `pg_try_advisory_xact_lock(${keyOf(school)})`;
}

/**
 * The first int of a school's waiting place (fair26): the one transaction that may wait for the school's lock while
 * another holds it. Transaction-scoped, like the lock.
 */
export const SCHOOL_WAIT_SPACE = 721;

/**
 * Takes, in `q`'s transaction, the lock of the school of the vendor batch `batchId` (true; also for a pull's batch
 * or a batch not stored: no lock). When another transaction holds it (an ingest of the school in progress), waits
 * for it only if no other transaction waits already (it takes the school's waiting place, {@link SCHOOL_WAIT_SPACE}),
 * else answers false at once (fair26). A job that waited held a worker's slot and a database connection meanwhile,
 * so a school's backlog behind its big snapshot (as many batches as the worker takes at once) left every other
 * school's batches queued until the snapshot was done; now at most one slot waits per busy school, taking the lock
 * the moment it is free, and the rest go back to their queue (../jobs/ingest.ts `SCHOOL_BUSY_RETRY_MS`). Taken
 * before the batch's own row lock (../jobs/ingest.ts, ../jobs/guard-apply.ts), the one order of the two everywhere.
 */
export async function lockSchoolOfBatchOrPass(
  q: Queryable,
  batchId: string,
  pullClient: string,
): Promise<boolean> {
  // CASE evaluates in order: the lock if free, else the waiting place and then the lock (waited for), else false.
  const res = await q.query<{ locked: boolean }>(
    `SELECT CASE WHEN ${tryLockSchoolSql('b.school_code')} THEN true
                 WHEN pg_try_advisory_xact_lock(${SCHOOL_WAIT_SPACE}, hashtext(b.school_code::text))
                   THEN pg_advisory_xact_lock(${keyOf('b.school_code')})::text IS NOT NULL
                 ELSE false END AS locked
       FROM truc.batches b
      WHERE b.id = $1 AND b.client_id <> $2`,
    [batchId, pullClient],
    // One text: parsed and planned once per connection (./db.ts QueryOptions).
    { prepared: true },
  );
  return res.rows[0]?.locked !== false;
}

/**
 * Takes the school `school`'s lock in `q`'s transaction if no other transaction holds it: true; false at once
 * when one does (an ingest of the school in progress). The statements after it see every word committed
 * before it (a snapshot of their own, under READ COMMITTED).
 */
export async function tryLockSchool(q: Queryable, school: string): Promise<boolean> {
  const res = await q.query<{ locked: boolean }>(`SELECT ${tryLockSchoolSql('$1')} AS locked`, [school]);
  return res.rows[0]?.locked === true;
}

/**
 * Takes, in `q`'s transaction, the locks of `schools` (in code order), waiting for each: no vendor word of them is
 * written before the transaction ends (fix34c: a run's page that leaves them alone, ../jobs/run-except.ts).
 */
export async function lockSchools(q: Queryable, schools: readonly string[]): Promise<void> {
  if (schools.length === 0) return;
  // One lock a row, the rows in the array's order (sorted here): two such transactions never wait on each other.
  await q.query(`SELECT pg_advisory_xact_lock(${keyOf('s')}) FROM unnest($1::text[]) s`, [
    [...new Set(schools)].sort(),
  ]);
}
