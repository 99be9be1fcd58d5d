/**
 * The built-in simulators of every external system, started together for the demo (one seeded
 * population, so the same child appears in every system) or one at a time by `truc sim <system>`.
 */
import { startHcmCsdlSimulator, type HcmCsdlSimulator } from './adapters/hcm-csdl/simulator.js';
import { startMoetPcgdSimulator, type MoetPcgdSimulator } from './adapters/moet-pcgd/simulator.js';
import { startSmasSimulator } from './adapters/smas/simulator.js';
import { startVneduSimulator } from './adapters/vnedu/simulator.js';
import { loadConfig } from './config.js';

export const DEMO_SEED = 2025;
export const DEMO_SCHOOLS = 6;
export const DEMO_STUDENTS_PER_SCHOOL = 40;
export const DEMO_STAFF_PER_SCHOOL = 8;

interface Closable {
  url: string;
  close(): Promise<void>;
}

export interface DemoSimulators {
  /** Environment that points truc at the simulators (base URLs; credentials come from config/demo.yaml). */
  env: Record<string, string>;
  summary: string;
  hcmCsdl: HcmCsdlSimulator;
  moetPcgd: MoetPcgdSimulator;
  smas: Closable;
  vnedu: Closable;
  hcmCsdlReceived(entity: 'students' | 'staff' | 'classes' | 'schools'): number;
  close(): Promise<void>;
}

/** Credentials of each system as the demo profile gives them to truc (config/demo.yaml). */
export function demoCredentials() {
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
    smas: { apiKey: c.smas.apiKey ?? 'demo' },
    vnedu: { token: c.vnedu.token ?? 'demo' },
  };
}

const POPULATION = {
  schools: DEMO_SCHOOLS,
  studentsPerSchool: DEMO_STUDENTS_PER_SCHOOL,
  staffPerSchool: DEMO_STAFF_PER_SCHOOL,
};

export async function startDemoSimulators(): Promise<DemoSimulators> {
  const creds = demoCredentials();
  const hcmCsdl = await startHcmCsdlSimulator({ seed: DEMO_SEED, ...POPULATION, ...creds.hcm });
  const moetPcgd = await startMoetPcgdSimulator({
    seed: DEMO_SEED,
    population: POPULATION,
    personsPerCommune: 200,
    ...creds.moet,
  });
  const smas = await startSmasSimulator({ seed: DEMO_SEED, ...POPULATION, ...creds.smas });
  const vnedu = await startVneduSimulator({ seed: DEMO_SEED, ...POPULATION, ...creds.vnedu });
  return {
    env: {
      HCM_CSDL_BASE_URL: hcmCsdl.url,
      MOET_PCGD_BASE_URL: moetPcgd.url,
      SMAS_BASE_URL: smas.url,
      VNEDU_BASE_URL: vnedu.url,
    },
    summary: `hcm-csdl ${hcmCsdl.url}, moet-pcgd ${moetPcgd.url}, smas ${smas.url}, vnedu ${vnedu.url}`,
    hcmCsdl,
    moetPcgd,
    smas,
    vnedu,
    hcmCsdlReceived: (entity) => hcmCsdl.received.records(entity).length,
    async close() {
      await Promise.allSettled([hcmCsdl.close(), moetPcgd.close(), smas.close(), vnedu.close()]);
    },
  };
}

/** Sizes of a standalone simulator: a city district's worth, streamed, never held in memory. */
const STANDALONE_POPULATION = { schools: 50, studentsPerSchool: 400, staffPerSchool: 30 };

const STANDALONE: Record<string, (port: number) => Promise<Closable>> = {
  'hcm-csdl': (port) =>
    startHcmCsdlSimulator({ seed: DEMO_SEED, ...STANDALONE_POPULATION, port, ...demoCredentials().hcm }),
  'moet-pcgd': (port) =>
    startMoetPcgdSimulator({
      seed: DEMO_SEED,
      population: STANDALONE_POPULATION,
      personsPerCommune: 500,
      port,
      ...demoCredentials().moet,
    }),
  smas: (port) =>
    startSmasSimulator({ seed: DEMO_SEED, ...STANDALONE_POPULATION, port, ...demoCredentials().smas }),
  vnedu: (port) =>
    startVneduSimulator({ seed: DEMO_SEED, ...STANDALONE_POPULATION, port, ...demoCredentials().vnedu }),
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
    `truc sim ${system}: listening on ${sim.url} (credentials: config/demo.yaml; faults: POST ${sim.url}/__sim/faults)\n`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await sim.close();
  return 0;
}
