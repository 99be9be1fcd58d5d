/**
 * Creating an API client, rotating its secret and ending its old secret's window, each audited in the caller's
 * transaction (`by`: who, and when by the caller's clock): the one way for the admin API (routes/clients.ts) and the
 * CLI (src/ops.ts), which each check their own input.
 */
import { appendAudit } from '../../audit/chain.js';
import { refusePersonalNumber } from '../../canonical/free-text.js';
import { AppError, both } from '../../errors.js';
import {
  createClientsRepo,
  schoolsNotListed,
  scopesBeyondRole,
  type NewApiClient,
  type Role,
} from '../../store/clients.js';
import type { Queryable } from '../../store/db.js';

const LISTED_AT_MOST = 20;

/**
 * The warnings a grant of `schools` carries (W9-1): the codes truc.schools has no record of. The grant stands (a
 * school's master data may arrive later), but until it does the city's school list does not name the school; a
 * mistyped code is seen here. Empty when every code is listed. The one check for the admin API and the CLI.
 */
export async function unlistedSchoolsWarnings(q: Queryable, schools: string[]): Promise<string[]> {
  const unlisted = await schoolsNotListed(q, schools);
  if (unlisted.length === 0) return [];
  const more = unlisted.length - LISTED_AT_MOST;
  const codes = unlisted.slice(0, LISTED_AT_MOST).join(', ') + (more > 0 ? ` (+${more})` : '');
  return [
    both(
      `các mã trường chưa có trong danh sách trường của thành phố: ${codes}; vẫn cấp quyền (hồ sơ trường có thể đến ` +
        'sau), hãy kiểm tra lại mã',
      `school codes not in the city's school list: ${codes}; granted anyway (a school's record may arrive later), ` +
        'check the codes',
    ),
  ];
}

/**
 * Stores a new client (its secret only as a hash), audited as `client.created`. A name holding a personal ID or a
 * phone number is refused first (review33b: ERR_FREE_TEXT_PERSONAL_DATA; the API's schema refuses it before).
 */
export async function insertClient(
  q: Queryable,
  client: NewApiClient,
  by: { actor: string; at: Date },
): Promise<void> {
  const { id, role, schools, units, scopes } = client;
  refusePersonalNumber(client.name, 'name');
  refuseScopesBeyondRole(role, scopes);
  await createClientsRepo(q).insert(client);
  const details = { role, schools, units, scopes };
  await appendAudit(
    q,
    [{ actor: by.actor, action: 'client.created', subject: `client:${id}`, details }],
    by.at,
  );
}

/**
 * Gives a client a new secret hash, audited `client.secret_rotated` with the old secret's window (fix30a, review29
 * F7): the secret it replaces keeps working `overlapSeconds` more (0: it stops at once), tokens issued under it
 * too; an older secret still in its window stops now. False when there is no such client.
 */
export async function replaceSecret(
  q: Queryable,
  clientId: string,
  secretHash: string,
  by: { actor: string; at: Date },
  overlapSeconds: number,
): Promise<boolean> {
  const oldUntil = new Date(by.at.getTime() + overlapSeconds * 1000);
  const done = await createClientsRepo(q).rotateSecret(clientId, secretHash, { at: by.at, oldUntil });
  if (!done) return false;
  const details = {
    overlapSeconds,
    oldCredentialExpiresAt: oldUntil.toISOString(),
    ...(done.earlierEnded ? { earlierOldSecretEnded: true } : {}),
  };
  const event = {
    actor: by.actor,
    action: 'client.secret_rotated' as const,
    subject: `client:${clientId}`,
    details,
  };
  await appendAudit(q, [event], by.at);
  return true;
}

/**
 * Ends the old secret's window now (a city admin's "revoke the old secret": the vendor has moved, or the old one
 * leaked), audited `client.old_secret_ended`; tokens issued under it stop too. `ended` when it still worked,
 * `none` when nothing did (nothing written), undefined when there is no such client.
 */
export async function endOldSecret(
  q: Queryable,
  clientId: string,
  by: { actor: string; at: Date },
): Promise<'ended' | 'none' | undefined> {
  const repo = createClientsRepo(q);
  if (await repo.endOldSecret(clientId, by.at)) {
    const event = {
      actor: by.actor,
      action: 'client.old_secret_ended' as const,
      subject: `client:${clientId}`,
    };
    await appendAudit(q, [event], by.at);
    return 'ended';
  }
  return (await repo.get(clientId)) ? 'none' : undefined;
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

/**
 * A change that would leave the city no active admin client is refused, 409 ERR_LAST_ADMIN, nothing changed
 * (review13: two admins disabling each other at once, or one whose token another process still took for an admin's,
 * each passed the self-lockout rule and both ended disabled: no way in but the host's CLI). `admins`: the active
 * admins, locked (store `lockActiveAdmins`), so two such changes are decided one after the other. `then`: what the
 * refused may do instead, said after the message (the CLI's flag that disables it all the same, review14).
 */
export function refuseLastAdmin(
  admins: readonly string[],
  clientId: string,
  then?: { readonly vi: string; readonly en: string },
): void {
  if (!admins.includes(clientId) || admins.length > 1) return;
  const more = (text: string | undefined) => (text === undefined ? '' : `; ${text}`);
  throw new AppError(
    'ERR_LAST_ADMIN',
    both(
      `đây là ứng dụng quản trị cuối cùng còn hoạt động: tạo hoặc bật một ứng dụng quản trị khác trước${more(then?.vi)}`,
      `this is the last active admin client: create or enable another admin client first${more(then?.en)}`,
    ),
  );
}
