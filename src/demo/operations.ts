/**
 * Step 6 of the demo (issue 11): what the city's IT staff find on the dashboard.
 *
 * - Quality scorecards: a city admin asks for a scorecard run (`POST /v1/quality/runs`) and the demo
 *   waits for the commune scorecards, so the dashboard's quality page has figures to show.
 * - A dead letter to replay: the simulated city database refuses one staff delivery with a 400 (the
 *   simulator's `status400Burst` fault, limited to the staff write path). A 400 is a permanent
 *   refusal, so the push lands in the dead letters at once; the fault is spent, so a replay from the
 *   dashboard (or `truc dead-letters replay`) delivers it.
 */
import { vietnamTimeOf } from '../canonical/school-year.js';
import { countEn } from '../config.js';
import { both } from '../errors.js';
import type { DemoActors } from './actors.js';
import { json, waitFor } from './http.js';
import type { DemoStack } from './stack.js';

/** The simulated city database's staff write path, where the demo's one refusal is injected. */
const STAFF_WRITE_PATH = '/v1/staff:batch';

/** Arms the refusal before the vendors push (step 1 pushes one staff batch). */
export function armDeadLetter(stack: DemoStack): void {
  stack.sims.hcmCsdl.faults.merge({ status400Burst: 1, paths: [STAFF_WRITE_PATH] });
}

/**
 * Takes the refusal's fault away once its one 400 was spent (runs item 4): `paths` stayed set, so a fault set later on
 * the running demo (`POST /__sim/faults {"down":true}`, `truc sim`) hit the staff write path alone. The other faults
 * stay as they are.
 */
export function disarmDeadLetter(stack: DemoStack): void {
  const faults = stack.sims.hcmCsdl.faults;
  const { paths: _paths, status400Burst: _burst, ...rest } = faults.current;
  faults.clear();
  faults.merge(rest);
}

interface CommuneCard {
  code: string;
  schools: number;
  records: number;
  overall: { percent: number; band: string };
}

interface ScheduleView {
  id: string;
  nextRunAt: string | null;
}

export interface OperationsResult {
  scorecards: CommuneCard[];
  deadLetters: number;
  /** The city's schedules the demo's scheduler keeps, each with its next run. */
  schedules: ScheduleView[];
}

/** Waits for the refused staff delivery to be dead-lettered, then computes the scorecards. */
export async function runOperationsStep(stack: DemoStack, { auth }: DemoActors): Promise<OperationsResult> {
  const { base } = stack;
  const deadLetters = await waitFor('the refused staff delivery to be dead-lettered', async () => {
    const body = await json<{ items: unknown[] }>(
      await fetch(`${base}/v1/dead-letters`, { headers: auth.admin }),
    );
    return body.items.length > 0 ? body.items.length : undefined;
  });
  disarmDeadLetter(stack);
  const asked = await fetch(`${base}/v1/quality/runs`, { method: 'POST', headers: auth.admin });
  // 409 ERR_QUALITY_RUN_UNFINISHED: a quality run is already queued or computing (a schedule's), the same scorecards.
  if (asked.status === 409) await asked.text();
  else await json(asked);
  const scorecards = await waitFor('the quality scorecards', async () => {
    const body = await json<{ items: CommuneCard[] }>(
      await fetch(`${base}/v1/quality/scorecards?level=commune`, { headers: auth.admin }),
    );
    return body.items.length > 0 ? body.items : undefined;
  });
  const schedules = await waitFor('the schedules with their next run', async () => {
    const body = await json<{ items: ScheduleView[] }>(
      await fetch(`${base}/v1/schedules`, { headers: auth.admin }),
    );
    return body.items.length > 0 && body.items.every((s) => s.nextRunAt) ? body.items : undefined;
  });
  return { scorecards, deadLetters, schedules };
}

/** A scorecard's band in Vietnamese (its English half keeps the band as the API shows it). */
const BAND_VI: Readonly<Record<string, string>> = { green: 'xanh', yellow: 'vàng', red: 'đỏ' };

/** The schedule that fires next, and when (Vietnam time: `2026-12-05 01:00 (+07)`). */
function nextFire(schedules: readonly ScheduleView[]): { id: string; at: string } | undefined {
  const next = [...schedules].sort((a, b) => Date.parse(a.nextRunAt!) - Date.parse(b.nextRunAt!))[0];
  if (!next?.nextRunAt) return undefined;
  return { id: next.id, at: vietnamTimeOf(new Date(next.nextRunAt)) };
}

/** The lines the demo prints for this step: each `vi / en` (`both`), a URL on a line of its own. */
export function operationsLines(r: OperationsResult, base: string): string[] {
  const next = nextFire(r.schedules);
  const first = next
    ? { vi: `, lịch kế tiếp: ${next.id} lúc ${next.at}`, en: `, the next: ${next.id} at ${next.at}` }
    : { vi: '', en: '' };
  return [
    ...r.scorecards.map(
      (c) =>
        `  ${both(
          `chất lượng: xã ${c.code}: ${c.overall.percent}% (${BAND_VI[c.overall.band] ?? c.overall.band}), ${c.schools} trường, ${c.records} bản ghi`,
          `quality: commune ${c.code}: ${c.overall.percent}% (${c.overall.band}), ${countEn(c.schools, 'school')}, ${countEn(c.records, 'record')}`,
        )}`,
    ),
    `  ${both(`lịch đồng bộ: ${r.schedules.length}${first.vi}`, `schedules: ${r.schedules.length}${first.en}`)}`,
    `    ${both(
      'danh sách; tạm dừng, tiếp tục hoặc chạy ngay một lịch (POST …/{id}/pause|resume|run):',
      'the list; pause, resume or run one now (POST …/{id}/pause|resume|run):',
    )}`,
    `      ${base}/v1/schedules`,
    `  ${both(
      `chờ chạy lại: ${r.deadLetters} việc lỗi (một lần gửi cán bộ bị CSDL thành phố mô phỏng từ chối có chủ ý)`,
      `to replay: ${countEn(r.deadLetters, 'dead letter')} (a staff delivery the simulated city database refused once, on purpose)`,
    )}`,
    `    ${both('chạy lại trên bảng điều khiển, trang Việc lỗi:', 'replay it on the dashboard, page Dead letters:')}`,
    `      ${base}/dashboard`,
  ];
}
