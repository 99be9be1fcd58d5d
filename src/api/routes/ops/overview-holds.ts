/**
 * What holds an external system's calls in the operations overview (fix36c items 1 and 3): its writes, its reads
 * (pulls), its endpoints' own circuits and the Retry-Afters holding one endpoint alone (fix37b), by the delivery gate's
 * own rules (src/jobs/gate-view.ts).
 */
import { z } from 'zod';
import { endpointCircuitsOf, readsHeld, retryAfterWaits, writesHeld } from '../../../jobs/gate-view.js';
import type { GateState } from '../../../store/delivery-gates.js';
import { iso } from '../../time.js';
import type { WaitSettings } from '../sync-run-view.js';

/** The overview's fields of a system saying what holds it. */
export const SystemHolds = z.object({
  pausedUntil: z
    .string()
    .nullable()
    .meta({
      description:
        'việc gửi tới hệ thống (mọi điểm nhận) bị giữ đến lúc này; null: không gì giữ / until when the gate holds ' +
        "the system's writes (its deliveries, every endpoint); null: nothing holds them",
    }),
  pauseReason: z
    .enum(['circuit-open', 'probe', 'retry-after'])
    .nullable()
    .meta({
      description:
        'điều giữ việc gửi: cầu dao của hệ thống mở (cả khi chỉ việc ghi làm nó mở: việc kéo vẫn chạy, xem ' +
        'reads), đang thử lại, hoặc Retry-After; null: không gì giữ (fix36c: trước đây là pause_reason của cổng, ' +
        "kể cả khi nó không giữ gì) / what holds the system's writes: its circuit open (also one its writes alone " +
        'opened: its pulls go on, see reads), a probe in flight, or a Retry-After; null: nothing holds them ' +
        "(fix36c: it was the gate's pause_reason, holding or not)",
    }),
  reads: z
    .object({
      reason: z.enum(['circuit-open', 'probe', 'retry-after']),
      since: z.string().nullable(),
      until: z.string(),
    })
    .nullable()
    .meta({
      description:
        'điều giữ việc đọc (các lượt kéo) của hệ thống lúc này; null: chúng chạy / what holds the system’s ' +
        'reads (its pulls) now: its circuit (since: when it opened), a probe in flight, or a Retry-After ' +
        '(until); null: they go',
    }),
  endpointCircuits: z
    .array(
      z.object({
        endpoint: z.string(),
        circuit: z.enum(['open', 'half-open']),
        since: z.string(),
        until: z.string().nullable(),
        heldBy: z.enum(['endpoint', 'system']).nullable(),
        reason: z.enum(['circuit-open', 'probe', 'retry-after']).nullable(),
      }),
    )
    .meta({
      description:
        'các điểm nhận có cầu dao riêng chưa đóng (chỉ việc gửi tới chúng chờ; since: lúc mở). until, heldBy, ' +
        'reason: điều giữ việc gửi tới điểm đó lúc này, như `waiting` của lô nhà cung cấp: cầu dao hoặc ' +
        'Retry-After riêng của nó (heldBy endpoint: lần thử kế tiếp hoặc hết hạn lần thử), hoặc việc tạm ngưng ' +
        'của cả hệ thống khi nó giữ lâu hơn (heldBy system: until là pausedUntil của hệ thống); cả ba null: không ' +
        'gì giữ, lần gửi kế tiếp tới điểm đó là lần thử (gates2: until từng là lúc hết tạm ngưng riêng của nó, kể ' +
        'cả khi đã qua) / the endpoints whose own circuit is not closed (only the writes to them wait; since: when ' +
        'it opened). until, heldBy, reason: what holds the writes to it now, as a vendor batch’s `waiting` says: ' +
        'its own circuit or Retry-After (heldBy endpoint: its next probe, or its probe’s lease), or the ' +
        "system's pause when that holds them (heldBy system: until is the system's pausedUntil); all three null: " +
        'nothing holds them, the next write to it is its probe (gates2: until was its own pause, even one past)',
    }),
  endpointRetryAfter: z.array(z.object({ endpoint: z.string(), until: z.string() })).meta({
    description:
      'các điểm nhận mà hệ thống yêu cầu chờ riêng (429 có Retry-After khi gửi tới hoặc đọc từ chúng): chỉ việc gửi ' +
      'tới (students:upsert) hoặc đọc từ (students:read) điểm đó chờ đến until, các việc khác vẫn chạy / the ' +
      'endpoints the system asked to wait alone (a 429 with Retry-After on a write to them, fix37b, or on a read of ' +
      "them, `<entity>:read`): only the calls to them wait until `until`, the system's other writes and reads go on; a " +
      'wait of the whole system is pausedUntil/pauseReason retry-after',
  }),
});

/**
 * What holds a system's calls now, by its gate's rules (fix36c item 1: the gate's pause_reason was shown, holding or
 * not): its writes (pausedUntil, pauseReason), its reads (pulls), its endpoints' own circuits and the Retry-Afters
 * that hold one endpoint alone (fix37b).
 */
export function holdsOf(
  gate: GateState | undefined,
  at: Date,
  delivery: WaitSettings,
): z.infer<typeof SystemHolds> {
  if (!gate)
    return {
      pausedUntil: null,
      pauseReason: null,
      reads: null,
      endpointCircuits: [],
      endpointRetryAfter: [],
    };
  const writes = writesHeld(gate, at, delivery);
  const reads = readsHeld(gate, at, delivery);
  return {
    pausedUntil: iso(writes?.until),
    pauseReason: writes?.reason ?? null,
    reads: reads ? { reason: reads.reason, since: iso(reads.since), until: iso(reads.until)! } : null,
    endpointCircuits: endpointCircuitsOf(gate, at, delivery).map((c) => ({
      endpoint: c.endpoint,
      circuit: c.circuit,
      since: iso(c.since)!,
      until: iso(c.held?.until),
      heldBy: c.held ? (c.held.endpoint === undefined ? ('system' as const) : ('endpoint' as const)) : null,
      reason: c.held?.reason ?? null,
    })),
    endpointRetryAfter: retryAfterWaits(gate, at).flatMap((w) =>
      w.endpoint === null ? [] : [{ endpoint: w.endpoint, until: iso(w.until)! }],
    ),
  };
}
