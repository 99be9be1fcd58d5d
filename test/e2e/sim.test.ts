/**
 * `truc sim <system>` runs one simulator standalone for vendors and testers: it listens, answers its
 * control endpoints, refuses unauthenticated calls, and stops on SIGTERM. Its usage errors are told before anything
 * starts: run in process (`runCli`, as src/main.ts calls it, with truc's real modules; ci9: a process each was tsx
 * loading the CLI); a real process's exit 2 is test/e2e/cli.test.ts's 'bad usage'.
 */
import { describe, expect, it } from 'vitest';
import { truc as inProcess } from '../helpers/cli-in-process.js';
import { ROOT, spawnProcess, trucArgs, trucEnv, type Spawned } from '../helpers/proc.js';

const truc = (cli: string[]) => ({ args: trucArgs(cli), opts: { cwd: ROOT, env: trucEnv() } });

async function startSim(
  system: string,
  extra: string[] = [],
): Promise<{ child: Spawned; url: string; out: () => string }> {
  const { args, opts } = truc(['sim', system, '--port', '0', ...extra]);
  const child = spawnProcess(process.execPath, args, opts);
  try {
    const line = await child.waitForLine((l) => /listening on http:\/\/127\.0\.0\.1:\d+/.test(l), 30_000);
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(line)![1]!;
    return { child, url, out: () => child.stdout() + child.stderr() };
  } catch (err) {
    child.kill();
    throw err;
  }
}

async function stop(child: Spawned): Promise<number | null> {
  child.child.kill('SIGTERM');
  return (await child.exited).code;
}

const PROTECTED: Record<string, string> = {
  'hcm-csdl': '/v1/students',
  'moet-pcgd': '/v1/working-year',
  smas: '/schools',
  vnedu: '/v1/schools',
};

describe('truc sim <system>', () => {
  for (const system of ['hcm-csdl', 'moet-pcgd', 'smas', 'vnedu']) {
    it(`${system} runs standalone and stops on SIGTERM`, async () => {
      const { child, url } = await startSim(system);
      try {
        // raw fetch: the simulators' own APIs, not truc's (the typed client is truc's)
        const stats = await fetch(`${url}/__sim/stats`);
        expect(stats.status).toBe(200);
        const unauth = await fetch(`${url}${PROTECTED[system]}`);
        expect(unauth.status).toBe(401);
      } finally {
        expect(await stop(child)).toBe(0);
      }
    });
  }
  it('is sized and faulted by flags (city scale streams, never held in memory)', async () => {
    const { child, url, out } = await startSim('hcm-csdl', [
      '--schools',
      '2500',
      '--students-per-school',
      '680',
      '--staff-per-school',
      '40',
      '--faults',
      '{"latencyMs":5,"status503Burst":1}',
    ]);
    try {
      expect(out()).toContain('2500 schools, 1700000 students');
      const f = (await (await fetch(`${url}/__sim/faults`)).json()) as { faults: Record<string, unknown> };
      expect(f.faults).toMatchObject({ latencyMs: 5, status503Burst: 1 });
      expect((await fetch(`${url}/v1/students`)).status).toBe(503);
    } finally {
      expect(await stop(child)).toBe(0);
    }
    // on the way out, the requests it served and their rate (stderr; a redrawn bar on a terminal)
    const served =
      /trình giả lập hcm-csdl: [\d.]+ yêu cầu đã phục vụ trong \d+s \([\d.]+\/s\) \/ truc sim hcm-csdl: (\d+) requests? served in \d+s \([\d,]+\/s\)\n/.exec(
        out(),
      );
    expect(served, out()).not.toBeNull();
    expect(Number(served![1])).toBeGreaterThanOrEqual(1);
  });

  it('bad faults are a usage error (exit 2)', async () => {
    expect((await inProcess('sim', 'smas', '--faults', '{"bogus":1}')).code).toBe(2);
  });

  it('an unknown system is a usage error (exit 2)', async () => {
    expect((await inProcess('sim', 'nope')).code).toBe(2);
  });
});
