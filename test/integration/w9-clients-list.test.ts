/**
 * walk9 W9-7: `truc clients list` prints one line a client, `vi / en` as the other list commands (its id, name, role,
 * disabled, schools, units, scopes; never a secret), after a count; `--json` keeps the API's view, one object a line.
 */
import { describe, expect, it } from 'vitest';
import { addClient } from '../../src/ops.js';
import { truc, useCliBesideApi } from '../helpers/cli-in-process.js';

const h = useCliBesideApi();

describe('W9-7: truc clients list', () => {
  it('a line a client in both languages, and --json as before', async () => {
    const added = await addClient(h.env.deps.db, {
      name: 'W97 Vendor',
      role: 'vendor',
      schools: ['79990071'],
    });
    const text = await truc('clients', 'list');
    expect(text.code, text.stderr).toBe(0);
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^\d+ client \/ \d+ clients?$/);
    const line = lines.find((l) => l.includes(added.clientId));
    expect(line).toBe(
      `  ${added.clientId} "W97 Vendor": nhà cung cấp phần mềm; trường; đơn vị; quyền: 79990071; —; ` +
        `${added.scopes.join(',')} / ${added.clientId} "W97 Vendor": vendor; schools; units; scopes: 79990071; —; ` +
        `${added.scopes.join(',')}`,
    );
    expect(text.stdout).not.toContain(added.clientSecret);
    expect(text.stdout).not.toContain('{');
    const json = await truc('clients', 'list', '--json');
    expect(json.code, json.stderr).toBe(0);
    const views = json.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { clientId: string; schools: string[] });
    expect(views.find((v) => v.clientId === added.clientId)).toMatchObject({ schools: ['79990071'] });
  });
});
