/**
 * review35b: every `truc` command an operator runs beside a live truc (all but the long-running all, api, worker,
 * scheduler, demo, sim and migrate), on a real PostgreSQL, with hostile values in each positional argument and each
 * option, an unknown option and an extra argument. A refusal exits 1 or 2 with one first line `truc: …` in
 * Vietnamese and English, no stack trace, no control or bidi character of the value echoed (an escape sequence would
 * act on the operator's terminal), no 20 KB echo of a 10,000-character value, and writes nothing (audit log, clients,
 * holds, letters). Findings: /work/briefs/review35b-findings.md.
 */
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';
import { addClient } from '../../src/ops.js';
import { createDeadLettersRepo } from '../../src/store/dead-letters.js';
import { createGuardHoldsRepo } from '../../src/store/guard-holds.js';
import { S1 } from '../helpers/api.js';
import { truc, useCliBesideApi } from '../helpers/cli-in-process.js';
import { countRows } from '../helpers/env.js';

const HOSTILE: readonly string[] = [
  '',
  '-1',
  '0',
  'x'.repeat(10_000),
  'a\u0000b',
  '\u001b[2J\u001b[31mred',
  'a\u009b2Jb',
  'a\u202eb',
  'a\nb',
  "a'b",
  '079201001234',
  'Nguyễn Thị Hoa',
  '99999999999999999999',
  '%s%n',
  '../../../etc/passwd',
  '2026-02-30',
  ',',
];
const LONG_RUNNING = new Set(['all', 'api', 'worker', 'scheduler', 'demo', 'sim', 'migrate']);
/** What an operator's terminal would act on: C0/C1 controls (a newline only between lines), bidi overrides. */
// eslint-disable-next-line no-control-regex
const ACTS_ON_TERMINAL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const VIETNAMESE = /[ạảãàáâậầấẩẫăắằặẳẵđêếềệểễôốồộổỗơớờợởỡưứừựửữíìịỉĩúùụủũýỳỵỷỹóòọỏõéèẹẻẽ]/i;

interface Leaf {
  path: string[];
  args: string[];
  /** Options that take a value, and flags. */
  values: string[];
  flags: string[];
}

function leaves(): Leaf[] {
  const out: Leaf[] = [];
  const walk = (c: Command, path: string[]) => {
    if (c.commands.length === 0 && !LONG_RUNNING.has(path[0]!)) {
      const opts = c.options.filter((o) => o.long && o.long !== '--help');
      out.push({
        path,
        args: c.registeredArguments.map((a) => a.name()),
        values: opts.filter((o) => o.required || o.optional).map((o) => o.long!),
        flags: opts.filter((o) => !(o.required || o.optional)).map((o) => o.long!),
      });
    }
    for (const s of c.commands) walk(s, [...path, s.name()]);
  };
  walk(buildProgram({ stdout: () => true, stderr: () => true }), []);
  return out;
}

/** What is wrong with a refusal's output (empty when it is right). */
function judgeRefusal(code: number, stderr: string): string {
  const first = stderr.split('\n')[0] ?? '';
  if (code !== 1 && code !== 2) return `exit ${code}`;
  if (!first.startsWith('truc: ')) return 'first line is not truc: …';
  const [vi = '', ...en] = first.split(' / ');
  if (en.length === 0 || !VIETNAMESE.test(vi) || vi === en.join(' / ')) return 'first line not vi / en';
  if (/\n\s+at /.test(stderr)) return 'a stack trace';
  if (/unexpected error/.test(stderr)) return 'an unexpected error';
  if (ACTS_ON_TERMINAL.test(stderr.replace(/\n/g, ''))) return 'a control or bidi character echoed';
  if (stderr.length > 4000) return `${stderr.length} characters`;
  return '';
}

describe('review35b: every CLI command against hostile arguments', () => {
  const cli = useCliBesideApi();

  it('each argument and option: exit 1 or 2, one bilingual line, nothing echoed raw, nothing written', async () => {
    const db = cli.env.deps.db;
    const client = await addClient(db, { name: 'v35b', role: 'vendor', schools: [S1] });
    const hold = await createGuardHoldsRepo(db).create({
      kind: 'reconcile',
      entity: 'students',
      diff: [],
      reasons: [],
    });
    await createDeadLettersRepo(db).insert({
      ...{ outboxId: undefined, queue: 'push-hcm-csdl', jobName: 'push', errorCode: 'ERR_TARGET_REJECTED' },
      ...{ errorMessage: 'm', attempts: 3 },
    });
    // A valid value of each positional argument, and of the options a command needs to go past its usage check.
    const valid: Record<string, string> = {
      ...{ clientId: client.clientId, schoolCode: S1, system: 'hcm-csdl', entity: 'students' },
      ...{ id: String(hold), reportId: '999999', unit: '26734', file: '/nonexistent/review35b' },
    };
    const needed: Record<string, string[]> = {
      'clients add': ['--name', 'n', '--role', 'vendor', '--schools', S1],
      'clients set-schools': ['--schools', S1],
      'school-systems set': ['--system', 'smas'],
      'holds approve': ['--reason', 'kiểm thử'],
      'holds reject': ['--reason', 'kiểm thử'],
    };
    const written = async () =>
      [
        await countRows(db, 'truc.audit_log'),
        await countRows(db, 'truc.api_clients'),
        await countRows(db, 'truc.guard_holds', "status <> 'held'"),
        await countRows(db, 'truc.dead_letters', 'replayed_at IS NOT NULL'),
      ].join();
    const bad: string[] = [];
    const run = async (argv: string[], what: string) => {
      const before = await written();
      const r = await truc(...argv);
      if (r.code === 0) return; // a value the command takes (a name, a day…): not a refusal
      const problem = judgeRefusal(r.code, r.stderr) || ((await written()) === before ? '' : 'wrote');
      if (problem)
        bad.push(`${argv.slice(0, 2).join(' ')} ${what} → ${r.code} ${problem}: ${r.stderr.slice(0, 160)}`);
    };
    for (const leaf of leaves()) {
      const name = leaf.path.join(' ');
      const args = leaf.args.map((a) => valid[a] ?? 'x');
      const opts = needed[name] ?? [];
      for (const [i, a] of leaf.args.entries())
        for (const v of HOSTILE)
          await run(
            [...leaf.path, ...args.map((x, j) => (j === i ? v : x)), ...opts],
            `<${a}>=${JSON.stringify(v.slice(0, 12))}`,
          );
      for (const o of leaf.values)
        for (const v of HOSTILE) {
          const others = opts.filter((_x, j) => opts[j - (j % 2)] !== o);
          await run([...leaf.path, ...args, ...others, o, v], `${o}=${JSON.stringify(v.slice(0, 12))}`);
        }
      for (const f of leaf.flags) await run([...leaf.path, ...args, ...opts, `${f}=x`], `${f}=x`);
      await run([...leaf.path, ...args, ...opts, '--nope'], 'an unknown option');
      await run([...leaf.path, ...args, ...opts, 'extra'], 'an extra argument');
    }
    expect(bad).toEqual([]);
  }, 300_000);

  // F5: the CLI stored scopes no client can hold (the API refuses them, ERR_VALIDATION), and named an unknown scope
  // of a vendor "a city scope".
  it('clients add with a scope truc does not know: exit 2 naming it as unknown, in both languages, no client', async () => {
    const db = cli.env.deps.db;
    for (const [role, extra] of [
      ['city-admin', []],
      ['auditor', []],
      ['vendor', ['--schools', S1]],
    ] as const) {
      const before = [await countRows(db, 'truc.api_clients'), await countRows(db, 'truc.audit_log')];
      const r = await truc(
        'clients',
        'add',
        '--name',
        'n35b',
        '--role',
        role,
        ...extra,
        '--scopes',
        'admin,nonsense',
      );
      expect(r.code, `${role}: ${r.stderr}`).toBe(2);
      expect(r.stderr.split('\n')[0]).toMatch(/phạm vi không có: nonsense .* \/ .*unknown scopes?: nonsense/);
      expect(r.stderr).not.toContain('city scopes');
      expect([await countRows(db, 'truc.api_clients'), await countRows(db, 'truc.audit_log')]).toEqual(
        before,
      );
    }
  });
});
