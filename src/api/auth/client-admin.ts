/**
 * Creating an API client and rotating its secret, each audited in the caller's transaction (`by`: who,
 * and when by the caller's clock): the one way
 * for the admin API (routes/clients.ts) and the CLI (src/ops.ts), which each check their own input.
 */
import { appendAudit } from '../../audit/chain.js';
import { AppError, both } from '../../errors.js';
import { createClientsRepo, scopesBeyondRole, type ApiClient, type Role } from '../../store/clients.js';
import type { Queryable } from '../../store/db.js';

/** Stores a new client (its secret only as a hash), audited as `client.created`. */
export async function insertClient(
  q: Queryable,
  client: Omit<ApiClient, 'disabled' | 'secretGeneration'>,
  by: { actor: string; at: Date },
): Promise<void> {
  const { id, role, schools, units, scopes } = client;
  refuseScopesBeyondRole(role, scopes);
  await createClientsRepo(q).insert(client);
  const details = { role, schools, units, scopes };
  await appendAudit(
    q,
    [{ actor: by.actor, action: 'client.created', subject: `client:${id}`, details }],
    by.at,
  );
}

/** Gives a client a new secret hash (the old secret stops working), audited; false when there is no such client. */
export async function replaceSecret(
  q: Queryable,
  clientId: string,
  secretHash: string,
  by: { actor: string; at: Date },
): Promise<boolean> {
  if (!(await createClientsRepo(q).setSecretHash(clientId, secretHash))) return false;
  const event = { actor: by.actor, action: 'client.secret_rotated' as const, subject: `client:${clientId}` };
  await appendAudit(q, [event], by.at);
  return true;
}

/** Refuses (400, nothing written) scopes the role may not hold: a vendor given a city scope (priv28). */
export function refuseScopesBeyondRole(role: Role, scopes: readonly string[]): void {
  const beyond = scopesBeyondRole(role, scopes);
  if (beyond.length === 0) return;
  throw new AppError(
    'ERR_VALIDATION',
    both(
      `scopes: ứng dụng của phần mềm trường không được giữ phạm vi của thành phố: ${beyond.join(', ')}`,
      `scopes: a vendor client may not hold city scopes: ${beyond.join(', ')}`,
    ),
  );
}
