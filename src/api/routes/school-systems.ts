/**
 * Which school-management system serves each school (issue 7; scope `admin`, city admins): list the
 * schools and their systems (learned from pulls and vendor batches, or set by an admin), set a school's
 * system (kept until an admin changes it: learning no longer overwrites it) and clear it. The city's
 * changes to a school's records are delivered to the system that serves it. Every change is audited.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SCHOOL_SYSTEMS } from '../../canonical/systems.js';
import { AppError, both } from '../../errors.js';
import { clearSchoolSystem as clearSystemOf, setSchoolSystem as setSystemOf } from '../../jobs/contracts.js';
import type { Db } from '../../store/db.js';
import { createSchoolSystemsRepo, type SchoolSystemRow } from '../../store/school-systems.js';
import { SchoolCode } from '../school-code.js';
import { pageOf, pageOut, pageQuery } from '../paging.js';
import { principalOf } from '../plugins/auth.js';
import { ProblemSchema } from '../problem.js';

const noSystemKnown = (school: string) =>
  both(`chưa biết hệ thống nào phục vụ trường ${school}`, `no system known for school ${school}`);

/** How truc knows which system serves a school (also the ops schools list's `schoolSystemFrom`). */
export const Source = z.enum(['pull', 'batch', 'admin']).meta({
  description:
    'pull / batch: học được từ lần kéo hoặc lô của phần mềm; admin: do quản trị đặt / ' +
    'pull / batch: learned from a pull or a vendor batch; admin: set by a city admin',
});

/**
 * Who set a school's system (fix37a, review33c N6): by name as it was when they set it, as a sync run's `requestedBy`
 * (store/actor-names.ts), and the id beside it. Here and in the operations pages' schools (./ops.ts).
 */
const SetBy = {
  setBy: z
    .string()
    .nullable()
    .meta({
      description:
        'Quản trị đã đặt (learnedFrom admin), theo tên lúc đặt (tên hiển thị của client, hoặc tên người vận hành CLI); ' +
        'người truc không biết tên: mã định danh; null: học được / the admin who set it (learnedFrom admin), by name ' +
        "as it was when they set it (the client's display name, or the CLI operator's); an actor truc knew no name " +
        'of: the id; null: learned',
    }),
  setById: z
    .string()
    .nullable()
    .meta({
      description:
        'Mã định danh quản trị đã đặt: mã client (API, bảng điều khiển) hoặc operator:cli:<tên> (lệnh truc; trước ' +
        'fix37a ở setBy); null: học được / who set it, by id: a client id (the API, the dashboard) or ' +
        'operator:cli:<name> (a truc command; in setBy before fix37a); null: learned',
    }),
};

/** The same, as the operations pages' schools name them (`schoolSystemSetBy`, `schoolSystemSetById`). */
export const SchoolSystemSetBy = { schoolSystemSetBy: SetBy.setBy, schoolSystemSetById: SetBy.setById };

const SchoolSystemView = z
  .object({
    schoolCode: z.string(),
    system: z.string(),
    learnedFrom: Source,
    ...SetBy,
    updatedAt: z.string(),
  })
  .meta({ id: 'SchoolSystem' });

// `:school`, not `:schoolCode`: this is the city's routing table, not the school's records, so the
// records' tenancy check (vendors their schools, admins read-only) does not apply; scope `admin` does.
const Params = z.object({ school: SchoolCode }).strict();
const errors = { 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema };

const view = (r: SchoolSystemRow): z.infer<typeof SchoolSystemView> => ({
  schoolCode: r.schoolCode,
  system: r.system,
  learnedFrom: r.learnedFrom,
  setBy: r.setBy,
  setById: r.setById,
  updatedAt: new Date(r.updatedAt).toISOString(),
});

type SchoolSystemApp = Parameters<FastifyPluginAsyncZod<{ db: Db; now: () => Date }>>[0];

/** Every route here: scope `admin`, tag `admin`. */
const config = { scope: 'admin' };
const common = { tags: ['admin'] };

/** Which school-management system serves each school: the list and one school. */
function readRoutes(app: SchoolSystemApp, opts: { db: Db; now: () => Date }): void {
  app.get(
    '/v1/admin/school-systems',
    {
      config,
      schema: {
        ...common,
        operationId: 'listSchoolSystems',
        summary: 'Trường nào dùng phần mềm nào / Which school-management system serves each school',
        querystring: z
          .object({
            system: z.enum(SCHOOL_SYSTEMS).optional(),
            learnedFrom: Source.optional(),
            ...pageQuery(1000, 100, 1_000_000),
          })
          .strict(),
        response: {
          200: pageOf(SchoolSystemView),
          ...errors,
        },
      },
    },
    async function listSchoolSystems(request) {
      const { system, learnedFrom, limit, offset } = request.query;
      const page = await createSchoolSystemsRepo(opts.db).list({ system, learnedFrom, limit, offset });
      return pageOut(page, { limit, offset }, view);
    },
  );

  app.get(
    '/v1/admin/school-systems/:school',
    {
      config,
      schema: {
        ...common,
        operationId: 'getSchoolSystem',
        summary: 'Phần mềm của một trường / The system that serves a school',
        params: Params,
        response: { 200: SchoolSystemView, ...errors, 404: ProblemSchema },
      },
    },
    async function getSchoolSystem(request) {
      const row = await createSchoolSystemsRepo(opts.db).get(request.params.school);
      if (!row) throw new AppError('ERR_NOT_FOUND', noSystemKnown(request.params.school));
      return view(row);
    },
  );
}

/** Set or remove the system that serves a school. */
function changeRoutes(app: SchoolSystemApp, opts: { db: Db; now: () => Date }): void {
  app.put(
    '/v1/admin/school-systems/:school',
    {
      config,
      schema: {
        ...common,
        operationId: 'setSchoolSystem',
        summary:
          'Đặt phần mềm của trường / Set the system that serves a school (kept until an admin changes it)',
        params: Params,
        body: z
          .object({ system: z.enum(SCHOOL_SYSTEMS) })
          .strict()
          .meta({ id: 'SchoolSystemSet' }),
        response: { 200: SchoolSystemView, ...errors },
      },
    },
    async function setSchoolSystem(request) {
      const actor = principalOf(request).clientId;
      const schoolCode = request.params.school;
      const { system } = request.body;
      const row = await opts.db.tx(async (q) => {
        await setSystemOf(q, { schoolCode, system, by: actor, at: opts.now() });
        return (await createSchoolSystemsRepo(q).get(schoolCode))!;
      });
      return view(row);
    },
  );

  app.delete(
    '/v1/admin/school-systems/:school',
    {
      config,
      schema: {
        ...common,
        operationId: 'clearSchoolSystem',
        summary:
          'Bỏ phần mềm của trường / Forget which system serves a school (pulls and batches may learn it again)',
        params: Params,
        response: { 204: z.null(), ...errors, 404: ProblemSchema },
      },
    },
    async function clearSchoolSystem(request, reply) {
      const actor = principalOf(request).clientId;
      const schoolCode = request.params.school;
      const removed = await opts.db.tx((q) => clearSystemOf(q, { schoolCode, by: actor, at: opts.now() }));
      if (!removed) throw new AppError('ERR_NOT_FOUND', noSystemKnown(schoolCode));
      return reply.code(204).send(null);
    },
  );
}

const schoolSystemRoutes: FastifyPluginAsyncZod<{ db: Db; now: () => Date }> =
  async function schoolSystemRoutes(app, opts) {
    readRoutes(app, opts);
    changeRoutes(app, opts);
  };
export default schoolSystemRoutes;
