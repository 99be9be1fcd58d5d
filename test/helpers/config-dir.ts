/**
 * Configuration tests' profiles on disk: temp config folders removed after each test, and the ConfigError that
 * loading one throws.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect } from 'vitest';
import { ConfigError } from '../../src/config.js';

/** The ConfigError `fn` throws (fails the test when it throws anything else or nothing). */
export function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError, got none');
}

/**
 * For the enclosing file (or suite): a maker of temp config folders, each holding `<profile>.yaml` with the given
 * text, removed after each test.
 */
export function useConfigDirs(): (profile: string, yaml: string) => string {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  return (profile, yaml) => {
    const dir = mkdtempSync(join(tmpdir(), 'truc-config-'));
    dirs.push(dir);
    writeFileSync(join(dir, `${profile}.yaml`), yaml);
    return dir;
  };
}
