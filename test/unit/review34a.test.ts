/**
 * review34a (stop 54, a vendor's first week from README.md, docs/integration-guide.md and the OpenAPI document):
 * the findings that need no database. The findings over real HTTP are in test/integration/review34a.test.ts; the
 * numbering is shared and described in /work/briefs/review34a-findings.md.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The guide's one TypeScript block, as a vendor copies it. */
function guideCode(): string {
  const guide = readFileSync(join(ROOT, 'docs/integration-guide.md'), 'utf8');
  const blocks = [...guide.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
  expect(blocks).toHaveLength(1);
  return blocks[0]!;
}

/** Type errors of `code` compiled strictly, `@truc/client` being packages/client as a vendor installs it. */
function typeErrors(code: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'truc-review34a-'));
  dirs.push(dir);
  const file = join(dir, 'vendor.mts'); // an ES module, as the package is
  // what the guide leaves to the vendor: its credentials, its stored watermarks, its HTTP handler's request
  const given = [
    'declare const CLIENT_ID: string, CLIENT_SECRET: string, rawBody: string;',
    'declare const request: { headers: Record<string, string> };',
    'declare function save(record: unknown): void;',
    'let storedSince: string | undefined;',
    'let storedCursor: string | undefined;',
    'declare const knownEtag: string;',
  ].join('\n');
  writeFileSync(file, `${given}\n${code}\nexport {};\n`);
  const program = ts.createProgram([file], {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    skipLibCheck: true,
    types: ['node'],
    typeRoots: [join(ROOT, 'node_modules/@types')],
    baseUrl: ROOT,
    paths: { '@truc/client': ['packages/client/src/index.ts'] },
  });
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file?.fileName === file)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n').split('\n')[0]!);
}

describe('review34a, no database', () => {
  // F3 (MEDIUM): docs/integration-guide.md's "In code" block, the one a vendor copies first, did not compile under
  // `strict`: its record marks `sex` and `status` `as const` but not `grade: '1'`, which widens to `string`, and
  // `dryRun`, `pushBatch` and the error example were each refused (TS2322: string is not assignable to "1" | "2" | …).
  it('F3: the integration guide’s TypeScript compiles against @truc/client', () => {
    expect(typeErrors(guideCode())).toEqual([]);
  }, 120_000);
});
