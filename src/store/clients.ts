import type { Queryable } from './db.js';

export const ROLES = ['vendor', 'pcgd-officer', 'city-admin', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

/**
 * Scopes each role gets when `clients add` names none: only scopes that open something for the role (walk6b W6b-1:
 * an officer held `batches:read`, whose routes are all school-bound, and an officer has no schools).
 */
export const DEFAULT_SCOPES: Record<Role, readonly string[]> = {
  vendor: ['batches:write', 'batches:read', 'records:read', 'webhooks', 'quality:read'],
  'pcgd-officer': ['pcgd:read', 'pcgd:write', 'quality:read'],
  'city-admin': ['batches:read', 'records:read', 'admin', 'guard', 'quality:read', 'pcgd:read', 'pcgd:write'],
  auditor: ['audit:read', 'quality:read'],
};

/**
 * The scopes of `scopes` that `role` may not hold (priv28): a vendor is bound to its schools, so it holds only the
 * school-bound scopes of {@link DEFAULT_SCOPES}.vendor, never a city-wide one (`admin`, `guard`, `audit:read`,
 * `pcgd:*`: every school's data, the guard's decisions). The city's roles may hold any.
 */
export function scopesBeyondRole(role: Role, scopes: readonly string[]): string[] {
  if (role !== 'vendor') return [];
  return scopes.filter((s) => !DEFAULT_SCOPES.vendor.includes(s));
}

export interface ApiClient {
  id: string;
  name: string;
  role: Role;
  secretHash: string;
  schools: string[];
  units: string[];
  scopes: string[];
  disabled: boolean;
  /** How many times its secret was rotated: a token issued under an older generation is refused (migration 970). */
  secretGeneration: number;
  /**
   * The hash of the secret the last rotation replaced, while it may still work (generation `secretGeneration - 1`;
   * migration 1120); null once it was ended early or replaced again, or when the rotation gave it no window.
   */
  oldSecretHash: string | null;
  /** When that secret stops working (or stopped: past, or when it was ended); null when never rotated since 1120. */
  oldSecretExpiresAt: Date | null;
  /**
   * When that secret last issued a token (fix30f, migration 1170; written at most once a minute: see
   * {@link OLD_SECRET_USE_EVERY_MS}); null when it has issued none since the rotation.
   */
  oldSecretLastUsedAt: Date | null;
}

/** A use of the old secret is written when the stored one is at least this old (no write per token under load). */
export const OLD_SECRET_USE_EVERY_MS = 60_000;

/**
 * Whether the secret the last rotation replaced still works at `now` (fix30a, review29 F7): its hash is kept and its
 * window has not ended. The one rule of the token endpoint (a login with it) and of the auth plugin (a token issued
 * under it, generation `secretGeneration - 1`).
 */
export const oldSecretWorks = (c: ApiClient, now: Date): boolean =>
  c.oldSecretHash !== null && c.oldSecretExpiresAt !== null && now.getTime() < c.oldSecretExpiresAt.getTime();

/** A client as operators see it: everything but the secret's hash, under `clientId`. */
export interface ClientView {
  clientId: string;
  name: string;
  role: Role;
  schools: string[];
  units: string[];
  scopes: string[];
  disabled: boolean;
  /**
   * When the secret replaced by the last rotation stops working (ISO), or stopped (a past time: its window ended, or
   * a city admin ended it); null when the client's secret was never rotated with one. Never a secret or a hash.
   */
  oldCredentialExpiresAt: string | null;
  /**
   * When the secret the last rotation replaced last issued a token (ISO; to the minute: written at most once a minute),
   * null when it has issued none since that rotation: whether the vendor still uses it, before ending it early.
   */
  oldCredentialLastUsedAt: string | null;
}

/** The view of a client (listed fields only, so a field added to ApiClient is never shown by accident). */
export const clientView = (c: ApiClient): ClientView => ({
  clientId: c.id,
  name: c.name,
  role: c.role,
  schools: c.schools,
  units: c.units,
  scopes: c.scopes,
  disabled: c.disabled,
  oldCredentialExpiresAt: c.oldSecretExpiresAt?.toISOString() ?? null,
  oldCredentialLastUsedAt: c.oldSecretLastUsedAt?.toISOString() ?? null,
});

/** What a new client is stored with. */
export type NewApiClient = Omit<
  ApiClient,
  'disabled' | 'secretGeneration' | 'oldSecretHash' | 'oldSecretExpiresAt' | 'oldSecretLastUsedAt'
>;

const GET = 'SELECT * FROM truc.api_clients WHERE id = $1';
const GET_FOR_UPDATE = `${GET} FOR UPDATE`;

interface Row {
  id: string;
  name: string;
  role: Role;
  secret_hash: string;
  schools: string[];
  units: string[];
  scopes: string[];
  disabled: boolean;
  secret_generation: number;
  old_secret_hash: string | null;
  old_secret_expires_at: Date | null;
  old_secret_last_used_at: Date | null;
}

const fromRow = (r: Row): ApiClient => ({
  id: r.id,
  name: r.name,
  role: r.role,
  secretHash: r.secret_hash,
  schools: r.schools,
  units: r.units,
  scopes: r.scopes,
  disabled: r.disabled,
  secretGeneration: r.secret_generation ?? 0,
  oldSecretHash: r.old_secret_hash ?? null,
  oldSecretExpiresAt: r.old_secret_expires_at ?? null,
  oldSecretLastUsedAt: r.old_secret_last_used_at ?? null,
});

/** A client's secrets rotated (fix30a: the replaced one kept for its window) and the old one ended. */
function secretWrites(q: Queryable) {
  return {
    /**
     * Gives the client a new secret (one generation more); the secret it replaces keeps working until `oldUntil`
     * (its hash kept; none when `oldUntil` is not after `at`: it stops at once). A secret an earlier rotation
     * replaced, still working, stops now: at most two secrets work at a time. Undefined when there is no such client;
     * else whether such an earlier one was still working (`earlierEnded`).
     */
    async rotateSecret(
      id: string,
      secretHash: string,
      window: { at: Date; oldUntil: Date },
    ): Promise<{ earlierEnded: boolean } | undefined> {
      const res = await q.query<{ earlierEnded: boolean }>(
        // The old row's state is read in FROM (a CTE read in RETURNING would see the row this statement updated).
        `UPDATE truc.api_clients c
            SET old_secret_hash = CASE WHEN $4::timestamptz > $3::timestamptz THEN c.secret_hash END,
                old_secret_expires_at = $4, old_secret_last_used_at = NULL, secret_hash = $2,
                secret_generation = c.secret_generation + 1, updated_at = now()
           FROM (SELECT id, old_secret_hash IS NOT NULL AND old_secret_expires_at > $3 AS open
                   FROM truc.api_clients WHERE id = $1 FOR UPDATE) b
          WHERE c.id = b.id
         RETURNING b.open AS "earlierEnded"`,
        [id, secretHash, window.at, window.oldUntil],
      );
      const row = res.rows[0];
      return row ? { earlierEnded: row.earlierEnded === true } : undefined;
    },
    /**
     * Ends now (`at`) the window of the secret the last rotation replaced: its hash forgotten, its expiry `at`. True
     * when it was still working; false when there was none (or no such client: ask {@link get}).
     */
    async endOldSecret(id: string, at: Date): Promise<boolean> {
      const res = await q.query(
        `UPDATE truc.api_clients SET old_secret_hash = NULL, old_secret_expires_at = $2, updated_at = now()
          WHERE id = $1 AND old_secret_hash IS NOT NULL AND old_secret_expires_at > $2`,
        [id, at],
      );
      return res.rowCount > 0;
    },
    /**
     * Notes that the old secret of `client` (as just read) issued a token at `at`: written only when the time read is
     * {@link OLD_SECRET_USE_EVERY_MS} old or more (or none), and then only if no other process wrote a newer one, so
     * a client's logins under load write it at most once a minute. No `updated_at`: not a change of the client.
     */
    async noteOldSecretUse(client: ApiClient, at: Date): Promise<void> {
      const last = client.oldSecretLastUsedAt?.getTime();
      if (last !== undefined && at.getTime() - last < OLD_SECRET_USE_EVERY_MS) return;
      await q.query(
        `UPDATE truc.api_clients SET old_secret_last_used_at = $2
          WHERE id = $1 AND secret_generation = $3
            AND (old_secret_last_used_at IS NULL OR old_secret_last_used_at <= $2::timestamptz - interval '${OLD_SECRET_USE_EVERY_MS} milliseconds')`,
        [client.id, at, client.secretGeneration],
      );
    },
  };
}

/** Of `codes`, those truc.schools holds no live record of, sorted (W9-1: a grant the dashboard would not list). */
export async function schoolsNotListed(q: Queryable, codes: string[]): Promise<string[]> {
  if (codes.length === 0) return [];
  const res = await q.query<{ code: string }>(
    `SELECT DISTINCT c.code FROM unnest($1::text[]) AS c(code)
      WHERE NOT EXISTS (SELECT 1 FROM truc.schools s WHERE s.school_code = c.code AND s.deleted_at IS NULL)
      ORDER BY c.code`,
    [codes],
  );
  return res.rows.map((r) => r.code);
}

/**
 * The ids of the active admin clients (not disabled, scope `admin`), their rows locked to the end of the transaction,
 * in id order (two changes lock them alike: no deadlock). A row another transaction changed meanwhile is read as that
 * one left it (READ COMMITTED re-checks it once its lock is let go): two admins disabling each other at once, the
 * second sees the first's change (review13).
 */
export async function lockActiveAdmins(q: Queryable): Promise<string[]> {
  const res = await q.query<{ id: string }>(
    `SELECT id FROM truc.api_clients WHERE NOT disabled AND 'admin' = ANY(scopes) ORDER BY id FOR UPDATE`,
  );
  return res.rows.map((r) => r.id);
}

export function createClientsRepo(q: Queryable) {
  return {
    ...secretWrites(q),
    async insert(c: NewApiClient): Promise<void> {
      await q.query(
        `INSERT INTO truc.api_clients (id, name, role, secret_hash, schools, units, scopes)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [c.id, c.name, c.role, c.secretHash, c.schools, c.units, c.scopes],
      );
    },
    /** A client; `forUpdate` locks its row to the end of the transaction (an If-Match checked, then the change). */
    async get(id: string, forUpdate = false): Promise<ApiClient | undefined> {
      const res = await q.query<Row>(forUpdate ? GET_FOR_UPDATE : GET, [id]);
      return res.rows[0] ? fromRow(res.rows[0]) : undefined;
    },
    /** How many clients bear `name` (a signed PDF names its approver, and the id too when the name is shared). */
    async countNamed(name: string): Promise<number> {
      const res = await q.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM truc.api_clients WHERE name = $1',
        [name],
      );
      return res.rows[0]?.n ?? 0;
    },
    async setDisabled(id: string, disabled: boolean): Promise<boolean> {
      const res = await q.query(
        'UPDATE truc.api_clients SET disabled = $2, updated_at = now() WHERE id = $1',
        [id, disabled],
      );
      return res.rowCount > 0;
    },
    /** Changes what a client may touch; returns false when there is no such client. */
    async update(
      id: string,
      patch: {
        name?: string | undefined;
        schools?: string[] | undefined;
        units?: string[] | undefined;
        scopes?: string[] | undefined;
        disabled?: boolean | undefined;
      },
    ): Promise<boolean> {
      const res = await q.query(
        `UPDATE truc.api_clients SET name = COALESCE($2, name), schools = COALESCE($3, schools),
                units = COALESCE($4, units), scopes = COALESCE($5, scopes), disabled = COALESCE($6, disabled),
                updated_at = now()
          WHERE id = $1`,
        [
          id,
          patch.name ?? null,
          patch.schools ?? null,
          patch.units ?? null,
          patch.scopes ?? null,
          patch.disabled ?? null,
        ],
      );
      return res.rowCount > 0;
    },
    async list(): Promise<ApiClient[]> {
      const res = await q.query<Row>('SELECT * FROM truc.api_clients ORDER BY created_at');
      return res.rows.map(fromRow);
    },
  };
}
export type ClientsRepo = ReturnType<typeof createClientsRepo>;
