/**
 * walk9 W9-1: a client granted a school code truc.schools has no record of is granted (a school's record may arrive
 * later), with a bilingual warning naming the code: the admin API's creation and change (`warnings`) and
 * `truc clients add | set-schools` (stderr; stdout keeps its one answer).
 */
import { describe, expect, it } from 'vitest';
import { truc, useCliBesideApi } from '../helpers/cli-in-process.js';
import { schoolRecord, storeSchools } from '../helpers/quality-world.js';

const h = useCliBesideApi();
const LISTED = '79990001';
const UNLISTED = '79990002';
const WORDS =
  /chưa có trong danh sách trường của thành phố: 79990002; .* \/ school codes not in the city's school list: 79990002;/;

const send = (method: 'POST' | 'PATCH', url: string, payload: Record<string, unknown>) =>
  h.app.inject({ method, url, payload, headers: { authorization: `Bearer ${h.token}` } });

describe('W9-1: a grant of a school truc does not list', () => {
  it('the admin API grants it and warns, naming only the unlisted code', async () => {
    await storeSchools(h.env.deps.db, [schoolRecord(LISTED)]);
    const created = await send('POST', '/v1/admin/clients', {
      name: 'Vendor W9',
      role: 'vendor',
      schools: [LISTED, UNLISTED],
    });
    expect(created.statusCode, created.body).toBe(201);
    const body = created.json<{ clientId: string; schools: string[]; warnings: string[] }>();
    expect(body.schools).toEqual([LISTED, UNLISTED]);
    expect(body.warnings).toHaveLength(1);
    expect(body.warnings[0]).toMatch(WORDS);
    expect(body.warnings[0]).not.toContain(LISTED);
    const listed = await send('PATCH', `/v1/admin/clients/${body.clientId}`, { schools: [LISTED] });
    expect(listed.statusCode, listed.body).toBe(200);
    expect(listed.json()).toMatchObject({ schools: [LISTED], warnings: [] });
    const unlisted = await send('PATCH', `/v1/admin/clients/${body.clientId}`, { schools: [UNLISTED] });
    expect(unlisted.json<{ warnings: string[] }>().warnings[0]).toMatch(WORDS);
  });

  it('truc clients add and set-schools warn on stderr, stdout unchanged', async () => {
    await storeSchools(h.env.deps.db, [schoolRecord(LISTED)]);
    const added = await truc(
      'clients',
      'add',
      '--name',
      'Vendor W9 CLI',
      '--role',
      'vendor',
      '--schools',
      UNLISTED,
    );
    expect(added.code, added.stderr).toBe(0);
    expect(added.stderr).toMatch(/^cảnh báo \/ warning: /);
    expect(added.stderr).toMatch(WORDS);
    const client = JSON.parse(added.stdout) as Record<string, unknown>;
    expect(client).not.toHaveProperty('warnings');
    const set = await truc(
      'clients',
      'set-schools',
      String(client.clientId),
      '--schools',
      `${LISTED},${UNLISTED}`,
    );
    expect(set.code, set.stderr).toBe(0);
    expect(set.stderr).toMatch(WORDS);
    const quiet = await truc('clients', 'set-schools', String(client.clientId), '--schools', LISTED);
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stderr).toBe('');
  });
});
