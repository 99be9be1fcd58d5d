/**
 * review35a (stop 55, the city IT admin's first month): the findings that need no database. See
 * test/integration/review35a.test.ts and /work/briefs/review35a-findings.md (same numbering).
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { configErrorOf, useConfigDirs } from '../helpers/config-dir.js';
import { expectViThenEn } from '../helpers/vietnamese-half.js';

const dirOf = useConfigDirs();

/** Each problem's words, after its `path (ENV): `. */
const wordsOf = (problems: readonly string[]): string[] =>
  problems.map((p) => p.replace(/^[\w.]+( \([A-Z_]+\))?: /, ''));

describe('F3: a bad configuration is said in Vietnamese and English, every line', () => {
  it('values from the environment (too small, too big, not a URL, not one of, a pattern)', () => {
    const err = configErrorOf(() =>
      loadConfig({
        env: {
          TRUC_PROFILE: 'test',
          PORT: '99999',
          PUBLIC_URL: 'foo',
          LOG_LEVEL: 'verbose',
          TRUC_METRICS_TOKEN: 'short',
          TRUC_WORKER_CONCURRENCY: '0',
          TRUC_JWT_KEYS: 'k 1:abc',
        },
      }),
    );
    expect(err.problems).toHaveLength(7);
    for (const words of wordsOf(err.problems)) expectViThenEn(words);
    expect(err.problems).toContain(
      'auth.jwtKeys.0.secret (TRUC_JWT_KEYS): phải dài ít nhất 32 ký tự / must be at least 32 characters long',
    );
    expect(err.problems).toContain('server.port (PORT): không được lớn hơn 65535 / must be at most 65535');
    expect(err.problems).toContain('server.publicUrl (PUBLIC_URL): không phải một URL / not a URL');
  });

  it("a profile's unknown key and a value not among those allowed", () => {
    const dir = dirOf('default', 'server:\n  prot: 1\nsync:\n  schedules:\n    x:\n      system: nope\n');
    const err = configErrorOf(() => loadConfig({ env: {}, configDir: dir }));
    for (const words of wordsOf(err.problems)) expectViThenEn(words);
    expect(err.problems).toContain('server: khoá không được biết: prot / unknown key(s): prot');
  });
});
