/**
 * walk6b W6b-5: `npm --prefix <repo> run -s truc -- pcgd verify pkg.json --signature pkg.p7s`, from the officer's
 * folder, answered "no such file: pkg.p7s": npm runs its scripts in the repository's folder, so truc read a relative
 * path from there. src/cli/kit.ts `shellPath` (pcgd verify's files, pcgd export's --out): a relative path is taken
 * from where npm was started (INIT_CWD) when truc is that npm script itself, else from the current folder.
 */
import { describe, expect, it } from 'vitest';
import { shellPath } from '../../../src/cli/kit.js';

describe("a typed path, as the user's shell meant it", () => {
  const REPO = '/srv/truc';
  it('run as `npm run truc`: from the folder npm was started in', () => {
    const env = { npm_lifecycle_event: 'truc', INIT_CWD: '/home/officer/Downloads' };
    expect(shellPath('pkg.p7s', env, REPO)).toBe('/home/officer/Downloads/pkg.p7s');
    expect(shellPath('../x/pkg.json', env, REPO)).toBe('/home/officer/x/pkg.json');
    expect(shellPath('/tmp/pkg.json', env, REPO)).toBe('/tmp/pkg.json');
  });

  it('run as the installed bin, or under another npm script: from the current folder', () => {
    expect(shellPath('pkg.p7s', {}, REPO)).toBe('/srv/truc/pkg.p7s');
    expect(shellPath('pkg.p7s', { npm_lifecycle_event: 'test', INIT_CWD: '/elsewhere' }, REPO)).toBe(
      '/srv/truc/pkg.p7s',
    );
  });
});
