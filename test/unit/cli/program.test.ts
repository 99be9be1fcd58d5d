/**
 * The `truc` command table, run in process: `--help` on every command and subcommand prints its
 * usage and exits 0 without building dependencies, opening a database, starting a simulator or
 * listening; and `--version`. The exit codes of the operator contract: program-exit-codes.test.ts
 * (the same mocks, test/helpers/cli-program.ts).
 */
import { readFileSync } from 'node:fs';
import { Server } from 'node:net';
import { join } from 'node:path';
import type { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { started, truc } from '../../helpers/cli-program.js';

const { buildProgram } = await import('../../../src/cli/program.js');
const { PROJECT_ROOT } = await import('../../../src/config.js');
const { version } = (await import('../../../package.json', { with: { type: 'json' } })).default;

/** Every command path under the program: ['all'], ['clients'], ['clients', 'add'], … */
function commandPaths(cmd: Command, prefix: string[] = []): string[][] {
  return cmd.commands.flatMap((c) => {
    const path = [...prefix, c.name()];
    return [path, ...commandPaths(c, path)];
  });
}

const PATHS = commandPaths(buildProgram());

const VIETNAMESE = /[À-ɏḀ-ỿ]/;

/** Every option's and argument's text, split into its halves: `{ key: 'holds reject --reason', vi, en }`. */
function optionTexts(): Array<{ key: string; vi: string; en: string }> {
  const texts: Array<{ key: string; vi: string; en: string }> = [];
  const walk = (cmd: Command, path: string[]): void => {
    const named = [
      ...cmd.registeredArguments.map((a) => [`<${a.name()}>`, a.description] as const),
      ...cmd.options.map((o) => [o.long ?? o.flags, o.description] as const),
    ];
    for (const [name, text] of named) {
      const [vi = '', en = ''] = text.split(' / ');
      texts.push({ key: [...path, name].join(' '), vi, en });
    }
    for (const c of cmd.commands) walk(c, [...path, c.name()]);
  };
  walk(buildProgram(), []);
  return texts;
}

describe('truc --help', () => {
  let listen: ReturnType<typeof vi.spyOn>;
  beforeEach(() => {
    started.length = 0;
    listen = vi.spyOn(Server.prototype, 'listen');
  });
  afterEach(() => listen.mockRestore());

  it('the table holds the operator commands', () => {
    expect(PATHS.map((p) => p.join(' '))).toEqual(
      expect.arrayContaining([
        'all',
        'api',
        'worker',
        'demo',
        'migrate',
        'audit verify',
        'clients add',
        'clients list',
        'clients rotate-secret',
        'clients set-schools',
        'clients disable',
        'clients enable',
        'dead-letters list',
        'dead-letters replay',
        'sim',
      ]),
    );
  });

  for (const path of PATHS) {
    const name = path.join(' ');
    it(`truc ${name} --help prints its usage, starts nothing and exits 0`, async () => {
      const e = await truc(...path, '--help');
      expect(e.code, e.stderr).toBe(0);
      expect(e.stdout).toContain(`Usage: truc ${name}`);
      expect(e.stderr).toBe('');
      expect(started).toEqual([]);
      expect(listen).not.toHaveBeenCalled();
    });
    const viaHelp = [...path.slice(0, -1), 'help', path.at(-1)!]; // `truc clients help add`
    it(`truc ${viaHelp.join(' ')} prints the same usage`, async () => {
      const e = await truc(...viaHelp);
      expect(e.code, e.stderr).toBe(0);
      expect(e.stdout).toContain(`Usage: truc ${name}`);
      expect(started).toEqual([]);
    });
  }

  it('truc --help lists every top-level command and the environment', async () => {
    const e = await truc('--help');
    expect(e.code).toBe(0);
    for (const [top] of PATHS) expect(e.stdout).toMatch(new RegExp(`^  ${top}\\b`, 'm'));
    expect(e.stdout).toContain('DATABASE_URL');
  });

  it('truc --help is in Vietnamese and English: its titles, options and every command (tidy23)', async () => {
    const e = await truc('--help');
    expect(e.code).toBe(0);
    for (const title of ['Cách dùng / Usage:', 'Tuỳ chọn / Options:', 'Lệnh / Commands:'])
      expect(e.stdout).toContain(title);
    expect(e.stdout).toMatch(/-h, --help +hiện trợ giúp của lệnh \/ display help for command/);
    expect(e.stdout).toContain('Biến môi trường / Environment:');
    // Each top-level command's summary: a Vietnamese part, then ' / ' and the English (wrapped, so read whole).
    const program = buildProgram();
    for (const c of program.commands) {
      const [vi, en] = c.description().split(' / ');
      expect({ name: c.name(), vi: /[^ -~]/.test(vi ?? ''), en: (en ?? '') !== '' }).toEqual({
        name: c.name(),
        vi: true,
        en: true,
      });
    }
  });

  // fix33c: each subcommand said what it does in English alone ("truc clients --help" listed `add  create a client…`);
  // a command without subcommands listed `help [command]` among its commands; pcgd approve, submit and export named
  // their argument without a word of it.
  it('every command and subcommand says what it does in Vietnamese, then English', () => {
    const unsaid: string[] = [];
    const walk = (cmd: Command, prefix: string[]): void => {
      for (const c of cmd.commands) {
        const path = [...prefix, c.name()];
        const [vi, en] = c.description().split(' / ');
        if (!/[^ -~]/.test(vi ?? '') || !en) unsaid.push(path.join(' '));
        walk(c, path);
      }
    };
    walk(buildProgram(), []);
    expect(unsaid).toEqual([]);
  });

  // clivi (walk2 F2): `truc holds reject --help` printed its summary and titles in both languages, then every option and
  // argument in English alone (`--reason <text>  why, kept in the audit entry…`). Their Vietnamese is keyed like the
  // summaries' (src/cli/option-texts.ts: `holds reject --reason`, `pcgd compute <unit>`); one for a flag or argument
  // no command has any more is a stale entry.
  it('every option and argument says what it is in Vietnamese, then English; no Vietnamese left for one gone', async () => {
    const { OPTION_VI } = await import('../../../src/cli/option-texts.js');
    const texts = optionTexts();
    const unsaid = texts
      .filter(({ vi, en }) => !VIETNAMESE.test(vi) || !en || VIETNAMESE.test(en))
      .map(({ key }) => key);
    expect(unsaid).toEqual([]);
    const named = texts.map(({ key }) => key);
    expect(Object.keys(OPTION_VI).filter((key) => !named.includes(key))).toEqual([]);
    const e = await truc('holds', 'reject', '--help');
    expect(e.stdout.replace(/\s+/g, ' ')).toMatch(
      / id +mã lệnh giữ \/ the hold id .*--reason <text> +lý do, [^/]+ \/ why, kept in the audit entry/,
    );
  });

  // The Vietnamese half is written apart from the English: it keeps what is typed or read as is (a flag, a
  // placeholder, a number, a JSON example, a file, a setting, an upper-case name, a list of codes), so a default or a
  // list changed in the English and not in the Vietnamese is found here.
  it("each option's and argument's Vietnamese keeps its English's flags, numbers, examples and codes", () => {
    const kept =
      /--[a-z][a-z-]*|<[^>\s]+>|\{[^}]*\}|(?<![\w.-])\d+(?![\w-])|\d+(?=-digit)|[\w$-]*[._$/][\w$./-]*\w|\b[a-z]+[A-Z]\w*|\b[A-Z]{2,}[A-Z0-9]*(?:-[A-Z0-9]+)*\b/g;
    const lost = optionTexts().flatMap(({ key, vi, en }) => {
      const codes = [...(en.match(kept) ?? []), ...(/^[a-z0-9-]+(, [a-z0-9-]+)+$/.test(en) ? [en] : [])];
      return codes
        .filter((code) => !['ID', 'OS'].includes(code) && !vi.includes(code))
        .map((c) => `${key}: ${c}`);
    });
    expect(lost).toEqual([]);
  });

  // `quality run --follow` said it shows "records pulled and the rate", which a quality run has none of (README: its
  // status and the schools scored so far).
  it("quality run --follow says what following a quality run shows; sync run's what a sync run's does", async () => {
    const quality = (await truc('quality', 'run', '--help')).stdout.replace(/\s+/g, ' ');
    expect(quality).toContain('--follow chờ lượt chạy xong, hiện trạng thái và số trường đã chấm điểm');
    expect(quality).toContain('showing its status and the schools scored so far');
    expect(quality).not.toContain('records pulled');
    const sync = (await truc('sync', 'run', '--help')).stdout.replace(/\s+/g, ' ');
    expect(sync).toContain('showing its status, records pulled and the rate');
  });

  it('a command without subcommands lists no `help [command]`; every argument says what it is', async () => {
    const listed: string[] = [];
    const bare: string[] = [];
    for (const path of PATHS) {
      const e = await truc(...path, '--help');
      const cmd = path.reduce<Command>(
        (c, name) => c.commands.find((s) => s.name() === name)!,
        buildProgram(),
      );
      if (cmd.commands.length === 0 && /help \[command\]/.test(e.stdout)) listed.push(path.join(' '));
      for (const a of cmd.registeredArguments)
        if (!a.description) bare.push(`${path.join(' ')} <${a.name()}>`);
    }
    expect({ listed, bare }).toEqual({ listed: [], bare: [] });
  });

  // fix37d: the CLI exits 3 (a guard hold) and 4 (migrations pending) besides DESIGN §3's 0/1/2; `truc --help` listed
  // no exit code, and one README list named 0, 1 and 2 alone.
  it('truc --help and every README list of exit codes name each code truc exits with, and what it means', async () => {
    const { EXIT_CODES } = await import('../../../src/cli/program.js');
    expect(EXIT_CODES.map(([code]) => code)).toEqual([0, 1, 2, 3, 4]);
    const help = (await truc('--help')).stdout;
    expect(help).toContain('Mã thoát / Exit codes:');
    for (const [code, meaning] of EXIT_CODES) expect(help).toContain(`\n  ${code}  ${meaning}`);
    // walk9 W9-13: which of 1 and 2 an unknown id is (1, ERR_NOT_FOUND; an ill-formed one 2), said by --help.
    expect(help).toContain('failure (an unknown id too: ERR_NOT_FOUND)');
    expect(help).toContain('bad usage (an ill-formed id, a name outside its list too)');
    const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8').replace(/`/g, '');
    const lists = readme
      .split(/\n\s*\n/)
      .map((paragraph) => paragraph.replace(/\s+/g, ' '))
      .filter((paragraph) => /Exit codes: \d/.test(paragraph));
    expect(lists.length).toBeGreaterThan(0);
    for (const list of lists)
      for (const [code, meaning] of EXIT_CODES)
        expect(list, list.slice(0, 80)).toContain(`${code} ${meaning.split(' / ')[1]}`);
  });

  // walk (issue 7 walk-through): `truc quality run` had no row in README's Operations table, and the `schedules` row
  // said `--follow` does not apply to a quality schedule, which `schedules run <id> --follow` follows as `quality run`.
  it("README's Operations table has a row for every command, and says what schedules run --follow follows", () => {
    const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
    const from = readme.indexOf('| command (`npm run truc');
    const rows = readme.slice(from, readme.indexOf('\n\n', from)).split('\n').slice(2);
    const firsts = rows.map((row) => row.split(' | ')[0]!);
    const leaves = PATHS.filter((p) => PATHS.every((q) => q.length <= p.length || q[0] !== p[0]));
    const missing = leaves
      .map((p) => p.join(' '))
      .filter((p) => !firsts.some((cell) => new RegExp(`\`${p}[ \`]`).test(cell)));
    expect(missing).toEqual([]);
    const schedules = rows.find((row) => row.startsWith('| `schedules list'))!;
    expect(schedules).not.toContain('`--follow` does not apply');
    expect(schedules).toContain('`run --follow` follows its quality run as `quality run --follow` does');
  });

  it('truc --version prints the package version', async () => {
    const e = await truc('--version');
    expect(e.code).toBe(0);
    expect(e.stdout.trim()).toBe(version);
  });
});
