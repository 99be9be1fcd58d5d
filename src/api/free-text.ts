/**
 * Free text the API keeps for good (a guard decision's reason, a PCGD reopen's reason: the hash-chained audit log;
 * a client's name): refused by the route's schema when it holds a personal ID or a phone number (review33b), 400
 * ERR_FREE_TEXT_PERSONAL_DATA (./plugins/errors.ts reads the rule), nothing changed. The check is the one of
 * src/canonical/free-text.ts, which the service functions the CLI calls ask too.
 */
import type { z } from 'zod';
import { PERSONAL_NUMBER_MESSAGE, PERSONAL_NUMBER_RULE, personalNumberIn } from '../canonical/free-text.js';

/** `schema`, refusing text that holds a personal ID or a phone number (rule `personal_data`). */
export const withoutPersonalNumber = <T extends z.ZodString>(schema: T): T =>
  schema.refine((text) => personalNumberIn(text) === undefined, {
    message: PERSONAL_NUMBER_MESSAGE,
    params: { rule: PERSONAL_NUMBER_RULE },
  });

/** The rule a zod issue of {@link withoutPersonalNumber} carries (fastify-type-provider-zod: `params.params`). */
export function ownRuleOf(params: unknown): string | undefined {
  const own = (params as { params?: { rule?: unknown } } | undefined)?.params?.rule;
  return typeof own === 'string' ? own : undefined;
}
