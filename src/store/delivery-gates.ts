/**
 * Delivery gates: one row per external system holding what every worker must agree on before it
 * calls that system — the pacing of calls, a pause (a Retry-After, an open circuit, a probe in flight)
 * and the circuit breaker's state. The decisions are the caller's (src/jobs/gates.ts); this module
 * reads and writes the row under a row lock, with the database's clock, so all workers share one view.
 */
import type { Db, Queryable } from './db.js';

/**
 * What follows an entity in the endpoint key of its reads (`students:read`): a pull's pages, whose own Retry-After holds
 * them alone (issue 7 item 4, src/jobs/endpoint-retry-after.ts), kept in `endpoint_retry_after`, `opened_by` and
 * `probe_by` as a write's endpoint is (`students:upsert`). Written here only (words6 item 5c): {@link readEndpoint},
 * {@link isReadEndpoint}, {@link readEndpointSql}.
 */
const READ_SUFFIX = ':read';

/** The endpoint a pull of `entity` reads (`students:read`): its Retry-After is its own; it has no circuit. */
export const readEndpoint = (entity: string): string => `${entity}${READ_SUFFIX}`;

/** Whether `endpoint` is a read's ({@link readEndpoint}), not a write's. */
export const isReadEndpoint = (endpoint: string): boolean => endpoint.endsWith(READ_SUFFIX);

/** SQL: the read endpoint key ({@link readEndpoint}) of the entity in the column `column` (an identifier of truc's). */
export const readEndpointSql = (column: string): string => `(${column} || '${READ_SUFFIX}')`;

export type Circuit = 'closed' | 'open' | 'half-open';
export type PauseReason = 'retry-after' | 'circuit-open' | 'probe';
/** The kind of failure that opened a system's circuit: truc's credentials refused (a 401), or an outage. */
export type OpenedFor = 'credentials' | 'outage';

export interface GateState {
  system: string;
  /** Earliest time the next paced call may start. */
  nextSendAt: Date;
  pausedUntil: Date | null;
  pauseReason: PauseReason | null;
  circuit: Circuit;
  /** Consecutive transient failures of every call, reads and writes (set back to 0 by any answer). */
  failures: number;
  /**
   * Consecutive transient failures of writes (paced calls), set back to 0 only by an answered write: reads answering
   * do not prove writes work (review33a F6, migration 1400).
   */
  writeFailures: number;
  /**
   * Consecutive transient failures of the writes to each endpoint (`students:upsert`: an entity and an operation),
   * set back only by an answer of the same endpoint: another endpoint's answer does not prove it works (fix34d,
   * migration 1416). An endpoint without failures has no key.
   */
  endpointFailures: Record<string, number>;
  /**
   * The endpoints whose own circuit is open (fix35f, migration 1470): their writes wait while the system's other writes
   * go on (a system whose endpoints fail apart, `sync.delivery.endpointCircuits`). A closed endpoint has no key.
   */
  endpointCircuits?: Record<string, EndpointCircuit>;
  /**
   * When the last Retry-After the system asked for ends, kept even where a longer pause runs (fix35f item 3, migration
   * 1471): the reads that pass a circuit the writes opened wait for it. Null: none asked.
   */
  retryAfterUntil?: Date | null;
  /**
   * The endpoints a Retry-After holds alone (fix37b, migration 1441): endpoint -> when its wait ends (ISO time). A 429
   * on a write to an endpoint with its own circuit holds that endpoint's writes, the system's other calls go on
   * (src/jobs/endpoint-retry-after.ts). An entry whose time has passed holds nothing.
   */
  endpointRetryAfter?: Record<string, string>;
  /**
   * The callers whose last call failed (migration 1432, src/jobs/gate-openers.ts): an endpoint (`students:upsert`, a
   * read's `students:read`), `writes` or `reads` for a call without one; emptied when the circuit closes. While it is
   * open: who opened it, and who failed since.
   */
  openedBy?: string[];
  /**
   * What kind of failure opened the system's circuit, or last reopened it (a failed probe): set then, kept through the
   * failures that follow, null once it closes (gates3, migration 1435). Refused credentials are never handed over to
   * one endpoint's own circuit (src/jobs/endpoint-circuits.ts `handOver`).
   */
  openedFor?: OpenedFor | null;
  /**
   * Who probes the system's circuit (gates5, migration 1436): set when a call is let through as its probe (the circuit
   * half-open), null once the probe ends (answered or failed) or the circuit closes; a probe whose lease ran out is
   * replaced by the next caller's.
   */
  probeBy?: ProbeBy | null;
  /** Consecutive openings without a success in between. */
  openings: number;
  lastErrorCode: string | null;
  /** When the call of `lastErrorCode` failed (migration 870). */
  lastErrorAt: Date | null;
  openedAt: Date | null;
  closedAt: Date | null;
}

/** Who took a system circuit's probe: its caller (as `openedBy` names callers) and the truc process (host:pid). */
export interface ProbeBy {
  caller: string;
  process: string;
}

/** An endpoint's own circuit (times as ISO strings, as the row's jsonb keeps them). */
export interface EndpointCircuit {
  /** open: its writes wait until `pausedUntil`; half-open: one write is out as its probe until then (a lease). */
  circuit: 'open' | 'half-open';
  pausedUntil: string;
  /** Consecutive openings without an answer in between (the pause doubles with each). */
  openings: number;
  openedAt: string;
}

/** The columns a decision may change. */
export type GateChange = Partial<Omit<GateState, 'system'>>;

const COLUMNS = `system, next_send_at AS "nextSendAt", paused_until AS "pausedUntil",
  pause_reason AS "pauseReason", circuit, failures,
  write_failures AS "writeFailures", endpoint_failures AS "endpointFailures",
  endpoint_circuits AS "endpointCircuits", retry_after_until AS "retryAfterUntil",
  endpoint_retry_after AS "endpointRetryAfter", opened_by AS "openedBy",
  opened_for AS "openedFor", probe_by AS "probeBy", openings, last_error_code AS "lastErrorCode",
  last_error_at AS "lastErrorAt", opened_at AS "openedAt", closed_at AS "closedAt"`;

const COLUMN_OF: Record<keyof GateChange, string> = {
  nextSendAt: 'next_send_at',
  pausedUntil: 'paused_until',
  pauseReason: 'pause_reason',
  circuit: 'circuit',
  failures: 'failures',
  writeFailures: 'write_failures',
  endpointFailures: 'endpoint_failures',
  endpointCircuits: 'endpoint_circuits',
  retryAfterUntil: 'retry_after_until',
  endpointRetryAfter: 'endpoint_retry_after',
  openedBy: 'opened_by',
  openedFor: 'opened_for',
  probeBy: 'probe_by',
  openings: 'openings',
  lastErrorCode: 'last_error_code',
  lastErrorAt: 'last_error_at',
  openedAt: 'opened_at',
  closedAt: 'closed_at',
};

/**
 * Called in a gate update's transaction, after its change is written (fix36c item 2: the circuits' transitions
 * audited there, once, whichever worker made them): the row as it was, the change and the database clock's now.
 */
export type GateChanged = (q: Queryable, before: GateState, change: GateChange, now: Date) => Promise<void>;

export function createDeliveryGatesRepo(db: Db, opts: { changed?: GateChanged } = {}) {
  return {
    /**
     * Reads the system's gate under a row lock with the database clock's `now`, lets `decide` say what
     * changes, writes it, and returns the decision's result — in one transaction.
     */
    async update<T>(
      system: string,
      decide: (state: GateState, now: Date) => { change?: GateChange | undefined; result: T },
    ): Promise<T> {
      return db.tx(async (q) => {
        await q.query(
          'INSERT INTO truc.delivery_gates (system) VALUES ($1) ON CONFLICT (system) DO NOTHING',
          [system],
        );
        const res = await q.query<GateState & { now: Date }>(
          `SELECT ${COLUMNS}, clock_timestamp() AS now FROM truc.delivery_gates WHERE system = $1 FOR UPDATE`,
          [system],
        );
        const { now, ...state } = res.rows[0]!;
        const { change, result } = decide(state, new Date(now));
        if (change && Object.keys(change).length > 0) {
          await write(q, system, change);
          await opts.changed?.(q, state, change, new Date(now));
        }
        return result;
      });
    },
    /** The gate as it is now (no lock), with the database clock's `now`; undefined before its first use. */
    async peek(system: string): Promise<{ state: GateState; now: Date } | undefined> {
      const res = await db.query<GateState & { now: Date }>(
        `SELECT ${COLUMNS}, clock_timestamp() AS now FROM truc.delivery_gates WHERE system = $1`,
        [system],
      );
      const row = res.rows[0];
      if (!row) return undefined;
      const { now, ...state } = row;
      return { state, now: new Date(now) };
    },
    /** Every gate, by system. */
    async list(): Promise<GateState[]> {
      const res = await db.query<GateState>(`SELECT ${COLUMNS} FROM truc.delivery_gates ORDER BY system`);
      return res.rows;
    },
  };
}

async function write(q: Queryable, system: string, change: GateChange): Promise<void> {
  const keys = Object.keys(change) as Array<keyof GateChange>;
  const json = (k: keyof GateChange) =>
    k === 'endpointFailures' ||
    k === 'endpointCircuits' ||
    k === 'endpointRetryAfter' ||
    k === 'openedBy' ||
    k === 'probeBy';
  const value = (k: keyof GateChange) => {
    if (k === 'probeBy') return change.probeBy ? JSON.stringify(change.probeBy) : null; // null: no probe out
    return json(k) ? JSON.stringify(change[k] ?? (k === 'openedBy' ? [] : {})) : (change[k] ?? null);
  };
  const sets = keys.map((k, i) => `${COLUMN_OF[k]} = $${i + 2}${json(k) ? '::jsonb' : ''}`);
  await q.query(`UPDATE truc.delivery_gates SET ${sets.join(', ')}, updated_at = now() WHERE system = $1`, [
    system,
    ...keys.map(value),
  ]);
}
export type DeliveryGatesRepo = ReturnType<typeof createDeliveryGatesRepo>;
