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
import type { DemoActors } from './actors.js';
import { json, waitFor } from './http.js';
import type { DemoStack } from './stack.js';

/** The simulated city database's staff write path, where the demo's one refusal is injected. */
const STAFF_WRITE_PATH = '/v1/staff:batch';

/** Arms the refusal before the vendors push (step 1 pushes one staff batch). */
export function armDeadLetter(stack: DemoStack): void {
  stack.sims.hcmCsdl.faults.merge({ status400Burst: 1, paths: [STAFF_WRITE_PATH] });
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
  await json(await fetch(`${base}/v1/quality/runs`, { method: 'POST', headers: auth.admin }));
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

/** The schedule that fires next: `hcm-csdl-schools-nightly at 2026-12-05T01:00 (Vietnam)`. */
function nextFire(schedules: readonly ScheduleView[]): string {
  const next = [...schedules].sort((a, b) => Date.parse(a.nextRunAt!) - Date.parse(b.nextRunAt!))[0];
  if (!next?.nextRunAt) return '';
  const local = new Date(Date.parse(next.nextRunAt) + 7 * 3_600_000).toISOString().slice(0, 16);
  return `${next.id} at ${local} (Vietnam)`;
}

/** The lines the demo prints for this step. */
export function operationsLines(r: OperationsResult, base: string): string[] {
  return [
    ...r.scorecards.map(
      (c, i) =>
        `  ${i === 0 ? 'chất lượng / quality:' : ''.padEnd(21)} commune ${c.code}: ${c.overall.percent}% (${c.overall.band}), ${c.schools} trường / schools, ${c.records} bản ghi / records`,
    ),
    `  lịch chạy / schedules: ${r.schedules.length}, the next: ${nextFire(r.schedules)} (lịch kế tiếp); danh sách / list ${base}/v1/schedules,`,
    `                   tạm dừng, tiếp tục, chạy ngay / pause, resume or run one now: POST ${base}/v1/schedules/{id}/pause|resume|run`,
    `  chờ chạy lại / to replay: ${r.deadLetters} dead letter (a staff delivery the simulated city database refused once, on purpose / một lần gửi cán bộ bị CSDL mô phỏng từ chối có chủ ý):`,
    `                   chạy lại trên / replay it on ${base}/dashboard → Việc lỗi / Dead letters`,
  ];
}
