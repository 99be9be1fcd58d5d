/** Operator commands that need only the database: migrate, audit verify, clients add/list/disable/rotate-secret. */
import { appendAudit, verifyAudit, type VerifyResult } from './audit/chain.js';
import {
  endOldSecret,
  insertClient,
  refuseLastAdmin,
  replaceSecret,
  unlistedSchoolsWarnings,
} from './api/auth/client-admin.js';
import { hashSecret, newClientId, newSecret } from './api/auth/secrets.js';
import { ALL_SCOPES } from './api/routes/oauth.js';
import { SCHOOL_SYSTEMS } from './canonical/systems.js';
import { hasNoForbiddenChars } from './canonical/text.js';
import type { Config, SystemName } from './config.js';
import { AppError, both } from './errors.js';
import {
  clientView,
  createClientsRepo,
  DEFAULT_SCOPES,
  lockActiveAdmins,
  ROLES,
  type ClientView,
  type Role,
} from './store/clients.js';
import type { Db } from './store/db.js';
import {
  clearSchoolSystem as clearSchoolSystemIn,
  setSchoolSystem as setSchoolSystemIn,
} from './jobs/contracts.js';
import type { Queue } from 'bullmq';
import {
  assertRedisReachable,
  postgresQueueFactory,
  redisQueueFactory,
  type QueueFactory,
} from './jobs/queues.js';
import { createLogger } from './observability/logger.js';
import { aheadWords, migrate, migrationsAhead, pendingMigrations } from './store/migrate.js';
export { aheadWords };
import { forgetTarget } from './store/undelivered.js';
import { servedWithin } from './store/served-targets.js';
import { openDatabase } from './store/open.js';
import { createSchoolSystemsRepo, type SchoolSystemRow } from './store/school-systems.js';

export async function withDb<T>(config: Config, fn: (db: Db) => Promise<T>): Promise<T> {
  const { db } = await openDatabase({
    url: config.database.url,
    dataDir: config.database.dataDir,
    poolMax: 2,
    existing: true,
  });
  try {
    await checkSchema(db);
    return await fn(db);
  } finally {
    await db.close();
  }
}

/** Where {@link checkSchema} says a newer schema: the operator's terminal (a CLI command's stderr). */
const sayOnStderr = (line: string): void => {
  process.stderr.write(`truc: ${line}\n`);
};

/**
 * A command that does not own the schema (every one but `truc migrate` and the roles) never migrates (fix36f,
 * review35a F2: `truc clients list` of another version, or against a read-only replica, migrated by accident). It
 * refuses with ERR_SCHEMA_PENDING (exit 4) while this build's migrations are pending, naming how many and `truc
 * migrate`; a schema newer than this build (review35a F1) is said on stderr, and the command goes on, as an older
 * role does.
 */
export async function checkSchema(db: Db, say: (line: string) => void = sayOnStderr): Promise<void> {
  const pending = await pendingMigrations(db);
  if (pending.length > 0) {
    const n = pending.length;
    const first = pending.slice(0, 3).join(', ') + (n > 3 ? ', …' : '');
    throw new AppError(
      'ERR_SCHEMA_PENDING',
      both(
        `${n} migration chưa áp dụng (${first}); không có gì được thay đổi: chạy \`truc migrate\` rồi chạy lại lệnh`,
        `${n} pending migration(s) (${first}); nothing was changed: run \`truc migrate\`, then this command again`,
      ),
    );
  }
  const ahead = await migrationsAhead(db);
  if (ahead.length > 0) say(aheadWords(ahead));
}

/**
 * {@link withDb} with one queue of the queue backend a running truc uses (Redis when REDIS_URL is set, else
 * the database's), for a command that reads a queue (`truc schedules list`: the schedules' next runs). The
 * queue is undefined when its backend does not answer (the command says so and goes on without it).
 */
export async function withDbAndQueue<T>(
  config: Config,
  name: string,
  fn: (db: Db, queue: Queue | undefined) => Promise<T>,
): Promise<T> {
  const { db, queueConnection } = await openDatabase({
    url: config.database.url,
    dataDir: config.database.dataDir,
    poolMax: 2,
    existing: true,
  });
  let queues: QueueFactory | undefined;
  try {
    await checkSchema(db);
    let queue: Queue | undefined;
    try {
      if (config.redisUrl) await assertRedisReachable(config.redisUrl);
      queues = config.redisUrl
        ? redisQueueFactory(config.redisUrl, config.jobs, createLogger('silent'))
        : postgresQueueFactory(queueConnection, config.jobs, async () => undefined);
      queue = queues.queue(name);
      if (config.redisUrl) await queue.waitUntilReady();
    } catch {
      queue = undefined;
    }
    return await fn(db, queue);
  } finally {
    await queues?.close();
    await db.close();
  }
}

/** `truc migrate`: the migrations applied now, and those the database holds that this build does not know. */
export async function runMigrate(config: Config): Promise<{ applied: string[]; ahead: string[] }> {
  const { db } = await openDatabase({
    url: config.database.url,
    dataDir: config.database.dataDir,
    poolMax: 2,
  });
  try {
    const applied = await migrate(db);
    return { applied, ahead: await migrationsAhead(db) };
  } finally {
    await db.close();
  }
}

export interface NewClient {
  clientId: string;
  clientSecret: string;
  name: string;
  role: Role;
  schools: string[];
  units: string[];
  scopes: string[];
}
/** A new client and the bilingual warnings that did not refuse it: school codes truc.schools has no record of (W9-1). */
export type AddedClient = NewClient & { warnings: string[] };

/**
 * The clock of operator commands: the CLI builds no Deps, so its audit entries take the machine's time,
 * as deps.now does in the service. Callers with a clock of their own (the demo, tests) pass it.
 */
export const operatorClock = (): Date => new Date();

const CODE = /^[A-Za-z0-9._-]{1,32}$/;
const VENDOR_NEEDS_SCHOOL = both(
  '--schools: phần mềm trường cần ít nhất một trường',
  '--schools: a vendor needs at least one school',
);

export async function addClient(
  db: Db,
  input: { name: string; role: string; schools?: string[]; units?: string[]; scopes?: string[] },
  actor = 'operator:cli',
  now: () => Date = operatorClock,
): Promise<AddedClient> {
  const problems: string[] = [];
  const name = input.name.trim();
  if (!name || name.length > 100 || !hasNoForbiddenChars(name))
    problems.push(both('--name: 1–100 ký tự in được', '--name: 1–100 printable characters'));
  if (!(ROLES as readonly string[]).includes(input.role))
    problems.push(both(`--role: một trong ${ROLES.join(', ')}`, `--role: one of ${ROLES.join(', ')}`));
  const schools = input.schools ?? [];
  const units = input.units ?? [];
  for (const s of schools)
    if (!CODE.test(s))
      problems.push(both(`--schools: "${s}" không phải mã trường`, `--schools: "${s}" is not a school code`));
  for (const u of units)
    if (!/^\d{2}$|^\d{5}$/.test(u))
      problems.push(
        both(
          `--units: "${u}" không phải mã tỉnh 2 chữ số hay mã xã 5 chữ số`,
          `--units: "${u}" is not a 2-digit province or 5-digit commune code`,
        ),
      );
  // The API's schema takes no scope it does not know; the CLI took any (review35b F5: a city admin's `nonsense`).
  const unknown = (input.scopes ?? []).filter((s) => !(ALL_SCOPES as readonly string[]).includes(s));
  if (unknown.length > 0)
    problems.push(
      both(
        `--scopes: phạm vi không có: ${unknown.join(', ')} (có: ${ALL_SCOPES.join(', ')})`,
        `--scopes: unknown scopes: ${unknown.join(', ')} (known: ${ALL_SCOPES.join(', ')})`,
      ),
    );
  if (problems.length > 0) throw new AppError('ERR_VALIDATION', problems.join('; '));
  const role = input.role as Role;
  if (role === 'vendor' && schools.length === 0) throw new AppError('ERR_VALIDATION', VENDOR_NEEDS_SCHOOL);
  const client: AddedClient = {
    clientId: newClientId(),
    clientSecret: newSecret(),
    name,
    role,
    schools,
    units,
    scopes: input.scopes && input.scopes.length > 0 ? input.scopes : [...DEFAULT_SCOPES[role]],
    warnings: [],
  };
  const secretHash = await hashSecret(client.clientSecret);
  client.warnings = await db.tx(async (q) => {
    await insertClient(
      q,
      { id: client.clientId, name, role, secretHash, schools, units, scopes: client.scopes },
      { actor, at: now() },
    );
    return unlistedSchoolsWarnings(q, schools);
  });
  return client;
}

/** What `truc clients disable` adds to the API's refusal of the last admin (review14). */
const ALLOW_NO_ADMIN = {
  vi: 'muốn khoá cả ứng dụng này thì thêm --allow-no-admin (sau đó chỉ `truc clients enable` hoặc `truc clients add` trên máy chủ cho một quản trị vào lại)',
  en: 'to disable it all the same, add --allow-no-admin (then only `truc clients enable` or `truc clients add` on the host lets an admin in again)',
};

/**
 * Disables or enables a client, audited `client.disabled` / `client.enabled`; false when there is no such client.
 * Disabling the city's last active admin client is refused as the API refuses it (ERR_LAST_ADMIN, nothing changed nor
 * audited, as no refused change is) unless `allowNoAdmin` (the CLI's `--allow-no-admin`): then it is disabled, audited
 * with `lastAdmin: true`. Enabling is never refused: with the CLI's `clients add --role city-admin`, the way back in.
 */
export async function setClientDisabled(
  db: Db,
  clientId: string,
  disabled: boolean,
  actor = 'operator:cli',
  { now = operatorClock, allowNoAdmin = false }: { now?: () => Date; allowNoAdmin?: boolean } = {},
): Promise<boolean> {
  return db.tx(async (q) => {
    // The active admins are locked before the client, as the API's PATCH locks them (one order: no deadlock).
    const admins = disabled ? await lockActiveAdmins(q) : [];
    const last = admins.length === 1 && admins[0] === clientId;
    if (!allowNoAdmin) refuseLastAdmin(admins, clientId, ALLOW_NO_ADMIN);
    const ok = await createClientsRepo(q).setDisabled(clientId, disabled);
    const action = disabled ? 'client.disabled' : 'client.enabled';
    const details = last ? { lastAdmin: true } : undefined;
    if (ok) await appendAudit(q, [{ actor, action, subject: `client:${clientId}`, details }], now());
    return ok;
  });
}

/** Every client, without secrets (issue 9). */
export async function listClients(db: Db): Promise<ClientView[]> {
  return (await createClientsRepo(db).list()).map(clientView);
}

/**
 * A new secret for the client, audited; the old one keeps working `overlapSeconds` more (0: it stops at once; the CLI
 * gives auth.secretOverlapSeconds unless told: fix30a). The new secret and when the old one stops; undefined when
 * there is no such client.
 */
export async function rotateClientSecret(
  db: Db,
  clientId: string,
  window: { overlapSeconds: number },
  actor = 'operator:cli',
  now: () => Date = operatorClock,
): Promise<{ clientSecret: string; oldCredentialExpiresAt: string | null } | undefined> {
  const clientSecret = newSecret();
  const secretHash = await hashSecret(clientSecret);
  return db.tx(async (q) => {
    if (!(await replaceSecret(q, clientId, secretHash, { actor, at: now() }, window.overlapSeconds)))
      return undefined;
    const client = await createClientsRepo(q).get(clientId);
    return {
      clientSecret,
      oldCredentialExpiresAt: client ? clientView(client).oldCredentialExpiresAt : null,
    };
  });
}

/** Ends the client's old secret now, audited when it still worked (`ended`); `none`: none did; undefined: no client. */
export async function endClientOldSecret(
  db: Db,
  clientId: string,
  actor = 'operator:cli',
  now: () => Date = operatorClock,
): Promise<'ended' | 'none' | undefined> {
  return db.tx((q) => endOldSecret(q, clientId, { actor, at: now() }));
}

/**
 * Replaces the schools a client may touch, audited; acts on tokens already issued. Its warnings (codes truc.schools
 * has no record of: W9-1), or undefined when there is no such client.
 */
export async function setClientSchools(
  db: Db,
  clientId: string,
  schools: string[],
  actor = 'operator:cli',
  now: () => Date = operatorClock,
): Promise<{ warnings: string[] } | undefined> {
  const bad = schools.filter((s) => !CODE.test(s));
  if (bad.length > 0)
    throw new AppError(
      'ERR_VALIDATION',
      both(
        `--schools: không phải mã trường: ${bad.join(', ')}`,
        `--schools: not school codes: ${bad.join(', ')}`,
      ),
    );
  return db.tx(async (q) => {
    const repo = createClientsRepo(q);
    const before = await repo.get(clientId);
    if (!before) return undefined;
    if (before.role === 'vendor' && schools.length === 0)
      throw new AppError('ERR_VALIDATION', VENDOR_NEEDS_SCHOOL);
    await repo.update(clientId, { schools });
    await appendAudit(
      q,
      [{ actor, action: 'client.updated', subject: `client:${clientId}`, details: { schools } }],
      now(),
    );
    return { warnings: await unlistedSchoolsWarnings(q, schools) };
  });
}

export async function listSchoolSystems(db: Db, system?: string): Promise<SchoolSystemRow[]> {
  return (await createSchoolSystemsRepo(db).list({ system })).items;
}

/**
 * Sets (or, with `system` null, clears) the school-management system that serves a school, audited.
 * Returns false when clearing a school no system is known for.
 */
export async function setSchoolSystem(
  db: Db,
  schoolCode: string,
  system: string | null,
  actor = 'operator:cli',
  now: () => Date = operatorClock,
): Promise<boolean> {
  if (!CODE.test(schoolCode))
    throw new AppError(
      'ERR_VALIDATION',
      both(`không phải mã trường: ${schoolCode}`, `not a school code: ${schoolCode}`),
    );
  if (system !== null && !(SCHOOL_SYSTEMS as readonly string[]).includes(system)) {
    const names = SCHOOL_SYSTEMS.join(', ');
    throw new AppError('ERR_VALIDATION', both(`--system: một trong ${names}`, `--system: one of ${names}`));
  }
  return db.tx(async (q) => {
    if (system === null)
      return (await clearSchoolSystemIn(q, { schoolCode, by: actor, at: now() })) !== undefined;
    await setSchoolSystemIn(q, { schoolCode, system, by: actor, at: now() });
    return true;
  });
}

export async function auditVerify(db: Db): Promise<VerifyResult> {
  return verifyAudit(db);
}

/** The last time a running worker said it delivers to `system`, within the last `seconds` (null: none did). */
export async function targetServedAt(db: Db, system: SystemName, seconds: number): Promise<Date | null> {
  return servedWithin(db, system, seconds);
}

/**
 * Forgets a push target removed from the configuration (issue 7): its undelivered rows are deleted and its
 * push sets' open dead letters abandoned (src/store/undelivered.ts `forgetTarget`), audited
 * (`target.forgotten`, subject `target:<system>`, the counts). The caller refuses a target still configured.
 */
export async function forgetPushTarget(
  db: Db,
  system: SystemName,
  actor = 'operator:cli',
  now: () => Date = operatorClock,
): Promise<{ records: number; deadLetters: number }> {
  return db.tx(async (q) => {
    const forgotten = await forgetTarget(q, system);
    await appendAudit(
      q,
      [{ actor, action: 'target.forgotten', subject: `target:${system}`, details: { ...forgotten } }],
      now(),
    );
    return forgotten;
  });
}
