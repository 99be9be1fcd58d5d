/**
 * A `test` profile of its own for spawned `truc` processes: config/test.yaml with a test's changes, in
 * a temporary folder that `TRUC_CONFIG_DIR` points them at.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { ROOT } from './proc.js';

/** The profile's YAML as a plain object (the test changes what it needs). */
export type Profile = Record<string, unknown>;

/** Writes config/test.yaml changed by `change` to a new folder; `dir` is `TRUC_CONFIG_DIR`. */
export function testProfileDir(change: (profile: Profile) => void): { dir: string; remove(): void } {
  const profile = parse(readFileSync(join(ROOT, 'config/test.yaml'), 'utf8')) as Profile;
  change(profile);
  const dir = mkdtempSync(join(tmpdir(), 'truc-profile-'));
  writeFileSync(join(dir, 'test.yaml'), stringify(profile));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
