/**
 * `truc clients add | list | rotate-secret | end-old-secret | set-schools | disable | enable`: API clients (OAuth2
 * client credentials).
 */
import { CLIENT_ID } from '../../api/auth/secrets.js';
import type { ClientView } from '../../store/clients.js';
import { countEn, loadConfig, SECRET_OVERLAP_MAX_SECONDS } from '../../config.js';
import {
  asOption,
  badValue,
  both,
  defineCommand,
  int,
  list,
  notFound,
  operatorActor,
  runs,
  UsageError,
  type CliOutput,
} from '../kit.js';

/** `<clientId>`: the API's rule ({@link CLIENT_ID}); another text names no client and is bad usage (exit 2). */
function clientIdArg(value: string): string {
  if (!CLIENT_ID.test(value))
    throw badValue(
      'mã client: 1 đến 64 ký tự A-Z, a-z, 0-9, _ -',
      'a client id: 1 to 64 of A-Z, a-z, 0-9, _ -',
    );
  return value;
}

/** An unknown client: ERR_NOT_FOUND, exit 1 (the CLI's one rule for an unknown id, kit.ts `notFound`). */
const noSuchClient = (id: string) => notFound({ vi: 'client', en: 'client' }, id);

/** A grant's warnings (W9-1: codes truc.schools has no record of) on stderr: stdout keeps its one answer. */
function warn(out: CliOutput, warnings: string[]): void {
  for (const w of warnings) out.stderr(`${both('cảnh báo', 'warning')}: ${w}\n`);
}

interface AddOptions {
  name?: string;
  role?: string;
  schools?: string[];
  units?: string[];
  scopes?: string[];
  as?: string;
}

const add = () =>
  runs<AddOptions>(
    defineCommand('add', 'create a client; prints one JSON object with clientId and clientSecret')
      .option('--name <name>', 'display name (required)')
      .option('--role <role>', 'vendor | pcgd-officer | city-admin | auditor (required)')
      .option('--schools <codes>', 'school codes a vendor may touch, comma-separated', list)
      .option('--units <codes>', '2-digit province or 5-digit commune codes, comma-separated', list)
      .option('--scopes <scopes>', "scopes, comma-separated (default: the role's)", list)
      .addOption(asOption()),
    async (o, _args, out) => {
      if (!o.name || !o.role)
        throw new UsageError(both('clients add cần --name và --role', 'clients add needs --name and --role'));
      const actor = operatorActor(o.as);
      const input = { name: o.name, role: o.role, schools: o.schools ?? [], units: o.units ?? [] };
      const config = loadConfig();
      const { addClient, withDb } = await import('../../ops.js');
      const { warnings, ...created } = await withDb(config, (db) =>
        addClient(db, { ...input, scopes: o.scopes ?? [] }, actor),
      );
      warn(out, warnings);
      out.stdout(`${JSON.stringify(created)}\n`);
      return 0;
    },
  );

/** `disable` refuses the last active admin client unless told (`--allow-no-admin`, review14); `enable` never refuses. */
function disableCommand(disabled: boolean) {
  const command = defineCommand(
    disabled ? 'disable' : 'enable',
    disabled ? 'refuse the client new tokens' : 'let a disabled client in again',
  )
    .argument('<clientId>', 'the client id (truc clients list)', clientIdArg)
    .addOption(asOption());
  if (!disabled) return command;
  return command.option(
    '--allow-no-admin',
    "disable it even when it is the last active admin client (audited; then only 'truc clients enable' or 'clients add' lets an admin in)",
  );
}

const setDisabled = (disabled: boolean) =>
  runs<{ as?: string; allowNoAdmin?: boolean }>(disableCommand(disabled), async (o, [clientId], out) => {
    const actor = operatorActor(o.as);
    const config = loadConfig();
    const { setClientDisabled, withDb } = await import('../../ops.js');
    const allowNoAdmin = o.allowNoAdmin === true;
    const ok = await withDb(config, (db) =>
      setClientDisabled(db, clientId!, disabled, actor, { allowNoAdmin }),
    );
    if (!ok) throw noSuchClient(clientId!);
    out.stdout(
      `${
        disabled
          ? both(`client ${clientId} đã bị khoá`, `client ${clientId} disabled`)
          : both(`client ${clientId} đã được mở lại`, `client ${clientId} enabled`)
      }\n`,
    );
    return 0;
  });

/** A role in Vietnamese (the English half says its key, as the API and --json do). */
const ROLE_VI: Readonly<Record<string, string>> = {
  vendor: 'nhà cung cấp phần mềm',
  'pcgd-officer': 'cán bộ PCGD-XMC',
  'city-admin': 'quản trị thành phố',
  auditor: 'kiểm toán',
};

/**
 * One client a line, `vi / en` as every list command's (walk9 W9-7: `clients list` printed the API's JSON, which
 * `--json` keeps): its id, name, role, whether disabled, its schools, units and scopes; never a secret.
 */
export function clientLine(c: ClientView): string {
  const codes = (xs: readonly string[]) => (xs.length === 0 ? '—' : xs.join(','));
  const where = `${codes(c.schools)}; ${codes(c.units)}; ${c.scopes.join(',')}`;
  return both(
    `${c.clientId} "${c.name}": ${ROLE_VI[c.role] ?? c.role}${c.disabled ? ', đã tắt' : ''}; trường; đơn vị; quyền: ${where}`,
    `${c.clientId} "${c.name}": ${c.role}${c.disabled ? ', disabled' : ''}; schools; units; scopes: ${where}`,
  );
}

const listAll = () =>
  runs<{ json?: boolean }>(
    defineCommand('list', 'list clients, one a line (never their secrets)').option(
      '--json',
      "one JSON object a line (the API's view of each client)",
    ),
    async (o, _args, out) => {
      const config = loadConfig();
      const { listClients, withDb } = await import('../../ops.js');
      const clients = await withDb(config, (db) => listClients(db));
      if (o.json) {
        for (const c of clients) out.stdout(`${JSON.stringify(c)}\n`);
        return 0;
      }
      out.stdout(`${both(`${clients.length} client`, countEn(clients.length, 'client'))}\n`);
      for (const c of clients) out.stdout(`  ${clientLine(c)}\n`);
      return 0;
    },
  );

const rotate = () =>
  runs<{ overlap?: number; as?: string }>(
    defineCommand(
      'rotate-secret',
      'give the client a new secret (printed once); the old one keeps working --overlap seconds more',
    )
      .argument('<clientId>', 'the client id (truc clients list)', clientIdArg)
      .option(
        '--overlap <seconds>',
        'how long the old secret (and its tokens) keep working; 0 stops them at once, as after a leak (default: auth.secretOverlapSeconds, 86400)',
        int(0, SECRET_OVERLAP_MAX_SECONDS),
      )
      .addOption(asOption()),
    async (o, [clientId], out) => {
      const actor = operatorActor(o.as);
      const config = loadConfig();
      const overlapSeconds = o.overlap ?? config.auth.secretOverlapSeconds;
      const { rotateClientSecret, withDb } = await import('../../ops.js');
      const rotated = await withDb(config, (db) =>
        rotateClientSecret(db, clientId!, { overlapSeconds }, actor),
      );
      if (rotated === undefined) throw noSuchClient(clientId!);
      out.stdout(`${JSON.stringify({ clientId, ...rotated })}\n`);
      return 0;
    },
  );

const endOld = () =>
  runs<{ as?: string }>(
    defineCommand(
      'end-old-secret',
      'stop the secret the last rotation replaced now (and the tokens issued with it)',
    )
      .argument('<clientId>', 'the client id (truc clients list)', clientIdArg)
      .addOption(asOption()),
    async (o, [clientId], out) => {
      const actor = operatorActor(o.as);
      const config = loadConfig();
      const { endClientOldSecret, withDb } = await import('../../ops.js');
      const ended = await withDb(config, (db) => endClientOldSecret(db, clientId!, actor));
      if (ended === undefined) throw noSuchClient(clientId!);
      out.stdout(
        `${
          ended === 'ended'
            ? both(`client ${clientId}: khoá bí mật cũ đã ngừng`, `client ${clientId}: old secret ended`)
            : both(
                `client ${clientId}: không có khoá bí mật cũ nào còn dùng được`,
                `client ${clientId}: no old secret was still working`,
              )
        }\n`,
      );
      return 0;
    },
  );

const setSchools = () =>
  runs<{ schools?: string[]; as?: string }>(
    defineCommand('set-schools', 'replace the schools a client may touch (acts on its tokens at once)')
      .argument('<clientId>', 'the client id (truc clients list)', clientIdArg)
      .option('--schools <codes>', 'school codes, comma-separated (required)', list)
      .addOption(asOption()),
    async (o, [clientId], out) => {
      if (!o.schools)
        throw new UsageError(
          both('clients set-schools cần --schools', 'clients set-schools needs --schools'),
        );
      const actor = operatorActor(o.as);
      const config = loadConfig();
      const { setClientSchools, withDb } = await import('../../ops.js');
      const set = await withDb(config, (db) => setClientSchools(db, clientId!, o.schools!, actor));
      if (!set) throw noSuchClient(clientId!);
      warn(out, set.warnings);
      const schools = o.schools.join(',');
      out.stdout(
        `${both(`client ${clientId}, các trường: ${schools}`, `client ${clientId} schools: ${schools}`)}\n`,
      );
      return 0;
    },
  );

export const clientsCommand = () =>
  defineCommand(
    'clients',
    'API clients: add, list, rotate-secret, end-old-secret, set-schools, disable, enable',
  )
    .addCommand(add())
    .addCommand(listAll())
    .addCommand(rotate())
    .addCommand(endOld())
    .addCommand(setSchools())
    .addCommand(setDisabled(true))
    .addCommand(setDisabled(false));
