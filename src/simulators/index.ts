/**
 * The built-in simulators of every external system, started together for the demo (one seeded
 * population, so the same child appears in every system) or one at a time by `truc sim <system>`.
 */
import { both } from '../errors.js';
import { schoolYearAt } from '../canonical/school-year.js';
import { startHcmCsdlSimulator, type HcmCsdlSimulator } from './hcm-csdl/simulator.js';
import { startMoetPcgdSimulator, type MoetPcgdSimulator } from './moet-pcgd/simulator.js';
import { readSurveyFile } from './moet-pcgd/survey-file.js';
import { startSmasSimulator } from './smas/simulator.js';
import { startVneduSimulator } from './vnedu/simulator.js';
import type { SimStats } from './sim-kit.js';
import type { Faults } from './sim-faults.js';
import { countEn, loadConfig } from '../config.js';
import { COMMUNES } from './population/layout.js';

export const DEMO_SEED = 2025;
export const DEMO_SCHOOLS = 6;
const DEMO_STUDENTS_PER_SCHOOL = 40;
const DEMO_STAFF_PER_SCHOOL = 8;
/**
 * Surveyed residents who are not pupils, per commune (pcgd14): one round of the weighted ages 0–60
 * (src/simulators/population/layout.ts `resident`), so each demo commune has persons of every age an indicator
 * counts (5, 6, 11, 14, 15–60) beside its school's pupils; 240 in all left the demo's commune 26995 with no 5-, 11-
 * or 14-year-old (0/0 figures).
 */
const DEMO_RESIDENTS_PER_COMMUNE = 196;
/** The most persons the Ministry's simulator lists per demo commune: its pupils (≤ 46) and its residents. */
export const DEMO_PERSONS_PER_COMMUNE = 250;

interface Closable {
  url: string;
  close(): Promise<void>;
}

export interface DemoSimulators {
  /** Environment that points truc at the simulators (base URLs; credentials come from config/demo.yaml). */
  env: Record<string, string>;
  /** Each simulator's base URL by system (the demo's summary prints them: walk5 W5-5). */
  urls: Readonly<Record<'hcm-csdl' | 'moet-pcgd' | 'smas' | 'vnedu', string>>;
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

/**
 * The school year a simulator's population is of, the demo's and `truc sim`'s alike: the one under way at `now`
 * (Vietnam time), so the records it serves are current and the sống rules judge them as a school's live data,
 * not as last year's (review25 N6: `truc sim` served 2025-2026 in 2026-2027, every record SONG_NOT_CURRENT_YEAR).
 */
export const populationYear = (now: Date): string => schoolYearAt(now);

/** The demo's seeded population, in the school year of today ({@link populationYear}). */
export const DEMO_POPULATION = {
  seed: DEMO_SEED,
  schools: DEMO_SCHOOLS,
  studentsPerSchool: DEMO_STUDENTS_PER_SCHOOL,
  staffPerSchool: DEMO_STAFF_PER_SCHOOL,
  extraPersons: DEMO_RESIDENTS_PER_COMMUNE * COMMUNES.length,
  schoolYear: populationYear(new Date()),
};
const POPULATION = {
  schools: DEMO_POPULATION.schools,
  studentsPerSchool: DEMO_POPULATION.studentsPerSchool,
  staffPerSchool: DEMO_POPULATION.staffPerSchool,
  extraPersons: DEMO_POPULATION.extraPersons,
  schoolYear: DEMO_POPULATION.schoolYear,
};

export async function startDemoSimulators(): Promise<DemoSimulators> {
  const creds = demoCredentials();
  const hcmCsdl = await startHcmCsdlSimulator({ seed: DEMO_SEED, ...POPULATION, ...creds.hcm });
  const moetPcgd = await startMoetPcgdSimulator({
    seed: DEMO_SEED,
    population: POPULATION,
    personsPerCommune: DEMO_PERSONS_PER_COMMUNE,
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
    urls: { 'hcm-csdl': hcmCsdl.url, 'moet-pcgd': moetPcgd.url, smas: smas.url, vnedu: vnedu.url },
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

/** Size and behaviour of a standalone simulator (`truc sim` flags). */
export interface StandaloneOptions {
  port: number;
  seed: number;
  /** Schools of the population (city scale: 2,500). */
  schools: number;
  /** City scale: 680 (1.7 million students). */
  studentsPerSchool: number;
  /** City scale: 40 (100,000 staff). */
  staffPerSchool: number;
  /** Faults from the start, as `POST /__sim/faults` takes them. */
  faults?: Faults;
  /** moet-pcgd only: a JSON-lines file of survey records served for the communes it contains. */
  persons?: string;
}

/** Defaults: a city district's worth, streamed, never held in memory. */
export const STANDALONE_DEFAULTS: Omit<StandaloneOptions, 'port'> = {
  seed: DEMO_SEED,
  schools: 50,
  studentsPerSchool: 400,
  staffPerSchool: 30,
};

/** A standalone simulator: it listens, takes faults, counts what it served, and says its population's year. */
export type Standalone = Closable & {
  faults: { merge(f: Faults): void };
  stats(): SimStats;
  population: { readonly schoolYear: string };
};

/** A standalone simulator's population: its sizes, in the school year of `now` ({@link populationYear}). */
const populationOf = (o: StandaloneOptions, now: Date) => ({
  schools: o.schools,
  studentsPerSchool: o.studentsPerSchool,
  staffPerSchool: o.staffPerSchool,
  schoolYear: populationYear(now),
});

const STANDALONE: Record<string, (o: StandaloneOptions, now: Date) => Promise<Standalone>> = {
  'hcm-csdl': (o, now) =>
    startHcmCsdlSimulator({ seed: o.seed, ...populationOf(o, now), port: o.port, ...demoCredentials().hcm }),
  'moet-pcgd': (o, now) =>
    startMoetPcgdSimulator({
      seed: o.seed,
      population: populationOf(o, now),
      personsPerCommune: 500,
      port: o.port,
      ...(o.persons ? { surveyFile: readSurveyFile(o.persons) } : {}),
      ...demoCredentials().moet,
    }),
  smas: (o, now) =>
    startSmasSimulator({ seed: o.seed, ...populationOf(o, now), port: o.port, ...demoCredentials().smas }),
  vnedu: (o, now) =>
    startVneduSimulator({ seed: o.seed, ...populationOf(o, now), port: o.port, ...demoCredentials().vnedu }),
};

/** The standalone simulators' names (`truc sim <system>`). */
export const STANDALONE_SYSTEMS = Object.keys(STANDALONE);

/**
 * Starts one standalone simulator (`truc sim <system>`), its population in the school year of `now` (the demo's
 * rule, {@link populationYear}); undefined for a system it has none of.
 */
export async function startStandalone(
  system: string,
  o: StandaloneOptions,
  now: Date = new Date(),
): Promise<Standalone | undefined> {
  const start = Object.hasOwn(STANDALONE, system) ? STANDALONE[system] : undefined;
  return start?.(o, now);
}

/**
 * `truc sim <system>`: one simulator, standalone, until `until` resolves (the CLI's: SIGINT/SIGTERM, or
 * the parent gone). `watch`, when given, is called once it listens with the count of requests it has
 * answered so far, and returns what ends the watching (the CLI shows requests served and their rate).
 */
export async function runSimulator(
  system: string,
  o: StandaloneOptions,
  run: { until: () => Promise<unknown>; watch?: (requests: () => number) => () => void },
): Promise<number> {
  const sim = await startStandalone(system, o);
  if (!sim) {
    const names = STANDALONE_SYSTEMS.join(', ');
    process.stderr.write(
      `truc sim: ${both(`không có hệ thống "${system}"; một trong ${names}`, `unknown system "${system}"; one of ${names}`)}\n`,
    );
    return 2;
  }
  if (o.faults) sim.faults.merge(o.faults);
  const students = o.schools * o.studentsPerSchool;
  const year = sim.population.schoolYear;
  process.stdout.write(
    `truc sim ${system}: ${both(
      `nghe tại ${sim.url} (seed ${o.seed}, ${o.schools} trường, ${students} học sinh, ` +
        `năm học ${year}; thông tin đăng nhập: config/demo.yaml; lỗi giả lập: POST ${sim.url}/__sim/faults)`,
      `listening on ${sim.url} (seed ${o.seed}, ${countEn(o.schools, 'school')}, ${countEn(students, 'student')}, school year ${year}; ` +
        `credentials: config/demo.yaml; faults: POST ${sim.url}/__sim/faults)`,
    )}\n`,
  );
  const unwatch = run.watch?.(() => sim.stats().requests);
  await run.until();
  unwatch?.();
  await sim.close();
  return 0;
}
