/**
 * The newcomer's contract: `truc demo --once` runs the whole connector on the embedded database
 * against the simulators, and exits 0 after a summary showing the students reached the city database.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runProcess, trucArgs } from '../helpers/proc.js';
import { expectViThenEn } from '../helpers/vietnamese-half.js';

const dataDir = mkdtempSync(join(tmpdir(), 'truc-demo-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** `truc demo --once` on the embedded database in a folder of its own (killed after 170 s). */
const runDemo = () =>
  runProcess(process.execPath, trucArgs(['demo', '--once', '--port', '0']), {
    cwd: ROOT,
    env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '', REDIS_URL: '', TRUC_PROFILE: '' },
    timeoutMs: 170_000,
  });

describe('truc demo --once', () => {
  it('runs a full cycle on the embedded database and exits 0', async () => {
    const r = await runDemo();
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toContain('demo: mọi bước đều đạt / demo: OK');
    const pushed = /accepted (\d+) students/.exec(r.stdout);
    const atSim = /at hcm-csdl: (\d+) students/.exec(r.stdout);
    expect(Number(pushed?.[1])).toBeGreaterThan(0);
    expect(Number(atSim?.[1])).toBeGreaterThanOrEqual(Number(pushed?.[1]));
    expect(r.stdout).toMatch(/\/ audit chain: OK/);
    // issue 11: one dead letter left on purpose for the dashboard's replay, and scorecards computed
    expect(r.stdout).toMatch(/\/ dead letters: 1\n/);
    expect(r.stdout).toMatch(/\/ to replay: 1 dead letter/);
    // the city's schedules, kept by the demo's scheduler: a city admin can pause, resume or run one
    expect(r.stdout).toMatch(/\/ schedules: 8, the next: [a-z-]+ at 20\d\d-\d\d-\d\d \d\d:\d\d \(\+07\)/);
    expect(r.stdout).toMatch(
      /\/ quality: commune \d{5}: \d+(\.\d+)?% \((green|yellow|red)\), [1-9]\d* schools?/,
    );
    // all four simulators are used: native vendor formats and pulls from the city and Ministry systems
    expect(r.stdout).toMatch(/smas \d+ students \(smas format\): received \d+, accepted [1-9]/);
    expect(r.stdout).toMatch(/vnedu \d+ students \(vnedu format\): received \d+, accepted [1-9]/);
    expect(r.stdout).toMatch(/pulls: .*hcm-csdl students [1-9]/);
    expect(r.stdout).toMatch(/[1-9]\d* survey persons/);
    expect(r.stdout).toMatch(/\/docs/);
    // issue 11: a working dashboard link and the demo clients' secrets to sign in with
    expect(r.stdout).toMatch(/\/ dashboard .*:\n\s+http:\/\/127\.0\.0\.1:\d+\/dashboard\n/);
    expect(r.stdout).toMatch(/\/ city admin:\n\s+client_id cl_\S+\s+client_secret \S{20,}/);
    expect(r.stdout).toMatch(/\/ auditor:\n\s+client_id cl_\S+\s+client_secret \S{20,}/);
    // cli27 (review26a): every line that says something reads Vietnamese then English, each half whole
    for (const line of r.stdout.split('\n')) {
      if (
        line.trim() === '' ||
        !/[A-Za-zÀ-ỹ]{3}/.test(line.replace(/https?:\/\/\S+|client_(id|secret) \S+/g, ''))
      )
        continue;
      if (/^\s*(hcm-csdl|moet-pcgd|smas|vnedu) http/.test(line)) continue; // the simulators' addresses
      if (line.startsWith('{')) continue; // a log line (JSON), not the summary's
      expectViThenEn(line.trim());
    }
  });
});
