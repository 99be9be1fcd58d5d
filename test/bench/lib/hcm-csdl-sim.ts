/**
 * The hcm-csdl simulator of the benches, in a child process of its own (this file, started through
 * tsx), so that its RSS is its own and it does not share this process's event loop: `startSimChild`
 * spawns it and resolves once it listens. `studentPages` reads its student feed without truc's client
 * (fetch + one JSON.parse a page), the bare baseline the benches compare against.
 */
import { fileURLToPath } from 'node:url';
import { startHcmCsdlSimulator } from '../../../src/simulators/hcm-csdl/simulator.js';
import { spawnTs, type Child } from './procs.js';

export const SIM_CREDENTIALS = { clientId: 'bench', clientSecret: 'bench-secret' };
/** Students per school of the benches' populations. */
export const SIM_STUDENTS_PER_SCHOOL = 680;
/** Records per page of the benches' reads. */
export const SIM_PAGE = 1000;

const CHILD_ENV = 'TRUC_BENCH_HCM_CSDL_SIM';

export interface SimSpec {
  seed: string;
  schools: number;
  /** The population's school year; the simulator's default when absent. */
  schoolYear?: string;
  /** Staff per school (the city: 40); 1 when absent. */
  staffPerSchool?: number;
}

/** Starts the simulator in a child process; resolves with the process and its URL once it listens. */
export async function startSimChild(spec: SimSpec): Promise<{ sim: Child; url: string }> {
  const sim = spawnTs(fileURLToPath(import.meta.url), [], { [CHILD_ENV]: JSON.stringify(spec) });
  try {
    return { sim, url: (JSON.parse(await sim.line(/^\{/, 180_000)) as { url: string }).url };
  } catch (err) {
    await sim.stop();
    throw err;
  }
}

/** A bearer token of the simulator (client credentials, form-encoded as its token endpoint wants). */
export async function simToken(url: string): Promise<string> {
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: SIM_CREDENTIALS.clientId,
    client_secret: SIM_CREDENTIALS.clientSecret,
  });
  const res = await fetch(`${url}/oauth/token`, { method: 'POST', body: form });
  return ((await res.json()) as { access_token: string }).access_token;
}

/** The student pages of the feed in order (at most `maxPages`): each page's body and its record count. */
export async function* studentPages(
  url: string,
  token: string,
  maxPages = 100_000,
): AsyncGenerator<{ text: string; records: number }> {
  let cursor: string | undefined;
  for (let i = 0; i < maxPages; i++) {
    const query = cursor ? `cursor=${encodeURIComponent(cursor)}&limit=${SIM_PAGE}` : `limit=${SIM_PAGE}`;
    const res = await fetch(`${url}/v1/students?${query}`, { headers: { authorization: `Bearer ${token}` } });
    const text = await res.text();
    const page = JSON.parse(text) as { data: unknown[]; nextCursor?: string };
    yield { text, records: page.data.length };
    cursor = page.nextCursor;
    if (!cursor) return;
  }
}

/** Child mode: start the simulator and print its URL as the first stdout line. */
async function serveChild(json: string): Promise<void> {
  const spec = JSON.parse(json) as SimSpec;
  const sim = await startHcmCsdlSimulator({
    seed: spec.seed,
    schools: spec.schools,
    studentsPerSchool: SIM_STUDENTS_PER_SCHOOL,
    staffPerSchool: spec.staffPerSchool ?? 1,
    tombstoneRate: 0,
    ...(spec.schoolYear ? { schoolYear: spec.schoolYear } : {}),
    ...SIM_CREDENTIALS,
  });
  process.stdout.write(`${JSON.stringify({ url: sim.url })}\n`);
  process.once('SIGTERM', () => void sim.close().then(() => process.exit(0)));
}

const childSpec = process.env[CHILD_ENV];
if (childSpec !== undefined) void serveChild(childSpec);
