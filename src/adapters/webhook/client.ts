/**
 * Webhook receivers (issue 9): vendors' own HTTPS endpoints. Transport only: the receiver URL policy
 * (scheme, no private networks unless allowed, checked again on every send against the DNS answers the
 * connection itself uses, so a name that later resolves inward is refused too: ../public-address.ts) and
 * one signed POST per delivery, the Standard
 * Webhooks way (webhook-id, webhook-timestamp, webhook-signature = HMAC-SHA256 over id.timestamp.body,
 * by the `standardwebhooks` library). Never follows redirects; never logs bodies or secrets.
 */
import { randomBytes } from 'node:crypto';
import axios from 'axios';
import { Webhook } from 'standardwebhooks';
import { both } from '../../errors.js';
import { parseRetryAfter } from '../classify.js';
import { isInwardHost, PRIVATE_ADDRESS, publicOnlyLookup } from '../public-address.js';

const PRIVATE_REFUSED = both(
  'không được dùng địa chỉ mạng riêng, loopback hay link-local: đăng ký địa chỉ https công khai của máy nhận (tên miền trỏ tới địa chỉ công khai)',
  "private, loopback and link-local addresses are not allowed: subscribe your receiver's public https address (a name that resolves to a public address)",
);

export interface ReceiverPolicy {
  allowHttp: boolean;
  allowPrivateNetworks: boolean;
}

/** Why a URL cannot receive webhooks (Vietnamese and English, for the problem detail), or undefined when it can. */
export function receiverUrlProblem(raw: string, policy: ReceiverPolicy): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return both('không phải một URL tuyệt đối', 'not an absolute URL');
  }
  if (url.protocol !== 'https:' && !(policy.allowHttp && url.protocol === 'http:')) {
    return policy.allowHttp
      ? both('giao thức phải là https hoặc http', 'the scheme must be https or http')
      : both('giao thức phải là https', 'the scheme must be https');
  }
  if (url.username || url.password)
    return both('không được đặt thông tin đăng nhập trong URL', 'credentials in the URL are not allowed');
  if (url.hash) return both('không được có phần # (fragment)', 'a fragment is not allowed');
  if (!policy.allowPrivateNetworks && isInwardHost(url.hostname)) return PRIVATE_REFUSED;
  return undefined;
}

/** A new signing secret in the Standard Webhooks format (`whsec_` + base64 of 32 random bytes). */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

export interface SendInput {
  url: string;
  secret: string;
  /** The delivery's id: the same on every attempt, so receivers deduplicate. */
  id: string;
  /** The event type, e.g. `batch.finished`. */
  type: string;
  data: Record<string, unknown>;
  timeoutMs: number;
  policy: ReceiverPolicy;
  now?: Date;
}

export type SendResult =
  | { ok: true; status: number }
  | { ok: false; status: number | null; error: string; permanent: boolean; retryAfterMs?: number };

/** Sends one delivery. Any 2xx is delivered; anything else is a failure to retry (or a refusal). */
export async function sendWebhook(input: SendInput): Promise<SendResult> {
  const problem = receiverUrlProblem(input.url, input.policy);
  if (problem) return { ok: false, status: null, error: problem, permanent: true };
  const now = input.now ?? new Date();
  const body = JSON.stringify({ type: input.type, timestamp: now.toISOString(), data: input.data });
  const signature = new Webhook(input.secret).sign(input.id, now, body);
  try {
    const res = await axios.post(input.url, body, {
      timeout: input.timeoutMs,
      maxRedirects: 0,
      validateStatus: () => true,
      responseType: 'text',
      maxContentLength: 64 * 1024,
      // The name is resolved once, by the connection, and refused when it answers a private address.
      ...(input.policy.allowPrivateNetworks ? {} : { lookup: publicOnlyLookup }),
      headers: {
        'content-type': 'application/json',
        'user-agent': 'truc-webhooks/1',
        'webhook-id': input.id,
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': signature,
      },
    });
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status };
    // Seconds or an HTTP date (RFC 9110 §10.2.3), read as the adapters read their targets'; the job caps the wait.
    const retryAfter = parseRetryAfter(res.headers['retry-after']);
    return {
      ok: false,
      status: res.status,
      error: `the receiver answered ${res.status}`,
      permanent: false,
      ...(retryAfter === undefined ? {} : { retryAfterMs: retryAfter * 1000 }),
    };
  } catch (err) {
    const code = (err as { code?: string }).code ?? 'ERR_NETWORK';
    if (code === PRIVATE_ADDRESS)
      return { ok: false, status: null, error: 'the host resolves to a private address', permanent: true };
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
      return { ok: false, status: null, error: 'the host does not resolve', permanent: false };
    return { ok: false, status: null, error: `no answer (${code})`, permanent: false };
  }
}
