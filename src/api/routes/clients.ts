/**
 * The admin API of API clients (issue 9; scope `admin`, city admins): create, list, rotate a secret,
 * and change a client (disable or enable, its schools, units, scopes, name). Every change is audited
 * in its own transaction and acts at once: this process forgets the client's cached state, other
 * processes re-read it within auth.clientStateTtlMs, and tokens already issued follow the new state.
 */
import { hasNoForbiddenChars } from '../../canonical/text.js';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { appendAudit } from '../../audit/chain.js';
import { AppError, both } from '../../errors.js';
import { clientView, createClientsRepo, DEFAULT_SCOPES, ROLES } from '../../store/clients.js';
import type { Db } from '../../store/db.js';
import { insertClient, refuseScopesBeyondRole, replaceSecret } from '../auth/client-admin.js';
import { CLIENT_ID, hashSecret, newClientId, newSecret } from '../auth/secrets.js';
import { principalOf } from '../plugins/auth.js';
import { ProblemSchema, problems } from '../problem.js';
import { NoQuery } from '../query.js';
import { ALL_SCOPES } from './oauth.js';

/** A vendor writes a school's records: one with none could do nothing (as truc clients add refuses it). */
const VENDOR_NEEDS_SCHOOL = both(
  'phần mềm trường cần ít nhất một trường',
  'a vendor needs at least one school',
);

const Code = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/);
const Unit = z
  .string()
  .regex(
    /^\d{2}$|^\d{5}$/,
    both('mã tỉnh 2 chữ số hoặc mã xã 5 chữ số', '2-digit province or 5-digit commune code'),
  );
const Name = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .refine(hasNoForbiddenChars, both('một dòng, không ký tự điều khiển', 'one line, no control characters'));
const Scopes = z.array(z.enum(ALL_SCOPES)).max(ALL_SCOPES.length);

const ClientView = z
  .object({
    clientId: z.string(),
    name: z.string(),
    role: z.enum(ROLES),
    schools: z.array(z.string()),
    units: z.array(z.string()),
    scopes: z.array(z.string()),
    disabled: z.boolean(),
  })
  .meta({ id: 'ApiClient' });

const NewClientBody = z
  .object({
    name: Name,
    role: z.enum(ROLES),
    schools: z.array(Code).max(10_000).default([]),
    units: z.array(Unit).max(1000).default([]),
    scopes: Scopes.optional(),
  })
  .strict()
  .meta({ id: 'NewApiClient' });

const ClientPatch = z
  .object({
    name: Name.optional(),
    schools: z.array(Code).max(10_000).optional(),
    units: z.array(Unit).max(1000).optional(),
    scopes: Scopes.optional(),
    disabled: z.boolean().optional(),
  })
  .strict()
  .refine((p) => Object.keys(p).length > 0, both('không có gì để thay đổi', 'nothing to change'))
  .meta({ id: 'ApiClientPatch' });

const WithSecret = ClientView.extend({ clientSecret: z.string() }).meta({ id: 'ApiClientWithSecret' });
const IdParams = z.object({ clientId: z.string().regex(CLIENT_ID) }).strict();
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
        response: { 201: WithSecret, ...errors },
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
      await opts.db.tx((q) =>
        insertClient(q, { id, name, role, secretHash, schools, units, scopes }, { actor, at: opts.now() }),
      );
      void reply.header('location', `/v1/admin/clients/${id}`).header('cache-control', 'no-store');
      return reply
        .code(201)
        .send({ clientId: id, clientSecret: secret, name, role, schools, units, scopes, disabled: false });
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
}

/** `POST /v1/admin/clients/:clientId/secret`: a new secret; the old one stops working. */
function rotateSecretRoute(app: ClientApp, opts: ClientRouteOptions): void {
  app.post(
    '/v1/admin/clients/:clientId/secret',
    {
      config,
      schema: {
        operationId: 'rotateClientSecret',
        tags: ['admin'],
        summary: 'Cấp lại mật khẩu ứng dụng / Rotate a client secret (the old one stops working)',
        params: IdParams,
        response: { 200: WithSecret, 404: ProblemSchema, ...errors },
      },
    },
    async function rotateSecret(request, reply) {
      const actor = principalOf(request).clientId;
      const { clientId } = request.params;
      const secret = newSecret();
      const secretHash = await hashSecret(secret);
      const client = await opts.db.tx(async (q) => {
        if (!(await replaceSecret(q, clientId, secretHash, { actor, at: opts.now() })))
          throw new AppError('ERR_NOT_FOUND');
        return (await createClientsRepo(q).get(clientId))!;
      });
      app.forgetClientState(clientId);
      void reply.header('cache-control', 'no-store');
      return { ...clientView(client), clientSecret: secret };
    },
  );
}

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
          'Sửa ứng dụng: khóa, trường, đơn vị, phạm vi / Disable, enable, set schools, units or scopes',
        params: IdParams,
        body: ClientPatch,
        response: { 200: ClientView, 404: ProblemSchema, ...errors },
      },
    },
    async function updateClient(request) {
      const actor = principalOf(request).clientId;
      const { clientId } = request.params;
      const patch = request.body;
      const client = await opts.db.tx(async (q) => {
        const repo = createClientsRepo(q);
        const before = await repo.get(clientId);
        if (!before) throw new AppError('ERR_NOT_FOUND');
        const schools = patch.schools ?? before.schools;
        if (before.role === 'vendor' && schools.length === 0) {
          throw new AppError('ERR_VALIDATION', VENDOR_NEEDS_SCHOOL);
        }
        if (patch.scopes) refuseScopesBeyondRole(before.role, patch.scopes);
        await repo.update(clientId, patch);
        await appendAudit(
          q,
          [{ actor, action: 'client.updated', subject: `client:${clientId}`, details: changed(patch) }],
          opts.now(),
        );
        return (await repo.get(clientId))!;
      });
      app.forgetClientState(clientId);
      return clientView(client);
    },
  );
}

/** Rotate a client's secret; disable, enable, or set its schools, units or scopes. Both act on issued tokens. */
function changeRoutes(app: ClientApp, opts: ClientRouteOptions): void {
  rotateSecretRoute(app, opts);
  updateClientRoute(app, opts);
}

const clientRoutes: FastifyPluginAsyncZod<ClientRouteOptions> = async function clientRoutes(app, opts) {
  registrationRoutes(app, opts);
  changeRoutes(app, opts);
};
export default clientRoutes;
