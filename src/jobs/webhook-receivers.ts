/**
 * A vendor's webhook receiver as a subscription takes it (issue 9): its URL checked against the receiver policy
 * the deliveries are sent under (./webhook-deliver.ts, which checks it again at every send), and the secret they
 * are signed with. The API asks here, not the webhook adapter itself: it never reaches an adapter (ops29, the
 * rule `api-never-reaches-adapters` of .dependency-cruiser.cjs).
 */
import { newWebhookSecret, receiverUrlProblem, type ReceiverPolicy } from '../adapters/webhook/client.js';
import { AppError } from '../errors.js';

export type { ReceiverPolicy };

/** Throws ERR_WEBHOOK_URL, saying why in Vietnamese and English, when `url` cannot receive webhooks. */
export function checkReceiverUrl(url: string, policy: ReceiverPolicy): void {
  const problem = receiverUrlProblem(url, policy);
  if (problem) throw new AppError('ERR_WEBHOOK_URL', problem);
}

/** A new subscription's signing secret, in the Standard Webhooks format (`whsec_…`). */
export const newSubscriptionSecret = (): string => newWebhookSecret();
