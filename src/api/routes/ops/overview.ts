/**
 * GET /v1/ops/overview (issue 11): external systems with their circuits, push targets removed from the
 * configuration that left work behind, queues, outbox lag, dead letters by code and the PCGD-XMC deadlines of the year, composed from the store, the delivery gates and the metrics.
 */
import { z } from 'zod';
import { countEn, SYSTEM_NAMES, systemConfigured, type Config } from '../../../config.js';
import { FORGET_COMMAND, removedTargetsLeft, type RemovedTargetLeft } from '../../../jobs/dead-letters.js';
import { probeOut } from '../../../jobs/gate-view.js';
import type { WaitSettings } from '../sync-run-view.js';
import { iso } from '../../time.js';
import type { Metrics } from '../../../observability/metrics.js';
import { STORED_STATE_WAIT_MS } from '../../../observability/scrape-hooks.js';
import type { Db } from '../../../store/db.js';
import { createDeliveryGatesRepo, type GateState } from '../../../store/delivery-gates.js';
import { createGuardHoldsRepo } from '../../../store/guard-holds.js';
import { createOutboxRepo } from '../../../store/outbox.js';
import { createOverviewRepo, type PushHealth, type SystemHealth } from '../../../store/overview.js';
import { holdsOf, SystemHolds } from './overview-holds.js';
import { ifProbeFailsOf, ProbeByShown, ProbeFails } from './overview-probe.js';
import { OverviewPcgd, pcgdOf } from './overview-pcgd.js';

export const Overview = z
  .object({
    generatedAt: z.string(),
    systems: z.array(
      z.object({
        system: z.string(),
        lastSuccessAt: z
          .string()
          .nullable()
          .meta({
            description:
              'lần thành công gần nhất: lượt đồng bộ xong, lần gửi được hệ thống nhận (tập bản ghi, báo cáo PCGD được Bộ ' +
              'xác nhận), cái nào muộn nhất / the last success: a sync run done or a delivery the system took (a push ' +
              'set, a PCGD report the Ministry receipted), whichever is latest',
          }),
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
        openedBy: z.array(z.string()).meta({
          description:
            'cầu dao của hệ thống (khi không đóng) mở do lỗi của những bên gọi này: một điểm nhận (students:upsert, ' +
            'việc đọc students:read), writes/reads cho lần gọi không nêu điểm nhận; cả những bên lỗi từ lúc nó mở; ' +
            'chỉ một điểm nhận (hệ thống có cầu dao riêng cho từng điểm nhận): cầu dao được giao cho điểm nhận đó ' +
            "(xem endpointCircuits), trừ khi thông tin đăng nhập bị từ chối đã mở nó (ifProbeFails); rỗng khi đóng / who opened the system's circuit (while it is not closed): the " +
            'callers whose last call failed, an endpoint (students:upsert, a read of students:read) or writes/reads ' +
            'for a call without one, those failing since it opened too; one endpoint alone (a system whose ' +
            "endpoints have circuits of their own): the circuit is handed over to that endpoint's own at its probe " +
            '(see endpointCircuits), unless refused credentials opened it (ifProbeFails); empty while it is closed',
        }),
        probeBy: ProbeByShown.meta({
          description:
            'ai đang thử cầu dao của hệ thống (khi half-open): bên gọi (điểm nhận, việc đọc students:read, ' +
            'writes/reads) và tiến trình truc (máy:pid), ghi khi lần thử bắt đầu, xoá khi nó kết thúc; null khi ' +
            "không thử (kể cả khi lần thử đã hết hạn) hoặc chưa ghi / who probes the system's circuit (while half-open): the caller (an endpoint, a " +
            'read of students:read, writes/reads) and the truc process (host:pid), recorded when the probe is taken, ' +
            'cleared when it ends; null while not probing (its lease ran out too: the next call probes) or not recorded',
        }),
        ifProbeFails: ProbeFails,
        ...SystemHolds.shape,
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
    guardHolds: z
      .object({
        waiting: z.number().int(),
        oldestAt: z.string().nullable(),
      })
      .meta({
        description:
          'Thay đổi hàng loạt bị giữ chờ quản trị Sở quyết định (lô, trang của lượt đồng bộ, đối soát; GET ' +
          '/v1/guard/holds?status=held): số lượng, và lúc thay đổi chờ lâu nhất bị giữ (null: không có). Lịch có lượt bị ' +
          'giữ không yêu cầu lượt mới tới khi quyết định / mass changes held for a city admin’s decision (batches, sync ' +
          'run pages, reconciliations; GET /v1/guard/holds?status=held): how many, and when the longest-waiting was ' +
          'held (null: none). A schedule whose run is held requests no other until it is decided (walk6 W6-2)',
      }),
    pcgd: OverviewPcgd,
  })
  .meta({ id: 'OpsOverview' });

type OverviewOut = z.infer<typeof Overview>;

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

/** A system with no sync run yet. */
const IDLE = {
  lastSuccessAt: null,
  lastFailureAt: null,
  lastErrorCode: null,
  runs24h: 0,
  failed24h: 0,
  running: 0,
} as const;

const later = (a: Date | null, b: Date | null): Date | null => (a && b ? (a > b ? a : b) : (a ?? b));

/**
 * Every configured system (review27a F1: also one that has not run yet, "—" and 0 runs) and every system with sync
 * runs or a delivery gate, with its circuit (closed until a gate says otherwise).
 */
function systemsOf(
  health: SystemHealth[],
  gates: GateState[],
  configured: readonly string[],
  {
    refusals,
    pushes,
    delivered,
  }: {
    refusals: Array<{ system: string; at: Date; code: string }>;
    pushes: PushHealth[];
    /** Each system's last delivery it took (a push set, a PCGD receipt): a success as a sync run's is (W5-2). */
    delivered: Array<{ system: string; at: Date }>;
  },
  {
    at,
    delivery,
  }: {
    at: Date;
    delivery: WaitSettings & Pick<Config['sync']['delivery'], 'openMs' | 'maxOpenMs' | 'endpointCircuits'>;
  },
): OverviewOut['systems'] {
  const refusedOf = new Map(refusals.map((r) => [r.system, r]));
  const gateOf = new Map(gates.map((g) => [g.system, g]));
  const pushesOf = new Map(pushes.map((p) => [p.system, p]));
  const deliveredOf = new Map(delivered.map((d) => [d.system, d.at]));
  const known = new Set(health.map((h) => h.system));
  const others = [
    ...new Set([
      ...gates.map((g) => g.system),
      ...configured,
      ...pushes.map((p) => p.system),
      ...deliveredOf.keys(),
    ]),
  ].filter((s) => !known.has(s));
  const systems = [...health, ...others.map((system) => ({ ...IDLE, system }))].sort((a, b) =>
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
      lastSuccessAt: iso(later(s.lastSuccessAt, deliveredOf.get(s.system) ?? null)),
      lastFailureAt: iso(failure?.at),
      lastErrorCode: failure?.code ?? null,
      pushDelivered24h,
      pushFailed24h,
      errorRate24h: attempts ? (s.failed24h + pushFailed24h) / attempts : 0,
      circuit: gate?.circuit ?? 'closed',
      openedBy: gate && gate.circuit !== 'closed' ? (gate.openedBy ?? []) : [],
      // words6 item 5b: a probe whose lease ran out is not shown as out (the next call probes).
      probeBy: gate && probeOut(gate, at) ? (gate.probeBy ?? null) : null,
      ifProbeFails: ifProbeFailsOf(s.system, gate, delivery, at),
      ...holdsOf(gate, at, delivery),
    };
  });
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
  await opts.metrics.refresh(STORED_STATE_WAIT_MS);
  const repo = createOverviewRepo(opts.db);
  const [queues, health, gates, lag, deadLetters, pcgd, removed, refusals, pushes, delivered, held] =
    await Promise.all([
      queueCounts(opts.metrics),
      repo.systemHealth(),
      createDeliveryGatesRepo(opts.db).list(),
      createOutboxRepo(opts.db).lag(),
      repo.deadLettersByCode(),
      pcgdOf(opts.db, opts.config.pcgd.calendar, at),
      removedTargetsLeft(opts.db, opts.config),
      repo.lastPushRefusals(),
      repo.pushDeliveries24h(),
      repo.lastDeliveries(SYSTEM_NAMES),
      createGuardHoldsRepo(opts.db).waiting(),
    ]);
  return {
    generatedAt: at.toISOString(),
    systems: systemsOf(
      health,
      gates,
      SYSTEM_NAMES.filter((s) => systemConfigured(opts.config, s)),
      { refusals, pushes, delivered },
      { at, delivery: opts.config.sync.delivery },
    ),
    removedTargets: removed.map(removedTarget),
    queues,
    outbox: { pending: lag.pending, lagSeconds: lag.oldestSeconds },
    deadLetters,
    guardHolds: { waiting: held.waiting, oldestAt: iso(held.oldestAt) },
    pcgd,
  };
}
