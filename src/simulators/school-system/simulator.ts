/**
 * Simulator frame shared by the per-school vendor systems (SMAS, vnEdu): the population and the data
 * side ({@link createSchoolSystemData}), routing of health / schools / listing / batch write / batch delete
 * requests, the school check (404 unknown, 403 not served), batch writes ({@link applyBatch}) and deletes
 * ({@link applyDelete}), query parameters,
 * and the system's error answer. Each system brings its paths, auth, listings, wording and wire bodies
 * through {@link SchoolSimSpec}; faults and `/__sim/*` control endpoints come from sim-kit.
 */
import { createPopulation, type Population } from '../population/index.js';
import { startSimServer, type SimServer } from '../sim-kit.js';
import type { Faults } from '../sim-faults.js';
import type { SimContext, SimRequest, SimResponse } from '../sim-handler.js';
import { applyBatch, applyDelete, type BatchSpec } from './batch.js';
import { refuse, type Refusal } from './http.js';
import {
  createSchoolSystemData,
  type SchoolEntity,
  type SchoolSystemData,
  type SchoolSystemSpec,
} from './data.js';

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
  /**
   * Clock for the health answer, the change time of written records and every answer's `Date` header.
   * @defaultValue Date.now
   */
  now?: () => number;
}

/** A running school-system simulator. */
export interface SchoolSimulator<S extends string> extends SimServer {
  readonly system: S;
  readonly population: Population;
  /** Codes of the schools the system serves, ascending. */
  readonly schoolCodes: readonly string[];
  /** Records served for an entity (one school or all, changed at or after `since`), written ones included. */
  count(entity: SchoolEntity, opts?: { schoolCode?: string; since?: string }): number;
}

/** What one system contributes to the simulator frame (`RecOf`: its wire record per entity). */
export interface SchoolSimSpec<
  S extends string,
  RecOf extends Record<SchoolEntity, unknown>,
  Rejection,
> extends SchoolSystemSpec<RecOf> {
  system: S;
  /** Paths: health and schools exactly; listing, batch write and batch delete with (school, entity) groups. */
  paths: { health: string; schools: string; list: RegExp; write: RegExp; remove: RegExp };
  /** Throws the system's 401 answer unless the request carries the right credential. */
  authorize(req: SimRequest): void;
  health(nowMs: number): SimResponse;
  listSchools(data: SchoolSystemData<RecOf>, q: URLSearchParams): SimResponse;
  /** One page of a served school's records (`s`: its population index, `code`: as in the path). */
  listEntity(
    data: SchoolSystemData<RecOf>,
    entity: SchoolEntity,
    s: number,
    code: string,
    q: URLSearchParams,
  ): SimResponse;
  batch: BatchSpec<Rejection>;
  refusals: { notFound: Refusal; forbiddenSchool: Refusal; unknownSchool: Refusal };
  /** The body of the system's error answer. */
  errorBody(code: string, message: string): unknown;
}

/** Population index of a school the system serves: 404 for an unknown school, 403 for one it does not serve. */
function schoolIndex<RecOf extends Record<SchoolEntity, unknown>>(
  data: SchoolSystemData<RecOf>,
  pop: Population,
  code: string,
  refusals: SchoolSimSpec<string, RecOf, unknown>['refusals'],
): number {
  const s = data.servedIndexOf(code);
  if (s !== undefined) return s;
  return refuse(pop.schoolIndexOf(code) === undefined ? refusals.unknownSchool : refusals.forbiddenSchool);
}

/** Routes one request to the system's handlers. */
function router<S extends string, RecOf extends Record<SchoolEntity, unknown>, Rejection>(
  spec: SchoolSimSpec<S, RecOf, Rejection>,
  data: SchoolSystemData<RecOf>,
  population: Population,
  now: () => number,
) {
  const target = (match: RegExpExecArray) => {
    const code = decodeURIComponent(match[1] ?? '');
    const entity = match[2] as SchoolEntity;
    return { entity, code, s: schoolIndex(data, population, code, spec.refusals) };
  };
  return (req: SimRequest, ctx: SimContext): SimResponse => {
    spec.authorize(req);
    if (req.method === 'GET' && req.path === spec.paths.health) return spec.health(now());
    if (req.method === 'GET' && req.path === spec.paths.schools) return spec.listSchools(data, req.query);
    const listed = spec.paths.list.exec(req.path);
    if (listed && req.method === 'GET') {
      const { entity, s, code } = target(listed);
      return spec.listEntity(data, entity, s, code, req.query);
    }
    const written = spec.paths.write.exec(req.path);
    if (written && req.method === 'POST')
      return applyBatch(data, target(written), req, ctx, now(), spec.batch);
    const removed = spec.paths.remove.exec(req.path);
    if (removed && req.method === 'POST') return applyDelete(data, target(removed), req, ctx, spec.batch);
    return refuse(spec.refusals.notFound);
  };
}

/**
 * Starts a school-system simulator on 127.0.0.1. Deterministic for the same options: the same schools,
 * records and change times.
 */
export async function startSchoolSimulator<
  S extends string,
  RecOf extends Record<SchoolEntity, unknown>,
  Rejection,
>(opts: SchoolSimOptions, spec: SchoolSimSpec<S, RecOf, Rejection>): Promise<SchoolSimulator<S>> {
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
  const data = createSchoolSystemData(population, sizes, spec);
  const now = opts.now ?? Date.now;
  const route = router(spec, data, population, now);
  /** The system's clock in every answer's `Date` (truc takes a listing's start from it). */
  const dated = (headers: Record<string, string> | undefined) => ({
    date: new Date(now()).toUTCString(),
    ...headers,
  });

  const server = await startSimServer({
    system: spec.system,
    seed: opts.seed,
    faults: opts.faults,
    port: opts.port,
    handler: (req, ctx) => {
      const res = route(req, ctx);
      return { ...res, headers: dated(res.headers) };
    },
    renderError: (err) => ({
      status: err.status,
      headers: dated(err.headers),
      body: spec.errorBody(err.code, err.message),
    }),
  });

  const count = (entity: SchoolEntity, o: { schoolCode?: string; since?: string } = {}): number => {
    const since = o.since === undefined ? -Infinity : Date.parse(o.since);
    const schools =
      o.schoolCode === undefined ? data.schools : data.schools.filter((x) => x.code === o.schoolCode);
    return schools.reduce((n, x) => n + data.count(entity, x.s, since), 0);
  };

  return {
    ...server,
    system: spec.system,
    population,
    schoolCodes: data.schools.map((x) => x.code),
    count,
  };
}
