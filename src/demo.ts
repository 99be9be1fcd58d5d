/**
 * `truc demo`: starts the simulators of all four systems, runs truc (API + workers) on the embedded
 * database with queues in the same database, and runs one full cycle through the real HTTP API:
 * two vendors push students of their schools (truc's canonical format and their native SMAS / vnEdu
 * formats, read from their simulators), the accepted students are delivered to the simulated city
 * database, a city admin pulls schools and students from the city database and survey persons from
 * the Ministry system, the audit chain is verified, and a summary with links is printed. It then keeps
 * serving (or exits with --once: 0 when everything checked out).
 */
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createSmasAdapter } from './adapters/smas/index.js';
import { createVneduAdapter } from './adapters/vnedu/index.js';
import { createPopulation } from './simulators/population/index.js';
import { StudentSchema } from './canonical/student.js';
import { verifyAudit } from './audit/chain.js';
import { loadConfig, PROJECT_ROOT } from './config.js';
import { createDeps } from './deps.js';
import { addClient, type NewClient } from './ops.js';
import { startApi, startWorkerRole } from './roles.js';
import { createBatchesRepo } from './store/batches.js';
import { createDeadLettersRepo } from './store/dead-letters.js';
import { createOutboxRepo } from './store/outbox.js';
import { createRecordsRepo } from './store/records.js';
import {
  DEMO_SCHOOLS,
  DEMO_SEED,
  DEMO_STAFF_PER_SCHOOL,
  DEMO_STUDENTS_PER_SCHOOL,
  demoCredentials,
  startDemoSimulators,
} from './simulators/index.js';

export interface DemoOptions {
  once: boolean;
  port?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`demo: timed out waiting for ${what}`);
    await sleep(200);
  }
}

async function json<T>(res: Response): Promise<T> {
  const body = (await res.json()) as T;
  if (!res.ok) throw new Error(`demo: HTTP ${res.status}: ${JSON.stringify(body)}`);
  return body;
}

/** The canonical student's fields, from its schema (a population record carries a few more). */
const STUDENT_FIELDS = Object.keys(StudentSchema.shape);

/** Canonical student fields, picked from a population record. */
function canonicalStudent(s: object): Record<string, unknown> {
  const r = s as Record<string, unknown>;
  return Object.fromEntries(STUDENT_FIELDS.filter((k) => r[k] !== undefined).map((k) => [k, r[k]]));
}

async function collect<T>(pages: AsyncIterable<{ items: T[] }>): Promise<T[]> {
  const out: T[] = [];
  for await (const p of pages) out.push(...p.items);
  return out;
}

interface Pushed {
  vendor: string;
  school: string;
  entity: string;
  format: string;
  statusUrl: string;
}

export async function runDemo(opts: DemoOptions): Promise<number> {
  // Always a `demo` folder of its own (under DATA_DIR when set): each demo starts from a clean slate.
  const dataDir = join(
    process.env.DATA_DIR ? resolve(process.env.DATA_DIR) : join(PROJECT_ROOT, 'data'),
    'demo',
  );
  rmSync(dataDir, { recursive: true, force: true });
  const sims = await startDemoSimulators();
  const env: Record<string, string | undefined> = {
    ...process.env,
    TRUC_PROFILE: 'demo',
    DATA_DIR: dataDir,
    DATABASE_URL: undefined,
    REDIS_URL: undefined,
    ...sims.env,
  };
  const config = loadConfig({ env });
  const deps = await createDeps(config);
  const workerRole = startWorkerRole(deps);
  let api;
  try {
    api = await startApi(deps, { port: opts.port ?? config.server.port });
  } catch (err) {
    if ((err as { code?: string }).code !== 'EADDRINUSE') throw err;
    api = await startApi(deps, { port: 0 });
  }
  const base = api.url;
  const stopAll = async (): Promise<void> => {
    await api.stop().catch(() => undefined);
    await workerRole.stop().catch(() => undefined);
    await deps.close().catch(() => undefined);
    await sims.close().catch(() => undefined);
  };
  try {
    const pop = createPopulation({
      seed: DEMO_SEED,
      schools: DEMO_SCHOOLS,
      studentsPerSchool: DEMO_STUDENTS_PER_SCHOOL,
      staffPerSchool: DEMO_STAFF_PER_SCHOOL,
    });
    const schools = Array.from({ length: DEMO_SCHOOLS }, (_, i) => pop.school(i));
    const code = (i: number): string => schools[i]!.schoolCode;
    // SMAS serves the even-indexed schools of the population, vnEdu the odd ones.
    const smasVendor = await addClient(
      deps.db,
      { name: 'SMAS (demo)', role: 'vendor', schools: [code(0), code(2), code(4)] },
      'demo',
    );
    const vneduVendor = await addClient(
      deps.db,
      { name: 'vnEdu (demo)', role: 'vendor', schools: [code(1), code(3), code(5)] },
      'demo',
    );
    const cityAdmin = await addClient(deps.db, { name: 'Sở GDĐT IT (demo)', role: 'city-admin' }, 'demo');

    const tokenOf = async (c: NewClient): Promise<Record<string, string>> => {
      const t = await json<{ access_token: string }>(
        await fetch(`${base}/oauth/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            grant_type: 'client_credentials',
            client_id: c.clientId,
            client_secret: c.clientSecret,
          }).toString(),
        }),
      );
      return { authorization: `Bearer ${t.access_token}` };
    };
    const auth = {
      smas: await tokenOf(smasVendor),
      vnedu: await tokenOf(vneduVendor),
      admin: await tokenOf(cityAdmin),
    };

    const pushed: Pushed[] = [];
    const push = async (
      vendor: 'smas' | 'vnedu',
      i: number,
      entity: string,
      format: string,
      records: unknown[],
    ) => {
      const res = await json<{ statusUrl: string }>(
        await fetch(`${base}/v1/schools/${code(i)}/batches`, {
          method: 'POST',
          headers: {
            ...auth[vendor],
            'content-type': 'application/json',
            'idempotency-key': `demo-${format}-${entity}-${code(i)}`,
          },
          body: JSON.stringify({ entity, format, records }),
        }),
      );
      pushed.push({ vendor, school: code(i), entity, format, statusUrl: res.statusUrl });
    };
    // 1. Vendors push: one school each in truc's canonical format, the others natively.
    const creds = demoCredentials();
    const smasAdapter = createSmasAdapter({ baseURL: sims.smas.url, apiKey: creds.smas.apiKey });
    const vneduAdapter = createVneduAdapter({ baseURL: sims.vnedu.url, token: creds.vnedu.token });
    await push('smas', 0, 'students', 'canonical', [...pop.studentsOfSchool(0)].map(canonicalStudent));
    await push('vnedu', 1, 'students', 'canonical', [...pop.studentsOfSchool(1)].map(canonicalStudent));
    for (const i of [2, 4]) {
      await push(
        'smas',
        i,
        'students',
        'smas',
        await collect(smasAdapter.listChanges('students', { schoolCode: code(i) })),
      );
    }
    await push(
      'smas',
      2,
      'staff',
      'smas',
      await collect(smasAdapter.listChanges('staff', { schoolCode: code(2) })),
    );
    for (const i of [3, 5]) {
      await push(
        'vnedu',
        i,
        'students',
        'vnedu',
        await collect(vneduAdapter.listChanges('students', { schoolCode: code(i) })),
      );
    }
    interface BatchResult extends Pushed {
      status: string;
      counts: { received: number; accepted: number; rejected: number; unchanged: number };
    }
    const statuses: BatchResult[] = [];
    for (const b of pushed) {
      statuses.push(
        await waitFor(`batch ${b.statusUrl}`, async () => {
          const s = await json<{
            status: string;
            counts: { received: number; accepted: number; rejected: number; unchanged: number };
          }>(await fetch(`${base}${b.statusUrl}`, { headers: auth[b.vendor as 'smas' | 'vnedu'] }));
          return s.status === 'done' || s.status === 'failed' ? { ...b, ...s } : undefined;
        }),
      );
    }
    const sum = (f: (s: BatchResult) => number): number => statuses.reduce((n, s) => n + f(s), 0);
    const acceptedStudents = sum((s) => (s.entity === 'students' ? s.counts.accepted : 0));
    const acceptedStaff = sum((s) => (s.entity === 'staff' ? s.counts.accepted : 0));
    // 2. The accepted changes reach the simulated city database.
    const atSim = await waitFor('students to reach hcm-csdl', () => {
      const n = sims.hcmCsdlReceived('students');
      return Promise.resolve(n >= acceptedStudents ? n : undefined);
    });
    // 3. The city admin pulls schools and students from the city database, and the survey persons of
    //    the demo schools' communes from the Ministry system.
    const syncs: string[] = [];
    const requestSync = async (body: object): Promise<void> => {
      const r = await json<{ statusUrl: string }>(
        await fetch(`${base}/v1/syncs`, {
          method: 'POST',
          headers: { ...auth.admin, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }),
      );
      syncs.push(r.statusUrl);
    };
    await requestSync({ system: 'hcm-csdl', entity: 'schools', full: true });
    await requestSync({ system: 'hcm-csdl', entity: 'students', full: true });
    for (const commune of new Set(schools.map((s) => s.communeCode))) {
      await requestSync({ system: 'moet-pcgd', entity: 'persons', scope: commune, full: true });
    }
    const syncResults = [];
    for (const url of syncs) {
      syncResults.push(
        await waitFor(`sync ${url}`, async () => {
          const s = await json<{
            status: string;
            system: string;
            entity: string;
            records: number;
            pages: number;
          }>(await fetch(`${base}${url}`, { headers: auth.admin }));
          return s.status === 'done' || s.status === 'failed' ? s : undefined;
        }),
      );
    }
    await waitFor('all queued work to finish', async () =>
      (await createOutboxRepo(deps.db).openCount()) === 0 ? true : undefined,
    );
    const records = createRecordsRepo(deps.db);
    const counts = {
      schools: await records.count('schools'),
      students: await records.count('students'),
      staff: await records.count('staff'),
      persons: await records.count('persons'),
    };
    const byCriterion = await createBatchesRepo(deps.db).findingCounts();
    const dead = (await createDeadLettersRepo(deps.db).openByQueue()).reduce((n, r) => n + r.open, 0);
    const audit = await verifyAudit(deps.db);
    const failedBatches = statuses.filter((s) => s.status !== 'done').length;
    const failedSyncs = syncResults.filter((s) => s.status !== 'done').length;
    const fmt = (s: BatchResult): string =>
      `    ${s.vendor.padEnd(5)} ${s.school} ${s.entity.padEnd(8)} ${s.format.padEnd(9)} received ${s.counts.received}, accepted ${s.counts.accepted}, rejected ${s.counts.rejected}`;
    const lines = [
      '',
      'truc demo — Trục dữ liệu giáo dục',
      `  simulators:      ${sims.summary}`,
      `  vendor batches:  ${statuses.length} → accepted ${acceptedStudents} students and ${acceptedStaff} staff, rejected ${sum((s) => s.counts.rejected)}`,
      ...statuses.map(fmt),
      `  at hcm-csdl:     ${atSim} students received by the simulated city database`,
      `  pulls:           ${syncResults.map((s) => `${s.system}/${s.entity} ${s.records}`).join(', ')}`,
      `  in truc:         ${counts.schools} schools, ${counts.students} students, ${counts.staff} staff, ${counts.persons} survey persons`,
      `  findings:        ${byCriterion.map((f) => `${f.criterion} ${f.severity} ${f.n}`).join(', ') || 'none'}`,
      `  dead letters:    ${dead}`,
      `  audit chain:     ${audit.ok ? `OK (${audit.rows} rows)` : `BROKEN at row ${audit.brokenAt}`}`,
      '',
      `  API docs:        ${base}/docs   (OpenAPI: ${base}/openapi.json)`,
      `  metrics:         ${base}/metrics`,
      `  readiness:       ${base}/readyz`,
      `  batch status:    ${base}${statuses[0]?.statusUrl ?? ''}  (needs a bearer token)`,
      `  findings:        ${base}${statuses[2]?.statusUrl ?? ''}/findings`,
      `  demo clients:    ${smasVendor.clientId} (SMAS), ${vneduVendor.clientId} (vnEdu), ${cityAdmin.clientId} (city admin); data in ${dataDir}`,
      '',
    ];
    process.stdout.write(lines.join('\n'));
    const ok =
      failedBatches === 0 &&
      failedSyncs === 0 &&
      audit.ok &&
      atSim >= acceptedStudents &&
      acceptedStudents > 0 &&
      counts.persons > 0;
    if (opts.once) {
      await stopAll();
      process.stdout.write(ok ? 'demo: OK\n' : 'demo: FAILED\n');
      return ok ? 0 : 1;
    }
    process.stdout.write('truc is serving; press Ctrl+C to stop.\n');
    await new Promise<void>((done) => {
      process.once('SIGINT', done);
      process.once('SIGTERM', done);
    });
    await stopAll();
    return 0;
  } catch (err) {
    await stopAll();
    throw err;
  }
}
