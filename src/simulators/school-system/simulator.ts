/**
 * Simulator frame shared by the per-school vendor systems (SMAS, vnEdu): the population, the data side
 * ({@link createSchoolSystemData}), routing of health / schools / listing / batch write requests, the
 * system's error answer, and record counts. Each system brings its own paths, auth, listings and wire
 * bodies through {@link SchoolSimSpec}; faults and `/__sim/*` control endpoints come from sim-kit.
 */
import { createPopulation, type Population } from '../population/index.js';
import {
  startSimServer,
  type FaultControl,
  type Faults,
  type Recorder,
  type SimContext,
  type SimRequest,
  type SimResponse,
  type SimStats,
} from '../sim-kit.js';
import type { SchoolEntity, SchoolSystemData } from './data.js';

/** Options every school-system simulator takes. */
export interface SchoolSimOptions {
  seed: number | string;
  /** Schools of the population (each system serves its share). */
  schools: number;
  /** @defaultValue 400 */
  studentsPerSchool?: number;
  /** @defaultValue 30 */
  staffPerSchool?: number;
  /** @defaultValue 0 (any free port) */
  port?: number;
  faults?: Faults;
  /** School year of the population. @defaultValue the population's default */
  schoolYear?: string;
  /** "Now" of the population data (its change times lie in the 180 days before). */
  asOf?: string;
  /** Clock for the health answer and the change time of written records. @defaultValue Date.now */
  now?: () => number;
}

/** A running school-system simulator. */
export interface SchoolSimulator<S extends string> {
  readonly system: S;
  readonly url: string;
  readonly port: number;
  /** sim-kit's log of every accepted written record (also at `GET /__sim/received`). */
  readonly received: Recorder;
  readonly faults: FaultControl;
  readonly population: Population;
  /** Codes of the schools the system serves, ascending. */
  readonly schoolCodes: readonly string[];
  /** Records served for an entity (one school or all, changed at or after `since`), written ones included. */
  count(entity: SchoolEntity, opts?: { schoolCode?: string; since?: string }): number;
  stats(): SimStats;
  close(): Promise<void>;
}

/** What one system contributes to the simulator frame. */
export interface SchoolSimSpec<S extends string, RecOf extends Record<SchoolEntity, unknown>> {
  system: S;
  createData(
    pop: Population,
    sizes: { studentsPerSchool: number; staffPerSchool: number },
  ): SchoolSystemData<RecOf>;
  /** Paths: health and schools exactly; listing and batch write with (school, entity) groups. */
  paths: { health: string; schools: string; list: RegExp; write: RegExp };
  /** Throws the system's 401 answer unless the request carries the right credential. */
  authorize(req: SimRequest): void;
  health(nowMs: number): SimResponse;
  listSchools(data: SchoolSystemData<RecOf>, q: URLSearchParams): SimResponse;
  listEntity(
    data: SchoolSystemData<RecOf>,
    pop: Population,
    entity: SchoolEntity,
    code: string,
    q: URLSearchParams,
  ): SimResponse;
  write(
    data: SchoolSystemData<RecOf>,
    pop: Population,
    entity: SchoolEntity,
    code: string,
    req: SimRequest,
    ctx: SimContext,
    now: () => number,
  ): SimResponse;
  /** Throws the system's 404 answer. */
  notFound(): never;
  /** The system's error answer for one of its own thrown failures, else undefined (rethrown). */
  errorAnswer(err: unknown): SimResponse | undefined;
}

/** Routes one request to the system's handlers. */
function router<S extends string, RecOf extends Record<SchoolEntity, unknown>>(
  spec: SchoolSimSpec<S, RecOf>,
  data: SchoolSystemData<RecOf>,
  population: Population,
  now: () => number,
) {
  return (req: SimRequest, ctx: SimContext): SimResponse => {
    spec.authorize(req);
    if (req.method === 'GET' && req.path === spec.paths.health) return spec.health(now());
    if (req.method === 'GET' && req.path === spec.paths.schools) return spec.listSchools(data, req.query);
    const listed = spec.paths.list.exec(req.path);
    if (listed && req.method === 'GET') {
      const [code, entity] = [decodeURIComponent(listed[1] ?? ''), listed[2] as SchoolEntity];
      return spec.listEntity(data, population, entity, code, req.query);
    }
    const written = spec.paths.write.exec(req.path);
    if (written && req.method === 'POST') {
      const [code, entity] = [decodeURIComponent(written[1] ?? ''), written[2] as SchoolEntity];
      return spec.write(data, population, entity, code, req, ctx, now);
    }
    return spec.notFound();
  };
}

/**
 * Starts a school-system simulator on 127.0.0.1. Deterministic for the same options: the same schools,
 * records and change times.
 */
export async function startSchoolSimulator<S extends string, RecOf extends Record<SchoolEntity, unknown>>(
  opts: SchoolSimOptions,
  spec: SchoolSimSpec<S, RecOf>,
): Promise<SchoolSimulator<S>> {
  const sizes = {
    studentsPerSchool: opts.studentsPerSchool ?? 400,
    staffPerSchool: opts.staffPerSchool ?? 30,
  };
  const population = createPopulation({
    seed: opts.seed,
    schools: opts.schools,
    ...sizes,
    ...(opts.schoolYear ? { schoolYear: opts.schoolYear } : {}),
    ...(opts.asOf ? { asOf: opts.asOf } : {}),
  });
  const data = spec.createData(population, sizes);
  const route = router(spec, data, population, opts.now ?? Date.now);

  const server = await startSimServer({
    system: spec.system,
    seed: opts.seed,
    ...(opts.faults ? { faults: opts.faults } : {}),
    ...(opts.port !== undefined ? { port: opts.port } : {}),
    handler: (req, ctx) => {
      try {
        return route(req, ctx);
      } catch (err) {
        const answer = spec.errorAnswer(err);
        if (answer === undefined) throw err;
        return answer;
      }
    },
  });

  const count = (entity: SchoolEntity, o: { schoolCode?: string; since?: string } = {}): number => {
    const since = o.since === undefined ? -Infinity : Date.parse(o.since);
    const schools =
      o.schoolCode === undefined ? data.schools : data.schools.filter((x) => x.code === o.schoolCode);
    return schools.reduce((n, x) => n + data.count(entity, x.s, since), 0);
  };

  return {
    system: spec.system,
    url: server.url,
    port: server.port,
    received: server.received,
    faults: server.faults,
    population,
    schoolCodes: data.schools.map((x) => x.code),
    count,
    stats: () => server.stats(),
    close: () => server.close(),
  };
}
