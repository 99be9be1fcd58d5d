/**
 * sec29 item 4: `pcgd.signing` in pkcs12 mode without its files failed only when a report was approved (the first
 * signature). `truc api` (and `truc all`) now check it before anything starts: a folder that is not there or holds
 * no `<unitCode>.p12`, or a file the password does not open, refuses the start (exit 2) with a bilingual line naming
 * the configuration key, never the password. Without any sign that the city set signing up (no folder or password
 * given, the Ministry's system not configured) a missing folder is a warning only (the default profile starts).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkSigningSetup } from '../../src/reporting/pcgd/signing-setup.js';
import { loadUnitSigner } from '../../src/reporting/pcgd/signing.js';
import { makeTempDir, type TempDir } from '../helpers/env.js';
import { ROOT, runProcess, trucArgs, trucEnv } from '../helpers/proc.js';

const PASSWORD = 'sec29-p12-passphrase';

describe('pkcs12 signing checked at start (sec29 item 4)', () => {
  let tmp: TempDir;
  let keys: string;
  beforeAll(async () => {
    tmp = await makeTempDir('truc-sec29-');
    keys = join(tmp.path, 'keys');
    mkdirSync(keys);
    // a unit's key and certificate (made self-signed), packed by openssl as a CA's file would be
    const made = join(tmp.path, 'made');
    await loadUnitSigner({ mode: 'self-signed', dir: made, organisation: 'Sở GDĐT (test)' }, '79');
    execFileSync('openssl', [
      'pkcs12',
      '-export',
      '-inkey',
      join(made, '79.key.pem'),
      '-in',
      join(made, '79.cert.pem'),
      '-out',
      join(keys, '79.p12'),
      '-passout',
      `pass:${PASSWORD}`,
    ]);
  }, 60_000);
  afterAll(async () => {
    await tmp?.remove();
  });

  /** `truc api` with a profile of its own saying pkcs12 and `signing` (YAML lines), and `env`. */
  const startApi = (signing: string, env: NodeJS.ProcessEnv = {}) => {
    const dir = join(tmp.path, `profile-${Math.random().toString(36).slice(2)}`);
    mkdirSync(dir);
    writeFileSync(join(dir, 'prod.yaml'), `pcgd:\n  signing:\n    mode: pkcs12\n${signing}`);
    return runProcess(process.execPath, trucArgs(['api']), {
      cwd: ROOT,
      env: trucEnv({
        TRUC_PROFILE: 'prod',
        TRUC_CONFIG_DIR: dir,
        DATA_DIR: join(dir, 'data'),
        PORT: '0',
        HOST: '127.0.0.1',
        ...env,
      }),
      timeoutMs: 120_000,
    });
  };

  it('a folder without the files refuses `truc api`, exit 2, naming pcgd.signing.dir', async () => {
    const empty = join(tmp.path, 'empty');
    mkdirSync(empty);
    const e = await startApi(`    dir: ${empty}\n`, { TRUC_PCGD_P12_PASSWORD: PASSWORD });
    expect(e.code, e.stderr).toBe(2);
    expect(e.stderr).toContain('pcgd.signing.dir');
    expect(e.stderr).toMatch(/không có tệp .* \/ .*holds no <unitCode>\.p12 file/);
    expect(e.stderr).not.toContain(PASSWORD);
    expect(e.stdout).not.toContain('listening');
  }, 130_000);

  it('a file the password does not open refuses it, naming the key, never the password', async () => {
    const e = await startApi(`    dir: ${keys}\n`, { TRUC_PCGD_P12_PASSWORD: `${PASSWORD}-wrong` });
    expect(e.code, e.stderr).toBe(2);
    expect(e.stderr).toContain('TRUC_PCGD_P12_PASSWORD');
    expect(e.stderr).toContain('79.p12');
    expect(e.stderr).toContain(' / ');
    expect(e.stderr).not.toContain(PASSWORD);
  }, 130_000);

  it('the right files and password pass; nothing set up is a warning only; self-signed is not checked', async () => {
    const good = await checkSigningSetup(
      { mode: 'pkcs12', dir: keys, pkcs12Password: PASSWORD },
      tmp.path,
      false,
    );
    expect(good).toEqual({ problems: [] });
    const nothing = await checkSigningSetup({ mode: 'pkcs12' }, join(tmp.path, 'no-data'), false);
    expect(nothing.problems).toEqual([]);
    expect(nothing.warning).toMatch(/pcgd\.signing\.dir.* \/ .*no PCGD-XMC report can be signed/);
    // the Ministry's system configured: the city reports, so the same folder is a refusal
    const reporting = await checkSigningSetup({ mode: 'pkcs12' }, join(tmp.path, 'no-data'), true);
    expect(reporting.problems).toHaveLength(1);
    const demo = await checkSigningSetup({ mode: 'self-signed' }, join(tmp.path, 'no-data'), true);
    expect(demo).toEqual({ problems: [] });
  });
});
