/**
 * Schedule fires (truc.schedule_fires) as the schedule tests read them, and the one check of their
 * second deliveries.
 */
import { stalledJobIds } from './redis.js';

export interface Fire {
  fire_at: Date;
  outcome: string;
  sync_run_id: string | number | null;
  duplicates: number;
}

/**
 * The fires delivered more often than BullMQ's stalled-job check explains. A fire's job (id
 * `repeat:<schedule>:<fire time in ms>`) runs once, unless its worker stalled past its lock (frozen,
 * starved on a loaded machine) and BullMQ handed it to another worker: then the fire is delivered again
 * and only counts a duplicate (test/e2e/schedule-stall.test.ts). Any other second delivery (two
 * schedulers making two jobs of one fire time) is listed.
 */
export async function duplicatesNotFromStalls(
  fires: readonly Fire[],
  scheduleId: string,
  redis: { url: string; prefix: string },
): Promise<Fire[]> {
  if (fires.every((f) => f.duplicates === 0)) return [];
  const stalled = await stalledJobIds(redis.url, redis.prefix, 'schedules');
  const stalls = (f: Fire): number =>
    stalled.filter((id) => id === `repeat:${scheduleId}:${new Date(f.fire_at).getTime()}`).length;
  return fires.filter((f) => f.duplicates > stalls(f));
}
