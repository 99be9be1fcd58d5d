/**
 * A PCGD-XMC officer pulls its own commune's survey persons before computing (fix30a, review29 F6): `POST` asks for a
 * pull of the commune (src/jobs/persons-pull.ts: the sync run an admin's `POST /v1/syncs` makes, audited
 * `sync.requested` under the officer's client id; the pull already under way answered instead of a second), `GET`
 * says when the commune's persons were last pulled, whether a pull is under way, and how its newest pull stands. On a
 * commune the caller does not cover: 403 ERR_FORBIDDEN_UNIT, nothing read or changed (src/reporting/pcgd/access.ts,
 * `pull` as `compute`).
 */
import { z } from 'zod';
import { isCommuneCode } from '../../../canonical/codes/admin-units.js';
import { AppError, both } from '../../../errors.js';
import { communeNotCurrent, requestPersonsPull } from '../../../jobs/contracts.js';
import { requireUnit } from '../../../reporting/pcgd/access.js';
import { ministryWaitOf, pullStateOf } from '../../../reporting/pcgd/persons-pulled.js';
import { createPersonsPullsRepo } from '../../../store/persons-pulls.js';
import type { PcgdApp, PcgdContext, PcgdRouteOptions } from './context.js';
import { errors, personsPullFields, read, write } from './schemas.js';

const CommuneParams = z
  .object({
    communeCode: z
      .string()
      .regex(/^\d{5}$/, both('mã xã 5 chữ số (ví dụ 26995)', 'a 5-digit commune code (e.g. 26995)'))
      .meta({ description: 'Mã xã 5 chữ số / 5-digit commune code' }),
  })
  .strict();

const PullRequest = z
  .object({
    full: z
      .boolean()
      .default(false)
      .meta({
        description:
          'Kéo toàn bộ (bỏ qua mốc; xoá cả những người Bộ không còn liệt kê) / pull everything, ignoring the ' +
          'watermark (it also deletes the persons the Ministry no longer lists)',
      }),
  })
  .strict()
  .meta({ id: 'PcgdPersonsPullRequest' });

const PullAccepted = z
  .object({
    communeCode: z.string(),
    syncRunId: z.number().int(),
    status: z.enum(['queued', 'running', 'held', 'done', 'failed']),
    queued: z.boolean().meta({
      description:
        'false: một lần kéo dữ liệu của xã chưa xong (xếp hàng, đang chạy hoặc đang chờ quản trị viên quyết định), ' +
        'trả về lần đó, không xếp thêm / a pull of the commune was unfinished (queued, running, or held for a city ' +
        "admin's decision): that one is answered, nothing more is queued",
    }),
    statusUrl: z.string(),
  })
  .meta({ id: 'PcgdPersonsPullAccepted' });

const PullState = z
  .object({
    communeCode: z.string(),
    ...personsPullFields,
    lastPull: z
      .object({
        syncRunId: z.number().int(),
        status: z.enum(['queued', 'running', 'held', 'done', 'failed']).meta({
          description:
            'held: chờ quản trị Sở quyết định (thay đổi lớn bất thường) / held: waiting for a city admin (a mass change)',
        }),
        full: z.boolean(),
        records: z.number().int(),
        errorCode: z.string().nullable(),
        createdAt: z.string(),
        finishedAt: z.string().nullable(),
        waitingForMinistry: z
          .object({ errorCode: z.string(), notBefore: z.string() })
          .nullable()
          .meta({
            description:
              'lần kéo (xếp hàng hoặc đang chạy) đang chờ hệ thống của Bộ: lỗi gặp (ERR_ADAPTER_RATE_LIMITED: Bộ quá tải, ' +
              'Retry-After; hoặc lỗi làm ngắt mạch) và lúc hỏi lại Bộ; null nếu không chờ / the pull (queued or running) ' +
              "waits for the Ministry's system: the error met (ERR_ADAPTER_RATE_LIMITED: the Ministry congested, " +
              'Retry-After; or the error that opened the circuit) and when the Ministry is asked again; null when not waiting',
          }),
      })
      .nullable()
      .meta({ description: 'lần kéo mới nhất / the newest pull; null when none was ever asked for' }),
  })
  .meta({ id: 'PcgdPersonsPull' });

const SUMMARY_POST =
  'Kéo dữ liệu điều tra (người) của một xã từ PCGD-XMC trước khi tính (xếp hàng) / ' +
  'Pull a commune’s survey persons from PCGD-XMC before computing (queued)';
const DESCRIPTION_POST =
  '202 với lần kéo mới, hoặc lần đang xếp hàng/đang chạy (queued: false). 403 ERR_FORBIDDEN_UNIT: xã ngoài đơn vị ' +
  'của ứng dụng, không thay đổi gì. 400 ERR_SYSTEM_NOT_CONFIGURED: truc chưa cấu hình PCGD-XMC. 400 ERR_SCOPE_UNKNOWN: ' +
  'không phải mã một xã hiện hành (mã cũ: nêu mã mới), trước khi xét quyền. / 202 with the pull queued, or the one already queued or running (queued: false). ' +
  '403 ERR_FORBIDDEN_UNIT: a commune the client does not cover; nothing changes. 400 ERR_SYSTEM_NOT_CONFIGURED: truc ' +
  'is not configured for PCGD-XMC. 400 ERR_SCOPE_UNKNOWN: no current commune (an old code: what it became), before ' +
  'any right is looked at.';

/**
 * A code that is no current commune is refused as an admin's pull of it is (400 ERR_SCOPE_UNKNOWN; an old code's detail
 * says what it became), before the caller's rights (pcgd13: an officer typing an old code was told it may not act).
 */
function currentCommune(code: string): void {
  if (!isCommuneCode(code)) throw new AppError('ERR_SCOPE_UNKNOWN', communeNotCurrent(code));
}

const statusUrl = (code: string) => `/v1/pcgd/communes/${code}/persons-pull`;

/** `POST`: a pull of the commune's persons, queued (or the one under way). */
function requestRoute(app: PcgdApp, opts: PcgdRouteOptions, ctx: PcgdContext): void {
  const { actorOf } = ctx;
  app.post(
    '/v1/pcgd/communes/:communeCode/persons-pull',
    {
      ...write,
      schema: {
        operationId: 'pullPcgdCommunePersons',
        tags: ['pcgd'],
        summary: SUMMARY_POST,
        description: DESCRIPTION_POST,
        params: CommuneParams,
        body: PullRequest.nullish(),
        response: { 202: PullAccepted, ...errors },
      },
    },
    async function pullPersons(request, reply) {
      const actor = actorOf(request);
      const { communeCode } = request.params;
      currentCommune(communeCode);
      requireUnit(actor, 'pull', communeCode);
      const pull = await opts.db.tx((q) =>
        requestPersonsPull(opts.config, q, {
          communeCode,
          full: request.body?.full ?? false,
          requestedBy: actor.clientId,
          at: opts.now(),
        }),
      );
      void reply.header('location', statusUrl(communeCode));
      return reply.code(202).send({
        communeCode,
        syncRunId: pull.syncRunId,
        status: pull.status,
        queued: pull.queued,
        statusUrl: statusUrl(communeCode),
      });
    },
  );
}

/** `GET`: when the commune's persons were last pulled, whether a pull is under way, and its newest pull. */
function stateRoute(app: PcgdApp, opts: PcgdRouteOptions, ctx: PcgdContext): void {
  const { actorOf } = ctx;
  app.get(
    '/v1/pcgd/communes/:communeCode/persons-pull',
    {
      ...read,
      schema: {
        operationId: 'getPcgdCommunePersonsPull',
        tags: ['pcgd'],
        summary:
          'Dữ liệu điều tra của xã được kéo lúc nào, có đang kéo không / When a commune’s survey persons were last ' +
          'pulled, whether a pull is under way, and its newest pull',
        params: CommuneParams,
        response: { 200: PullState, ...errors },
      },
    },
    async function personsPull(request) {
      const { communeCode } = request.params;
      currentCommune(communeCode);
      requireUnit(actorOf(request), 'read', communeCode);
      // One statement (pcgd14 left): the state and the newest pull agree, whatever finishes meanwhile.
      const { pulled, last } = await createPersonsPullsRepo(opts.db).stateOf(communeCode);
      // review31 F6: a pull under way while the Ministry's gate holds its calls says so, and until when.
      const underWay = last?.status === 'queued' || last?.status === 'running';
      return {
        communeCode,
        ...pullStateOf(pulled),
        lastPull: last
          ? {
              ...last,
              createdAt: last.createdAt.toISOString(),
              finishedAt: last.finishedAt?.toISOString() ?? null,
              waitingForMinistry: underWay ? await ministryWaitOf(opts.db) : null,
            }
          : null,
      };
    },
  );
}

export function personsPullRoutes(app: PcgdApp, opts: PcgdRouteOptions, ctx: PcgdContext): void {
  requestRoute(app, opts, ctx);
  stateRoute(app, opts, ctx);
}
