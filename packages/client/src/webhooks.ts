/**
 * Verifying truc's webhook deliveries, the Standard Webhooks way (the `standardwebhooks` library truc
 * signs with): HMAC-SHA256 of `webhook-id.webhook-timestamp.body` with the subscription's `whsec_`
 * secret, the timestamp within five minutes. Verify the raw body bytes as received, before parsing.
 */
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import type { webhooks } from './generated/truc.v1.js';

export { WebhookVerificationError };

/**
 * The body of an event truc sends, `{ type, timestamp, data }`, as the top-level `webhooks` of openapi/truc.v1.json
 * describe it (e.g. `TrucWebhookBody<'batch.finished'>['data']['sequence']`); without `T`, any event's.
 */
export type TrucWebhookBody<T extends keyof webhooks = keyof webhooks> = {
  [K in T]: webhooks[K]['post'] extends { requestBody: { content: { 'application/json': infer B } } }
    ? B
    : never;
}[T];

/** The event types truc sends (`POST /v1/webhooks` `events`). */
export type TrucWebhookType =
  'batch.finished' | 'findings.ready' | 'master-data.changed' | 'webhook.ping' | (string & {});

/** A verified delivery: the event type, when truc raised it, and its data (ids and counts, no records). */
export interface TrucWebhookEvent {
  /** The delivery id (`webhook-id`): the same on every retry, so use it to drop repeats. */
  id: string;
  type: TrucWebhookType;
  timestamp: string;
  data: Record<string, unknown>;
}

/** Request headers as node's `IncomingHttpHeaders`, a fetch `Headers`, or a plain record. */
export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

function pick(
  headers: WebhookHeaders,
): Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string> {
  const get = (name: string): string => {
    if (headers instanceof Headers) return headers.get(name) ?? '';
    const hit = Object.entries(headers).find(([k]) => k.toLowerCase() === name)?.[1];
    return Array.isArray(hit) ? (hit[0] ?? '') : (hit ?? '');
  };
  return {
    'webhook-id': get('webhook-id'),
    'webhook-timestamp': get('webhook-timestamp'),
    'webhook-signature': get('webhook-signature'),
  };
}

/**
 * Checks a delivery's signature and timestamp and returns the event; throws
 * `WebhookVerificationError` when the signature, the headers or the timestamp are wrong.
 *
 * @param secret - the subscription's secret (`whsec_…`, shown once by `POST /v1/webhooks`)
 * @param rawBody - the request body exactly as received (a string or the raw bytes)
 */
export function verifyWebhook(
  secret: string,
  rawBody: string | Uint8Array,
  headers: WebhookHeaders,
): TrucWebhookEvent {
  const h = pick(headers);
  const body = typeof rawBody === 'string' ? rawBody : Buffer.from(rawBody);
  const parsed = new Webhook(secret).verify(body, h) as Partial<Omit<TrucWebhookEvent, 'id'>>;
  if (typeof parsed?.type !== 'string') throw new WebhookVerificationError('Not a truc event');
  return {
    id: h['webhook-id'],
    type: parsed.type,
    timestamp: typeof parsed.timestamp === 'string' ? parsed.timestamp : '',
    data: parsed.data ?? {},
  };
}
