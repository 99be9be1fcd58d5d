/**
 * `truc demo`: starts the simulators, runs truc (API + workers) on the embedded database and queues
 * in the same database, registers a demo vendor, pushes synthetic students of several schools
 * through the real HTTP API, waits until they reach the simulated city database, verifies the audit
 * chain, prints a summary with links, and keeps serving (or exits with --once).
 */
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { verifyAudit } from './audit/chain.js';
import { loadConfig, PROJECT_ROOT } from './config.js';
import { createDeps } from './deps.js';
import { addClient } from './ops.js';
import { startApi, startWorkerRole } from './roles.js';
import { createPopulation } from './adapters/population/index.js';
import { startDemoSimulators, DEMO_SEED, DEMO_SCHOOLS, DEMO_STUDENTS_PER_SCHOOL } from './simulators.js';

export interface DemoOptions {
  once: boolean;
  port?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
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

/** Canonical student fields, picked from a population record. */
function canonicalStudent(s: Record<string, unknown>): Record<string, unknown> {
  const keys = [
    'studentCode',
    'schoolCode',
    'classCode',
    'schoolYear',
    'grade',
    'personalId',
    'fullName',
    'birthDate',
    'sex',
    'ethnicityCode',
    'status',
    'statusDate',
    'disability',
    'residenceCommuneCode',
  ];
  return Object.fromEntries(keys.filter((k) => s[k] !== undefined).map((k) => [k, s[k]]));
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
    });
    const schoolIdx = Array.from({ length: DEMO_SCHOOLS }, (_, i) => i);
    const schoolCodes = schoolIdx.map((i) => pop.school(i).schoolCode);
    const vendor = await addClient(
      deps.db,
      { name: 'Demo vendor (SMAS-like)', role: 'vendor', schools: schoolCodes },
      'demo',
    );
    const tokenRes = await json<{ access_token: string }>(
      await fetch(`${base}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: vendor.clientId,
          client_secret: vendor.clientSecret,
        }).toString(),
      }),
    );
    const auth = { authorization: `Bearer ${tokenRes.access_token}` };
    const batches: Array<{ batchId: string; statusUrl: string; school: string }> = [];
    for (const i of schoolIdx) {
      const records = [...pop.studentsOfSchool(i)].map((s) =>
        canonicalStudent(s as unknown as Record<string, unknown>),
      );
      const res = await json<{ batchId: string; statusUrl: string }>(
        await fetch(`${base}/v1/schools/${schoolCodes[i]}/batches`, {
          method: 'POST',
          headers: {
            ...auth,
            'content-type': 'application/json',
            'idempotency-key': `demo-${schoolCodes[i]}`,
          },
          body: JSON.stringify({ entity: 'students', format: 'canonical', records }),
        }),
      );
      batches.push({ ...res, school: schoolCodes[i]! });
    }
    const statuses = [];
    for (const b of batches) {
      statuses.push(
        await waitFor(`batch ${b.batchId}`, async () => {
          const s = await json<{
            status: string;
            counts: { received: number; accepted: number; rejected: number; unchanged: number };
          }>(await fetch(`${base}${b.statusUrl}`, { headers: auth }));
          return s.status === 'done' || s.status === 'failed' ? s : undefined;
        }),
      );
    }
    const accepted = statuses.reduce((n, s) => n + s.counts.accepted, 0);
    const rejected = statuses.reduce((n, s) => n + s.counts.rejected, 0);
    const received = statuses.reduce((n, s) => n + s.counts.received, 0);
    const atSim = await waitFor('students to reach hcm-csdl', () => {
      const n = sims.hcmCsdlReceived('students');
      return Promise.resolve(n >= accepted ? n : undefined);
    });
    const audit = await verifyAudit(deps.db);
    const failed = statuses.filter((s) => s.status !== 'done').length;
    const lines = [
      '',
      'truc demo — Trục dữ liệu giáo dục',
      `  simulators:      ${sims.summary}`,
      `  schools:         ${schoolCodes.length} (${schoolCodes.join(', ')})`,
      `  students pushed: ${received} in ${batches.length} batches → accepted ${accepted}, rejected ${rejected} (see findings)`,
      `  at hcm-csdl:     ${atSim} students received by the simulated city database`,
      `  audit chain:     ${audit.ok ? `OK (${audit.rows} rows)` : `BROKEN at row ${audit.brokenAt}`}`,
      '',
      `  API docs:        ${base}/docs   (OpenAPI: ${base}/openapi.json)`,
      `  metrics:         ${base}/metrics`,
      `  readiness:       ${base}/readyz`,
      `  batch status:    ${base}${batches[0]?.statusUrl ?? ''}  (needs a bearer token)`,
      `  findings:        ${base}${batches[0]?.statusUrl ?? ''}/findings`,
      `  demo vendor:     client_id=${vendor.clientId} (secret printed once at creation; data in ${dataDir})`,
      '',
    ];
    process.stdout.write(lines.join('\n'));
    const ok = failed === 0 && audit.ok && atSim >= accepted && accepted > 0;
    if (opts.once) {
      await stopAll();
      process.stdout.write(ok ? 'demo: OK\n' : 'demo: FAILED\n');
      return ok ? 0 : 1;
    }
    process.stdout.write('truc is serving; press Ctrl+C to stop.\n');
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await stopAll();
    return 0;
  } catch (err) {
    await stopAll();
    throw err;
  }
}
