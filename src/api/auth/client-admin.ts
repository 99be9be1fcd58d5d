/**
 * Creating an API client and rotating its secret, each audited in the caller's transaction: the one way
 * for the admin API (routes/clients.ts) and the CLI (src/ops.ts), which each check their own input.
 */
import { appendAudit } from '../../audit/chain.js';
import { createClientsRepo, type ApiClient } from '../../store/clients.js';
import type { Queryable } from '../../store/db.js';

/** Stores a new client (its secret only as a hash), audited as `client.created`. */
export async function insertClient(
  q: Queryable,
  client: Omit<ApiClient, 'disabled'>,
  actor: string,
): Promise<void> {
  const { id, role, schools, units, scopes } = client;
  await createClientsRepo(q).insert(client);
  await appendAudit(q, [
    { actor, action: 'client.created', subject: `client:${id}`, details: { role, schools, units, scopes } },
  ]);
}

/** Gives a client a new secret hash (the old secret stops working), audited; false when there is no such client. */
export async function replaceSecret(
  q: Queryable,
  clientId: string,
  secretHash: string,
  actor: string,
): Promise<boolean> {
  if (!(await createClientsRepo(q).setSecretHash(clientId, secretHash))) return false;
  await appendAudit(q, [{ actor, action: 'client.secret_rotated', subject: `client:${clientId}` }]);
  return true;
}
