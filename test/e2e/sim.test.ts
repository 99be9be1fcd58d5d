/**
 * `truc sim <system>` runs one simulator standalone for vendors and testers: it listens, answers its
 * control endpoints, refuses unauthenticated calls, and stops on SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';

function startSim(system: string): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['node_modules/tsx/dist/cli.mjs', 'src/main.ts', 'sim', system, '--port', '0'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`sim ${system} did not start: ${out}`));
    }, 30_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]! });
      }
    });
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  });
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.on('close', (code) => resolve(code));
    child.kill('SIGTERM');
  });
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
        const stats = await fetch(`${url}/__sim/stats`);
        expect(stats.status).toBe(200);
        const unauth = await fetch(`${url}${PROTECTED[system]}`);
        expect(unauth.status).toBe(401);
      } finally {
        expect(await stop(child)).toBe(0);
      }
    });
  }
  it('an unknown system is a usage error (exit 2)', async () => {
    const child = spawn(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'src/main.ts', 'sim', 'nope'], {
      stdio: 'ignore',
    });
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(code).toBe(2);
  });
});
