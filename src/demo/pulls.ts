/**
 * Steps 2 and 3 of the demo: the accepted students reach the simulated city database; then the city
 * admin pulls schools and students from the city database, and the survey persons of the demo
 * schools' communes from the Ministry system, and the demo waits until all queued work is done.
 */
import { createOutboxRepo } from '../store/outbox.js';
import type { DemoActors } from './actors.js';
import { postForStatus, waitFor, waitForStatus } from './http.js';
import type { DemoStack } from './stack.js';

export interface SyncResult {
  status: string;
  system: string;
  entity: string;
  records: number;
  pages: number;
}

/** Step 2: waits until the simulated city database holds `accepted` students; returns its count. */
export function studentsAtCityDatabase({ sims }: DemoStack, accepted: number): Promise<number> {
  return waitFor('students to reach hcm-csdl', () => {
    const n = sims.hcmCsdlReceived('students');
    return Promise.resolve(n >= accepted ? n : undefined);
  });
}

/** Step 3: the city admin's pulls, each awaited; then every outbox row delivered. */
export async function runPulls(stack: DemoStack, { auth, communes }: DemoActors): Promise<SyncResult[]> {
  const requests: object[] = [
    { system: 'hcm-csdl', entity: 'schools', full: true },
    { system: 'hcm-csdl', entity: 'students', full: true },
    ...communes.map((scope) => ({ system: 'moet-pcgd', entity: 'persons', scope, full: true })),
  ];
  const statusUrls: string[] = [];
  for (const body of requests)
    statusUrls.push(await postForStatus(`${stack.base}/v1/syncs`, auth.admin, body));
  const results: SyncResult[] = [];
  for (const url of statusUrls) results.push(await waitForStatus<SyncResult>(stack.base, url, auth.admin));
  const outbox = createOutboxRepo(stack.deps.db);
  await waitFor('all queued work to finish', async () =>
    (await outbox.openCount()) === 0 ? true : undefined,
  );
  return results;
}
