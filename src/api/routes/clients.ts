/**
 * The admin API of API clients (issue 9; scope `admin`, city admins): create, list, rotate a secret (the old one
 * working for an overlap window, fix30a), end the old secret's window early, and change a client (disable or enable,
 * its schools, units, scopes, name). Every change is audited in its own transaction and acts at once: this process
 * forgets the client's cached state, other processes re-read it within auth.clientStateTtlMs, and tokens already
 * issued follow the new state.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { appendAudit } from '../../audit/chain.js';
import { AppError, both } from '../../errors.js';
import { clientView, createClientsRepo, DEFAULT_SCOPES, lockActiveAdmins } from '../../store/clients.js';
import type { Db } from '../../store/db.js';
import {
  endOldSecret,
  insertClient,
  refuseLastAdmin,
  refuseScopesBeyondRole,
  replaceSecret,
  unlistedSchoolsWarnings,
} from '../auth/client-admin.js';
import { hashSecret, newClientId, newSecret } from '../auth/secrets.js';
import {
  ChangedClient,
  ClientPatch,
  ClientView,
  CreatedClient,
  IdParams,
  NewClientBody,
  RotateBody,
  WithSecret,
} from '../client-contract.js';
import { IfMatchHeaders, requireIfMatch, withETag } from '../client-etag.js';
import { principalOf } from '../plugins/auth.js';
import { ProblemSchema, problems } from '../problem.js';
import { NoQuery } from '../query.js';

/** A vendor writes a school's records: one with none could do nothing (as truc clients add refuses it). */
const VENDOR_NEEDS_SCHOOL = both(
  'phần mềm trường cần ít nhất một trường',
  'a vendor needs at least one school',
);

const errors = { ...problems(400, 401, 403) };

/** The fields a patch sets (for the audit entry). */
function changed(patch: z.infer<typeof ClientPatch>): Record<string, string | boolean | string[]> {
  const out: Record<string, string | boolean | string[]> = {};
  for (const [k, v] of Object.entries(patch)) if (v !== undefined) out[k] = v;
  return out;
}

export interface ClientRouteOptions {
  db: Db;
  /** The clock audit entries are stamped with (deps.now). */
  now: () => Date;
  /** How long a rotated secret keeps working when the rotation names no `overlapSeconds` (auth.secretOverlapSeconds). */
  secretOverlapSeconds: number;
}

type ClientApp = Parameters<FastifyPluginAsyncZod<ClientRouteOptions>>[0];
const config = { scope: 'admin' };

/** Create a client (its secret shown once) and list them. */
function registrationRoutes(app: ClientApp, opts: ClientRouteOptions): void {
  app.post(
    '/v1/admin/clients',
    {
      config,
      schema: {
        operationId: 'createClient',
        tags: ['admin'],
        summary: 'Tạo ứng dụng / Create an API client (the secret is shown once)',
        body: NewClientBody,
        response: { 201: CreatedClient, ...errors },
        'x-etag': 'if-match',
        'x-no-store': 'success',
      },
    },
    async function createClient(request, reply) {
      const actor = principalOf(request).clientId;
      const { name, role, schools, units } = request.body;
      if (role === 'vendor' && schools.length === 0) {
        throw new AppError('ERR_VALIDATION', VENDOR_NEEDS_SCHOOL);
      }
      const scopes = request.body.scopes?.length ? request.body.scopes : [...DEFAULT_SCOPES[role]];
      const id = newClientId();
      const secret = newSecret();
      const secretHash = await hashSecret(secret);
      const { client, warnings } = await opts.db.tx(async (q) => {
        await insertClient(
          q,
          { id, name, role, secretHash, schools, units, scopes },
          { actor, at: opts.now() },
        );
        return {
          client: (await createClientsRepo(q).get(id))!,
          warnings: await unlistedSchoolsWarnings(q, schools),
        };
      });
      void reply.header('location', `/v1/admin/clients/${id}`).header('cache-control', 'no-store');
      withETag(reply, client);
      return reply.code(201).send({ ...clientView(client), clientSecret: secret, warnings });
    },
  );

  app.get(
    '/v1/admin/clients',
    {
      config,
      schema: {
        operationId: 'listClients',
        tags: ['admin'],
        summary: 'Danh sách ứng dụng / List API clients',
        querystring: NoQuery,
        response: { 200: z.object({ items: z.array(ClientView) }), ...errors },
      },
    },
    async function listClients() {
      return { items: (await createClientsRepo(opts.db).list()).map(clientView) };
    },
  );
  readClientRoute(app, opts);
}

/** `GET /v1/admin/clients/:clientId`: the Location a creation answers (review34a N2: PATCH only, GET "No such route"). */
function readClientRoute(app: ClientApp, opts: ClientRouteOptions): void {
  app.get(
    '/v1/admin/clients/:clientId',
    {
      config,
      schema: {
        operationId: 'getClient',
        tags: ['admin'],
        summary: 'Một ứng dụng (không có khoá bí mật) / One API client (without its secret)',
        params: IdParams,
        response: { 200: ClientView, 404: ProblemSchema, ...errors },
        'x-etag': 'if-match',
      },
    },
    async function getClient(request, reply) {
      const client = await createClientsRepo(opts.db).get(request.params.clientId);
      if (!client) throw new AppError('ERR_NOT_FOUND');
      withETag(reply, client);
      return clientView(client);
    },
  );
}

/**
 * `POST /v1/admin/clients/:clientId/secret`: a new secret; the old one keeps working `overlapSeconds` more (default
 * auth.secretOverlapSeconds; 0: it stops at once), so a vendor's servers move to the new one without a gap (fix30a).
 */
function rotateSecretRoute(app: ClientApp, opts: ClientRouteOptions): void {
  app.post(
    '/v1/admin/clients/:clientId/secret',
    {
      config,
      schema: {
        operationId: 'rotateClientSecret',
        tags: ['admin'],
        summary:
          'Cấp lại mật khẩu ứng dụng; mật khẩu cũ còn dùng được đến oldCredentialExpiresAt / Rotate a client secret; the ' +
          'old one keeps working until oldCredentialExpiresAt',
        description:
          'Mật khẩu cũ và các mã truy cập cấp bằng nó còn dùng được overlapSeconds giây (mặc định auth.secretOverlapSeconds, ' +
          '86400; 0: ngừng ngay); một mật khẩu cũ hơn còn hạn thì ngừng ngay. DELETE …/old-secret chấm dứt sớm. / The old ' +
          'secret, and the tokens issued with it, keep working overlapSeconds (default auth.secretOverlapSeconds, 86400; ' +
          '0: they stop at once); an older secret still in its window stops now. DELETE …/old-secret ends it early.',
        params: IdParams,
        body: RotateBody.nullish(),
        headers: IfMatchHeaders,
        response: { 200: WithSecret, 404: ProblemSchema, 412: ProblemSchema, ...errors },
        'x-etag': 'if-match',
        'x-no-store': 'success',
      },
    },
    async function rotateSecret(request, reply) {
      const actor = principalOf(request).clientId;
      const { clientId } = request.params;
      const overlapSeconds = request.body?.overlapSeconds ?? opts.secretOverlapSeconds;
      const secret = newSecret();
      const secretHash = await hashSecret(secret);
      const client = await opts.db.tx(async (q) => {
        const current = await createClientsRepo(q).get(clientId, true);
        if (!current) throw new AppError('ERR_NOT_FOUND');
        // Two screens rotating from one read rotate once: the second's If-Match names the state before (412).
        requireIfMatch(request, current);
        if (!(await replaceSecret(q, clientId, secretHash, { actor, at: opts.now() }, overlapSeconds)))
          throw new AppError('ERR_NOT_FOUND');
        return (await createClientsRepo(q).get(clientId))!;
      });
      app.forgetClientState(clientId);
      void reply.header('cache-control', 'no-store');
      withETag(reply, client);
      return { ...clientView(client), clientSecret: secret };
    },
  );
}

/** `DELETE /v1/admin/clients/:clientId/old-secret`: the old secret (and its tokens) stop now, not at its expiry. */
function endOldSecretRoute(app: ClientApp, opts: ClientRouteOptions): void {
  app.delete(
    '/v1/admin/clients/:clientId/old-secret',
    {
      config,
      schema: {
        operationId: 'endClientOldSecret',
        tags: ['admin'],
        summary:
          'Chấm dứt ngay mật khẩu cũ của ứng dụng (và các mã cấp bằng nó) / End a client’s old secret now (and the tokens ' +
          'issued with it)',
        description:
          'Khi phần mềm đã chuyển hết sang mật khẩu mới, hoặc mật khẩu cũ bị lộ. Không có mật khẩu cũ còn hạn: 200, không ' +
          'thay đổi gì. / Once the vendor has moved to the new secret, or when the old one leaked. With no old secret ' +
          'still working: 200, nothing changes.',
        params: IdParams,
        headers: IfMatchHeaders,
        response: { 200: ClientView, 404: ProblemSchema, 412: ProblemSchema, ...errors },
        'x-etag': 'if-match',
      },
    },
    async function endClientOldSecret(request, reply) {
      const actor = principalOf(request).clientId;
      const { clientId } = request.params;
      const client = await opts.db.tx(async (q) => {
        const current = await createClientsRepo(q).get(clientId, true);
        if (!current) throw new AppError('ERR_NOT_FOUND');
        requireIfMatch(request, current);
        await endOldSecret(q, clientId, { actor, at: opts.now() });
        return (await createClientsRepo(q).get(clientId))!;
      });
      app.forgetClientState(clientId);
      withETag(reply, client);
      return clientView(client);
    },
  );
}

/**
 * An admin client's change to itself that would lock it out (review11: disabling itself or dropping its own `admin`
 * scope left the city with no way in but the host's CLI) is refused, 409 ERR_SELF_LOCKOUT, nothing changed.
 */
function refuseSelfLockout(patch: {
  disabled?: boolean | undefined;
  scopes?: readonly string[] | undefined;
}): void {
  if (patch.disabled !== true && (patch.scopes === undefined || patch.scopes.includes('admin'))) return;
  throw new AppError(
    'ERR_SELF_LOCKOUT',
    both(
      'ứng dụng này không thể tự khoá mình hay tự bỏ quyền admin: hãy làm từ một ứng dụng quản trị khác, hoặc bằng `truc clients` trên máy chủ',
      'this client cannot disable itself or remove its own admin scope: do it from another admin client, or with `truc clients` on the host',
    ),
  );
}

/** Whether `patch` takes a client's admin away (disables it, or sets scopes without `admin`). */
const takesAdmin = (patch: { disabled?: boolean | undefined; scopes?: readonly string[] | undefined }) =>
  patch.disabled === true || (patch.scopes !== undefined && !patch.scopes.includes('admin'));

/** `PATCH /v1/admin/clients/:clientId`: disables or enables a client, or sets its schools, units or scopes. */
function updateClientRoute(app: ClientApp, opts: ClientRouteOptions): void {
  app.patch(
    '/v1/admin/clients/:clientId',
    {
      config,
      schema: {
        operationId: 'updateClient',
        tags: ['admin'],
        summary:
          'Sửa ứng dụng: khoá, trường, đơn vị, phạm vi / Disable, enable, set schools, units or scopes',
        params: IdParams,
        body: ClientPatch,
        headers: IfMatchHeaders,
        response: {
          200: ChangedClient,
          404: ProblemSchema,
          409: ProblemSchema,
          412: ProblemSchema,
          ...errors,
        },
        'x-etag': 'if-match',
      },
    },
    async function updateClient(request, reply) {
      const actor = principalOf(request).clientId;
      const { clientId } = request.params;
      const patch = request.body;
      const { client, warnings } = await opts.db.tx(async (q) => {
        const repo = createClientsRepo(q);
        // The admins are locked before the client (in one order for every change: no deadlock).
        const admins = takesAdmin(patch) ? await lockActiveAdmins(q) : [];
        const before = await repo.get(clientId, true);
        if (!before) throw new AppError('ERR_NOT_FOUND');
        requireIfMatch(request, before);
        const schools = patch.schools ?? before.schools;
        if (before.role === 'vendor' && schools.length === 0) {
          throw new AppError('ERR_VALIDATION', VENDOR_NEEDS_SCHOOL);
        }
        if (patch.scopes) refuseScopesBeyondRole(before.role, patch.scopes);
        if (clientId === actor) refuseSelfLockout(patch);
        refuseLastAdmin(admins, clientId);
        await repo.update(clientId, patch);
        await appendAudit(
          q,
          [{ actor, action: 'client.updated', subject: `client:${clientId}`, details: changed(patch) }],
          opts.now(),
        );
        const warned = patch.schools ? await unlistedSchoolsWarnings(q, patch.schools) : [];
        return { client: (await repo.get(clientId))!, warnings: warned };
      });
      app.forgetClientState(clientId);
      withETag(reply, client);
      return { ...clientView(client), warnings };
    },
  );
}

/** Rotate a client's secret; disable, enable, or set its schools, units or scopes. Both act on issued tokens. */
function changeRoutes(app: ClientApp, opts: ClientRouteOptions): void {
  rotateSecretRoute(app, opts);
  endOldSecretRoute(app, opts);
  updateClientRoute(app, opts);
}

const clientRoutes: FastifyPluginAsyncZod<ClientRouteOptions> = async function clientRoutes(app, opts) {
  registrationRoutes(app, opts);
  changeRoutes(app, opts);
};
export default clientRoutes;
