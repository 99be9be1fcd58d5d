/**
 * Webhook subscriptions (issue 9): a client subscribes a URL to events of its schools, lists, reads and
 * removes its subscriptions, reads each one's deliveries and sends itself a test ping. A client sees
 * only its own subscriptions (another's answers 404). The signing secret is shown once, at creation.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { appendAudit } from '../../audit/chain.js';
import { AppError } from '../../errors.js';
import { enqueue, webhookDeliver } from '../../jobs/contracts.js';
import {
  checkReceiverUrl,
  newSubscriptionSecret,
  type ReceiverPolicy,
} from '../../jobs/webhook-receivers.js';
import type { Db } from '../../store/db.js';
import {
  createWebhooksRepo,
  WEBHOOK_EVENTS,
  type Delivery,
  type Subscription,
} from '../../store/webhooks.js';
import { principalOf } from '../plugins/auth.js';
import { ProblemSchema, problems } from '../problem.js';
import { noWebhook } from '../not-found.js';
import { pageQuery } from '../paging.js';
import { NoQuery } from '../query.js';

const SubscriptionBody = z
  .object({
    url: z
      .string()
      .max(2048)
      .meta({
        description:
          'URL https nhận sự kiện, trên địa chỉ công khai: http, địa chỉ mạng riêng, loopback (localhost, 127.0.0.1) hay link-local, thông tin đăng nhập hay phần # trong URL bị từ chối (400 ERR_WEBHOOK_URL), và mỗi lần gửi kiểm tra lại địa chỉ DNS trả về; chỉ cấu hình của một bản chạy thử hay kiểm thử (webhooks.allowHttp, webhooks.allowPrivateNetworks, như npm run demo) mới nới quy tắc này / ' +
          'the https receiver URL, on a public address: http, a private, loopback (localhost, 127.0.0.1) or link-local address, credentials or a # fragment in the URL are refused (400 ERR_WEBHOOK_URL), and every send checks again the address DNS answers; only the configuration of a demo or test deployment (webhooks.allowHttp, webhooks.allowPrivateNetworks, as npm run demo) relaxes this',
      }),
    events: z
      .array(z.enum(WEBHOOK_EVENTS))
      .min(1)
      .max(WEBHOOK_EVENTS.length)
      .refine((e) => new Set(e).size === e.length, { message: 'sự kiện lặp lại / repeated event' }),
  })
  .strict()
  .meta({ id: 'WebhookSubscriptionRequest' });

const SubscriptionView = z
  .object({
    id: z.uuid(),
    url: z.string(),
    events: z.array(z.string()),
    disabled: z.boolean(),
    createdAt: z.string(),
  })
  .meta({ id: 'WebhookSubscription' });

const Created = SubscriptionView.extend({
  secret: z.string().meta({
    description: 'Khoá ký (chỉ hiện một lần) / the Standard Webhooks signing secret, shown once',
  }),
}).meta({ id: 'WebhookSubscriptionCreated' });

const DeliveryView = z
  .object({
    id: z.uuid(),
    event: z.string(),
    status: z.enum(['pending', 'delivered', 'failed']),
    attempts: z.number().int(),
    lastStatus: z.number().int().nullable(),
    lastError: z.string().nullable(),
    createdAt: z.string(),
    finishedAt: z.string().nullable(),
    payload: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'WebhookDelivery' });

const IdParams = z.object({ id: z.uuid() }).strict();
const PageQuery = z
  .object({
    ...pageQuery(200, 50, 100_000),
  })
  .strict();

const view = (s: Subscription) => ({
  id: s.id,
  url: s.url,
  events: s.events,
  disabled: s.disabled,
  createdAt: s.createdAt.toISOString(),
});

const deliveryView = (d: Delivery) => ({
  id: d.id,
  event: d.event,
  status: d.status,
  attempts: d.attempts,
  lastStatus: d.lastStatus,
  lastError: d.lastError,
  createdAt: d.createdAt.toISOString(),
  finishedAt: d.finishedAt ? d.finishedAt.toISOString() : null,
  payload: d.payload,
});

const common = { tags: ['webhooks'] };
const errors = { ...problems(400, 401, 403) };

export interface WebhookRouteOptions {
  db: Db;
  /** The clock audit entries are stamped with (deps.now). */
  now: () => Date;
  policy: ReceiverPolicy;
  maxSubscriptions: number;
}

type WebhookApp = Parameters<FastifyPluginAsyncZod<WebhookRouteOptions>>[0];

/** `POST /v1/webhooks`: subscribes a URL to events (the receiver policy and the per-client limit checked). */
function subscribeRoute(app: WebhookApp, opts: WebhookRouteOptions): void {
  app.post(
    '/v1/webhooks',
    {
      config: { scope: 'webhooks' },
      schema: {
        ...common,
        operationId: 'createWebhook',
        summary: 'Đăng ký nhận sự kiện / Subscribe a URL to events',
        body: SubscriptionBody,
        response: { 201: Created, ...errors, 409: ProblemSchema },
        'x-no-store': 'success',
      },
    },
    async function createWebhook(request, reply) {
      const p = principalOf(request);
      const { url, events } = request.body;
      checkReceiverUrl(url, opts.policy);
      const secret = newSubscriptionSecret();
      const created = await opts.db.tx(async (q) => {
        const repo = createWebhooksRepo(q);
        const subscription = { id: randomUUID(), clientId: p.clientId, url, events, secret };
        // counted and made atomically (review27b F4: subscriptions sent together passed the limit)
        const s = await repo.subscribe(subscription, opts.maxSubscriptions);
        if (!s) throw new AppError('ERR_WEBHOOK_LIMIT');
        await appendAudit(
          q,
          [
            {
              actor: p.clientId,
              action: 'webhook.subscribed',
              subject: `webhook:${s.id}`,
              details: { events },
            },
          ],
          opts.now(),
        );
        return s;
      });
      // The secret is shown once: no cache keeps it (as a client's secret and a token: fix37d).
      void reply.header('location', `/v1/webhooks/${created.id}`).header('cache-control', 'no-store');
      return reply.code(201).send({ ...view(created), secret });
    },
  );
}

/** `GET /v1/webhooks`: the caller's subscriptions. */
function listSubscriptionsRoute(app: WebhookApp, opts: WebhookRouteOptions): void {
  const hooks = createWebhooksRepo(opts.db);
  app.get(
    '/v1/webhooks',
    {
      config: { scope: 'webhooks' },
      schema: {
        ...common,
        operationId: 'listWebhooks',
        summary: 'Các đăng ký của bạn / Your subscriptions',
        querystring: NoQuery,
        response: { 200: z.object({ items: z.array(SubscriptionView) }), ...errors },
      },
    },
    async function listWebhooks(request) {
      return { items: (await hooks.list(principalOf(request).clientId)).map(view) };
    },
  );
}

/**
 * `GET /v1/webhooks/:id`: one of the caller's subscriptions, without its secret (shown once); what `POST`'s
 * `Location` names (review34a F1: it was 404 "No such route"). Another's, or one removed: 404.
 */
function getSubscriptionRoute(app: WebhookApp, opts: WebhookRouteOptions): void {
  const hooks = createWebhooksRepo(opts.db);
  app.get(
    '/v1/webhooks/:id',
    {
      config: { scope: 'webhooks' },
      schema: {
        ...common,
        operationId: 'getWebhook',
        summary: 'Một đăng ký của bạn / One of your subscriptions',
        params: IdParams,
        response: { 200: SubscriptionView, ...errors, 404: ProblemSchema },
      },
    },
    async function getWebhook(request) {
      const s = await hooks.get(principalOf(request).clientId, request.params.id);
      if (!s) throw new AppError('ERR_NOT_FOUND', noWebhook(request.params.id));
      return view(s);
    },
  );
}

/** `DELETE /v1/webhooks/:id`: unsubscribes. */
function unsubscribeRoute(app: WebhookApp, opts: WebhookRouteOptions): void {
  app.delete(
    '/v1/webhooks/:id',
    {
      config: { scope: 'webhooks' },
      schema: {
        ...common,
        operationId: 'deleteWebhook',
        summary: 'Huỷ đăng ký / Unsubscribe',
        params: IdParams,
        response: { 204: z.null().describe('Đã huỷ / Removed'), ...errors, 404: ProblemSchema },
      },
    },
    async function deleteWebhook(request, reply) {
      const p = principalOf(request);
      await opts.db.tx(async (q) => {
        if (!(await createWebhooksRepo(q).remove(p.clientId, request.params.id)))
          throw new AppError('ERR_NOT_FOUND', noWebhook(request.params.id));
        await appendAudit(
          q,
          [
            {
              actor: p.clientId,
              action: 'webhook.unsubscribed',
              subject: `webhook:${request.params.id}`,
              details: {},
            },
          ],
          opts.now(),
        );
      });
      return reply.code(204).send(null);
    },
  );
}

/** Subscribe a URL to events (the secret is shown once), list or read your subscriptions, unsubscribe; audited. */
function subscriptionRoutes(app: WebhookApp, opts: WebhookRouteOptions): void {
  subscribeRoute(app, opts);
  listSubscriptionsRoute(app, opts);
  getSubscriptionRoute(app, opts);
  unsubscribeRoute(app, opts);
}

/** A subscription's deliveries, newest first, and a test `webhook.ping` (queued). */
function deliveryRoutes(app: WebhookApp, opts: WebhookRouteOptions): void {
  const hooks = createWebhooksRepo(opts.db);
  app.get(
    '/v1/webhooks/:id/deliveries',
    {
      config: { scope: 'webhooks' },
      schema: {
        ...common,
        operationId: 'listWebhookDeliveries',
        summary: 'Lịch sử gửi của một đăng ký / A subscription’s deliveries, newest first',
        params: IdParams,
        querystring: PageQuery,
        response: { 200: z.object({ items: z.array(DeliveryView) }), ...errors, 404: ProblemSchema },
      },
    },
    async function listDeliveries(request) {
      const s = await hooks.get(principalOf(request).clientId, request.params.id);
      if (!s) throw new AppError('ERR_NOT_FOUND', noWebhook(request.params.id));
      const { limit, offset } = request.query;
      return { items: (await hooks.deliveries(s.id, limit, offset)).map(deliveryView) };
    },
  );
  pingRoute(app, opts);
}

/** `POST /v1/webhooks/:id/ping`: a test `webhook.ping` (queued), audited. */
function pingRoute(app: WebhookApp, opts: WebhookRouteOptions): void {
  const hooks = createWebhooksRepo(opts.db);
  app.post(
    '/v1/webhooks/:id/ping',
    {
      config: { scope: 'webhooks' },
      schema: {
        ...common,
        operationId: 'pingWebhook',
        summary: 'Gửi thử một sự kiện webhook.ping / Send a test webhook.ping',
        params: IdParams,
        response: {
          202: z.object({ deliveryId: z.uuid(), deliveriesUrl: z.string() }),
          ...errors,
          404: ProblemSchema,
        },
      },
    },
    async function pingWebhook(request, reply) {
      const p = principalOf(request);
      const s = await hooks.get(p.clientId, request.params.id);
      if (!s) throw new AppError('ERR_NOT_FOUND', noWebhook(request.params.id));
      const deliveryId = randomUUID();
      await opts.db.tx(async (q) => {
        await createWebhooksRepo(q).addDelivery({
          id: deliveryId,
          subscriptionId: s.id,
          event: 'webhook.ping',
          payload: { subscriptionId: s.id },
        });
        await enqueue(q, webhookDeliver, { deliveryId });
        // Audited as the other webhook actions (ops28): who, which subscription, the delivery's id; no URL, no data.
        const entry = {
          actor: p.clientId,
          action: 'webhook.pinged' as const,
          subject: `webhook:${s.id}`,
          details: { deliveryId },
        };
        await appendAudit(q, [entry], opts.now());
      });
      // the Location every 202 documents (review34a F2: none was sent): where the test delivery shows
      const deliveriesUrl = `/v1/webhooks/${s.id}/deliveries`;
      return reply.code(202).header('location', deliveriesUrl).send({ deliveryId, deliveriesUrl });
    },
  );
}

const webhookRoutes: FastifyPluginAsyncZod<WebhookRouteOptions> = async function webhookRoutes(app, opts) {
  subscriptionRoutes(app, opts);
  deliveryRoutes(app, opts);
};
export default webhookRoutes;
