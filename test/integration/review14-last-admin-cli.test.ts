/**
 * review14 item 2: `truc clients disable` refuses the city's last active admin client as the API does (ERR_LAST_ADMIN,
 * the same bilingual words, nothing changed nor audited, as no refused change is), unless `--allow-no-admin` says so:
 * then it is disabled, audited with `lastAdmin: true`, and `truc clients enable` (never refused) lets an admin in again.
 * The CLI in process beside the API, on PostgreSQL.
 */
import { describe, expect, it } from 'vitest';
import { addClient } from '../../src/ops.js';
import { countRows } from '../helpers/env.js';
import { truc, useCliBesideApi } from '../helpers/cli-in-process.js';

const h = useCliBesideApi();

const ACTIVE_ADMINS = `NOT disabled AND 'admin' = ANY(scopes)`;
const activeAdmins = () => countRows(h.env.deps.db, 'truc.api_clients', ACTIVE_ADMINS);
const activeAdminIds = async () =>
  (
    await h.env.deps.db.query<{ id: string }>(
      `SELECT id FROM truc.api_clients WHERE ${ACTIVE_ADMINS} ORDER BY id`,
    )
  ).rows.map((r) => r.id);

/** The `client.disabled` entries of `id`, their details. */
const disabledAudits = async (id: string) =>
  (
    await h.env.deps.db.query<{ details: Record<string, unknown> }>(
      `SELECT details FROM truc.audit_log WHERE action = 'client.disabled' AND subject = $1 ORDER BY seq`,
      [`client:${id}`],
    )
  ).rows.map((r) => r.details);

describe('review14: truc clients disable and the last admin', () => {
  it('refuses the last active admin unless --allow-no-admin; enable lets it in again', async () => {
    const other = await addClient(h.env.deps.db, { name: 'City B', role: 'city-admin' });
    // Every admin but it disabled (each audited, none the last): the world holds one of its own at least.
    const last = other.clientId;
    const rest = (await activeAdminIds()).filter((id) => id !== last);
    expect(rest.length).toBeGreaterThan(0);
    for (const id of rest) expect((await truc('clients', 'disable', id)).code).toBe(0);
    expect(await activeAdmins()).toBe(1);
    expect(await disabledAudits(rest[0]!)).toEqual([{}]);

    const refused = await truc('clients', 'disable', last);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain('ERR_LAST_ADMIN');
    // the API's words in both languages, then the flag
    expect(refused.stderr).toContain('ứng dụng quản trị cuối cùng còn hoạt động');
    expect(refused.stderr).toContain(
      'this is the last active admin client: create or enable another admin client first',
    );
    expect(refused.stderr).toContain('--allow-no-admin');
    expect(await activeAdmins()).toBe(1);
    expect(await disabledAudits(last)).toEqual([]);

    const forced = await truc('clients', 'disable', last, '--allow-no-admin');
    expect(forced.code, forced.stderr).toBe(0);
    expect(await activeAdmins()).toBe(0);
    expect(await disabledAudits(last)).toEqual([{ lastAdmin: true }]);

    // the operator's way back: enable is never refused
    const enabled = await truc('clients', 'enable', last);
    expect(enabled.code, enabled.stderr).toBe(0);
    expect(await activeAdmins()).toBe(1);
  });

  it('--allow-no-admin changes nothing for a client that is not the last admin', async () => {
    const vendor = await addClient(h.env.deps.db, { name: 'V', role: 'vendor', schools: ['79990071'] });
    expect((await truc('clients', 'disable', vendor.clientId, '--allow-no-admin')).code).toBe(0);
    expect(await disabledAudits(vendor.clientId)).toEqual([{}]);
    expect((await truc('clients', 'enable', '--allow-no-admin', vendor.clientId)).code).toBe(2);
  });
});
