/**
 * The built-in simulators of every external system, started together for the demo (one seeded
 * population, so the same child appears in every system) or one at a time by `truc sim <system>`.
 */
import { startHcmCsdlSimulator, type HcmCsdlSimulator } from './adapters/hcm-csdl/simulator.js';
import { startMoetPcgdSimulator, type MoetPcgdSimulator } from './adapters/moet-pcgd/simulator.js';
import { loadConfig } from './config.js';

export const DEMO_SEED = 2025;
export const DEMO_SCHOOLS = 6;
export const DEMO_STUDENTS_PER_SCHOOL = 40;
const DEMO_STAFF_PER_SCHOOL = 8;

export interface DemoSimulators {
  /** Environment that points truc at the simulators (base URLs and demo credentials). */
  env: Record<string, string>;
  summary: string;
  hcmCsdl: HcmCsdlSimulator;
  moetPcgd: MoetPcgdSimulator;
  hcmCsdlReceived(entity: 'students' | 'staff' | 'classes' | 'schools'): number;
  close(): Promise<void>;
}

/** Credentials the demo profile gives truc for each system (config/demo.yaml). */
function demoCredentials() {
  const c = loadConfig({ env: { TRUC_PROFILE: 'demo' } }).systems;
  return {
    hcm: {
      clientId: c['hcm-csdl'].clientId ?? 'truc-demo',
      clientSecret: c['hcm-csdl'].clientSecret ?? 'demo',
    },
    moet: {
      clientId: c['moet-pcgd'].clientId ?? 'truc-demo',
      clientSecret: c['moet-pcgd'].clientSecret ?? 'demo',
    },
  };
}

export async function startDemoSimulators(): Promise<DemoSimulators> {
  const creds = demoCredentials();
  const population = {
    schools: DEMO_SCHOOLS,
    studentsPerSchool: DEMO_STUDENTS_PER_SCHOOL,
    staffPerSchool: DEMO_STAFF_PER_SCHOOL,
  };
  const hcmCsdl = await startHcmCsdlSimulator({ seed: DEMO_SEED, ...population, ...creds.hcm });
  const moetPcgd = await startMoetPcgdSimulator({
    seed: DEMO_SEED,
    population,
    personsPerCommune: 200,
    ...creds.moet,
  });
  return {
    env: { HCM_CSDL_BASE_URL: hcmCsdl.url, MOET_PCGD_BASE_URL: moetPcgd.url },
    summary: `hcm-csdl ${hcmCsdl.url}, moet-pcgd ${moetPcgd.url}`,
    hcmCsdl,
    moetPcgd,
    hcmCsdlReceived: (entity) => hcmCsdl.received.records(entity).length,
    async close() {
      await Promise.allSettled([hcmCsdl.close(), moetPcgd.close()]);
    },
  };
}

const STANDALONE: Record<string, (port: number) => Promise<{ url: string; close(): Promise<void> }>> = {
  'hcm-csdl': (port) =>
    startHcmCsdlSimulator({
      seed: DEMO_SEED,
      schools: 50,
      studentsPerSchool: 400,
      staffPerSchool: 30,
      port,
      ...demoCredentials().hcm,
    }),
  'moet-pcgd': (port) =>
    startMoetPcgdSimulator({ seed: DEMO_SEED, personsPerCommune: 500, port, ...demoCredentials().moet }),
};

/** `truc sim <system>`: one simulator, standalone, until SIGINT/SIGTERM. */
export async function runSimulator(system: string, port: number): Promise<number> {
  const start = STANDALONE[system];
  if (!start) {
    process.stderr.write(
      `truc sim: unknown system "${system}"; one of ${Object.keys(STANDALONE).join(', ')}\n`,
    );
    return 2;
  }
  const sim = await start(port);
  process.stdout.write(
    `truc sim ${system}: listening on ${sim.url} (demo credentials from config/demo.yaml; faults: POST ${sim.url}/__sim/faults)\n`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await sim.close();
  return 0;
}
