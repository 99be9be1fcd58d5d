/**
 * PCGD submit: delivers one submitted PCGD report to the Ministry's PCGD-XMC system (moet-pcgd) and
 * stores its receipt. The figures sent are read from the signed evidence package (verified first), so
 * the Ministry receives exactly what was approved and signed. The idempotency key is the version's (its id
 * and uuid, unique across a database restore), so a retry after a lost answer, or a second request, has one
 * effect; a correction is a new version with a key of its own.
 *
 * Pacing: the push queue of moet-pcgd, its configured rate limit, one job at a time (so one writer per
 * unit), and moet-pcgd's delivery gate, as every push passes its target's (./through-gate.ts):
 * a Retry-After or an open circuit stops every submission, not only the one that met it, and the
 * job held back waits without an attempt. A 429/503 with Retry-After waits that long (capped by
 * `sync.delivery.maxRetryAfterSeconds`) without using an attempt; a closed window waits
 * for it to open (the working year's `opensOn`) or, when it should be open but is not (a suspension),
 * `pcgd.delivery.closedWindowRetrySeconds`; other transient failures (5xx, timeouts) wait with exponential
 * backoff. Waiting never uses the queue's attempts; it is bounded by `pcgd.delivery.maxAttempts`. After the
 * deadline, or when the Ministry refuses the figures, the failure is permanent (a dead letter with its code).
 */
import type { SubmitResult } from '../adapters/moet-pcgd/index.js';
import { AppError, isAppError } from '../errors.js';
import { figuresFromCanonical, type FigureIndicatorCode } from '../mappings/moet-pcgd/figures.js';
import { readPackage } from '../reporting/pcgd/package.js';
import { storeReceipt } from '../reporting/pcgd/service.js';
import { verifyDetached } from '../reporting/pcgd/signing.js';
import { createOutboxRepo } from '../store/outbox.js';
import { createPcgdRepo, type DeliveryRefusal, type ReportRow } from '../store/pcgd.js';
import { pcgdSubmit } from './contracts.js';
import type { WorkerContext } from './context.js';
import { DeferJob, defineJob, PermanentJobError, type JobRun } from './define.js';
import { throughGate } from './through-gate.js';

type SubmitContext = Pick<WorkerContext, 'db' | 'logger' | 'config' | 'now' | 'ministry' | 'gates'>;

/**
 * Idempotency key of a version's delivery: its id and its own uuid (fix32a, migration 1330: after a database
 * restore the id alone is handed again to a new version, whose figures the Ministry then refused as a reused key,
 * or answered with the old version's receipt). A version made before 1330 has no uuid and keeps its old key.
 */
export const submissionKey = (row: Pick<ReportRow, 'id' | 'submission_uuid'>): string =>
  row.submission_uuid ? `truc-pcgd-report-${row.id}-${row.submission_uuid}` : `truc-pcgd-report-${row.id}`;

const VN_OFFSET_MS = 7 * 3600 * 1000;
/** Local date (Asia/Ho_Chi_Minh) of an instant, `YYYY-MM-DD`. */
const localDate = (at: Date): string => new Date(at.getTime() + VN_OFFSET_MS).toISOString().slice(0, 10);
/** Local midnight (Asia/Ho_Chi_Minh) of a `YYYY-MM-DD` date. */
const localMidnight = (iso: string): Date => new Date(`${iso}T00:00:00+07:00`);

/** What to do about a closed window: wait until a time, or give up (the deadline has passed). */
async function whenWindowOpens(
  ctx: SubmitContext,
  row: ReportRow,
): Promise<{ until: Date } | { late: string }> {
  const retry = new Date(ctx.now().getTime() + ctx.config.pcgd.delivery.closedWindowRetrySeconds * 1000);
  const wy = await ctx.ministry!.workingYear().catch(() => undefined);
  if (!wy) return { until: retry };
  const today = localDate(ctx.now());
  if (wy.year < row.year) {
    // the report's working year has not opened yet
    const opens = `${row.year}-${ctx.config.pcgd.calendar.opensOn}`;
    return { until: today < opens ? localMidnight(opens) : retry };
  }
  const w = wy.windows.find((x) => x.unitLevel === row.unit_level);
  if (wy.year > row.year || (w && today >= w.submitBefore))
    return { late: `the ${row.year} window for ${row.unit_level} units has closed` };
  if (w && today < w.opensOn) return { until: localMidnight(w.opensOn) };
  return { until: retry };
}

async function send(ctx: SubmitContext, row: ReportRow): Promise<SubmitResult> {
  const repo = createPcgdRepo(ctx.db);
  const ev = await repo.evidence(row.id);
  if (!ev) throw new AppError('ERR_PCGD_SIGNATURE_INVALID', `report ${row.id} has no evidence package`);
  const check = await verifyDetached(ev.package, ev.signature, { trusted: [ev.signer_certificate] });
  if (!check.ok || !check.trusted)
    throw new AppError(
      'ERR_PCGD_SIGNATURE_INVALID',
      `report ${row.id}: ${check.reason ?? 'untrusted signer'}`,
    );
  const pkg = readPackage(ev.package);
  const submission = figuresFromCanonical({
    unitCode: pkg.report.unitCode,
    unitLevel: pkg.report.unitLevel,
    year: pkg.report.year,
    indicators: pkg.indicators.map((i) => ({
      code: i.code as FigureIndicatorCode,
      numerator: i.numerator,
      denominator: i.denominator,
    })),
  });
  return throughGate(
    ctx,
    'moet-pcgd',
    () =>
      ctx.ministry!.submitFigures(submission.unitCode, submission.year, submission.body, {
        idempotencyKey: submissionKey(row),
      }),
    'figures:submit',
  );
}

/** At most this many of the Ministry's field errors are kept on a report, each text at most {@link REFUSAL_TEXT}. */
const REFUSAL_ERRORS = 20;
const REFUSAL_TEXT = 200;

/**
 * What the Ministry said when it refused the figures (review29 F5): its problem code (the adapter's error at the
 * empty pointer) and its field errors, capped; undefined for any other failure. Figures only, no personal data.
 */
export function refusalOf(err: unknown): DeliveryRefusal | undefined {
  if (!isAppError(err) || err.code !== 'ERR_ADAPTER_REJECTED') return undefined;
  const all = err.errors ?? [];
  const top = all.findLast((e) => e.pointer === '');
  const cap = (t: string) => t.slice(0, REFUSAL_TEXT);
  return {
    code: top ? cap(top.rule) : null,
    errors: all
      .filter((e) => e !== top)
      .slice(0, REFUSAL_ERRORS)
      .map((e) => ({ pointer: cap(e.pointer), rule: cap(e.rule), message: cap(e.message) })),
  };
}

/**
 * A send that failed, recorded on the report: the job waits for the window, for the pause its failure
 * left on the Ministry's gate (a Retry-After, capped by `sync.delivery.maxRetryAfterSeconds`, or an
 * opened circuit) or for an exponential backoff (deferred, or the error re-thrown where the job cannot
 * defer), or fails for good when the report is late, out of attempts or refused. A send the gate held
 * back before it left (the Ministry paused by an earlier answer) did not reach here: no attempt.
 */
async function onSendFailure(
  ctx: SubmitContext,
  row: ReportRow,
  job: JobRun,
  thrown: unknown,
): Promise<never> {
  // The gate hands back a failure that paused it as a DeferJob whose cause is the failure.
  const paused = thrown instanceof DeferJob ? thrown : undefined;
  const err = paused ? paused.cause : thrown;
  const repo = createPcgdRepo(ctx.db);
  const max = ctx.config.pcgd.delivery.maxAttempts;
  const refusal = refusalOf(err);
  // A refusal is kept only when the delivery ends for good (no next attempt).
  const fail = async (code: string, notBefore: Date | null) =>
    repo.recordDelivery(row.id, {
      error: code,
      notBefore,
      ...(notBefore === null && refusal ? { refusal } : {}),
    });
  const code = isAppError(err) ? err.code : 'ERR_INTERNAL';
  const outOfAttempts = row.delivery_attempts + 1 >= max;
  if (isAppError(err) && err.code === 'ERR_ADAPTER_WINDOW_CLOSED') {
    const when = await whenWindowOpens(ctx, row);
    if ('late' in when || outOfAttempts) {
      await fail(code, null);
      throw new PermanentJobError(
        'ERR_ADAPTER_WINDOW_CLOSED',
        'late' in when ? when.late : 'too many attempts',
      );
    }
    await fail(code, when.until);
    ctx.logger.info(
      { reportId: row.id, until: when.until.toISOString() },
      'pcgd submission waits for the window',
    );
    if (job.deferUntil) return job.deferUntil(when.until.getTime());
    throw err;
  }
  if (paused && !outOfAttempts) {
    const until = new Date(ctx.now().getTime() + paused.delayMs);
    await fail(code, until);
    if (job.deferUntil) return job.deferUntil(until.getTime());
    throw err;
  }
  if (outOfAttempts || (isAppError(err) && !err.retryable)) {
    await fail(code, null);
    throw new PermanentJobError(isAppError(err) ? err.code : 'ERR_INTERNAL', (err as Error).message, {
      cause: err,
    });
  }
  // Congestion without Retry-After: exponential backoff with jitter, counted by delivery attempts
  // (bounded by pcgd.delivery.maxAttempts) rather than the queue's few attempts.
  const base = ctx.config.jobs.backoffMs * 2 ** Math.min(row.delivery_attempts, 12);
  const until = new Date(ctx.now().getTime() + Math.min(base * (0.5 + Math.random()), 300_000));
  await fail(code, until);
  if (job.deferUntil) return job.deferUntil(until.getTime());
  throw err;
}

async function deliver(ctx: SubmitContext, payload: { reportId: number }, job: JobRun) {
  const repo = createPcgdRepo(ctx.db);
  const outbox = createOutboxRepo(ctx.db);
  const row = await repo.get(payload.reportId);
  // Nothing to send: unknown, already receipted, or replaced by a correction before it left.
  if (!row || row.status !== 'submitted' || row.superseded_at) {
    await outbox.markDone(job.outboxId);
    return null;
  }
  if (!ctx.ministry) throw new AppError('ERR_DEPENDENCY_UNAVAILABLE', 'moet-pcgd is not configured');
  let receipt: SubmitResult;
  try {
    receipt = await send(ctx, row);
  } catch (err) {
    // Held back by the gate before the call (the Ministry paused): no attempt made, none recorded. A call that
    // failed while another submission was out as the probe waits for the probe's outcome as if held back: the
    // queue, paused until the probe's lease ends, is woken when the circuit closes (fix33a: it recorded a delivery
    // attempt and came back a second later, unwoken).
    if (err instanceof DeferJob && (err.cause === undefined || err.reason === 'probe')) throw err;
    return onSendFailure(ctx, row, job, err);
  }
  await ctx.db.tx(async (q) => {
    await storeReceipt(
      q,
      row.id,
      {
        receiptId: receipt.receiptId,
        receivedAt: receipt.receivedAt,
        checksum: receipt.checksum,
        replayed: receipt.replayed,
      },
      ctx.now(),
    );
    await createOutboxRepo(q).markDone(job.outboxId);
  });
  ctx.logger.info(
    { reportId: row.id, unitCode: row.unit_code, year: row.year, receiptId: receipt.receiptId },
    'pcgd report receipted',
  );
  return { reportId: row.id, receiptId: receipt.receiptId };
}

/** The submit job: on moet-pcgd's push queue, one at a time, within moet-pcgd's rate limit. */
export const pcgdSubmitJob = defineJob({
  ...pcgdSubmit,
  concurrency: 1,
  limiter: (config) => ({
    max: config.systems['moet-pcgd'].rateLimit.max,
    duration: config.systems['moet-pcgd'].rateLimit.durationMs,
  }),
  process: deliver,
});
