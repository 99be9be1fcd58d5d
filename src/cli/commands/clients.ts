/** `truc clients add | disable | enable`: API clients (OAuth2 client credentials). */
import { loadConfig } from '../../config.js';
import { defineCommand, list, runs, UsageError } from '../kit.js';

interface AddOptions {
  name?: string;
  role?: string;
  schools?: string[];
  units?: string[];
  scopes?: string[];
}

const add = () =>
  runs<AddOptions>(
    defineCommand('add', 'create a client; prints one JSON object with clientId and clientSecret')
      .option('--name <name>', 'display name (required)')
      .option('--role <role>', 'vendor | pcgd-officer | city-admin | auditor (required)')
      .option('--schools <codes>', 'school codes a vendor may touch, comma-separated', list)
      .option('--units <codes>', '2-digit province or 5-digit commune codes, comma-separated', list)
      .option('--scopes <scopes>', "scopes, comma-separated (default: the role's)", list),
    async (o, _args, out) => {
      if (!o.name || !o.role) throw new UsageError('clients add needs --name and --role');
      const input = { name: o.name, role: o.role, schools: o.schools ?? [], units: o.units ?? [] };
      const config = loadConfig();
      const { addClient, withDb } = await import('../../ops.js');
      const created = await withDb(config, (db) => addClient(db, { ...input, scopes: o.scopes ?? [] }));
      out.stdout(`${JSON.stringify(created)}\n`);
      return 0;
    },
  );

const setDisabled = (disabled: boolean) =>
  runs(
    defineCommand(
      disabled ? 'disable' : 'enable',
      disabled ? 'refuse the client new tokens' : 'let a disabled client in again',
    ).argument('<clientId>'),
    async (_opts, [clientId], out) => {
      const config = loadConfig();
      const { setClientDisabled, withDb } = await import('../../ops.js');
      const ok = await withDb(config, (db) => setClientDisabled(db, clientId!, disabled));
      if (!ok) {
        out.stderr(`no such client: ${clientId}\n`);
        return 1;
      }
      out.stdout(`client ${clientId} ${disabled ? 'disabled' : 'enabled'}\n`);
      return 0;
    },
  );

export const clientsCommand = () =>
  defineCommand('clients', 'API clients: add, disable, enable')
    .addCommand(add())
    .addCommand(setDisabled(true))
    .addCommand(setDisabled(false));
