/**
 * Files generated from the code and committed: written by their script, or, with `--check`, compared
 * with what is committed, so that `npm run check` fails when a generator's output drifted.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PROJECT_ROOT } from '../src/config.js';

/** A generated file: its path and the text its generator makes. */
export type Generated = readonly [file: string, text: string];

/** The files of `outputs` whose committed text is not what their generator makes (or that are missing). */
export function staleFiles(outputs: readonly Generated[]): string[] {
  return outputs
    .filter(([file, text]) => !existsSync(file) || readFileSync(file, 'utf8') !== text)
    .map(([f]) => f);
}

/** Whether the module of `moduleUrl` (its `import.meta.url`) is the script node was started with, not an import. */
export const isEntry = (moduleUrl: string): boolean =>
  process.argv[1] !== undefined && moduleUrl === pathToFileURL(process.argv[1]).href;

/** Whether the script was asked to check (`--check`) rather than write. */
export const checking = (argv: readonly string[] = process.argv): boolean => argv.includes('--check');

/**
 * Writes each `[file, text]`; when checking, writes nothing and names on stderr each committed file
 * that differs (`regenerate`: the command that rewrites it). The exit code: 1 on drift, else 0.
 */
export function writeGenerated(outputs: readonly Generated[], regenerate: string): number {
  if (!checking()) {
    for (const [file, text] of outputs) writeFileSync(file, text);
    return 0;
  }
  const stale = staleFiles(outputs);
  for (const file of stale)
    process.stderr.write(`${relative(PROJECT_ROOT, file)} is out of date: run ${regenerate}\n`);
  return stale.length === 0 ? 0 : 1;
}
