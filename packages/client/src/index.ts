/**
 * @truc/client: the typed client of truc's vendor API, generated from `openapi/truc.v1.json`.
 *
 * ```ts
 * const truc = createTrucClient({ baseUrl, clientId, clientSecret });
 * const batch = await truc.pushAndWait('79000001', { entity: 'students', format: 'canonical', records });
 * for await (const f of truc.findings(batch.batchId)) console.log(f.pointer, f.text);
 * ```
 */
export { createTrucClient } from './client.js';
export type {
  BatchAccepted,
  BatchBody,
  BatchListItem,
  BatchListQuery,
  BatchStatus,
  Change,
  ChangePage,
  DryRunResult,
  Finding,
  FindingsQuery,
  PushOptions,
  RecordEntity,
  RecordRead,
  StoredRecord,
  TrucClient,
  TrucClientOptions,
  WaitOptions,
} from './types.js';
export {
  TrucApiError,
  TrucOAuthError,
  retryAfterSeconds,
  type OAuthErrorBody,
  type Problem,
} from './errors.js';
export { createTokenSource, type TokenResponse, type TokenSource, type TokenSourceOptions } from './token.js';
export {
  verifyWebhook,
  WebhookVerificationError,
  type TrucWebhookBody,
  type TrucWebhookEvent,
  type TrucWebhookType,
  type WebhookHeaders,
} from './webhooks.js';
export type { components, operations, paths, webhooks } from './generated/truc.v1.js';
