/**
 * GET /v1/ops/overview (issue 11): external systems with their circuits, push targets removed from the
 * configuration that left work behind, queues, outbox lag, dead letters by code and the PCGD-XMC deadlines of the year, composed from the store, the delivery gates and the metrics.
 */
import { z } from 'zod';
import { countEn, SYSTEM_NAMES, systemConfigured, type Config } from '../../../config.js';
import {
  cityUnits,
  deadlineStanding,
  deliveryShown,
  reportYearAt,
} from '../../../reporting/pcgd/deadlines.js';
import { outdatedOfYear } from '../../../reporting/pcgd/sources.js';
import { FORGET_COMMAND, removedTargetsLeft, type RemovedTargetLeft } from '../../../jobs/dead-letters.js';
import { endpointCircuitsOf, readsHeld, writesHeld } from '../../../jobs/gate-view.js';
import type { WaitSettings } from '../syncs.js';
import { iso } from '../../time.js';
import type { Metrics } from '../../../observability/metrics.js';
import type { Db } from '../../../store/db.js';
import { createDeliveryGatesRepo, type GateState } from '../../../store/delivery-gates.js';
import { createOutboxRepo } from '../../../store/outbox.js';
import { createOverviewRepo, type PushHealth, type SystemHealth } from '../../../store/overview.js';

export const Overview = z
  .object({
    generatedAt: z.string(),
    systems: z.array(
      z.object({
        system: z.string(),
        lastSuccessAt: z.string().nullable(),
        lastFailureAt: z
          .string()
          .nullable()
          .meta({
            description:
              'lần hỏng gần nhất: lượt đồng bộ thất bại, lệnh gọi hệ thống bị lỗi hoặc lần gửi bị từ chối hẳn, cái nào ' +
              'muộn nhất / the last failure: a failed sync run, a failed call to the system (its delivery gate) or a ' +
              'delivery refused for good (its dead letter), whichever is latest',
          }),
        lastErrorCode: z.string().nullable().meta({
          description:
            'mã lỗi của lần hỏng đó; null đúng khi lastFailureAt null / that failure’s code; null exactly when lastFailureAt is',
        }),
        runs24h: z.number().int().meta({
          description:
            'lượt đồng bộ (kéo) bắt đầu trong 24 giờ qua / sync runs (pulls) started in the last 24 hours',
        }),
        failed24h: z.number().int().meta({
          description: 'trong số đó, lượt thất bại / of those, the runs that failed',
        }),
        pushDelivered24h: z
          .number()
          .int()
          .meta({
            description:
              'lần gửi (tập bản ghi) tới hệ thống đã giao xong trong 24 giờ qua / push deliveries (push sets) to the ' +
              'system delivered in the last 24 hours',
          }),
        pushFailed24h: z
          .number()
          .int()
          .meta({
            description:
              'lần gửi tới hệ thống bị đưa vào hàng lỗi (hết lượt thử hoặc bị từ chối hẳn) trong 24 giờ qua, kể cả ' +
              'lần đã gửi lại sau đó / push deliveries to the system dead-lettered (attempts exhausted or refused for ' +
              'good) in the last 24 hours, also those replayed since',
          }),
        errorRate24h: z.number().meta({
          description:
            'tỷ lệ lỗi 24 giờ: (failed24h + pushFailed24h) / (runs24h + pushDelivered24h + pushFailed24h), 0 khi ' +
            'không có gì / the 24 h error rate: (failed24h + pushFailed24h) / (runs24h + pushDelivered24h + ' +
            'pushFailed24h), 0 when there was nothing; PCGD-XMC report submissions are not counted (the pcgd ' +
            'section shows them)',
        }),
        running: z.number().int(),
        circuit: z.enum(['closed', 'open', 'half-open']).meta({
          description:
            'cầu dao của hệ thống (đóng: gọi bình thường) / the system’s circuit breaker (closed: calls flow)',
        }),
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
              until: z.string(),
            }),
          )
          .meta({
            description:
              'các điểm nhận có cầu dao riêng đang mở (chỉ việc gửi tới chúng chờ; since: lúc mở, until: lần thử kế ' +
              'tiếp hoặc hết hạn lần thử) / the endpoints whose own circuit is open (only the writes to them wait; ' +
              "since: when it opened, until: the next probe, or its probe's lease)",
          }),
      }),
    ),
    queues: z.array(z.object({ queue: z.string(), counts: z.record(z.string(), z.number()) })),
    removedTargets: z
      .array(
        z.object({
          system: z.string(),
          records: z
            .number()
            .int()
            .meta({ description: 'bản ghi chưa gửi tới nó / records never delivered to it' }),
          deadLetters: z
            .number()
            .int()
            .meta({ description: 'việc lỗi còn mở của nó / its open dead letters' }),
          hint: z.object({ vi: z.string(), en: z.string() }),
        }),
      )
      .meta({
        description:
          'Hệ thống đích đã gỡ khỏi cấu hình mà còn bản ghi chưa gửi hoặc việc lỗi còn mở: không gì gửi hay giải ' +
          'quyết chúng nữa; `truc targets forget <system>` bỏ chúng khi hệ thống đã gỡ hẳn. / Push targets removed ' +
          'from the configuration that left records undelivered or dead letters open: nothing delivers or settles ' +
          'them any more; `truc targets forget <system>` drops them once the target is gone for good.',
      }),
    outbox: z.object({ pending: z.number().int(), lagSeconds: z.number() }),
    deadLetters: z.array(z.object({ queue: z.string(), errorCode: z.string(), open: z.number().int() })),
    pcgd: z.object({
      year: z.number().int(),
      deadlines: z.object({ commune: z.string(), province: z.string() }),
      units: z.array(
        z.object({
          unitCode: z.string(),
          level: z.string(),
          status: z.string().meta({
            description:
              'trạng thái báo cáo hiện hành; none: đơn vị chưa có báo cáo nào của năm (vẫn có hạn, nguy cơ trễ, trễ) / ' +
              "the current report's status; none: the unit has no report of the year yet (it still has its deadline, " +
              'and is at risk or late by it)',
          }),
          version: z.number().int().nullable().meta({ description: 'null: no report yet' }),
          submittedAt: z.string().nullable(),
          deadline: z.string(),
          daysLeft: z.number().int(),
          state: z.enum(['submitted', 'on-track', 'at-risk', 'late']).meta({
            description:
              'như GET /v1/pcgd/deadlines: đã nộp, đúng hạn, nguy cơ trễ (chưa nộp, còn ít ngày), trễ (chưa nộp, quá hạn) / ' +
              'as GET /v1/pcgd/deadlines: submitted, on track, at risk (not submitted, few days left), late (not submitted, past the deadline)',
          }),
          submittedLate: z.boolean().meta({
            description: 'đã nộp vào hoặc sau hạn / submitted on or after the deadline',
          }),
          late: z.boolean().meta({
            description: 'đã lỡ hạn: trễ hoặc nộp trễ / missed the deadline: late or submitted late',
          }),
          atRisk: z.boolean().meta({ description: "state = 'at-risk'" }),
          deliveryError: z
            .string()
            .nullable()
            .meta({
              description:
                'mã lỗi lần gửi Bộ gần nhất khi Bộ chưa nhận báo cáo đã nộp: thất bại hẳn (bị từ chối, hết lượt, đóng cửa sổ: chưa nộp, nộp lại được) hoặc đang chờ thử lại (deliveryNotBefore); null nếu không / ' +
                "the last delivery attempt's error code while the Ministry does not hold a submitted report: failed for good (refused, out of attempts, window closed: not submitted, can be submitted again) or waiting for its next try (deliveryNotBefore); else null",
            }),
          deliveryNotBefore: z
            .string()
            .nullable()
            .meta({
              description:
                'lần gửi tới khi đang chờ sau một lần thất bại (Bộ quá tải, không trả lời); null nếu không / ' +
                'when the next try is, while the delivery waits after a failed attempt (the Ministry congested or unreachable); else null',
            }),
          outdated: z.boolean().meta({
            description:
              'như GET /v1/pcgd/deadlines: báo cáo tỉnh dựa trên phiên bản xã đã bị thay, cần tính lại / ' +
              'as GET /v1/pcgd/deadlines: a province report built on a commune version replaced since; compute it again',
          }),
        }),
      ),
    }),
  })
  .meta({ id: 'OpsOverview' });

type OverviewOut = z.infer<typeof Overview>;

/**
 * How long the overview waits for the stored-state gauges (queue depths above all) to be refreshed. A
 * person reads it, not Prometheus: longer than a scrape's bound, so a busy database shows its queues'
 * counts a little late rather than no queues at all.
 */
const OVERVIEW_REFRESH_WAIT_MS = 20_000;

/** Jobs per queue and state, from the queue gauge (refreshed just before). */
async function queueCounts(metrics: Metrics): Promise<OverviewOut['queues']> {
  const queues = new Map<string, Record<string, number>>();
  for (const v of (await metrics.queueJobs.get()).values) {
    const queue = String(v.labels.queue);
    const counts = queues.get(queue) ?? {};
    counts[String(v.labels.state)] = v.value;
    queues.set(queue, counts);
  }
  return [...queues].sort(([a], [b]) => a.localeCompare(b)).map(([queue, counts]) => ({ queue, counts }));
}

/**
 * A system's last failure and its code, both or neither (fixes26a: the gate's code was shown beside no failure
 * time): the later of its last failed sync run and its gate's last failed call (a push, a page, a probe).
 */
function lastFailureOf(
  run: Pick<SystemHealth, 'lastFailureAt' | 'lastErrorCode'>,
  gate: GateState | undefined,
  refused: { at: Date; code: string } | undefined,
): { at: Date; code: string } | undefined {
  // review27a F3: a delivery refused for good never reaches the gate; its dead letter is a failure too.
  const failures = [
    { at: run.lastFailureAt, code: run.lastErrorCode },
    { at: gate?.lastErrorAt ?? null, code: gate?.lastErrorCode ?? null },
    { at: refused?.at ?? null, code: refused?.code ?? null },
  ].filter((f): f is { at: Date; code: string } => f.at !== null && f.code !== null);
  return failures.sort((a, b) => b.at.getTime() - a.at.getTime())[0];
}

/**
 * What holds a system's calls now, by its gate's rules (fix36c item 1: the gate's pause_reason was shown, holding or
 * not): its writes (pausedUntil, pauseReason), its reads (pulls) and its endpoints' own circuits.
 */
function holdsOf(
  gate: GateState | undefined,
  at: Date,
  delivery: WaitSettings,
): Pick<OverviewOut['systems'][number], 'pausedUntil' | 'pauseReason' | 'reads' | 'endpointCircuits'> {
  if (!gate) return { pausedUntil: null, pauseReason: null, reads: null, endpointCircuits: [] };
  const writes = writesHeld(gate, at, delivery);
  const reads = readsHeld(gate, at, delivery);
  return {
    pausedUntil: iso(writes?.until),
    pauseReason: writes?.reason ?? null,
    reads: reads ? { reason: reads.reason, since: iso(reads.since), until: iso(reads.until)! } : null,
    endpointCircuits: endpointCircuitsOf(gate).map((c) => ({
      endpoint: c.endpoint,
      circuit: c.circuit,
      since: iso(c.since)!,
      until: iso(c.until)!,
    })),
  };
}

/**
 * Every configured system (review27a F1: also one that has not run yet, "—" and 0 runs) and every system with sync
 * runs or a delivery gate, with its circuit (closed until a gate says otherwise).
 */
function systemsOf(
  health: SystemHealth[],
  gates: GateState[],
  configured: readonly string[],
  refusals: Array<{ system: string; at: Date; code: string }>,
  pushes: PushHealth[],
  { at, delivery }: { at: Date; delivery: WaitSettings },
): OverviewOut['systems'] {
  const refusedOf = new Map(refusals.map((r) => [r.system, r]));
  const gateOf = new Map(gates.map((g) => [g.system, g]));
  const pushesOf = new Map(pushes.map((p) => [p.system, p]));
  const idle = {
    lastSuccessAt: null,
    lastFailureAt: null,
    lastErrorCode: null,
    runs24h: 0,
    failed24h: 0,
    running: 0,
  };
  const known = new Set(health.map((h) => h.system));
  const others = [
    ...new Set([...gates.map((g) => g.system), ...configured, ...pushes.map((p) => p.system)]),
  ].filter((s) => !known.has(s));
  const systems = [...health, ...others.map((system) => ({ ...idle, system }))].sort((a, b) =>
    a.system.localeCompare(b.system),
  );
  return systems.map((s) => {
    const gate = gateOf.get(s.system);
    const failure = lastFailureOf(s, gate, refusedOf.get(s.system));
    const { pushDelivered24h = 0, pushFailed24h = 0 } = pushesOf.get(s.system) ?? {};
    // ops29: a push target's deliveries count beside its runs (was runs only: every delivery dead-lettered read 0 %).
    const attempts = s.runs24h + pushDelivered24h + pushFailed24h;
    return {
      ...s,
      lastSuccessAt: iso(s.lastSuccessAt),
      lastFailureAt: iso(failure?.at),
      lastErrorCode: failure?.code ?? null,
      pushDelivered24h,
      pushFailed24h,
      errorRate24h: attempts ? (s.failed24h + pushFailed24h) / attempts : 0,
      circuit: gate?.circuit ?? 'closed',
      ...holdsOf(gate, at, delivery),
    };
  });
}

/**
 * The PCGD-XMC units of the year (Vietnam time) with their deadlines, days left and where they stand, by the
 * deadlines module's one rule (review27a F4: GET /v1/pcgd/deadlines and the overview answer alike), every unit of the
 * city, those without a report too (review33c F1: cityUnits). A deadline is the start (Vietnam time) of the exclusive
 * `submitBefore` day.
 */
async function pcgdOf(db: Db, cal: Config['pcgd']['calendar'], at: Date): Promise<OverviewOut['pcgd']> {
  const year = reportYearAt(at);
  const deadline = (submitBefore: string): string => new Date(`${submitBefore}T00:00:00+07:00`).toISOString();
  const [units, outdated] = await Promise.all([
    createOverviewRepo(db).pcgdUnits(year).then(cityUnits),
    outdatedOfYear(db, year),
  ]);
  return {
    year,
    deadlines: {
      commune: deadline(`${year}-${cal.communeSubmitBefore}`),
      province: deadline(`${year}-${cal.provinceSubmitBefore}`),
    },
    units: units.map(({ unitCode, level, report }) => {
      const s = deadlineStanding(cal, year, level, report, at);
      return {
        unitCode,
        level,
        status: report?.status ?? 'none',
        version: report?.version ?? null,
        ...deliveryShown(report),
        submittedAt: iso(report?.submittedAt ?? null),
        deadline: deadline(s.submitBefore),
        daysLeft: s.daysLeft,
        state: s.state,
        submittedLate: s.submittedLate,
        late: s.late,
        atRisk: s.atRisk,
        outdated: outdated.has(unitCode),
      };
    }),
  };
}

/** A removed target's counts with what to do about them, in both languages. */
function removedTarget(t: RemovedTargetLeft): OverviewOut['removedTargets'][number] {
  const command = FORGET_COMMAND.replace('<system>', t.system);
  return {
    ...t,
    hint: {
      vi: `${t.system} đã gỡ khỏi cấu hình: ${t.records} bản ghi chưa gửi, ${t.deadLetters} việc lỗi còn mở; khi đã gỡ hẳn, chạy ${command}`,
      en: `${t.system} is no longer configured: ${countEn(t.records, 'record')} undelivered, ${countEn(t.deadLetters, 'dead letter')} open; once it is gone for good, run ${command}`,
    },
  };
}

/** The operations overview at `at`. */
export async function composeOverview(
  opts: { db: Db; metrics: Metrics; config: Config },
  at: Date,
): Promise<OverviewOut> {
  await opts.metrics.refresh(OVERVIEW_REFRESH_WAIT_MS);
  const repo = createOverviewRepo(opts.db);
  const [queues, health, gates, lag, deadLetters, pcgd, removed, refusals, pushes] = await Promise.all([
    queueCounts(opts.metrics),
    repo.systemHealth(),
    createDeliveryGatesRepo(opts.db).list(),
    createOutboxRepo(opts.db).lag(),
    repo.deadLettersByCode(),
    pcgdOf(opts.db, opts.config.pcgd.calendar, at),
    removedTargetsLeft(opts.db, opts.config),
    repo.lastPushRefusals(),
    repo.pushDeliveries24h(),
  ]);
  return {
    generatedAt: at.toISOString(),
    systems: systemsOf(
      health,
      gates,
      SYSTEM_NAMES.filter((s) => systemConfigured(opts.config, s)),
      refusals,
      pushes,
      { at, delivery: opts.config.sync.delivery },
    ),
    removedTargets: removed.map(removedTarget),
    queues,
    outbox: { pending: lag.pending, lagSeconds: lag.oldestSeconds },
    deadLetters,
    pcgd,
  };
}
