import type { Queryable } from './db.js';

export const ROLES = ['vendor', 'pcgd-officer', 'city-admin', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

/** Scopes each role gets when `clients add` names none. */
export const DEFAULT_SCOPES: Record<Role, readonly string[]> = {
  vendor: ['batches:write', 'batches:read', 'records:read', 'webhooks', 'quality:read'],
  'pcgd-officer': ['pcgd:read', 'pcgd:write', 'batches:read', 'quality:read'],
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
}

/** A client as operators see it: everything but the secret's hash, under `clientId`. */
export interface ClientView {
  clientId: string;
  name: string;
  role: Role;
  schools: string[];
  units: string[];
  scopes: string[];
  disabled: boolean;
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
});

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
});

export function createClientsRepo(q: Queryable) {
  return {
    async insert(c: Omit<ApiClient, 'disabled' | 'secretGeneration'>): Promise<void> {
      await q.query(
        `INSERT INTO truc.api_clients (id, name, role, secret_hash, schools, units, scopes)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [c.id, c.name, c.role, c.secretHash, c.schools, c.units, c.scopes],
      );
    },
    async get(id: string): Promise<ApiClient | undefined> {
      const res = await q.query<Row>('SELECT * FROM truc.api_clients WHERE id = $1', [id]);
      return res.rows[0] ? fromRow(res.rows[0]) : undefined;
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
    async setSecretHash(id: string, secretHash: string): Promise<boolean> {
      const res = await q.query(
        `UPDATE truc.api_clients SET secret_hash = $2, secret_generation = secret_generation + 1, updated_at = now()
          WHERE id = $1`,
        [id, secretHash],
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
